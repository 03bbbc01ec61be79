# kernel/syscall: system call dispatch and handlers.
KERNEL_SRCS += kernel/syscall/syscall.c
# The device syscalls (5, 20-24): docs/devices.md.
KERNEL_SRCS += kernel/syscall/sys_dev.c
# The object syscalls (14-19): kernel/fs/kstore.h.
KERNEL_SRCS += kernel/syscall/sys_obj.c
# MapFramebuffer (35): docs/compositor.md.
KERNEL_SRCS += kernel/syscall/sys_fb.c
