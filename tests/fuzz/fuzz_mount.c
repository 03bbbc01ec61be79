/*
 * tests/fuzz/fuzz_mount.c - libFuzzer target for the disk store's mount
 * and everything that reads the disk afterwards.
 *
 * Input: one control byte, then the image.  The image fills a RAM device
 * of 64, 128, 192 or 256 blocks (control bits 0-1) from LBA 0; the rest is
 * zero.  Control bit 2 reseals the superblock checksum and bit 3 every
 * record header checksum before mounting, so the fuzzer reaches the
 * decoders behind the checksums (a checksum is no defence against a
 * hostile disk).  Bit 4 mounts read-only; otherwise the target also puts,
 * deletes and remounts and checks that the store kept its promises.
 *
 * Invariants (a violation traps):
 *  - mount fails only with a documented error, never -EIO (the device
 *    never fails) and never by touching an LBA past the end;
 *  - every listed object either reads back intact (hash and signature
 *    verified) or fails with -ECORRUPT / -EBADSIG / -ENOSYS;
 *  - a put that returns 0 is readable after a remount; a deleted object
 *    is gone; the remount succeeds; fsck runs to completion.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/fs/blockdev_mem.h"
#include "kernel/fs/objdisk_check.h"
#include "kernel/fs/objdisk_format.h"
#include "kernel/fs/objstore_disk.h"
#include "abi/errno.h"

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			__builtin_trap();                                      \
	} while (0)

#define MAX_BLOCKS 256u

enum {
	CTL_BLOCKS = 3u << 0,
	CTL_RESEAL_SB = 1u << 2,
	CTL_RESEAL_RECORDS = 1u << 3,
	CTL_READONLY = 1u << 4,
};

static uint8_t image[MAX_BLOCKS * OBJDISK_BLOCK_SIZE];
static struct objstore_disk ds;
static struct cambi_object obj, probe;
static uint8_t hashes[OBJDISK_MAX_SLOTS][CAMBI_HASH_SIZE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool mount_error_ok(int err)
{
	return err == -EBLANK || err == -ECORRUPT || err == -EVERSION ||
	       err == -ENOSPC;
}

static bool get_error_ok(int err)
{
	return err == -ECORRUPT || err == -EBADSIG || err == -ENOSYS;
}

static void reseal(uint64_t blocks, uint8_t ctl)
{
	if ((ctl & CTL_RESEAL_SB) &&
	    memcmp(image, OBJDISK_SB_MAGIC, OBJDISK_MAGIC_SIZE) == 0)
		objdisk_checksum8(image, image + OBJDISK_SB_CHECKSUM_OFF);
	if (!(ctl & CTL_RESEAL_RECORDS))
		return;
	for (uint64_t lba = 1; lba < blocks; lba += 2) {
		uint8_t *b = image + lba * OBJDISK_BLOCK_SIZE;

		if (memcmp(b, OBJDISK_REC_MAGIC, OBJDISK_MAGIC_SIZE) == 0)
			objdisk_checksum8(b, b + OBJDISK_REC_CHECKSUM_OFF);
	}
}

/* Read back everything listed; returns the number listed. */
static size_t read_all(struct objstore *st)
{
	size_t total = 0;

	CHECK(objstore_list(st, hashes, OBJDISK_MAX_SLOTS, &total) == 0);
	CHECK(total <= ds.sb.capacity);
	for (size_t i = 0; i < total; i++) {
		int err = objstore_get(st, hashes[i], &probe);

		if (i > 0) /* ascending, unique */
			CHECK(memcmp(hashes[i - 1], hashes[i],
				     CAMBI_HASH_SIZE) < 0);
		if (err) {
			CHECK(get_error_ok(err));
			continue;
		}
		CHECK(memcmp(probe.content_hash, hashes[i], CAMBI_HASH_SIZE) ==
		      0);
		CHECK(cambi_object_validate(&probe) == 0);
	}
	return total;
}

/* Put, delete, remount: the store must keep its word on any image. */
static void exercise_writes(struct objstore *st, struct blockdev *dev,
			    const uint8_t *data, size_t size, size_t listed)
{
	uint8_t victim[CAMBI_HASH_SIZE];
	bool have_victim = listed > 0, put_ok;
	int err;

	/* A small object derived from the input, unlikely to be present. */
	CHECK(cambi_object_init(&obj, data, size < 64 ? size : 64) == 0);
	obj.created_at = size;
	err = objstore_put(st, &obj);
	CHECK(err == 0 || err == -EFULL);
	put_ok = err == 0;
	if (have_victim) {
		memcpy(victim, hashes[0], CAMBI_HASH_SIZE);
		if (memcmp(victim, obj.content_hash, CAMBI_HASH_SIZE) == 0)
			have_victim = false;
	}
	if (have_victim)
		CHECK(objstore_delete(st, victim) == 0);

	err = objstore_disk_mount(&ds, dev, 0, st);
	CHECK(err == 0);
	if (put_ok) {
		err = objstore_get(st, obj.content_hash, &probe);
		/* It may have been present already, in a damaged copy. */
		CHECK(err == 0 || get_error_ok(err));
		if (err == 0)
			CHECK(cambi_object_validate(&probe) == 0);
	}
	if (have_victim)
		CHECK(objstore_get(st, victim, &probe) == -ENOENT);
	(void)read_all(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct objdisk_check_report rep;
	struct blockdev_mem mem;
	struct blockdev dev;
	struct objstore st;
	uint64_t blocks;
	uint8_t ctl;
	size_t n, listed;
	int err;

	if (size < 1)
		return 0;
	ctl = data[0];
	data++;
	size--;
	blocks = 64u * (1u + (ctl & CTL_BLOCKS));
	n = size < blocks * OBJDISK_BLOCK_SIZE ? size
					       : blocks * OBJDISK_BLOCK_SIZE;
	memcpy(image, data, n);
	memset(image + n, 0, blocks * OBJDISK_BLOCK_SIZE - n);
	reseal(blocks, ctl);
	blockdev_mem_init(&mem, image, blocks, &dev);

	err = objstore_disk_mount(
	    &ds, &dev, ctl & CTL_READONLY ? OBJSTORE_DISK_READONLY : 0, &st);
	if (err) {
		CHECK(mount_error_ok(err));
		CHECK(!ds.mounted);
		return 0;
	}
	CHECK(ds.count + ds.unusable <= ds.sb.capacity);
	listed = read_all(&st);
	if (!(ctl & CTL_READONLY))
		exercise_writes(&st, &dev, data, size, listed);
	CHECK(objdisk_check(&ds, &dev, NULL, NULL, &rep) == 0);
	CHECK(rep.objects + rep.free <= rep.capacity);
	return 0;
}
