# kernel/mm: memory map normalisation, buddy frame allocator, kernel heap.
KERNEL_SRCS += kernel/mm/memmap.c kernel/mm/buddy.c kernel/mm/frame.c \
	kernel/mm/heap.c

UNIT_TESTS += memmap buddy heap
UNIT_memmap_SRCS := tests/unit/memmap_test.c kernel/mm/memmap.c
UNIT_buddy_SRCS := tests/unit/buddy_test.c kernel/mm/buddy.c \
	kernel/core/spinlock.c tests/unit/fake_arch.c \
	kernel/mm/frame.c kernel/mm/memmap.c
UNIT_heap_SRCS := tests/unit/heap_test.c kernel/mm/heap.c kernel/mm/frame.c \
	kernel/core/spinlock.c tests/unit/fake_arch.c \
	kernel/mm/buddy.c kernel/mm/memmap.c
