/*
 * abi/blk.h - the block protocol between the kernel's disk store and the
 * user-space virtio-blk driver (spec kernel.md section 8, with a request
 * id: docs/storage.md section 7).
 *
 * The kernel sends commands to endpoint 26 (IPC_EP_BLK_KCMD) as an
 * anonymous kernel message; the driver answers with a Write to endpoint
 * 25 (IPC_EP_BLK_KREPLY), which the kernel consumes (never queued) and
 * accepts only from the process that owns 26.  Both messages are 16
 * bytes, little endian:
 *
 *   request  [0] cmd u8    | [1..4) 0 | [4..8) req_id u32 | [8..16) lba u64
 *   reply    [0] status u8 | [1..4) 0 | [4..8) req_id u32 | [8..16) value u64
 *
 * lba counts 4096-byte blocks.  value: HANDSHAKE the physical address of
 * the driver's shared 4 KiB DMA page, CAPACITY the capacity in 512-byte
 * sectors, otherwise 0.  READ_BLOCK leaves the block in the shared page
 * before the reply; for WRITE_BLOCK the kernel fills the page first.
 */
#pragma once

#include <stdint.h>

/** Bytes of a kernel request and of a driver reply. */
#define BLK_MSG_SIZE 16u
/** Bytes of a block, and 512-byte sectors per block. */
#define BLK_BLOCK_SIZE	      4096u
#define BLK_SECTORS_PER_BLOCK 8u

/** Kernel commands (endpoint 26). */
enum blk_kcmd {
	BLK_K_HANDSHAKE = 1,
	BLK_K_READ = 2,
	BLK_K_WRITE = 3,
	BLK_K_FLUSH = 4,
	BLK_K_CAPACITY = 5,
};

/** User commands (endpoint 24): [cmd u8]; answers [status u8][...]. */
enum blk_ucmd {
	BLK_U_READ = 1,	    /**< UNIMPLEMENTED: no raw disk access for users */
	BLK_U_WRITE = 2,    /**< UNIMPLEMENTED */
	BLK_U_FLUSH = 3,    /**< [st] */
	BLK_U_CAPACITY = 4, /**< [st][sectors u64] */
	BLK_U_STATUS = 5,   /**< [st][alive u8] */
};

/** Status byte of every answer. */
enum blk_status {
	BLK_ST_OK = 0,
	BLK_ST_ERROR = 1,
	BLK_ST_NO_DEVICE = 2,
	BLK_ST_DEVICE_DEAD = 3,
	BLK_ST_UNIMPLEMENTED = 4,
};

/** Offsets in a request or reply. */
enum {
	BLK_OFF_CMD = 0,    /**< request: cmd; reply: status */
	BLK_OFF_REQ_ID = 4, /**< u32 */
	BLK_OFF_ARG = 8,    /**< u64: request lba, reply value */
};
