/*
 * tests/unit/fmt_test.c - lib/klib/fmt against the host C library.
 *
 * Every combination of flags, width, precision, length modifier and
 * integer conversion that C17 defines is compared with the host's
 * snprintf; the documented differences (%p, NULL %s, unknown conversions,
 * padding clamp) are checked against fixed strings.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/klib/fmt.h"

static unsigned long compared; /* host comparisons made */

/* Format with both implementations and require identical output. */
#define SAME(f, ...)                                                           \
	do {                                                                   \
		char mine_[512], host_[512];                                   \
		int nm_ = fmt_snprintf(mine_, sizeof(mine_), f, __VA_ARGS__);  \
		int nh_ = snprintf(host_, sizeof(host_), f, __VA_ARGS__);      \
		compared++;                                                    \
		if (nm_ != nh_ || strcmp(mine_, host_) != 0)                   \
			fail_msg("format \"%s\": got \"%s\" (%d), host "       \
				 "\"%s\" (%d)",                                \
				 (const char *)(f), mine_, nm_, host_, nh_);   \
	} while (0)

/* Format with fmt_snprintf and require the given output. */
#define EXPECT(want, f, ...)                                                   \
	do {                                                                   \
		char got_[512];                                                \
		int n_ = fmt_snprintf(got_, sizeof(got_), f, __VA_ARGS__);     \
		assert_string_equal(got_, want);                               \
		assert_int_equal(n_, (int)strlen(want));                       \
	} while (0)

static const char *const flag_sets[] = {
    "",	   "-",	  "0",	  "+",	  " ",	  "#",	  "-0",	  "-+",
    "- ",  "-#",  "0+",	  "0 ",	  "0#",	  "+ ",	  "+#",	  " #",
    "-0+", "-0 ", "-0#",  "-+ ",  "-+#",  "- #",  "0+ ",  "0+#",
    "0 #", "+ #", "-0+ ", "-0+#", "-0 #", "-+ #", "0+ #", "-0+ #",
};
static const char *const widths[] = {"", "1", "2", "7", "25"};
static const char *const precs[] = {"", ".", ".0", ".1", ".3", ".22"};
static const char *const lens[] = {"", "hh", "h", "l", "ll", "z", "t", "j"};

static const long long signed_values[] = {
    0,
    1,
    -1,
    7,
    -8,
    42,
    -42,
    127,
    -128,
    255,
    256,
    -32768,
    65535,
    INT_MAX,
    INT_MIN,
    (long long)UINT_MAX,
    LLONG_MAX,
    LLONG_MIN,
    1234567890123LL,
    -987654321098LL,
};

/* Call both formatters with value v converted to the length's type. */
static void compare_signed(const char *f, const char *len, long long v)
{
	if (!strcmp(len, "hh"))
		SAME(f, (signed char)v);
	else if (!strcmp(len, "h"))
		SAME(f, (short)v);
	else if (!strcmp(len, "l"))
		SAME(f, (long)v);
	else if (!strcmp(len, "ll"))
		SAME(f, v);
	else if (!strcmp(len, "z"))
		SAME(f, (ssize_t)v);
	else if (!strcmp(len, "t"))
		SAME(f, (ptrdiff_t)v);
	else if (!strcmp(len, "j"))
		SAME(f, (intmax_t)v);
	else
		SAME(f, (int)v);
}

static void compare_unsigned(const char *f, const char *len, long long sv)
{
	unsigned long long v = (unsigned long long)sv;

	if (!strcmp(len, "hh"))
		SAME(f, (unsigned char)v);
	else if (!strcmp(len, "h"))
		SAME(f, (unsigned short)v);
	else if (!strcmp(len, "l"))
		SAME(f, (unsigned long)v);
	else if (!strcmp(len, "ll"))
		SAME(f, v);
	else if (!strcmp(len, "z"))
		SAME(f, (size_t)v);
	else if (!strcmp(len, "t"))
		SAME(f, (ptrdiff_t)v);
	else if (!strcmp(len, "j"))
		SAME(f, (uintmax_t)v);
	else
		SAME(f, (unsigned int)v);
}

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Compare one integer format over every test value. */
static void compare_integer_format(const char *flags, const char *width,
				   const char *prec, const char *len, char conv)
{
	bool is_signed = conv == 'd' || conv == 'i';
	char f[64];

	/* '#' with d, i, u is undefined behaviour in C17. */
	if (strchr(flags, '#') && (is_signed || conv == 'u'))
		return;
	snprintf(f, sizeof(f), "[%%%s%s%s%s%c]", flags, width, prec, len, conv);
	for (size_t vi = 0; vi < ARRAY_LEN(signed_values); vi++) {
		if (is_signed)
			compare_signed(f, len, signed_values[vi]);
		else
			compare_unsigned(f, len, signed_values[vi]);
	}
}

/* Every flag set x width x precision x length x integer conversion. */
static void test_integer_matrix_matches_host(void **state)
{
	static const char convs[] = "diuxXo";
	const size_t total = ARRAY_LEN(flag_sets) * ARRAY_LEN(widths) *
			     ARRAY_LEN(precs) * ARRAY_LEN(lens) *
			     (sizeof(convs) - 1);

	(void)state;
	compared = 0;
	/* One counter walks the whole product, innermost dimension first. */
	for (size_t n = 0; n < total; n++) {
		size_t i = n;
		char conv = convs[i % (sizeof(convs) - 1)];
		const char *len, *prec, *width;

		i /= sizeof(convs) - 1;
		len = lens[i % ARRAY_LEN(lens)];
		i /= ARRAY_LEN(lens);
		prec = precs[i % ARRAY_LEN(precs)];
		i /= ARRAY_LEN(precs);
		width = widths[i % ARRAY_LEN(widths)];
		i /= ARRAY_LEN(widths);
		compare_integer_format(flag_sets[i], width, prec, len, conv);
	}
	print_message("# %lu integer formats compared with the host\n",
		      compared);
	assert_true(compared > 100000);
}

/* One '*' format with star arguments a (and b when it has two). */
static void compare_star_format(const char *f, int a, int b)
{
	bool two = strstr(f, "*.*") != NULL;

	if (strchr(f, 's') && two)
		SAME(f, a, b, "hello, world");
	else if (strchr(f, 's'))
		SAME(f, a, "hello, world");
	else if (strchr(f, 'c'))
		SAME(f, a, 'Q');
	else if (two)
		SAME(f, a, b, -12345);
	else
		SAME(f, a, 0x2a);
}

/* '*' width and precision, including negative values, match the host. */
static void test_star_width_and_precision_match_host(void **state)
{
	static const int stars[] = {-30, -5, -1, 0, 1, 4, 9, 30};
	static const char *const fmts[] = {
	    "%*d",  "%-*d",   "%0*d", "%*.*d", "%.*d",	 "%0*.*x", "%*s",
	    "%.*s", "%-*.*s", "%*c",  "%-*c",  "%+*.*i", "%#*.*o", "%#*X",
	};

	(void)state;
	for (size_t k = 0; k < ARRAY_LEN(fmts); k++) {
		for (size_t i = 0; i < ARRAY_LEN(stars); i++) {
			for (size_t j = 0; j < ARRAY_LEN(stars); j++)
				compare_star_format(fmts[k], stars[i],
						    stars[j]);
		}
	}
}

static const char *const test_strings[] = {
    "", "a", "abc", "hello world", "a much longer string than 25",
};

/* %c and %s with one flag set and width, every precision and string. */
static void compare_char_string(const char *flag, const char *width)
{
	static const char *const sprecs[] = {"", ".", ".0", ".2", ".11", ".40"};
	char f[32];

	snprintf(f, sizeof(f), "<%%%s%sc>", flag, width);
	SAME(f, 'x');
	SAME(f, '\x7f');
	for (size_t pi = 0; pi < ARRAY_LEN(sprecs); pi++) {
		snprintf(f, sizeof(f), "<%%%s%s%ss>", flag, width, sprecs[pi]);
		for (size_t si = 0; si < ARRAY_LEN(test_strings); si++)
			SAME(f, test_strings[si]);
	}
}

/* %c and %s with flags, width and precision match the host. */
static void test_char_and_string_match_host(void **state)
{
	(void)state;
	for (size_t wi = 0; wi < ARRAY_LEN(widths); wi++) {
		compare_char_string("", widths[wi]);
		compare_char_string("-", widths[wi]);
	}
	SAME("%c%c%c", 'a', 'b', 'c');
	SAME("%s=%d, %s=%u", "x", -1, "y", 7u);
}

/* Literal text, %% and mixed conversions match the host. */
static void test_literals_and_mixtures_match_host(void **state)
{
	(void)state;
	SAME("%s", "no conversions at all");
	SAME("100%% sure %d%%", 5);
	SAME("%d %i %u %x %X %o %c %s", -1, 2, 3u, 0xabcu, 0xabcu, 8u, 'z',
	     "end");
	/* hh and h convert a wider int argument (C17 7.21.6.1p7). */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wformat"
	SAME("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
#pragma clang diagnostic pop
	SAME("%lld|%llu|%llx", LLONG_MIN, ULLONG_MAX, ULLONG_MAX);
	SAME("%zu %zx %td %jd %ju", SIZE_MAX, (size_t)0x1234, (ptrdiff_t)-77,
	     INTMAX_MIN, UINTMAX_MAX);
	SAME("%08.3d|%-8.3d|%+.0d|% .0d", 5, 5, 0, 0);
	SAME("%#.0o|%#.0x|%#o|%#x|%#5o|%#05x", 0u, 0u, 0u, 0u, 8u, 255u);
}

/* %p prints 0x and 16 hex digits, honouring width and '-'. */
static void test_pointer_is_0x_and_16_digits(void **state)
{
	(void)state;
	EXPECT("0x0000000000000000", "%p", (void *)0);
	EXPECT("0x00000000deadbeef", "%p", (void *)(uintptr_t)0xdeadbeef);
	EXPECT("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
	EXPECT("  0x0000000000001000", "%20p", (void *)0x1000);
	EXPECT("0x0000000000001000  |", "%-20p|", (void *)0x1000);
	EXPECT("0x0000000000001000", "%5p", (void *)0x1000);
}

/* %s with NULL prints "(null)", cut by the precision. */
static void test_null_string_prints_null(void **state)
{
	const char *null = NULL;

	(void)state;
	EXPECT("(null)", "%s", null);
	EXPECT("  (null)", "%8s", null);
	EXPECT("(nu", "%.3s", null);
	EXPECT("[(null)  ]", "[%-8s]", null);
}

/* Precision bounds the read of an unterminated array (ASan checks). */
static void test_string_precision_never_reads_past(void **state)
{
	char *arr = malloc(3);

	(void)state;
	assert_non_null(arr);
	memcpy(arr, "abc", 3);
	EXPECT("abc", "%.3s", arr);
	EXPECT("ab", "%.2s", arr);
	EXPECT("abc", "%.*s", 3, arr);
	free(arr);
}

/* The formats below are deliberately invalid for the host's checker. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wformat"
#pragma clang diagnostic ignored "-Wformat-extra-args"
#pragma clang diagnostic ignored "-Wformat-invalid-specifier"

/* Unknown conversions are copied literally and consume no argument. */
static void test_unknown_conversion_is_literal(void **state)
{
	(void)state;
	EXPECT("%f 7", "%f %d", 7);
	EXPECT("%q|%5.2k|7", "%q|%5.2k|%d", 7);
	EXPECT("%*q 7", "%*q %d", 7);
	EXPECT("%lc %ls %Lf %hp x", "%lc %ls %Lf %hp %s", "x");
	EXPECT("%n 1", "%n %d", 1);
	EXPECT("%l% 2", "%l% %d", 2);
	/* A '%' (with or without a partial spec) at the end of the string. */
	EXPECT("abc%", "abc%", 0);
	EXPECT("abc%-08.", "abc%-08.", 0);
	EXPECT("abc%ll", "abc%ll", 0);
	/* '%' prints itself whatever stands between the two signs. */
	EXPECT("%|%|%", "%5%|%-5%|%%", 0);
}

/* Widths and integer precisions beyond FMT_MAX_PAD are clamped. */
static void test_padding_is_clamped(void **state)
{
	char small[8];
	int n;

	(void)state;
	n = fmt_snprintf(small, sizeof(small), "%999999999d", 1);
	assert_int_equal(n, FMT_MAX_PAD);
	n = fmt_snprintf(small, sizeof(small), "%*d", INT_MIN, 1);
	assert_int_equal(n, FMT_MAX_PAD);
	assert_string_equal(small, "1      ");
	n = fmt_snprintf(small, sizeof(small), "%.99999999999999999999u", 1u);
	assert_int_equal(n, FMT_MAX_PAD);
	n = fmt_snprintf(small, sizeof(small), "%4096d", 1);
	assert_int_equal(n, 4096);
}

#pragma clang diagnostic pop

/* Truncation keeps a NUL and returns the would-be length. */
static void test_truncation_and_return_value(void **state)
{
	char buf[8];
	int n;

	(void)state;
	memset(buf, 'Z', sizeof(buf));
	n = fmt_snprintf(buf, sizeof(buf), "%s-%d", "abcdef", 12345);
	assert_int_equal(n, 12);
	assert_string_equal(buf, "abcdef-");

	memset(buf, 'Z', sizeof(buf));
	n = fmt_snprintf(buf, 1, "%d", 42);
	assert_int_equal(n, 2);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'Z');

	n = fmt_snprintf(buf, 3, "%d", 42);
	assert_int_equal(n, 2);
	assert_string_equal(buf, "42");

	n = fmt_snprintf(buf, 2, "%d", 42);
	assert_int_equal(n, 2);
	assert_string_equal(buf, "4");

	/* Empty output still terminates. */
	memset(buf, 'Z', sizeof(buf));
	n = fmt_snprintf(buf, sizeof(buf), "%s", "");
	assert_int_equal(n, 0);
	assert_int_equal(buf[0], '\0');
}

/* Size 0 writes nothing (buf may be NULL) and still returns the length. */
static void test_size_zero_writes_nothing(void **state)
{
	char buf[4] = "xyz";

	(void)state;
	assert_int_equal(fmt_snprintf(NULL, 0, "%d-%s", 123, "four"), 8);
	assert_int_equal(fmt_snprintf(buf, 0, "%d", 5), 1);
	assert_string_equal(buf, "xyz");
}

/* Truncation at every size matches the host byte for byte. */
static void test_truncation_matches_host_at_every_size(void **state)
{
	const char *f = "%-6s|%+05d|%#x|%c|%.2s";

	(void)state;
	for (size_t size = 1; size < 40; size++) {
		char *mine = malloc(size), *host = malloc(size);
		int nm, nh;

		assert_non_null(mine);
		assert_non_null(host);
		nm = fmt_snprintf(mine, size, f, "ab", 42, 255u, 'q', "xyz");
		nh = snprintf(host, size, f, "ab", 42, 255u, 'q', "xyz");
		assert_int_equal(nm, nh);
		assert_string_equal(mine, host);
		free(mine);
		free(host);
	}
}

/* Sink state for test_vformat_counts_and_delivers_in_order. */
struct collect {
	char text[64];
	size_t n;
};

static void collect_char(char c, void *ctx)
{
	struct collect *col = ctx;

	if (col->n < sizeof(col->text) - 1)
		col->text[col->n] = c;
	col->n++;
}

static int vformat_wrapper(struct collect *col, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = fmt_vformat(collect_char, col, f, ap);
	va_end(ap);
	return n;
}

/* fmt_vformat hands every character to the sink and counts them. */
static void test_vformat_counts_and_delivers_in_order(void **state)
{
	struct collect col = {.n = 0};
	int n;

	(void)state;
	n = vformat_wrapper(&col, "%s:%04x:%c", "id", 0xbeu, '!');
	assert_int_equal(n, 9);
	assert_int_equal(col.n, 9);
	col.text[col.n] = '\0';
	assert_string_equal(col.text, "id:00be:!");

	memset(&col, 0, sizeof(col));
	n = fmt_format(collect_char, &col, "%5d", -3);
	assert_int_equal(n, 5);
	assert_string_equal(col.text, "   -3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_integer_matrix_matches_host),
	    cmocka_unit_test(test_star_width_and_precision_match_host),
	    cmocka_unit_test(test_char_and_string_match_host),
	    cmocka_unit_test(test_literals_and_mixtures_match_host),
	    cmocka_unit_test(test_pointer_is_0x_and_16_digits),
	    cmocka_unit_test(test_null_string_prints_null),
	    cmocka_unit_test(test_string_precision_never_reads_past),
	    cmocka_unit_test(test_unknown_conversion_is_literal),
	    cmocka_unit_test(test_padding_is_clamped),
	    cmocka_unit_test(test_truncation_and_return_value),
	    cmocka_unit_test(test_size_zero_writes_nothing),
	    cmocka_unit_test(test_truncation_matches_host_at_every_size),
	    cmocka_unit_test(test_vformat_counts_and_delivers_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
