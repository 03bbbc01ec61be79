/*
 * abi/sysinfo.h - output records of SysInfo (syscall 38), a CambiOS-C
 * extension (docs/abi.md "Deviations"): memory and scheduler counters for
 * tests and the shell's `mem` and `ps`.
 *
 * sys_sysinfo(kind, buf, len): the kernel writes min(len, record size)
 * bytes of the kind's record and returns that count.  Errors: -EINVAL for
 * an unknown kind, len below the kind's minimum (the size of its first
 * version, SYSINFO_*_MIN), or a bad buffer.  Records only ever grow at the
 * end, so a program built against an older header keeps working.  All
 * fields little-endian, naturally aligned, no padding; values are a
 * snapshot and may be stale by the time they are read.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/** SysInfo kinds (argument a1). */
enum sysinfo_kind {
	SYSINFO_MEM = 0,   /**< struct sysinfo_mem */
	SYSINFO_SCHED = 1, /**< struct sysinfo_sched */
};

/** Kind SYSINFO_MEM: physical frames and kernel heap. */
struct sysinfo_mem {
	uint64_t total_frames;	  /**< 4 KiB frames the allocator manages */
	uint64_t free_frames;	  /**< of those, free now (incl. CPU caches) */
	uint64_t heap_used_bytes; /**< kernel heap bytes allocated */
	uint64_t heap_pages;	  /**< pages backing the kernel heap */
};

#define SYSINFO_MEM_MIN 32 /**< smallest len accepted for SYSINFO_MEM */

_Static_assert(offsetof(struct sysinfo_mem, total_frames) == 0, "mem");
_Static_assert(offsetof(struct sysinfo_mem, free_frames) == 8, "mem");
_Static_assert(offsetof(struct sysinfo_mem, heap_used_bytes) == 16, "mem");
_Static_assert(offsetof(struct sysinfo_mem, heap_pages) == 24, "mem");
_Static_assert(sizeof(struct sysinfo_mem) == SYSINFO_MEM_MIN, "mem record");

/** Kind SYSINFO_SCHED: CPUs, time and tasks. */
struct sysinfo_sched {
	uint32_t online_cpus; /**< CPUs running the scheduler */
	uint32_t tasks;	   /**< live tasks on all CPUs, idle tasks excluded */
	uint64_t ticks;	   /**< timer ticks since boot (as GetTime) */
	uint32_t tick_hz;  /**< ticks per second (100) */
	uint32_t reserved; /**< 0 */
};

#define SYSINFO_SCHED_MIN 24 /**< smallest len accepted for SYSINFO_SCHED */

_Static_assert(offsetof(struct sysinfo_sched, online_cpus) == 0, "sched");
_Static_assert(offsetof(struct sysinfo_sched, tasks) == 4, "sched");
_Static_assert(offsetof(struct sysinfo_sched, ticks) == 8, "sched");
_Static_assert(offsetof(struct sysinfo_sched, tick_hz) == 16, "sched");
_Static_assert(offsetof(struct sysinfo_sched, reserved) == 20, "sched");
_Static_assert(sizeof(struct sysinfo_sched) == SYSINFO_SCHED_MIN,
	       "sched record");
