/*
 * tools/b3sum/b3sum.c - cambios-b3sum: BLAKE3 of files, output compatible
 * with b3sum(1), using the project's own lib/crypto/blake3.c.
 *
 *   cambios-b3sum [--length N] [--no-names] [file...]
 *
 * One line per file, "<hex>  <name>"; standard input when no file is given
 * or for "-".  Names holding a backslash or newline are escaped ("\\",
 * "\n") and the line starts with a backslash, as b3sum does.  An unreadable
 * file prints an error, the others are still hashed, and the exit status
 * is 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/crypto/blake3.h"

#define READ_CHUNK (64u * 1024)
/* Output lengths beyond this are refused rather than allocated. */
#define MAX_OUT_LEN (1u << 24)

static const char *prog = "cambios-b3sum";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cambios-b3sum [--length N] [--no-names] [file...]\n"
		"  Prints the BLAKE3 hash of each file (standard input when "
		"none, or for -)\n"
		"  as \"<hex>  <name>\", like b3sum.\n"
		"  -l, --length N   output N bytes (default 32, at most %u)\n"
		"  --no-names       print the hash only\n",
		MAX_OUT_LEN);
}

/* Hash everything readable from fd; -1 with errno on a read error. */
static int hash_fd(int fd, struct blake3_hasher *h, uint8_t *buf)
{
	blake3_init(h);
	for (;;) {
		ssize_t r = read(fd, buf, READ_CHUNK);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		blake3_update(h, buf, (size_t)r);
	}
}

static void print_name(const char *name)
{
	for (const char *p = name; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", stdout);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else
			fputc(*p, stdout);
	}
}

static int hash_one(const char *name, size_t out_len, bool names,
		    struct blake3_hasher *h, uint8_t *buf, uint8_t *out)
{
	bool is_stdin = strcmp(name, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(name, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, name, strerror(errno));
		return -1;
	}
	err = hash_fd(fd, h, buf);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, name, strerror(errno));
	if (!is_stdin)
		close(fd);
	if (err)
		return -1;

	blake3_finalize(h, out, out_len);
	if (names && (strchr(name, '\\') || strchr(name, '\n')))
		fputc('\\', stdout);
	for (size_t i = 0; i < out_len; i++)
		printf("%02x", out[i]);
	if (names) {
		fputs("  ", stdout);
		print_name(name);
	}
	fputc('\n', stdout);
	return 0;
}

static int parse_length(const char *s, size_t *len)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > MAX_OUT_LEN)
		return -1;
	*len = (size_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	static struct blake3_hasher hasher;
	const char **files;
	size_t out_len = 32, nfiles = 0;
	bool names = true, opts_done = false;
	uint8_t *buf, *out;
	int rc = 0;

	files = calloc((size_t)argc + 1, sizeof(*files));
	if (!files)
		return 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;

		if (opts_done || a[0] != '-' || strcmp(a, "-") == 0) {
			files[nfiles++] = a;
		} else if (strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (strcmp(a, "--no-names") == 0) {
			names = false;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "-l") == 0 || strcmp(a, "--length") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "%s: %s needs a value\n", prog,
					a);
				return 2;
			}
			val = argv[++i];
		} else if (strncmp(a, "--length=", 9) == 0) {
			val = a + 9;
		} else if (strncmp(a, "-l", 2) == 0) {
			val = a + 2;
		} else {
			fprintf(stderr, "%s: unknown option %s\n", prog, a);
			usage(stderr);
			return 2;
		}
		if (val && parse_length(val, &out_len)) {
			fprintf(stderr, "%s: bad length '%s' (0..%u)\n", prog,
				val, MAX_OUT_LEN);
			return 2;
		}
	}
	if (nfiles == 0)
		files[nfiles++] = "-";

	buf = malloc(READ_CHUNK);
	out = malloc(out_len ? out_len : 1);
	if (!buf || !out) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	for (size_t i = 0; i < nfiles; i++)
		if (hash_one(files[i], out_len, names, &hasher, buf, out))
			rc = 1;
	if (fflush(stdout)) {
		fprintf(stderr, "%s: stdout: %s\n", prog, strerror(errno));
		rc = 1;
	}
	free(buf);
	free(out);
	free(files);
	return rc;
}
