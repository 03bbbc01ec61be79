/*
 * user/tests/fault_null.c - writes to address 0.  The kernel must end
 * this process (page fault in user mode) and keep running.
 *
 * Prints "fault_null <pid> writing to 0x0"; reaching the next line,
 * "fault_null <pid> survived", is a kernel bug (exit code 1).
 */
#include "lib/libsys/libsys.h"

int main(void)
{
	/* A volatile pointer: the compiler cannot prove it null and drop or
	 * rewrite the store. */
	int *volatile target = NULL;
	int64_t pid = sys_get_pid();

	(void)sys_module_ready();
	printf("fault_null %ld writing to 0x0\n", pid);
	*target = 1;
	printf("fault_null %ld survived\n", pid);
	return 1;
}
