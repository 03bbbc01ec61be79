/*
 * kernel/fs/object.h - CambiObject: a signed, content-addressed object.
 *
 * An object is its content plus metadata: who made it (author), who
 * controls it (owner), the author's Ed25519 signature over the raw content,
 * an access list (stored, not enforced), an optional parent (lineage) and a
 * creation tick (spec storage.md §1-2).  Its address is the Blake3-256
 * hash of the content.
 *
 * struct cambi_object carries the content inline, so it is large (about
 * 4.6 KiB): never put one on a kernel stack; take it from the heap or from
 * storage the caller owns.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

#define CAMBI_HASH_SIZE	     32u   /**< Blake3-256 digest */
#define CAMBI_PRINCIPAL_SIZE 32u   /**< Ed25519 public key */
#define CAMBI_SIG_SIZE	     64u   /**< Ed25519 signature */
#define CAMBI_SECRET_SIZE    64u   /**< Ed25519 seed || public key */
#define CAMBI_CONTENT_MAX    4096u /**< content bytes in format v1 */
#define CAMBI_ACL_MAX	     8u	   /**< access-list entries */

/** Signature algorithms (sig_algo). */
enum cambi_sig_algo {
	CAMBI_SIG_ED25519 = 0, /**< the only one implemented */
	CAMBI_SIG_MLDSA65 = 1, /**< reserved; objects using it are refused */
};

/** Access rights in an ACL entry (bit set). */
enum cambi_rights {
	CAMBI_RIGHT_READ = 1u << 0,
	CAMBI_RIGHT_WRITE = 1u << 1,
	CAMBI_RIGHT_EXECUTE = 1u << 2,
	CAMBI_RIGHTS_ALL = 7u, /**< every defined bit */
};

/** An identity: an Ed25519 public key; all zero means "nobody". */
struct principal {
	uint8_t key[CAMBI_PRINCIPAL_SIZE]; /**< raw public key bytes */
};

/** One access-list entry (stored, not enforced in v1). */
struct cambi_acl_entry {
	struct principal principal; /**< who is granted */
	uint64_t expiry; /**< tick after which it lapses; 0 = never */
	uint8_t rights;	 /**< enum cambi_rights bits */
};

/** A CambiObject with its content inline. */
struct cambi_object {
	uint8_t content_hash[CAMBI_HASH_SIZE]; /**< Blake3-256(content) */
	struct principal author;	       /**< creator; signs the content */
	struct principal owner; /**< controller: may read and delete */
	uint8_t sig_algo;	/**< enum cambi_sig_algo */
	bool has_lineage;	/**< lineage is meaningful */
	uint16_t acl_count;	/**< valid entries in acl[], <= CAMBI_ACL_MAX */
	uint64_t created_at;	/**< kernel tick at creation */
	uint8_t signature[CAMBI_SIG_SIZE]; /**< author's; all zero = unsigned */
	uint8_t lineage[CAMBI_HASH_SIZE];  /**< parent's hash; zero if none */
	struct cambi_acl_entry acl[CAMBI_ACL_MAX]; /**< unused entries zero */
	uint32_t content_len; /**< bytes used in content[] */
	uint8_t
	    content[CAMBI_CONTENT_MAX]; /**< the data; zero past content_len */
};

/**
 * Zero @obj, copy @len bytes of @content into it and set content_hash.
 * author, owner, signature and the rest stay zero for the caller to fill.
 * Fails with -ERANGE when @len > CAMBI_CONTENT_MAX (leaving @obj zeroed).
 */
__must_check int cambi_object_init(struct cambi_object *obj,
				   const void *content, size_t len);

/** Blake3-256 of @len bytes at @data into @out. */
void cambi_hash(const void *data, size_t len, uint8_t out[CAMBI_HASH_SIZE]);

/** True when all @len bytes at @p are zero. */
bool cambi_is_zero(const void *p, size_t len);

/** True when the object carries a signature (not all zero). */
bool cambi_object_is_signed(const struct cambi_object *obj);

/**
 * Whether @who may use @obj with @right (one CAMBI_RIGHT_* bit) at tick
 * @now: the owner may do anything; anyone else needs an ACL entry naming
 * it with that right whose expiry is 0 (never) or later than @now.  An
 * all-zero @who (anonymous) is refused everything.  Pure.
 */
bool cambi_object_allows(const struct cambi_object *obj,
			 const struct principal *who, unsigned right,
			 uint64_t now);

/**
 * Sign @obj's content with @secret (64 bytes: seed || public key), setting
 * sig_algo to Ed25519 and author to the key's public half; when owner is
 * zero it becomes the author too.  Fails with -ERANGE when content_len is
 * out of range.  Signing is deterministic.
 */
__must_check int cambi_object_sign(struct cambi_object *obj,
				   const uint8_t secret[CAMBI_SECRET_SIZE]);

/**
 * Check that @obj is well formed and authentic, in this order:
 *   -ERANGE    content_len > CAMBI_CONTENT_MAX;
 *   -EINVAL    content_hash is not Blake3(content); acl_count > 8; rights
 *              bits beyond CAMBI_RIGHTS_ALL; lineage bytes without
 *              has_lineage;
 *   -ENOSYS    signed with an algorithm other than Ed25519;
 *   -EBADSIG   a signature is present but does not verify against author
 *              (an all-zero author or owner never verifies).
 * An unsigned object (all-zero signature) passes.  Returns 0 when valid.
 */
__must_check int cambi_object_validate(const struct cambi_object *obj);

/**
 * Like cambi_object_validate() but also requires a signature: an unsigned
 * object fails with -ENOSIG.
 */
__must_check int cambi_object_validate_signed(const struct cambi_object *obj);

/** Field-by-field equality of two objects, content included. */
bool cambi_object_equal(const struct cambi_object *a,
			const struct cambi_object *b);
