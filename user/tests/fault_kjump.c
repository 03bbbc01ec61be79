/*
 * user/tests/fault_kjump.c - jumps into kernel space.  The kernel's pages
 * are supervisor-only, so the fetch faults in user mode and the kernel
 * must end the process.
 *
 * Prints "fault_kjump <pid> jumping to 0xffffffff80200000"; then
 * "fault_kjump <pid> survived" would be a kernel bug (exit code 1).
 */
#include "lib/libsys/libsys.h"

/* Inside the kernel image (link base 0xFFFF_FFFF_8000_0000, kernel.md §5). */
#define KERNEL_TEXT 0xffffffff80200000ull

int main(void)
{
	void (*volatile target)(void) = (void (*)(void))KERNEL_TEXT;
	int64_t pid = sys_get_pid();

	(void)sys_module_ready();
	printf("fault_kjump %ld jumping to %#llx\n", pid, KERNEL_TEXT);
	target();
	printf("fault_kjump %ld survived\n", pid);
	return 1;
}
