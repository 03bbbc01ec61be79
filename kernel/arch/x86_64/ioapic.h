/*
 * kernel/arch/x86_64/ioapic.h - I/O APICs: routing device interrupts.
 *
 * Global system interrupt (GSI) n is delivered on vector VECTOR_IRQ_BASE +
 * n (spec kernel.md section 6).  Every line starts masked.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct acpi_madt_info;

/**
 * Map and reset every I/O APIC of the MADT (masking all lines) and remember
 * the ISA interrupt overrides.  Returns the number of I/O APICs in use.
 * Boot CPU, once.
 */
unsigned ioapic_init(const struct acpi_madt_info *madt);

/** The GSI of ISA interrupt irq (overrides applied). */
uint32_t ioapic_isa_gsi(uint8_t irq);

/**
 * Route gsi to the CPU with apic_id on its vector, unmasked; level and
 * active_low describe the line (PCI: level, low; ISA: edge, high unless
 * overridden).  Returns 0 or -EINVAL when no I/O APIC serves gsi or the
 * vector would pass 0xEF.
 */
int ioapic_route(uint32_t gsi, uint32_t apic_id, bool level, bool active_low);

/** Mask gsi (no-op when no I/O APIC serves it). */
void ioapic_mask(uint32_t gsi);

/** Unmask gsi, keeping its routing (no-op when no I/O APIC serves it). */
void ioapic_unmask(uint32_t gsi);

/**
 * Trigger mode and polarity of gsi: from the MADT's interrupt source
 * override naming gsi if there is one; else ISA defaults (edge, active
 * high) below 16 and PCI defaults (level, active low) from 16 up.
 */
void ioapic_line_mode(uint32_t gsi, bool *level, bool *active_low);
