/*
 * kernel/fs/blockdev_fault.c - power-loss simulation for crash tests.
 */
#include "kernel/fs/blockdev_fault.h"

#include "lib/klib/string.h"
#include "abi/errno.h"

static int lost(const struct blockdev_fault *fault)
{
	return fault->mode == BLOCKDEV_FAULT_ERROR ? -EIO : 0;
}

static int fault_read(void *ctx, uint64_t lba, void *buf)
{
	struct blockdev_fault *fault = ctx;

	if (lba == fault->fail_read_lba)
		return -EIO;
	return blockdev_read(&fault->lower, lba, buf);
}

/* Persist the first tear_bytes of @buf over the block's old contents. */
static void tear_write(struct blockdev_fault *fault, uint64_t lba,
		       const void *buf)
{
	if (blockdev_read(&fault->lower, lba, fault->tear_buf) != 0)
		return;
	memcpy(fault->tear_buf, buf, fault->tear_bytes);
	(void)blockdev_write(&fault->lower, lba, fault->tear_buf); /* dying */
}

static int fault_write(void *ctx, uint64_t lba, const void *buf)
{
	struct blockdev_fault *fault = ctx;

	fault->writes++;
	if (fault->crashed)
		return lost(fault);
	if (fault->writes == fault->fail_write_nth) {
		/* A transient error: the device lives on afterwards. */
		if (fault->fail_write_persists)
			(void)blockdev_write(&fault->lower, lba, buf);
		return -EIO;
	}
	if (fault->write_limit != BLOCKDEV_FAULT_NEVER &&
	    fault->writes > fault->write_limit) {
		/* This write is the moment the power goes. */
		fault->crashed = true;
		if (fault->tear_bytes > 0 &&
		    fault->tear_bytes < BLOCKDEV_BLOCK_SIZE)
			tear_write(fault, lba, buf);
		return lost(fault);
	}
	fault->unflushed++;
	if (fault->unflushed > fault->max_unflushed)
		fault->max_unflushed = fault->unflushed;
	return blockdev_write(&fault->lower, lba, buf);
}

static int fault_flush(void *ctx)
{
	struct blockdev_fault *fault = ctx;

	fault->flushes++;
	if (fault->crashed)
		return lost(fault);
	fault->unflushed = 0;
	return blockdev_flush(&fault->lower);
}

static uint64_t fault_capacity(void *ctx)
{
	const struct blockdev_fault *fault = ctx;

	return blockdev_capacity(&fault->lower);
}

static const struct blockdev_ops fault_ops = {
    .read = fault_read,
    .write = fault_write,
    .flush = fault_flush,
    .capacity = fault_capacity,
};

void blockdev_fault_arm(struct blockdev_fault *fault, uint64_t limit,
			uint32_t tear_bytes, enum blockdev_fault_mode mode)
{
	fault->write_limit = limit;
	fault->tear_bytes = tear_bytes;
	fault->mode = mode;
	fault->crashed = false;
	fault->writes = 0;
	fault->flushes = 0;
	fault->unflushed = 0;
	fault->max_unflushed = 0;
}

void blockdev_fault_init(struct blockdev_fault *fault,
			 const struct blockdev *lower, struct blockdev *dev)
{
	fault->lower = *lower;
	fault->fail_read_lba = BLOCKDEV_FAULT_NEVER;
	fault->fail_write_nth = BLOCKDEV_FAULT_NEVER;
	fault->fail_write_persists = false;
	blockdev_fault_arm(fault, BLOCKDEV_FAULT_NEVER, 0, BLOCKDEV_FAULT_DROP);
	dev->ops = &fault_ops;
	dev->ctx = fault;
}
