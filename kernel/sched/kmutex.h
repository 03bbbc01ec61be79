/*
 * kernel/sched/kmutex.h - a sleeping lock for kernel code that blocks
 * while holding it (the object store, whose disk operations wait for the
 * user-space block driver: a spinlock must never be held across IPC).
 *
 * Not ranked: a kmutex is taken with no spinlock held and interrupts on,
 * from a task context; the holder may block (IPC, other kmutexes in a
 * fixed order documented by their users).  No owner tracking or
 * recursion.  A task never dies holding one: tasks are only terminated
 * by themselves, outside any kernel operation (docs/scheduler.md).
 */
#pragma once

#include <stdbool.h>

#include "kernel/sched/waitq.h"

struct kmutex {
	int locked;	  /**< atomic: 0 free, 1 held */
	struct waitq wq;  /**< tasks waiting for it */
};

#define KMUTEX_INIT(mutex_name)                                                \
	{                                                                      \
		.locked = 0, .wq = WAITQ_INIT(mutex_name),                     \
	}

/** Take m, sleeping while another task holds it.  Task context only. */
void kmutex_lock(struct kmutex *m);

/** Take m if free; true when taken.  Never sleeps. */
bool kmutex_trylock(struct kmutex *m);

/** Release m (held by the caller) and wake one waiter. */
void kmutex_unlock(struct kmutex *m);
