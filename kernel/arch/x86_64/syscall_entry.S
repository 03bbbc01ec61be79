/*
 * kernel/arch/x86_64/syscall_entry.S - the SYSCALL instruction's entry.
 *
 * On entry (spec syscalls.md section 1): RAX number, RDI RSI RDX R10 R8 R9
 * arguments, RCX user RIP, R11 user RFLAGS, RSP still the user's, GS base
 * the user's, interrupts off (SFMASK clears IF).  We switch to the task's
 * kernel stack and save a struct trap_frame identical to an interrupt's
 * (vector SYSCALL_VECTOR), so the C side and context switching see one
 * frame layout.  The result goes back in RAX; we leave by sysretq, or by
 * iretq when the frame's RIP is not a canonical user address (sysretq
 * would fault in kernel mode with the user's stack).
 */
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/regs.h"

#define SYSCALL_VECTOR	0x100
/* abi/syscall.h's numbers (checked in syscall.c) and struct trap_frame's
 * rax (trap.h). */
#define SYS_WRITE_NR	1
#define SYS_RECV_MSG_NR	13
#define FRAME_RAX	(14 * 8)

	.section .text, "ax"
	.global syscall_entry
	.balign 16
syscall_entry:
	swapgs
	movq	%rsp, %gs:PERCPU_USER_RSP
	movq	%gs:PERCPU_KSTACK_TOP, %rsp
	pushq	$(GDT_UDATA | 3)		/* ss */
	pushq	%gs:PERCPU_USER_RSP		/* rsp */
	pushq	%r11				/* rflags */
	pushq	$(GDT_UCODE | 3)		/* cs */
	pushq	%rcx				/* rip */
	pushq	$0				/* error */
	pushq	$SYSCALL_VECTOR			/* vector */
	PUSH_GPRS
	xorl	%ebp, %ebp			/* backtraces stop here */
	cld
	/*
	 * Write and RecvMsg try the IPC fast path first, straight from the
	 * registers: syscall_fast_ipc(nr, a0, a1, a2, &frame.rax), which
	 * leaves the frame alone when it declines (docs/ipc.md "Fast path").
	 */
	cmpq	$SYS_WRITE_NR, %rax
	je	2f
	cmpq	$SYS_RECV_MSG_NR, %rax
	jne	3f
2:	movq	%rdx, %rcx			/* a2 */
	movq	%rsi, %rdx			/* a1 */
	movq	%rdi, %rsi			/* a0 */
	movq	%rax, %rdi			/* nr */
	leaq	FRAME_RAX(%rsp), %r8
	call	syscall_fast_ipc
	testb	%al, %al
	jnz	4f
3:	movq	%rsp, %rdi
	call	x86_syscall
4:	cli
	POP_GPRS
	addq	$16, %rsp			/* vector, error */
	/* sysretq needs a canonical lower-half RIP; else take iretq. */
	movq	(%rsp), %rcx
	shrq	$47, %rcx
	jnz	1f
	movq	(%rsp), %rcx			/* rip */
	movq	16(%rsp), %r11			/* rflags */
	movq	24(%rsp), %rsp			/* user rsp */
	swapgs
	sysretq
1:	swapgs
	iretq
