/*
 * kernel/acpi/acpi.h - ACPI static tables: RSDP, RSDT/XSDT, MADT.
 *
 * Finds the firmware's tables from the RSDP and decodes the MADT into the
 * CPUs, I/O APICs and interrupt overrides SMP bring-up and interrupt
 * routing need (spec kernel.md section 6; ACPI 6.5 sections 5.2.5-5.2.12).
 *
 * Everything here is read from firmware and treated as hostile: every
 * length is checked against what was mapped before a byte is read, every
 * table's checksum is verified, counts are bounded, and bad input yields a
 * negative code and a static reason string, never a crash or a read out of
 * bounds.  Multi-byte fields are read byte by byte (tables need not be
 * aligned).
 *
 * Physical memory is reached only through the caller's map callback, so
 * the same code runs in the kernel (direct map) and in host tests (a fake
 * arena).  Boot-time code: no locks, single CPU; results are plain data.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/core/config.h"

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

/**
 * Make [phys, phys + len) readable and return a pointer to it, or NULL
 * when it is not reachable (not RAM, beyond the direct map).  The pointer
 * must stay valid until the parser call that asked for it returns (the
 * kernel's direct map is permanent).  len is never 0 and phys + len never
 * wraps.
 */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, size_t len);

#define ACPI_SIG_LEN	   4u
#define ACPI_HEADER_LEN	   36u	       /**< system description header */
#define ACPI_RSDP_V1_LEN   20u	       /**< ACPI 1.0 RSDP */
#define ACPI_RSDP_V2_LEN   36u	       /**< ACPI 2.0+ RSDP */
#define ACPI_RSDP_MAX_LEN  4096u       /**< larger length fields are corrupt */
#define ACPI_MAX_TABLE_LEN (4u << 20)  /**< larger tables are corrupt */
#define ACPI_MAX_TABLES	   256u	       /**< root entries kept */
#define ACPI_MAX_IOAPICS   4u	       /**< spec kernel.md section 6 */
#define ACPI_MAX_OVERRIDES 16u	       /**< spec kernel.md section 6 */
#define ACPI_MAX_NMIS	   MAX_CPUS    /**< local APIC NMI entries kept */
#define ACPI_UID_ALL	   0xffffffffu /**< NMI entry for every processor */

/** The located root of the firmware tables.  Filled by acpi_init(). */
struct acpi_tables {
	acpi_map_fn map;	/**< caller's mapper */
	void *map_ctx;		/**< its first argument */
	uint8_t rsdp_revision;	/**< 0 = ACPI 1.0, >= 2 = has XSDT fields */
	char oem_id[7];		/**< RSDP OEM id, NUL-terminated */
	bool xsdt;		/**< root is the XSDT (else the RSDT) */
	bool xsdt_rejected;	/**< an XSDT was named but invalid: RSDT used */
	const char *xsdt_error; /**< why, when xsdt_rejected */
	uint64_t root_phys;	/**< physical address of the root table */
	uint32_t root_entries;	/**< entries the root table lists */
	uint32_t table_count;	/**< valid entries of tables[] */
	uint64_t tables[ACPI_MAX_TABLES]; /**< distinct non-zero entries */
	uint32_t dropped;  /**< entries null, repeated, or past the cap */
	const char *error; /**< reason of the last failure, "ok" else */
};

/** One validated table (checksum and length checked). */
struct acpi_table_ref {
	const uint8_t *data; /**< the whole table, header included */
	uint32_t len;	     /**< its length field */
	uint64_t phys;	     /**< its physical address */
	const char *why;     /**< on failure: why no valid table was found */
};

/** acpi_cpu.flags */
enum acpi_cpu_flag {
	ACPI_CPU_ENABLED = 1u << 0,	   /**< usable now: start it */
	ACPI_CPU_ONLINE_CAPABLE = 1u << 1, /**< may be enabled later */
	ACPI_CPU_X2APIC = 1u << 2,	   /**< from an x2APIC entry */
};

/** A processor: an enabled or online-capable (x2)APIC entry. */
struct acpi_cpu {
	uint32_t apic_id;  /**< (x2)APIC id */
	uint32_t acpi_uid; /**< ACPI processor UID */
	uint32_t flags;	   /**< enum acpi_cpu_flag */
};

struct acpi_ioapic {
	uint8_t id;	   /**< I/O APIC id */
	uint32_t addr;	   /**< physical MMIO base */
	uint32_t gsi_base; /**< first global system interrupt it serves */
};

/** Interrupt polarity/trigger (MPS INTI flags), decoded. */
enum acpi_polarity {
	ACPI_POLARITY_CONFORMS = 0, /**< bus default (ISA: active high) */
	ACPI_POLARITY_HIGH = 1,
	ACPI_POLARITY_LOW = 3,
};
enum acpi_trigger {
	ACPI_TRIGGER_CONFORMS = 0, /**< bus default (ISA: edge) */
	ACPI_TRIGGER_EDGE = 1,
	ACPI_TRIGGER_LEVEL = 3,
};

/** ISA IRQ source_irq arrives at GSI gsi (MADT type 2). */
struct acpi_override {
	uint8_t source_irq; /**< ISA IRQ 0..15 */
	uint8_t polarity;   /**< enum acpi_polarity */
	uint8_t trigger;    /**< enum acpi_trigger */
	uint32_t gsi;	    /**< global system interrupt */
};

/** Local APIC LINT pin wired to NMI (MADT types 4 and 10). */
struct acpi_lapic_nmi {
	uint32_t acpi_uid; /**< processor UID, ACPI_UID_ALL = every CPU */
	uint8_t lint;	   /**< LINT0 or LINT1 */
	uint8_t polarity;  /**< enum acpi_polarity */
	uint8_t trigger;   /**< enum acpi_trigger */
};

/** What the MADT says.  The counters say what was left out and why. */
struct acpi_madt_info {
	uint64_t lapic_addr;	  /**< local APIC base (override applied) */
	bool lapic_addr_override; /**< a type-5 entry replaced the header's */
	bool pcat_compat;	  /**< dual 8259 PICs present (mask them) */
	uint8_t revision;	  /**< MADT revision */
	uint32_t cpu_count;	  /**< valid entries of cpus[] */
	struct acpi_cpu cpus[MAX_CPUS]; /**< in table order (BSP first) */
	uint32_t ioapic_count;		/**< valid entries of ioapics[] */
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS]; /**< table order */
	uint32_t override_count; /**< valid entries of overrides[] */
	struct acpi_override overrides[ACPI_MAX_OVERRIDES]; /**< table order */
	uint32_t nmi_count; /**< valid entries of nmis[] */
	struct acpi_lapic_nmi nmis[ACPI_MAX_NMIS]; /**< table order */
	uint32_t cpus_disabled;	    /**< neither enabled nor online-capable */
	uint32_t cpus_dropped;	    /**< usable CPUs beyond MAX_CPUS */
	uint32_t ioapics_dropped;   /**< beyond ACPI_MAX_IOAPICS */
	uint32_t overrides_dropped; /**< beyond ACPI_MAX_OVERRIDES */
	uint32_t nmis_dropped;	    /**< beyond ACPI_MAX_NMIS */
	uint32_t invalid;    /**< impossible values (APIC id 0xff, ...) */
	uint32_t duplicates; /**< repeated ids, addresses or IRQ sources */
	uint32_t ignored;    /**< entry types not decoded here */
	const char *error;   /**< reason of failure, "ok" on success */
};

/**
 * Locate the root table from an RSDP held in memory (rsdp, rsdp_len
 * bytes: the boot_info copy) and fill *a.
 *
 * Checks: the "RSD PTR " signature and the checksum of the first 20 bytes;
 * for revision >= 2 with 36 bytes available, the length field (36 ..
 * rsdp_len) and the extended checksum.  A revision-2 RSDP given in only 20
 * bytes is used as ACPI 1.0 (RSDT).  The XSDT is preferred when named; if
 * it is unreachable or corrupt the RSDT is used instead and
 * a->xsdt_rejected says so.  The root table's signature, length (36 ..
 * ACPI_MAX_TABLE_LEN) and checksum are checked; its entries are copied to
 * a->tables without null, repeated or self entries, at most
 * ACPI_MAX_TABLES (the rest counted in a->dropped).  The tables the
 * entries name are checked only when looked up.
 *
 * Returns 0, or -EINVAL (NULL argument), -ETRUNC (rsdp_len below 20, or
 * below the length field), -ECORRUPT (signature, checksum, length),
 * -ENOENT (no root table named), -EFAULT (map returned NULL).  a->error
 * holds the reason.
 */
__must_check int acpi_init(struct acpi_tables *a, const void *rsdp,
			   size_t rsdp_len, acpi_map_fn map, void *map_ctx);

/** acpi_init() for an RSDP at physical address rsdp_phys, read via map. */
__must_check int acpi_init_phys(struct acpi_tables *a, uint64_t rsdp_phys,
				acpi_map_fn map, void *map_ctx);

/**
 * Find the index-th valid table with signature sig (4 bytes, e.g. "FACP",
 * "HPET", "MCFG") among a's entries; tables that are unreachable or fail
 * the length or checksum check are skipped.  Returns 0 with *out filled,
 * -ENOENT when there is no such table, -ECORRUPT when only invalid ones
 * were found (out->why says why), -EINVAL for NULL arguments.
 */
__must_check int acpi_find_table(const struct acpi_tables *a, const char *sig,
				 uint32_t index, struct acpi_table_ref *out);

/**
 * Find the MADT ("APIC") through a and decode it into *out (see
 * acpi_parse_madt_buf()).  -ENOENT without a valid MADT.
 */
__must_check int acpi_parse_madt(const struct acpi_tables *a,
				 struct acpi_madt_info *out);

/**
 * Decode the MADT in madt[0, len) into *out, which is cleared first.
 *
 * The header is checked as for any table (signature "APIC", length >= 44
 * and <= len, checksum).  Entries: processor local APIC (type 0), I/O APIC
 * (1), interrupt source override (2), local APIC NMI (4), local APIC
 * address override (5), processor local x2APIC (9), local x2APIC NMI (10);
 * other types are counted in out->ignored.  A CPU is kept when enabled, or
 * online-capable in a MADT of revision >= 5 (ACPI 6.3); APIC ids 0xff
 * (xAPIC) and 0xffffffff are invalid; a repeated APIC id is a duplicate.
 * Overrides need bus 0 (ISA), an IRQ below 16 and no reserved polarity or
 * trigger encoding; a repeated IRQ is a duplicate; the first one wins.
 * I/O APICs need a non-zero address; a repeated id or address is a
 * duplicate.  Limits: MAX_CPUS CPUs, ACPI_MAX_IOAPICS, ACPI_MAX_OVERRIDES,
 * ACPI_MAX_NMIS; the excess is counted.
 *
 * Returns 0, -EINVAL (NULL argument), -ETRUNC (len below the length
 * field), or -ECORRUPT (header, checksum, an entry of length < 2, past
 * the table end, or shorter than its type needs).  On -ECORRUPT from an
 * entry, *out holds the entries before it and must not be trusted for
 * bring-up; out->error says what was wrong.
 */
__must_check int acpi_parse_madt_buf(const void *madt, size_t len,
				     struct acpi_madt_info *out);

/**
 * True when the CPU entry is to be started at boot.  Online-capable CPUs
 * are listed but not started.
 */
static inline bool acpi_cpu_usable(const struct acpi_cpu *c)
{
	return (c->flags & ACPI_CPU_ENABLED) != 0;
}
