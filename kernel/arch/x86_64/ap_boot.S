/*
 * kernel/arch/x86_64/ap_boot.S - where application processors start.
 *
 * smp.c copies the bytes between ap_tramp_start and ap_tramp_end to
 * physical AP_TRAMP_PHYS (page aligned, below 1 MiB) and sends each AP a
 * STARTUP IPI for that page.  The AP begins in 16-bit real mode with
 * CS = AP_TRAMP_PHYS >> 4, IP = 0.  Every absolute address below is
 * AP_TRAMP_PHYS plus an offset inside the copy, so the code runs anywhere
 * it is copied to at that address.  The data block at the end is filled by
 * smp.c for each AP: the page tables to use (below 4 GiB, identity-mapping
 * the trampoline page and sharing the kernel half), EFER bits, the stack,
 * the per-CPU block and the C entry point.
 */
#include "kernel/arch/x86_64/smp.h"

#define T(sym)	(AP_TRAMP_PHYS + ((sym) - ap_tramp_start))

	.section .rodata.ap_tramp, "a"
	.balign 4096
	.global ap_tramp_start
ap_tramp_start:
	.code16
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	(ap_gdt_ptr - ap_tramp_start)
	movl	%cr0, %eax
	orl	$1, %eax			/* PE */
	movl	%eax, %cr0
	ljmpl	$0x08, $T(ap_pm32)

	.code32
ap_pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	%cr4, %eax
	orl	$(1 << 5), %eax			/* PAE */
	movl	%eax, %cr4
	movl	T(ap_data_cr3), %eax
	movl	%eax, %cr3
	movl	$0xC0000080, %ecx		/* EFER */
	rdmsr
	orl	T(ap_data_efer), %eax		/* LME, NXE as on the BSP */
	wrmsr
	movl	%cr0, %eax
	orl	$((1 << 31) | (1 << 16)), %eax	/* PG, WP */
	movl	%eax, %cr0
	ljmpl	$0x18, $T(ap_lm64)

	.code64
ap_lm64:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	T(ap_data_stack), %rsp
	movq	T(ap_data_cpu), %rdi
	xorl	%ebp, %ebp
	movq	T(ap_data_entry), %rax
	jmpq	*%rax

	.balign 8
ap_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF			/* 0x08: 32-bit code */
	.quad 0x00CF92000000FFFF			/* 0x10: data */
	.quad 0x00AF9A000000FFFF			/* 0x18: 64-bit code */
ap_gdt_end:
ap_gdt_ptr:
	.short ap_gdt_end - ap_gdt - 1
	.long T(ap_gdt)

	.balign 8
	.global ap_tramp_data
ap_tramp_data:
ap_data_cr3:	.long 0
ap_data_efer:	.long 0
ap_data_stack:	.quad 0
ap_data_cpu:	.quad 0
ap_data_entry:	.quad 0
	.global ap_tramp_end
ap_tramp_end:
