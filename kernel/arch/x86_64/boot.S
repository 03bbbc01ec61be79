/*
 * kernel/arch/x86_64/boot.S - multiboot2 header and the 32-bit entry.
 *
 * GRUB enters _start32 in 32-bit protected mode, paging off, with the
 * multiboot2 magic in EAX and the physical address of the boot information
 * in EBX.  We check for long mode, build boot page tables (identity and
 * direct map of the first 4 GiB, plus the kernel's higher-half window),
 * switch to 64-bit mode and call x86_64_boot_main(magic, mbi_phys) on the
 * boot stack at its higher-half address.
 */
#include "kernel/arch/x86_64/layout.h"

#define MB2_MAGIC	0xE85250D6
#define MB2_ARCH_I386	0

#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_PS		0x080

#define PHYS(sym)	((sym) - KERNEL_VMA)

/* ------------------------------------------------------------------ */
	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	/* Entry address tag: our ELF entry is a higher-half address. */
	.balign 8
	.short 3, 0
	.long 12
	.long PHYS(_start32)

	/* Framebuffer tag, optional: no preferred mode. */
	.balign 8
	.short 5, 1
	.long 20
	.long 0, 0, 0

	/* Modules page-aligned. */
	.balign 8
	.short 6, 0
	.long 8

	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

/* ------------------------------------------------------------------ */
	.section .boot.text, "ax"
	.code32
	.global _start32
_start32:
	cli
	cld
	movl	%eax, %edi			/* multiboot2 magic */
	movl	%ebx, %esi			/* boot information (phys) */
	movl	$PHYS(boot_stack_top), %esp

	/* Long mode available?  CPUID 0x80000001 EDX bit 29. */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	testl	$(1 << 29), %edx
	jz	no_long_mode
	movl	%edx, %ebp			/* keep: bit 20 = NX */

	/* Zero the boot page tables (7 pages, contiguous). */
	pushl	%edi
	movl	$PHYS(boot_pml4), %edi
	xorl	%eax, %eax
	movl	$(7 * 4096 / 4), %ecx
	rep stosl
	popl	%edi

	/* PML4[0] and PML4[256] -> identity PDPT; PML4[511] -> high PDPT. */
	movl	$PHYS(boot_pdpt_low), %eax
	orl	$(PTE_P | PTE_W), %eax
	movl	%eax, PHYS(boot_pml4)
	movl	%eax, PHYS(boot_pml4) + 256 * 8
	movl	$PHYS(boot_pdpt_high), %eax
	orl	$(PTE_P | PTE_W), %eax
	movl	%eax, PHYS(boot_pml4) + 511 * 8

	/* Low PDPT[0..3] -> four page directories = 4 GiB of 2 MiB pages. */
	movl	$PHYS(boot_pd), %eax
	orl	$(PTE_P | PTE_W), %eax
	xorl	%ecx, %ecx
1:	movl	%eax, PHYS(boot_pdpt_low)(,%ecx,8)
	addl	$4096, %eax
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b

	/* High PDPT[510] -> first page directory: -2 GiB maps phys 0..1 GiB. */
	movl	$PHYS(boot_pd), %eax
	orl	$(PTE_P | PTE_W), %eax
	movl	%eax, PHYS(boot_pdpt_high) + 510 * 8

	/* 2048 PD entries of 2 MiB each; the high dword holds bits 32+. */
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(PTE_P | PTE_W | PTE_PS), %eax
	movl	%eax, PHYS(boot_pd)(,%ecx,8)
	movl	%ecx, %eax
	shrl	$11, %eax
	movl	%eax, PHYS(boot_pd) + 4(,%ecx,8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	1b

	/* CR4.PAE, CR3, EFER.LME (+NXE when present), CR0.PG|WP. */
	movl	%cr4, %eax
	orl	$(1 << 5), %eax
	movl	%eax, %cr4
	movl	$PHYS(boot_pml4), %eax
	movl	%eax, %cr3
	movl	$0xC0000080, %ecx
	rdmsr
	orl	$(1 << 8), %eax
	testl	$(1 << 20), %ebp
	jz	1f
	orl	$(1 << 11), %eax
1:	wrmsr
	movl	%cr0, %eax
	orl	$((1 << 31) | (1 << 16) | 1), %eax
	movl	%eax, %cr0

	lgdt	PHYS(boot_gdt_ptr)
	ljmp	$0x08, $PHYS(long_mode_entry)

no_long_mode:
	/* Say so on COM1, then stop. */
	movl	$PHYS(no_lm_msg), %esi
1:	lodsb
	testb	%al, %al
	jz	2f
	movw	$0x3F8, %dx
	outb	%al, %dx
	jmp	1b
2:	hlt
	jmp	2b

	.code64
long_mode_entry:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%ax, %ax
	movw	%ax, %fs
	movw	%ax, %gs
	movabsq	$higher_half, %rax
	jmp	*%rax

	.section .text, "ax"
higher_half:
	movabsq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp
	movl	%edi, %edi			/* zero-extend magic */
	movl	%esi, %esi			/* zero-extend mbi phys */
	call	x86_64_boot_main
1:	cli
	hlt
	jmp	1b

/* ------------------------------------------------------------------ */
	.section .rodata
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF		/* 0x08: 64-bit code */
	.quad 0x00CF92000000FFFF		/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)
no_lm_msg:
	.asciz "CambiOS-C: this CPU has no 64-bit long mode; halting.\r\n"

	.section .bss
	.balign 4096
	.global boot_pml4
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4 * 4096
	.balign 16
	.global boot_stack_bottom
boot_stack_bottom:
	.skip BOOT_STACK_SIZE
	.global boot_stack_top
boot_stack_top:
