/*
 * tests/unit/audit_testlib.h - helpers of the audit unit tests
 * (audit_staging_test.c, audit_ring_test.c): a fake time_ticks() with a
 * re-entry hook, the ring's storage, and reading events back.
 *
 * Include from exactly one file of a test binary (it defines
 * time_ticks(), which kernel/core/time.c would otherwise provide).
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/arch/arch.h"
#include "kernel/audit/audit.h"
#include "kernel/core/time.h"

#include "abi/errno.h"
#include "abi/syscall_out.h"

#include "tests/unit/fake_arch.h"
#include "tests/unit/fake_panic.h"

/* The fake clock and a hook run inside time_ticks() (inside emit/drain). */
static uint64_t fake_ticks;
static void (*fake_tick_hook)(void);
static unsigned fake_tick_calls;

uint64_t time_ticks(void)
{
	void (*hook)(void) = fake_tick_hook;

	fake_tick_calls++;
	/* One shot: the hook may itself emit, which calls time_ticks(). */
	fake_tick_hook = NULL;
	if (hook)
		hook();
	return fake_ticks;
}

/* The global ring's pages, as the lead would allocate them. */
static _Alignas(4096) uint8_t ring_mem[AUDIT_RING_BYTES];

static const struct audit_ring_header *ring_hdr(void)
{
	return (const struct audit_ring_header *)ring_mem;
}

/* Event at ring position pos (pos-th event ever written). */
static const struct audit_event *ring_at(uint64_t pos)
{
	const struct audit_ring_header *h = ring_hdr();

	return (const struct audit_event *)(ring_mem + AUDIT_RING_HEADER_SIZE +
					    (pos % h->capacity) *
						AUDIT_EVENT_SIZE);
}

/* Fresh state: audit reset, CPU 0, clock 0, no hook. */
static int audit_setup(void **state)
{
	(void)state;
	audit_test_reset();
	fake_arch_reset();
	fake_ticks = 0;
	fake_tick_hook = NULL;
	fake_tick_calls = 0;
	memset(ring_mem, 0, sizeof(ring_mem));
	return 0;
}

/* audit_setup() and a 64 KiB ring. */
static int audit_setup_ring(void **state)
{
	audit_setup(state);
	assert_int_equal(audit_init(ring_mem, sizeof(ring_mem)), 0);
	return 0;
}

/* Emit kind on cpu with arg0 = tag (the rest fixed). */
static void emit_on(unsigned cpu, enum audit_kind kind, uint64_t tag)
{
	fake_arch_set_cpu(cpu);
	audit_emit(kind, 100 + cpu, 200 + cpu, tag, 0, 0, 0);
}

/* Drain until staging is empty (online CPUs given); returns events. */
static uint64_t drain_all(unsigned online)
{
	uint64_t total = 0;
	unsigned n;

	fake_arch_set_cpu(0);
	while ((n = audit_drain(online)) != 0)
		total += n;
	return total;
}

static uint64_t stats_field(size_t offset)
{
	struct audit_stats s;

	audit_stats(&s);
	return *(const uint64_t *)((const char *)&s + offset);
}

#define STAT(field) stats_field(offsetof(struct audit_stats, field))
