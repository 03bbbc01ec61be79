/*
 * kernel/arch/x86_64/cpuinit.h - per-CPU setup steps shared by the boot
 * CPU and the APs.
 */
#pragma once

/** Enable FPU/SSE for user tasks and capture the clean state (context.c). */
void fpu_init_cpu(void);

/** Program the SYSCALL MSRs (syscall.c). */
void syscall_init_cpu(void);

/** Enable SMEP and SMAP when the CPU has them; returns a bitmask (1 SMEP,
 * 2 SMAP) of what was enabled. */
unsigned protect_init_cpu(void);
