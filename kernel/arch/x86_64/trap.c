/*
 * kernel/arch/x86_64/trap.c - IDT setup and the exception reporter.
 *
 * A CPU exception in the kernel is a kernel bug or a deliberate test: the
 * report gives vector, name, error code, RIP, CR2, all registers and a
 * backtrace, then this CPU stops (kernel_fatal_stop).  User-mode faults
 * will be routed to the process manager by the processes issue.
 */
#include "kernel/arch/x86_64/trap.h"

#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/arch/x86_64/pic.h"
#include "kernel/arch/x86_64/tlb.h"
#include "kernel/arch/x86_64/usercopy.h"
#include "kernel/core/kernel.h"
#include "kernel/core/log.h"
#include "kernel/core/panic.h"
#include "kernel/core/time.h"
#include "kernel/dev/dev.h"
#include "kernel/dev/irq.h"

struct idt_entry {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_entry) == 16, "IDT entry layout");

/* Shared by all CPUs; written once at boot. */
static struct idt_entry idt[256] __attribute__((aligned(16)));

extern const uint64_t trap_stubs[256];

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 floating point", "#AC alignment check",
	"#MC machine check", "#XM SIMD floating point",
	"#VE virtualization", "#CP control protection", "reserved 22",
	"reserved 23", "reserved 24", "reserved 25", "reserved 26",
	"reserved 27", "#HV hypervisor injection", "#VC VMM communication",
	"#SX security", "reserved 31",
};

static void set_gate(unsigned v, uint64_t handler, uint8_t ist)
{
	idt[v].off_lo = handler & 0xFFFF;
	idt[v].sel = GDT_KCODE;
	idt[v].ist = ist;
	idt[v].type = 0x8E;	/* present, DPL 0, 64-bit interrupt gate */
	idt[v].off_mid = (handler >> 16) & 0xFFFF;
	idt[v].off_hi = (uint32_t)(handler >> 32);
	idt[v].reserved = 0;
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, trap_stubs[v], 0);
	set_gate(2, trap_stubs[2], 2);	/* NMI on IST2 */
	set_gate(8, trap_stubs[8], 1);	/* #DF on IST1 */
	set_gate(18, trap_stubs[18], 3); /* #MC on IST3 */
	idt_load();
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(p));
}

static void print_pf_error(uint64_t e)
{
	kprintf("  page fault: %s %s in %s mode%s%s\n",
		(e & 1) ? "protection violation on" : "non-present page on",
		(e & 16) ? "instruction fetch" : (e & 2) ? "write" : "read",
		(e & 4) ? "user" : "kernel", (e & 8) ? ", reserved bit set" : "",
		(e & 32) ? ", protection key" : "");
}

static void report_exception(const struct trap_frame *f)
{
	uint64_t cr2 = read_cr2();

	kprintf("\nEXCEPTION: vector %lu (%s) error 0x%lx on CPU 0\n",
		(unsigned long)f->vector, exc_names[f->vector],
		(unsigned long)f->error);
	kprintf("  RIP=%016lx CS=%04lx RFLAGS=%016lx CR2=%016lx\n",
		(unsigned long)f->rip, (unsigned long)f->cs,
		(unsigned long)f->rflags, (unsigned long)cr2);
	if (f->vector == 14)
		print_pf_error(f->error);
	kprintf("  RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n",
		(unsigned long)f->rax, (unsigned long)f->rbx,
		(unsigned long)f->rcx, (unsigned long)f->rdx);
	kprintf("  RSI=%016lx RDI=%016lx RBP=%016lx RSP=%016lx\n",
		(unsigned long)f->rsi, (unsigned long)f->rdi,
		(unsigned long)f->rbp, (unsigned long)f->rsp);
	kprintf("  R8 =%016lx R9 =%016lx R10=%016lx R11=%016lx\n",
		(unsigned long)f->r8, (unsigned long)f->r9,
		(unsigned long)f->r10, (unsigned long)f->r11);
	kprintf("  R12=%016lx R13=%016lx R14=%016lx R15=%016lx\n",
		(unsigned long)f->r12, (unsigned long)f->r13,
		(unsigned long)f->r14, (unsigned long)f->r15);
	kprintf("  CR0=%016lx CR3=%016lx CR4=%016lx SS=%04lx\n",
		(unsigned long)read_cr0(), (unsigned long)read_cr3(),
		(unsigned long)read_cr4(), (unsigned long)f->ss);
	panic_backtrace_from(f->rip, f->rbp);
}

static bool from_user(const struct trap_frame *f)
{
	return (f->cs & 3) == 3;
}

static void handle_interrupt(struct trap_frame *f)
{
	switch (f->vector) {
	case VECTOR_TIMER:
		this_cpu()->ticks++;
		lapic_eoi();
		time_tick(this_cpu()->index == 0);
		dev_timer_tick();
		return;
	case VECTOR_TLB_SHOOTDOWN:
		tlb_shootdown_ipi();
		lapic_eoi();
		return;
	case VECTOR_RESCHED:
		lapic_eoi();	/* the return path looks at the run queue */
		return;
	case VECTOR_SPURIOUS:
		return;		/* no EOI for spurious interrupts */
	default:
		if (f->vector >= PIC_VECTOR_BASE)
			return;	/* spurious IRQ 7/15 of the masked PICs */
		if (f->vector >= VECTOR_IRQ_BASE &&
		    f->vector - VECTOR_IRQ_BASE < IRQ_LINES) {
			/* Before the EOI: a level-triggered line is masked
			 * first, or it would fire again at once. */
			irq_dispatch((unsigned)(f->vector - VECTOR_IRQ_BASE));
			lapic_eoi();
			return;
		}
		lapic_eoi();
		log_warn("trap: unexpected interrupt vector %lu ignored\n",
			 (unsigned long)f->vector);
	}
}

void x86_trap(struct trap_frame *f)
{
	if (f->vector < 32) {
		/* A user copy that met a bad user page fails, nothing more. */
		if (f->vector == 14 && !from_user(f) && x86_user_copy_fixup(&f->rip))
			return;
		if (from_user(f)) {
			/* A user task's fault ends that task, nothing else. */
			kernel_user_fault(exc_names[f->vector], f->rip,
					  f->vector == 14 ? read_cr2() : 0,
					  f->error);
		}
		report_exception(f);
		kernel_fatal_stop(PANIC_STATUS_EXCEPTION);
	}
	handle_interrupt(f);
	if (from_user(f))
		kernel_return_to_user();
}
