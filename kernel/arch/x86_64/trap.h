/*
 * kernel/arch/x86_64/trap.h - the saved state of an interrupted context and
 * the IDT.
 */
#pragma once

#include <stdint.h>

/**
 * Registers as trap_entry.S saves them, lowest address first.  The last
 * five fields are pushed by the CPU.
 */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;	/**< pushed by the stub */
	uint64_t error;		/**< pushed by the CPU or 0 by the stub */
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame layout");

/** Fill and load the IDT (all 256 vectors).  Boot CPU, once. */
void idt_init(void);

/** Load the (shared) IDT on this CPU.  Each AP, once. */
void idt_load(void);

/** Called by trap_entry.S for every vector. */
void x86_trap(struct trap_frame *f);
