/*
 * user/policy/policy_table.h - the policy service's decision table: one
 * profile (a 64-bit allow bitmap) per program name, and the parser of
 * its text form (docs/policy.md section 3).  Portable: built into the
 * service and into the host unit tests.
 *
 * Text form, one profile per line:
 *
 *	# comment (from '#' to the end of the line)
 *	default       0-4 6-10 12 13 ...
 *	shell         @default 24
 *	policy_probe  @default !14
 *	policy_admin  @default admin
 *
 * The first word names the program ("default": the profile of every
 * program without a line).  Then, applied left to right:
 *	N, N-M     allow syscall N, N..M (0 <= N <= M <= 63)
 *	!N, !N-M   deny them again
 *	@name      allow everything profile `name` (an earlier line) allows
 *	all        allow 0-63
 *	admin      the program may send policy requests (SET, STATS)
 *	log        the service logs every decision for it (by default
 *	           only denials, so the console stays readable)
 * A line the parser does not understand refuses the whole table, with
 * its number and what is wrong.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/policy.h"

/** Profiles a table holds (default included). */
#define POLICY_TABLE_MAX 48
/** Longest line, in bytes, newline excluded. */
#define POLICY_LINE_MAX 255
/** Bytes of an error message, NUL included. */
#define POLICY_ERROR_MAX 96

/** One program's profile. */
struct policy_profile {
	char name[POLICY_NAME_SIZE]; /**< NUL-terminated */
	uint64_t allow;		     /**< bit n: syscall n allowed */
	bool admin;		     /**< may send SET and STATS */
	bool log;		     /**< log allowed decisions too */
};

/** A table: profiles in definition order. */
struct policy_table {
	struct policy_profile prof[POLICY_TABLE_MAX];
	unsigned count;	      /**< profiles in use */
	unsigned default_idx; /**< index of "default" */
};

/** Where and why a table was refused. */
struct policy_parse_error {
	unsigned line;		     /**< 1-based; 0: the table as a whole */
	char msg[POLICY_ERROR_MAX]; /**< what is wrong, NUL-terminated */
};

/** Name of the default profile. */
#define POLICY_DEFAULT_NAME "default"

/**
 * Parse text[0, len) into *t.  Returns 0, or -EINVAL with *err (may be
 * NULL) describing the first bad line: an unknown word, a number out of
 * range or malformed, a range backwards, an unknown or later profile
 * after '@', a repeated or invalid name, a line too long, too many
 * profiles, or no "default" line at all.  *t is unusable after an error.
 */
int policy_table_parse(struct policy_table *t, const char *text, size_t len,
		       struct policy_parse_error *err);

/** The profile of program name, or the default profile. */
const struct policy_profile *policy_table_lookup(const struct policy_table *t,
						 const char *name);

/** Is syscall nr allowed for program name?  nr >= 64: false. */
bool policy_table_allows(const struct policy_table *t, const char *name,
			 unsigned nr);

/**
 * Allow (allow true) or deny syscall nr for program name.  A program
 * without a profile gets one, a copy of the default, first; "default"
 * changes the default profile.  Returns 0; -EINVAL for nr >= 64 or a bad
 * name; -ENOSPC when a profile is needed and the table is full.
 */
int policy_table_set(struct policy_table *t, const char *name, unsigned nr,
		     bool allow);

/** The table compiled into the service (user/policy/builtin_table.c). */
extern const char policy_builtin_table[];
