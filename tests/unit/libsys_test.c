/*
 * tests/unit/libsys_test.c - lib/libsys on the host, with the syscall
 * instruction replaced by a recorder (libsys_fake/syscall.h).
 *
 * Checks that every wrapper puts the right number and arguments in the
 * right registers with the arity of the ABI table, that results come back
 * untouched, that printf never hands Print more than 256 bytes and splits
 * long output without losing a byte, and that recv_verified accepts only
 * well-formed messages from identified senders.
 *
 * libsys's printf/puts/snprintf/strerror are renamed libsys_* here
 * (libsys_fake/rename.h); the host <string.h> is not included because
 * its strerror would clash with the renamed one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lib/libsys/libsys.h"

#define LOG_MAX 64

/* One recorded syscall. */
struct call {
	int nargs;     /* arity of the raw helper used */
	uint64_t nr;   /* RAX */
	uint64_t a[6]; /* argument registers */
};

static struct call calls[LOG_MAX]; /* in order */
static int ncalls;
static char printed[8192]; /* bytes Print accepted, concatenated */
static size_t nprinted;
static uint64_t seen; /* bit n: syscall n checked by expect_call */

/* Scripted kernel behaviour. */
static int64_t print_answer;	  /* < 0: Print fails with this */
static jmp_buf exit_jmp;	  /* where a Yield after Exit lands */
static bool exit_called;	  /* Exit was made (and "returned") */
static const uint8_t *recv_wire;  /* what RecvMsg writes */
static size_t recv_wire_len;	  /* bytes of recv_wire */
static int64_t recv_answer;	  /* what RecvMsg returns */
#define RECV_UNSCRIPTED INT64_MIN /* recv_answer: use default_answer */

/* Value the fake returns for syscall nr by default: traceable. */
static int64_t default_answer(uint64_t nr)
{
	return (int64_t)(nr * 1000 + 7);
}

int64_t fake_syscall(int nargs, uint64_t nr, uint64_t a1, uint64_t a2,
		     uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	struct call *c;

	assert_true(ncalls < LOG_MAX);
	c = &calls[ncalls++];
	*c = (struct call){nargs, nr, {a1, a2, a3, a4, a5, a6}};

	switch (nr) {
	case SYS_PRINT:
		/* The kernel refuses more than 256 bytes (syscalls.md §5). */
		assert_in_range(a2, 1, 256);
		if (print_answer < 0)
			return print_answer;
		assert_true(nprinted + a2 <= sizeof(printed));
		memcpy(printed + nprinted, (const void *)(uintptr_t)a1, a2);
		nprinted += a2;
		return (int64_t)a2;
	case SYS_EXIT:
		exit_called = true;
		return 0; /* a broken kernel that lets Exit return */
	case SYS_YIELD:
		if (exit_called)
			longjmp(exit_jmp, 1);
		return default_answer(nr);
	case SYS_RECV_MSG:
	case SYS_TRY_RECV_MSG:
		if (recv_wire) {
			size_t n = recv_wire_len < a3 ? recv_wire_len : a3;

			memcpy((void *)(uintptr_t)a2, recv_wire, n);
		}
		if (recv_answer == RECV_UNSCRIPTED)
			return default_answer(nr);
		return recv_answer;
	default:
		return default_answer(nr);
	}
}

static int reset(void **state)
{
	(void)state;
	memset(calls, 0, sizeof(calls));
	ncalls = 0;
	nprinted = 0;
	print_answer = 0;
	exit_called = false;
	recv_wire = NULL;
	recv_wire_len = 0;
	recv_answer = RECV_UNSCRIPTED;
	return 0;
}

/*
 * The last call was syscall nr, made with the table's arity, and its
 * first nargs registers hold want[].
 */
static void expect_call(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
			uint64_t a4)
{
	const uint64_t want[4] = {a1, a2, a3, a4};
	const struct call *c;

	assert_true(ncalls > 0);
	c = &calls[ncalls - 1];
	assert_int_equal(c->nr, nr);
	assert_int_equal(c->nargs, syscall_nargs(nr));
	for (int i = 0; i < c->nargs && i < 4; i++)
		assert_int_equal(c->a[i], want[i]);
	seen |= 1ull << nr;
}

/* Run a wrapper, check its result came back unchanged and its call. */
#define CALL(expr, nr, a1, a2, a3, a4)                                         \
	do {                                                                   \
		int64_t ret_ = (expr);                                         \
		if ((nr) != SYS_PRINT)                                         \
			assert_int_equal(ret_, default_answer(nr));            \
		expect_call((nr), (a1), (a2), (a3), (a4));                     \
	} while (0)

#define P(x) ((void *)(uintptr_t)(x))

/* Every wrapper: number, registers in order, arity from the table. */
static void test_every_wrapper_marshals_its_call(void **state)
{
	static const char text[] = "twelve bytes";
	uint64_t out;

	(void)state;
	seen = 0;
	CALL(sys_write(5, P(0x1000), 77), SYS_WRITE, 5, 0x1000, 77, 0);
	CALL(sys_read(6, P(0x2000), 256), SYS_READ, 6, 0x2000, 256, 0);
	CALL(sys_allocate(8192, 3), SYS_ALLOCATE, 8192, 3, 0, 0);
	CALL(sys_free(P(0x10000000), 8192), SYS_FREE, 0x10000000, 8192, 0, 0);
	CALL(sys_wait_irq(11), SYS_WAIT_IRQ, 11, 0, 0, 0);
	CALL(sys_register_endpoint(16, 9), SYS_REGISTER_ENDPOINT, 16, 9, 0, 0);
	CALL(sys_yield(), SYS_YIELD, 0, 0, 0, 0);
	CALL(sys_get_pid(), SYS_GET_PID, 0, 0, 0, 0);
	CALL(sys_get_time(), SYS_GET_TIME, 0, 0, 0, 0);
	/* Print's bytes are read by the fake: give it real ones. */
	CALL(sys_print(text, 12), SYS_PRINT, (uint64_t)(uintptr_t)text, 12, 0,
	     0);
	CALL(sys_bind_principal(0x100000004ull, P(0x4000), 32),
	     SYS_BIND_PRINCIPAL, 0x100000004ull, 0x4000, 32, 0);
	CALL(sys_get_principal(P(0x5000), 32), SYS_GET_PRINCIPAL, 0x5000, 32, 0,
	     0);
	CALL(sys_recv_msg(18, P(0x6000), 292), SYS_RECV_MSG, 18, 0x6000, 292,
	     0);
	CALL(sys_obj_put(P(0x7000), 100, P(0x7100)), SYS_OBJ_PUT, 0x7000, 100,
	     0x7100, 0);
	CALL(sys_obj_get(P(0x7200), P(0x7300), 4096), SYS_OBJ_GET, 0x7200,
	     0x7300, 4096, 0);
	CALL(sys_obj_delete(P(0x7400)), SYS_OBJ_DELETE, 0x7400, 0, 0, 0);
	CALL(sys_obj_get_for(P(0x7200), P(0x7300), 64, P(0x7a00)), SYS_OBJ_GET,
	     0x7200, 0x7300, 64, 0x7a00);
	CALL(sys_obj_delete_for(P(0x7400), P(0x7b00)), SYS_OBJ_DELETE, 0x7400,
	     0x7b00, 0, 0);
	CALL(sys_obj_list(P(0x7500), 320), SYS_OBJ_LIST, 0x7500, 320, 0, 0);
	CALL(sys_claim_bootstrap_key(P(0x7600)), SYS_CLAIM_BOOTSTRAP_KEY,
	     0x7600, 0, 0, 0);
	CALL(sys_obj_put_signed(P(0x8000), 10, P(0x8100), P(0x8200)),
	     SYS_OBJ_PUT_SIGNED, 0x8000, 10, 0x8100, 0x8200);
	CALL(sys_map_mmio(0xFEE00000, 1), SYS_MAP_MMIO, 0xFEE00000, 1, 0, 0);
	CALL(sys_alloc_dma(4, 0, &out), SYS_ALLOC_DMA, 4, 0,
	     (uint64_t)(uintptr_t)&out, 0);
	CALL(sys_device_info(2, P(0x9000), 108), SYS_DEVICE_INFO, 2, 0x9000,
	     108, 0);
	CALL(sys_device_caps(0xFFFFFFFFu, P(0x9000), 388), SYS_DEVICE_INFO,
	     0x1FFFFFFFFull, 0x9000, 388, 0);
	CALL(sys_port_io(0xC040, 0xAB, PORT_IO_WRITE | PORT_IO_BYTE),
	     SYS_PORT_IO, 0xC040, 0xAB, 1, 0);
	CALL(sys_console_read(P(0xA000), 1, CONSOLE_READ_WAIT), SYS_CONSOLE_READ,
	     0xA000, 1, 1, 0);
	CALL(sys_spawn(P(0xB000), 5), SYS_SPAWN, 0xB000, 5, 0, 0);
	CALL(sys_wait_task(42), SYS_WAIT_TASK, 42, 0, 0, 0);
	CALL(sys_revoke_capability(0x200000007ull, 16), SYS_REVOKE_CAPABILITY,
	     0x200000007ull, 16, 0, 0);
	CALL(sys_channel_create(16, P(0xC000), CHANNEL_CONSUMER, &out),
	     SYS_CHANNEL_CREATE, 16, 0xC000, 1, (uint64_t)(uintptr_t)&out);
	CALL(sys_channel_attach(0x100000003ull), SYS_CHANNEL_ATTACH,
	     0x100000003ull, 0, 0, 0);
	CALL(sys_channel_close(0x200000004ull), SYS_CHANNEL_CLOSE,
	     0x200000004ull, 0, 0, 0);
	CALL(sys_channel_revoke(0x300000005ull), SYS_CHANNEL_REVOKE,
	     0x300000005ull, 0, 0, 0);
	CALL(sys_channel_info(0x400000006ull, P(0xD000), 46), SYS_CHANNEL_INFO,
	     0x400000006ull, 0xD000, 46, 0);
	CALL(sys_audit_attach(), SYS_AUDIT_ATTACH, 0, 0, 0, 0);
	CALL(sys_audit_info(P(0xE000), 48), SYS_AUDIT_INFO, 0xE000, 48, 0, 0);
	CALL(sys_map_framebuffer(0, P(0xF000), 32), SYS_MAP_FRAMEBUFFER, 0,
	     0xF000, 32, 0);
	CALL(sys_module_ready(), SYS_MODULE_READY, 0, 0, 0, 0);
	CALL(sys_try_recv_msg(24, P(0x6100), 292), SYS_TRY_RECV_MSG, 24, 0x6100,
	     292, 0);
	CALL(sys_sysinfo(SYSINFO_SCHED, P(0x6200), 24), SYS_SYSINFO, 1, 0x6200,
	     24, 0);
	CALL(sys_delegate(5, 0x300000009ull, IPC_RIGHT_SEND), SYS_DELEGATE, 5,
	     0x300000009ull, 1, 0);
	CALL(sys_task_process(0x100000002ull), SYS_TASK_PROCESS, 0x100000002ull,
	     0, 0, 0);
	CALL(sys_wait_msg(0x05000000u), SYS_WAIT_MSG, 0x05000000u, 0, 0, 0);
	/* Every syscall but Exit (next test) has a wrapper, checked above. */
	assert_int_equal(seen | 1, (1ull << SYSCALL_COUNT) - 1);
}

/* Exit passes its code as a u32 and never returns, whatever the kernel. */
static void test_exit_never_returns(void **state)
{
	(void)state;
	if (setjmp(exit_jmp) == 0) {
		sys_exit(-1);
		fail_msg("sys_exit returned");
	}
	assert_int_equal(ncalls, 2);
	assert_int_equal(calls[0].nr, SYS_EXIT);
	assert_int_equal(calls[0].nargs, SYSCALL_NARGS_EXIT);
	assert_int_equal(calls[0].a[0], 0xFFFFFFFFu);
	assert_int_equal(calls[1].nr, SYS_YIELD);
}

/* Narrow arguments are zero-extended, never sign-extended. */
static void test_narrow_arguments_zero_extend(void **state)
{
	(void)state;
	(void)sys_port_io(0xFFFF, 0xFFFFFFFFu, 0xFFFFFFFFu);
	assert_int_equal(calls[0].a[0], 0xFFFF);
	assert_int_equal(calls[0].a[1], 0xFFFFFFFFu);
	assert_int_equal(calls[0].a[2], 0xFFFFFFFFu);
	(void)sys_write(0xFFFFFFFFu, NULL, 0);
	assert_int_equal(calls[1].a[0], 0xFFFFFFFFu);
	assert_int_equal(calls[1].a[1], 0);
	(void)sys_wait_task(0x80000000u);
	assert_int_equal(calls[2].a[0], 0x80000000u);
}

/* sys_raw puts all six registers and any number through unchanged. */
static void test_raw_passes_everything(void **state)
{
	int64_t r = sys_raw(UINT64_MAX, 1, 2, 3, 4, 5, 6);

	(void)state;
	assert_int_equal(r, default_answer(UINT64_MAX));
	assert_int_equal(calls[0].nargs, 6);
	assert_int_equal(calls[0].nr, UINT64_MAX);
	for (int i = 0; i < 6; i++)
		assert_int_equal(calls[0].a[i], i + 1);
}

/* Errors are -1..-4095; raw values such as high ChannelIds are not. */
static void test_sys_failed(void **state)
{
	(void)state;
	assert_true(sys_failed(-EINVAL));
	assert_true(sys_failed(-ENOSYS));
	assert_true(sys_failed(-4095));
	assert_false(sys_failed(-4096));
	assert_false(sys_failed(0));
	assert_false(sys_failed(0x10000000));
	assert_false(sys_failed((int64_t)ipc_id_make(5, 0x80000001u)));
}

/* A short line is one Print, delivered intact. */
static void test_printf_short_line_is_one_print(void **state)
{
	int n;

	(void)state;
	n = printf("hello from user space, pid %ld\n", (long)3);
	assert_int_equal(n, 29);
	assert_int_equal(ncalls, 1);
	assert_int_equal(calls[0].a[1], 29);
	assert_int_equal(nprinted, 29);
	assert_memory_equal(printed, "hello from user space, pid 3\n", 29);
}

/* Empty output makes no syscall at all. */
static void test_printf_empty_makes_no_call(void **state)
{
	(void)state;
	assert_int_equal(printf("%s", ""), 0);
	assert_int_equal(ncalls, 0);
}

/* Fill s with n visible characters that vary, and NUL-terminate. */
static void fill(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		s[i] = (char)('a' + i % 26);
	s[n] = '\0';
}

/* Lengths around the 256-byte boundary split as 256 + rest, in order. */
static void test_printf_splits_at_256(void **state)
{
	static const size_t lens[] = {255, 256, 257, 511, 512, 513, 1000};
	char text[1001];

	(void)state;
	for (size_t t = 0; t < sizeof(lens) / sizeof(lens[0]); t++) {
		size_t len = lens[t];
		size_t want_calls = (len + 255) / 256;

		reset(NULL);
		fill(text, len);
		assert_int_equal(printf("%s", text), (int)len);
		assert_int_equal(ncalls, (int)want_calls);
		for (int i = 0; i < ncalls; i++) {
			size_t chunk = i + 1 < ncalls ? 256 : len - 256 * i;

			assert_int_equal(calls[i].nr, SYS_PRINT);
			assert_int_equal(calls[i].a[1], chunk);
		}
		assert_int_equal(nprinted, len);
		assert_memory_equal(printed, text, len);
	}
}

/* Print's error is returned, and nothing more is printed after it. */
static void test_printf_reports_print_error(void **state)
{
	char text[601];

	(void)state;
	fill(text, 600);
	print_answer = -EINVAL;
	assert_int_equal(printf("%s", text), -EINVAL);
	assert_int_equal(ncalls, 1);
	assert_int_equal(nprinted, 0);
}

/* puts adds the newline, in the same Print when it fits. */
static void test_puts(void **state)
{
	char text[301];

	(void)state;
	assert_int_equal(puts("abc"), 4);
	assert_int_equal(ncalls, 1);
	assert_memory_equal(printed, "abc\n", 4);

	reset(NULL);
	assert_int_equal(puts(""), 1);
	assert_int_equal(ncalls, 1);
	assert_int_equal(printed[0], '\n');

	reset(NULL);
	fill(text, 300);
	assert_int_equal(puts(text), 301);
	assert_int_equal(ncalls, 2);
	assert_int_equal(calls[0].a[1], 256);
	assert_int_equal(calls[1].a[1], 45);
	assert_int_equal(printed[300], '\n');
}

/* vprintf through a caller's va_list. */
static int call_vprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

static void test_vprintf(void **state)
{
	(void)state;
	assert_int_equal(call_vprintf("%s=%d", "k", -5), 4);
	assert_memory_equal(printed, "k=-5", 4);
}

/* snprintf formats without any syscall and truncates like C's. */
static void test_snprintf(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(snprintf(buf, sizeof(buf), "%d", 123456), 6);
	assert_string_equal(buf, "123456");
	assert_int_equal(snprintf(buf, 5, "%d", 123456), 6);
	assert_string_equal(buf, "1234");
	assert_int_equal(snprintf(NULL, 0, "%x", 255u), 2);
	assert_int_equal(ncalls, 0);
}

/* strerror takes codes of either sign, from abi/errno.h. */
static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(strerror(-ENOSYS), "function not implemented");
	assert_string_equal(strerror(EPERM), "permission denied");
	assert_string_equal(strerror(-EINVAL), "invalid argument");
	assert_string_equal(strerror(12345), "unknown error");
}

/* Build a wire message: sender filled with s, from endpoint, payload. */
static size_t make_wire(uint8_t *w, uint8_t s, uint32_t from,
			const char *payload, size_t n)
{
	memset(w, s, PRINCIPAL_SIZE);
	memcpy(w + PRINCIPAL_SIZE, &from, 4);
	memcpy(w + IPC_RECV_HDR_SIZE, payload, n);
	return IPC_RECV_HDR_SIZE + n;
}

/* An identified sender's message is accepted and decoded. */
static void test_recv_verified_accepts_identified(void **state)
{
	uint8_t wire[64], buf[IPC_RECV_BUF_SIZE];
	struct recv_msg msg;

	(void)state;
	recv_wire_len = make_wire(wire, 0x42, 18, "\x05hello", 6);
	recv_wire = wire;
	recv_answer = (int64_t)recv_wire_len;
	assert_int_equal(recv_verified(16, buf, sizeof(buf), &msg), 6);
	expect_call(SYS_RECV_MSG, 16, (uint64_t)(uintptr_t)buf, sizeof(buf), 0);
	assert_int_equal(msg.sender[0], 0x42);
	assert_int_equal(msg.sender[31], 0x42);
	assert_int_equal(msg.from_endpoint, 18);
	assert_ptr_equal(msg.payload, buf + IPC_RECV_HDR_SIZE);
	assert_int_equal(msg.len, 6);
	assert_int_equal(recv_command(&msg), 5);
	assert_memory_equal(msg.payload + 1, "hello", 5);
}

/* Anonymous (all-zero Principal) messages are refused. */
static void test_recv_verified_rejects_anonymous(void **state)
{
	uint8_t wire[64], buf[IPC_RECV_BUF_SIZE];
	struct recv_msg msg;

	(void)state;
	recv_wire_len = make_wire(wire, 0, 23, "\x01", 1);
	recv_wire = wire;
	recv_answer = (int64_t)recv_wire_len;
	assert_int_equal(recv_verified(16, buf, sizeof(buf), &msg), -EPERM);

	/* One non-zero byte anywhere in the Principal identifies a sender. */
	wire[PRINCIPAL_SIZE - 1] = 1;
	assert_int_equal(recv_verified(16, buf, sizeof(buf), &msg), 1);
	wire[PRINCIPAL_SIZE - 1] = 0;
	wire[0] = 1;
	assert_int_equal(recv_verified(16, buf, sizeof(buf), &msg), 1);
}

/* Malformed kernel answers: header only, or longer than the buffer. */
static void test_recv_verified_rejects_malformed(void **state)
{
	uint8_t wire[64], buf[IPC_RECV_BUF_SIZE];
	struct recv_msg msg;

	(void)state;
	make_wire(wire, 0x42, 18, "x", 1);
	recv_wire = wire;
	recv_wire_len = 37;
	recv_answer = IPC_RECV_HDR_SIZE;
	assert_int_equal(recv_verified(16, buf, sizeof(buf), &msg), -ECORRUPT);
	recv_answer = 1;
	assert_int_equal(recv_verified(16, buf, sizeof(buf), &msg), -ECORRUPT);
	recv_answer = 40;
	assert_int_equal(recv_verified(16, buf, 39, &msg), -ECORRUPT);
	recv_answer = 39;
	assert_int_equal(recv_verified(16, buf, 39, &msg), 3);
}

/* A buffer too small for header + one byte is refused before any call;
 * kernel errors come back as they are. */
static void test_recv_verified_buffer_and_errors(void **state)
{
	uint8_t buf[IPC_RECV_BUF_SIZE];
	struct recv_msg msg;

	(void)state;
	assert_int_equal(recv_verified(16, buf, 36, &msg), -EINVAL);
	assert_int_equal(try_recv_verified(16, buf, 0, &msg), -EINVAL);
	assert_int_equal(ncalls, 0);
	recv_answer = -EPERM;
	assert_int_equal(recv_verified(16, buf, 37, &msg), -EPERM);
	assert_int_equal(ncalls, 1);
}

/* Unaligned buffers work: fields are copied, not cast. */
static void test_recv_verified_unaligned_buffer(void **state)
{
	uint8_t wire[64], store[IPC_RECV_BUF_SIZE + 8];
	struct recv_msg msg;

	(void)state;
	recv_wire_len = make_wire(wire, 0x99, 0xA1B2C3D4u, "zz", 2);
	recv_wire = wire;
	recv_answer = (int64_t)recv_wire_len;
	assert_int_equal(recv_verified(3, store + 1, IPC_RECV_BUF_SIZE, &msg),
			 2);
	assert_int_equal(msg.from_endpoint, 0xA1B2C3D4u);
	assert_ptr_equal(msg.payload, store + 1 + IPC_RECV_HDR_SIZE);
}

/* try_recv_verified uses TryRecvMsg and reports an empty queue as 0. */
static void test_try_recv_verified(void **state)
{
	uint8_t wire[64], buf[IPC_RECV_BUF_SIZE];
	struct recv_msg msg;

	(void)state;
	recv_answer = 0;
	assert_int_equal(try_recv_verified(24, buf, sizeof(buf), &msg), 0);
	expect_call(SYS_TRY_RECV_MSG, 24, (uint64_t)(uintptr_t)buf, sizeof(buf),
		    0);

	recv_wire_len = make_wire(wire, 0x42, 5, "\x04", 1);
	recv_wire = wire;
	recv_answer = (int64_t)recv_wire_len;
	assert_int_equal(try_recv_verified(24, buf, sizeof(buf), &msg), 1);
	assert_int_equal(recv_command(&msg), 4);
	memset(wire, 0, PRINCIPAL_SIZE);
	assert_int_equal(try_recv_verified(24, buf, sizeof(buf), &msg), -EPERM);
}

#define T(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_every_wrapper_marshals_its_call),
	    T(test_exit_never_returns),
	    T(test_narrow_arguments_zero_extend),
	    T(test_raw_passes_everything),
	    T(test_sys_failed),
	    T(test_printf_short_line_is_one_print),
	    T(test_printf_empty_makes_no_call),
	    T(test_printf_splits_at_256),
	    T(test_printf_reports_print_error),
	    T(test_puts),
	    T(test_vprintf),
	    T(test_snprintf),
	    T(test_strerror),
	    T(test_recv_verified_accepts_identified),
	    T(test_recv_verified_rejects_anonymous),
	    T(test_recv_verified_rejects_malformed),
	    T(test_recv_verified_buffer_and_errors),
	    T(test_recv_verified_unaligned_buffer),
	    T(test_try_recv_verified),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
