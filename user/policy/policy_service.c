/*
 * user/policy/policy_service.c - the policy service (boot module
 * `policy-service`, the first of the boot chain; docs/policy.md).
 *
 * Start: parse the table compiled into it (builtin_table.c; a table it
 * cannot parse is reported line by line and the service exits without
 * saying HELLO, so the kernel never starts asking), register endpoint
 * 22, say HELLO on 23 (from then on the kernel checks every syscall of
 * every other process), then ModuleReady so the next module starts.
 *
 * Loop: one message at a time from endpoint 22.
 *  - From the kernel (all-zero Principal, from endpoint 23, a QUERY):
 *    look the program up, answer ALLOW or DENY on 23.  A program whose
 *    profile says `admin` is first given SEND on 22 (Delegate), so it can
 *    send requests.
 *  - Anything else is a request from a process, which needed SEND on 22
 *    to send it: SET (change one rule; then INVALIDATE on 23, so every
 *    cached decision is void) or STATS.  The sender must also run under
 *    this service's own Principal (the bootstrap Principal).  The answer,
 *    a REPLY with a status, goes to the request's from endpoint.
 *
 * Each query prints one line,
 *   policy: q<id> <program> <slot>.<generation> syscall <n> allow|deny
 * and each request one line, "policy: set <program> syscall <n> allow|deny
 * -> <status>", so the boot tests can count queries.
 */
#include "lib/libsys/libsys.h"

#include "kernel/policy/policy_msg.h"
#include "user/policy/policy_table.h"

/* Processes given SEND on 22 (so each is delegated to once). */
#define ADMINS_MAX 16

static struct policy_table table;
static uint8_t self_principal[PRINCIPAL_SIZE];
static uint64_t admins[ADMINS_MAX];
static unsigned admin_count;
static struct policy_status stats;

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Give pid SEND on 22 once, so it may send requests. */
static void grant_admin(uint64_t pid)
{
	int64_t r;

	for (unsigned i = 0; i < admin_count; i++) {
		if (admins[i] == pid)
			return;
	}
	r = sys_delegate(IPC_EP_POLICY_QUERY, pid, IPC_RIGHT_SEND);
	if (r < 0) {
		printf("policy: delegate to %u.%u failed: %s\n",
		       (unsigned)(uint32_t)pid, (unsigned)(pid >> 32),
		       strerror((int)r));
		return;
	}
	if (admin_count < ADMINS_MAX)
		admins[admin_count++] = pid;
}

static void answer(const struct policy_query *q)
{
	const struct policy_profile *pr = policy_table_lookup(&table, q->name);
	bool allow = q->syscall < POLICY_SYSCALLS && ((pr->allow >> q->syscall) & 1);
	uint8_t out[POLICY_ANSWER_SIZE];
	int64_t r;

	/* Before the answer: the caller may be about to send to 22. */
	if (pr->admin)
		grant_admin(q->pid);
	policy_answer_encode(q->query_id, allow ? POLICY_ALLOW : POLICY_DENY, out);
	r = sys_write(IPC_EP_POLICY_REPLY, out, sizeof(out));
	stats.queries++;
	if (allow)
		stats.allowed++;
	else
		stats.denied++;
	/* Denials and failed answers always; allowed calls when the
	 * program's profile says log. */
	if (allow && r >= 0 && !pr->log)
		return;
	printf("policy: q%llu %s %u.%u syscall %u %s%s%s\n",
	       (unsigned long long)q->query_id, q->name[0] ? q->name : "?",
	       (unsigned)(uint32_t)q->pid, (unsigned)(q->pid >> 32), q->syscall,
	       allow ? "allow" : "deny", r < 0 ? " (answer refused: " : "",
	       r < 0 ? strerror((int)r) : "");
}

/* A SET request: change the table, then void the kernel's cache. */
static int set_rule(const struct policy_request *rq)
{
	uint8_t msg[POLICY_INVALIDATE_SIZE];
	int err = policy_table_set(&table, rq->name, rq->syscall,
				   rq->action == POLICY_ALLOW);
	int64_t r;

	if (err)
		return err;
	policy_invalidate_encode(msg);
	r = sys_write(IPC_EP_POLICY_REPLY, msg, sizeof(msg));
	if (r < 0)
		return (int)r;
	stats.invalidations++;
	return 0;
}

static void request(const uint8_t *sender, uint32_t from, const uint8_t *p,
		    size_t len)
{
	uint8_t out[POLICY_REPLY_SIZE];
	struct policy_request rq;
	int status;

	memset(&rq, 0, sizeof(rq));
	if (memcmp(sender, self_principal, PRINCIPAL_SIZE))
		status = -EPERM;
	else if (policy_request_decode(p, len, &rq))
		status = -EINVAL;
	else if (rq.kind == POLICY_REQ_SET)
		status = set_rule(&rq);
	else
		status = 0;
	if (rq.kind == POLICY_REQ_SET)
		printf("policy: set %s syscall %u %s -> %d\n", rq.name,
		       rq.syscall, rq.action == POLICY_ALLOW ? "allow" : "deny",
		       status);
	else if (status)
		printf("policy: request from endpoint %u refused: %s\n", from,
		       strerror(status));
	stats.status = status;
	policy_status_encode(&stats, out);
	if (sys_write(from, out, sizeof(out)) < 0)
		printf("policy: cannot answer endpoint %u\n", from);
}

static void serve(void)
{
	static uint8_t buf[IPC_RECV_BUF_SIZE];

	for (;;) {
		int64_t n = sys_recv_msg(IPC_EP_POLICY_QUERY, buf, sizeof(buf));
		struct policy_query q;
		uint32_t from;

		if (n < IPC_RECV_HDR_SIZE) {
			printf("policy: receive failed: %s\n", strerror((int)n));
			sys_yield();
			continue;
		}
		memcpy(&from, buf + PRINCIPAL_SIZE, sizeof(from));
		/* Only the kernel sends anonymously (every process that may
		 * Write has a Principal: the identity gate). */
		if (all_zero(buf, PRINCIPAL_SIZE)) {
			if (from == IPC_EP_POLICY_REPLY &&
			    !policy_query_decode(buf + IPC_RECV_HDR_SIZE,
						 (size_t)n - IPC_RECV_HDR_SIZE, &q))
				answer(&q);
			else
				printf("policy: malformed kernel query (%d bytes)\n",
				       (int)(n - IPC_RECV_HDR_SIZE));
			continue;
		}
		request(buf, from, buf + IPC_RECV_HDR_SIZE,
			(size_t)n - IPC_RECV_HDR_SIZE);
	}
}

int main(void)
{
	struct policy_parse_error err;
	uint8_t hello[POLICY_HELLO_SIZE];
	int64_t r;

	if (policy_table_parse(&table, policy_builtin_table,
			       strlen(policy_builtin_table), &err)) {
		printf("policy: table refused: %s\n", err.msg);
		sys_module_ready();
		return 1;
	}
	if (sys_get_principal(self_principal, sizeof(self_principal)) < 0)
		memset(self_principal, 0, sizeof(self_principal));
	r = sys_register_endpoint(IPC_EP_POLICY_QUERY, 0);
	if (r >= 0) {
		policy_hello_encode(hello);
		r = sys_write(IPC_EP_POLICY_REPLY, hello, sizeof(hello));
	}
	if (r < 0) {
		printf("policy: cannot start: %s\n", strerror((int)r));
		sys_module_ready();
		return 1;
	}
	printf("policy: service ready, %u profiles\n", table.count);
	sys_module_ready();
	serve();
	return 0;
}
