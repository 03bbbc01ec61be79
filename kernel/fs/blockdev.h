/*
 * kernel/fs/blockdev.h - the block device interface the object store runs on.
 *
 * A device is an ops table plus an opaque context pointer, so one store
 * works over virtio-blk in the kernel, a RAM buffer in tests and a file in
 * host tools.  Every transfer is one whole 4096-byte block addressed by its
 * LBA (spec storage.md §6).  Devices are not thread-safe: the caller (the
 * object store, under the store lock) serialises all calls.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

/** Bytes per block; the only transfer size. */
#define BLOCKDEV_BLOCK_SIZE 4096u

/**
 * Operations of one kind of device.  Each fallible operation returns 0 or a
 * negative code from abi/errno.h: -ERANGE for an LBA at or past capacity,
 * -EIO for a device error, -EBUSY when the device is not ready.
 */
struct blockdev_ops {
	/** Read block @lba into @buf (BLOCKDEV_BLOCK_SIZE bytes). */
	int (*read)(void *ctx, uint64_t lba, void *buf);
	/** Write @buf (BLOCKDEV_BLOCK_SIZE bytes) to block @lba. */
	int (*write)(void *ctx, uint64_t lba, const void *buf);
	/** Make every completed write durable before returning 0. */
	int (*flush)(void *ctx);
	/** Device size in blocks; constant while the device is open. */
	uint64_t (*capacity)(void *ctx);
};

/** A block device: an ops table and the context its operations receive. */
struct blockdev {
	const struct blockdev_ops *ops; /**< never NULL once set up */
	void *ctx;			/**< passed to every op */
};

/**
 * Read block @lba into @buf (BLOCKDEV_BLOCK_SIZE bytes).  Returns 0, -ERANGE
 * when @lba is past the end (checked here, before the driver sees it), or
 * the driver's error.  On error @buf holds unspecified bytes.
 */
__must_check int blockdev_read(const struct blockdev *dev, uint64_t lba,
			       void *buf);

/**
 * Write @buf (BLOCKDEV_BLOCK_SIZE bytes) to block @lba.  Returns 0, -ERANGE
 * when @lba is past the end, or the driver's error.  The write is durable
 * only after a successful blockdev_flush(); after a failed write the block
 * holds the old data, the new data, or (after power loss) a mix.
 */
__must_check int blockdev_write(const struct blockdev *dev, uint64_t lba,
				const void *buf);

/** Make all completed writes durable.  Returns 0 or the driver's error. */
__must_check int blockdev_flush(const struct blockdev *dev);

/** Device size in 4096-byte blocks. */
uint64_t blockdev_capacity(const struct blockdev *dev);
