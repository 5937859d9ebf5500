/*
 * The course as loaded from its folder: course.yaml, one folder per module with module.yaml,
 * and the Markdown pages. Structure comes from YAML, prose from Markdown
 * (lessons/README.md documents the format for authors).
 *
 * Every string is owned by the course and valid until course_free(). Screens, the store and
 * the checker only borrow.
 */
#ifndef COURSE_COURSE_H
#define COURSE_COURSE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"

#define COURSE_HASH_LEN 64 /* hex SHA-256 */

/* Reading speed the pages' expected minutes are counted at, unless a page sets its own. */
#define COURSE_WORDS_PER_MINUTE 200

struct course_page {
	char *id; /* unique within its module */
	char *title;
	char *file;                     /* absolute path of the Markdown file */
	char hash[COURSE_HASH_LEN + 1]; /* SHA-256 of the page's bytes: what a record was made on */
	int line, col;                  /* where module.yaml gives the page's id */
	bool further;                   /* going further: outside the module's core path */
	int minutes;      /* as module.yaml sets it; 0: from the words (course_page_minutes()) */
	size_t words;     /* words of the page's text */
	char **exercises; /* ids of the module's exercises this page introduces */
	size_t n_exercises;
};

/* An exercise as its module lists it (the exercise itself is course/exercise_load.h's). */
struct course_exercise_ref {
	char *id;     /* the exercise's folder name and id */
	bool further; /* going further: outside the module's core path */
	int line, col;
};

struct course_module {
	char *id;  /* unique within the course */
	char *dir; /* folder of the module, as course.yaml names it */
	char *title;
	int minutes;
	char **objectives;
	size_t n_objectives;
	/*
	 * The pages: first the core path's in reading order, then the going-further pages in
	 * theirs (pages[n_core..n_pages-1]).
	 */
	struct course_page *pages;
	size_t n_pages;
	size_t n_core;
	struct course_exercise_ref *exercises; /* in module.yaml's order */
	size_t n_exercises;
	char *quiz;          /* id of the module's quiz, or NULL */
	int id_line, id_col; /* where module.yaml gives the module's id */
	int minutes_line, minutes_col;
	int quiz_line, quiz_col; /* where module.yaml names the quiz */
	char *yaml_path;         /* module.yaml as the course folder was given, for diagnostics */
};

struct course {
	char *root; /* the folder holding course.yaml */
	char *id;
	char *title;
	char *summary;
	int minutes;
	char *quiz_dir;     /* resolved folder of quizzes, or NULL */
	char *scenario_dir; /* resolved folder of scenarios, or NULL */
	struct course_module *modules;
	size_t n_modules;
	char *yaml_path;  /* course.yaml as the course folder was given, for diagnostics */
	bool lint_cached; /* course_load_checked() took a recorded clean lint's word */
};

/*
 * Whether dir is a folder holding a course.yaml. If not, fills err with
 * "cannot open course 'dir': no course.yaml" (or "no such folder", "not a folder"): a usage
 * error, exit 2.
 */
bool course_exists(const char *dir, struct error *err);

/*
 * Load the course in dir. Every problem found goes to d as "path:line:col: message", and
 * then NULL is returned: a course that does not lint is never handed to a learner.
 * The caller owns the result and releases it with course_free().
 */
struct course *course_load(const char *dir, struct diags *d);
/* No-op on NULL or a half-built course. */
void course_free(struct course *course);

/*
 * course_load() plus the checks that reach outside the course's own folder: the quizzes its
 * modules name, and the exercises. This is what `lambda-tutor lint` runs, every check every
 * time. NULL when anything was reported to d. The caller frees the result with course_free().
 */
struct course *course_load_linted(const char *dir, struct diags *d);
/*
 * What the tutor starts from: the answer of course_load_linted(), taken from the record of a
 * clean lint while no file of the course, its quizzes or this program has changed since
 * (course/lint_cache.h), and recorded after a clean lint otherwise.
 */
struct course *course_load_checked(const char *dir, struct diags *d);
/* Lint the whole course (course_load_linted() without the result). True when d gained nothing. */
bool course_lint(const char *dir, struct diags *d);

/* Lookups; NULL when absent. Borrowed. */
const struct course_module *course_find_module(const struct course *course, const char *id);
const struct course_page *course_find_page(const struct course_module *module, const char *id);
/* Index of a module or page, or -1. */
long course_module_index(const struct course *course, const char *id);
long course_page_index(const struct course_module *module, const char *id);

/* The page's Markdown text. Caller frees. NULL and err on failure. */
char *course_page_text(const struct course *course, const struct course_page *page, size_t *len,
		       struct error *err);
/* The total number of pages in the course. */
size_t course_page_count(const struct course *course);
/* The pages of the core paths of all modules (going-further pages left out). */
size_t course_core_page_count(const struct course *course);
/*
 * A page's expected minutes: as module.yaml sets them, else its words at
 * COURSE_WORDS_PER_MINUTE, rounded to the nearest minute and at least 1.
 */
int course_page_minutes(const struct course_page *page);
/* The words of a Markdown text, as a reader counts them (code and markup included). */
size_t course_count_words(const char *text, size_t len);

#endif
