/*
 * kernel/core/spinlock.h - spinlocks for the kernel.
 *
 * A ticket lock: fair, FIFO among waiters.  spin_lock_irqsave also disables
 * interrupts on this CPU, for data an interrupt handler touches.  Interrupt
 * handlers only ever use spin_trylock (docs/locking.md).  Each lock records
 * its owner CPU and its place in the lock order; taking a lock out of
 * order, or one already held by this CPU, panics with both lock names.
 * That check is compiled into every kernel (CAMBIOS_LOCK_CHECK, default
 * 1): it costs a few instructions per lock, inline (docs/locking.md).
 *
 * Lock and unlock are inline: the ticket and the order check are a dozen
 * instructions, a call around them cost as much again.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch/arch.h"
#include "kernel/core/config.h"

#ifndef CAMBIOS_LOCK_CHECK
#define CAMBIOS_LOCK_CHECK 1
#endif

/** A ticket spinlock.  Zero-initialised is not valid: use SPINLOCK_INIT. */
struct spinlock {
	uint32_t next;		/**< next ticket to hand out */
	uint32_t owner;		/**< ticket now being served */
	const char *name;	/**< for diagnostics */
	uint16_t order;		/**< lock-order rank; 0 = not ranked */
	int16_t holder;		/**< CPU holding it, -1 if none (checker) */
	/** ranked, holder's: the ranked lock that was innermost when this one
	 * was taken; a CPU's held ranked locks form a stack through these */
	struct spinlock *below;
};

#define SPINLOCK_INIT(lock_name, rank)                                       \
	{ .next = 0, .owner = 0, .name = (lock_name), .order = (rank),       \
	  .holder = -1, .below = 0 }

/** Initialise a lock at run time. */
void spin_init(struct spinlock *l, const char *name, uint16_t order);

/** Take the lock, spinning.  Interrupt state unchanged. */
static inline void spin_lock(struct spinlock *l);

/** Take the lock if free; true when taken.  Never spins. */
bool spin_trylock(struct spinlock *l);

/** Release the lock.  Must be held by this CPU. */
static inline void spin_unlock(struct spinlock *l);

/** Disable interrupts, then take the lock; returns the interrupt state. */
static inline unsigned long spin_lock_irqsave(struct spinlock *l);

/** Release the lock, then restore the interrupt state. */
static inline void spin_unlock_irqrestore(struct spinlock *l,
					  unsigned long flags);

/** True when some CPU holds l (for assertions: KASSERT(spin_held(l))). */
bool spin_held(const struct spinlock *l);

/**
 * Forget the locks cpu holds, for the order checker: used after a panic
 * that unwinds (host tests), never in a running kernel.
 */
void spin_debug_forget_cpu(unsigned cpu);

/* ---- inline bodies; the rest is kernel/core/spinlock.c -------------- */

/* Per CPU, the innermost ranked lock held (NULL: none); that CPU only.
 * arch_cpu_id() is below MAX_CPUS (arch.h). */
extern struct spinlock *spin_top[MAX_CPUS];

/* The checker's slow ends: a violation (panics) and out-of-order release. */
void spin_order_fail(const struct spinlock *l, unsigned cpu);
void spin_release_slow(struct spinlock *l, unsigned cpu);

/*
 * The order check, before taking a ticket.  A ranked lock must rank above
 * the innermost ranked lock held: every one was taken that way, so the
 * stack through `below` is sorted and one comparison with its top
 * suffices; a ranked lock this CPU already holds ranks at or below the
 * top, so re-taking it fails here too.  An unranked one is checked
 * against its holder.
 */
static inline void spin_order_check(const struct spinlock *l, unsigned cpu)
{
	if (!CAMBIOS_LOCK_CHECK)
		return;
	if (l->order) {
		const struct spinlock *top = spin_top[cpu];

		if (__builtin_expect(top && top->order >= l->order, 0))
			spin_order_fail(l, cpu);
	} else if (__builtin_expect(l->holder == (int16_t)cpu, 0)) {
		spin_order_fail(l, cpu);
	}
}

/* After taking it: note the holder, push a ranked lock. */
static inline void spin_order_push(struct spinlock *l, unsigned cpu)
{
	if (!CAMBIOS_LOCK_CHECK)
		return;
	if (l->order) {
		l->below = spin_top[cpu];
		spin_top[cpu] = l;
	}
	l->holder = (int16_t)cpu;
}

/* Before releasing: usually the innermost; anything else is the slow
 * path (out of order, unranked, or a bug: not held here). */
static inline void spin_order_pop(struct spinlock *l, unsigned cpu)
{
	if (!CAMBIOS_LOCK_CHECK)
		return;
	if (__builtin_expect(spin_top[cpu] == l, 1)) {
		spin_top[cpu] = l->below;
		l->holder = -1;
	} else {
		spin_release_slow(l, cpu);
	}
}

static inline void spin_lock_cpu(struct spinlock *l, unsigned cpu)
{
	spin_order_check(l, cpu);

	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		arch_cpu_relax();
	spin_order_push(l, cpu);
}

static inline void spin_unlock_cpu(struct spinlock *l, unsigned cpu)
{
	spin_order_pop(l, cpu);
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

static inline void spin_lock(struct spinlock *l)
{
	spin_lock_cpu(l, arch_cpu_id());
}

static inline void spin_unlock(struct spinlock *l)
{
	spin_unlock_cpu(l, arch_cpu_id());
}

static inline unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long flags = arch_irq_save();

	spin_lock_cpu(l, arch_cpu_id());
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l,
					  unsigned long flags)
{
	spin_unlock_cpu(l, arch_cpu_id());
	arch_irq_restore(flags);
}
