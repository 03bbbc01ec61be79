/*
 * user/tests/spawn_loop.c - spawns the boot module hello_quiet and waits
 * for it, SPAWN_COUNT times, reading the free-frame count (SysInfo)
 * before and after: equal counts mean process creation and teardown leak
 * no memory.  One spawn runs before the first count, so one-time kernel
 * allocations are not counted as leaks.
 *
 * Prints "spawn_loop: module <name>", "spawn_loop: progress <i>" every 250,
 * then "spawn_loop: done <n> free_before=<f0> free_after=<f1>"; exit code
 * 0.  On a failure it prints "spawn_loop: failed <what> <i> <err> (<name>)"
 * and exits 1.
 */
#include "lib/libsys/libsys.h"

#define SPAWN_COUNT 1000
#define PROGRESS    250

/*
 * The spec names a module by its file name without ".elf" (kernel.md §7);
 * the full file name is tried second, for a kernel that keeps the suffix.
 */
static const char *const names[] = {"hello_quiet", "hello_quiet.elf"};
static const char *name;

static int fail(const char *what, int i, int64_t err)
{
	printf("spawn_loop: failed %s %d %ld (%s)\n", what, i, err,
	       errno_name((int)err));
	return 1;
}

/* Spawn the child and reap it: 0 when it ran and exited 0. */
static int spawn_once(int i)
{
	int64_t task = sys_spawn(name, strlen(name));
	int64_t code;

	if (task < 0)
		return fail("spawn", i, task);
	code = sys_wait_task((uint64_t)task);
	if (code != 0)
		return fail("wait", i, code);
	return 0;
}

static int free_frames(uint64_t *out)
{
	struct sysinfo_mem mem;
	int64_t ret = sys_sysinfo(SYSINFO_MEM, &mem, sizeof(mem));

	if (ret < 0)
		return fail("sysinfo", 0, ret);
	*out = mem.free_frames;
	return 0;
}

int main(void)
{
	uint64_t before, after;
	int64_t task = -EINVAL;

	(void)sys_module_ready();
	/* The warm-up spawn also finds the module's name. */
	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		name = names[n];
		task = sys_spawn(name, strlen(name));
		if (task != -EINVAL)
			break;
	}
	if (task < 0)
		return fail("spawn", 0, task);
	if (sys_wait_task((uint64_t)task) != 0)
		return fail("wait", 0, -EINVAL);
	printf("spawn_loop: module %s\n", name);

	if (free_frames(&before))
		return 1;
	for (int i = 1; i <= SPAWN_COUNT; i++) {
		if (spawn_once(i))
			return 1;
		if (i % PROGRESS == 0)
			printf("spawn_loop: progress %d\n", i);
	}
	if (free_frames(&after))
		return 1;
	printf("spawn_loop: done %d free_before=%llu free_after=%llu\n",
	       SPAWN_COUNT, (unsigned long long)before,
	       (unsigned long long)after);
	return 0;
}
