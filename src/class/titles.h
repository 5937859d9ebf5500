/*
 * What the course calls the activities a record names: the title and a description of each
 * module, page, quiz, question, exercise and criterion of the final project's rubric, for the
 * definitions of xAPI statements (xAPI-Data 2.4.4.1: name and description are language maps)
 * and for telling a record's ids the course knows from those it does not.
 */
#ifndef CLASS_TITLES_H
#define CLASS_TITLES_H

#include <stdbool.h>
#include <stddef.h>

struct course;
struct quiz_set;

enum titles_kind {
	TITLES_MODULE,
	TITLES_PAGE, /* id "module/page" */
	TITLES_QUIZ,
	TITLES_QUESTION,
	TITLES_EXERCISE,
	TITLES_CRITERION,
	TITLES_PROJECT
};

struct titles;

/*
 * The names of course's activities: its modules and pages, quizzes' and their questions'
 * (quizzes may be NULL), its exercises (title, and the brief's first paragraph), and the
 * criteria of the final project's rubric (COURSE/../project/final-project/rubric.yaml) when
 * it is there. Caller frees with titles_free().
 */
struct titles *titles_load(const struct course *course, const struct quiz_set *quizzes);
void titles_free(struct titles *n);

/*
 * The name and description (either may be "") of kind's activity id, borrowed until
 * titles_free(); false when the course has no such activity. n may be NULL (false).
 */
bool titles_find(const struct titles *n, enum titles_kind kind, const char *id, const char **name,
		 const char **description);

/* How many activities of kind n holds; 0 when n is NULL. */
size_t titles_count(const struct titles *n, enum titles_kind kind);

/* A question's short name: the first sentence of its text, Markdown's marks kept, on one
 * line, at most about 90 characters (cut at a word, with "…"). Caller frees. */
char *titles_question_name(const char *text);

#endif
