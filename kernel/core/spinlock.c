/*
 * kernel/core/spinlock.c - the cold half of the spinlocks: set-up,
 * try-lock, and the lock-order checker's failures and out-of-order
 * releases.  Lock and unlock themselves are inline in spinlock.h.
 *
 * The order checker keeps, per CPU, the stack of ranked locks held,
 * linked through each lock's `below` (a lock is held by one CPU at a
 * time, so one link per lock is enough); taking a ranked lock whose rank
 * is not above the innermost held one is a lock-order violation
 * (docs/locking.md) and panics.
 */
#include "kernel/core/spinlock.h"

#include "kernel/core/panic.h"

struct spinlock *spin_top[MAX_CPUS];

void spin_init(struct spinlock *l, const char *name, uint16_t order)
{
	l->next = 0;
	l->owner = 0;
	l->name = name;
	l->order = order;
	l->holder = -1;
	l->below = 0;
}

/* Whether cpu holds ranked lock l: on its stack. */
static bool on_stack(const struct spinlock *l, unsigned cpu)
{
	for (const struct spinlock *p = spin_top[cpu]; p; p = p->below)
		if (p == l)
			return true;
	return false;
}

void spin_order_fail(const struct spinlock *l, unsigned cpu)
{
	const struct spinlock *h = spin_top[cpu];

	if (l->holder == (int16_t)cpu || (l->order && on_stack(l, cpu)))
		panic("spin_lock: %s already held by CPU %u", l->name, cpu);
	if (h)
		panic("lock order: taking %s (rank %u) while holding %s (rank %u)",
		      l->name, l->order, h->name, h->order);
	panic("lock order: %s refused on CPU %u", l->name, cpu);
}

/*
 * The release of a lock that is not the innermost ranked one: an unranked
 * lock (its holder must be this CPU), a ranked one released out of order
 * (unlinked from the middle of the stack), or a lock this CPU does not
 * hold (a kernel bug).
 */
void spin_release_slow(struct spinlock *l, unsigned cpu)
{
	if (l->holder != (int16_t)cpu)
		panic("spin_unlock: %s not held by CPU %u", l->name, cpu);
	l->holder = -1;
	if (!l->order)
		return;
	for (struct spinlock *p = spin_top[cpu]; p; p = p->below) {
		if (p->below == l) {
			p->below = l->below;
			return;
		}
	}
	/* Not on the stack: forgotten by spin_debug_forget_cpu. */
}

bool spin_trylock(struct spinlock *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint32_t expected = owner;

	/* Free exactly when next == owner; take ticket `owner` if so.  Not
	 * order-checked (an interrupt handler may try any lock), but pushed,
	 * so the release finds it. */
	if (!__atomic_compare_exchange_n(&l->next, &expected, owner + 1, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;

	spin_order_push(l, arch_cpu_id());
	return true;
}

bool spin_held(const struct spinlock *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
}

void spin_debug_forget_cpu(unsigned cpu)
{
	if (cpu < MAX_CPUS)
		spin_top[cpu] = NULL;
}
