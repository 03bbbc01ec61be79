/*
 * kernel/mm/uaccess.h - copying between the kernel and a user address space.
 *
 * The kernel never dereferences a user pointer: it translates each page
 * through the process's page tables and copies through the direct map
 * (spec syscalls.md section 4).  Every check a user pointer needs is here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Largest single copy (spec: MAX_USER_BUFFER). */
#define UACCESS_MAX	4096

/** A user-space address: an integer, so it cannot be dereferenced. */
typedef uintptr_t uaddr_t;

/**
 * Copy len bytes from user address src in address space root to dst.
 * Returns 0, or -EINVAL when root is 0 (no user space), len exceeds
 * UACCESS_MAX, the range wraps or crosses the user ceiling, or any page is
 * not mapped user-accessible.  Nothing is copied on error.  len 0 succeeds.
 * The caller holds the process's address-space lock.
 */
int copy_from_user(uint64_t root, void *dst, uaddr_t src, size_t len);

/**
 * Copy len bytes from src to user address dst; as copy_from_user, and every
 * page must also be writable.  Nothing is written on error.
 */
int copy_to_user(uint64_t root, uaddr_t dst, const void *src, size_t len);

/** True when [addr, addr + len) lies below the user ceiling without wrapping. */
bool uaccess_range_ok(uaddr_t addr, size_t len);
