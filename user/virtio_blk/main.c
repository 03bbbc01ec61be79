/*
 * user/virtio_blk/main.c - the virtio-blk driver service (boot module
 * `virtio-blk`; docs/virtio-blk.md): finds the device with DeviceInfo,
 * binds the core's operations to PortIo (legacy) or the registers MapMmio
 * maps (modern), AllocDma and WaitIrq, starts the device, allocates the page it shares with the kernel, registers
 * endpoints 24 (users) and 26 (kernel commands), releases the next boot
 * module, and serves: kernel commands first, answered on 25, then user
 * requests, answered to their `from`; WaitMsg when both are empty.
 */
#include "lib/libsys/libsys.h"

#include "user/virtio_blk/service.h"
#include "user/virtio_blk/vblk.h"

#define VIRTIO_VENDOR	  0x1AF4
#define VIRTIO_BLK_LEGACY 0x1001
#define VIRTIO_BLK_MODERN 0x1042
/* Legacy I/O windows live below 64 KiB (spec kernel.md §8). */
#define IO_LIMIT 0x10000u
/* Yields a full reply queue is retried for before the answer is dropped. */
#define REPLY_RETRIES 1000
/* DeviceInfo indexes tried at most (the kernel keeps 64 functions). */
#define MAX_FUNCS 256

/* The device's registers and interrupt line: the ops' context. */
struct hw {
	bool modern;   /* regions below, else the I/O window */
	uint16_t io;   /* legacy: I/O BAR base */
	uint32_t size; /* legacy: I/O BAR bytes */
	uint32_t irq;  /* WaitIrq line */
	volatile uint8_t *rgn[VBLK_SPACES]; /* modern: mapped regions */
	uint32_t len[VBLK_SPACES];	    /* modern: their bytes */
};

static struct hw hw;
static struct vblk dev;
static struct vblk_layout layout;
static struct vblk_service svc;
static uint8_t rbuf[IPC_RECV_BUF_SIZE];

/* --- operations over the syscalls --------------------------------------- */

static uint32_t width_flag(unsigned width)
{
	return width == 4   ? PORT_IO_DWORD
	       : width == 2 ? PORT_IO_WORD
			    : PORT_IO_BYTE;
}

/* Modern: the mapped register at off of space, or NULL when the access
 * would leave the region or is not naturally aligned. */
static volatile uint8_t *mmio_at(const struct hw *h, unsigned space,
				 uint32_t off, unsigned width)
{
	if (space == VBLK_SPACE_LEGACY || space >= VBLK_SPACES ||
	    !h->rgn[space] || off % width != 0 || off >= h->len[space] ||
	    width > h->len[space] - off)
		return NULL;
	return h->rgn[space] + off;
}

static int hw_read(void *ctx, unsigned space, uint32_t off, unsigned width,
		   uint32_t *val)
{
	struct hw *h = ctx;
	int64_t r;

	if (h->modern) {
		volatile uint8_t *p = mmio_at(h, space, off, width);

		if (!p)
			return -EINVAL;
		*val = width == 4   ? *(volatile uint32_t *)p
		       : width == 2 ? *(volatile uint16_t *)p
				    : *p;
		return 0;
	}
	if (space != VBLK_SPACE_LEGACY || off + width > h->size)
		return -EINVAL;
	r = sys_port_io((uint16_t)(h->io + off), 0, width_flag(width));
	if (sys_failed(r))
		return (int)r;
	*val = (uint32_t)r;
	return 0;
}

static int hw_write(void *ctx, unsigned space, uint32_t off, unsigned width,
		    uint32_t val)
{
	struct hw *h = ctx;
	int64_t r;

	if (h->modern) {
		volatile uint8_t *p = mmio_at(h, space, off, width);

		if (!p)
			return -EINVAL;
		if (width == 4)
			*(volatile uint32_t *)p = val;
		else if (width == 2)
			*(volatile uint16_t *)p = (uint16_t)val;
		else
			*p = (uint8_t)val;
		return 0;
	}
	if (space != VBLK_SPACE_LEGACY || off + width > h->size)
		return -EINVAL;
	r = sys_port_io((uint16_t)(h->io + off), val,
			width_flag(width) | PORT_IO_WRITE);
	return sys_failed(r) ? (int)r : 0;
}

static int hw_dma_alloc(void *ctx, size_t pages, struct vblk_dma *out)
{
	uint64_t pa = 0;
	int64_t va = sys_alloc_dma(pages, 0, &pa);

	(void)ctx;
	if (sys_failed(va))
		return (int)va;
	out->va = (volatile uint8_t *)(uintptr_t)va;
	out->pa = pa;
	return 0;
}

static int hw_wait_irq(void *ctx)
{
	struct hw *h = ctx;
	int64_t r = sys_wait_irq(h->irq);

	return sys_failed(r) ? (int)r : 0;
}

static const struct vblk_ops hw_ops = {
    .reg_read = hw_read,
    .reg_write = hw_write,
    .dma_alloc = hw_dma_alloc,
    .wait_irq = hw_wait_irq,
};

/* --- discovery ----------------------------------------------------------- */

static void print_bdf(const struct device_info *di)
{
	printf("virtio-blk: %02x:%02x.%x %04x:%04x", di->bus, di->dev,
	       di->function, di->vendor, di->device);
}

/* The first I/O BAR below 64 KiB, or -1. */
static int io_bar(const struct device_info *di)
{
	for (int j = 0; j < 6; j++)
		if (di->bar[j].is_io && di->bar[j].size != 0 &&
		    di->bar[j].address < IO_LIMIT &&
		    di->bar[j].address + di->bar[j].size <= IO_LIMIT)
			return j;
	return -1;
}

/* Modern: map the pages of each region (MapMmio refuses anything
 * outside the function's BARs); false with a message on failure. */
static bool map_regions(void)
{
	for (unsigned sp = VBLK_SPACE_COMMON; sp < VBLK_SPACES; sp++) {
		const struct vblk_region *r = &layout.rgn[sp];
		uint64_t page = r->phys & ~(uint64_t)(VBLK_PAGE_SIZE - 1);
		uint64_t end = (r->phys + r->len + VBLK_PAGE_SIZE - 1) &
			       ~(uint64_t)(VBLK_PAGE_SIZE - 1);
		int64_t va = sys_map_mmio(page, (end - page) / VBLK_PAGE_SIZE);

		if (sys_failed(va)) {
			printf("virtio-blk: cannot map BAR %u at 0x%lx: %s\n",
			       r->bar, (unsigned long)page, strerror((int)va));
			return false;
		}
		hw.rgn[sp] = (volatile uint8_t *)(uintptr_t)va + (r->phys - page);
		hw.len[sp] = r->len;
	}
	return true;
}

/* Modern-only function i: its capabilities checked, regions mapped. */
static bool use_modern(uint32_t i, const struct device_info *di)
{
	static struct device_caps caps;
	const char *why = "?";
	int64_t r = sys_device_caps(i, &caps, sizeof(caps));
	int rc;

	print_bdf(di);
	if (sys_failed(r)) {
		printf(" skipped: no capability list: %s\n", strerror((int)r));
		return false;
	}
	if (di->irq == DEVICE_INFO_NO_IRQ) {
		printf(" skipped: no interrupt line\n");
		return false;
	}
	rc = vblk_parse_caps(&caps, di, &layout, &why);
	if (rc != 0) {
		printf(" skipped: %s: %s\n",
		       rc == -ENODEV ? "no virtio region" : "bad capability",
		       why);
		return false;
	}
	printf(" modern, common bar%u+0x%lx notify bar%u+0x%lx x%u, irq %u\n",
	       layout.rgn[VBLK_SPACE_COMMON].bar,
	       (unsigned long)(layout.rgn[VBLK_SPACE_COMMON].phys -
			       di->bar[layout.rgn[VBLK_SPACE_COMMON].bar].address),
	       layout.rgn[VBLK_SPACE_NOTIFY].bar,
	       (unsigned long)(layout.rgn[VBLK_SPACE_NOTIFY].phys -
			       di->bar[layout.rgn[VBLK_SPACE_NOTIFY].bar].address),
	       layout.notify_mult, di->irq);
	if (!map_regions())
		return false;
	hw.modern = true;
	hw.irq = di->irq;
	return true;
}

/* Legacy or transitional function: its I/O window. */
static bool use_legacy(const struct device_info *di)
{
	int bar = io_bar(di);

	print_bdf(di);
	if (bar < 0 || di->irq == DEVICE_INFO_NO_IRQ) {
		printf(" skipped: %s\n",
		       bar < 0 ? "no legacy I/O BAR" : "no interrupt line");
		return false;
	}
	hw.io = (uint16_t)di->bar[bar].address;
	hw.size = di->bar[bar].size;
	hw.irq = di->irq;
	printf(" legacy, io 0x%x+0x%x, irq %u\n", hw.io, hw.size, hw.irq);
	return true;
}

/*
 * Find a virtio-blk function: legacy (or transitional, driven through its
 * legacy interface) with an I/O BAR, or modern-only (0x1042) with valid
 * virtio capabilities; either with an interrupt line.  Fills hw (and
 * layout).  Unusable functions are reported and skipped.
 */
static bool find_device(void)
{
	struct device_info di;

	for (uint32_t i = 0; i < MAX_FUNCS; i++) {
		if (sys_device_info(i, &di, sizeof(di)) != 0)
			break;
		if (di.vendor != VIRTIO_VENDOR)
			continue;
		if (di.device == VIRTIO_BLK_MODERN && use_modern(i, &di))
			return true;
		if (di.device == VIRTIO_BLK_LEGACY && use_legacy(&di))
			return true;
	}
	return false;
}

/* --- start-up ------------------------------------------------------------ */

/* The spec's self-test: read block 0, log its first 16 bytes, flush. */
static void self_test(void)
{
	char text[17], hex[33];
	int rc = vblk_read(&dev, 0, &svc.shared);

	if (rc != 0) {
		printf("virtio-blk: self-test read of block 0 failed: %s "
		       "(%s)\n",
		       strerror(rc), dev.why ? dev.why : "?");
		return;
	}
	for (int i = 0; i < 16; i++) {
		uint8_t c = svc.shared.va[i];

		text[i] = c >= 0x20 && c < 0x7F ? (char)c : '.';
	}
	text[16] = '\0';
	hex_encode(hex, (const unsigned char *)svc.shared.va, 16);
	rc = vblk_flush(&dev);
	printf("virtio-blk: self-test block 0 %s '%s', flush %s\n", hex, text,
	       rc == 0 ? "ok" : strerror(rc));
}

/* Find and start the device; svc.dev stays NULL when there is none. */
static void start_device(void)
{
	uint64_t pa = 0;
	int64_t va;
	int rc;

	if (!find_device()) {
		printf("virtio-blk: no device: every request is answered "
		       "NO_DEVICE\n");
		return;
	}
	svc.dev = &dev;
	rc = hw.modern ? vblk_start_modern(&dev, &hw_ops, &hw, &layout)
		       : vblk_start(&dev, &hw_ops, &hw);
	if (rc != 0) {
		printf("virtio-blk: device failed to start: %s (%s): every "
		       "request is answered DEVICE_DEAD\n",
		       strerror(rc), dev.why ? dev.why : "?");
		return;
	}
	va = sys_alloc_dma(1, 0, &pa);
	if (sys_failed(va)) {
		printf("virtio-blk: no shared page: %s\n", strerror((int)va));
	} else {
		svc.shared.va = (volatile uint8_t *)(uintptr_t)va;
		svc.shared.pa = pa;
	}
	printf("virtio-blk: capacity %lu sectors (%lu blocks), queue %u, "
	       "flush %s\n",
	       (unsigned long)dev.capacity, (unsigned long)vblk_blocks(&dev),
	       dev.qsize, dev.features & VBLK_F_FLUSH ? "yes" : "no");
	if (svc.shared.va)
		self_test();
}

/* Register ep; returns its mask bit, or 0 when refused. */
static uint32_t register_ep(uint32_t ep)
{
	int64_t r = sys_register_endpoint(ep, 0);

	if (r != 0) {
		printf("virtio-blk: cannot register endpoint %u: %s\n", ep,
		       strerror((int)r));
		return 0;
	}
	return 1u << ep;
}

/* --- serving ------------------------------------------------------------- */

/* Write an answer; a full queue is retried for a while, then dropped. */
static void reply(uint32_t ep, const void *buf, size_t len)
{
	int64_t r;

	for (int tries = 0; tries < REPLY_RETRIES; tries++) {
		r = sys_write(ep, buf, len);
		if (r != -EWOULDBLOCK)
			break;
		(void)sys_yield();
	}
	if (sys_failed(r))
		printf("virtio-blk: answer to endpoint %u lost: %s\n", ep,
		       strerror((int)r));
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* One kernel command from 26, if any; true when one was taken. */
static bool serve_kernel(void)
{
	uint8_t answer[VBLK_KMSG_SIZE];
	int64_t r = sys_try_recv_msg(IPC_EP_BLK_KCMD, rbuf, sizeof(rbuf));

	if (r == 0)
		return false;
	if (sys_failed(r) || r < IPC_RECV_HDR_SIZE) {
		printf("virtio-blk: receive on 26 failed: %s\n",
		       strerror((int)r));
		return false;
	}
	if (!all_zero(rbuf, PRINCIPAL_SIZE)) {
		printf("virtio-blk: dropped a command on 26 from a process "
		       "(only the kernel may send there)\n");
		return true;
	}
	dev.why = NULL; /* so a failure below names its own reason */
	vblk_serve_kernel(&svc, rbuf + IPC_RECV_HDR_SIZE,
			  (size_t)r - IPC_RECV_HDR_SIZE, answer);
	if (answer[0] != VBLK_SVC_OK && svc.dev && dev.why)
		printf("virtio-blk: kernel command %u: status %u (%s)\n",
		       rbuf[IPC_RECV_HDR_SIZE], answer[0], dev.why);
	reply(IPC_EP_BLK_KREPLY, answer, sizeof(answer));
	return true;
}

/* One user request from 24, if any; true when one was taken. */
static bool serve_user(void)
{
	uint8_t answer[VBLK_USER_REPLY_MAX];
	struct recv_msg msg;
	int64_t r = try_recv_verified(IPC_EP_BLK, rbuf, sizeof(rbuf), &msg);

	if (r == 0)
		return false;
	if (r == -EPERM || r == -ECORRUPT)
		return true; /* anonymous or malformed: consumed, ignored */
	if (sys_failed(r)) {
		printf("virtio-blk: receive on 24 failed: %s\n",
		       strerror((int)r));
		return false;
	}
	size_t n = vblk_serve_user(&svc, msg.payload, msg.len, answer);

	reply(msg.from_endpoint, answer, n);
	return true;
}

static void serve(uint32_t mask)
{
	bool warned = false;

	for (;;) {
		bool busy = false;

		if (mask & (1u << IPC_EP_BLK_KCMD))
			busy |= serve_kernel();
		if (mask & (1u << IPC_EP_BLK))
			busy |= serve_user();
		if (busy)
			continue;
		int64_t r = sys_wait_msg(mask);

		if (sys_failed(r) && r != -EINTR) {
			/* Cannot block (no endpoint left, or an old kernel). */
			if (!warned)
				printf("virtio-blk: WaitMsg failed: %s\n",
				       strerror((int)r));
			warned = true;
			(void)sys_yield();
		}
	}
}

int main(void)
{
	uint32_t mask;

	start_device();
	mask = register_ep(IPC_EP_BLK) | register_ep(IPC_EP_BLK_KCMD);
	(void)sys_module_ready(); /* idempotent; nothing to do on error */
	if (mask == 0)
		return 1; /* nobody can reach us */
	printf("virtio-blk: serving endpoints 24 and 26\n");
	serve(mask);
	return 0;
}
