/*
 * kernel/arch/x86_64/ioapic.c - I/O APICs (82093AA register model).
 *
 * Each I/O APIC is reached through two MMIO registers: IOREGSEL selects a
 * register, IOWIN reads or writes it.  Redirection entry i (two 32-bit
 * registers at 0x10 + 2i) routes the I/O APIC's input i, that is GSI
 * gsi_base + i.  The window is shared state, so every access holds
 * ioapic_lock.
 */
#include "kernel/arch/x86_64/ioapic.h"

#include "abi/errno.h"
#include "kernel/acpi/acpi.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/mmu.h"
#include "kernel/core/lockrank.h"
#include "kernel/core/log.h"
#include "kernel/core/spinlock.h"

#define IOREGSEL	0x00
#define IOWIN		0x10
#define IOAPIC_VER	0x01
#define IOAPIC_REDTBL	0x10
#define RED_MASKED	(1u << 16)
#define RED_LEVEL	(1u << 15)
#define RED_ACTIVE_LOW	(1u << 13)
#define LAST_DEVICE_VECTOR 0xEF

struct ioapic {
	volatile uint32_t *mmio;	/**< const after init */
	uint32_t gsi_base;		/**< const after init */
	uint32_t lines;			/**< const after init */
};

static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic", LOCK_RANK_IRQ);
/* Filled once at boot; read-only afterwards (entries under ioapic_lock). */
static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned ioapic_count;
static uint32_t isa_gsi[16];
/* Trigger and polarity of overridden lines, from the MADT (const after
 * init): ov_gsi[i] is the GSI of ov_*[i], i < ov_count. */
static uint32_t ov_gsi[ACPI_MAX_OVERRIDES];
static bool ov_level[ACPI_MAX_OVERRIDES], ov_low[ACPI_MAX_OVERRIDES];
static unsigned ov_count;

static uint32_t rd(const struct ioapic *io, uint32_t reg)
{
	io->mmio[IOREGSEL / 4] = reg;
	return io->mmio[IOWIN / 4];
}

static void wr(const struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->mmio[IOREGSEL / 4] = reg;
	io->mmio[IOWIN / 4] = v;
}

static const struct ioapic *serving(uint32_t gsi, uint32_t *pin)
{
	for (unsigned i = 0; i < ioapic_count; i++) {
		const struct ioapic *io = &ioapics[i];

		if (gsi >= io->gsi_base && gsi - io->gsi_base < io->lines) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

/*
 * A masked entry with gsi's real trigger mode and polarity.  A masked
 * level-triggered input still latches an asserted line (QEMU's model
 * forgets a level raised while the entry said "edge"), so a device that
 * interrupts before its driver's first WaitIrq is seen on unmasking.
 */
static uint32_t masked_entry(uint32_t gsi)
{
	bool level, low;

	ioapic_line_mode(gsi, &level, &low);
	return RED_MASKED | (level ? RED_LEVEL : 0) | (low ? RED_ACTIVE_LOW : 0) |
	       (VECTOR_IRQ_BASE + gsi <= LAST_DEVICE_VECTOR ? VECTOR_IRQ_BASE + gsi
							    : 0);
}

unsigned ioapic_init(const struct acpi_madt_info *madt)
{
	for (uint32_t i = 0; i < 16; i++)
		isa_gsi[i] = i;
	for (uint32_t i = 0; i < madt->override_count; i++) {
		const struct acpi_override *o = &madt->overrides[i];

		if (o->source_irq < 16)
			isa_gsi[o->source_irq] = o->gsi;
		if (ov_count < ACPI_MAX_OVERRIDES) {
			/* "Conforms" is the ISA bus default: edge, high. */
			ov_gsi[ov_count] = o->gsi;
			ov_level[ov_count] = o->trigger == ACPI_TRIGGER_LEVEL;
			ov_low[ov_count] = o->polarity == ACPI_POLARITY_LOW;
			ov_count++;
		}
	}
	for (uint32_t i = 0; i < madt->ioapic_count; i++) {
		struct ioapic *io = &ioapics[ioapic_count];

		io->mmio = mmu_map_mmio(madt->ioapics[i].addr, 4096);
		if (!io->mmio) {
			log_warn("ioapic: cannot map I/O APIC %u\n",
				 madt->ioapics[i].id);
			continue;
		}
		io->gsi_base = madt->ioapics[i].gsi_base;
		/* A device value: at most 240 lines, whatever it claims. */
		io->lines = ((rd(io, IOAPIC_VER) >> 16) & 0xFF) + 1;
		for (uint32_t pin = 0; pin < io->lines; pin++) {
			wr(io, IOAPIC_REDTBL + 2 * pin, masked_entry(io->gsi_base + pin));
			wr(io, IOAPIC_REDTBL + 2 * pin + 1, 0);
		}
		log_info("ioapic: id %u at %#x, GSIs %u..%u, all masked\n",
			 madt->ioapics[i].id, madt->ioapics[i].addr, io->gsi_base,
			 io->gsi_base + io->lines - 1);
		ioapic_count++;
	}
	return ioapic_count;
}

uint32_t ioapic_isa_gsi(uint8_t irq)
{
	return irq < 16 ? isa_gsi[irq] : irq;
}

int ioapic_route(uint32_t gsi, uint32_t apic_id, bool level, bool active_low)
{
	uint32_t pin;
	const struct ioapic *io = serving(gsi, &pin);

	if (!io || VECTOR_IRQ_BASE + gsi > LAST_DEVICE_VECTOR)
		return -EINVAL;

	uint32_t lo = (VECTOR_IRQ_BASE + gsi) | (level ? RED_LEVEL : 0) |
		      (active_low ? RED_ACTIVE_LOW : 0);
	unsigned long flags = spin_lock_irqsave(&ioapic_lock);

	wr(io, IOAPIC_REDTBL + 2 * pin + 1, apic_id << 24);
	wr(io, IOAPIC_REDTBL + 2 * pin, lo);
	spin_unlock_irqrestore(&ioapic_lock, flags);
	return 0;
}

void ioapic_mask(uint32_t gsi)
{
	uint32_t pin;
	const struct ioapic *io = serving(gsi, &pin);

	if (!io)
		return;

	unsigned long flags = spin_lock_irqsave(&ioapic_lock);

	wr(io, IOAPIC_REDTBL + 2 * pin, rd(io, IOAPIC_REDTBL + 2 * pin) | RED_MASKED);
	spin_unlock_irqrestore(&ioapic_lock, flags);
}

void ioapic_unmask(uint32_t gsi)
{
	uint32_t pin;
	const struct ioapic *io = serving(gsi, &pin);

	if (!io)
		return;

	unsigned long flags = spin_lock_irqsave(&ioapic_lock);

	wr(io, IOAPIC_REDTBL + 2 * pin, rd(io, IOAPIC_REDTBL + 2 * pin) & ~RED_MASKED);
	spin_unlock_irqrestore(&ioapic_lock, flags);
}

void ioapic_line_mode(uint32_t gsi, bool *level, bool *active_low)
{
	for (unsigned i = 0; i < ov_count; i++) {
		if (ov_gsi[i] == gsi) {
			*level = ov_level[i];
			*active_low = ov_low[i];
			return;
		}
	}
	/* ISA lines are edge, active high; the rest are PCI INTx lines. */
	*level = gsi >= 16;
	*active_low = gsi >= 16;
}
