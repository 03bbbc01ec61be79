/*
 * kernel/boot/multiboot2.c - Multiboot2 boot-information adapter.
 *
 * Layout (Multiboot2 spec 3.6): a u32 total_size and a u32 reserved word,
 * then tags, each starting on an 8-byte boundary with a u32 type and a u32
 * size that counts the 8-byte tag header but not the padding.  The list
 * ends with a tag of type 0 and size 8.  All fields are little-endian.
 *
 * Every read goes through rd32/rd64 at an offset already checked against
 * the tag's size, and every tag's size is checked against total_size,
 * which is checked against avail: the chain of bounds is the whole safety
 * argument, so keep each check next to the read it protects.
 */
#include "kernel/boot/multiboot2.h"

#include <stdbool.h>

#include "kernel/core/bootinfo.h"

#include "lib/klib/endian.h"
#include "lib/klib/string.h"

#include "abi/errno.h"

#define MB2_HEADER_SIZE	   8  /* total_size, reserved */
#define MB2_TAG_HEADER	   8  /* type, size */
#define MB2_MODULE_MIN	   16 /* header, mod_start, mod_end */
#define MB2_MMAP_MIN	   16 /* header, entry_size, entry_version */
#define MB2_MMAP_ENTRY_MIN 24 /* base_addr, length, type, reserved */
#define MB2_FB_MIN	   30 /* through framebuffer_type (spec 3.6.12) */
#define MB2_FB_RGB_MIN	   38 /* through blue_mask_size of a direct-RGB tag */
#define MB2_FB_TYPE_RGB	   1
#define MB2_RSDP_V1_LEN	   20 /* ACPI 6.x 5.2.5.3, revision 0 */
#define MB2_RSDP_V2_LEN	   36 /* revision 2 */

/* Multiboot2 memory types (spec 3.6.8). */
enum {
	MB2_MEM_AVAILABLE = 1,
	MB2_MEM_ACPI_RECLAIMABLE = 3,
	MB2_MEM_NVS = 4,
	MB2_MEM_BADRAM = 5,
};

/* State of one parse. */
struct mb2_parser {
	const uint8_t *mbi;    /* start of the MBI */
	uint64_t phys;	       /* its physical address */
	struct boot_info *out; /* result */
	const char *why;       /* description of the outcome */
	uint32_t seen;	       /* bit per single-instance tag type met */
};

static int fail(struct mb2_parser *ps, int err, const char *why)
{
	ps->why = why;
	return err;
}

/* Copy the string in src[0, len) up to its NUL, or all of it if it has
 * none, into dst of dst_size bytes, always terminating. */
static void copy_string(char *dst, size_t dst_size, const uint8_t *src,
			size_t len)
{
	size_t n = 0;

	while (n < len && n < dst_size - 1 && src[n])
		n++;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void add_reserved(struct boot_info *out, uint64_t start, uint64_t end)
{
	if (start >= end)
		return;
	if (out->reserved_count >= BOOT_MAX_RESERVED) {
		out->dropped++;
		return;
	}
	out->reserved[out->reserved_count].start = start;
	out->reserved[out->reserved_count].end = end;
	out->reserved_count++;
}

static uint32_t mem_type(uint32_t mb2_type)
{
	switch (mb2_type) {
	case MB2_MEM_AVAILABLE:
		return BOOT_MEM_USABLE;
	case MB2_MEM_ACPI_RECLAIMABLE:
		return BOOT_MEM_ACPI_RECLAIM;
	case MB2_MEM_NVS:
		return BOOT_MEM_ACPI_NVS;
	case MB2_MEM_BADRAM:
		return BOOT_MEM_BAD;
	default:
		/* Spec: "all other values: reserved area". */
		return BOOT_MEM_RESERVED;
	}
}

static int parse_module(struct mb2_parser *ps, const uint8_t *tag,
			uint32_t size)
{
	struct boot_info *out = ps->out;
	struct boot_module *m;
	uint32_t start, end;

	if (size < MB2_MODULE_MIN)
		return fail(ps, -ECORRUPT, "module tag too small");
	start = le32_load(tag + 8);
	end = le32_load(tag + 12);
	if (end < start)
		return fail(ps, -ECORRUPT, "module ends before it starts");
	if (out->module_count >= BOOT_MAX_MODULES) {
		out->dropped++;
		return 0;
	}
	m = &out->modules[out->module_count++];
	m->start = start;
	m->end = end;
	copy_string(m->name, sizeof(m->name), tag + MB2_MODULE_MIN,
		    size - MB2_MODULE_MIN);
	add_reserved(out, start, end);
	return 0;
}

static int parse_mmap(struct mb2_parser *ps, const uint8_t *tag, uint32_t size)
{
	struct boot_info *out = ps->out;
	uint32_t entry_size;

	if (size < MB2_MMAP_MIN)
		return fail(ps, -ECORRUPT, "memory map tag too small");
	entry_size = le32_load(tag + 8);
	/* entry_version (tag + 12) is 0 today; later versions promise to
	 * stay compatible by only growing entry_size (spec 3.6.8). */
	if (entry_size < MB2_MMAP_ENTRY_MIN || entry_size % 8 != 0)
		return fail(ps, -ECORRUPT, "memory map entry_size invalid");

	/* A partial entry at the end of the tag is ignored. */
	for (uint32_t off = MB2_MMAP_MIN; size - off >= entry_size;
	     off += entry_size) {
		const uint8_t *e = tag + off;
		struct boot_mem_region *r;
		uint64_t length = le64_load(e + 8);

		if (length == 0)
			continue;
		if (out->mem_count >= BOOT_MAX_MEM_REGIONS) {
			out->dropped++;
			continue;
		}
		r = &out->mem[out->mem_count++];
		r->base = le64_load(e);
		r->length = length;
		r->type = mem_type(le32_load(e + 16));
	}
	return 0;
}

static int parse_framebuffer(struct mb2_parser *ps, const uint8_t *tag,
			     uint32_t size)
{
	struct boot_framebuffer *fb = &ps->out->fb;

	if (size < MB2_FB_MIN)
		return fail(ps, -ECORRUPT, "framebuffer tag too small");
	fb->addr = le64_load(tag + 8);
	fb->pitch = le32_load(tag + 16);
	fb->width = le32_load(tag + 20);
	fb->height = le32_load(tag + 24);
	fb->bpp = tag[28];
	fb->type = tag[29];
	/* Direct RGB: colour fields follow the u16 reserved word GRUB
	 * writes (the spec's prose shows a u8); offset 32, position then
	 * mask size for red, green, blue.  Absent fields stay 0, which the
	 * framebuffer checks refuse (kernel/boot/framebuffer.h). */
	if (fb->type == MB2_FB_TYPE_RGB && size >= MB2_FB_RGB_MIN) {
		fb->red_shift = tag[32];
		fb->red_size = tag[33];
		fb->green_shift = tag[34];
		fb->green_size = tag[35];
		fb->blue_shift = tag[36];
		fb->blue_size = tag[37];
	}
	ps->out->has_fb = true;
	return 0;
}

static int parse_rsdp(struct mb2_parser *ps, const uint8_t *tag, uint32_t size,
		      uint32_t len, bool newer)
{
	struct boot_info *out = ps->out;

	if (size < MB2_TAG_HEADER + len)
		return fail(ps, -ECORRUPT, "ACPI RSDP tag too small");
	/* Prefer the ACPI 2.0 copy whatever the tag order. */
	if (!newer && out->rsdp_len == MB2_RSDP_V2_LEN)
		return 0;
	memcpy(out->rsdp_copy, tag + MB2_TAG_HEADER, len);
	out->rsdp_len = len;
	out->rsdp = ps->phys + (uint64_t)(tag + MB2_TAG_HEADER - ps->mbi);
	return 0;
}

static bool single_instance(uint32_t type)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
	case MB2_TAG_LOADER_NAME:
	case MB2_TAG_MMAP:
	case MB2_TAG_FRAMEBUFFER:
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		return true;
	default:
		return false;
	}
}

/* Decode one tag of a size already known to fit inside the MBI. */
static int parse_tag(struct mb2_parser *ps, const uint8_t *tag, uint32_t type,
		     uint32_t size)
{
	struct boot_info *out = ps->out;

	if (single_instance(type)) {
		if (ps->seen & (1u << type))
			return fail(ps, -EEXIST, "duplicate tag");
		ps->seen |= 1u << type;
	}
	switch (type) {
	case MB2_TAG_CMDLINE:
		copy_string(out->cmdline, sizeof(out->cmdline),
			    tag + MB2_TAG_HEADER, size - MB2_TAG_HEADER);
		return 0;
	case MB2_TAG_LOADER_NAME:
		copy_string(out->loader, sizeof(out->loader),
			    tag + MB2_TAG_HEADER, size - MB2_TAG_HEADER);
		return 0;
	case MB2_TAG_MODULE:
		return parse_module(ps, tag, size);
	case MB2_TAG_MMAP:
		return parse_mmap(ps, tag, size);
	case MB2_TAG_FRAMEBUFFER:
		return parse_framebuffer(ps, tag, size);
	case MB2_TAG_ACPI_OLD:
		return parse_rsdp(ps, tag, size, MB2_RSDP_V1_LEN, false);
	case MB2_TAG_ACPI_NEW:
		return parse_rsdp(ps, tag, size, MB2_RSDP_V2_LEN, true);
	default:
		/* Basic meminfo (the memory map says more) and unknown tags. */
		return 0;
	}
}

static int parse_tags(struct mb2_parser *ps, size_t total)
{
	size_t off = MB2_HEADER_SIZE;

	for (;;) {
		const uint8_t *tag = ps->mbi + off;
		uint32_t type, size;
		int err;

		if (off > total || total - off < MB2_TAG_HEADER)
			return fail(ps, -ETRUNC, "no end tag");
		type = le32_load(tag);
		size = le32_load(tag + 4);
		if (size < MB2_TAG_HEADER)
			return fail(ps, -ECORRUPT, "tag size below 8");
		if (size > total - off)
			return fail(ps, -ETRUNC, "tag runs past total_size");
		if (type == MB2_TAG_END) {
			if (size != MB2_TAG_HEADER)
				return fail(ps, -ECORRUPT,
					    "end tag size not 8");
			return 0;
		}
		err = parse_tag(ps, tag, type, size);
		if (err)
			return err;
		/* size <= total - off, so this cannot overflow. */
		off += ((size_t)size + 7) & ~(size_t)7;
	}
}

int mb2_parse_ex(const void *mbi, uint64_t mbi_phys, size_t avail,
		 struct boot_info *out, const char **why)
{
	struct mb2_parser ps = {
	    .mbi = mbi,
	    .phys = mbi_phys,
	    .out = out,
	    .why = "ok",
	};
	uint32_t total;
	int err;

	if (!mbi || !out) {
		err = fail(&ps, -EINVAL, "null argument");
		goto out;
	}
	memset(out, 0, sizeof(*out));
	if ((uintptr_t)mbi & 7) {
		err = fail(&ps, -EALIGN, "MBI not 8-byte aligned");
		goto out;
	}
	if (avail < MB2_HEADER_SIZE) {
		err = fail(&ps, -ETRUNC, "MBI header beyond readable bytes");
		goto out;
	}
	total = le32_load(ps.mbi);
	if (total < MB2_HEADER_SIZE + MB2_TAG_HEADER) {
		err = fail(&ps, -ECORRUPT, "total_size below 16");
		goto out;
	}
	if (total > avail) {
		err = fail(&ps, -ETRUNC, "total_size beyond readable bytes");
		goto out;
	}
	add_reserved(out, mbi_phys, mbi_phys + total);
	err = parse_tags(&ps, total);
out:
	if (why)
		*why = ps.why;
	return err;
}

int mb2_parse(const void *mbi, size_t avail, struct boot_info *out)
{
	return mb2_parse_ex(mbi, (uintptr_t)mbi, avail, out, NULL);
}
