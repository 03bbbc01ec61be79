/*
 * user/hello/hello.c - the first user program: one line, exit code 0.
 *
 * Prints: "hello from user space, pid <slot>"
 */
#include "lib/libsys/libsys.h"

int main(void)
{
	/* As a boot module, let the next module start (ipc.md §10). */
	(void)sys_module_ready();
	printf("hello from user space, pid %ld\n", sys_get_pid());
	return 0;
}
