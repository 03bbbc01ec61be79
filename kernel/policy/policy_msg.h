/*
 * kernel/policy/policy_msg.h - encoders and decoders of the policy
 * protocol (abi/policy.h).  Portable and pure (no locks, no allocation):
 * the kernel, the policy service and the host tests use the same code.
 *
 * Decoders take bytes that came from another party and trust nothing:
 * the exact length of the kind, known kinds, reserved fields zero,
 * syscall numbers below POLICY_SYSCALLS, names NUL-terminated inside
 * their field.  Each returns 0 or -EINVAL and writes its output only on
 * success.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/ipc.h"
#include "abi/policy.h"

/** A query as the kernel builds it and the service reads it. */
struct policy_query {
	uint64_t query_id;		   /**< from 1 */
	uint64_t pid;			   /**< caller's full ProcessId */
	uint32_t syscall;		   /**< asked about, < 64 */
	uint8_t principal[PRINCIPAL_SIZE]; /**< caller's Principal */
	char name[POLICY_NAME_SIZE];	   /**< NUL-terminated program name */
};

/** A message of the service to the kernel (endpoint 23). */
struct policy_reply {
	uint32_t kind;	   /**< HELLO, ANSWER or INVALIDATE */
	uint32_t decision; /**< ANSWER: enum policy_decision */
	uint64_t query_id; /**< ANSWER: the query answered */
};

/** A process's request to the service (endpoint 22). */
struct policy_request {
	uint32_t kind;		     /**< POLICY_REQ_SET or POLICY_REQ_STATS */
	uint32_t syscall;	     /**< SET */
	uint32_t action;	     /**< SET: enum policy_decision */
	char name[POLICY_NAME_SIZE]; /**< SET: NUL-terminated program */
};

/** The service's reply to a request. */
struct policy_status {
	int32_t status;		/**< 0 or a negative abi/errno.h code */
	uint64_t invalidations; /**< INVALIDATE messages sent */
	uint64_t queries;	/**< queries answered */
	uint64_t allowed;	/**< ... of which allowed */
	uint64_t denied;	/**< ... of which denied */
};

/** First u32 of a payload (its kind), 0 when len < 4. */
uint32_t policy_msg_kind(const void *buf, size_t len);

/** Query q into out[POLICY_QUERY_SIZE]; q->name need not be terminated
 * (it is cut to 31 bytes).  Returns POLICY_QUERY_SIZE. */
size_t policy_query_encode(const struct policy_query *q, uint8_t *out);

/** Decode a QUERY of exactly POLICY_QUERY_SIZE bytes. */
int policy_query_decode(const void *buf, size_t len, struct policy_query *q);

/** HELLO into out[POLICY_HELLO_SIZE]; returns its size. */
size_t policy_hello_encode(uint8_t *out);

/** ANSWER into out[POLICY_ANSWER_SIZE]; returns its size. */
size_t policy_answer_encode(uint64_t query_id, enum policy_decision d,
			    uint8_t *out);

/** INVALIDATE into out[POLICY_INVALIDATE_SIZE]; returns its size. */
size_t policy_invalidate_encode(uint8_t *out);

/**
 * Decode a service -> kernel message: HELLO (version POLICY_VERSION),
 * ANSWER (decision DENY or ALLOW, query id not 0) or INVALIDATE, each of
 * its exact size.
 */
int policy_reply_decode(const void *buf, size_t len, struct policy_reply *r);

/** Request r into out[POLICY_SET_SIZE]; returns its size (SET or STATS). */
size_t policy_request_encode(const struct policy_request *r, uint8_t *out);

/** Decode a SET or STATS request of its exact size. */
int policy_request_decode(const void *buf, size_t len,
			  struct policy_request *r);

/** REPLY into out[POLICY_REPLY_SIZE]; returns its size. */
size_t policy_status_encode(const struct policy_status *s, uint8_t *out);

/** Decode a REPLY of exactly POLICY_REPLY_SIZE bytes. */
int policy_status_decode(const void *buf, size_t len, struct policy_status *s);
