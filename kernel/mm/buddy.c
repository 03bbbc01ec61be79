/*
 * kernel/mm/buddy.c - buddy allocator of physical page frames.
 *
 * Frame metadata byte (one per frame of a zone):
 *
 *   bits 0-3  order of the block, valid in a block's first frame
 *   bit 4     BUDDY_META_HEAD: first frame of a block
 *   bits 5-6  state: NONE (not allocatable: metadata frames), FREE, USED
 *
 * Every frame of a block carries the block's state, so a double free is
 * recognised even after the freed block merged into a bigger one, and a
 * free of an interior frame is told apart from one of a foreign frame.
 * Keeping the tail bytes current costs 2^order byte writes per alloc and
 * free, far less than the caller's use of the memory.
 */
#include "kernel/mm/buddy.h"

#include "kernel/core/panic.h"
#include "kernel/mm/memmap.h"

#include "lib/klib/string.h"

#include "abi/errno.h"

#define BUDDY_META_ORDER 0x0fu
#define BUDDY_META_HEAD	 0x10u
#define BUDDY_META_STATE 0x60u
#define BUDDY_META_NONE	 0x00u
#define BUDDY_META_FREE	 0x20u
#define BUDDY_META_USED	 0x40u

#define PAGE_MASK      (BUDDY_PAGE_SIZE - 1)
#define META_PER_FRAME BUDDY_PAGE_SIZE /* metadata bytes a frame holds */

_Static_assert(BUDDY_MAX_ORDER <= BUDDY_META_ORDER, "order must fit in meta");

static uint8_t head_meta(unsigned state, unsigned order)
{
	return (uint8_t)(state | BUDDY_META_HEAD | order);
}

static struct buddy_node *node_of(const struct buddy *b, uint64_t pfn)
{
	return (struct buddy_node *)((uintptr_t)(pfn << BUDDY_PAGE_SHIFT) +
				     b->virt_offset);
}

static uint64_t pfn_of(const struct buddy *b, const struct buddy_node *n)
{
	return (uint64_t)((uintptr_t)n - b->virt_offset) >> BUDDY_PAGE_SHIFT;
}

/* The zone holding frame pfn, or NULL.  Zones are sorted by base. */
static const struct buddy_zone *zone_of(const struct buddy *b, uint64_t pfn)
{
	size_t lo = 0, hi = b->nzones;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct buddy_zone *z = &b->zones[mid];

		if (pfn < z->base_pfn)
			hi = mid;
		else if (pfn - z->base_pfn >= z->nframes)
			lo = mid + 1;
		else
			return z;
	}
	return NULL;
}

static uint8_t *meta_of(const struct buddy_zone *z, uint64_t pfn)
{
	return &z->meta[pfn - z->base_pfn];
}

static void list_push(struct buddy *b, unsigned order, uint64_t pfn)
{
	struct buddy_node *n = node_of(b, pfn);

	n->prev = NULL;
	n->next = b->free_list[order];
	if (n->next)
		n->next->prev = n;
	b->free_list[order] = n;
	b->free_blocks[order]++;
}

static void list_remove(struct buddy *b, unsigned order, struct buddy_node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		b->free_list[order] = n->next;
	if (n->next)
		n->next->prev = n->prev;
	b->free_blocks[order]--;
}

/* Mark the 2^order frames at pfn as one block in state. */
static void mark_block(const struct buddy_zone *z, uint64_t pfn, unsigned order,
		       unsigned state)
{
	uint8_t *m = meta_of(z, pfn);

	m[0] = head_meta(state, order);
	for (uint64_t i = 1; i < (1ull << order); i++)
		m[i] = (uint8_t)state;
}

/* Largest order a free block at pfn can have with frames left before end. */
static unsigned fit_order(uint64_t pfn, uint64_t left)
{
	unsigned k = 0;

	while (k < BUDDY_MAX_ORDER && !(pfn & (1ull << k)) &&
	       (2ull << k) <= left)
		k++;
	return k;
}

static bool ranges_valid(const struct mem_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (r[i].base >= r[i].end || (r[i].base & PAGE_MASK) ||
		    (r[i].end & PAGE_MASK))
			return false;
		if (i > 0 && r[i].base < r[i - 1].end)
			return false;
	}
	return true;
}

/*
 * Manage one range: its first frames hold the metadata of the whole range
 * (so frame 0, if in the range, is metadata and never handed out), the
 * rest is cut greedily into the largest aligned blocks.  Greedy cutting
 * never leaves two free buddies unmerged: a block is only as small as its
 * alignment or the end of the range forces.
 */
static void add_zone(struct buddy *b, const struct mem_range *r)
{
	uint64_t nframes = (r->end - r->base) >> BUDDY_PAGE_SHIFT;
	uint64_t nmeta = (nframes + META_PER_FRAME - 1) / META_PER_FRAME;
	struct buddy_zone *z;
	uint64_t pfn, end;

	if (b->nzones >= BUDDY_MAX_ZONES || nframes <= nmeta) {
		b->ranges_ignored++;
		return;
	}
	z = &b->zones[b->nzones++];
	z->base_pfn = r->base >> BUDDY_PAGE_SHIFT;
	z->nframes = nframes;
	z->meta = (uint8_t *)((uintptr_t)r->base + b->virt_offset);
	memset(z->meta, BUDDY_META_NONE, nframes);

	end = z->base_pfn + nframes;
	for (pfn = z->base_pfn + nmeta; pfn < end;) {
		unsigned k = fit_order(pfn, end - pfn);

		mark_block(z, pfn, k, BUDDY_META_FREE);
		list_push(b, k, pfn);
		pfn += 1ull << k;
	}
	b->meta_frames += nmeta;
	b->total_frames += nframes - nmeta;
	b->free_frames += nframes - nmeta;
}

int buddy_init(struct buddy *b, const struct mem_range *ranges, size_t n,
	       uintptr_t virt_offset)
{
	if (!b)
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	b->virt_offset = virt_offset;
	if ((!ranges && n > 0) || !ranges_valid(ranges, n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		add_zone(b, &ranges[i]);
	if (b->total_frames == 0) {
		memset(b, 0, sizeof(*b));
		return -ENOMEM;
	}
	return 0;
}

uint64_t buddy_alloc(struct buddy *b, unsigned order)
{
	const struct buddy_zone *z;
	struct buddy_node *n;
	uint64_t pfn;
	unsigned k = order;

	if (order > BUDDY_MAX_ORDER)
		return 0;
	while (k <= BUDDY_MAX_ORDER && !b->free_list[k])
		k++;
	if (k > BUDDY_MAX_ORDER)
		return 0;

	n = b->free_list[k];
	list_remove(b, k, n);
	pfn = pfn_of(b, n);
	z = zone_of(b, pfn);
	/* Split: keep the lower half, free the upper half of each level. */
	while (k > order) {
		k--;
		meta_of(z, pfn + (1ull << k))[0] =
		    head_meta(BUDDY_META_FREE, k);
		list_push(b, k, pfn + (1ull << k));
	}
	mark_block(z, pfn, order, BUDDY_META_USED);
	b->free_frames -= 1ull << order;
	return pfn << BUDDY_PAGE_SHIFT;
}

/* Decode: panic unless phys is the head of a used block of this order. */
static const struct buddy_zone *check_free(const struct buddy *b, uint64_t phys,
					   unsigned order)
{
	const struct buddy_zone *z;
	unsigned long long p = phys;
	uint8_t m;

	if (order > BUDDY_MAX_ORDER)
		panic("buddy_free: order %u too large for %#llx", order, p);
	if (phys & PAGE_MASK)
		panic("buddy_free: unaligned address %#llx", p);
	z = zone_of(b, phys >> BUDDY_PAGE_SHIFT);
	if (!z)
		panic("buddy_free: foreign frame %#llx", p);
	m = *meta_of(z, phys >> BUDDY_PAGE_SHIFT);
	switch (m & BUDDY_META_STATE) {
	case BUDDY_META_FREE:
		panic("buddy_free: double free of %#llx", p);
	case BUDDY_META_USED:
		break;
	default:
		panic("buddy_free: foreign frame %#llx (allocator metadata)",
		      p);
	}
	if (!(m & BUDDY_META_HEAD))
		panic("buddy_free: %#llx is inside an allocated block", p);
	if ((m & BUDDY_META_ORDER) != order)
		panic("buddy_free: wrong order %u for %#llx (allocated as "
		      "order %u)",
		      order, p, m & BUDDY_META_ORDER);
	return z;
}

void buddy_free(struct buddy *b, uint64_t phys, unsigned order)
{
	const struct buddy_zone *z = check_free(b, phys, order);
	uint64_t pfn = phys >> BUDDY_PAGE_SHIFT;
	uint64_t zone_end = z->base_pfn + z->nframes;
	unsigned k = order;

	mark_block(z, pfn, order, BUDDY_META_FREE);
	b->free_frames += 1ull << order;
	while (k < BUDDY_MAX_ORDER) {
		uint64_t buddy = pfn ^ (1ull << k);
		uint8_t *bm;

		if (buddy < z->base_pfn || buddy + (1ull << k) > zone_end)
			break;
		bm = meta_of(z, buddy);
		if (*bm != head_meta(BUDDY_META_FREE, k))
			break;
		list_remove(b, k, node_of(b, buddy));
		/* Both halves' heads become tails of the merged block. */
		*bm = BUDDY_META_FREE;
		*meta_of(z, pfn) = BUDDY_META_FREE;
		pfn &= ~(1ull << k);
		k++;
	}
	*meta_of(z, pfn) = head_meta(BUDDY_META_FREE, k);
	list_push(b, k, pfn);
}

size_t buddy_free_frames(const struct buddy *b)
{
	return b->free_frames;
}

size_t buddy_total_frames(const struct buddy *b)
{
	return b->total_frames;
}

size_t buddy_free_blocks(const struct buddy *b, unsigned order)
{
	return order <= BUDDY_MAX_ORDER ? b->free_blocks[order] : 0;
}

/* Walk one zone's metadata; adds its free blocks to counts. */
static bool check_zone(const struct buddy_zone *z, size_t *counts,
		       size_t *free_frames, size_t *total)
{
	uint64_t i = 0;

	while (i < z->nframes) {
		uint8_t m = z->meta[i];
		unsigned state = m & BUDDY_META_STATE;
		unsigned k = m & BUDDY_META_ORDER;
		uint64_t pfn = z->base_pfn + i, len;

		if (state == BUDDY_META_NONE) {
			if (m != BUDDY_META_NONE)
				return false;
			i++;
			continue;
		}
		if (!(m & BUDDY_META_HEAD) || state == BUDDY_META_STATE ||
		    k > BUDDY_MAX_ORDER)
			return false;
		len = 1ull << k;
		if ((pfn & (len - 1)) || len > z->nframes - i)
			return false;
		for (uint64_t j = 1; j < len; j++) {
			if (z->meta[i + j] != state)
				return false;
		}
		if (state == BUDDY_META_FREE) {
			uint64_t buddy = pfn ^ len;

			counts[k]++;
			*free_frames += len;
			if (k < BUDDY_MAX_ORDER && buddy >= z->base_pfn &&
			    buddy + len <= z->base_pfn + z->nframes &&
			    *meta_of(z, buddy) == head_meta(BUDDY_META_FREE, k))
				return false;
		}
		*total += len;
		i += len;
	}
	return true;
}

/* Every node on list k is a distinct free head of order k. */
static bool check_list(const struct buddy *b, unsigned k, size_t expect)
{
	const struct buddy_node *prev = NULL;
	size_t n = 0;

	for (const struct buddy_node *node = b->free_list[k]; node;
	     node = node->next) {
		const struct buddy_zone *z;
		uint64_t pfn = pfn_of(b, node);

		/* More nodes than free heads means a cycle or a stray. */
		if (++n > expect || node->prev != prev)
			return false;
		if (((uintptr_t)node - b->virt_offset) & PAGE_MASK)
			return false;
		z = zone_of(b, pfn);
		if (!z || *meta_of(z, pfn) != head_meta(BUDDY_META_FREE, k))
			return false;
		prev = node;
	}
	return n == expect;
}

bool buddy_check(const struct buddy *b)
{
	size_t counts[BUDDY_ORDERS] = {0};
	size_t free_frames = 0, total = 0;

	for (size_t i = 0; i < b->nzones; i++) {
		const struct buddy_zone *z = &b->zones[i];

		if (i > 0 && z->base_pfn < b->zones[i - 1].base_pfn +
					       b->zones[i - 1].nframes)
			return false;
		if (!check_zone(z, counts, &free_frames, &total))
			return false;
	}
	if (total != b->total_frames || free_frames != b->free_frames)
		return false;
	for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
		if (counts[k] != b->free_blocks[k] ||
		    !check_list(b, k, counts[k]))
			return false;
	}
	return true;
}
