/*
 * tests/unit/policy_core_test.c - the policy upcall's state
 * (kernel/policy/policy_core.c): activation by HELLO, bypasses, the
 * per-process decision cache keyed by the full ProcessId, generations
 * and invalidation, the pending-query table (answers, timeouts, a full
 * table, reclaiming a killed waiter's entry) and who may write 23.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/policy/policy_core.h"
#include "kernel/policy/policy_msg.h"

#include "abi/errno.h"
#include "abi/policy.h"
#include "abi/syscall.h"

#define SLOTS 16
#define SERVICE 0x100000003ull /* slot 3, generation 1 */
#define OTHER 0x100000004ull
#define P5 0x100000005ull      /* slot 5, generation 1 */
#define P5_NEXT 0x200000005ull /* the next process in slot 5 */
#define TASK 0x100000009ull

static struct policy_core core;
static struct policy_cache_entry cache[SLOTS];

/* A service message into the core. */
static int msg(uint64_t sender, const uint8_t *buf, size_t len,
	       struct policy_wake *w)
{
	return policy_core_message(&core, sender, SERVICE, buf, len, w);
}

static int hello(void)
{
	uint8_t b[POLICY_HELLO_SIZE];

	policy_hello_encode(b);
	return msg(SERVICE, b, sizeof(b), NULL);
}

static int reply(uint64_t sender, uint64_t qid, bool allow,
		 struct policy_wake *w)
{
	uint8_t b[POLICY_ANSWER_SIZE];

	policy_answer_encode(qid, allow ? POLICY_ALLOW : POLICY_DENY, b);
	return msg(sender, b, sizeof(b), w);
}

static int invalidate(uint64_t sender)
{
	uint8_t b[POLICY_INVALIDATE_SIZE];

	policy_invalidate_encode(b);
	return msg(sender, b, sizeof(b), NULL);
}

static enum policy_step begin(uint64_t pid, unsigned nr, uint64_t now,
			      struct policy_query *q, unsigned *idx)
{
	return policy_core_begin(&core, pid, nr, TASK, now, SERVICE, SERVICE, q,
				 idx);
}

/* Ask about (pid, nr), answer it, collect: the whole round trip. */
static bool ask(uint64_t pid, unsigned nr, bool answer_allow)
{
	struct policy_query q;
	struct policy_wake w;
	unsigned idx;
	bool allowed;

	assert_int_equal(begin(pid, nr, 0, &q, &idx), POLICY_STEP_QUERY);
	assert_int_equal(reply(SERVICE, q.query_id, answer_allow, &w), 1);
	assert_int_equal(policy_core_finish(&core, idx, q.query_id, &allowed),
			 POLICY_OUTCOME_ANSWER);
	return allowed;
}

static int setup(void **state)
{
	(void)state;
	policy_core_init(&core, cache, SLOTS);
	return 0;
}

static int setup_active(void **state)
{
	setup(state);
	assert_int_equal(hello(), 0);
	return 0;
}

/* No service yet: everything passes, on the fast path and the slow. */
static void test_inactive_bypasses_everything(void **state)
{
	struct policy_query q;
	unsigned idx;

	(void)state;
	for (unsigned nr = 0; nr < 64; nr++) {
		assert_true(policy_core_fast_allow(&core, P5, nr));
		assert_int_equal(begin(P5, nr, 0, &q, &idx), POLICY_STEP_ALLOW);
	}
	assert_int_equal(core.stats.queries, 0);
}

/* Only the owner of 22 may say HELLO; then checks start. */
static void test_hello_only_from_owner_of_22(void **state)
{
	uint8_t b[POLICY_HELLO_SIZE];

	(void)state;
	policy_hello_encode(b);
	assert_int_equal(msg(OTHER, b, sizeof(b), NULL), -EPERM);
	assert_int_equal(policy_core_message(&core, 0, 0, b, sizeof(b), NULL),
			 -EPERM);
	assert_int_equal(core.active, 0);
	assert_int_equal(hello(), 0);
	assert_int_equal(core.active, 1);
	assert_int_equal(core.service, SERVICE);
	assert_false(policy_core_fast_allow(&core, P5, SYS_OBJ_PUT));
	/* Another process cannot take over, even with a valid HELLO. */
	assert_int_equal(policy_core_message(&core, OTHER, OTHER, b, sizeof(b),
					     NULL),
			 -EPERM);
	assert_int_equal(core.service, SERVICE);
}

/* The identity-exempt seven and the service's own calls never query. */
static void test_exempt_and_service_bypass(void **state)
{
	struct policy_query q;
	unsigned idx;

	(void)state;
	for (unsigned nr = 0; nr < 64; nr++) {
		if (!((SYSCALL_EXEMPT_MASK >> nr) & 1))
			continue;
		assert_int_equal(begin(P5, nr, 0, &q, &idx), POLICY_STEP_ALLOW);
		assert_true(policy_core_fast_allow(&core, P5, nr));
	}
	assert_int_equal(begin(SERVICE, SYS_RECV_MSG, 0, &q, &idx),
			 POLICY_STEP_ALLOW);
	assert_int_equal(begin(SERVICE, SYS_WRITE, 0, &q, &idx),
			 POLICY_STEP_ALLOW);
	assert_int_equal(core.stats.queries, 0);
	/* Numbers the table cannot hold are denied, never asked. */
	assert_int_equal(begin(P5, 64, 0, &q, &idx), POLICY_STEP_DENY);
	assert_int_equal(begin(P5, 1000, 0, &q, &idx), POLICY_STEP_DENY);
}

/* One query per (process, syscall); the answer is cached both ways. */
static void test_answers_are_cached(void **state)
{
	struct policy_query q;
	unsigned idx;

	(void)state;
	assert_int_equal(begin(P5, SYS_SYSINFO, 0, &q, &idx), POLICY_STEP_QUERY);
	assert_int_equal(q.query_id, 1);
	assert_int_equal(q.pid, P5);
	assert_int_equal(q.syscall, SYS_SYSINFO);
	policy_core_cancel(&core, idx, q.query_id);
	assert_int_equal(core.stats.queries, 0);

	assert_true(ask(P5, SYS_SYSINFO, true));
	assert_true(policy_core_fast_allow(&core, P5, SYS_SYSINFO));
	assert_int_equal(begin(P5, SYS_SYSINFO, 0, &q, &idx), POLICY_STEP_ALLOW);

	assert_false(ask(P5, SYS_OBJ_PUT, false));
	assert_false(policy_core_fast_allow(&core, P5, SYS_OBJ_PUT));
	assert_int_equal(begin(P5, SYS_OBJ_PUT, 0, &q, &idx), POLICY_STEP_DENY);
	/* Two queries in all, however often the process asks again. */
	assert_int_equal(core.stats.queries, 2);
	/* Other syscalls of the same process are separate decisions. */
	assert_false(policy_core_fast_allow(&core, P5, SYS_OBJ_GET));
}

/* The next process in the same slot inherits nothing. */
static void test_cache_keyed_by_full_pid(void **state)
{
	struct policy_query q;
	unsigned idx;

	(void)state;
	assert_true(ask(P5, SYS_SYSINFO, true));
	assert_false(policy_core_fast_allow(&core, P5_NEXT, SYS_SYSINFO));
	assert_int_equal(begin(P5_NEXT, SYS_SYSINFO, 0, &q, &idx),
			 POLICY_STEP_QUERY);
	assert_int_equal(q.pid, P5_NEXT);
	assert_int_equal(reply(SERVICE, q.query_id, false, NULL), 1);
	bool allowed;
	assert_int_equal(policy_core_finish(&core, idx, q.query_id, &allowed),
			 POLICY_OUTCOME_ANSWER);
	assert_false(allowed);
	/* The entry is the new process's now; the old one's bits are gone. */
	assert_false(policy_core_fast_allow(&core, P5, SYS_SYSINFO));
	assert_int_equal(begin(P5_NEXT, SYS_SYSINFO, 0, &q, &idx),
			 POLICY_STEP_DENY);
	/* A slot beyond the cache is never cached, but still decided. */
	assert_false(policy_core_fast_allow(&core, 0x100000000ull + SLOTS, 1));
	assert_int_equal(begin(0x100000000ull + SLOTS, 1, 0, &q, &idx),
			 POLICY_STEP_QUERY);
}

/* INVALIDATE voids every cached decision; only the service may send it. */
static void test_invalidate_voids_cache(void **state)
{
	struct policy_query q;
	unsigned idx;
	uint64_t gen;

	(void)state;
	assert_true(ask(P5, SYS_SYSINFO, true));
	assert_false(ask(P5, SYS_OBJ_PUT, false));
	gen = core.gen;
	assert_int_equal(invalidate(OTHER), -EPERM);
	assert_true(policy_core_fast_allow(&core, P5, SYS_SYSINFO));
	assert_int_equal(invalidate(SERVICE), 0);
	assert_int_equal(core.gen, gen + 1);
	assert_int_equal(core.stats.invalidations, 1);
	assert_false(policy_core_fast_allow(&core, P5, SYS_SYSINFO));
	assert_int_equal(begin(P5, SYS_OBJ_PUT, 0, &q, &idx), POLICY_STEP_QUERY);
	assert_int_equal(reply(SERVICE, q.query_id, true, NULL), 1);
	bool allowed;
	assert_int_equal(policy_core_finish(&core, idx, q.query_id, &allowed),
			 POLICY_OUTCOME_ANSWER);
	assert_true(allowed);
	assert_true(policy_core_fast_allow(&core, P5, SYS_OBJ_PUT));
}

/* An answer to a query asked before a change is used once, not cached. */
static void test_answer_from_old_generation_not_cached(void **state)
{
	struct policy_query q;
	unsigned idx;
	bool allowed;

	(void)state;
	assert_int_equal(begin(P5, SYS_OBJ_PUT, 0, &q, &idx), POLICY_STEP_QUERY);
	assert_int_equal(invalidate(SERVICE), 0);
	assert_int_equal(reply(SERVICE, q.query_id, true, NULL), 1);
	assert_int_equal(policy_core_finish(&core, idx, q.query_id, &allowed),
			 POLICY_OUTCOME_ANSWER);
	assert_true(allowed);
	assert_false(policy_core_fast_allow(&core, P5, SYS_OBJ_PUT));
	assert_int_equal(begin(P5, SYS_OBJ_PUT, 0, &q, &idx), POLICY_STEP_QUERY);
}

/* Refusals on 23: other senders, garbage, unknown and late answers. */
static void test_refused_messages(void **state)
{
	struct policy_query q;
	struct policy_wake w = {0, 0};
	uint8_t junk[16] = {3, 0, 0, 0, 9};
	unsigned idx;

	(void)state;
	assert_int_equal(begin(P5, SYS_SYSINFO, 0, &q, &idx), POLICY_STEP_QUERY);
	assert_int_equal(reply(OTHER, q.query_id, true, &w), -EPERM);
	assert_int_equal(reply(P5, q.query_id, true, &w), -EPERM);
	assert_int_equal(msg(SERVICE, junk, sizeof(junk), &w), -EINVAL);
	assert_int_equal(msg(SERVICE, NULL, 0, &w), -EINVAL);
	assert_int_equal(reply(SERVICE, q.query_id + 100, true, &w), -ENOENT);
	assert_false(policy_core_done(&core, idx, q.query_id));
	assert_int_equal(w.task, 0);
	assert_int_equal(core.stats.refused, 5);
	/* The right answer wakes the right task, once. */
	assert_int_equal(reply(SERVICE, q.query_id, false, &w), 1);
	assert_int_equal(w.task, TASK);
	assert_int_equal(w.query_id, q.query_id);
	assert_true(policy_core_done(&core, idx, q.query_id));
	assert_int_equal(reply(SERVICE, q.query_id, true, &w), -ENOENT);
}

/* Before HELLO the owner of 22 cannot answer or invalidate. */
static void test_protocol_order(void **state)
{
	(void)state;
	assert_int_equal(reply(SERVICE, 1, true, NULL), -EINVAL);
	assert_int_equal(invalidate(SERVICE), -EINVAL);
	assert_int_equal(core.active, 0);
}

/* No answer by the deadline: denied, not cached, service unresponsive
 * (later queries wait less) until it answers again. */
static void test_timeout(void **state)
{
	struct policy_query q, q2;
	struct policy_wake w[POLICY_PENDING_MAX];
	unsigned idx, idx2;
	bool allowed = true;

	(void)state;
	assert_int_equal(begin(P5, SYS_SYSINFO, 100, &q, &idx), POLICY_STEP_QUERY);
	assert_int_equal(policy_core_finish(&core, idx, q.query_id, &allowed), -1);
	assert_int_equal(policy_core_tick(&core, 100 + POLICY_TIMEOUT_TICKS - 1,
					  NULL, NULL, w, POLICY_PENDING_MAX),
			 0);
	assert_false(policy_core_done(&core, idx, q.query_id));
	assert_int_equal(policy_core_tick(&core, 100 + POLICY_TIMEOUT_TICKS, NULL,
					  NULL, w, POLICY_PENDING_MAX),
			 1);
	assert_int_equal(w[0].task, TASK);
	assert_int_equal(w[0].query_id, q.query_id);
	assert_true(policy_core_done(&core, idx, q.query_id));
	/* A late answer finds nobody. */
	assert_int_equal(reply(SERVICE, q.query_id, true, NULL), -ENOENT);
	assert_int_equal(policy_core_finish(&core, idx, q.query_id, &allowed),
			 POLICY_OUTCOME_TIMEOUT);
	assert_false(allowed);
	assert_true(core.unresponsive);
	assert_int_equal(core.stats.timeouts, 1);
	assert_false(policy_core_fast_allow(&core, P5, SYS_SYSINFO));
	assert_int_equal(core.pending_used, 0);

	/* Next query: the short deadline; an answer restores the long one. */
	assert_int_equal(begin(P5, SYS_SYSINFO, 1000, &q2, &idx2),
			 POLICY_STEP_QUERY);
	assert_int_equal(core.pending[idx2].deadline, 1000 + POLICY_RETRY_TICKS);
	assert_int_equal(reply(SERVICE, q2.query_id, true, NULL), 1);
	assert_false(core.unresponsive);
	assert_int_equal(policy_core_finish(&core, idx2, q2.query_id, &allowed),
			 POLICY_OUTCOME_ANSWER);
	assert_int_equal(begin(P5, SYS_OBJ_GET, 2000, &q2, &idx2),
			 POLICY_STEP_QUERY);
	assert_int_equal(core.pending[idx2].deadline, 2000 + POLICY_TIMEOUT_TICKS);
}

/* POLICY_PENDING_MAX queries in flight; one more must wait. */
static void test_full_table(void **state)
{
	struct policy_query q[POLICY_PENDING_MAX + 1];
	unsigned idx[POLICY_PENDING_MAX + 1];
	bool allowed;

	(void)state;
	for (unsigned i = 0; i < POLICY_PENDING_MAX; i++) {
		assert_int_equal(begin(P5, (unsigned)(i % 20) + 13, 0, &q[i],
				       &idx[i]),
				 POLICY_STEP_QUERY);
		assert_int_equal(q[i].query_id, i + 1);
	}
	assert_int_equal(core.pending_used, POLICY_PENDING_MAX);
	assert_int_equal(begin(P5, SYS_WRITE, 0, &q[POLICY_PENDING_MAX],
			       &idx[POLICY_PENDING_MAX]),
			 POLICY_STEP_BUSY);
	assert_int_equal(reply(SERVICE, q[7].query_id, true, NULL), 1);
	assert_int_equal(policy_core_finish(&core, idx[7], q[7].query_id,
					    &allowed),
			 POLICY_OUTCOME_ANSWER);
	assert_int_equal(begin(P5, SYS_WRITE, 0, &q[POLICY_PENDING_MAX],
			       &idx[POLICY_PENDING_MAX]),
			 POLICY_STEP_QUERY);
	assert_int_equal(idx[POLICY_PENDING_MAX], idx[7]);
	/* Ids never repeat, even in a reused entry. */
	assert_int_equal(q[POLICY_PENDING_MAX].query_id, POLICY_PENDING_MAX + 1);
}

/* Only the task *ctx is alive. */
static bool only_alive(void *ctx, uint64_t task)
{
	return task == *(uint64_t *)ctx;
}

/* A waiter killed while blocked: the timer frees its entry. */
static void test_dead_waiter_reclaimed(void **state)
{
	struct policy_wake w[POLICY_PENDING_MAX];
	struct policy_query q1, q2;
	uint64_t live = 0x100000077ull;
	unsigned i1, i2;
	bool allowed;

	(void)state;
	assert_int_equal(begin(P5, SYS_SYSINFO, 0, &q1, &i1), POLICY_STEP_QUERY);
	assert_int_equal(policy_core_begin(&core, P5_NEXT, 1, live, 0, SERVICE,
					   SERVICE, &q2, &i2),
			 POLICY_STEP_QUERY);
	assert_int_equal(policy_core_tick(&core, 1, only_alive, &live, w,
					  POLICY_PENDING_MAX),
			 0);
	assert_int_equal(core.pending_used, 1);
	assert_true(policy_core_done(&core, i1, q1.query_id));
	assert_false(policy_core_done(&core, i2, q2.query_id));
	assert_int_equal(policy_core_finish(&core, i1, q1.query_id, &allowed),
			 POLICY_OUTCOME_TIMEOUT);
	assert_false(allowed);
	assert_int_equal(reply(SERVICE, q1.query_id, true, NULL), -ENOENT);
}

/* The service gone: misses are denied at once (fail closed), cached
 * decisions stand, a new owner of 22 may take over with HELLO. */
static void test_service_gone(void **state)
{
	struct policy_query q;
	unsigned idx;
	uint8_t b[POLICY_HELLO_SIZE];

	(void)state;
	assert_true(ask(P5, SYS_SYSINFO, true));
	/* A HELLO racing the caller's look-ups is no death. */
	assert_int_equal(policy_core_begin(&core, P5, SYS_OBJ_PUT, TASK, 0, 0,
					   UINT64_MAX, &q, &idx),
			 POLICY_STEP_QUERY);
	policy_core_cancel(&core, idx, q.query_id);
	assert_false(core.gone);
	assert_int_equal(policy_core_begin(&core, P5, SYS_OBJ_PUT, TASK, 0,
					   SERVICE, UINT64_MAX, &q, &idx),
			 POLICY_STEP_FALLBACK);
	assert_true(core.gone);
	assert_int_equal(core.stats.fallbacks, 1);
	assert_int_equal(begin(P5, SYS_OBJ_GET, 0, &q, &idx), POLICY_STEP_FALLBACK);
	assert_true(policy_core_fast_allow(&core, P5, SYS_SYSINFO));
	/* The dead service's pid gets no bypass. */
	assert_int_equal(begin(SERVICE, SYS_WRITE, 0, &q, &idx),
			 POLICY_STEP_FALLBACK);
	policy_invalidate_encode(b);
	assert_int_equal(policy_core_message(&core, SERVICE, UINT64_MAX, b,
					     POLICY_INVALIDATE_SIZE, NULL),
			 -EPERM);
	policy_hello_encode(b);
	assert_int_equal(policy_core_message(&core, OTHER, OTHER, b, sizeof(b),
					     NULL),
			 0);
	assert_int_equal(core.service, OTHER);
	assert_false(core.gone);
	assert_int_equal(begin(P5, SYS_OBJ_GET, 0, &q, &idx), POLICY_STEP_QUERY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_inactive_bypasses_everything, setup),
	    cmocka_unit_test_setup(test_hello_only_from_owner_of_22, setup),
	    cmocka_unit_test_setup(test_exempt_and_service_bypass, setup_active),
	    cmocka_unit_test_setup(test_answers_are_cached, setup_active),
	    cmocka_unit_test_setup(test_cache_keyed_by_full_pid, setup_active),
	    cmocka_unit_test_setup(test_invalidate_voids_cache, setup_active),
	    cmocka_unit_test_setup(test_answer_from_old_generation_not_cached,
				   setup_active),
	    cmocka_unit_test_setup(test_refused_messages, setup_active),
	    cmocka_unit_test_setup(test_protocol_order, setup),
	    cmocka_unit_test_setup(test_timeout, setup_active),
	    cmocka_unit_test_setup(test_full_table, setup_active),
	    cmocka_unit_test_setup(test_dead_waiter_reclaimed, setup_active),
	    cmocka_unit_test_setup(test_service_gone, setup_active),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
