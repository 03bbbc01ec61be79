/*
 * kernel/boot/framebuffer.h - checks on the bootloader's framebuffer.
 *
 * The framebuffer tag (Multiboot2 spec 3.6.12, kept in struct boot_info
 * by kernel/boot/multiboot2.c) is untrusted input: a hostile or broken
 * loader could describe a "framebuffer" over the kernel's own RAM, with a
 * pitch that wraps, or with colour fields past the pixel.  MapFramebuffer
 * (syscall 35) maps only a buffer that passed fb_check().  Portable C,
 * host-tested (tests/unit/framebuffer_test.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct boot_framebuffer;
struct boot_info;

/** Largest width or height accepted, in pixels. */
#define FB_MAX_DIM 16384u
/** Largest pitch * height accepted, in bytes (256 MiB). */
#define FB_MAX_BYTES (256ull << 20)
/** The only framebuffer type mapped: direct RGB (Multiboot2 type 1). */
#define FB_TYPE_RGB 1u

/**
 * Check bi's framebuffer.  phys_limit is one past the highest physical
 * address the MMU can map (x86_64: 2^52).  why, if not NULL, receives a
 * static description for the boot log ("ok" on success).
 *
 * Accepted: a reported framebuffer of type direct RGB; bpp 15, 16, 24 or
 * 32; width and height 1..FB_MAX_DIM; pitch at least width whole pixels;
 * pitch * height at most FB_MAX_BYTES; red, green and blue each 1..16
 * bits wide, inside the pixel, not overlapping each other; a physical
 * range [addr, addr + pitch * height) that starts above 0, does not wrap,
 * ends at or below phys_limit, and overlaps neither any memory-map region
 * that is RAM (usable, ACPI reclaimable, ACPI NVS, bad) nor any range in
 * bi->reserved (kernel image, modules, boot information).
 *
 * Returns 0, or:
 *   -EINVAL    bi is NULL
 *   -ENODEV    no framebuffer, or one of another type (EGA text, palette)
 *   -ECORRUPT  bpp, width, height, pitch or colour fields out of range
 *   -ERANGE    the physical range is 0, wraps, passes phys_limit, or
 *              overlaps RAM or a reserved range
 */
int fb_check(const struct boot_info *bi, uint64_t phys_limit, const char **why);

/** Bytes from the first to one past the last byte: pitch * height. */
uint64_t fb_bytes(const struct boot_framebuffer *fb);
