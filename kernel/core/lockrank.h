/*
 * kernel/core/lockrank.h - the lock hierarchy (docs/locking.md).
 *
 * A CPU may only take a ranked lock whose rank is above every ranked lock
 * it holds; spinlock.c checks this in debug builds.  The order follows the
 * original design's hierarchy (spec kernel.md section 2) with the run
 * queues spread over ranks 1..256, one per CPU, so that taking two run
 * queues "lower CPU first" is itself checked.
 */
#pragma once

/* 1 .. 256: run queues, SCHED_RQ_RANK(cpu) (kernel/sched/sched.h). */
#define LOCK_RANK_TIMER		0x200	/* per-CPU timer state */
#define LOCK_RANK_IPC		0x300	/* IPC manager, endpoint shards */
#define LOCK_RANK_CAP		0x640	/* capability records: a leaf, taken by
					   the process table's reset hooks */
#define LOCK_RANK_CHANNEL	0x500	/* channel manager */
#define LOCK_RANK_PROC		0x600	/* process table, reaping, boot gate */
#define LOCK_RANK_ASPACE	0x620	/* one process's region set: taken
					   under the process table */
#define LOCK_RANK_HEAP		0x680	/* kernel heap (takes frames) */
#define LOCK_RANK_FRAME		0x700	/* frame allocator */
#define LOCK_RANK_DEVIRQ	0x780	/* device interrupt-line table
					   (kernel/dev/irq.c): takes the
					   interrupt router */
#define LOCK_RANK_IRQ		0x800	/* interrupt router */
#define LOCK_RANK_PCI		0x880	/* PCI configuration access: a leaf */
#define LOCK_RANK_OBJSTORE	0x900	/* object store */
#define LOCK_RANK_CONSOLE	0xF000	/* console output: taken anywhere */
/* 0xFF00 wait queues and 0xFF10 the task table are leaves (kernel/sched). */
