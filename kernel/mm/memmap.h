/*
 * kernel/mm/memmap.h - normalise the firmware memory map.
 *
 * Firmware maps come unsorted, overlapping, unaligned and sometimes
 * wrapping past 2^64.  memmap turns struct boot_info into the list of
 * page-aligned RAM ranges the frame allocator may own.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct boot_info;

#define MEMMAP_PAGE_SIZE 4096u

/** A physical range [base, end); base < end in every produced range. */
struct mem_range {
	uint64_t base; /**< first byte */
	uint64_t end;  /**< one past the last byte */
};

/**
 * Compute the usable RAM of bi into out[0, *count).
 *
 * The result is sorted, non-overlapping, non-adjacent (touching ranges are
 * merged) and page-aligned: each range's base is rounded up and its end
 * rounded down to MEMMAP_PAGE_SIZE, after everything below is removed, so
 * a partly reserved page is never usable.  A byte is usable when some
 * BOOT_MEM_USABLE region covers it and no region of another type and no
 * bi->reserved range does (conflicts resolve against usable).  Regions
 * whose base + length passes 2^64 are clamped to end at 2^64 - 1; the
 * last byte of the address space is therefore never usable.  Zero-length
 * regions and empty reserved ranges are ignored.  Page 0 is not treated
 * specially (the buddy allocator never hands it out).
 *
 * Returns 0, or -ENOSPC when more than max ranges result: out then holds
 * the max lowest ranges and *count == max.  -EINVAL if bi, count, or out
 * (with max > 0) is NULL.  Uses about 2.5 KiB of stack.
 */
int memmap_usable(const struct boot_info *bi, struct mem_range *out, size_t max,
		  size_t *count);

/** Sum of the lengths of r[0, n), saturating at UINT64_MAX. */
uint64_t memmap_total(const struct mem_range *r, size_t n);

/**
 * One past the highest byte of RAM in bi (usable, ACPI reclaimable, ACPI
 * NVS or bad regions), rounded up to a page: how far the direct map must
 * reach.  Returns 0 if there is no RAM.  A region reaching the top of the
 * address space gives the last page boundary below 2^64
 * (0xfffffffffffff000), so the result always fits in uint64_t.
 */
uint64_t memmap_ram_top(const struct boot_info *bi);

/** True when [base, end) lies entirely inside one of r[0, n). */
bool memmap_contains(const struct mem_range *r, size_t n, uint64_t base,
		     uint64_t end);
