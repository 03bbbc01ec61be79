/*
 * tests/unit/objstore_testlib.h - helpers shared by the objstore_*_test.c
 * suites: keys, objects with deterministic content, RAM disks.
 * Include after <cmocka.h>.
 */
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/fs/blockdev_mem.h"
#include "kernel/fs/object.h"
#include "kernel/fs/objstore_disk.h"
#include "lib/crypto/ed25519.h"
#include "abi/errno.h"

/** An Ed25519 identity for tests. */
struct test_key {
	uint8_t pk[32]; /* public key = principal */
	uint8_t sk[64]; /* seed || public key */
};

/** Deterministic key number @n. */
static inline void test_key(struct test_key *k, uint8_t n)
{
	uint8_t seed[32];

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(n * 31 + i);
	ed25519_keypair_from_seed(seed, k->pk, k->sk);
}

/** Fill @buf with @len bytes of pattern @tag (distinct tags differ). */
static inline void test_pattern(uint8_t *buf, size_t len, uint32_t tag)
{
	uint32_t x = tag * 2654435761u + 12345u;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
}

/** A heap object with @len bytes of pattern @tag, unsigned. */
static inline struct cambi_object *test_obj(size_t len, uint32_t tag)
{
	struct cambi_object *obj = malloc(sizeof(*obj));
	uint8_t *buf = malloc(len ? len : 1);

	assert_non_null(obj);
	assert_non_null(buf);
	test_pattern(buf, len, tag);
	assert_int_equal(cambi_object_init(obj, buf, len), 0);
	obj->created_at = 1000 + tag;
	free(buf);
	return obj;
}

/** As test_obj(), signed by @k. */
static inline struct cambi_object *test_signed_obj(size_t len, uint32_t tag,
						   const struct test_key *k)
{
	struct cambi_object *obj = test_obj(len, tag);

	assert_int_equal(cambi_object_sign(obj, k->sk), 0);
	return obj;
}

/** A RAM disk of @blocks zeroed blocks. */
struct test_disk {
	uint8_t *image; /* blocks * 4096 bytes */
	uint64_t blocks;
	struct blockdev_mem mem;
	struct blockdev dev;
	struct objstore_disk *ds; /* heap: about 152 KiB */
	struct objstore st;	  /* valid after test_disk_mount */
};

static inline struct test_disk *test_disk_new(uint64_t blocks)
{
	struct test_disk *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	d->image = calloc(blocks ? blocks : 1, BLOCKDEV_BLOCK_SIZE);
	d->ds = calloc(1, sizeof(*d->ds));
	assert_non_null(d->image);
	assert_non_null(d->ds);
	d->blocks = blocks;
	blockdev_mem_init(&d->mem, d->image, blocks, &d->dev);
	return d;
}

static inline void test_disk_free(struct test_disk *d)
{
	if (!d)
		return;
	free(d->image);
	free(d->ds);
	free(d);
}

/** Format with @max_slots (0 = all) and mount read-write; asserts. */
static inline struct test_disk *test_disk_ready(uint64_t blocks,
						uint64_t max_slots)
{
	struct test_disk *d = test_disk_new(blocks);

	assert_int_equal(objstore_disk_format(d->ds, &d->dev, max_slots, 7, 0),
			 0);
	assert_int_equal(objstore_disk_mount(d->ds, &d->dev, 0, &d->st), 0);
	return d;
}

/** Remount (a reboot: fresh in-memory state over the same image). */
static inline int test_disk_remount(struct test_disk *d, unsigned flags)
{
	memset(d->ds, 0xA5, sizeof(*d->ds)); /* nothing may survive */
	return objstore_disk_mount(d->ds, &d->dev, flags, &d->st);
}

/** Pointer to block @lba of the image. */
static inline uint8_t *test_block(struct test_disk *d, uint64_t lba)
{
	return d->image + lba * BLOCKDEV_BLOCK_SIZE;
}

/** Assert that @hash is stored and equal to @want. */
static inline void test_expect_obj(struct objstore *st,
				   const struct cambi_object *want)
{
	struct cambi_object *got = malloc(sizeof(*got));

	assert_non_null(got);
	assert_int_equal(objstore_get(st, want->content_hash, got), 0);
	assert_true(cambi_object_equal(got, want));
	free(got);
}

/** Assert that @hash is absent. */
static inline void test_expect_absent(struct objstore *st, const uint8_t *hash)
{
	struct cambi_object *got = malloc(sizeof(*got));

	assert_non_null(got);
	assert_int_equal(objstore_get(st, hash, got), -ENOENT);
	free(got);
}
