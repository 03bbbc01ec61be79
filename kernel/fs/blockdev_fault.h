/*
 * kernel/fs/blockdev_fault.h - a fault-injecting block device for tests.
 *
 * Wraps another device and simulates power loss after a chosen number of
 * writes: writes 1..limit reach the lower device; write limit+1 is the
 * crash (dropped whole, or torn: only its first tear_bytes bytes persist,
 * the rest of the block keeps its old contents); every later write and
 * flush is lost.  Lost operations either report success (the machine died
 * and the software ran on in a dream: nothing it does afterwards counts)
 * or fail with -EIO (a dying device), as configured.  Separately it can
 * fail reads of one LBA, and fail one chosen write transiently (the data
 * lost or, as after a timeout, written anyway).  Freestanding, but meant
 * for tests only.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/fs/blockdev.h"

/** What happens to operations after the crash point. */
enum blockdev_fault_mode {
	BLOCKDEV_FAULT_DROP = 0,  /**< lost silently: report success */
	BLOCKDEV_FAULT_ERROR = 1, /**< lost loudly: return -EIO */
};

/** Tells "no limit" for write_limit and "no LBA" for fail_read_lba. */
#define BLOCKDEV_FAULT_NEVER UINT64_MAX

/** State of one fault-injecting device. */
struct blockdev_fault {
	struct blockdev lower;	       /**< the device that persists */
	enum blockdev_fault_mode mode; /**< fate of lost operations */
	uint64_t write_limit; /**< writes that persist; NEVER = no crash */
	uint32_t tear_bytes; /**< 0: crash write lost whole; else prefix kept */
	uint64_t fail_read_lba;	  /**< reads of this LBA fail with -EIO */
	uint64_t fail_write_nth;  /**< this write (1-based) fails, -EIO */
	bool fail_write_persists; /**< ...but its data is written anyway */
	bool crashed;		  /**< the crash point has been passed */
	uint64_t writes;	  /**< writes attempted so far */
	uint64_t flushes;	  /**< flushes attempted so far */
	uint64_t unflushed;	  /**< writes since the last flush */
	uint64_t max_unflushed;	  /**< most writes ever outstanding at once */
	uint8_t tear_buf[BLOCKDEV_BLOCK_SIZE]; /**< composes a torn block */
};

/**
 * Set up @fault over @lower with no faults armed (write_limit,
 * fail_read_lba and fail_write_nth NEVER, mode DROP) and fill @dev with the
 * matching ops.  The caller then sets the public fields it wants.  Cannot fail.
 */
void blockdev_fault_init(struct blockdev_fault *fault,
			 const struct blockdev *lower, struct blockdev *dev);

/**
 * Arm a crash: the first @limit writes persist, write @limit + 1 is lost
 * (or torn to its first @tear_bytes bytes when @tear_bytes is 1..4095) and
 * so is everything after it.  Resets the counters and the crashed flag
 * (fail_write_nth counts from here on).
 */
void blockdev_fault_arm(struct blockdev_fault *fault, uint64_t limit,
			uint32_t tear_bytes, enum blockdev_fault_mode mode);
