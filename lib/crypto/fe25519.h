/*
 * lib/crypto/fe25519.h - arithmetic in GF(2^255 - 19), for Ed25519.
 *
 * Internal to lib/crypto: static inline so the point formulas of ed25519.c
 * compile to straight-line code.  Needs unsigned __int128, which clang has
 * on every 64-bit target (x86_64, aarch64, riscv64), freestanding included;
 * only 64x64->128 multiplies and shifts are used, so no libcalls result.
 *
 * An element is five unsigned 51-bit limbs, value sum(l[i] * 2^(51 i)),
 * not necessarily reduced mod p.  Bounds, tracked by the callers:
 *   - "reduced": each limb < 2^51 + 2^14.  fe_mul, fe_sq and fe_carry
 *     produce it, and constants are stored that way.
 *   - "loose": each limb < 2^54.  fe_mul and fe_sq accept it: with inputs
 *     below 2^54 the 128-bit column sums and the final carry times 19 stay
 *     below 2^128 and 2^64.
 * fe_add of two reduced values, fe_sub of reduced values, fe_sub_loose of a
 * reduced or loose-but-below-2^53 subtrahend all give loose results.
 *
 * Every function is constant time except where its name says vartime.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/klib/string.h"

struct fe {
	uint64_t l[5];
};

#define FE_MASK51 ((UINT64_C(1) << 51) - 1)

typedef unsigned __int128 fe_u128;

static inline void fe_0(struct fe *h)
{
	for (int i = 0; i < 5; i++)
		h->l[i] = 0;
}

static inline void fe_1(struct fe *h)
{
	fe_0(h);
	h->l[0] = 1;
}

/* h = f + g, no carry. */
static inline void fe_add(struct fe *h, const struct fe *f, const struct fe *g)
{
	for (int i = 0; i < 5; i++)
		h->l[i] = f->l[i] + g->l[i];
}

/* h = f - g, adding 2p first: g must be reduced (limbs <= 2^52 - 38). */
static inline void fe_sub(struct fe *h, const struct fe *f, const struct fe *g)
{
	h->l[0] = f->l[0] + 0xfffffffffffdaULL - g->l[0];
	for (int i = 1; i < 5; i++)
		h->l[i] = f->l[i] + 0xffffffffffffeULL - g->l[i];
}

/* h = f - g, adding 4p first: g limbs may be up to 2^53 - 76. */
static inline void fe_sub_loose(struct fe *h, const struct fe *f,
				const struct fe *g)
{
	h->l[0] = f->l[0] + 0x1fffffffffffb4ULL - g->l[0];
	for (int i = 1; i < 5; i++)
		h->l[i] = f->l[i] + 0x1ffffffffffffcULL - g->l[i];
}

/* h = -f, f reduced. */
static inline void fe_neg(struct fe *h, const struct fe *f)
{
	struct fe zero;

	fe_0(&zero);
	fe_sub(h, &zero, f);
}

/* Carry the five 128-bit column sums of a product into a reduced h. */
static inline void fe_carry_wide(struct fe *h, fe_u128 r0, fe_u128 r1,
				 fe_u128 r2, fe_u128 r3, fe_u128 r4)
{
	uint64_t c;

	r1 += (uint64_t)(r0 >> 51);
	r2 += (uint64_t)(r1 >> 51);
	r3 += (uint64_t)(r2 >> 51);
	r4 += (uint64_t)(r3 >> 51);
	c = (uint64_t)(r4 >> 51);
	h->l[0] = ((uint64_t)r0 & FE_MASK51) + c * 19;
	h->l[1] = ((uint64_t)r1 & FE_MASK51) + (h->l[0] >> 51);
	h->l[0] &= FE_MASK51;
	h->l[2] = (uint64_t)r2 & FE_MASK51;
	h->l[3] = (uint64_t)r3 & FE_MASK51;
	h->l[4] = (uint64_t)r4 & FE_MASK51;
}

/*
 * h = f * g.  Schoolbook on limbs; a product landing at 2^255 or above
 * wraps to the bottom times 19, since 2^255 = 19 (mod p).
 */
static inline void fe_mul(struct fe *h, const struct fe *f, const struct fe *g)
{
	uint64_t f0 = f->l[0], f1 = f->l[1], f2 = f->l[2], f3 = f->l[3];
	uint64_t f4 = f->l[4];
	uint64_t g0 = g->l[0], g1 = g->l[1], g2 = g->l[2], g3 = g->l[3];
	uint64_t g4 = g->l[4];
	uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3;
	uint64_t g4_19 = 19 * g4;
	fe_u128 r0, r1, r2, r3, r4;

	r0 = (fe_u128)f0 * g0 + (fe_u128)f1 * g4_19 + (fe_u128)f2 * g3_19 +
	     (fe_u128)f3 * g2_19 + (fe_u128)f4 * g1_19;
	r1 = (fe_u128)f0 * g1 + (fe_u128)f1 * g0 + (fe_u128)f2 * g4_19 +
	     (fe_u128)f3 * g3_19 + (fe_u128)f4 * g2_19;
	r2 = (fe_u128)f0 * g2 + (fe_u128)f1 * g1 + (fe_u128)f2 * g0 +
	     (fe_u128)f3 * g4_19 + (fe_u128)f4 * g3_19;
	r3 = (fe_u128)f0 * g3 + (fe_u128)f1 * g2 + (fe_u128)f2 * g1 +
	     (fe_u128)f3 * g0 + (fe_u128)f4 * g4_19;
	r4 = (fe_u128)f0 * g4 + (fe_u128)f1 * g3 + (fe_u128)f2 * g2 +
	     (fe_u128)f3 * g1 + (fe_u128)f4 * g0;
	fe_carry_wide(h, r0, r1, r2, r3, r4);
}

/* h = f^2: the products f_i f_j and f_j f_i of fe_mul are merged. */
static inline void fe_sq(struct fe *h, const struct fe *f)
{
	uint64_t f0 = f->l[0], f1 = f->l[1], f2 = f->l[2], f3 = f->l[3];
	uint64_t f4 = f->l[4];
	uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1, f2_2 = 2 * f2, f3_2 = 2 * f3;
	uint64_t f3_19 = 19 * f3, f4_19 = 19 * f4;
	fe_u128 r0, r1, r2, r3, r4;

	r0 = (fe_u128)f0 * f0 + (fe_u128)f1_2 * f4_19 + (fe_u128)f2_2 * f3_19;
	r1 = (fe_u128)f0_2 * f1 + (fe_u128)f2_2 * f4_19 + (fe_u128)f3 * f3_19;
	r2 = (fe_u128)f0_2 * f2 + (fe_u128)f1 * f1 + (fe_u128)f3_2 * f4_19;
	r3 = (fe_u128)f0_2 * f3 + (fe_u128)f1_2 * f2 + (fe_u128)f4 * f4_19;
	r4 = (fe_u128)f0_2 * f4 + (fe_u128)f1_2 * f3 + (fe_u128)f2 * f2;
	fe_carry_wide(h, r0, r1, r2, r3, r4);
}

/* h = f^(2^n), n >= 1. */
static inline void fe_sq_n(struct fe *h, const struct fe *f, int n)
{
	fe_sq(h, f);
	while (--n > 0)
		fe_sq(h, h);
}

/* Reduce a loose f to reduced limbs, same value mod p. */
static inline void fe_carry(struct fe *h, const struct fe *f)
{
	uint64_t l0 = f->l[0], l1 = f->l[1], l2 = f->l[2], l3 = f->l[3];
	uint64_t l4 = f->l[4];

	l1 += l0 >> 51;
	l0 &= FE_MASK51;
	l2 += l1 >> 51;
	l1 &= FE_MASK51;
	l3 += l2 >> 51;
	l2 &= FE_MASK51;
	l4 += l3 >> 51;
	l3 &= FE_MASK51;
	l0 += 19 * (l4 >> 51);
	l4 &= FE_MASK51;
	l1 += l0 >> 51;
	l0 &= FE_MASK51;
	h->l[0] = l0;
	h->l[1] = l1;
	h->l[2] = l2;
	h->l[3] = l3;
	h->l[4] = l4;
}

/*
 * z^(2^250 - 1), and z^11 on the side: the shared head of the addition
 * chains of fe_invert and fe_pow22523 (Bernstein's curve25519 chain).
 */
static inline void fe_pow2_250_1(struct fe *out, struct fe *z11,
				 const struct fe *z)
{
	struct fe t, z9, z_5, z_10, z_20, z_50, z_100;

	fe_sq(&t, z);	       /* z^2 */
	fe_sq_n(&z9, &t, 2);   /* z^8 */
	fe_mul(&z9, &z9, z);   /* z^9 */
	fe_mul(z11, &z9, &t);  /* z^11 */
	fe_sq(&t, z11);	       /* z^22 */
	fe_mul(&z_5, &t, &z9); /* z^(2^5 - 1) */
	fe_sq_n(&t, &z_5, 5);
	fe_mul(&z_10, &t, &z_5); /* z^(2^10 - 1) */
	fe_sq_n(&t, &z_10, 10);
	fe_mul(&z_20, &t, &z_10); /* z^(2^20 - 1) */
	fe_sq_n(&t, &z_20, 20);
	fe_mul(&t, &t, &z_20); /* z^(2^40 - 1) */
	fe_sq_n(&t, &t, 10);
	fe_mul(&z_50, &t, &z_10); /* z^(2^50 - 1) */
	fe_sq_n(&t, &z_50, 50);
	fe_mul(&z_100, &t, &z_50); /* z^(2^100 - 1) */
	fe_sq_n(&t, &z_100, 100);
	fe_mul(&t, &t, &z_100); /* z^(2^200 - 1) */
	fe_sq_n(&t, &t, 50);
	fe_mul(out, &t, &z_50); /* z^(2^250 - 1) */
}

/* h = 1/z = z^(p - 2) = z^(2^255 - 21); 0 maps to 0. */
static inline void fe_invert(struct fe *h, const struct fe *z)
{
	struct fe t, z11;

	fe_pow2_250_1(&t, &z11, z);
	fe_sq_n(&t, &t, 5); /* z^(2^255 - 32) */
	fe_mul(h, &t, &z11);
}

/* h = z^((p - 5) / 8) = z^(2^252 - 3), for square roots. */
static inline void fe_pow22523(struct fe *h, const struct fe *z)
{
	struct fe t, z11;

	fe_pow2_250_1(&t, &z11, z);
	fe_sq_n(&t, &t, 2); /* z^(2^252 - 4) */
	fe_mul(h, &t, z);
}

static inline uint64_t fe_load64_le(const uint8_t *p)
{
	uint64_t x = 0;

	for (int i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

static inline void fe_store64_le(uint8_t *p, uint64_t x)
{
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)x;
		x >>= 8;
	}
}

/*
 * Load 32 little-endian bytes, ignoring bit 255.  Values p..2^255-1 are
 * kept as they are (they act as 0..18); callers that must reject them
 * check first.
 */
static inline void fe_frombytes(struct fe *h, const uint8_t s[32])
{
	uint64_t w0 = fe_load64_le(s), w1 = fe_load64_le(s + 8);
	uint64_t w2 = fe_load64_le(s + 16), w3 = fe_load64_le(s + 24);

	h->l[0] = w0 & FE_MASK51;
	h->l[1] = (w0 >> 51 | w1 << 13) & FE_MASK51;
	h->l[2] = (w1 >> 38 | w2 << 26) & FE_MASK51;
	h->l[3] = (w2 >> 25 | w3 << 39) & FE_MASK51;
	h->l[4] = (w3 >> 12) & FE_MASK51;
}

/* Write the canonical encoding (the value in [0, p)), bit 255 clear. */
static inline void fe_tobytes(uint8_t s[32], const struct fe *f)
{
	struct fe h;
	uint64_t q;

	/* Twice, so every limb ends below 2^51 and the value below 2^255. */
	fe_carry(&h, f);
	fe_carry(&h, &h);
	h.l[2] += h.l[1] >> 51;
	h.l[1] &= FE_MASK51;

	/* q = 1 exactly when h >= p, i.e. when h + 19 reaches 2^255. */
	q = (h.l[0] + 19) >> 51;
	q = (h.l[1] + q) >> 51;
	q = (h.l[2] + q) >> 51;
	q = (h.l[3] + q) >> 51;
	q = (h.l[4] + q) >> 51;

	/* h - q p = h + 19 q - q 2^255: add, carry, drop bit 255. */
	h.l[0] += 19 * q;
	h.l[1] += h.l[0] >> 51;
	h.l[0] &= FE_MASK51;
	h.l[2] += h.l[1] >> 51;
	h.l[1] &= FE_MASK51;
	h.l[3] += h.l[2] >> 51;
	h.l[2] &= FE_MASK51;
	h.l[4] += h.l[3] >> 51;
	h.l[3] &= FE_MASK51;
	h.l[4] &= FE_MASK51;

	fe_store64_le(s, h.l[0] | h.l[1] << 51);
	fe_store64_le(s + 8, h.l[1] >> 13 | h.l[2] << 38);
	fe_store64_le(s + 16, h.l[2] >> 26 | h.l[3] << 25);
	fe_store64_le(s + 24, h.l[3] >> 39 | h.l[4] << 12);
}

/* 1 when f is "negative": its canonical value is odd (RFC 8032 5.1.2). */
static inline unsigned int fe_isnegative(const struct fe *f)
{
	uint8_t s[32];

	fe_tobytes(s, f);
	return s[0] & 1;
}

/* true when f = 0 mod p.  Constant time. */
static inline bool fe_iszero(const struct fe *f)
{
	uint8_t s[32];
	uint8_t acc = 0;

	fe_tobytes(s, f);
	for (int i = 0; i < 32; i++)
		acc |= s[i];
	return ((acc - 1u) >> 8) & 1;
}

/* f = g when move is 1, unchanged when 0; constant time. */
static inline void fe_cmov(struct fe *f, const struct fe *g, uint64_t move)
{
	uint64_t mask = 0 - move;

	for (int i = 0; i < 5; i++)
		f->l[i] ^= mask & (f->l[i] ^ g->l[i]);
}
