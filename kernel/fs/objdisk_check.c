/*
 * kernel/fs/objdisk_check.c - fsck for the disk store.
 */
#include "kernel/fs/objdisk_check.h"

#include "kernel/fs/objstore_disk.h"
#include "lib/klib/string.h"
#include "abi/errno.h"

struct check_ctx {
	struct objstore_disk *ds;
	objdisk_check_fn fn;
	void *arg;
	struct objdisk_check_report *rep;
};

static void report(struct check_ctx *c, enum objdisk_check_level level,
		   int64_t slot, const uint8_t *hash, const char *what)
{
	if (level == OBJDISK_CHECK_DAMAGE)
		c->rep->damaged++;
	else if (level == OBJDISK_CHECK_WARN)
		c->rep->warnings++;
	if (c->fn)
		c->fn(c->arg, level, slot, hash, what);
}

/* A free slot: is its content block left over from something? */
static void check_orphan(struct check_ctx *c, uint64_t s)
{
	struct objstore_disk *ds = c->ds;

	if (blockdev_read(&ds->dev, objdisk_content_lba(s), ds->blk)) {
		report(c, OBJDISK_CHECK_WARN, (int64_t)s, NULL,
		       "content block of a free slot unreadable");
		return;
	}
	if (!cambi_is_zero(ds->blk, OBJDISK_BLOCK_SIZE)) {
		c->rep->orphans++;
		report(c, OBJDISK_CHECK_INFO, (int64_t)s, NULL,
		       "orphan content (deleted object or interrupted put)");
	}
}

/* A valid record: verify its content, padding and signature. */
static void check_record(struct check_ctx *c, uint64_t s)
{
	struct objstore_disk *ds = c->ds;
	struct cambi_object *obj = &ds->scratch;
	const uint8_t *hash = obj->content_hash;
	int err;

	if (ds->state[s] == OBJSTORE_DISK_DUP) {
		report(c, OBJDISK_CHECK_DAMAGE, (int64_t)s, hash,
		       "duplicate of a record in an earlier slot");
		return;
	}
	if (blockdev_read(&ds->dev, objdisk_content_lba(s), ds->blk)) {
		report(c, OBJDISK_CHECK_DAMAGE, (int64_t)s, hash,
		       "content block unreadable");
		return;
	}
	memcpy(obj->content, ds->blk, obj->content_len);
	memset(obj->content + obj->content_len, 0,
	       CAMBI_CONTENT_MAX - obj->content_len);
	err = cambi_object_validate(obj);
	if (err == -EBADSIG) {
		report(c, OBJDISK_CHECK_DAMAGE, (int64_t)s, hash,
		       "signature does not verify");
		return;
	}
	if (err == -ENOSYS) {
		report(c, OBJDISK_CHECK_DAMAGE, (int64_t)s, hash,
		       "signed with an unsupported algorithm");
		return;
	}
	if (err) {
		report(c, OBJDISK_CHECK_DAMAGE, (int64_t)s, hash,
		       "content does not match its hash");
		return;
	}
	if (!cambi_is_zero(ds->blk + obj->content_len,
			   OBJDISK_BLOCK_SIZE - obj->content_len)) {
		report(c, OBJDISK_CHECK_DAMAGE, (int64_t)s, hash,
		       "content padding is not zero");
		return;
	}
	c->rep->objects++;
	if (cambi_object_is_signed(obj))
		c->rep->signed_objects++;
}

static void check_slot(struct check_ctx *c, uint64_t s)
{
	struct objstore_disk *ds = c->ds;

	if (blockdev_read(&ds->dev, objdisk_header_lba(s), ds->blk)) {
		report(c, OBJDISK_CHECK_DAMAGE, (int64_t)s, NULL,
		       "header block unreadable");
		return;
	}
	switch (objdisk_record_decode(ds->blk, &ds->scratch)) {
	case OBJDISK_REC_EMPTY:
		c->rep->free++;
		if (!cambi_is_zero(ds->blk, OBJDISK_BLOCK_SIZE))
			report(c, OBJDISK_CHECK_INFO, (int64_t)s, NULL,
			       "free header holds stray bytes");
		check_orphan(c, s);
		break;
	case OBJDISK_REC_TORN:
		c->rep->free++;
		c->rep->torn++;
		report(c, OBJDISK_CHECK_INFO, (int64_t)s, NULL,
		       "torn header (interrupted write), slot is free");
		check_orphan(c, s);
		break;
	case OBJDISK_REC_MALFORMED:
		report(c, OBJDISK_CHECK_DAMAGE, (int64_t)s, NULL,
		       "malformed record (valid checksum, bad fields)");
		break;
	case OBJDISK_REC_VALID:
		check_record(c, s);
		break;
	}
}

int objdisk_check(struct objstore_disk *ds, const struct blockdev *dev,
		  objdisk_check_fn fn, void *arg,
		  struct objdisk_check_report *rep)
{
	struct check_ctx c = {.ds = ds, .fn = fn, .arg = arg, .rep = rep};
	struct objstore st;
	int err;

	memset(rep, 0, sizeof(*rep));
	err = objstore_disk_mount(ds, dev, OBJSTORE_DISK_READONLY, &st);
	if (err)
		return err;
	rep->capacity = ds->sb.capacity;
	rep->generation = ds->sb.generation;
	if (ds->info.sb_recovered)
		report(&c, OBJDISK_CHECK_WARN, -1, NULL,
		       "superblock torn by an interrupted mount (recovered)");
	for (uint64_t s = 0; s < ds->sb.capacity; s++)
		check_slot(&c, s);
	return 0;
}
