/*
 * tools/keygen/keygen.c - cambios-keygen: make an Ed25519 signing key.
 *
 *   cambios-keygen [--hex] [--force] <out-seed-file> [--pub <out-pub-file>]
 *
 * The 32-byte seed comes from /dev/urandom and is written with mode 0600
 * (raw, or 64 hex digits with --hex); an existing file is never replaced
 * unless --force.  The public key is printed in hex on stdout and, with
 * --pub, written raw (32 bytes) for the kernel build to embed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "tools/sign/keyfile.h"

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: cambios-keygen [--hex] [--force] <out-seed-file> "
	       "[--pub <out-pub-file>]\n"
	       "  Makes an Ed25519 key pair from /dev/urandom.  The seed file "
	       "(32 raw bytes,\n"
	       "  or 64 hex digits with --hex) is created with mode 0600; "
	       "keep it secret.\n"
	       "  Prints the public key in hex; --pub also writes it as 32 raw "
	       "bytes.\n"
	       "  --force replaces an existing seed file.\n");
}

static int random_seed(uint8_t seed[32])
{
	size_t n = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		tool_error("/dev/urandom: %s", strerror(errno));
		return -1;
	}
	while (n < 32) {
		ssize_t r = read(fd, seed + n, 32 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			tool_error("/dev/urandom: %s",
				   r ? strerror(errno) : "short read");
			close(fd);
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"pub", required_argument, NULL, 'p'},
	    {"hex", no_argument, NULL, 'x'},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *pub_path = NULL, *seed_path;
	bool hex = false, force = false;
	uint8_t seed[32], pk[32], sk[64];
	char seed_hex[65];
	int c, rc = 1;

	keyfile_prog = "cambios-keygen";
	while ((c = getopt_long(argc, argv, "p:xfh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pub_path = optarg;
			break;
		case 'x':
			hex = true;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	seed_path = argv[optind];
	if (sodium_init() < 0) {
		tool_error("libsodium failed to initialise");
		return 1;
	}

	if (random_seed(seed))
		goto out;
	crypto_sign_seed_keypair(pk, sk, seed);
	if (hex) {
		for (int i = 0; i < 32; i++)
			snprintf(seed_hex + 2 * i, 3, "%02x", seed[i]);
		seed_hex[64] = '\n';
		if (file_write(seed_path, seed_hex, 65, 0600, !force))
			goto out;
	} else if (file_write(seed_path, seed, 32, 0600, !force)) {
		goto out;
	}
	if (pub_path && file_write(pub_path, pk, 32, 0644, false))
		goto out;
	hex_write(stdout, pk, 32);
	fputc('\n', stdout);
	rc = fflush(stdout) ? 1 : 0;
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(seed_hex, sizeof(seed_hex));
	return rc;
}
