/*
 * kernel/syscall/sys_dev.c - the device syscalls (sys_dev.h).  Behaviour
 * and deviations from the spec: docs/devices.md and docs/abi.md.
 */
#include "kernel/syscall/sys_dev.h"

#include <stdbool.h>

#include "abi/errno.h"
#include "abi/syscall_out.h"
#include "kernel/arch/arch.h"
#include "kernel/dev/console_in.h"
#include "kernel/dev/irq.h"
#include "kernel/core/log.h"
#include "kernel/dev/pci.h"
#include "kernel/mm/buddy.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/uaccess.h"
#include "kernel/mm/vma.h"
#include "kernel/proc/lifecycle.h"
#include "kernel/sched/glue.h"
#include "lib/klib/string.h"

#define PAGE		    4096ull
#define MAP_MMIO_MAX_PAGES  16384ull /* spec */
#define ALLOC_DMA_MAX_PAGES 32768ull /* spec */
#define CONSOLE_READ_MAX    4096ull  /* spec */

/*
 * Would a copy_to_user of [va, va + len) succeed now?  Checked before a
 * result that cannot be given back (a console byte, a DMA block) is
 * taken.  Nothing else can unmap the caller's pages meanwhile: a process
 * has one task, and only it changes its address space.
 */
static bool user_writable(uint64_t root, uint64_t va, uint64_t len)
{
	const unsigned need = ARCH_PROT_WRITE | ARCH_PROT_USER;

	if (len == 0 || va + len < va || va + len > arch_user_ceiling())
		return false;
	for (uint64_t pg = va & ~(PAGE - 1); pg < va + len; pg += PAGE) {
		uint64_t pa;
		unsigned prot;

		if (!arch_vm_translate(root, pg, &pa, &prot) ||
		    (prot & need) != need)
			return false;
	}
	return true;
}

/* The block step of irq.c's waits: give the CPU away. */
static void switch_away(void *ctx)
{
	(void)ctx;
	schedule();
}

int64_t sys_wait_irq(const uint64_t a[6])
{
	struct process *p = proc_current();

	if (!p || a[0] >= IRQ_LINES)
		return -EINVAL;
	return irq_wait((unsigned)a[0], p->id, switch_away, NULL);
}

/* Unmap pages [base, base + n pages) of p; frames are not freed. */
static void unmap_range(struct process *p, uint64_t base, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t pa;

		(void)arch_vm_unmap(p->page_table_root, base + i * PAGE, &pa);
	}
}

int64_t sys_map_mmio(const uint64_t a[6])
{
	struct process *p = proc_current();
	uint64_t phys = a[0], pages = a[1], base, i;

	if (!p || pages == 0 || pages > MAP_MMIO_MAX_PAGES ||
	    (phys & (PAGE - 1)))
		return -EINVAL;
	if (phys + pages * PAGE < phys)
		return -EINVAL;
	/* Deviation: only a discovered PCI memory BAR, not "above RAM". */
	if (!pci_mmio_allowed(phys, pages * PAGE))
		return -EPERM;
	if (proc_vma_alloc(p, pages, VMA_USER | VMA_WRITE | VMA_DEVICE,
			   VMA_KIND_MMIO, phys, &base))
		return -ENOMEM;
	for (i = 0; i < pages; i++) {
		if (arch_vm_map(p->page_table_root, base + i * PAGE,
				phys + i * PAGE,
				ARCH_PROT_READ | ARCH_PROT_WRITE |
				    ARCH_PROT_USER | ARCH_PROT_DEVICE))
			break;
	}
	if (i < pages) {
		unmap_range(p, base, i);
		(void)proc_vma_remove(p, base, 1u << VMA_KIND_MMIO, NULL);
		return -ENOMEM;
	}
	return (int64_t)base;
}

int64_t sys_alloc_dma(const uint64_t a[6])
{
	struct process *p = proc_current();
	uint64_t pages = a[0], out = a[2], phys, base, i;
	unsigned order = 0;

	if (!p || pages == 0 || pages > ALLOC_DMA_MAX_PAGES)
		return -EINVAL;
	if (out == 0 || out >= arch_user_ceiling())
		return -EINVAL;
	/* The physical address must reach the caller: check first. */
	if (!user_writable(p->page_table_root, out, sizeof(phys)))
		return -EINVAL;
	while ((1ull << order) < pages)
		order++;
	/* One buddy block: 4 MiB at most (deviation, docs/devices.md). */
	if (order > BUDDY_MAX_ORDER)
		return -ENOMEM;
	phys = frame_alloc_order(order);
	if (!phys)
		return -ENOMEM;
	memset(frame_to_virt(phys), 0, pages * PAGE);
	if (proc_vma_alloc(p, pages,
			   VMA_USER | VMA_WRITE | VMA_DMA | VMA_GUARD_BEFORE |
			       VMA_GUARD_AFTER,
			   VMA_KIND_DMA, vma_dma_tag(phys, order), &base)) {
		frame_free_order(phys, order);
		return -ENOMEM;
	}
	for (i = 0; i < pages; i++) {
		if (arch_vm_map(
			p->page_table_root, base + i * PAGE, phys + i * PAGE,
			ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_USER))
			break;
	}
	if (i < pages ||
	    copy_to_user(p->page_table_root, out, &phys, sizeof(phys))) {
		int64_t err = i < pages ? -ENOMEM : -EINVAL;

		unmap_range(p, base, i);
		(void)proc_vma_remove(p, base, 1u << VMA_KIND_DMA, NULL);
		frame_free_order(phys, order);
		return err;
	}
	return (int64_t)base;
}

/*
 * a[0] bits 31..0 the function index, bits 63..32 the record kind
 * (abi/syscall_out.h, an extension: kind 0 is the spec's record).
 */
int64_t sys_device_info(const uint64_t a[6])
{
	struct process *p = proc_current();
	uint64_t kind = a[0] >> DEVICE_INFO_KIND_SHIFT;
	const struct pci_func *f;
	union {
		struct device_info info;
		struct device_caps caps;
	} rec;
	uint64_t size;

	if (!p)
		return -EINVAL;
	if (kind == DEVICE_INFO_KIND_FUNCTION)
		size = DEVICE_INFO_SIZE;
	else if (kind == DEVICE_INFO_KIND_VENDOR_CAPS)
		size = DEVICE_CAPS_SIZE;
	else
		return -EINVAL;
	if (a[2] < size)
		return -EINVAL;
	f = pci_get(a[0] & 0xFFFFFFFFu);
	if (!f)
		return -EINVAL;
	if (kind == DEVICE_INFO_KIND_FUNCTION)
		pci_device_info(f, &rec.info);
	else
		pci_device_caps(f, &rec.caps);
	if (copy_to_user(p->page_table_root, a[1], &rec, size))
		return -EINVAL;
	return 0;
}

int64_t sys_port_io(const uint64_t a[6])
{
	uint64_t port = a[0], flags = a[2];
	uint32_t value = (uint32_t)a[1];
	unsigned width;
	bool write = flags & PORT_IO_WRITE;
	int err;

	if (port > 0xFFFF ||
	    (flags & ~(uint64_t)(PORT_IO_WRITE | PORT_IO_WIDTH_MASK)))
		return -EINVAL;
	switch (flags & PORT_IO_WIDTH_MASK) {
	case PORT_IO_BYTE:
		width = 1;
		break;
	case PORT_IO_WORD:
		width = 2;
		break;
	case PORT_IO_DWORD:
		width = 4;
		break;
	default:
		return -EINVAL; /* width 3 (spec) */
	}
	/* Spec: a word at an odd port, a dword not 4-aligned. */
	if (port & (width - 1))
		return -EINVAL;
	if (!pci_io_allowed((uint32_t)port, width))
		return -EPERM;
	err = arch_port_io((uint16_t)port, width, write, &value);
	if (err)
		return err;
	return write ? 0 : (int64_t)value;
}

/*
 * The first time any process waits for console input - an interactive
 * program (the shell) at its prompt - log when (at debug level, so it
 * does not land on the prompt of `make run`): the "boot to prompt" mark
 * make bench reads with loglevel=debug (cycles are instructions under
 * -icount).
 */
static void console_first_wait(const struct process *p)
{
	static int logged;

	if (!__atomic_exchange_n(&logged, 1, __ATOMIC_RELAXED))
		log_debug("boot: %s waits for console input at cycle %lu\n",
			p->name, (unsigned long)arch_cycles());
}

int64_t sys_console_read(const uint64_t a[6])
{
	struct process *p = proc_current();
	uint64_t buf = a[0], max = a[1], flags = a[2];

	if (!p || (flags & ~(uint64_t)CONSOLE_READ_WAIT))
		return -EINVAL;
	if (max == 0)
		return 0;
	if (max > CONSOLE_READ_MAX)
		return -EINVAL;
	/* A byte, once taken from the ring, must not be lost to a bad
	 * buffer: check it first. */
	if (!user_writable(p->page_table_root, buf, 1))
		return -EINVAL;
	for (;;) {
		int c = console_in_pop();
		int err;

		if (c >= 0) {
			uint8_t b = (uint8_t)c;

			return copy_to_user(p->page_table_root, buf, &b, 1)
				   ? -EINVAL
				   : 1;
		}
		if (!(flags & CONSOLE_READ_WAIT))
			return 0;
		console_first_wait(p);
		err = console_in_wait(switch_away, NULL);
		if (err)
			return err;
	}
}
