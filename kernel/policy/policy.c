/*
 * kernel/policy/policy.c - the kernel side of the policy upcall (layer 1,
 * spec ipc.md section 6; interface in policy.h; design in
 * docs/policy.md): the slow path of the syscall check, the sink of
 * endpoint 23, the wait for an answer and the timer's timeouts.
 * Decisions and bookkeeping are kernel/policy/policy_core.c's; this file
 * adds the lock, the clock, IPC and the scheduler.
 *
 * Waiting for an answer follows docs/scheduler.md's protocol, as
 * WaitIrq does (kernel/dev/irq.c): block with reason POLICY(query id)
 * under our run-queue lock, look at the query again, switch.  The sink
 * marks the query DONE under the policy lock and then wakes the task
 * under ITS run-queue lock, so one of the two sees the other.  The timer
 * may not wait for a lock: it uses try-locks, and an entry whose wake
 * found a run queue busy is simply reported again on the next tick.
 *
 * Locking: the policy lock is a leaf (nothing is taken while holding
 * it); sends, wakes, audit events and the capability look-up happen with
 * no lock held.
 */
#include "kernel/policy/policy.h"

#include "kernel/arch/arch.h"
#include "kernel/audit/audit.h"
#include "kernel/cap/cap.h"
#include "kernel/core/log.h"
#include "kernel/core/panic.h"
#include "kernel/core/spinlock.h"
#include "kernel/core/time.h"
#include "kernel/ipc/ipc.h"
#include "kernel/mm/heap.h"
#include "kernel/proc/lifecycle.h"
#include "kernel/proc/process.h"
#include "kernel/sched/glue.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/task.h"

#include "lib/klib/string.h"

#include "abi/errno.h"
#include "abi/ipc.h"
#include "abi/policy.h"

/* A leaf above the CAP lock (0x640): nothing is taken while holding it. */
#define POLICY_LOCK_RANK 0x660u

struct policy_core policy_state;
static struct spinlock policy_lock = SPINLOCK_INIT("policy", POLICY_LOCK_RANK);
/* Set once the first "service gone" has been logged; atomic. */
static uint32_t gone_logged;

static unsigned long lock(void)
{
	return spin_lock_irqsave(&policy_lock);
}

static void unlock(unsigned long flags)
{
	spin_unlock_irqrestore(&policy_lock, flags);
}

static int64_t denied(uint64_t pid, unsigned nr, enum policy_denied_why why)
{
	audit_emit(AUDIT_SYSCALL_DENIED, pid, 0, nr, POLICY_DENIED_CHECK, why,
		   0);
	return -EPOLICY;
}


static task_id_t current_task(void)
{
	unsigned long flags = arch_irq_save();
	task_id_t id = sched_this_rq()->current->id;

	arch_irq_restore(flags);
	return id;
}

/* Is t waiting (blocked, or suspended while blocked) for query qid? */
static bool waits_for(const struct task *t, uint64_t qid)
{
	const struct task_block_reason *r = NULL;

	if (t->state == TASK_BLOCKED)
		r = &t->block;
	else if (t->state == TASK_SUSPENDED)
		r = &t->suspended;
	return r && r->kind == TASK_BLOCK_POLICY && r->arg == qid;
}

/*
 * Wake task id if it still waits for query qid.  try: from the timer,
 * try-lock only.  Returns false only when a try-lock failed.
 */
static bool wake_waiter(task_id_t id, uint64_t qid, bool try)
{
	struct task *t = task_table_slot(task_id_slot(id));

	if (!t)
		return true;
	for (unsigned i = 0; i < 16; i++) {
		unsigned home = __atomic_load_n(&t->home_cpu, __ATOMIC_ACQUIRE);
		struct runqueue *rq = home == TASK_CPU_NONE ? NULL : sched_rq(home);
		unsigned long flags = 0;

		if (!rq)
			return true;
		if (try) {
			if (!spin_trylock(&rq->lock)) {
				arch_cpu_relax();
				continue;
			}
		} else {
			flags = spin_lock_irqsave(&rq->lock);
		}
		/* A blocked task does not migrate: home is stable once it is
		 * confirmed under the lock. */
		bool same = __atomic_load_n(&t->id, __ATOMIC_RELAXED) == id &&
			    t->home_cpu == home;

		if (same && waits_for(t, qid))
			(void)sched_wake_locked(rq, t);
		if (try)
			spin_unlock(&rq->lock);
		else
			spin_unlock_irqrestore(&rq->lock, flags);
		if (same || try)
			return true;
		/* Migrated between the look and the lock: look again. */
	}
	return false;
}

/* Block the calling task until query qid (entry idx) has ended. */
static void wait_answer(unsigned idx, uint64_t qid)
{
	while (!policy_core_done(&policy_state, idx, qid)) {
		unsigned long flags = arch_irq_save();
		struct runqueue *rq = sched_this_rq();
		struct task *self;

		spin_lock(&rq->lock);
		self = rq->current;
		if (sched_block_current(rq, task_block(TASK_BLOCK_POLICY, qid)))
			panic("policy: wait_answer: cannot block");
		/* Blocked; now look (pairs with the sink's wake). */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (policy_core_done(&policy_state, idx, qid))
			(void)sched_wake_locked(rq, self);
		spin_unlock(&rq->lock);
		schedule();
		arch_irq_restore(flags);
	}
}

/* The query's Principal and program name, from the kernel's records. */
static void describe_caller(uint64_t pid, struct policy_query *q)
{
	struct process *p = proc_current();

	if (cap_get_principal(pid, q->principal))
		memset(q->principal, 0, sizeof(q->principal));
	memset(q->name, 0, sizeof(q->name));
	if (p)
		strlcpy(q->name, p->name, sizeof(q->name));
}

static int64_t no_service(uint64_t pid, unsigned nr)
{
	if (!__atomic_exchange_n(&gone_logged, 1, __ATOMIC_RELAXED))
		log_warn("policy: the policy service is gone: syscalls not "
			 "decided before are denied\n");
	audit_emit(AUDIT_POLICY_QUERY, pid, 0, nr, 0, POLICY_OUTCOME_GONE, 0);
	return denied(pid, nr, POLICY_WHY_NO_SERVICE);
}

int64_t policy_syscall_slow(uint64_t pid, unsigned nr)
{
	uint8_t buf[POLICY_QUERY_SIZE];
	uint64_t deadline = time_ticks() + POLICY_TIMEOUT_TICKS;
	struct policy_query q;
	enum policy_step step;
	unsigned long flags;
	unsigned idx = 0;
	bool allowed;
	int outcome;

	for (;;) {
		/* The service, then who owns 22 (it releases 22 only by
		 * exiting); policy_core_begin compares them. */
		uint64_t seen = __atomic_load_n(&policy_state.service,
						__ATOMIC_ACQUIRE);
		uint64_t owner = cap_endpoint_owner(IPC_EP_POLICY_QUERY);
		task_id_t self = current_task();
		uint64_t now = time_ticks();

		flags = lock();
		step = policy_core_begin(&policy_state, pid, nr, self, now,
					 seen, owner, &q, &idx);
		unlock(flags);
		if (step == POLICY_STEP_ALLOW)
			return 0;
		if (step == POLICY_STEP_DENY)
			return denied(pid, nr, POLICY_WHY_CACHED);
		if (step == POLICY_STEP_FALLBACK)
			return no_service(pid, nr);
		if (step == POLICY_STEP_QUERY) {
			describe_caller(pid, &q);
			policy_query_encode(&q, buf);
			int err = ipc_send_kernel(IPC_EP_POLICY_QUERY,
						  IPC_EP_POLICY_REPLY, buf,
						  sizeof(buf));

			if (!err)
				break;
			flags = lock();
			policy_core_cancel(&policy_state, idx, q.query_id);
			unlock(flags);
			if (err != -EWOULDBLOCK)
				return no_service(pid, nr);
		}
		/* No free entry, or the service's queue is full: let the
		 * service run, then try again, up to the deadline. */
		if (time_ticks() >= deadline) {
			audit_emit(AUDIT_POLICY_QUERY, pid, 0, nr, 0,
				   POLICY_OUTCOME_TIMEOUT, 0);
			return denied(pid, nr, POLICY_WHY_TIMEOUT);
		}
		schedule();
	}
	wait_answer(idx, q.query_id);
	flags = lock();
	outcome = policy_core_finish(&policy_state, idx, q.query_id, &allowed);
	unlock(flags);
	audit_emit(AUDIT_POLICY_QUERY, pid, 0, nr, allowed, (uint64_t)outcome,
		   q.query_id);
	if (outcome == POLICY_OUTCOME_TIMEOUT)
		log_warn("policy: query %lu (process %u, syscall %u) not answered "
			 "in time: denied\n",
			 (unsigned long)q.query_id, pid_slot(pid), nr);
	if (allowed)
		return 0;
	return denied(pid, nr,
		      outcome == POLICY_OUTCOME_ANSWER ? POLICY_WHY_ANSWER
						       : POLICY_WHY_TIMEOUT);
}

/* Endpoint 23: the service's messages, consumed here (ipc_set_sink). */
static int reply_sink(void *ctx, const struct ipc_msg *msg)
{
	uint64_t owner = cap_endpoint_owner(IPC_EP_POLICY_QUERY);
	struct policy_wake w = {0, 0};
	uint64_t gen_before, gen_after;
	bool was_active, active;
	unsigned long flags;
	int ret;

	(void)ctx;
	flags = lock();
	was_active = policy_state.active && !policy_state.gone;
	gen_before = policy_state.gen;
	ret = policy_core_message(&policy_state, msg->sender_pid, owner,
				  msg->payload, msg->len, &w);
	active = policy_state.active && !policy_state.gone;
	gen_after = policy_state.gen;
	unlock(flags);
	if (ret == 1) {
		(void)wake_waiter(w.task, w.query_id, false);
		return 0;
	}
	if (ret == 0 && active && !was_active)
		log_info("policy: policy service (process %u) active: syscalls "
			 "are checked from now on\n",
			 pid_slot(msg->sender_pid));
	else if (ret == 0 && gen_after != gen_before)
		log_info("policy: decisions invalidated (generation %lu)\n",
			 (unsigned long)gen_after);
	return ret;
}

static bool task_alive(void *ctx, uint64_t id)
{
	struct task *t = task_table_slot(task_id_slot(id));
	int state;

	(void)ctx;
	if (!t || __atomic_load_n(&t->id, __ATOMIC_ACQUIRE) != id)
		return false;
	state = __atomic_load_n(&t->state, __ATOMIC_RELAXED);
	return state != TASK_TERMINATED && state != TASK_FREE;
}

void policy_tick(uint64_t now)
{
	struct policy_wake w[POLICY_PENDING_MAX];
	unsigned n;

	if (!__atomic_load_n(&policy_state.pending_used, __ATOMIC_RELAXED))
		return;
	/* An interrupt never waits for a lock: try again next tick. */
	if (!spin_trylock(&policy_lock))
		return;
	n = policy_core_tick(&policy_state, now, task_alive, NULL, w,
			     POLICY_PENDING_MAX);
	spin_unlock(&policy_lock);
	for (unsigned i = 0; i < n; i++)
		(void)wake_waiter(w[i].task, w[i].query_id, true);
}

void policy_init(void)
{
	uint32_t procs, tasks, slots;
	struct policy_cache_entry *cache;

	/* Task slots >= process slots: an entry for every process slot. */
	proc_counts(&procs, &tasks, &slots);
	cache = kzalloc((size_t)slots * sizeof(*cache));
	if (!cache)
		panic("policy: no memory for %u cache entries", slots);
	policy_core_init(&policy_state, cache, slots);
	if (ipc_set_sink(IPC_EP_POLICY_REPLY, reply_sink, NULL))
		panic("policy: cannot attach to endpoint %u", IPC_EP_POLICY_REPLY);
}
