/*
 * user/tests/fault_badsys.c - unknown syscall numbers and hostile
 * arguments.  The kernel must answer each with an error code (spec
 * syscalls.md §3, §4) and neither crash nor touch memory it was not given.
 *
 * Prints one line per probe,
 *   "fault_badsys: <name> ret=<got> want=<want> ok"   (or "... BAD"),
 * then "fault_badsys: done <ok>/<total>"; exit code 0 either way (the
 * test reading the console decides).
 */
#include "lib/libsys/libsys.h"

/* Addresses no user buffer may name. */
#define KERNEL_TEXT	  0xffffffff80200000ull /* kernel image */
#define DIRECT_MAP	  0xffff800000000000ull /* x86_64 HHDM base */
#define BELOW_CEILING	  0x00007fffffffff80ull /* 128 bytes below 2^47 */
#define WRAPS_AROUND	  0xffffffffffffff80ull /* + 256 wraps past 0 */
#define UNMAPPED_USER	  0x0000100000123000ull /* never allocated */
#define HIGH_BITS_GET_PID ((1ull << 32) | SYS_GET_PID)

static int probes, passed;

static void check(const char *name, int64_t got, int64_t want)
{
	bool ok = got == want;

	probes++;
	passed += ok;
	printf("fault_badsys: %s ret=%ld want=%ld %s\n", name, got, want,
	       ok ? "ok" : "BAD");
}

/* A read-only buffer the kernel must refuse to write (GetPrincipal). */
static const uint8_t readonly[PRINCIPAL_SIZE];

static void unknown_numbers(void)
{
	check("unknown_9999", sys_raw(9999, 0, 0, 0, 0, 0, 0), -ENOSYS);
	check("unknown_first_past_table",
	      sys_raw(SYSCALL_COUNT, 0, 0, 0, 0, 0, 0), -ENOSYS);
	/* A kernel that truncates the number to 32 bits would run GetPid. */
	check("unknown_high_bits", sys_raw(HIGH_BITS_GET_PID, 0, 0, 0, 0, 0, 0),
	      -ENOSYS);
	check("unknown_minus_1", sys_raw(~0ull, 0, 0, 0, 0, 0, 0), -ENOSYS);
}

static void hostile_pointers(void)
{
	static char msg[300] = "fault_badsys: this must not be printed\n";
	const uint8_t before = readonly[0];
	uint8_t small[64];

	check("print_null", sys_print(NULL, 16), -EINVAL);
	check("print_kernel", sys_print((void *)KERNEL_TEXT, 16), -EINVAL);
	check("print_direct_map", sys_print((void *)DIRECT_MAP, 16), -EINVAL);
	check("print_past_ceiling", sys_print((void *)BELOW_CEILING, 256),
	      -EINVAL);
	check("print_wraps", sys_print((void *)WRAPS_AROUND, 256), -EINVAL);
	check("print_unmapped", sys_print((void *)UNMAPPED_USER, 16), -EINVAL);
	check("print_too_long", sys_print(msg, 257), -EINVAL);
	check("get_principal_kernel", sys_get_principal((void *)DIRECT_MAP, 32),
	      -EINVAL);
	check("get_principal_short", sys_get_principal(small, 31), -EINVAL);
	check("get_principal_readonly",
	      sys_get_principal((void *)readonly, sizeof(readonly)), -EINVAL);
	/* Whatever it returned, the kernel must not have written there. */
	check("readonly_unchanged", readonly[0] == before, 1);
	check("spawn_kernel_name", sys_spawn((const char *)KERNEL_TEXT, 5),
	      -EINVAL);
	check("spawn_len_0", sys_spawn("hello", 0), -EINVAL);
	check("spawn_len_65", sys_spawn(msg, 65), -EINVAL);
	check("sysinfo_kernel_buf",
	      sys_sysinfo(SYSINFO_MEM, (void *)DIRECT_MAP, 32), -EINVAL);
	check("sysinfo_short", sys_sysinfo(SYSINFO_MEM, small, 8), -EINVAL);
	check("sysinfo_bad_kind", sys_sysinfo(99, small, sizeof(small)),
	      -EINVAL);
}

/*
 * ChannelCreate is one of the two syscalls with a fourth argument, which
 * travels in R10 (the original's library wrongly used RCX).  The out
 * pointer is the fourth argument: a kernel that sees anything but the
 * null or kernel pointer passed here would answer differently.
 */
static void fourth_argument(void)
{
	static const uint8_t peer[PRINCIPAL_SIZE] = {1};
	uint64_t out;

	check("channel_create_null_out",
	      sys_channel_create(1, peer, CHANNEL_PRODUCER, NULL), -EINVAL);
	check("channel_create_kernel_out",
	      sys_channel_create(1, peer, CHANNEL_PRODUCER,
				 (uint64_t *)DIRECT_MAP),
	      -EINVAL);
	check("channel_create_bad_role", sys_channel_create(1, peer, 3, &out),
	      -EINVAL);
}

static void hostile_values(void)
{
	check("allocate_0", sys_allocate(0, 0), -EINVAL);
	check("allocate_huge", sys_allocate(1ull << 40, 0), -EINVAL);
	check("free_null", sys_free(NULL, 4096), -EINVAL);
	check("free_unallocated", sys_free((void *)UNMAPPED_USER, 4096),
	      -EINVAL);
	check("free_kernel", sys_free((void *)KERNEL_TEXT, 4096), -EINVAL);
	check("wait_task_bogus", sys_wait_task(0xffffffffu), -EINVAL);
}

int main(void)
{
	(void)sys_module_ready();
	unknown_numbers();
	hostile_pointers();
	hostile_values();
	fourth_argument();
	printf("fault_badsys: done %d/%d\n", passed, probes);
	return 0;
}
