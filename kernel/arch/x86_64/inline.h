/*
 * kernel/arch/x86_64/inline.h - the hot arch.h functions as inline code:
 * interrupt flag, CPU index, spin hint.  Included by kernel/arch/arch.h
 * only (through CAMBIOS_ARCH_INLINE, set by the x86_64 build), so portable
 * code still sees nothing but the arch interface.  Each is one or two
 * instructions; as calls they were a large share of every lock operation.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define X86_RFLAGS_IF (1ul << 9)
/* Offset of the CPU index in the per-CPU block (percpu.h PERCPU_INDEX). */
#define X86_PERCPU_INDEX_OFFSET 24

static inline void arch_irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

static inline void arch_irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

static inline unsigned long arch_irq_save(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags & X86_RFLAGS_IF)
		__asm__ volatile("sti" : : : "memory");
}

static inline bool arch_irq_enabled(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	return flags & X86_RFLAGS_IF;
}

static inline unsigned arch_cpu_id(void)
{
	uint32_t index;

	__asm__ volatile("movl %%gs:%c1, %0"
			 : "=r"(index)
			 : "i"(X86_PERCPU_INDEX_OFFSET));
	return index;
}

static inline void arch_cpu_relax(void)
{
	__asm__ volatile("pause");
}
