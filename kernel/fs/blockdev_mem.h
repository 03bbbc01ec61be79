/*
 * kernel/fs/blockdev_mem.h - a block device backed by a caller's RAM buffer.
 *
 * Used by unit tests, the fuzzer and anything that wants a RAM disk.  Writes
 * land in the buffer at once, so flush has nothing to do.
 */
#pragma once

#include <stdint.h>

#include "kernel/fs/blockdev.h"

/** State of one memory-backed device; the caller owns the storage. */
struct blockdev_mem {
	uint8_t *data;	  /**< blocks * BLOCKDEV_BLOCK_SIZE bytes */
	uint64_t blocks;  /**< device size in blocks */
	uint64_t reads;	  /**< successful reads, for tests */
	uint64_t writes;  /**< successful writes, for tests */
	uint64_t flushes; /**< flushes, for tests */
};

/**
 * Set up @mem over @data (@blocks * BLOCKDEV_BLOCK_SIZE bytes, which the
 * caller keeps alive and does not touch while the device is in use) and
 * fill @dev with the matching ops.  Cannot fail.
 */
void blockdev_mem_init(struct blockdev_mem *mem, void *data, uint64_t blocks,
		       struct blockdev *dev);
