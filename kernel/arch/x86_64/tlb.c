/*
 * kernel/arch/x86_64/tlb.c - TLB shootdown.
 *
 * One shootdown at a time (tlb_lock): the initiator publishes the range,
 * counts the other online CPUs as pending, sends them the IPI and spins
 * until each has flushed and decremented the count.  Requests are also
 * flagged per CPU, and a CPU waiting for the lock serves a request
 * addressed to it by polling, so two initiators with interrupts off cannot
 * wait on each other.  CPU indexes are dense: 0 .. cpus_online - 1.
 */
#include "kernel/arch/x86_64/tlb.h"

#include <stdbool.h>

#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/layout.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/core/config.h"
#include "kernel/core/spinlock.h"

#define FLUSH_ONE_BY_ONE_MAX	32

static struct spinlock tlb_lock = SPINLOCK_INIT("tlb", 0);
/* The request being served; written under tlb_lock before the IPIs. */
static volatile uint64_t req_va, req_pages;
/* CPUs still to flush the current request. */
static volatile uint32_t pending;
/* CPUs taking part in shootdowns. */
static volatile uint32_t cpus_online = 1;
/* Set by the initiator for each CPU that must flush the current request. */
static volatile uint8_t want_flush[MAX_CPUS];

static void flush_local(uint64_t va, uint64_t pages)
{
	if (pages <= FLUSH_ONE_BY_ONE_MAX) {
		for (uint64_t i = 0; i < pages; i++)
			invlpg(va + i * 4096);
		return;
	}
	if (va >= DIRECT_MAP_BASE) {
		/* Kernel pages are global: toggling PGE drops them all. */
		uint64_t cr4 = read_cr4();

		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

/* Serve a request addressed to this CPU, if any.  Interrupts off. */
static void tlb_poll(void)
{
	unsigned me = arch_cpu_id();

	if (!__atomic_load_n(&want_flush[me], __ATOMIC_ACQUIRE))
		return;
	flush_local(req_va, req_pages);
	__atomic_store_n(&want_flush[me], 0, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&pending, 1, __ATOMIC_RELEASE);
}

void tlb_shootdown_ipi(void)
{
	tlb_poll();
}

void tlb_cpu_online(void)
{
	__atomic_fetch_add(&cpus_online, 1, __ATOMIC_RELEASE);
}

void tlb_shootdown(uint64_t va, uint64_t pages)
{
	unsigned long flags = arch_irq_save();

	flush_local(va, pages);
	if (__atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE) == 1) {
		arch_irq_restore(flags);
		return;
	}
	/* Someone else may be shooting at us: serve them while we wait. */
	while (!spin_trylock(&tlb_lock)) {
		tlb_poll();
		arch_cpu_relax();
	}

	unsigned me = arch_cpu_id(), n = cpus_online;

	req_va = va;
	req_pages = pages;
	__atomic_store_n(&pending, n - 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < n; i++) {
		if (i != me)
			__atomic_store_n(&want_flush[i], 1, __ATOMIC_RELEASE);
	}
	lapic_send_ipi_all_but_self(VECTOR_TLB_SHOOTDOWN);
	while (__atomic_load_n(&pending, __ATOMIC_ACQUIRE) != 0)
		arch_cpu_relax();
	spin_unlock(&tlb_lock);
	arch_irq_restore(flags);
}
