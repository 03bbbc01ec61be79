/*
 * tests/fuzz/fuzz_multiboot2.c - libFuzzer target for the boot path's
 * untrusted bytes: the Multiboot2 information structure, then what the
 * kernel does with an accepted one (memory map normalisation, command
 * line parsing).
 *
 * The input is copied into an 8-aligned heap block of exactly its size,
 * so ASan sees any read past it.  Every accepted MBI must give a
 * boot_info within its tables, and every normalised map must be sorted,
 * page-aligned, non-overlapping and free of reserved bytes; a broken
 * promise traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/boot/multiboot2.h"
#include "kernel/core/bootinfo.h"
#include "kernel/core/cmdline.h"
#include "kernel/mm/memmap.h"

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			__builtin_trap();                                      \
	} while (0)

static struct boot_info bi;
static struct mem_range ranges[BOOT_MAX_MEM_REGIONS + BOOT_MAX_RESERVED];
static struct cmdline cl;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_map(void)
{
	size_t n = 0;
	int err =
	    memmap_usable(&bi, ranges, sizeof(ranges) / sizeof(ranges[0]), &n);

	CHECK(err == 0 || err == -28 /* ENOSPC */);
	for (size_t i = 0; i < n; i++) {
		CHECK(ranges[i].base < ranges[i].end);
		CHECK(ranges[i].base % MEMMAP_PAGE_SIZE == 0);
		CHECK(ranges[i].end % MEMMAP_PAGE_SIZE == 0);
		CHECK(i == 0 || ranges[i - 1].end < ranges[i].base);
		for (uint32_t r = 0; r < bi.reserved_count; r++)
			CHECK(bi.reserved[r].end <= ranges[i].base ||
			      bi.reserved[r].start >= ranges[i].end);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *copy = malloc(size ? size : 1);
	const char *why = NULL;
	int err;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	err = mb2_parse_ex(copy, 0x100000, size, &bi, &why);
	free(copy);
	CHECK(why != NULL);
	if (err) {
		CHECK(err < 0);
		return 0;
	}
	CHECK(bi.mem_count <= BOOT_MAX_MEM_REGIONS);
	CHECK(bi.module_count <= BOOT_MAX_MODULES);
	CHECK(bi.reserved_count <= BOOT_MAX_RESERVED);
	CHECK(memchr(bi.cmdline, 0, sizeof(bi.cmdline)) != NULL);
	CHECK(memchr(bi.loader, 0, sizeof(bi.loader)) != NULL);
	CHECK(bi.rsdp_len == 0 || bi.rsdp_len == 20 || bi.rsdp_len == 36);
	check_map();
	(void)memmap_ram_top(&bi);
	(void)cmdline_parse(bi.cmdline, &cl);
	return 0;
}
