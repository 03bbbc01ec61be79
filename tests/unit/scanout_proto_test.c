/*
 * tests/unit/scanout_proto_test.c - the codecs of abi/scanout.h
 * (user/compositor/proto.c): byte layouts, round trips, and refusal of
 * hostile bytes (wrong lengths, too many rectangles, bad enums, non-zero
 * padding, random garbage).  Decoding reads a heap copy of exactly the
 * message's length, so ASan catches any read past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/errno.h"
#include "abi/scanout.h"
#include "user/compositor/proto.h"

static int decode_copy(const void *bytes, size_t len, struct scanout_msg *out)
{
	void *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	ret = scanout_decode(copy, len, out);
	free(copy);
	return ret;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* The byte layout docs/compositor.md gives for a few messages. */
static void test_wire_layouts(void **state)
{
	struct scanout_msg m = {.tag = SCANOUT_REGISTER_COMPOSITOR};
	uint8_t buf[256];

	(void)state;
	m.u.hello.version = SCANOUT_VERSION;
	assert_int_equal(scanout_encode(&m, buf, sizeof(buf)), 16);
	assert_memory_equal(buf,
			    "\x01\x02\x00\x00\x01\x00\x00\x00"
			    "\x00\x00\x00\x00\x00\x00\x00\x00",
			    16);

	memset(&m, 0, sizeof(m));
	m.tag = SCANOUT_FRAME_READY;
	m.u.frame.target = 3;
	m.u.frame.rect_count = 2;
	m.u.frame.rects[0] = (struct scanout_rect){1, 2, 3, 4};
	m.u.frame.rects[1] = (struct scanout_rect){0x100, 0, 10, 10};
	assert_int_equal(scanout_encode(&m, buf, sizeof(buf)), 32);
	assert_memory_equal(buf,
			    "\x02\x02\x00\x00\x03\x00\x00\x00\x02\x00\x00\x00"
			    "\x00\x00\x00\x00\x01\x00\x02\x00\x03\x00\x04\x00"
			    "\x00\x01\x00\x00\x0a\x00\x0a\x00",
			    32);

	memset(&m, 0, sizeof(m));
	m.tag = SCANOUT_DISPLAY_CONNECTED;
	m.u.display.info.display_id = 7;
	m.u.display.info.state = SCANOUT_CONNECTED;
	m.u.display.info.backing_scale = 200;
	m.u.display.info.geometry.width = 1920;
	m.u.display.info.capabilities = SCANOUT_CAP_PARTIAL;
	m.u.display.info.edid_hash[0] = 0xAB;
	m.u.display.channel_id = 0x1122334455667788ull;
	assert_int_equal(scanout_encode(&m, buf, sizeof(buf)), 80);
	assert_int_equal(buf[8], 7);	  /* display_id */
	assert_int_equal(buf[12], 1);	  /* state */
	assert_int_equal(buf[14], 200);	  /* backing_scale */
	assert_int_equal(buf[16] | buf[17] << 8, 1920); /* width */
	assert_int_equal(buf[36], 4);	  /* capabilities */
	assert_int_equal(buf[40], 0xAB);  /* edid_hash */
	assert_int_equal(buf[72], 0x88);  /* channel_id, LE */
	assert_int_equal(buf[79], 0x11);
}

/* Every message encodes and decodes back to itself. */
static void test_round_trips(void **state)
{
	static const uint32_t tags[] = {
	    SCANOUT_WELCOME_COMPOSITOR, SCANOUT_DISPLAY_CONNECTED,
	    SCANOUT_DISPLAY_DISCONNECTED, SCANOUT_DISPLAY_MODE_CHANGED,
	    SCANOUT_FRAME_DISPLAYED, SCANOUT_BUFFER_ALLOCATED,
	    SCANOUT_MODE_REJECTED_MSG, SCANOUT_REGISTER_COMPOSITOR,
	    SCANOUT_FRAME_READY, SCANOUT_REQUEST_MODE_CHANGE,
	    SCANOUT_QUERY_DISPLAY_MODES, COMP_QUERY_DISPLAYS,
	    COMP_DISPLAY_INFO, COMP_CREATE_SURFACE, COMP_FRAME_READY,
	    COMP_QUERY_DISPLAYS | COMP_REPLY, COMP_DISPLAY_INFO | COMP_REPLY,
	    COMP_CREATE_SURFACE | COMP_REPLY, COMP_FRAME_READY | COMP_REPLY,
	    COMP_ERROR_REPLY,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		struct scanout_msg m, back;
		uint8_t buf[256];
		size_t len;

		memset(&m, 0, sizeof(m));
		m.tag = tags[i];
		if (m.tag == SCANOUT_REGISTER_COMPOSITOR ||
		    m.tag == SCANOUT_WELCOME_COMPOSITOR)
			m.u.hello.version = SCANOUT_VERSION;
		if (m.tag == SCANOUT_FRAME_READY || m.tag == COMP_FRAME_READY) {
			m.u.frame.rect_count = SCANOUT_MAX_RECTS;
			for (unsigned r = 0; r < SCANOUT_MAX_RECTS; r++)
				m.u.frame.rects[r] =
				    (struct scanout_rect){r, r, 1, 1};
		}
		len = scanout_encode(&m, buf, sizeof(buf));
		assert_int_not_equal(len, 0);
		assert_int_equal(len, scanout_msg_len(m.tag, m.u.frame.rect_count));
		assert_int_equal(decode_copy(buf, len, &back), 0);
		assert_int_equal(back.tag, m.tag);
		assert_memory_equal(&back.u, buf, len);
		/* One byte short or long is refused. */
		assert_int_equal(decode_copy(buf, len - 1, &back), -ECORRUPT);
		buf[len] = 0;
		assert_int_equal(decode_copy(buf, len + 1, &back), -ECORRUPT);
		/* A buffer too small to encode into gives 0. */
		assert_int_equal(scanout_encode(&m, buf, len - 1), 0);
	}
}

/* Encoding zeroes padding a careless caller left set. */
static void test_encode_clears_padding(void **state)
{
	struct scanout_msg m, back;
	uint8_t buf[256];
	size_t len;

	(void)state;
	memset(&m, 0xFF, sizeof(m));
	m.tag = SCANOUT_DISPLAY_CONNECTED;
	m.u.display.info.state = 1;
	m.u.display.info.format = 0;
	m.u.display.info.capabilities = 0;
	len = scanout_encode(&m, buf, sizeof(buf));
	assert_int_equal(len, 80);
	assert_int_equal(decode_copy(buf, len, &back), 0);
}

/* Lengths, unknown tags, the rectangle bound. */
static void test_refuses_bad_framing(void **state)
{
	struct scanout_msg m;
	uint8_t buf[256] = {0};

	(void)state;
	assert_int_equal(decode_copy(buf, 0, &m), -ETRUNC);
	assert_int_equal(decode_copy(buf, 3, &m), -ETRUNC);
	assert_int_equal(scanout_decode(NULL, 8, &m), -ETRUNC);
	put32(buf, 0xDEADBEEF);
	assert_int_equal(decode_copy(buf, 8, &m), -EINVAL);
	put32(buf, 0);
	assert_int_equal(decode_copy(buf, 8, &m), -EINVAL);
	/* FrameReady: 17 rectangles, a huge count, a header cut short, and
	 * a count that disagrees with the length. */
	put32(buf, COMP_FRAME_READY);
	put32(buf + 8, 17);
	assert_int_equal(decode_copy(buf, 16 + 17 * 8, &m), -ECORRUPT);
	put32(buf + 8, 0xFFFFFFFF);
	assert_int_equal(decode_copy(buf, 256, &m), -ECORRUPT);
	put32(buf + 8, 0);
	assert_int_equal(decode_copy(buf, 12, &m), -ECORRUPT);
	assert_int_equal(decode_copy(buf, 16, &m), 0);
	put32(buf + 8, 2);
	assert_int_equal(decode_copy(buf, 16 + 8, &m), -ECORRUPT);
	assert_int_equal(scanout_msg_len(SCANOUT_FRAME_READY, 17), 0);
	m.tag = SCANOUT_FRAME_READY;
	m.u.frame.rect_count = 17;
	assert_int_equal(scanout_encode(&m, buf, sizeof(buf)), 0);
}

/* Field values out of range. */
static void test_refuses_bad_fields(void **state)
{
	struct scanout_msg m, out;
	uint8_t buf[256];
	size_t len;

	(void)state;
	/* Version and display count of the handshake. */
	memset(&m, 0, sizeof(m));
	m.tag = SCANOUT_WELCOME_COMPOSITOR;
	m.u.hello.version = 2;
	len = scanout_encode(&m, buf, sizeof(buf));
	assert_int_equal(decode_copy(buf, len, &out), -EVERSION);
	m.u.hello.version = SCANOUT_VERSION;
	m.u.hello.display_count = SCANOUT_MAX_DISPLAYS + 1;
	len = scanout_encode(&m, buf, sizeof(buf));
	assert_int_equal(decode_copy(buf, len, &out), -ECORRUPT);
	buf[12] = 1, buf[4 + 4] = 0; /* padding */
	assert_int_equal(decode_copy(buf, len, &out), -ECORRUPT);

	/* DisplayInfo enums. */
	memset(&m, 0, sizeof(m));
	m.tag = SCANOUT_DISPLAY_MODE_CHANGED;
	len = scanout_encode(&m, buf, sizeof(buf));
	assert_int_equal(decode_copy(buf, len, &out), 0);
	buf[12] = 2; /* state */
	assert_int_equal(decode_copy(buf, len, &out), -ECORRUPT);
	buf[12] = 1, buf[13] = SCANOUT_FORMAT_COUNT; /* format */
	assert_int_equal(decode_copy(buf, len, &out), -ECORRUPT);
	buf[13] = 0, buf[36] = 8; /* capability bit 3 */
	assert_int_equal(decode_copy(buf, len, &out), -ECORRUPT);
	buf[36] = 0, buf[30] = 1; /* zero after geometry's bpp */
	assert_int_equal(decode_copy(buf, len, &out), -ECORRUPT);

	/* Rectangles: empty, or running past 65535. */
	memset(&m, 0, sizeof(m));
	m.tag = SCANOUT_FRAME_READY;
	m.u.frame.rect_count = 1;
	m.u.frame.rects[0] = (struct scanout_rect){0, 0, 0, 5};
	len = scanout_encode(&m, buf, sizeof(buf));
	assert_int_equal(decode_copy(buf, len, &out), -ECORRUPT);
	m.u.frame.rects[0] = (struct scanout_rect){0xFFFF, 0, 1, 1};
	len = scanout_encode(&m, buf, sizeof(buf));
	assert_int_equal(decode_copy(buf, len, &out), -ECORRUPT);
	m.u.frame.rects[0] = (struct scanout_rect){0xFFFE, 0xFFFE, 1, 1};
	len = scanout_encode(&m, buf, sizeof(buf));
	assert_int_equal(decode_copy(buf, len, &out), 0);

	/* Client requests: QueryDisplays' argument, a surface format. */
	memset(&m, 0, sizeof(m));
	m.tag = COMP_QUERY_DISPLAYS;
	m.u.simple.arg = 1;
	len = scanout_encode(&m, buf, sizeof(buf));
	assert_int_equal(decode_copy(buf, len, &out), -ECORRUPT);
	memset(&m, 0, sizeof(m));
	m.tag = COMP_CREATE_SURFACE;
	m.u.create.format = 9;
	len = scanout_encode(&m, buf, sizeof(buf));
	assert_int_equal(decode_copy(buf, len, &out), -ECORRUPT);

	/* Replies a client decodes: status, mode and count bounds. */
	memset(&m, 0, sizeof(m));
	m.tag = COMP_QUERY_DISPLAYS | COMP_REPLY;
	m.u.displays.display_count = 9;
	len = scanout_encode(&m, buf, sizeof(buf));
	assert_int_equal(decode_copy(buf, len, &out), -ECORRUPT);
	m.u.displays.display_count = 0;
	m.u.displays.mode = 3;
	len = scanout_encode(&m, buf, sizeof(buf));
	assert_int_equal(decode_copy(buf, len, &out), -ECORRUPT);
	memset(&m, 0, sizeof(m));
	m.tag = COMP_ERROR_REPLY;
	m.u.status.status = 99;
	len = scanout_encode(&m, buf, sizeof(buf));
	assert_int_equal(decode_copy(buf, len, &out), -ECORRUPT);
}

/* Random bytes and random mutations of valid messages never crash, and
 * anything accepted re-encodes to the same bytes. */
static void test_random_bytes(void **state)
{
	uint64_t x = 0x243F6A8885A308D3ull;
	static const uint32_t tags[] = {
	    SCANOUT_WELCOME_COMPOSITOR, SCANOUT_DISPLAY_CONNECTED,
	    SCANOUT_FRAME_READY, COMP_FRAME_READY, COMP_CREATE_SURFACE,
	    COMP_DISPLAY_INFO | COMP_REPLY, SCANOUT_BUFFER_ALLOCATED,
	};

	(void)state;
	for (int i = 0; i < 50000; i++) {
		uint8_t buf[256], again[256];
		struct scanout_msg m;
		size_t len;

		for (size_t j = 0; j < sizeof(buf); j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[j] = (uint8_t)x;
		}
		/* Most rounds start from a real tag, a valid length and
		 * mostly-zero fields, to get past the framing checks. */
		if (i % 4) {
			uint32_t tag = tags[x % (sizeof(tags) / sizeof(tags[0]))];
			uint32_t rects = (uint32_t)(x >> 8) % 17;

			len = scanout_msg_len(tag, rects);
			for (size_t j = 4; j < len; j++)
				if ((buf[j] & 3) != 0)
					buf[j] = 0;
			put32(buf, tag);
			if (tag == SCANOUT_FRAME_READY || tag == COMP_FRAME_READY)
				put32(buf + 8, rects);
			if (tag == SCANOUT_WELCOME_COMPOSITOR)
				put32(buf + 4, SCANOUT_VERSION);
		} else {
			len = (size_t)(x >> 16) % 257;
		}
		if (decode_copy(buf, len, &m) == 0) {
			assert_int_equal(scanout_encode(&m, again, sizeof(again)),
					 len);
			assert_memory_equal(again, buf, len);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wire_layouts),
	    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_encode_clears_padding),
	    cmocka_unit_test(test_refuses_bad_framing),
	    cmocka_unit_test(test_refuses_bad_fields),
	    cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
