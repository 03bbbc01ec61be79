/*
 * kernel/sched/sched_internal.h - what sched.c, task.c and waitq.c share
 * and nobody else should use: the intrusive list helpers, the assertion
 * macro, and the cross-module hooks between run queues and wait queues.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/core/panic.h"
#include "kernel/core/spinlock.h"
#include "kernel/sched/task.h"

/**
 * Check something only a kernel bug can break (STYLE.md section 7).  The
 * message names the function; the panic text adds the failed expression.
 */
#define SCHED_ASSERT(cond, msg)                                                \
	do {                                                                   \
		if (!(cond))                                                   \
			panic("%s [%s]", (msg), #cond);                        \
	} while (0)

/*
 * spin_held, inline, for the assertions on the switch and wake paths:
 * some CPU holds l.
 */
static inline bool sched_lock_held(const struct spinlock *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}

/* __atomic shorthands for the fields struct task marks "(atomic)". */
#define LOAD_ACQ(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LOAD_RLX(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define STORE_RLX(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

/** The task whose rq_link is l. */
static inline struct task *task_of_rq_link(struct task_link *l)
{
	return (struct task *)((char *)l - offsetof(struct task, rq_link));
}

/** The task whose wq_link is l. */
static inline struct task *task_of_wq_link(struct task_link *l)
{
	return (struct task *)((char *)l - offsetof(struct task, wq_link));
}

/** True when l is on no list. */
static inline bool task_link_unlinked(const struct task_link *l)
{
	return !l->next && !l->prev;
}

static inline void task_list_init(struct task_list *list)
{
	list->head = NULL;
	list->tail = NULL;
	list->count = 0;
}

/** Append l (unlinked) at the tail. O(1). */
static inline void task_list_push_tail(struct task_list *list,
				       struct task_link *l)
{
	l->next = NULL;
	l->prev = list->tail;
	if (list->tail)
		list->tail->next = l;
	else
		list->head = l;
	list->tail = l;
	list->count++;
}

/** Insert l (unlinked) at the head. O(1). */
static inline void task_list_push_head(struct task_list *list,
				       struct task_link *l)
{
	l->prev = NULL;
	l->next = list->head;
	if (list->head)
		list->head->prev = l;
	else
		list->tail = l;
	list->head = l;
	list->count++;
}

/** Unlink l, a member of list. O(1). */
static inline void task_list_remove(struct task_list *list, struct task_link *l)
{
	if (l->prev)
		l->prev->next = l->next;
	else
		list->head = l->next;
	if (l->next)
		l->next->prev = l->prev;
	else
		list->tail = l->prev;
	l->next = NULL;
	l->prev = NULL;
	list->count--;
}

/** Unlink and return the head, or NULL when empty. O(1). */
static inline struct task_link *task_list_pop_head(struct task_list *list)
{
	struct task_link *l = list->head;

	if (l)
		task_list_remove(list, l);
	return l;
}

/**
 * Walk list checking links: each node's prev is its predecessor, the tail
 * is the last node, the walk ends within `limit` nodes and count matches.
 * Returns NULL when sound, else a reason.  Used by the invariant checks.
 */
const char *task_list_check(const struct task_list *list, size_t limit);

/**
 * Take t off the wait queue it is linked on, if any.  Caller holds t's
 * home run-queue lock, which keeps t->wq from being set meanwhile; a
 * waker may clear it concurrently, hence the re-check under the wait
 * queue's lock.  Defined in waitq.c.
 */
void waitq_detach(struct task *t);
