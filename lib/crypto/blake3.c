/*
 * lib/crypto/blake3.c - BLAKE3, portable part.
 *
 * Written from the BLAKE3 specification (O'Connor, Aumasson, Neves,
 * Wilcox-O'Hearn, 2020).  The input is split into 1024-byte chunks, each
 * chunk is hashed to a 32-byte chaining value (CV) by compressing its
 * 64-byte blocks in sequence, and CVs are combined pairwise by parent nodes
 * into a binary tree whose left subtrees are always complete: a node with
 * n > 1 chunks below it has the largest power of two smaller than n on its
 * left.  The root node is compressed with the ROOT flag, and its output is
 * extended by re-compressing it with a block counter.
 *
 * The hasher keeps the open chunk and a stack of CVs of complete subtrees.
 * A chunk is only closed once a byte past it arrives, so the last chunk is
 * always still open at finalize time and can be made the root if it is the
 * only one.  Because of that rule, subtrees can be merged as soon as they
 * pair up (see blake3_push_cv()).
 *
 * Long inputs skip the chunk buffer: whole power-of-two subtrees are hashed
 * straight from the caller's memory, many chunks at a time when SIMD is
 * available, parents included (blake3_subtree_cv()).
 */
#include "lib/crypto/blake3.h"

#include "lib/crypto/blake3_internal.h"
#include "lib/klib/string.h"

const uint32_t blake3_iv[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* The spec's permutation is {2,6,3,10,7,0,4,13,1,11,12,5,9,14,15,8}. */
const uint8_t blake3_schedule[7][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},
    {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},
    {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},
    {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},
    {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},
    {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},
};

/*
 * Largest subtree, in chunks, hashed in one go from the caller's buffer.
 * Its CVs live on the stack (32 bytes a chunk), so the portable build, which
 * gains nothing from wide subtrees, keeps it at one chunk.
 */
#define BLAKE3_MAX_SUBTREE_CHUNKS (BLAKE3_SIMD_ENABLED ? 64 : 1)

static inline uint32_t load32_le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void store32_le(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)x;
	p[1] = (uint8_t)(x >> 8);
	p[2] = (uint8_t)(x >> 16);
	p[3] = (uint8_t)(x >> 24);
}

static inline uint32_t ror32(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

/* The quarter-round G (spec section 2.2). */
static inline void blake3_g(uint32_t v[16], int a, int b, int c, int d,
			    uint32_t x, uint32_t y)
{
	v[a] += v[b] + x;
	v[d] = ror32(v[d] ^ v[a], 16);
	v[c] += v[d];
	v[b] = ror32(v[b] ^ v[c], 12);
	v[a] += v[b] + y;
	v[d] = ror32(v[d] ^ v[a], 8);
	v[c] += v[d];
	v[b] = ror32(v[b] ^ v[c], 7);
}

/*
 * The compression function up to (not including) the output feed-forward:
 * leaves the final 16-word state in v.
 */
static void blake3_compress_state(uint32_t v[16], const uint32_t cv[8],
				  const uint8_t block[BLAKE3_BLOCK_LEN],
				  uint8_t block_len, uint64_t counter,
				  uint8_t flags)
{
	uint32_t m[16];

	for (int i = 0; i < 16; i++)
		m[i] = load32_le(block + 4 * i);
	for (int i = 0; i < 8; i++)
		v[i] = cv[i];
	for (int i = 0; i < 4; i++)
		v[8 + i] = blake3_iv[i];
	v[12] = (uint32_t)counter;
	v[13] = (uint32_t)(counter >> 32);
	v[14] = block_len;
	v[15] = flags;

	for (int r = 0; r < 7; r++) {
		const uint8_t *s = blake3_schedule[r];

		/* Columns, then diagonals. */
		blake3_g(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
		blake3_g(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
		blake3_g(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
		blake3_g(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
		blake3_g(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
		blake3_g(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
		blake3_g(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
		blake3_g(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
	}
}

/* Compress and keep the 8-word chaining value: cv = compress(...)[0..8). */
static void blake3_compress_in_place(uint32_t cv[8],
				     const uint8_t block[BLAKE3_BLOCK_LEN],
				     uint8_t block_len, uint64_t counter,
				     uint8_t flags)
{
	uint32_t v[16];

	blake3_compress_state(v, cv, block, block_len, counter, flags);
	for (int i = 0; i < 8; i++)
		cv[i] = v[i] ^ v[i + 8];
}

/* Compress and write all 16 output words (64 bytes), for root output. */
static void blake3_compress_xof(const uint32_t cv[8],
				const uint8_t block[BLAKE3_BLOCK_LEN],
				uint8_t block_len, uint64_t counter,
				uint8_t flags, uint8_t out[BLAKE3_BLOCK_LEN])
{
	uint32_t v[16];

	blake3_compress_state(v, cv, block, block_len, counter, flags);
	for (int i = 0; i < 8; i++) {
		store32_le(out + 4 * i, v[i] ^ v[i + 8]);
		store32_le(out + 32 + 4 * i, v[i + 8] ^ cv[i]);
	}
}

static void blake3_words_to_bytes(const uint32_t w[8], uint8_t out[32])
{
	for (int i = 0; i < 8; i++)
		store32_le(out + 4 * i, w[i]);
}

/* Hash one input of `blocks` whole blocks: see blake3_hash_many(). */
static void blake3_hash_one(const uint8_t *in, size_t blocks,
			    const uint32_t key[8], uint64_t counter,
			    uint8_t flags, uint8_t flags_start,
			    uint8_t flags_end, uint8_t out[32])
{
	uint32_t cv[8];
	uint8_t block_flags = flags | flags_start;

	memcpy(cv, key, sizeof(cv));
	for (size_t b = 0; b < blocks; b++) {
		if (b + 1 == blocks)
			block_flags |= flags_end;
		blake3_compress_in_place(cv, in + b * BLAKE3_BLOCK_LEN,
					 BLAKE3_BLOCK_LEN, counter,
					 block_flags);
		block_flags = flags;
	}
	blake3_words_to_bytes(cv, out);
}

/*
 * Hash n independent inputs of the same number of whole blocks, writing
 * 32-byte CVs to out.  Whole chunks (16 blocks, counters counter + i) and
 * parents (1 block, counter 0) both go through here; the SIMD code takes
 * what it can and the rest is done one input at a time.
 */
static void blake3_hash_many(const uint8_t *const *inputs, size_t n,
			     size_t blocks, const uint32_t key[8],
			     uint64_t counter, bool increment, uint8_t flags,
			     uint8_t flags_start, uint8_t flags_end,
			     uint8_t *out)
{
	size_t done =
	    blake3_simd_hash_many(inputs, n, blocks, key, counter, increment,
				  flags, flags_start, flags_end, out);

	for (size_t i = done; i < n; i++)
		blake3_hash_one(inputs[i], blocks, key,
				counter + (increment ? i : 0), flags,
				flags_start, flags_end, out + 32 * i);
}

/*
 * CV of the complete subtree of n_chunks chunks (a power of two) at in,
 * whose first chunk has index counter: all chunk CVs first, then each
 * level of parents, every level as one batch of independent compressions.
 */
static void blake3_subtree_cv(const uint32_t key[8], uint8_t flags,
			      const uint8_t *in, size_t n_chunks,
			      uint64_t counter, uint8_t out[32])
{
	uint8_t cvs[BLAKE3_MAX_SUBTREE_CHUNKS * 32];
	const uint8_t *ptrs[BLAKE3_MAX_SUBTREE_CHUNKS];

	for (size_t i = 0; i < n_chunks; i++)
		ptrs[i] = in + i * BLAKE3_CHUNK_LEN;
	blake3_hash_many(ptrs, n_chunks, BLAKE3_CHUNK_LEN / BLAKE3_BLOCK_LEN,
			 key, counter, true, flags, BLAKE3_CHUNK_START,
			 BLAKE3_CHUNK_END, cvs);

	/*
	 * A parent's block is its children's CVs side by side, which is how
	 * they already lie in cvs, so level after level is hashed in place.
	 * Results go through tmp: the first batch of a level would otherwise
	 * overwrite CVs it has not read yet.
	 */
	for (size_t n = n_chunks; n > 1; n /= 2) {
		uint8_t tmp[16 * 32];

		for (size_t i = 0; i < n / 2; i++)
			ptrs[i] = cvs + 64 * i;
		for (size_t i = 0; i < n / 2; i += 16) {
			size_t m = n / 2 - i < 16 ? n / 2 - i : 16;

			blake3_hash_many(ptrs + i, m, 1, key, 0, false,
					 flags | BLAKE3_PARENT, 0, 0, tmp);
			memcpy(cvs + 32 * i, tmp, 32 * m);
		}
	}
	memcpy(out, cvs, 32);
}

/* CV of the parent of two 32-byte CVs. */
static void blake3_parent_cv(const uint32_t key[8], uint8_t flags,
			     const uint8_t left[32], const uint8_t right[32],
			     uint8_t out[32])
{
	uint8_t block[BLAKE3_BLOCK_LEN];
	uint32_t cv[8];

	memcpy(block, left, 32);
	memcpy(block + 32, right, 32);
	memcpy(cv, key, sizeof(cv));
	blake3_compress_in_place(cv, block, BLAKE3_BLOCK_LEN, 0,
				 flags | BLAKE3_PARENT);
	blake3_words_to_bytes(cv, out);
}

/*
 * Push the CV of a just-completed subtree.  `total` is the number of chunks
 * hashed so far, counted in units of that subtree's size.  Each trailing
 * zero bit of total means the stack top is the left sibling of the new
 * subtree: merge them, like carrying in a binary counter.  Merging early is
 * safe because the subtree never ends the input (the last chunk stays
 * open), so every pair merged here is a node of the final tree.
 */
static void blake3_push_cv(struct blake3_hasher *h, const uint8_t cv[32],
			   uint64_t total)
{
	uint8_t cur[32];

	memcpy(cur, cv, 32);
	while ((total & 1) == 0) {
		h->stack_len--;
		blake3_parent_cv(h->key, h->flags, h->stack[h->stack_len], cur,
				 cur);
		total >>= 1;
	}
	memcpy(h->stack[h->stack_len++], cur, 32);
}

static void blake3_init_flags(struct blake3_hasher *h, const uint32_t key[8],
			      uint8_t flags)
{
	memcpy(h->key, key, sizeof(h->key));
	memcpy(h->cv, key, sizeof(h->cv));
	h->chunk_counter = 0;
	memset(h->buf, 0, sizeof(h->buf));
	h->buf_len = 0;
	h->blocks_compressed = 0;
	h->flags = flags;
	h->stack_len = 0;
}

void blake3_init(struct blake3_hasher *h)
{
	blake3_init_flags(h, blake3_iv, 0);
}

void blake3_init_keyed(struct blake3_hasher *h,
		       const uint8_t key[BLAKE3_KEY_LEN])
{
	uint32_t words[8];

	for (int i = 0; i < 8; i++)
		words[i] = load32_le(key + 4 * i);
	blake3_init_flags(h, words, BLAKE3_KEYED_HASH);
}

void blake3_init_derive_key(struct blake3_hasher *h, const char *context)
{
	struct blake3_hasher ctx;
	uint8_t context_key[BLAKE3_KEY_LEN];
	uint32_t words[8];

	/* Spec section 2.7: hash the context, then key with the result. */
	blake3_init_flags(&ctx, blake3_iv, BLAKE3_DERIVE_KEY_CONTEXT);
	blake3_update(&ctx, context, strlen(context));
	blake3_finalize(&ctx, context_key, sizeof(context_key));
	for (int i = 0; i < 8; i++)
		words[i] = load32_le(context_key + 4 * i);
	blake3_init_flags(h, words, BLAKE3_DERIVE_KEY_MATERIAL);
}

static size_t blake3_chunk_len(const struct blake3_hasher *h)
{
	return (size_t)h->blocks_compressed * BLAKE3_BLOCK_LEN + h->buf_len;
}

static uint8_t blake3_chunk_start_flag(const struct blake3_hasher *h)
{
	return h->blocks_compressed == 0 ? BLAKE3_CHUNK_START : 0;
}

/*
 * Feed len bytes to the open chunk; len never exceeds the room left in it.
 * A full block is only compressed once more input arrives: the last block
 * of a chunk needs CHUNK_END, and whether it is the last is not yet known.
 */
static void blake3_chunk_update(struct blake3_hasher *h, const uint8_t *in,
				size_t len)
{
	if (h->buf_len) {
		size_t take = BLAKE3_BLOCK_LEN - h->buf_len;

		if (take > len)
			take = len;
		memcpy(h->buf + h->buf_len, in, take);
		h->buf_len += (uint8_t)take;
		in += take;
		len -= take;
		if (len == 0)
			return;
		blake3_compress_in_place(h->cv, h->buf, BLAKE3_BLOCK_LEN,
					 h->chunk_counter,
					 h->flags | blake3_chunk_start_flag(h));
		h->blocks_compressed++;
		h->buf_len = 0;
	}
	while (len > BLAKE3_BLOCK_LEN) {
		blake3_compress_in_place(h->cv, in, BLAKE3_BLOCK_LEN,
					 h->chunk_counter,
					 h->flags | blake3_chunk_start_flag(h));
		h->blocks_compressed++;
		in += BLAKE3_BLOCK_LEN;
		len -= BLAKE3_BLOCK_LEN;
	}
	memcpy(h->buf, in, len);
	h->buf_len = (uint8_t)len;
}

/* The inputs of a not yet performed compression: the root, or a CV. */
struct blake3_output {
	uint32_t cv[8];			 /* input chaining value */
	uint8_t block[BLAKE3_BLOCK_LEN]; /* message block, zero padded */
	uint64_t counter;		 /* chunk index, 0 for parents */
	uint8_t block_len;		 /* bytes of block in use */
	uint8_t flags;			 /* all flags except ROOT */
};

static void blake3_chunk_output(const struct blake3_hasher *h,
				struct blake3_output *o)
{
	memcpy(o->cv, h->cv, sizeof(o->cv));
	memset(o->block, 0, sizeof(o->block));
	memcpy(o->block, h->buf, h->buf_len);
	o->counter = h->chunk_counter;
	o->block_len = h->buf_len;
	o->flags = h->flags | blake3_chunk_start_flag(h) | BLAKE3_CHUNK_END;
}

static void blake3_output_cv(const struct blake3_output *o, uint8_t cv[32])
{
	uint32_t words[8];

	memcpy(words, o->cv, sizeof(words));
	blake3_compress_in_place(words, o->block, o->block_len, o->counter,
				 o->flags);
	blake3_words_to_bytes(words, cv);
}

/* Close the open chunk (it is full and more input follows) and push it. */
static void blake3_close_chunk(struct blake3_hasher *h)
{
	struct blake3_output o;
	uint8_t cv[32];

	blake3_chunk_output(h, &o);
	blake3_output_cv(&o, cv);
	blake3_push_cv(h, cv, h->chunk_counter + 1);
	h->chunk_counter++;
	memcpy(h->cv, h->key, sizeof(h->cv));
	h->buf_len = 0;
	h->blocks_compressed = 0;
}

/*
 * Chunks for the next subtree hashed straight from the input: a power of
 * two, aligned to the chunk counter (so it is a node of the tree), at most
 * BLAKE3_MAX_SUBTREE_CHUNKS, and leaving at least one byte for the open
 * chunk.  len > BLAKE3_CHUNK_LEN.
 */
static size_t blake3_subtree_len(uint64_t counter, size_t len)
{
	size_t whole = (len - 1) / BLAKE3_CHUNK_LEN;
	size_t n = BLAKE3_MAX_SUBTREE_CHUNKS;

	while (n > whole || (counter & (n - 1)) != 0)
		n /= 2;
	return n;
}

void blake3_update(struct blake3_hasher *h, const void *in, size_t len)
{
	const uint8_t *p = in;

	while (len) {
		if (blake3_chunk_len(h) == BLAKE3_CHUNK_LEN)
			blake3_close_chunk(h);

		if (blake3_chunk_len(h) == 0 && len > BLAKE3_CHUNK_LEN) {
			size_t n = blake3_subtree_len(h->chunk_counter, len);
			uint8_t cv[32];
			unsigned int shift = 0;

			while (((size_t)1 << shift) < n)
				shift++;
			blake3_subtree_cv(h->key, h->flags, p, n,
					  h->chunk_counter, cv);
			h->chunk_counter += n;
			blake3_push_cv(h, cv, h->chunk_counter >> shift);
			p += n * BLAKE3_CHUNK_LEN;
			len -= n * BLAKE3_CHUNK_LEN;
			continue;
		}

		size_t take = BLAKE3_CHUNK_LEN - blake3_chunk_len(h);

		if (take > len)
			take = len;
		blake3_chunk_update(h, p, take);
		p += take;
		len -= take;
	}
}

void blake3_finalize_seek(const struct blake3_hasher *h, uint64_t seek,
			  uint8_t *out, size_t out_len)
{
	struct blake3_output o;

	/*
	 * The open chunk is the rightmost leaf; fold the stack into it from
	 * the top (smallest subtree) down.  What is left is the root.
	 */
	blake3_chunk_output(h, &o);
	for (size_t i = h->stack_len; i-- > 0;) {
		uint8_t right[32];

		blake3_output_cv(&o, right);
		memcpy(o.cv, h->key, sizeof(o.cv));
		memcpy(o.block, h->stack[i], 32);
		memcpy(o.block + 32, right, 32);
		o.counter = 0;
		o.block_len = BLAKE3_BLOCK_LEN;
		o.flags = h->flags | BLAKE3_PARENT;
	}

	/* Output block k is the root compression with counter k. */
	uint64_t block = seek / BLAKE3_BLOCK_LEN;
	size_t skip = (size_t)(seek % BLAKE3_BLOCK_LEN);

	while (out_len) {
		uint8_t buf[BLAKE3_BLOCK_LEN];
		size_t take = BLAKE3_BLOCK_LEN - skip;

		if (take > out_len)
			take = out_len;
		blake3_compress_xof(o.cv, o.block, o.block_len, block,
				    o.flags | BLAKE3_ROOT, buf);
		memcpy(out, buf + skip, take);
		out += take;
		out_len -= take;
		skip = 0;
		block++;
	}
}

void blake3_finalize(const struct blake3_hasher *h, uint8_t *out,
		     size_t out_len)
{
	blake3_finalize_seek(h, 0, out, out_len);
}

void blake3_hash(const void *in, size_t len, uint8_t out[BLAKE3_OUT_LEN])
{
	struct blake3_hasher h;

	blake3_init(&h);
	blake3_update(&h, in, len);
	blake3_finalize(&h, out, BLAKE3_OUT_LEN);
}
