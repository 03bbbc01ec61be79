# kernel/audit: per-CPU staging rings, the global ring and its drain,
# the single-consumer attach (docs/audit.md).
KERNEL_SRCS += kernel/audit/audit.c

# Host tests link the real audit.c with the spinlock and the fake arch;
# each test file provides its own time_ticks() (kernel/core/time.c pulls
# in the scheduler) and panic() (tests/unit/fake_panic.h).
AUDIT_UNIT_SRCS := kernel/audit/audit.c kernel/core/spinlock.c \
	tests/unit/fake_arch.c

UNIT_TESTS += audit_staging audit_ring
UNIT_audit_staging_SRCS := tests/unit/audit_staging_test.c $(AUDIT_UNIT_SRCS)
UNIT_audit_ring_SRCS := tests/unit/audit_ring_test.c $(AUDIT_UNIT_SRCS)

# user/audit_tail end to end: the program and libsys against the real
# audit.c, with the syscall instruction replaced as in the libsys test.
UNIT_TESTS += audit_tail
UNIT_audit_tail_SRCS := tests/unit/audit_tail_test.c $(AUDIT_UNIT_SRCS) \
	lib/libsys/syscalls.c lib/libsys/print.c lib/libsys/error.c \
	lib/klib/fmt.c
UNIT_audit_tail_CFLAGS := -Itests/unit/libsys_fake \
	-include tests/unit/libsys_fake/rename.h
