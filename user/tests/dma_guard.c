/*
 * user/tests/dma_guard.c - AllocDma's guard pages fault.  Allocates a
 * two-page DMA buffer and writes one byte just below it (dma_guard_low)
 * or just past it (dma_guard_high, built from dma_guard_high.c with
 * DMA_GUARD_HIGH set).  Prints "dma_guard_<low|high>: touching 0x<addr>"
 * and must be killed there; "dma_guard_<...> survived" and exit 1 mean
 * the guard page was mapped.
 */
#include "lib/libsys/libsys.h"

#ifndef DMA_GUARD_HIGH
#define DMA_GUARD_HIGH 0
#endif

#define PAGE	  4096ull
#define DMA_PAGES 2

int main(void)
{
	const char *name = DMA_GUARD_HIGH ? "dma_guard_high" : "dma_guard_low";
	uint64_t pa = 0;
	int64_t va;
	volatile uint8_t *p;

	(void)sys_module_ready();
	va = sys_alloc_dma(DMA_PAGES, 0, &pa);
	if (sys_failed(va)) {
		printf("%s: alloc_dma failed %ld\n", name, va);
		return 2;
	}
	/* The buffer itself is writable. */
	*(volatile uint8_t *)(uintptr_t)va = 1;
	*(volatile uint8_t *)(uintptr_t)(va + DMA_PAGES * PAGE - 1) = 1;
	p = (volatile uint8_t *)(uintptr_t)(DMA_GUARD_HIGH
						? va + DMA_PAGES * PAGE
						: va - 1);
	printf("%s: touching 0x%lx\n", name, (unsigned long)(uintptr_t)p);
	*p = 1;
	printf("%s survived\n", name);
	return 1;
}
