/*
 * kernel/arch/x86_64/layout.h - fixed virtual and physical addresses of the
 * x86_64 kernel.  Shared by C, assembly and (by value) the linker script.
 */
#pragma once

/* Kernel image: linked at KERNEL_VMA + physical address (top 2 GiB). */
#define KERNEL_VMA		0xFFFFFFFF80000000
/* Physical load address of the kernel image. */
#define KERNEL_PHYS		0x200000
/* Direct map of all physical memory (spec kernel.md section 5). */
#define DIRECT_MAP_BASE		0xFFFF800000000000
/* Kernel stacks of tasks, each slot with unmapped guard pages below. */
#define KSTACK_AREA_BASE	0xFFFFC00000000000
#define KSTACK_AREA_SIZE	0x0000008000000000	/* one PML4 entry */
/* Device memory mapped uncached for the kernel (LAPIC, I/O APIC, ...). */
#define MMIO_AREA_BASE		0xFFFFC08000000000
#define MMIO_AREA_SIZE		0x0000008000000000
/* First address above user space (the lower canonical half). */
#define USER_CEILING		0x0000800000000000
/* Boot stack, in .bss. */
#define BOOT_STACK_SIZE		(64 * 1024)
/* Double-fault (IST1) and NMI (IST2) stacks, per CPU. */
#define IST_STACK_SIZE		(16 * 1024)
