/*
 * kernel/arch/x86_64/lapic.h - the local APIC: timer, EOI, IPIs.
 */
#pragma once

#include <stdint.h>

#define VECTOR_TIMER		32	/* spec kernel.md section 6 */
#define VECTOR_IRQ_BASE		33	/* I/O APIC GSI n -> 33 + n */
#define VECTOR_RESCHED		0xFD	/* "look at your run queue" IPI */
#define VECTOR_TLB_SHOOTDOWN	0xFE
#define VECTOR_SPURIOUS		0xFF

/**
 * Map the local APIC (xAPIC, MMIO) and enable it on the boot CPU.  Returns
 * 0, or -ENODEV when the CPU has no APIC.
 */
int lapic_init_bsp(void);

/** Enable the local APIC of the calling CPU (APs, after lapic_init_bsp). */
void lapic_init_cpu(void);

/** This CPU's local APIC id. */
uint32_t lapic_id(void);

/** Signal end of interrupt. */
void lapic_eoi(void);

/**
 * Measure the LAPIC timer against the PIT once (boot CPU) and start the
 * periodic timer at hz on vector VECTOR_TIMER.  Returns timer counts per
 * tick.
 */
uint32_t lapic_timer_calibrate_and_start(unsigned hz);

/** Start the periodic timer on this CPU with a calibrated count. */
void lapic_timer_start(uint32_t count_per_tick);

/** Send a fixed IPI with vector to the CPU with apic_id. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);

/** Send a fixed IPI with vector to every CPU but this one. */
void lapic_send_ipi_all_but_self(uint8_t vector);

/** Busy-wait about us microseconds (needs the running, calibrated timer). */
void lapic_delay_us(unsigned us);

/** Send INIT then two STARTUP IPIs (page = trampoline phys >> 12). */
void lapic_start_ap(uint32_t apic_id, uint8_t page, void (*delay_us)(unsigned));
