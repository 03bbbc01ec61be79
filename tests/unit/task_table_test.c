/*
 * tests/unit/task_table_test.c - the global task table: ids with
 * generation counters, first-free allocation, lookups that reject stale
 * ids, frees that refuse live tasks, exhaustion and slot reuse.
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

/* A bare table without run queues. */
static int bare_setup(void **state)
{
	(void)state;
	fake_arch_reset();
	task_table_init(slots, NSLOTS);
	sched_init();
	return 0;
}

/* id = slot | generation << 32, and back. */
static void test_id_encoding(void **state)
{
	task_id_t id = task_id_make(0x1234, 0xABCD);

	(void)state;
	assert_int_equal(id, 0x0000ABCD00001234ull);
	assert_int_equal(task_id_slot(id), 0x1234);
	assert_int_equal(task_id_gen(id), 0xABCD);
	assert_int_equal(task_id_slot(task_id_make(UINT32_MAX, UINT32_MAX)),
			 UINT32_MAX);
	assert_int_equal(task_id_gen(task_id_make(UINT32_MAX, UINT32_MAX)),
			 UINT32_MAX);
	assert_int_equal(TASK_ID_NONE, task_id_make(0, 0));
}

/* After init every slot is free with generation 1; nothing looks up. */
static void test_init_all_free(void **state)
{
	(void)state;
	assert_int_equal(task_table_size(), NSLOTS);
	assert_int_equal(task_table_used(), 0);
	for (uint32_t i = 0; i < NSLOTS; i++) {
		struct task *t = task_table_slot(i);

		assert_ptr_equal(t, &slots[i]);
		assert_int_equal(t->state, TASK_FREE);
		assert_int_equal(t->id, task_id_make(i, 1));
		assert_null(task_lookup(t->id));
	}
	assert_null(task_table_slot(NSLOTS));
	assert_null(task_lookup(TASK_ID_NONE));
}

/* Allocation takes the first free slot and hands out a fresh task. */
static void test_alloc_fresh_task(void **state)
{
	struct task *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(task_alloc(200, task_id_make(9, 9), &a), 0);
	assert_int_equal(task_alloc(TASK_PRIO_NORMAL, TASK_ID_NONE, &b), 0);
	assert_ptr_equal(a, &slots[0]);
	assert_ptr_equal(b, &slots[1]);
	assert_int_equal(a->id, task_id_make(0, 1));
	assert_int_equal(a->state, TASK_SUSPENDED);
	assert_int_equal(a->priority, 200);
	assert_int_equal(a->parent, task_id_make(9, 9));
	assert_int_equal(a->slice, TASK_SLICE_TICKS);
	assert_int_equal(a->home_cpu, TASK_CPU_NONE);
	assert_int_equal(a->block.kind, TASK_BLOCK_NONE);
	assert_int_equal(a->suspended.kind, TASK_BLOCK_NONE);
	assert_false(a->idle || a->pinned || a->on_queue || a->on_cpu);
	assert_null(a->wq);
	assert_null(a->ctx);
	assert_null(a->kstack);
	assert_null(a->proc);
	assert_true(task_link_unlinked(&a->rq_link));
	assert_true(task_link_unlinked(&a->wq_link));
	assert_ptr_equal(task_lookup(a->id), a);
	assert_ptr_equal(task_lookup(b->id), b);
	assert_int_equal(task_table_used(), 2);
}

/* A full table says -ENOMEM, and one free makes room again. */
static void test_alloc_until_full(void **state)
{
	struct task *t[NSLOTS], *extra = NULL;

	(void)state;
	for (int i = 0; i < NSLOTS; i++)
		assert_int_equal(task_alloc(1, TASK_ID_NONE, &t[i]), 0);
	assert_int_equal(task_table_used(), NSLOTS);
	assert_int_equal(task_alloc(1, TASK_ID_NONE, &extra), -ENOMEM);
	assert_null(extra);
	assert_int_equal(task_free(t[37]), 0);
	assert_int_equal(task_alloc(1, TASK_ID_NONE, &extra), 0);
	assert_ptr_equal(extra, t[37]);
	assert_int_equal(task_id_gen(extra->id), 2);
}

/* Freeing bumps the generation: the old id goes stale, the slot is reused. */
static void test_free_bumps_generation(void **state)
{
	struct task *t = NULL, *u = NULL;
	task_id_t first;

	(void)state;
	assert_int_equal(task_alloc(1, TASK_ID_NONE, &t), 0);
	first = t->id;
	t->ctx = (struct arch_context *)0x1000;
	t->kstack = (void *)0x2000;
	t->proc = (struct process *)0x3000;
	t->exit_code = 99;
	assert_int_equal(task_free(t), 0);
	assert_int_equal(t->state, TASK_FREE);
	assert_null(task_lookup(first));
	assert_int_equal(task_table_used(), 0);
	assert_int_equal(task_alloc(1, TASK_ID_NONE, &u), 0);
	assert_ptr_equal(u, t);
	assert_int_equal(task_id_slot(u->id), task_id_slot(first));
	assert_int_equal(task_id_gen(u->id), task_id_gen(first) + 1);
	assert_null(task_lookup(first));
	assert_ptr_equal(task_lookup(u->id), u);
	/* Nothing of the previous tenant survives. */
	assert_null(u->ctx);
	assert_null(u->kstack);
	assert_null(u->proc);
	assert_int_equal(u->exit_code, 0);
}

/* Lookups reject out-of-range slots and wrong generations, both ways. */
static void test_lookup_rejects_bad_ids(void **state)
{
	struct task *t = NULL;

	(void)state;
	assert_int_equal(task_alloc(1, TASK_ID_NONE, &t), 0);
	assert_null(task_lookup(task_id_make(0, 2)));	   /* future */
	assert_null(task_lookup(task_id_make(0, 0)));	   /* none */
	assert_null(task_lookup(task_id_make(NSLOTS, 1))); /* range */
	assert_null(task_lookup(task_id_make(UINT32_MAX, 1)));
	assert_null(task_lookup(task_id_make(1, 1))); /* free slot */
	assert_ptr_equal(task_lookup(task_id_make(0, 1)), t);
}

/* The generation wraps from 2^32 - 1 to 1, never to 0. */
static void test_generation_wraps_past_zero(void **state)
{
	struct task *t = NULL;

	(void)state;
	assert_int_equal(task_alloc(1, TASK_ID_NONE, &t), 0);
	t->id = task_id_make(0, UINT32_MAX); /* as after 4 billion reuses */
	assert_int_equal(task_free(t), 0);
	assert_int_equal(t->id, task_id_make(0, 1));
	assert_int_equal(task_alloc(1, TASK_ID_NONE, &t), 0);
	assert_int_equal(task_id_gen(t->id), 1);
}

/* Only dead tasks (or never-started ones) are freed. */
static void test_free_refuses_live_tasks(void **state)
{
	struct task *ready, *running, *blocked, *suspended, *dead;

	(void)state;
	assert_int_equal(machine_setup(state), 0);
	ready = spawn(TASK_PRIO_NORMAL, 0);
	running = spawn(TASK_PRIO_HIGH, 1);
	blocked = spawn(TASK_PRIO_HIGH, 2);
	suspended = spawn(TASK_PRIO_NORMAL, 3);
	dead = spawn(TASK_PRIO_NORMAL, 3);
	assert_ptr_equal(run_next(1), running);
	assert_ptr_equal(run_next(2), blocked);
	assert_int_equal(block_on(2, task_block(TASK_BLOCK_IRQ, 1)), 0);
	assert_ptr_equal(run_next(2), idle_of[2]);
	assert_int_equal(sched_suspend(suspended), 0);
	assert_int_equal(sched_terminate(dead, 0, NULL), 0);

	assert_int_equal(task_free(ready), -EBUSY);
	assert_int_equal(task_free(running), -EBUSY);
	assert_int_equal(task_free(blocked), -EBUSY);
	assert_int_equal(task_free(suspended), -EBUSY); /* started once */
	assert_int_equal(task_free(idle_of[0]), -EPERM);
	assert_int_equal(task_free(dead), 0);
	assert_int_equal(task_table_used(), NCPUS + 4);
	check_all();
}

/* Kernel bugs: double and foreign frees, a table without storage. */
static void test_bad_frees_panic(void **state)
{
	struct task *t = NULL, local;

	(void)state;
	assert_int_equal(task_alloc(1, TASK_ID_NONE, &t), 0);
	assert_int_equal(task_free(t), 0);
	EXPECT_PANIC((void)task_free(t), "double free");
	EXPECT_PANIC((void)task_free(&local), "foreign");
	EXPECT_PANIC((void)task_free((struct task *)((char *)&slots[1] + 8)),
		     "foreign");
	EXPECT_PANIC((void)task_free(&slots[NSLOTS]), "foreign");
	EXPECT_PANIC(task_table_init(slots, 0), "task_table_init");
	EXPECT_PANIC(task_table_init(NULL, 4), "task_table_init");
}

/* A fresh table forgets the previous one. */
static void test_reinit_forgets(void **state)
{
	static struct task small[3];
	struct task *t = NULL;

	(void)state;
	assert_int_equal(task_alloc(1, TASK_ID_NONE, &t), 0);
	task_table_init(small, 3);
	assert_int_equal(task_table_size(), 3);
	assert_int_equal(task_table_used(), 0);
	assert_null(task_lookup(t->id)); /* slot 0 of the new table is free */
	for (int i = 0; i < 3; i++)
		assert_int_equal(task_alloc(1, TASK_ID_NONE, &t), 0);
	assert_ptr_equal(t, &small[2]);
	assert_int_equal(task_alloc(1, TASK_ID_NONE, &t), -ENOMEM);
	task_table_init(slots, NSLOTS);
}

/*
 * 50,000 random allocs and frees against a model of each slot's
 * generation: every id ever handed out is unique, first-free order holds,
 * stale ids never look up, live ones always do.
 */
static void test_random_alloc_free(void **state)
{
	static uint32_t gen[NSLOTS];
	static bool live[NSLOTS];
	uint64_t x = 0x12345678ull;
	size_t used = 0;

	(void)state;
	for (int i = 0; i < NSLOTS; i++) {
		gen[i] = 1;
		live[i] = false;
	}
	for (int step = 0; step < 50000; step++) {
		uint32_t s;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s = (uint32_t)(x % NSLOTS);
		if (x & (1ull << 40)) {
			struct task *t = NULL;
			int first = -1;

			for (int i = 0; i < NSLOTS; i++) {
				if (!live[i]) {
					first = i;
					break;
				}
			}
			if (first < 0) {
				assert_int_equal(task_alloc(1, 0, &t), -ENOMEM);
				continue;
			}
			assert_int_equal(task_alloc(1, 0, &t), 0);
			assert_ptr_equal(t, &slots[first]);
			assert_int_equal(
			    t->id, task_id_make((uint32_t)first, gen[first]));
			live[first] = true;
			used++;
		} else if (live[s]) {
			task_id_t old = slots[s].id;

			assert_int_equal(task_free(&slots[s]), 0);
			assert_null(task_lookup(old));
			gen[s]++;
			live[s] = false;
			used--;
		}
		/* Stale and live lookups of slot s. */
		if (gen[s] > 1)
			assert_null(task_lookup(task_id_make(s, gen[s] - 1)));
		if (live[s])
			assert_ptr_equal(task_lookup(task_id_make(s, gen[s])),
					 &slots[s]);
		else
			assert_null(task_lookup(task_id_make(s, gen[s])));
		assert_int_equal(task_table_used(), used);
	}
}

#define T(fn) cmocka_unit_test_setup(fn, bare_setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_id_encoding),
	    T(test_init_all_free),
	    T(test_alloc_fresh_task),
	    T(test_alloc_until_full),
	    T(test_free_bumps_generation),
	    T(test_lookup_rejects_bad_ids),
	    T(test_generation_wraps_past_zero),
	    T(test_free_refuses_live_tasks),
	    T(test_bad_frees_panic),
	    T(test_reinit_forgets),
	    T(test_random_alloc_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
