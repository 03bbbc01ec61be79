/*
 * kernel/core/kernel.h - the portable kernel's entry points for
 * architecture code: system calls, faults of user tasks, the return path
 * to user mode, and the start of every new context.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/**
 * Run system call nr with its six raw arguments for the current task;
 * returns the value for the caller (>= 0 success, < 0 an abi/errno.h code
 * negated).  Interrupts on.  Never trusts an argument.
 */
int64_t syscall_dispatch(uint64_t nr, const uint64_t args[6]);

/**
 * The IPC fast path (docs/ipc.md "Fast path"): Write (1) and RecvMsg (13)
 * with arguments a0..a2, when every gate and precondition holds.  Returns
 * true with the result in *ret (after switching away if a switch was
 * due, as the return to user mode does), or false having changed
 * nothing: then syscall_dispatch must run the syscall.  Interrupts off.
 */
bool syscall_fast_ipc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		      int64_t *ret);

/**
 * The current user task took a fault it cannot recover from: log one line
 * (what, where) and end the task's process.  Never returns.  Interrupts
 * off.
 */
void kernel_user_fault(const char *what, uint64_t pc, uint64_t addr,
		       uint64_t code) __attribute__((noreturn));

/**
 * Last step before returning to user mode, interrupts off: reschedule if
 * the time slice ran out or a wake-up asked for it.
 */
void kernel_return_to_user(void);

/**
 * First code of every new context (called by the architecture's start
 * routine, interrupts off): finishes the switch that started it.
 */
void kernel_context_start(void);
