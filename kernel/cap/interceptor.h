/*
 * kernel/cap/interceptor.h - layer 3 of the three-layer enforcement
 * (spec ipc.md §6, ADR-002): structural checks on sends, receives,
 * delegations and syscalls, after the capability check (layer 2).
 *
 * Each check returns a verdict: CAP_ALLOW (0) or the reason for a denial.
 * The built-in rules always run first and cannot be switched off; an
 * installed interceptor (cap_interceptor_install) is consulted only when
 * they allow, so it can add denials, never remove one.  Hooks are pure
 * functions of their context: they must not block, sleep or take any
 * lock (on_delegate runs under the CAP lock, the others may run with IPC
 * locks held).
 *
 * Locking: none.  The installed interceptor is one pointer read and
 * written atomically; the contexts are the caller's.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/cap/cap.h"

/** Outcome of an interception: allow, or why not. */
enum cap_verdict {
	CAP_ALLOW = 0,		/**< go ahead */
	CAP_DENY_ENDPOINT,	/**< endpoint id >= IPC_MAX_ENDPOINTS */
	CAP_DENY_PAYLOAD,	/**< payload longer than IPC_MSG_SIZE */
	CAP_DENY_SELF_SEND,	/**< sender owns the endpoint, or from == it */
	CAP_DENY_SELF_DELEGATE, /**< source and target are one process */
	CAP_DENY_SYSCALL,	/**< syscall number >= 64 */
	CAP_DENY_FILTERED,	/**< syscall not in the caller's filter */
	CAP_DENY_CUSTOM,	/**< the installed interceptor refused */
	CAP_VERDICT_COUNT	/**< number of verdicts */
};

/** A send about to be queued (after cap_send_prepare). */
struct cap_send_ctx {
	process_id_t sender;   /**< sending process */
	process_id_t receiver; /**< owner of endpoint, or CAP_PID_NONE */
	uint32_t endpoint;     /**< target endpoint */
	uint32_t from;	       /**< from value the message will carry */
	size_t payload_len;    /**< payload bytes */
};

/** A receive about to dequeue (after the RECEIVE check). */
struct cap_recv_ctx {
	process_id_t receiver; /**< receiving process */
	uint32_t endpoint;     /**< endpoint read */
};

/** A delegation about to be made (cap_delegate, CAP lock held). */
struct cap_delegate_ctx {
	process_id_t source; /**< delegating process */
	process_id_t target; /**< receiving process */
	uint32_t endpoint;   /**< endpoint concerned */
	uint32_t rights;     /**< enum ipc_right bits delegated */
};

/** A syscall about to be dispatched (layer 1, after the identity gate). */
struct cap_syscall_ctx {
	process_id_t caller; /**< calling process */
	uint64_t nr;	     /**< syscall number */
	uint64_t filter;     /**< caller's filter (cap_identity) */
};

/**
 * An interceptor.  Any hook may be NULL (allow).  A hook returning a
 * value that is not an enum cap_verdict counts as CAP_DENY_CUSTOM.
 * The structure must outlive its installation.
 */
struct cap_interceptor {
	const char *name; /**< for logs */
	enum cap_verdict (*on_send)(const struct cap_send_ctx *c);
	enum cap_verdict (*on_recv)(const struct cap_recv_ctx *c);
	enum cap_verdict (*on_delegate)(const struct cap_delegate_ctx *c);
	enum cap_verdict (*on_syscall)(const struct cap_syscall_ctx *c);
};

/**
 * Install ic on top of the built-in rules, replacing any installed one;
 * NULL leaves the built-in rules alone.  Takes effect for checks that
 * start afterwards.  Boot time or tests: the previous structure may still
 * be in use by a check running on another CPU.
 */
void cap_interceptor_install(const struct cap_interceptor *ic);

/** The installed interceptor, NULL = none.  Read through the function
 * below; written only by cap_interceptor_install. */
extern const struct cap_interceptor *cap_interceptor_installed;

/** The installed interceptor, or NULL (inline: the IPC fast path asks on
 * every Write and RecvMsg). */
static inline const struct cap_interceptor *cap_interceptor_current(void)
{
	return __atomic_load_n(&cap_interceptor_installed, __ATOMIC_ACQUIRE);
}

/**
 * on_send.  Built-in: deny endpoint >= IPC_MAX_ENDPOINTS, payload_len >
 * IPC_MSG_SIZE, and a self-send: from == endpoint (a reply would come
 * back to the endpoint itself) or receiver == sender.  c is non-NULL.
 */
enum cap_verdict cap_intercept_send(const struct cap_send_ctx *c);

/** on_recv.  Built-in: deny endpoint >= IPC_MAX_ENDPOINTS. */
enum cap_verdict cap_intercept_recv(const struct cap_recv_ctx *c);

/**
 * on_delegate.  Built-in: deny endpoint >= IPC_MAX_ENDPOINTS and source
 * == target (full ProcessIds).
 */
enum cap_verdict cap_intercept_delegate(const struct cap_delegate_ctx *c);

/**
 * on_syscall.  Built-in: Exit (0) is always allowed, before any hook, so
 * a process can always end; else deny nr >= 64 and nr whose filter bit
 * is clear.
 */
enum cap_verdict cap_intercept_syscall(const struct cap_syscall_ctx *c);

/** Short name of v ("self-send"), never NULL. */
const char *cap_verdict_name(enum cap_verdict v);

/**
 * The error a denied operation returns: 0 for CAP_ALLOW, -ENOENDPOINT for
 * CAP_DENY_ENDPOINT, -EINVAL for CAP_DENY_PAYLOAD, else -EPERM.
 */
int cap_verdict_errno(enum cap_verdict v);
