/*
 * tests/unit/virtio_blk_modern_test.c - the modern virtio-pci transport
 * of the virtio-blk core (user/virtio_blk/vblk.c): vblk_parse_caps on
 * QEMU's capability list and on hostile ones (regions missing, outside
 * or misaligned in their BAR, naming BARs the kernel did not give or I/O
 * BARs, too short, absurd multipliers, too many entries), and
 * vblk_start_modern and requests against the simulator in modern mode
 * (virtio_blk_sim.c): VERSION_1, the queue size lowered, ring addresses,
 * the notify address, the config generation, each read-back refused, a
 * bad completion and the reset that follows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/virtio_blk_sim.h"
#include "user/virtio_blk/vblk.h"

#include "abi/errno.h"
#include "abi/syscall_out.h"

/* Entries of sim_modern_records' list. */
enum { C_COMMON, C_ISR, C_DEVICE, C_NOTIFY, C_PCICFG };

struct fx {
	struct sim sim;
	struct vblk d;
	struct vblk_layout lay;
	struct vblk_dma buf;
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static struct fx *fx_new(uint64_t sectors, uint16_t qsize)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct device_caps caps;
	struct device_info info;
	const char *why = NULL;

	sim_init_modern(&f->sim, sectors, qsize);
	sim_modern_records(&caps, &info);
	assert_int_equal(vblk_parse_caps(&caps, &info, &f->lay, &why), 0);
	return f;
}

static int fx_start(struct fx *f)
{
	return vblk_start_modern(&f->d, &sim_ops, &f->sim, &f->lay);
}

static struct fx *fx_started(uint64_t sectors, uint16_t qsize)
{
	struct fx *f = fx_new(sectors, qsize);

	assert_int_equal(fx_start(f), 0);
	f->buf = sim_page(&f->sim);
	assert_non_null(f->buf.va);
	return f;
}

static void fx_free(struct fx *f)
{
	sim_free(&f->sim);
	free(f);
}

/* ---- capabilities ------------------------------------------------- */

/* QEMU's list: the four regions in BAR 4, the multiplier, the PCI
 * configuration access capability (type 5) ignored. */
static void parse_qemu_list(void **state)
{
	struct device_caps caps;
	struct device_info info;
	struct vblk_layout l;
	const char *why = NULL;

	(void)state;
	sim_modern_records(&caps, &info);
	assert_int_equal(vblk_parse_caps(&caps, &info, &l, &why), 0);
	assert_int_equal(l.rgn[VBLK_SPACE_COMMON].bar, 4);
	assert_int_equal(l.rgn[VBLK_SPACE_COMMON].phys,
			 SIM_BAR_BASE + SIM_COMMON_OFF);
	assert_int_equal(l.rgn[VBLK_SPACE_ISR].phys, SIM_BAR_BASE + SIM_ISR_OFF);
	assert_int_equal(l.rgn[VBLK_SPACE_DEVICE].phys,
			 SIM_BAR_BASE + SIM_DEVICE_OFF);
	assert_int_equal(l.rgn[VBLK_SPACE_NOTIFY].phys,
			 SIM_BAR_BASE + SIM_NOTIFY_OFF);
	for (unsigned sp = VBLK_SPACE_COMMON; sp < VBLK_SPACES; sp++)
		assert_int_equal(l.rgn[sp].len, SIM_REGION_LEN);
	assert_int_equal(l.notify_mult, SIM_NOTIFY_MULT);
}

/* One mutation of the good records and the verdict it must get. */
static void expect_parse(struct device_caps *caps, struct device_info *info,
			 int want, const char *why_part)
{
	struct vblk_layout l;
	const char *why = NULL;

	assert_int_equal(vblk_parse_caps(caps, info, &l, &why), want);
	if (why_part) {
		assert_non_null(why);
		if (!strstr(why, why_part))
			fail_msg("why '%s' lacks '%s'", why, why_part);
	}
	sim_modern_records(caps, info); /* back to good for the next one */
}

/* Every hostile value of a region gets its own refusal. */
static void parse_hostile_regions(void **state)
{
	struct device_caps c;
	struct device_info i;
	uint8_t *com, *note;

	(void)state;
	sim_modern_records(&c, &i);
	com = c.cap[C_COMMON].data;
	note = c.cap[C_NOTIFY].data;

	for (unsigned k = C_COMMON; k <= C_NOTIFY; k++) {
		/* A region missing: no capability of its type. */
		static const char *const names[] = {
		    "common configuration", "ISR", "device configuration",
		    "notification"};

		c.cap[k].data[3] = 7;
		expect_parse(&c, &i, -ENODEV, names[k]);
	}
	com[4] = 2; /* a BAR the kernel did not report */
	expect_parse(&c, &i, -ECORRUPT, "did not give");
	i.bar[4].is_io = 1;
	expect_parse(&c, &i, -ECORRUPT, "I/O BAR");
	put32(com + 8, 0x3FF0); /* runs past the 16 KiB BAR */
	expect_parse(&c, &i, -ECORRUPT, "outside");
	put32(com + 8, 0xFFFFFFFFu); /* offset past the BAR */
	expect_parse(&c, &i, -ECORRUPT, "outside");
	put32(com + 12, 0xFFFFFFFFu); /* length past the BAR */
	expect_parse(&c, &i, -ECORRUPT, "outside");
	put32(com + 8, 0x10);
	put32(com + 12, 0xFFFFFFF8u); /* offset + length wraps 32 bits */
	expect_parse(&c, &i, -ECORRUPT, "outside");
	put32(com + 12, VBLK_CC_SIZE - 4); /* common too short */
	expect_parse(&c, &i, -ECORRUPT, "too short");
	put32(c.cap[C_DEVICE].data + 12, 4); /* no room for the capacity */
	expect_parse(&c, &i, -ECORRUPT, "too short");
	put32(c.cap[C_ISR].data + 12, 0);
	expect_parse(&c, &i, -ECORRUPT, "too short");
	put32(com + 8, 2); /* common not 4-aligned */
	expect_parse(&c, &i, -ECORRUPT, "misaligned");
	put32(note + 8, SIM_NOTIFY_OFF + 1); /* notify not 2-aligned */
	put32(note + 12, 0x800);
	expect_parse(&c, &i, -ECORRUPT, "misaligned");
	c.cap[C_COMMON].length = 12; /* the record cut short */
	expect_parse(&c, &i, -ECORRUPT, "shorter");
	com[2] = 8; /* the capability's own length byte */
	expect_parse(&c, &i, -ECORRUPT, "shorter");
	c.cap[C_NOTIFY].length = 16; /* notify without its multiplier */
	note[2] = 16;
	expect_parse(&c, &i, -ECORRUPT, "shorter");
	c.count = DEVICE_CAPS_MAX + 1;
	expect_parse(&c, &i, -ECORRUPT, "more capabilities");
	c.count = 2; /* the list cut after ISR */
	expect_parse(&c, &i, -ENODEV, NULL);
}

/* notify_off_multiplier: 0 or a power of two from 2 to 4096. */
static void parse_multipliers(void **state)
{
	static const uint32_t bad[] = {1, 3, 6, 8192, 0x80000000u, 0xFFFFFFFFu};
	static const uint32_t good[] = {0, 2, 4, 4096};
	struct device_caps c;
	struct device_info i;
	struct vblk_layout l;
	const char *why;

	(void)state;
	sim_modern_records(&c, &i);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		put32(c.cap[C_NOTIFY].data + 16, bad[k]);
		expect_parse(&c, &i, -ECORRUPT, "multiplier");
	}
	for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
		put32(c.cap[C_NOTIFY].data + 16, good[k]);
		assert_int_equal(vblk_parse_caps(&c, &i, &l, &why), 0);
		assert_int_equal(l.notify_mult, good[k]);
	}
}

/* The first capability of a type is used; one naming a reserved BAR
 * (above 5) is skipped (virtio 1.x 4.1.4); non-vendor or stubby entries
 * are skipped; a long region is clamped to what the driver maps. */
static void parse_choices(void **state)
{
	struct device_caps c;
	struct device_info i;
	struct vblk_layout l;
	const char *why;

	(void)state;
	sim_modern_records(&c, &i);
	/* A later, hostile second common capability changes nothing. */
	c.cap[C_PCICFG].data[3] = VBLK_CAP_COMMON;
	put32(c.cap[C_PCICFG].data + 8, 0xFFFFFFF0u);
	put32(c.cap[C_PCICFG].data + 12, 0x100);
	assert_int_equal(vblk_parse_caps(&c, &i, &l, &why), 0);
	assert_int_equal(l.rgn[VBLK_SPACE_COMMON].phys, SIM_BAR_BASE);

	/* The first common capability names BAR 7: the next one counts. */
	c.cap[C_COMMON].data[4] = 7;
	put32(c.cap[C_PCICFG].data + 8, 0x800);
	put32(c.cap[C_PCICFG].data + 12, 0x40);
	assert_int_equal(vblk_parse_caps(&c, &i, &l, &why), 0);
	assert_int_equal(l.rgn[VBLK_SPACE_COMMON].phys, SIM_BAR_BASE + 0x800);
	assert_int_equal(l.rgn[VBLK_SPACE_COMMON].len, 0x40);

	/* Entries without the vendor id or too short to name a type. */
	sim_modern_records(&c, &i);
	c.cap[C_ISR].data[0] = 0x11;
	expect_parse(&c, &i, -ENODEV, "ISR");
	c.cap[C_ISR].length = 4;
	expect_parse(&c, &i, -ENODEV, "ISR");

	/* A 1 MiB notify region in a 2 MiB BAR: clamped. */
	i.bar[4].size = 0x200000;
	put32(c.cap[C_NOTIFY].data + 12, 0x100000);
	assert_int_equal(vblk_parse_caps(&c, &i, &l, &why), 0);
	assert_int_equal(l.rgn[VBLK_SPACE_NOTIFY].len, VBLK_REGION_MAX);
}

/* ---- start-up and requests ---------------------------------------- */

/* The modern sequence on a good device: VERSION_1 and FLUSH accepted,
 * nothing else; queue 0 at the rings, enabled; notify at 3 * 4. */
static void modern_start_good_device(void **state)
{
	struct fx *f = fx_new(2048, 256);

	(void)state;
	assert_int_equal(fx_start(f), 0);
	assert_true(vblk_alive(&f->d));
	assert_true(f->d.modern);
	assert_int_equal(f->d.capacity, 2048);
	assert_int_equal(f->d.qsize, 256);
	assert_int_equal(f->d.features, VBLK_F_FLUSH);
	assert_int_equal(f->d.notify_off, SIM_QUEUE_NOTIFY * SIM_NOTIFY_MULT);
	assert_int_equal(f->sim.guest_features, VBLK_F_FLUSH);
	assert_int_equal(f->sim.guest_hi, VBLK_F_VERSION_1_HI);
	assert_int_equal(f->sim.status,
			 VBLK_STATUS_ACK | VBLK_STATUS_DRIVER |
			     VBLK_STATUS_FEATURES_OK | VBLK_STATUS_DRIVER_OK);
	assert_int_equal(f->sim.q_enable, 1);
	assert_int_equal(f->sim.q_desc, f->d.mem.pa);
	assert_int_equal(f->sim.q_driver, f->d.mem.pa + 16 * 256);
	assert_int_equal(f->sim.q_device, f->d.mem.pa + f->d.used_off);
	assert_int_equal(f->sim.driver_bugs, 0);
	fx_free(f);
}

/* Writes, reads and flushes through the notify region and the ISR; a
 * small queue wraps; the data is the disk's; DMA above 4 GiB is fine
 * (64-bit addresses). */
static void modern_round_trips(void **state)
{
	struct fx *f = fx_new(SIM_DEFAULT_SECT, 4);

	(void)state;
	f->sim.f.dma_pa = 0x12340000000ull; /* rings above 4 GiB */
	assert_int_equal(fx_start(f), 0);
	assert_int_equal(f->sim.q_desc, 0x12340000000ull);
	f->buf = sim_page(&f->sim);
	for (unsigned round = 0; round < 40; round++) {
		uint64_t lba = round % vblk_blocks(&f->d);

		for (size_t b = 0; b < VBLK_BLOCK_SIZE; b++)
			f->buf.va[b] = (uint8_t)(round * 13 + b);
		assert_int_equal(vblk_write(&f->d, lba, &f->buf), 0);
		memset((void *)f->buf.va, 0, VBLK_BLOCK_SIZE);
		assert_int_equal(vblk_read(&f->d, lba, &f->buf), 0);
		for (size_t b = 0; b < VBLK_BLOCK_SIZE; b += 511)
			assert_int_equal(f->buf.va[b], (uint8_t)(round * 13 + b));
		assert_int_equal(vblk_flush(&f->d), 0);
		assert_int_equal(
		    memcmp(f->sim.durable + lba * VBLK_BLOCK_SIZE,
			   f->sim.disk + lba * VBLK_BLOCK_SIZE, VBLK_BLOCK_SIZE),
		    0);
	}
	assert_int_equal(f->sim.notifies, 120);
	assert_int_equal(f->sim.requests, 120);
	assert_int_equal(f->sim.isr, 0); /* every interrupt acknowledged */
	assert_int_equal(f->sim.driver_bugs, 0);
	assert_int_equal(vblk_read(&f->d, vblk_blocks(&f->d), &f->buf),
			 -ERANGE);
	fx_free(f);
}

/* The device's maximum queue size: above 256 it is lowered to 256; a
 * device that will not take that, or offers nonsense, is refused. */
static void modern_queue_sizes(void **state)
{
	static const uint16_t bad[] = {0, 2, 100, 768, 1};
	struct fx *f = fx_new(2048, 1024);

	(void)state;
	assert_int_equal(fx_start(f), 0);
	assert_int_equal(f->d.qsize, 256);
	assert_int_equal(f->sim.qsize, 256);
	assert_int_equal(f->sim.driver_bugs, 0);
	fx_free(f);

	f = fx_new(2048, 32768);
	f->sim.f.qsize_fixed = true;
	assert_int_equal(fx_start(f), -ECORRUPT);
	assert_string_equal(f->d.why, "queue size 256 not kept");
	assert_true(f->d.dead);
	fx_free(f);

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		f = fx_new(2048, bad[k]);
		assert_int_equal(fx_start(f), -ECORRUPT);
		assert_non_null(strstr(f->d.why, "queue"));
		assert_int_equal(f->sim.status & VBLK_STATUS_DRIVER_OK, 0);
		assert_int_equal(f->sim.driver_bugs, 0);
		fx_free(f);
	}
}

/* Each start-up check of the modern sequence, with its reason; the
 * device is left FAILED and never notified. */
static void modern_start_checks(void **state)
{
	static const struct {
		const char *why;
		int rc;
	} want[] = {
	    {"device does not offer VIRTIO_F_VERSION_1", -ECORRUPT},
	    {"queue address did not read back", -ECORRUPT},
	    {"queue enable not kept", -ECORRUPT},
	    {"queue 0 enabled after a reset", -ECORRUPT},
	    {"capacity changes while read", -ECORRUPT},
	    {"notify address outside the notify region", -ECORRUPT},
	    {"FEATURES_OK not accepted", -ECORRUPT},
	    {"register read refused", -EIO},
	    {"register read refused", -EIO},
	};

	(void)state;
	for (unsigned k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		struct fx *f = fx_new(2048, 256);

		switch (k) {
		case 0:
			f->sim.f.no_version_1 = true;
			break;
		case 1:
			f->sim.f.q_addr_wrong = true;
			break;
		case 2:
			f->sim.f.enable_ignored = true;
			break;
		case 3:
			f->sim.f.enabled_at_reset = true;
			break;
		case 4:
			f->sim.f.generation_flips = true;
			break;
		case 5:
			/* 1024 * 4 leaves no room for 2 bytes in 4 KiB. */
			f->sim.q_notify_off = 1024;
			break;
		case 6:
			f->sim.f.features_ok_refused = true;
			break;
		case 7:
			f->sim.f.fail_read_off = VBLK_CC_Q_NOTIFY_OFF + 1;
			break;
		default:
			f->sim.f.fail_read_off = VBLK_CC_DF + 1;
			break;
		}
		assert_int_equal(fx_start(f), want[k].rc);
		assert_string_equal(f->d.why, want[k].why);
		assert_true(f->d.dead);
		assert_true(f->sim.status & VBLK_STATUS_FAILED);
		assert_int_equal(f->sim.notifies, 0);
		assert_int_equal(f->sim.driver_bugs, 0);
		fx_free(f);
	}

	/* The last notify address that fits: 1023 * 4 + 2 <= 4096. */
	struct fx *f = fx_new(2048, 256);

	f->sim.q_notify_off = 1023;
	assert_int_equal(fx_start(f), 0);
	assert_int_equal(f->d.notify_off, 4092);
	f->buf = sim_page(&f->sim);
	assert_int_equal(vblk_read(&f->d, 0, &f->buf), 0);
	assert_int_equal(f->sim.driver_bugs, 0);
	fx_free(f);
}

/* A bad completion: the request fails with its reason, the device is
 * reset through the common region and started again (modern sequence)
 * before the next request, which works. */
static void modern_bad_completion_then_recovery(void **state)
{
	struct fx *f = fx_started(SIM_DEFAULT_SECT, 256);
	unsigned resets = f->sim.resets;

	(void)state;
	sim_fill_block(&f->sim, 3, 0x42);
	f->sim.f.req = SIM_USED_ID_WRONG;
	f->sim.f.req_count = 1;
	assert_int_equal(vblk_read(&f->d, 3, &f->buf), -ECORRUPT);
	assert_string_equal(f->d.why, "used id is not the posted head");
	assert_int_equal(f->sim.resets, resets + 1);
	assert_false(f->d.ready);
	assert_int_equal(vblk_read(&f->d, 3, &f->buf), 0);
	assert_int_equal(f->buf.va[0], 0x42);
	assert_int_equal(f->buf.va[1], 0x42 + 7);
	assert_int_equal(f->sim.q_enable, 1);
	assert_int_equal(f->sim.guest_hi, VBLK_F_VERSION_1_HI);
	assert_int_equal(f->d.failures, 0);

	/* Three in a row kill it; FAILED goes to the common region. */
	f->sim.f.req = SIM_STATUS_BAD;
	f->sim.f.req_count = -1;
	for (int i = 0; i < 3; i++)
		assert_int_equal(vblk_read(&f->d, 3, &f->buf), -ECORRUPT);
	assert_true(f->d.dead);
	assert_true(f->sim.status & VBLK_STATUS_FAILED);
	assert_int_equal(vblk_read(&f->d, 3, &f->buf), -ENODEV);
	assert_int_equal(f->sim.driver_bugs, 0);
	fx_free(f);
}

/* The ISR read refused during a request is an I/O failure. */
static void modern_isr_refused(void **state)
{
	struct fx *f = fx_started(SIM_DEFAULT_SECT, 256);

	(void)state;
	f->sim.f.fail_read_off = VBLK_REG_ISR + 1; /* the sim's ISR switch */
	assert_int_equal(vblk_read(&f->d, 0, &f->buf), -EIO);
	assert_string_equal(f->d.why, "register read refused");
	f->sim.f.fail_read_off = 0;
	assert_int_equal(vblk_read(&f->d, 0, &f->buf), 0);
	assert_int_equal(f->sim.driver_bugs, 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_qemu_list),
	    cmocka_unit_test(parse_hostile_regions),
	    cmocka_unit_test(parse_multipliers),
	    cmocka_unit_test(parse_choices),
	    cmocka_unit_test(modern_start_good_device),
	    cmocka_unit_test(modern_round_trips),
	    cmocka_unit_test(modern_queue_sizes),
	    cmocka_unit_test(modern_start_checks),
	    cmocka_unit_test(modern_bad_completion_then_recovery),
	    cmocka_unit_test(modern_isr_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
