/*
 * A module: its title, minutes and objectives, and its core path in order (pages, exercises,
 * the quiz, each with its minutes and ✓ once done), then what goes further, apart. Opens on
 * the page being read when it is in this module, else on the first item not done yet.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "tui/items.h"
#include "tui/mdline.h"
#include "tui/mdview.h"
#include "tui/screen_exercise.h"
#include "tui/screen_quiz.h"
#include "tui/theme.h"
#include "tui/tui.h"

static struct {
	long module;
	size_t sel; /* an item of the module's path */
	struct mdview objectives;
	bool *done; /* done[i] for each item, read on entering */
	size_t n_done;
} mod_state = { .module = -1 };

static const struct module_path *path_of(struct app *app)
{
	return &app_path(app)->modules[app->browse];
}

/* Which items are done, from the records now (a check run elsewhere shows). */
static void read_done(struct app *app)
{
	const struct module_path *mp = path_of(app);
	free(mod_state.done);
	mod_state.done = xcalloc(mp->n_items + 1, sizeof(bool));
	mod_state.n_done = mp->n_items;
	struct course_progress cp;
	struct error err;
	error_clear(&err);
	if (!app_progress(app, &cp, &err))
		return;
	for (size_t i = 0; i < mp->n_items; i++)
		mod_state.done[i] = course_progress_done(&cp, (size_t)app->browse, i);
	course_progress_release(&cp);
}

static const struct course_module *current(const struct app *app)
{
	return &app->course->modules[app->browse];
}

static void module_enter(struct app *app)
{
	const struct module_path *mp = path_of(app);
	read_done(app);
	if (mod_state.module != app->browse) {
		mod_state.module = app->browse;
		mod_state.sel = 0;
		for (size_t i = 0; i < mp->n_core; i++)
			if (!mod_state.done[i]) {
				mod_state.sel = i;
				break;
			}
		if (app->module == app->browse && app->page >= 0) {
			long i = app_page_item(app, app->browse, app->page);
			if (i >= 0)
				mod_state.sel = (size_t)i;
		}
	}
	if (mod_state.sel >= mp->n_items)
		mod_state.sel = mp->n_items ? mp->n_items - 1 : 0;
}

static void module_layout(struct app *app, int rows, int cols)
{
	const struct course_module *mod = current(app);
	struct strbuf md = STRBUF_INIT;
	for (size_t i = 0; i < mod->n_objectives; i++) {
		/* Objectives are plain text: keep Markdown from reading into them. */
		strbuf_addstr(&md, "- ");
		for (const char *s = mod->objectives[i]; *s; s++) {
			if (strchr("\\`*_[]<>#|", *s))
				strbuf_addch(&md, '\\');
			strbuf_addch(&md, *s);
		}
		strbuf_addch(&md, '\n');
	}
	mdview_layout(&mod_state.objectives, md.buf ? md.buf : "", md.len, cols - 6);
	strbuf_release(&md);
}

static void module_release(void)
{
	mdview_release(&mod_state.objectives);
	free(mod_state.done);
	mod_state.done = NULL;
	mod_state.module = -1;
}

/* Rows the page list gets on a screen of rows rows. */
static int list_rows(int rows, int top)
{
	return rows - 2 - top;
}

/* The rows of the list: the items, and a heading before the going-further ones. */
static size_t list_len(const struct module_path *mp)
{
	return mp->n_items + (mp->n_items > mp->n_core ? 1 : 0);
}

/* The item shown on row r, or -1 for the heading. */
static long row_item(const struct module_path *mp, size_t r)
{
	if (r < mp->n_core)
		return (long)r;
	if (r == mp->n_core)
		return -1;
	return (long)r - 1;
}

static size_t item_row(const struct module_path *mp, size_t i)
{
	return i < mp->n_core ? i : i + 1;
}

static void draw_item(const struct app *app, const struct module_path *mp, size_t i, int y,
		      int cols)
{
	const struct path_item *it = &mp->items[i];
	bool sel = i == mod_state.sel;
	bool done = i < mod_state.n_done && mod_state.done[i];
	int role = sel ? TUI_SELECTED : TUI_NORMAL;
	if (sel) {
		tui_fill(y, 1, cols - 1, TUI_SELECTED);
		tui_put(y, 1, "▸", 1, TUI_SELECTED);
	}
	tui_put(y, 3, done ? "✓" : " ", 1, sel ? role : TUI_DONE);
	char label[600], mins[16];
	switch (it->kind) {
	case PATH_PAGE:
		snprintf(label, sizeof(label), "%s", it->title);
		break;
	case PATH_EXERCISE:
		snprintf(label, sizeof(label), "Exercise: %s", it->title ? it->title : it->id);
		break;
	case PATH_QUIZ:
		snprintf(label, sizeof(label), "Quiz: %s", it->title);
		break;
	}
	snprintf(mins, sizeof(mins), "%3d min", it->minutes);
	tui_put(y, 5, mins, 7, sel ? role : TUI_DIM);
	bool here = it->kind == PATH_PAGE && app->module == app->browse && app->page == it->page;
	bool changed = it->kind == PATH_PAGE && app_page_changed(app, app->browse, it->page);
	int room = cols - 16 - (here ? 12 : 0) - (changed ? 28 : 0);
	int w = tui_put(y, 14, label, room, it->kind == PATH_PAGE ? role : sel ? role : TUI_ACCENT);
	if (here)
		w += 2 + tui_put(y, 14 + w + 2, "◀ reading", 10, sel ? role : TUI_ACCENT);
	if (changed)
		tui_put(y, 14 + w + 2, "updated since you read it", cols - 14 - w - 4,
			sel ? role : TUI_NOTICE);
}

static void module_draw(const struct app *app, int rows, int cols)
{
	const struct course_module *mod = current(app);
	const struct module_path *mp = &app->path->modules[app->browse];
	char left[512], right[96];
	snprintf(left, sizeof(left), "Module %ld of %zu › %s", app->browse + 1,
		 app->course->n_modules, mod->title);
	snprintf(right, sizeof(right), "%d min · core path %d min · %zu/%zu read", mod->minutes,
		 mp->minutes, app_viewed_count(app, app->browse), mod->n_pages);
	tui_title(app, left, right, cols);
	int y = 2;
	tui_put(y++, 3, "Objectives", cols - 6, TUI_H2);
	/* Leave the list at least ten rows. */
	int max_obj = rows - 2 - y - 12;
	size_t n_obj = mod_state.objectives.n_lines;
	bool cut = (int)n_obj > max_obj;
	size_t shown = cut ? (size_t)(max_obj > 1 ? max_obj - 1 : 0) : n_obj;
	for (size_t i = 0; i < shown; i++)
		mdline_draw(y++, 3, cols - 6, &mod_state.objectives.lines[i], i, NULL, 0, 0);
	if (cut) {
		char more[96];
		snprintf(more, sizeof(more), "… %zu more lines: make the window taller to see them",
			 n_obj - shown);
		tui_put(y++, 5, more, cols - 8, TUI_DIM);
	}
	y++;
	tui_put(y++, 3, "The core path, in order", cols - 6, TUI_H2);
	int avail = list_rows(rows, y);
	size_t n = list_len(mp), sel_row = item_row(mp, mod_state.sel);
	/* A list longer than the screen scrolls just enough to show the selection. */
	size_t first = 0;
	if (avail > 0 && sel_row >= (size_t)avail)
		first = sel_row - (size_t)avail + 1;
	for (size_t r = first; r < n && y < rows - 2; r++, y++) {
		long i = row_item(mp, r);
		if (i < 0) {
			char head[96];
			snprintf(head, sizeof(head),
				 "Going further (%d min, outside the core path)",
				 mp->further_minutes);
			tui_put(y, 3, head, cols - 6, TUI_H2);
			continue;
		}
		draw_item(app, mp, (size_t)i, y, cols);
	}
	tui_footer(app,
		   mod->quiz
			   ? "↑↓ move · Enter open · z quiz · e exercise · n/p module · X C S · "
			     "? · q back"
			   : "↑↓ move · Enter open · e exercise · n/p module · X C S · ? · q back",
		   rows, cols);
}

static void open_selected(struct app *app)
{
	if (mod_state.sel < path_of(app)->n_items)
		app_open_item(app, app->browse, (long)mod_state.sel);
}

static void open_quiz(struct app *app)
{
	const struct course_module *mod = current(app);
	struct error err;
	error_clear(&err);
	if (!mod->quiz) {
		app_status(app, "this module has no quiz");
		return;
	}
	if (!screen_quiz_load(app, mod->quiz, &err)) {
		app_error(app, "%s", err.msg);
		return;
	}
	app_goto(app, &screen_quiz);
}

static void open_exercises(struct app *app)
{
	struct error err;
	error_clear(&err);
	if (!screen_exercise_open_module(app, current(app)->id, &err))
		app_error(app, "%s", err.msg);
}

static void other_module(struct app *app, int dir)
{
	long m = app->browse + dir;
	if (m < 0 || (size_t)m >= app->course->n_modules) {
		app_status(app, dir > 0 ? "this is the last module" : "this is the first module");
		return;
	}
	app->browse = m;
	app->relayout = true;
	mod_state.module = -1;
	module_enter(app);
}

static enum input_result module_key(struct app *app, int key)
{
	size_t n = path_of(app)->n_items;
	switch (key) {
	case KEY_UP:
	case 'k':
		mod_state.sel = mod_state.sel > 0 ? mod_state.sel - 1 : 0;
		return INPUT_HANDLED;
	case KEY_DOWN:
	case 'j':
		mod_state.sel = mod_state.sel + 1 < n ? mod_state.sel + 1 : mod_state.sel;
		return INPUT_HANDLED;
	case 'g':
	case KEY_HOME:
		mod_state.sel = 0;
		return INPUT_HANDLED;
	case 'G':
	case KEY_END:
		mod_state.sel = n ? n - 1 : 0;
		return INPUT_HANDLED;
	case '\r':
	case '\n':
	case KEY_ENTER:
	case KEY_RIGHT:
	case 'l':
		open_selected(app);
		return INPUT_HANDLED;
	case 'n':
		other_module(app, 1);
		return INPUT_HANDLED;
	case 'p':
		other_module(app, -1);
		return INPUT_HANDLED;
	case 'z':
		open_quiz(app);
		return INPUT_HANDLED;
	case 'e':
		open_exercises(app);
		return INPUT_HANDLED;
	case KEY_LEFT:
		app_back(app);
		return INPUT_HANDLED;
	default:
		return INPUT_IGNORED;
	}
}

static const struct tui_key_help module_keys[] = {
	{ "↑ ↓, j k", "move" },
	{ "g G, Home End", "first, last" },
	{ "Enter, →, l", "open the page, exercise or quiz" },
	{ "n, p", "next, previous module" },
	{ "z", "take the module's quiz" },
	{ "e", "work on the module's exercises" },
	{ "←, q, Esc", "back to the modules" },
	{ NULL, NULL },
};

const struct tui_screen screen_module = {
	.name = "module",
	.enter = module_enter,
	.layout = module_layout,
	.draw = module_draw,
	.key = module_key,
	.release = module_release,
	.keys = module_keys,
};
