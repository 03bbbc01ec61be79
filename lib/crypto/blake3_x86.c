/*
 * lib/crypto/blake3_x86.c - BLAKE3 on many inputs at once, x86_64 SIMD.
 *
 * x86_64 host and user builds only: compiled to code when BLAKE3_SIMD is
 * defined, and to nothing otherwise (the kernel runs with SSE disabled and
 * never defines it).
 *
 * Each vector lane hashes a different input: with AVX-512 sixteen chunks (or
 * parents) are compressed together, word i of every input's state in
 * vector i, so the G function is written once with lane-wise operations and
 * no shuffles inside the rounds.  Message words arrive row by row (one
 * input's block per load) and are transposed into that column layout.
 * Functions carry target attributes, so this file needs no -m flags, and
 * the widest level the CPU and OS support is picked at run time with CPUID
 * and XGETBV.
 */
#include "lib/crypto/blake3_internal.h"

#if defined(BLAKE3_SIMD)

#include <cpuid.h>     /* x86 only, CAMBIOS_HOST and user builds */
#include <immintrin.h> /* x86 only, CAMBIOS_HOST and user builds */

#include "lib/crypto/blake3.h"
#include "lib/klib/string.h"

#define SSE41_FN  __attribute__((target("sse4.1")))
#define AVX2_FN	  __attribute__((target("avx2")))
#define AVX512_FN __attribute__((target("avx512f")))

/*
 * Each lane streams through its own 1 KiB chunk, too short a run for the
 * hardware prefetchers to pick up, so every lane asks for the block three
 * ahead of the one it loads (past a chunk's end that is the next chunk,
 * which the next batch reads).  Worth about 1.5x on large inputs.
 */
#define BLAKE3_PREFETCH_AHEAD (3 * BLAKE3_BLOCK_LEN)

static inline void blake3_prefetch(const uint8_t *p)
{
	_mm_prefetch((const char *)p + BLAKE3_PREFETCH_AHEAD, _MM_HINT_T0);
}

/* Counter words of n lanes: lane i hashes counter + i (or counter). */
static void blake3_lane_counters(uint64_t counter, bool increment, size_t n,
				 uint32_t lo[16], uint32_t hi[16])
{
	for (size_t i = 0; i < n; i++) {
		uint64_t c = counter + (increment ? i : 0);

		lo[i] = (uint32_t)c;
		hi[i] = (uint32_t)(c >> 32);
	}
}

static uint8_t blake3_block_flags(size_t b, size_t blocks, uint8_t flags,
				  uint8_t flags_start, uint8_t flags_end)
{
	if (b == 0)
		flags |= flags_start;
	if (b + 1 == blocks)
		flags |= flags_end;
	return flags;
}

/* ---- SSE4.1: 4 lanes ------------------------------------------------ */

SSE41_FN static inline __m128i ror16_x4(__m128i x)
{
	return _mm_shuffle_epi8(x, _mm_set_epi8(13, 12, 15, 14, 9, 8, 11, 10, 5,
						4, 7, 6, 1, 0, 3, 2));
}

SSE41_FN static inline __m128i ror8_x4(__m128i x)
{
	return _mm_shuffle_epi8(x, _mm_set_epi8(12, 15, 14, 13, 8, 11, 10, 9, 4,
						7, 6, 5, 0, 3, 2, 1));
}

SSE41_FN static inline __m128i ror12_x4(__m128i x)
{
	return _mm_or_si128(_mm_srli_epi32(x, 12), _mm_slli_epi32(x, 20));
}

SSE41_FN static inline __m128i ror7_x4(__m128i x)
{
	return _mm_or_si128(_mm_srli_epi32(x, 7), _mm_slli_epi32(x, 25));
}

SSE41_FN static inline void g_x4(__m128i v[16], int a, int b, int c, int d,
				 __m128i x, __m128i y)
{
	v[a] = _mm_add_epi32(_mm_add_epi32(v[a], v[b]), x);
	v[d] = ror16_x4(_mm_xor_si128(v[d], v[a]));
	v[c] = _mm_add_epi32(v[c], v[d]);
	v[b] = ror12_x4(_mm_xor_si128(v[b], v[c]));
	v[a] = _mm_add_epi32(_mm_add_epi32(v[a], v[b]), y);
	v[d] = ror8_x4(_mm_xor_si128(v[d], v[a]));
	v[c] = _mm_add_epi32(v[c], v[d]);
	v[b] = ror7_x4(_mm_xor_si128(v[b], v[c]));
}

/* In place: row i of four becomes column i. */
SSE41_FN static inline void transpose4(__m128i r[4])
{
	__m128i ab_lo = _mm_unpacklo_epi32(r[0], r[1]);
	__m128i ab_hi = _mm_unpackhi_epi32(r[0], r[1]);
	__m128i cd_lo = _mm_unpacklo_epi32(r[2], r[3]);
	__m128i cd_hi = _mm_unpackhi_epi32(r[2], r[3]);

	r[0] = _mm_unpacklo_epi64(ab_lo, cd_lo);
	r[1] = _mm_unpackhi_epi64(ab_lo, cd_lo);
	r[2] = _mm_unpacklo_epi64(ab_hi, cd_hi);
	r[3] = _mm_unpackhi_epi64(ab_hi, cd_hi);
}

SSE41_FN static void hash4_sse41(const uint8_t *const *inputs, size_t blocks,
				 const uint32_t key[8], uint64_t counter,
				 bool increment, uint8_t flags,
				 uint8_t flags_start, uint8_t flags_end,
				 uint8_t *out)
{
	uint32_t lo[16], hi[16];
	__m128i h[8], v[16], m[16];

	blake3_lane_counters(counter, increment, 4, lo, hi);
	for (int i = 0; i < 8; i++)
		h[i] = _mm_set1_epi32((int)key[i]);

	for (size_t b = 0; b < blocks; b++) {
		size_t off = b * BLAKE3_BLOCK_LEN;

		for (int q = 0; q < 4; q++) {
			for (int j = 0; j < 4; j++)
				m[4 * q + j] = _mm_loadu_si128((
				    const __m128i *)(inputs[j] + off + 16 * q));
			transpose4(&m[4 * q]);
		}
		for (int j = 0; j < 4; j++)
			blake3_prefetch(inputs[j] + off);
		for (int i = 0; i < 8; i++)
			v[i] = h[i];
		for (int i = 0; i < 4; i++)
			v[8 + i] = _mm_set1_epi32((int)blake3_iv[i]);
		v[12] = _mm_loadu_si128((const __m128i *)lo);
		v[13] = _mm_loadu_si128((const __m128i *)hi);
		v[14] = _mm_set1_epi32(BLAKE3_BLOCK_LEN);
		v[15] = _mm_set1_epi32(blake3_block_flags(
		    b, blocks, flags, flags_start, flags_end));

		for (int r = 0; r < 7; r++) {
			const uint8_t *s = blake3_schedule[r];

			g_x4(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
			g_x4(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
			g_x4(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
			g_x4(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
			g_x4(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
			g_x4(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
			g_x4(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
			g_x4(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
		}
		for (int i = 0; i < 8; i++)
			h[i] = _mm_xor_si128(v[i], v[i + 8]);
	}

	/* Columns back to rows: lane j's CV is word 0..7 of lane j. */
	transpose4(&h[0]);
	transpose4(&h[4]);
	for (int j = 0; j < 4; j++) {
		_mm_storeu_si128((__m128i *)(out + 32 * j), h[j]);
		_mm_storeu_si128((__m128i *)(out + 32 * j + 16), h[4 + j]);
	}
}

/* ---- AVX2: 8 lanes -------------------------------------------------- */

AVX2_FN static inline __m256i ror16_x8(__m256i x)
{
	return _mm256_shuffle_epi8(
	    x, _mm256_set_epi8(13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0,
			       3, 2, 13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6,
			       1, 0, 3, 2));
}

AVX2_FN static inline __m256i ror8_x8(__m256i x)
{
	return _mm256_shuffle_epi8(
	    x, _mm256_set_epi8(12, 15, 14, 13, 8, 11, 10, 9, 4, 7, 6, 5, 0, 3,
			       2, 1, 12, 15, 14, 13, 8, 11, 10, 9, 4, 7, 6, 5,
			       0, 3, 2, 1));
}

AVX2_FN static inline __m256i ror12_x8(__m256i x)
{
	return _mm256_or_si256(_mm256_srli_epi32(x, 12),
			       _mm256_slli_epi32(x, 20));
}

AVX2_FN static inline __m256i ror7_x8(__m256i x)
{
	return _mm256_or_si256(_mm256_srli_epi32(x, 7),
			       _mm256_slli_epi32(x, 25));
}

AVX2_FN static inline void g_x8(__m256i v[16], int a, int b, int c, int d,
				__m256i x, __m256i y)
{
	v[a] = _mm256_add_epi32(_mm256_add_epi32(v[a], v[b]), x);
	v[d] = ror16_x8(_mm256_xor_si256(v[d], v[a]));
	v[c] = _mm256_add_epi32(v[c], v[d]);
	v[b] = ror12_x8(_mm256_xor_si256(v[b], v[c]));
	v[a] = _mm256_add_epi32(_mm256_add_epi32(v[a], v[b]), y);
	v[d] = ror8_x8(_mm256_xor_si256(v[d], v[a]));
	v[c] = _mm256_add_epi32(v[c], v[d]);
	v[b] = ror7_x8(_mm256_xor_si256(v[b], v[c]));
}

/* In place: 8x8 transpose of 32-bit words, row i becomes column i. */
AVX2_FN static inline void transpose8(__m256i r[8])
{
	__m256i t[8], u[8];

	for (int i = 0; i < 4; i++) {
		t[2 * i] = _mm256_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
		t[2 * i + 1] = _mm256_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
	}
	/* u[k], u[4 + k]: words k and k + 4 of rows 0-3, then rows 4-7. */
	for (int g = 0; g < 2; g++) {
		__m256i *tg = &t[4 * g];

		u[4 * g + 0] = _mm256_unpacklo_epi64(tg[0], tg[2]);
		u[4 * g + 1] = _mm256_unpackhi_epi64(tg[0], tg[2]);
		u[4 * g + 2] = _mm256_unpacklo_epi64(tg[1], tg[3]);
		u[4 * g + 3] = _mm256_unpackhi_epi64(tg[1], tg[3]);
	}
	for (int k = 0; k < 4; k++) {
		r[k] = _mm256_permute2x128_si256(u[k], u[4 + k], 0x20);
		r[k + 4] = _mm256_permute2x128_si256(u[k], u[4 + k], 0x31);
	}
}

AVX2_FN static void hash8_avx2(const uint8_t *const *inputs, size_t blocks,
			       const uint32_t key[8], uint64_t counter,
			       bool increment, uint8_t flags,
			       uint8_t flags_start, uint8_t flags_end,
			       uint8_t *out)
{
	uint32_t lo[16], hi[16];
	__m256i h[8], v[16], m[16];

	blake3_lane_counters(counter, increment, 8, lo, hi);
	for (int i = 0; i < 8; i++)
		h[i] = _mm256_set1_epi32((int)key[i]);

	for (size_t b = 0; b < blocks; b++) {
		size_t off = b * BLAKE3_BLOCK_LEN;

		for (int q = 0; q < 2; q++) {
			for (int j = 0; j < 8; j++)
				m[8 * q + j] = _mm256_loadu_si256((
				    const __m256i *)(inputs[j] + off + 32 * q));
			transpose8(&m[8 * q]);
		}
		for (int j = 0; j < 8; j++)
			blake3_prefetch(inputs[j] + off);
		for (int i = 0; i < 8; i++)
			v[i] = h[i];
		for (int i = 0; i < 4; i++)
			v[8 + i] = _mm256_set1_epi32((int)blake3_iv[i]);
		v[12] = _mm256_loadu_si256((const __m256i *)lo);
		v[13] = _mm256_loadu_si256((const __m256i *)hi);
		v[14] = _mm256_set1_epi32(BLAKE3_BLOCK_LEN);
		v[15] = _mm256_set1_epi32(blake3_block_flags(
		    b, blocks, flags, flags_start, flags_end));

		for (int r = 0; r < 7; r++) {
			const uint8_t *s = blake3_schedule[r];

			g_x8(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
			g_x8(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
			g_x8(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
			g_x8(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
			g_x8(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
			g_x8(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
			g_x8(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
			g_x8(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
		}
		for (int i = 0; i < 8; i++)
			h[i] = _mm256_xor_si256(v[i], v[i + 8]);
	}

	transpose8(h);
	for (int j = 0; j < 8; j++)
		_mm256_storeu_si256((__m256i *)(out + 32 * j), h[j]);
}

/* ---- AVX-512: 16 lanes ---------------------------------------------- */

AVX512_FN static inline void g_x16(__m512i v[16], int a, int b, int c, int d,
				   __m512i x, __m512i y)
{
	v[a] = _mm512_add_epi32(_mm512_add_epi32(v[a], v[b]), x);
	v[d] = _mm512_ror_epi32(_mm512_xor_si512(v[d], v[a]), 16);
	v[c] = _mm512_add_epi32(v[c], v[d]);
	v[b] = _mm512_ror_epi32(_mm512_xor_si512(v[b], v[c]), 12);
	v[a] = _mm512_add_epi32(_mm512_add_epi32(v[a], v[b]), y);
	v[d] = _mm512_ror_epi32(_mm512_xor_si512(v[d], v[a]), 8);
	v[c] = _mm512_add_epi32(v[c], v[d]);
	v[b] = _mm512_ror_epi32(_mm512_xor_si512(v[b], v[c]), 7);
}

/*
 * In place: 16x16 transpose of 32-bit words.  Within each 128-bit lane,
 * two unpack stages gather four rows' copies of a word; two 128-bit lane
 * shuffles then put the four row groups side by side.
 */
AVX512_FN static inline void transpose16(__m512i r[16])
{
	__m512i u[16];

	/* u[4g + k], lane q: word 4q + k of rows 4g..4g+3. */
	for (int g = 0; g < 4; g++) {
		__m512i *rg = &r[4 * g];
		__m512i ab_lo = _mm512_unpacklo_epi32(rg[0], rg[1]);
		__m512i ab_hi = _mm512_unpackhi_epi32(rg[0], rg[1]);
		__m512i cd_lo = _mm512_unpacklo_epi32(rg[2], rg[3]);
		__m512i cd_hi = _mm512_unpackhi_epi32(rg[2], rg[3]);

		u[4 * g + 0] = _mm512_unpacklo_epi64(ab_lo, cd_lo);
		u[4 * g + 1] = _mm512_unpackhi_epi64(ab_lo, cd_lo);
		u[4 * g + 2] = _mm512_unpacklo_epi64(ab_hi, cd_hi);
		u[4 * g + 3] = _mm512_unpackhi_epi64(ab_hi, cd_hi);
	}
	/* Word 4q + k = lane q of u[k], u[4 + k], u[8 + k], u[12 + k]. */
	for (int k = 0; k < 4; k++) {
		__m512i x0 = _mm512_shuffle_i32x4(u[k], u[4 + k], 0x44);
		__m512i x1 = _mm512_shuffle_i32x4(u[k], u[4 + k], 0xee);
		__m512i x2 = _mm512_shuffle_i32x4(u[8 + k], u[12 + k], 0x44);
		__m512i x3 = _mm512_shuffle_i32x4(u[8 + k], u[12 + k], 0xee);

		r[0 + k] = _mm512_shuffle_i32x4(x0, x2, 0x88);
		r[4 + k] = _mm512_shuffle_i32x4(x0, x2, 0xdd);
		r[8 + k] = _mm512_shuffle_i32x4(x1, x3, 0x88);
		r[12 + k] = _mm512_shuffle_i32x4(x1, x3, 0xdd);
	}
}

AVX512_FN static void hash16_avx512(const uint8_t *const *inputs, size_t blocks,
				    const uint32_t key[8], uint64_t counter,
				    bool increment, uint8_t flags,
				    uint8_t flags_start, uint8_t flags_end,
				    uint8_t *out)
{
	uint32_t lo[16], hi[16];
	__m512i h[16], v[16], m[16];

	blake3_lane_counters(counter, increment, 16, lo, hi);
	for (int i = 0; i < 8; i++)
		h[i] = _mm512_set1_epi32((int)key[i]);

	for (size_t b = 0; b < blocks; b++) {
		size_t off = b * BLAKE3_BLOCK_LEN;

		for (int j = 0; j < 16; j++) {
			m[j] = _mm512_loadu_si512(inputs[j] + off);
			blake3_prefetch(inputs[j] + off);
		}
		transpose16(m);
		for (int i = 0; i < 8; i++)
			v[i] = h[i];
		for (int i = 0; i < 4; i++)
			v[8 + i] = _mm512_set1_epi32((int)blake3_iv[i]);
		v[12] = _mm512_loadu_si512(lo);
		v[13] = _mm512_loadu_si512(hi);
		v[14] = _mm512_set1_epi32(BLAKE3_BLOCK_LEN);
		v[15] = _mm512_set1_epi32(blake3_block_flags(
		    b, blocks, flags, flags_start, flags_end));

		for (int r = 0; r < 7; r++) {
			const uint8_t *s = blake3_schedule[r];

			g_x16(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
			g_x16(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
			g_x16(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
			g_x16(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
			g_x16(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
			g_x16(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
			g_x16(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
			g_x16(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
		}
		for (int i = 0; i < 8; i++)
			h[i] = _mm512_xor_si512(v[i], v[i + 8]);
	}

	/* Rows 8-15 are filler so the square transpose can be reused. */
	for (int i = 8; i < 16; i++)
		h[i] = _mm512_setzero_si512();
	transpose16(h);
	for (int j = 0; j < 16; j++)
		_mm256_storeu_si256((__m256i *)(out + 32 * j),
				    _mm512_castsi512_si256(h[j]));
}

/* ---- Dispatch ------------------------------------------------------- */

static uint64_t blake3_xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static enum blake3_simd_level blake3_detect(void)
{
	unsigned int a, b, c, d;
	enum blake3_simd_level level = BLAKE3_SIMD_NONE;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return level;
	if ((c & bit_SSSE3) && (c & bit_SSE4_1))
		level = BLAKE3_SIMD_SSE41;
	/* The OS must save YMM (and ZMM) state, or the registers are unusable.
	 */
	if (!(c & bit_OSXSAVE) || !(c & bit_AVX))
		return level;
	uint64_t xcr0 = blake3_xgetbv0();

	if ((xcr0 & 0x6) != 0x6 || !__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return level;
	if (b & bit_AVX2)
		level = BLAKE3_SIMD_AVX2;
	if ((xcr0 & 0xe6) == 0xe6 && (b & bit_AVX512F))
		level = BLAKE3_SIMD_AVX512;
	return level;
}

/*
 * Detected level, plus one (0: not yet detected), and the cap set by
 * tests.  Racing first calls detect the same thing, so relaxed atomics
 * suffice.
 */
static int blake3_detected;
static int blake3_cap = BLAKE3_SIMD_AVX512;

static enum blake3_simd_level blake3_level(void)
{
	int det = __atomic_load_n(&blake3_detected, __ATOMIC_RELAXED);
	int cap = __atomic_load_n(&blake3_cap, __ATOMIC_RELAXED);

	if (det == 0) {
		det = (int)blake3_detect() + 1;
		__atomic_store_n(&blake3_detected, det, __ATOMIC_RELAXED);
	}
	return (enum blake3_simd_level)(det - 1 < cap ? det - 1 : cap);
}

enum blake3_simd_level blake3_simd_set_max(enum blake3_simd_level cap)
{
	__atomic_store_n(&blake3_cap, (int)cap, __ATOMIC_RELAXED);
	return blake3_level();
}

typedef void (*blake3_hash_lanes_fn)(const uint8_t *const *inputs,
				     size_t blocks, const uint32_t key[8],
				     uint64_t counter, bool increment,
				     uint8_t flags, uint8_t flags_start,
				     uint8_t flags_end, uint8_t *out);

size_t blake3_simd_hash_many(const uint8_t *const *inputs, size_t n,
			     size_t blocks, const uint32_t key[8],
			     uint64_t counter, bool increment, uint8_t flags,
			     uint8_t flags_start, uint8_t flags_end,
			     uint8_t *out)
{
	static const struct {
		enum blake3_simd_level level;
		size_t lanes;
		blake3_hash_lanes_fn fn;
	} impls[] = {
	    {BLAKE3_SIMD_AVX512, 16, hash16_avx512},
	    {BLAKE3_SIMD_AVX2, 8, hash8_avx2},
	    {BLAKE3_SIMD_SSE41, 4, hash4_sse41},
	};
	enum blake3_simd_level level = blake3_level();
	size_t done = 0;

	/* Full batches, widest first. */
	for (size_t k = 0; k < sizeof(impls) / sizeof(impls[0]); k++) {
		if (impls[k].level > level)
			continue;
		while (n - done >= impls[k].lanes) {
			impls[k].fn(inputs + done, blocks, key,
				    counter + (increment ? done : 0), increment,
				    flags, flags_start, flags_end,
				    out + 32 * done);
			done += impls[k].lanes;
		}
	}

	/*
	 * Two or more left over: one padded batch of the narrowest width that
	 * holds them (the spare lanes rehash the first input) beats hashing
	 * them one by one.  A single input goes back to the portable code.
	 */
	size_t left = n - done;

	if (left < 2)
		return done;
	for (size_t k = sizeof(impls) / sizeof(impls[0]); k-- > 0;) {
		if (impls[k].level > level || impls[k].lanes < left)
			continue;

		const uint8_t *lanes[16];
		uint8_t tmp[16 * 32];

		for (size_t j = 0; j < impls[k].lanes; j++)
			lanes[j] = inputs[done + (j < left ? j : 0)];
		impls[k].fn(lanes, blocks, key,
			    counter + (increment ? done : 0), increment, flags,
			    flags_start, flags_end, tmp);
		memcpy(out + 32 * done, tmp, 32 * left);
		return n;
	}
	return done;
}

#else

/* ISO C wants a declaration in every translation unit. */
typedef int blake3_x86_unused;

#endif /* BLAKE3_SIMD */
