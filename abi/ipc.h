/*
 * abi/ipc.h - IPC as user space sees it (spec ipc.md, syscalls.md §7.1):
 * message sizes, the RecvMsg/TryRecvMsg buffer header, well-known
 * endpoint numbers, endpoint rights bits, identifier encodings and the
 * policy-service upcall payloads.  All multi-byte fields little-endian.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/** Largest payload of one message, in bytes (architectural constant). */
#define IPC_MSG_SIZE 256
/** Endpoint numbers are 0 .. IPC_MAX_ENDPOINTS - 1. */
#define IPC_MAX_ENDPOINTS 32
/**
 * Messages an endpoint queue holds.  A Write to a full one gets
 * -EWOULDBLOCK (retry later; the original's -2 was ambiguous with
 * PermissionDenied, docs/ipc.md).
 */
#define IPC_QUEUE_DEPTH 16
/** Bytes in a Principal (an Ed25519 public key); all-zero = anonymous. */
#define PRINCIPAL_SIZE 32

/**
 * Header the kernel writes at the start of a RecvMsg (13) or TryRecvMsg
 * (37) buffer; the payload follows at IPC_RECV_HDR_SIZE.  The syscall
 * returns IPC_RECV_HDR_SIZE + n, n = min(payload, buffer length - 36).
 * The buffer need not be aligned: read fields with memcpy.
 */
struct ipc_recv_hdr {
	uint8_t sender[PRINCIPAL_SIZE]; /**< kernel-stamped; zeros = none */
	uint32_t from_endpoint;		/**< reply endpoint or sender slot */
};

/** Bytes of struct ipc_recv_hdr: the shortest legal receive buffer. */
#define IPC_RECV_HDR_SIZE 36
/** Receive buffer that holds any message: header + 256-byte payload. */
#define IPC_RECV_BUF_SIZE (IPC_RECV_HDR_SIZE + IPC_MSG_SIZE)

_Static_assert(offsetof(struct ipc_recv_hdr, sender) == 0, "recv header");
_Static_assert(offsetof(struct ipc_recv_hdr, from_endpoint) == 32,
	       "recv header");
_Static_assert(sizeof(struct ipc_recv_hdr) == IPC_RECV_HDR_SIZE,
	       "recv header is 36 bytes, no padding");
_Static_assert(IPC_RECV_BUF_SIZE == 292, "full receive buffer (ipc.md §2)");

/** Well-known endpoints (ipc.md §4). */
enum ipc_endpoint {
	IPC_EP_FS = 16,		  /**< fs-service (ObjectStore gateway) */
	IPC_EP_KEYSTORE = 17,	  /**< key-store service */
	IPC_EP_SHELL = 18,	  /**< shell's reply endpoint */
	IPC_EP_NET = 20,	  /**< virtio-net / i219-net driver */
	IPC_EP_UDP = 21,	  /**< udp-stack */
	IPC_EP_POLICY_QUERY = 22, /**< kernel -> policy service */
	IPC_EP_POLICY_REPLY = 23, /**< policy service -> kernel (consumed) */
	IPC_EP_BLK = 24,	  /**< virtio-blk, user-facing */
	IPC_EP_BLK_KREPLY = 25,	  /**< virtio-blk -> kernel replies */
	IPC_EP_BLK_KCMD = 26,	  /**< kernel -> virtio-blk commands */
	IPC_EP_SCANOUT = 27,	  /**< scanout driver (ADR-014, reserved) */
	IPC_EP_COMPOSITOR = 28,	  /**< compositor */
};

/** Endpoint capability rights, as a bitmap (ipc.md §5 recommended order). */
enum ipc_right {
	IPC_RIGHT_SEND = 1u << 0,
	IPC_RIGHT_RECV = 1u << 1,
	IPC_RIGHT_DELEGATE = 1u << 2,
	IPC_RIGHT_REVOKE = 1u << 3,
	IPC_RIGHTS_FULL = 0x0Fu,
};

/** ProcessId and ChannelId (u64) = index | generation << 32 (ipc.md §7, §9). */
static inline uint64_t ipc_id_make(uint32_t index, uint32_t generation)
{
	return (uint64_t)index | ((uint64_t)generation << 32);
}

/** Index (process slot, channel table index) part of an id. */
static inline uint32_t ipc_id_index(uint64_t id)
{
	return (uint32_t)id;
}

/** Generation part of an id. */
static inline uint32_t ipc_id_generation(uint64_t id)
{
	return (uint32_t)(id >> 32);
}

/** Policy query payload, kernel -> endpoint 22 (ipc.md §6): 48 bytes. */
struct ipc_policy_query {
	uint64_t query_id;		   /**< from a counter starting at 1 */
	uint32_t caller_slot;		   /**< process slot of the caller */
	uint32_t syscall;		   /**< syscall number asked about */
	uint8_t principal[PRINCIPAL_SIZE]; /**< caller's Principal */
};

_Static_assert(offsetof(struct ipc_policy_query, caller_slot) == 8, "query");
_Static_assert(offsetof(struct ipc_policy_query, syscall) == 12, "query");
_Static_assert(offsetof(struct ipc_policy_query, principal) == 16, "query");
_Static_assert(sizeof(struct ipc_policy_query) == 48, "query is 48 bytes");

/**
 * Policy response payload, policy service -> endpoint 23: at least
 * IPC_POLICY_REPLY_MIN bytes, [0..8) query_id, [8] decision
 * (0 = allow, anything else = deny).
 */
#define IPC_POLICY_REPLY_MIN	  9
#define IPC_POLICY_REPLY_DECISION 8 /**< offset of the decision byte */
