/*
 * lib/crypto/sha512.h - SHA-512 (FIPS 180-4 section 6.4).
 *
 * Freestanding; builds for the kernel, user programs and the host.  Used by
 * Ed25519 and by anything that needs a standard 512-bit digest.  No state
 * outside the context, so contexts may be used concurrently.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA512_DIGEST_LEN 64
#define SHA512_BLOCK_LEN  128

/* Running state of one SHA-512 computation.  Owned by the caller. */
struct sha512_ctx {
	uint64_t h[8];		       /* intermediate hash value H(i) */
	uint64_t bytes;		       /* message length so far, in bytes */
	uint8_t buf[SHA512_BLOCK_LEN]; /* partial block, bytes % 128 used */
};

/** Start a new SHA-512 computation in ctx.  Cannot fail. */
void sha512_init(struct sha512_ctx *ctx);

/**
 * Absorb len bytes at data (data may be NULL when len is 0).  Messages up to
 * 2^64 - 1 bytes are supported.
 */
void sha512_update(struct sha512_ctx *ctx, const void *data, size_t len);

/**
 * Pad, finish and write the 64-byte digest to out.  ctx is wiped afterwards;
 * call sha512_init() to reuse it.
 */
void sha512_final(struct sha512_ctx *ctx, uint8_t out[SHA512_DIGEST_LEN]);

/** One-shot: out = SHA-512(data[0..len)). */
void sha512(const void *data, size_t len, uint8_t out[SHA512_DIGEST_LEN]);
