/*
 * tests/unit/compositor_core_test.c - the compositor's state machine
 * (user/compositor/core.c): headless start, the handshake and its
 * 500-tick timeout on a fake clock, the display table, and the answers
 * to well-formed, malformed and hostile client requests.
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
#include "user/compositor/core.h"
#include "user/compositor/proto.h"

static struct comp_state st;

/* Send m (encoded) to the driver side of the state machine. */
static int from_driver(const struct scanout_msg *m)
{
	uint8_t buf[256];
	size_t len = scanout_encode(m, buf, sizeof(buf));

	assert_int_not_equal(len, 0);
	return comp_driver_message(&st, buf, len);
}

/* A client request of raw bytes; the decoded answer goes to *rep. */
static void ask_raw(const void *req, size_t len, struct scanout_msg *rep)
{
	uint8_t out[256];
	size_t n = comp_client_request(&st, req, len, out, sizeof(out));

	assert_int_not_equal(n, 0);
	assert_int_equal(scanout_decode(out, n, rep), 0);
}

static void ask(const struct scanout_msg *req, struct scanout_msg *rep)
{
	uint8_t buf[256];
	size_t len = scanout_encode(req, buf, sizeof(buf));

	assert_int_not_equal(len, 0);
	ask_raw(buf, len, rep);
}

static struct scanout_msg simple(uint32_t tag, uint32_t arg)
{
	struct scanout_msg m;

	memset(&m, 0, sizeof(m));
	m.tag = tag;
	m.u.simple.arg = arg;
	return m;
}

static struct scanout_msg welcome(void)
{
	struct scanout_msg m = simple(SCANOUT_WELCOME_COMPOSITOR, 0);

	m.u.hello.version = SCANOUT_VERSION;
	return m;
}

static struct scanout_msg connected(uint32_t id, uint32_t width)
{
	struct scanout_msg m;

	memset(&m, 0, sizeof(m));
	m.tag = SCANOUT_DISPLAY_CONNECTED;
	m.u.display.info.display_id = id;
	m.u.display.info.state = SCANOUT_CONNECTED;
	m.u.display.info.geometry.width = width;
	m.u.display.channel_id = 0x100 + id;
	return m;
}

/* No driver: headless at once; every request says so. */
static void test_headless_without_driver(void **state)
{
	struct scanout_msg rep, req;

	(void)state;
	comp_start(&st, false, 1000);
	assert_int_equal(st.mode, COMP_MODE_HEADLESS);
	req = simple(COMP_QUERY_DISPLAYS, 0);
	ask(&req, &rep);
	assert_int_equal(rep.tag, COMP_QUERY_DISPLAYS | COMP_REPLY);
	assert_int_equal(rep.u.displays.status, SCANOUT_HEADLESS);
	assert_int_equal(rep.u.displays.mode, COMP_MODE_HEADLESS);
	assert_int_equal(rep.u.displays.display_count, 0);
	req = simple(COMP_DISPLAY_INFO, 0);
	ask(&req, &rep);
	assert_int_equal(rep.u.info.status, SCANOUT_HEADLESS);
	memset(&req, 0, sizeof(req));
	req.tag = COMP_CREATE_SURFACE;
	req.u.create.width = 640;
	ask(&req, &rep);
	assert_int_equal(rep.tag, COMP_CREATE_SURFACE | COMP_REPLY);
	assert_int_equal(rep.u.status.status, SCANOUT_HEADLESS);
	memset(&req, 0, sizeof(req));
	req.tag = COMP_FRAME_READY;
	req.u.frame.target = 4;
	req.u.frame.rect_count = 16;
	for (int i = 0; i < 16; i++)
		req.u.frame.rects[i] = (struct scanout_rect){0, 0, 8, 8};
	ask(&req, &rep);
	assert_int_equal(rep.tag, COMP_FRAME_READY | COMP_REPLY);
	assert_int_equal(rep.u.status.status, SCANOUT_HEADLESS);
	assert_int_equal(st.requests, 4);
	assert_int_equal(st.refused, 0);
	/* A driver message once headless is ignored. */
	struct scanout_msg w = welcome();

	assert_int_equal(from_driver(&w), -EPERM);
	assert_int_equal(st.mode, COMP_MODE_HEADLESS);
	assert_int_equal(st.dropped, 1);
}

/* Malformed and unknown requests get an error reply naming the tag. */
static void test_malformed_requests(void **state)
{
	struct scanout_msg rep;
	uint8_t buf[256];

	(void)state;
	comp_start(&st, false, 0);
	ask_raw("\x01", 1, &rep);
	assert_int_equal(rep.tag, COMP_ERROR_REPLY);
	assert_int_equal(rep.u.status.status, SCANOUT_BAD_REQUEST);
	assert_int_equal(rep.u.status.value, 0);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\x99\x99\x00\x00", 4); /* unknown tag */
	ask_raw(buf, 8, &rep);
	assert_int_equal(rep.tag, COMP_ERROR_REPLY);
	assert_int_equal(rep.u.status.value, 0x9999);
	buf[0] = 0x01, buf[1] = 0x03; /* QueryDisplays, 12 bytes */
	ask_raw(buf, 12, &rep);
	assert_int_equal(rep.tag, COMP_ERROR_REPLY);
	assert_int_equal(rep.u.status.value, COMP_QUERY_DISPLAYS);
	buf[0] = 0x04, buf[8] = 17; /* FrameReady with 17 rectangles */
	ask_raw(buf, 16 + 17 * 8, &rep);
	assert_int_equal(rep.tag, COMP_ERROR_REPLY);
	assert_int_equal(rep.u.status.value, COMP_FRAME_READY);
	/* A driver-to-compositor tag from a client, and a reply tag. */
	struct scanout_msg w = welcome();
	size_t len = scanout_encode(&w, buf, sizeof(buf));

	ask_raw(buf, len, &rep);
	assert_int_equal(rep.tag, COMP_ERROR_REPLY);
	memset(&w, 0, sizeof(w));
	w.tag = COMP_ERROR_REPLY;
	len = scanout_encode(&w, buf, sizeof(buf));
	ask_raw(buf, len, &rep);
	assert_int_equal(rep.tag, COMP_ERROR_REPLY);
	assert_int_equal(st.refused, 6);
	assert_int_equal(st.requests, 0);
	/* No room for the answer: nothing written. */
	w = simple(COMP_QUERY_DISPLAYS, 0);
	len = scanout_encode(&w, buf, sizeof(buf));
	assert_int_equal(comp_client_request(&st, buf, len, buf, 20), 0);
}

/* Handshake: pending until the deadline, then headless; the clock is
 * only read when something arrives. */
static void test_handshake_times_out(void **state)
{
	struct scanout_msg rep, req = simple(COMP_QUERY_DISPLAYS, 0);

	(void)state;
	comp_start(&st, true, 100);
	assert_int_equal(st.mode, COMP_MODE_HANDSHAKE);
	assert_false(comp_tick(&st, 100 + SCANOUT_HANDSHAKE_TICKS - 1));
	ask(&req, &rep);
	assert_int_equal(rep.u.displays.status, SCANOUT_PENDING);
	assert_int_equal(rep.u.displays.mode, COMP_MODE_HANDSHAKE);
	/* Driver chatter other than Welcome is ignored meanwhile. */
	struct scanout_msg c = connected(1, 800);

	assert_int_equal(from_driver(&c), -EPERM);
	assert_true(comp_tick(&st, 100 + SCANOUT_HANDSHAKE_TICKS));
	assert_false(comp_tick(&st, 100 + SCANOUT_HANDSHAKE_TICKS + 1));
	ask(&req, &rep);
	assert_int_equal(rep.u.displays.status, SCANOUT_HEADLESS);
	/* A Welcome after the deadline does not pair. */
	struct scanout_msg w = welcome();

	assert_int_equal(from_driver(&w), -EPERM);
	assert_int_equal(st.mode, COMP_MODE_HEADLESS);
}

/* Welcome pairs; displays come and go; requests see them. */
static void test_paired_display_table(void **state)
{
	struct scanout_msg rep, req, m = welcome();

	(void)state;
	comp_start(&st, true, 0);
	assert_int_equal(from_driver(&m), 0);
	assert_int_equal(st.mode, COMP_MODE_PAIRED);
	assert_false(comp_tick(&st, 100000)); /* no timeout once paired */
	assert_int_equal(from_driver(&m), -EPERM); /* second Welcome */
	for (uint32_t id = 10; id < 10 + SCANOUT_MAX_DISPLAYS; id++) {
		m = connected(id, 640 + id);
		assert_int_equal(from_driver(&m), 0);
	}
	m = connected(99, 1);
	assert_int_equal(from_driver(&m), -EFULL);
	m = connected(12, 1920); /* a mode change replaces */
	m.tag = SCANOUT_DISPLAY_MODE_CHANGED;
	assert_int_equal(from_driver(&m), 0);
	memset(&m, 0, sizeof(m));
	m.tag = SCANOUT_DISPLAY_DISCONNECTED;
	m.u.ref.display_id = 11;
	assert_int_equal(from_driver(&m), 0);
	assert_int_equal(from_driver(&m), -ENOENT);

	req = simple(COMP_QUERY_DISPLAYS, 0);
	ask(&req, &rep);
	assert_int_equal(rep.u.displays.status, SCANOUT_OK);
	assert_int_equal(rep.u.displays.mode, COMP_MODE_PAIRED);
	assert_int_equal(rep.u.displays.display_count, SCANOUT_MAX_DISPLAYS - 1);
	assert_int_equal(rep.u.displays.display_ids[0], 10);
	assert_int_equal(rep.u.displays.display_ids[1], 12);
	req = simple(COMP_DISPLAY_INFO, 12);
	ask(&req, &rep);
	assert_int_equal(rep.u.info.status, SCANOUT_OK);
	assert_int_equal(rep.u.info.info.geometry.width, 1920);
	req = simple(COMP_DISPLAY_INFO, 11);
	ask(&req, &rep);
	assert_int_equal(rep.u.info.status, SCANOUT_NO_SUCH_DISPLAY);
	memset(&req, 0, sizeof(req));
	req.tag = COMP_CREATE_SURFACE;
	req.u.create.display_id = 11;
	ask(&req, &rep);
	assert_int_equal(rep.u.status.status, SCANOUT_NO_SUCH_DISPLAY);
	req.u.create.display_id = 10;
	ask(&req, &rep);
	assert_int_equal(rep.u.status.status, SCANOUT_UNSUPPORTED);
	/* FrameDisplayed for an unknown display is dropped. */
	memset(&m, 0, sizeof(m));
	m.tag = SCANOUT_FRAME_DISPLAYED;
	m.u.displayed.display_id = 10;
	assert_int_equal(from_driver(&m), 0);
	m.u.displayed.display_id = 11;
	assert_int_equal(from_driver(&m), -ENOENT);
}

/* Hostile driver bytes never change the state. */
static void test_hostile_driver_bytes(void **state)
{
	uint8_t buf[256];
	uint64_t x = 0x13198A2E03707344ull;

	(void)state;
	comp_start(&st, true, 0);
	assert_int_equal(comp_driver_message(&st, buf, 0), -ETRUNC);
	for (int i = 0; i < 20000; i++) {
		size_t len;

		for (size_t j = 0; j < sizeof(buf); j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[j] = (uint8_t)x;
		}
		len = (size_t)(x >> 20) % 257;
		/* A Welcome tag with garbage elsewhere must still not pair
		 * unless it decodes. */
		if (i % 2)
			memcpy(buf, "\x01\x01\x00\x00", 4);
		if (comp_driver_message(&st, buf, len) == 0)
			fail_msg("garbage accepted at round %d", i);
	}
	assert_int_equal(st.mode, COMP_MODE_HANDSHAKE);
	assert_int_equal(st.dropped, 20001);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_headless_without_driver),
	    cmocka_unit_test(test_malformed_requests),
	    cmocka_unit_test(test_handshake_times_out),
	    cmocka_unit_test(test_paired_display_table),
	    cmocka_unit_test(test_hostile_driver_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
