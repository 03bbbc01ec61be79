/*
 * kernel/cap/cap.h - the capability manager: per-process endpoint rights,
 * system capabilities, Bootstrap authority, the bound Principal, the
 * reply-endpoint registry and endpoint ownership (spec ipc.md §3, §5, §8,
 * §9; design and deviations in docs/capabilities.md).
 *
 * One record per process slot, in storage the caller sizes at boot
 * (kernel/mm/tier.h: num_slots records of CAP_RECORD_SIZE bytes).  A
 * record belongs to one incarnation of its slot: every function that
 * names a process takes its full 64-bit ProcessId and fails with -ENOENT
 * when the record does not belong to exactly that id (a stale id, a free
 * slot, a slot out of range).  There is no lookup by slot alone.
 *
 * Endpoint ownership: the first process to register an endpoint owns it
 * and is the only one that ever holds RECEIVE on it.  Others get SEND
 * (and DELEGATE, REVOKE) from the boot-time policy, by delegation from a
 * holder, or by the reply rule (cap_grant_reply).  Well-known endpoints
 * are reserved: only the boot module the policy names may register them.
 *
 * Locking: one lock, CAP, private to cap.c, taken with interrupts off by
 * every function here (unless it says otherwise) and released before it
 * returns.  It is a leaf: nothing here takes another lock while holding
 * it, and audit events are emitted after it is released.  Callers may
 * hold IPC, CHANNEL or PROCESS_TABLE locks, but no lock ranked above
 * CAP_LOCK_RANK (the heap, frame allocator, ...): see docs/capabilities.md
 * "Locking" for why CAP ranks above PROCESS_TABLE.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/core/lockrank.h"
#include "kernel/proc/process.h"

#include "abi/ipc.h"

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

/*
 * Rank of the CAP lock.  The spec places the capability manager below the
 * process table (lockrank.h LOCK_RANK_CAP 0x400), but the table's reset
 * hook, cap_slot_reset, runs under PROCESS_TABLE and needs the CAP lock,
 * and CAP is a leaf: so it ranks just above PROCESS_TABLE until
 * lockrank.h moves LOCK_RANK_CAP there (docs/capabilities.md "Locking").
 */
#if LOCK_RANK_CAP > LOCK_RANK_PROC
#define CAP_LOCK_RANK LOCK_RANK_CAP
#else
#define CAP_LOCK_RANK (LOCK_RANK_PROC + 0x40)
#endif

/** No process: a free record, an endpoint without owner. */
#define CAP_PID_NONE UINT64_MAX
/** ProcessId of kernel process 0 (audit subject of kernel grants). */
#define CAP_KERNEL_PID 0ull
/** No endpoint (an unset reply endpoint). */
#define CAP_NO_ENDPOINT UINT32_MAX
/** Syscall filter allowing every syscall 0..63 (the boot default). */
#define CAP_SYSCALL_FILTER_ALL UINT64_MAX

/**
 * System capabilities and authorities, as bits of a mask.  Bit n is the
 * capability kind n of ipc.md §5 (so 1u << enum syscall_syscap works);
 * bits 6 and 7 are authorities this kernel adds (docs/capabilities.md).
 */
enum cap_syscap {
	CAP_SYS_CREATE_PROCESS = 1u << 1,  /**< Spawn (25) */
	CAP_SYS_CREATE_CHANNEL = 1u << 2,  /**< ChannelCreate (28) */
	CAP_SYS_LEGACY_PORT_IO = 1u << 3,  /**< PS/2 ports; nobody yet */
	CAP_SYS_MAP_FRAMEBUFFER = 1u << 4, /**< MapFramebuffer (35) */
	CAP_SYS_LARGE_CHANNEL = 1u << 5,   /**< big channels; nobody yet */
	/** Bootstrap authority: the "Boot" gate of 11, 27, 31, 33. */
	CAP_SYS_BOOTSTRAP = 1u << 6,
	/** ClaimBootstrapKey (18), the one Boot syscall it does not cover. */
	CAP_SYS_CLAIM_KEY = 1u << 7,
	/** AuditAttach (33) alone: the audit_tail boot module. */
	CAP_SYS_AUDIT = 1u << 8,
	/**
	 * Object gateway: the object syscalls may name the client the
	 * caller acts for (docs/storage.md §8): the fs-service boot module.
	 */
	CAP_SYS_OBJ_GATEWAY = 1u << 9,
};

/** The plain capabilities, which cap_grant_syscap may give. */
#define CAP_SYS_PLAIN                                                          \
	(CAP_SYS_CREATE_PROCESS | CAP_SYS_CREATE_CHANNEL |                     \
	 CAP_SYS_LEGACY_PORT_IO | CAP_SYS_MAP_FRAMEBUFFER |                    \
	 CAP_SYS_LARGE_CHANNEL)
/** Authorities: only the boot-time designation confers them. */
#define CAP_SYS_AUTHORITY                                                      \
	(CAP_SYS_BOOTSTRAP | CAP_SYS_CLAIM_KEY | CAP_SYS_AUDIT |               \
	 CAP_SYS_OBJ_GATEWAY)

/** How a process came to be, for cap_grant_boot_module. */
enum cap_origin {
	CAP_ORIGIN_BOOT = 0,  /**< loaded by the kernel from the boot roster */
	CAP_ORIGIN_SPAWN = 1, /**< loaded by Spawn (25) on a process's behalf */
};

/**
 * The capability record of one process slot.  Only cap.c touches the
 * fields, all under the CAP lock; the definition is public so that the
 * boot code can size the storage (CAP_RECORD_SIZE).
 */
struct cap_record {
	process_id_t pid;	 /**< CAP; incarnation owning the record,
				      CAP_PID_NONE when free */
	uint64_t syscall_filter; /**< CAP; bit n: syscall n allowed */
	uint32_t syscaps;	 /**< CAP; enum cap_syscap bits */
	uint32_t may_register;	 /**< CAP; reserved endpoints (bit e) this
				      process may register */
	uint32_t reply_ep;	 /**< CAP; first endpoint registered and still
				      owned, or CAP_NO_ENDPOINT */
	bool principal_bound;	 /**< CAP; principal[] is valid */
	bool exiting;		 /**< CAP; cap_revoke_all ran: frozen */
	uint8_t rights[IPC_MAX_ENDPOINTS]; /**< CAP; enum ipc_right bits per
						endpoint, 0 = no capability */
	_Alignas(8) uint8_t principal[PRINCIPAL_SIZE]; /**< CAP; bound Principal */
};

/** Bytes of one capability record (the tier sizing's cap_size). */
#define CAP_RECORD_SIZE sizeof(struct cap_record)

/** What the syscall dispatcher needs about its caller, in one lookup. */
struct cap_identity {
	uint8_t principal[PRINCIPAL_SIZE]; /**< bound Principal or zeros */
	bool principal_bound;		   /**< a Principal is bound */
	uint32_t syscaps;		   /**< enum cap_syscap bits */
	uint64_t syscall_filter;	   /**< bit n: syscall n allowed */
};

/** What the dispatcher reads on every syscall (cap_syscall_view). */
struct cap_syscall_view {
	bool principal_bound;	 /**< a Principal is bound */
	uint32_t syscaps;	 /**< enum cap_syscap bits */
	uint64_t syscall_filter; /**< bit n: syscall n allowed */
};

/** What a send needs after its capability check (cap_send_prepare). */
struct cap_send_info {
	bool grant_reply;      /**< the reply rule has something to grant:
				    call cap_grant_reply after queueing */
	uint32_t from;	       /**< reply endpoint, else the sender's slot */
	uint32_t reply_ep;     /**< reply endpoint or CAP_NO_ENDPOINT */
	process_id_t receiver; /**< owner of the endpoint or CAP_PID_NONE */
	/** sender's Principal or zeros (8-aligned: copied word by word) */
	_Alignas(8) uint8_t principal[PRINCIPAL_SIZE];
};

/* --- Set-up and life cycle ---------------------------------------------- */

/**
 * Manage storage[0, num_slots): every record cleared and free, every
 * endpoint unowned, the once-per-boot authority grants not yet given.
 * Returns 0, or -EINVAL when storage is NULL or misaligned for struct
 * cap_record, or num_slots < PROC_KERNEL_SLOTS.  Boot time, before any
 * other cap_ function (tests call it per case).
 */
__must_check int cap_init(struct cap_record *storage, uint32_t num_slots);

/**
 * The process table's reset hook (proc_reset_fn; register it with
 * proc_table_add_reset_hook(t, cap_slot_reset, NULL)): clear the record of
 * slot whatever it holds - endpoint rights, system capabilities,
 * authority, Principal, reply endpoint, reservations - and release every
 * endpoint its process still owns, revoking all other processes' rights
 * on those endpoints.  The slot's next occupant starts from nothing.
 * ctx and id are unused (the record names its own incarnation).  Never
 * fails; a slot out of range is ignored.  Emits no audit event.  Runs
 * with PROCESS_TABLE held: the CAP lock ranks above it.
 */
void cap_slot_reset(void *ctx, uint32_t slot, process_id_t id);

/**
 * Start the record of slot pid_slot(pid) for incarnation pid, with no
 * capability, no Principal and the filter CAP_SYSCALL_FILTER_ALL.
 * Returns 0; -EINVAL for CAP_PID_NONE or a slot >= num_slots; -EBUSY when
 * the record still belongs to some process (its slot was not reset).
 */
__must_check int cap_attach(process_id_t pid);

/**
 * Attach and equip kernel process pid (slots 0..2, generation 0):
 * CreateProcess, CreateChannel and Bootstrap authority; no endpoint
 * rights (kernel messages bypass capability checks, ipc.md §3).
 * Returns 0; -EINVAL for any other pid; as cap_attach.
 */
__must_check int cap_grant_kernel(process_id_t pid);

/**
 * Attach user process pid (slot >= PROC_FIRST_USER_SLOT) and apply the
 * boot-time grant policy for a module called name (docs/capabilities.md
 * "Boot-time grants"): CreateProcess and CreateChannel; SEND on the
 * public service endpoints; then, if name has a row in the policy, its
 * reservations, SEND rights and capabilities.  Rows marked boot-only
 * (every service of the boot chain) apply only with CAP_ORIGIN_BOOT, and
 * each authority is given at most once per boot (a second module of the
 * same name is a plain module).  Emits CapabilityGranted for every
 * endpoint right given (grantor 0 = kernel).
 * Returns 0; -EINVAL for a NULL name or a kernel slot; as cap_attach.
 */
__must_check int cap_grant_boot_module(process_id_t pid, const char *name,
				       enum cap_origin origin);

/**
 * Process pid is exiting (Exit step 3, syscalls.md §6): clear its
 * endpoint rights, system capabilities, authority, reservations, reply
 * endpoint and syscall filter, release every endpoint it owns (revoking
 * every other process's rights on them) and freeze the record: later
 * grants, delegations to it and registrations fail with -ENOENT.  The
 * Principal stays until cap_slot_reset.  *released (may be NULL) gets
 * the endpoints released, bit e = endpoint e: the IPC layer resets their
 * queues (ipc_process_exit) so the next owner never reads them.
 * Emits CapabilityRevoked (revoker 0) per right cleared, and one per
 * released endpoint whose other holders lost rights (holder
 * CAP_PID_NONE, arg1 = how many).  Idempotent.  Returns 0 or -ENOENT.
 */
__must_check int cap_revoke_all(process_id_t pid, uint32_t *released);

/* --- Endpoint rights ---------------------------------------------------- */

/**
 * Kernel grant: set pid's rights on ep to exactly rights (replacing what
 * it held, ipc.md §5).  RECEIVE only ever goes to ep's owner, and the
 * owner's own rights are fixed at IPC_RIGHTS_FULL.  Emits
 * CapabilityGranted (grantor 0).  Returns 0; -EINVAL for rights 0 or
 * outside IPC_RIGHTS_FULL; -ENOENDPOINT for ep >= IPC_MAX_ENDPOINTS;
 * -ENOENT for a stale or exiting pid; -EPERM for RECEIVE to a non-owner
 * or any grant to the owner.
 */
__must_check int cap_grant(process_id_t pid, uint32_t ep, uint32_t rights);

/**
 * Check that pid holds every right of rights on ep (layer 2, ipc.md §6).
 * Returns 0; -EINVAL for rights 0 or outside IPC_RIGHTS_FULL (no event);
 * otherwise on failure emits CapabilityDenied (caller pid, endpoint ep,
 * arg0 rights asked, arg1 rights held) and returns -ENOENDPOINT for ep
 * out of range, -ENOENT for a stale pid, -EPERM for missing rights.
 */
__must_check int cap_verify(process_id_t pid, uint32_t ep, uint32_t rights);

/**
 * Rights pid holds on ep (enum ipc_right bits), 0 when none, when pid is
 * stale or ep out of range.  A query: no audit event.
 */
uint32_t cap_rights(process_id_t pid, uint32_t ep);

/**
 * Delegate rights on ep from src to dst (kernel function, ipc.md §5).
 * In order: rights non-zero and within IPC_RIGHTS_FULL (-EINVAL); src and
 * dst current, dst not exiting (-ENOENT); the interceptor's on_delegate
 * (its errno, e.g. -EPERM for src == dst, -ENOENDPOINT for ep out of
 * range); src holds DELEGATE and every right of rights, and rights holds
 * no RECEIVE (-EPERM, with a CapabilityDenied event: src, ep).  Then dst
 * gains rights (added to what it holds: delegation never reduces) and
 * CapabilityGranted (grantor src) is emitted.  The interceptor runs
 * under the CAP lock.  Returns 0 or the error above.
 */
__must_check int cap_delegate(process_id_t src, process_id_t dst, uint32_t ep,
			      uint32_t rights);

/**
 * Remove holder's capability on ep (RevokeCapability, ipc.md §8).
 * Allowed to a revoker with Bootstrap authority, or holding REVOKE on
 * ep; only Bootstrap authority may revoke the owner's capability, which
 * releases the endpoint: no owner, every other holder's rights on it
 * revoked, and *released (may be NULL) gets bit ep so the caller resets
 * the queue.  Emits CapabilityRevoked (revoker, ep, holder) or, when
 * refused, CapabilityDenied (revoker, ep).  Returns 0; -ENOENDPOINT for
 * ep out of range or a capability holder does not hold; -ENOENT for a
 * stale revoker or holder; -EPERM without authority.
 */
__must_check int cap_revoke(process_id_t revoker, process_id_t holder,
			    uint32_t ep, uint32_t *released);

/* --- Ownership and the reply-endpoint registry -------------------------- */

/**
 * RegisterEndpoint (6): make pid the owner of ep with IPC_RIGHTS_FULL.
 * The first endpoint pid registers becomes its reply endpoint (never
 * overwritten while it owns it).  Registering an endpoint pid already
 * owns is a no-op.  Emits CapabilityGranted (grantor 0) on success,
 * CapabilityDenied (pid, ep) when refused.  Returns 0; -ENOENDPOINT for ep
 * out of range; -ENOENT for a stale or exiting pid; -EEXIST when another
 * process owns ep; -EPERM for a kernel-consumed endpoint (23, 25) or a
 * reserved one pid has no reservation for.
 */
__must_check int cap_register_endpoint(process_id_t pid, uint32_t ep);

/** Owner of ep, or CAP_PID_NONE (no owner, ep out of range). */
process_id_t cap_endpoint_owner(uint32_t ep);

/**
 * pid's reply endpoint into *ep.  Returns 0; -ENOENDPOINT when pid has
 * none; -ENOENT for a stale pid; -EINVAL for a NULL ep.
 */
__must_check int cap_reply_endpoint(process_id_t pid, uint32_t *ep);

/**
 * Capability check and stamping data of a send from sender to ep, in
 * one lookup: cap_verify(sender, ep, SEND) (same errors and audit), then
 * *out gets the from value (the reply endpoint, else the sender's slot,
 * ipc.md §3), the Principal (zeros when unbound) and ep's owner.
 * Returns 0 or cap_verify's error (-EINVAL too for a NULL out).
 */
__must_check int cap_send_prepare(process_id_t sender, uint32_t ep,
				  struct cap_send_info *out);

/**
 * Where the lock-free readers of the IPC fast path find the records:
 * set by cap_init, never changed after (the storage and the owner table
 * stay where they are).
 */
struct cap_fast_table {
	struct cap_record *recs;    /**< the records, NULL before cap_init */
	uint32_t num_slots;	    /**< records in recs */
	const process_id_t *owner;  /**< owner of each endpoint */
};
extern struct cap_fast_table cap_fast;

/**
 * The CALLING process's own record, read without the CAP lock (as
 * cap_syscall_view): NULL when pid has no live record.  For the IPC fast
 * path, which reads its gates and rights from it; the record stays valid
 * memory, and a concurrent revocation is ordered after the syscall, as
 * with the other lock-free reads of one's own record.
 */
static inline const struct cap_record *cap_self_record(process_id_t pid)
{
	uint32_t slot = pid_slot(pid);
	const struct cap_record *r;

	if (slot >= cap_fast.num_slots)
		return NULL;
	r = &cap_fast.recs[slot];
	return __atomic_load_n(&r->pid, __ATOMIC_ACQUIRE) == pid ? r : NULL;
}

/**
 * Lock-free, for the IPC fast path: ep's owner (< IPC_MAX_ENDPOINTS) into
 * *owner (false when it has none) and whether that owner holds SEND on
 * reply_ep into *can_reply (true also when it has no record, where the
 * reply rule grants nothing).  As cap_send_prepare_self reads them.
 */
static inline bool cap_owner_peek(uint32_t ep, uint32_t reply_ep,
				  process_id_t *owner, bool *can_reply)
{
	process_id_t o = __atomic_load_n(&cap_fast.owner[ep], __ATOMIC_RELAXED);
	uint32_t slot = pid_slot(o);

	if (o == CAP_PID_NONE)
		return false;
	*owner = o;
	*can_reply = true;
	if (reply_ep < IPC_MAX_ENDPOINTS && slot < cap_fast.num_slots)
		*can_reply = __atomic_load_n(&cap_fast.recs[slot].rights[reply_ep],
					     __ATOMIC_RELAXED) &
			     IPC_RIGHT_SEND;
	return true;
}

/**
 * cap_send_prepare for the CALLING process (sender is the caller): when
 * it holds SEND on ep the answer is read without the CAP lock, as
 * cap_syscall_view reads; a concurrent revocation is then ordered after
 * this send.  Otherwise exactly cap_send_prepare (the refusal is audited
 * there).  Same results.
 */
__must_check int cap_send_prepare_self(process_id_t sender, uint32_t ep,
				       struct cap_send_info *out);

/**
 * cap_verify for the CALLING process pid: rights it holds are confirmed
 * without the CAP lock; anything else goes to cap_verify (same errors,
 * same audit).
 */
__must_check int cap_verify_self(process_id_t pid, uint32_t ep,
				 uint32_t rights);

/**
 * The reply rule: as sender's message to ep is queued (the syscall layer
 * calls it just before queueing, so a receiver on another CPU can answer
 * at once), give ep's owner SEND on the sender's reply endpoint, so the
 * service can answer (a delegation by the sender of its own endpoint; see
 * docs/capabilities.md).  Nothing happens when the sender has no reply
 * endpoint, ep has no owner, the owner is the sender or already holds
 * SEND there.  Emits CapabilityGranted (grantor sender) when it grants.
 * Returns 0; -ENOENDPOINT for ep out of range; -ENOENT for a stale
 * sender.
 */
__must_check int cap_grant_reply(process_id_t sender, uint32_t ep);

/* --- Principal ---------------------------------------------------------- */

/**
 * Bind key (PRINCIPAL_SIZE bytes) as target's Principal, once.  The
 * caller needs Bootstrap authority (the loader passes CAP_KERNEL_PID).
 * Returns 0; -EINVAL for a NULL or all-zero key; -ENOENT for a stale
 * caller or a stale or exiting target; -EPERM when the caller lacks
 * Bootstrap authority; -EEXIST when target already has a Principal.
 */
__must_check int cap_bind_principal(process_id_t caller, process_id_t target,
				    const uint8_t key[PRINCIPAL_SIZE]);

/**
 * pid's Principal into out.  Returns 0; -EINVAL when none is bound or
 * out is NULL; -ENOENT for a stale pid.
 */
__must_check int cap_get_principal(process_id_t pid,
				   uint8_t out[PRINCIPAL_SIZE]);

/**
 * Principal, capabilities and syscall filter of pid into *out, for the
 * dispatcher's identity gate and policy check (one lock round trip).
 * Returns 0; -ENOENT for a stale pid; -EINVAL for a NULL out.
 */
__must_check int cap_identity(process_id_t pid, struct cap_identity *out);

/**
 * The dispatcher's view of the CALLING process pid, without the CAP lock:
 * the record of a running process cannot be reset under it (that happens
 * only in proc_free, after its last syscall), and each field is one
 * aligned word read atomically, so a concurrent grant or filter change
 * is seen either before or after, never torn.  Returns 0, or -ENOENT
 * when the record is not pid's.  Not for other processes' records.
 */
__must_check int cap_syscall_view(process_id_t pid,
				  struct cap_syscall_view *out);

/* --- System capabilities, authority, syscall filter -------------------- */

/** True when pid holds every bit of caps (non-zero); false if stale. */
bool cap_has_syscap(process_id_t pid, uint32_t caps);

/**
 * Give pid the plain capabilities caps (CAP_SYS_PLAIN bits).  Returns 0;
 * -EINVAL for 0 or unknown bits; -EPERM for authority bits (only the
 * boot-time designation confers them); -ENOENT for a stale or exiting pid.
 */
__must_check int cap_grant_syscap(process_id_t pid, uint32_t caps);

/**
 * Take capabilities or authorities caps from pid (dropping is always
 * allowed).  Returns 0; -EINVAL for unknown bits; -ENOENT for a stale pid.
 */
__must_check int cap_clear_syscap(process_id_t pid, uint32_t caps);

/**
 * The "Boot" gate of syscall nr for pid (abi/syscall.h SYSCALL_GATE_BOOT):
 * ClaimBootstrapKey (18) needs CAP_SYS_CLAIM_KEY, AuditAttach (33)
 * CAP_SYS_AUDIT or CAP_SYS_BOOTSTRAP, every other Boot syscall
 * CAP_SYS_BOOTSTRAP.  Holding the Bootstrap Principal confers
 * nothing.  Returns 0; -EPERM without it; -ENOENT for a stale pid.
 */
__must_check int cap_check_boot_gate(process_id_t pid, uint64_t nr);

/**
 * Set pid's syscall filter (bit n: syscall n allowed), as the policy
 * service decides (ipc.md §6).  Exit stays allowed whatever the filter
 * (interceptor.h).  Returns 0 or -ENOENT for a stale or exiting pid.
 */
__must_check int cap_syscall_filter_set(process_id_t pid, uint64_t allow);

/**
 * Endpoints with an owner into *endpoints_owned, and (process, endpoint)
 * pairs holding any right into *entries: for SysInfo and leak checks.  A
 * snapshot under the CAP lock.
 */
void cap_counts(uint32_t *endpoints_owned, uint32_t *entries);
