/*
 * kernel/core/log.c - kernel console output.
 */
#include "kernel/core/log.h"

#include "kernel/arch/arch.h"
#include "kernel/core/lockrank.h"
#include "kernel/core/spinlock.h"
#include "lib/klib/fmt.h"

/* Keeps lines from different CPUs apart.  Taken with a bounded wait: a CPU
 * that panics while another holds it still gets its report out. */
static struct spinlock console_lock = SPINLOCK_INIT("console", LOCK_RANK_CONSOLE);
#define CONSOLE_SPINS	2000000

/* Current level; written at boot from the command line, then read-only. */
static enum log_level log_level = LOG_INFO;

static const char *const level_prefix[] = {
	[LOG_ERROR] = "error: ",
	[LOG_WARN] = "warning: ",
	[LOG_INFO] = "",
	[LOG_DEBUG] = "debug: ",
};

static void console_out(char c, void *ctx)
{
	int *count = ctx;

	if (c == '\n')
		arch_console_putc('\r');
	arch_console_putc(c);
	(*count)++;
}

/* Returns the interrupt state to restore, and whether the lock was taken. */
static bool console_acquire(unsigned long *flags)
{
	*flags = arch_irq_save();
	for (unsigned i = 0; i < CONSOLE_SPINS; i++) {
		if (spin_trylock(&console_lock))
			return true;
		arch_cpu_relax();
	}
	return false;
}

static void console_release(bool locked, unsigned long flags)
{
	if (locked)
		spin_unlock(&console_lock);
	arch_irq_restore(flags);
}

int kvprintf(const char *fmt, va_list ap)
{
	int count = 0;
	unsigned long flags;
	bool locked = console_acquire(&flags);

	fmt_vformat(console_out, &count, fmt, ap);
	console_release(locked, flags);
	return count;
}

void console_write(const char *buf, size_t len)
{
	int count = 0;
	unsigned long flags;
	bool locked = console_acquire(&flags);

	for (size_t i = 0; i < len; i++)
		console_out(buf[i], &count);
	console_release(locked, flags);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

void klog(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;

	/* Prefix and message as one locked write: no interleaving. */
	char line[320];
	int n = fmt_snprintf(line, sizeof(line), "%s", level_prefix[level]);

	va_start(ap, fmt);
	fmt_vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	kprintf("%s", line);
}

void log_set_level(enum log_level level)
{
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	log_level = level;
}
