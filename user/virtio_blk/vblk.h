/*
 * user/virtio_blk/vblk.h - the portable core of the virtio-blk driver
 * (docs/virtio-blk.md): two virtio-pci transports (legacy: one I/O
 * window; modern, virtio 1.x section 4.1.4: four register regions named
 * by vendor capabilities), the split virtqueue of queue 0, request
 * chains, completion handling, and a check of every value the device
 * gives back.
 *
 * The core never touches hardware itself: it reaches the device through
 * a small table of operations (struct vblk_ops) that the driver binds to
 * PortIo or mapped registers, AllocDma and WaitIrq, and the unit tests
 * bind to a simulated device.  Nothing here allocates memory or makes a
 * syscall.  The transports differ only in where the registers are and in
 * the feature and queue set-up; requests and completions are shared.
 *
 * One request is in flight at a time: a request is posted, then the
 * caller blocks (ops->wait_irq) until the used ring shows its completion.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct device_caps;
struct device_info;

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

/** Register spaces: the legacy I/O window, or a modern region. */
enum vblk_space {
	VBLK_SPACE_LEGACY = 0, /**< legacy I/O BAR (enum vblk_reg) */
	VBLK_SPACE_COMMON = 1, /**< common configuration (enum vblk_common) */
	VBLK_SPACE_NOTIFY = 2, /**< notification area */
	VBLK_SPACE_ISR = 3,    /**< ISR status byte */
	VBLK_SPACE_DEVICE = 4, /**< device configuration (capacity at 0) */
	VBLK_SPACES = 5,
};

/** Modern common configuration registers (virtio 1.x section 4.1.4.3). */
enum vblk_common {
	VBLK_CC_DFSELECT = 0x00,     /**< 32: device_feature_select */
	VBLK_CC_DF = 0x04,	     /**< 32: device_feature, read-only */
	VBLK_CC_GFSELECT = 0x08,     /**< 32: driver_feature_select */
	VBLK_CC_GF = 0x0C,	     /**< 32: driver_feature */
	VBLK_CC_MSIX = 0x10,	     /**< 16: config_msix_vector */
	VBLK_CC_NUMQ = 0x12,	     /**< 16: num_queues, read-only */
	VBLK_CC_STATUS = 0x14,	     /**< 8: device_status */
	VBLK_CC_GENERATION = 0x15,   /**< 8: config_generation */
	VBLK_CC_Q_SELECT = 0x16,     /**< 16: queue_select */
	VBLK_CC_Q_SIZE = 0x18,	     /**< 16: queue_size */
	VBLK_CC_Q_MSIX = 0x1A,	     /**< 16: queue_msix_vector */
	VBLK_CC_Q_ENABLE = 0x1C,     /**< 16: queue_enable */
	VBLK_CC_Q_NOTIFY_OFF = 0x1E, /**< 16: queue_notify_off, read-only */
	VBLK_CC_Q_DESC = 0x20,	     /**< 64 (two 32s): descriptor table */
	VBLK_CC_Q_DRIVER = 0x28,     /**< 64: available ring */
	VBLK_CC_Q_DEVICE = 0x30,     /**< 64: used ring */
	VBLK_CC_SIZE = 0x38,	     /**< bytes the driver uses */
};

/** Modern capability types (cfg_type), virtio 1.x section 4.1.4. */
enum vblk_cfg_type {
	VBLK_CAP_COMMON = 1,
	VBLK_CAP_NOTIFY = 2,
	VBLK_CAP_ISR = 3,
	VBLK_CAP_DEVICE = 4,
};

/** Bytes of a region the driver maps at most (it uses far fewer). */
#define VBLK_REGION_MAX 0x10000u
/** Largest notify_off_multiplier believed. */
#define VBLK_NOTIFY_MULT_MAX 0x1000u

/** One modern register region: a window of a memory BAR. */
struct vblk_region {
	uint8_t bar;	 /**< BAR index 0..5 */
	uint64_t phys;	 /**< physical address of the region */
	uint32_t len;	 /**< bytes (clamped to VBLK_REGION_MAX) */
};

/** Where a modern device's registers are: validated capabilities. */
struct vblk_layout {
	struct vblk_region rgn[VBLK_SPACES]; /**< by enum vblk_space; [0] unused */
	uint32_t notify_mult; /**< notify_off_multiplier: 0 or 2^1..2^12 */
};

/** Bits of the device status register. */
enum vblk_status_bit {
	VBLK_STATUS_ACK = 1,
	VBLK_STATUS_DRIVER = 2,
	VBLK_STATUS_DRIVER_OK = 4,
	VBLK_STATUS_FEATURES_OK = 8,
	VBLK_STATUS_FAILED = 128,
};

/** The one device feature the driver accepts: FLUSH requests. */
#define VBLK_F_FLUSH (1u << 9)
/** VIRTIO_F_VERSION_1 (feature bit 32): bit 0 of feature word 1.  A
 * modern device must offer it and the driver must accept it. */
#define VBLK_F_VERSION_1_HI 1u

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
	/** Read the width-byte (1, 2, 4) register at off of space (enum
	 * vblk_space) into *val. */
	int (*reg_read)(void *ctx, unsigned space, uint32_t off, unsigned width,
			uint32_t *val);
	/** Write the low width bytes of val to the register at off. */
	int (*reg_write)(void *ctx, unsigned space, uint32_t off,
			 unsigned width, uint32_t val);
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
	bool modern;	    /**< modern transport (layout below) */
	struct vblk_layout layout; /**< modern: the regions */
	uint32_t notify_off; /**< modern: queue 0's notify offset */
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
 * vblk_start for a modern device whose registers are where *layout says
 * (from vblk_parse_caps; the ops must reach those regions).  The same
 * sequence, with: VIRTIO_F_VERSION_1 offered by the device (else
 * -ECORRUPT) and accepted with FLUSH; queue 0 disabled after the reset; a
 * size above 256 (a power of two) lowered to 256 and read back; the three
 * 64-bit ring addresses written and read back; the notify offset
 * (queue_notify_off * multiplier) inside the notify region; queue_enable
 * read back 1; capacity read under one config generation.  Returns and
 * failure state as vblk_start.
 */
int vblk_start_modern(struct vblk *d, const struct vblk_ops *ops, void *ctx,
		      const struct vblk_layout *layout);

/**
 * Find the modern regions in a function's vendor capabilities (DeviceInfo
 * kind 1) and check them against its BARs (DeviceInfo kind 0): the first
 * capability of each type 1..4 is used (ones naming a BAR above 5 are
 * skipped, as virtio 1.x says); each must be at least 16 bytes (notify:
 * 20), name a memory BAR the kernel reported, lie inside it, be aligned
 * (common and device 4, notify 2) and long enough (common 0x38, notify 2,
 * ISR 1, device 8); the multiplier must be 0 or a power of two from 2 to
 * 4096.  Lengths above VBLK_REGION_MAX are clamped.
 *
 * Returns 0 and fills *out, or -ENODEV (a region missing) / -ECORRUPT
 * (a value out of range) with *why naming it.
 */
int vblk_parse_caps(const struct device_caps *caps,
		    const struct device_info *info, struct vblk_layout *out,
		    const char **why);

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
