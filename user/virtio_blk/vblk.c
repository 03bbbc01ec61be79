/*
 * user/virtio_blk/vblk.c - the portable core of the virtio-blk driver:
 * legacy virtio-pci start-up, the split virtqueue of queue 0, requests
 * and the checks on what the device answers (docs/virtio-blk.md §3, §4;
 * spec kernel.md §8; virtio 0.9.5 "legacy" layout).
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

static int rd(struct vblk *d, uint32_t off, unsigned width, uint32_t *val)
{
	int rc = d->ops->reg_read(d->ctx, off, width, val);

	if (rc != 0) {
		d->why = "register read refused";
		return -EIO;
	}
	return 0;
}

static int wr(struct vblk *d, uint32_t off, unsigned width, uint32_t val)
{
	int rc = d->ops->reg_write(d->ctx, off, width, val);

	if (rc != 0) {
		d->why = "register write refused";
		return -EIO;
	}
	return 0;
}

/* Write status st and check that it reads back unchanged. */
static int set_status(struct vblk *d, uint8_t st, const char *why)
{
	uint32_t got;
	int rc = wr(d, VBLK_REG_STATUS, 1, st);

	if (rc == 0)
		rc = rd(d, VBLK_REG_STATUS, 1, &got);
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
	(void)wr(d, VBLK_REG_STATUS, 1, VBLK_STATUS_FAILED); /* may fail too */
}

/* --- start-up ------------------------------------------------------------ */

static int read_capacity(struct vblk *d, uint64_t *out)
{
	uint32_t lo, hi;
	int rc = rd(d, VBLK_REG_CAPACITY, 4, &lo);

	if (rc == 0)
		rc = rd(d, VBLK_REG_CAPACITY + 4, 4, &hi);
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

/* Queue 0 at the device's size; its rings in fresh zeroed memory. */
static int setup_queue(struct vblk *d)
{
	uint32_t n, pfn, got;
	int rc;

	if ((rc = wr(d, VBLK_REG_QUEUE_SELECT, 2, 0)) != 0 ||
	    (rc = rd(d, VBLK_REG_QUEUE_SIZE, 2, &n)) != 0)
		return rc;
	n &= 0xFFFF;
	if ((rc = check_qsize(d, n)) != 0)
		return rc;
	d->qsize = (uint16_t)n;
	d->used_off = align_page(AVAIL_RING(n) + 2u * n + 2u);
	d->avail_idx = 0;
	d->used_idx = 0;
	d->next_head = 0;
	memset((void *)d->mem.va, 0, REQ_PAGE_OFF);

	pfn = (uint32_t)(d->mem.pa / VBLK_PAGE_SIZE);
	if ((rc = wr(d, VBLK_REG_QUEUE_PFN, 4, pfn)) != 0 ||
	    (rc = rd(d, VBLK_REG_QUEUE_PFN, 4, &got)) != 0)
		return rc;
	if (got != pfn) {
		d->why = "queue PFN did not read back";
		return -ECORRUPT;
	}
	return 0;
}

static int check_capacity(struct vblk *d)
{
	uint64_t a, b;
	int rc;

	if ((rc = read_capacity(d, &a)) != 0 ||
	    (rc = read_capacity(d, &b)) != 0)
		return rc;
	if (a != b)
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

/* The register sequence of spec kernel.md §8. */
static int bring_up(struct vblk *d)
{
	uint8_t st = VBLK_STATUS_ACK | VBLK_STATUS_DRIVER;
	uint32_t offered;
	int rc;

	d->ready = false;
	if ((rc = set_status(d, 0, "reset did not clear the status")) != 0 ||
	    (rc = set_status(d, VBLK_STATUS_ACK, "status ACK not kept")) != 0 ||
	    (rc = set_status(d, st, "status DRIVER not kept")) != 0 ||
	    (rc = rd(d, VBLK_REG_DEVICE_FEATURES, 4, &offered)) != 0)
		return rc;
	d->features = offered & VBLK_F_FLUSH;
	if ((rc = wr(d, VBLK_REG_GUEST_FEATURES, 4, d->features)) != 0)
		return rc;
	st |= VBLK_STATUS_FEATURES_OK;
	if ((rc = set_status(d, st, "FEATURES_OK not accepted")) != 0 ||
	    (rc = setup_queue(d)) != 0)
		return rc;
	st |= VBLK_STATUS_DRIVER_OK;
	if ((rc = set_status(d, st, "DRIVER_OK not accepted")) != 0 ||
	    (rc = check_capacity(d)) != 0)
		return rc;
	d->ready = true;
	return 0;
}

int vblk_start(struct vblk *d, const struct vblk_ops *ops, void *ctx)
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
		/* The legacy PFN register holds 32 bits of page number. */
		if (d->mem.pa % VBLK_PAGE_SIZE != 0 ||
		    d->mem.pa / VBLK_PAGE_SIZE > 0xFFFFFFFFull) {
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
		/* Reading the ISR acknowledges (legacy): the line drops. */
		if ((rc = rd(d, VBLK_REG_ISR, 1, &isr)) != 0)
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
		(void)wr(d, VBLK_REG_STATUS, 1, 0); /* reset; may fail too */
	}
	if (++d->failures >= VBLK_MAX_FAILURES)
		mark_dead(d);
	return rc;
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
	if ((rc = wr(d, VBLK_REG_QUEUE_NOTIFY, 2, 0)) != 0 ||
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
