/*
 * tests/unit/audit_tail_test.c - user/audit_tail end to end on the host:
 * the program's own code and libsys, against the real kernel/audit/audit.c
 * behind a fake syscall layer (tests/unit/libsys_fake/syscall.h).  The
 * fake plays the kernel: AuditAttach claims the consumer and returns the
 * ring's address, AuditInfo fills the record, GetTime returns the tick,
 * and every Yield advances the tick and runs the test's script (emit
 * events, drain), so the program sees the ring move as in QEMU.
 *
 * Like libsys_test, libsys's printf/puts/snprintf/strerror are renamed
 * (libsys_fake/rename.h) and the host <string.h> and <stdio.h> are not
 * included.  The program's main() is renamed audit_tail_main.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kernel/audit/audit.h"

#include "tests/unit/fake_arch.h"

#define main audit_tail_main
#include "user/audit_tail/audit_tail.c"
#undef main

/* ---- the fake kernel ------------------------------------------------- */

static uint64_t ticks;
static _Alignas(4096) uint8_t ring_mem[AUDIT_RING_BYTES];
static char out[1 << 20]; /* everything Print accepted */
static size_t nout;
static void (*on_yield)(unsigned n); /* script, called on each Yield */
static unsigned yields;

uint64_t time_ticks(void)
{
	return ticks;
}

/* spinlock.c's panic(): no kernel bug may happen in these tests. */
void panic(const char *fmt, ...)
{
	fail_msg("unexpected panic: %s", fmt);
	abort();
}

int64_t fake_syscall(int nargs, uint64_t nr, uint64_t a1, uint64_t a2,
		     uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	size_t bytes;
	int err;

	(void)nargs, (void)a3, (void)a4, (void)a5, (void)a6;
	switch (nr) {
	case SYS_MODULE_READY:
		return 0;
	case SYS_AUDIT_ATTACH:
		err = audit_attach_begin();
		if (err)
			return err;
		audit_attach_commit(9);
		return (int64_t)(uintptr_t)audit_ring(&bytes);
	case SYS_AUDIT_INFO:
		assert_true(a2 >= AUDIT_INFO_SIZE);
		audit_info((struct audit_info *)(uintptr_t)a1, 1);
		return 0;
	case SYS_GET_TIME:
		return (int64_t)ticks;
	case SYS_YIELD:
		ticks++;
		if (on_yield)
			on_yield(++yields);
		return 0;
	case SYS_PRINT:
		assert_in_range(a2, 1, 256);
		assert_true(nout + a2 < sizeof(out));
		memcpy(out + nout, (const void *)(uintptr_t)a1, a2);
		nout += a2;
		out[nout] = '\0';
		return (int64_t)a2;
	default:
		fail_msg("audit_tail made syscall %llu",
			 (unsigned long long)nr);
		return -ENOSYS;
	}
}

static int setup(void **state)
{
	(void)state;
	audit_test_reset();
	fake_arch_reset();
	ticks = 0;
	nout = 0;
	out[0] = '\0';
	on_yield = NULL;
	yields = 0;
	assert_int_equal(audit_init(ring_mem, sizeof(ring_mem)), 0);
	return 0;
}

/* Does the output contain s anywhere?  (No host <string.h>: strstr.) */
static bool contains(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= nout; i++)
		if (strncmp(out + i, s, n) == 0)
			return true;
	return false;
}

/* Does the output contain line as a whole line? */
static bool has_line(const char *line)
{
	size_t n = strlen(line);

	for (size_t i = 0; i + n < nout; i++)
		if ((i == 0 || out[i - 1] == '\n') && out[i + n] == '\n' &&
		    strncmp(out + i, line, n) == 0)
			return true;
	return false;
}

/* Lines that start with prefix. */
static unsigned count_lines(const char *prefix)
{
	size_t len = strlen(prefix);
	unsigned n = 0;

	for (size_t i = 0; i < nout; i++)
		if ((i == 0 || out[i - 1] == '\n') &&
		    strncmp(out + i, prefix, len) == 0)
			n++;
	return n;
}

static void drain_everything(void)
{
	while (audit_drain(1) != 0)
		;
}

/* ---- tests ------------------------------------------------------------ */

/* Backlog, the line format of each kind, then exit when idle. */
static void test_backlog_format_and_idle_exit(void **state)
{
	(void)state;
	ticks = 340;
	audit_emit(AUDIT_CAPABILITY_DENIED, 0x100000005ull, 24, 1, 0, 0, 0);
	audit_emit(AUDIT_IPC_SEND, 0x100000005ull, 16, 40, 0, 0, 0);
	audit_emit(AUDIT_CHANNEL_CREATED, 0x100000003ull, 1ull << 32, 4, 2, 0,
		   0);
	audit_emit(AUDIT_CAPABILITY_GRANTED, 0, 17, 0x100000004ull, 0x0f, 0, 0);
	audit_emit(AUDIT_PROCESS_TERMINATED, 0x100000006ull, 0, 3, 0, 0, 99);
	drain_everything();
	assert_int_equal(audit_tail_main(), 0);
	assert_true(has_line("audit: attached, 1023 slots, reading from #0"));
	assert_true(has_line("audit: #1 tick 340 CapabilityDenied subject=5.1 "
			     "object=24 asked=0x1 held=0"));
	assert_true(has_line("audit: #2 tick 340 IpcSend subject=5.1 "
			     "object=16 len=40 sampled"));
	assert_true(has_line("audit: #3 tick 340 ChannelCreated subject=3.1 "
			     "object=0.1 pages=4 role=2"));
	assert_true(has_line("audit: #4 tick 340 CapabilityGranted subject=0 "
			     "object=17 grantee=4.1 rights=0xf"));
	assert_true(has_line("audit: #5 tick 340 ProcessTerminated "
			     "subject=6.1 object=0 exit=3 runtime=0 "
			     "arg3=99"));
	assert_true(
	    has_line("audit: done, 5 shown, 0 lost, produced 5 dropped 0"));
	/* It waited the idle time, polling with Yield. */
	assert_true(ticks >= 340 + AUDIT_TAIL_IDLE_TICKS);
}

/* Drops before the ring show as AuditDropped lines. */
static void test_dropped_line(void **state)
{
	(void)state;
	for (unsigned i = 0; i < AUDIT_STAGING_USABLE + 3; i++)
		audit_emit(AUDIT_SYSCALL_DENIED, 0x100000005ull, 0, 11, 0, 0,
			   0);
	drain_everything();
	assert_int_equal(audit_tail_main(), 0);
	assert_true(has_line("audit: #131 tick 0 AuditDropped subject=0 "
			     "object=0 count=3 cpu=0"));
	assert_int_equal(count_lines("audit: #"), 128);
	assert_true(
	    has_line("audit: done, 128 shown, 0 lost, produced 128 dropped 3"));
}

static void script_trickle(unsigned n)
{
	/* A few events now and then, as a live system makes them. */
	if (n % 3 == 0) {
		for (unsigned i = 0; i < n % 7; i++)
			audit_emit(AUDIT_CAPABILITY_DENIED, 0x100000005ull, n,
				   0, 0, 0, 0);
		audit_drain(1);
	}
}

/* Following the ring: stops after AUDIT_TAIL_MAX_EVENTS events. */
static void test_follows_until_max(void **state)
{
	(void)state;
	on_yield = script_trickle;
	assert_int_equal(audit_tail_main(), 0);
	assert_int_equal(count_lines("audit: #"), AUDIT_TAIL_MAX_EVENTS);
	assert_int_equal(count_lines("audit: lost"), 0);
	/* In order: the first and the last sequence numbers. */
	assert_true(contains("\naudit: #1 tick"));
	assert_true(contains("\naudit: #2000 tick"));
	assert_false(contains("\naudit: #2001 tick"));
	assert_true(contains("audit: done, 2000 shown, 0 lost"));
}

static void script_flood_once(unsigned n)
{
	/* At the 5th poll the kernel writes 3000 events in one go. */
	if (n == 5) {
		for (unsigned i = 0; i < 3000; i++) {
			audit_emit(AUDIT_CAPABILITY_DENIED, 0, 1, i, 0, 0, 0);
			if (audit_staging_count(0) == AUDIT_DRAIN_MAX)
				audit_drain(1);
		}
		drain_everything();
	}
}

/* Overwritten events are reported as lost; reading goes on. */
static void test_overwrite_reports_loss(void **state)
{
	(void)state;
	audit_emit(AUDIT_CAPABILITY_DENIED, 0, 1, 0, 0, 0, 0);
	drain_everything();
	on_yield = script_flood_once;
	assert_int_equal(audit_tail_main(), 0);
	/* Cursor 1, produced 3001: readable from 3001 - (1023 - 64). */
	assert_true(has_line("audit: lost 2041 events"));
	assert_int_equal(count_lines("audit: #"), 1 + 959);
	assert_true(has_line(
	    "audit: done, 960 shown, 2041 lost, produced 3001 dropped 0"));
}

/* A second consumer is refused: message, exit code 1. */
static void test_second_consumer_refused(void **state)
{
	(void)state;
	assert_int_equal(audit_attach_begin(), 0);
	audit_attach_commit(3);
	assert_int_equal(audit_tail_main(), 1);
	assert_true(has_line("audit: attach failed: invalid argument"));
}

/* A ring without the magic is not read: exit code 2. */
static void test_bad_header(void **state)
{
	(void)state;
	ring_mem[0] = 'X';
	assert_int_equal(audit_tail_main(), 2);
	assert_true(contains("audit: bad ring header"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_backlog_format_and_idle_exit, setup),
	    cmocka_unit_test_setup(test_dropped_line, setup),
	    cmocka_unit_test_setup(test_follows_until_max, setup),
	    cmocka_unit_test_setup(test_overwrite_reports_loss, setup),
	    cmocka_unit_test_setup(test_second_consumer_refused, setup),
	    cmocka_unit_test_setup(test_bad_header, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
