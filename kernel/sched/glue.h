/*
 * kernel/sched/glue.h - switching tasks on a real CPU (kernel/sched/glue.c).
 */
#pragma once

struct task;

/**
 * Give the CPU to the next task of this CPU's run queue (maybe the caller
 * again).  Returns when the caller is scheduled again.  Any interrupt
 * state; no spinlock held.  A blocked or terminated caller does not come
 * back until woken (terminated: never).
 */
void schedule(void);

/** Timer-interrupt hook: count the tick against the running task. */
void sched_timer_tick(void);

/**
 * A fresh idle task for the calling CPU, to run on its current stack.
 * Returns 0 or -ENOMEM.
 */
int sched_make_idle_task(struct task **out);

/**
 * The idle loop of a CPU whose run queue is registered: runs whatever
 * becomes ready, halts otherwise; on the boot CPU also balances load and
 * checks scheduler invariants.  Never returns.
 */
void cpu_idle_loop(void) __attribute__((noreturn));
