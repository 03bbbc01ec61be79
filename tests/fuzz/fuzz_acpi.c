/*
 * tests/fuzz/fuzz_acpi.c - libFuzzer target for the ACPI table parser.
 *
 * Input: one control byte, then a fake physical arena placed at
 * FUZZ_ARENA_BASE whose first bytes are the RSDP (seeds put the RSDT,
 * XSDT, MADT and other tables further in, at arena addresses).  Control
 * bit 0 selects acpi_init_phys() over acpi_init() on a copy of the RSDP;
 * bit 1 selects a 20-byte copy over a 36-byte one.  Every map call gets a
 * fresh heap block of exactly the bytes asked for, so ASan catches any
 * read past what the parser mapped.  The arena is also fed to
 * acpi_parse_madt_buf() as a raw MADT.  Every successful result must keep
 * the documented limits; a broken promise traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/acpi/acpi.h"

#define FUZZ_ARENA_BASE 0xe0000ull
#define MAX_MAPS	4096

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			__builtin_trap();                                      \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct arena {
	const uint8_t *bytes;
	size_t len;
	void *maps[MAX_MAPS];
	unsigned nmaps;
};

static struct arena A;
static struct acpi_tables tabs;
static struct acpi_madt_info info;

static const void *fuzz_map(void *ctx, uint64_t phys, size_t len)
{
	struct arena *a = ctx;
	void *copy;

	/* The parser promises these. */
	CHECK(len > 0);
	CHECK(phys + len > phys);
	if (phys < FUZZ_ARENA_BASE || phys - FUZZ_ARENA_BASE > a->len ||
	    len > a->len - (phys - FUZZ_ARENA_BASE))
		return NULL;
	if (a->nmaps == MAX_MAPS)
		return NULL;
	copy = malloc(len);
	if (!copy)
		return NULL;
	memcpy(copy, a->bytes + (phys - FUZZ_ARENA_BASE), len);
	a->maps[a->nmaps++] = copy;
	return copy;
}

static void check_madt(const struct acpi_madt_info *m)
{
	CHECK(m->error != NULL);
	CHECK(m->cpu_count <= MAX_CPUS);
	CHECK(m->ioapic_count <= ACPI_MAX_IOAPICS);
	CHECK(m->override_count <= ACPI_MAX_OVERRIDES);
	CHECK(m->nmi_count <= ACPI_MAX_NMIS);
	for (uint32_t i = 0; i < m->cpu_count; i++) {
		CHECK(m->cpus[i].flags &
		      (ACPI_CPU_ENABLED | ACPI_CPU_ONLINE_CAPABLE));
		for (uint32_t j = 0; j < i; j++)
			CHECK(m->cpus[i].apic_id != m->cpus[j].apic_id);
	}
	for (uint32_t i = 0; i < m->ioapic_count; i++) {
		CHECK(m->ioapics[i].addr != 0);
		for (uint32_t j = 0; j < i; j++)
			CHECK(m->ioapics[i].id != m->ioapics[j].id &&
			      m->ioapics[i].addr != m->ioapics[j].addr);
	}
	for (uint32_t i = 0; i < m->override_count; i++) {
		CHECK(m->overrides[i].source_irq < 16);
		CHECK(m->overrides[i].polarity != 2);
		CHECK(m->overrides[i].trigger != 2);
		for (uint32_t j = 0; j < i; j++)
			CHECK(m->overrides[i].source_irq !=
			      m->overrides[j].source_irq);
	}
	for (uint32_t i = 0; i < m->nmi_count; i++)
		CHECK(m->nmis[i].lint <= 1);
}

static void check_ref(const struct acpi_table_ref *r, const char *sig)
{
	CHECK(r->data != NULL);
	CHECK(r->len >= ACPI_HEADER_LEN && r->len <= ACPI_MAX_TABLE_LEN);
	CHECK(memcmp(r->data, sig, 4) == 0);
}

static void walk_tables(void)
{
	static const char *const sigs[] = {"FACP", "HPET", "MCFG", "APIC",
					   "SSDT"};
	struct acpi_table_ref ref;

	CHECK(tabs.table_count <= ACPI_MAX_TABLES);
	for (uint32_t i = 0; i < tabs.table_count; i++)
		CHECK(tabs.tables[i] != 0 && tabs.tables[i] != tabs.root_phys);
	for (size_t s = 0; s < sizeof(sigs) / sizeof(sigs[0]); s++) {
		for (uint32_t idx = 0; idx < 2; idx++) {
			if (acpi_find_table(&tabs, sigs[s], idx, &ref) == 0)
				check_ref(&ref, sigs[s]);
			else
				CHECK(ref.data == NULL && ref.why != NULL);
		}
	}
	if (acpi_parse_madt(&tabs, &info) == 0)
		check_madt(&info);
	CHECK(info.error != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t ctl;
	uint8_t *copy;
	int err;

	if (size < 1)
		return 0;
	ctl = data[0];
	/* An exact-size copy, so reads past the input are caught too. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	A.bytes = copy;
	A.len = size - 1;
	A.nmaps = 0;

	if (ctl & 1) {
		err = acpi_init_phys(&tabs, FUZZ_ARENA_BASE, fuzz_map, &A);
	} else {
		size_t want = (ctl & 2) ? ACPI_RSDP_V1_LEN : ACPI_RSDP_V2_LEN;

		err = acpi_init(&tabs, copy, A.len < want ? A.len : want,
				fuzz_map, &A);
	}
	CHECK(tabs.error != NULL);
	if (err == 0)
		walk_tables();

	if (acpi_parse_madt_buf(copy, A.len, &info) == 0)
		check_madt(&info);
	CHECK(info.error != NULL);

	while (A.nmaps)
		free(A.maps[--A.nmaps]);
	free(copy);
	return 0;
}
