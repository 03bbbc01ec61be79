/*
 * user/compositor/proto.c - codecs of abi/scanout.h (proto.h).
 *
 * The wire structs are little-endian and naturally aligned, as are both
 * the hosts and targets this builds for, so a message is its struct's
 * bytes: decoding copies into the struct (the buffer may be unaligned)
 * and then checks every field; encoding zeroes the padding the caller
 * may have left.
 */
#include "user/compositor/proto.h"

#include <stdbool.h>

#include "abi/errno.h"
#include "lib/klib/string.h"

size_t scanout_msg_len(uint32_t tag, uint32_t rect_count)
{
	switch (tag) {
	case SCANOUT_REGISTER_COMPOSITOR:
	case SCANOUT_WELCOME_COMPOSITOR:
		return sizeof(struct scanout_hello);
	case SCANOUT_DISPLAY_CONNECTED:
	case SCANOUT_DISPLAY_MODE_CHANGED:
		return sizeof(struct scanout_display_msg);
	case SCANOUT_DISPLAY_DISCONNECTED:
	case SCANOUT_QUERY_DISPLAY_MODES:
		return sizeof(struct scanout_display_ref);
	case SCANOUT_FRAME_DISPLAYED:
		return sizeof(struct scanout_frame_displayed);
	case SCANOUT_BUFFER_ALLOCATED:
		return sizeof(struct scanout_buffer_msg);
	case SCANOUT_MODE_REJECTED_MSG:
		return sizeof(struct scanout_mode_rejected);
	case SCANOUT_FRAME_READY:
	case COMP_FRAME_READY:
		if (rect_count > SCANOUT_MAX_RECTS)
			return 0;
		return SCANOUT_FRAME_READY_HDR +
		       rect_count * sizeof(struct scanout_rect);
	case SCANOUT_REQUEST_MODE_CHANGE:
		return sizeof(struct scanout_mode_request);
	case COMP_QUERY_DISPLAYS:
	case COMP_DISPLAY_INFO:
		return sizeof(struct comp_simple_request);
	case COMP_CREATE_SURFACE:
		return sizeof(struct comp_create_surface);
	case COMP_QUERY_DISPLAYS | COMP_REPLY:
		return sizeof(struct comp_displays_reply);
	case COMP_DISPLAY_INFO | COMP_REPLY:
		return sizeof(struct comp_info_reply);
	case COMP_CREATE_SURFACE | COMP_REPLY:
	case COMP_FRAME_READY | COMP_REPLY:
	case COMP_ERROR_REPLY:
		return sizeof(struct comp_status_reply);
	default:
		return 0;
	}
}

static bool zeros(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool geometry_ok(const struct scanout_geometry *g)
{
	return g->zero == 0;
}

static bool display_info_ok(const struct scanout_display_info *d)
{
	return d->state <= SCANOUT_CONNECTED &&
	       d->format < SCANOUT_FORMAT_COUNT &&
	       !(d->capabilities & ~(uint32_t)SCANOUT_CAP_ALL) &&
	       d->zero == 0 && geometry_ok(&d->geometry);
}

static bool rects_ok(const struct scanout_frame_ready *f)
{
	for (uint32_t i = 0; i < f->rect_count; i++) {
		const struct scanout_rect *r = &f->rects[i];

		if (r->w == 0 || r->h == 0 || (uint32_t)r->x + r->w > 0xFFFF ||
		    (uint32_t)r->y + r->h > 0xFFFF)
			return false;
	}
	return true;
}

static bool status_ok(uint32_t s)
{
	return s <= SCANOUT_UNSUPPORTED;
}

/* Field checks of a message already copied into *m at its exact length. */
static int check(const struct scanout_msg *m)
{
	switch (m->tag) {
	case SCANOUT_REGISTER_COMPOSITOR:
	case SCANOUT_WELCOME_COMPOSITOR:
		if (m->u.hello.zero ||
		    m->u.hello.display_count > SCANOUT_MAX_DISPLAYS ||
		    (m->tag == SCANOUT_REGISTER_COMPOSITOR &&
		     m->u.hello.display_count))
			return -ECORRUPT;
		return m->u.hello.version == SCANOUT_VERSION ? 0 : -EVERSION;
	case SCANOUT_DISPLAY_CONNECTED:
	case SCANOUT_DISPLAY_MODE_CHANGED:
		return m->u.display.zero == 0 &&
			       display_info_ok(&m->u.display.info)
			   ? 0
			   : -ECORRUPT;
	case SCANOUT_BUFFER_ALLOCATED:
		return m->u.buffer.zero == 0 &&
			       zeros(m->u.buffer.buffer.zero, 3) &&
			       m->u.buffer.buffer.format < SCANOUT_FORMAT_COUNT &&
			       geometry_ok(&m->u.buffer.buffer.geometry)
			   ? 0
			   : -ECORRUPT;
	case SCANOUT_MODE_REJECTED_MSG:
		return m->u.rejected.zero == 0 && status_ok(m->u.rejected.error)
			   ? 0
			   : -ECORRUPT;
	case SCANOUT_FRAME_READY:
	case COMP_FRAME_READY:
		return m->u.frame.zero == 0 && rects_ok(&m->u.frame) ? 0
								     : -ECORRUPT;
	case SCANOUT_REQUEST_MODE_CHANGE:
		return m->u.mode.mode.zero == 0 &&
			       m->u.mode.mode.format < SCANOUT_FORMAT_COUNT
			   ? 0
			   : -ECORRUPT;
	case COMP_QUERY_DISPLAYS:
		return m->u.simple.arg == 0 ? 0 : -ECORRUPT;
	case COMP_CREATE_SURFACE:
		return m->u.create.zero == 0 &&
			       m->u.create.format < SCANOUT_FORMAT_COUNT
			   ? 0
			   : -ECORRUPT;
	case COMP_QUERY_DISPLAYS | COMP_REPLY:
		return status_ok(m->u.displays.status) &&
			       m->u.displays.mode <= COMP_MODE_PAIRED &&
			       m->u.displays.display_count <=
				   SCANOUT_MAX_DISPLAYS
			   ? 0
			   : -ECORRUPT;
	case COMP_DISPLAY_INFO | COMP_REPLY:
		return status_ok(m->u.info.status) &&
			       display_info_ok(&m->u.info.info)
			   ? 0
			   : -ECORRUPT;
	case COMP_CREATE_SURFACE | COMP_REPLY:
	case COMP_FRAME_READY | COMP_REPLY:
	case COMP_ERROR_REPLY:
		return status_ok(m->u.status.status) && m->u.status.zero == 0
			   ? 0
			   : -ECORRUPT;
	default:
		/* Messages made only of ids and counters. */
		return 0;
	}
}

int scanout_decode(const void *buf, size_t len, struct scanout_msg *out)
{
	uint32_t tag, rects = 0;
	size_t want;

	if (!buf || !out || len < 4)
		return -ETRUNC;
	memcpy(&tag, buf, 4);
	if (tag == SCANOUT_FRAME_READY || tag == COMP_FRAME_READY) {
		if (len < SCANOUT_FRAME_READY_HDR)
			return -ECORRUPT;
		memcpy(&rects, (const uint8_t *)buf + 8, 4);
		if (rects > SCANOUT_MAX_RECTS)
			return -ECORRUPT;
	}
	want = scanout_msg_len(tag, rects);
	if (want == 0)
		return -EINVAL;
	if (len != want)
		return -ECORRUPT;
	memset(out, 0, sizeof(*out));
	memcpy(&out->u, buf, len);
	out->tag = tag;
	return check(out);
}

size_t scanout_encode(const struct scanout_msg *m, void *buf, size_t cap)
{
	struct scanout_msg c;
	uint32_t rects = 0;
	size_t len;

	if (!m || !buf)
		return 0;
	if (m->tag == SCANOUT_FRAME_READY || m->tag == COMP_FRAME_READY)
		rects = m->u.frame.rect_count;
	len = scanout_msg_len(m->tag, rects);
	if (len == 0 || len > cap)
		return 0;
	c = *m;
	/* The tag is the first u32 of every member. */
	memcpy(&c.u, &m->tag, 4);
	switch (m->tag) {
	case SCANOUT_REGISTER_COMPOSITOR:
	case SCANOUT_WELCOME_COMPOSITOR:
		c.u.hello.zero = 0;
		break;
	case SCANOUT_DISPLAY_CONNECTED:
	case SCANOUT_DISPLAY_MODE_CHANGED:
		c.u.display.zero = 0;
		c.u.display.info.zero = 0;
		c.u.display.info.geometry.zero = 0;
		break;
	case SCANOUT_BUFFER_ALLOCATED:
		c.u.buffer.zero = 0;
		memset(c.u.buffer.buffer.zero, 0, 3);
		c.u.buffer.buffer.geometry.zero = 0;
		break;
	case SCANOUT_MODE_REJECTED_MSG:
		c.u.rejected.zero = 0;
		break;
	case SCANOUT_FRAME_READY:
	case COMP_FRAME_READY:
		c.u.frame.zero = 0;
		break;
	case SCANOUT_REQUEST_MODE_CHANGE:
		c.u.mode.mode.zero = 0;
		break;
	case COMP_CREATE_SURFACE:
		c.u.create.zero = 0;
		break;
	case COMP_DISPLAY_INFO | COMP_REPLY:
		c.u.info.info.zero = 0;
		c.u.info.info.geometry.zero = 0;
		break;
	case COMP_CREATE_SURFACE | COMP_REPLY:
	case COMP_FRAME_READY | COMP_REPLY:
	case COMP_ERROR_REPLY:
		c.u.status.zero = 0;
		break;
	default:
		break;
	}
	memcpy(buf, &c.u, len);
	return len;
}

const char *scanout_status_name(uint32_t status)
{
	static const char *const names[] = {
	    "ok",	   "no such display", "mode rejected",
	    "frame dropped", "transport failed", "headless",
	    "bad request",   "pending",	      "unsupported",
	};

	return status < sizeof(names) / sizeof(names[0]) ? names[status] : "?";
}

const char *comp_mode_name(uint32_t mode)
{
	switch (mode) {
	case COMP_MODE_HANDSHAKE:
		return "handshake";
	case COMP_MODE_HEADLESS:
		return "headless";
	case COMP_MODE_PAIRED:
		return "paired";
	default:
		return "?";
	}
}
