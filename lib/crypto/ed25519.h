/*
 * lib/crypto/ed25519.h - Ed25519 signatures (RFC 8032 section 5.1, pure
 * Ed25519: no context string, no prehash).
 *
 * Freestanding; builds for the kernel, user programs and the host.  Key and
 * signature formats are those of libsodium's crypto_sign_*: a secret key is
 * the 32-byte seed followed by the 32-byte public key.  Signing and key
 * generation run in constant time; verification is variable time (it only
 * handles public data).  The rules verification applies to non-canonical
 * and small-order encodings are listed at the top of ed25519.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ED25519_SEED_LEN       32
#define ED25519_PUBLIC_KEY_LEN 32
#define ED25519_SECRET_KEY_LEN 64 /* seed || public key, as libsodium */
#define ED25519_SIGNATURE_LEN  64 /* R || S */

/**
 * Derive a key pair from a 32-byte secret seed (RFC 8032 5.1.5).  Writes
 * the public key to pk and seed || pk to sk.  Cannot fail.  The seed must
 * come from a good random source; sk is as secret as the seed.
 */
void ed25519_keypair_from_seed(const uint8_t seed[ED25519_SEED_LEN],
			       uint8_t pk[ED25519_PUBLIC_KEY_LEN],
			       uint8_t sk[ED25519_SECRET_KEY_LEN]);

/**
 * Sign len bytes at msg with sk (from ed25519_keypair_from_seed()), writing
 * the 64-byte signature to sig (RFC 8032 5.1.6).  Deterministic: the same
 * key and message always give the same signature.  sig may overlap msg.
 * Trusts the public-key half of sk; a wrong one gives invalid signatures.
 */
void ed25519_sign(uint8_t sig[ED25519_SIGNATURE_LEN], const void *msg,
		  size_t len, const uint8_t sk[ED25519_SECRET_KEY_LEN]);

/**
 * Check sig over len bytes at msg against public key pk (RFC 8032 5.1.7,
 * cofactorless, with the stricter encoding checks of ed25519.c).  Returns
 * true only for a valid signature; any malformed input gives false.
 */
bool ed25519_verify(const uint8_t sig[ED25519_SIGNATURE_LEN], const void *msg,
		    size_t len, const uint8_t pk[ED25519_PUBLIC_KEY_LEN]);
