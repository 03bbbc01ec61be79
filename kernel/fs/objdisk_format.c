/*
 * kernel/fs/objdisk_format.c - encoders and hostile-input decoders for the
 * on-disk format v1.
 */
#include "kernel/fs/objdisk_format.h"

#include "lib/crypto/blake3.h"
#include "lib/klib/endian.h"
#include "lib/klib/string.h"
#include "abi/errno.h"

uint64_t objdisk_slots_for_blocks(uint64_t blocks)
{
	uint64_t slots;

	if (blocks < OBJDISK_MIN_BLOCKS)
		return 0;
	slots = (blocks - 1) / 2;
	return slots < OBJDISK_MAX_SLOTS ? slots : OBJDISK_MAX_SLOTS;
}

void objdisk_checksum8(const uint8_t *blk, uint8_t out[OBJDISK_CHECKSUM_SIZE])
{
	uint8_t digest[CAMBI_HASH_SIZE];

	blake3_hash(blk, OBJDISK_SB_CHECKSUM_OFF, digest);
	memcpy(out, digest, OBJDISK_CHECKSUM_SIZE);
}

void objdisk_super_encode(const struct objdisk_super *sb, uint8_t *blk)
{
	memset(blk, 0, OBJDISK_BLOCK_SIZE);
	memcpy(blk + OBJDISK_SB_MAGIC_OFF, OBJDISK_SB_MAGIC,
	       OBJDISK_MAGIC_SIZE);
	le32_store(blk + OBJDISK_SB_VERSION_OFF, sb->version);
	le64_store(blk + OBJDISK_SB_CAPACITY_OFF, sb->capacity);
	le64_store(blk + OBJDISK_SB_GENERATION_OFF, sb->generation);
	le64_store(blk + OBJDISK_SB_CREATED_OFF, sb->created_at);
	objdisk_checksum8(blk, blk + OBJDISK_SB_CHECKSUM_OFF);
}

/* checksum8 of superblock @blk as if its generation were @gen. */
static void sb_checksum_as(const uint8_t *blk, uint64_t gen, uint8_t *scratch,
			   uint8_t *out)
{
	memcpy(scratch, blk, OBJDISK_BLOCK_SIZE);
	le64_store(scratch + OBJDISK_SB_GENERATION_OFF, gen);
	objdisk_checksum8(scratch, out);
}

/*
 * Was @blk torn while a mount rewrote it with generation + 1?  Every other
 * field is the same in both versions, so a torn block is a prefix of the
 * new one over the old one, cut either inside or after the generation
 * field (old checksum, generation partly or wholly new) or inside the
 * checksum (everything new but the checksum's tail).  Each case names the
 * old generation exactly, so the old checksum proves the block.  On a
 * match *gen is the generation to carry on from.
 */
static bool sb_recover_torn(const uint8_t *blk, uint8_t *scratch, uint64_t *gen)
{
	const uint8_t *stored = blk + OBJDISK_SB_CHECKSUM_OFF;
	uint64_t g = le64_load(blk + OBJDISK_SB_GENERATION_OFF);
	uint8_t ck_old[OBJDISK_CHECKSUM_SIZE], ck_new[OBJDISK_CHECKSUM_SIZE];

	/* Cut at or after the generation field's end: old = g - 1. */
	sb_checksum_as(blk, g - 1, scratch, ck_old);
	if (memcmp(ck_old, stored, OBJDISK_CHECKSUM_SIZE) == 0) {
		*gen = g - 1;
		return true;
	}
	/* Cut t bytes into the field across a carry: low t bytes of new 0. */
	for (unsigned t = 1; t < 8; t++) {
		uint64_t mask = (UINT64_C(1) << (8 * t)) - 1;
		uint8_t ck[OBJDISK_CHECKSUM_SIZE];

		if (g & mask)
			break;
		sb_checksum_as(blk, g | mask, scratch, ck);
		if (memcmp(ck, stored, OBJDISK_CHECKSUM_SIZE) == 0) {
			*gen = g | mask;
			return true;
		}
	}
	/* Cut inside the checksum: its head is new, its tail old. */
	objdisk_checksum8(blk, ck_new);
	for (unsigned t = 1; t < OBJDISK_CHECKSUM_SIZE; t++) {
		if (memcmp(stored, ck_new, t) == 0 &&
		    memcmp(stored + t, ck_old + t, OBJDISK_CHECKSUM_SIZE - t) ==
			0) {
			*gen = g;
			return true;
		}
	}
	return false;
}

int objdisk_super_decode(const uint8_t *blk, uint8_t *scratch,
			 struct objdisk_super *sb, bool *recovered)
{
	uint8_t ck[OBJDISK_CHECKSUM_SIZE];
	uint64_t gen;
	bool torn = false;

	if (recovered)
		*recovered = false;
	if (cambi_is_zero(blk + OBJDISK_SB_MAGIC_OFF, OBJDISK_MAGIC_SIZE))
		return -EBLANK;
	if (memcmp(blk + OBJDISK_SB_MAGIC_OFF, OBJDISK_SB_MAGIC,
		   OBJDISK_MAGIC_SIZE) != 0)
		return -ECORRUPT;
	/*
	 * The version decides the rest of the layout, checksum included, so
	 * it is read first: a newer format is reported as such, not as
	 * damage.
	 */
	if (le32_load(blk + OBJDISK_SB_VERSION_OFF) != OBJDISK_VERSION)
		return -EVERSION;
	gen = le64_load(blk + OBJDISK_SB_GENERATION_OFF);
	objdisk_checksum8(blk, ck);
	if (memcmp(ck, blk + OBJDISK_SB_CHECKSUM_OFF, sizeof(ck)) != 0) {
		if (!scratch || !sb_recover_torn(blk, scratch, &gen))
			return -ECORRUPT;
		torn = true;
	}
	if (!cambi_is_zero(blk + OBJDISK_SB_RESERVED_OFF,
			   OBJDISK_SB_CHECKSUM_OFF - OBJDISK_SB_RESERVED_OFF))
		return -ECORRUPT;
	sb->version = OBJDISK_VERSION;
	sb->capacity = le64_load(blk + OBJDISK_SB_CAPACITY_OFF);
	sb->generation = gen;
	sb->created_at = le64_load(blk + OBJDISK_SB_CREATED_OFF);
	if (sb->capacity == 0 || sb->capacity > OBJDISK_MAX_SLOTS)
		return -ECORRUPT;
	if (recovered)
		*recovered = torn;
	return 0;
}

void objdisk_record_encode(const struct cambi_object *obj, uint8_t *blk)
{
	memset(blk, 0, OBJDISK_BLOCK_SIZE);
	memcpy(blk + OBJDISK_REC_MAGIC_OFF, OBJDISK_REC_MAGIC,
	       OBJDISK_MAGIC_SIZE);
	le32_store(blk + OBJDISK_REC_LEN_OFF, obj->content_len);
	memcpy(blk + OBJDISK_REC_HASH_OFF, obj->content_hash, CAMBI_HASH_SIZE);
	memcpy(blk + OBJDISK_REC_AUTHOR_OFF, obj->author.key,
	       CAMBI_PRINCIPAL_SIZE);
	memcpy(blk + OBJDISK_REC_OWNER_OFF, obj->owner.key,
	       CAMBI_PRINCIPAL_SIZE);
	blk[OBJDISK_REC_SIG_ALGO_OFF] = obj->sig_algo;
	blk[OBJDISK_REC_LINEAGE_FLAG_OFF] = obj->has_lineage ? 1 : 0;
	le16_store(blk + OBJDISK_REC_ACL_COUNT_OFF, obj->acl_count);
	le64_store(blk + OBJDISK_REC_CREATED_OFF, obj->created_at);
	memcpy(blk + OBJDISK_REC_SIGNATURE_OFF, obj->signature, CAMBI_SIG_SIZE);
	if (obj->has_lineage)
		memcpy(blk + OBJDISK_REC_LINEAGE_OFF, obj->lineage,
		       CAMBI_HASH_SIZE);
	for (unsigned i = 0; i < obj->acl_count && i < CAMBI_ACL_MAX; i++) {
		uint8_t *e =
		    blk + OBJDISK_REC_ACL_OFF + i * OBJDISK_ACL_ENTRY_SIZE;

		memcpy(e + OBJDISK_ACL_PRINCIPAL_OFF, obj->acl[i].principal.key,
		       CAMBI_PRINCIPAL_SIZE);
		le64_store(e + OBJDISK_ACL_EXPIRY_OFF, obj->acl[i].expiry);
		e[OBJDISK_ACL_RIGHTS_OFF] = obj->acl[i].rights;
	}
	objdisk_checksum8(blk, blk + OBJDISK_REC_CHECKSUM_OFF);
}

/* Decode ACL entry @i of @blk into @out; false when malformed. */
static bool acl_decode(const uint8_t *blk, unsigned i, bool used,
		       struct cambi_acl_entry *out)
{
	const uint8_t *e =
	    blk + OBJDISK_REC_ACL_OFF + i * OBJDISK_ACL_ENTRY_SIZE;

	if (!used) {
		memset(out, 0, sizeof(*out));
		return cambi_is_zero(e, OBJDISK_ACL_ENTRY_SIZE);
	}
	if (!cambi_is_zero(e + OBJDISK_ACL_PAD_OFF,
			   OBJDISK_ACL_ENTRY_SIZE - OBJDISK_ACL_PAD_OFF))
		return false;
	if (e[OBJDISK_ACL_RIGHTS_OFF] & ~CAMBI_RIGHTS_ALL)
		return false;
	memcpy(out->principal.key, e + OBJDISK_ACL_PRINCIPAL_OFF,
	       CAMBI_PRINCIPAL_SIZE);
	out->expiry = le64_load(e + OBJDISK_ACL_EXPIRY_OFF);
	out->rights = e[OBJDISK_ACL_RIGHTS_OFF];
	return true;
}

enum objdisk_rec_kind objdisk_record_decode(const uint8_t *blk,
					    struct cambi_object *out)
{
	uint8_t ck[OBJDISK_CHECKSUM_SIZE];
	uint8_t flag;
	uint16_t count;

	if (memcmp(blk + OBJDISK_REC_MAGIC_OFF, OBJDISK_REC_MAGIC,
		   OBJDISK_MAGIC_SIZE) != 0)
		return OBJDISK_REC_EMPTY;
	objdisk_checksum8(blk, ck);
	if (memcmp(ck, blk + OBJDISK_REC_CHECKSUM_OFF, sizeof(ck)) != 0)
		return OBJDISK_REC_TORN;

	/* Checksum-valid from here on, but still untrusted. */
	out->content_len = le32_load(blk + OBJDISK_REC_LEN_OFF);
	out->sig_algo = blk[OBJDISK_REC_SIG_ALGO_OFF];
	flag = blk[OBJDISK_REC_LINEAGE_FLAG_OFF];
	count = le16_load(blk + OBJDISK_REC_ACL_COUNT_OFF);
	if (out->content_len > CAMBI_CONTENT_MAX ||
	    out->sig_algo > CAMBI_SIG_MLDSA65 || flag > 1 ||
	    count > CAMBI_ACL_MAX)
		return OBJDISK_REC_MALFORMED;
	if (flag == 0 &&
	    !cambi_is_zero(blk + OBJDISK_REC_LINEAGE_OFF, CAMBI_HASH_SIZE))
		return OBJDISK_REC_MALFORMED;
	if (!cambi_is_zero(blk + OBJDISK_REC_RESERVED_OFF,
			   OBJDISK_REC_CHECKSUM_OFF - OBJDISK_REC_RESERVED_OFF))
		return OBJDISK_REC_MALFORMED;
	for (unsigned i = 0; i < CAMBI_ACL_MAX; i++) {
		if (!acl_decode(blk, i, i < count, &out->acl[i]))
			return OBJDISK_REC_MALFORMED;
	}
	out->has_lineage = flag == 1;
	out->acl_count = count;
	memcpy(out->content_hash, blk + OBJDISK_REC_HASH_OFF, CAMBI_HASH_SIZE);
	memcpy(out->author.key, blk + OBJDISK_REC_AUTHOR_OFF,
	       CAMBI_PRINCIPAL_SIZE);
	memcpy(out->owner.key, blk + OBJDISK_REC_OWNER_OFF,
	       CAMBI_PRINCIPAL_SIZE);
	out->created_at = le64_load(blk + OBJDISK_REC_CREATED_OFF);
	memcpy(out->signature, blk + OBJDISK_REC_SIGNATURE_OFF, CAMBI_SIG_SIZE);
	memcpy(out->lineage, blk + OBJDISK_REC_LINEAGE_OFF, CAMBI_HASH_SIZE);
	return OBJDISK_REC_VALID;
}

void objdisk_content_encode(const struct cambi_object *obj, uint8_t *blk)
{
	uint32_t len = obj->content_len <= CAMBI_CONTENT_MAX
			   ? obj->content_len
			   : CAMBI_CONTENT_MAX;

	memcpy(blk, obj->content, len);
	memset(blk + len, 0, OBJDISK_BLOCK_SIZE - len);
}
