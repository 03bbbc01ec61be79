/*
 * kernel/ipc/endpoint.c - endpoints, their message queues and receivers
 * (interface and locking in ipc.h, design in docs/ipc.md).
 *
 * Each endpoint is a shard of its own: a spinlock, a ring of
 * IPC_QUEUE_DEPTH messages and a wait queue.  A send stamps the message
 * in place under the lock, drops the lock, then wakes one receiver: the
 * wake takes the receiver's home run-queue lock, which ranks below the
 * endpoint lock, so it must never run with the endpoint lock held.
 */
#include "kernel/ipc/ipc.h"

#include "kernel/arch/arch.h"
#include "kernel/audit/audit.h"
#include "kernel/core/lockrank.h"
#include "kernel/core/spinlock.h"
#include "kernel/ipc/ipc_internal.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/task.h"
#include "kernel/sched/waitq.h"
#include "lib/klib/string.h"
#include "abi/errno.h"
#include "abi/ipc.h"

#define RING_MASK (IPC_QUEUE_DEPTH - 1u)

_Static_assert((IPC_QUEUE_DEPTH & RING_MASK) == 0,
	       "queue depth must be a power of two");
_Static_assert(IPC_MSG_SIZE <= UINT16_MAX, "len is a u16");
_Static_assert(IPC_MAX_ENDPOINTS <= 32, "endpoint masks are u32");
_Static_assert(sizeof(struct ipc_msg) == 312,
	       "message: 24 bytes of metadata, Principal, 256-byte payload");
_Static_assert(sizeof(((struct ipc_recv_hdr *)0)->sender) == PRINCIPAL_SIZE,
	       "recv header Principal");
/* ipc_recv_image: Principal, from and payload as syscalls.md 7.1 has them. */
_Static_assert(offsetof(struct ipc_msg, from) ==
		       offsetof(struct ipc_msg, sender) + PRINCIPAL_SIZE &&
		   offsetof(struct ipc_msg, payload) ==
		       offsetof(struct ipc_msg, sender) + IPC_RECV_HDR_SIZE,
	       "message header in the RecvMsg layout");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "ipc_recv_image: from is stored little-endian");

/* The endpoints; locks and wait queues are set up by ipc_init.  Shared
 * with the receive loop's inline body (ipc_internal.h) only. */
struct ipc_ep ipc_endpoints[IPC_MAX_ENDPOINTS];
#define endpoints ipc_endpoints

/*
 * Tasks in WaitMsg (ipc_wait_any): one queue for all of them, woken whole
 * by every send and reset.  Few tasks ever wait on several endpoints (a
 * driver serving a kernel and a user endpoint), so a wake that finds
 * nothing for some of them costs little; a send checks the queue without
 * its lock (the Dekker pattern of the per-endpoint queues, docs/ipc.md).
 */
static struct waitq any_waiters = WAITQ_INIT("ipc-any");

/* Wake every WaitMsg waiter; call after the condition changed, no lock. */
static void wake_any_waiters(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (waitq_has_waiters(&any_waiters))
		(void)waitq_wake_all(&any_waiters);
}

/* Identity stamped on a message: from the kernel's records only. */
struct stamp {
	uint64_t pid;		  /* sender's ProcessId */
	uint32_t from;		  /* after the from rule */
	uint16_t flags;		  /* IPC_MSG_* */
	const uint8_t *principal; /* PRINCIPAL_SIZE bytes, NULL = zeros */
};

static void reset_endpoint_locked(struct ipc_ep *e)
{
	e->stats.dropped += e->count;
	e->head = 0;
	e->count = 0;
	e->stats.depth = 0;
	e->owned = false;
	e->owner = 0;
	e->epoch++;
	/* No stale payload survives a change of owner. */
	memset(e->ring, 0, sizeof(e->ring));
}

void ipc_init(void)
{
	for (unsigned i = 0; i < IPC_MAX_ENDPOINTS; i++) {
		struct ipc_ep *e = &endpoints[i];

		memset(e, 0, sizeof(*e));
		spin_init(&e->lock, "ipc_endpoint", LOCK_RANK_IPC);
		/* One lock for the queue and its receivers: a send queues a
		 * message and takes the receiver to wake in one go. */
		waitq_init_guarded(&e->receivers, "ipc_receivers", &e->lock);
		e->next_seq = 1;
	}
}

struct ipc_ep *ipc_endpoint_get(unsigned ep)
{
	return ep < IPC_MAX_ENDPOINTS ? &endpoints[ep] : NULL;
}

/* The payload source of a send: len bytes into dst, or an error. */
struct payload_src {
	ipc_fill_fn fill; /* NULL: copy from data */
	void *ctx;
	const void *data;
};

static int fill_payload(const struct payload_src *src, uint8_t *dst,
			size_t len)
{
	if (!len)
		return 0;
	if (src->fill)
		return src->fill(src->ctx, dst, len);
	memcpy(dst, src->data, len);
	return 0;
}

/* Everything but the payload. */
/*
 * Count the message just written into the ring slot after the last one
 * and take the longest-waiting receiver off the queue, under e's lock.
 * The receivers' queue shares the endpoint lock: the waiter comes off it
 * in the critical section that queued the message, so a receiver either
 * saw the message before it joined or is taken here (docs/ipc.md,
 * "Sleeping").  Both sends (deliver, ipc_send_fast) end this way.
 */
static inline __attribute__((always_inline)) task_id_t
commit_locked(struct ipc_ep *e)
{
	e->count++;
	e->stats.sent++;
	e->stats.depth = e->count;
	if (e->count > e->stats.peak)
		e->stats.peak = e->count;
	return waitq_pop_locked(&e->receivers);
}

static void fill_header(struct ipc_msg *m, unsigned ep, uint32_t seq,
			const struct stamp *st, size_t len)
{
	m->sender_pid = st->pid;
	m->seq = seq;
	m->from = st->from;
	m->to = ep;
	m->len = (uint16_t)len;
	m->flags = st->flags;
	/* Fixed-size builtins: inline moves, not calls. */
	if (st->principal)
		__builtin_memcpy(m->sender, st->principal, PRINCIPAL_SIZE);
	else
		__builtin_memset(m->sender, 0, PRINCIPAL_SIZE);
	/*
	 * Bytes past len are not cleared: every reader copies len bytes only
	 * (copy_msg, ipc_format_recv, ipc_copy_payload), so an earlier
	 * message's bytes never leave the ring.
	 */
}

/* Copy the header and the len valid payload bytes of src. */
static void copy_msg(struct ipc_msg *dst, const struct ipc_msg *src)
{
	memcpy(dst, src, offsetof(struct ipc_msg, payload) + src->len);
}

/*
 * Audit (kernel.md section 3): every send and receive is reported after
 * the endpoint lock is dropped; audit_ipc_event samples 1 in 100 inline.
 * IpcSend: sender / endpoint / length, then from and sequence number.
 */
static void audit_send(const struct ipc_msg *m)
{
	audit_ipc_event(AUDIT_IPC_SEND, m->sender_pid, m->to, m->len, m->from,
		   m->seq, 0);
}


/* Hand a stamped message to ep's sink (called with no lock held). */
static int deliver_to_sink(unsigned ep, uint32_t seq, const struct stamp *st,
			   const struct payload_src *src, size_t len,
			   ipc_sink_fn fn, void *ctx)
{
	struct ipc_msg m;
	int err;

	fill_header(&m, ep, seq, st, len);
	err = fill_payload(src, m.payload, len);
	if (err)
		return err;
	audit_send(&m);
	return fn(ctx, &m);
}

/*
 * Queue (or sink) one message; the common part of every send.  A receiver
 * taken off the queue is woken, or with taken its id is left there for
 * the caller to wake (TASK_ID_NONE: none waited).
 */
static int deliver(unsigned ep, const struct stamp *st,
		   const struct payload_src *src, size_t len, task_id_t *taken)
{
	struct ipc_ep *e;
	struct ipc_msg *m;
	ipc_sink_fn sink;
	void *sink_ctx;
	uint32_t seq;
	task_id_t waiter;

	if (ep >= IPC_MAX_ENDPOINTS || len > IPC_MSG_SIZE ||
	    (len && !src->fill && !src->data))
		return -EINVAL;
	e = &endpoints[ep];

	unsigned long flags = spin_lock_irqsave(&e->lock);

	if (taken)
		*taken = TASK_ID_NONE;
	seq = e->next_seq;
	sink = e->sink;
	if (sink) {
		sink_ctx = e->sink_ctx;
		e->next_seq++;
		e->stats.sunk++;
		spin_unlock_irqrestore(&e->lock, flags);
		return deliver_to_sink(ep, seq, st, src, len, sink, sink_ctx);
	}
	/* A full queue refuses; the sender may retry (docs/ipc.md). */
	if (e->count == IPC_QUEUE_DEPTH) {
		e->stats.full++;
		spin_unlock_irqrestore(&e->lock, flags);
		return -EWOULDBLOCK;
	}
	m = &e->ring[(e->head + e->count) & RING_MASK];
	/* The payload goes straight into the slot; a source that fails
	 * (a bad user buffer) leaves the queue as it was. */
	int err = fill_payload(src, m->payload, len);

	if (err) {
		spin_unlock_irqrestore(&e->lock, flags);
		return err;
	}
	fill_header(m, ep, seq, st, len);
	e->next_seq++;
	waiter = commit_locked(e);
	spin_unlock_irqrestore(&e->lock, flags);
	/* From the stamp: a receiver may already have emptied the ring slot. */
	audit_ipc_event(AUDIT_IPC_SEND, st->pid, ep, len, st->from, seq, 0);
	/*
	 * Wake it with the lock dropped, on whatever CPU it sleeps (the
	 * original woke only receivers on the sender's CPU).  One killed
	 * since it queued is passed over for the next.
	 */
	if (taken)
		*taken = waiter;
	else if (waiter != TASK_ID_NONE && !sched_wake_id(waiter).woken)
		(void)waitq_wake_one(&e->receivers);
	/* WaitMsg waiters have a queue of their own: the fenced look. */
	wake_any_waiters();
	return 0;
}

/* The stamp of a user send (the from rule and the self-send rule). */
static int user_stamp(unsigned ep, const struct ipc_sender *who, size_t len,
		      struct stamp *out)
{
	struct stamp st;
	uint32_t slot;

	if (!who || ep >= IPC_MAX_ENDPOINTS || len > IPC_MSG_SIZE ||
	    (who->reply_ep >= IPC_MAX_ENDPOINTS &&
	     who->reply_ep != IPC_NO_REPLY_EP))
		return -EINVAL;
	slot = ipc_id_index(who->pid);
	st.pid = who->pid;
	st.flags = 0;
	st.principal = who->principal;
	/* ipc.md section 3: writes to 25 carry the slot, others the reply
	 * endpoint when one is registered. */
	if (who->reply_ep != IPC_NO_REPLY_EP && ep != IPC_EP_BLK_KREPLY)
		st.from = who->reply_ep;
	else
		st.from = slot;
	/* ipc.md section 6, default on_send rule: no self-send. */
	if (st.from == ep && slot == ep)
		return -EPERM;
	*out = st;
	return 0;
}

int ipc_send(unsigned ep, const struct ipc_sender *who, const void *payload,
	     size_t len)
{
	struct payload_src src = {NULL, NULL, payload};
	struct stamp st;
	int err = user_stamp(ep, who, len, &st);

	return err ? err : deliver(ep, &st, &src, len, NULL);
}

int ipc_send_from(unsigned ep, const struct ipc_sender *who, size_t len,
		  ipc_fill_fn fill, void *ctx)
{
	struct payload_src src = {fill, ctx, NULL};
	struct stamp st;
	int err;

	if (!fill)
		return -EINVAL;
	err = user_stamp(ep, who, len, &st);
	return err ? err : deliver(ep, &st, &src, len, NULL);
}

int ipc_send_handoff(unsigned ep, const struct ipc_sender *who, size_t len,
		     ipc_fill_fn fill, void *ctx, task_id_t *taken)
{
	struct payload_src src = {fill, ctx, NULL};
	struct stamp st;
	int err;

	if (taken)
		*taken = TASK_ID_NONE;
	if (!fill || !taken)
		return -EINVAL;
	err = user_stamp(ep, who, len, &st);
	return err ? err : deliver(ep, &st, &src, len, taken);
}

int ipc_send_fast(unsigned ep, uint64_t pid, uint32_t from,
		  const uint8_t *principal, size_t len, ipc_fill_fn fill,
		  void *ctx, task_id_t *taken)
{
	struct ipc_ep *e;
	struct ipc_msg *m;
	task_id_t waiter;
	uint32_t seq;

	*taken = TASK_ID_NONE;
	if (ep >= IPC_MAX_ENDPOINTS || len > IPC_MSG_SIZE || !fill ||
	    !principal)
		return IPC_FAST_FALLBACK;
	e = &endpoints[ep];

	unsigned long flags = spin_lock_irqsave(&e->lock);

	/* Sinks and a full queue are the general path's business. */
	if (e->sink || e->count == IPC_QUEUE_DEPTH)
		goto fallback;
	m = &e->ring[(e->head + e->count) & RING_MASK];
	/* A fault queues nothing; the general path reports it. */
	if (len && fill(ctx, m->payload, len))
		goto fallback;
	seq = e->next_seq++;
	m->sender_pid = pid;
	m->seq = seq;
	m->from = from;
	m->to = ep;
	m->len = (uint16_t)len;
	m->flags = 0;
	__builtin_memcpy(m->sender, principal, PRINCIPAL_SIZE);
	waiter = commit_locked(e);
	spin_unlock_irqrestore(&e->lock, flags);
	audit_ipc_event(AUDIT_IPC_SEND, pid, ep, len, from, seq, 0);
	*taken = waiter;
	wake_any_waiters();
	return 0;
fallback:
	spin_unlock_irqrestore(&e->lock, flags);
	return IPC_FAST_FALLBACK;
}

void ipc_wake_receiver(unsigned ep)
{
	struct ipc_ep *e = ipc_endpoint_get(ep);

	if (e)
		(void)waitq_wake_one(&e->receivers);
}

int ipc_send_kernel(unsigned ep, uint32_t from, const void *payload, size_t len)
{
	struct stamp st = {
	    .pid = IPC_PID_KERNEL,
	    .from = from,
	    .flags = IPC_MSG_KERNEL,
	    .principal = NULL,
	};
	struct payload_src src = {NULL, NULL, payload};

	return deliver(ep, &st, &src, len, NULL);
}

/* The take function of the plain receives: copy into a kernel buffer. */
static int take_copy(void *ctx, const struct ipc_msg *m)
{
	copy_msg(ctx, m);
	return 0;
}

/* The receive step (ipc_internal.h) with take as a call. */
static int recv_common(unsigned ep, uint64_t receiver, const uint32_t *epoch,
		       ipc_take_fn take, void *ctx)
{
	if (ep >= IPC_MAX_ENDPOINTS || !take)
		return -EINVAL;
	return ipc_recv_step_inline(ep, receiver, epoch, take, ctx);
}

int ipc_try_recv(unsigned ep, uint64_t receiver, struct ipc_msg *out)
{
	if (!out)
		return -EINVAL;
	return recv_common(ep, receiver, NULL, take_copy, out);
}

int ipc_try_recv_into(unsigned ep, uint64_t receiver, ipc_take_fn take,
		      void *ctx)
{
	return recv_common(ep, receiver, NULL, take, ctx);
}

int ipc_recv_step(unsigned ep, uint64_t receiver, uint32_t epoch,
		  struct ipc_msg *out)
{
	if (!out)
		return -EINVAL;
	return recv_common(ep, receiver, &epoch, take_copy, out);
}

uint32_t ipc_endpoint_epoch(unsigned ep)
{
	struct ipc_ep *e = ipc_endpoint_get(ep);
	uint32_t epoch;

	if (!e)
		return 0;

	/* One aligned word: no lock needed to read it whole. */
	epoch = __atomic_load_n(&e->epoch, __ATOMIC_ACQUIRE);
	return epoch;
}

int ipc_wait_prepare(unsigned ep)
{
	if (ep >= IPC_MAX_ENDPOINTS)
		return -EINVAL;
	return waitq_prepare_wait(&endpoints[ep].receivers,
				  task_block(TASK_BLOCK_MESSAGE, ep));
}

bool ipc_wait_finish(unsigned ep, bool done)
{
	struct ipc_ep *e = ipc_endpoint_get(ep);
	bool woken;

	if (!e)
		return false;
	woken = waitq_finish_wait(&e->receivers);

	/*
	 * A send that found us still queued popped us instead of a receiver
	 * that really sleeps, but we leave without looking again.  Pass the
	 * wake-up on while messages remain, or they could sit in the queue
	 * beside a sleeping receiver (docs/ipc.md, "Lost wake-ups").
	 */
	if (done && woken && __atomic_load_n(&e->count, __ATOMIC_RELAXED))
		(void)waitq_wake_one(&e->receivers);
	return woken;
}

int ipc_recv_loop_into(unsigned ep, uint64_t receiver, uint32_t epoch,
		       ipc_take_fn take, void *tctx, ipc_wait_fn wait,
		       void *ctx)
{
	if (!wait || !take || ep >= IPC_MAX_ENDPOINTS)
		return -EINVAL;
	return ipc_recv_loop_inline(ep, receiver, epoch, take, tctx, wait, ctx);
}

/* The loop's wait from a prepare and a separate switch, block(). */
struct block_wait {
	ipc_block_fn block;
	void *ctx;
};

static int prepare_then_block(void *ctx, struct waitq *wq,
			      struct task_block_reason reason,
			      waitq_ready_fn ready, void *rctx)
{
	const struct block_wait *b = ctx;
	int err = waitq_prepare_wait(wq, reason);

	if (err)
		return err;
	if (ready(rctx))
		return 1;
	b->block(b->ctx);
	return 0;
}

int ipc_recv_wait_into(unsigned ep, uint64_t receiver, uint32_t epoch,
		       ipc_take_fn take, void *tctx, ipc_block_fn block,
		       void *ctx)
{
	struct block_wait b = {block, ctx};

	if (!block)
		return -EINVAL;
	return ipc_recv_loop_into(ep, receiver, epoch, take, tctx,
				  prepare_then_block, &b);
}

int ipc_recv_wait(unsigned ep, uint64_t receiver, uint32_t epoch,
		  struct ipc_msg *out, ipc_block_fn block, void *ctx)
{
	if (!out)
		return -EINVAL;
	return ipc_recv_wait_into(ep, receiver, epoch, take_copy, out, block,
				  ctx);
}

/*
 * The endpoints of mask holding a message, into *ready; -EINTR when one
 * of them left its epoch.  Lock-free, as peek_ready.
 */
static int any_ready(uint32_t mask, const uint32_t *epochs, uint32_t *ready)
{
	uint32_t got = 0;

	for (unsigned ep = 0; ep < IPC_MAX_ENDPOINTS; ep++) {
		if (!(mask & (1u << ep)))
			continue;
		if (__atomic_load_n(&endpoints[ep].epoch, __ATOMIC_RELAXED) !=
		    epochs[ep])
			return -EINTR;
		if (__atomic_load_n(&endpoints[ep].count, __ATOMIC_RELAXED))
			got |= 1u << ep;
	}
	*ready = got;
	return 0;
}

int ipc_wait_any(uint32_t mask, const uint32_t *epochs, uint32_t *ready,
		 ipc_block_fn block, void *ctx)
{
	int err;

	if (!mask || !epochs || !ready || !block)
		return -EINVAL;
	if (IPC_MAX_ENDPOINTS < 32 && (mask >> (IPC_MAX_ENDPOINTS & 31)))
		return -EINVAL;
	err = any_ready(mask, epochs, ready);
	while (err == 0 && *ready == 0) {
		unsigned long flags = arch_irq_save();

		err = waitq_prepare_wait(&any_waiters,
					 task_block(TASK_BLOCK_MESSAGE_ANY, mask));
		if (err == 0) {
			/* Queued before looking: a send from now on wakes
			 * us; the fence pairs with the sender's. */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			err = any_ready(mask, epochs, ready);
			if (err == 0 && *ready == 0)
				block(ctx);
			(void)waitq_finish_wait(&any_waiters);
			if (err == 0 && *ready == 0)
				err = any_ready(mask, epochs, ready);
		}
		arch_irq_restore(flags);
	}
	return err;
}

int ipc_format_recv(const struct ipc_msg *msg, void *buf, size_t buf_len,
		    size_t *written)
{
	uint8_t *b = buf;
	size_t n;

	if (written)
		*written = 0;
	if (!msg || !buf || !written || buf_len < IPC_RECV_HDR_SIZE)
		return -EINVAL;
	n = msg->len < IPC_MSG_SIZE ? msg->len : IPC_MSG_SIZE;
	if (n > buf_len - IPC_RECV_HDR_SIZE)
		n = buf_len - IPC_RECV_HDR_SIZE;
	memcpy(b, msg->sender, PRINCIPAL_SIZE);
	/* syscalls.md 7.1: little-endian whatever the CPU. */
	for (unsigned i = 0; i < 4; i++)
		b[PRINCIPAL_SIZE + i] = (uint8_t)(msg->from >> (8 * i));
	memcpy(b + IPC_RECV_HDR_SIZE, msg->payload, n);
	*written = IPC_RECV_HDR_SIZE + n;
	return 0;
}

size_t ipc_copy_payload(const struct ipc_msg *msg, void *buf, size_t max)
{
	size_t n = msg->len < IPC_MSG_SIZE ? msg->len : IPC_MSG_SIZE;

	if (n > max)
		n = max;
	if (n)
		memcpy(buf, msg->payload, n);
	return n;
}

int ipc_set_sink(unsigned ep, ipc_sink_fn fn, void *ctx)
{
	struct ipc_ep *e = ipc_endpoint_get(ep);
	int err = 0;

	if (!e)
		return -EINVAL;

	unsigned long flags = spin_lock_irqsave(&e->lock);

	if (fn && e->sink) {
		err = -EBUSY;
	} else {
		e->sink = fn;
		e->sink_ctx = fn ? ctx : NULL;
	}
	spin_unlock_irqrestore(&e->lock, flags);
	return err;
}

int ipc_endpoint_claim(unsigned ep, uint64_t pid)
{
	struct ipc_ep *e = ipc_endpoint_get(ep);
	int err = 0;

	if (!e)
		return -EINVAL;

	unsigned long flags = spin_lock_irqsave(&e->lock);

	if (!e->owned) {
		e->owned = true;
		e->owner = pid;
	} else if (e->owner != pid) {
		err = -EBUSY;
	}
	spin_unlock_irqrestore(&e->lock, flags);
	return err;
}

bool ipc_endpoint_owner(unsigned ep, uint64_t *pid)
{
	struct ipc_ep *e = ipc_endpoint_get(ep);
	bool owned;

	if (!e)
		return false;

	unsigned long flags = spin_lock_irqsave(&e->lock);

	owned = e->owned;
	if (owned && pid)
		*pid = e->owner;
	spin_unlock_irqrestore(&e->lock, flags);
	return owned;
}

int ipc_endpoint_reset(unsigned ep)
{
	struct ipc_ep *e = ipc_endpoint_get(ep);
	uint32_t dropped;

	if (!e)
		return -EINVAL;

	unsigned long flags = spin_lock_irqsave(&e->lock);

	dropped = e->count;
	reset_endpoint_locked(e);
	spin_unlock_irqrestore(&e->lock, flags);
	/* Every receiver sees the new epoch and returns -EINTR. */
	(void)waitq_wake_all(&e->receivers);
	wake_any_waiters();
	return (int)dropped;
}

int ipc_interrupt_receivers(unsigned ep)
{
	struct ipc_ep *e = ipc_endpoint_get(ep);

	if (!e)
		return -EINVAL;

	unsigned long flags = spin_lock_irqsave(&e->lock);

	e->epoch++;
	spin_unlock_irqrestore(&e->lock, flags);
	(void)waitq_wake_all(&e->receivers);
	wake_any_waiters();
	return 0;
}

unsigned ipc_process_exit(uint64_t pid)
{
	unsigned reset = 0;

	for (unsigned i = 0; i < IPC_MAX_ENDPOINTS; i++) {
		struct ipc_ep *e = &endpoints[i];
		bool mine;

		unsigned long flags = spin_lock_irqsave(&e->lock);

		mine = e->owned && e->owner == pid;
		if (mine)
			reset_endpoint_locked(e);
		spin_unlock_irqrestore(&e->lock, flags);
		if (mine) {
			(void)waitq_wake_all(&e->receivers);
			reset++;
		}
	}
	if (reset)
		wake_any_waiters();
	return reset;
}

unsigned ipc_reset_endpoints(uint32_t mask)
{
	unsigned dropped = 0;

	for (unsigned i = 0; i < IPC_MAX_ENDPOINTS; i++) {
		if (mask & (1u << i))
			dropped += (unsigned)ipc_endpoint_reset(i);
	}
	return dropped;
}

/* Drop pid's messages from e, keeping the rest in order; e's lock held. */
static unsigned purge_locked(struct ipc_ep *e, uint64_t pid)
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < e->count; i++) {
		struct ipc_msg *src = &e->ring[(e->head + i) & RING_MASK];
		struct ipc_msg *dst = &e->ring[(e->head + kept) & RING_MASK];

		if (src->sender_pid == pid)
			continue;
		/* dst trails src, so nothing unread is overwritten. */
		if (dst != src)
			memcpy(dst, src, sizeof(*dst));
		kept++;
	}

	unsigned gone = e->count - kept;

	for (uint32_t i = kept; i < e->count; i++)
		memset(&e->ring[(e->head + i) & RING_MASK], 0,
		       sizeof(struct ipc_msg));
	e->count = kept;
	e->stats.depth = kept;
	e->stats.dropped += gone;
	return gone;
}

unsigned ipc_purge_sender(uint64_t pid)
{
	unsigned gone = 0;

	for (unsigned i = 0; i < IPC_MAX_ENDPOINTS; i++) {
		struct ipc_ep *e = &endpoints[i];

		unsigned long flags = spin_lock_irqsave(&e->lock);

		gone += purge_locked(e, pid);
		spin_unlock_irqrestore(&e->lock, flags);
	}
	/* Removing messages makes no receiver's condition true: no wake. */
	return gone;
}

uint32_t ipc_pending(unsigned ep)
{
	struct ipc_ep *e = ipc_endpoint_get(ep);
	uint32_t n;

	if (!e)
		return 0;

	unsigned long flags = spin_lock_irqsave(&e->lock);

	n = e->count;
	spin_unlock_irqrestore(&e->lock, flags);
	return n;
}

int ipc_endpoint_stats(unsigned ep, struct ipc_stats *out)
{
	struct ipc_ep *e = ipc_endpoint_get(ep);

	if (!e || !out)
		return -EINVAL;

	unsigned long flags = spin_lock_irqsave(&e->lock);

	*out = e->stats;
	spin_unlock_irqrestore(&e->lock, flags);
	return 0;
}

void ipc_stats_total(struct ipc_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < IPC_MAX_ENDPOINTS; i++) {
		struct ipc_stats s;

		if (ipc_endpoint_stats(i, &s))
			continue;
		out->sent += s.sent;
		out->received += s.received;
		out->full += s.full;
		out->dropped += s.dropped;
		out->sunk += s.sunk;
		out->interrupted += s.interrupted;
		out->depth += s.depth;
		if (s.peak > out->peak)
			out->peak = s.peak;
	}
}

static const char *check_locked(const struct ipc_ep *e, unsigned ep)
{
	if (e->head >= IPC_QUEUE_DEPTH)
		return "head out of range";
	if (e->count > IPC_QUEUE_DEPTH)
		return "count above the queue depth";
	if (e->stats.depth != e->count)
		return "depth counter differs from count";
	if (e->stats.peak < e->count)
		return "peak below the current depth";
	for (uint32_t i = 0; i < e->count; i++) {
		const struct ipc_msg *m = &e->ring[(e->head + i) & RING_MASK];

		if (m->to != ep)
			return "queued message addressed elsewhere";
		if (m->len > IPC_MSG_SIZE)
			return "queued message longer than IPC_MSG_SIZE";
		if (i > 0) {
			const struct ipc_msg *p =
			    &e->ring[(e->head + i - 1) & RING_MASK];

			if ((int32_t)(m->seq - p->seq) <= 0)
				return "sequence numbers out of order";
		}
		if ((int32_t)(e->next_seq - m->seq) <= 0)
			return "queued message from the future";
	}
	return NULL;
}

bool ipc_check(unsigned ep, const char **why)
{
	struct ipc_ep *e = ipc_endpoint_get(ep);
	const char *bad = "no such endpoint";

	if (e) {
		unsigned long flags = spin_lock_irqsave(&e->lock);

		bad = check_locked(e, ep);
		spin_unlock_irqrestore(&e->lock, flags);
	}
	if (why)
		*why = bad;
	return !bad;
}
