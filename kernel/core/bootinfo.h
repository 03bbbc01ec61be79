/*
 * kernel/core/bootinfo.h - what the kernel knows about the machine at boot.
 *
 * One boot-protocol adapter per boot path (multiboot2 on x86_64, a device
 * tree adapter on AArch64 and RISC-V) fills a struct boot_info; nothing
 * else in the kernel reads bootloader structures.  All addresses are
 * physical.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define BOOT_MAX_MEM_REGIONS	128
#define BOOT_MAX_MODULES	16
#define BOOT_MAX_RESERVED	32
#define BOOT_CMDLINE_MAX	256
#define BOOT_NAME_MAX		192

/** Kinds of physical memory, as reported by firmware. */
enum boot_mem_type {
	BOOT_MEM_USABLE = 1,	/**< free RAM the kernel may allocate */
	BOOT_MEM_RESERVED = 2,	/**< firmware or device memory: never touch */
	BOOT_MEM_ACPI_RECLAIM = 3, /**< ACPI tables; RAM once parsed */
	BOOT_MEM_ACPI_NVS = 4,	/**< ACPI non-volatile storage */
	BOOT_MEM_BAD = 5,	/**< defective RAM */
};

/** One physical memory range [base, base + length). */
struct boot_mem_region {
	uint64_t base;		/**< first byte */
	uint64_t length;	/**< size in bytes, never 0 */
	uint32_t type;		/**< enum boot_mem_type */
};

/** A boot module (a file the bootloader loaded next to the kernel). */
struct boot_module {
	uint64_t start;		/**< first byte */
	uint64_t end;		/**< one past the last byte */
	char name[BOOT_NAME_MAX]; /**< module command line, NUL-terminated */
};

/** A physical range the frame allocator must not hand out. */
struct boot_reserved {
	uint64_t start;		/**< first byte */
	uint64_t end;		/**< one past the last byte */
};

/** Linear framebuffer set up by the firmware or bootloader. */
struct boot_framebuffer {
	uint64_t addr;		/**< physical address of pixel (0, 0) */
	uint32_t pitch;		/**< bytes per scan line */
	uint32_t width;		/**< pixels */
	uint32_t height;	/**< pixels */
	uint8_t bpp;		/**< bits per pixel */
	uint8_t type;		/**< 1 = direct RGB; others unused */
	uint8_t red_shift;	/**< colour fields of a direct-RGB buffer: */
	uint8_t red_size;	/**< bit position and width of each channel */
	uint8_t green_shift;	/**< in a pixel (0 when the tag has none) */
	uint8_t green_size;
	uint8_t blue_shift;
	uint8_t blue_size;
};

/** Everything the boot adapter hands to the portable kernel. */
struct boot_info {
	struct boot_mem_region mem[BOOT_MAX_MEM_REGIONS]; /**< firmware map */
	uint32_t mem_count;	/**< valid entries in mem[] */
	struct boot_module modules[BOOT_MAX_MODULES]; /**< in load order */
	uint32_t module_count;	/**< valid entries in modules[] */
	struct boot_reserved reserved[BOOT_MAX_RESERVED]; /**< boot structures */
	uint32_t reserved_count; /**< valid entries in reserved[] */
	char cmdline[BOOT_CMDLINE_MAX]; /**< kernel command line */
	char loader[BOOT_NAME_MAX]; /**< bootloader name, "" if unknown */
	struct boot_framebuffer fb; /**< valid when has_fb */
	bool has_fb;		/**< a framebuffer was reported */
	uint64_t rsdp;		/**< physical address of the ACPI RSDP copy, 0 if none */
	uint8_t rsdp_copy[36];	/**< RSDP bytes as reported (v1: 20, v2: 36) */
	uint32_t rsdp_len;	/**< valid bytes in rsdp_copy, 0 if none */
	uint32_t dropped;	/**< entries dropped because a table was full */
};
