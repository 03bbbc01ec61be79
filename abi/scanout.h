/*
 * abi/scanout.h - the display protocols (ADR-014, spec kernel.md section
 * 10): the compositor <-> scanout-driver protocol on endpoints 27 and 28,
 * and CambiOS-C's client protocol on the compositor's endpoint 28.  The
 * spec names the types and messages but leaves the bytes "not yet
 * defined"; this header defines them (docs/compositor.md section 3).
 *
 * Every message is one IPC payload (at most IPC_MSG_SIZE bytes) starting
 * with a u32 type tag.  All fields little-endian, naturally aligned,
 * padding explicit and zero.  Each message has one exact length (FrameReady:
 * a header plus its rectangles), so a receiver refuses anything else.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/** Protocol version sent in RegisterCompositor and WelcomeCompositor. */
#define SCANOUT_VERSION 1u
/** Displays one driver reports at most (spec). */
#define SCANOUT_MAX_DISPLAYS 8u
/** Damage rectangles in one FrameReady at most (spec); 0 = whole surface. */
#define SCANOUT_MAX_RECTS 16u
/** Ticks the compositor waits for WelcomeCompositor (spec): 5 s at 100 Hz. */
#define SCANOUT_HANDSHAKE_TICKS 500u

/** DisplayState. */
enum scanout_display_state {
	SCANOUT_DISCONNECTED = 0,
	SCANOUT_CONNECTED = 1,
};

/** PixelFormat. */
enum scanout_format {
	SCANOUT_XRGB8888 = 0,
	SCANOUT_BGRA8888 = 1,
	SCANOUT_ARGB2101010 = 2,
	SCANOUT_FORMAT_COUNT = 3,
};

/** DisplayInfo capability bits. */
enum scanout_caps {
	SCANOUT_CAP_HDR10 = 1u << 0,
	SCANOUT_CAP_VRR = 1u << 1,
	SCANOUT_CAP_PARTIAL = 1u << 2, /**< partial (damage) updates */
	SCANOUT_CAP_ALL = 7u,
};

/**
 * Status of an answer.  1..5 are the spec's errors; the rest belong to the
 * client protocol.
 */
enum scanout_status {
	SCANOUT_OK = 0,
	SCANOUT_NO_SUCH_DISPLAY = 1,
	SCANOUT_MODE_REJECTED = 2,
	SCANOUT_FRAME_DROPPED = 3,
	SCANOUT_TRANSPORT_FAILED = 4,
	SCANOUT_HEADLESS = 5,	 /**< no driver: nothing is displayed */
	SCANOUT_BAD_REQUEST = 6, /**< malformed or unknown request */
	SCANOUT_PENDING = 7,	 /**< handshake still running: ask again */
	SCANOUT_UNSUPPORTED = 8, /**< valid, but this compositor cannot */
};

/** Message type tags (the first u32 of every message). */
enum scanout_tag {
	/* driver -> compositor, on endpoint 28 */
	SCANOUT_WELCOME_COMPOSITOR = 0x0101,
	SCANOUT_DISPLAY_CONNECTED = 0x0102,
	SCANOUT_DISPLAY_DISCONNECTED = 0x0103,
	SCANOUT_DISPLAY_MODE_CHANGED = 0x0104,
	SCANOUT_FRAME_DISPLAYED = 0x0105,
	SCANOUT_BUFFER_ALLOCATED = 0x0106,
	SCANOUT_MODE_REJECTED_MSG = 0x0107,
	/* compositor -> driver, on endpoint 27 */
	SCANOUT_REGISTER_COMPOSITOR = 0x0201,
	SCANOUT_FRAME_READY = 0x0202,
	SCANOUT_REQUEST_MODE_CHANGE = 0x0203,
	SCANOUT_QUERY_DISPLAY_MODES = 0x0204,
	/* client -> compositor, on endpoint 28 */
	COMP_QUERY_DISPLAYS = 0x0301,
	COMP_DISPLAY_INFO = 0x0302,
	COMP_CREATE_SURFACE = 0x0303,
	COMP_FRAME_READY = 0x0304,
	/* compositor -> client: the request's tag | COMP_REPLY, or this */
	COMP_ERROR_REPLY = 0x03FF,
};

/** Bit set in the tag of a reply to a client request. */
#define COMP_REPLY 0x8000u

/* ---- types ------------------------------------------------------------ */

/** Geometry: 16 bytes. */
struct scanout_geometry {
	uint32_t width;	 /**< pixels */
	uint32_t height; /**< pixels */
	uint32_t pitch;	 /**< bytes per row */
	uint16_t bpp;	 /**< bits per pixel */
	uint16_t zero;
};

/** Mode: 12 bytes. */
struct scanout_mode {
	uint32_t width;
	uint32_t height;
	uint16_t refresh_hz;
	uint8_t format; /**< enum scanout_format */
	uint8_t zero;
};

/** DisplayInfo: 64 bytes. */
struct scanout_display_info {
	uint32_t display_id;
	uint8_t state;		/**< enum scanout_display_state */
	uint8_t format;		/**< enum scanout_format */
	uint16_t backing_scale; /**< x100: 100 = 1.0, 200 = 2.0 */
	struct scanout_geometry geometry;
	uint16_t refresh_hz;
	uint16_t zero;
	uint32_t capabilities;	/**< enum scanout_caps bits */
	uint8_t edid_hash[32];	/**< BLAKE3 of the EDID, zeros if none */
};

/** Rect: 8 bytes. */
struct scanout_rect {
	uint16_t x, y, w, h;
};

/** ScanoutBuffer: 40 bytes. */
struct scanout_buffer {
	uint32_t display_id;
	uint8_t format;
	uint8_t zero[3];
	struct scanout_geometry geometry;
	uint64_t vaddr;	     /**< in the driver; informational */
	uint64_t channel_id; /**< the channel the compositor attaches */
};

/* ---- compositor <-> driver messages ----------------------------------- */

/** RegisterCompositor (to 27) and WelcomeCompositor (to 28). */
struct scanout_hello {
	uint32_t tag;
	uint32_t version;	/**< SCANOUT_VERSION */
	uint32_t display_count; /**< Welcome: displays to follow; else 0 */
	uint32_t zero;
};

/** DisplayConnected and DisplayModeChanged (to 28): 80 bytes. */
struct scanout_display_msg {
	uint32_t tag;
	uint32_t zero;
	struct scanout_display_info info;
	uint64_t channel_id; /**< the display's scanout buffer */
};

/** DisplayDisconnected (to 28), QueryDisplayModes (to 27): 8 bytes. */
struct scanout_display_ref {
	uint32_t tag;
	uint32_t display_id;
};

/** FrameDisplayed (to 28): 16 bytes. */
struct scanout_frame_displayed {
	uint32_t tag;
	uint32_t display_id;
	uint64_t ticks;
};

/** ScanoutBufferAllocated (to 28): 48 bytes. */
struct scanout_buffer_msg {
	uint32_t tag;
	uint32_t zero;
	struct scanout_buffer buffer;
};

/** ModeRejected (to 28): 16 bytes. */
struct scanout_mode_rejected {
	uint32_t tag;
	uint32_t display_id;
	uint32_t error; /**< enum scanout_status */
	uint32_t zero;
};

/**
 * FrameReady (to 27) and the client's FrameReady (to 28): 16 bytes plus
 * rect_count rectangles.  rect_count 0 means the whole surface.  target
 * is the display id (to 27) or the surface id (to 28).
 */
struct scanout_frame_ready {
	uint32_t tag;
	uint32_t target;
	uint32_t rect_count; /**< 0..SCANOUT_MAX_RECTS */
	uint32_t zero;
	struct scanout_rect rects[SCANOUT_MAX_RECTS];
};
#define SCANOUT_FRAME_READY_HDR 16u

/** RequestModeChange (to 27): 20 bytes. */
struct scanout_mode_request {
	uint32_t tag;
	uint32_t display_id;
	struct scanout_mode mode;
};

/* ---- client protocol (CambiOS-C) --------------------------------------- */

/** QueryDisplays and DisplayInfo requests: 8 bytes. */
struct comp_simple_request {
	uint32_t tag;
	uint32_t arg; /**< DisplayInfo: display id; QueryDisplays: 0 */
};

/** CreateSurface request: 24 bytes. */
struct comp_create_surface {
	uint32_t tag;
	uint32_t display_id;
	uint32_t width;
	uint32_t height;
	uint32_t format; /**< enum scanout_format */
	uint32_t zero;
};

/** Compositor modes, as QueryDisplays reports them. */
enum comp_mode {
	COMP_MODE_HANDSHAKE = 0, /**< waiting for WelcomeCompositor */
	COMP_MODE_HEADLESS = 1,	 /**< no driver: nothing is displayed */
	COMP_MODE_PAIRED = 2,	 /**< a driver answered */
};

/** Answer to QueryDisplays: 48 bytes. */
struct comp_displays_reply {
	uint32_t tag;	       /**< COMP_QUERY_DISPLAYS | COMP_REPLY */
	uint32_t status;       /**< OK, HEADLESS or PENDING */
	uint32_t mode;	       /**< enum comp_mode */
	uint32_t display_count;
	uint32_t display_ids[SCANOUT_MAX_DISPLAYS];
};

/** Answer to DisplayInfo: 72 bytes. */
struct comp_info_reply {
	uint32_t tag;
	uint32_t status;
	struct scanout_display_info info; /**< zeros unless status OK */
};

/**
 * Answer to CreateSurface and FrameReady, and COMP_ERROR_REPLY: 16 bytes.
 * value: CreateSurface's surface id; the offending tag in an error reply.
 */
struct comp_status_reply {
	uint32_t tag;
	uint32_t status;
	uint32_t value;
	uint32_t zero;
};

_Static_assert(sizeof(struct scanout_geometry) == 16, "Geometry");
_Static_assert(sizeof(struct scanout_mode) == 12, "Mode");
_Static_assert(offsetof(struct scanout_display_info, geometry) == 8, "info");
_Static_assert(offsetof(struct scanout_display_info, refresh_hz) == 24, "info");
_Static_assert(offsetof(struct scanout_display_info, capabilities) == 28,
	       "info");
_Static_assert(offsetof(struct scanout_display_info, edid_hash) == 32, "info");
_Static_assert(sizeof(struct scanout_display_info) == 64, "DisplayInfo");
_Static_assert(sizeof(struct scanout_rect) == 8, "Rect");
_Static_assert(offsetof(struct scanout_buffer, geometry) == 8, "buffer");
_Static_assert(offsetof(struct scanout_buffer, vaddr) == 24, "buffer");
_Static_assert(sizeof(struct scanout_buffer) == 40, "ScanoutBuffer");
_Static_assert(sizeof(struct scanout_hello) == 16, "hello");
_Static_assert(offsetof(struct scanout_display_msg, info) == 8, "display msg");
_Static_assert(offsetof(struct scanout_display_msg, channel_id) == 72,
	       "display msg");
_Static_assert(sizeof(struct scanout_display_msg) == 80, "display msg");
_Static_assert(sizeof(struct scanout_display_ref) == 8, "display ref");
_Static_assert(sizeof(struct scanout_frame_displayed) == 16, "displayed");
_Static_assert(sizeof(struct scanout_buffer_msg) == 48, "buffer msg");
_Static_assert(sizeof(struct scanout_mode_rejected) == 16, "rejected");
_Static_assert(offsetof(struct scanout_frame_ready, rects) ==
		   SCANOUT_FRAME_READY_HDR,
	       "FrameReady");
_Static_assert(sizeof(struct scanout_frame_ready) == 16 + 8 * 16, "FrameReady");
_Static_assert(sizeof(struct scanout_mode_request) == 20, "mode request");
_Static_assert(sizeof(struct comp_simple_request) == 8, "client request");
_Static_assert(sizeof(struct comp_create_surface) == 24, "create surface");
_Static_assert(sizeof(struct comp_displays_reply) == 48, "displays reply");
_Static_assert(sizeof(struct comp_info_reply) == 72, "info reply");
_Static_assert(sizeof(struct comp_status_reply) == 16, "status reply");
