/*
 * kernel/syscall/sys_fb.c - MapFramebuffer (sys_fb.h).
 *
 * The framebuffer is device memory the kernel never touches: it only
 * checks the loader's description once at boot and maps the pages into
 * the one kind of caller the boot policy allows (fb-demo, docs/
 * capabilities.md section 4).  The frames are not the allocator's, so
 * exit unmaps them without freeing (VMA_KIND_FRAMEBUFFER,
 * kernel/proc/lifecycle.c).
 */
#include "kernel/syscall/sys_fb.h"

#include <stdbool.h>

#include "abi/errno.h"
#include "abi/syscall_out.h"
#include "kernel/arch/arch.h"
#include "kernel/boot/framebuffer.h"
#include "kernel/core/bootinfo.h"
#include "kernel/core/log.h"
#include "kernel/mm/uaccess.h"
#include "kernel/mm/vma.h"
#include "kernel/proc/lifecycle.h"
#include "lib/klib/string.h"

#define PAGE 4096ull
/* Widest physical address of the supported MMUs (x86_64 and AArch64
 * 4-level tables): 52 bits. */
#define FB_PHYS_LIMIT (1ull << 52)

/* The checked framebuffer; written once at boot, read-only afterwards. */
static struct boot_framebuffer fb;
/* fb holds a usable framebuffer. */
static bool fb_usable;

void sys_fb_init(const struct boot_info *bi)
{
	const char *why = "ok";
	int err = fb_check(bi, FB_PHYS_LIMIT, &why);

	if (!err && arch_phys_kernel_mmio(bi->fb.addr, fb_bytes(&bi->fb))) {
		err = -ERANGE;
		why = "framebuffer overlaps the kernel's device registers";
	}
	if (err) {
		if (bi && bi->has_fb)
			log_info("fb: framebuffer refused: %s\n", why);
		else
			log_info("fb: no framebuffer\n");
		return;
	}
	fb = bi->fb;
	fb_usable = true;
	log_info("fb: %ux%u, %u bpp, pitch %u at %#lx\n", fb.width, fb.height,
		 fb.bpp, fb.pitch, (unsigned long)fb.addr);
}

/* Map the framebuffer's pages into p; *base gets the first page. */
static int map_pages(struct process *p, uint64_t first, uint64_t pages,
		     uint64_t *base)
{
	uint64_t i;

	if (proc_vma_alloc(p, pages, VMA_USER | VMA_WRITE | VMA_DEVICE,
			   VMA_KIND_FRAMEBUFFER, first, base))
		return -ENOMEM;
	for (i = 0; i < pages; i++) {
		if (arch_vm_map(p->page_table_root, *base + i * PAGE,
				first + i * PAGE,
				ARCH_PROT_READ | ARCH_PROT_WRITE |
				    ARCH_PROT_USER | ARCH_PROT_DEVICE))
			break;
	}
	if (i == pages)
		return 0;
	while (i-- > 0) {
		uint64_t pa;

		(void)arch_vm_unmap(p->page_table_root, *base + i * PAGE, &pa);
	}
	(void)proc_vma_remove(p, *base, 1u << VMA_KIND_FRAMEBUFFER, NULL);
	return -ENOMEM;
}

static void unmap_pages(struct process *p, uint64_t base, uint64_t pages)
{
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t pa;

		(void)arch_vm_unmap(p->page_table_root, base + i * PAGE, &pa);
	}
	(void)proc_vma_remove(p, base, 1u << VMA_KIND_FRAMEBUFFER, NULL);
}

int64_t sys_map_framebuffer(const uint64_t a[6])
{
	struct process *p = proc_current();
	struct framebuffer_desc d;
	struct vma have;
	uint64_t offset, first, pages, base;
	bool fresh = false;
	int err;

	/* Spec order: length, then index (the dispatcher checked the
	 * capability). */
	if (!p || a[2] < FRAMEBUFFER_DESC_SIZE || a[0] != 0)
		return -EINVAL;
	if (!uaccess_range_ok(a[1], FRAMEBUFFER_DESC_SIZE))
		return -EINVAL;
	if (!fb_usable)
		return -ENODEV;
	offset = fb.addr & (PAGE - 1);
	first = fb.addr - offset;
	pages = (offset + fb_bytes(&fb) + PAGE - 1) / PAGE;
	/* Once per process: a second call describes the first mapping. A
	 * process has one task, so no other call can race this one. */
	if (proc_vma_find_kind(p, VMA_KIND_FRAMEBUFFER, &have) == 0) {
		base = have.base;
	} else {
		err = map_pages(p, first, pages, &base);
		if (err)
			return err;
		fresh = true;
	}
	memset(&d, 0, sizeof(d));
	d.vaddr = base + offset;
	d.width = fb.width;
	d.height = fb.height;
	d.pitch = fb.pitch;
	d.bpp = fb.bpp;
	d.red_size = fb.red_size;
	d.red_shift = fb.red_shift;
	d.green_size = fb.green_size;
	d.green_shift = fb.green_shift;
	d.blue_size = fb.blue_size;
	d.blue_shift = fb.blue_shift;
	if (copy_to_user(p->page_table_root, a[1], &d, FRAMEBUFFER_DESC_SIZE)) {
		/* Nothing the caller could use was made: take it back. */
		if (fresh)
			unmap_pages(p, base, pages);
		return -EINVAL;
	}
	return 0;
}
