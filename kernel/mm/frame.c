/*
 * kernel/mm/frame.c - the kernel's physical frame allocator.
 */
#include "kernel/mm/frame.h"

#include "kernel/core/lockrank.h"
#include "kernel/core/spinlock.h"
#include "kernel/mm/buddy.h"
#include "kernel/mm/heap.h"

/* The one allocator, guarded by frame_lock (interrupts off while held). */
static struct buddy frame_buddy;
static struct spinlock frame_lock = SPINLOCK_INIT("frames", LOCK_RANK_FRAME);

int frame_init(const struct mem_range *ranges, size_t n, uintptr_t virt_offset)
{
	spin_init(&frame_lock, "frames", LOCK_RANK_FRAME);
	return buddy_init(&frame_buddy, ranges, n, virt_offset);
}

uint64_t frame_alloc(void)
{
	return frame_alloc_order(0);
}

uint64_t frame_alloc_order(unsigned order)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);
	uint64_t phys = buddy_alloc(&frame_buddy, order);

	spin_unlock_irqrestore(&frame_lock, flags);
	return phys;
}

void frame_free(uint64_t phys)
{
	frame_free_order(phys, 0);
}

void frame_free_order(uint64_t phys, unsigned order)
{
	unsigned long flags = spin_lock_irqsave(&frame_lock);

	buddy_free(&frame_buddy, phys, order);
	spin_unlock_irqrestore(&frame_lock, flags);
}

void *frame_to_virt(uint64_t phys)
{
	return (void *)((uintptr_t)phys + frame_buddy.virt_offset);
}

uint64_t frame_virt_to_phys(const void *virt)
{
	return (uint64_t)((uintptr_t)virt - frame_buddy.virt_offset);
}

static void *frame_heap_alloc(size_t order)
{
	uint64_t phys;

	if (order > BUDDY_MAX_ORDER)
		return NULL;
	phys = frame_alloc_order((unsigned)order);
	return phys ? frame_to_virt(phys) : NULL;
}

static void frame_heap_free(void *p, size_t order)
{
	frame_free_order(frame_virt_to_phys(p), (unsigned)order);
}

const struct heap_backend frame_heap_backend = {
    .alloc_pages = frame_heap_alloc,
    .free_pages = frame_heap_free,
};

size_t frame_free_count(void)
{
	return buddy_free_frames(&frame_buddy);
}

size_t frame_total_count(void)
{
	return buddy_total_frames(&frame_buddy);
}
