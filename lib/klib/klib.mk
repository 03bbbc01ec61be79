# lib/klib: freestanding support library (kernel and user programs).
KERNEL_SRCS += lib/klib/string.c lib/klib/string_extra.c

# printf-style formatting (fmt.c): kernel log, panic, snprintf.
KERNEL_SRCS += lib/klib/fmt.c
UNIT_TESTS += fmt
UNIT_fmt_SRCS := tests/unit/fmt_test.c lib/klib/fmt.c
