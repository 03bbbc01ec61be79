/*
 * kernel/mm/frame.h - the kernel's physical frame allocator.
 *
 * One global buddy allocator (kernel/mm/buddy.h) over all usable RAM.
 * Everything else in the kernel allocates frames through these calls.
 *
 * Locking: the kernel runs on one CPU for now and none of these may be
 * called from interrupt context.  When SMP arrives, frame.c takes its
 * spinlock around each buddy call (marked "lock" in frame.c).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct heap_backend;
struct mem_range;

/**
 * Hand ranges[0, n) (from memmap_usable()) to the frame allocator; the
 * memory must be reachable at phys + virt_offset.  Call once at boot.
 * Returns 0 or an error from buddy_init().
 */
int frame_init(const struct mem_range *ranges, size_t n, uintptr_t virt_offset);

/** One 4 KiB frame: its physical address, or 0 when memory is exhausted. */
uint64_t frame_alloc(void);

/** 2^order contiguous frames aligned to their size, or 0. */
uint64_t frame_alloc_order(unsigned order);

/** Free a frame from frame_alloc().  Panics on double or foreign free. */
void frame_free(uint64_t phys);

/** Free a block from frame_alloc_order(order).  Panics as buddy_free(). */
void frame_free_order(uint64_t phys, unsigned order);

/** Virtual address of physical address phys in the direct map. */
void *frame_to_virt(uint64_t phys);

/** Physical address of virt, a direct-map address from frame_to_virt(). */
uint64_t frame_virt_to_phys(const void *virt);

/**
 * Heap backend over these frames: heap_init(&frame_heap_backend) after
 * frame_init().  Page blocks above BUDDY_MAX_ORDER (4 MiB) are refused,
 * so that is also the largest kmalloc() this backend can serve.
 */
extern const struct heap_backend frame_heap_backend;

/** Frames free now. */
size_t frame_free_count(void);

/** Frames managed in total. */
size_t frame_total_count(void);
