/*
 * kernel/arch/arch.h - the one interface between portable kernel code and an
 * architecture.  Portable code includes this header and nothing below
 * kernel/arch/<arch>/.  Every architecture implements every hook.
 *
 * Boot flow: the architecture's entry code sets up a stack and minimal
 * paging, fills a struct boot_info from its boot protocol (multiboot2 on
 * x86_64, a device tree on AArch64 and RISC-V) and calls kmain().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct boot_info;

/** Portable kernel entry.  Called once on the boot CPU, interrupts off. */
void kmain(struct boot_info *bi) __attribute__((noreturn));

/** Short architecture name for logs ("x86_64"). */
const char *arch_name(void);

/**
 * Write one byte to the boot console (a serial port).  Callable from any
 * context, including exception handlers, with or without interrupts; never
 * sleeps.  Does not translate '\n'.
 */
void arch_console_putc(char c);

#ifdef CAMBIOS_ARCH_INLINE
/*
 * The architecture defines the functions below as static inline code
 * (the build names its header); their contracts are the ones documented
 * in the #else branch.
 */
#include CAMBIOS_ARCH_INLINE
#else
/** Disable interrupts on this CPU. */
void arch_irq_disable(void);

/** Enable interrupts on this CPU. */
void arch_irq_enable(void);

/** Disable interrupts and return the previous state for arch_irq_restore. */
unsigned long arch_irq_save(void);

/** Restore the interrupt state saved by arch_irq_save. */
void arch_irq_restore(unsigned long flags);

/** True when interrupts are enabled on this CPU. */
bool arch_irq_enabled(void);

/** Index of the executing CPU, 0 .. online CPUs - 1 (0 before SMP). */
unsigned arch_cpu_id(void);

/** Hint to the CPU that we are spinning (pause / yield). */
void arch_cpu_relax(void);
#endif /* CAMBIOS_ARCH_INLINE */

/** Wait for the next interrupt (hlt / wfi).  Returns after one arrives. */
void arch_idle(void);

/** Stop this CPU for good: interrupts off, halt in a loop. */
void arch_halt(void) __attribute__((noreturn));

/**
 * End the emulator with the given status when the machine has a debug-exit
 * device (QEMU isa-debug-exit on x86_64); otherwise halt.  Used only by test
 * switches of the kernel command line.
 */
void arch_debug_exit(int status) __attribute__((noreturn));

/** Base of the direct map: physical address p is visible at p + this. */
uintptr_t arch_direct_map_base(void);

/**
 * Build the kernel's final address space: a direct map of physical memory
 * [0, max_phys) at arch_direct_map_base(), the kernel image mapped with
 * per-section permissions (text RX, rodata R, data RW, no W+X), nothing at
 * low addresses.  Page tables come from a static boot pool, so this runs
 * before any allocator exists.  Returns 0, or -ENOMEM when the pool is too
 * small for max_phys (the map is then cut short and *mapped says where).
 */
int arch_mmu_init(uint64_t max_phys, uint64_t *mapped);

/**
 * Walk a call stack by frame pointers, calling fn(pc, ctx) for each return
 * address, at most max frames.  fp = 0 starts at the caller of this
 * function; otherwise fp is a saved frame pointer (from a trap frame).
 * Stops at a null, misaligned, non-kernel or non-increasing frame pointer,
 * so a corrupt stack cannot make it fault or loop.
 */
void arch_backtrace(uintptr_t fp, void (*fn)(uintptr_t pc, void *ctx),
		    void *ctx, unsigned max);

/**
 * Bring up the platform once memory management works: interrupt
 * controllers, the 100 Hz timer on this CPU, then (later) the other CPUs.
 * Called by kmain on the boot CPU with interrupts off; may panic when the
 * machine lacks something the kernel cannot run without.
 */
void arch_platform_init(const struct boot_info *bi);

/* ---- kernel stacks and execution contexts ------------------------- */

/** Bytes of usable stack each task gets from arch_kstack_alloc. */
#define ARCH_KSTACK_SIZE	(32 * 1024)

/**
 * Allocate a kernel stack of ARCH_KSTACK_SIZE with unmapped guard pages
 * below it, so an overflow faults instead of corrupting a neighbour.
 * Returns the stack's top (highest address, 16-byte aligned) or 0 when
 * memory or stack slots are exhausted.  Any CPU, any context but interrupt.
 */
uintptr_t arch_kstack_alloc(void);

/**
 * Free a stack from arch_kstack_alloc.  The stack must not be in use by
 * any CPU (free it after switching away from its task).
 */
void arch_kstack_free(uintptr_t top);

/** Opaque saved execution state of a task (registers, FPU, address space). */
struct arch_context;

/** Size and alignment needed to hold a struct arch_context. */
size_t arch_context_size(void);

/**
 * Prepare ctx for the code already running on this CPU (a CPU's idle task,
 * on its boot stack): kernel address space, no user state.  Its registers
 * are saved into ctx when the CPU first switches away.
 */
void arch_context_init_current(struct arch_context *ctx);

/**
 * Prepare ctx so that switching to it runs fn(arg) in kernel mode on the
 * stack whose top is kstack_top.  fn must never return.
 */
void arch_context_init_kernel(struct arch_context *ctx, uintptr_t kstack_top,
			      void (*fn)(void *), void *arg);

/**
 * Prepare ctx so that switching to it enters user mode at entry with stack
 * pointer user_sp in the address space vm_root, with a clean register and
 * FPU state, using kstack_top for kernel entries.
 */
void arch_context_init_user(struct arch_context *ctx, uintptr_t kstack_top,
			    uint64_t vm_root, uint64_t entry, uint64_t user_sp);

/**
 * Save the running context into prev and resume next (its address space,
 * kernel stack for traps, FPU state).  Returns when something switches back
 * to prev.  Interrupts off; no spinlock held except the run-queue lock the
 * scheduler documents.
 */
void arch_context_switch(struct arch_context *prev, struct arch_context *next);

/* ---- user address spaces ------------------------------------------ */

/** Protection bits for arch_vm_map. */
enum arch_prot {
	ARCH_PROT_READ = 1,	/**< readable (always, when mapped) */
	ARCH_PROT_WRITE = 2,	/**< writable */
	ARCH_PROT_EXEC = 4,	/**< executable */
	ARCH_PROT_USER = 8,	/**< accessible from user mode */
	ARCH_PROT_DEVICE = 16,	/**< uncached device memory */
};

/** First address above user space (x86_64: 2^47). */
uintptr_t arch_user_ceiling(void);

/**
 * A new address space whose kernel half is the kernel's.  Returns the
 * root's physical address, or 0 when out of memory.
 */
uint64_t arch_vm_create(void);

/**
 * Free the page-table pages of the user half of root and root itself.
 * Leaf frames are the caller's: unmap (and free) them first.  root must not
 * be active on any CPU.
 */
void arch_vm_destroy(uint64_t root);

/**
 * Map one 4 KiB page va -> pa with prot (enum arch_prot) in root.  Returns
 * 0, -EINVAL (bad address or W+X), -EEXIST (already mapped) or -ENOMEM.
 */
int arch_vm_map(uint64_t root, uintptr_t va, uint64_t pa, unsigned prot);

/**
 * Unmap the 4 KiB page at va in root and flush it from every CPU's TLB.
 * Returns 0 and the frame in *pa, or -ENOENT.
 */
int arch_vm_unmap(uint64_t root, uintptr_t va, uint64_t *pa);

/**
 * Translate va in root: true and the physical address and protection
 * (enum arch_prot) when mapped.
 */
bool arch_vm_translate(uint64_t root, uintptr_t va, uint64_t *pa,
		       unsigned *prot);

/**
 * Start the other CPUs, up to max_cpus in all (0 = no limit).  Each runs
 * kernel_cpu_main(index) once its own hardware is set up.  Returns the
 * number of CPUs online, this one included.  Boot CPU, after
 * arch_platform_init and once the scheduler can take new CPUs.
 */
unsigned arch_start_cpus(const struct boot_info *bi, unsigned max_cpus);

/** Portable entry of a secondary CPU (provided by the scheduler glue). */
void kernel_cpu_main(unsigned cpu) __attribute__((noreturn));

/** Number of CPUs online (indexes 0 .. n - 1). */
unsigned arch_cpus_online(void);

/** ELF e_machine of user programs for this architecture. */
uint16_t arch_elf_machine(void);

/**
 * Make this CPU use the kernel's own address space (before the current
 * process's address space is destroyed).
 */
void arch_vm_use_kernel(void);

/**
 * As arch_vm_unmap, without any TLB flush: only for an address space that
 * no CPU has active (teardown after arch_vm_use_kernel).
 */
int arch_vm_unmap_inactive(uint64_t root, uintptr_t va, uint64_t *pa);

/**
 * Root of the address space this CPU uses now (what arch_vm_create
 * returned for the running process, or the kernel's).
 */
uint64_t arch_vm_active_root(void);

/**
 * Copy len bytes from user address src of the ACTIVE address space to
 * the kernel buffer dst, directly, surviving page faults: a page not
 * mapped or not user-accessible ends the copy with -EINVAL (dst then
 * holds a prefix).  The range must lie below the user ceiling (-EINVAL
 * otherwise).  Task context; may be called with locks held (it never
 * sleeps, a fault is handled in place).
 */
int arch_copy_from_user(void *dst, uintptr_t src, size_t len);

/**
 * As arch_copy_from_user, from kernel src to user dst; a read-only user
 * page fails too.  A failed copy may have written a prefix.
 */
int arch_copy_to_user(uintptr_t dst, const void *src, size_t len);

/**
 * Drop the translations of user pages [va, va + pages * 4096) from every
 * CPU's TLB, waiting until all have done it.  After unmapping with
 * arch_vm_unmap_inactive from an address space that may be active
 * somewhere (a channel's other party).  Call with no spinlock held.
 */
void arch_tlb_shootdown(uintptr_t va, uint64_t pages);

/** Interrupt CPU cpu so that it looks at its run queue soon. */
void arch_send_resched(unsigned cpu);

/** Cycle or time-stamp counter (under QEMU -icount: instructions). */
uint64_t arch_cycles(void);

/** Execute an undefined instruction (for the test=ud switch). */
void arch_test_invalid_opcode(void);

/** Physical extent of the kernel image [start, end), for reservations. */
void arch_kernel_extent(uint64_t *start, uint64_t *end);

/* ---- devices: interrupt lines, PCI, I/O ports, console input ------ */

/** "No interrupt line" for the hooks below. */
#define ARCH_IRQ_NONE	0xFFFFFFFFu

/**
 * Deliver device interrupt line gsi (x86_64: a GSI of the I/O APICs) to
 * CPU cpu, unmasked, on the vector the trap code hands to irq_dispatch.
 * The architecture decides trigger mode and polarity (firmware tables,
 * bus defaults) and reports the trigger in *level.  Returns 0, or -EINVAL
 * when no interrupt controller serves gsi or cpu is not online.  Task or
 * boot context; takes the interrupt controller's lock (rank
 * LOCK_RANK_IRQ).
 */
int arch_irq_route(unsigned gsi, unsigned cpu, bool *level);

/**
 * Mask line gsi (nothing when no controller serves it).  Any context,
 * including the line's own interrupt handler: the controller's lock is
 * only ever held with interrupts off, for a few register accesses, so
 * its holder never waits for an interrupted context (docs/locking.md).
 */
void arch_irq_mask(unsigned gsi);

/** Unmask line gsi after arch_irq_route.  Task context. */
void arch_irq_unmask(unsigned gsi);

/** Line of the console's receive interrupt, or ARCH_IRQ_NONE. */
unsigned arch_console_rx_irq(void);

/** Let the console raise its receive interrupt.  Boot CPU, once. */
void arch_console_rx_enable(void);

/**
 * One byte the console received, or -1 when none is waiting.  Never
 * waits.  Called by the console-input code only (interrupt context of
 * the console's CPU, or that CPU's timer tick).
 */
int arch_console_getc(void);

/**
 * Read / write the 32-bit PCI configuration register at byte offset off
 * (a multiple of 4, below 256) of function bus:dev.fn.  An absent
 * function reads as all ones; on a machine without PCI everything does.
 * Any non-interrupt context; serialised inside.
 */
uint32_t arch_pci_config_read32(unsigned bus, unsigned dev, unsigned fn,
				unsigned off);
void arch_pci_config_write32(unsigned bus, unsigned dev, unsigned fn,
			     unsigned off, uint32_t value);

/**
 * The interrupt line (for arch_irq_route and WaitIrq) of a PCI function
 * whose configuration space says interrupt line `line` and pin `pin`
 * (1..4 = INTA..INTD, 0 = none), or ARCH_IRQ_NONE.
 */
unsigned arch_pci_irq(uint8_t line, uint8_t pin);

/**
 * Access I/O port port with width 1, 2 or 4 bytes: a write of *value, or
 * a read into *value.  Returns 0, or -ENOSYS on architectures without
 * I/O ports.  The caller has checked the port (kernel/dev/pci.c).
 */
int arch_port_io(uint16_t port, unsigned width, bool write, uint32_t *value);

/**
 * True when physical [base, base + len) touches device registers the
 * kernel maps for itself (x86_64: local APIC, I/O APICs), so no PCI BAR
 * there may be handed to user space.
 */
bool arch_phys_kernel_mmio(uint64_t base, uint64_t len);
