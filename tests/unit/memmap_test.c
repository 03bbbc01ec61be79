/*
 * tests/unit/memmap_test.c - memory map normalisation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/core/bootinfo.h"
#include "kernel/mm/memmap.h"

#include "abi/errno.h"

#define PG 0x1000ull

static struct boot_info bi;
static struct mem_range out[BOOT_MAX_MEM_REGIONS * 2];
static size_t count;

static void reset(void)
{
	memset(&bi, 0, sizeof(bi));
	memset(out, 0xa5, sizeof(out));
	count = 12345;
}

static void add_mem(uint64_t base, uint64_t len, uint32_t type)
{
	assert_true(bi.mem_count < BOOT_MAX_MEM_REGIONS);
	bi.mem[bi.mem_count].base = base;
	bi.mem[bi.mem_count].length = len;
	bi.mem[bi.mem_count].type = type;
	bi.mem_count++;
}

static void add_reserved(uint64_t start, uint64_t end)
{
	assert_true(bi.reserved_count < BOOT_MAX_RESERVED);
	bi.reserved[bi.reserved_count].start = start;
	bi.reserved[bi.reserved_count].end = end;
	bi.reserved_count++;
}

static int run(void)
{
	return memmap_usable(&bi, out, sizeof(out) / sizeof(out[0]), &count);
}

static void expect_range(size_t i, uint64_t base, uint64_t end)
{
	assert_true(i < count);
	assert_int_equal(out[i].base, base);
	assert_int_equal(out[i].end, end);
}

/* No regions: no usable memory, no error. */
static void test_empty_map(void **state)
{
	(void)state;
	reset();
	assert_int_equal(run(), 0);
	assert_int_equal(count, 0);
	assert_int_equal(memmap_ram_top(&bi), 0);
	assert_int_equal(memmap_usable(&bi, NULL, 0, &count), 0);
	assert_int_equal(memmap_usable(NULL, out, 1, &count), -EINVAL);
	assert_int_equal(memmap_usable(&bi, out, 1, NULL), -EINVAL);
	assert_int_equal(memmap_usable(&bi, NULL, 1, &count), -EINVAL);
}

/* Unaligned usable regions shrink inward to whole pages. */
static void test_unaligned_is_rounded_inward(void **state)
{
	(void)state;
	reset();
	add_mem(0x1001, 0x3000, BOOT_MEM_USABLE);  /* [0x1001, 0x4001) */
	add_mem(0x10000, 0xfff, BOOT_MEM_USABLE);  /* less than a page */
	add_mem(0x20800, 0x1000, BOOT_MEM_USABLE); /* straddles: nothing */
	assert_int_equal(run(), 0);
	assert_int_equal(count, 1);
	expect_range(0, 0x2000, 0x4000);
}

/* Output is sorted whatever the input order. */
static void test_unsorted_input_sorted_output(void **state)
{
	(void)state;
	reset();
	add_mem(0x300000, 0x100000, BOOT_MEM_USABLE);
	add_mem(0x100000, 0x100000, BOOT_MEM_USABLE);
	add_mem(0x500000, 0x100000, BOOT_MEM_USABLE);
	add_mem(0x0, 0x9f000, BOOT_MEM_USABLE);
	assert_int_equal(run(), 0);
	assert_int_equal(count, 4);
	expect_range(0, 0x0, 0x9f000);
	expect_range(1, 0x100000, 0x200000);
	expect_range(2, 0x300000, 0x400000);
	expect_range(3, 0x500000, 0x600000);
	assert_int_equal(memmap_total(out, count), 0x9f000 + 3 * 0x100000);
}

/* Overlapping, nested and adjacent usable regions merge. */
static void test_overlap_nested_adjacent_merge(void **state)
{
	(void)state;
	reset();
	add_mem(0x100000, 0x200000, BOOT_MEM_USABLE);
	add_mem(0x180000, 0x10000, BOOT_MEM_USABLE);  /* nested */
	add_mem(0x280000, 0x100000, BOOT_MEM_USABLE); /* overlapping */
	add_mem(0x380000, 0x80000, BOOT_MEM_USABLE);  /* adjacent */
	add_mem(0x400000, 0x800, BOOT_MEM_USABLE);    /* adjacent, unaligned */
	add_mem(0x400800, 0x1800, BOOT_MEM_USABLE);
	add_mem(0x100000, 0x200000, BOOT_MEM_USABLE); /* duplicate */
	assert_int_equal(run(), 0);
	assert_int_equal(count, 1);
	expect_range(0, 0x100000, 0x402000);
}

/* Two unaligned halves of a page that touch still make a page. */
static void test_adjacent_unaligned_halves_merge(void **state)
{
	(void)state;
	reset();
	add_mem(0x0, 0x1800, BOOT_MEM_USABLE);
	add_mem(0x1800, 0x1800, BOOT_MEM_USABLE);
	assert_int_equal(run(), 0);
	assert_int_equal(count, 1);
	expect_range(0, 0x0, 0x3000);
}

/* Every non-usable type wins over usable where they overlap. */
static void test_non_usable_wins(void **state)
{
	static const uint32_t types[] = {
	    BOOT_MEM_RESERVED,
	    BOOT_MEM_ACPI_RECLAIM,
	    BOOT_MEM_ACPI_NVS,
	    BOOT_MEM_BAD,
	    77,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		reset();
		add_mem(0x0, 0x100000, BOOT_MEM_USABLE);
		add_mem(0x40800, 0x100, types[i]);   /* inside one page */
		add_mem(0xf0000, 0x20000, types[i]); /* over the end */
		assert_int_equal(run(), 0);
		assert_int_equal(count, 2);
		expect_range(0, 0x0, 0x40000);
		expect_range(1, 0x41000, 0xf0000);
	}
	/* A reserved region containing a usable one removes it entirely,
	 * in either order. */
	reset();
	add_mem(0x200000, 0x1000, BOOT_MEM_USABLE);
	add_mem(0x100000, 0x300000, BOOT_MEM_RESERVED);
	add_mem(0x500000, 0x1000, BOOT_MEM_USABLE);
	assert_int_equal(run(), 0);
	assert_int_equal(count, 1);
	expect_range(0, 0x500000, 0x501000);
}

/* bi->reserved (kernel, modules, MBI) is carved out, unaligned too. */
static void test_reserved_ranges_carved(void **state)
{
	(void)state;
	reset();
	add_mem(0x0, 0x800000, BOOT_MEM_USABLE);
	add_reserved(0x100000, 0x180000);     /* kernel image */
	add_reserved(0x200010, 0x200020);     /* MBI, tiny and unaligned */
	add_reserved(0x7ff000, 0x900000);     /* past the end of RAM */
	add_reserved(0x300000, 0x300000);     /* empty: ignored */
	add_reserved(0x400000, 0x3ff000);     /* inverted: ignored */
	add_reserved(0x20000000, 0x20001000); /* outside RAM */
	assert_int_equal(run(), 0);
	assert_int_equal(count, 3);
	expect_range(0, 0x0, 0x100000);
	expect_range(1, 0x180000, 0x200000);
	expect_range(2, 0x201000, 0x7ff000);
}

/* Zero-length regions of any type change nothing. */
static void test_zero_length_ignored(void **state)
{
	(void)state;
	reset();
	add_mem(0x100000, 0x100000, BOOT_MEM_USABLE);
	add_mem(0x150000, 0, BOOT_MEM_RESERVED);
	add_mem(0x900000, 0, BOOT_MEM_USABLE);
	add_reserved(0x120000, 0x120000);
	assert_int_equal(run(), 0);
	assert_int_equal(count, 1);
	expect_range(0, 0x100000, 0x200000);
}

/* Regions that wrap past 2^64 are clamped, without overflow. */
static void test_wrap_near_2_64(void **state)
{
	(void)state;
	reset();
	add_mem(0xffffffffffff0000ull, 0x20000, BOOT_MEM_USABLE);
	add_mem(UINT64_MAX, 1, BOOT_MEM_USABLE);
	add_mem(0xfffffffffffffff0ull, UINT64_MAX, BOOT_MEM_USABLE);
	add_mem(0x1000, UINT64_MAX, BOOT_MEM_RESERVED);
	add_mem(0x0, 0x1000, BOOT_MEM_USABLE);
	assert_int_equal(run(), 0);
	assert_int_equal(count, 1);
	expect_range(0, 0x0, 0x1000);

	reset();
	add_mem(0xffffffffffff0000ull, 0x20000, BOOT_MEM_USABLE);
	add_mem(0xfffffffffffff800ull, 0x800, BOOT_MEM_USABLE);
	assert_int_equal(run(), 0);
	assert_int_equal(count, 1);
	expect_range(0, 0xffffffffffff0000ull, 0xfffffffffffff000ull);
	assert_int_equal(memmap_ram_top(&bi), 0xfffffffffffff000ull);

	reset();
	add_mem(0x0, UINT64_MAX, BOOT_MEM_USABLE);
	add_reserved(0x1000, UINT64_MAX);
	assert_int_equal(run(), 0);
	assert_int_equal(count, 1);
	expect_range(0, 0x0, 0x1000);
}

/* More ranges than room: the lowest ones and -ENOSPC. */
static void test_output_overflow(void **state)
{
	struct mem_range small[3];

	(void)state;
	reset();
	for (int i = 9; i >= 0; i--)
		add_mem((uint64_t)i * 0x100000, 0x1000, BOOT_MEM_USABLE);
	assert_int_equal(memmap_usable(&bi, small, 3, &count), -ENOSPC);
	assert_int_equal(count, 3);
	assert_int_equal(small[0].base, 0);
	assert_int_equal(small[2].base, 0x200000);
	assert_int_equal(memmap_usable(&bi, small, 0, &count), -ENOSPC);
	assert_int_equal(count, 0);
}

/* A corrupt count larger than the table is clamped, not trusted. */
static void test_counts_clamped_to_tables(void **state)
{
	(void)state;
	reset();
	add_mem(0x0, 0x10000, BOOT_MEM_USABLE);
	bi.mem_count = 100000;
	bi.reserved_count = 100000;
	assert_int_equal(run(), 0);
	assert_int_equal(count, 1);
	expect_range(0, 0x0, 0x10000);
}

/* RAM top counts RAM types only and rounds up. */
static void test_ram_top(void **state)
{
	(void)state;
	reset();
	add_mem(0x0, 0x9fc00, BOOT_MEM_USABLE);
	add_mem(0x100000, 0x7ee0000, BOOT_MEM_USABLE);
	add_mem(0x7fe0000, 0x20800, BOOT_MEM_ACPI_RECLAIM);
	add_mem(0xfec00000, 0x1000, BOOT_MEM_RESERVED); /* MMIO */
	add_mem(0xfffc0000, 0x40000, 77);
	assert_int_equal(memmap_ram_top(&bi), 0x8001000);
	add_mem(0x100000000ull, 0x1000, BOOT_MEM_ACPI_NVS);
	assert_int_equal(memmap_ram_top(&bi), 0x100001000ull);
	add_mem(0x200000000ull, 0x1000, BOOT_MEM_BAD);
	assert_int_equal(memmap_ram_top(&bi), 0x200001000ull);
}

/* memmap_total saturates; memmap_contains checks whole inclusion. */
static void test_total_and_contains(void **state)
{
	struct mem_range r[3] = {
	    {0x1000, 0x3000},
	    {0x10000, 0x20000},
	    {0x0, UINT64_MAX},
	};

	(void)state;
	assert_int_equal(memmap_total(r, 2), 0x2000 + 0x10000);
	assert_int_equal(memmap_total(r, 3), UINT64_MAX);
	assert_int_equal(memmap_total(r, 0), 0);
	assert_true(memmap_contains(r, 2, 0x1000, 0x3000));
	assert_true(memmap_contains(r, 2, 0x18000, 0x19000));
	assert_false(memmap_contains(r, 2, 0x2000, 0x4000));
	assert_false(memmap_contains(r, 2, 0x3000, 0x11000));
	assert_false(memmap_contains(r, 0, 0x1000, 0x2000));
}

/*
 * Random maps in a 1 MiB space with 256-byte granularity against a
 * per-chunk model: a page is usable exactly when all 16 of its chunks are
 * covered by a usable region and by nothing else, and the output must be
 * the maximal runs of such pages.
 */
static void test_random_maps_match_model(void **state)
{
	enum {
		CHUNK = 256,
		SPACE = 1 << 20,
		NCHUNK = SPACE / CHUNK,
		NPAGE = SPACE / 4096
	};
	static uint8_t usable[NCHUNK], blocked[NCHUNK];
	bool page_ok[NPAGE];
	size_t total_ranges = 0;

	(void)state;
	srand(777);
	for (int iter = 0; iter < 3000; iter++) {
		size_t k = 0;

		reset();
		memset(usable, 0, sizeof(usable));
		memset(blocked, 0, sizeof(blocked));
		for (int n = rand() % 24; n > 0; n--) {
			uint64_t a = (uint64_t)(rand() % NCHUNK);
			uint64_t len = (uint64_t)(rand() % 64);
			uint32_t type = rand() % 3 ? BOOT_MEM_USABLE
						   : (uint32_t)(2 + rand() % 4);

			if (a + len > NCHUNK)
				len = NCHUNK - a;
			add_mem(a * CHUNK, len * CHUNK, type);
			for (uint64_t c = a; c < a + len; c++) {
				if (type == BOOT_MEM_USABLE)
					usable[c] = 1;
				else
					blocked[c] = 1;
			}
		}
		for (int n = rand() % 6; n > 0; n--) {
			uint64_t a = (uint64_t)(rand() % NCHUNK);
			uint64_t len = (uint64_t)(rand() % 16);

			if (a + len > NCHUNK)
				len = NCHUNK - a;
			add_reserved(a * CHUNK, (a + len) * CHUNK);
			for (uint64_t c = a; c < a + len; c++)
				blocked[c] = 1;
		}
		for (int p = 0; p < NPAGE; p++) {
			page_ok[p] = true;
			for (int c = p * 16; c < p * 16 + 16; c++)
				page_ok[p] =
				    page_ok[p] && usable[c] && !blocked[c];
		}
		assert_int_equal(run(), 0);
		for (int p = 0; p < NPAGE;) {
			int q = p;

			if (!page_ok[p]) {
				p++;
				continue;
			}
			while (q < NPAGE && page_ok[q])
				q++;
			expect_range(k, (uint64_t)p * PG, (uint64_t)q * PG);
			k++;
			p = q;
		}
		assert_int_equal(count, k);
		total_ranges += k;
	}
	print_message("# %zu ranges checked against the model\n", total_ranges);
	assert_true(total_ranges > 3000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_map),
	    cmocka_unit_test(test_unaligned_is_rounded_inward),
	    cmocka_unit_test(test_unsorted_input_sorted_output),
	    cmocka_unit_test(test_overlap_nested_adjacent_merge),
	    cmocka_unit_test(test_adjacent_unaligned_halves_merge),
	    cmocka_unit_test(test_non_usable_wins),
	    cmocka_unit_test(test_reserved_ranges_carved),
	    cmocka_unit_test(test_zero_length_ignored),
	    cmocka_unit_test(test_wrap_near_2_64),
	    cmocka_unit_test(test_output_overflow),
	    cmocka_unit_test(test_counts_clamped_to_tables),
	    cmocka_unit_test(test_ram_top),
	    cmocka_unit_test(test_total_and_contains),
	    cmocka_unit_test(test_random_maps_match_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
