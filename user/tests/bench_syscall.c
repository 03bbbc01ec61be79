/*
 * user/tests/bench_syscall.c - cost of a null syscall (GetPid) in cycles.
 * Under QEMU -icount the cycle counter counts guest instructions.
 *
 * Prints "bench_syscall: calls=<n> cycles_total=<t> cycles_per_call=<c>";
 * exit code 0.
 */
#include "lib/libsys/libsys.h"

#define WARMUP 1000
#define CALLS  100000

int main(void)
{
	uint64_t start, total;

	(void)sys_module_ready();
	for (int i = 0; i < WARMUP; i++)
		(void)sys_get_pid();
	start = read_cycles();
	for (int i = 0; i < CALLS; i++)
		(void)sys_get_pid();
	total = read_cycles() - start;
	printf(
	    "bench_syscall: calls=%d cycles_total=%llu cycles_per_call=%llu\n",
	    CALLS, (unsigned long long)total,
	    (unsigned long long)(total / CALLS));
	return 0;
}
