/*
 * kernel/arch/x86_64/mmu.c - the kernel's address space.
 *
 * boot.S left a temporary map (identity and direct map of 4 GiB, kernel
 * window).  arch_mmu_init replaces it with the final one: a direct map of
 * all RAM, the kernel image with per-section permissions, and nothing in
 * the lower half, so a stray null pointer faults.  Its page tables come
 * from a static pool in .bss, before any allocator exists.
 */
#include "abi/errno.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/layout.h"
#include "kernel/arch/x86_64/mmu.h"
#include "kernel/arch/x86_64/pt.h"
#include "kernel/core/spinlock.h"
#include "kernel/mm/frame.h"
#include "lib/klib/string.h"

/* Enough for 29 GiB of direct map in 2 MiB pages, or 16 TiB in 1 GiB ones. */
#define POOL_PAGES	32

static uint8_t pt_pool[POOL_PAGES][4096] __attribute__((aligned(4096)));
static unsigned pt_pool_used;	/* boot CPU only, during arch_mmu_init */
static uint64_t kernel_root;	/* physical address of the kernel PML4 */
static uint64_t direct_map_limit; /* end of the direct map (physical) */

/* Guards changes to the kernel half of the page tables and mmio_next. */
static struct spinlock kmap_lock = SPINLOCK_INIT("kmap", 0);
/* Next free address of the MMIO window; guarded by kmap_lock. */
static uint64_t mmio_next = MMIO_AREA_BASE;
/* Physical ranges mmu_map_mmio mapped for the kernel (local APIC, I/O
 * APICs), so no device BAR there reaches user space; kmap_lock. */
#define KERNEL_MMIO_MAX 16
static struct {
	uint64_t first, last;	/* page-aligned, inclusive pages */
} kernel_mmio[KERNEL_MMIO_MAX];
static unsigned kernel_mmio_count;
static bool kernel_mmio_lost;	/* more ranges than slots: refuse all */

extern char __kernel_start[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __data_end[];
extern char __kernel_end[];

static uint64_t image_phys(const void *va)
{
	return (uint64_t)(uintptr_t)va - KERNEL_VMA;
}

static uint64_t pool_alloc(void *arg)
{
	(void)arg;
	if (pt_pool_used == POOL_PAGES)
		return 0;

	uint8_t *page = pt_pool[pt_pool_used++];

	memset(page, 0, sizeof(pt_pool[0]));
	return image_phys(page);
}

uintptr_t arch_direct_map_base(void)
{
	return DIRECT_MAP_BASE;
}

void arch_kernel_extent(uint64_t *start, uint64_t *end)
{
	*start = image_phys(__kernel_start);
	*end = image_phys(__kernel_end);
}

uint64_t mmu_kernel_root(void)
{
	return kernel_root;
}

static bool cpu_has_1g_pages(void)
{
	uint32_t a, b, c, d;

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000001)
		return false;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	return d & (1u << 26);
}

static int map_image_range(const struct pt_ctx *ctx, const char *start,
			   const char *end, uint64_t flags)
{
	for (uint64_t va = (uintptr_t)start; va < (uintptr_t)end;
	     va += PAGE_4K) {
		int err = pt_map(ctx, kernel_root, va, va - KERNEL_VMA, PAGE_4K,
				 flags);

		if (err)
			return err;
	}
	return 0;
}

int arch_mmu_init(uint64_t max_phys, uint64_t *mapped)
{
	/* Until the switch, pool pages are reached through boot.S's map. */
	struct pt_ctx ctx = { DIRECT_MAP_BASE, pool_alloc, NULL };
	uint64_t nx = (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;
	uint64_t big = cpu_has_1g_pages() ? PAGE_1G : PAGE_2M;
	int err = 0;

	kernel_root = pool_alloc(NULL);

	/*
	 * Top-level entries of the kernel areas exist from the start and never
	 * change, so every address space that copies the kernel half (entries
	 * 256..511) sees later kernel mappings without being told.
	 */
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(kernel_root + DIRECT_MAP_BASE);
	const uint64_t areas[] = { KSTACK_AREA_BASE, MMIO_AREA_BASE };

	for (unsigned i = 0; i < sizeof(areas) / sizeof(areas[0]); i++) {
		uint64_t pdpt = pool_alloc(NULL);

		if (!pdpt)
			return -ENOMEM;
		pml4[(areas[i] >> 39) & 511] = pdpt | PTE_P | PTE_W;
	}

	/* Kernel image: text RX, rodata R, data and bss RW, all global. */
	if (map_image_range(&ctx, __kernel_start, __text_end, PTE_G) ||
	    map_image_range(&ctx, __rodata_start, __rodata_end, PTE_G | nx) ||
	    map_image_range(&ctx, __data_start, __data_end, PTE_W | PTE_G | nx))
		return -ENOMEM;	/* the pool always covers the image */

	/* Direct map, largest pages first, then 2 MiB for the tail. */
	uint64_t pa = 0;

	max_phys = (max_phys + PAGE_2M - 1) & ~(PAGE_2M - 1);
	while (pa < max_phys) {
		uint64_t size = (pa % big == 0 && max_phys - pa >= big) ?
					big : PAGE_2M;

		err = pt_map(&ctx, kernel_root, DIRECT_MAP_BASE + pa, pa, size,
			     PTE_W | PTE_G | nx);
		if (err)
			break;
		pa += size;
	}
	*mapped = pa;
	direct_map_limit = pa;

	write_cr4(read_cr4() | CR4_PGE);
	write_cr3(kernel_root);
	return err;
}

/* Page-table pages after boot come from the frame allocator, zeroed. */
static uint64_t frame_table_alloc(void *arg)
{
	(void)arg;

	uint64_t phys = frame_alloc();

	if (phys)
		memset(frame_to_virt(phys), 0, PAGE_4K);
	return phys;
}

const struct pt_ctx *mmu_pt_ctx(void)
{
	static const struct pt_ctx ctx = { DIRECT_MAP_BASE, frame_table_alloc,
					   NULL };

	return &ctx;
}

void *mmu_map_mmio(uint64_t phys, size_t size)
{
	uint64_t first = phys & ~(PAGE_4K - 1);
	uint64_t last = (phys + size + PAGE_4K - 1) & ~(PAGE_4K - 1);
	uint64_t pages = (last - first) / PAGE_4K;
	unsigned long flags;
	uint64_t va;

	if (size == 0 || last < first)
		return NULL;
	flags = spin_lock_irqsave(&kmap_lock);
	if (mmio_next + pages * PAGE_4K > MMIO_AREA_BASE + MMIO_AREA_SIZE) {
		spin_unlock_irqrestore(&kmap_lock, flags);
		return NULL;
	}
	va = mmio_next;
	for (uint64_t i = 0; i < pages; i++) {
		int err = pt_map(mmu_pt_ctx(), kernel_root, va + i * PAGE_4K,
				 first + i * PAGE_4K, PAGE_4K,
				 PTE_W | PTE_PCD | PTE_PWT | PTE_NX | PTE_G);

		if (err) {
			/* Unwind what this call mapped; the window is not reused. */
			while (i-- > 0) {
				(void)pt_unmap(mmu_pt_ctx(), kernel_root,
					       va + i * PAGE_4K, NULL, NULL);
				invlpg(va + i * PAGE_4K);
			}
			spin_unlock_irqrestore(&kmap_lock, flags);
			return NULL;
		}
	}
	mmio_next += pages * PAGE_4K;
	if (kernel_mmio_count < KERNEL_MMIO_MAX) {
		kernel_mmio[kernel_mmio_count].first = first;
		kernel_mmio[kernel_mmio_count].last = last - PAGE_4K;
		kernel_mmio_count++;
	} else {
		kernel_mmio_lost = true;
	}
	spin_unlock_irqrestore(&kmap_lock, flags);
	return (void *)(uintptr_t)(va + (phys - first));
}

bool arch_phys_kernel_mmio(uint64_t base, uint64_t len)
{
	uint64_t end = base + len;	/* exclusive */
	unsigned long flags;
	bool hit;

	if (len == 0)
		return false;
	if (end < base)
		return true;
	flags = spin_lock_irqsave(&kmap_lock);
	hit = kernel_mmio_lost;
	for (unsigned i = 0; i < kernel_mmio_count && !hit; i++)
		hit = base <= kernel_mmio[i].last + PAGE_4K - 1 &&
		      kernel_mmio[i].first < end;
	spin_unlock_irqrestore(&kmap_lock, flags);
	return hit;
}

int mmu_kernel_map_page(uint64_t va, uint64_t pa, uint64_t flags)
{
	unsigned long irq = spin_lock_irqsave(&kmap_lock);
	int err = pt_map(mmu_pt_ctx(), kernel_root, va, pa, PAGE_4K, flags);

	spin_unlock_irqrestore(&kmap_lock, irq);
	return err;
}

int mmu_kernel_unmap_page(uint64_t va, uint64_t *pa)
{
	unsigned long irq = spin_lock_irqsave(&kmap_lock);
	int err = pt_unmap(mmu_pt_ctx(), kernel_root, va, pa, NULL);

	spin_unlock_irqrestore(&kmap_lock, irq);
	return err;
}

uint64_t mmu_nx_bit(void)
{
	return (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;
}

uint64_t mmu_direct_map_limit(void)
{
	return direct_map_limit;
}
