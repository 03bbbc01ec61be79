/*
 * kernel/syscall/sys_obj.h - the object syscalls (spec syscalls.md 14
 * ObjPut, 15 ObjGet, 16 ObjDelete, 17 ObjList, 18 ClaimBootstrapKey, 19
 * ObjPutSigned; storage.md; docs/storage.md "In the kernel").  Handlers
 * of the dispatcher in kernel/syscall/syscall.c: a[] holds the six raw
 * argument registers; the gates have run.
 */
#pragma once

#include <stdint.h>

int64_t sys_obj_put(const uint64_t a[6]);
int64_t sys_obj_get(const uint64_t a[6]);
int64_t sys_obj_delete(const uint64_t a[6]);
int64_t sys_obj_list(const uint64_t a[6]);
int64_t sys_claim_bootstrap_key(const uint64_t a[6]);
int64_t sys_obj_put_signed(const uint64_t a[6]);

/**
 * SysInfo kind SYSINFO_STORE (abi/sysinfo.h): the store's state and the
 * block client's counters into user address out (len >= 48).  Returns
 * the bytes written or -EINVAL.
 */
int64_t sysinfo_store(uint64_t out, uint64_t len);
