/*
 * kernel/mm/vma.c - per-process virtual region tracker (spec kernel.md
 * section 5, syscalls.md Allocate/Free/AllocDma).
 *
 * Invariants, kept by every function: regions[0, count) are sorted by
 * base; their spans (guards included) are disjoint, page-aligned and lie
 * in [VMA_MIN_ADDR, ceiling).  Hence no span arithmetic on a stored region
 * can overflow.  The caller holds the address-space lock throughout.
 */
#include "kernel/mm/vma.h"

#include "lib/klib/string.h"

#include "abi/errno.h"

static uint64_t guard_before(uint32_t flags)
{
	return (flags & VMA_GUARD_BEFORE) ? VMA_PAGE_SIZE : 0;
}

static uint64_t guard_after(uint32_t flags)
{
	return (flags & VMA_GUARD_AFTER) ? VMA_PAGE_SIZE : 0;
}

uint64_t vma_span_start(const struct vma *r)
{
	return r->base - guard_before(r->flags);
}

uint64_t vma_span_end(const struct vma *r)
{
	return r->base + r->pages * VMA_PAGE_SIZE + guard_after(r->flags);
}

static bool page_aligned(uint64_t a)
{
	return (a & (VMA_PAGE_SIZE - 1)) == 0;
}

int vma_set_init(struct vma_set *s, uint64_t ceiling)
{
	if (!page_aligned(ceiling) || ceiling <= VMA_DYN_BASE)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->ceiling = ceiling;
	s->high_water = VMA_DYN_BASE;
	return 0;
}

static bool args_ok(uint64_t pages, uint32_t flags, uint32_t kind)
{
	return pages != 0 && (flags & ~VMA_FLAGS_ALL) == 0 &&
	       kind >= VMA_KIND_ANON && kind <= VMA_KIND_MAX;
}

/*
 * Bytes of the span of a region of pages pages with flags, or 0 when it
 * cannot fit in [VMA_MIN_ADDR, ceiling) at all.  Checked before any
 * multiplication, so a huge pages never wraps.
 */
static uint64_t span_bytes(const struct vma_set *s, uint64_t pages,
			   uint32_t flags)
{
	uint64_t room = (s->ceiling - VMA_MIN_ADDR) / VMA_PAGE_SIZE;
	uint64_t guards =
	    (guard_before(flags) + guard_after(flags)) / VMA_PAGE_SIZE;

	if (pages > room || guards > room - pages)
		return 0;
	return (pages + guards) * VMA_PAGE_SIZE;
}

/* Index of the first region whose base is above addr (count if none). */
static uint32_t upper_bound(const struct vma_set *s, uint64_t addr)
{
	uint32_t lo = 0, hi = s->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->regions[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void insert_at(struct vma_set *s, uint32_t i, uint64_t base,
		      uint64_t pages, uint32_t flags, uint32_t kind,
		      uint64_t tag)
{
	memmove(&s->regions[i + 1], &s->regions[i],
		(s->count - i) * sizeof(s->regions[0]));
	s->regions[i] = (struct vma){
	    .base = base,
	    .pages = pages,
	    .flags = flags,
	    .kind = kind,
	    .tag = tag,
	};
	s->count++;
}

static void remove_at(struct vma_set *s, uint32_t i, struct vma *out)
{
	if (out)
		*out = s->regions[i];
	memmove(&s->regions[i], &s->regions[i + 1],
		(s->count - i - 1) * sizeof(s->regions[0]));
	s->count--;
	memset(&s->regions[s->count], 0, sizeof(s->regions[0]));
}

int vma_alloc(struct vma_set *s, uint64_t pages, uint32_t flags, uint32_t kind,
	      uint64_t tag, uint64_t *out_base)
{
	uint64_t need, cursor = VMA_DYN_BASE;
	uint32_t i;

	if (!args_ok(pages, flags, kind) || !out_base)
		return -EINVAL;
	if (s->count >= VMA_MAX_REGIONS)
		return -ENOMEM;
	need = span_bytes(s, pages, flags);
	if (need == 0)
		return -ENOMEM;
	/*
	 * First fit.  After region i, cursor >= the span end of every region
	 * up to i, so a gap found before region i keeps the array sorted
	 * when the new region is inserted at i.
	 */
	for (i = 0; i < s->count; i++) {
		uint64_t start = vma_span_start(&s->regions[i]);
		uint64_t end = vma_span_end(&s->regions[i]);

		if (end <= cursor)
			continue;
		if (start >= cursor && start - cursor >= need)
			break;
		cursor = end;
	}
	if (i == s->count && s->ceiling - cursor < need)
		return -ENOMEM;
	insert_at(s, i, cursor + guard_before(flags), pages, flags, kind, tag);
	if (cursor + need > s->high_water)
		s->high_water = cursor + need;
	*out_base = cursor + guard_before(flags);
	return 0;
}

int vma_insert_fixed(struct vma_set *s, uint64_t base, uint64_t pages,
		     uint32_t flags, uint32_t kind, uint64_t tag)
{
	uint64_t need, start, end;

	if (!args_ok(pages, flags, kind) || !page_aligned(base))
		return -EINVAL;
	need = span_bytes(s, pages, flags);
	/* The span must start at or above VMA_MIN_ADDR and end by ceiling. */
	if (need == 0 || base < VMA_MIN_ADDR + guard_before(flags))
		return -EINVAL;
	start = base - guard_before(flags);
	if (start > s->ceiling - need)
		return -EINVAL;
	end = start + need;
	for (uint32_t i = 0; i < s->count; i++) {
		if (vma_span_start(&s->regions[i]) < end &&
		    start < vma_span_end(&s->regions[i]))
			return -EEXIST;
	}
	if (s->count >= VMA_MAX_REGIONS)
		return -ENOMEM;
	insert_at(s, upper_bound(s, base), base, pages, flags, kind, tag);
	return 0;
}

const struct vma *vma_find(const struct vma_set *s, uint64_t addr)
{
	uint32_t i = upper_bound(s, addr);
	const struct vma *r;

	if (i == 0)
		return NULL;
	r = &s->regions[i - 1];
	/* addr >= r->base here, so the subtraction cannot wrap. */
	if ((addr - r->base) / VMA_PAGE_SIZE < r->pages)
		return r;
	return NULL;
}

bool vma_in_guard(const struct vma_set *s, uint64_t addr)
{
	uint32_t i = upper_bound(s, addr);

	/* A trailing guard of the region at or below addr... */
	if (i > 0) {
		const struct vma *r = &s->regions[i - 1];
		uint64_t end = r->base + r->pages * VMA_PAGE_SIZE;

		if ((r->flags & VMA_GUARD_AFTER) && addr >= end &&
		    addr - end < VMA_PAGE_SIZE)
			return true;
	}
	/* ...or the leading guard of the next one. */
	if (i < s->count) {
		const struct vma *r = &s->regions[i];

		if ((r->flags & VMA_GUARD_BEFORE) &&
		    r->base - addr <= VMA_PAGE_SIZE)
			return true;
	}
	return false;
}

int vma_remove(struct vma_set *s, uint64_t base, struct vma *out)
{
	uint32_t i = upper_bound(s, base);

	/* Only the exact base user space was given (spec syscalls.md Free). */
	if (i == 0 || s->regions[i - 1].base != base)
		return -EINVAL;
	remove_at(s, i - 1, out);
	return 0;
}

int vma_pop(struct vma_set *s, struct vma *out)
{
	if (s->count == 0)
		return -ENOENT;
	remove_at(s, s->count - 1, out);
	return 0;
}

const struct vma *vma_at(const struct vma_set *s, uint32_t i)
{
	return i < s->count ? &s->regions[i] : NULL;
}

uint32_t vma_count(const struct vma_set *s)
{
	return s->count;
}
