/*
 * lib/klib/fmt.c - printf-style formatting for freestanding code.
 *
 * Each conversion is parsed completely before any argument is fetched, so
 * a conversion we do not support can be echoed without touching va_list
 * (C17 7.21.6.1p9 makes such formats undefined; we make them harmless).
 */
#include "lib/klib/fmt.h"

#include <stdbool.h>
#include <stdint.h>

#define FMT_INT_MAX __INT_MAX__

enum fmt_flag {
	FMT_LEFT = 1u << 0,  /* '-' */
	FMT_ZERO = 1u << 1,  /* '0' */
	FMT_PLUS = 1u << 2,  /* '+' */
	FMT_SPACE = 1u << 3, /* ' ' */
	FMT_ALT = 1u << 4,   /* '#' */
};

enum fmt_len {
	FMT_LEN_NONE,
	FMT_LEN_HH,
	FMT_LEN_H,
	FMT_LEN_L,
	FMT_LEN_LL,
	FMT_LEN_Z,
	FMT_LEN_T,
	FMT_LEN_J,
};

/* One parsed conversion specification. */
struct fmt_spec {
	unsigned flags;	  /* enum fmt_flag bits */
	int width;	  /* minimum field width, -1 when absent */
	int prec;	  /* precision, -1 when absent */
	bool width_star;  /* width comes from an int argument */
	bool prec_star;	  /* precision comes from an int argument */
	enum fmt_len len; /* length modifier */
	char conv;	  /* conversion character, '\0' if the string ended */
};

/* Where characters go, and how many have gone. */
struct fmt_sink {
	fmt_out_fn out; /* the caller's output function */
	void *ctx;	/* its context */
	size_t count;	/* characters produced so far */
};

static void sink_put(struct fmt_sink *s, char c)
{
	s->out(c, s->ctx);
	s->count++;
}

static void sink_repeat(struct fmt_sink *s, char c, int n)
{
	for (; n > 0; n--)
		sink_put(s, c);
}

static int clamp_pad(int n)
{
	return n > FMT_MAX_PAD ? FMT_MAX_PAD : n;
}

/* Decimal digits at *p, saturating at INT_MAX instead of overflowing. */
static const char *parse_decimal(const char *p, int *val)
{
	int v = 0;

	while (*p >= '0' && *p <= '9') {
		int d = *p - '0';

		v = v > (FMT_INT_MAX - d) / 10 ? FMT_INT_MAX : v * 10 + d;
		p++;
	}
	*val = v;
	return p;
}

static const char *parse_flags(const char *p, unsigned *flags)
{
	for (;; p++) {
		switch (*p) {
		case '-':
			*flags |= FMT_LEFT;
			break;
		case '0':
			*flags |= FMT_ZERO;
			break;
		case '+':
			*flags |= FMT_PLUS;
			break;
		case ' ':
			*flags |= FMT_SPACE;
			break;
		case '#':
			*flags |= FMT_ALT;
			break;
		default:
			return p;
		}
	}
}

static const char *parse_length(const char *p, enum fmt_len *len)
{
	switch (*p) {
	case 'h':
		if (p[1] == 'h') {
			*len = FMT_LEN_HH;
			return p + 2;
		}
		*len = FMT_LEN_H;
		return p + 1;
	case 'l':
		if (p[1] == 'l') {
			*len = FMT_LEN_LL;
			return p + 2;
		}
		*len = FMT_LEN_L;
		return p + 1;
	case 'z':
		*len = FMT_LEN_Z;
		return p + 1;
	case 't':
		*len = FMT_LEN_T;
		return p + 1;
	case 'j':
		*len = FMT_LEN_J;
		return p + 1;
	default:
		*len = FMT_LEN_NONE;
		return p;
	}
}

/*
 * Parse the specification that follows a '%' at p.  Returns the character
 * after the conversion character, or the terminating NUL if the string
 * ends first (then sp->conv is '\0').
 */
static const char *parse_spec(const char *p, struct fmt_spec *sp)
{
	sp->flags = 0;
	sp->width = -1;
	sp->prec = -1;
	sp->width_star = false;
	sp->prec_star = false;

	p = parse_flags(p, &sp->flags);
	if (*p == '*') {
		sp->width_star = true;
		p++;
	} else if (*p >= '0' && *p <= '9') {
		p = parse_decimal(p, &sp->width);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			sp->prec_star = true;
			p++;
		} else {
			/* "%.d" means precision 0 (C17 7.21.6.1p4). */
			p = parse_decimal(p, &sp->prec);
		}
	}
	p = parse_length(p, &sp->len);
	sp->conv = *p;
	return *p ? p + 1 : p;
}

static bool spec_supported(const struct fmt_spec *sp)
{
	switch (sp->conv) {
	case 'd':
	case 'i':
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		return true;
	case 'c':
	case 's':
	case 'p':
	case '%':
		/* %lc and %ls take wide characters, which we do not have. */
		return sp->len == FMT_LEN_NONE;
	default:
		return false;
	}
}

static uintmax_t fetch_unsigned(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case FMT_LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case FMT_LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case FMT_LEN_L:
		return va_arg(*ap, unsigned long);
	case FMT_LEN_LL:
		return va_arg(*ap, unsigned long long);
	case FMT_LEN_Z:
		return va_arg(*ap, size_t);
	case FMT_LEN_T:
		/* The unsigned type corresponding to ptrdiff_t is size_t here.
		 */
		return (size_t)va_arg(*ap, ptrdiff_t);
	case FMT_LEN_J:
		return va_arg(*ap, uintmax_t);
	case FMT_LEN_NONE:
	default:
		return va_arg(*ap, unsigned int);
	}
}

static intmax_t fetch_signed(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case FMT_LEN_HH:
		return (signed char)va_arg(*ap, int);
	case FMT_LEN_H:
		return (short)va_arg(*ap, int);
	case FMT_LEN_L:
		return va_arg(*ap, long);
	case FMT_LEN_LL:
		return va_arg(*ap, long long);
	case FMT_LEN_Z:
		/* The signed type corresponding to size_t is ptrdiff_t here. */
		return va_arg(*ap, ptrdiff_t);
	case FMT_LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case FMT_LEN_J:
		return va_arg(*ap, intmax_t);
	case FMT_LEN_NONE:
	default:
		return va_arg(*ap, int);
	}
}

/* Digits of v in base, least significant first; returns how many. */
static int digits_reversed(char *buf, uintmax_t v, unsigned base, bool upper)
{
	const char *digit = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do {
		buf[n++] = digit[v % base];
		v /= base;
	} while (v);
	return n;
}

static void emit_padded_start(struct fmt_sink *s, const struct fmt_spec *sp,
			      int len)
{
	if (!(sp->flags & FMT_LEFT) && sp->width > len)
		sink_repeat(s, ' ', sp->width - len);
}

static void emit_padded_end(struct fmt_sink *s, const struct fmt_spec *sp,
			    int len)
{
	if ((sp->flags & FMT_LEFT) && sp->width > len)
		sink_repeat(s, ' ', sp->width - len);
}

static void emit_integer(struct fmt_sink *s, const struct fmt_spec *sp,
			 uintmax_t mag, bool neg, bool is_signed)
{
	char digits[24]; /* 64-bit octal needs 22 */
	char prefix[2];
	unsigned base = 10;
	bool upper = sp->conv == 'X';
	int nd = 0, np = 0, zeros, len;

	if (sp->conv == 'x' || sp->conv == 'X')
		base = 16;
	else if (sp->conv == 'o')
		base = 8;

	/* Zero with precision 0 prints no digits (C17 7.21.6.1p8). */
	if (mag != 0 || sp->prec != 0)
		nd = digits_reversed(digits, mag, base, upper);
	zeros = sp->prec > nd ? sp->prec - nd : 0;
	/* '#' with o: the first digit must be a zero. */
	if ((sp->flags & FMT_ALT) && base == 8 && zeros == 0 &&
	    (nd == 0 || digits[nd - 1] != '0'))
		zeros = 1;

	if (is_signed) {
		if (neg)
			prefix[np++] = '-';
		else if (sp->flags & FMT_PLUS)
			prefix[np++] = '+';
		else if (sp->flags & FMT_SPACE)
			prefix[np++] = ' ';
	}
	if ((sp->flags & FMT_ALT) && base == 16 && mag != 0) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	}

	len = np + zeros + nd;
	/* '0' pads after the prefix, unless '-' or a precision is given. */
	if ((sp->flags & (FMT_ZERO | FMT_LEFT)) == FMT_ZERO && sp->prec < 0 &&
	    sp->width > len) {
		zeros += sp->width - len;
		len = sp->width;
	}
	emit_padded_start(s, sp, len);
	for (int i = 0; i < np; i++)
		sink_put(s, prefix[i]);
	sink_repeat(s, '0', zeros);
	while (nd > 0)
		sink_put(s, digits[--nd]);
	emit_padded_end(s, sp, len);
}

static void emit_string(struct fmt_sink *s, const struct fmt_spec *sp,
			const char *str)
{
	int len = 0;

	if (!str)
		str = "(null)";
	/* Never read past the precision: the array need not be terminated. */
	while ((sp->prec < 0 || len < sp->prec) && len < FMT_INT_MAX &&
	       str[len])
		len++;
	emit_padded_start(s, sp, len);
	for (int i = 0; i < len; i++)
		sink_put(s, str[i]);
	emit_padded_end(s, sp, len);
}

static void emit_pointer(struct fmt_sink *s, const struct fmt_spec *sp,
			 uintptr_t v)
{
	const int len = 2 + 16;

	emit_padded_start(s, sp, len);
	sink_put(s, '0');
	sink_put(s, 'x');
	for (int shift = 60; shift >= 0; shift -= 4)
		sink_put(s, "0123456789abcdef"[((uint64_t)v >> shift) & 0xf]);
	emit_padded_end(s, sp, len);
}

/* Fetch the arguments of a supported conversion and print it. */
static void emit_conversion(struct fmt_sink *s, struct fmt_spec *sp,
			    va_list *ap)
{
	if (sp->width_star) {
		int w = va_arg(*ap, int);

		/* A negative '*' width means '-' flag plus |w| (p5). */
		if (w < 0) {
			sp->flags |= FMT_LEFT;
			w = w == -FMT_INT_MAX - 1 ? FMT_INT_MAX : -w;
		}
		sp->width = w;
	}
	if (sp->prec_star) {
		int p = va_arg(*ap, int);

		/* A negative '*' precision counts as absent (p5). */
		sp->prec = p < 0 ? -1 : p;
	}
	sp->width = clamp_pad(sp->width);

	switch (sp->conv) {
	case 'd':
	case 'i': {
		intmax_t v = fetch_signed(ap, sp->len);
		uintmax_t mag =
		    v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;

		sp->prec = clamp_pad(sp->prec);
		emit_integer(s, sp, mag, v < 0, true);
		break;
	}
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		sp->prec = clamp_pad(sp->prec);
		emit_integer(s, sp, fetch_unsigned(ap, sp->len), false, false);
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int);

		emit_padded_start(s, sp, 1);
		sink_put(s, c);
		emit_padded_end(s, sp, 1);
		break;
	}
	case 's':
		emit_string(s, sp, va_arg(*ap, const char *));
		break;
	case 'p':
		emit_pointer(s, sp, (uintptr_t)va_arg(*ap, void *));
		break;
	default:
		break;
	}
}

int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_sink s = {.out = out, .ctx = ctx, .count = 0};
	struct fmt_spec sp;
	va_list args;
	const char *p = fmt;

	va_copy(args, ap);
	while (*p) {
		const char *start = p;

		if (*p != '%') {
			sink_put(&s, *p++);
			continue;
		}
		p = parse_spec(p + 1, &sp);
		if (!spec_supported(&sp)) {
			/* Echo "%...c" as written; consume nothing. */
			while (start < p)
				sink_put(&s, *start++);
			continue;
		}
		if (sp.conv == '%')
			sink_put(&s, '%');
		else
			emit_conversion(&s, &sp, &args);
	}
	va_end(args);
	return s.count > (size_t)FMT_INT_MAX ? FMT_INT_MAX : (int)s.count;
}

int fmt_format(fmt_out_fn out, void *ctx, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(out, ctx, fmt, ap);
	va_end(ap);
	return n;
}

/* Bounded buffer for fmt_vsnprintf. */
struct fmt_buf {
	char *buf;   /* destination, may be NULL when size is 0 */
	size_t size; /* bytes available, including the NUL */
	size_t pos;  /* characters produced so far */
};

static void buf_put(char c, void *ctx)
{
	struct fmt_buf *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = {.buf = buf, .size = size, .pos = 0};
	int n = fmt_vformat(buf_put, &b, fmt, ap);

	if (size > 0)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
