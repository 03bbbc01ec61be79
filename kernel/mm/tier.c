/*
 * kernel/mm/tier.c - boot-time sizing of the kernel object tables
 * (spec kernel.md section 4).
 */
#include "kernel/mm/tier.h"

#include "abi/errno.h"

typedef unsigned __int128 u128;

#define MIB(x) ((uint64_t)(x) << 20)

/* Spec kernel.md section 4, table "Tier table sizing". */
static const struct tier_policy tier_policies[] = {
    {
	.name = "tier1 (embedded)",
	.min_slots = 32,
	.max_slots = 256,
	.budget_ppm = 15000,
	.floor_bytes = MIB(2),
	.ceiling_bytes = MIB(8),
    },
    {
	.name = "tier2 (standard)",
	.min_slots = 128,
	.max_slots = 4096,
	.budget_ppm = 20000,
	.floor_bytes = MIB(16),
	.ceiling_bytes = MIB(64),
    },
    {
	.name = "tier3 (full)",
	.min_slots = 256,
	.max_slots = 65536,
	.budget_ppm = 30000,
	.floor_bytes = MIB(64),
	.ceiling_bytes = MIB(512),
    },
};

_Static_assert(CAMBIOS_TIER >= 1 && CAMBIOS_TIER <= 3,
	       "CAMBIOS_TIER must be 1, 2 or 3");

const struct tier_policy *tier_policy_get(enum tier_id id)
{
	if (id < TIER_EMBEDDED || id > TIER_FULL)
		return NULL;
	return &tier_policies[id - TIER_EMBEDDED];
}

const struct tier_policy *tier_policy_default(void)
{
	return &tier_policies[CAMBIOS_TIER - 1];
}

const struct tier_policy *tier_policy_for_memory(uint64_t ram_bytes)
{
	if (CAMBIOS_TIER_FORCED)
		return tier_policy_default();
	if (ram_bytes < TIER_AUTO_STANDARD_RAM)
		return &tier_policies[TIER_EMBEDDED - TIER_EMBEDDED];
	if (ram_bytes < TIER_AUTO_FULL_RAM)
		return &tier_policies[TIER_STANDARD - TIER_EMBEDDED];
	return &tier_policies[TIER_FULL - TIER_EMBEDDED];
}

const char *tier_binding_name(enum tier_binding b)
{
	switch (b) {
	case TIER_BOUND_NONE:
		return "unconstrained";
	case TIER_BOUND_BUDGET_FLOOR:
		return "budget-floor";
	case TIER_BOUND_BUDGET_CEILING:
		return "budget-ceiling";
	case TIER_BOUND_MIN_SLOTS:
		return "min-slots";
	case TIER_BOUND_MAX_SLOTS:
		return "max-slots";
	case TIER_BOUND_FREE_MEMORY:
		return "free-memory";
	}
	return "unknown";
}

static u128 page_round(u128 n)
{
	return (n + TIER_PAGE_SIZE - 1) / TIER_PAGE_SIZE * TIER_PAGE_SIZE;
}

static uint64_t saturate(u128 n)
{
	return n > UINT64_MAX ? UINT64_MAX : (uint64_t)n;
}

/*
 * Exact 128-bit region size.  Division by the power-of-two page size
 * compiles to shifts, so no compiler runtime helper is needed.
 */
static u128 region_bytes(uint32_t num_slots, size_t proc_size, size_t cap_size)
{
	return page_round((u128)num_slots * proc_size) +
	       page_round((u128)num_slots * cap_size);
}

uint64_t tier_region_bytes(uint32_t num_slots, size_t proc_size,
			   size_t cap_size)
{
	return saturate(region_bytes(num_slots, proc_size, cap_size));
}

uint64_t tier_cap_offset(uint32_t num_slots, size_t proc_size)
{
	return saturate(page_round((u128)num_slots * proc_size));
}

/*
 * n / d for d < 2^32, by schoolbook division over 32-bit limbs.  A plain
 * 128-bit division would call the compiler runtime's __udivti3, which the
 * freestanding kernel does not link.  The result is saturated to 64 bits.
 */
static uint64_t div128_small(u128 n, uint32_t d)
{
	u128 q = 0;
	uint64_t rem = 0;

	for (int shift = 96; shift >= 0; shift -= 32) {
		/* rem < d < 2^32, so cur < 2^64. */
		uint64_t cur = (rem << 32) | (uint32_t)(n >> shift);

		q = (q << 32) | (cur / d);
		rem = cur % d;
	}
	return saturate(q);
}

static bool policy_ok(const struct tier_policy *p)
{
	return p->min_slots >= 1 && p->min_slots <= p->max_slots &&
	       p->floor_bytes <= p->ceiling_bytes &&
	       p->budget_ppm <= TIER_PPM_ONE;
}

/* Spec 4: clamp(avail * ppm / 10^6, floor, ceiling), and which bound bit. */
static uint64_t clamp_budget(const struct tier_policy *p, u128 avail,
			     enum tier_binding *bound)
{
	u128 scaled = avail * p->budget_ppm; /* < 2^76 * 2^20 */

	/* floor(scaled / 10^6) < floor  <=>  scaled < floor * 10^6 */
	if (scaled < (u128)p->floor_bytes * TIER_PPM_ONE) {
		*bound = TIER_BOUND_BUDGET_FLOOR;
		return p->floor_bytes;
	}
	/* floor(scaled / 10^6) > ceiling  <=>  scaled >= (ceiling+1) * 10^6 */
	if (scaled >= ((u128)p->ceiling_bytes + 1) * TIER_PPM_ONE) {
		*bound = TIER_BOUND_BUDGET_CEILING;
		return p->ceiling_bytes;
	}
	*bound = TIER_BOUND_NONE;
	return div128_small(scaled, TIER_PPM_ONE);
}

int tier_compute(const struct tier_policy *p, uint64_t free_frames,
		 size_t proc_size, size_t cap_size, struct tier_sizing *out)
{
	struct tier_sizing s = {0};
	u128 overhead = (u128)proc_size + cap_size + TIER_SLOT_PADDING;
	u128 avail = (u128)free_frames * TIER_PAGE_SIZE;
	uint64_t slots;

	if (!p || !out || !policy_ok(p) || overhead > UINT64_MAX)
		return -EINVAL;

	s.avail_bytes = saturate(avail);
	s.slot_overhead = (uint64_t)overhead;
	s.budget_bytes = clamp_budget(p, avail, &s.binding);

	slots = s.budget_bytes / s.slot_overhead;
	/* Slot clamps are reported in preference to budget clamps (spec 4). */
	if (slots < p->min_slots) {
		slots = p->min_slots;
		s.binding = TIER_BOUND_MIN_SLOTS;
	} else if (slots > p->max_slots) {
		slots = p->max_slots;
		s.binding = TIER_BOUND_MAX_SLOTS;
	}
	s.num_slots = (uint32_t)slots;

	/*
	 * Spec 4: halve while the region exceeds half of the free frames.
	 * region > avail / 2  <=>  2 * region > avail, exact in 128 bits.
	 * Stop at min_slots: the policy's minimum is a promise to user space.
	 */
	while (2 * region_bytes(s.num_slots, proc_size, cap_size) > avail &&
	       s.num_slots > p->min_slots) {
		s.num_slots /= 2;
		if (s.num_slots < p->min_slots)
			s.num_slots = p->min_slots;
		s.halvings++;
		s.binding = TIER_BOUND_FREE_MEMORY;
	}
	s.region_bytes = tier_region_bytes(s.num_slots, proc_size, cap_size);
	s.fits = 2 * region_bytes(s.num_slots, proc_size, cap_size) <= avail;
	*out = s;
	return 0;
}
