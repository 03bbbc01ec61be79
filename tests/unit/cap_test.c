/*
 * tests/unit/cap_test.c - the capability manager (kernel/cap/cap.c):
 * grants, verification, delegation, revocation, endpoint ownership, the
 * reply-endpoint registry, Principals, system capabilities and the
 * Bootstrap authority, stale ids, the process table's reset hook, audit
 * events, and a random model run checking the module's invariants.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/audit/audit.h"
#include "kernel/cap/cap.h"
#include "kernel/cap/interceptor.h"
#include "kernel/core/lockrank.h"
#include "kernel/core/spinlock.h"
#include "kernel/proc/process.h"
#include "tests/unit/fake_arch.h"
#include "tests/unit/fake_panic.h"

#include "abi/errno.h"
#include "abi/ipc.h"
#include "abi/syscall.h"

#define NSLOTS 16u
#define SEND   IPC_RIGHT_SEND
#define RECV   IPC_RIGHT_RECV
#define DELEG  IPC_RIGHT_DELEGATE
#define REVK   IPC_RIGHT_REVOKE
#define FULL   IPC_RIGHTS_FULL
#define NONE   CAP_PID_NONE

static struct cap_record recs[NSLOTS];

/* --- audit_emit, recorded ------------------------------------------------- */

struct ev {
	enum audit_kind kind;
	uint64_t subject, object, arg0, arg1;
};

#define MAX_EVENTS 4096u
static struct ev events[MAX_EVENTS];
static unsigned nev;

void audit_emit(enum audit_kind kind, uint64_t subject, uint64_t object,
		uint64_t arg0, uint64_t arg1, uint64_t arg2, uint64_t arg3)
{
	assert_int_equal(arg2, 0);
	assert_int_equal(arg3, 0);
	if (nev < MAX_EVENTS)
		events[nev] = (struct ev){kind, subject, object, arg0, arg1};
	nev++;
}

/* Events of kind about object (any object if object == ~0). */
static unsigned count_ev(enum audit_kind kind, uint64_t object)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nev && i < MAX_EVENTS; i++)
		if (events[i].kind == kind &&
		    (object == ~0ull || events[i].object == object))
			n++;
	return n;
}

static const struct ev *last_ev(void)
{
	assert_true(nev > 0);
	return &events[nev - 1];
}

/* --- helpers -------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	cap_interceptor_install(NULL);
	memset(recs, 0xa5, sizeof(recs));
	assert_int_equal(cap_init(recs, NSLOTS), 0);
	nev = 0;
	return 0;
}

static const process_id_t K0 = 0; /* kernel process 0, generation 0 */

static void boot_kernel(void)
{
	for (uint32_t s = 0; s < PROC_KERNEL_SLOTS; s++)
		assert_int_equal(cap_grant_kernel(pid_make(s, 0)), 0);
}

/* A boot module named name in slot (generation 1). */
static process_id_t module(uint32_t slot, const char *name)
{
	process_id_t pid = pid_make(slot, 1);

	assert_int_equal(cap_grant_boot_module(pid, name, CAP_ORIGIN_BOOT), 0);
	return pid;
}

/* A plain user process with no grants at all. */
static process_id_t bare(uint32_t slot, uint32_t gen)
{
	process_id_t pid = pid_make(slot, gen);

	assert_int_equal(cap_attach(pid), 0);
	return pid;
}

/* Exit as the kernel does it: revoke everything, then free the slot. */
static void exit_proc(process_id_t pid)
{
	assert_int_equal(cap_revoke_all(pid, NULL), 0);
	cap_slot_reset(NULL, pid_slot(pid), pid);
}

struct chain {
	process_id_t policy, keystore, fs, blk, comp, shell;
};

/* The boot chain of ipc.md §10, each service registering its endpoints. */
static void boot_chain(struct chain *c)
{
	boot_kernel();
	c->policy = module(3, "policy-service");
	assert_int_equal(cap_register_endpoint(c->policy, 22), 0);
	c->keystore = module(4, "key-store-service");
	assert_int_equal(cap_register_endpoint(c->keystore, 17), 0);
	c->fs = module(5, "fs-service");
	assert_int_equal(cap_register_endpoint(c->fs, 16), 0);
	c->blk = module(6, "virtio-blk");
	assert_int_equal(cap_register_endpoint(c->blk, 24), 0);
	assert_int_equal(cap_register_endpoint(c->blk, 26), 0);
	c->comp = module(7, "compositor");
	assert_int_equal(cap_register_endpoint(c->comp, 28), 0);
	c->shell = module(8, "shell");
	assert_int_equal(cap_register_endpoint(c->shell, 18), 0);
}

/* --- init and life cycle -------------------------------------------------- */

/* cap_init refuses NULL storage, too few slots and misaligned storage. */
static void test_init_rejects_bad_args(void **state)
{
	(void)state;
	assert_int_equal(cap_init(NULL, NSLOTS), -EINVAL);
	assert_int_equal(cap_init(recs, PROC_KERNEL_SLOTS - 1), -EINVAL);
	assert_int_equal(
	    cap_init((struct cap_record *)((char *)recs + 1), NSLOTS - 1),
	    -EINVAL);
	assert_int_equal(cap_init(recs, NSLOTS), 0);
}

/* After init every record is free: nothing verifies, nothing is owned. */
static void test_init_clears_everything(void **state)
{
	(void)state;
	assert_int_equal(CAP_RECORD_SIZE, sizeof(struct cap_record));
	for (uint32_t s = 0; s < NSLOTS; s++) {
		assert_int_equal(recs[s].pid, NONE);
		assert_int_equal(cap_rights(pid_make(s, 1), 16), 0);
	}
	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++)
		assert_int_equal(cap_endpoint_owner(e), NONE);
	assert_int_equal(cap_verify(pid_make(5, 1), 16, SEND), -ENOENT);
}

/* Attaching twice without a reset is a kernel bug: -EBUSY. */
static void test_attach_twice_busy(void **state)
{
	(void)state;
	bare(5, 1);
	assert_int_equal(cap_attach(pid_make(5, 1)), -EBUSY);
	assert_int_equal(cap_attach(pid_make(5, 2)), -EBUSY);
	assert_int_equal(cap_attach(pid_make(NSLOTS, 1)), -EINVAL);
	assert_int_equal(cap_attach(NONE), -EINVAL);
	/* The boot grant attaches too, so it refuses a used record. */
	assert_int_equal(
	    cap_grant_boot_module(pid_make(5, 1), "shell", CAP_ORIGIN_BOOT),
	    -EBUSY);
	assert_int_equal(cap_grant_kernel(0), 0);
	assert_int_equal(cap_grant_kernel(0), -EBUSY);
}

/* Kernel processes: CreateProcess, CreateChannel, Bootstrap; no rights. */
static void test_kernel_grants(void **state)
{
	(void)state;
	boot_kernel();
	for (uint32_t s = 0; s < PROC_KERNEL_SLOTS; s++) {
		process_id_t k = pid_make(s, 0);

		assert_true(cap_has_syscap(k, CAP_SYS_CREATE_PROCESS |
						  CAP_SYS_CREATE_CHANNEL |
						  CAP_SYS_BOOTSTRAP));
		assert_false(cap_has_syscap(k, CAP_SYS_CLAIM_KEY));
		for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++)
			assert_int_equal(cap_rights(k, e), 0);
	}
	/* Only slots 0..2 at generation 0 are kernel processes. */
	assert_int_equal(cap_grant_kernel(pid_make(3, 0)), -EINVAL);
	assert_int_equal(cap_grant_kernel(pid_make(1, 1)), -EINVAL);
	assert_int_equal(
	    cap_grant_boot_module(pid_make(2, 0), "shell", CAP_ORIGIN_BOOT),
	    -EINVAL);
	assert_int_equal(
	    cap_grant_boot_module(pid_make(5, 1), NULL, CAP_ORIGIN_BOOT),
	    -EINVAL);
}

/* --- grant and verify ----------------------------------------------------- */

/* A kernel grant is verified, and audited as CapabilityGranted. */
static void test_grant_and_verify(void **state)
{
	process_id_t p;

	(void)state;
	p = bare(5, 1);
	assert_int_equal(cap_grant(p, 3, SEND | DELEG), 0);
	assert_int_equal(last_ev()->kind, AUDIT_CAPABILITY_GRANTED);
	assert_int_equal(last_ev()->subject, K0);
	assert_int_equal(last_ev()->object, 3);
	assert_int_equal(last_ev()->arg0, p);
	assert_int_equal(last_ev()->arg1, SEND | DELEG);
	assert_int_equal(cap_verify(p, 3, SEND), 0);
	assert_int_equal(cap_verify(p, 3, SEND | DELEG), 0);
	assert_int_equal(cap_rights(p, 3), SEND | DELEG);
	assert_int_equal(cap_rights(p, 32), 0);
}

/* A grant on an endpoint already held replaces the rights (ipc.md §5). */
static void test_grant_replaces(void **state)
{
	process_id_t p;

	(void)state;
	p = bare(5, 1);
	assert_int_equal(cap_grant(p, 3, SEND | DELEG | REVK), 0);
	assert_int_equal(cap_grant(p, 3, SEND), 0);
	assert_int_equal(cap_rights(p, 3), SEND);
	assert_int_equal(cap_verify(p, 3, DELEG), -EPERM);
}

/* Rights 0 or outside the four bits, and endpoints >= 32, are refused. */
static void test_grant_bad_args(void **state)
{
	process_id_t p;

	(void)state;
	p = bare(5, 1);
	assert_int_equal(cap_grant(p, 3, 0), -EINVAL);
	assert_int_equal(cap_grant(p, 3, 0x10), -EINVAL);
	assert_int_equal(cap_grant(p, 32, SEND), -ENOENDPOINT);
	assert_int_equal(cap_grant(p, UINT32_MAX, SEND), -ENOENDPOINT);
	assert_int_equal(cap_grant(pid_make(5, 2), 3, SEND), -ENOENT);
	assert_int_equal(cap_verify(p, 3, 0), -EINVAL);
	assert_int_equal(cap_verify(p, 3, 0x30), -EINVAL);
	assert_int_equal(nev, 0);
}

/* RECEIVE is never granted to a non-owner; the owner's rights are fixed. */
static void test_grant_recv_refused(void **state)
{
	process_id_t a, b;

	(void)state;
	a = bare(5, 1);
	b = bare(6, 1);
	assert_int_equal(cap_grant(b, 3, RECV), -EPERM);
	assert_int_equal(cap_grant(b, 3, FULL), -EPERM);
	assert_int_equal(cap_register_endpoint(a, 3), 0);
	assert_int_equal(cap_grant(b, 3, RECV | SEND), -EPERM);
	assert_int_equal(cap_grant(a, 3, SEND), -EPERM);
	assert_int_equal(cap_rights(a, 3), FULL);
	assert_int_equal(cap_rights(b, 3), 0);
}

/* An absent capability is denied with a CapabilityDenied event. */
static void test_verify_absent_denied(void **state)
{
	process_id_t p;

	(void)state;
	p = bare(5, 1);
	assert_int_equal(cap_verify(p, 7, SEND), -EPERM);
	assert_int_equal(nev, 1);
	assert_int_equal(last_ev()->kind, AUDIT_CAPABILITY_DENIED);
	assert_int_equal(last_ev()->subject, p);
	assert_int_equal(last_ev()->object, 7);
	assert_int_equal(last_ev()->arg0, SEND);
	assert_int_equal(last_ev()->arg1, 0);
}

/* Every required right must be held. */
static void test_verify_needs_all_rights(void **state)
{
	process_id_t p;

	(void)state;
	p = bare(5, 1);
	assert_int_equal(cap_grant(p, 9, SEND | REVK), 0);
	nev = 0;
	assert_int_equal(cap_verify(p, 9, SEND | DELEG), -EPERM);
	assert_int_equal(last_ev()->arg1, SEND | REVK);
	assert_int_equal(cap_verify(p, 9, SEND | REVK), 0);
	assert_int_equal(nev, 1);
}

/* Out-of-range endpoints and unknown pids are denied and audited. */
static void test_verify_range_and_stale(void **state)
{
	(void)state;
	bare(5, 1);
	assert_int_equal(cap_verify(pid_make(5, 1), 32, SEND), -ENOENDPOINT);
	assert_int_equal(cap_verify(pid_make(5, 2), 3, SEND), -ENOENT);
	assert_int_equal(cap_verify(pid_make(99, 1), 3, SEND), -ENOENT);
	assert_int_equal(cap_verify(NONE, 3, SEND), -ENOENT);
	assert_int_equal(count_ev(AUDIT_CAPABILITY_DENIED, ~0ull), 4);
}

/* Capacity: one process may hold all 32 endpoints at once; never a 33rd. */
static void test_capacity_all_endpoints(void **state)
{
	process_id_t p, q;

	(void)state;
	p = bare(5, 1);
	q = bare(6, 1);
	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++) {
		if (e == 23 || e == 25)
			continue; /* kernel-consumed: never registered */
		int err = cap_register_endpoint(p, e);

		/* Reserved ones need a reservation; grant SEND there. */
		if (err == -EPERM)
			assert_int_equal(cap_grant(p, e, SEND), 0);
		else
			assert_int_equal(err, 0);
	}
	assert_int_equal(cap_grant(p, 23, SEND), 0);
	assert_int_equal(cap_grant(p, 25, SEND), 0);
	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++) {
		assert_int_equal(cap_verify(p, e, SEND), 0);
		assert_int_equal(cap_grant(q, e, SEND | DELEG), 0);
	}
	assert_int_equal(cap_register_endpoint(p, 32), -ENOENDPOINT);
	assert_int_equal(cap_grant(p, 32, SEND), -ENOENDPOINT);
	assert_int_equal(cap_reply_endpoint(p, &(uint32_t){0}), 0);
}

/* --- ownership and reply endpoints ---------------------------------------- */

/* Registering makes the caller owner with all four rights. */
static void test_register_gives_ownership(void **state)
{
	process_id_t p;

	(void)state;
	p = bare(5, 1);
	assert_int_equal(cap_register_endpoint(p, 4), 0);
	assert_int_equal(cap_endpoint_owner(4), p);
	assert_int_equal(cap_rights(p, 4), FULL);
	assert_int_equal(last_ev()->kind, AUDIT_CAPABILITY_GRANTED);
	assert_int_equal(last_ev()->arg0, p);
	assert_int_equal(last_ev()->arg1, FULL);
	/* Again: nothing changes, no event. */
	nev = 0;
	assert_int_equal(cap_register_endpoint(p, 4), 0);
	assert_int_equal(nev, 0);
}

/* A second registrant is refused and cannot read the queue. */
static void test_register_second_refused(void **state)
{
	process_id_t a, b;

	(void)state;
	a = bare(5, 1);
	b = bare(6, 1);
	assert_int_equal(cap_register_endpoint(a, 4), 0);
	nev = 0;
	assert_int_equal(cap_register_endpoint(b, 4), -EEXIST);
	assert_int_equal(last_ev()->kind, AUDIT_CAPABILITY_DENIED);
	assert_int_equal(last_ev()->subject, b);
	assert_int_equal(cap_endpoint_owner(4), a);
	assert_int_equal(cap_verify(b, 4, RECV), -EPERM);
	assert_int_equal(cap_rights(a, 4), FULL);
}

/* Endpoints the kernel consumes (23, 25) are never registered. */
static void test_register_kernel_endpoints(void **state)
{
	struct chain c;

	(void)state;
	boot_chain(&c);
	assert_int_equal(cap_register_endpoint(c.policy, 23), -EPERM);
	assert_int_equal(cap_register_endpoint(c.blk, 25), -EPERM);
	assert_int_equal(cap_endpoint_owner(23), NONE);
	assert_int_equal(cap_endpoint_owner(25), NONE);
}

/* Reserved endpoints: only the module the policy names registers them. */
static void test_register_reserved(void **state)
{
	process_id_t hello, shell;
	static const uint32_t reserved[] = {16, 17, 18, 20, 21,
					    22, 24, 26, 27, 28};

	(void)state;
	hello = module(3, "hello");
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		assert_int_equal(cap_register_endpoint(hello, reserved[i]),
				 -EPERM);
	/* Unreserved ones are first come, first served. */
	assert_int_equal(cap_register_endpoint(hello, 0), 0);
	assert_int_equal(cap_register_endpoint(hello, 19), 0);
	assert_int_equal(cap_register_endpoint(hello, 31), 0);
	shell = module(4, "shell");
	assert_int_equal(cap_register_endpoint(shell, 18), 0);
	assert_int_equal(cap_register_endpoint(shell, 16), -EPERM);
}

/* Bad ids on registration. */
static void test_register_bad_args(void **state)
{
	process_id_t p;

	(void)state;
	p = bare(5, 1);
	assert_int_equal(cap_register_endpoint(p, 32), -ENOENDPOINT);
	assert_int_equal(cap_register_endpoint(pid_make(5, 2), 3), -ENOENT);
	assert_int_equal(cap_register_endpoint(pid_make(6, 1), 3), -ENOENT);
	assert_int_equal(cap_endpoint_owner(3), NONE);
	assert_int_equal(cap_endpoint_owner(32), NONE);
}

/* The first endpoint registered is the reply endpoint, and stays so. */
static void test_reply_endpoint_first(void **state)
{
	process_id_t p;
	uint32_t ep = 0;

	(void)state;
	p = bare(5, 1);
	assert_int_equal(cap_reply_endpoint(p, &ep), -ENOENDPOINT);
	assert_int_equal(cap_register_endpoint(p, 9), 0);
	assert_int_equal(cap_register_endpoint(p, 2), 0);
	assert_int_equal(cap_reply_endpoint(p, &ep), 0);
	assert_int_equal(ep, 9);
	assert_int_equal(cap_reply_endpoint(p, NULL), -EINVAL);
	assert_int_equal(cap_reply_endpoint(pid_make(5, 9), &ep), -ENOENT);
}

/* Endpoint 0 is a valid reply endpoint (no "0 = unset" confusion). */
static void test_reply_endpoint_zero(void **state)
{
	process_id_t p;
	uint32_t ep = 99;
	struct cap_send_info si;

	(void)state;
	p = bare(5, 1);
	assert_int_equal(cap_register_endpoint(p, 0), 0);
	assert_int_equal(cap_reply_endpoint(p, &ep), 0);
	assert_int_equal(ep, 0);
	assert_int_equal(cap_send_prepare(p, 0, &si), 0);
	assert_int_equal(si.from, 0);
	assert_int_equal(si.reply_ep, 0);
}

/* cap_send_prepare: SEND check, from rule, Principal, receiver. */
static void test_send_prepare(void **state)
{
	struct chain c;
	struct cap_send_info si;
	process_id_t hello;
	uint8_t key[PRINCIPAL_SIZE];

	(void)state;
	boot_chain(&c);
	memset(key, 0x42, sizeof(key));
	assert_int_equal(cap_bind_principal(K0, c.shell, key), 0);
	assert_int_equal(cap_send_prepare(c.shell, 16, &si), 0);
	assert_int_equal(si.from, 18);
	assert_int_equal(si.receiver, c.fs);
	assert_memory_equal(si.principal, key, PRINCIPAL_SIZE);
	/* No reply endpoint: from is the slot; no Principal: zeros. */
	hello = module(9, "hello");
	assert_int_equal(cap_send_prepare(hello, 16, &si), 0);
	assert_int_equal(si.from, 9);
	assert_int_equal(si.reply_ep, CAP_NO_ENDPOINT);
	for (size_t i = 0; i < PRINCIPAL_SIZE; i++)
		assert_int_equal(si.principal[i], 0);
	/* No SEND on the key-store: denied and audited. */
	nev = 0;
	assert_int_equal(cap_send_prepare(hello, 17, &si), -EPERM);
	assert_int_equal(last_ev()->kind, AUDIT_CAPABILITY_DENIED);
	assert_int_equal(cap_send_prepare(hello, 16, NULL), -EINVAL);
}

/* The reply rule: a request lets the service answer, until either dies. */
static void test_reply_rule(void **state)
{
	struct chain c;

	(void)state;
	boot_chain(&c);
	assert_int_equal(cap_verify(c.fs, 18, SEND), -EPERM);
	nev = 0;
	assert_int_equal(cap_grant_reply(c.shell, 16), 0);
	assert_int_equal(cap_verify(c.fs, 18, SEND), 0);
	assert_int_equal(events[0].kind, AUDIT_CAPABILITY_GRANTED);
	assert_int_equal(events[0].subject, c.shell);
	assert_int_equal(events[0].object, 18);
	assert_int_equal(events[0].arg0, c.fs);
	assert_int_equal(events[0].arg1, SEND);
	/* Granted once: the second request changes nothing. */
	nev = 0;
	assert_int_equal(cap_grant_reply(c.shell, 16), 0);
	assert_int_equal(count_ev(AUDIT_CAPABILITY_GRANTED, ~0ull), 0);
	/* Only SEND, never more. */
	assert_int_equal(cap_rights(c.fs, 18), SEND);
	/* The shell exits: the fs-service loses the right. */
	exit_proc(c.shell);
	assert_int_equal(cap_rights(c.fs, 18), 0);
	assert_int_equal(cap_grant_reply(c.shell, 16), -ENOENT);
	assert_int_equal(cap_grant_reply(c.fs, 32), -ENOENDPOINT);
}

/* The reply rule gives nothing when there is nothing to give. */
static void test_reply_rule_noops(void **state)
{
	struct chain c;
	process_id_t hello;

	(void)state;
	boot_chain(&c);
	hello = module(9, "hello");
	/* No reply endpoint. */
	assert_int_equal(cap_grant_reply(hello, 16), 0);
	/* Endpoint without owner. */
	assert_int_equal(cap_register_endpoint(hello, 5), 0);
	assert_int_equal(cap_grant_reply(hello, 21), 0);
	/* To itself. */
	assert_int_equal(cap_grant_reply(hello, 5), 0);
	assert_int_equal(cap_rights(hello, 5), FULL);
	for (uint32_t s = 0; s < NSLOTS; s++) {
		process_id_t p = pid_make(s, s < 3 ? 0 : 1);

		if (p != hello)
			assert_int_equal(cap_rights(p, 5), 0);
	}
}

/* --- delegation ----------------------------------------------------------- */

/* The owner delegates SEND; the target verifies; CapabilityGranted. */
static void test_delegate_send(void **state)
{
	process_id_t a, b;

	(void)state;
	a = bare(5, 1);
	b = bare(6, 1);
	assert_int_equal(cap_register_endpoint(a, 4), 0);
	nev = 0;
	assert_int_equal(cap_delegate(a, b, 4, SEND), 0);
	assert_int_equal(cap_verify(b, 4, SEND), 0);
	assert_int_equal(events[0].kind, AUDIT_CAPABILITY_GRANTED);
	assert_int_equal(events[0].subject, a);
	assert_int_equal(events[0].object, 4);
	assert_int_equal(events[0].arg0, b);
	assert_int_equal(events[0].arg1, SEND);
}

/* Without the delegate right nothing is delegated. */
static void test_delegate_needs_delegate_right(void **state)
{
	process_id_t a, b;

	(void)state;
	a = bare(5, 1);
	b = bare(6, 1);
	assert_int_equal(cap_grant(a, 4, SEND | REVK), 0);
	nev = 0;
	assert_int_equal(cap_delegate(a, b, 4, SEND), -EPERM);
	assert_int_equal(cap_rights(b, 4), 0);
	assert_int_equal(last_ev()->kind, AUDIT_CAPABILITY_DENIED);
	assert_int_equal(last_ev()->subject, a);
}

/* Never more rights than held: escalation refused. */
static void test_delegate_no_escalation(void **state)
{
	process_id_t a, b;

	(void)state;
	a = bare(5, 1);
	b = bare(6, 1);
	assert_int_equal(cap_grant(a, 4, SEND | DELEG), 0);
	assert_int_equal(cap_delegate(a, b, 4, SEND | REVK), -EPERM);
	assert_int_equal(cap_delegate(a, b, 4, DELEG | REVK), -EPERM);
	assert_int_equal(cap_rights(b, 4), 0);
	/* A subset is fine. */
	assert_int_equal(cap_delegate(a, b, 4, DELEG), 0);
	assert_int_equal(cap_rights(b, 4), DELEG);
	/* b cannot then give itself SEND through a third process. */
	process_id_t c = bare(7, 1);

	assert_int_equal(cap_delegate(b, c, 4, SEND), -EPERM);
}

/* RECEIVE never leaves the owner, even when it delegates FULL. */
static void test_delegate_recv_never(void **state)
{
	process_id_t a, b;

	(void)state;
	a = bare(5, 1);
	b = bare(6, 1);
	assert_int_equal(cap_register_endpoint(a, 4), 0);
	assert_int_equal(cap_delegate(a, b, 4, RECV), -EPERM);
	assert_int_equal(cap_delegate(a, b, 4, FULL), -EPERM);
	assert_int_equal(cap_verify(b, 4, RECV), -EPERM);
	assert_int_equal(cap_delegate(a, b, 4, SEND | DELEG | REVK), 0);
	assert_int_equal(cap_rights(b, 4), SEND | DELEG | REVK);
}

/* Delegating to oneself is refused by the interceptor. */
static void test_delegate_self(void **state)
{
	process_id_t a;

	(void)state;
	a = bare(5, 1);
	assert_int_equal(cap_register_endpoint(a, 4), 0);
	nev = 0;
	assert_int_equal(cap_delegate(a, a, 4, SEND), -EPERM);
	assert_int_equal(last_ev()->kind, AUDIT_CAPABILITY_DENIED);
	assert_int_equal(cap_delegate(a, pid_make(6, 1), 32, SEND), -ENOENT);
	bare(6, 1);
	assert_int_equal(cap_delegate(a, pid_make(6, 1), 32, SEND),
			 -ENOENDPOINT);
	assert_int_equal(cap_delegate(a, pid_make(6, 1), 4, 0), -EINVAL);
}

/* Delegation adds to what the target holds, never takes away. */
static void test_delegate_adds_only(void **state)
{
	process_id_t a, b;

	(void)state;
	a = bare(5, 1);
	b = bare(6, 1);
	assert_int_equal(cap_register_endpoint(a, 4), 0);
	assert_int_equal(cap_grant(b, 4, SEND | DELEG | REVK), 0);
	assert_int_equal(cap_delegate(a, b, 4, SEND), 0);
	assert_int_equal(cap_rights(b, 4), SEND | DELEG | REVK);
	/* Delegating to the owner leaves it FULL. */
	assert_int_equal(cap_delegate(b, a, 4, SEND), 0);
	assert_int_equal(cap_rights(a, 4), FULL);
}

/* Delegation is transitive through the delegate right. */
static void test_delegate_transitive(void **state)
{
	process_id_t a, b, c;

	(void)state;
	a = bare(5, 1);
	b = bare(6, 1);
	c = bare(7, 1);
	assert_int_equal(cap_register_endpoint(a, 4), 0);
	assert_int_equal(cap_delegate(a, b, 4, SEND | DELEG), 0);
	assert_int_equal(cap_delegate(b, c, 4, SEND), 0);
	assert_int_equal(cap_verify(c, 4, SEND), 0);
	assert_int_equal(cap_delegate(c, a, 4, SEND), -EPERM);
}

static enum cap_verdict deny_delegate(const struct cap_delegate_ctx *c)
{
	return c->endpoint == 4 ? CAP_DENY_CUSTOM : CAP_ALLOW;
}

/* An installed interceptor can refuse a delegation (on_delegate). */
static void test_delegate_interceptor(void **state)
{
	static const struct cap_interceptor ic = {.name = "test",
						  .on_delegate = deny_delegate};
	process_id_t a, b;

	(void)state;
	a = bare(5, 1);
	b = bare(6, 1);
	assert_int_equal(cap_register_endpoint(a, 4), 0);
	assert_int_equal(cap_register_endpoint(a, 5), 0);
	cap_interceptor_install(&ic);
	assert_int_equal(cap_delegate(a, b, 4, SEND), -EPERM);
	assert_int_equal(cap_delegate(a, b, 5, SEND), 0);
	cap_interceptor_install(NULL);
	assert_int_equal(cap_delegate(a, b, 4, SEND), 0);
}

/* Stale or exiting targets receive nothing. */
static void test_delegate_stale(void **state)
{
	process_id_t a, b;

	(void)state;
	a = bare(5, 1);
	b = bare(6, 1);
	assert_int_equal(cap_register_endpoint(a, 4), 0);
	assert_int_equal(cap_delegate(a, pid_make(6, 2), 4, SEND), -ENOENT);
	assert_int_equal(cap_delegate(pid_make(5, 2), b, 4, SEND), -ENOENT);
	assert_int_equal(cap_revoke_all(b, NULL), 0);
	assert_int_equal(cap_delegate(a, b, 4, SEND), -ENOENT);
	assert_int_equal(cap_rights(b, 4), 0);
}

/* --- revocation ----------------------------------------------------------- */

/* Bootstrap authority revokes anything (ipc.md §8); CapabilityRevoked. */
static void test_revoke_by_bootstrap(void **state)
{
	struct chain c;

	(void)state;
	boot_chain(&c);
	assert_int_equal(cap_verify(c.shell, 16, SEND), 0);
	nev = 0;
	assert_int_equal(cap_revoke(c.policy, c.shell, 16, NULL), 0);
	assert_int_equal(cap_verify(c.shell, 16, SEND), -EPERM);
	assert_int_equal(events[0].kind, AUDIT_CAPABILITY_REVOKED);
	assert_int_equal(events[0].subject, c.policy);
	assert_int_equal(events[0].object, 16);
	assert_int_equal(events[0].arg0, c.shell);
	/* The kernel too. */
	assert_int_equal(cap_revoke(K0, c.comp, 16, NULL), 0);
}

/* An owner (REVOKE right) revokes what others hold on its endpoint. */
static void test_revoke_by_owner(void **state)
{
	process_id_t a, b;
	uint32_t rel = 99;

	(void)state;
	a = bare(5, 1);
	b = bare(6, 1);
	assert_int_equal(cap_register_endpoint(a, 4), 0);
	assert_int_equal(cap_delegate(a, b, 4, SEND), 0);
	assert_int_equal(cap_revoke(a, b, 4, &rel), 0);
	assert_int_equal(rel, 0);
	assert_int_equal(cap_rights(b, 4), 0);
	assert_int_equal(cap_endpoint_owner(4), a);
}

/* Without Bootstrap authority or REVOKE: refused and audited. */
static void test_revoke_without_authority(void **state)
{
	struct chain c;

	(void)state;
	boot_chain(&c);
	nev = 0;
	/* Boot modules hold the Bootstrap Principal, not the authority. */
	assert_int_equal(cap_revoke(c.shell, c.comp, 16, NULL), -EPERM);
	/* SEND alone (fs-service on the key-store) is no authority. */
	assert_int_equal(cap_revoke(c.fs, c.fs, 17, NULL), -EPERM);
	assert_int_equal(cap_revoke(c.keystore, c.fs, 17, NULL), 0);
	assert_int_equal(cap_verify(c.comp, 16, SEND), 0);
	assert_int_equal(count_ev(AUDIT_CAPABILITY_DENIED, 16), 1);
	assert_int_equal(count_ev(AUDIT_CAPABILITY_DENIED, 17), 1);
	assert_int_equal(count_ev(AUDIT_CAPABILITY_REVOKED, ~0ull), 1);
}

/* A REVOKE holder cannot dethrone the owner; only Bootstrap can. */
static void test_revoke_owner(void **state)
{
	process_id_t a, b, c;
	uint32_t rel = 0, ep = 0;

	(void)state;
	boot_kernel();
	a = bare(5, 1);
	b = bare(6, 1);
	c = bare(7, 1);
	assert_int_equal(cap_register_endpoint(a, 4), 0);
	assert_int_equal(cap_delegate(a, b, 4, SEND | REVK), 0);
	assert_int_equal(cap_delegate(a, c, 4, SEND), 0);
	assert_int_equal(cap_revoke(b, a, 4, NULL), -EPERM);
	assert_int_equal(cap_revoke(a, a, 4, NULL), -EPERM);
	/* The kernel's revocation dissolves the endpoint. */
	nev = 0;
	assert_int_equal(cap_revoke(K0, a, 4, &rel), 0);
	assert_int_equal(rel, 1u << 4);
	assert_int_equal(cap_endpoint_owner(4), NONE);
	assert_int_equal(cap_rights(a, 4), 0);
	assert_int_equal(cap_rights(b, 4), 0);
	assert_int_equal(cap_rights(c, 4), 0);
	assert_int_equal(cap_reply_endpoint(a, &ep), -ENOENDPOINT);
	assert_int_equal(count_ev(AUDIT_CAPABILITY_REVOKED, 4), 2);
	assert_int_equal(last_ev()->arg0, NONE);
	assert_int_equal(last_ev()->arg1, 2);
	/* Anyone may take it now; old holders have nothing on it. */
	assert_int_equal(cap_register_endpoint(c, 4), 0);
	assert_int_equal(cap_verify(b, 4, SEND), -EPERM);
}

/* Revoking what is not held is -ENOENDPOINT; bad ids -ENOENT. */
static void test_revoke_errors(void **state)
{
	process_id_t p;

	(void)state;
	boot_kernel();
	p = bare(5, 1);
	assert_int_equal(cap_revoke(K0, p, 4, NULL), -ENOENDPOINT);
	assert_int_equal(cap_revoke(K0, p, 32, NULL), -ENOENDPOINT);
	assert_int_equal(cap_revoke(K0, pid_make(5, 2), 4, NULL), -ENOENT);
	assert_int_equal(cap_revoke(pid_make(0, 1), p, 4, NULL), -ENOENT);
	assert_int_equal(count_ev(AUDIT_CAPABILITY_REVOKED, ~0ull), 0);
}

/* Exit: everything cleared, owned endpoints released, Principal kept. */
static void test_revoke_all(void **state)
{
	struct chain c;
	uint32_t rel = 0, ep;
	uint8_t key[PRINCIPAL_SIZE], got[PRINCIPAL_SIZE];

	(void)state;
	boot_chain(&c);
	memset(key, 7, sizeof(key));
	assert_int_equal(cap_bind_principal(K0, c.blk, key), 0);
	assert_int_equal(cap_grant_reply(c.shell, 24), 0); /* blk: SEND 18 */
	assert_int_equal(cap_verify(c.blk, 18, SEND), 0);
	assert_int_equal(cap_revoke_all(c.blk, &rel), 0);
	assert_int_equal(rel, (1u << 24) | (1u << 26));
	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++)
		assert_int_equal(cap_rights(c.blk, e), 0);
	assert_false(cap_has_syscap(c.blk, CAP_SYS_CREATE_PROCESS));
	assert_int_equal(cap_endpoint_owner(24), NONE);
	assert_int_equal(cap_endpoint_owner(26), NONE);
	assert_int_equal(cap_reply_endpoint(c.blk, &ep), -ENOENDPOINT);
	/* Everybody's public SEND on 24 went with it. */
	assert_int_equal(cap_rights(c.shell, 24), 0);
	assert_int_equal(cap_rights(c.fs, 24), 0);
	/* The Principal stays until the slot is freed (syscalls.md §6). */
	assert_int_equal(cap_get_principal(c.blk, got), 0);
	assert_memory_equal(got, key, PRINCIPAL_SIZE);
	/* Idempotent. */
	assert_int_equal(cap_revoke_all(c.blk, &rel), 0);
	assert_int_equal(rel, 0);
	assert_int_equal(cap_revoke_all(pid_make(6, 7), &rel), -ENOENT);
}

/* After revoke_all the record is frozen: nothing can be given back. */
static void test_revoke_all_freezes(void **state)
{
	struct chain c;

	(void)state;
	boot_chain(&c);
	assert_int_equal(cap_revoke_all(c.shell, NULL), 0);
	assert_int_equal(cap_register_endpoint(c.shell, 18), -ENOENT);
	assert_int_equal(cap_register_endpoint(c.shell, 3), -ENOENT);
	assert_int_equal(cap_grant(c.shell, 3, SEND), -ENOENT);
	assert_int_equal(cap_grant_syscap(c.shell, CAP_SYS_CREATE_PROCESS),
			 -ENOENT);
	assert_int_equal(cap_syscall_filter_set(c.shell, 0), -ENOENT);
	assert_int_equal(cap_grant_reply(c.shell, 16), -ENOENT);
	/* Nobody can take over 18 either: the reservation was the shell's. */
	assert_int_equal(cap_register_endpoint(c.fs, 18), -EPERM);
}

/* revoke_all audits each right cleared and each cascade. */
static void test_revoke_all_events(void **state)
{
	process_id_t a, b;

	(void)state;
	a = bare(5, 1);
	b = bare(6, 1);
	assert_int_equal(cap_register_endpoint(a, 4), 0);
	assert_int_equal(cap_grant(a, 9, SEND), 0);
	assert_int_equal(cap_delegate(a, b, 4, SEND), 0);
	nev = 0;
	assert_int_equal(cap_revoke_all(a, NULL), 0);
	assert_int_equal(count_ev(AUDIT_CAPABILITY_REVOKED, 9), 1);
	assert_int_equal(count_ev(AUDIT_CAPABILITY_REVOKED, 4), 2);
	assert_int_equal(nev, 3);
	for (unsigned i = 0; i < nev; i++) {
		assert_int_equal(events[i].subject, K0);
		if (events[i].object == 4 && events[i].arg0 == NONE)
			assert_int_equal(events[i].arg1, 1);
		else
			assert_int_equal(events[i].arg0, a);
	}
}

/* --- Principal ------------------------------------------------------------ */

/* Bind once; get returns it; a second bind is -EEXIST. */
static void test_principal_bind_once(void **state)
{
	process_id_t p;
	uint8_t k1[PRINCIPAL_SIZE], k2[PRINCIPAL_SIZE], got[PRINCIPAL_SIZE];

	(void)state;
	boot_kernel();
	p = bare(5, 1);
	memset(k1, 1, sizeof(k1));
	memset(k2, 2, sizeof(k2));
	assert_int_equal(cap_get_principal(p, got), -EINVAL);
	assert_int_equal(cap_bind_principal(K0, p, k1), 0);
	assert_int_equal(cap_bind_principal(K0, p, k2), -EEXIST);
	assert_int_equal(cap_get_principal(p, got), 0);
	assert_memory_equal(got, k1, PRINCIPAL_SIZE);
	assert_int_equal(cap_get_principal(p, NULL), -EINVAL);
}

/* Binding needs the Bootstrap authority, not the Bootstrap Principal. */
static void test_principal_bind_authority(void **state)
{
	struct chain c;
	process_id_t hello;
	uint8_t key[PRINCIPAL_SIZE];

	(void)state;
	boot_chain(&c);
	memset(key, 9, sizeof(key));
	hello = module(9, "hello");
	assert_int_equal(cap_bind_principal(c.shell, hello, key), -EPERM);
	assert_int_equal(cap_bind_principal(c.keystore, hello, key), -EPERM);
	assert_int_equal(cap_bind_principal(c.policy, hello, key), 0);
	assert_int_equal(cap_bind_principal(c.shell, c.shell, key), -EPERM);
}

/* Zero keys, NULL keys and stale ids are refused. */
static void test_principal_bind_errors(void **state)
{
	process_id_t p;
	uint8_t zero[PRINCIPAL_SIZE] = {0}, key[PRINCIPAL_SIZE];

	(void)state;
	boot_kernel();
	p = bare(5, 1);
	memset(key, 3, sizeof(key));
	assert_int_equal(cap_bind_principal(K0, p, zero), -EINVAL);
	assert_int_equal(cap_bind_principal(K0, p, NULL), -EINVAL);
	assert_int_equal(cap_bind_principal(K0, pid_make(5, 0), key), -ENOENT);
	assert_int_equal(cap_bind_principal(K0, pid_make(5, 2), key), -ENOENT);
	assert_int_equal(cap_bind_principal(pid_make(0, 5), p, key), -ENOENT);
	assert_int_equal(cap_get_principal(pid_make(5, 2), key), -ENOENT);
}

/* cap_identity gathers Principal, capabilities and filter. */
static void test_identity(void **state)
{
	struct chain c;
	struct cap_identity id;
	uint8_t key[PRINCIPAL_SIZE];

	(void)state;
	boot_chain(&c);
	assert_int_equal(cap_identity(c.fs, &id), 0);
	assert_false(id.principal_bound);
	assert_int_equal(id.syscall_filter, CAP_SYSCALL_FILTER_ALL);
	/* The fs-service is the object gateway (docs/storage.md §8). */
	assert_int_equal(id.syscaps, CAP_SYS_CREATE_PROCESS |
					 CAP_SYS_CREATE_CHANNEL |
					 CAP_SYS_OBJ_GATEWAY);
	memset(key, 0x5a, sizeof(key));
	assert_int_equal(cap_bind_principal(K0, c.fs, key), 0);
	assert_int_equal(cap_syscall_filter_set(c.fs, 0x1187), 0);
	assert_int_equal(cap_identity(c.fs, &id), 0);
	assert_true(id.principal_bound);
	assert_memory_equal(id.principal, key, PRINCIPAL_SIZE);
	assert_int_equal(id.syscall_filter, 0x1187);
	assert_int_equal(cap_identity(pid_make(5, 2), &id), -ENOENT);
	assert_int_equal(cap_identity(c.fs, NULL), -EINVAL);
	assert_int_equal(cap_syscall_filter_set(pid_make(5, 2), 0), -ENOENT);
}

/* --- system capabilities and authority ------------------------------------ */

/* Boot modules: CreateProcess and CreateChannel, nothing else. */
static void test_syscaps_module_defaults(void **state)
{
	process_id_t p;

	(void)state;
	p = module(5, "hello");
	assert_true(cap_has_syscap(p, CAP_SYS_CREATE_PROCESS));
	assert_true(cap_has_syscap(p, CAP_SYS_CREATE_CHANNEL));
	assert_false(cap_has_syscap(p, CAP_SYS_LEGACY_PORT_IO));
	assert_false(cap_has_syscap(p, CAP_SYS_MAP_FRAMEBUFFER));
	assert_false(cap_has_syscap(p, CAP_SYS_LARGE_CHANNEL));
	assert_false(cap_has_syscap(p, CAP_SYS_BOOTSTRAP));
	assert_false(cap_has_syscap(p, 0));
	assert_false(cap_has_syscap(pid_make(5, 2), CAP_SYS_CREATE_PROCESS));
	/* syscall_syscap kinds map to bits by 1 << kind. */
	assert_int_equal(1u << SYSCALL_SYSCAP_MAP_FRAMEBUFFER,
			 CAP_SYS_MAP_FRAMEBUFFER);
	assert_int_equal(1u << SYSCALL_SYSCAP_CREATE_CHANNEL,
			 CAP_SYS_CREATE_CHANNEL);
}

/* MapFramebuffer goes to fb-demo only, booted or spawned. */
static void test_syscaps_fb_demo(void **state)
{
	process_id_t a, b;

	(void)state;
	a = module(5, "fb-demo");
	b = pid_make(6, 1);
	assert_int_equal(cap_grant_boot_module(b, "fb-demo", CAP_ORIGIN_SPAWN),
			 0);
	assert_true(cap_has_syscap(a, CAP_SYS_MAP_FRAMEBUFFER));
	assert_true(cap_has_syscap(b, CAP_SYS_MAP_FRAMEBUFFER));
	assert_false(
	    cap_has_syscap(module(7, "fb-demo2"), CAP_SYS_MAP_FRAMEBUFFER));
}

/* Plain capabilities may be granted and cleared; authority may not be. */
static void test_syscaps_grant_clear(void **state)
{
	process_id_t p;

	(void)state;
	p = bare(5, 1);
	assert_int_equal(cap_grant_syscap(p, CAP_SYS_LEGACY_PORT_IO), 0);
	assert_true(cap_has_syscap(p, CAP_SYS_LEGACY_PORT_IO));
	assert_int_equal(cap_grant_syscap(p, CAP_SYS_BOOTSTRAP), -EPERM);
	assert_int_equal(
	    cap_grant_syscap(p, CAP_SYS_CLAIM_KEY | CAP_SYS_LARGE_CHANNEL),
	    -EPERM);
	assert_false(cap_has_syscap(p, CAP_SYS_LARGE_CHANNEL));
	assert_int_equal(cap_grant_syscap(p, 1u << 0), -EINVAL);
	assert_int_equal(cap_grant_syscap(p, 0), -EINVAL);
	assert_int_equal(cap_clear_syscap(p, CAP_SYS_LEGACY_PORT_IO), 0);
	assert_false(cap_has_syscap(p, CAP_SYS_LEGACY_PORT_IO));
	assert_int_equal(cap_clear_syscap(p, 1u << 10), -EINVAL);
	assert_int_equal(cap_grant_syscap(p, CAP_SYS_OBJ_GATEWAY), -EPERM);
	assert_int_equal(cap_clear_syscap(pid_make(5, 3), 0), -ENOENT);
}

/* Bootstrap authority: kernel and the booted policy-service, once. */
static void test_bootstrap_authority(void **state)
{
	struct chain c;
	process_id_t second, spawned;

	(void)state;
	boot_chain(&c);
	assert_int_equal(cap_check_boot_gate(K0, SYS_REVOKE_CAPABILITY), 0);
	assert_int_equal(cap_check_boot_gate(c.policy, SYS_BIND_PRINCIPAL), 0);
	assert_int_equal(cap_check_boot_gate(c.policy, SYS_AUDIT_ATTACH), 0);
	/* Every other boot module is refused the Boot syscalls. */
	assert_int_equal(cap_check_boot_gate(c.shell, SYS_BIND_PRINCIPAL),
			 -EPERM);
	assert_int_equal(cap_check_boot_gate(c.fs, SYS_CHANNEL_REVOKE), -EPERM);
	assert_int_equal(cap_check_boot_gate(c.keystore, SYS_AUDIT_ATTACH),
			 -EPERM);
	/* A second policy-service, booted or spawned, gets no authority. */
	second = module(9, "policy-service");
	assert_int_equal(cap_check_boot_gate(second, SYS_BIND_PRINCIPAL),
			 -EPERM);
	spawned = pid_make(10, 1);
	assert_int_equal(
	    cap_grant_boot_module(spawned, "policy-service", CAP_ORIGIN_SPAWN),
	    0);
	assert_int_equal(cap_check_boot_gate(spawned, SYS_BIND_PRINCIPAL),
			 -EPERM);
	assert_int_equal(cap_check_boot_gate(pid_make(3, 2), 11), -ENOENT);
	/* Dropping the authority is allowed. */
	assert_int_equal(cap_clear_syscap(c.policy, CAP_SYS_BOOTSTRAP), 0);
	assert_int_equal(cap_check_boot_gate(c.policy, SYS_BIND_PRINCIPAL),
			 -EPERM);
}

/* ClaimBootstrapKey: the booted key-store alone, not even the kernel. */
static void test_claim_key_gate(void **state)
{
	struct chain c;

	(void)state;
	boot_chain(&c);
	assert_int_equal(
	    cap_check_boot_gate(c.keystore, SYS_CLAIM_BOOTSTRAP_KEY), 0);
	assert_int_equal(cap_check_boot_gate(c.policy, SYS_CLAIM_BOOTSTRAP_KEY),
			 -EPERM);
	assert_int_equal(cap_check_boot_gate(K0, SYS_CLAIM_BOOTSTRAP_KEY),
			 -EPERM);
	assert_int_equal(cap_check_boot_gate(c.fs, SYS_CLAIM_BOOTSTRAP_KEY),
			 -EPERM);
	/* "key-store" and "key-store-service" name the same service. */
	assert_int_equal(cap_check_boot_gate(module(9, "key-store"),
					     SYS_CLAIM_BOOTSTRAP_KEY),
			 -EPERM);
}

/* AuditAttach: the booted audit_tail (once) and Bootstrap authority. */
static void test_audit_gate(void **state)
{
	struct chain c;
	process_id_t tail, second, spawned;

	(void)state;
	boot_chain(&c);
	tail = module(10, "audit_tail");
	assert_int_equal(cap_check_boot_gate(tail, SYS_AUDIT_ATTACH), 0);
	/* The audit authority opens nothing else. */
	assert_int_equal(cap_check_boot_gate(tail, SYS_BIND_PRINCIPAL), -EPERM);
	assert_int_equal(cap_check_boot_gate(tail, SYS_CHANNEL_REVOKE), -EPERM);
	assert_int_equal(cap_check_boot_gate(tail, SYS_CLAIM_BOOTSTRAP_KEY),
			 -EPERM);
	assert_int_equal(cap_check_boot_gate(c.policy, SYS_AUDIT_ATTACH), 0);
	assert_int_equal(cap_check_boot_gate(c.shell, SYS_AUDIT_ATTACH), -EPERM);
	/* Given once per boot, never to a spawned copy. */
	second = module(11, "audit_tail");
	assert_int_equal(cap_check_boot_gate(second, SYS_AUDIT_ATTACH), -EPERM);
	spawned = pid_make(12, 1);
	assert_int_equal(
	    cap_grant_boot_module(spawned, "audit_tail", CAP_ORIGIN_SPAWN), 0);
	assert_int_equal(cap_check_boot_gate(spawned, SYS_AUDIT_ATTACH), -EPERM);
	/* Nor by cap_grant_syscap. */
	assert_int_equal(cap_grant_syscap(spawned, CAP_SYS_AUDIT), -EPERM);
}

/* cap_counts: owned endpoints and rights entries, back to zero on exit. */
static void test_counts(void **state)
{
	uint32_t owned, entries, owned0, entries0;
	process_id_t a, b;

	(void)state;
	boot_kernel();
	cap_counts(&owned0, &entries0);
	assert_int_equal(owned0, 0);
	assert_int_equal(entries0, 0);
	a = bare(5, 1);
	b = bare(6, 1);
	assert_int_equal(cap_register_endpoint(a, 3), 0);
	assert_int_equal(cap_register_endpoint(b, 4), 0);
	assert_int_equal(cap_delegate(a, b, 3, SEND), 0);
	cap_counts(&owned, &entries);
	assert_int_equal(owned, 2);
	assert_int_equal(entries, 3); /* a on 3, b on 4, b SEND on 3 */
	exit_proc(a);
	cap_counts(&owned, &entries);
	assert_int_equal(owned, 1);   /* 3 dissolved with its owner */
	assert_int_equal(entries, 1); /* b's SEND on 3 went with it */
	exit_proc(b);
	cap_counts(&owned, &entries);
	assert_int_equal(owned, owned0);
	assert_int_equal(entries, entries0);
}

/* --- the boot-time policy ------------------------------------------------- */

/* The boot chain can talk: every conversation of the services works. */
static void test_boot_chain_talks(void **state)
{
	struct chain c;

	(void)state;
	boot_chain(&c);
	/* Requests. */
	assert_int_equal(cap_verify(c.shell, 16, SEND), 0);  /* arcobj */
	assert_int_equal(cap_verify(c.fs, 17, SEND), 0);     /* SIGN */
	assert_int_equal(cap_verify(c.policy, 23, SEND), 0); /* decisions */
	assert_int_equal(cap_verify(c.blk, 25, SEND), 0);    /* kernel reply */
	assert_int_equal(cap_verify(c.comp, 27, SEND), 0);   /* scanout */
	assert_int_equal(cap_verify(c.shell, 24, SEND), 0);  /* blk status */
	assert_int_equal(cap_verify(c.shell, 28, SEND), 0);  /* compositor */
	/* Each owns and receives on its own endpoints. */
	assert_int_equal(cap_verify(c.policy, 22, RECV), 0);
	assert_int_equal(cap_verify(c.keystore, 17, RECV), 0);
	assert_int_equal(cap_verify(c.fs, 16, RECV), 0);
	assert_int_equal(cap_verify(c.blk, 24, RECV), 0);
	assert_int_equal(cap_verify(c.blk, 26, RECV), 0);
	assert_int_equal(cap_verify(c.comp, 28, RECV), 0);
	assert_int_equal(cap_verify(c.shell, 18, RECV), 0);
	/* Replies, once the requests flowed. */
	assert_int_equal(cap_grant_reply(c.shell, 16), 0);
	assert_int_equal(cap_grant_reply(c.fs, 17), 0);
	assert_int_equal(cap_verify(c.fs, 18, SEND), 0);
	assert_int_equal(cap_verify(c.keystore, 16, SEND), 0);
}

/* Least privilege: no process receives on another's endpoint. */
static void test_boot_chain_isolated(void **state)
{
	struct chain c;
	process_id_t all[7];

	(void)state;
	boot_chain(&c);
	all[0] = c.policy;
	all[1] = c.keystore;
	all[2] = c.fs;
	all[3] = c.blk;
	all[4] = c.comp;
	all[5] = c.shell;
	all[6] = module(9, "hello");
	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++) {
		for (size_t i = 0; i < 7; i++) {
			uint32_t r = cap_rights(all[i], e);

			if (cap_endpoint_owner(e) == all[i])
				assert_int_equal(r, FULL);
			else
				assert_int_equal(r & ~SEND, 0);
		}
	}
	/* Only fs-service may ask the key-store to sign. */
	assert_int_equal(cap_verify(c.shell, 17, SEND), -EPERM);
	assert_int_equal(cap_verify(all[6], 17, SEND), -EPERM);
	/* Only the policy service answers policy queries; only blk 25. */
	assert_int_equal(cap_verify(c.shell, 23, SEND), -EPERM);
	assert_int_equal(cap_verify(all[6], 25, SEND), -EPERM);
	/* Nobody sends to the kernel's command or query endpoints. */
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(cap_rights(all[i], 22) & SEND,
				 all[i] == c.policy ? SEND : 0);
		assert_int_equal(cap_rights(all[i], 26) & SEND,
				 all[i] == c.blk ? SEND : 0);
	}
}

/* A spawned copy of a service gets only the plain-module profile. */
static void test_spawned_service_plain(void **state)
{
	struct chain c;
	process_id_t fake = pid_make(9, 1);

	(void)state;
	boot_chain(&c);
	assert_int_equal(
	    cap_grant_boot_module(fake, "virtio-blk", CAP_ORIGIN_SPAWN), 0);
	assert_int_equal(cap_verify(fake, 25, SEND), -EPERM);
	assert_int_equal(cap_verify(fake, 24, SEND), 0);
	assert_int_equal(cap_register_endpoint(fake, 26), -EPERM);
	assert_int_equal(cap_grant_boot_module(pid_make(10, 1), "x", 7),
			 -EINVAL);
	/* The boot grants were audited: one event per SEND right. */
	assert_int_equal(count_ev(AUDIT_CAPABILITY_GRANTED, 25), 1);
}

/* --- stale ids and reset -------------------------------------------------- */

/* After reuse of a slot, the old id fails everywhere. */
static void test_stale_after_reuse(void **state)
{
	process_id_t old, neu, other;
	uint8_t key[PRINCIPAL_SIZE];
	uint32_t ep;
	struct cap_send_info si;
	struct cap_identity id;

	(void)state;
	boot_kernel();
	memset(key, 4, sizeof(key));
	other = bare(6, 1);
	old = bare(5, 1);
	assert_int_equal(cap_register_endpoint(old, 4), 0);
	exit_proc(old);
	neu = bare(5, 2);
	assert_int_equal(cap_register_endpoint(other, 9), 0);
	assert_int_equal(cap_verify(old, 9, SEND), -ENOENT);
	assert_int_equal(cap_register_endpoint(old, 4), -ENOENT);
	assert_int_equal(cap_grant(old, 3, SEND), -ENOENT);
	assert_int_equal(cap_delegate(other, old, 9, SEND), -ENOENT);
	assert_int_equal(cap_delegate(old, other, 9, SEND), -ENOENT);
	assert_int_equal(cap_revoke(K0, old, 9, NULL), -ENOENT);
	assert_int_equal(cap_revoke(old, other, 9, NULL), -ENOENT);
	assert_int_equal(cap_revoke_all(old, NULL), -ENOENT);
	assert_int_equal(cap_bind_principal(K0, old, key), -ENOENT);
	assert_int_equal(cap_get_principal(old, key), -ENOENT);
	assert_int_equal(cap_reply_endpoint(old, &ep), -ENOENT);
	assert_int_equal(cap_send_prepare(old, 9, &si), -ENOENT);
	assert_int_equal(cap_grant_reply(old, 9), -ENOENT);
	assert_int_equal(cap_identity(old, &id), -ENOENT);
	assert_int_equal(cap_check_boot_gate(old, 11), -ENOENT);
	assert_int_equal(cap_syscall_filter_set(old, 0), -ENOENT);
	assert_false(cap_has_syscap(old, CAP_SYS_CREATE_PROCESS));
	assert_int_equal(cap_rights(old, 4), 0);
	/* Generation 0 (the original's BindPrincipal path) names nobody. */
	assert_int_equal(cap_bind_principal(K0, pid_make(5, 0), key), -ENOENT);
	assert_int_equal(cap_revoke(K0, pid_make(5, 0), 9, NULL), -ENOENT);
	/* The new occupant works. */
	assert_int_equal(cap_bind_principal(K0, neu, key), 0);
	assert_int_equal(cap_register_endpoint(neu, 4), 0);
}

/* A freed slot's next occupant inherits nothing (the original's gap). */
static void test_reset_on_free(void **state)
{
	process_id_t old, neu;
	uint8_t key[PRINCIPAL_SIZE];
	uint32_t ep;

	(void)state;
	boot_kernel();
	memset(key, 4, sizeof(key));
	old = module(5, "shell");
	assert_int_equal(cap_register_endpoint(old, 18), 0);
	assert_int_equal(cap_register_endpoint(old, 3), 0);
	assert_int_equal(cap_bind_principal(K0, old, key), 0);
	assert_int_equal(cap_grant_syscap(old, CAP_SYS_LEGACY_PORT_IO), 0);
	/* Freed without revoke_all (a failed creation): reset does it all. */
	cap_slot_reset(NULL, 5, old);
	assert_int_equal(cap_endpoint_owner(18), NONE);
	assert_int_equal(cap_endpoint_owner(3), NONE);
	neu = bare(5, 2);
	assert_int_equal(cap_reply_endpoint(neu, &ep), -ENOENDPOINT);
	assert_int_equal(cap_get_principal(neu, key), -EINVAL);
	assert_false(cap_has_syscap(neu, CAP_SYS_LEGACY_PORT_IO));
	assert_false(cap_has_syscap(neu, CAP_SYS_CREATE_PROCESS));
	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++)
		assert_int_equal(cap_rights(neu, e), 0);
	/* Reservations are not inherited either. */
	assert_int_equal(cap_register_endpoint(neu, 18), -EPERM);
	/* First registration becomes its own reply endpoint. */
	assert_int_equal(cap_register_endpoint(neu, 3), 0);
	assert_int_equal(cap_reply_endpoint(neu, &ep), 0);
	assert_int_equal(ep, 3);
	/* Reset of a free or out-of-range slot is harmless. */
	cap_slot_reset(NULL, 9, 0);
	cap_slot_reset(NULL, NSLOTS + 5, 0);
}

/* cap_slot_reset is the process table's reset hook (integration). */
static void test_reset_hook_with_process_table(void **state)
{
	static struct process procs[NSLOTS];
	struct proc_table t;
	struct process *p = NULL;
	process_id_t id, id2;

	(void)state;
	assert_int_equal(proc_table_init(&t, procs, NSLOTS), 0);
	assert_int_equal(proc_table_add_reset_hook(&t, cap_slot_reset, NULL),
			 0);
	assert_int_equal(proc_init_kernel_slots(&t), 0);
	boot_kernel();
	assert_int_equal(proc_alloc(&t, 0, &p), 0);
	id = p->id;
	assert_int_equal(
	    cap_grant_boot_module(id, "fs-service", CAP_ORIGIN_BOOT), 0);
	assert_int_equal(cap_register_endpoint(id, 16), 0);
	assert_int_equal(proc_begin_exit(p, 0), 0);
	assert_int_equal(proc_free(&t, id), 0);
	assert_int_equal(cap_endpoint_owner(16), NONE);
	assert_int_equal(cap_verify(id, 16, SEND), -ENOENT);
	assert_int_equal(proc_alloc(&t, 0, &p), 0);
	id2 = p->id;
	assert_int_equal(pid_slot(id2), pid_slot(id));
	assert_int_not_equal(id2, id);
	assert_int_equal(cap_attach(id2), 0);
	assert_int_equal(cap_rights(id2, 16), 0);
}

/*
 * The reset hook runs under PROCESS_TABLE: taking CAP there must pass the
 * lock-order checker.  A lock ranked above CAP held on entry must not.
 */
static void test_lock_rank(void **state)
{
	struct spinlock proc = SPINLOCK_INIT("test-proc", LOCK_RANK_PROC);
	struct spinlock frame = SPINLOCK_INIT("test-frame", LOCK_RANK_FRAME);
	unsigned long f;

	(void)state;
	assert_true(CAP_LOCK_RANK > LOCK_RANK_PROC);
	assert_true(CAP_LOCK_RANK < LOCK_RANK_HEAP);
	assert_true(CAP_LOCK_RANK > LOCK_RANK_IPC);
	bare(5, 1);
	f = spin_lock_irqsave(&proc);
	cap_slot_reset(NULL, 5, pid_make(5, 1));
	spin_unlock_irqrestore(&proc, f);
	assert_int_equal(cap_attach(pid_make(5, 2)), 0);

	f = spin_lock_irqsave(&frame);
	EXPECT_PANIC(cap_has_syscap(pid_make(5, 2), 1), "lock order");
	spin_unlock_irqrestore(&frame, f);
}

/* --- model run ------------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* Module invariants, through the public interface only. */
static void check_invariants(const process_id_t live[NSLOTS])
{
	for (uint32_t e = 0; e < IPC_MAX_ENDPOINTS; e++) {
		process_id_t o = cap_endpoint_owner(e);
		bool owner_live = false;

		for (uint32_t s = 0; s < NSLOTS; s++) {
			if (live[s] == NONE)
				continue;
			uint32_t r = cap_rights(live[s], e);

			if (live[s] == o) {
				owner_live = true;
				assert_int_equal(r, FULL);
			} else {
				assert_int_equal(r & RECV, 0);
			}
		}
		if (o != NONE)
			assert_true(owner_live);
	}
	for (uint32_t s = 0; s < NSLOTS; s++) {
		uint32_t ep;

		if (live[s] == NONE)
			continue;
		if (cap_reply_endpoint(live[s], &ep) == 0)
			assert_int_equal(cap_endpoint_owner(ep), live[s]);
	}
}

/* 20,000 random operations: the invariants hold after each. */
static void test_model_random(void **state)
{
	static const char *names[] = {"shell",	    "fs-service", "hello",
				      "virtio-blk", "key-store",  "fb-demo"};
	process_id_t live[NSLOTS];
	uint32_t gen[NSLOTS];

	(void)state;
	boot_kernel();
	for (uint32_t s = 0; s < NSLOTS; s++) {
		live[s] = s < PROC_KERNEL_SLOTS ? pid_make(s, 0) : NONE;
		gen[s] = 1;
	}
	for (unsigned step = 0; step < 20000; step++) {
		uint32_t s =
		    PROC_KERNEL_SLOTS + rnd(NSLOTS - PROC_KERNEL_SLOTS);
		uint32_t t = rnd(NSLOTS);
		uint32_t e = rnd(IPC_MAX_ENDPOINTS + 1);
		uint32_t rights = 1 + rnd(FULL);
		process_id_t p =
		    live[s] != NONE ? live[s] : pid_make(s, gen[s]);
		process_id_t q = live[t] != NONE ? live[t] : pid_make(t, 1);

		nev = 0;
		switch (rnd(9)) {
		case 0:
			if (live[s] == NONE) {
				live[s] = pid_make(s, gen[s]);
				assert_int_equal(cap_grant_boot_module(
						     live[s], names[rnd(6)],
						     rnd(2) ? CAP_ORIGIN_BOOT
							    : CAP_ORIGIN_SPAWN),
						 0);
			}
			break;
		case 1:
			(void)cap_register_endpoint(p, e);
			break;
		case 2:
			(void)cap_grant(p, e, rights);
			break;
		case 3:
			(void)cap_delegate(p, q, e, rights);
			break;
		case 4:
			(void)cap_revoke(q, p, e, NULL);
			break;
		case 5:
			(void)cap_grant_reply(p, e);
			break;
		case 6:
			if (live[s] != NONE && rnd(4) == 0) {
				exit_proc(live[s]);
				live[s] = NONE;
				gen[s]++;
			}
			break;
		case 7:
			(void)cap_revoke(K0, p, e, NULL);
			break;
		default:
			(void)cap_verify(p, e, rights);
			break;
		}
		check_invariants(live);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
	    T(test_init_rejects_bad_args),
	    T(test_init_clears_everything),
	    T(test_attach_twice_busy),
	    T(test_kernel_grants),
	    T(test_grant_and_verify),
	    T(test_grant_replaces),
	    T(test_grant_bad_args),
	    T(test_grant_recv_refused),
	    T(test_verify_absent_denied),
	    T(test_verify_needs_all_rights),
	    T(test_verify_range_and_stale),
	    T(test_capacity_all_endpoints),
	    T(test_register_gives_ownership),
	    T(test_register_second_refused),
	    T(test_register_kernel_endpoints),
	    T(test_register_reserved),
	    T(test_register_bad_args),
	    T(test_reply_endpoint_first),
	    T(test_reply_endpoint_zero),
	    T(test_send_prepare),
	    T(test_reply_rule),
	    T(test_reply_rule_noops),
	    T(test_delegate_send),
	    T(test_delegate_needs_delegate_right),
	    T(test_delegate_no_escalation),
	    T(test_delegate_recv_never),
	    T(test_delegate_self),
	    T(test_delegate_adds_only),
	    T(test_delegate_transitive),
	    T(test_delegate_interceptor),
	    T(test_delegate_stale),
	    T(test_revoke_by_bootstrap),
	    T(test_revoke_by_owner),
	    T(test_revoke_without_authority),
	    T(test_revoke_owner),
	    T(test_revoke_errors),
	    T(test_revoke_all),
	    T(test_revoke_all_freezes),
	    T(test_revoke_all_events),
	    T(test_principal_bind_once),
	    T(test_principal_bind_authority),
	    T(test_principal_bind_errors),
	    T(test_identity),
	    T(test_syscaps_module_defaults),
	    T(test_syscaps_fb_demo),
	    T(test_syscaps_grant_clear),
	    T(test_bootstrap_authority),
	    T(test_claim_key_gate),
	    T(test_audit_gate),
	    T(test_counts),
	    T(test_boot_chain_talks),
	    T(test_boot_chain_isolated),
	    T(test_spawned_service_plain),
	    T(test_stale_after_reuse),
	    T(test_reset_on_free),
	    T(test_reset_hook_with_process_table),
	    T(test_lock_rank),
	    T(test_model_random),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
