/*
 * kernel/proc/lifecycle.h - processes from birth to reaping: boot modules,
 * loading signed programs, exit, faults, waiting for children.
 *
 * A process has one task (its thread) in this version.  Everything that
 * changes a process's address space runs in that task's own context, so
 * the address space needs no lock of its own yet.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/proc/process.h"
#include "kernel/sched/task.h"

struct boot_info;
struct process;
struct vma;

/** Longest boot-module name (spec: 64-byte spawn registry entries). */
#define PROC_MODULE_NAME_MAX	64

/**
 * Set up the process and task tables (sized by the tier policy from the
 * free memory now), the trusted key for signed programs, and the registry
 * of boot modules.  Boot CPU, once, after the heap works.  Panics when the
 * tables cannot be allocated (nothing can run without them).
 */
void proc_init(const struct boot_info *bi, const uint8_t bootstrap_key[32]);

/**
 * Load every boot module as a process, in order: the first READY, each
 * later one BLOCKED on the boot gate until the one before calls
 * ModuleReady.  A module that fails verification is refused with one log
 * line and skipped.  Tasks are spread over the online CPUs.  Returns the
 * number started.
 */
unsigned proc_start_boot_modules(void);

/**
 * Create a process running the boot module called name (len bytes, not
 * NUL-terminated) as a child of the current task, READY on some CPU.
 * Returns its task id (> 0), or -EINVAL (no such module), -ENOEXEC /
 * -EBADSIG / -ENOSIG (refused by the verifier) or -ENOMEM.
 */
int64_t proc_spawn(const char *name, size_t len);

/**
 * Wait until the child task id of the current task has exited; return its
 * exit code and release it.  -EINVAL when id names no task, -EPERM when it
 * is not the caller's child.
 */
int64_t proc_wait_task(task_id_t id);

/** End the current process with code.  Never returns. */
void proc_exit_current(int64_t code) __attribute__((noreturn));

/**
 * Free what is left of a terminated task once no CPU runs it: kernel
 * stack, context, and its slot unless its parent will collect it.
 * Called by the scheduler glue with interrupts off, no lock held.
 */
void proc_reap_task(struct task *dead);

/** Advance the boot gate on behalf of the current task (ModuleReady). */
void proc_module_ready(void);

/** The current task's process, NULL for kernel tasks. */
struct process *proc_current(void);

struct sysinfo_proc;

/**
 * Records of live processes (SysInfo SYSINFO_PROCS) into out, in slot
 * order: the first skip passed over, then up to max; returns how many.
 * A snapshot under the process table.
 */
size_t proc_snapshot(struct sysinfo_proc *out, size_t skip, size_t max);

/** Live processes, tasks in use and task slots, for SysInfo. */
void proc_counts(uint32_t *procs, uint32_t *tasks, uint32_t *task_slots);

/* --- Address-space regions ------------------------------------------------
 * A process changes its own region set, except that a channel's other
 * party may unmap the channel from it; these functions take the slot's
 * address-space lock around the set, never across a TLB shootdown. */

/**
 * vma_alloc in p's region set (p is the caller's own process).  Returns
 * vma_alloc's result, or -EINVAL when p's set is gone (exiting).
 */
int proc_vma_alloc(struct process *p, uint64_t pages, uint32_t flags,
		   uint32_t kind, uint64_t tag, uint64_t *base);

/**
 * Remove p's region starting exactly at base if its kind is in kinds
 * (bit n = enum vma_kind n); *out (may be NULL) gets it.  The pages stay
 * mapped: the caller unmaps them.  Returns 0 or -EINVAL.
 */
int proc_vma_remove(struct process *p, uint64_t base, uint32_t kinds,
		    struct vma *out);

/**
 * The lowest region of p of kind kind into *out (may be NULL).  Returns 0,
 * or -ENOENT when p has none (or its set is gone).
 */
int proc_vma_find_kind(struct process *p, uint32_t kind, struct vma *out);

/**
 * Map [phys, phys + pages * 4 KiB) - frames the process does not own -
 * into the caller's address space as a region of kind (VMA_KIND_CHANNEL,
 * VMA_KIND_AUDIT) tagged tag, user-readable, writable when writable.
 * pid must be the caller's own ProcessId (-EINVAL otherwise).  *vaddr
 * gets the address.  Returns 0, -EINVAL or -ENOMEM; on failure nothing
 * stays mapped.
 */
int proc_map_shared(process_id_t pid, uint64_t phys, uint64_t pages,
		    bool writable, uint32_t kind, uint64_t tag, uint64_t *vaddr);

/**
 * Unmap the shared region of pages pages at vaddr from process pid (any
 * process, any task context) and shoot it down from every TLB before
 * returning.  Nothing happens when pid is gone, its address space is
 * being torn down, or no such region exists.  No lock may be held.
 */
void proc_unmap_shared(process_id_t pid, uint64_t vaddr, uint64_t pages);

/**
 * Copy len bytes between buf and physical memory [phys, phys + len), which
 * must lie inside one DMA area (AllocDma) process pid holds now: to_dma
 * writes the area, else reads it (buf NULL: only check the range is
 * there).  The copy runs under pid's region lock,
 * so the area cannot be freed under it.  Returns 0; -EPERM when no DMA
 * area of pid covers the range; -ENOENT when pid is gone; -EINVAL for bad
 * arguments.  Any task context, no lock held.  For kernel clients of
 * user-space drivers (the disk store's shared page, docs/storage.md).
 */
int proc_dma_copy(process_id_t pid, uint64_t phys, void *buf, size_t len,
		  bool to_dma);

/**
 * TaskProcess (40): the ProcessId of the process running task, which
 * must be a child of the current task; the caller's own for task 0.
 * -EPERM for any other task, -ENOENT when the child has exited.
 */
int64_t proc_task_process(task_id_t task);
