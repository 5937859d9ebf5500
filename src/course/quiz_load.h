/*
 * Quizzes from YAML (quizzes/README.md is the format): one file per quiz or pool, read into
 * quiz/quiz.h's structs through the located YAML tree, with every lint rule reported as
 * "path:line:col: message". A question's canonical JSON (its hash and the copy an attempt keeps)
 * is made here too, since it is a view of the YAML node.
 */
#ifndef COURSE_QUIZ_LOAD_H
#define COURSE_QUIZ_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/error.h"
#include "course/course.h"
#include "quiz/quiz.h"

/*
 * Parse one quiz file's text. Problems go to d; the quiz is returned anyway with what could be
 * read (NULL only when the YAML itself is broken), so that cross-file checks still run. With
 * course, review links are checked against its pages. Caller frees with quiz_free().
 */
struct quiz *quiz_parse(const char *text, size_t len, const char *path, const struct course *course,
			struct diags *d);

/*
 * Load every *.yaml of dir (in name order), then check what spans files: duplicate quiz and
 * question ids, draws from unknown pools or larger than the pool. Never NULL (an unreadable
 * folder is one diagnostic). Caller frees with quiz_set_free().
 */
struct quiz_set *quiz_set_load(const char *dir, const struct course *course, struct diags *d);
/* The cross-file checks of quiz_set_load(), for a set built by other means. */
void quiz_set_check(const struct quiz_set *set, struct diags *d);

/*
 * The lint hook of the course: load the course's quizzes (if it has a quizzes folder), check
 * them, and check that each module's `quiz:` names a quiz of the set. With use_cache, a clean
 * answer is remembered and taken again while the quizzes, the course's ids and this program
 * stay the same (course/lint_cache.h says when caches are off).
 */
void quiz_lint_course(const struct course *course, bool use_cache, struct diags *d);

/*
 * Parse a question's canonical JSON (the copy an attempt stored); matches
 * quiz_question_parse_fn. NULL and err when it does not parse or does not lint.
 * Caller frees with quiz_question_free().
 */
struct quiz_question *quiz_question_parse(const char *text, size_t len, struct error *err);

#endif
