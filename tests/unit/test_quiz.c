/*
 * Grading of every question type, penalties, tolerance, the ordering rules, shuffles from a
 * seed, pool draws, time limits and scores. Expected fractions are worked out by hand in the
 * comments. Questions are written in YAML and read with quiz_question_parse().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "course/quiz_load.h"
#include "harness.h"
#include "quiz/gift.h"
#include "quiz/quiz.h"

static struct quiz_question *q_of(const char *yaml)
{
	struct error err;
	error_clear(&err);
	struct quiz_question *q = quiz_question_parse(yaml, strlen(yaml), &err);
	if (!q)
		printf("# cannot parse question: %s\n", err.msg);
	return q;
}

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-4;
}

static double frac(const struct quiz_question *q, const char *response)
{
	struct quiz_grade g;
	quiz_grade(q, response, &g);
	return g.valid ? g.fraction : -1; /* -1: not gradable */
}

#define is_frac(q, r, want)                                                                   \
	do {                                                                                  \
		double got_ = frac(q, r);                                                     \
		ok(near(got_, want), "'%s' scores %.4f (got %.4f)", r, (double)(want), got_); \
	} while (0)

static const char *const MC = "{id: mc, type: mc, text: t, hints: [h1, h2], options: ["
			      "{text: a, fraction: 1}, {text: b, feedback: no}, "
			      "{text: c, fraction: -0.5}]}";

TEST(quiz_grade__single_choice_takes_the_chosen_fraction)
{
	struct quiz_question *q = q_of(MC);
	is_frac(q, "0", 1);
	is_frac(q, "1", 0);
	is_frac(q, "2", 0); /* -50% is clamped to 0 for the try */
	is_frac(q, "", -1);
	is_frac(q, "3", -1);
	is_frac(q, "x", -1);
	struct quiz_grade g;
	quiz_grade(q, "1", &g);
	is_int(g.matched, 1, "the matched option is reported for its feedback");
	is_int(g.state, QUIZ_WRONG, "state wrong");
	quiz_question_free(q);
}

TEST(quiz_grade__multiple_choice_sums_and_clamps)
{
	struct quiz_question *q = q_of("{id: mm, type: mc_multi, text: t, options: ["
				       "{text: s3, fraction: 0.5}, {text: sns, fraction: '50%'},"
				       "{text: sqs, fraction: -1}, {text: kin, fraction: -1}]}");
	is_frac(q, "0,1", 1);
	is_frac(q, "1", 0.5);
	is_frac(q, "0,2", 0);     /* 0.5 - 1 clamps at 0 */
	is_frac(q, "0,1,2,3", 0); /* ticking everything is not full marks */
	is_frac(q, "", -1);
	is_frac(q, "0,0", -1);
	is_frac(q, "0,9", -1);
	quiz_question_free(q);
	q = q_of("{id: mm2, type: mc_multi, text: t, options: [{text: a, fraction: 0.5},"
		 "{text: b, fraction: 0.5}, {text: c, fraction: -0.5}]}");
	is_frac(q, "0,1,2", 0.5); /* 0.5 + 0.5 - 0.5 */
	quiz_question_free(q);
}

TEST(quiz_grade__true_false)
{
	struct quiz_question *q = q_of("{id: tf, type: tf, text: t, answer: false}");
	is_frac(q, "false", 1);
	is_frac(q, "true", 0);
	is_frac(q, "maybe", -1);
	ok(near(q->penalty, 1), "true/false penalty defaults to 1");
	char *c = quiz_correct_response(q);
	is_str(c, "false", "the correct response");
	free(c);
	quiz_question_free(q);
}

TEST(quiz_grade__numeric_tolerance_kinds)
{
	struct quiz_question *q =
		q_of("{id: n1, type: numeric, text: t, answers: [{value: 100, tolerance: 0.1,"
		     " tolerance_type: relative}]}");
	is_frac(q, "90", 1); /* 100 +- 10 */
	is_frac(q, "110", 1);
	is_frac(q, "89.9", 0);
	is_frac(q, "110.01", 0);
	quiz_question_free(q);
	q = q_of("{id: n2, type: numeric, text: t, answers: [{value: 100, tolerance: 5}]}");
	is_frac(q, "95", 1); /* nominal: 100 +- 5 */
	is_frac(q, "105", 1);
	is_frac(q, "105.001", 0);
	quiz_question_free(q);
	q = q_of("{id: n3, type: numeric, text: t, answers: [{value: 100, tolerance: 1,"
		 " tolerance_type: geometric}]}");
	is_frac(q, "50", 1); /* 100 / 2 .. 100 * 2 */
	is_frac(q, "200", 1);
	is_frac(q, "49.9", 0);
	quiz_question_free(q);
	q = q_of("{id: n4, type: numeric, text: t, answers: [{value: 0.3}]}");
	is_frac(q, "0.3", 1);
	is_frac(q, "0.30000000000000004", 1); /* 0.1 + 0.2: the 1e-14 margin */
	quiz_question_free(q);
}

TEST(quiz_grade__numeric_several_answers_and_catch_all)
{
	struct quiz_question *q =
		q_of("{id: n5, type: numeric, text: t, answers: [{value: 10240},"
		     " {value: 3008, fraction: 0.5, feedback: old}, {value: '*', feedback: no}]}");
	is_frac(q, "10240", 1);
	is_frac(q, "10,240", 1);
	is_frac(q, "1.024e4", 1);
	is_frac(q, "3,008", 0.5);
	is_frac(q, "42", 0);
	is_frac(q, "1,02", -1);
	is_frac(q, "abc", -1);
	is_frac(q, "10240 MB", -1); /* no units declared: a number only */
	struct quiz_grade g;
	quiz_grade(q, "42", &g);
	is_int(g.matched, 2, "the catch-all gives its feedback");
	quiz_question_free(q);
}

TEST(quiz_grade__numeric_units_and_unit_penalty)
{
	struct quiz_question *q =
		q_of("{id: n6, type: numeric, text: t, answers: [{value: 900}],"
		     " units: [{unit: s, multiplier: 1}, {unit: ms, multiplier: 1000}]}");
	is_frac(q, "900 s", 1);
	is_frac(q, "900000 ms", 1); /* 900000 / 1000 */
	is_frac(q, "900000ms", 1);
	is_frac(q, "900", 0.9);   /* missing unit: 1 - 0.1 */
	is_frac(q, "900 h", 0.9); /* unknown unit, same */
	is_frac(q, "901 s", 0);
	quiz_question_free(q);
	q = q_of("{id: n7, type: numeric, text: t, answers: [{value: 900}],"
		 " units: [{unit: ms, multiplier: 1}, {unit: s, multiplier: 0.001}]}");
	is_frac(q, "0.9 s", 1); /* 0.9 / 0.001 is 899.9999999999999: the margin scales */
	quiz_question_free(q);
	q = q_of("{id: n6b, type: numeric, text: t, answers: [{value: 900}],"
		 " units: [{unit: s, multiplier: 1}, {unit: ms, multiplier: 1000}]}");
	char *c = quiz_correct_response(q);
	is_str(c, "900 s", "correct response carries the base unit");
	free(c);
	quiz_question_free(q);
}

TEST(quiz_grade__money_with_its_unit_first_and_no_penalty)
{
	struct quiz_question *q =
		q_of("{id: n8, type: numeric, text: t, answers: [{value: 535.68, tolerance: 0.01,"
		     " tolerance_type: relative}], units: [{unit: USD, multiplier: 1},"
		     " {unit: $, multiplier: 1}], unit_penalty: 0}");
	is_frac(q, "$535.68", 1);
	is_frac(q, " $ 535.68", 1);
	is_frac(q, "$-535.68", 0);
	is_frac(q, "USD 535.68", 1);
	is_frac(q, "usd 535.68", 1);
	is_frac(q, "535.68 USD", 1);
	is_frac(q, "535.68$", 1);
	is_frac(q, "$535.68 USD", -1); /* a unit on both sides */
	is_frac(q, "USD535", -1);
	struct quiz_grade g;
	quiz_grade(q, "535.68", &g);
	ok(g.fraction == 1 && !g.unit_wrong, "no unit, no penalty: nothing to note");
	quiz_question_free(q);
	q = q_of("{id: n9, type: numeric, text: t, answers: [{value: 900}],"
		 " units: [{unit: s, multiplier: 1}]}");
	quiz_grade(q, "900", &g);
	ok(g.unit_wrong && g.fraction > 0.89 && g.fraction < 0.91, "a penalty taken is noted");
	quiz_grade(q, "12", &g);
	ok(!g.unit_wrong, "not on a wrong answer, which loses nothing more");
	quiz_question_free(q);
}

TEST(quiz_grade__short_answer_patterns)
{
	struct quiz_question *q = q_of(
		"{id: sa, type: short, text: t, answers: [{pattern: event source mapping},"
		" {pattern: '*mapping*', fraction: 0.5}, {pattern: 'a\\*b', fraction: 0.25}]}");
	is_frac(q, "Event  Source Mapping ", 1); /* case and spaces do not matter */
	is_frac(q, "an ESM mapping thing", 0.5);
	is_frac(q, "a*b", 0.25);
	is_frac(q, "axb", 0);
	is_frac(q, "poller", 0);
	is_frac(q, "   ", -1);
	quiz_question_free(q);
	q = q_of("{id: sb, type: short, text: t, case_sensitive: true, answers: "
		 "[{pattern: bootstrap}]}");
	is_frac(q, "bootstrap", 1);
	is_frac(q, "Bootstrap", 0);
	quiz_question_free(q);
	ok(quiz_pattern_match("*a*b*c*", "xxaxxbxxcxx", true), "several stars");
	ok(!quiz_pattern_match("a*c", "abcd", true), "anchored at the end");
}

TEST(quiz_grade__matching_counts_right_pairs)
{
	struct quiz_question *q =
		q_of("{id: m, type: match, text: t, pairs: [{item: a, answer: '1'},"
		     " {item: b, answer: '2'}, {item: c, answer: '3'}], distractors: ['4']}");
	is_frac(q, "0,1,2", 1);
	is_frac(q, "1,0,2", 1.0 / 3);
	is_frac(q, "0,1,3", 2.0 / 3); /* the distractor matches nothing */
	is_frac(q, "0,1", -1);
	is_frac(q, "0,1,-", -1);
	is_frac(q, "0,1,9", -1);
	is_str(quiz_match_choice(q, 3), "4", "distractors follow the answers in the menu");
	quiz_question_free(q);
}

TEST(quiz_order__moodle_rules_by_hand)
{
	/* Correct A B C D E F; the learner put B C D E F A. */
	size_t o[] = { 1, 2, 3, 4, 5, 0 };
	const double want[QUIZ_GRADE_COUNT] = {
		[QUIZ_GRADE_ALL_OR_NOTHING] = 0,
		[QUIZ_GRADE_ABSOLUTE_POSITION] = 0,
		[QUIZ_GRADE_RELATIVE_NEXT_EXCLUDE_LAST] = 4.0 / 5,       /* B>C C>D D>E E>F */
		[QUIZ_GRADE_RELATIVE_NEXT_INCLUDE_LAST] = 4.0 / 6,       /* F is not last */
		[QUIZ_GRADE_RELATIVE_ONE_PREVIOUS_AND_NEXT] = 8.0 / 12,  /* 0+1+2+2+2+1 */
		[QUIZ_GRADE_RELATIVE_ALL_PREVIOUS_AND_NEXT] = 20.0 / 30, /* 10 pairs x 2 */
		[QUIZ_GRADE_LONGEST_ORDERED_SUBSET] = 5.0 / 6,           /* Moodle's own test */
		[QUIZ_GRADE_LONGEST_CONTIGUOUS_SUBSET] = 5.0 / 6,
		[QUIZ_GRADE_RELATIVE_TO_CORRECT] = 20.0 / 30, /* 4+4+4+4+4+0 */
	};
	for (int g = 0; g < QUIZ_GRADE_COUNT; g++) {
		double got = quiz_order_fraction((enum quiz_grading)g, o, 6);
		ok(near(got, want[g]), "BCDEFA by %s: %.4f (got %.4f)",
		   quiz_grading_name((enum quiz_grading)g), want[g], got);
	}
	/* Correct A B C D; the learner put A C B D. */
	size_t p[] = { 0, 2, 1, 3 };
	const double want2[QUIZ_GRADE_COUNT] = {
		[QUIZ_GRADE_ALL_OR_NOTHING] = 0,
		[QUIZ_GRADE_ABSOLUTE_POSITION] = 2.0 / 4,
		[QUIZ_GRADE_RELATIVE_NEXT_EXCLUDE_LAST] = 0.0 / 3,
		[QUIZ_GRADE_RELATIVE_NEXT_INCLUDE_LAST] = 1.0 / 4,
		[QUIZ_GRADE_RELATIVE_ONE_PREVIOUS_AND_NEXT] = 2.0 / 8,
		[QUIZ_GRADE_RELATIVE_ALL_PREVIOUS_AND_NEXT] = 10.0 / 12,
		[QUIZ_GRADE_LONGEST_ORDERED_SUBSET] = 3.0 / 4,
		[QUIZ_GRADE_LONGEST_CONTIGUOUS_SUBSET] = 2.0 / 4,
		[QUIZ_GRADE_RELATIVE_TO_CORRECT] = 10.0 / 12, /* 3+2+2+3 */
	};
	for (int g = 0; g < QUIZ_GRADE_COUNT; g++) {
		double got = quiz_order_fraction((enum quiz_grading)g, p, 4);
		ok(near(got, want2[g]), "ACBD by %s: %.4f (got %.4f)",
		   quiz_grading_name((enum quiz_grading)g), want2[g], got);
	}
	size_t r[] = { 2, 1, 0 };
	ok(near(quiz_order_fraction(QUIZ_GRADE_LONGEST_ORDERED_SUBSET, r, 3), 0),
	   "a single item is no ordered subset");
	size_t id[] = { 0, 1, 2 };
	ok(near(quiz_order_fraction(QUIZ_GRADE_ALL_OR_NOTHING, id, 3), 1), "all in place");
}

TEST(quiz_grade__ordering_response)
{
	struct quiz_question *q = q_of("{id: o, type: order, text: t, grading: "
				       "longest_ordered_subset, items: [a, b, c, d, e, f]}");
	is_frac(q, "1,2,3,4,5,0", 5.0 / 6);
	is_frac(q, "0,1,2,3,4,5", 1);
	is_frac(q, "0,1,2,3,4", -1);
	is_frac(q, "0,1,2,3,4,4", -1);
	quiz_question_free(q);
}

/* One question, its tries, and the mark the rules give. */
static double mark_after(const char *yaml, const char *const *responses, size_t n, bool *finished)
{
	static char qid[] = "q";
	struct quiz quiz = { .id = qid, .title = qid, .shuffle_options = true };
	struct quiz_question *q = q_of(yaml);
	quiz.questions = &q;
	quiz.n_questions = 1;
	struct error err;
	struct quiz_attempt *a = quiz_attempt_start(&quiz, NULL, 1, 7, 1000, &err);
	for (size_t i = 0; i < n; i++) {
		struct quiz_grade g;
		if (!quiz_attempt_submit(a, 0, responses[i], 1.5, 2000, &g, &err))
			printf("# submit refused: %s\n", err.msg);
	}
	double m = quiz_slot_mark(&a->slots[0]);
	*finished = a->slots[0].finished;
	quiz_attempt_free(a);
	quiz_question_free(q);
	return m;
}

TEST(quiz_attempt__penalty_per_extra_try)
{
	bool fin;
	const char *r1[] = { "1", "2", "0" };
	ok(near(mark_after(MC, r1, 3, &fin), 1 - 2 * 0.3333333) && fin,
	   "right at the third try: 1 - 2/3");
	const char *r2[] = { "1", "0" };
	ok(near(mark_after(MC, r2, 2, &fin), 1 - 0.3333333) && fin, "right at the second try: 2/3");
	const char *r3[] = { "0" };
	ok(near(mark_after(MC, r3, 1, &fin), 1) && fin, "right at once: 1");
	const char *r4[] = { "1", "2", "1" };
	ok(near(mark_after(MC, r4, 3, &fin), 0) && fin, "three wrong tries: 0 and finished");
	const char *r5[] = { "1", "0" };
	ok(near(mark_after("{id: p, type: mc, text: t, mark: 2, penalty: 0.5, hints: [h],"
			   " options: [{text: a, fraction: 1}, {text: b}]}",
			   r5, 2, &fin),
		1),
	   "mark 2, penalty 0.5, second try: (1 - 0.5) x 2");
	const char *r6[] = { "2", "0,1" };
	ok(near(mark_after("{id: pm, type: mc_multi, text: t, hints: [h], options: ["
			   "{text: a, fraction: 0.5}, {text: b, fraction: 0.5},"
			   "{text: c, fraction: -1}]}",
			   r6, 2, &fin),
		1 - 0.3333333),
	   "multiple choice right at the second try");
	const char *r7[] = { "0", "0,2" };
	ok(near(mark_after("{id: pp, type: mc_multi, text: t, hints: [h], options: ["
			   "{text: a, fraction: 0.5}, {text: b, fraction: 0.5},"
			   "{text: c, fraction: -1}]}",
			   r7, 1, &fin),
		0.5) &&
		   !fin,
	   "a partial first try leaves the question open at 0.5");
	const char *r8[] = { "0", "1" };
	ok(near(mark_after("{id: pq, type: mc_multi, text: t, hints: [h], options: ["
			   "{text: a, fraction: 0.5}, {text: b, fraction: 0.5},"
			   "{text: c, fraction: -1}]}",
			   r8, 2, &fin),
		0.5 - 0.3333333),
	   "the last try counts, not the best: 0.5 - 1/3");
	const char *r9[] = { "1" };
	ok(near(mark_after("{id: one, type: mc, text: t, options: [{text: a, fraction: 1},"
			   " {text: b}]}",
			   r9, 1, &fin),
		0) &&
		   fin,
	   "no hints: one try only");
}

TEST(quiz_attempt__refuses_tries_after_finish_and_ungradable_is_free)
{
	static char qid[] = "q";
	struct quiz quiz = { .id = qid, .title = qid };
	struct quiz_question *q = q_of(MC);
	quiz.questions = &q;
	quiz.n_questions = 1;
	struct error err;
	struct quiz_grade g;
	struct quiz_attempt *a = quiz_attempt_start(&quiz, NULL, 1, 7, 0, &err);
	ok(quiz_attempt_submit(a, 0, "", 1, 10, &g, &err) && !g.valid, "empty is not gradable");
	is_int(a->slots[0].n_tries, 0, "and costs no try");
	ok(near(quiz_slot_next_penalty(&a->slots[0]), 0), "no penalty yet");
	ok(quiz_attempt_submit(a, 0, "1", 1, 10, &g, &err), "a wrong try");
	ok(near(quiz_slot_next_penalty(&a->slots[0]), 0.3333333), "next try costs a third");
	ok(quiz_attempt_submit(a, 0, "1", 1, 10, &g, &err) && !g.valid, "the same answer again");
	is_int(a->slots[0].n_tries, 1, "is not a new try");
	ok(quiz_attempt_submit(a, 0, "0", 1, 10, &g, &err), "a right try");
	ok(!quiz_attempt_submit(a, 0, "0", 1, 10, &g, &err), "no try after the question ends");
	ok(strstr(err.msg, "finished") != NULL, "says why: %s", err.msg);
	quiz_attempt_finish(a, 20, QUIZ_FINISH_SUBMITTED);
	ok(!quiz_attempt_submit(a, 0, "0", 1, 30, &g, &err), "no try after the attempt ends");
	quiz_attempt_free(a);
	quiz_question_free(q);
}

static struct quiz *make_quiz(const char *id, size_t n, bool pool)
{
	struct quiz *qz = xcalloc(1, sizeof(*qz));
	qz->id = xstrdup(id);
	qz->title = xstrdup(id);
	qz->pool = pool;
	qz->pass = 50;
	qz->shuffle_questions = qz->shuffle_options = true;
	qz->questions = xcalloc(n, sizeof(*qz->questions));
	for (size_t i = 0; i < n; i++) {
		char *y = xasprintf("{id: %s-%zu, type: mc, text: t, tags: [%s], options: "
				    "[{text: a, fraction: 1}, {text: b}, {text: c}, {text: d},"
				    " {text: e}, {text: f}, {text: g}, {text: h}]}",
				    id, i, i % 2 ? "odd" : "even");
		qz->questions[qz->n_questions++] = q_of(y);
		free(y);
	}
	return qz;
}

static char *orders_of(const struct quiz_attempt *a)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < a->n_slots; i++) {
		strbuf_addf(&sb, "%s:", a->slots[i].q->id);
		for (size_t j = 0; j < a->slots[i].n_order; j++)
			strbuf_addf(&sb, "%zu", a->slots[i].order[j]);
		strbuf_addch(&sb, ' ');
	}
	return strbuf_detach(&sb);
}

TEST(quiz_attempt__shuffles_are_frozen_by_the_seed)
{
	struct quiz *qz = make_quiz("s", 6, false);
	struct quiz_set set = { &qz, 1 };
	struct error err;
	struct quiz_attempt *a = quiz_attempt_start(qz, &set, 1, 42, 0, &err);
	struct quiz_attempt *b = quiz_attempt_start(qz, &set, 1, 42, 0, &err);
	struct quiz_attempt *c = quiz_attempt_start(qz, &set, 1, 43, 0, &err);
	char *sa = orders_of(a), *sb = orders_of(b), *sc = orders_of(c);
	is_str(sa, sb, "same seed, same questions and options in the same order");
	ok(strcmp(sa, sc) != 0, "another seed, another order");
	qz->shuffle_questions = qz->shuffle_options = false;
	struct quiz_attempt *d = quiz_attempt_start(qz, &set, 1, 42, 0, &err);
	char *sd = orders_of(d);
	ok(strncmp(sd, "s-0:01234567 s-1:01234567", 25) == 0, "no shuffle keeps file order: %s",
	   sd);
	free(sa);
	free(sb);
	free(sc);
	free(sd);
	quiz_attempt_free(a);
	quiz_attempt_free(b);
	quiz_attempt_free(c);
	quiz_attempt_free(d);
	quiz_free(qz);
}

TEST(quiz_attempt__ordering_is_never_handed_out_solved)
{
	static char qid[] = "q";
	struct quiz quiz = { .id = qid, .title = qid };
	struct quiz_question *q = q_of("{id: o2, type: order, text: t, items: [a, b]}");
	quiz.questions = &q;
	quiz.n_questions = 1;
	struct error err;
	bool solved = false;
	for (uint64_t seed = 0; seed < 64; seed++) {
		struct quiz_attempt *a = quiz_attempt_start(&quiz, NULL, 1, seed, 0, &err);
		solved |= a->slots[0].order[0] == 0;
		quiz_attempt_free(a);
	}
	ok(!solved, "two items always start swapped");
	quiz_question_free(q);
}

TEST(quiz_attempt__draws_from_pools)
{
	struct quiz *pool = make_quiz("pool", 6, true);
	struct quiz *qz = make_quiz("final", 1, false);
	qz->draws = xcalloc(1, sizeof(*qz->draws));
	qz->n_draws = 1;
	qz->draws[0].from = xstrdup("pool");
	qz->draws[0].count = 3;
	qz->draws[0].tags = xcalloc(1, sizeof(char *));
	qz->draws[0].tags[0] = xstrdup("odd");
	qz->draws[0].n_tags = 1;
	struct quiz *both[] = { pool, qz };
	struct quiz_set set = { both, 2 };
	struct error err;
	struct quiz_attempt *a = quiz_attempt_start(qz, &set, 1, 9, 0, &err);
	ok(a != NULL, "drawn");
	is_int(a ? a->n_slots : 0, 4, "one own question and three drawn");
	size_t odd = 0;
	for (size_t i = 0; a && i < a->n_slots; i++)
		if (strncmp(a->slots[i].q->id, "pool-", 5) == 0) {
			size_t k = (size_t)atoi(a->slots[i].q->id + 5);
			odd += k % 2 == 1;
		}
	is_int(odd, 3, "all three drawn questions carry the tag");
	quiz_attempt_free(a);
	qz->draws[0].count = 4;
	a = quiz_attempt_start(qz, &set, 1, 9, 0, &err);
	ok(a == NULL, "a draw larger than the tagged pool is refused");
	is_str(err.msg, "cannot draw 4 questions from 'pool': it has 3 to give", "and says so");
	quiz_attempt_free(a);
	quiz_free(pool);
	quiz_free(qz);
}

TEST(quiz_attempt__draws_prefer_what_was_seen_least)
{
	struct quiz *pool = make_quiz("pool", 6, true);
	struct quiz *qz = make_quiz("again", 0, false);
	qz->shuffle_questions = false;
	qz->draws = xcalloc(1, sizeof(*qz->draws));
	qz->n_draws = 1;
	qz->draws[0].from = xstrdup("pool");
	qz->draws[0].count = 3;
	struct quiz *both[] = { pool, qz };
	struct quiz_set set = { both, 2 };
	const int ids[] = { 0, 1, 2, 3, 4, 0, 1, 2 };
	char *seen[8];
	for (int i = 0; i < 8; i++)
		seen[i] = xasprintf("pool-%d", ids[i]);
	struct error err;
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct quiz_attempt *a =
			quiz_attempt_start_seen(qz, &set, 3, seed, 0, seen, 8, &err);
		bool ok_ = a && a->n_slots == 3 && strcmp(a->slots[0].q->id, "pool-5") == 0;
		for (size_t i = 1; ok_ && i < 3; i++)
			ok_ = strcmp(a->slots[i].q->id, "pool-3") == 0 ||
			      strcmp(a->slots[i].q->id, "pool-4") == 0;
		ok(ok_, "seed %d: never seen first, then seen once", (int)seed);
		quiz_attempt_free(a);
	}
	for (int i = 0; i < 8; i++)
		free(seen[i]);
	quiz_free(pool);
	quiz_free(qz);
}

TEST(quiz_attempt__time_limit_and_score)
{
	struct quiz *qz = make_quiz("t", 2, false);
	qz->time_limit_ms = 60000;
	qz->questions[1]->mark = 3;
	qz->pass = 70;
	struct quiz_set set = { &qz, 1 };
	struct error err;
	struct quiz_grade g;
	struct quiz_attempt *a = quiz_attempt_start(qz, &set, 1, 5, 1000, &err);
	long s0 = quiz_attempt_slot(a, "t-0"), s1 = quiz_attempt_slot(a, "t-1");
	ok(quiz_attempt_submit(a, (size_t)s1, "0", 2, 30000, &g, &err), "in time");
	ok(!quiz_attempt_submit(a, (size_t)s0, "0", 2, 61000, &g, &err), "late try refused");
	is_str(err.msg, "the time is up", "and says so");
	quiz_attempt_finish(a, 90000, QUIZ_FINISH_SUBMITTED);
	is_int(a->finished_ms, 61000, "finished as of the deadline");
	is_int(a->reason, QUIZ_FINISH_TIME, "because the time was up");
	double s, m;
	quiz_attempt_score(a, &s, &m);
	ok(near(s, 3) && near(m, 4), "score 3 of 4");
	ok(near(quiz_attempt_percent(a), 75) && quiz_attempt_passed(a), "75%% passes 70%%");
	quiz_attempt_free(a);
	quiz_free(qz);
}

TEST(quiz_gift__exports_what_moodle_reads_back)
{
	const char *yaml =
		"id: g\ntitle: G\nquestions:\n"
		"  - {id: g-mc, type: mc, text: 'Timeout: max?', general_feedback: \"900 s\\n\","
		" options: [{text: 15 min, fraction: 1}, {text: '1 h', fraction: -0.5, feedback: "
		"no}]}\n"
		"  - {id: g-tf, type: tf, text: t, answer: false, feedback_true: wrong,"
		" feedback_false: right}\n"
		"  - {id: g-num, type: numeric, text: n, answers: [{value: 100, tolerance: 0.1,"
		" tolerance_type: relative}, {value: 3, tolerance: 1, fraction: 0.5}, {value: "
		"'*'}]}\n"
		"  - {id: g-sa, type: short, text: s, answers: [{pattern: 'a{b}'}]}\n"
		"  - {id: g-m, type: match, text: m, pairs: [{item: x, answer: '1'},"
		" {item: y, answer: '2'}]}\n"
		"  - {id: g-o, type: order, text: o, items: [p, q]}\n";
	struct diags d = DIAGS_INIT;
	struct quiz *qz = quiz_parse(yaml, strlen(yaml), "quizzes/g.yaml", NULL, &d);
	is_int(d.n, 0, "the quiz lints");
	char *g = quiz_gift_export(qz);
	is_str(g,
	       "// G (exported by lambda-tutor)\n\n$CATEGORY: g\n\n"
	       "::g-mc:: [markdown]Timeout\\: max? {\n  =15 min\n  ~%-50%1 h #no\n"
	       "  ####900 s\n}\n\n"
	       "::g-tf:: [markdown]t {F#wrong#right\n}\n\n"
	       "::g-num:: [markdown]n {#\n  =90..110\n  =%50%3:1\n  ~*\n}\n\n"
	       "::g-sa:: [markdown]s {\n  =a\\{b\\}\n}\n\n"
	       "::g-m:: [markdown]m {\n  =x -> 1\n  =y -> 2\n}\n\n"
	       "// g-o: ordering questions have no GIFT form\n",
	       "every type in GIFT, specials escaped, relative tolerance as a range");
	free(g);
	quiz_free(qz);
	diags_release(&d);
}

TEST(quiz_gift__imports_moodles_examples)
{
	/* The Lambda examples of the assessment reference, section 1.5, as written there. */
	const char *gift =
		"$CATEGORY: lambda-intro/q1\n\n"
		"::L-timeout:: What is the maximum timeout of a Lambda function? {\n"
		"  =15 minutes #Right: 900 seconds.\n"
		"  ~5 minutes #That was the pre-2018 limit.\n"
		"  ~1 hour\n"
		"  ####Timeout is configurable from 1 to 900 s.}\n\n"
		"// a comment line\n"
		"::L-memory:: Maximum configurable memory in MB? {#10240}\n\n"
		"::L-push:: Which sources invoke Lambda by push (not polling)? {~%50%Amazon S3 "
		"~%50%Amazon SNS ~%-100%Amazon SQS #SQS uses an event source mapping "
		"(polling).}\n\n"
		"::L-billing:: Lambda duration is billed in 1 ms increments.{T}\n\n"
		"::L-limits:: Match the setting to its range {=Timeout -> 1-900 s =Memory -> "
		"128-10240 MB =Ephemeral storage -> 512-10240 MB}\n\n"
		"::L-esc:: A \\{brace\\} and a \\= sign? {=a\\=b =%50%a\\:b}\n";
	struct error err;
	char *yaml = quiz_gift_import(gift, strlen(gift), "imported", &err);
	ok(yaml != NULL, "imported: %s", yaml ? "ok" : err.msg);
	struct diags d = DIAGS_INIT;
	struct quiz *qz =
		yaml ? quiz_parse(yaml, strlen(yaml), "quizzes/imported.yaml", NULL, &d) : NULL;
	is_int(d.n, 0, "the YAML it writes lints");
	for (size_t i = 0; i < d.n; i++)
		printf("# %s\n", d.v[i].msg);
	is_int(qz ? qz->n_questions : 0, 6, "six questions");
	if (qz && qz->n_questions == 6) {
		struct quiz_question **q = qz->questions;
		is_str(qz->title, "lambda-intro/q1", "the category names the quiz");
		is_str(q[0]->id, "l-timeout", "names become ids");
		ok(q[0]->type == QUIZ_MC && near(q[0]->answers[0].fraction, 1) &&
			   near(q[0]->answers[2].fraction, 0),
		   "single choice: = is 100%%, ~ is 0");
		is_str(q[0]->answers[0].feedback, "Right: 900 seconds.", "per-answer feedback");
		is_str(q[0]->general_feedback, "Timeout is configurable from 1 to 900 s.",
		       "general feedback");
		ok(q[1]->type == QUIZ_NUMERIC && near(q[1]->answers[0].value, 10240), "numerical");
		ok(q[2]->type == QUIZ_MC_MULTI && near(q[2]->answers[2].fraction, -1), "weights");
		ok(q[3]->type == QUIZ_TF && near(q[3]->answers[0].fraction, 1), "true/false");
		ok(q[4]->type == QUIZ_MATCH && q[4]->n_answers == 3, "matching");
		is_str(q[4]->answers[1].match, "128-10240 MB", "matching answer");
		ok(q[5]->type == QUIZ_SHORT, "short answer");
		is_str(q[5]->text, "A {brace} and a = sign?", "escapes in the text");
		is_str(q[5]->answers[0].text, "a=b", "escapes in an answer");
		ok(near(q[5]->answers[1].fraction, 0.5), "weight of a short answer");
	}
	quiz_free(qz);
	diags_release(&d);
	free(yaml);
	ok(quiz_gift_import("::x:: a {=b ~c -> d", 19, "x", &err) == NULL, "an open brace fails");
	is_str(err.msg, "no question that can be graded", "says so");
}

TEST(quiz_gift__round_trips_a_real_quiz)
{
	size_t len;
	struct error err;
	char *text = path_read_file(LT_SOURCE_DIR "/quizzes/core-concepts.yaml", 0, &len, &err);
	struct diags d = DIAGS_INIT;
	struct quiz *orig = quiz_parse(text, len, "quizzes/core-concepts.yaml", NULL, &d);
	char *gift = quiz_gift_export(orig);
	char *yaml = quiz_gift_import(gift, strlen(gift), "core-concepts", &err);
	struct quiz *back =
		yaml ? quiz_parse(yaml, strlen(yaml), "quizzes/core-concepts.yaml", NULL, &d)
		     : NULL;
	is_int(d.n, 0, "exported and read back, it lints");
	size_t same = 0, orderings = 0;
	for (size_t i = 0; back && i < orig->n_questions; i++) {
		const struct quiz_question *o = orig->questions[i];
		if (o->type == QUIZ_ORDER) {
			orderings++;
			continue;
		}
		const struct quiz_question *b = NULL;
		for (size_t j = 0; j < back->n_questions; j++)
			if (strcmp(back->questions[j]->id, o->id) == 0)
				b = back->questions[j];
		bool eq = b && b->type == o->type && b->n_answers == o->n_answers;
		for (size_t k = 0; eq && k < o->n_answers; k++)
			eq = near(b->answers[k].fraction, o->answers[k].fraction) &&
			     strcmp(b->answers[k].text ? b->answers[k].text : "",
				    o->answers[k].text ? o->answers[k].text : "") == 0;
		if (!eq)
			printf("# %s differs after the round trip\n", o->id);
		same += eq;
	}
	is_int(same + orderings, orig->n_questions,
	       "every question but orderings comes back with the same answers and fractions");
	quiz_free(orig);
	quiz_free(back);
	free(yaml);
	free(gift);
	free(text);
	diags_release(&d);
}

TEST(quiz_order_row_mark__agrees_with_the_grading_type)
{
	/* Correct order 0 1 2 3 4; the learner put 2 3 4 0 1. */
	static const size_t o[] = { 2, 3, 4, 0, 1 };
	/* Absolute position: no item is in its place. */
	for (size_t r = 0; r < 5; r++)
		is_int(quiz_order_row_mark(QUIZ_GRADE_ABSOLUTE_POSITION, o, 5, r), -1,
		       "absolute: every row is wrong");
	/* Relative next, last included: 2->3, 3->4 and 0->1 earn credit (0.6 in all);
	 * 4 is followed by 0, and 1 ends the list though 2 should follow it. */
	static const int inc[] = { 1, 1, -1, 1, -1 };
	for (size_t r = 0; r < 5; r++)
		is_int(quiz_order_row_mark(QUIZ_GRADE_RELATIVE_NEXT_INCLUDE_LAST, o, 5, r), inc[r],
		       "relative next, last included: row marked as its credit");
	/* Excluding the last: item 4 (the correct last) is not marked at all. */
	is_int(quiz_order_row_mark(QUIZ_GRADE_RELATIVE_NEXT_EXCLUDE_LAST, o, 5, 2), 0,
	       "relative next, last excluded: the last item has no mark");
	is_int(quiz_order_row_mark(QUIZ_GRADE_LONGEST_ORDERED_SUBSET, o, 5, 0), 0,
	       "whole-arrangement gradings mark no row");
	ok(quiz_order_fraction(QUIZ_GRADE_RELATIVE_NEXT_INCLUDE_LAST, o, 5) > 0.59 &&
		   quiz_order_fraction(QUIZ_GRADE_RELATIVE_NEXT_INCLUDE_LAST, o, 5) < 0.61,
	   "the marks add up to the fraction: 3 of 5");
}

int main(void)
{
	RUN(quiz_order_row_mark__agrees_with_the_grading_type);
	RUN(quiz_grade__single_choice_takes_the_chosen_fraction);
	RUN(quiz_grade__multiple_choice_sums_and_clamps);
	RUN(quiz_grade__true_false);
	RUN(quiz_grade__numeric_tolerance_kinds);
	RUN(quiz_grade__numeric_several_answers_and_catch_all);
	RUN(quiz_grade__numeric_units_and_unit_penalty);
	RUN(quiz_grade__money_with_its_unit_first_and_no_penalty);
	RUN(quiz_grade__short_answer_patterns);
	RUN(quiz_grade__matching_counts_right_pairs);
	RUN(quiz_order__moodle_rules_by_hand);
	RUN(quiz_grade__ordering_response);
	RUN(quiz_attempt__penalty_per_extra_try);
	RUN(quiz_attempt__refuses_tries_after_finish_and_ungradable_is_free);
	RUN(quiz_attempt__shuffles_are_frozen_by_the_seed);
	RUN(quiz_attempt__ordering_is_never_handed_out_solved);
	RUN(quiz_attempt__draws_from_pools);
	RUN(quiz_attempt__draws_prefer_what_was_seen_least);
	RUN(quiz_attempt__time_limit_and_score);
	RUN(quiz_gift__exports_what_moodle_reads_back);
	RUN(quiz_gift__imports_moodles_examples);
	RUN(quiz_gift__round_trips_a_real_quiz);
	return done();
}
