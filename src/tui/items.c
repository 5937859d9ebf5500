/*
 * Opening exercises, quizzes, the console and the next item of the core path from any screen.
 */
#include "tui/items.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "check/progress.h"
#include "check/scenario.h"
#include "check/workspace.h"
#include "core/xalloc.h"
#include "course/exercise_load.h"
#include "course/quiz_load.h"
#include "tui/screen_console.h"
#include "tui/screen_exercise.h"
#include "tui/screen_quiz.h"
#include "tui/theme.h"

void app_set_workspace(struct app *app, const char *ws, tui_cloud_fn cloud)
{
	free(app->workspace);
	app->workspace = ws ? xstrdup(ws) : NULL;
	app->cloud = cloud;
	free(app->reached);
	app->reached = NULL;
	app->release_items = app_items_release;
}

void app_use_exercises(struct app *app, struct exercise_set *set)
{
	app_items_release(app);
	app->exercises = set;
	app->exercises_borrowed = true;
	app->release_items = app_items_release;
}

void app_items_release(struct app *app)
{
	course_path_free(app->path);
	app->path = NULL;
	if (!app->exercises_borrowed)
		exercise_set_free(app->exercises);
	app->exercises = NULL;
	app->exercises_borrowed = false;
	quiz_set_free(app->quizzes);
	app->quizzes = NULL;
	exercise_set_free(app->scenarios);
	app->scenarios = NULL;
}

const struct exercise_set *app_scenarios(struct app *app)
{
	if (!app->scenarios) {
		struct diags quiet = DIAGS_INIT;
		app->scenarios = scenario_set_load(app->course, &quiet);
		diags_release(&quiet);
		app->release_items = app_items_release;
	}
	return app->scenarios;
}

bool app_open_scenario(struct app *app, const struct exercise *sc, bool reset, struct error *err)
{
	const struct check_cloud *cloud = app_cloud(app, err);
	if (!cloud)
		return false;
	struct scenario_progress sp;
	scenario_progress_load(app->store, sc->id, &sp);
	if (reset || !sp.started_ms) {
		/* The setup takes a second or two: say so before it starts. */
		if (stdscr) {
			char line[160];
			snprintf(line, sizeof(line), " setting up scenario %s in your account…",
				 sc->id);
			tui_fill(LINES - 1, 0, COLS, TUI_STATUS);
			tui_put(LINES - 1, 0, line, COLS, TUI_STATUS);
			refresh();
		}
		struct check_result r;
		scenario_run(sc, cloud, CHECK_SETUP, NULL, NULL, &r);
		bool ok = r.status != CHECK_ERROR;
		if (!ok)
			error_set(err, "scenario %s: the application could not be set up: %s",
				  sc->id, r.error.msg);
		int64_t ms = r.ms;
		check_result_release(&r);
		if (!ok)
			return false;
		if (app->store && !scenario_record_start(app->store, sc, reset, ms, err))
			return false;
		app_status(app, "scenario %s is %s in your account (%lld ms)", sc->id,
			   reset ? "set up again" : "ready", (long long)ms);
	}
	if (!screen_exercise_load(
		    app, app_scenarios(app), sc, app->workspace, cloud,
		    sc->starters[EXERCISE_PYTHON].present ? EXERCISE_PYTHON : EXERCISE_NODEJS, err))
		return false;
	if (app->screen == &screen_exercise)
		app->relayout = true;
	else
		app_goto(app, &screen_exercise);
	return true;
}

const struct check_cloud *app_cloud(struct app *app, struct error *err)
{
	if (app->reached)
		return app->reached;
	if (!app->workspace || !app->cloud) {
		error_set(err, "no workspace: exercises and the console open from "
			       "'lambda-tutor' or 'lambda-tutor exercise'");
		return NULL;
	}
	struct check_cloud *cloud = xcalloc(1, sizeof(*cloud));
	if (!app->cloud(app->workspace, cloud, err)) {
		free(cloud);
		return NULL;
	}
	app->reached = cloud;
	return cloud;
}

const struct exercise_set *app_exercises(struct app *app)
{
	if (!app->exercises) {
		struct diags quiet =
			DIAGS_INIT; /* lint reports problems; the tutor shows what loads */
		app->exercises = exercise_set_load(app->course, &quiet);
		app->exercises_borrowed = false;
		app->release_items = app_items_release;
		diags_release(&quiet);
	}
	return app->exercises;
}

const struct course_path *app_path(struct app *app)
{
	if (!app->path) {
		const struct exercise_set *set = app_exercises(app);
		if (!app->quizzes && app->course->quiz_dir) {
			struct diags quiet = DIAGS_INIT;
			app->quizzes = quiz_set_load(app->course->quiz_dir, app->course, &quiet);
			diags_release(&quiet);
		}
		app->path = course_path_build(app->course, set, app->quizzes);
	}
	return app->path;
}

bool app_progress(struct app *app, struct course_progress *cp, struct error *err)
{
	const struct course_path *path = app_path(app);
	if (!course_progress_load(cp, app->store, app->course, path, app_exercises(app), err)) {
		course_progress_release(cp);
		return false;
	}
	return true;
}

bool app_open_exercise(struct app *app, const struct exercise *ex, struct error *err)
{
	const struct exercise_set *set = app_exercises(app);
	const struct exercise *mine = exercise_find(set, ex->id);
	if (!mine)
		return error_set(err, "no exercise '%s'", ex->id);
	const struct check_cloud *cloud = app_cloud(app, err);
	if (!cloud)
		return false;
	int lang = workspace_language(app->workspace, mine);
	if (!screen_exercise_load(app, set, mine, app->workspace, cloud,
				  lang < 0 ? EXERCISE_PYTHON : (enum exercise_lang)lang, err))
		return false;
	if (app->screen == &screen_exercise)
		app->relayout = true; /* the same screen, another exercise */
	else
		app_goto(app, &screen_exercise);
	return true;
}

bool app_open_item(struct app *app, long m, long i)
{
	const struct course_path *path = app_path(app);
	if (m < 0 || (size_t)m >= path->n_modules || i < 0 || (size_t)i >= path->modules[m].n_items)
		return false;
	const struct path_item *it = &path->modules[m].items[i];
	struct error err;
	error_clear(&err);
	switch (it->kind) {
	case PATH_PAGE:
		app->module = app->browse = m;
		app->page = it->page;
		if (app->screen == &screen_page)
			app_replace(app, &screen_page);
		else
			app_goto(app, &screen_page);
		return true;
	case PATH_EXERCISE:
		if (app_open_exercise(app, it->ex, &err))
			return true;
		break;
	case PATH_QUIZ:
		if (screen_quiz_load(app, it->id, &err)) {
			app_goto(app, &screen_quiz);
			return true;
		}
		break;
	}
	app_error(app, "%s", err.msg);
	return false;
}

long app_page_item(struct app *app, long m, long p)
{
	const struct course_path *path = app_path(app);
	if (m < 0 || (size_t)m >= path->n_modules)
		return -1;
	const struct module_path *mp = &path->modules[m];
	for (size_t i = 0; i < mp->n_items; i++)
		if (mp->items[i].kind == PATH_PAGE && mp->items[i].page == p)
			return (long)i;
	return -1;
}

void app_open_next(struct app *app, long m, long i)
{
	if (m < 0 && app->module >= 0) {
		m = app->module;
		i = app_page_item(app, m, app->page);
		if (i < 0)
			m = -1;
	}
	struct course_progress cp;
	struct error err;
	error_clear(&err);
	if (!app_progress(app, &cp, &err)) {
		app_error(app, "%s", err.msg);
		return;
	}
	bool found = course_progress_next(&cp, &m, &i);
	course_progress_release(&cp);
	if (!found) {
		app_status(app, "every page, exercise and quiz of the core path is done; the "
				"module screens list what goes further");
		return;
	}
	app_open_item(app, m, i);
}

const struct exercise *app_first_unfinished(struct app *app)
{
	struct course_progress cp;
	struct error err;
	error_clear(&err);
	if (!app_progress(app, &cp, &err))
		return NULL;
	const struct exercise *ex = course_progress_first_unfinished(&cp);
	course_progress_release(&cp);
	return ex;
}

void app_open_console(struct app *app)
{
	struct error err;
	error_clear(&err);
	const struct check_cloud *cloud = app_cloud(app, &err);
	if (!cloud || !screen_console_load(app, app->workspace, cloud, &err)) {
		app_error(app, "%s", err.msg);
		return;
	}
	app_goto(app, &screen_console);
}
