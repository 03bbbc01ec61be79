/*
 * user/tests/policy_probe.c - the program whose profile the QEMU test
 * tests/qemu/test_policy.py watches (docs/policy.md section 8).  Its
 * profile in user/policy/builtin_table.c denies ObjPut (14).
 *
 * Steps, one line each:
 *   policy_probe: objput ret=<r> (<ENAME>)             first call: a query
 *   policy_probe: objput repeated denied=<n>/20        the cache answers
 *   policy_probe: sysinfo ok=<n>/20                     an allowed call
 *   policy_probe: write 23 ret=<r> (<ENAME>)           posing as the service
 *   policy_probe: write 22 ret=<r> (<ENAME>)           posing as the kernel
 *   policy_probe: admin exit=<code>                     policy_admin allowed 14
 *   policy_probe: objput after update ret=<r> (<ENAME>) a new query
 *   policy_probe: objput repeated denied=<n>/5
 *   policy_probe: done
 */
#include "lib/libsys/libsys.h"

static int64_t objput(void)
{
	static const char data[] = "policy probe object";
	uint8_t hash[32];

	return sys_obj_put(data, sizeof(data) - 1, hash);
}

static unsigned denied_of(unsigned rounds)
{
	unsigned n = 0;

	for (unsigned i = 0; i < rounds; i++) {
		if (objput() == -EPOLICY)
			n++;
	}
	return n;
}

int main(void)
{
	static const char admin[] = "policy_admin";
	uint8_t fake[88];
	struct sysinfo_sched s;
	unsigned ok = 0;
	int64_t r, task;

	sys_module_ready();
	r = objput();
	printf("policy_probe: objput ret=%lld (%s)\n", (long long)r,
	       errno_name((int)r));
	printf("policy_probe: objput repeated denied=%u/20\n", denied_of(20));
	for (unsigned i = 0; i < 20; i++) {
		if (sys_sysinfo(SYSINFO_SCHED, &s, sizeof(s)) == (int64_t)sizeof(s))
			ok++;
	}
	printf("policy_probe: sysinfo ok=%u/20\n", ok);

	/* An ANSWER allowing query 1, then a QUERY-shaped message. */
	memset(fake, 0, sizeof(fake));
	fake[0] = 3;
	fake[4] = 1;
	fake[8] = 1;
	r = sys_write(IPC_EP_POLICY_REPLY, fake, 16);
	printf("policy_probe: write 23 ret=%lld (%s)\n", (long long)r,
	       errno_name((int)r));
	fake[0] = 1;
	r = sys_write(IPC_EP_POLICY_QUERY, fake, sizeof(fake));
	printf("policy_probe: write 22 ret=%lld (%s)\n", (long long)r,
	       errno_name((int)r));

	task = sys_spawn(admin, sizeof(admin) - 1);
	r = sys_failed(task) ? task : sys_wait_task((uint64_t)task);
	printf("policy_probe: admin exit=%lld\n", (long long)r);

	r = objput();
	printf("policy_probe: objput after update ret=%lld (%s)\n", (long long)r,
	       errno_name((int)r));
	printf("policy_probe: objput repeated denied=%u/5\n", denied_of(5));
	printf("policy_probe: done\n");
	return 0;
}
