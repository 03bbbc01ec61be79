/*
 * kernel/mm/buddy.h - buddy allocator of physical page frames.
 *
 * Manages the ranges memmap_usable() produced.  Blocks of order k are
 * 2^k contiguous 4 KiB frames, aligned to 2^k frames physically, for
 * k = 0 .. BUDDY_MAX_ORDER (4 MiB).
 *
 * All memory is reached through a direct map: the byte at physical p is
 * at virtual p + virt_offset (unsigned, wrapping).  Free blocks hold their
 * own free-list links in their first 16 bytes.  Per-frame metadata, one
 * byte per frame, lives at the start of each range it describes: a range
 * of n frames gives up ceil(n / 4096) frames to its metadata, so the cost
 * is 1/4096 of the managed memory.  The metadata lets buddy_free() catch
 * double frees, frees of frames it does not manage, of the middle of a
 * block, and with the wrong order.
 *
 * Not thread-safe: callers serialise (see kernel/mm/frame.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mem_range;

#define BUDDY_PAGE_SHIFT 12
#define BUDDY_PAGE_SIZE	 (1ull << BUDDY_PAGE_SHIFT)
#define BUDDY_MAX_ORDER	 10 /**< largest block: 2^10 frames, 4 MiB */
#define BUDDY_ORDERS	 (BUDDY_MAX_ORDER + 1)
#define BUDDY_MAX_ZONES	 64 /**< ranges managed; more are ignored */

/** Free-list link stored in the first bytes of every free block. */
struct buddy_node {
	struct buddy_node *next; /**< next free block of the same order */
	struct buddy_node *prev; /**< previous one, NULL at the head */
};

/** One contiguous managed range and its frame metadata. */
struct buddy_zone {
	uint64_t base_pfn; /**< first frame of the range */
	uint64_t nframes;  /**< frames in the range, metadata included */
	uint8_t *meta;	   /**< nframes bytes, virtual address */
};

/** The allocator.  Fields are private to buddy.c; read them with the
 * functions below. */
struct buddy {
	struct buddy_zone zones[BUDDY_MAX_ZONES]; /**< sorted by base_pfn */
	size_t nzones; /**< valid entries in zones[] */
	struct buddy_node *free_list[BUDDY_ORDERS]; /**< free blocks by order */
	size_t free_blocks[BUDDY_ORDERS]; /**< length of each free list */
	size_t free_frames;		  /**< frames in free blocks */
	size_t total_frames;		  /**< frames that can be allocated */
	size_t meta_frames;		  /**< frames holding metadata */
	size_t ranges_ignored; /**< ranges past BUDDY_MAX_ZONES or too small */
	uintptr_t virt_offset; /**< virtual = physical + virt_offset */
};

/**
 * Take over the frames in ranges[0, n) and make them all free.
 *
 * Preconditions: ranges are page-aligned, sorted, non-overlapping (as from
 * memmap_usable()), the memory is mapped at phys + virt_offset and nobody
 * else uses it.  Ranges beyond BUDDY_MAX_ZONES, and ranges too small to
 * hold their metadata and one frame, are skipped and counted in
 * b->ranges_ignored.  Physical frame 0 is never handed out.
 *
 * Returns 0; -EINVAL if b is NULL, ranges is NULL with n > 0, or a range
 * is empty, unaligned, unsorted or overlapping; -ENOMEM if no frame is
 * left to allocate.  On error b manages nothing (allocations fail).
 */
int buddy_init(struct buddy *b, const struct mem_range *ranges, size_t n,
	       uintptr_t virt_offset);

/**
 * Allocate a block of 2^order frames aligned to its size.  Returns its
 * physical address, or 0 when no block is free or order > BUDDY_MAX_ORDER.
 * The contents are not cleared.
 */
uint64_t buddy_alloc(struct buddy *b, unsigned order);

/**
 * Return the block at phys, which buddy_alloc(b, order) gave out, and
 * merge it with free buddies.  Panics ("buddy_free: ...") on a kernel bug:
 * double free, a frame b does not manage or that is not a block's first
 * frame, an order other than the one allocated, an unaligned address.
 */
void buddy_free(struct buddy *b, uint64_t phys, unsigned order);

/** Frames currently free. */
size_t buddy_free_frames(const struct buddy *b);

/** Frames b can hand out (metadata and frame 0 excluded). */
size_t buddy_total_frames(const struct buddy *b);

/** Free blocks of exactly this order (0 if order is out of range). */
size_t buddy_free_blocks(const struct buddy *b, unsigned order);

/**
 * Check every invariant: metadata describes a tiling of each zone into
 * free and allocated blocks, each aligned to its order; every free block
 * is on the list of its order exactly once and the lists hold nothing
 * else; no two free buddies of the same order below BUDDY_MAX_ORDER
 * (they would have merged); counters match.  Returns true when all hold.
 * Takes time linear in managed memory: for tests and debug commands.
 */
bool buddy_check(const struct buddy *b);
