/*
 * user/hello/hello_quiet.c - hello without output, exit code 0: the
 * child that tests spawn and reap by the thousand (user/tests/spawn_loop.c).
 * It is spawned, not a boot module, so it leaves ModuleReady alone.
 */
#include "lib/libsys/libsys.h"

int main(void)
{
	return 0;
}
