/*
 * user/fs/fs_proto.h - the fs-service protocol (spec storage.md §7,
 * docs/services.md "fs-service"): codes, the mapping of kernel errors to
 * statuses, and the queue of client requests that arrive while the
 * service waits for the key store.  Pure code, shared by the service and
 * the host unit tests.
 *
 * The codes and layouts are in abi/fs.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/fs.h"
#include "abi/ipc.h"

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
