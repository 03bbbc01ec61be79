/*
 * kernel/proc/lifecycle.c - processes from birth to reaping.
 *
 * Birth: a signed boot module is verified (ARCSIG trailer, ELF rules,
 * page plan with merged permissions) before anything is allocated, then
 * gets a process slot, an address space with its segments and a 16-page
 * stack, a task with a kernel stack, and the Bootstrap Principal.
 *
 * Death: the task tears its own address space down (after switching to
 * the kernel's), frees its process slot and terminates.  Once no CPU runs
 * it, the scheduler glue calls proc_reap_task, which frees its kernel stack
 * and context - the original leaked every kernel stack - and either frees
 * the task slot or leaves it for the parent's WaitTask.
 *
 * Locks: proc_lock (LOCK_RANK_PROC) guards the process table, the boot
 * roster, and each task's parent/reaped fields.  It is never held across a
 * TLB shootdown or a switch.  Each slot also has an address-space lock
 * (LOCK_RANK_ASPACE, taken under proc_lock when needed) guarding its
 * process's region set and the lifetime of its page tables: a process
 * changes its own address space, but a channel's other party may unmap
 * the channel from it (proc_unmap_shared), and exit detaches the set
 * under this lock before destroying it.
 */
#include "kernel/proc/lifecycle.h"

#include <stdbool.h>

#include "abi/errno.h"
#include "abi/sysinfo.h"
#include "kernel/arch/arch.h"
#include "kernel/audit/audit.h"
#include "kernel/cap/cap.h"
#include "kernel/core/bootinfo.h"
#include "kernel/core/config.h"
#include "kernel/core/lockrank.h"
#include "kernel/core/log.h"
#include "kernel/core/panic.h"
#include "kernel/core/spinlock.h"
#include "kernel/core/time.h"
#include "kernel/dev/irq.h"
#include "kernel/loader/arcsig.h"
#include "kernel/loader/elf.h"
#include "kernel/loader/verify.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/tier.h"
#include "kernel/ipc/channel.h"
#include "kernel/ipc/ipc.h"
#include "kernel/mm/vma.h"
#include "kernel/proc/process.h"
#include "kernel/sched/glue.h"
#include "kernel/sched/sched.h"
#include "lib/klib/string.h"

#define PAGE			4096ull
#define USER_STACK_TOP		VMA_STACK_TOP
#define USER_STACK_PAGES	VMA_STACK_PAGES
/* Largest single kernel-heap block (the buddy allocator's top order). */
#define TABLE_MAX_BYTES		(4ull << 20)
/* ELF segment flags (the page plan's prot). */
#define PF_X			1u
#define PF_W			2u

struct load_scratch;

/** A boot module the loader found. */
struct boot_module_ref {
	char name[PROC_MODULE_NAME_MAX]; /**< file name without ".elf" */
	/**
	 * The Principal its processes run as: the Bootstrap Principal (the
	 * signer), or the module's `principal=<64 hex>` argument - set by
	 * the boot configuration, as trusted as the kernel command line.
	 */
	uint8_t principal[32];
	const uint8_t *data;	/**< through the direct map */
	size_t len;		/**< bytes */
	/**
	 * The verified image and page plan, kept after the first successful
	 * verification: module memory is reserved and never mapped to user
	 * space, so its bytes cannot change and later Spawns skip the
	 * signature check.  Written once under proc_lock.
	 */
	struct load_scratch *verified;
	/** Started only by Spawn, never at boot ("spawn-only" argument). */
	bool spawn_only;
};

static struct spinlock proc_lock = SPINLOCK_INIT("proc", LOCK_RANK_PROC);
/* Guarded by proc_lock. */
static struct proc_table ptable;
/* One per process slot, never cleared (proc_free clears descriptors). */
static struct spinlock *aspace_locks;
/* Written at boot, read-only afterwards. */
static struct arcsig_keyring trusted_keys;
static uint8_t bootstrap_principal[32];
static struct boot_module_ref modules[BOOT_MAX_MODULES];
static unsigned module_count;

/* The boot gate (spec ipc.md section 10); guarded by proc_lock. */
static task_id_t roster[BOOT_MAX_MODULES];
static bool roster_ready[BOOT_MAX_MODULES];
static unsigned roster_len, roster_cursor = 1;

/* Next CPU for a new task (round robin); atomic. */
static unsigned next_cpu;

/*
 * The argument words of a module string (after its name): calls fn(ctx,
 * word, length) for each until fn returns true; returns that word, or
 * NULL when none matched.
 */
static const char *module_find_arg(const char *str,
				   bool (*fn)(const void *ctx, const char *w,
					      size_t n),
				   const void *ctx)
{
	const char *s = str;

	while (*s && *s != ' ')
		s++;
	while (*s) {
		while (*s == ' ')
			s++;
		const char *start = s;

		while (*s && *s != ' ')
			s++;
		if (s > start && fn(ctx, start, (size_t)(s - start)))
			return start;
	}
	return NULL;
}

static bool word_equals(const void *ctx, const char *w, size_t n)
{
	const char *word = ctx;

	return n == strlen(word) && !memcmp(w, word, n);
}

static bool word_has_prefix(const void *ctx, const char *w, size_t n)
{
	const char *key = ctx;
	size_t kl = strlen(key);

	return n >= kl && !memcmp(w, key, kl);
}

/* True when the module string has the word word after its name. */
static bool module_has_arg(const char *str, const char *word)
{
	return module_find_arg(str, word_equals, word) != NULL;
}

/*
 * The value of argument key (e.g. "principal=") in the module string, as
 * a pointer to its first character and its length; NULL when absent.
 */
static const char *module_arg_value(const char *str, const char *key,
				    size_t *len)
{
	const char *w = module_find_arg(str, word_has_prefix, key);
	size_t n = 0;

	if (!w)
		return NULL;
	while (w[n] && w[n] != ' ')
		n++;
	*len = n - strlen(key);
	return w + strlen(key);
}

/* 64 hex digits into 32 bytes; false for anything else or all zero. */
static bool parse_principal(const char *hex, size_t len, uint8_t out[32])
{
	uint8_t any = 0;

	if (len != 64)
		return false;
	for (size_t i = 0; i < 32; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
		any |= out[i];
	}
	return any != 0;
}

static void module_name(char *out, const char *path)
{
	const char *base = path;

	/* A module's string may carry arguments after the name. */
	for (const char *s = path; *s && *s != ' '; s++) {
		if (*s == '/')
			base = s + 1;
	}
	size_t n = 0;

	while (base[n] && base[n] != ' ' && n < PROC_MODULE_NAME_MAX - 1)
		n++;
	memcpy(out, base, n);
	out[n] = '\0';
	if (n > 4 && !strcmp(out + n - 4, ".elf"))
		out[n - 4] = '\0';
}

void proc_init(const struct boot_info *bi, const uint8_t bootstrap_key[32])
{
	struct tier_sizing sz;
	const struct tier_policy *policy =
		tier_policy_for_memory((uint64_t)frame_total_count() * PAGE);
	int err = tier_compute(policy, frame_free_count(),
			       sizeof(struct process), CAP_RECORD_SIZE, &sz);

	if (err)
		panic("proc: table sizing failed: %s", errno_message(err));

	/* Each table is one kernel-heap block, at most 4 MiB. */
	uint32_t slots = sz.num_slots;

	while (slots > policy->min_slots &&
	       ((size_t)slots + MAX_CPUS) * sizeof(struct task) > TABLE_MAX_BYTES)
		slots /= 2;

	size_t ntasks = (size_t)slots + MAX_CPUS;
	struct process *procs = kzalloc(slots * sizeof(struct process));
	struct task *tasks = kzalloc(ntasks * sizeof(struct task));
	struct cap_record *caps = kzalloc((size_t)slots * CAP_RECORD_SIZE);

	aspace_locks = kzalloc((size_t)slots * sizeof(struct spinlock));
	if (!procs || !tasks || !caps || !aspace_locks)
		panic("proc: no memory for %u process slots", slots);
	for (uint32_t i = 0; i < slots; i++)
		spin_init(&aspace_locks[i], "aspace", LOCK_RANK_ASPACE);
	if (proc_table_init(&ptable, procs, slots) ||
	    proc_init_kernel_slots(&ptable))
		panic("proc: process table setup failed");
	if (cap_init(caps, slots) ||
	    proc_table_add_reset_hook(&ptable, cap_slot_reset, NULL))
		panic("proc: capability table setup failed");
	for (uint32_t i = 0; i < PROC_KERNEL_SLOTS; i++) {
		if (cap_grant_kernel(i))
			panic("proc: kernel process %u capabilities", i);
	}
	task_table_init(tasks, ntasks);
	log_info("proc: %s: %u process slots (%s%s), %zu task slots\n",
		 policy->name, slots, tier_binding_name(sz.binding),
		 slots < sz.num_slots ? ", then the 4 MiB table limit" : "",
		 ntasks);

	memcpy(bootstrap_principal, bootstrap_key, 32);
	arcsig_keyring_init(&trusted_keys);
	if (arcsig_keyring_add(&trusted_keys, bootstrap_key))
		panic("proc: bootstrap key unusable");

	for (uint32_t i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];
		struct boot_module_ref *r = &modules[module_count];

		if (m->end <= m->start)
			continue;
		module_name(r->name, m->name);
		r->spawn_only = module_has_arg(m->name, "spawn-only");
		memcpy(r->principal, bootstrap_key, 32);

		size_t plen;
		const char *pval = module_arg_value(m->name, "principal=", &plen);

		if (pval && !parse_principal(pval, plen, r->principal)) {
			log_warn("proc: module %s: principal= needs 64 hex digits "
				 "(not all zero); module not loaded\n",
				 r->name);
			continue;
		}
		if (pval)
			log_info("proc: %s runs as principal %.16s..\n", r->name,
				 pval);
		r->data = (const uint8_t *)(arch_direct_map_base() + m->start);
		r->len = m->end - m->start;
		module_count++;
	}
}

static struct boot_module_ref *find_module(const char *name, size_t len)
{
	for (unsigned i = 0; i < module_count; i++) {
		if (strlen(modules[i].name) == len &&
		    !memcmp(modules[i].name, name, len))
			return &modules[i];
	}
	return NULL;
}

struct process *proc_current(void)
{
	struct task *t = sched_current();

	return t ? t->proc : NULL;
}

void proc_counts(uint32_t *procs, uint32_t *tasks, uint32_t *task_slots)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);

	*procs = proc_count_used(&ptable);
	spin_unlock_irqrestore(&proc_lock, flags);
	*tasks = (uint32_t)task_table_used();
	*task_slots = (uint32_t)task_table_size();
}

/* proc_snapshot's walk: copy one descriptor while there is room. */
struct snapshot_ctx {
	struct sysinfo_proc *out;
	size_t skip, max, n;
};

static int snapshot_one(void *ctx, struct process *p)
{
	struct snapshot_ctx *c = ctx;
	struct sysinfo_proc *r;

	if (c->skip) {
		c->skip--;
		return 0;
	}
	if (c->n == c->max)
		return 1;
	r = &c->out[c->n++];
	memset(r, 0, sizeof(*r));
	r->pid = p->id;
	r->parent = p->parent;
	r->created_tick = p->created_tick;
	r->state = p->state;
	r->kernel = p->kernel;
	strlcpy(r->name, p->kernel ? "kernel" : p->name, sizeof(r->name));
	return 0;
}

size_t proc_snapshot(struct sysinfo_proc *out, size_t skip, size_t max)
{
	struct snapshot_ctx c = {out, skip, max, 0};
	unsigned long flags = spin_lock_irqsave(&proc_lock);

	(void)proc_for_each(&ptable, snapshot_one, &c);
	spin_unlock_irqrestore(&proc_lock, flags);
	return c.n;
}

/* ---- address spaces ------------------------------------------------ */

/* Frames freed page by page; a DMA region's block is freed whole below. */
static bool kind_owns_frames(uint32_t kind)
{
	return kind != VMA_KIND_MMIO && kind != VMA_KIND_FRAMEBUFFER &&
	       kind != VMA_KIND_AUDIT && kind != VMA_KIND_CHANNEL &&
	       kind != VMA_KIND_DMA;
}

/* Unmap and free every page of every region, then the tables. */
static void release_address_space(uint64_t root, struct vma_set *vmas)
{
	struct vma r;

	while (vmas && vma_pop(vmas, &r) == 0) {
		for (uint64_t i = 0; i < r.pages; i++) {
			uint64_t pa;

			if (arch_vm_unmap_inactive(root, r.base + i * PAGE, &pa) ==
				    0 &&
			    kind_owns_frames(r.kind))
				frame_free(pa);
		}
		if (r.kind == VMA_KIND_DMA)
			frame_free_order(vma_dma_phys(r.tag), vma_dma_order(r.tag));
	}
	if (root)
		arch_vm_destroy(root);
	kfree(vmas);
}

static unsigned prot_of(uint32_t pf)
{
	unsigned prot = ARCH_PROT_READ | ARCH_PROT_USER;

	if (pf & PF_W)
		prot |= ARCH_PROT_WRITE;
	if (pf & PF_X)
		prot |= ARCH_PROT_EXEC;
	return prot;
}

/* Map pages zeroed frames at base with prot; region already recorded. */
static int map_zeroed(uint64_t root, uint64_t base, uint64_t pages,
		      unsigned prot)
{
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t pa = frame_alloc();
		int err;

		if (!pa)
			return -ENOMEM;
		memset(frame_to_virt(pa), 0, PAGE);
		err = arch_vm_map(root, base + i * PAGE, pa, prot);
		if (err) {
			frame_free(pa);
			return err;
		}
	}
	return 0;
}

/* Copy bytes into the pages of a user address space, whatever their
 * protection (the loader fills read-only text). */
static void fill_user(uint64_t root, uint64_t va, const uint8_t *src,
		      uint64_t len)
{
	while (len) {
		uint64_t pa, chunk = PAGE - (va & (PAGE - 1));

		if (chunk > len)
			chunk = len;
		if (!arch_vm_translate(root, va, &pa, NULL))
			panic("loader: planned page %#lx not mapped",
			      (unsigned long)va);
		memcpy((uint8_t *)arch_direct_map_base() + pa, src, chunk);
		va += chunk;
		src += chunk;
		len -= chunk;
	}
}

/* ---- birth --------------------------------------------------------- */

/* Verified image state, too big for a kernel stack. */
struct load_scratch {
	struct elf_image img;
	struct elf_plan plan;
};

static int build_address_space(const struct load_scratch *ls, uint64_t root,
			       struct vma_set *vmas)
{
	const struct elf_plan *plan = &ls->plan;
	int err;

	for (uint32_t i = 0; i < plan->nruns; i++) {
		const struct elf_page_run *run = &plan->run[i];
		unsigned prot = prot_of(run->prot);
		uint32_t flags = VMA_USER | ((prot & ARCH_PROT_WRITE) ? VMA_WRITE : 0) |
				 ((prot & ARCH_PROT_EXEC) ? VMA_EXEC : 0);

		err = vma_insert_fixed(vmas, run->vaddr, run->npages, flags,
				       VMA_KIND_ELF, 0);
		if (!err)
			err = map_zeroed(root, run->vaddr, run->npages, prot);
		if (err)
			return err;
	}
	for (uint32_t i = 0; i < plan->ncopies; i++)
		fill_user(root, plan->copy[i].vaddr,
			  ls->img.data + plan->copy[i].offset, plan->copy[i].len);

	uint64_t stack = USER_STACK_TOP - USER_STACK_PAGES * PAGE;

	err = vma_insert_fixed(vmas, stack, USER_STACK_PAGES,
			       VMA_USER | VMA_WRITE, VMA_KIND_STACK, 0);
	if (!err)
		err = map_zeroed(root, stack, USER_STACK_PAGES,
				 ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_USER);
	return err;
}

static int verify_module(const struct boot_module_ref *m,
			 struct load_scratch *ls)
{
	struct loader_verdict v;
	int err = loader_verify_binary(&trusted_keys, m->data, m->len,
				       arch_elf_machine(), &ls->img, &ls->plan,
				       NULL, &v);

	if (err) {
		log_warn("loader: %s refused: %s (%s)\n", m->name,
			 loader_deny_name(v.deny), v.reason);
		audit_emit(AUDIT_BINARY_REJECTED, 0, 0, (uint64_t)v.deny, 0, 0, 0);
		return err;
	}
	if (elf_plan_overlaps(&ls->plan, USER_STACK_TOP - USER_STACK_PAGES * PAGE,
			      USER_STACK_TOP)) {
		log_warn("loader: %s refused: PolicyViolation (segments overlap the stack)\n",
			 m->name);
		audit_emit(AUDIT_BINARY_REJECTED, 0, 0, LOADER_DENY_POLICY, 0, 0, 0);
		return -ENOEXEC;
	}

	uint64_t head[3] = {0, 0, 0};

	memcpy(head, m->data, m->len < sizeof(head) ? m->len : sizeof(head));
	audit_emit(AUDIT_BINARY_LOADED, 0, 0, m->len, head[0], head[1], head[2]);
	return 0;
}

/* Create a process and its (not yet started) task from module m. */
static int create_process(struct boot_module_ref *m, task_id_t parent,
			  process_id_t parent_pid, struct task **out)
{
	struct load_scratch *ls = __atomic_load_n(&m->verified, __ATOMIC_ACQUIRE);
	bool fresh = !ls;
	struct vma_set *vmas = kzalloc(sizeof(*vmas));
	struct process *p = NULL;
	struct task *t = NULL;
	uint64_t root = 0;
	uintptr_t kstack = 0;
	void *ctx = NULL;
	unsigned long flags;
	int err = -ENOMEM;

	if (fresh)
		ls = kmalloc(sizeof(*ls));
	if (!ls || !vmas)
		goto out_free;
	if (fresh) {
		err = verify_module(m, ls);
		if (err)
			goto out_free;
	}

	err = -ENOMEM;
	root = arch_vm_create();
	if (!root || vma_set_init(vmas, arch_user_ceiling()))
		goto out_free;
	err = build_address_space(ls, root, vmas);
	if (err)
		goto out_free;

	kstack = arch_kstack_alloc();
	ctx = kzalloc(arch_context_size());
	if (!kstack || !ctx)
		goto out_free;
	err = task_alloc(TASK_PRIO_NORMAL, parent, &t);
	if (err)
		goto out_free;

	flags = spin_lock_irqsave(&proc_lock);
	err = proc_alloc(&ptable, parent_pid, &p);
	if (!err) {
		p->page_table_root = root;
		p->vmas = vmas;
		p->tasks = 1;
		p->main_task = t->id;
		p->created_tick = time_ticks();
		memcpy(p->principal, m->principal, sizeof(p->principal));
		strlcpy(p->name, m->name, sizeof(p->name));
		/* Capabilities, then the signer's Principal (the CAP lock
		 * ranks above proc_lock); a failure frees the slot, whose
		 * reset hook clears whatever was granted. */
		err = cap_grant_boot_module(p->id, m->name,
					    parent == TASK_ID_NONE ? CAP_ORIGIN_BOOT
								   : CAP_ORIGIN_SPAWN);
		if (!err)
			err = cap_bind_principal(CAP_KERNEL_PID, p->id,
						 m->principal);
		if (!err)
			err = proc_activate(p);
		if (err) {
			p->vmas = NULL;
			p->page_table_root = 0;
			(void)proc_free(&ptable, p->id);
			err = -ENOMEM;
		}
	}
	process_id_t new_pid = err ? 0 : p->id;
	spin_unlock_irqrestore(&proc_lock, flags);
	if (err)
		goto out_free;
	audit_emit(AUDIT_PROCESS_CREATED, new_pid, new_pid, parent_pid, 0, 0, 0);

	arch_context_init_user(ctx, kstack, root, ls->plan.entry, USER_STACK_TOP);
	t->ctx = ctx;
	t->kstack = (void *)kstack;
	t->proc = p;
	if (fresh) {
		struct load_scratch *expected = NULL;

		/* Keep the verdict; a racing spawn may have kept its own. */
		if (!__atomic_compare_exchange_n(&m->verified, &expected, ls, false,
						 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
			kfree(ls);
	}
	*out = t;
	return 0;

out_free:
	if (t)
		(void)task_free(t);
	kfree(ctx);
	if (kstack)
		arch_kstack_free(kstack);
	if (root)
		release_address_space(root, vmas);
	else
		kfree(vmas);
	if (fresh)
		kfree(ls);
	return err;
}

static unsigned pick_cpu(void)
{
	return __atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED) %
	       arch_cpus_online();
}

unsigned proc_start_boot_modules(void)
{
	unsigned started = 0;

	for (unsigned i = 0; i < module_count; i++) {
		struct task *t;

		if (modules[i].spawn_only) {
			log_info("proc: %s is spawn-only\n", modules[i].name);
			continue;
		}

		int err = create_process(&modules[i], TASK_ID_NONE, 0, &t);

		if (err)
			continue;

		unsigned cpu = pick_cpu();

		if (started == 0)
			err = sched_start(t, cpu);
		else
			err = sched_start_blocked(t, cpu,
						  task_block(TASK_BLOCK_BOOT_GATE, 0));
		if (err)
			panic("proc: cannot start %s: %s", modules[i].name,
			      errno_message(err));
		roster[roster_len++] = t->id;
		log_info("proc: %s is process %u, task %#lx on CPU %u%s\n",
			 modules[i].name, pid_slot(t->proc->id),
			 (unsigned long)t->id, cpu,
			 started ? " (boot gate)" : "");
		started++;
	}
	return started;
}

int64_t proc_spawn(const char *name, size_t len)
{
	struct boot_module_ref *m = find_module(name, len);
	struct task *self = sched_current();
	struct task *t;
	int err;

	if (!m)
		return -EINVAL;
	err = create_process(m, self->id, self->proc ? self->proc->id : 0, &t);
	if (err)
		return err;
	err = sched_start(t, pick_cpu());
	if (err)
		panic("proc: cannot start %s: %s", m->name, errno_message(err));
	return (int64_t)t->id;
}

/* ---- the boot gate ------------------------------------------------- */

/* Mark roster member `who` ready and release the next module.  proc_lock. */
static task_id_t gate_advance(task_id_t who)
{
	for (unsigned i = 0; i < roster_len; i++) {
		if (roster[i] != who || roster_ready[i])
			continue;
		roster_ready[i] = true;
		if (roster_cursor < roster_len)
			return roster[roster_cursor++];
		return TASK_ID_NONE;
	}
	return TASK_ID_NONE;
}

static void gate_release(task_id_t next)
{
	struct task *t;

	if (next == TASK_ID_NONE)
		return;
	t = task_lookup(next);
	log_debug("proc: boot gate releases %s\n",
		  t && t->proc ? t->proc->name : "?");
	(void)sched_wake_id(next);
}

void proc_module_ready(void)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	task_id_t next = gate_advance(sched_current()->id);

	spin_unlock_irqrestore(&proc_lock, flags);
	gate_release(next);
}

/* ---- death --------------------------------------------------------- */

/* Children of the exiting task: free the reaped, orphan the others. */
static void release_children(task_id_t parent)
{
	for (size_t i = 0; i < task_table_size(); i++) {
		struct task *c = task_table_slot(i);

		if (c->state == TASK_FREE || c->parent != parent || c->idle)
			continue;
		if (c->reaped)
			(void)task_free(c);
		else
			c->parent = TASK_ID_NONE;
	}
}

void proc_exit_current(int64_t code)
{
	struct task *self = sched_current();
	struct process *p = self->proc;
	unsigned long flags;
	task_id_t next;

	if (!p)
		panic("proc_exit_current: kernel task %#lx", (unsigned long)self->id);
	arch_irq_enable();

	/* A module that dies before ModuleReady must not stall the others. */
	flags = spin_lock_irqsave(&proc_lock);
	next = gate_advance(self->id);
	spin_unlock_irqrestore(&proc_lock, flags);
	gate_release(next);

	/*
	 * Exit steps 3 and 4 (syscalls.md section 6): capabilities go first,
	 * so nothing can be granted to the dying process any more; endpoints
	 * it owned are reset (their receivers woken with -EINTR); then its
	 * channels are revoked and unmapped from both parties.
	 */
	process_id_t pid = p->id;
	uint32_t released = 0;

	(void)cap_revoke_all(pid, &released);
	(void)ipc_reset_endpoints(released);
	(void)ipc_process_exit(pid);
	(void)channel_revoke_all(pid);
	irq_release_owner(pid);

	/* Detach the region set under its lock: a channel's other party
	 * may be unmapping from it right now (proc_unmap_shared). */
	struct spinlock *al = &aspace_locks[pid_slot(pid)];
	uint64_t root = p->page_table_root;
	struct vma_set *vmas;

	flags = spin_lock_irqsave(al);
	vmas = p->vmas;
	p->vmas = NULL;
	spin_unlock_irqrestore(al, flags);

	arch_vm_use_kernel();
	release_address_space(root, vmas);

	uint64_t runtime = time_ticks() - p->created_tick;

	flags = spin_lock_irqsave(&proc_lock);
	p->page_table_root = 0;
	if (proc_begin_exit(p, (uint32_t)code) || proc_free(&ptable, p->id))
		panic("proc_exit_current: process slot %u", pid_slot(p->id));
	self->proc = NULL;
	release_children(self->id);
	spin_unlock_irqrestore(&proc_lock, flags);
	audit_emit(AUDIT_PROCESS_TERMINATED, pid, pid, (uint64_t)code, runtime, 0,
		   0);

	arch_irq_disable();
	if (sched_terminate(self, code, NULL))
		panic("proc_exit_current: cannot terminate %#lx",
		      (unsigned long)self->id);
	schedule();
	panic("proc_exit_current: terminated task %#lx ran again",
	      (unsigned long)self->id);
}

void proc_reap_task(struct task *dead)
{
	task_id_t id = dead->id;
	bool wake_parent = false;
	unsigned long flags;

	/* Only the reaper touches these: the stack is off every CPU now. */
	if (dead->kstack)
		arch_kstack_free((uintptr_t)dead->kstack);
	kfree(dead->ctx);
	dead->kstack = NULL;
	dead->ctx = NULL;

	flags = spin_lock_irqsave(&proc_lock);
	dead->reaped = true;

	struct task *parent = dead->parent != TASK_ID_NONE ?
				      task_lookup(dead->parent) : NULL;

	if (parent)
		wake_parent = true;	/* WaitTask collects and frees it */
	else
		(void)task_free(dead);
	spin_unlock_irqrestore(&proc_lock, flags);
	if (wake_parent)
		(void)sched_wake_reason(task_block(TASK_BLOCK_CHILD, id));
}

int64_t proc_wait_task(task_id_t id)
{
	struct task *self = sched_current();

	for (;;) {
		unsigned long flags = spin_lock_irqsave(&proc_lock);
		struct task *c = task_lookup(id);

		if (!c || c->idle) {
			spin_unlock_irqrestore(&proc_lock, flags);
			return -EINVAL;
		}
		if (c->parent != self->id) {
			spin_unlock_irqrestore(&proc_lock, flags);
			return -EPERM;
		}
		if (c->reaped) {
			int64_t code = c->exit_code;

			(void)task_free(c);
			spin_unlock_irqrestore(&proc_lock, flags);
			return code;
		}
		spin_unlock_irqrestore(&proc_lock, flags);

		/* Block, then re-check: a reap in between undoes the block. */
		struct runqueue *rq;

		flags = arch_irq_save();
		rq = sched_this_rq();
		spin_lock(&rq->lock);
		if (sched_block_current(rq, task_block(TASK_BLOCK_CHILD, id)))
			panic("proc_wait_task: cannot block");
		if (__atomic_load_n(&c->reaped, __ATOMIC_ACQUIRE) ||
		    task_lookup(id) != c)
			(void)sched_wake_locked(rq, self);
		spin_unlock(&rq->lock);
		schedule();
		arch_irq_restore(flags);
	}
}

/* ---- address-space regions ------------------------------------------ */

int proc_vma_alloc(struct process *p, uint64_t pages, uint32_t flags,
		   uint32_t kind, uint64_t tag, uint64_t *base)
{
	struct spinlock *al = &aspace_locks[pid_slot(p->id)];
	unsigned long irq = spin_lock_irqsave(al);
	int err = p->vmas ? vma_alloc(p->vmas, pages, flags, kind, tag, base)
			  : -EINVAL;

	spin_unlock_irqrestore(al, irq);
	return err;
}

int proc_vma_remove(struct process *p, uint64_t base, uint32_t kinds,
		    struct vma *out)
{
	struct spinlock *al = &aspace_locks[pid_slot(p->id)];
	unsigned long irq = spin_lock_irqsave(al);
	const struct vma *r = p->vmas ? vma_find(p->vmas, base) : NULL;
	int err = -EINVAL;

	if (r && r->base == base && (kinds & (1u << r->kind)))
		err = vma_remove(p->vmas, base, out);
	spin_unlock_irqrestore(al, irq);
	return err;
}

int proc_vma_find_kind(struct process *p, uint32_t kind, struct vma *out)
{
	struct spinlock *al = &aspace_locks[pid_slot(p->id)];
	unsigned long irq = spin_lock_irqsave(al);
	int err = -ENOENT;

	for (uint32_t i = 0; p->vmas && i < vma_count(p->vmas); i++) {
		const struct vma *r = vma_at(p->vmas, i);

		if (r->kind == kind) {
			if (out)
				*out = *r;
			err = 0;
			break;
		}
	}
	spin_unlock_irqrestore(al, irq);
	return err;
}

int proc_map_shared(process_id_t pid, uint64_t phys, uint64_t pages,
		    bool writable, uint32_t kind, uint64_t tag, uint64_t *vaddr)
{
	struct process *p = proc_current();
	unsigned prot = ARCH_PROT_READ | ARCH_PROT_USER |
			(writable ? ARCH_PROT_WRITE : 0);
	uint64_t base, i;
	int err;

	/* Only ever into the caller's own address space. */
	if (!p || p->id != pid || !vaddr || pages == 0)
		return -EINVAL;
	err = proc_vma_alloc(p, pages, VMA_USER | (writable ? VMA_WRITE : 0), kind,
			     tag, &base);
	if (err)
		return err == -EINVAL ? -EINVAL : -ENOMEM;
	for (i = 0; i < pages; i++) {
		err = arch_vm_map(p->page_table_root, base + i * PAGE,
				  phys + i * PAGE, prot);
		if (err)
			break;
	}
	if (i < pages) {
		uint64_t pa;

		while (i-- > 0)
			(void)arch_vm_unmap(p->page_table_root, base + i * PAGE, &pa);
		(void)proc_vma_remove(p, base, 1u << kind, NULL);
		return -ENOMEM;
	}
	*vaddr = base;
	return 0;
}

void proc_unmap_shared(process_id_t pid, uint64_t vaddr, uint64_t pages)
{
	unsigned long irq = arch_irq_save();
	struct spinlock *al;
	struct process *p;
	struct vma gone;
	bool done = false;

	spin_lock(&proc_lock);
	p = proc_lookup(&ptable, pid);
	if (!p || !p->vmas) {
		spin_unlock(&proc_lock);
		arch_irq_restore(irq);
		return;
	}
	/* The region lock keeps the page tables alive once proc_lock goes:
	 * exit detaches the set under it before destroying anything. */
	al = &aspace_locks[pid_slot(pid)];
	spin_lock(al);
	spin_unlock(&proc_lock);

	const struct vma *r = vma_find(p->vmas, vaddr);

	if (r && r->base == vaddr && r->pages == pages &&
	    (r->kind == VMA_KIND_CHANNEL || r->kind == VMA_KIND_AUDIT) &&
	    vma_remove(p->vmas, vaddr, &gone) == 0) {
		for (uint64_t i = 0; i < pages; i++) {
			uint64_t pa;

			(void)arch_vm_unmap_inactive(p->page_table_root,
						     vaddr + i * PAGE, &pa);
		}
		done = true;
	}
	spin_unlock(al);
	arch_irq_restore(irq);
	/* The frames are the caller's to free once every TLB forgot them. */
	if (done)
		arch_tlb_shootdown(vaddr, pages);
}

int proc_dma_copy(process_id_t pid, uint64_t phys, void *buf, size_t len,
		  bool to_dma)
{
	unsigned long irq;
	struct spinlock *al;
	struct process *p;
	int err = -EPERM;

	if ((!buf && to_dma) || len == 0 || phys + len < phys)
		return -EINVAL;
	irq = arch_irq_save();
	spin_lock(&proc_lock);
	p = proc_lookup(&ptable, pid);
	if (!p || !p->vmas) {
		spin_unlock(&proc_lock);
		arch_irq_restore(irq);
		return -ENOENT;
	}
	/* As proc_unmap_shared: the region lock keeps the set alive, and a
	 * Free of the area (which takes it) cannot run under the copy. */
	al = &aspace_locks[pid_slot(pid)];
	spin_lock(al);
	spin_unlock(&proc_lock);
	for (uint32_t i = 0; i < vma_count(p->vmas); i++) {
		const struct vma *r = vma_at(p->vmas, i);
		uint64_t lo, hi;

		if (!r || r->kind != VMA_KIND_DMA)
			continue;
		lo = vma_dma_phys(r->tag);
		hi = lo + ((uint64_t)PAGE << vma_dma_order(r->tag));
		if (phys < lo || phys + len > hi)
			continue;
		if (to_dma)
			memcpy(frame_to_virt(phys), buf, len);
		else if (buf)
			memcpy(buf, frame_to_virt(phys), len);
		err = 0;
		break;
	}
	spin_unlock(al);
	arch_irq_restore(irq);
	return err;
}

int64_t proc_task_process(task_id_t task)
{
	struct task *self = sched_current();
	unsigned long flags;
	int64_t ret;

	if (task == 0)
		return self->proc ? (int64_t)self->proc->id : -EINVAL;
	flags = spin_lock_irqsave(&proc_lock);

	struct task *t = task_lookup(task);

	if (!t || t->idle || t->parent != self->id)
		ret = -EPERM;
	else if (!t->proc)
		ret = -ENOENT;	/* exited; WaitTask collects it */
	else
		ret = (int64_t)t->proc->id;
	spin_unlock_irqrestore(&proc_lock, flags);
	return ret;
}
