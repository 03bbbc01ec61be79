/*
 * tools/objtool/blockdev_file.h - a block device over a host file (a disk
 * image), for host tools.  Reads and writes whole 4096-byte blocks with
 * pread/pwrite; flush is fsync.  A trailing partial block is ignored.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/fs/blockdev.h"

/** State of one file-backed device. */
struct blockdev_file {
	int fd;		 /**< open image, -1 when closed */
	uint64_t blocks; /**< whole blocks in the file at open */
};

/**
 * Open @path (read-write unless @read_only) and fill @dev.  Returns 0 or a
 * negative host errno (-ENOENT, -EACCES, ...) for the caller to print with
 * strerror.
 */
int blockdev_file_open(struct blockdev_file *bf, const char *path,
		       bool read_only, struct blockdev *dev);

/** Close the image.  Returns 0 or a negative host errno. */
int blockdev_file_close(struct blockdev_file *bf);
