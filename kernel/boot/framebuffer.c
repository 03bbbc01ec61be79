/*
 * kernel/boot/framebuffer.c - checks on the bootloader's framebuffer
 * (framebuffer.h).  Every field of the tag is checked on its own before
 * any product of fields is formed, so no arithmetic below can overflow:
 * pitch < 2^32 and height <= FB_MAX_DIM give pitch * height < 2^46.
 */
#include "kernel/boot/framebuffer.h"

#include "kernel/core/bootinfo.h"

#include "abi/errno.h"

/* Widest colour channel accepted, in bits (10-bit and 16-bit deep colour
 * formats fit). */
#define FB_MAX_CHANNEL 16u

static int fail(const char **why, int err, const char *text)
{
	if (why)
		*why = text;
	return err;
}

uint64_t fb_bytes(const struct boot_framebuffer *fb)
{
	return (uint64_t)fb->pitch * fb->height;
}

static bool bpp_ok(uint8_t bpp)
{
	return bpp == 15 || bpp == 16 || bpp == 24 || bpp == 32;
}

/* The mask of a channel of size bits at shift, or 0 when it does not fit
 * in a pixel of bpp bits or has no width. */
static uint32_t channel_mask(uint8_t shift, uint8_t size, uint8_t bpp)
{
	if (size == 0 || size > FB_MAX_CHANNEL || shift >= bpp ||
	    (unsigned)shift + size > bpp)
		return 0;
	return ((1u << size) - 1) << shift;
}

static bool colours_ok(const struct boot_framebuffer *fb)
{
	uint32_t r = channel_mask(fb->red_shift, fb->red_size, fb->bpp);
	uint32_t g = channel_mask(fb->green_shift, fb->green_size, fb->bpp);
	uint32_t b = channel_mask(fb->blue_shift, fb->blue_size, fb->bpp);

	return r && g && b && !(r & g) && !(r & b) && !(g & b);
}

static bool overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

static bool is_ram(uint32_t type)
{
	/* Everything the firmware calls memory; only "reserved" may hold a
	 * device's framebuffer. */
	return type == BOOT_MEM_USABLE || type == BOOT_MEM_ACPI_RECLAIM ||
	       type == BOOT_MEM_ACPI_NVS || type == BOOT_MEM_BAD;
}

/* Does [start, end) touch RAM or a boot structure the kernel keeps? */
static bool touches_kernel_memory(const struct boot_info *bi, uint64_t start,
				  uint64_t end)
{
	uint32_t n = bi->mem_count < BOOT_MAX_MEM_REGIONS ? bi->mem_count
							  : BOOT_MAX_MEM_REGIONS;

	for (uint32_t i = 0; i < n; i++) {
		const struct boot_mem_region *m = &bi->mem[i];
		/* A region reaching past 2^64 counts up to the top. */
		uint64_t m_end = m->base + m->length < m->base
				     ? UINT64_MAX
				     : m->base + m->length;

		if (is_ram(m->type) && overlaps(start, end, m->base, m_end))
			return true;
	}
	n = bi->reserved_count < BOOT_MAX_RESERVED ? bi->reserved_count
						   : BOOT_MAX_RESERVED;
	for (uint32_t i = 0; i < n; i++) {
		if (overlaps(start, end, bi->reserved[i].start,
			     bi->reserved[i].end))
			return true;
	}
	return false;
}

int fb_check(const struct boot_info *bi, uint64_t phys_limit, const char **why)
{
	const struct boot_framebuffer *fb;
	uint64_t bytes, end;

	if (!bi)
		return fail(why, -EINVAL, "no boot information");
	fb = &bi->fb;
	if (!bi->has_fb)
		return fail(why, -ENODEV, "no framebuffer reported");
	if (fb->type != FB_TYPE_RGB)
		return fail(why, -ENODEV, "not a direct-RGB framebuffer");
	if (!bpp_ok(fb->bpp))
		return fail(why, -ECORRUPT, "unsupported bits per pixel");
	if (fb->width == 0 || fb->width > FB_MAX_DIM || fb->height == 0 ||
	    fb->height > FB_MAX_DIM)
		return fail(why, -ECORRUPT, "width or height out of range");
	if (fb->pitch < (uint64_t)fb->width * ((fb->bpp + 7u) / 8u))
		return fail(why, -ECORRUPT, "pitch shorter than a row");
	bytes = fb_bytes(fb);
	if (bytes > FB_MAX_BYTES)
		return fail(why, -ECORRUPT, "framebuffer too large");
	if (!colours_ok(fb))
		return fail(why, -ECORRUPT, "bad colour fields");
	if (fb->addr == 0)
		return fail(why, -ERANGE, "framebuffer at address 0");
	end = fb->addr + bytes;
	if (end < fb->addr || end > phys_limit)
		return fail(why, -ERANGE, "framebuffer beyond physical memory");
	if (touches_kernel_memory(bi, fb->addr, end))
		return fail(why, -ERANGE, "framebuffer overlaps RAM");
	return fail(why, 0, "ok");
}
