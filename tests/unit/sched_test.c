/*
 * tests/unit/sched_test.c - the per-CPU scheduler core: life cycle, bands
 * and pick order, time slices, block and wake, illegal transitions, the
 * idle task, termination, suspension, priorities, migration, balancing,
 * the invariant checker, and random operation sequences checked against
 * a shadow model after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/fake_panic.h"
#include "tests/unit/sched_testlib.h"

/* ---- life cycle ------------------------------------------------------ */

/* After sched_rq_init the CPU runs its idle task and nothing else. */
static void test_rq_init_idle_is_current(void **state)
{
	(void)state;
	for (unsigned cpu = 0; cpu < NCPUS; cpu++) {
		struct task *idle = idle_of[cpu];

		fake_arch_set_cpu(cpu);
		assert_ptr_equal(sched_rq(cpu), &rqs[cpu]);
		assert_ptr_equal(sched_this_rq(), &rqs[cpu]);
		assert_ptr_equal(sched_current(), idle);
		assert_ptr_equal(rqs[cpu].current, idle);
		assert_int_equal(idle->state, TASK_RUNNING);
		assert_true(idle->idle && idle->pinned && idle->on_cpu);
		assert_int_equal(idle->priority, TASK_PRIO_IDLE);
		assert_int_equal(idle->home_cpu, cpu);
		assert_ptr_equal(pick_on(cpu), idle);
		assert_int_equal(runnable_on(cpu), 0);
	}
	assert_null(sched_rq(NCPUS));
	assert_null(sched_rq(MAX_CPUS));
	check_all();
}

/* Bad CPU numbers, a second init and unsuitable idle tasks are refused. */
static void test_rq_init_errors(void **state)
{
	static struct runqueue extra;
	struct task *t = new_task(0), *started = spawn(TASK_PRIO_NORMAL, 0);

	(void)state;
	assert_int_equal(sched_rq_init(&extra, MAX_CPUS, t), -EINVAL);
	assert_int_equal(sched_rq_init(&extra, 0, t), -EBUSY);
	assert_int_equal(sched_rq_init(&extra, NCPUS, started), -EINVAL);
	assert_int_equal(sched_rq_init(&extra, NCPUS, idle_of[1]), -EINVAL);
	assert_int_equal(sched_rq_init(&extra, NCPUS, NULL), -EINVAL);
	assert_null(sched_rq(NCPUS));
	/* A good one still works. */
	assert_int_equal(sched_rq_init(&extra, NCPUS, t), 0);
	assert_ptr_equal(sched_rq(NCPUS), &extra);
}

/* sched_start queues a fresh task READY once, on a real CPU only. */
static void test_start_makes_ready(void **state)
{
	struct task *t = new_task(TASK_PRIO_NORMAL);

	(void)state;
	assert_int_equal(t->state, TASK_SUSPENDED);
	assert_int_equal(t->home_cpu, TASK_CPU_NONE);
	assert_int_equal(sched_start(t, NCPUS), -EINVAL);
	assert_int_equal(sched_start(idle_of[0], 1), -EPERM);
	assert_int_equal(sched_start(t, 2), 0);
	assert_int_equal(t->state, TASK_READY);
	assert_true(t->on_queue);
	assert_int_equal(t->home_cpu, 2);
	assert_int_equal(t->slice, TASK_SLICE_TICKS);
	assert_int_equal(rqs[2].nr_ready, 1);
	assert_int_equal(runnable_on(2), 1);
	assert_ptr_equal(pick_on(2), t);
	/* Only once. */
	assert_int_equal(sched_start(t, 2), -EINVAL);
	assert_int_equal(sched_start(t, 1), -EINVAL);
	assert_int_equal(rqs[2].nr_ready, 1);
	check_all();
}

/* READY -> RUNNING -> BLOCKED -> READY -> RUNNING -> TERMINATED -> freed. */
static void test_full_life_cycle(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 0), *zombie = NULL;
	task_id_t id = t->id;
	struct sched_switch sw;

	(void)state;
	sw = schedule_on(0, NULL);
	assert_ptr_equal(sw.prev, idle_of[0]);
	assert_ptr_equal(sw.next, t);
	assert_int_equal(t->state, TASK_RUNNING);
	assert_int_equal(idle_of[0]->state, TASK_READY);
	assert_false(idle_of[0]->on_queue);
	assert_false(idle_of[0]->on_cpu);
	check_all();

	assert_int_equal(block_on(0, task_block(TASK_BLOCK_SYNC_WAIT, 9)), 0);
	assert_int_equal(t->state, TASK_BLOCKED);
	assert_ptr_equal(rqs[0].current, t); /* until the switch */
	check_all();
	assert_ptr_equal(run_next(0), idle_of[0]);
	assert_false(t->on_cpu);
	check_all();

	assert_true(sched_wake(t).woken);
	assert_int_equal(t->state, TASK_READY);
	assert_ptr_equal(run_next(0), t);

	bool off = true;

	assert_int_equal(sched_terminate(t, 42, &off), 0);
	assert_false(off); /* still on CPU 0 */
	assert_int_equal(t->state, TASK_TERMINATED);
	assert_int_equal(t->exit_code, 42);
	assert_int_equal(task_free(t), -EBUSY);
	sw = schedule_on(0, &zombie);
	assert_ptr_equal(sw.next, idle_of[0]);
	assert_ptr_equal(zombie, t);
	check_all();
	assert_int_equal(task_free(t), 0);
	assert_null(task_lookup(id));
}

/* ---- bands and pick order -------------------------------------------- */

/* band = min(priority / 64, 3) at every boundary. */
static void test_band_mapping(void **state)
{
	static const struct {
		uint8_t prio;
		unsigned band;
	} cases[] = {
	    {0, 0},   {1, 0},	{63, 0},  {64, 1},  {127, 1},
	    {128, 2}, {191, 2}, {192, 3}, {254, 3}, {255, 3},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(task_prio_band(cases[i].prio), cases[i].band);
	for (unsigned p = 0; p < 256; p++)
		assert_int_equal(task_prio_band((uint8_t)p),
				 p / 64 > 3 ? 3 : p / 64);
	assert_int_equal(task_prio_band(TASK_PRIO_CRITICAL),
			 task_prio_band(TASK_PRIO_HIGH));
}

/* The highest non-empty band runs first, whatever the enqueue order. */
static void test_pick_highest_band_first(void **state)
{
	struct task *low = spawn(70, 0), *idleband = spawn(10, 0),
		    *crit = spawn(TASK_PRIO_CRITICAL, 0), *norm = spawn(150, 0),
		    *high = spawn(192, 0);

	(void)state;
	assert_int_equal(rqs[0].band_mask, 0xF);
	/* crit and high share band 3, FIFO between them. */
	assert_ptr_equal(pick_on(0), crit);
	assert_ptr_equal(run_next(0), crit);
	assert_int_equal(block_on(0, task_block(TASK_BLOCK_IRQ, 1)), 0);
	assert_ptr_equal(run_next(0), high);
	assert_int_equal(block_on(0, task_block(TASK_BLOCK_IRQ, 1)), 0);
	assert_ptr_equal(run_next(0), norm);
	assert_int_equal(block_on(0, task_block(TASK_BLOCK_IRQ, 1)), 0);
	assert_ptr_equal(run_next(0), low);
	assert_int_equal(block_on(0, task_block(TASK_BLOCK_IRQ, 1)), 0);
	assert_ptr_equal(run_next(0), idleband);
	assert_int_equal(block_on(0, task_block(TASK_BLOCK_IRQ, 1)), 0);
	assert_ptr_equal(run_next(0), idle_of[0]);
	assert_int_equal(rqs[0].band_mask, 0);
	check_all();
}

/* sched_pick_next only looks; the bitmap follows enqueue and dequeue. */
static void test_pick_is_a_peek_and_bitmap_tracks(void **state)
{
	struct task *a = spawn(TASK_PRIO_LOW, 1), *b = spawn(TASK_PRIO_HIGH, 1);
	unsigned long flags;

	(void)state;
	assert_ptr_equal(pick_on(1), b);
	assert_ptr_equal(pick_on(1), b);
	assert_int_equal(rqs[1].nr_ready, 2);
	assert_int_equal(rqs[1].band_mask, (1u << 1) | (1u << 3));

	fake_arch_set_cpu(1);
	flags = spin_lock_irqsave(&rqs[1].lock);
	sched_dequeue(&rqs[1], b);
	assert_int_equal(rqs[1].band_mask, 1u << 1);
	assert_ptr_equal(sched_pick_next(&rqs[1]), a);
	sched_enqueue(&rqs[1], b);
	assert_int_equal(rqs[1].band_mask, (1u << 1) | (1u << 3));
	spin_unlock_irqrestore(&rqs[1].lock, flags);
	check_all();
}

/* Equal-band tasks take turns: A B C A B C on slice expiry. */
static void test_round_robin_within_band(void **state)
{
	struct task *t[3];

	(void)state;
	for (int i = 0; i < 3; i++)
		t[i] = spawn(TASK_PRIO_NORMAL, 0);
	assert_ptr_equal(run_next(0), t[0]);
	for (int round = 0; round < 7; round++) {
		struct task *running = t[round % 3];

		assert_ptr_equal(rqs[0].current, running);
		for (int k = 1; k < TASK_SLICE_TICKS; k++)
			assert_false(tick_on(0));
		assert_true(tick_on(0));
		assert_ptr_equal(run_next(0), t[(round + 1) % 3]);
		/* The preempted one went to the tail, READY. */
		assert_int_equal(running->state, TASK_READY);
		assert_ptr_equal(task_of_rq_link(rqs[0].bands[2].tail),
				 running);
		check_all();
	}
}

/* ---- time slices ----------------------------------------------------- */

/* Alone in its band, a task gets a new slice instead of a switch. */
static void test_slice_renewed_when_alone(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 0);

	(void)state;
	spawn(TASK_PRIO_LOW, 0); /* lower band: never shares t's slice */
	assert_ptr_equal(run_next(0), t);
	for (int k = 0; k < 3 * TASK_SLICE_TICKS; k++)
		assert_false(tick_on(0));
	assert_int_equal(t->runtime_ticks, 3 * TASK_SLICE_TICKS);
	assert_true(t->slice >= 1 && t->slice <= TASK_SLICE_TICKS);
	assert_false(sched_need_resched(&rqs[0]));
}

/* A higher-band task preempts at the next tick, slice left or not. */
static void test_tick_higher_band_preempts(void **state)
{
	struct task *lo = spawn(TASK_PRIO_LOW, 0), *hi;

	(void)state;
	assert_ptr_equal(run_next(0), lo);
	assert_false(tick_on(0));
	hi = spawn(TASK_PRIO_HIGH, 0); /* start = wake: need_resched */
	assert_true(sched_need_resched(&rqs[0]));
	assert_true(tick_on(0));
	assert_ptr_equal(run_next(0), hi);
	assert_false(sched_need_resched(&rqs[0]));
	/* lo waits, even past its slice: no lower band preempts. */
	for (int k = 0; k < 2 * TASK_SLICE_TICKS; k++)
		assert_false(tick_on(0));
	assert_ptr_equal(rqs[0].current, hi);
}

/* The idle task yields at the first tick when anything is READY. */
static void test_tick_idle_yields_to_work(void **state)
{
	(void)state;
	assert_false(tick_on(0));
	spawn(TASK_PRIO_IDLE + 1, 0); /* band 0 still beats the idle task */
	assert_true(tick_on(0));
	assert_false(run_next(0)->idle);
	assert_true(idle_of[0]->runtime_ticks >= 1);
}

/* Slices are refilled when a task is woken and when it is rescheduled. */
static void test_slice_reset_on_wake_and_reschedule(void **state)
{
	struct task *a = spawn(TASK_PRIO_NORMAL, 0),
		    *b = spawn(TASK_PRIO_NORMAL, 0);

	(void)state;
	assert_ptr_equal(run_next(0), a);
	for (int k = 0; k < 7; k++)
		assert_false(tick_on(0));
	assert_int_equal(a->slice, TASK_SLICE_TICKS - 7);
	assert_int_equal(block_on(0, task_block(TASK_BLOCK_MESSAGE, 3)), 0);
	assert_int_equal(a->slice, TASK_SLICE_TICKS - 7);
	assert_ptr_equal(run_next(0), b);
	assert_true(sched_wake(a).woken);
	assert_int_equal(a->slice, TASK_SLICE_TICKS); /* on wake */
	for (int k = 0; k < 4; k++)
		assert_false(tick_on(0));
	assert_int_equal(b->slice, TASK_SLICE_TICKS - 4);
	/* A voluntary yield: b goes behind a, and is refilled when it runs. */
	assert_ptr_equal(run_next(0), a);
	assert_int_equal(a->slice, TASK_SLICE_TICKS);
	assert_ptr_equal(run_next(0), b);
	assert_int_equal(b->slice, TASK_SLICE_TICKS); /* on reschedule */
}

/* ---- direct switch (IPC handoff) -------------------------------------- */

/* sched_handoff_ok on cpu's run queue, under its lock. */
static bool handoff_ok_on(unsigned cpu, struct task *t, task_id_t id)
{
	struct runqueue *rq = &rqs[cpu];
	unsigned long flags;
	bool ok;

	fake_arch_set_cpu(cpu);
	flags = spin_lock_irqsave(&rq->lock);
	ok = sched_handoff_ok(rq, t, id);
	spin_unlock_irqrestore(&rq->lock, flags);
	return ok;
}

/* Play the direct switch as glue.c does it: lock, switch_to, finish. */
static struct sched_switch switch_to_on(unsigned cpu, struct task *t)
{
	struct runqueue *rq = &rqs[cpu];
	struct sched_switch sw;

	fake_arch_set_cpu(cpu);
	unsigned long flags = spin_lock_irqsave(&rq->lock);

	sw = sched_switch_to(rq, t);
	/* arch_context_switch(prev->ctx, next->ctx) would run here. */
	assert_null(sched_switch_finish_locked(rq));
	spin_unlock_irqrestore(&rq->lock, flags);
	return sw;
}

/* r runs on cpu and blocks there on a message; returns r. */
static struct task *blocked_receiver(unsigned cpu, uint8_t prio)
{
	struct task *r = spawn(prio, cpu);

	assert_ptr_equal(run_next(cpu), r);
	assert_int_equal(block_on(cpu, task_block(TASK_BLOCK_MESSAGE, 5)), 0);
	assert_ptr_not_equal(run_next(cpu), r);
	assert_int_equal(r->state, TASK_BLOCKED);
	return r;
}

/*
 * A sender hands its CPU to the receiver it just woke: the receiver runs
 * at once with a fresh slice, the sender is READY at the head of its
 * band, ahead of a task that was already waiting, and runs again as soon
 * as the receiver blocks.
 */
static void test_handoff_runs_receiver_sender_keeps_turn(void **state)
{
	struct task *r = blocked_receiver(1, TASK_PRIO_NORMAL);
	struct task *s = spawn(TASK_PRIO_NORMAL, 1);
	struct task *other;
	struct sched_switch sw;

	(void)state;
	assert_ptr_equal(run_next(1), s);
	other = spawn(TASK_PRIO_NORMAL, 1); /* waits for its turn */
	r->slice = 3;
	assert_true(handoff_ok_on(1, r, r->id));
	sw = switch_to_on(1, r);
	assert_ptr_equal(sw.prev, s);
	assert_ptr_equal(sw.next, r);
	assert_ptr_equal(rqs[1].current, r);
	assert_int_equal(r->state, TASK_RUNNING);
	assert_int_equal(r->block.kind, TASK_BLOCK_NONE);
	assert_int_equal(r->slice, TASK_SLICE_TICKS);
	assert_true(r->on_cpu);
	assert_false(s->on_cpu);
	assert_int_equal(s->state, TASK_READY);
	check_all();
	/* r blocks again: s comes back before other. */
	assert_int_equal(block_on(1, task_block(TASK_BLOCK_MESSAGE, 5)), 0);
	assert_ptr_equal(run_next(1), s);
	assert_ptr_equal(run_next(1), other);
	check_all();
}

/* A direct switch takes the receiver off the wait queue it slept on. */
static void test_handoff_leaves_wait_queue(void **state)
{
	static struct waitq wq;
	struct task *r = spawn(TASK_PRIO_NORMAL, 2), *s;
	unsigned long flags;

	(void)state;
	waitq_init(&wq, "handoff");
	assert_ptr_equal(run_next(2), r);
	flags = arch_irq_save();
	assert_int_equal(
	    waitq_prepare_wait(&wq, task_block(TASK_BLOCK_MESSAGE, 2)), 0);
	arch_irq_restore(flags);
	s = spawn(TASK_PRIO_NORMAL, 2);
	assert_ptr_equal(run_next(2), s);
	assert_ptr_equal(r->wq, &wq);
	(void)switch_to_on(2, r);
	assert_null(r->wq);
	assert_int_equal(waitq_count(&wq), 0);
	assert_true(waitq_check(&wq, NULL));
	check_all();
}

/* Every reason to refuse a direct switch, one at a time. */
static void test_handoff_refusals(void **state)
{
	struct task *r = blocked_receiver(1, TASK_PRIO_NORMAL);
	struct task *s = spawn(TASK_PRIO_NORMAL, 1);
	struct task *low, *high, *remote;

	(void)state;
	/* The idle task runs: nobody to hand over from. */
	assert_false(handoff_ok_on(1, r, r->id));
	assert_ptr_equal(run_next(1), s);
	assert_true(handoff_ok_on(1, r, r->id));
	/* A stale id, or the receiver asked from another CPU. */
	assert_false(handoff_ok_on(1, r, task_id_make(task_id_slot(r->id),
						     task_id_gen(r->id) + 1)));
	assert_false(handoff_ok_on(0, r, r->id));
	/* Homed on another CPU. */
	remote = blocked_receiver(3, TASK_PRIO_NORMAL);
	fake_arch_set_cpu(1);
	assert_false(handoff_ok_on(1, remote, remote->id));
	/* Not waiting any more: woken already (READY), or a READY task. */
	fake_arch_set_cpu(0);
	assert_true(sched_wake(r).woken);
	assert_false(handoff_ok_on(1, r, r->id));
	/* A lower band than the sender. */
	low = blocked_receiver(2, TASK_PRIO_LOW);
	high = spawn(TASK_PRIO_NORMAL, 2);
	assert_ptr_equal(run_next(2), high);
	assert_false(handoff_ok_on(2, low, low->id));
	/* A READY task of a higher band would run first. */
	struct task *r2 = blocked_receiver(0, TASK_PRIO_NORMAL);
	struct task *s2 = spawn(TASK_PRIO_NORMAL, 0);

	assert_ptr_equal(run_next(0), s2);
	assert_true(handoff_ok_on(0, r2, r2->id));
	(void)spawn(TASK_PRIO_HIGH, 0);
	assert_false(handoff_ok_on(0, r2, r2->id));
	/* sched_switch_to refuses what sched_handoff_ok refuses. */
	fake_arch_set_cpu(0);
	unsigned long flags = spin_lock_irqsave(&rqs[0].lock);

	EXPECT_PANIC(sched_switch_to(&rqs[0], r2), "sched_switch_to");
	spin_unlock_irqrestore(&rqs[0].lock, flags);
	check_all();
}

/*
 * sched_try_switch_to (the fast path's one-check switch): refuses, with
 * nothing changed, what sched_handoff_ok refuses; switches as
 * sched_switch_to otherwise.
 */
static void test_try_switch_to(void **state)
{
	struct task *r = blocked_receiver(0, TASK_PRIO_NORMAL);
	struct task *s = spawn(TASK_PRIO_NORMAL, 0);
	struct runqueue *rq = &rqs[0];
	struct sched_switch sw = {NULL, NULL};
	struct task *high;
	unsigned long flags;

	(void)state;
	assert_ptr_equal(run_next(0), s);
	/* A READY task of a higher band would run first: refused. */
	high = spawn(TASK_PRIO_HIGH, 0);
	fake_arch_set_cpu(0);
	flags = spin_lock_irqsave(&rq->lock);
	assert_false(sched_try_switch_to(rq, r, r->id, &sw));
	assert_null(sw.prev);
	assert_ptr_equal(rq->current, s);
	assert_int_equal(r->state, TASK_BLOCKED);
	/* A stale id: refused. */
	assert_false(sched_try_switch_to(rq, r, r->id + 1, &sw));
	spin_unlock_irqrestore(&rq->lock, flags);
	check_all();
	/* The high task runs and ends; s runs again; now it may. */
	assert_ptr_equal(run_next(0), high);
	assert_int_equal(block_on(0, task_block(TASK_BLOCK_MESSAGE, 6)), 0);
	assert_ptr_equal(run_next(0), s);
	flags = spin_lock_irqsave(&rq->lock);
	assert_true(sched_try_switch_to(rq, r, r->id, &sw));
	assert_ptr_equal(sw.prev, s);
	assert_ptr_equal(sw.next, r);
	assert_ptr_equal(rq->current, r);
	assert_int_equal(r->state, TASK_RUNNING);
	assert_int_equal(s->state, TASK_READY);
	assert_null(sched_switch_finish_locked(rq));
	spin_unlock_irqrestore(&rq->lock, flags);
	check_all();
}

/* ---- block and wake -------------------------------------------------- */

/* Every block kind, with its argument, blocks and wakes cleanly. */
static void test_block_wake_every_kind(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 1);

	(void)state;
	clear_pokes();
	for (int k = TASK_BLOCK_NONE + 1; k < TASK_BLOCK_KIND_COUNT; k++) {
		bool no_arg =
		    k == TASK_BLOCK_DEBUGGER || k == TASK_BLOCK_BOOT_GATE;
		uint64_t arg = no_arg ? 0 : 1000 + (uint64_t)k;
		struct sched_wake_ret r;

		assert_ptr_equal(run_next(1), t);
		assert_int_equal(block_on(1, task_block(k, arg)), 0);
		assert_int_equal(t->state, TASK_BLOCKED);
		assert_int_equal(t->block.kind, k);
		assert_int_equal(t->block.arg, arg);
		assert_ptr_equal(run_next(1), idle_of[1]);
		check_all();
		fake_arch_set_cpu(0);
		r = sched_wake(t);
		assert_true(r.woken);
		assert_true(r.resched); /* CPU 1 runs idle */
		assert_int_equal(r.cpu, 1);
		assert_int_equal(t->state, TASK_READY);
		assert_int_equal(t->block.kind, TASK_BLOCK_NONE);
		check_all();
	}
	assert_int_equal(pokes[1], TASK_BLOCK_KIND_COUNT - 1);
}

/* Malformed reasons are refused and change nothing. */
static void test_block_invalid_reason(void **state)
{
	static const struct task_block_reason bad[] = {
	    {TASK_BLOCK_NONE, 0},	   {TASK_BLOCK_KIND_COUNT, 0},
	    {(enum task_block_kind)77, 1}, {TASK_BLOCK_DEBUGGER, 1},
	    {TASK_BLOCK_BOOT_GATE, 5},	   {TASK_BLOCK_CHILD, TASK_ID_NONE},
	    {TASK_BLOCK_MESSAGE_ANY, 0},
	};
	struct task *t = spawn(TASK_PRIO_NORMAL, 0);

	(void)state;
	assert_ptr_equal(run_next(0), t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(task_block_reason_valid(bad[i]));
		assert_int_equal(block_on(0, bad[i]), -EINVAL);
		assert_int_equal(t->state, TASK_RUNNING);
		assert_int_equal(t->block.kind, TASK_BLOCK_NONE);
		assert_int_equal(sched_start_blocked(new_task(1), 0, bad[i]),
				 -EINVAL);
	}
	check_all();
}

/* A wake before the blocked task switched away undoes the block. */
static void test_wake_before_switch_undoes_block(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 2), *other;
	struct sched_wake_ret r;

	(void)state;
	assert_ptr_equal(run_next(2), t);
	assert_int_equal(block_on(2, task_block(TASK_BLOCK_IRQ, 4)), 0);
	clear_pokes();
	fake_arch_set_cpu(3); /* a remote waker */
	r = sched_wake(t);
	assert_true(r.woken);
	assert_false(r.resched);
	assert_int_equal(npokes, 0);
	assert_int_equal(t->state, TASK_RUNNING);
	assert_false(t->on_queue);
	check_all();
	/* Its pending schedule() just yields; alone, it runs on. */
	assert_ptr_equal(run_next(2), t);
	/* With a peer, the yield round-robins. */
	other = spawn(TASK_PRIO_NORMAL, 2);
	assert_int_equal(block_on(2, task_block(TASK_BLOCK_IRQ, 4)), 0);
	assert_true(sched_wake(t).woken);
	assert_ptr_equal(run_next(2), other);
	check_all();
}

/* Waking a task that is not waiting does nothing. */
static void test_wake_not_waiting_is_noop(void **state)
{
	struct task *ready = spawn(TASK_PRIO_NORMAL, 0),
		    *running = spawn(TASK_PRIO_HIGH, 0),
		    *fresh = new_task(TASK_PRIO_NORMAL), *dead;
	struct sched_wake_ret r;

	(void)state;
	assert_ptr_equal(run_next(0), running);
	dead = spawn(TASK_PRIO_NORMAL, 1);
	assert_int_equal(sched_terminate(dead, 0, NULL), 0);
	clear_pokes();
	assert_false(sched_wake(ready).woken);
	assert_false(sched_wake(running).woken);
	assert_false(sched_wake(dead).woken);
	r = sched_wake(fresh);
	assert_false(r.woken);
	assert_int_equal(r.cpu, TASK_CPU_NONE);
	assert_false(sched_wake(idle_of[2]).woken);
	assert_false(sched_wake_id(TASK_ID_NONE).woken);
	assert_false(sched_wake_id(task_id_make(NSLOTS + 5, 1)).woken);
	assert_int_equal(ready->state, TASK_READY);
	assert_int_equal(rqs[0].nr_ready, 1);
	assert_int_equal(npokes, 0);
	check_all();
}

/* Remote wakes poke only when the wakee outranks the CPU's current. */
static void test_wake_pokes_remote_cpu(void **state)
{
	struct task *hi = spawn(TASK_PRIO_HIGH, 1), *a = spawn(100, 1),
		    *b = spawn(TASK_PRIO_CRITICAL, 1);
	struct sched_wake_ret r;

	(void)state;
	assert_ptr_equal(run_next(1), hi);
	assert_int_equal(block_on(1, task_block(TASK_BLOCK_TIMER, 5)), 0);
	assert_ptr_equal(run_next(1), b);
	assert_int_equal(block_on(1, task_block(TASK_BLOCK_TIMER, 5)), 0);
	assert_ptr_equal(run_next(1), a);
	assert_int_equal(block_on(1, task_block(TASK_BLOCK_TIMER, 6)), 0);
	assert_ptr_equal(run_next(1), idle_of[1]);
	clear_pokes();

	fake_arch_set_cpu(0);
	r = sched_wake(a); /* CPU 1 idles: poke */
	assert_true(r.resched);
	assert_int_equal(pokes[1], 1);
	assert_ptr_equal(run_next(1), a);

	fake_arch_set_cpu(0);
	r = sched_wake(b); /* band 3 over band 1: poke */
	assert_true(r.woken && r.resched);
	assert_int_equal(pokes[1], 2);
	assert_ptr_equal(run_next(1), b);

	fake_arch_set_cpu(0);
	r = sched_wake(hi); /* band 3 over band 3: no poke */
	assert_true(r.woken);
	assert_false(r.resched);
	assert_int_equal(pokes[1], 2);

	/* A local wake raises need_resched without the hook. */
	assert_int_equal(block_on(1, task_block(TASK_BLOCK_TIMER, 7)), 0);
	assert_ptr_equal(run_next(1), hi);
	assert_int_equal(block_on(1, task_block(TASK_BLOCK_TIMER, 7)), 0);
	assert_ptr_equal(run_next(1), a);
	r = sched_wake(b);
	assert_true(r.resched);
	assert_true(sched_need_resched(&rqs[1]));
	assert_int_equal(npokes, 2);
	check_all();
}

/* sched_wake_locked: the timer interrupt's wake under its own lock. */
static void test_wake_locked(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 0);
	struct sched_wake_ret r;
	unsigned long flags;

	(void)state;
	assert_ptr_equal(run_next(0), t);
	assert_int_equal(block_on(0, task_block(TASK_BLOCK_TIMER, 100)), 0);
	assert_ptr_equal(run_next(0), idle_of[0]);
	flags = spin_lock_irqsave(&rqs[0].lock);
	r = sched_wake_locked(&rqs[0], t);
	assert_true(r.woken && r.resched);
	spin_lock(&rqs[1].lock); /* ascending CPU order */
	EXPECT_PANIC(sched_wake_locked(&rqs[1], t), "not homed");
	spin_unlock(&rqs[1].lock);
	spin_unlock_irqrestore(&rqs[0].lock, flags);
	EXPECT_PANIC(sched_wake_locked(&rqs[0], t), "not locked");
	check_all();
}

/* Wake by id: the id's generation is checked under the run-queue lock. */
static void test_wake_id_rejects_stale(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 0), *u;
	task_id_t old = t->id;

	(void)state;
	assert_ptr_equal(run_next(0), t);
	assert_int_equal(block_on(0, task_block(TASK_BLOCK_CHILD, 77)), 0);
	assert_ptr_equal(run_next(0), idle_of[0]);
	assert_true(sched_wake_id(old).woken);
	assert_int_equal(sched_terminate(t, 0, NULL), 0);
	assert_int_equal(task_free(t), 0);

	u = spawn(TASK_PRIO_NORMAL, 0); /* reuses the slot */
	assert_ptr_equal(u, t);
	assert_int_not_equal(u->id, old);
	assert_ptr_equal(run_next(0), u);
	assert_int_equal(block_on(0, task_block(TASK_BLOCK_CHILD, 77)), 0);
	assert_ptr_equal(run_next(0), idle_of[0]);
	assert_false(sched_wake_id(old).woken);
	assert_int_equal(u->state, TASK_BLOCKED);
	assert_true(sched_wake_id(u->id).woken);
	check_all();
}

/* Wake by reason wakes exactly the tasks blocked for that reason. */
static void test_wake_reason_matches_kind_and_arg(void **state)
{
	struct task *t[5];
	static const struct task_block_reason why[5] = {
	    {TASK_BLOCK_IRQ, 5}, {TASK_BLOCK_IRQ, 6}, {TASK_BLOCK_MESSAGE, 5},
	    {TASK_BLOCK_IRQ, 5}, {TASK_BLOCK_IRQ, 5},
	};

	(void)state;
	for (int i = 0; i < 5; i++) {
		unsigned cpu = (unsigned)i % NCPUS;

		t[i] = spawn(TASK_PRIO_NORMAL, cpu);
		assert_ptr_equal(run_next(cpu), t[i]);
		assert_int_equal(block_on(cpu, why[i]), 0);
		assert_ptr_equal(run_next(cpu), idle_of[cpu]);
	}
	/* t[4] is suspended while blocked: woken too, stays suspended. */
	assert_int_equal(sched_suspend(t[4]), 0);
	fake_arch_set_cpu(0);
	assert_int_equal(sched_wake_reason(task_block(TASK_BLOCK_IRQ, 5)), 3);
	assert_int_equal(t[0]->state, TASK_READY);
	assert_int_equal(t[1]->state, TASK_BLOCKED);
	assert_int_equal(t[2]->state, TASK_BLOCKED);
	assert_int_equal(t[3]->state, TASK_READY);
	assert_int_equal(t[4]->state, TASK_SUSPENDED);
	assert_int_equal(sched_resume(t[4]), 0);
	assert_int_equal(t[4]->state, TASK_READY);
	assert_int_equal(sched_wake_reason(task_block(TASK_BLOCK_IRQ, 5)), 0);
	assert_int_equal(sched_wake_reason(task_block(TASK_BLOCK_NONE, 0)), 0);
	check_all();
}

/* Boot modules start blocked on the boot gate (SUSPENDED -> BLOCKED). */
static void test_start_blocked_boot_gate(void **state)
{
	struct task *t = new_task(TASK_PRIO_NORMAL);

	(void)state;
	assert_int_equal(
	    sched_start_blocked(t, 3, task_block(TASK_BLOCK_BOOT_GATE, 0)), 0);
	assert_int_equal(t->state, TASK_BLOCKED);
	assert_int_equal(t->block.kind, TASK_BLOCK_BOOT_GATE);
	assert_false(t->on_queue);
	assert_int_equal(t->home_cpu, 3);
	check_all();
	assert_int_equal(sched_wake_reason(task_block(TASK_BLOCK_BOOT_GATE, 0)),
			 1);
	assert_ptr_equal(pick_on(3), t);
	check_all();
}

/* ---- transitions ----------------------------------------------------- */

/* The legal-transition table is exactly the spec's (plus SUSP -> TERM). */
static void test_transition_table(void **state)
{
	enum {
		RD = TASK_READY,
		RN = TASK_RUNNING,
		BL = TASK_BLOCKED,
		SU = TASK_SUSPENDED,
		TE = TASK_TERMINATED
	};
	/* Rows: from; columns: to.  FREE is outside the life cycle. */
	static const bool legal[TASK_STATE_COUNT][TASK_STATE_COUNT] = {
	    [RD] = {[RN] = true, [SU] = true, [TE] = true},
	    [RN] = {[RD] = true, [BL] = true, [SU] = true, [TE] = true},
	    [BL] = {[RD] = true, [SU] = true, [TE] = true},
	    [SU] = {[RD] = true, [BL] = true, [TE] = true},
	};

	(void)state;
	for (int from = 0; from < TASK_STATE_COUNT; from++)
		for (int to = 0; to < TASK_STATE_COUNT; to++)
			if (task_state_legal(from, to) != legal[from][to])
				fail_msg("%s -> %s", task_state_name(from),
					 task_state_name(to));
	assert_false(task_state_legal(TASK_STATE_COUNT, TASK_READY));
	assert_string_equal(task_state_name(TASK_BLOCKED), "BLOCKED");
	assert_string_equal(task_state_name(TASK_STATE_COUNT), "?");
	assert_string_equal(task_block_kind_name(TASK_BLOCK_BOOT_GATE),
			    "BOOT_GATE");
	assert_string_equal(task_block_kind_name(TASK_BLOCK_KIND_COUNT), "?");
}

/* Calls that would make an illegal transition fail and change nothing. */
static void test_illegal_transitions_rejected(void **state)
{
	struct task *r = spawn(TASK_PRIO_NORMAL, 0), *s = spawn(100, 1),
		    *d = spawn(100, 1), *fresh = new_task(100);

	(void)state;
	assert_int_equal(sched_resume(r), -EINVAL); /* READY */
	assert_int_equal(sched_suspend(s), 0);
	assert_int_equal(sched_suspend(s), -EINVAL); /* already */
	assert_int_equal(sched_migrate(s, 0), -EINVAL);
	assert_int_equal(sched_terminate(d, 1, NULL), 0);
	assert_int_equal(sched_terminate(d, 2, NULL), -EINVAL);
	assert_int_equal(d->exit_code, 1);
	assert_int_equal(sched_suspend(d), -EINVAL);
	assert_int_equal(sched_resume(d), -EINVAL);
	assert_int_equal(sched_set_priority(d, 5), -EINVAL);
	assert_int_equal(sched_set_pinned(d, true), -EINVAL);
	assert_int_equal(sched_migrate(d, 0), -EINVAL);
	assert_false(sched_wake(d).woken);
	/* Never started: only start, free and field setters apply. */
	assert_int_equal(sched_suspend(fresh), -EINVAL);
	assert_int_equal(sched_resume(fresh), -EINVAL);
	assert_int_equal(sched_terminate(fresh, 0, NULL), -EINVAL);
	assert_int_equal(sched_migrate(fresh, 0), -EINVAL);
	assert_int_equal(sched_set_priority(fresh, 200), 0);
	assert_int_equal(fresh->priority, 200);
	assert_int_equal(fresh->state, TASK_SUSPENDED);
	check_all();
}

/* A forced illegal transition, or misuse of the queues, panics. */
static void test_kassert_illegal_state_change(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 0), *u = spawn(100, 1);
	unsigned long flags;

	(void)state;
	/* A queued task marked TERMINATED behind the scheduler's back... */
	flags = spin_lock_irqsave(&rqs[0].lock);
	t->state = TASK_TERMINATED;
	/* ...cannot be switched to: TERMINATED -> RUNNING. */
	EXPECT_PANIC(sched_switch_prepare(&rqs[0]), "illegal transition");
	spin_unlock_irqrestore(&rqs[0].lock, flags);

	/* Queueing twice, and dequeuing what is not queued. */
	fake_arch_set_cpu(1);
	flags = spin_lock_irqsave(&rqs[1].lock);
	EXPECT_PANIC(sched_enqueue(&rqs[1], u), "not enqueueable");
	sched_dequeue(&rqs[1], u);
	EXPECT_PANIC(sched_dequeue(&rqs[1], u), "not queued");
	sched_enqueue(&rqs[1], u);
	/* Another CPU's task. */
	spin_lock(&rqs[2].lock);
	EXPECT_PANIC(sched_dequeue(&rqs[2], u), "not queued");
	spin_unlock(&rqs[2].lock);
	spin_unlock_irqrestore(&rqs[1].lock, flags);
}

/* Precondition checks: lock held, right CPU, switch finished. */
static void test_kassert_preconditions(void **state)
{
	struct runqueue *rq = &rqs[0];
	unsigned long flags;

	(void)state;
	EXPECT_PANIC(sched_tick(rq), "not locked");
	EXPECT_PANIC(sched_switch_prepare(rq), "not locked");
	EXPECT_PANIC(sched_pick_next(rq), "not locked");
	EXPECT_PANIC(
	    (void)sched_block_current(rq, task_block(TASK_BLOCK_IRQ, 1)),
	    "not locked");
	EXPECT_PANIC((void)sched_check_invariants(rq, NULL), "not locked");

	/* Another CPU's run queue. */
	fake_arch_set_cpu(1);
	flags = spin_lock_irqsave(&rq->lock);
	EXPECT_PANIC(sched_switch_prepare(rq), "not this CPU");
	EXPECT_PANIC(
	    (void)sched_block_current(rq, task_block(TASK_BLOCK_IRQ, 1)),
	    "not this CPU");
	spin_unlock_irqrestore(&rq->lock, flags);
	EXPECT_PANIC(sched_switch_finish(rq), "not this CPU");

	/* prepare twice without finishing the first switch. */
	fake_arch_set_cpu(0);
	spawn(TASK_PRIO_NORMAL, 0);
	flags = spin_lock_irqsave(&rq->lock);
	(void)sched_switch_prepare(rq);
	EXPECT_PANIC(sched_switch_prepare(rq), "not finished");
	spin_unlock_irqrestore(&rq->lock, flags);
	assert_ptr_equal(sched_switch_finish(rq), NULL);
	check_all();
}

/* ---- the idle task --------------------------------------------------- */

/* The idle task is never blocked, terminated, suspended or migrated. */
static void test_idle_is_untouchable(void **state)
{
	struct task *idle = idle_of[0];
	unsigned long flags;

	(void)state;
	flags = spin_lock_irqsave(&rqs[0].lock);
	EXPECT_PANIC(
	    (void)sched_block_current(&rqs[0], task_block(TASK_BLOCK_IRQ, 1)),
	    "idle task blocks");
	spin_unlock_irqrestore(&rqs[0].lock, flags);
	assert_int_equal(sched_terminate(idle, 0, NULL), -EPERM);
	assert_int_equal(sched_suspend(idle), -EPERM);
	assert_int_equal(sched_migrate(idle, 1), -EPERM);
	assert_int_equal(sched_set_priority(idle, 200), -EPERM);
	assert_int_equal(sched_set_pinned(idle, false), -EPERM);
	assert_int_equal(task_free(idle), -EPERM);
	assert_int_equal(idle->state, TASK_RUNNING);
	assert_int_equal(idle->priority, TASK_PRIO_IDLE);
	/* Not running, it is READY but never queued, and balancing skips it. */
	spawn(TASK_PRIO_NORMAL, 0);
	assert_false(run_next(0)->idle);
	assert_int_equal(idle->state, TASK_READY);
	assert_false(idle->on_queue);
	assert_int_equal(sched_migrate(idle, 1), -EPERM);
	assert_int_equal(sched_balance(NULL), -ENOENT);
	check_all();
}

/* ---- termination ----------------------------------------------------- */

/* A READY task terminated leaves its band at once (the original's bug). */
static void test_terminate_ready_dequeues(void **state)
{
	struct task *a = spawn(TASK_PRIO_NORMAL, 0),
		    *b = spawn(TASK_PRIO_NORMAL, 0),
		    *c = spawn(TASK_PRIO_HIGH, 0);
	bool off = false;

	(void)state;
	assert_int_equal(sched_terminate(c, -1, &off), 0);
	assert_true(off);
	assert_int_equal(sched_terminate(a, 0, NULL), 0);
	assert_int_equal(rqs[0].nr_ready, 1);
	assert_int_equal(rqs[0].band_mask, 1u << 2);
	assert_false(a->on_queue || c->on_queue);
	check_all();
	assert_ptr_equal(run_next(0), b);
	assert_ptr_equal(run_next(0), b);
	assert_int_equal(task_free(a), 0);
	assert_int_equal(task_free(c), 0);
	check_all();
}

/* A task running on another CPU dies when that CPU switches away. */
static void test_terminate_remote_running(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 2), *zombie = NULL;
	bool off = true;

	(void)state;
	assert_ptr_equal(run_next(2), t);
	fake_arch_set_cpu(0);
	clear_pokes();
	assert_int_equal(sched_terminate(t, 7, &off), 0);
	assert_false(off);
	assert_int_equal(pokes[2], 1);
	assert_true(sched_need_resched(&rqs[2]));
	assert_ptr_equal(rqs[2].current, t);
	check_all();
	assert_int_equal(task_free(t), -EBUSY);
	assert_true(tick_on(2));
	(void)schedule_on(2, &zombie);
	assert_ptr_equal(zombie, t);
	assert_false(t->on_cpu);
	assert_int_equal(task_free(t), 0);
	check_all();
}

/* A blocked task on a wait queue is taken off it when terminated. */
static void test_terminate_blocked_leaves_waitq(void **state)
{
	static struct waitq wq = WAITQ_INIT("test");
	struct task *t = spawn(TASK_PRIO_NORMAL, 1);
	bool off = false;

	(void)state;
	waitq_init(&wq, "test");
	assert_ptr_equal(run_next(1), t);
	arch_irq_disable();
	assert_int_equal(
	    waitq_prepare_wait(&wq, task_block(TASK_BLOCK_SYNC_RECV, 3)), 0);
	arch_irq_enable();
	assert_ptr_equal(run_next(1), idle_of[1]);
	assert_int_equal(waitq_count(&wq), 1);
	assert_int_equal(sched_terminate(t, 0, &off), 0);
	assert_true(off);
	assert_int_equal(waitq_count(&wq), 0);
	assert_null(t->wq);
	assert_int_equal(waitq_wake_all(&wq), 0);
	assert_int_equal(task_free(t), 0);
	check_all();
}

/* Suspended tasks can be killed (a deviation from the spec's table). */
static void test_terminate_suspended(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 1);

	(void)state;
	assert_int_equal(sched_suspend(t), 0);
	assert_int_equal(sched_terminate(t, 3, NULL), 0);
	assert_int_equal(t->state, TASK_TERMINATED);
	assert_int_equal(task_free(t), 0);
	check_all();
}

/* A task that exits itself is handed over by the next switch's finish. */
static void test_exit_self(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 3), *zombie = NULL;
	bool off = true;

	(void)state;
	assert_ptr_equal(run_next(3), t);
	clear_pokes();
	assert_int_equal(sched_terminate(t, 0, &off), 0);
	assert_false(off);
	assert_int_equal(npokes, 0); /* local */
	assert_true(tick_on(3));
	assert_ptr_equal(schedule_on(3, &zombie).next, idle_of[3]);
	assert_ptr_equal(zombie, t);
	/* Nothing to hand over on the next switch. */
	spawn(TASK_PRIO_LOW, 3);
	assert_ptr_equal(schedule_on(3, &zombie).prev, idle_of[3]);
	assert_null(zombie);
	check_all();
}

/* ---- suspension ------------------------------------------------------ */

/* READY -> SUSPENDED -> READY, leaving and re-joining its band. */
static void test_suspend_resume_ready(void **state)
{
	struct task *a = spawn(TASK_PRIO_NORMAL, 0),
		    *b = spawn(TASK_PRIO_NORMAL, 0);

	(void)state;
	assert_int_equal(sched_suspend(a), 0);
	assert_false(a->on_queue);
	assert_int_equal(rqs[0].nr_ready, 1);
	check_all();
	assert_int_equal(sched_resume(a), 0);
	assert_int_equal(a->state, TASK_READY);
	/* Resumed to the tail, behind b. */
	assert_ptr_equal(run_next(0), b);
	assert_ptr_equal(run_next(0), a);
	check_all();
}

/* A blocked task suspended returns BLOCKED, unless a wake came meanwhile. */
static void test_suspend_blocked(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 0);

	(void)state;
	assert_ptr_equal(run_next(0), t);
	assert_int_equal(block_on(0, task_block(TASK_BLOCK_POLICY, 11)), 0);
	assert_ptr_equal(run_next(0), idle_of[0]);
	assert_int_equal(sched_suspend(t), 0);
	assert_int_equal(t->block.kind, TASK_BLOCK_NONE);
	assert_int_equal(t->suspended.kind, TASK_BLOCK_POLICY);
	check_all();
	assert_int_equal(sched_resume(t), 0);
	assert_int_equal(t->state, TASK_BLOCKED);
	assert_int_equal(t->block.kind, TASK_BLOCK_POLICY);
	assert_int_equal(t->block.arg, 11);
	check_all();

	assert_int_equal(sched_suspend(t), 0);
	assert_true(sched_wake(t).woken);
	assert_int_equal(t->state, TASK_SUSPENDED);
	assert_int_equal(t->suspended.kind, TASK_BLOCK_NONE);
	assert_false(sched_wake(t).woken);
	check_all();
	assert_int_equal(sched_resume(t), 0);
	assert_int_equal(t->state, TASK_READY);
	check_all();
}

/* A running task suspended leaves at its CPU's next switch. */
static void test_suspend_running(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 1);

	(void)state;
	assert_ptr_equal(run_next(1), t);
	fake_arch_set_cpu(0);
	clear_pokes();
	assert_int_equal(sched_suspend(t), 0);
	assert_int_equal(pokes[1], 1);
	assert_ptr_equal(rqs[1].current, t);
	check_all();
	/* Resumed before it switched: it just keeps running. */
	assert_int_equal(sched_resume(t), 0);
	assert_int_equal(t->state, TASK_RUNNING);
	assert_int_equal(sched_suspend(t), 0);
	assert_ptr_equal(run_next(1), idle_of[1]);
	assert_false(t->on_queue);
	check_all();
	fake_arch_set_cpu(0);
	assert_int_equal(sched_resume(t), 0);
	assert_ptr_equal(run_next(1), t);
	check_all();
}

/* ---- priorities ------------------------------------------------------ */

/* A queued task changing band moves to the new band's tail. */
static void test_set_priority_moves_band(void **state)
{
	struct task *a = spawn(TASK_PRIO_LOW, 0), *b = spawn(TASK_PRIO_HIGH, 0),
		    *c = spawn(TASK_PRIO_HIGH, 0);

	(void)state;
	assert_int_equal(sched_set_priority(a, TASK_PRIO_CRITICAL), 0);
	assert_int_equal(rqs[0].band_mask, 1u << 3);
	check_all();
	assert_ptr_equal(run_next(0), b);
	assert_int_equal(block_on(0, task_block(TASK_BLOCK_IRQ, 0)), 0);
	assert_ptr_equal(run_next(0), c);
	assert_int_equal(block_on(0, task_block(TASK_BLOCK_IRQ, 0)), 0);
	assert_ptr_equal(run_next(0), a);
	check_all();
}

/* Same band: the task keeps its place in the FIFO. */
static void test_set_priority_same_band_keeps_place(void **state)
{
	struct task *a = spawn(130, 0), *b = spawn(140, 0);

	(void)state;
	assert_int_equal(sched_set_priority(a, 190), 0);
	assert_int_equal(a->priority, 190);
	assert_ptr_equal(pick_on(0), a);
	assert_ptr_equal(task_of_rq_link(rqs[0].bands[2].tail), b);
	check_all();
}

/* Demoting the running task below a READY one asks for a switch. */
static void test_set_priority_reschedules(void **state)
{
	struct task *run = spawn(TASK_PRIO_HIGH, 1),
		    *wait = spawn(TASK_PRIO_NORMAL, 1);

	(void)state;
	assert_ptr_equal(run_next(1), run);
	fake_arch_set_cpu(0);
	clear_pokes();
	assert_int_equal(sched_set_priority(run, TASK_PRIO_LOW), 0);
	assert_true(sched_need_resched(&rqs[1]));
	assert_int_equal(pokes[1], 1);
	assert_ptr_equal(run_next(1), wait);
	/* Promoting a queued task over the running one, too. */
	fake_arch_set_cpu(0);
	assert_int_equal(sched_set_priority(run, TASK_PRIO_CRITICAL), 0);
	assert_int_equal(pokes[1], 2);
	assert_ptr_equal(run_next(1), run);
	check_all();
}

/* ---- migration ------------------------------------------------------- */

/* A READY task moves to the other queue; counts and home follow. */
static void test_migrate_ready(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 3);
	task_id_t id = t->id;

	(void)state;
	spawn(TASK_PRIO_NORMAL, 1);
	assert_false(run_next(1)->idle);
	clear_pokes();
	fake_arch_set_cpu(0);
	/* From CPU 3 to CPU 1: the lower CPU's lock is taken first. */
	assert_int_equal(sched_migrate(t, 1), 0);
	assert_int_equal(t->home_cpu, 1);
	assert_int_equal(t->id, id);
	assert_int_equal(rqs[3].nr_ready, 0);
	assert_int_equal(rqs[1].nr_ready, 1);
	assert_int_equal(npokes, 0); /* CPU 1 runs a task of the same band */
	assert_int_equal(sched_migrate(t, 1), 0); /* already there */
	check_all();
	assert_int_equal(sched_migrate(t, 2), 0); /* CPU 2 idles: poke */
	assert_int_equal(pokes[2], 1);
	assert_ptr_equal(run_next(2), t);
	check_all();
}

/* Pinned, idle, running, switching, blocked and bad targets are refused. */
static void test_migrate_refusals(void **state)
{
	struct task *pinned = spawn(TASK_PRIO_NORMAL, 0),
		    *run = spawn(TASK_PRIO_HIGH, 1),
		    *blk = spawn(TASK_PRIO_HIGH, 2);
	unsigned long flags;

	(void)state;
	assert_int_equal(sched_set_pinned(pinned, true), 0);
	assert_int_equal(sched_migrate(pinned, 1), -EPERM);
	assert_int_equal(sched_set_pinned(pinned, false), 0);
	assert_int_equal(sched_migrate(idle_of[2], 1), -EPERM);
	assert_ptr_equal(run_next(1), run);
	fake_arch_set_cpu(0);
	assert_int_equal(sched_migrate(run, 0), -EBUSY);
	assert_ptr_equal(run_next(2), blk);
	assert_int_equal(block_on(2, task_block(TASK_BLOCK_IRQ, 3)), 0);
	assert_ptr_equal(run_next(2), idle_of[2]);
	fake_arch_set_cpu(0);
	assert_int_equal(sched_migrate(blk, 0), -EINVAL);
	assert_int_equal(sched_migrate(pinned, NCPUS), -EINVAL);
	assert_int_equal(sched_migrate(pinned, MAX_CPUS + 3), -EINVAL);

	/* Preempted but its CPU has not finished the switch: -EBUSY. */
	fake_arch_set_cpu(1);
	spawn(TASK_PRIO_HIGH, 1);
	flags = spin_lock_irqsave(&rqs[1].lock);
	(void)sched_switch_prepare(&rqs[1]);
	spin_unlock(&rqs[1].lock);
	assert_int_equal(run->state, TASK_READY);
	assert_true(run->on_cpu);
	assert_int_equal(sched_migrate(run, 3), -EBUSY);
	(void)sched_switch_finish(&rqs[1]);
	arch_irq_restore(flags);
	assert_int_equal(sched_migrate(run, 3), 0);
	assert_int_equal(rqs[0].nr_ready, 1);
	check_all();
}

/* ---- balancing ------------------------------------------------------- */

/* The pure decision over a table of load vectors. */
static void test_balance_decide_table(void **state)
{
	static const struct {
		int32_t counts[6];
		unsigned n;
		bool move;
		unsigned src, dst;
	} cases[] = {
	    {{0}, 1, false, 0, 0},
	    {{0, 0}, 2, false, 0, 0},
	    {{1, 0}, 2, false, 0, 0},
	    {{2, 0}, 2, true, 0, 1},
	    {{0, 2}, 2, true, 1, 0},
	    {{3, 2, 1}, 3, true, 0, 2},
	    {{2, 1, 2, 1}, 4, false, 0, 0},
	    {{5, 5, 3, 3}, 4, true, 0, 2}, /* first max, first min */
	    {{4, -1, 0}, 3, true, 0, 2},   /* unknown CPU skipped */
	    {{4, -1, 3}, 3, false, 0, 0},
	    {{-1, -1}, 2, false, 0, 0},
	    {{0, 0, 0, 0, 0, 9}, 6, true, 5, 0},
	    {{7, 6, 7, 6, 7, 6}, 6, false, 0, 0},
	    {{0}, 0, false, 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned src = 99, dst = 99;
		bool move = sched_balance_decide(cases[i].counts, cases[i].n,
						 &src, &dst);

		if (move != cases[i].move)
			fail_msg("case %zu: move %d", i, move);
		if (move && (src != cases[i].src || dst != cases[i].dst))
			fail_msg("case %zu: %u -> %u", i, src, dst);
		if (!move && (src != 99 || dst != 99))
			fail_msg("case %zu: outputs written", i);
	}
}

/* One step moves one migratable task from the busiest to the idlest. */
static void test_balance_moves_one(void **state)
{
	struct task *pin, *t[4];
	struct sched_balance_ret out = {0};

	(void)state;
	pin = spawn(TASK_PRIO_HIGH, 0);
	assert_int_equal(sched_set_pinned(pin, true), 0);
	for (int i = 0; i < 4; i++)
		t[i] = spawn(i < 2 ? TASK_PRIO_NORMAL : TASK_PRIO_LOW, 0);
	for (unsigned cpu = 1; cpu < NCPUS; cpu++)
		spawn(TASK_PRIO_NORMAL, cpu);
	/* Loads 5,1,1,1: the first pinned-free task of the highest band. */
	assert_int_equal(sched_balance(&out), 0);
	assert_int_equal(out.src, 0);
	assert_int_equal(out.dst, 1);
	assert_int_equal(out.moved, t[0]->id);
	assert_int_equal(t[0]->home_cpu, 1);
	assert_int_equal(runnable_on(0), 4);
	assert_int_equal(runnable_on(1), 2);
	check_all();
	/* 4,2,1,1 -> 3,2,2,1 -> 2,2,2,2: then balanced. */
	assert_int_equal(sched_balance(&out), 0);
	assert_int_equal(out.dst, 2);
	assert_int_equal(sched_balance(&out), 0);
	assert_int_equal(out.dst, 3);
	assert_int_equal(sched_balance(&out), -ENOENT);
	for (unsigned cpu = 0; cpu < NCPUS; cpu++)
		assert_int_equal(runnable_on(cpu), 2);
	assert_int_equal(pin->home_cpu, 0);
	check_all();
}

/* Nothing movable, or busy locks: no move, and never a wait. */
static void test_balance_nothing_to_move(void **state)
{
	unsigned long flags;

	(void)state;
	assert_int_equal(sched_balance(NULL), -ENOENT); /* all idle */
	for (int i = 0; i < 3; i++)
		assert_int_equal(
		    sched_set_pinned(spawn(TASK_PRIO_NORMAL, 2), true), 0);
	assert_int_equal(sched_balance(NULL), -ENOENT); /* all pinned */

	/* CPU 2's lock held by CPU 2: it is skipped, never waited for. */
	fake_arch_set_cpu(2);
	flags = spin_lock_irqsave(&rqs[2].lock);
	fake_arch_set_cpu(0);
	unsigned long spins = fake_arch_relax_calls();

	assert_int_equal(sched_balance(NULL), -ENOENT);
	assert_int_equal(fake_arch_relax_calls(), spins);
	fake_arch_set_cpu(2);
	spin_unlock_irqrestore(&rqs[2].lock, flags);
	check_all();
}

/* ---- invariant checker ----------------------------------------------- */

/* Each kind of corruption is reported, and undoing it clears the report. */
static void test_invariants_detect_corruption(void **state)
{
	struct task *a = spawn(TASK_PRIO_NORMAL, 0),
		    *b = spawn(TASK_PRIO_LOW, 0), *c = spawn(TASK_PRIO_HIGH, 0);
	struct runqueue *rq = &rqs[0];
	const char *why;
	unsigned long flags;

	(void)state;
	assert_ptr_equal(run_next(0), c);
	flags = spin_lock_irqsave(&rq->lock);
	assert_true(sched_check_invariants(rq, &why));
	assert_null(why);

#define CORRUPT(stmt, undo, text)                                              \
	do {                                                                   \
		stmt;                                                          \
		assert_false(sched_check_invariants(rq, &why));                \
		assert_non_null(why);                                          \
		if (!strstr(why, (text)))                                      \
			fail_msg("got \"%s\", wanted \"%s\"", why, (text));    \
		undo;                                                          \
		assert_true(sched_check_invariants(rq, &why));                 \
	} while (0)

	CORRUPT(rq->band_mask |= 1, rq->band_mask &= ~1u, "bitmap");
	CORRUPT(rq->nr_ready++, rq->nr_ready--, "nr_ready");
	CORRUPT(a->state = TASK_BLOCKED, a->state = TASK_READY, "queued task");
	CORRUPT(b->state = TASK_RUNNING, b->state = TASK_READY, "queued task");
	CORRUPT(a->priority = TASK_PRIO_HIGH, a->priority = TASK_PRIO_NORMAL,
		"wrong band");
	CORRUPT(c->block.kind = TASK_BLOCK_IRQ, c->block.kind = TASK_BLOCK_NONE,
		"block reason");
	CORRUPT(c->state = TASK_READY, c->state = TASK_RUNNING, "current");
	CORRUPT(idle_of[0]->state = TASK_BLOCKED,
		idle_of[0]->state = TASK_READY, "idle");
	CORRUPT(idle_of[0]->on_queue = true, idle_of[0]->on_queue = false,
		"idle");
	CORRUPT(rq->current = NULL, rq->current = c, "current");
	CORRUPT(rq->bands[2].count++, rq->bands[2].count--, "count");
	CORRUPT(rq->bands[1].head->prev = rq->bands[1].head,
		rq->bands[1].head->prev = NULL, "prev link");
	CORRUPT(c->slice = TASK_SLICE_TICKS + 1, c->slice = 1, "slice");
	CORRUPT(idle_of[0]->on_cpu = true, idle_of[0]->on_cpu = false,
		"on_cpu");
	CORRUPT(c->suspended.kind = TASK_BLOCK_IRQ,
		c->suspended.kind = TASK_BLOCK_NONE, "saved block");
#undef CORRUPT
	spin_unlock_irqrestore(&rq->lock, flags);

	/* A READY task that fell off its queue, seen through the table. */
	flags = spin_lock_irqsave(&rq->lock);
	sched_dequeue(rq, a);
	assert_false(sched_check_invariants(rq, &why));
	assert_non_null(strstr(why, "READY"));
	sched_enqueue(rq, a);
	assert_true(sched_check_invariants(rq, NULL));
	spin_unlock_irqrestore(&rq->lock, flags);
}

/* ---- random operation sequences against a shadow model -------------- */

#include "tests/unit/sched_model.h"

static void test_random_seed_1(void **state)
{
	(void)state;
	model_run(1, 6000);
}

static void test_random_seed_2(void **state)
{
	(void)state;
	model_run(0xC0FFEE, 6000);
}

static void test_random_seed_3(void **state)
{
	(void)state;
	model_run(20250101, 6000);
}

static void test_random_seed_4(void **state)
{
	(void)state;
	model_run(0xDEADBEEF, 6000);
}

static void test_random_seed_5_long(void **state)
{
	(void)state;
	model_run(77, 30000);
}

#define T(fn) cmocka_unit_test_setup(fn, machine_setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_rq_init_idle_is_current),
	    T(test_rq_init_errors),
	    T(test_start_makes_ready),
	    T(test_full_life_cycle),
	    T(test_band_mapping),
	    T(test_pick_highest_band_first),
	    T(test_pick_is_a_peek_and_bitmap_tracks),
	    T(test_round_robin_within_band),
	    T(test_slice_renewed_when_alone),
	    T(test_tick_higher_band_preempts),
	    T(test_tick_idle_yields_to_work),
	    T(test_slice_reset_on_wake_and_reschedule),
	    T(test_handoff_runs_receiver_sender_keeps_turn),
	    T(test_handoff_leaves_wait_queue),
	    T(test_handoff_refusals),
	    T(test_try_switch_to),
	    T(test_block_wake_every_kind),
	    T(test_block_invalid_reason),
	    T(test_wake_before_switch_undoes_block),
	    T(test_wake_not_waiting_is_noop),
	    T(test_wake_pokes_remote_cpu),
	    T(test_wake_locked),
	    T(test_wake_id_rejects_stale),
	    T(test_wake_reason_matches_kind_and_arg),
	    T(test_start_blocked_boot_gate),
	    T(test_transition_table),
	    T(test_illegal_transitions_rejected),
	    T(test_kassert_illegal_state_change),
	    T(test_kassert_preconditions),
	    T(test_idle_is_untouchable),
	    T(test_terminate_ready_dequeues),
	    T(test_terminate_remote_running),
	    T(test_terminate_blocked_leaves_waitq),
	    T(test_terminate_suspended),
	    T(test_exit_self),
	    T(test_suspend_resume_ready),
	    T(test_suspend_blocked),
	    T(test_suspend_running),
	    T(test_set_priority_moves_band),
	    T(test_set_priority_same_band_keeps_place),
	    T(test_set_priority_reschedules),
	    T(test_migrate_ready),
	    T(test_migrate_refusals),
	    T(test_balance_decide_table),
	    T(test_balance_moves_one),
	    T(test_balance_nothing_to_move),
	    T(test_invariants_detect_corruption),
	    T(test_random_seed_1),
	    T(test_random_seed_2),
	    T(test_random_seed_3),
	    T(test_random_seed_4),
	    T(test_random_seed_5_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
