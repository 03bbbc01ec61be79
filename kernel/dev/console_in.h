/*
 * kernel/dev/console_in.h - bytes typed on the console, for ConsoleRead
 * (24; spec syscalls.md section 5, docs/devices.md section 5).
 *
 * The console's receive interrupt (a kernel line of kernel/dev/irq.h)
 * drains the UART into a ring of CONSOLE_IN_SIZE bytes; bytes arriving
 * while it is full are dropped and counted.  The same CPU's timer tick
 * drains it too, so input also works when the interrupt cannot be routed
 * or an edge was missed.  One producer (that CPU, interrupts off); any
 * number of consumers, lock-free.  One task at a time may block for
 * input; a second blocking reader gets -EBUSY (non-blocking reads always
 * work: each byte goes to whoever asks first).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/dev/irq.h"

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

/** Ring capacity in bytes (a power of two). */
#define CONSOLE_IN_SIZE 1024u

/** Counters, for tests and diagnostics. */
struct console_in_stats {
	uint64_t received; /**< bytes put into the ring */
	uint64_t dropped;  /**< bytes lost to a full ring */
	uint32_t queued;   /**< bytes in the ring now */
};

/**
 * Empty the ring and forget the waiter (boot; tests per case).  No other
 * CPU running.
 */
void console_in_reset(void);

/**
 * Take the console's receive interrupt (arch_console_rx_irq) as a kernel
 * line, routed to this CPU, and enable it.  Boot CPU, once, after
 * irq_init.  Returns 0, or an irq_register_kernel error (input then
 * arrives through console_in_tick only).
 */
int console_in_init(void);

/**
 * Producer: append byte c; false (and counted as dropped) when the ring
 * is full.  Only the console CPU, interrupts off.
 */
bool console_in_put(uint8_t c);

/**
 * Producer: move every byte the UART holds into the ring (bounded, so a
 * broken UART that always claims data cannot hang the CPU), then wake a
 * blocked reader.  Interrupt context of the console CPU.
 */
void console_in_drain(void);

/**
 * Timer hook: drain the UART when running on the console CPU.  Interrupt
 * context.
 */
void console_in_tick(void);

/** Consumer: the oldest byte, removed; -1 when the ring is empty. */
int console_in_pop(void);

/**
 * Block the current task until the ring holds a byte (it may be taken by
 * another reader first: pop, and wait again if it is gone).  Returns 0,
 * or -EBUSY when another task is blocked here already.  Task context,
 * interrupts on, no lock held; block switches away (schedule()).
 */
__must_check int console_in_wait(irq_block_fn block, void *ctx);

/** A snapshot of the counters. */
void console_in_stats(struct console_in_stats *out);
