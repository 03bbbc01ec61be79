/*
 * kernel/loader/verify.h - the whole check of a binary before it is loaded
 * (spec security.md §3, §4): signature, then ELF structure and deny rules,
 * then the page plan.  This is what the kernel loader calls.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/loader/verdict.h"

struct arcsig_keyring;
struct elf_image;
struct elf_plan;

/**
 * Check data[0, len), a signed binary, for machine (enum elf_machine):
 *   1. ARCSIG trailer present                   else MissingSignature
 *   2. signature valid under a key of kr        else InvalidSignature
 *   3. elf_parse() on the bytes before the trailer   else MalformedElf
 *   4. elf_verify(): the deny rules 0..4 and shared-page W^X
 *   5. elf_plan_pages()
 * Nothing is allocated: *img and *plan are the caller's (about 2 KiB
 * together; keep them off small stacks).  On success the plan says what to
 * map and copy, and *key_index (may be NULL) which trusted key signed.
 *
 * Returns 0 or the first failing step's negative error (-ENOSIG,
 * -EBADSIG, -ETRUNC, -ENOEXEC, -ECORRUPT, -EPERM), with deny code and
 * reason in *v (may be NULL).  data must stay unchanged while the plan's
 * copies are carried out: they refer to it by offset.
 */
__must_check int loader_verify_binary(const struct arcsig_keyring *kr,
				      const void *data, size_t len,
				      uint16_t machine, struct elf_image *img,
				      struct elf_plan *plan, int *key_index,
				      struct loader_verdict *v);
