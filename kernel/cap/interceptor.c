/*
 * kernel/cap/interceptor.c - layer 3: the built-in structural rules of
 * ipc.md §6 and an optional installed interceptor on top of them.
 *
 * The built-in rules guard array bounds further down (IPC queues, filter
 * bits), so they run first and an installed interceptor can only add
 * denials.
 */
#include "kernel/cap/interceptor.h"

#include <stdbool.h>

#include "abi/errno.h"
#include "abi/ipc.h"
#include "abi/syscall.h"

/* The installed interceptor, NULL = none.  Accessed atomically. */
const struct cap_interceptor *cap_interceptor_installed;

void cap_interceptor_install(const struct cap_interceptor *ic)
{
	__atomic_store_n(&cap_interceptor_installed, ic, __ATOMIC_RELEASE);
}

/* A hook's answer; anything that is not a verdict is a custom denial. */
static enum cap_verdict sanitize(enum cap_verdict v)
{
	if ((unsigned)v >= CAP_VERDICT_COUNT)
		return CAP_DENY_CUSTOM;
	return v;
}

enum cap_verdict cap_intercept_send(const struct cap_send_ctx *c)
{
	const struct cap_interceptor *ic = cap_interceptor_current();

	if (c->endpoint >= IPC_MAX_ENDPOINTS)
		return CAP_DENY_ENDPOINT;
	if (c->payload_len > IPC_MSG_SIZE)
		return CAP_DENY_PAYLOAD;
	/*
	 * Self-send (ipc.md §6).  The original tested from == endpoint and
	 * sender slot == endpoint, mixing slot and endpoint numbers.  The
	 * hazard is a message whose reply comes back to the endpoint it was
	 * sent to (the receiver would answer itself), whatever makes from
	 * equal it, and a process writing into its own queue.
	 */
	if (c->from == c->endpoint)
		return CAP_DENY_SELF_SEND;
	if (c->receiver != CAP_PID_NONE && c->receiver == c->sender)
		return CAP_DENY_SELF_SEND;
	if (ic && ic->on_send)
		return sanitize(ic->on_send(c));
	return CAP_ALLOW;
}

enum cap_verdict cap_intercept_recv(const struct cap_recv_ctx *c)
{
	const struct cap_interceptor *ic = cap_interceptor_current();

	if (c->endpoint >= IPC_MAX_ENDPOINTS)
		return CAP_DENY_ENDPOINT;
	if (ic && ic->on_recv)
		return sanitize(ic->on_recv(c));
	return CAP_ALLOW;
}

enum cap_verdict cap_intercept_delegate(const struct cap_delegate_ctx *c)
{
	const struct cap_interceptor *ic = cap_interceptor_current();

	if (c->endpoint >= IPC_MAX_ENDPOINTS)
		return CAP_DENY_ENDPOINT;
	if (c->source == c->target)
		return CAP_DENY_SELF_DELEGATE;
	if (ic && ic->on_delegate)
		return sanitize(ic->on_delegate(c));
	return CAP_ALLOW;
}

enum cap_verdict cap_intercept_syscall(const struct cap_syscall_ctx *c)
{
	const struct cap_interceptor *ic = cap_interceptor_current();

	/* A process can always end, whatever its filter says. */
	if (c->nr == SYS_EXIT)
		return CAP_ALLOW;
	/* The filter has 64 bits; the policy denies beyond (ipc.md §6). */
	if (c->nr >= 64)
		return CAP_DENY_SYSCALL;
	if (!((c->filter >> c->nr) & 1))
		return CAP_DENY_FILTERED;
	if (ic && ic->on_syscall)
		return sanitize(ic->on_syscall(c));
	return CAP_ALLOW;
}

const char *cap_verdict_name(enum cap_verdict v)
{
	switch (v) {
	case CAP_ALLOW:
		return "allow";
	case CAP_DENY_ENDPOINT:
		return "endpoint-range";
	case CAP_DENY_PAYLOAD:
		return "payload-size";
	case CAP_DENY_SELF_SEND:
		return "self-send";
	case CAP_DENY_SELF_DELEGATE:
		return "self-delegate";
	case CAP_DENY_SYSCALL:
		return "syscall-range";
	case CAP_DENY_FILTERED:
		return "syscall-filtered";
	case CAP_DENY_CUSTOM:
		return "interceptor";
	case CAP_VERDICT_COUNT:
		break;
	}
	return "?";
}

int cap_verdict_errno(enum cap_verdict v)
{
	switch (v) {
	case CAP_ALLOW:
		return 0;
	case CAP_DENY_ENDPOINT:
		return -ENOENDPOINT;
	case CAP_DENY_PAYLOAD:
		return -EINVAL;
	default:
		return -EPERM;
	}
}
