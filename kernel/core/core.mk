# kernel/core: command line parsing (the rest of core is in kernel/kernel.mk).
KERNEL_SRCS += kernel/core/cmdline.c

UNIT_TESTS += cmdline
UNIT_cmdline_SRCS := tests/unit/cmdline_test.c kernel/core/cmdline.c

FUZZ_TARGETS += cmdline
FUZZ_cmdline_SRCS := tests/fuzz/fuzz_cmdline.c kernel/core/cmdline.c
