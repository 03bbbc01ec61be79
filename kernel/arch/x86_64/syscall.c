/*
 * kernel/arch/x86_64/syscall.c - SYSCALL setup and the C side of the entry.
 */
#include "kernel/arch/arch.h"

#include <stddef.h>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpuinit.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/core/kernel.h"
#include "kernel/sched/sched.h"
#include "abi/syscall.h"

/* RFLAGS bits cleared on entry: TF, IF, DF, AC (user-set AC would defeat
 * SMAP in the kernel). */
#define SFMASK_BITS	((1ul << 8) | (1ul << 9) | (1ul << 10) | (1ul << 18))

void syscall_entry(void);
void x86_syscall(struct trap_frame *f);

void syscall_init_cpu(void)
{
	/* SYSCALL: CS = 0x08, SS = 0x10.  SYSRET: CS = 0x10 + 16 = 0x20,
	 * SS = 0x10 + 8 = 0x18, both with RPL 3 (spec syscalls.md 1). */
	wrmsr(MSR_STAR, ((uint64_t)GDT_KCODE << 32) |
				((uint64_t)(GDT_UDATA - 8) << 48));
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
	wrmsr(MSR_SFMASK, SFMASK_BITS);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

_Static_assert(SYS_WRITE == 1 && SYS_RECV_MSG == 13,
	      "syscall_entry.S's fast-path numbers");
_Static_assert(offsetof(struct trap_frame, rax) == 14 * 8,
	      "syscall_entry.S's FRAME_RAX");

void x86_syscall(struct trap_frame *f)
{
	uint64_t args[6] = {f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9};

	/* Handlers run with interrupts on; rescheduling waits for the exit. */
	arch_irq_enable();
	f->rax = (uint64_t)syscall_dispatch(f->rax, args);
	arch_irq_disable();
	/* Inline first look: a switch is rarely due. */
	struct runqueue *rq = sched_this_rq();

	if (rq && sched_need_resched(rq))
		kernel_return_to_user();
}
