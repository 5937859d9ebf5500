/*
 * The home screen: the course, its modules with minutes and progress, and "Continue" to the
 * page the learner read last, selected by default when there is one.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "course/course.h"
#include "tui/items.h"
#include "tui/mdline.h"
#include "tui/mdview.h"
#include "tui/nav.h"
#include "tui/theme.h"
#include "tui/tui.h"
#include "tui/utf8.h"

static struct {
	bool started;
	size_t sel; /* entry: 0 is "Continue" when there is a position, then the modules */
	struct mdview summary;
} home;

/*
 * The page the first entry opens: where the learner is ("Continue"), else the course's first
 * page ("Start"). False for a course without pages.
 */
static bool first_page(const struct app *app, long *m, long *p)
{
	if (app->module >= 0 && app->page >= 0) {
		*m = app->module;
		*p = app->page;
		return true;
	}
	*m = 0;
	*p = -1;
	return nav_step(app->course, m, p, 1);
}

static size_t n_entries(const struct app *app)
{
	return app->course->n_modules + 1;
}

/* The module an entry stands for, or -1 for "Continue" / "Start". */
static long entry_module(const struct app *app, size_t e)
{
	return e == 0 ? -1 : (long)e - 1;
}

static void home_enter(struct app *app)
{
	if (!home.started) {
		home.started = true;
		home.sel = 0;
	}
	if (home.sel >= n_entries(app))
		home.sel = 0;
}

static void home_layout(struct app *app, int rows, int cols)
{
	const char *s = app->course->summary ? app->course->summary : "";
	mdview_layout(&home.summary, s, strlen(s), cols - 4);
}

static void home_release(void)
{
	mdview_release(&home.summary);
	home.started = false;
}

static void open_entry(struct app *app, size_t e)
{
	long m = entry_module(app, e), p;
	if (m < 0) {
		if (!first_page(app, &m, &p))
			return;
		app->module = app->browse = m;
		app->page = p;
		app_goto(app, &screen_module);
		app_goto(app, &screen_page);
		return;
	}
	app->browse = m;
	app_goto(app, &screen_module);
}

static void draw_module_row(const struct app *app, int y, size_t m, bool sel, int cols)
{
	const struct course_module *mod = &app->course->modules[m];
	int role = sel ? TUI_SELECTED : TUI_NORMAL;
	if (sel) {
		tui_fill(y, 1, cols - 1, TUI_SELECTED);
		tui_put(y, 1, "▸", 1, TUI_SELECTED);
	}
	char num[16], mins[16], count[32];
	snprintf(num, sizeof(num), "%zu.", m + 1);
	snprintf(mins, sizeof(mins), "%d min", mod->minutes);
	/* Progress is over the core path: going further is not behind. */
	size_t done = 0;
	for (size_t p = 0; p < mod->n_core; p++)
		done += app_page_viewed(app, (long)m, (long)p);
	snprintf(count, sizeof(count), "%zu/%zu", done, mod->n_core);
	int bar = cols >= 120 ? 20 : 10, right = 8 + bar + 2 + 7; /* minutes, bar, count */
	tui_put(y, 3, num, 3, role);
	tui_put(y, 7, mod->title, cols - 7 - right - 3, role);
	tui_put(y, cols - right - 1, mins, 8, role);
	tui_bar(y, cols - right + 8, bar, done, mod->n_core);
	tui_put(y, cols - 8, count, 7, done == mod->n_core && done ? TUI_DONE : role);
}

static void home_draw(const struct app *app, int rows, int cols)
{
	const struct course *c = app->course;
	char right[64];
	snprintf(right, sizeof(right), "%d min · %zu modules", c->minutes, c->n_modules);
	tui_title(app, c->title, right, cols);
	int y = 2;
	for (size_t i = 0; i < home.summary.n_lines && y < 6; i++, y++)
		mdline_draw(y, 2, cols - 4, &home.summary.lines[i], i, NULL, 0, 0);
	y++;
	size_t e = 0;
	long fm, fp;
	if (first_page(app, &fm, &fp)) {
		const struct course_module *mod = &c->modules[fm];
		char line[512];
		snprintf(line, sizeof(line), "%s: %s  (module %ld, page %ld of %zu)",
			 app->module >= 0 ? "Continue" : "Start", mod->pages[fp].title, fm + 1,
			 fp + 1, mod->n_pages);
		bool sel = home.sel == 0;
		if (sel) {
			tui_fill(y, 1, cols - 1, TUI_SELECTED);
			tui_put(y, 1, "▸", 1, TUI_SELECTED);
		}
		tui_put(y, 3, line, cols - 6, sel ? TUI_SELECTED : TUI_ACCENT);
		y += 2;
		e = 1;
	}
	tui_put(y++, 3, "Modules", cols - 6, TUI_H2);
	for (size_t m = 0; m < c->n_modules && y < rows - 4; m++, e++)
		draw_module_row(app, y++, m, home.sel == e, cols);
	y++;
	size_t done = 0, total = course_core_page_count(c);
	for (size_t m = 0; m < c->n_modules; m++)
		for (size_t p = 0; p < c->modules[m].n_core; p++)
			done += app_page_viewed(app, (long)m, (long)p);
	char line[128];
	snprintf(line, sizeof(line), "Course progress: %zu of %zu core pages read (%zu%%)", done,
		 total, total ? done * 100 / total : 0);
	if (y < rows - 2) {
		int w = tui_put(y, 3, line, cols - 40, TUI_STRONG);
		tui_bar(y, 3 + w + 2, cols - 3 - w - 2 - 9 < 30 ? cols - 3 - w - 2 - 9 : 30, done,
			total);
	}
	/* The next step is always a key away: the console, a shell, the exercises. */
	static const char *const tools[][2] = {
		{ "C", "the Lambda console, on your own account of the local cloud" },
		{ "S", "point a shell at it for the AWS CLI: eval \"$(lambda-tutor env)\"" },
		{ "X", "every exercise with your progress · N the next unfinished step" },
		{ "P", "the final project: its rubric, your last scores, and the check" },
	};
	y = y + 2 > rows - 5 ? rows - 5 : y + 2;
	for (size_t i = 0; app->workspace && i < sizeof(tools) / sizeof(tools[0]) && y < rows - 1;
	     i++, y++) {
		tui_put(y, 3, tools[i][0], 1, TUI_ACCENT);
		tui_put(y, 5, tools[i][1], cols - 8, TUI_DIM);
	}
	tui_footer(app, "↑↓/jk move · Enter open · 1-9 module · N next · X C S P · ? help · q quit",
		   rows, cols);
}

static enum input_result home_key(struct app *app, int key)
{
	size_t n = n_entries(app);
	switch (key) {
	case KEY_UP:
	case 'k':
		home.sel = home.sel > 0 ? home.sel - 1 : 0;
		return INPUT_HANDLED;
	case KEY_DOWN:
	case 'j':
		home.sel = home.sel + 1 < n ? home.sel + 1 : home.sel;
		return INPUT_HANDLED;
	case 'g':
	case KEY_HOME:
		home.sel = 0;
		return INPUT_HANDLED;
	case 'G':
	case KEY_END:
		home.sel = n ? n - 1 : 0;
		return INPUT_HANDLED;
	case '\r':
	case '\n':
	case KEY_ENTER:
	case KEY_RIGHT:
	case 'l':
		if (n)
			open_entry(app, home.sel);
		return INPUT_HANDLED;
	default:
		break;
	}
	if (key == 'N' && app->workspace) {
		app_open_next(app, -1, -1);
		return INPUT_HANDLED;
	}
	if (key >= '1' && key <= '9' && (size_t)(key - '1') < app->course->n_modules) {
		home.sel = (size_t)(key - '1') + 1;
		open_entry(app, home.sel);
		return INPUT_HANDLED;
	}
	return INPUT_IGNORED;
}

static const struct tui_key_help home_keys[] = {
	{ "↑ ↓, j k", "move" },
	{ "g G, Home End", "first, last" },
	{ "Enter, →, l", "open the module, or start or continue reading" },
	{ "1 … 9", "open module N" },
	{ "N", "the next page, exercise or quiz not done yet" },
	{ "q", "quit" },
	{ NULL, NULL },
};

const struct tui_screen screen_home = {
	.name = "home",
	.enter = home_enter,
	.layout = home_layout,
	.draw = home_draw,
	.key = home_key,
	.release = home_release,
	.keys = home_keys,
};
