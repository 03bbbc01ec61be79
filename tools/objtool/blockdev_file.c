/*
 * tools/objtool/blockdev_file.c - file-backed block device (host only).
 */
#include "tools/objtool/blockdev_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The host's <errno.h> and abi/errno.h share names (ENOENT, EIO, ...), so
 * the device's error codes, which the store expects from abi/errno.h, are
 * spelled as literal values here: -ERANGE (34) and -EIO (2002).
 */
#define BDF_ERANGE 34
#define BDF_EIO	   2002

static int file_read(void *ctx, uint64_t lba, void *buf)
{
	struct blockdev_file *bf = ctx;
	size_t done = 0;

	if (lba >= bf->blocks)
		return -BDF_ERANGE;
	while (done < BLOCKDEV_BLOCK_SIZE) {
		ssize_t n = pread(bf->fd, (char *)buf + done,
				  BLOCKDEV_BLOCK_SIZE - done,
				  (off_t)(lba * BLOCKDEV_BLOCK_SIZE + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -BDF_EIO;
		done += (size_t)n;
	}
	return 0;
}

static int file_write(void *ctx, uint64_t lba, const void *buf)
{
	struct blockdev_file *bf = ctx;
	size_t done = 0;

	if (lba >= bf->blocks)
		return -BDF_ERANGE;
	while (done < BLOCKDEV_BLOCK_SIZE) {
		ssize_t n = pwrite(bf->fd, (const char *)buf + done,
				   BLOCKDEV_BLOCK_SIZE - done,
				   (off_t)(lba * BLOCKDEV_BLOCK_SIZE + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -BDF_EIO;
		done += (size_t)n;
	}
	return 0;
}

static int file_flush(void *ctx)
{
	struct blockdev_file *bf = ctx;

	return fsync(bf->fd) == 0 ? 0 : -BDF_EIO;
}

static uint64_t file_capacity(void *ctx)
{
	const struct blockdev_file *bf = ctx;

	return bf->blocks;
}

static const struct blockdev_ops file_ops = {
    .read = file_read,
    .write = file_write,
    .flush = file_flush,
    .capacity = file_capacity,
};

int blockdev_file_open(struct blockdev_file *bf, const char *path,
		       bool read_only, struct blockdev *dev)
{
	struct stat st;

	bf->fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (bf->fd < 0)
		return -errno;
	if (fstat(bf->fd, &st) != 0) {
		int err = -errno;

		close(bf->fd);
		bf->fd = -1;
		return err;
	}
	bf->blocks = (uint64_t)st.st_size / BLOCKDEV_BLOCK_SIZE;
	dev->ops = &file_ops;
	dev->ctx = bf;
	return 0;
}

int blockdev_file_close(struct blockdev_file *bf)
{
	int err = 0;

	if (bf->fd >= 0 && close(bf->fd) != 0)
		err = -errno;
	bf->fd = -1;
	return err;
}
