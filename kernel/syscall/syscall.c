/*
 * kernel/syscall/syscall.c - the system call dispatcher and the handlers
 * of the process issue (spec syscalls.md sections 3 and 5).
 *
 * Pipeline (syscalls.md section 3, docs/capabilities.md section 11):
 * decode the number (unknown: -ENOSYS), then for every syscall but the
 * identity-exempt seven the identity gate (a bound Principal), the Boot
 * gate, the system capability of the table's syscap column; then for all
 * the interceptor's syscall filter (layer 1); then the handler.  A refusal
 * by any of these returns -EPERM and is audited (SyscallDenied).
 *
 * Handlers check every argument before changing anything ("decode, then
 * act"), and copy user memory only through kernel/mm/uaccess.  Syscalls of
 * later issues (objects, devices, framebuffer) answer -ENOSYS until their
 * subsystem exists.
 */
#include "kernel/core/kernel.h"

#include <stdbool.h>

#include "abi/errno.h"
#include "abi/syscall.h"
#include "abi/syscall_out.h"
#include "abi/sysinfo.h"
#include "kernel/arch/arch.h"
#include "kernel/audit/audit.h"
#include "kernel/cap/cap.h"
#include "kernel/cap/interceptor.h"
#include "kernel/core/log.h"
#include "kernel/core/time.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/uaccess.h"
#include "kernel/ipc/channel.h"
#include "kernel/ipc/fastpath.h"
#include "kernel/ipc/ipc.h"
#include "kernel/ipc/setup.h"
#include "kernel/mm/vma.h"
#include "kernel/policy/policy.h"
#include "kernel/proc/lifecycle.h"
#include "kernel/proc/process.h"
#include "kernel/sched/glue.h"
#include "kernel/sched/sched.h"
#include "kernel/syscall/sys_dev.h"
#include "kernel/syscall/sys_fb.h"
#include "kernel/syscall/sys_obj.h"
#include "lib/klib/string.h"

#define PAGE			4096ull
#define PRINT_MAX		256
#define ALLOCATE_MAX		(64ull << 20)
#define SPAWN_NAME_MAX		64
/* Exit status of a process killed for a fault (as a shell's 128 + SEGV). */
#define EXIT_KILLED		139

typedef int64_t (*syscall_fn)(const uint64_t a[6]);

/* proc_current(), inline: every syscall asks several times. */
static struct process *caller(void)
{
	struct task *t = sched_current();

	return t ? t->proc : NULL;
}

static uint64_t caller_root(void)
{
	struct process *p = caller();

	return p ? p->page_table_root : 0;
}

/* The caller's ProcessId; dispatch has checked that there is a caller. */
static process_id_t caller_pid(void)
{
	return caller()->id;
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
	uint8_t key[PRINCIPAL_SIZE];

	if (a[1] < PRINCIPAL_SIZE || cap_get_principal(caller_pid(), key))
		return -EINVAL;
	if (copy_to_user(caller_root(), a[0], key, PRINCIPAL_SIZE))
		return -EINVAL;
	return PRINCIPAL_SIZE;
}

static int64_t sys_allocate(const uint64_t a[6])
{
	struct process *p = caller();
	uint64_t size = a[0], pages, base;

	if (!p || size == 0 || size > ALLOCATE_MAX)
		return -EINVAL;
	pages = (size + PAGE - 1) / PAGE;
	if (proc_vma_alloc(p, pages, VMA_USER | VMA_WRITE, VMA_KIND_ANON, 0,
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
		(void)proc_vma_remove(p, base, 1u << VMA_KIND_ANON, NULL);
		return -ENOMEM;
	}
	return (int64_t)base;
}

static int64_t sys_free(const uint64_t a[6])
{
	struct process *p = caller();
	struct vma gone;
	uint64_t vaddr = a[0];

	if (!p || vaddr == 0 || vaddr >= arch_user_ceiling())
		return -EINVAL;
	if (proc_vma_remove(p, vaddr,
			    (1u << VMA_KIND_ANON) | (1u << VMA_KIND_DMA) |
				    (1u << VMA_KIND_MMIO),
			    &gone))
		return -EINVAL;
	for (uint64_t i = 0; i < gone.pages; i++) {
		uint64_t pa;

		if (!arch_vm_unmap(p->page_table_root, gone.base + i * PAGE, &pa) &&
		    gone.kind == VMA_KIND_ANON)
			frame_free(pa);
	}
	/* A DMA buffer is one buddy block, freed whole; MMIO frames are the
	 * device's. */
	if (gone.kind == VMA_KIND_DMA)
		frame_free_order(vma_dma_phys(gone.tag), vma_dma_order(gone.tag));
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
		s.cpu = arch_cpu_id();
		len = len < sizeof(s) ? len : sizeof(s);
		return copy_to_user(caller_root(), a[1], &s, len) ? -EINVAL
								  : (int64_t)len;
	}
	if (kind == SYSINFO_PROCS) {
		/* 16 records (1 KiB) at a time through a kernel buffer. */
		struct sysinfo_proc recs[16];
		size_t done = 0, want = len / SYSINFO_PROC_SIZE;

		if (want == 0)
			return -EINVAL;
		while (done < want) {
			size_t chunk = want - done < 16 ? want - done : 16;
			size_t n = proc_snapshot(recs, done, chunk);

			if (copy_to_user(caller_root(),
					 a[1] + done * SYSINFO_PROC_SIZE, recs,
					 n * SYSINFO_PROC_SIZE))
				return -EINVAL;
			done += n;
			if (n < chunk)
				break;
		}
		return (int64_t)(done * SYSINFO_PROC_SIZE);
	}
	if (kind == SYSINFO_IPC) {
		struct sysinfo_ipc r;
		struct ipc_stats is;
		struct channel_stats cs;
		struct audit_stats as;

		if (len < SYSINFO_IPC_MIN)
			return -EINVAL;
		cap_counts(&r.endpoints_owned, &r.cap_entries);
		ipc_stats_total(&is);
		channel_stats(&cs);
		audit_stats(&as);
		r.channels = cs.in_use;
		r.queued = is.depth;
		r.sent = is.sent;
		r.received = is.received;
		r.audit_emitted = as.emitted;
		r.audit_dropped = as.dropped;
		len = len < sizeof(r) ? len : sizeof(r);
		return copy_to_user(caller_root(), a[1], &r, len) ? -EINVAL
								  : (int64_t)len;
	}
	if (kind == SYSINFO_STORE)
		return sysinfo_store(a[1], len);
	return -EINVAL;
}

/* ---- IPC (docs/ipc.md section 7) ------------------------------------- */

static int64_t sys_register_endpoint(const uint64_t a[6])
{
	process_id_t pid = caller_pid();
	uint64_t ep = a[0];
	int err;

	if (ep >= IPC_MAX_ENDPOINTS)
		return -ENOENDPOINT;
	err = cap_register_endpoint(pid, (uint32_t)ep);
	if (err)
		return err;
	/* The queue's owner mirrors the capability manager's. */
	if (ipc_endpoint_claim((unsigned)ep, pid))
		log_warn("ipc: endpoint %u already claimed in the queue table\n",
			 (unsigned)ep);
	return 0;
}

/*
 * A user buffer as a send's payload source (ipc_fill_fn).  The IPC
 * handlers copy with the arch's direct, fault-recovering copies: a
 * process's own address space is the active one during its syscalls
 * (also after a direct switch: we copy only once we run again).
 */
struct user_src {
	uaddr_t addr;
};

static int fill_from_user(void *ctx, uint8_t *dst, size_t len)
{
	const struct user_src *u = ctx;

	return arch_copy_from_user(dst, u->addr, len);
}

static int64_t sys_write(const uint64_t a[6])
{
	process_id_t pid = caller_pid();
	uint64_t ep = a[0], len = a[2];
	struct cap_send_info si;
	struct ipc_sender who;
	enum cap_verdict v;
	int err;

	if (len == 0)
		return 0;
	if (len > IPC_MSG_SIZE)
		return -EINVAL;
	if (ep >= IPC_MAX_ENDPOINTS)
		return -ENOENDPOINT;
	if (!uaccess_range_ok(a[1], len))
		return -EINVAL;
	err = cap_send_prepare_self(pid, (uint32_t)ep, &si);
	if (err)
		return err;
	v = cap_intercept_send(&(struct cap_send_ctx){
	    .sender = pid,
	    .receiver = si.receiver,
	    .endpoint = (uint32_t)ep,
	    .from = si.from,
	    .payload_len = len,
	});
	if (v != CAP_ALLOW)
		return cap_verdict_errno(v);
	who.pid = pid;
	who.reply_ep = si.reply_ep;
	__builtin_memcpy(who.principal, si.principal, PRINCIPAL_SIZE);
	/*
	 * The reply rule before the message becomes visible: a receiver on
	 * another CPU may answer at once, and must already hold SEND on our
	 * reply endpoint.  (A send that then fails leaves the owner able to
	 * answer a message it never got: harmless, it holds no more than a
	 * successful send would have given it.)
	 */
	if (si.grant_reply)
		(void)cap_grant_reply(pid, (uint32_t)ep);
	/* The payload is copied from the caller straight into the queue; a
	 * bad buffer queues nothing (-EINVAL). */
	struct user_src src = {a[1]};
	task_id_t taken;

	err = ipc_send_handoff((unsigned)ep, &who, len, fill_from_user, &src,
			       &taken);
	if (err)
		return err;
	/*
	 * A receiver was waiting: give it the CPU now when it lives on this
	 * one (docs/ipc.md "Direct switch"); we return once it blocks again.
	 */
	if (taken != TASK_ID_NONE && !sched_handoff(taken))
		ipc_wake_receiver((unsigned)ep);
	return (int64_t)len;
}

/* RECEIVE right and the interceptor's receive rule. */
static int recv_allowed(process_id_t pid, uint32_t ep)
{
	int err = cap_verify_self(pid, ep, IPC_RIGHT_RECV);
	enum cap_verdict v;

	if (err)
		return err;
	v = cap_intercept_recv(&(struct cap_recv_ctx){pid, ep});
	return cap_verdict_errno(v);
}

/* Where a receive delivers (ipc_take_fn): straight into user memory. */
struct user_dst {
	uaddr_t addr;
	size_t len;	/* buffer length */
	bool header;	/* RecvMsg layout (Principal, from, payload) */
	size_t written; /* bytes written on success */
};

/*
 * Copy the message at the head of the queue to the caller, under the
 * endpoint lock.  A fault fails the copy and leaves the message queued:
 * a bad buffer never loses a message.
 */
static int take_to_user(void *ctx, const struct ipc_msg *m)
{
	struct user_dst *d = ctx;
	size_t hdr = d->header ? IPC_RECV_HDR_SIZE : 0;
	size_t n = m->len < IPC_MSG_SIZE ? m->len : IPC_MSG_SIZE;

	if (n > d->len - hdr)
		n = d->len - hdr;
	/* The header in the syscalls.md 7.1 layout sits right before the
	 * payload in the queue slot: one copy for both. */
	if (arch_copy_to_user(d->addr,
			      d->header ? ipc_recv_image(m) : m->payload, hdr + n))
		return -EINVAL;
	d->written = hdr + n;
	return 0;
}

static int64_t sys_read(const uint64_t a[6])
{
	process_id_t pid = caller_pid();
	uint64_t ep = a[0], max = a[2];
	struct user_dst d = {a[1], max, false, 0};
	int err;

	if (max == 0)
		return 0;
	if (max > IPC_MSG_SIZE)
		return -EINVAL;
	if (ep >= IPC_MAX_ENDPOINTS)
		return -ENOENDPOINT;
	if (!uaccess_range_ok(a[1], max))
		return -EINVAL;
	err = recv_allowed(pid, (uint32_t)ep);
	if (err)
		return err;
	err = ipc_try_recv_into((unsigned)ep, pid, take_to_user, &d);
	if (err == -EWOULDBLOCK)
		return 0;
	return err ? err : (int64_t)d.written;
}

/* RecvMsg (13) and TryRecvMsg (37). */
static int64_t recv_msg(const uint64_t a[6], bool blocking)
{
	process_id_t pid = caller_pid();
	uint64_t ep = a[0], len = a[2];
	struct user_dst d = {a[1], 0, true, 0};
	int err;

	if (len < IPC_RECV_HDR_SIZE)
		return -EINVAL;
	if (ep >= IPC_MAX_ENDPOINTS)
		return -ENOENDPOINT;
	if (len > IPC_RECV_BUF_SIZE)
		len = IPC_RECV_BUF_SIZE;
	if (!uaccess_range_ok(a[1], len))
		return -EINVAL;
	d.len = len;
	for (;;) {
		/* The epoch is read before the check, so a revocation in
		 * between still ends the wait (docs/ipc.md section 4). */
		uint32_t epoch = ipc_endpoint_epoch((unsigned)ep);

		err = recv_allowed(pid, (uint32_t)ep);
		if (err)
			return err;
		err = blocking ? ipc_recv_blocking_into((unsigned)ep, pid, epoch,
							take_to_user, &d)
			       : ipc_try_recv_into((unsigned)ep, pid,
						   take_to_user, &d);
		if (err != -EINTR)
			break;
	}
	if (err == -EWOULDBLOCK && !blocking)
		return 0;
	return err ? err : (int64_t)d.written;
}

static int64_t sys_recv_msg(const uint64_t a[6])
{
	return recv_msg(a, true);
}

static int64_t sys_try_recv_msg(const uint64_t a[6])
{
	return recv_msg(a, false);
}

/*
 * WaitMsg (41): block until one of the endpoints of mask a1 holds a
 * message; returns the mask of those that do.  Each needs the RECEIVE
 * right, checked after its epoch is read (as RecvMsg), so a revocation
 * during the wait ends it and the next round refuses.
 */
static int64_t sys_wait_msg(const uint64_t a[6])
{
	process_id_t pid = caller_pid();
	uint32_t epochs[IPC_MAX_ENDPOINTS];
	uint32_t ready = 0;
	int err;

	if (a[0] == 0 || (a[0] >> IPC_MAX_ENDPOINTS))
		return -EINVAL;
	for (;;) {
		uint32_t mask = (uint32_t)a[0];

		for (unsigned ep = 0; ep < IPC_MAX_ENDPOINTS; ep++) {
			if (!(mask & (1u << ep)))
				continue;
			epochs[ep] = ipc_endpoint_epoch(ep);
			err = recv_allowed(pid, ep);
			if (err)
				return err;
		}
		err = ipc_wait_any_blocking(mask, epochs, &ready);
		if (err != -EINTR)
			break;
	}
	return err ? err : (int64_t)ready;
}

/*
 * ---- the IPC fast path (docs/ipc.md "Fast path") ----------------------
 *
 * Write and RecvMsg without the dispatcher's table and the handlers'
 * layers: the same gates and checks, read once from the caller's own
 * capability record, then straight to the queue.  Every "no" falls back
 * to syscall_dispatch having changed nothing, so anything unusual (a
 * refusal to audit, a policy query, a reply right to grant, a sink, a
 * full queue, a faulting buffer, a revoked wait) takes the general path.
 */

/*
 * The gates of syscall nr (a constant: the table's columns fold away)
 * for the caller pid; its record into *rec.
 */
static __attribute__((always_inline)) inline bool
fast_gates(uint64_t nr, process_id_t pid, const struct cap_record **rec)
{
	const struct cap_record *r = cap_self_record(pid);
	struct ipc_fast_gate g;

	if (!r)
		return false;
	g.record = true;
	g.principal_bound = __atomic_load_n(&r->principal_bound,
					    __ATOMIC_ACQUIRE);
	g.syscall_filter = __atomic_load_n(&r->syscall_filter, __ATOMIC_RELAXED);
	g.hooked = cap_interceptor_current() != NULL;
	g.policy_allow = policy_core_fast_allow(&policy_state, pid, (unsigned)nr);
	*rec = r;
	return ipc_fast_gates(nr, &g) == IPC_FAST_TAKEN;
}

static bool fast_write(process_id_t pid, uint64_t ep, uint64_t buf,
		       uint64_t len, int64_t *ret)
{
	const struct cap_record *r;
	struct ipc_fast_send s;
	struct user_src src = {buf};
	task_id_t taken;
	uint32_t from;

	if (!fast_gates(SYS_WRITE, pid, &r) || ep >= IPC_MAX_ENDPOINTS)
		return false;
	s.sender = pid;
	s.sender_slot = pid_slot(pid);
	s.rights = __atomic_load_n(&r->rights[ep], __ATOMIC_RELAXED);
	s.reply_ep = __atomic_load_n(&r->reply_ep, __ATOMIC_RELAXED);
	s.owned = cap_owner_peek((uint32_t)ep, s.reply_ep, &s.owner,
				 &s.owner_can_reply);
	if (ipc_fast_write_check(ep, buf, len, arch_user_ceiling(), &s,
				 &from) != IPC_FAST_TAKEN)
		return false;
	if (ipc_send_fast((unsigned)ep, pid, from, r->principal, len,
			  fill_from_user, &src, &taken))
		return false;
	if (taken != TASK_ID_NONE && !sched_handoff(taken))
		ipc_wake_receiver((unsigned)ep);
	*ret = (int64_t)len;
	return true;
}

static bool fast_recv(process_id_t pid, uint64_t ep, uint64_t buf,
		      uint64_t len, int64_t *ret)
{
	const struct cap_record *r;
	uint64_t used;
	size_t written = 0;
	uint32_t epoch;
	int err;

	if (!fast_gates(SYS_RECV_MSG, pid, &r) || ep >= IPC_MAX_ENDPOINTS)
		return false;
	/* The epoch before the right, as recv_msg. */
	epoch = ipc_endpoint_epoch((unsigned)ep);
	if (ipc_fast_recv_check(ep, buf, len, arch_user_ceiling(),
				__atomic_load_n(&r->rights[ep],
						__ATOMIC_RELAXED),
				&used) != IPC_FAST_TAKEN)
		return false;
	err = ipc_recv_user_blocking((unsigned)ep, pid, epoch, buf, used,
				     &written);
	/* Interrupted (a reset or a revocation): the general path checks
	 * the right again and answers. */
	if (err == -EINTR)
		return false;
	*ret = err ? err : (int64_t)written;
	return true;
}

bool syscall_fast_ipc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		      int64_t *ret)
{
	struct process *p = caller();
	struct runqueue *rq;
	bool done;

	if (!p)
		return false;
	if (nr == SYS_WRITE)
		done = fast_write(p->id, a0, a1, a2, ret);
	else if (nr == SYS_RECV_MSG)
		done = fast_recv(p->id, a0, a1, a2, ret);
	else
		return false;
	/* The exit's look for a due switch, as after syscall_dispatch. */
	rq = sched_this_rq();
	if (done && rq && sched_need_resched(rq))
		kernel_return_to_user();
	return done;
}

/* ---- capabilities and identity -------------------------------------- */

static int64_t sys_bind_principal(const uint64_t a[6])
{
	uint8_t key[PRINCIPAL_SIZE];

	if (a[2] != PRINCIPAL_SIZE)
		return -EINVAL;
	if (copy_from_user(caller_root(), key, a[1], PRINCIPAL_SIZE))
		return -EINVAL;
	return cap_bind_principal(caller_pid(), a[0], key);
}

static int64_t sys_revoke_capability(const uint64_t a[6])
{
	uint32_t released = 0;
	int err;

	if (a[1] >= IPC_MAX_ENDPOINTS)
		return -ENOENDPOINT;
	err = cap_revoke(caller_pid(), a[0], (uint32_t)a[1], &released);
	if (err)
		return err;
	(void)ipc_reset_endpoints(released);
	return 0;
}

static int64_t sys_delegate(const uint64_t a[6])
{
	if (a[0] >= IPC_MAX_ENDPOINTS)
		return -ENOENDPOINT;
	if (a[2] == 0 || a[2] > IPC_RIGHTS_FULL)
		return -EINVAL;
	return cap_delegate(caller_pid(), a[1], (uint32_t)a[0], (uint32_t)a[2]);
}

static int64_t sys_task_process(const uint64_t a[6])
{
	return proc_task_process((task_id_t)a[0]);
}

/* ---- channels (docs/channels.md section 6) --------------------------- */

static int64_t sys_channel_create(const uint64_t a[6])
{
	uint8_t mine[PRINCIPAL_SIZE], peer[PRINCIPAL_SIZE];
	process_id_t pid = caller_pid();
	uint64_t pages = a[0], role = a[2], id, vaddr = 0;
	int err;

	if (pages == 0 || pages > CHANNEL_MAX_PAGES || role > CHANNEL_BIDIRECTIONAL)
		return -EINVAL;
	if (copy_from_user(caller_root(), peer, a[1], PRINCIPAL_SIZE))
		return -EINVAL;
	/* The result's destination must be writable before anything is
	 * created. */
	if (copy_to_user(caller_root(), a[3], &vaddr, sizeof(vaddr)))
		return -EINVAL;
	if (cap_get_principal(pid, mine))
		return -EPERM;
	err = channel_create(pid, mine, peer, pages, (uint32_t)role, &id, &vaddr);
	if (err)
		return err;
	if (copy_to_user(caller_root(), a[3], &vaddr, sizeof(vaddr))) {
		(void)channel_close(id, pid);
		return -EINVAL;
	}
	return (int64_t)id;
}

static int64_t sys_channel_attach(const uint64_t a[6])
{
	uint8_t mine[PRINCIPAL_SIZE];
	process_id_t pid = caller_pid();
	uint64_t vaddr;
	int err;

	if (cap_get_principal(pid, mine))
		return -EPERM;
	err = channel_attach(a[0], pid, mine, &vaddr);
	return err ? err : (int64_t)vaddr;
}

static int64_t sys_channel_close(const uint64_t a[6])
{
	return channel_close(a[0], caller_pid());
}

static int64_t sys_channel_revoke(const uint64_t a[6])
{
	return channel_revoke(a[0], caller_pid());
}

static int64_t sys_channel_info(const uint64_t a[6])
{
	struct channel_info rec;
	int err;

	if (a[2] < CHANNEL_INFO_SIZE)
		return -EINVAL;
	err = channel_info(a[0], &rec);
	if (err)
		return err;
	return copy_to_user(caller_root(), a[1], &rec, CHANNEL_INFO_SIZE) ? -EINVAL
									   : 0;
}

/* ---- audit (docs/audit.md section 9) --------------------------------- */

static int64_t sys_audit_attach(const uint64_t a[6])
{
	(void)a;
	return audit_map_ring(caller_pid());
}

static int64_t sys_audit_info(const uint64_t a[6])
{
	struct audit_info rec;

	if (a[1] < AUDIT_INFO_SIZE)
		return -EINVAL;
	audit_info(&rec, arch_cpus_online());
	return copy_to_user(caller_root(), a[0], &rec, AUDIT_INFO_SIZE) ? -EINVAL
									 : 0;
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
	[SYS_WRITE] = sys_write,
	[SYS_READ] = sys_read,
	[SYS_REGISTER_ENDPOINT] = sys_register_endpoint,
	[SYS_BIND_PRINCIPAL] = sys_bind_principal,
	[SYS_RECV_MSG] = sys_recv_msg,
	[SYS_REVOKE_CAPABILITY] = sys_revoke_capability,
	[SYS_CHANNEL_CREATE] = sys_channel_create,
	[SYS_CHANNEL_ATTACH] = sys_channel_attach,
	[SYS_CHANNEL_CLOSE] = sys_channel_close,
	[SYS_CHANNEL_REVOKE] = sys_channel_revoke,
	[SYS_CHANNEL_INFO] = sys_channel_info,
	[SYS_AUDIT_ATTACH] = sys_audit_attach,
	[SYS_AUDIT_INFO] = sys_audit_info,
	[SYS_TRY_RECV_MSG] = sys_try_recv_msg,
	[SYS_WAIT_MSG] = sys_wait_msg,
	[SYS_DELEGATE] = sys_delegate,
	[SYS_TASK_PROCESS] = sys_task_process,
	[SYS_OBJ_PUT] = sys_obj_put,
	[SYS_OBJ_GET] = sys_obj_get,
	[SYS_OBJ_DELETE] = sys_obj_delete,
	[SYS_OBJ_LIST] = sys_obj_list,
	[SYS_CLAIM_BOOTSTRAP_KEY] = sys_claim_bootstrap_key,
	[SYS_OBJ_PUT_SIGNED] = sys_obj_put_signed,
	[SYS_WAIT_IRQ] = sys_wait_irq,
	[SYS_MAP_MMIO] = sys_map_mmio,
	[SYS_ALLOC_DMA] = sys_alloc_dma,
	[SYS_DEVICE_INFO] = sys_device_info,
	[SYS_PORT_IO] = sys_port_io,
	[SYS_CONSOLE_READ] = sys_console_read,
	[SYS_MAP_FRAMEBUFFER] = sys_map_framebuffer,
};

/* A refusal by the gates: audited, then -EPERM. */
static int64_t denied(process_id_t pid, uint64_t nr, uint64_t why)
{
	audit_emit(AUDIT_SYSCALL_DENIED, pid, 0, nr, why, 0, 0);
	return -EPERM;
}

/* Values of a SyscallDenied event's arg1: which check refused. */
enum {
	DENIED_IDENTITY = 1,
	DENIED_BOOT = 2,
	DENIED_SYSCAP = 3,
	DENIED_FILTER = 4,
};

int64_t syscall_dispatch(uint64_t nr, const uint64_t args[6])
{
	struct process *p = caller();
	struct cap_syscall_view id;
	enum syscall_gate gate;
	enum syscall_syscap syscap;

	if (!syscall_valid(nr) || !handlers[nr])
		return -ENOSYS;
	if (!p)
		return -EINVAL;	/* a kernel task has no user arguments */
	if (cap_syscall_view(p->id, &id))
		return denied(p->id, nr, DENIED_IDENTITY);
	gate = syscall_gate(nr);
	if (gate != SYSCALL_GATE_EXEMPT) {
		if (!id.principal_bound)
			return denied(p->id, nr, DENIED_IDENTITY);
		if (gate == SYSCALL_GATE_BOOT && cap_check_boot_gate(p->id, nr))
			return denied(p->id, nr, DENIED_BOOT);
		syscap = syscall_syscap(nr);
		if (syscap != SYSCALL_SYSCAP_NONE && !(id.syscaps & (1u << syscap)))
			return denied(p->id, nr, DENIED_SYSCAP);
	}
	/* Layer 1: the policy service's decision (docs/policy.md). */
	if (policy_syscall_check(p->id, (unsigned)nr))
		return -EPOLICY;
	if (cap_intercept_syscall(&(struct cap_syscall_ctx){
		.caller = p->id, .nr = nr, .filter = id.syscall_filter}) !=
	    CAP_ALLOW)
		return denied(p->id, nr, DENIED_FILTER);
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
