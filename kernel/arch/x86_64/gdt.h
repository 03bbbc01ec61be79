/*
 * kernel/arch/x86_64/gdt.h - per-CPU GDT and TSS.
 *
 * Selector layout (spec kernel.md section 5): null, kernel code 0x08,
 * kernel data 0x10, user data 0x18 (RPL 3: 0x1B), user code 0x20 (0x23),
 * TSS 0x28 (two slots).  User data precedes user code for SYSRET.
 */
#pragma once

#define GDT_KCODE	0x08
#define GDT_KDATA	0x10
#define GDT_UDATA	0x18
#define GDT_UCODE	0x20
#define GDT_TSS		0x28

#ifndef __ASSEMBLER__
#include <stdint.h>


/** The 64-bit task-state segment (Intel SDM vol. 3, 8.7). */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];	/**< stack for entry from ring 0..2 */
	uint64_t reserved1;
	uint64_t ist[7];	/**< interrupt stacks 1..7 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;	/**< beyond the limit: no I/O bitmap */
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS layout");

/** One CPU's descriptor tables.  Written once by its own CPU at bring-up. */
struct cpu_tables {
	uint64_t gdt[7];	/**< null, kcode, kdata, udata, ucode, tss lo/hi */
	struct tss tss;		/**< this CPU's TSS; rsp[0] follows the task */
} __attribute__((aligned(16)));

/**
 * Build and load a CPU's GDT and TSS into t and reload the segment
 * registers (not GS: its base is the per-CPU pointer).  ist_tops[i] is the
 * top of the stack for IST i+1 (3 entries: #DF, NMI, #MC).  Call once per
 * CPU on that CPU with interrupts off.
 */
void gdt_init_cpu(struct cpu_tables *t, const uint64_t ist_tops[3]);

#endif /* !__ASSEMBLER__ */
