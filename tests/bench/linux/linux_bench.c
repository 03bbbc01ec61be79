/*
 * tests/bench/linux/linux_bench.c - the Linux baseline for `make bench`.
 *
 * Runs as /init of an initramfs under Debian's cloud kernel in the same
 * QEMU configuration as CambiOS-C.  Under -icount shift=0,sleep=off the
 * time-stamp counter counts guest instructions, so every figure is exact.
 * Prints one parseable line per measurement, then powers the machine off.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void null_syscall(int n)
{
	uint64_t t0 = rdtsc();

	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);

	uint64_t t1 = rdtsc();

	printf("linux: null syscall %llu cycles\n",
	       (unsigned long long)((t1 - t0) / (uint64_t)n));
}

static void yield_switch(int n)
{
	pid_t child = fork();

	if (child == 0) {
		for (int i = 0; i < n; i++)
			sched_yield();
		_exit(0);
	}

	uint64_t t0 = rdtsc();

	for (int i = 0; i < n; i++)
		sched_yield();
	waitpid(child, NULL, 0);

	uint64_t t1 = rdtsc();

	/* Each loop iteration of both tasks is one switch each way. */
	printf("linux: yield switch %llu cycles\n",
	       (unsigned long long)((t1 - t0) / (2 * (uint64_t)n)));
}

static void pipe_round_trip(int n)
{
	int to_child[2], to_parent[2];
	char c = 'x';

	if (pipe(to_child) || pipe(to_parent))
		return;

	pid_t child = fork();

	if (child == 0) {
		for (int i = 0; i < n; i++) {
			if (read(to_child[0], &c, 1) != 1 ||
			    write(to_parent[1], &c, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}

	uint64_t t0 = rdtsc();

	for (int i = 0; i < n; i++) {
		if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1)
			break;
	}

	uint64_t t1 = rdtsc();

	waitpid(child, NULL, 0);
	printf("linux: pipe round trip %llu cycles\n",
	       (unsigned long long)((t1 - t0) / (uint64_t)n));
}

int main(void)
{
	uint64_t start = rdtsc();

	printf("linux: init at cycle %llu\n", (unsigned long long)start);
	null_syscall(20000);
	yield_switch(20000);
	pipe_round_trip(20000);
	printf("linux: done\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
