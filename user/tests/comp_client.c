/*
 * user/tests/comp_client.c - a client of the compositor for
 * tests/qemu/test_compositor.py.  Boot it after `compositor`.
 *
 * Registers the first free endpoint of 8..15 as its reply endpoint, then
 * sends the compositor (endpoint 28) each request of the client protocol
 * (abi/scanout.h) and some malformed ones, and prints every answer:
 *
 *   comp_client: <request> -> <reply tag> status=<name> [details]
 *
 * While the compositor is still in its handshake (status "pending") the
 * query is repeated, yielding, for at most 700 ticks.  It also checks
 * that it may not map the framebuffer (it lacks the capability):
 *
 *   comp_client: map_framebuffer ret=<r>
 *
 * Last line `comp_client: done`; exit 0, or 1 when a request got no
 * answer or an answer that does not decode.
 */
#include "lib/libsys/libsys.h"
#include "user/compositor/proto.h"

#define FIRST_EP 8
#define LAST_EP	 15
#define PENDING_TICKS 700

static uint32_t self_ep;
static uint8_t rbuf[IPC_RECV_BUF_SIZE];
static uint8_t req[IPC_MSG_SIZE];

static const char *tag_name(uint32_t tag)
{
	switch (tag) {
	case COMP_QUERY_DISPLAYS | COMP_REPLY:
		return "displays";
	case COMP_DISPLAY_INFO | COMP_REPLY:
		return "info";
	case COMP_CREATE_SURFACE | COMP_REPLY:
		return "surface";
	case COMP_FRAME_READY | COMP_REPLY:
		return "frame";
	case COMP_ERROR_REPLY:
		return "error";
	default:
		return "?";
	}
}

/* Send len bytes of req, wait for the answer, decode it into *rep. */
static int ask(const char *what, size_t len, struct scanout_msg *rep)
{
	struct recv_msg msg;
	int64_t r = sys_write(IPC_EP_COMPOSITOR, req, len);
	int err;

	if (sys_failed(r)) {
		printf("comp_client: %s: send failed: %s\n", what,
		       strerror((int)r));
		return -1;
	}
	r = recv_verified(self_ep, rbuf, sizeof(rbuf), &msg);
	if (sys_failed(r)) {
		printf("comp_client: %s: receive failed: %s\n", what,
		       strerror((int)r));
		return -1;
	}
	err = scanout_decode(msg.payload, msg.len, rep);
	if (err) {
		printf("comp_client: %s: undecodable answer: %s\n", what,
		       strerror(err));
		return -1;
	}
	return 0;
}

static size_t encode(const struct scanout_msg *m)
{
	return scanout_encode(m, req, sizeof(req));
}

static int query_displays(void)
{
	struct scanout_msg m = {.tag = COMP_QUERY_DISPLAYS}, rep;
	int64_t start = sys_get_time();

	for (;;) {
		if (ask("query_displays", encode(&m), &rep))
			return -1;
		if (rep.u.displays.status != SCANOUT_PENDING ||
		    sys_get_time() - start > PENDING_TICKS)
			break;
		(void)sys_yield();
	}
	printf("comp_client: query_displays -> %s status=%s mode=%s "
	       "displays=%u\n",
	       tag_name(rep.tag), scanout_status_name(rep.u.displays.status),
	       comp_mode_name(rep.u.displays.mode),
	       rep.u.displays.display_count);
	return 0;
}

/* Print a status answer. */
static int status_request(const char *what, size_t len)
{
	struct scanout_msg rep;

	if (ask(what, len, &rep))
		return -1;
	printf("comp_client: %s -> %s status=%s value=%#x\n", what,
	       tag_name(rep.tag), scanout_status_name(rep.u.status.status),
	       rep.u.status.value);
	return 0;
}

static int requests(void)
{
	struct scanout_msg m, rep;
	int bad = 0;

	bad |= query_displays();

	memset(&m, 0, sizeof(m));
	m.tag = COMP_DISPLAY_INFO;
	if (ask("display_info", encode(&m), &rep))
		bad = -1;
	else
		printf("comp_client: display_info -> %s status=%s\n",
		       tag_name(rep.tag), scanout_status_name(rep.u.info.status));

	memset(&m, 0, sizeof(m));
	m.tag = COMP_CREATE_SURFACE;
	m.u.create.width = 640;
	m.u.create.height = 480;
	bad |= status_request("create_surface", encode(&m));

	memset(&m, 0, sizeof(m));
	m.tag = COMP_FRAME_READY;
	m.u.frame.target = 1;
	m.u.frame.rect_count = 2;
	m.u.frame.rects[0] = (struct scanout_rect){0, 0, 64, 64};
	m.u.frame.rects[1] = (struct scanout_rect){100, 100, 8, 8};
	bad |= status_request("frame_ready", encode(&m));

	/* Malformed: a QueryDisplays 4 bytes too long; a FrameReady
	 * claiming 17 rectangles; an unknown tag; a lone byte. */
	memset(req, 0, sizeof(req));
	m.tag = COMP_QUERY_DISPLAYS;
	memcpy(req, &m.tag, 4);
	bad |= status_request("long_query", 12);
	memset(req, 0, sizeof(req));
	m.tag = COMP_FRAME_READY;
	memcpy(req, &m.tag, 4);
	req[8] = 17;
	bad |= status_request("frame_17_rects", 16 + 17 * 8);
	memset(req, 0, sizeof(req));
	memcpy(req, "\x42\x42\x00\x00", 4);
	bad |= status_request("unknown_tag", 8);
	req[0] = 1;
	bad |= status_request("one_byte", 1);
	return bad;
}

int main(void)
{
	struct framebuffer_desc d;
	int64_t r = -EEXIST;

	for (self_ep = FIRST_EP; self_ep <= LAST_EP; self_ep++) {
		r = sys_register_endpoint(self_ep, 0);
		if (!sys_failed(r) || r != -EEXIST)
			break;
	}
	(void)sys_module_ready();
	if (sys_failed(r)) {
		printf("comp_client: no endpoint: %s\n", strerror((int)r));
		return 1;
	}
	r = sys_map_framebuffer(0, &d, sizeof(d));
	printf("comp_client: map_framebuffer ret=%ld\n", (long)r);
	r = requests();
	printf("comp_client: done\n");
	return r ? 1 : 0;
}
