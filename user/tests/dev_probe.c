/*
 * user/tests/dev_probe.c - the device syscalls from user space, for
 * tests/qemu/test_devices.py (docs/devices.md):
 *
 *  1. lists every DeviceInfo record:
 *     "dev_probe: dev <i> <bb>:<dd>.<f> <vendor>:<device> class <cc>.<ss>
 *      irq <n|none> pin <p> bars <n>" and "dev_probe: dev <i> bar<j> <io|mem>
 *      0x<addr>+0x<size>" per BAR, then "dev_probe: devices <n>";
 *  2. probes error paths of DeviceInfo, PortIo, MapMmio, AllocDma,
 *     WaitIrq and ConsoleRead: "dev_probe: <probe> ret=<got> want=<want>
 *     ok" (or "BAD"); probes needing a value it cannot know in advance
 *     print "ok"/"BAD" from their own check;
 *  3. with a legacy virtio-blk device (1af4:1001): sets up queue 0 in an
 *     AllocDma buffer over PortIo, reads sectors 0 and 1, each completion
 *     waited for with WaitIrq, and prints "dev_probe: sector <s>
 *     '<first 16 bytes, dots for unprintable>'"; then spawns irq_thief,
 *     which must be refused the line (the test reads its line);
 *  4. console input: "dev_probe: console wait ready" then three blocking
 *     reads ("dev_probe: wait got 0x<byte>"), "dev_probe: console poll
 *     ready" then polling until three more bytes came ("dev_probe: poll
 *     got 0x<byte>");
 *  5. "dev_probe: done ok=<n> bad=<m>", exit 0.
 */
#include "lib/libsys/libsys.h"

#define PAGE		4096ull
#define LAPIC_PHYS	0xFEE00000ull
#define IOAPIC_PHYS	0xFEC00000ull
#define RAM_PHYS	0x100000ull
#define COM1_PORT	0x3F8
#define PCI_CFG_PORT	0xCF8
#define DEBUG_EXIT_PORT 0xF4
#define COM1_IRQ	4   /* ISA IRQ 4, no MADT override under QEMU */
#define NO_IOAPIC_LINE	200 /* QEMU's one I/O APIC has 24 inputs */
#define KERNEL_ADDR	0xffff800000000000ull

/* Legacy virtio-pci registers (virtio 0.9.5, section 2.1.2) */
#define VIO_HOST_FEATURES  0x00
#define VIO_GUEST_FEATURES 0x04
#define VIO_QUEUE_PFN	   0x08
#define VIO_QUEUE_NUM	   0x0C
#define VIO_QUEUE_SEL	   0x0E
#define VIO_QUEUE_NOTIFY   0x10
#define VIO_STATUS	   0x12
#define VIO_ISR		   0x13
#define VIO_ACK		   1
#define VIO_DRIVER	   2
#define VIO_DRIVER_OK	   4
#define VRING_NEXT	   1
#define VRING_WRITE	   2

static int ok_count, bad_count;
static const uint64_t readonly_word = 0x1234;

static void check(const char *name, int64_t got, int64_t want)
{
	bool ok = got == want;

	ok_count += ok;
	bad_count += !ok;
	printf("dev_probe: %s ret=%ld want=%ld %s\n", name, got, want,
	       ok ? "ok" : "BAD");
}

static void verdict(const char *name, bool ok)
{
	ok_count += ok;
	bad_count += !ok;
	printf("dev_probe: %s %s\n", name, ok ? "ok" : "BAD");
}

/* The virtio-blk function found by list_devices, if any. */
static struct device_info blk;
static bool have_blk;
static unsigned blk_io_bar = 6, blk_mem_bar = 6;

static void list_devices(void)
{
	struct device_info di;
	int64_t r;
	unsigned i;

	for (i = 0;; i++) {
		r = sys_device_info(i, &di, sizeof(di));
		if (r != 0)
			break;
		printf(
		    "dev_probe: dev %u %02x:%02x.%x %04x:%04x class %02x.%02x ",
		    i, di.bus, di.dev, di.function, di.vendor, di.device,
		    di.class_code, di.subclass);
		if (di.irq == DEVICE_INFO_NO_IRQ)
			printf("irq none pin %u bars %u\n", di.irq_pin,
			       di.bar_count);
		else
			printf("irq %u pin %u bars %u\n", di.irq, di.irq_pin,
			       di.bar_count);
		for (unsigned j = 0; j < 6; j++) {
			if (di.bar[j].size == 0)
				continue;
			printf("dev_probe: dev %u bar%u %s 0x%lx+0x%x\n", i, j,
			       di.bar[j].is_io ? "io" : "mem",
			       (unsigned long)di.bar[j].address,
			       di.bar[j].size);
		}
		if (di.vendor == 0x1AF4 && di.device == 0x1001 && !have_blk) {
			blk = di;
			have_blk = true;
		}
	}
	printf("dev_probe: devices %u\n", i);
	check("device_info_past_end", r, -EINVAL);
	check("device_info_short_len", sys_device_info(0, &di, 107), -EINVAL);
	check("device_info_null_out", sys_device_info(0, NULL, 108), -EINVAL);
	check("device_info_kernel_out",
	      sys_device_info(0, (void *)KERNEL_ADDR, 108), -EINVAL);
	check("device_info_huge_index",
	      sys_raw(SYS_DEVICE_INFO, 1ull << 40, (uint64_t)(uintptr_t)&di,
		      108, 0, 0, 0),
	      -EINVAL);
	if (!have_blk)
		return;
	for (unsigned j = 0; j < 6; j++) {
		if (blk.bar[j].size == 0)
			continue;
		if (blk.bar[j].is_io && blk_io_bar == 6)
			blk_io_bar = j;
		if (!blk.bar[j].is_io && blk_mem_bar == 6 &&
		    blk.bar[j].size >= PAGE)
			blk_mem_bar = j;
	}
}

static void port_probes(void)
{
	check("port_com1", sys_port_io(COM1_PORT, 0, PORT_IO_BYTE), -EPERM);
	check("port_pci_config", sys_port_io(PCI_CFG_PORT, 0, PORT_IO_DWORD),
	      -EPERM);
	check("port_debug_exit", sys_port_io(DEBUG_EXIT_PORT, 0, PORT_IO_BYTE),
	      -EPERM);
	check("port_no_bar", sys_port_io(0x1000, 0, PORT_IO_BYTE), -EPERM);
	check("port_beyond_u16",
	      sys_raw(SYS_PORT_IO, 0x10000 + 0xC000, 0, PORT_IO_BYTE, 0, 0, 0),
	      -EINVAL);
	if (blk_io_bar == 6) {
		verdict("port_virtio_bar_found", false);
		return;
	}

	uint16_t io = (uint16_t)blk.bar[blk_io_bar].address;
	uint32_t size = blk.bar[blk_io_bar].size;

	check("port_width3", sys_port_io(io, 0, 3u << 1), -EINVAL);
	check("port_unknown_flag", sys_port_io(io, 0, 1u << 3), -EINVAL);
	check("port_word_odd", sys_port_io(io + 1, 0, PORT_IO_WORD), -EINVAL);
	check("port_dword_unaligned", sys_port_io(io + 2, 0, PORT_IO_DWORD),
	      -EINVAL);
	/* Inside the BAR: the device status register and the BAR's last
	 * byte read fine. */
	int64_t st = sys_port_io(io + VIO_STATUS, 0, PORT_IO_BYTE);
	int64_t last = sys_port_io(io + size - 1, 0, PORT_IO_BYTE);

	verdict("port_read_in_bar", st >= 0 && st <= 0xFF);
	verdict("port_read_last_in_bar", last >= 0 && last <= 0xFF);
}

static void mmio_probes(void)
{
	check("mmio_lapic", sys_map_mmio(LAPIC_PHYS, 1), -EPERM);
	check("mmio_ioapic", sys_map_mmio(IOAPIC_PHYS, 1), -EPERM);
	check("mmio_ram", sys_map_mmio(RAM_PHYS, 1), -EPERM);
	check("mmio_zero_pages", sys_map_mmio(LAPIC_PHYS, 0), -EINVAL);
	check("mmio_too_many_pages", sys_map_mmio(LAPIC_PHYS, 16385), -EINVAL);
	check("mmio_unaligned", sys_map_mmio(LAPIC_PHYS + 8, 1), -EINVAL);
	check("mmio_wraps", sys_map_mmio(0xFFFFFFFFFFFFF000ull, 2), -EINVAL);
	if (blk_mem_bar == 6) {
		verdict("mmio_virtio_bar_found", false);
		return;
	}

	uint64_t base = blk.bar[blk_mem_bar].address;
	uint64_t pages = blk.bar[blk_mem_bar].size / PAGE;

	check("mmio_past_bar", sys_map_mmio(base, pages + 1), -EPERM);

	int64_t va = sys_map_mmio(base, pages);

	verdict("mmio_map_bar", !sys_failed(va) && va != 0);
	if (sys_failed(va))
		return;
	/* Uncached device memory reads without a fault. */
	(void)*(volatile uint32_t *)(uintptr_t)va;
	check("mmio_free", sys_free((void *)(uintptr_t)va, 0), 0);
	check("mmio_free_again", sys_free((void *)(uintptr_t)va, 0), -EINVAL);
}

static uint64_t free_frames(void)
{
	struct sysinfo_mem m;

	if (sys_sysinfo(SYSINFO_MEM, &m, sizeof(m)) < 0)
		return 0;
	return m.free_frames;
}

static void dma_probes(void)
{
	uint64_t pa = 0;

	check("dma_zero_pages", sys_alloc_dma(0, 0, &pa), -EINVAL);
	check("dma_too_many_pages", sys_alloc_dma(32769, 0, &pa), -EINVAL);
	check("dma_beyond_buddy", sys_alloc_dma(2048, 0, &pa), -ENOMEM);
	check("dma_null_out", sys_alloc_dma(1, 0, NULL), -EINVAL);
	check("dma_kernel_out", sys_alloc_dma(1, 0, (uint64_t *)KERNEL_ADDR),
	      -EINVAL);
	check("dma_readonly_out",
	      sys_alloc_dma(1, 0, (uint64_t *)(uintptr_t)&readonly_word),
	      -EINVAL);

	int64_t va = sys_alloc_dma(3, 0, &pa);
	bool zero = true;

	verdict("dma_alloc",
		!sys_failed(va) && pa != 0 && (pa & (PAGE - 1)) == 0);
	if (sys_failed(va))
		return;
	for (uint64_t i = 0; i < 3 * PAGE; i += 8)
		zero &= *(volatile uint64_t *)(uintptr_t)(va + i) == 0;
	*(volatile uint64_t *)(uintptr_t)(va + 3 * PAGE - 8) = 0x5A5A;
	verdict("dma_zeroed", zero);
	printf("dev_probe: dma vaddr=0x%lx paddr=0x%lx\n", (unsigned long)va,
	       (unsigned long)pa);
	check("dma_free", sys_free((void *)(uintptr_t)va, 0), 0);
	check("dma_free_again", sys_free((void *)(uintptr_t)va, 0), -EINVAL);

	/* Free returns each block whole: no frame leaks over many rounds. */
	uint64_t before = free_frames(), after;

	for (int i = 0; i < 200; i++) {
		va = sys_alloc_dma(5, 0, &pa);
		if (sys_failed(va) || sys_free((void *)(uintptr_t)va, 0) != 0)
			break;
	}
	after = free_frames();
	printf("dev_probe: dma_cycles free_before=%lu free_after=%lu\n",
	       (unsigned long)before, (unsigned long)after);
}

static void irq_probes(void)
{
	check("irq_224", sys_wait_irq(224), -EINVAL);
	check("irq_minus_1", sys_wait_irq(0xFFFFFFFFu), -EINVAL);
	check("irq_console_line", sys_wait_irq(COM1_IRQ), -EBUSY);
	check("irq_no_controller", sys_wait_irq(NO_IOAPIC_LINE), -EINVAL);
}

/* ---- virtio-blk, legacy interface, queue 0 ------------------------ */

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static uint16_t vio; /* I/O base */
static volatile struct vring_desc *desc;
static volatile uint16_t *avail; /* flags, idx, ring[n] */
static volatile uint16_t *used;	 /* flags, idx, then {u32 id, len} */
static volatile uint8_t *req;	 /* header, data at 512, status 1024 */
static uint64_t req_pa;
static unsigned qsize;

static uint32_t pin(unsigned off, uint32_t flags)
{
	return (uint32_t)sys_port_io(vio + off, 0, flags);
}

static void pout(unsigned off, uint32_t v, uint32_t flags)
{
	(void)sys_port_io(vio + off, v, flags | PORT_IO_WRITE);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static bool virtio_setup(void)
{
	uint64_t pa, ring_bytes, used_off;
	int64_t va;

	vio = (uint16_t)blk.bar[blk_io_bar].address;
	pout(VIO_STATUS, 0, PORT_IO_BYTE);
	pout(VIO_STATUS, VIO_ACK, PORT_IO_BYTE);
	pout(VIO_STATUS, VIO_ACK | VIO_DRIVER, PORT_IO_BYTE);
	(void)pin(VIO_HOST_FEATURES, PORT_IO_DWORD);
	pout(VIO_GUEST_FEATURES, 0, PORT_IO_DWORD);
	pout(VIO_QUEUE_SEL, 0, PORT_IO_WORD);
	qsize = pin(VIO_QUEUE_NUM, PORT_IO_WORD);
	if (qsize == 0 || qsize > 1024)
		return false;
	/* Legacy layout: descriptors, available ring, then the used ring
	 * on the next 4 KiB boundary; our request page after that. */
	used_off = align_up(16ull * qsize + 6 + 2ull * qsize, PAGE);
	ring_bytes = align_up(used_off + 6 + 8ull * qsize, PAGE);
	va = sys_alloc_dma(ring_bytes / PAGE + 1, 0, &pa);
	if (sys_failed(va))
		return false;
	desc = (volatile struct vring_desc *)(uintptr_t)va;
	avail = (volatile uint16_t *)(uintptr_t)(va + 16ull * qsize);
	used = (volatile uint16_t *)(uintptr_t)(va + used_off);
	req = (volatile uint8_t *)(uintptr_t)(va + ring_bytes);
	req_pa = pa + ring_bytes;
	pout(VIO_QUEUE_PFN, (uint32_t)(pa / PAGE), PORT_IO_DWORD);
	pout(VIO_STATUS, VIO_ACK | VIO_DRIVER | VIO_DRIVER_OK, PORT_IO_BYTE);
	return true;
}

/* Read sector s with request number k (0, 1, ...); true on success. */
static bool virtio_read(uint64_t s, uint16_t k)
{
	volatile uint64_t *hdr = (volatile uint64_t *)req;

	hdr[0] = 0;	  /* type IN, reserved */
	hdr[1] = s;	  /* sector */
	req[1024] = 0xFF; /* status, written by the device */
	desc[0] = (struct vring_desc){req_pa, 16, VRING_NEXT, 1};
	desc[1] =
	    (struct vring_desc){req_pa + 512, 512, VRING_NEXT | VRING_WRITE, 2};
	desc[2] = (struct vring_desc){req_pa + 1024, 1, VRING_WRITE, 0};
	avail[2 + k % qsize] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	avail[1] = (uint16_t)(k + 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	pout(VIO_QUEUE_NOTIFY, 0, PORT_IO_WORD);
	/* The line may be shared: wait until our completion is there. */
	for (int tries = 0; tries < 100; tries++) {
		int64_t r = sys_wait_irq(blk.irq);

		if (r != 0) {
			printf("dev_probe: wait_irq(%u) ret=%ld\n", blk.irq, r);
			return false;
		}
		(void)pin(VIO_ISR, PORT_IO_BYTE); /* acknowledge */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (used[1] == (uint16_t)(k + 1))
			return req[1024] == 0;
	}
	return false;
}

static void print_sector(uint64_t s)
{
	char text[17];

	for (int i = 0; i < 16; i++) {
		uint8_t c = req[512 + i];

		text[i] = c >= 0x20 && c < 0x7F ? (char)c : '.';
	}
	text[16] = '\0';
	printf("dev_probe: sector %lu '%s'\n", (unsigned long)s, text);
}

static void virtio_probe(void)
{
	static const char thief[] = "irq_thief";
	int64_t task;

	if (!have_blk || blk_io_bar == 6 || blk.irq == DEVICE_INFO_NO_IRQ) {
		verdict("virtio_found", false);
		return;
	}
	verdict("virtio_setup", virtio_setup());
	for (uint16_t k = 0; k < 2; k++) {
		bool ok = virtio_read(k, k);

		verdict(k == 0 ? "virtio_read_irq_0" : "virtio_read_irq_1", ok);
		if (ok)
			print_sector(k);
	}
	/* The line is ours now: another process is refused it. */
	task = sys_spawn(thief, sizeof(thief) - 1);
	verdict("spawn_irq_thief", !sys_failed(task));
	if (!sys_failed(task))
		check("irq_thief_exit", sys_wait_task((uint64_t)task), 0);
}

/* ---- console input ------------------------------------------------ */

static void console_probes(void)
{
	uint8_t c;

	check("console_too_long", sys_console_read(&c, 4097, 0), -EINVAL);
	check("console_bad_flags", sys_console_read(&c, 1, 2), -EINVAL);
	check("console_null_buf", sys_console_read(NULL, 1, 0), -EINVAL);
	check("console_null_buf_wait",
	      sys_console_read(NULL, 1, CONSOLE_READ_WAIT), -EINVAL);
	check("console_readonly_buf",
	      sys_console_read((void *)(uintptr_t)&readonly_word, 1, 0),
	      -EINVAL);
	check("console_zero_max", sys_console_read(&c, 0, CONSOLE_READ_WAIT),
	      0);
	/* Nothing is typed before the "ready" line below. */
	check("console_empty", sys_console_read(&c, 1, 0), 0);

	printf("dev_probe: console wait ready\n");
	for (int i = 0; i < 3; i++) {
		int64_t r = sys_console_read(&c, 16, CONSOLE_READ_WAIT);

		if (r != 1) {
			check("console_wait", r, 1);
			return;
		}
		printf("dev_probe: wait got 0x%02x\n", c);
	}
	printf("dev_probe: console poll ready\n");
	for (int got = 0; got < 3;) {
		int64_t r = sys_console_read(&c, 1, 0);

		if (r == 1) {
			printf("dev_probe: poll got 0x%02x\n", c);
			got++;
		} else if (r != 0) {
			check("console_poll", r, 0);
			return;
		} else {
			(void)sys_yield();
		}
	}
}

int main(void)
{
	(void)sys_module_ready();
	list_devices();
	port_probes();
	mmio_probes();
	dma_probes();
	irq_probes();
	virtio_probe();
	console_probes();
	printf("dev_probe: done ok=%d bad=%d\n", ok_count, bad_count);
	return 0;
}
