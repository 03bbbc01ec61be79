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

/** Cycle or time-stamp counter (under QEMU -icount: instructions). */
uint64_t arch_cycles(void);

/** Execute an undefined instruction (for the test=ud switch). */
void arch_test_invalid_opcode(void);

/** Physical extent of the kernel image [start, end), for reservations. */
void arch_kernel_extent(uint64_t *start, uint64_t *end);
