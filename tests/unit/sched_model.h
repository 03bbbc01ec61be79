/*
 * tests/unit/sched_model.h - a shadow model of the scheduler for random
 * operation sequences (included by sched_test.c after sched_testlib.h).
 *
 * The model is a second, deliberately naive implementation: arrays
 * instead of intrusive lists, one rule per operation written from the
 * header's contracts.  model_run() applies thousands of random
 * operations to both, from random fake CPUs, and after every step checks
 * sched_check_invariants and waitq_check on the real one and compares the
 * two completely: every task's fields, every band's FIFO order, every
 * wait queue's order, current and need_resched of every CPU, and the
 * number of reschedule pokes sent.
 */
#pragma once

#define MQ 3 /* wait queues in the model run */

/* Model of one task slot. */
struct mtask {
	bool used;    /* allocated */
	bool started; /* home set */
	enum task_state state;
	uint8_t prio;
	uint8_t slice;
	unsigned home;
	bool pinned;
	struct task_block_reason block, saved;
	int wq; /* wait queue index, -1 none */
	task_id_t id;
	int64_t exit_code;
};

static struct mtask mt[NSLOTS];
static int mband[NCPUS][TASK_BANDS][NSLOTS]; /* FIFO of slots */
static int mband_n[NCPUS][TASK_BANDS];
static int mcur[NCPUS];	     /* current slot */
static int midle[NCPUS];     /* idle slot */
static bool mresched[NCPUS]; /* need_resched */
static int mwq[MQ][NSLOTS];  /* wait-queue FIFOs */
static int mwq_n[MQ];
static struct waitq wqs[MQ]; /* the real wait queues */
static unsigned mpokes;	     /* pokes the model expects */
static unsigned mcaller;     /* executing CPU of the current op */
static task_id_t stale[64];  /* ids of freed tasks */
static unsigned nstale;
static uint64_t rng_state;
static unsigned long op_counts[32]; /* how often each op ran */

static const struct task_block_reason reason_pool[] = {
    {TASK_BLOCK_MESSAGE, 1},	{TASK_BLOCK_MESSAGE, 2},
    {TASK_BLOCK_SYNC_SEND, 1},	{TASK_BLOCK_SYNC_RECV, 1},
    {TASK_BLOCK_SYNC_REPLY, 1}, {TASK_BLOCK_IRQ, 1},
    {TASK_BLOCK_IRQ, 2},	{TASK_BLOCK_SYNC_WAIT, 9},
    {TASK_BLOCK_TIMER, 100},	{TASK_BLOCK_DEBUGGER, 0},
    {TASK_BLOCK_CHILD, 12345},	{TASK_BLOCK_POLICY, 3},
    {TASK_BLOCK_BOOT_GATE, 0},
};
#define NREASONS (sizeof(reason_pool) / sizeof(reason_pool[0]))

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static int slot_of(const struct task *t)
{
	return (int)(t - slots);
}

static bool m_reason_eq(struct task_block_reason a, struct task_block_reason b)
{
	return a.kind == b.kind && a.arg == b.arg;
}

static unsigned m_band(int s)
{
	return task_prio_band(mt[s].prio);
}

static bool m_is_idle(int s)
{
	for (unsigned c = 0; c < NCPUS; c++)
		if (midle[c] == s)
			return true;
	return false;
}

static bool m_queued(int s)
{
	return mt[s].used && mt[s].state == TASK_READY && !m_is_idle(s);
}

static bool m_on_cpu(int s)
{
	return mt[s].started && mcur[mt[s].home] == s;
}

static int m_top(unsigned cpu)
{
	for (int b = TASK_BANDS - 1; b >= 0; b--)
		if (mband_n[cpu][b])
			return b;
	return -1;
}

static void m_list_remove(int *list, int *n, int s)
{
	for (int i = 0; i < *n; i++) {
		if (list[i] != s)
			continue;
		memmove(&list[i], &list[i + 1],
			(size_t)(*n - i - 1) * sizeof(*list));
		(*n)--;
		return;
	}
	fail_msg("model: slot %d not on its list", s);
}

static int m_list_pop(int *list, int *n)
{
	int s = list[0];

	memmove(&list[0], &list[1], (size_t)(*n - 1) * sizeof(*list));
	(*n)--;
	return s;
}

static void m_enqueue(unsigned cpu, int s)
{
	unsigned b = m_band(s);

	mband[cpu][b][mband_n[cpu][b]++] = s;
}

static void m_dequeue(unsigned cpu, int s)
{
	unsigned b = m_band(s);

	m_list_remove(mband[cpu][b], &mband_n[cpu][b], s);
}

/* Raise need_resched; a remote CPU is poked when the flag was clear. */
static void m_resched(unsigned cpu)
{
	if (!mresched[cpu] && cpu != mcaller)
		mpokes++;
	mresched[cpu] = true;
}

static bool m_outranks(unsigned cpu, int s)
{
	int cur = mcur[cpu];

	if (cur == midle[cpu])
		return true;
	if (mt[cur].state != TASK_RUNNING)
		return false;
	return m_band(s) > m_band(cur);
}

static void m_make_ready(unsigned cpu, int s)
{
	mt[s].state = TASK_READY;
	mt[s].slice = TASK_SLICE_TICKS;
	m_enqueue(cpu, s);
	if (m_outranks(cpu, s))
		m_resched(cpu);
}

static void m_detach(int s)
{
	int q = mt[s].wq;

	if (q >= 0)
		m_list_remove(mwq[q], &mwq_n[q], s);
	mt[s].wq = -1;
}

/* Model of wake_locked + poke; returns woken, *resched as reported. */
static bool m_wake(int s, bool *resched)
{
	static const struct task_block_reason none = {TASK_BLOCK_NONE, 0};
	unsigned home = mt[s].home;

	*resched = false;
	if (mt[s].state == TASK_BLOCKED) {
		m_detach(s);
		mt[s].block = none;
		if (mcur[home] == s) {
			mt[s].state = TASK_RUNNING;
			return true;
		}
		mt[s].state = TASK_READY;
		mt[s].slice = TASK_SLICE_TICKS;
		m_enqueue(home, s);
		if (m_outranks(home, s)) {
			m_resched(home);
			*resched = true;
		}
		return true;
	}
	if (mt[s].state == TASK_SUSPENDED &&
	    mt[s].saved.kind != TASK_BLOCK_NONE) {
		m_detach(s);
		mt[s].saved = none;
		return true;
	}
	return false;
}

static void m_init(uint64_t seed)
{
	memset(mt, 0, sizeof(mt));
	memset(mband_n, 0, sizeof(mband_n));
	memset(mwq_n, 0, sizeof(mwq_n));
	memset(mresched, 0, sizeof(mresched));
	memset(op_counts, 0, sizeof(op_counts));
	mpokes = 0;
	nstale = 0;
	rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
	for (int s = 0; s < NSLOTS; s++)
		mt[s].wq = -1;
	for (unsigned c = 0; c < NCPUS; c++) {
		int s = slot_of(idle_of[c]);

		midle[c] = s;
		mcur[c] = s;
		mt[s].used = true;
		mt[s].started = true;
		mt[s].state = TASK_RUNNING;
		mt[s].prio = TASK_PRIO_IDLE;
		mt[s].slice = TASK_SLICE_TICKS;
		mt[s].home = c;
		mt[s].pinned = true;
		mt[s].id = idle_of[c]->id;
	}
	for (int q = 0; q < MQ; q++)
		waitq_init(&wqs[q], "model");
	clear_pokes();
}

/* Compare every observable of model and machine. */
static void m_compare(unsigned long step)
{
	size_t used = 0;

	check_all();
	for (int q = 0; q < MQ; q++) {
		const char *why = NULL;
		struct task_link *l = wqs[q].waiters.head;

		if (!waitq_check(&wqs[q], &why))
			fail_msg("step %lu: waitq %d: %s", step, q, why);
		assert_int_equal(wqs[q].waiters.count, mwq_n[q]);
		for (int i = 0; i < mwq_n[q]; i++, l = l->next)
			assert_int_equal(slot_of(task_of_wq_link(l)),
					 mwq[q][i]);
	}
	for (int s = 0; s < NSLOTS; s++) {
		const struct task *t = &slots[s];
		const struct mtask *m = &mt[s];

		if (!m->used) {
			assert_int_equal(t->state, TASK_FREE);
			continue;
		}
		used++;
		if (t->state != m->state)
			fail_msg("step %lu: slot %d is %s, model %s", step, s,
				 task_state_name(t->state),
				 task_state_name(m->state));
		assert_int_equal(t->id, m->id);
		assert_int_equal(t->priority, m->prio);
		assert_int_equal(t->pinned, m->pinned);
		assert_int_equal(t->home_cpu,
				 m->started ? m->home : TASK_CPU_NONE);
		assert_int_equal(t->block.kind, m->block.kind);
		assert_int_equal(t->block.arg, m->block.arg);
		assert_int_equal(t->suspended.kind, m->saved.kind);
		assert_int_equal(t->suspended.arg, m->saved.arg);
		assert_ptr_equal(t->wq, m->wq >= 0 ? &wqs[m->wq] : NULL);
		assert_int_equal(t->on_queue, m_queued(s));
		assert_int_equal(t->on_cpu, m_on_cpu(s));
		assert_int_equal(t->slice, m->slice);
		if (m->state == TASK_TERMINATED)
			assert_int_equal(t->exit_code, m->exit_code);
	}
	assert_int_equal(task_table_used(), used);
	for (unsigned c = 0; c < NCPUS; c++) {
		assert_int_equal(slot_of(rqs[c].current), mcur[c]);
		if (sched_need_resched(&rqs[c]) != mresched[c])
			fail_msg("step %lu: CPU %u need_resched %d, model %d",
				 step, c, !mresched[c], mresched[c]);
		for (int b = 0; b < TASK_BANDS; b++) {
			struct task_link *l = rqs[c].bands[b].head;

			assert_int_equal(rqs[c].bands[b].count, mband_n[c][b]);
			for (int i = 0; i < mband_n[c][b]; i++, l = l->next)
				assert_int_equal(slot_of(task_of_rq_link(l)),
						 mband[c][b][i]);
		}
	}
	if (npokes != mpokes)
		fail_msg("step %lu: %u pokes, model %u", step, npokes, mpokes);
}

/* A random used slot, or -1. */
static int pick_used(void)
{
	int start = (int)rnd_below(NSLOTS);

	for (int i = 0; i < NSLOTS; i++) {
		int s = (start + i) % NSLOTS;

		if (mt[s].used)
			return s;
	}
	return -1;
}

static void set_caller(unsigned cpu)
{
	mcaller = cpu;
	fake_arch_set_cpu(cpu);
}

static void op_spawn(void)
{
	static const uint8_t prios[] = {1, 63, 64, 100, 128, 150, 192, 255};
	uint8_t prio = rnd_below(4) ? prios[rnd_below(8)] : (uint8_t)rnd();
	unsigned cpu = rnd_below(NCPUS);
	bool gated = rnd_below(7) == 0;
	struct task *t = NULL;
	int expect = -1, s, err;

	for (int i = 0; i < NSLOTS; i++) {
		if (!mt[i].used) {
			expect = i;
			break;
		}
	}
	set_caller(rnd_below(NCPUS));
	err = task_alloc(prio, TASK_ID_NONE, &t);
	if (expect < 0) {
		assert_int_equal(err, -ENOMEM);
		return;
	}
	assert_int_equal(err, 0);
	s = slot_of(t);
	assert_int_equal(s, expect);
	memset(&mt[s], 0, sizeof(mt[s]));
	mt[s].used = true;
	mt[s].state = TASK_SUSPENDED;
	mt[s].prio = prio;
	mt[s].slice = TASK_SLICE_TICKS;
	mt[s].wq = -1;
	mt[s].id = t->id;
	if (rnd_below(10) == 0)
		return; /* leave it unstarted for a while */
	mt[s].started = true;
	mt[s].home = cpu;
	if (gated) {
		assert_int_equal(
		    sched_start_blocked(t, cpu,
					task_block(TASK_BLOCK_BOOT_GATE, 0)),
		    0);
		mt[s].state = TASK_BLOCKED;
		mt[s].block = task_block(TASK_BLOCK_BOOT_GATE, 0);
	} else {
		assert_int_equal(sched_start(t, cpu), 0);
		m_make_ready(cpu, s);
	}
}

static void op_start_unstarted(void)
{
	int s = pick_used();
	unsigned cpu = rnd_below(NCPUS);

	if (s < 0)
		return;
	set_caller(rnd_below(NCPUS));
	if (mt[s].started) {
		assert_int_equal(sched_start(&slots[s], cpu),
				 m_is_idle(s) ? -EPERM : -EINVAL);
		return;
	}
	assert_int_equal(sched_start(&slots[s], cpu), 0);
	mt[s].started = true;
	mt[s].home = cpu;
	m_make_ready(cpu, s);
}

static void op_schedule(unsigned cpu)
{
	int prev = mcur[cpu], next = midle[cpu], top;
	struct task *zombie = NULL;
	struct sched_switch sw;

	set_caller(cpu);
	if (mt[prev].state == TASK_RUNNING) {
		mt[prev].state = TASK_READY;
		if (prev != midle[cpu])
			m_enqueue(cpu, prev);
	}
	top = m_top(cpu);
	if (top >= 0)
		next = m_list_pop(mband[cpu][top], &mband_n[cpu][top]);
	mt[next].state = TASK_RUNNING;
	mt[next].slice = TASK_SLICE_TICKS;
	mcur[cpu] = next;
	mresched[cpu] = false;

	sw = schedule_on(cpu, &zombie);
	assert_int_equal(slot_of(sw.prev), prev);
	assert_int_equal(slot_of(sw.next), next);
	if (prev != next && mt[prev].state == TASK_TERMINATED)
		assert_ptr_equal(zombie, &slots[prev]);
	else
		assert_null(zombie);
}

static void op_tick(unsigned cpu)
{
	int cur = mcur[cpu], top = m_top(cpu);
	bool want = mresched[cpu];

	set_caller(cpu);
	if (mt[cur].state != TASK_RUNNING) {
		want = true;
	} else if (cur == midle[cpu]) {
		want |= top >= 0;
	} else {
		int band = (int)m_band(cur);

		if (mt[cur].slice)
			mt[cur].slice--;
		if (top > band || (mt[cur].slice == 0 && top == band))
			want = true;
		else if (mt[cur].slice == 0)
			mt[cur].slice = TASK_SLICE_TICKS;
	}
	if (want)
		mresched[cpu] = true;
	assert_int_equal(tick_on(cpu), want);
}

static void op_block(unsigned cpu)
{
	int cur = mcur[cpu];
	struct task_block_reason r = reason_pool[rnd_below(NREASONS)];
	int q = (int)rnd_below(MQ + 2) - 2; /* -2, -1: no wait queue */

	if (cur == midle[cpu] || mt[cur].state != TASK_RUNNING)
		return;
	set_caller(cpu);
	if (rnd_below(20) == 0) {
		assert_int_equal(block_on(cpu, task_block(TASK_BLOCK_NONE, 0)),
				 -EINVAL);
		return;
	}
	if (q < 0) {
		assert_int_equal(block_on(cpu, r), 0);
	} else {
		arch_irq_disable();
		assert_int_equal(waitq_prepare_wait(&wqs[q], r), 0);
		arch_irq_enable();
		mwq[q][mwq_n[q]++] = cur;
		mt[cur].wq = q;
	}
	mt[cur].state = TASK_BLOCKED;
	mt[cur].block = r;
	mresched[cpu] = true;
	if (rnd_below(3))
		op_schedule(cpu);
}

static void op_finish_wait(unsigned cpu)
{
	int cur = mcur[cpu], q;
	bool waiting, resched;

	if (cur == midle[cpu])
		return;
	q = mt[cur].wq >= 0 ? mt[cur].wq : (int)rnd_below(MQ);
	set_caller(cpu);
	waiting = mt[cur].state == TASK_BLOCKED ||
		  (mt[cur].state == TASK_SUSPENDED &&
		   mt[cur].saved.kind != TASK_BLOCK_NONE);
	if (waiting)
		(void)m_wake(cur, &resched);
	else
		m_detach(cur);
	arch_irq_disable();
	assert_int_equal(waitq_finish_wait(&wqs[q]), !waiting);
	arch_irq_enable();
}

static void op_wake(void)
{
	int s = (int)rnd_below(NSLOTS);
	struct sched_wake_ret r;
	bool woken = false, resched = false;

	set_caller(rnd_below(NCPUS));
	if (mt[s].used && mt[s].started)
		woken = m_wake(s, &resched);
	if (rnd_below(2))
		r = sched_wake(&slots[s]);
	else
		r = sched_wake_id(mt[s].used ? mt[s].id : slots[s].id);
	assert_int_equal(r.woken, woken);
	assert_int_equal(r.resched, resched);
}

static void op_wake_stale(void)
{
	task_id_t id;

	if (!nstale)
		return;
	id = stale[rnd_below(nstale)];
	set_caller(rnd_below(NCPUS));
	assert_false(sched_wake_id(id).woken);
	if (task_lookup(id))
		fail_msg("stale id %#llx found", (unsigned long long)id);
}

static void op_wake_reason(void)
{
	struct task_block_reason r = reason_pool[rnd_below(NREASONS)];
	unsigned want = 0;
	bool resched;

	set_caller(rnd_below(NCPUS));
	for (int s = 0; s < NSLOTS; s++) {
		if (!mt[s].used || !mt[s].started)
			continue;
		if ((mt[s].state == TASK_BLOCKED &&
		     m_reason_eq(mt[s].block, r)) ||
		    (mt[s].state == TASK_SUSPENDED &&
		     m_reason_eq(mt[s].saved, r)))
			want += m_wake(s, &resched);
	}
	assert_int_equal(sched_wake_reason(r), want);
}

static void op_waitq_wake(bool all)
{
	int q = (int)rnd_below(MQ);
	unsigned want = 0, n = all ? (unsigned)mwq_n[q] : 1;
	bool resched;

	set_caller(rnd_below(NCPUS));
	while (want < n && mwq_n[q] > 0) {
		int s = m_list_pop(mwq[q], &mwq_n[q]);

		mt[s].wq = -1;
		want += m_wake(s, &resched);
	}
	assert_int_equal(
	    all ? waitq_wake_all(&wqs[q]) : waitq_wake_one(&wqs[q]), want);
}

static void op_terminate(void)
{
	static const struct task_block_reason none = {TASK_BLOCK_NONE, 0};
	int s = pick_used(), want = 0;
	int64_t code = (int64_t)rnd() >> 8;
	bool off = false;
	enum task_state st;

	if (s < 0)
		return;
	set_caller(rnd_below(NCPUS));
	st = mt[s].state;
	if (m_is_idle(s))
		want = -EPERM;
	else if (!mt[s].started || st == TASK_TERMINATED)
		want = -EINVAL;
	if (want) {
		assert_int_equal(sched_terminate(&slots[s], code, &off), want);
		return;
	}
	if (m_queued(s))
		m_dequeue(mt[s].home, s);
	m_detach(s);
	mt[s].block = none;
	mt[s].saved = none;
	mt[s].exit_code = code;
	mt[s].state = TASK_TERMINATED;
	if (m_on_cpu(s))
		m_resched(mt[s].home);
	assert_int_equal(sched_terminate(&slots[s], code, &off), 0);
	assert_int_equal(off, !m_on_cpu(s));
}

static void op_suspend(void)
{
	static const struct task_block_reason none = {TASK_BLOCK_NONE, 0};
	int s = pick_used(), want = 0;

	if (s < 0)
		return;
	set_caller(rnd_below(NCPUS));
	if (m_is_idle(s)) {
		want = -EPERM;
	} else if (!mt[s].started) {
		want = -EINVAL;
	} else if (mt[s].state == TASK_READY) {
		m_dequeue(mt[s].home, s);
		mt[s].saved = none;
		mt[s].state = TASK_SUSPENDED;
	} else if (mt[s].state == TASK_RUNNING) {
		mt[s].saved = none;
		mt[s].state = TASK_SUSPENDED;
		m_resched(mt[s].home);
	} else if (mt[s].state == TASK_BLOCKED) {
		mt[s].saved = mt[s].block;
		mt[s].block = none;
		mt[s].state = TASK_SUSPENDED;
	} else {
		want = -EINVAL;
	}
	assert_int_equal(sched_suspend(&slots[s]), want);
}

static void op_resume(void)
{
	static const struct task_block_reason none = {TASK_BLOCK_NONE, 0};
	int s = pick_used(), want = 0;

	if (s < 0)
		return;
	set_caller(rnd_below(NCPUS));
	if (!mt[s].started || mt[s].state != TASK_SUSPENDED) {
		want = -EINVAL;
	} else if (mt[s].saved.kind != TASK_BLOCK_NONE) {
		mt[s].block = mt[s].saved;
		mt[s].saved = none;
		mt[s].state = TASK_BLOCKED;
	} else if (m_on_cpu(s)) {
		mt[s].state = TASK_RUNNING;
	} else {
		m_make_ready(mt[s].home, s);
	}
	assert_int_equal(sched_resume(&slots[s]), want);
}

static void op_set_priority(void)
{
	int s = pick_used(), want = 0;
	uint8_t prio = (uint8_t)rnd();

	if (s < 0)
		return;
	set_caller(rnd_below(NCPUS));
	if (m_is_idle(s)) {
		want = -EPERM;
	} else if (!mt[s].started) {
		mt[s].prio = prio;
	} else if (mt[s].state == TASK_TERMINATED) {
		want = -EINVAL;
	} else {
		unsigned home = mt[s].home;
		bool queued = m_queued(s);

		if (queued && task_prio_band(prio) != m_band(s)) {
			m_dequeue(home, s);
			mt[s].prio = prio;
			m_enqueue(home, s);
		} else {
			mt[s].prio = prio;
		}
		if (mcur[home] == s && mt[s].state == TASK_RUNNING) {
			if (m_top(home) > (int)m_band(s))
				m_resched(home);
		} else if (queued && m_outranks(home, s)) {
			m_resched(home);
		}
	}
	assert_int_equal(sched_set_priority(&slots[s], prio), want);
}

static void op_set_pinned(void)
{
	int s = pick_used(), want = 0;
	bool pin = rnd_below(3) == 0;

	if (s < 0)
		return;
	set_caller(rnd_below(NCPUS));
	if (m_is_idle(s))
		want = -EPERM;
	else if (mt[s].started && mt[s].state == TASK_TERMINATED)
		want = -EINVAL;
	else
		mt[s].pinned = pin;
	assert_int_equal(sched_set_pinned(&slots[s], pin), want);
}

/* Move s (queued) from its home to dst in the model. */
static void m_move(int s, unsigned dst)
{
	m_dequeue(mt[s].home, s);
	mt[s].home = dst;
	m_enqueue(dst, s);
	if (m_outranks(dst, s))
		m_resched(dst);
}

static void op_migrate(void)
{
	int s = pick_used(), want = 0;
	unsigned dst = rnd_below(NCPUS + 1);

	if (s < 0)
		return;
	set_caller(rnd_below(NCPUS));
	if (dst >= NCPUS)
		want = -EINVAL;
	else if (m_is_idle(s))
		want = -EPERM;
	else if (!mt[s].started)
		want = -EINVAL;
	else if (mt[s].pinned)
		want = -EPERM;
	else if (mt[s].state == TASK_RUNNING || m_on_cpu(s))
		want = -EBUSY;
	else if (mt[s].state != TASK_READY)
		want = -EINVAL;
	else if (mt[s].home != dst)
		m_move(s, dst);
	assert_int_equal(sched_migrate(&slots[s], dst), want);
}

static uint32_t m_runnable(unsigned cpu)
{
	uint32_t n = 0;
	int cur = mcur[cpu];

	for (int b = 0; b < TASK_BANDS; b++)
		n += (uint32_t)mband_n[cpu][b];
	return n + (cur != midle[cpu] && mt[cur].state == TASK_RUNNING);
}

static void op_balance(void)
{
	int32_t counts[NCPUS];
	unsigned src = 0, dst = 0;
	struct sched_balance_ret out = {0};
	int moved = -1, err;

	set_caller(rnd_below(NCPUS));
	for (unsigned c = 0; c < NCPUS; c++)
		counts[c] = (int32_t)m_runnable(c);
	if (sched_balance_decide(counts, NCPUS, &src, &dst)) {
		for (int b = TASK_BANDS - 1; b >= 0 && moved < 0; b--) {
			for (int i = 0; i < mband_n[src][b]; i++) {
				int s = mband[src][b][i];

				if (!mt[s].pinned) {
					moved = s;
					break;
				}
			}
		}
	}
	if (moved >= 0)
		m_move(moved, dst);
	err = sched_balance(&out);
	if (moved < 0) {
		assert_int_equal(err, -ENOENT);
		return;
	}
	assert_int_equal(err, 0);
	assert_int_equal(out.src, src);
	assert_int_equal(out.dst, dst);
	assert_int_equal(out.moved, mt[moved].id);
}

static void op_free(void)
{
	int s = pick_used(), want;
	task_id_t id;

	if (s < 0)
		return;
	set_caller(rnd_below(NCPUS));
	id = mt[s].id;
	if (m_is_idle(s))
		want = -EPERM;
	else if (mt[s].state == TASK_TERMINATED)
		want = m_on_cpu(s) ? -EBUSY : 0;
	else if (!mt[s].started)
		want = 0;
	else
		want = -EBUSY;
	assert_int_equal(task_free(&slots[s]), want);
	if (want)
		return;
	mt[s].used = false;
	mt[s].started = false;
	if (nstale < sizeof(stale) / sizeof(stale[0]))
		stale[nstale++] = id;
	else
		stale[rnd_below(nstale)] = id;
	assert_null(task_lookup(id));
}

static void op_lookup(void)
{
	int s = pick_used();

	if (s >= 0)
		assert_ptr_equal(task_lookup(mt[s].id), &slots[s]);
}

enum {
	OP_SPAWN,
	OP_START,
	OP_SCHEDULE,
	OP_TICK,
	OP_BLOCK,
	OP_FINISH_WAIT,
	OP_WAKE,
	OP_WAKE_STALE,
	OP_WAKE_REASON,
	OP_WQ_ONE,
	OP_WQ_ALL,
	OP_TERMINATE,
	OP_SUSPEND,
	OP_RESUME,
	OP_PRIO,
	OP_PIN,
	OP_MIGRATE,
	OP_BALANCE,
	OP_FREE,
	OP_LOOKUP,
	OP_COUNT
};

/* Relative frequencies of the operations. */
static const unsigned op_weight[OP_COUNT] = {
    [OP_SPAWN] = 10,  [OP_START] = 2,	   [OP_SCHEDULE] = 18,
    [OP_TICK] = 16,   [OP_BLOCK] = 12,	   [OP_FINISH_WAIT] = 3,
    [OP_WAKE] = 8,    [OP_WAKE_STALE] = 2, [OP_WAKE_REASON] = 3,
    [OP_WQ_ONE] = 5,  [OP_WQ_ALL] = 3,	   [OP_TERMINATE] = 4,
    [OP_SUSPEND] = 4, [OP_RESUME] = 5,	   [OP_PRIO] = 4,
    [OP_PIN] = 2,     [OP_MIGRATE] = 6,	   [OP_BALANCE] = 3,
    [OP_FREE] = 6,    [OP_LOOKUP] = 2,
};

static void model_step(void)
{
	unsigned total = 0, pick;
	int op = 0;

	for (int i = 0; i < OP_COUNT; i++)
		total += op_weight[i];
	pick = rnd_below(total);
	while (pick >= op_weight[op])
		pick -= op_weight[op++];
	op_counts[op]++;
	switch (op) {
	case OP_SPAWN:
		op_spawn();
		break;
	case OP_START:
		op_start_unstarted();
		break;
	case OP_SCHEDULE:
		op_schedule(rnd_below(NCPUS));
		break;
	case OP_TICK:
		op_tick(rnd_below(NCPUS));
		break;
	case OP_BLOCK:
		op_block(rnd_below(NCPUS));
		break;
	case OP_FINISH_WAIT:
		op_finish_wait(rnd_below(NCPUS));
		break;
	case OP_WAKE:
		op_wake();
		break;
	case OP_WAKE_STALE:
		op_wake_stale();
		break;
	case OP_WAKE_REASON:
		op_wake_reason();
		break;
	case OP_WQ_ONE:
		op_waitq_wake(false);
		break;
	case OP_WQ_ALL:
		op_waitq_wake(true);
		break;
	case OP_TERMINATE:
		op_terminate();
		break;
	case OP_SUSPEND:
		op_suspend();
		break;
	case OP_RESUME:
		op_resume();
		break;
	case OP_PRIO:
		op_set_priority();
		break;
	case OP_PIN:
		op_set_pinned();
		break;
	case OP_MIGRATE:
		op_migrate();
		break;
	case OP_BALANCE:
		op_balance();
		break;
	case OP_FREE:
		op_free();
		break;
	case OP_LOOKUP:
		op_lookup();
		break;
	}
}

/* Run steps random operations from seed, comparing after each. */
static void model_run(uint64_t seed, unsigned long steps)
{
	unsigned long states[TASK_STATE_COUNT] = {0};

	m_init(seed);
	for (unsigned long i = 0; i < steps; i++) {
		model_step();
		m_compare(i);
		for (int s = 0; s < NSLOTS; s++)
			if (mt[s].used)
				states[mt[s].state]++;
	}
	/* The run must have exercised every operation and every state. */
	for (int op = 0; op < OP_COUNT; op++)
		if (!op_counts[op])
			fail_msg("seed %llu: operation %d never ran",
				 (unsigned long long)seed, op);
	for (int s = TASK_READY; s < TASK_STATE_COUNT; s++)
		if (!states[s])
			fail_msg("seed %llu: no task was ever %s",
				 (unsigned long long)seed, task_state_name(s));
}
