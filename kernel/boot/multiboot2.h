/*
 * kernel/boot/multiboot2.h - Multiboot2 boot-information adapter.
 *
 * Turns the boot information structure (MBI) a Multiboot2 loader such as
 * GRUB leaves in memory (Multiboot2 spec, section 3.6) into the portable
 * struct boot_info.  The MBI is treated as untrusted bytes: every length
 * is checked before it is used, and malformed input yields an error code,
 * never an out-of-bounds read or a panic.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct boot_info;

/** Value in EAX when a Multiboot2 loader enters the kernel (spec 3.3). */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/** Tag types the adapter reads (spec 3.6). */
enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEMINFO = 4,
	MB2_TAG_MMAP = 6,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

/**
 * Parse the MBI at mbi into *out, which is cleared first.
 *
 * mbi_phys is the physical address of the MBI (recorded as a reserved
 * range and used to give the physical address of the RSDP copy); avail is
 * how many bytes from mbi may be read.  Nothing outside [mbi, mbi + avail)
 * is read.  why, if not NULL, receives a static description of the
 * outcome for the boot log ("ok" on success).
 *
 * What is kept: command line (cut to BOOT_CMDLINE_MAX - 1 bytes), loader
 * name, modules (cut names), memory map (entries of length 0 skipped,
 * others passed through unsorted and possibly overlapping: memmap
 * normalises), framebuffer, ACPI RSDP (the ACPI 2.0 tag wins over the 1.0
 * one), and in out->reserved the MBI itself and every kept module.  Entries
 * beyond BOOT_MAX_MODULES / BOOT_MAX_MEM_REGIONS are counted in
 * out->dropped.  Strings without a NUL inside their tag end at the tag.
 * Unknown tag types are skipped.
 *
 * Returns 0, or:
 *   -EINVAL    mbi or out is NULL
 *   -EALIGN    mbi is not 8-byte aligned
 *   -ETRUNC    avail < 8, total_size > avail, a tag runs past total_size,
 *              or no end tag before total_size
 *   -ECORRUPT  total_size < 16, a tag size below its type's minimum
 *              (8 for any tag), end tag size not 8, memory-map entry_size
 *              below 24 or not a multiple of 8, module end < start
 *   -EEXIST    a command line, loader name, memory map, framebuffer or
 *              ACPI tag appears twice (modules may repeat; the ignored
 *              basic-meminfo tag and unknown tags are not checked)
 * On error *out holds whatever was parsed before the problem and must not
 * be used to boot.
 */
int mb2_parse_ex(const void *mbi, uint64_t mbi_phys, size_t avail,
		 struct boot_info *out, const char **why);

/**
 * mb2_parse_ex() for an MBI reachable at its physical address (identity
 * mapped, as on entry from the loader), without the description.
 */
int mb2_parse(const void *mbi, size_t avail, struct boot_info *out);
