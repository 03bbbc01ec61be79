# kernel/mm (second fragment; mm.mk belongs to the frame allocator and heap):
# boot-time tier sizing of the object tables and the per-process VMA
# tracker.  Both are pure data structures; callers hold the locks.
KERNEL_SRCS += kernel/mm/tier.c kernel/mm/vma.c

UNIT_TESTS += tier vma
UNIT_tier_SRCS := tests/unit/tier_test.c kernel/mm/tier.c
UNIT_vma_SRCS := tests/unit/vma_test.c kernel/mm/vma.c
