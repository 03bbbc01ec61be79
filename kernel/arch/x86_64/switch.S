/*
 * kernel/arch/x86_64/switch.S - the stack switch between tasks, and the
 * first code a new context runs.
 *
 * x86_switch(uint64_t *save_rsp, uint64_t new_rsp): push the callee-saved
 * registers, store RSP in *save_rsp, load new_rsp, pop and return into the
 * other task.  A new context's stack is built by context.c to look like
 * one x86_switch left behind, returning into a start routine below.
 */
#include "kernel/arch/x86_64/percpu.h"

	.section .text, "ax"
	.global x86_switch
x86_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

/* New kernel context: r12 = function, r13 = argument. */
	.global x86_kthread_start
x86_kthread_start:
	call	kernel_context_start
	movq	%r13, %rdi
	xorl	%ebp, %ebp
	call	*%r12
	ud2				/* kernel task functions never return */

/*
 * New user context: the stack holds an iretq frame for the first entry to
 * user mode.  Clear every register the user could read, switch GS to the
 * user's, and go.
 */
	.global x86_user_start
x86_user_start:
	call	kernel_context_start
	cli
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	swapgs
	iretq
