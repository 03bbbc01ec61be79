/*
 * kernel/policy/policy_core.h - the portable state of the policy upcall
 * (layer 1 of the three-layer enforcement; docs/policy.md): the
 * decision cache, the table of pending queries and what the kernel does
 * with the service's messages.
 *
 * No locks, no clock, no scheduler here: kernel/policy/policy.c holds the
 * policy lock around every call that says "lock held", passes the tick,
 * sends the queries, blocks and wakes tasks.  The host tests drive the
 * same functions directly.
 *
 * The cache: one entry per process slot, keyed by the FULL ProcessId (a
 * slot's next occupant never inherits decisions), two bitmaps, allow and
 * deny (bit n = syscall n).  A bit says a whole decision, so a lock-free
 * reader never mixes two.  A policy change (INVALIDATE) bumps the
 * generation and clears every bitmap under the lock; a query answered
 * after a change is used once and not cached.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/policy/policy_msg.h"

/** Queries in flight at once; more wait for a free entry. */
#define POLICY_PENDING_MAX 32
/** Ticks (100 Hz) a caller waits for an answer: 2 s. */
#define POLICY_TIMEOUT_TICKS 200
/** ... while the service is marked unresponsive (it missed one). */
#define POLICY_RETRY_TICKS 10

/** One process slot's decisions.  Written under the lock; read lock-free. */
struct policy_cache_entry {
	uint64_t pid;	/**< atomic: incarnation the bits belong to, 0 = none */
	uint64_t allow; /**< atomic: bit n = syscall n allowed */
	uint64_t deny;	/**< atomic: bit n = syscall n denied */
	uint64_t pad;	/**< 32 bytes an entry */
};

/** State of a pending-query entry. */
enum policy_pending_state {
	POLICY_PENDING_FREE = 0,
	POLICY_PENDING_WAITING, /**< sent, no answer yet */
	POLICY_PENDING_DONE,	/**< answered or timed out, not collected */
};

/** How a query ended. */
enum policy_outcome {
	POLICY_OUTCOME_ANSWER = 0,  /**< the service answered */
	POLICY_OUTCOME_TIMEOUT = 1, /**< no answer before the deadline */
	POLICY_OUTCOME_GONE = 2,    /**< no service to ask (fallback) */
};

/** One query in flight.  All fields under the lock; state also atomic. */
struct policy_pending {
	uint64_t query_id; /**< atomic: its id, 0 when FREE */
	uint64_t pid;	   /**< asking process */
	uint64_t task;	   /**< asking task (task_id_t), to wake */
	uint64_t deadline; /**< tick after which it times out */
	uint64_t gen;	   /**< cache generation when asked */
	uint32_t syscall;  /**< asked about */
	uint32_t state;	   /**< atomic: enum policy_pending_state */
	uint32_t decision; /**< DONE: enum policy_decision */
	uint32_t outcome;  /**< DONE: enum policy_outcome */
};

/** Counters (lock held to change). */
struct policy_stats {
	uint64_t queries;	/**< sent to the service */
	uint64_t answers;	/**< answers matched to a waiting query */
	uint64_t timeouts;	/**< queries that timed out */
	uint64_t fallbacks;	/**< misses decided without the service */
	uint64_t invalidations; /**< generation bumps by the service */
	uint64_t refused;	/**< messages on 23 refused */
};

/** The whole state. */
struct policy_core {
	uint32_t active;  /**< atomic: a service said HELLO; before that
			       every syscall passes (bypass) */
	uint32_t nslots;  /**< const after init: cache entries */
	struct policy_cache_entry *cache; /**< const after init */
	uint64_t gen;	  /**< lock: cache generation */
	uint64_t service; /**< lock: the service's ProcessId, 0 none */
	bool gone;	  /**< lock: the service exited */
	bool unresponsive; /**< lock: its last query timed out */
	uint64_t next_id;  /**< lock: next query id, from 1 */
	uint32_t pending_used; /**< atomic: entries not FREE */
	struct policy_pending pending[POLICY_PENDING_MAX]; /**< lock */
	struct policy_stats stats;			   /**< lock */
};

/** What the slow path does next (policy_core_begin). */
enum policy_step {
	POLICY_STEP_ALLOW = 0, /**< allowed (bypass or cached) */
	POLICY_STEP_DENY,      /**< denied by a cached decision */
	POLICY_STEP_FALLBACK,  /**< no service to ask: denied, not cached */
	POLICY_STEP_QUERY,     /**< pending entry taken: send the query */
	POLICY_STEP_BUSY,      /**< every entry in use: retry later */
};

/** A task to wake (policy_core_message, policy_core_tick). */
struct policy_wake {
	uint64_t task;	   /**< task_id_t of the waiter */
	uint64_t query_id; /**< the query it blocks on */
};

/**
 * Start with nslots cache entries at cache (zeroed here): inactive, no
 * service, generation 1, nothing pending.  Cannot fail (nslots may be 0:
 * nothing is cached).
 */
void policy_core_init(struct policy_core *c, struct policy_cache_entry *cache,
		      uint32_t nslots);

/**
 * The fast path, lock-free: true when syscall nr of process pid passes
 * without more work (no service yet, or an allow bit cached for exactly
 * pid).  False: call the slow path.  nr < POLICY_SYSCALLS (the
 * dispatcher has checked it against the table).
 */
static inline bool policy_core_fast_allow(const struct policy_core *c,
					  uint64_t pid, unsigned nr)
{
	const struct policy_cache_entry *e;
	uint32_t slot = (uint32_t)pid;

	if (!__atomic_load_n(&c->active, __ATOMIC_RELAXED))
		return true;
	if (slot >= c->nslots)
		return false;
	e = &c->cache[slot];
	return __atomic_load_n(&e->pid, __ATOMIC_ACQUIRE) == pid &&
	       ((__atomic_load_n(&e->allow, __ATOMIC_RELAXED) >> nr) & 1);
}

/**
 * The slow path's decision, lock held.  seen_service: policy_core's
 * service as the caller read it (atomic, before owner22); owner22: the
 * owner of endpoint 22 the caller then got from the capability manager.
 * The service counts as gone only when both agree it was the service and
 * it no longer owns 22 (a HELLO racing the look-ups is not a death).
 * Allows and
 * caches the identity-exempt syscalls and the service's own calls;
 * answers from the cache; FALLBACK (deny) when the service is gone; else
 * takes a pending entry (deadline now + POLICY_TIMEOUT_TICKS, or
 * POLICY_RETRY_TICKS while unresponsive) for task and fills *q (query id,
 * pid, syscall; the caller adds Principal and name) and *idx: QUERY; or
 * BUSY when every entry is taken.  nr >= POLICY_SYSCALLS: DENY.
 */
enum policy_step policy_core_begin(struct policy_core *c, uint64_t pid,
				   unsigned nr, uint64_t task, uint64_t now,
				   uint64_t seen_service, uint64_t owner22,
				   struct policy_query *q, unsigned *idx);

/** The query of entry idx could not be sent: free it.  Lock held. */
void policy_core_cancel(struct policy_core *c, unsigned idx, uint64_t qid);

/**
 * Lock-free: has query qid of entry idx ended (answered, timed out, or
 * its entry reclaimed)?  For the waiter's look after it blocked.
 */
bool policy_core_done(const struct policy_core *c, unsigned idx, uint64_t qid);

/**
 * Collect the result of query qid (entry idx), lock held: frees the
 * entry; an answer given in the generation the query was asked in is
 * cached for its process.  Returns the outcome and *allowed.  An entry
 * still WAITING is left alone (returns TIMEOUT with *allowed false only
 * when it was reclaimed).  Timeouts mark the service unresponsive.
 * Returns -1 when the query is still waiting.
 */
int policy_core_finish(struct policy_core *c, unsigned idx, uint64_t qid,
		       bool *allowed);

/**
 * A message sent to endpoint 23, lock held.  sender: the kernel's record
 * of the sending process; owner22: the current owner of endpoint 22.
 * Before any service (or after it exited) only owner22 may send, and
 * only HELLO, which makes it the service, activates the policy and
 * starts a fresh generation.  Afterwards only the service may send:
 * ANSWER completes a waiting query (*wake gets the task; returns 1),
 * INVALIDATE bumps the generation and clears the cache.
 * Returns 0 or 1; -EPERM for another sender; -EINVAL for a malformed
 * message or one out of protocol order; -ENOENT for an answer nobody
 * waits for (unknown, late).  Refusals are counted.
 */
int policy_core_message(struct policy_core *c, uint64_t sender,
			uint64_t owner22, const void *buf, size_t len,
			struct policy_wake *wake);

/**
 * The timer, lock held: WAITING entries past their deadline become DONE
 * (TIMEOUT); entries whose task is gone (alive(ctx, task) false: killed
 * while waiting) are freed.  Every DONE entry left is reported in
 * out[0 .. max) for a wake (a wake that found the run queue busy is
 * tried again next tick).  Returns the number reported.
 */
unsigned policy_core_tick(struct policy_core *c, uint64_t now,
			  bool (*alive)(void *ctx, uint64_t task), void *ctx,
			  struct policy_wake *out, unsigned max);

/** Bump the generation and clear every cached decision.  Lock held. */
void policy_core_invalidate(struct policy_core *c);
