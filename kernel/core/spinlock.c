/*
 * kernel/core/spinlock.c - ticket spinlocks with a lock-order checker.
 *
 * The order checker keeps, per CPU, the stack of ranked locks held; taking
 * a ranked lock whose rank is not above every held one is a lock-order
 * violation (docs/locking.md) and panics in debug builds.
 */
#include "kernel/core/spinlock.h"

#include "kernel/core/config.h"
#include "kernel/core/panic.h"

#ifndef CAMBIOS_DEBUG
#define CAMBIOS_DEBUG 1
#endif

/* Ranked locks held by each CPU, innermost last.  Touched only by that CPU. */
static struct {
	const struct spinlock *held[LOCK_DEPTH_MAX];
	unsigned depth;
} lock_stack[MAX_CPUS];

void spin_init(struct spinlock *l, const char *name, uint16_t order)
{
	l->next = 0;
	l->owner = 0;
	l->name = name;
	l->order = order;
	l->holder = -1;
}

/*
 * Each acquire checks the new rank against the innermost ranked lock only:
 * every push was above all locks held then, so the stack is strictly
 * increasing and its top is the highest rank held (releases out of order
 * remove from the middle and keep it sorted).  The CPU number is read once
 * per operation.
 */
static void order_check_acquire(const struct spinlock *l, unsigned cpu)
{
	if (!CAMBIOS_DEBUG || cpu >= MAX_CPUS)
		return;
	if (l->holder == (int16_t)cpu)
		panic("spin_lock: %s already held by CPU %u", l->name, cpu);
	if (l->order == 0)
		return;

	unsigned depth = lock_stack[cpu].depth;

	if (depth == 0)
		return;

	const struct spinlock *h = lock_stack[cpu].held[depth - 1];

	if (h->order >= l->order)
		panic("lock order: taking %s (rank %u) while holding %s (rank %u)",
		      l->name, l->order, h->name, h->order);
	if (depth == LOCK_DEPTH_MAX)
		panic("lock order: more than %u nested locks", LOCK_DEPTH_MAX);
}

static void order_note_acquired(struct spinlock *l, unsigned cpu)
{
	l->holder = (int16_t)cpu;
	if (CAMBIOS_DEBUG && l->order && cpu < MAX_CPUS)
		lock_stack[cpu].held[lock_stack[cpu].depth++] = l;
}

static void order_note_release(struct spinlock *l, unsigned cpu)
{
	if (CAMBIOS_DEBUG && l->holder != (int16_t)cpu)
		panic("spin_unlock: %s not held by CPU %u", l->name, cpu);
	l->holder = -1;
	if (!CAMBIOS_DEBUG || !l->order || cpu >= MAX_CPUS)
		return;

	unsigned depth = lock_stack[cpu].depth;

	/* Usually the innermost; locks may be released out of order. */
	if (depth && lock_stack[cpu].held[depth - 1] == l) {
		lock_stack[cpu].depth = depth - 1;
		return;
	}
	for (unsigned i = depth; i-- > 0;) {
		if (lock_stack[cpu].held[i] == l) {
			for (unsigned j = i; j + 1 < depth; j++)
				lock_stack[cpu].held[j] = lock_stack[cpu].held[j + 1];
			lock_stack[cpu].depth = depth - 1;
			return;
		}
	}
}

static inline void lock_cpu(struct spinlock *l, unsigned cpu)
{
	order_check_acquire(l, cpu);

	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		arch_cpu_relax();
	order_note_acquired(l, cpu);
}

static inline void unlock_cpu(struct spinlock *l, unsigned cpu)
{
	order_note_release(l, cpu);
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

void spin_lock(struct spinlock *l)
{
	lock_cpu(l, arch_cpu_id());
}

bool spin_trylock(struct spinlock *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint32_t expected = owner;

	/* Free exactly when next == owner; take ticket `owner` if so. */
	if (!__atomic_compare_exchange_n(&l->next, &expected, owner + 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;
	order_note_acquired(l, arch_cpu_id());
	return true;
}

void spin_unlock(struct spinlock *l)
{
	unlock_cpu(l, arch_cpu_id());
}

unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long flags = arch_irq_save();

	lock_cpu(l, arch_cpu_id());
	return flags;
}

void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags)
{
	unlock_cpu(l, arch_cpu_id());
	arch_irq_restore(flags);
}

bool spin_held(const struct spinlock *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}

void spin_debug_forget_cpu(unsigned cpu)
{
	if (cpu < MAX_CPUS)
		lock_stack[cpu].depth = 0;
}
