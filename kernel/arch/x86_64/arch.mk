# kernel/arch/x86_64: boot, traps, MMU and console of the x86_64 port.
ARCH_SRCS_x86_64 := \
	kernel/arch/x86_64/ap_boot.S \
	kernel/arch/x86_64/boot.S \
	kernel/arch/x86_64/switch.S \
	kernel/arch/x86_64/syscall_entry.S \
	kernel/arch/x86_64/trap_entry.S \
	kernel/arch/x86_64/usercopy.S \
	kernel/arch/x86_64/context.c \
	kernel/arch/x86_64/devices.c \
	kernel/arch/x86_64/entry.c \
	kernel/arch/x86_64/gdt.c \
	kernel/arch/x86_64/ioapic.c \
	kernel/arch/x86_64/kstack.c \
	kernel/arch/x86_64/lapic.c \
	kernel/arch/x86_64/mmu.c \
	kernel/arch/x86_64/percpu.c \
	kernel/arch/x86_64/pic.c \
	kernel/arch/x86_64/pt.c \
	kernel/arch/x86_64/serial.c \
	kernel/arch/x86_64/smp.c \
	kernel/arch/x86_64/syscall.c \
	kernel/arch/x86_64/tlb.c \
	kernel/arch/x86_64/trap.c \
	kernel/arch/x86_64/usercopy.c \
	kernel/arch/x86_64/vm.c
ARCH_LDSCRIPT_x86_64 := kernel/arch/x86_64/linker.ld

# Page-table primitives are plain C over a direct map: host-tested.
UNIT_TESTS += x86_64_pt
UNIT_x86_64_pt_SRCS := tests/unit/x86_64_pt_test.c kernel/arch/x86_64/pt.c
