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
