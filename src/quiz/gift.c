/*
 * Writing GIFT. Per Moodle's format.php: questions are separated by a blank line and hold none
 * themselves (newlines become \n), the characters ~ = # { } : and \ are escaped with a
 * backslash, weights are %n% after = or ~, per-answer feedback follows #, general feedback
 * follows ####, and [markdown] marks the text format.
 */
#include "quiz/gift.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

/* s escaped, without its trailing white space (YAML block scalars end in a newline). */
static void esc(struct strbuf *sb, const char *s)
{
	if (!s)
		return;
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (const char *end = s + n; s < end; s++) {
		switch (*s) {
		case '~':
		case '=':
		case '#':
		case '{':
		case '}':
		case ':':
		case '\\':
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, *s);
			break;
		case '\n':
			strbuf_addstr(sb, "\\n");
			break;
		case '\r':
			break;
		default:
			strbuf_addch(sb, *s);
		}
	}
}

/* A weight as GIFT writes it: up to five decimals, no trailing zeros. */
static void weight(struct strbuf *sb, double fraction)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%.5f", fraction * 100);
	char *end = buf + strlen(buf) - 1;
	while (*end == '0')
		*end-- = '\0';
	if (*end == '.')
		*end = '\0';
	strbuf_addf(sb, "%%%s%%", buf);
}

static void feedback(struct strbuf *sb, const char *fb)
{
	if (fb) {
		strbuf_addstr(sb, " #");
		esc(sb, fb);
	}
}

static void number(struct strbuf *sb, double v)
{
	strbuf_addf(sb, "%.15g", v);
}

static void numeric_answer(struct strbuf *sb, const struct quiz_answer *a)
{
	if (a->any) {
		strbuf_addstr(sb, "\n  ~");
		if (a->fraction != 0)
			weight(sb, a->fraction);
		strbuf_addstr(sb, "*");
		feedback(sb, a->feedback);
		return;
	}
	strbuf_addstr(sb, "\n  =");
	if (fabs(a->fraction - 1) > 1e-9)
		weight(sb, a->fraction);
	switch (a->tol_type) {
	case QUIZ_TOL_NOMINAL:
		number(sb, a->value);
		if (a->tolerance != 0) {
			strbuf_addch(sb, ':');
			number(sb, a->tolerance);
		}
		break;
	case QUIZ_TOL_RELATIVE:
	case QUIZ_TOL_GEOMETRIC: {
		/* GIFT only knows nominal tolerance: write the same interval as min..max. */
		double t = fabs(a->tolerance), lo, hi;
		if (a->tol_type == QUIZ_TOL_RELATIVE) {
			lo = a->value - fabs(a->value) * t;
			hi = a->value + fabs(a->value) * t;
		} else {
			lo = fmin(a->value / (1 + t), a->value * (1 + t));
			hi = fmax(a->value / (1 + t), a->value * (1 + t));
		}
		number(sb, lo);
		strbuf_addstr(sb, "..");
		number(sb, hi);
		break;
	}
	}
	feedback(sb, a->feedback);
}

static void question(struct strbuf *sb, const struct quiz_question *q)
{
	if (q->type == QUIZ_ORDER) {
		strbuf_addf(sb, "// %s: ordering questions have no GIFT form\n", q->id);
		return;
	}
	if (q->n_hints || fabs(q->penalty - (q->type == QUIZ_TF ? 1 : QUIZ_DEFAULT_PENALTY)) > 1e-6)
		strbuf_addf(sb, "// %s: hints and penalty are not part of GIFT\n", q->id);
	if (q->n_units)
		strbuf_addf(sb, "// %s: units are not part of GIFT; answers are in the base unit\n",
			    q->id);
	if (q->n_distractors)
		strbuf_addf(sb, "// %s: extra matching answers are not part of GIFT\n", q->id);
	strbuf_addstr(sb, "::");
	esc(sb, q->id);
	strbuf_addstr(sb, ":: [markdown]");
	esc(sb, q->text);
	if (q->code) {
		strbuf_addstr(sb, "\\n\\n");
		esc(sb, q->code);
	}
	strbuf_addstr(sb, " {");
	switch (q->type) {
	case QUIZ_MC:
	case QUIZ_MC_MULTI:
		for (size_t i = 0; i < q->n_answers; i++) {
			const struct quiz_answer *a = &q->answers[i];
			bool full = q->type == QUIZ_MC && fabs(a->fraction - 1) < 1e-9;
			strbuf_addstr(sb, full ? "\n  =" : "\n  ~");
			if (!full && a->fraction != 0)
				weight(sb, a->fraction);
			esc(sb, a->text);
			feedback(sb, a->feedback);
		}
		break;
	case QUIZ_TF: {
		/* {T#shown for the wrong choice#shown for the right one} */
		bool t = q->answers[0].fraction > 0;
		strbuf_addstr(sb, t ? "T" : "F");
		const char *wrong = t ? q->answers[1].feedback : q->answers[0].feedback;
		const char *right = t ? q->answers[0].feedback : q->answers[1].feedback;
		if (wrong || right) {
			strbuf_addch(sb, '#');
			esc(sb, wrong);
			strbuf_addch(sb, '#');
			esc(sb, right);
		}
		break;
	}
	case QUIZ_NUMERIC:
		strbuf_addch(sb, '#');
		for (size_t i = 0; i < q->n_answers; i++)
			numeric_answer(sb, &q->answers[i]);
		break;
	case QUIZ_SHORT:
		for (size_t i = 0; i < q->n_answers; i++) {
			strbuf_addstr(sb, "\n  =");
			if (fabs(q->answers[i].fraction - 1) > 1e-9)
				weight(sb, q->answers[i].fraction);
			esc(sb, q->answers[i].text);
			feedback(sb, q->answers[i].feedback);
		}
		break;
	case QUIZ_MATCH:
		for (size_t i = 0; i < q->n_answers; i++) {
			strbuf_addstr(sb, "\n  =");
			esc(sb, q->answers[i].text);
			strbuf_addstr(sb, " -> ");
			esc(sb, q->answers[i].match);
		}
		break;
	case QUIZ_ORDER:
		break;
	}
	if (q->general_feedback) {
		strbuf_addstr(sb, "\n  ####");
		esc(sb, q->general_feedback);
	}
	strbuf_addstr(sb, "\n}\n");
}

char *quiz_gift_export(const struct quiz *quiz)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "// %s (exported by lambda-tutor)\n\n$CATEGORY: %s\n", quiz->title,
		    quiz->id);
	for (size_t i = 0; i < quiz->n_questions; i++) {
		strbuf_addch(&sb, '\n');
		question(&sb, quiz->questions[i]);
	}
	return strbuf_detach(&sb);
}

/* ---- reading GIFT ---- */

/*
 * Escaped specials become control bytes while a question is cut into parts, so that "\=" is
 * never read as an answer mark; unescape() turns them back into the characters.
 */
static const char specials[] = "~=#{}:\\";

static char *protect(const char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		const char *sp = i + 1 < n && s[i] == '\\' ? strchr(specials, s[i + 1]) : NULL;
		if (sp && s[i + 1]) {
			strbuf_addch(&sb, (char)(1 + (sp - specials)));
			i++;
		} else if (i + 1 < n && s[i] == '\\' && s[i + 1] == 'n') {
			strbuf_addch(&sb, '\n');
			i++;
		} else {
			strbuf_addch(&sb, s[i]);
		}
	}
	return strbuf_detach(&sb);
}

/* n bytes of s, trimmed, specials restored. Caller frees. */
static char *unescape(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '\n')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		n--;
	char *out = xstrndup(s, n);
	for (char *p = out; *p; p++)
		if (*p >= 1 && *p <= 7)
			*p = specials[*p - 1];
	return out;
}

/*
 * The code point of the UTF-8 sequence at s (n bytes), its length in *len; -1 when the bytes are
 * not valid UTF-8 (then *len is 1).
 */
static long utf8_at(const unsigned char *s, size_t n, size_t *len)
{
	static const long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t k = s[0] >= 0xc2 && s[0] <= 0xdf   ? 2
		   : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		   : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
						  : 0;
	*len = 1;
	if (!k || k > n)
		return -1;
	long cp = s[0] & (0x7f >> k);
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*len = k;
	return cp;
}

/*
 * A YAML double-quoted scalar (JSON's escapes, which YAML reads the same). What YAML does not
 * allow in a stream (controls, U+0080 to U+009F, U+FFFE and U+FFFF) is escaped, and bytes that
 * are not UTF-8 become U+FFFD, so the result always parses.
 */
static void yaml_str(struct strbuf *sb, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	strbuf_addch(sb, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c < 0x80) {
			if (c == '"' || c == '\\')
				strbuf_addf(sb, "\\%c", c);
			else if (c == '\n')
				strbuf_addstr(sb, "\\n");
			else if (c == '\t')
				strbuf_addstr(sb, "\\t");
			else if (c < 0x20 || c == 0x7f)
				strbuf_addf(sb, "\\u%04x", c);
			else
				strbuf_addch(sb, (char)c);
			i++;
			continue;
		}
		size_t len;
		long cp = utf8_at(s + i, n - i, &len);
		if (cp < 0)
			strbuf_addstr(sb, "\\ufffd");
		else if (cp <= 0x9f || cp == 0xfffe || cp == 0xffff)
			strbuf_addf(sb, "\\u%04lx", cp);
		else
			strbuf_add(sb, s + i, len);
		i += len;
	}
	strbuf_addch(sb, '"');
}

/* One answer of a list: its mark ('=' or '~'), weight, text and feedback. */
struct gift_answer {
	char mark;
	bool weighted;
	double weight;
	char *text, *feedback;
};

static void answers_release(struct gift_answer *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].text);
		free(v[i].feedback);
	}
	free(v);
}

/* Split s (n bytes) at each '=' or '~' that starts an answer. */
static struct gift_answer *split_answers(const char *s, size_t n, size_t *count)
{
	struct gift_answer *v = NULL;
	size_t k = 0;
	size_t i = 0;
	while (i < n && s[i] != '=' && s[i] != '~')
		i++;
	while (i < n) {
		size_t j = i + 1;
		while (j < n && s[j] != '=' && s[j] != '~')
			j++;
		v = xreallocarray(v, k + 1, sizeof(*v));
		struct gift_answer *a = &v[k++];
		memset(a, 0, sizeof(*a));
		a->mark = s[i];
		const char *p = s + i + 1, *end = s + j;
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
			p++;
		if (p < end && *p == '%') {
			const char *q = memchr(p + 1, '%', (size_t)(end - p - 1));
			if (q) {
				char *w = xstrndup(p + 1, (size_t)(q - p - 1));
				char *e;
				a->weight = strtod(w, &e) / 100.0;
				a->weighted = e != w;
				free(w);
				p = q + 1;
			}
		}
		const char *hash = memchr(p, '#', (size_t)(end - p));
		a->text = unescape(p, (size_t)((hash ? hash : end) - p));
		if (hash)
			a->feedback = unescape(hash + 1, (size_t)(end - hash - 1));
		i = j;
	}
	*count = k;
	return v;
}

static void add_fraction(struct strbuf *sb, double f)
{
	char buf[40];
	snprintf(buf, sizeof(buf), "%.7g", f);
	strbuf_addf(sb, ", fraction: %s", buf);
}

static void add_feedback(struct strbuf *sb, const char *fb)
{
	if (fb && *fb) {
		strbuf_addstr(sb, ", feedback: ");
		yaml_str(sb, fb);
	}
}

/* "A:tol", "min..max" or "A" into value and tolerance. */
static bool numeric_value(const char *s, double *value, double *tol)
{
	char *end;
	const char *dots = strstr(s, "..");
	if (dots) {
		double lo = strtod(s, &end);
		if (end == s)
			return false;
		double hi = strtod(dots + 2, &end);
		if (end == dots + 2 || *end)
			return false;
		*value = (lo + hi) / 2;
		*tol = hi - *value;
		return true;
	}
	*value = strtod(s, &end);
	if (end == s)
		return false;
	*tol = 0;
	if (*end == ':') {
		const char *t = end + 1;
		*tol = strtod(t, &end);
		if (end == t)
			return false;
	}
	return *end == '\0';
}

static bool import_numeric(struct strbuf *sb, const char *body, size_t n, struct error *err,
			   int line)
{
	strbuf_addstr(sb, "    type: numeric\n    answers:\n");
	const char *p = body + 1; /* past '#' */
	size_t rest = n - 1;
	while (rest && (*p == ' ' || *p == '\n')) {
		p++;
		rest--;
	}
	if (rest && *p != '=' && *p != '~') {
		/* One answer: {#A:tol} or {#min..max}, with an optional #feedback. */
		const char *hash = memchr(p, '#', rest);
		char *v = unescape(p, (size_t)((hash ? hash : p + rest) - p));
		char *fb = hash ? unescape(hash + 1, (size_t)(p + rest - hash - 1)) : NULL;
		double value, tol;
		bool ok = numeric_value(v, &value, &tol);
		if (ok) {
			strbuf_addf(sb, "      - {value: %.15g, tolerance: %.15g", value, tol);
			add_feedback(sb, fb);
			strbuf_addstr(sb, "}\n");
		}
		free(v);
		free(fb);
		if (!ok)
			return error_set_at(err, "", line, 1, "not a number answer");
		return true;
	}
	size_t k;
	struct gift_answer *v = split_answers(p, rest, &k);
	bool ok = k > 0;
	for (size_t i = 0; ok && i < k; i++) {
		double value, tol;
		if (v[i].mark == '~' || strcmp(v[i].text, "*") == 0 || !v[i].text[0]) {
			strbuf_addstr(sb, "      - {value: \"*\"");
			add_fraction(sb, v[i].weighted ? v[i].weight : 0);
		} else if (numeric_value(v[i].text, &value, &tol)) {
			strbuf_addf(sb, "      - {value: %.15g, tolerance: %.15g", value, tol);
			add_fraction(sb, v[i].weighted ? v[i].weight : 1);
		} else {
			ok = error_set_at(err, "", line, 1, "'%s' is not a number answer",
					  v[i].text);
			break;
		}
		add_feedback(sb, v[i].feedback);
		strbuf_addstr(sb, "}\n");
	}
	if (!k)
		error_set_at(err, "", line, 1, "a numerical question with no answer");
	answers_release(v, k);
	return ok;
}

static bool import_answers(struct strbuf *sb, const char *body, size_t n, struct error *err,
			   int line)
{
	/* Moodle's detection order (format.php readquestion). */
	const char *b = body;
	while (n && (*b == ' ' || *b == '\n')) {
		b++;
		n--;
	}
	if (n && *b == '#')
		return import_numeric(sb, b, n, err, line);
	bool tilde = memchr(b, '~', n) != NULL, equals = memchr(b, '=', n) != NULL;
	bool arrow = false;
	for (size_t i = 0; i + 1 < n; i++)
		arrow |= b[i] == '-' && b[i + 1] == '>';
	size_t k = 0;
	struct gift_answer *v = NULL;
	bool ok = true;
	if (tilde) {
		v = split_answers(b, n, &k);
		bool single = equals;
		strbuf_addf(sb, "    type: %s\n    options:\n", single ? "mc" : "mc_multi");
		for (size_t i = 0; i < k; i++) {
			double f = v[i].weighted ? v[i].weight : v[i].mark == '=' ? 1 : 0;
			strbuf_addstr(sb, "      - {text: ");
			yaml_str(sb, v[i].text);
			add_fraction(sb, f);
			add_feedback(sb, v[i].feedback);
			strbuf_addstr(sb, "}\n");
		}
	} else if (equals && arrow) {
		v = split_answers(b, n, &k);
		strbuf_addstr(sb, "    type: match\n    pairs:\n");
		for (size_t i = 0; i < k && ok; i++) {
			char *a = strstr(v[i].text, "->");
			if (!a) {
				ok = error_set_at(err, "", line, 1,
						  "matching answer '%s' has no '->'", v[i].text);
				break;
			}
			char *item = unescape(v[i].text, (size_t)(a - v[i].text));
			char *ans = unescape(a + 2, strlen(a + 2));
			strbuf_addstr(sb, "      - {item: ");
			yaml_str(sb, item);
			strbuf_addstr(sb, ", answer: ");
			yaml_str(sb, ans);
			strbuf_addstr(sb, "}\n");
			free(item);
			free(ans);
		}
	} else if (!equals) {
		/* {T}, {FALSE#wrong#right} */
		char *t = unescape(b, n);
		char *hash = strchr(t, '#');
		if (hash)
			*hash = '\0';
		bool yes = strcmp(t, "T") == 0 || strcmp(t, "TRUE") == 0;
		bool no = strcmp(t, "F") == 0 || strcmp(t, "FALSE") == 0;
		if (!yes && !no) {
			ok = error_set_at(err, "", line, 1,
					  "cannot tell the question type of '{%s}'", t);
		} else {
			strbuf_addf(sb, "    type: tf\n    answer: %s\n", yes ? "true" : "false");
			if (hash) {
				char *wrong = hash + 1, *right = strchr(wrong, '#');
				if (right)
					*right++ = '\0';
				if (*wrong) {
					strbuf_addf(sb,
						    "    feedback_%s: ", yes ? "false" : "true");
					yaml_str(sb, wrong);
					strbuf_addch(sb, '\n');
				}
				if (right && *right) {
					strbuf_addf(sb,
						    "    feedback_%s: ", yes ? "true" : "false");
					yaml_str(sb, right);
					strbuf_addch(sb, '\n');
				}
			}
		}
		free(t);
	} else {
		v = split_answers(b, n, &k);
		strbuf_addstr(sb, "    type: short\n    answers:\n");
		for (size_t i = 0; i < k; i++) {
			strbuf_addstr(sb, "      - {pattern: ");
			yaml_str(sb, v[i].text);
			add_fraction(sb, v[i].weighted ? v[i].weight : v[i].mark == '=' ? 1 : 0);
			add_feedback(sb, v[i].feedback);
			strbuf_addstr(sb, "}\n");
		}
	}
	answers_release(v, k);
	return ok;
}

/* The question's id: its name made an id, else quiz-qN; unique within the file. */
static char *make_id(const char *name, const char *quiz_id, size_t index, char **used,
		     size_t n_used)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = name; p && *p; p++) {
		char c = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (ok)
			strbuf_addch(&sb, c);
		else if (sb.len && sb.buf[sb.len - 1] != '-')
			strbuf_addch(&sb, '-');
	}
	while (sb.len && sb.buf[sb.len - 1] == '-')
		strbuf_setlen(&sb, sb.len - 1);
	if (!sb.len)
		strbuf_addf(&sb, "%s-q%zu", quiz_id, index + 1);
	char *base = strbuf_detach(&sb);
	char *id = xstrdup(base);
	for (int k = 2;; k++) {
		bool taken = false;
		for (size_t i = 0; i < n_used; i++)
			taken |= strcmp(used[i], id) == 0;
		if (!taken)
			break;
		free(id);
		id = xasprintf("%s-%d", base, k);
	}
	free(base);
	return id;
}

static bool import_question(struct strbuf *sb, const char *block, int line, const char *quiz_id,
			    char ***used, size_t *n_used, struct error *err)
{
	char *q = protect(block, strlen(block));
	bool ok = true;
	const char *p = q;
	while (*p == ' ' || *p == '\n')
		p++;
	char *name = NULL;
	if (strncmp(p, "::", 2) == 0) {
		const char *e = strstr(p + 2, "::");
		if (!e) {
			ok = error_set_at(err, "", line, 1, "a question name has no closing '::'");
			goto out;
		}
		name = unescape(p + 2, (size_t)(e - p - 2));
		p = e + 2;
	}
	while (*p == ' ' || *p == '\n')
		p++;
	if (*p == '[') {
		const char *e = strchr(p, ']');
		if (e)
			p = e + 1;
	}
	const char *open = strchr(p, '{'), *close = strrchr(p, '}');
	if (!open || !close || close < open)
		goto out; /* a description: nothing to grade */
	const char *body = open + 1;
	size_t n = (size_t)(close - body);
	size_t blank = 0;
	while (blank < n && (body[blank] == ' ' || body[blank] == '\n'))
		blank++;
	if (blank == n)
		goto out; /* an essay: graded by hand, not here */
	/* General feedback: the last "####" inside the braces. */
	const char *general = NULL;
	for (const char *g = body; g + 4 <= close; g++)
		if (strncmp(g, "####", 4) == 0)
			general = g;
	struct strbuf text = STRBUF_INIT;
	char *before = unescape(p, (size_t)(open - p));
	char *after = unescape(close + 1, strlen(close + 1));
	strbuf_addstr(&text, before);
	if (*after) /* text after the answers: Moodle's missing-word form */
		strbuf_addf(&text, " _____ %s", after);
	free(before);
	free(after);
	char *id = make_id(name, quiz_id, *n_used, *used, *n_used);
	*used = xreallocarray(*used, *n_used + 1, sizeof(**used));
	(*used)[(*n_used)++] = id;
	strbuf_addstr(sb, "  - id: ");
	strbuf_addstr(sb, id);
	strbuf_addstr(sb, "\n    text: ");
	yaml_str(sb, strbuf_str(&text));
	strbuf_addch(sb, '\n');
	strbuf_release(&text);
	if (general) {
		char *gf = unescape(general + 4, (size_t)(close - general - 4));
		strbuf_addstr(sb, "    general_feedback: ");
		yaml_str(sb, gf);
		strbuf_addch(sb, '\n');
		free(gf);
		n = (size_t)(general - body);
	}
	ok = import_answers(sb, body, n, err, line);
out:
	free(name);
	free(q);
	return ok;
}

char *quiz_gift_import(const char *text, size_t len, const char *quiz_id, struct error *err)
{
	struct strbuf out = STRBUF_INIT, block = STRBUF_INIT;
	char *title = NULL;
	char **used = NULL;
	size_t n_used = 0;
	int line = 0, block_line = 0;
	bool ok = true;
	struct strbuf qs = STRBUF_INIT;
	for (size_t i = 0; i <= len && ok; line++) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		const char *s = text + i;
		size_t n = e - i;
		if (n && s[n - 1] == '\r')
			n--;
		size_t t = 0;
		while (t < n && (s[t] == ' ' || s[t] == '\t'))
			t++;
		bool blank = t == n, comment = n - t >= 2 && s[t] == '/' && s[t + 1] == '/';
		if (!comment && !blank) {
			if (!block.len)
				block_line = line + 1;
			strbuf_add(&block, s, n);
			strbuf_addch(&block, '\n');
		}
		if ((blank || e >= len) && block.len) {
			const char *b = block.buf;
			if (strncmp(b, "$CATEGORY:", 10) == 0) {
				free(title);
				title = unescape(b + 10, block.len - 10);
			} else {
				ok = import_question(&qs, b, block_line, quiz_id, &used, &n_used,
						     err);
			}
			strbuf_reset(&block);
		}
		i = e + 1;
	}
	if (ok && !n_used)
		ok = error_set(err, "no question that can be graded");
	if (ok) {
		strbuf_addf(&out, "id: %s\ntitle: ", quiz_id);
		yaml_str(&out, title && *title ? title : quiz_id);
		strbuf_addstr(&out, "\nquestions:\n");
		strbuf_addstr(&out, strbuf_str(&qs));
	}
	strbuf_release(&qs);
	strbuf_release(&block);
	for (size_t i = 0; i < n_used; i++)
		free(used[i]);
	free(used);
	free(title);
	if (!ok) {
		strbuf_release(&out);
		return NULL;
	}
	return strbuf_detach(&out);
}
