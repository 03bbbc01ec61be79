/*
 * lib/libsys/print.c - printf, puts and snprintf for user programs, on
 * top of lib/klib/fmt.c.
 *
 * Console output is collected in a buffer on the caller's stack and handed
 * to the Print syscall PRINT_MAX bytes at a time: a line of up to 256
 * bytes is one syscall, so lines of concurrent programs do not interleave
 * mid-line; longer output is split at 256-byte boundaries.
 */
#include "lib/libsys/libsys.h"

#include "lib/klib/fmt.h"

/* Print's length limit (syscalls.md §5: len > 256 -> -EINVAL). */
#define PRINT_MAX 256

/* Output of one call, waiting to be printed. */
struct print_buf {
	char data[PRINT_MAX]; /* bytes not yet printed */
	size_t len;	      /* bytes used in data */
	int64_t err;	      /* first error from Print, or 0 */
};

/* Print what is buffered; after a failure, drop it instead. */
static void print_flush(struct print_buf *pb)
{
	if (pb->len && !pb->err) {
		int64_t ret = sys_print(pb->data, pb->len);

		if (ret < 0)
			pb->err = ret;
	}
	pb->len = 0;
}

/* fmt_vformat sink: buffer c, printing a full buffer first. */
static void print_char(char c, void *ctx)
{
	struct print_buf *pb = ctx;

	if (pb->len == PRINT_MAX)
		print_flush(pb);
	pb->data[pb->len++] = c;
}

/* Result of a print call: characters produced, or Print's error. */
static int print_result(const struct print_buf *pb, int produced)
{
	return pb->err ? (int)pb->err : produced;
}

int vprintf(const char *fmt, va_list ap)
{
	struct print_buf pb = {.len = 0, .err = 0};
	int n = fmt_vformat(print_char, &pb, fmt, ap);

	print_flush(&pb);
	return print_result(&pb, n);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	struct print_buf pb = {.len = 0, .err = 0};
	int n = 0;

	for (; *s; s++, n++)
		print_char(*s, &pb);
	print_char('\n', &pb);
	print_flush(&pb);
	return print_result(&pb, n + 1);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return fmt_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
