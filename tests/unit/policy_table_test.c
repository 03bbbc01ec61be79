/*
 * tests/unit/policy_table_test.c - the policy service's table
 * (user/policy/policy_table.c): the table compiled into the service,
 * the text form's rules, every kind of bad line with its message, and
 * run-time changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "user/policy/policy_table.h"

#include "abi/errno.h"
#include "abi/syscall.h"

static struct policy_table t;

static int parse(const char *text, struct policy_parse_error *err)
{
	return policy_table_parse(&t, text, strlen(text), err);
}

static uint64_t bits(unsigned lo, unsigned hi)
{
	uint64_t b = 0;

	for (unsigned i = lo; i <= hi; i++)
		b |= 1ull << i;
	return b;
}

/* The service's own table parses, and says what docs/policy.md says. */
static void test_builtin_table(void **state)
{
	struct policy_parse_error err = {0, ""};
	const struct policy_profile *d;

	(void)state;
	assert_int_equal(policy_table_parse(&t, policy_builtin_table,
					    strlen(policy_builtin_table), &err),
			 0);
	d = policy_table_lookup(&t, "no-such-program");
	assert_string_equal(d->name, "default");
	assert_int_equal(d->allow, bits(0, 4) | bits(6, 10) | bits(12, 13) |
					   bits(25, 30) | bits(32, 32) |
					   bits(34, 34) | bits(36, 41));
	assert_false(d->admin);
	/* Denied by default: devices, objects, keys, console, authority. */
	for (unsigned nr = 0; nr < 64; nr++) {
		bool sensitive = nr == 5 || (nr >= 14 && nr <= 24) || nr == 11 ||
				 nr == 31 || nr == 33 || nr == 35 || nr > 41;

		assert_int_equal(policy_table_allows(&t, "hello", nr), !sensitive);
	}
	assert_true(policy_table_allows(&t, "shell", SYS_CONSOLE_READ));
	assert_true(policy_table_allows(&t, "audit_tail", SYS_AUDIT_ATTACH));
	assert_true(policy_table_allows(&t, "fs-service", SYS_OBJ_PUT));
	assert_true(policy_table_allows(&t, "virtio-blk", SYS_ALLOC_DMA));
	assert_true(policy_table_allows(&t, "key-store", SYS_CLAIM_BOOTSTRAP_KEY));
	assert_false(policy_table_allows(&t, "shell", SYS_MAP_MMIO));
	/* Test programs that probe the kernel's checks get everything. */
	for (unsigned nr = 0; nr < 64; nr++)
		assert_true(policy_table_allows(&t, "fault_badsys", nr));
	/* The QEMU test's probe: ObjPut denied, the rest of default. */
	assert_false(policy_table_allows(&t, "policy_probe", SYS_OBJ_PUT));
	assert_true(policy_table_allows(&t, "policy_probe", SYS_SYSINFO));
	assert_true(policy_table_allows(&t, "policy_probe", SYS_SPAWN));
	assert_true(policy_table_lookup(&t, "policy_admin")->admin);
	assert_false(policy_table_lookup(&t, "policy_probe")->admin);
}

/* Rules apply left to right: ranges, removal, includes, all. */
static void test_rules(void **state)
{
	(void)state;
	assert_int_equal(parse("# a comment\n"
			       "default 1 3-5 63   # trailing comment\n"
			       "\n"
			       "   \t\n"
			       "a @default !4 10-12 !11\r\n"
			       "b all !0-62\n"
			       "c\n"
			       "d.e_f-9 @a @c admin 0\n",
			       NULL),
			 0);
	assert_int_equal(t.count, 5);
	assert_int_equal(policy_table_lookup(&t, "default")->allow,
			 bits(1, 1) | bits(3, 5) | bits(63, 63));
	assert_int_equal(policy_table_lookup(&t, "a")->allow,
			 bits(1, 1) | bits(3, 3) | bits(5, 5) | bits(63, 63) |
				 bits(10, 10) | bits(12, 12));
	assert_int_equal(policy_table_lookup(&t, "b")->allow, bits(63, 63));
	assert_int_equal(policy_table_lookup(&t, "c")->allow, 0);
	assert_true(policy_table_lookup(&t, "d.e_f-9")->admin);
	assert_int_equal(policy_table_lookup(&t, "d.e_f-9")->allow,
			 policy_table_lookup(&t, "a")->allow | 1);
	assert_null(policy_table_lookup(&t, NULL)->name[7]);
	assert_string_equal(policy_table_lookup(&t, NULL)->name, "default");
	assert_false(policy_table_allows(&t, "a", 64));
	/* A last line without a newline counts. */
	assert_int_equal(parse("default 7", NULL), 0);
	assert_int_equal(policy_table_lookup(&t, "x")->allow, bits(7, 7));
}

/* One bad line refuses the table, with its number and the reason. */
static void test_bad_lines(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
	    {"default 1\nshell foo\n", "line 2: unknown word 'foo'"},
	    {"default 64\n", "line 1: bad syscall number (0-63) '64'"},
	    {"default 100\n", "line 1: bad syscall number (0-63) '100'"},
	    {"default 007\n", "line 1: bad syscall number (0-63) '007'"},
	    {"default 5-3\n", "line 1: range runs backwards '5-3'"},
	    {"default 1-\n", "line 1: bad syscall number (0-63) '1-'"},
	    {"default 1-2-3\n", "line 1: bad syscall number (0-63) '1-2-3'"},
	    {"default 1x\n", "line 1: bad syscall number (0-63) '1x'"},
	    {"default !\n", "line 1: bad syscall number (0-63) '!'"},
	    {"default -1\n", "line 1: unknown word '-1'"},
	    {"default 1\na @b\nb 2\n",
	     "line 2: unknown profile (define it on an earlier line) '@b'"},
	    {"default @default\n",
	     "line 1: unknown profile (define it on an earlier line) '@default'"},
	    {"default 1\nshell 2\nshell 3\n", "line 3: program listed twice 'shell'"},
	    {"default 1\nsh/ell 2\n",
	     "line 2: bad program name (1-31 of a-z A-Z 0-9 _ - .) 'sh/ell'"},
	    {"default 1\n@x 2\n",
	     "line 2: bad program name (1-31 of a-z A-Z 0-9 _ - .) '@x'"},
	    {"default 1\nabcdefghijabcdefghijabcdefghijab 2\n",
	     "line 2: bad program name (1-31 of a-z A-Z 0-9 _ - .) "
	     "'abcdefghijabcdefghijabcdefghija...'"},
	    {"default 1\nshell 2\x01\n", "line 2: control character in line"},
	    {"shell 2\n", "no 'default' profile"},
	    {"", "no 'default' profile"},
	    {"# only a comment\n", "no 'default' profile"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy_parse_error err;

		memset(&err, 0, sizeof(err));
		assert_int_equal(parse(cases[i].text, &err), -EINVAL);
		assert_string_equal(err.msg, cases[i].msg);
	}
	assert_int_equal(parse("default 1 zz\n", NULL), -EINVAL);
	assert_int_equal(policy_table_parse(NULL, "default 1", 9, NULL), -EINVAL);
	assert_int_equal(policy_table_parse(&t, NULL, 5, NULL), -EINVAL);
}

/* Limits: line length and number of profiles. */
static void test_limits(void **state)
{
	struct policy_parse_error err;
	char *text = malloc(8192);
	size_t n = 0;

	(void)state;
	n = (size_t)sprintf(text, "default");
	while (n < POLICY_LINE_MAX)
		text[n++] = ' ';
	text[n] = '\0';
	assert_int_equal(parse(text, &err), 0);
	strcat(text, " \n");
	assert_int_equal(parse(text, &err), -EINVAL);
	assert_string_equal(err.msg, "line 1: line too long");

	n = (size_t)sprintf(text, "default 1\n");
	for (unsigned i = 1; i < POLICY_TABLE_MAX; i++)
		n += (size_t)sprintf(text + n, "p%u @default\n", i);
	assert_int_equal(parse(text, &err), 0);
	assert_int_equal(t.count, POLICY_TABLE_MAX);
	sprintf(text + n, "one-more 2\n");
	assert_int_equal(parse(text, &err), -EINVAL);
	assert_string_equal(err.msg, "line 49: too many profiles");
	free(text);
}

/* Run-time changes: a program without a line gets a copy of default. */
static void test_set(void **state)
{
	(void)state;
	assert_int_equal(parse("default 1 2\nadm @default admin\n", NULL), 0);
	assert_int_equal(policy_table_set(&t, "newprog", 14, true), 0);
	assert_int_equal(t.count, 3);
	assert_int_equal(policy_table_lookup(&t, "newprog")->allow, bits(1, 2) |
									bits(14, 14));
	assert_false(policy_table_lookup(&t, "newprog")->admin);
	/* Other programs keep the default. */
	assert_false(policy_table_allows(&t, "other", 14));
	assert_int_equal(policy_table_set(&t, "newprog", 1, false), 0);
	assert_false(policy_table_allows(&t, "newprog", 1));
	assert_int_equal(policy_table_set(&t, "default", 20, true), 0);
	assert_true(policy_table_allows(&t, "other", 20));
	assert_false(policy_table_allows(&t, "newprog", 20));
	assert_int_equal(policy_table_set(&t, "adm", 1, false), 0);
	assert_true(policy_table_lookup(&t, "adm")->admin);

	assert_int_equal(policy_table_set(&t, "x", 64, true), -EINVAL);
	assert_int_equal(policy_table_set(&t, "", 1, true), -EINVAL);
	assert_int_equal(policy_table_set(&t, "a b", 1, true), -EINVAL);
	assert_int_equal(policy_table_set(&t, NULL, 1, true), -EINVAL);
	while (t.count < POLICY_TABLE_MAX) {
		char name[16];

		sprintf(name, "n%u", t.count);
		assert_int_equal(policy_table_set(&t, name, 3, true), 0);
	}
	assert_int_equal(policy_table_set(&t, "full", 3, true), -ENOSPC);
	assert_int_equal(policy_table_set(&t, "newprog", 3, true), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builtin_table),
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_bad_lines),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
