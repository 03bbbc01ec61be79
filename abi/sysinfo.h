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
	SYSINFO_IPC = 2,   /**< struct sysinfo_ipc */
	SYSINFO_PROCS = 3, /**< struct sysinfo_proc records */
	SYSINFO_STORE = 4, /**< struct sysinfo_store */
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
	uint32_t cpu;	   /**< CPU the caller runs on (was reserved, 0) */
};

#define SYSINFO_SCHED_MIN 24 /**< smallest len accepted for SYSINFO_SCHED */

_Static_assert(offsetof(struct sysinfo_sched, online_cpus) == 0, "sched");
_Static_assert(offsetof(struct sysinfo_sched, tasks) == 4, "sched");
_Static_assert(offsetof(struct sysinfo_sched, ticks) == 8, "sched");
_Static_assert(offsetof(struct sysinfo_sched, tick_hz) == 16, "sched");
_Static_assert(offsetof(struct sysinfo_sched, cpu) == 20, "sched");
_Static_assert(sizeof(struct sysinfo_sched) == SYSINFO_SCHED_MIN,
	       "sched record");

/**
 * Kind SYSINFO_IPC: kernel objects of the IPC issue, for leak checks and
 * the shell's `caps`.
 */
struct sysinfo_ipc {
	uint32_t endpoints_owned; /**< endpoints with a registered owner */
	uint32_t cap_entries;	  /**< (process, endpoint) pairs holding rights */
	uint32_t channels;	  /**< channel slots in use */
	uint32_t queued;	  /**< messages queued on all endpoints */
	uint64_t sent;		  /**< messages queued since boot */
	uint64_t received;	  /**< messages taken off queues since boot */
	uint64_t audit_emitted;	  /**< audit events accepted since boot */
	uint64_t audit_dropped;	  /**< audit events lost since boot */
};

#define SYSINFO_IPC_MIN 48 /**< smallest len accepted for SYSINFO_IPC */

_Static_assert(offsetof(struct sysinfo_ipc, channels) == 8, "ipc");
_Static_assert(offsetof(struct sysinfo_ipc, sent) == 16, "ipc");
_Static_assert(offsetof(struct sysinfo_ipc, audit_dropped) == 40, "ipc");
_Static_assert(sizeof(struct sysinfo_ipc) == SYSINFO_IPC_MIN, "ipc record");

/**
 * Kind SYSINFO_PROCS: one record per live process (kernel processes
 * included), in slot order, as many as fit in len (at least one record's
 * worth, else -EINVAL).  Returns the bytes written, a multiple of the
 * record size; fewer than all when the buffer is short.
 */
struct sysinfo_proc {
	uint64_t pid;	       /**< ProcessId (slot | generation << 32) */
	uint64_t parent;       /**< creator's ProcessId, 0 = kernel */
	uint64_t created_tick; /**< timer tick at creation */
	uint32_t state;	       /**< 1 being created, 2 live, 3 exiting */
	uint32_t kernel;       /**< 1 for kernel processes 0..2 */
	char name[32];	       /**< program name, NUL-terminated */
};

#define SYSINFO_PROC_SIZE 64 /**< bytes of one struct sysinfo_proc */

_Static_assert(offsetof(struct sysinfo_proc, state) == 24, "proc");
_Static_assert(offsetof(struct sysinfo_proc, name) == 32, "proc");
_Static_assert(sizeof(struct sysinfo_proc) == SYSINFO_PROC_SIZE, "proc record");

/**
 * Kind SYSINFO_STORE: the kernel's object store and its block client
 * (docs/services.md).  Asking may switch the store to the disk, as any
 * object operation does.
 */
struct sysinfo_store {
	uint32_t kind;		/**< 0 RAM, 1 disk, 2 offline */
	int32_t error;		/**< offline: why (a negative errno), else 0 */
	uint64_t capacity;	/**< object slots */
	uint64_t used;		/**< objects stored */
	uint64_t blk_requests;	/**< requests sent to the block driver */
	uint64_t blk_timeouts;	/**< of those, timed out */
	uint64_t blk_errors;	/**< of those, answered with an error */
};

#define SYSINFO_STORE_MIN 48 /**< bytes of struct sysinfo_store */

_Static_assert(offsetof(struct sysinfo_store, capacity) == 8, "store");
_Static_assert(offsetof(struct sysinfo_store, blk_errors) == 40, "store");
_Static_assert(sizeof(struct sysinfo_store) == SYSINFO_STORE_MIN,
	       "store record");
