/*
 * kernel/arch/x86_64/trap_entry.S - interrupt and exception entry stubs.
 *
 * One stub per vector pushes a zero error code when the CPU does not push
 * one, then the vector number, and joins trap_common, which saves the
 * general registers as a struct trap_frame (trap.h) and calls
 * x86_trap(frame).  The stub table trap_stubs[] feeds the IDT.
 */
#include "kernel/arch/x86_64/regs.h"

	.section .text, "ax"
	.balign 16
trap_common:
	/* From user mode: GS base is the user's until swapgs. */
	testb	$3, 24(%rsp)		/* CS above vector and error code */
	jz	1f
	swapgs
1:	PUSH_GPRS
	movq	%rsp, %rdi
	cld
	call	x86_trap
	.global trap_return
trap_return:
	POP_GPRS
	addq	$16, %rsp		/* vector and error code */
	testb	$3, 8(%rsp)		/* returning to user mode? */
	jz	1f
	swapgs
1:	iretq

.macro TRAP_STUB v
	.balign 16
trap_stub_\v:
	.if !((\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
	pushq	$0
	.endif
	pushq	$\v
	jmp	trap_common
.endm

.altmacro
.set vec, 0
.rept 256
	TRAP_STUB %vec
	.set vec, vec + 1
.endr

.macro STUB_ADDR v
	.quad trap_stub_\v
.endm

	.section .rodata
	.balign 8
	.global trap_stubs
trap_stubs:
.set vec, 0
.rept 256
	STUB_ADDR %vec
	.set vec, vec + 1
.endr
