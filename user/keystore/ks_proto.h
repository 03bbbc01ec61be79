/*
 * user/keystore/ks_proto.h - the key store's protocol (spec storage.md §8;
 * docs/services.md "Key store"), as a pure function the service loop and
 * the host unit tests share.
 *
 * Request [cmd u8][data...]; answer [status u8][data...]:
 *   1 SIGN        data (1..255 bytes)   [0][Ed25519 signature 64]
 *   2 GET_PUBKEY  -                     [0][public key 32]
 * Status 0 OK, 1 ERROR.  SIGN is served only to the fs-service: the
 * kernel stamps every message with the sender's registered reply
 * endpoint, and only the fs-service boot module may register endpoint 16
 * (docs/capabilities.md), so from == 16 is a kernel-attested check.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ks_cmd {
	KS_SIGN = 1,
	KS_GET_PUBKEY = 2,
};

enum ks_status {
	KS_OK = 0,
	KS_ERROR = 1,
};

/** Largest answer: status + signature. */
#define KS_ANSWER_MAX 65u

/** The key: Ed25519 secret (seed || public key), or none (degraded). */
struct ks_key {
	bool present;
	uint8_t sk[64];
};

/** Why a request got ERROR (for the service's log), or NULL. */
struct ks_result {
	size_t len;	    /**< answer bytes */
	const char *refusal; /**< NULL when served */
};

/**
 * Answer request req[0, len) that arrived with reply endpoint from, into
 * ans (KS_ANSWER_MAX bytes).  Never fails: bad requests get [1].
 */
struct ks_result ks_handle(const struct ks_key *key, const uint8_t *req,
			   size_t len, uint32_t from, uint8_t *ans);
