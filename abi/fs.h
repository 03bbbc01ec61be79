/*
 * abi/fs.h - the fs-service protocol on endpoint 16 (spec storage.md §7,
 * docs/services.md §3): request [cmd u8][data...], answer [status
 * u8][data...] to the request's from endpoint.
 *
 *   1 PUT     content 1..FS_PUT_MAX bytes   [0][hash 32]
 *   2 GET     hash 32                       [0][content <= 255]
 *   3 DELETE  hash 32                       [0]
 *   4 LIST    -                             [0][count u8][count x hash 32]
 *   5 SHARE   reader 32, content 1..FS_SHARE_MAX  [0][hash 32]
 *
 * SHARE is PUT with an access-list entry giving reader (a Principal) the
 * read right (ours; docs/services.md §3).
 * LIST gives at most FS_LIST_MAX objects, those the client may read.
 * UNAVAILABLE (ours) is [5][error u16]: the kernel's positive errno.
 */
#pragma once

#include "abi/ipc.h"

enum fs_cmd {
	FS_PUT = 1,
	FS_GET = 2,
	FS_DELETE = 3,
	FS_LIST = 4,
	FS_SHARE = 5,
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
/** Largest SHARE content: [5][reader 32][content] in 256 bytes. */
#define FS_SHARE_MAX (IPC_MSG_SIZE - 1u - PRINCIPAL_SIZE)
/** Bytes of an object hash. */
#define FS_HASH_SIZE 32u
