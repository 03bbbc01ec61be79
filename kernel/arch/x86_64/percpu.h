/*
 * kernel/arch/x86_64/percpu.h - the x86_64 per-CPU block, reached through
 * the GS base while in the kernel.
 *
 * In user mode GS base is the user's (0) and IA32_KERNEL_GS_BASE holds this
 * block; every entry from user mode executes swapgs, every return to user
 * mode swaps back.  The first fields are at fixed offsets used by the
 * assembly entry stubs.
 */
#pragma once

#define PERCPU_SELF		0
#define PERCPU_KSTACK_TOP	8
#define PERCPU_USER_RSP		16
#define PERCPU_INDEX		24

#ifndef __ASSEMBLER__
#include <stdint.h>

#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/inline.h"


struct task;

/** One CPU's private state.  Written only by its own CPU unless noted. */
struct x86_cpu {
	struct x86_cpu *self;	/**< this block, for %gs:0 loads */
	uint64_t kstack_top;	/**< kernel stack for syscall entry */
	uint64_t user_rsp;	/**< user RSP stashed by the syscall stub */
	uint32_t index;		/**< 0 .. online CPUs - 1 */
	uint32_t apic_id;	/**< local APIC id */
	struct cpu_tables tables; /**< GDT and TSS */
	uint64_t ticks;		/**< timer interrupts taken by this CPU */
	uint64_t lapic_ticks_per_tick; /**< LAPIC timer count per 10 ms */
	uint64_t ist_tops[3];	/**< #DF, NMI, #MC stacks (set by the starter) */
	volatile uint32_t online; /**< set by the CPU once it runs the kernel */
};

/** Every online CPU's block by index; written by the boot CPU at bring-up. */
extern struct x86_cpu *x86_cpus[];

_Static_assert(__builtin_offsetof(struct x86_cpu, kstack_top) ==
		       PERCPU_KSTACK_TOP, "per-CPU layout");
_Static_assert(__builtin_offsetof(struct x86_cpu, user_rsp) ==
		       PERCPU_USER_RSP, "per-CPU layout");
_Static_assert(PERCPU_INDEX == X86_PERCPU_INDEX_OFFSET, "inline.h agrees");
_Static_assert(__builtin_offsetof(struct x86_cpu, index) == PERCPU_INDEX,
	       "per-CPU layout");

/** This CPU's block (valid once percpu_init_cpu has run on it). */
static inline struct x86_cpu *this_cpu(void)
{
	struct x86_cpu *c;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/** Point GS (and KERNEL_GS_BASE) at c and fill its identity fields. */
void percpu_init_cpu(struct x86_cpu *c, uint32_t index, uint32_t apic_id);

/** The boot CPU's block (static: it exists before any allocator). */
extern struct x86_cpu bsp_cpu;

#endif /* !__ASSEMBLER__ */
