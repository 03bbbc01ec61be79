/*
 * kernel/dev/console_in.c - the console input ring (console_in.h).
 *
 * head and tail are free-running 32-bit counters; the byte of counter n
 * is ring[n % CONSOLE_IN_SIZE].  The producer writes a byte, then
 * publishes head (release).  A consumer reads the byte at tail and then
 * claims it by moving tail with a compare-and-swap: the producer never
 * rewrites a slot until tail has passed it, so a consumer whose swap
 * succeeded read a byte nobody had touched since it was published; a
 * consumer whose swap failed throws its read away.
 */
#include "kernel/dev/console_in.h"

#include "abi/errno.h"
#include "kernel/arch/arch.h"

/* Bytes taken from the UART per drain: far more than its FIFO holds. */
#define DRAIN_MAX 256

_Static_assert((CONSOLE_IN_SIZE & (CONSOLE_IN_SIZE - 1)) == 0,
	       "CONSOLE_IN_SIZE must be a power of two");

static uint8_t ring[CONSOLE_IN_SIZE];	     /* atomic bytes (see above) */
static uint32_t head;			     /* atomic; producer writes */
static uint32_t tail;			     /* atomic; consumers swap */
static uint64_t received, dropped;	     /* atomic; producer writes */
static struct irq_waiter reader;	     /* the one blocked reader */
static unsigned console_irq = ARCH_IRQ_NONE; /* const after init */
static unsigned console_cpu;		     /* const after init */
static bool ready;			     /* atomic: init done */

void console_in_reset(void)
{
	__atomic_store_n(&head, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&tail, 0, __ATOMIC_RELAXED);
	received = 0;
	dropped = 0;
	reader = (struct irq_waiter){0};
	console_irq = ARCH_IRQ_NONE;
	console_cpu = 0;
	__atomic_store_n(&ready, false, __ATOMIC_RELEASE);
}

static void rx_interrupt(unsigned irq, void *ctx)
{
	(void)irq;
	(void)ctx;
	console_in_drain();
}

int console_in_init(void)
{
	int err;

	console_irq = arch_console_rx_irq();
	console_cpu = arch_cpu_id();
	reader.reason = console_irq;
	if (irq_waiter_register(&reader))
		return -ENOMEM;
	err = console_irq == ARCH_IRQ_NONE
		  ? -EINVAL
		  : irq_register_kernel(console_irq, rx_interrupt, NULL);
	if (!err)
		arch_console_rx_enable();
	__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	return err;
}

bool console_in_put(uint8_t c)
{
	uint32_t h = __atomic_load_n(&head, __ATOMIC_RELAXED);
	uint32_t t = __atomic_load_n(&tail, __ATOMIC_ACQUIRE);

	if (h - t >= CONSOLE_IN_SIZE) {
		__atomic_store_n(&dropped, dropped + 1, __ATOMIC_RELAXED);
		return false;
	}
	__atomic_store_n(&ring[h % CONSOLE_IN_SIZE], c, __ATOMIC_RELAXED);
	__atomic_store_n(&head, h + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&received, received + 1, __ATOMIC_RELAXED);
	return true;
}

void console_in_drain(void)
{
	bool any = false;

	for (unsigned i = 0; i < DRAIN_MAX; i++) {
		int c = arch_console_getc();

		if (c < 0)
			break;
		(void)console_in_put((uint8_t)c);
		any = true;
	}
	if (any)
		irq_waiter_wake(&reader);
}

void console_in_tick(void)
{
	if (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) &&
	    arch_cpu_id() == console_cpu)
		console_in_drain();
}

int console_in_pop(void)
{
	uint32_t t = __atomic_load_n(&tail, __ATOMIC_ACQUIRE);

	for (;;) {
		uint32_t h = __atomic_load_n(&head, __ATOMIC_ACQUIRE);
		uint8_t c;

		if (t == h)
			return -1;
		c = __atomic_load_n(&ring[t % CONSOLE_IN_SIZE],
				    __ATOMIC_RELAXED);
		/* On failure t is reloaded with the current tail. */
		if (__atomic_compare_exchange_n(&tail, &t, t + 1, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return c;
	}
}

static bool ring_nonempty(void *ctx)
{
	(void)ctx;
	return __atomic_load_n(&head, __ATOMIC_SEQ_CST) !=
	       __atomic_load_n(&tail, __ATOMIC_SEQ_CST);
}

int console_in_wait(irq_block_fn block, void *ctx)
{
	return irq_waiter_sleep(&reader, console_irq, ring_nonempty, NULL,
				block, ctx);
}

void console_in_stats(struct console_in_stats *out)
{
	/* tail first: it never passes the head read after it. */
	uint32_t t = __atomic_load_n(&tail, __ATOMIC_ACQUIRE);

	out->received = __atomic_load_n(&received, __ATOMIC_RELAXED);
	out->dropped = __atomic_load_n(&dropped, __ATOMIC_RELAXED);
	out->queued = __atomic_load_n(&head, __ATOMIC_ACQUIRE) - t;
}
