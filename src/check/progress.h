/*
 * Where a learner stands on each exercise, derived from their records: the check runs and the
 * solutions revealed, as rustlings' list shows it. Never stored: computed again from the log.
 */
#ifndef CHECK_PROGRESS_H
#define CHECK_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "course/exercise_load.h"
#include "course/path.h"
#include "quiz/quiz_store.h"

struct store;

enum progress_state {
	PROGRESS_NOT_STARTED, /* no check has run */
	PROGRESS_FAILING,     /* the last run failed a task */
	PROGRESS_ERROR,       /* the last run could not run (no handler file, no cloud) */
	PROGRESS_PASSED,      /* a run passed every task */
};

struct exercise_progress {
	const struct exercise *ex; /* borrowed from the set */
	enum progress_state state;
	bool solution_seen;  /* the reference solution was revealed */
	bool solution_first; /* ... before any passing run */
	size_t runs;
	int64_t last_ms; /* when the last check ran; 0: never */
	size_t last_passed, last_total;
	char *failing_task; /* the last run's first failing task: its id, or NULL */
	char *failing_text; /* ... and what it asks */
	char *error;        /* PROGRESS_ERROR: why the last run could not run */
	char language[8];   /* of the last run, "" before any */
};

/*
 * The progress of every exercise of set, in the set's order, read from store (NULL: no
 * records, everything not started). Fills *out with set->n entries; false and err when the
 * store cannot be read. Release with progress_free().
 */
bool progress_load(struct store *store, const struct exercise_set *set,
		   struct exercise_progress **out, struct error *err);
void progress_free(struct exercise_progress *p, size_t n);

/*
 * Where a learner stands in a troubleshooting scenario, since it was last started or reset:
 * zero when never started. Read from store (NULL: nothing).
 */
struct scenario_progress {
	int64_t started_ms; /* 0: never started */
	int hints;          /* hint levels revealed since */
	int checks;         /* checks run since */
	int64_t fixed_ms;   /* the first passing check since, or 0 */
};
void scenario_progress_load(struct store *store, const char *id, struct scenario_progress *out);

/* "not started", "failing", "error", "passed". */
const char *progress_state_name(enum progress_state state);
/* Whether the exercise is done: passed (a solution seen or not). */
bool progress_done(const struct exercise_progress *p);

/*
 * The learner's standing on every item of every module's path: pages viewed, exercises as
 * above, each module's quiz taken to the end or not. Borrows course, path and set.
 */
struct course_progress {
	const struct course *course;
	const struct course_path *path;
	const struct exercise_set *set;
	bool **viewed;                /* viewed[m][p] */
	struct exercise_progress *ex; /* one per exercise of set */
	struct quiz_history *quiz;    /* one per module: its quiz's history */
	bool has_records;
};

/* Read it from store (NULL: none). False and err when the store cannot be read. */
bool course_progress_load(struct course_progress *cp, struct store *store,
			  const struct course *course, const struct course_path *path,
			  const struct exercise_set *set, struct error *err);
void course_progress_release(struct course_progress *cp);
/* The progress of exercise ex, or NULL when it is not in the set. Borrowed. */
const struct exercise_progress *course_progress_exercise(const struct course_progress *cp,
							 const struct exercise *ex);
/* Whether item i of module m's path is done: viewed, passed, taken to the end. */
bool course_progress_done(const struct course_progress *cp, size_t m, size_t i);
/*
 * The next item of the core paths that is not done, after item *i of module *m (or from the
 * start when *m < 0), in course order and then from the start again: true and *m, *i set,
 * or false when every core item is done.
 */
bool course_progress_next(const struct course_progress *cp, long *m, long *i);
/*
 * The first exercise not passed: on the core paths first, then going further; NULL when every
 * exercise has passed. Borrowed from the set.
 */
const struct exercise *course_progress_first_unfinished(const struct course_progress *cp);

#endif
