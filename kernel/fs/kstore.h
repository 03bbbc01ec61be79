/*
 * kernel/fs/kstore.h - the kernel's one object store and the logic of the
 * object syscalls (spec storage.md sections 2-5, syscalls.md 14-17, 19).
 *
 * One global store guarded by one sleeping lock (a kmutex: disk
 * operations wait for the user-space block driver, and no spinlock is
 * ever held across that IPC).  The RAM store serves from boot; the first
 * object operation after a virtio-blk driver registered endpoint 26
 * switches to the disk store (storage.md §5, docs/storage.md §7):
 *   - handshake and mount (or format a blank disk) -> the disk store, and
 *     the objects stored in RAM so far are copied onto it;
 *   - no disk behind the driver -> RAM for good (logged);
 *   - a disk that fails to mount (damaged, foreign, I/O errors) -> the
 *     store is OFFLINE: every operation fails with that error, and the
 *     disk is never formatted (never silently reformatted).
 * Object buffers (about 4.6 KiB) come from the kernel heap.  Callers pass
 * Principals from the capability records (the caller's own, or the
 * client a gateway acts for, sys_obj.c), never unchecked user bytes.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/fs/object.h"

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

/** Most hashes one kstore_list returns (the disk store's slot limit). */
#define KSTORE_LIST_MAX 4096u

/**
 * Set up the RAM store with a slot count scaled to memory: one slot per
 * 128 KiB of RAM, at least 16, at most OBJSTORE_RAM_SLOTS.  Boot, once.
 * Returns the slot count; panics without memory for the table.
 */
size_t kstore_init(uint64_t ram_bytes);

/**
 * Store content[0, len) (1..CAMBI_CONTENT_MAX bytes) as an object owned by
 * owner and authored by author, with access list acl[0, acl_n) (acl_n <=
 * CAMBI_ACL_MAX), created now (tick), with signature sig
 * (CAMBI_SIG_SIZE bytes, the author's Ed25519 signature over the content)
 * or unsigned when sig is NULL.  out_hash gets the object's hash.
 * Returns 0 (also when the object was present already: first copy wins);
 * -EINVAL for a bad length; -EBADSIG when sig does not verify against
 * author; -EFULL when the store is full; -ENOMEM without heap; -EIO,
 * -ECORRUPT (and the other mount errors) when the disk store is offline.
 */
__must_check int kstore_put(const struct principal *owner,
			    const struct principal *author,
			    const struct cambi_acl_entry *acl, size_t acl_n,
			    const void *content, size_t len, const uint8_t *sig,
			    uint64_t tick, uint8_t out_hash[CAMBI_HASH_SIZE]);

/**
 * Copy min(content length, out_len) bytes of the object hash into out, for
 * reader who, which must own the object or hold the read right in its ACL
 * (cambi_object_allows); *copied gets the count.  A signed object is
 * verified first.  Returns 0; -ENOENT when absent; -EPERM when who may
 * not read it; -EBADSIG when its signature no longer verifies; -ENOMEM;
 * the offline store's error.
 */
__must_check int kstore_get(const struct principal *who,
			    const uint8_t hash[CAMBI_HASH_SIZE], void *out,
			    size_t out_len, size_t *copied);

/**
 * Delete object hash, whose owner must be who.  Returns 0; -ENOENT when
 * absent; -EPERM when who is not the owner; the offline store's error.
 */
__must_check int kstore_delete(const struct principal *who,
			       const uint8_t hash[CAMBI_HASH_SIZE]);

/**
 * Up to max hashes in the store's list order into out; *count gets how
 * many were written.  Returns 0 or the offline store's error.
 */
__must_check int kstore_list(uint8_t (*out)[CAMBI_HASH_SIZE], size_t max,
			     size_t *count);

/** Which store serves (kstore_info). */
enum kstore_kind {
	KSTORE_RAM = 0,
	KSTORE_DISK = 1,
	KSTORE_OFFLINE = 2,
};

/** A snapshot of the store for SysInfo and the log. */
struct kstore_info {
	enum kstore_kind kind;
	int offline_err;     /**< why it is offline (negative errno) */
	uint64_t capacity;   /**< slots */
	uint64_t used;	     /**< objects stored */
};

/** Fill *out (takes the store lock; may switch to the disk store). */
void kstore_get_info(struct kstore_info *out);

/** The boot CPU's tick (request timeouts of the block device). */
void kstore_tick(uint64_t now);
