/*
 * tools/sign/sign.c - cambios-sign: sign, verify and inspect ARCSIG-signed
 * executables (spec security.md §2; docs/security.md).
 *
 * Signing hashes the ELF bytes with BLAKE3 and signs the 32-byte digest
 * with Ed25519: with a seed file (--key, anywhere: build/, removable media)
 * or with an external signer command that reads the digest on stdin and
 * writes the signature on stdout (a hardware token, a remote host).  The
 * trailer format and the verification are the kernel's own code
 * (kernel/loader/arcsig.c, elf.c), so the tool and the kernel agree.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "kernel/loader/arcsig.h"
#include "kernel/loader/elf.h"
#include "tools/sign/keyfile.h"

#define MAX_ELF_SIZE   (512u << 20) /* larger than any loadable image */
#define SIGNER_OUT_MAX 512	    /* bytes read back from a signer */

/* Command line. */
struct opts {
	const char *key_path;		   /* --key: seed file */
	const char *pubs[ARCSIG_MAX_KEYS]; /* --pub: keys (file/hex) */
	unsigned npubs;			   /* entries in pubs */
	const char *signer;		   /* --external-signer */
	const char *out;		   /* -o: output path */
	const char *export_path;	   /* --export-pub */
	const char *elf;		   /* the one file argument */
	bool verify;			   /* --verify */
	bool print_pub;			   /* --print-pub */
	bool sign_digest;		   /* --sign-digest */
	bool no_check;			   /* --no-check */
	bool quiet;			   /* -q */
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage:\n"
	    "  cambios-sign --key <seed-file> [-o <out>] [--no-check] <elf>\n"
	    "  cambios-sign --external-signer <cmd> --pub <key> [-o <out>] "
	    "[--no-check] <elf>\n"
	    "  cambios-sign --verify --pub <key> [--pub <key>]... [--no-check] "
	    "<elf>\n"
	    "  cambios-sign --print-pub (--key <seed-file> | --pub <key>)\n"
	    "  cambios-sign --export-pub <file> (--key <seed-file> | --pub "
	    "<key>)\n"
	    "  cambios-sign --sign-digest --key <seed-file>  < digest > "
	    "signature\n"
	    "\n"
	    "Signing appends [Ed25519 signature of BLAKE3(elf)][\"ARCSIG\" 01 "
	    "00] to the\n"
	    "ELF, in place unless -o is given; an existing trailer is "
	    "replaced.  The ELF\n"
	    "must pass the kernel loader's checks unless --no-check.\n"
	    "  --key <file>      seed: 32 raw bytes or 64 hex digits (any "
	    "path, e.g.\n"
	    "                    removable media)\n"
	    "  --pub <key>       public key: a file (32 raw bytes or 64 hex "
	    "digits) or\n"
	    "                    64 hex digits inline; up to 4 with --verify\n"
	    "  --external-signer <cmd>  run `sh -c cmd`, write the 32-byte "
	    "digest to\n"
	    "                    its stdin, read the 64-byte signature (raw or "
	    "128 hex\n"
	    "                    digits) from its stdout; checked against "
	    "--pub\n"
	    "  --verify          check the signature (and the ELF rules); exit "
	    "0 if\n"
	    "                    valid, 1 if not\n"
	    "  --print-pub       print the public key in hex\n"
	    "  --export-pub <f>  write the public key as 32 raw bytes\n"
	    "  --sign-digest     read a 32-byte digest on stdin, write its "
	    "64-byte\n"
	    "                    signature to stdout (the other end of\n"
	    "                    --external-signer)\n"
	    "  -q, --quiet       no output on success\n"
	    "Exit status: 0 success, 1 failure (bad signature, I/O error), 2 "
	    "usage.\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
	    {"key", required_argument, NULL, 'k'},
	    {"pub", required_argument, NULL, 'p'},
	    {"external-signer", required_argument, NULL, 'E'},
	    {"output", required_argument, NULL, 'o'},
	    {"export-pub", required_argument, NULL, 'X'},
	    {"verify", no_argument, NULL, 'V'},
	    {"print-pub", no_argument, NULL, 'P'},
	    {"sign-digest", no_argument, NULL, 'D'},
	    {"no-check", no_argument, NULL, 'N'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "k:p:o:qh", lopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o->key_path = optarg;
			break;
		case 'p':
			if (o->npubs == ARCSIG_MAX_KEYS) {
				tool_error("at most %d --pub keys",
					   ARCSIG_MAX_KEYS);
				return 2;
			}
			o->pubs[o->npubs++] = optarg;
			break;
		case 'E':
			o->signer = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'X':
			o->export_path = optarg;
			break;
		case 'V':
			o->verify = true;
			break;
		case 'P':
			o->print_pub = true;
			break;
		case 'D':
			o->sign_digest = true;
			break;
		case 'N':
			o->no_check = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return 2;
		}
	}
	if (optind < argc)
		o->elf = argv[optind++];
	if (optind < argc) {
		tool_error("one file at a time");
		return 2;
	}
	return 0;
}

/* Verdict of the kernel's ELF checks, for the machine in the header. */
static int loader_check(const uint8_t *elf, size_t len,
			struct loader_verdict *v)
{
	static struct elf_image img;
	static struct elf_plan plan;
	uint16_t machine = len >= 20 ? (uint16_t)(elf[18] | elf[19] << 8) : 0;
	int err;

	if (machine != ELF_MACHINE_X86_64 && machine != ELF_MACHINE_AARCH64 &&
	    machine != ELF_MACHINE_RISCV)
		return loader_verdict_set(v, -1, LOADER_DENY_MALFORMED, -1,
					  "not an ELF for x86_64, AArch64 or "
					  "RISC-V");
	err = elf_parse(elf, len, machine, &img, v);
	if (!err)
		err = elf_verify(&img, v);
	if (!err)
		err = elf_plan_pages(&img, &plan, v);
	return err;
}

static void print_verdict(const char *path, const char *what,
			  const struct loader_verdict *v)
{
	fprintf(stderr, "%s: %s: %s: %s", keyfile_prog, path, what, v->reason);
	if (v->phidx >= 0)
		fprintf(stderr, " (program header %d)", v->phidx);
	fprintf(stderr, " [deny %d %s]\n", v->deny, loader_deny_name(v->deny));
}

/* Write all of buf to fd, ignoring EINTR. */
static int write_fd(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Parse a signer's answer: 64 raw bytes or 128 hex digits (+ space). */
static int parse_signature(const uint8_t *buf, size_t n, uint8_t sig[64])
{
	if (n == ARCSIG_SIG_LEN) {
		memcpy(sig, buf, ARCSIG_SIG_LEN);
		return 0;
	}
	while (n > 0 &&
	       (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	return hex_decode((const char *)buf, n, sig, ARCSIG_SIG_LEN);
}

/*
 * Run `sh -c cmd` with the digest on its stdin and read the signature from
 * its stdout.  Its stderr and the terminal stay ours, for PIN prompts.
 */
static int external_sign(const char *cmd, const uint8_t digest[32],
			 uint8_t sig[64])
{
	int to[2], from[2], status;
	uint8_t buf[SIGNER_OUT_MAX];
	size_t n = 0;
	pid_t pid;

	if (pipe(to))
		goto out_err;
	if (pipe(from)) {
		close(to[0]);
		close(to[1]);
		goto out_err;
	}
	pid = fork();
	if (pid < 0) {
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		goto out_err;
	}
	if (pid == 0) {
		dup2(to[0], STDIN_FILENO);
		dup2(from[1], STDOUT_FILENO);
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	/* A signer that exits without reading must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	(void)write_fd(to[1], digest, 32); /* failure shows in its exit */
	close(to[1]);
	for (;;) {
		ssize_t r = read(from[0], buf + n, sizeof(buf) - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof(buf))
			break;
	}
	close(from[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			goto out_err;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		tool_error("external signer failed (%s %d): %s",
			   WIFEXITED(status) ? "exit status" : "signal",
			   WIFEXITED(status) ? WEXITSTATUS(status)
					     : WTERMSIG(status),
			   cmd);
		return -1;
	}
	if (parse_signature(buf, n, sig)) {
		tool_error(
		    "external signer wrote %zu bytes, expected a 64-byte "
		    "signature (raw or 128 hex digits): %s",
		    n, cmd);
		return -1;
	}
	return 0;

out_err:
	tool_error("cannot run external signer: %s", strerror(errno));
	return -1;
}

/* The public key named by --key (preferred) or the first --pub. */
static int main_pub(const struct opts *o, uint8_t pk[32])
{
	uint8_t seed[32], sk[64];

	if (o->key_path) {
		if (keyfile_read_seed(o->key_path, seed))
			return -1;
		crypto_sign_seed_keypair(pk, sk, seed);
		sodium_memzero(seed, sizeof(seed));
		sodium_memzero(sk, sizeof(sk));
		return 0;
	}
	if (o->npubs)
		return keyfile_read_pub(o->pubs[0], pk);
	tool_error("no key: give --key <seed-file> or --pub <key>");
	return -1;
}

static int do_sign_digest(const struct opts *o)
{
	uint8_t seed[32], pk[32], sk[64], sig[64];
	uint8_t *in;
	size_t n;
	int rc = 1;

	if (!o->key_path) {
		tool_error("--sign-digest needs --key");
		return 2;
	}
	if (strcmp(o->key_path, "-") == 0) {
		tool_error("--sign-digest reads the digest on stdin: the key "
			   "must come from a file");
		return 2;
	}
	if (file_read("-", 64, &in, &n))
		return 1;
	if (n != ARCSIG_HASH_LEN) {
		tool_error(
		    "--sign-digest: read %zu bytes on stdin, expected %d", n,
		    ARCSIG_HASH_LEN);
		goto out_free;
	}
	if (keyfile_read_seed(o->key_path, seed))
		goto out_free;
	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_sign_detached(sig, NULL, in, n, sk);
	if (write_fd(STDOUT_FILENO, sig, sizeof(sig)) == 0)
		rc = 0;
	else
		tool_error("stdout: %s", strerror(errno));
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
out_free:
	free(in);
	return rc;
}

static int do_verify(const struct opts *o)
{
	struct arcsig_keyring kr;
	struct loader_verdict v;
	uint8_t pk[32], *data;
	size_t len, plen;
	int idx = -1, rc = 1;

	arcsig_keyring_init(&kr);
	for (unsigned i = 0; i < o->npubs; i++) {
		if (keyfile_read_pub(o->pubs[i], pk))
			return 1;
		(void)arcsig_keyring_add(&kr, pk); /* duplicates: fine */
	}
	if (o->key_path) {
		struct opts only_key = *o;

		only_key.npubs = 0;
		if (main_pub(&only_key, pk))
			return 1;
		(void)arcsig_keyring_add(&kr, pk);
	}
	if (kr.count == 0) {
		tool_error("--verify needs a trusted key: --pub <key>");
		return 2;
	}
	if (file_read(o->elf, MAX_ELF_SIZE, &data, &len))
		return 1;
	if (arcsig_verify(&kr, data, len, &plen, &idx, &v)) {
		print_verdict(o->elf, "FAILED", &v);
		goto out;
	}
	if (!o->no_check && loader_check(data, plen, &v)) {
		print_verdict(o->elf,
			      "signature valid, but the loader would reject it",
			      &v);
		goto out;
	}
	if (!o->quiet) {
		printf("%s: OK: signature valid, key ", o->elf);
		hex_write(stdout, kr.key[idx], 32);
		printf("\n");
	}
	rc = 0;
out:
	free(data);
	return rc;
}

/* Sign payload (the ELF without trailer) into a new signed buffer. */
static int make_signature(const struct opts *o, const uint8_t *payload,
			  size_t plen, uint8_t sig[64], uint8_t pk[32])
{
	uint8_t digest[ARCSIG_HASH_LEN], seed[32], sk[64];

	arcsig_digest(payload, plen, digest);
	if (o->signer) {
		if (o->npubs != 1) {
			tool_error("--external-signer needs exactly one --pub "
				   "(its public key)");
			return -1;
		}
		if (keyfile_read_pub(o->pubs[0], pk))
			return -1;
		return external_sign(o->signer, digest, sig);
	}
	if (keyfile_read_seed(o->key_path, seed))
		return -1;
	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_sign_detached(sig, NULL, digest, sizeof(digest), sk);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	return 0;
}

static int do_sign(const struct opts *o)
{
	const char *out = o->out ? o->out : o->elf;
	struct arcsig_keyring kr;
	struct loader_verdict v;
	uint8_t sig[64], pk[32], *data;
	size_t len, plen;
	bool had_trailer;
	struct stat st;
	mode_t mode = 0755;
	int rc = 1;

	if (!o->key_path == !o->signer) {
		tool_error("give exactly one of --key or --external-signer");
		return 2;
	}
	if (file_read(o->elf, MAX_ELF_SIZE - ARCSIG_TRAILER_LEN, &data, &len))
		return 1;
	if (stat(o->elf, &st) == 0)
		mode = st.st_mode & 07777;
	plen = arcsig_payload_len(data, len);
	had_trailer = plen != len;
	if (!o->no_check && loader_check(data, plen, &v)) {
		print_verdict(o->elf, "refusing to sign (--no-check to force)",
			      &v);
		goto out_free;
	}
	if (make_signature(o, data, plen, sig, pk))
		goto out_free;

	/* data has room: len >= plen, and len - plen is 0 or 72. */
	if (!had_trailer) {
		uint8_t *bigger = realloc(data, plen + ARCSIG_TRAILER_LEN);

		if (!bigger) {
			tool_error("out of memory");
			goto out_free;
		}
		data = bigger;
	}
	arcsig_write_trailer(data + plen, sig);
	len = plen + ARCSIG_TRAILER_LEN;

	/* Check what we wrote with the kernel's verifier before saving. */
	arcsig_keyring_init(&kr);
	if (arcsig_keyring_add(&kr, pk) ||
	    arcsig_verify(&kr, data, len, NULL, NULL, &v)) {
		tool_error("%s: the new signature does not verify under the "
			   "public key%s; nothing written",
			   o->elf, o->signer ? " given with --pub" : "");
		goto out_free;
	}
	if (file_write(out, data, len, mode, false))
		goto out_free;
	if (!o->quiet) {
		uint8_t digest[32];

		arcsig_digest(data, plen, digest);
		printf("%s: signed%s: %zu bytes, blake3 ", out,
		       had_trailer ? " (replaced old signature)" : "", plen);
		hex_write(stdout, digest, 32);
		printf(", key ");
		hex_write(stdout, pk, 32);
		printf("\n");
	}
	rc = 0;
out_free:
	free(data);
	return rc;
}

/*
 * Make sure fds 0-2 are open, so that the signer's pipes never land on them
 * (dup2 onto itself, then close, would lose the pipe).
 */
static void open_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			exit(1);
}

int main(int argc, char **argv)
{
	struct opts o;
	uint8_t pk[32];
	int rc;

	keyfile_prog = "cambios-sign";
	open_std_fds();
	rc = parse_args(argc, argv, &o);
	if (rc) {
		usage(stderr);
		return rc;
	}
	if (sodium_init() < 0) {
		tool_error("libsodium failed to initialise");
		return 1;
	}
	if (o.sign_digest)
		return do_sign_digest(&o);
	if (o.verify) {
		if (!o.elf) {
			tool_error("--verify needs a file");
			return 2;
		}
		return do_verify(&o);
	}
	if (o.elf) {
		rc = do_sign(&o);
		if (rc)
			return rc;
	}
	if (o.print_pub || o.export_path) {
		if (main_pub(&o, pk))
			return 1;
		if (o.export_path &&
		    file_write(o.export_path, pk, 32, 0644, false))
			return 1;
		if (o.print_pub) {
			hex_write(stdout, pk, 32);
			printf("\n");
		}
	} else if (!o.elf) {
		usage(stderr);
		return 2;
	}
	return fflush(stdout) ? 1 : 0;
}
