/*
 * tests/unit/objstore_disk_test.c - the on-disk format v1, the disk store
 * and its fsck (spec storage.md §5-6, docs/storage.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/fs/blockdev_fault.h"
#include "kernel/fs/objdisk_check.h"
#include "kernel/fs/objdisk_format.h"
#include "kernel/fs/objstore_disk.h"
#include "tests/unit/objstore_testlib.h"

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void set_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Recompute the checksum8 of block @lba after a deliberate edit. */
static void reseal(struct test_disk *d, uint64_t lba)
{
	uint8_t *b = test_block(d, lba);

	objdisk_checksum8(b, b + OBJDISK_SB_CHECKSUM_OFF);
}

static void put_ok(struct test_disk *d, const struct cambi_object *obj)
{
	assert_int_equal(objstore_put(&d->st, obj), 0);
}

/* ---- layout arithmetic ---------------------------------------------- */

/* Slot i lives at LBAs 1 + 2i and 2 + 2i; n slots need 1 + 2n blocks. */
static void test_lba_arithmetic(void **state)
{
	(void)state;
	assert_int_equal(objdisk_header_lba(0), 1);
	assert_int_equal(objdisk_content_lba(0), 2);
	assert_int_equal(objdisk_header_lba(1), 3);
	assert_int_equal(objdisk_content_lba(1), 4);
	assert_int_equal(objdisk_header_lba(4095), 8191);
	assert_int_equal(objdisk_content_lba(4095), 8192);
	assert_int_equal(objdisk_blocks_needed(1), 3);
	assert_int_equal(objdisk_blocks_needed(4096), 8193);
}

/* Capacity = min((blocks - 1) / 2, 4096); under 3 blocks nothing fits. */
static void test_slots_for_blocks(void **state)
{
	(void)state;
	assert_int_equal(objdisk_slots_for_blocks(0), 0);
	assert_int_equal(objdisk_slots_for_blocks(1), 0);
	assert_int_equal(objdisk_slots_for_blocks(2), 0);
	assert_int_equal(objdisk_slots_for_blocks(3), 1);
	assert_int_equal(objdisk_slots_for_blocks(4), 1);
	assert_int_equal(objdisk_slots_for_blocks(5), 2);
	assert_int_equal(objdisk_slots_for_blocks(100), 49);
	assert_int_equal(objdisk_slots_for_blocks(8193), 4096);
	assert_int_equal(objdisk_slots_for_blocks(16384), 4096); /* 64 MiB */
	assert_int_equal(objdisk_slots_for_blocks(UINT64_MAX), 4096);
}

/* ---- superblock codec ----------------------------------------------- */

/* The superblock has its fields at the offsets of spec §6, exactly. */
static void test_superblock_bytes(void **state)
{
	struct objdisk_super sb = {.version = 1,
				   .capacity = 0x0F12,
				   .generation = 0x0102030405060708,
				   .created_at = 0xAABB};
	uint8_t blk[4096], ck[8];
	struct objdisk_super out;
	bool rec = true;

	(void)state;
	objdisk_super_encode(&sb, blk);
	assert_memory_equal(blk, "ARCOBJ00", 8);
	assert_int_equal(blk[8], 1);
	assert_int_equal(blk[9] | blk[10] | blk[11], 0);
	assert_int_equal(le64(blk + 12), 0x0F12);
	assert_int_equal(le64(blk + 20), 0x0102030405060708);
	assert_int_equal(le64(blk + 28), 0xAABB);
	assert_true(cambi_is_zero(blk + 36, 4088 - 36));
	/* checksum8 = first 8 bytes of Blake3-256 of bytes [0, 4088). */
	{
		uint8_t full[32];

		cambi_hash(blk, 4088, full);
		memcpy(ck, full, 8);
	}
	assert_memory_equal(blk + 4088, ck, 8);
	assert_int_equal(objdisk_super_decode(blk, NULL, &out, &rec), 0);
	assert_false(rec);
	assert_int_equal(out.capacity, 0x0F12);
	assert_int_equal(out.generation, 0x0102030405060708);
	assert_int_equal(out.created_at, 0xAABB);
}

/* Every damaged-superblock case gets its own distinct error. */
static void test_superblock_decode_errors(void **state)
{
	struct objdisk_super sb = {
	    .version = 1, .capacity = 10, .generation = 3};
	uint8_t blk[4096], scratch[4096];
	struct objdisk_super out;

	(void)state;
	memset(blk, 0, sizeof(blk));
	blk[100] = 7; /* zero magic is blank even with junk elsewhere */
	assert_int_equal(objdisk_super_decode(blk, scratch, &out, NULL),
			 -EBLANK);

	objdisk_super_encode(&sb, blk);
	blk[0] = 'X';
	assert_int_equal(objdisk_super_decode(blk, scratch, &out, NULL),
			 -ECORRUPT);

	objdisk_super_encode(&sb, blk);
	blk[4095] ^= 1;
	assert_int_equal(objdisk_super_decode(blk, scratch, &out, NULL),
			 -ECORRUPT);

	objdisk_super_encode(&sb, blk);
	blk[13] ^= 1; /* capacity bit: checksum no longer matches */
	assert_int_equal(objdisk_super_decode(blk, scratch, &out, NULL),
			 -ECORRUPT);

	sb.version = 2;
	objdisk_super_encode(&sb, blk);
	assert_int_equal(objdisk_super_decode(blk, scratch, &out, NULL),
			 -EVERSION);

	sb.version = 1;
	sb.capacity = 0;
	objdisk_super_encode(&sb, blk);
	assert_int_equal(objdisk_super_decode(blk, scratch, &out, NULL),
			 -ECORRUPT);
	sb.capacity = 4097;
	objdisk_super_encode(&sb, blk);
	assert_int_equal(objdisk_super_decode(blk, scratch, &out, NULL),
			 -ECORRUPT);

	/* Reserved bytes must be zero even under a valid checksum. */
	sb.capacity = 10;
	objdisk_super_encode(&sb, blk);
	blk[2000] = 1;
	objdisk_checksum8(blk, blk + 4088);
	assert_int_equal(objdisk_super_decode(blk, scratch, &out, NULL),
			 -ECORRUPT);
}

/*
 * A superblock torn while a mount bumped its generation (new prefix, old
 * suffix) decodes as the old one, for every cut and across carries.
 */
static void test_superblock_torn_recovery(void **state)
{
	static const uint64_t gens[] = {
	    1,		 2, 0xFF, 0x100, 0xFFFF, 0x10000, 0xFFFFFFFFFFFFFFFF,
	    0x123456789A};
	uint8_t old_blk[4096], new_blk[4096], torn[4096], scratch[4096];

	(void)state;
	for (size_t g = 0; g < sizeof(gens) / sizeof(gens[0]); g++) {
		struct objdisk_super sb = {.version = 1,
					   .capacity = 77,
					   .generation = gens[g],
					   .created_at = 5};

		objdisk_super_encode(&sb, old_blk);
		sb.generation++;
		objdisk_super_encode(&sb, new_blk);
		for (unsigned cut = 0; cut <= 4096; cut++) {
			struct objdisk_super out;
			bool rec;

			memcpy(torn, new_blk, cut);
			memcpy(torn + cut, old_blk + cut, 4096 - cut);
			assert_int_equal(
			    objdisk_super_decode(torn, scratch, &out, &rec), 0);
			assert_int_equal(out.capacity, 77);
			assert_int_equal(out.created_at, 5);
			/* Old or new generation, never anything else. */
			assert_true(out.generation == gens[g] ||
				    out.generation == gens[g] + 1);
		}
	}
}

/* Without a scratch buffer, a torn superblock is plain corruption. */
static void test_superblock_torn_needs_scratch(void **state)
{
	struct objdisk_super sb = {
	    .version = 1, .capacity = 3, .generation = 9};
	uint8_t a[4096], b[4096];
	struct objdisk_super out;

	(void)state;
	objdisk_super_encode(&sb, a);
	sb.generation = 10;
	objdisk_super_encode(&sb, b);
	memcpy(a, b, 100); /* new generation, old checksum */
	assert_int_equal(objdisk_super_decode(a, NULL, &out, NULL), -ECORRUPT);
}

/* ---- record codec ---------------------------------------------------- */

static struct cambi_object *rich_obj(uint32_t tag)
{
	struct test_key k;
	struct cambi_object *obj;

	test_key(&k, (uint8_t)tag);
	obj = test_signed_obj(123, tag, &k);
	obj->created_at = 0x1122334455667788;
	obj->has_lineage = true;
	memset(obj->lineage, 0x5A, 32);
	obj->acl_count = 3;
	for (int i = 0; i < 3; i++) {
		memset(obj->acl[i].principal.key, 0x10 + i, 32);
		obj->acl[i].expiry = (uint64_t)i * 1000;
		obj->acl[i].rights = (uint8_t)(i + 1);
	}
	return obj;
}

/* The header has its fields at the offsets of spec §6, exactly. */
static void test_record_bytes(void **state)
{
	struct cambi_object *obj = rich_obj(1);
	uint8_t blk[4096];

	(void)state;
	objdisk_record_encode(obj, blk);
	assert_memory_equal(blk, "ARCOREC1", 8);
	assert_int_equal(blk[8] | blk[9] << 8, 123);
	assert_memory_equal(blk + 12, obj->content_hash, 32);
	assert_memory_equal(blk + 44, obj->author.key, 32);
	assert_memory_equal(blk + 76, obj->owner.key, 32);
	assert_int_equal(blk[108], 0);
	assert_int_equal(blk[109], 1);
	assert_int_equal(blk[110] | blk[111] << 8, 3);
	assert_int_equal(le64(blk + 112), 0x1122334455667788);
	assert_memory_equal(blk + 120, obj->signature, 64);
	assert_int_equal(blk[184], 0x5A);
	/* ACL entry 2: principal, expiry, rights, three zero bytes. */
	assert_int_equal(blk[216 + 2 * 44], 0x12);
	assert_int_equal(le64(blk + 216 + 2 * 44 + 32), 2000);
	assert_int_equal(blk[216 + 2 * 44 + 40], 3);
	assert_true(cambi_is_zero(blk + 216 + 3 * 44, 568 - (216 + 3 * 44)));
	assert_true(cambi_is_zero(blk + 568, 4088 - 568));
	free(obj);
}

/* encode then decode gives back every metadata field. */
static void test_record_roundtrip(void **state)
{
	struct cambi_object *obj = rich_obj(2);
	struct cambi_object *out = calloc(1, sizeof(*out));
	uint8_t blk[4096];

	(void)state;
	objdisk_record_encode(obj, blk);
	assert_int_equal(objdisk_record_decode(blk, out), OBJDISK_REC_VALID);
	memcpy(out->content, obj->content, obj->content_len);
	assert_true(cambi_object_equal(out, obj));
	free(obj);
	free(out);
}

/* Headers without the magic are free; magic with a bad checksum is torn. */
static void test_record_empty_and_torn(void **state)
{
	struct cambi_object *obj = rich_obj(3);
	struct cambi_object *out = calloc(1, sizeof(*out));
	uint8_t blk[4096];

	(void)state;
	memset(blk, 0, sizeof(blk));
	assert_int_equal(objdisk_record_decode(blk, out), OBJDISK_REC_EMPTY);
	objdisk_record_encode(obj, blk);
	blk[7] = '2';
	assert_int_equal(objdisk_record_decode(blk, out), OBJDISK_REC_EMPTY);
	objdisk_record_encode(obj, blk);
	memset(blk + 2048, 0, 2048); /* torn: second half never written */
	assert_int_equal(objdisk_record_decode(blk, out), OBJDISK_REC_TORN);
	free(obj);
	free(out);
}

/* Edit @blk at @off to @val and reseal; expect MALFORMED. */
static void expect_malformed(const struct cambi_object *obj, size_t off,
			     uint8_t val)
{
	struct cambi_object *out = calloc(1, sizeof(*out));
	uint8_t blk[4096];

	objdisk_record_encode(obj, blk);
	blk[off] = val;
	objdisk_checksum8(blk, blk + 4088);
	assert_int_equal(objdisk_record_decode(blk, out),
			 OBJDISK_REC_MALFORMED);
	free(out);
}

/* Checksum-valid records with out-of-range fields are malformed. */
static void test_record_malformed_fields(void **state)
{
	struct cambi_object *obj = rich_obj(4);
	struct cambi_object *plain = test_obj(5, 4);

	(void)state;
	expect_malformed(obj, 9, 0x10);		    /* content_len 4096 + 123 */
	expect_malformed(obj, 108, 2);		    /* sig_algo */
	expect_malformed(obj, 109, 2);		    /* lineage flag */
	expect_malformed(obj, 110, 9);		    /* cap_count */
	expect_malformed(obj, 111, 1);		    /* cap_count high byte */
	expect_malformed(obj, 216 + 40, 8);	    /* rights bit 3 */
	expect_malformed(obj, 216 + 41, 1);	    /* entry padding */
	expect_malformed(obj, 216 + 5 * 44 + 3, 1); /* unused entry */
	expect_malformed(obj, 568, 1);		    /* reserved tail */
	expect_malformed(obj, 4087, 1);		    /* reserved tail, last */
	expect_malformed(plain, 184, 1);	    /* lineage without flag */
	free(obj);
	free(plain);
}

/* content_len 4096 exactly is legal; 4097 is not. */
static void test_record_content_len_boundary(void **state)
{
	struct cambi_object *obj = test_obj(4096, 5);
	struct cambi_object *out = calloc(1, sizeof(*out));
	uint8_t blk[4096];

	(void)state;
	objdisk_record_encode(obj, blk);
	assert_int_equal(objdisk_record_decode(blk, out), OBJDISK_REC_VALID);
	assert_int_equal(out->content_len, 4096);
	blk[8] = 0x01;
	blk[9] = 0x10;
	objdisk_checksum8(blk, blk + 4088);
	assert_int_equal(objdisk_record_decode(blk, out),
			 OBJDISK_REC_MALFORMED);
	free(obj);
	free(out);
}

/* ---- format and mount --------------------------------------------- */

/* A blank device is -EBLANK, and mount writes nothing to it. */
static void test_mount_blank(void **state)
{
	struct test_disk *d = test_disk_new(64);

	(void)state;
	assert_int_equal(test_disk_remount(d, 0), -EBLANK);
	assert_int_equal(d->mem.writes, 0);
	assert_true(cambi_is_zero(d->image, 64 * 4096));
	test_disk_free(d);
}

/* Format then mount: capacity from the device, generation 1 -> 2. */
static void test_format_then_mount(void **state)
{
	struct test_disk *d = test_disk_ready(100, 0);
	struct objstore_stat s;

	(void)state;
	assert_int_equal(objstore_stat(&d->st, &s), 0);
	assert_int_equal(s.capacity, 49);
	assert_int_equal(s.objects, 0);
	assert_int_equal(d->ds->sb.generation, 2);
	assert_int_equal(le64(test_block(d, 0) + 20), 2);
	assert_int_equal(d->ds->sb.created_at, 7);
	test_disk_free(d);
}

/* Every read-write mount bumps the generation; read-only mounts do not. */
static void test_generation_bump(void **state)
{
	struct test_disk *d = test_disk_ready(20, 0);

	(void)state;
	for (uint64_t g = 3; g < 8; g++) {
		assert_int_equal(test_disk_remount(d, 0), 0);
		assert_int_equal(d->ds->sb.generation, g);
	}
	d->mem.writes = 0;
	assert_int_equal(test_disk_remount(d, OBJSTORE_DISK_READONLY), 0);
	assert_int_equal(d->ds->sb.generation, 7);
	assert_int_equal(d->mem.writes, 0);
	assert_int_equal(le64(test_block(d, 0) + 20), 7);
	/* created_at survives every rewrite. */
	assert_int_equal(le64(test_block(d, 0) + 28), 7);
	test_disk_free(d);
}

/* The generation wraps at 2^64 instead of failing. */
static void test_generation_wraps(void **state)
{
	struct test_disk *d = test_disk_ready(20, 0);

	(void)state;
	set_le64(test_block(d, 0) + 20, UINT64_MAX);
	reseal(d, 0);
	assert_int_equal(test_disk_remount(d, 0), 0);
	assert_int_equal(d->ds->sb.generation, 0);
	assert_int_equal(test_disk_remount(d, 0), 0);
	assert_int_equal(d->ds->sb.generation, 1);
	test_disk_free(d);
}

/* A device of 0..2 blocks cannot be formatted. */
static void test_format_too_small(void **state)
{
	(void)state;
	for (uint64_t n = 0; n < 3; n++) {
		struct test_disk *d = test_disk_new(n);

		assert_int_equal(objstore_disk_format(d->ds, &d->dev, 0, 0, 0),
				 -ENOSPC);
		test_disk_free(d);
	}
	{
		struct test_disk *d = test_disk_ready(3, 0);

		assert_int_equal(d->ds->sb.capacity, 1);
		test_disk_free(d);
	}
}

/* max_slots lowers the capacity; more than fits is clamped. */
static void test_format_max_slots(void **state)
{
	struct test_disk *d = test_disk_ready(100, 10);

	(void)state;
	assert_int_equal(d->ds->sb.capacity, 10);
	test_disk_free(d);
	d = test_disk_ready(21, 500);
	assert_int_equal(d->ds->sb.capacity, 10);
	test_disk_free(d);
}

/* Corrupt superblock: -ECORRUPT, and nothing is written. */
static void test_mount_corrupt_superblock(void **state)
{
	struct test_disk *d = test_disk_ready(20, 0);

	(void)state;
	test_block(d, 0)[30] ^= 0x40;
	d->mem.writes = 0;
	assert_int_equal(test_disk_remount(d, 0), -ECORRUPT);
	assert_int_equal(d->mem.writes, 0);
	memcpy(test_block(d, 0), "ARCOBJ01", 8);
	assert_int_equal(test_disk_remount(d, 0), -ECORRUPT);
	test_disk_free(d);
}

/* A store of another version: -EVERSION. */
static void test_mount_wrong_version(void **state)
{
	struct test_disk *d = test_disk_ready(20, 0);

	(void)state;
	test_block(d, 0)[8] = 2;
	reseal(d, 0);
	assert_int_equal(test_disk_remount(d, 0), -EVERSION);
	test_disk_free(d);
}

/* Capacity 0 or above 4096 in a valid superblock: -ECORRUPT. */
static void test_mount_bad_capacity(void **state)
{
	struct test_disk *d = test_disk_ready(20, 0);

	(void)state;
	set_le64(test_block(d, 0) + 12, 0);
	reseal(d, 0);
	assert_int_equal(test_disk_remount(d, 0), -ECORRUPT);
	set_le64(test_block(d, 0) + 12, 4097);
	reseal(d, 0);
	assert_int_equal(test_disk_remount(d, 0), -ECORRUPT);
	set_le64(test_block(d, 0) + 12, UINT64_MAX);
	reseal(d, 0);
	assert_int_equal(test_disk_remount(d, 0), -ECORRUPT);
	test_disk_free(d);
}

/* A device smaller than 1 + 2 * capacity: -ENOSPC (undersized). */
static void test_mount_undersized_device(void **state)
{
	struct test_disk *d = test_disk_ready(21, 0); /* 10 slots */

	(void)state;
	d->mem.blocks = 20;
	assert_int_equal(test_disk_remount(d, 0), -ENOSPC);
	d->mem.blocks = 0;
	assert_int_equal(test_disk_remount(d, 0), -ENOSPC);
	d->mem.blocks = 21;
	assert_int_equal(test_disk_remount(d, 0), 0);
	test_disk_free(d);
}

/* A read error in the scan fails the mount with -EIO. */
static void test_mount_read_error(void **state)
{
	struct test_disk *d = test_disk_ready(21, 0);
	struct blockdev_fault f;
	struct blockdev fdev;
	struct objstore st;

	(void)state;
	blockdev_fault_init(&f, &d->dev, &fdev);
	f.fail_read_lba = objdisk_header_lba(4);
	assert_int_equal(objstore_disk_mount(d->ds, &fdev, 0, &st), -EIO);
	f.fail_read_lba = 0;
	assert_int_equal(objstore_disk_mount(d->ds, &fdev, 0, &st), -EIO);
	test_disk_free(d);
}

/* open_or_format formats a blank device but never a damaged one. */
static void test_open_or_format(void **state)
{
	struct test_disk *d = test_disk_new(41);
	struct cambi_object *obj = test_obj(10, 1);

	(void)state;
	assert_int_equal(
	    objstore_disk_open_or_format(d->ds, &d->dev, 3, &d->st), 0);
	assert_int_equal(d->ds->sb.capacity, 20);
	put_ok(d, obj);
	test_block(d, 0)[4000] = 1; /* damage */
	d->mem.writes = 0;
	assert_int_equal(
	    objstore_disk_open_or_format(d->ds, &d->dev, 3, &d->st), -ECORRUPT);
	assert_int_equal(d->mem.writes, 0);
	free(obj);
	test_disk_free(d);
}

/* Formatting over an old store clears its records: none come back. */
static void test_format_clears_old_records(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *obj = test_obj(10, 2);
	size_t total;

	(void)state;
	put_ok(d, obj);
	assert_int_equal(objstore_disk_format(d->ds, &d->dev, 0, 0, 0), 0);
	assert_int_equal(test_disk_remount(d, 0), 0);
	assert_int_equal(objstore_list(&d->st, NULL, 0, &total), 0);
	assert_int_equal(total, 0);
	free(obj);
	test_disk_free(d);
}

/* A format interrupted after its first write leaves a blank device. */
static void test_format_interrupted_is_blank(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct blockdev_fault f;
	struct blockdev fdev;

	(void)state;
	blockdev_fault_init(&f, &d->dev, &fdev);
	blockdev_fault_arm(&f, 1, 0, BLOCKDEV_FAULT_DROP);
	assert_int_equal(objstore_disk_format(d->ds, &fdev, 0, 0, 0), 0);
	assert_true(f.crashed);
	assert_int_equal(test_disk_remount(d, 0), -EBLANK);
	test_disk_free(d);
}

/* ---- put / get / delete ---------------------------------------------- */

/* Objects and their signatures survive a reboot (remount). */
static void test_remount_preserves_objects(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *o[4];
	struct test_key k;

	(void)state;
	test_key(&k, 20);
	o[0] = rich_obj(21);
	o[1] = test_signed_obj(4096, 22, &k);
	o[2] = test_obj(0, 23);
	o[3] = test_obj(1, 24);
	for (int i = 0; i < 4; i++)
		put_ok(d, o[i]);
	assert_int_equal(test_disk_remount(d, 0), 0);
	for (int i = 0; i < 4; i++) {
		test_expect_obj(&d->st, o[i]);
		free(o[i]);
	}
	test_disk_free(d);
}

/* put writes the content block then the header, at the slot's LBAs. */
static void test_put_layout_on_disk(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *a = test_obj(100, 30), *b = test_obj(5, 31);

	(void)state;
	put_ok(d, a);
	put_ok(d, b);
	assert_memory_equal(test_block(d, 1), "ARCOREC1", 8);
	assert_memory_equal(test_block(d, 1) + 12, a->content_hash, 32);
	assert_memory_equal(test_block(d, 2), a->content, 100);
	assert_true(cambi_is_zero(test_block(d, 2) + 100, 4096 - 100));
	assert_memory_equal(test_block(d, 3) + 12, b->content_hash, 32);
	assert_memory_equal(test_block(d, 4), b->content, 5);
	free(a);
	free(b);
	test_disk_free(d);
}

/* A bad hash is refused before any I/O. */
static void test_put_bad_hash_no_io(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *obj = test_obj(50, 32);

	(void)state;
	obj->content_hash[0] ^= 1;
	d->mem.writes = 0;
	assert_int_equal(objstore_put(&d->st, obj), -EINVAL);
	assert_int_equal(d->mem.writes, 0);
	free(obj);
	test_disk_free(d);
}

/* An idempotent put does no I/O and keeps the first copy. */
static void test_put_idempotent_no_io(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *a = test_obj(50, 33), *b = test_obj(50, 33);

	(void)state;
	b->created_at = 1;
	put_ok(d, a);
	d->mem.writes = 0;
	put_ok(d, b);
	assert_int_equal(d->mem.writes, 0);
	assert_int_equal(test_disk_remount(d, 0), 0);
	test_expect_obj(&d->st, a);
	free(a);
	free(b);
	test_disk_free(d);
}

/* Delete zeroes the header (content stays) and survives remount. */
static void test_delete_on_disk(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *obj = test_obj(64, 34);

	(void)state;
	put_ok(d, obj);
	assert_int_equal(objstore_delete(&d->st, obj->content_hash), 0);
	assert_true(cambi_is_zero(test_block(d, 1), 4096));
	assert_memory_equal(test_block(d, 2), obj->content, 64);
	test_expect_absent(&d->st, obj->content_hash);
	assert_int_equal(objstore_delete(&d->st, obj->content_hash), -ENOENT);
	assert_int_equal(test_disk_remount(d, 0), 0);
	test_expect_absent(&d->st, obj->content_hash);
	free(obj);
	test_disk_free(d);
}

/* put takes the lowest free slot, so a deleted slot is reused first. */
static void test_slot_reuse_lowest_free(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *o[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		o[i] = test_obj(10, 40 + (uint32_t)i);
	for (int i = 0; i < 3; i++)
		put_ok(d, o[i]);
	assert_int_equal(objstore_delete(&d->st, o[0]->content_hash), 0);
	put_ok(d, o[3]);
	assert_memory_equal(test_block(d, 1) + 12, o[3]->content_hash, 32);
	assert_true(objstore_disk_slot_free(d->ds, 3));
	assert_false(objstore_disk_slot_free(d->ds, 0));
	for (int i = 0; i < 4; i++)
		free(o[i]);
	test_disk_free(d);
}

/* A full store says -EFULL; after remount every object is intact. */
static void test_full_store_nothing_lost(void **state)
{
	struct test_disk *d = test_disk_ready(100, 8);
	struct cambi_object *obj;
	struct objstore_stat s;

	(void)state;
	for (uint32_t i = 0; i < 8; i++) {
		obj = test_obj(100 + i, 50 + i);
		put_ok(d, obj);
		free(obj);
	}
	obj = test_obj(10, 99);
	d->mem.writes = 0;
	assert_int_equal(objstore_put(&d->st, obj), -EFULL);
	assert_int_equal(d->mem.writes, 0);
	free(obj);
	assert_int_equal(test_disk_remount(d, 0), 0);
	assert_int_equal(objstore_stat(&d->st, &s), 0);
	assert_int_equal(s.objects, 8);
	for (uint32_t i = 0; i < 8; i++) {
		obj = test_obj(100 + i, 50 + i);
		test_expect_obj(&d->st, obj);
		free(obj);
	}
	test_disk_free(d);
}

/* The largest store, 4096 slots on 8193 blocks, fills exactly. */
static void test_capacity_4096(void **state)
{
	struct test_disk *d = test_disk_ready(8193, 0);
	struct cambi_object *obj = test_obj(8, 0);
	size_t total;

	(void)state;
	assert_int_equal(d->ds->sb.capacity, 4096);
	for (uint32_t i = 0; i < 4096; i++) {
		test_pattern(obj->content, 8, 100000 + i);
		cambi_hash(obj->content, 8, obj->content_hash);
		put_ok(d, obj);
	}
	test_pattern(obj->content, 8, 7);
	cambi_hash(obj->content, 8, obj->content_hash);
	assert_int_equal(objstore_put(&d->st, obj), -EFULL);
	assert_int_equal(test_disk_remount(d, 0), 0);
	assert_int_equal(objstore_list(&d->st, NULL, 0, &total), 0);
	assert_int_equal(total, 4096);
	free(obj);
	test_disk_free(d);
}

/* list returns hashes in ascending byte order, whatever the slots. */
static void test_list_ascending(void **state)
{
	struct test_disk *d = test_disk_ready(100, 0);
	uint8_t list[20][32];
	size_t total;

	(void)state;
	for (uint32_t i = 0; i < 20; i++) {
		struct cambi_object *obj = test_obj(30, 200 + i);

		put_ok(d, obj);
		free(obj);
	}
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(objstore_list(&d->st, list, 20, &total), 0);
		assert_int_equal(total, 20);
		for (int i = 1; i < 20; i++)
			assert_true(memcmp(list[i - 1], list[i], 32) < 0);
		assert_int_equal(test_disk_remount(d, 0), 0);
	}
	test_disk_free(d);
}

/* A torn header (bad checksum) is invisible after remount; slot free. */
static void test_torn_header_invisible(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *a = test_obj(10, 60), *b = test_obj(10, 61);

	(void)state;
	put_ok(d, a);
	put_ok(d, b);
	memset(test_block(d, 3) + 1000, 0, 3096); /* tear b's header */
	assert_int_equal(test_disk_remount(d, 0), 0);
	test_expect_obj(&d->st, a);
	test_expect_absent(&d->st, b->content_hash);
	assert_int_equal(d->ds->info.torn, 1);
	assert_true(objstore_disk_slot_free(d->ds, 1));
	free(a);
	free(b);
	test_disk_free(d);
}

/* An orphan content block (no header) is free and simply overwritten. */
static void test_orphan_content_reused(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *obj = test_obj(10, 62);

	(void)state;
	memset(test_block(d, 2), 0xEE, 4096); /* put died after content */
	assert_int_equal(test_disk_remount(d, 0), 0);
	assert_true(objstore_disk_slot_free(d->ds, 0));
	put_ok(d, obj);
	assert_memory_equal(test_block(d, 2), obj->content, 10);
	assert_true(cambi_is_zero(test_block(d, 2) + 10, 4086));
	assert_int_equal(test_disk_remount(d, 0), 0);
	test_expect_obj(&d->st, obj);
	free(obj);
	test_disk_free(d);
}

/*
 * A malformed (checksum-valid) record does not fail the mount (unlike
 * the original); it is set aside, not indexed and not overwritten.
 */
static void test_malformed_record_quarantined(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *a = test_obj(10, 63), *b = test_obj(10, 64);
	struct cambi_object *c = test_obj(10, 65);
	struct objstore_stat s;
	uint8_t saved[4096];

	(void)state;
	put_ok(d, a);
	put_ok(d, b);
	test_block(d, 1)[108] = 7; /* sig_algo 7 */
	reseal(d, 1);
	memcpy(saved, test_block(d, 1), 4096);
	assert_int_equal(test_disk_remount(d, 0), 0);
	assert_int_equal(d->ds->info.malformed, 1);
	test_expect_absent(&d->st, a->content_hash);
	test_expect_obj(&d->st, b);
	put_ok(d, c); /* goes to slot 2, not the quarantined slot 0 */
	assert_memory_equal(test_block(d, 1), saved, 4096);
	assert_memory_equal(test_block(d, 5) + 12, c->content_hash, 32);
	assert_int_equal(objstore_stat(&d->st, &s), 0);
	assert_int_equal(s.unusable, 1);
	free(a);
	free(b);
	free(c);
	test_disk_free(d);
}

/*
 * Two valid records with one hash: the lowest slot is indexed, the other
 * stays occupied, and deleting the object erases both, so it cannot come
 * back after a remount (the original freed the duplicate instead).
 */
static void test_duplicate_records(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *a = test_obj(10, 66), *b = test_obj(10, 67);

	(void)state;
	put_ok(d, a);
	put_ok(d, b);
	/* Copy slot 0 into slot 2 as a stray duplicate. */
	memcpy(test_block(d, 5), test_block(d, 1), 4096);
	memcpy(test_block(d, 6), test_block(d, 2), 4096);
	assert_int_equal(test_disk_remount(d, 0), 0);
	assert_int_equal(d->ds->info.dups, 1);
	assert_false(objstore_disk_slot_free(d->ds, 2));
	test_expect_obj(&d->st, a);
	assert_int_equal(objstore_delete(&d->st, a->content_hash), 0);
	assert_true(objstore_disk_slot_free(d->ds, 2));
	assert_int_equal(test_disk_remount(d, 0), 0);
	test_expect_absent(&d->st, a->content_hash);
	test_expect_obj(&d->st, b);
	free(a);
	free(b);
	test_disk_free(d);
}

/* Content changed on disk: get says -ECORRUPT, never wrong data. */
static void test_get_corrupt_content(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *obj = test_obj(10, 68);
	struct cambi_object *out = malloc(sizeof(*out));

	(void)state;
	put_ok(d, obj);
	test_block(d, 2)[3] ^= 1;
	assert_int_equal(objstore_get(&d->st, obj->content_hash, out),
			 -ECORRUPT);
	free(out);
	free(obj);
	test_disk_free(d);
}

/* A header swapped for another object's after mount: -ECORRUPT. */
static void test_get_header_swapped(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *a = test_obj(10, 69), *b = test_obj(10, 70);
	struct cambi_object *out = malloc(sizeof(*out));

	(void)state;
	put_ok(d, a);
	put_ok(d, b);
	memcpy(test_block(d, 1), test_block(d, 3), 4096);
	assert_int_equal(objstore_get(&d->st, a->content_hash, out), -ECORRUPT);
	memset(test_block(d, 3), 0, 4096);
	assert_int_equal(objstore_get(&d->st, b->content_hash, out), -ECORRUPT);
	free(out);
	free(a);
	free(b);
	test_disk_free(d);
}

/* A stored signature altered (checksum fixed up): get says -EBADSIG. */
static void test_get_tampered_signature(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *obj = rich_obj(71);
	struct cambi_object *out = malloc(sizeof(*out));

	(void)state;
	put_ok(d, obj);
	test_block(d, 1)[130] ^= 4;
	reseal(d, 1);
	assert_int_equal(objstore_get(&d->st, obj->content_hash, out),
			 -EBADSIG);
	/* The author (the signer) swapped for another key: also -EBADSIG. */
	test_block(d, 1)[130] ^= 4;
	test_block(d, 1)[OBJDISK_REC_AUTHOR_OFF] ^= 1;
	reseal(d, 1);
	assert_int_equal(objstore_get(&d->st, obj->content_hash, out),
			 -EBADSIG);
	free(out);
	free(obj);
	test_disk_free(d);
}

/* Device read errors during get are -EIO. */
static void test_get_read_error(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *obj = test_obj(10, 72);
	struct cambi_object *out = malloc(sizeof(*out));
	struct blockdev_fault f;
	struct blockdev fdev;
	struct objstore st;

	(void)state;
	put_ok(d, obj);
	blockdev_fault_init(&f, &d->dev, &fdev);
	assert_int_equal(objstore_disk_mount(d->ds, &fdev, 0, &st), 0);
	f.fail_read_lba = 2;
	assert_int_equal(objstore_get(&st, obj->content_hash, out), -EIO);
	f.fail_read_lba = 1;
	assert_int_equal(objstore_get(&st, obj->content_hash, out), -EIO);
	f.fail_read_lba = BLOCKDEV_FAULT_NEVER;
	assert_int_equal(objstore_get(&st, obj->content_hash, out), 0);
	free(out);
	free(obj);
	test_disk_free(d);
}

/* A read-only mount refuses put and delete and writes nothing. */
static void test_readonly_mount(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *a = test_obj(10, 73), *b = test_obj(10, 74);

	(void)state;
	put_ok(d, a);
	assert_int_equal(test_disk_remount(d, OBJSTORE_DISK_READONLY), 0);
	d->mem.writes = 0;
	assert_int_equal(objstore_put(&d->st, b), -EROFS);
	assert_int_equal(objstore_delete(&d->st, a->content_hash), -EROFS);
	assert_int_equal(d->mem.writes, 0);
	test_expect_obj(&d->st, a);
	free(a);
	free(b);
	test_disk_free(d);
}

/* Every successful put and delete has flushed all of its writes. */
static void test_success_means_flushed(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct blockdev_fault f;
	struct blockdev fdev;
	struct objstore st;

	(void)state;
	blockdev_fault_init(&f, &d->dev, &fdev);
	assert_int_equal(objstore_disk_mount(d->ds, &fdev, 0, &st), 0);
	assert_int_equal(f.unflushed, 0);
	for (uint32_t i = 0; i < 10; i++) {
		struct cambi_object *obj = test_obj(20, 80 + i);

		assert_int_equal(objstore_put(&st, obj), 0);
		assert_int_equal(f.unflushed, 0);
		if (i % 3 == 0) {
			assert_int_equal(
			    objstore_delete(&st, obj->content_hash), 0);
			assert_int_equal(f.unflushed, 0);
		}
		free(obj);
	}
	/* Content and header each get their own flush: never 2 pending. */
	assert_int_equal(f.max_unflushed, 1);
	test_disk_free(d);
}

/* A failing write makes put fail; the store goes on working. */
static void test_put_write_error_recovers(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *a = test_obj(10, 90), *b = test_obj(10, 91);
	struct blockdev_fault f;
	struct blockdev fdev;
	struct objstore st;
	struct objstore_stat s;

	(void)state;
	blockdev_fault_init(&f, &d->dev, &fdev);
	assert_int_equal(objstore_disk_mount(d->ds, &fdev, 0, &st), 0);
	/* Header write fails: slot 0 is poisoned for this mount. */
	blockdev_fault_arm(&f, 1, 0, BLOCKDEV_FAULT_ERROR);
	assert_int_equal(objstore_put(&st, a), -EIO);
	assert_int_equal(objstore_stat(&st, &s), 0);
	assert_int_equal(s.unusable, 1);
	blockdev_fault_arm(&f, BLOCKDEV_FAULT_NEVER, 0, BLOCKDEV_FAULT_DROP);
	assert_int_equal(objstore_put(&st, b), 0);
	assert_memory_equal(test_block(d, 3) + 12, b->content_hash, 32);
	/* Content write fails: the slot stays free. */
	blockdev_fault_arm(&f, 0, 0, BLOCKDEV_FAULT_ERROR);
	assert_int_equal(objstore_put(&st, a), -EIO);
	assert_true(objstore_disk_slot_free(d->ds, 2));
	/* A remount clears the poison. */
	assert_int_equal(test_disk_remount(d, 0), 0);
	assert_true(objstore_disk_slot_free(d->ds, 0));
	test_expect_absent(&d->st, a->content_hash);
	test_expect_obj(&d->st, b);
	free(a);
	free(b);
	test_disk_free(d);
}

/* A failing delete reports -EIO and hides the object until remount. */
static void test_delete_write_error(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *a = test_obj(10, 92);
	struct blockdev_fault f;
	struct blockdev fdev;
	struct objstore st;

	(void)state;
	put_ok(d, a);
	blockdev_fault_init(&f, &d->dev, &fdev);
	assert_int_equal(objstore_disk_mount(d->ds, &fdev, 0, &st), 0);
	blockdev_fault_arm(&f, 0, 0, BLOCKDEV_FAULT_ERROR);
	assert_int_equal(objstore_delete(&st, a->content_hash), -EIO);
	assert_false(objstore_disk_slot_free(d->ds, 0));
	test_expect_absent(&st, a->content_hash);
	/* Nothing reached the disk, so the object is back after remount. */
	assert_int_equal(test_disk_remount(d, 0), 0);
	test_expect_obj(&d->st, a);
	free(a);
	test_disk_free(d);
}

/*
 * Run @setup's failing operation with write @nth failing transiently
 * (@persists: it reached the disk anyway), then crash a put of @c after
 * its content write, remount, and demand that @victim is intact or gone:
 * a slot whose header state was unknown must not have been reused.
 */
static void transient_then_crash(bool del, bool persists)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *a = test_obj(100, 96), *c = test_obj(200, 97);
	struct cambi_object *out = malloc(sizeof(*out));
	struct objdisk_check_report rep;
	struct blockdev_fault f;
	struct blockdev fdev;
	struct objstore st;
	int r;

	if (del)
		put_ok(d, a);
	blockdev_fault_init(&f, &d->dev, &fdev);
	assert_int_equal(objstore_disk_mount(d->ds, &fdev, 0, &st), 0);
	blockdev_fault_arm(&f, BLOCKDEV_FAULT_NEVER, 0, BLOCKDEV_FAULT_DROP);
	f.fail_write_nth = del ? 1 : 2; /* the header write */
	f.fail_write_persists = persists;
	if (del)
		assert_int_equal(objstore_delete(&st, a->content_hash), -EIO);
	else
		assert_int_equal(objstore_put(&st, a), -EIO);
	f.fail_write_nth = BLOCKDEV_FAULT_NEVER;
	blockdev_fault_arm(&f, 1, 0, BLOCKDEV_FAULT_DROP);
	(void)objstore_put(&st, c); /* power lost before its header */
	assert_true(f.crashed);
	assert_int_equal(test_disk_remount(d, 0), 0);
	r = objstore_get(&d->st, a->content_hash, out);
	assert_true(r == 0 || r == -ENOENT);
	if (r == 0)
		assert_true(cambi_object_equal(out, a));
	assert_int_equal(objdisk_check(d->ds, &d->dev, NULL, NULL, &rep), 0);
	assert_int_equal(rep.damaged, 0);
	free(out);
	free(a);
	free(c);
	test_disk_free(d);
}

/* A put whose header write failed but landed: its slot is not reused. */
static void test_put_transient_error_persisted(void **state)
{
	(void)state;
	transient_then_crash(false, true);
	transient_then_crash(false, false);
}

/* A delete whose header write failed and did not land: not reused. */
static void test_delete_transient_error(void **state)
{
	(void)state;
	transient_then_crash(true, false);
	transient_then_crash(true, true);
}

/* After a failed remount the old interface fails instead of guessing. */
static void test_unmounted_store_fails(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *a = test_obj(10, 98);
	struct objstore old;

	(void)state;
	put_ok(d, a);
	old = d->st;
	test_block(d, 0)[0] = 'x';
	assert_int_equal(test_disk_remount(d, 0), -ECORRUPT);
	assert_int_equal(objstore_get(&old, a->content_hash, a), -EIO);
	assert_int_equal(objstore_put(&old, a), -EIO);
	assert_int_equal(objstore_delete(&old, a->content_hash), -EIO);
	free(a);
	test_disk_free(d);
}

/* A mount whose superblock write fails reports -EIO. */
static void test_mount_write_error(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct blockdev_fault f;
	struct blockdev fdev;
	struct objstore st;

	(void)state;
	blockdev_fault_init(&f, &d->dev, &fdev);
	blockdev_fault_arm(&f, 0, 0, BLOCKDEV_FAULT_ERROR);
	assert_int_equal(objstore_disk_mount(d->ds, &fdev, 0, &st), -EIO);
	assert_false(d->ds->mounted);
	/* Read-only needs no write, so it still works. */
	assert_int_equal(
	    objstore_disk_mount(d->ds, &fdev, OBJSTORE_DISK_READONLY, &st), 0);
	test_disk_free(d);
}

/* A superblock torn by a crashed mount is recovered by the next one. */
static void test_mount_recovers_torn_superblock(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *obj = test_obj(10, 93);
	struct blockdev_fault f;
	struct blockdev fdev;
	struct objstore st;

	(void)state;
	put_ok(d, obj);
	blockdev_fault_init(&f, &d->dev, &fdev);
	/* The generation bump write is torn after 24 bytes. */
	blockdev_fault_arm(&f, 0, 24, BLOCKDEV_FAULT_DROP);
	assert_int_equal(objstore_disk_mount(d->ds, &fdev, 0, &st), 0);
	assert_true(f.crashed);
	assert_int_equal(test_disk_remount(d, OBJSTORE_DISK_READONLY), 0);
	assert_true(d->ds->info.sb_recovered);
	assert_int_equal(test_disk_remount(d, 0), 0);
	assert_int_equal(d->ds->sb.generation, 3);
	assert_int_equal(test_disk_remount(d, 0), 0);
	assert_false(d->ds->info.sb_recovered);
	test_expect_obj(&d->st, obj);
	free(obj);
	test_disk_free(d);
}

/* ---- fsck ----------------------------------------------------------- */

struct findings {
	int info, warn, damage;
	int64_t last_slot;
};

static void collect(void *arg, enum objdisk_check_level level, int64_t slot,
		    const uint8_t *hash, const char *what)
{
	struct findings *f = arg;

	(void)hash;
	assert_non_null(what);
	if (level == OBJDISK_CHECK_DAMAGE)
		f->damage++;
	else if (level == OBJDISK_CHECK_WARN)
		f->warn++;
	else
		f->info++;
	f->last_slot = slot;
}

/* A healthy store checks clean; deleted content shows as an orphan. */
static void test_check_clean_and_orphans(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *a = rich_obj(94), *b = test_obj(10, 95);
	struct objdisk_check_report rep;
	struct findings f = {0};

	(void)state;
	put_ok(d, a);
	put_ok(d, b);
	assert_int_equal(objdisk_check(d->ds, &d->dev, collect, &f, &rep), 0);
	assert_int_equal(rep.damaged, 0);
	assert_int_equal(rep.objects, 2);
	assert_int_equal(rep.signed_objects, 1);
	assert_int_equal(rep.free, 18);
	assert_int_equal(f.damage + f.warn + f.info, 0);
	assert_int_equal(test_disk_remount(d, 0), 0);
	assert_int_equal(objstore_delete(&d->st, b->content_hash), 0);
	assert_int_equal(objdisk_check(d->ds, &d->dev, collect, &f, &rep), 0);
	assert_int_equal(rep.damaged, 0);
	assert_int_equal(rep.orphans, 1);
	assert_int_equal(f.info, 1);
	assert_int_equal(f.last_slot, 1);
	free(a);
	free(b);
	test_disk_free(d);
}

/* fsck finds bad content, bad signatures, padding, malformed records. */
static void test_check_finds_damage(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *o[5];
	struct objdisk_check_report rep;
	struct findings f = {0};

	(void)state;
	for (int i = 0; i < 5; i++) {
		o[i] = rich_obj(100 + (uint32_t)i);
		put_ok(d, o[i]);
	}
	test_block(d, 2)[0] ^= 1;   /* slot 0: content */
	test_block(d, 3)[125] ^= 1; /* slot 1: signature */
	reseal(d, 3);
	test_block(d, 6)[4095] = 1; /* slot 2: padding */
	test_block(d, 7)[109] = 5;  /* slot 3: malformed */
	reseal(d, 7);
	test_block(d, 9)[600] = 1; /* slot 4: torn header */
	assert_int_equal(objdisk_check(d->ds, &d->dev, collect, &f, &rep), 0);
	assert_int_equal(rep.damaged, 4);
	assert_int_equal(rep.objects, 0);
	assert_int_equal(rep.torn, 1);
	assert_int_equal(f.damage, 4);
	for (int i = 0; i < 5; i++)
		free(o[i]);
	test_disk_free(d);
}

/* fsck of an unmountable image returns the mount error. */
static void test_check_unmountable(void **state)
{
	struct test_disk *d = test_disk_new(10);
	struct objdisk_check_report rep;

	(void)state;
	assert_int_equal(objdisk_check(d->ds, &d->dev, NULL, NULL, &rep),
			 -EBLANK);
	memcpy(test_block(d, 0), "garbage!", 8);
	assert_int_equal(objdisk_check(d->ds, &d->dev, NULL, NULL, &rep),
			 -ECORRUPT);
	test_disk_free(d);
}

/* fsck reports duplicates as damage. */
static void test_check_duplicates(void **state)
{
	struct test_disk *d = test_disk_ready(41, 0);
	struct cambi_object *a = test_obj(10, 110);
	struct objdisk_check_report rep;

	(void)state;
	put_ok(d, a);
	memcpy(test_block(d, 3), test_block(d, 1), 4096);
	memcpy(test_block(d, 4), test_block(d, 2), 4096);
	assert_int_equal(objdisk_check(d->ds, &d->dev, NULL, NULL, &rep), 0);
	assert_int_equal(rep.objects, 1);
	assert_int_equal(rep.damaged, 1);
	free(a);
	test_disk_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lba_arithmetic),
	    cmocka_unit_test(test_slots_for_blocks),
	    cmocka_unit_test(test_superblock_bytes),
	    cmocka_unit_test(test_superblock_decode_errors),
	    cmocka_unit_test(test_superblock_torn_recovery),
	    cmocka_unit_test(test_superblock_torn_needs_scratch),
	    cmocka_unit_test(test_record_bytes),
	    cmocka_unit_test(test_record_roundtrip),
	    cmocka_unit_test(test_record_empty_and_torn),
	    cmocka_unit_test(test_record_malformed_fields),
	    cmocka_unit_test(test_record_content_len_boundary),
	    cmocka_unit_test(test_mount_blank),
	    cmocka_unit_test(test_format_then_mount),
	    cmocka_unit_test(test_generation_bump),
	    cmocka_unit_test(test_generation_wraps),
	    cmocka_unit_test(test_format_too_small),
	    cmocka_unit_test(test_format_max_slots),
	    cmocka_unit_test(test_mount_corrupt_superblock),
	    cmocka_unit_test(test_mount_wrong_version),
	    cmocka_unit_test(test_mount_bad_capacity),
	    cmocka_unit_test(test_mount_undersized_device),
	    cmocka_unit_test(test_mount_read_error),
	    cmocka_unit_test(test_open_or_format),
	    cmocka_unit_test(test_format_clears_old_records),
	    cmocka_unit_test(test_format_interrupted_is_blank),
	    cmocka_unit_test(test_remount_preserves_objects),
	    cmocka_unit_test(test_put_layout_on_disk),
	    cmocka_unit_test(test_put_bad_hash_no_io),
	    cmocka_unit_test(test_put_idempotent_no_io),
	    cmocka_unit_test(test_delete_on_disk),
	    cmocka_unit_test(test_slot_reuse_lowest_free),
	    cmocka_unit_test(test_full_store_nothing_lost),
	    cmocka_unit_test(test_capacity_4096),
	    cmocka_unit_test(test_list_ascending),
	    cmocka_unit_test(test_torn_header_invisible),
	    cmocka_unit_test(test_orphan_content_reused),
	    cmocka_unit_test(test_malformed_record_quarantined),
	    cmocka_unit_test(test_duplicate_records),
	    cmocka_unit_test(test_get_corrupt_content),
	    cmocka_unit_test(test_get_header_swapped),
	    cmocka_unit_test(test_get_tampered_signature),
	    cmocka_unit_test(test_get_read_error),
	    cmocka_unit_test(test_readonly_mount),
	    cmocka_unit_test(test_success_means_flushed),
	    cmocka_unit_test(test_put_write_error_recovers),
	    cmocka_unit_test(test_delete_write_error),
	    cmocka_unit_test(test_put_transient_error_persisted),
	    cmocka_unit_test(test_delete_transient_error),
	    cmocka_unit_test(test_unmounted_store_fails),
	    cmocka_unit_test(test_mount_write_error),
	    cmocka_unit_test(test_mount_recovers_torn_superblock),
	    cmocka_unit_test(test_check_clean_and_orphans),
	    cmocka_unit_test(test_check_finds_damage),
	    cmocka_unit_test(test_check_unmountable),
	    cmocka_unit_test(test_check_duplicates),
	};

	return cmocka_run_group_tests_name("objstore_disk", tests, NULL, NULL);
}
