/*
 * Quizzes as pure logic: the question model (Moodle's, see quizzes/README.md), grading of every
 * type, and the attempt state machine (draws, shuffles frozen by a seed, tries with penalties,
 * time limit, score). Nothing here reads files or the clock: times come in as arguments.
 *
 * A quiz owns its questions and every string in them; attempts hold their own copies of the
 * questions they were started with, so an attempt outlives edits to the quiz it came from.
 */
#ifndef QUIZ_QUIZ_H
#define QUIZ_QUIZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define QUIZ_HASH_LEN         64 /* hex SHA-256 */
#define QUIZ_DEFAULT_PENALTY  0.3333333
#define QUIZ_DEFAULT_UNIT_PEN 0.1
#define QUIZ_DEFAULT_PASS     50.0

enum quiz_type {
	QUIZ_MC,       /* single choice */
	QUIZ_MC_MULTI, /* multiple choice */
	QUIZ_TF,       /* true or false: answers[0] is True, answers[1] is False */
	QUIZ_NUMERIC,
	QUIZ_SHORT,
	QUIZ_MATCH, /* answers[i] is a pair: text = item, match = answer */
	QUIZ_ORDER, /* answers[] are the items in their correct order */
};

enum quiz_tolerance {
	QUIZ_TOL_NOMINAL,
	QUIZ_TOL_RELATIVE,
	QUIZ_TOL_GEOMETRIC
};

/* Moodle's ordering grading types (qtype_ordering), in its order. */
enum quiz_grading {
	QUIZ_GRADE_ALL_OR_NOTHING,
	QUIZ_GRADE_ABSOLUTE_POSITION,
	QUIZ_GRADE_RELATIVE_NEXT_EXCLUDE_LAST,
	QUIZ_GRADE_RELATIVE_NEXT_INCLUDE_LAST,
	QUIZ_GRADE_RELATIVE_ONE_PREVIOUS_AND_NEXT,
	QUIZ_GRADE_RELATIVE_ALL_PREVIOUS_AND_NEXT,
	QUIZ_GRADE_LONGEST_ORDERED_SUBSET,
	QUIZ_GRADE_LONGEST_CONTIGUOUS_SUBSET,
	QUIZ_GRADE_RELATIVE_TO_CORRECT,
	QUIZ_GRADE_COUNT
};

/* One option (mc, mc_multi, tf), answer (numeric, short), pair (match) or item (order). */
struct quiz_answer {
	char *text;     /* option text, short-answer pattern, match item, order item */
	char *match;    /* match: the item's answer */
	char *feedback; /* or NULL */
	double fraction;
	/* numeric */
	bool any; /* value "*": matches every number */
	double value, tolerance;
	enum quiz_tolerance tol_type;
};

struct quiz_unit {
	char *name;
	double multiplier;
};

struct quiz_question {
	char *id;
	enum quiz_type type;
	char *text;
	char *code;             /* Markdown shown under the text, or NULL */
	char *general_feedback; /* or NULL */
	double mark, penalty;
	bool shuffle;
	bool case_sensitive;       /* short */
	enum quiz_grading grading; /* order */
	double unit_penalty;       /* numeric */
	char **hints;
	size_t n_hints;
	char **tags;
	size_t n_tags;
	char **review; /* "module-id/page-id" */
	size_t n_review;
	struct quiz_answer *answers;
	size_t n_answers;
	char **distractors; /* match */
	size_t n_distractors;
	struct quiz_unit *units; /* numeric */
	size_t n_units;
	char *canon; /* canonical JSON: the copy stored with an attempt; may be NULL */
	char hash[QUIZ_HASH_LEN + 1];
	int line, col; /* where the question starts in its file; 0 for a stored copy */
};

struct quiz_draw {
	char *from; /* pool or quiz id */
	size_t count;
	char **tags; /* only questions with one of these; none: all */
	size_t n_tags;
	int line, col;
};

struct quiz {
	char *id;
	char *title;
	char *intro; /* or NULL */
	char *path;  /* the file it came from */
	bool pool;
	double pass;           /* percent */
	int64_t time_limit_ms; /* 0: none */
	int minutes;           /* expected minutes as the file sets them; 0: see quiz_minutes() */
	int attempts;          /* 0: unlimited */
	bool shuffle_questions, shuffle_options;
	struct quiz_question **questions;
	size_t n_questions;
	struct quiz_draw *draws;
	size_t n_draws;
	char hash[QUIZ_HASH_LEN + 1]; /* SHA-256 of the file's bytes */
};

/* Every quiz and pool of a course. Owns its quizzes. */
struct quiz_set {
	struct quiz **quizzes;
	size_t n;
};

/* The type's name in files ("mc", "mc_multi", ...) and back. quiz_type_from_name: -1 if none. */
const char *quiz_type_name(enum quiz_type type);
int quiz_type_from_name(const char *name);
const char *quiz_grading_name(enum quiz_grading grading);
int quiz_grading_from_name(const char *name);

/* No-op on NULL or a half-built question. */
void quiz_question_free(struct quiz_question *q);
/* A deep copy. Caller frees with quiz_question_free(). */
struct quiz_question *quiz_question_dup(const struct quiz_question *q);
void quiz_free(struct quiz *quiz);
void quiz_set_free(struct quiz_set *set);
/* Lookups; NULL when absent. Borrowed. */
struct quiz *quiz_set_find(const struct quiz_set *set, const char *id);
const struct quiz_question *quiz_set_find_question(const struct quiz_set *set, const char *id);
/* Number of questions of quiz that carry one of tags (all of them when n_tags is 0). */
size_t quiz_count_tagged(const struct quiz *quiz, char *const *tags, size_t n_tags);
/* Seconds a question is expected to take, for a quiz that does not set its minutes. */
#define QUIZ_SECONDS_PER_QUESTION 20
/* Questions an attempt holds: the quiz's own and what its draws add. */
size_t quiz_attempt_size(const struct quiz *quiz);
/*
 * The minutes a quiz is expected to take: as its file sets them, else QUIZ_SECONDS_PER_QUESTION
 * for each question of an attempt, rounded up.
 */
int quiz_minutes(const struct quiz *quiz);
/* The maximum number of tries: hints + 1. */
size_t quiz_question_tries(const struct quiz_question *q);

/* ---- grading ---- */

enum quiz_state {
	QUIZ_WRONG,
	QUIZ_PARTIAL,
	QUIZ_RIGHT
};

struct quiz_grade {
	bool valid;      /* false: the response cannot be graded and is not a try */
	char why[128];   /* when !valid: what to fix ("select at least one option") */
	double fraction; /* 0..1 */
	enum quiz_state state;
	long matched;    /* mc, tf, numeric, short: index of the answer that gave the fraction */
	bool unit_wrong; /* numeric: the unit penalty was taken */
};

/*
 * Grade a response (the text form of quizzes/README.md, "Records") to q. Pure: the same
 * question and response always give the same grade.
 */
void quiz_grade(const struct quiz_question *q, const char *response, struct quiz_grade *out);
/* The answer menu of a match question: pairs' answers then distractors. count = n_answers +
 * n_distractors. */
const char *quiz_match_choice(const struct quiz_question *q, size_t i);
size_t quiz_match_choice_count(const struct quiz_question *q);
/* A response that scores 1 for q (for tests, the review screen and lint). Caller frees. */
char *quiz_correct_response(const struct quiz_question *q);
/*
 * The numeric value of a learner's number ("10,240", "1.5e3", " 12 "), false when it is not
 * one. unit receives what follows the number, trimmed (may be empty); borrowed from s.
 */
bool quiz_parse_number(const char *s, double *value, const char **unit);
/* Whether text matches a short-answer pattern ('*' any text, "\*" a star). */
bool quiz_pattern_match(const char *pattern, const char *text, bool case_sensitive);
/* Moodle's tolerance interval of a numeric answer. */
void quiz_tolerance_interval(const struct quiz_answer *a, double *min, double *max);
/* Ordering fraction of the learner's order (indices into the correct order), n items. */
double quiz_order_fraction(enum quiz_grading grading, const size_t *order, size_t n);
/*
 * How one row of an arranged ordering question is marked when the answer is shown: 1 when the
 * item at row earns its credit under grading, -1 when it does not, 0 when the grading type
 * scores the whole arrangement and no single row can be said to be right or wrong.
 */
int quiz_order_row_mark(enum quiz_grading grading, const size_t *order, size_t n, size_t row);

/* ---- attempts ---- */

/* A small seeded PRNG (splitmix64): the same seed gives the same shuffles everywhere. */
struct quiz_rng {
	uint64_t state;
};
uint64_t quiz_rng_next(struct quiz_rng *rng);
/* Uniform in [0, n). n > 0. */
size_t quiz_rng_below(struct quiz_rng *rng, size_t n);
/* Fisher-Yates shuffle of v[0..n). */
void quiz_rng_shuffle(struct quiz_rng *rng, size_t *v, size_t n);

struct quiz_try {
	char *response;
	double fraction; /* raw grade */
	double penalty;  /* penalty * (try number - 1), taken off the fraction */
	double mark;     /* max(0, fraction - penalty) * question mark */
	double seconds;  /* time spent on this try */
	int64_t at_ms;
};

struct quiz_slot {
	struct quiz_question *q; /* owned copy */
	size_t *order;           /* presentation order of answers[] (match: of the items) */
	size_t n_order;
	size_t *menu; /* match: presentation order of the answer menu */
	size_t n_menu;
	struct quiz_try *tries;
	size_t n_tries;
	bool finished;
	bool edited; /* the quiz file now holds a different version of this question */
};

enum quiz_finish_reason {
	QUIZ_FINISH_SUBMITTED,
	QUIZ_FINISH_TIME
};

struct quiz_attempt {
	char *quiz_id;
	char *quiz_title;
	int number; /* 1 for the learner's first attempt at this quiz */
	uint64_t seed;
	double pass; /* percent */
	int64_t started_ms;
	int64_t deadline_ms; /* 0: no time limit */
	int64_t finished_ms; /* 0 while open */
	enum quiz_finish_reason reason;
	struct quiz_slot *slots;
	size_t n_slots;
};

/*
 * Start attempt number of quiz: take its questions, draw from the set's pools, shuffle as the
 * quiz says, all from seed. NULL and err when a draw cannot be made (lint prevents it).
 * Caller frees with quiz_attempt_free().
 */
struct quiz_attempt *quiz_attempt_start(const struct quiz *quiz, const struct quiz_set *set,
					int number, uint64_t seed, int64_t now_ms,
					struct error *err);
/*
 * The same, with the ids of questions the learner was given in earlier attempts (repeated once
 * per attempt): draws take the least seen first, as Moodle does.
 */
struct quiz_attempt *quiz_attempt_start_seen(const struct quiz *quiz, const struct quiz_set *set,
					     int number, uint64_t seed, int64_t now_ms,
					     char *const *seen, size_t n_seen, struct error *err);
void quiz_attempt_free(struct quiz_attempt *a);

/* Whether the attempt can take tries at now_ms (open, and before its deadline). */
bool quiz_attempt_open(const struct quiz_attempt *a, int64_t now_ms);
/* Penalty the next try of slot carries, as a fraction of the question's mark. */
double quiz_slot_next_penalty(const struct quiz_slot *slot);
/* The slot's mark so far (0 when unanswered), out of q->mark. */
double quiz_slot_mark(const struct quiz_slot *slot);

/*
 * Submit a try on slot i. Grades it into *grade. A response that cannot be graded fills grade
 * (valid false) and returns true without a try. Returns false and err when no try is allowed
 * (the question or attempt is finished, the time is up). On success the try is the slot's last.
 */
bool quiz_attempt_submit(struct quiz_attempt *a, size_t i, const char *response, double seconds,
			 int64_t now_ms, struct quiz_grade *grade, struct error *err);
/*
 * Replay a stored try exactly as recorded (resume): fraction and marks are recomputed by the
 * rules and must agree with the record. False and err when the try does not fit the attempt.
 */
bool quiz_attempt_replay(struct quiz_attempt *a, size_t i, const char *response, double seconds,
			 int64_t at_ms, struct error *err);
/* Finish the attempt (idempotent). */
void quiz_attempt_finish(struct quiz_attempt *a, int64_t now_ms, enum quiz_finish_reason reason);
/* Sum of marks and of maximum marks. */
void quiz_attempt_score(const struct quiz_attempt *a, double *score, double *max);
double quiz_attempt_percent(const struct quiz_attempt *a);
bool quiz_attempt_passed(const struct quiz_attempt *a);
/* Index of the slot holding question id, or -1. */
long quiz_attempt_slot(const struct quiz_attempt *a, const char *id);

#endif
