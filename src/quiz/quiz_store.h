/*
 * Attempts kept in the learner's records (store.h): each start, try and finish is appended and
 * committed before the caller shows it as saved, and an unfinished attempt is rebuilt from the
 * log after a restart or a crash. Grading stays in quiz.c; this file only moves records.
 */
#ifndef QUIZ_QUIZ_STORE_H
#define QUIZ_QUIZ_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "quiz/quiz.h"
#include "quiz/record.h"

struct store;

/* What the log says about one quiz. */
struct quiz_history {
	int started;  /* attempts started */
	int finished; /* attempts finished */
	int open;     /* number of the unfinished attempt, 0 when none */
	bool passed;  /* some finished attempt passed */
	double best;  /* best percentage of a finished attempt (the quiz's grade), -1 when none */
	double last;  /* percentage of the last finished attempt, -1 when none */
};

bool quiz_store_history(struct store *store, const char *quiz_id, struct quiz_history *out,
			struct error *err);

/*
 * The unfinished attempt at quiz, rebuilt from its stored copy and replayed try by try; *out is
 * NULL when there is none. Questions whose version in set differs from the copy are marked
 * edited. An attempt found past its deadline is finished (and recorded) as of the deadline.
 * Caller frees *out with quiz_attempt_free().
 */
bool quiz_store_resume(struct store *store, const struct quiz *quiz, const struct quiz_set *set,
		       quiz_question_parse_fn parse, int64_t now_ms, struct quiz_attempt **out,
		       struct error *err);

/*
 * Start and record a new attempt. Refused (NULL, err) when an attempt is still open or the
 * attempt limit is reached. Caller frees with quiz_attempt_free().
 */
struct quiz_attempt *quiz_store_start(struct store *store, const struct quiz *quiz,
				      const struct quiz_set *set, uint64_t seed, int64_t now_ms,
				      struct error *err);

/*
 * Submit a try and record it. A response that cannot be graded returns true with grade->valid
 * false and records nothing. When the record cannot be written, the try is taken back and
 * false is returned: nothing is shown as saved that is not.
 */
bool quiz_store_submit(struct store *store, struct quiz_attempt *a, size_t slot,
		       const char *response, double seconds, int64_t now_ms,
		       struct quiz_grade *grade, struct error *err);

/* Finish the attempt and record its score. */
bool quiz_store_finish(struct store *store, struct quiz_attempt *a, int64_t now_ms,
		       enum quiz_finish_reason reason, struct error *err);

/*
 * Close the open attempt at quiz_id without a score (a quiz_finish with reason "abandoned" and
 * why), for an attempt whose records cannot be replayed, so that the learner can start anew.
 * True when there was nothing to close.
 */
bool quiz_store_abandon(struct store *store, const char *quiz_id, const char *why, int64_t now_ms,
			struct error *err);

/* A seed for a new attempt from the clock and the process id. */
uint64_t quiz_store_seed(int64_t now_ms);

#endif
