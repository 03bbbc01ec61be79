/*
 * tests/unit/acpi_test.c - RSDP, RSDT/XSDT and MADT parsing.
 *
 * Tables are built by hand in a fake physical arena.  The fake map hands
 * out a fresh heap copy of exactly the bytes asked for, so ASan reports
 * any read past what the parser mapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/acpi/acpi.h"

#include "abi/errno.h"

#define ARENA_BASE 0xe0000ull
#define ARENA_SIZE 0x20000u
#define RSDP_AT	   (ARENA_BASE + 0x0)
#define RSDT_AT	   (ARENA_BASE + 0x100)
#define XSDT_AT	   (ARENA_BASE + 0x800)
#define MADT_AT	   (ARENA_BASE + 0x2000)
#define MADT2_AT   (ARENA_BASE + 0x6000)
#define FADT_AT	   (ARENA_BASE + 0x9000)
#define HPET_AT	   (ARENA_BASE + 0x9400)
#define SSDT_AT	   (ARENA_BASE + 0x9800)
#define SSDT2_AT   (ARENA_BASE + 0x9c00)

static uint8_t arena[ARENA_SIZE];

/* Heap copies handed out by fake_map, freed by reset(). */
static void *maps[4096];
static unsigned nmaps;
static unsigned map_calls;

static const void *fake_map(void *ctx, uint64_t phys, size_t len)
{
	void *copy;

	(void)ctx;
	map_calls++;
	assert_true(len > 0);
	assert_true(phys + len > phys);
	if (phys < ARENA_BASE || phys - ARENA_BASE > ARENA_SIZE ||
	    len > ARENA_SIZE - (phys - ARENA_BASE))
		return NULL;
	if (nmaps == sizeof(maps) / sizeof(maps[0]))
		fail_msg("too many maps");
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, arena + (phys - ARENA_BASE), len);
	maps[nmaps++] = copy;
	return copy;
}

static void free_maps(void)
{
	while (nmaps)
		free(maps[--nmaps]);
}

static uint8_t *at(uint64_t phys)
{
	return arena + (phys - ARENA_BASE);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Set p[off] so that p[0, len) sums to zero. */
static void fix_sum(uint8_t *p, size_t len, size_t off)
{
	uint8_t sum = 0;

	p[off] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[off] = (uint8_t)-sum;
}

static void header(uint64_t phys, const char *sig, uint32_t len, uint8_t rev)
{
	uint8_t *h = at(phys);

	memset(h, 0, ACPI_HEADER_LEN);
	memcpy(h, sig, 4);
	put32(h + 4, len);
	h[8] = rev;
	memcpy(h + 10, "CAMBIO", 6);
	memcpy(h + 16, "TESTTBL ", 8);
}

static void seal(uint64_t phys)
{
	uint8_t *h = at(phys);
	uint32_t len = (uint32_t)h[4] | (uint32_t)h[5] << 8 |
		       (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;

	fix_sum(h, len, 9);
}

static void simple_table(uint64_t phys, const char *sig, uint32_t len)
{
	header(phys, sig, len, 1);
	memset(at(phys) + ACPI_HEADER_LEN, 0x11, len - ACPI_HEADER_LEN);
	seal(phys);
}

static void rsdp_v1(uint32_t rsdt)
{
	uint8_t *r = at(RSDP_AT);

	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "QEMUXX", 6);
	r[15] = 0;
	put32(r + 16, rsdt);
	fix_sum(r, 20, 8);
}

static void rsdp_v2(uint32_t rsdt, uint64_t xsdt)
{
	uint8_t *r = at(RSDP_AT);

	rsdp_v1(rsdt);
	r[15] = 2;
	fix_sum(r, 20, 8);
	put32(r + 20, 36);
	put64(r + 24, xsdt);
	fix_sum(r, 36, 32);
}

static void root(uint64_t phys, const char *sig, const uint64_t *e, unsigned n)
{
	unsigned es = sig[0] == 'X' ? 8 : 4;

	header(phys, sig, ACPI_HEADER_LEN + n * es, 1);
	for (unsigned i = 0; i < n; i++) {
		if (es == 8)
			put64(at(phys) + ACPI_HEADER_LEN + i * 8, e[i]);
		else
			put32(at(phys) + ACPI_HEADER_LEN + i * 4,
			      (uint32_t)e[i]);
	}
	seal(phys);
}

/* --- MADT builder -------------------------------------------------------- */

static uint64_t madt_phys;
static uint32_t madt_len;

static void madt_begin(uint64_t phys, uint8_t rev, uint32_t lapic,
		       uint32_t flags)
{
	madt_phys = phys;
	madt_len = 44;
	header(phys, "APIC", 44, rev);
	put32(at(phys) + 36, lapic);
	put32(at(phys) + 40, flags);
}

static uint8_t *madt_entry(uint8_t type, uint8_t len)
{
	uint8_t *e = at(madt_phys) + madt_len;

	memset(e, 0, len);
	e[0] = type;
	e[1] = len;
	madt_len += len;
	return e;
}

static void madt_lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t *e = madt_entry(0, 8);

	e[2] = uid;
	e[3] = id;
	put32(e + 4, flags);
}

static void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi)
{
	uint8_t *e = madt_entry(1, 12);

	e[2] = id;
	put32(e + 4, addr);
	put32(e + 8, gsi);
}

static void madt_iso(uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t fl)
{
	uint8_t *e = madt_entry(2, 10);

	e[2] = bus;
	e[3] = irq;
	put32(e + 4, gsi);
	e[8] = (uint8_t)fl;
	e[9] = (uint8_t)(fl >> 8);
}

static void madt_nmi(uint8_t uid, uint16_t fl, uint8_t lint)
{
	uint8_t *e = madt_entry(4, 6);

	e[2] = uid;
	e[3] = (uint8_t)fl;
	e[4] = (uint8_t)(fl >> 8);
	e[5] = lint;
}

static void madt_lapic_addr(uint64_t addr)
{
	put64(madt_entry(5, 12) + 4, addr);
}

static void madt_x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
	uint8_t *e = madt_entry(9, 16);

	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, uid);
}

static void madt_x2nmi(uint32_t uid, uint16_t fl, uint8_t lint)
{
	uint8_t *e = madt_entry(10, 12);

	e[2] = (uint8_t)fl;
	e[3] = (uint8_t)(fl >> 8);
	put32(e + 4, uid);
	e[8] = lint;
}

static void madt_end(void)
{
	put32(at(madt_phys) + 4, madt_len);
	seal(madt_phys);
}

/* The MADT QEMU's q35 machine builds for -smp 2. */
static void qemu_madt(uint64_t phys)
{
	madt_begin(phys, 1, 0xfee00000u, 1);
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 1);
	madt_ioapic(0, 0xfec00000u, 0);
	madt_iso(0, 0, 2, 0);
	madt_iso(0, 5, 5, 0xd);
	madt_iso(0, 9, 9, 0xd);
	madt_iso(0, 10, 10, 0xd);
	madt_iso(0, 11, 11, 0xd);
	madt_nmi(0xff, 0, 1);
	madt_end();
}

static struct acpi_tables tabs;
static struct acpi_madt_info info;

static int reset(void **state)
{
	(void)state;
	free_maps();
	memset(arena, 0, sizeof(arena));
	memset(&tabs, 0x5a, sizeof(tabs));
	memset(&info, 0x5a, sizeof(info));
	map_calls = 0;
	return 0;
}

static int init_mem(size_t len)
{
	return acpi_init(&tabs, at(RSDP_AT), len, fake_map, NULL);
}

/* A full ACPI 1.0 set: RSDP v1 -> RSDT -> MADT, FADT, HPET. */
static void setup_v1(void)
{
	const uint64_t e[] = {FADT_AT, MADT_AT, HPET_AT};

	qemu_madt(MADT_AT);
	simple_table(FADT_AT, "FACP", 244);
	simple_table(HPET_AT, "HPET", 56);
	root(RSDT_AT, "RSDT", e, 3);
	rsdp_v1((uint32_t)RSDT_AT);
}

static void check_qemu_madt(void)
{
	assert_string_equal(info.error, "ok");
	assert_int_equal(info.lapic_addr, 0xfee00000u);
	assert_false(info.lapic_addr_override);
	assert_true(info.pcat_compat);
	assert_int_equal(info.cpu_count, 2);
	for (uint32_t i = 0; i < 2; i++) {
		assert_int_equal(info.cpus[i].apic_id, i);
		assert_int_equal(info.cpus[i].acpi_uid, i);
		assert_int_equal(info.cpus[i].flags, ACPI_CPU_ENABLED);
		assert_true(acpi_cpu_usable(&info.cpus[i]));
	}
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.ioapics[0].id, 0);
	assert_int_equal(info.ioapics[0].addr, 0xfec00000u);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_int_equal(info.override_count, 5);
	assert_int_equal(info.overrides[0].source_irq, 0);
	assert_int_equal(info.overrides[0].gsi, 2);
	assert_int_equal(info.overrides[0].polarity, ACPI_POLARITY_CONFORMS);
	assert_int_equal(info.overrides[0].trigger, ACPI_TRIGGER_CONFORMS);
	assert_int_equal(info.overrides[1].source_irq, 5);
	assert_int_equal(info.overrides[1].polarity, ACPI_POLARITY_HIGH);
	assert_int_equal(info.overrides[1].trigger, ACPI_TRIGGER_LEVEL);
	assert_int_equal(info.nmi_count, 1);
	assert_int_equal(info.nmis[0].acpi_uid, ACPI_UID_ALL);
	assert_int_equal(info.nmis[0].lint, 1);
	assert_int_equal(info.cpus_disabled + info.cpus_dropped +
			     info.ioapics_dropped + info.overrides_dropped +
			     info.nmis_dropped + info.invalid +
			     info.duplicates + info.ignored,
			 0);
}

/* RSDP v1 + RSDT: the tables are found and the MADT decoded. */
static void test_v1_rsdt(void **state)
{
	struct acpi_table_ref ref;

	(void)state;
	setup_v1();
	assert_int_equal(init_mem(20), 0);
	assert_string_equal(tabs.error, "ok");
	assert_false(tabs.xsdt);
	assert_false(tabs.xsdt_rejected);
	assert_int_equal(tabs.rsdp_revision, 0);
	assert_string_equal(tabs.oem_id, "QEMUXX");
	assert_int_equal(tabs.root_phys, RSDT_AT);
	assert_int_equal(tabs.root_entries, 3);
	assert_int_equal(tabs.table_count, 3);
	assert_int_equal(tabs.dropped, 0);
	assert_int_equal(acpi_find_table(&tabs, "FACP", 0, &ref), 0);
	assert_int_equal(ref.phys, FADT_AT);
	assert_int_equal(ref.len, 244);
	assert_memory_equal(ref.data, "FACP", 4);
	assert_int_equal(acpi_find_table(&tabs, "HPET", 0, &ref), 0);
	assert_int_equal(ref.phys, HPET_AT);
	assert_int_equal(acpi_find_table(&tabs, "HPET", 1, &ref), -ENOENT);
	assert_int_equal(acpi_find_table(&tabs, "MCFG", 0, &ref), -ENOENT);
	assert_null(ref.data);
	assert_int_equal(acpi_parse_madt(&tabs, &info), 0);
	check_qemu_madt();
	/* The same through the physical-address entry point. */
	assert_int_equal(acpi_init_phys(&tabs, RSDP_AT, fake_map, NULL), 0);
	assert_int_equal(tabs.table_count, 3);
}

/*
 * RSDP v2: the XSDT wins over the RSDT.  The RSDT here names a different
 * MADT (one CPU) to show which root was used.
 */
static void test_v2_prefers_xsdt(void **state)
{
	const uint64_t x[] = {MADT_AT, FADT_AT};
	const uint64_t r[] = {MADT2_AT, FADT_AT};

	(void)state;
	qemu_madt(MADT_AT);
	madt_begin(MADT2_AT, 1, 0xfee00000u, 0);
	madt_lapic(0, 0, 1);
	madt_end();
	simple_table(FADT_AT, "FACP", 276);
	root(XSDT_AT, "XSDT", x, 2);
	root(RSDT_AT, "RSDT", r, 2);
	rsdp_v2((uint32_t)RSDT_AT, XSDT_AT);
	assert_int_equal(init_mem(36), 0);
	assert_true(tabs.xsdt);
	assert_false(tabs.xsdt_rejected);
	assert_int_equal(tabs.rsdp_revision, 2);
	assert_int_equal(tabs.root_phys, XSDT_AT);
	assert_int_equal(acpi_parse_madt(&tabs, &info), 0);
	check_qemu_madt();
	assert_int_equal(acpi_init_phys(&tabs, RSDP_AT, fake_map, NULL), 0);
	assert_true(tabs.xsdt);
	/* Given only 20 bytes (multiboot's old tag), revision 2 is v1. */
	assert_int_equal(init_mem(20), 0);
	assert_false(tabs.xsdt);
	assert_int_equal(acpi_parse_madt(&tabs, &info), 0);
	assert_int_equal(info.cpu_count, 1);
}

/* A bad XSDT falls back to the RSDT, and says so. */
static void test_bad_xsdt_falls_back(void **state)
{
	const uint64_t e[] = {MADT_AT};

	(void)state;
	qemu_madt(MADT_AT);
	root(XSDT_AT, "XSDT", e, 1);
	root(RSDT_AT, "RSDT", e, 1);
	at(XSDT_AT)[ACPI_HEADER_LEN] ^= 1; /* checksum now wrong */
	rsdp_v2((uint32_t)RSDT_AT, XSDT_AT);
	assert_int_equal(init_mem(36), 0);
	assert_false(tabs.xsdt);
	assert_true(tabs.xsdt_rejected);
	assert_string_equal(tabs.xsdt_error, "table checksum mismatch");
	assert_int_equal(acpi_parse_madt(&tabs, &info), 0);
	check_qemu_madt();
	/* Unreachable XSDT, no RSDT: the XSDT's error is returned. */
	rsdp_v2(0, 0x7fff0000000ull);
	assert_int_equal(init_mem(36), -EFAULT);
	assert_true(tabs.xsdt_rejected);
	assert_string_equal(tabs.error, "table header unreachable");
	/* Neither named. */
	rsdp_v2(0, 0);
	assert_int_equal(init_mem(36), -ENOENT);
	assert_string_equal(tabs.error, "RSDP names no RSDT or XSDT");
}

/* Every RSDP check: signature, both checksums, lengths, arguments. */
static void test_rsdp_errors(void **state)
{
	uint8_t *r = at(RSDP_AT);

	(void)state;
	setup_v1();
	assert_int_equal(acpi_init(NULL, r, 20, fake_map, NULL), -EINVAL);
	assert_int_equal(acpi_init(&tabs, NULL, 20, fake_map, NULL), -EINVAL);
	assert_int_equal(acpi_init(&tabs, r, 20, NULL, NULL), -EINVAL);
	assert_int_equal(init_mem(19), -ETRUNC);
	assert_int_equal(init_mem(0), -ETRUNC);
	r[0] = 'r';
	assert_int_equal(init_mem(20), -ECORRUPT);
	assert_string_equal(tabs.error, "RSDP signature mismatch");
	r[0] = 'R';
	r[16] ^= 0x40; /* RSDT address changed, checksum not fixed */
	assert_int_equal(init_mem(20), -ECORRUPT);
	assert_string_equal(tabs.error, "RSDP checksum mismatch");

	/* Version 2: extended checksum and length field. */
	rsdp_v2((uint32_t)RSDT_AT, 0);
	assert_int_equal(init_mem(36), 0);
	r[33] = 1; /* reserved byte, covered only by the extended sum */
	assert_int_equal(init_mem(36), -ECORRUPT);
	assert_string_equal(tabs.error, "RSDP extended checksum mismatch");
	assert_int_equal(init_mem(20), 0); /* v1 view is still fine */
	rsdp_v2((uint32_t)RSDT_AT, 0);
	put32(r + 20, 35);
	fix_sum(r, 36, 32);
	assert_int_equal(init_mem(36), -ECORRUPT);
	put32(r + 20, 0xffffffffu);
	fix_sum(r, 36, 32);
	assert_int_equal(init_mem(36), -ECORRUPT);
	assert_string_equal(tabs.error, "RSDP length field implausible");
	assert_int_equal(acpi_init_phys(&tabs, RSDP_AT, fake_map, NULL),
			 -ECORRUPT);
	/* Length 40: four more bytes than a boot_info copy holds. */
	put32(r + 20, 40);
	fix_sum(r, 40, 32);
	assert_int_equal(init_mem(36), -ETRUNC);
	assert_int_equal(init_mem(40), 0);
	assert_int_equal(acpi_init_phys(&tabs, RSDP_AT, fake_map, NULL), 0);
	/* Physical RSDP that is not there. */
	assert_int_equal(acpi_init_phys(&tabs, 0, fake_map, NULL), -EFAULT);
	assert_int_equal(acpi_init_phys(&tabs, 0x1000, fake_map, NULL),
			 -EFAULT);
	assert_string_equal(tabs.error, "RSDP unreachable");
	assert_int_equal(acpi_init_phys(&tabs, UINT64_MAX - 10, fake_map, NULL),
			 -EFAULT);
	assert_int_equal(acpi_init_phys(&tabs, RSDP_AT, NULL, NULL), -EINVAL);
	/* v2 header reachable for 20 bytes only. */
	memcpy(at(ARENA_BASE + ARENA_SIZE - 20), r, 20);
	at(ARENA_BASE + ARENA_SIZE - 20)[15] = 2;
	fix_sum(at(ARENA_BASE + ARENA_SIZE - 20), 20, 8);
	assert_int_equal(
	    acpi_init_phys(&tabs, ARENA_BASE + ARENA_SIZE - 20, fake_map, NULL),
	    -EFAULT);
}

/* Root table: signature, length below the header, too long, checksum. */
static void test_root_table_errors(void **state)
{
	const uint64_t e[] = {MADT_AT};
	uint8_t *t = at(RSDT_AT);

	(void)state;
	qemu_madt(MADT_AT);
	rsdp_v1((uint32_t)RSDT_AT);
	root(RSDT_AT, "XSDT", e, 1);
	assert_int_equal(init_mem(20), -ECORRUPT);
	assert_string_equal(tabs.error, "table signature mismatch");
	root(RSDT_AT, "RSDT", e, 1);
	put32(t + 4, 35);
	seal(RSDT_AT);
	assert_int_equal(init_mem(20), -ECORRUPT);
	assert_string_equal(tabs.error, "table shorter than header");
	/* Length running past mapped memory. */
	put32(t + 4, ARENA_SIZE);
	assert_int_equal(init_mem(20), -EFAULT);
	assert_string_equal(tabs.error, "table body unreachable");
	/* Absurd length (an absurd entry count). */
	put32(t + 4, 0xfffffff0u);
	assert_int_equal(init_mem(20), -ECORRUPT);
	assert_string_equal(tabs.error, "table length implausible");
	root(RSDT_AT, "RSDT", e, 1);
	t[20] ^= 0x80;
	assert_int_equal(init_mem(20), -ECORRUPT);
	assert_string_equal(tabs.error, "table checksum mismatch");
	/* Root table at an address where the header would wrap. */
	rsdp_v2(0, UINT64_MAX - 20);
	assert_int_equal(init_mem(36), -ECORRUPT);
	assert_string_equal(tabs.error, "table address wraps");
	/* Header fits below 2^64 but the body would wrap. */
	rsdp_v2(0, UINT64_MAX - 100);
	assert_int_equal(init_mem(36), -EFAULT);
}

/*
 * Root entries: null, repeated and self entries are dropped; only the
 * first ACPI_MAX_TABLES are examined; a partial trailing entry is
 * ignored.
 */
static void test_root_entries_hostile(void **state)
{
	static uint64_t e[600];
	struct acpi_table_ref ref;

	(void)state;
	qemu_madt(MADT_AT);
	e[0] = 0;
	e[1] = MADT_AT;
	e[2] = MADT_AT;
	e[3] = XSDT_AT;
	e[4] = 0xdead0000;     /* unreachable: skipped by lookups */
	e[5] = UINT64_MAX - 2; /* would wrap */
	root(XSDT_AT, "XSDT", e, 6);
	rsdp_v2(0, XSDT_AT);
	assert_int_equal(init_mem(36), 0);
	assert_int_equal(tabs.root_entries, 6);
	assert_int_equal(tabs.table_count, 3);
	assert_int_equal(tabs.dropped, 3);
	assert_int_equal(acpi_find_table(&tabs, "APIC", 0, &ref), 0);
	assert_int_equal(acpi_find_table(&tabs, "APIC", 1, &ref), -ENOENT);
	assert_int_equal(acpi_find_table(&tabs, "XSDT", 0, &ref), -ENOENT);

	/* 600 entries: the MADT as the 300th is beyond the cap. */
	for (unsigned i = 0; i < 600; i++)
		e[i] = FADT_AT + 16 * i;
	e[299] = MADT_AT;
	root(XSDT_AT, "XSDT", e, 100);
	/* 100 entries fit the arena; claim the rest via length: too long. */
	assert_int_equal(init_mem(36), 0);
	assert_int_equal(tabs.table_count, 100);
	header(XSDT_AT, "XSDT", ACPI_HEADER_LEN + 600 * 8, 1);
	for (unsigned i = 0; i < 600; i++)
		put64(at(XSDT_AT) + ACPI_HEADER_LEN + i * 8, e[i]);
	seal(XSDT_AT);
	assert_int_equal(init_mem(36), 0);
	assert_int_equal(tabs.root_entries, 600);
	assert_int_equal(tabs.table_count, ACPI_MAX_TABLES);
	assert_int_equal(tabs.dropped, 600 - ACPI_MAX_TABLES);
	assert_int_equal(acpi_parse_madt(&tabs, &info), -ENOENT);
	assert_string_equal(info.error, "no MADT");

	/* An RSDT of 36 + 6 bytes: one entry and two stray bytes. */
	e[0] = MADT_AT;
	root(RSDT_AT, "RSDT", e, 1);
	put32(at(RSDT_AT) + 4, ACPI_HEADER_LEN + 6);
	seal(RSDT_AT);
	rsdp_v1((uint32_t)RSDT_AT);
	assert_int_equal(init_mem(20), 0);
	assert_int_equal(tabs.root_entries, 1);
	assert_int_equal(acpi_parse_madt(&tabs, &info), 0);
	/* An empty RSDT is valid and finds nothing. */
	root(RSDT_AT, "RSDT", e, 0);
	assert_int_equal(init_mem(20), 0);
	assert_int_equal(tabs.table_count, 0);
	assert_int_equal(acpi_parse_madt(&tabs, &info), -ENOENT);
}

/*
 * acpi_find_table skips invalid tables: a corrupt MADT before a good one
 * is passed over; only corrupt ones give -ECORRUPT with the reason.
 */
static void test_find_skips_bad_tables(void **state)
{
	const uint64_t e[] = {SSDT_AT, MADT2_AT, MADT_AT, SSDT2_AT, HPET_AT};
	struct acpi_table_ref ref;

	(void)state;
	qemu_madt(MADT_AT);
	qemu_madt(MADT2_AT);
	at(MADT2_AT)[50] ^= 0xff; /* checksum broken */
	simple_table(SSDT_AT, "SSDT", 100);
	simple_table(SSDT2_AT, "SSDT", 200);
	simple_table(HPET_AT, "HPET", 56);
	put32(at(HPET_AT) + 4, 20); /* shorter than the header */
	root(RSDT_AT, "RSDT", e, 5);
	rsdp_v1((uint32_t)RSDT_AT);
	assert_int_equal(init_mem(20), 0);
	assert_int_equal(acpi_find_table(&tabs, "APIC", 0, &ref), 0);
	assert_int_equal(ref.phys, MADT_AT);
	assert_int_equal(acpi_find_table(&tabs, "SSDT", 0, &ref), 0);
	assert_int_equal(ref.len, 100);
	assert_int_equal(acpi_find_table(&tabs, "SSDT", 1, &ref), 0);
	assert_int_equal(ref.len, 200);
	assert_int_equal(acpi_find_table(&tabs, "SSDT", 2, &ref), -ENOENT);
	assert_int_equal(acpi_find_table(&tabs, "HPET", 0, &ref), -ECORRUPT);
	assert_string_equal(ref.why, "table shorter than header");
	assert_null(ref.data);
	assert_int_equal(acpi_find_table(NULL, "HPET", 0, &ref), -EINVAL);
	assert_int_equal(acpi_find_table(&tabs, NULL, 0, &ref), -EINVAL);
	assert_int_equal(acpi_find_table(&tabs, "HPET", 0, NULL), -EINVAL);
	assert_int_equal(acpi_parse_madt(&tabs, NULL), -EINVAL);
	assert_int_equal(acpi_parse_madt(&tabs, &info), 0);
	check_qemu_madt();
	/* Only the corrupt MADT left. */
	at(MADT_AT)[50] ^= 0xff;
	assert_int_equal(acpi_parse_madt(&tabs, &info), -ECORRUPT);
	assert_string_equal(info.error, "table checksum mismatch");
}

static int parse_buf(void)
{
	return acpi_parse_madt_buf(at(madt_phys), madt_len, &info);
}

/* MADT header checks and malformed entry lengths. */
static void test_madt_malformed(void **state)
{
	uint8_t *e;

	(void)state;
	qemu_madt(MADT_AT);
	assert_int_equal(parse_buf(), 0);
	assert_int_equal(acpi_parse_madt_buf(NULL, 44, &info), -EINVAL);
	assert_int_equal(acpi_parse_madt_buf(at(MADT_AT), 44, NULL), -EINVAL);
	assert_int_equal(acpi_parse_madt_buf(at(MADT_AT), 35, &info), -ETRUNC);
	assert_int_equal(acpi_parse_madt_buf(at(MADT_AT), madt_len - 1, &info),
			 -ETRUNC);
	assert_string_equal(info.error, "MADT length past the bytes given");
	at(MADT_AT)[0] = 'X';
	assert_int_equal(parse_buf(), -ECORRUPT);
	at(MADT_AT)[0] = 'A';
	at(MADT_AT)[60] ^= 4;
	assert_int_equal(parse_buf(), -ECORRUPT);
	assert_string_equal(info.error, "MADT checksum mismatch");
	/* Length 43: no room for the flags. */
	madt_begin(MADT_AT, 1, 0xfee00000u, 0);
	madt_end();
	put32(at(MADT_AT) + 4, 43);
	seal(MADT_AT);
	assert_int_equal(acpi_parse_madt_buf(at(MADT_AT), 44, &info),
			 -ECORRUPT);
	assert_string_equal(info.error, "MADT shorter than 44");
	/* An empty MADT (no entries) is fine. */
	madt_begin(MADT_AT, 1, 0xfee00000u, 0);
	madt_end();
	assert_int_equal(parse_buf(), 0);
	assert_int_equal(info.cpu_count, 0);
	assert_false(info.pcat_compat);

	/* Entry of length 0: would loop forever if trusted. */
	madt_begin(MADT_AT, 1, 0xfee00000u, 0);
	madt_lapic(0, 0, 1);
	e = madt_entry(0, 8);
	e[1] = 0;
	madt_end();
	assert_int_equal(parse_buf(), -ECORRUPT);
	assert_string_equal(info.error, "MADT entry length below 2");
	assert_int_equal(info.cpu_count, 1); /* what came before */
	e[1] = 1;
	seal(MADT_AT);
	assert_int_equal(parse_buf(), -ECORRUPT);
	/* Entry overrunning the table. */
	e[1] = 9;
	seal(MADT_AT);
	assert_int_equal(parse_buf(), -ECORRUPT);
	assert_string_equal(info.error, "MADT entry runs past the table end");
	e[1] = 255;
	seal(MADT_AT);
	assert_int_equal(parse_buf(), -ECORRUPT);
	/* A known type shorter than its layout. */
	e[1] = 7;
	madt_len -= 1;
	madt_end();
	assert_int_equal(parse_buf(), -ECORRUPT);
	assert_string_equal(info.error,
			    "MADT entry shorter than its type needs");
	/* One stray byte after the last entry. */
	madt_begin(MADT_AT, 1, 0xfee00000u, 0);
	madt_lapic(0, 0, 1);
	madt_entry(0x80, 1);
	madt_end();
	assert_int_equal(parse_buf(), -ECORRUPT);
	assert_string_equal(info.error, "MADT entry header past the table end");
	/* Each decoded type one byte too short. */
	{
		static const uint8_t types[] = {0, 1, 2, 4, 5, 9, 10};
		static const uint8_t mins[] = {8, 12, 10, 6, 12, 16, 12};

		for (unsigned i = 0; i < sizeof(types); i++) {
			madt_begin(MADT_AT, 1, 0xfee00000u, 0);
			madt_entry(types[i], mins[i] - 1);
			madt_end();
			assert_int_equal(parse_buf(), -ECORRUPT);
			madt_begin(MADT_AT, 1, 0xfee00000u, 0);
			madt_entry(types[i], mins[i]);
			madt_end();
			assert_int_equal(parse_buf(), 0);
		}
	}
}

/* Longer entries than the layout (later ACPI revisions) are accepted. */
static void test_madt_longer_entries_and_unknown_types(void **state)
{
	uint8_t *e;

	(void)state;
	madt_begin(MADT_AT, 6, 0xfee00000u, 0);
	e = madt_entry(0, 12);
	e[3] = 7;
	put32(e + 4, 1);
	madt_entry(0x0b, 80); /* GICC: not decoded on x86 */
	madt_entry(0x7f, 2);
	madt_entry(0x10, 16); /* multiprocessor wakeup */
	madt_entry(3, 8);     /* NMI source: not kept */
	madt_end();
	assert_int_equal(parse_buf(), 0);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.cpus[0].apic_id, 7);
	assert_int_equal(info.ignored, 4);
	assert_int_equal(info.revision, 6);
}

/* More than MAX_CPUS usable CPUs: the first MAX_CPUS are kept. */
static void test_madt_too_many_cpus(void **state)
{
	(void)state;
	madt_begin(MADT_AT, 5, 0xfee00000u, 0);
	for (uint32_t i = 0; i < 255; i++)
		madt_lapic((uint8_t)i, (uint8_t)i, 1);
	for (uint32_t i = 255; i < MAX_CPUS + 44; i++)
		madt_x2apic(i, 1, i);
	madt_end();
	assert_int_equal(parse_buf(), 0);
	assert_int_equal(info.cpu_count, MAX_CPUS);
	assert_int_equal(info.cpus_dropped, 44);
	assert_int_equal(info.cpus[254].apic_id, 254);
	assert_false(info.cpus[254].flags & ACPI_CPU_X2APIC);
	assert_int_equal(info.cpus[255].apic_id, 255);
	assert_true(info.cpus[255].flags & ACPI_CPU_X2APIC);
}

/* More than four I/O APICs; overrides for every ISA IRQ and more. */
static void test_madt_too_many_ioapics_and_overrides(void **state)
{
	(void)state;
	madt_begin(MADT_AT, 1, 0xfee00000u, 0);
	for (uint32_t i = 0; i < 6; i++)
		madt_ioapic((uint8_t)i, 0xfec00000u + i * 0x1000, i * 24);
	for (uint32_t i = 0; i < 20; i++)
		madt_iso(0, (uint8_t)(i % 16), i + 100, 0);
	madt_end();
	assert_int_equal(parse_buf(), 0);
	assert_int_equal(info.ioapic_count, ACPI_MAX_IOAPICS);
	assert_int_equal(info.ioapics_dropped, 2);
	assert_int_equal(info.ioapics[3].gsi_base, 72);
	assert_int_equal(info.override_count, ACPI_MAX_OVERRIDES);
	/* IRQs 0..3 repeat: the first entry of each wins. */
	assert_int_equal(info.duplicates, 4);
	assert_int_equal(info.overrides[0].gsi, 100);
	assert_int_equal(info.overrides_dropped, 0);
}

/* Repeated APIC ids, I/O APIC ids or addresses, address overrides. */
static void test_madt_duplicates(void **state)
{
	(void)state;
	madt_begin(MADT_AT, 1, 0xfee00000u, 0);
	madt_lapic(0, 0, 1);
	madt_lapic(1, 0, 1);  /* same APIC id */
	madt_x2apic(0, 1, 9); /* same id through x2APIC */
	madt_x2apic(1, 1, 1);
	madt_ioapic(1, 0xfec00000u, 0);
	madt_ioapic(1, 0xfec10000u, 24); /* same id */
	madt_ioapic(2, 0xfec00000u, 48); /* same address */
	madt_lapic_addr(0xfee10000u);
	madt_lapic_addr(0xfee20000u);
	madt_end();
	assert_int_equal(parse_buf(), 0);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.cpus[1].apic_id, 1);
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.duplicates, 5);
	assert_true(info.lapic_addr_override);
	assert_int_equal(info.lapic_addr, 0xfee10000u);
}

/* Impossible values are counted as invalid and left out. */
static void test_madt_invalid_values(void **state)
{
	(void)state;
	madt_begin(MADT_AT, 1, 0xfee00000u, 0);
	madt_lapic(0, 0xff, 1);		/* broadcast id */
	madt_x2apic(0xffffffffu, 1, 0); /* likewise */
	madt_ioapic(0, 0, 0);		/* address 0 */
	madt_iso(1, 0, 2, 0);		/* bus not ISA */
	madt_iso(0, 16, 16, 0);		/* not an ISA IRQ */
	madt_iso(0, 3, 3, 2);		/* reserved polarity */
	madt_iso(0, 4, 4, 8);		/* reserved trigger */
	madt_nmi(0, 0, 2);		/* no LINT2 */
	madt_x2nmi(0, 0x2, 0);		/* reserved polarity */
	madt_lapic_addr(0);		/* address 0 */
	madt_iso(0, 4, 4, 0xf);		/* valid: low, level */
	madt_end();
	assert_int_equal(parse_buf(), 0);
	assert_int_equal(info.invalid, 10);
	assert_int_equal(info.cpu_count, 0);
	assert_int_equal(info.ioapic_count, 0);
	assert_int_equal(info.nmi_count, 0);
	assert_false(info.lapic_addr_override);
	assert_int_equal(info.lapic_addr, 0xfee00000u);
	assert_int_equal(info.override_count, 1);
	assert_int_equal(info.overrides[0].polarity, ACPI_POLARITY_LOW);
	assert_int_equal(info.overrides[0].trigger, ACPI_TRIGGER_LEVEL);
}

/*
 * Enabled CPUs are kept; disabled ones are counted; online-capable ones
 * are kept (not usable) only in a MADT of revision >= 5.
 */
static void test_madt_enabled_and_online_capable(void **state)
{
	(void)state;
	madt_begin(MADT_AT, 5, 0xfee00000u, 0);
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 0);
	madt_lapic(2, 2, 2);
	madt_x2apic(300, 2, 3);
	madt_x2apic(301, 3, 4); /* enabled wins over online-capable */
	madt_end();
	assert_int_equal(parse_buf(), 0);
	assert_int_equal(info.cpu_count, 4);
	assert_int_equal(info.cpus_disabled, 1);
	assert_int_equal(info.cpus[0].flags, ACPI_CPU_ENABLED);
	assert_int_equal(info.cpus[1].apic_id, 2);
	assert_int_equal(info.cpus[1].flags, ACPI_CPU_ONLINE_CAPABLE);
	assert_false(acpi_cpu_usable(&info.cpus[1]));
	assert_int_equal(info.cpus[2].flags,
			 ACPI_CPU_ONLINE_CAPABLE | ACPI_CPU_X2APIC);
	assert_int_equal(info.cpus[2].acpi_uid, 3);
	assert_int_equal(info.cpus[3].flags,
			 ACPI_CPU_ENABLED | ACPI_CPU_X2APIC);
	/* Revision 4: bit 1 is reserved, so those CPUs are disabled. */
	at(MADT_AT)[8] = 4;
	seal(MADT_AT);
	assert_int_equal(parse_buf(), 0);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.cpus_disabled, 3);
}

/* The 64-bit local APIC address override and both NMI forms. */
static void test_madt_lapic_override_and_nmis(void **state)
{
	(void)state;
	madt_begin(MADT_AT, 3, 0xfee00000u, 1);
	madt_lapic(0, 0, 1);
	madt_nmi(0xff, 0x5, 1); /* all CPUs, high, edge */
	madt_nmi(3, 0xf, 0);	/* UID 3, low, level */
	madt_x2nmi(0xffffffffu, 0, 1);
	madt_x2nmi(700, 0xd, 1);
	madt_lapic_addr(0x1234567890000ull);
	madt_end();
	assert_int_equal(parse_buf(), 0);
	assert_true(info.lapic_addr_override);
	assert_int_equal(info.lapic_addr, 0x1234567890000ull);
	assert_int_equal(info.nmi_count, 4);
	assert_int_equal(info.nmis[0].acpi_uid, ACPI_UID_ALL);
	assert_int_equal(info.nmis[0].polarity, ACPI_POLARITY_HIGH);
	assert_int_equal(info.nmis[0].trigger, ACPI_TRIGGER_EDGE);
	assert_int_equal(info.nmis[1].acpi_uid, 3);
	assert_int_equal(info.nmis[1].lint, 0);
	assert_int_equal(info.nmis[1].polarity, ACPI_POLARITY_LOW);
	assert_int_equal(info.nmis[1].trigger, ACPI_TRIGGER_LEVEL);
	assert_int_equal(info.nmis[2].acpi_uid, ACPI_UID_ALL);
	assert_int_equal(info.nmis[3].acpi_uid, 700);
	/* More NMI entries than kept. */
	madt_begin(MADT_AT, 3, 0xfee00000u, 1);
	for (unsigned i = 0; i < ACPI_MAX_NMIS + 3; i++)
		madt_x2nmi(i, 0, 1);
	madt_end();
	assert_int_equal(parse_buf(), 0);
	assert_int_equal(info.nmi_count, ACPI_MAX_NMIS);
	assert_int_equal(info.nmis_dropped, 3);
}

/* A map that serves one header at a fixed high address. */
static uint8_t high_hdr[ACPI_HEADER_LEN];
static const void *high_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	assert_true(phys + len > phys);
	if (phys == UINT64_MAX - 4095 && len == ACPI_HEADER_LEN)
		return high_hdr;
	return fake_map(NULL, phys, len);
}

/* A map whose bytes change between two reads of the same table. */
static unsigned flaky_calls;
static const void *flaky_map(void *ctx, uint64_t phys, size_t len)
{
	uint8_t *p = (uint8_t *)fake_map(ctx, phys, len);

	if (p && phys == MADT_AT && ++flaky_calls % 2 == 0)
		p[4] ^= 1; /* the length moved under the parser */
	return p;
}

/*
 * A table whose end would pass 2^64, and a table that changes between the
 * header read and the full read, are both rejected.
 */
static void test_map_edge_cases(void **state)
{
	const uint64_t e[] = {MADT_AT};
	struct acpi_table_ref ref;

	(void)state;
	memcpy(high_hdr, "XSDT", 4);
	put32(high_hdr + 4, 8192);
	rsdp_v2(0, UINT64_MAX - 4095);
	assert_int_equal(acpi_init(&tabs, at(RSDP_AT), 36, high_map, NULL),
			 -ECORRUPT);
	assert_string_equal(tabs.error, "table end wraps");

	qemu_madt(MADT_AT);
	root(RSDT_AT, "RSDT", e, 1);
	rsdp_v1((uint32_t)RSDT_AT);
	flaky_calls = 0;
	assert_int_equal(acpi_init(&tabs, at(RSDP_AT), 20, flaky_map, NULL), 0);
	assert_int_equal(acpi_find_table(&tabs, "APIC", 0, &ref), -ECORRUPT);
	assert_string_equal(ref.why, "table changed while read");
	/* A table set without a map function cannot be searched. */
	tabs.map = NULL;
	assert_int_equal(acpi_find_table(&tabs, "APIC", 0, &ref), -EINVAL);
}

/*
 * 20,000 random corruptions of a full v2 table set (bytes flipped in the
 * RSDP, XSDT, RSDT and MADT, checksums sometimes repaired so the damage
 * reaches the decoders).  Nothing may crash or read out of bounds (ASan),
 * and every result must respect the documented limits.
 */
static void test_random_corruption(void **state)
{
	const uint64_t x[] = {MADT_AT, FADT_AT, HPET_AT};
	static uint8_t pristine[ARENA_SIZE];
	static const uint64_t targets[] = {RSDP_AT, XSDT_AT, RSDT_AT, MADT_AT};
	unsigned seed = 99, ok = 0;

	(void)state;
	qemu_madt(MADT_AT);
	madt_begin(MADT_AT, 5, 0xfee00000u, 1);
	for (unsigned i = 0; i < 8; i++)
		madt_lapic((uint8_t)i, (uint8_t)i, i & 1 ? 1 : 2);
	madt_x2apic(400, 1, 8);
	madt_ioapic(0, 0xfec00000u, 0);
	madt_iso(0, 0, 2, 0);
	madt_iso(0, 9, 9, 0xd);
	madt_nmi(0xff, 0, 1);
	madt_x2nmi(8, 0, 1);
	madt_lapic_addr(0xfee00000u);
	madt_end();
	simple_table(FADT_AT, "FACP", 244);
	simple_table(HPET_AT, "HPET", 56);
	root(XSDT_AT, "XSDT", x, 3);
	root(RSDT_AT, "RSDT", x, 3);
	rsdp_v2((uint32_t)RSDT_AT, XSDT_AT);
	memcpy(pristine, arena, sizeof(arena));
	for (int iter = 0; iter < 20000; iter++) {
		int flips;

		memcpy(arena, pristine, sizeof(arena));
		seed = seed * 1103515245u + 12345u;
		flips = 1 + (seed >> 16) % 4;
		for (int f = 0; f < flips; f++) {
			uint64_t t;
			uint32_t off;

			seed = seed * 1103515245u + 12345u;
			t = targets[(seed >> 8) % 4];
			off = (seed >> 12) % (t == RSDP_AT ? 36 : 160);
			at(t)[off] ^= (uint8_t)(1u << ((seed >> 24) % 8));
			if ((seed >> 28) & 1) {
				fix_sum(at(RSDP_AT), 20, 8);
				fix_sum(at(RSDP_AT), 36, 32);
			}
			/* Reseal over the original length, whatever it says
			 * now. */
			if ((seed >> 29) & 1 && t != RSDP_AT) {
				const uint8_t *o = pristine + (t - ARENA_BASE);

				fix_sum(at(t),
					(uint32_t)o[4] | (uint32_t)o[5] << 8,
					9);
			}
		}
		if (init_mem(36) == 0 && acpi_parse_madt(&tabs, &info) == 0) {
			ok++;
			assert_true(info.cpu_count <= MAX_CPUS);
			assert_true(info.ioapic_count <= ACPI_MAX_IOAPICS);
			assert_true(info.override_count <= ACPI_MAX_OVERRIDES);
			for (uint32_t i = 0; i < info.cpu_count; i++)
				for (uint32_t j = 0; j < i; j++)
					assert_int_not_equal(
					    info.cpus[i].apic_id,
					    info.cpus[j].apic_id);
			for (uint32_t i = 0; i < info.override_count; i++)
				assert_true(info.overrides[i].source_irq < 16);
		}
		assert_non_null(tabs.error);
		free_maps();
	}
	print_message("# %u of 20000 corrupted sets still parsed\n", ok);
	assert_true(ok > 100);
}

#define T(f) cmocka_unit_test_setup_teardown(f, reset, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_v1_rsdt),
	    T(test_v2_prefers_xsdt),
	    T(test_bad_xsdt_falls_back),
	    T(test_rsdp_errors),
	    T(test_root_table_errors),
	    T(test_root_entries_hostile),
	    T(test_find_skips_bad_tables),
	    T(test_madt_malformed),
	    T(test_madt_longer_entries_and_unknown_types),
	    T(test_madt_too_many_cpus),
	    T(test_madt_too_many_ioapics_and_overrides),
	    T(test_madt_duplicates),
	    T(test_madt_invalid_values),
	    T(test_madt_enabled_and_online_capable),
	    T(test_madt_lapic_override_and_nmis),
	    T(test_map_edge_cases),
	    T(test_random_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
