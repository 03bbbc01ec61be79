/*
 * kernel/fs/objstore_ram.h - the RAM object store (spec storage.md §4).
 *
 * A fixed table of object slots: put takes the first free slot, lookups are
 * linear by hash, list returns slot order.  Used from boot until the disk
 * store is installed; nothing survives a reboot.
 *
 * Memory: the slot table comes from the caller, nslots * sizeof(struct
 * cambi_object) bytes (about 4.6 KiB each; 256 slots = about 1.2 MiB), so
 * the kernel can take it from its heap.  struct objstore_ram itself is
 * small (about 300 bytes).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "kernel/fs/objstore.h"

/** Slots of the kernel's RAM store, and the most a RAM store may have. */
#define OBJSTORE_RAM_SLOTS 256u

/** State of one RAM store; guarded by the global store lock. */
struct objstore_ram {
	struct cambi_object *slots;    /**< caller's table, nslots entries */
	size_t nslots;		       /**< 1..OBJSTORE_RAM_SLOTS */
	size_t count;		       /**< slots in use */
	bool used[OBJSTORE_RAM_SLOTS]; /**< slot i holds an object */
};

/**
 * Set up an empty RAM store in @ram over @storage (@nslots objects, which
 * the caller keeps alive for the store's lifetime and does not touch) and
 * fill @out with its interface.  Fails with -EINVAL when @storage is NULL
 * or @nslots is 0 or above OBJSTORE_RAM_SLOTS.
 */
__must_check int objstore_ram_init(struct objstore_ram *ram,
				   struct cambi_object *storage, size_t nslots,
				   struct objstore *out);
