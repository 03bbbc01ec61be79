/*
 * user/tests/fb_demo.c - program `fb-demo`: maps the boot framebuffer
 * (MapFramebuffer, 35; the boot policy gives the module named fb-demo the
 * capability) and draws a test pattern that tests/qemu/test_framebuffer.py
 * finds in a QEMU screen dump.
 *
 * Pattern: the screen in four quadrants, top-left red, top-right green,
 * bottom-left blue, bottom-right white, each channel at its maximum as
 * the descriptor's colour fields say, then a 16-pixel black border
 * around the whole screen.
 *
 * Lines:
 *   fb-demo: <w>x<h> bpp=<b> pitch=<p> red=<size>@<shift>
 *            green=<size>@<shift> blue=<size>@<shift>     (one line)
 *   fb-demo: <probe> ret=<got> want=<want> ok|BAD           (error paths)
 *   fb-demo: second map same address ok|BAD
 *   fb-demo: drew pattern, readback ok|BAD
 *   fb-demo: no framebuffer (<error>)                      (instead)
 * Exit 0 when the pattern was drawn (or there is no framebuffer), 1
 * otherwise.
 */
#include "lib/libsys/libsys.h"

#define BORDER 16

static struct framebuffer_desc fb;
static int bad;

static void probe(const char *what, int64_t got, int64_t want)
{
	bool ok = got == want;

	printf("fb-demo: %s ret=%ld want=%ld %s\n", what, (long)got,
	       (long)want, ok ? "ok" : "BAD");
	if (!ok)
		bad++;
}

static uint32_t channel(uint8_t size, uint8_t shift)
{
	return ((1u << size) - 1) << shift;
}

static uint32_t rgb(bool r, bool g, bool b)
{
	return (r ? channel(fb.red_size, fb.red_shift) : 0) |
	       (g ? channel(fb.green_size, fb.green_shift) : 0) |
	       (b ? channel(fb.blue_size, fb.blue_shift) : 0);
}

static volatile uint8_t *pixel(uint32_t x, uint32_t y)
{
	return (volatile uint8_t *)(uintptr_t)fb.vaddr + (uint64_t)y * fb.pitch +
	       (uint64_t)x * ((fb.bpp + 7u) / 8u);
}

static void put(uint32_t x, uint32_t y, uint32_t v)
{
	volatile uint8_t *p = pixel(x, y);

	for (unsigned i = 0; i < (fb.bpp + 7u) / 8u; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get(uint32_t x, uint32_t y)
{
	volatile uint8_t *p = pixel(x, y);
	uint32_t v = 0;

	for (unsigned i = 0; i < (fb.bpp + 7u) / 8u; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static uint32_t pattern(uint32_t x, uint32_t y)
{
	bool right = x >= fb.width / 2, bottom = y >= fb.height / 2;

	if (x < BORDER || y < BORDER || x >= fb.width - BORDER ||
	    y >= fb.height - BORDER)
		return 0;
	if (!bottom)
		return right ? rgb(false, true, false) : rgb(true, false, false);
	return right ? rgb(true, true, true) : rgb(false, false, true);
}

int main(void)
{
	struct framebuffer_desc again;
	int64_t r = sys_map_framebuffer(0, &fb, sizeof(fb));
	bool same;

	if (r == -ENODEV) {
		printf("fb-demo: no framebuffer (%s)\n", strerror((int)r));
		return 0;
	}
	if (sys_failed(r)) {
		printf("fb-demo: map_framebuffer failed: %s\n", strerror((int)r));
		return 1;
	}
	printf("fb-demo: %ux%u bpp=%u pitch=%u red=%u@%u green=%u@%u "
	       "blue=%u@%u\n",
	       fb.width, fb.height, fb.bpp, fb.pitch, fb.red_size,
	       fb.red_shift, fb.green_size, fb.green_shift, fb.blue_size,
	       fb.blue_shift);

	/* Error paths (spec: len < 32 and index out of range are -1). */
	probe("short_len", sys_map_framebuffer(0, &again, 31), -EINVAL);
	probe("index_1", sys_map_framebuffer(1, &again, sizeof(again)), -EINVAL);
	probe("null_out", sys_map_framebuffer(0, NULL, sizeof(again)), -EINVAL);
	probe("kernel_out",
	      sys_raw(SYS_MAP_FRAMEBUFFER, 0, 0xFFFFFFFF80000000ull,
		      sizeof(again), 0, 0, 0),
	      -EINVAL);
	/* Mapped once: a second call describes the same mapping. */
	r = sys_map_framebuffer(0, &again, sizeof(again));
	same = r == 0 && again.vaddr == fb.vaddr && again.width == fb.width;
	printf("fb-demo: second map same address %s\n", same ? "ok" : "BAD");
	if (!same)
		bad++;

	for (uint32_t y = 0; y < fb.height; y++)
		for (uint32_t x = 0; x < fb.width; x++)
			put(x, y, pattern(x, y));
	bool read_ok = get(fb.width / 4, fb.height / 4) == rgb(true, false, false) &&
		       get(3 * fb.width / 4, 3 * fb.height / 4) ==
			   rgb(true, true, true) &&
		       get(0, 0) == 0;
	printf("fb-demo: drew pattern, readback %s\n", read_ok ? "ok" : "BAD");
	if (!read_ok)
		bad++;
	return bad ? 1 : 0;
}
