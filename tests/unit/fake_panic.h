/*
 * tests/unit/fake_panic.h - a host stand-in for the kernel's panic().
 *
 * Include from exactly one file of a unit-test binary.  EXPECT_PANIC(stmt)
 * runs stmt and asserts that it called panic(); the message is left in
 * fake_panic_msg for the test to inspect.  A panic outside EXPECT_PANIC
 * fails the test.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/core/panic.h"

static jmp_buf fake_panic_env;	  /* where panic() jumps back to */
static bool fake_panic_armed;	  /* inside EXPECT_PANIC */
static char fake_panic_msg[512];  /* message of the last panic */
static unsigned fake_panic_count; /* panics seen */

/* From kernel/core/spinlock.c when the test links it. */
void spin_debug_forget_cpu(unsigned cpu) __attribute__((weak));

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fake_panic_msg, sizeof(fake_panic_msg), fmt, ap);
	va_end(ap);
	fake_panic_count++;
	if (!fake_panic_armed) {
		print_error("unexpected panic: %s\n", fake_panic_msg);
		abort();
	}
	fake_panic_armed = false;
	/* A kernel panic may leave spinlocks held: forget them for this CPU. */
	if (spin_debug_forget_cpu)
		spin_debug_forget_cpu(0);
	longjmp(fake_panic_env, 1);
}

/* Run stmt; assert it panicked with a message containing substr. */
#define EXPECT_PANIC(stmt, substr)                                             \
	do {                                                                   \
		fake_panic_msg[0] = '\0';                                      \
		if (setjmp(fake_panic_env) == 0) {                             \
			fake_panic_armed = true;                               \
			stmt;                                                  \
			fake_panic_armed = false;                              \
			fail_msg("expected a panic from: %s", #stmt);          \
		}                                                              \
		if (!strstr(fake_panic_msg, (substr)))                         \
			fail_msg("panic message \"%s\" lacks \"%s\"",          \
				 fake_panic_msg, (substr));                    \
	} while (0)
