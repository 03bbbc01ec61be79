# kernel/boot: boot-protocol adapters that fill struct boot_info.
# multiboot2.c is portable C (only x86_64 boots through it today) and is
# host-tested and fuzzed together with the memory-map normaliser.
KERNEL_SRCS += kernel/boot/multiboot2.c

UNIT_TESTS += multiboot2
UNIT_multiboot2_SRCS := tests/unit/multiboot2_test.c kernel/boot/multiboot2.c

FUZZ_TARGETS += multiboot2
FUZZ_multiboot2_SRCS := tests/fuzz/fuzz_multiboot2.c \
	kernel/boot/multiboot2.c kernel/mm/memmap.c kernel/core/cmdline.c

# The framebuffer tag's checks (MapFramebuffer, docs/compositor.md).
KERNEL_SRCS += kernel/boot/framebuffer.c
UNIT_TESTS += framebuffer
UNIT_framebuffer_SRCS := tests/unit/framebuffer_test.c \
	kernel/boot/framebuffer.c kernel/boot/multiboot2.c
