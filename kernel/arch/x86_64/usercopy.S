/*
 * kernel/arch/x86_64/usercopy.S - copies between the kernel and the
 * active user address space that survive a page fault.
 *
 * x86_user_copy(dst, src, len) copies with rep movsq then rep movsb.  A
 * page fault on either string instruction (a user page not mapped, not
 * user-accessible, or read-only for a write) makes the #PF handler resume
 * at x86_user_copy_fault (x86_user_copy_fixup in trap.c), which returns
 * -1 with the copy cut short.  The C caller checks that the user range
 * lies below the user ceiling, so only user pages can fault here, and
 * brackets the call with stac/clac when SMAP is on.
 *
 * Returns 0 in %rax, or -1 after a fault.
 */
	.text
	.globl	x86_user_copy
	.globl	x86_user_copy_movsq
	.globl	x86_user_copy_movsb
	.globl	x86_user_copy_fault
	.type	x86_user_copy, @function
x86_user_copy:
	movq	%rdx, %rcx
	shrq	$3, %rcx
x86_user_copy_movsq:
	rep movsq
	movq	%rdx, %rcx
	andq	$7, %rcx
x86_user_copy_movsb:
	rep movsb
	xorl	%eax, %eax
	ret
x86_user_copy_fault:
	movq	$-1, %rax
	ret
	.size	x86_user_copy, . - x86_user_copy

	.section .note.GNU-stack, "", @progbits
