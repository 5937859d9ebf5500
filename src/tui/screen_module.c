/*
 * A module: its title, minutes and objectives, and the list of what it holds (its pages, each
 * with ✓ once read). Opens on the page being read when it is in this module, else on the first
 * page not read yet.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "core/strbuf.h"
#include "course/course.h"
#include "tui/mdline.h"
#include "tui/mdview.h"
#include "tui/screen_exercise.h"
#include "tui/screen_quiz.h"
#include "tui/theme.h"
#include "tui/tui.h"

static struct {
	long module;
	size_t sel;
	struct mdview objectives;
} mod_state = { .module = -1 };

static const struct course_module *current(const struct app *app)
{
	return &app->course->modules[app->browse];
}

static void module_enter(struct app *app)
{
	const struct course_module *mod = current(app);
	if (mod_state.module != app->browse) {
		mod_state.module = app->browse;
		mod_state.sel = 0;
		for (size_t p = 0; p < mod->n_pages; p++)
			if (!app_page_viewed(app, app->browse, (long)p)) {
				mod_state.sel = p;
				break;
			}
	}
	if (app->module == app->browse && app->page >= 0)
		mod_state.sel = (size_t)app->page;
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
	mod_state.module = -1;
}

/* Rows the page list gets on a screen of rows rows. */
static int list_rows(int rows, int top)
{
	return rows - 2 - top;
}

static void module_draw(const struct app *app, int rows, int cols)
{
	const struct course_module *mod = current(app);
	char left[512], right[64];
	snprintf(left, sizeof(left), "Module %ld of %zu › %s", app->browse + 1,
		 app->course->n_modules, mod->title);
	snprintf(right, sizeof(right), "%d min · %zu/%zu read", mod->minutes,
		 app_viewed_count(app, app->browse), mod->n_pages);
	tui_title(app, left, right, cols);
	int y = 2;
	tui_put(y++, 3, "Objectives", cols - 6, TUI_H2);
	/* Leave the page list at least eight rows. */
	int max_obj = rows - 2 - y - 10;
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
	tui_put(y++, 3, "Pages", cols - 6, TUI_H2);
	int avail = list_rows(rows, y);
	/* A list longer than the screen scrolls just enough to show the selection. */
	size_t first = 0;
	if (avail > 0 && mod_state.sel >= (size_t)avail)
		first = mod_state.sel - (size_t)avail + 1;
	for (size_t p = first; p < mod->n_pages && y < rows - 2; p++, y++) {
		bool sel = p == mod_state.sel, seen = app_page_viewed(app, app->browse, (long)p);
		bool here = app->module == app->browse && app->page == (long)p;
		int role = sel ? TUI_SELECTED : TUI_NORMAL;
		if (sel) {
			tui_fill(y, 1, cols - 1, TUI_SELECTED);
			tui_put(y, 1, "▸", 1, TUI_SELECTED);
		}
		tui_put(y, 3, seen ? "✓" : " ", 1, sel ? role : TUI_DONE);
		char label[512];
		snprintf(label, sizeof(label), "%2zu. %s", p + 1, mod->pages[p].title);
		int w = tui_put(y, 5, label, cols - 20, role);
		if (here)
			w += 2 + tui_put(y, 5 + w + 2, "◀ reading", 10, sel ? role : TUI_ACCENT);
		if (app_page_changed(app, app->browse, (long)p))
			tui_put(y, 5 + w + 2, "updated since you read it", cols - 5 - w - 4,
				sel ? role : TUI_NOTICE);
	}
	tui_footer(app,
		   mod->quiz
			   ? "↑↓/jk move · Enter read · z quiz · e exercises · n/p module · ? help "
			     "· q back"
			   : "↑↓/jk move · Enter read · e exercises · n/p module · ? help · q back",
		   rows, cols);
}

static void open_page(struct app *app)
{
	if (current(app)->n_pages == 0)
		return;
	app->module = app->browse;
	app->page = (long)mod_state.sel;
	app_goto(app, &screen_page);
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
	module_enter(app);
}

static enum input_result module_key(struct app *app, int key)
{
	size_t n = current(app)->n_pages;
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
		open_page(app);
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
	{ "Enter, →, l", "read the page" },
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
