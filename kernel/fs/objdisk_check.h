/*
 * kernel/fs/objdisk_check.h - consistency check (fsck) of a disk store.
 *
 * Reads everything: the superblock, every header, every content block.
 * Verifies each record's checksum, fields, content hash, padding and
 * signature, and reports duplicates, malformed records, torn headers and
 * orphan content.  Never writes.  Used by cambios-objtool check and tests.
 */
#pragma once

#include <stdint.h>

#include "kernel/fs/blockdev.h"

struct objstore_disk;

/** How bad a finding is. */
enum objdisk_check_level {
	OBJDISK_CHECK_INFO = 0, /**< normal after crashes or deletes */
	OBJDISK_CHECK_WARN,	/**< repaired by the next read-write mount */
	OBJDISK_CHECK_DAMAGE,	/**< data is lost or the image is altered */
};

/** Totals of one check. */
struct objdisk_check_report {
	uint64_t capacity;	 /**< slots */
	uint64_t generation;	 /**< superblock generation */
	uint64_t objects;	 /**< intact objects */
	uint64_t signed_objects; /**< intact objects carrying a signature */
	uint64_t free;		 /**< free slots */
	uint64_t torn;		 /**< free slots whose header is torn */
	uint64_t orphans;	 /**< free slots whose content block is not 0 */
	uint64_t damaged;	 /**< findings at level DAMAGE */
	uint64_t warnings;	 /**< findings at level WARN */
};

/**
 * Called once per finding.  @slot is the slot concerned or -1 for the
 * superblock; @hash is the record's hash or NULL; @what is a static
 * one-line description.
 */
typedef void (*objdisk_check_fn)(void *arg, enum objdisk_check_level level,
				 int64_t slot, const uint8_t *hash,
				 const char *what);

/**
 * Check the store on @dev, using @ds (unmounted or not; it is left mounted
 * read-only) as working memory, calling @fn (may be NULL) for each finding
 * and filling @rep.  Returns 0 when the check ran (then rep->damaged says
 * whether the store is damaged), or the read-only mount's error when the
 * superblock is unusable (-EBLANK, -ECORRUPT, -EVERSION, -ENOSPC, -EIO).
 */
__must_check int objdisk_check(struct objstore_disk *ds,
			       const struct blockdev *dev, objdisk_check_fn fn,
			       void *arg, struct objdisk_check_report *rep);
