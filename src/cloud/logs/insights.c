/*
 * Logs Insights' query language: a lexer, a parser to commands, and a run over events.
 */
#include "cloud/logs/insights.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

#define DEFAULT_LIMIT 10000
#define MAX_TOKENS    4096

/* --- Values and rows ------------------------------------------------------------------- */

struct val {
	char *s; /* as displayed */
	bool isnum;
	double num;
};

struct kv {
	char *name;
	struct val v;
};

struct arena;

/* A row's names and values: on the heap (rows kept for the results), or, when ar is set, in
 * an arena that is emptied for the next event (the scratch row an event is read into). */
struct row {
	struct kv *kv;
	size_t n, cap;
	long long ts;
	struct arena *ar;
};

/* Blocks handed out in order and taken back all at once. */
struct arena {
	char *buf;
	size_t used, cap;
	char **old; /* blocks outgrown since the last reset */
	size_t nold;
};

static char *arena_alloc(struct arena *a, size_t n)
{
	if (a->used + n > a->cap) {
		if (a->buf) {
			a->old = xrealloc(a->old, (a->nold + 1) * sizeof(*a->old));
			a->old[a->nold++] = a->buf;
		}
		a->cap = n > 65536 ? n : 65536;
		a->buf = xmalloc(a->cap);
		a->used = 0;
	}
	char *p = a->buf + a->used;
	a->used += n;
	return p;
}

static void arena_reset(struct arena *a)
{
	for (size_t i = 0; i < a->nold; i++)
		free(a->old[i]);
	a->nold = 0;
	a->used = 0;
}

static void arena_release(struct arena *a)
{
	arena_reset(a);
	free(a->old);
	free(a->buf);
	memset(a, 0, sizeof(*a));
}

static char *row_strdup(struct row *r, const char *s, size_t len)
{
	char *p = r->ar ? arena_alloc(r->ar, len + 1) : xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Is s (len bytes) a number, as strtod reads it whole? Plain decimals of up to 15 digits are
 * read directly: a mantissa below 2^53 divided by an exact power of ten is rounded once, as
 * strtod rounds. */
static void val_parse_num(struct val *v, size_t len)
{
	static const double pow10[] = { 1,   1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
					1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	const char *s = v->s;
	v->isnum = false;
	v->num = 0;
	if (!len || !(isdigit((unsigned char)s[0]) || strchr("+-. \t\n\v\f\r", s[0])))
		return;
	long long m = 0;
	int digits = 0, frac = -1;
	size_t i = 0;
	for (; i < len && digits <= 15; i++) {
		if (isdigit((unsigned char)s[i])) {
			m = m * 10 + (s[i] - '0');
			digits++;
			if (frac >= 0)
				frac++;
		} else if (s[i] == '.' && frac < 0) {
			frac = 0;
		} else {
			break;
		}
	}
	if (i == len && digits && digits <= 15) {
		v->num = (double)m / pow10[frac > 0 ? frac : 0];
		v->isnum = true;
		return;
	}
	/* Digits then something strtod would stop at too (not an exponent or a hex mark). */
	if (i > 0 && i < len && digits <= 15 && !strchr("eExX", s[i]))
		return;
	char *end = NULL;
	v->num = strtod(s, &end);
	v->isnum = end && *end == '\0' && isfinite(v->num);
	if (!v->isnum)
		v->num = 0;
}

static void val_set_str(struct val *v, const char *s, size_t len)
{
	v->s = xmalloc(len + 1);
	memcpy(v->s, s, len);
	v->s[len] = '\0';
	val_parse_num(v, len);
}

static void val_set_num(struct val *v, double x)
{
	char buf[64];
	if (x == (double)(long long)x && fabs(x) < 1e15)
		snprintf(buf, sizeof(buf), "%lld", (long long)x);
	else
		snprintf(buf, sizeof(buf), "%.15g", x);
	v->s = xstrdup(buf);
	v->isnum = true;
	v->num = x;
}

/* "2025-12-06 05:47:00" of s seconds since the epoch, into out (24 bytes). By hand for
 * years 1970 to 9999 (the days to a date as in Howard Hinnant's days_from_civil, inverted):
 * a stored query formats one a second of its events, and strftime was a tenth of it. */
static void civil_text(long long s, char out[24])
{
	if (s < 0 || s >= 253402300800LL) {
		time_t t = (time_t)s;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm);
		return;
	}
	long long z = s / 86400 + 719468, sod = s % 86400;
	long long era = z / 146097, doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	int y = (int)(yoe + era * 400 + (m <= 2));
	int hms[3] = { (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60) };
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	const int two[5] = { m, d, hms[0], hms[1], hms[2] };
	static const char sep[5] = { '-', '-', ' ', ':', ':' };
	for (int i = 0; i < 5; i++) {
		out[4 + i * 3] = sep[i];
		out[5 + i * 3] = (char)('0' + two[i] / 10);
		out[6 + i * 3] = (char)('0' + two[i] % 10);
	}
	out[19] = '\0';
}

/* "2025-12-06 05:47:00.123". Events come in time order, and a query asks for a few times per
 * event (its own, its ingestion, its bin: three different seconds once stored), so the texts of
 * the last four seconds asked for are kept, the least recently used replaced. */
#define TIME_TEXTS 4
static void time_text(long long ms, char out[32])
{
	static _Thread_local long long sec[TIME_TEXTS] = { -1, -1, -1, -1 };
	static _Thread_local unsigned long long used[TIME_TEXTS];
	static _Thread_local unsigned long long tick;
	static _Thread_local char day[TIME_TEXTS][24];
	long long s = ms / 1000;
	int k = 0;
	for (int i = 0; i < TIME_TEXTS; i++) {
		if (sec[i] == s) {
			k = i;
			break;
		}
		if (used[i] < used[k])
			k = i;
	}
	if (sec[k] != s) {
		sec[k] = s;
		civil_text(s, day[k]);
	}
	used[k] = ++tick;
	size_t n = strlen(day[k]);
	long long f = ms % 1000;
	if (f < 0)
		f += 1000;
	memcpy(out, day[k], n);
	out[n] = '.';
	out[n + 1] = (char)('0' + f / 100);
	out[n + 2] = (char)('0' + f / 10 % 10);
	out[n + 3] = (char)('0' + f % 10);
	out[n + 4] = '\0';
}

/* A timestamp value: its text as @timestamp shows it, its number the milliseconds. */
static void val_set_time(struct val *v, long long ms)
{
	char t[32];
	time_text(ms, t);
	v->s = xstrdup(t);
	v->isnum = true;
	v->num = (double)ms;
}

/* The milliseconds of a timestamp: a number (as @timestamp holds), or the text of one,
 * "2025-12-06 05:47:00.123" or ISO 8601 "2025-12-06T05:47:00.123Z". */
static bool time_ms_of(const struct val *v, long long *ms)
{
	if (v->isnum) {
		if (!(fabs(v->num) < 1e15))
			return false;
		*ms = (long long)v->num;
		return true;
	}
	struct tm tm = { 0 };
	int frac = 0, used = 0;
	char sep = 0;
	if (sscanf(v->s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &sep,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 7 ||
	    (sep != ' ' && sep != 'T'))
		return false;
	const char *rest = v->s + used;
	if (*rest == '.') {
		int digits = 0;
		for (rest++; isdigit((unsigned char)*rest); rest++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*rest - '0');
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*rest == 'Z')
		rest++;
	if (*rest)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	*ms = (long long)t * 1000 + frac;
	return true;
}

static struct kv *row_find(const struct row *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->kv[i].name, name) == 0)
			return &r->kv[i];
	}
	return NULL;
}

/* A new slot for name, which the row does not have yet (an event's own fields, set first). */
static struct kv *row_add(struct row *r, const char *name)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->kv = xrealloc(r->kv, r->cap * sizeof(*r->kv));
	}
	struct kv *k = &r->kv[r->n++];
	k->name = row_strdup(r, name, strlen(name));
	return k;
}

/* The slot of name, its old value dropped, or a new one. */
static struct kv *row_slot(struct row *r, const char *name)
{
	struct kv *k = row_find(r, name);
	if (k) {
		if (!r->ar)
			free(k->v.s);
		return k;
	}
	return row_add(r, name);
}

/* Set name to a copy of v (replacing an earlier value). */
static void row_put(struct row *r, const char *name, const struct val *v)
{
	struct kv *k = row_slot(r, name);
	k->v = *v;
	k->v.s = row_strdup(r, v->s, strlen(v->s));
}

static void kv_set_str(struct row *r, struct kv *k, const char *s, size_t len)
{
	k->v.s = row_strdup(r, s, len);
	val_parse_num(&k->v, len);
}

static void row_put_str(struct row *r, const char *name, const char *s, size_t len)
{
	kv_set_str(r, row_slot(r, name), s, len);
}

/* An event's own field (see row_add). */
static void row_add_str(struct row *r, const char *name, const char *s, size_t len)
{
	kv_set_str(r, row_add(r, name), s, len);
}

/* A heap copy of a scratch row. */
static struct row row_keep(const struct row *from)
{
	struct row r = { 0 };
	r.ts = from->ts;
	r.n = r.cap = from->n;
	r.kv = xmalloc((from->n ? from->n : 1) * sizeof(*r.kv));
	for (size_t i = 0; i < from->n; i++) {
		r.kv[i].name = xstrdup(from->kv[i].name);
		r.kv[i].v = from->kv[i].v;
		r.kv[i].v.s = xstrdup(from->kv[i].v.s);
	}
	return r;
}

/* Empty r: a scratch row keeps its slots and arena blocks for the next event. */
static void row_clear(struct row *r)
{
	if (r->ar) {
		r->n = 0;
		arena_reset(r->ar);
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		free(r->kv[i].name);
		free(r->kv[i].v.s);
	}
	free(r->kv);
	memset(r, 0, sizeof(*r));
}

/* --- Lexer ------------------------------------------------------------------------------- */

enum tok_kind {
	T_END,
	T_IDENT,
	T_NUM,
	T_DUR,
	T_STR,
	T_REGEX,
	T_PIPE,
	T_COMMA,
	T_LP,
	T_RP,
	T_LB,
	T_RB,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_MATCH,
	T_STAR,
	T_PLUS,
	T_MINUS,
	T_SLASH,
	T_PERCENT,
	T_CARET
};

struct tok {
	enum tok_kind k;
	int start, end;
	char *text; /* identifiers, strings, regexes: decoded */
	double num; /* numbers; durations in ms */
	bool icase; /* a regex's /i */
};

struct parser {
	const char *src;
	struct tok *t;
	size_t n, pos;
	struct insights_error *e;
	bool failed;
	struct cmd *stats; /* a stats item being read: its aggregate calls go here */
	struct insights_query *q;
};

static bool fail_at(struct parser *p, int start, int end, const char *msg)
{
	if (p->failed)
		return false;
	p->failed = true;
	int line = 1, col = 0;
	for (int i = 0; i < start && p->src[i]; i++) {
		if (p->src[i] == '\n') {
			line++;
			col = 0;
		} else {
			col++;
		}
	}
	snprintf(p->e->message, sizeof(p->e->message), "%s at line %d and position %d", msg, line,
		 col + 1);
	p->e->start = start;
	p->e->end = end > start ? end - 1 : start;
	return false;
}

static bool unexpected(struct parser *p, const struct tok *t)
{
	if (t->k == T_END)
		return fail_at(p, t->start, t->end, "unexpected end of query");
	char what[80];
	snprintf(what, sizeof(what), "unexpected symbol found %.*s",
		 t->end - t->start > 40 ? 40 : t->end - t->start, p->src + t->start);
	return fail_at(p, t->start, t->end, what);
}

static long long unit_ms(const char *u, size_t n)
{
	static const struct {
		const char *name;
		long long ms;
	} units[] = { { "ms", 1 },       { "s", 1000 },     { "sec", 1000 },
		      { "m", 60000 },    { "min", 60000 },  { "h", 3600000 },
		      { "hr", 3600000 }, { "d", 86400000 }, { "w", 604800000 } };
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) == n && strncasecmp(u, units[i].name, n) == 0)
			return units[i].ms;
	}
	return 0;
}

/* Words that take no operand before a '/' or '-' that follows them. */
static bool keyword(const char *w)
{
	static const char *const words[] = { "like",    "in",    "not",   "and",    "or",
					     "by",      "as",    "parse", "filter", "fields",
					     "display", "stats", "sort",  "limit",  "asc",
					     "desc",    NULL };
	for (size_t i = 0; words[i]; i++) {
		if (strcasecmp(w, words[i]) == 0)
			return true;
	}
	return false;
}

static bool lex(struct parser *p)
{
	const char *s = p->src;
	size_t i = 0, cap = 0;
	for (;;) {
		while (s[i] && isspace((unsigned char)s[i]))
			i++;
		if (p->n == cap) {
			cap = cap ? cap * 2 : 32;
			p->t = xrealloc(p->t, cap * sizeof(*p->t));
		}
		struct tok *t = &p->t[p->n];
		memset(t, 0, sizeof(*t));
		t->start = (int)i;
		if (p->n >= MAX_TOKENS)
			return fail_at(p, (int)i, (int)i + 1, "query too long");
		char c = s[i];
		/* After an operand, '/' divides and '-' subtracts; elsewhere they start a
		 * regular expression and a negative number. */
		const struct tok *prev = p->n ? &p->t[p->n - 1] : NULL;
		bool after = prev && (prev->k == T_NUM || prev->k == T_DUR || prev->k == T_STR ||
				      prev->k == T_RP ||
				      (prev->k == T_IDENT && !keyword(prev->text) &&
				       !(p->n > 1 && p->t[p->n - 2].k == T_IDENT &&
					 strcasecmp(p->t[p->n - 2].text, "parse") == 0)));
		if (c && strchr("+-/%^", c) &&
		    (after || (c != '/' && c != '-') ||
		     (c == '-' && !isdigit((unsigned char)s[i + 1])))) {
			t->k = c == '+'   ? T_PLUS
			       : c == '-' ? T_MINUS
			       : c == '/' ? T_SLASH
			       : c == '%' ? T_PERCENT
					  : T_CARET;
			t->end = (int)i + 1;
			p->n++;
			i++;
			continue;
		}
		if (!c) {
			t->k = T_END;
			t->end = (int)i;
			p->n++;
			return true;
		}
		size_t j = i + 1;
		if (c == '@' || c == '_' || isalpha((unsigned char)c)) {
			while (s[j] == '_' || s[j] == '.' || s[j] == '@' || s[j] == '$' ||
			       isalnum((unsigned char)s[j]))
				j++;
			t->k = T_IDENT;
			t->text = xstrndup(s + i, j - i);
		} else if (isdigit((unsigned char)c) ||
			   (c == '-' && isdigit((unsigned char)s[i + 1]))) {
			char *end = NULL;
			t->num = strtod(s + i, &end);
			j = (size_t)(end - s);
			t->k = T_NUM;
			size_t u = j;
			while (isalpha((unsigned char)s[u]))
				u++;
			if (u > j) {
				long long ms = unit_ms(s + j, u - j);
				if (!ms) {
					t->end = (int)u;
					p->n++;
					return unexpected(p, t);
				}
				t->k = T_DUR;
				t->num *= (double)ms;
				j = u;
			}
		} else if (c == '"' || c == '\'' || c == '`') {
			struct strbuf sb = STRBUF_INIT;
			while (s[j] && s[j] != c) {
				if (s[j] == '\\' && s[j + 1])
					j++;
				strbuf_addch(&sb, s[j]);
				j++;
			}
			if (!s[j]) {
				strbuf_release(&sb);
				t->end = (int)j;
				p->n++;
				return fail_at(p, (int)i, (int)j, "unterminated string");
			}
			j++;
			t->k = c == '`' ? T_IDENT : T_STR;
			t->text = strbuf_detach(&sb);
		} else if (c == '/') {
			while (s[j] && s[j] != '/') {
				if (s[j] == '\\' && s[j + 1])
					j++;
				j++;
			}
			if (!s[j]) {
				t->end = (int)j;
				p->n++;
				return fail_at(p, (int)i, (int)j,
					       "unterminated regular expression");
			}
			t->text = xstrndup(s + i + 1, j - i - 1);
			j++;
			while (s[j] == 'i' || s[j] == 'm' || s[j] == 's') {
				if (s[j] == 'i')
					t->icase = true;
				j++;
			}
			t->k = T_REGEX;
		} else {
			static const struct {
				const char *text;
				enum tok_kind k;
			} ops[] = { { "!=", T_NE },    { "<=", T_LE },  { ">=", T_GE },
				    { "=~", T_MATCH }, { "|", T_PIPE }, { ",", T_COMMA },
				    { "(", T_LP },     { ")", T_RP },   { "[", T_LB },
				    { "]", T_RB },     { "=", T_EQ },   { "<", T_LT },
				    { ">", T_GT },     { "*", T_STAR } };
			bool found = false;
			for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]) && !found; k++) {
				size_t n = strlen(ops[k].text);
				if (strncmp(s + i, ops[k].text, n) == 0) {
					t->k = ops[k].k;
					j = i + n;
					found = true;
				}
			}
			if (!found) {
				t->end = (int)i + 1;
				p->n++;
				return unexpected(p, t);
			}
		}
		t->end = (int)j;
		p->n++;
		i = j;
	}
}

/* --- Regular expressions: Insights' (Java-like) syntax onto POSIX ERE -------------------- */

struct rx {
	regex_t re;
	bool ok;
	char **names; /* named groups, with their POSIX group numbers */
	int *groups;
	size_t nnames;
};

static bool rx_compile(struct rx *x, const char *src, bool icase, bool named)
{
	struct strbuf sb = STRBUF_INIT;
	int group = 0;
	bool in_class = false;
	/* AWS's example /(?i)(Exception|error|fail)/: POSIX has no inline flags. */
	if (strncmp(src, "(?i)", 4) == 0) {
		src += 4;
		icase = true;
	}
	for (size_t i = 0; src[i]; i++) {
		char c = src[i];
		if (c == '\\' && src[i + 1]) {
			char d = src[++i];
			const char *rep = d == 'd'   ? "[0-9]"
					  : d == 'D' ? "[^0-9]"
					  : d == 'w' ? "[A-Za-z0-9_]"
					  : d == 'W' ? "[^A-Za-z0-9_]"
					  : d == 's' ? "[[:space:]]"
					  : d == 'S' ? "[^[:space:]]"
						     : NULL;
			if (rep && in_class)
				rep = d == 'd'   ? "0-9"
				      : d == 'w' ? "A-Za-z0-9_"
				      : d == 's' ? "[:space:]"
						 : NULL;
			if (rep) {
				strbuf_addstr(&sb, rep);
			} else {
				strbuf_addch(&sb, '\\');
				strbuf_addch(&sb, d);
			}
			continue;
		}
		if (in_class) {
			if (c == ']')
				in_class = false;
			strbuf_addch(&sb, c);
			continue;
		}
		if (c == '[') {
			in_class = true;
			strbuf_addch(&sb, c);
			if (src[i + 1] == ']' || (src[i + 1] == '^' && src[i + 2] == ']')) {
				/* a ] first in the class is a member */
				strbuf_addch(&sb, src[++i]);
				if (src[i] == '^')
					strbuf_addch(&sb, src[++i]);
			}
			continue;
		}
		if (c == '(') {
			group++;
			strbuf_addch(&sb, '(');
			if (src[i + 1] == '?' && src[i + 2] == '<' && src[i + 3] != '=' &&
			    src[i + 3] != '!') {
				const char *close = strchr(src + i + 3, '>');
				if (!close) {
					strbuf_release(&sb);
					return false;
				}
				if (named) {
					x->names = xrealloc(x->names,
							    (x->nnames + 1) * sizeof(*x->names));
					x->groups = xrealloc(x->groups,
							     (x->nnames + 1) * sizeof(*x->groups));
					x->names[x->nnames] = xstrndup(
						src + i + 3, (size_t)(close - src - i - 3));
					x->groups[x->nnames++] = group;
				}
				i = (size_t)(close - src);
			} else if (src[i + 1] == '?' && src[i + 2] == ':') {
				i += 2;
			}
			continue;
		}
		strbuf_addch(&sb, c);
	}
	int rc = regcomp(&x->re, sb.buf ? sb.buf : "", REG_EXTENDED | (icase ? REG_ICASE : 0));
	strbuf_release(&sb);
	x->ok = rc == 0;
	return x->ok;
}

static void rx_free(struct rx *x)
{
	if (x->ok)
		regfree(&x->re);
	for (size_t i = 0; i < x->nnames; i++)
		free(x->names[i]);
	free(x->names);
	free(x->groups);
	memset(x, 0, sizeof(*x));
}

/* --- The query ---------------------------------------------------------------------------- */

struct vx;

struct operand {
	char *field; /* NULL: a literal or a computed value */
	struct val lit;
	struct vx *x; /* arithmetic or a function: computed per event */
};

/* A computed value: arithmetic (+ - * / % ^, unary -) and functions over fields. */
enum vx_kind {
	VX_FIELD,
	VX_LIT,
	VX_BIN,
	VX_NEG,
	VX_CALL
};

struct vx {
	enum vx_kind k;
	enum tok_kind op;
	struct vx *a, *b;
	char *field;
	struct val lit;
	int fn; /* index into vx_fns */
	struct vx **args;
	size_t nargs;
	const long long *now_ms; /* now(): the query's start (struct insights_query) */
};

enum vx_fn_id {
	FN_ABS,
	FN_CEIL,
	FN_FLOOR,
	FN_SQRT,
	FN_LOG,
	FN_STRLEN,
	FN_TOUPPER,
	FN_TOLOWER,
	FN_TRIM,
	FN_LTRIM,
	FN_RTRIM,
	FN_CONCAT,
	FN_SUBSTR,
	FN_REPLACE,
	FN_STRCONTAINS,
	FN_COALESCE,
	FN_GREATEST,
	FN_LEAST,
	FN_DATEFLOOR,
	FN_DATECEIL,
	FN_FROMMILLIS,
	FN_TOMILLIS,
	FN_NOW,
};

static const struct {
	const char *name;
	size_t min, max;
} vx_fns[] = {
	[FN_ABS] = { "abs", 1, 1 },
	[FN_CEIL] = { "ceil", 1, 1 },
	[FN_FLOOR] = { "floor", 1, 1 },
	[FN_SQRT] = { "sqrt", 1, 1 },
	[FN_LOG] = { "log", 1, 1 },
	[FN_STRLEN] = { "strlen", 1, 1 },
	[FN_TOUPPER] = { "toupper", 1, 1 },
	[FN_TOLOWER] = { "tolower", 1, 1 },
	[FN_TRIM] = { "trim", 1, 1 },
	[FN_LTRIM] = { "ltrim", 1, 1 },
	[FN_RTRIM] = { "rtrim", 1, 1 },
	[FN_CONCAT] = { "concat", 1, 16 },
	[FN_SUBSTR] = { "substr", 2, 3 },
	[FN_REPLACE] = { "replace", 3, 3 },
	[FN_STRCONTAINS] = { "strcontains", 2, 2 },
	[FN_COALESCE] = { "coalesce", 1, 16 },
	[FN_GREATEST] = { "greatest", 1, 16 },
	[FN_LEAST] = { "least", 1, 16 },
	[FN_DATEFLOOR] = { "datefloor", 2, 2 },
	[FN_DATECEIL] = { "dateceil", 2, 2 },
	[FN_FROMMILLIS] = { "fromMillis", 1, 1 },
	[FN_TOMILLIS] = { "toMillis", 1, 1 },
	[FN_NOW] = { "now", 0, 0 },
};

static void vx_free(struct vx *x)
{
	if (!x)
		return;
	vx_free(x->a);
	vx_free(x->b);
	free(x->field);
	free(x->lit.s);
	for (size_t i = 0; i < x->nargs; i++)
		vx_free(x->args[i]);
	free(x->args);
	free(x);
}

enum ex_kind {
	EX_AND,
	EX_OR,
	EX_NOT,
	EX_CMP,
	EX_LIKE,
	EX_IN,
	EX_PRESENT
};

struct expr {
	enum ex_kind k;
	struct expr *a, *b;
	struct operand l, r;
	enum tok_kind cmp;
	char *sub; /* like "substring" */
	struct rx rx;
	bool has_rx;
	struct val *set;
	size_t nset;
};

enum agg_fn {
	AGG_COUNT,
	AGG_SUM,
	AGG_AVG,
	AGG_MIN,
	AGG_MAX,
	AGG_PCT,
	AGG_COUNT_DISTINCT,
	AGG_EARLIEST, /* the value of the group's first event (by @timestamp) */
	AGG_LATEST    /* and of its last */
};

struct agg {
	enum agg_fn fn;
	char *field;        /* NULL: count(*) or a computed argument */
	struct operand *ax; /* a computed argument (sum(@billedDuration * @memorySize)) */
	double pct;
	char *name;
};

struct key {
	char *field; /* the field, or @timestamp for a bin; NULL for a computed key */
	long long bin_ms;
	struct vx *x; /* a computed key: datefloor(@timestamp, 1h), toupper(level) */
	char *name;
};

struct fieldspec {
	struct operand op;
	char *name;
};

/* A column of stats: one aggregate as it is, or arithmetic over aggregates
 * (sum(@billedDuration) / count(*)), whose calls are aggregates named "\x01N" that only x reads. */
struct statcol {
	char *name;
	struct vx *x; /* NULL: the aggregate named name */
};

enum cmd_kind {
	C_FIELDS,
	C_DISPLAY,
	C_FILTER,
	C_STATS,
	C_SORT,
	C_LIMIT,
	C_PARSE
};

struct cmd {
	enum cmd_kind k;
	struct fieldspec *fields; /* fields, display */
	size_t nfields;
	struct expr *filter;
	struct agg *aggs; /* stats */
	size_t naggs;
	struct key *keys;
	size_t nkeys;
	struct statcol *cols; /* stats: the output's columns after the keys */
	size_t ncols;
	char **sort; /* sort: fields, and whether each is descending */
	bool *desc;
	size_t nsort;
	long limit;
	char *parse_field; /* parse */
	struct rx rx;
	bool is_rx;
	char **pieces; /* a glob's literal pieces: npieces = names + 1 */
	size_t npieces;
	char **names;
	size_t nnames;
};

struct insights_query {
	struct cmd *cmds;
	size_t n;
	long long now_ms; /* when the query started: now() */
};

static const struct tok *peek(struct parser *p)
{
	return &p->t[p->pos];
}

static const struct tok *next(struct parser *p)
{
	const struct tok *t = &p->t[p->pos];
	if (t->k != T_END)
		p->pos++;
	return t;
}

static bool is_word(const struct tok *t, const char *w)
{
	return t->k == T_IDENT && strcasecmp(t->text, w) == 0;
}

static bool expect(struct parser *p, enum tok_kind k)
{
	const struct tok *t = next(p);
	return t->k == k ? true : unexpected(p, t);
}

static char *take_ident(struct parser *p)
{
	const struct tok *t = next(p);
	if (t->k != T_IDENT)
		return unexpected(p, t), NULL;
	return xstrdup(t->text);
}

static void operand_free(struct operand *o)
{
	free(o->field);
	free(o->lit.s);
	vx_free(o->x);
}

static bool literal(const struct tok *t, struct val *v)
{
	if (t->k == T_STR) {
		val_set_str(v, t->text, strlen(t->text));
		v->isnum = false;
		return true;
	}
	if (t->k == T_NUM) {
		val_set_num(v, t->num);
		return true;
	}
	return false;
}

static struct vx *vx_sum(struct parser *p, int depth);
static int agg_lookup(const struct tok *t);
static int parse_agg(struct parser *p, struct cmd *c, enum agg_fn fn);

static struct vx *vx_new(enum vx_kind k)
{
	struct vx *x = xcalloc(1, sizeof(*x));
	x->k = k;
	return x;
}

/* A field, a literal, a parenthesized value or a function call. */
static struct vx *vx_primary(struct parser *p, int depth)
{
	if (depth > 64)
		return unexpected(p, peek(p)), NULL;
	const struct tok *t = next(p);
	if (t->k == T_MINUS) {
		struct vx *x = vx_new(VX_NEG);
		if (!(x->a = vx_primary(p, depth + 1)))
			return vx_free(x), NULL;
		return x;
	}
	if (t->k == T_LP) {
		struct vx *x = vx_sum(p, depth + 1);
		if (x && !expect(p, T_RP))
			return vx_free(x), NULL;
		return x;
	}
	if (t->k == T_IDENT && peek(p)->k == T_LP && p->stats && agg_lookup(t) >= 0) {
		/* An aggregate inside a stats expression: its value, per group, by a hidden name.
		 */
		struct cmd *c = p->stats;
		int i = parse_agg(p, c, (enum agg_fn)agg_lookup(t));
		if (i < 0)
			return NULL;
		struct vx *x = vx_new(VX_FIELD);
		x->field = xasprintf("\x01%d", i);
		c->aggs[i].name = xstrdup(x->field);
		return x;
	}
	if (t->k == T_IDENT && peek(p)->k == T_LP) {
		int fn = -1;
		for (size_t i = 0; i < sizeof(vx_fns) / sizeof(vx_fns[0]); i++) {
			if (strcasecmp(t->text, vx_fns[i].name) == 0)
				fn = (int)i;
		}
		if (fn < 0) {
			char msg[120];
			snprintf(msg, sizeof(msg), "unknown function %.60s", t->text);
			return fail_at(p, t->start, t->end, msg), NULL;
		}
		next(p);
		struct vx *x = vx_new(VX_CALL);
		x->fn = fn;
		x->now_ms = p->q ? &p->q->now_ms : NULL;
		if (peek(p)->k != T_RP || vx_fns[fn].min > 0)
			do {
				/* datefloor and dateceil take a period: a duration such as 5m or
				 * 1h. */
				if ((fn == FN_DATEFLOOR || fn == FN_DATECEIL) && x->nargs == 1 &&
				    peek(p)->k == T_DUR) {
					struct vx *d = vx_new(VX_LIT);
					val_set_num(&d->lit, next(p)->num);
					x->args = xrealloc(x->args,
							   (x->nargs + 1) * sizeof(*x->args));
					x->args[x->nargs++] = d;
					continue;
				}
				struct vx *a = vx_sum(p, depth + 1);
				if (!a)
					return vx_free(x), NULL;
				x->args = xrealloc(x->args, (x->nargs + 1) * sizeof(*x->args));
				x->args[x->nargs++] = a;
			} while (peek(p)->k == T_COMMA && next(p));
		if (!expect(p, T_RP))
			return vx_free(x), NULL;
		if (x->nargs < vx_fns[fn].min || x->nargs > vx_fns[fn].max) {
			char msg[120];
			snprintf(msg, sizeof(msg), "wrong number of arguments to %s",
				 vx_fns[fn].name);
			return vx_free(x), fail_at(p, t->start, p->t[p->pos - 1].end, msg), NULL;
		}
		return x;
	}
	if (t->k == T_IDENT) {
		struct vx *x = vx_new(VX_FIELD);
		x->field = xstrdup(t->text);
		return x;
	}
	struct vx *x = vx_new(VX_LIT);
	if (literal(t, &x->lit))
		return x;
	free(x);
	return unexpected(p, t), NULL;
}

/* Levels: 0 + -, 1 * / %, 2 ^ (right-associative). */
static struct vx *vx_level(struct parser *p, int depth, int level)
{
	struct vx *x = level == 2 ? vx_primary(p, depth) : vx_level(p, depth, level + 1);
	for (;;) {
		enum tok_kind k = peek(p)->k;
		bool here = level == 0   ? k == T_PLUS || k == T_MINUS
			    : level == 1 ? k == T_STAR || k == T_SLASH || k == T_PERCENT
					 : k == T_CARET;
		if (!x || !here)
			return x;
		next(p);
		struct vx *b =
			level == 2 ? vx_level(p, depth + 1, 2) : vx_level(p, depth, level + 1);
		if (!b)
			return vx_free(x), NULL;
		struct vx *y = vx_new(VX_BIN);
		y->op = k;
		y->a = x;
		y->b = b;
		x = y;
	}
}

static struct vx *vx_sum(struct parser *p, int depth)
{
	if (depth > 64)
		return unexpected(p, peek(p)), NULL;
	return vx_level(p, depth, 0);
}

static bool parse_operand(struct parser *p, struct operand *o)
{
	memset(o, 0, sizeof(*o));
	struct vx *x = vx_sum(p, 0);
	if (!x)
		return false;
	if (x->k == VX_FIELD) {
		o->field = x->field;
		x->field = NULL;
		vx_free(x);
	} else if (x->k == VX_LIT) {
		o->lit = x->lit;
		x->lit.s = NULL;
		vx_free(x);
	} else {
		o->x = x;
	}
	return true;
}

static void expr_free(struct expr *x)
{
	if (!x)
		return;
	expr_free(x->a);
	expr_free(x->b);
	operand_free(&x->l);
	operand_free(&x->r);
	free(x->sub);
	rx_free(&x->rx);
	for (size_t i = 0; i < x->nset; i++)
		free(x->set[i].s);
	free(x->set);
	free(x);
}

static struct expr *parse_or(struct parser *p, int depth);

static struct expr *parse_primary(struct parser *p, int depth)
{
	if (depth > 64)
		return unexpected(p, peek(p)), NULL;
	const struct tok *t = peek(p);
	struct expr *x = xcalloc(1, sizeof(*x));
	if (is_word(t, "not")) {
		next(p);
		x->k = EX_NOT;
		x->a = parse_primary(p, depth + 1);
		if (!x->a)
			goto fail;
		return x;
	}
	if (t->k == T_LP) {
		next(p);
		free(x);
		x = parse_or(p, depth + 1);
		if (!x || !expect(p, T_RP))
			goto fail;
		return x;
	}
	if (t->k == T_IDENT && (strcasecmp(t->text, "ispresent") == 0) &&
	    p->t[p->pos + 1].k == T_LP) {
		next(p);
		next(p);
		x->k = EX_PRESENT;
		if (!parse_operand(p, &x->l) || !x->l.field || !expect(p, T_RP))
			goto fail;
		return x;
	}
	if (!parse_operand(p, &x->l))
		goto fail;
	t = peek(p);
	bool negate = false;
	if (is_word(t, "not") && is_word(&p->t[p->pos + 1], "like")) {
		next(p);
		negate = true;
		t = peek(p);
	} else if (is_word(t, "not") && is_word(&p->t[p->pos + 1], "in")) {
		next(p);
		negate = true;
		t = peek(p);
	}
	if (is_word(t, "like") || t->k == T_MATCH) {
		bool match = t->k == T_MATCH;
		next(p);
		const struct tok *v = next(p);
		x->k = EX_LIKE;
		if (v->k == T_REGEX) {
			x->has_rx = true;
			if (!rx_compile(&x->rx, v->text, v->icase, false)) {
				fail_at(p, v->start, v->end, "invalid regular expression");
				goto fail;
			}
		} else if (v->k == T_STR && !match) {
			x->sub = xstrdup(v->text);
		} else {
			unexpected(p, v);
			goto fail;
		}
	} else if (is_word(t, "in")) {
		next(p);
		x->k = EX_IN;
		if (!expect(p, T_LB))
			goto fail;
		do {
			struct val v;
			const struct tok *lt = next(p);
			if (!literal(lt, &v)) {
				unexpected(p, lt);
				goto fail;
			}
			x->set = xrealloc(x->set, (x->nset + 1) * sizeof(*x->set));
			x->set[x->nset++] = v;
		} while (peek(p)->k == T_COMMA && next(p));
		if (!expect(p, T_RB))
			goto fail;
	} else if (t->k >= T_EQ && t->k <= T_GE) {
		x->k = EX_CMP;
		x->cmp = next(p)->k;
		if (!parse_operand(p, &x->r))
			goto fail;
	} else {
		unexpected(p, t);
		goto fail;
	}
	if (negate) {
		struct expr *n = xcalloc(1, sizeof(*n));
		n->k = EX_NOT;
		n->a = x;
		x = n;
	}
	return x;
fail:
	expr_free(x);
	return NULL;
}

static struct expr *parse_binary(struct parser *p, int depth, bool or)
{
	struct expr *x = or ? parse_binary(p, depth, false) : parse_primary(p, depth);
	while (x && is_word(peek(p), or ? "or" : "and")) {
		next(p);
		struct expr *y = or ? parse_binary(p, depth, false) : parse_primary(p, depth);
		if (!y) {
			expr_free(x);
			return NULL;
		}
		struct expr *b = xcalloc(1, sizeof(*b));
		b->k = or ? EX_OR : EX_AND;
		b->a = x;
		b->b = y;
		x = b;
	}
	return x;
}

static struct expr *parse_or(struct parser *p, int depth)
{
	return parse_binary(p, depth, true);
}

/* The text of tokens [from, to) with single spaces, as Insights names a stats column. */
static char *span_text(struct parser *p, size_t from, size_t to)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = from; i < to; i++) {
		const struct tok *t = &p->t[i];
		if (i > from && t->k != T_COMMA && t->k != T_RP && t->k != T_LP &&
		    p->t[i - 1].k != T_LP)
			strbuf_addch(&sb, ' ');
		strbuf_add(&sb, p->src + t->start, (size_t)(t->end - t->start));
	}
	return strbuf_detach(&sb);
}

static bool parse_fields(struct parser *p, struct cmd *c)
{
	do {
		c->fields = xrealloc(c->fields, (c->nfields + 1) * sizeof(*c->fields));
		struct fieldspec *f = &c->fields[c->nfields];
		memset(f, 0, sizeof(*f));
		c->nfields++;
		size_t from = p->pos;
		if (!parse_operand(p, &f->op))
			return false;
		if (is_word(peek(p), "as")) {
			next(p);
			if (!(f->name = take_ident(p)))
				return false;
		} else {
			f->name = f->op.field ? xstrdup(f->op.field) : span_text(p, from, p->pos);
		}
	} while (peek(p)->k == T_COMMA && next(p));
	return true;
}

static const struct {
	const char *name;
	enum agg_fn fn;
} agg_fns[] = { { "count", AGG_COUNT },       { "sum", AGG_SUM },
		{ "avg", AGG_AVG },           { "min", AGG_MIN },
		{ "max", AGG_MAX },           { "pct", AGG_PCT },
		{ "percentile", AGG_PCT },    { "count_distinct", AGG_COUNT_DISTINCT },
		{ "earliest", AGG_EARLIEST }, { "latest", AGG_LATEST } };

/* The aggregate function t names, or -1. */
static int agg_lookup(const struct tok *t)
{
	for (size_t i = 0; t->k == T_IDENT && i < sizeof(agg_fns) / sizeof(agg_fns[0]); i++) {
		if (strcasecmp(t->text, agg_fns[i].name) == 0)
			return (int)agg_fns[i].fn;
	}
	return -1;
}

/* An aggregate call's arguments, from its "(": appended to c->aggs (unnamed); its index, or
 * -1. Its argument is computed per event and may not hold another aggregate. */
static int parse_agg(struct parser *p, struct cmd *c, enum agg_fn fn)
{
	struct cmd *outer = p->stats;
	p->stats = NULL;
	c->aggs = xrealloc(c->aggs, (c->naggs + 1) * sizeof(*c->aggs));
	int at = (int)c->naggs++;
	struct agg *a = &c->aggs[at];
	memset(a, 0, sizeof(*a));
	a->fn = fn;
	bool ok = expect(p, T_LP);
	if (ok && peek(p)->k == T_STAR && fn == AGG_COUNT) {
		next(p);
	} else if (ok) {
		struct operand o;
		ok = parse_operand(p, &o);
		if (!ok) {
			operand_free(&o);
		} else if (o.field && !o.x) {
			a->field = o.field;
		} else {
			a->ax = xmalloc(sizeof(*a->ax));
			*a->ax = o;
		}
	}
	if (ok && fn == AGG_PCT) {
		ok = expect(p, T_COMMA);
		const struct tok *n = ok ? next(p) : NULL;
		if (ok && (n->k != T_NUM || n->num < 0 || n->num > 100))
			ok = unexpected(p, n);
		else if (ok)
			a->pct = n->num;
	}
	ok = ok && expect(p, T_RP);
	p->stats = outer;
	return ok ? at : -1;
}

/* Whether x reads only aggregates (the hidden names), as a stats expression must. */
static const struct vx *stray_field(const struct vx *x)
{
	if (!x)
		return NULL;
	if (x->k == VX_FIELD)
		return x->field[0] == '\x01' ? NULL : x;
	const struct vx *f = stray_field(x->a);
	if (!f)
		f = stray_field(x->b);
	for (size_t i = 0; !f && i < x->nargs; i++)
		f = stray_field(x->args[i]);
	return f;
}

/* stats: columns that are aggregates or arithmetic over them, then "by" and the keys. */
static bool parse_stats(struct parser *p, struct cmd *c)
{
	do {
		size_t from = p->pos, first = c->naggs;
		int start = peek(p)->start;
		p->stats = c;
		struct vx *x = vx_sum(p, 0);
		p->stats = NULL;
		if (!x)
			return false;
		c->cols = xrealloc(c->cols, (c->ncols + 1) * sizeof(*c->cols));
		struct statcol *col = &c->cols[c->ncols++];
		col->name = NULL;
		col->x = x;
		int end = p->t[p->pos - 1].end;
		if (c->naggs == first)
			return fail_at(p, start, end,
				       "stats needs an aggregate function (count, sum, avg, min, "
				       "max, pct, ...)");
		const struct vx *stray = stray_field(x);
		if (stray) {
			char msg[160];
			snprintf(msg, sizeof(msg),
				 "%.60s is used in stats outside an aggregate function",
				 stray->field);
			return fail_at(p, start, end, msg);
		}
		if (is_word(peek(p), "as")) {
			next(p);
			if (!(col->name = take_ident(p)))
				return false;
		} else {
			col->name = span_text(p, from, p->pos);
		}
		if (x->k == VX_FIELD && c->naggs == first + 1) {
			/* One aggregate as it is: it carries the column's name. */
			free(c->aggs[first].name);
			c->aggs[first].name = xstrdup(col->name);
			vx_free(x);
			col->x = NULL;
		}
	} while (peek(p)->k == T_COMMA && next(p));
	if (!is_word(peek(p), "by"))
		return true;
	next(p);
	do {
		size_t from = p->pos;
		c->keys = xrealloc(c->keys, (c->nkeys + 1) * sizeof(*c->keys));
		struct key *k = &c->keys[c->nkeys++];
		memset(k, 0, sizeof(*k));
		if (is_word(peek(p), "bin") && p->t[p->pos + 1].k == T_LP) {
			next(p);
			next(p);
			const struct tok *d = next(p);
			if ((d->k != T_DUR && d->k != T_NUM) || d->num < 1)
				return unexpected(p, d);
			k->bin_ms = (long long)(d->k == T_DUR ? d->num : d->num * 1000);
			k->field = xstrdup("@timestamp");
			if (!expect(p, T_RP))
				return false;
		} else {
			/* A field, or any value computed from the event's fields: datefloor(),
			 * toupper(), arithmetic. Aggregates have no place here. */
			struct vx *x = vx_sum(p, 0);
			if (!x)
				return false;
			if (x->k == VX_FIELD && x->field[0] != '\x01') {
				k->field = x->field;
				x->field = NULL;
				vx_free(x);
			} else {
				k->x = x;
			}
		}
		if (is_word(peek(p), "as")) {
			next(p);
			if (!(k->name = take_ident(p)))
				return false;
		} else {
			k->name = span_text(p, from, p->pos);
		}
	} while (peek(p)->k == T_COMMA && next(p));
	return true;
}

static bool parse_glob(struct parser *p, struct cmd *c, const char *glob)
{
	const char *s = glob;
	for (;;) {
		const char *star = strchr(s, '*');
		size_t n = star ? (size_t)(star - s) : strlen(s);
		c->pieces = xrealloc(c->pieces, (c->npieces + 1) * sizeof(*c->pieces));
		c->pieces[c->npieces++] = xstrndup(s, n);
		if (!star)
			break;
		s = star + 1;
	}
	if (c->npieces < 2)
		return fail_at(p, peek(p)->start, peek(p)->end,
			       "a parse pattern needs at least one *");
	return true;
}

static bool parse_command(struct parser *p, struct cmd *c)
{
	const struct tok *t = next(p);
	if (is_word(t, "fields") || is_word(t, "display")) {
		c->k = is_word(t, "fields") ? C_FIELDS : C_DISPLAY;
		return parse_fields(p, c);
	}
	if (is_word(t, "filter")) {
		c->k = C_FILTER;
		c->filter = parse_or(p, 0);
		return c->filter != NULL;
	}
	if (is_word(t, "stats")) {
		c->k = C_STATS;
		return parse_stats(p, c);
	}
	if (is_word(t, "sort")) {
		c->k = C_SORT;
		do {
			c->sort = xrealloc(c->sort, (c->nsort + 1) * sizeof(*c->sort));
			c->desc = xrealloc(c->desc, (c->nsort + 1) * sizeof(*c->desc));
			c->desc[c->nsort] = false;
			if (!(c->sort[c->nsort++] = take_ident(p)))
				return false;
			if (is_word(peek(p), "desc") || is_word(peek(p), "asc"))
				c->desc[c->nsort - 1] = is_word(next(p), "desc");
		} while (peek(p)->k == T_COMMA && next(p));
		return true;
	}
	if (is_word(t, "limit")) {
		c->k = C_LIMIT;
		const struct tok *n = next(p);
		if (n->k != T_NUM || n->num < 1 || n->num > DEFAULT_LIMIT ||
		    n->num != (double)(long)n->num)
			return unexpected(p, n);
		c->limit = (long)n->num;
		return true;
	}
	if (is_word(t, "parse")) {
		c->k = C_PARSE;
		if (!(c->parse_field = take_ident(p)))
			return false;
		const struct tok *pat = next(p);
		if (pat->k == T_REGEX) {
			c->is_rx = true;
			if (!rx_compile(&c->rx, pat->text, pat->icase, true))
				return fail_at(p, pat->start, pat->end,
					       "invalid regular expression");
			if (!c->rx.nnames)
				return fail_at(p, pat->start, pat->end,
					       "a parse regular expression needs a named group "
					       "(?<name>...)");
			return true;
		}
		if (pat->k != T_STR)
			return unexpected(p, pat);
		if (!parse_glob(p, c, pat->text))
			return false;
		if (!is_word(next(p), "as"))
			return unexpected(p, &p->t[p->pos ? p->pos - 1 : 0]);
		do {
			c->names = xrealloc(c->names, (c->nnames + 1) * sizeof(*c->names));
			if (!(c->names[c->nnames++] = take_ident(p)))
				return false;
		} while (peek(p)->k == T_COMMA && next(p));
		if (c->nnames != c->npieces - 1)
			return fail_at(p, pat->start, pat->end,
				       "the number of fields does not match the pattern's *");
		return true;
	}
	return unexpected(p, t);
}

static void cmd_free(struct cmd *c)
{
	for (size_t i = 0; i < c->nfields; i++) {
		operand_free(&c->fields[i].op);
		free(c->fields[i].name);
	}
	free(c->fields);
	expr_free(c->filter);
	for (size_t i = 0; i < c->naggs; i++) {
		free(c->aggs[i].field);
		if (c->aggs[i].ax)
			operand_free(c->aggs[i].ax);
		free(c->aggs[i].ax);
		free(c->aggs[i].name);
	}
	free(c->aggs);
	for (size_t i = 0; i < c->ncols; i++) {
		free(c->cols[i].name);
		vx_free(c->cols[i].x);
	}
	free(c->cols);
	for (size_t i = 0; i < c->nkeys; i++) {
		free(c->keys[i].field);
		free(c->keys[i].name);
		vx_free(c->keys[i].x);
	}
	free(c->keys);
	for (size_t i = 0; i < c->nsort; i++)
		free(c->sort[i]);
	free(c->sort);
	free(c->desc);
	free(c->parse_field);
	rx_free(&c->rx);
	for (size_t i = 0; i < c->npieces; i++)
		free(c->pieces[i]);
	free(c->pieces);
	for (size_t i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
}

void insights_query_free(struct insights_query *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n; i++)
		cmd_free(&q->cmds[i]);
	free(q->cmds);
	free(q);
}

void insights_query_set_now(struct insights_query *q, long long ms)
{
	q->now_ms = ms;
}

struct insights_query *insights_parse(const char *text, struct insights_error *e)
{
	assert(text && e);
	memset(e, 0, sizeof(*e));
	struct insights_query *q = xcalloc(1, sizeof(*q));
	struct parser p = { .src = text, .e = e, .q = q };
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	q->now_ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	bool ok = lex(&p);
	int stats = 0;
	while (ok) {
		if (peek(&p)->k == T_END) {
			if (q->n == 0)
				ok = fail_at(&p, 0, 0, "the query is empty");
			break;
		}
		q->cmds = xrealloc(q->cmds, (q->n + 1) * sizeof(*q->cmds));
		struct cmd *c = &q->cmds[q->n++];
		memset(c, 0, sizeof(*c));
		ok = parse_command(&p, c);
		if (ok && c->k == C_STATS && ++stats > 1)
			ok = fail_at(&p, p.t[p.pos ? p.pos - 1 : 0].start,
				     p.t[p.pos ? p.pos - 1 : 0].end,
				     "only one stats command is supported");
		if (ok && peek(&p)->k != T_END && !expect(&p, T_PIPE))
			ok = false;
		/* A pipe leads to a command: `fields @message |` is malformed. */
		if (ok && peek(&p)->k == T_END && p.t[p.pos - 1].k == T_PIPE)
			ok = unexpected(&p, peek(&p));
	}
	for (size_t i = 0; i < p.n; i++)
		free(p.t[i].text);
	free(p.t);
	if (!ok) {
		insights_query_free(q);
		return NULL;
	}
	return q;
}

/* --- Running ------------------------------------------------------------------------------ */

struct group {
	char *key;
	struct val *keys; /* one per stats key */
	double *count, *sum, *min, *max;
	struct vec_d {
		double *v;
		size_t n, cap;
	} * values;         /* pct, count_distinct */
	struct val *pick;   /* earliest, latest: the value (s NULL while none) */
	long long *pick_ts; /* and its event's @timestamp */
};

struct insights_run {
	const struct insights_query *q;
	long limit;
	size_t stats_at; /* index of the stats command, or q->n */
	struct row *rows;
	size_t nrows, cap;
	struct group *groups;
	size_t ngroups, gcap;
	long long matched, scanned, bytes;
	char **columns; /* the output's, for rows of events */
	size_t ncolumns;
	struct arena ar;    /* the scratch row's strings */
	struct row scratch; /* the event being read */
	struct strbuf key;  /* the event's group key */
};

static const struct val *get(const struct row *r, const char *name)
{
	const struct kv *k = row_find(r, name);
	return k ? &k->v : NULL;
}

/* Compute x into out (out->s allocated). False when a field is missing or the arithmetic
 * has no answer (a string, a division by zero): the value is then absent. */
static bool vx_eval(const struct vx *x, const struct row *r, struct val *out, int depth)
{
	memset(out, 0, sizeof(*out));
	if (depth > 128)
		return false;
	switch (x->k) {
	case VX_FIELD:
	case VX_LIT: {
		const struct val *v = x->k == VX_FIELD ? get(r, x->field) : &x->lit;
		if (!v)
			return false;
		*out = *v;
		out->s = xstrdup(v->s);
		return true;
	}
	case VX_NEG: {
		struct val a;
		bool ok = vx_eval(x->a, r, &a, depth + 1) && a.isnum;
		if (ok)
			val_set_num(out, -a.num);
		free(a.s);
		return ok;
	}
	case VX_BIN: {
		struct val a, b;
		bool ok = vx_eval(x->a, r, &a, depth + 1) & vx_eval(x->b, r, &b, depth + 1);
		ok = ok && a.isnum && b.isnum;
		double v = 0;
		if (ok) {
			switch (x->op) {
			case T_PLUS:
				v = a.num + b.num;
				break;
			case T_MINUS:
				v = a.num - b.num;
				break;
			case T_STAR:
				v = a.num * b.num;
				break;
			case T_SLASH:
				v = b.num != 0 ? a.num / b.num : NAN;
				break;
			case T_PERCENT:
				v = b.num != 0 ? fmod(a.num, b.num) : NAN;
				break;
			default:
				v = pow(a.num, b.num);
				break;
			}
			ok = isfinite(v);
		}
		if (ok)
			val_set_num(out, v);
		free(a.s);
		free(b.s);
		return ok;
	}
	case VX_CALL:
		break;
	}
	size_t n = x->nargs;
	struct val *args = xcalloc(n, sizeof(*args));
	bool *has = xcalloc(n, sizeof(*has));
	for (size_t i = 0; i < n; i++)
		has[i] = vx_eval(x->args[i], r, &args[i], depth + 1);
	bool ok = false;
	const struct val *a0 = &args[0];
	switch ((enum vx_fn_id)x->fn) {
	case FN_ABS:
	case FN_CEIL:
	case FN_FLOOR:
	case FN_SQRT:
	case FN_LOG: {
		if (!has[0] || !a0->isnum)
			break;
		double v = x->fn == FN_ABS     ? fabs(a0->num)
			   : x->fn == FN_CEIL  ? ceil(a0->num)
			   : x->fn == FN_FLOOR ? floor(a0->num)
			   : x->fn == FN_SQRT  ? sqrt(a0->num)
					       : log(a0->num);
		if ((ok = isfinite(v)))
			val_set_num(out, v);
		break;
	}
	case FN_STRLEN:
		if ((ok = has[0]))
			val_set_num(out, (double)strlen(a0->s));
		break;
	case FN_TOUPPER:
	case FN_TOLOWER:
		if ((ok = has[0])) {
			char *t = xstrdup(a0->s);
			for (char *c = t; *c; c++)
				*c = (char)(x->fn == FN_TOUPPER ? toupper((unsigned char)*c)
								: tolower((unsigned char)*c));
			val_set_str(out, t, strlen(t));
			free(t);
		}
		break;
	case FN_TRIM:
	case FN_LTRIM:
	case FN_RTRIM:
		if ((ok = has[0])) {
			const char *b = a0->s, *e = a0->s + strlen(a0->s);
			while (x->fn != FN_RTRIM && b < e && isspace((unsigned char)*b))
				b++;
			while (x->fn != FN_LTRIM && e > b && isspace((unsigned char)e[-1]))
				e--;
			val_set_str(out, b, (size_t)(e - b));
		}
		break;
	case FN_CONCAT: {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < n; i++) {
			if (has[i])
				strbuf_addstr(&sb, args[i].s);
		}
		val_set_str(out, sb.buf ? sb.buf : "", sb.len);
		strbuf_release(&sb);
		ok = true;
		break;
	}
	case FN_SUBSTR: {
		if (!has[0] || !has[1] || !args[1].isnum || (n > 2 && (!has[2] || !args[2].isnum)))
			break;
		double len = (double)strlen(a0->s);
		double from = fmin(fmax(args[1].num, 0), len);
		double count = n > 2 ? fmin(fmax(args[2].num, 0), len - from) : len - from;
		val_set_str(out, a0->s + (size_t)from, (size_t)count);
		ok = true;
		break;
	}
	case FN_REPLACE: {
		if (!has[0] || !has[1] || !has[2])
			break;
		struct strbuf sb = STRBUF_INIT;
		const char *at = a0->s, *hit;
		size_t k = strlen(args[1].s);
		while (k && (hit = strstr(at, args[1].s))) {
			strbuf_add(&sb, at, (size_t)(hit - at));
			strbuf_addstr(&sb, args[2].s);
			at = hit + k;
		}
		strbuf_addstr(&sb, at);
		val_set_str(out, sb.buf ? sb.buf : "", sb.len);
		strbuf_release(&sb);
		ok = true;
		break;
	}
	case FN_STRCONTAINS:
		if ((ok = has[0] && has[1]))
			val_set_num(out, strstr(a0->s, args[1].s) ? 1 : 0);
		break;
	case FN_COALESCE:
		for (size_t i = 0; i < n && !ok; i++) {
			if (has[i]) {
				val_set_str(out, args[i].s, strlen(args[i].s));
				ok = true;
			}
		}
		break;
	case FN_DATEFLOOR:
	case FN_DATECEIL: {
		long long ms = 0, period = has[1] && args[1].isnum ? (long long)args[1].num : 0;
		if (!has[0] || !time_ms_of(a0, &ms) || period < 1)
			break;
		long long f = ms / period * period - (ms % period < 0 ? period : 0);
		val_set_time(out, x->fn == FN_DATECEIL && f != ms ? f + period : f);
		ok = true;
		break;
	}
	case FN_FROMMILLIS:
		if ((ok = has[0] && a0->isnum && fabs(a0->num) < 1e15))
			val_set_time(out, (long long)a0->num);
		break;
	case FN_NOW:
		/* The time the query started, in epoch seconds. */
		if ((ok = x->now_ms != NULL))
			val_set_num(out, (double)(*x->now_ms / 1000));
		break;
	case FN_TOMILLIS: {
		long long ms = 0;
		if ((ok = has[0] && time_ms_of(a0, &ms)))
			val_set_num(out, (double)ms);
		break;
	}
	case FN_GREATEST:
	case FN_LEAST: {
		double best = NAN;
		for (size_t i = 0; i < n; i++) {
			if (has[i] && args[i].isnum &&
			    (isnan(best) ||
			     (x->fn == FN_GREATEST ? args[i].num > best : args[i].num < best)))
				best = args[i].num;
		}
		if ((ok = !isnan(best)))
			val_set_num(out, best);
		break;
	}
	}
	for (size_t i = 0; i < n; i++)
		free(args[i].s);
	free(args);
	free(has);
	return ok;
}

/* The operand's value in row, or NULL when absent; a computed one is put in tmp (caller
 * frees tmp->s). */
static const struct val *operand_val(const struct row *r, const struct operand *o, struct val *tmp)
{
	memset(tmp, 0, sizeof(*tmp));
	if (o->x)
		return vx_eval(o->x, r, tmp, 0) ? tmp : NULL;
	return o->field ? get(r, o->field) : &o->lit;
}

static int compare(const struct val *a, const struct val *b)
{
	if (a->isnum && b->isnum)
		return a->num < b->num ? -1 : a->num > b->num;
	return strcmp(a->s, b->s);
}

static bool eval(const struct expr *x, const struct row *r)
{
	switch (x->k) {
	case EX_AND:
		return eval(x->a, r) && eval(x->b, r);
	case EX_OR:
		return eval(x->a, r) || eval(x->b, r);
	case EX_NOT:
		return !eval(x->a, r);
	case EX_PRESENT:
		return get(r, x->l.field) != NULL;
	case EX_LIKE: {
		struct val t;
		const struct val *v = operand_val(r, &x->l, &t);
		bool m = v && (x->sub ? strstr(v->s, x->sub) != NULL
				      : regexec(&x->rx.re, v->s, 0, NULL, 0) == 0);
		free(t.s);
		return m;
	}
	case EX_IN: {
		struct val t;
		const struct val *v = operand_val(r, &x->l, &t);
		bool m = false;
		for (size_t i = 0; v && i < x->nset && !m; i++)
			m = compare(v, &x->set[i]) == 0;
		free(t.s);
		return m;
	}
	case EX_CMP: {
		struct val ta, tb;
		const struct val *a = operand_val(r, &x->l, &ta), *b = operand_val(r, &x->r, &tb);
		int c = a && b ? compare(a, b) : 0;
		bool m = false;
		if (a && b) {
			switch (x->cmp) {
			case T_EQ:
				m = c == 0;
				break;
			case T_NE:
				m = c != 0;
				break;
			case T_LT:
				m = c < 0;
				break;
			case T_LE:
				m = c <= 0;
				break;
			case T_GT:
				m = c > 0;
				break;
			default:
				m = c >= 0;
				break;
			}
		}
		free(ta.s);
		free(tb.s);
		return m;
	}
	}
	return false;
}

static void add_column(struct insights_run *r, const char *name)
{
	for (size_t i = 0; i < r->ncolumns; i++) {
		if (strcmp(r->columns[i], name) == 0)
			return;
	}
	r->columns = xrealloc(r->columns, (r->ncolumns + 1) * sizeof(*r->columns));
	r->columns[r->ncolumns++] = xstrdup(name);
}

struct insights_run *insights_run_new(const struct insights_query *q, long limit)
{
	struct insights_run *r = xcalloc(1, sizeof(*r));
	r->q = q;
	r->limit = limit > 0 && limit < DEFAULT_LIMIT ? limit : DEFAULT_LIMIT;
	r->stats_at = q->n;
	const struct cmd *display = NULL;
	for (size_t i = 0; i < q->n; i++) {
		if (q->cmds[i].k == C_STATS && r->stats_at == q->n)
			r->stats_at = i;
		if (q->cmds[i].k == C_LIMIT && q->cmds[i].limit < r->limit)
			r->limit = q->cmds[i].limit;
		if (q->cmds[i].k == C_DISPLAY)
			display = &q->cmds[i];
	}
	if (display) {
		for (size_t i = 0; i < display->nfields; i++)
			add_column(r, display->fields[i].name);
	} else {
		for (size_t i = 0; i < q->n && i < r->stats_at; i++) {
			for (size_t j = 0; q->cmds[i].k == C_FIELDS && j < q->cmds[i].nfields; j++)
				add_column(r, q->cmds[i].fields[j].name);
		}
		if (!r->ncolumns) {
			add_column(r, "@timestamp");
			add_column(r, "@message");
		}
	}
	return r;
}

/* Lambda's platform lines: START, END and REPORT with their discovered fields. */
static void discover_lambda(struct row *row, const char *m)
{
	static const char *const kinds[] = { "START", "END", "REPORT" };
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(kinds[i]);
		if (strncmp(m, kinds[i], n) != 0 || strncmp(m + n, " RequestId: ", 12) != 0)
			continue;
		row_add_str(row, "@type", kinds[i], n);
		const char *id = m + n + 12;
		size_t idn = strcspn(id, " \t\n");
		row_add_str(row, "@requestId", id, idn);
		static const struct {
			const char *label, *field;
		} f[] = { { "\tDuration: ", "@duration" },
			  { "\tBilled Duration: ", "@billedDuration" },
			  { "\tMemory Size: ", "@memorySize" },
			  { "\tMax Memory Used: ", "@maxMemoryUsed" },
			  { "\tInit Duration: ", "@initDuration" } };
		for (size_t k = 0; i == 2 && k < sizeof(f) / sizeof(f[0]); k++) {
			const char *at = strstr(m, f[k].label);
			if (!at)
				continue;
			at += strlen(f[k].label);
			size_t len = strspn(at, "0123456789.");
			if (!len)
				continue;
			/* Insights gives the two memory fields in bytes (MB x 1,000,000), as AWS
			 * does. */
			if (strstr(f[k].label, "Memory")) {
				char bytes[40];
				int w;
				if (len < 16 && !memchr(at, '.', len)) {
					memcpy(bytes, at, len);
					memcpy(bytes + len, "000000", 7);
					w = (int)len + 6;
				} else {
					w = snprintf(bytes, sizeof(bytes), "%.0f",
						     strtod(at, NULL) * 1e6);
				}
				row_add_str(row, f[k].field, bytes, (size_t)w);
			} else {
				row_add_str(row, f[k].field, at, len);
			}
		}
		return;
	}
}

static void flatten(struct row *row, const cJSON *o, struct strbuf *path, int depth)
{
	const cJSON *it;
	int index = 0;
	cJSON_ArrayForEach(it, o)
	{
		size_t keep = path->len;
		if (keep)
			strbuf_addch(path, '.');
		if (cJSON_IsArray(o))
			strbuf_addf(path, "%d", index++);
		else
			strbuf_addstr(path, it->string ? it->string : "");
		if ((cJSON_IsObject(it) || cJSON_IsArray(it)) && depth < 8) {
			flatten(row, it, path, depth + 1);
		} else if (cJSON_IsString(it)) {
			row_put_str(row, path->buf, it->valuestring, strlen(it->valuestring));
		} else if (cJSON_IsNumber(it)) {
			struct val v;
			val_set_num(&v, it->valuedouble);
			row_put(row, path->buf, &v);
			free(v.s);
		} else if (cJSON_IsBool(it)) {
			row_put_str(row, path->buf, cJSON_IsTrue(it) ? "true" : "false",
				    cJSON_IsTrue(it) ? 4 : 5);
		}
		strbuf_setlen(path, keep);
	}
}

static void run_parse(const struct cmd *c, struct row *row)
{
	const struct val *v = get(row, c->parse_field);
	if (!v)
		return;
	const char *s = v->s;
	if (c->is_rx) {
		regmatch_t m[32];
		if (regexec(&c->rx.re, s, 32, m, 0) != 0)
			return;
		char *copy = xstrdup(s);
		for (size_t i = 0; i < c->rx.nnames; i++) {
			int g = c->rx.groups[i];
			if (g < 32 && m[g].rm_so >= 0)
				row_put_str(row, c->rx.names[i], copy + m[g].rm_so,
					    (size_t)(m[g].rm_eo - m[g].rm_so));
		}
		free(copy);
		return;
	}
	/* A glob: the first piece anywhere, each * up to the next piece. */
	const char *at = strstr(s, c->pieces[0]);
	if (!at)
		return;
	at += strlen(c->pieces[0]);
	const char **from = xmalloc(c->nnames * sizeof(*from));
	size_t *len = xmalloc(c->nnames * sizeof(*len));
	bool ok = true;
	for (size_t i = 0; i < c->nnames && ok; i++) {
		const char *piece = c->pieces[i + 1];
		const char *end = piece[0] ? strstr(at, piece) : at + strlen(at);
		ok = end != NULL;
		if (ok) {
			from[i] = at;
			len[i] = (size_t)(end - at);
			at = end + strlen(piece);
		}
	}
	for (size_t i = 0; i < c->nnames && ok; i++) {
		char *copy = xstrndup(from[i], len[i]);
		row_put_str(row, c->names[i], copy, len[i]);
		free(copy);
	}
	free(from);
	free(len);
}

static void push_row(struct insights_run *r, struct row *row)
{
	if (r->nrows == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->rows = xrealloc(r->rows, r->cap * sizeof(*r->rows));
	}
	r->rows[r->nrows++] = *row;
	memset(row, 0, sizeof(*row));
}

static bool has_sort(const struct insights_run *r)
{
	for (size_t i = 0; i < r->q->n; i++) {
		if (r->q->cmds[i].k == C_SORT)
			return true;
	}
	return false;
}

static void dvec_push(struct vec_d *d, double x)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	d->v[d->n++] = x;
}

/* One event's value v (NULL for count(*)) into aggregation i of g. */
static void agg_add(struct group *g, size_t i, const struct agg *a, const struct val *v)
{
	if (a->fn == AGG_COUNT) {
		g->count[i]++;
		return;
	}
	if (a->fn == AGG_COUNT_DISTINCT) {
		/* distinct strings: kept as their hash */
		unsigned long long h = 1469598103934665603ULL;
		for (const char *s = v->s; *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ULL;
		dvec_push(&g->values[i], (double)(h >> 11));
		return;
	}
	if (!v->isnum)
		return;
	g->count[i]++;
	g->sum[i] += v->num;
	if (v->num < g->min[i])
		g->min[i] = v->num;
	if (v->num > g->max[i])
		g->max[i] = v->num;
	if (a->fn == AGG_PCT)
		dvec_push(&g->values[i], v->num);
}

/* The value of the stats command's key i for row (a bin's start, a computed value, or the
 * field's value). A computed value's text is *hold, which the caller frees. */
static void group_key(const struct cmd *c, size_t i, const struct row *row, struct val *out,
		      char t[32], char **hold)
{
	*hold = NULL;
	if (c->keys[i].x) {
		struct val v;
		bool ok = vx_eval(c->keys[i].x, row, &v, 0);
		*hold = ok ? v.s : xstrdup("");
		out->s = *hold;
		out->isnum = ok && v.isnum;
		out->num = ok ? v.num : 0;
		return;
	}
	const struct val *v = get(row, c->keys[i].field);
	if (c->keys[i].bin_ms && v && v->isnum) {
		long long b = (long long)v->num / c->keys[i].bin_ms * c->keys[i].bin_ms;
		time_text(b, t);
		out->s = t;
		out->isnum = false;
		out->num = (double)b;
	} else {
		static char none[1];
		out->s = v ? v->s : none;
		out->isnum = v && v->isnum;
		out->num = v ? v->num : 0;
	}
}

static void aggregate(struct insights_run *r, const struct cmd *c, const struct row *row)
{
	strbuf_setlen(&r->key, 0);
	for (size_t i = 0; i < c->nkeys; i++) {
		struct val v;
		char t[32], *hold;
		group_key(c, i, row, &v, t, &hold);
		strbuf_addstr(&r->key, v.s);
		strbuf_addch(&r->key, '\x1f');
		free(hold);
	}
	const char *k = r->key.buf ? r->key.buf : "";
	struct group *g = NULL;
	for (size_t i = r->ngroups; i-- > 0;) {
		if (strcmp(r->groups[i].key, k) == 0) {
			g = &r->groups[i];
			break;
		}
	}
	if (!g) {
		if (r->ngroups == r->gcap) {
			r->gcap = r->gcap ? r->gcap * 2 : 16;
			r->groups = xrealloc(r->groups, r->gcap * sizeof(*r->groups));
		}
		g = &r->groups[r->ngroups++];
		g->key = xstrdup(k);
		g->keys = c->nkeys ? xcalloc(c->nkeys, sizeof(*g->keys)) : NULL;
		for (size_t i = 0; i < c->nkeys; i++) {
			char t[32], *hold;
			group_key(c, i, row, &g->keys[i], t, &hold);
			g->keys[i].s = xstrdup(g->keys[i].s);
			free(hold);
		}
		size_t n = c->naggs;
		g->count = xcalloc(n, sizeof(double));
		g->sum = xcalloc(n, sizeof(double));
		g->min = xmalloc(n * sizeof(double));
		g->max = xmalloc(n * sizeof(double));
		g->values = xcalloc(n, sizeof(*g->values));
		g->pick = xcalloc(n, sizeof(*g->pick));
		g->pick_ts = xcalloc(n, sizeof(*g->pick_ts));
		for (size_t i = 0; i < n; i++) {
			g->min[i] = INFINITY;
			g->max[i] = -INFINITY;
		}
	}
	for (size_t i = 0; i < c->naggs; i++) {
		const struct agg *a = &c->aggs[i];
		struct val t = { 0 };
		const struct val *v = a->ax      ? operand_val(row, a->ax, &t)
				      : a->field ? get(row, a->field)
						 : NULL;
		if (v && (a->fn == AGG_EARLIEST || a->fn == AGG_LATEST)) {
			struct val *pk = &g->pick[i];
			if (!pk->s || (a->fn == AGG_EARLIEST ? row->ts < g->pick_ts[i]
							     : row->ts >= g->pick_ts[i])) {
				free(pk->s);
				*pk = *v;
				pk->s = xstrdup(v->s);
				g->pick_ts[i] = row->ts;
			}
		} else if (v || (!a->field && !a->ax)) {
			agg_add(g, i, a, v);
		}
		free(t.s);
	}
}

void insights_run_event(struct insights_run *r, long long ts_ms, long long ingest_ms,
			const char *log, const char *stream, const char *message, const char *ptr)
{
	r->scanned++;
	r->bytes += (long long)strlen(message);
	struct row *row = &r->scratch;
	row->ar = &r->ar;
	row->ts = ts_ms;
	struct val v;
	char t[32];
	time_text(ts_ms, t);
	v.s = t;
	v.isnum = true;
	v.num = (double)ts_ms;
	struct kv *slot = row_add(row, "@timestamp");
	slot->v = v;
	slot->v.s = row_strdup(row, t, strlen(t));
	time_text(ingest_ms, t);
	v.num = (double)ingest_ms;
	slot = row_add(row, "@ingestionTime");
	slot->v = v;
	slot->v.s = row_strdup(row, t, strlen(t));
	size_t mlen = strlen(message);
	while (mlen && (message[mlen - 1] == '\n' || message[mlen - 1] == '\r'))
		mlen--;
	row_add_str(row, "@message", message, mlen);
	row_add_str(row, "@logStream", stream, strlen(stream));
	row_add_str(row, "@log", log, strlen(log));
	row_add_str(row, "@ptr", ptr, strlen(ptr));
	discover_lambda(row, message);
	const char *j = message + strspn(message, " \t");
	if (*j == '{') {
		cJSON *o = cJSON_ParseWithLength(j, mlen - (size_t)(j - message));
		if (cJSON_IsObject(o)) {
			struct strbuf path = STRBUF_INIT;
			flatten(row, o, &path, 0);
			strbuf_release(&path);
		}
		cJSON_Delete(o);
	}
	const struct insights_query *q = r->q;
	for (size_t i = 0; i < r->stats_at; i++) {
		const struct cmd *c = &q->cmds[i];
		if (c->k == C_FILTER && !eval(c->filter, row)) {
			row_clear(row);
			return;
		}
		if (c->k == C_PARSE)
			run_parse(c, row);
		for (size_t k = 0; c->k == C_FIELDS && k < c->nfields; k++) {
			struct val tmp;
			const struct val *fv = operand_val(row, &c->fields[k].op, &tmp);
			if (fv && strcmp(c->fields[k].name,
					 c->fields[k].op.field ? c->fields[k].op.field : "") != 0) {
				struct val copy = *fv;
				copy.s = xstrdup(fv->s);
				row_put(row, c->fields[k].name, &copy);
				free(copy.s);
			}
			free(tmp.s);
		}
	}
	r->matched++;
	if (r->stats_at < q->n) {
		aggregate(r, &q->cmds[r->stats_at], row);
		row_clear(row);
		return;
	}
	if (!has_sort(r) && (long)r->nrows >= r->limit) {
		row_clear(row);
		return;
	}
	struct row kept = row_keep(row);
	row_clear(row);
	push_row(r, &kept);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double agg_value(const struct agg *a, struct group *g, size_t i, bool *has)
{
	*has = true;
	switch (a->fn) {
	case AGG_COUNT:
		return g->count[i];
	case AGG_COUNT_DISTINCT: {
		struct vec_d *d = &g->values[i];
		qsort(d->v, d->n, sizeof(double), cmp_double);
		double n = 0;
		for (size_t k = 0; k < d->n; k++)
			n += k == 0 || d->v[k] != d->v[k - 1];
		return n;
	}
	default:
		break;
	}
	if (g->count[i] == 0) {
		*has = false;
		return 0;
	}
	switch (a->fn) {
	case AGG_SUM:
		return g->sum[i];
	case AGG_AVG:
		return g->sum[i] / g->count[i];
	case AGG_MIN:
		return g->min[i];
	case AGG_MAX:
		return g->max[i];
	default: {
		struct vec_d *d = &g->values[i];
		qsort(d->v, d->n, sizeof(double), cmp_double);
		size_t rank = (size_t)ceil(a->pct / 100.0 * (double)d->n);
		return d->v[rank ? rank - 1 : 0];
	}
	}
}

static const struct cmd *g_sort;

static int row_order(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	for (size_t i = 0; i < g_sort->nsort; i++) {
		const struct val *x = get(a, g_sort->sort[i]), *y = get(b, g_sort->sort[i]);
		int c = !x && !y ? 0 : !x ? 1 : !y ? -1 : compare(x, y);
		if (c)
			return g_sort->desc[i] && x && y ? -c : c;
	}
	return 0;
}

static void sort_rows(struct insights_run *r, const struct cmd *c)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&mu);
	g_sort = c;
	qsort(r->rows, r->nrows, sizeof(*r->rows), row_order);
	g_sort = NULL;
	pthread_mutex_unlock(&mu);
}

void insights_run_finish(struct insights_run *r, cJSON **results, cJSON **stats)
{
	const struct insights_query *q = r->q;
	char **cols = r->columns;
	size_t ncols = r->ncolumns;
	char **stat_cols = NULL;
	if (r->stats_at < q->n) {
		const struct cmd *c = &q->cmds[r->stats_at];
		ncols = c->nkeys + c->ncols;
		stat_cols = xmalloc(ncols * sizeof(*stat_cols));
		for (size_t i = 0; i < c->nkeys; i++)
			stat_cols[i] = c->keys[i].name;
		for (size_t i = 0; i < c->ncols; i++)
			stat_cols[c->nkeys + i] = c->cols[i].name;
		cols = stat_cols;
		/* bins in time order, as Insights lists them */
		for (size_t gi = 0; gi < r->ngroups; gi++) {
			struct group *g = &r->groups[gi];
			struct row row = { 0 };
			for (size_t i = 0; i < c->nkeys; i++)
				row_put(&row, c->keys[i].name, &g->keys[i]);
			for (size_t i = 0; i < c->naggs; i++) {
				if (c->aggs[i].fn == AGG_EARLIEST || c->aggs[i].fn == AGG_LATEST) {
					if (g->pick[i].s)
						row_put(&row, c->aggs[i].name, &g->pick[i]);
					continue;
				}
				bool has;
				double x = agg_value(&c->aggs[i], g, i, &has);
				if (!has)
					continue;
				struct val v;
				val_set_num(&v, x);
				row_put(&row, c->aggs[i].name, &v);
				free(v.s);
			}
			/* Arithmetic over the group's aggregates; absent when it has no answer. */
			for (size_t i = 0; i < c->ncols; i++) {
				struct val v = { 0 };
				if (c->cols[i].x && vx_eval(c->cols[i].x, &row, &v, 0))
					row_put(&row, c->cols[i].name, &v);
				free(v.s);
			}
			push_row(r, &row);
		}
		for (size_t i = r->stats_at + 1; i < q->n; i++) {
			const struct cmd *pc = &q->cmds[i];
			if (pc->k != C_FILTER)
				continue;
			size_t kept = 0;
			for (size_t k = 0; k < r->nrows; k++) {
				if (eval(pc->filter, &r->rows[k]))
					r->rows[kept++] = r->rows[k];
				else
					row_clear(&r->rows[k]);
			}
			r->nrows = kept;
		}
	}
	for (size_t i = 0; i < q->n; i++) {
		if (q->cmds[i].k == C_SORT)
			sort_rows(r, &q->cmds[i]);
	}
	*results = cJSON_CreateArray();
	for (size_t k = 0; k < r->nrows && (long)k < r->limit; k++) {
		cJSON *line = cJSON_CreateArray();
		for (size_t i = 0; i < ncols; i++) {
			const struct val *v = get(&r->rows[k], cols[i]);
			if (!v)
				continue;
			cJSON *f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "field", cols[i]);
			cJSON_AddStringToObject(f, "value", v->s);
			cJSON_AddItemToArray(line, f);
		}
		const struct val *ptr = get(&r->rows[k], "@ptr");
		if (ptr && !stat_cols) {
			cJSON *f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "field", "@ptr");
			cJSON_AddStringToObject(f, "value", ptr->s);
			cJSON_AddItemToArray(line, f);
		}
		cJSON_AddItemToArray(*results, line);
	}
	free(stat_cols);
	*stats = cJSON_CreateObject();
	cJSON_AddNumberToObject(*stats, "recordsMatched", (double)r->matched);
	cJSON_AddNumberToObject(*stats, "recordsScanned", (double)r->scanned);
	cJSON_AddNumberToObject(*stats, "bytesScanned", (double)r->bytes);
}

void insights_run_free(struct insights_run *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrows; i++)
		row_clear(&r->rows[i]);
	free(r->rows);
	const struct cmd *c = r->stats_at < r->q->n ? &r->q->cmds[r->stats_at] : NULL;
	for (size_t i = 0; i < r->ngroups; i++) {
		struct group *g = &r->groups[i];
		free(g->key);
		for (size_t k = 0; c && k < c->nkeys; k++)
			free(g->keys[k].s);
		free(g->keys);
		for (size_t k = 0; c && k < c->naggs; k++) {
			free(g->values[k].v);
			free(g->pick[k].s);
		}
		free(g->values);
		free(g->pick);
		free(g->pick_ts);
		free(g->count);
		free(g->sum);
		free(g->min);
		free(g->max);
	}
	free(r->groups);
	for (size_t i = 0; i < r->ncolumns; i++)
		free(r->columns[i]);
	free(r->columns);
	free(r->scratch.kv);
	arena_release(&r->ar);
	strbuf_release(&r->key);
	free(r);
}
