/*
 * tests/unit/virtio_blk_service_test.c - the virtio-blk service protocols
 * (user/virtio_blk/service.c) over the real core and the simulated device
 * of virtio_blk_sim.c: endpoint 24's user requests, endpoint 26's kernel
 * commands byte by byte (HANDSHAKE, READ_BLOCK and WRITE_BLOCK through
 * the shared page, FLUSH, CAPACITY), malformed kernel requests, lbas
 * past the end, device errors, a dying device, and no device at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/virtio_blk_sim.h"
#include "user/virtio_blk/service.h"
#include "user/virtio_blk/vblk.h"

#include "abi/errno.h"

#define SECTORS 512 /* 64 blocks */

struct fx {
	struct sim sim;
	struct vblk d;
	struct vblk_service s;
};

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));

	sim_init(&f->sim, SECTORS, 64);
	assert_int_equal(vblk_start(&f->d, &sim_ops, &f->sim), 0);
	f->s.dev = &f->d;
	f->s.shared = sim_page(&f->sim);
	assert_non_null(f->s.shared.va);
	return f;
}

static void fx_free(struct fx *f)
{
	sim_free(&f->sim);
	free(f);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* A kernel request: [cmd][0 0 0][req_id u32][lba u64]. */
static void kreq(uint8_t *req, uint8_t cmd, uint32_t id, uint64_t lba)
{
	memset(req, 0, VBLK_KMSG_SIZE);
	req[0] = cmd;
	for (int i = 0; i < 4; i++)
		req[4 + i] = (uint8_t)(id >> (8 * i));
	for (int i = 0; i < 8; i++)
		req[8 + i] = (uint8_t)(lba >> (8 * i));
}

struct kans {
	uint8_t st;
	uint32_t id;
	uint64_t value;
};

/* Send one well-formed kernel command; check the reply's fixed bytes. */
static struct kans kcall(struct fx *f, uint8_t cmd, uint32_t id, uint64_t lba)
{
	uint8_t req[VBLK_KMSG_SIZE], rep[VBLK_KMSG_SIZE];
	struct kans a;

	kreq(req, cmd, id, lba);
	memset(rep, 0xAA, sizeof(rep));
	vblk_serve_kernel(&f->s, req, sizeof(req), rep);
	assert_int_equal(rep[1] | rep[2] | rep[3], 0);
	a.st = rep[0];
	a.id = le32(rep + 4);
	a.value = le64(rep + 8);
	assert_int_equal(a.id, id);
	return a;
}

struct uans {
	size_t len;
	uint8_t b[VBLK_USER_REPLY_MAX];
};

static struct uans ucall(struct fx *f, uint8_t cmd)
{
	struct uans a;

	memset(a.b, 0xAA, sizeof(a.b));
	a.len = vblk_serve_user(&f->s, &cmd, 1, a.b);
	return a;
}

/* Endpoint 24: every command and its answer. */
static void user_protocol(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct uans a;

	a = ucall(f, VBLK_USER_GET_STATUS);
	assert_int_equal(a.len, 2);
	assert_int_equal(a.b[0], VBLK_SVC_OK);
	assert_int_equal(a.b[1], 1);

	a = ucall(f, VBLK_USER_GET_CAPACITY);
	assert_int_equal(a.len, 9);
	assert_int_equal(a.b[0], VBLK_SVC_OK);
	assert_int_equal(le64(a.b + 1), SECTORS);

	a = ucall(f, VBLK_USER_FLUSH);
	assert_int_equal(a.len, 1);
	assert_int_equal(a.b[0], VBLK_SVC_OK);
	assert_int_equal(f->sim.flushes, 1);

	/* Raw blocks are the kernel's: the device is not asked. */
	unsigned before = f->sim.requests;

	a = ucall(f, VBLK_USER_READ_BLOCK);
	assert_int_equal(a.len, 1);
	assert_int_equal(a.b[0], VBLK_SVC_UNIMPLEMENTED);
	a = ucall(f, VBLK_USER_WRITE_BLOCK);
	assert_int_equal(a.len, 1);
	assert_int_equal(a.b[0], VBLK_SVC_UNIMPLEMENTED);
	assert_int_equal(f->sim.requests, before);

	static const uint8_t unknown[] = {0, 6, 0x7F, 0xFF};

	for (size_t i = 0; i < sizeof(unknown); i++) {
		a = ucall(f, unknown[i]);
		assert_int_equal(a.len, 1);
		assert_int_equal(a.b[0], VBLK_SVC_ERROR);
	}
	/* An empty message is an unknown command. */
	assert_int_equal(vblk_serve_user(&f->s, NULL, 0, a.b), 1);
	assert_int_equal(a.b[0], VBLK_SVC_ERROR);
	/* Longer messages: the first byte decides. */
	uint8_t longer[40] = {VBLK_USER_GET_STATUS, 9, 9, 9};

	assert_int_equal(vblk_serve_user(&f->s, longer, sizeof(longer), a.b),
			 2);
	assert_int_equal(a.b[0], VBLK_SVC_OK);
	fx_free(f);
}

/* Endpoint 26: handshake, capacity, then blocks through the shared page. */
static void kernel_protocol_round_trip(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct kans a;

	a = kcall(f, VBLK_KCMD_HANDSHAKE, 1, 0);
	assert_int_equal(a.st, VBLK_SVC_OK);
	assert_int_equal(a.value, f->s.shared.pa);
	a = kcall(f, VBLK_KCMD_CAPACITY, 0xDEADBEEF, 0);
	assert_int_equal(a.st, VBLK_SVC_OK);
	assert_int_equal(a.value, SECTORS);

	/* WRITE_BLOCK: what the kernel put in the shared page lands at lba. */
	for (uint32_t lba = 0; lba < 64; lba += 9) {
		for (int i = 0; i < 4096; i++)
			f->s.shared.va[i] = (uint8_t)(lba ^ i);
		a = kcall(f, VBLK_KCMD_WRITE_BLOCK, 100 + lba, lba);
		assert_int_equal(a.st, VBLK_SVC_OK);
		assert_int_equal(a.value, 0);
		for (int i = 0; i < 4096; i++)
			assert_int_equal(f->sim.disk[lba * 4096 + i],
					 (uint8_t)(lba ^ i));
	}
	/* FLUSH answered OK only with the device's flush done. */
	assert_int_not_equal(
	    memcmp(f->sim.durable, f->sim.disk, f->sim.disk_bytes), 0);
	a = kcall(f, VBLK_KCMD_FLUSH, 7, 0);
	assert_int_equal(a.st, VBLK_SVC_OK);
	assert_int_equal(f->sim.flushes, 1);
	assert_memory_equal(f->sim.durable, f->sim.disk, f->sim.disk_bytes);

	/* READ_BLOCK: block lba ends up in the shared page. */
	for (uint32_t lba = 0; lba < 64; lba += 9) {
		memset((void *)f->s.shared.va, 0, 4096);
		a = kcall(f, VBLK_KCMD_READ_BLOCK, 200 + lba, lba);
		assert_int_equal(a.st, VBLK_SVC_OK);
		assert_memory_equal((const void *)f->s.shared.va,
				    f->sim.disk + lba * 4096, 4096);
	}
	assert_int_equal(f->sim.driver_bugs, 0);
	fx_free(f);
}

/* The last block works; past it is ERROR and the device is not asked. */
static void kernel_lba_bounds(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	unsigned before;

	assert_int_equal(kcall(f, VBLK_KCMD_READ_BLOCK, 1, 63).st, VBLK_SVC_OK);
	before = f->sim.requests;
	static const uint64_t bad[] = {64, 65, 1ull << 32, 1ull << 61,
				       UINT64_MAX};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kcall(f, VBLK_KCMD_READ_BLOCK, 2, bad[i]).st,
				 VBLK_SVC_ERROR);
		assert_int_equal(kcall(f, VBLK_KCMD_WRITE_BLOCK, 3, bad[i]).st,
				 VBLK_SVC_ERROR);
	}
	assert_int_equal(f->sim.requests, before);
	assert_true(vblk_alive(&f->d));
	assert_int_equal(f->d.failures, 0);
	fx_free(f);
}

/* Malformed kernel requests: ERROR, req_id echoed when there is one. */
static void kernel_malformed(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	uint8_t req[32], rep[VBLK_KMSG_SIZE];

	for (size_t len = 0; len <= sizeof(req); len++) {
		if (len == VBLK_KMSG_SIZE)
			continue;
		kreq(req, VBLK_KCMD_CAPACITY, 0x01020304, 0);
		memset(req + 16, 0, 16);
		vblk_serve_kernel(&f->s, req, len, rep);
		assert_int_equal(rep[0], VBLK_SVC_ERROR);
		assert_int_equal(le32(rep + 4), len >= 8 ? 0x01020304 : 0);
		assert_int_equal(le64(rep + 8), 0);
	}
	for (int b = 1; b < 4; b++) {
		kreq(req, VBLK_KCMD_CAPACITY, 9, 0);
		req[b] = 1; /* reserved byte */
		vblk_serve_kernel(&f->s, req, VBLK_KMSG_SIZE, rep);
		assert_int_equal(rep[0], VBLK_SVC_ERROR);
		assert_int_equal(le32(rep + 4), 9);
	}
	static const uint8_t unknown[] = {0, 6, 0x80, 0xFF};

	for (size_t i = 0; i < sizeof(unknown); i++)
		assert_int_equal(kcall(f, unknown[i], 5, 0).st, VBLK_SVC_ERROR);
	assert_int_equal(f->sim.requests, 0);
	fx_free(f);
}

/* Device errors: ERROR for the request, DEVICE_DEAD once it died. */
static void kernel_device_errors_then_dead(void **state)
{
	(void)state;
	struct fx *f = fx_new();
	struct uans u;

	/* A failed flush is never OK: the kernel relies on it. */
	f->sim.f.req = SIM_IOERR;
	f->sim.f.req_count = 1;
	assert_int_equal(kcall(f, VBLK_KCMD_FLUSH, 1, 0).st, VBLK_SVC_ERROR);
	assert_int_equal(f->sim.flushes, 0);
	f->sim.f.req = SIM_STATUS_UNTOUCHED;
	f->sim.f.req_count = 1;
	assert_int_equal(kcall(f, VBLK_KCMD_FLUSH, 2, 0).st, VBLK_SVC_ERROR);
	/* Then a good request: alive again. */
	assert_int_equal(kcall(f, VBLK_KCMD_READ_BLOCK, 3, 0).st, VBLK_SVC_OK);

	f->sim.f.req = SIM_USED_ID_WRONG;
	f->sim.f.req_count = -1;
	for (unsigned i = 0; i < VBLK_MAX_FAILURES; i++)
		assert_int_equal(kcall(f, VBLK_KCMD_WRITE_BLOCK, 10 + i, 1).st,
				 VBLK_SVC_ERROR);
	assert_false(vblk_alive(&f->d));
	static const uint8_t cmds[] = {
	    VBLK_KCMD_HANDSHAKE, VBLK_KCMD_READ_BLOCK, VBLK_KCMD_WRITE_BLOCK,
	    VBLK_KCMD_FLUSH, VBLK_KCMD_CAPACITY};

	for (size_t i = 0; i < sizeof(cmds); i++)
		assert_int_equal(kcall(f, cmds[i], 20 + (uint32_t)i, 0).st,
				 VBLK_SVC_DEVICE_DEAD);
	u = ucall(f, VBLK_USER_GET_STATUS);
	assert_int_equal(u.len, 2);
	assert_int_equal(u.b[0], VBLK_SVC_OK);
	assert_int_equal(u.b[1], 0);
	u = ucall(f, VBLK_USER_FLUSH);
	assert_int_equal(u.b[0], VBLK_SVC_DEVICE_DEAD);
	u = ucall(f, VBLK_USER_GET_CAPACITY);
	assert_int_equal(u.len, 1);
	assert_int_equal(u.b[0], VBLK_SVC_DEVICE_DEAD);
	fx_free(f);
}

/* No device: every request on either endpoint is NO_DEVICE. */
static void no_device(void **state)
{
	(void)state;
	struct vblk_service s;
	uint8_t req[VBLK_KMSG_SIZE], rep[VBLK_KMSG_SIZE],
	    u[VBLK_USER_REPLY_MAX];

	memset(&s, 0, sizeof(s));
	for (unsigned cmd = 0; cmd < 256; cmd++) {
		uint8_t c = (uint8_t)cmd;

		assert_int_equal(vblk_serve_user(&s, &c, 1, u), 1);
		assert_int_equal(u[0], VBLK_SVC_NO_DEVICE);
		kreq(req, c, cmd * 3, 5);
		vblk_serve_kernel(&s, req, sizeof(req), rep);
		assert_int_equal(rep[0], VBLK_SVC_NO_DEVICE);
		assert_int_equal(le32(rep + 4), cmd * 3);
		assert_int_equal(le64(rep + 8), 0);
	}
	assert_int_equal(s.errors, 512);
}

/* A started device without a shared page: block commands are ERROR. */
static void no_shared_page(void **state)
{
	(void)state;
	struct fx *f = fx_new();

	f->s.shared.va = NULL;
	assert_int_equal(kcall(f, VBLK_KCMD_HANDSHAKE, 1, 0).st,
			 VBLK_SVC_ERROR);
	assert_int_equal(kcall(f, VBLK_KCMD_READ_BLOCK, 2, 0).st,
			 VBLK_SVC_ERROR);
	assert_int_equal(kcall(f, VBLK_KCMD_WRITE_BLOCK, 3, 0).st,
			 VBLK_SVC_ERROR);
	assert_int_equal(kcall(f, VBLK_KCMD_CAPACITY, 4, 0).st, VBLK_SVC_OK);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(user_protocol),
	    cmocka_unit_test(kernel_protocol_round_trip),
	    cmocka_unit_test(kernel_lba_bounds),
	    cmocka_unit_test(kernel_malformed),
	    cmocka_unit_test(kernel_device_errors_then_dead),
	    cmocka_unit_test(no_device),
	    cmocka_unit_test(no_shared_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
