/*
 * tests/unit/heap_test.c - kmalloc/kzalloc/kfree over the real frame
 * allocator (buddy on a malloc'd arena), plus fake backends for failures.
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

#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/memmap.h"

#include "tests/unit/fake_panic.h"

#define PG	   4096u
#define ARENA_SIZE (32u << 20)
#define FAKE_BASE  0x80000000ull

static uint8_t *arena;	       /* backs [FAKE_BASE, FAKE_BASE + ARENA_SIZE) */
static size_t frames_at_start; /* free frames right after frame_init */

static int group_setup(void **state)
{
	(void)state;
	arena = aligned_alloc(4u << 20, ARENA_SIZE);
	return arena ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

/* Fresh frame allocator and heap for every test. */
static int setup(void **state)
{
	struct mem_range r = {FAKE_BASE, FAKE_BASE + ARENA_SIZE};

	(void)state;
	memset(arena, 0xcc, ARENA_SIZE);
	if (frame_init(&r, 1, (uintptr_t)arena - (uintptr_t)FAKE_BASE))
		return -1;
	frames_at_start = frame_free_count();
	heap_init(&frame_heap_backend);
	return 0;
}

static struct heap_stats stats(void)
{
	struct heap_stats s;

	heap_get_stats(&s);
	return s;
}

static void assert_heap_empty(void)
{
	struct heap_stats s = stats();

	assert_int_equal(s.bytes_in_use, 0);
	assert_int_equal(s.blocks_in_use, 0);
	assert_int_equal(s.pages_held, 0);
	assert_int_equal(s.slab_pages, 0);
	assert_int_equal(frame_free_count(), frames_at_start);
}

static uint8_t pattern(size_t block, size_t i)
{
	return (uint8_t)(block * 31 + i * 7 + 1);
}

/* Every size from 0 to 16 KiB: aligned, big enough, no overlap. */
static void test_sizes_0_to_16k(void **state)
{
	enum { N = 2200 };
	static void *p[N + 200];
	static size_t sz[N + 200];
	size_t n = 0, bytes = 0;

	(void)state;
	for (size_t size = 0; size < N; size++, n++) {
		sz[n] = size;
		p[n] = kmalloc(size);
	}
	for (size_t size = N; size <= 16384; size += 89, n++) {
		sz[n] = size;
		p[n] = kmalloc(size);
	}
	for (size_t i = 0; i < n; i++) {
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % HEAP_ALIGN, 0);
		assert_true(heap_usable_size(p[i]) >= sz[i]);
		bytes += heap_usable_size(p[i]);
		for (size_t j = 0; j < sz[i]; j++)
			((uint8_t *)p[i])[j] = pattern(i, j);
	}
	assert_int_equal(stats().bytes_in_use, bytes);
	assert_int_equal(stats().blocks_in_use, n);
	/* No block's writes reached another block. */
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < sz[i]; j++) {
			if (((uint8_t *)p[i])[j] != pattern(i, j))
				fail_msg("block %zu (size %zu) byte %zu "
					 "overwritten",
					 i, sz[i], j);
		}
	}
	for (size_t i = 0; i < n; i++)
		kfree(p[i]);
	assert_heap_empty();
}

/* Slab sizes use their class; large sizes report what was asked. */
static void test_usable_sizes(void **state)
{
	static const struct {
		size_t ask, usable;
	} cases[] = {
	    {0, 16},	      {1, 16},	    {16, 16},	  {17, 32},
	    {33, 48},	      {100, 128},   {257, 336},	  {400, 496},
	    {1000, 1008},     {1009, 2016}, {2016, 2016}, {2017, 2017},
	    {100000, 100000},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		void *p = kmalloc(cases[i].ask);

		assert_non_null(p);
		assert_int_equal(heap_usable_size(p), cases[i].usable);
		kfree(p);
	}
	assert_int_equal(heap_usable_size(NULL), 0);
	assert_heap_empty();
}

/* Large blocks up to what the buddy backend serves (4 MiB blocks). */
static void test_big_allocations(void **state)
{
	void *a, *b, *c;
	struct heap_stats s;

	(void)state;
	a = kmalloc(1u << 20);
	b = kmalloc((4u << 20) - 64); /* exactly one 4 MiB block */
	assert_non_null(a);
	assert_non_null(b);
	memset(a, 1, 1u << 20);
	memset(b, 2, (4u << 20) - 64);
	s = stats();
	/* 1 MiB + header needs 257 pages: an order-9 block of 512. */
	assert_int_equal(s.pages_held, 512 + 1024);
	/* One byte more needs an 8 MiB block: the buddy has none that big. */
	c = kmalloc((4u << 20) - 63);
	assert_null(c);
	assert_int_equal(stats().failures, 1);
	kfree(a);
	kfree(b);
	assert_heap_empty();
}

/* Requests too large to represent fail cleanly, without overflow. */
static void test_huge_requests_fail(void **state)
{
	static const size_t huge[] = {
	    SIZE_MAX,	     SIZE_MAX - 1,
	    SIZE_MAX - 64,   SIZE_MAX / 2 + 1,
	    (size_t)1 << 40, ((size_t)HEAP_PAGE_SIZE << HEAP_MAX_ORDER) - 63,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		assert_null(kmalloc(huge[i]));
		assert_null(kzalloc(huge[i]));
	}
	assert_int_equal(stats().failures, 2 * sizeof(huge) / sizeof(huge[0]));
	assert_heap_empty();
}

/* kmalloc(0) gives distinct, freeable blocks. */
static void test_zero_size_is_unique(void **state)
{
	void *a = kmalloc(0), *b = kmalloc(0);

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	kfree(a);
	kfree(b);
	assert_heap_empty();
}

/* kzalloc clears memory that held junk; kfree(NULL) does nothing. */
static void test_kzalloc_and_free_null(void **state)
{
	uint8_t *p = kmalloc(200), *q;

	(void)state;
	memset(p, 0xff, 200);
	kfree(p);
	q = kzalloc(200);
	assert_ptr_equal(p, q); /* first fit reuses the slot */
	for (int i = 0; i < 200; i++)
		assert_int_equal(q[i], 0);
	kfree(q);
	q = kzalloc(10000);
	assert_non_null(q);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(q[i], 0);
	kfree(q);
	kfree(NULL);
	assert_int_equal(stats().frees, 3);
	assert_heap_empty();
}

/* A freed slot is handed out again; full slabs get a new page. */
static void test_free_and_reuse(void **state)
{
	void *objs[300];
	void *again;

	(void)state;
	/* 252 objects of 16 bytes fill one page. */
	for (int i = 0; i < 252; i++)
		objs[i] = kmalloc(16);
	assert_int_equal(stats().slab_pages, 1);
	objs[252] = kmalloc(16);
	assert_int_equal(stats().slab_pages, 2);
	assert_int_not_equal((uintptr_t)objs[252] & ~(uintptr_t)(PG - 1),
			     (uintptr_t)objs[0] & ~(uintptr_t)(PG - 1));
	kfree(objs[100]);
	again = kmalloc(10);
	assert_ptr_equal(again, objs[100]);
	for (int i = 0; i < 253; i++)
		kfree(objs[i]);
	assert_heap_empty();
}

/* Double frees panic: slab, slab already released, large. */
static void test_double_free_panics(void **state)
{
	void *a = kmalloc(24), *b = kmalloc(24), *big = kmalloc(9000);
	char want[64];

	(void)state;
	kfree(a);
	snprintf(want, sizeof(want), "kfree: double free of %p", a);
	EXPECT_PANIC(kfree(a), want);
	/* b was the last object: its page went back to the buddy. */
	kfree(b);
	assert_int_equal(stats().slab_pages, 0);
	EXPECT_PANIC(kfree(b), "kfree: double free of");
	kfree(big);
	EXPECT_PANIC(kfree(big), "kfree: double free of");
	EXPECT_PANIC((void)heap_usable_size(big), "double free");
	assert_heap_empty();
}

/* Pointers the heap never returned panic as foreign. */
static void test_foreign_and_interior_pointers_panic(void **state)
{
	uint8_t *buf = aligned_alloc(PG, 2 * PG);
	uint8_t *small = kmalloc(32), *big = kzalloc(3 * PG);
	char want[64];

	(void)state;
	assert_non_null(buf);
	memset(buf, 0, 2 * PG);
	snprintf(want, sizeof(want), "kfree: foreign pointer %p", buf + 64);
	EXPECT_PANIC(kfree(buf + 64), want);
	EXPECT_PANIC(kfree(buf + PG + 100), "foreign pointer");
	/* Inside a slab object, and inside the slab header. */
	EXPECT_PANIC(kfree(small + 16), "foreign pointer");
	EXPECT_PANIC(kfree(small + 1), "foreign pointer");
	EXPECT_PANIC(kfree((void *)((uintptr_t)small & ~(uintptr_t)(PG - 1))),
		     "foreign pointer");
	EXPECT_PANIC(kfree((uint8_t *)((uintptr_t)small | (PG - 1))),
		     "foreign pointer");
	/* Inside a large block: first page and a later page. */
	EXPECT_PANIC(kfree(big + 16), "foreign pointer");
	EXPECT_PANIC(kfree(big + PG), "foreign pointer");
	EXPECT_PANIC((void)heap_usable_size(big + 8),
		     "heap_usable_size: foreign pointer");
	/* The rejected frees changed nothing. */
	kfree(small);
	kfree(big);
	assert_heap_empty();
	free(buf);
}

/* Counters follow allocations and return to zero. */
static void test_stats(void **state)
{
	void *a = kmalloc(100), *b = kmalloc(100), *c = kmalloc(5000);
	struct heap_stats s = stats();

	(void)state;
	assert_int_equal(s.bytes_in_use, 128 + 128 + 5000);
	assert_int_equal(s.blocks_in_use, 3);
	assert_int_equal(s.slab_pages, 1);
	assert_int_equal(s.pages_held, 1 + 2);
	assert_int_equal(s.allocs, 3);
	kfree(b);
	kfree(c);
	s = stats();
	assert_int_equal(s.bytes_in_use, 128);
	assert_int_equal(s.pages_held, 1);
	assert_int_equal(s.frees, 2);
	kfree(a);
	assert_heap_empty();
	assert_int_equal(stats().allocs, 3);
	assert_int_equal(stats().frees, 3);
}

/* Backends for failure cases. */
static unsigned backend_calls;

static void *null_alloc(size_t order)
{
	(void)order;
	backend_calls++;
	return NULL;
}

static void *crooked_alloc(size_t order)
{
	(void)order;
	return arena + 8;
}

static void no_free(void *p, size_t order)
{
	(void)p;
	(void)order;
}

/* An empty backend and an uninitialised heap give NULL. */
static void test_backend_exhausted_and_no_heap(void **state)
{
	struct heap_backend empty = {null_alloc, no_free};
	struct heap_backend partial = {null_alloc, NULL};

	(void)state;
	heap_init(&empty);
	backend_calls = 0;
	assert_null(kmalloc(10));
	assert_null(kmalloc(100000));
	assert_int_equal(backend_calls, 2);
	/* Too large for 2^HEAP_MAX_ORDER pages: the backend is not asked. */
	assert_null(kmalloc(SIZE_MAX));
	assert_int_equal(backend_calls, 2);
	assert_int_equal(stats().failures, 3);
	heap_init(&partial);
	assert_null(kmalloc(10));
	heap_init(NULL);
	assert_null(kmalloc(10));
	kfree(NULL);
}

/* A backend returning unaligned pages is a kernel bug: panic. */
static void test_misaligned_backend_panics(void **state)
{
	struct heap_backend crooked = {crooked_alloc, no_free};

	(void)state;
	heap_init(&crooked);
	EXPECT_PANIC((void)kmalloc(10), "misaligned");
}

/*
 * Random allocations and frees against a shadow list: each block is
 * filled with its own byte and checked when freed, so any overlap or
 * allocator write into a live block shows; counters are checked too.
 */
static void test_random_sequences_with_shadow_model(void **state)
{
	enum { MAXLIVE = 3000 };
	static struct {
		uint8_t *p;
		size_t size;
		uint8_t tag;
	} live[MAXLIVE];
	size_t nlive = 0, bytes = 0;

	(void)state;
	srand(99);
	for (int op = 0; op < 30000; op++) {
		if (nlive == 0 || (nlive < MAXLIVE && rand() % 100 < 52)) {
			size_t size;
			uint8_t *p;

			switch (rand() % 10) {
			case 0:
				size = (size_t)rand() % 40000;
				break;
			case 1:
			case 2:
				size = (size_t)rand() % 2100;
				break;
			default:
				size = (size_t)rand() % 300;
				break;
			}
			p = kmalloc(size);
			if (!p)
				continue;
			assert_int_equal((uintptr_t)p % HEAP_ALIGN, 0);
			live[nlive].p = p;
			live[nlive].size = size;
			live[nlive].tag = (uint8_t)(op | 1);
			memset(p, live[nlive].tag, size);
			bytes += heap_usable_size(p);
			nlive++;
		} else {
			size_t i = (size_t)rand() % nlive;

			for (size_t j = 0; j < live[i].size; j++) {
				if (live[i].p[j] != live[i].tag)
					fail_msg("block %p byte %zu changed",
						 (void *)live[i].p, j);
			}
			bytes -= heap_usable_size(live[i].p);
			kfree(live[i].p);
			live[i] = live[--nlive];
		}
		if (op % 1000 == 0) {
			assert_int_equal(stats().bytes_in_use, bytes);
			assert_int_equal(stats().blocks_in_use, nlive);
		}
	}
	while (nlive > 0) {
		nlive--;
		kfree(live[nlive].p);
	}
	assert_heap_empty();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_sizes_0_to_16k, setup),
	    cmocka_unit_test_setup(test_usable_sizes, setup),
	    cmocka_unit_test_setup(test_big_allocations, setup),
	    cmocka_unit_test_setup(test_huge_requests_fail, setup),
	    cmocka_unit_test_setup(test_zero_size_is_unique, setup),
	    cmocka_unit_test_setup(test_kzalloc_and_free_null, setup),
	    cmocka_unit_test_setup(test_free_and_reuse, setup),
	    cmocka_unit_test_setup(test_double_free_panics, setup),
	    cmocka_unit_test_setup(test_foreign_and_interior_pointers_panic,
				   setup),
	    cmocka_unit_test_setup(test_stats, setup),
	    cmocka_unit_test_setup(test_backend_exhausted_and_no_heap, setup),
	    cmocka_unit_test_setup(test_misaligned_backend_panics, setup),
	    cmocka_unit_test_setup(test_random_sequences_with_shadow_model,
				   setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
