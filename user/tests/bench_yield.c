/*
 * user/tests/bench_yield.c - cost of a yield that switches tasks.  Load
 * two instances on one CPU: each Yield then hands the CPU to the other,
 * so one yield is one context switch (plus the syscall).  Alone on a CPU
 * it measures a yield that switches to nobody.
 *
 * Prints "bench_yield: pid=<pid> yields=<n> cycles_total=<t>
 * cycles_per_yield=<c>"; exit code 0.
 */
#include "lib/libsys/libsys.h"

#define WARMUP 100
#define YIELDS 20000

int main(void)
{
	int64_t pid = sys_get_pid();
	uint64_t start, total;

	/* Releases the second instance when both are boot modules; the
	 * warm-up yields give it time to start. */
	(void)sys_module_ready();
	for (int i = 0; i < WARMUP; i++)
		(void)sys_yield();
	start = read_cycles();
	for (int i = 0; i < YIELDS; i++)
		(void)sys_yield();
	total = read_cycles() - start;
	printf("bench_yield: pid=%ld yields=%d cycles_total=%llu "
	       "cycles_per_yield=%llu\n",
	       pid, YIELDS, (unsigned long long)total,
	       (unsigned long long)(total / YIELDS));
	return 0;
}
