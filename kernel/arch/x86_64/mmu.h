/* kernel/arch/x86_64/mmu.h - x86_64 address-space internals. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct pt_ctx;

/** Physical address of the kernel's PML4 (valid after arch_mmu_init). */
uint64_t mmu_kernel_root(void);

/** Page-table context for kernel use after boot (tables from frames). */
const struct pt_ctx *mmu_pt_ctx(void);

/**
 * Map device memory [phys, phys + size) uncached into the kernel's MMIO
 * window; returns the virtual address of phys, or NULL when the window or
 * memory for page tables is exhausted.  Mappings are permanent.
 */
void *mmu_map_mmio(uint64_t phys, size_t size);

/**
 * Map one 4 KiB kernel page (pt.h leaf flags) in the shared kernel half.
 * Returns 0 or the pt_map error.  The caller flushes TLBs on unmap only
 * (a new mapping cannot be cached anywhere).
 */
int mmu_kernel_map_page(uint64_t va, uint64_t pa, uint64_t flags);

/** Unmap one kernel page; returns its frame.  The caller flushes TLBs. */
int mmu_kernel_unmap_page(uint64_t va, uint64_t *pa);

/** PTE_NX when the CPU supports no-execute, else 0. */
uint64_t mmu_nx_bit(void);

/** First physical address the direct map does not cover. */
uint64_t mmu_direct_map_limit(void);
