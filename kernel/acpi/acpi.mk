# kernel/acpi: RSDP, RSDT/XSDT and MADT parsing.  Portable C over a map
# callback; firmware tables are hostile input, hence the fuzz target.
KERNEL_SRCS += kernel/acpi/acpi.c

UNIT_TESTS += acpi
UNIT_acpi_SRCS := tests/unit/acpi_test.c kernel/acpi/acpi.c

FUZZ_TARGETS += acpi
FUZZ_acpi_SRCS := tests/fuzz/fuzz_acpi.c kernel/acpi/acpi.c
