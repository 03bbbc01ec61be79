/*
 * kernel/fs/objstore_disk.h - the object store on a block device.
 *
 * Format v1 (objdisk_format.h, docs/storage.md): a superblock, then one
 * header block and one content block per slot.  A put writes and flushes
 * the content, then writes and flushes the header: the header write is the
 * commit point, so a crash at any moment leaves each slot either holding a
 * complete object or free.  Mount scans every header once (at most 4096),
 * builds a sorted in-memory index (hash -> slot) and a free map, and bumps
 * the superblock generation.
 *
 * Memory: the caller provides struct objstore_disk (about 152 KiB, all of
 * it fixed-size: the index for 4096 slots, a block buffer and a scratch
 * object), typically from the kernel heap or .bss.  No function here puts
 * more than a few hundred bytes on the stack.
 *
 * The kernel installs the disk store like this (store lock held):
 *
 *	static struct objstore_disk disk;	// or from the heap
 *	struct objstore st;
 *	int err = objstore_disk_open_or_format(&disk, &virtio_dev, now, &st);
 *	if (err == 0)
 *		global_store = st;	// else stay on the RAM store
 *
 * Concurrency: one store, one caller at a time (the global store lock).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/fs/blockdev.h"
#include "kernel/fs/objdisk_format.h"
#include "kernel/fs/objstore.h"

/** Mount flags. */
enum objstore_disk_mount_flags {
	/** Write nothing: no generation bump; put and delete fail -EROFS. */
	OBJSTORE_DISK_READONLY = 1u << 0,
};

/** Format flags. */
enum objstore_disk_format_flags {
	/**
	 * The device is known to be all zero (a fresh image): skip zeroing
	 * the slot headers.  Without it format clears every header so that
	 * records of an earlier store cannot come back.
	 */
	OBJSTORE_DISK_ASSUME_ZEROED = 1u << 0,
};

/** What the mount scan found in each slot (objstore_disk.state[]). */
enum objstore_disk_slot {
	OBJSTORE_DISK_FREE = 0,	 /**< no valid record; put may use it */
	OBJSTORE_DISK_LIVE,	 /**< holds the indexed copy of an object */
	OBJSTORE_DISK_DUP,	 /**< a valid record whose hash is indexed in
				      an earlier slot: kept, not indexed,
				      erased when that object is deleted */
	OBJSTORE_DISK_MALFORMED, /**< checksum-valid record with fields out
				     of range: kept untouched, not indexed */
	OBJSTORE_DISK_POISONED,	 /**< a write to its header failed during
				      this mount: its disk state is unknown
				      until the next mount rescans it */
	OBJSTORE_DISK_ERASING,	 /**< inside a delete only: header being
				      zeroed, settled before it returns */
};

/** One index entry: an object's hash and the slot holding it. */
struct objstore_disk_entry {
	uint8_t hash[CAMBI_HASH_SIZE]; /**< the key */
	uint16_t slot;		       /**< 0..capacity-1 */
};

/** What the last mount saw. */
struct objstore_disk_mount_info {
	uint32_t live;	    /**< objects indexed */
	uint32_t torn;	    /**< headers with magic but a bad checksum */
	uint32_t dups;	    /**< duplicate records (see SLOT_DUP) */
	uint32_t malformed; /**< malformed records (see SLOT_MALFORMED) */
	bool sb_recovered;  /**< the superblock was torn and recovered */
};

/** A mounted disk store.  Guarded by the global store lock. */
struct objstore_disk {
	struct blockdev dev;	 /**< the device, copied at mount */
	struct objdisk_super sb; /**< superblock as last written or read */
	bool mounted;		 /**< mount succeeded */
	bool read_only;		 /**< mounted with OBJSTORE_DISK_READONLY */
	struct objstore_disk_mount_info info; /**< mount scan results */
	uint32_t count;			      /**< live entries in index[] */
	uint32_t unusable; /**< slots neither FREE nor LIVE */
	/** Bit set = slot free; bits at or past capacity stay clear. */
	uint64_t free_map[OBJDISK_MAX_SLOTS / 64];
	uint8_t state[OBJDISK_MAX_SLOTS]; /**< enum objstore_disk_slot */
	/** index[0..count) sorted by hash, unique. */
	struct objstore_disk_entry index[OBJDISK_MAX_SLOTS];
	uint8_t blk[OBJDISK_BLOCK_SIZE]; /**< block buffer for every I/O */
	struct cambi_object scratch;	 /**< decoded header during scans */
};

/**
 * Create an empty store on @dev, using @ds only as scratch space (it is
 * left unmounted).  Capacity is min((blocks - 1) / 2, 4096) slots, lowered
 * to @max_slots when that is not 0; generation starts at 1 and created_at
 * is @created_at.  Order: the superblock is zeroed and flushed first, then
 * (unless OBJSTORE_DISK_ASSUME_ZEROED) every slot header is zeroed, then
 * the new superblock is written and flushed, so an interrupted format
 * leaves a blank device, never a half-old store.  Fails with -ENOSPC when
 * the device has fewer than 3 blocks, -EIO when it fails.
 */
__must_check int objstore_disk_format(struct objstore_disk *ds,
				      const struct blockdev *dev,
				      uint64_t max_slots, uint64_t created_at,
				      unsigned flags);

/**
 * Mount the store on @dev into @ds and fill @out with its interface.
 * Errors leave @ds unmounted (an interface obtained from it earlier then
 * fails get, put and delete with -EIO) and, but for a failed generation
 * bump, the device unwritten:
 *   -EBLANK    no store on the device (superblock magic all zero): never
 *              formats by itself, see objstore_disk_format();
 *   -ECORRUPT  superblock damaged (magic, checksum, capacity 0 or > 4096);
 *   -EVERSION  a store of another format version;
 *   -ENOSPC    the device is smaller than the superblock says it needs;
 *   -EIO       the device failed (also for the generation bump).
 * Damaged records do not fail the mount: torn headers count as free,
 * malformed records and duplicates are set aside (info and state[] tell).
 * Unless OBJSTORE_DISK_READONLY, the generation is bumped and the
 * superblock rewritten and flushed.  @dev must stay valid while mounted.
 */
__must_check int objstore_disk_mount(struct objstore_disk *ds,
				     const struct blockdev *dev, unsigned flags,
				     struct objstore *out);

/**
 * The boot-time "open or format" step (spec §5) as one explicit call: mount
 * read-write; if and only if the device is blank (-EBLANK), format it with
 * the largest capacity (headers zeroed) and mount again.  A damaged or
 * foreign device is never formatted: its mount error is returned.
 */
__must_check int objstore_disk_open_or_format(struct objstore_disk *ds,
					      const struct blockdev *dev,
					      uint64_t created_at,
					      struct objstore *out);

/** True when slot @slot is free in @ds's free map. */
bool objstore_disk_slot_free(const struct objstore_disk *ds, uint64_t slot);
