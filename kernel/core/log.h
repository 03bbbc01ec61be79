/*
 * kernel/core/log.h - kernel console output.
 *
 * kprintf writes to the boot console with printf formatting (lib/klib/fmt).
 * The log_* helpers prefix a level and are filtered by the command line's
 * loglevel.  Safe in any context: output is unbuffered and lock-free on a
 * single CPU (the SMP issue adds a console lock with try-lock in traps).
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/** Log levels, as on the command line (loglevel=0..3 or a name). */
enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

/** printf to the console; '\n' becomes "\r\n". Returns characters written. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Write len raw bytes to the console ('\n' becomes "\r\n"). */
void console_write(const char *buf, size_t len);

/** vprintf to the console. */
int kvprintf(const char *fmt, va_list ap);

/** Print when level <= the current log level, with a level prefix. */
void klog(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Set the current log level (default LOG_INFO). */
void log_set_level(enum log_level level);

#define log_error(...)	klog(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)	klog(LOG_WARN, __VA_ARGS__)
#define log_info(...)	klog(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	klog(LOG_DEBUG, __VA_ARGS__)
