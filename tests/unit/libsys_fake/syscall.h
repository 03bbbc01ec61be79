/*
 * tests/unit/libsys_fake/syscall.h - host stand-in for
 * lib/libsys/arch/<arch>/syscall.h: every raw syscall goes to
 * fake_syscall(), which tests/unit/libsys_test.c defines to record the
 * call (arity, number, registers) and script the kernel's answer.
 */
#pragma once

#include <stdint.h>

/** Record a syscall with nargs meaningful arguments; returns the answer. */
int64_t fake_syscall(int nargs, uint64_t nr, uint64_t a1, uint64_t a2,
		     uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6);

static inline int64_t arch_syscall0(uint64_t nr)
{
	return fake_syscall(0, nr, 0, 0, 0, 0, 0, 0);
}

static inline int64_t arch_syscall1(uint64_t nr, uint64_t a1)
{
	return fake_syscall(1, nr, a1, 0, 0, 0, 0, 0);
}

static inline int64_t arch_syscall2(uint64_t nr, uint64_t a1, uint64_t a2)
{
	return fake_syscall(2, nr, a1, a2, 0, 0, 0, 0);
}

static inline int64_t arch_syscall3(uint64_t nr, uint64_t a1, uint64_t a2,
				    uint64_t a3)
{
	return fake_syscall(3, nr, a1, a2, a3, 0, 0, 0);
}

static inline int64_t arch_syscall4(uint64_t nr, uint64_t a1, uint64_t a2,
				    uint64_t a3, uint64_t a4)
{
	return fake_syscall(4, nr, a1, a2, a3, a4, 0, 0);
}

static inline int64_t arch_syscall5(uint64_t nr, uint64_t a1, uint64_t a2,
				    uint64_t a3, uint64_t a4, uint64_t a5)
{
	return fake_syscall(5, nr, a1, a2, a3, a4, a5, 0);
}

static inline int64_t arch_syscall6(uint64_t nr, uint64_t a1, uint64_t a2,
				    uint64_t a3, uint64_t a4, uint64_t a5,
				    uint64_t a6)
{
	return fake_syscall(6, nr, a1, a2, a3, a4, a5, a6);
}
