/*
 * tests/unit/fake_arch.c - host fake of the kernel/arch/arch.h hooks that
 * portable code needs in unit tests: CPU id, interrupt state, spinning.
 * Controls in tests/unit/fake_arch.h.  Add hooks here as modules need
 * them, keeping the existing ones' behaviour.
 */
#include "tests/unit/fake_arch.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernel/arch/arch.h"

/* Consecutive spins after which a wait is declared a deadlock. */
#define FAKE_SPIN_LIMIT 1000000ul

static unsigned cur_cpu;	     /* the "executing" CPU */
static bool irq_off[FAKE_ARCH_CPUS]; /* per-CPU: interrupts masked */
static unsigned long relax_calls;    /* arch_cpu_relax calls */
static unsigned long spins;	     /* since the last reset */

void fake_arch_reset(void)
{
	cur_cpu = 0;
	for (unsigned i = 0; i < FAKE_ARCH_CPUS; i++)
		irq_off[i] = false;
	relax_calls = 0;
	spins = 0;
}

void fake_arch_set_cpu(unsigned cpu)
{
	assert_true(cpu < FAKE_ARCH_CPUS);
	cur_cpu = cpu;
	spins = 0;
}

bool fake_arch_irq_enabled_on(unsigned cpu)
{
	return !irq_off[cpu];
}

unsigned long fake_arch_relax_calls(void)
{
	return relax_calls;
}

unsigned arch_cpu_id(void)
{
	return cur_cpu;
}

void arch_irq_disable(void)
{
	irq_off[cur_cpu] = true;
}

void arch_irq_enable(void)
{
	irq_off[cur_cpu] = false;
}

unsigned long arch_irq_save(void)
{
	unsigned long was_on = !irq_off[cur_cpu];

	irq_off[cur_cpu] = true;
	return was_on;
}

void arch_irq_restore(unsigned long flags)
{
	irq_off[cur_cpu] = flags == 0;
}

bool arch_irq_enabled(void)
{
	return !irq_off[cur_cpu];
}

void arch_cpu_relax(void)
{
	relax_calls++;
	/* One thread plays every CPU: a lock held now stays held. */
	if (++spins >= FAKE_SPIN_LIMIT)
		fail_msg("fake arch: CPU %u spun %lu times: deadlock", cur_cpu,
			 spins);
}
