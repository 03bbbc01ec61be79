/*
 * kernel/arch/x86_64/pt.h - x86_64 4-level page-table primitives.
 *
 * Pure functions over page tables reached through a direct map, so they
 * run unchanged in host unit tests (where "physical memory" is an arena).
 * Callers serialise access to one page-table tree.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define PTE_P		(1ull << 0)	/* present */
#define PTE_W		(1ull << 1)	/* writable */
#define PTE_U		(1ull << 2)	/* user accessible */
#define PTE_PWT		(1ull << 3)	/* write-through */
#define PTE_PCD		(1ull << 4)	/* cache disable */
#define PTE_A		(1ull << 5)	/* accessed */
#define PTE_D		(1ull << 6)	/* dirty */
#define PTE_PS		(1ull << 7)	/* large page (PDPT, PD levels) */
#define PTE_G		(1ull << 8)	/* global */
#define PTE_NX		(1ull << 63)	/* no execute */
#define PTE_ADDR_MASK	0x000FFFFFFFFFF000ull
/* Flags a caller may pass for a leaf. */
#define PTE_LEAF_FLAGS	(PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_G | PTE_NX)

#define PAGE_4K		0x1000ull
#define PAGE_2M		0x200000ull
#define PAGE_1G		0x40000000ull

/** How to reach and grow page tables. */
struct pt_ctx {
	uintptr_t virt_offset;	/**< table at phys p is at p + virt_offset */
	/** Return the physical address of a zeroed 4 KiB page, or 0. */
	uint64_t (*alloc_table)(void *arg);
	void *arg;		/**< passed to alloc_table */
};

/** True when va is canonical (bits 63..47 all equal). */
bool pt_canonical(uint64_t va);

/**
 * Map [va, va + size) to pa with one leaf of the given size (4 KiB, 2 MiB
 * or 1 GiB) and leaf flags (PTE_LEAF_FLAGS; PTE_P is implied).  Creates
 * intermediate tables as needed; they allow user access when the leaf does.
 * Errors: -EINVAL for a bad size, misaligned or non-canonical address, or a
 * physical address above 52 bits; -EEXIST when any part of the range is
 * already mapped (nothing changes); -ENOMEM when a table cannot be
 * allocated (tables created so far stay, empty).
 */
int pt_map(const struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t pa,
	   uint64_t size, uint64_t flags);

/**
 * Remove the leaf mapping va (which must be the leaf's base address).
 * Returns 0 and the leaf's physical address and size, -ENOENT when
 * nothing is mapped there, -EINVAL when va is not the leaf's base.
 * Emptied tables are not freed.  The caller flushes the TLB.
 */
int pt_unmap(const struct pt_ctx *ctx, uint64_t root, uint64_t va,
	     uint64_t *pa, uint64_t *size);

/**
 * Translate va.  Returns true and the physical address of va and the leaf's
 * flags (with PTE_PS stripped), or false when va is not mapped.
 */
bool pt_lookup(const struct pt_ctx *ctx, uint64_t root, uint64_t va,
	       uint64_t *pa, uint64_t *flags);
