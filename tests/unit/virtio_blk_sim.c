/*
 * tests/unit/virtio_blk_sim.c - the simulated legacy virtio-blk device of
 * virtio_blk_sim.h.  Requests are executed synchronously when the driver
 * writes the notify register (or, for SIM_LATE, inside a later wait), the
 * way QEMU does it from the vCPU's I/O exit.
 */
#include "tests/unit/virtio_blk_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/errno.h"

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
	s->dev_features = VBLK_F_FLUSH | (1u << 5) | (1u << 6) | (1u << 28);
	s->disk_bytes = (size_t)sectors * VBLK_SECTOR_SIZE;
	s->disk = calloc(1, s->disk_bytes ? s->disk_bytes : 1);
	s->durable = calloc(1, s->disk_bytes ? s->disk_bytes : 1);
	s->next_pa = SIM_PA_BASE;
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

static uint8_t *ring(struct sim *s)
{
	uint32_t q = s->qsize;

	return dma_ptr(s, (uint64_t)s->pfn * VBLK_PAGE_SIZE,
		       used_off(s->qsize) + 4 + 8 * q + 2);
}

static bool fault_now(struct sim *s, enum sim_req_fault which)
{
	return s->f.req == which && s->f.req_count != 0;
}

static void push_used(struct sim *s, uint8_t *r, uint32_t id, uint32_t len)
{
	uint16_t q = s->qsize;
	uint8_t *used = r + used_off(q);
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
static uint32_t execute(struct sim *s, uint8_t *r, uint16_t head)
{
	struct desc d[5];
	unsigned n = 0;
	uint16_t i = head;

	for (;;) {
		if (n == 4) {
			bug(s, "chain longer than 4");
			return 0;
		}
		memcpy(&d[n], r + 16u * i, sizeof(d[n]));
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
	uint8_t *r = ring(s);
	uint16_t q = s->qsize, avail_idx;

	if (!r) {
		bug(s, "notify without a ring in DMA memory");
		return;
	}
	memcpy(&avail_idx, r + 16u * q + 2, 2);
	if ((uint16_t)(avail_idx - s->last_avail) > q) {
		bug(s, "avail index ahead by more than the queue");
		return;
	}
	while (s->last_avail != avail_idx) {
		uint16_t head;

		memcpy(&head, r + 16u * q + 4 + 2u * (s->last_avail % q), 2);
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
		uint32_t written = execute(s, r, head);

		push_used(s, r, head, written);
		if (s->f.req_count > 0)
			s->f.req_count--;
		raise_irq(s);
	}
}

static void reset(struct sim *s)
{
	s->status = s->f.reset_ignored ? 1 : 0;
	s->guest_features = 0;
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

static int sim_read(void *ctx, uint32_t off, unsigned width, uint32_t *val)
{
	struct sim *s = ctx;

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

static int sim_write(void *ctx, uint32_t off, unsigned width, uint32_t val)
{
	struct sim *s = ctx;

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
		s->notifies++;
		if (!(s->status & VBLK_STATUS_DRIVER_OK))
			bug(s, "notify before DRIVER_OK");
		if (val != 0)
			bug(s, "notify of a queue other than 0");
		else if (fault_now(s, SIM_LATE) && !s->deferred)
			s->deferred =
			    true; /* completes after late_irqs waits */
		else
			process(s);
		break;
	case VBLK_REG_STATUS:
		if (val == 0) {
			reset(s);
			break;
		}
		if ((val & VBLK_STATUS_FEATURES_OK) && s->f.features_ok_refused)
			val &= ~(uint32_t)VBLK_STATUS_FEATURES_OK;
		if ((val & VBLK_STATUS_DRIVER_OK) && s->f.driver_ok_refused)
			val &= ~(uint32_t)VBLK_STATUS_DRIVER_OK;
		s->status = (uint8_t)val;
		break;
	default:
		bug(s, "write to a read-only register");
		return -EINVAL;
	}
	return 0;
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
