/*
 * kernel/syscall/sys_fb.h - MapFramebuffer (spec syscalls.md section 5,
 * row 35; layout section 7.5; docs/compositor.md section 1).
 */
#pragma once

#include <stdint.h>

struct boot_info;

/**
 * Keep bi's framebuffer if it passes fb_check() (kernel/boot/
 * framebuffer.h) and does not touch the kernel's own device registers;
 * log what was found.  Boot CPU, once, before user space runs.
 */
void sys_fb_init(const struct boot_info *bi);

/**
 * 35 MapFramebuffer(a1 index, a2 out, a3 len): map the boot framebuffer
 * uncached into the caller and write its 32-byte descriptor to out.  The
 * dispatcher has checked CAP_SYS_MAP_FRAMEBUFFER.  -EINVAL for len < 32,
 * index != 0 or a bad out buffer; -ENODEV when the machine has no usable
 * framebuffer; -ENOMEM when the mapping cannot be made.  A second call
 * maps nothing more and describes the first mapping.  The mapping lasts
 * until the process exits (Free refuses it).
 */
int64_t sys_map_framebuffer(const uint64_t a[6]);
