/*
 * tests/unit/vma_test.c - per-process virtual region tracker: first-fit
 * allocation and reuse, fixed inserts, guard pages, the ceiling, overflow,
 * exhaustion, and a random model check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/mm/vma.h"

#include "abi/errno.h"

#define PG     VMA_PAGE_SIZE
#define DYN    VMA_DYN_BASE
#define RW     (VMA_USER | VMA_WRITE)
#define GUARDS (VMA_GUARD_BEFORE | VMA_GUARD_AFTER)

static struct vma_set set;

static void fresh(uint64_t ceiling)
{
	memset(&set, 0x5a, sizeof(set));
	assert_int_equal(vma_set_init(&set, ceiling), 0);
	assert_int_equal(vma_count(&set), 0);
}

static uint64_t alloc_ok(uint64_t pages, uint32_t flags)
{
	uint64_t base = 0;

	assert_int_equal(vma_alloc(&set, pages, flags, VMA_KIND_ANON, 0, &base),
			 0);
	return base;
}

/* Regions are sorted and their spans disjoint and inside user space. */
static void check_invariants(void)
{
	for (uint32_t i = 0; i < vma_count(&set); i++) {
		const struct vma *r = vma_at(&set, i);

		assert_true(r->pages >= 1);
		assert_int_equal(r->base % PG, 0);
		assert_true(vma_span_start(r) >= VMA_MIN_ADDR);
		assert_true(vma_span_end(r) <= set.ceiling);
		if (i > 0)
			assert_true(vma_span_end(vma_at(&set, i - 1)) <=
				    vma_span_start(r));
	}
	assert_null(vma_at(&set, vma_count(&set)));
}

/* The ceiling must be page-aligned and above the dynamic base. */
static void test_init(void **state)
{
	(void)state;
	assert_int_equal(vma_set_init(&set, DYN), -EINVAL);
	assert_int_equal(vma_set_init(&set, DYN - PG), -EINVAL);
	assert_int_equal(vma_set_init(&set, VMA_CEILING_X86_64 + 1), -EINVAL);
	assert_int_equal(vma_set_init(&set, DYN + PG), 0);
	assert_int_equal(vma_set_init(&set, UINT64_MAX - PG + 1), 0);
	fresh(VMA_CEILING_X86_64);
	assert_int_equal(set.ceiling, VMA_CEILING_X86_64);
}

/* The first allocations are packed upward from 0x1000_0000. */
static void test_alloc_from_dynamic_base(void **state)
{
	uint64_t a, b, c;
	const struct vma *r;

	(void)state;
	fresh(VMA_CEILING_X86_64);
	a = alloc_ok(1, RW);
	b = alloc_ok(16, RW);
	c = alloc_ok(2, VMA_USER);
	assert_int_equal(a, DYN);
	assert_int_equal(b, DYN + PG);
	assert_int_equal(c, DYN + 17 * PG);
	r = vma_find(&set, b + 5 * PG + 123);
	assert_non_null(r);
	assert_int_equal(r->base, b);
	assert_int_equal(r->pages, 16);
	assert_int_equal(r->flags, RW);
	assert_int_equal(r->kind, VMA_KIND_ANON);
	assert_int_equal(set.high_water, DYN + 19 * PG);
	check_invariants();
}

/* Zero pages, unknown flags and unknown kinds are refused. */
static void test_bad_arguments(void **state)
{
	uint64_t base;

	(void)state;
	fresh(VMA_CEILING_X86_64);
	assert_int_equal(vma_alloc(&set, 0, RW, VMA_KIND_ANON, 0, &base),
			 -EINVAL);
	assert_int_equal(vma_alloc(&set, 1, 0x80, VMA_KIND_ANON, 0, &base),
			 -EINVAL);
	assert_int_equal(vma_alloc(&set, 1, RW, 0, 0, &base), -EINVAL);
	assert_int_equal(vma_alloc(&set, 1, RW, VMA_KIND_MAX + 1, 0, &base),
			 -EINVAL);
	assert_int_equal(vma_alloc(&set, 1, RW, VMA_KIND_ANON, 0, NULL),
			 -EINVAL);
	assert_int_equal(
	    vma_insert_fixed(&set, 0x400000, 0, RW, VMA_KIND_ELF, 0), -EINVAL);
	assert_int_equal(
	    vma_insert_fixed(&set, 0x400001, 1, RW, VMA_KIND_ELF, 0), -EINVAL);
	assert_int_equal(
	    vma_insert_fixed(&set, 0x400000, 1, 1u << 9, VMA_KIND_ELF, 0),
	    -EINVAL);
	assert_int_equal(vma_count(&set), 0);
}

/* Free by exact base only; the hole is reused first-fit. */
static void test_free_and_reuse(void **state)
{
	uint64_t a, b, c, d, e;
	struct vma out;

	(void)state;
	fresh(VMA_CEILING_X86_64);
	a = alloc_ok(4, RW);
	b = alloc_ok(8, RW);
	c = alloc_ok(4, RW);
	/* Not a base: inside, one page off, the end, unknown. */
	assert_int_equal(vma_remove(&set, b + PG, NULL), -EINVAL);
	assert_int_equal(vma_remove(&set, b - PG, NULL), -EINVAL);
	assert_int_equal(vma_remove(&set, c + 4 * PG, NULL), -EINVAL);
	assert_int_equal(vma_remove(&set, 0, NULL), -EINVAL);
	assert_int_equal(vma_remove(&set, b, &out), 0);
	assert_int_equal(out.base, b);
	assert_int_equal(out.pages, 8);
	assert_null(vma_find(&set, b));
	assert_int_equal(vma_remove(&set, b, NULL), -EINVAL);
	/* 3 pages fit in the 8-page hole, at its start... */
	d = alloc_ok(3, RW);
	assert_int_equal(d, b);
	/* ...then 5 fill it exactly, and 6 go past c. */
	e = alloc_ok(5, RW);
	assert_int_equal(e, b + 3 * PG);
	assert_int_equal(alloc_ok(6, RW), c + 4 * PG);
	/* Removing the first region opens a hole below everything. */
	assert_int_equal(vma_remove(&set, a, NULL), 0);
	assert_int_equal(alloc_ok(4, RW), DYN);
	check_invariants();
}

/*
 * A DMA region with guard pages is named by the address user space got,
 * one page above the span: the original could not free it.
 */
static void test_guard_pages(void **state)
{
	uint64_t dma, next;
	const struct vma *r;
	struct vma out;

	(void)state;
	fresh(VMA_CEILING_X86_64);
	assert_int_equal(vma_alloc(&set, 4, RW | VMA_DMA | GUARDS, VMA_KIND_DMA,
				   0xabc000, &dma),
			 0);
	assert_int_equal(dma, DYN + PG);
	r = vma_find(&set, dma);
	assert_non_null(r);
	assert_int_equal(r->tag, 0xabc000);
	assert_int_equal(vma_span_start(r), DYN);
	assert_int_equal(vma_span_end(r), DYN + 6 * PG);
	/* The guards are not mapped but belong to the region. */
	assert_null(vma_find(&set, DYN));
	assert_null(vma_find(&set, dma + 4 * PG));
	assert_true(vma_in_guard(&set, DYN));
	assert_true(vma_in_guard(&set, DYN + PG - 1));
	assert_true(vma_in_guard(&set, dma + 4 * PG));
	assert_true(vma_in_guard(&set, dma + 5 * PG - 1));
	assert_false(vma_in_guard(&set, dma));
	assert_false(vma_in_guard(&set, dma + 5 * PG));
	assert_false(vma_in_guard(&set, DYN - 1));
	/* Nothing may be placed on a guard page. */
	next = alloc_ok(1, RW);
	assert_int_equal(next, DYN + 6 * PG);
	assert_int_equal(
	    vma_insert_fixed(&set, dma + 4 * PG, 1, RW, VMA_KIND_ANON, 0),
	    -EEXIST);
	assert_int_equal(vma_insert_fixed(&set, DYN, 1, RW, VMA_KIND_ANON, 0),
			 -EEXIST);
	/* The guard's address is not a base; the user's address is. */
	assert_int_equal(vma_remove(&set, DYN, NULL), -EINVAL);
	assert_int_equal(vma_remove(&set, dma, &out), 0);
	assert_int_equal(out.flags, RW | VMA_DMA | GUARDS);
	assert_int_equal(out.kind, VMA_KIND_DMA);
	assert_false(vma_in_guard(&set, DYN));
	/* The whole span, guards included, is free again. */
	assert_int_equal(alloc_ok(6, RW), DYN);
	check_invariants();
}

/* One guard only: before or after. */
static void test_single_guards(void **state)
{
	uint64_t a, b;

	(void)state;
	fresh(VMA_CEILING_X86_64);
	assert_int_equal(
	    vma_alloc(&set, 2, RW | VMA_GUARD_BEFORE, VMA_KIND_ANON, 0, &a), 0);
	assert_int_equal(a, DYN + PG);
	assert_int_equal(
	    vma_alloc(&set, 2, RW | VMA_GUARD_AFTER, VMA_KIND_ANON, 0, &b), 0);
	assert_int_equal(b, DYN + 3 * PG);
	assert_int_equal(alloc_ok(1, RW), DYN + 6 * PG);
	assert_true(vma_in_guard(&set, DYN));
	assert_true(vma_in_guard(&set, DYN + 5 * PG));
	assert_false(vma_in_guard(&set, DYN + 3 * PG));
	check_invariants();
}

/* ELF segments and the stack at fixed addresses; overlap is refused. */
static void test_fixed_inserts(void **state)
{
	const uint64_t stack = VMA_STACK_TOP - VMA_STACK_PAGES * PG;
	const struct vma *r;

	(void)state;
	fresh(VMA_CEILING_X86_64);
	assert_int_equal(stack, 0x7f0000);
	assert_int_equal(vma_insert_fixed(&set, 0x400000, 3,
					  VMA_USER | VMA_EXEC, VMA_KIND_ELF, 0),
			 0);
	assert_int_equal(
	    vma_insert_fixed(&set, 0x403000, 2, RW, VMA_KIND_ELF, 0), 0);
	assert_int_equal(vma_insert_fixed(&set, stack, VMA_STACK_PAGES, RW,
					  VMA_KIND_STACK, 0),
			 0);
	/* Overlaps: same base, straddling the start, inside, covering. */
	assert_int_equal(
	    vma_insert_fixed(&set, 0x400000, 1, RW, VMA_KIND_ELF, 0), -EEXIST);
	assert_int_equal(
	    vma_insert_fixed(&set, 0x3ff000, 2, RW, VMA_KIND_ELF, 0), -EEXIST);
	assert_int_equal(
	    vma_insert_fixed(&set, 0x7f8000, 1, RW, VMA_KIND_ELF, 0), -EEXIST);
	assert_int_equal(
	    vma_insert_fixed(&set, 0x300000, 0x1000, RW, VMA_KIND_ELF, 0),
	    -EEXIST);
	/* A guard page that would sit on the stack's last page. */
	assert_int_equal(vma_insert_fixed(&set, VMA_STACK_TOP, 1,
					  RW | VMA_GUARD_BEFORE, VMA_KIND_ANON,
					  0),
			 -EEXIST);
	/* Touching is fine. */
	assert_int_equal(
	    vma_insert_fixed(&set, VMA_STACK_TOP, 1, RW, VMA_KIND_ANON, 0), 0);
	assert_int_equal(
	    vma_insert_fixed(&set, 0x3ff000, 1, RW, VMA_KIND_ELF, 0), 0);
	assert_int_equal(vma_count(&set), 5);
	r = vma_find(&set, VMA_STACK_TOP - 1);
	assert_non_null(r);
	assert_int_equal(r->kind, VMA_KIND_STACK);
	/* Dynamic allocation is unaffected by the low regions. */
	assert_int_equal(alloc_ok(1, RW), DYN);
	check_invariants();
}

/* A fixed region inside the dynamic area is skipped by first fit. */
static void test_fixed_in_dynamic_area(void **state)
{
	(void)state;
	fresh(VMA_CEILING_X86_64);
	assert_int_equal(
	    vma_insert_fixed(&set, DYN + 2 * PG, 2, RW, VMA_KIND_MMIO, 0), 0);
	assert_int_equal(alloc_ok(2, RW), DYN);
	assert_int_equal(alloc_ok(1, RW), DYN + 4 * PG);
	assert_int_equal(
	    vma_insert_fixed(&set, DYN - PG, 2, RW, VMA_KIND_MMIO, 0), -EEXIST);
	/* Straddling the dynamic base: allowed when free. */
	assert_int_equal(vma_remove(&set, DYN, NULL), 0);
	assert_int_equal(
	    vma_insert_fixed(&set, DYN - PG, 2, RW, VMA_KIND_MMIO, 0), 0);
	/* The one-page gap above it is the first fit now. */
	assert_int_equal(alloc_ok(1, RW), DYN + PG);
	assert_int_equal(alloc_ok(1, RW), DYN + 5 * PG);
	check_invariants();
}

/* Page 0, the ceiling and address wrap-around are refused. */
static void test_ceiling_and_overflow(void **state)
{
	const uint64_t ceil = DYN + 16 * PG;
	uint64_t base;

	(void)state;
	fresh(ceil);
	assert_int_equal(vma_insert_fixed(&set, 0, 1, RW, VMA_KIND_ELF, 0),
			 -EINVAL);
	assert_int_equal(vma_insert_fixed(&set, PG, 1, RW | VMA_GUARD_BEFORE,
					  VMA_KIND_ELF, 0),
			 -EINVAL);
	assert_int_equal(vma_insert_fixed(&set, PG, 1, RW, VMA_KIND_ELF, 0), 0);
	assert_int_equal(vma_insert_fixed(&set, ceil, 1, RW, VMA_KIND_ANON, 0),
			 -EINVAL);
	assert_int_equal(vma_insert_fixed(&set, ceil - PG, 1,
					  RW | VMA_GUARD_AFTER, VMA_KIND_ANON,
					  0),
			 -EINVAL);
	assert_int_equal(vma_insert_fixed(&set, UINT64_MAX & ~(PG - 1), 2, RW,
					  VMA_KIND_ANON, 0),
			 -EINVAL);
	assert_int_equal(
	    vma_insert_fixed(&set, DYN, UINT64_MAX / PG, RW, VMA_KIND_ANON, 0),
	    -EINVAL);
	assert_int_equal(
	    vma_insert_fixed(&set, DYN, UINT64_MAX, RW, VMA_KIND_ANON, 0),
	    -EINVAL);
	/* Dynamic: 16 pages fit exactly up to the ceiling, 17 do not. */
	assert_int_equal(vma_alloc(&set, 17, RW, VMA_KIND_ANON, 0, &base),
			 -ENOMEM);
	assert_int_equal(
	    vma_alloc(&set, 15, RW | GUARDS, VMA_KIND_ANON, 0, &base), -ENOMEM);
	assert_int_equal(
	    vma_alloc(&set, UINT64_MAX, RW, VMA_KIND_ANON, 0, &base), -ENOMEM);
	assert_int_equal(vma_alloc(&set, UINT64_MAX / PG + 1, RW | GUARDS,
				   VMA_KIND_ANON, 0, &base),
			 -ENOMEM);
	/* Pages that fill all of user space, plus guards that do not fit. */
	assert_int_equal(vma_alloc(&set, (ceil - VMA_MIN_ADDR) / PG,
				   RW | VMA_GUARD_AFTER, VMA_KIND_ANON, 0,
				   &base),
			 -ENOMEM);
	assert_int_equal(
	    vma_alloc(&set, 14, RW | GUARDS, VMA_KIND_ANON, 0, &base), 0);
	assert_int_equal(base, DYN + PG);
	assert_int_equal(vma_span_end(vma_find(&set, base)), ceil);
	assert_int_equal(vma_alloc(&set, 1, RW, VMA_KIND_ANON, 0, &base),
			 -ENOMEM);
	/* A real ceiling: 64 MiB allocations near the top of 2^47. */
	fresh(VMA_CEILING_X86_64);
	assert_int_equal(vma_insert_fixed(&set, VMA_CEILING_X86_64 - 16 * PG,
					  16, RW, VMA_KIND_ANON, 0),
			 0);
	assert_int_equal(vma_alloc(&set, (VMA_CEILING_X86_64 - DYN) / PG - 16,
				   RW, VMA_KIND_ANON, 0, &base),
			 0);
	assert_int_equal(base, DYN);
	assert_int_equal(vma_alloc(&set, 1, RW, VMA_KIND_ANON, 0, &base),
			 -ENOMEM);
	check_invariants();
}

/* 256 regions at most, whatever the address space left. */
static void test_region_exhaustion(void **state)
{
	uint64_t base, bases[VMA_MAX_REGIONS];

	(void)state;
	fresh(VMA_CEILING_X86_64);
	for (uint32_t i = 0; i < VMA_MAX_REGIONS; i++)
		bases[i] = alloc_ok(1 + i % 3, RW | (i % 5 ? 0 : GUARDS));
	assert_int_equal(vma_alloc(&set, 1, RW, VMA_KIND_ANON, 0, &base),
			 -ENOMEM);
	assert_int_equal(
	    vma_insert_fixed(&set, 0x400000, 1, RW, VMA_KIND_ELF, 0), -ENOMEM);
	/* An overlap is still reported as such when full. */
	assert_int_equal(
	    vma_insert_fixed(&set, bases[7], 1, RW, VMA_KIND_ELF, 0), -EEXIST);
	check_invariants();
	/* Region 101 has no guards: its base is the start of the hole. */
	assert_int_equal(vma_remove(&set, bases[101], NULL), 0);
	assert_int_equal(alloc_ok(1, RW), bases[101]);
}

/* Teardown pops regions from the top down until the set is empty. */
static void test_pop_teardown(void **state)
{
	struct vma r;
	uint64_t prev = UINT64_MAX;
	unsigned n = 0;

	(void)state;
	fresh(VMA_CEILING_X86_64);
	assert_int_equal(vma_pop(&set, &r), -ENOENT);
	assert_int_equal(
	    vma_insert_fixed(&set, 0x400000, 2, RW, VMA_KIND_ELF, 0), 0);
	for (int i = 0; i < 10; i++)
		alloc_ok(2, i & 1 ? GUARDS : RW);
	while (vma_pop(&set, &r) == 0) {
		assert_true(r.base < prev);
		prev = r.base;
		n++;
	}
	assert_int_equal(n, 11);
	assert_int_equal(vma_count(&set), 0);
	assert_int_equal(vma_pop(&set, NULL), -ENOENT);
}

/* vma_find: boundaries, gaps, below and above everything. */
static void test_find(void **state)
{
	uint64_t a, b;

	(void)state;
	fresh(VMA_CEILING_X86_64);
	assert_null(vma_find(&set, DYN));
	a = alloc_ok(2, RW);
	assert_int_equal(
	    vma_insert_fixed(&set, DYN + 10 * PG, 1, RW, VMA_KIND_ANON, 0), 0);
	b = DYN + 10 * PG;
	assert_null(vma_find(&set, 0));
	assert_null(vma_find(&set, a - 1));
	assert_int_equal(vma_find(&set, a)->base, a);
	assert_int_equal(vma_find(&set, a + 2 * PG - 1)->base, a);
	assert_null(vma_find(&set, a + 2 * PG));
	assert_null(vma_find(&set, b - 1));
	assert_int_equal(vma_find(&set, b)->base, b);
	assert_null(vma_find(&set, b + PG));
	assert_null(vma_find(&set, UINT64_MAX));
}

/*
 * 30,000 random operations against a page map of a small address space
 * (ceiling = 0x1000_0000 + 512 pages).  The model predicts the exact
 * first-fit address, every error code, and every find.
 */
#define MODEL_PAGES ((DYN / PG) + 512)
static uint8_t model[MODEL_PAGES]; /* 0 free, 1 mapped, 2 guard */

struct mregion {
	uint64_t base, pages;
	uint32_t flags;
};

static bool model_free(uint64_t first, uint64_t n)
{
	if (first < 1 || first + n > MODEL_PAGES)
		return false;
	for (uint64_t p = first; p < first + n; p++)
		if (model[p])
			return false;
	return true;
}

static void model_mark(const struct mregion *r, uint8_t v)
{
	uint64_t p = r->base / PG;

	if (r->flags & VMA_GUARD_BEFORE)
		model[p - 1] = v ? 2 : 0;
	for (uint64_t i = 0; i < r->pages; i++)
		model[p + i] = v;
	if (r->flags & VMA_GUARD_AFTER)
		model[p + r->pages] = v ? 2 : 0;
}

static void test_random_model(void **state)
{
	static struct mregion live[VMA_MAX_REGIONS];
	unsigned nlive = 0, seed = 4242, reused = 0;

	(void)state;
	memset(model, 0, sizeof(model));
	fresh(MODEL_PAGES * PG);
	for (int step = 0; step < 30000; step++) {
		uint32_t r, op, flags;
		uint64_t pages, gb, ga, span;

		seed = seed * 1103515245u + 12345u;
		r = seed >> 4;
		op = r % 10;
		pages = 1 + (r >> 4) % 24;
		flags = RW | ((r >> 9) & 1 ? VMA_GUARD_BEFORE : 0) |
			((r >> 10) & 1 ? VMA_GUARD_AFTER : 0);
		gb = flags & VMA_GUARD_BEFORE ? 1 : 0;
		ga = flags & VMA_GUARD_AFTER ? 1 : 0;
		span = pages + gb + ga;
		if (op < 4) {
			/* Dynamic allocation: predict the first fit. */
			uint64_t want = 0, base;
			int err;

			for (uint64_t p = DYN / PG; p + span <= MODEL_PAGES;
			     p++) {
				if (model_free(p, span)) {
					want = p;
					break;
				}
			}
			err = vma_alloc(&set, pages, flags, VMA_KIND_ANON, 0,
					&base);
			if (nlive == VMA_MAX_REGIONS || !want) {
				assert_int_equal(err, -ENOMEM);
				continue;
			}
			assert_int_equal(err, 0);
			assert_int_equal(base, (want + gb) * PG);
			if (want + span <= set.high_water / PG - 1)
				reused++;
			live[nlive] = (struct mregion){base, pages, flags};
			model_mark(&live[nlive++], 1);
		} else if (op < 6) {
			/* Fixed insert anywhere in [0, ceiling + a bit). */
			uint64_t first = (r >> 11) % (MODEL_PAGES + 8);
			uint64_t base = (first + gb) * PG;
			bool ok = model_free(first, span);
			int err = vma_insert_fixed(&set, base, pages, flags,
						   VMA_KIND_ELF, 0);

			if (first < 1 || first + span > MODEL_PAGES) {
				assert_int_equal(err, -EINVAL);
			} else if (!ok) {
				assert_int_equal(err, -EEXIST);
			} else if (nlive == VMA_MAX_REGIONS) {
				assert_int_equal(err, -ENOMEM);
			} else {
				assert_int_equal(err, 0);
				live[nlive] =
				    (struct mregion){base, pages, flags};
				model_mark(&live[nlive++], 1);
			}
		} else if (op < 9 && nlive) {
			/* Remove a live region by its base. */
			unsigned k = (r >> 11) % nlive;
			struct vma out;

			assert_int_equal(vma_remove(&set, live[k].base, &out),
					 0);
			assert_int_equal(out.base, live[k].base);
			assert_int_equal(out.pages, live[k].pages);
			assert_int_equal(out.flags, live[k].flags);
			model_mark(&live[k], 0);
			live[k] = live[--nlive];
		} else {
			/* Probe an address: find, guard, bogus remove. */
			uint64_t addr =
			    ((uint64_t)(r >> 11) % MODEL_PAGES) * PG +
			    (r & 0xfff);
			uint8_t m = model[addr / PG];
			const struct vma *v = vma_find(&set, addr);

			assert_int_equal(v != NULL, m == 1);
			assert_int_equal(vma_in_guard(&set, addr), m == 2);
			if (m == 2)
				assert_int_equal(
				    vma_remove(&set, addr & ~(PG - 1), NULL),
				    -EINVAL);
		}
		assert_int_equal(vma_count(&set), nlive);
	}
	check_invariants();
	print_message("# %u regions live at the end, %u reuses of freed "
		      "ranges\n",
		      nlive, reused);
	assert_true(reused > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init),
	    cmocka_unit_test(test_alloc_from_dynamic_base),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_free_and_reuse),
	    cmocka_unit_test(test_guard_pages),
	    cmocka_unit_test(test_single_guards),
	    cmocka_unit_test(test_fixed_inserts),
	    cmocka_unit_test(test_fixed_in_dynamic_area),
	    cmocka_unit_test(test_ceiling_and_overflow),
	    cmocka_unit_test(test_region_exhaustion),
	    cmocka_unit_test(test_pop_teardown),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
