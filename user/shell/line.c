/*
 * user/shell/line.c - the shell's line editor (docs/shell.md §2).
 *
 * Keys: printable ASCII inserts at the cursor; Backspace (0x7F or 0x08)
 * erases before it, Delete (ESC [ 3 ~) under it; Left/Right (ESC [ D /
 * ESC [ C, also ESC O D / ESC O C) move; Home/End and Ctrl-A/Ctrl-E jump;
 * Up/Down (ESC [ A / ESC [ B) walk the history; Ctrl-U clears the line,
 * Ctrl-C drops it, Ctrl-L clears the screen; CR or LF ends it (CR LF
 * counts once).  A key that cannot act (a full line, Left at the start,
 * no older history entry, any other byte) rings the bell (BEL, 0x07)
 * and changes nothing.
 *
 * The terminal is assumed to be a VT100: the editor keeps the terminal's
 * cursor where its own cursor is, using CSI n C / CSI n D to move and
 * CSI K to erase to the end of the line.  Typing at the end of the line
 * echoes just the character, so a plain transcript reads naturally.
 */
#include "user/shell/line.h"

#include "lib/libsys/libsys.h"

#include "user/shell/shell.h"

#define KEY_CTRL_A 0x01
#define KEY_CTRL_C 0x03
#define KEY_CTRL_E 0x05
#define KEY_BS	   0x08
#define KEY_LF	   0x0A
#define KEY_CTRL_L 0x0C
#define KEY_CR	   0x0D
#define KEY_CTRL_U 0x15
#define KEY_ESC	   0x1B
#define KEY_DEL	   0x7F

/* Largest CSI parameter kept; longer digit runs saturate. */
#define CSI_PARAM_MAX 9999u

static void bell(void)
{
	out_char('\a');
}

/* Move the terminal's cursor n columns: dir 'C' right, 'D' left. */
static void move_cursor(size_t n, char dir)
{
	char seq[16];
	int len;

	if (n == 0)
		return;
	if (n == 1) {
		char s[3] = {KEY_ESC, '[', dir};

		out_write(s, sizeof(s));
		return;
	}
	len = snprintf(seq, sizeof(seq), "\x1b[%zu%c", n, dir);
	if (len > 0)
		out_write(seq, (size_t)len);
}

/* Rewrite the whole line: prompt, text, erase the rest, place cursor. */
static void redraw(const struct line_editor *e)
{
	out_char('\r');
	out_str(e->prompt);
	out_write(e->buf, e->len);
	out_str("\x1b[K");
	move_cursor(e->len - e->cursor, 'D');
}

/* Replace the line with text (history recall), cursor at its end. */
static void set_line(struct line_editor *e, const char *text)
{
	e->len = strlcpy(e->buf, text, sizeof(e->buf));
	if (e->len > LINE_LEN_MAX)
		e->len = LINE_LEN_MAX;
	e->cursor = e->len;
	redraw(e);
}

static void insert_char(struct line_editor *e, char c)
{
	size_t tail = e->len - e->cursor;

	if (e->len == LINE_LEN_MAX) {
		bell(); /* bounded: refuse, never overflow */
		return;
	}
	memmove(e->buf + e->cursor + 1, e->buf + e->cursor, tail + 1);
	e->buf[e->cursor] = c;
	e->len++;
	/* Echo c and the text it pushed right, then step back over that. */
	out_write(e->buf + e->cursor, tail + 1);
	e->cursor++;
	move_cursor(tail, 'D');
}

/* Remove the character at position at (< len); the cursor is already
 * on the terminal at column at. */
static void erase_at(struct line_editor *e, size_t at)
{
	size_t tail = e->len - at - 1;

	memmove(e->buf + at, e->buf + at + 1, tail + 1);
	e->len--;
	e->cursor = at;
	/* Shift the tail left and blank the column it vacated. */
	out_write(e->buf + at, tail);
	out_char(' ');
	move_cursor(tail + 1, 'D');
}

static void backspace(struct line_editor *e)
{
	if (e->cursor == 0) {
		bell();
		return;
	}
	out_char('\b');
	erase_at(e, e->cursor - 1);
}

static void delete_under(struct line_editor *e)
{
	if (e->cursor == e->len) {
		bell();
		return;
	}
	erase_at(e, e->cursor);
}

static void left(struct line_editor *e)
{
	if (e->cursor == 0) {
		bell();
		return;
	}
	e->cursor--;
	move_cursor(1, 'D');
}

static void right(struct line_editor *e)
{
	if (e->cursor == e->len) {
		bell();
		return;
	}
	e->cursor++;
	move_cursor(1, 'C');
}

static void home(struct line_editor *e)
{
	move_cursor(e->cursor, 'D');
	e->cursor = 0;
}

static void end(struct line_editor *e)
{
	move_cursor(e->len - e->cursor, 'C');
	e->cursor = e->len;
}

/* The k-th most recent history entry, k = 1..hist_count. */
static const char *hist_entry(const struct line_editor *e, unsigned k)
{
	return e->hist[(e->hist_head + LINE_HISTORY - k) % LINE_HISTORY];
}

static void history_up(struct line_editor *e)
{
	if (e->hist_pos == e->hist_count) {
		bell(); /* no older entry */
		return;
	}
	if (e->hist_pos == 0) /* leaving the line being typed: keep it */
		strlcpy(e->draft, e->buf, sizeof(e->draft));
	e->hist_pos++;
	set_line(e, hist_entry(e, e->hist_pos));
}

static void history_down(struct line_editor *e)
{
	if (e->hist_pos == 0) {
		bell();
		return;
	}
	e->hist_pos--;
	set_line(e, e->hist_pos ? hist_entry(e, e->hist_pos) : e->draft);
}

static void clear_line(struct line_editor *e)
{
	e->buf[0] = '\0';
	e->len = 0;
	e->cursor = 0;
	redraw(e);
}

/* The final byte of ESC [ ... or ESC O: act on the key it names. */
static void escape_key(struct line_editor *e, uint8_t final)
{
	switch (final) {
	case 'A':
		history_up(e);
		break;
	case 'B':
		history_down(e);
		break;
	case 'C':
		right(e);
		break;
	case 'D':
		left(e);
		break;
	case 'H':
		home(e);
		break;
	case 'F':
		end(e);
		break;
	case '~': /* VT220 keys: ESC [ n ~ */
		if (e->csi_param == 1 || e->csi_param == 7)
			home(e);
		else if (e->csi_param == 4 || e->csi_param == 8)
			end(e);
		else if (e->csi_param == 3)
			delete_under(e);
		break;
	default:
		break; /* a key the editor does not use: ignore it */
	}
}

/*
 * Inside an escape sequence: returns true when c was consumed, false
 * when the sequence was abandoned and c must be read as ordinary input.
 */
static bool escape_byte(struct line_editor *e, uint8_t c)
{
	if (c < 0x20 || c > 0x7E) {
		/* A control byte cuts the sequence short (a lone ESC, or
		 * line noise): it is read as ordinary input. */
		e->esc = LINE_ESC_NONE;
		return false;
	}
	switch (e->esc) {
	case LINE_ESC_START:
		e->csi_param = 0;
		if (c == '[')
			e->esc = LINE_ESC_CSI;
		else if (c == 'O')
			e->esc = LINE_ESC_SS3;
		else
			e->esc = LINE_ESC_NONE; /* Alt-<key>: ignored */
		return true;
	case LINE_ESC_CSI:
		if (c >= '0' && c <= '9') {
			e->csi_param = e->csi_param * 10 + (unsigned)(c - '0');
			if (e->csi_param > CSI_PARAM_MAX)
				e->csi_param = CSI_PARAM_MAX;
			return true;
		}
		if (c < 0x40)
			return true; /* ';', intermediates: keep reading */
		e->esc = LINE_ESC_NONE;
		escape_key(e, c);
		return true;
	case LINE_ESC_SS3:
		e->esc = LINE_ESC_NONE;
		escape_key(e, c);
		return true;
	case LINE_ESC_NONE:
		break;
	}
	return false;
}

enum line_event line_feed(struct line_editor *e, uint8_t c)
{
	bool after_cr = e->after_cr;

	e->after_cr = false;
	if (e->esc != LINE_ESC_NONE && escape_byte(e, c))
		return LINE_MORE;
	if (c >= 0x20 && c <= 0x7E) {
		insert_char(e, (char)c);
		return LINE_MORE;
	}
	switch (c) {
	case KEY_CR:
		e->after_cr = true;
		out_char('\n');
		return LINE_DONE;
	case KEY_LF:
		if (after_cr)
			return LINE_MORE; /* the LF of CR LF */
		out_char('\n');
		return LINE_DONE;
	case KEY_DEL:
	case KEY_BS:
		backspace(e);
		break;
	case KEY_ESC:
		e->esc = LINE_ESC_START;
		break;
	case KEY_CTRL_A:
		home(e);
		break;
	case KEY_CTRL_E:
		end(e);
		break;
	case KEY_CTRL_U:
		clear_line(e);
		break;
	case KEY_CTRL_L:
		out_str("\x1b[H\x1b[2J");
		redraw(e);
		break;
	case KEY_CTRL_C:
		out_str("^C\n");
		e->buf[0] = '\0';
		e->len = 0;
		e->cursor = 0;
		return LINE_CANCEL;
	case 0x00:
		break; /* NUL (telnet's CR NUL, a serial break): nothing */
	default:
		bell(); /* Tab, other controls, bytes >= 0x80 */
		break;
	}
	return LINE_MORE;
}

void line_init(struct line_editor *e, const char *prompt)
{
	memset(e, 0, sizeof(*e));
	e->prompt = prompt;
}

void line_start(struct line_editor *e)
{
	e->buf[0] = '\0';
	e->len = 0;
	e->cursor = 0;
	e->esc = LINE_ESC_NONE;
	e->hist_pos = 0;
	out_str(e->prompt);
}

const char *line_text(const struct line_editor *e)
{
	return e->buf;
}

void line_history_add(struct line_editor *e, const char *text)
{
	if (text[0] == '\0' ||
	    (e->hist_count && strcmp(hist_entry(e, 1), text) == 0))
		return;
	strlcpy(e->hist[e->hist_head], text, sizeof(e->hist[0]));
	e->hist_head = (e->hist_head + 1) % LINE_HISTORY;
	if (e->hist_count < LINE_HISTORY)
		e->hist_count++;
}
