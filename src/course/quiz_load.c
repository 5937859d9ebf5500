/*
 * Loading and linting quizzes. Each file is parsed into a located tree (ynode), checked key by
 * key against the schema of its question type, and read into quiz structs; every problem is
 * reported where the author has to edit. A question's hash is the SHA-256 of its canonical
 * JSON, built here from the same tree.
 */
#include "course/quiz_load.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"
#include "course/lint.h"
#include "course/lint_cache.h"
#include "course/ynode.h"

/* Files larger than this are not quizzes. */
#define QUIZ_FILE_MAX (1u << 20)

struct ctx {
	const char *path;
	const struct course *course;
	struct diags *d;
	bool hash; /* make canonical copies and hashes (lint alone needs neither) */
};

#define COMMON_KEYS                                                                          \
	{ "id", YS_STRING, true }, { "type", YS_STRING, true }, { "text", YS_STRING, true }, \
		{ "code", YS_STRING, false }, { "general_feedback", YS_STRING, false },      \
		{ "hints", YS_SEQ, false }, { "penalty", YS_NUMBER, false },                 \
		{ "mark", YS_NUMBER, false }, { "tags", YS_STRING_OR_SEQ, false },           \
		{ "review", YS_STRING_OR_SEQ, false },                                       \
	{                                                                                    \
		"shuffle", YS_BOOL, false                                                    \
	}

static const struct yschema_key mc_keys[] = { COMMON_KEYS,
					      { "options", YS_SEQ, true },
					      { NULL, YS_ANY, false } };
static const struct yschema_key tf_keys[] = { COMMON_KEYS,
					      { "answer", YS_BOOL, true },
					      { "feedback_true", YS_STRING, false },
					      { "feedback_false", YS_STRING, false },
					      { NULL, YS_ANY, false } };
static const struct yschema_key numeric_keys[] = { COMMON_KEYS,
						   { "answers", YS_SEQ, true },
						   { "units", YS_SEQ, false },
						   { "unit_penalty", YS_NUMBER, false },
						   { NULL, YS_ANY, false } };
static const struct yschema_key short_keys[] = { COMMON_KEYS,
						 { "answers", YS_SEQ, true },
						 { "case_sensitive", YS_BOOL, false },
						 { NULL, YS_ANY, false } };
static const struct yschema_key match_keys[] = { COMMON_KEYS,
						 { "pairs", YS_SEQ, true },
						 { "distractors", YS_SEQ, false },
						 { NULL, YS_ANY, false } };
static const struct yschema_key order_keys[] = { COMMON_KEYS,
						 { "items", YS_SEQ, true },
						 { "grading", YS_STRING, false },
						 { NULL, YS_ANY, false } };
static const struct yschema_key common_keys[] = { COMMON_KEYS, { NULL, YS_ANY, false } };

static const struct yschema_key option_keys[] = {
	{ "text", YS_STRING, true },
	{ "fraction", YS_ANY, false },
	{ "feedback", YS_STRING, false },
	{ NULL, YS_ANY, false },
};
static const struct yschema_key numeric_answer_keys[] = {
	{ "value", YS_ANY, true },
	{ "tolerance", YS_NUMBER, false },
	{ "tolerance_type", YS_STRING, false },
	{ "fraction", YS_ANY, false },
	{ "feedback", YS_STRING, false },
	{ NULL, YS_ANY, false },
};
static const struct yschema_key short_answer_keys[] = {
	{ "pattern", YS_STRING, true },
	{ "fraction", YS_ANY, false },
	{ "feedback", YS_STRING, false },
	{ NULL, YS_ANY, false },
};
static const struct yschema_key pair_keys[] = {
	{ "item", YS_STRING, true },
	{ "answer", YS_STRING, true },
	{ NULL, YS_ANY, false },
};
static const struct yschema_key unit_keys[] = {
	{ "unit", YS_STRING, true },
	{ "multiplier", YS_NUMBER, true },
	{ NULL, YS_ANY, false },
};
static const struct yschema_key draw_keys[] = {
	{ "from", YS_STRING, true },
	{ "count", YS_INT, true },
	{ "tags", YS_STRING_OR_SEQ, false },
	{ NULL, YS_ANY, false },
};
static const struct yschema_key quiz_keys[] = {
	{ "id", YS_STRING, true },
	{ "title", YS_STRING, true },
	{ "kind", YS_STRING, false },
	{ "intro", YS_STRING, false },
	{ "pass", YS_NUMBER, false },
	{ "time_limit", YS_INT, false },
	{ "minutes", YS_INT, false },
	{ "attempts", YS_INT, false },
	{ "shuffle_questions", YS_BOOL, false },
	{ "shuffle_options", YS_BOOL, false },
	{ "draw", YS_SEQ, false },
	{ "questions", YS_SEQ, false },
	{ NULL, YS_ANY, false },
};

static const struct yschema_key *const type_keys[] = {
	[QUIZ_MC] = mc_keys,           [QUIZ_MC_MULTI] = mc_keys, [QUIZ_TF] = tf_keys,
	[QUIZ_NUMERIC] = numeric_keys, [QUIZ_SHORT] = short_keys, [QUIZ_MATCH] = match_keys,
	[QUIZ_ORDER] = order_keys,
};

static const char *const type_list[] = { "mc",    "mc_multi", "tf",    "numeric",
					 "short", "match",    "order", NULL };
static const char *const tolerance_list[] = { "nominal", "relative", "geometric", NULL };

/* ---- canonical JSON ---- */

static void canon_string(struct strbuf *sb, const char *s, size_t len)
{
	strbuf_addch(sb, '"');
	size_t run = 0; /* bytes before i that need no escape */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\')
			continue;
		strbuf_add(sb, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, c);
		} else if (c == '\n') {
			strbuf_addstr(sb, "\\n");
		} else if (c == '\t') {
			strbuf_addstr(sb, "\\t");
		} else if (c == '\r') {
			strbuf_addstr(sb, "\\r");
		} else {
			strbuf_addf(sb, "\\u%04x", c);
		}
	}
	strbuf_add(sb, s + run, len - run);
	strbuf_addch(sb, '"');
}

/* The shortest decimal that reads back as the same double. */
static void canon_double(struct strbuf *sb, double v)
{
	char buf[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	strbuf_addstr(sb, buf);
}

static int cmp_pairs(const void *a, const void *b)
{
	const struct ypair *x = *(const struct ypair *const *)a;
	const struct ypair *y = *(const struct ypair *const *)b;
	return strcmp(x->key->value, y->key->value);
}

static void canon_node(struct strbuf *sb, const struct ynode *n)
{
	switch (n->kind) {
	case YNODE_MAP: {
		const struct ypair **v = xcalloc(n->n_pairs + 1, sizeof(*v));
		for (size_t i = 0; i < n->n_pairs; i++)
			v[i] = &n->pairs[i];
		qsort(v, n->n_pairs, sizeof(*v), cmp_pairs);
		strbuf_addch(sb, '{');
		for (size_t i = 0; i < n->n_pairs; i++) {
			if (i)
				strbuf_addstr(sb, ", ");
			canon_string(sb, v[i]->key->value, strlen(v[i]->key->value));
			strbuf_addstr(sb, ": ");
			canon_node(sb, v[i]->value);
		}
		strbuf_addch(sb, '}');
		free(v);
		return;
	}
	case YNODE_SEQ:
		strbuf_addch(sb, '[');
		for (size_t i = 0; i < n->n_items; i++) {
			if (i)
				strbuf_addstr(sb, ", ");
			canon_node(sb, n->items[i]);
		}
		strbuf_addch(sb, ']');
		return;
	case YNODE_SCALAR: {
		long long iv;
		double dv;
		bool bv;
		if (ynode_is_null(n))
			strbuf_addstr(sb, "null");
		else if (ynode_as_int(n, &iv))
			strbuf_addf(sb, "%lld", iv);
		else if (ynode_as_double(n, &dv))
			canon_double(sb, dv);
		else if (ynode_as_bool(n, &bv))
			strbuf_addstr(sb, bv ? "true" : "false");
		else
			canon_string(sb, n->value, n->len);
		return;
	}
	}
	abort();
}

/* ---- reading values ---- */

static char *take_str(const struct ynode *map, const char *key)
{
	const struct ynode *v = ynode_get(map, key);
	return ynode_has_type(v, YS_STRING) ? xstrdup(v->value) : NULL;
}

static double take_num(const struct ynode *map, const char *key, double def)
{
	double v;
	return ynode_as_double(ynode_get(map, key), &v) ? v : def;
}

static bool take_bool(const struct ynode *map, const char *key, bool def)
{
	bool v;
	return ynode_as_bool(ynode_get(map, key), &v) ? v : def;
}

/* A string or a list of strings, as a vector. Entries that are not strings are reported. */
static char **take_strv(const struct ynode *v, const char *key, size_t *n, const struct ctx *c)
{
	*n = 0;
	if (!v)
		return NULL;
	if (v->kind == YNODE_SCALAR) {
		if (!ynode_has_type(v, YS_STRING))
			return NULL;
		char **out = xcalloc(1, sizeof(*out));
		out[0] = xstrdup(v->value);
		*n = 1;
		return out;
	}
	if (v->kind != YNODE_SEQ)
		return NULL;
	char **out = xcalloc(v->n_items + 1, sizeof(*out));
	for (size_t i = 0; i < v->n_items; i++) {
		const struct ynode *it = v->items[i];
		if (!ynode_has_type(it, YS_STRING)) {
			diags_add(c->d, c->path, it->line, it->col,
				  "each of '%s' must be a string, not %s", key,
				  ynode_kind_name(it));
			continue;
		}
		out[(*n)++] = xstrdup(it->value);
	}
	return out;
}

/*
 * A fraction: a number, or a percentage string such as "50%". Reported when malformed or
 * outside [lo, 1]. def when absent.
 */
static double take_fraction(const struct ynode *map, double lo, double def, const struct ctx *c)
{
	const struct ynode *v = ynode_get(map, "fraction");
	if (!v)
		return def;
	double f;
	bool ok = ynode_as_double(v, &f);
	if (!ok && v->kind == YNODE_SCALAR && v->len > 1 && v->value[v->len - 1] == '%') {
		char *end;
		char *num = xstrndup(v->value, v->len - 1);
		f = strtod(num, &end) / 100.0;
		ok = end != num && *end == '\0' && isfinite(f);
		free(num);
	}
	if (!ok) {
		diags_add(c->d, c->path, v->line, v->col,
			  "'fraction' must be a number from %g to 1 or a percentage, not %s", lo,
			  ynode_kind_name(v));
		return 0;
	}
	if (f < lo - 1e-9 || f > 1 + 1e-9) {
		diags_add(c->d, c->path, v->line, v->col, "fraction %g is outside %g..1", f, lo);
		return f < lo ? lo : 1;
	}
	return f;
}

static bool is_full(double f)
{
	return fabs(f - 1) < 1e-7;
}

/* ---- one question ---- */

static void read_options(struct quiz_question *q, const struct ynode *qn, const struct ctx *c)
{
	const struct ynode *opts = ynode_get(qn, "options");
	if (!opts || opts->kind != YNODE_SEQ)
		return;
	q->answers = xcalloc(opts->n_items + 1, sizeof(*q->answers));
	for (size_t i = 0; i < opts->n_items; i++) {
		const struct ynode *o = opts->items[i];
		char what[48];
		snprintf(what, sizeof(what), "option %zu", i + 1);
		ynode_check_map(o, option_keys, what, c->path, c->d);
		if (o->kind != YNODE_MAP)
			continue;
		struct quiz_answer *a = &q->answers[q->n_answers++];
		a->text = take_str(o, "text");
		a->feedback = take_str(o, "feedback");
		a->fraction = take_fraction(o, -1, 0, c);
		for (size_t j = 0; a->text && j + 1 < q->n_answers; j++)
			if (q->answers[j].text && strcmp(q->answers[j].text, a->text) == 0)
				diags_add(c->d, c->path, o->line, o->col,
					  "option %zu repeats option %zu", i + 1, j + 1);
	}
	if (opts->n_items < 2) {
		diags_add(c->d, c->path, opts->line, opts->col,
			  "a choice question needs at least 2 options, not %zu", opts->n_items);
		return;
	}
	double best = -2, positive = 0, all = 0;
	for (size_t i = 0; i < q->n_answers; i++) {
		double f = q->answers[i].fraction;
		best = fmax(best, f);
		positive += f > 0 ? f : 0;
		all += f;
	}
	if (q->type == QUIZ_MC && !is_full(best))
		diags_add(
			c->d, c->path, opts->line, opts->col,
			"no option has fraction 1 (100%%): the question cannot be answered right");
	if (q->type == QUIZ_MC_MULTI) {
		if (fabs(round(positive * 100) / 100 - 1) > 1e-9)
			diags_add(c->d, c->path, opts->line, opts->col,
				  "the positive fractions add up to %g%%, not 100%%",
				  positive * 100);
		else if (all >= 1 - 1e-7)
			diags_add(c->d, c->path, opts->line, opts->col,
				  "ticking every option scores 100%%; give wrong options negative "
				  "fractions");
	}
}

static void read_tf(struct quiz_question *q, const struct ynode *qn)
{
	bool answer = take_bool(qn, "answer", true);
	q->answers = xcalloc(2, sizeof(*q->answers));
	q->n_answers = 2;
	q->answers[0].text = xstrdup("True");
	q->answers[0].fraction = answer ? 1 : 0;
	q->answers[0].feedback = take_str(qn, "feedback_true");
	q->answers[1].text = xstrdup("False");
	q->answers[1].fraction = answer ? 0 : 1;
	q->answers[1].feedback = take_str(qn, "feedback_false");
}

static void read_numeric(struct quiz_question *q, const struct ynode *qn, const struct ctx *c)
{
	const struct ynode *ans = ynode_get(qn, "answers");
	q->unit_penalty = take_num(qn, "unit_penalty", QUIZ_DEFAULT_UNIT_PEN);
	const struct ynode *up = ynode_get(qn, "unit_penalty");
	if (up && (q->unit_penalty < 0 || q->unit_penalty > 1))
		diags_add(c->d, c->path, up->line, up->col, "unit_penalty %g is outside 0..1",
			  q->unit_penalty);
	const struct ynode *units = ynode_get(qn, "units");
	if (units && units->kind == YNODE_SEQ) {
		q->units = xcalloc(units->n_items + 1, sizeof(*q->units));
		bool base = false;
		for (size_t i = 0; i < units->n_items; i++) {
			const struct ynode *u = units->items[i];
			char what[32];
			snprintf(what, sizeof(what), "unit %zu", i + 1);
			if (!ynode_check_map(u, unit_keys, what, c->path, c->d))
				continue;
			struct quiz_unit *qu = &q->units[q->n_units++];
			qu->name = take_str(u, "unit");
			qu->multiplier = take_num(u, "multiplier", 1);
			base |= qu->multiplier == 1;
			if (qu->multiplier <= 0)
				diags_add(c->d, c->path, u->line, u->col,
					  "a unit's multiplier must be positive");
		}
		if (q->n_units && !base)
			diags_add(c->d, c->path, units->line, units->col,
				  "no unit has multiplier 1: answers need a base unit");
	}
	if (!ans || ans->kind != YNODE_SEQ)
		return;
	q->answers = xcalloc(ans->n_items + 1, sizeof(*q->answers));
	bool full = false;
	for (size_t i = 0; i < ans->n_items; i++) {
		const struct ynode *an = ans->items[i];
		char what[32];
		snprintf(what, sizeof(what), "answer %zu", i + 1);
		ynode_check_map(an, numeric_answer_keys, what, c->path, c->d);
		if (an->kind != YNODE_MAP)
			continue;
		struct quiz_answer *a = &q->answers[q->n_answers++];
		const struct ynode *v = ynode_get(an, "value");
		a->any = v && v->kind == YNODE_SCALAR && strcmp(v->value, "*") == 0;
		if (!a->any && v && !ynode_as_double(v, &a->value))
			diags_add(c->d, c->path, v->line, v->col,
				  "'value' must be a number or \"*\", not %s", ynode_kind_name(v));
		a->text = xstrdup(v && v->kind == YNODE_SCALAR ? v->value : "");
		a->tolerance = take_num(an, "tolerance", 0);
		const struct ynode *t = ynode_get(an, "tolerance");
		if (t && a->tolerance < 0)
			diags_add(c->d, c->path, t->line, t->col, "tolerance %g is negative",
				  a->tolerance);
		const struct ynode *tt = ynode_get(an, "tolerance_type");
		if (ynode_has_type(tt, YS_STRING)) {
			int k = -1;
			for (int j = 0; tolerance_list[j]; j++)
				if (strcmp(tolerance_list[j], tt->value) == 0)
					k = j;
			if (k < 0) {
				const char *s = str_suggest(tt->value, tolerance_list);
				diags_add(c->d, c->path, tt->line, tt->col,
					  "unknown tolerance_type '%s'%s%s%s", tt->value,
					  s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
			}
			a->tol_type = k == 1   ? QUIZ_TOL_RELATIVE
				      : k == 2 ? QUIZ_TOL_GEOMETRIC
					       : QUIZ_TOL_NOMINAL;
		}
		a->fraction = take_fraction(an, 0, a->any ? 0 : 1, c);
		a->feedback = take_str(an, "feedback");
		full |= !a->any && is_full(a->fraction);
	}
	if (!full)
		diags_add(
			c->d, c->path, ans->line, ans->col,
			"no answer has fraction 1 (100%%): the question cannot be answered right");
}

static void read_short(struct quiz_question *q, const struct ynode *qn, const struct ctx *c)
{
	q->case_sensitive = take_bool(qn, "case_sensitive", false);
	const struct ynode *ans = ynode_get(qn, "answers");
	if (!ans || ans->kind != YNODE_SEQ)
		return;
	q->answers = xcalloc(ans->n_items + 1, sizeof(*q->answers));
	bool full = false;
	for (size_t i = 0; i < ans->n_items; i++) {
		const struct ynode *an = ans->items[i];
		char what[32];
		snprintf(what, sizeof(what), "answer %zu", i + 1);
		ynode_check_map(an, short_answer_keys, what, c->path, c->d);
		if (an->kind != YNODE_MAP)
			continue;
		struct quiz_answer *a = &q->answers[q->n_answers++];
		a->text = take_str(an, "pattern");
		if (!a->text)
			a->text = xstrdup("");
		a->fraction = take_fraction(an, 0, 1, c);
		a->feedback = take_str(an, "feedback");
		full |= is_full(a->fraction) && a->text[0];
	}
	if (!full)
		diags_add(
			c->d, c->path, ans->line, ans->col,
			"no answer has fraction 1 (100%%): the question cannot be answered right");
}

/* Whether s (located at n) repeats one of v[0..k); reported when it does. */
static bool repeated(char *const *v, size_t k, const char *s, const struct ynode *n,
		     const char *what, const struct ctx *c)
{
	for (size_t i = 0; i < k; i++)
		if (v[i] && s && strcmp(v[i], s) == 0) {
			char buf[80];
			diags_add(c->d, c->path, n->line, n->col, "%s '%s' appears twice", what,
				  lint_clip(s, buf, sizeof(buf)));
			return true;
		}
	return false;
}

static void read_match(struct quiz_question *q, const struct ynode *qn, const struct ctx *c)
{
	const struct ynode *pairs = ynode_get(qn, "pairs");
	if (!pairs || pairs->kind != YNODE_SEQ)
		return;
	size_t n_dis = 0;
	const struct ynode *dis = ynode_get(qn, "distractors");
	q->answers = xcalloc(pairs->n_items + 1, sizeof(*q->answers));
	char **items = xcalloc(pairs->n_items + 1, sizeof(*items));
	char **answers = xcalloc(pairs->n_items + (dis ? dis->n_items : 0) + 1, sizeof(*answers));
	for (size_t i = 0; i < pairs->n_items; i++) {
		const struct ynode *p = pairs->items[i];
		char what[32];
		snprintf(what, sizeof(what), "pair %zu", i + 1);
		if (!ynode_check_map(p, pair_keys, what, c->path, c->d))
			continue;
		struct quiz_answer *a = &q->answers[q->n_answers];
		a->text = take_str(p, "item");
		a->match = take_str(p, "answer");
		a->fraction = 1;
		repeated(items, q->n_answers, a->text, ynode_get(p, "item"), "item", c);
		repeated(answers, q->n_answers, a->match, ynode_get(p, "answer"), "answer", c);
		items[q->n_answers] = a->text;
		answers[q->n_answers] = a->match;
		q->n_answers++;
	}
	q->distractors = take_strv(dis, "distractors", &q->n_distractors, c);
	for (size_t i = 0; i < q->n_distractors; i++) {
		repeated(answers, q->n_answers + n_dis, q->distractors[i], dis->items[i], "answer",
			 c);
		answers[q->n_answers + n_dis++] = q->distractors[i];
	}
	if (pairs->n_items < 2)
		diags_add(c->d, c->path, pairs->line, pairs->col,
			  "a matching question needs at least 2 pairs, not %zu", pairs->n_items);
	free(items);
	free(answers);
}

static void read_order(struct quiz_question *q, const struct ynode *qn, const struct ctx *c)
{
	const struct ynode *items = ynode_get(qn, "items");
	const struct ynode *g = ynode_get(qn, "grading");
	q->grading = QUIZ_GRADE_ABSOLUTE_POSITION;
	if (ynode_has_type(g, YS_STRING)) {
		int k = quiz_grading_from_name(g->value);
		if (k < 0) {
			const char *names[QUIZ_GRADE_COUNT + 1];
			for (int i = 0; i < QUIZ_GRADE_COUNT; i++)
				names[i] = quiz_grading_name((enum quiz_grading)i);
			names[QUIZ_GRADE_COUNT] = NULL;
			const char *s = str_suggest(g->value, names);
			diags_add(c->d, c->path, g->line, g->col, "unknown grading '%s'%s%s%s",
				  g->value, s ? " (did you mean '" : "", s ? s : "",
				  s ? "'?)" : "");
		} else {
			q->grading = (enum quiz_grading)k;
		}
	}
	if (!items || items->kind != YNODE_SEQ)
		return;
	size_t n;
	char **v = take_strv(items, "items", &n, c);
	q->answers = xcalloc(n + 1, sizeof(*q->answers));
	for (size_t i = 0; i < n; i++) {
		repeated(v, i, v[i], items->items[i], "item", c);
		q->answers[i].text = v[i];
		q->answers[i].fraction = 1;
	}
	q->n_answers = n;
	free(v);
	if (items->n_items < 2)
		diags_add(c->d, c->path, items->line, items->col,
			  "an ordering question needs at least 2 items, not %zu", items->n_items);
}

/* Whether a module's module.yaml could not be read: its id, and so its pages, are unknown. */
static bool course_has_unread_module(const struct course *course)
{
	for (size_t i = 0; i < course->n_modules; i++)
		if (!course->modules[i].id)
			return true;
	return false;
}

static void check_review(const struct quiz_question *q, const struct ynode *rv, const struct ctx *c)
{
	for (size_t i = 0; i < q->n_review; i++) {
		const struct ynode *at =
			rv->kind == YNODE_SEQ && i < rv->n_items ? rv->items[i] : rv;
		char buf[80];
		const char *link = q->review[i];
		const char *slash = strchr(link, '/');
		if (!slash || slash == link || !slash[1] || strchr(slash + 1, '/')) {
			diags_add(c->d, c->path, at->line, at->col,
				  "review link '%s' must be module-id/page-id",
				  lint_clip(link, buf, sizeof(buf)));
			continue;
		}
		if (!c->course)
			continue;
		char *mid = xstrndup(link, (size_t)(slash - link));
		const struct course_module *m = course_find_module(c->course, mid);
		/*
		 * A module whose module.yaml does not parse is already reported; the links into it
		 * are not wrong, and one error per link would bury that one line.
		 */
		if (!m && course_has_unread_module(c->course))
			;
		else if (!m)
			diags_add(c->d, c->path, at->line, at->col,
				  "review link '%s': the course has no module '%s'",
				  lint_clip(link, buf, sizeof(buf)), mid);
		else if (!course_find_page(m, slash + 1))
			diags_add(c->d, c->path, at->line, at->col,
				  "review link '%s': module '%s' has no page '%s'",
				  lint_clip(link, buf, sizeof(buf)), mid, slash + 1);
		free(mid);
	}
}

static struct quiz_question *read_question(const struct ynode *qn, size_t index,
					   const struct ctx *c)
{
	char what[64];
	const struct ynode *idn = ynode_get(qn, "id");
	if (ynode_has_type(idn, YS_STRING))
		snprintf(what, sizeof(what), "question '%.40s'", idn->value);
	else
		snprintf(what, sizeof(what), "question %zu", index + 1);
	if (!qn || qn->kind != YNODE_MAP) {
		ynode_check_map(qn, common_keys, what, c->path, c->d);
		return NULL;
	}
	const struct ynode *tn = ynode_get(qn, "type");
	int type = ynode_has_type(tn, YS_STRING) ? quiz_type_from_name(tn->value) : -1;
	if (tn && ynode_has_type(tn, YS_STRING) && type < 0) {
		const char *s = str_suggest(tn->value, type_list);
		char buf[80];
		diags_add(c->d, c->path, tn->line, tn->col,
			  "unknown question type '%s'%s%s%s; types are mc, mc_multi, tf, numeric, "
			  "short, match, order",
			  lint_clip(tn->value, buf, sizeof(buf)), s ? " (did you mean '" : "",
			  s ? s : "", s ? "'?)" : "");
	}
	ynode_check_map(qn, type >= 0 ? type_keys[type] : common_keys, what, c->path, c->d);
	if (type < 0)
		return NULL;

	struct quiz_question *q = xcalloc(1, sizeof(*q));
	q->type = (enum quiz_type)type;
	q->line = qn->line;
	q->col = qn->col;
	q->id = take_str(qn, "id");
	if (q->id && !lint_valid_id(q->id))
		diags_add(c->d, c->path, idn->line, idn->col,
			  "question id '%.40s' must use only a-z, 0-9 and '-'", q->id);
	if (!q->id)
		q->id = xasprintf("question-%zu", index + 1);
	q->text = take_str(qn, "text");
	if (!q->text)
		q->text = xstrdup("");
	q->code = take_str(qn, "code");
	q->general_feedback = take_str(qn, "general_feedback");
	q->mark = take_num(qn, "mark", 1);
	const struct ynode *mk = ynode_get(qn, "mark");
	if (mk && q->mark <= 0)
		diags_add(c->d, c->path, mk->line, mk->col, "mark %g must be positive", q->mark);
	q->penalty = take_num(qn, "penalty", q->type == QUIZ_TF ? 1 : QUIZ_DEFAULT_PENALTY);
	const struct ynode *pn = ynode_get(qn, "penalty");
	if (pn && (q->penalty < 0 || q->penalty > 1))
		diags_add(c->d, c->path, pn->line, pn->col, "penalty %g is outside 0..1",
			  q->penalty);
	q->shuffle = take_bool(qn, "shuffle", true);
	q->hints = take_strv(ynode_get(qn, "hints"), "hints", &q->n_hints, c);
	q->tags = take_strv(ynode_get(qn, "tags"), "tags", &q->n_tags, c);
	const struct ynode *rv = ynode_get(qn, "review");
	q->review = take_strv(rv, "review", &q->n_review, c);
	if (q->n_review)
		check_review(q, rv, c);

	switch (q->type) {
	case QUIZ_MC:
	case QUIZ_MC_MULTI:
		read_options(q, qn, c);
		break;
	case QUIZ_TF:
		read_tf(q, qn);
		break;
	case QUIZ_NUMERIC:
		read_numeric(q, qn, c);
		break;
	case QUIZ_SHORT:
		read_short(q, qn, c);
		break;
	case QUIZ_MATCH:
		read_match(q, qn, c);
		break;
	case QUIZ_ORDER:
		read_order(q, qn, c);
		break;
	}

	if (c->hash) {
		struct strbuf sb = STRBUF_INIT;
		canon_node(&sb, qn);
		q->canon = strbuf_detach(&sb);
		sha256_hex(q->canon, strlen(q->canon), q->hash);
	}
	return q;
}

/* ---- one file ---- */

static void read_draws(struct quiz *quiz, const struct ynode *dn, const struct ctx *c)
{
	if (!dn || dn->kind != YNODE_SEQ)
		return;
	quiz->draws = xcalloc(dn->n_items + 1, sizeof(*quiz->draws));
	for (size_t i = 0; i < dn->n_items; i++) {
		const struct ynode *it = dn->items[i];
		char what[32];
		snprintf(what, sizeof(what), "draw %zu", i + 1);
		if (!ynode_check_map(it, draw_keys, what, c->path, c->d))
			continue;
		struct quiz_draw *d = &quiz->draws[quiz->n_draws++];
		d->from = take_str(it, "from");
		long long count = 0;
		ynode_as_int(ynode_get(it, "count"), &count);
		if (count < 1) {
			const struct ynode *cn = ynode_get(it, "count");
			diags_add(c->d, c->path, cn->line, cn->col, "count %lld must be at least 1",
				  count);
			count = 0;
		}
		d->count = (size_t)count;
		d->tags = take_strv(ynode_get(it, "tags"), "tags", &d->n_tags, c);
		d->line = it->line;
		d->col = it->col;
	}
}

static void read_quiz(struct quiz *quiz, const struct ynode *doc, const struct ctx *c)
{
	ynode_check_map(doc, quiz_keys, "quiz", c->path, c->d);
	if (doc->kind != YNODE_MAP)
		return;
	quiz->id = take_str(doc, "id");
	const struct ynode *idn = ynode_get(doc, "id");
	if (quiz->id) {
		if (!lint_valid_id(quiz->id))
			diags_add(c->d, c->path, idn->line, idn->col,
				  "quiz id '%.40s' must use only a-z, 0-9 and '-'", quiz->id);
		const char *base = strrchr(c->path, '/');
		base = base ? base + 1 : c->path;
		size_t len = strlen(quiz->id);
		if (strncmp(base, quiz->id, len) != 0 || strcmp(base + len, ".yaml") != 0)
			diags_add(c->d, c->path, idn->line, idn->col,
				  "quiz '%.40s' must live in a file named '%.40s.yaml'", quiz->id,
				  quiz->id);
	}
	quiz->title = take_str(doc, "title");
	quiz->intro = take_str(doc, "intro");
	const struct ynode *kind = ynode_get(doc, "kind");
	if (ynode_has_type(kind, YS_STRING)) {
		quiz->pool = strcmp(kind->value, "pool") == 0;
		if (!quiz->pool && strcmp(kind->value, "quiz") != 0)
			diags_add(c->d, c->path, kind->line, kind->col,
				  "kind must be 'quiz' or 'pool', not '%.40s'", kind->value);
	}
	quiz->pass = take_num(doc, "pass", QUIZ_DEFAULT_PASS);
	const struct ynode *pn = ynode_get(doc, "pass");
	if (pn && (quiz->pass < 0 || quiz->pass > 100))
		diags_add(c->d, c->path, pn->line, pn->col, "pass %g is outside 0..100 (percent)",
			  quiz->pass);
	long long v = 0;
	const struct ynode *tl = ynode_get(doc, "time_limit");
	if (ynode_as_int(tl, &v) && (v < 0 || v > 86400))
		diags_add(c->d, c->path, tl->line, tl->col,
			  "time_limit %lld is outside 0..86400 seconds", v);
	else if (v > 0)
		quiz->time_limit_ms = v * 1000;
	v = 0;
	const struct ynode *mn = ynode_get(doc, "minutes");
	if (ynode_as_int(mn, &v) && (v < 1 || v > 1440))
		diags_add(c->d, c->path, mn->line, mn->col, "minutes %lld is outside 1..1440", v);
	else
		quiz->minutes = (int)v;
	v = 0;
	const struct ynode *at = ynode_get(doc, "attempts");
	if (ynode_as_int(at, &v) && (v < 0 || v > 1000))
		diags_add(c->d, c->path, at->line, at->col, "attempts %lld is outside 0..1000", v);
	else
		quiz->attempts = (int)v;
	quiz->shuffle_questions = take_bool(doc, "shuffle_questions", true);
	quiz->shuffle_options = take_bool(doc, "shuffle_options", true);
	if (quiz->pool)
		for (size_t i = 0; i < doc->n_pairs; i++) {
			const struct ynode *k = doc->pairs[i].key;
			if (strcmp(k->value, "draw") == 0 || strcmp(k->value, "pass") == 0 ||
			    strcmp(k->value, "time_limit") == 0 ||
			    strcmp(k->value, "minutes") == 0 || strcmp(k->value, "attempts") == 0)
				diags_add(c->d, c->path, k->line, k->col,
					  "a pool has no '%s': only quizzes are taken", k->value);
		}
	read_draws(quiz, ynode_get(doc, "draw"), c);
	const struct ynode *qs = ynode_get(doc, "questions");
	if (qs && qs->kind == YNODE_SEQ) {
		quiz->questions = xcalloc(qs->n_items + 1, sizeof(*quiz->questions));
		for (size_t i = 0; i < qs->n_items; i++) {
			/* Ids are compared on the tree, so a broken question still counts. */
			const struct ynode *qn = qs->items[i];
			const char *id = ynode_str(ynode_get(qn, "id"));
			for (size_t j = 0; id && j < i; j++) {
				const struct ynode *prev = qs->items[j];
				const char *pid = ynode_str(ynode_get(prev, "id"));
				if (pid && strcmp(pid, id) == 0) {
					diags_add(c->d, c->path, qn->line, qn->col,
						  "duplicate question id '%s' (first at line %d)",
						  id, prev->line);
					break;
				}
			}
			struct quiz_question *q = read_question(qn, i, c);
			if (q)
				quiz->questions[quiz->n_questions++] = q;
		}
	}
	if (!quiz->n_questions && !quiz->n_draws)
		diags_add(c->d, c->path, doc->line, doc->col, "%s has no questions and draws none",
			  quiz->pool ? "pool" : "quiz");
}

static struct quiz *parse(const char *text, size_t len, const char *path,
			  const struct course *course, bool hash, struct diags *d)
{
	struct error err;
	error_clear(&err);
	struct ynode *doc = ynode_parse(text, len, path, &err);
	if (!doc) {
		diags_add(d, err.path[0] ? err.path : path, err.line, err.col, "%s", err.msg);
		return NULL;
	}
	struct quiz *quiz = xcalloc(1, sizeof(*quiz));
	quiz->path = xstrdup(path);
	struct ctx c = { path, course, d, hash };
	read_quiz(quiz, doc, &c);
	if (hash)
		sha256_hex(text, len, quiz->hash);
	ynode_free(doc);
	return quiz;
}

struct quiz *quiz_parse(const char *text, size_t len, const char *path, const struct course *course,
			struct diags *d)
{
	return parse(text, len, path, course, true, d);
}

/* ---- the set ---- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void quiz_set_check(const struct quiz_set *set, struct diags *d)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct quiz *qz = set->quizzes[i];
		for (size_t j = 0; qz->id && j < i; j++)
			if (set->quizzes[j]->id && strcmp(set->quizzes[j]->id, qz->id) == 0)
				diags_add(d, qz->path, 1, 1, "duplicate quiz id '%s' (also in %s)",
					  qz->id, set->quizzes[j]->path);
		for (size_t k = 0; k < qz->n_questions; k++) {
			const struct quiz_question *q = qz->questions[k];
			/* Only earlier files: duplicates within a file were reported on reading. */
			for (size_t j = 0; j < i; j++) {
				const struct quiz *o = set->quizzes[j];
				for (size_t m = 0; m < o->n_questions; m++)
					if (strcmp(o->questions[m]->id, q->id) == 0)
						diags_add(d, qz->path, q->line, q->col,
							  "duplicate question id '%s' (also at "
							  "%s:%d)",
							  q->id, o->path, o->questions[m]->line);
			}
		}
		for (size_t k = 0; k < qz->n_draws; k++) {
			const struct quiz_draw *dr = &qz->draws[k];
			if (!dr->from)
				continue;
			const struct quiz *pool = quiz_set_find(set, dr->from);
			if (!pool) {
				const char **names = xcalloc(set->n + 1, sizeof(*names));
				for (size_t j = 0; j < set->n; j++)
					names[j] = set->quizzes[j]->id ? set->quizzes[j]->id : "";
				const char *s = str_suggest(dr->from, names);
				diags_add(d, qz->path, dr->line, dr->col,
					  "draw from '%s': no such pool or quiz%s%s%s", dr->from,
					  s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
				free(names);
				continue;
			}
			if (pool == qz) {
				diags_add(d, qz->path, dr->line, dr->col,
					  "a quiz cannot draw from itself");
				continue;
			}
			size_t have = quiz_count_tagged(pool, dr->tags, dr->n_tags);
			if (dr->count > have)
				diags_add(
					d, qz->path, dr->line, dr->col,
					"draw of %zu from '%s' is larger than the %zu questions it "
					"has%s",
					dr->count, dr->from, have,
					dr->n_tags ? " with those tags" : "");
		}
	}
}

/* The quiz files of a folder, read whole, in name order. */
struct qfiles {
	char **paths;
	char **texts; /* NULL when the file could not be read (reported) */
	size_t *lens;
	size_t n;
};

static void qfiles_release(struct qfiles *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->paths[i]);
		free(f->texts[i]);
	}
	free(f->paths);
	free(f->texts);
	free(f->lens);
	memset(f, 0, sizeof(*f));
}

static void qfiles_read(const char *dir, struct qfiles *f, struct diags *d)
{
	memset(f, 0, sizeof(*f));
	DIR *dp = opendir(dir);
	if (!dp) {
		diags_add(d, dir, 0, 0, "cannot open the quizzes folder");
		return;
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *e;
	while ((e = readdir(dp))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			names = xreallocarray(names, alloc, sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(dp);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	f->paths = xcalloc(n + 1, sizeof(*f->paths));
	f->texts = xcalloc(n + 1, sizeof(*f->texts));
	f->lens = xcalloc(n + 1, sizeof(*f->lens));
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(dir, names[i]);
		struct error err;
		error_clear(&err);
		size_t len = 0;
		char *text = path_read_file(path, QUIZ_FILE_MAX, &len, &err);
		if (!text) {
			diags_add(d, path, 0, 0, "%s", err.msg);
		} else if (memchr(text, '\0', len)) {
			diags_add(d, path, 1, 1, "file contains a NUL byte; YAML must be text");
			free(text);
			text = NULL;
		}
		f->paths[f->n] = path;
		f->texts[f->n] = text;
		f->lens[f->n] = len;
		f->n++;
		free(names[i]);
	}
	free(names);
}

static struct quiz_set *parse_files(const struct qfiles *f, const struct course *course, bool hash,
				    struct diags *d)
{
	struct quiz_set *set = xcalloc(1, sizeof(*set));
	set->quizzes = xcalloc(f->n + 1, sizeof(*set->quizzes));
	for (size_t i = 0; i < f->n; i++) {
		if (!f->texts[i])
			continue;
		struct quiz *q = parse(f->texts[i], f->lens[i], f->paths[i], course, hash, d);
		if (q)
			set->quizzes[set->n++] = q;
	}
	quiz_set_check(set, d);
	return set;
}

struct quiz_set *quiz_set_load(const char *dir, const struct course *course, struct diags *d)
{
	struct qfiles f;
	qfiles_read(dir, &f, d);
	struct quiz_set *set = parse_files(&f, course, true, d);
	qfiles_release(&f);
	return set;
}

static void check_module_refs(const struct quiz_set *set, const struct course *course,
			      struct diags *d)
{
	const char **names = xcalloc(set->n + 1, sizeof(*names));
	size_t k = 0;
	for (size_t i = 0; i < set->n; i++)
		if (set->quizzes[i]->id && !set->quizzes[i]->pool)
			names[k++] = set->quizzes[i]->id;
	for (size_t i = 0; i < course->n_modules; i++) {
		const struct course_module *m = &course->modules[i];
		if (!m->quiz)
			continue;
		const struct quiz *qz = quiz_set_find(set, m->quiz);
		char buf[80];
		if (!qz) {
			const char *s = str_suggest(m->quiz, names);
			diags_add(d, m->yaml_path, m->quiz_line, m->quiz_col,
				  "quiz '%s' does not exist in %s%s%s%s",
				  lint_clip(m->quiz, buf, sizeof(buf)), course->quiz_dir,
				  s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
		} else if (qz->pool) {
			diags_add(d, m->yaml_path, m->quiz_line, m->quiz_col,
				  "'%s' is a pool, not a quiz a learner can take",
				  lint_clip(m->quiz, buf, sizeof(buf)));
		}
	}
	free(names);
}

/*
 * Linting every quiz costs more than the rest of the course together (libyaml, then a hash per
 * question), and its answer only changes with the quiz files, the course's modules, pages and
 * quiz references, or this program. So a clean result is remembered under the SHA-256 of all of
 * them, as an empty file in $XDG_CACHE_HOME/lambda-tutor/quiz-lint/ (lint_cache.h says when
 * caches are off). Problems are never cached: they are found again. It still pays when the
 * course-wide record (lint_cache.c) does not hold, as after editing a page.
 */
static char *cache_path(const struct qfiles *f, const struct course *course)
{
	char *base = lint_cache_dir("quiz-lint");
	if (!base)
		return NULL;
	struct strbuf key = STRBUF_INIT;
	char *program = lint_cache_program_id();
	strbuf_addf(&key, "quiz-lint 1 %s", program);
	free(program);
	strbuf_add(&key, "", 1);
	for (size_t i = 0; i < course->n_modules; i++) {
		const struct course_module *m = &course->modules[i];
		strbuf_addf(&key, "module %s quiz %s pages", m->id ? m->id : "",
			    m->quiz ? m->quiz : "-");
		for (size_t p = 0; p < m->n_pages; p++)
			strbuf_addf(&key, " %s", m->pages[p].id ? m->pages[p].id : "");
		strbuf_add(&key, "", 1);
	}
	strbuf_addf(&key, "quizzes %s", course->quiz_dir);
	strbuf_add(&key, "", 1);
	for (size_t i = 0; i < f->n; i++) {
		strbuf_addf(&key, "%s %zu", f->paths[i], f->lens[i]);
		strbuf_add(&key, "", 1);
		if (f->texts[i])
			strbuf_add(&key, f->texts[i], f->lens[i]);
		strbuf_add(&key, "", 1);
	}
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(key.buf, key.len, hex);
	strbuf_release(&key);
	char *path = path_join(base, hex);
	free(base);
	return path;
}

/* Keep the cache small: remove the oldest entries once it holds CACHE_KEEP. */
#define CACHE_KEEP 8

void quiz_lint_course(const struct course *course, bool use_cache, struct diags *d)
{
	if (!course->quiz_dir)
		return;
	size_t before = d->n;
	struct qfiles f;
	qfiles_read(course->quiz_dir, &f, d);
	char *cached = use_cache && d->n == before ? cache_path(&f, course) : NULL;
	if (cached && path_is_file(cached)) {
		free(cached);
		qfiles_release(&f);
		return;
	}
	struct quiz_set *set = parse_files(&f, course, false, d);
	check_module_refs(set, course, d);
	quiz_set_free(set);
	qfiles_release(&f);
	if (cached && d->n == before) {
		char *dir = path_dirname(cached);
		if (path_mkdirs(dir, 0700, NULL)) {
			lint_cache_prune(dir, CACHE_KEEP);
			path_write_file(cached, "", 0, 0600, NULL);
		}
		free(dir);
	}
	free(cached);
}

struct quiz_question *quiz_question_parse(const char *text, size_t len, struct error *err)
{
	struct ynode *doc = ynode_parse(text, len, "<stored question>", err);
	if (!doc)
		return NULL;
	struct diags d = DIAGS_INIT;
	struct ctx c = { "<stored question>", NULL, &d, true };
	struct quiz_question *q = read_question(doc, 0, &c);
	ynode_free(doc);
	if (d.n || !q) {
		char *line = d.n ? diags_format(&d, 0) : xstrdup("not a question");
		error_set(err, "stored question does not load: %s", line);
		free(line);
		quiz_question_free(q);
		q = NULL;
	} else {
		q->line = q->col = 0;
	}
	diags_release(&d);
	return q;
}
