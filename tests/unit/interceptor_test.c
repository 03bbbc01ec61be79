/*
 * tests/unit/interceptor_test.c - layer 3 (kernel/cap/interceptor.c):
 * the built-in rules of ipc.md §6 for send, receive, delegation and
 * syscalls, installing a custom interceptor, and that a custom one can
 * only add denials.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/audit/audit.h"
#include "kernel/cap/cap.h"
#include "kernel/cap/interceptor.h"
#include "tests/unit/fake_arch.h"
#include "tests/unit/fake_panic.h"

#include "abi/errno.h"
#include "abi/ipc.h"
#include "abi/syscall.h"

/* cap.c is linked (for the integration case); its events are ignored. */
void audit_emit(enum audit_kind kind, uint64_t subject, uint64_t object,
		uint64_t arg0, uint64_t arg1, uint64_t arg2, uint64_t arg3)
{
	(void)kind;
	(void)subject;
	(void)object;
	(void)arg0;
	(void)arg1;
	(void)arg2;
	(void)arg3;
}

static const process_id_t A = 0x100000005ull; /* slot 5, generation 1 */
static const process_id_t B = 0x100000006ull; /* slot 6, generation 1 */

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	cap_interceptor_install(NULL);
	return 0;
}

/* A send from A (reply endpoint 18) to B's endpoint 16. */
static struct cap_send_ctx send_ctx(void)
{
	return (struct cap_send_ctx){.sender = A,
				     .receiver = B,
				     .endpoint = 16,
				     .from = 18,
				     .payload_len = 10};
}

/* An ordinary send is allowed. */
static void test_send_allowed(void **state)
{
	struct cap_send_ctx c = send_ctx();

	(void)state;
	assert_int_equal(cap_intercept_send(&c), CAP_ALLOW);
	c.receiver = CAP_PID_NONE; /* endpoint without owner yet */
	assert_int_equal(cap_intercept_send(&c), CAP_ALLOW);
}

/* Endpoints 32 and beyond are denied (ipc.md §6). */
static void test_send_endpoint_range(void **state)
{
	struct cap_send_ctx c = send_ctx();

	(void)state;
	c.endpoint = IPC_MAX_ENDPOINTS - 1;
	assert_int_equal(cap_intercept_send(&c), CAP_ALLOW);
	c.endpoint = IPC_MAX_ENDPOINTS;
	assert_int_equal(cap_intercept_send(&c), CAP_DENY_ENDPOINT);
	c.endpoint = UINT32_MAX;
	assert_int_equal(cap_intercept_send(&c), CAP_DENY_ENDPOINT);
}

/* Payload: 0 and 256 bytes pass, 257 does not. */
static void test_send_payload_boundary(void **state)
{
	struct cap_send_ctx c = send_ctx();

	(void)state;
	c.payload_len = 0;
	assert_int_equal(cap_intercept_send(&c), CAP_ALLOW);
	c.payload_len = IPC_MSG_SIZE;
	assert_int_equal(cap_intercept_send(&c), CAP_ALLOW);
	c.payload_len = IPC_MSG_SIZE + 1;
	assert_int_equal(cap_intercept_send(&c), CAP_DENY_PAYLOAD);
	c.payload_len = SIZE_MAX;
	assert_int_equal(cap_intercept_send(&c), CAP_DENY_PAYLOAD);
}

/* Writing into one's own endpoint is a self-send. */
static void test_send_self_by_owner(void **state)
{
	struct cap_send_ctx c = send_ctx();

	(void)state;
	c.receiver = A;
	assert_int_equal(cap_intercept_send(&c), CAP_DENY_SELF_SEND);
}

/*
 * A message whose from is its own endpoint (the original's rule, e.g. a
 * sender in slot 16 without reply endpoint writing to 16) is denied: the
 * receiver's answer would come back to itself.
 */
static void test_send_self_by_from(void **state)
{
	struct cap_send_ctx c = send_ctx();

	(void)state;
	c.from = 16;
	assert_int_equal(cap_intercept_send(&c), CAP_DENY_SELF_SEND);
	/* The slot number equal to the endpoint alone is no self-send. */
	c.sender = pid_make(16, 1);
	c.from = 18;
	assert_int_equal(cap_intercept_send(&c), CAP_ALLOW);
}

/* Receive: only the range rule. */
static void test_recv_rules(void **state)
{
	struct cap_recv_ctx c = {.receiver = A, .endpoint = 0};

	(void)state;
	assert_int_equal(cap_intercept_recv(&c), CAP_ALLOW);
	c.endpoint = 31;
	assert_int_equal(cap_intercept_recv(&c), CAP_ALLOW);
	c.endpoint = 32;
	assert_int_equal(cap_intercept_recv(&c), CAP_DENY_ENDPOINT);
}

/* Delegation: range, and source != target by full ProcessId. */
static void test_delegate_rules(void **state)
{
	struct cap_delegate_ctx c = {
	    .source = A, .target = B, .endpoint = 4, .rights = 1};

	(void)state;
	assert_int_equal(cap_intercept_delegate(&c), CAP_ALLOW);
	c.endpoint = 32;
	assert_int_equal(cap_intercept_delegate(&c), CAP_DENY_ENDPOINT);
	c.endpoint = 4;
	c.target = A;
	assert_int_equal(cap_intercept_delegate(&c), CAP_DENY_SELF_DELEGATE);
	/* Same slot, other generation: two processes (one of them stale). */
	c.target = pid_make(5, 2);
	assert_int_equal(cap_intercept_delegate(&c), CAP_ALLOW);
}

/* The filter decides syscalls 1..63; the default filter allows all. */
static void test_syscall_filter(void **state)
{
	struct cap_syscall_ctx c = {
	    .caller = A, .nr = SYS_WRITE, .filter = CAP_SYSCALL_FILTER_ALL};

	(void)state;
	assert_int_equal(cap_intercept_syscall(&c), CAP_ALLOW);
	c.filter = ~(1ull << SYS_WRITE);
	assert_int_equal(cap_intercept_syscall(&c), CAP_DENY_FILTERED);
	c.nr = SYS_READ;
	assert_int_equal(cap_intercept_syscall(&c), CAP_ALLOW);
	c.nr = 63;
	c.filter = 1ull << 63;
	assert_int_equal(cap_intercept_syscall(&c), CAP_ALLOW);
}

/* Syscall numbers >= 64 are denied whatever the filter (ipc.md §6). */
static void test_syscall_range(void **state)
{
	struct cap_syscall_ctx c = {
	    .caller = A, .nr = 64, .filter = CAP_SYSCALL_FILTER_ALL};

	(void)state;
	assert_int_equal(cap_intercept_syscall(&c), CAP_DENY_SYSCALL);
	c.nr = UINT64_MAX;
	assert_int_equal(cap_intercept_syscall(&c), CAP_DENY_SYSCALL);
}

static enum cap_verdict deny_all_send(const struct cap_send_ctx *c)
{
	(void)c;
	return CAP_DENY_CUSTOM;
}

static enum cap_verdict deny_all_recv(const struct cap_recv_ctx *c)
{
	(void)c;
	return CAP_DENY_CUSTOM;
}

static enum cap_verdict deny_all_delegate(const struct cap_delegate_ctx *c)
{
	(void)c;
	return CAP_DENY_CUSTOM;
}

static enum cap_verdict deny_all_syscall(const struct cap_syscall_ctx *c)
{
	(void)c;
	return CAP_DENY_CUSTOM;
}

static const struct cap_interceptor deny_all = {
    .name = "deny-all",
    .on_send = deny_all_send,
    .on_recv = deny_all_recv,
    .on_delegate = deny_all_delegate,
    .on_syscall = deny_all_syscall,
};

/* Exit is allowed by any filter and any installed interceptor. */
static void test_syscall_exit_always(void **state)
{
	struct cap_syscall_ctx c = {.caller = A, .nr = SYS_EXIT, .filter = 0};

	(void)state;
	assert_int_equal(cap_intercept_syscall(&c), CAP_ALLOW);
	cap_interceptor_install(&deny_all);
	assert_int_equal(cap_intercept_syscall(&c), CAP_ALLOW);
	c.nr = SYS_YIELD;
	c.filter = CAP_SYSCALL_FILTER_ALL;
	assert_int_equal(cap_intercept_syscall(&c), CAP_DENY_CUSTOM);
}

/* An installed interceptor is consulted by every hook; NULL removes it. */
static void test_install_custom(void **state)
{
	struct cap_send_ctx s = send_ctx();
	struct cap_recv_ctx r = {.receiver = A, .endpoint = 3};
	struct cap_delegate_ctx d = {
	    .source = A, .target = B, .endpoint = 3, .rights = 1};
	struct cap_syscall_ctx y = {
	    .caller = A, .nr = 1, .filter = CAP_SYSCALL_FILTER_ALL};

	(void)state;
	assert_null(cap_interceptor_current());
	cap_interceptor_install(&deny_all);
	assert_ptr_equal(cap_interceptor_current(), &deny_all);
	assert_int_equal(cap_intercept_send(&s), CAP_DENY_CUSTOM);
	assert_int_equal(cap_intercept_recv(&r), CAP_DENY_CUSTOM);
	assert_int_equal(cap_intercept_delegate(&d), CAP_DENY_CUSTOM);
	assert_int_equal(cap_intercept_syscall(&y), CAP_DENY_CUSTOM);
	cap_interceptor_install(NULL);
	assert_null(cap_interceptor_current());
	assert_int_equal(cap_intercept_send(&s), CAP_ALLOW);
	assert_int_equal(cap_intercept_recv(&r), CAP_ALLOW);
	assert_int_equal(cap_intercept_delegate(&d), CAP_ALLOW);
	assert_int_equal(cap_intercept_syscall(&y), CAP_ALLOW);
}

static enum cap_verdict allow_send(const struct cap_send_ctx *c)
{
	(void)c;
	return CAP_ALLOW;
}

static enum cap_verdict allow_delegate(const struct cap_delegate_ctx *c)
{
	(void)c;
	return CAP_ALLOW;
}

static enum cap_verdict allow_syscall(const struct cap_syscall_ctx *c)
{
	(void)c;
	return CAP_ALLOW;
}

/* A permissive interceptor cannot undo a built-in denial. */
static void test_custom_cannot_override_builtin(void **state)
{
	static const struct cap_interceptor permissive = {
	    .name = "allow-all",
	    .on_send = allow_send,
	    .on_delegate = allow_delegate,
	    .on_syscall = allow_syscall,
	};
	struct cap_send_ctx s = send_ctx();
	struct cap_delegate_ctx d = {
	    .source = A, .target = A, .endpoint = 3, .rights = 1};
	struct cap_syscall_ctx y = {.caller = A, .nr = 70, .filter = 0};

	(void)state;
	cap_interceptor_install(&permissive);
	s.endpoint = 40;
	assert_int_equal(cap_intercept_send(&s), CAP_DENY_ENDPOINT);
	s = send_ctx();
	s.payload_len = 300;
	assert_int_equal(cap_intercept_send(&s), CAP_DENY_PAYLOAD);
	s = send_ctx();
	s.receiver = A;
	assert_int_equal(cap_intercept_send(&s), CAP_DENY_SELF_SEND);
	assert_int_equal(cap_intercept_delegate(&d), CAP_DENY_SELF_DELEGATE);
	assert_int_equal(cap_intercept_syscall(&y), CAP_DENY_SYSCALL);
	y.nr = 5;
	assert_int_equal(cap_intercept_syscall(&y), CAP_DENY_FILTERED);
	/* Its NULL hooks allow. */
	struct cap_recv_ctx r = {.receiver = A, .endpoint = 3};

	assert_int_equal(cap_intercept_recv(&r), CAP_ALLOW);
}

static struct cap_send_ctx seen_send;
static unsigned seen_calls;

static enum cap_verdict garbage_send(const struct cap_send_ctx *c)
{
	seen_send = *c;
	seen_calls++;
	return (enum cap_verdict)1234;
}

/* A hook gets the exact context; a non-verdict answer is a denial. */
static void test_custom_context_and_garbage(void **state)
{
	static const struct cap_interceptor garbage = {.name = "garbage",
						       .on_send = garbage_send};
	struct cap_send_ctx s = send_ctx();

	(void)state;
	seen_calls = 0;
	cap_interceptor_install(&garbage);
	assert_int_equal(cap_intercept_send(&s), CAP_DENY_CUSTOM);
	assert_int_equal(seen_calls, 1);
	assert_memory_equal(&seen_send, &s, sizeof(s));
	/* Built-in denials never reach the hook. */
	s.endpoint = 99;
	assert_int_equal(cap_intercept_send(&s), CAP_DENY_ENDPOINT);
	assert_int_equal(seen_calls, 1);
}

/* Names and error codes of the verdicts. */
static void test_verdict_names_and_errno(void **state)
{
	(void)state;
	assert_string_equal(cap_verdict_name(CAP_ALLOW), "allow");
	assert_string_equal(cap_verdict_name(CAP_DENY_SELF_SEND), "self-send");
	assert_string_equal(cap_verdict_name(CAP_DENY_FILTERED),
			    "syscall-filtered");
	for (int v = 0; v < CAP_VERDICT_COUNT; v++)
		assert_string_not_equal(cap_verdict_name(v), "?");
	assert_string_equal(cap_verdict_name(CAP_VERDICT_COUNT), "?");
	assert_string_equal(cap_verdict_name((enum cap_verdict)77), "?");
	assert_int_equal(cap_verdict_errno(CAP_ALLOW), 0);
	assert_int_equal(cap_verdict_errno(CAP_DENY_ENDPOINT), -ENOENDPOINT);
	assert_int_equal(cap_verdict_errno(CAP_DENY_PAYLOAD), -EINVAL);
	assert_int_equal(cap_verdict_errno(CAP_DENY_SELF_SEND), -EPERM);
	assert_int_equal(cap_verdict_errno(CAP_DENY_SELF_DELEGATE), -EPERM);
	assert_int_equal(cap_verdict_errno(CAP_DENY_SYSCALL), -EPERM);
	assert_int_equal(cap_verdict_errno(CAP_DENY_FILTERED), -EPERM);
	assert_int_equal(cap_verdict_errno(CAP_DENY_CUSTOM), -EPERM);
}

/*
 * End to end with cap.c: the filter the policy sets reaches the syscall
 * check through cap_identity, and a send prepared by cap_send_prepare is
 * judged on its real from and receiver.
 */
static void test_with_capability_manager(void **state)
{
	static struct cap_record recs[12];
	struct cap_identity id;
	struct cap_send_info si;
	process_id_t fs = pid_make(5, 1), sh = pid_make(6, 1);

	(void)state;
	assert_int_equal(cap_init(recs, 12), 0);
	assert_int_equal(
	    cap_grant_boot_module(fs, "fs-service", CAP_ORIGIN_BOOT), 0);
	assert_int_equal(cap_grant_boot_module(sh, "shell", CAP_ORIGIN_BOOT),
			 0);
	assert_int_equal(cap_register_endpoint(fs, 16), 0);
	assert_int_equal(cap_register_endpoint(sh, 18), 0);
	assert_int_equal(cap_syscall_filter_set(sh, 1ull << SYS_WRITE), 0);
	assert_int_equal(cap_identity(sh, &id), 0);

	struct cap_syscall_ctx y = {
	    .caller = sh, .nr = SYS_WRITE, .filter = id.syscall_filter};

	assert_int_equal(cap_intercept_syscall(&y), CAP_ALLOW);
	y.nr = SYS_SPAWN;
	assert_int_equal(cap_intercept_syscall(&y), CAP_DENY_FILTERED);

	assert_int_equal(cap_send_prepare(sh, 16, &si), 0);
	struct cap_send_ctx s = {.sender = sh,
				 .receiver = si.receiver,
				 .endpoint = 16,
				 .from = si.from,
				 .payload_len = 5};

	assert_int_equal(cap_intercept_send(&s), CAP_ALLOW);
	/* fs-service writing to its own endpoint. */
	assert_int_equal(cap_send_prepare(fs, 16, &si), 0);
	s = (struct cap_send_ctx){.sender = fs,
				  .receiver = si.receiver,
				  .endpoint = 16,
				  .from = si.from,
				  .payload_len = 5};
	assert_int_equal(cap_intercept_send(&s), CAP_DENY_SELF_SEND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
	    T(test_send_allowed),
	    T(test_send_endpoint_range),
	    T(test_send_payload_boundary),
	    T(test_send_self_by_owner),
	    T(test_send_self_by_from),
	    T(test_recv_rules),
	    T(test_delegate_rules),
	    T(test_syscall_filter),
	    T(test_syscall_range),
	    T(test_syscall_exit_always),
	    T(test_install_custom),
	    T(test_custom_cannot_override_builtin),
	    T(test_custom_context_and_garbage),
	    T(test_verdict_names_and_errno),
	    T(test_with_capability_manager),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
