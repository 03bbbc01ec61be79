/*
 * tests/unit/audit_staging_test.c - audit events and the per-CPU staging
 * rings (spec kernel.md §3): event layout and fields, sequence numbers,
 * SPSC push/drain and wrap-around, overflow and drop counting, sampling of
 * IPC events 1 in 100 with separate counters, events from several CPUs,
 * interrupt state, nested emits, events before audit_init().
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

/* The event is 64 bytes with the spec's offsets; the kinds are the spec's. */
static void test_event_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct audit_event), 64);
	assert_int_equal(offsetof(struct audit_event, kind), 0);
	assert_int_equal(offsetof(struct audit_event, flags), 1);
	assert_int_equal(offsetof(struct audit_event, zero), 2);
	assert_int_equal(offsetof(struct audit_event, sequence), 4);
	assert_int_equal(offsetof(struct audit_event, timestamp), 8);
	assert_int_equal(offsetof(struct audit_event, subject), 16);
	assert_int_equal(offsetof(struct audit_event, object), 24);
	assert_int_equal(offsetof(struct audit_event, arg), 32);
	assert_int_equal(AUDIT_CAPABILITY_GRANTED, 0);
	assert_int_equal(AUDIT_IPC_SEND, 3);
	assert_int_equal(AUDIT_CHANNEL_CLOSED, 7);
	assert_int_equal(AUDIT_POLICY_QUERY, 13);
	assert_int_equal(AUDIT_DROPPED, 15);
	assert_int_equal(AUDIT_KIND_COUNT, 16);
}

/* Every kind has the spec's name; unknown kinds print as "?". */
static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(audit_kind_name(AUDIT_CAPABILITY_GRANTED),
			    "CapabilityGranted");
	assert_string_equal(audit_kind_name(AUDIT_CAPABILITY_DENIED),
			    "CapabilityDenied");
	assert_string_equal(audit_kind_name(AUDIT_IPC_RECV), "IpcRecv");
	assert_string_equal(audit_kind_name(AUDIT_CHANNEL_ATTACHED),
			    "ChannelAttached");
	assert_string_equal(audit_kind_name(AUDIT_PROCESS_TERMINATED),
			    "ProcessTerminated");
	assert_string_equal(audit_kind_name(AUDIT_DROPPED), "AuditDropped");
	assert_string_equal(audit_kind_name(16), "?");
	assert_string_equal(audit_kind_name(255), "?");
	for (unsigned k = 0; k < AUDIT_KIND_COUNT; k++)
		assert_string_not_equal(audit_kind_name(k), "?");
}

/* Before audit_init() an event is staged and counted, not lost. */
static void test_emit_before_init_is_staged(void **state)
{
	(void)state;
	assert_null(audit_ring(NULL));
	audit_emit(AUDIT_PROCESS_CREATED, 3, 0, 0, 0, 0, 0);
	assert_int_equal(audit_staging_count(0), 1);
	assert_int_equal(STAT(emitted), 1);
	assert_int_equal(STAT(dropped), 0);
}

/* Boot-time events wait in staging and reach the ring after init. */
static void test_early_events_reach_ring(void **state)
{
	(void)state;
	fake_ticks = 0;
	for (unsigned i = 0; i < 5; i++)
		audit_emit(AUDIT_BINARY_LOADED, 0, 0, 1000 + i, 0, 0, 0);
	assert_int_equal(audit_drain(1), 0);
	assert_int_equal(audit_staging_count(0), 5);
	assert_int_equal(audit_init(ring_mem, sizeof(ring_mem)), 0);
	assert_int_equal(audit_drain(1), 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(ring_at(i)->kind, AUDIT_BINARY_LOADED);
		assert_int_equal(ring_at(i)->arg[0], 1000 + i);
	}
	assert_int_equal(audit_staging_count(0), 0);
}

/* An event carries exactly what was passed, the tick and no flags. */
static void test_event_fields(void **state)
{
	const struct audit_event *e;

	(void)state;
	fake_ticks = 340;
	audit_emit(AUDIT_CAPABILITY_GRANTED, 0x100000005ull, 24, 7, 0x0f,
		   0xdead, 0xbeef);
	assert_int_equal(audit_drain(1), 1);
	e = ring_at(0);
	assert_int_equal(e->kind, AUDIT_CAPABILITY_GRANTED);
	assert_int_equal(e->flags, 0);
	assert_int_equal(e->zero[0], 0);
	assert_int_equal(e->zero[1], 0);
	assert_int_equal(e->timestamp, 340);
	assert_int_equal(e->subject, 0x100000005ull);
	assert_int_equal(e->object, 24);
	assert_int_equal(e->arg[0], 7);
	assert_int_equal(e->arg[1], 0x0f);
	assert_int_equal(e->arg[2], 0xdead);
	assert_int_equal(e->arg[3], 0xbeef);
}

/* Sequence numbers start at 1 and increase by one per event (no more 0). */
static void test_sequence_increments(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 10; i++)
		audit_emit(AUDIT_SYSCALL_DENIED, 5, 0, i, 0, 0, 0);
	assert_int_equal(audit_drain(1), 10);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(ring_at(i)->sequence, i + 1);
}

/* Each event is stamped with the tick current at its emission. */
static void test_timestamp_per_event(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		fake_ticks = 10 * i + 3;
		audit_emit(AUDIT_CAPABILITY_DENIED, 5, 24, 0, 0, 0, 0);
	}
	fake_ticks = 999;
	assert_int_equal(audit_drain(1), 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(ring_at(i)->timestamp, 10 * i + 3);
}

/* A staging ring holds 127 events (128 slots, one kept empty). */
static void test_staging_holds_127(void **state)
{
	(void)state;
	for (unsigned i = 0; i < AUDIT_STAGING_USABLE; i++)
		audit_emit(AUDIT_CAPABILITY_DENIED, 5, 24, i, 0, 0, 0);
	assert_int_equal(audit_staging_count(0), 127);
	assert_int_equal(STAT(dropped), 0);
	audit_emit(AUDIT_CAPABILITY_DENIED, 5, 24, 127, 0, 0, 0);
	assert_int_equal(audit_staging_count(0), 127);
	assert_int_equal(STAT(dropped), 1);
	assert_int_equal(STAT(emitted), 127);
}

/* Every event that finds the ring full is one drop, globally and per CPU. */
static void test_overflow_counts_each_drop(void **state)
{
	struct audit_info info;

	(void)state;
	for (unsigned i = 0; i < AUDIT_STAGING_USABLE + 10; i++)
		audit_emit(AUDIT_CAPABILITY_DENIED, 5, 24, i, 0, 0, 0);
	assert_int_equal(STAT(dropped), 10);
	audit_info(&info, 1);
	assert_int_equal(info.dropped, 10);
	assert_int_equal(info.staging[0], 127);
	/* The report carries the CPU's own count. */
	drain_all(1);
	assert_int_equal(ring_at(0)->kind, AUDIT_DROPPED);
	assert_int_equal(ring_at(0)->arg[0], 10);
	assert_int_equal(ring_at(0)->arg[1], 0);
}

/* Dropped events still consume a sequence number: the gap shows the loss. */
static void test_sequence_gap_marks_drop(void **state)
{
	(void)state;
	for (unsigned i = 0; i < AUDIT_STAGING_USABLE + 3; i++)
		audit_emit(AUDIT_CAPABILITY_DENIED, 5, 24, i, 0, 0, 0);
	drain_all(1);
	audit_emit(AUDIT_CAPABILITY_DENIED, 5, 24, 999, 0, 0, 0);
	drain_all(1);
	/* Ring: AuditDropped, 127 events (seq 1..127), then seq 131. */
	assert_int_equal(ring_at(127)->sequence, 127);
	assert_int_equal(ring_at(128)->arg[0], 999);
	/* 128..130 lost, the AuditDropped took 131. */
	assert_int_equal(ring_at(0)->sequence, 131);
	assert_int_equal(ring_at(128)->sequence, 132);
}

/* After a drain the ring is reusable: a second full load fits again. */
static void test_staging_reusable_after_drain(void **state)
{
	(void)state;
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < AUDIT_STAGING_USABLE; i++)
			audit_emit(AUDIT_CAPABILITY_DENIED, 5, 24, i, 0, 0, 0);
		assert_int_equal(audit_staging_count(0), 127);
		assert_int_equal(drain_all(1), 127);
		assert_int_equal(audit_staging_count(0), 0);
	}
	assert_int_equal(STAT(dropped), 0);
}

/* Push/drain in uneven steps wraps the indexes many times, in order. */
static void test_spsc_wrap_preserves_order(void **state)
{
	uint64_t next_tag = 0, read_pos = 0, expect = 0;

	(void)state;
	srand(7);
	for (unsigned round = 0; round < 400; round++) {
		unsigned k = (unsigned)rand() % 70;

		for (unsigned i = 0; i < k; i++)
			audit_emit(AUDIT_CAPABILITY_DENIED, 1, 2, next_tag++, 0,
				   0, 0);
		audit_drain(1);
		for (; read_pos < ring_hdr()->produced; read_pos++)
			assert_int_equal(ring_at(read_pos)->arg[0], expect++);
	}
	drain_all(1);
	for (; read_pos < ring_hdr()->produced; read_pos++)
		assert_int_equal(ring_at(read_pos)->arg[0], expect++);
	assert_int_equal(expect, next_tag);
	assert_true(next_tag > 10 * AUDIT_STAGING_SLOTS);
	assert_int_equal(STAT(dropped), 0);
}

/* 1000 IPC sends keep 10, each flagged as sampled. */
static void test_ipc_send_sampled_1_in_100(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 1000; i++)
		audit_emit(AUDIT_IPC_SEND, 5, 16, i, 0, 0, 0);
	assert_int_equal(audit_staging_count(0), 10);
	assert_int_equal(drain_all(1), 10);
	for (unsigned i = 0; i < 10; i++) {
		assert_int_equal(ring_at(i)->kind, AUDIT_IPC_SEND);
		assert_int_equal(ring_at(i)->flags, AUDIT_FLAG_SAMPLED);
		assert_int_equal(ring_at(i)->arg[0], 100 * i);
	}
	/* Sampled-out events are not drops. */
	assert_int_equal(STAT(dropped), 0);
}

/* The first IPC event is always recorded: a quiet system stays visible. */
static void test_first_ipc_event_kept(void **state)
{
	(void)state;
	audit_emit(AUDIT_IPC_RECV, 5, 16, 42, 0, 0, 0);
	assert_int_equal(audit_staging_count(0), 1);
	audit_emit(AUDIT_IPC_RECV, 5, 16, 43, 0, 0, 0);
	assert_int_equal(audit_staging_count(0), 1);
}

/* Receives have their own counter: sends do not advance it. */
static void test_ipc_recv_separate_counter(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 99; i++)
		audit_emit(AUDIT_IPC_SEND, 5, 16, i, 0, 0, 0);
	/* One send kept (the first); the first receive is kept too. */
	audit_emit(AUDIT_IPC_RECV, 6, 16, 7, 0, 0, 0);
	assert_int_equal(audit_staging_count(0), 2);
	/* The 100th send starts a new period of the send counter only. */
	audit_emit(AUDIT_IPC_SEND, 5, 16, 99, 0, 0, 0);
	assert_int_equal(audit_staging_count(0), 2);
	audit_emit(AUDIT_IPC_SEND, 5, 16, 100, 0, 0, 0);
	assert_int_equal(audit_staging_count(0), 3);
	drain_all(1);
	assert_int_equal(ring_at(1)->kind, AUDIT_IPC_RECV);
	assert_int_equal(ring_at(1)->flags, AUDIT_FLAG_SAMPLED);
}

/* Alternating sends and receives: 200 of each keep 2 of each. */
static void test_interleaved_send_recv_counters(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 200; i++) {
		audit_emit(AUDIT_IPC_SEND, 5, 16, i, 0, 0, 0);
		audit_emit(AUDIT_IPC_RECV, 6, 16, i, 0, 0, 0);
	}
	assert_int_equal(STAT(ipc_send_seen), 200);
	assert_int_equal(STAT(ipc_send_kept), 2);
	assert_int_equal(STAT(ipc_recv_seen), 200);
	assert_int_equal(STAT(ipc_recv_kept), 2);
	assert_int_equal(audit_staging_count(0), 4);
}

/* Sampling counts per CPU: each CPU records its own first event. */
static void test_sampling_per_cpu(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 50; i++) {
		emit_on(0, AUDIT_IPC_SEND, i);
		emit_on(1, AUDIT_IPC_SEND, i);
	}
	assert_int_equal(audit_staging_count(0), 1);
	assert_int_equal(audit_staging_count(1), 1);
	assert_int_equal(STAT(ipc_send_seen), 100);
	assert_int_equal(STAT(ipc_send_kept), 2);
}

/* No other kind is sampled, PolicyQuery included (docs/audit.md). */
static void test_other_kinds_not_sampled(void **state)
{
	static const enum audit_kind kinds[] = {
	    AUDIT_CAPABILITY_GRANTED, AUDIT_CAPABILITY_REVOKED,
	    AUDIT_CAPABILITY_DENIED,  AUDIT_CHANNEL_CREATED,
	    AUDIT_CHANNEL_ATTACHED,   AUDIT_CHANNEL_CLOSED,
	    AUDIT_SYSCALL_DENIED,     AUDIT_BINARY_LOADED,
	    AUDIT_BINARY_REJECTED,    AUDIT_PROCESS_CREATED,
	    AUDIT_PROCESS_TERMINATED, AUDIT_POLICY_QUERY,
	    AUDIT_ANOMALY_HOOK,
	};
	uint64_t n = 0;

	(void)state;
	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (unsigned i = 0; i < 9; i++)
			audit_emit(kinds[k], 1, 2, i, 0, 0, 0);
		n += 9;
	}
	assert_int_equal(audit_staging_count(0), n);
	drain_all(1);
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(ring_at(i)->kind, kinds[i / 9]);
		assert_int_equal(ring_at(i)->flags, 0);
	}
}

/* Unknown kinds are ignored and counted, never staged. */
static void test_invalid_kind_ignored(void **state)
{
	(void)state;
	audit_emit((enum audit_kind)16, 1, 2, 3, 4, 5, 6);
	audit_emit((enum audit_kind)255, 1, 2, 3, 4, 5, 6);
	audit_emit((enum audit_kind) - 1, 1, 2, 3, 4, 5, 6);
	assert_int_equal(audit_staging_count(0), 0);
	assert_int_equal(STAT(invalid), 3);
	assert_int_equal(STAT(dropped), 0);
}

/* AuditDropped is the drain's alone: an emitter cannot forge one. */
static void test_dropped_kind_reserved(void **state)
{
	(void)state;
	audit_emit(AUDIT_DROPPED, 0, 0, 1000, 0, 0, 0);
	assert_int_equal(audit_staging_count(0), 0);
	assert_int_equal(STAT(invalid), 1);
	assert_int_equal(drain_all(1), 0);
}

/* Each CPU stages in its own ring; AuditInfo shows CPUs 0..3. */
static void test_per_cpu_staging_separate(void **state)
{
	static const unsigned per_cpu[4] = {3, 5, 0, 7};
	struct audit_info info;

	(void)state;
	for (unsigned cpu = 0; cpu < 4; cpu++)
		for (unsigned i = 0; i < per_cpu[cpu]; i++)
			emit_on(cpu, AUDIT_CAPABILITY_DENIED, i);
	audit_info(&info, 4);
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		assert_int_equal(info.staging[cpu], per_cpu[cpu]);
		assert_int_equal(audit_staging_count(cpu), per_cpu[cpu]);
	}
}

/* CPUs above 3 stage too; only the statistics show them. */
static void test_high_cpus_stage(void **state)
{
	struct audit_info info;

	(void)state;
	for (unsigned i = 0; i < 6; i++)
		emit_on(FAKE_ARCH_CPUS - 1, AUDIT_CAPABILITY_DENIED, i);
	audit_info(&info, FAKE_ARCH_CPUS);
	for (unsigned cpu = 0; cpu < 4; cpu++)
		assert_int_equal(info.staging[cpu], 0);
	assert_int_equal(audit_staging_count(FAKE_ARCH_CPUS - 1), 6);
	assert_int_equal(STAT(pending), 6);
	assert_int_equal(audit_staging_count(100000), 0);
	assert_int_equal(drain_all(FAKE_ARCH_CPUS), 6);
	assert_int_equal(ring_at(0)->subject, 100 + FAKE_ARCH_CPUS - 1);
}

/* One CPU's full ring does not stop another CPU. */
static void test_full_staging_is_per_cpu(void **state)
{
	(void)state;
	for (unsigned i = 0; i < AUDIT_STAGING_USABLE + 5; i++)
		emit_on(0, AUDIT_CAPABILITY_DENIED, i);
	emit_on(1, AUDIT_CAPABILITY_DENIED, 0);
	assert_int_equal(audit_staging_count(0), 127);
	assert_int_equal(audit_staging_count(1), 1);
	assert_int_equal(STAT(dropped), 5);
}

/*
 * Events emitted on four CPUs in random order: every one reaches the
 * ring exactly once, each CPU's in emission order.
 */
static void test_interleaved_cpus_keep_per_cpu_order(void **state)
{
	uint64_t next[4] = {0}, seen[4] = {0}, pos = 0;
	unsigned total = 0;

	(void)state;
	srand(11);
	for (unsigned round = 0; round < 200; round++) {
		unsigned k = (unsigned)rand() % 40;

		for (unsigned i = 0; i < k; i++) {
			unsigned cpu = (unsigned)rand() % 4;

			emit_on(cpu, AUDIT_CAPABILITY_DENIED, next[cpu]++);
			total++;
		}
		fake_arch_set_cpu(0);
		audit_drain(4);
		for (; pos < ring_hdr()->produced; pos++) {
			const struct audit_event *e = ring_at(pos);
			unsigned cpu = (unsigned)(e->subject - 100);

			assert_true(cpu < 4);
			assert_int_equal(e->arg[0], seen[cpu]++);
		}
	}
	drain_all(4);
	for (; pos < ring_hdr()->produced; pos++) {
		const struct audit_event *e = ring_at(pos);
		unsigned cpu = (unsigned)(e->subject - 100);

		assert_int_equal(e->arg[0], seen[cpu]++);
	}
	for (unsigned cpu = 0; cpu < 4; cpu++)
		assert_int_equal(seen[cpu], next[cpu]);
	assert_int_equal(STAT(dropped), 0);
	assert_int_equal(ring_hdr()->produced, total);
}

/* Emit leaves the interrupt state as it found it. */
static void test_irq_state_restored(void **state)
{
	(void)state;
	assert_true(arch_irq_enabled());
	audit_emit(AUDIT_CAPABILITY_DENIED, 1, 2, 0, 0, 0, 0);
	assert_true(arch_irq_enabled());
	arch_irq_disable();
	audit_emit(AUDIT_CAPABILITY_DENIED, 1, 2, 0, 0, 0, 0);
	assert_false(arch_irq_enabled());
	arch_irq_enable();
	/* Also on the drop and invalid paths. */
	for (unsigned i = 0; i < AUDIT_STAGING_SLOTS; i++)
		audit_emit(AUDIT_CAPABILITY_DENIED, 1, 2, 0, 0, 0, 0);
	assert_true(arch_irq_enabled());
	audit_emit((enum audit_kind)99, 1, 2, 0, 0, 0, 0);
	assert_true(arch_irq_enabled());
}

static bool irq_seen_on;

static void hook_check_irq(void)
{
	irq_seen_on = arch_irq_enabled();
}

/* The push runs with interrupts off, so a handler cannot interleave. */
static void test_push_runs_with_irqs_off(void **state)
{
	(void)state;
	irq_seen_on = true;
	fake_tick_hook = hook_check_irq;
	audit_emit(AUDIT_CAPABILITY_DENIED, 1, 2, 0, 0, 0, 0);
	assert_false(irq_seen_on);
	assert_true(arch_irq_enabled());
}

static void hook_nested_emit(void)
{
	audit_emit(AUDIT_ANOMALY_HOOK, 9, 9, 9, 9, 9, 9);
}

/* An emit nested in another on the same CPU (an NMI) drops, counted. */
static void test_nested_emit_dropped(void **state)
{
	(void)state;
	fake_tick_hook = hook_nested_emit;
	audit_emit(AUDIT_CAPABILITY_DENIED, 1, 2, 0, 0, 0, 0);
	assert_int_equal(audit_staging_count(0), 1);
	assert_int_equal(STAT(dropped), 1);
	assert_int_equal(STAT(dropped_nested), 1);
	/* The next drain reports it before the surviving event. */
	assert_int_equal(drain_all(1), 2);
	assert_int_equal(ring_at(0)->kind, AUDIT_DROPPED);
	assert_int_equal(ring_at(0)->arg[0], 1);
	assert_int_equal(ring_at(1)->kind, AUDIT_CAPABILITY_DENIED);
	/* The guard is released: later emits work. */
	audit_emit(AUDIT_CAPABILITY_DENIED, 1, 2, 0, 0, 0, 0);
	assert_int_equal(audit_staging_count(0), 1);
}

static void hook_emit_other_cpu(void)
{
	/* Another CPU is not nested: its own ring, accepted. */
	fake_arch_set_cpu(2);
	audit_emit(AUDIT_ANOMALY_HOOK, 9, 9, 9, 9, 9, 9);
	fake_arch_set_cpu(0);
}

/* The nesting guard is per CPU: other CPUs emit concurrently. */
static void test_concurrent_cpus_not_nested(void **state)
{
	(void)state;
	fake_tick_hook = hook_emit_other_cpu;
	audit_emit(AUDIT_CAPABILITY_DENIED, 1, 2, 0, 0, 0, 0);
	assert_int_equal(audit_staging_count(0), 1);
	assert_int_equal(audit_staging_count(2), 1);
	assert_int_equal(STAT(dropped), 0);
}

/* Statistics add up: staged + dropped = emitted that survived sampling. */
static void test_stats_add_up(void **state)
{
	struct audit_stats s;

	(void)state;
	for (unsigned i = 0; i < 300; i++)
		emit_on(i % 2, AUDIT_CAPABILITY_DENIED, i);
	for (unsigned i = 0; i < 250; i++)
		emit_on(3, AUDIT_IPC_RECV, i);
	audit_stats(&s);
	assert_int_equal(s.emitted, 127 + 127 + 3);
	assert_int_equal(s.dropped, 300 - 254);
	assert_int_equal(s.ipc_recv_seen, 250);
	assert_int_equal(s.ipc_recv_kept, 3);
	assert_int_equal(s.pending, 257);
	assert_int_equal(s.written, 0);
	assert_int_equal(s.consumer, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_event_layout, audit_setup),
	    cmocka_unit_test_setup(test_kind_names, audit_setup),
	    cmocka_unit_test_setup(test_emit_before_init_is_staged,
				   audit_setup),
	    cmocka_unit_test_setup(test_early_events_reach_ring, audit_setup),
	    cmocka_unit_test_setup(test_event_fields, audit_setup_ring),
	    cmocka_unit_test_setup(test_sequence_increments, audit_setup_ring),
	    cmocka_unit_test_setup(test_timestamp_per_event, audit_setup_ring),
	    cmocka_unit_test_setup(test_staging_holds_127, audit_setup),
	    cmocka_unit_test_setup(test_overflow_counts_each_drop,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_sequence_gap_marks_drop,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_staging_reusable_after_drain,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_spsc_wrap_preserves_order,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_ipc_send_sampled_1_in_100,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_first_ipc_event_kept, audit_setup),
	    cmocka_unit_test_setup(test_ipc_recv_separate_counter,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_interleaved_send_recv_counters,
				   audit_setup),
	    cmocka_unit_test_setup(test_sampling_per_cpu, audit_setup),
	    cmocka_unit_test_setup(test_other_kinds_not_sampled,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_invalid_kind_ignored, audit_setup),
	    cmocka_unit_test_setup(test_dropped_kind_reserved,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_per_cpu_staging_separate, audit_setup),
	    cmocka_unit_test_setup(test_high_cpus_stage, audit_setup_ring),
	    cmocka_unit_test_setup(test_full_staging_is_per_cpu, audit_setup),
	    cmocka_unit_test_setup(test_interleaved_cpus_keep_per_cpu_order,
				   audit_setup_ring),
	    cmocka_unit_test_setup(test_irq_state_restored, audit_setup),
	    cmocka_unit_test_setup(test_push_runs_with_irqs_off, audit_setup),
	    cmocka_unit_test_setup(test_nested_emit_dropped, audit_setup_ring),
	    cmocka_unit_test_setup(test_concurrent_cpus_not_nested,
				   audit_setup),
	    cmocka_unit_test_setup(test_stats_add_up, audit_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
