/*
 * lib/libsys/arch/x86_64/cycles.c - the cycle counter for benchmarks.
 * RDTSC is allowed at CPL 3 while CR4.TSD is clear, which the kernel
 * leaves as firmware set it.
 */
#include "lib/libsys/libsys.h"

uint64_t read_cycles(void)
{
	uint32_t lo, hi;

	/* lfence on both sides keeps the read from drifting across the code
	 * being measured (RDTSC is not serialising). */
	__asm__ volatile("lfence\n\trdtsc\n\tlfence"
			 : "=a"(lo), "=d"(hi)
			 :
			 : "memory");
	return ((uint64_t)hi << 32) | lo;
}
