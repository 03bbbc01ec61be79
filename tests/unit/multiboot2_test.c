/*
 * tests/unit/multiboot2_test.c - the Multiboot2 adapter on well-formed and
 * hostile boot information.
 *
 * MBIs are assembled by a small builder, then copied into a heap block of
 * exactly total_size bytes before parsing, so ASan reports any read past
 * the structure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/boot/multiboot2.h"
#include "kernel/core/bootinfo.h"

#include "abi/errno.h"

#define FAKE_PHYS 0x10000ull /* physical address the tests claim */

/* An MBI under construction. */
struct mbi {
	uint64_t words[2048]; /* 16 KiB, 8-byte aligned */
	size_t len;	      /* bytes used */
};

static uint8_t *mbi_bytes(struct mbi *m)
{
	return (uint8_t *)m->words;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* the host is little-endian, as is the spec */
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void mbi_init(struct mbi *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 8;
}

/* Append a tag with payload_len payload bytes; returns the payload. */
static uint8_t *mbi_tag(struct mbi *m, uint32_t type, uint32_t payload_len)
{
	uint8_t *tag = mbi_bytes(m) + m->len;

	assert_true(m->len + 8 + payload_len + 8 < sizeof(m->words));
	put32(tag, type);
	put32(tag + 4, 8 + payload_len);
	m->len += (8 + payload_len + 7) & ~7u;
	return tag + 8;
}

static void mbi_string_tag(struct mbi *m, uint32_t type, const char *s)
{
	memcpy(mbi_tag(m, type, (uint32_t)strlen(s) + 1), s, strlen(s) + 1);
}

static void mbi_module(struct mbi *m, uint32_t start, uint32_t end,
		       const char *name)
{
	uint8_t *p = mbi_tag(m, MB2_TAG_MODULE, 8 + (uint32_t)strlen(name) + 1);

	put32(p, start);
	put32(p + 4, end);
	memcpy(p + 8, name, strlen(name) + 1);
}

/* A memory map tag with room for n entries of entry_size bytes. */
static uint8_t *mbi_mmap(struct mbi *m, uint32_t entry_size, uint32_t n)
{
	uint8_t *p = mbi_tag(m, MB2_TAG_MMAP, 8 + entry_size * n);

	put32(p, entry_size);
	put32(p + 4, 0);
	return p + 8;
}

static void mmap_entry(uint8_t *entries, uint32_t entry_size, uint32_t i,
		       uint64_t base, uint64_t len, uint32_t type)
{
	uint8_t *e = entries + (size_t)i * entry_size;

	put64(e, base);
	put64(e + 8, len);
	put32(e + 16, type);
	put32(e + 20, 0);
}

static void mbi_end(struct mbi *m)
{
	mbi_tag(m, MB2_TAG_END, 0);
	put32(mbi_bytes(m), (uint32_t)m->len);
}

/* Parse a copy of exactly m->len bytes; why goes to *why if not NULL. */
static int parse_copy(const struct mbi *m, struct boot_info *bi,
		      const char **why)
{
	void *copy = malloc(m->len);
	int ret;

	assert_non_null(copy);
	memcpy(copy, m->words, m->len);
	ret = mb2_parse_ex(copy, FAKE_PHYS, m->len, bi, why);
	free(copy);
	return ret;
}

static struct boot_info bi; /* large: keep it off the stack */

/* A full MBI with every tag the adapter knows plus unknown ones. */
static void test_well_formed_mbi(void **state)
{
	struct mbi m;
	uint8_t *e, *p;
	const char *why = NULL;
	size_t rsdp_off;

	(void)state;
	mbi_init(&m);
	mbi_string_tag(&m, MB2_TAG_CMDLINE, "loglevel=7 test=ud");
	mbi_string_tag(&m, MB2_TAG_LOADER_NAME, "GRUB 2.06");
	mbi_module(&m, 0x200000, 0x201234, "init arg1");
	mbi_module(&m, 0x300000, 0x300000, "");
	p = mbi_tag(&m, MB2_TAG_BASIC_MEMINFO, 8);
	put32(p, 639);
	put32(p + 4, 130048);
	mbi_tag(&m, 21, 4); /* load base address: unknown here */
	e = mbi_mmap(&m, 24, 6);
	mmap_entry(e, 24, 0, 0, 0x9fc00, 1);
	mmap_entry(e, 24, 1, 0x9fc00, 0x400, 2);
	mmap_entry(e, 24, 2, 0x100000, 0x7ee0000, 1);
	mmap_entry(e, 24, 3, 0x7fe0000, 0x20000, 3);
	mmap_entry(e, 24, 4, 0xfffc0000, 0, 1); /* empty: skipped */
	mmap_entry(e, 24, 5, 0xfffc0000, 0x40000, 9);
	p = mbi_tag(&m, MB2_TAG_FRAMEBUFFER, 24);
	put64(p, 0xfd000000);
	put32(p + 8, 4096);
	put32(p + 12, 1024);
	put32(p + 16, 768);
	p[20] = 32;
	p[21] = 1;
	p = mbi_tag(&m, MB2_TAG_ACPI_OLD, 20);
	memset(p, 0x11, 20);
	p = mbi_tag(&m, MB2_TAG_ACPI_NEW, 36);
	memset(p, 0x22, 36);
	rsdp_off = (size_t)(p - mbi_bytes(&m));
	mbi_tag(&m, 0xffffffffu, 0); /* unknown, empty */
	mbi_end(&m);

	assert_int_equal(parse_copy(&m, &bi, &why), 0);
	assert_string_equal(why, "ok");
	assert_string_equal(bi.cmdline, "loglevel=7 test=ud");
	assert_string_equal(bi.loader, "GRUB 2.06");
	assert_int_equal(bi.module_count, 2);
	assert_int_equal(bi.modules[0].start, 0x200000);
	assert_int_equal(bi.modules[0].end, 0x201234);
	assert_string_equal(bi.modules[0].name, "init arg1");
	assert_string_equal(bi.modules[1].name, "");
	assert_int_equal(bi.mem_count, 5);
	assert_int_equal(bi.mem[0].type, BOOT_MEM_USABLE);
	assert_int_equal(bi.mem[1].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi.mem[2].base, 0x100000);
	assert_int_equal(bi.mem[2].length, 0x7ee0000);
	assert_int_equal(bi.mem[3].type, BOOT_MEM_ACPI_RECLAIM);
	assert_int_equal(bi.mem[4].base, 0xfffc0000);
	assert_int_equal(bi.mem[4].type, BOOT_MEM_RESERVED);
	assert_true(bi.has_fb);
	assert_int_equal(bi.fb.addr, 0xfd000000);
	assert_int_equal(bi.fb.pitch, 4096);
	assert_int_equal(bi.fb.width, 1024);
	assert_int_equal(bi.fb.height, 768);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.fb.type, 1);
	assert_int_equal(bi.rsdp_len, 36);
	assert_int_equal(bi.rsdp_copy[35], 0x22);
	assert_int_equal(bi.rsdp, FAKE_PHYS + rsdp_off);
	/* Reserved: the MBI, then the one non-empty module. */
	assert_int_equal(bi.reserved_count, 2);
	assert_int_equal(bi.reserved[0].start, FAKE_PHYS);
	assert_int_equal(bi.reserved[0].end, FAKE_PHYS + m.len);
	assert_int_equal(bi.reserved[1].start, 0x200000);
	assert_int_equal(bi.reserved[1].end, 0x201234);
	assert_int_equal(bi.dropped, 0);
}

/* The ACPI 2.0 RSDP wins even when the 1.0 tag comes after it. */
static void test_new_rsdp_preferred_in_any_order(void **state)
{
	struct mbi m;

	(void)state;
	mbi_init(&m);
	memset(mbi_tag(&m, MB2_TAG_ACPI_NEW, 36), 0x22, 36);
	memset(mbi_tag(&m, MB2_TAG_ACPI_OLD, 20), 0x11, 20);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, NULL), 0);
	assert_int_equal(bi.rsdp_len, 36);
	assert_int_equal(bi.rsdp_copy[0], 0x22);
	assert_int_equal(bi.rsdp, FAKE_PHYS + 16);

	mbi_init(&m);
	memset(mbi_tag(&m, MB2_TAG_ACPI_OLD, 20), 0x11, 20);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, NULL), 0);
	assert_int_equal(bi.rsdp_len, 20);
	assert_int_equal(bi.rsdp_copy[19], 0x11);
}

/* The smallest valid MBI: header and end tag. */
static void test_minimal_mbi(void **state)
{
	struct mbi m;

	(void)state;
	mbi_init(&m);
	mbi_end(&m);
	assert_int_equal(m.len, 16);
	assert_int_equal(parse_copy(&m, &bi, NULL), 0);
	assert_int_equal(bi.mem_count, 0);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.rsdp_len, 0);
	assert_false(bi.has_fb);
	/* mb2_parse() records the pointer itself as the MBI's address. */
	assert_int_equal(mb2_parse(m.words, m.len, &bi), 0);
	assert_int_equal(bi.reserved[0].start, (uintptr_t)m.words);
}

/* NULL pointers and a misaligned MBI are refused up front. */
static void test_bad_arguments(void **state)
{
	struct mbi m;
	const char *why = NULL;

	(void)state;
	mbi_init(&m);
	mbi_end(&m);
	assert_int_equal(mb2_parse_ex(NULL, 0, 64, &bi, &why), -EINVAL);
	assert_non_null(why);
	assert_int_equal(mb2_parse(m.words, m.len, NULL), -EINVAL);
	assert_int_equal(mb2_parse_ex((uint8_t *)m.words + 4, 0, 64, &bi, &why),
			 -EALIGN);
	assert_string_equal(why, "MBI not 8-byte aligned");
	assert_int_equal(mb2_parse((uint8_t *)m.words + 1, 64, &bi), -EALIGN);
}

/* total_size must cover header and end tag and fit in avail. */
static void test_total_size_checks(void **state)
{
	struct mbi m;
	const char *why;

	(void)state;
	mbi_init(&m);
	mbi_end(&m);
	assert_int_equal(mb2_parse_ex(m.words, 0, 7, &bi, &why), -ETRUNC);
	assert_int_equal(mb2_parse_ex(m.words, 0, 0, &bi, &why), -ETRUNC);
	assert_int_equal(mb2_parse_ex(m.words, 0, 15, &bi, &why), -ETRUNC);
	assert_string_equal(why, "total_size beyond readable bytes");
	for (uint32_t t = 0; t < 16; t++) {
		put32(mbi_bytes(&m), t);
		assert_int_equal(mb2_parse_ex(m.words, 0, 16, &bi, &why),
				 -ECORRUPT);
	}
	assert_string_equal(why, "total_size below 16");
	put32(mbi_bytes(&m), 0xffffffffu);
	assert_int_equal(mb2_parse_ex(m.words, 0, sizeof(m.words), &bi, &why),
			 -ETRUNC);
}

/* A tag size below 8 is corrupt (it could never advance). */
static void test_tag_size_below_8(void **state)
{
	struct mbi m;
	uint8_t *tag;
	const char *why;

	(void)state;
	for (uint32_t size = 0; size < 8; size++) {
		mbi_init(&m);
		tag = mbi_bytes(&m) + 8;
		mbi_string_tag(&m, MB2_TAG_CMDLINE, "x");
		mbi_end(&m);
		put32(tag + 4, size);
		assert_int_equal(parse_copy(&m, &bi, &why), -ECORRUPT);
		assert_string_equal(why, "tag size below 8");
	}
}

/* A tag whose size runs past total_size is truncated input. */
static void test_tag_past_total_size(void **state)
{
	struct mbi m;
	uint8_t *tag;
	const char *why;

	(void)state;
	mbi_init(&m);
	tag = mbi_bytes(&m) + 8;
	mbi_string_tag(&m, MB2_TAG_CMDLINE, "abc");
	mbi_end(&m);
	put32(tag + 4, (uint32_t)m.len); /* 8 past the end */
	assert_int_equal(parse_copy(&m, &bi, &why), -ETRUNC);
	assert_string_equal(why, "tag runs past total_size");
	put32(tag + 4, 0xfffffff8u);
	assert_int_equal(parse_copy(&m, &bi, &why), -ETRUNC);
	/* A size whose padding reaches exactly the end: no room for more. */
	put32(tag + 4, (uint32_t)m.len - 8 - 1);
	assert_int_equal(parse_copy(&m, &bi, &why), -ETRUNC);
	assert_string_equal(why, "no end tag");
}

/* Without an end tag the parse fails, however the tags end. */
static void test_missing_end_tag(void **state)
{
	struct mbi m;
	const char *why;

	(void)state;
	mbi_init(&m);
	mbi_string_tag(&m, MB2_TAG_CMDLINE, "abc");
	put32(mbi_bytes(&m), (uint32_t)m.len);
	assert_int_equal(parse_copy(&m, &bi, &why), -ETRUNC);
	assert_string_equal(why, "no end tag");
	/* Trailing bytes too few for a tag header. */
	m.len += 4;
	put32(mbi_bytes(&m), (uint32_t)m.len);
	assert_int_equal(parse_copy(&m, &bi, &why), -ETRUNC);
	/* An end tag with a wrong size. */
	mbi_init(&m);
	mbi_tag(&m, MB2_TAG_END, 8);
	put32(mbi_bytes(&m), (uint32_t)m.len);
	assert_int_equal(parse_copy(&m, &bi, &why), -ECORRUPT);
	assert_string_equal(why, "end tag size not 8");
}

/* entry_size must be at least 24 and a multiple of 8. */
static void test_mmap_entry_size(void **state)
{
	static const uint32_t bad[] = {0, 8, 16, 20, 25, 28, 30, 0xffffffffu};
	struct mbi m;
	uint8_t *e;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mbi_init(&m);
		e = mbi_mmap(&m, 24, 2);
		put32(e - 8, bad[i]);
		mbi_end(&m);
		assert_int_equal(parse_copy(&m, &bi, &why), -ECORRUPT);
		assert_string_equal(why, "memory map entry_size invalid");
	}
	/* An entry_size larger than the tag: valid, but no entries. */
	mbi_init(&m);
	e = mbi_mmap(&m, 24, 2);
	put32(e - 8, 0x80000000u);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, &why), 0);
	assert_int_equal(bi.mem_count, 0);
	/* Larger entries (a future version) are read by their prefix. */
	mbi_init(&m);
	e = mbi_mmap(&m, 40, 2);
	mmap_entry(e, 40, 0, 0x1000, 0x2000, 1);
	mmap_entry(e, 40, 1, 0x100000, 0x100000, 4);
	memset(e + 24, 0xee, 16);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, &why), 0);
	assert_int_equal(bi.mem_count, 2);
	assert_int_equal(bi.mem[1].base, 0x100000);
	assert_int_equal(bi.mem[1].type, BOOT_MEM_ACPI_NVS);
	/* A tag too small for entry_size and version. */
	mbi_init(&m);
	put32(mbi_tag(&m, MB2_TAG_MMAP, 4), 24);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, &why), -ECORRUPT);
	assert_string_equal(why, "memory map tag too small");
}

/* A partial trailing entry is ignored; an empty map is fine. */
static void test_mmap_partial_entry_ignored(void **state)
{
	struct mbi m;
	uint8_t *e;

	(void)state;
	mbi_init(&m);
	e = mbi_tag(&m, MB2_TAG_MMAP, 8 + 24 + 20);
	put32(e, 24);
	mmap_entry(e + 8, 24, 0, 0x5000, 0x1000, 1);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, NULL), 0);
	assert_int_equal(bi.mem_count, 1);
	assert_int_equal(bi.mem[0].base, 0x5000);

	mbi_init(&m);
	mbi_mmap(&m, 24, 0);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, NULL), 0);
	assert_int_equal(bi.mem_count, 0);
}

/* Overlapping and wrapping entries are passed through untouched. */
static void test_mmap_overlaps_passed_through(void **state)
{
	struct mbi m;
	uint8_t *e;

	(void)state;
	mbi_init(&m);
	e = mbi_mmap(&m, 24, 4);
	mmap_entry(e, 24, 0, 0x100000, 0x100000, 1);
	mmap_entry(e, 24, 1, 0x180000, 0x100000, 2);
	mmap_entry(e, 24, 2, 0x0, 0x1000000, 1);
	mmap_entry(e, 24, 3, 0xfffffffffffff000ull, 0x2000, 1);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, NULL), 0);
	assert_int_equal(bi.mem_count, 4);
	assert_int_equal(bi.mem[1].base, 0x180000);
	assert_int_equal(bi.mem[1].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi.mem[2].length, 0x1000000);
	assert_int_equal(bi.mem[3].base, 0xfffffffffffff000ull);
	assert_int_equal(bi.mem[3].length, 0x2000);
}

/* Modules: end before start and a short tag are corrupt. */
static void test_module_checks(void **state)
{
	struct mbi m;
	uint8_t *p;
	const char *why;

	(void)state;
	mbi_init(&m);
	mbi_module(&m, 0x2000, 0x1fff, "bad");
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, &why), -ECORRUPT);
	assert_string_equal(why, "module ends before it starts");

	mbi_init(&m);
	p = mbi_tag(&m, MB2_TAG_MODULE, 4);
	put32(p, 0x1000);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, &why), -ECORRUPT);
	assert_string_equal(why, "module tag too small");

	/* Exactly 16 bytes: no name at all, which is an empty name. */
	mbi_init(&m);
	p = mbi_tag(&m, MB2_TAG_MODULE, 8);
	put32(p, 0x1000);
	put32(p + 4, 0x3000);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, &why), 0);
	assert_int_equal(bi.module_count, 1);
	assert_string_equal(bi.modules[0].name, "");
}

/* Strings without a NUL end at their tag; long ones are cut. */
static void test_unterminated_and_long_strings(void **state)
{
	struct mbi m;
	uint8_t *p;
	char big[600];

	(void)state;
	mbi_init(&m);
	memcpy(mbi_tag(&m, MB2_TAG_CMDLINE, 5), "hello", 5);
	memcpy(mbi_tag(&m, MB2_TAG_LOADER_NAME, 3), "abc", 3);
	p = mbi_tag(&m, MB2_TAG_MODULE, 8 + 4);
	put32(p, 0x1000);
	put32(p + 4, 0x2000);
	memcpy(p + 8, "name", 4);
	/* Make the padding after the module tag non-zero. */
	memset(p + 12, 'X', 4);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, NULL), 0);
	assert_string_equal(bi.cmdline, "hello");
	assert_string_equal(bi.loader, "abc");
	assert_string_equal(bi.modules[0].name, "name");

	memset(big, 'c', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mbi_init(&m);
	mbi_string_tag(&m, MB2_TAG_CMDLINE, big);
	mbi_string_tag(&m, MB2_TAG_LOADER_NAME, big);
	mbi_module(&m, 0, 0x1000, big);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, NULL), 0);
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	assert_int_equal(strlen(bi.loader), BOOT_NAME_MAX - 1);
	assert_int_equal(strlen(bi.modules[0].name), BOOT_NAME_MAX - 1);
	/* An empty cmdline tag (just the header) gives "". */
	mbi_init(&m);
	mbi_tag(&m, MB2_TAG_CMDLINE, 0);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, NULL), 0);
	assert_string_equal(bi.cmdline, "");
}

/* Past BOOT_MAX_MODULES and BOOT_MAX_MEM_REGIONS the rest are counted. */
static void test_full_tables_count_dropped(void **state)
{
	const uint32_t nmods = BOOT_MAX_MODULES + 4;
	const uint32_t nmem = BOOT_MAX_MEM_REGIONS + 22;
	struct mbi m;
	uint8_t *e;

	(void)state;
	mbi_init(&m);
	for (uint32_t i = 0; i < nmods; i++)
		mbi_module(&m, 0x100000 * (i + 1), 0x100000 * (i + 1) + 0x1000,
			   "m");
	e = mbi_mmap(&m, 24, nmem);
	for (uint32_t i = 0; i < nmem; i++)
		mmap_entry(e, 24, i, 0x10000ull * i, 0x1000, 1);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, NULL), 0);
	assert_int_equal(bi.module_count, BOOT_MAX_MODULES);
	assert_int_equal(bi.mem_count, BOOT_MAX_MEM_REGIONS);
	assert_int_equal(bi.dropped, 4 + 22);
	assert_int_equal(bi.reserved_count, 1 + BOOT_MAX_MODULES);
	assert_int_equal(bi.mem[BOOT_MAX_MEM_REGIONS - 1].base,
			 0x10000ull * (BOOT_MAX_MEM_REGIONS - 1));
	assert_int_equal(bi.modules[BOOT_MAX_MODULES - 1].start,
			 0x100000 * BOOT_MAX_MODULES);
}

/* Single-instance tags may not repeat; modules may. */
static void test_duplicate_tags(void **state)
{
	static const uint32_t types[] = {
	    MB2_TAG_CMDLINE,	 MB2_TAG_LOADER_NAME, MB2_TAG_MMAP,
	    MB2_TAG_FRAMEBUFFER, MB2_TAG_ACPI_OLD,    MB2_TAG_ACPI_NEW,
	};
	struct mbi m;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		mbi_init(&m);
		for (int k = 0; k < 2; k++) {
			uint8_t *p = mbi_tag(&m, types[i], 40);

			if (types[i] == MB2_TAG_MMAP)
				put32(p, 24);
		}
		mbi_end(&m);
		assert_int_equal(parse_copy(&m, &bi, &why), -EEXIST);
		assert_string_equal(why, "duplicate tag");
	}
	mbi_init(&m);
	mbi_module(&m, 0x1000, 0x2000, "a");
	mbi_module(&m, 0x1000, 0x2000, "a");
	mbi_tag(&m, MB2_TAG_BASIC_MEMINFO, 8);
	mbi_tag(&m, MB2_TAG_BASIC_MEMINFO, 8);
	mbi_tag(&m, 99, 0);
	mbi_tag(&m, 99, 0);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, NULL), 0);
	assert_int_equal(bi.module_count, 2);
}

/* Framebuffer and RSDP tags too short for their fields are corrupt. */
static void test_short_fixed_tags(void **state)
{
	struct mbi m;
	const char *why;

	(void)state;
	mbi_init(&m);
	mbi_tag(&m, MB2_TAG_FRAMEBUFFER, 21);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, &why), -ECORRUPT);
	assert_string_equal(why, "framebuffer tag too small");
	mbi_init(&m);
	mbi_tag(&m, MB2_TAG_FRAMEBUFFER, 22);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, &why), 0);
	mbi_init(&m);
	mbi_tag(&m, MB2_TAG_ACPI_OLD, 19);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, &why), -ECORRUPT);
	assert_string_equal(why, "ACPI RSDP tag too small");
	mbi_init(&m);
	mbi_tag(&m, MB2_TAG_ACPI_NEW, 35);
	mbi_end(&m);
	assert_int_equal(parse_copy(&m, &bi, &why), -ECORRUPT);
}

/* Build the seed MBI used by the mutation loop. */
static void build_seed(struct mbi *m)
{
	uint8_t *e;

	mbi_init(m);
	mbi_string_tag(m, MB2_TAG_CMDLINE, "loglevel=7 exit");
	mbi_string_tag(m, MB2_TAG_LOADER_NAME, "GRUB");
	mbi_module(m, 0x200000, 0x280000, "init");
	mbi_module(m, 0x300000, 0x301000, "fs");
	e = mbi_mmap(m, 24, 4);
	mmap_entry(e, 24, 0, 0, 0x9fc00, 1);
	mmap_entry(e, 24, 1, 0x100000, 0x7f00000, 1);
	mmap_entry(e, 24, 2, 0xfec00000, 0x1000, 2);
	mmap_entry(e, 24, 3, 0x8000000, 0x10000, 3);
	memset(mbi_tag(m, MB2_TAG_FRAMEBUFFER, 24), 0x40, 24);
	memset(mbi_tag(m, MB2_TAG_ACPI_NEW, 36), 0x33, 36);
	mbi_end(m);
}

/* 20,000 random mutations of a valid MBI: no crash, no stray read. */
static void test_random_mutations_never_crash(void **state)
{
	static const uint32_t interesting[] = {
	    0,	1,  7,		8,	     15,	  16,
	    23, 24, 0x7fffffff, 0x80000000u, 0xfffffff8u, 0xffffffffu,
	};
	struct mbi seed, m;
	unsigned ok = 0, failed = 0;

	(void)state;
	build_seed(&seed);
	srand(20240601);
	for (int iter = 0; iter < 20000; iter++) {
		int nmut = 1 + rand() % 4;
		size_t avail;
		int ret;
		uint8_t *b;

		m = seed;
		b = mbi_bytes(&m);
		for (int k = 0; k < nmut; k++) {
			size_t at = (size_t)rand() % seed.len;

			switch (rand() % 4) {
			case 0:
				b[at] ^= (uint8_t)(1u << (rand() % 8));
				break;
			case 1:
				b[at] = (uint8_t)rand();
				break;
			case 2:
				at &= ~(size_t)3;
				put32(b + at,
				      interesting[(size_t)rand() %
						  (sizeof(interesting) /
						   sizeof(interesting[0]))]);
				break;
			default:
				/* Shrink or grow the readable window. */
				m.len = (size_t)rand() % (seed.len + 1);
				break;
			}
		}
		/* The parse reads at most m.len bytes of a heap copy. */
		avail = m.len;
		{
			void *copy = malloc(avail ? avail : 1);

			assert_non_null(copy);
			memcpy(copy, m.words, avail);
			ret = mb2_parse_ex(copy, FAKE_PHYS, avail, &bi, NULL);
			free(copy);
		}
		if (ret == 0) {
			ok++;
			assert_true(bi.mem_count <= BOOT_MAX_MEM_REGIONS);
			assert_true(bi.module_count <= BOOT_MAX_MODULES);
			assert_true(bi.reserved_count <= BOOT_MAX_RESERVED);
			assert_true(strlen(bi.cmdline) < BOOT_CMDLINE_MAX);
			assert_true(strlen(bi.loader) < BOOT_NAME_MAX);
			for (uint32_t i = 0; i < bi.mem_count; i++)
				assert_true(bi.mem[i].length != 0);
			for (uint32_t i = 0; i < bi.module_count; i++)
				assert_true(bi.modules[i].start <=
					    bi.modules[i].end);
		} else {
			failed++;
			assert_true(ret == -ETRUNC || ret == -ECORRUPT ||
				    ret == -EEXIST);
		}
	}
	print_message("# mutations: %u parsed, %u rejected\n", ok, failed);
	assert_true(ok > 0 && failed > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_well_formed_mbi),
	    cmocka_unit_test(test_new_rsdp_preferred_in_any_order),
	    cmocka_unit_test(test_minimal_mbi),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_total_size_checks),
	    cmocka_unit_test(test_tag_size_below_8),
	    cmocka_unit_test(test_tag_past_total_size),
	    cmocka_unit_test(test_missing_end_tag),
	    cmocka_unit_test(test_mmap_entry_size),
	    cmocka_unit_test(test_mmap_partial_entry_ignored),
	    cmocka_unit_test(test_mmap_overlaps_passed_through),
	    cmocka_unit_test(test_module_checks),
	    cmocka_unit_test(test_unterminated_and_long_strings),
	    cmocka_unit_test(test_full_tables_count_dropped),
	    cmocka_unit_test(test_duplicate_tags),
	    cmocka_unit_test(test_short_fixed_tags),
	    cmocka_unit_test(test_random_mutations_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
