/*
 * kernel/ipc/ipc_block.c - the blocking receive on a real CPU: the loop
 * of ipc_recv_wait (endpoint.c) with schedule() as the switch.  Kernel
 * only: the unit tests link endpoint.c and play the switch themselves.
 */
#include "kernel/ipc/ipc.h"

#include "kernel/ipc/ipc_internal.h"
#include "kernel/sched/glue.h"

/* The task is BLOCKED on the endpoint's wait queue: give up the CPU. */
static void switch_away(void *ctx)
{
	(void)ctx;
	schedule();
}

int ipc_recv_blocking(unsigned ep, uint64_t receiver, uint32_t epoch,
		      struct ipc_msg *out)
{
	return ipc_recv_wait(ep, receiver, epoch, out, switch_away, NULL);
}

/* Queue, look and switch in one run-queue critical section. */
static int wait_switch(void *ctx, struct waitq *wq,
		       struct task_block_reason reason, waitq_ready_fn ready,
		       void *rctx)
{
	(void)ctx;
	return sched_wait_switch(wq, reason, ready, rctx);
}

int ipc_recv_blocking_into(unsigned ep, uint64_t receiver, uint32_t epoch,
			   ipc_take_fn take, void *ctx)
{
	return ipc_recv_loop_into(ep, receiver, epoch, take, ctx, wait_switch,
				  NULL);
}

/* The RecvMsg copy: header and payload in one copy (ipc_recv_image). */
struct user_take {
	uintptr_t addr;
	size_t len;	/* >= IPC_RECV_HDR_SIZE */
	size_t written;
};

static inline int take_user(void *ctx, const struct ipc_msg *m)
{
	struct user_take *u = ctx;
	size_t n = IPC_RECV_HDR_SIZE + (m->len < IPC_MSG_SIZE ? m->len
							       : IPC_MSG_SIZE);

	if (n > u->len)
		n = u->len;
	if (arch_copy_to_user(u->addr, ipc_recv_image(m), n))
		return -EINVAL;
	u->written = n;
	return 0;
}

static inline int wait_switch_direct(void *ctx, struct waitq *wq,
				     struct task_block_reason reason,
				     waitq_ready_fn ready, void *rctx)
{
	(void)ctx;
	return sched_wait_switch_inline(wq, reason, ready, rctx);
}

int ipc_recv_user_blocking(unsigned ep, uint64_t receiver, uint32_t epoch,
			   uintptr_t addr, size_t len, size_t *written)
{
	struct user_take u = {addr, len, 0};
	int err;

	if (ep >= IPC_MAX_ENDPOINTS || len < IPC_RECV_HDR_SIZE)
		return -EINVAL;
	err = ipc_recv_loop_inline(ep, receiver, epoch, take_user, &u,
				   wait_switch_direct, NULL);
	if (!err)
		*written = u.written;
	return err;
}

int ipc_wait_any_blocking(uint32_t mask, const uint32_t *epochs,
			  uint32_t *ready)
{
	return ipc_wait_any(mask, epochs, ready, switch_away, NULL);
}
