/*
 * tests/unit/pci_test.c - PCI enumeration and BAR checking
 * (kernel/dev/pci.c) against a fake configuration space: a QEMU-like
 * machine, multi-function devices, bridges, and hostile devices
 * (all-ones reads, zero-size and unassigned BARs, a 64-bit BAR in the
 * last slot, absurd, misaligned, overlapping BARs, BARs on RAM or on the
 * kernel's own registers, more functions than the table holds); the
 * DeviceInfo record byte by byte; the PortIo and MapMmio range checks;
 * the capability walk over good and hostile lists (loops, pointers out of
 * range or unaligned, too many entries, lengths past config space).
 *
 * A fake BAR register reads `value`, or `probe` after all ones were
 * written to it (until the next write), so a device can answer anything
 * - including sizes and bases real hardware could not hold.
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

#include "abi/syscall_out.h"
#include "kernel/dev/pci.h"

#define NONE_IRQ  0xFFFFFFFFu
#define MAX_FAKES 32
#define RAM_END	  0x8000000ull /* 128 MiB of RAM from 0 */
#define LAPIC	  0xFEE00000ull
#define IOAPIC	  0xFEC00000ull
#define CFG_CAP_PTR_REG (0x34 / 4)

struct fake_fn {
	unsigned bus, dev, fn;
	uint32_t regs[64]; /* config dwords; BARs come from below */
	uint32_t value[6]; /* BAR register contents */
	uint32_t probe[6]; /* what a BAR reads after all ones */
	bool probing[6];
	bool all_ones;		      /* everything but the id reads all ones */
	unsigned writes[64];	      /* writes per register */
	unsigned ones_while_decoding; /* BAR sized with decode on */
	unsigned reads;		      /* config reads of this function */
};

static struct fake_fn fakes[MAX_FAKES];
static unsigned nfakes;
static bool everything_present; /* a device at every bus:dev.0 */

static struct fake_fn *find(unsigned bus, unsigned dev, unsigned fn)
{
	for (unsigned i = 0; i < nfakes; i++) {
		if (fakes[i].bus == bus && fakes[i].dev == dev &&
		    fakes[i].fn == fn)
			return &fakes[i];
	}
	return NULL;
}

static unsigned bar_slots(const struct fake_fn *f)
{
	unsigned hdr = (f->regs[3] >> 16) & 0x7F;

	return hdr == 0 ? 6 : hdr == 1 ? 2 : 0;
}

static uint32_t fake_read(void *ctx, unsigned bus, unsigned dev, unsigned fn,
			  unsigned off)
{
	struct fake_fn *f = find(bus, dev, fn);
	unsigned r = off / 4;

	(void)ctx;
	assert_true(off < 256 && off % 4 == 0);
	if (everything_present && !f)
		return fn == 0 && off == 0 ? 0x00011234u : 0;
	if (!f)
		return 0xFFFFFFFFu;
	f->reads++;
	if (f->all_ones && off != 0)
		return 0xFFFFFFFFu;
	if (r >= 4 && r < 4 + bar_slots(f))
		return f->probing[r - 4] ? f->probe[r - 4] : f->value[r - 4];
	return f->regs[r];
}

static void fake_write(void *ctx, unsigned bus, unsigned dev, unsigned fn,
		       unsigned off, uint32_t v)
{
	struct fake_fn *f = find(bus, dev, fn);
	unsigned r = off / 4;

	(void)ctx;
	assert_true(off < 256 && off % 4 == 0);
	if (!f)
		return;
	f->writes[r]++;
	if (r >= 4 && r < 4 + bar_slots(f)) {
		if (v == 0xFFFFFFFFu) {
			if (f->regs[1] & 3)
				f->ones_while_decoding++;
			f->probing[r - 4] = true;
		} else {
			f->probing[r - 4] = false;
			f->value[r - 4] = v;
		}
		return;
	}
	if (r == 1) /* command: the status half is read-only here */
		f->regs[1] = (f->regs[1] & 0xFFFF0000u) | (v & 0xFFFF);
	else
		f->regs[r] = v;
}

static bool meet(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static bool fake_in_use(void *ctx, uint64_t base, uint64_t len)
{
	(void)ctx;
	return meet(base, len, 0, RAM_END) || meet(base, len, LAPIC, 0x1000) ||
	       meet(base, len, IOAPIC, 0x1000);
}

static uint32_t fake_irq_of(void *ctx, uint8_t line, uint8_t pin)
{
	(void)ctx;
	return pin >= 1 && pin <= 4 && line < 16 ? line : NONE_IRQ;
}

static const struct pci_config_ops ops = {
    fake_read, fake_write, fake_in_use, fake_irq_of, NULL,
};

static int setup(void **state)
{
	(void)state;
	memset(fakes, 0, sizeof(fakes));
	nfakes = 0;
	everything_present = false;
	(void)pci_enumerate(&ops); /* empty table */
	return 0;
}

static struct fake_fn *add(unsigned bus, unsigned dev, unsigned fn,
			   uint16_t vendor, uint16_t device, uint8_t cls,
			   uint8_t sub, uint8_t hdr)
{
	struct fake_fn *f = &fakes[nfakes++];

	assert_true(nfakes <= MAX_FAKES);
	f->bus = bus;
	f->dev = dev;
	f->fn = fn;
	f->regs[0] = (uint32_t)device << 16 | vendor;
	f->regs[1] = 0x00100007u; /* status: capabilities; I/O, mem, master */
	f->regs[2] = (uint32_t)cls << 24 | (uint32_t)sub << 16 | 0x0102;
	f->regs[3] = (uint32_t)hdr << 16;
	return f;
}

static void irq_pin(struct fake_fn *f, uint8_t line, uint8_t pin)
{
	f->regs[15] = (uint32_t)pin << 8 | line;
}

/* An I/O BAR; full32 makes the upper 16 address bits writable too. */
static void bar_io(struct fake_fn *f, unsigned i, uint32_t base, uint32_t size,
		   bool full32)
{
	f->value[i] = base | 1;
	f->probe[i] = (~(size - 1) & (full32 ? ~3u : 0xFFFCu)) | 1;
}

static void bar_mem32(struct fake_fn *f, unsigned i, uint32_t base,
		      uint64_t size, bool pf)
{
	uint32_t bits = pf ? 8 : 0;

	f->value[i] = base | bits;
	f->probe[i] = ((uint32_t) ~(size - 1) & ~0xFu) | bits;
}

static void bar_mem64(struct fake_fn *f, unsigned i, uint64_t base,
		      uint64_t size, bool pf)
{
	uint32_t bits = 4 | (pf ? 8 : 0);
	uint64_t mask = ~(size - 1);

	f->value[i] = (uint32_t)base | bits;
	f->probe[i] = ((uint32_t)mask & ~0xFu) | bits;
	if (i + 1 < 6) {
		f->value[i + 1] = (uint32_t)(base >> 32);
		f->probe[i + 1] = (uint32_t)(mask >> 32);
	}
}

/* QEMU's virtio-blk-pci (transitional) at 00:04.0, INTA on IRQ 11. */
static struct fake_fn *add_virtio_blk(unsigned dev)
{
	struct fake_fn *f = add(0, dev, 0, 0x1AF4, 0x1001, 1, 0, 0);

	bar_io(f, 0, 0xC000, 0x80, false);
	bar_mem32(f, 1, 0xFEBF1000, 0x1000, false);
	bar_mem64(f, 4, 0xFE000000, 0x4000, true);
	irq_pin(f, 11, 1);
	return f;
}

static const struct pci_func *only(void)
{
	assert_int_equal(pci_count(), 1);
	return pci_get(0);
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* ---- tests -------------------------------------------------------- */

/* No device answers: an empty table, and nothing is allowed. */
static void test_empty_machine(void **state)
{
	(void)state;
	assert_int_equal(pci_enumerate(&ops), 0);
	assert_null(pci_get(0));
	assert_int_equal(pci_dropped(), 0);
	assert_false(pci_io_allowed(0xC000, 1));
	assert_false(pci_mmio_allowed(0xFE000000, 0x1000));
}

/* A QEMU-like virtio-blk function: every BAR decoded, sized and kept;
 * decode was off while sizing; every register restored. */
static void test_virtio_like_function(void **state)
{
	struct fake_fn *fk = add_virtio_blk(4);
	const struct pci_func *f;

	(void)state;
	assert_int_equal(pci_enumerate(&ops), 1);
	f = only();
	assert_int_equal(f->bus, 0);
	assert_int_equal(f->dev, 4);
	assert_int_equal(f->fn, 0);
	assert_int_equal(f->vendor, 0x1AF4);
	assert_int_equal(f->device, 0x1001);
	assert_int_equal(f->class_code, 1);
	assert_int_equal(f->subclass, 0);
	assert_int_equal(f->prog_if, 1);
	assert_int_equal(f->revision, 2);
	assert_int_equal(f->irq_line, 11);
	assert_int_equal(f->irq_pin, 1);
	assert_int_equal(f->irq, 11);
	assert_int_equal(f->bar[0].kind, PCI_BAR_IO);
	assert_int_equal(f->bar[0].base, 0xC000);
	assert_int_equal(f->bar[0].size, 0x80);
	assert_int_equal(f->bar[1].kind, PCI_BAR_MEM32);
	assert_int_equal(f->bar[1].base, 0xFEBF1000);
	assert_int_equal(f->bar[1].size, 0x1000);
	assert_false(f->bar[1].prefetch);
	assert_int_equal(f->bar[2].kind, PCI_BAR_NONE);
	assert_int_equal(f->bar[3].kind, PCI_BAR_NONE);
	assert_int_equal(f->bar[4].kind, PCI_BAR_MEM64);
	assert_int_equal(f->bar[4].base, 0xFE000000);
	assert_int_equal(f->bar[4].size, 0x4000);
	assert_true(f->bar[4].prefetch);
	assert_int_equal(f->bar[5].kind, PCI_BAR_MEM64_HIGH);
	for (unsigned i = 0; i < 6; i++) {
		if (f->bar[i].kind == PCI_BAR_NONE ||
		    f->bar[i].kind == PCI_BAR_MEM64_HIGH)
			continue;
		assert_int_equal(f->bar[i].issue, PCI_BAR_OK);
		assert_true(pci_bar_usable(&f->bar[i]));
	}
	assert_int_equal(fk->ones_while_decoding, 0);
	assert_int_equal(fk->regs[1] & 0xFFFF, 0x0007); /* restored */
	assert_int_equal(fk->value[0], 0xC001);
	assert_int_equal(fk->value[1], 0xFEBF1000);
	assert_int_equal(fk->value[4], 0xFE00000C);
	assert_int_equal(fk->value[5], 0);
	for (unsigned i = 0; i < 6; i++)
		assert_false(fk->probing[i]);
}

/* The DeviceInfo record, byte by byte (syscalls.md section 7.2, plus
 * the interrupt line at 9 and pin at 11). */
static void test_device_info_bytes(void **state)
{
	struct device_info di;
	uint8_t b[DEVICE_INFO_SIZE];

	(void)state;
	add(0, 0, 0, 0x8086, 0x1237, 6, 0, 0);
	add_virtio_blk(4);
	assert_int_equal(pci_enumerate(&ops), 2);
	memset(&di, 0xAA, sizeof(di));
	pci_device_info(pci_get(1), &di);
	memcpy(b, &di, sizeof(b));
	assert_int_equal(le(b + 0, 2), 0x1AF4);
	assert_int_equal(le(b + 2, 2), 0x1001);
	assert_int_equal(b[4], 1);
	assert_int_equal(b[5], 0);
	assert_int_equal(b[6], 0);
	assert_int_equal(b[7], 4);
	assert_int_equal(b[8], 0);
	assert_int_equal(b[9], 11);
	assert_int_equal(b[10], 3);
	assert_int_equal(b[11], 1);
	assert_int_equal(le(b + 12, 8), 0xC000);
	assert_int_equal(le(b + 20, 4), 0x80);
	assert_int_equal(b[24], 1);
	assert_int_equal(le(b + 28, 8), 0xFEBF1000);
	assert_int_equal(le(b + 36, 4), 0x1000);
	assert_int_equal(b[40], 0);
	assert_int_equal(le(b + 12 + 64, 8), 0xFE000000);
	assert_int_equal(le(b + 12 + 64 + 8, 4), 0x4000);
	for (unsigned i = 2; i < 6; i++) {
		if (i == 4)
			continue;
		for (unsigned j = 0; j < 16; j++)
			assert_int_equal(b[12 + 16 * i + j], 0);
	}
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(b[12 + 16 * i + 13], 0);
		assert_int_equal(b[12 + 16 * i + 14], 0);
		assert_int_equal(b[12 + 16 * i + 15], 0);
	}
	/* The host bridge: no BARs, no interrupt. */
	pci_device_info(pci_get(0), &di);
	assert_int_equal(di.vendor, 0x8086);
	assert_int_equal(di.bar_count, 0);
	assert_int_equal(di.irq, DEVICE_INFO_NO_IRQ);
	assert_int_equal(di.irq_pin, 0);
}

/* Functions 1..7 are scanned only when function 0 says multi-function;
 * gaps between functions are skipped. */
static void test_multifunction(void **state)
{
	(void)state;
	add(0, 1, 0, 0x8086, 0x7000, 6, 1, 0x80);
	add(0, 1, 1, 0x8086, 0x7010, 1, 1, 0);
	add(0, 1, 3, 0x8086, 0x7113, 6, 0x80, 0);
	add(0, 2, 0, 0x1234, 0x1111, 3, 0, 0);	/* single function ... */
	add(0, 2, 2, 0x1234, 0x2222, 3, 0, 0);	/* ... so never seen */
	add(7, 31, 0, 0x1B36, 0x0001, 6, 4, 0); /* another bus */
	assert_int_equal(pci_enumerate(&ops), 5);
	assert_int_equal(pci_get(0)->fn, 0);
	assert_int_equal(pci_get(1)->fn, 1);
	assert_int_equal(pci_get(2)->fn, 3);
	assert_int_equal(pci_get(3)->dev, 2);
	assert_int_equal(pci_get(4)->bus, 7);
	assert_int_equal(pci_get(4)->dev, 31);
	assert_int_equal(pci_get(0)->header_type, 0);
}

/* A function whose vendor reads all ones (or 0) is absent; one with a
 * valid id and all ones everywhere else is listed with nothing usable
 * and its BARs are never written. */
static void test_all_ones_function(void **state)
{
	struct fake_fn *f;
	const struct pci_func *p;
	struct device_info di;

	(void)state;
	add(0, 3, 0, 0xFFFF, 0xFFFF, 0xFF, 0xFF, 0x7F);
	add(0, 5, 0, 0x0000, 0x0000, 1, 0, 0);
	f = add(0, 6, 0, 0xBAD0, 0x0001, 0, 0, 0);
	f->all_ones = true;
	assert_int_equal(pci_enumerate(&ops), 1);
	p = only();
	assert_int_equal(p->vendor, 0xBAD0);
	assert_int_equal(p->class_code, 0xFF);
	assert_int_equal(p->header_type, 0x7F);
	assert_int_equal(p->irq, NONE_IRQ);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(p->bar[i].kind, PCI_BAR_NONE);
	for (unsigned r = 4; r < 10; r++)
		assert_int_equal(f->writes[r], 0);
	pci_device_info(p, &di);
	assert_int_equal(di.bar_count, 0);
	assert_int_equal(di.irq, DEVICE_INFO_NO_IRQ);
	assert_int_equal(di.irq_pin, 0); /* 0xFF is no pin */
}

/* BARs that read all ones whatever is written: none is usable. */
static void test_all_ones_bars(void **state)
{
	struct fake_fn *f = add(0, 6, 0, 0xBAD0, 0x0002, 2, 0, 0);
	const struct pci_func *p;

	(void)state;
	for (unsigned i = 0; i < 6; i++)
		f->value[i] = f->probe[i] = 0xFFFFFFFFu;
	assert_int_equal(pci_enumerate(&ops), 1);
	p = only();
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(p->bar[i].kind, PCI_BAR_IO);
		assert_int_equal(p->bar[i].issue, PCI_BAR_OUT_OF_RANGE);
		assert_false(pci_bar_usable(&p->bar[i]));
	}
	assert_false(pci_io_allowed(0xFFFC, 1));
}

/* A BAR that sizes to 0 is unimplemented: no BAR, no complaint. */
static void test_zero_size_bar(void **state)
{
	struct fake_fn *f = add(0, 6, 0, 0x1234, 1, 2, 0, 0);
	const struct pci_func *p;

	(void)state;
	f->value[0] = 0xFEB00000; /* a value, but no writable bits */
	f->probe[0] = 0;
	f->value[1] = 0xC101; /* I/O with no writable bits */
	f->probe[1] = 0x1;
	bar_mem64(f, 2, 0, 0, false);
	f->probe[2] = 4; /* 64-bit with no writable bits */
	f->probe[3] = 0;
	assert_int_equal(pci_enumerate(&ops), 1);
	p = only();
	assert_int_equal(p->bar[0].kind, PCI_BAR_NONE);
	assert_int_equal(p->bar[1].kind, PCI_BAR_NONE);
	assert_int_equal(p->bar[2].kind, PCI_BAR_NONE);
	assert_int_equal(p->bar[3].kind, PCI_BAR_MEM64_HIGH);
}

/* A 64-bit BAR in the last slot has no upper half: refused, and the
 * register past BAR5 is never touched. */
static void test_64bit_bar_in_last_slot(void **state)
{
	struct fake_fn *f = add(0, 6, 0, 0x1234, 1, 2, 0, 0);
	const struct pci_func *p;

	(void)state;
	bar_mem64(f, 5, 0xFE000000, 0x1000, false);
	assert_int_equal(pci_enumerate(&ops), 1);
	p = only();
	assert_int_equal(p->bar[5].kind, PCI_BAR_MEM64);
	assert_int_equal(p->bar[5].issue, PCI_BAR_NO_UPPER_HALF);
	assert_false(pci_mmio_allowed(0xFE000000, 0x1000));
	assert_int_equal(f->writes[10], 0);
}

/* One hostile BAR per function and the issue it must get. */
struct bar_case {
	const char *what;
	enum pci_bar_kind kind;
	uint64_t base, size;
	uint32_t probe_lo, probe_hi; /* non-zero: override the probe */
	enum pci_bar_issue want;
};

static const struct bar_case bar_cases[] = {
    {"mem32 2 GiB over the kernel's APICs", PCI_BAR_MEM32, 0x80000000,
     0x80000000, 0, 0, PCI_BAR_IN_USE},
    {"mem64 1 TiB", PCI_BAR_MEM64, 1ull << 41, 1ull << 40, 0, 0,
     PCI_BAR_TOO_BIG},
    {"mem64 4 GiB (too big for DeviceInfo)", PCI_BAR_MEM64, 1ull << 36,
     1ull << 32, 0, 0, PCI_BAR_TOO_BIG},
    {"mem32 non-contiguous mask", PCI_BAR_MEM32, 0xFE000000, 0x1000, 0xFFF0F000,
     0, PCI_BAR_BAD_SIZE},
    {"mem64 non-contiguous upper mask", PCI_BAR_MEM64, 0xFE000000, 0x1000,
     0xFFFFF004, 0xF0FFFFFF, PCI_BAR_BAD_SIZE},
    {"io 512 bytes", PCI_BAR_IO, 0xD000, 0x200, 0, 0, PCI_BAR_TOO_BIG},
    {"io non-contiguous mask", PCI_BAR_IO, 0xD000, 0x10, 0xFFFFF0F1, 0,
     PCI_BAR_BAD_SIZE},
    {"mem32 misaligned", PCI_BAR_MEM32, 0xFEBF1800, 0x1000, 0, 0,
     PCI_BAR_MISALIGNED},
    {"io misaligned", PCI_BAR_IO, 0xD008, 0x10, 0, 0, PCI_BAR_MISALIGNED},
    {"io on COM1", PCI_BAR_IO, 0x3F8, 0x8, 0, 0, PCI_BAR_OUT_OF_RANGE},
    {"io on the PCI config ports", PCI_BAR_IO, 0xCF8, 0x8, 0, 0,
     PCI_BAR_OUT_OF_RANGE},
    {"io past 64 KiB", PCI_BAR_IO, 0x10000, 0x10, 0, 0, PCI_BAR_OUT_OF_RANGE},
    {"mem below 1 MiB", PCI_BAR_MEM32, 0xA0000, 0x1000, 0, 0,
     PCI_BAR_OUT_OF_RANGE},
    {"mem past 52 bits", PCI_BAR_MEM64, 1ull << 52, 0x1000, 0, 0,
     PCI_BAR_OUT_OF_RANGE},
    {"mem on RAM", PCI_BAR_MEM32, 0x100000, 0x1000, 0, 0, PCI_BAR_IN_USE},
    {"mem on the local APIC", PCI_BAR_MEM32, LAPIC, 0x1000, 0, 0,
     PCI_BAR_IN_USE},
    {"mem on the I/O APIC", PCI_BAR_MEM64, IOAPIC, 0x1000, 0, 0,
     PCI_BAR_IN_USE},
    {"mem unassigned", PCI_BAR_MEM32, 0, 0x1000, 0, 0, PCI_BAR_UNASSIGNED},
    {"io unassigned", PCI_BAR_IO, 0, 0x20, 0, 0, PCI_BAR_UNASSIGNED},
    {"mem reserved type 3", PCI_BAR_MEM32, 0xFE000000, 0x1000, 0xFFFFF006, 0,
     PCI_BAR_RESERVED_TYPE},
    {"mem64 upper dword hardwired 0", PCI_BAR_MEM64, 0xFE000000, 0x4000,
     0xFFFFC004, 0, PCI_BAR_OK},
    {"io upper 16 bits writable", PCI_BAR_IO, 0xD000, 0x40, 0xFFFFFFC1, 0,
     PCI_BAR_OK},
};

static void test_hostile_bars(void **state)
{
	const size_t n = sizeof(bar_cases) / sizeof(bar_cases[0]);

	(void)state;
	for (size_t c = 0; c < n; c++) {
		const struct bar_case *bc = &bar_cases[c];
		struct fake_fn *f;
		const struct pci_func *p;

		memset(fakes, 0, sizeof(fakes));
		nfakes = 0;
		f = add(0, 8, 0, 0x1234, (uint16_t)c, 2, 0, 0);
		if (bc->kind == PCI_BAR_IO)
			bar_io(f, 0, (uint32_t)bc->base, (uint32_t)bc->size,
			       true);
		else if (bc->kind == PCI_BAR_MEM32)
			bar_mem32(f, 0, (uint32_t)bc->base, bc->size, false);
		else
			bar_mem64(f, 0, bc->base, bc->size, false);
		if (bc->probe_lo) {
			f->probe[0] = bc->probe_lo;
			if (bc->kind == PCI_BAR_MEM64)
				f->probe[1] = bc->probe_hi;
		}
		if (bc->probe_lo && (bc->probe_lo & 6) == 6)
			f->value[0] |= 6; /* reserved memory type */
		assert_int_equal(pci_enumerate(&ops), 1);
		p = only();
		if (p->bar[0].issue != bc->want)
			fail_msg("%s: issue %u (%s), want %u", bc->what,
				 p->bar[0].issue,
				 pci_bar_issue_text(p->bar[0].issue), bc->want);
		assert_int_equal(pci_bar_usable(&p->bar[0]),
				 bc->want == PCI_BAR_OK);
		assert_int_equal(f->ones_while_decoding, 0);
	}
}

/* A BAR overlapping an earlier one (another function's, or its own
 * function's) is refused; I/O and memory spaces do not collide. */
static void test_overlapping_bars(void **state)
{
	struct fake_fn *a = add(0, 3, 0, 0x1234, 1, 2, 0, 0);
	struct fake_fn *b = add(0, 4, 0, 0x1234, 2, 2, 0, 0);
	const struct pci_func *pa, *pb;

	(void)state;
	bar_mem32(a, 0, 0xFE000000, 0x4000, false);
	bar_io(a, 1, 0xC000, 0x40, false);
	bar_mem32(a, 2, 0xFE002000, 0x1000, false); /* inside its own BAR0 */
	bar_mem32(b, 0, 0xFE003000, 0x1000, false); /* inside a's BAR0 */
	bar_io(b, 1, 0xC020, 0x20, false);	    /* inside a's BAR1 */
	bar_mem32(b, 2, 0xFE004000, 0x1000, false); /* just past: fine */
	bar_io(b, 3, 0xC040, 0x20, false);	    /* just past: fine */
	assert_int_equal(pci_enumerate(&ops), 2);
	pa = pci_get(0);
	pb = pci_get(1);
	assert_int_equal(pa->bar[0].issue, PCI_BAR_OK);
	assert_int_equal(pa->bar[1].issue, PCI_BAR_OK);
	assert_int_equal(pa->bar[2].issue, PCI_BAR_OVERLAP);
	assert_int_equal(pb->bar[0].issue, PCI_BAR_OVERLAP);
	assert_int_equal(pb->bar[1].issue, PCI_BAR_OVERLAP);
	assert_int_equal(pb->bar[2].issue, PCI_BAR_OK);
	assert_int_equal(pb->bar[3].issue, PCI_BAR_OK);
}

/* A bridge has two BARs; its bus-number register (BAR2's offset) is
 * never written. */
static void test_bridge_header(void **state)
{
	struct fake_fn *f = add(0, 30, 0, 0x8086, 0x244E, 6, 4, 1);
	const struct pci_func *p;

	(void)state;
	f->regs[6] = 0x00020100; /* primary 0, secondary 1, subordinate 2 */
	bar_mem32(f, 0, 0xFEA00000, 0x1000, false);
	assert_int_equal(pci_enumerate(&ops), 1);
	p = only();
	assert_int_equal(p->header_type, 1);
	assert_int_equal(p->bar[0].kind, PCI_BAR_MEM32);
	assert_int_equal(p->bar[0].issue, PCI_BAR_OK);
	assert_int_equal(p->bar[1].kind, PCI_BAR_NONE);
	assert_int_equal(f->writes[6], 0);
	assert_int_equal(f->regs[6], 0x00020100);
}

/* More functions than the table holds: the first PCI_MAX_FUNCS kept,
 * the rest counted. */
static void test_table_full(void **state)
{
	(void)state;
	everything_present = true;
	assert_int_equal(pci_enumerate(&ops), PCI_MAX_FUNCS);
	assert_int_equal(pci_count(), PCI_MAX_FUNCS);
	assert_int_equal(pci_dropped(), 256 * 32 - PCI_MAX_FUNCS);
	assert_int_equal(pci_get(PCI_MAX_FUNCS - 1)->bus, 1);
	assert_int_equal(pci_get(PCI_MAX_FUNCS - 1)->dev, 31);
	assert_null(pci_get(PCI_MAX_FUNCS));
	assert_null(pci_get(~0ull));
}

/* PortIo's check: the whole access inside one usable I/O BAR. */
static void test_io_allowed(void **state)
{
	struct fake_fn *f = add_virtio_blk(4);

	(void)state;
	bar_io(f, 2, 0x3F8, 8, false); /* refused BAR: never allowed */
	assert_int_equal(pci_enumerate(&ops), 1);
	assert_true(pci_io_allowed(0xC000, 1));
	assert_true(pci_io_allowed(0xC000, 4));
	assert_true(pci_io_allowed(0xC07F, 1));
	assert_true(pci_io_allowed(0xC07E, 2));
	assert_true(pci_io_allowed(0xC07C, 4));
	assert_false(pci_io_allowed(0xC07F, 2));
	assert_false(pci_io_allowed(0xC07E, 4));
	assert_false(pci_io_allowed(0xC080, 1));
	assert_false(pci_io_allowed(0xBFFF, 1));
	assert_false(pci_io_allowed(0xBFFF, 2));
	assert_false(pci_io_allowed(0xC000, 0));
	assert_false(pci_io_allowed(0x3F8, 1));
	assert_false(pci_io_allowed(0xCF8, 4));
	assert_false(pci_io_allowed(0xFFFFFFFFu, 4));
	/* Memory BAR addresses are not ports. */
	assert_false(pci_io_allowed(0xFEBF1000, 1));
}

/* MapMmio's check: the whole range inside one usable memory BAR. */
static void test_mmio_allowed(void **state)
{
	(void)state;
	add_virtio_blk(4);
	assert_int_equal(pci_enumerate(&ops), 1);
	assert_true(pci_mmio_allowed(0xFEBF1000, 0x1000));
	assert_true(pci_mmio_allowed(0xFE000000, 0x4000));
	assert_true(pci_mmio_allowed(0xFE003000, 0x1000));
	assert_false(pci_mmio_allowed(0xFEBF1000, 0x2000));
	assert_false(pci_mmio_allowed(0xFEBF0000, 0x2000));
	assert_false(pci_mmio_allowed(0xFE003000, 0x2000));
	assert_false(pci_mmio_allowed(0xFE004000, 0x1000));
	assert_false(pci_mmio_allowed(0xFE000000, 0));
	assert_false(pci_mmio_allowed(0xFFFFFFFFFFFFF000ull, 0x2000));
	assert_false(pci_mmio_allowed(LAPIC, 0x1000));
	assert_false(pci_mmio_allowed(0xC000, 0x80)); /* a port BAR */
}

/* A usable and an unusable BAR: DeviceInfo shows only the usable one. */
static void test_device_info_hides_refused_bars(void **state)
{
	struct fake_fn *f = add(0, 9, 0, 0x1234, 9, 2, 0, 0);
	struct device_info di;

	(void)state;
	bar_mem32(f, 0, 0x100000, 0x1000, false); /* on RAM */
	bar_io(f, 1, 0xD000, 0x20, false);
	irq_pin(f, 0xFF, 2); /* line unknown */
	assert_int_equal(pci_enumerate(&ops), 1);
	pci_device_info(only(), &di);
	assert_int_equal(di.bar_count, 1);
	assert_int_equal(di.bar[0].address, 0);
	assert_int_equal(di.bar[0].size, 0);
	assert_int_equal(di.bar[1].address, 0xD000);
	assert_int_equal(di.bar[1].size, 0x20);
	assert_int_equal(di.bar[1].is_io, 1);
	assert_int_equal(di.irq, DEVICE_INFO_NO_IRQ);
	assert_int_equal(di.irq_pin, 2);
}

/* Every issue has a text; unknown ones get "?". */
static void test_issue_texts(void **state)
{
	(void)state;
	for (unsigned i = PCI_BAR_OK; i <= PCI_BAR_RESERVED_TYPE; i++)
		assert_string_not_equal(pci_bar_issue_text(i), "?");
	assert_string_equal(pci_bar_issue_text(99), "?");
}

/* ---- capability lists --------------------------------------------- */

static void cfg_byte(struct fake_fn *f, unsigned off, uint8_t v)
{
	unsigned sh = 8 * (off % 4);

	assert_true(off < 256);
	f->regs[off / 4] = (f->regs[off / 4] & ~(0xFFu << sh)) |
			   (uint32_t)v << sh;
}

/* A capability at off: id, next, then (vendor ones) len and body
 * bytes 3.. from seed. */
static void cap(struct fake_fn *f, unsigned off, uint8_t id, uint8_t next,
		uint8_t len, uint8_t seed)
{
	cfg_byte(f, off, id);
	cfg_byte(f, off + 1, next);
	if (id != PCI_CAP_ID_VENDOR)
		return;
	cfg_byte(f, off + 2, len);
	for (unsigned i = 3; i < len && off + i < 256; i++)
		cfg_byte(f, off + i, (uint8_t)(seed + i));
}

static void cap_ptr(struct fake_fn *f, uint8_t ptr)
{
	f->regs[CFG_CAP_PTR_REG] = ptr;
}

static struct device_caps caps_of(unsigned i)
{
	struct device_caps dc;

	memset(&dc, 0xAA, sizeof(dc));
	pci_device_caps(pci_get(i), &dc);
	return dc;
}

/* QEMU's modern virtio-blk-pci: MSI-X at 0x98, then five vendor
 * capabilities (common, ISR, device, notify with its multiplier, PCI
 * config access); only the vendor ones are reported, raw, in list order,
 * lengths as the device says; nothing past a capability's end is copied. */
static void test_vendor_caps_of_modern_virtio(void **state)
{
	struct fake_fn *fk = add_virtio_blk(4);
	struct device_caps dc;
	uint8_t b[DEVICE_CAPS_SIZE];

	(void)state;
	fk->regs[0] = 0x10421AF4u;
	cap_ptr(fk, 0x98);
	cap(fk, 0x98, 0x11, 0x84, 0, 0);		  /* MSI-X */
	cap(fk, 0x84, PCI_CAP_ID_VENDOR, 0x70, 16, 0x10); /* common */
	cap(fk, 0x70, PCI_CAP_ID_VENDOR, 0x60, 16, 0x20); /* ISR */
	cap(fk, 0x60, PCI_CAP_ID_VENDOR, 0x4C, 16, 0x30); /* device */
	cap(fk, 0x4C, PCI_CAP_ID_VENDOR, 0xA4, 20, 0x40); /* notify */
	cap(fk, 0xA4, PCI_CAP_ID_VENDOR, 0x00, 20, 0x50); /* pci cfg */
	cfg_byte(fk, 0x84 + 16, 0xEE); /* after the 16-byte capability */
	assert_int_equal(pci_enumerate(&ops), 1);
	dc = caps_of(0);
	assert_int_equal(dc.count, 5);
	assert_int_equal(dc.walked, 6);
	assert_int_equal(dc.flags, 0);
	assert_int_equal(dc.zero, 0);
	const uint8_t offs[5] = {0x84, 0x70, 0x60, 0x4C, 0xA4};
	const uint8_t lens[5] = {16, 16, 16, 20, 20};

	for (unsigned i = 0; i < 5; i++) {
		const struct device_vcap *v = &dc.cap[i];

		assert_int_equal(v->offset, offs[i]);
		assert_int_equal(v->length, lens[i]);
		assert_int_equal(v->zero[0] | v->zero[1], 0);
		assert_int_equal(v->data[0], PCI_CAP_ID_VENDOR);
		assert_int_equal(v->data[2], lens[i]);
		for (unsigned j = 3; j < lens[i]; j++)
			assert_int_equal(v->data[j], 0x10 * (i + 1) + j);
		for (unsigned j = lens[i]; j < DEVICE_CAP_BYTES; j++)
			assert_int_equal(v->data[j], 0);
	}
	assert_int_equal(dc.cap[0].data[1], 0x70);
	assert_int_equal(dc.cap[4].data[1], 0);
	for (unsigned i = 5; i < DEVICE_CAPS_MAX; i++) {
		assert_int_equal(dc.cap[i].offset, 0);
		assert_int_equal(dc.cap[i].length, 0);
	}
	/* The wire bytes: entry i at 4 + 24 i. */
	memcpy(b, &dc, sizeof(b));
	assert_int_equal(b[0], 5);
	assert_int_equal(b[4 + 24 * 3], 0x4C);
	assert_int_equal(b[4 + 24 * 3 + 1], 20);
	assert_int_equal(b[4 + 24 * 3 + 4], PCI_CAP_ID_VENDOR);
	assert_int_equal(b[4 + 24 * 3 + 4 + 19], 0x40 + 19);
}

/* No capabilities bit in the status register, a null pointer, or a
 * header type without a list (CardBus): nothing is walked. */
static void test_no_capability_list(void **state)
{
	struct fake_fn *a = add(0, 1, 0, 0x1AF4, 0x1042, 1, 0, 0);
	struct fake_fn *b = add(0, 2, 0, 0x1AF4, 0x1042, 1, 0, 0);
	struct fake_fn *c = add(0, 3, 0, 0x1AF4, 0x1042, 1, 0, 2);

	(void)state;
	a->regs[1] &= ~0x00100000u;
	cap_ptr(a, 0x40);
	cap(a, 0x40, PCI_CAP_ID_VENDOR, 0, 16, 1);
	cap_ptr(b, 0);
	cap(b, 0x40, PCI_CAP_ID_VENDOR, 0, 16, 1);
	cap_ptr(c, 0x40);
	cap(c, 0x40, PCI_CAP_ID_VENDOR, 0, 16, 1);
	assert_int_equal(pci_enumerate(&ops), 3);
	for (unsigned i = 0; i < 3; i++) {
		struct device_caps dc = caps_of(i);

		assert_int_equal(dc.count, 0);
		assert_int_equal(dc.walked, 0);
		assert_int_equal(dc.flags, 0);
	}
}

/* Hostile pointers end the walk with BAD_POINTER: into the header
 * (below 0x40), unaligned, all ones; what was read before is kept. */
static void test_caps_bad_pointers(void **state)
{
	static const uint8_t bad[] = {0x04, 0x34, 0x3C, 0x41, 0x42, 0x7F, 0xFF};
	unsigned n = sizeof(bad);

	(void)state;
	for (unsigned i = 0; i < n; i++) {
		struct fake_fn *first = add(0, 2 * i, 0, 0x1AF4, 0x1042, 1, 0, 0);
		struct fake_fn *later = add(0, 2 * i + 1, 0, 0x1AF4, 0x1042, 1,
					    0, 0);

		cap_ptr(first, bad[i]);
		cap_ptr(later, 0x80);
		cap(later, 0x80, PCI_CAP_ID_VENDOR, 0x90, 16, 1);
		cap(later, 0x90, 0x05, bad[i], 0, 0); /* MSI, then bad */
	}
	assert_int_equal(pci_enumerate(&ops), 2 * n);
	for (unsigned i = 0; i < n; i++) {
		struct device_caps dc = caps_of(2 * i);

		assert_int_equal(dc.flags, DEVICE_CAPS_BAD_POINTER);
		assert_int_equal(dc.walked, 0);
		assert_int_equal(dc.count, 0);
		dc = caps_of(2 * i + 1);
		assert_int_equal(dc.flags, DEVICE_CAPS_BAD_POINTER);
		assert_int_equal(dc.walked, 2);
		assert_int_equal(dc.count, 1);
		assert_int_equal(dc.cap[0].offset, 0x80);
	}
}

/* Loops end the walk with LOOP after each entry was read once: a
 * capability pointing at itself, and a cycle back into the middle. */
static void test_caps_loops(void **state)
{
	struct fake_fn *self = add(0, 1, 0, 0x1AF4, 0x1042, 1, 0, 0);
	struct fake_fn *cyc = add(0, 2, 0, 0x1AF4, 0x1042, 1, 0, 0);
	struct device_caps dc;
	unsigned base_reads;

	(void)state;
	cap_ptr(self, 0x40);
	cap(self, 0x40, PCI_CAP_ID_VENDOR, 0x40, 16, 1);
	cap_ptr(cyc, 0x40);
	cap(cyc, 0x40, 0x01, 0x50, 0, 0);
	cap(cyc, 0x50, PCI_CAP_ID_VENDOR, 0xF0, 20, 2);
	cap(cyc, 0xF0, PCI_CAP_ID_VENDOR, 0x44, 12, 3);
	cap(cyc, 0x44, 0x05, 0x50, 0, 0);
	assert_int_equal(pci_enumerate(&ops), 2);
	dc = caps_of(0);
	assert_int_equal(dc.flags, DEVICE_CAPS_LOOP);
	assert_int_equal(dc.walked, 1);
	assert_int_equal(dc.count, 1);
	dc = caps_of(1);
	assert_int_equal(dc.flags, DEVICE_CAPS_LOOP);
	assert_int_equal(dc.walked, 4);
	assert_int_equal(dc.count, 2);
	assert_int_equal(dc.cap[0].offset, 0x50);
	assert_int_equal(dc.cap[1].offset, 0xF0);
	assert_int_equal(dc.cap[1].length, 12);

	/* The reads a walk costs are bounded: compare with a function
	 * without a list. */
	memset(fakes, 0, sizeof(fakes));
	nfakes = 0;
	struct fake_fn *plain = add(0, 1, 0, 0x1AF4, 0x1042, 1, 0, 0);

	plain->regs[1] &= ~0x00100000u;
	assert_int_equal(pci_enumerate(&ops), 1);
	base_reads = plain->reads;
	assert_true(self->reads <= base_reads + 2 + 4 + 1);
	assert_true(cyc->reads <= base_reads + 2 + 4 + 5 + 3 + 1);
}

/* The longest possible list: all 48 dword slots from 0x40 to 0xFC, every
 * one vendor-specific.  48 entries are walked, 16 kept (OVERFLOW), and
 * no read leaves config space: the entry at 0xFC claims 20 bytes but
 * only 4 exist. */
static void test_caps_longest_list(void **state)
{
	struct fake_fn *f = add(0, 1, 0, 0x1AF4, 0x1042, 1, 0, 0);
	struct fake_fn *g = add(0, 2, 0, 0x1AF4, 0x1042, 1, 0, 0);
	struct device_caps dc;

	(void)state;
	cap_ptr(f, 0x40);
	for (unsigned off = 0x40; off <= 0xFC; off += 4)
		cap(f, off, PCI_CAP_ID_VENDOR,
		    off == 0xFC ? 0 : (uint8_t)(off + 4), 4, 0);
	/* g: the same, backwards, the last one at 0xFC claiming 20 bytes. */
	cap_ptr(g, 0xF8);
	for (unsigned off = 0x40; off <= 0xF8; off += 4)
		cap(g, off, 0x05, off == 0x40 ? 0xFC : (uint8_t)(off - 4), 0,
		    0);
	cap(g, 0xFC, PCI_CAP_ID_VENDOR, 0, 20, 9);
	assert_int_equal(pci_enumerate(&ops), 2);
	dc = caps_of(0);
	assert_int_equal(dc.walked, 48);
	assert_int_equal(dc.count, DEVICE_CAPS_MAX);
	assert_int_equal(dc.flags, DEVICE_CAPS_OVERFLOW);
	for (unsigned i = 0; i < DEVICE_CAPS_MAX; i++) {
		assert_int_equal(dc.cap[i].offset, 0x40 + 4 * i);
		assert_int_equal(dc.cap[i].length, 4);
	}
	dc = caps_of(1);
	assert_int_equal(dc.walked, 48);
	assert_int_equal(dc.flags, 0);
	assert_int_equal(dc.count, 1);
	assert_int_equal(dc.cap[0].offset, 0xFC);
	assert_int_equal(dc.cap[0].length, 4);
	assert_int_equal(dc.cap[0].data[2], 20);
	assert_int_equal(dc.cap[0].data[3], 12);
	assert_int_equal(dc.cap[0].data[4], 0);
}

/* Length bytes are clamped to 20; a length below the header (0, 2) is
 * reported as given, so the driver can refuse it. */
static void test_caps_lengths(void **state)
{
	struct fake_fn *f = add(0, 1, 0, 0x1AF4, 0x1042, 1, 0, 0);
	struct device_caps dc;

	(void)state;
	cap_ptr(f, 0x40);
	cap(f, 0x40, PCI_CAP_ID_VENDOR, 0x60, 0xFF, 1);
	cap(f, 0x60, PCI_CAP_ID_VENDOR, 0x80, 0, 2);
	cap(f, 0x80, PCI_CAP_ID_VENDOR, 0, 2, 3);
	cfg_byte(f, 0x83, 0x99);
	assert_int_equal(pci_enumerate(&ops), 1);
	dc = caps_of(0);
	assert_int_equal(dc.count, 3);
	assert_int_equal(dc.flags, 0);
	assert_int_equal(dc.cap[0].length, 20);
	assert_int_equal(dc.cap[0].data[2], 0xFF);
	assert_int_equal(dc.cap[0].data[19], 1 + 19);
	assert_int_equal(dc.cap[1].length, 0);
	for (unsigned j = 0; j < DEVICE_CAP_BYTES; j++)
		assert_int_equal(dc.cap[1].data[j], 0);
	assert_int_equal(dc.cap[2].length, 2);
	assert_int_equal(dc.cap[2].data[0], PCI_CAP_ID_VENDOR);
	assert_int_equal(dc.cap[2].data[1], 0);
	assert_int_equal(dc.cap[2].data[2], 0);
	assert_int_equal(dc.cap[2].data[3], 0);
}

/* A function that reads all ones everywhere: status says "list" and the
 * pointer is 0xFF, but the header type (0x7F) has no list: nothing is
 * walked.  With a sane header type the 0xFF pointer is refused. */
static void test_caps_all_ones(void **state)
{
	struct fake_fn *f = add(0, 1, 0, 0x1AF4, 0x1042, 1, 0, 0);
	struct device_caps dc;

	(void)state;
	f->all_ones = true;
	assert_int_equal(pci_enumerate(&ops), 1);
	dc = caps_of(0);
	assert_int_equal(dc.flags, 0);
	assert_int_equal(dc.walked, 0);
	assert_int_equal(dc.count, 0);

	f->all_ones = false;
	for (unsigned r = 1; r < 64; r++)
		f->regs[r] = 0xFFFFFFFFu;
	f->regs[3] = 0; /* header type 0 */
	assert_int_equal(pci_enumerate(&ops), 1);
	dc = caps_of(0);
	assert_int_equal(dc.flags, DEVICE_CAPS_BAD_POINTER);
	assert_int_equal(dc.walked, 0);
	assert_int_equal(dc.count, 0);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_empty_machine),
	    T(test_virtio_like_function),
	    T(test_device_info_bytes),
	    T(test_multifunction),
	    T(test_all_ones_function),
	    T(test_all_ones_bars),
	    T(test_zero_size_bar),
	    T(test_64bit_bar_in_last_slot),
	    T(test_hostile_bars),
	    T(test_overlapping_bars),
	    T(test_bridge_header),
	    T(test_table_full),
	    T(test_io_allowed),
	    T(test_mmio_allowed),
	    T(test_device_info_hides_refused_bars),
	    T(test_issue_texts),
	    T(test_vendor_caps_of_modern_virtio),
	    T(test_no_capability_list),
	    T(test_caps_bad_pointers),
	    T(test_caps_loops),
	    T(test_caps_longest_list),
	    T(test_caps_lengths),
	    T(test_caps_all_ones),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
