/*
 * kernel/arch/x86_64/devices.c - the device hooks of kernel/arch/arch.h:
 * routing interrupt lines through the I/O APICs, PCI configuration access
 * by the legacy mechanism (ports 0xCF8/0xCFC), I/O ports.
 */
#include "abi/errno.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/ioapic.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/core/config.h"
#include "kernel/core/lockrank.h"
#include "kernel/core/spinlock.h"

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA	   0xCFC
#define PCI_CONFIG_ENABLE  0x80000000u

/* The address/data port pair is one shared window. */
static struct spinlock pci_lock = SPINLOCK_INIT("pci config", LOCK_RANK_PCI);

int arch_irq_route(unsigned gsi, unsigned cpu, bool *level)
{
	bool lvl, low;

	if (cpu >= MAX_CPUS || !x86_cpus[cpu])
		return -EINVAL;
	ioapic_line_mode(gsi, &lvl, &low);
	if (ioapic_route(gsi, x86_cpus[cpu]->apic_id, lvl, low))
		return -EINVAL;
	*level = lvl;
	return 0;
}

void arch_irq_mask(unsigned gsi)
{
	ioapic_mask(gsi);
}

void arch_irq_unmask(unsigned gsi)
{
	ioapic_unmask(gsi);
}

static uint32_t config_address(unsigned bus, unsigned dev, unsigned fn,
			       unsigned off)
{
	return PCI_CONFIG_ENABLE | (bus & 0xFF) << 16 | (dev & 0x1F) << 11 |
	       (fn & 7) << 8 | (off & 0xFC);
}

uint32_t arch_pci_config_read32(unsigned bus, unsigned dev, unsigned fn,
				unsigned off)
{
	unsigned long flags = spin_lock_irqsave(&pci_lock);
	uint32_t v;

	outl(PCI_CONFIG_ADDRESS, config_address(bus, dev, fn, off));
	v = inl(PCI_CONFIG_DATA);
	spin_unlock_irqrestore(&pci_lock, flags);
	return v;
}

void arch_pci_config_write32(unsigned bus, unsigned dev, unsigned fn,
			     unsigned off, uint32_t value)
{
	unsigned long flags = spin_lock_irqsave(&pci_lock);

	outl(PCI_CONFIG_ADDRESS, config_address(bus, dev, fn, off));
	outl(PCI_CONFIG_DATA, value);
	spin_unlock_irqrestore(&pci_lock, flags);
}

unsigned arch_pci_irq(uint8_t line, uint8_t pin)
{
	/*
	 * The firmware (SeaBIOS, OVMF) writes the ISA IRQ a function's INTx
	 * is steered to into its interrupt line register; through the I/O
	 * APIC that is the IRQ's GSI.  0xFF means "not connected".  Machines
	 * whose PCI lines bypass the ISA IRQs (q35 in APIC mode) need the
	 * ACPI _PRT, which the kernel does not read.
	 */
	if (pin == 0 || pin > 4 || line == 0xFF)
		return ARCH_IRQ_NONE;
	return line < 16 ? ioapic_isa_gsi(line) : line;
}

int arch_port_io(uint16_t port, unsigned width, bool write, uint32_t *value)
{
	switch (width) {
	case 1:
		if (write)
			outb(port, (uint8_t)*value);
		else
			*value = inb(port);
		return 0;
	case 2:
		if (write)
			outw(port, (uint16_t)*value);
		else
			*value = inw(port);
		return 0;
	case 4:
		if (write)
			outl(port, *value);
		else
			*value = inl(port);
		return 0;
	default:
		return -EINVAL;
	}
}
