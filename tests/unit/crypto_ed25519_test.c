/*
 * tests/unit/crypto_ed25519_test.c - lib/crypto/ed25519 against RFC 8032's
 * test vectors (tests/data/ed25519_rfc8032_vectors.txt) and against
 * libsodium: key pairs and signatures must be byte-identical, and every
 * verification verdict, on valid and on hostile input, must agree with
 * crypto_sign_verify_detached() (the policy in ed25519.c's header).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/tree_file.h"
#include <sodium.h>

#include "lib/crypto/ed25519.h"
#include "lib/crypto/sha512.h"

#define VECTORS_PATH "tests/data/ed25519_rfc8032_vectors.txt"
#define DIFF_ROUNDS  10000

/* L, the order of the base point, little-endian (plus the string's NUL). */
static const uint8_t order_l[33] = "\xed\xd3\xf5\x5c\x1a\x63\x12\x58"
				   "\xd6\x9c\xf7\xa2\xde\xf9\xde\x14"
				   "\x00\x00\x00\x00\x00\x00\x00\x00"
				   "\x00\x00\x00\x00\x00\x00\x00\x10";

/*
 * Encodings of small-order points, and non-canonical encodings: y = 0, 1,
 * p - 1, the two order-8 y values, p and p + 1 (= 0 and 1 again), each
 * with the sign bit clear; callers also try it set.
 */
static const char *const small_order_hex[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};
#define N_SMALL_ORDER (sizeof(small_order_hex) / sizeof(small_order_hex[0]))

/* ---- Helpers ---------------------------------------------------------- */

static uint64_t rng_state = 0x6a09e667f3bcc908ULL;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void rng_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rng_next() >> 56);
}

static size_t unhex(uint8_t *out, size_t cap, const char *hex, size_t n)
{
	assert_true(n % 2 == 0 && n / 2 <= cap);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int b;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n / 2;
}

/* out = a + b as 256-bit little-endian numbers (no overflow here). */
static void add256(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
	unsigned int carry = 0;

	for (int i = 0; i < 32; i++) {
		carry += (unsigned int)a[i] + b[i];
		out[i] = (uint8_t)carry;
		carry >>= 8;
	}
}


/* Both implementations' verdicts; they must agree. */
static bool verify_both(const uint8_t sig[64], const uint8_t *msg, size_t len,
			const uint8_t pk[32])
{
	bool ours = ed25519_verify(sig, msg, len, pk);
	bool theirs = crypto_sign_verify_detached(sig, msg, len, pk) == 0;

	if (ours != theirs) {
		char s[129], p[65];

		sodium_bin2hex(s, sizeof(s), sig, 64);
		sodium_bin2hex(p, sizeof(p), pk, 32);
		fail_msg(
		    "verdicts differ (ours %d, libsodium %d): sig %s pk %s "
		    "len %zu",
		    ours, theirs, s, p, len);
	}
	return ours;
}

/* ---- Known answers ---------------------------------------------------- */

/*
 * RFC 8032 section 7.1, TEST 1, 2, 3, 1024 and SHA(abc): public key,
 * signature and verification; each also signed by libsodium, which
 * double-checks the transcription of the file.
 */
static void test_rfc8032_vectors(void **state)
{
	FILE *f = open_tree_file(VECTORS_PATH);
	char *line = malloc(8192);
	int n_vectors = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, 8192, f)) {
		uint8_t seed[32], want_pk[32], want_sig[64], msg[1100];
		uint8_t pk[32], sk[64], sig[64], sodium_pk[32], sodium_sk[64];
		char *field[5], *p = line;
		size_t len;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		for (int i = 0; i < 5; i++) {
			field[i] = p;
			p = strchr(p, ':');
			if (i < 4) {
				assert_non_null(p);
				*p++ = '\0';
			}
		}
		unhex(seed, 32, field[1], strlen(field[1]));
		unhex(want_pk, 32, field[2], strlen(field[2]));
		len = unhex(msg, sizeof(msg), field[3], strlen(field[3]));
		unhex(want_sig, 64, field[4], strlen(field[4]));

		ed25519_keypair_from_seed(seed, pk, sk);
		assert_memory_equal(pk, want_pk, 32);
		assert_memory_equal(sk, seed, 32);
		assert_memory_equal(sk + 32, want_pk, 32);
		ed25519_sign(sig, msg, len, sk);
		assert_memory_equal(sig, want_sig, 64);
		assert_true(ed25519_verify(sig, msg, len, pk));

		crypto_sign_seed_keypair(sodium_pk, sodium_sk, seed);
		assert_memory_equal(sodium_pk, want_pk, 32);
		crypto_sign_detached(sig, NULL, msg, len, sodium_sk);
		assert_memory_equal(sig, want_sig, 64);

		/* Any other message fails. */
		msg[len] = 0;
		assert_false(verify_both(want_sig, msg, len + 1, pk));
		n_vectors++;
	}
	fclose(f);
	free(line);
	assert_int_equal(n_vectors, 5);
}

/* The bootstrap identity key the boot chain pins (ArcOS heritage). */
static void test_bootstrap_key_vector(void **state)
{
	static const char seed[33] = "ArcOS-Bootstrap-Identity-Phase0!";
	uint8_t want[32], pk[32], sk[64];
	const char *hex =
	    "86763cb0b855cd6c1bd99ce38c101679c58acb196e458bfbfe4aa606754819d4";

	(void)state;
	unhex(want, 32, hex, 64);
	ed25519_keypair_from_seed((const uint8_t *)seed, pk, sk);
	assert_memory_equal(pk, want, 32);
}

/* ---- Differential against libsodium ---------------------------------- */

enum mutation {
	MUT_R_BIT,	/* flip one bit of R */
	MUT_S_BIT,	/* flip one bit of S */
	MUT_MSG_BIT,	/* flip one bit of the message */
	MUT_MSG_LEN,	/* one byte more or less */
	MUT_PK_BIT,	/* flip one bit of the public key */
	MUT_PK_RANDOM,	/* 32 random bytes as public key */
	MUT_S_PLUS_L,	/* S + L: same value mod L, non-canonical */
	MUT_S_HIGH,	/* random high bits set in S */
	MUT_R_SMALL,	/* R replaced by a small-order encoding */
	MUT_PK_SMALL,	/* A replaced by a small-order encoding */
	MUT_SIG_RANDOM, /* 64 random bytes as signature */
	MUT_COUNT,
};

/*
 * Damage a valid (sig, msg, pk) in the way m says.  Returns the new message
 * length.
 */
static size_t mutate(enum mutation m, uint8_t sig[64], uint8_t *msg, size_t len,
		     uint8_t pk[32])
{
	unsigned int bit = (unsigned int)(rng_next() % 256);

	switch (m) {
	case MUT_R_BIT:
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		break;
	case MUT_S_BIT:
		sig[32 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		break;
	case MUT_MSG_BIT:
		if (len == 0)
			return 1;
		msg[rng_next() % len] ^= (uint8_t)(1u << (bit % 8));
		break;
	case MUT_MSG_LEN:
		return len == 0 || rng_next() % 2 ? len + 1 : len - 1;
	case MUT_PK_BIT:
		pk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		break;
	case MUT_PK_RANDOM:
		rng_fill(pk, 32);
		break;
	case MUT_S_PLUS_L:
		add256(sig + 32, sig + 32, order_l);
		break;
	case MUT_S_HIGH:
		sig[63] |= (uint8_t)(0x10u << (bit % 4));
		break;
	case MUT_R_SMALL:
	case MUT_PK_SMALL: {
		uint8_t *dst = m == MUT_R_SMALL ? sig : pk;

		unhex(dst, 32, small_order_hex[rng_next() % N_SMALL_ORDER], 64);
		dst[31] |= (uint8_t)((bit & 1) << 7);
		break;
	}
	case MUT_SIG_RANDOM:
		rng_fill(sig, 64);
		break;
	case MUT_COUNT:
		break;
	}
	return len;
}

/*
 * 10,000 random seeds and messages (0 to 300 bytes, some longer): key
 * pairs and signatures byte-identical to libsodium's, the valid signature
 * accepted by both, then two damaged variants per round (each mutation
 * kind in turn) with both verdicts required to agree.
 */
static void test_differential_libsodium(void **state)
{
	uint8_t *msg = malloc(5000);
	unsigned long rejected = 0, mutations = 0;

	(void)state;
	for (int round = 0; round < DIFF_ROUNDS; round++) {
		uint8_t seed[32], pk[32], sk[64], spk[32], ssk[64];
		uint8_t sig[64], ssig[64];
		size_t len = round % 50 == 0 ? (size_t)(rng_next() % 4000)
					     : (size_t)(rng_next() % 301);

		rng_fill(seed, sizeof(seed));
		rng_fill(msg, len);
		ed25519_keypair_from_seed(seed, pk, sk);
		crypto_sign_seed_keypair(spk, ssk, seed);
		assert_memory_equal(pk, spk, 32);
		assert_memory_equal(sk, ssk, 64);

		ed25519_sign(sig, msg, len, sk);
		crypto_sign_detached(ssig, NULL, msg, len, ssk);
		assert_memory_equal(sig, ssig, 64);
		assert_true(verify_both(sig, msg, len, pk));

		for (int k = 0; k < 2; k++) {
			enum mutation m =
			    (enum mutation)((2 * round + k) % MUT_COUNT);
			uint8_t msig[64], mpk[32];
			uint8_t *mmsg = malloc(len + 1);
			size_t mlen;

			memcpy(msig, sig, 64);
			memcpy(mpk, pk, 32);
			memcpy(mmsg, msg, len);
			mmsg[len] = (uint8_t)rng_next();
			mlen = mutate(m, msig, mmsg, len, mpk);
			if (!verify_both(msig, mmsg, mlen, mpk))
				rejected++;
			mutations++;
			free(mmsg);
		}
	}
	print_message("# %d rounds, %lu of %lu damaged inputs rejected\n",
		      DIFF_ROUNDS, rejected, mutations);
	assert_int_equal(rejected, mutations);
	free(msg);
}

/* ---- Targeted rejections ---------------------------------------------- */

/* S >= L is refused even when S mod L would verify (RFC 8032 5.1.7). */
static void test_noncanonical_s_rejected(void **state)
{
	uint8_t seed[32], pk[32], sk[64], sig[64], bad[64];
	const uint8_t msg[] = "non-canonical S";

	(void)state;
	rng_fill(seed, 32);
	ed25519_keypair_from_seed(seed, pk, sk);
	ed25519_sign(sig, msg, sizeof(msg), sk);
	assert_true(verify_both(sig, msg, sizeof(msg), pk));

	memcpy(bad, sig, 64);
	add256(bad + 32, sig + 32, order_l); /* S + L */
	assert_false(verify_both(bad, msg, sizeof(msg), pk));
	memcpy(bad + 32, order_l, 32); /* S = L */
	assert_false(verify_both(bad, msg, sizeof(msg), pk));
	memset(bad + 32, 0xff, 32); /* S = 2^256 - 1 */
	assert_false(verify_both(bad, msg, sizeof(msg), pk));

	/* S = L - 1 is canonical: refused only because the equation fails. */
	memcpy(bad + 32, order_l, 32);
	bad[32] -= 1;
	assert_false(verify_both(bad, msg, sizeof(msg), pk));
}

/*
 * Small-order public keys are refused even when the signature satisfies
 * the verification equation: for A = identity, (R, S) = ([S]B, S) does.
 */
static void test_small_order_public_key_rejected(void **state)
{
	const uint8_t msg[] = "small order key";

	(void)state;
	for (size_t i = 0; i < N_SMALL_ORDER; i++) {
		for (int sign = 0; sign < 2; sign++) {
			uint8_t pk[32], sig[64], s[32];

			unhex(pk, 32, small_order_hex[i], 64);
			pk[31] |= (uint8_t)(sign << 7);
			crypto_core_ed25519_scalar_random(s);
			memcpy(sig + 32, s, 32);
			assert_int_equal(
			    crypto_scalarmult_ed25519_base_noclamp(sig, s), 0);
			assert_false(verify_both(sig, msg, sizeof(msg), pk));
		}
	}
}

/* Small-order R encodings (canonical or not, either sign) are refused. */
static void test_small_order_r_rejected(void **state)
{
	uint8_t seed[32], pk[32], sk[64], sig[64];
	const uint8_t msg[] = "small order R";

	(void)state;
	rng_fill(seed, 32);
	ed25519_keypair_from_seed(seed, pk, sk);
	ed25519_sign(sig, msg, sizeof(msg), sk);
	for (size_t i = 0; i < N_SMALL_ORDER; i++) {
		for (int sign = 0; sign < 2; sign++) {
			uint8_t bad[64];

			memcpy(bad, sig, 64);
			unhex(bad, 32, small_order_hex[i], 64);
			bad[31] |= (uint8_t)(sign << 7);
			assert_false(verify_both(bad, msg, sizeof(msg), pk));
		}
	}
}

/*
 * Public keys with y >= p (the 19 values p .. 2^255 - 1, either sign) are
 * refused without decoding, whatever they would decode to.
 */
static void test_noncanonical_public_key_rejected(void **state)
{
	uint8_t seed[32], pk[32], sk[64], sig[64];
	const uint8_t msg[] = "non-canonical A";

	(void)state;
	rng_fill(seed, 32);
	ed25519_keypair_from_seed(seed, pk, sk);
	ed25519_sign(sig, msg, sizeof(msg), sk);
	for (int k = 0; k < 19; k++) {
		for (int sign = 0; sign < 2; sign++) {
			uint8_t bad[32];

			memset(bad, 0xff, 32);
			bad[0] = (uint8_t)(0xed + k);
			bad[31] = (uint8_t)(0x7f | sign << 7);
			assert_false(verify_both(sig, msg, sizeof(msg), bad));
		}
	}
}

/* Public keys whose y is not on the curve (x^2 has no root) fail. */
static void test_undecodable_public_key_rejected(void **state)
{
	uint8_t sig[64];
	const uint8_t msg[] = "not on the curve";
	int off_curve = 0;

	(void)state;
	rng_fill(sig, 64);
	sig[63] &= 0x0f;
	for (int i = 0; i < 200; i++) {
		uint8_t pk[32];

		rng_fill(pk, 32);
		pk[31] &= 0x7f;
		if (crypto_core_ed25519_is_valid_point(pk))
			continue;
		off_curve++;
		assert_false(verify_both(sig, msg, sizeof(msg), pk));
	}
	assert_true(off_curve > 50);
}

/*
 * Mixed-order keys: A' = A + T with T of order 8.  A signature made with
 * A's scalar satisfies the cofactorless equation for A' exactly when
 * k = H(R || A' || M) mod L is a multiple of 8; both implementations must
 * accept those and refuse the others.
 */
static void test_mixed_order_key_cofactorless(void **state)
{
	uint8_t seed[32], pk[32], sk[64], az[64], a[32], wide[64];
	uint8_t t8[32], pk_mixed[32];
	int accepted = 0, refused = 0;

	(void)state;
	rng_fill(seed, 32);
	ed25519_keypair_from_seed(seed, pk, sk);
	sha512(seed, 32, az);
	az[0] &= 248;
	az[31] &= 127;
	az[31] |= 64;
	memset(wide, 0, 64);
	memcpy(wide, az, 32);
	crypto_core_ed25519_scalar_reduce(a, wide);
	unhex(t8, 32, small_order_hex[3], 64);
	assert_int_equal(crypto_core_ed25519_add(pk_mixed, pk, t8), 0);

	for (int i = 0; i < 96; i++) {
		uint8_t r[32], sig[64], h[64], k[32], ka[32];
		uint8_t msg[8] = {(uint8_t)i, 'm', 'i', 'x', 'e', 'd'};
		crypto_hash_sha512_state st;

		crypto_core_ed25519_scalar_random(r);
		assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(sig, r),
				 0);
		crypto_hash_sha512_init(&st);
		crypto_hash_sha512_update(&st, sig, 32);
		crypto_hash_sha512_update(&st, pk_mixed, 32);
		crypto_hash_sha512_update(&st, msg, sizeof(msg));
		crypto_hash_sha512_final(&st, h);
		crypto_core_ed25519_scalar_reduce(k, h);
		crypto_core_ed25519_scalar_mul(ka, k, a);
		crypto_core_ed25519_scalar_add(sig + 32, r, ka);

		bool want = (k[0] & 7) == 0;

		assert_int_equal(verify_both(sig, msg, sizeof(msg), pk_mixed),
				 want);
		if (want)
			accepted++;
		else
			refused++;
	}
	print_message("# mixed-order key: %d accepted, %d refused\n", accepted,
		      refused);
	assert_true(accepted > 0 && refused > 0);
}

/* ---- API contracts ---------------------------------------------------- */

/* sig may overlap msg; sk may be built in the seed's own buffer. */
static void test_aliasing_buffers(void **state)
{
	uint8_t buf[64], pk[32], sk[64], sig[64], sk2[64], pk2[32];

	(void)state;
	rng_fill(sk2, 32);
	memcpy(buf, sk2, 32);
	ed25519_keypair_from_seed(sk2, pk2, sk2); /* seed inside sk */
	ed25519_keypair_from_seed(buf, pk, sk);
	assert_memory_equal(sk, sk2, 64);
	assert_memory_equal(pk, pk2, 32);

	rng_fill(buf, sizeof(buf));
	ed25519_sign(sig, buf, sizeof(buf), sk);
	ed25519_sign(buf, buf, sizeof(buf), sk); /* in place */
	assert_memory_equal(buf, sig, 64);
}

/* Signing is deterministic and the empty message is a message. */
static void test_deterministic_and_empty(void **state)
{
	uint8_t seed[32] = {7}, pk[32], sk[64], a[64], b[64];

	(void)state;
	ed25519_keypair_from_seed(seed, pk, sk);
	ed25519_sign(a, NULL, 0, sk);
	ed25519_sign(b, "", 0, sk);
	assert_memory_equal(a, b, 64);
	assert_true(ed25519_verify(a, NULL, 0, pk));
	assert_false(ed25519_verify(a, "x", 1, pk));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc8032_vectors),
	    cmocka_unit_test(test_bootstrap_key_vector),
	    cmocka_unit_test(test_differential_libsodium),
	    cmocka_unit_test(test_noncanonical_s_rejected),
	    cmocka_unit_test(test_small_order_public_key_rejected),
	    cmocka_unit_test(test_small_order_r_rejected),
	    cmocka_unit_test(test_noncanonical_public_key_rejected),
	    cmocka_unit_test(test_undecodable_public_key_rejected),
	    cmocka_unit_test(test_mixed_order_key_cofactorless),
	    cmocka_unit_test(test_aliasing_buffers),
	    cmocka_unit_test(test_deterministic_and_empty),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
