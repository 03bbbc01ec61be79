/*
 * user/tests/spinner.c - computes without ever yielding, printing now and
 * then.  Two spinners whose lines interleave show that the timer preempts
 * a task that never gives up the CPU.
 *
 * Prints "spinner <pid> step <k>" for k = 1..SPINNER_STEPS, then
 * "spinner <pid> done"; exit code 0.
 */
#include "lib/libsys/libsys.h"

#define SPINNER_STEPS 5
/*
 * Busy-loop iterations between lines: tens of millions of instructions,
 * longer than a 10-tick (100 ms) time slice under TCG.
 */
#define SPINNER_SPIN 30000000ul

static void spin(unsigned long n)
{
	/* volatile: each iteration really loads and stores the counter. */
	for (volatile unsigned long i = 0; i < n; i++)
		;
}

int main(void)
{
	int64_t pid = sys_get_pid();

	(void)sys_module_ready();
	for (int k = 1; k <= SPINNER_STEPS; k++) {
		spin(SPINNER_SPIN);
		printf("spinner %ld step %d\n", pid, k);
	}
	printf("spinner %ld done\n", pid);
	return 0;
}
