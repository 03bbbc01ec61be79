/*
 * tests/unit/x86_64_pt_test.c - x86_64 page-table primitives over a fake
 * physical memory arena.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/errno.h"
#include "kernel/arch/x86_64/pt.h"

#define ARENA_PAGES	64
#define FAKE_PHYS_BASE	0x100000ull

/* "Physical memory": page i is at phys FAKE_PHYS_BASE + i * 4096. */
struct arena {
	uint8_t *mem;
	unsigned used;
	unsigned limit;		/* fail allocations beyond this many pages */
	struct pt_ctx ctx;
	uint64_t root;
};

static uint64_t arena_alloc(void *arg)
{
	struct arena *a = arg;

	if (a->used >= a->limit)
		return 0;

	uint64_t phys = FAKE_PHYS_BASE + (uint64_t)a->used * 4096;

	memset(a->mem + (size_t)a->used * 4096, 0, 4096);
	a->used++;
	return phys;
}

static int setup(void **state)
{
	struct arena *a = calloc(1, sizeof(*a));

	a->mem = aligned_alloc(4096, ARENA_PAGES * 4096);
	memset(a->mem, 0xA5, ARENA_PAGES * 4096);
	a->limit = ARENA_PAGES;
	a->ctx.virt_offset = (uintptr_t)a->mem - FAKE_PHYS_BASE;
	a->ctx.alloc_table = arena_alloc;
	a->ctx.arg = a;
	a->root = arena_alloc(a);
	*state = a;
	return 0;
}

static int teardown(void **state)
{
	struct arena *a = *state;

	free(a->mem);
	free(a);
	return 0;
}

/* A 4 KiB mapping translates every byte of its page and nothing else. */
static void map_4k_and_lookup(void **state)
{
	struct arena *a = *state;
	uint64_t pa, flags;

	assert_int_equal(pt_map(&a->ctx, a->root, 0x400000, 0x12345000, PAGE_4K,
				PTE_W | PTE_U), 0);
	assert_true(pt_lookup(&a->ctx, a->root, 0x400abc, &pa, &flags));
	assert_int_equal(pa, 0x12345abc);
	assert_true(flags & PTE_P);
	assert_true(flags & PTE_W);
	assert_true(flags & PTE_U);
	assert_false(pt_lookup(&a->ctx, a->root, 0x401000, &pa, &flags));
	assert_false(pt_lookup(&a->ctx, a->root, 0x3ff000, &pa, &flags));
	/* Four tables: PML4 plus PDPT, PD, PT. */
	assert_int_equal(a->used, 4);
}

/* 2 MiB and 1 GiB leaves translate offsets within the large page. */
static void large_pages_translate(void **state)
{
	struct arena *a = *state;
	uint64_t pa, flags;

	assert_int_equal(pt_map(&a->ctx, a->root, 0xFFFF800000200000ull,
				0x40200000, PAGE_2M, PTE_W | PTE_NX), 0);
	assert_true(pt_lookup(&a->ctx, a->root, 0xFFFF8000003FFFFFull, &pa,
			      &flags));
	assert_int_equal(pa, 0x403FFFFF);
	assert_true(flags & PTE_NX);
	assert_false(flags & PTE_PS);
	assert_int_equal(pt_map(&a->ctx, a->root, 0xFFFF800040000000ull,
				0x80000000, PAGE_1G, 0), 0);
	assert_true(pt_lookup(&a->ctx, a->root, 0xFFFF80007FFFFFFFull, &pa,
			      NULL));
	assert_int_equal(pa, 0xBFFFFFFF);
}

/* Misaligned addresses, bad sizes and non-canonical addresses fail. */
static void bad_arguments_rejected(void **state)
{
	struct arena *a = *state;

	assert_int_equal(pt_map(&a->ctx, a->root, 0x400001, 0x1000, PAGE_4K, 0),
			 -EINVAL);
	assert_int_equal(pt_map(&a->ctx, a->root, 0x400000, 0x1001, PAGE_4K, 0),
			 -EINVAL);
	assert_int_equal(pt_map(&a->ctx, a->root, 0x201000, 0x200000, PAGE_2M,
				0), -EINVAL);
	assert_int_equal(pt_map(&a->ctx, a->root, 0x400000, 0x1000, 8192, 0),
			 -EINVAL);
	assert_int_equal(pt_map(&a->ctx, a->root, 0x0000800000000000ull, 0x1000,
				PAGE_4K, 0), -EINVAL);
	assert_int_equal(pt_map(&a->ctx, a->root, 0x1000, 1ull << 52, PAGE_4K,
				0), -EINVAL);
	/* PTE_PS and address bits are not caller flags. */
	assert_int_equal(pt_map(&a->ctx, a->root, 0x1000, 0x1000, PAGE_4K,
				PTE_PS), -EINVAL);
	assert_int_equal(a->used, 1);
}

/* Mapping over an existing leaf, or under a large page, is refused. */
static void overlapping_maps_rejected(void **state)
{
	struct arena *a = *state;
	uint64_t pa;

	assert_int_equal(pt_map(&a->ctx, a->root, 0x400000, 0x1000, PAGE_4K, 0),
			 0);
	assert_int_equal(pt_map(&a->ctx, a->root, 0x400000, 0x2000, PAGE_4K, 0),
			 -EEXIST);
	/* A 2 MiB leaf where a page table already exists. */
	assert_int_equal(pt_map(&a->ctx, a->root, 0x400000, 0x200000, PAGE_2M,
				0), -EEXIST);
	assert_int_equal(pt_map(&a->ctx, a->root, 0x800000, 0x200000, PAGE_2M,
				0), 0);
	/* A 4 KiB page inside that 2 MiB leaf. */
	assert_int_equal(pt_map(&a->ctx, a->root, 0x801000, 0x5000, PAGE_4K, 0),
			 -EEXIST);
	assert_true(pt_lookup(&a->ctx, a->root, 0x400000, &pa, NULL));
	assert_int_equal(pa, 0x1000);
}

/* Unmap returns the leaf and leaves the neighbours alone. */
static void unmap_removes_only_that_leaf(void **state)
{
	struct arena *a = *state;
	uint64_t pa, size;

	assert_int_equal(pt_map(&a->ctx, a->root, 0x400000, 0x1000, PAGE_4K, 0),
			 0);
	assert_int_equal(pt_map(&a->ctx, a->root, 0x401000, 0x2000, PAGE_4K, 0),
			 0);
	assert_int_equal(pt_unmap(&a->ctx, a->root, 0x400000, &pa, &size), 0);
	assert_int_equal(pa, 0x1000);
	assert_int_equal(size, PAGE_4K);
	assert_false(pt_lookup(&a->ctx, a->root, 0x400000, NULL, NULL));
	assert_true(pt_lookup(&a->ctx, a->root, 0x401000, &pa, NULL));
	assert_int_equal(pt_unmap(&a->ctx, a->root, 0x400000, &pa, &size),
			 -ENOENT);
	/* Remapping after unmap works. */
	assert_int_equal(pt_map(&a->ctx, a->root, 0x400000, 0x3000, PAGE_4K, 0),
			 0);
}

/* Unmapping a large page needs its base address. */
static void unmap_large_needs_base(void **state)
{
	struct arena *a = *state;
	uint64_t pa, size;

	assert_int_equal(pt_map(&a->ctx, a->root, 0x40000000, 0x40000000,
				PAGE_1G, 0), 0);
	assert_int_equal(pt_unmap(&a->ctx, a->root, 0x40001000, &pa, &size),
			 -EINVAL);
	assert_int_equal(pt_unmap(&a->ctx, a->root, 0x40000000, &pa, &size), 0);
	assert_int_equal(size, PAGE_1G);
	assert_int_equal(pa, 0x40000000);
}

/* Running out of table pages reports -ENOMEM and maps nothing. */
static void table_exhaustion_is_enomem(void **state)
{
	struct arena *a = *state;

	a->limit = 2;	/* root + one more */
	assert_int_equal(pt_map(&a->ctx, a->root, 0x400000, 0x1000, PAGE_4K, 0),
			 -ENOMEM);
	assert_false(pt_lookup(&a->ctx, a->root, 0x400000, NULL, NULL));
}

/* User leaves make their intermediate tables user-accessible too. */
static void user_bit_propagates(void **state)
{
	struct arena *a = *state;
	uint64_t *pml4 = (uint64_t *)(a->root + a->ctx.virt_offset);

	assert_int_equal(pt_map(&a->ctx, a->root, 0xFFFF800000000000ull, 0x1000,
				PAGE_4K, PTE_W), 0);
	assert_false(pml4[256] & PTE_U);
	assert_int_equal(pt_map(&a->ctx, a->root, 0x1000, 0x1000, PAGE_4K,
				PTE_U), 0);
	assert_true(pml4[0] & PTE_U);
}

/* Canonical-address predicate at the boundaries. */
static void canonical_boundaries(void **state)
{
	(void)state;
	assert_true(pt_canonical(0));
	assert_true(pt_canonical(0x00007FFFFFFFFFFFull));
	assert_false(pt_canonical(0x0000800000000000ull));
	assert_false(pt_canonical(0xFFFF7FFFFFFFFFFFull));
	assert_true(pt_canonical(0xFFFF800000000000ull));
	assert_true(pt_canonical(~0ull));
}

/* Random maps agree with a shadow model on every lookup. */
static void random_maps_match_model(void **state)
{
	struct arena *a = *state;
	uint64_t model[512] = { 0 };

	srand(7);
	for (int i = 0; i < 2000; i++) {
		unsigned slot = (unsigned)rand() % 512;
		uint64_t va = 0x10000000ull + (uint64_t)slot * 4096;

		if (model[slot]) {
			uint64_t pa;

			assert_int_equal(pt_unmap(&a->ctx, a->root, va, &pa, NULL), 0);
			assert_int_equal(pa, model[slot]);
			model[slot] = 0;
		} else {
			uint64_t pa = ((uint64_t)rand() % 100000 + 1) * 4096;

			assert_int_equal(pt_map(&a->ctx, a->root, va, pa, PAGE_4K, 0), 0);
			model[slot] = pa;
		}
	}
	for (unsigned s = 0; s < 512; s++) {
		uint64_t pa;
		bool mapped = pt_lookup(&a->ctx, a->root,
					0x10000000ull + (uint64_t)s * 4096 + 5, &pa, NULL);

		assert_int_equal(mapped, model[s] != 0);
		if (mapped)
			assert_int_equal(pa, model[s] + 5);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(map_4k_and_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(large_pages_translate, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_arguments_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(overlapping_maps_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(unmap_removes_only_that_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(unmap_large_needs_base, setup, teardown),
		cmocka_unit_test_setup_teardown(table_exhaustion_is_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(user_bit_propagates, setup, teardown),
		cmocka_unit_test(canonical_boundaries),
		cmocka_unit_test_setup_teardown(random_maps_match_model, setup, teardown),
	};

	return cmocka_run_group_tests_name("x86_64_pt", tests, NULL, NULL);
}
