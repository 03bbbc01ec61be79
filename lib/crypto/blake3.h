/*
 * lib/crypto/blake3.h - the BLAKE3 hash function: plain hashing, keyed
 * hashing (MAC/PRF), key derivation and extendable output.
 *
 * Freestanding; builds for the kernel, user programs and the host.  The
 * portable code is always present; host builds that define BLAKE3_SIMD (and
 * link lib/crypto/blake3_x86.c) also hash many chunks at once with SSE4.1,
 * AVX2 or AVX-512, chosen at run time.  Outputs are identical either way.
 *
 * A hasher is plain data owned by the caller: no locking, no allocation.
 * It is about 1.9 KiB, most of it the chaining-value stack that lets one
 * hasher absorb up to 2^64 - 1 bytes.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define BLAKE3_OUT_LEN	 32   /* default output length, bytes */
#define BLAKE3_KEY_LEN	 32   /* key length for keyed hashing */
#define BLAKE3_BLOCK_LEN 64   /* compression function input */
#define BLAKE3_CHUNK_LEN 1024 /* leaf size of the hash tree */

/* Chunks in 2^64 bytes is 2^54: the most subtrees the stack can hold. */
#define BLAKE3_MAX_DEPTH 54

/* State of one BLAKE3 computation.  Treat as opaque. */
struct blake3_hasher {
	uint32_t key[8];	       /* key words: IV, key or context key */
	uint32_t cv[8];		       /* chaining value of the open chunk */
	uint64_t chunk_counter;	       /* index of the open chunk */
	uint8_t buf[BLAKE3_BLOCK_LEN]; /* not yet compressed chunk bytes */
	uint8_t buf_len;	       /* bytes used in buf */
	uint8_t blocks_compressed;     /* blocks of the open chunk done */
	uint8_t flags;		       /* mode flags: keyed, derive-key */
	uint8_t stack_len;	       /* entries used in stack */
	/* Chaining values of completed subtrees, largest first. */
	uint8_t stack[BLAKE3_MAX_DEPTH][BLAKE3_OUT_LEN];
};

/** Start a plain (unkeyed) hash in h.  Cannot fail. */
void blake3_init(struct blake3_hasher *h);

/**
 * Start a keyed hash (MAC or PRF) with a 32-byte key.  The key is copied;
 * the caller may wipe its copy at once.
 */
void blake3_init_keyed(struct blake3_hasher *h,
		       const uint8_t key[BLAKE3_KEY_LEN]);

/**
 * Start a key derivation: context is a NUL-terminated, hard-coded,
 * globally unique, application-specific string.  The key material is then
 * fed with blake3_update() and the derived key read with blake3_finalize().
 */
void blake3_init_derive_key(struct blake3_hasher *h, const char *context);

/** Absorb len bytes at in (in may be NULL when len is 0). */
void blake3_update(struct blake3_hasher *h, const void *in, size_t len);

/**
 * Write out_len bytes of output, any length (extendable output): the first
 * 32 bytes are the standard digest, and shorter outputs are prefixes of
 * longer ones.  h is not modified, so more input may follow and finalize
 * may be called again.
 */
void blake3_finalize(const struct blake3_hasher *h, uint8_t *out,
		     size_t out_len);

/**
 * Like blake3_finalize(), but the out_len bytes written start at byte
 * offset seek of the output stream.
 */
void blake3_finalize_seek(const struct blake3_hasher *h, uint64_t seek,
			  uint8_t *out, size_t out_len);

/** One-shot plain hash: out = BLAKE3(in[0..len)), 32 bytes. */
void blake3_hash(const void *in, size_t len, uint8_t out[BLAKE3_OUT_LEN]);
