/*
 * kernel/dev/dev.c - the device layer at boot, over the arch hooks
 * (dev.h).  The portable modules it starts (irq.c, pci.c, console_in.c)
 * take their machine access as parameters so host tests can fake it.
 */
#include "kernel/dev/dev.h"

#include <stdbool.h>
#include <stdint.h>

#include "abi/errno.h"
#include "kernel/arch/arch.h"
#include "kernel/core/bootinfo.h"
#include "kernel/core/log.h"
#include "kernel/dev/console_in.h"
#include "kernel/dev/irq.h"
#include "kernel/dev/pci.h"
#include "lib/klib/fmt.h"

/* Set once dev_init has run; read by timer interrupts. */
static bool dev_ready;

static uint32_t cfg_read(void *ctx, unsigned bus, unsigned dev, unsigned fn,
			 unsigned off)
{
	(void)ctx;
	return arch_pci_config_read32(bus, dev, fn, off);
}

static void cfg_write(void *ctx, unsigned bus, unsigned dev, unsigned fn,
		      unsigned off, uint32_t value)
{
	(void)ctx;
	arch_pci_config_write32(bus, dev, fn, off, value);
}

static bool ranges_meet(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* RAM of any kind in the firmware's map, the kernel image, or device
 * registers the kernel maps for itself. */
static bool phys_in_use(void *ctx, uint64_t base, uint64_t len)
{
	const struct boot_info *bi = ctx;
	uint64_t ks, ke;

	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_region *r = &bi->mem[i];

		if (r->type != BOOT_MEM_RESERVED &&
		    ranges_meet(base, len, r->base, r->length))
			return true;
	}
	arch_kernel_extent(&ks, &ke);
	if (ranges_meet(base, len, ks, ke - ks))
		return true;
	return arch_phys_kernel_mmio(base, len);
}

static uint32_t irq_of(void *ctx, uint8_t line, uint8_t pin)
{
	unsigned irq = arch_pci_irq(line, pin);

	(void)ctx;
	return irq < IRQ_LINES ? irq : ARCH_IRQ_NONE;
}

static const char *bar_kind_name(const struct pci_bar *b)
{
	switch (b->kind) {
	case PCI_BAR_IO:
		return "io";
	case PCI_BAR_MEM32:
		return "mem";
	default:
		return "mem64";
	}
}

/* "pci: 00:04.0 1af4:1001 class 01.00 if 00 irq 11 pin A bar0 io
 * 0xc000+0x40 ..." and a warning per BAR that is not handed out. */
static void log_function(const struct pci_func *f)
{
	char line[256];
	size_t n = 0;
	char irq[16] = "irq none";

	if (f->irq != ARCH_IRQ_NONE)
		fmt_snprintf(irq, sizeof(irq), "irq %u pin %c",
			     (unsigned)f->irq, 'A' + f->irq_pin - 1);
	n += (size_t)fmt_snprintf(
	    line, sizeof(line),
	    "pci: %02x:%02x.%x %04x:%04x class %02x.%02x if %02x %s", f->bus,
	    f->dev, f->fn, f->vendor, f->device, f->class_code, f->subclass,
	    f->prog_if, irq);
	for (unsigned i = 0; i < PCI_BARS && n < sizeof(line); i++) {
		const struct pci_bar *b = &f->bar[i];

		if (!pci_bar_usable(b))
			continue;
		n += (size_t)fmt_snprintf(
		    line + n, sizeof(line) - n, " bar%u %s%s %#lx+%#lx", i,
		    bar_kind_name(b), b->prefetch ? " pf" : "",
		    (unsigned long)b->base, (unsigned long)b->size);
	}
	kprintf("%s\n", line);
	for (unsigned i = 0; i < PCI_BARS; i++) {
		const struct pci_bar *b = &f->bar[i];

		if (b->kind == PCI_BAR_NONE || b->kind == PCI_BAR_MEM64_HIGH ||
		    b->issue == PCI_BAR_OK)
			continue;
		klog(b->issue == PCI_BAR_UNASSIGNED ? LOG_DEBUG : LOG_WARN,
		     "pci: %02x:%02x.%x bar%u (%s %#lx+%#lx) ignored: %s\n",
		     f->bus, f->dev, f->fn, i, bar_kind_name(b),
		     (unsigned long)b->base, (unsigned long)b->size,
		     pci_bar_issue_text(b->issue));
	}
}

void dev_init(const struct boot_info *bi)
{
	const struct pci_config_ops ops = {
	    .read32 = cfg_read,
	    .write32 = cfg_write,
	    .phys_in_use = phys_in_use,
	    .irq_of = irq_of,
	    .ctx = (void *)bi,
	};
	int err;

	irq_init();
	console_in_reset();
	pci_enumerate(&ops);
	for (size_t i = 0; i < pci_count(); i++)
		log_function(pci_get(i));
	if (pci_dropped())
		log_warn("pci: %lu functions beyond the first %u ignored\n",
			 (unsigned long)pci_dropped(), PCI_MAX_FUNCS);
	kprintf("pci: %lu functions\n", (unsigned long)pci_count());

	err = console_in_init();
	if (err)
		log_warn(
		    "console: no receive interrupt (%s); input is polled\n",
		    errno_message(err));
	__atomic_store_n(&dev_ready, true, __ATOMIC_RELEASE);
}

void dev_timer_tick(void)
{
	if (!__atomic_load_n(&dev_ready, __ATOMIC_ACQUIRE))
		return;
	irq_tick();
	console_in_tick();
}
