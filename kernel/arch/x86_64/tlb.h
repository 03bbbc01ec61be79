/*
 * kernel/arch/x86_64/tlb.h - TLB maintenance across CPUs.
 */
#pragma once

#include <stdint.h>

/**
 * Invalidate [va, va + pages * 4 KiB) in every CPU's TLB: locally with
 * invlpg, on the other online CPUs by IPI (VECTOR_TLB_SHOOTDOWN), waiting
 * until all have done it.  Up to 32 pages are flushed one by one, more by
 * reloading CR3 (global kernel pages then need a CR4.PGE toggle, done for
 * kernel addresses).  Interrupts may be on or off.
 */
void tlb_shootdown(uint64_t va, uint64_t pages);

/** The IPI handler's side of tlb_shootdown. */
void tlb_shootdown_ipi(void);

/** Called when a CPU comes online / is counted for shootdowns. */
void tlb_cpu_online(void);
