/*
 * kernel/policy/policy_core.c - cache, pending queries and the service's
 * messages (interface and locking in policy_core.h; design in
 * docs/policy.md).
 *
 * Orderings for the lock-free readers (policy_core_fast_allow, the slow
 * path's deny look, policy_core_done):
 *  - a cache entry changes owner by clearing both bitmaps, then storing
 *    the new pid with release; a reader loads pid with acquire, so a
 *    matching pid is never read with the previous owner's bits;
 *  - a pending entry's result (decision, outcome) is written before its
 *    state becomes DONE (release).
 */
#include "kernel/policy/policy_core.h"

#include "lib/klib/string.h"

#include "abi/errno.h"
#include "abi/syscall.h"

void policy_core_init(struct policy_core *c, struct policy_cache_entry *cache,
		      uint32_t nslots)
{
	memset(c, 0, sizeof(*c));
	c->cache = cache;
	c->nslots = cache ? nslots : 0;
	if (c->cache)
		memset(cache, 0, (size_t)nslots * sizeof(*cache));
	c->gen = 1;
	c->next_id = 1;
}

static struct policy_cache_entry *entry_of(struct policy_core *c, uint64_t pid)
{
	uint32_t slot = (uint32_t)pid;

	return slot < c->nslots ? &c->cache[slot] : NULL;
}

/* Record a decision of pid for syscall nr in the current generation. */
static void cache_set(struct policy_core *c, uint64_t pid, unsigned nr,
		      bool allowed)
{
	struct policy_cache_entry *e = entry_of(c, pid);
	uint64_t bit = 1ull << nr;

	if (!e)
		return;
	if (__atomic_load_n(&e->pid, __ATOMIC_RELAXED) != pid) {
		/* A new incarnation of the slot: nothing of the old one. */
		__atomic_store_n(&e->allow, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&e->deny, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&e->pid, pid, __ATOMIC_RELEASE);
	}
	if (allowed)
		__atomic_store_n(&e->allow, e->allow | bit, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&e->deny, e->deny | bit, __ATOMIC_RELEASE);
}

void policy_core_invalidate(struct policy_core *c)
{
	c->gen++;
	for (uint32_t i = 0; i < c->nslots; i++) {
		__atomic_store_n(&c->cache[i].allow, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&c->cache[i].deny, 0, __ATOMIC_RELAXED);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void pending_free(struct policy_core *c, struct policy_pending *p)
{
	p->pid = 0;
	p->task = 0;
	__atomic_store_n(&p->query_id, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&p->state, POLICY_PENDING_FREE, __ATOMIC_RELEASE);
	__atomic_fetch_sub(&c->pending_used, 1, __ATOMIC_RELAXED);
}

static void pending_done(struct policy_pending *p, uint32_t decision,
			 uint32_t outcome)
{
	p->decision = decision;
	p->outcome = outcome;
	__atomic_store_n(&p->state, POLICY_PENDING_DONE, __ATOMIC_RELEASE);
}

enum policy_step policy_core_begin(struct policy_core *c, uint64_t pid,
				   unsigned nr, uint64_t task, uint64_t now,
				   uint64_t seen_service, uint64_t owner22,
				   struct policy_query *q, unsigned *idx)
{
	struct policy_cache_entry *e;
	uint64_t bit;

	if (nr >= POLICY_SYSCALLS)
		return POLICY_STEP_DENY;
	bit = 1ull << nr;
	if (!__atomic_load_n(&c->active, __ATOMIC_RELAXED))
		return POLICY_STEP_ALLOW;
	/* Bypass: a process can always exit, yield, print, ... (identity-
	 * exempt syscalls), and the service never waits for itself. */
	if ((bit & SYSCALL_EXEMPT_MASK) || (pid == c->service && !c->gone)) {
		cache_set(c, pid, nr, true);
		return POLICY_STEP_ALLOW;
	}
	e = entry_of(c, pid);
	if (e && e->pid == pid) {
		if (e->allow & bit)
			return POLICY_STEP_ALLOW;
		if (e->deny & bit)
			return POLICY_STEP_DENY;
	}
	/* owner22 was read after seen_service: if that was already the
	 * service, the service had registered 22 by then (HELLO needs it). */
	if (seen_service == c->service && owner22 != c->service)
		c->gone = true;
	if (c->gone) {
		c->stats.fallbacks++;
		return POLICY_STEP_FALLBACK;
	}
	for (unsigned i = 0; i < POLICY_PENDING_MAX; i++) {
		struct policy_pending *p = &c->pending[i];

		if (p->state != POLICY_PENDING_FREE)
			continue;
		p->pid = pid;
		p->task = task;
		p->syscall = nr;
		p->gen = c->gen;
		p->deadline = now + (c->unresponsive ? POLICY_RETRY_TICKS
						     : POLICY_TIMEOUT_TICKS);
		p->decision = POLICY_DENY;
		p->outcome = POLICY_OUTCOME_TIMEOUT;
		__atomic_store_n(&p->query_id, c->next_id++, __ATOMIC_RELAXED);
		__atomic_store_n(&p->state, POLICY_PENDING_WAITING,
				 __ATOMIC_RELEASE);
		__atomic_fetch_add(&c->pending_used, 1, __ATOMIC_RELAXED);
		memset(q, 0, sizeof(*q));
		q->query_id = p->query_id;
		q->pid = pid;
		q->syscall = nr;
		*idx = i;
		c->stats.queries++;
		return POLICY_STEP_QUERY;
	}
	return POLICY_STEP_BUSY;
}

void policy_core_cancel(struct policy_core *c, unsigned idx, uint64_t qid)
{
	struct policy_pending *p;

	if (idx >= POLICY_PENDING_MAX)
		return;
	p = &c->pending[idx];
	if (p->state != POLICY_PENDING_FREE && p->query_id == qid) {
		pending_free(c, p);
		c->stats.queries--;
	}
}

bool policy_core_done(const struct policy_core *c, unsigned idx, uint64_t qid)
{
	const struct policy_pending *p;

	if (idx >= POLICY_PENDING_MAX)
		return true;
	p = &c->pending[idx];
	return __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) !=
		       POLICY_PENDING_WAITING ||
	       __atomic_load_n(&p->query_id, __ATOMIC_RELAXED) != qid;
}

int policy_core_finish(struct policy_core *c, unsigned idx, uint64_t qid,
		       bool *allowed)
{
	struct policy_pending *p;
	int outcome;

	*allowed = false;
	if (idx >= POLICY_PENDING_MAX)
		return POLICY_OUTCOME_TIMEOUT;
	p = &c->pending[idx];
	if (p->query_id != qid || p->state == POLICY_PENDING_FREE) {
		/* Reclaimed by the timer: as good as timed out. */
		c->unresponsive = true;
		return POLICY_OUTCOME_TIMEOUT;
	}
	if (p->state == POLICY_PENDING_WAITING)
		return -1;
	outcome = (int)p->outcome;
	*allowed = p->decision == POLICY_ALLOW;
	if (outcome == POLICY_OUTCOME_ANSWER && p->gen == c->gen)
		cache_set(c, p->pid, p->syscall, *allowed);
	if (outcome == POLICY_OUTCOME_TIMEOUT)
		c->unresponsive = true;
	pending_free(c, p);
	return outcome;
}

static int answer(struct policy_core *c, const struct policy_reply *r,
		  struct policy_wake *wake)
{
	for (unsigned i = 0; i < POLICY_PENDING_MAX; i++) {
		struct policy_pending *p = &c->pending[i];

		if (p->state != POLICY_PENDING_WAITING || p->query_id != r->query_id)
			continue;
		pending_done(p, r->decision, POLICY_OUTCOME_ANSWER);
		c->stats.answers++;
		c->unresponsive = false;
		if (wake) {
			wake->task = p->task;
			wake->query_id = p->query_id;
		}
		return 1;
	}
	return -ENOENT;
}

int policy_core_message(struct policy_core *c, uint64_t sender,
			uint64_t owner22, const void *buf, size_t len,
			struct policy_wake *wake)
{
	bool have = c->service != 0 && !c->gone;
	struct policy_reply r;
	int err;

	/* Who first (spec ipc.md section 4: only the policy service may
	 * write 23), then what. */
	if (have ? sender != c->service : (sender == 0 || sender != owner22)) {
		err = -EPERM;
		goto refused;
	}
	err = policy_reply_decode(buf, len, &r);
	if (err)
		goto refused;
	switch (r.kind) {
	case POLICY_MSG_HELLO:
		if (!have) {
			__atomic_store_n(&c->service, sender, __ATOMIC_RELEASE);
			c->gone = false;
			c->unresponsive = false;
			policy_core_invalidate(c);
			__atomic_store_n(&c->active, 1, __ATOMIC_RELEASE);
		}
		return 0;
	case POLICY_MSG_ANSWER:
		if (!have) {
			err = -EINVAL;
			goto refused;
		}
		err = answer(c, &r, wake);
		if (err < 0)
			goto refused;
		return err;
	case POLICY_MSG_INVALIDATE:
		if (!have) {
			err = -EINVAL;
			goto refused;
		}
		policy_core_invalidate(c);
		c->stats.invalidations++;
		return 0;
	default:
		err = -EINVAL;
		break;
	}
refused:
	c->stats.refused++;
	return err;
}

unsigned policy_core_tick(struct policy_core *c, uint64_t now,
			  bool (*alive)(void *ctx, uint64_t task), void *ctx,
			  struct policy_wake *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < POLICY_PENDING_MAX; i++) {
		struct policy_pending *p = &c->pending[i];

		if (p->state == POLICY_PENDING_FREE)
			continue;
		if (alive && !alive(ctx, p->task)) {
			pending_free(c, p);
			continue;
		}
		if (p->state == POLICY_PENDING_WAITING && now >= p->deadline) {
			pending_done(p, POLICY_DENY, POLICY_OUTCOME_TIMEOUT);
			c->stats.timeouts++;
		}
		if (p->state == POLICY_PENDING_DONE && n < max) {
			out[n].task = p->task;
			out[n].query_id = p->query_id;
			n++;
		}
	}
	return n;
}
