/*
 * tests/unit/virtio_blk_sim.c - the simulated virtio-blk device of
 * virtio_blk_sim.h, legacy or modern.  Requests are executed synchronously when the driver
 * writes the notify register (or, for SIM_LATE, inside a later wait), the
 * way QEMU does it from the vCPU's I/O exit.
 */
#include "tests/unit/virtio_blk_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/errno.h"
#include "abi/syscall_out.h"

static void bug(struct sim *s, const char *what)
{
	s->driver_bugs++;
	s->last_bug = what;
	fprintf(stderr, "sim: driver bug: %s\n", what);
}

void sim_init(struct sim *s, uint64_t sectors, uint16_t qsize)
{
	memset(s, 0, sizeof(*s));
	s->capacity = sectors;
	s->qsize = qsize;
	s->qmax = qsize;
	s->dev_features = VBLK_F_FLUSH | (1u << 5) | (1u << 6) | (1u << 28);
	s->disk_bytes = (size_t)sectors * VBLK_SECTOR_SIZE;
	s->disk = calloc(1, s->disk_bytes ? s->disk_bytes : 1);
	s->durable = calloc(1, s->disk_bytes ? s->disk_bytes : 1);
	s->next_pa = SIM_PA_BASE;
}

void sim_init_modern(struct sim *s, uint64_t sectors, uint16_t qsize)
{
	sim_init(s, sectors, qsize);
	s->modern = true;
	s->notify_mult = SIM_NOTIFY_MULT;
	s->q_notify_off = SIM_QUEUE_NOTIFY;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A virtio_pci_cap (16 bytes, 20 for notify) at config offset off. */
static void vcap(struct device_caps *c, uint8_t off, uint8_t type,
		 uint8_t next, uint32_t region, uint32_t len, bool notify)
{
	struct device_vcap *v = &c->cap[c->count++];

	v->offset = off;
	v->length = notify || type == 5 ? 20 : 16;
	v->data[0] = 0x09;
	v->data[1] = next;
	v->data[2] = v->length;
	v->data[3] = type;
	v->data[4] = 4; /* BAR 4 */
	put_le32(v->data + 8, region);
	put_le32(v->data + 12, len);
	if (notify)
		put_le32(v->data + 16, SIM_NOTIFY_MULT);
}

void sim_modern_records(struct device_caps *caps, struct device_info *info)
{
	memset(caps, 0, sizeof(*caps));
	memset(info, 0, sizeof(*info));
	info->vendor = 0x1AF4;
	info->device = 0x1042;
	info->class_code = 1;
	info->irq = 11;
	info->irq_pin = 1;
	info->bar_count = 2;
	info->bar[1].address = 0xFEBF1000;
	info->bar[1].size = 0x1000;
	info->bar[4].address = SIM_BAR_BASE;
	info->bar[4].size = SIM_BAR_SIZE;
	vcap(caps, 0x84, VBLK_CAP_COMMON, 0x70, SIM_COMMON_OFF, SIM_REGION_LEN,
	     false);
	vcap(caps, 0x70, VBLK_CAP_ISR, 0x60, SIM_ISR_OFF, SIM_REGION_LEN, false);
	vcap(caps, 0x60, VBLK_CAP_DEVICE, 0x50, SIM_DEVICE_OFF, SIM_REGION_LEN,
	     false);
	vcap(caps, 0x50, VBLK_CAP_NOTIFY, 0x40, SIM_NOTIFY_OFF, SIM_REGION_LEN,
	     true);
	vcap(caps, 0x40, 5, 0, 0, 0, false); /* PCI configuration access */
	caps->walked = 6;		     /* and MSI-X */
}

void sim_free(struct sim *s)
{
	for (int i = 0; i < s->ndma; i++)
		free(s->dma[i].mem);
	free(s->disk);
	free(s->durable);
	memset(s, 0, sizeof(*s));
}

void sim_fill_block(struct sim *s, uint64_t lba, uint8_t seed)
{
	size_t off = (size_t)lba * VBLK_BLOCK_SIZE;

	for (size_t i = 0; i < VBLK_BLOCK_SIZE && off + i < s->disk_bytes;
	     i++) {
		s->disk[off + i] = (uint8_t)(seed + i * 7);
		s->durable[off + i] = s->disk[off + i];
	}
}

/* Host pointer of [pa, pa + len) inside one DMA buffer, or NULL. */
static uint8_t *dma_ptr(struct sim *s, uint64_t pa, size_t len)
{
	for (int i = 0; i < s->ndma; i++) {
		struct sim_dma *b = &s->dma[i];

		if (pa >= b->pa && len <= b->len && pa - b->pa <= b->len - len)
			return b->mem + (pa - b->pa);
	}
	return NULL;
}

static int sim_dma_alloc(void *ctx, size_t pages, struct vblk_dma *out)
{
	struct sim *s = ctx;
	struct sim_dma *b;

	if (s->f.dma_fail || s->ndma == SIM_DMA_MAX || pages == 0)
		return -ENOMEM;
	b = &s->dma[s->ndma++];
	b->len = pages * VBLK_PAGE_SIZE;
	b->mem = aligned_alloc(VBLK_PAGE_SIZE, b->len);
	memset(b->mem, 0, b->len);
	if (s->f.dma_pa) {
		b->pa = s->f.dma_pa;
		s->f.dma_pa = 0;
	} else {
		b->pa = s->next_pa;
		s->next_pa += b->len + VBLK_PAGE_SIZE; /* a guard gap */
	}
	out->va = b->mem;
	out->pa = b->pa;
	return 0;
}

struct vblk_dma sim_page(struct sim *s)
{
	struct vblk_dma d = {NULL, 0};

	if (sim_dma_alloc(s, 1, &d) != 0)
		d.va = NULL;
	return d;
}

/* --- queue processing ---------------------------------------------------- */

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static uint32_t used_off(uint16_t q)
{
	uint32_t end = 16u * q + 4 + 2u * q + 2;

	return (end + VBLK_PAGE_SIZE - 1) & ~(VBLK_PAGE_SIZE - 1);
}

/* Queue 0's rings in DMA memory: legacy from the PFN and the fixed
 * layout, modern from the three addresses the driver wrote. */
struct rings {
	uint8_t *desc, *avail, *used;
};

static bool rings(struct sim *s, struct rings *r)
{
	uint32_t q = s->qsize;

	if (s->modern) {
		if (!s->q_enable)
			return false;
		r->desc = dma_ptr(s, s->q_desc, 16u * q);
		r->avail = dma_ptr(s, s->q_driver, 6 + 2u * q);
		r->used = dma_ptr(s, s->q_device, 6 + 8u * q);
		if ((s->q_desc % 16) || (s->q_driver % 2) || (s->q_device % 4))
			return false;
	} else {
		uint8_t *base = dma_ptr(s, (uint64_t)s->pfn * VBLK_PAGE_SIZE,
					used_off(s->qsize) + 4 + 8 * q + 2);

		r->desc = base;
		r->avail = base ? base + 16u * q : NULL;
		r->used = base ? base + used_off(s->qsize) : NULL;
	}
	return r->desc && r->avail && r->used;
}

static bool fault_now(struct sim *s, enum sim_req_fault which)
{
	return s->f.req == which && s->f.req_count != 0;
}

static void push_used(struct sim *s, uint8_t *used, uint32_t id,
		      uint32_t len)
{
	uint16_t q = s->qsize;
	uint8_t *elem = used + 4 + 8 * (s->used_idx % q);
	uint16_t step = 1;

	if (fault_now(s, SIM_USED_JUMP))
		step = 2;
	if (fault_now(s, SIM_USED_ID_RANGE))
		id = q + 5u;
	if (fault_now(s, SIM_USED_ID_WRONG))
		id = (id + 1) % q;
	if (fault_now(s, SIM_USED_LEN_BIG))
		len = 5000;
	if (fault_now(s, SIM_USED_LEN_SHORT))
		len = 1;
	memcpy(elem, &id, 4);
	memcpy(elem + 4, &len, 4);
	s->used_idx = (uint16_t)(s->used_idx + step);
	memcpy(used + 2, &s->used_idx, 2);
}

/* Execute the chain at head; returns the bytes written to the driver. */
static uint32_t execute(struct sim *s, uint8_t *desc, uint16_t head)
{
	struct desc d[5];
	unsigned n = 0;
	uint16_t i = head;

	for (;;) {
		if (n == 4) {
			bug(s, "chain longer than 4");
			return 0;
		}
		memcpy(&d[n], desc + 16u * i, sizeof(d[n]));
		if (!(d[n].flags & VBLK_DESC_NEXT)) {
			n++;
			break;
		}
		if (d[n].next >= s->qsize) {
			bug(s, "next out of range");
			return 0;
		}
		i = d[n++].next;
	}
	if (n < 2 || d[0].len != 16 || (d[0].flags & VBLK_DESC_WRITE) ||
	    d[n - 1].len != 1 || !(d[n - 1].flags & VBLK_DESC_WRITE)) {
		bug(s, "chain shape: header RO 16, status W 1");
		return 0;
	}
	uint8_t *hdr = dma_ptr(s, d[0].addr, 16);
	uint8_t *st = dma_ptr(s, d[n - 1].addr, 1);
	uint8_t *data = NULL;

	if (!hdr || !st) {
		bug(s, "header or status outside DMA memory");
		return 0;
	}
	uint32_t type, reserved;
	uint64_t sector;

	memcpy(&type, hdr, 4);
	memcpy(&reserved, hdr + 4, 4);
	memcpy(&sector, hdr + 8, 8);
	if (reserved != 0)
		bug(s, "reserved header field not 0");
	if (n == 3) {
		data = dma_ptr(s, d[1].addr, d[1].len);
		if (!data || d[1].len % VBLK_SECTOR_SIZE != 0) {
			bug(s, "data buffer outside DMA memory or not sectors");
			return 0;
		}
	}
	s->requests++;
	if (fault_now(s, SIM_IOERR) || fault_now(s, SIM_UNSUPP)) {
		*st = fault_now(s, SIM_IOERR) ? VBLK_S_IOERR : VBLK_S_UNSUPP;
		return 1 + (type == VBLK_T_IN && data ? d[1].len : 0);
	}
	uint8_t status = VBLK_S_OK;
	uint32_t written = 1;
	uint64_t secs = data ? d[1].len / VBLK_SECTOR_SIZE : 0;

	switch (type) {
	case VBLK_T_IN:
	case VBLK_T_OUT:
		if (!data) {
			bug(s, "read/write without data");
			status = VBLK_S_IOERR;
			break;
		}
		if ((type == VBLK_T_IN) != !!(d[1].flags & VBLK_DESC_WRITE))
			bug(s, "data direction flag wrong");
		if (sector > s->disk_bytes / VBLK_SECTOR_SIZE ||
		    secs > s->disk_bytes / VBLK_SECTOR_SIZE - sector) {
			bug(s, "request past the end of the disk");
			status = VBLK_S_IOERR;
			break;
		}
		if (type == VBLK_T_IN) {
			memcpy(data, s->disk + sector * VBLK_SECTOR_SIZE,
			       d[1].len);
			written += d[1].len;
		} else {
			memcpy(s->disk + sector * VBLK_SECTOR_SIZE, data,
			       d[1].len);
		}
		break;
	case VBLK_T_FLUSH:
		if (data)
			bug(s, "flush with a data buffer");
		memcpy(s->durable, s->disk, s->disk_bytes);
		s->flushes++;
		break;
	default:
		status = VBLK_S_UNSUPP;
		break;
	}
	if (fault_now(s, SIM_STATUS_BAD))
		status = 7;
	if (!fault_now(s, SIM_STATUS_UNTOUCHED))
		*st = status;
	return written;
}

static void raise_irq(struct sim *s)
{
	s->isr |= 1;
	s->irq_pending++;
}

static void process(struct sim *s)
{
	struct rings r;
	uint16_t q = s->qsize, avail_idx;

	if (!rings(s, &r)) {
		bug(s, "notify without a ring in DMA memory");
		return;
	}
	memcpy(&avail_idx, r.avail + 2, 2);
	if ((uint16_t)(avail_idx - s->last_avail) > q) {
		bug(s, "avail index ahead by more than the queue");
		return;
	}
	while (s->last_avail != avail_idx) {
		uint16_t head;

		memcpy(&head, r.avail + 4 + 2u * (s->last_avail % q), 2);
		s->last_avail++;
		if (head >= q) {
			bug(s, "avail head out of range");
			continue;
		}
		if (fault_now(s, SIM_IRQ_STORM) || fault_now(s, SIM_NO_IRQ)) {
			s->requests++;
			s->storm = fault_now(s, SIM_IRQ_STORM);
			if (s->f.req_count > 0)
				s->f.req_count--;
			continue; /* swallowed */
		}
		uint32_t written = execute(s, r.desc, head);

		push_used(s, r.used, head, written);
		if (s->f.req_count > 0)
			s->f.req_count--;
		raise_irq(s);
	}
}

static void reset(struct sim *s)
{
	s->status = s->f.reset_ignored ? 1 : 0;
	s->guest_features = 0;
	s->guest_hi = 0;
	s->dfsel = s->gfsel = 0;
	s->q_desc = s->q_driver = s->q_device = 0;
	s->q_enable = s->f.enabled_at_reset ? 1 : 0;
	s->qsize = s->qmax;
	s->pfn = 0;
	s->qsel = 0;
	s->isr = 0;
	s->last_avail = 0;
	s->used_idx = 0;
	s->deferred = false;
	s->storm = false;
	s->irq_pending = 0;
	s->resets++;
	if (s->f.capacity_after_reset)
		s->capacity = s->f.capacity_after_reset;
}

/* --- registers ----------------------------------------------------------- */

static unsigned reg_width(uint32_t off)
{
	switch (off) {
	case VBLK_REG_DEVICE_FEATURES:
	case VBLK_REG_GUEST_FEATURES:
	case VBLK_REG_QUEUE_PFN:
	case VBLK_REG_CAPACITY:
	case VBLK_REG_CAPACITY + 4:
		return 4;
	case VBLK_REG_QUEUE_SIZE:
	case VBLK_REG_QUEUE_SELECT:
	case VBLK_REG_QUEUE_NOTIFY:
		return 2;
	case VBLK_REG_STATUS:
	case VBLK_REG_ISR:
		return 1;
	default:
		return 0;
	}
}

static int legacy_read(struct sim *s, uint32_t off, unsigned width,
		       uint32_t *val)
{
	if (reg_width(off) != width) {
		bug(s, "register read with a wrong width or offset");
		return -EINVAL;
	}
	if (s->f.fail_read_off == off + 1)
		return -EPERM;
	switch (off) {
	case VBLK_REG_DEVICE_FEATURES:
		*val = s->dev_features;
		break;
	case VBLK_REG_GUEST_FEATURES:
		*val = s->guest_features;
		break;
	case VBLK_REG_QUEUE_PFN:
		*val = s->pfn + (s->f.pfn_wrong ? 1 : 0);
		break;
	case VBLK_REG_QUEUE_SIZE:
		*val = s->qsel == 0 ? s->qsize : 0;
		break;
	case VBLK_REG_QUEUE_SELECT:
		*val = s->qsel;
		break;
	case VBLK_REG_QUEUE_NOTIFY:
		*val = 0;
		break;
	case VBLK_REG_STATUS:
		*val = s->status;
		break;
	case VBLK_REG_ISR:
		*val = s->isr;
		s->isr = 0;
		break;
	case VBLK_REG_CAPACITY:
		s->cap_reads++;
		*val = (uint32_t)(s->capacity +
				  (s->f.capacity_flips ? s->cap_reads % 2 : 0));
		break;
	default:
		*val = (uint32_t)(s->capacity >> 32);
		break;
	}
	return 0;
}

/* The driver notified queue val. */
static void kick(struct sim *s, uint32_t val)
{
	s->notifies++;
	if (!(s->status & VBLK_STATUS_DRIVER_OK))
		bug(s, "notify before DRIVER_OK");
	if (val != 0)
		bug(s, "notify of a queue other than 0");
	else if (fault_now(s, SIM_LATE) && !s->deferred)
		s->deferred = true; /* completes after late_irqs waits */
	else
		process(s);
}

static void status_write(struct sim *s, uint32_t val)
{
	if (val == 0) {
		reset(s);
		return;
	}
	if ((val & VBLK_STATUS_FEATURES_OK) && s->modern &&
	    !(s->guest_hi & VBLK_F_VERSION_1_HI)) {
		/* A modern device refuses a driver without VERSION_1. */
		bug(s, "FEATURES_OK without VERSION_1");
		val &= ~(uint32_t)VBLK_STATUS_FEATURES_OK;
	}
	if ((val & VBLK_STATUS_FEATURES_OK) && s->f.features_ok_refused)
		val &= ~(uint32_t)VBLK_STATUS_FEATURES_OK;
	if ((val & VBLK_STATUS_DRIVER_OK) && s->f.driver_ok_refused)
		val &= ~(uint32_t)VBLK_STATUS_DRIVER_OK;
	s->status = (uint8_t)val;
}

static int legacy_write(struct sim *s, uint32_t off, unsigned width,
			uint32_t val)
{
	if (reg_width(off) != width) {
		bug(s, "register write with a wrong width or offset");
		return -EINVAL;
	}
	switch (off) {
	case VBLK_REG_GUEST_FEATURES:
		if (val & ~s->dev_features)
			bug(s, "accepted a feature not offered");
		s->guest_features = val;
		break;
	case VBLK_REG_QUEUE_PFN:
		if (s->qsel == 0)
			s->pfn = val;
		break;
	case VBLK_REG_QUEUE_SELECT:
		s->qsel = (uint16_t)val;
		break;
	case VBLK_REG_QUEUE_NOTIFY:
		kick(s, val);
		break;
	case VBLK_REG_STATUS:
		status_write(s, val);
		break;
	default:
		bug(s, "write to a read-only register");
		return -EINVAL;
	}
	return 0;
}

/* --- modern registers ---------------------------------------------------- */

/* Width of the common configuration field at off, 0 for none. */
static unsigned common_width(uint32_t off)
{
	switch (off) {
	case VBLK_CC_DFSELECT:
	case VBLK_CC_DF:
	case VBLK_CC_GFSELECT:
	case VBLK_CC_GF:
		return 4;
	case VBLK_CC_STATUS:
	case VBLK_CC_GENERATION:
		return 1;
	default:
		if (off >= VBLK_CC_Q_DESC && off < VBLK_CC_SIZE && off % 4 == 0)
			return 4;
		return off < VBLK_CC_Q_DESC && off % 2 == 0 ? 2 : 0;
	}
}

static uint64_t *q_addr(struct sim *s, uint32_t off)
{
	return off < VBLK_CC_Q_DRIVER	? &s->q_desc
	       : off < VBLK_CC_Q_DEVICE ? &s->q_driver
					: &s->q_device;
}

static int common_read(struct sim *s, uint32_t off, uint32_t *val)
{
	uint64_t hi_word = (uint64_t)VBLK_F_VERSION_1_HI;

	switch (off) {
	case VBLK_CC_DFSELECT:
		*val = s->dfsel;
		return 0;
	case VBLK_CC_DF:
		*val = s->dfsel == 0   ? s->dev_features
		       : s->dfsel == 1 ? (s->f.no_version_1 ? 0 : (uint32_t)hi_word)
				       : 0;
		return 0;
	case VBLK_CC_GFSELECT:
		*val = s->gfsel;
		return 0;
	case VBLK_CC_GF:
		*val = s->gfsel == 0 ? s->guest_features
		       : s->gfsel == 1 ? s->guest_hi : 0;
		return 0;
	case VBLK_CC_NUMQ:
		*val = 1;
		return 0;
	case VBLK_CC_STATUS:
		*val = s->status;
		return 0;
	case VBLK_CC_GENERATION:
		if (s->f.generation_flips)
			s->generation++;
		*val = s->generation;
		return 0;
	case VBLK_CC_Q_SELECT:
		*val = s->qsel;
		return 0;
	case VBLK_CC_Q_SIZE:
		*val = s->qsel == 0 ? s->qsize : 0;
		return 0;
	case VBLK_CC_Q_ENABLE:
		*val = s->qsel == 0 ? s->q_enable : 0;
		return 0;
	case VBLK_CC_Q_NOTIFY_OFF:
		*val = s->qsel == 0 ? s->q_notify_off : 0;
		return 0;
	case VBLK_CC_MSIX:
	case VBLK_CC_Q_MSIX:
		*val = 0xFFFF; /* no vector */
		return 0;
	default: {
		uint64_t a = *q_addr(s, off) + (s->f.q_addr_wrong ? 16 : 0);

		*val = (uint32_t)(off % 8 ? a >> 32 : a);
		return 0;
	}
	}
}

static int common_write(struct sim *s, uint32_t off, uint32_t val)
{
	switch (off) {
	case VBLK_CC_DFSELECT:
		s->dfsel = val;
		return 0;
	case VBLK_CC_GFSELECT:
		s->gfsel = val;
		return 0;
	case VBLK_CC_GF:
		if (s->gfsel == 0) {
			if (val & ~s->dev_features)
				bug(s, "accepted a feature not offered");
			s->guest_features = val;
		} else if (s->gfsel == 1) {
			if (val & ~(uint32_t)VBLK_F_VERSION_1_HI ||
			    (s->f.no_version_1 && val))
				bug(s, "accepted a feature not offered");
			s->guest_hi = val;
		} else if (val != 0) {
			bug(s, "accepted a feature not offered");
		}
		return 0;
	case VBLK_CC_STATUS:
		status_write(s, val);
		return 0;
	case VBLK_CC_Q_SELECT:
		s->qsel = (uint16_t)val;
		return 0;
	case VBLK_CC_Q_SIZE:
		if (s->q_enable)
			bug(s, "queue size written while enabled");
		if (val == 0 || val > s->qmax || (val & (val - 1)))
			bug(s, "queue size written not a power of two <= max");
		else if (s->qsel == 0 && !s->f.qsize_fixed)
			s->qsize = (uint16_t)val;
		return 0;
	case VBLK_CC_Q_ENABLE:
		if (val != 1)
			bug(s, "queue enable written with other than 1");
		else if (s->qsel == 0 && !s->f.enable_ignored)
			s->q_enable = 1;
		return 0;
	case VBLK_CC_MSIX:
	case VBLK_CC_Q_MSIX:
		return 0;
	case VBLK_CC_DF:
	case VBLK_CC_NUMQ:
	case VBLK_CC_GENERATION:
	case VBLK_CC_Q_NOTIFY_OFF:
		bug(s, "write to a read-only register");
		return -EINVAL;
	default: {
		uint64_t *a = q_addr(s, off);

		if (s->q_enable)
			bug(s, "queue address written while enabled");
		if (off % 8)
			*a = (*a & 0xFFFFFFFFull) | (uint64_t)val << 32;
		else
			*a = (*a & ~0xFFFFFFFFull) | val;
		return 0;
	}
	}
}

/* The length of a region, as its capability says. */
static uint32_t region_len(unsigned space)
{
	return space == VBLK_SPACE_DEVICE ? SIM_DEVICE_CFG_LEN : SIM_REGION_LEN;
}

static int modern_access(struct sim *s, unsigned space, uint32_t off,
			 unsigned width, uint32_t *val, bool write)
{
	if (space == VBLK_SPACE_LEGACY || space >= VBLK_SPACES ||
	    off >= region_len(space) || width > region_len(space) - off) {
		bug(s, "access outside the modern regions");
		return -EINVAL;
	}
	switch (space) {
	case VBLK_SPACE_COMMON:
		if (common_width(off) != width) {
			bug(s, "common register with a wrong width or offset");
			return -EINVAL;
		}
		if (!write && s->f.fail_read_off == off + 1)
			return -EPERM;
		return write ? common_write(s, off, *val)
			     : common_read(s, off, val);
	case VBLK_SPACE_NOTIFY:
		if (!write || width != 2 ||
		    off != (uint32_t)s->q_notify_off * s->notify_mult) {
			bug(s, "notify not a 16-bit write at queue 0's address");
			return -EINVAL;
		}
		kick(s, *val);
		return 0;
	case VBLK_SPACE_ISR:
		if (write || width != 1 || off != 0) {
			bug(s, "ISR not a byte read at 0");
			return -EINVAL;
		}
		if (s->f.fail_read_off == VBLK_REG_ISR + 1)
			return -EPERM;
		*val = s->isr;
		s->isr = 0;
		return 0;
	default:
		if (write || width != 4 || off % 4) {
			bug(s, "device configuration not a 32-bit read");
			return -EINVAL;
		}
		if (off == 0) {
			s->cap_reads++;
			*val = (uint32_t)(s->capacity +
					  (s->f.capacity_flips ? s->cap_reads % 2
							       : 0));
		} else {
			*val = off == 4 ? (uint32_t)(s->capacity >> 32) : 0;
		}
		return 0;
	}
}

static int sim_read(void *ctx, unsigned space, uint32_t off, unsigned width,
		    uint32_t *val)
{
	struct sim *s = ctx;

	if (s->modern)
		return modern_access(s, space, off, width, val, false);
	if (space != VBLK_SPACE_LEGACY) {
		bug(s, "modern region used on a legacy device");
		return -EINVAL;
	}
	return legacy_read(s, off, width, val);
}

static int sim_write(void *ctx, unsigned space, uint32_t off, unsigned width,
		     uint32_t val)
{
	struct sim *s = ctx;

	if (s->modern)
		return modern_access(s, space, off, width, &val, true);
	if (space != VBLK_SPACE_LEGACY) {
		bug(s, "modern region used on a legacy device");
		return -EINVAL;
	}
	return legacy_write(s, off, width, val);
}

static int sim_wait_irq(void *ctx)
{
	struct sim *s = ctx;

	s->waits++;
	if (s->deferred) {
		if (s->f.late_irqs > 0) {
			s->f.late_irqs--;
			return 0; /* a shared line: someone else's interrupt */
		}
		s->deferred = false;
		s->f.req = SIM_OK; /* the late request itself completes well */
		process(s);
	}
	if (s->irq_pending) {
		s->irq_pending = 0;
		return 0;
	}
	if (s->storm)
		return 0; /* interrupts that complete nothing */
	/* Nothing will ever come: a real WaitIrq would block for ever. */
	return -EWOULDBLOCK;
}

const struct vblk_ops sim_ops = {
    .reg_read = sim_read,
    .reg_write = sim_write,
    .dma_alloc = sim_dma_alloc,
    .wait_irq = sim_wait_irq,
};
