/*
 * kernel/dev/irq.c - the device interrupt-line table (interface and
 * locking in irq.h; design in docs/devices.md section 2).
 *
 * Waiting: the owner's task blocks with IoWait(irq) by the protocol of
 * docs/scheduler.md (block under its run-queue lock, publish itself in the
 * line's waiter slot, re-check the pending count, switch), the same steps
 * proc_wait_task takes.  A wait queue is not used because its wake-up
 * takes the queue's lock and the run-queue lock with spin_lock, which an
 * interrupt handler must not; a line has one owner and one task waits on
 * it, so a one-task slot is all the queue needed to be.
 *
 * Waking from an interrupt: the handler publishes the pending count, then
 * (full fence) reads the waiter slot - the Dekker pairing with the
 * waiter's publish-then-fence-then-re-check, so one of them sees the
 * other.  It wakes the task under its home run-queue lock taken with
 * spin_trylock; when the lock stays busy for a few tries the slot is
 * marked and irq_tick, on the next timer interrupt of any CPU, tries
 * again.
 */
#include "kernel/dev/irq.h"

#include "abi/errno.h"
#include "kernel/arch/arch.h"
#include "kernel/core/lockrank.h"
#include "kernel/core/panic.h"
#include "kernel/core/spinlock.h"
#include "kernel/sched/sched.h"

/* Try-lock attempts of one wake before it is left to irq_tick. */
#define WAKE_TRIES 64
/* Waiters outside the table that irq_tick looks after (the console). */
#define EXTRA_WAITERS 4

struct irq_line {
	irq_handler_fn handler;	  /* table lock; atomic: kernel handler */
	void *handler_ctx;	  /* set before handler, then const */
	uint64_t owner;		  /* table lock to change; atomic: ProcessId */
	uint32_t pending;	  /* atomic: interrupts not yet reported */
	uint64_t count;		  /* atomic: interrupts taken */
	bool level;		  /* table lock to change; atomic */
	bool masked;		  /* atomic: masked by an interrupt */
	bool routed;		  /* table lock */
	unsigned cpu;		  /* table lock: where it is routed */
	struct irq_waiter waiter; /* the owner's waiting task */
};

static struct spinlock table_lock =
    SPINLOCK_INIT("irq lines", LOCK_RANK_DEVIRQ);
static struct irq_line lines[IRQ_LINES];
/* Registered at boot, then const. */
static struct irq_waiter *extra[EXTRA_WAITERS];
static unsigned extra_count;
/* Atomic: waiters whose retry flag is set. */
static uint32_t retries;

void irq_init(void)
{
	spin_init(&table_lock, "irq lines", LOCK_RANK_DEVIRQ);
	for (unsigned i = 0; i < IRQ_LINES; i++) {
		lines[i] = (struct irq_line){0};
		lines[i].waiter.reason = i;
	}
	for (unsigned i = 0; i < EXTRA_WAITERS; i++)
		extra[i] = NULL;
	extra_count = 0;
	retries = 0;
}

int irq_register_kernel(unsigned irq, irq_handler_fn fn, void *ctx)
{
	struct irq_line *l;
	unsigned long flags;
	bool level = false;
	int err = 0;

	if (irq >= IRQ_LINES || !fn)
		return -EINVAL;
	l = &lines[irq];
	flags = spin_lock_irqsave(&table_lock);
	if (l->handler || l->owner) {
		err = -EBUSY;
	} else {
		l->handler_ctx = ctx;
		__atomic_store_n(&l->handler, fn, __ATOMIC_RELEASE);
		l->cpu = arch_cpu_id();
		if (arch_irq_route(irq, l->cpu, &level)) {
			__atomic_store_n(&l->handler, NULL, __ATOMIC_RELEASE);
			err = -EINVAL;
		} else {
			l->routed = true;
			__atomic_store_n(&l->level, level, __ATOMIC_RELEASE);
		}
	}
	spin_unlock_irqrestore(&table_lock, flags);
	return err;
}

/* Is t blocked (or suspended while blocked) with IoWait(reason)? */
static bool waits_for(const struct task *t, uint64_t reason)
{
	const struct task_block_reason *r = NULL;

	if (t->state == TASK_BLOCKED)
		r = &t->block;
	else if (t->state == TASK_SUSPENDED)
		r = &t->suspended;
	return r && r->kind == TASK_BLOCK_IRQ && r->arg == reason;
}

/*
 * Wake task id if it still waits with IoWait(reason), under its home
 * run-queue lock taken by spin_trylock.  True when done (woken, or
 * nothing to wake); false when the lock stayed busy.
 */
static bool try_wake(task_id_t id, uint64_t reason)
{
	struct task *t = task_table_slot(task_id_slot(id));

	if (!t)
		return true;
	for (unsigned i = 0; i < WAKE_TRIES; i++) {
		unsigned home = __atomic_load_n(&t->home_cpu, __ATOMIC_ACQUIRE);
		struct runqueue *rq =
		    home == TASK_CPU_NONE ? NULL : sched_rq(home);

		if (!rq)
			return true; /* freed meanwhile */
		if (spin_trylock(&rq->lock)) {
			/* A blocked task cannot migrate: home is stable once
			 * it is re-read under the lock. */
			if (__atomic_load_n(&t->id, __ATOMIC_RELAXED) == id &&
			    t->home_cpu == home && waits_for(t, reason))
				(void)sched_wake_locked(rq, t);
			spin_unlock(&rq->lock);
			return true;
		}
		arch_cpu_relax();
	}
	return false;
}

void irq_waiter_wake(struct irq_waiter *w)
{
	task_id_t id;

	/* Pairs with the fence in irq_waiter_sleep: the caller's condition
	 * is visible before we look for a waiter. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	id = __atomic_load_n(&w->task, __ATOMIC_ACQUIRE);
	if (id == TASK_ID_NONE)
		return;
	if (try_wake(id, __atomic_load_n(&w->reason, __ATOMIC_RELAXED)))
		return;
	if (!__atomic_exchange_n(&w->retry, 1, __ATOMIC_ACQ_REL))
		__atomic_fetch_add(&retries, 1, __ATOMIC_ACQ_REL);
}

int irq_waiter_register(struct irq_waiter *w)
{
	if (extra_count == EXTRA_WAITERS)
		return -ENOMEM;
	extra[extra_count++] = w;
	return 0;
}

static void retry_one(struct irq_waiter *w)
{
	if (!__atomic_load_n(&w->retry, __ATOMIC_RELAXED) ||
	    !__atomic_exchange_n(&w->retry, 0, __ATOMIC_ACQ_REL))
		return;
	__atomic_fetch_sub(&retries, 1, __ATOMIC_ACQ_REL);
	irq_waiter_wake(w);
}

void irq_tick(void)
{
	if (!__atomic_load_n(&retries, __ATOMIC_ACQUIRE))
		return;
	for (unsigned i = 0; i < IRQ_LINES; i++)
		retry_one(&lines[i].waiter);
	for (unsigned i = 0; i < extra_count; i++)
		retry_one(extra[i]);
}

int irq_waiter_sleep(struct irq_waiter *w, unsigned irq, irq_ready_fn ready,
		     void *rctx, irq_block_fn block, void *bctx)
{
	for (;;) {
		task_id_t none = TASK_ID_NONE;
		struct runqueue *rq;
		struct task *self;
		unsigned long flags;

		if (ready(rctx))
			return 0;
		flags = arch_irq_save();
		rq = sched_this_rq();
		spin_lock(&rq->lock);
		self = rq->current;
		if (!__atomic_compare_exchange_n(&w->task, &none, self->id,
						 false, __ATOMIC_SEQ_CST,
						 __ATOMIC_RELAXED)) {
			spin_unlock(&rq->lock);
			arch_irq_restore(flags);
			return -EBUSY;
		}
		__atomic_store_n(&w->reason, irq, __ATOMIC_SEQ_CST);
		if (sched_block_current(rq, task_block(TASK_BLOCK_IRQ, irq)))
			panic("irq_waiter_sleep: cannot block");
		/* Published and blocked; now look (see irq_waiter_wake). */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (ready(rctx))
			(void)sched_wake_locked(rq, self);
		spin_unlock(&rq->lock);
		block(bctx);
		__atomic_store_n(&w->task, TASK_ID_NONE, __ATOMIC_RELEASE);
		arch_irq_restore(flags);
	}
}

void irq_dispatch(unsigned irq)
{
	struct irq_line *l;
	irq_handler_fn fn;

	if (irq >= IRQ_LINES)
		return;
	l = &lines[irq];
	__atomic_fetch_add(&l->count, 1, __ATOMIC_RELAXED);
	fn = __atomic_load_n(&l->handler, __ATOMIC_ACQUIRE);
	if (fn) {
		fn(irq, l->handler_ctx);
		return;
	}
	if (!__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE)) {
		/* Released while an interrupt was in flight: keep it quiet. */
		arch_irq_mask(irq);
		return;
	}
	/* A level-triggered line stays asserted until the driver has
	 * served its device: mask it until the owner's next WaitIrq. */
	if (__atomic_load_n(&l->level, __ATOMIC_ACQUIRE)) {
		arch_irq_mask(irq);
		__atomic_store_n(&l->masked, true, __ATOMIC_RELEASE);
	}
	__atomic_fetch_add(&l->pending, 1, __ATOMIC_SEQ_CST);
	irq_waiter_wake(&l->waiter);
}

static bool line_ready(void *ctx)
{
	const struct irq_line *l = ctx;

	return __atomic_load_n(&l->pending, __ATOMIC_SEQ_CST) != 0;
}

/* Does pid own a line?  Table lock held. */
static bool owns_any(uint64_t pid)
{
	for (unsigned i = 0; i < IRQ_LINES; i++) {
		if (lines[i].owner == pid)
			return true;
	}
	return false;
}

/*
 * Make pid the owner of line irq if nobody is, and route the line to the
 * CPU the caller runs on, pinned there (spec: WaitIrq pins its caller).
 */
static int claim(unsigned irq, uint64_t pid)
{
	struct irq_line *l = &lines[irq];
	struct task *self = sched_current();
	unsigned long flags = spin_lock_irqsave(&table_lock);
	uint64_t owner = l->owner;
	bool level = false;
	int err = 0;

	if (__atomic_load_n(&l->handler, __ATOMIC_RELAXED))
		err = -EBUSY;
	else if (owner && owner != pid)
		err = -EPERM;
	else if (!owner)
		__atomic_store_n(&l->owner, pid, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&table_lock, flags);
	if (err || owner == pid)
		return err;

	/* First claim.  Pinning takes the run-queue lock, which ranks below
	 * the table's: outside it.  Nobody else can touch the line now. */
	err = sched_set_pinned(self, true);
	flags = spin_lock_irqsave(&table_lock);
	if (!err) {
		/* A running task does not migrate: this is its CPU. */
		l->cpu = arch_cpu_id();
		err = arch_irq_route(irq, l->cpu, &level);
	}
	if (err) {
		__atomic_store_n(&l->owner, 0, __ATOMIC_RELEASE);
	} else {
		l->routed = true;
		__atomic_store_n(&l->pending, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&l->masked, false, __ATOMIC_RELAXED);
		__atomic_store_n(&l->level, level, __ATOMIC_RELEASE);
	}
	bool keep_pin = !err || owns_any(pid);

	spin_unlock_irqrestore(&table_lock, flags);
	if (!keep_pin)
		(void)sched_set_pinned(self, false);
	return err ? -EINVAL : 0;
}

int irq_wait(unsigned irq, uint64_t pid, irq_block_fn block, void *ctx)
{
	struct irq_line *l;
	int err;

	if (irq >= IRQ_LINES || pid == 0 || !block)
		return -EINVAL;
	l = &lines[irq];
	err = claim(irq, pid);
	if (err)
		return err;
	/* The driver has served its device since the last interrupt. */
	if (__atomic_exchange_n(&l->masked, false, __ATOMIC_ACQ_REL))
		arch_irq_unmask(irq);
	err = irq_waiter_sleep(&l->waiter, irq, line_ready, l, block, ctx);
	if (err)
		return err;
	/* "Fired since the last WaitIrq": one return covers them all. */
	(void)__atomic_exchange_n(&l->pending, 0, __ATOMIC_ACQ_REL);
	return 0;
}

void irq_release_owner(uint64_t pid)
{
	unsigned long flags;

	if (pid == 0)
		return;
	flags = spin_lock_irqsave(&table_lock);
	for (unsigned i = 0; i < IRQ_LINES; i++) {
		struct irq_line *l = &lines[i];

		if (l->owner != pid)
			continue;
		if (l->routed)
			arch_irq_mask(i);
		__atomic_store_n(&l->owner, 0, __ATOMIC_RELEASE);
		l->routed = false;
		__atomic_store_n(&l->level, false, __ATOMIC_RELAXED);
		__atomic_store_n(&l->masked, false, __ATOMIC_RELAXED);
		__atomic_store_n(&l->pending, 0, __ATOMIC_RELAXED);
	}
	spin_unlock_irqrestore(&table_lock, flags);
}

int irq_line_state(unsigned irq, struct irq_line_state *out)
{
	const struct irq_line *l;
	unsigned long flags;

	if (irq >= IRQ_LINES || !out)
		return -EINVAL;
	l = &lines[irq];
	flags = spin_lock_irqsave(&table_lock);
	out->owner = l->owner;
	out->pending = __atomic_load_n(&l->pending, __ATOMIC_RELAXED);
	out->count = __atomic_load_n(&l->count, __ATOMIC_RELAXED);
	out->kernel = __atomic_load_n(&l->handler, __ATOMIC_RELAXED) != NULL;
	out->routed = l->routed;
	out->level = l->level;
	out->masked = __atomic_load_n(&l->masked, __ATOMIC_RELAXED);
	out->cpu = l->cpu;
	out->waiter = __atomic_load_n(&l->waiter.task, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&table_lock, flags);
	return 0;
}
