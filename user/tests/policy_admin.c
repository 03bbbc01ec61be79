/*
 * user/tests/policy_admin.c - a policy administrator for
 * tests/qemu/test_policy.py (spawn-only; docs/policy.md section 6).  Its
 * profile says `admin`, so the policy service gives it SEND on endpoint
 * 22 when it first asks about one of its syscalls.
 *
 * Lines:
 *   policy_admin: stats status=<s> queries=<q> denied=<d>
 *   policy_admin: fake query status=<s>          a QUERY from a process
 *   policy_admin: set status=<s>                 allow ObjPut for the probe
 *   policy_admin: done
 * Exit 0 when every step got the status it should, else 1.
 */
#include "lib/libsys/libsys.h"

#include "kernel/policy/policy_msg.h"

/* Where the service's replies arrive (first come, first served). */
#define REPLY_EP 9

/* Send len bytes of msg on 22 and decode the service's reply. */
static int ask(const uint8_t *msg, size_t len, struct policy_status *st)
{
	static uint8_t buf[IPC_RECV_BUF_SIZE];
	struct recv_msg m;
	int64_t r = sys_write(IPC_EP_POLICY_QUERY, msg, len);

	if (r < 0)
		return (int)r;
	r = recv_verified(REPLY_EP, buf, sizeof(buf), &m);
	if (r < 0)
		return (int)r;
	return policy_status_decode(m.payload, m.len, st) ? -ECORRUPT : 0;
}

int main(void)
{
	struct policy_request rq;
	struct policy_query q;
	struct policy_status st;
	uint8_t msg[POLICY_QUERY_SIZE];
	int bad = 0, err;

	sys_module_ready();
	err = (int)sys_register_endpoint(REPLY_EP, 0);
	if (err) {
		printf("policy_admin: register %d: %s\n", REPLY_EP, strerror(err));
		return 1;
	}

	memset(&rq, 0, sizeof(rq));
	rq.kind = POLICY_REQ_STATS;
	err = ask(msg, policy_request_encode(&rq, msg), &st);
	printf("policy_admin: stats status=%d queries=%llu denied=%llu\n",
	       err ? err : st.status, (unsigned long long)st.queries,
	       (unsigned long long)st.denied);
	bad |= err || st.status != 0;

	/* A process cannot pass for the kernel: a QUERY it sends is a
	 * request, and not a valid one. */
	memset(&q, 0, sizeof(q));
	q.query_id = 1;
	q.pid = 5;
	q.syscall = 14;
	strlcpy(q.name, "policy_probe", sizeof(q.name));
	err = ask(msg, policy_query_encode(&q, msg), &st);
	printf("policy_admin: fake query status=%d\n", err ? err : st.status);
	bad |= err || st.status != -EINVAL;

	memset(&rq, 0, sizeof(rq));
	rq.kind = POLICY_REQ_SET;
	rq.syscall = SYS_OBJ_PUT;
	rq.action = POLICY_ALLOW;
	strlcpy(rq.name, "policy_probe", sizeof(rq.name));
	err = ask(msg, policy_request_encode(&rq, msg), &st);
	printf("policy_admin: set status=%d\n", err ? err : st.status);
	bad |= err || st.status != 0;

	printf("policy_admin: done\n");
	return bad ? 1 : 0;
}
