/*
 * tests/unit/sched_testlib.h - a small machine for the scheduler tests:
 * a task table, NCPUS run queues with their idle tasks, a recording poke
 * hook, and helpers that play one CPU's arch glue (schedule = lock,
 * sched_switch_prepare, unlock, "switch", sched_switch_finish).
 *
 * Include from exactly one file of a test binary, after cmocka and
 * tests/unit/fake_panic.h.  Helpers are static inline so that a test file
 * need not use them all.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kernel/sched/sched.h"
#include "kernel/sched/sched_internal.h"
#include "kernel/sched/task.h"
#include "kernel/sched/waitq.h"
#include "tests/unit/fake_arch.h"
#include "abi/errno.h"

#define NSLOTS 64 /* task table size */
#define NCPUS  4  /* CPUs with run queues */

static struct task slots[NSLOTS];      /* the task table's storage */
static struct runqueue rqs[NCPUS];     /* run queue per CPU */
static struct task *idle_of[NCPUS];    /* idle task per CPU */
static unsigned pokes[FAKE_ARCH_CPUS]; /* poke hook calls per CPU */
static unsigned npokes;		       /* all poke hook calls */

static void record_poke(unsigned cpu)
{
	assert_true(cpu < FAKE_ARCH_CPUS);
	/* The hook is for remote CPUs only. */
	assert_int_not_equal(cpu, arch_cpu_id());
	pokes[cpu]++;
	npokes++;
}

static inline void clear_pokes(void)
{
	memset(pokes, 0, sizeof(pokes));
	npokes = 0;
}

/* A fresh machine: empty table, NCPUS run queues, CPU 0 executing. */
static int machine_setup(void **state)
{
	(void)state;
	fake_arch_reset();
	task_table_init(slots, NSLOTS);
	sched_init();
	sched_set_poke_hook(record_poke);
	for (unsigned cpu = 0; cpu < NCPUS; cpu++) {
		if (task_alloc(TASK_PRIO_IDLE, TASK_ID_NONE, &idle_of[cpu]))
			return -1;
		if (sched_rq_init(&rqs[cpu], cpu, idle_of[cpu]))
			return -1;
	}
	clear_pokes();
	return 0;
}

/* A new, never started task. */
static inline struct task *new_task(uint8_t prio)
{
	struct task *t = NULL;

	assert_int_equal(task_alloc(prio, TASK_ID_NONE, &t), 0);
	assert_non_null(t);
	return t;
}

/* A new task, READY on cpu. */
static inline struct task *spawn(uint8_t prio, unsigned cpu)
{
	struct task *t = new_task(prio);

	assert_int_equal(sched_start(t, cpu), 0);
	return t;
}

/*
 * Play cpu's schedule(): lock, prepare, unlock, switch, finish.  Returns
 * the switch; *zombie (may be NULL) gets what sched_switch_finish returned.
 * The executing CPU is cpu afterwards.
 */
static inline struct sched_switch schedule_on(unsigned cpu,
					      struct task **zombie)
{
	struct runqueue *rq = &rqs[cpu];
	struct sched_switch sw;
	struct task *z;

	fake_arch_set_cpu(cpu);
	unsigned long flags = spin_lock_irqsave(&rq->lock);

	sw = sched_switch_prepare(rq);
	spin_unlock(&rq->lock);
	/* arch_context_switch(prev->ctx, next->ctx) would run here. */
	z = sched_switch_finish(rq);
	arch_irq_restore(flags);
	if (zombie)
		*zombie = z;
	else
		assert_null(z);
	return sw;
}

/* schedule_on, returning the task now running. */
static inline struct task *run_next(unsigned cpu)
{
	return schedule_on(cpu, NULL).next;
}

/* One timer tick on cpu; its verdict. */
static inline bool tick_on(unsigned cpu)
{
	struct runqueue *rq = &rqs[cpu];
	bool r;

	fake_arch_set_cpu(cpu);
	unsigned long flags = spin_lock_irqsave(&rq->lock);

	r = sched_tick(rq);
	spin_unlock_irqrestore(&rq->lock, flags);
	return r;
}

/* Block cpu's current with reason (the lock-held primitive). */
static inline int block_on(unsigned cpu, struct task_block_reason reason)
{
	struct runqueue *rq = &rqs[cpu];
	int err;

	fake_arch_set_cpu(cpu);
	unsigned long flags = spin_lock_irqsave(&rq->lock);

	err = sched_block_current(rq, reason);
	spin_unlock_irqrestore(&rq->lock, flags);
	return err;
}

/* Lock-held accessors for test assertions. */
static inline struct task *pick_on(unsigned cpu)
{
	unsigned long flags = spin_lock_irqsave(&rqs[cpu].lock);
	struct task *t = sched_pick_next(&rqs[cpu]);

	spin_unlock_irqrestore(&rqs[cpu].lock, flags);
	return t;
}

static inline uint32_t runnable_on(unsigned cpu)
{
	unsigned long flags = spin_lock_irqsave(&rqs[cpu].lock);
	uint32_t n = sched_runnable(&rqs[cpu]);

	spin_unlock_irqrestore(&rqs[cpu].lock, flags);
	return n;
}

/* Every run queue's invariants hold (fails with the broken rule). */
static inline void check_all(void)
{
	for (unsigned cpu = 0; cpu < NCPUS; cpu++) {
		const char *why = NULL;
		unsigned long flags = spin_lock_irqsave(&rqs[cpu].lock);
		bool ok = sched_check_invariants(&rqs[cpu], &why);

		spin_unlock_irqrestore(&rqs[cpu].lock, flags);
		if (!ok)
			fail_msg("CPU %u invariants: %s", cpu, why);
	}
}
