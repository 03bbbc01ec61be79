/*
 * kernel/loader/arcsig.h - signed-binary trailer ("ARCSIG") and its
 * verification against up to four trusted Ed25519 keys (spec security.md
 * §2, §3).
 *
 * A signed binary is
 *     [ ELF bytes ][ Ed25519 signature : 64 ][ "ARCSIG" 0x01 0x00 ]
 * and the signature covers the 32-byte BLAKE3 hash of the ELF bytes, not
 * the bytes themselves.  Verification allocates nothing and runs before
 * the ELF is parsed.  Also built for the host signing tool, so that the
 * tool and the kernel agree on the format.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/loader/verdict.h"

#define ARCSIG_SIG_LEN	   64 /**< Ed25519 signature */
#define ARCSIG_MAGIC_LEN   8  /**< "ARCSIG", version 0x01, 0x00 */
#define ARCSIG_TRAILER_LEN (ARCSIG_SIG_LEN + ARCSIG_MAGIC_LEN)
#define ARCSIG_KEY_LEN	   32 /**< Ed25519 public key */
#define ARCSIG_HASH_LEN	   32 /**< BLAKE3 digest that is signed */
#define ARCSIG_MAX_KEYS	   4  /**< trusted keys a verifier holds */

/** The trailer's last 8 bytes. */
extern const uint8_t arcsig_magic[ARCSIG_MAGIC_LEN];

/**
 * The keys a verifier trusts.  Plain data: the owner serialises changes
 * (the kernel fills it once at boot from the Bootstrap Principal).
 */
struct arcsig_keyring {
	uint32_t count;				      /**< keys in use, 0..4 */
	uint8_t key[ARCSIG_MAX_KEYS][ARCSIG_KEY_LEN]; /**< Ed25519 keys */
};

/** Empty the keyring. */
void arcsig_keyring_init(struct arcsig_keyring *kr);

/**
 * Trust one more public key.  Returns 0, -EFULL when the keyring holds
 * ARCSIG_MAX_KEYS keys, -EEXIST when the key is already there, or -EINVAL
 * for the all-zero key (never a real key; an unset slot looks like it).
 */
__must_check int arcsig_keyring_add(struct arcsig_keyring *kr,
				    const uint8_t key[ARCSIG_KEY_LEN]);

/** True when data[0, len) ends with an ARCSIG trailer (len >= 72). */
bool arcsig_has_trailer(const void *data, size_t len);

/**
 * Length of the signed payload: len - 72 when a trailer is present, else
 * len.  The signing tool strips an old trailer with this before re-signing.
 */
size_t arcsig_payload_len(const void *data, size_t len);

/** The digest that is signed: BLAKE3 of the payload, 32 bytes. */
void arcsig_digest(const void *payload, size_t len,
		   uint8_t out[ARCSIG_HASH_LEN]);

/** Write the 72-byte trailer for signature sig to out. */
void arcsig_write_trailer(uint8_t out[ARCSIG_TRAILER_LEN],
			  const uint8_t sig[ARCSIG_SIG_LEN]);

/**
 * Check a signed binary, in the spec's order: trailer present (else -ENOSIG,
 * deny MissingSignature); signature valid for BLAKE3(payload) under at
 * least one key of kr (else -EBADSIG, deny InvalidSignature; an empty
 * keyring trusts nothing).  On success *payload_len (may be NULL) is the
 * length of the ELF bytes to parse next and *key_index (may be NULL) the
 * index of the first key that verified.  The verdict goes to *v (may be
 * NULL).  Allocates nothing; reads data[0, len) only.
 */
__must_check int arcsig_verify(const struct arcsig_keyring *kr,
			       const void *data, size_t len,
			       size_t *payload_len, int *key_index,
			       struct loader_verdict *v);
