/*
 * tools/objtool/hostio.c - host file helpers for cambios-objtool.
 */
#include "tools/objtool/hostio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int hostio_read_file(const char *path, void *buf, size_t cap, size_t *len)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	size_t done = 0;
	char extra;
	int err = 0;

	if (fd < 0)
		return errno;
	for (;;) {
		ssize_t n = done < cap
				? read(fd, (char *)buf + done, cap - done)
				: read(fd, &extra, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			break;
		}
		if (n == 0)
			break;
		if (done == cap) {
			err = HOSTIO_TOO_BIG;
			break;
		}
		done += (size_t)n;
	}
	if (fd != 0)
		close(fd);
	*len = done;
	return err;
}

int hostio_write_file(const char *path, const void *buf, size_t len)
{
	int fd =
	    strcmp(path, "-") == 0
		? 1
		: open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t done = 0;
	int err = 0;

	if (fd < 0)
		return errno;
	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		done += (size_t)n;
	}
	if (fd != 1 && close(fd) != 0 && !err)
		err = errno;
	return err;
}

int hostio_file_size(const char *path, uint64_t *bytes)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EINVAL;
	*bytes = (uint64_t)st.st_size;
	return 0;
}

int hostio_create_image(const char *path, uint64_t bytes)
{
	struct stat st;
	int fd, err = 0;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return EINVAL;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	/* Truncating to 0 first drops every old byte: the image reads 0. */
	if (ftruncate(fd, 0) != 0 || ftruncate(fd, (off_t)bytes) != 0 ||
	    fsync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && !err)
		err = errno;
	return err;
}

int hostio_is_enoent(int err)
{
	return err == ENOENT;
}

const char *hostio_strerror(int err)
{
	if (err == HOSTIO_TOO_BIG)
		return "file too large";
	return strerror(err);
}
