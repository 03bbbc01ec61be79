/*
 * lib/klib/fmt.h - printf-style formatting for freestanding code.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%, flags '-' '0' '+' ' ' '#',
 * field width and precision (digits or '*'), length modifiers hh h l ll z t
 * j on the integer conversions.  Behaviour follows C17 7.21.6.1 with these
 * deliberate differences:
 *
 *  - %s with a NULL pointer prints "(null)" (cut by the precision, if any).
 *  - %p always prints "0x" and 16 lower-case hex digits; flags other than
 *    '-' and width are ignored.
 *  - A conversion this formatter does not know (%f, %n, %lc, %Lf, a '%' at
 *    the end of the string, ...) is copied to the output literally and
 *    consumes no argument, not even those named by '*' inside it.
 *  - Field widths and integer precisions above FMT_MAX_PAD are treated as
 *    FMT_MAX_PAD, so a corrupt format cannot make a kernel log line emit
 *    gigabytes of padding.
 *  - %% prints '%' whatever flags or width stand between the two signs.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/** Largest field width or integer precision honoured (larger ones clamp). */
#define FMT_MAX_PAD 4096

/** Output sink: receives each produced character in order. */
typedef void (*fmt_out_fn)(char c, void *ctx);

/**
 * Format fmt with the arguments in ap, handing each character to out(c,
 * ctx).  Returns the number of characters produced (saturated at INT_MAX).
 * Cannot fail.  fmt must be a NUL-terminated string; the arguments must
 * match the conversions as for vprintf (a mismatch is the caller's bug).
 * ap is not consumed: the caller may va_end it afterwards as usual.
 */
int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap);

/** fmt_vformat() with a variable argument list. */
int fmt_format(fmt_out_fn out, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * Format into buf, which holds size bytes.  Writes at most size - 1
 * characters and always NUL-terminates when size > 0; buf may be NULL when
 * size is 0.  Returns the length the full output would have (not counting
 * the NUL), so the output was truncated when the result is >= size.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/** fmt_vsnprintf() with a variable argument list. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
