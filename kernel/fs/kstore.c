/*
 * kernel/fs/kstore.c - the kernel's object store (kstore.h).
 */
#include "kernel/fs/kstore.h"

#include "abi/errno.h"
#include "kernel/core/log.h"
#include "kernel/core/panic.h"
#include "kernel/core/time.h"
#include "kernel/fs/kblk.h"
#include "kernel/fs/objstore.h"
#include "kernel/fs/objstore_disk.h"
#include "kernel/fs/objstore_ram.h"
#include "kernel/mm/heap.h"
#include "kernel/sched/kmutex.h"
#include "lib/klib/string.h"

#define RAM_PER_SLOT (128u << 10)
#define MIN_SLOTS    16u

static struct kmutex store_lock = KMUTEX_INIT("objstore");

/* Guarded by store_lock once kstore_init has run. */
static struct objstore store;	   /* the one serving (RAM or disk) */
static struct objstore ram_store;  /* the RAM store, kept for migration */
static struct objstore_ram ram;
static struct objstore_disk *disk; /* heap, once a disk is mounted */
static struct blockdev disk_dev;
static enum kstore_kind kind = KSTORE_RAM;
static int offline_err;	/* the mount's error when OFFLINE */
static bool disk_settled; /* the switch was decided (no retry) */

size_t kstore_init(uint64_t ram_bytes)
{
	uint64_t want = ram_bytes / RAM_PER_SLOT;
	size_t n = want < MIN_SLOTS		 ? MIN_SLOTS
		   : want > OBJSTORE_RAM_SLOTS ? OBJSTORE_RAM_SLOTS
					       : (size_t)want;
	struct cambi_object *slots = kzalloc(n * sizeof(*slots));

	if (!slots || objstore_ram_init(&ram, slots, n, &ram_store))
		panic("objstore: no memory for %zu object slots", n);
	store = ram_store;
	kblk_init();
	return n;
}

void kstore_tick(uint64_t now)
{
	kblk_tick(now);
}

/*
 * Copy every object of the RAM store onto the disk store just mounted:
 * objects stored before the driver came up are not lost.  Failures are
 * logged and leave the object in RAM only (it is counted).
 */
static void migrate_ram_objects(struct objstore *to)
{
	struct cambi_object *obj = kmalloc(sizeof(*obj));
	uint8_t (*hashes)[CAMBI_HASH_SIZE] =
	    kmalloc(OBJSTORE_RAM_SLOTS * CAMBI_HASH_SIZE);
	size_t total = 0, moved = 0;

	if (!obj || !hashes) {
		log_warn("objstore: no memory to copy RAM objects to disk\n");
		goto out;
	}
	if (objstore_list(&ram_store, hashes, OBJSTORE_RAM_SLOTS, &total))
		goto out;
	for (size_t i = 0; i < total && i < OBJSTORE_RAM_SLOTS; i++) {
		if (objstore_get(&ram_store, hashes[i], obj))
			continue;
		int err = cambi_object_is_signed(obj)
			      ? objstore_put_signed(to, obj)
			      : objstore_put(to, obj);

		if (err)
			log_warn("objstore: object %02x%02x.. stays in RAM: "
				 "%s\n",
				 hashes[i][0], hashes[i][1], errno_message(err));
		else
			moved++;
	}
	if (total)
		log_info("objstore: %zu of %zu RAM objects copied to disk\n",
			 moved, total);
out:
	kfree(obj);
	kfree(hashes);
}

/*
 * The lazy switch (storage.md §5), under store_lock.  Nothing happens
 * until a driver owns endpoint 26: objects live in RAM meanwhile and the
 * switch is tried again at the next operation (the original gave up for
 * good when the driver was not there yet).
 */
static void ensure_disk(void)
{
	struct objstore dst;
	int err;

	if (disk_settled || !kblk_driver_present())
		return;
	disk_settled = true;
	err = kblk_attach(&disk_dev);
	if (err == -ENODEV) {
		log_info("objstore: the block driver has no disk; objects "
			 "stay in RAM\n");
		return;
	}
	if (!err) {
		disk = kzalloc(sizeof(*disk));
		if (!disk)
			err = -ENOMEM;
	}
	if (!err)
		err = objstore_disk_open_or_format(disk, &disk_dev, time_ticks(),
						   &dst);
	if (err) {
		kind = KSTORE_OFFLINE;
		offline_err = err;
		log_error("objstore: disk store unavailable: %s (%s); the disk "
			  "is left as it is (not formatted); object operations "
			  "fail until reboot\n",
			  errno_message(err), errno_name(err));
		kfree(disk);
		disk = NULL;
		return;
	}

	struct objstore_stat st;

	migrate_ram_objects(&dst);
	store = dst;
	kind = KSTORE_DISK;
	if (objstore_stat(&store, &st) == 0)
		log_info("objstore: disk store mounted: %lu objects, %lu "
			 "slots\n",
			 (unsigned long)st.objects, (unsigned long)st.capacity);
}

/* Take the store, switched to disk if it can be; the error when offline. */
static int store_enter(void)
{
	kmutex_lock(&store_lock);
	ensure_disk();
	if (kind == KSTORE_OFFLINE) {
		kmutex_unlock(&store_lock);
		return offline_err;
	}
	return 0;
}

static void store_leave(void)
{
	kmutex_unlock(&store_lock);
}

int kstore_put(const struct principal *owner, const struct principal *author,
	       const struct cambi_acl_entry *acl, size_t acl_n,
	       const void *content, size_t len, const uint8_t *sig,
	       uint64_t tick, uint8_t out_hash[CAMBI_HASH_SIZE])
{
	struct cambi_object *obj;
	int err;

	if (len == 0 || len > CAMBI_CONTENT_MAX || acl_n > CAMBI_ACL_MAX)
		return -EINVAL;
	obj = kmalloc(sizeof(*obj));
	if (!obj)
		return -ENOMEM;
	err = cambi_object_init(obj, content, len);
	if (!err) {
		obj->author = *author;
		obj->owner = *owner;
		obj->created_at = tick;
		obj->acl_count = (uint16_t)acl_n;
		for (size_t i = 0; i < acl_n; i++)
			obj->acl[i] = acl[i];
		if (sig)
			memcpy(obj->signature, sig, CAMBI_SIG_SIZE);
		memcpy(out_hash, obj->content_hash, CAMBI_HASH_SIZE);
	}
	/* objstore_put checks hash and signature (once, under the lock). */
	if (!err)
		err = store_enter();
	if (!err) {
		err = sig ? objstore_put_signed(&store, obj)
			  : objstore_put(&store, obj);
		store_leave();
	}
	kfree(obj);
	return err;
}

int kstore_get(const struct principal *who, const uint8_t hash[CAMBI_HASH_SIZE],
	       void *out, size_t out_len, size_t *copied)
{
	struct cambi_object *obj = kmalloc(sizeof(*obj));
	int err;

	*copied = 0;
	if (!obj)
		return -ENOMEM;
	err = store_enter();
	if (!err) {
		err = objstore_get(&store, hash, obj);
		store_leave();
	}
	if (!err && !cambi_object_allows(obj, who, CAMBI_RIGHT_READ,
					 time_ticks()))
		err = -EPERM;
	/* storage.md: signed objects are verified on the way out, unsigned
	 * ones returned as they are. */
	if (!err && cambi_object_is_signed(obj))
		err = cambi_object_validate(obj);
	if (!err) {
		size_t n = obj->content_len < out_len ? obj->content_len : out_len;

		memcpy(out, obj->content, n);
		*copied = n;
	}
	kfree(obj);
	return err;
}

int kstore_delete(const struct principal *who,
		  const uint8_t hash[CAMBI_HASH_SIZE])
{
	struct cambi_object *obj = kmalloc(sizeof(*obj));
	int err;

	if (!obj)
		return -ENOMEM;
	err = store_enter();
	if (!err) {
		err = objstore_get(&store, hash, obj);
		if (!err &&
		    memcmp(obj->owner.key, who->key, CAMBI_PRINCIPAL_SIZE))
			err = -EPERM;
		if (!err)
			err = objstore_delete(&store, hash);
		store_leave();
	}
	kfree(obj);
	return err;
}

int kstore_list(uint8_t (*out)[CAMBI_HASH_SIZE], size_t max, size_t *count)
{
	size_t total = 0;
	int err;

	*count = 0;
	err = store_enter();
	if (err)
		return err;
	err = objstore_list(&store, out, max, &total);
	store_leave();
	*count = total < max ? total : max;
	return err;
}

void kstore_get_info(struct kstore_info *out)
{
	struct objstore_stat st = {0};

	memset(out, 0, sizeof(*out));
	kmutex_lock(&store_lock);
	ensure_disk();
	out->kind = kind;
	out->offline_err = offline_err;
	if (kind != KSTORE_OFFLINE && objstore_stat(&store, &st) == 0) {
		out->capacity = st.capacity;
		out->used = st.objects;
	}
	kmutex_unlock(&store_lock);
}
