/*
 * tests/unit/process_test.c - the process table: slots, generations,
 * stale ids, reserved kernel slots, per-slot reset (spec ipc.md 9).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/proc/process.h"

#include "abi/errno.h"

#define NSLOTS 16u

static struct process storage[NSLOTS];
static struct proc_table table;

static void setup_table(uint32_t n)
{
	memset(storage, 0xa5, sizeof(storage));
	assert_int_equal(proc_table_init(&table, storage, n), 0);
	assert_int_equal(proc_init_kernel_slots(&table), 0);
}

static struct process *alloc_ok(process_id_t parent)
{
	struct process *p = NULL;

	assert_int_equal(proc_alloc(&table, parent, &p), 0);
	assert_non_null(p);
	assert_int_equal(p->state, PROC_EMBRYO);
	return p;
}

/* Exit and free the process named id. */
static void destroy(process_id_t id)
{
	struct process *p = proc_lookup(&table, id);

	assert_non_null(p);
	assert_int_equal(proc_begin_exit(p, 0), 0);
	assert_int_equal(proc_free(&table, id), 0);
}

/* pid helpers pack slot in the low and generation in the high 32 bits. */
static void test_pid_helpers(void **state)
{
	process_id_t id = pid_make(7, 0xdeadbeef);

	(void)state;
	assert_int_equal(id, 0xdeadbeef00000007ull);
	assert_int_equal(pid_slot(id), 7);
	assert_int_equal(pid_generation(id), 0xdeadbeef);
	assert_int_equal(pid_make(0, 0), 0);
	assert_int_equal(pid_slot(UINT64_MAX), UINT32_MAX);
	assert_int_equal(pid_generation(UINT64_MAX), UINT32_MAX);
}

/* Bad init arguments are refused; kernel slots are set up only once. */
static void test_init_errors(void **state)
{
	(void)state;
	assert_int_equal(proc_table_init(NULL, storage, NSLOTS), -EINVAL);
	assert_int_equal(proc_table_init(&table, NULL, NSLOTS), -EINVAL);
	assert_int_equal(proc_table_init(&table, storage, 2), -EINVAL);
	assert_int_equal(proc_table_init(&table, storage, 3), 0);
	assert_int_equal(proc_init_kernel_slots(&table), 0);
	assert_int_equal(proc_init_kernel_slots(&table), -EEXIST);
	/* Three slots: kernel only, nothing to hand out. */
	{
		struct process *p;

		assert_int_equal(proc_alloc(&table, 0, &p), -ENOMEM);
		assert_int_equal(proc_alloc(&table, 0, NULL), -EINVAL);
	}
	assert_int_equal(proc_count_free(&table), 0);
	assert_int_equal(proc_count_used(&table), 3);
}

/* Slots 0..2 are the kernel processes: ids 0, 1, 2, never freed. */
static void test_kernel_slots_reserved(void **state)
{
	(void)state;
	setup_table(NSLOTS);
	for (uint32_t i = 0; i < PROC_KERNEL_SLOTS; i++) {
		struct process *k = proc_lookup(&table, i);

		assert_non_null(k);
		assert_ptr_equal(k, &storage[i]);
		assert_true(k->kernel);
		assert_int_equal(k->state, PROC_LIVE);
		assert_int_equal(k->id, i);
		assert_int_equal(k->page_table_root, 0);
		assert_true(proc_principal_is_none(k));
		assert_int_equal(proc_free(&table, i), -EPERM);
		assert_int_equal(proc_begin_exit(k, 1), -EPERM);
		/* Any other generation of a kernel slot names nothing. */
		assert_null(proc_lookup(&table, pid_make(i, 1)));
	}
	/* The first user process lands in slot 3 with generation 1. */
	assert_int_equal(alloc_ok(1)->id, pid_make(3, PROC_FIRST_GENERATION));
	assert_int_equal(proc_count_used(&table), 4);
	assert_int_equal(proc_count_free(&table), NSLOTS - 4);
}

/* Allocation fills the lowest free slot; lookup finds exactly that one. */
static void test_alloc_lookup_free(void **state)
{
	struct process *a, *b, *c;
	process_id_t ida, idb;

	(void)state;
	setup_table(NSLOTS);
	a = alloc_ok(0);
	b = alloc_ok(a->id);
	ida = a->id;
	idb = b->id;
	assert_int_equal(pid_slot(ida), 3);
	assert_int_equal(pid_slot(idb), 4);
	assert_int_equal(b->parent, ida);
	assert_ptr_equal(proc_lookup(&table, ida), a);
	assert_ptr_equal(proc_lookup(&table, idb), b);
	/* EMBRYO -> LIVE once; LIVE processes cannot be freed. */
	assert_int_equal(proc_activate(a), 0);
	assert_int_equal(proc_activate(a), -EINVAL);
	assert_int_equal(proc_free(&table, ida), -EBUSY);
	assert_int_equal(proc_begin_exit(a, 42), 0);
	assert_int_equal(a->exit_code, 42);
	assert_int_equal(proc_begin_exit(a, 43), -EINVAL);
	assert_int_equal(proc_activate(a), -EINVAL);
	assert_int_equal(proc_free(&table, ida), 0);
	assert_null(proc_lookup(&table, ida));
	assert_int_equal(proc_free(&table, ida), -ENOENT);
	/* An EMBRYO whose creation failed may be freed directly. */
	assert_int_equal(proc_free(&table, idb), 0);
	/* Slot 3 is lowest again, now with the next generation. */
	c = alloc_ok(0);
	assert_int_equal(c->id, pid_make(3, 2));
	/* Out-of-range and never-used slots name nothing. */
	assert_null(proc_lookup(&table, pid_make(NSLOTS, 1)));
	assert_null(proc_lookup(&table, pid_make(UINT32_MAX, 1)));
	assert_null(proc_lookup(&table, pid_make(9, 1)));
	assert_int_equal(proc_free(&table, pid_make(NSLOTS, 1)), -ENOENT);
}

/*
 * The original's gap: an id kept after its process exited must not reach
 * the next occupant of the slot, neither with its own generation nor with
 * generation 0 (the original's BindPrincipal/RevokeCapability path).
 */
static void test_stale_ids_rejected_after_reuse(void **state)
{
	process_id_t old, young;

	(void)state;
	setup_table(NSLOTS);
	old = alloc_ok(0)->id;
	destroy(old);
	young = alloc_ok(0)->id;
	assert_int_equal(pid_slot(young), pid_slot(old));
	assert_int_not_equal(young, old);
	assert_null(proc_lookup(&table, old));
	assert_null(proc_lookup(&table, pid_make(pid_slot(old), 0)));
	assert_non_null(proc_lookup(&table, young));
	/* A stale id cannot free the new occupant. */
	assert_int_equal(proc_free(&table, old), -ENOENT);
	assert_non_null(proc_lookup(&table, young));
	/* Generation 0 never names a user process. */
	for (uint32_t s = PROC_FIRST_USER_SLOT; s < NSLOTS; s++)
		assert_null(proc_lookup(&table, pid_make(s, 0)));
}

/* The generation wraps from 2^32-1 to 1, skipping the kernel's 0. */
static void test_generation_wrap(void **state)
{
	struct process *p;
	process_id_t id;

	(void)state;
	setup_table(NSLOTS);
	storage[3].generation = UINT32_MAX - 1;
	p = alloc_ok(0);
	assert_int_equal(p->id, pid_make(3, UINT32_MAX - 1));
	destroy(p->id);
	p = alloc_ok(0);
	id = p->id;
	assert_int_equal(id, pid_make(3, UINT32_MAX));
	destroy(id);
	assert_int_equal(storage[3].generation, 1);
	p = alloc_ok(0);
	assert_int_equal(p->id, pid_make(3, 1));
	assert_null(proc_lookup(&table, id));
	assert_null(proc_lookup(&table, pid_make(3, 0)));
}

/* A full table says -ENOMEM; freeing any slot makes room again. */
static void test_table_full(void **state)
{
	process_id_t ids[NSLOTS];
	struct process *p;

	(void)state;
	setup_table(NSLOTS);
	for (uint32_t i = PROC_FIRST_USER_SLOT; i < NSLOTS; i++)
		ids[i] = alloc_ok(0)->id;
	assert_int_equal(proc_count_free(&table), 0);
	assert_int_equal(proc_count_used(&table), NSLOTS);
	assert_int_equal(proc_alloc(&table, 0, &p), -ENOMEM);
	assert_int_equal(proc_alloc(&table, 0, &p), -ENOMEM);
	destroy(ids[9]);
	p = alloc_ok(0);
	assert_int_equal(pid_slot(p->id), 9);
	assert_int_equal(proc_alloc(&table, 0, &p), -ENOMEM);
	/* Freeing two: the lower one is handed out first. */
	destroy(ids[12]);
	destroy(ids[5]);
	assert_int_equal(pid_slot(alloc_ok(0)->id), 5);
	assert_int_equal(pid_slot(alloc_ok(0)->id), 12);
}

struct hook_log {
	unsigned calls;
	uint32_t last_slot;
	process_id_t last_id;
	uint64_t records[NSLOTS]; /* a per-slot record owned elsewhere */
};

static void reset_record(void *ctx, uint32_t slot, process_id_t id)
{
	struct hook_log *log = ctx;

	log->calls++;
	log->last_slot = slot;
	log->last_id = id;
	log->records[slot] = 0;
}

/*
 * Everything a process held in its slot is gone for the next occupant:
 * every descriptor field, and per-slot records kept outside the table
 * (the capability slot and reply endpoint of the original) through the
 * reset hooks.
 */
static void test_reset_of_per_slot_state(void **state)
{
	struct hook_log log = {0};
	struct vma_set *fake_vmas = (struct vma_set *)&log;
	struct process *p;
	process_id_t id;

	(void)state;
	setup_table(NSLOTS);
	assert_int_equal(proc_table_add_reset_hook(&table, NULL, NULL),
			 -EINVAL);
	assert_int_equal(proc_table_add_reset_hook(&table, reset_record, &log),
			 0);
	p = alloc_ok(2);
	id = p->id;
	assert_int_equal(proc_activate(p), 0);
	p->page_table_root = 0x1234000;
	memset(p->principal, 0x77, sizeof(p->principal));
	p->vmas = fake_vmas;
	p->tasks = 3;
	p->created_tick = 99;
	p->user_frames = 1000;
	log.records[pid_slot(id)] = 0xfeed;
	assert_false(proc_principal_is_none(p));
	destroy(id);
	assert_int_equal(log.calls, 1);
	assert_int_equal(log.last_slot, pid_slot(id));
	assert_int_equal(log.last_id, id);
	assert_int_equal(log.records[pid_slot(id)], 0);

	p = alloc_ok(0);
	assert_int_equal(pid_slot(p->id), pid_slot(id));
	assert_int_equal(p->page_table_root, 0);
	assert_true(proc_principal_is_none(p));
	assert_null(p->vmas);
	assert_int_equal(p->tasks, 0);
	assert_int_equal(p->created_tick, 0);
	assert_int_equal(p->user_frames, 0);
	assert_int_equal(p->exit_code, 0);
	assert_int_equal(p->parent, 0);
	assert_false(p->kernel);
	/* Failed lookups and refused frees do not run the hooks. */
	assert_int_equal(proc_free(&table, id), -ENOENT);
	assert_int_equal(proc_free(&table, 0), -EPERM);
	assert_int_equal(log.calls, 1);
}

static void count_noop(void *ctx, uint32_t slot, process_id_t id)
{
	(void)ctx;
	(void)slot;
	(void)id;
}

/* At most PROC_MAX_RESET_HOOKS hooks; all run, in order. */
static void test_reset_hook_limit(void **state)
{
	(void)state;
	setup_table(NSLOTS);
	for (unsigned i = 0; i < PROC_MAX_RESET_HOOKS; i++)
		assert_int_equal(
		    proc_table_add_reset_hook(&table, count_noop, NULL), 0);
	assert_int_equal(proc_table_add_reset_hook(&table, count_noop, NULL),
			 -ENOSPC);
	destroy(alloc_ok(0)->id);
}

struct visit {
	unsigned n;
	uint32_t slots[NSLOTS];
	unsigned stop_after;
};

static int visit_fn(void *ctx, struct process *p)
{
	struct visit *v = ctx;

	v->slots[v->n++] = pid_slot(p->id);
	return v->n == v->stop_after ? 77 : 0;
}

/* proc_for_each visits used slots in order and stops on request. */
static void test_for_each(void **state)
{
	struct visit v = {0};
	process_id_t ids[6];

	(void)state;
	setup_table(NSLOTS);
	for (int i = 0; i < 6; i++)
		ids[i] = alloc_ok(0)->id;
	destroy(ids[1]);
	destroy(ids[4]);
	assert_int_equal(proc_for_each(&table, visit_fn, &v), 0);
	assert_int_equal(v.n, 7);
	{
		const uint32_t want[] = {0, 1, 2, 3, 5, 6, 8};

		for (unsigned i = 0; i < 7; i++)
			assert_int_equal(v.slots[i], want[i]);
	}
	memset(&v, 0, sizeof(v));
	v.stop_after = 4;
	assert_int_equal(proc_for_each(&table, visit_fn, &v), 77);
	assert_int_equal(v.n, 4);
}

/*
 * 50,000 random allocs and frees against a model of slot -> generation:
 * the lowest free slot is always chosen, ids are exact, stale ids fail,
 * counts agree.
 */
static void test_random_model(void **state)
{
	uint32_t gen[NSLOTS];
	bool used[NSLOTS] = {0};
	process_id_t stale[64];
	unsigned nstale = 0;
	unsigned seed = 12345;

	(void)state;
	setup_table(NSLOTS);
	for (uint32_t i = 0; i < NSLOTS; i++)
		gen[i] = PROC_FIRST_GENERATION;
	for (int step = 0; step < 50000; step++) {
		uint32_t r, s;

		seed = seed * 1103515245u + 12345u;
		r = seed >> 8;
		s = PROC_FIRST_USER_SLOT + r % (NSLOTS - PROC_FIRST_USER_SLOT);
		if (r & 0x10000) {
			struct process *p;
			int err = proc_alloc(&table, 0, &p);
			uint32_t want = PROC_FIRST_USER_SLOT;

			while (want < NSLOTS && used[want])
				want++;
			if (want == NSLOTS) {
				assert_int_equal(err, -ENOMEM);
				continue;
			}
			assert_int_equal(err, 0);
			assert_int_equal(p->id, pid_make(want, gen[want]));
			used[want] = true;
		} else if (used[s]) {
			process_id_t id = pid_make(s, gen[s]);

			destroy(id);
			used[s] = false;
			gen[s] = gen[s] + 1 ? gen[s] + 1 : 1;
			stale[nstale++ % 64] = id;
		}
		for (unsigned i = 0; i < (nstale < 64 ? nstale : 64); i++)
			assert_null(proc_lookup(&table, stale[i]));
	}
	{
		uint32_t n = PROC_KERNEL_SLOTS;

		for (uint32_t i = PROC_FIRST_USER_SLOT; i < NSLOTS; i++) {
			n += used[i];
			if (used[i])
				assert_non_null(
				    proc_lookup(&table, pid_make(i, gen[i])));
		}
		assert_int_equal(proc_count_used(&table), n);
		assert_int_equal(proc_count_free(&table), NSLOTS - n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pid_helpers),
	    cmocka_unit_test(test_init_errors),
	    cmocka_unit_test(test_kernel_slots_reserved),
	    cmocka_unit_test(test_alloc_lookup_free),
	    cmocka_unit_test(test_stale_ids_rejected_after_reuse),
	    cmocka_unit_test(test_generation_wrap),
	    cmocka_unit_test(test_table_full),
	    cmocka_unit_test(test_reset_of_per_slot_state),
	    cmocka_unit_test(test_reset_hook_limit),
	    cmocka_unit_test(test_for_each),
	    cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
