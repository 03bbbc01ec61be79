/*
 * tests/fuzz/fuzz_pci.c - libFuzzer target for PCI enumeration and BAR
 * checking (kernel/dev/pci.c).  The input is the configuration space of
 * up to 8 functions on bus 0 (64 dwords each), followed by what each
 * function's six BAR registers read after all ones are written to them.
 * Whatever the devices claim, every BAR the scan hands out must obey the
 * rules of docs/devices.md section 3, and no two may overlap.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "abi/syscall_out.h"
#include "kernel/dev/pci.h"

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			__builtin_trap();                                      \
	} while (0)

#define FUNCS		8
#define RAM_END		0x8000000ull
#define KERNEL_MMIO	0xFEE00000ull

static uint32_t cfg[FUNCS][64];
static uint32_t probe[FUNCS][6];
static bool probing[FUNCS][6];
static unsigned nfuncs;

/* Function i sits at 00:i.0, or at 00:0.i when function 0 says
 * multi-function: both layouts are reached by the input. */
static int index_of(unsigned bus, unsigned dev, unsigned fn)
{
	if (bus != 0)
		return -1;
	if (fn == 0 && dev < nfuncs)
		return (int)dev;
	if (dev == 0 && fn < nfuncs)
		return (int)fn;
	return -1;
}

static uint32_t rd(void *ctx, unsigned bus, unsigned dev, unsigned fn,
		   unsigned off)
{
	int i = index_of(bus, dev, fn);
	unsigned r = off / 4;

	(void)ctx;
	CHECK(off < 256 && off % 4 == 0);
	if (i < 0)
		return 0xFFFFFFFFu;
	if (r >= 4 && r < 10 && probing[i][r - 4])
		return probe[i][r - 4];
	return cfg[i][r];
}

static void wr(void *ctx, unsigned bus, unsigned dev, unsigned fn,
	       unsigned off, uint32_t v)
{
	int i = index_of(bus, dev, fn);
	unsigned r = off / 4;

	(void)ctx;
	CHECK(off < 256 && off % 4 == 0);
	if (i < 0)
		return;
	if (r >= 4 && r < 10) {
		probing[i][r - 4] = v == 0xFFFFFFFFu;
		if (v != 0xFFFFFFFFu)
			cfg[i][r] = v;
		return;
	}
	cfg[i][r] = v;
}

static bool in_use(void *ctx, uint64_t base, uint64_t len)
{
	(void)ctx;
	return base < RAM_END || (base < KERNEL_MMIO + 0x1000 &&
				  KERNEL_MMIO < base + len);
}

static uint32_t irq_of(void *ctx, uint8_t line, uint8_t pin)
{
	(void)ctx;
	return pin >= 1 && pin <= 4 && line < 224 ? line : 0xFFFFFFFFu;
}

static const struct pci_config_ops ops = {rd, wr, in_use, irq_of, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t per = sizeof(cfg[0]) + sizeof(probe[0]);
	const struct pci_bar *all[FUNCS * 8 * 6];
	size_t nall = 0;

	if (size < 1)
		return 0;
	nfuncs = 1 + data[0] % FUNCS;
	data++;
	size--;
	memset(cfg, 0, sizeof(cfg));
	memset(probe, 0, sizeof(probe));
	memset(probing, 0, sizeof(probing));
	for (unsigned i = 0; i < nfuncs && size; i++) {
		size_t n = size < per ? size : per;
		uint8_t buf[sizeof(cfg[0]) + sizeof(probe[0])] = {0};

		memcpy(buf, data, n);
		memcpy(cfg[i], buf, sizeof(cfg[0]));
		memcpy(probe[i], buf + sizeof(cfg[0]), sizeof(probe[0]));
		data += n;
		size -= n;
	}

	size_t count = pci_enumerate(&ops);

	CHECK(count == pci_count() && count <= PCI_MAX_FUNCS);
	for (size_t f = 0; f < count; f++) {
		const struct pci_func *p = pci_get(f);
		struct device_info di;
		unsigned usable = 0;

		CHECK(p && p->vendor != 0xFFFF && p->vendor != 0);
		pci_device_info(p, &di);
		for (unsigned j = 0; j < PCI_BARS; j++) {
			const struct pci_bar *b = &p->bar[j];

			if (!pci_bar_usable(b)) {
				CHECK(di.bar[j].size == 0 && di.bar[j].address == 0);
				continue;
			}
			usable++;
			CHECK(b->size && (b->size & (b->size - 1)) == 0);
			CHECK((b->base & (b->size - 1)) == 0);
			if (b->kind == PCI_BAR_IO) {
				CHECK(b->size <= PCI_IO_BAR_MAX);
				CHECK(b->base >= PCI_IO_MIN &&
				      b->base + b->size <= 0x10000);
				CHECK(pci_io_allowed((uint32_t)b->base, 1));
			} else {
				CHECK(b->size <= PCI_MEM_BAR_MAX);
				CHECK(b->base >= PCI_MEM_MIN &&
				      b->base + b->size <= PCI_MEM_LIMIT);
				CHECK(!in_use(NULL, b->base, b->size));
				CHECK(pci_mmio_allowed(b->base, b->size));
			}
			CHECK(di.bar[j].address == b->base &&
			      di.bar[j].size == b->size);
			for (size_t k = 0; k < nall; k++) {
				const struct pci_bar *o = all[k];

				CHECK((o->kind == PCI_BAR_IO) != (b->kind == PCI_BAR_IO) ||
				      o->base + o->size <= b->base ||
				      b->base + b->size <= o->base);
			}
			all[nall++] = b;
		}
		CHECK(di.bar_count == usable);
		CHECK(di.irq_pin <= 4);
	}
	/* Nothing outside a usable BAR is ever allowed. */
	CHECK(!pci_io_allowed(0x3F8, 1));
	CHECK(!pci_mmio_allowed(KERNEL_MMIO, 0x1000));
	CHECK(!pci_mmio_allowed(0x100000, 0x1000));
	return 0;
}
