/*
 * tests/unit/ipc_test.c - the IPC core (kernel/ipc/endpoint.c) on the
 * real scheduler and wait queues with the fake arch: queues (FIFO, full,
 * wrap-around), the from rule and identity stamping, the RecvMsg layout,
 * argument checks, sinks, ownership, reset and purge, wakes across CPUs,
 * the blocking loop with a played switch, races played step by step, and
 * random interleavings of receivers, senders and pollers on four CPUs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/fake_panic.h"
#include "tests/unit/sched_testlib.h"

#include "kernel/audit/audit.h"
#include "kernel/core/lockrank.h"
#include "kernel/ipc/ipc.h"
#include "kernel/ipc/ipc_internal.h"

/* ---- a recording audit_emit ---------------------------------------------- */

struct audit_rec {
	enum audit_kind kind;
	uint64_t subject, object, arg[4];
};

#define AUDIT_LOG_MAX 64

static struct audit_rec audit_log[AUDIT_LOG_MAX]; /* first records */
static unsigned audit_n;			  /* all calls */

void audit_emit(enum audit_kind kind, uint64_t subject, uint64_t object,
		uint64_t arg0, uint64_t arg1, uint64_t arg2, uint64_t arg3)
{
	if (audit_n < AUDIT_LOG_MAX) {
		struct audit_rec r = {
		    kind, subject, object, {arg0, arg1, arg2, arg3}};

		audit_log[audit_n] = r;
	}
	audit_n++;
}

/* ---- helpers ------------------------------------------------------------- */

static int setup(void **state)
{
	audit_n = 0;
	ipc_init();
	return machine_setup(state);
}

/* Every endpoint's and every run queue's invariants hold. */
static void check_ipc(void)
{
	for (unsigned ep = 0; ep < IPC_MAX_ENDPOINTS; ep++) {
		const char *why = NULL;

		if (!ipc_check(ep, &why))
			fail_msg("endpoint %u: %s", ep, why);
		if (!waitq_check(&ipc_endpoint_get(ep)->receivers, &why))
			fail_msg("endpoint %u receivers: %s", ep, why);
	}
	check_all();
}

#define NO_REPLY IPC_NO_REPLY_EP

/* A sender in slot with generation 3, reply endpoint reply (NO_REPLY:
 * none), Principal filled with byte key (0 = anonymous). */
static struct ipc_sender sender(uint32_t slot, uint32_t reply, uint8_t key)
{
	struct ipc_sender s;

	s.pid = ipc_id_make(slot, 3);
	s.reply_ep = reply;
	memset(s.principal, key, sizeof(s.principal));
	return s;
}

/* Send len bytes of value fill; assert the result. */
static void send_fill(unsigned ep, const struct ipc_sender *who, uint8_t fill,
		      size_t len, int expect)
{
	uint8_t buf[IPC_MSG_SIZE];

	memset(buf, fill, sizeof(buf));
	assert_int_equal(ipc_send(ep, who, buf, len), expect);
}

/* Receive from ep without blocking; the message must be there. */
static struct ipc_msg recv_ok(unsigned ep)
{
	struct ipc_msg m;

	memset(&m, 0xEE, sizeof(m));
	assert_int_equal(ipc_try_recv(ep, 77, &m), 0);
	return m;
}

static bool all_bytes(const uint8_t *p, uint8_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* ---- queues -------------------------------------------------------------- */

/* After ipc_init every endpoint is empty, unowned, sinkless, zeroed. */
static void test_init_state(void **state)
{
	struct ipc_stats s;
	struct ipc_msg m;

	(void)state;
	for (unsigned ep = 0; ep < IPC_MAX_ENDPOINTS; ep++) {
		assert_int_equal(ipc_pending(ep), 0);
		assert_int_equal(ipc_try_recv(ep, 1, &m), -EWOULDBLOCK);
		assert_false(ipc_endpoint_owner(ep, NULL));
		assert_int_equal(ipc_endpoint_stats(ep, &s), 0);
		assert_int_equal(s.sent + s.received + s.full + s.dropped, 0);
		assert_int_equal(ipc_endpoint_epoch(ep), 0);
	}
	ipc_stats_total(&s);
	assert_int_equal(s.sent + s.depth + s.peak, 0);
	check_ipc();
}

/* A message arrives with every field the kernel stamps. */
static void test_send_recv_fields(void **state)
{
	struct ipc_sender who = sender(9, 18, 0xA5);
	uint8_t payload[5] = {1, 2, 3, 4, 5};
	struct ipc_msg m;

	(void)state;
	assert_int_equal(ipc_send(IPC_EP_FS, &who, payload, 5), 0);
	assert_int_equal(ipc_pending(IPC_EP_FS), 1);
	m = recv_ok(IPC_EP_FS);
	assert_int_equal(m.sender_pid, ipc_id_make(9, 3));
	assert_int_equal(m.to, IPC_EP_FS);
	assert_int_equal(m.from, 18);
	assert_int_equal(m.len, 5);
	assert_int_equal(m.flags, 0);
	assert_int_equal(m.seq, 1);
	assert_memory_equal(m.payload, payload, 5);
	/* Nothing past len is written: the caller's bytes (0xEE) remain. */
	assert_true(all_bytes(m.payload + 5, 0xEE, IPC_MSG_SIZE - 5));
	assert_true(all_bytes(m.sender, 0xA5, PRINCIPAL_SIZE));
	assert_int_equal(ipc_pending(IPC_EP_FS), 0);
	check_ipc();
}

/* Messages leave in the order they came, with rising sequence numbers. */
static void test_fifo_order(void **state)
{
	struct ipc_sender who = sender(4, NO_REPLY, 1);

	(void)state;
	for (unsigned i = 0; i < IPC_QUEUE_DEPTH; i++)
		send_fill(3, &who, (uint8_t)i, i + 1, 0);
	check_ipc();
	for (unsigned i = 0; i < IPC_QUEUE_DEPTH; i++) {
		struct ipc_msg m = recv_ok(3);

		assert_int_equal(m.len, i + 1);
		assert_int_equal(m.payload[0], i);
		assert_int_equal(m.seq, i + 1);
	}
	assert_int_equal(ipc_pending(3), 0);
}

/*
 * The 17th message is refused with -EWOULDBLOCK (not the original's
 * PermissionDenied), nothing changes, and one receive makes room.
 */
static void test_full_queue(void **state)
{
	struct ipc_sender who = sender(4, NO_REPLY, 1);
	struct ipc_stats s;

	(void)state;
	for (unsigned i = 0; i < IPC_QUEUE_DEPTH; i++)
		send_fill(7, &who, (uint8_t)i, 8, 0);
	send_fill(7, &who, 0xFF, 8, -EWOULDBLOCK);
	assert_int_equal(ipc_send_kernel(7, 23, "x", 1), -EWOULDBLOCK);
	assert_int_equal(ipc_pending(7), IPC_QUEUE_DEPTH);
	assert_int_equal(ipc_endpoint_stats(7, &s), 0);
	assert_int_equal(s.sent, IPC_QUEUE_DEPTH);
	assert_int_equal(s.full, 2);
	assert_int_equal(s.peak, IPC_QUEUE_DEPTH);
	assert_int_equal(s.depth, IPC_QUEUE_DEPTH);
	check_ipc();
	assert_int_equal(recv_ok(7).payload[0], 0);
	send_fill(7, &who, 0x40, 8, 0);
	for (unsigned i = 1; i < IPC_QUEUE_DEPTH; i++)
		assert_int_equal(recv_ok(7).payload[0], i);
	assert_int_equal(recv_ok(7).payload[0], 0x40); /* the late one last */
	check_ipc();
}

/* The ring wraps many times with batches of every size; FIFO holds. */
static void test_wrap_around(void **state)
{
	struct ipc_sender who = sender(5, NO_REPLY, 2);
	uint32_t next_out = 0, next_in = 0;

	(void)state;
	for (unsigned round = 0; round < 200; round++) {
		unsigned k = 1 + (round * 7) % IPC_QUEUE_DEPTH;
		unsigned room = IPC_QUEUE_DEPTH - ipc_pending(9);

		for (unsigned i = 0; i < k && i < room; i++) {
			uint8_t b[4];

			memcpy(b, &next_in, 4);
			assert_int_equal(ipc_send(9, &who, b, 4), 0);
			next_in++;
		}
		for (unsigned i = 0; i < (k + 1) / 2; i++) {
			struct ipc_msg m;
			uint32_t v;

			if (ipc_try_recv(9, 1, &m) == -EWOULDBLOCK)
				break;
			memcpy(&v, m.payload, 4);
			assert_int_equal(v, next_out);
			next_out++;
		}
		check_ipc();
	}
	while (ipc_pending(9)) {
		uint32_t v;
		struct ipc_msg m = recv_ok(9);

		memcpy(&v, m.payload, 4);
		assert_int_equal(v, next_out++);
	}
	assert_int_equal(next_out, next_in);
	assert_true(next_in > 5 * IPC_QUEUE_DEPTH);
}

/* An empty queue answers -EWOULDBLOCK and leaves *out's caller alone. */
static void test_try_recv_empty(void **state)
{
	struct ipc_msg m;
	struct ipc_stats s;

	(void)state;
	assert_int_equal(ipc_try_recv(0, 1, &m), -EWOULDBLOCK);
	assert_int_equal(ipc_try_recv(31, 1, &m), -EWOULDBLOCK);
	assert_int_equal(ipc_endpoint_stats(0, &s), 0);
	assert_int_equal(s.received, 0);
	assert_int_equal(audit_n, 0); /* nothing received, nothing audited */
}

/* Zero-length and full-length payloads are legal. */
static void test_boundary_lengths(void **state)
{
	struct ipc_sender who = sender(6, NO_REPLY, 3);
	struct ipc_msg m;

	(void)state;
	assert_int_equal(ipc_send(2, &who, NULL, 0), 0);
	send_fill(2, &who, 0x5A, IPC_MSG_SIZE, 0);
	m = recv_ok(2);
	assert_int_equal(m.len, 0);
	assert_true(all_bytes(m.payload, 0xEE, IPC_MSG_SIZE));
	m = recv_ok(2);
	assert_int_equal(m.len, IPC_MSG_SIZE);
	assert_true(all_bytes(m.payload, 0x5A, IPC_MSG_SIZE));
}

/* A short message in a slot a long one used shows none of the old bytes:
 * a receive copies the header and len payload bytes, nothing more. */
static void test_slot_reuse_no_stale_bytes(void **state)
{
	struct ipc_sender who = sender(6, NO_REPLY, 3);
	struct ipc_msg m;

	(void)state;
	for (unsigned i = 0; i < IPC_QUEUE_DEPTH; i++) {
		send_fill(4, &who, 0xCC, IPC_MSG_SIZE, 0);
		(void)recv_ok(4);
	}
	send_fill(4, &who, 0x11, 3, 0); /* lands on a used slot */
	m = recv_ok(4);
	assert_true(all_bytes(m.payload, 0x11, 3));
	/* None of the old 0xCC bytes reach the receiver's buffer. */
	assert_true(all_bytes(m.payload + 3, 0xEE, IPC_MSG_SIZE - 3));
}

/* ---- sends and receives through callbacks (user copies) ------------------ */

/* A payload source that copies from ctx, or fails with -EINVAL when NULL. */
static int fill_or_fail(void *ctx, uint8_t *dst, size_t len)
{
	if (!ctx)
		return -EINVAL;
	memcpy(dst, ctx, len);
	return 0;
}

/* A consumer that records the message, or refuses it when *fail is set. */
struct take_rec {
	bool fail;
	unsigned calls;
	struct ipc_msg m;
};

static int take_or_fail(void *ctx, const struct ipc_msg *m)
{
	struct take_rec *t = ctx;

	t->calls++;
	if (t->fail)
		return -EINVAL;
	memcpy(&t->m, m, offsetof(struct ipc_msg, payload) + m->len);
	return 0;
}

/* A failing payload source queues nothing and uses no sequence number. */
static void test_send_from_failure_queues_nothing(void **state)
{
	struct ipc_sender who = sender(6, NO_REPLY, 3);
	uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct ipc_msg m;

	(void)state;
	assert_int_equal(ipc_send_from(7, &who, 8, fill_or_fail, NULL), -EINVAL);
	assert_int_equal(ipc_pending(7), 0);
	assert_int_equal(ipc_send_from(7, &who, 8, NULL, data), -EINVAL);
	assert_int_equal(ipc_send_from(7, &who, 8, fill_or_fail, data), 0);
	m = recv_ok(7);
	assert_int_equal(m.len, 8);
	assert_int_equal(m.seq, 1); /* the failed send took no number */
	assert_memory_equal(m.payload, data, 8);
	assert_true(all_bytes(m.sender, 3, PRINCIPAL_SIZE));
	check_ipc();
}

/* A consumer that fails leaves the message first in the queue. */
static void test_take_failure_keeps_message(void **state)
{
	struct ipc_sender who = sender(6, NO_REPLY, 3);
	struct take_rec t = {.fail = true};

	(void)state;
	send_fill(8, &who, 0x41, 10, 0);
	send_fill(8, &who, 0x42, 20, 0);
	assert_int_equal(ipc_try_recv_into(8, 77, take_or_fail, &t), -EINVAL);
	assert_int_equal(ipc_pending(8), 2);
	t.fail = false;
	assert_int_equal(ipc_try_recv_into(8, 77, take_or_fail, &t), 0);
	assert_int_equal(t.m.len, 10);
	assert_true(all_bytes(t.m.payload, 0x41, 10));
	assert_int_equal(ipc_try_recv_into(8, 77, take_or_fail, &t), 0);
	assert_int_equal(t.m.len, 20);
	assert_int_equal(ipc_try_recv_into(8, 77, take_or_fail, &t),
			 -EWOULDBLOCK);
	assert_int_equal(ipc_try_recv_into(8, 77, NULL, &t), -EINVAL);
	assert_int_equal(ipc_try_recv_into(IPC_MAX_ENDPOINTS, 77, take_or_fail,
					   &t),
			 -EINVAL);
	check_ipc();
}

/* ---- argument checks ----------------------------------------------------- */

/* Bad endpoints, lengths, pointers and reply endpoints: -EINVAL, no trace. */
static void test_send_invalid_arguments(void **state)
{
	struct ipc_sender who = sender(6, NO_REPLY, 3);
	struct ipc_sender bad_reply = sender(6, IPC_MAX_ENDPOINTS, 3);
	struct ipc_sender bad_reply2 = sender(6, IPC_NO_REPLY_EP - 1, 3);
	uint8_t buf[IPC_MSG_SIZE + 1] = {0};
	struct ipc_stats s;

	(void)state;
	assert_int_equal(ipc_send(IPC_MAX_ENDPOINTS, &who, buf, 1), -EINVAL);
	assert_int_equal(ipc_send(0xFFFFFFFFu, &who, buf, 1), -EINVAL);
	assert_int_equal(ipc_send(1, &who, buf, IPC_MSG_SIZE + 1), -EINVAL);
	assert_int_equal(ipc_send(1, &who, buf, (size_t)-1), -EINVAL);
	assert_int_equal(ipc_send(1, NULL, buf, 1), -EINVAL);
	assert_int_equal(ipc_send(1, &who, NULL, 1), -EINVAL);
	assert_int_equal(ipc_send(1, &bad_reply, buf, 1), -EINVAL);
	assert_int_equal(ipc_send(1, &bad_reply2, buf, 1), -EINVAL);
	assert_int_equal(ipc_send_kernel(IPC_MAX_ENDPOINTS, 23, buf, 1),
			 -EINVAL);
	assert_int_equal(ipc_send_kernel(1, 23, buf, IPC_MSG_SIZE + 1),
			 -EINVAL);
	assert_int_equal(ipc_send_kernel(1, 23, NULL, 4), -EINVAL);
	ipc_stats_total(&s);
	assert_int_equal(s.sent + s.full + s.depth, 0);
	assert_int_equal(audit_n, 0);
	check_ipc();
}

/* Receives and queries on endpoints that do not exist. */
static void test_recv_invalid_arguments(void **state)
{
	struct ipc_msg m;
	struct ipc_stats s;

	(void)state;
	assert_int_equal(ipc_try_recv(IPC_MAX_ENDPOINTS, 1, &m), -EINVAL);
	assert_int_equal(ipc_try_recv(1, 1, NULL), -EINVAL);
	assert_int_equal(ipc_recv_step(IPC_MAX_ENDPOINTS, 1, 0, &m), -EINVAL);
	assert_int_equal(ipc_recv_wait(1, 1, 0, &m, NULL, NULL), -EINVAL);
	assert_int_equal(ipc_wait_prepare(IPC_MAX_ENDPOINTS), -EINVAL);
	assert_false(ipc_wait_finish(IPC_MAX_ENDPOINTS, true));
	assert_int_equal(ipc_endpoint_epoch(IPC_MAX_ENDPOINTS), 0);
	assert_int_equal(ipc_pending(IPC_MAX_ENDPOINTS), 0);
	assert_int_equal(ipc_endpoint_stats(IPC_MAX_ENDPOINTS, &s), -EINVAL);
	assert_int_equal(ipc_endpoint_stats(0, NULL), -EINVAL);
	assert_int_equal(ipc_endpoint_claim(IPC_MAX_ENDPOINTS, 5), -EINVAL);
	assert_false(ipc_endpoint_owner(IPC_MAX_ENDPOINTS, NULL));
	assert_int_equal(ipc_endpoint_reset(IPC_MAX_ENDPOINTS), -EINVAL);
	assert_int_equal(ipc_interrupt_receivers(IPC_MAX_ENDPOINTS), -EINVAL);
	assert_int_equal(ipc_set_sink(IPC_MAX_ENDPOINTS, NULL, NULL), -EINVAL);
	assert_false(ipc_check(IPC_MAX_ENDPOINTS, NULL));
	assert_null(ipc_endpoint_get(IPC_MAX_ENDPOINTS));
}

/* ---- the from rule and stamping ------------------------------------------ */

/* With a registered reply endpoint, from is that endpoint. */
static void test_from_is_reply_endpoint(void **state)
{
	struct ipc_sender who = sender(8, IPC_EP_SHELL, 1);

	(void)state;
	send_fill(IPC_EP_FS, &who, 1, 1, 0);
	assert_int_equal(recv_ok(IPC_EP_FS).from, IPC_EP_SHELL);
}

/* Endpoint 0 is a reply endpoint like any other (not "none"). */
static void test_reply_endpoint_zero(void **state)
{
	struct ipc_sender who = sender(8, 0, 1);

	(void)state;
	send_fill(IPC_EP_FS, &who, 1, 1, 0);
	assert_int_equal(recv_ok(IPC_EP_FS).from, 0);
}

/* Without one, from is the process slot (the generation is not part). */
static void test_from_is_slot_without_reply(void **state)
{
	struct ipc_sender who = sender(200, NO_REPLY, 1);

	(void)state;
	who.pid = ipc_id_make(200, 0xDEADu);
	send_fill(IPC_EP_KEYSTORE, &who, 1, 1, 0);
	assert_int_equal(recv_ok(IPC_EP_KEYSTORE).from, 200);
}

/* Writes to 25 carry the slot even with a reply endpoint (ipc.md §3). */
static void test_from_on_blk_kreply_is_slot(void **state)
{
	struct ipc_sender who = sender(6, IPC_EP_BLK, 1);

	(void)state;
	send_fill(IPC_EP_BLK_KREPLY, &who, 1, 1, 0);
	assert_int_equal(recv_ok(IPC_EP_BLK_KREPLY).from, 6);
	send_fill(IPC_EP_BLK, &who, 1, 1, 0);
	assert_int_equal(recv_ok(IPC_EP_BLK).from, IPC_EP_BLK);
}

/* The on_send self-send rule: from == ep and slot == ep is refused. */
static void test_self_send_refused(void **state)
{
	struct ipc_sender slot_only = sender(12, NO_REPLY, 1);
	struct ipc_sender own_reply = sender(12, 12, 1);
	struct ipc_sender other_reply = sender(12, 13, 1);
	struct ipc_sender other_slot = sender(5, 12, 1);

	(void)state;
	send_fill(12, &slot_only, 1, 1, -EPERM);
	send_fill(12, &own_reply, 1, 1, -EPERM);
	assert_int_equal(ipc_pending(12), 0);
	send_fill(12, &other_reply, 1, 1, 0); /* from 13 */
	send_fill(12, &other_slot, 1, 1, 0);  /* slot 5 */
	assert_int_equal(ipc_pending(12), 2);
}

/*
 * The receiver sees the Principal the kernel stamped, never bytes the
 * caller put in the payload, whatever the payload holds.
 */
static void test_principal_is_stamped(void **state)
{
	struct ipc_sender who = sender(7, NO_REPLY, 0x42);
	uint8_t forged[IPC_MSG_SIZE], buf[IPC_RECV_BUF_SIZE];
	struct ipc_msg m;
	size_t n = 0;

	(void)state;
	/* A payload shaped like a RecvMsg header naming someone else. */
	memset(forged, 0x99, sizeof(forged));
	memset(forged + PRINCIPAL_SIZE, 0x01, 4);
	assert_int_equal(ipc_send(IPC_EP_FS, &who, forged, sizeof(forged)), 0);
	m = recv_ok(IPC_EP_FS);
	assert_true(all_bytes(m.sender, 0x42, PRINCIPAL_SIZE));
	assert_int_equal(ipc_format_recv(&m, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, IPC_RECV_BUF_SIZE);
	assert_true(all_bytes(buf, 0x42, PRINCIPAL_SIZE));
	assert_int_equal(le32_at(buf + PRINCIPAL_SIZE), 7);
	assert_memory_equal(buf + IPC_RECV_HDR_SIZE, forged, IPC_MSG_SIZE);

	/* The sender's record changing after the send changes nothing. */
	send_fill(IPC_EP_FS, &who, 0, 1, 0);
	memset(who.principal, 0x43, PRINCIPAL_SIZE);
	assert_true(all_bytes(recv_ok(IPC_EP_FS).sender, 0x42, PRINCIPAL_SIZE));
}

/* An unbound sender is anonymous: 32 zero bytes. */
static void test_anonymous_user_sender(void **state)
{
	struct ipc_sender who = sender(7, NO_REPLY, 0);
	struct ipc_msg m;

	(void)state;
	send_fill(1, &who, 3, 3, 0);
	m = recv_ok(1);
	assert_true(all_bytes(m.sender, 0, PRINCIPAL_SIZE));
	assert_int_equal(m.flags, 0);
}

/* Kernel messages: anonymous, pid 0, flagged, from as the kernel says. */
static void test_kernel_messages(void **state)
{
	struct ipc_policy_query q = {.query_id = 1, .caller_slot = 9};
	struct ipc_msg m;

	(void)state;
	assert_int_equal(ipc_send_kernel(IPC_EP_POLICY_QUERY,
					 IPC_EP_POLICY_REPLY, &q, sizeof(q)),
			 0);
	assert_int_equal(
	    ipc_send_kernel(IPC_EP_BLK_KCMD, IPC_EP_BLK_KREPLY, "rd", 2), 0);
	m = recv_ok(IPC_EP_POLICY_QUERY);
	assert_int_equal(m.from, IPC_EP_POLICY_REPLY);
	assert_int_equal(m.sender_pid, IPC_PID_KERNEL);
	assert_int_equal(m.flags, IPC_MSG_KERNEL);
	assert_int_equal(m.len, sizeof(q));
	assert_true(all_bytes(m.sender, 0, PRINCIPAL_SIZE));
	assert_memory_equal(m.payload, &q, sizeof(q));
	m = recv_ok(IPC_EP_BLK_KCMD);
	assert_int_equal(m.from, IPC_EP_BLK_KREPLY);
	assert_int_equal(m.to, IPC_EP_BLK_KCMD);
}

/* ---- the RecvMsg layout (syscalls.md 7.1) -------------------------------- */

/* A full buffer: Principal, little-endian from, whole payload, 36 + len. */
static void test_format_full_buffer(void **state)
{
	struct ipc_sender who = sender(0x01020304u, NO_REPLY, 0x77);
	uint8_t buf[IPC_RECV_BUF_SIZE + 8];
	struct ipc_msg m;
	size_t n = 0;

	(void)state;
	send_fill(IPC_EP_FS, &who, 0x3C, 100, 0);
	m = recv_ok(IPC_EP_FS);
	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(ipc_format_recv(&m, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, IPC_RECV_HDR_SIZE + 100);
	assert_true(all_bytes(buf, 0x77, PRINCIPAL_SIZE));
	assert_int_equal(buf[32], 0x04);
	assert_int_equal(buf[33], 0x03);
	assert_int_equal(buf[34], 0x02);
	assert_int_equal(buf[35], 0x01);
	assert_true(all_bytes(buf + IPC_RECV_HDR_SIZE, 0x3C, 100));
	/* Nothing past the reported length is touched. */
	assert_true(all_bytes(buf + n, 0xEE, sizeof(buf) - n));
}

/* A short buffer truncates the payload to buf_len - 36. */
static void test_format_truncates(void **state)
{
	struct ipc_sender who = sender(3, 20, 0x10);
	uint8_t buf[64];
	struct ipc_msg m;
	size_t n = 0;

	(void)state;
	send_fill(IPC_EP_NET, &who, 0x61, IPC_MSG_SIZE, 0);
	m = recv_ok(IPC_EP_NET);
	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(ipc_format_recv(&m, buf, 40, &n), 0);
	assert_int_equal(n, 40);
	assert_int_equal(le32_at(buf + 32), 20);
	assert_true(all_bytes(buf + 36, 0x61, 4));
	assert_true(all_bytes(buf + 40, 0xEE, sizeof(buf) - 40));
	/* 36 exactly: the header alone. */
	assert_int_equal(ipc_format_recv(&m, buf, IPC_RECV_HDR_SIZE, &n), 0);
	assert_int_equal(n, IPC_RECV_HDR_SIZE);
	/* 291: one byte short of the whole message. */
	{
		uint8_t big[IPC_RECV_BUF_SIZE];

		assert_int_equal(
		    ipc_format_recv(&m, big, IPC_RECV_BUF_SIZE - 1, &n), 0);
		assert_int_equal(n, IPC_RECV_BUF_SIZE - 1);
	}
}

/* Buffers below 36 bytes and NULL arguments: -EINVAL, nothing written. */
static void test_format_small_and_null(void **state)
{
	struct ipc_msg m;
	uint8_t buf[IPC_RECV_HDR_SIZE];
	size_t n = 99;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.len = 4;
	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(ipc_format_recv(&m, buf, IPC_RECV_HDR_SIZE - 1, &n),
			 -EINVAL);
	assert_int_equal(n, 0);
	assert_true(all_bytes(buf, 0xEE, sizeof(buf)));
	assert_int_equal(ipc_format_recv(&m, buf, 0, &n), -EINVAL);
	assert_int_equal(ipc_format_recv(NULL, buf, sizeof(buf), &n), -EINVAL);
	assert_int_equal(ipc_format_recv(&m, NULL, sizeof(buf), &n), -EINVAL);
	assert_int_equal(ipc_format_recv(&m, buf, sizeof(buf), NULL), -EINVAL);
	assert_true(all_bytes(buf, 0xEE, sizeof(buf)));
}

/* An unaligned buffer works, and a corrupt len never overreads. */
static void test_format_unaligned_and_clamped(void **state)
{
	struct ipc_sender who = sender(1, 17, 0x22);
	uint8_t raw[IPC_RECV_BUF_SIZE + 1];
	struct ipc_msg m;
	size_t n = 0;

	(void)state;
	send_fill(1, &who, 0x33, 10, 0);
	m = recv_ok(1);
	assert_int_equal(ipc_format_recv(&m, raw + 1, IPC_RECV_BUF_SIZE, &n),
			 0);
	assert_int_equal(n, 46);
	assert_int_equal(le32_at(raw + 1 + 32), 17);
	m.len = 0xFFFF; /* cannot happen; must still stay inside payload */
	assert_int_equal(ipc_format_recv(&m, raw, sizeof(raw), &n), 0);
	assert_int_equal(n, IPC_RECV_BUF_SIZE);
}

/* Read copies min(len, max) payload bytes and drops the rest. */
static void test_copy_payload(void **state)
{
	struct ipc_msg m;
	uint8_t buf[IPC_MSG_SIZE];

	(void)state;
	memset(&m, 0, sizeof(m));
	m.len = 10;
	memset(m.payload, 0x44, 10);
	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(ipc_copy_payload(&m, buf, 4), 4);
	assert_true(all_bytes(buf, 0x44, 4));
	assert_true(all_bytes(buf + 4, 0xEE, sizeof(buf) - 4));
	assert_int_equal(ipc_copy_payload(&m, buf, IPC_MSG_SIZE), 10);
	assert_int_equal(ipc_copy_payload(&m, NULL, 0), 0);
	m.len = 0;
	assert_int_equal(ipc_copy_payload(&m, buf, IPC_MSG_SIZE), 0);
}

/* ---- audit and statistics ------------------------------------------------ */

/* Every send and receive is reported with the kernel.md §3 fields. */
static void test_audit_every_send_and_recv(void **state)
{
	struct ipc_sender who = sender(9, 18, 1);

	(void)state;
	send_fill(IPC_EP_FS, &who, 1, 12, 0);
	assert_int_equal(audit_n, 1);
	assert_int_equal(audit_log[0].kind, AUDIT_IPC_SEND);
	assert_int_equal(audit_log[0].subject, who.pid);
	assert_int_equal(audit_log[0].object, IPC_EP_FS);
	assert_int_equal(audit_log[0].arg[0], 12);
	assert_int_equal(audit_log[0].arg[1], 18);
	(void)recv_ok(IPC_EP_FS);
	assert_int_equal(audit_n, 2);
	assert_int_equal(audit_log[1].kind, AUDIT_IPC_RECV);
	assert_int_equal(audit_log[1].subject, 77); /* recv_ok's receiver */
	assert_int_equal(audit_log[1].object, IPC_EP_FS);
	assert_int_equal(audit_log[1].arg[0], 12);
	assert_int_equal(audit_log[1].arg[1], who.pid);
	assert_int_equal(ipc_send_kernel(IPC_EP_POLICY_QUERY, 23, "q", 1), 0);
	assert_int_equal(audit_log[2].subject, 0); /* kernel */
	/* Refused sends are not reported as sends. */
	send_fill(IPC_MAX_ENDPOINTS, &who, 1, 1, -EINVAL);
	assert_int_equal(audit_n, 3);
}

/* Counters per endpoint and in total. */
static void test_statistics(void **state)
{
	struct ipc_sender who = sender(9, NO_REPLY, 1);
	struct ipc_stats s;

	(void)state;
	for (int i = 0; i < 5; i++)
		send_fill(1, &who, 1, 1, 0);
	for (int i = 0; i < 3; i++)
		send_fill(2, &who, 1, 1, 0);
	(void)recv_ok(1);
	(void)recv_ok(1);
	assert_int_equal(ipc_endpoint_stats(1, &s), 0);
	assert_int_equal(s.sent, 5);
	assert_int_equal(s.received, 2);
	assert_int_equal(s.depth, 3);
	assert_int_equal(s.peak, 5);
	ipc_stats_total(&s);
	assert_int_equal(s.sent, 8);
	assert_int_equal(s.received, 2);
	assert_int_equal(s.depth, 6);
	assert_int_equal(s.peak, 5);
}

/* ---- sinks, ownership, reset, purge -------------------------------------- */

static struct ipc_msg sunk_msg;
static unsigned sunk_calls;

static int policy_sink(void *ctx, const struct ipc_msg *msg)
{
	sunk_msg = *msg;
	sunk_calls++;
	return *(int *)ctx;
}

/*
 * A sink consumes sends (endpoint 23: "never queued"), sees the stamped
 * identity, and its verdict is the send's result.
 */
static void test_sink_consumes(void **state)
{
	struct ipc_sender who = sender(3, NO_REPLY, 0x50);
	int verdict = -EPERM;
	struct ipc_stats s;

	(void)state;
	sunk_calls = 0;
	assert_int_equal(
	    ipc_set_sink(IPC_EP_POLICY_REPLY, policy_sink, &verdict), 0);
	assert_int_equal(ipc_set_sink(IPC_EP_POLICY_REPLY, policy_sink, NULL),
			 -EBUSY);
	send_fill(IPC_EP_POLICY_REPLY, &who, 0x09, 9, -EPERM);
	assert_int_equal(sunk_calls, 1);
	assert_int_equal(sunk_msg.sender_pid, who.pid);
	assert_true(all_bytes(sunk_msg.sender, 0x50, PRINCIPAL_SIZE));
	assert_int_equal(sunk_msg.len, 9);
	assert_int_equal(sunk_msg.to, IPC_EP_POLICY_REPLY);
	verdict = 0;
	send_fill(IPC_EP_POLICY_REPLY, &who, 0x09, 9, 0);
	assert_int_equal(ipc_pending(IPC_EP_POLICY_REPLY), 0);
	assert_int_equal(ipc_endpoint_stats(IPC_EP_POLICY_REPLY, &s), 0);
	assert_int_equal(s.sunk, 2);
	assert_int_equal(s.sent, 0);
	/* Bad lengths are refused before the sink sees them. */
	send_fill(IPC_EP_POLICY_REPLY, &who, 0, IPC_MSG_SIZE + 1, -EINVAL);
	assert_int_equal(sunk_calls, 2);
	/* Removed: the endpoint queues again. */
	assert_int_equal(ipc_set_sink(IPC_EP_POLICY_REPLY, NULL, NULL), 0);
	send_fill(IPC_EP_POLICY_REPLY, &who, 0x09, 9, 0);
	assert_int_equal(ipc_pending(IPC_EP_POLICY_REPLY), 1);
	assert_int_equal(sunk_calls, 2);
}

/* The first claim owns; the owner may re-claim; others get -EBUSY. */
static void test_claim_and_owner(void **state)
{
	uint64_t a = ipc_id_make(4, 1), b = ipc_id_make(5, 1), who = 0;

	(void)state;
	assert_int_equal(ipc_endpoint_claim(16, a), 0);
	assert_int_equal(ipc_endpoint_claim(16, a), 0);
	assert_int_equal(ipc_endpoint_claim(16, b), -EBUSY);
	assert_true(ipc_endpoint_owner(16, &who));
	assert_int_equal(who, a);
	/* A stale incarnation of a's slot is another process. */
	assert_int_equal(ipc_endpoint_claim(16, ipc_id_make(4, 2)), -EBUSY);
	assert_false(ipc_endpoint_owner(17, &who));
}

/* Reset drops the queue, forgets the owner, bumps the epoch. */
static void test_reset_drops_queue(void **state)
{
	struct ipc_sender who = sender(9, NO_REPLY, 1);
	struct ipc_stats s;
	uint32_t epoch = ipc_endpoint_epoch(16);

	(void)state;
	assert_int_equal(ipc_endpoint_claim(16, who.pid), 0);
	for (int i = 0; i < 5; i++)
		send_fill(16, &who, (uint8_t)i, 1, 0);
	assert_int_equal(ipc_endpoint_reset(16), 5);
	assert_int_equal(ipc_pending(16), 0);
	assert_false(ipc_endpoint_owner(16, NULL));
	assert_int_equal(ipc_endpoint_epoch(16), epoch + 1);
	assert_int_equal(ipc_endpoint_stats(16, &s), 0);
	assert_int_equal(s.dropped, 5);
	assert_int_equal(s.sent, 5);
	assert_int_equal(s.depth, 0);
	check_ipc();
	/* The endpoint works on; sequence numbers keep rising. */
	send_fill(16, &who, 0x7, 1, 0);
	assert_int_equal(recv_ok(16).seq, 6);
	assert_int_equal(ipc_endpoint_reset(16), 0);
}

/*
 * Exit resets exactly the endpoints the process owns; its messages on
 * other endpoints are still delivered (non-retroactive, ipc.md §8).
 */
static void test_process_exit(void **state)
{
	struct ipc_sender a = sender(4, 16, 1), b = sender(5, 18, 2);

	(void)state;
	assert_int_equal(ipc_endpoint_claim(16, a.pid), 0);
	assert_int_equal(ipc_endpoint_claim(17, a.pid), 0);
	assert_int_equal(ipc_endpoint_claim(18, b.pid), 0);
	send_fill(16, &b, 1, 1, 0);
	send_fill(17, &b, 1, 1, 0);
	send_fill(18, &a, 0xAA, 1, 0);
	assert_int_equal(ipc_process_exit(a.pid), 2);
	assert_int_equal(ipc_pending(16), 0);
	assert_int_equal(ipc_pending(17), 0);
	assert_int_equal(ipc_pending(18), 1);
	assert_true(ipc_endpoint_owner(18, NULL));
	assert_false(ipc_endpoint_owner(16, NULL));
	assert_int_equal(recv_ok(18).payload[0], 0xAA);
	/* A new process may take the endpoints over. */
	assert_int_equal(ipc_endpoint_claim(16, b.pid), 0);
	assert_int_equal(ipc_process_exit(a.pid), 0);
	check_ipc();
}

/* The released masks of the capability manager reset exactly their bits. */
static void test_reset_endpoints_mask(void **state)
{
	struct ipc_sender who = sender(9, NO_REPLY, 1);

	(void)state;
	for (unsigned ep = 0; ep < IPC_MAX_ENDPOINTS; ep++)
		if (ep != 9)
			send_fill(ep, &who, 1, 1, 0);
	send_fill(31, &who, 1, 1, 0);
	assert_int_equal(ipc_reset_endpoints(1u << 3 | 1u << 31), 3);
	for (unsigned ep = 0; ep < IPC_MAX_ENDPOINTS; ep++)
		assert_int_equal(ipc_pending(ep),
				 ep == 3 || ep == 31 || ep == 9 ? 0 : 1);
	assert_int_equal(ipc_endpoint_epoch(31), 1);
	assert_int_equal(ipc_endpoint_epoch(30), 0);
	assert_int_equal(ipc_reset_endpoints(0), 0);
	check_ipc();
}

/* Purge drops one sender's messages everywhere and keeps the rest in order,
 * across the ring's wrap. */
static void test_purge_sender(void **state)
{
	struct ipc_sender a = sender(4, NO_REPLY, 1),
			  b = sender(5, NO_REPLY, 2);
	struct ipc_stats s;

	(void)state;
	/* Move head to 10 so the queue wraps. */
	for (int i = 0; i < 10; i++) {
		send_fill(3, &b, 0, 1, 0);
		(void)recv_ok(3);
	}
	for (unsigned i = 0; i < IPC_QUEUE_DEPTH; i++)
		send_fill(3, i % 3 ? &b : &a, (uint8_t)i, 1, 0);
	send_fill(8, &a, 0, 1, 0);
	send_fill(8, &b, 0x88, 1, 0);
	assert_int_equal(ipc_purge_sender(a.pid), 6 + 1);
	assert_int_equal(ipc_pending(3), 10);
	check_ipc();
	for (unsigned i = 0; i < IPC_QUEUE_DEPTH; i++) {
		if (i % 3 == 0)
			continue;
		struct ipc_msg m = recv_ok(3);

		assert_int_equal(m.payload[0], i);
		assert_int_equal(m.sender_pid, b.pid);
	}
	assert_int_equal(recv_ok(8).payload[0], 0x88);
	assert_int_equal(ipc_endpoint_stats(3, &s), 0);
	assert_int_equal(s.dropped, 6);
	assert_int_equal(ipc_purge_sender(a.pid), 0);
	/* The room freed is usable. */
	for (unsigned i = 0; i < IPC_QUEUE_DEPTH; i++)
		send_fill(3, &b, 0, 1, 0);
	check_ipc();
}

/* ipc_check notices broken internals. */
static void test_check_detects_corruption(void **state)
{
	struct ipc_sender who = sender(4, NO_REPLY, 1);
	struct ipc_ep *e = ipc_endpoint_get(5);
	const char *why = NULL;

	(void)state;
	send_fill(5, &who, 0, 1, 0);
	send_fill(5, &who, 0, 1, 0);
	assert_true(ipc_check(5, &why));
	assert_null(why);
	e->ring[e->head].to = 6;
	assert_false(ipc_check(5, &why));
	assert_non_null(strstr(why, "addressed elsewhere"));
	e->ring[e->head].to = 5;
	e->ring[(e->head + 1) % IPC_QUEUE_DEPTH].seq = 1;
	assert_false(ipc_check(5, &why));
	assert_non_null(strstr(why, "order"));
	e->ring[(e->head + 1) % IPC_QUEUE_DEPTH].seq = 2;
	e->ring[e->head].seq = 9;
	assert_false(ipc_check(5, &why));
	assert_non_null(strstr(why, "future"));
	e->ring[e->head].seq = 1;
	e->count = IPC_QUEUE_DEPTH + 1;
	assert_false(ipc_check(5, &why));
	e->count = 2;
	e->stats.depth = 1;
	assert_false(ipc_check(5, &why));
	e->stats.depth = 2;
	assert_true(ipc_check(5, &why));
}

/* ---- locks --------------------------------------------------------------- */

/*
 * Per-endpoint locks: while CPU 1 holds endpoint 5's lock, CPU 2 sends to
 * and receives from endpoint 6 without spinning once.  The locks sit on
 * separate cache lines.
 */
static void test_endpoints_do_not_share_locks(void **state)
{
	struct ipc_sender who = sender(4, NO_REPLY, 1);
	struct ipc_ep *e5 = ipc_endpoint_get(5), *e6 = ipc_endpoint_get(6);
	unsigned long relax;

	(void)state;
	assert_int_equal(e5->lock.order, LOCK_RANK_IPC);
	assert_int_equal((uintptr_t)&e5->lock % 64, 0);
	assert_true((uintptr_t)&e6->lock - (uintptr_t)&e5->lock >= 64);
	fake_arch_set_cpu(1);
	unsigned long flags = spin_lock_irqsave(&e5->lock);

	fake_arch_set_cpu(2);
	relax = fake_arch_relax_calls();
	send_fill(6, &who, 0x66, 4, 0);
	assert_int_equal(recv_ok(6).payload[0], 0x66);
	assert_int_equal(ipc_endpoint_epoch(6), 0);
	assert_int_equal(fake_arch_relax_calls(), relax);
	assert_true(spin_held(&e5->lock));
	assert_false(spin_held(&e6->lock));
	fake_arch_set_cpu(1);
	spin_unlock_irqrestore(&e5->lock, flags);
	fake_arch_set_cpu(2);
	send_fill(5, &who, 0x55, 4, 0);
	assert_int_equal(recv_ok(5).payload[0], 0x55);
}

/* ---- waking and blocking ------------------------------------------------- */

/* Make t, READY on cpu, run and block on ep with the real steps. */
static void block_on_ep(unsigned ep, unsigned cpu, struct task *t)
{
	struct ipc_msg m;

	assert_ptr_equal(run_next(cpu), t);
	assert_int_equal(ipc_recv_step(ep, t->id, ipc_endpoint_epoch(ep), &m),
			 -EWOULDBLOCK);
	arch_irq_disable();
	assert_int_equal(ipc_wait_prepare(ep), 0);
	assert_int_equal(ipc_recv_step(ep, t->id, ipc_endpoint_epoch(ep), &m),
			 -EWOULDBLOCK);
	assert_ptr_equal(run_next(cpu), idle_of[cpu]); /* switched away */
	assert_int_equal(t->state, TASK_BLOCKED);
	assert_int_equal(t->block.kind, TASK_BLOCK_MESSAGE);
	assert_int_equal(t->block.arg, ep);
}

/* t, woken, runs again on cpu and finishes its wait; takes a message. */
static struct ipc_msg resume_and_take(unsigned ep, unsigned cpu, struct task *t)
{
	struct ipc_msg m;

	assert_ptr_equal(run_next(cpu), t);
	assert_true(ipc_wait_finish(ep, false));
	arch_irq_enable();
	assert_int_equal(ipc_recv_step(ep, t->id, ipc_endpoint_epoch(ep), &m),
			 0);
	return m;
}

/*
 * A send on CPU 0 wakes a receiver blocked on CPU 2: READY there, CPU 2
 * poked (the original only woke receivers on the sender's CPU).
 */
static void test_send_wakes_other_cpu(void **state)
{
	struct task *r = spawn(TASK_PRIO_NORMAL, 2);
	struct ipc_sender who = sender(4, NO_REPLY, 1);

	(void)state;
	block_on_ep(IPC_EP_FS, 2, r);
	fake_arch_set_cpu(0);
	clear_pokes();
	send_fill(IPC_EP_FS, &who, 0x31, 3, 0);
	assert_int_equal(r->state, TASK_READY);
	assert_int_equal(pokes[2], 1);
	assert_int_equal(npokes, 1);
	check_ipc();
	assert_int_equal(resume_and_take(IPC_EP_FS, 2, r).payload[0], 0x31);
	check_ipc();
}

/* One send wakes one receiver, the longest waiting, on its own CPU. */
static void test_one_wake_per_send_fifo(void **state)
{
	struct task *r[3];
	struct ipc_sender who = sender(4, NO_REPLY, 1);

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		r[i] = spawn(TASK_PRIO_NORMAL, i + 1);
		block_on_ep(9, i + 1, r[i]);
	}
	for (unsigned i = 0; i < 3; i++) {
		fake_arch_set_cpu(0);
		clear_pokes();
		send_fill(9, &who, (uint8_t)i, 1, 0);
		assert_int_equal(r[i]->state, TASK_READY);
		assert_int_equal(pokes[i + 1], 1);
		for (unsigned j = i + 1; j < 3; j++)
			assert_int_equal(r[j]->state, TASK_BLOCKED);
	}
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(resume_and_take(9, i + 1, r[i]).payload[0], i);
	check_ipc();
}

/* A kernel send wakes a receiver too (policy queries on 22). */
static void test_kernel_send_wakes(void **state)
{
	struct task *r = spawn(TASK_PRIO_NORMAL, 3);

	(void)state;
	block_on_ep(IPC_EP_POLICY_QUERY, 3, r);
	fake_arch_set_cpu(1);
	assert_int_equal(
	    ipc_send_kernel(IPC_EP_POLICY_QUERY, IPC_EP_POLICY_REPLY, "q", 1),
	    0);
	assert_int_equal(r->state, TASK_READY);
	assert_int_equal(resume_and_take(IPC_EP_POLICY_QUERY, 3, r).from,
			 IPC_EP_POLICY_REPLY);
}

/* A receiver killed while blocked is skipped: the next one is woken. */
static void test_killed_receiver_skipped(void **state)
{
	struct task *a = spawn(TASK_PRIO_NORMAL, 1);
	struct task *b = spawn(TASK_PRIO_NORMAL, 2);
	struct ipc_sender who = sender(4, NO_REPLY, 1);

	(void)state;
	block_on_ep(10, 1, a);
	block_on_ep(10, 2, b);
	fake_arch_set_cpu(0);
	assert_int_equal(sched_terminate(a, 0, NULL), 0);
	send_fill(10, &who, 1, 1, 0);
	assert_int_equal(b->state, TASK_READY);
	assert_int_equal(a->state, TASK_TERMINATED);
	(void)resume_and_take(10, 2, b);
	check_ipc();
}

/* A fill function copying from a kernel buffer (ipc_fill_fn). */
static int fill_copy(void *ctx, uint8_t *dst, size_t len)
{
	memcpy(dst, ctx, len);
	return 0;
}

/*
 * ipc_send_handoff leaves the receiver it takes off the queue to the
 * caller: still BLOCKED, off the queue, its id returned; the next send
 * takes the next receiver; ipc_wake_receiver wakes the longest waiter.
 */
static void test_send_handoff_returns_receiver(void **state)
{
	struct task *a = spawn(TASK_PRIO_NORMAL, 1);
	struct task *b = spawn(TASK_PRIO_NORMAL, 2);
	struct ipc_sender who = sender(4, NO_REPLY, 1);
	uint8_t data[8] = {0x71};
	task_id_t taken = 99;

	(void)state;
	block_on_ep(12, 1, a);
	block_on_ep(12, 2, b);
	fake_arch_set_cpu(0);
	assert_int_equal(ipc_send_handoff(12, &who, 1, fill_copy, data, &taken),
			 0);
	assert_int_equal(taken, a->id);
	assert_int_equal(a->state, TASK_BLOCKED); /* the caller wakes it */
	assert_null(a->wq);
	assert_ptr_equal(b->wq, &ipc_endpoint_get(12)->receivers);
	assert_true(sched_wake_id(taken).woken);
	assert_int_equal(resume_and_take(12, 1, a).payload[0], 0x71);
	/* The caller found its receiver gone: another one is woken. */
	fake_arch_set_cpu(0);
	data[0] = 0x72;
	assert_int_equal(ipc_send_handoff(12, &who, 1, fill_copy, data, &taken),
			 0);
	assert_int_equal(taken, b->id);
	ipc_wake_receiver(12); /* nobody left: nothing happens */
	assert_int_equal(b->state, TASK_BLOCKED);
	assert_true(sched_wake_id(taken).woken);
	assert_int_equal(resume_and_take(12, 2, b).payload[0], 0x72);
	/* Nobody waiting, and every refusal: TASK_ID_NONE. */
	fake_arch_set_cpu(0);
	assert_int_equal(ipc_send_handoff(12, &who, 1, fill_copy, data, &taken),
			 0);
	assert_int_equal(taken, TASK_ID_NONE);
	taken = 99;
	assert_int_equal(ipc_send_handoff(12, &who, 1, NULL, data, &taken),
			 -EINVAL);
	assert_int_equal(taken, TASK_ID_NONE);
	assert_int_equal(ipc_send_handoff(12, &who, 1, fill_copy, data, NULL),
			 -EINVAL);
	taken = 99;
	assert_int_equal(ipc_send_handoff(IPC_MAX_ENDPOINTS, &who, 1, fill_copy,
					  data, &taken),
			 -EINVAL);
	assert_int_equal(taken, TASK_ID_NONE);
	check_ipc();
}

/*
 * The fast path's send: stamps exactly what the general path stamps,
 * takes the longest waiter as ipc_send_handoff does, counts and audits
 * the send; and falls back (IPC_FAST_FALLBACK, nothing changed) for a
 * sink, a full queue and a payload source that fails.
 */
static void test_send_fast_taken_and_refused(void **state)
{
	struct task *a = spawn(TASK_PRIO_NORMAL, 1);
	uint8_t key[PRINCIPAL_SIZE], data[IPC_MSG_SIZE];
	struct ipc_stats st;
	struct ipc_msg m;
	task_id_t taken = 99;
	int verdict = 0;

	(void)state;
	memset(key, 0x5A, sizeof(key));
	memset(data, 0x33, sizeof(data));
	/* Taken: a waiter comes off the queue, still BLOCKED, for the
	 * caller to switch to. */
	block_on_ep(9, 1, a);
	fake_arch_set_cpu(0);
	assert_int_equal(ipc_send_fast(9, ipc_id_make(6, 3), 4, key, 16,
				       fill_copy, data, &taken),
			 0);
	assert_int_equal(taken, a->id);
	assert_int_equal(a->state, TASK_BLOCKED);
	assert_null(a->wq);
	assert_int_equal(audit_n, 1);
	assert_int_equal(audit_log[0].kind, AUDIT_IPC_SEND);
	assert_int_equal(audit_log[0].subject, ipc_id_make(6, 3));
	assert_int_equal(audit_log[0].arg[1], 4);
	assert_true(sched_wake_id(taken).woken);
	m = resume_and_take(9, 1, a);
	assert_int_equal(m.sender_pid, ipc_id_make(6, 3));
	assert_int_equal(m.from, 4);
	assert_int_equal(m.to, 9);
	assert_int_equal(m.seq, 1);
	assert_int_equal(m.len, 16);
	assert_int_equal(m.flags, 0);
	assert_memory_equal(m.sender, key, PRINCIPAL_SIZE);
	assert_true(all_bytes(m.payload, 0x33, 16));
	/* Nobody waits: queued, TASK_ID_NONE. */
	fake_arch_set_cpu(0);
	assert_int_equal(ipc_send_fast(9, ipc_id_make(6, 3), 4, key, 0,
				       fill_copy, data, &taken),
			 0);
	assert_int_equal(taken, TASK_ID_NONE);
	assert_int_equal(ipc_pending(9), 1);
	/* A source that fails: nothing queued, no sequence number used. */
	assert_int_equal(ipc_send_fast(9, ipc_id_make(6, 3), 4, key, 8,
				       fill_or_fail, NULL, &taken),
			 IPC_FAST_FALLBACK);
	assert_int_equal(ipc_pending(9), 1);
	/* A full queue: the general path's business. */
	for (unsigned i = 1; i < IPC_QUEUE_DEPTH; i++)
		assert_int_equal(ipc_send_fast(9, ipc_id_make(6, 3), 4, key, 1,
					       fill_copy, data, &taken),
				 0);
	assert_int_equal(ipc_send_fast(9, ipc_id_make(6, 3), 4, key, 1,
				       fill_copy, data, &taken),
			 IPC_FAST_FALLBACK);
	assert_int_equal(ipc_endpoint_stats(9, &st), 0);
	assert_int_equal(st.sent, IPC_QUEUE_DEPTH + 1);
	assert_int_equal(st.depth, IPC_QUEUE_DEPTH);
	assert_int_equal(st.full, 0); /* counted by the general path */
	m = recv_ok(9);
	assert_int_equal(m.seq, 2); /* the failed send took no number */
	/* A sink: never called from the fast path. */
	assert_int_equal(ipc_set_sink(IPC_EP_POLICY_REPLY, policy_sink,
				      &verdict),
			 0);
	sunk_calls = 0;
	assert_int_equal(ipc_send_fast(IPC_EP_POLICY_REPLY, ipc_id_make(6, 3),
				       4, key, 4, fill_copy, data, &taken),
			 IPC_FAST_FALLBACK);
	assert_int_equal(sunk_calls, 0);
	assert_int_equal(ipc_pending(IPC_EP_POLICY_REPLY), 0);
	/* Bad arguments fall back too. */
	assert_int_equal(ipc_send_fast(IPC_MAX_ENDPOINTS, 1, 4, key, 1,
				       fill_copy, data, &taken),
			 IPC_FAST_FALLBACK);
	assert_int_equal(ipc_send_fast(8, 1, 4, key, IPC_MSG_SIZE + 1,
				       fill_copy, data, &taken),
			 IPC_FAST_FALLBACK);
	assert_int_equal(ipc_send_fast(8, 1, 4, NULL, 1, fill_copy, data,
				       &taken),
			 IPC_FAST_FALLBACK);
	assert_int_equal(ipc_send_fast(8, 1, 4, key, 1, NULL, data, &taken),
			 IPC_FAST_FALLBACK);
	assert_int_equal(ipc_pending(8), 0);
	check_ipc();
}

/* ipc_wake_receiver wakes the longest-waiting receiver. */
static void test_wake_receiver_wakes_longest(void **state)
{
	struct task *a = spawn(TASK_PRIO_NORMAL, 1);
	struct task *b = spawn(TASK_PRIO_NORMAL, 2);

	(void)state;
	block_on_ep(13, 1, a);
	block_on_ep(13, 2, b);
	fake_arch_set_cpu(0);
	ipc_wake_receiver(13);
	assert_int_equal(a->state, TASK_READY);
	assert_int_equal(b->state, TASK_BLOCKED);
	ipc_wake_receiver(IPC_MAX_ENDPOINTS); /* ignored */
	check_ipc();
}

/* The played switch of ipc_recv_wait: what other CPUs do meanwhile. */
struct player {
	unsigned cpu;				      /* the receiver's CPU */
	struct task *t;				      /* the receiver */
	unsigned ep;				      /* where it waits */
	unsigned calls;				      /* block() calls */
	void (*away)(struct player *, unsigned call); /* while it sleeps */
};

static void play_switch(void *ctx)
{
	struct player *p = ctx;
	unsigned call = p->calls++;

	/* block() runs with the task queued, interrupts off. */
	assert_false(fake_arch_irq_enabled_on(p->cpu));
	assert_ptr_equal(p->t->wq, &ipc_endpoint_get(p->ep)->receivers);
	if (schedule_on(p->cpu, NULL).next == p->t)
		return; /* a wake landed first: the switch was a yield */
	assert_int_equal(p->t->state, TASK_BLOCKED);
	assert_int_equal(p->t->block.kind, TASK_BLOCK_MESSAGE);
	assert_int_equal(p->t->block.arg, p->ep);
	p->away(p, call);
	assert_ptr_equal(run_next(p->cpu), p->t);
}

static void away_send(struct player *p, unsigned call)
{
	struct ipc_sender who = sender(4, NO_REPLY, 1);

	(void)call;
	fake_arch_set_cpu(0);
	send_fill(p->ep, &who, 0x5E, 7, 0);
}

/* Start a receiver on cpu and return the player for it. */
static struct player player_on(unsigned cpu, unsigned ep,
			       void (*away)(struct player *, unsigned))
{
	struct player p = {cpu, spawn(TASK_PRIO_NORMAL, cpu), ep, 0, away};

	assert_ptr_equal(run_next(cpu), p.t);
	return p;
}

/* The blocking loop: blocks with MESSAGE(ep), a send wakes it, it returns. */
static void test_recv_wait_blocks_until_send(void **state)
{
	struct player p = player_on(2, IPC_EP_KEYSTORE, away_send);
	struct ipc_msg m;

	(void)state;
	assert_int_equal(ipc_recv_wait(IPC_EP_KEYSTORE, p.t->id,
				       ipc_endpoint_epoch(IPC_EP_KEYSTORE), &m,
				       play_switch, &p),
			 0);
	assert_int_equal(p.calls, 1);
	assert_int_equal(m.len, 7);
	assert_int_equal(m.payload[0], 0x5E);
	assert_int_equal(p.t->state, TASK_RUNNING);
	assert_null(p.t->wq);
	assert_true(fake_arch_irq_enabled_on(2)); /* restored */
	check_ipc();
}

/* A queued message is taken without blocking or touching the wait queue. */
static void test_recv_wait_fast_path(void **state)
{
	struct player p = player_on(1, 3, away_send);
	struct ipc_sender who = sender(4, NO_REPLY, 1);
	struct ipc_msg m;

	(void)state;
	send_fill(3, &who, 0x12, 1, 0);
	fake_arch_set_cpu(1);
	assert_int_equal(ipc_recv_wait(3, p.t->id, 0, &m, play_switch, &p), 0);
	assert_int_equal(p.calls, 0);
	assert_int_equal(m.payload[0], 0x12);
}

static void away_spurious_then_send(struct player *p, unsigned call)
{
	fake_arch_set_cpu(0);
	if (call == 0) /* a wake without a message: e.g. a timer */
		assert_true(sched_wake(p->t).woken);
	else
		away_send(p, call);
}

/* Wake-ups are hints: woken with nothing queued, it blocks again. */
static void test_recv_wait_spurious_wake(void **state)
{
	struct player p = player_on(3, 5, away_spurious_then_send);
	struct ipc_msg m;

	(void)state;
	assert_int_equal(ipc_recv_wait(5, p.t->id, 0, &m, play_switch, &p), 0);
	assert_int_equal(p.calls, 2);
	assert_int_equal(m.payload[0], 0x5E);
	check_ipc();
}

static void away_reset(struct player *p, unsigned call)
{
	(void)call;
	fake_arch_set_cpu(0);
	assert_int_equal(ipc_endpoint_reset(p->ep), 0);
}

/* A reset while it waits ends the receive with -EINTR (counted). */
static void test_reset_interrupts_receiver(void **state)
{
	struct player p = player_on(1, 16, away_reset);
	struct ipc_stats s;
	struct ipc_msg m;

	(void)state;
	assert_int_equal(ipc_recv_wait(16, p.t->id, ipc_endpoint_epoch(16), &m,
				       play_switch, &p),
			 -EINTR);
	assert_int_equal(p.calls, 1);
	assert_int_equal(ipc_endpoint_stats(16, &s), 0);
	assert_int_equal(s.interrupted, 1);
	assert_null(p.t->wq);
	check_ipc();
}

static void away_revoke(struct player *p, unsigned call)
{
	struct ipc_sender who = sender(4, NO_REPLY, 1);

	(void)call;
	fake_arch_set_cpu(0);
	send_fill(p->ep, &who, 0x01, 1, 0);
	fake_arch_set_cpu(0);
	assert_int_equal(ipc_interrupt_receivers(p->ep), 0);
}

/*
 * A revocation's interrupt wins over a message queued meanwhile, which
 * stays queued for whoever still has the right.
 */
static void test_interrupt_keeps_queue(void **state)
{
	struct player p = player_on(2, 20, away_revoke);
	struct ipc_msg m;

	(void)state;
	assert_int_equal(ipc_recv_wait(20, p.t->id, 0, &m, play_switch, &p),
			 -EINTR);
	assert_int_equal(ipc_pending(20), 1);
	assert_int_equal(ipc_endpoint_epoch(20), 1);
	assert_int_equal(ipc_recv_wait(20, p.t->id, 1, &m, play_switch, &p), 0);
	assert_int_equal(p.calls, 1);
}

/* An epoch read before a revocation fails at once, without blocking. */
static void test_stale_epoch_fails_fast(void **state)
{
	struct player p = player_on(1, 21, away_send);
	uint32_t epoch = ipc_endpoint_epoch(21);
	struct ipc_msg m;

	(void)state;
	assert_int_equal(ipc_interrupt_receivers(21), 0);
	assert_int_equal(ipc_recv_wait(21, p.t->id, epoch, &m, play_switch, &p),
			 -EINTR);
	assert_int_equal(p.calls, 0);
	assert_int_equal(p.t->state, TASK_RUNNING);
}

/* ---- WaitMsg: waiting on several endpoints (ipc_wait_any) ------------ */

/* The played switch of ipc_wait_any. */
struct any_player {
	unsigned cpu;
	struct task *t;
	uint32_t mask;
	unsigned calls;
	void (*away)(struct any_player *, unsigned call);
};

static void play_any_switch(void *ctx)
{
	struct any_player *p = ctx;
	unsigned call = p->calls++;

	assert_false(fake_arch_irq_enabled_on(p->cpu));
	assert_non_null(p->t->wq);
	if (schedule_on(p->cpu, NULL).next == p->t)
		return;
	assert_int_equal(p->t->state, TASK_BLOCKED);
	assert_int_equal(p->t->block.kind, TASK_BLOCK_MESSAGE_ANY);
	assert_int_equal(p->t->block.arg, p->mask);
	p->away(p, call);
	assert_ptr_equal(run_next(p->cpu), p->t);
}

static struct any_player any_player_on(unsigned cpu, uint32_t mask,
				       void (*away)(struct any_player *,
						    unsigned))
{
	struct any_player p = {cpu, spawn(TASK_PRIO_NORMAL, cpu), mask, 0,
			       away};

	assert_ptr_equal(run_next(cpu), p.t);
	return p;
}

static void epochs_of(uint32_t mask, uint32_t epochs[IPC_MAX_ENDPOINTS])
{
	for (unsigned ep = 0; ep < IPC_MAX_ENDPOINTS; ep++)
		epochs[ep] = (mask & (1u << ep)) ? ipc_endpoint_epoch(ep) : 0;
}

/* Call 0: a send to an endpoint outside the mask; call 1: to 26. */
static void away_send_outside_then_26(struct any_player *p, unsigned call)
{
	struct ipc_sender who = sender(4, NO_REPLY, 1);

	(void)p;
	fake_arch_set_cpu(0);
	send_fill(call == 0 ? 9 : 26, &who, 0x26, 3, 0);
}

/* Queued already: ready at once, nothing dequeued, no block. */
static void test_wait_any_ready_at_once(void **state)
{
	struct any_player p = any_player_on(1, (1u << 24) | (1u << 26),
					    away_send_outside_then_26);
	struct ipc_sender who = sender(4, NO_REPLY, 1);
	uint32_t epochs[IPC_MAX_ENDPOINTS], ready = 0;

	(void)state;
	send_fill(24, &who, 0x24, 1, 0);
	fake_arch_set_cpu(1);
	epochs_of(p.mask, epochs);
	assert_int_equal(ipc_wait_any(p.mask, epochs, &ready, play_any_switch,
				      &p),
			 0);
	assert_int_equal(ready, 1u << 24);
	assert_int_equal(p.calls, 0);
	assert_int_equal(ipc_pending(24), 1);
	check_ipc();
}

/*
 * Blocked on 24|26: a send elsewhere wakes it but it sleeps again; a
 * send to 26 ends the wait with exactly 26 ready, still queued.
 */
static void test_wait_any_blocks_until_send_in_mask(void **state)
{
	struct any_player p = any_player_on(2, (1u << 24) | (1u << 26),
					    away_send_outside_then_26);
	uint32_t epochs[IPC_MAX_ENDPOINTS], ready = 0;

	(void)state;
	epochs_of(p.mask, epochs);
	assert_int_equal(ipc_wait_any(p.mask, epochs, &ready, play_any_switch,
				      &p),
			 0);
	assert_int_equal(p.calls, 2);
	assert_int_equal(ready, 1u << 26);
	assert_int_equal(ipc_pending(26), 1);
	assert_int_equal(ipc_pending(9), 1);
	assert_int_equal(p.t->state, TASK_RUNNING);
	assert_null(p.t->wq);
	assert_true(fake_arch_irq_enabled_on(2));
	check_ipc();
}

static void away_interrupt_25(struct any_player *p, unsigned call)
{
	(void)p;
	(void)call;
	fake_arch_set_cpu(0);
	assert_int_equal(ipc_interrupt_receivers(25), 0);
}

/* A revocation on one endpoint of the mask ends the wait with -EINTR. */
static void test_wait_any_interrupted(void **state)
{
	struct any_player p = any_player_on(3, (1u << 25) | (1u << 3),
					    away_interrupt_25);
	uint32_t epochs[IPC_MAX_ENDPOINTS], ready = 0;

	(void)state;
	epochs_of(p.mask, epochs);
	assert_int_equal(ipc_wait_any(p.mask, epochs, &ready, play_any_switch,
				      &p),
			 -EINTR);
	assert_int_equal(p.calls, 1);
	assert_null(p.t->wq);
	/* A stale epoch fails at once. */
	assert_int_equal(ipc_wait_any(p.mask, epochs, &ready, play_any_switch,
				      &p),
			 -EINTR);
	assert_int_equal(p.calls, 1);
	check_ipc();
}

static void test_wait_any_bad_arguments(void **state)
{
	uint32_t epochs[IPC_MAX_ENDPOINTS] = {0}, ready = 7;

	(void)state;
	assert_int_equal(ipc_wait_any(0, epochs, &ready, play_any_switch, NULL),
			 -EINVAL);
	assert_int_equal(ipc_wait_any(1, NULL, &ready, play_any_switch, NULL),
			 -EINVAL);
	assert_int_equal(ipc_wait_any(1, epochs, NULL, play_any_switch, NULL),
			 -EINVAL);
	assert_int_equal(ipc_wait_any(1, epochs, &ready, NULL, NULL), -EINVAL);
	assert_int_equal(ready, 7);
}

/* Several receivers blocked on one endpoint: a reset wakes them all. */
static void test_reset_wakes_all_receivers(void **state)
{
	struct task *r[3];

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		r[i] = spawn(TASK_PRIO_NORMAL, i + 1);
		block_on_ep(17, i + 1, r[i]);
	}
	assert_int_equal(ipc_endpoint_claim(17, 44), 0);
	fake_arch_set_cpu(0);
	assert_int_equal(ipc_process_exit(44), 1);
	for (unsigned i = 0; i < 3; i++) {
		struct ipc_msg m;

		assert_int_equal(r[i]->state, TASK_READY);
		assert_ptr_equal(run_next(i + 1), r[i]);
		assert_true(ipc_wait_finish(17, false));
		arch_irq_enable();
		assert_int_equal(ipc_recv_step(17, 1, 0, &m), -EINTR);
	}
	check_ipc();
}

/* ---- races, played step by step ------------------------------------------ */

/*
 * The send lands after the receiver queued itself but before it looked:
 * the wake undoes the block, the look finds the message, and finishing
 * reports the wake without passing one on (nothing left).
 */
static void test_race_send_before_look(void **state)
{
	struct task *r = spawn(TASK_PRIO_NORMAL, 1);
	struct ipc_sender who = sender(4, NO_REPLY, 1);
	struct ipc_msg m;

	(void)state;
	assert_ptr_equal(run_next(1), r);
	arch_irq_disable();
	assert_int_equal(ipc_wait_prepare(6), 0);
	fake_arch_set_cpu(0);
	send_fill(6, &who, 0x61, 1, 0);
	assert_int_equal(r->state, TASK_RUNNING); /* the block was undone */
	fake_arch_set_cpu(1);
	assert_int_equal(ipc_recv_step(6, r->id, 0, &m), 0);
	assert_true(ipc_wait_finish(6, true));
	arch_irq_enable();
	assert_int_equal(m.payload[0], 0x61);
	check_ipc();
}

/*
 * The send lands after the receiver looked (empty) but before it switched
 * away: its switch is a mere yield, it goes round and takes the message.
 */
static void test_race_send_between_look_and_switch(void **state)
{
	struct task *r = spawn(TASK_PRIO_NORMAL, 2);
	struct ipc_sender who = sender(4, NO_REPLY, 1);
	struct ipc_msg m;

	(void)state;
	assert_ptr_equal(run_next(2), r);
	arch_irq_disable();
	assert_int_equal(ipc_wait_prepare(6), 0);
	assert_int_equal(ipc_recv_step(6, r->id, 0, &m), -EWOULDBLOCK);
	fake_arch_set_cpu(3);
	send_fill(6, &who, 0x62, 1, 0);
	assert_ptr_equal(schedule_on(2, NULL).next, r); /* not lost */
	assert_true(ipc_wait_finish(6, false));
	arch_irq_enable();
	assert_int_equal(ipc_recv_step(6, r->id, 0, &m), 0);
	assert_int_equal(m.payload[0], 0x62);
	check_ipc();
}

/*
 * The send lands before the receiver queues itself: the wake finds
 * nobody, and the look after queuing sees the message.
 */
static void test_race_send_before_prepare(void **state)
{
	struct task *r = spawn(TASK_PRIO_NORMAL, 1);
	struct ipc_sender who = sender(4, NO_REPLY, 1);
	struct ipc_msg m;

	(void)state;
	assert_ptr_equal(run_next(1), r);
	assert_int_equal(ipc_recv_step(6, r->id, 0, &m), -EWOULDBLOCK);
	fake_arch_set_cpu(0);
	send_fill(6, &who, 0x63, 1, 0); /* wakes nobody */
	fake_arch_set_cpu(1);
	arch_irq_disable();
	assert_int_equal(ipc_wait_prepare(6), 0);
	assert_int_equal(ipc_recv_step(6, r->id, 0, &m), 0);
	assert_false(ipc_wait_finish(6, true));
	arch_irq_enable();
	assert_int_equal(r->state, TASK_RUNNING);
	check_ipc();
}

/*
 * A wake taken by a receiver that was leaving anyway is passed on.  R1
 * queues itself and takes a message that was sent while nobody waited;
 * R2 blocks behind it; a second send pops R1 (still queued) instead of
 * R2.  R1 leaves with the first message; without the pass-on the second
 * would sit beside a sleeping R2 until the next send.
 */
static void test_absorbed_wake_passed_on(void **state)
{
	struct task *r1 = spawn(TASK_PRIO_NORMAL, 1);
	struct task *r2 = spawn(TASK_PRIO_NORMAL, 2);
	struct ipc_sender who = sender(4, NO_REPLY, 1);
	struct ipc_msg m;

	(void)state;
	assert_ptr_equal(run_next(1), r1);
	assert_int_equal(ipc_recv_step(7, r1->id, 0, &m), -EWOULDBLOCK);
	fake_arch_set_cpu(0);
	send_fill(7, &who, 0xA1, 1, 0); /* nobody waits yet */
	fake_arch_set_cpu(1);
	arch_irq_disable();
	assert_int_equal(ipc_wait_prepare(7), 0);
	assert_int_equal(ipc_recv_step(7, r1->id, 0, &m), 0);
	assert_int_equal(m.payload[0], 0xA1);
	block_on_ep(7, 2, r2);
	fake_arch_set_cpu(0);
	send_fill(7, &who, 0xA2, 1, 0);
	assert_int_equal(r1->state, TASK_RUNNING); /* r1 took the wake */
	assert_int_equal(r2->state, TASK_BLOCKED);
	fake_arch_set_cpu(1);
	assert_true(ipc_wait_finish(7, true)); /* ... and passes it on */
	arch_irq_enable();
	assert_int_equal(r2->state, TASK_READY);
	assert_int_equal(resume_and_take(7, 2, r2).payload[0], 0xA2);
	check_ipc();
}

/* ---- random interleavings ------------------------------------------------ */

/*
 * Receivers run the blocking loop split into its steps; senders post
 * from any CPU (refused when full) and pollers steal with ipc_try_recv.
 * Each receiver wants a quota of messages and then stops receiving for
 * good, so a wake-up absorbed by a leaving receiver is visible.  Random
 * steps of all of them interleave on NCPUS fake CPUs; a receiver's steps
 * run on its CPU while it is current.  At the end no message may remain
 * queued while a receiver that still wants one sleeps.
 */
enum rphase {
	R_START,       /* interrupts on: fast-path attempt */
	R_PREPARE,     /* interrupts on: about to queue itself */
	R_LOOK,	       /* queued: look at the queue */
	R_SWITCH,      /* found nothing: switch away */
	R_FINISH_LOOP, /* back after a switch: finish, go round */
	R_FINISH_DONE, /* took a message while queued: finish, leave */
	R_DONE,	       /* quota reached: never receives again */
};

#define NRECV	10
#define RAND_EP 11

/* The shape of one interleaving run. */
struct mix {
	uint64_t seed;	   /* of the random steps */
	int receivers;	   /* <= NRECV, spread over the CPUs */
	unsigned burst;	   /* most posts between two check points */
	unsigned quota;	   /* most messages a receiver wants at a time */
	bool all_return;   /* every satisfied receiver comes back (else
			      half of them, at random) */
	unsigned episodes; /* bursts, each ended by a quiet check point */
};

static int nrecv; /* receivers of the current run */

static struct task *rtask[NRECV];
static enum rphase rphase[NRECV];
static unsigned quota[NRECV], taken[NRECV];
static unsigned posted, stolen, consumed;
static uint32_t last_seq;

static int recv_index(const struct task *t)
{
	for (int i = 0; i < nrecv; i++)
		if (rtask[i] == t)
			return i;
	return -1;
}

static void got(int i, const struct ipc_msg *m)
{
	/* One endpoint, one FIFO: sequence numbers come out in order. */
	assert_true(m->seq > last_seq);
	last_seq = m->seq;
	taken[i]++;
	consumed++;
}

static enum rphase after_receive(int i)
{
	return taken[i] >= quota[i] ? R_DONE : R_START;
}

/* Advance the receiver running on cpu by one step; false if none can. */
static bool recv_step_on(unsigned cpu)
{
	int i = recv_index(rqs[cpu].current);
	struct ipc_msg m;
	int err;

	if (i < 0 || rphase[i] == R_DONE)
		return false;
	fake_arch_set_cpu(cpu);
	switch (rphase[i]) {
	case R_START:
		err = ipc_recv_step(RAND_EP, rtask[i]->id, 0, &m);
		if (err == 0) {
			got(i, &m);
			rphase[i] = after_receive(i);
		} else {
			assert_int_equal(err, -EWOULDBLOCK);
			rphase[i] = R_PREPARE;
		}
		break;
	case R_PREPARE:
		arch_irq_disable();
		assert_int_equal(ipc_wait_prepare(RAND_EP), 0);
		rphase[i] = R_LOOK;
		break;
	case R_LOOK:
		err = ipc_recv_step(RAND_EP, rtask[i]->id, 0, &m);
		if (err == 0) {
			got(i, &m);
			rphase[i] = R_FINISH_DONE;
		} else {
			rphase[i] = R_SWITCH;
		}
		break;
	case R_SWITCH:
		rphase[i] = R_FINISH_LOOP; /* where it resumes */
		(void)schedule_on(cpu, NULL);
		break;
	case R_FINISH_LOOP:
		(void)ipc_wait_finish(RAND_EP, false);
		arch_irq_enable();
		rphase[i] = R_PREPARE;
		break;
	case R_FINISH_DONE:
		(void)ipc_wait_finish(RAND_EP, true);
		arch_irq_enable();
		rphase[i] = after_receive(i);
		break;
	case R_DONE:
		break;
	}
	return true;
}

/* A tick's reschedule on cpu, unless its task has interrupts off. */
static void preempt_on(unsigned cpu)
{
	int i = recv_index(rqs[cpu].current);

	if (i >= 0 && rphase[i] != R_START && rphase[i] != R_PREPARE &&
	    rphase[i] != R_DONE)
		return;
	(void)schedule_on(cpu, NULL);
}

static uint64_t rng; /* xorshift state of the interleaving */

static unsigned rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 0x2545F4914F6CDD1Dull) >> 33);
}

/* The interleaving's endpoint and the run queues are sound. */
static void check_rand_ep(void)
{
	const char *why = NULL;

	if (!ipc_check(RAND_EP, &why))
		fail_msg("endpoint %u: %s", RAND_EP, why);
	check_all();
}

/*
 * No lost wake-up, at every step: while messages are queued and some
 * receiver sleeps (queued on the wait queue after finding it empty, not
 * woken), another receiver will still look at the queue (it has not
 * looked yet, or a wake-up reached it).  A receiver leaving with a wake-up
 * it took counts until it leaves: it passes the wake-up on then.
 */
static void check_no_lost_wake(void)
{
	const struct waitq *wq = &ipc_endpoint_get(RAND_EP)->receivers;
	int sleeper = -1;
	bool looker = false;

	if (!ipc_pending(RAND_EP))
		return;
	for (int i = 0; i < nrecv; i++) {
		bool queued = rtask[i]->wq == wq;

		switch (rphase[i]) {
		case R_START:
		case R_PREPARE:
		case R_LOOK:
			looker = true;
			break;
		case R_SWITCH:
		case R_FINISH_LOOP:
			if (queued)
				sleeper = i;
			else
				looker = true;
			break;
		case R_FINISH_DONE:
			looker |= !queued;
			break;
		case R_DONE:
			break;
		}
	}
	if (sleeper >= 0 && !looker)
		fail_msg("receiver %d sleeps beside %u queued messages",
			 sleeper, ipc_pending(RAND_EP));
}

/*
 * Run every CPU until nothing moves, then check: nothing lost, and every
 * receiver that still wants a message sleeps on an empty queue.
 */
static void quiesce_and_check(void)
{
	/* Stop after enough rounds in which no receiver could step, so that
	 * round robin has given every READY task the CPU. */
	for (int quiet = 0; quiet <= NRECV;) {
		bool stepped = false;

		for (unsigned cpu = 0; cpu < NCPUS; cpu++) {
			if (recv_step_on(cpu))
				stepped = true;
			else if (rqs[cpu].nr_ready)
				preempt_on(cpu);
			check_no_lost_wake();
		}
		quiet = stepped ? 0 : quiet + 1;
	}
	check_ipc();
	assert_int_equal(consumed + stolen + ipc_pending(RAND_EP), posted);
	for (int i = 0; i < nrecv; i++) {
		if (rphase[i] == R_DONE)
			continue;
		assert_int_equal(rtask[i]->state, TASK_BLOCKED);
		if (ipc_pending(RAND_EP))
			fail_msg("receiver %d sleeps beside %u queued messages",
				 i, ipc_pending(RAND_EP));
	}
}

/* One random action on a random CPU; posts only while posts_left. */
static void random_action(struct ipc_sender *who, unsigned *posts_left)
{
	unsigned r = rnd(), cpu = r % NCPUS;
	struct ipc_msg m;
	uint8_t b;

	switch ((r >> 8) % 10) {
	case 0:
	case 1:
		if (!*posts_left)
			break;
		b = (uint8_t)posted;
		fake_arch_set_cpu(cpu);
		if (ipc_send(RAND_EP, who, &b, 1) == 0) {
			posted++;
			(*posts_left)--;
		}
		break;
	case 2:
		/* Pollers only while posts go on: a steal after the last
		 * post would hide a message left beside a sleeper. */
		if (!*posts_left || (r >> 16) % 8)
			break;
		fake_arch_set_cpu(cpu);
		if (ipc_try_recv(RAND_EP, 1, &m) == 0) {
			assert_true(m.seq > last_seq);
			last_seq = m.seq;
			stolen++;
		}
		break;
	case 3:
		preempt_on(cpu);
		break;
	default:
		if (!recv_step_on(cpu))
			preempt_on(cpu);
		break;
	}
}

static void interleave(const struct mix *mx)
{
	struct ipc_sender who = sender(4, NO_REPLY, 1);

	rng = mx->seed * 0x9E3779B97F4A7C15ull + 1;
	nrecv = mx->receivers;
	posted = stolen = consumed = 0;
	last_seq = 0;
	for (int i = 0; i < nrecv; i++) {
		rtask[i] = spawn(TASK_PRIO_NORMAL, (unsigned)i % NCPUS);
		rphase[i] = R_START;
		taken[i] = 0;
		quota[i] = 1 + rnd() % mx->quota;
	}
	for (unsigned episode = 0; episode < mx->episodes; episode++) {
		unsigned posts_left = 1 + rnd() % mx->burst;

		for (int step = 0; posts_left || step < 300; step++) {
			random_action(&who, &posts_left);
			check_no_lost_wake();
			if (step % 64 == 0)
				check_rand_ep();
		}
		quiesce_and_check();
		/* Receivers that had enough come back for more. */
		for (int i = 0; i < nrecv; i++) {
			if (rphase[i] != R_DONE ||
			    (!mx->all_return && rnd() % 2))
				continue;
			quota[i] = taken[i] + 1 + rnd() % mx->quota;
			rphase[i] = R_START;
		}
	}
	assert_true(posted >= mx->episodes);
	assert_true(consumed > posted / 2);
}

/* Many receivers, long bursts: three seeds. */
static void test_interleaved_crowd(void **state)
{
	static const uint64_t seeds[] = {1, 0xC0FFEE, 424242};

	for (unsigned i = 0; i < 3; i++) {
		struct mix mx = {seeds[i], NRECV, 12, 4, false, 150};

		if (i > 0 && setup(state))
			fail_msg("machine setup");
		interleave(&mx);
	}
}

/*
 * Three receivers that leave after each message and come back, short
 * bursts, many check points: the shape that leaves a message beside a
 * sleeper when a leaving receiver swallows a wake-up (the pass-on of
 * ipc_wait_finish; without it this fails for most seeds).
 */
static void test_interleaved_leavers(void **state)
{
	struct mix mx = {7, 3, 3, 1, true, 2000};

	(void)state;
	interleave(&mx);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_init_state),
	    T(test_send_recv_fields),
	    T(test_fifo_order),
	    T(test_full_queue),
	    T(test_wrap_around),
	    T(test_try_recv_empty),
	    T(test_boundary_lengths),
	    T(test_slot_reuse_no_stale_bytes),
	    T(test_send_from_failure_queues_nothing),
	    T(test_take_failure_keeps_message),
	    T(test_send_invalid_arguments),
	    T(test_recv_invalid_arguments),
	    T(test_from_is_reply_endpoint),
	    T(test_reply_endpoint_zero),
	    T(test_from_is_slot_without_reply),
	    T(test_from_on_blk_kreply_is_slot),
	    T(test_self_send_refused),
	    T(test_principal_is_stamped),
	    T(test_anonymous_user_sender),
	    T(test_kernel_messages),
	    T(test_format_full_buffer),
	    T(test_format_truncates),
	    T(test_format_small_and_null),
	    T(test_format_unaligned_and_clamped),
	    T(test_copy_payload),
	    T(test_audit_every_send_and_recv),
	    T(test_statistics),
	    T(test_sink_consumes),
	    T(test_claim_and_owner),
	    T(test_reset_drops_queue),
	    T(test_process_exit),
	    T(test_reset_endpoints_mask),
	    T(test_purge_sender),
	    T(test_check_detects_corruption),
	    T(test_endpoints_do_not_share_locks),
	    T(test_send_wakes_other_cpu),
	    T(test_one_wake_per_send_fifo),
	    T(test_kernel_send_wakes),
	    T(test_killed_receiver_skipped),
	    T(test_send_handoff_returns_receiver),
	    T(test_send_fast_taken_and_refused),
	    T(test_wake_receiver_wakes_longest),
	    T(test_recv_wait_blocks_until_send),
	    T(test_recv_wait_fast_path),
	    T(test_recv_wait_spurious_wake),
	    T(test_reset_interrupts_receiver),
	    T(test_interrupt_keeps_queue),
	    T(test_stale_epoch_fails_fast),
	    T(test_reset_wakes_all_receivers),
	    T(test_wait_any_ready_at_once),
	    T(test_wait_any_blocks_until_send_in_mask),
	    T(test_wait_any_interrupted),
	    T(test_wait_any_bad_arguments),
	    T(test_race_send_before_look),
	    T(test_race_send_between_look_and_switch),
	    T(test_race_send_before_prepare),
	    T(test_absorbed_wake_passed_on),
	    T(test_interleaved_crowd),
	    T(test_interleaved_leavers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
