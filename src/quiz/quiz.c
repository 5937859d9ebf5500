/*
 * The question model and grading: one pure function per question type, following Moodle's
 * rules (assessment reference, section 1) as quizzes/README.md states them for authors.
 */
#include "quiz/quiz.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

static const char *const type_names[] = {
	[QUIZ_MC] = "mc",           [QUIZ_MC_MULTI] = "mc_multi", [QUIZ_TF] = "tf",
	[QUIZ_NUMERIC] = "numeric", [QUIZ_SHORT] = "short",       [QUIZ_MATCH] = "match",
	[QUIZ_ORDER] = "order",
};

static const char *const grading_names[] = {
	[QUIZ_GRADE_ALL_OR_NOTHING] = "all_or_nothing",
	[QUIZ_GRADE_ABSOLUTE_POSITION] = "absolute_position",
	[QUIZ_GRADE_RELATIVE_NEXT_EXCLUDE_LAST] = "relative_next_exclude_last",
	[QUIZ_GRADE_RELATIVE_NEXT_INCLUDE_LAST] = "relative_next_include_last",
	[QUIZ_GRADE_RELATIVE_ONE_PREVIOUS_AND_NEXT] = "relative_one_previous_and_next",
	[QUIZ_GRADE_RELATIVE_ALL_PREVIOUS_AND_NEXT] = "relative_all_previous_and_next",
	[QUIZ_GRADE_LONGEST_ORDERED_SUBSET] = "longest_ordered_subset",
	[QUIZ_GRADE_LONGEST_CONTIGUOUS_SUBSET] = "longest_contiguous_subset",
	[QUIZ_GRADE_RELATIVE_TO_CORRECT] = "relative_to_correct",
};

_Static_assert(sizeof(grading_names) / sizeof(grading_names[0]) == QUIZ_GRADE_COUNT,
	       "grading names out of step with enum quiz_grading");

const char *quiz_type_name(enum quiz_type type)
{
	return type_names[type];
}

int quiz_type_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(type_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *quiz_grading_name(enum quiz_grading grading)
{
	return grading_names[grading];
}

int quiz_grading_from_name(const char *name)
{
	for (size_t i = 0; i < QUIZ_GRADE_COUNT; i++)
		if (strcmp(grading_names[i], name) == 0)
			return (int)i;
	return -1;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char **dup_strv(char *const *v, size_t n)
{
	if (!n)
		return NULL;
	char **out = xcalloc(n, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

void quiz_question_free(struct quiz_question *q)
{
	if (!q)
		return;
	free(q->id);
	free(q->text);
	free(q->code);
	free(q->general_feedback);
	free_strv(q->hints, q->n_hints);
	free_strv(q->tags, q->n_tags);
	free_strv(q->review, q->n_review);
	for (size_t i = 0; i < q->n_answers; i++) {
		free(q->answers[i].text);
		free(q->answers[i].match);
		free(q->answers[i].feedback);
	}
	free(q->answers);
	free_strv(q->distractors, q->n_distractors);
	for (size_t i = 0; i < q->n_units; i++)
		free(q->units[i].name);
	free(q->units);
	free(q->canon);
	free(q);
}

struct quiz_question *quiz_question_dup(const struct quiz_question *q)
{
	struct quiz_question *c = xmalloc(sizeof(*c));
	*c = *q;
	c->id = xstrdup(q->id);
	c->text = xstrdup(q->text);
	c->code = xstrdup(q->code);
	c->general_feedback = xstrdup(q->general_feedback);
	c->hints = dup_strv(q->hints, q->n_hints);
	c->tags = dup_strv(q->tags, q->n_tags);
	c->review = dup_strv(q->review, q->n_review);
	c->answers = q->n_answers ? xcalloc(q->n_answers, sizeof(*c->answers)) : NULL;
	for (size_t i = 0; i < q->n_answers; i++) {
		c->answers[i] = q->answers[i];
		c->answers[i].text = xstrdup(q->answers[i].text);
		c->answers[i].match = xstrdup(q->answers[i].match);
		c->answers[i].feedback = xstrdup(q->answers[i].feedback);
	}
	c->distractors = dup_strv(q->distractors, q->n_distractors);
	c->units = q->n_units ? xcalloc(q->n_units, sizeof(*c->units)) : NULL;
	for (size_t i = 0; i < q->n_units; i++) {
		c->units[i].name = xstrdup(q->units[i].name);
		c->units[i].multiplier = q->units[i].multiplier;
	}
	c->canon = xstrdup(q->canon);
	return c;
}

void quiz_free(struct quiz *quiz)
{
	if (!quiz)
		return;
	free(quiz->id);
	free(quiz->title);
	free(quiz->intro);
	free(quiz->path);
	for (size_t i = 0; i < quiz->n_questions; i++)
		quiz_question_free(quiz->questions[i]);
	free(quiz->questions);
	for (size_t i = 0; i < quiz->n_draws; i++) {
		free(quiz->draws[i].from);
		free_strv(quiz->draws[i].tags, quiz->draws[i].n_tags);
	}
	free(quiz->draws);
	free(quiz);
}

void quiz_set_free(struct quiz_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		quiz_free(set->quizzes[i]);
	free(set->quizzes);
	free(set);
}

struct quiz *quiz_set_find(const struct quiz_set *set, const char *id)
{
	if (!set || !id)
		return NULL;
	for (size_t i = 0; i < set->n; i++)
		if (set->quizzes[i]->id && strcmp(set->quizzes[i]->id, id) == 0)
			return set->quizzes[i];
	return NULL;
}

const struct quiz_question *quiz_set_find_question(const struct quiz_set *set, const char *id)
{
	if (!set || !id)
		return NULL;
	for (size_t i = 0; i < set->n; i++)
		for (size_t j = 0; j < set->quizzes[i]->n_questions; j++) {
			const struct quiz_question *q = set->quizzes[i]->questions[j];
			if (q->id && strcmp(q->id, id) == 0)
				return q;
		}
	return NULL;
}

static bool has_tag(const struct quiz_question *q, char *const *tags, size_t n_tags)
{
	if (!n_tags)
		return true;
	for (size_t i = 0; i < q->n_tags; i++)
		for (size_t j = 0; j < n_tags; j++)
			if (strcmp(q->tags[i], tags[j]) == 0)
				return true;
	return false;
}

size_t quiz_count_tagged(const struct quiz *quiz, char *const *tags, size_t n_tags)
{
	size_t n = 0;
	for (size_t i = 0; i < quiz->n_questions; i++)
		n += has_tag(quiz->questions[i], tags, n_tags);
	return n;
}

size_t quiz_question_tries(const struct quiz_question *q)
{
	return q->n_hints + 1;
}

/* ---- parsing responses ---- */

static void set_invalid(struct quiz_grade *g, const char *why)
{
	g->valid = false;
	snprintf(g->why, sizeof(g->why), "%s", why);
}

/* A non-negative index below n, or -1 ("-" or empty), or -2 when malformed. */
static long parse_index(const char *s, size_t len, size_t n)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || (len == 1 && *s == '-'))
		return -1;
	long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]) || v > 1000000)
			return -2;
		v = v * 10 + (s[i] - '0');
	}
	return (size_t)v < n ? v : -2;
}

/*
 * Split "a,b,c" into at most max indices below n. Returns the count, or -1 when malformed
 * (not a list, an index out of range, more than max items).
 */
static long parse_list(const char *s, size_t n, long *out, size_t max)
{
	size_t k = 0;
	const char *p = s;
	bool empty = true;
	for (const char *c = s; *c; c++)
		if (!isspace((unsigned char)*c))
			empty = false;
	if (empty)
		return 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		long v = parse_index(p, len, n);
		if (v == -2 || k == max)
			return -1;
		out[k++] = v;
		if (!comma)
			break;
		p = comma + 1;
	}
	return (long)k;
}

static double clamp01(double f)
{
	return f < 0 ? 0 : f > 1 ? 1 : f;
}

static enum quiz_state state_of(double f)
{
	if (f >= 1 - 1e-9)
		return QUIZ_RIGHT;
	return f > 1e-9 ? QUIZ_PARTIAL : QUIZ_WRONG;
}

static void grade_mc(const struct quiz_question *q, const char *r, struct quiz_grade *g)
{
	long v = parse_index(r, strlen(r), q->n_answers);
	if (v == -1) {
		set_invalid(g, "choose an option");
		return;
	}
	if (v < 0) {
		set_invalid(g, "not one of the options");
		return;
	}
	g->matched = v;
	g->fraction = clamp01(q->answers[v].fraction);
}

static void grade_multi(const struct quiz_question *q, const char *r, struct quiz_grade *g)
{
	long *ticked = xcalloc(q->n_answers + 1, sizeof(*ticked));
	long n = parse_list(r, q->n_answers, ticked, q->n_answers);
	double sum = 0;
	if (n < 0) {
		set_invalid(g, "not a list of options");
		goto out;
	}
	if (n == 0) {
		set_invalid(g, "select at least one option");
		goto out;
	}
	for (long i = 0; i < n; i++) {
		if (ticked[i] < 0) {
			set_invalid(g, "not a list of options");
			goto out;
		}
		for (long j = 0; j < i; j++)
			if (ticked[j] == ticked[i]) {
				set_invalid(g, "an option is ticked twice");
				goto out;
			}
		sum += q->answers[ticked[i]].fraction;
	}
	g->fraction = clamp01(sum);
out:
	free(ticked);
}

static void grade_tf(const struct quiz_question *q, const char *r, struct quiz_grade *g)
{
	long v;
	if (strcasecmp(r, "true") == 0 || strcmp(r, "0") == 0)
		v = 0;
	else if (strcasecmp(r, "false") == 0 || strcmp(r, "1") == 0)
		v = 1;
	else if (!*r) {
		set_invalid(g, "choose True or False");
		return;
	} else {
		set_invalid(g, "answer true or false");
		return;
	}
	if (q->n_answers < 2) {
		set_invalid(g, "the question has no answer key");
		return;
	}
	g->matched = v;
	g->fraction = clamp01(q->answers[v].fraction);
}

static const char *skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

bool quiz_parse_number(const char *s, double *value, const char **unit)
{
	/* Sign, digits (thousands separated by commas or not), fraction, exponent. */
	char buf[128];
	size_t n = 0, group = 0, digits = 0;
	bool commas = false;
	const char *p = skip_space(s);
	if (*p == '+' || *p == '-')
		buf[n++] = *p++;
	while (isdigit((unsigned char)*p) || (*p == ',' && isdigit((unsigned char)p[1]))) {
		if (n + 2 >= sizeof(buf))
			return false;
		if (*p == ',') {
			if (commas ? group != 3 : (group == 0 || group > 3))
				return false;
			commas = true;
			group = 0;
			p++;
			continue;
		}
		buf[n++] = *p++;
		group++;
		digits++;
	}
	if (commas && group != 3)
		return false;
	if (*p == '.') {
		buf[n++] = *p++;
		while (isdigit((unsigned char)*p)) {
			if (n + 2 >= sizeof(buf))
				return false;
			buf[n++] = *p++;
			digits++;
		}
	}
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		const char *e = p + 1;
		if (*e == '+' || *e == '-')
			e++;
		if (isdigit((unsigned char)*e)) {
			while (p < e)
				buf[n++] = *p++;
			while (isdigit((unsigned char)*p)) {
				if (n + 2 >= sizeof(buf))
					return false;
				buf[n++] = *p++;
			}
		}
	}
	buf[n] = '\0';
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (errno || *end || !isfinite(v))
		return false;
	if (unit)
		*unit = skip_space(p);
	*value = v;
	return true;
}

void quiz_tolerance_interval(const struct quiz_answer *a, double *min, double *max)
{
	/* Moodle adds 10^-precision (PHP's precision is 14) so exact answers survive rounding. */
	const double eps = 1e-14;
	double tol = fabs(a->tolerance);
	double A = a->value;
	switch (a->tol_type) {
	case QUIZ_TOL_RELATIVE: {
		double range = fabs(A) * (tol + eps);
		*min = A - range;
		*max = A + range;
		return;
	}
	case QUIZ_TOL_NOMINAL: {
		double t = tol + eps * fmax(1, fabs(A));
		*min = A - t;
		*max = A + t;
		return;
	}
	case QUIZ_TOL_GEOMETRIC: {
		double quotient = 1 + tol + eps;
		double x = A / quotient, y = A * quotient;
		*min = fmin(x, y);
		*max = fmax(x, y);
		return;
	}
	}
	abort();
}

/* The unit's text up to trailing space, compared as written, then ignoring ASCII case. */
static const struct quiz_unit *find_unit(const struct quiz_question *q, const char *u)
{
	size_t len = strlen(u);
	while (len && isspace((unsigned char)u[len - 1]))
		len--;
	for (size_t i = 0; i < q->n_units; i++)
		if (strlen(q->units[i].name) == len && strncmp(q->units[i].name, u, len) == 0)
			return &q->units[i];
	for (size_t i = 0; i < q->n_units; i++)
		if (strlen(q->units[i].name) == len && strncasecmp(q->units[i].name, u, len) == 0)
			return &q->units[i];
	return NULL;
}

/* The longest unit that starts the response and is followed by a number and nothing else. */
static const struct quiz_unit *unit_before(const struct quiz_question *q, const char *r, double *x)
{
	const struct quiz_unit *best = NULL;
	size_t best_len = 0;
	r = skip_space(r);
	for (size_t i = 0; i < q->n_units; i++) {
		const char *name = q->units[i].name;
		size_t len = strlen(name);
		if (!len || len <= best_len || strncasecmp(r, name, len) != 0)
			continue;
		double v;
		const char *rest;
		if (!quiz_parse_number(r + len, &v, &rest) || *rest)
			continue;
		/* "$-5" reads as a number; "$ 5" too, but "USD5" needs the unit to end in a symbol.
		 */
		if (isalnum((unsigned char)name[len - 1]) && !isspace((unsigned char)r[len]))
			continue;
		best = &q->units[i];
		best_len = len;
		*x = v;
	}
	return best;
}

static void grade_numeric(const struct quiz_question *q, const char *r, struct quiz_grade *g)
{
	double x;
	const char *unit;
	if (!*skip_space(r)) {
		set_invalid(g, "type a number");
		return;
	}
	const struct quiz_unit *u = NULL;
	if (!quiz_parse_number(r, &x, &unit)) {
		/* A unit may come first, as money is written: "$535.68", "USD 535.68". */
		u = unit_before(q, r, &x);
		if (!u) {
			set_invalid(g, "not a number");
			return;
		}
		unit = "";
	}
	bool unit_wrong = false;
	if (q->n_units) {
		if (!u)
			u = *unit ? find_unit(q, unit) : NULL;
		if (u && u->multiplier != 0)
			x /= u->multiplier;
		else
			unit_wrong = true;
	} else if (*unit) {
		{
			set_invalid(g, "type just a number");
			return;
		}
	}
	for (size_t i = 0; i < q->n_answers; i++) {
		const struct quiz_answer *a = &q->answers[i];
		double lo, hi;
		if (!a->any) {
			quiz_tolerance_interval(a, &lo, &hi);
			if (x < lo || x > hi)
				continue;
		}
		g->matched = (long)i;
		g->fraction = clamp01(a->fraction);
		if (unit_wrong && q->unit_penalty > 0 && g->fraction > 0) {
			g->unit_wrong = true;
			g->fraction = clamp01(g->fraction - q->unit_penalty);
		}
		return;
	}
}

/* Trimmed, with runs of white space as one space. Caller frees. */
static char *normalise_space(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	s = skip_space(s);
	bool space = false;
	for (; *s; s++) {
		if (isspace((unsigned char)*s)) {
			space = true;
			continue;
		}
		if (space && sb.len)
			strbuf_addch(&sb, ' ');
		space = false;
		strbuf_addch(&sb, *s);
	}
	return strbuf_detach(&sb);
}

static bool char_eq(char a, char b, bool cs)
{
	return cs ? a == b : tolower((unsigned char)a) == tolower((unsigned char)b);
}

bool quiz_pattern_match(const char *pattern, const char *text, bool case_sensitive)
{
	/* Iterative wildcard match with one backtrack point: linear for each '*'. */
	const char *p = pattern, *t = text, *star = NULL, *resume = NULL;
	while (*t) {
		if (*p == '*') {
			star = ++p;
			resume = t;
			continue;
		}
		char pc = *p;
		const char *next = p + 1;
		if (pc == '\\' && p[1] == '*') {
			pc = '*';
			next = p + 2;
		}
		if (pc && char_eq(pc, *t, case_sensitive)) {
			p = next;
			t++;
			continue;
		}
		if (!star)
			return false;
		p = star;
		t = ++resume;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static void grade_short(const struct quiz_question *q, const char *r, struct quiz_grade *g)
{
	char *text = normalise_space(r);
	if (!*text) {
		free(text);
		{
			set_invalid(g, "type an answer");
			return;
		}
	}
	for (size_t i = 0; i < q->n_answers; i++) {
		char *pat = normalise_space(q->answers[i].text);
		bool hit = quiz_pattern_match(pat, text, q->case_sensitive);
		free(pat);
		if (hit) {
			g->matched = (long)i;
			g->fraction = clamp01(q->answers[i].fraction);
			break;
		}
	}
	free(text);
}

size_t quiz_match_choice_count(const struct quiz_question *q)
{
	return q->n_answers + q->n_distractors;
}

const char *quiz_match_choice(const struct quiz_question *q, size_t i)
{
	if (i < q->n_answers)
		return q->answers[i].match;
	if (i - q->n_answers < q->n_distractors)
		return q->distractors[i - q->n_answers];
	return NULL;
}

static void grade_match(const struct quiz_question *q, const char *r, struct quiz_grade *g)
{
	size_t n = q->n_answers;
	long *v = xcalloc(n + 1, sizeof(*v));
	long k = parse_list(r, quiz_match_choice_count(q), v, n);
	if (k < 0 || (k > 0 && (size_t)k != n)) {
		set_invalid(g, "not an answer for each item");
	} else if (k == 0) {
		set_invalid(g, "choose an answer for each item");
	} else {
		size_t right = 0;
		bool complete = true;
		for (size_t i = 0; i < n; i++) {
			if (v[i] < 0)
				complete = false;
			else if (v[i] == (long)i || strcmp(quiz_match_choice(q, (size_t)v[i]),
							   q->answers[i].match) == 0)
				right++;
		}
		if (!complete)
			set_invalid(g, "choose an answer for each item");
		else
			g->fraction = n ? (double)right / (double)n : 0;
	}
	free(v);
}

/* Length of the longest strictly increasing subsequence of v (O(n^2); n is small). */
static size_t longest_increasing(const size_t *v, size_t n)
{
	size_t *len = xcalloc(n + 1, sizeof(*len)), best = 0;
	for (size_t i = 0; i < n; i++) {
		len[i] = 1;
		for (size_t j = 0; j < i; j++)
			if (v[j] < v[i] && len[j] + 1 > len[i])
				len[i] = len[j] + 1;
		if (len[i] > best)
			best = len[i];
	}
	free(len);
	return best;
}

/* Longest chain c, c+1, c+2, ... of correct positions appearing in that order. */
static size_t longest_contiguous(const size_t *pos, size_t n)
{
	size_t best = n ? 1 : 0, run = 1;
	for (size_t c = 1; c < n; c++) {
		run = pos[c - 1] < pos[c] ? run + 1 : 1;
		if (run > best)
			best = run;
	}
	return best;
}

int quiz_order_row_mark(enum quiz_grading grading, const size_t *order, size_t n, size_t row)
{
	if (row >= n)
		return 0;
	size_t item = order[row];
	switch (grading) {
	case QUIZ_GRADE_ALL_OR_NOTHING:
	case QUIZ_GRADE_ABSOLUTE_POSITION:
		return item == row ? 1 : -1;
	case QUIZ_GRADE_RELATIVE_NEXT_EXCLUDE_LAST:
	case QUIZ_GRADE_RELATIVE_NEXT_INCLUDE_LAST: {
		/* Credit goes to an item followed by its successor (n: "nothing follows"). */
		if (grading == QUIZ_GRADE_RELATIVE_NEXT_EXCLUDE_LAST && item == n - 1)
			return 0;
		size_t next = row + 1 < n ? order[row + 1] : n;
		return next == item + 1 ? 1 : -1;
	}
	default:
		return 0;
	}
}

double quiz_order_fraction(enum quiz_grading grading, const size_t *order, size_t n)
{
	if (n == 0)
		return 0;
	size_t *pos = xcalloc(n, sizeof(*pos)); /* pos[c]: where correct item c was put */
	for (size_t p = 0; p < n; p++)
		pos[order[p]] = p;
	double right = 0, total = 0;
	switch (grading) {
	case QUIZ_GRADE_ALL_OR_NOTHING:
	case QUIZ_GRADE_ABSOLUTE_POSITION:
		for (size_t p = 0; p < n; p++)
			right += order[p] == p;
		total = (double)n;
		if (grading == QUIZ_GRADE_ALL_OR_NOTHING && right < total)
			right = 0;
		break;
	case QUIZ_GRADE_RELATIVE_NEXT_EXCLUDE_LAST:
	case QUIZ_GRADE_RELATIVE_NEXT_INCLUDE_LAST: {
		bool last = grading == QUIZ_GRADE_RELATIVE_NEXT_INCLUDE_LAST;
		size_t upto = last ? n : n - 1;
		for (size_t c = 0; c < upto; c++) {
			/* n stands for "nothing follows". */
			size_t want = c + 1;
			size_t got = pos[c] + 1 < n ? order[pos[c] + 1] : n;
			right += got == want;
		}
		total = (double)upto;
		break;
	}
	case QUIZ_GRADE_RELATIVE_ONE_PREVIOUS_AND_NEXT:
		for (size_t c = 0; c < n; c++) {
			size_t want_prev = c == 0 ? n : c - 1, want_next = c + 1;
			size_t got_prev = pos[c] == 0 ? n : order[pos[c] - 1];
			size_t got_next = pos[c] + 1 < n ? order[pos[c] + 1] : n;
			right += (got_prev == want_prev) + (got_next == want_next);
		}
		total = 2.0 * (double)n;
		break;
	case QUIZ_GRADE_RELATIVE_ALL_PREVIOUS_AND_NEXT:
		/* Each pair in the right relative order counts once as previous, once as next. */
		for (size_t p = 0; p < n; p++)
			for (size_t q = p + 1; q < n; q++)
				right += order[p] < order[q] ? 2 : 0;
		total = (double)n * (double)(n - 1);
		break;
	case QUIZ_GRADE_LONGEST_ORDERED_SUBSET:
	case QUIZ_GRADE_LONGEST_CONTIGUOUS_SUBSET: {
		size_t len = grading == QUIZ_GRADE_LONGEST_ORDERED_SUBSET
				     ? longest_increasing(order, n)
				     : longest_contiguous(pos, n);
		right = len >= 2 ? (double)len : 0; /* a single item is no ordered subset */
		total = (double)n;
		break;
	}
	case QUIZ_GRADE_RELATIVE_TO_CORRECT:
		for (size_t c = 0; c < n; c++) {
			long d = (long)pos[c] - (long)c;
			long s = (long)(n - 1) - (d < 0 ? -d : d);
			if (s > 0)
				right += (double)s;
		}
		total = (double)n * (double)(n - 1);
		break;
	case QUIZ_GRADE_COUNT:
		abort();
	}
	free(pos);
	return total > 0 ? right / total : 0;
}

static void grade_order(const struct quiz_question *q, const char *r, struct quiz_grade *g)
{
	size_t n = q->n_answers;
	long *v = xcalloc(n + 1, sizeof(*v));
	size_t *order = xcalloc(n + 1, sizeof(*order));
	bool *seen = xcalloc(n + 1, sizeof(*seen));
	long k = parse_list(r, n, v, n);
	if (k != (long)n || n == 0) {
		set_invalid(g, "not an order of all the items");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i] < 0 || seen[v[i]]) {
			set_invalid(g, "not an order of all the items");
			goto out;
		}
		seen[v[i]] = true;
		order[i] = (size_t)v[i];
	}
	g->fraction = quiz_order_fraction(q->grading, order, n);
out:
	free(v);
	free(order);
	free(seen);
}

void quiz_grade(const struct quiz_question *q, const char *response, struct quiz_grade *out)
{
	memset(out, 0, sizeof(*out));
	out->valid = true;
	out->matched = -1;
	if (!response)
		response = "";
	switch (q->type) {
	case QUIZ_MC:
		grade_mc(q, response, out);
		break;
	case QUIZ_MC_MULTI:
		grade_multi(q, response, out);
		break;
	case QUIZ_TF:
		grade_tf(q, response, out);
		break;
	case QUIZ_NUMERIC:
		grade_numeric(q, response, out);
		break;
	case QUIZ_SHORT:
		grade_short(q, response, out);
		break;
	case QUIZ_MATCH:
		grade_match(q, response, out);
		break;
	case QUIZ_ORDER:
		grade_order(q, response, out);
		break;
	}
	if (!out->valid)
		out->fraction = 0;
	out->state = state_of(out->fraction);
}

static void add_index_list(struct strbuf *sb, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strbuf_addf(sb, i ? ",%zu" : "%zu", i);
}

char *quiz_correct_response(const struct quiz_question *q)
{
	struct strbuf sb = STRBUF_INIT;
	switch (q->type) {
	case QUIZ_MC: {
		size_t best = 0;
		for (size_t i = 1; i < q->n_answers; i++)
			if (q->answers[i].fraction > q->answers[best].fraction)
				best = i;
		strbuf_addf(&sb, "%zu", best);
		break;
	}
	case QUIZ_MC_MULTI: {
		bool first = true;
		for (size_t i = 0; i < q->n_answers; i++)
			if (q->answers[i].fraction > 0) {
				strbuf_addf(&sb, first ? "%zu" : ",%zu", i);
				first = false;
			}
		break;
	}
	case QUIZ_TF:
		strbuf_addstr(&sb, q->n_answers && q->answers[0].fraction >= 1 - 1e-9 ? "true"
										      : "false");
		break;
	case QUIZ_NUMERIC:
		for (size_t i = 0; i < q->n_answers; i++) {
			const struct quiz_answer *a = &q->answers[i];
			if (a->any || a->fraction < 1 - 1e-9)
				continue;
			/* Answer in the base unit (multiplier 1), else in the first one. */
			const struct quiz_unit *base = q->n_units ? &q->units[0] : NULL;
			for (size_t u = 0; u < q->n_units; u++)
				if (q->units[u].multiplier == 1) {
					base = &q->units[u];
					break;
				}
			double v = base ? a->value * base->multiplier : a->value;
			strbuf_addf(&sb, "%.15g", v);
			if (base)
				strbuf_addf(&sb, " %s", base->name);
			break;
		}
		break;
	case QUIZ_SHORT:
		for (size_t i = 0; i < q->n_answers; i++) {
			if (q->answers[i].fraction < 1 - 1e-9)
				continue;
			for (const char *p = q->answers[i].text; *p; p++) {
				if (*p == '\\' && p[1] == '*') {
					strbuf_addch(&sb, '*');
					p++;
				} else if (*p != '*') {
					strbuf_addch(&sb, *p);
				}
			}
			break;
		}
		break;
	case QUIZ_MATCH:
	case QUIZ_ORDER:
		add_index_list(&sb, q->n_answers);
		break;
	}
	return strbuf_detach(&sb);
}

size_t quiz_attempt_size(const struct quiz *quiz)
{
	size_t n = quiz->n_questions;
	for (size_t k = 0; k < quiz->n_draws; k++)
		n += quiz->draws[k].count;
	return n;
}

int quiz_minutes(const struct quiz *quiz)
{
	if (quiz->minutes > 0)
		return quiz->minutes;
	size_t s = quiz_attempt_size(quiz) * QUIZ_SECONDS_PER_QUESTION;
	return (int)((s + 59) / 60);
}
