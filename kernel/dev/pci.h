/*
 * kernel/dev/pci.h - the PCI functions found at boot, their BARs, and the
 * checks that decide which ports and physical pages user drivers may
 * touch (DeviceInfo, PortIo, MapMmio; docs/devices.md section 3).
 *
 * pci_enumerate walks buses 0..255, devices 0..31 and (for multi-function
 * devices) functions 0..7 through a configuration-space interface, sizes
 * every BAR by writing all ones with the command register's decode bits
 * off, and keeps up to PCI_MAX_FUNCS functions in a table that is
 * read-only afterwards (so readers take no lock).  Everything read from a
 * device is untrusted: a BAR with an impossible size, alignment or place,
 * or one that overlaps RAM, the kernel's own device registers or an
 * earlier BAR, is kept with an issue code and never handed out.  The
 * capability list is walked with bounds and loop checks, and only the
 * vendor-specific entries (virtio's) are kept, as raw read-only bytes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct device_caps;
struct device_info;

/** Functions kept; more are counted in pci_dropped(). */
#define PCI_MAX_FUNCS 64u
/** BAR slots of a header-type-0 function. */
#define PCI_BARS 6u
/** Largest I/O BAR a function may decode (PCI local bus spec). */
#define PCI_IO_BAR_MAX 256u
/** I/O BARs must lie at or above this: below are the legacy ISA ports
 * the kernel drives itself (PIC, PIT, COM1, the PCI config ports...). */
#define PCI_IO_MIN 0x1000u
/** Memory BARs must lie at or above this: below is the legacy area
 * (BIOS, VGA, the AP trampoline). */
#define PCI_MEM_MIN 0x100000ull
/** Memory BARs must end at or below this (52-bit physical addresses). */
#define PCI_MEM_LIMIT (1ull << 52)
/** Largest memory BAR kept: DeviceInfo's size field is 32 bits. */
#define PCI_MEM_BAR_MAX 0x80000000ull

/** What a BAR slot holds. */
enum pci_bar_kind {
	PCI_BAR_NONE = 0,   /**< unimplemented (sizes to 0) or no slot */
	PCI_BAR_IO,	    /**< I/O space */
	PCI_BAR_MEM32,	    /**< 32-bit memory */
	PCI_BAR_MEM64,	    /**< 64-bit memory (uses the next slot too) */
	PCI_BAR_MEM64_HIGH, /**< upper half of the 64-bit BAR before it */
};

/** Why a BAR is not handed out (PCI_BAR_OK: it is). */
enum pci_bar_issue {
	PCI_BAR_OK = 0,
	PCI_BAR_UNASSIGNED,    /**< base 0: firmware gave it no address */
	PCI_BAR_BAD_SIZE,      /**< the size mask is not contiguous */
	PCI_BAR_MISALIGNED,    /**< base not a multiple of the size */
	PCI_BAR_TOO_BIG,       /**< above PCI_IO_BAR_MAX / PCI_MEM_BAR_MAX */
	PCI_BAR_OUT_OF_RANGE,  /**< outside [PCI_IO_MIN, 64 KiB) or
				    [PCI_MEM_MIN, PCI_MEM_LIMIT) */
	PCI_BAR_IN_USE,	       /**< overlaps RAM or the kernel's MMIO */
	PCI_BAR_OVERLAP,       /**< overlaps an earlier BAR */
	PCI_BAR_NO_UPPER_HALF, /**< 64-bit BAR in the last slot */
	PCI_BAR_RESERVED_TYPE, /**< memory type 3 (reserved) */
};

/** One BAR slot. */
struct pci_bar {
	uint64_t base; /**< bus address (port or physical) */
	uint64_t size; /**< bytes decoded; 0 for NONE */
	uint8_t kind;  /**< enum pci_bar_kind */
	uint8_t issue; /**< enum pci_bar_issue */
	bool prefetch; /**< memory: prefetchable */
};

/** Capability list entries walked at most: (0x100 - 0x40) / 4. */
#define PCI_CAP_WALK_MAX 48u
/** Capability id of a vendor-specific capability (virtio's). */
#define PCI_CAP_ID_VENDOR 0x09u
/** Vendor-specific capabilities kept per function (DEVICE_CAPS_MAX). */
#define PCI_VCAP_MAX 16u

/** A vendor-specific capability, copied from config space at boot. */
struct pci_vcap {
	uint8_t off;	  /**< its offset in config space */
	uint8_t len;	  /**< valid bytes of data */
	uint8_t data[20]; /**< raw, from the id byte; 0 past len */
};

/** One PCI function. */
struct pci_func {
	uint8_t bus, dev, fn; /**< its address */
	uint8_t header_type;  /**< low 7 bits of the header-type byte */
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t irq_line; /**< interrupt line register (firmware's) */
	uint8_t irq_pin;  /**< 0 none, 1..4 INTA..INTD */
	uint32_t irq;	  /**< line for WaitIrq, or 0xFFFFFFFF */
	struct pci_bar bar[PCI_BARS];
	uint8_t cap_walked; /**< capability list entries read */
	uint8_t cap_flags;  /**< enum device_caps_flags: why the walk stopped */
	uint8_t vcap_count; /**< entries of vcap */
	struct pci_vcap vcap[PCI_VCAP_MAX]; /**< vendor-specific ones, in list order */
};

/** How pci_enumerate reaches the machine (the kernel: arch hooks). */
struct pci_config_ops {
	/** 32-bit config register at off; all ones when absent. */
	uint32_t (*read32)(void *ctx, unsigned bus, unsigned dev, unsigned fn,
			   unsigned off);
	/** Write a 32-bit config register. */
	void (*write32)(void *ctx, unsigned bus, unsigned dev, unsigned fn,
			unsigned off, uint32_t value);
	/** True when physical [base, base + len) holds RAM or registers
	 * the kernel uses itself: no BAR may be there. */
	bool (*phys_in_use)(void *ctx, uint64_t base, uint64_t len);
	/** Interrupt line for WaitIrq of config line/pin (or 0xFFFFFFFF). */
	uint32_t (*irq_of)(void *ctx, uint8_t line, uint8_t pin);
	void *ctx;
};

/**
 * Scan every bus, replacing the table.  Boot CPU, before user space runs
 * (tests per case).  Returns the number of functions kept.
 */
size_t pci_enumerate(const struct pci_config_ops *ops);

/** Functions in the table. */
size_t pci_count(void);

/** Functions found beyond PCI_MAX_FUNCS (not kept). */
size_t pci_dropped(void);

/** Function i of the table, or NULL when i >= pci_count(). */
const struct pci_func *pci_get(uint64_t i);

/** True when the BAR may be handed to user space. */
bool pci_bar_usable(const struct pci_bar *b);

/** Short text for an enum pci_bar_issue ("overlaps RAM or kernel MMIO"). */
const char *pci_bar_issue_text(unsigned issue);

/**
 * The DeviceInfo record (spec syscalls.md section 7.2) of f: usable BARs
 * only, in their slots; bytes 9 and 11 carry the interrupt line for
 * WaitIrq (0xFF: none) and pin (CambiOS-C extension, docs/abi.md).
 */
void pci_device_info(const struct pci_func *f, struct device_info *out);

/**
 * The DeviceInfo kind-1 record of f (abi/syscall_out.h struct
 * device_caps): the vendor-specific capabilities the scan copied, how
 * many entries the list had and why its walk stopped early, if it did.
 */
void pci_device_caps(const struct pci_func *f, struct device_caps *out);

/** True when ports [port, port + width) lie inside one usable I/O BAR. */
bool pci_io_allowed(uint32_t port, unsigned width);

/**
 * True when physical [phys, phys + len) lies inside one usable memory
 * BAR (len > 0, no wrap).
 */
bool pci_mmio_allowed(uint64_t phys, uint64_t len);
