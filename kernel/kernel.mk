# kernel/: portable kernel core.  Subsystem fragments (kernel/*/*.mk) add
# their own sources to KERNEL_SRCS.
KERNEL_SRCS += \
	kernel/core/ksyms.c \
	kernel/core/log.c \
	kernel/core/main.c \
	kernel/core/panic.c \
	kernel/core/spinlock.c \
	kernel/core/time.c
