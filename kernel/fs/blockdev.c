/*
 * kernel/fs/blockdev.c - bounds-checked wrappers over a block device's ops.
 */
#include "kernel/fs/blockdev.h"

#include "abi/errno.h"

int blockdev_read(const struct blockdev *dev, uint64_t lba, void *buf)
{
	if (lba >= dev->ops->capacity(dev->ctx))
		return -ERANGE;
	return dev->ops->read(dev->ctx, lba, buf);
}

int blockdev_write(const struct blockdev *dev, uint64_t lba, const void *buf)
{
	if (lba >= dev->ops->capacity(dev->ctx))
		return -ERANGE;
	return dev->ops->write(dev->ctx, lba, buf);
}

int blockdev_flush(const struct blockdev *dev)
{
	return dev->ops->flush(dev->ctx);
}

uint64_t blockdev_capacity(const struct blockdev *dev)
{
	return dev->ops->capacity(dev->ctx);
}
