/*
 * user/tests/ipc_proto.h - the command protocol between the IPC test
 * driver (ipc_test.c) and its remote-controlled peer (ipc_peer.c).
 */
#pragma once

#include "lib/libsys/libsys.h"

#define DRIVER_EP 5 /* the driver's: peers answer here */

enum ipc_op {
	OP_HELLO = 1,	  /* peer -> driver: val0 endpoint, val1 CPU */
	OP_ECHO = 2,	  /* arg0 len; reply data = ~data, val0 CPU */
	OP_TRY_SEND = 3,  /* arg0 endpoint, arg1 len; result = Write's */
	OP_DELEGATE = 4,  /* arg0 endpoint, arg1 pid, arg2 rights */
	OP_FORGE = 5,	  /* data = fake Principal, arg0 another pid */
	OP_SEND_LOOP = 6, /* arg0 endpoint: send until refused, then exit */
	OP_ATTACH = 7,	  /* arg0 channel, arg1 bytes, arg2 pattern seed */
	OP_WRITE_RO = 8,  /* arg0 address: write it (must be killed) */
	OP_EXIT = 9,	  /* arg0 exit code; no answer */
};

#define CMD_HDR	  32
#define REPLY_HDR 40

/* Driver -> peer. */
struct ipc_cmd {
	uint8_t op; /* enum ipc_op */
	uint8_t pad[3];
	uint32_t seq; /* echoed in the answer */
	uint64_t arg[3];
	uint8_t data[IPC_MSG_SIZE - CMD_HDR];
};

/* Peer -> driver. */
struct ipc_reply {
	uint8_t op; /* the command's op, or OP_HELLO */
	uint8_t pad[3];
	uint32_t seq;
	uint64_t pid;	 /* the peer's own ProcessId */
	int64_t result;	 /* the syscall result the command asked about */
	uint64_t val[2]; /* per command, see enum ipc_op */
	uint8_t data[IPC_MSG_SIZE - REPLY_HDR];
};

_Static_assert(sizeof(struct ipc_cmd) == IPC_MSG_SIZE, "command");
_Static_assert(sizeof(struct ipc_reply) == IPC_MSG_SIZE, "reply");
_Static_assert(offsetof(struct ipc_reply, val) == 24, "reply");

/* The byte at offset j of echo round seq's payload. */
static inline uint8_t echo_byte(uint32_t seq, size_t j)
{
	return (uint8_t)(seq * 31u + j * 7u + 1u);
}

/* The byte at offset j of a channel filled with seed. */
static inline uint8_t chan_byte(uint64_t seed, size_t j)
{
	return (uint8_t)(seed + j * 13u + (j >> 8));
}
