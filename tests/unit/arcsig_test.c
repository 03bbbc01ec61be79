/*
 * tests/unit/arcsig_test.c - ARCSIG trailer and signature verification
 * (kernel/loader/arcsig.c) and the combined check the loader calls
 * (kernel/loader/verify.c): unsigned and short files, every byte tampered,
 * foreign and multiple keys, re-signing, the spec's key test vector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/errno.h"
#include "kernel/loader/arcsig.h"
#include "kernel/loader/elf.h"
#include "kernel/loader/verify.h"
#include "lib/crypto/blake3.h"
#include "lib/crypto/ed25519.h"

#define ELF_LEN	 0x180
#define MAX_FILE (ELF_LEN + 2 * ARCSIG_TRAILER_LEN)

/* A signing key made from a one-byte pattern. */
struct key {
	uint8_t pk[32];
	uint8_t sk[64];
};

static uint8_t file[MAX_FILE];
static struct elf_image img;
static struct elf_plan plan;
static struct loader_verdict verdict;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* A valid x86_64 executable of ELF_LEN bytes: one R+X segment. */
static size_t make_elf(uint8_t *d, uint64_t filesz)
{
	memset(d, 0x90, ELF_LEN);
	memcpy(d,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	memset(d + 7, 0, 9);
	put16(d + 16, 2);
	put16(d + 18, ELF_MACHINE_X86_64);
	put32(d + 20, 1);
	put64(d + 24, 0x400080);
	put64(d + 32, 64);
	put64(d + 40, 0);
	put32(d + 48, 0);
	put16(d + 52, 64);
	put16(d + 54, 56);
	put16(d + 56, 1);
	put16(d + 58, 0);
	put16(d + 60, 0);
	put16(d + 62, 0);
	put32(d + 64, 1);
	put32(d + 68, ELF_PF_R | ELF_PF_X);
	put64(d + 72, 0);
	put64(d + 80, 0x400000);
	put64(d + 88, 0x400000);
	put64(d + 96, filesz);
	put64(d + 104, 0x1000);
	put64(d + 112, 0x1000);
	return ELF_LEN;
}

static struct key key_from(uint8_t pattern)
{
	struct key k;
	uint8_t seed[32];

	memset(seed, pattern, sizeof(seed));
	ed25519_keypair_from_seed(seed, k.pk, k.sk);
	return k;
}

/* Append a trailer for payload d[0, len) signed with k; returns new len. */
static size_t sign(uint8_t *d, size_t len, const struct key *k)
{
	uint8_t digest[ARCSIG_HASH_LEN], sig[ARCSIG_SIG_LEN];

	arcsig_digest(d, len, digest);
	ed25519_sign(sig, digest, sizeof(digest), k->sk);
	arcsig_write_trailer(d + len, sig);
	return len + ARCSIG_TRAILER_LEN;
}

static struct arcsig_keyring ring_of(const struct key *k, unsigned n)
{
	struct arcsig_keyring kr;

	arcsig_keyring_init(&kr);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(arcsig_keyring_add(&kr, k[i].pk), 0);
	return kr;
}

static int verify(const struct arcsig_keyring *kr, const uint8_t *d, size_t len,
		  size_t *plen, int *idx)
{
	memset(&verdict, 0x5A, sizeof(verdict));
	int err = arcsig_verify(kr, d, len, plen, idx, &verdict);

	assert_int_equal(err, verdict.err);
	assert_non_null(verdict.reason);
	return err;
}

/* The spec's dev seed gives the spec's committed public key. */
static void test_spec_key_vector(void **state)
{
	static const uint8_t expect[32] = {
	    0x86, 0x76, 0x3c, 0xb0, 0xb8, 0x55, 0xcd, 0x6c, 0x1b, 0xd9, 0x9c,
	    0xe3, 0x8c, 0x10, 0x16, 0x79, 0xc5, 0x8a, 0xcb, 0x19, 0x6e, 0x45,
	    0x8b, 0xfb, 0xfe, 0x4a, 0xa6, 0x06, 0x75, 0x48, 0x19, 0xd4,
	};
	uint8_t pk[32], sk[64];

	(void)state;
	ed25519_keypair_from_seed(
	    (const uint8_t *)"ArcOS-Bootstrap-Identity-Phase0!", pk, sk);
	assert_memory_equal(pk, expect, 32);
}

/* Keyring: four keys at most, no duplicates, no all-zero key. */
static void test_keyring_limits(void **state)
{
	struct arcsig_keyring kr;
	uint8_t zero[32] = {0};

	(void)state;
	arcsig_keyring_init(&kr);
	assert_int_equal(arcsig_keyring_add(&kr, zero), -EINVAL);
	for (uint8_t i = 0; i < ARCSIG_MAX_KEYS; i++) {
		struct key k = key_from(i + 1);

		assert_int_equal(arcsig_keyring_add(&kr, k.pk), 0);
		assert_int_equal(arcsig_keyring_add(&kr, k.pk), -EEXIST);
	}
	struct key extra = key_from(0x77);

	assert_int_equal(arcsig_keyring_add(&kr, extra.pk), -EFULL);
	assert_int_equal(kr.count, ARCSIG_MAX_KEYS);
}

/* The trailer is exactly signature + "ARCSIG" 01 00. */
static void test_trailer_layout(void **state)
{
	uint8_t sig[64], t[ARCSIG_TRAILER_LEN];

	(void)state;
	for (int i = 0; i < 64; i++)
		sig[i] = (uint8_t)i;
	arcsig_write_trailer(t, sig);
	assert_memory_equal(t, sig, 64);
	assert_memory_equal(t + 64, "ARCSIG\x01\x00", 8);
	assert_true(arcsig_has_trailer(t, sizeof(t)));
	assert_int_equal(arcsig_payload_len(t, sizeof(t)), 0);
	assert_false(arcsig_has_trailer(t, sizeof(t) - 1));
}

/* A good signature verifies and names the ELF part and the key. */
static void test_valid_signature(void **state)
{
	struct key k = key_from(1);
	struct arcsig_keyring kr = ring_of(&k, 1);
	size_t len = sign(file, make_elf(file, ELF_LEN), &k);
	size_t plen = 0;
	int idx = -1;

	(void)state;
	assert_int_equal(verify(&kr, file, len, &plen, &idx), 0);
	assert_int_equal(verdict.deny, LOADER_DENY_NONE);
	assert_int_equal(plen, ELF_LEN);
	assert_int_equal(idx, 0);
	assert_int_equal(arcsig_verify(&kr, file, len, NULL, NULL, NULL), 0);
}

/* The signature is over BLAKE3(payload), not over the payload itself. */
static void test_signature_is_over_blake3_digest(void **state)
{
	struct key k = key_from(1);
	struct arcsig_keyring kr = ring_of(&k, 1);
	size_t len = make_elf(file, ELF_LEN);
	uint8_t sig[64], digest[32], want[32];

	(void)state;
	arcsig_digest(file, len, digest);
	blake3_hash(file, len, want);
	assert_memory_equal(digest, want, 32);
	ed25519_sign(sig, file, len, k.sk); /* raw bytes: wrong */
	arcsig_write_trailer(file + len, sig);
	assert_int_equal(verify(&kr, file, len + 72, NULL, NULL), -EBADSIG);
}

/* No trailer: MissingSignature, even for a perfectly good ELF. */
static void test_unsigned(void **state)
{
	struct key k = key_from(1);
	struct arcsig_keyring kr = ring_of(&k, 1);
	size_t len = make_elf(file, ELF_LEN);

	(void)state;
	assert_int_equal(verify(&kr, file, len, NULL, NULL), -ENOSIG);
	assert_int_equal(verdict.deny, LOADER_DENY_MISSING_SIGNATURE);
	assert_int_equal(loader_verify_binary(&kr, file, len,
					      ELF_MACHINE_X86_64, &img, &plan,
					      NULL, &verdict),
			 -ENOSIG);
}

/* Shorter than a trailer: unsigned, even if it ends with the magic. */
static void test_short_files(void **state)
{
	struct key k = key_from(1);
	struct arcsig_keyring kr = ring_of(&k, 1);

	(void)state;
	for (size_t n = 0; n < ARCSIG_TRAILER_LEN; n++) {
		uint8_t *d = malloc(n ? n : 1); /* exact size for ASan */

		assert_non_null(d);
		memset(d, 0, n);
		if (n >= 8)
			memcpy(d + n - 8, arcsig_magic, 8);
		assert_int_equal(verify(&kr, d, n, NULL, NULL), -ENOSIG);
		assert_int_equal(verdict.deny, LOADER_DENY_MISSING_SIGNATURE);
		assert_int_equal(arcsig_payload_len(d, n), n);
		free(d);
	}
	assert_int_equal(verify(&kr, NULL, 0, NULL, NULL), -ENOSIG);
}

/* An empty signed payload is a valid signature but not a valid ELF. */
static void test_empty_payload(void **state)
{
	struct key k = key_from(1);
	struct arcsig_keyring kr = ring_of(&k, 1);
	size_t len = sign(file, 0, &k);
	size_t plen = 99;

	(void)state;
	assert_int_equal(len, ARCSIG_TRAILER_LEN);
	assert_int_equal(verify(&kr, file, len, &plen, NULL), 0);
	assert_int_equal(plen, 0);
	assert_int_equal(loader_verify_binary(&kr, file, len,
					      ELF_MACHINE_X86_64, &img, &plan,
					      NULL, &verdict),
			 -ETRUNC);
	assert_int_equal(verdict.deny, LOADER_DENY_MALFORMED);
}

/*
 * Flip one bit in every byte of a signed binary: payload and signature
 * bytes give InvalidSignature, magic bytes MissingSignature.  Never OK.
 */
static void test_tamper_every_byte(void **state)
{
	struct key k = key_from(1);
	struct arcsig_keyring kr = ring_of(&k, 1);
	size_t len = sign(file, make_elf(file, ELF_LEN), &k);

	(void)state;
	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = 0; bit < 8; bit += 7) {
			int err;

			file[i] ^= (uint8_t)(1u << bit);
			err = verify(&kr, file, len, NULL, NULL);
			file[i] ^= (uint8_t)(1u << bit);
			if (i >= len - ARCSIG_MAGIC_LEN) {
				assert_int_equal(err, -ENOSIG);
			} else {
				assert_int_equal(err, -EBADSIG);
				assert_int_equal(verdict.deny,
						 LOADER_DENY_INVALID_SIGNATURE);
			}
		}
	}
	assert_int_equal(verify(&kr, file, len, NULL, NULL), 0);
}

/* Extra or missing bytes anywhere break the signature too. */
static void test_truncated_or_extended(void **state)
{
	struct key k = key_from(1);
	struct arcsig_keyring kr = ring_of(&k, 1);
	uint8_t moved[MAX_FILE];
	size_t len = sign(file, make_elf(file, ELF_LEN), &k);

	(void)state;
	/* Drop the payload's first byte: trailer intact, digest differs. */
	memcpy(moved, file + 1, len - 1);
	assert_int_equal(verify(&kr, moved, len - 1, NULL, NULL), -EBADSIG);
	/* Insert a byte before the trailer. */
	memcpy(moved, file, ELF_LEN);
	moved[ELF_LEN] = 0;
	memcpy(moved + ELF_LEN + 1, file + ELF_LEN, ARCSIG_TRAILER_LEN);
	assert_int_equal(verify(&kr, moved, len + 1, NULL, NULL), -EBADSIG);
	/* Garbage after the trailer: no trailer at the end any more. */
	memcpy(moved, file, len);
	moved[len] = 0;
	assert_int_equal(verify(&kr, moved, len + 1, NULL, NULL), -ENOSIG);
}

/* Signed by a key the verifier does not trust, or with no key at all. */
static void test_foreign_key_and_empty_keyring(void **state)
{
	struct key trusted = key_from(1), foreign = key_from(2);
	struct arcsig_keyring kr = ring_of(&trusted, 1);
	size_t len = sign(file, make_elf(file, ELF_LEN), &foreign);

	(void)state;
	assert_int_equal(verify(&kr, file, len, NULL, NULL), -EBADSIG);
	assert_int_equal(verdict.deny, LOADER_DENY_INVALID_SIGNATURE);
	kr = ring_of(NULL, 0);
	assert_int_equal(verify(&kr, file, len, NULL, NULL), -EBADSIG);
	assert_non_null(strstr(verdict.reason, "no trusted key"));
}

/* Any of the four trusted keys is enough; the index says which. */
static void test_multiple_trusted_keys(void **state)
{
	struct key k[4] = {key_from(1), key_from(2), key_from(3), key_from(4)};
	struct arcsig_keyring kr = ring_of(k, 4);
	size_t elf = make_elf(file, ELF_LEN);

	(void)state;
	for (int i = 0; i < 4; i++) {
		int idx = -1;
		size_t len = sign(file, elf, &k[i]);

		assert_int_equal(verify(&kr, file, len, NULL, &idx), 0);
		assert_int_equal(idx, i);
	}
	/* Keys 1..4 trusted but signed by a fifth: refused. */
	struct key other = key_from(5);
	size_t len = sign(file, elf, &other);

	assert_int_equal(verify(&kr, file, len, NULL, NULL), -EBADSIG);
}

/* The signing tool's logic: strip an old trailer, then sign again. */
static void test_resign_strips_old_trailer(void **state)
{
	struct key old = key_from(1), new = key_from(2);
	struct arcsig_keyring kr_old = ring_of(&old, 1);
	struct arcsig_keyring kr_new = ring_of(&new, 1);
	size_t len = sign(file, make_elf(file, ELF_LEN), &old);
	size_t plen = arcsig_payload_len(file, len);

	(void)state;
	assert_int_equal(plen, ELF_LEN);
	len = sign(file, plen, &new);
	assert_int_equal(len, ELF_LEN + ARCSIG_TRAILER_LEN);
	assert_int_equal(verify(&kr_new, file, len, &plen, NULL), 0);
	assert_int_equal(plen, ELF_LEN);
	assert_int_equal(verify(&kr_old, file, len, NULL, NULL), -EBADSIG);
	/* Signing twice with the same key is idempotent in length. */
	len = sign(file, arcsig_payload_len(file, len), &new);
	assert_int_equal(len, ELF_LEN + ARCSIG_TRAILER_LEN);
	assert_int_equal(verify(&kr_new, file, len, NULL, NULL), 0);
}

/* Unaligned buffers verify the same. */
static void test_unaligned(void **state)
{
	struct key k = key_from(1);
	struct arcsig_keyring kr = ring_of(&k, 1);
	static uint8_t shifted[MAX_FILE + 8];
	size_t len = sign(file, make_elf(file, ELF_LEN), &k);

	(void)state;
	for (int s = 1; s < 8; s++) {
		memcpy(shifted + s, file, len);
		assert_int_equal(verify(&kr, shifted + s, len, NULL, NULL), 0);
		assert_int_equal(loader_verify_binary(&kr, shifted + s, len,
						      ELF_MACHINE_X86_64, &img,
						      &plan, NULL, &verdict),
				 0);
	}
}

/* The whole check: signed good ELF loads, with its plan. */
static void test_loader_verify_binary_ok(void **state)
{
	struct key k[2] = {key_from(1), key_from(2)};
	struct arcsig_keyring kr = ring_of(k, 2);
	size_t len = sign(file, make_elf(file, ELF_LEN), &k[1]);
	int idx = -1;

	(void)state;
	assert_int_equal(loader_verify_binary(&kr, file, len,
					      ELF_MACHINE_X86_64, &img, &plan,
					      &idx, &verdict),
			 0);
	assert_int_equal(idx, 1);
	assert_int_equal(verdict.deny, LOADER_DENY_NONE);
	assert_int_equal(img.len, ELF_LEN);
	assert_int_equal(plan.nruns, 1);
	assert_int_equal(plan.run[0].prot, ELF_PF_R | ELF_PF_X);
	assert_int_equal(plan.entry, 0x400080);
	/* Right signature, wrong machine: rejected after the signature. */
	assert_int_equal(loader_verify_binary(&kr, file, len,
					      ELF_MACHINE_AARCH64, &img, &plan,
					      NULL, &verdict),
			 -ENOEXEC);
	assert_int_equal(verdict.deny, LOADER_DENY_MALFORMED);
}

/*
 * The original parsed with the trailer attached, so a segment could claim
 * the signature bytes.  Here bounds use the signed length: refused.
 */
static void test_segment_cannot_reach_into_trailer(void **state)
{
	struct key k = key_from(1);
	struct arcsig_keyring kr = ring_of(&k, 1);
	size_t len =
	    sign(file, make_elf(file, ELF_LEN + ARCSIG_TRAILER_LEN), &k);

	(void)state;
	assert_int_equal(verify(&kr, file, len, NULL, NULL), 0);
	assert_int_equal(loader_verify_binary(&kr, file, len,
					      ELF_MACHINE_X86_64, &img, &plan,
					      NULL, &verdict),
			 -ETRUNC);
	assert_int_equal(verdict.deny, LOADER_DENY_MALFORMED);
}

/* A signed binary that breaks a deny rule is refused with that rule. */
static void test_signed_but_wx(void **state)
{
	struct key k = key_from(1);
	struct arcsig_keyring kr = ring_of(&k, 1);
	size_t len = make_elf(file, ELF_LEN);

	(void)state;
	put32(file + 68, ELF_PF_R | ELF_PF_W | ELF_PF_X);
	len = sign(file, len, &k);
	assert_int_equal(loader_verify_binary(&kr, file, len,
					      ELF_MACHINE_X86_64, &img, &plan,
					      NULL, &verdict),
			 -EPERM);
	assert_int_equal(verdict.deny, LOADER_DENY_WRITE_EXEC);
	assert_string_equal(loader_deny_name(verdict.deny),
			    "WritableAndExecutable");
}

/* Deny names follow the spec's table. */
static void test_deny_names(void **state)
{
	(void)state;
	assert_string_equal(loader_deny_name(0), "EntryPointOutOfRange");
	assert_string_equal(loader_deny_name(3), "OverlappingSegments");
	assert_string_equal(loader_deny_name(6), "MissingSignature");
	assert_string_equal(loader_deny_name(7), "InvalidSignature");
	assert_string_equal(loader_deny_name(LOADER_DENY_NONE), "Allowed");
	assert_string_equal(loader_deny_name(99), "Unknown");
	assert_string_equal(loader_deny_name(-5), "Unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spec_key_vector),
	    cmocka_unit_test(test_keyring_limits),
	    cmocka_unit_test(test_trailer_layout),
	    cmocka_unit_test(test_valid_signature),
	    cmocka_unit_test(test_signature_is_over_blake3_digest),
	    cmocka_unit_test(test_unsigned),
	    cmocka_unit_test(test_short_files),
	    cmocka_unit_test(test_empty_payload),
	    cmocka_unit_test(test_tamper_every_byte),
	    cmocka_unit_test(test_truncated_or_extended),
	    cmocka_unit_test(test_foreign_key_and_empty_keyring),
	    cmocka_unit_test(test_multiple_trusted_keys),
	    cmocka_unit_test(test_resign_strips_old_trailer),
	    cmocka_unit_test(test_unaligned),
	    cmocka_unit_test(test_loader_verify_binary_ok),
	    cmocka_unit_test(test_segment_cannot_reach_into_trailer),
	    cmocka_unit_test(test_signed_but_wx),
	    cmocka_unit_test(test_deny_names),
	};

	return cmocka_run_group_tests_name("arcsig", tests, NULL, NULL);
}
