/*
 * kernel/core/time.c - the system tick.
 */
#include "kernel/core/time.h"

#include "kernel/arch/arch.h"
#include "kernel/audit/audit.h"
#include "kernel/fs/kstore.h"
#include "kernel/policy/policy.h"
#include "kernel/sched/glue.h"

/* Written by the boot CPU's timer interrupt only; read anywhere. */
static uint64_t ticks;

uint64_t time_ticks(void)
{
	return __atomic_load_n(&ticks, __ATOMIC_RELAXED);
}

void time_tick(bool boot_cpu)
{
	if (boot_cpu) {
		__atomic_store_n(&ticks, ticks + 1, __ATOMIC_RELAXED);
		/* Staged audit events reach the shared ring (try-lock). */
		(void)audit_drain(arch_cpus_online());
		/* Block requests to the user-space disk driver time out. */
		kstore_tick(ticks);
		policy_tick(ticks);	/* policy queries time out */
	}
	sched_timer_tick();
}
