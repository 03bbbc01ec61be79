# kernel/ipc: endpoints, message queues, blocking receive (docs/ipc.md).
# ipc_block.c calls schedule() and so is kernel only; the unit test links
# endpoint.c with the real scheduler and wait queues and the fake arch.
KERNEL_SRCS += kernel/ipc/endpoint.c kernel/ipc/ipc_block.c

UNIT_TESTS += ipc
UNIT_ipc_SRCS := tests/unit/ipc_test.c kernel/ipc/endpoint.c \
	kernel/sched/sched.c kernel/sched/task.c kernel/sched/waitq.c \
	kernel/core/spinlock.c tests/unit/fake_arch.c

# The fast path's decisions (kernel/ipc/fastpath.h), header only.
UNIT_TESTS += ipc_fast
UNIT_ipc_fast_SRCS := tests/unit/ipc_fast_test.c
