/*
 * kernel/arch/x86_64/usercopy.h - the fault-recovering user copy's
 * connection to the trap handler and the CPU setup.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/** CR4.SMAP is on: user copies bracket their access with stac/clac. */
extern bool x86_smap_enabled;

/**
 * A kernel-mode page fault at *rip: when *rip is one of the user-copy
 * string instructions, redirect it to the copy's failure return and
 * return true (the fault is handled); otherwise false.
 */
bool x86_user_copy_fixup(uint64_t *rip);
