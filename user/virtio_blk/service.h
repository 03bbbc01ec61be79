/*
 * user/virtio_blk/service.h - the virtio-blk service protocols
 * (docs/virtio-blk.md §5): requests of users on endpoint 24 and of the
 * kernel on endpoint 26, decoded and answered over the portable core.
 * Portable: no syscalls here; user/virtio_blk/main.c moves the bytes.
 * All integers little endian.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user/virtio_blk/vblk.h"

#include "abi/blk.h"

/** Status byte of every answer. */
enum vblk_svc_status {
	VBLK_SVC_OK = 0,
	VBLK_SVC_ERROR = 1,
	VBLK_SVC_NO_DEVICE = 2,
	VBLK_SVC_DEVICE_DEAD = 3,
	VBLK_SVC_UNIMPLEMENTED = 4,
};

/** Endpoint 24 commands: request [cmd u8]. */
enum vblk_user_cmd {
	VBLK_USER_READ_BLOCK = 1,   /**< -> [4], raw blocks are the kernel's */
	VBLK_USER_WRITE_BLOCK = 2,  /**< -> [4] */
	VBLK_USER_FLUSH = 3,	    /**< -> [st] */
	VBLK_USER_GET_CAPACITY = 4, /**< -> [st][sectors u64] */
	VBLK_USER_GET_STATUS = 5,   /**< -> [st][alive u8] */
};

/** Endpoint 26 commands (kernel). */
enum vblk_kernel_cmd {
	VBLK_KCMD_HANDSHAKE = 1,   /**< value = shared page physical address */
	VBLK_KCMD_READ_BLOCK = 2,  /**< block lba -> shared page */
	VBLK_KCMD_WRITE_BLOCK = 3, /**< shared page -> block lba */
	VBLK_KCMD_FLUSH = 4,	   /**< OK only once the device flushed */
	VBLK_KCMD_CAPACITY = 5,	   /**< value = capacity in sectors */
};

/**
 * Kernel request and reply: 16 bytes each.
 *   request [0] cmd | [1..4) 0 | [4..8) req_id u32 | [8..16) lba u64
 *   reply   [0] st  | [1..4) 0 | [4..8) req_id u32 | [8..16) value u64
 */
#define VBLK_KMSG_SIZE	16u
#define VBLK_KMSG_REQID 4u
#define VBLK_KMSG_VALUE 8u
/** Longest answer on endpoint 24: [st][sectors u64]. */
#define VBLK_USER_REPLY_MAX 9u

/** The service: the device (if any) and the page shared with the kernel. */
struct vblk_service {
	struct vblk *dev;	  /**< NULL when there is no device */
	struct vblk_dma shared;	  /**< one page; va NULL when none */
	uint64_t kernel_requests; /**< answered on 26 */
	uint64_t user_requests;	  /**< answered on 24 */
	uint64_t errors;	  /**< answers other than OK */
};

/**
 * Answer one endpoint-24 request of len bytes (len 0 is an unknown
 * command) into reply (VBLK_USER_REPLY_MAX bytes).  Returns the answer's
 * length, 1 or 9.  The caller has already dropped anonymous senders.
 */
size_t vblk_serve_user(struct vblk_service *s, const uint8_t *req, size_t len,
		       uint8_t *reply);

/**
 * Answer one endpoint-26 request of len bytes into reply (16 bytes,
 * always all written).  A request that is not exactly 16 bytes or has
 * non-zero reserved bytes gets ERROR (with the req_id when len >= 8).
 * READ and WRITE move the shared page; an lba past the capacity is
 * ERROR without touching the device.
 */
void vblk_serve_kernel(struct vblk_service *s, const uint8_t *req, size_t len,
		       uint8_t reply[VBLK_KMSG_SIZE]);

/* The wire values are abi/blk.h's, the kernel's side of the protocol. */
_Static_assert(VBLK_KMSG_SIZE == BLK_MSG_SIZE, "message size");
_Static_assert(VBLK_KMSG_REQID == BLK_OFF_REQ_ID, "req_id offset");
_Static_assert(VBLK_KMSG_VALUE == BLK_OFF_ARG, "lba/value offset");
_Static_assert(VBLK_KCMD_HANDSHAKE == BLK_K_HANDSHAKE &&
		   VBLK_KCMD_READ_BLOCK == BLK_K_READ &&
		   VBLK_KCMD_WRITE_BLOCK == BLK_K_WRITE &&
		   VBLK_KCMD_FLUSH == BLK_K_FLUSH &&
		   VBLK_KCMD_CAPACITY == BLK_K_CAPACITY,
	       "kernel commands");
_Static_assert(VBLK_USER_READ_BLOCK == BLK_U_READ &&
		   VBLK_USER_WRITE_BLOCK == BLK_U_WRITE &&
		   VBLK_USER_FLUSH == BLK_U_FLUSH &&
		   VBLK_USER_GET_CAPACITY == BLK_U_CAPACITY &&
		   VBLK_USER_GET_STATUS == BLK_U_STATUS,
	       "user commands");
_Static_assert(VBLK_SVC_OK == BLK_ST_OK && VBLK_SVC_ERROR == BLK_ST_ERROR &&
		   VBLK_SVC_NO_DEVICE == BLK_ST_NO_DEVICE &&
		   VBLK_SVC_DEVICE_DEAD == BLK_ST_DEVICE_DEAD &&
		   VBLK_SVC_UNIMPLEMENTED == BLK_ST_UNIMPLEMENTED,
	       "status codes");
_Static_assert(VBLK_BLOCK_SIZE == BLK_BLOCK_SIZE &&
		   VBLK_SECTORS_PER_BLOCK == BLK_SECTORS_PER_BLOCK,
	       "block size");
