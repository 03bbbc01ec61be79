/*
 * kernel/fs/objdisk_format.h - the on-disk object store format, version 1.
 *
 * Byte layout (spec storage.md §6, ADR-010; all integers little-endian):
 *   LBA 0          superblock
 *   LBA 1 + 2i     header of slot i   (the record; commit point)
 *   LBA 2 + 2i     content of slot i  (content_len bytes, zero padded)
 * A slot is occupied iff its header carries the record magic and a valid
 * checksum.  checksum8(x) = the first 8 bytes of Blake3-256(x), taken over
 * bytes [0, 4088) of the block and stored at 4088.
 *
 * These are pure functions over 4096-byte buffers: no device, no state.
 * Every decoder treats its input as hostile.  docs/storage.md has the
 * tables.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/fs/object.h"

#define OBJDISK_BLOCK_SIZE    4096u
#define OBJDISK_VERSION	      1u
#define OBJDISK_MAX_SLOTS     4096u	 /**< slot limit of format v1 */
#define OBJDISK_MIN_BLOCKS    3u	 /**< superblock + one slot */
#define OBJDISK_SB_MAGIC      "ARCOBJ00" /**< 8 bytes, no NUL on disk */
#define OBJDISK_REC_MAGIC     "ARCOREC1" /**< 8 bytes, no NUL on disk */
#define OBJDISK_MAGIC_SIZE    8u
#define OBJDISK_CHECKSUM_SIZE 8u

/** Superblock byte offsets. */
enum objdisk_sb_off {
	OBJDISK_SB_MAGIC_OFF = 0,
	OBJDISK_SB_VERSION_OFF = 8,	/**< u32 */
	OBJDISK_SB_CAPACITY_OFF = 12,	/**< u64 slots */
	OBJDISK_SB_GENERATION_OFF = 20, /**< u64 */
	OBJDISK_SB_CREATED_OFF = 28,	/**< u64 ticks at format */
	OBJDISK_SB_RESERVED_OFF = 36,	/**< zero up to the checksum */
	OBJDISK_SB_CHECKSUM_OFF = 4088, /**< checksum8 of [0, 4088) */
};

/** Record header byte offsets. */
enum objdisk_rec_off {
	OBJDISK_REC_MAGIC_OFF = 0,
	OBJDISK_REC_LEN_OFF = 8,	    /**< u32 content_len */
	OBJDISK_REC_HASH_OFF = 12,	    /**< 32 bytes */
	OBJDISK_REC_AUTHOR_OFF = 44,	    /**< 32 bytes */
	OBJDISK_REC_OWNER_OFF = 76,	    /**< 32 bytes */
	OBJDISK_REC_SIG_ALGO_OFF = 108,	    /**< u8 */
	OBJDISK_REC_LINEAGE_FLAG_OFF = 109, /**< u8, 0 or 1 */
	OBJDISK_REC_ACL_COUNT_OFF = 110,    /**< u16 */
	OBJDISK_REC_CREATED_OFF = 112,	    /**< u64 */
	OBJDISK_REC_SIGNATURE_OFF = 120,    /**< 64 bytes */
	OBJDISK_REC_LINEAGE_OFF = 184,	    /**< 32 bytes, zero if absent */
	OBJDISK_REC_ACL_OFF = 216,	    /**< 8 entries of 44 bytes */
	OBJDISK_REC_RESERVED_OFF = 568,	    /**< zero up to the checksum */
	OBJDISK_REC_CHECKSUM_OFF = 4088,    /**< checksum8 of [0, 4088) */
};

/** ACL entry layout inside the record (44 bytes each). */
enum objdisk_acl_off {
	OBJDISK_ACL_ENTRY_SIZE = 44,
	OBJDISK_ACL_PRINCIPAL_OFF = 0, /**< 32 bytes */
	OBJDISK_ACL_EXPIRY_OFF = 32,   /**< u64, 0 = never */
	OBJDISK_ACL_RIGHTS_OFF = 40,   /**< u8 */
	OBJDISK_ACL_PAD_OFF = 41,      /**< 3 zero bytes */
};

/** Superblock fields. */
struct objdisk_super {
	uint32_t version;    /**< OBJDISK_VERSION */
	uint64_t capacity;   /**< slots, 1..OBJDISK_MAX_SLOTS */
	uint64_t generation; /**< bumped by every read-write mount */
	uint64_t created_at; /**< ticks at format */
};

/** What a header block holds. */
enum objdisk_rec_kind {
	OBJDISK_REC_EMPTY = 0, /**< no record magic: the slot is free */
	OBJDISK_REC_TORN,  /**< magic but bad checksum: a torn write, free */
	OBJDISK_REC_VALID, /**< a well-formed record */
	OBJDISK_REC_MALFORMED, /**< checksum fine, fields out of range */
};

/** LBA of slot @slot's header block. */
static inline uint64_t objdisk_header_lba(uint64_t slot)
{
	return 1 + 2 * slot;
}

/** LBA of slot @slot's content block. */
static inline uint64_t objdisk_content_lba(uint64_t slot)
{
	return 2 + 2 * slot;
}

/** Blocks a store of @slots slots occupies: 1 + 2 * slots. */
static inline uint64_t objdisk_blocks_needed(uint64_t slots)
{
	return 1 + 2 * slots;
}

/**
 * Slots a device of @blocks blocks can hold: min((blocks - 1) / 2, 4096)
 * (spec §5), 0 when @blocks < OBJDISK_MIN_BLOCKS.
 */
uint64_t objdisk_slots_for_blocks(uint64_t blocks);

/** checksum8 of bytes [0, 4088) of @blk into @out. */
void objdisk_checksum8(const uint8_t *blk, uint8_t out[OBJDISK_CHECKSUM_SIZE]);

/** Fill @blk (4096 bytes) with the superblock @sb, checksum included. */
void objdisk_super_encode(const struct objdisk_super *sb, uint8_t *blk);

/**
 * Decode the superblock in @blk into @sb.  Returns
 *   0          valid;
 *   -EBLANK    the magic is all zero (an unformatted device);
 *   -ECORRUPT  wrong magic, bad checksum, non-zero reserved bytes, or a
 *              capacity of 0 or above OBJDISK_MAX_SLOTS;
 *   -EVERSION  magic fine but version is not OBJDISK_VERSION.
 * With a @scratch block (4096 bytes, clobbered) a superblock torn while a
 * mount was bumping its generation (a prefix of the new block written over
 * the old one) is recognised and decoded as the old one, and *@recovered
 * (if not NULL) is set true; otherwise it is set false.  With @scratch
 * NULL such a block is -ECORRUPT.
 */
__must_check int objdisk_super_decode(const uint8_t *blk, uint8_t *scratch,
				      struct objdisk_super *sb,
				      bool *recovered);

/**
 * Fill @blk with the header record of @obj, which must have passed
 * cambi_object_validate().  Only acl_count entries and, when has_lineage,
 * the lineage are written; everything else is zero.
 */
void objdisk_record_encode(const struct cambi_object *obj, uint8_t *blk);

/**
 * Classify the header block @blk and, for OBJDISK_REC_VALID, decode its
 * metadata into @out (content_len and content_hash included; content[] is
 * left alone).  A record is malformed when, with a valid checksum,
 * content_len > 4096, sig_algo > 1, the lineage flag is not 0/1, lineage
 * bytes are set without the flag, acl_count > 8, an entry has undefined
 * rights or non-zero padding, an unused entry is not zero, or the reserved
 * tail is not zero.  @out may be modified for every kind.
 */
enum objdisk_rec_kind objdisk_record_decode(const uint8_t *blk,
					    struct cambi_object *out);

/** Fill @blk with @obj's content followed by zero padding. */
void objdisk_content_encode(const struct cambi_object *obj, uint8_t *blk);
