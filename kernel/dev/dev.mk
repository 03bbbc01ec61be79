# kernel/dev: the device layer for user-space drivers - interrupt lines,
# PCI, console input (docs/devices.md).  dev.c is the boot glue over the
# arch hooks (kernel only); the others are host-tested with fakes.
KERNEL_SRCS += kernel/dev/irq.c kernel/dev/console_in.c kernel/dev/pci.c \
	kernel/dev/dev.c

DEV_SCHED_SRCS := kernel/sched/sched.c kernel/sched/task.c \
	kernel/sched/waitq.c kernel/core/spinlock.c tests/unit/fake_arch.c

UNIT_TESTS += irq console_in pci
UNIT_irq_SRCS := tests/unit/irq_test.c kernel/dev/irq.c $(DEV_SCHED_SRCS)
UNIT_console_in_SRCS := tests/unit/console_in_test.c kernel/dev/console_in.c \
	kernel/dev/irq.c $(DEV_SCHED_SRCS)
UNIT_pci_SRCS := tests/unit/pci_test.c kernel/dev/pci.c

FUZZ_TARGETS += pci
FUZZ_pci_SRCS := tests/fuzz/fuzz_pci.c kernel/dev/pci.c
