/*
 * tests/unit/crypto_sha512_test.c - lib/crypto/sha512 against the FIPS
 * 180-4 example messages and against libsodium's crypto_hash_sha512.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "lib/crypto/sha512.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

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

static void unhex(uint8_t *out, const char *hex)
{
	for (size_t i = 0; hex[2 * i]; i++) {
		unsigned int b;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
}

static void check_digest(const void *msg, size_t len, const char *want_hex)
{
	uint8_t want[64], got[64];

	unhex(want, want_hex);
	sha512(msg, len, got);
	assert_memory_equal(got, want, 64);
}

/* FIPS 180-4 example "abc" (one block). */
static void test_fips_abc(void **state)
{
	(void)state;
	check_digest("abc", 3,
		     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee6"
		     "4b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e"
		     "2a9ac94fa54ca49f");
}

/* The empty message: padding alone. */
static void test_empty_message(void **state)
{
	(void)state;
	check_digest("", 0,
		     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921"
		     "d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81"
		     "a538327af927da3e");
}

/* FIPS 180-4 example of 896 bits: the length field needs a second block. */
static void test_fips_896_bit(void **state)
{
	static const char m[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijk"
				"lmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmn"
				"opqrsmnopqrstnopqrstu";

	(void)state;
	assert_int_equal(strlen(m), 112);
	check_digest(m, 112,
		     "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aead"
		     "b6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd2654"
		     "5e96e55b874be909");
}

/* The NIST 448-bit message "abcdbcde...nopq". */
static void test_nist_448_bit(void **state)
{
	static const char m[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	(void)state;
	check_digest(m, strlen(m),
		     "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331"
		     "a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd703"
		     "54ec631238ca3445");
}

/* One million 'a', fed in uneven pieces. */
static void test_million_a(void **state)
{
	static const size_t pieces[] = {1, 127, 128, 129, 1000, 4096, 77777};
	uint8_t want[64], got[64];
	char *buf = malloc(1000000);

	(void)state;
	memset(buf, 'a', 1000000);
	unhex(want, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803"
		    "afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e"
		    "4eadb217ad8cc09b");
	sha512(buf, 1000000, got);
	assert_memory_equal(got, want, 64);
	for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
		struct sha512_ctx ctx;

		sha512_init(&ctx);
		for (size_t o = 0; o < 1000000; o += pieces[p])
			sha512_update(&ctx, buf + o,
				      1000000 - o < pieces[p] ? 1000000 - o
							      : pieces[p]);
		sha512_final(&ctx, got);
		assert_memory_equal(got, want, 64);
	}
	free(buf);
}

/*
 * Every length 0..1100 (all padding cases, around the 112- and 128-byte
 * boundaries many times over) and 400 random lengths up to 64 KiB, random
 * contents, one-shot and in random pieces, against libsodium.
 */
static void test_differential_libsodium(void **state)
{
	size_t max = 65536;
	uint8_t *buf = malloc(max);

	(void)state;
	for (int i = 0; i < 1101 + 400; i++) {
		size_t len = i <= 1100 ? (size_t)i : (size_t)(rng_next() % max);
		uint8_t want[64], got[64];
		struct sha512_ctx ctx;

		rng_fill(buf, len);
		crypto_hash_sha512(want, buf, len);
		sha512(buf, len, got);
		assert_memory_equal(got, want, 64);

		sha512_init(&ctx);
		for (size_t o = 0; o < len;) {
			size_t n = (size_t)(rng_next() % 300);

			if (n > len - o)
				n = len - o;
			sha512_update(&ctx, buf + o, n);
			o += n;
		}
		sha512_final(&ctx, got);
		assert_memory_equal(got, want, 64);
	}
	free(buf);
}

/* final wipes the context; init makes it usable again. */
static void test_context_reuse(void **state)
{
	struct sha512_ctx ctx, zero;
	uint8_t a[64], b[64];

	(void)state;
	memset(&zero, 0, sizeof(zero));
	sha512_init(&ctx);
	sha512_update(&ctx, "abc", 3);
	sha512_final(&ctx, a);
	assert_memory_equal(&ctx, &zero, sizeof(ctx));
	sha512_init(&ctx);
	sha512_update(&ctx, "abc", 3);
	sha512_final(&ctx, b);
	assert_memory_equal(a, b, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fips_abc),
	    cmocka_unit_test(test_empty_message),
	    cmocka_unit_test(test_fips_896_bit),
	    cmocka_unit_test(test_nist_448_bit),
	    cmocka_unit_test(test_million_a),
	    cmocka_unit_test(test_differential_libsodium),
	    cmocka_unit_test(test_context_reuse),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
