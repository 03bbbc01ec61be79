/*
 * kernel/fs/objstore_disk.c - the object store on a block device.
 *
 * Invariants between calls (the global store lock held by every caller):
 *  - index[0..count) is sorted by hash with no repeats, and slot s is
 *    LIVE iff exactly one entry names it;
 *  - a slot's free_map bit is set iff its state is FREE;
 *  - a FREE slot's header on disk is not a valid record, so writing its
 *    content block can never change what a remount sees;
 *  - every put and delete that returned 0 has been flushed.
 */
#include "kernel/fs/objstore_disk.h"

#include "lib/klib/string.h"
#include "abi/errno.h"

/* ---- free map and slot states ------------------------------------- */

bool objstore_disk_slot_free(const struct objstore_disk *ds, uint64_t slot)
{
	if (slot >= ds->sb.capacity)
		return false;
	return (ds->free_map[slot / 64] >> (slot % 64)) & 1;
}

static void slot_set(struct objstore_disk *ds, uint64_t slot,
		     enum objstore_disk_slot st)
{
	uint64_t bit = UINT64_C(1) << (slot % 64);
	bool was_unusable = ds->state[slot] >= OBJSTORE_DISK_DUP;
	bool is_unusable = st >= OBJSTORE_DISK_DUP;

	ds->state[slot] = (uint8_t)st;
	if (st == OBJSTORE_DISK_FREE)
		ds->free_map[slot / 64] |= bit;
	else
		ds->free_map[slot / 64] &= ~bit;
	if (was_unusable != is_unusable) {
		if (is_unusable)
			ds->unusable++;
		else
			ds->unusable--;
	}
}

/* Lowest free slot, or -1 when none. */
static long lowest_free(const struct objstore_disk *ds)
{
	uint64_t words = (ds->sb.capacity + 63) / 64;

	for (uint64_t w = 0; w < words; w++) {
		uint64_t bits = ds->free_map[w];

		if (bits)
			return (long)(w * 64 + (uint64_t)__builtin_ctzll(bits));
	}
	return -1;
}

/* ---- the sorted index ---------------------------------------------- */

static int entry_cmp(const struct objstore_disk_entry *a,
		     const struct objstore_disk_entry *b)
{
	int c = memcmp(a->hash, b->hash, CAMBI_HASH_SIZE);

	if (c)
		return c;
	return (a->slot > b->slot) - (a->slot < b->slot);
}

/*
 * Position of @hash in the index (*found set) or where it would go.
 * Binary search over at most 4096 entries: 13 probes.
 */
static uint32_t index_search(const struct objstore_disk *ds,
			     const uint8_t *hash, bool *found)
{
	uint32_t lo = 0, hi = ds->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(ds->index[mid].hash, hash, CAMBI_HASH_SIZE);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static void index_insert(struct objstore_disk *ds, uint32_t pos,
			 const uint8_t *hash, uint64_t slot)
{
	memmove(&ds->index[pos + 1], &ds->index[pos],
		(ds->count - pos) * sizeof(ds->index[0]));
	memcpy(ds->index[pos].hash, hash, CAMBI_HASH_SIZE);
	ds->index[pos].slot = (uint16_t)slot;
	ds->count++;
}

static void index_remove(struct objstore_disk *ds, uint32_t pos)
{
	memmove(&ds->index[pos], &ds->index[pos + 1],
		(ds->count - pos - 1) * sizeof(ds->index[0]));
	ds->count--;
}

static void entry_swap(struct objstore_disk_entry *a,
		       struct objstore_disk_entry *b)
{
	struct objstore_disk_entry t = *a;

	*a = *b;
	*b = t;
}

static void sift_down(struct objstore_disk_entry *v, uint32_t root, uint32_t n)
{
	for (;;) {
		uint32_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && entry_cmp(&v[child], &v[child + 1]) < 0)
			child++;
		if (entry_cmp(&v[root], &v[child]) >= 0)
			return;
		entry_swap(&v[root], &v[child]);
		root = child;
	}
}

/* Heapsort: O(n log n), no recursion, no extra memory. */
static void index_sort(struct objstore_disk_entry *v, uint32_t n)
{
	for (uint32_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (uint32_t end = n; end-- > 1;) {
		entry_swap(&v[0], &v[end]);
		sift_down(v, 0, end);
	}
}

/*
 * Sort what the scan appended and drop repeated hashes.  The entries of a
 * hash are sorted by slot, so the lowest slot stays indexed (the first copy
 * wins, as for puts); the rest become DUP: kept occupied, because freeing
 * them would let a stale copy come back after the object is deleted.
 */
static void index_finish(struct objstore_disk *ds)
{
	uint32_t out = 0;

	index_sort(ds->index, ds->count);
	for (uint32_t i = 0; i < ds->count; i++) {
		if (out > 0 &&
		    memcmp(ds->index[out - 1].hash, ds->index[i].hash,
			   CAMBI_HASH_SIZE) == 0) {
			slot_set(ds, ds->index[i].slot, OBJSTORE_DISK_DUP);
			ds->info.dups++;
			continue;
		}
		ds->index[out++] = ds->index[i];
	}
	ds->count = out;
	ds->info.live = out;
}

/* ---- mount and format --------------------------------------------- */

/* Read and classify every slot header: the one pass over the device. */
static int mount_scan(struct objstore_disk *ds)
{
	for (uint64_t s = 0; s < ds->sb.capacity; s++) {
		if (blockdev_read(&ds->dev, objdisk_header_lba(s), ds->blk))
			return -EIO;
		switch (objdisk_record_decode(ds->blk, &ds->scratch)) {
		case OBJDISK_REC_EMPTY:
			slot_set(ds, s, OBJSTORE_DISK_FREE);
			break;
		case OBJDISK_REC_TORN:
			/* An interrupted put or delete: never committed. */
			ds->info.torn++;
			slot_set(ds, s, OBJSTORE_DISK_FREE);
			break;
		case OBJDISK_REC_MALFORMED:
			/*
			 * Unlike the original, one bad record does not fail
			 * the mount; nor is the slot reused, so a newer
			 * writer's record is not overwritten (docs §5).
			 */
			ds->info.malformed++;
			slot_set(ds, s, OBJSTORE_DISK_MALFORMED);
			break;
		case OBJDISK_REC_VALID:
			memcpy(ds->index[ds->count].hash,
			       ds->scratch.content_hash, CAMBI_HASH_SIZE);
			ds->index[ds->count].slot = (uint16_t)s;
			ds->count++;
			slot_set(ds, s, OBJSTORE_DISK_LIVE);
			break;
		}
	}
	index_finish(ds);
	return 0;
}

static int write_super(struct objstore_disk *ds)
{
	objdisk_super_encode(&ds->sb, ds->blk);
	if (blockdev_write(&ds->dev, 0, ds->blk) || blockdev_flush(&ds->dev))
		return -EIO;
	return 0;
}

static void reset(struct objstore_disk *ds, const struct blockdev *dev)
{
	ds->dev = *dev;
	memset(&ds->sb, 0, sizeof(ds->sb));
	ds->mounted = false;
	ds->read_only = false;
	memset(&ds->info, 0, sizeof(ds->info));
	ds->count = 0;
	ds->unusable = 0;
	memset(ds->free_map, 0, sizeof(ds->free_map));
	memset(ds->state, 0, sizeof(ds->state));
}

int objstore_disk_format(struct objstore_disk *ds, const struct blockdev *dev,
			 uint64_t max_slots, uint64_t created_at,
			 unsigned flags)
{
	uint64_t slots = objdisk_slots_for_blocks(blockdev_capacity(dev));

	reset(ds, dev);
	if (slots == 0)
		return -ENOSPC;
	if (max_slots != 0 && max_slots < slots)
		slots = max_slots;

	/* Blank first: an interrupted format must not look like a store. */
	memset(ds->blk, 0, OBJDISK_BLOCK_SIZE);
	if (blockdev_write(dev, 0, ds->blk) || blockdev_flush(dev))
		return -EIO;
	if (!(flags & OBJSTORE_DISK_ASSUME_ZEROED)) {
		for (uint64_t s = 0; s < slots; s++) {
			if (blockdev_write(dev, objdisk_header_lba(s), ds->blk))
				return -EIO;
		}
		if (blockdev_flush(dev))
			return -EIO;
	}
	ds->sb.version = OBJDISK_VERSION;
	ds->sb.capacity = slots;
	ds->sb.generation = 1;
	ds->sb.created_at = created_at;
	return write_super(ds);
}

static const struct objstore_ops disk_ops;

int objstore_disk_mount(struct objstore_disk *ds, const struct blockdev *dev,
			unsigned flags, struct objstore *out)
{
	uint64_t blocks = blockdev_capacity(dev);
	int err;

	reset(ds, dev);
	if (blocks < 1)
		return -ENOSPC;
	if (blockdev_read(dev, 0, ds->blk))
		return -EIO;
	err = objdisk_super_decode(ds->blk, ds->scratch.content, &ds->sb,
				   &ds->info.sb_recovered);
	if (err)
		return err;
	if (blocks < objdisk_blocks_needed(ds->sb.capacity))
		return -ENOSPC;
	err = mount_scan(ds);
	if (err)
		return err;
	ds->read_only = flags & OBJSTORE_DISK_READONLY;
	if (!ds->read_only) {
		/* Wraps at 2^64 (spec §6 mount step 3). */
		ds->sb.generation++;
		if (write_super(ds))
			return -EIO;
	}
	ds->mounted = true;
	out->ops = &disk_ops;
	out->ctx = ds;
	return 0;
}

int objstore_disk_open_or_format(struct objstore_disk *ds,
				 const struct blockdev *dev,
				 uint64_t created_at, struct objstore *out)
{
	int err = objstore_disk_mount(ds, dev, 0, out);

	if (err != -EBLANK)
		return err;
	err = objstore_disk_format(ds, dev, 0, created_at, 0);
	if (err)
		return err;
	return objstore_disk_mount(ds, dev, 0, out);
}

/* ---- the ObjectStore operations ----------------------------------- */

static int disk_get(void *ctx, const uint8_t hash[CAMBI_HASH_SIZE],
		    struct cambi_object *out)
{
	struct objstore_disk *ds = ctx;
	uint32_t pos;
	uint64_t slot;
	bool found;
	int err;

	if (!ds->mounted)
		return -EIO; /* a failed remount left nothing to read */
	pos = index_search(ds, hash, &found);
	if (!found)
		return -ENOENT;
	slot = ds->index[pos].slot;
	if (blockdev_read(&ds->dev, objdisk_header_lba(slot), ds->blk))
		return -EIO;
	/* The disk may have changed under us: trust nothing from the scan. */
	if (objdisk_record_decode(ds->blk, out) != OBJDISK_REC_VALID ||
	    memcmp(out->content_hash, hash, CAMBI_HASH_SIZE) != 0)
		return -ECORRUPT;
	if (blockdev_read(&ds->dev, objdisk_content_lba(slot), ds->blk))
		return -EIO;
	memcpy(out->content, ds->blk, out->content_len);
	memset(out->content + out->content_len, 0,
	       CAMBI_CONTENT_MAX - out->content_len);
	err = cambi_object_validate(out);
	if (err == -EINVAL || err == -ERANGE)
		return -ECORRUPT; /* content does not match its hash */
	return err;
}

static int disk_put(void *ctx, const struct cambi_object *obj)
{
	struct objstore_disk *ds = ctx;
	uint32_t pos;
	long slot;
	bool found;

	if (!ds->mounted)
		return -EIO;
	if (ds->read_only)
		return -EROFS;
	pos = index_search(ds, obj->content_hash, &found);
	if (found)
		return 0; /* idempotent: the first copy wins (spec §3) */
	slot = lowest_free(ds);
	if (slot < 0)
		return -EFULL;

	/*
	 * Content first, flushed, while the header still says "free": a
	 * crash here leaves an orphan that the next put overwrites.
	 */
	objdisk_content_encode(obj, ds->blk);
	if (blockdev_write(&ds->dev, objdisk_content_lba((uint64_t)slot),
			   ds->blk) ||
	    blockdev_flush(&ds->dev))
		return -EIO;

	/*
	 * The header write commits.  If it or its flush fails the header may
	 * be old, new or torn, so the slot is neither free nor indexed until
	 * a remount reads what is really there.
	 */
	objdisk_record_encode(obj, ds->blk);
	if (blockdev_write(&ds->dev, objdisk_header_lba((uint64_t)slot),
			   ds->blk) ||
	    blockdev_flush(&ds->dev)) {
		slot_set(ds, (uint64_t)slot, OBJSTORE_DISK_POISONED);
		return -EIO;
	}
	index_insert(ds, pos, obj->content_hash, (uint64_t)slot);
	slot_set(ds, (uint64_t)slot, OBJSTORE_DISK_LIVE);
	return 0;
}

/*
 * Zero the headers of DUP slots holding @hash (left by damage or foreign
 * writers; see index_finish), unflushed.  Each one erased becomes ERASING
 * until the caller's flush settles it.
 */
static int erase_dups(struct objstore_disk *ds, const uint8_t *hash)
{
	for (uint64_t s = 0; s < ds->sb.capacity; s++) {
		if (ds->state[s] != OBJSTORE_DISK_DUP)
			continue;
		if (blockdev_read(&ds->dev, objdisk_header_lba(s), ds->blk))
			return -EIO;
		if (objdisk_record_decode(ds->blk, &ds->scratch) !=
			OBJDISK_REC_VALID ||
		    memcmp(ds->scratch.content_hash, hash, CAMBI_HASH_SIZE))
			continue;
		slot_set(ds, s, OBJSTORE_DISK_ERASING);
		memset(ds->blk, 0, OBJDISK_BLOCK_SIZE);
		if (blockdev_write(&ds->dev, objdisk_header_lba(s), ds->blk))
			return -EIO;
	}
	return 0;
}

/* Settle the ERASING slots of a delete: free on success, else poisoned. */
static void settle_erasing(struct objstore_disk *ds, bool ok)
{
	for (uint64_t s = 0; s < ds->sb.capacity; s++) {
		if (ds->state[s] == OBJSTORE_DISK_ERASING)
			slot_set(ds, s,
				 ok ? OBJSTORE_DISK_FREE
				    : OBJSTORE_DISK_POISONED);
	}
}

static int disk_remove(void *ctx, const uint8_t hash[CAMBI_HASH_SIZE])
{
	struct objstore_disk *ds = ctx;
	uint32_t pos;
	uint64_t slot;
	bool found;
	int err = 0;

	if (!ds->mounted)
		return -EIO;
	if (ds->read_only)
		return -EROFS;
	pos = index_search(ds, hash, &found);
	if (!found)
		return -ENOENT;
	slot = ds->index[pos].slot;
	index_remove(ds, pos);
	slot_set(ds, slot, OBJSTORE_DISK_ERASING);

	/* Zeroing the header is the commit point of a delete (spec §6). */
	memset(ds->blk, 0, OBJDISK_BLOCK_SIZE);
	if (blockdev_write(&ds->dev, objdisk_header_lba(slot), ds->blk))
		err = -EIO;
	if (!err && ds->info.dups > 0)
		err = erase_dups(ds, hash);
	if (!err && blockdev_flush(&ds->dev))
		err = -EIO;
	/*
	 * On failure the headers may be old, zero or torn: the slots are
	 * used for nothing until a remount reads what is really there.
	 */
	settle_erasing(ds, err == 0);
	return err;
}

static int disk_list(void *ctx, uint8_t (*out)[CAMBI_HASH_SIZE], size_t max,
		     size_t *total)
{
	struct objstore_disk *ds = ctx;

	for (uint32_t i = 0; i < ds->count && i < max; i++)
		memcpy(out[i], ds->index[i].hash, CAMBI_HASH_SIZE);
	*total = ds->count;
	return 0;
}

static int disk_stat(void *ctx, struct objstore_stat *st)
{
	const struct objstore_disk *ds = ctx;

	st->objects = ds->count;
	st->capacity = ds->sb.capacity;
	st->unusable = ds->unusable;
	return 0;
}

static const struct objstore_ops disk_ops = {
    .get = disk_get,
    .put = disk_put,
    .remove = disk_remove,
    .list = disk_list,
    .stat = disk_stat,
};
