/*
 * kernel/mm/heap.c - the kernel heap.
 *
 * Page layouts (every page the heap owns starts with a 64-byte header
 * whose magic sits at offset 16, past the 16 bytes a page allocator may
 * use for its own free-list links once the page is returned, so a freed
 * page still says HEAP_MAGIC_DEAD until it is reused):
 *
 *   slab page:   struct heap_slab | nobjs objects of the class size
 *   large block: struct heap_large | the caller's bytes
 *
 * A slab tracks its objects in a bitmap, never in the objects: a write
 * after free cannot corrupt the allocator, and a double free is a clear
 * bit.  Empty slabs go straight back to the backend so that pages_held
 * returns to 0 when everything is freed.
 */
#include "kernel/mm/heap.h"

#include <stdbool.h>
#include <stdint.h>

#include "kernel/core/lockrank.h"
#include "kernel/core/panic.h"
#include "kernel/core/spinlock.h"

#include "lib/klib/string.h"

#define HEAP_HDR_SIZE	  64
#define HEAP_PAGE_MASK	  ((uintptr_t)HEAP_PAGE_SIZE - 1)
#define HEAP_MAGIC_SLAB	  0x534c4142u /* "SLAB" */
#define HEAP_MAGIC_LARGE  0x4c524745u /* "LRGE" */
#define HEAP_MAGIC_DEAD	  0x44454144u /* "DEAD": page given back */
#define HEAP_POISON	  0x6b	      /* fills freed slab objects */
#define HEAP_BITMAP_WORDS 4

/* Header of a slab page. */
struct heap_slab {
	struct heap_slab *next;		  /* partial list of the class */
	struct heap_slab *prev;		  /* NULL at the head */
	uint32_t magic;			  /* HEAP_MAGIC_SLAB */
	uint16_t class_idx;		  /* index into heap_class_size[] */
	uint16_t nfree;			  /* free objects */
	struct heap_slab *self;		  /* this header's own address */
	uint64_t used[HEAP_BITMAP_WORDS]; /* bit i: object i is allocated;
					     bits past nobjs are set */
};

/* Header of a large block. */
struct heap_large {
	uint64_t backend_area[2]; /* left to the page allocator */
	uint32_t magic;		  /* HEAP_MAGIC_LARGE */
	uint32_t order;		  /* the block is 2^order pages */
	struct heap_large *self;  /* this header's own address */
	size_t size;		  /* bytes asked for */
	uint64_t pad[3];	  /* to HEAP_HDR_SIZE, keeping data aligned */
};

_Static_assert(sizeof(struct heap_slab) == HEAP_HDR_SIZE, "slab header");
_Static_assert(sizeof(struct heap_large) == HEAP_HDR_SIZE, "large header");
_Static_assert(HEAP_HDR_SIZE % HEAP_ALIGN == 0, "header keeps alignment");
_Static_assert(sizeof(size_t) >= 8, "large sizes need a 64-bit size_t");

/*
 * Size classes: multiples of 16 chosen so that each wastes little of a
 * page after the header: 4032 bytes hold 252 x 16, 84 x 48, 12 x 336,
 * 8 x 496, 6 x 672, 4 x 1008, 2 x 2016.
 */
static const uint16_t heap_class_size[] = {
    16, 32, 48, 64, 96, 128, 192, 256, 336, 496, 672, 1008, HEAP_SLAB_MAX,
};
#define HEAP_NCLASSES (sizeof(heap_class_size) / sizeof(heap_class_size[0]))

_Static_assert((HEAP_PAGE_SIZE - HEAP_HDR_SIZE) / 16 <= 64 * HEAP_BITMAP_WORDS,
	       "bitmap covers the smallest class");

/* The heap.  Lock: none yet (single CPU); see heap.h. */
static struct {
	struct heap_backend be; /* page supplier */
	bool ready;		/* heap_init() ran with a usable backend */
	struct heap_slab *partial[HEAP_NCLASSES]; /* slabs with free objects */
	struct heap_stats st;			  /* counters */
} heap;

/* Guards heap (interrupts off while held); taken before frame_lock. */
static struct spinlock heap_lock = SPINLOCK_INIT("heap", LOCK_RANK_HEAP);

/* What a pointer given to kfree() refers to. */
struct heap_ref {
	struct heap_slab *slab;	  /* slab holding it, or NULL */
	struct heap_large *large; /* large block, or NULL */
	unsigned idx;		  /* object index within the slab */
};

static unsigned slab_nobjs(unsigned class_idx)
{
	return (HEAP_PAGE_SIZE - HEAP_HDR_SIZE) / heap_class_size[class_idx];
}

static void *slab_obj(struct heap_slab *s, unsigned idx)
{
	return (uint8_t *)s + HEAP_HDR_SIZE +
	       (size_t)idx * heap_class_size[s->class_idx];
}

static void partial_push(struct heap_slab *s)
{
	struct heap_slab **head = &heap.partial[s->class_idx];

	s->prev = NULL;
	s->next = *head;
	if (*head)
		(*head)->prev = s;
	*head = s;
}

static void partial_remove(struct heap_slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		heap.partial[s->class_idx] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

static void *backend_alloc(size_t order)
{
	void *p = heap.be.alloc_pages(order);

	if (p && ((uintptr_t)p & HEAP_PAGE_MASK))
		panic("heap: backend returned misaligned pages %p", p);
	return p;
}

static struct heap_slab *slab_create(unsigned class_idx)
{
	struct heap_slab *s = backend_alloc(0);
	unsigned n = slab_nobjs(class_idx);

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->magic = HEAP_MAGIC_SLAB;
	s->class_idx = (uint16_t)class_idx;
	s->nfree = (uint16_t)n;
	s->self = s;
	/* Mark the bits past the last object as taken, once and for all. */
	for (unsigned i = n; i < 64 * HEAP_BITMAP_WORDS; i++)
		s->used[i / 64] |= 1ull << (i % 64);
	partial_push(s);
	heap.st.pages_held++;
	heap.st.slab_pages++;
	return s;
}

static void *slab_alloc(unsigned class_idx)
{
	struct heap_slab *s = heap.partial[class_idx];
	unsigned idx;
	unsigned w = 0;

	if (!s)
		s = slab_create(class_idx);
	if (!s)
		return NULL;
	/* A partial slab has a clear bit below nobjs. */
	while (s->used[w] == ~0ull)
		w++;
	idx = w * 64 + (unsigned)__builtin_ctzll(~s->used[w]);
	s->used[w] |= 1ull << (idx % 64);
	if (--s->nfree == 0)
		partial_remove(s);
	heap.st.bytes_in_use += heap_class_size[class_idx];
	return slab_obj(s, idx);
}

static unsigned order_for(size_t bytes)
{
	size_t pages = (bytes + HEAP_PAGE_SIZE - 1) / HEAP_PAGE_SIZE;
	unsigned order = 0;

	while (((size_t)1 << order) < pages)
		order++;
	return order;
}

static void *large_alloc(size_t size)
{
	struct heap_large *l;
	unsigned order;

	/* Checked first so that size + header cannot overflow. */
	if (size > ((size_t)HEAP_PAGE_SIZE << HEAP_MAX_ORDER) - HEAP_HDR_SIZE)
		return NULL;
	order = order_for(size + HEAP_HDR_SIZE);
	l = backend_alloc(order);
	if (!l)
		return NULL;
	memset(l, 0, sizeof(*l));
	l->magic = HEAP_MAGIC_LARGE;
	l->order = order;
	l->self = l;
	l->size = size;
	heap.st.pages_held += (size_t)1 << order;
	heap.st.bytes_in_use += size;
	return (uint8_t *)l + HEAP_HDR_SIZE;
}

void heap_init(const struct heap_backend *backend)
{
	spin_init(&heap_lock, "heap", LOCK_RANK_HEAP);
	memset(&heap, 0, sizeof(heap));
	if (!backend || !backend->alloc_pages || !backend->free_pages)
		return;
	heap.be = *backend;
	heap.ready = true;
}

void *kmalloc(size_t size)
{
	void *p = NULL;
	unsigned long flags = spin_lock_irqsave(&heap_lock);

	if (heap.ready && size <= HEAP_SLAB_MAX) {
		unsigned c = 0;

		while (heap_class_size[c] < size)
			c++;
		p = slab_alloc(c);
	} else if (heap.ready) {
		p = large_alloc(size);
	}
	if (!p) {
		heap.st.failures++;
		spin_unlock_irqrestore(&heap_lock, flags);
		return NULL;
	}
	heap.st.allocs++;
	heap.st.blocks_in_use++;
	spin_unlock_irqrestore(&heap_lock, flags);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

/* What decode() found wrong with a pointer. */
enum heap_bad {
	HEAP_OK,
	HEAP_FOREIGN,
	HEAP_DOUBLE_FREE,
};

/* Find what p refers to.  Caller holds heap_lock. */
static enum heap_bad decode(const void *p, struct heap_ref *ref)
{
	uintptr_t page = (uintptr_t)p & ~HEAP_PAGE_MASK;
	uintptr_t off = (uintptr_t)p - page;
	/* The magic is at the same offset in both headers. */
	uint32_t magic = ((const struct heap_slab *)page)->magic;

	ref->slab = NULL;
	ref->large = NULL;
	ref->idx = 0;
	if (magic == HEAP_MAGIC_SLAB) {
		struct heap_slab *s = (struct heap_slab *)page;
		unsigned size;

		if (s->self != s || s->class_idx >= HEAP_NCLASSES ||
		    off < HEAP_HDR_SIZE)
			return HEAP_FOREIGN;
		size = heap_class_size[s->class_idx];
		if ((off - HEAP_HDR_SIZE) % size != 0 ||
		    (off - HEAP_HDR_SIZE) / size >= slab_nobjs(s->class_idx))
			return HEAP_FOREIGN;
		ref->slab = s;
		ref->idx = (unsigned)((off - HEAP_HDR_SIZE) / size);
		if (!(s->used[ref->idx / 64] & (1ull << (ref->idx % 64))))
			return HEAP_DOUBLE_FREE;
		return HEAP_OK;
	}
	if (magic == HEAP_MAGIC_LARGE) {
		struct heap_large *l = (struct heap_large *)page;

		if (l->self != l || off != HEAP_HDR_SIZE ||
		    l->order > HEAP_MAX_ORDER)
			return HEAP_FOREIGN;
		ref->large = l;
		return HEAP_OK;
	}
	if (magic == HEAP_MAGIC_DEAD)
		return HEAP_DOUBLE_FREE;
	return HEAP_FOREIGN;
}

/* Report a bad pointer (after dropping the lock, so tests can go on). */
static void bad_pointer(enum heap_bad bad, const char *who, const void *p,
			unsigned long flags)
{
	spin_unlock_irqrestore(&heap_lock, flags);
	if (bad == HEAP_DOUBLE_FREE)
		panic("%s: double free of %p", who, p);
	panic("%s: foreign pointer %p", who, p);
}

static void slab_free(struct heap_slab *s, unsigned idx)
{
	unsigned size = heap_class_size[s->class_idx];

	s->used[idx / 64] &= ~(1ull << (idx % 64));
	memset(slab_obj(s, idx), HEAP_POISON, size);
	heap.st.bytes_in_use -= size;
	if (s->nfree++ == 0)
		partial_push(s);
	if (s->nfree == slab_nobjs(s->class_idx)) {
		partial_remove(s);
		s->magic = HEAP_MAGIC_DEAD;
		heap.st.pages_held--;
		heap.st.slab_pages--;
		heap.be.free_pages(s, 0);
	}
}

static void large_free(struct heap_large *l)
{
	heap.st.bytes_in_use -= l->size;
	heap.st.pages_held -= (size_t)1 << l->order;
	l->magic = HEAP_MAGIC_DEAD;
	heap.be.free_pages(l, l->order);
}

void kfree(void *p)
{
	struct heap_ref ref;

	if (!p)
		return;

	unsigned long flags = spin_lock_irqsave(&heap_lock);
	enum heap_bad bad = decode(p, &ref);

	if (bad != HEAP_OK)
		bad_pointer(bad, "kfree", p, flags);
	if (ref.slab)
		slab_free(ref.slab, ref.idx);
	else
		large_free(ref.large);
	heap.st.frees++;
	heap.st.blocks_in_use--;
	spin_unlock_irqrestore(&heap_lock, flags);
}

size_t heap_usable_size(const void *p)
{
	struct heap_ref ref;

	if (!p)
		return 0;

	unsigned long flags = spin_lock_irqsave(&heap_lock);
	enum heap_bad bad = decode(p, &ref);
	size_t size;

	if (bad != HEAP_OK)
		bad_pointer(bad, "heap_usable_size", p, flags);
	size = ref.slab ? heap_class_size[ref.slab->class_idx] : ref.large->size;
	spin_unlock_irqrestore(&heap_lock, flags);
	return size;
}

void heap_get_stats(struct heap_stats *out)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock);

	*out = heap.st;
	spin_unlock_irqrestore(&heap_lock, flags);
}
