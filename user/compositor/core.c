/*
 * user/compositor/core.c - the compositor's state machine (core.h).
 *
 * Modes (enum comp_mode): HANDSHAKE until the driver's WelcomeCompositor
 * (-> PAIRED) or the deadline (-> HEADLESS).  HEADLESS is final for the
 * boot, as the spec's "then Headless mode": a driver that answers late is
 * ignored rather than paired half-way through clients' sessions.
 */
#include "user/compositor/core.h"

#include "abi/errno.h"
#include "lib/klib/string.h"
#include "user/compositor/proto.h"

void comp_start(struct comp_state *s, bool contacted, uint64_t now)
{
	memset(s, 0, sizeof(*s));
	if (contacted) {
		s->mode = COMP_MODE_HANDSHAKE;
		s->deadline = now + SCANOUT_HANDSHAKE_TICKS;
	} else {
		s->mode = COMP_MODE_HEADLESS;
	}
}

bool comp_tick(struct comp_state *s, uint64_t now)
{
	if (s->mode == COMP_MODE_HANDSHAKE && now >= s->deadline) {
		s->mode = COMP_MODE_HEADLESS;
		return true;
	}
	return false;
}

static int find_display(const struct comp_state *s, uint32_t id)
{
	for (uint32_t i = 0; i < s->display_count; i++)
		if (s->displays[i].display_id == id)
			return (int)i;
	return -1;
}

/* DisplayConnected / DisplayModeChanged: add or replace the entry. */
static int put_display(struct comp_state *s, const struct scanout_display_msg *m)
{
	int i = find_display(s, m->info.display_id);

	if (i < 0) {
		if (s->display_count >= SCANOUT_MAX_DISPLAYS)
			return -EFULL;
		i = (int)s->display_count++;
	}
	s->displays[i] = m->info;
	s->channels[i] = m->channel_id;
	return 0;
}

static int drop_display(struct comp_state *s, uint32_t id)
{
	int i = find_display(s, id);

	if (i < 0)
		return -ENOENT;
	/* Keep the table dense, in arrival order. */
	for (uint32_t j = (uint32_t)i; j + 1 < s->display_count; j++) {
		s->displays[j] = s->displays[j + 1];
		s->channels[j] = s->channels[j + 1];
	}
	s->display_count--;
	return 0;
}

static int driver_message(struct comp_state *s, const struct scanout_msg *m)
{
	if (s->mode == COMP_MODE_HANDSHAKE) {
		if (m->tag != SCANOUT_WELCOME_COMPOSITOR)
			return -EPERM;
		s->mode = COMP_MODE_PAIRED;
		return 0;
	}
	if (s->mode != COMP_MODE_PAIRED)
		return -EPERM;
	switch (m->tag) {
	case SCANOUT_DISPLAY_CONNECTED:
	case SCANOUT_DISPLAY_MODE_CHANGED:
		return put_display(s, &m->u.display);
	case SCANOUT_DISPLAY_DISCONNECTED:
		return drop_display(s, m->u.ref.display_id);
	/* Answers to requests this compositor never sends (it has no
	 * surfaces yet): a display it knows is all it checks. */
	case SCANOUT_FRAME_DISPLAYED:
		return find_display(s, m->u.displayed.display_id) < 0 ? -ENOENT
								      : 0;
	case SCANOUT_MODE_REJECTED_MSG:
		return find_display(s, m->u.rejected.display_id) < 0 ? -ENOENT
								     : 0;
	case SCANOUT_BUFFER_ALLOCATED:
		return find_display(s, m->u.buffer.buffer.display_id) < 0
			   ? -ENOENT
			   : 0;
	default:
		/* A second Welcome, or a tag of another direction. */
		return -EPERM;
	}
}

int comp_driver_message(struct comp_state *s, const void *buf, size_t len)
{
	struct scanout_msg m;
	int err = scanout_decode(buf, len, &m);

	if (!err)
		err = driver_message(s, &m);
	if (err)
		s->dropped++;
	return err;
}

/* The status of every display request in a mode without displays. */
static uint32_t no_display_status(const struct comp_state *s)
{
	return s->mode == COMP_MODE_HANDSHAKE ? SCANOUT_PENDING
					      : SCANOUT_HEADLESS;
}

static void answer(struct comp_state *s, const struct scanout_msg *req,
		   struct scanout_msg *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->tag = req->tag | COMP_REPLY;
	switch (req->tag) {
	case COMP_QUERY_DISPLAYS:
		rep->u.displays.mode = s->mode;
		if (s->mode != COMP_MODE_PAIRED) {
			rep->u.displays.status = no_display_status(s);
			break;
		}
		rep->u.displays.display_count = s->display_count;
		for (uint32_t i = 0; i < s->display_count; i++)
			rep->u.displays.display_ids[i] =
			    s->displays[i].display_id;
		break;
	case COMP_DISPLAY_INFO: {
		int i = find_display(s, req->u.simple.arg);

		if (s->mode != COMP_MODE_PAIRED)
			rep->u.info.status = no_display_status(s);
		else if (i < 0)
			rep->u.info.status = SCANOUT_NO_SUCH_DISPLAY;
		else
			rep->u.info.info = s->displays[i];
		break;
	}
	case COMP_CREATE_SURFACE:
		if (s->mode != COMP_MODE_PAIRED)
			rep->u.status.status = no_display_status(s);
		else if (find_display(s, req->u.create.display_id) < 0)
			rep->u.status.status = SCANOUT_NO_SUCH_DISPLAY;
		else
			rep->u.status.status = SCANOUT_UNSUPPORTED;
		break;
	default: /* COMP_FRAME_READY: no surface can exist */
		rep->u.status.status = s->mode == COMP_MODE_PAIRED
					   ? SCANOUT_BAD_REQUEST
					   : no_display_status(s);
		rep->u.status.value = req->u.frame.target;
		break;
	}
}

static bool is_client_tag(uint32_t tag)
{
	return tag == COMP_QUERY_DISPLAYS || tag == COMP_DISPLAY_INFO ||
	       tag == COMP_CREATE_SURFACE || tag == COMP_FRAME_READY;
}

size_t comp_client_request(struct comp_state *s, const void *buf, size_t len,
			   void *reply, size_t cap)
{
	struct scanout_msg req, rep;

	if (scanout_decode(buf, len, &req) || !is_client_tag(req.tag)) {
		uint32_t tag = 0;

		if (buf && len >= 4)
			memcpy(&tag, buf, 4);
		memset(&rep, 0, sizeof(rep));
		rep.tag = COMP_ERROR_REPLY;
		rep.u.status.status = SCANOUT_BAD_REQUEST;
		rep.u.status.value = tag;
		s->refused++;
		return scanout_encode(&rep, reply, cap);
	}
	answer(s, &req, &rep);
	s->requests++;
	return scanout_encode(&rep, reply, cap);
}
