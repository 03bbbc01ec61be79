/*
 * tests/unit/irq_test.c - the interrupt-line table (kernel/dev/irq.c)
 * with the real scheduler on fake CPUs: bad numbers, kernel lines,
 * ownership (first claimant keeps a line, release on exit), pending
 * counts (an interrupt before WaitIrq is not lost), masking of
 * level-triggered lines until the next WaitIrq, and wake-ups from
 * interrupt context: before and after the waiter switched away, with the
 * run queue busy (retried by irq_tick), and stale ones that must not
 * wake a task waiting for something else.
 *
 * The fake interrupt controller serves lines 0..23 (24 inputs, like
 * QEMU's I/O APIC): 0..15 edge, 16..23 level; other lines do not route.
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

#include "kernel/dev/irq.h"

#define FAKE_INPUTS 24

/* ---- fake interrupt controller ----------------------------------- */

static unsigned routes, masks[IRQ_LINES], unmasks[IRQ_LINES];
static bool hw_masked[IRQ_LINES];
static unsigned hw_cpu[IRQ_LINES];

int arch_irq_route(unsigned gsi, unsigned cpu, bool *level)
{
	if (gsi >= FAKE_INPUTS || cpu >= NCPUS)
		return -EINVAL;
	routes++;
	hw_cpu[gsi] = cpu;
	hw_masked[gsi] = false;
	*level = gsi >= 16;
	return 0;
}

void arch_irq_mask(unsigned gsi)
{
	assert_true(gsi < IRQ_LINES);
	masks[gsi]++;
	hw_masked[gsi] = true;
}

void arch_irq_unmask(unsigned gsi)
{
	assert_true(gsi < IRQ_LINES);
	unmasks[gsi]++;
	hw_masked[gsi] = false;
}

/* ---- helpers ------------------------------------------------------ */

static int setup(void **state)
{
	routes = 0;
	memset(masks, 0, sizeof(masks));
	memset(unmasks, 0, sizeof(unmasks));
	memset(hw_masked, 0, sizeof(hw_masked));
	memset(hw_cpu, 0, sizeof(hw_cpu));
	irq_init();
	return machine_setup(state);
}

static struct irq_line_state line(unsigned irq)
{
	struct irq_line_state s;

	assert_int_equal(irq_line_state(irq, &s), 0);
	return s;
}

/* An interrupt on irq, taken by CPU cpu (interrupts off there). */
static void interrupt_on(unsigned cpu, unsigned irq)
{
	fake_arch_set_cpu(cpu);
	unsigned long flags = arch_irq_save();

	irq_dispatch(irq);
	arch_irq_restore(flags);
}

/* A fresh task running on cpu. */
static struct task *running_on(unsigned cpu)
{
	struct task *t = spawn(TASK_PRIO_NORMAL, cpu);

	assert_ptr_equal(run_next(cpu), t);
	return t;
}

/* What happens while a waiter is (about to be) switched away. */
enum when {
	AWAY_NOTHING,	   /* block() must not be called at all */
	AWAY_IRQ,	   /* switch away, an interrupt on CPU 0, run again */
	AWAY_IRQ_EARLY,	   /* interrupt on CPU 0 before the switch */
	AWAY_IRQ_BUSY,	   /* away; the interrupt finds the run queue busy */
	AWAY_OTHER_WAITER, /* away; a second task tries the same slot */
};

struct player {
	unsigned cpu;		 /* the waiter's CPU */
	struct task *t;		 /* the waiter */
	unsigned irq;		 /* what it waits on */
	enum when when;		 /* the scenario */
	unsigned calls;		 /* block() calls */
	struct irq_waiter *slot; /* AWAY_OTHER_WAITER: the slot */
	int other_ret;		 /* AWAY_OTHER_WAITER: what it got */
	bool *flag;		 /* AWAY_OTHER_WAITER: the condition */
};

static bool never_ready(void *ctx)
{
	(void)ctx;
	return false;
}

static void fail_block(void *ctx)
{
	(void)ctx;
	fail_msg("block() called for a wait that should not sleep");
}

static void play(void *ctx)
{
	struct player *p = ctx;

	p->calls++;
	/* block() runs blocked, interrupts off, on the waiter's CPU. */
	assert_int_equal(arch_cpu_id(), p->cpu);
	assert_false(fake_arch_irq_enabled_on(p->cpu));
	assert_int_equal(p->t->state, TASK_BLOCKED);
	assert_int_equal(p->t->block.kind, TASK_BLOCK_IRQ);
	assert_int_equal(p->t->block.arg, p->irq);
	switch (p->when) {
	case AWAY_NOTHING:
		fail_msg("unexpected block()");
		break;
	case AWAY_IRQ_EARLY:
		interrupt_on(0, p->irq);
		assert_int_equal(p->t->state, TASK_RUNNING);
		/* The switch is a mere yield. */
		assert_ptr_equal(run_next(p->cpu), p->t);
		return;
	case AWAY_IRQ:
		assert_ptr_equal(run_next(p->cpu), idle_of[p->cpu]);
		interrupt_on(0, p->irq);
		assert_int_equal(p->t->state, TASK_READY);
		break;
	case AWAY_IRQ_BUSY: {
		struct runqueue *rq = &rqs[p->cpu];

		assert_ptr_equal(run_next(p->cpu), idle_of[p->cpu]);
		/* CPU 3 holds the waiter's run queue during the interrupt. */
		fake_arch_set_cpu(3);
		unsigned long flags = spin_lock_irqsave(&rq->lock);

		interrupt_on(0, p->irq);
		assert_int_equal(p->t->state, TASK_BLOCKED); /* not yet */
		fake_arch_set_cpu(3);
		spin_unlock_irqrestore(&rq->lock, flags);
		/* The next timer tick anywhere retries the wake. */
		fake_arch_set_cpu(1);
		flags = arch_irq_save();
		irq_tick();
		arch_irq_restore(flags);
		assert_int_equal(p->t->state, TASK_READY);
		break;
	}
	case AWAY_OTHER_WAITER: {
		assert_ptr_equal(run_next(p->cpu), idle_of[p->cpu]);
		(void)running_on(1);
		p->other_ret = irq_waiter_sleep(p->slot, p->irq, never_ready,
						NULL, fail_block, NULL);
		*p->flag = true;
		fake_arch_set_cpu(0);
		irq_waiter_wake(p->slot);
		assert_int_equal(p->t->state, TASK_READY);
		break;
	}
	}
	assert_ptr_equal(run_next(p->cpu), p->t);
	fake_arch_set_cpu(p->cpu);
}

/* Task t on cpu calls WaitIrq(irq) for pid, with scenario when. */
static int wait_irq(struct player *p, uint64_t pid)
{
	fake_arch_set_cpu(p->cpu);
	return irq_wait(p->irq, pid, play, p);
}

static struct player player(unsigned cpu, unsigned irq, enum when when)
{
	struct player p = {cpu, running_on(cpu), irq, when, 0, NULL, 0, NULL};

	return p;
}

/* ---- tests -------------------------------------------------------- */

/* Numbers past the table, pid 0 and null callbacks are refused; an
 * interrupt on a line past the table is ignored. */
static void test_bad_numbers(void **state)
{
	struct player p = player(1, 5, AWAY_NOTHING);
	struct irq_line_state s;

	(void)state;
	p.irq = IRQ_LINES;
	assert_int_equal(wait_irq(&p, 7), -EINVAL);
	p.irq = 0xFFFFFFFFu;
	assert_int_equal(wait_irq(&p, 7), -EINVAL);
	p.irq = 5;
	assert_int_equal(wait_irq(&p, 0), -EINVAL);
	assert_int_equal(irq_wait(5, 7, NULL, NULL), -EINVAL);
	assert_int_equal(
	    irq_register_kernel(IRQ_LINES, (irq_handler_fn)1, NULL), -EINVAL);
	assert_int_equal(irq_register_kernel(3, NULL, NULL), -EINVAL);
	assert_int_equal(irq_line_state(IRQ_LINES, &s), -EINVAL);
	assert_int_equal(irq_line_state(0, NULL), -EINVAL);
	interrupt_on(0, IRQ_LINES);
	interrupt_on(0, 100000);
	assert_int_equal(routes, 0);
	assert_int_equal(line(5).owner, 0);
	assert_false(p.t->pinned);
	check_all();
}

static unsigned handled, handled_irq;
static void *handled_ctx;

static void kernel_handler(unsigned irq, void *ctx)
{
	handled++;
	handled_irq = irq;
	handled_ctx = ctx;
}

/* A kernel line: routed to the registering CPU, its handler runs on an
 * interrupt, and no process may wait on it. */
static void test_kernel_line(void **state)
{
	int ctx;
	struct player p = player(2, 4, AWAY_NOTHING);

	(void)state;
	handled = 0;
	fake_arch_set_cpu(0);
	assert_int_equal(irq_register_kernel(4, kernel_handler, &ctx), 0);
	assert_true(line(4).kernel);
	assert_true(line(4).routed);
	assert_int_equal(hw_cpu[4], 0);
	assert_int_equal(irq_register_kernel(4, kernel_handler, NULL), -EBUSY);
	interrupt_on(0, 4);
	assert_int_equal(handled, 1);
	assert_int_equal(handled_irq, 4);
	assert_ptr_equal(handled_ctx, &ctx);
	assert_int_equal(line(4).count, 1);
	assert_int_equal(masks[4], 0);
	assert_int_equal(wait_irq(&p, 9), -EBUSY);
	assert_int_equal(line(4).owner, 0);
	assert_false(p.t->pinned);
	/* A line the controller cannot route is refused and left free. */
	assert_int_equal(irq_register_kernel(100, kernel_handler, NULL),
			 -EINVAL);
	assert_false(line(100).kernel);
}

/* The first WaitIrq claims the line: the caller is pinned, the line is
 * routed to its CPU; it sleeps until an interrupt and returns 0. */
static void test_first_wait_claims_and_sleeps(void **state)
{
	struct player p = player(2, 11, AWAY_IRQ);

	(void)state;
	assert_int_equal(wait_irq(&p, 42), 0);
	assert_int_equal(p.calls, 1);
	assert_int_equal(line(11).owner, 42);
	assert_true(line(11).routed);
	assert_int_equal(line(11).cpu, 2);
	assert_int_equal(hw_cpu[11], 2);
	assert_true(p.t->pinned);
	assert_int_equal(line(11).pending, 0);
	assert_int_equal(line(11).count, 1);
	assert_int_equal(line(11).waiter, TASK_ID_NONE);
	assert_int_equal(p.t->state, TASK_RUNNING);
	assert_false(line(11).level);
	assert_int_equal(masks[11], 0); /* edge: never masked */
	check_all();
}

/* Another process is refused a claimed line and is not pinned; the owner
 * keeps it. */
static void test_second_claimant_refused(void **state)
{
	struct player a = player(2, 9, AWAY_IRQ);
	struct player b = player(3, 9, AWAY_NOTHING);

	(void)state;
	assert_int_equal(wait_irq(&a, 1), 0);
	assert_int_equal(wait_irq(&b, 2), -EPERM);
	assert_false(b.t->pinned);
	assert_int_equal(line(9).owner, 1);
	assert_int_equal(routes, 1);
	check_all();
}

/* Interrupts between two WaitIrq calls are counted; the next call
 * returns at once without sleeping and consumes them all. */
static void test_pending_before_call_not_lost(void **state)
{
	struct player p = player(1, 7, AWAY_IRQ);

	(void)state;
	assert_int_equal(wait_irq(&p, 5), 0);
	interrupt_on(0, 7);
	interrupt_on(3, 7);
	assert_int_equal(line(7).pending, 2);
	p.when = AWAY_NOTHING;
	assert_int_equal(wait_irq(&p, 5), 0);
	assert_int_equal(p.calls, 1); /* only the first call slept */
	assert_int_equal(line(7).pending, 0);
	assert_int_equal(line(7).count, 3);
}

/* An interrupt landing after the waiter blocked but before it switched
 * away makes the switch a yield; nothing is lost. */
static void test_interrupt_before_switch(void **state)
{
	struct player p = player(2, 12, AWAY_IRQ_EARLY);

	(void)state;
	assert_int_equal(wait_irq(&p, 3), 0);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.t->state, TASK_RUNNING);
	check_all();
}

/* A level-triggered line is masked by each interrupt and unmasked by the
 * owner's next WaitIrq, before it sleeps. */
static void test_level_line_masked_until_next_wait(void **state)
{
	struct player p = player(1, 19, AWAY_IRQ);

	(void)state;
	assert_int_equal(wait_irq(&p, 8), 0);
	assert_true(line(19).level);
	assert_int_equal(masks[19], 1);
	assert_true(hw_masked[19]);
	assert_true(line(19).masked);
	assert_int_equal(unmasks[19], 0);
	/* Next round: unmasked first, then it sleeps and is masked again. */
	assert_int_equal(wait_irq(&p, 8), 0);
	assert_int_equal(unmasks[19], 1);
	assert_int_equal(masks[19], 2);
	assert_true(hw_masked[19]);
	/* A storm cannot happen: a masked line does not interrupt, and a
	 * stray one in flight only counts. */
	interrupt_on(0, 19);
	assert_int_equal(line(19).pending, 1);
	p.when = AWAY_NOTHING;
	assert_int_equal(wait_irq(&p, 8), 0);
	assert_int_equal(unmasks[19], 2);
	assert_false(hw_masked[19]);
}

/* Exit releases every line of the process: masked, free, count dropped;
 * then another process may claim it. */
static void test_release_on_exit(void **state)
{
	struct player a = player(2, 17, AWAY_IRQ);

	(void)state;
	assert_int_equal(wait_irq(&a, 4), 0);
	/* The same task claims a second line. */
	a.irq = 6;
	assert_int_equal(wait_irq(&a, 4), 0);
	interrupt_on(0, 6);
	assert_int_equal(line(6).pending, 1);
	irq_release_owner(99); /* owns nothing */
	irq_release_owner(0);
	assert_int_equal(line(17).owner, 4);
	irq_release_owner(4);
	for (unsigned irq = 6; irq <= 17; irq += 11) {
		assert_int_equal(line(irq).owner, 0);
		assert_false(line(irq).routed);
		assert_int_equal(line(irq).pending, 0);
		assert_true(hw_masked[irq]);
	}
	/* An interrupt in flight on a released line is ignored, masked. */
	unsigned before = masks[6];

	interrupt_on(1, 6);
	assert_int_equal(line(6).pending, 0);
	assert_int_equal(masks[6], before + 1);
	/* The line is free for the next driver. */
	struct player b = player(3, 17, AWAY_IRQ);

	assert_int_equal(wait_irq(&b, 5), 0);
	assert_int_equal(line(17).owner, 5);
	assert_int_equal(line(17).cpu, 3);
	check_all();
}

/* A line the controller cannot route: -EINVAL, nothing claimed, the
 * caller not left pinned. */
static void test_unroutable_line(void **state)
{
	struct player p = player(1, 200, AWAY_NOTHING);

	(void)state;
	assert_int_equal(wait_irq(&p, 6), -EINVAL);
	assert_int_equal(line(200).owner, 0);
	assert_false(p.t->pinned);
	/* A routable claim afterwards works and pins. */
	p.irq = 10;
	p.when = AWAY_IRQ;
	assert_int_equal(wait_irq(&p, 6), 0);
	assert_true(p.t->pinned);
	/* A failed claim of a second line keeps the pin of the first. */
	p.irq = 201;
	p.when = AWAY_NOTHING;
	assert_int_equal(wait_irq(&p, 6), -EINVAL);
	assert_true(p.t->pinned);
}

/* The interrupt finds the waiter's run queue busy: the wake is left to
 * irq_tick, which does it on the next timer interrupt. */
static void test_busy_run_queue_retried_by_tick(void **state)
{
	struct player p = player(2, 14, AWAY_IRQ_BUSY);

	(void)state;
	assert_int_equal(wait_irq(&p, 11), 0);
	assert_int_equal(p.calls, 1);
	/* Nothing left to retry. */
	fake_arch_set_cpu(0);
	irq_tick();
	check_all();
}

static bool flag_ready(void *ctx)
{
	return *(bool *)ctx;
}

/* A one-task slot: while a task sleeps on it, a second one gets -EBUSY
 * at once; the first is woken normally. */
static void test_waiter_slot_busy(void **state)
{
	static struct irq_waiter w;
	static bool flag;
	struct player p = player(2, 30, AWAY_OTHER_WAITER);

	(void)state;
	w = (struct irq_waiter){0};
	flag = false;
	p.slot = &w;
	p.flag = &flag;
	fake_arch_set_cpu(2);
	assert_int_equal(irq_waiter_sleep(&w, 30, flag_ready, &flag, play, &p),
			 0);
	assert_int_equal(p.other_ret, -EBUSY);
	assert_int_equal(p.calls, 1);
	assert_int_equal(w.task, TASK_ID_NONE);
	/* Ready already: no sleep at all. */
	assert_int_equal(
	    irq_waiter_sleep(&w, 30, flag_ready, &flag, fail_block, NULL), 0);
}

/* A wake for a task that now waits for something else wakes nothing. */
static void test_stale_wake_ignored(void **state)
{
	static struct irq_waiter w;
	struct task *t = running_on(1);

	(void)state;
	assert_int_equal(block_on(1, task_block(TASK_BLOCK_MESSAGE, 3)), 0);
	assert_ptr_equal(run_next(1), idle_of[1]);
	w = (struct irq_waiter){t->id, 13, 0};
	fake_arch_set_cpu(0);
	irq_waiter_wake(&w);
	assert_int_equal(t->state, TASK_BLOCKED);
	/* Same kind, other line: still nothing. */
	w.reason = 12;
	irq_waiter_wake(&w);
	assert_int_equal(t->state, TASK_BLOCKED);
	/* A freed task's id: nothing. */
	w.task = task_id_make(NSLOTS - 1, 77);
	irq_waiter_wake(&w);
	w.task = TASK_ID_NONE;
	irq_waiter_wake(&w);
	check_all();
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_bad_numbers),
	    T(test_kernel_line),
	    T(test_first_wait_claims_and_sleeps),
	    T(test_second_claimant_refused),
	    T(test_pending_before_call_not_lost),
	    T(test_interrupt_before_switch),
	    T(test_level_line_masked_until_next_wait),
	    T(test_release_on_exit),
	    T(test_unroutable_line),
	    T(test_busy_run_queue_retried_by_tick),
	    T(test_waiter_slot_busy),
	    T(test_stale_wake_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
