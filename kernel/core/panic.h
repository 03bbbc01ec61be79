/*
 * kernel/core/panic.h - stopping the kernel when it cannot go on.
 *
 * panic() is for kernel bugs and for boot failures nothing can recover
 * from; never for bad input from user space or a device.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/** Exit statuses passed to the emulator's debug-exit device. */
enum panic_status {
	PANIC_STATUS_OK = 0,		/**< test run finished cleanly */
	PANIC_STATUS_PANIC = 2,		/**< panic() was called */
	PANIC_STATUS_EXCEPTION = 3,	/**< a CPU exception in the kernel */
};

/**
 * Print "PANIC: <message>" and a backtrace, then stop this CPU (or end the
 * emulator when the command line asks for it).  Never returns.
 */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/** Print a backtrace starting at pc with frame pointer fp. */
void panic_backtrace_from(uintptr_t pc, uintptr_t fp);

/**
 * Stop after a fatal error has been reported: end the emulator with status
 * when the kernel command line has the `exit` switch, else halt this CPU.
 */
void kernel_fatal_stop(enum panic_status status) __attribute__((noreturn));

/** Make kernel_fatal_stop end the emulator (the `exit` switch). */
void panic_set_exit_on_fatal(bool on);
