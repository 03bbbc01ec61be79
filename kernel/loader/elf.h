/*
 * kernel/loader/elf.h - ELF64 parser, structural verifier and page planner
 * for user programs (spec security.md §4, §5; limits kernel.md §5).
 *
 * Three steps, each on caller-provided storage (nothing is allocated):
 *   elf_parse()       header and program-header checks; collects PT_LOAD
 *   elf_verify()      the deny rules: kernel space, W^X, overlap, memory,
 *                     entry, and W^X of pages that two segments share
 *   elf_plan_pages()  the pages the loader maps, with the merged permission
 *                     of every segment touching each page, and the copies
 * The input is untrusted: every offset and size is checked with
 * overflow-safe arithmetic and no field is read outside [data, data + len).
 * The buffer may have any alignment.  Portable: the machine to accept is a
 * parameter.  docs/security.md describes the rules as implemented.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/loader/verdict.h"

/** e_machine values the kernel can run. */
enum elf_machine {
	ELF_MACHINE_X86_64 = 0x3E,  /**< EM_X86_64 */
	ELF_MACHINE_AARCH64 = 0xB7, /**< EM_AARCH64 */
	ELF_MACHINE_RISCV = 0xF3,   /**< EM_RISCV (64-bit class only) */
};

/** Segment permission bits, as in p_flags (others are dropped). */
#define ELF_PF_X    1u
#define ELF_PF_W    2u
#define ELF_PF_R    4u
#define ELF_PF_MASK (ELF_PF_R | ELF_PF_W | ELF_PF_X)

#define ELF_EHDR_SIZE 64u     /**< sizeof(Elf64_Ehdr) */
#define ELF_PHDR_SIZE 56u     /**< sizeof(Elf64_Phdr); e_phentsize must match */
#define ELF_MAX_LOAD  16u     /**< at most this many PT_LOAD segments */
#define ELF_PAGE_SIZE 4096ull /**< granule of the page plan */
/** Every segment must end at or below this address (all architectures). */
#define ELF_USER_CEILING 0x0000800000000000ull
/** Limit on the sum of p_memsz over all PT_LOAD segments. */
#define ELF_MAX_TOTAL_MEMSZ (256ull << 20)
/** Page runs a plan can hold: 16 segments give at most 31 distinct runs. */
#define ELF_PLAN_MAX_RUNS (2u * ELF_MAX_LOAD)

/** One PT_LOAD segment, as read from its program header. */
struct elf_segment {
	uint64_t vaddr;	 /**< p_vaddr: first byte in user memory */
	uint64_t memsz;	 /**< p_memsz: bytes in memory, >= filesz */
	uint64_t offset; /**< p_offset: first byte in the file */
	uint64_t filesz; /**< p_filesz: bytes copied; the rest is zero */
	uint32_t flags;	 /**< p_flags & ELF_PF_MASK */
	uint16_t phidx;	 /**< index of its program header (for logs) */
};

/** A parsed executable.  Borrows the bytes: keep them alive while used. */
struct elf_image {
	const uint8_t *data;  /**< ELF bytes, trailer already removed */
	size_t len;	      /**< length of data */
	uint64_t entry;	      /**< e_entry */
	uint64_t total_memsz; /**< sum of memsz over seg[] */
	uint16_t machine;     /**< e_machine */
	uint16_t nseg;	      /**< entries in seg[], 1..ELF_MAX_LOAD */
	struct elf_segment seg[ELF_MAX_LOAD]; /**< PT_LOADs sorted by vaddr */
};

/** Consecutive user pages that get the same permissions. */
struct elf_page_run {
	uint64_t vaddr;	 /**< first page, ELF_PAGE_SIZE-aligned */
	uint64_t npages; /**< pages in the run, >= 1 */
	uint32_t prot;	 /**< union of the flags of every segment on them */
};

/** File bytes to copy into fresh zeroed pages (one per segment). */
struct elf_copy {
	uint64_t vaddr;	 /**< destination user address */
	uint64_t offset; /**< source offset in elf_image.data */
	uint64_t len;	 /**< bytes to copy, > 0 */
};

/**
 * Everything the loader does to build the address space:
 *   for each run: allocate run.npages zeroed frames, map them at run.vaddr
 *     user-accessible, writable iff ELF_PF_W, executable iff ELF_PF_X;
 *   for each copy: copy data[offset, offset + len) to vaddr (through the
 *     frames, not the user mapping, since the page may be read-only);
 *   start the task at entry.
 * Runs are sorted, page-aligned, disjoint; adjacent runs differ in prot.
 * No run is both writable and executable.  Copies lie inside runs.
 */
struct elf_plan {
	uint64_t entry;	  /**< user entry point, inside an X run */
	uint64_t npages;  /**< sum of run[].npages: frames to allocate */
	uint32_t nruns;	  /**< entries in run[] */
	uint32_t ncopies; /**< entries in copy[] */
	struct elf_page_run run[ELF_PLAN_MAX_RUNS]; /**< pages to map */
	struct elf_copy copy[ELF_MAX_LOAD];	    /**< bytes to copy */
};

/**
 * Parse an ELF64 executable for `machine` (enum elf_machine) from
 * data[0, len): header checks, program headers inside the file, 1..16
 * PT_LOAD each with p_filesz <= p_memsz and its file bytes inside the file,
 * no PT_INTERP.  Fills *img with the PT_LOAD segments sorted by vaddr.
 *
 * Returns 0, or -ETRUNC (something lies past the end of the data),
 * -ENOEXEC (not an ELF64 LE executable for this machine) or -ECORRUPT
 * (inconsistent program headers), with deny LOADER_DENY_MALFORMED and the
 * reason in *v (v may be NULL).  *img is unspecified on failure.
 * Does not apply the deny rules: call elf_verify() next.
 */
__must_check int elf_parse(const void *data, size_t len, uint16_t machine,
			   struct elf_image *img, struct loader_verdict *v);

/**
 * Apply the deny rules to a parsed image, in this order: per segment
 * SegmentInKernelSpace (end above ELF_USER_CEILING or overflowing) and
 * WritableAndExecutable; then OverlappingSegments; ExcessiveMemory
 * (sum of p_memsz > ELF_MAX_TOTAL_MEMSZ); EntryPointOutOfRange (entry not
 * inside a segment that has ELF_PF_X); WritableAndExecutable for a page
 * that a writable and an executable segment share.  Sets img->total_memsz.
 *
 * Returns 0, or -EPERM with the deny code and reason in *v (v may be NULL),
 * or -EINVAL for an image with no or too many segments (not parsed).
 * Precondition: elf_parse() succeeded on img.
 */
__must_check int elf_verify(struct elf_image *img, struct loader_verdict *v);

/**
 * Compute the page plan of a verified image: the pages covered by each
 * segment, every page's permission being the union of the flags of all
 * segments that touch it (so a page shared by RO and RW data is writable),
 * merged into runs; and one copy per segment with file bytes.
 *
 * Returns 0, or -EPERM (deny WritableAndExecutable) if a page would be
 * both writable and executable, or -EINVAL if img breaks the precondition;
 * *plan is unspecified on failure.  Precondition: elf_verify() succeeded.
 */
__must_check int elf_plan_pages(const struct elf_image *img,
				struct elf_plan *plan,
				struct loader_verdict *v);

/**
 * True when vaddr lies in a page of the plan; its permission goes to *prot
 * (may be NULL).
 */
bool elf_plan_lookup(const struct elf_plan *plan, uint64_t vaddr,
		     uint32_t *prot);

/**
 * True when any page of the plan intersects [start, end) (end > start):
 * for the loader to refuse images that collide with regions it reserves,
 * such as the user stack (deny LOADER_DENY_POLICY).
 */
bool elf_plan_overlaps(const struct elf_plan *plan, uint64_t start,
		       uint64_t end);
