/*
 * user/virtio_blk/vblk.h - the portable core of the virtio-blk driver
 * (docs/virtio-blk.md): the legacy virtio-pci register sequence, the
 * split virtqueue of queue 0, request chains, completion handling, and a
 * check of every value the device gives back.
 *
 * The core never touches hardware itself: it reaches the device through
 * a small table of operations (struct vblk_ops) that the driver binds to
 * PortIo, AllocDma and WaitIrq, and the unit tests bind to a simulated
 * device.  Nothing here allocates memory or makes a syscall.
 *
 * One request is in flight at a time: a request is posted, then the
 * caller blocks (ops->wait_irq) until the used ring shows its completion.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Bytes of a logical block (the kernel's unit). */
#define VBLK_BLOCK_SIZE 4096u
/** Bytes of a virtio-blk sector (the device's unit). */
#define VBLK_SECTOR_SIZE 512u
/** Sectors per logical block. */
#define VBLK_SECTORS_PER_BLOCK (VBLK_BLOCK_SIZE / VBLK_SECTOR_SIZE)
/** Largest queue size the driver accepts (spec kernel.md §8). */
#define VBLK_QUEUE_MAX 256u
/** Smallest: a read or write chain has three descriptors. */
#define VBLK_QUEUE_MIN 3u
/** Largest believable capacity, in sectors: 2^41 (1 PiB). */
#define VBLK_MAX_SECTORS (1ull << 41)
/** Consecutive failed requests after which the device is declared dead. */
#define VBLK_MAX_FAILURES 3u
/** Interrupts without a completion one request tolerates. */
#define VBLK_MAX_SPURIOUS 64u
/** Pages of DMA memory the core needs: the rings, then a request page. */
#define VBLK_DMA_PAGES 4u
/** Pages of the rings at the largest queue size. */
#define VBLK_RING_PAGES 3u
#define VBLK_PAGE_SIZE	4096u

/** Legacy virtio-pci registers, offsets in the I/O BAR (no MSI-X). */
enum vblk_reg {
	VBLK_REG_DEVICE_FEATURES = 0x00, /**< 32 bits, read-only */
	VBLK_REG_GUEST_FEATURES = 0x04,	 /**< 32 bits */
	VBLK_REG_QUEUE_PFN = 0x08,	 /**< 32 bits, ring address >> 12 */
	VBLK_REG_QUEUE_SIZE = 0x0C,	 /**< 16 bits, read-only */
	VBLK_REG_QUEUE_SELECT = 0x0E,	 /**< 16 bits */
	VBLK_REG_QUEUE_NOTIFY = 0x10,	 /**< 16 bits */
	VBLK_REG_STATUS = 0x12,		 /**< 8 bits */
	VBLK_REG_ISR = 0x13,		 /**< 8 bits, read clears */
	VBLK_REG_CAPACITY = 0x14,	 /**< 64 bits, sectors (config) */
};

/** Bits of the device status register. */
enum vblk_status_bit {
	VBLK_STATUS_ACK = 1,
	VBLK_STATUS_DRIVER = 2,
	VBLK_STATUS_DRIVER_OK = 4,
	VBLK_STATUS_FEATURES_OK = 8,
	VBLK_STATUS_FAILED = 128,
};

/** The one feature the driver accepts: the device takes FLUSH requests. */
#define VBLK_F_FLUSH (1u << 9)

/** Request types in the request header. */
enum vblk_req_type {
	VBLK_T_IN = 0,
	VBLK_T_OUT = 1,
	VBLK_T_FLUSH = 4,
};

/** Status byte the device writes at the end of a request. */
enum vblk_req_status {
	VBLK_S_OK = 0,
	VBLK_S_IOERR = 1,
	VBLK_S_UNSUPP = 2,
};

/** Split-ring descriptor flags. */
#define VBLK_DESC_NEXT	1u
#define VBLK_DESC_WRITE 2u

/** A DMA buffer: where the driver sees it and where the device does. */
struct vblk_dma {
	volatile uint8_t *va; /**< driver's mapping */
	uint64_t pa;	      /**< physical (bus) address */
};

/**
 * The hardware, as the core sees it.  Every operation returns 0 or a
 * negative error code (abi/errno.h); the core treats any error as a
 * failed request.
 */
struct vblk_ops {
	/** Read the width-byte (1, 2, 4) register at off into *val. */
	int (*reg_read)(void *ctx, uint32_t off, unsigned width, uint32_t *val);
	/** Write the low width bytes of val to the register at off. */
	int (*reg_write)(void *ctx, uint32_t off, unsigned width, uint32_t val);
	/** pages of zeroed, physically contiguous, page-aligned DMA memory. */
	int (*dma_alloc)(void *ctx, size_t pages, struct vblk_dma *out);
	/** Block until the device's interrupt line fired (since last call). */
	int (*wait_irq)(void *ctx);
};

/** Driver state of one device.  Fields are the core's; read only. */
struct vblk {
	const struct vblk_ops *ops; /**< the hardware */
	void *ctx;		    /**< passed to every op */
	struct vblk_dma mem;	    /**< VBLK_DMA_PAGES: rings, request page */
	uint64_t capacity;	    /**< sectors, from the first start */
	uint32_t features;  /**< features accepted (VBLK_F_FLUSH or 0) */
	uint16_t qsize;	    /**< queue 0's size, as the device said */
	uint16_t avail_idx; /**< next avail ring index to publish */
	uint16_t used_idx;  /**< used ring entries consumed */
	uint16_t next_head; /**< first descriptor of the next chain */
	uint32_t used_off;  /**< used ring offset in mem */
	unsigned failures;  /**< consecutive failed requests */
	bool allocated;	    /**< mem is valid */
	bool ready;	    /**< the device is started and in sync */
	bool dead;	    /**< given up: every request -ENODEV */
	const char *why;    /**< what went wrong last, for the log */
	uint64_t completed; /**< requests completed OK */
	uint64_t spurious;  /**< interrupts that completed nothing */
};

/**
 * Take the device into use: allocate the DMA memory (once), then reset,
 * ACK, DRIVER, accept FLUSH if offered, FEATURES_OK read back, queue 0
 * with the device's own size (3..256, a power of two), PFN written and
 * read back, DRIVER_OK read back, capacity (8..2^41 sectors, read twice
 * and equal).
 *
 * Returns 0, -ENOMEM when the DMA memory cannot be had, -ECORRUPT when
 * the device answered something impossible, -EIO when an operation
 * failed.  On failure d->why names the step; the device is left with
 * FAILED set and d->dead is true.  d must be zeroed before the first call.
 */
int vblk_start(struct vblk *d, const struct vblk_ops *ops, void *ctx);

/**
 * Read block lba (VBLK_BLOCK_SIZE bytes) into buf (a DMA buffer of at
 * least one page) / write buf to block lba / make every completed write
 * durable.  Blocks until the device completed the request.
 *
 * Returns 0; -ERANGE when lba is past the capacity (the device is not
 * asked); -EINVAL for a NULL buf; -ENODEV when the device is dead; -EIO
 * when the device reported an error or an operation failed; -ECORRUPT
 * when the device broke the protocol.  After any failure but an error
 * status the device answered properly, it is reset and started again
 * before the next request.  After VBLK_MAX_FAILURES consecutive failures
 * the device is marked dead.  d->why names the last failure.
 *
 * Without VBLK_F_FLUSH the device has no volatile write cache: a write
 * is durable when it completes, so vblk_flush returns 0 at once.
 */
int vblk_read(struct vblk *d, uint64_t lba, const struct vblk_dma *buf);
int vblk_write(struct vblk *d, uint64_t lba, const struct vblk_dma *buf);
int vblk_flush(struct vblk *d);

/** Whole blocks on the device (capacity / 8). */
static inline uint64_t vblk_blocks(const struct vblk *d)
{
	return d->capacity / VBLK_SECTORS_PER_BLOCK;
}

/** True when the device is usable (started once and not dead). */
static inline bool vblk_alive(const struct vblk *d)
{
	return d->allocated && !d->dead;
}
