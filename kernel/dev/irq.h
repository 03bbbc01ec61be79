/*
 * kernel/dev/irq.h - device interrupt lines for kernel handlers and user
 * drivers (WaitIrq, spec syscalls.md section 5 row 5; docs/devices.md).
 *
 * A table of IRQ_LINES lines (GSIs 0..223).  A line has at most one of:
 * a kernel handler (registered at boot: the console's receive line), or a
 * user owner, the first process that called WaitIrq on it.  Per line the
 * table keeps a pending count of interrupts not yet reported to the
 * owner and the owner's waiting task.
 *
 * The interrupt path (irq_dispatch) never waits for a lock an interrupted
 * context could hold: it counts, masks a level-triggered user line at the
 * interrupt controller (unmasked again when the owner next calls
 * WaitIrq, the classic user-driver pattern), and wakes the waiter with
 * try-locks only.  A wake that finds the waiter's run queue busy is
 * retried by irq_tick on the next timer interrupt; the pending count
 * means no interrupt is lost meanwhile.
 *
 * Locking: the table lock (LOCK_RANK_DEVIRQ) guards owners and routing;
 * interrupt context reads the line fields it needs with atomic loads.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/sched/task.h"

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

/** Interrupt lines; WaitIrq's irq >= this is -EINVAL (spec). */
#define IRQ_LINES 224u

/** A kernel interrupt handler; interrupt context, try-locks only. */
typedef void (*irq_handler_fn)(unsigned irq, void *ctx);

/**
 * Give up the CPU while the current task is BLOCKED (the kernel's
 * schedule(); unit tests play the switch).  Called with interrupts off.
 */
typedef void (*irq_block_fn)(void *ctx);

/** Is the waited-for condition true?  Lock-free; any context. */
typedef bool (*irq_ready_fn)(void *ctx);

/**
 * One task waiting for an interrupt-driven condition: a line's owner in
 * WaitIrq, or the console reader.  Zero-initialised is empty.
 */
struct irq_waiter {
	task_id_t task;	 /**< atomic: the waiting task, TASK_ID_NONE */
	uint64_t reason; /**< atomic: the IRQ it blocks with (IoWait arg) */
	uint32_t retry;	 /**< atomic: a wake found the run queue busy */
};

/** A snapshot of one line, for tests and diagnostics. */
struct irq_line_state {
	uint64_t owner;	  /**< owning ProcessId, 0 when none */
	uint32_t pending; /**< interrupts not yet reported to the owner */
	uint64_t count;	  /**< interrupts taken since boot */
	bool kernel;	  /**< a kernel handler has the line */
	bool routed;	  /**< routed to a CPU */
	bool level;	  /**< level-triggered (masked by each interrupt) */
	bool masked;	  /**< masked by an interrupt, until the next WaitIrq */
	unsigned cpu;	  /**< CPU the line is routed to */
	task_id_t waiter; /**< task blocked in WaitIrq, or TASK_ID_NONE */
};

/** Forget every line (boot; unit tests per case).  No other CPU running. */
void irq_init(void);

/**
 * Give line irq to the kernel handler fn(irq, ctx) and route it to the
 * calling CPU.  Boot CPU, before interrupts are enabled.  Returns 0;
 * -EINVAL for irq >= IRQ_LINES or a line the architecture cannot route;
 * -EBUSY when the line already has a handler or an owner.
 */
__must_check int irq_register_kernel(unsigned irq, irq_handler_fn fn,
				     void *ctx);

/**
 * An interrupt arrived on line irq (the architecture's trap code, before
 * its end-of-interrupt).  Interrupt context, interrupts off; takes no
 * lock except with spin_trylock (and the interrupt controller's, see
 * arch_irq_mask).  Lines out of range are ignored.
 */
void irq_dispatch(unsigned irq);

/**
 * Timer-interrupt hook: retry wake-ups that found a run queue busy.
 * Interrupt context; try-locks only; cheap when nothing is pending.
 */
void irq_tick(void);

/**
 * WaitIrq (5) for process pid, run by its current task: claim line irq
 * on first use (the task is pinned to its CPU and the line routed there),
 * unmask it if an interrupt masked it, then block until the line's
 * pending count is non-zero; consume the whole count and return 0.
 * Errors, before anything changes: -EINVAL for irq >= IRQ_LINES, pid 0
 * or a line the architecture cannot route; -EBUSY for a kernel line or
 * when another task of the owner already waits; -EPERM when another
 * process owns the line.  Task context, interrupts on, no lock held.
 */
__must_check int irq_wait(unsigned irq, uint64_t pid, irq_block_fn block,
			  void *ctx);

/**
 * Release every line process pid owns: masked, owner cleared, pending
 * count dropped.  Called on exit (kernel/proc/lifecycle.c) by the
 * process's own task, no lock held.
 */
void irq_release_owner(uint64_t pid);

/** Snapshot of line irq into *out; -EINVAL when irq is out of range. */
int irq_line_state(unsigned irq, struct irq_line_state *out);

/**
 * Block the current task with reason IoWait(irq) until ready(rctx) holds,
 * using w as the one-task wait slot; wakers call irq_waiter_wake after
 * making the condition true.  Returns 0 once ready (at once if it already
 * is), or -EBUSY when another task occupies w.  Task context, interrupts
 * on, no lock held.
 */
__must_check int irq_waiter_sleep(struct irq_waiter *w, unsigned irq,
				  irq_ready_fn ready, void *rctx,
				  irq_block_fn block, void *bctx);

/**
 * Wake w's task if one waits (call after making its condition true).
 * Any context, interrupt handlers included: try-locks only; a busy run
 * queue marks w for irq_tick to retry.
 */
void irq_waiter_wake(struct irq_waiter *w);

/**
 * Let irq_tick retry wakes of w, a waiter outside the line table (the
 * console reader).  Boot, before interrupts.  Returns 0 or -ENOMEM when
 * the few slots are used.
 */
__must_check int irq_waiter_register(struct irq_waiter *w);
