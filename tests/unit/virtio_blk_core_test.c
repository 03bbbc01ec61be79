/*
 * tests/unit/virtio_blk_core_test.c - the virtio-blk driver's portable
 * core (user/virtio_blk/vblk.c) against the simulated legacy device of
 * virtio_blk_sim.c: the start-up sequence and its read-backs, read,
 * write and flush on an in-memory disk with a write cache, ring
 * wrap-around at small queue sizes, and a hostile device returning each
 * kind of impossible value at start-up and at completion.  The driver
 * must answer each with an error, never crash or wait for ever (the sim
 * fails a wait that would block for ever), recover after a reset, and
 * give up after repeated failures.
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
#include "user/virtio_blk/vblk.h"

#include "abi/errno.h"

struct fx {
	struct sim sim;
	struct vblk d;
	struct vblk_dma buf;
};

static struct fx *fx_new(uint64_t sectors, uint16_t qsize)
{
	struct fx *f = calloc(1, sizeof(*f));

	sim_init(&f->sim, sectors, qsize);
	return f;
}

/* A started device with a data page; asserts start-up worked. */
static struct fx *fx_started(uint64_t sectors, uint16_t qsize)
{
	struct fx *f = fx_new(sectors, qsize);

	assert_int_equal(vblk_start(&f->d, &sim_ops, &f->sim), 0);
	f->buf = sim_page(&f->sim);
	assert_non_null(f->buf.va);
	return f;
}

static void fx_free(struct fx *f)
{
	sim_free(&f->sim);
	free(f);
}

static void fill(volatile uint8_t *p, uint8_t seed)
{
	for (size_t i = 0; i < VBLK_BLOCK_SIZE; i++)
		p[i] = (uint8_t)(seed * 31 + i);
}

static bool block_is(const uint8_t *p, uint8_t seed)
{
	for (size_t i = 0; i < VBLK_BLOCK_SIZE; i++)
		if (p[i] != (uint8_t)(seed * 31 + i))
			return false;
	return true;
}

/* The sequence of kernel.md §8 on a well-behaved device. */
static void start_good_device(void **state)
{
	(void)state;
	struct fx *f = fx_new(2048, 256);

	assert_int_equal(vblk_start(&f->d, &sim_ops, &f->sim), 0);
	assert_true(vblk_alive(&f->d));
	assert_int_equal(f->d.capacity, 2048);
	assert_int_equal(vblk_blocks(&f->d), 256);
	assert_int_equal(f->d.qsize, 256);
	/* Only FLUSH accepted, although more was offered. */
	assert_int_equal(f->sim.guest_features, VBLK_F_FLUSH);
	assert_int_equal(f->sim.status, VBLK_STATUS_ACK | VBLK_STATUS_DRIVER |
					    VBLK_STATUS_FEATURES_OK |
					    VBLK_STATUS_DRIVER_OK);
	assert_int_equal((uint64_t)f->sim.pfn * 4096, f->d.mem.pa);
	assert_int_equal(f->sim.resets, 1);
	assert_int_equal(f->sim.driver_bugs, 0);
	fx_free(f);
}

/* Block 3 as the disk holds it reaches the buffer. */
static void read_gets_disk_content(void **state)
{
	(void)state;
	struct fx *f = fx_started(256, 256);

	sim_fill_block(&f->sim, 3, 0x40);
	assert_int_equal(vblk_read(&f->d, 3, &f->buf), 0);
	assert_memory_equal((const void *)f->buf.va, f->sim.disk + 3 * 4096,
			    4096);
	assert_int_equal(f->sim.requests, 1);
	assert_int_equal(f->d.completed, 1);
	assert_int_equal(f->sim.driver_bugs, 0);
	fx_free(f);
}

/* Write, read back, flush: the in-memory disk round trip. */
static void write_read_flush_round_trip(void **state)
{
	(void)state;
	struct fx *f = fx_started(256, 256);

	for (uint8_t b = 0; b < 32; b++) {
		fill(f->buf.va, b);
		assert_int_equal(vblk_write(&f->d, b, &f->buf), 0);
	}
	/* Written, but only in the device's cache so far. */
	assert_true(block_is(f->sim.disk + 5 * 4096, 5));
	assert_false(block_is(f->sim.durable + 5 * 4096, 5));
	for (uint8_t b = 0; b < 32; b++) {
		memset((void *)f->buf.va, 0, 4096);
		assert_int_equal(vblk_read(&f->d, b, &f->buf), 0);
		assert_true(block_is((const uint8_t *)f->buf.va, b));
	}
	assert_int_equal(vblk_flush(&f->d), 0);
	assert_int_equal(f->sim.flushes, 1);
	assert_memory_equal(f->sim.durable, f->sim.disk, f->sim.disk_bytes);
	assert_int_equal(f->sim.driver_bugs, 0);
	fx_free(f);
}

/* Without FLUSH offered, flush asks nothing of the device (write-through). */
static void flush_without_feature(void **state)
{
	(void)state;
	struct fx *f = fx_new(256, 256);

	f->sim.dev_features = 1u << 6;
	assert_int_equal(vblk_start(&f->d, &sim_ops, &f->sim), 0);
	assert_int_equal(f->sim.guest_features, 0);
	assert_int_equal(vblk_flush(&f->d), 0);
	assert_int_equal(f->sim.notifies, 0);
	fx_free(f);
}

/* lba past the end: -ERANGE, the device is not asked; the last block is. */
static void lba_past_capacity(void **state)
{
	(void)state;
	/* 259 sectors: 32 whole blocks and 3 sectors nobody can address. */
	struct fx *f = fx_started(259, 256);

	assert_int_equal(vblk_blocks(&f->d), 32);
	assert_int_equal(vblk_read(&f->d, 32, &f->buf), -ERANGE);
	assert_int_equal(vblk_write(&f->d, 32, &f->buf), -ERANGE);
	assert_int_equal(vblk_read(&f->d, UINT64_MAX, &f->buf), -ERANGE);
	assert_int_equal(vblk_read(&f->d, 1ull << 61, &f->buf), -ERANGE);
	assert_int_equal(f->sim.notifies, 0);
	assert_int_equal(vblk_read(&f->d, 31, &f->buf), 0);
	assert_int_equal(vblk_read(&f->d, 0, NULL), -EINVAL);
	/* Errors of the caller are not the device's: it is not failing. */
	assert_int_equal(f->d.failures, 0);
	assert_int_equal(f->sim.driver_bugs, 0);
	fx_free(f);
}

/* Small queues: heads rotate and indexes wrap past the ring and 2^16. */
static void small_queues_wrap(void **state)
{
	(void)state;
	static const uint16_t sizes[] = {4, 8, 16, 128};

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct fx *f = fx_started(64, sizes[k]);

		for (unsigned i = 0; i < 70000; i++) {
			uint64_t lba = i % 8;

			if (i % 3 == 0) {
				fill(f->buf.va, (uint8_t)(lba + i));
				assert_int_equal(
				    vblk_write(&f->d, lba, &f->buf), 0);
				assert_int_equal(vblk_read(&f->d, lba, &f->buf),
						 0);
				assert_true(block_is((const uint8_t *)f->buf.va,
						     (uint8_t)(lba + i)));
			} else {
				assert_int_equal(vblk_flush(&f->d), 0);
			}
			if (sizes[k] != 4 && i > 1000)
				break; /* only the smallest goes past 2^16 */
		}
		assert_int_equal(f->sim.driver_bugs, 0);
		assert_int_equal(f->sim.resets, 1);
		/* The 16-bit ring indexes wrapped at least once. */
		if (sizes[k] == 4)
			assert_true(f->sim.requests > 65536);
		fx_free(f);
	}
}

/* Queue sizes the driver must refuse; the device is left FAILED. */
static void bad_queue_sizes(void **state)
{
	(void)state;
	static const uint16_t bad[] = {0, 1, 2, 257, 384, 512, 100, 255, 65535};

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct fx *f = fx_new(256, bad[k]);

		assert_int_equal(vblk_start(&f->d, &sim_ops, &f->sim),
				 -ECORRUPT);
		assert_false(vblk_alive(&f->d));
		assert_non_null(f->d.why);
		assert_true(f->sim.status & VBLK_STATUS_FAILED);
		assert_int_equal(f->sim.notifies, 0);
		/* Nothing more is asked of it. */
		f->buf = sim_page(&f->sim);
		assert_int_equal(vblk_read(&f->d, 0, &f->buf), -ENODEV);
		assert_int_equal(vblk_flush(&f->d), -ENODEV);
		fx_free(f);
	}
}

static void expect_start_fails(struct fx *f, int want, const char *why)
{
	assert_int_equal(vblk_start(&f->d, &sim_ops, &f->sim), want);
	assert_false(vblk_alive(&f->d));
	assert_string_equal(f->d.why, why);
	fx_free(f);
}

/* Every read-back of the start-up sequence is checked. */
static void start_read_backs(void **state)
{
	(void)state;
	struct fx *f;

	f = fx_new(256, 256);
	f->sim.f.reset_ignored = true;
	expect_start_fails(f, -ECORRUPT, "reset did not clear the status");

	f = fx_new(256, 256);
	f->sim.f.features_ok_refused = true;
	expect_start_fails(f, -ECORRUPT, "FEATURES_OK not accepted");

	f = fx_new(256, 256);
	f->sim.f.pfn_wrong = true;
	expect_start_fails(f, -ECORRUPT, "queue PFN did not read back");

	f = fx_new(256, 256);
	f->sim.f.driver_ok_refused = true;
	expect_start_fails(f, -ECORRUPT, "DRIVER_OK not accepted");

	f = fx_new(256, 256);
	f->sim.f.fail_read_off = VBLK_REG_QUEUE_SIZE + 1;
	expect_start_fails(f, -EIO, "register read refused");
}

/* Capacities that cannot be real. */
static void absurd_capacity(void **state)
{
	(void)state;
	struct fx *f;

	f = fx_new(0, 256);
	expect_start_fails(f, -ECORRUPT, "capacity below one block");
	f = fx_new(7, 256);
	expect_start_fails(f, -ECORRUPT, "capacity below one block");
	f = fx_new(8, 256);
	f->sim.capacity = VBLK_MAX_SECTORS + 1;
	expect_start_fails(f, -ECORRUPT,
			   "capacity absurd (above 2^41 sectors)");
	f = fx_new(8, 256);
	f->sim.capacity = UINT64_MAX;
	expect_start_fails(f, -ECORRUPT,
			   "capacity absurd (above 2^41 sectors)");
	f = fx_new(256, 256);
	f->sim.f.capacity_flips = true;
	expect_start_fails(f, -ECORRUPT, "capacity changes while read");

	/* The largest believable one is taken (the disk itself is small). */
	f = fx_new(8, 256);
	f->sim.capacity = VBLK_MAX_SECTORS;
	assert_int_equal(vblk_start(&f->d, &sim_ops, &f->sim), 0);
	assert_int_equal(vblk_blocks(&f->d), VBLK_MAX_SECTORS / 8);
	fx_free(f);
}

/* No DMA memory, or memory a legacy queue cannot address. */
static void dma_problems(void **state)
{
	(void)state;
	struct fx *f = fx_new(256, 256);

	f->sim.f.dma_fail = true;
	expect_start_fails(f, -ENOMEM, "no DMA memory for the rings");
	f = fx_new(256, 256);
	f->sim.f.dma_pa = 1ull << 44; /* page number needs 33 bits */
	expect_start_fails(f, -ENOMEM,
			   "DMA memory not addressable by a legacy queue");
}

struct bad_case {
	enum sim_req_fault fault;
	int want;
	const char *why;
	bool resets; /* the driver must reset the device */
};

static const struct bad_case bad_cases[] = {
    {SIM_USED_JUMP, -ECORRUPT, "used index ran ahead of the requests in flight",
     true},
    {SIM_USED_ID_RANGE, -ECORRUPT, "used id out of range", true},
    {SIM_USED_ID_WRONG, -ECORRUPT, "used id is not the posted head", true},
    {SIM_USED_LEN_BIG, -ECORRUPT, "used length larger than the buffers", true},
    {SIM_USED_LEN_SHORT, -ECORRUPT, "used length short of the request", true},
    {SIM_STATUS_BAD, -ECORRUPT, "status byte not 0, 1 or 2", true},
    {SIM_STATUS_UNTOUCHED, -ECORRUPT, "status byte not written", true},
    {SIM_IRQ_STORM, -ECORRUPT, "interrupts without completions", true},
    {SIM_NO_IRQ, -EIO, "waiting for the interrupt failed", true},
    {SIM_IOERR, -EIO, "device reported an I/O error", false},
    {SIM_UNSUPP, -EIO, "device reported the request unsupported", false},
};

#define NCASES (sizeof(bad_cases) / sizeof(bad_cases[0]))

/*
 * One bad completion of a read: the matching error and reason, bounded
 * work, no crash; the next request (after a reset where needed) works
 * and returns the right data.
 */
static void one_bad_completion_then_recovery(void **state)
{
	(void)state;
	for (size_t k = 0; k < NCASES; k++) {
		const struct bad_case *c = &bad_cases[k];
		struct fx *f = fx_started(256, 16);

		sim_fill_block(&f->sim, 2, 0x11);
		f->sim.f.req = c->fault;
		f->sim.f.req_count = 1;
		assert_int_equal(vblk_read(&f->d, 2, &f->buf), c->want);
		assert_string_equal(f->d.why, c->why);
		assert_true(f->sim.waits <= VBLK_MAX_SPURIOUS + 2);
		assert_true(vblk_alive(&f->d));
		assert_int_equal(f->d.failures, 1);
		assert_int_equal(f->sim.resets, c->resets ? 2 : 1);

		/* The device behaves again. */
		assert_int_equal(vblk_read(&f->d, 2, &f->buf), 0);
		assert_memory_equal((const void *)f->buf.va,
				    f->sim.disk + 2 * 4096, 4096);
		assert_int_equal(f->d.failures, 0);
		assert_int_equal(f->sim.resets, c->resets ? 3 : 1);
		assert_int_equal(f->sim.driver_bugs, 0);
		fx_free(f);
	}
}

/* The same faults on writes and flushes. */
static void bad_completion_of_write_and_flush(void **state)
{
	(void)state;
	for (size_t k = 0; k < NCASES; k++) {
		const struct bad_case *c = &bad_cases[k];

		if (c->fault == SIM_USED_LEN_SHORT)
			continue; /* 1 byte is right for writes and flushes */
		struct fx *f = fx_started(256, 8);

		f->sim.f.req = c->fault;
		f->sim.f.req_count = 2;
		fill(f->buf.va, 9);
		assert_int_equal(vblk_write(&f->d, 1, &f->buf), c->want);
		assert_string_equal(f->d.why, c->why);
		assert_int_equal(vblk_flush(&f->d), c->want);
		assert_int_equal(f->d.failures, 2);
		assert_true(vblk_alive(&f->d));
		fx_free(f);
	}
}

/* A flush the device failed is never reported done. */
static void failed_flush_is_not_durable(void **state)
{
	(void)state;
	struct fx *f = fx_started(256, 256);

	fill(f->buf.va, 3);
	assert_int_equal(vblk_write(&f->d, 4, &f->buf), 0);
	f->sim.f.req = SIM_IOERR;
	f->sim.f.req_count = 1;
	assert_int_equal(vblk_flush(&f->d), -EIO);
	assert_false(block_is(f->sim.durable + 4 * 4096, 3));
	assert_int_equal(vblk_flush(&f->d), 0);
	assert_true(block_is(f->sim.durable + 4 * 4096, 3));
	fx_free(f);
}

/* Repeated failures: dead after VBLK_MAX_FAILURES, then never touched. */
static void repeated_failures_kill_the_device(void **state)
{
	(void)state;
	for (size_t k = 0; k < NCASES; k++) {
		const struct bad_case *c = &bad_cases[k];
		struct fx *f = fx_started(256, 32);

		f->sim.f.req = c->fault;
		f->sim.f.req_count = -1;
		for (unsigned i = 0; i < VBLK_MAX_FAILURES; i++) {
			assert_true(vblk_alive(&f->d));
			assert_int_equal(vblk_read(&f->d, i, &f->buf), c->want);
		}
		assert_false(vblk_alive(&f->d));
		assert_true(f->sim.status & VBLK_STATUS_FAILED);
		unsigned notifies = f->sim.notifies, resets = f->sim.resets;

		assert_int_equal(vblk_read(&f->d, 0, &f->buf), -ENODEV);
		assert_int_equal(vblk_write(&f->d, 0, &f->buf), -ENODEV);
		assert_int_equal(vblk_flush(&f->d), -ENODEV);
		assert_int_equal(f->sim.notifies, notifies);
		assert_int_equal(f->sim.resets, resets);
		fx_free(f);
	}
}

/* A success in between resets the count of consecutive failures. */
static void success_resets_failure_count(void **state)
{
	(void)state;
	struct fx *f = fx_started(256, 256);

	for (int round = 0; round < 10; round++) {
		f->sim.f.req = SIM_IOERR;
		f->sim.f.req_count = VBLK_MAX_FAILURES - 1;
		for (unsigned i = 0; i + 1 < VBLK_MAX_FAILURES; i++)
			assert_int_equal(vblk_read(&f->d, 0, &f->buf), -EIO);
		assert_int_equal(vblk_read(&f->d, 0, &f->buf), 0);
		assert_int_equal(f->d.failures, 0);
	}
	assert_true(vblk_alive(&f->d));
	fx_free(f);
}

/* A restart that fails counts too; a device that changed size is dead. */
static void restart_failures(void **state)
{
	(void)state;
	struct fx *f = fx_started(256, 256);

	f->sim.f.req = SIM_USED_ID_WRONG;
	f->sim.f.req_count = 1;
	f->sim.f.capacity_after_reset = 512;
	assert_int_equal(vblk_read(&f->d, 0, &f->buf), -ECORRUPT);
	for (unsigned i = 1; i < VBLK_MAX_FAILURES; i++) {
		assert_int_equal(vblk_read(&f->d, 0, &f->buf), -ECORRUPT);
		assert_string_equal(f->d.why,
				    "capacity changed across a reset");
	}
	assert_false(vblk_alive(&f->d));
	fx_free(f);
}

/* Interrupts of other devices on a shared line are waited through. */
static void spurious_interrupts_are_waited_through(void **state)
{
	(void)state;
	struct fx *f = fx_started(256, 256);

	sim_fill_block(&f->sim, 7, 0x77);
	f->sim.f.req = SIM_LATE;
	f->sim.f.req_count = 1;
	f->sim.f.late_irqs = 5;
	assert_int_equal(vblk_read(&f->d, 7, &f->buf), 0);
	assert_memory_equal((const void *)f->buf.va, f->sim.disk + 7 * 4096,
			    4096);
	assert_int_equal(f->d.spurious, 5);
	assert_int_equal(f->d.failures, 0);

	/* At the limit it still works; one more is a broken device. */
	f->sim.f.req = SIM_LATE;
	f->sim.f.req_count = 1;
	f->sim.f.late_irqs = VBLK_MAX_SPURIOUS;
	assert_int_equal(vblk_read(&f->d, 7, &f->buf), 0);
	f->sim.f.req = SIM_LATE;
	f->sim.f.req_count = 1;
	f->sim.f.late_irqs = VBLK_MAX_SPURIOUS + 1;
	assert_int_equal(vblk_read(&f->d, 7, &f->buf), -ECORRUPT);
	assert_int_equal(vblk_read(&f->d, 7, &f->buf), 0);
	assert_int_equal(f->sim.driver_bugs, 0);
	fx_free(f);
}

/* A refused interrupt acknowledgement fails the request, no hang. */
static void refused_register_during_request(void **state)
{
	(void)state;
	struct fx *f = fx_started(256, 256);

	f->sim.f.fail_read_off = VBLK_REG_ISR + 1;
	assert_int_equal(vblk_read(&f->d, 0, &f->buf), -EIO);
	assert_string_equal(f->d.why, "register read refused");
	f->sim.f.fail_read_off = 0;
	/* Reset and restarted: the missed completion is forgotten. */
	assert_int_equal(vblk_read(&f->d, 0, &f->buf), 0);
	assert_int_equal(f->sim.resets, 3);
	fx_free(f);
}

/* Random operations against a model of the disk. */
static void random_against_model(void **state)
{
	(void)state;
	struct fx *f = fx_started(128, 8);
	uint8_t seeds[16];
	uint32_t x = 12345;

	for (int b = 0; b < 16; b++) {
		fill(f->buf.va, (uint8_t)b);
		assert_int_equal(vblk_write(&f->d, (uint64_t)b, &f->buf), 0);
		seeds[b] = (uint8_t)b;
	}
	for (int i = 0; i < 3000; i++) {
		x = x * 1103515245u + 12345u;
		uint64_t lba = (x >> 8) % 16;

		switch ((x >> 20) % 3) {
		case 0:
			seeds[lba] = (uint8_t)(x >> 24);
			fill(f->buf.va, seeds[lba]);
			assert_int_equal(vblk_write(&f->d, lba, &f->buf), 0);
			break;
		case 1:
			assert_int_equal(vblk_read(&f->d, lba, &f->buf), 0);
			assert_true(
			    block_is((const uint8_t *)f->buf.va, seeds[lba]));
			break;
		default:
			assert_int_equal(vblk_flush(&f->d), 0);
			assert_memory_equal(f->sim.durable, f->sim.disk,
					    f->sim.disk_bytes);
			break;
		}
	}
	assert_int_equal(f->sim.driver_bugs, 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(start_good_device),
	    cmocka_unit_test(read_gets_disk_content),
	    cmocka_unit_test(write_read_flush_round_trip),
	    cmocka_unit_test(flush_without_feature),
	    cmocka_unit_test(lba_past_capacity),
	    cmocka_unit_test(small_queues_wrap),
	    cmocka_unit_test(bad_queue_sizes),
	    cmocka_unit_test(start_read_backs),
	    cmocka_unit_test(absurd_capacity),
	    cmocka_unit_test(dma_problems),
	    cmocka_unit_test(one_bad_completion_then_recovery),
	    cmocka_unit_test(bad_completion_of_write_and_flush),
	    cmocka_unit_test(failed_flush_is_not_durable),
	    cmocka_unit_test(repeated_failures_kill_the_device),
	    cmocka_unit_test(success_resets_failure_count),
	    cmocka_unit_test(restart_failures),
	    cmocka_unit_test(spurious_interrupts_are_waited_through),
	    cmocka_unit_test(refused_register_during_request),
	    cmocka_unit_test(random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
