/*
 * kernel/audit/audit.h - the kernel's audit trail (spec kernel.md §3,
 * ADR-007; design in docs/audit.md).
 *
 * Emitters call audit_emit() from anywhere.  Each CPU stages its events in
 * a private lock-free single-producer/single-consumer ring of
 * AUDIT_STAGING_SLOTS entries (one kept empty); the boot CPU's timer tick
 * calls audit_drain(), which moves at most AUDIT_DRAIN_MAX events per tick
 * into the global ring (16 pages, header + 1023 slots, overwriting) that
 * one user-space consumer maps read-only.  Events that find their staging
 * ring full are dropped and counted; the drain reports them with a
 * synthetic AUDIT_DROPPED event before that CPU's next events.
 *
 * Staging storage is static, so audit_emit() works from the first
 * instruction of kmain, before audit_init() and before the other CPUs
 * exist: events wait in staging until the ring is set up.
 *
 * Locks: staging takes none.  The ring is guarded by an unranked lock
 * ("audit ring", an independent domain, spec kernel.md §2) that only
 * audit_init() and audit_drain() take, the latter with a try-lock.
 * audit_info(), audit_stats() and the attach functions use atomics only.
 *
 * CPU numbering: staging is indexed by arch_cpu_id(), which must be below
 * MAX_CPUS and stable while interrupts are off.  arch.h promises 0 before
 * SMP; an architecture whose per-CPU register is not yet valid early in
 * boot must return 0 until it is (docs/audit.md, "Early events").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/arch/arch.h"
#include "kernel/audit/audit_event.h"
#include "kernel/core/config.h"

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

struct audit_info;

/** Entries of each CPU's staging ring; AUDIT_STAGING_SLOTS - 1 usable. */
#define AUDIT_STAGING_SLOTS 128u
/** Events a staging ring holds before it drops. */
#define AUDIT_STAGING_USABLE (AUDIT_STAGING_SLOTS - 1u)

/**
 * Record one event: kind with its subject (acting ProcessId, 0 = kernel),
 * object and arguments (spec kernel.md §3, docs/audit.md).  Stamps the
 * tick (time_ticks()) and a sequence number.  AUDIT_IPC_SEND and
 * AUDIT_IPC_RECV are sampled here, 1 in AUDIT_SAMPLE_RATE per CPU with one
 * counter each; the kept ones carry AUDIT_FLAG_SAMPLED.
 *
 * Never fails visibly, never blocks, never allocates: callable on any
 * CPU, in any interrupt state, with any locks held, from interrupt
 * handlers, and before audit_init().  A full staging ring, or an emit
 * nested inside another on the same CPU (an NMI), drops the event and
 * counts it.  Kinds >= AUDIT_KIND_COUNT and AUDIT_DROPPED (reserved to
 * the drain) are ignored and counted as invalid.
 */
void audit_emit(enum audit_kind kind, uint64_t subject, uint64_t object,
		uint64_t arg0, uint64_t arg1, uint64_t arg2, uint64_t arg3);

/**
 * The IPC sampler's counters of one CPU: AUDIT_IPC_SEND (0) and
 * AUDIT_IPC_RECV (1) events seen.  Written by that CPU only, interrupts
 * off; read racily by audit_stats.  A cache line each.
 */
struct audit_ipc_seen {
	_Alignas(64) uint64_t seen[2];
};

/** Per CPU (arch_cpu_id() < MAX_CPUS); for audit_ipc below only. */
extern struct audit_ipc_seen audit_ipc_seen[MAX_CPUS];

/**
 * Record an IPC event that survived sampling (audit_ipc): staged with
 * AUDIT_FLAG_SAMPLED, counted as kept.  Same guarantees as audit_emit.
 */
void audit_emit_kept(enum audit_kind kind, uint64_t subject, uint64_t object,
		     uint64_t arg0, uint64_t arg1, uint64_t arg2, uint64_t arg3);

/**
 * audit_emit for kind AUDIT_IPC_SEND or AUDIT_IPC_RECV, with the 1 in
 * AUDIT_SAMPLE_RATE sampling (per CPU, per kind, occurrence 0 kept)
 * decided inline: the 99 events of 100 sampled out cost a counter, no
 * call.  Same guarantees as audit_emit.
 */
static inline void audit_ipc(enum audit_kind kind, uint64_t subject,
			     uint64_t object, uint64_t arg0, uint64_t arg1,
			     uint64_t arg2, uint64_t arg3)
{
	/* Interrupts off: one writer per counter, no migration between the
	 * CPU id and the update. */
	unsigned long irq = arch_irq_save();
	uint64_t *c = &audit_ipc_seen[arch_cpu_id()].seen[kind == AUDIT_IPC_RECV];
	uint64_t n = *c;

	__atomic_store_n(c, n + 1, __ATOMIC_RELAXED);
	arch_irq_restore(irq);
	if (__builtin_expect(n % AUDIT_SAMPLE_RATE == 0, 0))
		audit_emit_kept(kind, subject, object, arg0, arg1, arg2, arg3);
}

/**
 * What IPC code calls for its events: audit_ipc in the kernel; in host
 * builds audit_emit, so the IPC module's unit tests record every event
 * with their own audit_emit (the sampler itself is tested through
 * audit.c's audit_emit, which is audit_ipc for these kinds).
 */
static inline void audit_ipc_event(enum audit_kind kind, uint64_t subject,
				   uint64_t object, uint64_t arg0,
				   uint64_t arg1, uint64_t arg2, uint64_t arg3)
{
#ifdef CAMBIOS_HOST
	audit_emit(kind, subject, object, arg0, arg1, arg2, arg3);
#else
	audit_ipc(kind, subject, object, arg0, arg1, arg2, arg3);
#endif /* CAMBIOS_HOST */
}

/**
 * Set up the global ring in ring_pages, bytes long (AUDIT_RING_BYTES:
 * the lead allocates 16 contiguous pages and passes their kernel
 * address): clears it, writes the header, capacity (bytes - 64) / 64.
 * Staged events are kept and reach the ring at the next drain.
 * Returns 0; -EINVAL if ring_pages is NULL or not 64-byte aligned, or
 * bytes is below two slots or above 2^32 slots; -EEXIST if already done.
 * Boot CPU, once; takes the ring lock (spinning).
 */
__must_check int audit_init(void *ring_pages, size_t bytes);

/**
 * Move staged events to the global ring: CPUs 0 .. online_cpus - 1 (0 is
 * taken as 1), each at most max(1, AUDIT_DRAIN_MAX / online_cpus) events,
 * AUDIT_DRAIN_MAX in all, a CPU's pending drop report (one AUDIT_DROPPED)
 * first and counted in its share; the CPU served first rotates.  Then
 * updates the header.  Returns the events written.
 *
 * Called from the boot CPU's timer tick (interrupts off).  Takes the ring
 * lock with a try-lock: when another drain holds it, returns 0 at once
 * (counted in stats.drain_busy).  Before audit_init() returns 0 and
 * leaves everything staged.
 */
unsigned audit_drain(unsigned online_cpus);

/**
 * Fill the AuditInfo record (spec syscalls.md §7.4): produced and
 * dropped, ring capacity (0 before audit_init), consumer attached,
 * online_cpus as given, staging occupancy of CPUs 0..3.  Any context;
 * values are a racy snapshot.  out must be a kernel buffer.
 */
void audit_info(struct audit_info *out, unsigned online_cpus);

/**
 * First step of AuditAttach (syscall 33): claim the single consumer
 * position.  Returns 0 (then call audit_attach_commit() after mapping the
 * ring read-only, or audit_attach_abort() if mapping failed); -EINVAL when
 * a consumer is attached or an attach is in progress (the spec's -1: only
 * one consumer, ever); -ENODEV before audit_init().  Any context.
 */
__must_check int audit_attach_begin(void);

/** Make the claim of audit_attach_begin() final; consumer is its pid. */
void audit_attach_commit(uint64_t consumer);

/** Give up the claim of audit_attach_begin() (the mapping failed). */
void audit_attach_abort(void);

/**
 * The ring's kernel address and size in *bytes (for the read-only
 * mapping), or NULL before audit_init().  The pages are the caller's
 * (never freed by this module).
 */
const struct audit_ring_header *audit_ring(size_t *bytes);

/** Counters of the audit subsystem, summed over CPUs (racy snapshot). */
struct audit_stats {
	uint64_t emitted;	  /**< events accepted into staging */
	uint64_t dropped;	  /**< lost before the ring, all causes */
	uint64_t dropped_nested;  /**< of which: nested emit on one CPU */
	uint64_t dropped_bad_cpu; /**< of which: arch_cpu_id() >= MAX_CPUS */
	uint64_t invalid;	  /**< bad kinds, ignored (not drops) */
	uint64_t ipc_send_seen;	  /**< AUDIT_IPC_SEND calls */
	uint64_t ipc_send_kept;	  /**< ... that survived sampling */
	uint64_t ipc_recv_seen;	  /**< AUDIT_IPC_RECV calls */
	uint64_t ipc_recv_kept;	  /**< ... that survived sampling */
	uint64_t written;	  /**< events written to the ring */
	uint64_t synthetic;	  /**< of which: AUDIT_DROPPED reports */
	uint64_t drains;	  /**< audit_drain() calls that got the lock */
	uint64_t drain_busy;	  /**< audit_drain() calls that did not */
	uint64_t pending;	  /**< events waiting in staging now */
	uint64_t consumer;	  /**< attached consumer's pid, 0 = none */
};

/** Fill *out.  Any context. */
void audit_stats(struct audit_stats *out);

/** Events staged on cpu and not yet drained (0 for cpu >= MAX_CPUS). */
unsigned audit_staging_count(unsigned cpu);

#ifdef CAMBIOS_HOST
/**
 * Host unit tests only: forget everything (staging, counters, ring,
 * consumer) as at power-on.  No other audit call may be running.
 */
void audit_test_reset(void);
#endif /* CAMBIOS_HOST */

/** CPUs whose staging is built in (static); others attach their own. */
#define AUDIT_STATIC_CPUS	16

/** Bytes (and alignment: 64) of one CPU's staging for audit_cpu_attach. */
size_t audit_cpu_storage_size(void);

/**
 * Give CPU cpu (>= AUDIT_STATIC_CPUS) its staging: storage of
 * audit_cpu_storage_size() bytes, 64-byte aligned, never freed.  Until
 * then its events are dropped and counted.  Returns 0 (also for a CPU with
 * built-in staging) or -EINVAL.  Called by the CPU itself as it comes
 * online.
 */
int audit_cpu_attach(unsigned cpu, void *storage);
