/*
 * tests/unit/waitq_test.c - wait queues: FIFO wake order, wake one/all,
 * the prepare/check/switch/finish protocol, races simulated by
 * interleaving the steps of waiters and wakers on several fake CPUs,
 * suspension, timeouts and termination while waiting.
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

static struct waitq wq, wq2; /* reset by setup */

static int setup(void **state)
{
	waitq_init(&wq, "wq");
	waitq_init(&wq2, "wq2");
	return machine_setup(state);
}

static const struct task_block_reason why_msg = {TASK_BLOCK_MESSAGE, 7};

/* Make t (READY on cpu, the only one there) run and wait on q. */
static void wait_on(struct waitq *q, unsigned cpu, struct task *t)
{
	assert_ptr_equal(run_next(cpu), t);
	arch_irq_disable();
	assert_int_equal(waitq_prepare_wait(q, why_msg), 0);
	arch_irq_enable();
	assert_ptr_equal(run_next(cpu), idle_of[cpu]);
}

static void check_queues(void)
{
	const char *why = NULL;

	check_all();
	if (!waitq_check(&wq, &why) || !waitq_check(&wq2, &why))
		fail_msg("waitq: %s", why);
}

/* A new queue is empty; waking it wakes nobody. */
static void test_empty_queue(void **state)
{
	static struct waitq st = WAITQ_INIT("static");

	(void)state;
	assert_int_equal(waitq_count(&wq), 0);
	assert_int_equal(waitq_wake_one(&wq), 0);
	assert_int_equal(waitq_wake_all(&wq), 0);
	assert_true(waitq_check(&st, NULL));
	assert_int_equal(waitq_count(&st), 0);
	assert_int_equal(waitq_wake_all(&st), 0);
	check_queues();
}

/* prepare_wait blocks current with the reason and queues it. */
static void test_prepare_wait_blocks(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 1);

	(void)state;
	assert_ptr_equal(run_next(1), t);
	arch_irq_disable();
	assert_int_equal(waitq_prepare_wait(&wq, why_msg), 0);
	assert_int_equal(t->state, TASK_BLOCKED);
	assert_int_equal(t->block.kind, TASK_BLOCK_MESSAGE);
	assert_int_equal(t->block.arg, 7);
	assert_ptr_equal(t->wq, &wq);
	assert_ptr_equal(rqs[1].current, t); /* until it switches */
	assert_true(sched_need_resched(&rqs[1]));
	assert_false(fake_arch_irq_enabled_on(1)); /* left as it was */
	arch_irq_enable();
	assert_int_equal(waitq_count(&wq), 1);
	check_queues();
	assert_ptr_equal(run_next(1), idle_of[1]);
	check_queues();
}

/* wake_one wakes the longest waiter first, one per call. */
static void test_wake_one_fifo(void **state)
{
	struct task *t[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		t[i] = spawn(TASK_PRIO_NORMAL, (unsigned)i);
		wait_on(&wq, (unsigned)i, t[i]);
	}
	fake_arch_set_cpu(0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(waitq_count(&wq), 4 - i);
		assert_int_equal(waitq_wake_one(&wq), 1);
		assert_int_equal(t[i]->state, TASK_READY);
		for (int j = i + 1; j < 4; j++)
			assert_int_equal(t[j]->state, TASK_BLOCKED);
		check_queues();
	}
	assert_int_equal(waitq_wake_one(&wq), 0);
}

/* wake_all wakes everybody, oldest first (their band FIFO shows it). */
static void test_wake_all_in_order(void **state)
{
	struct task *t[5];

	(void)state;
	for (int i = 0; i < 5; i++) {
		t[i] = spawn(TASK_PRIO_NORMAL, 2);
		wait_on(&wq, 2, t[i]);
	}
	fake_arch_set_cpu(3);
	clear_pokes();
	assert_int_equal(waitq_wake_all(&wq), 5);
	assert_int_equal(pokes[2], 1); /* the first wake: CPU 2 idled */
	assert_int_equal(waitq_count(&wq), 0);
	for (int i = 0; i < 5; i++)
		assert_ptr_equal(run_next(2), t[i]);
	assert_int_equal(waitq_wake_all(&wq), 0);
	check_queues();
}

/* The condition came true after queuing: finish_wait undoes the wait. */
static void test_condition_true_cancels(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 0);

	(void)state;
	assert_ptr_equal(run_next(0), t);
	arch_irq_disable();
	assert_int_equal(waitq_prepare_wait(&wq, why_msg), 0);
	/* condition true -> */
	assert_false(waitq_finish_wait(&wq));
	arch_irq_enable();
	assert_int_equal(t->state, TASK_RUNNING);
	assert_int_equal(t->block.kind, TASK_BLOCK_NONE);
	assert_null(t->wq);
	assert_int_equal(waitq_count(&wq), 0);
	check_queues();
	assert_int_equal(waitq_wake_one(&wq), 0);
	assert_ptr_equal(run_next(0), t); /* the pending resched: a yield */
}

/*
 * Race 1: the waker runs on another CPU between the waiter's prepare and
 * its switch.  The wake finds the waiter queued and undoes the block; the
 * waiter's switch is a mere yield and it runs on.
 */
static void test_race_wake_between_prepare_and_switch(void **state)
{
	struct task *w = spawn(TASK_PRIO_NORMAL, 0);
	int cond = 0;

	(void)state;
	assert_ptr_equal(run_next(0), w);
	arch_irq_disable();
	assert_int_equal(waitq_prepare_wait(&wq, why_msg), 0);
	/* waiter checks: cond == 0, decides to switch ... */
	assert_int_equal(cond, 0);
	/* ... but CPU 1 posts first. */
	fake_arch_set_cpu(1);
	cond = 1;
	assert_int_equal(waitq_wake_one(&wq), 1);
	assert_int_equal(w->state, TASK_RUNNING);
	/* Back on CPU 0: the switch keeps w, finish reports the wake. */
	fake_arch_set_cpu(0);
	assert_ptr_equal(schedule_on(0, NULL).next, w);
	assert_true(waitq_finish_wait(&wq));
	arch_irq_enable();
	assert_int_equal(cond, 1);
	check_queues();
}

/*
 * Race 2: the waker posts and wakes before the waiter queues; the wake
 * finds nobody, and the waiter's check after queuing sees the condition.
 */
static void test_race_wake_before_prepare(void **state)
{
	struct task *w = spawn(TASK_PRIO_NORMAL, 0);
	int cond = 0;

	(void)state;
	assert_ptr_equal(run_next(0), w);
	fake_arch_set_cpu(1);
	cond = 1;
	assert_int_equal(waitq_wake_one(&wq), 0);
	fake_arch_set_cpu(0);
	arch_irq_disable();
	assert_int_equal(waitq_prepare_wait(&wq, why_msg), 0);
	assert_int_equal(cond, 1);
	assert_false(waitq_finish_wait(&wq));
	arch_irq_enable();
	assert_int_equal(w->state, TASK_RUNNING);
	check_queues();
}

/* Race 3: woken after switching away, finish_wait is a no-op. */
static void test_finish_after_real_wake(void **state)
{
	struct task *w = spawn(TASK_PRIO_NORMAL, 3);

	(void)state;
	wait_on(&wq, 3, w);
	fake_arch_set_cpu(0);
	clear_pokes();
	assert_int_equal(waitq_wake_one(&wq), 1);
	assert_int_equal(pokes[3], 1);
	assert_ptr_equal(run_next(3), w);
	arch_irq_disable();
	assert_true(waitq_finish_wait(&wq));
	arch_irq_enable();
	assert_int_equal(w->state, TASK_RUNNING);
	check_queues();
}

/* A timeout (the timer calling sched_wake) takes the task off the queue. */
static void test_timeout_leaves_queue(void **state)
{
	struct task *a = spawn(TASK_PRIO_NORMAL, 1), *b;

	(void)state;
	wait_on(&wq, 1, a);
	b = spawn(TASK_PRIO_NORMAL, 1);
	wait_on(&wq, 1, b);
	assert_true(sched_wake(a).woken); /* a's deadline passed */
	assert_int_equal(waitq_count(&wq), 1);
	assert_null(a->wq);
	check_queues();
	assert_int_equal(waitq_wake_one(&wq), 1);
	assert_int_equal(b->state, TASK_READY);
	check_queues();
}

/* Terminated waiters leave the queue; wake_one then wakes the next. */
static void test_terminated_waiter_skipped(void **state)
{
	struct task *a = spawn(TASK_PRIO_NORMAL, 1), *b;

	(void)state;
	wait_on(&wq, 1, a);
	b = spawn(TASK_PRIO_NORMAL, 2);
	wait_on(&wq, 2, b);
	assert_int_equal(sched_terminate(a, 0, NULL), 0);
	assert_int_equal(waitq_count(&wq), 1);
	assert_int_equal(waitq_wake_one(&wq), 1);
	assert_int_equal(b->state, TASK_READY);
	assert_int_equal(a->state, TASK_TERMINATED);
	check_queues();
}

/*
 * A waiter that stopped waiting after being popped but before the wake
 * reached it (a kill racing with the waker on a third CPU) does not count:
 * wake_one goes on to the next waiter.  Simulated by ending the head's
 * wait behind the queue's back, as that interleaving would leave it.
 */
static void test_wake_one_skips_popped_dead_waiter(void **state)
{
	struct task *a = spawn(TASK_PRIO_NORMAL, 1), *b;
	unsigned long flags;

	(void)state;
	wait_on(&wq, 1, a);
	b = spawn(TASK_PRIO_NORMAL, 1);
	wait_on(&wq, 1, b);
	/* The kill's effect on a, except the dequeue the waker does. */
	flags = spin_lock_irqsave(&rqs[1].lock);
	a->state = TASK_TERMINATED;
	a->block = task_block(TASK_BLOCK_NONE, 0);
	spin_unlock_irqrestore(&rqs[1].lock, flags);
	assert_int_equal(waitq_wake_one(&wq), 1);
	assert_int_equal(b->state, TASK_READY);
	assert_null(a->wq);
	assert_int_equal(waitq_count(&wq), 0);
	check_queues();
}

/* Suspended while waiting: a wake is remembered, resume makes it READY. */
static void test_suspended_waiter(void **state)
{
	struct task *a = spawn(TASK_PRIO_NORMAL, 0), *b;

	(void)state;
	wait_on(&wq, 0, a);
	assert_int_equal(sched_suspend(a), 0);
	assert_ptr_equal(a->wq, &wq);
	check_queues();
	assert_int_equal(waitq_wake_one(&wq), 1);
	assert_int_equal(a->state, TASK_SUSPENDED);
	assert_null(a->wq);
	assert_int_equal(sched_resume(a), 0);
	assert_int_equal(a->state, TASK_READY);
	check_queues();

	/* Resumed before any wake: still waiting, still queued. */
	b = spawn(TASK_PRIO_NORMAL, 1);
	wait_on(&wq, 1, b);
	assert_int_equal(sched_suspend(b), 0);
	assert_int_equal(sched_resume(b), 0);
	assert_int_equal(b->state, TASK_BLOCKED);
	assert_ptr_equal(b->wq, &wq);
	check_queues();
	assert_int_equal(waitq_wake_all(&wq), 1);
	assert_int_equal(b->state, TASK_READY);
	check_queues();
}

/* Two queues are independent. */
static void test_two_queues(void **state)
{
	struct task *a = spawn(TASK_PRIO_NORMAL, 0), *b;

	(void)state;
	wait_on(&wq, 0, a);
	b = spawn(TASK_PRIO_NORMAL, 0);
	wait_on(&wq2, 0, b);
	assert_int_equal(waitq_wake_all(&wq2), 1);
	assert_int_equal(a->state, TASK_BLOCKED);
	assert_int_equal(b->state, TASK_READY);
	assert_int_equal(waitq_wake_one(&wq), 1);
	check_queues();
}

/* Protocol violations are kernel bugs and panic; bad reasons are errors. */
static void test_protocol_violations(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 0);

	(void)state;
	/* Idle cannot wait. */
	arch_irq_disable();
	EXPECT_PANIC((void)waitq_prepare_wait(&wq, why_msg),
		     "idle task blocks");
	spin_unlock(&rqs[0].lock); /* the panic left it held */
	arch_irq_enable();

	assert_ptr_equal(run_next(0), t);
	/* Interrupts must be off. */
	EXPECT_PANIC((void)waitq_prepare_wait(&wq, why_msg),
		     "interrupts enabled");
	arch_irq_disable();
	assert_int_equal(
	    waitq_prepare_wait(&wq, task_block(TASK_BLOCK_NONE, 0)), -EINVAL);
	assert_int_equal(t->state, TASK_RUNNING);
	assert_int_equal(waitq_count(&wq), 0);

	assert_int_equal(waitq_prepare_wait(&wq, why_msg), 0);
	/* Waiting twice. */
	EXPECT_PANIC((void)waitq_prepare_wait(&wq2, why_msg), "already on");
	spin_unlock(&rqs[0].lock);
	/* Finishing on the wrong queue. */
	EXPECT_PANIC((void)waitq_finish_wait(&wq2), "another queue");
	spin_unlock(&rqs[0].lock);
	assert_false(waitq_finish_wait(&wq));
	arch_irq_enable();
	check_queues();
}

/* waitq_check notices a member that does not point back. */
static void test_check_detects_corruption(void **state)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, 0);
	const char *why = NULL;

	(void)state;
	wait_on(&wq, 0, t);
	t->wq = &wq2;
	assert_false(waitq_check(&wq, &why));
	assert_non_null(strstr(why, "point back"));
	t->wq = &wq;
	t->state = TASK_READY;
	assert_false(waitq_check(&wq, &why));
	assert_non_null(strstr(why, "not waiting"));
	t->state = TASK_BLOCKED;
	wq.waiters.count++;
	assert_false(waitq_check(&wq, &why));
	wq.waiters.count--;
	assert_true(waitq_check(&wq, &why));
}

/* ---- interleaved producers and consumers ------------------------------ */

/*
 * Workers take tokens from a counter `sem` with the documented protocol,
 * split into steps; posters add a token and wake_one.  Random steps of
 * all of them interleave on NCPUS fake CPUs (a worker's steps run on its
 * CPU while it is current, as the hardware would).  At the end nobody
 * may still wait while tokens remain, and no token may be lost.
 */
enum wphase { W_WANT, W_CHECK, W_SWITCH, W_FINISH };

#define NWORKERS 12

static struct task *worker[NWORKERS];
static enum wphase phase[NWORKERS];
static int sem, consumed, posted;

static int worker_index(const struct task *t)
{
	for (int i = 0; i < NWORKERS; i++)
		if (worker[i] == t)
			return i;
	return -1;
}

/* Advance the worker running on cpu by one step; false if none runs. */
static bool worker_step(unsigned cpu)
{
	int w = worker_index(rqs[cpu].current);

	if (w < 0)
		return false;
	fake_arch_set_cpu(cpu);
	switch (phase[w]) {
	case W_WANT:
		arch_irq_disable();
		assert_int_equal(waitq_prepare_wait(&wq, why_msg), 0);
		phase[w] = W_CHECK;
		break;
	case W_CHECK:
		if (sem > 0) {
			sem--;
			consumed++;
			(void)waitq_finish_wait(&wq);
			arch_irq_enable();
			phase[w] = W_WANT;
		} else {
			phase[w] = W_SWITCH;
		}
		break;
	case W_SWITCH:
		/* Resumes at W_FINISH whenever it runs again. */
		phase[w] = W_FINISH;
		(void)schedule_on(cpu, NULL);
		break;
	case W_FINISH:
		(void)waitq_finish_wait(&wq);
		arch_irq_enable();
		phase[w] = W_WANT;
		break;
	}
	return true;
}

/* Preempt cpu (a tick's reschedule) unless its task has interrupts off. */
static void preempt(unsigned cpu)
{
	int w = worker_index(rqs[cpu].current);

	if (w >= 0 && phase[w] != W_WANT)
		return;
	(void)schedule_on(cpu, NULL);
}

static void interleave(uint64_t seed, int posts)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ull + 7;

	sem = consumed = posted = 0;
	for (int i = 0; i < NWORKERS; i++) {
		worker[i] = spawn(i % 3 ? TASK_PRIO_NORMAL : TASK_PRIO_LOW,
				  (unsigned)i % NCPUS);
		phase[i] = W_WANT;
	}
	for (int step = 0; posted < posts || step < 20000; step++) {
		unsigned r, cpu;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		r = (unsigned)((x * 0x2545F4914F6CDD1Dull) >> 33);
		cpu = r % NCPUS;
		switch ((r >> 8) % 8) {
		case 0:
			if (posted < posts) {
				fake_arch_set_cpu(cpu);
				sem++;
				posted++;
				(void)waitq_wake_one(&wq);
			}
			break;
		case 1:
			preempt(cpu);
			break;
		default:
			if (!worker_step(cpu))
				preempt(cpu);
			break;
		}
		check_queues();
	}
	/* Quiesce: run every CPU until all workers wait or tokens are gone. */
	for (int round = 0; round < 100000; round++) {
		bool progress = false;

		for (unsigned cpu = 0; cpu < NCPUS; cpu++) {
			if (worker_step(cpu)) {
				progress = true;
			} else if (rqs[cpu].nr_ready) {
				preempt(cpu);
				progress = true;
			}
		}
		if (!progress)
			break;
	}
	check_queues();
	assert_int_equal(consumed + sem, posted);
	assert_int_equal(sem, 0); /* every token was taken: no lost wake */
	assert_int_equal(waitq_count(&wq), NWORKERS);
	for (int i = 0; i < NWORKERS; i++)
		assert_int_equal(worker[i]->state, TASK_BLOCKED);
}

static void test_interleaved_seed_1(void **state)
{
	(void)state;
	interleave(1, 400);
}

static void test_interleaved_seed_2(void **state)
{
	(void)state;
	interleave(0xABCDEF, 400);
}

static void test_interleaved_seed_3(void **state)
{
	(void)state;
	interleave(99, 2000);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_empty_queue),
	    T(test_prepare_wait_blocks),
	    T(test_wake_one_fifo),
	    T(test_wake_all_in_order),
	    T(test_condition_true_cancels),
	    T(test_race_wake_between_prepare_and_switch),
	    T(test_race_wake_before_prepare),
	    T(test_finish_after_real_wake),
	    T(test_timeout_leaves_queue),
	    T(test_terminated_waiter_skipped),
	    T(test_wake_one_skips_popped_dead_waiter),
	    T(test_suspended_waiter),
	    T(test_two_queues),
	    T(test_protocol_violations),
	    T(test_check_detects_corruption),
	    T(test_interleaved_seed_1),
	    T(test_interleaved_seed_2),
	    T(test_interleaved_seed_3),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
