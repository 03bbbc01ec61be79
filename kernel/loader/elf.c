/*
 * kernel/loader/elf.c - ELF64 parser, structural verifier and page planner
 * (spec security.md §4, §5).
 *
 * Fields are assembled from bytes (little-endian, as EI_DATA = 1 demands),
 * so the input may have any alignment and the code never casts it to a
 * structure.  All bounds arithmetic is written so that it cannot wrap:
 * `a + b <= c` is tested as `a <= c && b <= c - a`.
 */
#include "kernel/loader/elf.h"

#include "abi/errno.h"
#include "lib/klib/endian.h"

/* e_ident bytes and values. */
enum {
	EI_CLASS = 4,
	EI_DATA = 5,
	EI_VERSION = 6,
	ELFCLASS64 = 2,
	ELFDATA2LSB = 1,
	EV_CURRENT = 1,
	ET_EXEC = 2,
	PN_XNUM = 0xFFFF,
	PT_LOAD = 1,
	PT_INTERP = 3,
};

/* Offsets of Elf64_Ehdr fields. */
enum {
	EH_TYPE = 16,
	EH_MACHINE = 18,
	EH_VERSION = 20,
	EH_ENTRY = 24,
	EH_PHOFF = 32,
	EH_PHENTSIZE = 54,
	EH_PHNUM = 56,
};

/* Offsets of Elf64_Phdr fields. */
enum {
	PH_TYPE = 0,
	PH_FLAGS = 4,
	PH_OFFSET = 8,
	PH_VADDR = 16,
	PH_FILESZ = 32,
	PH_MEMSZ = 40,
};

/* True when [off, off + n) lies inside a buffer of len bytes. */
static bool in_bounds(uint64_t off, uint64_t n, uint64_t len)
{
	return off <= len && n <= len - off;
}

static uint64_t page_floor(uint64_t a)
{
	return a & ~(ELF_PAGE_SIZE - 1);
}

/* Callers guarantee a <= ELF_USER_CEILING, so this cannot wrap. */
static uint64_t page_ceil(uint64_t a)
{
	return (a + ELF_PAGE_SIZE - 1) & ~(ELF_PAGE_SIZE - 1);
}

static int malformed(struct loader_verdict *v, int err, int phidx,
		     const char *why)
{
	return loader_verdict_set(v, err, LOADER_DENY_MALFORMED, phidx, why);
}

static int denied(struct loader_verdict *v, int deny, int phidx,
		  const char *why)
{
	return loader_verdict_set(v, -EPERM, deny, phidx, why);
}

/* Header checks of §4, in the spec's order. */
static int check_header(const uint8_t *d, size_t len, uint16_t machine,
			struct loader_verdict *v)
{
	if (len < ELF_EHDR_SIZE)
		return malformed(v, -ETRUNC, -1, "shorter than an ELF header");
	if (d[0] != 0x7F || d[1] != 'E' || d[2] != 'L' || d[3] != 'F')
		return malformed(v, -ENOEXEC, -1, "bad ELF magic");
	if (d[EI_CLASS] != ELFCLASS64)
		return malformed(v, -ENOEXEC, -1, "not ELF64");
	if (d[EI_DATA] != ELFDATA2LSB)
		return malformed(v, -ENOEXEC, -1, "not little-endian");
	if (d[EI_VERSION] != EV_CURRENT || le32_load(d + EH_VERSION) != EV_CURRENT)
		return malformed(v, -ENOEXEC, -1, "bad ELF version");
	if (le16_load(d + EH_MACHINE) != machine)
		return malformed(v, -ENOEXEC, -1, "wrong machine");
	if (le16_load(d + EH_TYPE) != ET_EXEC)
		return malformed(v, -ENOEXEC, -1, "not ET_EXEC");
	if (le64_load(d + EH_ENTRY) == 0)
		return malformed(v, -ENOEXEC, -1, "entry point is 0");
	if (le64_load(d + EH_PHOFF) == 0)
		return malformed(v, -ENOEXEC, -1, "no program header table");
	if (le16_load(d + EH_PHENTSIZE) != ELF_PHDR_SIZE)
		return malformed(v, -ENOEXEC, -1, "e_phentsize is not 56");
	return 0;
}

/* Record one PT_LOAD program header (at ph, index i) in img. */
static int add_load(struct elf_image *img, const uint8_t *ph, int i,
		    struct loader_verdict *v)
{
	struct elf_segment s;

	if (img->nseg >= ELF_MAX_LOAD)
		return malformed(v, -ECORRUPT, i, "more than 16 PT_LOAD");
	s.offset = le64_load(ph + PH_OFFSET);
	s.vaddr = le64_load(ph + PH_VADDR);
	s.filesz = le64_load(ph + PH_FILESZ);
	s.memsz = le64_load(ph + PH_MEMSZ);
	s.flags = le32_load(ph + PH_FLAGS) & ELF_PF_MASK;
	s.phidx = (uint16_t)i;
	if (s.filesz > s.memsz)
		return malformed(v, -ECORRUPT, i, "p_filesz > p_memsz");
	if (!in_bounds(s.offset, s.filesz, img->len))
		return malformed(v, -ETRUNC, i,
				 "segment data past end of file");

	/* Insertion sort by vaddr; equal addresses keep file order. */
	unsigned j = img->nseg;

	while (j > 0 && img->seg[j - 1].vaddr > s.vaddr) {
		img->seg[j] = img->seg[j - 1];
		j--;
	}
	img->seg[j] = s;
	img->nseg++;
	return 0;
}

int elf_parse(const void *data, size_t len, uint16_t machine,
	      struct elf_image *img, struct loader_verdict *v)
{
	const uint8_t *d = data;
	uint64_t phoff;
	unsigned phnum;
	int err;

	err = check_header(d, len, machine, v);
	if (err)
		return err;

	phoff = le64_load(d + EH_PHOFF);
	phnum = le16_load(d + EH_PHNUM);
	/* PN_XNUM moves the count into section 0: not for a static exec. */
	if (phnum == 0 || phnum == PN_XNUM)
		return malformed(v, -ENOEXEC, -1, "bad e_phnum");
	/* phnum < 2^16, so the product cannot wrap. */
	if (!in_bounds(phoff, (uint64_t)phnum * ELF_PHDR_SIZE, len))
		return malformed(v, -ETRUNC, -1,
				 "program headers past end of file");

	img->data = d;
	img->len = len;
	img->entry = le64_load(d + EH_ENTRY);
	img->machine = machine;
	img->nseg = 0;
	img->total_memsz = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = d + phoff + (uint64_t)i * ELF_PHDR_SIZE;
		uint32_t type = le32_load(ph + PH_TYPE);

		/* No dynamic linker exists: such a program cannot run. */
		if (type == PT_INTERP)
			return malformed(v, -ENOEXEC, (int)i,
					 "needs an interpreter (PT_INTERP)");
		if (type != PT_LOAD)
			continue;
		err = add_load(img, ph, (int)i, v);
		if (err)
			return err;
	}
	if (img->nseg == 0)
		return malformed(v, -ECORRUPT, -1, "no PT_LOAD segment");
	return loader_verdict_ok(v);
}

/* End of a segment, or false when it passes the user ceiling (rule 1). */
static bool seg_end(const struct elf_segment *s, uint64_t *end)
{
	if (!in_bounds(s->vaddr, s->memsz, ELF_USER_CEILING))
		return false;
	*end = s->vaddr + s->memsz;
	return true;
}

/* Pages [first, last) touched by a segment; empty when memsz is 0. */
static void seg_pages(const struct elf_segment *s, uint64_t *first,
		      uint64_t *last)
{
	*first = page_floor(s->vaddr);
	*last = s->memsz ? page_ceil(s->vaddr + s->memsz) : *first;
}

static bool is_wx(uint32_t flags)
{
	return (flags & ELF_PF_W) && (flags & ELF_PF_X);
}

/* Rule 3: byte ranges of two segments intersect (empty ones never do). */
static bool seg_overlap(const struct elf_segment *a,
			const struct elf_segment *b)
{
	if (!a->memsz || !b->memsz)
		return false;
	return a->vaddr < b->vaddr + b->memsz && b->vaddr < a->vaddr + a->memsz;
}

/* The two segments touch a common page. */
static bool seg_share_page(const struct elf_segment *a,
			   const struct elf_segment *b)
{
	uint64_t a0, a1, b0, b1;

	seg_pages(a, &a0, &a1);
	seg_pages(b, &b0, &b1);
	return a0 < b1 && b0 < a1;
}

/* Rule 3, over all pairs: sorting alone would miss A, empty B, C. */
static int check_overlap(const struct elf_image *img, struct loader_verdict *v)
{
	for (unsigned i = 0; i < img->nseg; i++)
		for (unsigned j = i + 1; j < img->nseg; j++)
			if (seg_overlap(&img->seg[i], &img->seg[j]))
				return denied(v, LOADER_DENY_OVERLAP,
					      img->seg[j].phidx,
					      "segments overlap");
	return 0;
}

/* The shared-page rule: a page's merged flags must keep W^X. */
static int check_shared_pages(const struct elf_image *img,
			      struct loader_verdict *v)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		for (unsigned j = i + 1; j < img->nseg; j++) {
			const struct elf_segment *a = &img->seg[i];
			const struct elf_segment *b = &img->seg[j];

			if (seg_share_page(a, b) && is_wx(a->flags | b->flags))
				return denied(v, LOADER_DENY_WRITE_EXEC,
					      b->phidx,
					      "writable and executable "
					      "segments share a page");
		}
	}
	return 0;
}

int elf_verify(struct elf_image *img, struct loader_verdict *v)
{
	uint64_t total = 0, end;
	bool entry_seen = false;
	int err;

	if (img->nseg == 0 || img->nseg > ELF_MAX_LOAD)
		return loader_verdict_set(v, -EINVAL, LOADER_DENY_MALFORMED, -1,
					  "image not parsed");
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		if (!seg_end(s, &end))
			return denied(v, LOADER_DENY_KERNEL_SPACE, s->phidx,
				      "segment ends above user space");
		if (is_wx(s->flags))
			return denied(v, LOADER_DENY_WRITE_EXEC, s->phidx,
				      "segment is writable and executable");
	}
	err = check_overlap(img, v);
	if (err)
		return err;

	/* Each memsz < 2^47 now and nseg <= 16: the sum cannot wrap. */
	for (unsigned i = 0; i < img->nseg; i++)
		total += img->seg[i].memsz;
	if (total > ELF_MAX_TOTAL_MEMSZ)
		return denied(v, LOADER_DENY_EXCESSIVE_MEMORY, -1,
			      "segments exceed 256 MiB");
	img->total_memsz = total;

	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		if (img->entry < s->vaddr || img->entry - s->vaddr >= s->memsz)
			continue;
		/* Stricter than the original: the entry must be executable. */
		if (!(s->flags & ELF_PF_X))
			return denied(
			    v, LOADER_DENY_ENTRY_OUT_OF_RANGE, s->phidx,
			    "entry point in a non-executable segment");
		entry_seen = true;
	}
	if (!entry_seen)
		return denied(v, LOADER_DENY_ENTRY_OUT_OF_RANGE, -1,
			      "entry point outside every segment");

	err = check_shared_pages(img, v);
	if (err)
		return err;
	return loader_verdict_ok(v);
}

/* Append page run [first, last) with prot, merging with the previous run. */
static void plan_add_run(struct elf_plan *plan, uint64_t first, uint64_t last,
			 uint32_t prot)
{
	uint64_t n = (last - first) / ELF_PAGE_SIZE;
	struct elf_page_run *prev =
	    plan->nruns ? &plan->run[plan->nruns - 1] : NULL;

	plan->npages += n;
	if (prev && prev->prot == prot &&
	    prev->vaddr + prev->npages * ELF_PAGE_SIZE == first) {
		prev->npages += n;
		return;
	}
	plan->run[plan->nruns].vaddr = first;
	plan->run[plan->nruns].npages = n;
	plan->run[plan->nruns].prot = prot;
	plan->nruns++;
}

/*
 * Sorted, distinct page boundaries of all segments: between two neighbours
 * every page is touched by the same set of segments, so one union of flags
 * holds for the whole interval.  Returns the number of points (<= 32).
 */
static unsigned plan_points(const struct elf_image *img, uint64_t *pt)
{
	unsigned n = 0;

	for (unsigned i = 0; i < img->nseg; i++) {
		uint64_t b[2];

		if (!img->seg[i].memsz)
			continue;
		seg_pages(&img->seg[i], &b[0], &b[1]);
		for (unsigned k = 0; k < 2; k++) {
			unsigned j = n;
			bool dup = false;

			for (unsigned m = 0; m < n; m++)
				dup |= pt[m] == b[k];
			if (dup)
				continue;
			while (j > 0 && pt[j - 1] > b[k]) {
				pt[j] = pt[j - 1];
				j--;
			}
			pt[j] = b[k];
			n++;
		}
	}
	return n;
}

int elf_plan_pages(const struct elf_image *img, struct elf_plan *plan,
		   struct loader_verdict *v)
{
	uint64_t pt[2 * ELF_MAX_LOAD];
	unsigned npt;
	uint64_t end;

	if (img->nseg == 0 || img->nseg > ELF_MAX_LOAD)
		return loader_verdict_set(v, -EINVAL, LOADER_DENY_MALFORMED, -1,
					  "image not parsed");
	for (unsigned i = 0; i < img->nseg; i++)
		if (!seg_end(&img->seg[i], &end))
			return loader_verdict_set(
			    v, -EINVAL, LOADER_DENY_KERNEL_SPACE,
			    img->seg[i].phidx, "image not verified");

	plan->entry = img->entry;
	plan->npages = 0;
	plan->nruns = 0;
	plan->ncopies = 0;
	npt = plan_points(img, pt);
	for (unsigned p = 0; p + 1 < npt; p++) {
		uint32_t prot = 0;
		bool used = false;

		for (unsigned i = 0; i < img->nseg; i++) {
			uint64_t first, last;

			seg_pages(&img->seg[i], &first, &last);
			if (first <= pt[p] && pt[p + 1] <= last &&
			    first < last) {
				prot |= img->seg[i].flags;
				used = true;
			}
		}
		if (!used)
			continue; /* a hole between segments */
		/* The shared-page rule: union of flags must keep W^X. */
		if (is_wx(prot))
			return denied(v, LOADER_DENY_WRITE_EXEC, -1,
				      "writable and executable segments "
				      "share a page");
		plan_add_run(plan, pt[p], pt[p + 1], prot);
	}

	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];

		if (!s->filesz)
			continue;
		plan->copy[plan->ncopies].vaddr = s->vaddr;
		plan->copy[plan->ncopies].offset = s->offset;
		plan->copy[plan->ncopies].len = s->filesz;
		plan->ncopies++;
	}
	return loader_verdict_ok(v);
}

bool elf_plan_lookup(const struct elf_plan *plan, uint64_t vaddr,
		     uint32_t *prot)
{
	for (uint32_t i = 0; i < plan->nruns && i < ELF_PLAN_MAX_RUNS; i++) {
		const struct elf_page_run *r = &plan->run[i];

		if (vaddr >= r->vaddr &&
		    (vaddr - r->vaddr) / ELF_PAGE_SIZE < r->npages) {
			if (prot)
				*prot = r->prot;
			return true;
		}
	}
	return false;
}

bool elf_plan_overlaps(const struct elf_plan *plan, uint64_t start,
		       uint64_t end)
{
	for (uint32_t i = 0; i < plan->nruns && i < ELF_PLAN_MAX_RUNS; i++) {
		const struct elf_page_run *r = &plan->run[i];
		uint64_t r_end = r->vaddr + r->npages * ELF_PAGE_SIZE;

		if (start < r_end && r->vaddr < end)
			return true;
	}
	return false;
}
