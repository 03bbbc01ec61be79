/*
 * kernel/proc/process.c - the process table (spec ipc.md section 9).
 *
 * Every function here runs with PROCESS_TABLE held by the caller.
 */
#include "kernel/proc/process.h"

#include "lib/klib/string.h"

#include "abi/errno.h"

int proc_table_init(struct proc_table *t, struct process *storage,
		    uint32_t num_slots)
{
	if (!t || !storage || num_slots < PROC_KERNEL_SLOTS)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	memset(storage, 0, (size_t)num_slots * sizeof(*storage));
	for (uint32_t i = PROC_FIRST_USER_SLOT; i < num_slots; i++)
		storage[i].generation = PROC_FIRST_GENERATION;
	t->slots = storage;
	t->num_slots = num_slots;
	t->scan_from = PROC_FIRST_USER_SLOT;
	return 0;
}

int proc_table_add_reset_hook(struct proc_table *t, proc_reset_fn fn, void *ctx)
{
	if (!fn)
		return -EINVAL;
	if (t->hook_count >= PROC_MAX_RESET_HOOKS)
		return -ENOSPC;
	t->hooks[t->hook_count].fn = fn;
	t->hooks[t->hook_count].ctx = ctx;
	t->hook_count++;
	return 0;
}

int proc_init_kernel_slots(struct proc_table *t)
{
	if (t->kernel_ready)
		return -EEXIST;
	for (uint32_t i = 0; i < PROC_KERNEL_SLOTS; i++) {
		struct process *p = &t->slots[i];

		memset(p, 0, sizeof(*p));
		p->generation = PROC_KERNEL_GENERATION;
		p->id = pid_make(i, PROC_KERNEL_GENERATION);
		p->state = PROC_LIVE;
		p->kernel = true;
	}
	t->used += PROC_KERNEL_SLOTS;
	t->kernel_ready = true;
	return 0;
}

int proc_alloc(struct proc_table *t, process_id_t parent, struct process **out)
{
	if (!out)
		return -EINVAL;
	/*
	 * First free slot by linear scan (spec ipc.md 9).  scan_from only
	 * skips slots known to be in use, so the result is still the lowest
	 * free one.
	 */
	for (uint32_t i = t->scan_from; i < t->num_slots; i++) {
		struct process *p = &t->slots[i];

		if (p->state != PROC_FREE)
			continue;
		p->id = pid_make(i, p->generation);
		p->state = PROC_EMBRYO;
		p->parent = parent;
		t->used++;
		t->scan_from = i + 1;
		*out = p;
		return 0;
	}
	t->scan_from = t->num_slots;
	return -ENOMEM;
}

struct process *proc_lookup(struct proc_table *t, process_id_t id)
{
	uint32_t slot = pid_slot(id);
	struct process *p;

	if (slot >= t->num_slots)
		return NULL;
	p = &t->slots[slot];
	/* The full 64 bits: a stale generation never matches (spec 9). */
	if (p->state == PROC_FREE || p->id != id)
		return NULL;
	return p;
}

int proc_activate(struct process *p)
{
	if (p->state != PROC_EMBRYO)
		return -EINVAL;
	p->state = PROC_LIVE;
	return 0;
}

int proc_begin_exit(struct process *p, uint32_t exit_code)
{
	if (p->kernel)
		return -EPERM;
	if (p->state != PROC_EMBRYO && p->state != PROC_LIVE)
		return -EINVAL;
	p->exit_code = exit_code;
	p->state = PROC_EXITING;
	return 0;
}

/* Next generation of a user slot: wraps to 1, never the kernel's 0. */
static uint32_t next_generation(uint32_t g)
{
	g++;
	return g == PROC_KERNEL_GENERATION ? PROC_FIRST_GENERATION : g;
}

int proc_free(struct proc_table *t, process_id_t id)
{
	struct process *p = proc_lookup(t, id);
	uint32_t slot = pid_slot(id);
	uint32_t gen;

	if (!p)
		return -ENOENT;
	if (p->kernel)
		return -EPERM;
	if (p->state == PROC_LIVE)
		return -EBUSY;
	for (uint32_t i = 0; i < t->hook_count; i++)
		t->hooks[i].fn(t->hooks[i].ctx, slot, id);
	/*
	 * Clear everything, not a list of fields: state a later issue adds
	 * to the descriptor cannot leak into the next occupant (the
	 * original kept the capability slot and reply endpoint).
	 */
	gen = next_generation(p->generation);
	memset(p, 0, sizeof(*p));
	p->generation = gen;
	p->state = PROC_FREE;
	t->used--;
	if (slot < t->scan_from)
		t->scan_from = slot;
	return 0;
}

int proc_for_each(struct proc_table *t, proc_visit_fn fn, void *ctx)
{
	for (uint32_t i = 0; i < t->num_slots; i++) {
		int r;

		if (t->slots[i].state == PROC_FREE)
			continue;
		r = fn(ctx, &t->slots[i]);
		if (r)
			return r;
	}
	return 0;
}

uint32_t proc_count_used(const struct proc_table *t)
{
	return t->used;
}

uint32_t proc_count_free(const struct proc_table *t)
{
	uint32_t kernel_used = t->kernel_ready ? PROC_KERNEL_SLOTS : 0;

	return t->num_slots - PROC_KERNEL_SLOTS - (t->used - kernel_used);
}

bool proc_principal_is_none(const struct process *p)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < PROC_PRINCIPAL_SIZE; i++)
		acc |= p->principal[i];
	return acc == 0;
}
