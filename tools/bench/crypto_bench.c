/*
 * tools/bench/crypto_bench.c - throughput of lib/crypto against the
 * references: BLAKE3 against `b3sum --num-threads 1`, Ed25519 against
 * libsodium.  Run by `make crypto-bench`.
 *
 * BLAKE3 hashes a 64 MiB in-memory buffer; b3sum hashes the same bytes
 * from a file in the page cache, timed from fork to exit (so its figure
 * includes process start-up, which is also measured and reported apart).
 * Every figure is the best of three runs (or of argv[1]).  Ed25519
 * verifies and signs 64-byte messages under 64 different keys.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/crypto/blake3.h"
#include "lib/crypto/blake3_internal.h"
#include "lib/crypto/ed25519.h"

#define BUF_LEN (64u << 20)
#define KEYS	64

/* Runs per figure, the best one reported: argv[1], default 3. */
static int runs = 3;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double mib_per_s(double seconds)
{
	return (double)BUF_LEN / (1024.0 * 1024.0) / seconds;
}

static const char *level_name(enum blake3_simd_level l)
{
	static const char *const names[] = {"portable", "SSE4.1", "AVX2",
					    "AVX-512"};

	return names[l];
}

/* Best time of `runs` for blake3_hash over the buffer at one SIMD level. */
static double time_blake3(const uint8_t *buf, enum blake3_simd_level level,
			  uint8_t out[32])
{
	double best = 1e9;

	blake3_simd_set_max(level);
	for (int r = 0; r < runs; r++) {
		double t0 = now();

		blake3_hash(buf, BUF_LEN, out);
		double t = now() - t0;

		if (t < best)
			best = t;
	}
	blake3_simd_set_max(BLAKE3_SIMD_AVX512);
	return best;
}

/*
 * Run `b3sum --num-threads 1 --no-names path`, wall time from fork to
 * exit.  The first 64 hex digits of its output go to hex.  Returns the
 * time, or a negative value if b3sum could not be run.
 */
static double run_b3sum(const char *path, char hex[65])
{
	int fds[2];
	pid_t pid;
	double t0, t;
	int status;
	ssize_t got = 0;

	if (pipe(fds) != 0)
		return -1;
	t0 = now();
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execlp("b3sum", "b3sum", "--num-threads", "1", "--no-names",
		       path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (got < 64) {
		ssize_t n = read(fds[0], hex + got, (size_t)(64 - got));

		if (n <= 0)
			break;
		got += n;
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	t = now() - t0;
	hex[got] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != 64)
		return -1;
	return t;
}

static double best_b3sum(const char *path, char hex[65])
{
	double best = 1e9;

	for (int r = 0; r < runs; r++) {
		double t = run_b3sum(path, hex);

		if (t < 0)
			return -1;
		if (t < best)
			best = t;
	}
	return best;
}

static bool write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(buf, 1, len, f) == len;

	if (f && fclose(f) != 0)
		ok = false;
	return ok;
}

static void bench_blake3(void)
{
	uint8_t *buf = malloc(BUF_LEN), ours[32], port[32];
	char ours_hex[65], b3_hex[65], file[] = "/tmp/crypto_bench.XXXXXX";
	char empty[] = "/tmp/crypto_bench_empty.XXXXXX", label[64];
	enum blake3_simd_level level = blake3_simd_set_max(BLAKE3_SIMD_AVX512);
	uint64_t x = 0x0123456789abcdefULL;
	int fd;

	if (!buf) {
		printf("BLAKE3: out of memory\n");
		return;
	}
	/* Random-looking bytes; this also faults every page in. */
	for (size_t i = 0; i < BUF_LEN; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}

	double t_ours = time_blake3(buf, level, ours);
	double t_port = time_blake3(buf, BLAKE3_SIMD_NONE, port);

	sodium_bin2hex(ours_hex, sizeof(ours_hex), ours, 32);
	printf("BLAKE3, 64 MiB, single thread, best of %d\n", runs);
	snprintf(label, sizeof(label), "lib/crypto blake3 (%s)",
		 level_name(level));
	printf("  %-44s %8.1f MiB/s\n", label, mib_per_s(t_ours));
	printf("  %-44s %8.1f MiB/s\n",
	       "lib/crypto blake3 (portable, as in kernel)", mib_per_s(t_port));
	if (memcmp(ours, port, 32) != 0)
		printf("  ERROR: SIMD and portable digests differ\n");

	fd = mkstemp(file);
	if (fd < 0 || !write_file(file, buf, BUF_LEN)) {
		printf("  b3sum: cannot write %s: %s\n", file, strerror(errno));
		goto out;
	}
	close(fd);
	fd = mkstemp(empty);
	if (fd >= 0)
		close(fd);

	double t_b3 = best_b3sum(file, b3_hex);
	double t_start = fd >= 0 ? best_b3sum(empty, (char[65]){0}) : -1;

	if (t_b3 < 0) {
		printf("  b3sum --num-threads 1: not available\n");
	} else {
		printf("  %-44s %8.1f MiB/s  (%.2f ms)\n",
		       "b3sum --num-threads 1 (wall, fork to exit)",
		       mib_per_s(t_b3), t_b3 * 1e3);
		if (strcmp(b3_hex, ours_hex) != 0)
			printf("  ERROR: b3sum digest %s, ours %s\n", b3_hex,
			       ours_hex);
		printf("  %-44s %8.2f\n", "ratio lib/crypto / b3sum",
		       t_b3 / t_ours);
		if (t_start > 0 && t_start < t_b3) {
			double net = t_b3 - t_start;

			snprintf(label, sizeof(label),
				 "b3sum minus its start-up (%.2f ms)",
				 t_start * 1e3);
			printf("  %-44s %8.1f MiB/s  (ratio %.2f)\n", label,
			       mib_per_s(net), net / t_ours);
		}
	}
out:
	unlink(file);
	if (fd >= 0)
		unlink(empty);
	free(buf);
}

struct ed_case {
	uint8_t pk[32], sk[64], sig[64], msg[64];
};

/* Operations per second of fn over the cases, best of `runs`. */
static double rate(struct ed_case *c, int iters,
		   void (*fn)(struct ed_case *, int *), int *sink)
{
	double best = 1e9;

	for (int r = 0; r < runs; r++) {
		double t0 = now();

		for (int i = 0; i < iters; i++)
			fn(&c[i % KEYS], sink);
		double t = now() - t0;

		if (t < best)
			best = t;
	}
	return iters / best;
}

static void ours_verify(struct ed_case *c, int *sink)
{
	*sink += ed25519_verify(c->sig, c->msg, sizeof(c->msg), c->pk);
}

static void sodium_verify(struct ed_case *c, int *sink)
{
	*sink += crypto_sign_verify_detached(c->sig, c->msg, sizeof(c->msg),
					     c->pk) == 0;
}

static void ours_sign(struct ed_case *c, int *sink)
{
	ed25519_sign(c->sig, c->msg, sizeof(c->msg), c->sk);
	*sink += c->sig[0];
}

static void sodium_sign(struct ed_case *c, int *sink)
{
	crypto_sign_detached(c->sig, NULL, c->msg, sizeof(c->msg), c->sk);
	*sink += c->sig[0];
}

static void ours_keypair(struct ed_case *c, int *sink)
{
	ed25519_keypair_from_seed(c->sk, c->pk, c->sk);
	*sink += c->pk[0];
}

static void sodium_keypair(struct ed_case *c, int *sink)
{
	uint8_t seed[32];

	memcpy(seed, c->sk, 32);
	crypto_sign_seed_keypair(c->pk, c->sk, seed);
	*sink += c->pk[0];
}

static void bench_ed25519(void)
{
	static struct ed_case cases[KEYS];
	static const struct {
		const char *name;
		void (*ours)(struct ed_case *, int *);
		void (*sodium)(struct ed_case *, int *);
		int iters;
	} ops[] = {
	    {"verify", ours_verify, sodium_verify, 20000},
	    {"sign", ours_sign, sodium_sign, 40000},
	    {"keypair", ours_keypair, sodium_keypair, 40000},
	};
	int sink = 0;

	for (int i = 0; i < KEYS; i++) {
		uint8_t seed[32];

		randombytes_buf(seed, sizeof(seed));
		randombytes_buf(cases[i].msg, sizeof(cases[i].msg));
		ed25519_keypair_from_seed(seed, cases[i].pk, cases[i].sk);
		ed25519_sign(cases[i].sig, cases[i].msg, sizeof(cases[i].msg),
			     cases[i].sk);
	}
	printf("Ed25519, 64-byte messages, %d keys, best of %d\n", KEYS, runs);
	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		double o = rate(cases, ops[k].iters, ops[k].ours, &sink);
		double s = rate(cases, ops[k].iters, ops[k].sodium, &sink);

		printf("  %-8s lib/crypto %8.0f/s   libsodium %8.0f/s   "
		       "ratio %.2f\n",
		       ops[k].name, o, s, o / s);
	}
	/* Every verification above must have succeeded. */
	int ok = 0;

	for (int i = 0; i < KEYS; i++)
		ours_verify(&cases[i], &ok);
	if (ok != KEYS)
		printf("  ERROR: %d of %d signatures did not verify\n",
		       KEYS - ok, KEYS);
	(void)sink;
}

int main(int argc, char **argv)
{
	if (argc > 1 && atoi(argv[1]) > 0)
		runs = atoi(argv[1]);
	if (sodium_init() < 0) {
		fprintf(stderr, "crypto_bench: libsodium failed to start\n");
		return 1;
	}
	bench_blake3();
	bench_ed25519();
	return 0;
}
