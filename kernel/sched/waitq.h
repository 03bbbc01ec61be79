/*
 * kernel/sched/waitq.h - wait queues: FIFOs of tasks blocked until some
 * other code says so (an IPC endpoint, an interrupt line, a child's exit).
 *
 * Protocol (docs/scheduler.md "Blocking"), with interrupts off:
 *
 *	waitq_prepare_wait(wq, reason);	   current is BLOCKED and queued
 *	if (condition) {		   re-check AFTER queuing
 *		waitq_finish_wait(wq);	   undo: RUNNING, dequeued
 *	} else {
 *		schedule();		   the arch glue switches away
 *		waitq_finish_wait(wq);	   back: make sure we are dequeued
 *	}
 *
 * and the waker: make the condition true (under its own lock), drop every
 * lock, then waitq_wake_one/waitq_wake_all.  Because the waiter is queued
 * and BLOCKED before it looks at the condition, a wake that races with it
 * either finds it queued or happened before the look, which then sees the
 * condition; a wake that lands before the waiter switched away simply
 * puts it back to RUNNING.  Wake-ups are hints: a woken task re-checks.
 *
 * A waitq's memory must stay valid while any task may still be on it or
 * being woken from it (embed it in an object that outlives its waiters).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "kernel/core/spinlock.h"
#include "kernel/sched/task.h"

/**
 * Lock-order rank of every wait-queue lock.  Above the run-queue locks
 * (wake and terminate take a task off its wait queue while holding its
 * run-queue lock) and leaf-like: no lock is taken while holding it, so
 * code may hold its own locks when it touches a wait queue - except that
 * waking takes a run-queue lock and so needs no ranked lock held at all.
 */
#define WAITQ_LOCK_RANK 0xFF00u

/** A wait queue. */
struct waitq {
	struct spinlock lock;	  /**< guards waiters and members' wq_link,
				       unless guard is set */
	struct spinlock *guard;	  /**< const: the owner's lock guarding the
				       queue instead of lock; NULL = lock */
	struct task_list waiters; /**< guard: FIFO of tasks via wq_link */
	const char *name;	  /**< const: for diagnostics */
};

/** Static initialiser: struct waitq q = WAITQ_INIT("name"); */
#define WAITQ_INIT(wq_name)                                                    \
	{                                                                      \
		.lock = SPINLOCK_INIT("waitq", WAITQ_LOCK_RANK),               \
		.guard = NULL, .waiters = {NULL, NULL, 0}, .name = (wq_name),  \
	}

/** Initialise an empty wait queue at run time. */
void waitq_init(struct waitq *wq, const char *name);

/**
 * Initialise an empty wait queue guarded by the owner's lock guard
 * instead of a lock of its own, so that the owner can change its
 * condition and pop a waiter in one critical section (an IPC endpoint:
 * queue a message and take the receiver to wake under the endpoint
 * lock).  guard must rank above every run-queue lock (prepare, wake and
 * terminate take it while holding one), and its owner must never take a
 * run-queue lock, nor wake, while holding it.
 */
void waitq_init_guarded(struct waitq *wq, const char *name,
			struct spinlock *guard);

/** The lock guarding wq's waiters: its guard, or its own lock. */
static inline struct spinlock *waitq_lock_of(struct waitq *wq)
{
	return wq->guard ? wq->guard : &wq->lock;
}

/**
 * Pop the longest waiter of wq and return its id, or TASK_ID_NONE when
 * none waits; the task is off the queue but still waiting: wake it with
 * sched_wake_id once every ranked lock is dropped (if that wake finds it
 * gone, wake another with waitq_wake_one).  Caller holds wq's lock
 * (waitq_lock_of), interrupts off.
 */
task_id_t waitq_pop_locked(struct waitq *wq);

/**
 * Start waiting: this CPU's current task becomes BLOCKED with reason and
 * is appended to wq (it stays current until the caller switches away).
 * Returns 0, or -EINVAL for an invalid reason (nothing changed).
 * Preconditions: interrupts off (spec blocking rule); no ranked lock held
 * (takes this CPU's run-queue lock, then wq's); current is a RUNNING,
 * non-idle task on no wait queue.  Panics otherwise.
 */
__must_check int waitq_prepare_wait(struct waitq *wq,
				    struct task_block_reason reason);

/** A wait's condition, looked at after queuing: true = do not sleep. */
typedef bool (*waitq_ready_fn)(void *ctx);

struct runqueue;

/**
 * waitq_prepare_wait for a caller that already holds rq's lock (this
 * CPU's run queue), so that it can switch away in the same critical
 * section (sched_wait_switch in glue.c).  Same results and panics.
 */
__must_check int waitq_prepare_wait_locked(struct runqueue *rq,
					   struct waitq *wq,
					   struct task_block_reason reason);

/**
 * End a wait of this CPU's current task on wq: if it is still waiting
 * (its condition came true before it switched away) it goes back to
 * RUNNING; in every case it leaves wq.  Returns true when a wake-up
 * (or timeout, via sched_wake) had already ended the wait.  Preconditions:
 * interrupts off, no ranked lock held, current is not on another queue.
 */
bool waitq_finish_wait(struct waitq *wq);

/**
 * Wake the longest-waiting task of wq (sched_wake semantics, remote CPUs
 * poked).  Tasks that stopped waiting meanwhile (terminated) are skipped.
 * Returns 1 when a task was woken, 0 when none was waiting.  No ranked
 * lock may be held (waking takes run-queue locks).
 */
unsigned waitq_wake_one(struct waitq *wq);

/**
 * Wake the tasks waiting on wq, oldest first: as many as were queued on
 * entry, so tasks re-queuing meanwhile cannot keep it going for ever.
 * Returns the number woken.  Locking as waitq_wake_one.
 */
unsigned waitq_wake_all(struct waitq *wq);

/**
 * Whether wq has waiters, read without the lock: a hint for a waker that
 * wants to skip an empty queue.  Safe against lost wake-ups only with
 * the Dekker pattern: the waker publishes its condition, issues a full
 * fence, then asks; the waiter joins with waitq_prepare_wait, issues a
 * full fence, then re-checks the condition.  (A queue with a guard needs
 * none of this: condition and waiters change under the same lock.)
 */
static inline bool waitq_has_waiters(const struct waitq *wq)
{
	return __atomic_load_n(&wq->waiters.count, __ATOMIC_RELAXED) != 0;
}

/** Number of tasks on wq (a snapshot).  Takes wq's lock. */
size_t waitq_count(struct waitq *wq);

/**
 * Debug check of wq: links sound, every member points back at wq and is
 * waiting (BLOCKED, or SUSPENDED with a remembered reason).  Returns true,
 * or false with *why (may be NULL).  Takes wq's lock; members' states are
 * read without their run-queue locks, so use it when the system is quiet
 * (tests, the idle loop on one CPU).
 */
bool waitq_check(struct waitq *wq, const char **why);
