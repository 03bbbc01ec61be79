/*
 * user/virtio_blk/vblk.c - the portable core of the virtio-blk driver:
 * legacy and modern virtio-pci start-up, the split virtqueue of queue 0,
 * requests and the checks on what the device answers (docs/virtio-blk.md
 * §3, §4; spec kernel.md §8; virtio 0.9.5 "legacy" layout, virtio 1.x
 * section 4.1 for the modern one).
 *
 * DMA memory, VBLK_DMA_PAGES pages allocated once:
 *
 *   page 0..2  the rings, laid out for the device's queue size N:
 *              descriptors (16 N), avail ring (6 + 2 N), then on the next
 *              page boundary the used ring (6 + 8 N); at N = 256 this
 *              ends exactly at 3 pages
 *   page 3     request header (16 bytes) at 0, status byte at 64
 *
 * Everything the device writes (used ring, status byte, register reads)
 * is checked before it is believed; a device that breaks the protocol is
 * reset and started again before the next request.
 */
#include "user/virtio_blk/vblk.h"

#include "lib/klib/string.h"

#include "abi/errno.h"
#include "abi/syscall_out.h"

/* Request page: header and status byte offsets. */
#define REQ_PAGE_OFF (VBLK_RING_PAGES * VBLK_PAGE_SIZE)
#define REQ_HDR_OFF  0u
#define REQ_STAT_OFF 64u
#define REQ_HDR_SIZE 16u
/* What a status byte holds before the device writes it. */
#define STATUS_UNSET 0xFFu

/* Ring field offsets (bytes) for queue size n. */
#define DESC_SIZE     16u
#define AVAIL_OFF(n)  ((uint32_t)(n)*DESC_SIZE)
#define AVAIL_IDX(n)  (AVAIL_OFF(n) + 2u)
#define AVAIL_RING(n) (AVAIL_OFF(n) + 4u)
#define USED_IDX      2u
#define USED_RING     4u
#define USED_ELEM     8u

/* --- memory helpers ------------------------------------------------------ */

/*
 * The device reads and writes the DMA memory behind the compiler's back:
 * every access is volatile, and fences order the driver's writes before
 * the index that publishes them, and the index before what it covers.
 */
static inline void mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void put16(volatile uint8_t *p, uint16_t v)
{
	*(volatile uint16_t *)p = v;
}

static void put32(volatile uint8_t *p, uint32_t v)
{
	*(volatile uint32_t *)p = v;
}

static void put64(volatile uint8_t *p, uint64_t v)
{
	*(volatile uint64_t *)p = v;
}

static uint16_t get16(const volatile uint8_t *p)
{
	return *(const volatile uint16_t *)p;
}

static uint32_t get32(const volatile uint8_t *p)
{
	return *(const volatile uint32_t *)p;
}

static uint32_t align_page(uint32_t v)
{
	return (v + VBLK_PAGE_SIZE - 1) & ~(VBLK_PAGE_SIZE - 1);
}

/* --- registers ----------------------------------------------------------- */

/* A register: its space (enum vblk_space) and offset. */
struct reg {
	uint8_t space;
	uint32_t off;
};

static int rd(struct vblk *d, struct reg r, unsigned width, uint32_t *val)
{
	int rc = d->ops->reg_read(d->ctx, r.space, r.off, width, val);

	if (rc != 0) {
		d->why = "register read refused";
		return -EIO;
	}
	return 0;
}

static int wr(struct vblk *d, struct reg r, unsigned width, uint32_t val)
{
	int rc = d->ops->reg_write(d->ctx, r.space, r.off, width, val);

	if (rc != 0) {
		d->why = "register write refused";
		return -EIO;
	}
	return 0;
}

static struct reg legacy(uint32_t off)
{
	return (struct reg){VBLK_SPACE_LEGACY, off};
}

static struct reg common(uint32_t off)
{
	return (struct reg){VBLK_SPACE_COMMON, off};
}

/* The registers both transports have, at their places. */
static struct reg status_reg(const struct vblk *d)
{
	return d->modern ? common(VBLK_CC_STATUS) : legacy(VBLK_REG_STATUS);
}

static struct reg isr_reg(const struct vblk *d)
{
	return d->modern ? (struct reg){VBLK_SPACE_ISR, 0}
			 : legacy(VBLK_REG_ISR);
}

static struct reg capacity_reg(const struct vblk *d, uint32_t half)
{
	return d->modern ? (struct reg){VBLK_SPACE_DEVICE, 4 * half}
			 : legacy(VBLK_REG_CAPACITY + 4 * half);
}

/* Write status st and check that it reads back unchanged. */
static int set_status(struct vblk *d, uint8_t st, const char *why)
{
	uint32_t got;
	int rc = wr(d, status_reg(d), 1, st);

	if (rc == 0)
		rc = rd(d, status_reg(d), 1, &got);
	if (rc != 0)
		return rc;
	if ((got & 0xFF) != st) {
		d->why = why;
		return -ECORRUPT;
	}
	return 0;
}

/* Give up on the device: FAILED set (best effort), no more requests. */
static void mark_dead(struct vblk *d)
{
	d->dead = true;
	d->ready = false;
	(void)wr(d, status_reg(d), 1, VBLK_STATUS_FAILED); /* may fail too */
}

/* --- start-up ------------------------------------------------------------ */

static int read_capacity(struct vblk *d, uint64_t *out)
{
	uint32_t lo, hi;
	int rc = rd(d, capacity_reg(d, 0), 4, &lo);

	if (rc == 0)
		rc = rd(d, capacity_reg(d, 1), 4, &hi);
	if (rc == 0)
		*out = (uint64_t)hi << 32 | lo;
	return rc;
}

static int check_qsize(struct vblk *d, uint32_t n)
{
	if (n == 0)
		d->why = "queue 0 does not exist (size 0)";
	else if (n > VBLK_QUEUE_MAX)
		d->why = "queue size above 256";
	else if ((n & (n - 1)) != 0)
		d->why = "queue size not a power of two";
	else if (n < VBLK_QUEUE_MIN)
		d->why = "queue size below 3 descriptors";
	else
		return 0;
	return -ECORRUPT;
}

/* Lay the rings out for queue size n in fresh zeroed memory. */
static void reset_rings(struct vblk *d, uint32_t n)
{
	d->qsize = (uint16_t)n;
	d->used_off = align_page(AVAIL_RING(n) + 2u * n + 2u);
	d->avail_idx = 0;
	d->used_idx = 0;
	d->next_head = 0;
	memset((void *)d->mem.va, 0, REQ_PAGE_OFF);
}

/* Legacy: queue 0 at the device's size, its PFN read back. */
static int setup_queue_legacy(struct vblk *d)
{
	uint32_t n, pfn, got;
	int rc;

	if ((rc = wr(d, legacy(VBLK_REG_QUEUE_SELECT), 2, 0)) != 0 ||
	    (rc = rd(d, legacy(VBLK_REG_QUEUE_SIZE), 2, &n)) != 0)
		return rc;
	n &= 0xFFFF;
	if ((rc = check_qsize(d, n)) != 0)
		return rc;
	reset_rings(d, n);
	pfn = (uint32_t)(d->mem.pa / VBLK_PAGE_SIZE);
	if ((rc = wr(d, legacy(VBLK_REG_QUEUE_PFN), 4, pfn)) != 0 ||
	    (rc = rd(d, legacy(VBLK_REG_QUEUE_PFN), 4, &got)) != 0)
		return rc;
	if (got != pfn) {
		d->why = "queue PFN did not read back";
		return -ECORRUPT;
	}
	return 0;
}

/* Modern: a 64-bit ring address as two 32-bit halves, read back
 * (virtio 1.x 4.1.3.1 allows the split). */
static int set_addr(struct vblk *d, uint32_t off, uint64_t pa)
{
	uint32_t lo, hi;
	int rc;

	if ((rc = wr(d, common(off), 4, (uint32_t)pa)) != 0 ||
	    (rc = wr(d, common(off + 4), 4, (uint32_t)(pa >> 32))) != 0 ||
	    (rc = rd(d, common(off), 4, &lo)) != 0 ||
	    (rc = rd(d, common(off + 4), 4, &hi)) != 0)
		return rc;
	if (((uint64_t)hi << 32 | lo) != pa) {
		d->why = "queue address did not read back";
		return -ECORRUPT;
	}
	return 0;
}

/*
 * Modern: queue 0 (virtio 1.x 4.1.5.1.3).  It must be disabled after the
 * reset.  queue_size is the device's maximum; the driver may lower it,
 * so a power of two above 256 becomes 256.  The notify address is the
 * notify region + queue_notify_off * multiplier: it must leave room for
 * the 16-bit write inside the region the driver mapped.
 */
static int setup_queue_modern(struct vblk *d)
{
	uint32_t n, en, qoff;
	uint64_t note;
	int rc;

	if ((rc = wr(d, common(VBLK_CC_Q_SELECT), 2, 0)) != 0 ||
	    (rc = rd(d, common(VBLK_CC_Q_SIZE), 2, &n)) != 0 ||
	    (rc = rd(d, common(VBLK_CC_Q_ENABLE), 2, &en)) != 0)
		return rc;
	if ((en & 0xFFFF) != 0) {
		d->why = "queue 0 enabled after a reset";
		return -ECORRUPT;
	}
	n &= 0xFFFF;
	if (n > VBLK_QUEUE_MAX && (n & (n - 1)) == 0) {
		if ((rc = wr(d, common(VBLK_CC_Q_SIZE), 2, VBLK_QUEUE_MAX)) !=
			0 ||
		    (rc = rd(d, common(VBLK_CC_Q_SIZE), 2, &n)) != 0)
			return rc;
		n &= 0xFFFF;
		if (n != VBLK_QUEUE_MAX) {
			d->why = "queue size 256 not kept";
			return -ECORRUPT;
		}
	}
	if ((rc = check_qsize(d, n)) != 0)
		return rc;
	reset_rings(d, n);
	if ((rc = set_addr(d, VBLK_CC_Q_DESC, d->mem.pa)) != 0 ||
	    (rc = set_addr(d, VBLK_CC_Q_DRIVER, d->mem.pa + AVAIL_OFF(n))) !=
		0 ||
	    (rc = set_addr(d, VBLK_CC_Q_DEVICE, d->mem.pa + d->used_off)) != 0 ||
	    (rc = rd(d, common(VBLK_CC_Q_NOTIFY_OFF), 2, &qoff)) != 0)
		return rc;
	note = (uint64_t)(qoff & 0xFFFF) * d->layout.notify_mult;
	if (note + 2 > d->layout.rgn[VBLK_SPACE_NOTIFY].len) {
		d->why = "notify address outside the notify region";
		return -ECORRUPT;
	}
	d->notify_off = (uint32_t)note;
	if ((rc = wr(d, common(VBLK_CC_Q_ENABLE), 2, 1)) != 0 ||
	    (rc = rd(d, common(VBLK_CC_Q_ENABLE), 2, &en)) != 0)
		return rc;
	if ((en & 0xFFFF) != 1) {
		d->why = "queue enable not kept";
		return -ECORRUPT;
	}
	return 0;
}

/* Modern: the config generation, so a capacity read can be checked for
 * a change in between (virtio 1.x 4.1.4.3.1). */
static int generation(struct vblk *d, uint32_t *gen)
{
	*gen = 0;
	return d->modern ? rd(d, common(VBLK_CC_GENERATION), 1, gen) : 0;
}

static int check_capacity(struct vblk *d)
{
	uint32_t g0, g1;
	uint64_t a, b;
	int rc;

	if ((rc = generation(d, &g0)) != 0 ||
	    (rc = read_capacity(d, &a)) != 0 ||
	    (rc = read_capacity(d, &b)) != 0 || (rc = generation(d, &g1)) != 0)
		return rc;
	if (a != b || g0 != g1)
		d->why = "capacity changes while read";
	else if (a < VBLK_SECTORS_PER_BLOCK)
		d->why = "capacity below one block";
	else if (a > VBLK_MAX_SECTORS)
		d->why = "capacity absurd (above 2^41 sectors)";
	else if (d->capacity != 0 && a != d->capacity)
		d->why = "capacity changed across a reset";
	else {
		d->capacity = a;
		return 0;
	}
	return -ECORRUPT;
}

/* Legacy: 32 feature bits; FLUSH accepted when offered. */
static int features_legacy(struct vblk *d)
{
	uint32_t offered;
	int rc = rd(d, legacy(VBLK_REG_DEVICE_FEATURES), 4, &offered);

	if (rc != 0)
		return rc;
	d->features = offered & VBLK_F_FLUSH;
	return wr(d, legacy(VBLK_REG_GUEST_FEATURES), 4, d->features);
}

/* Modern: words 0 and 1 of the 64 feature bits; VERSION_1 (bit 32) must
 * be offered and is accepted, with FLUSH when offered, nothing else. */
static int features_modern(struct vblk *d)
{
	uint32_t lo, hi;
	int rc;

	if ((rc = wr(d, common(VBLK_CC_DFSELECT), 4, 0)) != 0 ||
	    (rc = rd(d, common(VBLK_CC_DF), 4, &lo)) != 0 ||
	    (rc = wr(d, common(VBLK_CC_DFSELECT), 4, 1)) != 0 ||
	    (rc = rd(d, common(VBLK_CC_DF), 4, &hi)) != 0)
		return rc;
	if (!(hi & VBLK_F_VERSION_1_HI)) {
		d->why = "device does not offer VIRTIO_F_VERSION_1";
		return -ECORRUPT;
	}
	d->features = lo & VBLK_F_FLUSH;
	if ((rc = wr(d, common(VBLK_CC_GFSELECT), 4, 0)) != 0 ||
	    (rc = wr(d, common(VBLK_CC_GF), 4, d->features)) != 0 ||
	    (rc = wr(d, common(VBLK_CC_GFSELECT), 4, 1)) != 0)
		return rc;
	return wr(d, common(VBLK_CC_GF), 4, VBLK_F_VERSION_1_HI);
}

/* The register sequence of spec kernel.md §8 (virtio 1.x 3.1.1). */
static int bring_up(struct vblk *d)
{
	uint8_t st = VBLK_STATUS_ACK | VBLK_STATUS_DRIVER;
	int rc;

	d->ready = false;
	if ((rc = set_status(d, 0, "reset did not clear the status")) != 0 ||
	    (rc = set_status(d, VBLK_STATUS_ACK, "status ACK not kept")) != 0 ||
	    (rc = set_status(d, st, "status DRIVER not kept")) != 0)
		return rc;
	rc = d->modern ? features_modern(d) : features_legacy(d);
	if (rc != 0)
		return rc;
	st |= VBLK_STATUS_FEATURES_OK;
	if ((rc = set_status(d, st, "FEATURES_OK not accepted")) != 0)
		return rc;
	rc = d->modern ? setup_queue_modern(d) : setup_queue_legacy(d);
	if (rc != 0)
		return rc;
	st |= VBLK_STATUS_DRIVER_OK;
	if ((rc = set_status(d, st, "DRIVER_OK not accepted")) != 0 ||
	    (rc = check_capacity(d)) != 0)
		return rc;
	d->ready = true;
	return 0;
}

static int start(struct vblk *d, const struct vblk_ops *ops, void *ctx)
{
	int rc;

	d->ops = ops;
	d->ctx = ctx;
	if (!d->allocated) {
		rc = ops->dma_alloc(ctx, VBLK_DMA_PAGES, &d->mem);
		if (rc != 0 || d->mem.va == NULL) {
			d->why = "no DMA memory for the rings";
			d->dead = true;
			return -ENOMEM;
		}
		/* The legacy PFN register holds 32 bits of page number; a
		 * modern device takes 64-bit addresses. */
		if (d->mem.pa % VBLK_PAGE_SIZE != 0 ||
		    (!d->modern && d->mem.pa / VBLK_PAGE_SIZE > 0xFFFFFFFFull)) {
			d->why = "DMA memory not addressable by a legacy queue";
			d->dead = true;
			return -ENOMEM;
		}
		d->allocated = true;
	}
	rc = bring_up(d);
	if (rc != 0)
		mark_dead(d);
	return rc;
}

int vblk_start(struct vblk *d, const struct vblk_ops *ops, void *ctx)
{
	d->modern = false;
	return start(d, ops, ctx);
}

int vblk_start_modern(struct vblk *d, const struct vblk_ops *ops, void *ctx,
		      const struct vblk_layout *layout)
{
	d->modern = true;
	d->layout = *layout;
	return start(d, ops, ctx);
}

/* --- modern capabilities ------------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Minimum bytes and alignment of each region, by enum vblk_space. */
static const uint32_t region_min[VBLK_SPACES] = {0, VBLK_CC_SIZE, 2, 1, 8};
static const uint32_t region_align[VBLK_SPACES] = {1, 4, 2, 1, 4};
static const char *const region_name[VBLK_SPACES] = {
    "", "common configuration", "notification", "ISR", "device configuration"};

/* Check one virtio_pci_cap (virtio 1.x 4.1.4) naming space sp. */
static int check_region(const struct device_vcap *c,
			const struct device_info *info, unsigned sp,
			struct vblk_region *out, const char **why)
{
	const struct device_bar *bar;
	uint64_t off, len;

	if (c->length < (sp == VBLK_SPACE_NOTIFY ? 20u : 16u) ||
	    c->data[2] < (sp == VBLK_SPACE_NOTIFY ? 20u : 16u)) {
		*why = "virtio capability shorter than its structure";
		return -ECORRUPT;
	}
	bar = &info->bar[c->data[4]];
	off = le32(c->data + 8);
	len = le32(c->data + 12);
	if (bar->size == 0 || bar->address == 0) {
		*why = "virtio capability names a BAR the kernel did not give";
		return -ECORRUPT;
	}
	if (bar->is_io) {
		*why = "virtio capability names an I/O BAR";
		return -ECORRUPT;
	}
	if (len < region_min[sp] || off > bar->size || len > bar->size - off) {
		*why = "virtio region outside its BAR or too short";
		return -ECORRUPT;
	}
	if (off % region_align[sp] != 0) {
		*why = "virtio region misaligned";
		return -ECORRUPT;
	}
	out->bar = c->data[4];
	out->phys = bar->address + off;
	out->len = len > VBLK_REGION_MAX ? VBLK_REGION_MAX : (uint32_t)len;
	return 0;
}

int vblk_parse_caps(const struct device_caps *caps,
		    const struct device_info *info, struct vblk_layout *out,
		    const char **why)
{
	bool found[VBLK_SPACES] = {false};
	unsigned n = caps->count;
	int rc;

	*out = (struct vblk_layout){0};
	if (n > DEVICE_CAPS_MAX) {
		*why = "more capabilities than the record holds";
		return -ECORRUPT;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct device_vcap *c = &caps->cap[i];
		unsigned type, sp;

		if (c->length < 5 || c->data[0] != 0x09)
			continue; /* too short to name a type and BAR */
		type = c->data[3];
		if (type < VBLK_CAP_COMMON || type > VBLK_CAP_DEVICE)
			continue; /* PCI config access, shared memory, ... */
		sp = type == VBLK_CAP_COMMON   ? VBLK_SPACE_COMMON
		     : type == VBLK_CAP_NOTIFY ? VBLK_SPACE_NOTIFY
		     : type == VBLK_CAP_ISR    ? VBLK_SPACE_ISR
					       : VBLK_SPACE_DEVICE;
		if (found[sp] || c->data[4] > 5)
			continue; /* first of each type; BAR > 5 reserved */
		rc = check_region(c, info, sp, &out->rgn[sp], why);
		if (rc != 0)
			return rc;
		if (sp == VBLK_SPACE_NOTIFY) {
			uint32_t m = le32(c->data + 16);

			if (m != 0 && (m < 2 || m > VBLK_NOTIFY_MULT_MAX ||
				       (m & (m - 1)) != 0)) {
				*why = "notify_off_multiplier not 0 or a power "
				       "of two from 2 to 4096";
				return -ECORRUPT;
			}
			out->notify_mult = m;
		}
		found[sp] = true;
	}
	for (unsigned sp = VBLK_SPACE_COMMON; sp < VBLK_SPACES; sp++) {
		if (!found[sp]) {
			*why = region_name[sp];
			return -ENODEV;
		}
	}
	return 0;
}

/* --- requests ------------------------------------------------------------ */

static void put_desc(struct vblk *d, uint16_t i, uint64_t pa, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	volatile uint8_t *p = d->mem.va + (uint32_t)i * DESC_SIZE;

	put64(p, pa);
	put32(p + 8, len);
	put16(p + 12, flags);
	put16(p + 14, next);
}

/* Build the chain at d->next_head and publish it; returns the head. */
static uint16_t post(struct vblk *d, uint32_t type, uint64_t sector,
		     const struct vblk_dma *data, bool device_writes)
{
	uint16_t n = d->qsize, head = d->next_head;
	uint16_t i1 = (uint16_t)((head + 1) % n),
		 i2 = (uint16_t)((head + 2) % n);
	volatile uint8_t *req = d->mem.va + REQ_PAGE_OFF;
	uint64_t req_pa = d->mem.pa + REQ_PAGE_OFF;
	uint16_t st_desc = data ? i2 : i1;

	put32(req + REQ_HDR_OFF, type);
	put32(req + REQ_HDR_OFF + 4, 0);
	put64(req + REQ_HDR_OFF + 8, sector);
	req[REQ_STAT_OFF] = STATUS_UNSET;
	put_desc(d, head, req_pa + REQ_HDR_OFF, REQ_HDR_SIZE, VBLK_DESC_NEXT,
		 i1);
	if (data)
		put_desc(d, i1, data->pa, VBLK_BLOCK_SIZE,
			 VBLK_DESC_NEXT | (device_writes ? VBLK_DESC_WRITE : 0),
			 i2);
	put_desc(d, st_desc, req_pa + REQ_STAT_OFF, 1, VBLK_DESC_WRITE, 0);

	put16(d->mem.va + AVAIL_RING(n) + 2u * (d->avail_idx % n), head);
	mb(); /* the chain before the index that hands it over */
	d->avail_idx++;
	put16(d->mem.va + AVAIL_IDX(n), d->avail_idx);
	mb(); /* the index before the notify */
	d->next_head = (uint16_t)((head + 3) % n);
	return head;
}

/*
 * Wait for the completion of the chain at head.  expect = the bytes the
 * device had to write (data for reads, and the status byte).  Returns
 * the status byte's verdict; *in_step is true when the completion was
 * consumed as the protocol says, so the rings are still in step.
 */
static int complete(struct vblk *d, uint16_t head, uint32_t expect,
		    bool *in_step)
{
	volatile uint8_t *used = d->mem.va + d->used_off;
	unsigned spurious = 0;
	uint32_t isr, id, len;
	uint16_t idx, fresh;
	uint8_t st;
	int rc;

	for (;;) {
		if (d->ops->wait_irq(d->ctx) != 0) {
			d->why = "waiting for the interrupt failed";
			return -EIO;
		}
		/* Reading the ISR acknowledges (both transports): the
		 * line drops. */
		if ((rc = rd(d, isr_reg(d), 1, &isr)) != 0)
			return rc;
		mb(); /* the index before the entries it covers */
		idx = get16(used + USED_IDX);
		fresh = (uint16_t)(idx - d->used_idx);
		if (fresh != 0)
			break;
		/* A shared line, or a late interrupt of an earlier request. */
		d->spurious++;
		if (++spurious > VBLK_MAX_SPURIOUS) {
			d->why = "interrupts without completions";
			return -ECORRUPT;
		}
	}
	if (fresh > 1) {
		d->why = "used index ran ahead of the requests in flight";
		return -ECORRUPT;
	}
	volatile uint8_t *elem =
	    used + USED_RING + USED_ELEM * (d->used_idx % d->qsize);

	id = get32(elem);
	len = get32(elem + 4);
	d->used_idx++;
	mb();
	if (id >= d->qsize) {
		d->why = "used id out of range";
		return -ECORRUPT;
	}
	if (id != head) {
		d->why = "used id is not the posted head";
		return -ECORRUPT;
	}
	if (len > expect) {
		d->why = "used length larger than the buffers";
		return -ECORRUPT;
	}
	st = d->mem.va[REQ_PAGE_OFF + REQ_STAT_OFF];
	switch (st) {
	case VBLK_S_OK:
		if (len != expect) {
			d->why = "used length short of the request";
			return -ECORRUPT;
		}
		*in_step = true;
		return 0;
	case VBLK_S_IOERR:
		d->why = "device reported an I/O error";
		*in_step = true;
		return -EIO;
	case VBLK_S_UNSUPP:
		d->why = "device reported the request unsupported";
		*in_step = true;
		return -EIO;
	default:
		d->why = STATUS_UNSET == st ? "status byte not written"
					    : "status byte not 0, 1 or 2";
		return -ECORRUPT;
	}
}

/*
 * Count a failed request; the device dies after too many in a row.
 * Unless the device answered the request properly (with an error status),
 * the rings are out of step - the request may still complete later - so
 * the device is reset now and started again before the next request.
 */
static int failed(struct vblk *d, int rc, bool in_step)
{
	if (!in_step) {
		d->ready = false;
		(void)wr(d, status_reg(d), 1, 0); /* reset; may fail too */
	}
	if (++d->failures >= VBLK_MAX_FAILURES)
		mark_dead(d);
	return rc;
}

/* Tell the device queue 0 has work: the queue index, written to the
 * legacy notify register or to queue 0's notify address. */
static int notify(struct vblk *d)
{
	struct reg r = d->modern ? (struct reg){VBLK_SPACE_NOTIFY, d->notify_off}
				 : legacy(VBLK_REG_QUEUE_NOTIFY);

	return wr(d, r, 2, 0);
}

static int request(struct vblk *d, uint32_t type, uint64_t sector,
		   const struct vblk_dma *data, bool device_writes)
{
	uint32_t expect = 1 + (data && device_writes ? VBLK_BLOCK_SIZE : 0);
	bool in_step = false;
	uint16_t head;
	int rc;

	if (!vblk_alive(d))
		return -ENODEV;
	if (!d->ready && (rc = bring_up(d)) != 0)
		return failed(d, rc, false);
	head = post(d, type, sector, data, device_writes);
	if ((rc = notify(d)) != 0 ||
	    (rc = complete(d, head, expect, &in_step)) != 0)
		return failed(d, rc, in_step);
	d->failures = 0;
	d->completed++;
	return 0;
}

static int io(struct vblk *d, uint64_t lba, const struct vblk_dma *buf,
	      bool is_read)
{
	if (buf == NULL || buf->va == NULL)
		return -EINVAL;
	if (!vblk_alive(d))
		return -ENODEV;
	if (lba >= vblk_blocks(d))
		return -ERANGE;
	return request(d, is_read ? VBLK_T_IN : VBLK_T_OUT,
		       lba * VBLK_SECTORS_PER_BLOCK, buf, is_read);
}

int vblk_read(struct vblk *d, uint64_t lba, const struct vblk_dma *buf)
{
	return io(d, lba, buf, true);
}

int vblk_write(struct vblk *d, uint64_t lba, const struct vblk_dma *buf)
{
	return io(d, lba, buf, false);
}

int vblk_flush(struct vblk *d)
{
	if (!vblk_alive(d))
		return -ENODEV;
	if (!(d->features & VBLK_F_FLUSH))
		return 0; /* write-through device: nothing is cached */
	return request(d, VBLK_T_FLUSH, 0, NULL, false);
}
