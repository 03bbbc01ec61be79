/*
 * tests/unit/buddy_test.c - the buddy frame allocator and frame wrappers.
 *
 * "Physical memory" is a malloc'd arena that the allocator sees at the
 * fake physical address FAKE_BASE through virt_offset, as the kernel sees
 * RAM through its direct map.
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

#include "kernel/mm/buddy.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/memmap.h"

#include "abi/errno.h"

#include "tests/unit/fake_panic.h"

#define PG	     4096ull
#define ARENA_SIZE   (32ull << 20)
#define FAKE_BASE    0x40000000ull /* 1 GiB: aligned to every order */
#define ARENA_FRAMES (ARENA_SIZE / PG)

static uint8_t *arena; /* backing store of [FAKE_BASE, +ARENA_SIZE) */
static uintptr_t voff; /* virt_offset for the arena */
static struct buddy b;

static int setup(void **state)
{
	(void)state;
	arena = aligned_alloc(4u << 20, ARENA_SIZE);
	assert_non_null(arena);
	memset(arena, 0xcc, ARENA_SIZE);
	voff = (uintptr_t)arena - (uintptr_t)FAKE_BASE;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

static struct mem_range R(uint64_t first_page, uint64_t npages) {
	struct mem_range r = {
	    .base = FAKE_BASE + first_page * PG,
	    .end = FAKE_BASE + (first_page + npages) * PG,
	};
	return r;
}

static void *
virt(uint64_t phys)
{
	return (void *)((uintptr_t)phys + voff);
}

/* Snapshot of the free lists' lengths, to compare states. */
struct snapshot {
	size_t blocks[BUDDY_ORDERS];
	size_t free;
};

static struct snapshot snap(void)
{
	struct snapshot s;

	for (unsigned k = 0; k < BUDDY_ORDERS; k++)
		s.blocks[k] = buddy_free_blocks(&b, k);
	s.free = buddy_free_frames(&b);
	return s;
}

static void assert_same(const struct snapshot *a, const struct snapshot *c)
{
	assert_int_equal(a->free, c->free);
	for (unsigned k = 0; k < BUDDY_ORDERS; k++)
		assert_int_equal(a->blocks[k], c->blocks[k]);
}

static void init_whole_arena(void)
{
	struct mem_range r = R(0, ARENA_FRAMES);

	assert_int_equal(buddy_init(&b, &r, 1, voff), 0);
}

/* One range: metadata takes 2 of 8192 frames; all else is free. */
static void test_init_single_range(void **state)
{
	(void)state;
	init_whole_arena();
	assert_int_equal(buddy_total_frames(&b), ARENA_FRAMES - 2);
	assert_int_equal(buddy_free_frames(&b), ARENA_FRAMES - 2);
	/* Frames 2, 4-7, 8-15, ... 512-1023, then 4 MiB blocks. */
	assert_int_equal(buddy_free_blocks(&b, 0), 0);
	assert_int_equal(buddy_free_blocks(&b, 1), 1);
	for (unsigned k = 2; k < BUDDY_MAX_ORDER; k++)
		assert_int_equal(buddy_free_blocks(&b, k), 1);
	assert_int_equal(buddy_free_blocks(&b, BUDDY_MAX_ORDER),
			 ARENA_FRAMES / 1024 - 1);
	assert_int_equal(buddy_free_blocks(&b, BUDDY_MAX_ORDER + 1), 0);
	assert_true(buddy_check(&b));
}

/* Each order: aligned, inside the arena, writable, and freed back. */
static void test_alloc_free_every_order(void **state)
{
	struct snapshot before;

	(void)state;
	init_whole_arena();
	before = snap();
	for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
		uint64_t p = buddy_alloc(&b, k);
		uint64_t size = PG << k;

		assert_int_not_equal(p, 0);
		assert_int_equal(p % size, 0);
		assert_true(p >= FAKE_BASE &&
			    p + size <= FAKE_BASE + ARENA_SIZE);
		assert_int_equal(buddy_free_frames(&b),
				 before.free - (1u << k));
		memset(virt(p), 0x5a, size);
		assert_true(buddy_check(&b));
		buddy_free(&b, p, k);
		assert_true(buddy_check(&b));
		struct snapshot after = snap();
		assert_same(&before, &after);
	}
	assert_int_equal(buddy_alloc(&b, BUDDY_MAX_ORDER + 1), 0);
	assert_int_equal(buddy_alloc(&b, 1000), 0);
}

/* Many small allocations split blocks; freeing all merges them back. */
static void test_coalescing_restores_initial_state(void **state)
{
	static uint64_t got[3000];
	struct snapshot before, after;

	(void)state;
	init_whole_arena();
	before = snap();
	for (size_t i = 0; i < 3000; i++) {
		got[i] = buddy_alloc(&b, (unsigned)(i % 3));
		assert_int_not_equal(got[i], 0);
	}
	assert_true(buddy_check(&b));
	/* Free in an order unrelated to allocation: evens, then odds. */
	for (size_t i = 0; i < 3000; i += 2)
		buddy_free(&b, got[i], (unsigned)(i % 3));
	assert_true(buddy_check(&b));
	for (size_t i = 1; i < 3000; i += 2)
		buddy_free(&b, got[i], (unsigned)(i % 3));
	assert_true(buddy_check(&b));
	after = snap();
	assert_same(&before, &after);
}

/* Exhaustion returns 0; every frame was handed out exactly once. */
static void test_exhaustion_returns_zero(void **state)
{
	static uint8_t seen[ARENA_FRAMES];
	static uint64_t got[ARENA_FRAMES];
	struct snapshot before, after;
	size_t n = 0;
	uint64_t p;

	(void)state;
	init_whole_arena();
	before = snap();
	memset(seen, 0, sizeof(seen));
	while ((p = buddy_alloc(&b, 0)) != 0) {
		uint64_t idx = (p - FAKE_BASE) / PG;

		assert_true(idx < ARENA_FRAMES);
		assert_int_equal(seen[idx], 0);
		seen[idx] = 1;
		got[n++] = p;
	}
	assert_int_equal(n, buddy_total_frames(&b));
	assert_int_equal(buddy_free_frames(&b), 0);
	assert_int_equal(buddy_alloc(&b, 0), 0);
	assert_int_equal(buddy_alloc(&b, 3), 0);
	assert_true(buddy_check(&b));
	/* The two metadata frames were never handed out. */
	assert_int_equal(seen[0] + seen[1], 0);
	while (n > 0)
		buddy_free(&b, got[--n], 0);
	assert_true(buddy_check(&b));
	after = snap();
	assert_same(&before, &after);
}

/* Big blocks run out while smaller ones remain. */
static void test_large_order_exhaustion(void **state)
{
	uint64_t big[16];
	size_t n = 0;

	(void)state;
	init_whole_arena();
	while (n < 16 && (big[n] = buddy_alloc(&b, BUDDY_MAX_ORDER)) != 0)
		n++;
	assert_int_equal(n, ARENA_FRAMES / 1024 - 1);
	assert_int_equal(buddy_alloc(&b, BUDDY_MAX_ORDER), 0);
	assert_int_not_equal(buddy_alloc(&b, BUDDY_MAX_ORDER - 1), 0);
	assert_true(buddy_check(&b));
}

/* Several discontiguous ranges: blocks never cross a hole. */
static void test_discontiguous_ranges(void **state)
{
	struct mem_range r[3] = {R(0, 100), R(300, 1500), R(4096, 4096)};
	uint64_t p;
	size_t n = 0;

	(void)state;
	assert_int_equal(buddy_init(&b, r, 3, voff), 0);
	assert_int_equal(buddy_total_frames(&b), 99 + 1499 + 4095);
	assert_true(buddy_check(&b));
	for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
		while ((p = buddy_alloc(&b, k)) != 0) {
			assert_true(memmap_contains(r, 3, p, p + (PG << k)));
			assert_int_equal(p % (PG << k), 0);
			n += 1u << k;
		}
		assert_true(buddy_check(&b));
	}
	assert_int_equal(n, buddy_total_frames(&b));
	assert_int_equal(buddy_free_frames(&b), 0);
}

/* Ranges not aligned to large orders still give aligned blocks. */
static void test_range_unaligned_to_large_orders(void **state)
{
	struct mem_range r = R(3, 1021); /* frames 3..1023 */
	uint64_t p;

	(void)state;
	assert_int_equal(buddy_init(&b, &r, 1, voff), 0);
	assert_true(buddy_check(&b));
	assert_int_equal(buddy_total_frames(&b), 1020);
	/* No 4 MiB block fits; the largest is 2 MiB at frame 512. */
	assert_int_equal(buddy_alloc(&b, BUDDY_MAX_ORDER), 0);
	p = buddy_alloc(&b, 9);
	assert_int_equal(p, FAKE_BASE + 512 * PG);
	assert_int_equal(buddy_alloc(&b, 9), 0);
	buddy_free(&b, p, 9);
	assert_true(buddy_check(&b));
}

/* Frame 0 is never handed out even when the range starts there. */
static void test_phys_zero_never_returned(void **state)
{
	struct mem_range r = {.base = 0, .end = 2048 * PG};
	uintptr_t zoff = (uintptr_t)arena; /* phys 0 at arena start */
	uint64_t p;
	size_t n = 0;

	(void)state;
	assert_int_equal(buddy_init(&b, &r, 1, zoff), 0);
	while ((p = buddy_alloc(&b, 0)) != 0) {
		assert_true(p >= PG);
		n++;
	}
	assert_int_equal(n, 2047);
	assert_true(buddy_check(&b));
}

/* Bad ranges are refused; the allocator then manages nothing. */
static void test_init_rejects_bad_ranges(void **state)
{
	struct mem_range unsorted[2] = {R(100, 10), R(0, 10)};
	struct mem_range overlap[2] = {R(0, 10), R(5, 10)};
	struct mem_range unaligned = {FAKE_BASE + 1, FAKE_BASE + 10 * PG};
	struct mem_range empty = {FAKE_BASE, FAKE_BASE};
	struct mem_range tiny[2] = {R(0, 1), R(10, 1)};

	(void)state;
	assert_int_equal(buddy_init(&b, unsorted, 2, voff), -EINVAL);
	assert_int_equal(buddy_alloc(&b, 0), 0);
	assert_int_equal(buddy_init(&b, overlap, 2, voff), -EINVAL);
	assert_int_equal(buddy_init(&b, &unaligned, 1, voff), -EINVAL);
	assert_int_equal(buddy_init(&b, &empty, 1, voff), -EINVAL);
	assert_int_equal(buddy_init(&b, NULL, 1, voff), -EINVAL);
	assert_int_equal(buddy_init(NULL, tiny, 1, voff), -EINVAL);
	assert_int_equal(buddy_init(&b, NULL, 0, voff), -ENOMEM);
	/* One frame is all metadata: nothing to allocate. */
	assert_int_equal(buddy_init(&b, tiny, 2, voff), -ENOMEM);
	assert_int_equal(buddy_alloc(&b, 0), 0);
	assert_int_equal(buddy_total_frames(&b), 0);
	assert_true(buddy_check(&b));
}

/* Past BUDDY_MAX_ZONES ranges are ignored and counted. */
static void test_too_many_ranges(void **state)
{
	struct mem_range r[BUDDY_MAX_ZONES + 6];
	size_t n = sizeof(r) / sizeof(r[0]);

	(void)state;
	for (size_t i = 0; i < n; i++)
		r[i] = R(i * 8, 4);
	assert_int_equal(buddy_init(&b, r, n, voff), 0);
	assert_int_equal(b.ranges_ignored, 6);
	assert_int_equal(buddy_total_frames(&b), BUDDY_MAX_ZONES * 3);
	assert_true(buddy_check(&b));
}

/* Double frees panic, also once the block has merged. */
static void test_double_free_panics(void **state)
{
	uint64_t p, q;

	(void)state;
	init_whole_arena();
	p = buddy_alloc(&b, 0);
	q = buddy_alloc(&b, 2);
	buddy_free(&b, p, 0);
	EXPECT_PANIC(buddy_free(&b, p, 0), "buddy_free: double free of");
	buddy_free(&b, q, 2);
	/* q's frames are now inside a merged free block. */
	EXPECT_PANIC(buddy_free(&b, q, 2), "double free");
	EXPECT_PANIC(buddy_free(&b, q + PG, 0), "double free");
	assert_true(buddy_check(&b));
	char want[64];
	snprintf(want, sizeof(want), "double free of %#llx",
		 (unsigned long long)q);
	EXPECT_PANIC(buddy_free(&b, q, 2), want);
}

/* Frames the allocator does not manage panic as foreign. */
static void test_foreign_free_panics(void **state)
{
	struct mem_range r[2] = {R(0, 100), R(200, 100)};

	(void)state;
	assert_int_equal(buddy_init(&b, r, 2, voff), 0);
	EXPECT_PANIC(buddy_free(&b, FAKE_BASE + 150 * PG, 0), "foreign frame");
	EXPECT_PANIC(buddy_free(&b, FAKE_BASE + 300 * PG, 0), "foreign frame");
	EXPECT_PANIC(buddy_free(&b, 0x1000, 0), "foreign frame");
	EXPECT_PANIC(buddy_free(&b, UINT64_MAX & ~(PG - 1), 0),
		     "foreign frame");
	/* The metadata frame at the start of a range. */
	EXPECT_PANIC(buddy_free(&b, FAKE_BASE + 200 * PG, 0), "foreign frame");
	EXPECT_PANIC(buddy_free(&b, FAKE_BASE + 3, 0), "unaligned");
	assert_true(buddy_check(&b));
}

/* Wrong orders, interior frames and silly orders panic. */
static void test_wrong_order_and_interior_free_panic(void **state)
{
	uint64_t p;

	(void)state;
	init_whole_arena();
	p = buddy_alloc(&b, 3);
	EXPECT_PANIC(buddy_free(&b, p, 2), "wrong order 2");
	EXPECT_PANIC(buddy_free(&b, p, 4), "allocated as order 3");
	EXPECT_PANIC(buddy_free(&b, p + PG, 0), "inside an allocated block");
	EXPECT_PANIC(buddy_free(&b, p + 4 * PG, 2), "inside");
	EXPECT_PANIC(buddy_free(&b, p, BUDDY_MAX_ORDER + 1), "too large");
	/* None of the rejected frees changed anything. */
	assert_true(buddy_check(&b));
	buddy_free(&b, p, 3);
	assert_true(buddy_check(&b));
}

/* The checker notices corrupted metadata and lists. */
static void test_check_detects_corruption(void **state)
{
	uint64_t p;
	uint8_t saved;
	struct buddy_node *saved_next;

	(void)state;
	init_whole_arena();
	p = buddy_alloc(&b, 2);
	assert_true(buddy_check(&b));
	/* A tail byte of the used block claims to be free. */
	saved = b.zones[0].meta[(p - FAKE_BASE) / PG + 1];
	b.zones[0].meta[(p - FAKE_BASE) / PG + 1] = 0x20;
	assert_false(buddy_check(&b));
	b.zones[0].meta[(p - FAKE_BASE) / PG + 1] = saved;
	/* A list made circular. */
	saved_next = b.free_list[BUDDY_MAX_ORDER]->next;
	b.free_list[BUDDY_MAX_ORDER]->next = b.free_list[BUDDY_MAX_ORDER];
	assert_false(buddy_check(&b));
	b.free_list[BUDDY_MAX_ORDER]->next = saved_next;
	/* A counter off by one. */
	b.free_frames++;
	assert_false(buddy_check(&b));
	b.free_frames--;
	assert_true(buddy_check(&b));
}

/*
 * Thousands of random allocations and frees against a shadow model: a
 * frame bitmap proves no two live blocks overlap, a tag written into
 * each block proves the allocator never touches live memory.
 */
static void test_random_sequences_with_shadow_model(void **state)
{
	enum { MAXLIVE = 4096 };
	static struct {
		uint64_t p;
		unsigned k;
	} live[MAXLIVE];
	static uint8_t owner[ARENA_FRAMES];
	struct mem_range r[3] = {R(5, 3000), R(3500, 1333), R(5000, 3000)};
	struct snapshot before, after;
	size_t nlive = 0, fails = 0;

	(void)state;
	assert_int_equal(buddy_init(&b, r, 3, voff), 0);
	before = snap();
	memset(owner, 0, sizeof(owner));
	srand(4242);
	for (int op = 0; op < 40000; op++) {
		bool do_alloc =
		    nlive == 0 || (nlive < MAXLIVE && rand() % 100 < 55);

		if (do_alloc) {
			unsigned k = rand() % 8 ? (unsigned)(rand() % 4)
						: (unsigned)(rand() % 11);
			uint64_t p = buddy_alloc(&b, k), idx;

			if (!p) {
				fails++;
				continue;
			}
			idx = (p - FAKE_BASE) / PG;
			assert_true(memmap_contains(r, 3, p, p + (PG << k)));
			for (uint64_t f = idx; f < idx + (1u << k); f++) {
				assert_int_equal(owner[f], 0);
				owner[f] = 1;
			}
			*(uint64_t *)virt(p) = p ^ 0xabcdef;
			live[nlive].p = p;
			live[nlive].k = k;
			nlive++;
		} else {
			size_t i = (size_t)rand() % nlive;
			uint64_t p = live[i].p, idx = (p - FAKE_BASE) / PG;

			assert_int_equal(*(uint64_t *)virt(p), p ^ 0xabcdef);
			for (uint64_t f = idx; f < idx + (1u << live[i].k); f++)
				owner[f] = 0;
			buddy_free(&b, p, live[i].k);
			live[i] = live[--nlive];
		}
		if (op % 500 == 0)
			assert_true(buddy_check(&b));
	}
	assert_true(buddy_check(&b));
	while (nlive > 0) {
		nlive--;
		buddy_free(&b, live[nlive].p, live[nlive].k);
	}
	assert_true(buddy_check(&b));
	after = snap();
	assert_same(&before, &after);
	print_message("# random: %zu failed allocations (memory full)\n",
		      fails);
}

/* The global frame_* wrappers drive one buddy. */
static void test_frame_wrappers(void **state)
{
	struct mem_range r = R(0, 1024);
	uint64_t p, q;

	(void)state;
	assert_int_equal(frame_init(&r, 1, voff), 0);
	assert_int_equal(frame_total_count(), 1023);
	p = frame_alloc();
	q = frame_alloc_order(4);
	assert_int_not_equal(p, 0);
	assert_int_not_equal(q, 0);
	assert_int_equal(q % (PG << 4), 0);
	assert_ptr_equal(frame_to_virt(p), virt(p));
	memset(frame_to_virt(q), 0, PG << 4);
	assert_int_equal(frame_free_count(), 1023 - 17);
	frame_free(p);
	frame_free_order(q, 4);
	assert_int_equal(frame_free_count(), 1023);
	EXPECT_PANIC(frame_free(p), "double free");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_single_range),
	    cmocka_unit_test(test_alloc_free_every_order),
	    cmocka_unit_test(test_coalescing_restores_initial_state),
	    cmocka_unit_test(test_exhaustion_returns_zero),
	    cmocka_unit_test(test_large_order_exhaustion),
	    cmocka_unit_test(test_discontiguous_ranges),
	    cmocka_unit_test(test_range_unaligned_to_large_orders),
	    cmocka_unit_test(test_phys_zero_never_returned),
	    cmocka_unit_test(test_init_rejects_bad_ranges),
	    cmocka_unit_test(test_too_many_ranges),
	    cmocka_unit_test(test_double_free_panics),
	    cmocka_unit_test(test_foreign_free_panics),
	    cmocka_unit_test(test_wrong_order_and_interior_free_panic),
	    cmocka_unit_test(test_check_detects_corruption),
	    cmocka_unit_test(test_random_sequences_with_shadow_model),
	    cmocka_unit_test(test_frame_wrappers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
