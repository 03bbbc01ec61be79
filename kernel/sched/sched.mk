# kernel/sched: per-CPU run queues and the task state machine, the global
# task table, wait queues (docs/scheduler.md).
KERNEL_SRCS += kernel/sched/sched.c kernel/sched/task.c kernel/sched/waitq.c

SCHED_UNIT_SRCS := kernel/sched/sched.c kernel/sched/task.c \
	kernel/sched/waitq.c kernel/core/spinlock.c tests/unit/fake_arch.c

UNIT_TESTS += sched waitq task_table
UNIT_sched_SRCS := tests/unit/sched_test.c $(SCHED_UNIT_SRCS)
UNIT_waitq_SRCS := tests/unit/waitq_test.c $(SCHED_UNIT_SRCS)
UNIT_task_table_SRCS := tests/unit/task_table_test.c $(SCHED_UNIT_SRCS)
KERNEL_SRCS += kernel/sched/glue.c
KERNEL_SRCS += kernel/sched/kmutex.c
