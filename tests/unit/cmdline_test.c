/*
 * tests/unit/cmdline_test.c - kernel command line parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/core/cmdline.h"

#include "abi/errno.h"

/* A NULL or empty line gives defaults and no error. */
static void test_empty_line_gives_defaults(void **state)
{
	struct cmdline c;

	(void)state;
	assert_int_equal(cmdline_parse("", &c), 0);
	assert_int_equal(c.loglevel, CMDLINE_LOGLEVEL_DEFAULT);
	assert_int_equal(c.smp, 0);
	assert_false(c.exit_after_boot);
	assert_int_equal(c.test_count, 0);
	assert_int_equal(c.unknown_count, 0);
	assert_int_equal(c.error, 0);
	assert_string_equal(c.error_word, "");
	assert_int_equal(cmdline_parse(NULL, &c), 0);
	assert_int_equal(c.loglevel, CMDLINE_LOGLEVEL_DEFAULT);
	assert_int_equal(cmdline_parse(" \t\r\n  ", &c), 0);
	assert_int_equal(c.test_count + c.unknown_count, 0);
}

/* All recognised words, separated by runs of mixed blanks. */
static void test_all_words_with_many_blanks(void **state)
{
	struct cmdline c;

	(void)state;
	assert_int_equal(cmdline_parse("   loglevel=7 \t\t test=pagefault  "
				       "exit\nsmp=4\r test=ud   ",
				       &c),
			 0);
	assert_int_equal(c.loglevel, 7);
	assert_int_equal(c.smp, 4);
	assert_true(c.exit_after_boot);
	assert_int_equal(c.test_count, 2);
	assert_true(cmdline_has_test(&c, "pagefault"));
	assert_true(cmdline_has_test(&c, "ud"));
	assert_false(cmdline_has_test(&c, "exit"));
	assert_false(cmdline_has_test(&c, "page"));
	assert_false(cmdline_has_test(&c, NULL));
	assert_int_equal(c.unknown_count, 0);
}

/* Level names map to syslog numbers; bad levels keep the default. */
static void test_loglevel_names_and_numbers(void **state)
{
	static const struct {
		const char *line;
		int ret;
		int level;
	} cases[] = {
	    {"loglevel=error", 0, 3},
	    {"loglevel=warn", 0, 4},
	    {"loglevel=info", 0, 6},
	    {"loglevel=debug", 0, 7},
	    {"loglevel=0", 0, 0},
	    {"loglevel=7", 0, 7},
	    {"loglevel=007", 0, 7},
	    {"loglevel=8", -ERANGE, CMDLINE_LOGLEVEL_DEFAULT},
	    {"loglevel=99999999999999999999", -ERANGE,
	     CMDLINE_LOGLEVEL_DEFAULT},
	    {"loglevel=-1", -EINVAL, CMDLINE_LOGLEVEL_DEFAULT},
	    {"loglevel=+3", -EINVAL, CMDLINE_LOGLEVEL_DEFAULT},
	    {"loglevel=3x", -EINVAL, CMDLINE_LOGLEVEL_DEFAULT},
	    {"loglevel=99x", -EINVAL, CMDLINE_LOGLEVEL_DEFAULT},
	    {"loglevel=DEBUG", -EINVAL, CMDLINE_LOGLEVEL_DEFAULT},
	    {"loglevel=", -EINVAL, CMDLINE_LOGLEVEL_DEFAULT},
	    {"loglevel", -EINVAL, CMDLINE_LOGLEVEL_DEFAULT},
	    {"loglevel=debug loglevel=bogus", -EINVAL, 7},
	};
	struct cmdline c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = cmdline_parse(cases[i].line, &c);

		if (ret != cases[i].ret || c.loglevel != cases[i].level)
			fail_msg("\"%s\": ret %d level %d", cases[i].line, ret,
				 c.loglevel);
	}
}

/* smp= accepts 1..CMDLINE_SMP_MAX; anything else keeps "no limit". */
static void test_smp_bounds(void **state)
{
	struct cmdline c;

	(void)state;
	assert_int_equal(cmdline_parse("smp=1", &c), 0);
	assert_int_equal(c.smp, 1);
	assert_int_equal(cmdline_parse("smp=256", &c), 0);
	assert_int_equal(c.smp, 256);
	assert_int_equal(cmdline_parse("smp=257", &c), -ERANGE);
	assert_int_equal(c.smp, 0);
	assert_int_equal(cmdline_parse("smp=0", &c), -ERANGE);
	assert_int_equal(c.smp, 0);
	assert_int_equal(cmdline_parse("smp=4294967296", &c), -ERANGE);
	assert_int_equal(cmdline_parse("smp=18446744073709551617", &c),
			 -ERANGE);
	assert_int_equal(c.smp, 0);
	assert_int_equal(cmdline_parse("smp=0x4", &c), -EINVAL);
	assert_int_equal(cmdline_parse("smp= 4", &c), -EINVAL);
	assert_string_equal(c.error_word, "smp=");
	assert_int_equal(c.unknown_count, 1); /* the stray "4" */
	assert_int_equal(cmdline_parse("smp", &c), -EINVAL);
	assert_int_equal(cmdline_parse("smp=", &c), -EINVAL);
}

/* Quotes group blanks into one word and are removed. */
static void test_quotes(void **state)
{
	struct cmdline c;

	(void)state;
	assert_int_equal(cmdline_parse("test=\"page fault\" exit", &c), 0);
	assert_true(cmdline_has_test(&c, "page fault"));
	assert_true(c.exit_after_boot);
	assert_int_equal(cmdline_parse("\"test=ud\" lo\"glev\"el=\"7\"", &c),
			 0);
	assert_true(cmdline_has_test(&c, "ud"));
	assert_int_equal(c.loglevel, 7);
	/* An empty quoted value is an empty value. */
	assert_int_equal(cmdline_parse("test=\"\"", &c), -EINVAL);
	assert_int_equal(c.test_count, 0);
	/* An unterminated quote swallows the rest of the line: rejected. */
	assert_int_equal(cmdline_parse("exit test=\"oops smp=2", &c), -EINVAL);
	assert_true(c.exit_after_boot);
	assert_int_equal(c.test_count, 0);
	assert_int_equal(c.smp, 0);
	assert_string_equal(c.error_word, "test=\"oops");
}

/* Unknown words are listed by key and are not errors. */
static void test_unknown_keys_are_reported(void **state)
{
	struct cmdline c;

	(void)state;
	assert_int_equal(cmdline_parse("quiet root=/dev/sda1 exit =x "
				       "console=ttyS0,115200",
				       &c),
			 0);
	assert_true(c.exit_after_boot);
	assert_int_equal(c.unknown_count, 4);
	assert_string_equal(c.unknown[0], "quiet");
	assert_string_equal(c.unknown[1], "root");
	assert_string_equal(c.unknown[2], "=x");
	assert_string_equal(c.unknown[3], "console");
	assert_int_equal(c.unknown_dropped, 0);
}

/* More unknown words than slots: the rest are counted. */
static void test_unknown_overflow_is_counted(void **state)
{
	struct cmdline c;

	(void)state;
	assert_int_equal(cmdline_parse("a b c d e f g h i j k loglevel=3", &c),
			 0);
	assert_int_equal(c.unknown_count, CMDLINE_MAX_UNKNOWN);
	assert_int_equal(c.unknown_dropped, 11 - CMDLINE_MAX_UNKNOWN);
	assert_string_equal(c.unknown[7], "h");
	assert_int_equal(c.loglevel, 3);
}

/* A long unknown key is stored cut to CMDLINE_NAME_MAX - 1 bytes. */
static void test_long_unknown_key_is_cut(void **state)
{
	char line[CMDLINE_WORD_MAX];
	struct cmdline c;

	(void)state;
	memset(line, 'k', 60);
	strcpy(line + 60, "=v");
	assert_int_equal(cmdline_parse(line, &c), 0);
	assert_int_equal(c.unknown_count, 1);
	assert_int_equal(strlen(c.unknown[0]), CMDLINE_NAME_MAX - 1);
}

/* Duplicate tests are stored once; later loglevel/smp override. */
static void test_duplicates(void **state)
{
	struct cmdline c;

	(void)state;
	assert_int_equal(cmdline_parse("test=ud test=ud test=exit test=ud "
				       "loglevel=3 loglevel=debug smp=2 smp=8 "
				       "exit exit",
				       &c),
			 0);
	assert_int_equal(c.test_count, 2);
	assert_string_equal(c.tests[0], "ud");
	assert_string_equal(c.tests[1], "exit");
	assert_int_equal(c.loglevel, 7);
	assert_int_equal(c.smp, 8);
	assert_true(c.exit_after_boot);
}

/* More distinct tests than slots give -EFULL; the first ones are kept. */
static void test_too_many_tests(void **state)
{
	struct cmdline c;

	(void)state;
	assert_int_equal(cmdline_parse("test=t0 test=t1 test=t2 test=t3 "
				       "test=t4 test=t5 test=t6 test=t7 "
				       "test=t8 test=t9 exit",
				       &c),
			 -EFULL);
	assert_int_equal(c.test_count, CMDLINE_MAX_TESTS);
	assert_true(cmdline_has_test(&c, "t7"));
	assert_false(cmdline_has_test(&c, "t8"));
	assert_int_equal(c.bad_words, 2);
	assert_string_equal(c.error_word, "test=t8");
	assert_true(c.exit_after_boot);
}

/* Bare test, empty test and an overlong test name are rejected. */
static void test_bad_test_values(void **state)
{
	char line[64];
	struct cmdline c;

	(void)state;
	assert_int_equal(cmdline_parse("test", &c), -EINVAL);
	assert_int_equal(cmdline_parse("test=", &c), -EINVAL);
	strcpy(line, "test=");
	memset(line + 5, 'n', CMDLINE_NAME_MAX);
	line[5 + CMDLINE_NAME_MAX] = '\0';
	assert_int_equal(cmdline_parse(line, &c), -ETRUNC);
	assert_int_equal(c.test_count, 0);
	/* One byte shorter fits exactly. */
	line[5 + CMDLINE_NAME_MAX - 1] = '\0';
	assert_int_equal(cmdline_parse(line, &c), 0);
	assert_int_equal(c.test_count, 1);
	/* The exit flag takes no value. */
	assert_int_equal(cmdline_parse("exit=1", &c), -EINVAL);
	assert_false(c.exit_after_boot);
}

/* A word longer than CMDLINE_WORD_MAX is dropped; neighbours still apply. */
static void test_overlong_word(void **state)
{
	char line[CMDLINE_WORD_MAX * 2 + 64];
	struct cmdline c;
	size_t n;

	(void)state;
	strcpy(line, "exit test=");
	n = strlen(line);
	memset(line + n, 'w', CMDLINE_WORD_MAX);
	strcpy(line + n + CMDLINE_WORD_MAX, " smp=3");
	assert_int_equal(cmdline_parse(line, &c), -ETRUNC);
	assert_true(c.exit_after_boot);
	assert_int_equal(c.smp, 3);
	assert_int_equal(c.test_count, 0);
	assert_int_equal(c.bad_words, 1);
	assert_int_equal(strlen(c.error_word), CMDLINE_NAME_MAX - 1);
	assert_memory_equal(c.error_word, "test=www", 8);
}

/* A word of exactly CMDLINE_WORD_MAX bytes is accepted. */
static void test_word_at_limit(void **state)
{
	char line[CMDLINE_WORD_MAX + 1];
	struct cmdline c;

	(void)state;
	memset(line, 'u', CMDLINE_WORD_MAX);
	line[CMDLINE_WORD_MAX] = '\0';
	assert_int_equal(cmdline_parse(line, &c), 0);
	assert_int_equal(c.unknown_count, 1);
}

/* Words past CMDLINE_LINE_MAX are ignored, and the cut word dropped. */
static void test_overlong_line(void **state)
{
	size_t len = CMDLINE_LINE_MAX * 4;
	char *line = malloc(len + 1);
	struct cmdline c;
	size_t i;

	(void)state;
	assert_non_null(line);
	/* "exit" then blanks, then "test=abcdef" straddling the limit. */
	memset(line, ' ', len);
	memcpy(line, "exit", 4);
	i = CMDLINE_LINE_MAX - 4;
	memcpy(line + i, "test=abcdef", 11);
	memcpy(line + len - 7, "smp=2", 5);
	line[len] = '\0';
	assert_int_equal(cmdline_parse(line, &c), -ETRUNC);
	assert_true(c.exit_after_boot);
	assert_int_equal(c.test_count, 0);
	assert_int_equal(c.smp, 0);
	assert_string_equal(c.error_word, "test=abcdef");

	/* Only blanks after the limit: still reported as cut. */
	memset(line, ' ', len);
	memcpy(line, "loglevel=2", 10);
	assert_int_equal(cmdline_parse(line, &c), -ETRUNC);
	assert_int_equal(c.loglevel, 2);

	/* Exactly CMDLINE_LINE_MAX bytes is fine. */
	line[CMDLINE_LINE_MAX] = '\0';
	assert_int_equal(cmdline_parse(line, &c), 0);
	free(line);
}

/* The first error wins; later errors only count. */
static void test_first_error_is_kept(void **state)
{
	struct cmdline c;

	(void)state;
	assert_int_equal(cmdline_parse("smp=x loglevel=9 test= exit", &c),
			 -EINVAL);
	assert_int_equal(c.bad_words, 3);
	assert_string_equal(c.error_word, "smp=x");
	assert_int_equal(c.error, -EINVAL);
	assert_true(c.exit_after_boot);
}

/* Every byte value in every position: no crash, always terminated. */
static void test_random_lines_never_crash(void **state)
{
	static const char alphabet[] = "ab=\" \t\n01789exitsmplogvtd\x01\xff";
	char line[96];
	struct cmdline c;

	(void)state;
	srand(1234);
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)rand() % (sizeof(line) - 1);

		for (size_t i = 0; i < len; i++)
			line[i] =
			    alphabet[(size_t)rand() % (sizeof(alphabet) - 1)];
		line[len] = '\0';
		(void)cmdline_parse(line, &c);
		assert_true(c.loglevel >= 0 && c.loglevel <= 7);
		assert_true(c.smp <= CMDLINE_SMP_MAX);
		assert_true(c.test_count <= CMDLINE_MAX_TESTS);
		assert_true(c.unknown_count <= CMDLINE_MAX_UNKNOWN);
		assert_true(strlen(c.error_word) < CMDLINE_NAME_MAX);
		for (unsigned i = 0; i < c.test_count; i++)
			assert_true(strlen(c.tests[i]) < CMDLINE_NAME_MAX);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_line_gives_defaults),
	    cmocka_unit_test(test_all_words_with_many_blanks),
	    cmocka_unit_test(test_loglevel_names_and_numbers),
	    cmocka_unit_test(test_smp_bounds),
	    cmocka_unit_test(test_quotes),
	    cmocka_unit_test(test_unknown_keys_are_reported),
	    cmocka_unit_test(test_unknown_overflow_is_counted),
	    cmocka_unit_test(test_long_unknown_key_is_cut),
	    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_too_many_tests),
	    cmocka_unit_test(test_bad_test_values),
	    cmocka_unit_test(test_overlong_word),
	    cmocka_unit_test(test_word_at_limit),
	    cmocka_unit_test(test_overlong_line),
	    cmocka_unit_test(test_first_error_is_kept),
	    cmocka_unit_test(test_random_lines_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
