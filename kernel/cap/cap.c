/*
 * kernel/cap/cap.c - the capability manager (spec ipc.md §3, §5, §8, §9;
 * docs/capabilities.md).
 *
 * State: one record per process slot (the caller's storage) and the
 * endpoint ownership table, all under one lock, CAP.  Each function takes
 * the lock once, decides, changes state, releases the lock and only then
 * emits its audit events, so the lock stays a leaf.
 *
 * Invariants, true whenever CAP is free (checked by the unit tests' model
 * run):
 *  - owner[e] is CAP_PID_NONE or the pid of an attached, non-exiting
 *    record, which holds IPC_RIGHTS_FULL on e;
 *  - only owner[e] holds IPC_RIGHT_RECV on e;
 *  - a record's reply_ep is CAP_NO_ENDPOINT or an endpoint it owns;
 *  - a free or exiting record holds no endpoint right.
 */
#include "kernel/cap/cap.h"

#include "kernel/audit/audit.h"
#include "kernel/cap/interceptor.h"
#include "kernel/core/spinlock.h"

#include "lib/klib/string.h"

#include "abi/errno.h"
#include "abi/ipc.h"
#include "abi/syscall.h"

/* Bit of endpoint e in an endpoint mask. */
#define EP(e) (1u << (e))

/* Endpoints the kernel consumes (ipc.md §4): nobody may register them. */
#define CAP_KERNEL_EPS (EP(IPC_EP_POLICY_REPLY) | EP(IPC_EP_BLK_KREPLY))

/*
 * Service endpoints every user process may send to: the ObjectStore
 * gateway, the UDP stack, virtio-blk's user-facing status endpoint and
 * the compositor.  The key-store (17) is deliberately not public: SIGN
 * uses the bootstrap secret, so only fs-service may ask.
 */
#define CAP_PUBLIC_SEND                                                        \
	(EP(IPC_EP_FS) | EP(IPC_EP_UDP) | EP(IPC_EP_BLK) |                     \
	 EP(IPC_EP_COMPOSITOR))

/* What every boot module and spawned process gets (ipc.md §5). */
#define CAP_MODULE_SYSCAPS (CAP_SYS_CREATE_PROCESS | CAP_SYS_CREATE_CHANNEL)

/* One row of the boot-time grant policy (docs/capabilities.md). */
struct cap_boot_row {
	const char *name; /* boot module name, without ".elf" */
	uint32_t reserve; /* reserved endpoints it may register */
	uint32_t send;	  /* endpoints it gets SEND on at start */
	uint32_t syscaps; /* capabilities and authorities */
	bool boot_only;	  /* ignored for CAP_ORIGIN_SPAWN */
};

/*
 * The boot chain (ipc.md §10) and the other known modules.  Each service
 * reserves the endpoints it serves and gets SEND only where it starts
 * conversations; answers flow by the reply rule (cap_grant_reply).
 */
static const struct cap_boot_row cap_boot_policy[] = {
    {"policy-service", EP(IPC_EP_POLICY_QUERY), EP(IPC_EP_POLICY_REPLY),
     CAP_SYS_BOOTSTRAP, true},
    {"key-store", EP(IPC_EP_KEYSTORE), 0, CAP_SYS_CLAIM_KEY, true},
    {"key-store-service", EP(IPC_EP_KEYSTORE), 0, CAP_SYS_CLAIM_KEY, true},
    {"fs-service", EP(IPC_EP_FS), EP(IPC_EP_KEYSTORE), CAP_SYS_OBJ_GATEWAY,
     true},
    {"virtio-blk", EP(IPC_EP_BLK) | EP(IPC_EP_BLK_KCMD), EP(IPC_EP_BLK_KREPLY),
     0, true},
    {"compositor", EP(IPC_EP_COMPOSITOR), EP(IPC_EP_SCANOUT), 0, true},
    {"shell", EP(IPC_EP_SHELL), 0, 0, true},
    {"virtio-net", EP(IPC_EP_NET), 0, 0, true},
    {"i219-net", EP(IPC_EP_NET), 0, 0, true},
    {"udp-stack", EP(IPC_EP_UDP), EP(IPC_EP_NET), 0, true},
    {"scanout-driver", EP(IPC_EP_SCANOUT), EP(IPC_EP_COMPOSITOR), 0, true},
    {"fb-demo", 0, 0, CAP_SYS_MAP_FRAMEBUFFER, false},
    {"audit_tail", 0, 0, CAP_SYS_AUDIT, true},
};

#define CAP_BOOT_ROWS (sizeof(cap_boot_policy) / sizeof(cap_boot_policy[0]))

/* The manager. */
static struct {
	struct spinlock lock;	  /* CAP itself */
	struct cap_record *recs;  /* CAP; the storage, NULL before init */
	uint32_t num_slots;	  /* CAP; records in recs */
	uint32_t scan_end;	  /* CAP; no record attached at or above */
	uint32_t reserved;	  /* CAP; endpoints needing a reservation */
	uint32_t authority_given; /* CAP; authorities handed to modules */
	process_id_t owner[IPC_MAX_ENDPOINTS]; /* CAP; owner of each
						  endpoint, or CAP_PID_NONE */
} cap = {.lock = SPINLOCK_INIT("cap", CAP_LOCK_RANK)};

struct cap_fast_table cap_fast = {NULL, 0, cap.owner};

/* An audit event decided under the lock, emitted after it. */
struct cap_event {
	enum audit_kind kind;
	uint64_t subject, object, arg0, arg1;
};

static unsigned long cap_lock(void)
{
	return spin_lock_irqsave(&cap.lock);
}

static void cap_unlock(unsigned long flags)
{
	spin_unlock_irqrestore(&cap.lock, flags);
}

static void emit(enum audit_kind kind, uint64_t subject, uint64_t object,
		 uint64_t arg0, uint64_t arg1)
{
	audit_emit(kind, subject, object, arg0, arg1, 0, 0);
}

static bool rights_valid(uint32_t rights)
{
	return rights != 0 && (rights & ~(uint32_t)IPC_RIGHTS_FULL) == 0;
}

/* The record of exactly incarnation pid, or NULL.  CAP held. */
static struct cap_record *rec_find(process_id_t pid)
{
	uint32_t slot = pid_slot(pid);

	if (pid == CAP_PID_NONE || slot >= cap.num_slots)
		return NULL;
	return cap.recs[slot].pid == pid ? &cap.recs[slot] : NULL;
}

/* As rec_find, but NULL for an exiting (frozen) record.  CAP held. */
static struct cap_record *rec_live(process_id_t pid)
{
	struct cap_record *r = rec_find(pid);

	return r && !r->exiting ? r : NULL;
}

static void rec_clear(struct cap_record *r)
{
	memset(r, 0, sizeof(*r));
	r->pid = CAP_PID_NONE;
	r->reply_ep = CAP_NO_ENDPOINT;
}

/* Endpoints pid owns, as a mask.  CAP held. */
static uint32_t owned_by(process_id_t pid)
{
	uint32_t mask = 0;

	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++) {
		if (cap.owner[e] == pid)
			mask |= EP(e);
	}
	return mask;
}

/*
 * Dissolve the endpoints of mask: no owner, nobody holds a right on them,
 * no reply endpoint names them.  Without this, rights left on a released
 * endpoint would reach whoever registers it next.  counts (may be NULL)
 * gets, per endpoint, how many processes other than the owner lost
 * rights.  One pass over the attached records.  CAP held.
 */
static void ep_release(uint32_t mask, uint32_t counts[IPC_MAX_ENDPOINTS])
{
	if (!mask)
		return;
	for (uint32_t s = 0; s < cap.scan_end; s++) {
		struct cap_record *r = &cap.recs[s];

		if (r->pid == CAP_PID_NONE)
			continue;
		for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++) {
			if (!(mask & EP(e)) || !r->rights[e])
				continue;
			if (counts && r->pid != cap.owner[e])
				counts[e]++;
			r->rights[e] = 0;
		}
		if (r->reply_ep != CAP_NO_ENDPOINT && (mask & EP(r->reply_ep)))
			r->reply_ep = CAP_NO_ENDPOINT;
	}
	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++) {
		if (mask & EP(e))
			cap.owner[e] = CAP_PID_NONE;
	}
}

int cap_init(struct cap_record *storage, uint32_t num_slots)
{
	if (!storage || num_slots < PROC_KERNEL_SLOTS ||
	    (uintptr_t)storage % _Alignof(struct cap_record))
		return -EINVAL;

	unsigned long flags = cap_lock();

	cap.recs = storage;
	cap.num_slots = num_slots;
	cap_fast.recs = storage;
	cap_fast.num_slots = num_slots;
	cap_fast.owner = cap.owner;
	cap.scan_end = 0;
	cap.authority_given = 0;
	cap.reserved = 0;
	for (size_t i = 0; i < CAP_BOOT_ROWS; i++)
		cap.reserved |= cap_boot_policy[i].reserve;
	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++)
		cap.owner[e] = CAP_PID_NONE;
	for (uint32_t s = 0; s < num_slots; s++)
		rec_clear(&storage[s]);
	cap_unlock(flags);
	return 0;
}

void cap_slot_reset(void *ctx, uint32_t slot, process_id_t id)
{
	(void)ctx;
	(void)id;

	unsigned long flags = cap_lock();

	if (slot < cap.num_slots && cap.recs[slot].pid != CAP_PID_NONE) {
		struct cap_record *r = &cap.recs[slot];

		/* Normally cap_revoke_all released these already. */
		ep_release(owned_by(r->pid), NULL);
		rec_clear(r);
	}
	cap_unlock(flags);
}

/* Start pid's record.  CAP held. */
static int attach_locked(process_id_t pid)
{
	uint32_t slot = pid_slot(pid);

	if (pid == CAP_PID_NONE || slot >= cap.num_slots)
		return -EINVAL;

	struct cap_record *r = &cap.recs[slot];

	if (r->pid != CAP_PID_NONE)
		return -EBUSY;
	rec_clear(r);
	r->pid = pid;
	r->syscall_filter = CAP_SYSCALL_FILTER_ALL;
	if (slot >= cap.scan_end)
		cap.scan_end = slot + 1;
	return 0;
}

int cap_attach(process_id_t pid)
{
	unsigned long flags = cap_lock();
	int err = attach_locked(pid);

	cap_unlock(flags);
	return err;
}

int cap_grant_kernel(process_id_t pid)
{
	if (pid_slot(pid) >= PROC_KERNEL_SLOTS ||
	    pid_generation(pid) != PROC_KERNEL_GENERATION)
		return -EINVAL;

	unsigned long flags = cap_lock();
	int err = attach_locked(pid);

	if (!err)
		cap.recs[pid_slot(pid)].syscaps = CAP_SYS_CREATE_PROCESS |
						  CAP_SYS_CREATE_CHANNEL |
						  CAP_SYS_BOOTSTRAP;
	cap_unlock(flags);
	return err;
}

static const struct cap_boot_row *boot_row(const char *name)
{
	for (size_t i = 0; i < CAP_BOOT_ROWS; i++) {
		if (!strcmp(cap_boot_policy[i].name, name))
			return &cap_boot_policy[i];
	}
	return NULL;
}

int cap_grant_boot_module(process_id_t pid, const char *name,
			  enum cap_origin origin)
{
	if (!name || pid_slot(pid) < PROC_FIRST_USER_SLOT ||
	    (origin != CAP_ORIGIN_BOOT && origin != CAP_ORIGIN_SPAWN))
		return -EINVAL;

	const struct cap_boot_row *row = boot_row(name);
	uint32_t send = CAP_PUBLIC_SEND;
	unsigned long flags = cap_lock();
	int err = attach_locked(pid);

	if (err) {
		cap_unlock(flags);
		return err;
	}

	struct cap_record *r = &cap.recs[pid_slot(pid)];

	r->syscaps = CAP_MODULE_SYSCAPS;
	if (row && (!row->boot_only || origin == CAP_ORIGIN_BOOT)) {
		r->may_register = row->reserve;
		send |= row->send;
		r->syscaps |= row->syscaps & CAP_SYS_PLAIN;
		/*
		 * Authority goes to the kernel-loaded module of that name,
		 * once per boot: a Spawn of the same name, or a second copy
		 * in the boot roster, is a plain module.
		 */
		if (origin == CAP_ORIGIN_BOOT) {
			uint32_t auth = row->syscaps & CAP_SYS_AUTHORITY &
					~cap.authority_given;

			cap.authority_given |= auth;
			r->syscaps |= auth;
		}
	}
	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++) {
		if (send & EP(e))
			r->rights[e] = IPC_RIGHT_SEND;
	}
	cap_unlock(flags);

	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++) {
		if (send & EP(e))
			emit(AUDIT_CAPABILITY_GRANTED, CAP_KERNEL_PID, e, pid,
			     IPC_RIGHT_SEND);
	}
	return 0;
}

int cap_revoke_all(process_id_t pid, uint32_t *released)
{
	uint32_t counts[IPC_MAX_ENDPOINTS] = {0};
	uint32_t held = 0, owned;
	unsigned long flags = cap_lock();
	struct cap_record *r = rec_find(pid);

	if (!r) {
		cap_unlock(flags);
		return -ENOENT;
	}
	/* Frozen first: nothing below gives it anything back. */
	r->exiting = true;
	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++) {
		if (r->rights[e])
			held |= EP(e);
	}
	owned = owned_by(pid);
	ep_release(owned, counts);
	memset(r->rights, 0, sizeof(r->rights));
	r->syscaps = 0;
	r->may_register = 0;
	r->reply_ep = CAP_NO_ENDPOINT;
	r->syscall_filter = 0;
	cap_unlock(flags);

	if (released)
		*released = owned;
	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++) {
		if (held & EP(e))
			emit(AUDIT_CAPABILITY_REVOKED, CAP_KERNEL_PID, e, pid,
			     0);
		if (counts[e])
			emit(AUDIT_CAPABILITY_REVOKED, CAP_KERNEL_PID, e,
			     CAP_PID_NONE, counts[e]);
	}
	return 0;
}

int cap_grant(process_id_t pid, uint32_t ep, uint32_t rights)
{
	if (!rights_valid(rights))
		return -EINVAL;
	if (ep >= IPC_MAX_ENDPOINTS)
		return -ENOENDPOINT;

	int err = 0;
	unsigned long flags = cap_lock();
	struct cap_record *r = rec_live(pid);

	if (!r)
		err = -ENOENT;
	else if (cap.owner[ep] == pid || (rights & IPC_RIGHT_RECV))
		/* RECEIVE is the owner's alone, and its rights are fixed. */
		err = -EPERM;
	else
		r->rights[ep] = (uint8_t)rights;
	cap_unlock(flags);

	if (!err)
		emit(AUDIT_CAPABILITY_GRANTED, CAP_KERNEL_PID, ep, pid, rights);
	return err;
}

/*
 * Layer 2: does pid hold rights on ep?  *held gets what it holds (0 when
 * the check cannot be made).  CAP held.
 */
static int verify_locked(process_id_t pid, uint32_t ep, uint32_t rights,
			 uint32_t *held)
{
	struct cap_record *r;

	*held = 0;
	if (ep >= IPC_MAX_ENDPOINTS)
		return -ENOENDPOINT;
	r = rec_find(pid);
	if (!r)
		return -ENOENT;
	*held = r->rights[ep];
	return (*held & rights) == rights ? 0 : -EPERM;
}

int cap_verify(process_id_t pid, uint32_t ep, uint32_t rights)
{
	if (!rights_valid(rights))
		return -EINVAL;

	uint32_t held;
	unsigned long flags = cap_lock();
	int err = verify_locked(pid, ep, rights, &held);

	cap_unlock(flags);
	if (err)
		emit(AUDIT_CAPABILITY_DENIED, pid, ep, rights, held);
	return err;
}

uint32_t cap_rights(process_id_t pid, uint32_t ep)
{
	uint32_t rights = 0;

	if (ep >= IPC_MAX_ENDPOINTS)
		return 0;

	unsigned long flags = cap_lock();
	struct cap_record *r = rec_find(pid);

	if (r)
		rights = r->rights[ep];
	cap_unlock(flags);
	return rights;
}

int cap_delegate(process_id_t src, process_id_t dst, uint32_t ep,
		 uint32_t rights)
{
	if (!rights_valid(rights))
		return -EINVAL;

	const struct cap_delegate_ctx ctx = {
	    .source = src, .target = dst, .endpoint = ep, .rights = rights};
	bool denied = false;
	int err = 0;
	unsigned long flags = cap_lock();
	struct cap_record *rs = rec_find(src);
	struct cap_record *rd = rec_live(dst);

	if (!rs || !rd) {
		err = -ENOENT;
		goto out;
	}
	/* ipc.md §5 order: the interceptor (range, src != dst) first. */
	enum cap_verdict v = cap_intercept_delegate(&ctx);

	if (v != CAP_ALLOW) {
		err = cap_verdict_errno(v);
		denied = true;
		goto out;
	}

	uint32_t held = rs->rights[ep];

	/* Never more than held; RECEIVE never leaves its owner. */
	if (!(held & IPC_RIGHT_DELEGATE) || (rights & ~held) ||
	    (rights & IPC_RIGHT_RECV)) {
		err = -EPERM;
		denied = true;
		goto out;
	}
	rd->rights[ep] |= (uint8_t)rights;
out:
	cap_unlock(flags);
	if (denied)
		emit(AUDIT_CAPABILITY_DENIED, src, ep, rights, 0);
	else if (!err)
		emit(AUDIT_CAPABILITY_GRANTED, src, ep, dst, rights);
	return err;
}

int cap_revoke(process_id_t revoker, process_id_t holder, uint32_t ep,
	       uint32_t *released)
{
	uint32_t counts[IPC_MAX_ENDPOINTS] = {0};
	bool denied = false, was_owner = false;
	int err = 0;

	if (released)
		*released = 0;
	if (ep >= IPC_MAX_ENDPOINTS)
		return -ENOENDPOINT;

	unsigned long flags = cap_lock();
	struct cap_record *rv = rec_find(revoker);
	struct cap_record *rh = rec_find(holder);

	if (!rv || !rh) {
		err = -ENOENT;
		goto out;
	}
	was_owner = cap.owner[ep] == holder;
	/*
	 * ipc.md §8 allowed only the Bootstrap authority.  A holder of
	 * REVOKE on ep (the owner, or whom it delegated REVOKE to) may
	 * revoke others too, but never the owner itself.
	 */
	if (!(rv->syscaps & CAP_SYS_BOOTSTRAP) &&
	    (was_owner || !(rv->rights[ep] & IPC_RIGHT_REVOKE))) {
		err = -EPERM;
		denied = true;
		goto out;
	}
	if (!rh->rights[ep]) {
		err = -ENOENDPOINT;
		goto out;
	}
	if (was_owner) {
		ep_release(EP(ep), counts);
		if (released)
			*released = EP(ep);
	} else {
		rh->rights[ep] = 0;
	}
out:
	cap_unlock(flags);
	if (denied)
		emit(AUDIT_CAPABILITY_DENIED, revoker, ep, 0, 0);
	if (err)
		return err;
	emit(AUDIT_CAPABILITY_REVOKED, revoker, ep, holder, 0);
	if (counts[ep])
		emit(AUDIT_CAPABILITY_REVOKED, revoker, ep, CAP_PID_NONE,
		     counts[ep]);
	return 0;
}

int cap_register_endpoint(process_id_t pid, uint32_t ep)
{
	if (ep >= IPC_MAX_ENDPOINTS)
		return -ENOENDPOINT;

	int err = 0;
	bool changed = false;
	unsigned long flags = cap_lock();
	struct cap_record *r = rec_live(pid);

	if (!r) {
		err = -ENOENT;
	} else if (cap.owner[ep] == pid) {
		/* Registering again changes nothing. */
	} else if ((CAP_KERNEL_EPS & EP(ep)) ||
		   ((cap.reserved & EP(ep)) && !(r->may_register & EP(ep)))) {
		err = -EPERM;
	} else if (cap.owner[ep] != CAP_PID_NONE) {
		err = -EEXIST;
	} else {
		cap.owner[ep] = pid;
		r->rights[ep] = IPC_RIGHTS_FULL;
		if (r->reply_ep == CAP_NO_ENDPOINT)
			r->reply_ep = ep;
		changed = true;
	}
	cap_unlock(flags);

	if (changed)
		emit(AUDIT_CAPABILITY_GRANTED, CAP_KERNEL_PID, ep, pid,
		     IPC_RIGHTS_FULL);
	else if (err == -EPERM || err == -EEXIST)
		emit(AUDIT_CAPABILITY_DENIED, pid, ep, IPC_RIGHTS_FULL, 0);
	return err;
}

process_id_t cap_endpoint_owner(uint32_t ep)
{
	process_id_t owner = CAP_PID_NONE;

	if (ep >= IPC_MAX_ENDPOINTS)
		return owner;

	unsigned long flags = cap_lock();

	if (cap.recs)
		owner = cap.owner[ep];
	cap_unlock(flags);
	return owner;
}

int cap_reply_endpoint(process_id_t pid, uint32_t *ep)
{
	if (!ep)
		return -EINVAL;

	int err = 0;
	unsigned long flags = cap_lock();
	struct cap_record *r = rec_find(pid);

	if (!r)
		err = -ENOENT;
	else if (r->reply_ep == CAP_NO_ENDPOINT)
		err = -ENOENDPOINT;
	else
		*ep = r->reply_ep;
	cap_unlock(flags);
	return err;
}

int cap_send_prepare(process_id_t sender, uint32_t ep,
		     struct cap_send_info *out)
{
	if (!out)
		return -EINVAL;

	uint32_t held;
	unsigned long flags = cap_lock();
	int err = verify_locked(sender, ep, IPC_RIGHT_SEND, &held);

	if (!err) {
		const struct cap_record *r = rec_find(sender);

		out->reply_ep = r->reply_ep;
		out->from = r->reply_ep != CAP_NO_ENDPOINT ? r->reply_ep
							   : pid_slot(sender);
		out->receiver = cap.owner[ep];
		/* The reply rule (cap_grant_reply) has work only when the
		 * owner lacks SEND on the sender's reply endpoint. */
		out->grant_reply =
		    r->reply_ep != CAP_NO_ENDPOINT &&
		    out->receiver != CAP_PID_NONE && out->receiver != sender &&
		    pid_slot(out->receiver) < cap.num_slots &&
		    !(cap.recs[pid_slot(out->receiver)].rights[r->reply_ep] &
		      IPC_RIGHT_SEND);
		if (r->principal_bound)
			memcpy(out->principal, r->principal, PRINCIPAL_SIZE);
		else
			memset(out->principal, 0, PRINCIPAL_SIZE);
	}
	cap_unlock(flags);
	if (err)
		emit(AUDIT_CAPABILITY_DENIED, sender, ep, IPC_RIGHT_SEND, held);
	return err;
}

/*
 * The calling process's own record, read without the CAP lock (the
 * argument of cap_syscall_view): NULL when it is not pid's.
 */
static const struct cap_record *self_record(process_id_t pid)
{
	uint32_t slot = pid_slot(pid);
	const struct cap_record *r;

	if (!cap.recs || slot >= cap.num_slots)
		return NULL;
	r = &cap.recs[slot];
	return __atomic_load_n(&r->pid, __ATOMIC_ACQUIRE) == pid ? r : NULL;
}

static uint32_t self_rights(const struct cap_record *r, uint32_t ep)
{
	return __atomic_load_n(&r->rights[ep], __ATOMIC_RELAXED);
}

int cap_verify_self(process_id_t pid, uint32_t ep, uint32_t rights)
{
	const struct cap_record *r;

	if (ep < IPC_MAX_ENDPOINTS && rights_valid(rights)) {
		r = self_record(pid);
		if (r && (self_rights(r, ep) & rights) == rights)
			return 0;
	}
	return cap_verify(pid, ep, rights); /* the refusal, audited */
}

int cap_send_prepare_self(process_id_t sender, uint32_t ep,
			  struct cap_send_info *out)
{
	const struct cap_record *r, *o;

	if (ep >= IPC_MAX_ENDPOINTS || !out)
		return cap_send_prepare(sender, ep, out);
	r = self_record(sender);
	if (!r || !(self_rights(r, ep) & IPC_RIGHT_SEND))
		return cap_send_prepare(sender, ep, out);

	uint32_t reply = __atomic_load_n(&r->reply_ep, __ATOMIC_RELAXED);
	process_id_t owner = __atomic_load_n(&cap.owner[ep], __ATOMIC_RELAXED);

	out->reply_ep = reply;
	out->from = reply != CAP_NO_ENDPOINT ? reply : pid_slot(sender);
	out->receiver = owner;
	out->grant_reply = false;
	if (reply < IPC_MAX_ENDPOINTS && owner != CAP_PID_NONE &&
	    owner != sender && pid_slot(owner) < cap.num_slots) {
		o = &cap.recs[pid_slot(owner)];
		out->grant_reply = !(self_rights(o, reply) & IPC_RIGHT_SEND);
	}
	/* Bound once, never changed while the process lives. */
	if (__atomic_load_n(&r->principal_bound, __ATOMIC_ACQUIRE))
		__builtin_memcpy(out->principal, r->principal, PRINCIPAL_SIZE);
	else
		__builtin_memset(out->principal, 0, PRINCIPAL_SIZE);
	return 0;
}

int cap_grant_reply(process_id_t sender, uint32_t ep)
{
	if (ep >= IPC_MAX_ENDPOINTS)
		return -ENOENDPOINT;

	int err = 0;
	bool granted = false;
	uint32_t reply = CAP_NO_ENDPOINT;
	process_id_t owner = CAP_PID_NONE;
	unsigned long flags = cap_lock();
	struct cap_record *rs = rec_live(sender);

	if (!rs) {
		err = -ENOENT;
		goto out;
	}
	reply = rs->reply_ep;
	owner = cap.owner[ep];
	if (reply == CAP_NO_ENDPOINT || owner == CAP_PID_NONE ||
	    owner == sender)
		goto out;

	/* The owner of an endpoint is never exiting (revoke_all released). */
	struct cap_record *ro = rec_live(owner);

	if (ro && !(ro->rights[reply] & IPC_RIGHT_SEND)) {
		ro->rights[reply] |= IPC_RIGHT_SEND;
		granted = true;
	}
out:
	cap_unlock(flags);
	if (granted)
		emit(AUDIT_CAPABILITY_GRANTED, sender, reply, owner,
		     IPC_RIGHT_SEND);
	return err;
}

int cap_bind_principal(process_id_t caller, process_id_t target,
		       const uint8_t key[PRINCIPAL_SIZE])
{
	uint8_t any = 0;

	if (!key)
		return -EINVAL;
	for (size_t i = 0; i < PRINCIPAL_SIZE; i++)
		any |= key[i];
	/* All zero means anonymous: never an identity (security.md §6). */
	if (!any)
		return -EINVAL;

	int err = 0;
	unsigned long flags = cap_lock();
	struct cap_record *rc = rec_find(caller);
	struct cap_record *rt;

	if (!rc) {
		err = -ENOENT;
	} else if (!(rc->syscaps & CAP_SYS_BOOTSTRAP)) {
		err = -EPERM;
	} else if (!(rt = rec_live(target))) {
		err = -ENOENT;
	} else if (rt->principal_bound) {
		err = -EEXIST;
	} else {
		memcpy(rt->principal, key, PRINCIPAL_SIZE);
		rt->principal_bound = true;
	}
	cap_unlock(flags);
	return err;
}

int cap_get_principal(process_id_t pid, uint8_t out[PRINCIPAL_SIZE])
{
	if (!out)
		return -EINVAL;

	int err = 0;
	unsigned long flags = cap_lock();
	struct cap_record *r = rec_find(pid);

	if (!r)
		err = -ENOENT;
	else if (!r->principal_bound)
		err = -EINVAL;
	else
		memcpy(out, r->principal, PRINCIPAL_SIZE);
	cap_unlock(flags);
	return err;
}

int cap_identity(process_id_t pid, struct cap_identity *out)
{
	if (!out)
		return -EINVAL;

	int err = 0;
	unsigned long flags = cap_lock();
	struct cap_record *r = rec_find(pid);

	if (!r) {
		err = -ENOENT;
	} else {
		if (r->principal_bound)
			memcpy(out->principal, r->principal, PRINCIPAL_SIZE);
		else
			memset(out->principal, 0, PRINCIPAL_SIZE);
		out->principal_bound = r->principal_bound;
		out->syscaps = r->syscaps;
		out->syscall_filter = r->syscall_filter;
	}
	cap_unlock(flags);
	return err;
}

int cap_syscall_view(process_id_t pid, struct cap_syscall_view *out)
{
	uint32_t slot = pid_slot(pid);
	const struct cap_record *r;

	if (!out || !cap.recs || slot >= cap.num_slots)
		return -ENOENT;
	r = &cap.recs[slot];
	if (__atomic_load_n(&r->pid, __ATOMIC_ACQUIRE) != pid)
		return -ENOENT;
	out->principal_bound = __atomic_load_n(&r->principal_bound,
					       __ATOMIC_RELAXED);
	out->syscaps = __atomic_load_n(&r->syscaps, __ATOMIC_RELAXED);
	out->syscall_filter = __atomic_load_n(&r->syscall_filter,
					      __ATOMIC_RELAXED);
	return 0;
}

bool cap_has_syscap(process_id_t pid, uint32_t caps)
{
	bool has = false;

	if (!caps)
		return false;

	unsigned long flags = cap_lock();
	struct cap_record *r = rec_find(pid);

	if (r)
		has = (r->syscaps & caps) == caps;
	cap_unlock(flags);
	return has;
}

int cap_grant_syscap(process_id_t pid, uint32_t caps)
{
	if (!caps || (caps & ~(uint32_t)(CAP_SYS_PLAIN | CAP_SYS_AUTHORITY)))
		return -EINVAL;
	if (caps & CAP_SYS_AUTHORITY)
		return -EPERM;

	int err = 0;
	unsigned long flags = cap_lock();
	struct cap_record *r = rec_live(pid);

	if (r)
		r->syscaps |= caps;
	else
		err = -ENOENT;
	cap_unlock(flags);
	return err;
}

int cap_clear_syscap(process_id_t pid, uint32_t caps)
{
	if (caps & ~(uint32_t)(CAP_SYS_PLAIN | CAP_SYS_AUTHORITY))
		return -EINVAL;

	int err = 0;
	unsigned long flags = cap_lock();
	struct cap_record *r = rec_find(pid);

	if (r)
		r->syscaps &= ~caps;
	else
		err = -ENOENT;
	cap_unlock(flags);
	return err;
}

int cap_check_boot_gate(process_id_t pid, uint64_t nr)
{
	uint32_t need = nr == SYS_CLAIM_BOOTSTRAP_KEY ? CAP_SYS_CLAIM_KEY
			: nr == SYS_AUDIT_ATTACH
			    ? (uint32_t)(CAP_SYS_BOOTSTRAP | CAP_SYS_AUDIT)
			    : CAP_SYS_BOOTSTRAP;
	int err = 0;
	unsigned long flags = cap_lock();
	struct cap_record *r = rec_find(pid);

	if (!r)
		err = -ENOENT;
	else if (!(r->syscaps & need))
		err = -EPERM;
	cap_unlock(flags);
	return err;
}

int cap_syscall_filter_set(process_id_t pid, uint64_t allow)
{
	int err = 0;
	unsigned long flags = cap_lock();
	struct cap_record *r = rec_live(pid);

	if (r)
		r->syscall_filter = allow;
	else
		err = -ENOENT;
	cap_unlock(flags);
	return err;
}

void cap_counts(uint32_t *endpoints_owned, uint32_t *entries)
{
	uint32_t owned = 0, held = 0;
	unsigned long flags = cap_lock();

	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++)
		owned += cap.owner[e] != CAP_PID_NONE;
	for (uint32_t i = 0; cap.recs && i < cap.scan_end; i++) {
		const struct cap_record *r = &cap.recs[i];

		if (r->pid == CAP_PID_NONE)
			continue;
		for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++)
			held += r->rights[e] != 0;
	}
	cap_unlock(flags);
	*endpoints_owned = owned;
	*entries = held;
}
