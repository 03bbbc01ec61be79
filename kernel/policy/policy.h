/*
 * kernel/policy/policy.h - layer 1 of the three-layer enforcement: the
 * pre-dispatch syscall policy and its upcall to the policy service
 * (spec ipc.md section 6; design in docs/policy.md).
 *
 * The dispatcher calls policy_syscall_check(pid, nr) after the identity
 * gate.  A decision cached for exactly that process costs a few loads
 * (the inline fast path below, no lock); anything else goes to
 * policy_syscall_slow, which may ask the service and block the calling
 * task until it answers or POLICY_TIMEOUT_TICKS pass.
 */
#pragma once

#include <stdint.h>

#include "kernel/policy/policy_core.h"

/** SyscallDenied's arg1 for a refusal by this layer (the dispatcher's
 * own checks use 1..4). */
#define POLICY_DENIED_CHECK 5

/** Why a denial happened: SyscallDenied's arg2. */
enum policy_denied_why {
	POLICY_WHY_CACHED = 0,	 /**< a cached decision of the service */
	POLICY_WHY_ANSWER = 1,	 /**< the service's answer just now */
	POLICY_WHY_TIMEOUT = 2,	 /**< no answer in time (fail closed) */
	POLICY_WHY_NO_SERVICE = 3, /**< the service is gone (fail closed) */
};

/** The state; only this module writes it.  Read by the inline fast path. */
extern struct policy_core policy_state;

/**
 * The slow path: bypasses, cached denials, a query to the service and
 * the wait for its answer.  Returns 0 (allowed) or -EPOLICY (denied,
 * audited as SyscallDenied with check POLICY_DENIED_CHECK).  Task
 * context of the calling process, no lock held, interrupts enabled; may
 * block.
 */
int64_t policy_syscall_slow(uint64_t pid, unsigned nr);

/**
 * Layer 1 for syscall nr (< 64, a valid table row) of the calling
 * process pid: 0 to go on, or -EPOLICY.  Same context as
 * policy_syscall_slow.
 */
static inline int64_t policy_syscall_check(uint64_t pid, unsigned nr)
{
	if (__builtin_expect(policy_core_fast_allow(&policy_state, pid, nr), 1))
		return 0;
	return policy_syscall_slow(pid, nr);
}

/**
 * Boot, once, after the process table and IPC: the cache (one entry per
 * task slot, which is at least one per process slot) and the sink of
 * endpoint 23.  Panics when either cannot be set up.
 */
void policy_init(void);

/**
 * The boot CPU's timer interrupt: time out queries, wake their tasks
 * (try-locks only; a busy run queue is tried again next tick).  Cheap
 * when nothing is pending.
 */
void policy_tick(uint64_t now);
