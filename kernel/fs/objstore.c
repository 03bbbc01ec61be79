/*
 * kernel/fs/objstore.c - the checks every store gets for free.
 *
 * The wrappers validate objects before any implementation sees them, so
 * the RAM and disk stores agree on what they accept (spec storage.md §3).
 */
#include "kernel/fs/objstore.h"

#include "abi/errno.h"

int objstore_get(struct objstore *st, const uint8_t hash[CAMBI_HASH_SIZE],
		 struct cambi_object *out)
{
	if (!hash || !out)
		return -EINVAL;
	return st->ops->get(st->ctx, hash, out);
}

int objstore_put(struct objstore *st, const struct cambi_object *obj)
{
	int err;

	if (!obj)
		return -EINVAL;
	err = cambi_object_validate(obj);
	if (err)
		return err;
	return st->ops->put(st->ctx, obj);
}

int objstore_put_signed(struct objstore *st, const struct cambi_object *obj)
{
	int err;

	if (!obj)
		return -EINVAL;
	err = cambi_object_validate_signed(obj);
	if (err)
		return err;
	return st->ops->put(st->ctx, obj);
}

int objstore_delete(struct objstore *st, const uint8_t hash[CAMBI_HASH_SIZE])
{
	if (!hash)
		return -EINVAL;
	return st->ops->remove(st->ctx, hash);
}

int objstore_list(struct objstore *st, uint8_t (*out)[CAMBI_HASH_SIZE],
		  size_t max, size_t *total)
{
	if (!total || (!out && max > 0))
		return -EINVAL;
	return st->ops->list(st->ctx, out, max, total);
}

int objstore_stat(struct objstore *st, struct objstore_stat *out)
{
	if (!out)
		return -EINVAL;
	return st->ops->stat(st->ctx, out);
}
