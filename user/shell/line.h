/*
 * user/shell/line.h - the shell's line editor: one input byte at a time
 * in, VT100 output and a finished line out (docs/shell.md §2).
 *
 * The editor knows nothing of the console: it reads bytes the caller
 * feeds it and writes its echo and redraws through out_write() (shell.h),
 * so the same code runs on the kernel's serial console and under
 * cambios-urun.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest line in characters; the buffer holds one more for the NUL. */
#define LINE_LEN_MAX 256
/** Lines remembered for the up and down arrows. */
#define LINE_HISTORY 32

/** What a byte did to the line. */
enum line_event {
	LINE_MORE = 0,	 /**< still editing */
	LINE_DONE = 1,	 /**< Enter: the line is in line_text() */
	LINE_CANCEL = 2, /**< Ctrl-C: the line was dropped */
};

/** Input decoder states: plain bytes, or inside an escape sequence. */
enum line_esc {
	LINE_ESC_NONE = 0, /**< ordinary input */
	LINE_ESC_START,	   /**< after ESC */
	LINE_ESC_CSI,	   /**< after ESC [ : parameters, then a final byte */
	LINE_ESC_SS3,	   /**< after ESC O : one final byte */
};

/** One editor: the line, its cursor, the decoder and the history. */
struct line_editor {
	char buf[LINE_LEN_MAX + 1]; /**< the line, NUL-terminated */
	size_t len;		    /**< characters in buf */
	size_t cursor;		    /**< insertion point, 0..len */
	enum line_esc esc;	    /**< escape-sequence decoder state */
	unsigned csi_param; /**< first numeric CSI parameter (0 = none) */
	bool after_cr;	    /**< last byte was CR: a following LF is eaten */
	const char *prompt; /**< printed before the line on redraws */
	/** Older lines, most recent at hist[(hist_head - 1) % N]. */
	char hist[LINE_HISTORY][LINE_LEN_MAX + 1];
	unsigned hist_count; /**< entries used, <= LINE_HISTORY */
	unsigned hist_head;  /**< where the next entry goes */
	/** Entry shown: 0 = the line being typed, k = k-th most recent. */
	unsigned hist_pos;
	char draft[LINE_LEN_MAX +
		   1]; /**< the line being typed, while browsing */
};

/** Start an editor with an empty line and no history. */
void line_init(struct line_editor *e, const char *prompt);

/** Print the prompt and begin a new, empty line (history stays). */
void line_start(struct line_editor *e);

/**
 * Feed one input byte.  Echo and redraws go to out_write(); the caller
 * flushes.  Returns LINE_DONE when Enter finished a line (read it with
 * line_text(), then call line_start() for the next), LINE_CANCEL after
 * Ctrl-C, LINE_MORE otherwise.
 */
enum line_event line_feed(struct line_editor *e, uint8_t c);

/** The finished line (valid until the next line_start()). */
const char *line_text(const struct line_editor *e);

/** Remember a finished line for the arrows (empty lines and repeats are
 * not stored). */
void line_history_add(struct line_editor *e, const char *text);
