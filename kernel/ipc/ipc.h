/*
 * kernel/ipc/ipc.h - the IPC core: 32 endpoints, each a FIFO of 16
 * fixed-size messages stamped with the sender's identity, with its own
 * lock and a wait queue of blocked receivers (spec ipc.md sections 1-4,
 * 10; syscalls.md 1, 2, 13, 37 and 7.1; design in docs/ipc.md).
 *
 * This module moves messages.  It does not check capabilities (the
 * syscall layer does, before calling), copy user memory, or know who owns
 * a process: callers hand it the sender's identity as the kernel knows it
 * (struct ipc_sender), never bytes from user space.
 *
 * Locking.  Every endpoint has its own spinlock (rank LOCK_RANK_IPC,
 * interrupt-disabling) and a wait queue; there is no global IPC lock.  No
 * function here takes two endpoint locks.  Unless a function says
 * otherwise, call it with NO ranked lock held and from task context, not
 * from an interrupt handler: sends and resets wake receivers, which takes
 * run-queue locks (docs/scheduler.md "Locks"), and the endpoint lock is
 * always dropped before waking.  Interrupt state on return is as on entry.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/ipc.h"
#include "kernel/sched/task.h"

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

/** ProcessId of the kernel (slot 0, generation 0): kernel-sent messages. */
#define IPC_PID_KERNEL 0ull

/**
 * struct ipc_sender.reply_ep of a process without a reply endpoint.  The
 * same value as CAP_NO_ENDPOINT (kernel/cap/cap.h), so the capability
 * manager's registry passes straight through; endpoint 0 is a valid
 * reply endpoint (docs/ipc.md, deviation from ipc.md section 3's 0).
 */
#define IPC_NO_REPLY_EP 0xFFFFFFFFu

/** struct ipc_msg.flags: the kernel sent it (ipc_send_kernel). */
#define IPC_MSG_KERNEL 0x1u

/**
 * A message as the kernel keeps it (spec ipc.md section 2).  Everything
 * but the payload is written by the kernel when the message is queued.
 */
struct ipc_msg {
	uint64_t sender_pid; /**< ProcessId of the sender; IPC_PID_KERNEL
				  for kernel messages */
	uint32_t seq;	     /**< per-endpoint sequence number, from 1 */
	uint32_t to;	     /**< endpoint it was sent to */
	uint16_t len;	     /**< payload bytes, 0 .. IPC_MSG_SIZE */
	uint16_t flags;	     /**< IPC_MSG_* */
	/*
	 * sender, from and payload follow each other as a RecvMsg returns
	 * them (syscalls.md 7.1, on a little-endian CPU): a receive copies
	 * header and payload out in one go (ipc_recv_image).
	 */
	uint8_t sender[PRINCIPAL_SIZE]; /**< sender's Principal; all zero =
					     anonymous (kernel, unbound) */
	uint32_t from;	     /**< endpoint a reply goes to (the from rule) */
	uint8_t payload[IPC_MSG_SIZE];	/**< len bytes valid; the rest is
					     unspecified: read len bytes */
};

/**
 * The first IPC_RECV_HDR_SIZE + len bytes at the result are msg as
 * RecvMsg returns it: Principal, from (u32 little-endian), payload
 * (endpoint.c asserts the layout and the byte order).
 */
static inline const void *ipc_recv_image(const struct ipc_msg *msg)
{
	return msg->sender;
}

/**
 * Who sends, as the kernel knows it: the syscall layer fills this from
 * the caller's process record after the capability check, never from
 * user input (spec ipc.md section 6: "stamp sender Principal").
 */
struct ipc_sender {
	uint64_t pid; /**< caller's ProcessId; its slot is pid's low 32 bits */
	/** bound Principal, or zeros (8-aligned: copied word by word) */
	_Alignas(8) uint8_t principal[PRINCIPAL_SIZE];
	uint32_t reply_ep; /**< caller's reply endpoint from the registry
			      (cap_send_prepare's reply_ep),
			      IPC_NO_REPLY_EP = none */
};

/** Counters of one endpoint, or of all of them (ipc_stats_total). */
struct ipc_stats {
	uint64_t sent;	      /**< messages queued (user and kernel) */
	uint64_t received;    /**< messages taken off the queue */
	uint64_t full;	      /**< sends refused because the queue was full */
	uint64_t dropped;     /**< queued messages discarded (reset, purge) */
	uint64_t sunk;	      /**< sends handed to a kernel sink, not queued */
	uint64_t interrupted; /**< blocking receives ended with -EINTR */
	uint32_t depth;	      /**< messages queued now */
	uint32_t peak;	      /**< most messages ever queued at once */
};

/**
 * A kernel consumer of an endpoint (ipc_set_sink): gets each message sent
 * there instead of the queue, e.g. endpoint 23, the policy service's
 * answers (spec ipc.md section 4: "consumed by the kernel and never
 * queued").  Runs in the sender's context with no IPC lock held; its
 * return value is the send's (0, or a negative abi/errno.h code).
 */
typedef int (*ipc_sink_fn)(void *ctx, const struct ipc_msg *msg);

/**
 * Set up every endpoint: empty queues, no owner, no sink, counters zero.
 * Call once at boot before any other ipc_* function, with no other CPU
 * using IPC (tests call it per case).  Cannot fail.
 */
void ipc_init(void);

/**
 * Queue payload[0, len) on endpoint ep, stamped with who's identity, and
 * wake the longest-waiting receiver on whatever CPU it sleeps.
 *
 * The from rule (ipc.md section 3): from = who->reply_ep unless it is
 * IPC_NO_REPLY_EP, else who's process slot; a send to IPC_EP_BLK_KREPLY
 * (25) always carries the slot.  The message's Principal is who->principal
 * (zeros: anonymous) and its sender_pid who->pid.  An endpoint with a sink
 * hands the message to the sink instead (no queueing, no wake).
 *
 * Returns 0; -EINVAL when ep >= IPC_MAX_ENDPOINTS, len > IPC_MSG_SIZE,
 * who is NULL, payload is NULL with len > 0, or who->reply_ep is neither
 * an endpoint nor IPC_NO_REPLY_EP; -EPERM for a self-send (from == ep and the
 * slot == ep, the default on_send rule of ipc.md section 6); -EWOULDBLOCK when
 * the queue already holds IPC_QUEUE_DEPTH messages (nothing queued: the
 * caller may retry); or the sink's error.  len 0 queues an empty message.
 * No ranked lock held; not from interrupt handlers.
 */
__must_check int ipc_send(unsigned ep, const struct ipc_sender *who,
			  const void *payload, size_t len);

/**
 * Where a send's payload comes from when it is not a kernel buffer: copy
 * len bytes into dst (the queue slot, under the endpoint lock: it must
 * not block, sleep or take a lock; a user copy that faults is fine).
 * Returns 0 or a negative errno.
 */
typedef int (*ipc_fill_fn)(void *ctx, uint8_t *dst, size_t len);

/**
 * As ipc_send, with the payload written straight into the queue slot by
 * fill(ctx, slot, len) (a copy from user memory: one copy instead of two).
 * When fill fails nothing is queued and its error is returned.  -EINVAL
 * also for a NULL fill.
 */
__must_check int ipc_send_from(unsigned ep, const struct ipc_sender *who,
			       size_t len, ipc_fill_fn fill, void *ctx);

/**
 * As ipc_send_from, but a blocked receiver the message takes off ep's
 * queue is left for the caller to wake: its id goes to *taken
 * (TASK_ID_NONE when nobody waited; also on error).  The syscall layer
 * hands it the CPU (sched_handoff, docs/ipc.md "Direct switch"), or wakes
 * it; when it had stopped waiting, the caller calls ipc_wake_receiver(ep)
 * so that another receiver looks.  -EINVAL also for a NULL taken.
 */
__must_check int ipc_send_handoff(unsigned ep, const struct ipc_sender *who,
				  size_t len, ipc_fill_fn fill, void *ctx,
				  task_id_t *taken);

/** ipc_send_fast's answer when the general path must do the send. */
#define IPC_FAST_FALLBACK 1

/**
 * The fast path's send (docs/ipc.md "Fast path"): the caller has checked
 * everything ipc_send_handoff and the syscall layer check (the from rule
 * applied: from is the stamp's; principal is the sender's bound
 * Principal).  Queues one message stamped {pid, from, principal} with
 * its payload from fill(ctx, slot, len), straight into the slot, and
 * takes the longest waiting receiver as ipc_send_handoff does (*taken).
 * Returns 0, or IPC_FAST_FALLBACK with nothing changed when the general
 * path must send instead: ep has a sink, its queue is full, or fill
 * failed (the general path then fails the same way and says so).
 * Counted and audited exactly as the general path's sends.
 */
__must_check int ipc_send_fast(unsigned ep, uint64_t pid, uint32_t from,
			       const uint8_t *principal, size_t len,
			       ipc_fill_fn fill, void *ctx, task_id_t *taken);

/**
 * Wake the longest-waiting receiver of ep, if any (after a taken receiver
 * of ipc_send_handoff turned out gone).  No ranked lock held.
 */
void ipc_wake_receiver(unsigned ep);

/**
 * As ipc_send for a message the kernel itself originates (policy queries
 * to 22 with from = 23, virtio-blk commands to 26 with from = 25; ipc.md
 * section 3): anonymous (Principal all zero), sender_pid IPC_PID_KERNEL,
 * flags IPC_MSG_KERNEL, from as given.  Returns 0, -EINVAL (bad ep, len or
 * payload), -EWOULDBLOCK (queue full), or the sink's error.  Locking as
 * ipc_send.
 */
__must_check int ipc_send_kernel(unsigned ep, uint32_t from,
				 const void *payload, size_t len);

/**
 * Take the oldest message of ep into *out without blocking (TryRecvMsg,
 * Read).  receiver is the caller's ProcessId, for the audit record only.
 * Returns 0; -EWOULDBLOCK when the queue is empty; -EINVAL when ep >=
 * IPC_MAX_ENDPOINTS or out is NULL.  Never blocks or wakes anybody, so it
 * may be called with interrupts off; no lock ranked at or above
 * LOCK_RANK_IPC may be held.
 */
__must_check int ipc_try_recv(unsigned ep, uint64_t receiver,
			      struct ipc_msg *out);

/**
 * A receiver's consumer of the message at the head of a queue, called
 * under the endpoint lock (it must not block, sleep or take a lock; a
 * user copy that faults is fine).  Returns 0 to take the message, or an
 * error to leave it first in the queue (the receive then fails with it).
 * m->payload holds m->len valid bytes, nothing more.
 */
typedef int (*ipc_take_fn)(void *ctx, const struct ipc_msg *m);

/**
 * As ipc_try_recv, handing the message to take(ctx, m) instead of copying
 * it: a receive straight into user memory that loses nothing when the
 * copy fails.  -EINVAL for a bad ep or NULL take.
 */
__must_check int ipc_try_recv_into(unsigned ep, uint64_t receiver,
				   ipc_take_fn take, void *ctx);

/**
 * As ipc_recv_blocking, handing the message to take(ctx, m).  When take
 * fails the message stays queued and its error is returned.
 */
__must_check int ipc_recv_blocking_into(unsigned ep, uint64_t receiver,
					uint32_t epoch, ipc_take_fn take,
					void *ctx);

/**
 * The RecvMsg fast path's receive (kernel only): as ipc_recv_blocking_into
 * with the message's RecvMsg image (header and payload, syscalls.md 7.1)
 * copied to the current address space at addr, at most len bytes (len >=
 * IPC_RECV_HDR_SIZE, else -EINVAL), *written set on success.  A faulting
 * copy returns -EINVAL and leaves the message queued.  The same loop as
 * every blocking receive, with the copy and the switch inlined.
 */
__must_check int ipc_recv_user_blocking(unsigned ep, uint64_t receiver,
					uint32_t epoch, uintptr_t addr,
					size_t len, size_t *written);

/**
 * The interrupt epoch of ep: a counter bumped by ipc_endpoint_reset,
 * ipc_interrupt_receivers and ipc_process_exit of its owner.  Read it
 * BEFORE checking the receive capability and pass it to
 * ipc_recv_blocking, so that a revocation between the check and the wait
 * still interrupts the wait.  0 for an invalid ep.  Takes ep's lock.
 */
uint32_t ipc_endpoint_epoch(unsigned ep);

/**
 * Take the oldest message of ep into *out, blocking the calling task
 * (reason MESSAGE(ep)) while the queue is empty (RecvMsg).  Kernel only:
 * defined in kernel/ipc/ipc_block.c, which calls schedule().
 *
 * Returns 0; -EINTR when ep's epoch is no longer epoch (the endpoint was
 * reset or its receivers interrupted: re-check the capability, then call
 * again with a fresh epoch); -EINVAL for ep >= IPC_MAX_ENDPOINTS or a NULL
 * out.  Preconditions: a task context (a started, non-idle current task),
 * no spinlock held; any interrupt state (restored on return).  A task
 * killed while blocked never returns (sched_terminate dequeues it).
 */
__must_check int ipc_recv_blocking(unsigned ep, uint64_t receiver,
				   uint32_t epoch, struct ipc_msg *out);

/**
 * Block the calling task until one of the endpoints of mask holds a
 * message (WaitMsg, syscall 41); dequeue nothing.  epochs[ep] is each
 * endpoint's epoch, read (ipc_endpoint_epoch) before the caller checked
 * its receive right, as for ipc_recv_blocking.  Returns 0 with *ready the
 * non-empty endpoints of mask (never 0); -EINTR when an endpoint of mask
 * was reset or its receivers interrupted (re-check, then call again);
 * -EINVAL for an empty mask, endpoints >= IPC_MAX_ENDPOINTS or NULL
 * pointers.  Waiters of all endpoints share one queue that every send
 * wakes: meant for the few tasks that serve several endpoints.
 * Preconditions as ipc_recv_blocking.
 */
__must_check int ipc_wait_any_blocking(uint32_t mask, const uint32_t *epochs,
				       uint32_t *ready);

/**
 * Write msg in the RecvMsg/TryRecvMsg layout of syscalls.md 7.1 into
 * buf[0, buf_len): the 32-byte Principal, the u32 from endpoint (little
 * endian), then min(msg->len, buf_len - 36) payload bytes; *written (may
 * not be NULL) gets 36 + that count, the syscall's return value.
 * Returns 0, or -EINVAL (nothing written, *written = 0) when buf_len <
 * IPC_RECV_HDR_SIZE or an argument is NULL.  buf need not be aligned.
 * Pure: no lock.
 */
__must_check int ipc_format_recv(const struct ipc_msg *msg, void *buf,
				 size_t buf_len, size_t *written);

/**
 * Copy the payload only (Read, syscall 2): min(msg->len, max) bytes into
 * buf; returns that count.  Excess payload is dropped.  Pure: no lock.
 */
size_t ipc_copy_payload(const struct ipc_msg *msg, void *buf, size_t max);

/**
 * Deliver every later send to ep to fn(ctx, msg) instead of the queue;
 * fn NULL removes the sink.  Returns 0; -EINVAL for a bad ep; -EBUSY when
 * another sink is set (remove it first).  Boot time, before senders.
 */
__must_check int ipc_set_sink(unsigned ep, ipc_sink_fn fn, void *ctx);

/**
 * Record pid as ep's owner (RegisterEndpoint).  Returns 0 when ep had no
 * owner or pid owns it already; -EBUSY when another process owns it (the
 * owner is unchanged: the syscall layer decides whether to refuse the
 * registration); -EINVAL for a bad ep.  Takes ep's lock.
 */
__must_check int ipc_endpoint_claim(unsigned ep, uint64_t pid);

/**
 * Owner of ep: true with *pid (may be NULL) when ep has one.  A snapshot.
 * Takes ep's lock.
 */
bool ipc_endpoint_owner(unsigned ep, uint64_t *pid);

/**
 * Return ep to its boot state: discard its queued messages (counted as
 * dropped), forget its owner, bump its epoch and wake all its receivers,
 * whose blocking receives end with -EINTR.  Counters other than depth
 * survive.  Returns the number of messages discarded, or -EINVAL for a
 * bad ep.
 */
__must_check int ipc_endpoint_reset(unsigned ep);

/**
 * Bump ep's epoch and wake all its receivers (blocking receives end with
 * -EINTR), keeping the queue: for a capability revocation, so receivers
 * re-check their rights at once (ipc.md section 8, "immediate").
 * Returns 0 or -EINVAL for a bad ep.
 */
__must_check int ipc_interrupt_receivers(unsigned ep);

/**
 * Process pid is exiting: every endpoint it owns (ipc_endpoint_claim) is
 * reset (queue dropped, receivers interrupted, owner forgotten).
 * Messages pid sent to other endpoints stay queued and are delivered
 * (non-retroactive, ipc.md section 8).  Returns the number of endpoints
 * reset.
 */
unsigned ipc_process_exit(uint64_t pid);

/**
 * Reset every endpoint whose bit is set in mask (bit e = endpoint e), as
 * ipc_endpoint_reset: for the *released masks of cap_revoke and
 * cap_revoke_all.  Returns the number of messages discarded.
 */
unsigned ipc_reset_endpoints(uint32_t mask);

/**
 * Discard every queued message whose sender_pid is pid, on every
 * endpoint, keeping the others in order; counted as dropped.  Not part
 * of exit (see ipc_process_exit): for a caller that wants a sender's
 * traffic gone.  Returns the number discarded.
 */
unsigned ipc_purge_sender(uint64_t pid);

/** Messages queued on ep now (0 for a bad ep).  A snapshot. */
uint32_t ipc_pending(unsigned ep);

/** Counters of ep into *out.  Returns 0, or -EINVAL for a bad ep. */
__must_check int ipc_endpoint_stats(unsigned ep, struct ipc_stats *out);

/**
 * Counters summed over all endpoints (depth summed, peak the largest).
 * Takes each endpoint's lock in turn: not an atomic snapshot.
 */
void ipc_stats_total(struct ipc_stats *out);

/**
 * Check ep's invariants: ring indices and count in range, every queued
 * message addressed to ep with len <= IPC_MSG_SIZE and sequence numbers
 * increasing.  Returns true, or false with *why (may be NULL).  Takes
 * ep's lock.
 */
bool ipc_check(unsigned ep, const char **why);
