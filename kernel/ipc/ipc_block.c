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

int ipc_wait_any_blocking(uint32_t mask, const uint32_t *epochs,
			  uint32_t *ready)
{
	return ipc_wait_any(mask, epochs, ready, switch_away, NULL);
}
