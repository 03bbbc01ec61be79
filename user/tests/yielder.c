/*
 * user/tests/yielder.c - prints and yields in turn.
 *
 * Prints "yielder <pid> round <k>" for k = 1..YIELDER_ROUNDS, yielding
 * after each, then "yielder <pid> done"; exit code 0.
 */
#include "lib/libsys/libsys.h"

#define YIELDER_ROUNDS 5

int main(void)
{
	int64_t pid = sys_get_pid();

	(void)sys_module_ready();
	for (int k = 1; k <= YIELDER_ROUNDS; k++) {
		printf("yielder %ld round %d\n", pid, k);
		(void)sys_yield();
	}
	printf("yielder %ld done\n", pid);
	return 0;
}
