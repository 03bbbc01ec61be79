/*
 * kernel/arch/x86_64/gdt.c - per-CPU GDT and TSS.
 */
#include "kernel/arch/x86_64/gdt.h"

#include "lib/klib/string.h"

/* Descriptor access bytes and flags (Intel SDM vol. 3, 3.4.5). */
#define SEG_KCODE	0x00AF9A000000FFFFull	/* P, DPL0, code, L */
#define SEG_KDATA	0x00CF92000000FFFFull	/* P, DPL0, data, W */
#define SEG_UDATA	0x00CFF2000000FFFFull	/* P, DPL3, data, W */
#define SEG_UCODE	0x00AFFA000000FFFFull	/* P, DPL3, code, L */

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t tss_desc_low(uint64_t base, uint32_t limit)
{
	return (limit & 0xFFFFull) | ((base & 0xFFFFFFull) << 16) |
	       (0x89ull << 40) |		/* P, type 9: available TSS */
	       ((uint64_t)((limit >> 16) & 0xF) << 48) |
	       (((base >> 24) & 0xFFull) << 56);
}

void gdt_init_cpu(struct cpu_tables *t, const uint64_t ist_tops[3])
{
	uint64_t base = (uint64_t)(uintptr_t)&t->tss;

	memset(t, 0, sizeof(*t));
	t->gdt[1] = SEG_KCODE;
	t->gdt[2] = SEG_KDATA;
	t->gdt[3] = SEG_UDATA;
	t->gdt[4] = SEG_UCODE;
	t->gdt[5] = tss_desc_low(base, sizeof(struct tss) - 1);
	t->gdt[6] = base >> 32;
	for (int i = 0; i < 3; i++)
		t->tss.ist[i] = ist_tops[i];
	t->tss.iomap_base = sizeof(struct tss);

	struct gdt_ptr p = { sizeof(t->gdt) - 1, (uint64_t)(uintptr_t)t->gdt };

	/* Reload CS with a far return, then the data segments and TR. */
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ds\n\t"
			 "movw %w2, %%es\n\t"
			 "movw %w2, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(p), "i"(GDT_KCODE), "r"(GDT_KDATA), "r"(GDT_TSS)
			 : "rax", "memory");
}
