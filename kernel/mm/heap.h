/*
 * kernel/mm/heap.h - the kernel heap: kmalloc, kzalloc, kfree.
 *
 * Requests up to HEAP_SLAB_MAX bytes come from size classes (16 B to
 * 2016 B) carved out of single pages ("slabs"), each page starting with a
 * 64-byte header; larger requests get 2^k whole pages with a 64-byte
 * header in front of the returned pointer.  Every pointer handed out is
 * 16-byte aligned.  kfree() finds the header from the page the pointer
 * lies in and panics on a double free or on any pointer the heap did not
 * return (foreign, or into the middle of a block).
 *
 * Not thread-safe: the kernel has one CPU for now; the lock belongs where
 * heap.c says "lock".
 */
#pragma once

#include <stddef.h>

#define HEAP_ALIGN     16   /**< alignment of every kmalloc result */
#define HEAP_PAGE_SIZE 4096 /**< page size the backend deals in */
#define HEAP_SLAB_MAX  2016 /**< largest size served from a slab */
#define HEAP_MAX_ORDER 20   /**< largest page block asked for: 4 GiB */

/**
 * Page supplier.  alloc_pages(order) returns the virtual address of
 * 2^order contiguous, writable pages aligned to HEAP_PAGE_SIZE, or NULL;
 * free_pages(p, order) takes them back.  Both may assume order <=
 * HEAP_MAX_ORDER.  The kernel backs these with frame_alloc_order() and
 * the direct map; tests with whatever they like.
 */
struct heap_backend {
	void *(*alloc_pages)(size_t order);	   /**< get 2^order pages */
	void (*free_pages)(void *p, size_t order); /**< return them */
};

/** Heap counters, for the kernel's `mem` command and tests. */
struct heap_stats {
	size_t bytes_in_use;  /**< sum of live block sizes (slab blocks
				   count their class size, large ones the
				   size asked for) */
	size_t blocks_in_use; /**< live allocations */
	size_t pages_held;    /**< pages taken from the backend and not
				   yet returned */
	size_t slab_pages;    /**< of which slab pages */
	size_t allocs;	      /**< successful kmalloc calls, ever */
	size_t frees;	      /**< kfree calls of non-NULL pointers, ever */
	size_t failures;      /**< kmalloc calls that returned NULL */
};

/**
 * Start the heap on backend (copied; the struct need not outlive the
 * call).  Forgets any previous heap state without returning its pages:
 * call once at boot (tests call it per case).
 */
void heap_init(const struct heap_backend *backend);

/**
 * Allocate size bytes aligned to HEAP_ALIGN.  Returns NULL when the
 * backend has no pages, when size is too large to represent in
 * 2^HEAP_MAX_ORDER pages, or before heap_init().  kmalloc(0) returns a
 * unique minimal (16-byte) block, which must be kfree()d like any other.
 * The contents are undefined.
 */
void *kmalloc(size_t size);

/** kmalloc() and clear the size bytes. */
void *kzalloc(size_t size);

/**
 * Free p, which kmalloc()/kzalloc() returned.  kfree(NULL) does nothing.
 * Panics with "kfree: double free of %p" when p was already freed and
 * "kfree: foreign pointer %p" when the heap never returned p.  p must
 * point into mapped memory (any kernel pointer does): kfree reads the
 * header at the start of p's page.  A double free of a large block is
 * recognised while its pages have not been handed out again.
 */
void kfree(void *p);

/**
 * Bytes usable at p (at least what was asked for); 0 for NULL.  Panics
 * like kfree() on a pointer that is not a live allocation.
 */
size_t heap_usable_size(const void *p);

/** Copy the current counters into *out. */
void heap_get_stats(struct heap_stats *out);
