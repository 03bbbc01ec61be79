/*
 * kernel/sched/glue.c - where the scheduler core meets the CPU: the switch,
 * the timer tick, the idle loop of every CPU and the return to user mode.
 *
 * Switching (docs/scheduler.md): take this CPU's run-queue lock, let
 * sched_switch_prepare pick the next task and switch stacks with the lock
 * still held (interrupts off).  Whoever runs next, on this CPU, finishes
 * the switch under that lock (sched_switch_finish_locked: the previous
 * task is released to other CPUs, a task that terminated is handed back
 * for reaping, its kernel stack freed only once nothing runs on it) and
 * drops it: one lock round per switch instead of two.
 *
 * Preemption: the timer tick only marks need_resched.  The switch happens
 * on the way back to user mode, in the idle loop and at voluntary yields;
 * kernel code is never preempted while it holds a lock.
 */
#include "kernel/sched/glue.h"

#include "abi/errno.h"
#include "kernel/arch/arch.h"
#include "kernel/core/kernel.h"
#include "kernel/core/log.h"
#include "kernel/core/panic.h"
#include "kernel/core/time.h"
#include "kernel/mm/heap.h"
#include "kernel/proc/lifecycle.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/task.h"

/* How often the boot CPU's idle loop balances load and checks invariants. */
#define BALANCE_TICKS		100
#define INVARIANT_TICKS		6000

/*
 * The end of every switch, on the stack of the task switched to: this
 * CPU's run-queue lock is held (taken by schedule before the switch).
 */
void sched_finish_switch(void)
{
	struct runqueue *rq = sched_this_rq();
	struct task *dead = sched_switch_finish_locked(rq);

	spin_unlock(&rq->lock);
	if (dead)
		proc_reap_task(dead);
}

void schedule(void)
{
	unsigned long flags = arch_irq_save();
	struct runqueue *rq = sched_this_rq();

	spin_lock(&rq->lock);

	struct sched_switch sw = sched_switch_prepare(rq);

	/* We come back, maybe on another CPU, with that CPU's lock held. */
	if (sw.next != sw.prev)
		arch_context_switch(sw.prev->ctx, sw.next->ctx);
	sched_finish_switch();
	arch_irq_restore(flags);
}

int sched_wait_switch(struct waitq *wq, struct task_block_reason reason,
		      waitq_ready_fn ready, void *ctx)
{
	return sched_wait_switch_inline(wq, reason, ready, ctx);
}

bool sched_handoff(task_id_t id)
{
	struct task *t = task_table_slot(task_id_slot(id));
	unsigned long flags = arch_irq_save();
	struct runqueue *rq = sched_this_rq();

	/* Homed elsewhere (read again under the lock): an ordinary wake. */
	if (t && rq && __atomic_load_n(&t->home_cpu, __ATOMIC_ACQUIRE) == rq->cpu) {
		struct sched_switch sw;

		spin_lock(&rq->lock);
		if (sched_try_switch_to(rq, t, id, &sw)) {
			arch_context_switch(sw.prev->ctx, sw.next->ctx);
			sched_finish_switch();
			arch_irq_restore(flags);
			return true;
		}
		spin_unlock(&rq->lock);
	}
	arch_irq_restore(flags);
	return sched_wake_id(id).woken;
}

void kernel_context_start(void)
{
	sched_finish_switch();
}

void kernel_return_to_user(void)
{
	struct runqueue *rq = sched_this_rq();

	while (rq && sched_need_resched(rq))
		schedule();
}

void sched_timer_tick(void)
{
	struct runqueue *rq = sched_this_rq();

	/* An interrupt never waits for a lock (spec kernel.md section 2). */
	if (!rq || !spin_trylock(&rq->lock))
		return;
	(void)sched_tick(rq);
	spin_unlock(&rq->lock);
}

int sched_make_idle_task(struct task **out)
{
	struct task *idle;
	int err = task_alloc(TASK_PRIO_IDLE, TASK_ID_NONE, &idle);

	if (err)
		return err;
	/* The idle task runs on the CPU's boot stack: its context is filled
	 * in when the CPU first switches away from it. */
	idle->ctx = kzalloc(arch_context_size());
	if (!idle->ctx) {
		(void)task_free(idle);
		return -ENOMEM;
	}
	arch_context_init_current(idle->ctx);
	*out = idle;
	return 0;
}

static void boot_cpu_housekeeping(uint64_t now, uint64_t *last_balance,
				  uint64_t *last_check)
{
	if (now - *last_balance >= BALANCE_TICKS) {
		struct sched_balance_ret moved;

		*last_balance = now;
		(void)sched_balance(&moved);
	}
	if (now - *last_check >= INVARIANT_TICKS) {
		const char *why = "";

		*last_check = now;
		for (unsigned cpu = 0; cpu < arch_cpus_online(); cpu++) {
			struct runqueue *rq = sched_rq(cpu);
			unsigned long flags;
			bool ok;

			if (!rq)
				continue;
			flags = spin_lock_irqsave(&rq->lock);
			ok = sched_check_invariants(rq, &why);
			spin_unlock_irqrestore(&rq->lock, flags);
			if (!ok)
				panic("sched: CPU %u invariant broken: %s", cpu, why);
		}
	}
}

void cpu_idle_loop(void)
{
	struct runqueue *rq = sched_this_rq();
	bool boot_cpu = rq->cpu == 0;
	uint64_t last_balance = 0, last_check = 0;

	for (;;) {
		arch_irq_disable();
		if (sched_need_resched(rq) || rq->nr_ready) {
			schedule();
			continue;
		}
		if (boot_cpu)
			boot_cpu_housekeeping(time_ticks(), &last_balance,
					      &last_check);
		arch_idle();	/* sti; hlt: wakes on the next interrupt */
	}
}
