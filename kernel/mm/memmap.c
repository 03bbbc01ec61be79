/*
 * kernel/mm/memmap.c - normalise the firmware memory map.
 *
 * A sweep over the sorted boundaries of every region: between two
 * consecutive boundaries coverage cannot change, so each elementary
 * interval is usable or not as a whole.  With at most 160 regions this is
 * a few tens of thousands of comparisons, once, at boot.
 */
#include "kernel/mm/memmap.h"

#include "kernel/core/bootinfo.h"

#include "abi/errno.h"

#define PAGE_MASK	  ((uint64_t)MEMMAP_PAGE_SIZE - 1)
#define MEMMAP_MAX_POINTS (2 * (BOOT_MAX_MEM_REGIONS + BOOT_MAX_RESERVED))

/* Output being built. */
struct memmap_out {
	struct mem_range *r; /* caller's array */
	size_t max;	     /* its capacity */
	size_t count;	     /* ranges written */
	bool overflow;	     /* a range did not fit */
};

/* End of [base, base + len), clamped to 2^64 - 1 instead of wrapping. */
static uint64_t clamp_end(uint64_t base, uint64_t len)
{
	return len > UINT64_MAX - base ? UINT64_MAX : base + len;
}

static uint32_t mem_count(const struct boot_info *bi)
{
	return bi->mem_count < BOOT_MAX_MEM_REGIONS ? bi->mem_count
						    : BOOT_MAX_MEM_REGIONS;
}

static uint32_t reserved_count(const struct boot_info *bi)
{
	return bi->reserved_count < BOOT_MAX_RESERVED ? bi->reserved_count
						      : BOOT_MAX_RESERVED;
}

/* Sorted, duplicate-free boundaries of all regions; returns how many. */
static size_t collect_points(const struct boot_info *bi, uint64_t *pts)
{
	size_t n = 0, out = 0;

	for (uint32_t i = 0; i < mem_count(bi); i++) {
		if (bi->mem[i].length == 0)
			continue;
		pts[n++] = bi->mem[i].base;
		pts[n++] = clamp_end(bi->mem[i].base, bi->mem[i].length);
	}
	for (uint32_t i = 0; i < reserved_count(bi); i++) {
		if (bi->reserved[i].start >= bi->reserved[i].end)
			continue;
		pts[n++] = bi->reserved[i].start;
		pts[n++] = bi->reserved[i].end;
	}
	/* Insertion sort: n <= MEMMAP_MAX_POINTS and this runs once. */
	for (size_t i = 1; i < n; i++) {
		uint64_t v = pts[i];
		size_t j = i;

		for (; j > 0 && pts[j - 1] > v; j--)
			pts[j] = pts[j - 1];
		pts[j] = v;
	}
	for (size_t i = 0; i < n; i++) {
		if (out == 0 || pts[out - 1] != pts[i])
			pts[out++] = pts[i];
	}
	return out;
}

/* Classify the elementary interval [a, b): usable and not blocked. */
static bool interval_usable(const struct boot_info *bi, uint64_t a, uint64_t b)
{
	bool usable = false;

	for (uint32_t i = 0; i < mem_count(bi); i++) {
		const struct boot_mem_region *r = &bi->mem[i];

		if (r->length == 0 || r->base > a ||
		    clamp_end(r->base, r->length) < b)
			continue;
		if (r->type != BOOT_MEM_USABLE)
			return false;
		usable = true;
	}
	if (!usable)
		return false;
	for (uint32_t i = 0; i < reserved_count(bi); i++) {
		if (bi->reserved[i].start <= a && bi->reserved[i].end >= b)
			return false;
	}
	return true;
}

/* Align [base, end) inward to pages and append it if anything is left. */
static void emit(struct memmap_out *o, uint64_t base, uint64_t end)
{
	if (base > (UINT64_MAX & ~PAGE_MASK))
		return;
	base = (base + PAGE_MASK) & ~PAGE_MASK;
	end &= ~PAGE_MASK;
	if (base >= end)
		return;
	if (o->count >= o->max) {
		o->overflow = true;
		return;
	}
	o->r[o->count].base = base;
	o->r[o->count].end = end;
	o->count++;
}

int memmap_usable(const struct boot_info *bi, struct mem_range *out, size_t max,
		  size_t *count)
{
	uint64_t pts[MEMMAP_MAX_POINTS];
	struct memmap_out o = {.r = out, .max = max};
	uint64_t run_base = 0, run_end = 0;
	bool in_run = false;
	size_t n;

	if (!bi || !count || (!out && max > 0))
		return -EINVAL;
	n = collect_points(bi, pts);
	for (size_t i = 0; i + 1 < n; i++) {
		if (!interval_usable(bi, pts[i], pts[i + 1]))
			continue;
		/* Intervals are consecutive, so a run continues exactly when
		 * it ended at this interval's start. */
		if (in_run && run_end == pts[i]) {
			run_end = pts[i + 1];
			continue;
		}
		if (in_run)
			emit(&o, run_base, run_end);
		run_base = pts[i];
		run_end = pts[i + 1];
		in_run = true;
	}
	if (in_run)
		emit(&o, run_base, run_end);
	*count = o.count;
	return o.overflow ? -ENOSPC : 0;
}

uint64_t memmap_total(const struct mem_range *r, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t len = r[i].end > r[i].base ? r[i].end - r[i].base : 0;

		total = len > UINT64_MAX - total ? UINT64_MAX : total + len;
	}
	return total;
}

static bool is_ram(uint32_t type)
{
	return type == BOOT_MEM_USABLE || type == BOOT_MEM_ACPI_RECLAIM ||
	       type == BOOT_MEM_ACPI_NVS || type == BOOT_MEM_BAD;
}

uint64_t memmap_ram_top(const struct boot_info *bi)
{
	uint64_t top = 0;

	for (uint32_t i = 0; i < mem_count(bi); i++) {
		uint64_t end;

		if (bi->mem[i].length == 0 || !is_ram(bi->mem[i].type))
			continue;
		end = clamp_end(bi->mem[i].base, bi->mem[i].length);
		if (end > top)
			top = end;
	}
	if (top > (UINT64_MAX & ~PAGE_MASK))
		return UINT64_MAX & ~PAGE_MASK;
	return (top + PAGE_MASK) & ~PAGE_MASK;
}

bool memmap_contains(const struct mem_range *r, size_t n, uint64_t base,
		     uint64_t end)
{
	for (size_t i = 0; i < n; i++) {
		if (r[i].base <= base && end <= r[i].end)
			return true;
	}
	return false;
}
