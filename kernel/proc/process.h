/*
 * kernel/proc/process.h - process descriptors and the process table.
 *
 * A process is an address space plus identity: the tasks that run in it
 * live in the per-CPU schedulers.  The table is an array of num_slots
 * descriptors (sized at boot by kernel/mm/tier.h) in storage the caller
 * provides.  A ProcessId names one incarnation of a slot: slot | generation
 * << 32 (spec ipc.md section 9).  Freeing a slot bumps its generation, so
 * an id kept after its process died never names the next occupant: every
 * lookup compares all 64 bits, and no lookup by slot alone exists.
 *
 * Locking: the table is a plain data structure.  Every function that takes
 * a struct proc_table requires the caller to hold PROCESS_TABLE (lock rank
 * 6, spec kernel.md section 2), which guards every field below unless a
 * field says otherwise.  A struct process pointer is only valid while that
 * lock is held (after it is dropped the slot may be freed and reused):
 * keep the ProcessId, not the pointer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

struct vma_set;

/** Names one incarnation of a process slot: slot | generation << 32. */
typedef uint64_t process_id_t;

/** Slots 0..2 hold kernel processes (spec ipc.md section 9). */
#define PROC_KERNEL_SLOTS 3u
/** First slot proc_alloc() hands out. */
#define PROC_FIRST_USER_SLOT PROC_KERNEL_SLOTS
/** Generation of the kernel processes, and of no user process ever. */
#define PROC_KERNEL_GENERATION 0u
/** Generation a user slot starts at (generation 0 is never handed out). */
#define PROC_FIRST_GENERATION 1u
/** Bytes of a Principal (an Ed25519 public key); all zero = none. */
#define PROC_PRINCIPAL_SIZE 32u
/** Bytes of a process name, NUL included. */
#define PROC_NAME_MAX 32u
/** Per-slot reset hooks a table accepts (capabilities, IPC, ...). */
#define PROC_MAX_RESET_HOOKS 4u

/** The id of incarnation generation of slot. */
static inline process_id_t pid_make(uint32_t slot, uint32_t generation)
{
	return (process_id_t)slot | (process_id_t)generation << 32;
}

/** The slot an id names (its low 32 bits). */
static inline uint32_t pid_slot(process_id_t id)
{
	return (uint32_t)id;
}

/** The generation an id names (its high 32 bits). */
static inline uint32_t pid_generation(process_id_t id)
{
	return (uint32_t)(id >> 32);
}

/** Life cycle of a slot.  FREE -> EMBRYO -> LIVE -> EXITING -> FREE. */
enum proc_state {
	PROC_FREE = 0, /**< unused; id and contents meaningless */
	PROC_EMBRYO,   /**< allocated, being built (loader) */
	PROC_LIVE,     /**< has runnable tasks; kernel processes */
	PROC_EXITING,  /**< exit code set, teardown under way */
};

/**
 * One process descriptor.  proc_free() clears everything except the
 * generation, so a field added here is reset on exit without extra code.
 *
 * Capabilities (IPC issue): the capability record of a slot lives in the
 * tier region's second array at the same index (kernel/mm/tier.h); its
 * owner registers a reset hook so that record, and a reply endpoint kept
 * there or added as a field here, is cleared when the slot is freed.
 */
struct process {
	process_id_t id;     /**< PROCESS_TABLE; valid unless FREE */
	uint32_t generation; /**< PROCESS_TABLE; survives free */
	uint8_t state;	     /**< PROCESS_TABLE; enum proc_state */
	bool kernel;	     /**< PROCESS_TABLE; one of slots 0..2 */
	uint32_t exit_code;  /**< PROCESS_TABLE; set by proc_begin_exit() */
	process_id_t parent; /**< PROCESS_TABLE; creator; kernel = 0 */
	uint64_t page_table_root; /**< PROCESS_TABLE; arch root, 0 = kernel */
	uint8_t principal[PROC_PRINCIPAL_SIZE]; /**< PROCESS_TABLE; 0 = none */
	/**
	 * The process's regions.  The pointer is set once by the creator
	 * under PROCESS_TABLE; the set itself is guarded by the process's
	 * address-space lock (the syscall issue adds it).  Owned by the
	 * creator: teardown releases it before proc_free().
	 */
	struct vma_set *vmas;
	uint32_t tasks;	       /**< PROCESS_TABLE; tasks not yet reaped */
	uint64_t created_tick; /**< PROCESS_TABLE; timer tick at creation */
	uint64_t user_frames;  /**< PROCESS_TABLE; frames mapped for it */
	uint64_t main_task;    /**< PROCESS_TABLE; task_id_t of its task */
	char name[PROC_NAME_MAX]; /**< PROCESS_TABLE; program name, for logs */
};

/** Called by proc_free() for the slot being freed, before it is cleared. */
typedef void (*proc_reset_fn)(void *ctx, uint32_t slot, process_id_t id);

/** The process table.  All fields guarded by PROCESS_TABLE. */
struct proc_table {
	struct process *slots; /**< caller's storage, num_slots entries */
	uint32_t num_slots;    /**< capacity including kernel slots */
	uint32_t used;	       /**< slots not FREE (kernel ones included) */
	uint32_t scan_from;    /**< no free user slot below this index */
	bool kernel_ready;     /**< proc_init_kernel_slots() has run */
	uint32_t hook_count;   /**< valid entries of hooks[] */
	struct {
		proc_reset_fn fn;      /**< reset function */
		void *ctx;	       /**< its first argument */
	} hooks[PROC_MAX_RESET_HOOKS]; /**< run in order by proc_free() */
};

/**
 * Make t manage storage[0, num_slots), which is cleared: every slot FREE,
 * user slots at generation PROC_FIRST_GENERATION.
 * Returns 0, or -EINVAL if t or storage is NULL or num_slots <
 * PROC_KERNEL_SLOTS.  Boot-time, single CPU: no lock needed yet.
 */
__must_check int proc_table_init(struct proc_table *t, struct process *storage,
				 uint32_t num_slots);

/**
 * Register fn(ctx, slot, id) to run for each slot proc_free() releases
 * (the capability table clears the slot's record and reply endpoint).
 * Hooks run with PROCESS_TABLE held and must not take locks ranked at or
 * below it.  Returns 0, -EINVAL for a NULL fn, -ENOSPC when
 * PROC_MAX_RESET_HOOKS are registered.  Boot-time.
 */
__must_check int proc_table_add_reset_hook(struct proc_table *t,
					   proc_reset_fn fn, void *ctx);

/**
 * Create the kernel processes in slots 0..2: LIVE, generation 0, ids 0, 1
 * and 2, no parent, page-table root 0.  Returns 0, or -EEXIST when already
 * done.  Caller holds PROCESS_TABLE (or runs single-threaded at boot).
 */
__must_check int proc_init_kernel_slots(struct proc_table *t);

/**
 * Take the first FREE slot from PROC_FIRST_USER_SLOT upward, put it in
 * EMBRYO state with the given parent, and return it in *out (its id in
 * (*out)->id).  All other fields are zero.  Returns 0, -ENOMEM when every
 * user slot is in use (spec syscalls.md: table exhaustion is OutOfMemory),
 * -EINVAL if out is NULL.  Caller holds PROCESS_TABLE.
 */
__must_check int proc_alloc(struct proc_table *t, process_id_t parent,
			    struct process **out);

/**
 * The process named by id, or NULL when id is stale (its slot was freed
 * since), out of range, or names a FREE slot.  Compares the full 64-bit
 * id.  Returns EMBRYO and EXITING processes too: callers check state.
 * Caller holds PROCESS_TABLE; the pointer dies with the lock.
 */
struct process *proc_lookup(struct proc_table *t, process_id_t id);

/** EMBRYO -> LIVE.  Returns 0, or -EINVAL from any other state. */
__must_check int proc_activate(struct process *p);

/**
 * Record exit code and move EMBRYO or LIVE to EXITING (teardown starts).
 * Returns 0, -EPERM for a kernel process, -EINVAL if already EXITING or
 * FREE.  Caller holds PROCESS_TABLE.
 */
__must_check int proc_begin_exit(struct process *p, uint32_t exit_code);

/**
 * Release the slot named by id: run the reset hooks, clear the whole
 * descriptor, bump the generation (wrapping from 2^32-1 to 1, skipping
 * the kernel generation 0) and mark it FREE.  The caller has already torn
 * down what the descriptor pointed to (address space, vmas, frames).
 * Only EMBRYO (creation failed) and EXITING processes may be freed.
 * Returns 0, -ENOENT if id is stale or FREE, -EPERM for a kernel process,
 * -EBUSY for a LIVE one (call proc_begin_exit() first).
 * Caller holds PROCESS_TABLE.
 */
__must_check int proc_free(struct proc_table *t, process_id_t id);

/** Callback of proc_for_each(); a non-zero return stops the walk. */
typedef int (*proc_visit_fn)(void *ctx, struct process *p);

/**
 * Call fn for each non-FREE slot in slot order; returns the first
 * non-zero value fn returned, else 0.  fn must not allocate or free slots.
 * Caller holds PROCESS_TABLE.
 */
int proc_for_each(struct proc_table *t, proc_visit_fn fn, void *ctx);

/** Slots in use, kernel processes included.  Caller holds PROCESS_TABLE. */
uint32_t proc_count_used(const struct proc_table *t);

/** User slots still FREE.  Caller holds PROCESS_TABLE. */
uint32_t proc_count_free(const struct proc_table *t);

/** True when p's Principal is all zero (none bound). */
bool proc_principal_is_none(const struct process *p);
