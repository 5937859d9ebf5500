/*
 * Exports of a room: grades.csv with nbgrader's columns, a wide CSV (one column per quiz
 * question and exercise), a long CSV (one row per learner x item x try), item statistics as
 * CSV, and xAPI 1.0.3 statements as JSON lines with ids that stay the same on every export
 * (reference/assessment.md, sections 3, 4 and 6). Also the item analysis the statistics
 * command prints, and merging files exported before.
 */
#ifndef CLASS_EXPORT_H
#define CLASS_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "class/class.h"
#include "class/stats.h"
#include "core/error.h"
#include "core/strbuf.h"

enum export_format {
	EXPORT_GRADES,
	EXPORT_WIDE,
	EXPORT_LONG,
	EXPORT_ITEMS,
	EXPORT_XAPI
};

/* Which finished attempts of each learner the item analysis takes (Moodle's choice). */
enum export_attempts {
	EXPORT_FIRST,
	EXPORT_LAST,
	EXPORT_HIGHEST,
	EXPORT_ALL
};

struct review_set;

struct quiz_set;
struct titles;

struct export_opts {
	enum export_format format;
	enum export_attempts attempts;    /* items */
	const char *quiz;                 /* items: only this quiz; NULL for every quiz */
	const char *base;                 /* xAPI IRIs start here, e.g. "https://tutor.example" */
	const char *course_id;            /* xAPI: the course activity's last segment */
	const struct review_set *reviews; /* the class's reviews of the final project, or NULL */
	/* xAPI: the course's quizzes, which define the live questions' interactions; NULL:
	 * a live answer's statement carries no components. */
	const struct quiz_set *quizzes;
	/* What the course calls each activity (class/titles.h): xAPI names activities by it, and
	 * every export marks a check run of an exercise it lacks. NULL: ids are trusted. */
	const struct titles *titles;
};

/* The status of a check run of an exercise the course does not have, in every export: the
 * run credits nothing, its columns are named "<id> (not in the course)", and no xAPI
 * statement is made of it. */
#define EXPORT_NOT_IN_COURSE "not in the course"

/*
 * How many check runs of room's readable records name an exercise that t (the course) does
 * not have; ids gets them, each once, as "'a', 'b'". 0 when t knows no exercises.
 */
size_t export_unknown_exercises(const struct class_room *room, const struct titles *t,
				struct strbuf *ids);

/* -1 when name is none of grades, wide, long, items, xapi. */
int export_format_from_name(const char *name);
int export_attempts_from_name(const char *name);

/* Append room in o->format to out. */
void export_room(const struct class_room *room, const struct export_opts *o, struct strbuf *out);

/* One option or response of an item, for the distractor table. */
struct analysis_choice {
	char *response; /* as recorded; owned */
	size_t count;
	double mean_total; /* mean test score of those who chose it, % of the test's max */
};

struct analysis_item {
	char *question; /* owned */
	char *type;     /* owned, or NULL */
	double max;
	struct stats_item st;
	struct analysis_choice *choices; /* most chosen first */
	size_t n_choices;
};

struct analysis {
	char *quiz;
	struct analysis_item *items; /* in order of first appearance in the attempts */
	size_t n_items;
	struct stats_test test;
};

/* The item analysis of quiz over room's finished attempts. Release with analysis_release(). */
void analysis_build(const struct class_room *room, const char *quiz, enum export_attempts which,
		    struct analysis *out);
void analysis_release(struct analysis *a);
/* The ids of the quizzes anyone attempted, sorted. Caller frees each and the array. */
char **export_quizzes(const struct class_room *room, size_t *n);

/*
 * The xAPI statement id of a learner's event: a name-based UUID (version 5, SHA-1) of
 * "<learner>/<event id>", so a second export gives the same ids. out holds 37 bytes.
 */
void export_uuid(const char *learner, int64_t event_id, char out[37]);

/*
 * Merge files exported before, all of one format: CSVs must share their header, and each
 * record appears once; xAPI lines appear once per statement id. False and err on a file
 * that cannot be read or does not match the first.
 */
bool export_merge(char *const *paths, size_t n, struct strbuf *out, struct error *err);

#endif
