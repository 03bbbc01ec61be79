/*
 * kernel/arch/x86_64/smp.h - starting the other CPUs.
 */
#pragma once

/* Physical page the AP trampoline is copied to (below 1 MiB). */
#define AP_TRAMP_PHYS	0x8000
/* Three page-table pages for the trampoline's address space. */
#define AP_PT_PHYS	0x9000

#ifndef __ASSEMBLER__
#include <stdint.h>

struct acpi_madt_info;
struct boot_info;

/**
 * Find and parse the ACPI MADT (CPUs, I/O APICs, overrides); NULL when the
 * loader gave no RSDP or the tables are unusable (then: one CPU).  Boot
 * CPU, once, before smp_start_aps.
 */
const struct acpi_madt_info *smp_read_madt(const struct boot_info *bi);

/** Filled per AP by smp.c; matches the data block of ap_boot.S. */
struct ap_tramp_data {
	uint32_t cr3;		/**< trampoline PML4, below 4 GiB */
	uint32_t efer;		/**< EFER bits to set: LME, NXE */
	uint64_t stack;		/**< top of the AP's boot stack */
	uint64_t cpu;		/**< struct x86_cpu *, passed in RDI */
	uint64_t entry;		/**< x86_64_ap_main */
};

/**
 * Start every other CPU the firmware lists (ACPI MADT), up to max_cpus in
 * total, one at a time, waiting for each to come online.  Returns the
 * number of CPUs online, the boot CPU included.
 */
unsigned smp_start_aps(const struct boot_info *bi, unsigned max_cpus);

/** Number of CPUs online. */
unsigned smp_cpus_online(void);
#endif
