/*
 * kernel/core/log.c - kernel console output.
 */
#include "kernel/core/log.h"

#include "kernel/arch/arch.h"
#include "lib/klib/fmt.h"

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

int kvprintf(const char *fmt, va_list ap)
{
	int count = 0;

	fmt_vformat(console_out, &count, fmt, ap);
	return count;
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
	kprintf("%s", level_prefix[level]);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void log_set_level(enum log_level level)
{
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	log_level = level;
}
