# kernel/ipc/channel: the shared-memory channel table and state machine
# (docs/channels.md).  Own fragment: kernel/ipc/ipc.mk belongs to the IPC
# endpoint code.
KERNEL_SRCS += kernel/ipc/channel.c kernel/ipc/setup.c

# The test provides time_ticks(), audit_emit() (recorded) and the
# channel_ops callbacks (tests/unit/channel_test.c).
UNIT_TESTS += channel
UNIT_channel_SRCS := tests/unit/channel_test.c kernel/ipc/channel.c \
	kernel/core/spinlock.c tests/unit/fake_arch.c
