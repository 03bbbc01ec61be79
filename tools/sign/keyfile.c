/*
 * tools/sign/keyfile.c - key files, hex and whole-file I/O for the host
 * signing tools.
 */
#include "tools/sign/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/klib/string.h"

const char *keyfile_prog = "cambios";

void tool_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", keyfile_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int hex_decode(const char *s, size_t slen, uint8_t *out, size_t n)
{
	if (slen != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void hex_write(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int key_parse(const uint8_t *data, size_t len, uint8_t out[KEYFILE_KEY_LEN])
{
	size_t n = len;

	if (len == KEYFILE_KEY_LEN) {
		memcpy(out, data, KEYFILE_KEY_LEN);
		return 0;
	}
	while (n > 0 && is_space(data[n - 1]))
		n--;
	return hex_decode((const char *)data, n, out, KEYFILE_KEY_LEN);
}

int file_read(const char *path, size_t max, uint8_t **data, size_t *len)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	uint8_t *buf = NULL;
	struct stat st;

	if (fd < 0) {
		tool_error("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		tool_error("%s: is a directory", path);
		goto out_close;
	}
	buf = malloc(cap);
	if (!buf) {
		tool_error("%s: out of memory", path);
		goto out_close;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			uint8_t *bigger;

			if (cap > max) {
				tool_error("%s: larger than %zu bytes", path,
					   max);
				goto out_free;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				tool_error("%s: out of memory", path);
				goto out_free;
			}
			buf = bigger;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			tool_error("%s: %s", path, strerror(errno));
			goto out_free;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		tool_error("%s: larger than %zu bytes", path, max);
		goto out_free;
	}
	if (!is_stdin)
		close(fd);
	*data = buf;
	*len = n;
	return 0;

out_free:
	/* May hold key material. */
	memset(buf, 0, cap);
	free(buf);
out_close:
	if (!is_stdin)
		close(fd);
	return -1;
}

int keyfile_read_seed(const char *path, uint8_t seed[KEYFILE_KEY_LEN])
{
	struct stat st;
	uint8_t *data;
	size_t len;
	int err;

	if (file_read(path, 4096, &data, &len))
		return -1;
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
	    S_ISREG(st.st_mode) && (st.st_mode & 077))
		fprintf(stderr,
			"%s: warning: %s is readable by other users "
			"(chmod 600 it)\n",
			keyfile_prog, path);
	err = key_parse(data, len, seed);
	memset(data, 0, len);
	free(data);
	if (err)
		tool_error("%s: not a key: expected 32 raw bytes or 64 hex "
			   "digits (file has %zu bytes)",
			   path, len);
	return err;
}

int keyfile_read_pub(const char *arg, uint8_t pk[KEYFILE_KEY_LEN])
{
	uint8_t *data;
	size_t len;
	int err;

	if (access(arg, F_OK) != 0 &&
	    hex_decode(arg, strlen(arg), pk, KEYFILE_KEY_LEN) == 0)
		return 0;
	if (file_read(arg, 4096, &data, &len))
		return -1;
	err = key_parse(data, len, pk);
	free(data);
	if (err)
		tool_error("%s: not a public key: expected 32 raw bytes or 64 "
			   "hex digits (file has %zu bytes)",
			   arg, len);
	return err;
}

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int write_new(const char *path, const void *data, size_t len,
		     mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0) {
		tool_error("%s: %s%s", path, strerror(errno),
			   errno == EEXIST ? " (refusing to overwrite)" : "");
		return -1;
	}
	/* The umask may have cleared bits; a key must not gain any. */
	if (fchmod(fd, mode) || write_all(fd, data, len) || fsync(fd)) {
		tool_error("%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd)) {
		tool_error("%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int file_write(const char *path, const void *data, size_t len, mode_t mode,
	       bool exclusive)
{
	size_t plen = strlen(path);
	char *tmp;
	int fd;

	if (exclusive)
		return write_new(path, data, len, mode);
	tmp = malloc(plen + sizeof(".tmpXXXXXX"));
	if (!tmp) {
		tool_error("%s: out of memory", path);
		return -1;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmpXXXXXX", sizeof(".tmpXXXXXX"));
	fd = mkstemp(tmp);
	if (fd < 0) {
		tool_error("%s: cannot create temporary file: %s", path,
			   strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, mode) || write_all(fd, data, len) || fsync(fd)) {
		tool_error("%s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	if (close(fd)) {
		fd = -1;
		tool_error("%s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path)) {
		tool_error("%s: %s", path, strerror(errno));
		goto out_unlink;
	}
	free(tmp);
	return 0;

out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}
