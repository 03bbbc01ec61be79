/*
 * kernel/proc/lifecycle.h - processes from birth to reaping: boot modules,
 * loading signed programs, exit, faults, waiting for children.
 *
 * A process has one task (its thread) in this version.  Everything that
 * changes a process's address space runs in that task's own context, so
 * the address space needs no lock of its own yet.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/sched/task.h"

struct boot_info;
struct process;

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

/** Live processes, tasks in use and task slots, for SysInfo. */
void proc_counts(uint32_t *procs, uint32_t *tasks, uint32_t *task_slots);
