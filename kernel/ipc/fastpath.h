/*
 * kernel/ipc/fastpath.h - the decisions of the IPC fast path (docs/ipc.md
 * "Fast path"): whether a Write (1) or a RecvMsg (13) may skip the general
 * dispatcher and the layered handlers.  Pure functions of values the
 * caller read from the kernel's records, so the host tests can try every
 * refusal; the syscall layer reads the records and falls back to the
 * general path whenever one of these says no.
 *
 * The fast path never decides anything the general path would decide
 * differently: every refusal here sends the syscall down the general path,
 * which then answers (an error, an audited denial, a policy query, a grant
 * of the reply right) exactly as before.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/ipc/ipc.h"
#include "abi/ipc.h"
#include "abi/syscall.h"

/** Why the fast path was refused (IPC_FAST_TAKEN: it was not). */
enum ipc_fast_why {
	IPC_FAST_TAKEN = 0,
	IPC_FAST_NO_CALLER,	/**< no process or no live capability record */
	IPC_FAST_GATE,		/**< the syscall's gate is not plain ID/no syscap */
	IPC_FAST_UNBOUND,	/**< no Principal bound (the identity gate) */
	IPC_FAST_FILTERED,	/**< the syscall filter lacks the bit */
	IPC_FAST_HOOKED,	/**< an interceptor is installed */
	IPC_FAST_POLICY,	/**< the policy decision is not cached allow */
	IPC_FAST_ARGS,		/**< an argument the general path refuses */
	IPC_FAST_RIGHT,		/**< no SEND / RECEIVE right on the endpoint */
	IPC_FAST_SELF_SEND,	/**< the self-send rules refuse */
	IPC_FAST_GRANT,		/**< the reply rule has a right to grant */
};

/** The caller's gate inputs, as the dispatcher reads them. */
struct ipc_fast_gate {
	bool record;		 /**< the caller's capability record is live */
	bool principal_bound;	 /**< a Principal is bound */
	uint64_t syscall_filter; /**< bit n: syscall n allowed */
	bool hooked;		 /**< an interceptor is installed */
	bool policy_allow;	 /**< the policy cache says allow for nr */
};

/**
 * The dispatcher's gates for syscall nr (identity, Boot gate, syscap,
 * layer-1 policy, syscall filter), all passed without a refusal.  Any
 * other outcome is left to the general dispatcher, which audits it.
 */
static inline enum ipc_fast_why ipc_fast_gates(uint64_t nr,
					       const struct ipc_fast_gate *g)
{
	if (!g->record)
		return IPC_FAST_NO_CALLER;
	if (nr >= 64 || syscall_gate(nr) != SYSCALL_GATE_ID ||
	    syscall_syscap(nr) != SYSCALL_SYSCAP_NONE)
		return IPC_FAST_GATE;
	if (!g->principal_bound)
		return IPC_FAST_UNBOUND;
	if (!((g->syscall_filter >> nr) & 1))
		return IPC_FAST_FILTERED;
	if (g->hooked)
		return IPC_FAST_HOOKED;
	if (!g->policy_allow)
		return IPC_FAST_POLICY;
	return IPC_FAST_TAKEN;
}

/** True when [addr, addr + len) lies below ceiling (len may be 0). */
static inline bool ipc_fast_range_ok(uint64_t addr, uint64_t len,
				     uint64_t ceiling)
{
	return addr < ceiling && len <= ceiling - addr;
}

/** What a fast Write needs from the capability records. */
struct ipc_fast_send {
	uint64_t sender;	/**< the caller's ProcessId */
	uint32_t sender_slot;	/**< its slot (the from rule's fallback) */
	uint8_t rights;		/**< the caller's rights on the endpoint */
	uint32_t reply_ep;	/**< its reply endpoint or IPC_NO_REPLY_EP */
	bool owned;		/**< the endpoint has an owner */
	uint64_t owner;		/**< its owner when owned */
	bool owner_can_reply;	/**< the owner holds SEND on reply_ep, or
				     has no record the reply rule could
				     grant it in */
};

/**
 * Write's checks: arguments (0 < len <= IPC_MSG_SIZE, ep an endpoint,
 * the buffer below ceiling), SEND, the self-send rules of the interceptor
 * and of the queue, and the reply rule having nothing to grant.  On
 * IPC_FAST_TAKEN *from is the message's from (ipc.md section 3).
 */
static inline enum ipc_fast_why
ipc_fast_write_check(uint64_t ep, uint64_t buf, uint64_t len, uint64_t ceiling,
		     const struct ipc_fast_send *s, uint32_t *from)
{
	uint32_t f, cap_from;

	if (len == 0 || len > IPC_MSG_SIZE || ep >= IPC_MAX_ENDPOINTS ||
	    !ipc_fast_range_ok(buf, len, ceiling))
		return IPC_FAST_ARGS;
	if (!(s->rights & IPC_RIGHT_SEND))
		return IPC_FAST_RIGHT;
	if (s->reply_ep != IPC_NO_REPLY_EP && s->reply_ep >= IPC_MAX_ENDPOINTS)
		return IPC_FAST_ARGS;
	f = (s->reply_ep != IPC_NO_REPLY_EP && ep != IPC_EP_BLK_KREPLY)
		    ? s->reply_ep
		    : s->sender_slot;
	/* The interceptor's from ignores the rule of endpoint 25. */
	cap_from = s->reply_ep != IPC_NO_REPLY_EP ? s->reply_ep : s->sender_slot;
	/* cap_intercept_send: a reply coming back to ep, or a process
	 * writing into its own queue; the queue's rule is within these. */
	if (f == ep || cap_from == ep || (s->owned && s->owner == s->sender))
		return IPC_FAST_SELF_SEND;
	if (s->reply_ep != IPC_NO_REPLY_EP && s->owned && !s->owner_can_reply)
		return IPC_FAST_GRANT;
	*from = f;
	return IPC_FAST_TAKEN;
}

/**
 * RecvMsg's checks: a buffer of at least IPC_RECV_HDR_SIZE bytes below
 * ceiling (only the first IPC_RECV_BUF_SIZE are used), ep an endpoint,
 * RECEIVE.  On IPC_FAST_TAKEN *used is the buffer length used.
 */
static inline enum ipc_fast_why
ipc_fast_recv_check(uint64_t ep, uint64_t buf, uint64_t len, uint64_t ceiling,
		    uint8_t rights, uint64_t *used)
{
	if (len < IPC_RECV_HDR_SIZE || ep >= IPC_MAX_ENDPOINTS)
		return IPC_FAST_ARGS;
	if (len > IPC_RECV_BUF_SIZE)
		len = IPC_RECV_BUF_SIZE;
	if (!ipc_fast_range_ok(buf, len, ceiling))
		return IPC_FAST_ARGS;
	if (!(rights & IPC_RIGHT_RECV))
		return IPC_FAST_RIGHT;
	*used = len;
	return IPC_FAST_TAKEN;
}
