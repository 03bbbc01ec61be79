# kernel/proc: process descriptors and the process table (slots with
# generation counters).  Callers hold PROCESS_TABLE.
KERNEL_SRCS += kernel/proc/process.c

UNIT_TESTS += process
UNIT_process_SRCS := tests/unit/process_test.c kernel/proc/process.c
