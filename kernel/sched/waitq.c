/*
 * kernel/sched/waitq.c - wait queues (protocol in waitq.h and
 * docs/scheduler.md "Blocking").
 *
 * Lock order: a run-queue lock may be held while taking a wait-queue lock
 * (prepare_wait, and wake/terminate detaching a task), never the reverse:
 * wakers pop a task under the wait-queue lock, drop it, then wake the task
 * by id under its run-queue lock.
 */
#include "kernel/sched/waitq.h"

#include "kernel/arch/arch.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/sched_internal.h"
#include "abi/errno.h"

void waitq_init(struct waitq *wq, const char *name)
{
	spin_init(&wq->lock, "waitq", WAITQ_LOCK_RANK);
	task_list_init(&wq->waiters);
	wq->name = name;
}

int waitq_prepare_wait(struct waitq *wq, struct task_block_reason reason)
{
	struct runqueue *rq = sched_this_rq();
	struct task *cur;
	int err;

	SCHED_ASSERT(!arch_irq_enabled(),
		     "waitq_prepare_wait: interrupts enabled");
	SCHED_ASSERT(rq, "waitq_prepare_wait: no run queue on this CPU");
	if (!task_block_reason_valid(reason))
		return -EINVAL;

	unsigned long flags = spin_lock_irqsave(&rq->lock);

	cur = rq->current;
	SCHED_ASSERT(!LOAD_RLX(&cur->wq),
		     "waitq_prepare_wait: task already on a wait queue");
	err = sched_block_current(rq, reason);
	SCHED_ASSERT(err == 0, "waitq_prepare_wait: block refused");
	spin_lock(&wq->lock);
	task_list_push_tail(&wq->waiters, &cur->wq_link);
	STORE_REL(&cur->wq, wq);
	spin_unlock(&wq->lock);
	spin_unlock_irqrestore(&rq->lock, flags);
	return 0;
}

bool waitq_finish_wait(struct waitq *wq)
{
	struct runqueue *rq = sched_this_rq();
	struct task *cur;
	bool waiting;

	SCHED_ASSERT(rq, "waitq_finish_wait: no run queue on this CPU");

	unsigned long flags = spin_lock_irqsave(&rq->lock);

	cur = rq->current;
	/*
	 * One load: a waker on another CPU pops us under the wait-queue lock
	 * alone and may clear cur->wq between two loads (reading it twice
	 * made this check fail on a legal interleaving).
	 */
	struct waitq *on = LOAD_RLX(&cur->wq);

	SCHED_ASSERT(!on || on == wq,
		     "waitq_finish_wait: task waits on another queue");
	waiting = cur->state == TASK_BLOCKED ||
		  (cur->state == TASK_SUSPENDED &&
		   cur->suspended.kind != TASK_BLOCK_NONE);
	/* Undoing the wait is a wake of ourselves; it also dequeues us. */
	if (waiting)
		(void)sched_wake_locked(rq, cur);
	else
		waitq_detach(cur);
	spin_unlock_irqrestore(&rq->lock, flags);
	return !waiting;
}

void waitq_detach(struct task *t)
{
	struct waitq *wq = LOAD_ACQ(&t->wq);

	if (!wq)
		return;
	spin_lock(&wq->lock);
	/* A waker may have popped t since the load above. */
	if (LOAD_RLX(&t->wq) == wq) {
		task_list_remove(&wq->waiters, &t->wq_link);
		STORE_REL(&t->wq, NULL);
	}
	spin_unlock(&wq->lock);
}

/*
 * Pop the head of wq and return its id (TASK_ID_NONE when empty).  The id
 * is read under the wait-queue lock, while the task is still waiting and
 * so cannot be freed; the wake then checks it under the run-queue lock.
 */
static task_id_t pop_waiter(struct waitq *wq)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	struct task_link *l = task_list_pop_head(&wq->waiters);
	task_id_t id = TASK_ID_NONE;

	if (l) {
		struct task *t = task_of_wq_link(l);

		STORE_REL(&t->wq, NULL);
		id = LOAD_RLX(&t->id);
	}
	spin_unlock_irqrestore(&wq->lock, flags);
	return id;
}

/* Wake up to max waiters; a popped task that stopped waiting is skipped. */
static unsigned wake_some(struct waitq *wq, size_t max)
{
	unsigned woken = 0;

	for (size_t popped = 0; popped < max && woken < max; popped++) {
		task_id_t id = pop_waiter(wq);

		if (id == TASK_ID_NONE)
			break;
		woken += sched_wake_id(id).woken;
	}
	return woken;
}

unsigned waitq_wake_one(struct waitq *wq)
{
	unsigned woken = 0;

	/* Keep popping past tasks that died after queuing: one must wake. */
	while (!woken && waitq_count(wq))
		woken = wake_some(wq, 1);
	return woken;
}

unsigned waitq_wake_all(struct waitq *wq)
{
	return wake_some(wq, waitq_count(wq));
}

size_t waitq_count(struct waitq *wq)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	size_t n = wq->waiters.count;

	spin_unlock_irqrestore(&wq->lock, flags);
	return n;
}

bool waitq_check(struct waitq *wq, const char **why)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	const char *bad = task_list_check(&wq->waiters, task_table_size());

	for (struct task_link *l = wq->waiters.head; !bad && l; l = l->next) {
		const struct task *t = task_of_wq_link(l);
		enum task_state s = LOAD_ACQ(&t->state);

		if (LOAD_RLX(&t->wq) != wq)
			bad = "member does not point back at its wait queue";
		else if (s != TASK_BLOCKED &&
			 !(s == TASK_SUSPENDED &&
			   t->suspended.kind != TASK_BLOCK_NONE))
			bad = "member is not waiting";
	}
	spin_unlock_irqrestore(&wq->lock, flags);
	if (why)
		*why = bad;
	return !bad;
}
