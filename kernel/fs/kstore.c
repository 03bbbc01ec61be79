/*
 * kernel/fs/kstore.c - the kernel's object store (kstore.h).
 */
#include "kernel/fs/kstore.h"

#include "abi/errno.h"
#include "kernel/core/lockrank.h"
#include "kernel/core/panic.h"
#include "kernel/core/spinlock.h"
#include "kernel/fs/objstore.h"
#include "kernel/fs/objstore_ram.h"
#include "kernel/mm/heap.h"
#include "lib/klib/string.h"

#define RAM_PER_SLOT (128u << 10)
#define MIN_SLOTS    16u

static struct spinlock store_lock =
    SPINLOCK_INIT("objstore", LOCK_RANK_OBJSTORE);
/* Guarded by store_lock once kstore_init has run. */
static struct objstore store;
static struct objstore_ram ram;

size_t kstore_init(uint64_t ram_bytes)
{
	uint64_t want = ram_bytes / RAM_PER_SLOT;
	size_t n = want < MIN_SLOTS		 ? MIN_SLOTS
		   : want > OBJSTORE_RAM_SLOTS ? OBJSTORE_RAM_SLOTS
					       : (size_t)want;
	struct cambi_object *slots = kzalloc(n * sizeof(*slots));

	if (!slots || objstore_ram_init(&ram, slots, n, &store))
		panic("objstore: no memory for %zu object slots", n);
	return n;
}

int kstore_put(const struct principal *caller, const void *content, size_t len,
	       const uint8_t *sig, uint64_t tick,
	       uint8_t out_hash[CAMBI_HASH_SIZE])
{
	struct cambi_object *obj;
	int err;

	if (len == 0 || len > CAMBI_CONTENT_MAX)
		return -EINVAL;
	obj = kmalloc(sizeof(*obj));
	if (!obj)
		return -ENOMEM;
	err = cambi_object_init(obj, content, len);
	if (!err) {
		obj->author = *caller;
		obj->owner = *caller;
		obj->created_at = tick;
		if (sig)
			memcpy(obj->signature, sig, CAMBI_SIG_SIZE);
		memcpy(out_hash, obj->content_hash, CAMBI_HASH_SIZE);
	}
	/* objstore_put checks hash and signature (once, under the lock). */
	if (!err) {
		spin_lock(&store_lock);
		err = sig ? objstore_put_signed(&store, obj)
			  : objstore_put(&store, obj);
		spin_unlock(&store_lock);
	}
	kfree(obj);
	return err;
}

int kstore_get(const uint8_t hash[CAMBI_HASH_SIZE], void *out, size_t out_len,
	       size_t *copied)
{
	struct cambi_object *obj = kmalloc(sizeof(*obj));
	int err;

	*copied = 0;
	if (!obj)
		return -ENOMEM;
	spin_lock(&store_lock);
	err = objstore_get(&store, hash, obj);
	spin_unlock(&store_lock);
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

int kstore_delete(const struct principal *caller,
		  const uint8_t hash[CAMBI_HASH_SIZE])
{
	struct cambi_object *obj = kmalloc(sizeof(*obj));
	int err;

	if (!obj)
		return -ENOMEM;
	spin_lock(&store_lock);
	err = objstore_get(&store, hash, obj);
	if (!err && memcmp(obj->owner.key, caller->key, CAMBI_PRINCIPAL_SIZE))
		err = -EPERM;
	if (!err)
		err = objstore_delete(&store, hash);
	spin_unlock(&store_lock);
	kfree(obj);
	return err;
}

int kstore_list(uint8_t (*out)[CAMBI_HASH_SIZE], size_t max, size_t *count)
{
	size_t total = 0;
	int err;

	spin_lock(&store_lock);
	err = objstore_list(&store, out, max, &total);
	spin_unlock(&store_lock);
	*count = total < max ? total : max;
	return err;
}
