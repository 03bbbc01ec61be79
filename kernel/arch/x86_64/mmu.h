/* kernel/arch/x86_64/mmu.h - x86_64 address-space internals. */
#pragma once

#include <stdint.h>

/** Physical address of the kernel's PML4 (valid after arch_mmu_init). */
uint64_t mmu_kernel_root(void);
