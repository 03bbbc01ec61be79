/*
 * kernel/arch/x86_64/kstack.c - kernel stacks with guard pages.
 *
 * The stack area is cut into 64 KiB slots.  A stack occupies the top
 * ARCH_KSTACK_SIZE bytes of its slot; the pages below stay unmapped, so
 * running off the bottom of a stack faults (and the double-fault handler,
 * on its own IST stack, reports it) instead of corrupting another task's
 * stack.  Frames come one by one from the frame allocator.
 */
#include "abi/errno.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/layout.h"
#include "kernel/arch/x86_64/mmu.h"
#include "kernel/arch/x86_64/pt.h"
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/core/panic.h"
#include "kernel/core/spinlock.h"
#include "kernel/mm/frame.h"

#define SLOT_SIZE	(64 * 1024ull)
#define SLOTS		65536u
#define STACK_PAGES	(ARCH_KSTACK_SIZE / 4096)

_Static_assert(ARCH_KSTACK_SIZE + 4096 <= SLOT_SIZE, "room for a guard page");
_Static_assert(SLOTS * SLOT_SIZE <= KSTACK_AREA_SIZE, "slots fit the area");

static struct spinlock kstack_lock = SPINLOCK_INIT("kstack", 0);
/* One bit per slot, set when in use; guarded by kstack_lock. */
static uint64_t slot_used[SLOTS / 64];
/* Where the search for a free slot starts; guarded by kstack_lock. */
static unsigned slot_hint;

static int slot_take(void)
{
	unsigned long flags = spin_lock_irqsave(&kstack_lock);

	for (unsigned n = 0; n < SLOTS / 64; n++) {
		unsigned w = (slot_hint + n) % (SLOTS / 64);

		if (slot_used[w] != ~0ull) {
			unsigned bit = (unsigned)__builtin_ctzll(~slot_used[w]);

			slot_used[w] |= 1ull << bit;
			slot_hint = w;
			spin_unlock_irqrestore(&kstack_lock, flags);
			return (int)(w * 64 + bit);
		}
	}
	spin_unlock_irqrestore(&kstack_lock, flags);
	return -ENOMEM;
}

static void slot_put(unsigned slot)
{
	unsigned long flags = spin_lock_irqsave(&kstack_lock);

	slot_used[slot / 64] &= ~(1ull << (slot % 64));
	spin_unlock_irqrestore(&kstack_lock, flags);
}

static void unmap_pages(uint64_t first_va, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t pa;

		if (mmu_kernel_unmap_page(first_va + i * 4096ull, &pa) == 0)
			frame_free(pa);
	}
	tlb_shootdown(first_va, n);
}

uintptr_t arch_kstack_alloc(void)
{
	int slot = slot_take();

	if (slot < 0)
		return 0;

	uint64_t top = KSTACK_AREA_BASE + ((uint64_t)slot + 1) * SLOT_SIZE;
	uint64_t bottom = top - ARCH_KSTACK_SIZE;

	for (unsigned i = 0; i < STACK_PAGES; i++) {
		uint64_t pa = frame_alloc();

		if (!pa || mmu_kernel_map_page(bottom + i * 4096ull, pa,
					       PTE_W | PTE_G | mmu_nx_bit())) {
			if (pa)
				frame_free(pa);
			unmap_pages(bottom, i);
			slot_put((unsigned)slot);
			return 0;
		}
	}
	return top;
}

void arch_kstack_free(uintptr_t top)
{
	uint64_t slot = (top - KSTACK_AREA_BASE) / SLOT_SIZE - 1;

	if (top <= KSTACK_AREA_BASE || (top - KSTACK_AREA_BASE) % SLOT_SIZE ||
	    slot >= SLOTS || !(slot_used[slot / 64] & (1ull << (slot % 64))))
		panic("arch_kstack_free: %#lx is not a live stack top",
		      (unsigned long)top);
	unmap_pages(top - ARCH_KSTACK_SIZE, STACK_PAGES);
	slot_put((unsigned)slot);
}
