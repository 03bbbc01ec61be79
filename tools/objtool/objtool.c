/*
 * tools/objtool/objtool.c - cambios-objtool: inspect and edit object store
 * disk images on the host with the kernel's own store code.
 *
 *   cambios-objtool <image> format [--blocks N] [--slots N] [--force]
 *   cambios-objtool <image> info
 *   cambios-objtool <image> list
 *   cambios-objtool <image> get <hash> [--out FILE]
 *   cambios-objtool <image> put <FILE> (--key KEYFILE [--owner PUBFILE] |
 *                                       --unsigned)
 *   cambios-objtool <image> delete <hash>
 *   cambios-objtool <image> check [--verbose]
 *
 * Exit status: 0 success, 1 failure (or damage found by check), 2 usage.
 * Every failure is one line on stderr starting "cambios-objtool: ".
 * Key files: exactly 32 raw bytes (an Ed25519 seed), or 64 hex digits
 * (optionally followed by whitespace).  --owner names a public key in the
 * same format: the object's owner, when it is not the signer (the author).  docs/storage.md has the details.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/fs/objdisk_check.h"
#include "kernel/fs/objstore_disk.h"
#include "tools/objtool/blockdev_file.h"
#include "tools/objtool/hostio.h"
#include "abi/errno.h"
#include "lib/klib/string.h"

#define PROG	       "cambios-objtool"
#define DEFAULT_BLOCKS 16384u /* 64 MiB: the largest store, 4096 slots */
#define MAX_BLOCKS     (UINT64_C(1) << 32) /* 16 TiB of sparse file */
#define EXIT_FAIL      1
#define EXIT_USAGE     2

/* Everything one invocation works on. */
struct tool {
	const char *image;	   /* image path */
	struct blockdev_file file; /* the open image */
	struct blockdev dev;	   /* over file */
	struct objstore_disk *ds;  /* heap: about 152 KiB */
	struct objstore st;	   /* after mount */
	struct cambi_object *obj;  /* heap: one object buffer */
	bool verbose;		   /* check: print INFO findings */
};

static void die_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void die_msg(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int usage(void)
{
	fputs("usage: " PROG " <image> <command> [args]\n"
	      "  format [--blocks N] [--slots N] [--force]  create a store\n"
	      "  info                                 superblock and counts\n"
	      "  list                                 hash, size, signature\n"
	      "  get <hash> [--out FILE]              content to stdout/FILE\n"
	      "  put <FILE> (--key KEYFILE [--owner PUBFILE] | --unsigned)\n"
	      "                              store a file\n"
	      "  delete <hash>                        remove an object\n"
	      "  check [--verbose]                    verify everything\n"
	      "key file: 32 raw seed bytes or 64 hex digits\n",
	      stderr);
	return EXIT_USAGE;
}

/* Decode exactly 2 * @n hex digits from @s (length @len); false if not. */
static bool hex_decode(const char *s, size_t len, uint8_t *out, size_t n)
{
	if (len != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool parse_hash(const char *s, uint8_t hash[CAMBI_HASH_SIZE])
{
	if (hex_decode(s, strlen(s), hash, CAMBI_HASH_SIZE))
		return true;
	die_msg("bad hash '%s': need 64 hex digits", s);
	return false;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return false;
	*out = v;
	return true;
}

/* A 32-byte raw seed, or 64 hex digits plus optional trailing space. */
static bool load_key(const char *path, uint8_t seed[32])
{
	char buf[256];
	size_t len;
	int err = hostio_read_file(path, buf, sizeof(buf), &len);

	if (err) {
		die_msg("%s: cannot read key: %s", path, hostio_strerror(err));
		return false;
	}
	if (len == 32) {
		memcpy(seed, buf, 32);
		sodium_memzero(buf, sizeof(buf));
		return true;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
			   buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	if (!hex_decode(buf, len, seed, 32)) {
		sodium_memzero(buf, sizeof(buf));
		die_msg("%s: not a key (need 32 raw bytes or 64 hex digits)",
			path);
		return false;
	}
	sodium_memzero(buf, sizeof(buf));
	return true;
}

static bool open_image(struct tool *t, bool read_only)
{
	int err = blockdev_file_open(&t->file, t->image, read_only, &t->dev);

	if (err) {
		die_msg("%s: cannot open: %s", t->image, hostio_strerror(-err));
		return false;
	}
	return true;
}

static const char *mount_hint(int err)
{
	switch (-err) {
	case EBLANK:
		return " (run 'format' first)";
	case ENOSPC:
		return " (image too small for its store)";
	default:
		return "";
	}
}

static bool mount_image(struct tool *t, bool read_only)
{
	int err;

	if (!open_image(t, read_only))
		return false;
	err = objstore_disk_mount(
	    t->ds, &t->dev, read_only ? OBJSTORE_DISK_READONLY : 0, &t->st);
	if (err) {
		die_msg("%s: cannot mount: %s (%s)%s", t->image,
			errno_message(err), errno_name(err), mount_hint(err));
		return false;
	}
	return true;
}

static int cmd_format(struct tool *t, int argc, char **argv)
{
	uint64_t blocks = 0, slots = 0, size;
	bool force = false, exists;
	int err;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0) {
			force = true;
		} else if (strcmp(argv[i], "--blocks") == 0 && i + 1 < argc) {
			if (!parse_u64(argv[++i], &blocks))
				return usage();
		} else if (strcmp(argv[i], "--slots") == 0 && i + 1 < argc) {
			if (!parse_u64(argv[++i], &slots))
				return usage();
		} else {
			return usage();
		}
	}
	err = hostio_file_size(t->image, &size);
	if (err && !hostio_is_enoent(err)) {
		die_msg("%s: %s", t->image, hostio_strerror(err));
		return EXIT_FAIL;
	}
	exists = err == 0;
	if (exists && !force) {
		/* Refuse to erase a store (or anything else) by accident. */
		struct objdisk_super sb;
		uint8_t *blk = t->ds->blk;

		if (!open_image(t, true))
			return EXIT_FAIL;
		if (t->file.blocks > 0 &&
		    (blockdev_read(&t->dev, 0, blk) != 0 ||
		     objdisk_super_decode(blk, t->ds->scratch.content, &sb,
					  NULL) != -EBLANK)) {
			die_msg("%s: not blank (holds a store or other "
				"data); use --force to erase it",
				t->image);
			return EXIT_FAIL;
		}
		(void)blockdev_file_close(&t->file); /* reopened below */
	}
	if (blocks == 0)
		blocks = exists && size / BLOCKDEV_BLOCK_SIZE >= 3
			     ? size / BLOCKDEV_BLOCK_SIZE
			     : DEFAULT_BLOCKS;
	if (blocks < OBJDISK_MIN_BLOCKS || blocks > MAX_BLOCKS) {
		die_msg("--blocks %llu: need 3..%llu",
			(unsigned long long)blocks,
			(unsigned long long)MAX_BLOCKS);
		return EXIT_FAIL;
	}
	err = hostio_create_image(t->image, blocks * BLOCKDEV_BLOCK_SIZE);
	if (err) {
		die_msg("%s: cannot create: %s", t->image,
			hostio_strerror(err));
		return EXIT_FAIL;
	}
	if (!open_image(t, false))
		return EXIT_FAIL;
	/* The file was just zero-filled, so headers need no clearing. */
	err = objstore_disk_format(t->ds, &t->dev, slots, 0,
				   OBJSTORE_DISK_ASSUME_ZEROED);
	if (err) {
		die_msg("%s: format failed: %s", t->image, errno_message(err));
		return EXIT_FAIL;
	}
	printf("formatted %s: %llu blocks, %llu slots\n", t->image,
	       (unsigned long long)blocks,
	       (unsigned long long)t->ds->sb.capacity);
	return 0;
}

static int cmd_info(struct tool *t, int argc, char **argv)
{
	struct objstore_stat s;

	(void)argv;
	if (argc != 0)
		return usage();
	if (!mount_image(t, true))
		return EXIT_FAIL;
	if (objstore_stat(&t->st, &s))
		return EXIT_FAIL;
	printf("version     %u\n", t->ds->sb.version);
	printf("blocks      %llu\n", (unsigned long long)t->file.blocks);
	printf("slots       %llu\n", (unsigned long long)s.capacity);
	printf("objects     %llu\n", (unsigned long long)s.objects);
	printf("free        %llu\n",
	       (unsigned long long)(s.capacity - s.objects - s.unusable));
	printf("unusable    %llu\n", (unsigned long long)s.unusable);
	printf("generation  %llu\n", (unsigned long long)t->ds->sb.generation);
	printf("created_at  %llu\n", (unsigned long long)t->ds->sb.created_at);
	if (t->ds->info.torn || t->ds->info.malformed || t->ds->info.dups ||
	    t->ds->info.sb_recovered)
		printf(
		    "note        torn %u, malformed %u, duplicates %u%s; "
		    "run 'check'\n",
		    t->ds->info.torn, t->ds->info.malformed, t->ds->info.dups,
		    t->ds->info.sb_recovered ? ", superblock recovered" : "");
	return 0;
}

static int cmd_list(struct tool *t, int argc, char **argv)
{
	uint8_t(*hashes)[CAMBI_HASH_SIZE];
	size_t total, n;
	int status = 0;

	(void)argv;
	if (argc != 0)
		return usage();
	if (!mount_image(t, true))
		return EXIT_FAIL;
	hashes = calloc(OBJDISK_MAX_SLOTS, CAMBI_HASH_SIZE);
	if (!hashes ||
	    objstore_list(&t->st, hashes, OBJDISK_MAX_SLOTS, &total)) {
		free(hashes);
		return EXIT_FAIL;
	}
	n = total < OBJDISK_MAX_SLOTS ? total : OBJDISK_MAX_SLOTS;
	for (size_t i = 0; i < n; i++) {
		char hex[2 * CAMBI_HASH_SIZE + 1], owner[2 * 8 + 1];
		int err = objstore_get(&t->st, hashes[i], t->obj);

		hex_encode(hex, hashes[i], CAMBI_HASH_SIZE);
		if (err) {
			printf("%s %6s damaged: %s\n", hex, "-",
			       errno_message(err));
			status = EXIT_FAIL;
			continue;
		}
		hex_encode(owner, t->obj->owner.key, 8);
		if (cambi_object_is_signed(t->obj))
			printf("%s %6u signed owner=%s\n", hex,
			       t->obj->content_len, owner);
		else
			printf("%s %6u unsigned\n", hex, t->obj->content_len);
	}
	free(hashes);
	return status;
}

static int cmd_get(struct tool *t, int argc, char **argv)
{
	uint8_t hash[CAMBI_HASH_SIZE];
	const char *out = "-";
	int err;

	if (argc == 3 && strcmp(argv[1], "--out") == 0)
		out = argv[2];
	else if (argc != 1)
		return usage();
	if (!parse_hash(argv[0], hash))
		return EXIT_FAIL;
	if (!mount_image(t, true))
		return EXIT_FAIL;
	err = objstore_get(&t->st, hash, t->obj);
	if (err) {
		die_msg("get %s: %s", argv[0], errno_message(err));
		return EXIT_FAIL;
	}
	err = hostio_write_file(out, t->obj->content, t->obj->content_len);
	if (err) {
		die_msg("%s: cannot write: %s", out, hostio_strerror(err));
		return EXIT_FAIL;
	}
	return 0;
}

/* Build and sign the object with libsodium (the store verifies it). */
static bool sign_object(struct cambi_object *obj, const uint8_t seed[32],
			const uint8_t *owner)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];

	if (crypto_sign_seed_keypair(pk, sk, seed) != 0)
		return false;
	/* The signer is the author; the owner is the author unless named. */
	memcpy(obj->author.key, pk, 32);
	memcpy(obj->owner.key, owner ? owner : pk, 32);
	obj->sig_algo = CAMBI_SIG_ED25519;
	crypto_sign_detached(obj->signature, NULL, obj->content,
			     obj->content_len, sk);
	sodium_memzero(sk, sizeof(sk));
	return true;
}

static int cmd_put(struct tool *t, int argc, char **argv)
{
	static uint8_t content[CAMBI_CONTENT_MAX];
	const char *key = NULL, *owner_file = NULL;
	bool unsigned_ok = false;
	uint8_t seed[32], owner[32];
	char hex[2 * CAMBI_HASH_SIZE + 1];
	size_t len;
	int err;

	if (argc < 2)
		return usage();
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strcmp(argv[i], "--owner") == 0 && i + 1 < argc)
			owner_file = argv[++i];
		else if (strcmp(argv[i], "--unsigned") == 0)
			unsigned_ok = true;
		else
			return usage();
	}
	if (!key == !unsigned_ok || (owner_file && !key))
		return usage();
	if (owner_file && !load_key(owner_file, owner))
		return EXIT_FAIL;
	err = hostio_read_file(argv[0], content, sizeof(content), &len);
	if (err == HOSTIO_TOO_BIG) {
		die_msg("%s: larger than %u bytes, the object size limit",
			argv[0], CAMBI_CONTENT_MAX);
		return EXIT_FAIL;
	}
	if (err) {
		die_msg("%s: cannot read: %s", argv[0], hostio_strerror(err));
		return EXIT_FAIL;
	}
	if (cambi_object_init(t->obj, content, len))
		return EXIT_FAIL;
	if (key) {
		if (!load_key(key, seed))
			return EXIT_FAIL;
		if (!sign_object(t->obj, seed, owner_file ? owner : NULL)) {
			sodium_memzero(seed, sizeof(seed));
			die_msg("%s: key derivation failed", key);
			return EXIT_FAIL;
		}
		sodium_memzero(seed, sizeof(seed));
	}
	if (!mount_image(t, false))
		return EXIT_FAIL;
	err = key ? objstore_put_signed(&t->st, t->obj)
		  : objstore_put(&t->st, t->obj);
	if (err) {
		die_msg("put %s: %s (%s)", argv[0], errno_message(err),
			errno_name(err));
		return EXIT_FAIL;
	}
	hex_encode(hex, t->obj->content_hash, CAMBI_HASH_SIZE);
	printf("%s\n", hex);
	return 0;
}

static int cmd_delete(struct tool *t, int argc, char **argv)
{
	uint8_t hash[CAMBI_HASH_SIZE];
	int err;

	if (argc != 1)
		return usage();
	if (!parse_hash(argv[0], hash))
		return EXIT_FAIL;
	if (!mount_image(t, false))
		return EXIT_FAIL;
	err = objstore_delete(&t->st, hash);
	if (err) {
		die_msg("delete %s: %s", argv[0], errno_message(err));
		return EXIT_FAIL;
	}
	printf("deleted %s\n", argv[0]);
	return 0;
}

static void print_finding(void *arg, enum objdisk_check_level level,
			  int64_t slot, const uint8_t *hash, const char *what)
{
	static const char *const names[] = {"info", "warning", "DAMAGE"};
	const struct tool *t = arg;
	char hex[2 * CAMBI_HASH_SIZE + 1];

	if (level == OBJDISK_CHECK_INFO && !t->verbose)
		return;
	if (slot < 0)
		printf("superblock: %s: %s\n", names[level], what);
	else if (hash) {
		hex_encode(hex, hash, CAMBI_HASH_SIZE);
		printf("slot %lld: %s: %s (object %s)\n", (long long)slot,
		       names[level], what, hex);
	} else {
		printf("slot %lld: %s: %s\n", (long long)slot, names[level],
		       what);
	}
}

static int cmd_check(struct tool *t, int argc, char **argv)
{
	struct objdisk_check_report rep;
	int err;

	if (argc == 1 && strcmp(argv[0], "--verbose") == 0)
		t->verbose = true;
	else if (argc != 0)
		return usage();
	if (!open_image(t, true))
		return EXIT_FAIL;
	err = objdisk_check(t->ds, &t->dev, print_finding, t, &rep);
	if (err) {
		die_msg("%s: superblock unusable: %s (%s)%s", t->image,
			errno_message(err), errno_name(err), mount_hint(err));
		return EXIT_FAIL;
	}
	printf("%s: %llu slots, %llu objects (%llu signed), %llu free "
	       "(%llu torn, %llu orphans), generation %llu: ",
	       t->image, (unsigned long long)rep.capacity,
	       (unsigned long long)rep.objects,
	       (unsigned long long)rep.signed_objects,
	       (unsigned long long)rep.free, (unsigned long long)rep.torn,
	       (unsigned long long)rep.orphans,
	       (unsigned long long)rep.generation);
	if (rep.damaged) {
		printf("%llu problem(s)\n", (unsigned long long)rep.damaged);
		return EXIT_FAIL;
	}
	printf("clean%s\n", rep.warnings ? " (with warnings)" : "");
	return 0;
}

struct command {
	const char *name;
	int (*run)(struct tool *t, int argc, char **argv);
};

static const struct command commands[] = {
    {"format", cmd_format}, {"info", cmd_info}, {"list", cmd_list},
    {"get", cmd_get},	    {"put", cmd_put},	{"delete", cmd_delete},
    {"check", cmd_check},
};

int main(int argc, char **argv)
{
	struct tool t = {.file = {.fd = -1}};
	const struct command *cmd = NULL;
	int status = EXIT_USAGE;

	if (argc < 3)
		return usage();
	if (sodium_init() < 0) {
		die_msg("libsodium failed to initialise");
		return EXIT_FAIL;
	}
	t.image = argv[1];
	t.ds = calloc(1, sizeof(*t.ds));
	t.obj = calloc(1, sizeof(*t.obj));
	if (!t.ds || !t.obj) {
		die_msg("out of memory");
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[2], commands[i].name) == 0)
			cmd = &commands[i];
	}
	if (cmd)
		status = cmd->run(&t, argc - 3, argv + 3);
	else
		usage();
	if (t.file.fd >= 0 && blockdev_file_close(&t.file) != 0 && !status) {
		die_msg("%s: close failed", t.image);
		status = EXIT_FAIL;
	}
	free(t.ds);
	free(t.obj);
	return status;
}
