/*
 * kernel/fs/kstore.h - the kernel's one object store and the logic of the
 * object syscalls (spec storage.md sections 2-5, syscalls.md 14-17, 19).
 *
 * One global store (the RAM store from boot) guarded by one lock,
 * OBJSTORE (LOCK_RANK_OBJSTORE), taken without disabling interrupts: no
 * interrupt handler touches the store, and puts hash and verify under it.
 * Object buffers (about 4.6 KiB) come from the kernel heap before the lock
 * is taken.  Callers pass the caller's Principal from its capability
 * record, never from user memory.
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
 * Store content[0, len) (1..CAMBI_CONTENT_MAX bytes) as an object whose
 * author and owner are caller, created now (tick), with signature sig
 * (CAMBI_SIG_SIZE bytes, the caller's Ed25519 signature over the content)
 * or unsigned when sig is NULL.  out_hash gets the object's hash.
 * Returns 0 (also when the object was present already: first copy wins);
 * -EINVAL for a bad length; -EBADSIG when sig does not verify against
 * caller; -EFULL when the store is full; -ENOMEM without heap.
 */
__must_check int kstore_put(const struct principal *caller, const void *content,
			    size_t len, const uint8_t *sig, uint64_t tick,
			    uint8_t out_hash[CAMBI_HASH_SIZE]);

/**
 * Copy min(content length, out_len) bytes of the object hash into out;
 * *copied gets the count.  A signed object is verified against its owner
 * first.  Returns 0; -ENOENT when absent; -EBADSIG when its signature no
 * longer verifies; -ENOMEM without heap.
 */
__must_check int kstore_get(const uint8_t hash[CAMBI_HASH_SIZE], void *out,
			    size_t out_len, size_t *copied);

/**
 * Delete object hash, whose owner must be caller.  Returns 0; -ENOENT when
 * absent; -EPERM when caller is not the owner.
 */
__must_check int kstore_delete(const struct principal *caller,
			       const uint8_t hash[CAMBI_HASH_SIZE]);

/**
 * Up to max hashes in the store's list order into out; *count gets how
 * many were written.  Returns 0.
 */
__must_check int kstore_list(uint8_t (*out)[CAMBI_HASH_SIZE], size_t max,
			     size_t *count);
