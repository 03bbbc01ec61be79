/*
 * user/tests/fault_rodata.c - writes into its own read-only data.  The
 * loader maps .rodata read-only (lib/libsys/user.ld gives it its own
 * pages), so the write must fault and the kernel end the process.
 *
 * Prints "fault_rodata <pid> writing to <address>"; then
 * "fault_rodata <pid> survived" would be a kernel bug (exit code 1).
 * If the constant is not in .rodata (a build bug) it prints
 * "fault_rodata <pid> constant not in .rodata" and exits 2.
 */
#include "lib/libsys/libsys.h"

/* Section bounds from lib/libsys/user.ld. */
extern const char __rodata_start[], __rodata_end[];

static const uint32_t constant = 0xC0FFEEu;

int main(void)
{
	/* volatile pointer: the store cannot be optimised away. */
	uint32_t *volatile target = (uint32_t *)&constant;
	uintptr_t addr = (uintptr_t)target;
	int64_t pid = sys_get_pid();

	(void)sys_module_ready();
	if (addr < (uintptr_t)__rodata_start ||
	    addr >= (uintptr_t)__rodata_end) {
		printf("fault_rodata %ld constant not in .rodata\n", pid);
		return 2;
	}
	printf("fault_rodata %ld writing to %p\n", pid, (void *)addr);
	*target = 0;
	printf("fault_rodata %ld survived\n", pid);
	return 1;
}
