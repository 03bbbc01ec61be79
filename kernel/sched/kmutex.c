/*
 * kernel/sched/kmutex.c - sleeping locks (kmutex.h), built on a wait
 * queue with the protocol of waitq.h: queue, look, sleep.
 */
#include "kernel/sched/kmutex.h"

#include <stdint.h>

#include "kernel/arch/arch.h"
#include "kernel/sched/glue.h"
#include "kernel/sched/task.h"

bool kmutex_trylock(struct kmutex *m)
{
	int expected = 0;

	return __atomic_compare_exchange_n(&m->locked, &expected, 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void kmutex_lock(struct kmutex *m)
{
	while (!kmutex_trylock(m)) {
		unsigned long flags = arch_irq_save();

		if (waitq_prepare_wait(&m->wq,
				       task_block(TASK_BLOCK_SYNC_WAIT,
						  (uint64_t)(uintptr_t)m)) == 0) {
			/* Queued, then look: an unlock from now on wakes us
			 * (the fence pairs with kmutex_unlock's). */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (__atomic_load_n(&m->locked, __ATOMIC_RELAXED))
				schedule();
			(void)waitq_finish_wait(&m->wq);
		}
		arch_irq_restore(flags);
	}
}

void kmutex_unlock(struct kmutex *m)
{
	__atomic_store_n(&m->locked, 0, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (waitq_has_waiters(&m->wq))
		(void)waitq_wake_one(&m->wq);
}
