/*
 * The quiz screen's state without curses: keys become responses, tries become feedback, a
 * resumed question comes back as it was answered, and the review list names what was missed.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "course/quiz_load.h"
#include "harness.h"
#include "tui/quiz_view.h"

static const char *const QUIZ =
	"id: v\ntitle: V\nshuffle_questions: false\nshuffle_options: false\nquestions:\n"
	"  - {id: v-mc, type: mc, text: t, hints: [h], review: [m/a], options: ["
	"{text: a, fraction: 1}, {text: b}, {text: c}]}\n"
	"  - {id: v-multi, type: mc_multi, text: t, review: [m/b, m/a], options: ["
	"{text: a, fraction: 0.5}, {text: b, fraction: 0.5}, {text: c, fraction: -1}]}\n"
	"  - {id: v-num, type: numeric, text: t, answers: [{value: 900}]}\n"
	"  - {id: v-match, type: match, text: t, pairs: [{item: x, answer: '1'},"
	" {item: y, answer: '2'}], distractors: ['3']}\n"
	"  - {id: v-order, type: order, text: t, items: [p, q, r]}\n";

static struct quiz *load_text(const char *text)
{
	struct diags d = DIAGS_INIT;
	struct quiz *q = quiz_parse(text, strlen(text), "quizzes/v.yaml", NULL, &d);
	if (d.n)
		printf("# %s\n", d.v[0].msg);
	diags_release(&d);
	return q;
}

static struct quiz *load(void)
{
	struct diags d = DIAGS_INIT;
	struct quiz *q = quiz_parse(QUIZ, strlen(QUIZ), "quizzes/v.yaml", NULL, &d);
	if (d.n)
		printf("# %s\n", d.v[0].msg);
	diags_release(&d);
	return q;
}

static void submit(struct quiz_view *v, struct quiz_attempt *a)
{
	struct error err;
	struct quiz_grade g;
	char *r = quiz_view_response(v);
	if (!quiz_attempt_submit(a, v->slot, r, 1, 10, &g, &err))
		printf("# refused: %s\n", err.msg);
	quiz_view_graded(v, &g);
	free(r);
}

TEST(quiz_view__keys_make_responses)
{
	struct quiz *qz = load();
	struct error err;
	struct quiz_attempt *a = quiz_attempt_start(qz, NULL, 1, 3, 0, &err);
	struct quiz_view v;
	quiz_view_init(&v, a);
	is_int(v.phase, QUIZ_VIEW_INTRO, "a fresh attempt opens on the intro");
	v.phase = QUIZ_VIEW_ANSWER;

	quiz_view_move(&v, 1);
	quiz_view_move(&v, 1);
	quiz_view_move(&v, 1);
	char *r = quiz_view_response(&v);
	is_str(r, "2", "the cursor stops at the last option");
	free(r);
	quiz_view_digit(&v, 2);
	submit(&v, a);
	is_int(v.phase, QUIZ_VIEW_FEEDBACK, "a graded try shows feedback");
	is_int(v.grade.state, QUIZ_WRONG, "b is wrong");
	ok(quiz_view_next(&v) && v.phase == QUIZ_VIEW_ANSWER && v.slot == 0,
	   "with a hint left, the same question is tried again");
	quiz_view_digit(&v, 1);
	submit(&v, a);
	ok(a->slots[0].finished, "right at the second try");
	ok(quiz_view_next(&v) && v.slot == 1, "then the next question");

	quiz_view_toggle(&v); /* row 0 */
	quiz_view_digit(&v, 3);
	quiz_view_digit(&v, 2);
	quiz_view_digit(&v, 3); /* untick c */
	r = quiz_view_response(&v);
	is_str(r, "0,1", "ticks in file order");
	free(r);
	submit(&v, a);
	ok(quiz_view_next(&v) && v.slot == 2, "numeric next");

	ok(quiz_view_typing(&v), "numeric takes text");
	quiz_view_type(&v, "9");
	quiz_view_type(&v, "0");
	quiz_view_type(&v, "x");
	quiz_view_backspace(&v);
	quiz_view_type(&v, "0");
	r = quiz_view_response(&v);
	is_str(r, "900", "typed text with a backspace");
	free(r);
	quiz_view_backspace(&v);
	quiz_view_backspace(&v);
	quiz_view_backspace(&v);
	submit(&v, a);
	ok(v.phase == QUIZ_VIEW_ANSWER && strcmp(v.msg, "type a number") == 0,
	   "an empty answer is refused with a reason: %s", v.msg);
	quiz_view_type(&v, "900");
	submit(&v, a);
	ok(quiz_view_next(&v) && v.slot == 3, "matching next");

	r = quiz_view_response(&v);
	is_str(r, "-,-", "nothing chosen yet");
	free(r);
	quiz_view_digit(&v, 2); /* x -> '2', cursor moves to y */
	quiz_view_cycle(&v, 1); /* y -> '1' */
	r = quiz_view_response(&v);
	is_str(r, "1,0", "answers by item in file order");
	free(r);
	submit(&v, a);
	ok(v.grade.fraction == 0, "both wrong");
	ok(quiz_view_next(&v) && v.slot == 4, "ordering next");

	r = quiz_view_response(&v);
	ok(strcmp(r, "0,1,2") != 0, "ordering starts shuffled: %s", r);
	free(r);
	/* Sort by moving items: bubble the arrangement with shifts. */
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i + 1 < 3; i++)
			if (v.arrange[i] > v.arrange[i + 1]) {
				v.cursor = i;
				quiz_view_shift(&v, 1);
			}
	r = quiz_view_response(&v);
	is_str(r, "0,1,2", "J/K moves put the items in order");
	free(r);
	submit(&v, a);
	ok(v.grade.state == QUIZ_RIGHT, "and that is right");
	ok(!quiz_view_next(&v), "every question done: time for the result");

	const char *links[8];
	size_t n = quiz_view_review_links(&v, links, 8);
	is_int(n, 1, "one page to review: only the first question lost marks");
	is_str(n ? links[0] : "", "m/a", "the first question's link");
	quiz_view_release(&v);
	quiz_attempt_free(a);
	quiz_free(qz);
}

TEST(quiz_view__a_resumed_question_shows_its_last_answer)
{
	struct quiz *qz = load();
	struct error err;
	struct quiz_attempt *a = quiz_attempt_start(qz, NULL, 1, 3, 0, &err);
	struct quiz_grade g;
	quiz_attempt_submit(a, 1, "0,2", 1, 5, &g, &err);
	quiz_attempt_submit(a, 3, "1,-", 1, 5, &g, &err); /* not gradable: not a try */
	quiz_attempt_submit(a, 3, "0,2", 1, 5, &g, &err);
	struct quiz_view v;
	quiz_view_init(&v, a);
	is_int(v.phase, QUIZ_VIEW_ANSWER, "an attempt under way skips the intro");
	is_int(v.slot, 0, "on the first open question");
	quiz_view_goto(&v, 1);
	ok(v.ticked[0] && !v.ticked[1] && v.ticked[2], "ticks come back");
	is_int(v.phase, QUIZ_VIEW_FEEDBACK, "a finished question shows its feedback");
	quiz_view_goto(&v, 3);
	char *r = quiz_view_response(&v);
	is_str(r, "0,2", "matching answers come back");
	free(r);
	quiz_view_skip(&v, 1);
	is_int(v.slot, 4, "skip goes to the next question");
	quiz_view_skip(&v, 1);
	is_int(v.slot, 0, "and wraps");
	quiz_view_release(&v);
	quiz_attempt_free(a);
	quiz_free(qz);
}

TEST(quiz_view__a_resumed_try_shows_its_feedback_first)
{
	struct quiz *qz = load();
	struct error err;
	struct quiz_attempt *a = quiz_attempt_start(qz, NULL, 1, 3, 0, &err);
	struct quiz_grade g;
	quiz_attempt_submit(a, 0, "1", 1, 5, &g, &err); /* wrong, one try left */
	struct quiz_view v;
	quiz_view_init(&v, a);
	is_int(v.slot, 0, "the question still open");
	is_int(v.phase, QUIZ_VIEW_FEEDBACK, "comes back on the feedback that was on screen");
	ok(!a->slots[0].finished && v.grade.valid, "the last try is graded again for it");
	ok(quiz_view_next(&v) && v.phase == QUIZ_VIEW_ANSWER && v.slot == 0,
	   "Enter then tries again on the same question");
	char *r = quiz_view_response(&v);
	is_str(r, "1", "with the last response in place");
	free(r);
	quiz_view_release(&v);
	quiz_attempt_free(a);
	quiz_free(qz);
}

TEST(quiz_view__a_wrong_typed_answer_is_typed_again_from_its_feedback)
{
	struct quiz *qz = load_text(
		"id: v\ntitle: V\nshuffle_questions: false\nshuffle_options: false\nquestions:\n"
		"  - {id: v-mc, type: mc, text: t, options: [{text: a, fraction: 1}, {text: b}]}\n"
		"  - {id: v-short, type: short, text: t, hints: [a, b],"
		" answers: [{pattern: python}]}\n");
	struct error err;
	struct quiz_attempt *a = quiz_attempt_start(qz, NULL, 1, 3, 0, &err);
	struct quiz_view v;
	quiz_view_init(&v, a);
	quiz_view_goto(&v, 1);
	quiz_view_type(&v, "perl");
	submit(&v, a);
	is_int(v.phase, QUIZ_VIEW_FEEDBACK, "the wrong answer's feedback");
	ok(quiz_view_can_retype(&v), "a try is left, for typing");
	ok(quiz_view_retype(&v, true) && v.phase == QUIZ_VIEW_ANSWER, "typing starts the next try");
	quiz_view_type(&v, "p");
	char *r = quiz_view_response(&v);
	is_str(r, "p", "on a cleared answer: the letter is typed, not taken as a key");
	free(r);
	submit(&v, a);
	ok(quiz_view_retype(&v, false), "Backspace edits instead");
	r = quiz_view_response(&v);
	is_str(r, "p", "the last answer kept");
	free(r);
	quiz_view_goto(&v, 0);
	ok(!quiz_view_retype(&v, true), "no typing on a question of options");
	quiz_view_release(&v);
	quiz_attempt_free(a);
	quiz_free(qz);
}

int main(void)
{
	RUN(quiz_view__keys_make_responses);
	RUN(quiz_view__a_resumed_question_shows_its_last_answer);
	RUN(quiz_view__a_resumed_try_shows_its_feedback_first);
	RUN(quiz_view__a_wrong_typed_answer_is_typed_again_from_its_feedback);
	return done();
}
