/*
 * kernel/core/spinlock.h - spinlocks for the kernel.
 *
 * A ticket lock: fair, FIFO among waiters.  spin_lock_irqsave also disables
 * interrupts on this CPU, for data an interrupt handler touches.  Interrupt
 * handlers only ever use spin_trylock (docs/locking.md).  In debug builds
 * (CAMBIOS_DEBUG) each lock records its owner CPU and its place in the lock
 * order; taking a lock out of order, or one already held by this CPU,
 * panics with both lock names.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch/arch.h"

/** A ticket spinlock.  Zero-initialised is not valid: use SPINLOCK_INIT. */
struct spinlock {
	uint32_t next;		/**< next ticket to hand out */
	uint32_t owner;		/**< ticket now being served */
	const char *name;	/**< for diagnostics */
	uint16_t order;		/**< lock-order rank; 0 = not ranked */
	int16_t holder;		/**< CPU holding it, -1 if none (debug aid) */
};

#define SPINLOCK_INIT(lock_name, rank)                                       \
	{ .next = 0, .owner = 0, .name = (lock_name), .order = (rank),       \
	  .holder = -1 }

/** Initialise a lock at run time. */
void spin_init(struct spinlock *l, const char *name, uint16_t order);

/** Take the lock, spinning.  Interrupt state unchanged. */
void spin_lock(struct spinlock *l);

/** Take the lock if free; true when taken.  Never spins. */
bool spin_trylock(struct spinlock *l);

/** Release the lock.  Must be held by this CPU. */
void spin_unlock(struct spinlock *l);

/** Disable interrupts, then take the lock; returns the interrupt state. */
unsigned long spin_lock_irqsave(struct spinlock *l);

/** Release the lock, then restore the interrupt state. */
void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags);

/** True when some CPU holds l (for assertions: KASSERT(spin_held(l))). */
bool spin_held(const struct spinlock *l);

/**
 * Forget the locks cpu holds, for the order checker: used after a panic
 * that unwinds (host tests), never in a running kernel.
 */
void spin_debug_forget_cpu(unsigned cpu);
