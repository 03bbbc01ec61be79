/*
 * kernel/arch/x86_64/vm.c - user address spaces (arch_vm_* of arch.h).
 *
 * A user address space is a PML4 whose upper half (entries 256..511) is a
 * copy of the kernel's; those entries never change after boot, so kernel
 * mappings made later are visible everywhere.  The lower half belongs to
 * the process.  Callers serialise changes to one address space (the
 * process lock); TLB flushes on unmap reach every CPU.
 */
#include "abi/errno.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/layout.h"
#include "kernel/arch/x86_64/mmu.h"
#include "kernel/arch/x86_64/pt.h"
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/mm/frame.h"
#include "lib/klib/string.h"


static uint64_t *table(uint64_t phys)
{
	return (uint64_t *)(uintptr_t)(phys + DIRECT_MAP_BASE);
}

uintptr_t arch_user_ceiling(void)
{
	return USER_CEILING;
}

uint64_t arch_vm_create(void)
{
	uint64_t root = frame_alloc();

	if (!root)
		return 0;

	uint64_t *pml4 = table(root);
	const uint64_t *kernel = table(mmu_kernel_root());

	memset(pml4, 0, 256 * sizeof(uint64_t));
	memcpy(pml4 + 256, kernel + 256, 256 * sizeof(uint64_t));
	return root;
}

/* Free the table at phys and, below level 1, the tables it points to. */
static void free_tables(uint64_t phys, int level)
{
	uint64_t *t = table(phys);

	if (level > 1) {
		for (unsigned i = 0; i < 512; i++) {
			if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
				free_tables(t[i] & PTE_ADDR_MASK, level - 1);
		}
	}
	frame_free(phys);
}

void arch_vm_destroy(uint64_t root)
{
	uint64_t *pml4 = table(root);

	/* Only the user half: the kernel half is shared. */
	for (unsigned i = 0; i < 256; i++) {
		if (pml4[i] & PTE_P)
			free_tables(pml4[i] & PTE_ADDR_MASK, 3);
	}
	frame_free(root);
}

int arch_vm_map(uint64_t root, uintptr_t va, uint64_t pa, unsigned prot)
{
	uint64_t flags = 0;

	if (va >= USER_CEILING || (va & 0xFFF) || (pa & 0xFFF))
		return -EINVAL;
	if ((prot & ARCH_PROT_WRITE) && (prot & ARCH_PROT_EXEC))
		return -EINVAL;
	if (prot & ARCH_PROT_WRITE)
		flags |= PTE_W;
	if (prot & ARCH_PROT_USER)
		flags |= PTE_U;
	if (!(prot & ARCH_PROT_EXEC))
		flags |= mmu_nx_bit();
	if (prot & ARCH_PROT_DEVICE)
		flags |= PTE_PCD | PTE_PWT;
	return pt_map(mmu_pt_ctx(), root, va, pa, PAGE_4K, flags);
}

int arch_vm_unmap(uint64_t root, uintptr_t va, uint64_t *pa)
{
	if (va >= USER_CEILING)
		return -EINVAL;

	int err = pt_unmap(mmu_pt_ctx(), root, va, pa, NULL);

	if (!err)
		tlb_shootdown(va, 1);
	return err;
}

bool arch_vm_translate(uint64_t root, uintptr_t va, uint64_t *pa,
		       unsigned *prot)
{
	uint64_t flags;

	if (!pt_lookup(mmu_pt_ctx(), root, va, pa, &flags))
		return false;
	if (prot) {
		unsigned p = ARCH_PROT_READ;

		if (flags & PTE_W)
			p |= ARCH_PROT_WRITE;
		if (flags & PTE_U)
			p |= ARCH_PROT_USER;
		if (!(flags & PTE_NX))
			p |= ARCH_PROT_EXEC;
		if (flags & PTE_PCD)
			p |= ARCH_PROT_DEVICE;
		*prot = p;
	}
	return true;
}

int arch_vm_unmap_inactive(uint64_t root, uintptr_t va, uint64_t *pa)
{
	if (va >= USER_CEILING)
		return -EINVAL;
	return pt_unmap(mmu_pt_ctx(), root, va, pa, NULL);
}

void arch_tlb_shootdown(uintptr_t va, uint64_t pages)
{
	if (va < USER_CEILING && pages)
		tlb_shootdown(va, pages);
}

void arch_vm_use_kernel(void)
{
	write_cr3(mmu_kernel_root());
}
