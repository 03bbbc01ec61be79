/*
 * tests/unit/channel_test.c - the channel manager (spec ipc.md §7,
 * syscalls.md 28-32, §7.3): ids and generations, role permissions, every
 * state transition legal and illegal, table full, Principal mismatch,
 * stale ids, slot reuse, revoke_all and bystanders, unwinding at every
 * failure point with failing fake ops, teardown racing an operation in
 * flight, the ChannelInfo record, audit events.
 *
 * The fake ops keep books of frames and mappings and check the order of
 * teardown (frames are freed only once nothing maps them).  Every
 * callback takes the channel lock through channel_stats(): were a
 * callback ever called with the lock held, the lock checker would panic
 * and the test abort.
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
#include "kernel/core/time.h"
#include "kernel/ipc/channel.h"

#include "abi/errno.h"
#include "abi/ipc.h"
#include "abi/syscall_out.h"

#include "tests/unit/fake_arch.h"
#include "tests/unit/fake_panic.h"

/* ---- fakes: clock, audit ---------------------------------------------- */

static uint64_t fake_ticks;

uint64_t time_ticks(void)
{
	return fake_ticks;
}

#define MAX_EVENTS 20000
static struct audit_event events[MAX_EVENTS];
static unsigned nevents;

void audit_emit(enum audit_kind kind, uint64_t subject, uint64_t object,
		uint64_t arg0, uint64_t arg1, uint64_t arg2, uint64_t arg3)
{
	struct audit_event *e;

	assert_true(nevents < MAX_EVENTS);
	e = &events[nevents++];
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)kind;
	e->subject = subject;
	e->object = object;
	e->arg[0] = arg0;
	e->arg[1] = arg1;
	e->arg[2] = arg2;
	e->arg[3] = arg3;
}

/* ---- fakes: frames and address spaces --------------------------------- */

#define MAX_BOOKS 1024

static struct {
	bool live;
	uint64_t phys, pages;
} frames[MAX_BOOKS];

static struct {
	bool live;
	process_id_t pid;
	uint64_t id, phys, pages, vaddr;
	bool writable;
} maps[MAX_BOOKS];

static unsigned nframes, nmaps; /* entries used in the books */
static unsigned alloc_calls, free_calls, map_calls, unmap_calls;
static unsigned fail_alloc_at, fail_map_at; /* call number to fail, 0 = none */
static int fail_err;			    /* what a failing call returns */
static uint64_t next_phys, next_vaddr;
static void (*map_hook)(unsigned call); /* runs inside map, unlocked */

/* Prove the callback runs without the channel lock: take it. */
static void probe_unlocked(void)
{
	struct channel_stats s;

	channel_stats(&s);
}

static int fake_alloc(uint64_t pages, uint64_t *phys)
{
	probe_unlocked();
	alloc_calls++;
	if (alloc_calls == fail_alloc_at)
		return fail_err;
	assert_true(nframes < MAX_BOOKS);
	frames[nframes].live = true;
	frames[nframes].phys = next_phys;
	frames[nframes].pages = pages;
	nframes++;
	*phys = next_phys;
	next_phys += pages * 4096 + 4096;
	return 0;
}

static void fake_free(uint64_t phys, uint64_t pages)
{
	probe_unlocked();
	free_calls++;
	/* Teardown order: nothing may still map the frames. */
	for (unsigned i = 0; i < nmaps; i++)
		assert_false(maps[i].live && maps[i].phys == phys);
	for (unsigned i = 0; i < nframes; i++) {
		if (frames[i].live && frames[i].phys == phys) {
			assert_int_equal(frames[i].pages, pages);
			frames[i].live = false;
			return;
		}
	}
	fail_msg("free of unknown frames %#llx", (unsigned long long)phys);
}

static int fake_map(process_id_t pid, uint64_t id, uint64_t phys,
		    uint64_t pages, bool writable, uint64_t *vaddr)
{
	unsigned call;

	probe_unlocked();
	call = ++map_calls;
	if (map_hook)
		map_hook(call);
	if (call == fail_map_at)
		return fail_err;
	assert_true(nmaps < MAX_BOOKS);
	maps[nmaps].live = true;
	maps[nmaps].pid = pid;
	maps[nmaps].id = id;
	maps[nmaps].phys = phys;
	maps[nmaps].pages = pages;
	maps[nmaps].vaddr = next_vaddr;
	maps[nmaps].writable = writable;
	nmaps++;
	*vaddr = next_vaddr;
	next_vaddr += 0x100000;
	return 0;
}

static void fake_unmap(process_id_t pid, uint64_t vaddr, uint64_t pages)
{
	probe_unlocked();
	unmap_calls++;
	for (unsigned i = 0; i < nmaps; i++) {
		if (maps[i].live && maps[i].pid == pid &&
		    maps[i].vaddr == vaddr) {
			assert_int_equal(maps[i].pages, pages);
			maps[i].live = false;
			return;
		}
	}
	fail_msg("unmap of unknown mapping %#llx", (unsigned long long)vaddr);
}

static const struct channel_ops fake_ops = {
    .alloc_frames = fake_alloc,
    .free_frames = fake_free,
    .map = fake_map,
    .unmap = fake_unmap,
};

static unsigned live_frames(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nframes; i++)
		n += frames[i].live;
	return n;
}

static unsigned live_maps(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nmaps; i++)
		n += maps[i].live;
	return n;
}

/* The live mapping of pid at vaddr, or NULL. */
static int find_map(process_id_t pid, uint64_t vaddr)
{
	for (unsigned i = 0; i < nmaps; i++)
		if (maps[i].live && maps[i].pid == pid &&
		    maps[i].vaddr == vaddr)
			return (int)i;
	return -1;
}

/* ---- helpers ------------------------------------------------------------ */

static const process_id_t P1 = 0x100000003ull; /* slot 3, generation 1 */
static const process_id_t P2 = 0x100000004ull;
static const process_id_t P3 = 0x200000005ull;

static uint8_t key_a[32], key_b[32], key_c[32], key_zero[32];

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	memset(frames, 0, sizeof(frames));
	memset(maps, 0, sizeof(maps));
	nframes = nmaps = 0;
	alloc_calls = free_calls = map_calls = unmap_calls = 0;
	fail_alloc_at = fail_map_at = 0;
	fail_err = -ENOMEM;
	next_phys = 0x1000000;
	next_vaddr = 0x10000000;
	map_hook = NULL;
	nevents = 0;
	fake_ticks = 0;
	memset(key_a, 0xaa, sizeof(key_a));
	memset(key_b, 0xbb, sizeof(key_b));
	memset(key_c, 0xcc, sizeof(key_c));
	memset(key_zero, 0, sizeof(key_zero));
	assert_int_equal(channel_init(&fake_ops), 0);
	return 0;
}

/* Create as creator (Principal A) for peer key; asserts success. */
static uint64_t create_ok(process_id_t creator, const uint8_t *peer,
			  uint64_t pages, uint32_t role, uint64_t *vaddr)
{
	uint64_t id = 0, va = 0;

	assert_int_equal(
	    channel_create(creator, key_a, peer, pages, role, &id, &va), 0);
	if (vaddr)
		*vaddr = va;
	return id;
}

static uint64_t attach_ok(uint64_t id, process_id_t pid, const uint8_t *key)
{
	uint64_t va = 0;

	assert_int_equal(channel_attach(id, pid, key, &va), 0);
	return va;
}

static struct channel_info info_of(uint64_t id)
{
	struct channel_info info;

	assert_int_equal(channel_info(id, &info), 0);
	return info;
}

static uint32_t in_use(void)
{
	struct channel_stats s;

	channel_stats(&s);
	return s.in_use;
}

/* Nothing allocated or mapped, and no slot held. */
static void assert_clean(void)
{
	assert_int_equal(live_frames(), 0);
	assert_int_equal(live_maps(), 0);
	assert_int_equal(in_use(), 0);
}

/* ---- tests -------------------------------------------------------------- */

/* Before channel_init() every call fails cleanly (runs first). */
static void test_calls_before_init(void **state)
{
	uint64_t id = 0, va = 0;
	struct channel_info info;

	(void)state;
	assert_int_equal(channel_create(P1, key_a, key_b, 1, 0, &id, &va),
			 -ENODEV);
	assert_int_equal(channel_attach(1ull << 32, P2, key_b, &va), -ENODEV);
	assert_int_equal(channel_close(1ull << 32, P1), -ENODEV);
	assert_int_equal(channel_revoke(1ull << 32, 0), -ENODEV);
	assert_int_equal(channel_info(1ull << 32, &info), -ENODEV);
	assert_int_equal(channel_revoke_all(P1), 0);
}

/* init needs all four callbacks. */
static void test_init_rejects_bad_ops(void **state)
{
	struct channel_ops o = fake_ops;

	(void)state;
	assert_int_equal(channel_init(NULL), -EINVAL);
	o.alloc_frames = NULL;
	assert_int_equal(channel_init(&o), -EINVAL);
	o = fake_ops;
	o.free_frames = NULL;
	assert_int_equal(channel_init(&o), -EINVAL);
	o = fake_ops;
	o.map = NULL;
	assert_int_equal(channel_init(&o), -EINVAL);
	o = fake_ops;
	o.unmap = NULL;
	assert_int_equal(channel_init(&o), -EINVAL);
	assert_int_equal(channel_init(&fake_ops), 0);
}

/* Create: slot 0, generation 1; frames mapped into the creator; audited. */
static void test_create(void **state)
{
	uint64_t id = 0, va = 0;
	int m;

	(void)state;
	fake_ticks = 5;
	assert_int_equal(channel_create(P1, key_a, key_b, 4,
					CHANNEL_BIDIRECTIONAL, &id, &va),
			 0);
	assert_int_equal(id, 0x100000000ull);
	assert_int_not_equal(id, 0);
	assert_int_equal(alloc_calls, 1);
	assert_int_equal(live_frames(), 1);
	assert_int_equal(frames[0].pages, 4);
	m = find_map(P1, va);
	assert_true(m >= 0);
	assert_int_equal(maps[m].id, id);
	assert_int_equal(maps[m].pages, 4);
	assert_int_equal(maps[m].phys, frames[0].phys);
	assert_int_equal(info_of(id).state, CHANNEL_AWAITING_ATTACH);
	assert_int_equal(nevents, 1);
	assert_int_equal(events[0].kind, AUDIT_CHANNEL_CREATED);
	assert_int_equal(events[0].subject, P1);
	assert_int_equal(events[0].object, id);
	assert_int_equal(events[0].arg[0], 4);
	assert_int_equal(events[0].arg[1], CHANNEL_BIDIRECTIONAL);
	/* The next channel takes the next slot. */
	assert_int_equal(create_ok(P1, key_b, 1, 0, NULL), 0x100000001ull);
}

/* Size bounds: 1 .. 65536 pages. */
static void test_create_pages_bounds(void **state)
{
	uint64_t id = 7, va = 7;

	(void)state;
	assert_int_equal(channel_create(P1, key_a, key_b, 0, 0, &id, &va),
			 -EINVAL);
	assert_int_equal(channel_create(P1, key_a, key_b, 65537, 0, &id, &va),
			 -EINVAL);
	assert_int_equal(
	    channel_create(P1, key_a, key_b, UINT64_MAX, 0, &id, &va), -EINVAL);
	assert_int_equal(id, 7);
	assert_int_equal(va, 7);
	assert_int_equal(alloc_calls, 0);
	create_ok(P1, key_b, 1, 0, NULL);
	create_ok(P1, key_b, 65536, 0, NULL);
}

/* Roles are 0..2. */
static void test_create_bad_role(void **state)
{
	uint64_t id, va;

	(void)state;
	assert_int_equal(channel_create(P1, key_a, key_b, 1, 3, &id, &va),
			 -EINVAL);
	assert_int_equal(
	    channel_create(P1, key_a, key_b, 1, UINT32_MAX, &id, &va), -EINVAL);
	assert_int_equal(alloc_calls, 0);
	assert_clean();
}

/* NULL arguments are refused before anything happens. */
static void test_create_null_args(void **state)
{
	uint64_t id, va;

	(void)state;
	assert_int_equal(channel_create(P1, NULL, key_b, 1, 0, &id, &va),
			 -EINVAL);
	assert_int_equal(channel_create(P1, key_a, NULL, 1, 0, &id, &va),
			 -EINVAL);
	assert_int_equal(channel_create(P1, key_a, key_b, 1, 0, NULL, &va),
			 -EINVAL);
	assert_int_equal(channel_create(P1, key_a, key_b, 1, 0, &id, NULL),
			 -EINVAL);
	assert_clean();
}

/* An anonymous creator is refused (the identity gate's -2). */
static void test_create_anonymous_creator(void **state)
{
	uint64_t id, va;

	(void)state;
	assert_int_equal(channel_create(P1, key_zero, key_b, 1, 0, &id, &va),
			 -EPERM);
	assert_clean();
}

/* Mapping permissions of each role (spec ipc.md §7 table). */
static void test_role_permissions(void **state)
{
	static const struct {
		uint32_t role;
		bool creator_rw, peer_rw;
	} cases[] = {
	    {CHANNEL_PRODUCER, true, false},
	    {CHANNEL_CONSUMER, false, true},
	    {CHANNEL_BIDIRECTIONAL, true, true},
	};

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		uint64_t cva, pva, id;

		id = create_ok(P1, key_b, 2, cases[i].role, &cva);
		pva = attach_ok(id, P2, key_b);
		assert_int_equal(maps[find_map(P1, cva)].writable,
				 cases[i].creator_rw);
		assert_int_equal(maps[find_map(P2, pva)].writable,
				 cases[i].peer_rw);
		assert_int_equal(info_of(id).role, cases[i].role);
	}
}

/* Attach by the named peer: Active, mapped, audited. */
static void test_attach(void **state)
{
	uint64_t id = create_ok(P1, key_b, 3, CHANNEL_PRODUCER, NULL);
	uint64_t va;
	struct channel_info info;
	int m;

	(void)state;
	va = attach_ok(id, P2, key_b);
	m = find_map(P2, va);
	assert_true(m >= 0);
	assert_int_equal(maps[m].phys, frames[0].phys);
	assert_int_equal(maps[m].id, id);
	info = info_of(id);
	assert_int_equal(info.state, CHANNEL_ACTIVE);
	assert_int_equal(info.peer_slot, 4);
	assert_int_equal(info.peer_vaddr, va);
	assert_int_equal(nevents, 2);
	assert_int_equal(events[1].kind, AUDIT_CHANNEL_ATTACHED);
	assert_int_equal(events[1].subject, P2);
	assert_int_equal(events[1].object, id);
	assert_int_equal(events[1].arg[0], P1);
}

/* A caller whose Principal is not the named peer's gets -EPERM. */
static void test_attach_principal_mismatch(void **state)
{
	uint64_t id = create_ok(P1, key_b, 1, 0, NULL);
	uint64_t va = 9;

	(void)state;
	assert_int_equal(channel_attach(id, P3, key_c, &va), -EPERM);
	assert_int_equal(channel_attach(id, P3, key_zero, &va), -EPERM);
	/* The creator's own Principal is not the peer's either. */
	assert_int_equal(channel_attach(id, P1, key_a, &va), -EPERM);
	assert_int_equal(va, 9);
	assert_int_equal(map_calls, 1);
	assert_int_equal(info_of(id).state, CHANNEL_AWAITING_ATTACH);
	attach_ok(id, P2, key_b);
}

/* Only one attach: Active is not AwaitingAttach (-1). */
static void test_attach_twice(void **state)
{
	uint64_t id = create_ok(P1, key_b, 1, 0, NULL);
	uint64_t va;

	(void)state;
	attach_ok(id, P2, key_b);
	assert_int_equal(channel_attach(id, P2, key_b, &va), -EINVAL);
	assert_int_equal(channel_attach(id, P3, key_b, &va), -EINVAL);
	assert_int_equal(map_calls, 2);
}

/* Unknown indexes, wrong generations, free slots: -EINVAL. */
static void test_unknown_and_stale_ids(void **state)
{
	uint64_t id = create_ok(P1, key_b, 1, 0, NULL);
	uint64_t bad[] = {
	    id + (1ull << 32), /* generation ahead */
	    id - (1ull << 32), /* generation 0 */
	    id + 1,	       /* free slot 1 */
	    (1ull << 32) | 256,
	    (1ull << 32) | 0xffffffffu,
	    UINT64_MAX,
	    0,
	};
	struct channel_info info;
	uint64_t va;

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(channel_attach(bad[i], P2, key_b, &va),
				 -EINVAL);
		assert_int_equal(channel_close(bad[i], P1), -EINVAL);
		assert_int_equal(channel_revoke(bad[i], 0), -EINVAL);
		assert_int_equal(channel_info(bad[i], &info), -EINVAL);
	}
	assert_int_equal(info_of(id).state, CHANNEL_AWAITING_ATTACH);
}

/* Attach with NULL Principal or out pointer: -EINVAL. */
static void test_attach_null_args(void **state)
{
	uint64_t id = create_ok(P1, key_b, 1, 0, NULL);
	uint64_t va;

	(void)state;
	assert_int_equal(channel_attach(id, P2, NULL, &va), -EINVAL);
	assert_int_equal(channel_attach(id, P2, key_b, NULL), -EINVAL);
	assert_int_equal(map_calls, 1);
	attach_ok(id, P2, key_b);
}

/* AwaitingAttach -> Closed by the creator: unmapped, freed, gone. */
static void test_close_awaiting(void **state)
{
	uint64_t id = create_ok(P1, key_b, 2, 0, NULL);

	(void)state;
	assert_int_equal(channel_close(id, P1), 0);
	assert_int_equal(unmap_calls, 1);
	assert_int_equal(free_calls, 1);
	assert_clean();
	assert_int_equal(events[nevents - 1].kind, AUDIT_CHANNEL_CLOSED);
	assert_int_equal(events[nevents - 1].arg[2], CHANNEL_CLOSED);
}

/* Active -> Closed by the creator unmaps both sides. */
static void test_close_active_by_creator(void **state)
{
	uint64_t id = create_ok(P1, key_b, 2, 0, NULL);

	(void)state;
	attach_ok(id, P2, key_b);
	assert_int_equal(channel_close(id, P1), 0);
	assert_int_equal(unmap_calls, 2);
	assert_clean();
}

/* Active -> Closed by the attached peer. */
static void test_close_by_peer(void **state)
{
	uint64_t id = create_ok(P1, key_b, 2, 0, NULL);

	(void)state;
	attach_ok(id, P2, key_b);
	assert_int_equal(channel_close(id, P2), 0);
	assert_clean();
	assert_int_equal(events[nevents - 1].subject, P2);
}

/* Anyone else may not close: -EPERM, channel intact. */
static void test_close_by_stranger(void **state)
{
	uint64_t id = create_ok(P1, key_b, 2, 0, NULL);

	(void)state;
	assert_int_equal(channel_close(id, P3), -EPERM);
	/* The named peer has not attached yet: not a party. */
	assert_int_equal(channel_close(id, P2), -EPERM);
	attach_ok(id, P2, key_b);
	assert_int_equal(channel_close(id, P3), -EPERM);
	/* Same slot, other generation: another process. */
	assert_int_equal(channel_close(id, P1 + (1ull << 32)), -EPERM);
	assert_int_equal(info_of(id).state, CHANNEL_ACTIVE);
	assert_int_equal(unmap_calls, 0);
}

/* Revoke from AwaitingAttach and from Active; no identity check. */
static void test_revoke(void **state)
{
	uint64_t a = create_ok(P1, key_b, 1, 0, NULL);
	uint64_t b = create_ok(P1, key_b, 1, 0, NULL);

	(void)state;
	attach_ok(b, P2, key_b);
	assert_int_equal(channel_revoke(a, 0), 0);
	assert_int_equal(events[nevents - 1].subject, 0);
	assert_int_equal(events[nevents - 1].arg[2], CHANNEL_REVOKED);
	assert_int_equal(channel_revoke(b, P3), 0);
	assert_int_equal(events[nevents - 1].subject, P3);
	assert_clean();
	assert_int_equal(channel_revoke(a, 0), -EINVAL);
}

/* Closed and Revoked are terminal: no transition leaves them. */
static void test_terminal_states(void **state)
{
	uint64_t id = create_ok(P1, key_b, 1, 0, NULL);
	struct channel_info info;
	uint64_t va;

	(void)state;
	attach_ok(id, P2, key_b);
	assert_int_equal(channel_close(id, P1), 0);
	assert_int_equal(channel_attach(id, P2, key_b, &va), -EINVAL);
	assert_int_equal(channel_close(id, P1), -EINVAL);
	assert_int_equal(channel_close(id, P2), -EINVAL);
	assert_int_equal(channel_revoke(id, 0), -EINVAL);
	assert_int_equal(channel_info(id, &info), -EINVAL);
	id = create_ok(P1, key_b, 1, 0, NULL);
	assert_int_equal(channel_revoke(id, 0), 0);
	assert_int_equal(channel_attach(id, P2, key_b, &va), -EINVAL);
	assert_int_equal(channel_close(id, P1), -EINVAL);
	assert_int_equal(channel_revoke(id, 0), -EINVAL);
}

/* 256 channels fit; the 257th gets -ENOMEM without touching frames. */
static void test_table_full(void **state)
{
	uint64_t ids[CHANNEL_MAX], id = 5, va = 5;

	(void)state;
	for (unsigned i = 0; i < CHANNEL_MAX; i++)
		ids[i] = create_ok(P1, key_b, 1, 0, NULL);
	assert_int_equal(in_use(), CHANNEL_MAX);
	assert_int_equal(channel_create(P1, key_a, key_b, 1, 0, &id, &va),
			 -ENOMEM);
	assert_int_equal(id, 5);
	assert_int_equal(alloc_calls, CHANNEL_MAX);
	assert_int_equal(live_frames(), CHANNEL_MAX);
	/* A freed slot is taken by the next create. */
	assert_int_equal(channel_close(ids[100], P1), 0);
	id = create_ok(P1, key_b, 1, 0, NULL);
	assert_int_equal(ipc_id_index(id), 100);
	assert_int_equal(ipc_id_generation(id), 2);
}

/* Reusing a slot moves its generation on; the old id is dead for good. */
static void test_slot_reuse(void **state)
{
	uint64_t old = create_ok(P1, key_b, 1, 0, NULL);
	uint64_t id, va;
	struct channel_info info;

	(void)state;
	assert_int_equal(channel_close(old, P1), 0);
	id = create_ok(P1, key_b, 1, 0, NULL);
	assert_int_equal(ipc_id_index(id), ipc_id_index(old));
	assert_int_equal(ipc_id_generation(id), ipc_id_generation(old) + 1);
	assert_int_equal(channel_info(old, &info), -EINVAL);
	assert_int_equal(channel_attach(old, P2, key_b, &va), -EINVAL);
	assert_int_equal(channel_close(old, P1), -EINVAL);
	assert_int_equal(channel_revoke(old, 0), -EINVAL);
	assert_int_equal(info_of(id).state, CHANNEL_AWAITING_ATTACH);
	/* Each use bumps once more. */
	assert_int_equal(channel_revoke(id, 0), 0);
	assert_int_equal(ipc_id_generation(create_ok(P1, key_b, 1, 0, NULL)),
			 3);
}

/* A failed create does not move the generation (no id was published). */
static void test_failed_create_keeps_generation(void **state)
{
	uint64_t id, va;

	(void)state;
	fail_alloc_at = 1;
	assert_int_equal(channel_create(P1, key_a, key_b, 1, 0, &id, &va),
			 -ENOMEM);
	assert_int_equal(create_ok(P1, key_b, 1, 0, NULL), 0x100000000ull);
}

/* Exit teardown takes the process's channels and nobody else's. */
static void test_revoke_all_preserves_bystanders(void **state)
{
	uint64_t mine1 = create_ok(P1, key_b, 1, 0, NULL);
	uint64_t mine2 = create_ok(P1, key_c, 2, 1, NULL);
	uint64_t as_peer = create_ok(P2, key_a, 1, 2, NULL);
	uint64_t other = create_ok(P2, key_c, 1, 0, NULL);
	uint64_t other_active = create_ok(P3, key_b, 1, 0, NULL);
	uint64_t va;

	(void)state;
	attach_ok(mine2, P3, key_c);
	attach_ok(as_peer, P1, key_a);
	attach_ok(other_active, P2, key_b);
	assert_int_equal(channel_revoke_all(P1), 3);
	assert_int_equal(channel_info(mine1, &(struct channel_info){0}),
			 -EINVAL);
	assert_int_equal(channel_info(mine2, &(struct channel_info){0}),
			 -EINVAL);
	assert_int_equal(channel_info(as_peer, &(struct channel_info){0}),
			 -EINVAL);
	assert_int_equal(info_of(other).state, CHANNEL_AWAITING_ATTACH);
	assert_int_equal(info_of(other_active).state, CHANNEL_ACTIVE);
	assert_int_equal(in_use(), 2);
	/* Both sides of the revoked ones are unmapped; bystanders intact. */
	for (unsigned i = 0; i < nmaps; i++) {
		bool bystander =
		    maps[i].id == other || maps[i].id == other_active;

		assert_int_equal(maps[i].live, bystander);
	}
	assert_int_equal(live_frames(), 2);
	/* Nothing more to do; and the bystanders still work. */
	assert_int_equal(channel_revoke_all(P1), 0);
	va = attach_ok(other, P3, key_c);
	assert_true(va != 0);
}

/* revoke_all of a process with no channels does nothing. */
static void test_revoke_all_none(void **state)
{
	(void)state;
	create_ok(P1, key_b, 1, 0, NULL);
	assert_int_equal(channel_revoke_all(P2), 0);
	assert_int_equal(channel_revoke_all(0), 0);
	assert_int_equal(in_use(), 1);
}

/* Unwind 1: frame allocation fails; nothing mapped, slot back. */
static void test_unwind_alloc_fails(void **state)
{
	uint64_t id = 5, va = 5;

	(void)state;
	fail_alloc_at = 1;
	assert_int_equal(channel_create(P1, key_a, key_b, 8, 0, &id, &va),
			 -ENOMEM);
	assert_int_equal(id, 5);
	assert_int_equal(va, 5);
	assert_int_equal(map_calls, 0);
	assert_int_equal(nevents, 0);
	assert_clean();
}

/* Unwind 2: mapping fails; frames freed, slot back, the error returned. */
static void test_unwind_map_fails(void **state)
{
	uint64_t id = 5, va = 5;
	struct channel_stats s;

	(void)state;
	fail_map_at = 1;
	fail_err = -EINVAL;
	assert_int_equal(channel_create(P1, key_a, key_b, 8, 0, &id, &va),
			 -EINVAL);
	assert_int_equal(id, 5);
	assert_int_equal(va, 5);
	assert_int_equal(free_calls, 1);
	assert_int_equal(nevents, 0);
	assert_clean();
	channel_stats(&s);
	assert_int_equal(s.unwound, 1);
	assert_int_equal(s.created, 0);
}

/*
 * Every failure point of create, at every position in a series of
 * creates: what failed leaves no trace, what succeeded stays.
 */
static void test_unwind_every_point(void **state)
{
	(void)state;
	for (unsigned point = 0; point < 2; point++) {
		for (unsigned at = 1; at <= 5; at++) {
			unsigned ok = 0;

			setup(NULL);
			if (point == 0)
				fail_alloc_at = at;
			else
				fail_map_at = at;
			for (unsigned i = 0; i < 5; i++) {
				uint64_t id, va;
				int err = channel_create(P1, key_a, key_b, 1, 0,
							 &id, &va);

				assert_int_equal(err,
						 i + 1 == at ? -ENOMEM : 0);
				ok += err == 0;
			}
			assert_int_equal(ok, 4);
			assert_int_equal(live_frames(), 4);
			assert_int_equal(live_maps(), 4);
			assert_int_equal(in_use(), 4);
			assert_int_equal(channel_revoke_all(P1), 4);
			assert_clean();
		}
	}
}

/* Unwind 3: the peer's mapping fails; still AwaitingAttach, retry works. */
static void test_attach_map_fails(void **state)
{
	uint64_t id = create_ok(P1, key_b, 1, 0, NULL);
	uint64_t va = 5;

	(void)state;
	fail_map_at = 2;
	assert_int_equal(channel_attach(id, P2, key_b, &va), -ENOMEM);
	assert_int_equal(va, 5);
	assert_int_equal(info_of(id).state, CHANNEL_AWAITING_ATTACH);
	assert_int_equal(info_of(id).peer_slot, CHANNEL_NO_PEER);
	assert_int_equal(live_maps(), 1);
	attach_ok(id, P2, key_b);
	assert_int_equal(info_of(id).state, CHANNEL_ACTIVE);
}

/* ChannelInfo: every field of the 46-byte record. */
static void test_info_record(void **state)
{
	uint64_t cva, pva, id;
	struct channel_info info;
	const uint8_t *raw = (const uint8_t *)&info;

	(void)state;
	fake_ticks = 1234;
	id = create_ok(P3, key_b, 16, CHANNEL_CONSUMER, &cva);
	info = info_of(id);
	assert_int_equal(sizeof(info), CHANNEL_INFO_SIZE);
	assert_int_equal(raw[0], CHANNEL_AWAITING_ATTACH);
	assert_int_equal(raw[1], CHANNEL_CONSUMER);
	assert_int_equal(info.num_pages, 16);
	assert_int_equal(info.creator_slot, 5);
	assert_int_equal(info.peer_slot, CHANNEL_NO_PEER);
	assert_int_equal(info.creator_vaddr, cva);
	assert_int_equal(info.peer_vaddr, 0);
	assert_int_equal(info.phys_base, frames[0].phys);
	assert_int_equal(info.created_tick, 1234);
	fake_ticks = 2000;
	pva = attach_ok(id, P1, key_b);
	info = info_of(id);
	assert_int_equal(raw[0], CHANNEL_ACTIVE);
	assert_int_equal(info.peer_slot, 3);
	assert_int_equal(info.peer_vaddr, pva);
	assert_int_equal(info.created_tick, 1234);
	/* Little-endian at the spec's offsets. */
	assert_int_equal(raw[2], 16);
	assert_int_equal(raw[6], 5);
	assert_int_equal(raw[10], 3);
}

/* ChannelInfo errors. */
static void test_info_errors(void **state)
{
	uint64_t id = create_ok(P1, key_b, 1, 0, NULL);
	struct channel_info info;

	(void)state;
	assert_int_equal(channel_info(id, NULL), -EINVAL);
	assert_int_equal(channel_info(id ^ (1ull << 40), &info), -EINVAL);
	assert_int_equal(channel_info(id, &info), 0);
}

/* ChannelClosed reports bytes shared and lifetime (no more zeros). */
static void test_closed_event_fields(void **state)
{
	uint64_t id;
	const struct audit_event *e;

	(void)state;
	fake_ticks = 100;
	id = create_ok(P1, key_b, 3, 0, NULL);
	attach_ok(id, P2, key_b);
	fake_ticks = 350;
	assert_int_equal(channel_close(id, P2), 0);
	e = &events[nevents - 1];
	assert_int_equal(e->kind, AUDIT_CHANNEL_CLOSED);
	assert_int_equal(e->subject, P2);
	assert_int_equal(e->object, id);
	assert_int_equal(e->arg[0], 3 * 4096);
	assert_int_equal(e->arg[1], 250);
	assert_int_equal(e->arg[2], CHANNEL_CLOSED);
}

static uint64_t hook_id;
static int hook_ret;

static void hook_revoke(unsigned call)
{
	if (call == 2)
		hook_ret = channel_revoke(hook_id, 0);
}

/*
 * Revoke while the peer's mapping is being made: revoke defers and
 * succeeds, the attach finishes the teardown (both mappings, frames) and
 * fails; the id is dead from the moment of the revoke.
 */
static void test_revoke_during_attach(void **state)
{
	uint64_t va = 5;
	struct channel_stats s;

	(void)state;
	hook_id = create_ok(P1, key_b, 2, 0, NULL);
	hook_ret = 1;
	map_hook = hook_revoke;
	assert_int_equal(channel_attach(hook_id, P2, key_b, &va), -EINVAL);
	assert_int_equal(hook_ret, 0);
	assert_int_equal(va, 5);
	assert_clean();
	assert_int_equal(unmap_calls, 2);
	assert_int_equal(events[nevents - 1].kind, AUDIT_CHANNEL_CLOSED);
	assert_int_equal(events[nevents - 1].subject, 0);
	assert_int_equal(events[nevents - 1].arg[2], CHANNEL_REVOKED);
	channel_stats(&s);
	assert_int_equal(s.deferred, 1);
	assert_int_equal(s.revoked, 1);
	assert_int_equal(s.attached, 0);
}

static struct channel_info hook_info;
static int hook_info_ret;

static void hook_close_and_look(unsigned call)
{
	if (call != 2)
		return;
	hook_ret = channel_close(hook_id, P1);
	/* Doomed: the id is already dead for everyone. */
	hook_info_ret = channel_info(hook_id, &hook_info);
}

/* The creator closes while the attach maps: same, reason Closed. */
static void test_close_during_attach(void **state)
{
	uint64_t va;

	(void)state;
	hook_id = create_ok(P1, key_b, 2, 0, NULL);
	map_hook = hook_close_and_look;
	assert_int_equal(channel_attach(hook_id, P2, key_b, &va), -EINVAL);
	assert_int_equal(hook_ret, 0);
	assert_int_equal(hook_info_ret, -EINVAL);
	assert_clean();
	assert_int_equal(events[nevents - 1].subject, P1);
	assert_int_equal(events[nevents - 1].arg[2], CHANNEL_CLOSED);
}

static unsigned hook_count;

static void hook_exit_attacher(unsigned call)
{
	if (call == 2)
		hook_count = channel_revoke_all(P2);
}

/* The attaching process exits meanwhile: its pending attach counts. */
static void test_attacher_exits_during_attach(void **state)
{
	uint64_t va;

	(void)state;
	hook_id = create_ok(P1, key_b, 2, 0, NULL);
	map_hook = hook_exit_attacher;
	assert_int_equal(channel_attach(hook_id, P2, key_b, &va), -EINVAL);
	assert_int_equal(hook_count, 1);
	assert_clean();
}

static void hook_second_attach(unsigned call)
{
	uint64_t va;

	if (call == 2)
		hook_ret = channel_attach(hook_id, P3, key_b, &va);
}

/* A second attach while one is in flight is refused. */
static void test_attach_while_attaching(void **state)
{
	uint64_t va;

	(void)state;
	hook_id = create_ok(P1, key_b, 2, 0, NULL);
	map_hook = hook_second_attach;
	va = attach_ok(hook_id, P2, key_b);
	assert_int_equal(hook_ret, -EINVAL);
	assert_true(find_map(P2, va) >= 0);
	assert_int_equal(live_maps(), 2);
}

static void hook_exit_creator(unsigned call)
{
	if (call == 1)
		hook_count = channel_revoke_all(P1);
}

/*
 * The creator exits while its create is mapping: revoke_all dooms the
 * reserved slot and the create unwinds everything.
 */
static void test_creator_exits_during_create(void **state)
{
	uint64_t id = 5, va = 5;
	struct channel_stats s;

	(void)state;
	map_hook = hook_exit_creator;
	assert_int_equal(channel_create(P1, key_a, key_b, 4, 0, &id, &va),
			 -EINVAL);
	assert_int_equal(hook_count, 1);
	assert_int_equal(id, 5);
	assert_clean();
	assert_int_equal(nevents, 0);
	channel_stats(&s);
	assert_int_equal(s.unwound, 1);
	assert_int_equal(s.created, 0);
	/* The slot is reusable at the same generation. */
	map_hook = NULL;
	assert_int_equal(create_ok(P2, key_b, 1, 0, NULL), 0x100000000ull);
}

static void hook_failing_attach_revoked(unsigned call)
{
	if (call == 2) {
		hook_ret = channel_revoke(hook_id, 0);
		fail_map_at = 2;
	}
}

/* The attach's mapping fails and the channel was revoked meanwhile. */
static void test_failed_attach_finishes_teardown(void **state)
{
	uint64_t va;

	(void)state;
	hook_id = create_ok(P1, key_b, 2, 0, NULL);
	map_hook = hook_failing_attach_revoked;
	assert_int_equal(channel_attach(hook_id, P2, key_b, &va), -ENOMEM);
	assert_int_equal(hook_ret, 0);
	assert_int_equal(unmap_calls, 1);
	assert_clean();
}

/* Random operations by four processes; then every exit cleans up. */
static void test_random_no_leaks(void **state)
{
	static const process_id_t pids[4] = {0x100000003ull, 0x100000004ull,
					     0x200000005ull, 0x100000006ull};
	static uint8_t keys[4][32];
	uint64_t ids[64];
	unsigned nids = 0;

	(void)state;
	for (unsigned p = 0; p < 4; p++)
		memset(keys[p], 0x10 + p, 32);
	srand(99);
	for (unsigned step = 0; step < 4000; step++) {
		unsigned p = (unsigned)rand() % 4, q = (unsigned)rand() % 4;
		unsigned op = (unsigned)rand() % 6;
		uint64_t id, va;
		int err;

		if (op == 0 && nids < 64) {
			err = channel_create(pids[p], keys[p], keys[q],
					     1 + (unsigned)rand() % 8,
					     (uint32_t)rand() % 3, &id, &va);
			if (err == 0)
				ids[nids++] = id;
			else
				assert_int_equal(err, -ENOMEM);
		} else if (nids) {
			unsigned k = (unsigned)rand() % nids;

			if (op == 1 || op == 2)
				err = channel_attach(ids[k], pids[p], keys[p],
						     &va);
			else if (op == 3)
				err = channel_close(ids[k], pids[p]);
			else if (op == 4)
				err = channel_revoke(ids[k], 0);
			else
				err = (int)channel_revoke_all(pids[p]) * 0;
			assert_true(err == 0 || err == -EINVAL ||
				    err == -EPERM);
			/* Gone (now, or by an earlier revoke_all): forget. */
			if ((op == 3 || op == 4) && err != -EPERM)
				ids[k] = ids[--nids];
		}
		if (rand() % 50 == 0)
			fail_alloc_at = alloc_calls + 1;
		/* Mapped frames always belong to a live channel. */
		assert_true(live_frames() <= in_use());
	}
	for (unsigned p = 0; p < 4; p++)
		(void)channel_revoke_all(pids[p]);
	assert_clean();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    /* First, while channel_init() has never run. */
	    cmocka_unit_test(test_calls_before_init),
	    cmocka_unit_test_setup(test_init_rejects_bad_ops, setup),
	    cmocka_unit_test_setup(test_create, setup),
	    cmocka_unit_test_setup(test_create_pages_bounds, setup),
	    cmocka_unit_test_setup(test_create_bad_role, setup),
	    cmocka_unit_test_setup(test_create_null_args, setup),
	    cmocka_unit_test_setup(test_create_anonymous_creator, setup),
	    cmocka_unit_test_setup(test_role_permissions, setup),
	    cmocka_unit_test_setup(test_attach, setup),
	    cmocka_unit_test_setup(test_attach_principal_mismatch, setup),
	    cmocka_unit_test_setup(test_attach_twice, setup),
	    cmocka_unit_test_setup(test_unknown_and_stale_ids, setup),
	    cmocka_unit_test_setup(test_attach_null_args, setup),
	    cmocka_unit_test_setup(test_close_awaiting, setup),
	    cmocka_unit_test_setup(test_close_active_by_creator, setup),
	    cmocka_unit_test_setup(test_close_by_peer, setup),
	    cmocka_unit_test_setup(test_close_by_stranger, setup),
	    cmocka_unit_test_setup(test_revoke, setup),
	    cmocka_unit_test_setup(test_terminal_states, setup),
	    cmocka_unit_test_setup(test_table_full, setup),
	    cmocka_unit_test_setup(test_slot_reuse, setup),
	    cmocka_unit_test_setup(test_failed_create_keeps_generation, setup),
	    cmocka_unit_test_setup(test_revoke_all_preserves_bystanders, setup),
	    cmocka_unit_test_setup(test_revoke_all_none, setup),
	    cmocka_unit_test_setup(test_unwind_alloc_fails, setup),
	    cmocka_unit_test_setup(test_unwind_map_fails, setup),
	    cmocka_unit_test_setup(test_unwind_every_point, setup),
	    cmocka_unit_test_setup(test_attach_map_fails, setup),
	    cmocka_unit_test_setup(test_info_record, setup),
	    cmocka_unit_test_setup(test_info_errors, setup),
	    cmocka_unit_test_setup(test_closed_event_fields, setup),
	    cmocka_unit_test_setup(test_revoke_during_attach, setup),
	    cmocka_unit_test_setup(test_close_during_attach, setup),
	    cmocka_unit_test_setup(test_attacher_exits_during_attach, setup),
	    cmocka_unit_test_setup(test_attach_while_attaching, setup),
	    cmocka_unit_test_setup(test_creator_exits_during_create, setup),
	    cmocka_unit_test_setup(test_failed_attach_finishes_teardown, setup),
	    cmocka_unit_test_setup(test_random_no_leaks, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
