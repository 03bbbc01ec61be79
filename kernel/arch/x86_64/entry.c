/*
 * kernel/arch/x86_64/entry.c - from boot.S to kmain, and the small arch
 * hooks of kernel/arch/arch.h.
 */
#include "abi/errno.h"
#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/cpuinit.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/ioapic.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/layout.h"
#include "kernel/arch/x86_64/mmu.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/pic.h"
#include "kernel/arch/x86_64/serial.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/arch/x86_64/trap.h"
#include "kernel/arch/x86_64/usercopy.h"
#include "kernel/boot/multiboot2.h"
#include "kernel/core/bootinfo.h"
#include "kernel/core/config.h"
#include "kernel/core/log.h"
#include "kernel/core/panic.h"
#include "kernel/core/time.h"

/* boot.S maps the first 4 GiB; the MBI must lie inside. */
#define BOOT_MAP_LIMIT		0x100000000ull
/* Upper bound on the boot information we are willing to read. */
#define MBI_MAX_BYTES		(1024 * 1024)
/* isa-debug-exit port (QEMU: -device isa-debug-exit,iobase=0xf4,iosize=4). */
#define DEBUG_EXIT_PORT		0xF4

/* Filled once here, then owned by kmain. */
static struct boot_info boot_info;

static uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));

void x86_64_boot_main(uint32_t magic, uint64_t mbi_phys);

const char *arch_name(void)
{
	return "x86_64";
}

void arch_idle(void)
{
	sti_hlt();
}

void arch_halt(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

void arch_debug_exit(int status)
{
	/* QEMU exits with (status << 1) | 1; without the device: halt. */
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	arch_halt();
}

uint64_t arch_cycles(void)
{
	return rdtsc();
}

void arch_test_invalid_opcode(void)
{
	__asm__ volatile("ud2");
}

void arch_backtrace(uintptr_t fp, void (*fn)(uintptr_t pc, void *ctx),
		    void *ctx, unsigned max)
{
	if (!fp)
		fp = read_rbp();
	for (unsigned i = 0; i < max; i++) {
		const uintptr_t *frame = (const uintptr_t *)fp;

		/* Kernel stacks live in the kernel image or the direct map. */
		if (!fp || (fp & 7) || fp < DIRECT_MAP_BASE)
			return;
		if (!frame[1])
			return;
		fn(frame[1], ctx);
		if (frame[0] <= fp)
			return;
		fp = frame[0];
	}
}

unsigned protect_init_cpu(void)
{
	uint32_t a, b, c, d;
	unsigned enabled = 0;
	uint64_t cr4 = read_cr4();

	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		if (b & (1u << 7)) {
			cr4 |= CR4_SMEP;
			enabled |= 1;
		}
		if (b & (1u << 20)) {
			cr4 |= CR4_SMAP;
			enabled |= 2;
			x86_smap_enabled = true;
		}
	}
	write_cr4(cr4 | CR4_PGE);
	return enabled;
}

void arch_platform_init(const struct boot_info *bi)
{
	unsigned prot = protect_init_cpu();

	log_info("x86_64: SMEP %s, SMAP %s, NX %s\n", (prot & 1) ? "on" : "absent",
		 (prot & 2) ? "on" : "absent", mmu_nx_bit() ? "on" : "absent");
	fpu_init_cpu();
	syscall_init_cpu();

	int err = lapic_init_bsp();

	if (err)
		panic("x86_64: local APIC unavailable: %s", errno_message(err));
	bsp_cpu.apic_id = lapic_id();
	bsp_cpu.lapic_ticks_per_tick = lapic_timer_calibrate_and_start(TICK_HZ);
	log_info("x86_64: local APIC %u, timer %lu counts per tick (%u Hz)\n",
		 bsp_cpu.apic_id, (unsigned long)bsp_cpu.lapic_ticks_per_tick,
		 TICK_HZ);

	const struct acpi_madt_info *madt = smp_read_madt(bi);

	if (madt)
		(void)ioapic_init(madt);
}

unsigned arch_cpus_online(void)
{
	return smp_cpus_online();
}

uint16_t arch_elf_machine(void)
{
	return 0x3E;	/* EM_X86_64 */
}

unsigned arch_start_cpus(const struct boot_info *bi, unsigned max_cpus)
{
	return smp_start_aps(bi, max_cpus);
}

void arch_send_resched(unsigned cpu)
{
	if (cpu < MAX_CPUS && x86_cpus[cpu] && cpu != arch_cpu_id())
		lapic_send_ipi(x86_cpus[cpu]->apic_id, VECTOR_RESCHED);
}

void x86_64_ap_main(struct x86_cpu *c);

/* An AP's first C code, on its boot stack, interrupts off. */
void x86_64_ap_main(struct x86_cpu *c)
{
	percpu_init_cpu(c, c->index, c->apic_id);
	write_cr3(mmu_kernel_root());
	(void)protect_init_cpu();
	gdt_init_cpu(&c->tables, c->ist_tops);
	idt_load();
	fpu_init_cpu();
	syscall_init_cpu();
	lapic_init_cpu();
	lapic_timer_start((uint32_t)c->lapic_ticks_per_tick);
	tlb_cpu_online();
	__atomic_store_n(&c->online, 1, __ATOMIC_RELEASE);
	kernel_cpu_main(c->index);
}

static void add_reserved(struct boot_info *bi, uint64_t start, uint64_t end)
{
	if (bi->reserved_count < BOOT_MAX_RESERVED) {
		bi->reserved[bi->reserved_count].start = start;
		bi->reserved[bi->reserved_count].end = end;
		bi->reserved_count++;
	} else {
		bi->dropped++;
	}
}

void x86_64_boot_main(uint32_t magic, uint64_t mbi_phys)
{
	const uint64_t ist_tops[3] = {
		(uint64_t)(uintptr_t)(ist_stacks[0] + IST_STACK_SIZE),
		(uint64_t)(uintptr_t)(ist_stacks[1] + IST_STACK_SIZE),
		(uint64_t)(uintptr_t)(ist_stacks[2] + IST_STACK_SIZE),
	};

	uint64_t entered = rdtsc();

	percpu_init_cpu(&bsp_cpu, 0, 0);
	serial_init();
	kprintf("boot: kernel entered at cycle %lu\n", (unsigned long)entered);
	pic_disable();
	gdt_init_cpu(&bsp_cpu.tables, ist_tops);
	idt_init();

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("boot: not started by a multiboot2 loader (magic %#x)",
		      magic);
	if (mbi_phys >= BOOT_MAP_LIMIT - 8 || (mbi_phys & 7))
		panic("boot: boot information at %#lx is unusable",
		      (unsigned long)mbi_phys);

	const void *mbi = (const void *)(uintptr_t)(DIRECT_MAP_BASE + mbi_phys);
	uint64_t avail = BOOT_MAP_LIMIT - mbi_phys;

	if (avail > MBI_MAX_BYTES)
		avail = MBI_MAX_BYTES;

	const char *why = "";
	int err = mb2_parse_ex(mbi, mbi_phys, avail, &boot_info, &why);

	if (err)
		panic("boot: multiboot2 information rejected: %s (%s)", why,
		      errno_message(err));

	uint64_t kstart, kend;

	arch_kernel_extent(&kstart, &kend);
	add_reserved(&boot_info, kstart, kend);
	/* Real-mode area: BIOS data, EBDA, future AP trampoline. */
	add_reserved(&boot_info, 0, 0x100000);
	kmain(&boot_info);
}
