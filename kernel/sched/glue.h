/*
 * kernel/sched/glue.h - switching tasks on a real CPU (kernel/sched/glue.c).
 */
#pragma once

#include <stdbool.h>

#include "kernel/arch/arch.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/task.h"
#include "kernel/sched/waitq.h"

struct task;

/**
 * Give the CPU to the next task of this CPU's run queue (maybe the caller
 * again).  Returns when the caller is scheduled again.  Any interrupt
 * state; no spinlock held.  A blocked or terminated caller does not come
 * back until woken (terminated: never).
 */
void schedule(void);

/**
 * Wake the task named id, which an IPC send took off a wait queue: when
 * sched_handoff_ok allows, switch to it at once (sched_switch_to; the
 * caller runs again once it blocks or yields), else an ordinary
 * sched_wake_id.  Returns true when the task was woken either way, false
 * when it had stopped waiting (killed).  Any interrupt state; no spinlock
 * held; from a task's syscall path only.
 */
bool sched_handoff(task_id_t id);

/**
 * The end of every switch, on the stack of the task switched to, with
 * this CPU's run-queue lock held: finishes the switch and drops the lock.
 */
void sched_finish_switch(void);

/*
 * sched_wait_switch's body, for callers that want their ready inlined
 * (the IPC fast path's receive): queue on wq, look, switch, one run-queue
 * critical section.
 */
static __attribute__((always_inline)) inline int
sched_wait_switch_inline(struct waitq *wq, struct task_block_reason reason,
			 waitq_ready_fn ready, void *ctx)
{
	unsigned long flags = arch_irq_save();
	struct runqueue *rq = sched_this_rq();
	int err;

	spin_lock(&rq->lock);
	err = waitq_prepare_wait_locked(rq, wq, reason);
	if (err || (ready && ready(ctx))) {
		spin_unlock(&rq->lock);
		arch_irq_restore(flags);
		return err ? err : 1;
	}

	struct sched_switch sw = sched_switch_prepare(rq);

	if (sw.next != sw.prev)
		arch_context_switch(sw.prev->ctx, sw.next->ctx);
	sched_finish_switch();
	arch_irq_restore(flags);
	return 0;
}

/**
 * Wait on wq and switch away in one critical section of this CPU's run
 * queue: the current task becomes BLOCKED with reason and joins wq
 * (waitq_prepare_wait), then ready(ctx) is asked (after queuing, so a
 * wake from now on finds the task); when it says false the CPU goes to
 * the next task at once (schedule without a second lock round).  Returns
 * 0 after sleeping (woken, or the block undone), 1 when ready said true
 * (still queued and BLOCKED: end the wait with waitq_finish_wait, as
 * after sleeping), -EINVAL for an invalid reason.  Interrupts off; no
 * spinlock held.
 */
int sched_wait_switch(struct waitq *wq, struct task_block_reason reason,
		      waitq_ready_fn ready, void *ctx);

/** Timer-interrupt hook: count the tick against the running task. */
void sched_timer_tick(void);

/**
 * A fresh idle task for the calling CPU, to run on its current stack.
 * Returns 0 or -ENOMEM.
 */
int sched_make_idle_task(struct task **out);

/**
 * The idle loop of a CPU whose run queue is registered: runs whatever
 * becomes ready, halts otherwise; on the boot CPU also balances load and
 * checks scheduler invariants.  Never returns.
 */
void cpu_idle_loop(void) __attribute__((noreturn));
