/*
 * tests/unit/policy_msg_test.c - the policy protocol's codecs
 * (kernel/policy/policy_msg.c): round trips, the exact byte layout of
 * abi/policy.h, and hostile input (lengths, kinds, reserved fields,
 * numbers out of range, names without a NUL, random bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/policy/policy_msg.h"

#include "abi/errno.h"
#include "abi/policy.h"

static struct policy_query sample_query(void)
{
	struct policy_query q;

	memset(&q, 0, sizeof(q));
	q.query_id = 0x1122334455667788ull;
	q.pid = 0x0000000200000007ull;
	q.syscall = 14;
	for (unsigned i = 0; i < PRINCIPAL_SIZE; i++)
		q.principal[i] = (uint8_t)(0xA0 + i);
	strcpy(q.name, "policy_probe");
	return q;
}

/* A query survives encode and decode, at the documented offsets. */
static void test_query_round_trip_and_layout(void **state)
{
	struct policy_query q = sample_query(), back;
	uint8_t buf[POLICY_QUERY_SIZE];

	(void)state;
	assert_int_equal(policy_query_encode(&q, buf), POLICY_QUERY_SIZE);
	assert_int_equal(buf[0], POLICY_MSG_QUERY);
	assert_int_equal(buf[POLICY_QUERY_SYSCALL], 14);
	assert_int_equal(buf[POLICY_QUERY_ID], 0x88);
	assert_int_equal(buf[POLICY_QUERY_ID + 7], 0x11);
	assert_int_equal(buf[POLICY_QUERY_PID], 7);
	assert_int_equal(buf[POLICY_QUERY_PID + 4], 2);
	assert_int_equal(buf[POLICY_QUERY_PRINCIPAL], 0xA0);
	assert_memory_equal(buf + POLICY_QUERY_NAME, "policy_probe", 13);
	assert_int_equal(policy_msg_kind(buf, sizeof(buf)), POLICY_MSG_QUERY);
	assert_int_equal(policy_query_decode(buf, sizeof(buf), &back), 0);
	assert_int_equal(back.query_id, q.query_id);
	assert_int_equal(back.pid, q.pid);
	assert_int_equal(back.syscall, 14);
	assert_memory_equal(back.principal, q.principal, PRINCIPAL_SIZE);
	assert_string_equal(back.name, "policy_probe");
}

/* A 32-byte name is cut to 31 so the field always holds a NUL. */
static void test_query_long_name_cut(void **state)
{
	struct policy_query q = sample_query(), back;
	uint8_t buf[POLICY_QUERY_SIZE];

	(void)state;
	memset(q.name, 'x', sizeof(q.name));
	policy_query_encode(&q, buf);
	assert_int_equal(policy_query_decode(buf, sizeof(buf), &back), 0);
	assert_int_equal(strlen(back.name), POLICY_NAME_SIZE - 1);
}

/* Every malformed query is refused and leaves the output alone. */
static void test_query_hostile(void **state)
{
	struct policy_query q = sample_query(), back;
	uint8_t buf[POLICY_QUERY_SIZE + 1], bad[POLICY_QUERY_SIZE];

	(void)state;
	policy_query_encode(&q, buf);
	memset(&back, 0x5A, sizeof(back));
	assert_int_equal(policy_query_decode(buf, POLICY_QUERY_SIZE - 1, &back),
			 -EINVAL);
	assert_int_equal(policy_query_decode(buf, POLICY_QUERY_SIZE + 1, &back),
			 -EINVAL);
	assert_int_equal(policy_query_decode(NULL, POLICY_QUERY_SIZE, &back),
			 -EINVAL);
	assert_int_equal(policy_query_decode(buf, POLICY_QUERY_SIZE, NULL),
			 -EINVAL);
	memcpy(bad, buf, sizeof(bad));
	bad[0] = POLICY_MSG_ANSWER;
	assert_int_equal(policy_query_decode(bad, sizeof(bad), &back), -EINVAL);
	memcpy(bad, buf, sizeof(bad));
	bad[POLICY_QUERY_SYSCALL] = 64;
	assert_int_equal(policy_query_decode(bad, sizeof(bad), &back), -EINVAL);
	memcpy(bad, buf, sizeof(bad));
	bad[POLICY_QUERY_SYSCALL + 3] = 1; /* 2^24 + 14 */
	assert_int_equal(policy_query_decode(bad, sizeof(bad), &back), -EINVAL);
	memcpy(bad, buf, sizeof(bad));
	memset(bad + POLICY_QUERY_ID, 0, 8);
	assert_int_equal(policy_query_decode(bad, sizeof(bad), &back), -EINVAL);
	memcpy(bad, buf, sizeof(bad));
	memset(bad + POLICY_QUERY_NAME, 'A', POLICY_NAME_SIZE);
	assert_int_equal(policy_query_decode(bad, sizeof(bad), &back), -EINVAL);
	/* Nothing was written by the refusals. */
	assert_int_equal(back.syscall, 0x5A5A5A5A);
}

/* The service's messages: exact sizes and values only. */
static void test_reply_decode(void **state)
{
	uint8_t buf[32];
	struct policy_reply r;

	(void)state;
	assert_int_equal(policy_hello_encode(buf), POLICY_HELLO_SIZE);
	assert_int_equal(policy_reply_decode(buf, POLICY_HELLO_SIZE, &r), 0);
	assert_int_equal(r.kind, POLICY_MSG_HELLO);
	assert_int_equal(policy_reply_decode(buf, POLICY_HELLO_SIZE + 1, &r),
			 -EINVAL);
	buf[4] = 2; /* unknown version */
	assert_int_equal(policy_reply_decode(buf, POLICY_HELLO_SIZE, &r), -EINVAL);

	assert_int_equal(policy_answer_encode(42, POLICY_ALLOW, buf),
			 POLICY_ANSWER_SIZE);
	assert_int_equal(policy_reply_decode(buf, POLICY_ANSWER_SIZE, &r), 0);
	assert_int_equal(r.kind, POLICY_MSG_ANSWER);
	assert_int_equal(r.decision, POLICY_ALLOW);
	assert_int_equal(r.query_id, 42);
	policy_answer_encode(42, POLICY_DENY, buf);
	assert_int_equal(policy_reply_decode(buf, POLICY_ANSWER_SIZE, &r), 0);
	assert_int_equal(r.decision, POLICY_DENY);
	/* The spec's 9-byte answer is not ours. */
	assert_int_equal(policy_reply_decode(buf, 9, &r), -EINVAL);
	buf[4] = 2; /* decision neither 0 nor 1 */
	assert_int_equal(policy_reply_decode(buf, POLICY_ANSWER_SIZE, &r), -EINVAL);
	policy_answer_encode(0, POLICY_ALLOW, buf);
	assert_int_equal(policy_reply_decode(buf, POLICY_ANSWER_SIZE, &r), -EINVAL);

	assert_int_equal(policy_invalidate_encode(buf), POLICY_INVALIDATE_SIZE);
	assert_int_equal(policy_reply_decode(buf, POLICY_INVALIDATE_SIZE, &r), 0);
	assert_int_equal(r.kind, POLICY_MSG_INVALIDATE);
	buf[5] = 1;
	assert_int_equal(policy_reply_decode(buf, POLICY_INVALIDATE_SIZE, &r),
			 -EINVAL);

	/* Unknown kinds, a query sent to the kernel, short and NULL. */
	memset(buf, 0, sizeof(buf));
	buf[0] = 99;
	assert_int_equal(policy_reply_decode(buf, 8, &r), -EINVAL);
	buf[0] = POLICY_MSG_QUERY;
	assert_int_equal(policy_reply_decode(buf, 8, &r), -EINVAL);
	assert_int_equal(policy_reply_decode(buf, 3, &r), -EINVAL);
	assert_int_equal(policy_reply_decode(NULL, 8, &r), -EINVAL);
	assert_int_equal(policy_msg_kind(buf, 3), 0);
}

/* Requests: SET round trip; every bad field refused. */
static void test_request_codec(void **state)
{
	struct policy_request rq, back;
	uint8_t buf[POLICY_SET_SIZE], bad[POLICY_SET_SIZE];

	(void)state;
	memset(&rq, 0, sizeof(rq));
	rq.kind = POLICY_REQ_SET;
	rq.syscall = 14;
	rq.action = POLICY_ALLOW;
	strcpy(rq.name, "policy_probe");
	assert_int_equal(policy_request_encode(&rq, buf), POLICY_SET_SIZE);
	assert_int_equal(policy_request_decode(buf, POLICY_SET_SIZE, &back), 0);
	assert_int_equal(back.kind, POLICY_REQ_SET);
	assert_int_equal(back.syscall, 14);
	assert_int_equal(back.action, POLICY_ALLOW);
	assert_string_equal(back.name, "policy_probe");
	assert_int_equal(policy_request_decode(buf, POLICY_SET_SIZE - 1, &back),
			 -EINVAL);

	memcpy(bad, buf, sizeof(bad));
	bad[4] = 64;
	assert_int_equal(policy_request_decode(bad, sizeof(bad), &back), -EINVAL);
	memcpy(bad, buf, sizeof(bad));
	bad[8] = 7;
	assert_int_equal(policy_request_decode(bad, sizeof(bad), &back), -EINVAL);
	memcpy(bad, buf, sizeof(bad));
	bad[13] = 1;
	assert_int_equal(policy_request_decode(bad, sizeof(bad), &back), -EINVAL);
	memcpy(bad, buf, sizeof(bad));
	memset(bad + 16, 0, POLICY_NAME_SIZE);
	assert_int_equal(policy_request_decode(bad, sizeof(bad), &back), -EINVAL);
	memcpy(bad, buf, sizeof(bad));
	memset(bad + 16, 'n', POLICY_NAME_SIZE);
	assert_int_equal(policy_request_decode(bad, sizeof(bad), &back), -EINVAL);

	rq.kind = POLICY_REQ_STATS;
	assert_int_equal(policy_request_encode(&rq, buf), POLICY_STATS_SIZE);
	assert_int_equal(policy_request_decode(buf, POLICY_STATS_SIZE, &back), 0);
	assert_int_equal(back.kind, POLICY_REQ_STATS);
	assert_int_equal(policy_request_decode(buf, POLICY_SET_SIZE, &back),
			 -EINVAL);
	buf[4] = 1;
	assert_int_equal(policy_request_decode(buf, POLICY_STATS_SIZE, &back),
			 -EINVAL);
	/* A kernel query sent by a process is no request. */
	buf[0] = POLICY_MSG_QUERY;
	buf[4] = 0;
	assert_int_equal(policy_request_decode(buf, POLICY_STATS_SIZE, &back),
			 -EINVAL);
	assert_int_equal(policy_request_decode(NULL, 8, &back), -EINVAL);
}

/* Status replies keep negative codes and all counters. */
static void test_status_codec(void **state)
{
	struct policy_status s = {-EPERM, 3, 100, 90, 10}, back;
	uint8_t buf[POLICY_REPLY_SIZE];

	(void)state;
	assert_int_equal(policy_status_encode(&s, buf), POLICY_REPLY_SIZE);
	assert_int_equal(policy_status_decode(buf, sizeof(buf), &back), 0);
	assert_int_equal(back.status, -EPERM);
	assert_int_equal(back.invalidations, 3);
	assert_int_equal(back.queries, 100);
	assert_int_equal(back.allowed, 90);
	assert_int_equal(back.denied, 10);
	assert_int_equal(policy_status_decode(buf, sizeof(buf) - 1, &back),
			 -EINVAL);
	buf[0] = POLICY_REQ_SET;
	assert_int_equal(policy_status_decode(buf, sizeof(buf), &back), -EINVAL);
}

/* Random bytes of random lengths: decoders never read past the buffer
 * (ASan) and whatever they accept is within range. */
static void test_random_bytes(void **state)
{
	uint8_t *buf;
	unsigned seed = 12345;

	(void)state;
	for (unsigned round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand_r(&seed) % 100);
		struct policy_query q;
		struct policy_reply r;
		struct policy_request rq;
		struct policy_status st;

		buf = malloc(len ? len : 1);
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand_r(&seed);
		/* Sometimes a valid kind, to get past the first check. */
		if (len >= 4 && round % 2)
			buf[0] = (uint8_t)(1 + round % 18), buf[1] = buf[2] =
							      buf[3] = 0;
		if (!policy_query_decode(buf, len, &q)) {
			assert_true(q.syscall < POLICY_SYSCALLS);
			assert_true(strlen(q.name) < POLICY_NAME_SIZE);
		}
		if (!policy_reply_decode(buf, len, &r) &&
		    r.kind == POLICY_MSG_ANSWER)
			assert_true(r.decision <= POLICY_ALLOW && r.query_id);
		if (!policy_request_decode(buf, len, &rq) &&
		    rq.kind == POLICY_REQ_SET)
			assert_true(rq.syscall < 64 && rq.name[0]);
		(void)policy_status_decode(buf, len, &st);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query_round_trip_and_layout),
	    cmocka_unit_test(test_query_long_name_cut),
	    cmocka_unit_test(test_query_hostile),
	    cmocka_unit_test(test_reply_decode),
	    cmocka_unit_test(test_request_codec),
	    cmocka_unit_test(test_status_codec),
	    cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
