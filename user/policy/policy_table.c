/*
 * user/policy/policy_table.c - the policy table and its parser
 * (interface and text form in policy_table.h).
 */
#include "user/policy/policy_table.h"

#include "lib/klib/string.h"

#include "abi/errno.h"

/* Text of a message being built into a fixed buffer. */
struct msgbuf {
	char *s;
	size_t len, size;
};

static void put_str(struct msgbuf *m, const char *s)
{
	while (*s && m->len + 1 < m->size)
		m->s[m->len++] = *s++;
	m->s[m->len] = '\0';
}

static void put_num(struct msgbuf *m, unsigned long v)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n > 0 && m->len + 1 < m->size)
		m->s[m->len++] = digits[--n];
	m->s[m->len] = '\0';
}

/* A word of the text: not NUL-terminated. */
struct word {
	const char *p;
	size_t n;
};

static int fail(struct policy_parse_error *err, unsigned line,
		const char *what, const struct word *w)
{
	struct msgbuf m;

	if (!err)
		return -EINVAL;
	err->line = line;
	m = (struct msgbuf){err->msg, 0, sizeof(err->msg)};
	err->msg[0] = '\0';
	if (line) {
		put_str(&m, "line ");
		put_num(&m, line);
		put_str(&m, ": ");
	}
	put_str(&m, what);
	if (w) {
		char tmp[32];
		size_t n = w->n < sizeof(tmp) - 1 ? w->n : sizeof(tmp) - 1;

		memcpy(tmp, w->p, n);
		tmp[n] = '\0';
		put_str(&m, " '");
		put_str(&m, tmp);
		put_str(&m, w->n > n ? "...'" : "'");
	}
	return -EINVAL;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static bool valid_name(const char *p, size_t n)
{
	if (n == 0 || n >= POLICY_NAME_SIZE)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!name_char(p[i]))
			return false;
	}
	return true;
}

static bool word_is(const struct word *w, const char *s)
{
	return strlen(s) == w->n && !memcmp(w->p, s, w->n);
}

static int find(const struct policy_table *t, const char *p, size_t n)
{
	for (unsigned i = 0; i < t->count; i++) {
		if (strlen(t->prof[i].name) == n && !memcmp(t->prof[i].name, p, n))
			return (int)i;
	}
	return -1;
}

/* A syscall number 0..63 of at most two digits; advances *p. */
static bool number(const char **p, const char *end, unsigned *out)
{
	unsigned v = 0, digits = 0;

	while (*p < end && **p >= '0' && **p <= '9') {
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
		if (++digits > 2)
			return false;
	}
	if (digits == 0 || v >= POLICY_SYSCALLS)
		return false;
	*out = v;
	return true;
}

/* N or N-M into a bitmap; false when malformed or out of range. */
static bool range(const struct word *w, uint64_t *bits, const char **why)
{
	const char *p = w->p, *end = w->p + w->n;
	unsigned lo, hi;

	*why = "bad syscall number (0-63)";
	if (!number(&p, end, &lo))
		return false;
	hi = lo;
	if (p < end && *p == '-') {
		p++;
		if (!number(&p, end, &hi))
			return false;
		if (hi < lo) {
			*why = "range runs backwards";
			return false;
		}
	}
	if (p != end)
		return false;
	*bits = (hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1) & ~((1ull << lo) - 1);
	return true;
}

/* Apply one rule word to profile pr. */
static int rule(struct policy_table *t, struct policy_profile *pr,
		const struct word *w, unsigned line,
		struct policy_parse_error *err)
{
	const char *why;
	uint64_t bits;

	if (word_is(w, "all")) {
		pr->allow = ~0ull;
		return 0;
	}
	if (word_is(w, "admin")) {
		pr->admin = true;
		return 0;
	}
	if (word_is(w, "log")) {
		pr->log = true;
		return 0;
	}
	if (w->p[0] == '@') {
		int i = find(t, w->p + 1, w->n - 1);

		/* Only earlier lines: the profile being defined is the
		 * last one and not yet complete. */
		if (i < 0 || (unsigned)i == t->count - 1)
			return fail(err, line, "unknown profile (define it on an "
					       "earlier line)", w);
		pr->allow |= t->prof[i].allow;
		return 0;
	}
	if (w->p[0] == '!') {
		struct word r = {w->p + 1, w->n - 1};

		if (!range(&r, &bits, &why))
			return fail(err, line, why, w);
		pr->allow &= ~bits;
		return 0;
	}
	if (w->p[0] >= '0' && w->p[0] <= '9') {
		if (!range(w, &bits, &why))
			return fail(err, line, why, w);
		pr->allow |= bits;
		return 0;
	}
	return fail(err, line, "unknown word", w);
}

/* The next word of [*p, end), skipping blanks; false at the end. */
static bool next_word(const char **p, const char *end, struct word *w)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	if (*p == end)
		return false;
	w->p = *p;
	while (*p < end && **p != ' ' && **p != '\t')
		(*p)++;
	w->n = (size_t)(*p - w->p);
	return true;
}

static int parse_line(struct policy_table *t, const char *p, const char *end,
		      unsigned line, struct policy_parse_error *err)
{
	struct policy_profile *pr;
	struct word w;
	int err_code;

	for (const char *c = p; c < end; c++) {
		if (*c == '#') {
			end = c;
			break;
		}
		if (*c == '\r' && c + 1 == end) {
			end = c;
			break;
		}
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return fail(err, line, "control character in line", NULL);
	}
	if (!next_word(&p, end, &w))
		return 0; /* blank or comment */
	if (!valid_name(w.p, w.n))
		return fail(err, line, "bad program name (1-31 of a-z A-Z 0-9 _ - .)",
			    &w);
	if (find(t, w.p, w.n) >= 0)
		return fail(err, line, "program listed twice", &w);
	if (t->count == POLICY_TABLE_MAX)
		return fail(err, line, "too many profiles", NULL);
	pr = &t->prof[t->count++];
	memset(pr, 0, sizeof(*pr));
	memcpy(pr->name, w.p, w.n);
	if (!strcmp(pr->name, POLICY_DEFAULT_NAME))
		t->default_idx = t->count - 1;
	while (next_word(&p, end, &w)) {
		err_code = rule(t, pr, &w, line, err);
		if (err_code)
			return err_code;
	}
	return 0;
}

int policy_table_parse(struct policy_table *t, const char *text, size_t len,
		       struct policy_parse_error *err)
{
	const char *p, *end;
	unsigned line = 0;
	bool have_default = false;

	if (!t || (!text && len))
		return fail(err, 0, "no table", NULL);
	p = text;
	end = text + len;
	memset(t, 0, sizeof(*t));
	while (p < end) {
		const char *eol = p;
		int e;

		while (eol < end && *eol != '\n')
			eol++;
		line++;
		if ((size_t)(eol - p) > POLICY_LINE_MAX)
			return fail(err, line, "line too long", NULL);
		e = parse_line(t, p, eol, line, err);
		if (e)
			return e;
		p = eol < end ? eol + 1 : eol;
	}
	for (unsigned i = 0; i < t->count; i++)
		have_default |= !strcmp(t->prof[i].name, POLICY_DEFAULT_NAME);
	if (!have_default)
		return fail(err, 0, "no 'default' profile", NULL);
	return 0;
}

const struct policy_profile *policy_table_lookup(const struct policy_table *t,
						 const char *name)
{
	int i = name ? find(t, name, strnlen(name, POLICY_NAME_SIZE)) : -1;

	return &t->prof[i >= 0 ? (unsigned)i : t->default_idx];
}

bool policy_table_allows(const struct policy_table *t, const char *name,
			 unsigned nr)
{
	if (nr >= POLICY_SYSCALLS)
		return false;
	return (policy_table_lookup(t, name)->allow >> nr) & 1;
}

int policy_table_set(struct policy_table *t, const char *name, unsigned nr,
		     bool allow)
{
	size_t n = name ? strnlen(name, POLICY_NAME_SIZE) : 0;
	struct policy_profile *pr;
	int i;

	if (nr >= POLICY_SYSCALLS || !valid_name(name, n))
		return -EINVAL;
	i = find(t, name, n);
	if (i < 0) {
		if (t->count == POLICY_TABLE_MAX)
			return -ENOSPC;
		pr = &t->prof[t->count++];
		*pr = t->prof[t->default_idx];
		memset(pr->name, 0, sizeof(pr->name));
		memcpy(pr->name, name, n);
		pr->admin = false;
		pr->log = false;
	} else {
		pr = &t->prof[i];
	}
	if (allow)
		pr->allow |= 1ull << nr;
	else
		pr->allow &= ~(1ull << nr);
	return 0;
}
