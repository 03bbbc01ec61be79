# kernel/mm/uaccess: copies between kernel and user address spaces.
KERNEL_SRCS += kernel/mm/uaccess.c

UNIT_TESTS += uaccess
UNIT_uaccess_SRCS := tests/unit/uaccess_test.c kernel/mm/uaccess.c
