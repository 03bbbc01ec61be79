/*
 * tests/unit/ipc_fast_test.c - the decisions of the IPC fast path
 * (kernel/ipc/fastpath.h): the fast path taken when every gate and
 * precondition holds, and refused, with its reason, when any one of them
 * does not (each refusal sends the syscall down the general path).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernel/ipc/fastpath.h"

#define CEILING 0x0000800000000000ull
#define BUF	0x401000ull

/* A caller that passes every gate. */
static struct ipc_fast_gate open_gate(void)
{
	struct ipc_fast_gate g = {
	    .record = true,
	    .principal_bound = true,
	    .syscall_filter = ~0ull,
	    .hooked = false,
	    .policy_allow = true,
	};

	return g;
}

static void test_gates_taken(void **state)
{
	struct ipc_fast_gate g = open_gate();

	(void)state;
	assert_int_equal(ipc_fast_gates(SYS_WRITE, &g), IPC_FAST_TAKEN);
	assert_int_equal(ipc_fast_gates(SYS_RECV_MSG, &g), IPC_FAST_TAKEN);
	/* Only the bits of the two syscalls matter in the filter. */
	g.syscall_filter = (1ull << SYS_WRITE) | (1ull << SYS_RECV_MSG);
	assert_int_equal(ipc_fast_gates(SYS_WRITE, &g), IPC_FAST_TAKEN);
	assert_int_equal(ipc_fast_gates(SYS_RECV_MSG, &g), IPC_FAST_TAKEN);
}

static void test_gates_refused(void **state)
{
	struct ipc_fast_gate g;

	(void)state;
	g = open_gate();
	g.record = false;
	assert_int_equal(ipc_fast_gates(SYS_WRITE, &g), IPC_FAST_NO_CALLER);
	g = open_gate();
	g.principal_bound = false;
	assert_int_equal(ipc_fast_gates(SYS_WRITE, &g), IPC_FAST_UNBOUND);
	assert_int_equal(ipc_fast_gates(SYS_RECV_MSG, &g), IPC_FAST_UNBOUND);
	g = open_gate();
	g.syscall_filter = ~(1ull << SYS_WRITE);
	assert_int_equal(ipc_fast_gates(SYS_WRITE, &g), IPC_FAST_FILTERED);
	assert_int_equal(ipc_fast_gates(SYS_RECV_MSG, &g), IPC_FAST_TAKEN);
	g.syscall_filter = ~(1ull << SYS_RECV_MSG);
	assert_int_equal(ipc_fast_gates(SYS_RECV_MSG, &g), IPC_FAST_FILTERED);
	g = open_gate();
	g.hooked = true;
	assert_int_equal(ipc_fast_gates(SYS_WRITE, &g), IPC_FAST_HOOKED);
	g = open_gate();
	g.policy_allow = false;
	assert_int_equal(ipc_fast_gates(SYS_WRITE, &g), IPC_FAST_POLICY);
	assert_int_equal(ipc_fast_gates(SYS_RECV_MSG, &g), IPC_FAST_POLICY);
	/* Syscalls with another gate or a system capability never qualify:
	 * an exempt one, a Boot-gated one, one needing a syscap, and
	 * numbers outside the table or the filter. */
	g = open_gate();
	assert_int_equal(ipc_fast_gates(SYS_EXIT, &g), IPC_FAST_GATE);
	assert_int_equal(ipc_fast_gates(SYS_CLAIM_BOOTSTRAP_KEY, &g),
			 IPC_FAST_GATE);
	assert_int_equal(ipc_fast_gates(SYS_SPAWN, &g), IPC_FAST_GATE);
	assert_int_equal(ipc_fast_gates(SYSCALL_COUNT, &g), IPC_FAST_GATE);
	assert_int_equal(ipc_fast_gates(64, &g), IPC_FAST_GATE);
}

/* A sender in slot 6 with reply endpoint 4, writing to 9, whose owner
 * (slot 2) already holds SEND on 4. */
static struct ipc_fast_send plain_send(void)
{
	struct ipc_fast_send s = {
	    .sender = ((uint64_t)3 << 32) | 6,
	    .sender_slot = 6,
	    .rights = IPC_RIGHT_SEND,
	    .reply_ep = 4,
	    .owned = true,
	    .owner = ((uint64_t)1 << 32) | 2,
	    .owner_can_reply = true,
	};

	return s;
}

static void test_write_taken(void **state)
{
	struct ipc_fast_send s = plain_send();
	uint32_t from = 0;

	(void)state;
	assert_int_equal(ipc_fast_write_check(9, BUF, 16, CEILING, &s, &from),
			 IPC_FAST_TAKEN);
	assert_int_equal(from, 4); /* the reply endpoint */
	/* 1 and 256 bytes; a buffer ending at the ceiling. */
	assert_int_equal(ipc_fast_write_check(9, BUF, 1, CEILING, &s, &from),
			 IPC_FAST_TAKEN);
	assert_int_equal(ipc_fast_write_check(9, CEILING - IPC_MSG_SIZE,
					      IPC_MSG_SIZE, CEILING, &s, &from),
			 IPC_FAST_TAKEN);
	/* No reply endpoint: from is the slot; no grant to consider. */
	s.reply_ep = IPC_NO_REPLY_EP;
	s.owner_can_reply = false;
	assert_int_equal(ipc_fast_write_check(9, BUF, 16, CEILING, &s, &from),
			 IPC_FAST_TAKEN);
	assert_int_equal(from, 6);
	/* Endpoint 25 always carries the slot. */
	s = plain_send();
	assert_int_equal(ipc_fast_write_check(IPC_EP_BLK_KREPLY, BUF, 16,
					      CEILING, &s, &from),
			 IPC_FAST_TAKEN);
	assert_int_equal(from, 6);
	/* An endpoint nobody owns: nothing to grant. */
	s = plain_send();
	s.owned = false;
	s.owner_can_reply = false;
	assert_int_equal(ipc_fast_write_check(9, BUF, 16, CEILING, &s, &from),
			 IPC_FAST_TAKEN);
}

static void test_write_refused(void **state)
{
	struct ipc_fast_send s = plain_send();
	uint32_t from = 77;

	(void)state;
	/* Arguments the general path answers (0-byte writes return 0
	 * there; the rest -EINVAL or -ENOENDPOINT). */
	assert_int_equal(ipc_fast_write_check(9, BUF, 0, CEILING, &s, &from),
			 IPC_FAST_ARGS);
	assert_int_equal(ipc_fast_write_check(9, BUF, IPC_MSG_SIZE + 1,
					      CEILING, &s, &from),
			 IPC_FAST_ARGS);
	assert_int_equal(ipc_fast_write_check(IPC_MAX_ENDPOINTS, BUF, 16,
					      CEILING, &s, &from),
			 IPC_FAST_ARGS);
	assert_int_equal(ipc_fast_write_check(9, CEILING - 8, 16, CEILING, &s,
					      &from),
			 IPC_FAST_ARGS);
	assert_int_equal(ipc_fast_write_check(9, ~0ull - 4, 16, CEILING, &s,
					      &from),
			 IPC_FAST_ARGS);
	/* No SEND (RECEIVE alone is not enough). */
	s.rights = IPC_RIGHT_RECV;
	assert_int_equal(ipc_fast_write_check(9, BUF, 16, CEILING, &s, &from),
			 IPC_FAST_RIGHT);
	/* A corrupt reply endpoint. */
	s = plain_send();
	s.reply_ep = IPC_MAX_ENDPOINTS;
	assert_int_equal(ipc_fast_write_check(9, BUF, 16, CEILING, &s, &from),
			 IPC_FAST_ARGS);
	/* Self-sends: the reply would come back to ep; the slot as from
	 * equals ep; writing into one's own queue. */
	s = plain_send();
	assert_int_equal(ipc_fast_write_check(4, BUF, 16, CEILING, &s, &from),
			 IPC_FAST_SELF_SEND);
	s.reply_ep = IPC_NO_REPLY_EP;
	assert_int_equal(ipc_fast_write_check(6, BUF, 16, CEILING, &s, &from),
			 IPC_FAST_SELF_SEND);
	s = plain_send();
	s.reply_ep = IPC_EP_BLK_KREPLY; /* from = slot on 25, cap's from 25 */
	assert_int_equal(ipc_fast_write_check(IPC_EP_BLK_KREPLY, BUF, 16,
					      CEILING, &s, &from),
			 IPC_FAST_SELF_SEND);
	s = plain_send();
	s.owner = s.sender;
	assert_int_equal(ipc_fast_write_check(9, BUF, 16, CEILING, &s, &from),
			 IPC_FAST_SELF_SEND);
	/* The reply rule has a right to grant: the general path grants it
	 * before the message is visible. */
	s = plain_send();
	s.owner_can_reply = false;
	assert_int_equal(ipc_fast_write_check(9, BUF, 16, CEILING, &s, &from),
			 IPC_FAST_GRANT);
	assert_int_equal(from, 77); /* untouched on every refusal */
}

static void test_recv_taken_and_refused(void **state)
{
	uint64_t used = 0;

	(void)state;
	assert_int_equal(ipc_fast_recv_check(9, BUF, IPC_RECV_BUF_SIZE, CEILING,
					     IPC_RIGHT_RECV, &used),
			 IPC_FAST_TAKEN);
	assert_int_equal(used, IPC_RECV_BUF_SIZE);
	/* A longer buffer is used up to IPC_RECV_BUF_SIZE only, also when
	 * its declared end is past the ceiling. */
	assert_int_equal(ipc_fast_recv_check(9, CEILING - IPC_RECV_BUF_SIZE,
					     4096, CEILING,
					     IPC_RIGHT_RECV | IPC_RIGHT_SEND,
					     &used),
			 IPC_FAST_TAKEN);
	assert_int_equal(used, IPC_RECV_BUF_SIZE);
	assert_int_equal(ipc_fast_recv_check(9, BUF, IPC_RECV_HDR_SIZE, CEILING,
					     IPC_RIGHT_RECV, &used),
			 IPC_FAST_TAKEN);
	assert_int_equal(used, IPC_RECV_HDR_SIZE);
	used = 5;
	assert_int_equal(ipc_fast_recv_check(9, BUF, IPC_RECV_HDR_SIZE - 1,
					     CEILING, IPC_RIGHT_RECV, &used),
			 IPC_FAST_ARGS);
	assert_int_equal(ipc_fast_recv_check(IPC_MAX_ENDPOINTS, BUF, 64,
					     CEILING, IPC_RIGHT_RECV, &used),
			 IPC_FAST_ARGS);
	assert_int_equal(ipc_fast_recv_check(9, CEILING - 40, 64, CEILING,
					     IPC_RIGHT_RECV, &used),
			 IPC_FAST_ARGS);
	assert_int_equal(ipc_fast_recv_check(9, BUF, 64, CEILING,
					     IPC_RIGHT_SEND, &used),
			 IPC_FAST_RIGHT);
	assert_int_equal(ipc_fast_recv_check(9, BUF, 64, CEILING, 0, &used),
			 IPC_FAST_RIGHT);
	assert_int_equal(used, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gates_taken),
	    cmocka_unit_test(test_gates_refused),
	    cmocka_unit_test(test_write_taken),
	    cmocka_unit_test(test_write_refused),
	    cmocka_unit_test(test_recv_taken_and_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
