/*
 * kernel/core/cmdline.c - kernel command line parsing.
 *
 * The parser never fails as a whole: each word is decoded on its own, a
 * bad word is counted, remembered and skipped, and the rest still apply.
 */
#include "kernel/core/cmdline.h"

#include "lib/klib/string.h"

#include "abi/errno.h"

/* One word of the line, quotes removed. */
struct cmdline_word {
	char text[CMDLINE_WORD_MAX + 1]; /* NUL-terminated when !overlong */
	size_t len;			 /* bytes in text */
	bool overlong;			 /* more than CMDLINE_WORD_MAX bytes */
	bool open_quote;		 /* a '"' was never closed */
	bool cut;	 /* the CMDLINE_LINE_MAX limit split the word */
	const char *raw; /* the word as written in the line */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void copy_name(char *dst, const char *src, size_t len)
{
	if (len > CMDLINE_NAME_MAX - 1)
		len = CMDLINE_NAME_MAX - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Count a rejected word; the first one's error and text are kept. */
static void note_error(struct cmdline *out, int err,
		       const struct cmdline_word *w)
{
	size_t n = 0;

	out->bad_words++;
	if (out->error)
		return;
	out->error = err;
	/* The raw text: the line is NUL-terminated, so this read is safe. */
	while (n < CMDLINE_NAME_MAX - 1 && w->raw[n] && !is_blank(w->raw[n]))
		n++;
	copy_name(out->error_word, w->raw, n);
}

/*
 * Scan the word at or after *pos in line[0, n).  Returns false when only
 * blanks remain.  line_cut says the line went on beyond n.
 */
static bool next_word(const char *line, size_t n, bool line_cut, size_t *pos,
		      struct cmdline_word *w)
{
	size_t i = *pos;
	bool in_quote = false;

	while (i < n && is_blank(line[i]))
		i++;
	if (i >= n)
		return false;
	w->raw = line + i;
	w->len = 0;
	w->overlong = false;
	for (; i < n; i++) {
		char c = line[i];

		if (c == '"') {
			in_quote = !in_quote;
			continue;
		}
		if (!in_quote && is_blank(c))
			break;
		if (w->len < CMDLINE_WORD_MAX)
			w->text[w->len++] = c;
		else
			w->overlong = true;
	}
	w->text[w->len] = '\0';
	w->open_quote = in_quote;
	w->cut = i == n && line_cut;
	*pos = i;
	return true;
}

/* Strict unsigned decimal in [0, max]. */
static int parse_uint(const char *s, unsigned max, unsigned *val)
{
	unsigned v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (*s < '0' || *s > '9')
			return -EINVAL;
		/* v * 10 + d > max, asked without overflowing. */
		if (d > max || v > (max - d) / 10) {
			/* Keep scanning so "12x" is EINVAL, not ERANGE. */
			for (s++; *s; s++) {
				if (*s < '0' || *s > '9')
					return -EINVAL;
			}
			return -ERANGE;
		}
		v = v * 10 + d;
	}
	*val = v;
	return 0;
}

static int parse_loglevel(const char *v, int *level)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
	    {"error", CMDLINE_LOG_ERROR},
	    {"warn", CMDLINE_LOG_WARN},
	    {"info", CMDLINE_LOG_INFO},
	    {"debug", CMDLINE_LOG_DEBUG},
	};
	unsigned n;
	int err;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(v, names[i].name)) {
			*level = names[i].level;
			return 0;
		}
	}
	err = parse_uint(v, 7, &n);
	if (err)
		return err;
	*level = (int)n;
	return 0;
}

static int add_test(struct cmdline *out, const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		return -EINVAL;
	if (len > CMDLINE_NAME_MAX - 1)
		return -ETRUNC;
	if (cmdline_has_test(out, name))
		return 0;
	if (out->test_count >= CMDLINE_MAX_TESTS)
		return -EFULL;
	copy_name(out->tests[out->test_count++], name, len);
	return 0;
}

static void add_unknown(struct cmdline *out, const struct cmdline_word *w,
			size_t key_len)
{
	if (out->unknown_count >= CMDLINE_MAX_UNKNOWN) {
		out->unknown_dropped++;
		return;
	}
	/* "=x" has no key: keep the whole word so the log says something. */
	copy_name(out->unknown[out->unknown_count++], w->text,
		  key_len ? key_len : w->len);
}

static bool key_is(const struct cmdline_word *w, size_t key_len,
		   const char *key)
{
	return strlen(key) == key_len && !strncmp(w->text, key, key_len);
}

/* Apply one complete word; returns 0 or the error for this word. */
static int apply_word(struct cmdline *out, const struct cmdline_word *w)
{
	const char *eq = NULL;
	const char *val;
	size_t key_len;

	for (size_t i = 0; i < w->len; i++) {
		if (w->text[i] == '=') {
			eq = w->text + i;
			break;
		}
	}
	key_len = eq ? (size_t)(eq - w->text) : w->len;
	val = eq ? eq + 1 : NULL;

	if (key_is(w, key_len, "exit")) {
		if (val)
			return -EINVAL;
		out->exit_after_boot = true;
		return 0;
	}
	if (key_is(w, key_len, "loglevel")) {
		int level;
		int err = val ? parse_loglevel(val, &level) : -EINVAL;

		if (!err)
			out->loglevel = level;
		return err;
	}
	if (key_is(w, key_len, "smp")) {
		unsigned n;
		int err = val ? parse_uint(val, CMDLINE_SMP_MAX, &n) : -EINVAL;

		if (!err && n == 0)
			err = -ERANGE;
		if (!err)
			out->smp = n;
		return err;
	}
	if (key_is(w, key_len, "test"))
		return val ? add_test(out, val) : -EINVAL;
	add_unknown(out, w, key_len);
	return 0;
}

int cmdline_parse(const char *line, struct cmdline *out)
{
	struct cmdline_word w;
	size_t n, pos = 0;
	bool line_cut;

	memset(out, 0, sizeof(*out));
	out->loglevel = CMDLINE_LOGLEVEL_DEFAULT;
	if (!line)
		return 0;

	n = strnlen(line, CMDLINE_LINE_MAX + 1);
	line_cut = n > CMDLINE_LINE_MAX;
	if (line_cut)
		n = CMDLINE_LINE_MAX;

	while (next_word(line, n, line_cut, &pos, &w)) {
		int err;

		if (w.cut || w.overlong)
			err = -ETRUNC;
		else if (w.open_quote)
			err = -EINVAL;
		else
			err = apply_word(out, &w);
		if (err)
			note_error(out, err, &w);
	}
	/* Words past the limit were not looked at: say so. */
	if (line_cut && !out->error)
		out->error = -ETRUNC;
	return out->error;
}

bool cmdline_has_test(const struct cmdline *c, const char *name)
{
	if (!name)
		return false;
	for (unsigned i = 0; i < c->test_count && i < CMDLINE_MAX_TESTS; i++) {
		if (!strcmp(c->tests[i], name))
			return true;
	}
	return false;
}
