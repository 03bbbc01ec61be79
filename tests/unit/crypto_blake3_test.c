/*
 * tests/unit/crypto_blake3_test.c - lib/crypto/blake3 against the official
 * test vectors (tests/data/blake3_test_vectors.json, read at run time) and
 * against the b3sum program on random inputs.
 *
 * Every check runs once per code path this machine has: portable, and each
 * SIMD level (SSE4.1, AVX2, AVX-512) the CPU supports.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/tree_file.h"

#include "lib/crypto/blake3.h"
#include "lib/crypto/blake3_internal.h"
#include "lib/klib/string.h"

#define VECTORS_PATH "tests/data/blake3_test_vectors.json"
#define MAX_CASES    64
#define MAX_OUT	     256

/* ---- Helpers ---------------------------------------------------------- */

/* Deterministic generator (xorshift64*), so failures can be replayed. */
static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void rng_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rng_next() >> 56);
}

/* The vectors' input: 0, 1, ..., 250, 0, 1, ... */
static void pattern_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i % 251);
}

/* Decode hex into out (at most cap bytes); returns bytes, or -1. */
static long hex_decode(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_digit(hex[2 * i]),
		    lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}


static char *read_tree_file(const char *rel)
{
	FILE *f = open_tree_file(rel);
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

/* SIMD levels to run: the portable code, then each level the CPU has. */
static int levels[4], n_levels;

static void find_levels(void)
{
	enum blake3_simd_level top = blake3_simd_set_max(BLAKE3_SIMD_AVX512);

	n_levels = 0;
	for (int l = BLAKE3_SIMD_NONE; l <= (int)top; l++)
		levels[n_levels++] = l;
	blake3_simd_set_max(BLAKE3_SIMD_AVX512);
}

/* ---- JSON (just enough for the vector file) --------------------------- */

struct vec_case {
	size_t input_len;
	char *hash, *keyed_hash, *derive_key; /* hex, malloc'd */
};

struct vec_file {
	char *key, *context;
	struct vec_case cases[MAX_CASES];
	int n_cases;
};

struct json {
	const char *p;
	bool bad;
};

static void json_ws(struct json *j)
{
	while (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')
		j->p++;
}

static bool json_eat(struct json *j, char c)
{
	json_ws(j);
	if (*j->p != c) {
		j->bad = true;
		return false;
	}
	j->p++;
	return true;
}

/* A string value; escapes are kept as \x pairs except \" and \\. */
static char *json_string(struct json *j)
{
	if (!json_eat(j, '"'))
		return NULL;
	const char *start = j->p;
	char *out, *o;

	while (*j->p && *j->p != '"')
		j->p += (*j->p == '\\' && j->p[1]) ? 2 : 1;
	if (*j->p != '"') {
		j->bad = true;
		return NULL;
	}
	out = o = malloc((size_t)(j->p - start) + 1);
	for (const char *s = start; s < j->p; s++) {
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++;
		*o++ = *s;
	}
	*o = '\0';
	j->p++;
	return out;
}

static unsigned long json_number(struct json *j)
{
	char *end;
	unsigned long v;

	json_ws(j);
	v = strtoul(j->p, &end, 10);
	if (end == j->p)
		j->bad = true;
	j->p = end;
	return v;
}

/* Skip any value (unknown fields such as "_comment"). */
static void json_skip(struct json *j)
{
	json_ws(j);
	if (*j->p == '"') {
		free(json_string(j));
	} else if (*j->p == '{' || *j->p == '[') {
		char close = *j->p == '{' ? '}' : ']';

		j->p++;
		json_ws(j);
		if (*j->p == close) {
			j->p++;
			return;
		}
		do {
			if (close == '}') {
				free(json_string(j));
				json_eat(j, ':');
			}
			json_skip(j);
			json_ws(j);
		} while (!j->bad && *j->p == ',' && j->p++);
		json_eat(j, close);
	} else {
		while (*j->p && !strchr(",}] \n\r\t", *j->p))
			j->p++;
	}
}

static void json_case(struct json *j, struct vec_case *c)
{
	json_eat(j, '{');
	do {
		char *name = json_string(j);

		json_eat(j, ':');
		if (!name)
			return;
		if (strcmp(name, "input_len") == 0)
			c->input_len = json_number(j);
		else if (strcmp(name, "hash") == 0)
			c->hash = json_string(j);
		else if (strcmp(name, "keyed_hash") == 0)
			c->keyed_hash = json_string(j);
		else if (strcmp(name, "derive_key") == 0)
			c->derive_key = json_string(j);
		else
			json_skip(j);
		free(name);
		json_ws(j);
	} while (!j->bad && *j->p == ',' && j->p++);
	json_eat(j, '}');
}

static bool parse_vectors(struct vec_file *v, const char *text)
{
	struct json j = {text, false};

	memset(v, 0, sizeof(*v));
	json_eat(&j, '{');
	do {
		char *name = json_string(&j);

		json_eat(&j, ':');
		if (!name)
			return false;
		if (strcmp(name, "key") == 0) {
			v->key = json_string(&j);
		} else if (strcmp(name, "context_string") == 0) {
			v->context = json_string(&j);
		} else if (strcmp(name, "cases") == 0) {
			json_eat(&j, '[');
			do {
				if (v->n_cases == MAX_CASES) {
					j.bad = true;
					break;
				}
				json_case(&j, &v->cases[v->n_cases++]);
				json_ws(&j);
			} while (!j.bad && *j.p == ',' && j.p++);
			json_eat(&j, ']');
		} else {
			json_skip(&j);
		}
		free(name);
		json_ws(&j);
	} while (!j.bad && *j.p == ',' && j.p++);
	json_eat(&j, '}');
	return !j.bad && v->key && v->context && v->n_cases > 0;
}

static void free_vectors(struct vec_file *v)
{
	free(v->key);
	free(v->context);
	for (int i = 0; i < v->n_cases; i++) {
		free(v->cases[i].hash);
		free(v->cases[i].keyed_hash);
		free(v->cases[i].derive_key);
	}
}

/* ---- Official vectors ------------------------------------------------- */

enum mode { MODE_HASH, MODE_KEYED, MODE_DERIVE };

static void init_mode(struct blake3_hasher *h, enum mode m, const uint8_t *key,
		      const char *context)
{
	if (m == MODE_HASH)
		blake3_init(h);
	else if (m == MODE_KEYED)
		blake3_init_keyed(h, key);
	else
		blake3_init_derive_key(h, context);
}

/*
 * Check one mode of one case: the extended output in full, its 32-byte
 * prefix (the default digest), and a few seeks into it.
 */
static void check_vector(enum mode m, const uint8_t *key, const char *context,
			 const uint8_t *input, size_t len, const char *want_hex)
{
	uint8_t want[MAX_OUT], got[MAX_OUT];
	long n = hex_decode(want, sizeof(want), want_hex);
	struct blake3_hasher h;

	assert_true(n >= BLAKE3_OUT_LEN);
	init_mode(&h, m, key, context);
	blake3_update(&h, input, len);

	blake3_finalize(&h, got, (size_t)n);
	assert_memory_equal(got, want, (size_t)n);
	memset(got, 0, sizeof(got));
	blake3_finalize(&h, got, BLAKE3_OUT_LEN);
	assert_memory_equal(got, want, BLAKE3_OUT_LEN);
	for (long seek = 1; seek < n; seek += 37) {
		blake3_finalize_seek(&h, (uint64_t)seek, got,
				     (size_t)(n - seek));
		assert_memory_equal(got, want + seek, (size_t)(n - seek));
	}
	if (m == MODE_HASH) {
		blake3_hash(input, len, got);
		assert_memory_equal(got, want, BLAKE3_OUT_LEN);
	}
}

/* Every case of the official vector file, all three modes, every path. */
static void test_official_vectors(void **state)
{
	char *text = read_tree_file(VECTORS_PATH);
	struct vec_file v;
	uint8_t key[BLAKE3_KEY_LEN];
	int checked = 0;

	(void)state;
	assert_non_null(text);
	assert_true(parse_vectors(&v, text));
	assert_int_equal(strlen(v.key), BLAKE3_KEY_LEN);
	memcpy(key, v.key, BLAKE3_KEY_LEN);

	for (int l = 0; l < n_levels; l++) {
		blake3_simd_set_max(levels[l]);
		for (int i = 0; i < v.n_cases; i++) {
			struct vec_case *c = &v.cases[i];
			uint8_t *in = malloc(c->input_len + 1);

			assert_non_null(c->hash);
			assert_non_null(c->keyed_hash);
			assert_non_null(c->derive_key);
			pattern_fill(in, c->input_len);
			check_vector(MODE_HASH, key, v.context, in,
				     c->input_len, c->hash);
			check_vector(MODE_KEYED, key, v.context, in,
				     c->input_len, c->keyed_hash);
			check_vector(MODE_DERIVE, key, v.context, in,
				     c->input_len, c->derive_key);
			free(in);
			checked++;
		}
	}
	blake3_simd_set_max(BLAKE3_SIMD_AVX512);
	print_message("# %d cases x %d code paths\n", v.n_cases, n_levels);
	assert_true(checked >= 35);
	free_vectors(&v);
	free(text);
}

/* ---- Incremental input, finalize, seek -------------------------------- */

/* Feeding the input in pieces of any size gives the one-shot result. */
static void test_incremental_equals_oneshot(void **state)
{
	static const size_t lens[] = {0,    1,	  63,	 64,	65,
				      1023, 1024, 1025,	 2048,	2049,
				      3000, 8193, 65537, 200000};
	static const size_t steps[] = {
	    1, 3, 7, 31, 63, 64, 65, 127, 1000, 1023, 1024, 1025, 4097, 70000};
	size_t max = 200000;
	uint8_t *in = malloc(max);
	uint8_t key[32];

	(void)state;
	rng_fill(in, max);
	rng_fill(key, sizeof(key));
	for (int l = 0; l < n_levels; l++) {
		blake3_simd_set_max(levels[l]);
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]);
			     s++) {
				/* Byte-at-a-time only for the short inputs. */
				if (steps[s] < 64 && lens[i] > 10000)
					continue;
				for (int m = MODE_HASH; m <= MODE_DERIVE; m++) {
					struct blake3_hasher a, b;
					uint8_t wa[100], wb[100];

					init_mode(&a, m, key, "ctx");
					init_mode(&b, m, key, "ctx");
					blake3_update(&a, in, lens[i]);
					for (size_t o = 0; o < lens[i];
					     o += steps[s]) {
						size_t n = lens[i] - o;

						if (n > steps[s])
							n = steps[s];
						blake3_update(&b, in + o, n);
					}
					blake3_finalize(&a, wa, sizeof(wa));
					blake3_finalize(&b, wb, sizeof(wb));
					assert_memory_equal(wa, wb, sizeof(wa));
				}
			}
		}
	}
	blake3_simd_set_max(BLAKE3_SIMD_AVX512);
	free(in);
}

/*
 * Random split points: pieces of random size, including 0, compared with
 * the one-shot hash, and the result the same on every code path.
 */
static void test_random_splits(void **state)
{
	size_t max = 300000;
	uint8_t *in = malloc(max);

	(void)state;
	rng_fill(in, max);
	for (int round = 0; round < 60; round++) {
		size_t len = (size_t)(rng_next() % max);
		uint8_t want[32], got[32];

		blake3_simd_set_max(BLAKE3_SIMD_NONE);
		blake3_hash(in, len, want);
		for (int l = 0; l < n_levels; l++) {
			struct blake3_hasher h;

			blake3_simd_set_max(levels[l]);
			blake3_init(&h);
			for (size_t o = 0; o < len;) {
				size_t n = (size_t)(rng_next() % 9000);

				if (n > len - o)
					n = len - o;
				blake3_update(&h, in + o, n);
				o += n;
			}
			blake3_finalize(&h, got, sizeof(got));
			assert_memory_equal(got, want, sizeof(got));
		}
	}
	blake3_simd_set_max(BLAKE3_SIMD_AVX512);
	free(in);
}

/* finalize leaves the hasher untouched: repeatable, and input may follow. */
static void test_finalize_is_nondestructive(void **state)
{
	uint8_t in[5000], a[32], b[32], c[32];
	struct blake3_hasher h;

	(void)state;
	rng_fill(in, sizeof(in));
	blake3_init(&h);
	blake3_update(&h, in, 2500);
	blake3_finalize(&h, a, sizeof(a));
	blake3_finalize(&h, b, sizeof(b));
	assert_memory_equal(a, b, sizeof(a));
	blake3_hash(in, 2500, c);
	assert_memory_equal(a, c, sizeof(a));
	blake3_update(&h, in + 2500, 2500);
	blake3_finalize(&h, a, sizeof(a));
	blake3_hash(in, sizeof(in), c);
	assert_memory_equal(a, c, sizeof(a));
}

/*
 * Seek: output at any offset equals that slice of one long output, across
 * block boundaries and at offsets past 2^32 blocks (the counter's top word).
 */
static void test_seek_matches_long_output(void **state)
{
	static const size_t lens[] = {0, 1, 1024, 1025, 5000};
	uint8_t in[5000], longout[1000], got[1000];

	(void)state;
	rng_fill(in, sizeof(in));
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct blake3_hasher h;

		blake3_init(&h);
		blake3_update(&h, in, lens[i]);
		blake3_finalize(&h, longout, sizeof(longout));
		for (size_t seek = 0; seek < sizeof(longout); seek += 13) {
			for (size_t n = 0; n + seek <= sizeof(longout);
			     n += 97) {
				blake3_finalize_seek(&h, seek, got, n);
				assert_memory_equal(got, longout + seek, n);
			}
		}
	}

	/* Far seeks: the 64-byte blocks around block 2^32 and 2^40. */
	static const uint64_t far[] = {(1ULL << 32) * 64 - 100,
				       (1ULL << 40) * 64 + 7};
	for (size_t i = 0; i < 2; i++) {
		struct blake3_hasher h;
		uint8_t whole[300], part[300];

		blake3_init(&h);
		blake3_update(&h, in, 100);
		blake3_finalize_seek(&h, far[i], whole, sizeof(whole));
		for (size_t off = 0; off < sizeof(whole); off += 50) {
			blake3_finalize_seek(&h, far[i] + off, part,
					     sizeof(whole) - off);
			assert_memory_equal(part, whole + off,
					    sizeof(whole) - off);
		}
		/* Distinct from the start of the stream. */
		blake3_finalize(&h, part, sizeof(part));
		assert_memory_not_equal(part, whole, 64);
	}
}

/* Keyed hashing and key derivation are domain-separated from hashing. */
static void test_modes_are_distinct(void **state)
{
	uint8_t key[32] = {0}, a[32], b[32], c[32];
	struct blake3_hasher h;

	(void)state;
	blake3_hash("x", 1, a);
	blake3_init_keyed(&h, key);
	blake3_update(&h, "x", 1);
	blake3_finalize(&h, b, sizeof(b));
	blake3_init_derive_key(&h, "");
	blake3_update(&h, "x", 1);
	blake3_finalize(&h, c, sizeof(c));
	assert_memory_not_equal(a, b, 32);
	assert_memory_not_equal(a, c, 32);
	assert_memory_not_equal(b, c, 32);
}

/* ---- Differential against b3sum --------------------------------------- */

#define DIFF_FILES 320
#define DIFF_MAX   (1u << 20)

struct diff_input {
	size_t len;
	char path[64];
};

static char diff_dir[64];
static struct diff_input diff_in[DIFF_FILES];

/*
 * Lengths: every boundary that matters to the tree (block, chunk, powers
 * of two, SIMD batch sizes of 4, 8 and 16 chunks), one below and above
 * each, then log-uniform random lengths up to 1 MiB.
 */
static size_t diff_length(int i)
{
	static const size_t base[] = {
	    0,	   1,	  64,	 1024,	2048,	3072,	4096,	8192,
	    16384, 17408, 32768, 65536, 131072, 262144, 524288, DIFF_MAX};
	int nb = (int)(sizeof(base) / sizeof(base[0]));

	if (i < 3 * nb) {
		size_t b = base[i / 3];
		int d = i % 3 - 1;

		if (b == 0 && d < 0)
			return 2;
		if (b == DIFF_MAX && d > 0)
			return DIFF_MAX - 2;
		return (size_t)((long)b + d);
	}
	unsigned int bits = (unsigned int)(rng_next() % 21);

	return (size_t)(rng_next() % ((1ull << bits) + 1));
}

static bool have_b3sum(void)
{
	return system("b3sum --version >/dev/null 2>&1") == 0;
}

/* Run b3sum with args over every file; parse one hex output per file. */
static void run_b3sum(const char *args, const char *stdin_file, size_t outlen,
		      uint8_t (*out)[MAX_OUT])
{
	size_t cap = 256 + DIFF_FILES * 80;
	char *cmd = malloc(cap), *line = malloc(2 * MAX_OUT + 64);
	size_t used = (size_t)snprintf(cmd, cap, "b3sum --no-names %s", args);
	FILE *p;

	for (int i = 0; i < DIFF_FILES; i++)
		used += (size_t)snprintf(cmd + used, cap - used, " %s",
					 diff_in[i].path);
	if (stdin_file)
		snprintf(cmd + used, cap - used, " < %s", stdin_file);
	p = popen(cmd, "r");
	assert_non_null(p);
	for (int i = 0; i < DIFF_FILES; i++) {
		assert_non_null(fgets(line, 2 * MAX_OUT + 64, p));
		line[strcspn(line, "\n")] = '\0';
		assert_int_equal(hex_decode(out[i], MAX_OUT, line), outlen);
	}
	assert_int_equal(pclose(p), 0);
	free(cmd);
	free(line);
}

static int diff_setup(void **state)
{
	uint8_t *buf = malloc(DIFF_MAX);

	(void)state;
	if (!have_b3sum()) {
		free(buf);
		return 0;
	}
	snprintf(diff_dir, sizeof(diff_dir), "/tmp/crypto_blake3.XXXXXX");
	if (!mkdtemp(diff_dir))
		return -1;
	for (int i = 0; i < DIFF_FILES; i++) {
		FILE *f;

		diff_in[i].len = diff_length(i);
		snprintf(diff_in[i].path, sizeof(diff_in[i].path), "%s/%d",
			 diff_dir, i);
		rng_fill(buf, diff_in[i].len);
		f = fopen(diff_in[i].path, "wb");
		if (!f || fwrite(buf, 1, diff_in[i].len, f) != diff_in[i].len)
			return -1;
		fclose(f);
	}
	free(buf);
	return 0;
}

static int diff_teardown(void **state)
{
	char path[128];

	(void)state;
	if (!diff_dir[0])
		return 0;
	for (int i = 0; i < DIFF_FILES; i++)
		unlink(diff_in[i].path);
	snprintf(path, sizeof(path), "%s/key", diff_dir);
	unlink(path);
	rmdir(diff_dir);
	return 0;
}

static uint8_t *slurp(const char *path, size_t len)
{
	uint8_t *buf = malloc(len + 1);
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(fread(buf, 1, len, f), len);
	fclose(f);
	return buf;
}

static const char diff_context[] = "CambiOS-C 2025 crypto test context";

/*
 * Hash every input in mode m with outlen bytes of output, with b3sum and
 * with each code path, and require the same bytes.
 */
static void compare_with_b3sum(enum mode m, size_t outlen,
			       const uint8_t key[32], const char *key_path,
			       uint8_t (*want)[MAX_OUT])
{
	char args[128];

	if (m == MODE_HASH)
		snprintf(args, sizeof(args), "--length %zu", outlen);
	else if (m == MODE_KEYED)
		snprintf(args, sizeof(args), "--length %zu --keyed", outlen);
	else
		snprintf(args, sizeof(args), "--length %zu --derive-key '%s'",
			 outlen, diff_context);
	run_b3sum(args, m == MODE_KEYED ? key_path : NULL, outlen, want);

	for (int i = 0; i < DIFF_FILES; i++) {
		uint8_t *in = slurp(diff_in[i].path, diff_in[i].len);

		for (int l = 0; l < n_levels; l++) {
			struct blake3_hasher h;
			uint8_t got[MAX_OUT];

			/* The slow portable path: a quarter of the inputs. */
			if (levels[l] == BLAKE3_SIMD_NONE && i % 4)
				continue;
			blake3_simd_set_max(levels[l]);
			init_mode(&h, m, key, diff_context);
			blake3_update(&h, in, diff_in[i].len);
			blake3_finalize(&h, got, outlen);
			if (memcmp(got, want[i], outlen) != 0)
				fail_msg("len %zu mode %d out %zu level %d: "
					 "differs from b3sum",
					 diff_in[i].len, m, outlen, levels[l]);
		}
		free(in);
	}
	blake3_simd_set_max(BLAKE3_SIMD_AVX512);
}

/*
 * 320 random inputs up to 1 MiB, hashed by b3sum and by us in each mode
 * (plain, keyed, derive-key), and in plain mode also with extended
 * outputs of several lengths, on every code path.
 */
static void test_differential_b3sum(void **state)
{
	static const size_t xof_lens[] = {1, 33, 64, 65, 131, 200};
	uint8_t(*want)[MAX_OUT] = malloc(DIFF_FILES * sizeof(*want));
	uint8_t key[32];
	char key_path[128];
	FILE *kf;

	(void)state;
	if (!diff_dir[0]) {
		free(want);
		skip();
	}
	rng_fill(key, sizeof(key));
	snprintf(key_path, sizeof(key_path), "%s/key", diff_dir);
	kf = fopen(key_path, "wb");
	assert_non_null(kf);
	assert_int_equal(fwrite(key, 1, 32, kf), 32);
	fclose(kf);

	compare_with_b3sum(MODE_HASH, BLAKE3_OUT_LEN, key, key_path, want);
	compare_with_b3sum(MODE_KEYED, BLAKE3_OUT_LEN, key, key_path, want);
	compare_with_b3sum(MODE_DERIVE, BLAKE3_OUT_LEN, key, key_path, want);
	for (size_t x = 0; x < sizeof(xof_lens) / sizeof(xof_lens[0]); x++)
		compare_with_b3sum(MODE_HASH, xof_lens[x], key, key_path, want);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_official_vectors),
	    cmocka_unit_test(test_incremental_equals_oneshot),
	    cmocka_unit_test(test_random_splits),
	    cmocka_unit_test(test_finalize_is_nondestructive),
	    cmocka_unit_test(test_seek_matches_long_output),
	    cmocka_unit_test(test_modes_are_distinct),
	    cmocka_unit_test_setup_teardown(test_differential_b3sum, diff_setup,
					    diff_teardown),
	};

	find_levels();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
