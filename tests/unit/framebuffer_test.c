/*
 * tests/unit/framebuffer_test.c - the framebuffer tag, from the bytes a
 * loader writes to the geometry MapFramebuffer would map: the Multiboot2
 * adapter's colour fields, then fb_check() on well-formed and hostile
 * tags.
 *
 * Each case assembles a whole MBI (memory map, a reserved module, the
 * framebuffer tag), parses a heap copy of exactly its size (ASan catches
 * any read past it), then checks the result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/boot/framebuffer.h"
#include "kernel/boot/multiboot2.h"
#include "kernel/core/bootinfo.h"

#include "abi/errno.h"

#define PHYS_LIMIT (1ull << 52)
#define FB_ADDR	   0xFD000000ull /* QEMU std VGA's BAR 0 */
#define RAM_TOP	   0x08000000ull /* 128 MiB of usable RAM from 1 MiB */

/* A framebuffer tag's fields, as a loader would write them. */
struct fb_tag {
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, type;
	uint8_t rpos, rsize, gpos, gsize, bpos, bsize;
	uint32_t size; /* tag size; 0 = the full 38 bytes */
};

static uint64_t words[512];
static size_t used;
static struct boot_info bi;

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* little-endian host, as the spec */
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint8_t *tag(uint32_t type, uint32_t size)
{
	uint8_t *t = (uint8_t *)words + used;

	put32(t, type);
	put32(t + 4, size);
	used += (size + 7) & ~7u;
	return t;
}

/* An MBI: RAM below RAM_TOP, a reserved hole, a module, the tag. */
static void build(const struct fb_tag *f)
{
	uint8_t *t;

	memset(words, 0, sizeof(words));
	used = 8;
	t = tag(MB2_TAG_MMAP, 16 + 3 * 24);
	put32(t + 8, 24);
	put64(t + 16, 0);
	put64(t + 24, 0x9F000);
	put32(t + 32, 1);
	put64(t + 40, 0x100000);
	put64(t + 48, RAM_TOP - 0x100000);
	put32(t + 56, 1);
	put64(t + 64, 0xFEC00000); /* reserved: I/O APIC and friends */
	put64(t + 72, 0x01400000);
	put32(t + 80, 2);
	t = tag(MB2_TAG_MODULE, 16 + 2);
	put32(t + 8, 0x200000);
	put32(t + 12, 0x210000);
	if (f) {
		uint32_t size = f->size ? f->size : 38;

		t = tag(MB2_TAG_FRAMEBUFFER, size);
		put64(t + 8, f->addr);
		put32(t + 16, f->pitch);
		put32(t + 20, f->width);
		put32(t + 24, f->height);
		t[28] = f->bpp;
		t[29] = f->type;
		/* Bytes past the tag's size are the next tag's: the parser
		 * must not take them as colours. */
		if (size >= 38) {
			t[32] = f->rpos;
			t[33] = f->rsize;
			t[34] = f->gpos;
			t[35] = f->gsize;
			t[36] = f->bpos;
			t[37] = f->bsize;
		}
	}
	tag(MB2_TAG_END, 8);
	put32((uint8_t *)words, (uint32_t)used);
}

static int parse(void)
{
	void *copy = malloc(used);
	int ret;

	assert_non_null(copy);
	memcpy(copy, words, used);
	ret = mb2_parse_ex(copy, 0x10000, used, &bi, NULL);
	free(copy);
	return ret;
}

/* QEMU's 1024x768 XRGB8888 mode, as GRUB reports it. */
static struct fb_tag good(void)
{
	return (struct fb_tag){
	    .addr = FB_ADDR, .pitch = 4096, .width = 1024, .height = 768,
	    .bpp = 32, .type = 1, .rpos = 16, .rsize = 8, .gpos = 8,
	    .gsize = 8, .bpos = 0, .bsize = 8,
	};
}

/* Build, parse (must succeed), check; returns fb_check's result. */
static int check(const struct fb_tag *f, const char **why)
{
	build(f);
	assert_int_equal(parse(), 0);
	return fb_check(&bi, PHYS_LIMIT, why);
}

/* A real mode is accepted, with every field carried through. */
static void test_accepts_std_vga_mode(void **state)
{
	struct fb_tag f = good();
	const char *why = NULL;

	(void)state;
	assert_int_equal(check(&f, &why), 0);
	assert_string_equal(why, "ok");
	assert_int_equal(bi.fb.addr, FB_ADDR);
	assert_int_equal(bi.fb.pitch, 4096);
	assert_int_equal(bi.fb.width, 1024);
	assert_int_equal(bi.fb.height, 768);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.fb.red_shift, 16);
	assert_int_equal(bi.fb.red_size, 8);
	assert_int_equal(bi.fb.green_shift, 8);
	assert_int_equal(bi.fb.blue_shift, 0);
	assert_int_equal(bi.fb.blue_size, 8);
	assert_int_equal(fb_bytes(&bi.fb), 4096ull * 768);
}

/* 16 and 24 bits per pixel with padded pitch are fine too. */
static void test_accepts_other_depths(void **state)
{
	struct fb_tag f = good();

	(void)state;
	f.bpp = 16, f.pitch = 2048 + 64;
	f.rpos = 11, f.rsize = 5, f.gpos = 5, f.gsize = 6, f.bpos = 0,
	f.bsize = 5;
	assert_int_equal(check(&f, NULL), 0);
	f = good();
	f.bpp = 24, f.pitch = 3072;
	assert_int_equal(check(&f, NULL), 0);
}

/* No tag, EGA text (what GRUB reports in text mode) and palette modes. */
static void test_refuses_missing_and_other_types(void **state)
{
	struct fb_tag f = good();
	const char *why = NULL;

	(void)state;
	build(NULL);
	assert_int_equal(parse(), 0);
	assert_int_equal(fb_check(&bi, PHYS_LIMIT, &why), -ENODEV);
	assert_string_equal(why, "no framebuffer reported");
	f.type = 2, f.addr = 0xB8000, f.width = 80, f.height = 25,
	f.pitch = 160, f.bpp = 16;
	assert_int_equal(check(&f, &why), -ENODEV);
	f = good();
	f.type = 0, f.bpp = 8, f.pitch = 1024;
	assert_int_equal(check(&f, NULL), -ENODEV);
	assert_int_equal(fb_check(NULL, PHYS_LIMIT, NULL), -EINVAL);
}

/* Geometry a broken or hostile loader might report. */
static void test_refuses_bad_geometry(void **state)
{
	static const struct {
		uint32_t width, height, pitch;
		uint8_t bpp;
	} bad[] = {
	    {0, 768, 4096, 32},		 /* no columns */
	    {1024, 0, 4096, 32},	 /* no rows */
	    {FB_MAX_DIM + 1, 1, 0xFFFFFFFF, 32}, /* too wide */
	    {1, FB_MAX_DIM + 1, 4, 32},	 /* too tall */
	    {1024, 768, 4095, 32},	 /* pitch shorter than a row */
	    {1024, 768, 0, 32},		 /* no pitch */
	    {1024, 768, 4096, 0},	 /* no depth */
	    {1024, 768, 4096, 8},	 /* palette depth in an RGB tag */
	    {1024, 768, 4096, 31},	 /* odd depth */
	    {1024, 768, 4096, 255},	 /* absurd depth */
	    {16384, 16384, 0xFFFFFFFF, 32}, /* pitch * height: 64 TiB */
	    {4096, 16384, 16384 + 4, 32}, /* just over 256 MiB */
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fb_tag f = good();

		f.width = bad[i].width, f.height = bad[i].height;
		f.pitch = bad[i].pitch, f.bpp = bad[i].bpp;
		why = NULL;
		assert_int_equal(check(&f, &why), -ECORRUPT);
		assert_non_null(why);
	}
}

/* Colour fields: empty, past the pixel, overlapping, too wide, or cut
 * off by a short tag. */
static void test_refuses_bad_colour_fields(void **state)
{
	struct fb_tag f;
	const char *why;

	(void)state;
	f = good(), f.rsize = 0;
	assert_int_equal(check(&f, &why), -ECORRUPT);
	assert_string_equal(why, "bad colour fields");
	f = good(), f.bpos = 30; /* 30 + 8 > 32 */
	assert_int_equal(check(&f, NULL), -ECORRUPT);
	f = good(), f.gpos = 255, f.gsize = 255; /* shift + size wraps a u8 */
	assert_int_equal(check(&f, NULL), -ECORRUPT);
	f = good(), f.gpos = 12; /* overlaps red */
	assert_int_equal(check(&f, NULL), -ECORRUPT);
	f = good(), f.bpos = 16; /* blue on red */
	assert_int_equal(check(&f, NULL), -ECORRUPT);
	f = good(), f.rsize = 17, f.rpos = 0, f.gpos = 17, f.bpos = 25,
	f.bsize = 7;
	assert_int_equal(check(&f, NULL), -ECORRUPT);
	f = good(), f.size = 30; /* through the type only: no colours */
	assert_int_equal(check(&f, NULL), -ECORRUPT);
	f = good(), f.size = 37; /* blue's size missing */
	assert_int_equal(check(&f, NULL), -ECORRUPT);
	assert_int_equal(bi.fb.blue_size, 0);
}

/* A "framebuffer" over the kernel's memory or past the address space. */
static void test_refuses_bad_addresses(void **state)
{
	static const uint64_t bad[] = {
	    0,			      /* null */
	    0x100000,		      /* usable RAM */
	    RAM_TOP - 4096,	      /* its last page and beyond */
	    0x200000,		      /* the module (reserved range) */
	    0x90000,		      /* runs from low RAM into the hole */
	    UINT64_MAX - 4095,	      /* wraps */
	    PHYS_LIMIT - 4096 * 767,  /* ends past the MMU's reach */
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fb_tag f = good();

		f.addr = bad[i];
		why = NULL;
		assert_int_equal(check(&f, &why), -ERANGE);
		assert_non_null(why);
	}
	/* Reserved (non-RAM) memory is where devices live: accepted, as is
	 * a buffer ending exactly at the limit and one starting right after
	 * RAM. */
	struct fb_tag f = good();

	f.addr = 0xFEC00000;
	assert_int_equal(check(&f, NULL), 0);
	f.addr = PHYS_LIMIT - 4096ull * 768;
	assert_int_equal(check(&f, NULL), 0);
	f.addr = RAM_TOP;
	assert_int_equal(check(&f, NULL), 0);
	f.addr = RAM_TOP - 1;
	assert_int_equal(check(&f, NULL), -ERANGE);
}

/* Random tags never crash the parser or the check; an accepted one
 * always satisfies the documented bounds. */
static void test_random_tags_hold_bounds(void **state)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		struct fb_tag f = good();

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		switch (x % 6) {
		case 0: f.pitch = (uint32_t)(x >> 20); break;
		case 1: f.width = (uint32_t)(x >> 40); break;
		case 2: f.height = (uint32_t)(x >> 44); break;
		case 3: f.bpp = (uint8_t)(x >> 8); break;
		case 4: f.addr = x & ~0xFFFull; break;
		default:
			f.rpos = (uint8_t)(x >> 8), f.rsize = (uint8_t)(x >> 16);
			f.gpos = (uint8_t)(x >> 24), f.bsize = (uint8_t)(x >> 32);
			break;
		}
		if (check(&f, NULL) == 0) {
			assert_true(bi.fb.width >= 1 && bi.fb.width <= FB_MAX_DIM);
			assert_true(bi.fb.height >= 1 &&
				    bi.fb.height <= FB_MAX_DIM);
			assert_true(fb_bytes(&bi.fb) <= FB_MAX_BYTES);
			assert_true(bi.fb.pitch >= bi.fb.width * 2);
			assert_true(bi.fb.addr + fb_bytes(&bi.fb) <= PHYS_LIMIT);
			assert_true(bi.fb.addr >= RAM_TOP);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accepts_std_vga_mode),
	    cmocka_unit_test(test_accepts_other_depths),
	    cmocka_unit_test(test_refuses_missing_and_other_types),
	    cmocka_unit_test(test_refuses_bad_geometry),
	    cmocka_unit_test(test_refuses_bad_colour_fields),
	    cmocka_unit_test(test_refuses_bad_addresses),
	    cmocka_unit_test(test_random_tags_hold_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
