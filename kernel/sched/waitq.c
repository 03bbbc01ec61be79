/*
 * kernel/sched/waitq.c - wait queues (protocol in waitq.h and
 * docs/scheduler.md "Blocking").
 *
 * Lock order: a run-queue lock may be held while taking a wait-queue lock
 * (prepare_wait, and wake/terminate detaching a task), never the reverse:
 * wakers pop a task under the wait-queue lock, drop it, then wake the task
 * by id under its run-queue lock.  A guarded queue (waitq_init_guarded)
 * uses its owner's lock in place of its own, in exactly the same places.
 */
#include "kernel/sched/waitq.h"

#include "kernel/arch/arch.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/sched_internal.h"
#include "abi/errno.h"

void waitq_init(struct waitq *wq, const char *name)
{
	spin_init(&wq->lock, "waitq", WAITQ_LOCK_RANK);
	wq->guard = NULL;
	task_list_init(&wq->waiters);
	wq->name = name;
}

void waitq_init_guarded(struct waitq *wq, const char *name,
			struct spinlock *guard)
{
	SCHED_ASSERT(guard && guard->order > SCHED_RQ_RANK_LAST,
		     "waitq_init_guarded: guard must rank above run queues");
	waitq_init(wq, name);
	wq->guard = guard;
}

int waitq_prepare_wait(struct waitq *wq, struct task_block_reason reason)
{
	struct runqueue *rq = sched_this_rq();
	int err;

	SCHED_ASSERT(!arch_irq_enabled(),
		     "waitq_prepare_wait: interrupts enabled");
	SCHED_ASSERT(rq, "waitq_prepare_wait: no run queue on this CPU");
	if (!task_block_reason_valid(reason))
		return -EINVAL;

	unsigned long flags = spin_lock_irqsave(&rq->lock);

	err = waitq_prepare_wait_locked(rq, wq, reason);
	spin_unlock_irqrestore(&rq->lock, flags);
	return err;
}

int waitq_prepare_wait_locked(struct runqueue *rq, struct waitq *wq,
			      struct task_block_reason reason)
{
	struct task *cur;
	int err;

	SCHED_ASSERT(sched_lock_held(&rq->lock),
		     "waitq_prepare_wait_locked: rq not locked");
	if (!task_block_reason_valid(reason))
		return -EINVAL;
	cur = rq->current;
	SCHED_ASSERT(!LOAD_RLX(&cur->wq),
		     "waitq_prepare_wait: task already on a wait queue");
	err = sched_block_current(rq, reason);
	SCHED_ASSERT(err == 0, "waitq_prepare_wait: block refused");
	struct spinlock *lock = waitq_lock_of(wq);

	spin_lock(lock);
	task_list_push_tail(&wq->waiters, &cur->wq_link);
	STORE_REL(&cur->wq, wq);
	spin_unlock(lock);
	return 0;
}

bool waitq_finish_wait(struct waitq *wq)
{
	struct runqueue *rq = sched_this_rq();
	struct task *cur;
	bool waiting;

	SCHED_ASSERT(rq, "waitq_finish_wait: no run queue on this CPU");

	/*
	 * The common end of a wait: a waker popped us and made us RUNNING,
	 * and we run.  Both are read without the lock: the popper cleared
	 * wq before the wake stored the state (release), and only this task
	 * can put itself on a queue again.  A state that changes after the
	 * load (a suspend or kill of a RUNNING task) acts at the next switch,
	 * as it would after the locked path.
	 */
	cur = rq->current;
	if (LOAD_ACQ(&cur->state) == TASK_RUNNING && !LOAD_ACQ(&cur->wq))
		return true;

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

	struct spinlock *lock = waitq_lock_of(wq);

	spin_lock(lock);
	/* A waker may have popped t since the load above. */
	if (LOAD_RLX(&t->wq) == wq) {
		task_list_remove(&wq->waiters, &t->wq_link);
		STORE_REL(&t->wq, NULL);
	}
	spin_unlock(lock);
}

/*
 * Pop the head of wq and return its id (TASK_ID_NONE when empty).  The id
 * is read under the wait-queue lock, while the task is still waiting and
 * so cannot be freed; the wake then checks it under the run-queue lock.
 */
task_id_t waitq_pop_locked(struct waitq *wq)
{
	struct task_link *l = task_list_pop_head(&wq->waiters);
	struct task *t;

	if (!l)
		return TASK_ID_NONE;
	t = task_of_wq_link(l);
	STORE_REL(&t->wq, NULL);
	return LOAD_RLX(&t->id);
}

static task_id_t pop_waiter(struct waitq *wq)
{
	struct spinlock *lock = waitq_lock_of(wq);
	unsigned long flags = spin_lock_irqsave(lock);
	task_id_t id = waitq_pop_locked(wq);

	spin_unlock_irqrestore(lock, flags);
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
	task_id_t id;

	/* Keep popping past tasks that died after queuing: one must wake. */
	while ((id = pop_waiter(wq)) != TASK_ID_NONE) {
		if (sched_wake_id(id).woken)
			return 1;
	}
	return 0;
}

unsigned waitq_wake_all(struct waitq *wq)
{
	return wake_some(wq, waitq_count(wq));
}

size_t waitq_count(struct waitq *wq)
{
	struct spinlock *lock = waitq_lock_of(wq);
	unsigned long flags = spin_lock_irqsave(lock);
	size_t n = wq->waiters.count;

	spin_unlock_irqrestore(lock, flags);
	return n;
}

bool waitq_check(struct waitq *wq, const char **why)
{
	struct spinlock *lock = waitq_lock_of(wq);
	unsigned long flags = spin_lock_irqsave(lock);
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
	spin_unlock_irqrestore(lock, flags);
	if (why)
		*why = bad;
	return !bad;
}
