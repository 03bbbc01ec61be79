/*
 * tests/unit/fake_arch.h - controls of the host fake of kernel/arch/arch.h
 * (tests/unit/fake_arch.c).
 *
 * The fake pretends to be a machine of FAKE_ARCH_CPUS CPUs of which the
 * test chooses the executing one (fake_arch_set_cpu); each fake CPU has
 * its own interrupt-enable flag.  Spinning (arch_cpu_relax) is bounded: a
 * test that would wait for a lock nobody can release fails instead of
 * hanging.
 */
#pragma once

#include <stdbool.h>

/** Fake CPUs; arch_cpu_id() is always below this. */
#define FAKE_ARCH_CPUS 16

/** CPU 0 executing, interrupts enabled on every CPU, counters zeroed. */
void fake_arch_reset(void);

/** Make cpu (< FAKE_ARCH_CPUS) the executing CPU. */
void fake_arch_set_cpu(unsigned cpu);

/** Interrupt-enable flag of cpu, whatever CPU is executing. */
bool fake_arch_irq_enabled_on(unsigned cpu);

/** arch_cpu_relax calls since the reset. */
unsigned long fake_arch_relax_calls(void);
