/*
 * kernel/ipc/ipc_internal.h - what endpoint.c shares with ipc_block.c and
 * the unit tests, and nobody else should use: the endpoint record and
 * the steps of a blocking receive.
 *
 * A blocking receive is the scheduler's protocol (docs/scheduler.md
 * "Blocking") with the queue as the condition:
 *
 *	err = ipc_recv_step(...);		fast path, no wait queue
 *	while (err == -EWOULDBLOCK) {
 *		interrupts off;
 *		ipc_wait_prepare(ep);		BLOCKED, on the wait queue
 *		err = ipc_recv_step(...);	look AFTER queuing
 *		if (err == -EWOULDBLOCK)
 *			block(ctx);		schedule() in the kernel
 *		ipc_wait_finish(ep, err != -EWOULDBLOCK);
 *		interrupts restored;
 *	}
 *
 * ipc_recv_wait is that loop with the switch as a callback, so the host
 * tests run the real loop and can also play its steps one by one.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "abi/errno.h"
#include "kernel/arch/arch.h"
#include "kernel/audit/audit.h"
#include "kernel/core/spinlock.h"
#include "kernel/ipc/ipc.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/task.h"
#include "kernel/sched/waitq.h"

/** One endpoint: a ring of messages, its lock, its blocked receivers. */
struct ipc_ep {
	/* Own cache line: senders to different endpoints never share one. */
	_Alignas(64) struct spinlock lock; /**< LOCK_RANK_IPC, taken with
					       interrupts off */
	uint32_t head;		/**< lock: ring index of the oldest message */
	uint32_t count;		/**< lock: messages queued, <= depth */
	uint32_t next_seq;	/**< lock: seq of the next message queued */
	uint32_t epoch;		/**< lock: bumped by reset and interrupt */
	bool owned;		/**< lock: owner is valid */
	uint64_t owner;		/**< lock: ProcessId of the owner */
	ipc_sink_fn sink;	/**< lock: kernel consumer, NULL = queue */
	void *sink_ctx;		/**< lock: sink's first argument */
	struct ipc_stats stats; /**< lock: counters; depth == count */
	struct waitq receivers; /**< lock (a guarded wait queue): tasks
				     blocked in receive, MESSAGE(ep) */
	struct ipc_msg ring[IPC_QUEUE_DEPTH]; /**< lock: the queue, oldest
						  at head */
};

/** Switch away from a blocked task; returns when it runs again. */
typedef void (*ipc_block_fn)(void *ctx);

/**
 * Wait on wq with reason and switch away unless ready(rctx) holds after
 * queuing (sched_wait_switch in the kernel).  Returns 0 after sleeping,
 * 1 when ready held (still queued), or a negative errno (not queued).
 */
typedef int (*ipc_wait_fn)(void *ctx, struct waitq *wq,
			   struct task_block_reason reason,
			   waitq_ready_fn ready, void *rctx);

/** Endpoint record ep (< IPC_MAX_ENDPOINTS, else NULL).  For tests. */
struct ipc_ep *ipc_endpoint_get(unsigned ep);

/**
 * One receive attempt: -EINTR (counted) when ep's epoch is not epoch,
 * else as ipc_try_recv (0 or -EWOULDBLOCK; -EINVAL for bad arguments).
 * Takes ep's lock; any interrupt state.
 */
__must_check int ipc_recv_step(unsigned ep, uint64_t receiver, uint32_t epoch,
			       struct ipc_msg *out);

/**
 * Block the current task on ep's receivers, reason MESSAGE(ep)
 * (waitq_prepare_wait).  Interrupts off, no ranked lock held.  Returns 0
 * or -EINVAL for a bad ep.
 */
__must_check int ipc_wait_prepare(unsigned ep);

/**
 * End the wait begun by ipc_wait_prepare (waitq_finish_wait); done says
 * the caller leaves the loop (it took a message or was interrupted).  A
 * task that leaves after a send's wake-up already reached it has taken
 * that wake-up from another receiver: if messages remain, it passes one
 * wake on.  Returns true when a wake-up had reached the task.
 * Interrupts off, no ranked lock held.
 */
bool ipc_wait_finish(unsigned ep, bool done);

/**
 * The blocking receive loop (docs/ipc.md section 4) with block() as the
 * switch and take(tctx, m) as the consumer (ipc_take_fn).  Returns as
 * ipc_recv_blocking_into; -EINVAL also for a NULL block or take.
 */
__must_check int ipc_recv_wait_into(unsigned ep, uint64_t receiver,
				    uint32_t epoch, ipc_take_fn take,
				    void *tctx, ipc_block_fn block, void *ctx);

/**
 * ipc_recv_wait_into with the queuing, the look and the switch in one
 * call, wait(ctx, ...): the kernel's sched_wait_switch does them in one
 * run-queue critical section.  -EINVAL also for a NULL wait or take.
 */
__must_check int ipc_recv_loop_into(unsigned ep, uint64_t receiver,
				    uint32_t epoch, ipc_take_fn take,
				    void *tctx, ipc_wait_fn wait, void *ctx);

/**
 * The blocking receive loop above, with block() as the switch.  Returns
 * as ipc_recv_blocking; -EINVAL also for a NULL block.
 */
__must_check int ipc_recv_wait(unsigned ep, uint64_t receiver, uint32_t epoch,
			       struct ipc_msg *out, ipc_block_fn block,
			       void *ctx);

/**
 * The WaitMsg loop (ipc_wait_any_blocking) with block() as the switch.
 * Returns as ipc_wait_any_blocking; -EINVAL also for a NULL block.
 */
__must_check int ipc_wait_any(uint32_t mask, const uint32_t *epochs,
			      uint32_t *ready, ipc_block_fn block, void *ctx);

/* The endpoint table (endpoint.c); for the inline receive below only. */
extern struct ipc_ep ipc_endpoints[IPC_MAX_ENDPOINTS];

/*
 * The receive step and loop, written once and inlined where the take and
 * the wait are known: endpoint.c wraps them with callbacks (the host
 * tests run exactly this code), ipc_block.c with the user copy and the
 * scheduler's wait-and-switch as direct calls (the RecvMsg fast path).
 */

/*
 * Take the oldest message of ep (< IPC_MAX_ENDPOINTS) by handing it to
 * take(ctx, m) under the endpoint lock; with epoch, fail -EINTR once it
 * moved.  When take fails the message stays first in the queue and its
 * error is returned.
 */
static __attribute__((always_inline)) inline int
ipc_recv_step_inline(unsigned ep, uint64_t receiver, const uint32_t *epoch,
		     ipc_take_fn take, void *ctx)
{
	struct ipc_ep *e = &ipc_endpoints[ep];
	const struct ipc_msg *m;
	uint64_t sender;
	uint32_t from, seq;
	uint16_t len;
	int err;

	unsigned long flags = spin_lock_irqsave(&e->lock);

	if (epoch && e->epoch != *epoch) {
		e->stats.interrupted++;
		spin_unlock_irqrestore(&e->lock, flags);
		return -EINTR;
	}
	if (e->count == 0) {
		spin_unlock_irqrestore(&e->lock, flags);
		return -EWOULDBLOCK;
	}
	m = &e->ring[e->head];
	err = take(ctx, m);
	if (err) {
		spin_unlock_irqrestore(&e->lock, flags);
		return err;
	}
	sender = m->sender_pid;
	from = m->from;
	seq = m->seq;
	len = m->len;
	e->head = (e->head + 1) & (IPC_QUEUE_DEPTH - 1u);
	e->count--;
	e->stats.received++;
	e->stats.depth = e->count;
	spin_unlock_irqrestore(&e->lock, flags);
	audit_ipc_event(AUDIT_IPC_RECV, receiver, ep, len, sender, from, seq);
	return 0;
}

/*
 * Whether a receive on ep could end now - a message queued, or the epoch
 * moved (-EINTR) - read without the lock.  A hint: false may be stale
 * only in ways the wait queue covers (docs/ipc.md "Sleeping").
 */
static inline bool ipc_peek_ready(unsigned ep, uint32_t epoch)
{
	const struct ipc_ep *e = &ipc_endpoints[ep];

	return __atomic_load_n(&e->count, __ATOMIC_RELAXED) != 0 ||
	       __atomic_load_n(&e->epoch, __ATOMIC_RELAXED) != epoch;
}

/* ipc_peek_ready as a waitq_ready_fn. */
struct ipc_peek_arg {
	unsigned ep;
	uint32_t epoch;
};

static inline bool ipc_peek_ready_cb(void *ctx)
{
	const struct ipc_peek_arg *p = ctx;

	return ipc_peek_ready(p->ep, p->epoch);
}

/*
 * ipc_wait_finish with the common end of a wait inline: a sender popped
 * us and made us RUNNING, and we run.  Read without a lock as
 * waitq_finish_wait reads it (the popper cleared the queue link before
 * the wake stored RUNNING, release); anything else takes the locked way.
 */
static __attribute__((always_inline)) inline bool
ipc_wait_finish_inline(unsigned ep, bool done)
{
	struct ipc_ep *e = &ipc_endpoints[ep];
	struct runqueue *rq = sched_this_rq();
	struct task *cur = rq ? rq->current : NULL;

	if (!cur || __atomic_load_n(&cur->state, __ATOMIC_ACQUIRE) !=
			    TASK_RUNNING ||
	    __atomic_load_n(&cur->wq, __ATOMIC_ACQUIRE))
		return ipc_wait_finish(ep, done);
	/* Woken: pass the wake on while messages remain (docs/ipc.md,
	 * "Lost wake-ups"), as ipc_wait_finish. */
	if (done && __atomic_load_n(&e->count, __ATOMIC_RELAXED))
		(void)waitq_wake_one(&e->receivers);
	return true;
}

/*
 * The blocking receive loop (docs/ipc.md section 4) on ep (<
 * IPC_MAX_ENDPOINTS) with take and wait non-NULL.
 */
static __attribute__((always_inline)) inline int
ipc_recv_loop_inline(unsigned ep, uint64_t receiver, uint32_t epoch,
		     ipc_take_fn take, void *tctx, ipc_wait_fn wait, void *ctx)
{
	struct ipc_peek_arg pa = {ep, epoch};
	int err;

	err = ipc_peek_ready(ep, epoch)
		  ? ipc_recv_step_inline(ep, receiver, &epoch, take, tctx)
		  : -EWOULDBLOCK;
	while (err == -EWOULDBLOCK) {
		unsigned long flags = arch_irq_save();
		/*
		 * Queue, then look: a send or reset from now on takes us off
		 * the queue and wakes us.  A peek without the lock is enough
		 * to decide to sleep: we joined under the endpoint lock, so
		 * every send that did not find us there is visible to the
		 * loads (docs/ipc.md, "Sleeping").  Either way (a message or
		 * the epoch seen, or woken) we try once, before leaving the
		 * queue, so the common case never queues twice.
		 */
		int w = wait(ctx, &ipc_endpoints[ep].receivers,
			     task_block(TASK_BLOCK_MESSAGE, ep),
			     ipc_peek_ready_cb, &pa);

		if (w >= 0) {
			err = ipc_recv_step_inline(ep, receiver, &epoch, take,
						   tctx);
			(void)ipc_wait_finish_inline(ep,
						     err != -EWOULDBLOCK);
		} else {
			err = w;
		}
		arch_irq_restore(flags);
	}
	return err;
}
