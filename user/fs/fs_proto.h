/*
 * user/fs/fs_proto.h - the fs-service protocol (spec storage.md §7,
 * docs/services.md "fs-service"): codes, the mapping of kernel errors to
 * statuses, and the queue of client requests that arrive while the
 * service waits for the key store.  Pure code, shared by the service and
 * the host unit tests.
 *
 * Request [cmd u8][data...], answer [status u8][data...] to the request's
 * from endpoint:
 *   1 PUT     content 1..255 bytes   [0][hash 32]
 *   2 GET     hash 32                [0][content <= 255]
 *   3 DELETE  hash 32                [0]
 *   4 LIST    -                      [0][count u8][count x hash 32], <= 7,
 *                                    of the objects the client may read
 * Statuses: 0 OK, 1 NOT_FOUND, 2 FULL, 3 DENIED, 4 INVALID, and (ours)
 * 5 UNAVAILABLE [5][error u16]: the store is offline (a damaged disk, an
 * I/O error); error is the kernel's positive abi/errno.h code.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/ipc.h"

enum fs_cmd {
	FS_PUT = 1,
	FS_GET = 2,
	FS_DELETE = 3,
	FS_LIST = 4,
};

enum fs_status {
	FS_OK = 0,
	FS_NOT_FOUND = 1,
	FS_FULL = 2,
	FS_DENIED = 3,
	FS_INVALID = 4,
	FS_UNAVAILABLE = 5,
};

/** Most hashes in a LIST answer. */
#define FS_LIST_MAX 7u
/** Largest PUT content: the signing request [1][content] fits 256 bytes. */
#define FS_PUT_MAX (IPC_MSG_SIZE - 1u)

/** Which operation an error came from (the meaning of -EPERM differs). */
enum fs_op {
	FS_OP_PUT,
	FS_OP_GET,
	FS_OP_DELETE,
	FS_OP_LIST,
};

/**
 * The status for the kernel's answer err (0 or a negative abi/errno.h
 * code) to operation op.  For UNAVAILABLE the service appends the error
 * code to the answer.
 */
enum fs_status fs_status_for(enum fs_op op, int64_t err);

/** A client request kept for later (the key store was being asked). */
struct fs_request {
	uint8_t sender[PRINCIPAL_SIZE];
	uint32_t from;
	uint16_t len;
	uint8_t payload[IPC_MSG_SIZE];
};

/** FIFO of deferred requests. */
#define FS_DEFER_MAX 8u
struct fs_defer {
	struct fs_request q[FS_DEFER_MAX];
	unsigned head, count;
};

/** Append a request; false when the queue is full (nothing changed). */
bool fs_defer_push(struct fs_defer *d, const uint8_t sender[PRINCIPAL_SIZE],
		   uint32_t from, const uint8_t *payload, size_t len);

/** Take the oldest request into *out; false when empty. */
bool fs_defer_pop(struct fs_defer *d, struct fs_request *out);
