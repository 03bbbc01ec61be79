/*
 * kernel/mm/vma.h - the virtual regions of one user address space.
 *
 * Book-keeping only: which user ranges are reserved, with what flags and
 * for what purpose.  The page tables, the frames and the TLB are the
 * caller's business (syscall and loader code map after vma_alloc() and
 * unmap before vma_remove()).  A set holds at most VMA_MAX_REGIONS regions
 * in a fixed array kept sorted by address (spec kernel.md section 5).
 *
 * A region is `pages` mapped pages starting at `base`, optionally with an
 * unmapped guard page right before and/or right after (DMA buffers, spec
 * syscalls.md AllocDma).  The guards belong to the region: no other region
 * may use them, they come and go with it, and the region is named by base,
 * the address user space got, never by the guard's address.
 *
 * Dynamic ranges are taken first-fit from VMA_DYN_BASE up to the set's
 * ceiling, so freed ranges are reused (the original never reused them;
 * see docs/processes.md for why reuse is safe under the rule below).
 *
 * Locking: the caller holds the owning process's address-space lock for
 * every call.  Reuse rule: vma_remove() may run only after the region's
 * pages are unmapped and the TLB shootdown for them has completed, both
 * under that same lock, so a range is never handed out again while a
 * stale translation for it can exist on any CPU.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

/** Regions per address space (spec kernel.md section 5). */
#define VMA_MAX_REGIONS 256u
#define VMA_PAGE_SIZE	4096ull
/** Lowest address any region (guards included) may use: page 0 stays out. */
#define VMA_MIN_ADDR 0x1000ull
/** Start of the dynamic area (Allocate, MapMmio, AllocDma, channels). */
#define VMA_DYN_BASE 0x10000000ull
/** x86_64 user ceiling, exclusive (spec kernel.md section 5). */
#define VMA_CEILING_X86_64 0x0000800000000000ull
/** Fixed user stack: 16 pages ending at 0x800000 (spec kernel.md 5). */
#define VMA_STACK_TOP	0x800000ull
#define VMA_STACK_PAGES 16u

/** Region flags.  Without VMA_WRITE a region is read-only. */
enum vma_flag {
	VMA_WRITE = 1u << 0,	    /**< writable (RW); else RO */
	VMA_EXEC = 1u << 1,	    /**< executable */
	VMA_USER = 1u << 2,	    /**< user-accessible */
	VMA_DEVICE = 1u << 3,	    /**< uncached device memory (MMIO, fb) */
	VMA_DMA = 1u << 4,	    /**< physically contiguous DMA buffer */
	VMA_GUARD_BEFORE = 1u << 5, /**< unmapped page just below base */
	VMA_GUARD_AFTER = 1u << 6,  /**< unmapped page just past the end */
};
#define VMA_FLAGS_ALL 0x7fu

/** What a region is for: decides how teardown releases its pages. */
enum vma_kind {
	VMA_KIND_ANON = 1,    /**< Allocate: zeroed frames owned here */
	VMA_KIND_ELF,	      /**< loaded program segment */
	VMA_KIND_STACK,	      /**< user stack */
	VMA_KIND_HEAP,	      /**< per-process heap */
	VMA_KIND_MMIO,	      /**< MapMmio: device frames, not owned */
	VMA_KIND_DMA,	      /**< AllocDma: contiguous owned frames */
	VMA_KIND_CHANNEL,     /**< shared-memory channel mapping */
	VMA_KIND_AUDIT,	      /**< read-only audit ring mapping */
	VMA_KIND_FRAMEBUFFER, /**< MapFramebuffer */
	VMA_KIND_MAX = VMA_KIND_FRAMEBUFFER,
};

/*
 * The tag of a VMA_KIND_DMA region: the physical base of its buddy block
 * (aligned to at least a page) with the block's order in the low bits,
 * so Free and exit return the block whole (frame_free_order).
 */
static inline uint64_t vma_dma_tag(uint64_t phys, unsigned order)
{
	return phys | order;
}

static inline uint64_t vma_dma_phys(uint64_t tag)
{
	return tag & ~(VMA_PAGE_SIZE - 1);
}

static inline unsigned vma_dma_order(uint64_t tag)
{
	return (unsigned)(tag & (VMA_PAGE_SIZE - 1));
}

/** One region.  Guarded by the owner's address-space lock. */
struct vma {
	uint64_t base;	/**< first mapped byte, page-aligned */
	uint64_t pages; /**< mapped pages, >= 1, guards excluded */
	uint32_t flags; /**< enum vma_flag bits */
	uint32_t kind;	/**< enum vma_kind */
	uint64_t tag;	/**< kind-specific: channel id, DMA phys, ... */
};

/** The regions of one address space.  Guarded by its address-space lock. */
struct vma_set {
	struct vma regions[VMA_MAX_REGIONS]; /**< sorted by base, [0, count) */
	uint32_t count;			     /**< regions in use */
	uint64_t ceiling;		     /**< exclusive top of user space */
	uint64_t high_water; /**< highest dynamic span end handed out */
};

/**
 * Empty s, with user space ending (exclusive) at ceiling.  Returns 0, or
 * -EINVAL if ceiling is not page-aligned or not above VMA_DYN_BASE.
 */
__must_check int vma_set_init(struct vma_set *s, uint64_t ceiling);

/**
 * Reserve pages pages (plus the guard pages flags ask for) at the lowest
 * free address >= VMA_DYN_BASE where the whole span fits below the
 * ceiling; *out_base gets the first mapped byte (after a leading guard).
 * Returns 0, -EINVAL for pages 0, unknown flags or kind, -ENOMEM when the
 * set is full or no gap is large enough (pages too large included).
 */
__must_check int vma_alloc(struct vma_set *s, uint64_t pages, uint32_t flags,
			   uint32_t kind, uint64_t tag, uint64_t *out_base);

/**
 * Reserve a region at a fixed base (ELF segments, the stack).  The span,
 * guards included, must lie in [VMA_MIN_ADDR, ceiling).  Returns 0,
 * -EINVAL for pages 0, a base not page-aligned, unknown flags or kind, a
 * span outside user space or wrapping; -EEXIST when it overlaps a region
 * or its guards; -ENOMEM when the set is full.
 */
__must_check int vma_insert_fixed(struct vma_set *s, uint64_t base,
				  uint64_t pages, uint32_t flags, uint32_t kind,
				  uint64_t tag);

/**
 * The region whose mapped pages contain addr, or NULL (guard pages and
 * gaps).  The pointer is valid until the set next changes.
 */
const struct vma *vma_find(const struct vma_set *s, uint64_t addr);

/** True when addr lies in a guard page of some region (fault reports). */
bool vma_in_guard(const struct vma_set *s, uint64_t addr);

/**
 * Remove the region whose base is exactly base (the address user space
 * got, even when a guard page precedes it) and copy it to *out if out is
 * not NULL.  Returns 0, or -EINVAL when no region starts at base (Free's
 * error, spec syscalls.md).  See the reuse rule in the file comment.
 */
__must_check int vma_remove(struct vma_set *s, uint64_t base, struct vma *out);

/**
 * Remove the highest region and copy it to *out: teardown is
 * `while (vma_pop(s, &r) == 0) release(&r);`.  Returns 0, or -ENOENT when
 * the set is empty.
 */
__must_check int vma_pop(struct vma_set *s, struct vma *out);

/** Region i in address order, i < vma_count(s); NULL otherwise. */
const struct vma *vma_at(const struct vma_set *s, uint32_t i);

/** Regions in the set. */
uint32_t vma_count(const struct vma_set *s);

/** First byte of r's span: base minus the leading guard page if any. */
uint64_t vma_span_start(const struct vma *r);

/** One past the last byte of r's span, trailing guard page included. */
uint64_t vma_span_end(const struct vma *r);
