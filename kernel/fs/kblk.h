/*
 * kernel/fs/kblk.h - the kernel's block device over IPC: a blockdev
 * (blockdev.h) whose blocks live on the disk the user-space virtio-blk
 * driver serves, through the protocol of abi/blk.h (docs/storage.md §7).
 *
 * Requests are synchronous and one at a time (the caller, the object
 * store, serialises them under its kmutex): the kernel queues a command
 * on endpoint 26, then sleeps until the driver's reply reaches the sink
 * of endpoint 25 or the request times out on the boot CPU's tick.  Data
 * moves through the driver's shared DMA page, copied by the kernel under
 * the driver's region lock (proc_dma_copy), never trusted beyond that:
 * the store checks everything it reads.  A timeout or a broken reply
 * marks the device dead: later requests fail at once with -EIO.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/fs/blockdev.h"

/** How long a request may take, in ticks (100 Hz). */
#define KBLK_TIMEOUT_TICKS 500u

/** Install the endpoint-25 sink.  Boot, before user processes. */
void kblk_init(void);

/** Whether a driver has registered endpoint 26 (a handshake may work). */
bool kblk_driver_present(void);

/**
 * Handshake with the driver (HANDSHAKE, then CAPACITY) and fill *dev.
 * Returns 0; -ENODEV when the driver has no disk (NO_DEVICE) or no driver
 * is there; -EIO when it fails, times out or answers nonsense (a shared
 * page that is not its DMA memory, a capacity below 2 blocks).  Task
 * context, no lock held (sleeps).
 */
int kblk_attach(struct blockdev *dev);

/** Expire a request past its deadline.  The boot CPU's tick calls it. */
void kblk_tick(uint64_t now);

/** Counters for SysInfo and tests. */
struct kblk_stats {
	uint64_t requests, timeouts, errors;
};
void kblk_get_stats(struct kblk_stats *out);
