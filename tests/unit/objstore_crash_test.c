/*
 * tests/unit/objstore_crash_test.c - crash consistency of the disk store.
 *
 * A fixed workload of puts, deletes and remounts runs over a
 * fault-injecting device that loses power at write k, for EVERY k from 0
 * to the workload's total write count, in several fault modes (writes
 * dropped silently, writes failing, the crash write torn at various byte
 * counts).  Then the persisted image is remounted on a healthy device and
 * checked against a model:
 *  - the mount succeeds and fsck finds no damage;
 *  - every object whose put returned 0 before the crash is intact
 *    (content, metadata, signature);
 *  - every object whose delete returned 0 before the crash is gone;
 *  - the operation interrupted by the crash may or may not have happened,
 *    but if its object is visible it is intact: nothing half-written shows;
 *  - the store is usable afterwards (a put and a get work).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "kernel/fs/blockdev_fault.h"
#include "kernel/fs/objdisk_check.h"
#include "kernel/fs/objstore_disk.h"
#include "tests/unit/objstore_testlib.h"

#define POOL	    16 /* distinct objects the workload uses */
#define CAPACITY    8  /* slots: small, so the store fills up */
#define DISK_BLOCKS 24 /* 1 + 2 * 8 = 17 needed; some slack */

enum op_kind { PUT, DEL, REMOUNT };

struct op {
	enum op_kind kind;
	int obj; /* pool index for PUT and DEL */
};

/*
 * Fills the store, overflows it, deletes and reuses slots, re-puts
 * deleted objects, repeats puts, deletes absent objects and remounts in
 * between: 52 operations.
 */
static const struct op workload[] = {
    {PUT, 0},	  {PUT, 1},  {PUT, 2},	{PUT, 3},     {PUT, 4},	 {PUT, 5},
    {PUT, 6},	  {PUT, 7},  {PUT, 8}, /* full */
    {DEL, 2},	  {DEL, 5},  {PUT, 8},	{PUT, 9},     {PUT, 3},	 {DEL, 2},
    {REMOUNT, 0}, {DEL, 0},  {DEL, 8},	{PUT, 10},    {PUT, 0},	 {DEL, 9},
    {PUT, 11},	  {PUT, 12}, {PUT, 13}, {REMOUNT, 0}, {DEL, 1},	 {DEL, 3},
    {DEL, 4},	  {PUT, 14}, {PUT, 2},	{PUT, 5},     {DEL, 10}, {PUT, 9},
    {PUT, 8},	  {DEL, 0},  {PUT, 15}, {REMOUNT, 0}, {DEL, 11}, {DEL, 12},
    {DEL, 13},	  {PUT, 4},  {PUT, 1},	{DEL, 14},    {DEL, 15}, {PUT, 0},
    {PUT, 3},	  {DEL, 2},  {DEL, 5},	{PUT, 6},     {PUT, 10}, {DEL, 7},
    {PUT, 7},
};

#define NOPS (sizeof(workload) / sizeof(workload[0]))

/* What the model knows about one object. */
enum fate { ABSENT = 0, PRESENT, MAYBE };

struct harness {
	struct cambi_object *pool[POOL];
	struct cambi_object *extra; /* put after verification */
	struct cambi_object *got;   /* get buffer */
	uint8_t *base;		    /* formatted image before the run */
	uint8_t *image;		    /* the image under test */
	struct blockdev_mem mem;
	struct blockdev dev;
	struct blockdev_fault fault;
	struct blockdev fdev;
	struct objstore_disk *ds;
	struct objstore st;
	enum fate fate[POOL];
};

static struct harness *harness_new(void)
{
	struct harness *h = calloc(1, sizeof(*h));
	struct test_key k1, k2;

	assert_non_null(h);
	test_key(&k1, 201);
	test_key(&k2, 202);
	for (int i = 0; i < POOL; i++) {
		/* A mix: empty, full-size, signed by two keys, unsigned. */
		size_t len = i == 0   ? 0
			     : i == 1 ? 4096
				      : (size_t)(i * 97 % 800);

		if (i % 3 == 0)
			h->pool[i] = test_obj(len, 3000 + (uint32_t)i);
		else
			h->pool[i] = test_signed_obj(len, 3000 + (uint32_t)i,
						     i % 3 == 1 ? &k1 : &k2);
		if (i % 4 == 1) {
			h->pool[i]->has_lineage = true;
			memset(h->pool[i]->lineage, i, 32);
			h->pool[i]->acl_count = 1;
			h->pool[i]->acl[0].principal = h->pool[i]->owner;
			h->pool[i]->acl[0].rights = CAMBI_RIGHT_READ;
			h->pool[i]->acl[0].expiry = 12345;
		}
	}
	h->extra = test_obj(33, 9999);
	h->got = malloc(sizeof(*h->got));
	h->base = calloc(DISK_BLOCKS, BLOCKDEV_BLOCK_SIZE);
	h->image = calloc(DISK_BLOCKS, BLOCKDEV_BLOCK_SIZE);
	h->ds = calloc(1, sizeof(*h->ds));
	assert_non_null(h->got);
	assert_non_null(h->base);
	assert_non_null(h->image);
	assert_non_null(h->ds);
	blockdev_mem_init(&h->mem, h->base, DISK_BLOCKS, &h->dev);
	assert_int_equal(objstore_disk_format(h->ds, &h->dev, CAPACITY, 1, 0),
			 0);
	blockdev_mem_init(&h->mem, h->image, DISK_BLOCKS, &h->dev);
	blockdev_fault_init(&h->fault, &h->dev, &h->fdev);
	return h;
}

static void harness_free(struct harness *h)
{
	for (int i = 0; i < POOL; i++)
		free(h->pool[i]);
	free(h->extra);
	free(h->got);
	free(h->base);
	free(h->image);
	free(h->ds);
	free(h);
}

static int present_count(const struct harness *h)
{
	int n = 0;

	for (int i = 0; i < POOL; i++)
		n += h->fate[i] == PRESENT;
	return n;
}

/*
 * Run one operation while the power is on and check its result against
 * the model (a crash-free prefix must behave exactly like a healthy
 * store).  Returns the raw result.
 */
static int run_op(struct harness *h, const struct op *op)
{
	switch (op->kind) {
	case PUT:
		return objstore_put(&h->st, h->pool[op->obj]);
	case DEL:
		return objstore_delete(&h->st, h->pool[op->obj]->content_hash);
	case REMOUNT:
		return objstore_disk_mount(h->ds, &h->fdev, 0, &h->st);
	}
	return -EINVAL;
}

/* Fold a result that the crash did not interrupt into the model. */
static void acknowledge(struct harness *h, const struct op *op, int r)
{
	enum fate *f = op->kind == REMOUNT ? NULL : &h->fate[op->obj];

	switch (op->kind) {
	case PUT:
		if (*f == PRESENT) {
			assert_int_equal(r, 0);
		} else if (present_count(h) == CAPACITY) {
			assert_int_equal(r, -EFULL);
		} else {
			assert_int_equal(r, 0);
			*f = PRESENT;
		}
		break;
	case DEL:
		assert_int_equal(r, *f == PRESENT ? 0 : -ENOENT);
		*f = ABSENT;
		break;
	case REMOUNT:
		assert_int_equal(r, 0);
		break;
	}
}

/* The operation during which the power went: it may or may not count. */
static void interrupted(struct harness *h, const struct op *op)
{
	if (op->kind == REMOUNT)
		return;
	if (op->kind == PUT && h->fate[op->obj] == ABSENT)
		h->fate[op->obj] = MAYBE;
	if (op->kind == DEL && h->fate[op->obj] == PRESENT)
		h->fate[op->obj] = MAYBE;
}

/* After the crash: remount the persisted image and hold it to the model. */
static void verify_image(struct harness *h, uint64_t k, const char *mode)
{
	struct objdisk_check_report rep;
	uint8_t list[CAPACITY + 1][32];
	size_t total, visible = 0;
	int r;

	r = objstore_disk_mount(h->ds, &h->dev, 0, &h->st);
	if (r != 0)
		fail_msg("%s k=%llu: remount failed: %d", mode,
			 (unsigned long long)k, r);
	for (int i = 0; i < POOL; i++) {
		r = objstore_get(&h->st, h->pool[i]->content_hash, h->got);
		if (r == 0 && !cambi_object_equal(h->got, h->pool[i]))
			fail_msg("%s k=%llu: object %d visible but altered",
				 mode, (unsigned long long)k, i);
		if (h->fate[i] == PRESENT && r != 0)
			fail_msg("%s k=%llu: acknowledged object %d lost: %d",
				 mode, (unsigned long long)k, i, r);
		if (h->fate[i] == ABSENT && r != -ENOENT)
			fail_msg("%s k=%llu: deleted object %d back: %d", mode,
				 (unsigned long long)k, i, r);
		if (h->fate[i] == MAYBE && r != 0 && r != -ENOENT)
			fail_msg("%s k=%llu: half-written object %d: %d", mode,
				 (unsigned long long)k, i, r);
		visible += r == 0;
	}
	/* Nothing is listed that get cannot return. */
	assert_int_equal(objstore_list(&h->st, list, CAPACITY + 1, &total), 0);
	assert_int_equal(total, visible);
	for (size_t i = 0; i < total; i++)
		assert_int_equal(objstore_get(&h->st, list[i], h->got), 0);
	/* Still usable: one more put fits unless all slots are live. */
	r = objstore_put(&h->st, h->extra);
	assert_true(r == 0 || (r == -EFULL && total == CAPACITY));
	if (r == 0)
		assert_int_equal(
		    objstore_get(&h->st, h->extra->content_hash, h->got), 0);
	/* fsck: no damage, whatever the crash left (torn bits are info). */
	assert_int_equal(objdisk_check(h->ds, &h->dev, NULL, NULL, &rep), 0);
	if (rep.damaged != 0)
		fail_msg("%s k=%llu: fsck found %llu problems", mode,
			 (unsigned long long)k,
			 (unsigned long long)rep.damaged);
}

/* One run: power fails at write k + 1 (never, when k is past the end). */
static void run_crash_at(struct harness *h, uint64_t k, uint32_t tear,
			 enum blockdev_fault_mode mode, const char *name)
{
	size_t i;
	int r;

	memcpy(h->image, h->base, (size_t)DISK_BLOCKS * BLOCKDEV_BLOCK_SIZE);
	memset(h->fate, 0, sizeof(h->fate));
	blockdev_fault_arm(&h->fault, k, tear, mode);

	r = objstore_disk_mount(h->ds, &h->fdev, 0, &h->st);
	if (h->fault.crashed)
		goto verify;
	assert_int_equal(r, 0);
	for (i = 0; i < NOPS; i++) {
		r = run_op(h, &workload[i]);
		if (!h->fault.crashed) {
			acknowledge(h, &workload[i], r);
			continue;
		}
		interrupted(h, &workload[i]);
		break;
	}
	/*
	 * A dying device (ERROR mode) keeps failing: the store must keep
	 * saying so, never claim success for work that needs a write.
	 */
	if (mode == BLOCKDEV_FAULT_ERROR && i < NOPS) {
		for (i++; i < NOPS; i++) {
			const struct op *op = &workload[i];

			r = run_op(h, op);
			if (op->kind == DEL)
				assert_int_not_equal(r, 0);
			if (op->kind == PUT && h->fate[op->obj] != PRESENT)
				assert_int_not_equal(r, 0);
			if (op->kind == REMOUNT)
				assert_int_not_equal(r, 0);
			if (op->kind == REMOUNT)
				break; /* unmounted now */
		}
	}
verify:
	verify_image(h, k, name);
}

/* Count the workload's writes (including the first mount's) crash-free. */
static uint64_t workload_writes(struct harness *h)
{
	run_crash_at(h, BLOCKDEV_FAULT_NEVER, 0, BLOCKDEV_FAULT_DROP, "none");
	return h->fault.writes;
}

static void sweep(uint32_t tear, enum blockdev_fault_mode mode,
		  const char *name)
{
	struct harness *h = harness_new();
	uint64_t total = workload_writes(h);

	/* Every op kind happened and the sweep is long enough to matter. */
	assert_true(total >= 60);
	for (uint64_t k = 0; k <= total; k++)
		run_crash_at(h, k, tear, mode, name);
	print_message("# %s: power cut at each of %llu writes, all "
		      "consistent\n",
		      name, (unsigned long long)total);
	harness_free(h);
}

/* Power lost at each write; the software does not notice (dropped). */
static void test_crash_drop_every_write(void **state)
{
	(void)state;
	sweep(0, BLOCKDEV_FAULT_DROP, "drop");
}

/* The device fails every write and flush from write k on (-EIO). */
static void test_crash_error_every_write(void **state)
{
	(void)state;
	sweep(0, BLOCKDEV_FAULT_ERROR, "error");
}

/* The crash write is torn after 1 byte (inside the magic). */
static void test_crash_torn_1(void **state)
{
	(void)state;
	sweep(1, BLOCKDEV_FAULT_DROP, "torn-1");
}

/* Torn after 8 bytes: magic complete, everything else old. */
static void test_crash_torn_8(void **state)
{
	(void)state;
	sweep(8, BLOCKDEV_FAULT_DROP, "torn-8");
}

/* Torn after 24 bytes: inside the superblock generation field. */
static void test_crash_torn_24(void **state)
{
	(void)state;
	sweep(24, BLOCKDEV_FAULT_DROP, "torn-24");
}

/* Torn after one 512-byte sector. */
static void test_crash_torn_512(void **state)
{
	(void)state;
	sweep(512, BLOCKDEV_FAULT_DROP, "torn-512");
}

/* Torn after 4090 bytes: inside the checksum. */
static void test_crash_torn_4090(void **state)
{
	(void)state;
	sweep(4090, BLOCKDEV_FAULT_DROP, "torn-4090");
}

/* Torn after 4095 bytes: all but the last checksum byte. */
static void test_crash_torn_4095(void **state)
{
	(void)state;
	sweep(4095, BLOCKDEV_FAULT_DROP, "torn-4095");
}

/* A dying device that also tears the write it dies on. */
static void test_crash_error_torn_2048(void **state)
{
	(void)state;
	sweep(2048, BLOCKDEV_FAULT_ERROR, "error-torn-2048");
}

/*
 * Crash at every write of a delete that must also erase a duplicate
 * record: the object is either still there, intact, or gone for good
 * (a surviving duplicate would resurrect it only if the delete had not
 * been acknowledged).
 */
static void test_crash_delete_with_duplicate(void **state)
{
	struct harness *h = harness_new();
	struct cambi_object *a = h->pool[4];

	(void)state;
	/* Base: a in slot 0 and a duplicate of it in slot 3. */
	blockdev_mem_init(&h->mem, h->base, DISK_BLOCKS, &h->dev);
	assert_int_equal(objstore_disk_mount(h->ds, &h->dev, 0, &h->st), 0);
	assert_int_equal(objstore_put(&h->st, a), 0);
	memcpy(h->base + 7 * 4096, h->base + 1 * 4096, 4096);
	memcpy(h->base + 8 * 4096, h->base + 2 * 4096, 4096);
	blockdev_mem_init(&h->mem, h->image, DISK_BLOCKS, &h->dev);
	for (uint64_t k = 0; k <= 4; k++) {
		struct objdisk_check_report rep;
		int r;

		memcpy(h->image, h->base, DISK_BLOCKS * 4096);
		blockdev_fault_arm(&h->fault, k, 0, BLOCKDEV_FAULT_DROP);
		assert_int_equal(
		    objstore_disk_mount(h->ds, &h->fdev, 0, &h->st), 0);
		r = objstore_delete(&h->st, a->content_hash);
		assert_int_equal(r, 0);
		assert_int_equal(objstore_disk_mount(h->ds, &h->dev, 0, &h->st),
				 0);
		r = objstore_get(&h->st, a->content_hash, h->got);
		if (!h->fault.crashed) {
			assert_int_equal(r, -ENOENT);
			assert_int_equal(
			    objdisk_check(h->ds, &h->dev, NULL, NULL, &rep), 0);
			assert_int_equal(rep.damaged, 0);
		} else {
			assert_true(r == -ENOENT || r == 0);
			if (r == 0)
				assert_true(cambi_object_equal(h->got, a));
		}
	}
	harness_free(h);
}

/* Crash at every write of a format: the device is blank or formatted. */
static void test_crash_during_format(void **state)
{
	struct harness *h = harness_new();
	uint64_t total;

	(void)state;
	/* An old store with objects is being reformatted. */
	blockdev_mem_init(&h->mem, h->base, DISK_BLOCKS, &h->dev);
	assert_int_equal(objstore_disk_mount(h->ds, &h->dev, 0, &h->st), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(objstore_put(&h->st, h->pool[i]), 0);
	blockdev_mem_init(&h->mem, h->image, DISK_BLOCKS, &h->dev);
	memcpy(h->image, h->base, DISK_BLOCKS * 4096);
	blockdev_fault_arm(&h->fault, BLOCKDEV_FAULT_NEVER, 0,
			   BLOCKDEV_FAULT_DROP);
	assert_int_equal(objstore_disk_format(h->ds, &h->fdev, CAPACITY, 0, 0),
			 0);
	total = h->fault.writes;
	for (uint64_t k = 0; k <= total; k++) {
		size_t n;
		int r;

		memcpy(h->image, h->base, DISK_BLOCKS * 4096);
		blockdev_fault_arm(&h->fault, k, k % 2 ? 100 : 0,
				   BLOCKDEV_FAULT_DROP);
		assert_int_equal(
		    objstore_disk_format(h->ds, &h->fdev, CAPACITY, 0, 0), 0);
		r = objstore_disk_mount(h->ds, &h->dev, 0, &h->st);
		if (k == 0) {
			/* Nothing written: the old store, untouched. */
			assert_int_equal(r, 0);
			continue;
		}
		if (k < total) {
			/* Interrupted: blank (or a torn new superblock). */
			assert_true(r == -EBLANK || r == -ECORRUPT);
			continue;
		}
		assert_int_equal(r, 0);
		assert_int_equal(objstore_list(&h->st, NULL, 0, &n), 0);
		assert_int_equal(n, 0);
	}
	harness_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crash_drop_every_write),
	    cmocka_unit_test(test_crash_error_every_write),
	    cmocka_unit_test(test_crash_torn_1),
	    cmocka_unit_test(test_crash_torn_8),
	    cmocka_unit_test(test_crash_torn_24),
	    cmocka_unit_test(test_crash_torn_512),
	    cmocka_unit_test(test_crash_torn_4090),
	    cmocka_unit_test(test_crash_torn_4095),
	    cmocka_unit_test(test_crash_error_torn_2048),
	    cmocka_unit_test(test_crash_delete_with_duplicate),
	    cmocka_unit_test(test_crash_during_format),
	};

	return cmocka_run_group_tests_name("objstore_crash", tests, NULL, NULL);
}
