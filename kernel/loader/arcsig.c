/*
 * kernel/loader/arcsig.c - ARCSIG trailer and signature check (spec
 * security.md §2, §3).
 */
#include "kernel/loader/arcsig.h"

#include "lib/crypto/blake3.h"
#include "lib/crypto/ed25519.h"
#include "lib/klib/string.h"
#include "abi/errno.h"

const uint8_t arcsig_magic[ARCSIG_MAGIC_LEN] = {
    'A', 'R', 'C', 'S', 'I', 'G', 0x01, 0x00,
};

void arcsig_keyring_init(struct arcsig_keyring *kr)
{
	memset(kr, 0, sizeof(*kr));
}

int arcsig_keyring_add(struct arcsig_keyring *kr,
		       const uint8_t key[ARCSIG_KEY_LEN])
{
	static const uint8_t zero[ARCSIG_KEY_LEN];

	if (memcmp(key, zero, ARCSIG_KEY_LEN) == 0)
		return -EINVAL;
	for (uint32_t i = 0; i < kr->count && i < ARCSIG_MAX_KEYS; i++)
		if (memcmp(kr->key[i], key, ARCSIG_KEY_LEN) == 0)
			return -EEXIST;
	if (kr->count >= ARCSIG_MAX_KEYS)
		return -EFULL;
	memcpy(kr->key[kr->count], key, ARCSIG_KEY_LEN);
	kr->count++;
	return 0;
}

bool arcsig_has_trailer(const void *data, size_t len)
{
	const uint8_t *d = data;

	if (len < ARCSIG_TRAILER_LEN)
		return false;
	return memcmp(d + len - ARCSIG_MAGIC_LEN, arcsig_magic,
		      ARCSIG_MAGIC_LEN) == 0;
}

size_t arcsig_payload_len(const void *data, size_t len)
{
	return arcsig_has_trailer(data, len) ? len - ARCSIG_TRAILER_LEN : len;
}

void arcsig_digest(const void *payload, size_t len,
		   uint8_t out[ARCSIG_HASH_LEN])
{
	blake3_hash(payload, len, out);
}

void arcsig_write_trailer(uint8_t out[ARCSIG_TRAILER_LEN],
			  const uint8_t sig[ARCSIG_SIG_LEN])
{
	memcpy(out, sig, ARCSIG_SIG_LEN);
	memcpy(out + ARCSIG_SIG_LEN, arcsig_magic, ARCSIG_MAGIC_LEN);
}

int arcsig_verify(const struct arcsig_keyring *kr, const void *data, size_t len,
		  size_t *payload_len, int *key_index, struct loader_verdict *v)
{
	const uint8_t *d = data;
	uint8_t digest[ARCSIG_HASH_LEN];
	uint8_t sig[ARCSIG_SIG_LEN];
	size_t plen;

	/* §3 step 1: no trailer means unsigned, whatever else is there. */
	if (!arcsig_has_trailer(data, len))
		return loader_verdict_set(v, -ENOSIG,
					  LOADER_DENY_MISSING_SIGNATURE, -1,
					  "no ARCSIG trailer");

	/* §3 step 2: the signature is over BLAKE3 of the bytes before it. */
	plen = len - ARCSIG_TRAILER_LEN;
	memcpy(sig, d + plen, ARCSIG_SIG_LEN);
	arcsig_digest(d, plen, digest);
	for (uint32_t i = 0; i < kr->count && i < ARCSIG_MAX_KEYS; i++) {
		if (!ed25519_verify(sig, digest, sizeof(digest), kr->key[i]))
			continue;
		if (payload_len)
			*payload_len = plen;
		if (key_index)
			*key_index = (int)i;
		return loader_verdict_ok(v);
	}
	return loader_verdict_set(v, -EBADSIG, LOADER_DENY_INVALID_SIGNATURE,
				  -1,
				  kr->count ? "signature not valid for any "
					      "trusted key"
					    : "no trusted key");
}
