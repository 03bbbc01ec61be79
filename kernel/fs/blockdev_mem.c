/*
 * kernel/fs/blockdev_mem.c - RAM-backed block device.
 */
#include "kernel/fs/blockdev_mem.h"

#include "lib/klib/string.h"
#include "abi/errno.h"

static int mem_read(void *ctx, uint64_t lba, void *buf)
{
	struct blockdev_mem *mem = ctx;

	if (lba >= mem->blocks)
		return -ERANGE;
	memcpy(buf, mem->data + lba * BLOCKDEV_BLOCK_SIZE, BLOCKDEV_BLOCK_SIZE);
	mem->reads++;
	return 0;
}

static int mem_write(void *ctx, uint64_t lba, const void *buf)
{
	struct blockdev_mem *mem = ctx;

	if (lba >= mem->blocks)
		return -ERANGE;
	memcpy(mem->data + lba * BLOCKDEV_BLOCK_SIZE, buf, BLOCKDEV_BLOCK_SIZE);
	mem->writes++;
	return 0;
}

static int mem_flush(void *ctx)
{
	struct blockdev_mem *mem = ctx;

	mem->flushes++;
	return 0;
}

static uint64_t mem_capacity(void *ctx)
{
	const struct blockdev_mem *mem = ctx;

	return mem->blocks;
}

static const struct blockdev_ops mem_ops = {
    .read = mem_read,
    .write = mem_write,
    .flush = mem_flush,
    .capacity = mem_capacity,
};

void blockdev_mem_init(struct blockdev_mem *mem, void *data, uint64_t blocks,
		       struct blockdev *dev)
{
	mem->data = data;
	mem->blocks = blocks;
	mem->reads = 0;
	mem->writes = 0;
	mem->flushes = 0;
	dev->ops = &mem_ops;
	dev->ctx = mem;
}
