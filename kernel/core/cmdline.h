/*
 * kernel/core/cmdline.h - the kernel command line.
 *
 * The line is a list of words separated by blanks (space, tab, CR, LF).
 * A word is `key=value` or a bare `flag`; double quotes may enclose any
 * part of a word and protect blanks inside it ("test=a b" and
 * test="a b" both give key test, value `a b`); the quotes themselves are
 * removed.  Recognised words:
 *
 *   loglevel=N      N is 0..7 or one of error (3), warn (4), info (6),
 *                   debug (7); default CMDLINE_LOGLEVEL_DEFAULT
 *   test=NAME       enable in-kernel test NAME (pagefault, ud, exit, ...);
 *                   up to CMDLINE_MAX_TESTS distinct names, duplicates
 *                   are stored once
 *   exit            end QEMU after boot (out->exit_after_boot)
 *   smp=N           use at most N CPUs, 1..CMDLINE_SMP_MAX; default 0
 *                   meaning "all"
 *
 * A later loglevel= or smp= overrides an earlier one.  Anything else is
 * an unknown word: its key is recorded for the boot log and parsing goes
 * on.  The line comes from the bootloader, so no input can panic.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define CMDLINE_LINE_MAX    1024 /**< bytes of the line looked at */
#define CMDLINE_WORD_MAX    128	 /**< longest word accepted, quotes removed */
#define CMDLINE_NAME_MAX    32	 /**< stored test name or key, with NUL */
#define CMDLINE_MAX_TESTS   8	 /**< distinct test= names kept */
#define CMDLINE_MAX_UNKNOWN 8	 /**< unknown keys kept for the log */
#define CMDLINE_SMP_MAX	    256	 /**< largest smp= value */

/** Log levels, numbered as syslog's. */
enum cmdline_loglevel {
	CMDLINE_LOG_ERROR = 3,
	CMDLINE_LOG_WARN = 4,
	CMDLINE_LOG_INFO = 6,
	CMDLINE_LOG_DEBUG = 7,
};

#define CMDLINE_LOGLEVEL_DEFAULT CMDLINE_LOG_INFO

/** The parsed command line.  Written only by cmdline_parse(). */
struct cmdline {
	int loglevel;	      /**< 0..7; messages above it are dropped */
	unsigned smp;	      /**< CPU limit, 0 = no limit */
	bool exit_after_boot; /**< `exit`: power off QEMU after boot */
	/** test= names, in order of first appearance */
	char tests[CMDLINE_MAX_TESTS][CMDLINE_NAME_MAX];
	unsigned test_count; /**< valid entries in tests[] */
	/** unknown keys, cut to CMDLINE_NAME_MAX - 1 bytes */
	char unknown[CMDLINE_MAX_UNKNOWN][CMDLINE_NAME_MAX];
	unsigned unknown_count;	  /**< valid entries in unknown[] */
	unsigned unknown_dropped; /**< unknown words past the table */
	unsigned bad_words;	  /**< words rejected with an error */
	int error;		  /**< first error, as returned; 0 if none */
	/** start of the first rejected word, for the boot log; "" if none */
	char error_word[CMDLINE_NAME_MAX];
};

/**
 * Parse line into *out.  out is always fully initialised: defaults first,
 * then every acceptable word applied, so the kernel can boot with whatever
 * was understood.  line may be NULL (same as "").
 *
 * Returns 0 when every word was accepted (unknown words included), or the
 * first error met; the offending word is skipped, parsing continues, and
 * out->error_word names it:
 *   -EINVAL   bad value: not a number, unknown level name, missing or
 *             empty value, value on the `exit` flag, unterminated quote
 *   -ERANGE   number out of range (loglevel > 7, smp 0 or > CMDLINE_SMP_MAX)
 *   -ETRUNC   word longer than CMDLINE_WORD_MAX, test name longer than
 *             CMDLINE_NAME_MAX - 1, or line longer than CMDLINE_LINE_MAX
 *             (the word cut by the limit is dropped)
 *   -EFULL    more than CMDLINE_MAX_TESTS distinct test names
 */
int cmdline_parse(const char *line, struct cmdline *out);

/** True when test=name was given.  c must have been filled by cmdline_parse. */
bool cmdline_has_test(const struct cmdline *c, const char *name);
