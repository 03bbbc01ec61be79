/*
 * kernel/arch/x86_64/smp.c - finding the CPUs (ACPI MADT) and starting them.
 *
 * APs are started one at a time with INIT-SIPI-SIPI through a trampoline
 * page below 1 MiB (ap_boot.S).  Each gets a per-CPU block, a boot stack
 * that becomes its idle task's stack, and three interrupt stacks, all with
 * guard pages.  CPU indexes are dense, in start order; the boot CPU is 0.
 */
#include "kernel/arch/x86_64/smp.h"

#include "abi/errno.h"
#include "kernel/acpi/acpi.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/layout.h"
#include "kernel/arch/x86_64/mmu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/pt.h"
#include "kernel/core/bootinfo.h"
#include "kernel/core/config.h"
#include "kernel/core/log.h"
#include "kernel/mm/heap.h"
#include "lib/klib/string.h"

/* How long an AP gets to report online. */
#define AP_START_TIMEOUT_US	200000

extern const char ap_tramp_start[], ap_tramp_data[], ap_tramp_end[];
void x86_64_ap_main(struct x86_cpu *c);

/* Parsed once by the boot CPU at bring-up. */
static struct acpi_madt_info madt;
static struct acpi_tables acpi;
static bool madt_ok;
/* CPUs online; written by the boot CPU while starting APs. */
static volatile unsigned cpus_online = 1;

static void *phys_ptr(uint64_t phys)
{
	return (void *)(uintptr_t)(DIRECT_MAP_BASE + phys);
}

static const void *acpi_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys + len < phys || phys + len > mmu_direct_map_limit())
		return NULL;
	return phys_ptr(phys);
}

unsigned smp_cpus_online(void)
{
	return cpus_online;
}

/* The trampoline's address space: identity map of the first 2 MiB for the
 * switch to long mode, and the kernel half for the jump to kmain code. */
static void build_tramp_tables(void)
{
	uint64_t *pml4 = phys_ptr(AP_PT_PHYS);
	uint64_t *pdpt = phys_ptr(AP_PT_PHYS + 0x1000);
	uint64_t *pd = phys_ptr(AP_PT_PHYS + 0x2000);
	const uint64_t *kernel = phys_ptr(mmu_kernel_root());

	memset(pml4, 0, 3 * 4096);
	pml4[0] = (AP_PT_PHYS + 0x1000) | PTE_P | PTE_W;
	pdpt[0] = (AP_PT_PHYS + 0x2000) | PTE_P | PTE_W;
	pd[0] = 0 | PTE_P | PTE_W | PTE_PS;
	memcpy(pml4 + 256, kernel + 256, 256 * sizeof(uint64_t));
	memcpy(phys_ptr(AP_TRAMP_PHYS), ap_tramp_start,
	       (size_t)(ap_tramp_end - ap_tramp_start));
}

static struct x86_cpu *prepare_cpu(unsigned index, uint32_t apic_id,
				   uint64_t *boot_stack)
{
	struct x86_cpu *c = kzalloc(sizeof(*c));

	if (!c)
		return NULL;
	*boot_stack = arch_kstack_alloc();
	for (int i = 0; i < 3; i++)
		c->ist_tops[i] = arch_kstack_alloc();
	if (!*boot_stack || !c->ist_tops[0] || !c->ist_tops[1] ||
	    !c->ist_tops[2]) {
		if (*boot_stack)
			arch_kstack_free(*boot_stack);
		for (int i = 0; i < 3; i++) {
			if (c->ist_tops[i])
				arch_kstack_free(c->ist_tops[i]);
		}
		kfree(c);
		return NULL;
	}
	c->index = index;
	c->apic_id = apic_id;
	c->lapic_ticks_per_tick = bsp_cpu.lapic_ticks_per_tick;
	return c;
}

static bool start_one(struct x86_cpu *c, uint64_t boot_stack)
{
	struct ap_tramp_data *d =
		phys_ptr(AP_TRAMP_PHYS + (uint64_t)(ap_tramp_data - ap_tramp_start));
	uint32_t efer = 1u << 8;	/* LME */

	if (rdmsr(MSR_EFER) & EFER_NXE)
		efer |= 1u << 11;
	d->cr3 = AP_PT_PHYS;
	d->efer = efer;
	d->stack = boot_stack;
	d->cpu = (uint64_t)(uintptr_t)c;
	d->entry = (uint64_t)(uintptr_t)x86_64_ap_main;
	x86_cpus[c->index] = c;
	lapic_start_ap(c->apic_id, AP_TRAMP_PHYS >> 12, lapic_delay_us);
	for (unsigned waited = 0; waited < AP_START_TIMEOUT_US; waited += 100) {
		if (c->online)
			return true;
		lapic_delay_us(100);
	}
	return c->online != 0;
}

const struct acpi_madt_info *smp_read_madt(const struct boot_info *bi)
{
	int err;

	if (!bi->rsdp_len) {
		log_warn("acpi: no RSDP from the loader; one CPU, no I/O APIC\n");
		return NULL;
	}
	err = acpi_init(&acpi, bi->rsdp_copy, bi->rsdp_len, acpi_map, NULL);
	if (!err)
		err = acpi_parse_madt(&acpi, &madt);
	if (err) {
		log_warn("acpi: MADT unusable (%s: %s); one CPU, no I/O APIC\n",
			 madt.error ? madt.error : "tables", errno_message(err));
		return NULL;
	}
	madt_ok = true;
	log_info("acpi: MADT lists %u CPUs, %u I/O APICs, %u overrides\n",
		 madt.cpu_count, madt.ioapic_count, madt.override_count);
	return &madt;
}

unsigned smp_start_aps(const struct boot_info *bi, unsigned max_cpus)
{
	(void)bi;
	if (max_cpus == 0 || max_cpus > MAX_CPUS)
		max_cpus = MAX_CPUS;
	if (!madt_ok)
		return 1;

	build_tramp_tables();
	for (uint32_t i = 0; i < madt.cpu_count && cpus_online < max_cpus; i++) {
		const struct acpi_cpu *ac = &madt.cpus[i];
		uint64_t stack;

		if (!acpi_cpu_usable(ac) || ac->apic_id == bsp_cpu.apic_id)
			continue;
		if (ac->apic_id > 0xFF) {
			log_warn("smp: CPU with x2APIC id %u needs x2APIC mode; skipped\n",
				 ac->apic_id);
			continue;
		}

		struct x86_cpu *c = prepare_cpu(cpus_online, ac->apic_id, &stack);

		if (!c) {
			log_warn("smp: out of memory starting CPU %u\n", cpus_online);
			break;
		}
		if (!start_one(c, stack)) {
			/* It may still wake up later: its memory stays allocated,
			 * but no more CPUs are started through the trampoline. */
			x86_cpus[c->index] = NULL;
			log_warn("smp: CPU with APIC id %u did not start\n",
				 ac->apic_id);
			break;
		}
		cpus_online++;
	}
	return cpus_online;
}
