/*
 * kernel/core/ksyms.h - the kernel's own symbol table, for backtraces.
 *
 * The build links the kernel twice: the second link adds a table of the
 * text symbols of the first (tools/gen_ksyms.py).  Text addresses do not
 * move between the two links because the table lives in .rodata, after
 * .text.
 */
#pragma once

#include <stdint.h>

/**
 * Name of the function containing addr and addr's offset into it, or NULL
 * when addr is outside every known function (or the table is empty).
 */
const char *ksyms_lookup(uintptr_t addr, uintptr_t *offset);
