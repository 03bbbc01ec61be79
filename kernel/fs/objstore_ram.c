/*
 * kernel/fs/objstore_ram.c - the RAM object store.
 */
#include "kernel/fs/objstore_ram.h"

#include "lib/klib/string.h"
#include "abi/errno.h"

/* Slot holding @hash, or -1. */
static long ram_find(const struct objstore_ram *ram,
		     const uint8_t hash[CAMBI_HASH_SIZE])
{
	for (size_t i = 0; i < ram->nslots; i++) {
		if (ram->used[i] && memcmp(ram->slots[i].content_hash, hash,
					   CAMBI_HASH_SIZE) == 0)
			return (long)i;
	}
	return -1;
}

static int ram_get(void *ctx, const uint8_t hash[CAMBI_HASH_SIZE],
		   struct cambi_object *out)
{
	struct objstore_ram *ram = ctx;
	long i = ram_find(ram, hash);

	if (i < 0)
		return -ENOENT;
	memcpy(out, &ram->slots[i], sizeof(*out));
	return 0;
}

static int ram_put(void *ctx, const struct cambi_object *obj)
{
	struct objstore_ram *ram = ctx;
	struct cambi_object *slot;
	size_t i;

	if (ram_find(ram, obj->content_hash) >= 0)
		return 0; /* idempotent: the first copy wins (spec §3) */
	for (i = 0; i < ram->nslots && ram->used[i]; i++)
		;
	if (i == ram->nslots)
		return -EFULL;
	slot = &ram->slots[i];
	memcpy(slot, obj, sizeof(*slot));
	/* Keep no stray bytes past the content: get returns the whole slot. */
	memset(slot->content + obj->content_len, 0,
	       CAMBI_CONTENT_MAX - obj->content_len);
	ram->used[i] = true;
	ram->count++;
	return 0;
}

static int ram_remove(void *ctx, const uint8_t hash[CAMBI_HASH_SIZE])
{
	struct objstore_ram *ram = ctx;
	long i = ram_find(ram, hash);

	if (i < 0)
		return -ENOENT;
	ram->used[i] = false;
	ram->count--;
	memset(&ram->slots[i], 0, sizeof(ram->slots[i]));
	return 0;
}

static int ram_list(void *ctx, uint8_t (*out)[CAMBI_HASH_SIZE], size_t max,
		    size_t *total)
{
	struct objstore_ram *ram = ctx;
	size_t n = 0;

	for (size_t i = 0; i < ram->nslots; i++) {
		if (!ram->used[i])
			continue;
		if (n < max)
			memcpy(out[n], ram->slots[i].content_hash,
			       CAMBI_HASH_SIZE);
		n++;
	}
	*total = n;
	return 0;
}

static int ram_stat(void *ctx, struct objstore_stat *st)
{
	const struct objstore_ram *ram = ctx;

	st->objects = ram->count;
	st->capacity = ram->nslots;
	st->unusable = 0;
	return 0;
}

static const struct objstore_ops ram_ops = {
    .get = ram_get,
    .put = ram_put,
    .remove = ram_remove,
    .list = ram_list,
    .stat = ram_stat,
};

int objstore_ram_init(struct objstore_ram *ram, struct cambi_object *storage,
		      size_t nslots, struct objstore *out)
{
	if (!storage || nslots == 0 || nslots > OBJSTORE_RAM_SLOTS)
		return -EINVAL;
	memset(ram, 0, sizeof(*ram));
	ram->slots = storage;
	ram->nslots = nslots;
	out->ops = &ram_ops;
	out->ctx = ram;
	return 0;
}
