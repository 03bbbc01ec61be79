/*
 * kernel/arch/x86_64/percpu.c - per-CPU blocks and the GS base.
 */
#include "kernel/arch/x86_64/percpu.h"

#include "kernel/arch/x86_64/cpu.h"

#include "kernel/core/config.h"

struct x86_cpu bsp_cpu;
struct x86_cpu *x86_cpus[MAX_CPUS] = { &bsp_cpu };

void percpu_init_cpu(struct x86_cpu *c, uint32_t index, uint32_t apic_id)
{
	c->self = c;
	c->index = index;
	c->apic_id = apic_id;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);	/* the user's GS base */
}
