/*
 * abi/policy.h - the policy service's wire protocol (layer 1 of the
 * three-layer enforcement, spec ipc.md section 6; design in
 * docs/policy.md).
 *
 *   kernel  -> endpoint 22: QUERY      (anonymous sender, from = 23)
 *   service -> endpoint 23: HELLO, ANSWER, INVALIDATE (a kernel sink)
 *   process -> endpoint 22: SET, STATS (needs SEND on 22, see docs)
 *   service -> requester:   REPLY      (by the reply rule)
 *
 * Every payload starts with a u32 kind.  All fields little-endian at the
 * fixed offsets below; a message of the wrong length, an unknown kind or
 * a reserved field that is not zero is refused (-EINVAL).  The codecs are
 * kernel/policy/policy_msg.h.
 *
 * Deviation from the spec: the query names the caller by its full 64-bit
 * ProcessId (the spec: a u32 slot, reused by the next process) and
 * carries the process name; the answer has a kind and a 4-byte decision.
 * abi/ipc.h's struct ipc_policy_query is the spec's layout, not used.
 */
#pragma once

#include <stdint.h>

/** Bytes of a program name in policy messages, NUL-padded. */
#define POLICY_NAME_SIZE 32
/** Syscall numbers the policy covers: 0 .. POLICY_SYSCALLS - 1. */
#define POLICY_SYSCALLS 64
/** Protocol version carried by HELLO. */
#define POLICY_VERSION 1

/** The first u32 of every policy payload. */
enum policy_kind {
	POLICY_MSG_QUERY = 1,	   /**< kernel -> service */
	POLICY_MSG_HELLO = 2,	   /**< service -> kernel: table loaded */
	POLICY_MSG_ANSWER = 3,	   /**< service -> kernel: a decision */
	POLICY_MSG_INVALIDATE = 4, /**< service -> kernel: policy changed */
	POLICY_REQ_SET = 16,	   /**< process -> service: change a rule */
	POLICY_REQ_STATS = 17,	   /**< process -> service: counters */
	POLICY_REQ_REPLY = 18,	   /**< service -> process: result */
};

/** Decisions (ANSWER [4..8), SET action [8..12)). */
enum policy_decision {
	POLICY_DENY = 0,
	POLICY_ALLOW = 1,
};

/*
 * QUERY, 88 bytes: [0..4) kind | [4..8) syscall | [8..16) query id
 * (from 1) | [16..24) caller ProcessId | [24..56) caller Principal |
 * [56..88) caller's program name, NUL-padded (at least one NUL).
 */
#define POLICY_QUERY_SIZE	88
#define POLICY_QUERY_SYSCALL	4
#define POLICY_QUERY_ID		8
#define POLICY_QUERY_PID	16
#define POLICY_QUERY_PRINCIPAL	24
#define POLICY_QUERY_NAME	56

/* HELLO, 8 bytes: [0..4) kind | [4..8) POLICY_VERSION. */
#define POLICY_HELLO_SIZE	8

/*
 * ANSWER, 16 bytes: [0..4) kind | [4..8) decision (POLICY_DENY or
 * POLICY_ALLOW; anything else is malformed) | [8..16) query id.
 */
#define POLICY_ANSWER_SIZE	16

/* INVALIDATE, 8 bytes: [0..4) kind | [4..8) 0. */
#define POLICY_INVALIDATE_SIZE	8

/*
 * SET, 48 bytes: [0..4) kind | [4..8) syscall (< 64) | [8..12) action
 * (POLICY_DENY, POLICY_ALLOW) | [12..16) 0 | [16..48) program name,
 * NUL-padded ("default" names the default profile).
 */
#define POLICY_SET_SIZE		48

/* STATS, 8 bytes: [0..4) kind | [4..8) 0. */
#define POLICY_STATS_SIZE	8

/*
 * REPLY, 40 bytes: [0..4) kind | [4..8) status (0 or a negative
 * abi/errno.h code, as i32) | [8..16) invalidations sent | [16..24)
 * queries answered | [24..32) allowed | [32..40) denied.
 */
#define POLICY_REPLY_SIZE	40
