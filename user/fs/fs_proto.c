/*
 * user/fs/fs_proto.c - the fs-service protocol's pure parts (fs_proto.h).
 */
#include "user/fs/fs_proto.h"

#include "abi/errno.h"
#include "lib/klib/string.h"

enum fs_status fs_status_for(enum fs_op op, int64_t err)
{
	switch (err) {
	case 0:
		return FS_OK;
	case -ENOENT:
		return FS_NOT_FOUND;
	case -EFULL:
	case -ENOMEM:
		return FS_FULL;
	case -EPERM:
	case -EBADSIG:
	case -ENOSIG:
		return FS_DENIED;
	case -EINVAL:
	case -ERANGE:
		return FS_INVALID;
	case -EIO:
	case -ECORRUPT:
	case -EVERSION:
	case -EBLANK:
	case -EROFS:
	case -EBUSY:
		return FS_UNAVAILABLE;
	default:
		/* Anything else is the store failing, not the client. */
		return op == FS_OP_GET ? FS_NOT_FOUND : FS_UNAVAILABLE;
	}
}

bool fs_defer_push(struct fs_defer *d, const uint8_t sender[PRINCIPAL_SIZE],
		   uint32_t from, const uint8_t *payload, size_t len)
{
	if (d->count == FS_DEFER_MAX || len > IPC_MSG_SIZE)
		return false;

	struct fs_request *r = &d->q[(d->head + d->count) % FS_DEFER_MAX];

	memcpy(r->sender, sender, PRINCIPAL_SIZE);
	r->from = from;
	r->len = (uint16_t)len;
	memcpy(r->payload, payload, len);
	d->count++;
	return true;
}

bool fs_defer_pop(struct fs_defer *d, struct fs_request *out)
{
	if (d->count == 0)
		return false;
	*out = d->q[d->head];
	d->head = (d->head + 1) % FS_DEFER_MAX;
	d->count--;
	return true;
}
