/*
 * lib/libsys/arch/x86_64/syscall.h - raw `syscall` instructions, one
 * helper per argument count (spec syscalls.md §1).  Portable libsys code
 * includes this as "syscall.h"; the build puts lib/libsys/arch/<arch> on
 * the include path.
 *
 * Registers: RAX number in, result out; arguments RDI, RSI, RDX, R10, R8,
 * R9.  The fourth argument goes in R10, not RCX: the CPU overwrites RCX
 * with the return RIP (and R11 with RFLAGS).  The kernel does not restore
 * the argument registers, so every one of them is an in/out operand or a
 * clobber, used or not.  "memory" because the kernel reads and writes
 * user buffers behind the compiler's back.
 */
#pragma once

#include <stdint.h>

static inline int64_t arch_syscall0(uint64_t nr)
{
	uint64_t rax = nr;

	__asm__ volatile("syscall"
			 : "+a"(rax)
			 :
			 : "rcx", "r11", "rdi", "rsi", "rdx", "r10", "r8", "r9",
			   "memory", "cc");
	return (int64_t)rax;
}

static inline int64_t arch_syscall1(uint64_t nr, uint64_t a1)
{
	uint64_t rax = nr;

	__asm__ volatile("syscall"
			 : "+a"(rax), "+D"(a1)
			 :
			 : "rcx", "r11", "rsi", "rdx", "r10", "r8", "r9",
			   "memory", "cc");
	return (int64_t)rax;
}

static inline int64_t arch_syscall2(uint64_t nr, uint64_t a1, uint64_t a2)
{
	uint64_t rax = nr;

	__asm__ volatile("syscall"
			 : "+a"(rax), "+D"(a1), "+S"(a2)
			 :
			 : "rcx", "r11", "rdx", "r10", "r8", "r9", "memory",
			   "cc");
	return (int64_t)rax;
}

static inline int64_t arch_syscall3(uint64_t nr, uint64_t a1, uint64_t a2,
				    uint64_t a3)
{
	uint64_t rax = nr;

	__asm__ volatile("syscall"
			 : "+a"(rax), "+D"(a1), "+S"(a2), "+d"(a3)
			 :
			 : "rcx", "r11", "r10", "r8", "r9", "memory", "cc");
	return (int64_t)rax;
}

static inline int64_t arch_syscall4(uint64_t nr, uint64_t a1, uint64_t a2,
				    uint64_t a3, uint64_t a4)
{
	uint64_t rax = nr;
	register uint64_t r10 __asm__("r10") = a4;

	__asm__ volatile("syscall"
			 : "+a"(rax), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10)
			 :
			 : "rcx", "r11", "r8", "r9", "memory", "cc");
	return (int64_t)rax;
}

static inline int64_t arch_syscall5(uint64_t nr, uint64_t a1, uint64_t a2,
				    uint64_t a3, uint64_t a4, uint64_t a5)
{
	uint64_t rax = nr;
	register uint64_t r10 __asm__("r10") = a4;
	register uint64_t r8 __asm__("r8") = a5;

	__asm__ volatile("syscall"
			 : "+a"(rax), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
			   "+r"(r8)
			 :
			 : "rcx", "r11", "r9", "memory", "cc");
	return (int64_t)rax;
}

static inline int64_t arch_syscall6(uint64_t nr, uint64_t a1, uint64_t a2,
				    uint64_t a3, uint64_t a4, uint64_t a5,
				    uint64_t a6)
{
	uint64_t rax = nr;
	register uint64_t r10 __asm__("r10") = a4;
	register uint64_t r8 __asm__("r8") = a5;
	register uint64_t r9 __asm__("r9") = a6;

	__asm__ volatile("syscall"
			 : "+a"(rax), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
			   "+r"(r8), "+r"(r9)
			 :
			 : "rcx", "r11", "memory", "cc");
	return (int64_t)rax;
}
