/*
 * kernel/arch/x86_64/context.c - task contexts: creation and switching.
 *
 * A task's registers live on its kernel stack while it is switched out
 * (x86_switch in switch.S); the context records the saved stack pointer,
 * the stack top for traps and syscalls, the address space, and the
 * FPU/SSE state of user tasks, saved eagerly with fxsave on every switch
 * (the kernel itself never uses FPU registers: it is built without SSE).
 */
#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpuinit.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/mmu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "lib/klib/string.h"

#define RFLAGS_RESERVED	(1ul << 1)

/** Saved state of one task. */
struct arch_context {
	uint8_t fx[512] __attribute__((aligned(16))); /**< fxsave image */
	uint64_t rsp;		/**< saved stack pointer while switched out */
	uint64_t kstack_top;	/**< stack for traps and syscalls */
	uint64_t vm_root;	/**< address space; kernel's for kernel tasks */
	bool user;		/**< has user state (and FPU state) */
};

void x86_switch(uint64_t *save_rsp, uint64_t new_rsp);
void x86_kthread_start(void);
void x86_user_start(void);

/* Clean FPU/SSE state every user task starts with (filled at boot). */
static uint8_t fx_initial[512] __attribute__((aligned(16)));

size_t arch_context_size(void)
{
	return sizeof(struct arch_context);
}

void fpu_init_cpu(void)
{
	uint64_t cr0;

	/* CR0: MP set, EM and TS clear; CR4: OSFXSR and OSXMMEXCPT. */
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 | (1ul << 1)) & ~((1ul << 2) | (1ul << 3));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	write_cr4(read_cr4() | (1ul << 9) | (1ul << 10));
	__asm__ volatile("fninit");
	if (fx_initial[24] == 0) {	/* MXCSR not captured yet */
		uint32_t mxcsr = 0x1F80;	/* all exceptions masked */

		__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
		__asm__ volatile("fxsave %0" : "=m"(fx_initial));
	}
}

/* Push a value on a stack being built. */
static void push(uint64_t **sp, uint64_t v)
{
	*--(*sp) = v;
}

/* Registers x86_switch pops: r15, r14, r13, r12, rbx, rbp, then return. */
static uint64_t build_switch_frame(uint64_t *sp, uint64_t ret, uint64_t r12,
				   uint64_t r13)
{
	push(&sp, ret);
	push(&sp, 0);		/* rbp */
	push(&sp, 0);		/* rbx */
	push(&sp, r12);
	push(&sp, r13);
	push(&sp, 0);		/* r14 */
	push(&sp, 0);		/* r15 */
	return (uint64_t)(uintptr_t)sp;
}

void arch_context_init_current(struct arch_context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->vm_root = mmu_kernel_root();
}

void arch_context_init_kernel(struct arch_context *ctx, uintptr_t kstack_top,
			      void (*fn)(void *), void *arg)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->kstack_top = kstack_top;
	ctx->vm_root = mmu_kernel_root();
	/* Keep the ABI's 16-byte alignment at the function's call. */
	ctx->rsp = build_switch_frame((uint64_t *)(kstack_top - 8),
				      (uint64_t)(uintptr_t)x86_kthread_start,
				      (uint64_t)(uintptr_t)fn,
				      (uint64_t)(uintptr_t)arg);
}

void arch_context_init_user(struct arch_context *ctx, uintptr_t kstack_top,
			    uint64_t vm_root, uint64_t entry, uint64_t user_sp)
{
	uint64_t *sp = (uint64_t *)kstack_top;

	memset(ctx, 0, sizeof(*ctx));
	memcpy(ctx->fx, fx_initial, sizeof(ctx->fx));
	ctx->kstack_top = kstack_top;
	ctx->vm_root = vm_root;
	ctx->user = true;
	/* The iretq frame x86_user_start consumes. */
	push(&sp, GDT_UDATA | 3);
	push(&sp, user_sp);
	push(&sp, RFLAGS_IF | RFLAGS_RESERVED);
	push(&sp, GDT_UCODE | 3);
	push(&sp, entry);
	ctx->rsp = build_switch_frame(sp, (uint64_t)(uintptr_t)x86_user_start,
				      0, 0);
}

void arch_context_switch(struct arch_context *prev, struct arch_context *next)
{
	struct x86_cpu *cpu = this_cpu();

	if (prev->user)
		__asm__ volatile("fxsave %0" : "=m"(prev->fx));
	cpu->tables.tss.rsp[0] = next->kstack_top;
	cpu->kstack_top = next->kstack_top;
	if (read_cr3() != next->vm_root)
		write_cr3(next->vm_root);
	if (next->user)
		__asm__ volatile("fxrstor %0" : : "m"(next->fx));
	x86_switch(&prev->rsp, next->rsp);
}
