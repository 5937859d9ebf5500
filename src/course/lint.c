/*
 * The lint rules that look inside pages (text, encoding, first heading) and across the
 * course's folders (quiz references). The structural rules live with the loader in course.c.
 */
#include "course/lint.h"

#include <stdio.h>
#include <string.h>

#include "core/strbuf.h"
#include "course/exercise_load.h"
#include "course/path.h"
#include "course/quiz_load.h"

const char *lint_clip(const char *s, char *buf, size_t size)
{
	size_t limit = size > 4 ? size - 4 : 0;
	if (limit > 60)
		limit = 60;
	size_t n = 0;
	for (; s[n] && n < limit; n++)
		buf[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
	if (s[n]) {
		/* Do not leave half a UTF-8 character before the ellipsis. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

bool lint_valid_id(const char *s)
{
	if (!s || !s[0])
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one (RFC 3629). */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* beyond U+10FFFF */
	} else {
		return 0;
	}
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Strip what inline Markdown adds around words, so "`x` *y*" reads as "x y". */
static void plain_text(struct strbuf *out, const char *s, size_t n)
{
	strbuf_reset(out);
	for (size_t i = 0; i < n; i++)
		if (s[i] != '`' && s[i] != '*' && s[i] != '_')
			strbuf_addch(out, s[i]);
	while (out->len && (out->buf[out->len - 1] == ' ' || out->buf[out->len - 1] == '\t'))
		strbuf_setlen(out, out->len - 1);
	size_t lead = 0;
	while (lead < out->len && (out->buf[lead] == ' ' || out->buf[lead] == '\t'))
		lead++;
	if (lead) {
		memmove(out->buf, out->buf + lead, out->len - lead + 1);
		out->len -= lead;
	}
}

struct heading {
	const char *text;
	size_t len;
	int line, col;
};

/* Leading spaces of a line, or -1 when there are four or more (indented code). */
static int indent_of(const char *s, const char *end)
{
	int n = 0;
	while (s + n < end && s[n] == ' ')
		n++;
	return n > 3 ? -1 : n;
}

/* Whether the line opens or closes a code fence; *ch and *len describe the fence. */
static bool is_fence(const char *s, const char *end, char *ch, size_t *len)
{
	int ind = indent_of(s, end);
	if (ind < 0)
		return false;
	s += ind;
	if (s >= end || (*s != '`' && *s != '~'))
		return false;
	size_t n = 0;
	while (s + n < end && s[n] == *s)
		n++;
	if (n < 3)
		return false;
	*ch = *s;
	*len = n;
	return true;
}

/* The ATX heading on this line ("## Title ##"), if it is one. */
static bool atx_heading(const char *s, const char *end, int line, struct heading *h)
{
	int ind = indent_of(s, end);
	if (ind < 0)
		return false;
	const char *p = s + ind;
	size_t level = 0;
	while (p + level < end && p[level] == '#')
		level++;
	if (level == 0 || level > 6 || (p + level < end && p[level] != ' ' && p[level] != '\t'))
		return false;
	const char *t = p + level;
	while (t < end && (*t == ' ' || *t == '\t'))
		t++;
	const char *e = end;
	while (e > t && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	/* An optional closing run of '#' after a space. */
	const char *c = e;
	while (c > t && c[-1] == '#')
		c--;
	if (c < e && (c == t || c[-1] == ' ' || c[-1] == '\t')) {
		e = c;
		while (e > t && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
	}
	h->text = t;
	h->len = (size_t)(e - t);
	h->line = line;
	h->col = ind + 1;
	return true;
}

/* Whether the line underlines the paragraph above it as a heading ("===" or "---"). */
static bool setext_underline(const char *s, const char *end)
{
	int ind = indent_of(s, end);
	if (ind < 0)
		return false;
	s += ind;
	if (s >= end || (*s != '=' && *s != '-'))
		return false;
	char ch = *s;
	while (s < end && *s == ch)
		s++;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s == end;
}

static bool blank(const char *s, const char *end)
{
	for (; s < end; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r')
			return false;
	return true;
}

/* The first heading of a Markdown text outside code, or false when there is none. */
static bool first_heading(const char *text, size_t len, struct heading *h)
{
	const char *s = text, *end = text + len;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	int line = 1;
	char fence = 0;
	size_t fence_len = 0;
	struct heading para = { 0 }; /* the paragraph line above, a setext candidate */
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;
		const char *le = e > s && e[-1] == '\r' ? e - 1 : e;
		char ch;
		size_t n;
		if (fence) {
			if (is_fence(s, le, &ch, &n) && ch == fence && n >= fence_len &&
			    blank(s + indent_of(s, le) + n, le))
				fence = 0;
		} else if (is_fence(s, le, &ch, &n)) {
			fence = ch;
			fence_len = n;
			para.text = NULL;
		} else if (atx_heading(s, le, line, h)) {
			return true;
		} else if (para.text && setext_underline(s, le)) {
			*h = para;
			return true;
		} else if (blank(s, le) || indent_of(s, le) < 0) {
			para.text = NULL;
		} else if (!para.text) {
			int ind = indent_of(s, le);
			const char *t = s + ind, *te = le;
			while (te > t && (te[-1] == ' ' || te[-1] == '\t'))
				te--;
			para = (struct heading){ t, (size_t)(te - t), line, ind + 1 };
		}
		s = nl ? nl + 1 : end;
		line++;
	}
	return false;
}

static void check_heading(const char *text, size_t len, const char *path, const char *title,
			  struct diags *d)
{
	struct heading h;
	char buf[80], buf2[80];
	if (!first_heading(text, len, &h)) {
		diags_add(d, path, 1, 1, "page has no heading; start it with '# %s'",
			  lint_clip(title, buf, sizeof(buf)));
		return;
	}
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	plain_text(&a, h.text, h.len);
	plain_text(&b, title, strlen(title));
	if (strcmp(strbuf_str(&a), strbuf_str(&b)) != 0)
		diags_add(d, path, h.line, h.col,
			  "first heading '%s' differs from the page's title '%s' in module.yaml",
			  lint_clip(strbuf_str(&a), buf, sizeof(buf)),
			  lint_clip(title, buf2, sizeof(buf2)));
	strbuf_release(&a);
	strbuf_release(&b);
}

void lint_page_text(const char *text, size_t len, const char *path, const char *title,
		    struct diags *d)
{
	const unsigned char *s = (const unsigned char *)text;
	int line = 1, col = 1;
	bool nul = false, bad = false;
	for (size_t i = 0; i < len && !(nul && bad);) {
		size_t n = utf8_len(s + i, len - i);
		if (s[i] == '\0' && !nul) {
			diags_add(d, path, line, col,
				  "page contains a NUL byte; pages must be text");
			nul = true;
		}
		if (n == 0) {
			if (!bad)
				diags_add(d, path, line, col,
					  "invalid UTF-8 (byte 0x%02x); pages must be UTF-8", s[i]);
			bad = true;
			n = 1;
		}
		if (s[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		i += n;
	}
	if (title && !nul && !bad)
		check_heading(text, len, path, title, d);
}

/*
 * Quiz references: a module's 'quiz' names a quiz in the course's quizzes folder. That the
 * folder exists is checked here; whether it holds a quiz with that id is for the quiz
 * loader (quiz_load.c) to say, and its check belongs in this function.
 */
static void check_quiz_refs(const struct course *course, struct diags *d)
{
	for (size_t i = 0; i < course->n_modules; i++) {
		const struct course_module *m = &course->modules[i];
		char buf[80];
		if (m->quiz && !course->quiz_dir)
			diags_add(d, m->yaml_path, m->quiz_line, m->quiz_col,
				  "quiz '%s' cannot be found: the course has no quizzes folder",
				  lint_clip(m->quiz, buf, sizeof(buf)));
	}
}

/*
 * Every module's core path must fit its minutes. The quizzes are loaded again here, quietly:
 * quiz_lint_course() has reported their problems.
 */
static void check_paths(const struct course *course, const struct exercise_set *exercises,
			struct diags *d)
{
	struct diags quiet = DIAGS_INIT;
	struct quiz_set *quizzes =
		course->quiz_dir ? quiz_set_load(course->quiz_dir, course, &quiet) : NULL;
	/* The exercises' problems were reported by the caller's load of them. */
	struct course_path *path = course_path_build(course, exercises, quizzes);
	course_path_lint(course, path, d);
	course_path_free(path);
	quiz_set_free(quizzes);
	diags_release(&quiet);
}

void lint_refs(const struct course *course, bool use_cache, struct diags *d)
{
	check_quiz_refs(course, d);
	quiz_lint_course(course, use_cache, d);
	struct exercise_set *exercises = exercise_set_load(course, d);
	check_paths(course, exercises, d);
	/* Scenarios share the exercises' ids in the learner's records: no two alike. */
	struct exercise_set *scenarios = scenario_set_load(course, d);
	for (size_t i = 0; i < scenarios->n; i++)
		if (exercise_find(exercises, scenarios->v[i]->id))
			diags_add(d, scenarios->v[i]->yaml_path, 1, 1,
				  "scenario id '%s' is also an exercise's id", scenarios->v[i]->id);
	exercise_set_free(scenarios);
	exercise_set_free(exercises);
}
