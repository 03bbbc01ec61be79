/*
 * user/compositor/core.h - the compositor's state machine, without
 * syscalls: the handshake with the scanout driver, the display table, and
 * the answers to clients (docs/compositor.md section 2).  The program
 * (compositor.c) feeds it messages and the time; host tests feed it
 * hostile bytes and any clock they like.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/scanout.h"

/** Everything the compositor knows.  One instance, one thread. */
struct comp_state {
	uint32_t mode;	    /**< enum comp_mode */
	uint64_t deadline;  /**< HANDSHAKE: tick at which it gives up */
	uint32_t display_count; /**< valid entries of displays[] */
	struct scanout_display_info displays[SCANOUT_MAX_DISPLAYS];
	uint64_t channels[SCANOUT_MAX_DISPLAYS]; /**< scanout buffer of each */
	uint32_t requests;  /**< client requests answered */
	uint32_t refused;   /**< malformed client requests */
	uint32_t dropped;   /**< driver messages ignored */
};

/**
 * Start: if the RegisterCompositor reached a driver (contacted), wait for
 * its WelcomeCompositor until now + SCANOUT_HANDSHAKE_TICKS; otherwise be
 * headless at once.
 */
void comp_start(struct comp_state *s, bool contacted, uint64_t now);

/**
 * Let time pass: a handshake past its deadline becomes headless.  Returns
 * true when the mode changed.  Called before each message is handled, so
 * the timeout costs no CPU: a compositor nobody talks to stays blocked.
 */
bool comp_tick(struct comp_state *s, uint64_t now);

/**
 * A message from the scanout driver (sender's reply endpoint 27).
 * Returns 0 when it changed or confirmed the state; a negative code
 * (scanout_decode()'s, or -EPERM for a message the current mode does
 * not expect: anything before WelcomeCompositor, any driver message once
 * headless) when it was ignored, counted in dropped.
 */
int comp_driver_message(struct comp_state *s, const void *buf, size_t len);

/**
 * A client request: writes the answer into reply (cap bytes, at least
 * sizeof(struct comp_info_reply)) and returns its length (0 only if cap
 * is too small).  A malformed or unknown request gets COMP_ERROR_REPLY
 * with SCANOUT_BAD_REQUEST and the offending tag (0 when shorter than
 * a tag).
 */
size_t comp_client_request(struct comp_state *s, const void *buf, size_t len,
			   void *reply, size_t cap);
