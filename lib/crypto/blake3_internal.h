/*
 * lib/crypto/blake3_internal.h - pieces shared by the portable BLAKE3 code
 * (blake3.c) and the x86 SIMD code (blake3_x86.c).  Not an interface for
 * other modules.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Domain flags of the compression function (BLAKE3 spec, table 3). */
enum blake3_flag {
	BLAKE3_CHUNK_START = 1 << 0,
	BLAKE3_CHUNK_END = 1 << 1,
	BLAKE3_PARENT = 1 << 2,
	BLAKE3_ROOT = 1 << 3,
	BLAKE3_KEYED_HASH = 1 << 4,
	BLAKE3_DERIVE_KEY_CONTEXT = 1 << 5,
	BLAKE3_DERIVE_KEY_MATERIAL = 1 << 6,
};

/* The IV: the SHA-256 IV (spec section 2.2). */
extern const uint32_t blake3_iv[8];

/*
 * blake3_schedule[r][i]: which message word is used as the i-th input of
 * round r.  Row 0 is the identity; each later row applies the spec's fixed
 * permutation once more to the row above.
 */
extern const uint8_t blake3_schedule[7][16];

/* SIMD levels, in order of preference. */
enum blake3_simd_level {
	BLAKE3_SIMD_NONE = 0,
	BLAKE3_SIMD_SSE41 = 1,	/* 4 lanes */
	BLAKE3_SIMD_AVX2 = 2,	/* 8 lanes */
	BLAKE3_SIMD_AVX512 = 3, /* 16 lanes */
};

/*
 * BLAKE3_SIMD: set (with -DBLAKE3_SIMD=1) only by x86_64 host or user
 * builds that also link blake3_x86.c.  Never for the kernel.
 */
#if defined(BLAKE3_SIMD)
#define BLAKE3_SIMD_ENABLED 1

/*
 * Hash n inputs of `blocks` whole blocks each, in parallel, writing input
 * i's 32-byte chaining value to out + 32 * i.  Input i uses counter
 * `counter + i` when increment is set, else `counter`.  Every block gets
 * `flags`; the first also `flags_start`, the last also `flags_end`.  May
 * stop early: returns how many of the inputs (from the front) it hashed,
 * and the caller does the rest with the portable code.
 */
size_t blake3_simd_hash_many(const uint8_t *const *inputs, size_t n,
			     size_t blocks, const uint32_t key[8],
			     uint64_t counter, bool increment, uint8_t flags,
			     uint8_t flags_start, uint8_t flags_end,
			     uint8_t *out);

/*
 * Cap the SIMD level used (tests run every path this machine has).
 * Returns the level now in effect: min(cap, what the CPU supports).
 */
enum blake3_simd_level blake3_simd_set_max(enum blake3_simd_level cap);

#else
#define BLAKE3_SIMD_ENABLED 0

static inline size_t blake3_simd_hash_many(const uint8_t *const *inputs,
					   size_t n, size_t blocks,
					   const uint32_t key[8],
					   uint64_t counter, bool increment,
					   uint8_t flags, uint8_t flags_start,
					   uint8_t flags_end, uint8_t *out)
{
	(void)inputs, (void)n, (void)blocks, (void)key, (void)counter;
	(void)increment, (void)flags, (void)flags_start, (void)flags_end;
	(void)out;
	return 0;
}

static inline enum blake3_simd_level
blake3_simd_set_max(enum blake3_simd_level cap)
{
	(void)cap;
	return BLAKE3_SIMD_NONE;
}
#endif /* BLAKE3_SIMD */
