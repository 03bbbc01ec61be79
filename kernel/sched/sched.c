/*
 * kernel/sched/sched.c - per-CPU run queues and the task state machine
 * (spec kernel.md section 1; design and deviations in docs/scheduler.md).
 */
#include "kernel/sched/sched.h"

#include "kernel/arch/arch.h"
#include "kernel/sched/sched_internal.h"
#include "abi/errno.h"

/*
 * Registered run queues, indexed by CPU.  Each entry is written once, by
 * sched_rq_init (release), and read without a lock (acquire).
 */
struct runqueue *sched_rq_table[MAX_CPUS];
/* One past the highest CPU with a run queue; only grows (atomic). */
static unsigned rq_limit;
/* Sends a reschedule IPI; set at boot. */
static void (*poke_hook)(unsigned cpu);

static const struct task_block_reason no_reason = {TASK_BLOCK_NONE, 0};

void sched_init(void)
{
	for (unsigned i = 0; i < MAX_CPUS; i++)
		sched_rq_table[i] = NULL;
	rq_limit = 0;
	poke_hook = NULL;
}

void sched_set_poke_hook(void (*hook)(unsigned cpu))
{
	poke_hook = hook;
}

int sched_rq_init(struct runqueue *rq, unsigned cpu, struct task *idle)
{
	if (cpu >= MAX_CPUS || !rq || !idle)
		return -EINVAL;
	if (LOAD_ACQ(&sched_rq_table[cpu]))
		return -EBUSY;
	if (idle->state != TASK_SUSPENDED || idle->home_cpu != TASK_CPU_NONE)
		return -EINVAL;

	spin_init(&rq->lock, "runqueue", (uint16_t)SCHED_RQ_RANK(cpu));
	rq->cpu = cpu;
	for (unsigned b = 0; b < TASK_BANDS; b++)
		task_list_init(&rq->bands[b]);
	rq->band_mask = 0;
	rq->nr_ready = 0;
	rq->switch_prev = NULL;
	rq->need_resched = false;
	rq->ticks = 0;
	rq->nr_switches = 0;

	/* The caller's own context becomes the idle task, running. */
	idle->idle = true;
	idle->pinned = true;
	idle->priority = TASK_PRIO_IDLE;
	idle->slice = TASK_SLICE_TICKS;
	idle->on_cpu = true;
	idle->home_cpu = (uint16_t)cpu;
	idle->state = TASK_RUNNING;
	rq->idle = idle;
	rq->current = idle;

	/* Each CPU may register itself as it comes up: keep the max atomic. */
	unsigned limit = LOAD_RLX(&rq_limit);

	while (limit < cpu + 1 &&
	       !__atomic_compare_exchange_n(&rq_limit, &limit, cpu + 1, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	STORE_REL(&sched_rq_table[cpu], rq);
	return 0;
}

/*
 * Raise rq's need_resched; true when it was clear.  Only that edge needs
 * a poke: while the flag is up, the CPU has been told already (or set it
 * itself) and its coming sched_switch_prepare, which clears the flag under
 * the lock we hold, will see whatever we queued.
 */
static bool raise_resched(struct runqueue *rq)
{
	return !__atomic_exchange_n(&rq->need_resched, true, __ATOMIC_ACQ_REL);
}

/* Interrupt cpu so that it reschedules, unless it is this CPU. */
static void poke(unsigned cpu)
{
	if (cpu != arch_cpu_id() && poke_hook)
		poke_hook(cpu);
}

/* Ask rq's CPU to reschedule: its flag, and a poke when newly raised. */
static void resched_cpu(struct runqueue *rq)
{
	if (raise_resched(rq))
		poke(rq->cpu);
}

/*
 * Change t's state.  Besides the spec's transitions (task_state_legal),
 * the current task of rq may go back to RUNNING from BLOCKED or SUSPENDED
 * before its CPU switched away: that block or suspension never took
 * effect.  Anything else is a kernel bug.
 */
static void set_state(struct runqueue *rq, struct task *t, enum task_state to)
{
	enum task_state from = t->state;
	bool undo = t == rq->current && to == TASK_RUNNING &&
		    (from == TASK_BLOCKED || from == TASK_SUSPENDED);

	if (!task_state_legal(from, to) && !undo)
		panic("sched: illegal transition %s -> %s of task %#llx",
		      task_state_name(from), task_state_name(to),
		      (unsigned long long)t->id);
	STORE_REL(&t->state, to);
}

static bool reason_equal(struct task_block_reason a, struct task_block_reason b)
{
	return a.kind == b.kind && a.arg == b.arg;
}

static int top_band(const struct runqueue *rq)
{
	if (!rq->band_mask)
		return -1;
	return 31 - __builtin_clz((unsigned)rq->band_mask);
}

void sched_enqueue(struct runqueue *rq, struct task *t)
{
	unsigned band = task_prio_band(t->priority);

	SCHED_ASSERT(sched_lock_held(&rq->lock), "sched_enqueue: rq not locked");
	SCHED_ASSERT(t->state == TASK_READY && !t->on_queue && !t->idle &&
			 t->home_cpu == rq->cpu,
		     "sched_enqueue: task not enqueueable here");
	task_list_push_tail(&rq->bands[band], &t->rq_link);
	rq->band_mask |= (uint8_t)(1u << band);
	rq->nr_ready++;
	t->on_queue = true;
}

/* sched_dequeue's body, inlined in the switch. */
static __attribute__((always_inline)) inline void
dequeue(struct runqueue *rq, struct task *t)
{
	unsigned band = task_prio_band(t->priority);

	SCHED_ASSERT(sched_lock_held(&rq->lock), "sched_dequeue: rq not locked");
	SCHED_ASSERT(t->on_queue && t->home_cpu == rq->cpu,
		     "sched_dequeue: task not queued here");
	task_list_remove(&rq->bands[band], &t->rq_link);
	if (!rq->bands[band].count)
		rq->band_mask &= (uint8_t) ~(1u << band);
	rq->nr_ready--;
	t->on_queue = false;
}

void sched_dequeue(struct runqueue *rq, struct task *t)
{
	dequeue(rq, t);
}

struct task *sched_pick_next(struct runqueue *rq)
{
	int band = top_band(rq);

	SCHED_ASSERT(sched_lock_held(&rq->lock), "sched_pick_next: rq not locked");
	if (band < 0)
		return rq->idle;
	return task_of_rq_link(rq->bands[band].head);
}

/* Does a READY t on rq outrank what rq's CPU runs, so it should switch? */
static bool outranks_current(const struct runqueue *rq, const struct task *t)
{
	const struct task *cur = rq->current;

	if (cur == rq->idle)
		return true;
	/* A current that stopped running is about to switch anyway. */
	if (cur->state != TASK_RUNNING)
		return false;
	return task_prio_band(t->priority) > task_prio_band(cur->priority);
}

/* READY, fresh slice, queued; reschedule rq's CPU if t outranks it. */
static void make_ready(struct runqueue *rq, struct task *t)
{
	set_state(rq, t, TASK_READY);
	t->slice = TASK_SLICE_TICKS;
	sched_enqueue(rq, t);
	if (outranks_current(rq, t))
		resched_cpu(rq);
}

struct sched_switch sched_switch_prepare(struct runqueue *rq)
{
	struct sched_switch sw;
	struct task *prev = rq->current, *next;

	SCHED_ASSERT(sched_lock_held(&rq->lock),
		     "sched_switch_prepare: rq not locked");
	SCHED_ASSERT(rq->cpu == arch_cpu_id(),
		     "sched_switch_prepare: not this CPU's run queue");
	SCHED_ASSERT(!rq->switch_prev,
		     "sched_switch_prepare: previous switch not finished");

	if (prev->state == TASK_RUNNING) {
		set_state(rq, prev, TASK_READY);
		if (!prev->idle)
			sched_enqueue(rq, prev);
	}
	next = sched_pick_next(rq);
	if (next != rq->idle)
		dequeue(rq, next);
	set_state(rq, next, TASK_RUNNING);
	next->slice = TASK_SLICE_TICKS;
	STORE_REL(&next->on_cpu, true);
	rq->current = next;
	STORE_REL(&rq->need_resched, false);
	if (next != prev) {
		rq->switch_prev = prev;
		rq->nr_switches++;
	}
	sw.prev = prev;
	sw.next = next;
	return sw;
}

/* sched_handoff_ok's body, inlined in sched_try_switch_to. */
static __attribute__((always_inline)) inline bool
handoff_ok(struct runqueue *rq, const struct task *t, task_id_t id)
{
	const struct task *cur = rq->current;
	unsigned band;

	SCHED_ASSERT(sched_lock_held(&rq->lock), "sched_handoff_ok: rq not locked");
	/* Homed here: then its fields are ours under this lock. */
	if (LOAD_ACQ(&t->home_cpu) != rq->cpu || rq->cpu != arch_cpu_id())
		return false;
	if (t->id != id || t->state != TASK_BLOCKED || t->on_cpu || t->idle)
		return false;
	if (cur == rq->idle || cur->state != TASK_RUNNING || rq->switch_prev)
		return false;
	/* Never ahead of a task that would run before it anyway. */
	band = task_prio_band(t->priority);
	return band >= task_prio_band(cur->priority) && top_band(rq) <= (int)band;
}

bool sched_handoff_ok(struct runqueue *rq, const struct task *t, task_id_t id)
{
	return handoff_ok(rq, t, id);
}

static __attribute__((always_inline)) inline struct sched_switch
switch_to(struct runqueue *rq, struct task *t)
{
	struct task *prev = rq->current;
	unsigned band = task_prio_band(prev->priority);
	struct sched_switch sw = {prev, t};

	/* t's wait is over, as for a wake. */
	if (LOAD_RLX(&t->wq))
		waitq_detach(t);
	t->block = no_reason;
	set_state(rq, t, TASK_READY);
	/* The sender keeps its turn: head of its band, not the tail. */
	set_state(rq, prev, TASK_READY);
	task_list_push_head(&rq->bands[band], &prev->rq_link);
	rq->band_mask |= (uint8_t)(1u << band);
	rq->nr_ready++;
	prev->on_queue = true;

	set_state(rq, t, TASK_RUNNING);
	t->slice = TASK_SLICE_TICKS;
	STORE_REL(&t->on_cpu, true);
	rq->current = t;
	rq->switch_prev = prev;
	rq->nr_switches++;
	return sw;
}

struct sched_switch sched_switch_to(struct runqueue *rq, struct task *t)
{
	SCHED_ASSERT(sched_handoff_ok(rq, t, t->id),
		     "sched_switch_to: no direct switch to this task");
	return switch_to(rq, t);
}

bool sched_try_switch_to(struct runqueue *rq, struct task *t, task_id_t id,
			 struct sched_switch *sw)
{
	if (!handoff_ok(rq, t, id))
		return false;
	*sw = switch_to(rq, t);
	return true;
}

struct task *sched_switch_finish_locked(struct runqueue *rq)
{
	struct task *prev = rq->switch_prev;

	SCHED_ASSERT(sched_lock_held(&rq->lock),
		     "sched_switch_finish_locked: rq not locked");
	SCHED_ASSERT(rq->cpu == arch_cpu_id(),
		     "sched_switch_finish: not this CPU's run queue");
	if (!prev)
		return NULL;
	/*
	 * Under the lock, so that exactly one of sched_terminate (which reads
	 * on_cpu) and this function hands a dead task over for clean-up.
	 */
	rq->switch_prev = NULL;
	STORE_REL(&prev->on_cpu, false);
	return prev->state == TASK_TERMINATED ? prev : NULL;
}

struct task *sched_switch_finish(struct runqueue *rq)
{
	struct task *zombie;

	SCHED_ASSERT(rq->cpu == arch_cpu_id(),
		     "sched_switch_finish: not this CPU's run queue");
	if (!rq->switch_prev)
		return NULL;

	unsigned long flags = spin_lock_irqsave(&rq->lock);

	zombie = sched_switch_finish_locked(rq);
	spin_unlock_irqrestore(&rq->lock, flags);
	return zombie;
}

bool sched_tick(struct runqueue *rq)
{
	struct task *cur;
	int top;
	bool resched;

	SCHED_ASSERT(sched_lock_held(&rq->lock), "sched_tick: rq not locked");
	cur = rq->current;
	top = top_band(rq);
	resched = LOAD_ACQ(&rq->need_resched);
	rq->ticks++;
	if (cur->state != TASK_RUNNING) {
		resched = true;
	} else if (cur == rq->idle) {
		cur->runtime_ticks++;
		resched |= top >= 0;
	} else {
		int band = (int)task_prio_band(cur->priority);

		cur->runtime_ticks++;
		if (cur->slice)
			cur->slice--;
		/* Expired with nobody of its band waiting: a new slice. */
		if (top > band)
			resched = true;
		else if (cur->slice == 0 && top == band)
			resched = true;
		else if (cur->slice == 0)
			cur->slice = TASK_SLICE_TICKS;
	}
	if (resched)
		STORE_REL(&rq->need_resched, true);
	return resched;
}

uint32_t sched_runnable(struct runqueue *rq)
{
	const struct task *cur = rq->current;

	SCHED_ASSERT(sched_lock_held(&rq->lock), "sched_runnable: rq not locked");
	return rq->nr_ready +
	       (cur != rq->idle && cur->state == TASK_RUNNING ? 1u : 0u);
}

/*
 * Lock t's home run queue, or return NULL when t was never started.  The
 * home can change (migration) until its lock is held, hence the re-check.
 */
static struct runqueue *lock_home(struct task *t, unsigned long *flags)
{
	for (;;) {
		unsigned cpu = LOAD_ACQ(&t->home_cpu);
		struct runqueue *rq;

		if (cpu == TASK_CPU_NONE)
			return NULL;
		rq = sched_rq(cpu);
		SCHED_ASSERT(rq,
			     "sched: task homed on a CPU without run queue");
		*flags = spin_lock_irqsave(&rq->lock);
		if (LOAD_RLX(&t->home_cpu) == cpu)
			return rq;
		spin_unlock_irqrestore(&rq->lock, *flags);
	}
}

/* Take two run-queue locks, lower CPU first (the lock order). */
static unsigned long lock_pair(struct runqueue *a, struct runqueue *b)
{
	unsigned long flags = arch_irq_save();

	if (a->cpu > b->cpu) {
		struct runqueue *tmp = a;

		a = b;
		b = tmp;
	}
	spin_lock(&a->lock);
	if (b != a)
		spin_lock(&b->lock);
	return flags;
}

static void unlock_pair(struct runqueue *a, struct runqueue *b,
			unsigned long flags)
{
	if (b != a)
		spin_unlock(&b->lock);
	spin_unlock(&a->lock);
	arch_irq_restore(flags);
}

static int start_task(struct task *t, unsigned cpu,
		      struct task_block_reason reason)
{
	struct runqueue *rq = sched_rq(cpu);
	uint16_t none = TASK_CPU_NONE;
	int err = 0;

	if (!rq)
		return -EINVAL;
	if (t->idle)
		return -EPERM;

	unsigned long flags = spin_lock_irqsave(&rq->lock);

	/* The state is the creator's until home_cpu is published here. */
	if (LOAD_ACQ(&t->state) != TASK_SUSPENDED ||
	    !__atomic_compare_exchange_n(&t->home_cpu, &none, (uint16_t)cpu,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		err = -EINVAL;
		goto out_unlock;
	}
	if (reason.kind == TASK_BLOCK_NONE) {
		make_ready(rq, t);
	} else {
		t->block = reason;
		set_state(rq, t, TASK_BLOCKED);
	}
out_unlock:
	spin_unlock_irqrestore(&rq->lock, flags);
	return err;
}

int sched_start(struct task *t, unsigned cpu)
{
	return start_task(t, cpu, no_reason);
}

int sched_start_blocked(struct task *t, unsigned cpu,
			struct task_block_reason reason)
{
	if (!task_block_reason_valid(reason))
		return -EINVAL;
	return start_task(t, cpu, reason);
}

int sched_block_current(struct runqueue *rq, struct task_block_reason reason)
{
	struct task *cur = rq->current;

	SCHED_ASSERT(sched_lock_held(&rq->lock),
		     "sched_block_current: rq not locked");
	SCHED_ASSERT(rq->cpu == arch_cpu_id(),
		     "sched_block_current: not this CPU's run queue");
	SCHED_ASSERT(!cur->idle, "sched_block_current: the idle task blocks");
	SCHED_ASSERT(cur->state == TASK_RUNNING,
		     "sched_block_current: current is not RUNNING");
	if (!task_block_reason_valid(reason))
		return -EINVAL;
	cur->block = reason;
	set_state(rq, cur, TASK_BLOCKED);
	STORE_REL(&rq->need_resched, true);
	return 0;
}

/*
 * The wake itself; rq is t's home, locked.  *poke_due tells the caller to
 * poke rq's CPU (after dropping the lock, if it likes).
 */
static struct sched_wake_ret wake_locked(struct runqueue *rq, struct task *t,
					 bool *poke_due)
{
	struct sched_wake_ret ret = {false, false, rq->cpu};

	*poke_due = false;

	if (t->state == TASK_BLOCKED) {
		waitq_detach(t);
		t->block = no_reason;
		ret.woken = true;
		if (t == rq->current) {
			/* It never switched away: the block is undone. */
			set_state(rq, t, TASK_RUNNING);
			return ret;
		}
		set_state(rq, t, TASK_READY);
		t->slice = TASK_SLICE_TICKS;
		sched_enqueue(rq, t);
		if (outranks_current(rq, t)) {
			*poke_due = raise_resched(rq);
			ret.resched = true;
		}
	} else if (t->state == TASK_SUSPENDED &&
		   t->suspended.kind != TASK_BLOCK_NONE) {
		/* Its wait is over; sched_resume will make it READY. */
		waitq_detach(t);
		t->suspended = no_reason;
		ret.woken = true;
	}
	return ret;
}

struct sched_wake_ret sched_wake_locked(struct runqueue *rq, struct task *t)
{
	struct sched_wake_ret ret;
	bool poke_due;

	SCHED_ASSERT(sched_lock_held(&rq->lock), "sched_wake_locked: rq not locked");
	SCHED_ASSERT(t->home_cpu == rq->cpu,
		     "sched_wake_locked: task not homed on this run queue");
	ret = wake_locked(rq, t, &poke_due);
	if (poke_due)
		poke(rq->cpu);
	return ret;
}

/*
 * Wake t if its id is still id (TASK_ID_NONE: any) and, when match is
 * given, it waits for exactly that reason.  Checking under the home lock
 * is what makes stale ids safe: a task can only be terminated (and so
 * freed and reused) under that same lock.
 */
static struct sched_wake_ret wake_checked(struct task *t, task_id_t id,
					  const struct task_block_reason *match)
{
	struct sched_wake_ret ret = {false, false, TASK_CPU_NONE};
	bool poke_due = false;
	unsigned long flags;
	struct runqueue *rq = lock_home(t, &flags);

	if (!rq)
		return ret;
	ret.cpu = rq->cpu;
	if ((id == TASK_ID_NONE || LOAD_ACQ(&t->id) == id) &&
	    (!match ||
	     reason_equal(t->state == TASK_SUSPENDED ? t->suspended : t->block,
			  *match)))
		ret = wake_locked(rq, t, &poke_due);
	spin_unlock_irqrestore(&rq->lock, flags);
	if (poke_due)
		poke(ret.cpu);
	return ret;
}

struct sched_wake_ret sched_wake(struct task *t)
{
	return wake_checked(t, TASK_ID_NONE, NULL);
}

struct sched_wake_ret sched_wake_id(task_id_t id)
{
	struct task *t = task_table_slot(task_id_slot(id));
	struct sched_wake_ret none = {false, false, TASK_CPU_NONE};

	if (!t || id == TASK_ID_NONE)
		return none;
	return wake_checked(t, id, NULL);
}

unsigned sched_wake_reason(struct task_block_reason reason)
{
	unsigned woken = 0;

	if (reason.kind == TASK_BLOCK_NONE)
		return 0;
	for (size_t i = 0; i < task_table_size(); i++) {
		struct task *t = task_table_slot(i);
		enum task_state s = LOAD_ACQ(&t->state);

		/* An unlocked filter; wake_checked decides under the lock. */
		if (s != TASK_BLOCKED && s != TASK_SUSPENDED)
			continue;
		woken += wake_checked(t, LOAD_ACQ(&t->id), &reason).woken;
	}
	return woken;
}

int sched_terminate(struct task *t, int64_t code, bool *off_cpu)
{
	unsigned long flags;
	struct runqueue *rq;
	int err = 0;

	if (t->idle)
		return -EPERM;
	rq = lock_home(t, &flags);
	if (!rq)
		return -EINVAL;
	if (!task_state_legal(t->state, TASK_TERMINATED)) {
		err = -EINVAL;
		goto out_unlock;
	}
	/* Off every queue now: the original left exiting tasks queued. */
	if (t->on_queue)
		sched_dequeue(rq, t);
	waitq_detach(t);
	t->block = no_reason;
	t->suspended = no_reason;
	t->exit_code = code;
	set_state(rq, t, TASK_TERMINATED);
	if (t == rq->current)
		resched_cpu(rq);
	if (off_cpu)
		*off_cpu = !LOAD_ACQ(&t->on_cpu);
out_unlock:
	spin_unlock_irqrestore(&rq->lock, flags);
	return err;
}

int sched_suspend(struct task *t)
{
	unsigned long flags;
	struct runqueue *rq;
	int err = 0;

	if (t->idle)
		return -EPERM;
	rq = lock_home(t, &flags);
	if (!rq)
		return -EINVAL;
	switch (t->state) {
	case TASK_READY:
		sched_dequeue(rq, t);
		t->suspended = no_reason;
		set_state(rq, t, TASK_SUSPENDED);
		break;
	case TASK_RUNNING:
		t->suspended = no_reason;
		set_state(rq, t, TASK_SUSPENDED);
		resched_cpu(rq);
		break;
	case TASK_BLOCKED:
		/* Stays on its wait queue: a wake is remembered for resume. */
		t->suspended = t->block;
		t->block = no_reason;
		set_state(rq, t, TASK_SUSPENDED);
		break;
	default:
		err = -EINVAL;
		break;
	}
	spin_unlock_irqrestore(&rq->lock, flags);
	return err;
}

int sched_resume(struct task *t)
{
	unsigned long flags;
	struct runqueue *rq = lock_home(t, &flags);
	int err = 0;

	if (!rq)
		return -EINVAL;
	if (t->state != TASK_SUSPENDED) {
		err = -EINVAL;
	} else if (t->suspended.kind != TASK_BLOCK_NONE) {
		t->block = t->suspended;
		t->suspended = no_reason;
		set_state(rq, t, TASK_BLOCKED);
	} else if (t == rq->current) {
		set_state(rq, t, TASK_RUNNING); /* suspension undone */
	} else {
		make_ready(rq, t);
	}
	spin_unlock_irqrestore(&rq->lock, flags);
	return err;
}

int sched_set_priority(struct task *t, uint8_t priority)
{
	unsigned long flags;
	struct runqueue *rq;
	int err = 0;

	if (t->idle)
		return -EPERM;
	rq = lock_home(t, &flags);
	if (!rq) {
		t->priority = priority; /* not started: the creator's */
		return 0;
	}
	if (t->state == TASK_TERMINATED || t->state == TASK_FREE) {
		err = -EINVAL;
		goto out_unlock;
	}
	if (t->on_queue &&
	    task_prio_band(priority) != task_prio_band(t->priority)) {
		sched_dequeue(rq, t);
		t->priority = priority;
		sched_enqueue(rq, t);
	} else {
		t->priority = priority;
	}
	if (t == rq->current && t->state == TASK_RUNNING) {
		if (top_band(rq) > (int)task_prio_band(priority))
			resched_cpu(rq);
	} else if (t->on_queue && outranks_current(rq, t)) {
		resched_cpu(rq);
	}
out_unlock:
	spin_unlock_irqrestore(&rq->lock, flags);
	return err;
}

int sched_set_pinned(struct task *t, bool pinned)
{
	unsigned long flags;
	struct runqueue *rq;
	int err = 0;

	if (t->idle)
		return -EPERM;
	rq = lock_home(t, &flags);
	if (!rq) {
		t->pinned = pinned;
		return 0;
	}
	if (t->state == TASK_TERMINATED || t->state == TASK_FREE)
		err = -EINVAL;
	else
		t->pinned = pinned;
	spin_unlock_irqrestore(&rq->lock, flags);
	return err;
}

/* Why t cannot migrate now (0: it can).  Both queues locked. */
static int migrate_refusal(const struct task *t)
{
	if (t->pinned || t->idle)
		return -EPERM;
	if (t->state == TASK_RUNNING || LOAD_ACQ(&t->on_cpu))
		return -EBUSY;
	if (t->state != TASK_READY)
		return -EINVAL;
	return 0;
}

/* Move queued t from src to dst; both locked.  True when dst needs a poke. */
static bool move_task(struct runqueue *src, struct runqueue *dst,
		      struct task *t)
{
	sched_dequeue(src, t);
	STORE_REL(&t->home_cpu, (uint16_t)dst->cpu);
	sched_enqueue(dst, t);
	return outranks_current(dst, t) && raise_resched(dst);
}

int sched_migrate(struct task *t, unsigned dst_cpu)
{
	struct runqueue *src, *dst = sched_rq(dst_cpu);
	unsigned long flags;
	bool poke_due = false;
	int err;

	if (!dst)
		return -EINVAL;
	if (t->idle)
		return -EPERM;
	for (;;) {
		unsigned cpu = LOAD_ACQ(&t->home_cpu);

		if (cpu == TASK_CPU_NONE)
			return -EINVAL;
		src = sched_rq(cpu);
		SCHED_ASSERT(src, "sched_migrate: task homed on no run queue");
		flags = lock_pair(src, dst);
		if (LOAD_RLX(&t->home_cpu) == cpu)
			break;
		unlock_pair(src, dst, flags);
	}
	err = migrate_refusal(t);
	if (err == 0 && src != dst)
		poke_due = move_task(src, dst, t);
	unlock_pair(src, dst, flags);
	if (poke_due)
		poke(dst_cpu);
	return err;
}

/* Running extremes of a balancing pass. */
struct balance_acc {
	bool any;	  /* some CPU counted */
	int32_t max, min; /* largest and smallest count seen */
	unsigned src;	  /* first CPU with max */
	unsigned dst;	  /* first CPU with min */
};

static void balance_note(struct balance_acc *a, unsigned cpu, int32_t count)
{
	if (count < 0)
		return;
	if (!a->any || count > a->max) {
		a->max = count;
		a->src = cpu;
	}
	if (!a->any || count < a->min) {
		a->min = count;
		a->dst = cpu;
	}
	a->any = true;
}

static bool balance_verdict(const struct balance_acc *a)
{
	return a->any && (int64_t)a->max - a->min >= 2;
}

bool sched_balance_decide(const int32_t *counts, unsigned n, unsigned *src,
			  unsigned *dst)
{
	struct balance_acc a = {0};

	for (unsigned i = 0; i < n; i++)
		balance_note(&a, i, counts[i]);
	if (!balance_verdict(&a))
		return false;
	*src = a.src;
	*dst = a.dst;
	return true;
}

/* The first task balancing may move off rq: bands high to low, FIFO. */
static struct task *first_migratable(struct runqueue *rq)
{
	for (int b = TASK_BANDS - 1; b >= 0; b--) {
		for (struct task_link *l = rq->bands[b].head; l; l = l->next) {
			struct task *t = task_of_rq_link(l);

			if (migrate_refusal(t) == 0)
				return t;
		}
	}
	return NULL;
}

/* sched_runnable of rq if its lock is free right now, else -1. */
static int32_t sample_runnable(struct runqueue *rq)
{
	unsigned long flags = arch_irq_save();
	int32_t n = -1;

	if (spin_trylock(&rq->lock)) {
		n = (int32_t)sched_runnable(rq);
		spin_unlock(&rq->lock);
	}
	arch_irq_restore(flags);
	return n;
}

int sched_balance(struct sched_balance_ret *out)
{
	struct balance_acc a = {0};
	struct runqueue *src, *dst, *lo, *hi;
	struct task *t = NULL;
	bool poke_due = false;
	int err = -ENOENT;

	for (unsigned cpu = 0; cpu < LOAD_RLX(&rq_limit); cpu++) {
		struct runqueue *rq = sched_rq(cpu);

		if (rq)
			balance_note(&a, cpu, sample_runnable(rq));
	}
	if (!balance_verdict(&a))
		return -ENOENT;
	src = sched_rq(a.src);
	dst = sched_rq(a.dst);
	lo = src->cpu < dst->cpu ? src : dst;
	hi = src->cpu < dst->cpu ? dst : src;

	/* Try-locks only: never waits, so no order can deadlock. */
	unsigned long flags = arch_irq_save();

	if (!spin_trylock(&lo->lock)) {
		arch_irq_restore(flags);
		return -EBUSY;
	}
	if (!spin_trylock(&hi->lock)) {
		spin_unlock(&lo->lock);
		arch_irq_restore(flags);
		return -EBUSY;
	}
	/* The sample may be stale; decide again on what is locked. */
	if (sched_runnable(src) >= sched_runnable(dst) + 2)
		t = first_migratable(src);
	if (t) {
		poke_due = move_task(src, dst, t);
		if (out) {
			out->src = src->cpu;
			out->dst = dst->cpu;
			out->moved = t->id;
		}
		err = 0;
	}
	spin_unlock(&hi->lock);
	spin_unlock(&lo->lock);
	arch_irq_restore(flags);
	if (poke_due)
		poke(dst->cpu);
	return err;
}

/* The checks of sched_check_invariants, returning the broken rule. */
static const char *check_idle_current(struct runqueue *rq)
{
	const struct task *idle = rq->idle, *cur = rq->current;

	if (!idle || !idle->idle)
		return "idle task missing";
	if (idle->home_cpu != rq->cpu || !idle->pinned)
		return "idle task not pinned to its CPU";
	if (idle->on_queue || idle->block.kind != TASK_BLOCK_NONE)
		return "idle task queued or blocked";
	if (idle->state != (cur == idle ? TASK_RUNNING : TASK_READY))
		return "idle task neither running nor ready";
	if (!cur)
		return "no current task";
	if (cur->home_cpu != rq->cpu)
		return "current task not homed on this CPU";
	if (cur->on_queue)
		return "current task is queued";
	if (cur->state == TASK_READY || cur->state == TASK_FREE)
		return "current task is READY or FREE";
	if (!cur->on_cpu)
		return "current task not flagged on_cpu";
	return NULL;
}

static const char *check_bands(struct runqueue *rq)
{
	uint32_t total = 0;

	for (unsigned b = 0; b < TASK_BANDS; b++) {
		const struct task_list *list = &rq->bands[b];
		const char *why = task_list_check(list, task_table_size());

		if (why)
			return why;
		if (!!(rq->band_mask & (1u << b)) != (list->count != 0))
			return "band bitmap does not match the bands";
		for (struct task_link *l = list->head; l; l = l->next) {
			const struct task *t = task_of_rq_link(l);

			if (t->state != TASK_READY || !t->on_queue)
				return "queued task not READY or not flagged";
			if (t->home_cpu != rq->cpu || t->idle)
				return "queued task foreign or idle";
			if (task_prio_band(t->priority) != b)
				return "queued task in the wrong band";
		}
		total += list->count;
	}
	if (rq->band_mask >> TASK_BANDS)
		return "band bitmap has bits beyond the bands";
	if (total != rq->nr_ready)
		return "nr_ready does not match the bands";
	return NULL;
}

static const char *check_task(struct runqueue *rq, const struct task *t)
{
	enum task_state s = t->state;
	bool waiting =
	    s == TASK_BLOCKED ||
	    (s == TASK_SUSPENDED && t->suspended.kind != TASK_BLOCK_NONE);

	if (s == TASK_RUNNING && t != rq->current)
		return "RUNNING task is not current";
	if ((s == TASK_READY && !t->idle) != t->on_queue)
		return "READY without queue, or queued without READY";
	if ((s == TASK_BLOCKED) != (t->block.kind != TASK_BLOCK_NONE))
		return "BLOCKED does not match the block reason";
	if (s != TASK_SUSPENDED && t->suspended.kind != TASK_BLOCK_NONE)
		return "saved block reason outside SUSPENDED";
	if (LOAD_ACQ(&t->wq) && !waiting)
		return "task on a wait queue but not waiting";
	if (LOAD_ACQ(&t->on_cpu) && t != rq->current && t != rq->switch_prev)
		return "on_cpu task neither current nor switching away";
	if (t->slice > TASK_SLICE_TICKS)
		return "slice above the maximum";
	return NULL;
}

bool sched_check_invariants(struct runqueue *rq, const char **why)
{
	const char *bad;
	uint32_t ready = 0;

	SCHED_ASSERT(sched_lock_held(&rq->lock),
		     "sched_check_invariants: rq not locked");
	bad = check_idle_current(rq);
	if (!bad)
		bad = check_bands(rq);
	for (size_t i = 0; !bad && i < task_table_size(); i++) {
		const struct task *t = task_table_slot(i);

		/* Only this CPU's tasks are stable under its lock. */
		if (LOAD_ACQ(&t->state) == TASK_FREE ||
		    LOAD_ACQ(&t->home_cpu) != rq->cpu)
			continue;
		bad = check_task(rq, t);
		ready += t->state == TASK_READY && !t->idle;
	}
	if (!bad && ready != rq->nr_ready)
		bad = "READY tasks homed here differ from nr_ready";
	if (why)
		*why = bad;
	return !bad;
}
