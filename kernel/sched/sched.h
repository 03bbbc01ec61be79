/*
 * kernel/sched/sched.h - the portable per-CPU scheduler core.
 *
 * One run queue per CPU (spec kernel.md section 1): four FIFO bands of
 * READY tasks linked through struct task, a bitmap of non-empty bands for
 * O(1) pick, the running task (`current`) and the CPU's idle task.  This
 * module decides; the architecture switches.  The glue the arch code
 * writes around sched_switch_prepare/sched_switch_finish, the blocking
 * protocol and the lock order are in docs/scheduler.md.
 *
 * `current` is RUNNING, or - between the moment it blocks, suspends or is
 * terminated and the next sched_switch_prepare on its CPU - BLOCKED,
 * SUSPENDED or TERMINATED while still on the CPU.  A wake or resume that
 * arrives in that window puts it straight back to RUNNING, so no wake-up
 * can be lost between blocking and switching away.
 *
 * Remote CPUs are told to reschedule through the poke hook (an IPI in the
 * kernel); the local one through its need_resched flag.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch/arch.h"
#include "kernel/core/config.h"
#include "kernel/core/spinlock.h"
#include "kernel/sched/task.h"

/**
 * Lock-order rank of CPU cpu's run-queue lock.  Spec rank 1 (SCHEDULER)
 * is spread over 1 .. MAX_CPUS, one rank per CPU, so the lock-order
 * checker itself enforces "two run-queue locks in ascending CPU order"
 * (docs/scheduler.md "Locks").  Run-queue locks come first: no other
 * ranked lock may be held when taking one.
 */
#define SCHED_RQ_RANK(cpu) (1u + (unsigned)(cpu))
/** Highest rank a run-queue lock uses; the spec's ranks 2.. go above. */
#define SCHED_RQ_RANK_LAST SCHED_RQ_RANK(MAX_CPUS - 1)

/** One CPU's scheduler state. */
struct runqueue {
	struct spinlock lock;		    /**< the run-queue lock,
					       interrupt-disabling */
	unsigned cpu;			    /**< const: owning CPU */
	struct task_list bands[TASK_BANDS]; /**< lock: READY tasks by band,
					       FIFO, via task.rq_link */
	uint8_t band_mask;		    /**< lock: bit b set exactly when
					       bands[b] is non-empty */
	uint32_t nr_ready;		    /**< lock: tasks in bands[] */
	struct task *current;		    /**< lock; written only by the
					       owning CPU, which may read it
					       without the lock */
	struct task *idle;		    /**< const: the idle task */
	struct task *switch_prev;	    /**< owning CPU only, interrupts
					       off: task switched away from,
					       until sched_switch_finish */
	bool need_resched;		    /**< atomic: this CPU should call
					       schedule() at its next chance */
	uint64_t ticks;			    /**< lock: sched_tick calls */
	uint64_t nr_switches;		    /**< lock: switches to another
					       task */
};

/** Result of sched_switch_prepare: switch from prev to next (may be equal). */
struct sched_switch {
	struct task *prev; /**< was current */
	struct task *next; /**< is current now, RUNNING */
};

/** Result of a wake. */
struct sched_wake_ret {
	bool woken;   /**< the task was waiting and is not any more */
	bool resched; /**< cpu should reschedule: it now has a READY task of a
			   higher band than the one it runs, or runs idle;
			   its need_resched is set, and a remote cpu has been
			   poked already */
	unsigned cpu; /**< the task's home CPU (TASK_CPU_NONE if unknown) */
};

/** Result of a balancing step that moved a task. */
struct sched_balance_ret {
	unsigned src;	 /**< busiest CPU, the task came from here */
	unsigned dst;	 /**< idlest CPU, the task went here */
	task_id_t moved; /**< the task moved */
};

/**
 * Forget every run queue and the poke hook.  Call once at boot before
 * sched_rq_init, with no other CPU running (tests call it per case).
 */
void sched_init(void);

/**
 * Set the function called when a remote CPU must reschedule (send it an
 * IPI).  It may be called with run-queue locks held and must take no
 * scheduler lock.  NULL: no pokes (remote CPUs notice at their next tick).
 * Call at boot.
 */
void sched_set_poke_hook(void (*hook)(unsigned cpu));

/**
 * Set up rq for cpu and register it (sched_rq(cpu) returns it).  idle must
 * be a fresh task from task_alloc that was never started: it becomes the
 * CPU's idle task (priority 0, pinned) and `current`, RUNNING: the caller
 * is the code that will run the idle loop on cpu.  Returns 0; -EINVAL for
 * cpu >= MAX_CPUS or an unsuitable idle task; -EBUSY when cpu already has
 * a run queue.  Call once per CPU, when it comes online (it becomes a
 * target for wakes and balancing at once): the boot CPU after sched_init,
 * each AP for itself.  No lock held.
 */
__must_check int sched_rq_init(struct runqueue *rq, unsigned cpu,
			       struct task *idle);

/**
 * Registered run queues by CPU: written once each by sched_rq_init
 * (release), read through sched_rq (acquire).  Exposed only so that the
 * lookups below inline: every syscall asks for its caller several times.
 */
extern struct runqueue *sched_rq_table[MAX_CPUS];

/** The run queue of cpu, NULL when none is registered. No lock. */
static inline struct runqueue *sched_rq(unsigned cpu)
{
	if (cpu >= MAX_CPUS)
		return NULL;
	return __atomic_load_n(&sched_rq_table[cpu], __ATOMIC_ACQUIRE);
}

/** The run queue of the executing CPU (sched_rq(arch_cpu_id())). */
static inline struct runqueue *sched_this_rq(void)
{
	return sched_rq(arch_cpu_id());
}

/**
 * The task running on this CPU.  Without a lock: only this CPU changes
 * its `current`, and a task asking gets itself.  NULL before sched_rq_init.
 */
static inline struct task *sched_current(void)
{
	struct runqueue *rq = sched_this_rq();

	return rq ? rq->current : NULL;
}

/**
 * Append t at the tail of its band on rq.  Building block: t must be
 * READY, homed on rq, not queued, not idle (panics otherwise).  rq lock
 * held.
 */
void sched_enqueue(struct runqueue *rq, struct task *t);

/**
 * Unlink t from its band on rq in O(1).  Building block: t must be queued
 * on rq (panics otherwise) and leaves it READY but unqueued, which the
 * invariants forbid: re-queue or change its state before dropping the
 * lock.  rq lock held.
 */
void sched_dequeue(struct runqueue *rq, struct task *t);

/**
 * The task the next switch would run: the head of the highest non-empty
 * band, else the idle task.  Changes nothing.  rq lock held.
 */
struct task *sched_pick_next(struct runqueue *rq);

/**
 * Choose the next task for this CPU.  A still-RUNNING current goes to the
 * tail of its band as READY (round robin; the idle task is never queued);
 * a current that blocked, suspended or terminated is left as it is.  The
 * chosen task becomes RUNNING and current with a fresh slice, and
 * need_resched is cleared.  When next != prev the caller must switch
 * contexts and then, on the new task's stack, call sched_switch_finish.
 * Preconditions: rq is this CPU's, its lock held (interrupts off), the
 * previous switch finished (panics otherwise).  Cannot fail.
 */
struct sched_switch sched_switch_prepare(struct runqueue *rq);

/**
 * Complete a switch on this CPU: mark the task switched away from as off
 * the CPU (its context is saved; it may now migrate, and be freed once
 * TERMINATED).  Returns that task when it is TERMINATED - the caller now
 * owns its clean-up (kernel stack, telling the parent) - else NULL; also
 * NULL when there was no switch.  Call after every switch and at the start
 * of every new task, with interrupts off and the rq lock NOT held (it is
 * taken here).
 */
struct task *sched_switch_finish(struct runqueue *rq);

/**
 * Whether this CPU may hand itself straight to t, the task named id that
 * an IPC send just took off a wait queue (docs/ipc.md "Direct switch"):
 * t is homed on rq, which is this CPU's, still id and BLOCKED, not on a
 * CPU; current is a RUNNING task, not idle, with no switch in progress;
 * t's band is at least current's and no READY task outranks t.  Changes
 * nothing.  rq lock held.
 */
bool sched_handoff_ok(struct runqueue *rq, const struct task *t, task_id_t id);

/**
 * The direct switch: t's wait ends (as for a wake: off its wait queue, a
 * fresh slice) and it becomes RUNNING and current; the previous current
 * becomes READY at the head of its band, so it runs again as soon as t
 * blocks or yields, ahead of tasks that were waiting for their turn.
 * need_resched is left as it is.  The caller switches contexts as after
 * sched_switch_prepare and finishes with sched_switch_finish(_locked).
 * Preconditions: rq lock held and sched_handoff_ok(rq, t, t->id) (panics
 * otherwise).
 */
struct sched_switch sched_switch_to(struct runqueue *rq, struct task *t);

/**
 * sched_handoff_ok and, when it allows, sched_switch_to in one step
 * (one check instead of two); *sw is set only on true.  rq lock held.
 */
bool sched_try_switch_to(struct runqueue *rq, struct task *t, task_id_t id,
			 struct sched_switch *sw);

/**
 * sched_switch_finish for a switch made with rq's lock held throughout:
 * the lock taken for sched_switch_prepare is still held, by this CPU, on
 * the new task's stack (the caller drops it after).  Same result.
 */
struct task *sched_switch_finish_locked(struct runqueue *rq);

/**
 * Account one timer tick to rq's current task: runtime + 1, slice - 1.
 * Returns true (and sets need_resched) when a switch is due: a READY task
 * has a higher band than current; or the slice is used up and a READY task
 * shares current's band (with none, current gets a fresh slice and keeps
 * running); or current is idle and anything is READY; or current is no
 * longer RUNNING; or need_resched was already set.  rq lock held (the
 * timer interrupt takes it with spin_trylock and skips the tick if busy).
 */
bool sched_tick(struct runqueue *rq);

/** True when rq's CPU should reschedule.  No lock (atomic read). */
static inline bool sched_need_resched(struct runqueue *rq)
{
	return __atomic_load_n(&rq->need_resched, __ATOMIC_ACQUIRE);
}

/**
 * READY plus RUNNING tasks of rq, idle excluded (the load-balancing
 * measure of the spec).  rq lock held.
 */
uint32_t sched_runnable(struct runqueue *rq);

/**
 * First start of a task from task_alloc on cpu: home_cpu = cpu, then
 * SUSPENDED -> READY and queued.  Returns 0; -EINVAL when cpu has no run
 * queue, or t was started before or is not SUSPENDED; -EPERM for an idle
 * task.  Takes cpu's run-queue lock (no ranked lock may be held).
 */
__must_check int sched_start(struct task *t, unsigned cpu);

/**
 * As sched_start, but SUSPENDED -> BLOCKED with reason (the boot gate of
 * boot modules).  Also -EINVAL for an invalid reason.
 */
__must_check int sched_start_blocked(struct task *t, unsigned cpu,
				     struct task_block_reason reason);

/**
 * Block this CPU's current task: RUNNING -> BLOCKED with reason, still
 * `current` until the caller switches away (need_resched is set).  Use the
 * protocol of docs/scheduler.md: block first, then re-check the condition
 * (if it holds, undo with sched_wake_locked(rq, current)), then switch.
 * Returns 0, or -EINVAL for an invalid reason (nothing changed).
 * Preconditions: rq is this CPU's and its lock is held; current is a
 * RUNNING non-idle task (panics otherwise: the idle task never blocks).
 */
__must_check int sched_block_current(struct runqueue *rq,
				     struct task_block_reason reason);

/**
 * Wake t: BLOCKED -> READY at the tail of its band on its home CPU with a
 * fresh slice, taken off any wait queue.  The current task of its CPU that
 * has not switched away yet goes straight back to RUNNING.  A SUSPENDED
 * task that was blocked stays suspended but will resume READY.  Any other
 * state: nothing happens (woken false).  See struct sched_wake_ret for the
 * reschedule report; a remote CPU is poked here.  Takes t's home run-queue
 * lock (no ranked lock may be held; in particular drop wait-queue locks
 * first).  t must be table storage; a stale task is harmless.
 */
struct sched_wake_ret sched_wake(struct task *t);

/** sched_wake of the task named id; nothing happens when id is stale. */
struct sched_wake_ret sched_wake_id(task_id_t id);

/**
 * sched_wake for a caller that already holds rq's lock, rq being t's home
 * (panics otherwise): the timer interrupt waking sleepers of its own CPU,
 * or undoing a block of current.  The poke hook may run with the lock held.
 */
struct sched_wake_ret sched_wake_locked(struct runqueue *rq, struct task *t);

/**
 * Wake every task blocked with exactly reason (kind and arg), including
 * suspended ones that were (spec: "wake all IoWait(irq)").  Scans the task
 * table: O(table size).  Returns the number woken.  Locking as sched_wake.
 */
unsigned sched_wake_reason(struct task_block_reason reason);

/**
 * Terminate t with exit code code: from READY, RUNNING, BLOCKED or
 * SUSPENDED; taken off its run queue and any wait queue.  When t is some
 * CPU's current it stays there until that CPU switches (need_resched set,
 * remote CPU poked) and that CPU's sched_switch_finish returns it.
 * *off_cpu (may be NULL) tells which: true when no CPU runs t any more and
 * the caller owns its clean-up now; false when sched_switch_finish will
 * hand it over.  Returns 0; -EINVAL when t was never started (free it with
 * task_free) or is TERMINATED or FREE; -EPERM for an idle task.  Takes t's
 * home run-queue lock.
 */
__must_check int sched_terminate(struct task *t, int64_t code, bool *off_cpu);

/**
 * Suspend t: READY (dequeued), RUNNING (stays current until its CPU
 * switches; poked) or BLOCKED (remembers the reason and stays on its wait
 * queue) -> SUSPENDED.  Returns 0; -EINVAL when t is SUSPENDED,
 * TERMINATED, FREE or never started; -EPERM for an idle task.  Takes t's
 * home run-queue lock.
 */
__must_check int sched_suspend(struct task *t);

/**
 * Resume a SUSPENDED task: back to BLOCKED with its remembered reason if
 * it was blocked and not woken meanwhile, else READY (queued, with a
 * fresh slice; the CPU is poked as for a wake) - or RUNNING if it is
 * still its CPU's current.  Returns 0; -EINVAL when t is not SUSPENDED or
 * was never started (use sched_start).  Takes t's home run-queue lock.
 */
__must_check int sched_resume(struct task *t);

/**
 * Set t's priority.  A queued task whose band changes moves to the tail of
 * the new band (same band: keeps its place).  Reschedules t's CPU when the
 * change lets a READY task outrank its current.  A never-started task just
 * takes the value.  Returns 0; -EINVAL for a TERMINATED or FREE task;
 * -EPERM for an idle task.  Takes t's home run-queue lock.
 */
__must_check int sched_set_priority(struct task *t, uint8_t priority);

/**
 * Pin (never migrate) or unpin t.  Returns 0; -EINVAL for a TERMINATED or
 * FREE task; -EPERM for an idle task (always pinned).  Takes t's home
 * run-queue lock.
 */
__must_check int sched_set_pinned(struct task *t, bool pinned);

/**
 * Move a READY task to dst's run queue (tail of its band) and make dst
 * its home; id unchanged.  Both run-queue locks are taken, lower CPU
 * first.  dst is poked when t outranks what it runs.  Returns 0 (also when
 * t is already homed on dst); -EINVAL when dst has no run queue or t is
 * not READY (BLOCKED, SUSPENDED, TERMINATED, never started); -EBUSY when
 * t is RUNNING or a CPU is still switching away from it; -EPERM when t is
 * pinned or an idle task.  No ranked lock may be held.
 */
__must_check int sched_migrate(struct task *t, unsigned dst);

/**
 * Pure balancing decision over per-CPU runnable counts (count < 0: CPU
 * unknown, skipped).  Busiest = first CPU with the largest count, idlest =
 * first with the smallest.  Returns true, with *src and *dst, when
 * max - min >= 2: one task should move from *src to *dst.
 */
bool sched_balance_decide(const int32_t *counts, unsigned n, unsigned *src,
			  unsigned *dst);

/**
 * One load-balancing step (spec: from the boot CPU's idle loop, at most
 * every 100 ticks): sample each run queue's sched_runnable with
 * spin_trylock (busy ones are skipped), decide as sched_balance_decide,
 * then try-lock the two queues and move the first migratable task (READY,
 * not pinned, not on a CPU; bands high to low, FIFO) from the busiest to
 * the idlest, poking it.  Never spins on a lock, so it cannot deadlock
 * from any context.  Returns 0 and *out (may be NULL) when a task moved;
 * -ENOENT when balanced or nothing can move; -EBUSY when a lock was busy.
 */
__must_check int sched_balance(struct sched_balance_ret *out);

/**
 * Check rq's invariants: idle present, RUNNING or (when not current)
 * READY, never queued, blocked or unpinned; current homed here and not
 * queued; every queued task READY, homed here, flagged on_queue, in the
 * band of its priority, links sound; band bitmap and counts match; over
 * the task table, every task homed here: RUNNING only as current,
 * READY exactly when queued, BLOCKED exactly when a block reason is set,
 * on_cpu only as current or the task being switched away from, a wait
 * queue only while waiting.  Returns true, or false with *why (may be
 * NULL) naming the first broken rule.  rq lock held.  O(table size).
 */
bool sched_check_invariants(struct runqueue *rq, const char **why);
