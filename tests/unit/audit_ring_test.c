/*
 * tests/unit/audit_ring_test.c - the global audit ring and its drain (spec
 * kernel.md §3): init and the header, the 64-event batch and each CPU's
 * share, synthetic AuditDropped events, wrap and overwrite, the try-lock,
 * the single consumer, the AuditInfo record (syscalls.md §7.4), a random
 * model check of the whole pipeline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/audit_testlib.h"

/* Fill cpu's staging with n events tagged 0..n-1. */
static void fill(unsigned cpu, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		emit_on(cpu, AUDIT_CAPABILITY_DENIED, i);
	fake_arch_set_cpu(0);
}

/* Events from cpu among ring positions [from, to). */
static unsigned count_from(unsigned cpu, uint64_t from, uint64_t to)
{
	unsigned n = 0;

	for (uint64_t p = from; p < to; p++)
		n += ring_at(p)->subject == 100 + cpu;
	return n;
}

/* init refuses a NULL ring. */
static void test_init_rejects_null(void **state)
{
	(void)state;
	assert_int_equal(audit_init(NULL, AUDIT_RING_BYTES), -EINVAL);
	assert_null(audit_ring(NULL));
}

/* init refuses memory not aligned to an event (cache line). */
static void test_init_rejects_misaligned(void **state)
{
	(void)state;
	assert_int_equal(audit_init(ring_mem + 8, AUDIT_RING_BYTES - 64),
			 -EINVAL);
	assert_int_equal(audit_init(ring_mem + 32, AUDIT_RING_BYTES - 64),
			 -EINVAL);
	assert_int_equal(audit_init(ring_mem + 64, AUDIT_RING_BYTES - 64), 0);
}

/* init refuses rings too small for two batches (the reader's margin). */
static void test_init_rejects_small(void **state)
{
	size_t min = AUDIT_RING_HEADER_SIZE + 2 * AUDIT_DRAIN_MAX * 64;

	(void)state;
	assert_int_equal(audit_init(ring_mem, 0), -EINVAL);
	assert_int_equal(audit_init(ring_mem, 63), -EINVAL);
	assert_int_equal(audit_init(ring_mem, 128), -EINVAL);
	assert_int_equal(audit_init(ring_mem, min - 1), -EINVAL);
	assert_int_equal(audit_init(ring_mem, min), 0);
	assert_int_equal(ring_hdr()->capacity, 2 * AUDIT_DRAIN_MAX);
}

/* A second init is refused and leaves the first ring alone. */
static void test_init_twice(void **state)
{
	(void)state;
	assert_int_equal(audit_init(ring_mem, sizeof(ring_mem)), 0);
	fill(0, 3);
	audit_drain(1);
	assert_int_equal(audit_init(ring_mem, sizeof(ring_mem)), -EEXIST);
	assert_int_equal(ring_hdr()->produced, 3);
}

/* Header: "ARCAUDIT", 1023 slots for 16 pages, counters zero. */
static void test_header_after_init(void **state)
{
	const struct audit_ring_header *h = ring_hdr();
	size_t bytes = 0;

	(void)state;
	assert_int_equal(AUDIT_RING_BYTES, 65536);
	assert_memory_equal(ring_mem, "ARCAUDIT", 8);
	assert_int_equal(h->magic, 0x5449445541435241ull);
	assert_int_equal(h->write_index, 0);
	assert_int_equal(h->capacity, 1023);
	assert_int_equal(h->produced, 0);
	assert_int_equal(h->dropped, 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(h->zero[i], 0);
	assert_ptr_equal(audit_ring(&bytes), ring_mem);
	assert_int_equal(bytes, AUDIT_RING_BYTES);
	assert_int_equal(offsetof(struct audit_ring_header, dropped), 32);
}

/* init clears whatever the pages held. */
static void test_init_clears_pages(void **state)
{
	(void)state;
	memset(ring_mem, 0xa5, sizeof(ring_mem));
	assert_int_equal(audit_init(ring_mem, sizeof(ring_mem)), 0);
	for (size_t i = 8; i < sizeof(ring_mem); i++)
		if (i < 16 || i >= 24)
			assert_int_equal(ring_mem[i], 0);
}

/* Capacity follows the size: (bytes - 64) / 64. */
static void test_capacity_other_size(void **state)
{
	(void)state;
	assert_int_equal(audit_init(ring_mem, 16384), 0);
	assert_int_equal(ring_hdr()->capacity, 255);
	fill(0, 100);
	drain_all(1);
	fill(0, 100);
	drain_all(1);
	fill(0, 100);
	drain_all(1);
	assert_int_equal(ring_hdr()->produced, 300);
	assert_int_equal(ring_hdr()->write_index, 300 % 255);
}

/* Without a ring the drain does nothing and keeps everything staged. */
static void test_drain_before_init(void **state)
{
	(void)state;
	fill(0, 10);
	assert_int_equal(audit_drain(1), 0);
	assert_int_equal(audit_staging_count(0), 10);
	assert_int_equal(STAT(written), 0);
}

/* A drain with nothing staged writes nothing. */
static void test_drain_empty(void **state)
{
	(void)state;
	assert_int_equal(audit_drain(1), 0);
	assert_int_equal(ring_hdr()->produced, 0);
	assert_int_equal(ring_hdr()->write_index, 0);
	assert_int_equal(STAT(drains), 1);
}

/* Events land in slots 0.. in order; the header follows. */
static void test_drain_writes_in_order(void **state)
{
	(void)state;
	fill(0, 7);
	assert_int_equal(audit_drain(1), 7);
	for (unsigned i = 0; i < 7; i++)
		assert_int_equal(ring_at(i)->arg[0], i);
	assert_int_equal(ring_hdr()->write_index, 7);
	assert_int_equal(ring_hdr()->produced, 7);
	assert_int_equal(ring_at(7)->kind, 0);
	assert_int_equal(ring_at(7)->sequence, 0);
}

/* At most 64 events per drain. */
static void test_drain_max_64(void **state)
{
	(void)state;
	fill(0, 100);
	assert_int_equal(audit_drain(1), 64);
	assert_int_equal(ring_hdr()->produced, 64);
	assert_int_equal(audit_staging_count(0), 36);
	assert_int_equal(audit_drain(1), 36);
	assert_int_equal(audit_drain(1), 0);
}

/* Two CPUs online: 32 each. */
static void test_share_two_cpus(void **state)
{
	(void)state;
	fill(0, 50);
	fill(1, 50);
	assert_int_equal(audit_drain(2), 64);
	assert_int_equal(count_from(0, 0, 64), 32);
	assert_int_equal(count_from(1, 0, 64), 32);
}

/* Three CPUs online: 64 / 3 = 21 each. */
static void test_share_three_cpus(void **state)
{
	(void)state;
	for (unsigned cpu = 0; cpu < 3; cpu++)
		fill(cpu, 40);
	assert_int_equal(audit_drain(3), 63);
	for (unsigned cpu = 0; cpu < 3; cpu++) {
		assert_int_equal(count_from(cpu, 0, 63), 21);
		assert_int_equal(audit_staging_count(cpu), 19);
	}
}

/* Sixteen CPUs online: 4 each. */
static void test_share_sixteen_cpus(void **state)
{
	(void)state;
	for (unsigned cpu = 0; cpu < 16; cpu++)
		fill(cpu, 10);
	assert_int_equal(audit_drain(16), 64);
	for (unsigned cpu = 0; cpu < 16; cpu++)
		assert_int_equal(audit_staging_count(cpu), 6);
}

/* More than 64 CPUs: the share is at least one, the batch still 64. */
static void test_share_at_least_one(void **state)
{
	(void)state;
	for (unsigned cpu = 0; cpu < FAKE_ARCH_CPUS; cpu++)
		fill(cpu, 3);
	assert_int_equal(audit_drain(100), FAKE_ARCH_CPUS);
	for (unsigned cpu = 0; cpu < FAKE_ARCH_CPUS; cpu++)
		assert_int_equal(audit_staging_count(cpu), 2);
}

/* A quiet CPU's share is not handed to a busy one (spec: per-CPU share). */
static void test_idle_share_not_redistributed(void **state)
{
	(void)state;
	fill(0, 50);
	assert_int_equal(audit_drain(2), 32);
	assert_int_equal(audit_staging_count(0), 18);
}

/* The CPU served first rotates from drain to drain. */
static void test_rotation(void **state)
{
	(void)state;
	fill(0, 40);
	fill(1, 40);
	audit_drain(2);
	assert_int_equal(ring_at(0)->subject, 100);
	assert_int_equal(ring_at(32)->subject, 101);
	audit_drain(2);
	assert_int_equal(ring_at(64)->subject, 101);
	assert_int_equal(ring_at(72)->subject, 100);
}

/* online_cpus 0 is taken as 1. */
static void test_online_zero(void **state)
{
	(void)state;
	fill(0, 70);
	assert_int_equal(audit_drain(0), 64);
}

/* CPUs at or above online_cpus are not drained. */
static void test_offline_cpus_not_drained(void **state)
{
	(void)state;
	fill(0, 2);
	fill(3, 5);
	assert_int_equal(audit_drain(2), 2);
	assert_int_equal(audit_staging_count(3), 5);
	assert_int_equal(audit_drain(4), 5);
}

/* A CPU with drops gets an AuditDropped first: 0 / 0 / count, CPU. */
static void test_dropped_event_first(void **state)
{
	const struct audit_event *e;

	(void)state;
	fill(1, AUDIT_STAGING_USABLE + 5);
	fake_ticks = 77;
	assert_int_equal(audit_drain(2), 32);
	e = ring_at(0);
	assert_int_equal(e->kind, AUDIT_DROPPED);
	assert_int_equal(e->flags, 0);
	assert_int_equal(e->subject, 0);
	assert_int_equal(e->object, 0);
	assert_int_equal(e->arg[0], 5);
	assert_int_equal(e->arg[1], 1);
	assert_int_equal(e->arg[2], 0);
	assert_int_equal(e->arg[3], 0);
	assert_int_equal(e->timestamp, 77);
	assert_int_equal(ring_at(1)->arg[0], 0);
	assert_int_equal(STAT(synthetic), 1);
}

/* The AuditDropped counts in the CPU's share and the 64 batch. */
static void test_dropped_counts_in_share(void **state)
{
	(void)state;
	fill(0, AUDIT_STAGING_USABLE + 3);
	fill(1, 40);
	assert_int_equal(audit_drain(2), 64);
	assert_int_equal(count_from(1, 0, 64), 32);
	assert_int_equal(audit_staging_count(0), 127 - 31);
}

/* Drops are reported once; later drains carry only events. */
static void test_dropped_reported_once(void **state)
{
	(void)state;
	fill(0, AUDIT_STAGING_USABLE + 2);
	drain_all(1);
	assert_int_equal(STAT(synthetic), 1);
	fill(0, 10);
	drain_all(1);
	assert_int_equal(STAT(synthetic), 1);
	assert_int_equal(ring_hdr()->produced, 1 + 127 + 10);
}

/* New drops after a report give a new report with only the new ones. */
static void test_new_drops_reported_as_delta(void **state)
{
	uint64_t p;

	(void)state;
	fill(0, AUDIT_STAGING_USABLE + 2);
	drain_all(1);
	p = ring_hdr()->produced;
	fill(0, AUDIT_STAGING_USABLE + 9);
	drain_all(1);
	assert_int_equal(ring_at(p)->kind, AUDIT_DROPPED);
	assert_int_equal(ring_at(p)->arg[0], 9);
	assert_int_equal(ring_hdr()->dropped, 11);
	assert_int_equal(STAT(synthetic), 2);
}

/* The header's dropped is the total over CPUs. */
static void test_header_dropped_total(void **state)
{
	(void)state;
	fill(0, AUDIT_STAGING_USABLE + 4);
	fill(2, AUDIT_STAGING_USABLE + 6);
	audit_drain(3);
	assert_int_equal(ring_hdr()->dropped, 10);
}

/* Overflow before the ring existed is reported once draining starts. */
static void test_early_overflow_reported(void **state)
{
	(void)state;
	fill(0, AUDIT_STAGING_USABLE + 8);
	assert_int_equal(audit_init(ring_mem, sizeof(ring_mem)), 0);
	assert_int_equal(ring_hdr()->dropped, 8);
	audit_drain(1);
	assert_int_equal(ring_at(0)->kind, AUDIT_DROPPED);
	assert_int_equal(ring_at(0)->arg[0], 8);
}

/* After 1023 + 10 events the write index is 10 and the counter 1033. */
static void test_ring_wrap(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 1033; i++) {
		audit_emit(AUDIT_CAPABILITY_DENIED, 1, 2, i, 0, 0, 0);
		if (audit_staging_count(0) == 64)
			audit_drain(1);
	}
	drain_all(1);
	assert_int_equal(ring_hdr()->produced, 1033);
	assert_int_equal(ring_hdr()->write_index, 10);
	assert_int_equal(ring_hdr()->capacity, 1023);
}

/* Overwriting keeps the newest 1023 events. */
static void test_overwrite_keeps_newest(void **state)
{
	const struct audit_event *slots =
	    (const struct audit_event *)(ring_mem + AUDIT_RING_HEADER_SIZE);

	(void)state;
	for (unsigned i = 0; i < 2000; i++) {
		audit_emit(AUDIT_CAPABILITY_DENIED, 1, 2, i, 0, 0, 0);
		if (audit_staging_count(0) == 64)
			audit_drain(1);
	}
	drain_all(1);
	/* Slot s holds the newest position p with p % 1023 == s. */
	for (unsigned s = 0; s < 1023; s++) {
		uint64_t p = s + 1023 * ((2000 - 1 - s) / 1023);

		assert_int_equal(slots[s].arg[0], p);
	}
}

/* produced counts the synthetic events too. */
static void test_produced_counts_synthetic(void **state)
{
	(void)state;
	fill(0, AUDIT_STAGING_USABLE + 1);
	drain_all(1);
	assert_int_equal(ring_hdr()->produced, 128);
	assert_int_equal(STAT(written), 128);
}

static unsigned nested_drain_result = 99;

static void hook_nested_drain(void)
{
	nested_drain_result = audit_drain(1);
}

/* The drain takes its lock with a try-lock: a second drain returns 0. */
static void test_drain_try_lock(void **state)
{
	(void)state;
	/* A drop makes the drain call time_ticks(), where the hook runs. */
	fill(0, AUDIT_STAGING_USABLE + 1);
	fake_tick_hook = hook_nested_drain;
	assert_int_equal(audit_drain(1), 64);
	assert_int_equal(nested_drain_result, 0);
	assert_int_equal(STAT(drain_busy), 1);
	assert_int_equal(STAT(drains), 1);
	/* The lock was released: the next drain works. */
	assert_int_equal(audit_drain(1), 64);
}

/* Only one consumer attaches, ever (AuditAttach: second one gets -1). */
static void test_attach_once(void **state)
{
	(void)state;
	assert_int_equal(audit_attach_begin(), 0);
	assert_int_equal(audit_attach_begin(), -EINVAL);
	audit_attach_commit(0x100000004ull);
	assert_int_equal(audit_attach_begin(), -EINVAL);
	assert_int_equal(STAT(consumer), 0x100000004ull);
	/* An abort after the commit changes nothing. */
	audit_attach_abort();
	assert_int_equal(audit_attach_begin(), -EINVAL);
	assert_int_equal(STAT(consumer), 0x100000004ull);
}

/* A claim whose mapping failed is given back; the next attach works. */
static void test_attach_abort_allows_retry(void **state)
{
	struct audit_info info;

	(void)state;
	assert_int_equal(audit_attach_begin(), 0);
	audit_info(&info, 1);
	assert_int_equal(info.consumer_attached, 0);
	audit_attach_abort();
	assert_int_equal(audit_attach_begin(), 0);
	audit_attach_commit(5);
	audit_info(&info, 1);
	assert_int_equal(info.consumer_attached, 1);
}

/* Nothing to attach to before init. */
static void test_attach_before_init(void **state)
{
	(void)state;
	assert_int_equal(audit_attach_begin(), -ENODEV);
	assert_int_equal(audit_init(ring_mem, sizeof(ring_mem)), 0);
	assert_int_equal(audit_attach_begin(), 0);
}

/* AuditInfo: every field of the 48-byte record. */
static void test_info_record(void **state)
{
	struct audit_info info;
	const uint8_t *raw = (const uint8_t *)&info;

	(void)state;
	fill(0, AUDIT_STAGING_USABLE + 2);
	audit_drain(4);
	fill(1, 3);
	fill(2, 1);
	fill(3, 20);
	assert_int_equal(audit_attach_begin(), 0);
	audit_attach_commit(7);
	memset(&info, 0xee, sizeof(info));
	audit_info(&info, 4);
	assert_int_equal(sizeof(info), 48);
	assert_int_equal(info.produced, 16);
	assert_int_equal(info.dropped, 2);
	assert_int_equal(info.capacity, 1023);
	assert_int_equal(info.consumer_attached, 1);
	assert_int_equal(info.online_cpus, 4);
	assert_int_equal(info.staging[0], 127 - 15);
	assert_int_equal(info.staging[1], 3);
	assert_int_equal(info.staging[2], 1);
	assert_int_equal(info.staging[3], 20);
	for (unsigned i = 21; i < 24; i++)
		assert_int_equal(raw[i], 0);
	for (unsigned i = 44; i < 48; i++)
		assert_int_equal(raw[i], 0);
}

/* AuditInfo before the ring: capacity 0, staged events visible. */
static void test_info_before_init(void **state)
{
	struct audit_info info;

	(void)state;
	fill(0, 4);
	audit_info(&info, 1);
	assert_int_equal(info.produced, 0);
	assert_int_equal(info.capacity, 0);
	assert_int_equal(info.consumer_attached, 0);
	assert_int_equal(info.staging[0], 4);
}

/* The ring region for the read-only mapping. */
static void test_ring_region(void **state)
{
	size_t bytes = 1;

	(void)state;
	assert_null(audit_ring(&bytes));
	assert_int_equal(bytes, 0);
	assert_int_equal(audit_init(ring_mem, sizeof(ring_mem)), 0);
	assert_ptr_equal(audit_ring(&bytes), ring_mem);
	assert_int_equal(bytes, sizeof(ring_mem));
	assert_ptr_equal(audit_ring(NULL), ring_mem);
}

/* The reader's rule: a slot is stable while a full batch cannot reach it. */
static void test_reader_stability_rule(void **state)
{
	(void)state;
	/* Newest event, nothing in flight beyond one batch: stable. */
	assert_true(audit_ring_slot_stable(999, 1023, 1000));
	/* Oldest retained position is at risk from the next batch. */
	assert_false(audit_ring_slot_stable(1000, 1023, 2000));
	assert_true(audit_ring_slot_stable(1041, 1023, 2000));
	assert_false(audit_ring_slot_stable(1040, 1023, 2000));
}

/*
 * Model check: random emits on random CPUs, random drains.  Every
 * sequence number is accounted for exactly once, in the ring or as a
 * drop; each CPU's events keep their order; the header stays consistent;
 * no batch exceeds 64.
 */
static void test_random_model(void **state)
{
	enum { MAXSEQ = 60000 };
	static uint8_t seen[MAXSEQ];
	uint64_t last_tag[FAKE_ARCH_CPUS], next_tag[FAKE_ARCH_CPUS] = {0};
	uint64_t pos = 0, ring_events = 0, dropped = 0, emitted = 0;

	(void)state;
	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < FAKE_ARCH_CPUS; i++)
		last_tag[i] = UINT64_MAX;
	srand(1234);
	while (emitted < 40000) {
		unsigned online = 1 + (unsigned)rand() % FAKE_ARCH_CPUS;
		unsigned k = (unsigned)rand() % 120;

		for (unsigned i = 0; i < k; i++) {
			unsigned cpu = (unsigned)rand() % online;

			emit_on(cpu, AUDIT_CAPABILITY_DENIED, next_tag[cpu]++);
			emitted++;
		}
		fake_arch_set_cpu(0);

		unsigned n = audit_drain(online);
		const struct audit_ring_header *h = ring_hdr();

		assert_true(n <= AUDIT_DRAIN_MAX);
		assert_int_equal(h->write_index, h->produced % h->capacity);
		for (; pos < h->produced; pos++) {
			const struct audit_event *e = ring_at(pos);

			assert_true(e->sequence < MAXSEQ);
			assert_int_equal(seen[e->sequence], 0);
			seen[e->sequence] = 1;
			if (e->kind == AUDIT_DROPPED) {
				dropped += e->arg[0];
				continue;
			}
			ring_events++;

			unsigned cpu = (unsigned)(e->subject - 100);

			assert_true(last_tag[cpu] == UINT64_MAX ||
				    e->arg[0] > last_tag[cpu]);
			last_tag[cpu] = e->arg[0];
		}
	}
	/* Read after every drain: 16 full staging rings exceed the ring. */
	while (audit_drain(FAKE_ARCH_CPUS) != 0) {
		for (; pos < ring_hdr()->produced; pos++) {
			const struct audit_event *e = ring_at(pos);

			seen[e->sequence] = 1;
			if (e->kind == AUDIT_DROPPED)
				dropped += e->arg[0];
			else
				ring_events++;
		}
	}
	assert_int_equal(ring_events + dropped, emitted);
	assert_int_equal(dropped, ring_hdr()->dropped);
	assert_true(dropped > 0);
	/* Every number handed out is in the ring or was a drop. */
	{
		uint64_t numbers = 0;

		for (unsigned s = 1; s < MAXSEQ; s++)
			numbers += seen[s];
		assert_int_equal(numbers + dropped, emitted + STAT(synthetic));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_init_rejects_null, audit_setup),
	    cmocka_unit_test_setup(test_init_rejects_misaligned, audit_setup),
	    cmocka_unit_test_setup(test_init_rejects_small, audit_setup),
	    cmocka_unit_test_setup(test_init_twice, audit_setup),
	    cmocka_unit_test_setup(test_header_after_init, audit_setup_ring),
	    cmocka_unit_test_setup(test_init_clears_pages, audit_setup),
	    cmocka_unit_test_setup(test_capacity_other_size, audit_setup),
	    cmocka_unit_test_setup(test_drain_before_init, audit_setup),
	    cmocka_unit_test_setup(test_drain_empty, audit_setup_ring),
	    cmocka_unit_test_setup(test_drain_writes_in_order,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_drain_max_64, audit_setup_ring),
	    cmocka_unit_test_setup(test_share_two_cpus, audit_setup_ring),
	    cmocka_unit_test_setup(test_share_three_cpus, audit_setup_ring),
	    cmocka_unit_test_setup(test_share_sixteen_cpus, audit_setup_ring),
	    cmocka_unit_test_setup(test_share_at_least_one, audit_setup_ring),
	    cmocka_unit_test_setup(test_idle_share_not_redistributed,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_rotation, audit_setup_ring),
	    cmocka_unit_test_setup(test_online_zero, audit_setup_ring),
	    cmocka_unit_test_setup(test_offline_cpus_not_drained,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_dropped_event_first, audit_setup_ring),
	    cmocka_unit_test_setup(test_dropped_counts_in_share,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_dropped_reported_once,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_new_drops_reported_as_delta,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_header_dropped_total, audit_setup_ring),
	    cmocka_unit_test_setup(test_early_overflow_reported, audit_setup),
	    cmocka_unit_test_setup(test_ring_wrap, audit_setup_ring),
	    cmocka_unit_test_setup(test_overwrite_keeps_newest,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_produced_counts_synthetic,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_drain_try_lock, audit_setup_ring),
	    cmocka_unit_test_setup(test_attach_once, audit_setup_ring),
	    cmocka_unit_test_setup(test_attach_abort_allows_retry,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_attach_before_init, audit_setup),
	    cmocka_unit_test_setup(test_info_record, audit_setup_ring),
	    cmocka_unit_test_setup(test_info_before_init, audit_setup),
	    cmocka_unit_test_setup(test_ring_region, audit_setup),
	    cmocka_unit_test_setup(test_reader_stability_rule, audit_setup),
	    cmocka_unit_test_setup(test_random_model, audit_setup_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
