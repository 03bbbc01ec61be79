/*
 * kernel/acpi/acpi.c - RSDP, RSDT/XSDT and MADT parsing (ACPI 6.5
 * sections 5.2.5 RSDP, 5.2.6 header, 5.2.7 RSDT, 5.2.8 XSDT, 5.2.12 MADT).
 *
 * Firmware bytes are hostile: each read is preceded by a check that it
 * lies inside what was mapped, and the length a table was validated with
 * is the one used afterwards, even if the bytes change under us.
 */
#include "kernel/acpi/acpi.h"

#include "lib/klib/endian.h"
#include "lib/klib/string.h"

#include "abi/errno.h"

/* RSDP layout (5.2.5.3). */
#define RSDP_SIG	  "RSD PTR "
#define RSDP_OFF_OEM	  9
#define RSDP_OFF_REVISION 15
#define RSDP_OFF_RSDT	  16
#define RSDP_OFF_LENGTH	  20
#define RSDP_OFF_XSDT	  24

/* System description header (5.2.6). */
#define HDR_OFF_LENGTH	 4
#define HDR_OFF_REVISION 8

/* MADT (5.2.12): header, local APIC address, flags, then entries. */
#define MADT_OFF_LAPIC		36
#define MADT_OFF_FLAGS		40
#define MADT_ENTRIES		44
#define MADT_PCAT_COMPAT	1u
#define MADT_REV_ONLINE_CAPABLE 5 /* ACPI 6.3 defined the bit */

enum madt_type {
	MADT_LAPIC = 0,
	MADT_IOAPIC = 1,
	MADT_OVERRIDE = 2,
	MADT_LAPIC_NMI = 4,
	MADT_LAPIC_ADDR = 5,
	MADT_X2APIC = 9,
	MADT_X2APIC_NMI = 10,
};

#define LAPIC_FLAG_ENABLED	  1u
#define LAPIC_FLAG_ONLINE_CAPABLE 2u
#define XAPIC_ID_INVALID	  0xffu
#define X2APIC_ID_INVALID	  0xffffffffu
#define ISA_IRQS		  16u

static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

static int fail(const char **why, int err, const char *reason)
{
	*why = reason;
	return err;
}

/*
 * Map and validate the table at phys: reachable, signature sig (when not
 * NULL), length within [ACPI_HEADER_LEN, ACPI_MAX_TABLE_LEN] and not
 * wrapping, checksum zero.
 */
static int map_table(acpi_map_fn map, void *ctx, uint64_t phys, const char *sig,
		     struct acpi_table_ref *out)
{
	const uint8_t *h, *t;
	uint32_t len;

	if (phys == 0)
		return fail(&out->why, -EFAULT, "table address is 0");
	if (phys > UINT64_MAX - ACPI_HEADER_LEN)
		return fail(&out->why, -ECORRUPT, "table address wraps");
	h = map(ctx, phys, ACPI_HEADER_LEN);
	if (!h)
		return fail(&out->why, -EFAULT, "table header unreachable");
	if (sig && memcmp(h, sig, ACPI_SIG_LEN) != 0)
		return fail(&out->why, -ECORRUPT, "table signature mismatch");
	len = le32_load(h + HDR_OFF_LENGTH);
	if (len < ACPI_HEADER_LEN)
		return fail(&out->why, -ECORRUPT, "table shorter than header");
	if (len > ACPI_MAX_TABLE_LEN)
		return fail(&out->why, -ECORRUPT, "table length implausible");
	if (phys > UINT64_MAX - len)
		return fail(&out->why, -ECORRUPT, "table end wraps");
	t = map(ctx, phys, len);
	if (!t)
		return fail(&out->why, -EFAULT, "table body unreachable");
	/* Re-check what we now read through, in case the bytes moved. */
	if (le32_load(t + HDR_OFF_LENGTH) != len || memcmp(t, h, ACPI_SIG_LEN) != 0)
		return fail(&out->why, -ECORRUPT, "table changed while read");
	if (!checksum_ok(t, len))
		return fail(&out->why, -ECORRUPT, "table checksum mismatch");
	out->data = t;
	out->len = len;
	out->phys = phys;
	out->why = "ok";
	return 0;
}

static bool have_table(const struct acpi_tables *a, uint64_t phys)
{
	for (uint32_t i = 0; i < a->table_count; i++) {
		if (a->tables[i] == phys)
			return true;
	}
	return false;
}

/*
 * Validate the RSDT (esize 4) or XSDT (esize 8) at phys and copy its
 * entries.  Only the first ACPI_MAX_TABLES entries are examined, which
 * bounds the work a hostile table can cause.
 */
static int load_root(struct acpi_tables *a, uint64_t phys, const char *sig,
		     uint32_t esize)
{
	struct acpi_table_ref ref = {0};
	uint32_t n;
	int err;

	err = map_table(a->map, a->map_ctx, phys, sig, &ref);
	if (err)
		return fail(&a->error, err, ref.why);
	/* A trailing partial entry is ignored, as its bytes name nothing. */
	n = (ref.len - ACPI_HEADER_LEN) / esize;
	a->root_phys = phys;
	a->root_entries = n;
	a->table_count = 0;
	a->dropped = 0;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = ref.data + ACPI_HEADER_LEN + i * esize;
		uint64_t t = esize == 8 ? le64_load(e) : le32_load(e);

		if (i >= ACPI_MAX_TABLES || t == 0 || t == phys ||
		    have_table(a, t)) {
			a->dropped++;
			continue;
		}
		a->tables[a->table_count++] = t;
	}
	a->xsdt = esize == 8;
	a->error = "ok";
	return 0;
}

/* Prefer the XSDT; fall back to the RSDT when the XSDT is bad (5.2.5). */
static int choose_root(struct acpi_tables *a, uint64_t rsdt, uint64_t xsdt)
{
	int err = -ENOENT;

	if (xsdt) {
		err = load_root(a, xsdt, "XSDT", 8);
		if (!err)
			return 0;
		a->xsdt_rejected = true;
		a->xsdt_error = a->error;
	}
	if (rsdt)
		return load_root(a, rsdt, "RSDT", 4);
	if (err == -ENOENT)
		return fail(&a->error, -ENOENT, "RSDP names no RSDT or XSDT");
	return err;
}

int acpi_init(struct acpi_tables *a, const void *rsdp, size_t rsdp_len,
	      acpi_map_fn map, void *map_ctx)
{
	const uint8_t *p = rsdp;
	uint64_t xsdt = 0;

	if (!a)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->map = map;
	a->map_ctx = map_ctx;
	a->error = "ok";
	if (!rsdp || !map)
		return fail(&a->error, -EINVAL, "no RSDP or no map function");
	if (rsdp_len < ACPI_RSDP_V1_LEN)
		return fail(&a->error, -ETRUNC, "RSDP shorter than 20 bytes");
	if (memcmp(p, RSDP_SIG, 8) != 0)
		return fail(&a->error, -ECORRUPT, "RSDP signature mismatch");
	if (!checksum_ok(p, ACPI_RSDP_V1_LEN))
		return fail(&a->error, -ECORRUPT, "RSDP checksum mismatch");
	a->rsdp_revision = p[RSDP_OFF_REVISION];
	memcpy(a->oem_id, p + RSDP_OFF_OEM, 6);
	/* Revision 2+ given in 20 bytes (a multiboot "old" copy): ACPI 1.0. */
	if (a->rsdp_revision >= 2 && rsdp_len >= ACPI_RSDP_V2_LEN) {
		uint32_t len = le32_load(p + RSDP_OFF_LENGTH);

		if (len < ACPI_RSDP_V2_LEN || len > ACPI_RSDP_MAX_LEN)
			return fail(&a->error, -ECORRUPT,
				    "RSDP length field implausible");
		if (len > rsdp_len)
			return fail(&a->error, -ETRUNC,
				    "RSDP length past the bytes given");
		if (!checksum_ok(p, len))
			return fail(&a->error, -ECORRUPT,
				    "RSDP extended checksum mismatch");
		xsdt = le64_load(p + RSDP_OFF_XSDT);
	}
	return choose_root(a, le32_load(p + RSDP_OFF_RSDT), xsdt);
}

int acpi_init_phys(struct acpi_tables *a, uint64_t rsdp_phys, acpi_map_fn map,
		   void *map_ctx)
{
	const uint8_t *p;
	size_t len = ACPI_RSDP_V1_LEN;

	if (!a || !map)
		return -EINVAL;
	if (rsdp_phys == 0 || rsdp_phys > UINT64_MAX - ACPI_RSDP_MAX_LEN) {
		memset(a, 0, sizeof(*a));
		return fail(&a->error, -EFAULT, "RSDP address implausible");
	}
	p = map(map_ctx, rsdp_phys, len);
	if (p && p[RSDP_OFF_REVISION] >= 2) {
		/* Map what the length field claims; acpi_init() judges it. */
		len = ACPI_RSDP_V2_LEN;
		p = map(map_ctx, rsdp_phys, len);
		if (p) {
			uint32_t claimed = le32_load(p + RSDP_OFF_LENGTH);

			if (claimed > len && claimed <= ACPI_RSDP_MAX_LEN) {
				len = claimed;
				p = map(map_ctx, rsdp_phys, len);
			}
		}
	}
	if (!p) {
		memset(a, 0, sizeof(*a));
		return fail(&a->error, -EFAULT, "RSDP unreachable");
	}
	return acpi_init(a, p, len, map, map_ctx);
}

int acpi_find_table(const struct acpi_tables *a, const char *sig,
		    uint32_t index, struct acpi_table_ref *out)
{
	int err = -ENOENT;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->why = "no such table";
	if (!a || !sig || !a->map)
		return fail(&out->why, -EINVAL, "bad arguments");
	for (uint32_t i = 0; i < a->table_count; i++) {
		struct acpi_table_ref ref = {0};
		const uint8_t *h;

		if (a->tables[i] > UINT64_MAX - ACPI_HEADER_LEN)
			continue;
		h = a->map(a->map_ctx, a->tables[i], ACPI_HEADER_LEN);
		if (!h || memcmp(h, sig, ACPI_SIG_LEN) != 0)
			continue;
		if (map_table(a->map, a->map_ctx, a->tables[i], sig, &ref)) {
			err = -ECORRUPT;
			out->why = ref.why;
			continue;
		}
		if (index-- == 0) {
			*out = ref;
			return 0;
		}
	}
	return err;
}

int acpi_parse_madt(const struct acpi_tables *a, struct acpi_madt_info *out)
{
	struct acpi_table_ref ref;
	int err;

	if (!out)
		return -EINVAL;
	err = acpi_find_table(a, "APIC", 0, &ref);
	if (err) {
		memset(out, 0, sizeof(*out));
		out->error = err == -ENOENT ? "no MADT" : ref.why;
		return err;
	}
	return acpi_parse_madt_buf(ref.data, ref.len, out);
}

/* --- MADT entries ------------------------------------------------------ */

static void add_cpu(struct acpi_madt_info *m, uint32_t apic_id, uint32_t uid,
		    uint32_t lapic_flags, uint32_t kind)
{
	uint32_t flags = kind;

	if (lapic_flags & LAPIC_FLAG_ENABLED)
		flags |= ACPI_CPU_ENABLED;
	else if ((lapic_flags & LAPIC_FLAG_ONLINE_CAPABLE) &&
		 m->revision >= MADT_REV_ONLINE_CAPABLE)
		flags |= ACPI_CPU_ONLINE_CAPABLE;
	else {
		m->cpus_disabled++;
		return;
	}
	/* One APIC id, one CPU: a repeat would get INIT-SIPI twice. */
	for (uint32_t i = 0; i < m->cpu_count; i++) {
		if (m->cpus[i].apic_id == apic_id) {
			m->duplicates++;
			return;
		}
	}
	if (m->cpu_count >= MAX_CPUS) {
		m->cpus_dropped++;
		return;
	}
	m->cpus[m->cpu_count++] = (struct acpi_cpu){
	    .apic_id = apic_id,
	    .acpi_uid = uid,
	    .flags = flags,
	};
}

static void add_ioapic(struct acpi_madt_info *m, const uint8_t *e)
{
	uint8_t id = e[2];
	uint32_t addr = le32_load(e + 4);

	if (addr == 0) {
		m->invalid++;
		return;
	}
	for (uint32_t i = 0; i < m->ioapic_count; i++) {
		if (m->ioapics[i].id == id || m->ioapics[i].addr == addr) {
			m->duplicates++;
			return;
		}
	}
	if (m->ioapic_count >= ACPI_MAX_IOAPICS) {
		m->ioapics_dropped++;
		return;
	}
	m->ioapics[m->ioapic_count++] = (struct acpi_ioapic){
	    .id = id,
	    .addr = addr,
	    .gsi_base = le32_load(e + 8),
	};
}

/* MPS INTI flags: polarity bits 1:0, trigger bits 3:2; 2 is reserved. */
static bool inti_ok(uint16_t flags)
{
	return (flags & 3u) != 2 && ((flags >> 2) & 3u) != 2;
}

static void add_override(struct acpi_madt_info *m, const uint8_t *e)
{
	uint8_t bus = e[2], irq = e[3];
	uint16_t flags = le16_load(e + 8);

	if (bus != 0 || irq >= ISA_IRQS || !inti_ok(flags)) {
		m->invalid++;
		return;
	}
	for (uint32_t i = 0; i < m->override_count; i++) {
		if (m->overrides[i].source_irq == irq) {
			m->duplicates++;
			return;
		}
	}
	/* Unreachable while both limits are 16; kept for a larger ISA_IRQS. */
	if (m->override_count >= ACPI_MAX_OVERRIDES) {
		m->overrides_dropped++;
		return;
	}
	m->overrides[m->override_count++] = (struct acpi_override){
	    .source_irq = irq,
	    .gsi = le32_load(e + 4),
	    .polarity = flags & 3u,
	    .trigger = (flags >> 2) & 3u,
	};
}

static void add_nmi(struct acpi_madt_info *m, uint32_t uid, uint16_t flags,
		    uint8_t lint)
{
	if (lint > 1 || !inti_ok(flags)) {
		m->invalid++;
		return;
	}
	if (m->nmi_count >= ACPI_MAX_NMIS) {
		m->nmis_dropped++;
		return;
	}
	m->nmis[m->nmi_count++] = (struct acpi_lapic_nmi){
	    .acpi_uid = uid,
	    .lint = lint,
	    .polarity = flags & 3u,
	    .trigger = (flags >> 2) & 3u,
	};
}

static void set_lapic_addr(struct acpi_madt_info *m, uint64_t addr)
{
	if (addr == 0) {
		m->invalid++;
		return;
	}
	if (m->lapic_addr_override) {
		m->duplicates++;
		return;
	}
	m->lapic_addr = addr;
	m->lapic_addr_override = true;
}

/* Smallest length of each decoded entry type; 0 = not decoded. */
static uint8_t entry_min_len(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC:
		return 8;
	case MADT_IOAPIC:
		return 12;
	case MADT_OVERRIDE:
		return 10;
	case MADT_LAPIC_NMI:
		return 6;
	case MADT_LAPIC_ADDR:
		return 12;
	case MADT_X2APIC:
		return 16;
	case MADT_X2APIC_NMI:
		return 12;
	default:
		return 0;
	}
}

/* e[0, len) is in bounds and len >= entry_min_len(e[0]) > 0. */
static void parse_entry(struct acpi_madt_info *m, const uint8_t *e)
{
	switch (e[0]) {
	case MADT_LAPIC:
		if (e[3] == XAPIC_ID_INVALID)
			m->invalid++;
		else
			add_cpu(m, e[3], e[2], le32_load(e + 4), 0);
		break;
	case MADT_X2APIC:
		if (le32_load(e + 4) == X2APIC_ID_INVALID)
			m->invalid++;
		else
			add_cpu(m, le32_load(e + 4), le32_load(e + 12), le32_load(e + 8),
				ACPI_CPU_X2APIC);
		break;
	case MADT_IOAPIC:
		add_ioapic(m, e);
		break;
	case MADT_OVERRIDE:
		add_override(m, e);
		break;
	case MADT_LAPIC_NMI:
		add_nmi(m, e[2] == 0xff ? ACPI_UID_ALL : e[2], le16_load(e + 3),
			e[5]);
		break;
	case MADT_X2APIC_NMI:
		add_nmi(m, le32_load(e + 4), le16_load(e + 2), e[8]);
		break;
	case MADT_LAPIC_ADDR:
		set_lapic_addr(m, le64_load(e + 4));
		break;
	default:
		break;
	}
}

static int parse_entries(struct acpi_madt_info *m, const uint8_t *p,
			 uint32_t len)
{
	uint32_t off = MADT_ENTRIES;

	while (off < len) {
		uint8_t type, elen, min;

		if (len - off < 2)
			return fail(&m->error, -ECORRUPT,
				    "MADT entry header past the table end");
		type = p[off];
		elen = p[off + 1];
		if (elen < 2)
			return fail(&m->error, -ECORRUPT,
				    "MADT entry length below 2");
		if (elen > len - off)
			return fail(&m->error, -ECORRUPT,
				    "MADT entry runs past the table end");
		min = entry_min_len(type);
		if (min == 0)
			m->ignored++;
		else if (elen < min)
			return fail(&m->error, -ECORRUPT,
				    "MADT entry shorter than its type needs");
		else
			parse_entry(m, p + off);
		off += elen;
	}
	return 0;
}

int acpi_parse_madt_buf(const void *madt, size_t len,
			struct acpi_madt_info *out)
{
	const uint8_t *p = madt;
	uint32_t tlen;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->error = "ok";
	if (!madt)
		return fail(&out->error, -EINVAL, "no MADT");
	if (len < ACPI_HEADER_LEN)
		return fail(&out->error, -ETRUNC, "MADT shorter than header");
	if (memcmp(p, "APIC", ACPI_SIG_LEN) != 0)
		return fail(&out->error, -ECORRUPT, "MADT signature mismatch");
	tlen = le32_load(p + HDR_OFF_LENGTH);
	if (tlen > len)
		return fail(&out->error, -ETRUNC,
			    "MADT length past the bytes given");
	if (tlen < MADT_ENTRIES)
		return fail(&out->error, -ECORRUPT, "MADT shorter than 44");
	if (!checksum_ok(p, tlen))
		return fail(&out->error, -ECORRUPT, "MADT checksum mismatch");
	out->revision = p[HDR_OFF_REVISION];
	out->lapic_addr = le32_load(p + MADT_OFF_LAPIC);
	out->pcat_compat = (le32_load(p + MADT_OFF_FLAGS) & MADT_PCAT_COMPAT) != 0;
	return parse_entries(out, p, tlen);
}
