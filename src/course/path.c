/*
 * Building the modules' core paths and checking that each fits its module's minutes.
 */
#include "course/path.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "course/quiz_load.h"

const char *path_kind_name(enum path_kind kind)
{
	switch (kind) {
	case PATH_PAGE:
		return "page";
	case PATH_EXERCISE:
		return "exercise";
	case PATH_QUIZ:
		return "quiz";
	}
	abort();
}

static struct path_item *add(struct module_path *mp)
{
	struct path_item *it = &mp->items[mp->n_items++];
	memset(it, 0, sizeof(*it));
	it->page = -1;
	return it;
}

static void add_page(struct module_path *mp, const struct course_module *m, size_t p)
{
	struct path_item *it = add(mp);
	it->kind = PATH_PAGE;
	it->further = m->pages[p].further;
	it->page = (long)p;
	it->id = m->pages[p].id;
	it->title = m->pages[p].title;
	it->minutes = course_page_minutes(&m->pages[p]);
}

static void add_exercise(struct module_path *mp, const struct exercise *ex)
{
	struct path_item *it = add(mp);
	it->kind = PATH_EXERCISE;
	it->further = ex->further;
	it->ex = ex;
	it->id = ex->id;
	it->title = ex->title;
	it->minutes = ex->minutes;
}

/* Whether the exercise is already on the path. */
static bool placed(const struct module_path *mp, const struct exercise *ex)
{
	for (size_t i = 0; i < mp->n_items; i++)
		if (mp->items[i].ex == ex)
			return true;
	return false;
}

static void build_module(struct module_path *mp, const struct course_module *m,
			 const struct exercise_set *exercises, const struct quiz_set *quizzes)
{
	mp->items = xcalloc(m->n_pages + m->n_exercises + 2, sizeof(*mp->items));
	/* The core: pages and what they introduce, the rest of the exercises, the quiz. */
	for (size_t p = 0; p < m->n_core; p++) {
		add_page(mp, m, p);
		for (size_t k = 0; k < m->pages[p].n_exercises; k++) {
			const struct exercise *ex =
				exercise_find(exercises, m->pages[p].exercises[k]);
			if (ex && !ex->further && !placed(mp, ex))
				add_exercise(mp, ex);
		}
	}
	for (size_t i = 0; i < m->n_exercises; i++) {
		const struct exercise *ex = exercise_find(exercises, m->exercises[i].id);
		if (ex && !m->exercises[i].further && !placed(mp, ex))
			add_exercise(mp, ex);
	}
	const struct quiz *q = m->quiz && quizzes ? quiz_set_find(quizzes, m->quiz) : NULL;
	if (q) {
		struct path_item *it = add(mp);
		it->kind = PATH_QUIZ;
		it->quiz = q;
		it->id = q->id;
		it->title = q->title;
		it->minutes = quiz_minutes(q);
	}
	mp->n_core = mp->n_items;
	/* Going further: pages, then exercises. */
	for (size_t p = m->n_core; p < m->n_pages; p++)
		add_page(mp, m, p);
	for (size_t i = 0; i < m->n_exercises; i++) {
		const struct exercise *ex = exercise_find(exercises, m->exercises[i].id);
		if (ex && m->exercises[i].further && !placed(mp, ex))
			add_exercise(mp, ex);
	}
	for (size_t i = 0; i < mp->n_items; i++) {
		const struct path_item *it = &mp->items[i];
		if (i >= mp->n_core) {
			mp->further_minutes += it->minutes;
			continue;
		}
		mp->minutes += it->minutes;
		if (it->kind == PATH_PAGE)
			mp->page_minutes += it->minutes;
		else if (it->kind == PATH_EXERCISE)
			mp->exercise_minutes += it->minutes;
		else
			mp->quiz_minutes += it->minutes;
	}
}

struct course_path *course_path_build(const struct course *course,
				      const struct exercise_set *exercises,
				      const struct quiz_set *quizzes)
{
	struct course_path *cp = xcalloc(1, sizeof(*cp));
	cp->n_modules = course->n_modules;
	cp->modules = xcalloc(cp->n_modules + 1, sizeof(*cp->modules));
	for (size_t i = 0; i < course->n_modules; i++)
		build_module(&cp->modules[i], &course->modules[i], exercises, quizzes);
	return cp;
}

void course_path_free(struct course_path *path)
{
	if (!path)
		return;
	for (size_t i = 0; i < path->n_modules; i++)
		free(path->modules[i].items);
	free(path->modules);
	free(path);
}

void course_path_lint(const struct course *course, const struct course_path *path, struct diags *d)
{
	for (size_t i = 0; i < course->n_modules && i < path->n_modules; i++) {
		const struct course_module *m = &course->modules[i];
		const struct module_path *mp = &path->modules[i];
		if (m->minutes <= 0 || mp->minutes <= m->minutes)
			continue;
		diags_add(d, m->yaml_path, m->minutes_line, m->minutes_col,
			  "the core path takes %d minutes (pages %d, exercises %d, quiz %d), the "
			  "module has %d: mark pages or exercises 'further: true', or shorten them",
			  mp->minutes, mp->page_minutes, mp->exercise_minutes, mp->quiz_minutes,
			  m->minutes);
	}
}

struct course_path *course_path_load(const struct course *course, struct exercise_set **exercises,
				     struct quiz_set **quizzes)
{
	struct diags quiet = DIAGS_INIT;
	*exercises = exercise_set_load(course, &quiet);
	*quizzes = course->quiz_dir ? quiz_set_load(course->quiz_dir, course, &quiet) : NULL;
	diags_release(&quiet);
	return course_path_build(course, *exercises, *quizzes);
}
