# kernel/cap: the capability manager and the IPC interceptor
# (docs/capabilities.md).  cap.c takes its own lock (CAP), so its tests
# link the spinlock and the host fake of arch.h; the process table is
# linked to exercise cap_slot_reset as its reset hook.
KERNEL_SRCS += kernel/cap/cap.c kernel/cap/interceptor.c

CAP_UNIT_SRCS := kernel/cap/cap.c kernel/cap/interceptor.c \
	kernel/core/spinlock.c kernel/proc/process.c tests/unit/fake_arch.c

UNIT_TESTS += cap interceptor
UNIT_cap_SRCS := tests/unit/cap_test.c $(CAP_UNIT_SRCS)
UNIT_interceptor_SRCS := tests/unit/interceptor_test.c $(CAP_UNIT_SRCS)
