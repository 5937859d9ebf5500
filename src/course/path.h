/*
 * A module's core path: what a trainer runs in the module's minutes, in order. It is the
 * module's core pages, each followed by the core exercises it introduces, then the core
 * exercises no page introduces, then the module's quiz. Going-further pages and exercises
 * come after, apart: outside the path, the agenda and the pacing figures.
 *
 * Every item has expected minutes: a page's from module.yaml or its words, an exercise's from
 * its exercise.yaml, a quiz's from its file or its questions. `lambda-tutor lint` fails when a
 * module's core path takes longer than the module's minutes.
 *
 * Items borrow from the course, the exercise set and the quiz set, which must outlive the path.
 */
#ifndef COURSE_PATH_H
#define COURSE_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "course/course.h"
#include "course/exercise_load.h"
#include "quiz/quiz.h"

enum path_kind {
	PATH_PAGE,
	PATH_EXERCISE,
	PATH_QUIZ,
};

struct path_item {
	enum path_kind kind;
	bool further;              /* going further, outside the core path */
	long page;                 /* PATH_PAGE: index in the module's pages */
	const struct exercise *ex; /* PATH_EXERCISE */
	const struct quiz *quiz;   /* PATH_QUIZ */
	const char *id, *title;
	int minutes;
};

struct module_path {
	struct path_item *items; /* the core path in order, then the going-further items */
	size_t n_items;
	size_t n_core; /* items[0..n_core-1] are the core path */
	int minutes;   /* of the core path */
	int page_minutes, exercise_minutes, quiz_minutes;
	int further_minutes; /* of the going-further items */
};

struct course_path {
	struct module_path *modules; /* one per module of the course */
	size_t n_modules;
};

/*
 * The path of every module. exercises and quizzes may be NULL (or lack an item: an exercise or
 * quiz that did not load is left out). Caller frees with course_path_free().
 */
struct course_path *course_path_build(const struct course *course,
				      const struct exercise_set *exercises,
				      const struct quiz_set *quizzes);
void course_path_free(struct course_path *path);
/*
 * Load the course's exercises and quizzes (their problems are lint's to report, and left out
 * here) and build the path on them. The caller frees all three: course_path_free(),
 * exercise_set_free(), quiz_set_free().
 */
struct course_path *course_path_load(const struct course *course, struct exercise_set **exercises,
				     struct quiz_set **quizzes);

/* "page", "exercise", "quiz". */
const char *path_kind_name(enum path_kind kind);

/*
 * Report every module whose core path takes longer than its minutes, at the module's
 * `minutes` in module.yaml.
 */
void course_path_lint(const struct course *course, const struct course_path *path, struct diags *d);

#endif
