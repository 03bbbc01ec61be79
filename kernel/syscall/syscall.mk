# kernel/syscall: system call dispatch and handlers.
KERNEL_SRCS += kernel/syscall/syscall.c
