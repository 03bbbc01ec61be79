/*
 * kernel/core/panic.c - panic, backtraces and the fatal stop.
 */
#include "kernel/core/panic.h"

#include <stdarg.h>
#include <stdbool.h>

#include "kernel/arch/arch.h"
#include "kernel/core/ksyms.h"
#include "kernel/core/log.h"

/* Set once at boot from the command line's `exit` switch. */
static bool exit_on_fatal;
/* Nested panics (a panic while reporting one) go straight to halt. */
static int panic_depth;

void panic_set_exit_on_fatal(bool on)
{
	exit_on_fatal = on;
}

static void print_frame(uintptr_t pc, void *ctx)
{
	unsigned *n = ctx;
	uintptr_t off = 0;
	const char *name = ksyms_lookup(pc, &off);

	if (name)
		kprintf("  #%u %016lx %s+%#lx\n", (*n)++, (unsigned long)pc, name,
			(unsigned long)off);
	else
		kprintf("  #%u %016lx\n", (*n)++, (unsigned long)pc);
}

void panic_backtrace_from(uintptr_t pc, uintptr_t fp)
{
	unsigned n = 0;

	kprintf("backtrace:\n");
	print_frame(pc, &n);
	arch_backtrace(fp, print_frame, &n, 32);
}

void kernel_fatal_stop(enum panic_status status)
{
	arch_irq_disable();
	if (exit_on_fatal) {
		kprintf("stopping the machine (status %d)\n", status);
		arch_debug_exit(status);
	}
	kprintf("CPU halted.\n");
	arch_halt();
}

void panic(const char *fmt, ...)
{
	va_list ap;
	unsigned n = 0;

	arch_irq_disable();
	if (panic_depth++ > 0) {
		kprintf("\nPANIC while panicking; halting\n");
		arch_halt();
	}
	kprintf("\nPANIC: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\nbacktrace:\n");
	arch_backtrace(0, print_frame, &n, 32);
	kernel_fatal_stop(PANIC_STATUS_PANIC);
}
