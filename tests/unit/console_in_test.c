/*
 * tests/unit/console_in_test.c - the console input ring
 * (kernel/dev/console_in.c): FIFO order, wrap-around, overflow counting,
 * draining a fake UART (bounded even when it never runs dry), the
 * receive line at boot, the timer poll on the console CPU only, and the
 * blocking wait (at once when a byte is there, woken by the interrupt,
 * one blocked reader at a time) with the real scheduler on fake CPUs.
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

#include "tests/unit/fake_panic.h"
#include "tests/unit/sched_testlib.h"

#include "kernel/dev/console_in.h"
#include "kernel/dev/irq.h"

#define RX_IRQ 4

/* ---- fake interrupt controller and UART --------------------------- */

static bool route_fails, rx_enabled, uart_stuck;
static unsigned routed_cpu;
static uint8_t uart[4096];
static size_t uart_len, uart_pos;
static unsigned getc_calls;

int arch_irq_route(unsigned gsi, unsigned cpu, bool *level)
{
	if (route_fails || gsi >= 24)
		return -EINVAL;
	routed_cpu = cpu;
	*level = false;
	return 0;
}

void arch_irq_mask(unsigned gsi)
{
	(void)gsi;
}

void arch_irq_unmask(unsigned gsi)
{
	(void)gsi;
}

unsigned arch_console_rx_irq(void)
{
	return RX_IRQ;
}

void arch_console_rx_enable(void)
{
	rx_enabled = true;
}

int arch_console_getc(void)
{
	getc_calls++;
	if (uart_stuck)
		return 0xFF; /* a missing UART: "data ready" for ever */
	if (uart_pos == uart_len)
		return -1;
	return uart[uart_pos++];
}

/* The UART receives bytes s[0..n). */
static void type(const char *s, size_t n)
{
	assert_true(uart_len + n <= sizeof(uart));
	memcpy(uart + uart_len, s, n);
	uart_len += n;
}

/* The receive interrupt on cpu. */
static void rx_interrupt_on(unsigned cpu)
{
	fake_arch_set_cpu(cpu);
	unsigned long flags = arch_irq_save();

	irq_dispatch(RX_IRQ);
	arch_irq_restore(flags);
}

static int setup(void **state)
{
	route_fails = rx_enabled = uart_stuck = false;
	routed_cpu = 99;
	uart_len = uart_pos = 0;
	getc_calls = 0;
	irq_init();
	console_in_reset();
	return machine_setup(state);
}

static struct console_in_stats stats(void)
{
	struct console_in_stats s;

	console_in_stats(&s);
	return s;
}

/* ---- ring --------------------------------------------------------- */

/* Bytes come out in order; an empty ring gives -1. */
static void test_fifo_order(void **state)
{
	(void)state;
	assert_int_equal(console_in_pop(), -1);
	assert_true(console_in_put('a'));
	assert_true(console_in_put('b'));
	assert_true(console_in_put(0));
	assert_true(console_in_put(0xFF));
	assert_int_equal(stats().queued, 4);
	assert_int_equal(console_in_pop(), 'a');
	assert_int_equal(console_in_pop(), 'b');
	assert_int_equal(console_in_pop(), 0);
	assert_int_equal(console_in_pop(), 0xFF);
	assert_int_equal(console_in_pop(), -1);
	assert_int_equal(stats().received, 4);
	assert_int_equal(stats().dropped, 0);
}

/* The indexes wrap around the ring many times without losing order. */
static void test_wrap_around(void **state)
{
	unsigned next_in = 0, next_out = 0;

	(void)state;
	for (unsigned round = 0; round < 20; round++) {
		unsigned n = 700 + round * 13;

		for (unsigned i = 0; i < n; i++)
			assert_true(console_in_put((uint8_t)next_in++));
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(console_in_pop(), (uint8_t)next_out++);
	}
	assert_int_equal(console_in_pop(), -1);
	assert_int_equal(stats().queued, 0);
}

/* A full ring keeps its CONSOLE_IN_SIZE oldest bytes and counts the
 * rest as dropped; room made by a read is used again. */
static void test_overflow_counted(void **state)
{
	(void)state;
	for (unsigned i = 0; i < CONSOLE_IN_SIZE; i++)
		assert_true(console_in_put((uint8_t)i));
	assert_false(console_in_put('x'));
	assert_false(console_in_put('y'));
	assert_int_equal(stats().dropped, 2);
	assert_int_equal(stats().queued, CONSOLE_IN_SIZE);
	assert_int_equal(console_in_pop(), 0);
	assert_true(console_in_put('z'));
	assert_false(console_in_put('w'));
	assert_int_equal(stats().dropped, 3);
	for (unsigned i = 1; i < CONSOLE_IN_SIZE; i++)
		assert_int_equal(console_in_pop(), (uint8_t)i);
	assert_int_equal(console_in_pop(), 'z');
	assert_int_equal(console_in_pop(), -1);
	assert_int_equal(stats().received, CONSOLE_IN_SIZE + 1);
}

/* ---- UART, boot, timer -------------------------------------------- */

/* Boot takes the receive line on this CPU and enables the interrupt; an
 * interrupt drains the UART into the ring. */
static void test_init_and_interrupt(void **state)
{
	(void)state;
	fake_arch_set_cpu(0);
	assert_int_equal(console_in_init(), 0);
	assert_true(rx_enabled);
	assert_int_equal(routed_cpu, 0);
	type("hi!", 3);
	rx_interrupt_on(0);
	assert_int_equal(console_in_pop(), 'h');
	assert_int_equal(console_in_pop(), 'i');
	assert_int_equal(console_in_pop(), '!');
	assert_int_equal(console_in_pop(), -1);
}

/* Without a routable line init reports it; the timer tick of the
 * console CPU still brings input in, other CPUs' ticks do not touch the
 * UART. */
static void test_unroutable_line_polled(void **state)
{
	(void)state;
	route_fails = true;
	fake_arch_set_cpu(1);
	assert_int_equal(console_in_init(), -EINVAL);
	assert_false(rx_enabled);
	type("ok", 2);
	fake_arch_set_cpu(2);
	console_in_tick();
	assert_int_equal(getc_calls, 0);
	fake_arch_set_cpu(1);
	console_in_tick();
	assert_int_equal(console_in_pop(), 'o');
	assert_int_equal(console_in_pop(), 'k');
}

/* Before init the tick leaves the UART alone. */
static void test_tick_before_init(void **state)
{
	(void)state;
	type("x", 1);
	fake_arch_set_cpu(0);
	console_in_tick();
	assert_int_equal(getc_calls, 0);
	assert_int_equal(console_in_pop(), -1);
}

/* A drain takes a bounded number of bytes: more wait for the next one;
 * bytes beyond the ring's room are dropped and counted. */
static void test_drain_bounded_and_overflow(void **state)
{
	static char burst[3000];

	(void)state;
	memset(burst, 'q', sizeof(burst));
	type(burst, sizeof(burst));
	fake_arch_set_cpu(0);
	console_in_drain();
	assert_int_equal(stats().queued, 256);
	for (int i = 0; i < 20; i++)
		console_in_drain();
	assert_int_equal(uart_pos, sizeof(burst));
	assert_int_equal(stats().queued, CONSOLE_IN_SIZE);
	assert_int_equal(stats().dropped, sizeof(burst) - CONSOLE_IN_SIZE);
}

/* A UART that always claims data cannot hang the CPU. */
static void test_stuck_uart_bounded(void **state)
{
	(void)state;
	uart_stuck = true;
	fake_arch_set_cpu(0);
	console_in_drain();
	assert_int_equal(getc_calls, 256);
}

/* ---- waiting ------------------------------------------------------ */

struct reader {
	unsigned cpu;
	struct task *t;
	unsigned calls;
	int other_ret; /* a second reader's result, when tried */
	bool try_second;
};

static void fail_block(void *ctx)
{
	(void)ctx;
	fail_msg("a second reader must not sleep");
}

/* The reader is blocked: maybe a second one tries, then a key arrives. */
static void play(void *ctx)
{
	struct reader *r = ctx;

	r->calls++;
	assert_int_equal(r->t->state, TASK_BLOCKED);
	assert_int_equal(r->t->block.kind, TASK_BLOCK_IRQ);
	assert_int_equal(r->t->block.arg, RX_IRQ);
	assert_ptr_equal(run_next(r->cpu), idle_of[r->cpu]);
	if (r->try_second) {
		struct task *u = spawn(TASK_PRIO_NORMAL, 3);

		assert_ptr_equal(run_next(3), u);
		r->other_ret = console_in_wait(fail_block, NULL);
	}
	type("k", 1);
	rx_interrupt_on(0);
	assert_int_equal(r->t->state, TASK_READY);
	assert_ptr_equal(run_next(r->cpu), r->t);
}

static struct reader reader_on(unsigned cpu)
{
	struct reader r = {cpu, spawn(TASK_PRIO_NORMAL, cpu), 0, 0, false};

	assert_ptr_equal(run_next(cpu), r.t);
	return r;
}

/* A byte already there: no sleep. */
static void test_wait_ready_at_once(void **state)
{
	struct reader r = reader_on(2);

	(void)state;
	fake_arch_set_cpu(0);
	assert_int_equal(console_in_init(), 0);
	assert_true(console_in_put('a'));
	fake_arch_set_cpu(2);
	assert_int_equal(console_in_wait(play, &r), 0);
	assert_int_equal(r.calls, 0);
	assert_int_equal(console_in_pop(), 'a');
}

/* An empty ring: the reader sleeps with IoWait(rx line) until the
 * receive interrupt brings a byte. */
static void test_wait_woken_by_interrupt(void **state)
{
	struct reader r = reader_on(2);

	(void)state;
	fake_arch_set_cpu(0);
	assert_int_equal(console_in_init(), 0);
	fake_arch_set_cpu(2);
	assert_int_equal(console_in_wait(play, &r), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(console_in_pop(), 'k');
	check_all();
}

/* One blocked reader at a time: a second gets -EBUSY at once. */
static void test_second_blocking_reader_busy(void **state)
{
	struct reader r = reader_on(1);

	(void)state;
	r.try_second = true;
	fake_arch_set_cpu(0);
	assert_int_equal(console_in_init(), 0);
	fake_arch_set_cpu(1);
	assert_int_equal(console_in_wait(play, &r), 0);
	assert_int_equal(r.other_ret, -EBUSY);
	assert_int_equal(console_in_pop(), 'k');
	/* The slot is free again. */
	assert_true(console_in_put('m'));
	fake_arch_set_cpu(1);
	assert_int_equal(console_in_wait(fail_block, NULL), 0);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_fifo_order),
	    T(test_wrap_around),
	    T(test_overflow_counted),
	    T(test_init_and_interrupt),
	    T(test_unroutable_line_polled),
	    T(test_tick_before_init),
	    T(test_drain_bounded_and_overflow),
	    T(test_stuck_uart_bounded),
	    T(test_wait_ready_at_once),
	    T(test_wait_woken_by_interrupt),
	    T(test_second_blocking_reader_busy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
