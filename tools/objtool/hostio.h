/*
 * tools/objtool/hostio.h - the few host file operations cambios-objtool
 * needs, kept apart because the host's <errno.h> and abi/errno.h cannot
 * share a translation unit (same names, different values).  Errors are
 * positive host errno values; hostio_strerror() names them.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/** Returned by hostio_read_file when the file exceeds the buffer. */
#define HOSTIO_TOO_BIG (-1)

/**
 * Read all of @path ("-" = standard input) into @buf (@cap bytes), setting
 * *@len.  Returns 0, a host errno, or HOSTIO_TOO_BIG.
 */
int hostio_read_file(const char *path, void *buf, size_t cap, size_t *len);

/** Write @len bytes to @path (created/truncated, mode 0644; "-" = stdout). */
int hostio_write_file(const char *path, const void *buf, size_t len);

/**
 * Make @path a zero-filled regular file of exactly @bytes bytes (sparse),
 * discarding what it held.  Refuses anything but a regular file (EINVAL).
 */
int hostio_create_image(const char *path, uint64_t bytes);

/**
 * Size of the regular file @path in *@bytes.  Returns 0 or a host errno
 * (ENOENT when missing, EINVAL when not a regular file).
 */
int hostio_file_size(const char *path, uint64_t *bytes);

/** True when @err is the host's "no such file" code. */
int hostio_is_enoent(int err);

/** Text for a host errno or HOSTIO_TOO_BIG. */
const char *hostio_strerror(int err);
