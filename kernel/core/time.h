/*
 * kernel/core/time.h - the system tick.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Timer frequency (spec: 100 Hz, 10 ms per tick). */
#define TICK_HZ	100

/** Ticks since the timer started (counted on the boot CPU). */
uint64_t time_ticks(void);

/**
 * Called by the architecture's timer interrupt on every CPU, interrupts
 * off, after the interrupt is acknowledged.  boot_cpu is true on the CPU
 * that keeps global time.
 */
void time_tick(bool boot_cpu);
