/*
 * The trainer's view of a room, as pure functions of the learners' events: where each learner
 * is (module and step), how long on the step, failed checks, hints, quiz scores, last activity
 * and a state; the agenda of the session and whether the room is ahead or behind it; the heat
 * map of learners by module; the raised hands; the answers a quiz question drew.
 */
#ifndef CLASS_ROSTER_H
#define CLASS_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "class/class.h"

struct course;

/* No activity for this long makes a learner idle. */
#define ROSTER_IDLE_MS (5 * 60 * 1000)
/* Stuck: this many failed checks in a row on one exercise, */
#define ROSTER_STUCK_FAILS 3
/* or this many times the room's median time on a step, and at least ROSTER_STUCK_MIN_MS. */
#define ROSTER_STUCK_FACTOR 2.0
#define ROSTER_STUCK_MIN_MS (4 * 60 * 1000)

enum roster_state {
	ROSTER_ACTIVE,
	ROSTER_IDLE,
	ROSTER_STUCK,
	ROSTER_DONE,
	ROSTER_UNREADABLE, /* the file could not be read: see the learner's problem */
	ROSTER_NSTATES,
};

struct roster_row {
	const struct class_learner *learner; /* borrowed */
	long module;                         /* index in the course; -1 before the first page */
	long step;                       /* page index in the module; -1 before the first page */
	const char *module_id, *page_id; /* borrowed from the events; NULL before the first page */
	int64_t step_since_ms;           /* when the learner came to this step */
	int64_t last_ms;                 /* last activity; 0 for none */
	int failed_checks, fail_streak;  /* all failed runs; failed runs in a row on one exercise */
	int failed_open; /* failed runs of exercises not passed since: fixed ones no longer count */
	/* Where the learner is on the core path by its exercises and quizzes, not pages (which
	 * can be skipped): the first module not finished, plus the share of its core exercises
	 * passed and its quiz taken (its core pages read, for a module with neither). */
	double progress;
	int hints, solutions;
	size_t pages_viewed; /* distinct pages */
	double *quiz_best;   /* per course module, best finished percent; NAN for none; owned */
	bool hand;           /* a hand is up */
	char *hand_note;     /* the hand's note, or NULL; owned */
	int64_t hand_ms;
	/* What the learner is failing on: the exercise of the current fail streak (NULL when
	 * the last run passed), since when, and the last failure's first failing task. */
	const char *fail_exercise; /* borrowed */
	int64_t fail_since_ms;
	char *fail_message; /* "task: got …" or the run's error; owned, NULL when none */
	/* The troubleshooting scenario last started or reset (NULL: none), since when, and
	 * when a check of it first passed after that (0: not fixed yet). */
	const char *scenario; /* borrowed */
	int64_t scenario_since_ms, scenario_fixed_ms;
	/* Events a class server refused (its STORE_REFUSED notes) and the last one's reason. */
	int refused;
	char *refused_why; /* owned, NULL when none */
	enum roster_state state;
};

struct roster {
	struct roster_row *rows;
	size_t n;
	size_t n_modules;
	int64_t median_step_ms; /* over active learners; 0 when none */
	/* heat[m * ROSTER_NSTATES + s]: learners in module m (index) with state s */
	size_t *heat;
	size_t not_started[ROSTER_NSTATES];
};

/*
 * Summarise every learner of room against course (module and page order, pages to view) as of
 * now_ms, then give each a state. Release with roster_release().
 */
void roster_build(struct roster *r, const struct class_room *room, const struct course *course,
		  int64_t now_ms);
void roster_release(struct roster *r);
/* "active", "idle", "stuck", "done", "unreadable" */
const char *roster_state_name(enum roster_state state);

/* The session's agenda: the course's modules as segments of their minutes. */
struct roster_agenda {
	long segment; /* module index due now; n_modules when the session is over; -1 before */
	double segment_frac; /* how far into it, 0..1 */
	double expected;     /* where the room should be: segment + fraction */
	double room;         /* where the room is: the median of the learners' progress */
	int64_t elapsed_ms, total_ms;
	int64_t left_in_segment_ms;
};
void roster_agenda(const struct roster *r, const struct course *course, int64_t started_ms,
		   int64_t now_ms, struct roster_agenda *out);
/* Whole minutes left in the segment due now, rounded up: 20 at the start of a 20-minute one. */
long roster_minutes_left(const struct roster_agenda *ag);

/*
 * The page a presenter shows as the agenda moves: the segment's module, and the page as far
 * into it as the segment is; *m is -1 before the session and after it.
 */
void roster_present_page(const struct course *course, const struct roster_agenda *ag, long *m,
			 long *p);

/* Learners with a hand up, oldest first: indices into r->rows. Caller frees. */
size_t *roster_hands(const struct roster *r, size_t *n);

struct quiz_question;

/* How often each response to question was given as a last try of a first attempt. */
struct roster_answer {
	char *response; /* owned */
	size_t count;
	size_t right; /* of them with fraction 1 */
	char *label;  /* the chosen options' text for choice questions, else NULL; owned */
};
/*
 * Sorted by count, most first. Labels come from the copy of the question an attempt stored,
 * so they are the text the learners saw. Caller frees with roster_answers_free().
 */
struct roster_answer *roster_answers(const struct class_room *room, const char *question,
				     size_t *n);
void roster_answers_free(struct roster_answer *a, size_t n);
/* "Amazon S3; Amazon SNS" for the indices a choice response names; NULL for other types or a
 * response that names none. Caller frees. */
char *roster_response_label(const struct quiz_question *q, const char *response);
/* The question as a learner's attempt stored it (text, options), or NULL when none did. */
struct quiz_question *roster_question(const struct class_room *room, const char *question);
/* Ids of the readable learners with no try at question yet, in room order. Caller frees the
 * array; the ids are borrowed from room. */
const char **roster_unanswered(const struct class_room *room, const char *question, size_t *n);

#endif
