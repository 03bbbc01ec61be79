/*
 * user/compositor/proto.h - encode and decode the messages of
 * abi/scanout.h: the compositor <-> scanout-driver protocol and the
 * compositor's client protocol.  Portable (user space and host tests);
 * decoding treats every byte as hostile.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/scanout.h"

/** One decoded message: tag says which member is valid. */
struct scanout_msg {
	uint32_t tag; /**< enum scanout_tag */
	union {
		struct scanout_hello hello;
		struct scanout_display_msg display;
		struct scanout_display_ref ref;
		struct scanout_frame_displayed displayed;
		struct scanout_buffer_msg buffer;
		struct scanout_mode_rejected rejected;
		struct scanout_frame_ready frame;
		struct scanout_mode_request mode;
		struct comp_simple_request simple;
		struct comp_create_surface create;
		struct comp_displays_reply displays;
		struct comp_info_reply info;
		struct comp_status_reply status;
	} u;
};

/**
 * Wire length of a message with tag tag (replies: the reply tag) and,
 * for the FrameReady messages, rect_count rectangles.  0 for an unknown
 * tag or rect_count > SCANOUT_MAX_RECTS.
 */
size_t scanout_msg_len(uint32_t tag, uint32_t rect_count);

/**
 * Decode buf[0, len) into *out.  Returns 0, or:
 *   -ETRUNC    len < 4
 *   -EINVAL    unknown tag
 *   -ECORRUPT  length not the tag's exact length, rect_count above 16,
 *              a padding field not zero, an enum out of range (state,
 *              format, capability bits, status, mode), a display or
 *              id count above SCANOUT_MAX_DISPLAYS, an empty rectangle
 *              or one past 65535
 *   -EVERSION  a RegisterCompositor or WelcomeCompositor of another
 *              version
 * On error *out is unspecified.
 */
int scanout_decode(const void *buf, size_t len, struct scanout_msg *out);

/**
 * Encode *m (its tag chooses the member; padding is written as zero)
 * into buf of cap bytes.  Returns the length, or 0 when the tag is
 * unknown, rect_count is too large or cap is too small.
 */
size_t scanout_encode(const struct scanout_msg *m, void *buf, size_t cap);

/** A name for status, for logs ("?" when unknown). */
const char *scanout_status_name(uint32_t status);

/** A name for mode, for logs ("?" when unknown). */
const char *comp_mode_name(uint32_t mode);
