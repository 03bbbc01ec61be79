/*
 * kernel/loader/verdict.h - the outcome of checking a binary before it is
 * loaded: an error code, the deny reason code carried by the BinaryRejected
 * audit event (spec security.md §4), and a short reason for the kernel's
 * one-line log.
 */
#pragma once

#include <stddef.h>

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

/**
 * Deny reason codes.  0..7 are the spec's (security.md §4 table) and keep
 * their numbers; 8 is ours, for binaries the parser rejects before any rule
 * applies (the original reported those without a deny code).
 */
enum loader_deny {
	LOADER_DENY_NONE = -1,		    /**< accepted */
	LOADER_DENY_ENTRY_OUT_OF_RANGE = 0, /**< entry not in an X segment */
	LOADER_DENY_KERNEL_SPACE = 1,	    /**< segment ends above ceiling */
	LOADER_DENY_WRITE_EXEC = 2,	    /**< W+X segment or shared page */
	LOADER_DENY_OVERLAP = 3,	    /**< two segments intersect */
	LOADER_DENY_EXCESSIVE_MEMORY = 4,   /**< sum of p_memsz > 256 MiB */
	LOADER_DENY_POLICY = 5,		    /**< custom policy (loader's) */
	LOADER_DENY_MISSING_SIGNATURE = 6,  /**< no ARCSIG trailer */
	LOADER_DENY_INVALID_SIGNATURE = 7,  /**< no trusted key verifies */
	LOADER_DENY_MALFORMED = 8,	    /**< not a loadable ELF64 */
};

/** Number of deny codes, for tables indexed by code. */
#define LOADER_DENY_COUNT 9

/**
 * What a check decided.  Filled by elf_parse(), elf_verify(),
 * elf_plan_pages(), arcsig_verify() and loader_verify_binary(); every one
 * accepts a NULL verdict when the caller only wants the return code.
 */
struct loader_verdict {
	int err;   /**< 0, or the negative abi/errno.h code returned */
	int deny;  /**< enum loader_deny; LOADER_DENY_NONE when err is 0 */
	int phidx; /**< program header at fault, or -1 */
	const char *reason; /**< static string, never NULL, no newline */
};

/** Spec name of a deny code ("WritableAndExecutable"), or "Unknown". */
static inline const char *loader_deny_name(int deny)
{
	static const char *const names[LOADER_DENY_COUNT] = {
	    "EntryPointOutOfRange",  "SegmentInKernelSpace",
	    "WritableAndExecutable", "OverlappingSegments",
	    "ExcessiveMemory",	     "PolicyViolation",
	    "MissingSignature",	     "InvalidSignature",
	    "MalformedElf",
	};

	if (deny == LOADER_DENY_NONE)
		return "Allowed";
	if (deny < 0 || deny >= LOADER_DENY_COUNT)
		return "Unknown";
	return names[deny];
}

/**
 * Record a decision in v (when v is not NULL) and return err, so that a
 * check can end with `return loader_verdict_set(v, -EPERM, ...)`.
 */
static inline int loader_verdict_set(struct loader_verdict *v, int err,
				     int deny, int phidx, const char *reason)
{
	if (v) {
		v->err = err;
		v->deny = deny;
		v->phidx = phidx;
		v->reason = reason;
	}
	return err;
}

/** Mark v (when not NULL) as accepted and return 0. */
static inline int loader_verdict_ok(struct loader_verdict *v)
{
	return loader_verdict_set(v, 0, LOADER_DENY_NONE, -1, "accepted");
}
