/*
 * Writing GIFT. Per Moodle's format.php: questions are separated by a blank line and hold none
 * themselves (newlines become \n), the characters ~ = # { } : and \ are escaped with a
 * backslash, weights are %n% after = or ~, per-answer feedback follows #, general feedback
 * follows ####, and [markdown] marks the text format.
 */
#include "quiz/gift.h"

#include <math.h>
#include <stdio.h>
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
