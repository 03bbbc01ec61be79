/*
 * kernel/fs/object.c - hashing, signing and validation of CambiObjects.
 */
#include "kernel/fs/object.h"

#include "lib/crypto/blake3.h"
#include "lib/crypto/ed25519.h"
#include "lib/klib/string.h"
#include "abi/errno.h"

void cambi_hash(const void *data, size_t len, uint8_t out[CAMBI_HASH_SIZE])
{
	blake3_hash(data, len, out);
}

bool cambi_is_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= b[i];
	return acc == 0;
}

bool cambi_object_is_signed(const struct cambi_object *obj)
{
	return !cambi_is_zero(obj->signature, sizeof(obj->signature));
}

int cambi_object_init(struct cambi_object *obj, const void *content, size_t len)
{
	memset(obj, 0, sizeof(*obj));
	if (len > CAMBI_CONTENT_MAX)
		return -ERANGE;
	if (len > 0)
		memcpy(obj->content, content, len);
	obj->content_len = (uint32_t)len;
	cambi_hash(obj->content, len, obj->content_hash);
	return 0;
}

bool cambi_object_allows(const struct cambi_object *obj,
			 const struct principal *who, unsigned right,
			 uint64_t now)
{
	if (!obj || !who || cambi_is_zero(who->key, CAMBI_PRINCIPAL_SIZE))
		return false;
	if (!memcmp(obj->owner.key, who->key, CAMBI_PRINCIPAL_SIZE))
		return true;
	for (unsigned i = 0; i < obj->acl_count && i < CAMBI_ACL_MAX; i++) {
		const struct cambi_acl_entry *e = &obj->acl[i];

		if (memcmp(e->principal.key, who->key, CAMBI_PRINCIPAL_SIZE) ||
		    !(e->rights & right))
			continue;
		if (e->expiry == 0 || now < e->expiry)
			return true;
	}
	return false;
}

int cambi_object_sign(struct cambi_object *obj,
		      const uint8_t secret[CAMBI_SECRET_SIZE])
{
	if (obj->content_len > CAMBI_CONTENT_MAX)
		return -ERANGE;
	/* Ed25519 secret = 32-byte seed || 32-byte public key (spec §2).
	 * The signer is the author; an unset owner becomes the author. */
	memcpy(obj->author.key, secret + 32, CAMBI_PRINCIPAL_SIZE);
	if (cambi_is_zero(obj->owner.key, CAMBI_PRINCIPAL_SIZE))
		obj->owner = obj->author;
	obj->sig_algo = CAMBI_SIG_ED25519;
	ed25519_sign(obj->signature, obj->content, obj->content_len, secret);
	return 0;
}

/* Structure checks that need no cryptography beyond the content hash. */
static int validate_shape(const struct cambi_object *obj)
{
	uint8_t hash[CAMBI_HASH_SIZE];

	if (obj->content_len > CAMBI_CONTENT_MAX)
		return -ERANGE;
	if (obj->acl_count > CAMBI_ACL_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < CAMBI_ACL_MAX; i++) {
		const struct cambi_acl_entry *e = &obj->acl[i];

		if (i < obj->acl_count) {
			if (e->rights & ~CAMBI_RIGHTS_ALL)
				return -EINVAL;
			continue;
		}
		/* Unused entries must be empty: the disk keeps only count. */
		if (e->rights != 0 || e->expiry != 0 ||
		    !cambi_is_zero(e->principal.key, CAMBI_PRINCIPAL_SIZE))
			return -EINVAL;
	}
	if (!obj->has_lineage &&
	    !cambi_is_zero(obj->lineage, sizeof(obj->lineage)))
		return -EINVAL;
	cambi_hash(obj->content, obj->content_len, hash);
	if (memcmp(hash, obj->content_hash, CAMBI_HASH_SIZE) != 0)
		return -EINVAL;
	return 0;
}

/*
 * Signature checks for a signed object (spec §2: zero never verifies).
 * The signature is the author's (docs/storage.md §2: a deviation from
 * the spec's "owner's", equal for every object whose owner is its
 * author); an owner is still required.
 */
static int validate_signature(const struct cambi_object *obj)
{
	if (obj->sig_algo != CAMBI_SIG_ED25519)
		return -ENOSYS;
	if (cambi_is_zero(obj->owner.key, CAMBI_PRINCIPAL_SIZE) ||
	    cambi_is_zero(obj->author.key, CAMBI_PRINCIPAL_SIZE))
		return -EBADSIG;
	if (!ed25519_verify(obj->signature, obj->content, obj->content_len,
			    obj->author.key))
		return -EBADSIG;
	return 0;
}

int cambi_object_validate(const struct cambi_object *obj)
{
	int err = validate_shape(obj);

	if (err)
		return err;
	if (!cambi_object_is_signed(obj)) {
		/* Unsigned: the algorithm byte still has to be a known one. */
		return obj->sig_algo > CAMBI_SIG_MLDSA65 ? -EINVAL : 0;
	}
	return validate_signature(obj);
}

int cambi_object_validate_signed(const struct cambi_object *obj)
{
	int err = validate_shape(obj);

	if (err)
		return err;
	if (!cambi_object_is_signed(obj))
		return -ENOSIG;
	return validate_signature(obj);
}

bool cambi_object_equal(const struct cambi_object *a,
			const struct cambi_object *b)
{
	if (a->content_len != b->content_len || a->acl_count != b->acl_count ||
	    a->sig_algo != b->sig_algo || a->has_lineage != b->has_lineage ||
	    a->created_at != b->created_at)
		return false;
	if (a->content_len > CAMBI_CONTENT_MAX || a->acl_count > CAMBI_ACL_MAX)
		return false;
	if (memcmp(a->content_hash, b->content_hash, CAMBI_HASH_SIZE) != 0 ||
	    memcmp(&a->author, &b->author, sizeof(a->author)) != 0 ||
	    memcmp(&a->owner, &b->owner, sizeof(a->owner)) != 0 ||
	    memcmp(a->signature, b->signature, CAMBI_SIG_SIZE) != 0 ||
	    memcmp(a->lineage, b->lineage, CAMBI_HASH_SIZE) != 0 ||
	    memcmp(a->content, b->content, a->content_len) != 0)
		return false;
	for (unsigned i = 0; i < a->acl_count; i++) {
		const struct cambi_acl_entry *x = &a->acl[i], *y = &b->acl[i];

		if (x->expiry != y->expiry || x->rights != y->rights ||
		    memcmp(&x->principal, &y->principal,
			   sizeof(x->principal)) != 0)
			return false;
	}
	return true;
}
