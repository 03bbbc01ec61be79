/*
 * kernel/audit/audit.c - per-CPU staging rings, the global ring and its
 * drain (spec kernel.md §3; design and deviations in docs/audit.md).
 *
 * Staging ring of one CPU: AUDIT_STAGING_SLOTS entries, indexes in
 * [0, AUDIT_STAGING_SLOTS), empty when head == tail, full when head + 1 ==
 * tail (one slot kept empty, so 127 usable).  The producer is that CPU in
 * audit_emit() with interrupts off, so one producer at a time; a nested
 * emit (NMI) sees the busy flag and drops.  The consumer is audit_drain()
 * under the ring lock, so one consumer at a time.  The producer publishes
 * a filled slot by a release store of head; the consumer frees a slot by a
 * release store of tail after copying it out.
 */
#include "kernel/audit/audit.h"

#include "kernel/arch/arch.h"
#include "kernel/core/config.h"
#include "kernel/core/spinlock.h"
#include "kernel/core/time.h"
#include "lib/klib/string.h"

#include "abi/errno.h"
#include "abi/syscall_out.h"

#define CACHE_LINE 64

_Static_assert((AUDIT_STAGING_SLOTS & (AUDIT_STAGING_SLOTS - 1)) == 0,
	       "staging size is a power of two");

/** One CPU's staging ring and counters. */
struct audit_cpu {
	/* Producer line: written by the owning CPU, interrupts off. */
	_Alignas(CACHE_LINE) uint32_t head; /**< next slot to fill; release */
	uint32_t busy;	    /**< owner inside audit_emit (nesting guard) */
	uint64_t emitted;   /**< owner; events staged */
	uint64_t send_kept; /**< owner; AUDIT_IPC_SEND staged (sampling) */
	uint64_t recv_kept; /**< owner; AUDIT_IPC_RECV staged (sampling) */
	uint64_t dropped;   /**< atomic add (owner, nested emits); drops */
	uint64_t nested;    /**< atomic add; drops by a nested emit */
	/* Consumer line: written by the drain under the ring lock. */
	_Alignas(CACHE_LINE) uint32_t tail; /**< next slot to drain; release */
	uint64_t reported; /**< ring lock; drops already reported */
	/* Slot i: owner writes while free, drain reads while filled. */
	_Alignas(CACHE_LINE) struct audit_event slot[AUDIT_STAGING_SLOTS];
};

/*
 * Static, so staging works before any allocator and before per-CPU data
 * exists: all zero is a valid empty ring.  MAX_CPUS * ~8.2 KiB (about
 * 2 MiB of .bss for 256 CPUs; docs/audit.md).
 */
/*
 * Staging of the first AUDIT_STATIC_CPUS CPUs is static, so events can be
 * emitted from the first line of kmain; CPUs past them bring their own
 * (audit_cpu_attach) when they come online, so a 16 MiB machine does not
 * carry staging for 256 CPUs.  Before attaching, a CPU's events are
 * dropped and counted.
 */
static struct audit_cpu static_cpus[AUDIT_STATIC_CPUS];
/* Staging of the other CPUs; written once by audit_cpu_attach. */
static struct audit_cpu *extra_cpus[MAX_CPUS];

static struct audit_cpu *staging_of(unsigned cpu)
{
	if (cpu < AUDIT_STATIC_CPUS)
		return &static_cpus[cpu];
	return cpu < MAX_CPUS ? __atomic_load_n(&extra_cpus[cpu], __ATOMIC_ACQUIRE)
			      : NULL;
}

size_t audit_cpu_storage_size(void)
{
	return sizeof(struct audit_cpu);
}

int audit_cpu_attach(unsigned cpu, void *storage)
{
	if (cpu < AUDIT_STATIC_CPUS)
		return 0;
	if (cpu >= MAX_CPUS || !storage ||
	    ((uintptr_t)storage & (_Alignof(struct audit_cpu) - 1)))
		return -EINVAL;
	memset(storage, 0, sizeof(struct audit_cpu));
	__atomic_store_n(&extra_cpus[cpu], (struct audit_cpu *)storage,
			 __ATOMIC_RELEASE);
	return 0;
}

/* Next sequence number; atomic.  Starts at 1: 0 marks the original's. */
static uint32_t next_sequence = 1;
/* Events lost before the ring, all causes; atomic. */
static uint64_t dropped_total;
/* Drops because arch_cpu_id() was out of range; atomic. */
static uint64_t dropped_bad_cpu;
/* Bad kinds passed to audit_emit; atomic. */
static uint64_t invalid_kinds;
/* audit_drain() calls that found the ring lock taken; atomic. */
static uint64_t drain_busy;

/* Guards everything below except where a field says otherwise. */
static struct spinlock ring_lock = SPINLOCK_INIT("audit ring", 0);
/* The ring; set once under ring_lock (release), read anywhere (acquire). */
static struct audit_ring_header *ring;
static size_t ring_bytes;	/* ring_lock; set with ring */
static uint64_t ring_capacity;	/* ring_lock; slots */
static uint64_t ring_produced;	/* ring_lock; events written */
static unsigned drain_start;	/* ring_lock; CPU served first next */
static uint64_t stat_written;	/* ring_lock writes; racy reads */
static uint64_t stat_synthetic; /* ring_lock writes; racy reads */
static uint64_t stat_drains;	/* ring_lock writes; racy reads */

/* Single consumer (spec syscalls.md 33): atomic state and its pid. */
enum { CONSUMER_NONE, CONSUMER_CLAIMED, CONSUMER_ATTACHED };
static uint32_t consumer_state; /* atomic, CONSUMER_* */
static uint64_t consumer_pid;	/* written before ATTACHED (release) */

static inline uint64_t load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/*
 * Counter with one writer (the owning CPU, or the ring lock holder): a
 * plain read-modify-write, but a tear-free store for racy readers.
 */
static inline void bump_own(uint64_t *p)
{
	__atomic_store_n(p, *p + 1, __ATOMIC_RELAXED);
}

static inline void count_drop(struct audit_cpu *c)
{
	__atomic_fetch_add(&c->dropped, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&dropped_total, 1, __ATOMIC_RELAXED);
}

/*
 * Sampling (spec kernel.md §3) is audit_ipc's, inline in audit.h: it keeps
 * occurrence 0, 100, 200, ... of each IPC kind on this CPU.  Per-CPU
 * counters need no atomics and keep the rate per CPU; keeping the first
 * makes a quiet system's traffic visible.
 */
struct audit_ipc_seen audit_ipc_seen[MAX_CPUS];

/* Stage one event on c; interrupts off, c->busy set (we are the producer). */
static void stage(struct audit_cpu *c, enum audit_kind kind, uint8_t flags,
		  uint64_t subject, uint64_t object, const uint64_t arg[4])
{
	uint32_t seq = __atomic_fetch_add(&next_sequence, 1, __ATOMIC_RELAXED);
	uint32_t h = c->head;
	uint32_t next = (h + 1) & (AUDIT_STAGING_SLOTS - 1);

	/*
	 * The number is taken even when the event is dropped, so a gap in
	 * the consumer's view means a loss (audit_event.h).
	 */
	if (next == __atomic_load_n(&c->tail, __ATOMIC_ACQUIRE)) {
		count_drop(c);
		return;
	}

	struct audit_event *e = &c->slot[h];

	e->kind = (uint8_t)kind;
	e->flags = flags;
	e->zero[0] = 0;
	e->zero[1] = 0;
	e->sequence = seq;
	e->timestamp = time_ticks();
	e->subject = subject;
	e->object = object;
	for (unsigned i = 0; i < 4; i++)
		e->arg[i] = arg[i];
	bump_own(&c->emitted);
	/* Publish the filled slot to the drain. */
	__atomic_store_n(&c->head, next, __ATOMIC_RELEASE);
}

/*
 * Everything of audit_emit after the IPC sampling: sampled says the
 * event survived it already (flag AUDIT_FLAG_SAMPLED, counters bumped).
 */
static __attribute__((noinline)) void
emit_slow(enum audit_kind kind, bool sampled, uint64_t subject,
	  uint64_t object, const uint64_t arg[4])
{
	/* AUDIT_DROPPED comes only from the drain: consumers can trust it. */
	if ((unsigned)kind >= AUDIT_KIND_COUNT || kind == AUDIT_DROPPED) {
		__atomic_fetch_add(&invalid_kinds, 1, __ATOMIC_RELAXED);
		return;
	}

	/*
	 * Interrupts off: an interrupt handler that emits cannot run in the
	 * middle of our push (one producer per ring), and the task cannot
	 * migrate between reading the CPU id and pushing.
	 */
	unsigned long irq = arch_irq_save();
	unsigned cpu = arch_cpu_id();

	struct audit_cpu *c = staging_of(cpu);

	if (!c) {
		__atomic_fetch_add(&dropped_bad_cpu, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&dropped_total, 1, __ATOMIC_RELAXED);
		arch_irq_restore(irq);
		return;
	}

	/* Only a non-maskable interrupt can get here while busy is set. */
	if (__atomic_load_n(&c->busy, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&c->nested, 1, __ATOMIC_RELAXED);
		count_drop(c);
		arch_irq_restore(irq);
		return;
	}
	__atomic_store_n(&c->busy, 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);

	if (sampled)
		bump_own(kind == AUDIT_IPC_RECV ? &c->recv_kept : &c->send_kept);
	stage(c, kind, sampled ? AUDIT_FLAG_SAMPLED : 0, subject, object, arg);

	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&c->busy, 0, __ATOMIC_RELAXED);
	arch_irq_restore(irq);
}

void audit_emit(enum audit_kind kind, uint64_t subject, uint64_t object,
		uint64_t arg0, uint64_t arg1, uint64_t arg2, uint64_t arg3)
{
	/* An IPC event sampled out (99 in 100) costs a counter, no record. */
	if (kind == AUDIT_IPC_SEND || kind == AUDIT_IPC_RECV) {
		audit_ipc(kind, subject, object, arg0, arg1, arg2, arg3);
		return;
	}

	const uint64_t arg[4] = {arg0, arg1, arg2, arg3};

	emit_slow(kind, false, subject, object, arg);
}

void audit_emit_kept(enum audit_kind kind, uint64_t subject, uint64_t object,
		     uint64_t arg0, uint64_t arg1, uint64_t arg2, uint64_t arg3)
{
	const uint64_t arg[4] = {arg0, arg1, arg2, arg3};

	emit_slow(kind, kind == AUDIT_IPC_SEND || kind == AUDIT_IPC_RECV,
		  subject, object, arg);
}

int audit_init(void *ring_pages, size_t bytes)
{
	if (!ring_pages || ((uintptr_t)ring_pages & (CACHE_LINE - 1)) != 0)
		return -EINVAL;
	if (bytes < AUDIT_RING_HEADER_SIZE)
		return -EINVAL;

	uint64_t capacity = (bytes - AUDIT_RING_HEADER_SIZE) / AUDIT_EVENT_SIZE;

	/*
	 * A reader needs a slot to stay put for a whole batch
	 * (audit_ring_slot_stable), hence at least two batches of slots;
	 * AuditInfo reports the capacity as a u32.
	 */
	if (capacity < 2 * AUDIT_DRAIN_MAX || capacity > UINT32_MAX)
		return -EINVAL;

	spin_lock(&ring_lock);
	if (ring) {
		spin_unlock(&ring_lock);
		return -EEXIST;
	}
	memset(ring_pages, 0, bytes);

	struct audit_ring_header *h = ring_pages;

	h->magic = AUDIT_RING_MAGIC;
	h->capacity = capacity;
	h->dropped = load64(&dropped_total);
	ring_bytes = bytes;
	ring_capacity = capacity;
	ring_produced = 0;
	drain_start = 0;
	__atomic_store_n(&ring, h, __ATOMIC_RELEASE);
	spin_unlock(&ring_lock);
	return 0;
}

/* Append e at the ring's next position.  Ring lock held. */
static void ring_put(const struct audit_event *e)
{
	struct audit_event *slots =
	    (struct audit_event *)((char *)ring + AUDIT_RING_HEADER_SIZE);

	slots[ring_produced % ring_capacity] = *e;
	ring_produced++;
	bump_own(&stat_written);
}

/* Move at most take events of cpu into the ring.  Ring lock held. */
static unsigned drain_cpu(unsigned cpu, unsigned take)
{
	struct audit_cpu *c = staging_of(cpu);
	uint64_t dropped;
	unsigned n = 0;

	if (!c)
		return 0;
	dropped = __atomic_load_n(&c->dropped, __ATOMIC_RELAXED);

	/* Spec: a CPU with pending drops first gets an AuditDropped. */
	if (dropped != c->reported && n < take) {
		struct audit_event e = {
		    .kind = AUDIT_DROPPED,
		    .sequence =
			__atomic_fetch_add(&next_sequence, 1, __ATOMIC_RELAXED),
		    .timestamp = time_ticks(),
		    .arg = {dropped - c->reported, cpu, 0, 0},
		};

		ring_put(&e);
		c->reported = dropped;
		bump_own(&stat_synthetic);
		n++;
	}

	uint32_t t = c->tail;

	while (n < take) {
		if (t == __atomic_load_n(&c->head, __ATOMIC_ACQUIRE))
			break;
		ring_put(&c->slot[t]);
		t = (t + 1) & (AUDIT_STAGING_SLOTS - 1);
		/* Hand the slot back to the producer only after the copy. */
		__atomic_store_n(&c->tail, t, __ATOMIC_RELEASE);
		n++;
	}
	return n;
}

unsigned audit_drain(unsigned online_cpus)
{
	if (!spin_trylock(&ring_lock)) {
		__atomic_fetch_add(&drain_busy, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (!ring) {
		spin_unlock(&ring_lock);
		return 0;
	}
	bump_own(&stat_drains);

	unsigned n = online_cpus ? online_cpus : 1;

	if (n > MAX_CPUS)
		n = MAX_CPUS;

	unsigned share = AUDIT_DRAIN_MAX / n ? AUDIT_DRAIN_MAX / n : 1;
	unsigned budget = AUDIT_DRAIN_MAX;
	unsigned start = drain_start % n;

	/*
	 * Readers assume the slots of this batch are not written before
	 * the header of the previous one is visible (audit_ring_slot_stable).
	 */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (unsigned i = 0; i < n && budget; i++) {
		unsigned cpu = (start + i) % n;

		budget -= drain_cpu(cpu, share < budget ? share : budget);
	}
	drain_start = (start + 1) % n;

	/* Header after the batch: produced last, so it covers the slots. */
	__atomic_store_n(&ring->write_index, ring_produced % ring_capacity,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&ring->dropped, load64(&dropped_total),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&ring->produced, ring_produced, __ATOMIC_RELEASE);
	spin_unlock(&ring_lock);
	return AUDIT_DRAIN_MAX - budget;
}

unsigned audit_staging_count(unsigned cpu)
{
	const struct audit_cpu *c = staging_of(cpu);

	if (!c)
		return 0;

	uint32_t h = __atomic_load_n(&c->head, __ATOMIC_ACQUIRE);
	uint32_t t = __atomic_load_n(&c->tail, __ATOMIC_ACQUIRE);

	return (h - t) & (AUDIT_STAGING_SLOTS - 1);
}

void audit_info(struct audit_info *out, unsigned online_cpus)
{
	const struct audit_ring_header *h =
	    __atomic_load_n(&ring, __ATOMIC_ACQUIRE);

	memset(out, 0, sizeof(*out));
	if (h) {
		out->produced = __atomic_load_n(&h->produced, __ATOMIC_ACQUIRE);
		out->capacity = (uint32_t)h->capacity;
	}
	out->dropped = load64(&dropped_total);
	out->consumer_attached =
	    __atomic_load_n(&consumer_state, __ATOMIC_ACQUIRE) ==
	    CONSUMER_ATTACHED;
	out->online_cpus = online_cpus;
	for (unsigned i = 0; i < 4; i++)
		out->staging[i] = audit_staging_count(i);
}

int audit_attach_begin(void)
{
	uint32_t expected = CONSUMER_NONE;

	if (!__atomic_load_n(&ring, __ATOMIC_ACQUIRE))
		return -ENODEV;
	if (!__atomic_compare_exchange_n(&consumer_state, &expected,
					 CONSUMER_CLAIMED, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return -EINVAL;
	return 0;
}

void audit_attach_commit(uint64_t consumer)
{
	__atomic_store_n(&consumer_pid, consumer, __ATOMIC_RELAXED);
	__atomic_store_n(&consumer_state, CONSUMER_ATTACHED, __ATOMIC_RELEASE);
}

void audit_attach_abort(void)
{
	uint32_t expected = CONSUMER_CLAIMED;

	/* Only a pending claim can be given up: an attach is for good. */
	(void)__atomic_compare_exchange_n(&consumer_state, &expected,
					  CONSUMER_NONE, false,
					  __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

const struct audit_ring_header *audit_ring(size_t *bytes)
{
	const struct audit_ring_header *h =
	    __atomic_load_n(&ring, __ATOMIC_ACQUIRE);

	if (bytes)
		*bytes = h ? ring_bytes : 0;
	return h;
}

void audit_stats(struct audit_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		const struct audit_cpu *c = staging_of(i);

		out->ipc_send_seen += load64(&audit_ipc_seen[i].seen[0]);
		out->ipc_recv_seen += load64(&audit_ipc_seen[i].seen[1]);
		if (!c)
			continue;
		out->emitted += load64(&c->emitted);
		out->dropped_nested += load64(&c->nested);
		out->ipc_send_kept += load64(&c->send_kept);
		out->ipc_recv_kept += load64(&c->recv_kept);
		out->pending += audit_staging_count(i);
	}
	out->dropped = load64(&dropped_total);
	out->dropped_bad_cpu = load64(&dropped_bad_cpu);
	out->invalid = load64(&invalid_kinds);
	out->written = load64(&stat_written);
	out->synthetic = load64(&stat_synthetic);
	out->drains = load64(&stat_drains);
	out->drain_busy = load64(&drain_busy);
	if (__atomic_load_n(&consumer_state, __ATOMIC_ACQUIRE) ==
	    CONSUMER_ATTACHED)
		out->consumer = load64(&consumer_pid);
}

#ifdef CAMBIOS_HOST
void audit_test_reset(void)
{
	memset(static_cpus, 0, sizeof(static_cpus));
	memset(extra_cpus, 0, sizeof(extra_cpus));
	memset(audit_ipc_seen, 0, sizeof(audit_ipc_seen));
	next_sequence = 1;
	dropped_total = 0;
	dropped_bad_cpu = 0;
	invalid_kinds = 0;
	drain_busy = 0;
	ring = NULL;
	ring_bytes = 0;
	ring_capacity = 0;
	ring_produced = 0;
	drain_start = 0;
	stat_written = 0;
	stat_synthetic = 0;
	stat_drains = 0;
	consumer_state = CONSUMER_NONE;
	consumer_pid = 0;
}
#endif /* CAMBIOS_HOST */
