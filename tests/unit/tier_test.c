/*
 * tests/unit/tier_test.c - boot-time sizing of the object tables
 * (spec kernel.md section 4).
 *
 * Most cases use a process descriptor of 1024 bytes and a capability
 * record of 2816 bytes, so SLOT_OVERHEAD = 1024 + 2816 + 256 = 4096 and
 * slots = budget / 4096.  The region for n slots is then
 * round_up(n * 1024, 4096) + round_up(n * 2816, 4096).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/mm/tier.h"

#include "abi/errno.h"

#define PROC_SZ	      1024u
#define CAP_SZ	      2816u
#define KIB	      1024ull
#define MIB	      (1024ull * KIB)
#define GIB	      (1024ull * MIB)
#define TIB	      (1024ull * GIB)
#define FRAMES(bytes) ((bytes) / 4096u)

static struct tier_sizing size_tier(enum tier_id id, uint64_t bytes)
{
	struct tier_sizing s;

	assert_int_equal(tier_compute(tier_policy_get(id), FRAMES(bytes),
				      PROC_SZ, CAP_SZ, &s),
			 0);
	assert_int_equal(s.slot_overhead, 4096);
	return s;
}

static void expect(struct tier_sizing s, uint32_t slots, enum tier_binding b)
{
	assert_int_equal(s.num_slots, slots);
	assert_int_equal(s.binding, b);
	assert_int_equal(s.region_bytes,
			 tier_region_bytes(s.num_slots, PROC_SZ, CAP_SZ));
}

/* The policy table is the spec's, and the build default is tier 3. */
static void test_policies_match_spec(void **state)
{
	const struct tier_policy *p1 = tier_policy_get(TIER_EMBEDDED);
	const struct tier_policy *p2 = tier_policy_get(TIER_STANDARD);
	const struct tier_policy *p3 = tier_policy_get(TIER_FULL);

	(void)state;
	assert_int_equal(p1->min_slots, 32);
	assert_int_equal(p1->max_slots, 256);
	assert_int_equal(p1->budget_ppm, 15000);
	assert_int_equal(p1->floor_bytes, 2 * MIB);
	assert_int_equal(p1->ceiling_bytes, 8 * MIB);
	assert_int_equal(p2->min_slots, 128);
	assert_int_equal(p2->max_slots, 4096);
	assert_int_equal(p2->budget_ppm, 20000);
	assert_int_equal(p2->floor_bytes, 16 * MIB);
	assert_int_equal(p2->ceiling_bytes, 64 * MIB);
	assert_int_equal(p3->min_slots, 256);
	assert_int_equal(p3->max_slots, 65536);
	assert_int_equal(p3->budget_ppm, 30000);
	assert_int_equal(p3->floor_bytes, 64 * MIB);
	assert_int_equal(p3->ceiling_bytes, 512 * MIB);
	assert_ptr_equal(tier_policy_default(), p3);
	assert_null(tier_policy_get(0));
	assert_null(tier_policy_get(4));
}

/*
 * Tier 1 (32..256 slots, 1.5 %, 2..8 MiB), overhead 4096:
 *  256 MiB: 268435456 * 0.015 = 4026531 (inside 2..8 MiB);
 *           / 4096 = 983 > 256 -> 256, max-slots.
 *  4 GiB:   64424509 > 8 MiB -> 8388608 / 4096 = 2048 -> 256, max-slots.
 *  32 GiB, 1 TiB: ceiling again -> 256, max-slots.
 * Region for 256 slots: 256 KiB + 176 pages (704 KiB) = 960 KiB.
 */
static void test_tier1_sizes(void **state)
{
	(void)state;
	expect(size_tier(TIER_EMBEDDED, 256 * MIB), 256, TIER_BOUND_MAX_SLOTS);
	assert_int_equal(size_tier(TIER_EMBEDDED, 256 * MIB).budget_bytes,
			 4026531);
	assert_int_equal(size_tier(TIER_EMBEDDED, 256 * MIB).region_bytes,
			 960 * KIB);
	expect(size_tier(TIER_EMBEDDED, 4 * GIB), 256, TIER_BOUND_MAX_SLOTS);
	assert_int_equal(size_tier(TIER_EMBEDDED, 4 * GIB).budget_bytes,
			 8 * MIB);
	expect(size_tier(TIER_EMBEDDED, 32 * GIB), 256, TIER_BOUND_MAX_SLOTS);
	expect(size_tier(TIER_EMBEDDED, 1 * TIB), 256, TIER_BOUND_MAX_SLOTS);
}

/*
 * Tier 2 (128..4096 slots, 2 %, 16..64 MiB), overhead 4096:
 *  256 MiB: 5368709 < 16 MiB -> floor 16777216 / 4096 = 4096 = max, not
 *           above it: budget-floor.  Region 4 MiB + 11 MiB = 15 MiB, fits
 *           in 128 MiB (half of 256 MiB).
 *  4 GiB:   85899345 > 64 MiB -> 67108864 / 4096 = 16384 -> 4096 max.
 *  32 GiB, 1 TiB: 4096, max-slots.
 */
static void test_tier2_sizes(void **state)
{
	struct tier_sizing s;

	(void)state;
	s = size_tier(TIER_STANDARD, 256 * MIB);
	expect(s, 4096, TIER_BOUND_BUDGET_FLOOR);
	assert_int_equal(s.budget_bytes, 16 * MIB);
	assert_int_equal(s.region_bytes, 15 * MIB);
	assert_true(s.fits);
	assert_int_equal(s.halvings, 0);
	expect(size_tier(TIER_STANDARD, 4 * GIB), 4096, TIER_BOUND_MAX_SLOTS);
	expect(size_tier(TIER_STANDARD, 32 * GIB), 4096, TIER_BOUND_MAX_SLOTS);
	expect(size_tier(TIER_STANDARD, 1 * TIB), 4096, TIER_BOUND_MAX_SLOTS);
}

/*
 * Tier 3 (256..65536 slots, 3 %, 64..512 MiB), overhead 4096:
 *  256 MiB: 8053063 < 64 MiB -> 67108864 / 4096 = 16384: budget-floor.
 *           Region 16 MiB + 44 MiB = 60 MiB <= 128 MiB.
 *  4 GiB:   4294967296 * 0.03 = 128849018.88 -> 128849018, inside
 *           64..512 MiB; / 4096 = 31457.28 -> 31457: unconstrained.
 *           Region: 31457 * 1024 = 32211968 -> 7865 pages = 32215040;
 *           31457 * 2816 = 88582912 -> 21627 pages = 88584192; total
 *           120799232.
 *  32 GiB:  1030792151 > 512 MiB -> 131072 -> 65536 max-slots.
 *  1 TiB:   32985348833 -> ceiling -> 65536 max-slots.
 */
static void test_tier3_sizes(void **state)
{
	struct tier_sizing s;

	(void)state;
	s = size_tier(TIER_FULL, 256 * MIB);
	expect(s, 16384, TIER_BOUND_BUDGET_FLOOR);
	assert_int_equal(s.region_bytes, 60 * MIB);
	assert_true(s.fits);
	s = size_tier(TIER_FULL, 4 * GIB);
	expect(s, 31457, TIER_BOUND_NONE);
	assert_int_equal(s.budget_bytes, 128849018);
	assert_int_equal(s.region_bytes, 120799232);
	assert_int_equal(s.avail_bytes, 4 * GIB);
	assert_true(s.fits);
	s = size_tier(TIER_FULL, 32 * GIB);
	expect(s, 65536, TIER_BOUND_MAX_SLOTS);
	assert_int_equal(s.budget_bytes, 512 * MIB);
	expect(size_tier(TIER_FULL, 1 * TIB), 65536, TIER_BOUND_MAX_SLOTS);
}

/*
 * Each binding constraint once, with a tier-3 policy:
 *  ceiling:  overhead 16384 (8192 + 7936 + 256) at 32 GiB: budget 512 MiB
 *            / 16384 = 32768, inside 256..65536.
 *  min:      overhead 4 MiB (2 MiB + (2 MiB - 256) + 256) at 1 TiB:
 *            512 MiB / 4 MiB = 128 < 256 -> 256; region 256 * 4 MiB - 64
 *            KiB rounded = 1 GiB - 64 KiB fits in 512 GiB.
 *  none / floor / max: covered above (4 GiB, 256 MiB, 32 GiB).
 */
static void test_each_binding(void **state)
{
	const struct tier_policy *p3 = tier_policy_get(TIER_FULL);
	struct tier_sizing s;

	(void)state;
	assert_int_equal(tier_compute(p3, FRAMES(32 * GIB), 8192, 7936, &s), 0);
	assert_int_equal(s.slot_overhead, 16384);
	assert_int_equal(s.num_slots, 32768);
	assert_int_equal(s.binding, TIER_BOUND_BUDGET_CEILING);

	assert_int_equal(
	    tier_compute(p3, FRAMES(1 * TIB), 2 * MIB, 2 * MIB - 256, &s), 0);
	assert_int_equal(s.slot_overhead, 4 * MIB);
	assert_int_equal(s.num_slots, 256);
	assert_int_equal(s.binding, TIER_BOUND_MIN_SLOTS);
	assert_int_equal(s.region_bytes, 512 * MIB + 512 * MIB - 64 * KIB);
	assert_true(s.fits);

	assert_string_equal(tier_binding_name(TIER_BOUND_NONE),
			    "unconstrained");
	assert_string_equal(tier_binding_name(TIER_BOUND_BUDGET_FLOOR),
			    "budget-floor");
	assert_string_equal(tier_binding_name(TIER_BOUND_BUDGET_CEILING),
			    "budget-ceiling");
	assert_string_equal(tier_binding_name(TIER_BOUND_MIN_SLOTS),
			    "min-slots");
	assert_string_equal(tier_binding_name(TIER_BOUND_MAX_SLOTS),
			    "max-slots");
	assert_string_equal(tier_binding_name(TIER_BOUND_FREE_MEMORY),
			    "free-memory");
	assert_string_equal(tier_binding_name((enum tier_binding)99),
			    "unknown");
}

/*
 * Halving against half the free frames, tier 3, overhead 4096, the floor
 * giving 16384 slots (region 60 MiB) every time:
 *  64 MiB free: 60 > 32 -> 8192 (30 MiB <= 32): one halving.
 *  4 MiB free:  16384 -> 8192 -> 4096 -> 2048 -> 1024 (3.75 MiB > 2) ->
 *               512 (128 + 352 pages = 1.875 MiB <= 2 MiB): five.
 *  1 MiB free:  ... 512 (1.875 MiB > 0.5) -> 256 = min (960 KiB > 512
 *               KiB) and stop: six halvings, does not fit.
 */
static void test_halving_against_free_frames(void **state)
{
	struct tier_sizing s;

	(void)state;
	s = size_tier(TIER_FULL, 64 * MIB);
	expect(s, 8192, TIER_BOUND_FREE_MEMORY);
	assert_int_equal(s.halvings, 1);
	assert_int_equal(s.region_bytes, 30 * MIB);
	assert_true(s.fits);

	s = size_tier(TIER_FULL, 4 * MIB);
	expect(s, 512, TIER_BOUND_FREE_MEMORY);
	assert_int_equal(s.halvings, 5);
	assert_int_equal(s.region_bytes, 1920 * KIB);
	assert_true(s.fits);

	s = size_tier(TIER_FULL, 1 * MIB);
	expect(s, 256, TIER_BOUND_FREE_MEMORY);
	assert_int_equal(s.halvings, 6);
	assert_int_equal(s.region_bytes, 960 * KIB);
	assert_false(s.fits);
}

/*
 * Halving never goes below min_slots even from a count that is not a
 * power of two: a policy with min 300 and 1000 slots halves to 500, then
 * to 300 (not 250).
 */
static void test_halving_stops_at_min(void **state)
{
	struct tier_policy p = {
	    .name = "test",
	    .min_slots = 300,
	    .max_slots = 100000,
	    .budget_ppm = 1000000,
	    .floor_bytes = 1000 * 4096ull,
	    .ceiling_bytes = 1000 * 4096ull,
	};
	struct tier_sizing s;

	(void)state;
	/* overhead 4096 (0 + 3840 + 256), region 1000 * 3840 -> 938 pages. */
	assert_int_equal(tier_compute(&p, 10, 0, 3840, &s), 0);
	assert_int_equal(s.num_slots, 300);
	assert_int_equal(s.halvings, 2);
	assert_false(s.fits);
}

/* Zero memory, 2^64-1 frames and huge descriptor sizes do not overflow. */
static void test_absurd_inputs(void **state)
{
	const struct tier_policy *p3 = tier_policy_get(TIER_FULL);
	struct tier_sizing s;

	(void)state;
	/* No memory at all: floor, then halved to the minimum, not fitting. */
	assert_int_equal(tier_compute(p3, 0, PROC_SZ, CAP_SZ, &s), 0);
	assert_int_equal(s.num_slots, 256);
	assert_int_equal(s.avail_bytes, 0);
	assert_false(s.fits);

	/* 2^64-1 frames (2^76 bytes): ceiling, max slots, avail saturates. */
	assert_int_equal(tier_compute(p3, UINT64_MAX, PROC_SZ, CAP_SZ, &s), 0);
	assert_int_equal(s.num_slots, 65536);
	assert_int_equal(s.binding, TIER_BOUND_MAX_SLOTS);
	assert_int_equal(s.avail_bytes, UINT64_MAX);
	assert_true(s.fits);

	/* 2^52 frames: avail exactly 2^64 bytes, one past UINT64_MAX. */
	assert_int_equal(tier_compute(p3, 1ull << 52, PROC_SZ, CAP_SZ, &s), 0);
	assert_int_equal(s.avail_bytes, UINT64_MAX);
	assert_true(s.fits);

	/* Descriptor near 2^64: one slot costs more than any budget. */
	assert_int_equal(
	    tier_compute(p3, FRAMES(1 * TIB), SIZE_MAX - 300, 0, &s), 0);
	assert_int_equal(s.num_slots, 256);
	assert_int_equal(s.binding, TIER_BOUND_MIN_SLOTS);
	assert_int_equal(s.region_bytes, UINT64_MAX);
	assert_false(s.fits);

	/* Sizes whose sum overflows 64 bits are rejected. */
	assert_int_equal(tier_compute(p3, 1, SIZE_MAX, 1, &s), -EINVAL);
	assert_int_equal(tier_compute(p3, 1, SIZE_MAX - 100, 0, &s), -EINVAL);
	/* Zero-sized records still cost the padding: 64 MiB / 256. */
	assert_int_equal(tier_compute(p3, FRAMES(1 * TIB), 0, 0, &s), 0);
	assert_int_equal(s.slot_overhead, 256);
	assert_int_equal(s.num_slots, 65536);

	assert_int_equal(tier_region_bytes(UINT32_MAX, SIZE_MAX, SIZE_MAX),
			 UINT64_MAX);
	assert_int_equal(tier_cap_offset(3, 100), 4096);
	assert_int_equal(tier_cap_offset(0, 100), 0);
	assert_int_equal(tier_region_bytes(0, 100, 100), 0);
}

/* Broken policies and NULL arguments are refused, *out untouched. */
static void test_bad_policies(void **state)
{
	struct tier_policy p = *tier_policy_get(TIER_STANDARD);
	struct tier_sizing s = {.num_slots = 777};

	(void)state;
	assert_int_equal(tier_compute(NULL, 1, 1, 1, &s), -EINVAL);
	assert_int_equal(tier_compute(&p, 1, 1, 1, NULL), -EINVAL);
	p.min_slots = 0;
	assert_int_equal(tier_compute(&p, 1, 1, 1, &s), -EINVAL);
	p = *tier_policy_get(TIER_STANDARD);
	p.min_slots = p.max_slots + 1;
	assert_int_equal(tier_compute(&p, 1, 1, 1, &s), -EINVAL);
	p = *tier_policy_get(TIER_STANDARD);
	p.floor_bytes = p.ceiling_bytes + 1;
	assert_int_equal(tier_compute(&p, 1, 1, 1, &s), -EINVAL);
	p = *tier_policy_get(TIER_STANDARD);
	p.budget_ppm = TIER_PPM_ONE + 1;
	assert_int_equal(tier_compute(&p, 1, 1, 1, &s), -EINVAL);
	assert_int_equal(s.num_slots, 777);
}

/*
 * Budgets just around the floor and ceiling boundaries, where an
 * off-by-one in the 128-bit comparisons would show (expected values
 * computed with exact fractions).
 */
static void test_budget_boundaries(void **state)
{
	const struct tier_policy *p3 = tier_policy_get(TIER_FULL);
	struct tier_sizing s;

	(void)state;
	/*
	 * 64 MiB * 10^6 / 30000 bytes = 2236962133.33 bytes =
	 * 546133.33 frames: 546133 frames give a budget just under the
	 * floor, 546134 just over it.
	 */
	assert_int_equal(tier_compute(p3, 546133, PROC_SZ, CAP_SZ, &s), 0);
	assert_int_equal(s.budget_bytes, 64 * MIB);
	assert_int_equal(tier_compute(p3, 546134, PROC_SZ, CAP_SZ, &s), 0);
	/* 546134 * 4096 * 0.03 = 67108945.92 */
	assert_int_equal(s.budget_bytes, 67108945);
	assert_int_equal(s.binding, TIER_BOUND_NONE);
	/*
	 * 512 MiB: 4369066.67 frames.  4369066 frames -> 536870830.08 ->
	 * 536870830 (inside); 4369067 -> 536870952.96 > ceiling.  With
	 * overhead 16384 the slots (32767, 32768) stay below max_slots, so
	 * the budget clamp is the one reported.
	 */
	assert_int_equal(tier_compute(p3, 4369066, 8192, 7936, &s), 0);
	assert_int_equal(s.budget_bytes, 536870830);
	assert_int_equal(s.num_slots, 32767);
	assert_int_equal(s.binding, TIER_BOUND_NONE);
	assert_int_equal(tier_compute(p3, 4369067, 8192, 7936, &s), 0);
	assert_int_equal(s.num_slots, 32768);
	assert_int_equal(s.budget_bytes, 512 * MIB);
	assert_int_equal(s.binding, TIER_BOUND_BUDGET_CEILING);
}

/*
 * More free memory never gives fewer slots, for every tier and several
 * descriptor sizes, over a sweep from 0 to 2^44 frames (64 PiB).
 */
static void test_monotonic_sweep(void **state)
{
	static const size_t sizes[][2] = {
	    {PROC_SZ, CAP_SZ}, {200, 1000}, {8192, 7936}, {64, 0}};
	unsigned checked = 0;

	(void)state;
	for (int id = TIER_EMBEDDED; id <= TIER_FULL; id++) {
		const struct tier_policy *p = tier_policy_get(id);

		for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
			uint32_t prev = 0;
			uint64_t f = 0;

			while (f < (1ull << 44)) {
				struct tier_sizing s;

				assert_int_equal(tier_compute(p, f, sizes[z][0],
							      sizes[z][1], &s),
						 0);
				assert_true(s.num_slots >= prev);
				assert_true(s.num_slots >= p->min_slots);
				assert_true(s.num_slots <= p->max_slots);
				assert_true(s.budget_bytes >= p->floor_bytes);
				assert_true(s.budget_bytes <= p->ceiling_bytes);
				if (s.num_slots > p->min_slots)
					assert_true(s.fits);
				prev = s.num_slots;
				f = f < 4096 ? f + 97 : f + f / 61 + 13;
				checked++;
			}
		}
	}
	print_message("# %u sizings checked for monotonicity\n", checked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_policies_match_spec),
	    cmocka_unit_test(test_tier1_sizes),
	    cmocka_unit_test(test_tier2_sizes),
	    cmocka_unit_test(test_tier3_sizes),
	    cmocka_unit_test(test_each_binding),
	    cmocka_unit_test(test_halving_against_free_frames),
	    cmocka_unit_test(test_halving_stops_at_min),
	    cmocka_unit_test(test_absurd_inputs),
	    cmocka_unit_test(test_bad_policies),
	    cmocka_unit_test(test_budget_boundaries),
	    cmocka_unit_test(test_monotonic_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
