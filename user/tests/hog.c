/*
 * user/tests/hog.c - one line, then computes forever with no syscall at
 * all.  Other tasks must keep running: only the timer takes the CPU back.
 *
 * Prints "hog <pid> spinning" once; never exits.
 */
#include "lib/libsys/libsys.h"

int main(void)
{
	volatile unsigned long counter = 0;

	(void)sys_module_ready();
	printf("hog %ld spinning\n", sys_get_pid());
	for (;;)
		counter++;
}
