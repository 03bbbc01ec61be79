# kernel/proc/lifecycle: loading, exit, reaping, the boot gate.
KERNEL_SRCS += kernel/proc/lifecycle.c
