/*
 * lib/crypto/sha512.c - SHA-512, FIPS 180-4.
 *
 * A straightforward one-block-at-a-time implementation.  The message
 * schedule is kept as a rolling window of 16 words rather than the 80 of
 * the specification, so the compression frame stays small on kernel stacks.
 * Every operation is independent of the data, so hashing secrets (Ed25519
 * nonces and keys) is constant time.
 */
#include "lib/crypto/sha512.h"

#include "lib/klib/string.h"

/*
 * K[t]: first 64 bits of the fractional parts of the cube roots of the
 * first 80 primes (FIPS 180-4 section 4.2.3).
 */
static const uint64_t sha512_k[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL,
    0xe9b5dba58189dbbcULL, 0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL,
    0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL, 0xd807aa98a3030242ULL,
    0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL,
    0xc19bf174cf692694ULL, 0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL,
    0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL, 0x2de92c6f592b0275ULL,
    0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL,
    0xbf597fc7beef0ee4ULL, 0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
    0x06ca6351e003826fULL, 0x142929670a0e6e70ULL, 0x27b70a8546d22ffcULL,
    0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL,
    0x92722c851482353bULL, 0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL,
    0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL, 0xd192e819d6ef5218ULL,
    0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL,
    0x34b0bcb5e19b48a8ULL, 0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL,
    0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL, 0x748f82ee5defb2fcULL,
    0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL,
    0xc67178f2e372532bULL, 0xca273eceea26619cULL, 0xd186b8c721c0c207ULL,
    0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL, 0x06f067aa72176fbaULL,
    0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL,
    0x431d67c49c100d4cULL, 0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL,
    0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

/*
 * H(0): first 64 bits of the fractional parts of the square roots of the
 * first 8 primes (FIPS 180-4 section 5.3.5).
 */
static const uint64_t sha512_iv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
    0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
    0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static inline uint64_t ror64(uint64_t x, unsigned int n)
{
	return (x >> n) | (x << (64 - n));
}

static inline uint64_t load64_be(const uint8_t *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
	       (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
	       (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	       (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

static inline void store64_be(uint8_t *p, uint64_t x)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)x;
		x >>= 8;
	}
}

/* Functions of FIPS 180-4 section 4.1.3. */
#define SHA512_CH(x, y, z)  (((x) & (y)) ^ (~(x) & (z)))
#define SHA512_MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define SHA512_BSIG0(x)	    (ror64(x, 28) ^ ror64(x, 34) ^ ror64(x, 39))
#define SHA512_BSIG1(x)	    (ror64(x, 14) ^ ror64(x, 18) ^ ror64(x, 41))
#define SHA512_SSIG0(x)	    (ror64(x, 1) ^ ror64(x, 8) ^ ((x) >> 7))
#define SHA512_SSIG1(x)	    (ror64(x, 19) ^ ror64(x, 61) ^ ((x) >> 6))

/*
 * One round with the working variables named by position rather than
 * shuffled: the caller rotates the argument order instead, so the eight
 * assignments of the specification become two.
 */
#define SHA512_ROUND(a, b, c, d, e, f, g, h, k, w)                             \
	do {                                                                   \
		uint64_t t1_ =                                                 \
		    (h) + SHA512_BSIG1(e) + SHA512_CH(e, f, g) + (k) + (w);    \
		(d) += t1_;                                                    \
		(h) = t1_ + SHA512_BSIG0(a) + SHA512_MAJ(a, b, c);             \
	} while (0)

/* Process nblocks 128-byte blocks at p (section 6.4.2). */
static void sha512_blocks(uint64_t state[8], const uint8_t *p, size_t nblocks)
{
	uint64_t w[16];

	while (nblocks--) {
		uint64_t a = state[0], b = state[1], c = state[2];
		uint64_t d = state[3], e = state[4], f = state[5];
		uint64_t g = state[6], h = state[7];

		for (int t = 0; t < 16; t++)
			w[t] = load64_be(p + 8 * t);

		for (int t = 0; t < 80; t += 8) {
			if (t >= 16) {
				/* W[t] from W[t-2], W[t-7], W[t-15], W[t-16].
				 */
				for (int j = 0; j < 8; j++) {
					int i = (t + j) & 15;

					w[i] += SHA512_SSIG1(w[(i + 14) & 15]) +
						w[(i + 9) & 15] +
						SHA512_SSIG0(w[(i + 1) & 15]);
				}
			}
			int o = t & 15;

			SHA512_ROUND(a, b, c, d, e, f, g, h, sha512_k[t + 0],
				     w[o + 0]);
			SHA512_ROUND(h, a, b, c, d, e, f, g, sha512_k[t + 1],
				     w[o + 1]);
			SHA512_ROUND(g, h, a, b, c, d, e, f, sha512_k[t + 2],
				     w[o + 2]);
			SHA512_ROUND(f, g, h, a, b, c, d, e, sha512_k[t + 3],
				     w[o + 3]);
			SHA512_ROUND(e, f, g, h, a, b, c, d, sha512_k[t + 4],
				     w[o + 4]);
			SHA512_ROUND(d, e, f, g, h, a, b, c, sha512_k[t + 5],
				     w[o + 5]);
			SHA512_ROUND(c, d, e, f, g, h, a, b, sha512_k[t + 6],
				     w[o + 6]);
			SHA512_ROUND(b, c, d, e, f, g, h, a, sha512_k[t + 7],
				     w[o + 7]);
		}

		state[0] += a;
		state[1] += b;
		state[2] += c;
		state[3] += d;
		state[4] += e;
		state[5] += f;
		state[6] += g;
		state[7] += h;
		p += SHA512_BLOCK_LEN;
	}
}

void sha512_init(struct sha512_ctx *ctx)
{
	memcpy(ctx->h, sha512_iv, sizeof(ctx->h));
	ctx->bytes = 0;
}

void sha512_update(struct sha512_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t used = (size_t)(ctx->bytes % SHA512_BLOCK_LEN);

	if (len == 0)
		return; /* data may be NULL */
	ctx->bytes += len;
	if (used) {
		size_t take = SHA512_BLOCK_LEN - used;

		if (take > len)
			take = len;
		memcpy(ctx->buf + used, p, take);
		p += take;
		len -= take;
		if (used + take < SHA512_BLOCK_LEN)
			return;
		sha512_blocks(ctx->h, ctx->buf, 1);
	}
	if (len >= SHA512_BLOCK_LEN) {
		size_t n = len / SHA512_BLOCK_LEN;

		sha512_blocks(ctx->h, p, n);
		p += n * SHA512_BLOCK_LEN;
		len -= n * SHA512_BLOCK_LEN;
	}
	if (len)
		memcpy(ctx->buf, p, len);
}

void sha512_final(struct sha512_ctx *ctx, uint8_t out[SHA512_DIGEST_LEN])
{
	size_t used = (size_t)(ctx->bytes % SHA512_BLOCK_LEN);

	/*
	 * Section 5.1.2: a 1 bit, zeros, then the length in bits as a 128-bit
	 * big-endian number.  Lengths stay below 2^64 bytes, so the top 61
	 * bits of that field are always zero.
	 */
	ctx->buf[used++] = 0x80;
	if (used > SHA512_BLOCK_LEN - 16) {
		memset(ctx->buf + used, 0, SHA512_BLOCK_LEN - used);
		sha512_blocks(ctx->h, ctx->buf, 1);
		used = 0;
	}
	memset(ctx->buf + used, 0, SHA512_BLOCK_LEN - 16 - used);
	store64_be(ctx->buf + SHA512_BLOCK_LEN - 16, ctx->bytes >> 61);
	store64_be(ctx->buf + SHA512_BLOCK_LEN - 8, ctx->bytes << 3);
	sha512_blocks(ctx->h, ctx->buf, 1);

	for (int i = 0; i < 8; i++)
		store64_be(out + 8 * i, ctx->h[i]);
	memset(ctx, 0, sizeof(*ctx));
}

void sha512(const void *data, size_t len, uint8_t out[SHA512_DIGEST_LEN])
{
	struct sha512_ctx ctx;

	sha512_init(&ctx);
	sha512_update(&ctx, data, len);
	sha512_final(&ctx, out);
}
