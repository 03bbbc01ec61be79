/*
 * kernel/sched/task.h - the task record and the global task table.
 *
 * A task is one schedulable thread of control.  Every task lives in one
 * slot of a single global table whose storage the boot code hands over
 * (task_table_init); a task_id_t names a slot together with a generation
 * counter that is bumped each time the slot is freed, so an id of a dead
 * task never names its successor (spec kernel.md "Known gaps": the
 * original's per-CPU slot numbers collided once treated as global).
 *
 * Locking (docs/scheduler.md "Locks"): the table lock guards allocation
 * and the id of each slot; the scheduling fields of a started task are
 * guarded by the run-queue lock of its home CPU; wait-queue links by the
 * wait queue's lock.  Each field below names its guard.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

struct arch_context;
struct process;
struct waitq;

/** Global task name: slot in the low 32 bits, generation in the high 32. */
typedef uint64_t task_id_t;

/** No task.  Generations start at 1, so no live task has id 0. */
#define TASK_ID_NONE ((task_id_t)0)

/** Slot index of an id. */
static inline uint32_t task_id_slot(task_id_t id)
{
	return (uint32_t)id;
}

/** Generation of an id. */
static inline uint32_t task_id_gen(task_id_t id)
{
	return (uint32_t)(id >> 32);
}

/** Build an id from a slot and a generation. */
static inline task_id_t task_id_make(uint32_t slot, uint32_t gen)
{
	return ((task_id_t)gen << 32) | slot;
}

/** Named priorities (spec kernel.md section 1). */
#define TASK_PRIO_IDLE	   0
#define TASK_PRIO_LOW	   64
#define TASK_PRIO_NORMAL   128
#define TASK_PRIO_HIGH	   192
#define TASK_PRIO_CRITICAL 255

/** Priority bands: band = min(priority / 64, 3). */
#define TASK_BANDS 4

/** Time slice: 10 ticks, 100 ms at 100 Hz. */
#define TASK_SLICE_TICKS 10

/**
 * Lock-order rank of the table lock: a leaf, above every other lock, since
 * nothing is taken while holding it (docs/scheduler.md "Locks").
 */
#define TASK_TABLE_LOCK_RANK 0xFF10u

/** home_cpu of a task not yet started on any CPU. */
#define TASK_CPU_NONE 0xFFFFu

/** Band of a priority, 0 (idle) .. 3 (high and critical). */
static inline unsigned task_prio_band(uint8_t prio)
{
	unsigned band = prio / 64u;

	return band < TASK_BANDS ? band : TASK_BANDS - 1;
}

/**
 * Task states (spec kernel.md section 1).  TASK_FREE marks an unused table
 * slot and is outside the life cycle.  A fresh task starts SUSPENDED (see
 * task_alloc) and leaves it through sched_start.
 */
enum task_state {
	TASK_FREE = 0,
	TASK_READY,
	TASK_RUNNING,
	TASK_BLOCKED,
	TASK_SUSPENDED,
	TASK_TERMINATED,
	TASK_STATE_COUNT
};

/** Why a task is blocked; arg is the kind's argument (see each). */
enum task_block_kind {
	TASK_BLOCK_NONE = 0,   /**< not blocked; arg 0 */
	TASK_BLOCK_MESSAGE,    /**< message on endpoint arg */
	TASK_BLOCK_SYNC_SEND,  /**< synchronous send to endpoint arg */
	TASK_BLOCK_SYNC_RECV,  /**< synchronous receive on endpoint arg */
	TASK_BLOCK_SYNC_REPLY, /**< reply on endpoint arg */
	TASK_BLOCK_IRQ,	       /**< interrupt line arg */
	TASK_BLOCK_SYNC_WAIT,  /**< generic synchronisation object arg */
	TASK_BLOCK_TIMER,      /**< until tick arg (a deadline) */
	TASK_BLOCK_DEBUGGER,   /**< held by a debugger; arg 0 */
	TASK_BLOCK_CHILD,      /**< child task arg (a task_id_t) exits */
	TASK_BLOCK_POLICY,     /**< policy query arg answered */
	TASK_BLOCK_BOOT_GATE,  /**< released by the boot chain; arg 0 */
	TASK_BLOCK_MESSAGE_ANY, /**< message on any endpoint of mask arg */
	TASK_BLOCK_KIND_COUNT
};

/** A typed block reason. */
struct task_block_reason {
	enum task_block_kind kind; /**< TASK_BLOCK_NONE when not blocked */
	uint64_t arg;		   /**< meaning depends on kind */
};

/** Shorthand constructor: task_block(TASK_BLOCK_IRQ, 5). */
static inline struct task_block_reason task_block(enum task_block_kind kind,
						  uint64_t arg)
{
	struct task_block_reason r = {kind, arg};

	return r;
}

/** Intrusive doubly-linked list node; unlinked when both are NULL. */
struct task_link {
	struct task_link *next; /**< toward the tail */
	struct task_link *prev; /**< toward the head */
};

/** FIFO of tasks threaded through one of their task_link fields. */
struct task_list {
	struct task_link *head; /**< first out */
	struct task_link *tail; /**< last in */
	uint32_t count;		/**< members */
};

/**
 * The task record.  "home lock" = the run-queue lock of home_cpu.  The
 * first five fields are also read without their lock, through __atomic
 * loads (marked "atomic"); they come first so that task_alloc can reset
 * the rest without ever writing them transiently.  Before sched_start the
 * creator owns every field.
 */
struct task {
	task_id_t id;	       /**< table lock (written); atomic */
	enum task_state state; /**< home lock; atomic */
	uint16_t home_cpu;     /**< both run-queue locks to change; atomic;
				    TASK_CPU_NONE before sched_start and
				    once freed */
	bool on_cpu;	       /**< home lock to set; the CPU's
				    sched_switch_finish clears it; atomic:
				    a CPU still uses this task's context */
	struct waitq *wq;      /**< set under home lock + wq lock, cleared
				    under the wq lock; atomic: the wait
				    queue this task is linked on */
	uint8_t priority;      /**< home lock */
	uint8_t slice;	       /**< home lock: ticks left of the slice */
	bool idle;	       /**< const: a CPU's idle task */
	bool pinned;	       /**< home lock: never migrated */
	bool on_queue;	       /**< home lock: linked in a run queue band */
	struct task_block_reason block;	    /**< home lock; kind != NONE
					       exactly when BLOCKED */
	struct task_block_reason suspended; /**< home lock: block reason a
					       SUSPENDED task returns to on
					       sched_resume (NONE: READY) */
	struct task_link rq_link;	    /**< home lock: run-queue band */
	struct task_link wq_link; /**< wq lock: wait-queue membership */
	task_id_t parent;	  /**< creator; TASK_ID_NONE for boot tasks */
	int64_t exit_code;	  /**< home lock; valid once TERMINATED */
	uint64_t runtime_ticks;	  /**< home lock: ticks spent RUNNING */
	struct arch_context *ctx; /**< saved context, owned by arch code */
	void *kstack;		  /**< kernel stack, owned by the lead's code */
	struct process *proc;	  /**< owning process, NULL for kernel tasks */
	bool reaped;		  /**< proc lock (kernel/proc/lifecycle.c):
				       terminated, off every CPU, stack and
				       context freed; the parent may collect */
};

/** Printable name of a state ("READY"); "?" when out of range. */
const char *task_state_name(enum task_state s);

/** Printable name of a block kind ("IRQ"); "?" when out of range. */
const char *task_block_kind_name(enum task_block_kind k);

/**
 * True when from -> to is a legal life-cycle transition (spec kernel.md
 * section 1, plus SUSPENDED -> TERMINATED, docs/scheduler.md "Deviations").
 * Transitions of the task that is still `current` before it is switched
 * out are described in docs/scheduler.md and not listed here.
 */
static inline bool task_state_legal(enum task_state from, enum task_state to)
{
	/*
	 * Bit 8 * to + from: to RUNNING from READY; to READY from RUNNING,
	 * BLOCKED or SUSPENDED; to BLOCKED from RUNNING or SUSPENDED; to
	 * SUSPENDED from READY, RUNNING or BLOCKED ("any non-Terminated": a
	 * second suspend is no transition); to TERMINATED from any of the
	 * four (SUSPENDED -> TERMINATED is ours: a held task must die).
	 * Inline: every switch checks two transitions.
	 */
	const uint64_t legal =
	    (0x02ull << (8 * TASK_RUNNING)) | (0x1Cull << (8 * TASK_READY)) |
	    (0x14ull << (8 * TASK_BLOCKED)) | (0x0Eull << (8 * TASK_SUSPENDED)) |
	    (0x1Eull << (8 * TASK_TERMINATED));

	if ((unsigned)from >= TASK_STATE_COUNT || (unsigned)to >= TASK_STATE_COUNT)
		return false;
	return (legal >> (8 * (unsigned)to + (unsigned)from)) & 1;
}

/**
 * True when r is a reason a task may block with: kind in range and not
 * NONE; kinds documented "arg 0" must have arg 0.
 */
static inline bool task_block_reason_valid(struct task_block_reason r)
{
	switch (r.kind) {
	case TASK_BLOCK_DEBUGGER:
	case TASK_BLOCK_BOOT_GATE:
		return r.arg == 0;
	case TASK_BLOCK_MESSAGE:
	case TASK_BLOCK_SYNC_SEND:
	case TASK_BLOCK_SYNC_RECV:
	case TASK_BLOCK_SYNC_REPLY:
	case TASK_BLOCK_IRQ:
	case TASK_BLOCK_SYNC_WAIT:
	case TASK_BLOCK_TIMER:
	case TASK_BLOCK_POLICY:
		return true;
	case TASK_BLOCK_MESSAGE_ANY:
		return r.arg != 0;
	case TASK_BLOCK_CHILD:
		return r.arg != TASK_ID_NONE;
	case TASK_BLOCK_NONE:
	case TASK_BLOCK_KIND_COUNT:
		break;
	}
	return false;
}

/**
 * Hand the table its storage: n slots at slots, all made free, each with
 * generation 1.  Forgets any previous table: call once at boot before
 * any other task_* function, with no other CPU running (tests call it per
 * case).  Panics when n is 0 or does not fit a 32-bit slot number.
 * Takes no lock.
 */
void task_table_init(struct task *slots, size_t n);

/**
 * Take the first free slot and make it a fresh task: SUSPENDED, never
 * started (home_cpu TASK_CPU_NONE), the given priority and parent, a full
 * slice, no block reason, all pointers NULL.  The slot keeps its
 * generation, so the id differs from every earlier task of the slot.
 * Returns 0 and *out, or -ENOMEM when every slot is in use.
 * Takes the table lock, a leaf (TASK_TABLE_LOCK_RANK): callable with any
 * other kernel lock held, in any interrupt state.
 */
__must_check int task_alloc(uint8_t priority, task_id_t parent,
			    struct task **out);

/**
 * Return t's slot to the table and bump its generation so every id of t
 * goes stale.  Allowed for a TERMINATED task that no CPU still runs
 * (on_cpu clear) and for a task never started.  Returns 0; -EBUSY when
 * t is in another state, queued, on a wait queue or still on a CPU (a
 * CPU finishing its switch away: retry later); -EPERM for an idle task.
 * Panics when t is not a used slot of the table (kernel bug).
 * Takes the table lock.
 */
__must_check int task_free(struct task *t);

/**
 * The task named by id, or NULL when id is out of range, names a free
 * slot or carries a stale generation.  The pointer stays valid storage
 * forever, but the task may be freed at any time after the call; code
 * that keeps it must re-check (the sched_* functions taking ids do).
 * Takes the table lock.
 */
struct task *task_lookup(task_id_t id);

/** Number of slots given to task_table_init (0 before it). No lock. */
size_t task_table_size(void);

/** Slots in use now (a snapshot).  Takes the table lock. */
size_t task_table_used(void);

/**
 * Slot i of the table, used or free, for scans (invariant checks, wake by
 * reason); NULL when i is out of range.  Read its fields under the locks
 * named in struct task, or with __atomic loads.  No lock.
 */
struct task *task_table_slot(size_t i);
