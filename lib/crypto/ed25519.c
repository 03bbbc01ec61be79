/*
 * lib/crypto/ed25519.c - Ed25519 (RFC 8032 section 5.1).
 *
 * The curve is -x^2 + y^2 = 1 + d x^2 y^2 over GF(p), p = 2^255 - 19, with
 * base point B of prime order
 * L = 2^252 + 27742317777372353535851937790883648493.
 * Points are kept in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z,
 * xy = T/Z, and added and doubled with the formulas of Hisil, Wong, Carter
 * and Dawson, "Twisted Edwards curves revisited" (2008), section 3 (a = -1),
 * which are complete on this curve: no special cases for the identity or
 * for doubling.
 *
 * Verification rules.  This matches libsodium 1.0.18's
 * crypto_sign_verify_detached() decision for decision, so the two can be
 * tested against each other; where RFC 8032 leaves a choice, the stricter
 * side is taken:
 *   1. S must be canonical, S < L (RFC 8032 5.1.7 step 1).
 *   2. R: rejected when its y coordinate (bit 255 ignored, reduced mod p)
 *      is that of a point of small order (order 1, 2, 4 or 8): y = 0, 1,
 *      -1 or +-y8 (the order-8 points).  R is otherwise never decoded: the
 *      check compares the canonical encoding of [S]B - [k]A with the 32
 *      bytes of R, so a non-canonical R (y >= p, or x = 0 with the sign bit
 *      set) or one not on the curve can never match and is rejected.
 *   3. A: rejected when non-canonical (y >= p), when its y is a small-order
 *      y as for R, or when it does not decode (x^2 = (y^2 - 1)/(d y^2 + 1)
 *      has no root).  "x = 0 with the sign bit set" only occurs for y = 1
 *      or -1, both small order.
 *   4. The equation is the cofactorless one, [S]B = R + [k]A, checked as
 *      encode([S]B + [k](-A)) == R.  Mixed-order keys and R (a large-order
 *      point plus a small-order component) are therefore accepted when the
 *      cofactorless equation holds, as in libsodium.
 * k = SHA-512(R || A || M) is reduced mod L before use.
 *
 * Constant time.  Key generation and signing use only data-independent
 * branches and memory addresses: the base-point table is read in full and
 * the wanted entry picked with masks, scalar reduction is Barrett with
 * mask-based final subtractions.  Verification is variable time.
 */
#include "lib/crypto/ed25519.h"

#include "lib/crypto/fe25519.h"
#include "lib/crypto/sha512.h"
#include "lib/klib/string.h"

/* Projective (X:Y:Z), x = X/Z, y = Y/Z: enough for doubling. */
struct ge_p2 {
	struct fe x, y, z;
};

/* Extended (X:Y:Z:T), also T = XY/Z: enough for addition. */
struct ge_p3 {
	struct fe x, y, z, t;
};

/*
 * A sum or double before its final multiplications, named after the
 * E, F, G, H of the formulas: X = EF, Y = GH, Z = FG, T = EH.
 */
struct ge_p1p1 {
	struct fe e, f, g, h;
};

/* An addend prepared from a p3: Y + X, Y - X, Z, 2dT. */
struct ge_cached {
	struct fe ypx, ymx, z, t2d;
};

/* An affine addend (Z = 1): y + x, y - x, 2dxy. */
struct ge_niels {
	struct fe ypx, ymx, xy2d;
};

#include "lib/crypto/ed25519_tables.h"

/* d = -121665/121666, 2d, and sqrt(-1) = 2^((p-1)/4), all mod p. */
static const struct fe ed25519_d = {{0x34dca135978a3ULL, 0x1a8283b156ebdULL,
				     0x5e7a26001c029ULL, 0x739c663a03cbbULL,
				     0x52036cee2b6ffULL}};
static const struct fe ed25519_d2 = {{0x69b9426b2f159ULL, 0x35050762add7aULL,
				      0x3cf44c0038052ULL, 0x6738cc7407977ULL,
				      0x2406d9dc56dffULL}};
static const struct fe ed25519_sqrtm1 = {
    {0x61b274a0ea0b0ULL, 0x0d5a5fc8f189dULL, 0x7ef5e9cbd0c60ULL,
     0x78595a6804c9eULL, 0x2b8324804fc1dULL}};

/*
 * Clear secrets off the stack.  Stores through a volatile pointer are not
 * removed as dead, unlike a memset of a dying buffer.
 */
static void ed25519_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n--)
		*v++ = 0;
}

/* ---- Points ----------------------------------------------------------- */

static void ge_p3_0(struct ge_p3 *h)
{
	fe_0(&h->x);
	fe_1(&h->y);
	fe_1(&h->z);
	fe_0(&h->t);
}

static void ge_p1p1_to_p2(struct ge_p2 *r, const struct ge_p1p1 *p)
{
	fe_mul(&r->x, &p->e, &p->f);
	fe_mul(&r->y, &p->g, &p->h);
	fe_mul(&r->z, &p->f, &p->g);
}

static void ge_p1p1_to_p3(struct ge_p3 *r, const struct ge_p1p1 *p)
{
	fe_mul(&r->x, &p->e, &p->f);
	fe_mul(&r->y, &p->g, &p->h);
	fe_mul(&r->z, &p->f, &p->g);
	fe_mul(&r->t, &p->e, &p->h);
}

static void ge_p3_to_p2(struct ge_p2 *r, const struct ge_p3 *p)
{
	r->x = p->x;
	r->y = p->y;
	r->z = p->z;
}

static void ge_p3_to_cached(struct ge_cached *r, const struct ge_p3 *p)
{
	fe_add(&r->ypx, &p->y, &p->x);
	fe_sub(&r->ymx, &p->y, &p->x);
	r->z = p->z;
	fe_mul(&r->t2d, &p->t, &ed25519_d2);
}

/*
 * r = 2p ("dbl-2008-hwcd" with a = -1).  With A = X^2, B = Y^2,
 * C = 2Z^2: E = (X+Y)^2 - A - B, G = B - A, H = -(A + B), F = G - C.  H and
 * F are kept negated (H' = A + B, F' = C - G), which negates X, Y, Z and T
 * together and so leaves the point unchanged.
 */
static void ge_p2_dbl(struct ge_p1p1 *r, const struct ge_p2 *p)
{
	struct fe a, b, c, t;

	fe_sq(&a, &p->x);
	fe_sq(&b, &p->y);
	fe_sq(&c, &p->z);
	fe_add(&c, &c, &c);    /* loose */
	fe_add(&r->h, &a, &b); /* H', loose */
	fe_add(&t, &p->x, &p->y);
	fe_sq(&t, &t);
	fe_sub_loose(&r->e, &t, &r->h); /* E */
	fe_sub(&r->g, &b, &a);		/* G, loose */
	fe_sub_loose(&r->f, &c, &r->g); /* F', below 2^54 */
}

static void ge_p3_dbl(struct ge_p1p1 *r, const struct ge_p3 *p)
{
	struct ge_p2 q;

	ge_p3_to_p2(&q, p);
	ge_p2_dbl(r, &q);
}

/*
 * The tail shared by every addition ("add-2008-hwcd-3"): given
 * A = (Y1-X1)(Y2-X2), B = (Y1+X1)(Y2+X2), C = 2d T1 T2 and D2 = 2 Z1 Z2,
 * E = B - A, F = D2 - C, G = D2 + C, H = B + A.  Subtracting the second
 * point instead swaps the roles of F and G (its C changes sign).
 */
static void ge_add_tail(struct ge_p1p1 *r, const struct fe *a,
			const struct fe *b, const struct fe *c,
			const struct fe *d2, bool sub)
{
	fe_sub(&r->e, b, a);
	fe_add(&r->h, b, a);
	if (sub) {
		fe_add(&r->f, d2, c);
		fe_sub(&r->g, d2, c);
	} else {
		fe_sub(&r->f, d2, c);
		fe_add(&r->g, d2, c);
	}
}

/* r = p + q (sub false) or p - q (sub true).  Variable time in sub. */
static void ge_add_cached(struct ge_p1p1 *r, const struct ge_p3 *p,
			  const struct ge_cached *q, bool sub)
{
	struct fe a, b, c, d, t;

	/* -q has Y+X and Y-X swapped and T negated. */
	fe_sub(&t, &p->y, &p->x);
	fe_mul(&a, &t, sub ? &q->ypx : &q->ymx);
	fe_add(&t, &p->y, &p->x);
	fe_mul(&b, &t, sub ? &q->ymx : &q->ypx);
	fe_mul(&c, &p->t, &q->t2d);
	fe_mul(&d, &p->z, &q->z);
	fe_add(&d, &d, &d);
	ge_add_tail(r, &a, &b, &c, &d, sub);
}

/* r = p + q or p - q for an affine q ("madd": Z2 = 1). */
static void ge_madd(struct ge_p1p1 *r, const struct ge_p3 *p,
		    const struct ge_niels *q, bool sub)
{
	struct fe a, b, c, d, t;

	fe_sub(&t, &p->y, &p->x);
	fe_mul(&a, &t, sub ? &q->ypx : &q->ymx);
	fe_add(&t, &p->y, &p->x);
	fe_mul(&b, &t, sub ? &q->ymx : &q->ypx);
	fe_mul(&c, &p->t, &q->xy2d);
	fe_add(&d, &p->z, &p->z);
	ge_add_tail(r, &a, &b, &c, &d, sub);
}

/* Encode (RFC 8032 5.1.2): y, with the parity of x in bit 255. */
static void ge_tobytes(uint8_t s[32], const struct fe *x, const struct fe *y,
		       const struct fe *z)
{
	struct fe zinv, ax, ay;

	fe_invert(&zinv, z);
	fe_mul(&ax, x, &zinv);
	fe_mul(&ay, y, &zinv);
	fe_tobytes(s, &ay);
	s[31] |= (uint8_t)(fe_isnegative(&ax) << 7);
}

/* true when the 255-bit y of s (bit 255 ignored) is p or more. */
static bool ed25519_y_noncanonical(const uint8_t s[32])
{
	if ((s[31] & 0x7f) != 0x7f)
		return false;
	for (int i = 30; i > 0; i--)
		if (s[i] != 0xff)
			return false;
	return s[0] >= 0xed;
}

/*
 * Decode a point (RFC 8032 5.1.3), variable time.  Fails when y >= p, when
 * x^2 = u/v = (y^2 - 1)/(d y^2 + 1) is not a square, and for x = 0 with
 * the sign bit set.
 */
static bool ge_frombytes_vartime(struct ge_p3 *h, const uint8_t s[32])
{
	struct fe u, v, v3, vxx, t;
	unsigned int sign = s[31] >> 7;

	if (ed25519_y_noncanonical(s))
		return false;
	fe_frombytes(&h->y, s);
	fe_1(&h->z);
	fe_sq(&u, &h->y);
	fe_mul(&v, &u, &ed25519_d);
	fe_sub(&u, &u, &h->z);
	fe_carry(&u, &u); /* u = y^2 - 1 */
	fe_add(&v, &v, &h->z);
	fe_carry(&v, &v); /* v = d y^2 + 1 */

	/* x = u v^3 (u v^7)^((p-5)/8), a root of u/v up to sqrt(-1). */
	fe_sq(&v3, &v);
	fe_mul(&v3, &v3, &v);
	fe_sq(&t, &v3);
	fe_mul(&t, &t, &v);
	fe_mul(&t, &t, &u);
	fe_pow22523(&t, &t);
	fe_mul(&t, &t, &v3);
	fe_mul(&h->x, &t, &u);

	fe_sq(&vxx, &h->x);
	fe_mul(&vxx, &vxx, &v);
	fe_sub(&t, &vxx, &u);
	if (!fe_iszero(&t)) {
		fe_add(&t, &vxx, &u);
		if (!fe_iszero(&t))
			return false;
		fe_mul(&h->x, &h->x, &ed25519_sqrtm1);
	}
	if (fe_iszero(&h->x) && sign)
		return false;
	if (fe_isnegative(&h->x) != sign) {
		fe_neg(&h->x, &h->x);
		fe_carry(&h->x, &h->x);
	}
	fe_mul(&h->t, &h->x, &h->y);
	return true;
}

/*
 * Canonical y of the points of order 1, 2, 4 and 8: 0, 1, p - 1, and the
 * two order-8 values y8 and p - y8.
 */
static const uint8_t ed25519_small_order_y[5][32] = {
    {0},
    {1},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
};

/* true when s encodes (or would encode) a point of small order. */
static bool ed25519_has_small_order(const uint8_t s[32])
{
	struct fe y;
	uint8_t c[32];

	fe_frombytes(&y, s);
	fe_tobytes(c, &y);
	for (int i = 0; i < 5; i++)
		if (memcmp(c, ed25519_small_order_y[i], 32) == 0)
			return true;
	return false;
}

/* ---- Fixed-base multiplication, constant time ------------------------- */

/* 1 when a == b, else 0, without branches. */
static uint64_t ct_eq8(uint8_t a, uint8_t b)
{
	uint32_t x = (uint32_t)(a ^ b);

	return (uint64_t)((x - 1) >> 31);
}

/*
 * t = b * ed25519_base_comb[i][0] for a digit b in [-8, 8], reading all
 * eight entries so the address pattern does not depend on b.
 */
static void ge_select_base(struct ge_niels *t, int i, int8_t b)
{
	uint8_t ub = (uint8_t)b;
	uint8_t neg = ub >> 7;
	uint8_t babs = (uint8_t)((ub ^ (uint8_t)(0 - neg)) + neg);
	struct ge_niels minus;

	fe_1(&t->ypx);
	fe_1(&t->ymx);
	fe_0(&t->xy2d);
	for (int j = 0; j < 8; j++) {
		uint64_t hit = ct_eq8(babs, (uint8_t)(j + 1));

		fe_cmov(&t->ypx, &ed25519_base_comb[i][j].ypx, hit);
		fe_cmov(&t->ymx, &ed25519_base_comb[i][j].ymx, hit);
		fe_cmov(&t->xy2d, &ed25519_base_comb[i][j].xy2d, hit);
	}
	/* -(x, y) = (-x, y): swap y+x and y-x, negate 2dxy. */
	minus.ypx = t->ymx;
	minus.ymx = t->ypx;
	fe_neg(&minus.xy2d, &t->xy2d);
	fe_cmov(&t->ypx, &minus.ypx, neg);
	fe_cmov(&t->ymx, &minus.ymx, neg);
	fe_cmov(&t->xy2d, &minus.xy2d, neg);
}

/*
 * Signed radix 16: a = sum e[i] 16^i with every e[i] in [-8, 8].  Needs
 * a < 2^255 (a[31] <= 127), which clamped and reduced scalars satisfy.
 */
static void ed25519_radix16(int8_t e[64], const uint8_t a[32])
{
	int carry = 0;

	for (int i = 0; i < 32; i++) {
		e[2 * i] = (int8_t)(a[i] & 15);
		e[2 * i + 1] = (int8_t)(a[i] >> 4);
	}
	for (int i = 0; i < 63; i++) {
		int d = e[i] + carry;

		/* d is in [0, 16]: no shift of a negative number. */
		carry = (d + 8) >> 4;
		e[i] = (int8_t)(d - (carry << 4));
	}
	e[63] = (int8_t)(e[63] + carry);
}

/*
 * h = a B.  With digits e of a, split by position n = 8 i + k:
 * a B = sum_k 16^k sum_i e[8i + k] (2^(32 i) B), so eight tables of
 * 2^(32 i) B multiples serve all 64 digits with 7 x 4 doublings.
 */
static void ge_scalarmult_base(struct ge_p3 *h, const uint8_t a[32])
{
	int8_t e[64];
	struct ge_p1p1 r;
	struct ge_p2 s;
	struct ge_niels t;

	ed25519_radix16(e, a);
	ge_p3_0(h);
	for (int k = 7; k >= 0; k--) {
		if (k != 7) {
			ge_p3_dbl(&r, h);
			for (int j = 0; j < 3; j++) {
				ge_p1p1_to_p2(&s, &r);
				ge_p2_dbl(&r, &s);
			}
			ge_p1p1_to_p3(h, &r);
		}
		for (int i = 0; i < 8; i++) {
			ge_select_base(&t, i, e[8 * i + k]);
			ge_madd(&r, h, &t, false);
			ge_p1p1_to_p3(h, &r);
		}
	}
	ed25519_wipe(e, sizeof(e));
}

/* ---- Double-base multiplication for verification, variable time ------ */

#define ED25519_NAF_LEN 264 /* 256 bits plus room for a final carry */

/*
 * Width-w NAF of a 256-bit scalar: s = sum naf[i] 2^i, every nonzero digit
 * odd with |digit| < 2^(w-1), and any w consecutive digits hold at most
 * one nonzero.  Returns the index of the top nonzero digit, or -1.
 */
static int ed25519_wnaf(int8_t naf[ED25519_NAF_LEN], const uint8_t s[32], int w)
{
	int carry = 0, top = -1;

	memset(naf, 0, ED25519_NAF_LEN);
	for (int i = 0; i < ED25519_NAF_LEN;) {
		int bit = i < 256 ? (s[i >> 3] >> (i & 7)) & 1 : 0;

		if (bit == carry) {
			/* Digit 0; 1 + carry 1 passes the carry on. */
			i++;
			continue;
		}
		int win = carry;

		for (int j = 0; j < w && i + j < 256; j++)
			win += ((s[(i + j) >> 3] >> ((i + j) & 7)) & 1) << j;
		if (win >= 1 << (w - 1)) {
			naf[i] = (int8_t)(win - (1 << w));
			carry = 1;
		} else {
			naf[i] = (int8_t)win;
			carry = 0;
		}
		top = i;
		i += w;
	}
	return top;
}

/*
 * r = a A + b B (Straus: one doubling chain, both scalars in NAF form).  A's
 * odd multiples up to 15 A are computed here; B's, up to 127 B, are in
 * ed25519_base_odd.  Kept out of line: its 2 KiB frame then does not add to
 * the caller's.
 */
__attribute__((noinline)) static void
ge_double_scalarmult_vartime(struct ge_p2 *r, const uint8_t a[32],
			     const struct ge_p3 *A, const uint8_t b[32])
{
	int8_t naf_a[ED25519_NAF_LEN], naf_b[ED25519_NAF_LEN];
	struct ge_cached ai[8]; /* A, 3A, 5A, ..., 15A */
	struct ge_p1p1 t;
	struct ge_p3 u, a2;
	int top_a = ed25519_wnaf(naf_a, a, 5);
	int top_b = ed25519_wnaf(naf_b, b, 8);

	ge_p3_to_cached(&ai[0], A);
	ge_p3_dbl(&t, A);
	ge_p1p1_to_p3(&a2, &t);
	for (int i = 1; i < 8; i++) {
		ge_add_cached(&t, &a2, &ai[i - 1], false);
		ge_p1p1_to_p3(&u, &t);
		ge_p3_to_cached(&ai[i], &u);
	}

	fe_0(&r->x);
	fe_1(&r->y);
	fe_1(&r->z);
	for (int i = top_a > top_b ? top_a : top_b; i >= 0; i--) {
		int da = naf_a[i], db = naf_b[i];

		ge_p2_dbl(&t, r);
		if (da) {
			ge_p1p1_to_p3(&u, &t);
			ge_add_cached(&t, &u, &ai[(da < 0 ? -da : da) / 2],
				      da < 0);
		}
		if (db) {
			ge_p1p1_to_p3(&u, &t);
			ge_madd(&t, &u,
				&ed25519_base_odd[(db < 0 ? -db : db) / 2],
				db < 0);
		}
		ge_p1p1_to_p2(r, &t);
	}
}

/* ---- Scalars mod L ---------------------------------------------------- */

/* L and floor(2^512 / L), as 64-bit limbs, least significant first. */
static const uint64_t sc_l[5] = {
    0x5812631a5cf5d3edULL, 0x14def9dea2f79cd6ULL, 0, 0x1000000000000000ULL, 0,
};
static const uint64_t sc_mu[5] = {
    0xed9ce5a30a2c131bULL,
    0x2106215d086329a7ULL,
    0xffffffffffffffebULL,
    0xffffffffffffffffULL,
    0xfULL,
};

/* r[0 .. na+nb) = a * b, schoolbook, constant time. */
static void sc_mul(uint64_t *r, const uint64_t *a, int na, const uint64_t *b,
		   int nb)
{
	for (int i = 0; i < na + nb; i++)
		r[i] = 0;
	for (int i = 0; i < na; i++) {
		uint64_t carry = 0;

		for (int j = 0; j < nb; j++) {
			fe_u128 t = (fe_u128)a[i] * b[j] + r[i + j] + carry;

			r[i + j] = (uint64_t)t;
			carry = (uint64_t)(t >> 64);
		}
		r[i + nb] = carry;
	}
}

/* r -= L when r >= L (r has 5 limbs); constant time. */
static void sc_csub_l(uint64_t r[5])
{
	uint64_t t[5], borrow = 0, keep;

	for (int i = 0; i < 5; i++) {
		fe_u128 d = (fe_u128)r[i] - sc_l[i] - borrow;

		t[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	keep = 0 - borrow; /* all ones when r < L */
	for (int i = 0; i < 5; i++)
		r[i] = (r[i] & keep) | (t[i] & ~keep);
}

/*
 * out = x mod L for a 512-bit x (8 limbs), by Barrett reduction with base
 * 2^64 and k = 4 (Handbook of Applied Cryptography, algorithm 14.42):
 * q = floor(floor(x / 2^192) mu / 2^320) is at most 2 below x / L, so
 * x - q L lies in [0, 3L) and two conditional subtractions finish.
 */
static void sc_reduce_limbs(uint8_t out[32], const uint64_t x[8])
{
	uint64_t q[10], ql[10], r[5], borrow = 0;

	sc_mul(q, x + 3, 5, sc_mu, 5);
	sc_mul(ql, q + 5, 5, sc_l, 5);
	for (int i = 0; i < 5; i++) {
		fe_u128 d = (fe_u128)x[i] - ql[i] - borrow;

		r[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	sc_csub_l(r);
	sc_csub_l(r);
	for (int i = 0; i < 4; i++)
		fe_store64_le(out + 8 * i, r[i]);
	ed25519_wipe(q, sizeof(q));
	ed25519_wipe(ql, sizeof(ql));
	ed25519_wipe(r, sizeof(r));
}

/* out = (64-byte little-endian s) mod L. */
static void sc_reduce(uint8_t out[32], const uint8_t s[64])
{
	uint64_t x[8];

	for (int i = 0; i < 8; i++)
		x[i] = fe_load64_le(s + 8 * i);
	sc_reduce_limbs(out, x);
	ed25519_wipe(x, sizeof(x));
}

/* out = (a b + c) mod L, all 32-byte little-endian. */
static void sc_muladd(uint8_t out[32], const uint8_t a[32], const uint8_t b[32],
		      const uint8_t c[32])
{
	uint64_t al[4], bl[4], x[8], carry = 0;

	for (int i = 0; i < 4; i++) {
		al[i] = fe_load64_le(a + 8 * i);
		bl[i] = fe_load64_le(b + 8 * i);
	}
	sc_mul(x, al, 4, bl, 4);
	/* a b <= (2^256 - 1)^2 and c < 2^256: the sum stays below 2^512. */
	for (int i = 0; i < 8; i++) {
		fe_u128 t = (fe_u128)x[i] + carry +
			    (i < 4 ? fe_load64_le(c + 8 * i) : 0);

		x[i] = (uint64_t)t;
		carry = (uint64_t)(t >> 64);
	}
	sc_reduce_limbs(out, x);
	ed25519_wipe(al, sizeof(al));
	ed25519_wipe(bl, sizeof(bl));
	ed25519_wipe(x, sizeof(x));
}

/* true when the 32-byte s is below L (RFC 8032 5.1.7 step 1). */
static bool sc_is_canonical(const uint8_t s[32])
{
	for (int i = 3; i >= 0; i--) {
		uint64_t w = fe_load64_le(s + 8 * i);

		if (w != sc_l[i])
			return w < sc_l[i];
	}
	return false;
}

/* ---- Signatures ------------------------------------------------------- */

/* RFC 8032 5.1.5 steps 1-2: H(seed), low half clamped into scalar a. */
static void ed25519_expand(uint8_t az[64], const uint8_t seed[32])
{
	sha512(seed, 32, az);
	az[0] &= 248;
	az[31] &= 127;
	az[31] |= 64;
}

void ed25519_keypair_from_seed(const uint8_t seed[ED25519_SEED_LEN],
			       uint8_t pk[ED25519_PUBLIC_KEY_LEN],
			       uint8_t sk[ED25519_SECRET_KEY_LEN])
{
	uint8_t az[64], s[32], a_enc[32];
	struct ge_p3 A;

	memcpy(s, seed, 32); /* seed may alias sk or pk */
	ed25519_expand(az, s);
	ge_scalarmult_base(&A, az);
	ge_tobytes(a_enc, &A.x, &A.y, &A.z);
	memcpy(sk, s, 32);
	memcpy(sk + 32, a_enc, 32);
	memcpy(pk, a_enc, 32);
	ed25519_wipe(az, sizeof(az));
	ed25519_wipe(s, sizeof(s));
	ed25519_wipe(&A, sizeof(A));
}

void ed25519_sign(uint8_t sig[ED25519_SIGNATURE_LEN], const void *msg,
		  size_t len, const uint8_t sk[ED25519_SECRET_KEY_LEN])
{
	struct sha512_ctx ctx;
	uint8_t az[64], h[64], r[32], rs[64];
	struct ge_p3 R;

	ed25519_expand(az, sk);

	/* r = H(prefix || M) mod L; R = rB. */
	sha512_init(&ctx);
	sha512_update(&ctx, az + 32, 32);
	sha512_update(&ctx, msg, len);
	sha512_final(&ctx, h);
	sc_reduce(r, h);
	ge_scalarmult_base(&R, r);
	ge_tobytes(rs, &R.x, &R.y, &R.z);

	/* k = H(R || A || M) mod L; S = (r + k a) mod L. */
	sha512_init(&ctx);
	sha512_update(&ctx, rs, 32);
	sha512_update(&ctx, sk + 32, 32);
	sha512_update(&ctx, msg, len);
	sha512_final(&ctx, h);
	sc_reduce(h, h);
	sc_muladd(rs + 32, h, az, r);

	/* Written last: sig may overlap msg, which is hashed twice above. */
	memcpy(sig, rs, 64);
	ed25519_wipe(az, sizeof(az));
	ed25519_wipe(h, sizeof(h));
	ed25519_wipe(r, sizeof(r));
	ed25519_wipe(&R, sizeof(R));
}

/* k = SHA-512(R || A || M) mod L. */
__attribute__((noinline)) static void ed25519_hram(uint8_t k[32],
						   const uint8_t r[32],
						   const uint8_t a[32],
						   const void *msg, size_t len)
{
	struct sha512_ctx ctx;
	uint8_t h[64];

	sha512_init(&ctx);
	sha512_update(&ctx, r, 32);
	sha512_update(&ctx, a, 32);
	sha512_update(&ctx, msg, len);
	sha512_final(&ctx, h);
	sc_reduce(k, h);
}

bool ed25519_verify(const uint8_t sig[ED25519_SIGNATURE_LEN], const void *msg,
		    size_t len, const uint8_t pk[ED25519_PUBLIC_KEY_LEN])
{
	struct ge_p3 A;
	struct ge_p2 R;
	uint8_t k[32], check[32];

	if (!sc_is_canonical(sig + 32))
		return false;
	if (ed25519_has_small_order(sig) || ed25519_has_small_order(pk))
		return false;
	if (!ge_frombytes_vartime(&A, pk))
		return false;
	ed25519_hram(k, sig, pk, msg, len);

	/* R' = S B - k A = S B + k (-A). */
	fe_neg(&A.x, &A.x);
	fe_carry(&A.x, &A.x);
	fe_neg(&A.t, &A.t);
	fe_carry(&A.t, &A.t);
	ge_double_scalarmult_vartime(&R, k, &A, sig + 32);
	ge_tobytes(check, &R.x, &R.y, &R.z);
	return memcmp(check, sig, 32) == 0;
}
