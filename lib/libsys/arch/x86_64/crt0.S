/*
 * lib/libsys/arch/x86_64/crt0.S - user program entry.
 *
 * The loader starts a program at _start with RSP = 0x80_0000 (the top of
 * its 16-page stack) and every general register 0 (spec security.md §5).
 * We do not rely on either: align the stack to 16 bytes as the SysV ABI
 * wants before a call, end the frame-pointer chain, run main() and hand
 * its result to Exit.  There is no argv or environment, and .bss needs no
 * clearing: the loader maps it from zeroed frames.
 */
	.section .text._start, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	call	main
	movl	%eax, %edi
	call	sys_exit
	/* sys_exit does not return; if a broken kernel lets it, stop here. */
1:	ud2
	jmp	1b
	.cfi_endproc
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
