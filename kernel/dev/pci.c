/*
 * kernel/dev/pci.c - PCI enumeration, BAR sizing and checking, and the
 * queries of the device syscalls (pci.h; docs/devices.md section 3).
 *
 * Configuration header type 0 (PCI local bus spec 3.0, section 6.1):
 * 0x00 vendor/device, 0x04 command/status, 0x08 revision, prog-if,
 * subclass, class, 0x0C header type (bits 16..23, bit 23 = multi-
 * function), 0x10..0x24 BAR0..5, 0x3C interrupt line and pin.  Type 1
 * (PCI-to-PCI bridges) has BAR0..1 only; other types have none we use.
 * Both keep the capabilities pointer at 0x34, valid when status bit 4
 * (0x06, "capabilities list") is set (section 6.7).
 */
#include "kernel/dev/pci.h"

#include "lib/klib/string.h"

#include "abi/syscall_out.h"

#define CFG_ID	      0x00
#define CFG_COMMAND   0x04
#define CFG_CLASS     0x08
#define CFG_HEADER    0x0C
#define CFG_BAR0      0x10
#define CFG_CAP_PTR   0x34
#define CFG_INTERRUPT 0x3C
#define CFG_CAP_FIRST 0x40 /* capabilities live in 0x40..0xFF */
#define STATUS_CAPS   (1u << 20) /* in the command/status dword */
#define CMD_IO	      0x0001u /* I/O space decode */
#define CMD_MEM	      0x0002u /* memory space decode */
#define HDR_MULTI     0x80u
#define IRQ_NONE_LINE 0xFFFFFFFFu

_Static_assert(PCI_VCAP_MAX == DEVICE_CAPS_MAX, "pci_func.vcap");
_Static_assert(sizeof(((struct pci_vcap *)0)->data) == DEVICE_CAP_BYTES,
	       "pci_vcap.data");

/* Written by pci_enumerate at boot; read-only afterwards. */
static struct pci_func table[PCI_MAX_FUNCS];
static size_t table_count;
static size_t table_dropped;

static uint32_t rd(const struct pci_config_ops *ops, const struct pci_func *f,
		   unsigned off)
{
	return ops->read32(ops->ctx, f->bus, f->dev, f->fn, off);
}

static void wr(const struct pci_config_ops *ops, const struct pci_func *f,
	       unsigned off, uint32_t v)
{
	ops->write32(ops->ctx, f->bus, f->dev, f->fn, off, v);
}

/* Write all ones to the BAR register at off, read the mask, restore. */
static uint32_t probe(const struct pci_config_ops *ops,
		      const struct pci_func *f, unsigned off, uint32_t orig)
{
	uint32_t mask;

	wr(ops, f, off, 0xFFFFFFFFu);
	mask = rd(ops, f, off);
	wr(ops, f, off, orig);
	return mask;
}

/* Lowest set bit of a size mask: the size it decodes (0 for mask 0). */
static uint64_t mask_size(uint64_t m)
{
	return m & (~m + 1);
}

/* Decode slot i (and i + 1 for a 64-bit BAR) of f; nbars slots exist. */
static unsigned size_bar(const struct pci_config_ops *ops, struct pci_func *f,
			 unsigned i, unsigned nbars)
{
	struct pci_bar *b = &f->bar[i];
	unsigned off = CFG_BAR0 + 4 * i;
	uint32_t orig = rd(ops, f, off);
	uint32_t mask = probe(ops, f, off, orig);

	if (orig & 1) {
		/* I/O: the upper 16 bits may be hardwired to 0. */
		uint32_t m = mask & ~3u;

		if ((m & 0xFFFF) == 0)
			return 1; /* unimplemented */
		m |= 0xFFFF0000u;
		b->kind = PCI_BAR_IO;
		b->base = orig & ~3u;
		b->size = mask_size(m);
		if ((m | (b->size - 1)) != 0xFFFFFFFFu)
			b->issue = PCI_BAR_BAD_SIZE;
		return 1;
	}

	unsigned type = (orig >> 1) & 3;

	b->prefetch = (orig & 8) != 0;
	if (type == 3) {
		b->kind = PCI_BAR_MEM32;
		b->base = orig & ~0xFu;
		b->size = mask_size(mask & ~0xFu);
		b->issue = PCI_BAR_RESERVED_TYPE;
		return 1;
	}
	if (type != 2) {
		uint64_t m = mask & ~0xFu;

		if (m == 0)
			return 1;
		b->kind = PCI_BAR_MEM32;
		b->base = orig & ~0xFu;
		b->size = mask_size(m);
		if ((m | (b->size - 1)) != 0xFFFFFFFFu)
			b->issue = PCI_BAR_BAD_SIZE;
		return 1;
	}
	b->kind = PCI_BAR_MEM64;
	if (i + 1 >= nbars) {
		/* No slot holds the upper half: nothing sane to decode. */
		b->base = orig & ~0xFu;
		b->size = mask_size(mask & ~0xFu);
		b->issue = PCI_BAR_NO_UPPER_HALF;
		return 1;
	}

	uint32_t orig_hi = rd(ops, f, off + 4);
	uint32_t mask_hi = probe(ops, f, off + 4, orig_hi);
	uint64_t m = (uint64_t)mask_hi << 32 | (mask & ~0xFu);
	uint64_t top;

	f->bar[i + 1].kind = PCI_BAR_MEM64_HIGH;
	if (m == 0) {
		b->kind = PCI_BAR_NONE;
		return 2;
	}
	b->base = (uint64_t)orig_hi << 32 | (orig & ~0xFu);
	b->size = mask_size(m);
	top = m | (b->size - 1);
	/* All address bits above the size writable; a device that decodes
	 * only 32 of them may hardwire the upper dword to 0. */
	if (top != UINT64_MAX && top != 0xFFFFFFFFull)
		b->issue = PCI_BAR_BAD_SIZE;
	return 2;
}

static bool same_space(const struct pci_bar *a, const struct pci_bar *b)
{
	return (a->kind == PCI_BAR_IO) == (b->kind == PCI_BAR_IO);
}

static bool overlaps(const struct pci_bar *a, const struct pci_bar *b)
{
	return pci_bar_usable(b) && same_space(a, b) &&
	       a->base < b->base + b->size && b->base < a->base + a->size;
}

/* Does b overlap a usable BAR of the table or an earlier slot of f? */
static bool overlaps_earlier(const struct pci_bar *b, const struct pci_func *f)
{
	for (size_t n = 0; n < table_count; n++) {
		for (unsigned j = 0; j < PCI_BARS; j++) {
			if (overlaps(b, &table[n].bar[j]))
				return true;
		}
	}
	for (const struct pci_bar *o = f->bar; o < b; o++) {
		if (overlaps(b, o))
			return true;
	}
	return false;
}

/* The issue of a decoded BAR, first rule broken wins. */
static uint8_t check_bar(const struct pci_config_ops *ops,
			 const struct pci_bar *b, const struct pci_func *f)
{
	bool io = b->kind == PCI_BAR_IO;

	if (b->issue != PCI_BAR_OK)
		return b->issue;
	if (b->base == 0)
		return PCI_BAR_UNASSIGNED;
	if (b->size > (io ? PCI_IO_BAR_MAX : PCI_MEM_BAR_MAX))
		return PCI_BAR_TOO_BIG;
	if (b->base & (b->size - 1))
		return PCI_BAR_MISALIGNED;
	if (io) {
		if (b->base < PCI_IO_MIN || b->base + b->size > 0x10000)
			return PCI_BAR_OUT_OF_RANGE;
	} else {
		if (b->base < PCI_MEM_MIN || b->base > PCI_MEM_LIMIT - b->size)
			return PCI_BAR_OUT_OF_RANGE;
		if (ops->phys_in_use &&
		    ops->phys_in_use(ops->ctx, b->base, b->size))
			return PCI_BAR_IN_USE;
	}
	if (overlaps_earlier(b, f))
		return PCI_BAR_OVERLAP;
	return PCI_BAR_OK;
}

static void read_bars(const struct pci_config_ops *ops, struct pci_func *f)
{
	unsigned nbars = f->header_type == 0 ? 6 : f->header_type == 1 ? 2 : 0;
	uint32_t cmd;

	if (nbars == 0)
		return;
	/* Decoding off while a BAR holds all ones, or the device would
	 * answer at a bogus address (status bits are write-1-to-clear: the
	 * zeros written there change nothing). */
	cmd = rd(ops, f, CFG_COMMAND) & 0xFFFF;
	wr(ops, f, CFG_COMMAND, cmd & ~(CMD_IO | CMD_MEM));
	for (unsigned i = 0; i < nbars;)
		i += size_bar(ops, f, i, nbars);
	wr(ops, f, CFG_COMMAND, cmd);
	for (unsigned i = 0; i < nbars; i++) {
		struct pci_bar *b = &f->bar[i];

		if (b->kind != PCI_BAR_NONE && b->kind != PCI_BAR_MEM64_HIGH)
			b->issue = check_bar(ops, b, f);
	}
}

/* Copy the vendor capability at ptr (4-aligned, >= 0x40) whose first
 * dword is hdr: at most its length byte, 20 bytes, and the config space
 * left; only the dwords that hold those bytes are read. */
static void copy_vcap(const struct pci_config_ops *ops, struct pci_func *f,
		      unsigned ptr, uint32_t hdr)
{
	struct pci_vcap *v;
	unsigned len = (hdr >> 16) & 0xFF;

	if (f->vcap_count == DEVICE_CAPS_MAX) {
		f->cap_flags |= DEVICE_CAPS_OVERFLOW;
		return;
	}
	v = &f->vcap[f->vcap_count++];
	if (len > sizeof(v->data))
		len = sizeof(v->data);
	if (len > 0x100 - ptr)
		len = 0x100 - ptr;
	v->off = (uint8_t)ptr;
	v->len = (uint8_t)len;
	for (unsigned i = 0; i < len; i += 4) {
		uint32_t dw = i == 0 ? hdr : rd(ops, f, ptr + i);

		for (unsigned b = 0; b < 4 && i + b < len; b++)
			v->data[i + b] = (uint8_t)(dw >> (8 * b));
	}
}

/*
 * Walk the capability list (PCI 3.0 section 6.7) and keep the vendor-
 * specific entries.  The list is the device's and may be hostile: a
 * pointer below 0x40 or not 4-aligned ends the walk (BAD_POINTER), and so
 * does an entry visited twice (LOOP); 48 dword slots exist above 0x40, so
 * no walk reads more than 48 entries.  Only config space is read.
 */
static void read_caps(const struct pci_config_ops *ops, struct pci_func *f)
{
	uint64_t seen = 0;
	unsigned ptr;

	if (f->header_type > 1 || !(rd(ops, f, CFG_COMMAND) & STATUS_CAPS))
		return;
	ptr = rd(ops, f, CFG_CAP_PTR) & 0xFF;
	while (ptr != 0) {
		unsigned slot;
		uint32_t hdr;

		if (ptr < CFG_CAP_FIRST || (ptr & 3)) {
			f->cap_flags |= DEVICE_CAPS_BAD_POINTER;
			return;
		}
		slot = (ptr - CFG_CAP_FIRST) / 4;
		if ((seen >> slot) & 1 || f->cap_walked == PCI_CAP_WALK_MAX) {
			f->cap_flags |= DEVICE_CAPS_LOOP;
			return;
		}
		seen |= 1ull << slot;
		f->cap_walked++;
		hdr = rd(ops, f, ptr);
		if ((hdr & 0xFF) == PCI_CAP_ID_VENDOR)
			copy_vcap(ops, f, ptr, hdr);
		ptr = (hdr >> 8) & 0xFF;
	}
}

/* Read function bus:dev.fn into *f; false when nothing answers. */
static bool read_function(const struct pci_config_ops *ops, unsigned bus,
			  unsigned dev, unsigned fn, struct pci_func *f)
{
	uint32_t id, cls, intr;

	*f = (struct pci_func){0};
	f->bus = (uint8_t)bus;
	f->dev = (uint8_t)dev;
	f->fn = (uint8_t)fn;
	id = rd(ops, f, CFG_ID);
	f->vendor = id & 0xFFFF;
	f->device = id >> 16;
	if (f->vendor == 0xFFFF || f->vendor == 0)
		return false;
	cls = rd(ops, f, CFG_CLASS);
	f->revision = cls & 0xFF;
	f->prog_if = (cls >> 8) & 0xFF;
	f->subclass = (cls >> 16) & 0xFF;
	f->class_code = cls >> 24;
	f->header_type = (rd(ops, f, CFG_HEADER) >> 16) & 0x7F;
	intr = rd(ops, f, CFG_INTERRUPT);
	f->irq_line = intr & 0xFF;
	f->irq_pin = (intr >> 8) & 0xFF;
	f->irq = ops->irq_of ? ops->irq_of(ops->ctx, f->irq_line, f->irq_pin)
			     : IRQ_NONE_LINE;
	read_bars(ops, f);
	read_caps(ops, f);
	return true;
}

/* Keep function bus:dev.fn if present; true when it answered. */
static bool add_function(const struct pci_config_ops *ops, unsigned bus,
			 unsigned dev, unsigned fn)
{
	struct pci_func f;

	if (!read_function(ops, bus, dev, fn, &f))
		return false;
	if (table_count == PCI_MAX_FUNCS)
		table_dropped++;
	else
		table[table_count++] = f;
	return true;
}

size_t pci_enumerate(const struct pci_config_ops *ops)
{
	table_count = 0;
	table_dropped = 0;
	for (unsigned bus = 0; bus < 256; bus++) {
		for (unsigned dev = 0; dev < 32; dev++) {
			uint32_t hdr;

			if (!add_function(ops, bus, dev, 0))
				continue;
			hdr = ops->read32(ops->ctx, bus, dev, 0, CFG_HEADER) >>
			      16;
			if (!(hdr & HDR_MULTI))
				continue;
			for (unsigned fn = 1; fn < 8; fn++)
				(void)add_function(ops, bus, dev, fn);
		}
	}
	return table_count;
}

size_t pci_count(void)
{
	return table_count;
}

size_t pci_dropped(void)
{
	return table_dropped;
}

const struct pci_func *pci_get(uint64_t i)
{
	return i < table_count ? &table[i] : NULL;
}

bool pci_bar_usable(const struct pci_bar *b)
{
	return b->issue == PCI_BAR_OK &&
	       (b->kind == PCI_BAR_IO || b->kind == PCI_BAR_MEM32 ||
		b->kind == PCI_BAR_MEM64);
}

const char *pci_bar_issue_text(unsigned issue)
{
	switch (issue) {
	case PCI_BAR_OK:
		return "ok";
	case PCI_BAR_UNASSIGNED:
		return "no address assigned";
	case PCI_BAR_BAD_SIZE:
		return "size mask not contiguous";
	case PCI_BAR_MISALIGNED:
		return "base not aligned to its size";
	case PCI_BAR_TOO_BIG:
		return "too large";
	case PCI_BAR_OUT_OF_RANGE:
		return "outside the allowed address range";
	case PCI_BAR_IN_USE:
		return "overlaps RAM or kernel device registers";
	case PCI_BAR_OVERLAP:
		return "overlaps another BAR";
	case PCI_BAR_NO_UPPER_HALF:
		return "64-bit BAR in the last slot";
	case PCI_BAR_RESERVED_TYPE:
		return "reserved memory type";
	default:
		return "?";
	}
}

void pci_device_info(const struct pci_func *f, struct device_info *out)
{
	*out = (struct device_info){0};
	out->vendor = f->vendor;
	out->device = f->device;
	out->class_code = f->class_code;
	out->subclass = f->subclass;
	out->bus = f->bus;
	out->dev = f->dev;
	out->function = f->fn;
	out->irq = f->irq < 0xFF ? (uint8_t)f->irq : 0xFF;
	out->irq_pin = f->irq_pin <= 4 ? f->irq_pin : 0;
	for (unsigned i = 0; i < PCI_BARS; i++) {
		const struct pci_bar *b = &f->bar[i];

		if (!pci_bar_usable(b))
			continue;
		out->bar[i].address = b->base;
		out->bar[i].size = (uint32_t)b->size;
		out->bar[i].is_io = b->kind == PCI_BAR_IO;
		out->bar_count++;
	}
}

void pci_device_caps(const struct pci_func *f, struct device_caps *out)
{
	*out = (struct device_caps){0};
	out->count = f->vcap_count;
	out->flags = f->cap_flags;
	out->walked = f->cap_walked;
	for (unsigned i = 0; i < f->vcap_count; i++) {
		out->cap[i].offset = f->vcap[i].off;
		out->cap[i].length = f->vcap[i].len;
		memcpy(out->cap[i].data, f->vcap[i].data,
		       sizeof(out->cap[i].data));
	}
}

/* Is [start, start + len) inside a usable BAR of the given space? */
static bool inside_bar(uint64_t start, uint64_t len, bool io)
{
	if (len == 0 || start + len < start)
		return false;
	for (size_t n = 0; n < table_count; n++) {
		for (unsigned j = 0; j < PCI_BARS; j++) {
			const struct pci_bar *b = &table[n].bar[j];

			if (pci_bar_usable(b) &&
			    (b->kind == PCI_BAR_IO) == io && start >= b->base &&
			    start + len <= b->base + b->size)
				return true;
		}
	}
	return false;
}

bool pci_io_allowed(uint32_t port, unsigned width)
{
	return inside_bar(port, width, true);
}

bool pci_mmio_allowed(uint64_t phys, uint64_t len)
{
	return inside_bar(phys, len, false);
}
