/*
 * kernel/sched/task.c - the global task table and the task life-cycle
 * rules (spec kernel.md section 1).
 */
#include "kernel/sched/task.h"

#include "kernel/core/spinlock.h"
#include "kernel/sched/sched_internal.h"
#include "lib/klib/string.h"
#include "abi/errno.h"

/* task_fresh keeps the fields before priority: the lock-free-read ones. */
#define TASK_KEPT(field) (offsetof(struct task, field) < TASK_FRESH_FROM)
#define TASK_FRESH_FROM	 offsetof(struct task, priority)
_Static_assert(TASK_KEPT(id) && TASK_KEPT(state) && TASK_KEPT(home_cpu),
	       "struct task: lock-free fields must come first");
_Static_assert(TASK_KEPT(on_cpu) && TASK_KEPT(wq),
	       "struct task: lock-free fields must come first");

/* The table.  slots and size are set by task_table_init and then const. */
static struct {
	struct spinlock lock; /* guards slot allocation, ids and used */
	struct task *slots;   /* const after init */
	size_t size;	      /* const after init */
	size_t used;	      /* lock: slots not FREE */
} table = {
    .lock = SPINLOCK_INIT("task_table", TASK_TABLE_LOCK_RANK),
};

static const char *const state_names[TASK_STATE_COUNT] = {
    [TASK_FREE] = "FREE",	    [TASK_READY] = "READY",
    [TASK_RUNNING] = "RUNNING",	    [TASK_BLOCKED] = "BLOCKED",
    [TASK_SUSPENDED] = "SUSPENDED", [TASK_TERMINATED] = "TERMINATED",
};

static const char *const kind_names[TASK_BLOCK_KIND_COUNT] = {
    [TASK_BLOCK_NONE] = "NONE",
    [TASK_BLOCK_MESSAGE] = "MESSAGE",
    [TASK_BLOCK_SYNC_SEND] = "SYNC_SEND",
    [TASK_BLOCK_SYNC_RECV] = "SYNC_RECV",
    [TASK_BLOCK_SYNC_REPLY] = "SYNC_REPLY",
    [TASK_BLOCK_IRQ] = "IRQ",
    [TASK_BLOCK_SYNC_WAIT] = "SYNC_WAIT",
    [TASK_BLOCK_TIMER] = "TIMER",
    [TASK_BLOCK_DEBUGGER] = "DEBUGGER",
    [TASK_BLOCK_CHILD] = "CHILD",
    [TASK_BLOCK_POLICY] = "POLICY",
    [TASK_BLOCK_BOOT_GATE] = "BOOT_GATE",
    [TASK_BLOCK_MESSAGE_ANY] = "MESSAGE_ANY",
};

const char *task_state_name(enum task_state s)
{
	if ((unsigned)s >= TASK_STATE_COUNT)
		return "?";
	return state_names[s];
}

const char *task_block_kind_name(enum task_block_kind k)
{
	if ((unsigned)k >= TASK_BLOCK_KIND_COUNT)
		return "?";
	return kind_names[k];
}

void task_table_init(struct task *slots, size_t n)
{
	if (!slots || n == 0 || n > UINT32_MAX)
		panic("task_table_init: bad table (%zu slots)", n);
	spin_init(&table.lock, "task_table", TASK_TABLE_LOCK_RANK);
	memset(slots, 0, n * sizeof(*slots));
	for (size_t i = 0; i < n; i++) {
		slots[i].id = task_id_make((uint32_t)i, 1);
		slots[i].state = TASK_FREE;
		slots[i].home_cpu = TASK_CPU_NONE;
	}
	table.slots = slots;
	table.size = n;
	table.used = 0;
}

/*
 * Reset a free slot for a new task.  The fields other CPUs read without a
 * lock are already right for a free slot (task_free checked or set them)
 * and are not rewritten, so a stale reader never sees a transient value;
 * the rest is cleared, and the state is published last.
 */
static void task_fresh(struct task *t, uint8_t priority, task_id_t parent)
{
	size_t keep = TASK_FRESH_FROM;

	SCHED_ASSERT(t->home_cpu == TASK_CPU_NONE && !t->on_cpu && !t->wq,
		     "task_alloc: free slot still in use");
	memset((char *)t + keep, 0, sizeof(*t) - keep);
	t->priority = priority;
	t->slice = TASK_SLICE_TICKS;
	t->parent = parent;
	STORE_REL(&t->state, TASK_SUSPENDED);
}

int task_alloc(uint8_t priority, task_id_t parent, struct task **out)
{
	unsigned long flags = spin_lock_irqsave(&table.lock);
	int err = -ENOMEM;

	for (size_t i = 0; i < table.size; i++) {
		struct task *t = &table.slots[i];

		if (t->state != TASK_FREE)
			continue;
		task_fresh(t, priority, parent);
		table.used++;
		*out = t;
		err = 0;
		break;
	}
	spin_unlock_irqrestore(&table.lock, flags);
	return err;
}

/* Is t a slot of the table?  Kernel bug if not. */
static bool task_in_table(const struct task *t)
{
	uintptr_t p = (uintptr_t)t, base = (uintptr_t)table.slots;

	return table.slots && p >= base &&
	       p < base + table.size * sizeof(struct task) &&
	       (p - base) % sizeof(struct task) == 0;
}

int task_free(struct task *t)
{
	SCHED_ASSERT(task_in_table(t), "task_free: foreign task pointer");
	/* Checked again under the lock, for two CPUs freeing at once. */
	SCHED_ASSERT(LOAD_ACQ(&t->state) != TASK_FREE,
		     "task_free: double free");

	unsigned long flags = spin_lock_irqsave(&table.lock);
	enum task_state state = LOAD_ACQ(&t->state);
	int err = 0;

	SCHED_ASSERT(state != TASK_FREE, "task_free: double free");
	/*
	 * A TERMINATED task never changes state again, and terminate took it
	 * off every queue, so only on_cpu can still be changing: the CPU that
	 * ran it clears it in sched_switch_finish once its context is saved.
	 */
	if (t->idle) {
		err = -EPERM;
	} else if (state == TASK_TERMINATED) {
		if (LOAD_ACQ(&t->on_cpu) || t->on_queue || LOAD_ACQ(&t->wq))
			err = -EBUSY;
	} else if (state != TASK_SUSPENDED ||
		   LOAD_ACQ(&t->home_cpu) != TASK_CPU_NONE) {
		err = -EBUSY;
	}
	if (err == 0) {
		uint32_t gen = task_id_gen(t->id) + 1;

		if (gen == 0)
			gen = 1; /* id 0 stays TASK_ID_NONE */
		STORE_REL(&t->state, TASK_FREE);
		STORE_REL(&t->id, task_id_make(task_id_slot(t->id), gen));
		STORE_REL(&t->home_cpu, TASK_CPU_NONE);
		t->ctx = NULL;
		t->kstack = NULL;
		t->proc = NULL;
		table.used--;
	}
	spin_unlock_irqrestore(&table.lock, flags);
	return err;
}

struct task *task_lookup(task_id_t id)
{
	uint32_t slot = task_id_slot(id);
	struct task *t = NULL;

	if (id == TASK_ID_NONE || slot >= table.size)
		return NULL;

	unsigned long flags = spin_lock_irqsave(&table.lock);

	if (table.slots[slot].state != TASK_FREE && table.slots[slot].id == id)
		t = &table.slots[slot];
	spin_unlock_irqrestore(&table.lock, flags);
	return t;
}

size_t task_table_size(void)
{
	return table.size;
}

size_t task_table_used(void)
{
	unsigned long flags = spin_lock_irqsave(&table.lock);
	size_t used = table.used;

	spin_unlock_irqrestore(&table.lock, flags);
	return used;
}

struct task *task_table_slot(size_t i)
{
	if (i >= table.size)
		return NULL;
	return &table.slots[i];
}

const char *task_list_check(const struct task_list *list, size_t limit)
{
	const struct task_link *prev = NULL;
	size_t n = 0;

	for (const struct task_link *l = list->head; l; l = l->next) {
		if (++n > limit)
			return "list longer than its limit (cycle?)";
		if (l->prev != prev)
			return "list prev link broken";
		prev = l;
	}
	if (list->tail != prev)
		return "list tail is not the last node";
	if (list->count != n)
		return "list count does not match its length";
	return NULL;
}
