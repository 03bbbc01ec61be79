/*
 * kernel/dev/dev.h - bring-up of the device layer: interrupt-line table,
 * PCI scan, console input (docs/devices.md).  Kernel only: it reaches the
 * machine through the arch hooks of kernel/arch/arch.h.
 */
#pragma once

struct boot_info;

/**
 * Reset the interrupt-line table, enumerate PCI (one console line per
 * function, a warning per BAR that is not handed out) and start console
 * input.  Boot CPU, once, interrupts off, after arch_platform_init (the
 * interrupt controllers are set up) and before user space runs.  bi's
 * memory map tells which physical ranges are RAM: no BAR may lie there.
 */
void dev_init(const struct boot_info *bi);

/**
 * Timer-interrupt hook of every CPU: retries of deferred wake-ups, and
 * the console CPU polls the UART.  Interrupt context; does nothing
 * before dev_init.
 */
void dev_timer_tick(void);
