/*
 * kernel/fs/objstore.h - the ObjectStore contract (spec storage.md §3).
 *
 * A store maps content hashes to CambiObjects.  Two implementations exist:
 * the RAM store (objstore_ram.h, used from boot) and the disk store
 * (objstore_disk.h).  Callers hold one struct objstore and go through the
 * objstore_* functions below, which check arguments and objects before the
 * implementation sees them.
 *
 * Concurrency: a store is not thread-safe.  The kernel keeps one global
 * store under one lock (hierarchy position 9) and holds it across every
 * call here.
 *
 * Error codes (negative, abi/errno.h) and the spec's names for them:
 *   -ENOENT    NotFound: no object with that hash;
 *   -EFULL     CapacityExceeded: every slot is taken (nothing was changed);
 *   -ERANGE    CapacityExceeded: content longer than CAMBI_CONTENT_MAX;
 *   -EINVAL    InvalidObject: content_hash is not Blake3(content), or
 *              malformed metadata;
 *   -EBADSIG   InvalidSignature: a signature is present and wrong;
 *   -ENOSIG    InvalidSignature: put_signed of an unsigned object;
 *   -ENOSYS    InvalidSignature: signed with an unimplemented algorithm;
 *   -ECORRUPT  InvalidObject: what the medium returned fails its checks;
 *   -EIO       InvalidObject: the block device failed;
 *   -EROFS     PermissionDenied: the store was mounted read-only.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/fs/object.h"

/** Occupancy figures of a store. */
struct objstore_stat {
	uint64_t objects;  /**< objects that get() can return */
	uint64_t capacity; /**< slots in total */
	uint64_t unusable; /**< slots neither free nor holding an object */
};

/**
 * Operations of one store implementation.  The objstore_* wrappers have
 * validated every argument and object before calling these.
 */
struct objstore_ops {
	/** Fill @out with the object stored under @hash. */
	int (*get)(void *ctx, const uint8_t hash[CAMBI_HASH_SIZE],
		   struct cambi_object *out);
	/** Store a validated @obj unless its hash is present already. */
	int (*put)(void *ctx, const struct cambi_object *obj);
	/** Remove the object stored under @hash. */
	int (*remove)(void *ctx, const uint8_t hash[CAMBI_HASH_SIZE]);
	/**
	 * Write up to @max hashes to @out in the store's list order and the
	 * total number of objects to @total.
	 */
	int (*list)(void *ctx, uint8_t (*out)[CAMBI_HASH_SIZE], size_t max,
		    size_t *total);
	/** Fill @st. */
	int (*stat)(void *ctx, struct objstore_stat *st);
};

/** A store: an implementation and its state. */
struct objstore {
	const struct objstore_ops *ops; /**< never NULL once set up */
	void *ctx;			/**< the implementation's state */
};

/**
 * Copy the object stored under @hash into @out (caller-owned, see the size
 * note in object.h).  Fails with -ENOENT when absent; the disk store also
 * returns -ECORRUPT when the stored header or content fails its checksum,
 * hash or decoding, -EBADSIG when a stored signature no longer verifies,
 * and -EIO on device errors.  On failure @out holds unspecified bytes.
 */
__must_check int objstore_get(struct objstore *st,
			      const uint8_t hash[CAMBI_HASH_SIZE],
			      struct cambi_object *out);

/**
 * Store @obj, signed or not.  The object is validated first
 * (cambi_object_validate: hash, shape, and the signature when present).
 * Storing an object whose hash is present already succeeds and changes
 * nothing (the first copy wins).  Returns 0 when the object is stored and,
 * for the disk store, durable; -EFULL when no slot is free; see the table
 * above for the rest.  The store keeps its own copy.
 */
__must_check int objstore_put(struct objstore *st,
			      const struct cambi_object *obj);

/**
 * Store an object that must carry a valid owner signature (the
 * ObjPutSigned path, and the fs service's puts): as objstore_put() but an
 * unsigned object fails with -ENOSIG.
 */
__must_check int objstore_put_signed(struct objstore *st,
				     const struct cambi_object *obj);

/**
 * Remove the object stored under @hash.  -ENOENT when absent; on the disk
 * store -EIO when the device failed (the object is then gone from this
 * mount but may come back after a remount).
 */
__must_check int objstore_delete(struct objstore *st,
				 const uint8_t hash[CAMBI_HASH_SIZE]);

/**
 * Write up to @max hashes into @out and the number of stored objects into
 * @total (so @total > @max means the list was cut short).  RAM store: slot
 * order; disk store: ascending byte order.  @out may be NULL when @max is
 * 0.  Cannot fail today; returns 0.
 */
__must_check int objstore_list(struct objstore *st,
			       uint8_t (*out)[CAMBI_HASH_SIZE], size_t max,
			       size_t *total);

/** Fill @out with occupancy figures.  Returns 0. */
__must_check int objstore_stat(struct objstore *st, struct objstore_stat *out);
