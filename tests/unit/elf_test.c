/*
 * tests/unit/elf_test.c - ELF64 parser, verifier and page planner
 * (kernel/loader/elf.c) against hand-built executables: every malformed
 * case the spec names (security.md §4), every deny rule at and across its
 * boundary, and the shared-page permission merge the original got wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/errno.h"
#include "kernel/loader/elf.h"

#define MAX_PH	40
#define BUF_CAP 16384

#define PT_LOAD	  1
#define PT_INTERP 3
#define PT_NOTE	  4
#define R	  ELF_PF_R
#define W	  ELF_PF_W
#define X	  ELF_PF_X

/* One program header to emit. */
struct ph {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz;
};

/* A whole test executable: header fields and program headers. */
struct spec {
	uint8_t ident[16];
	uint16_t type, machine, phentsize, phnum;
	uint32_t version;
	uint64_t entry, phoff;
	unsigned nph;
	struct ph ph[MAX_PH];
	size_t len; /* bytes emitted; 0 = just enough */
};

static uint8_t buf[BUF_CAP + 16];
static struct elf_image img;
static struct elf_plan plan;
static struct loader_verdict verdict;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* A valid static x86_64 executable: one R+X segment holding the headers. */
static struct spec base(void)
{
	struct spec s;

	memset(&s, 0, sizeof(s));
	memcpy(s.ident,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	s.type = 2;
	s.machine = ELF_MACHINE_X86_64;
	s.version = 1;
	s.phentsize = ELF_PHDR_SIZE;
	s.phoff = 64;
	s.entry = 0x400100;
	s.nph = 1;
	s.ph[0] = (struct ph){PT_LOAD, R | X, 0, 0x400000, 0x200, 0x200};
	return s;
}

/* Text at 0x400000 (R+X) and page-aligned data+bss at 0x401000 (R+W). */
static struct spec two_segments(void)
{
	struct spec s = base();

	s.nph = 2;
	s.ph[1] = (struct ph){PT_LOAD, R | W, 0x200, 0x401000, 0x80, 0x3000};
	return s;
}

/* Write s into buf (at buf + shift) and return the length. */
static size_t emit_at(const struct spec *s, size_t shift)
{
	uint8_t *d = buf + shift;
	uint64_t len = 64 + (uint64_t)s->nph * ELF_PHDR_SIZE;

	for (unsigned i = 0; i < s->nph; i++) {
		const struct ph *p = &s->ph[i];

		if (p->offset < BUF_CAP && p->filesz < BUF_CAP &&
		    p->offset + p->filesz > len)
			len = p->offset + p->filesz;
	}
	if (s->len)
		len = s->len;
	assert_true(len <= BUF_CAP);
	memset(d, 0xCC, len);
	memcpy(d, s->ident, 16);
	put16(d + 16, s->type);
	put16(d + 18, s->machine);
	put32(d + 20, s->version);
	put64(d + 24, s->entry);
	put64(d + 32, s->phoff);
	put64(d + 40, 0);
	put32(d + 48, 0);
	put16(d + 52, 64);
	put16(d + 54, s->phentsize);
	put16(d + 56, s->phnum ? s->phnum : (uint16_t)s->nph);
	put16(d + 58, 64);
	put16(d + 60, 0);
	put16(d + 62, 0);
	for (unsigned i = 0; i < s->nph; i++) {
		uint8_t *ph = d + 64 + i * ELF_PHDR_SIZE;

		if (64 + (i + 1) * ELF_PHDR_SIZE > len)
			break;
		put32(ph, s->ph[i].type);
		put32(ph + 4, s->ph[i].flags);
		put64(ph + 8, s->ph[i].offset);
		put64(ph + 16, s->ph[i].vaddr);
		put64(ph + 24, s->ph[i].vaddr);
		put64(ph + 32, s->ph[i].filesz);
		put64(ph + 40, s->ph[i].memsz);
		put64(ph + 48, 0x1000);
	}
	return (size_t)len;
}

/* parse + verify + plan, as the loader does; returns the first error. */
static int check_buf(const uint8_t *d, size_t len, uint16_t machine)
{
	int err;

	memset(&verdict, 0x5A, sizeof(verdict));
	err = elf_parse(d, len, machine, &img, &verdict);
	if (!err)
		err = elf_verify(&img, &verdict);
	if (!err)
		err = elf_plan_pages(&img, &plan, &verdict);
	assert_int_equal(err, verdict.err);
	assert_non_null(verdict.reason);
	assert_null(strchr(verdict.reason, '\n'));
	if (!err)
		assert_int_equal(verdict.deny, LOADER_DENY_NONE);
	return err;
}

static int check(const struct spec *s)
{
	return check_buf(buf, emit_at(s, 0), s->machine);
}

/* Expect rejection with this error and deny code. */
static void expect(const struct spec *s, int err, int deny)
{
	assert_int_equal(check(s), err);
	assert_int_equal(verdict.deny, deny);
}

static void expect_malformed(const struct spec *s, int err)
{
	expect(s, err, LOADER_DENY_MALFORMED);
}

/* A minimal valid executable passes all three steps, for every machine. */
static void test_valid_minimal_all_machines(void **state)
{
	static const uint16_t m[] = {ELF_MACHINE_X86_64, ELF_MACHINE_AARCH64,
				     ELF_MACHINE_RISCV};
	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		struct spec s = base();

		s.machine = m[i];
		assert_int_equal(check(&s), 0);
		assert_int_equal(img.machine, m[i]);
		assert_int_equal(img.nseg, 1);
		assert_int_equal(img.entry, 0x400100);
		assert_int_equal(plan.nruns, 1);
		assert_int_equal(plan.run[0].vaddr, 0x400000);
		assert_int_equal(plan.run[0].npages, 1);
		assert_int_equal(plan.run[0].prot, R | X);
		assert_int_equal(plan.entry, 0x400100);
	}
}

/* The machine is a parameter: an x86_64 binary is refused elsewhere. */
static void test_wrong_machine_rejected(void **state)
{
	struct spec s = base();
	size_t len = emit_at(&s, 0);

	(void)state;
	assert_int_equal(check_buf(buf, len, ELF_MACHINE_AARCH64), -ENOEXEC);
	assert_int_equal(verdict.deny, LOADER_DENY_MALFORMED);
	assert_int_equal(check_buf(buf, len, ELF_MACHINE_RISCV), -ENOEXEC);
	s.machine = 0x28; /* 32-bit ARM */
	len = emit_at(&s, 0);
	assert_int_equal(check_buf(buf, len, ELF_MACHINE_X86_64), -ENOEXEC);
}

/* Text + data/bss: two runs, one copy each, bss pages counted. */
static void test_valid_text_data_plan(void **state)
{
	struct spec s = two_segments();
	uint32_t prot;

	(void)state;
	assert_int_equal(check(&s), 0);
	assert_int_equal(img.nseg, 2);
	assert_int_equal(img.total_memsz, 0x3200);
	assert_int_equal(plan.nruns, 2);
	assert_int_equal(plan.run[1].vaddr, 0x401000);
	assert_int_equal(plan.run[1].npages, 3);
	assert_int_equal(plan.run[1].prot, R | W);
	assert_int_equal(plan.npages, 4);
	assert_int_equal(plan.ncopies, 2);
	assert_int_equal(plan.copy[1].vaddr, 0x401000);
	assert_int_equal(plan.copy[1].offset, 0x200);
	assert_int_equal(plan.copy[1].len, 0x80);
	assert_true(elf_plan_lookup(&plan, 0x403FFF, &prot));
	assert_int_equal(prot, R | W);
	assert_false(elf_plan_lookup(&plan, 0x404000, NULL));
	assert_false(elf_plan_lookup(&plan, 0x3FFFFF, NULL));
	assert_true(elf_plan_overlaps(&plan, 0x403000, 0x405000));
	assert_false(elf_plan_overlaps(&plan, 0x404000, 0x800000));
}

/* Segments listed out of vaddr order give the same, sorted plan. */
static void test_segments_sorted_by_vaddr(void **state)
{
	struct spec s = two_segments();
	struct ph t = s.ph[0];

	(void)state;
	s.ph[0] = s.ph[1];
	s.ph[1] = t;
	assert_int_equal(check(&s), 0);
	assert_int_equal(img.seg[0].vaddr, 0x400000);
	assert_int_equal(img.seg[0].phidx, 1);
	assert_int_equal(plan.run[0].vaddr, 0x400000);
	assert_int_equal(plan.run[1].vaddr, 0x401000);
}

/* A NULL verdict is allowed everywhere. */
static void test_null_verdict(void **state)
{
	struct spec s = two_segments();
	size_t len = emit_at(&s, 0);

	(void)state;
	assert_int_equal(elf_parse(buf, len, s.machine, &img, NULL), 0);
	assert_int_equal(elf_verify(&img, NULL), 0);
	assert_int_equal(elf_plan_pages(&img, &plan, NULL), 0);
	assert_int_equal(elf_parse(buf, 10, s.machine, &img, NULL), -ETRUNC);
}

/* The input buffer may sit at any alignment. */
static void test_unaligned_buffer(void **state)
{
	struct spec s = two_segments();

	(void)state;
	for (size_t shift = 1; shift < 8; shift++) {
		size_t len = emit_at(&s, shift);

		assert_int_equal(check_buf(buf + shift, len, s.machine), 0);
		assert_int_equal(plan.npages, 4);
	}
}

/* Every strict prefix of a valid file is refused, and nothing crashes. */
static void test_truncated_everywhere(void **state)
{
	struct spec s = two_segments();
	size_t len = emit_at(&s, 0);

	(void)state;
	for (size_t n = 0; n < len; n++) {
		/* An exact-size heap copy lets ASan catch any over-read. */
		uint8_t *copy = malloc(n ? n : 1);

		assert_non_null(copy);
		memcpy(copy, buf, n);
		assert_int_not_equal(check_buf(copy, n, s.machine), 0);
		assert_int_equal(verdict.deny, LOADER_DENY_MALFORMED);
		assert_int_equal(verdict.err, -ETRUNC);
		free(copy);
	}
	assert_int_equal(check_buf(buf, 0, s.machine), -ETRUNC);
}

static void test_bad_magic(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++) {
		struct spec s = base();

		s.ident[i] ^= 0x20;
		expect_malformed(&s, -ENOEXEC);
	}
}

static void test_bad_class_data_version(void **state)
{
	static const uint8_t classes[] = {0, 1, 3, 0xFF};
	static const uint8_t datas[] = {0, 2, 3};
	struct spec s;

	(void)state;
	for (unsigned i = 0; i < sizeof(classes); i++) {
		s = base();
		s.ident[4] = classes[i];
		expect_malformed(&s, -ENOEXEC);
	}
	for (unsigned i = 0; i < sizeof(datas); i++) {
		s = base();
		s.ident[5] = datas[i];
		expect_malformed(&s, -ENOEXEC);
	}
	s = base();
	s.ident[6] = 0;
	expect_malformed(&s, -ENOEXEC);
	s = base();
	s.version = 2;
	expect_malformed(&s, -ENOEXEC);
}

/* Only ET_EXEC: no relocatable, shared object/PIE or core file. */
static void test_bad_type(void **state)
{
	static const uint16_t types[] = {0, 1, 3, 4, 0xFE00};

	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		struct spec s = base();

		s.type = types[i];
		expect_malformed(&s, -ENOEXEC);
	}
}

static void test_zero_entry_or_phoff(void **state)
{
	struct spec s = base();

	(void)state;
	s.entry = 0;
	expect_malformed(&s, -ENOEXEC);
	s = base();
	s.phoff = 0;
	expect_malformed(&s, -ENOEXEC);
}

static void test_bad_phentsize(void **state)
{
	static const uint16_t sizes[] = {0, 32, 55, 57, 64, 0xFFFF};

	(void)state;
	for (unsigned i = 0; i < 6; i++) {
		struct spec s = base();

		s.phentsize = sizes[i];
		expect_malformed(&s, -ENOEXEC);
	}
}

/* Program header table at or past the end, or wrapping around. */
static void test_phoff_out_of_file(void **state)
{
	static const uint64_t offs[] = {0x200,		 0x1FF,
					0x200 - 55,	 UINT64_MAX,
					UINT64_MAX - 55, (uint64_t)1 << 63};

	(void)state;
	for (unsigned i = 0; i < 6; i++) {
		struct spec s = base();

		s.phoff = offs[i];
		expect_malformed(&s, -ETRUNC);
	}
	/* The last header ends exactly at the end of the file: fine. */
	struct spec s = base();

	s.ph[0].filesz = 64 + 56;
	s.ph[0].memsz = 0x200;
	s.len = 64 + 56;
	assert_int_equal(check(&s), 0);
}

static void test_absurd_phnum(void **state)
{
	struct spec s = base();

	(void)state;
	s.phnum = 0xFFFF; /* PN_XNUM */
	expect_malformed(&s, -ENOEXEC);
	s.phnum = 0xFFFE;
	expect_malformed(&s, -ETRUNC);
	s.phnum = 9; /* 64 + 9 * 56 bytes: past 0x200 */
	expect_malformed(&s, -ETRUNC);
	s = base();
	s.nph = 0;
	s.phnum = 0;
	s.len = 0x200;
	expect_malformed(&s, -ENOEXEC);
}

/* Program headers present but none of them PT_LOAD. */
static void test_zero_pt_load(void **state)
{
	struct spec s = base();

	(void)state;
	s.ph[0].type = PT_NOTE;
	expect_malformed(&s, -ECORRUPT);
	s.nph = 3;
	s.ph[1] = s.ph[0];
	s.ph[2] = s.ph[0];
	expect_malformed(&s, -ECORRUPT);
}

/* 16 PT_LOAD segments load; the 17th is refused. */
static void test_max_pt_load(void **state)
{
	struct spec s = base();

	(void)state;
	s.nph = 16;
	for (unsigned i = 1; i < 16; i++)
		s.ph[i] = (struct ph){
		    PT_LOAD, R, 0x1000, 0x400000 + i * 0x1000, 0, 0x10};
	s.len = 0x1000;
	assert_int_equal(check(&s), 0);
	assert_int_equal(img.nseg, 16);
	assert_int_equal(plan.nruns, 2);
	/* Non-LOAD headers do not count towards the limit. */
	s.nph = 17;
	s.ph[16] = (struct ph){PT_NOTE, R, 0, 0, 0, 0};
	assert_int_equal(check(&s), 0);
	s.ph[16] = (struct ph){PT_LOAD, R, 0x1000, 0x500000, 0, 0x10};
	expect_malformed(&s, -ECORRUPT);
	assert_int_equal(verdict.phidx, 16);
}

static void test_filesz_greater_than_memsz(void **state)
{
	struct spec s = two_segments();

	(void)state;
	s.ph[1].memsz = s.ph[1].filesz - 1;
	expect_malformed(&s, -ECORRUPT);
	assert_int_equal(verdict.phidx, 1);
	s.ph[1].memsz = s.ph[1].filesz; /* equal is fine */
	assert_int_equal(check(&s), 0);
}

/* Segment file bytes past the end of the file or wrapping around. */
static void test_segment_data_out_of_file(void **state)
{
	struct spec s = two_segments();
	size_t len = emit_at(&s, 0);

	(void)state;
	/* Ends exactly at the end of the file: accepted. */
	assert_int_equal(check_buf(buf, len, s.machine), 0);
	s.len = len;
	s.ph[1].filesz += 1;
	expect_malformed(&s, -ETRUNC);
	s = two_segments();
	s.len = len;
	s.ph[1].offset = len + 1;
	s.ph[1].filesz = 0;
	expect_malformed(&s, -ETRUNC);
	s.ph[1].offset = UINT64_MAX - 4;
	s.ph[1].filesz = 16; /* offset + filesz wraps to 11 */
	expect_malformed(&s, -ETRUNC);
	s.ph[1].offset = 16;
	s.ph[1].filesz = UINT64_MAX - 4;
	s.ph[1].memsz = UINT64_MAX;
	expect_malformed(&s, -ETRUNC);
}

/* A dynamically linked program cannot run: there is no interpreter. */
static void test_pt_interp_rejected(void **state)
{
	struct spec s = two_segments();

	(void)state;
	s.nph = 3;
	s.ph[2] = (struct ph){PT_INTERP, R, 0x100, 0, 0x10, 0x10};
	expect_malformed(&s, -ENOEXEC);
	assert_int_equal(verdict.phidx, 2);
}

/* Rule 1: segment end above 0x0000_8000_0000_0000, or wrapping. */
static void test_kernel_space(void **state)
{
	struct spec s = two_segments();

	(void)state;
	s.ph[1].vaddr = ELF_USER_CEILING - 0x3000; /* ends at ceiling */
	assert_int_equal(check(&s), 0);
	s.ph[1].vaddr = ELF_USER_CEILING - 0x2FFF; /* one byte over */
	expect(&s, -EPERM, LOADER_DENY_KERNEL_SPACE);
	assert_int_equal(verdict.phidx, 1);
	s.ph[1].vaddr = 0xFFFFFFFF80000000ull; /* kernel link base */
	expect(&s, -EPERM, LOADER_DENY_KERNEL_SPACE);
	s.ph[1].vaddr = ELF_USER_CEILING + 0x1000;
	s.ph[1].memsz = 0x80; /* empty-ish segment still ends up there */
	expect(&s, -EPERM, LOADER_DENY_KERNEL_SPACE);
	s.ph[1].vaddr = ELF_USER_CEILING + 0x1000;
	s.ph[1].filesz = 0;
	s.ph[1].memsz = 0;
	expect(&s, -EPERM, LOADER_DENY_KERNEL_SPACE);
}

/* vaddr + memsz overflowing 64 bits is a segment in kernel space. */
static void test_vaddr_memsz_overflow(void **state)
{
	struct spec s = two_segments();

	(void)state;
	s.ph[1].vaddr = 0x1000;
	s.ph[1].memsz = UINT64_MAX - 0x10; /* wraps to 0xFEF */
	expect(&s, -EPERM, LOADER_DENY_KERNEL_SPACE);
	s.ph[1].vaddr = UINT64_MAX;
	s.ph[1].memsz = 0x80;
	expect(&s, -EPERM, LOADER_DENY_KERNEL_SPACE);
}

/* Rule 2: a segment that is both writable and executable. */
static void test_write_exec_segment(void **state)
{
	struct spec s = two_segments();

	(void)state;
	s.ph[1].flags = R | W | X;
	expect(&s, -EPERM, LOADER_DENY_WRITE_EXEC);
	assert_int_equal(verdict.phidx, 1);
	s.ph[1].flags = W | X;
	expect(&s, -EPERM, LOADER_DENY_WRITE_EXEC);
	/* Unknown p_flags bits (PF_MASKOS) are ignored, not a reason. */
	s.ph[1].flags = R | W | 0x0FF00000;
	assert_int_equal(check(&s), 0);
	assert_int_equal(plan.run[1].prot, R | W);
}

/* Rule 3: byte ranges intersecting; touching is fine. */
static void test_overlap(void **state)
{
	struct spec s = two_segments();

	(void)state;
	s.ph[1].flags = R;
	s.ph[1].vaddr = 0x400200; /* touches text: allowed */
	assert_int_equal(check(&s), 0);
	assert_int_equal(plan.nruns, 2); /* RX page, then R pages */
	s.ph[1].vaddr = 0x4001FF;	 /* one byte of overlap */
	expect(&s, -EPERM, LOADER_DENY_OVERLAP);
	s.ph[1].vaddr = 0x3FF000; /* contains all of text */
	s.ph[1].memsz = 0x10000;
	expect(&s, -EPERM, LOADER_DENY_OVERLAP);
	s = two_segments();
	s.ph[1].vaddr = 0x400000; /* same start */
	s.ph[1].flags = R;
	expect(&s, -EPERM, LOADER_DENY_OVERLAP);
	/* An empty segment intersects nothing. */
	s.ph[1].filesz = 0;
	s.ph[1].memsz = 0;
	s.ph[1].vaddr = 0x400100;
	assert_int_equal(check(&s), 0);
	assert_int_equal(plan.nruns, 1);
}

/*
 * Overlap between segments that are not neighbours in vaddr order: an
 * empty segment sorted between them must not hide it.
 */
static void test_overlap_non_adjacent(void **state)
{
	struct spec s = two_segments();

	(void)state;
	s.nph = 4;
	s.ph[1] = (struct ph){PT_LOAD, R | W, 0x200, 0x500000, 0, 0x10000};
	s.ph[2] = (struct ph){PT_LOAD, R, 0x200, 0x500800, 0, 0};
	s.ph[3] = (struct ph){PT_LOAD, R, 0x200, 0x501000, 0, 0x10};
	expect(&s, -EPERM, LOADER_DENY_OVERLAP);
	assert_int_equal(verdict.phidx, 3);
}

/* Rule 4: sum of memsz at most 256 MiB. */
static void test_excessive_memory(void **state)
{
	struct spec s = two_segments();

	(void)state;
	s.ph[1].memsz = ELF_MAX_TOTAL_MEMSZ - 0x200; /* exactly 256 MiB */
	assert_int_equal(check(&s), 0);
	assert_int_equal(img.total_memsz, ELF_MAX_TOTAL_MEMSZ);
	assert_int_equal(plan.npages, 1 + (ELF_MAX_TOTAL_MEMSZ >> 12));
	s.ph[1].memsz++;
	expect(&s, -EPERM, LOADER_DENY_EXCESSIVE_MEMORY);
	/* Many segments whose sum, not any one, is too much. */
	s.nph = 10;
	for (unsigned i = 1; i < 10; i++)
		s.ph[i] = (struct ph){PT_LOAD,		 R | W, 0x200,
				      0x10000000ull * i, 0,	30ull << 20};
	expect(&s, -EPERM, LOADER_DENY_EXCESSIVE_MEMORY);
}

/* Rule 0: entry inside [vaddr, vaddr + memsz) of an executable segment. */
static void test_entry_out_of_range(void **state)
{
	struct spec s = two_segments();

	(void)state;
	s.entry = 0x400000; /* first byte */
	assert_int_equal(check(&s), 0);
	s.entry = 0x4001FF; /* last byte */
	assert_int_equal(check(&s), 0);
	s.entry = 0x400200; /* one past the end */
	expect(&s, -EPERM, LOADER_DENY_ENTRY_OUT_OF_RANGE);
	s.entry = 0x3FFFFF;
	expect(&s, -EPERM, LOADER_DENY_ENTRY_OUT_OF_RANGE);
	s.entry = 0x800000;
	expect(&s, -EPERM, LOADER_DENY_ENTRY_OUT_OF_RANGE);
	s.entry = UINT64_MAX;
	expect(&s, -EPERM, LOADER_DENY_ENTRY_OUT_OF_RANGE);
}

/* Stricter than the original: entry in a data segment is refused. */
static void test_entry_in_non_exec_segment(void **state)
{
	struct spec s = two_segments();

	(void)state;
	s.entry = 0x401010;
	expect(&s, -EPERM, LOADER_DENY_ENTRY_OUT_OF_RANGE);
	assert_int_equal(verdict.phidx, 1);
	assert_non_null(strstr(verdict.reason, "non-executable"));
	/* ...even in its bss part. */
	s.entry = 0x403000;
	expect(&s, -EPERM, LOADER_DENY_ENTRY_OUT_OF_RANGE);
	/* An empty executable segment contains no entry point either. */
	s = two_segments();
	s.nph = 3;
	s.ph[2] = (struct ph){PT_LOAD, R | X, 0x200, 0x600000, 0, 0};
	s.entry = 0x600000;
	expect(&s, -EPERM, LOADER_DENY_ENTRY_OUT_OF_RANGE);
}

/*
 * The original's bug: rodata (R) and data (RW) share a page and the first
 * segment's permission won, leaving data read-only.  The page must be RW.
 */
static void test_shared_page_ro_then_rw_is_writable(void **state)
{
	struct spec s = two_segments();
	uint32_t prot;

	(void)state;
	s.nph = 3;
	s.ph[1] = (struct ph){PT_LOAD, R, 0x200, 0x401000, 0x40, 0x800};
	s.ph[2] = (struct ph){PT_LOAD, R | W, 0x240, 0x401800, 0x40, 0x1000};
	assert_int_equal(check(&s), 0);
	/* Pages: 0x400000 RX | 0x401000 R+RW | 0x402000 RW. */
	assert_true(elf_plan_lookup(&plan, 0x401000, &prot));
	assert_int_equal(prot, R | W);
	assert_true(elf_plan_lookup(&plan, 0x402000, &prot));
	assert_int_equal(prot, R | W);
	assert_int_equal(plan.nruns, 2);
	assert_int_equal(plan.run[1].vaddr, 0x401000);
	assert_int_equal(plan.run[1].npages, 2);
	assert_int_equal(plan.npages, 3);
	assert_int_equal(plan.ncopies, 3);
	/* Same result when the RW segment comes first in the file. */
	struct ph t = s.ph[1];

	s.ph[1] = s.ph[2];
	s.ph[2] = t;
	assert_int_equal(check(&s), 0);
	assert_true(elf_plan_lookup(&plan, 0x401000, &prot));
	assert_int_equal(prot, R | W);
}

/* RX text and R rodata sharing a page: the page is R+X, one run. */
static void test_shared_page_rx_and_r(void **state)
{
	struct spec s = base();
	uint32_t prot;

	(void)state;
	s.nph = 2;
	s.ph[1] = (struct ph){PT_LOAD, R, 0x100, 0x400200, 0x100, 0x1F00};
	s.len = 0x200;
	s.ph[0].filesz = 0x100;
	assert_int_equal(check(&s), 0);
	assert_true(elf_plan_lookup(&plan, 0x400200, &prot));
	assert_int_equal(prot, R | X);
	assert_true(elf_plan_lookup(&plan, 0x401000, &prot));
	assert_int_equal(prot, R);
	assert_int_equal(plan.nruns, 2);
	assert_int_equal(plan.npages, 3);
}

/* Three small segments in one page: the page gets the union of all. */
static void test_shared_page_three_segments(void **state)
{
	struct spec s = two_segments();
	uint32_t prot;

	(void)state;
	s.nph = 4;
	s.ph[1] = (struct ph){PT_LOAD, R, 0x200, 0x401000, 0x10, 0x10};
	s.ph[2] = (struct ph){PT_LOAD, W, 0x210, 0x401100, 0x10, 0x10};
	s.ph[3] = (struct ph){PT_LOAD, R | W, 0x220, 0x401200, 0x10, 0x2000};
	assert_int_equal(check(&s), 0);
	assert_true(elf_plan_lookup(&plan, 0x401000, &prot));
	assert_int_equal(prot, R | W);
	assert_int_equal(plan.nruns, 2);
	assert_int_equal(plan.run[1].npages, 3);
	assert_false(elf_plan_lookup(&plan, 0x404000, NULL));
}

/*
 * W^X on a shared page: RX text and RW data on one page would have to be
 * mapped RWX.  Refused with WritableAndExecutable (our decision, see
 * docs/security.md), whichever segment comes first.
 */
static void test_shared_page_write_exec_rejected(void **state)
{
	struct spec s = two_segments();

	(void)state;
	s.ph[1].vaddr = 0x400200; /* data right after text */
	expect(&s, -EPERM, LOADER_DENY_WRITE_EXEC);
	assert_non_null(strstr(verdict.reason, "share a page"));
	s.ph[1].vaddr = 0x400FFF; /* last byte of text's page */
	expect(&s, -EPERM, LOADER_DENY_WRITE_EXEC);
	s.ph[1].vaddr = 0x401000; /* next page: fine */
	assert_int_equal(check(&s), 0);
	/* Data below text, its last page shared with text's first. */
	s = two_segments();
	s.ph[1].vaddr = 0x3FD000;
	s.ph[1].memsz = 0x3000 - 0x10;
	s.ph[0].vaddr = 0x3FFFF0;
	s.ph[0].memsz = 0x200;
	s.entry = 0x400000;
	expect(&s, -EPERM, LOADER_DENY_WRITE_EXEC);
	/* W-only and X-only segments sharing a page are refused too. */
	s = two_segments();
	s.ph[0].flags = X;
	s.ph[1].flags = W;
	s.ph[1].vaddr = 0x400800;
	expect(&s, -EPERM, LOADER_DENY_WRITE_EXEC);
}

/* The planner keeps W^X on its own even if handed an unverified image. */
static void test_planner_enforces_wx_itself(void **state)
{
	struct spec s = two_segments();
	size_t len;

	(void)state;
	s.ph[1].vaddr = 0x400800;
	len = emit_at(&s, 0);
	assert_int_equal(elf_parse(buf, len, s.machine, &img, NULL), 0);
	assert_int_equal(elf_plan_pages(&img, &plan, &verdict), -EPERM);
	assert_int_equal(verdict.deny, LOADER_DENY_WRITE_EXEC);
	/* ...and refuses an image whose segments pass the ceiling. */
	s = two_segments();
	s.ph[1].vaddr = UINT64_MAX - 0x10;
	len = emit_at(&s, 0);
	assert_int_equal(elf_parse(buf, len, s.machine, &img, NULL), 0);
	assert_int_equal(elf_plan_pages(&img, &plan, &verdict), -EINVAL);
}

/* verify and plan refuse an image that was never parsed. */
static void test_unparsed_image_refused(void **state)
{
	(void)state;
	memset(&img, 0, sizeof(img));
	assert_int_equal(elf_verify(&img, &verdict), -EINVAL);
	assert_int_equal(elf_plan_pages(&img, &plan, &verdict), -EINVAL);
	img.nseg = ELF_MAX_LOAD + 1;
	assert_int_equal(elf_verify(&img, NULL), -EINVAL);
	assert_int_equal(elf_plan_pages(&img, &plan, NULL), -EINVAL);
}

/* Holes between segments are not mapped; unaligned ends round out. */
static void test_plan_holes_and_rounding(void **state)
{
	struct spec s = two_segments();

	(void)state;
	s.ph[1].vaddr = 0x500010;
	s.ph[1].memsz = 0x1000; /* 0x500010..0x501010: 2 pages */
	assert_int_equal(check(&s), 0);
	assert_int_equal(plan.nruns, 2);
	assert_int_equal(plan.run[1].vaddr, 0x500000);
	assert_int_equal(plan.run[1].npages, 2);
	assert_false(elf_plan_lookup(&plan, 0x401000, NULL));
	assert_false(elf_plan_overlaps(&plan, 0x401000, 0x500000));
	assert_true(elf_plan_overlaps(&plan, 0x501FFF, 0x502000));
	assert_false(elf_plan_overlaps(&plan, 0x502000, 0x503000));
}

/* Deny rules are checked in the documented order. */
static void test_deny_order(void **state)
{
	struct spec s = two_segments();

	(void)state;
	/* W+X and in kernel space: kernel space is reported first. */
	s.ph[1].flags = R | W | X;
	s.ph[1].vaddr = ELF_USER_CEILING;
	expect(&s, -EPERM, LOADER_DENY_KERNEL_SPACE);
	/* Overlapping and entry outside: overlap first. */
	s = two_segments();
	s.ph[1].vaddr = 0x400100;
	s.ph[1].flags = R;
	s.entry = 0x900000;
	expect(&s, -EPERM, LOADER_DENY_OVERLAP);
	/* Too much memory and entry outside: memory first. */
	s = two_segments();
	s.ph[1].memsz = 300ull << 20;
	s.entry = 0x900000;
	expect(&s, -EPERM, LOADER_DENY_EXCESSIVE_MEMORY);
}

/* Many non-LOAD headers are fine as long as they are in the file. */
static void test_many_program_headers(void **state)
{
	struct spec s = two_segments();

	(void)state;
	s.nph = MAX_PH;
	for (unsigned i = 2; i < MAX_PH; i++)
		s.ph[i] = (struct ph){PT_NOTE, R, 0, 0, 0, 0};
	s.ph[1].offset = 0x900;
	assert_int_equal(check(&s), 0);
	assert_int_equal(img.nseg, 2);
}

/* Random bytes behind a valid header never crash any step. */
static void test_random_program_headers(void **state)
{
	struct spec s = base();
	size_t len;

	(void)state;
	srand(1234);
	s.nph = 8;
	for (int iter = 0; iter < 20000; iter++) {
		len = emit_at(&s, 0);
		for (size_t i = 64; i < 64 + 8 * ELF_PHDR_SIZE; i++)
			buf[i] = (uint8_t)rand();
		/* Keep the type field small so PT_LOAD is frequent. */
		for (int i = 0; i < 8; i++)
			buf[64 + i * ELF_PHDR_SIZE] &= 1;
		(void)check_buf(buf, len, s.machine);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_minimal_all_machines),
	    cmocka_unit_test(test_wrong_machine_rejected),
	    cmocka_unit_test(test_valid_text_data_plan),
	    cmocka_unit_test(test_segments_sorted_by_vaddr),
	    cmocka_unit_test(test_null_verdict),
	    cmocka_unit_test(test_unaligned_buffer),
	    cmocka_unit_test(test_truncated_everywhere),
	    cmocka_unit_test(test_bad_magic),
	    cmocka_unit_test(test_bad_class_data_version),
	    cmocka_unit_test(test_bad_type),
	    cmocka_unit_test(test_zero_entry_or_phoff),
	    cmocka_unit_test(test_bad_phentsize),
	    cmocka_unit_test(test_phoff_out_of_file),
	    cmocka_unit_test(test_absurd_phnum),
	    cmocka_unit_test(test_zero_pt_load),
	    cmocka_unit_test(test_max_pt_load),
	    cmocka_unit_test(test_filesz_greater_than_memsz),
	    cmocka_unit_test(test_segment_data_out_of_file),
	    cmocka_unit_test(test_pt_interp_rejected),
	    cmocka_unit_test(test_kernel_space),
	    cmocka_unit_test(test_vaddr_memsz_overflow),
	    cmocka_unit_test(test_write_exec_segment),
	    cmocka_unit_test(test_overlap),
	    cmocka_unit_test(test_overlap_non_adjacent),
	    cmocka_unit_test(test_excessive_memory),
	    cmocka_unit_test(test_entry_out_of_range),
	    cmocka_unit_test(test_entry_in_non_exec_segment),
	    cmocka_unit_test(test_shared_page_ro_then_rw_is_writable),
	    cmocka_unit_test(test_shared_page_rx_and_r),
	    cmocka_unit_test(test_shared_page_three_segments),
	    cmocka_unit_test(test_shared_page_write_exec_rejected),
	    cmocka_unit_test(test_planner_enforces_wx_itself),
	    cmocka_unit_test(test_unparsed_image_refused),
	    cmocka_unit_test(test_plan_holes_and_rounding),
	    cmocka_unit_test(test_deny_order),
	    cmocka_unit_test(test_many_program_headers),
	    cmocka_unit_test(test_random_program_headers),
	};

	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
