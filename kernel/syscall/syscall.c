/*
 * kernel/syscall/syscall.c - the system call dispatcher and the handlers
 * of the process issue (spec syscalls.md sections 3 and 5).
 *
 * Pipeline: decode the number (unknown: -ENOSYS), identity gate, handler.
 * Handlers check every argument before changing anything ("decode, then
 * act"), and copy user memory only through kernel/mm/uaccess.  Syscalls of
 * later issues (IPC, capabilities, channels, objects, devices, audit)
 * answer -ENOSYS until their subsystem exists.
 */
#include "kernel/core/kernel.h"

#include <stdbool.h>

#include "abi/errno.h"
#include "abi/syscall.h"
#include "abi/sysinfo.h"
#include "kernel/arch/arch.h"
#include "kernel/core/log.h"
#include "kernel/core/time.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/uaccess.h"
#include "kernel/mm/vma.h"
#include "kernel/proc/lifecycle.h"
#include "kernel/proc/process.h"
#include "kernel/sched/glue.h"
#include "kernel/sched/sched.h"
#include "lib/klib/string.h"

#define PAGE			4096ull
#define PRINT_MAX		256
#define ALLOCATE_MAX		(64ull << 20)
#define SPAWN_NAME_MAX		64
/* Exit status of a process killed for a fault (as a shell's 128 + SEGV). */
#define EXIT_KILLED		139

typedef int64_t (*syscall_fn)(const uint64_t a[6]);

static struct process *caller(void)
{
	return proc_current();
}

static uint64_t caller_root(void)
{
	struct process *p = caller();

	return p ? p->page_table_root : 0;
}

static bool has_identity(const struct process *p)
{
	static const uint8_t zero[PROC_PRINCIPAL_SIZE];

	return p && memcmp(p->principal, zero, sizeof(zero)) != 0;
}

/* ---- handlers ------------------------------------------------------ */

static int64_t sys_exit(const uint64_t a[6])
{
	proc_exit_current((uint32_t)a[0]);
}

static int64_t sys_yield(const uint64_t a[6])
{
	(void)a;
	schedule();
	return 0;
}

static int64_t sys_get_pid(const uint64_t a[6])
{
	struct process *p = caller();

	(void)a;
	return p ? pid_slot(p->id) : 0;
}

static int64_t sys_get_time(const uint64_t a[6])
{
	(void)a;
	return (int64_t)time_ticks();
}

static int64_t sys_print(const uint64_t a[6])
{
	char buf[PRINT_MAX];
	uint64_t len = a[1];

	if (len == 0)
		return 0;
	if (len > PRINT_MAX)
		return -EINVAL;
	if (copy_from_user(caller_root(), buf, a[0], len))
		return -EINVAL;
	console_write(buf, len);
	return (int64_t)len;
}

static int64_t sys_get_principal(const uint64_t a[6])
{
	struct process *p = caller();

	if (a[1] < PROC_PRINCIPAL_SIZE || !has_identity(p))
		return -EINVAL;
	if (copy_to_user(caller_root(), a[0], p->principal, PROC_PRINCIPAL_SIZE))
		return -EINVAL;
	return PROC_PRINCIPAL_SIZE;
}

static int64_t sys_allocate(const uint64_t a[6])
{
	struct process *p = caller();
	uint64_t size = a[0], pages, base;

	if (!p || size == 0 || size > ALLOCATE_MAX)
		return -EINVAL;
	pages = (size + PAGE - 1) / PAGE;
	if (vma_alloc(p->vmas, pages, VMA_USER | VMA_WRITE, VMA_KIND_ANON, 0,
		      &base))
		return -ENOMEM;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t pa = frame_alloc();

		if (pa) {
			memset(frame_to_virt(pa), 0, PAGE);
			if (!arch_vm_map(p->page_table_root, base + i * PAGE, pa,
					 ARCH_PROT_READ | ARCH_PROT_WRITE |
						 ARCH_PROT_USER))
				continue;
			frame_free(pa);
		}
		/* Roll back: nothing of a failed Allocate stays. */
		while (i-- > 0) {
			if (!arch_vm_unmap(p->page_table_root, base + i * PAGE, &pa))
				frame_free(pa);
		}
		(void)vma_remove(p->vmas, base, NULL);
		return -ENOMEM;
	}
	return (int64_t)base;
}

static int64_t sys_free(const uint64_t a[6])
{
	struct process *p = caller();
	const struct vma *r;
	struct vma gone;
	uint64_t vaddr = a[0];

	if (!p || vaddr == 0 || vaddr >= arch_user_ceiling())
		return -EINVAL;
	r = vma_find(p->vmas, vaddr);
	if (!r || r->base != vaddr ||
	    (r->kind != VMA_KIND_ANON && r->kind != VMA_KIND_DMA))
		return -EINVAL;
	if (vma_remove(p->vmas, vaddr, &gone))
		return -EINVAL;
	for (uint64_t i = 0; i < gone.pages; i++) {
		uint64_t pa;

		if (!arch_vm_unmap(p->page_table_root, gone.base + i * PAGE, &pa))
			frame_free(pa);
	}
	return 0;
}

static int64_t sys_spawn(const uint64_t a[6])
{
	char name[SPAWN_NAME_MAX];
	uint64_t len = a[1];

	if (len == 0 || len > SPAWN_NAME_MAX)
		return -EINVAL;
	if (copy_from_user(caller_root(), name, a[0], len))
		return -EINVAL;

	int64_t id = proc_spawn(name, len);

	/* Spec: unknown name -1, load or verification failure -3. */
	if (id == -EINVAL || id > 0)
		return id;
	return -ENOMEM;
}

static int64_t sys_wait_task(const uint64_t a[6])
{
	return proc_wait_task((task_id_t)a[0]);
}

static int64_t sys_module_ready(const uint64_t a[6])
{
	(void)a;
	proc_module_ready();
	return 0;
}

static int64_t sys_sysinfo(const uint64_t a[6])
{
	uint64_t kind = a[0], len = a[2];

	if (kind == SYSINFO_MEM) {
		struct sysinfo_mem m;
		struct heap_stats hs;

		if (len < SYSINFO_MEM_MIN)
			return -EINVAL;
		heap_get_stats(&hs);
		m.total_frames = frame_total_count();
		m.free_frames = frame_free_count();
		m.heap_used_bytes = hs.bytes_in_use;
		m.heap_pages = hs.pages_held;
		len = len < sizeof(m) ? len : sizeof(m);
		return copy_to_user(caller_root(), a[1], &m, len) ? -EINVAL
								  : (int64_t)len;
	}
	if (kind == SYSINFO_SCHED) {
		struct sysinfo_sched s;
		uint32_t procs, tasks, slots;

		if (len < SYSINFO_SCHED_MIN)
			return -EINVAL;
		proc_counts(&procs, &tasks, &slots);
		s.online_cpus = arch_cpus_online();
		s.tasks = tasks > s.online_cpus ? tasks - s.online_cpus : 0;
		s.ticks = time_ticks();
		s.tick_hz = TICK_HZ;
		s.reserved = 0;
		len = len < sizeof(s) ? len : sizeof(s);
		return copy_to_user(caller_root(), a[1], &s, len) ? -EINVAL
								  : (int64_t)len;
	}
	return -EINVAL;
}

/* ---- dispatch ------------------------------------------------------ */

static const syscall_fn handlers[SYSCALL_COUNT] = {
	[SYS_EXIT] = sys_exit,
	[SYS_YIELD] = sys_yield,
	[SYS_GET_PID] = sys_get_pid,
	[SYS_GET_TIME] = sys_get_time,
	[SYS_PRINT] = sys_print,
	[SYS_GET_PRINCIPAL] = sys_get_principal,
	[SYS_ALLOCATE] = sys_allocate,
	[SYS_FREE] = sys_free,
	[SYS_SPAWN] = sys_spawn,
	[SYS_WAIT_TASK] = sys_wait_task,
	[SYS_MODULE_READY] = sys_module_ready,
	[SYS_SYSINFO] = sys_sysinfo,
};

int64_t syscall_dispatch(uint64_t nr, const uint64_t args[6])
{
	struct process *p = caller();

	if (!syscall_valid(nr) || !handlers[nr])
		return -ENOSYS;
	if (!p)
		return -EINVAL;	/* a kernel task has no user arguments */
	if (syscall_gate(nr) != SYSCALL_GATE_EXEMPT && !has_identity(p))
		return -EPERM;
	return handlers[nr](args);
}

void kernel_user_fault(const char *what, uint64_t pc, uint64_t addr,
		       uint64_t code)
{
	struct process *p = caller();

	log_warn("process %u (%s) killed: %s at pc %#lx, address %#lx, error %#lx\n",
		 p ? pid_slot(p->id) : 0, p ? p->name : "?", what,
		 (unsigned long)pc, (unsigned long)addr, (unsigned long)code);
	proc_exit_current(EXIT_KILLED);
}
