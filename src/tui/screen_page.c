/*
 * The page reader: one page of the course laid out by mdview, scrolled like less, searched with
 * `/` (every match highlighted, n/N between them), and n/p to the next and previous page across
 * module boundaries. Opening a page records a page view with the page's hash.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "course/course.h"
#include "tui/class_mode.h"
#include "tui/items.h"
#include "tui/mdline.h"
#include "tui/mdview.h"
#include "tui/nav.h"
#include "tui/prompt.h"
#include "tui/screen_exercise.h"
#include "tui/theme.h"
#include "tui/tui.h"
#include "tui/utf8.h"

#define MAX_MEASURE 100 /* columns of text at most: longer lines are hard to read */

static struct {
	long m, p; /* the page loaded; -1 before the first */
	char *text;
	size_t len;
	char error[600]; /* why the page could not be read, "" when it was */
	struct mdview view;
	int body_rows, width;
	int hoff, max_hoff; /* code scrolled sideways, and how far it can go */
	size_t top;
	bool prompting;
	struct prompt prompt;
	char before[PROMPT_MAX]; /* the search when the prompt opened, for Esc */
	size_t before_top, before_cur;
	char query[PROMPT_MAX]; /* the active search, "" when none */
	struct mdview_match *matches;
	size_t n_matches, cur;
} pg = { .m = -1, .p = -1 };

static void clear_matches(void)
{
	free(pg.matches);
	pg.matches = NULL;
	pg.n_matches = pg.cur = 0;
}

/* Scroll sideways so that the current match on a code line shows. */
static void reveal_match(void)
{
	if (!pg.n_matches)
		return;
	const struct mdview_match *m = &pg.matches[pg.cur];
	const struct mdview_line *l = &pg.view.lines[m->line];
	if (!l->code && !l->wide)
		return;
	int room = pg.width - l->code_col - 2; /* both markers */
	int start = m->col - l->code_col, end = start + m->cols;
	if (start < pg.hoff || end > pg.hoff + room) {
		int want = end - room > 0 ? end - room + 4 : 0;
		pg.hoff = want < pg.max_hoff ? want : pg.max_hoff;
		if (start < pg.hoff)
			pg.hoff = start > 0 ? start : 0;
	}
}

/* Search for q from the top of the view, making the first match at or below it current. */
static void search(const char *q)
{
	clear_matches();
	snprintf(pg.query, sizeof(pg.query), "%s", q);
	if (!q[0])
		return;
	pg.n_matches = mdview_search(&pg.view, q, &pg.matches);
	pg.cur = 0;
	while (pg.cur < pg.n_matches && pg.matches[pg.cur].line < pg.top)
		pg.cur++;
	if (pg.cur == pg.n_matches)
		pg.cur = 0;
	if (pg.n_matches) {
		pg.top = mdview_reveal(pg.top, pg.matches[pg.cur].line, pg.view.n_lines,
				       pg.body_rows);
		reveal_match();
	}
}

static void relayout(int old_rows)
{
	size_t old_n = pg.view.n_lines, old_top = pg.top;
	if (pg.error[0] || !pg.text)
		mdview_release(&pg.view);
	else
		mdview_layout(&pg.view, pg.text, pg.len, pg.width);
	pg.max_hoff = 0;
	for (size_t i = 0; i < pg.view.n_lines; i++) {
		const struct mdview_line *l = &pg.view.lines[i];
		int over = l->width - pg.width + 1; /* one column goes to the marker */
		if ((l->code || l->wide) && l->clipped && over > pg.max_hoff)
			pg.max_hoff = over;
	}
	if (pg.hoff > pg.max_hoff)
		pg.hoff = pg.max_hoff;
	/* Keep roughly the same place in the text when the width changes; the end stays the end. */
	bool at_end = old_n && old_top >= mdview_scroll(old_top, (long)old_n, old_n, old_rows);
	pg.top = old_n ? (size_t)((double)old_top * (double)pg.view.n_lines / (double)old_n) : 0;
	if (at_end && old_top > 0)
		pg.top = pg.view.n_lines;
	pg.top = mdview_scroll(pg.top, 0, pg.view.n_lines, pg.body_rows);
	if (pg.query[0]) {
		char q[PROMPT_MAX];
		snprintf(q, sizeof(q), "%s", pg.query);
		size_t top = pg.top;
		search(q);
		pg.top = top;
	}
}

static void load(struct app *app)
{
	const struct course_module *mod = &app->course->modules[app->module];
	const struct course_page *page = &mod->pages[app->page];
	free(pg.text);
	pg.text = NULL;
	pg.len = 0;
	pg.error[0] = '\0';
	pg.m = app->module;
	pg.p = app->page;
	pg.top = 0;
	pg.hoff = 0;
	pg.query[0] = '\0';
	pg.prompting = false;
	clear_matches();
	mdview_release(&pg.view);
	struct error err;
	error_clear(&err);
	pg.text = course_page_text(app->course, page, &pg.len, &err);
	if (pg.text) {
		app_view_page(app, app->module, app->page);
	} else {
		/* Nothing was shown, so nothing is recorded as read. */
		error_format(&err, pg.error, sizeof(pg.error));
	}
	app->relayout = true;
}

static void page_enter(struct app *app)
{
	if (class_mode_locked(app, app->module)) {
		long m = app->module;
		app_back(app);
		app_error(app, "module %ld is not open yet: the trainer opens it", m + 1);
		return;
	}
	if (!pg.text || pg.m != app->module || pg.p != app->page)
		load(app);
}

static void page_layout(struct app *app, int rows, int cols)
{
	int old_rows = pg.body_rows;
	pg.body_rows = rows - 3;
	pg.width = cols - 4 < MAX_MEASURE ? cols - 4 : MAX_MEASURE;
	relayout(old_rows);
}

static void page_release(void)
{
	free(pg.text);
	pg.text = NULL;
	clear_matches();
	mdview_release(&pg.view);
	pg.m = pg.p = -1;
}

static void draw_footer(const struct app *app, int rows, int cols)
{
	int y = rows - 1;
	char right[64] = "";
	if (pg.query[0] || pg.prompting) {
		if (pg.n_matches)
			snprintf(right, sizeof(right), "match %zu of %zu", pg.cur + 1,
				 pg.n_matches);
		else if (pg.query[0])
			snprintf(right, sizeof(right), "no match");
	}
	if (pg.prompting) {
		tui_fill(y, 0, cols, TUI_NORMAL);
		tui_put(y, 0, "/", 1, TUI_ACCENT);
		int w = tui_put(y, 1, pg.prompt.buf, cols - 24, TUI_NORMAL);
		tui_put(y, 1 + w, "▏", 1, TUI_ACCENT);
		tui_put(y, cols - 1 - (int)strlen(right), right, 20, TUI_DIM);
		return;
	}
	if (app->status[0] || !pg.query[0]) {
		const struct course_page *page = &app->course->modules[pg.m].pages[pg.p];
		bool ex = page->n_exercises && app->workspace;
		tui_footer(app,
			   ex && pg.max_hoff ? "e exercise · ↑↓ scroll · / search · n/p page · < > "
					       "sideways · ? help · q back"
			   : ex ? "e exercise · ↑↓ scroll · Space page · / search · n/p page "
				  "· ? help · q back"
			   : pg.max_hoff
				   ? "↑↓ scroll · Space page · / search · n/p page · < > "
				     "sideways · ? help · q back"
				   : "↑↓ scroll · Space page · / search · n/p next/previous page "
				     "· ? help · q back",
			   rows, cols);
		return;
	}
	char line[PROMPT_MAX + 96];
	snprintf(line, sizeof(line), "/%s · %s · n/N next/previous · Esc clear", pg.query, right);
	tui_put(y, 1, line, cols - 2, TUI_ACCENT);
}

static void page_draw(const struct app *app, int rows, int cols)
{
	const struct course_module *mod = &app->course->modules[pg.m];
	char left[600], right[64];
	size_t n = pg.view.n_lines, bottom = pg.top + (size_t)pg.body_rows;
	int pct = n == 0 || bottom >= n ? 100 : (int)(bottom * 100 / n);
	snprintf(right, sizeof(right), "page %ld/%zu · %d%%", pg.p + 1, mod->n_pages, pct);
	/* The page's title matters most: the module's gives way to it when both do not fit. */
	const char *title = mod->pages[pg.p].title;
	int room = cols - utf8_width(right, strlen(right)) - 4;
	int need = utf8_width(title, strlen(title)) + 10;
	int mod_cols = room - need;
	char mod_title[512];
	size_t fit = utf8_fit(mod->title, strlen(mod->title), mod_cols > 0 ? mod_cols : 0, NULL);
	if (fit < strlen(mod->title))
		fit = utf8_fit(mod->title, strlen(mod->title), mod_cols > 1 ? mod_cols - 1 : 0,
			       NULL);
	snprintf(mod_title, sizeof(mod_title), "%.*s%s", (int)fit, mod->title,
		 fit < strlen(mod->title) ? "…" : "");
	snprintf(left, sizeof(left), "%ld. %s › %s", pg.m + 1, mod_title, title);
	tui_title(app, left, right, cols);
	if (pg.error[0]) {
		tui_put(2, 2, "This page cannot be shown:", cols - 4, TUI_STATUS_ERROR);
		tui_put(3, 2, pg.error, cols - 4, TUI_NORMAL);
	}
	for (int r = 0; r < pg.body_rows && pg.top + (size_t)r < n; r++) {
		size_t li = pg.top + (size_t)r;
		mdline_draw_at(2 + r, 2, pg.width, &pg.view.lines[li], li, pg.matches, pg.n_matches,
			       pg.cur, pg.hoff);
	}
	draw_footer(app, rows, cols);
}

static void scroll_by(long delta)
{
	pg.top = mdview_scroll(pg.top, delta, pg.view.n_lines, pg.body_rows);
}

static void goto_match(struct app *app, int dir)
{
	if (!pg.n_matches)
		return;
	if (dir > 0) {
		pg.cur = (pg.cur + 1) % pg.n_matches;
		if (pg.cur == 0)
			app_status(app, "search wrapped to the top");
	} else {
		pg.cur = (pg.cur + pg.n_matches - 1) % pg.n_matches;
		if (pg.cur == pg.n_matches - 1)
			app_status(app, "search wrapped to the bottom");
	}
	pg.top = mdview_reveal(pg.top, pg.matches[pg.cur].line, pg.view.n_lines, pg.body_rows);
	reveal_match();
}

static void goto_page(struct app *app, int dir)
{
	long m = pg.m, p = pg.p;
	if (!nav_step(app->course, &m, &p, dir)) {
		app_status(app, dir > 0 ? "this is the last page of the course"
					: "this is the first page of the course");
		return;
	}
	if (class_mode_locked(app, m)) {
		app_status(app, "module %ld is not open yet: the trainer opens it", m + 1);
		return;
	}
	if (m != pg.m)
		app->browse = m; /* back from here goes to this page's module */
	app->module = m;
	app->page = p;
	load(app);
}

/* Close the prompt and go back to the search and the place before it opened. */
static void cancel_prompt(void)
{
	pg.prompting = false;
	pg.top = pg.before_top;
	search(pg.before);
	pg.top = pg.before_top;
	if (pg.before_cur < pg.n_matches)
		pg.cur = pg.before_cur;
}

static enum input_result prompt_key(struct app *app, int key)
{
	switch (key) {
	case TUI_KEY_ESC:
		cancel_prompt();
		return INPUT_HANDLED;
	case '\r':
	case '\n':
	case KEY_ENTER:
		pg.prompting = false;
		if (pg.prompt.len && !pg.n_matches)
			app_error(app, "not found: %s", pg.prompt.buf);
		search(pg.n_matches ? pg.prompt.buf : "");
		return INPUT_HANDLED;
	case KEY_BACKSPACE:
	case 127:
	case TUI_KEY_CTRL('h'):
		if (!prompt_backspace(&pg.prompt)) {
			/* Backspace on an empty prompt closes it, as in less. */
			cancel_prompt();
			return INPUT_HANDLED;
		}
		break;
	case TUI_KEY_CTRL('u'):
		prompt_clear(&pg.prompt);
		break;
	case TUI_KEY_CTRL('w'):
		prompt_delete_word(&pg.prompt);
		break;
	default: {
		long cp = tui_key_char(key);
		if (cp < 0 || !prompt_insert(&pg.prompt, (uint32_t)cp))
			return INPUT_HANDLED; /* swallow function keys while typing */
		break;
	}
	}
	search(pg.prompt.buf); /* as you type */
	return INPUT_HANDLED;
}

/* Copy the first code block on the screen, to paste into an editor or a shell. */
static void copy_code(struct app *app)
{
	size_t len;
	char *code = mdview_code_block(&pg.view, pg.top, pg.top + (size_t)pg.body_rows, &len);
	if (!code) {
		app_status(app, "no code block on the screen to copy");
		return;
	}
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += code[i] == '\n';
	if (tui_clipboard(code, len))
		app_status(app, "copied %zu line%s of code to the clipboard", lines,
			   lines == 1 ? "" : "s");
	else
		app_error(app, "cannot write to the terminal to copy");
	free(code);
}

/* e: the first exercise this page introduces that has not passed, else the module's. */
static void open_exercise(struct app *app)
{
	const struct course_module *mod = &app->course->modules[pg.m];
	const struct course_page *page = &mod->pages[pg.p];
	struct error err;
	error_clear(&err);
	if (page->n_exercises) {
		struct course_progress cp;
		if (!app_progress(app, &cp, &err)) {
			app_error(app, "%s", err.msg);
			return;
		}
		const struct exercise *todo = NULL, *first = NULL;
		for (size_t k = 0; k < page->n_exercises && !todo; k++) {
			const struct exercise *ex = exercise_find(cp.set, page->exercises[k]);
			const struct exercise_progress *p =
				ex ? course_progress_exercise(&cp, ex) : NULL;
			if (ex && !first)
				first = ex;
			if (p && !progress_done(p))
				todo = ex;
		}
		course_progress_release(&cp);
		if (first && app_open_exercise(app, todo ? todo : first, &err))
			return;
		if (first) {
			app_error(app, "%s", err.msg);
			return;
		}
	}
	if (!screen_exercise_open_module(app, mod->id, &err))
		app_error(app, "%s", err.msg);
}

static enum input_result page_key(struct app *app, int key)
{
	if (pg.prompting)
		return prompt_key(app, key);
	long page = pg.body_rows > 2 ? pg.body_rows - 2 : 1;
	switch (key) {
	case KEY_DOWN:
	case 'j':
	case '\r':
	case '\n':
		scroll_by(1);
		break;
	case KEY_UP:
	case 'k':
		scroll_by(-1);
		break;
	case TUI_KEY_WHEEL_DOWN:
		scroll_by(3);
		break;
	case TUI_KEY_WHEEL_UP:
		scroll_by(-3);
		break;
	case KEY_NPAGE:
	case ' ':
	case TUI_KEY_CTRL('f'):
		scroll_by(page);
		break;
	case KEY_PPAGE:
	case 'b':
	case TUI_KEY_CTRL('b'):
		scroll_by(-page);
		break;
	case TUI_KEY_CTRL('d'):
		scroll_by(pg.body_rows / 2);
		break;
	case TUI_KEY_CTRL('u'):
		scroll_by(-(pg.body_rows / 2));
		break;
	case 'g':
	case KEY_HOME:
		pg.top = 0;
		break;
	case 'G':
	case KEY_END:
		scroll_by((long)pg.view.n_lines);
		break;
	case '/':
		pg.prompting = true;
		snprintf(pg.before, sizeof(pg.before), "%s", pg.query);
		pg.before_top = pg.top;
		pg.before_cur = pg.cur;
		prompt_clear(&pg.prompt);
		break;
	case 'n':
		if (pg.query[0])
			goto_match(app, 1);
		else
			goto_page(app, 1);
		break;
	case 'N':
		if (pg.query[0])
			goto_match(app, -1);
		break;
	case 'p':
	case KEY_LEFT:
		goto_page(app, -1);
		break;
	case KEY_RIGHT:
		goto_page(app, 1);
		break;
	case ']':
	case '[': {
		size_t h;
		if (mdview_heading(&pg.view, pg.top, key == ']' ? 1 : -1, &h))
			pg.top = mdview_scroll(h, 0, pg.view.n_lines, pg.body_rows);
		else
			app_status(app, key == ']' ? "no heading below" : "no heading above");
		break;
	}
	case 'y':
		copy_code(app);
		break;
	case 'e':
		if (app->workspace)
			open_exercise(app);
		break;
	case '>':
		pg.hoff = pg.hoff + 8 < pg.max_hoff ? pg.hoff + 8 : pg.max_hoff;
		break;
	case '<':
		pg.hoff = pg.hoff > 8 ? pg.hoff - 8 : 0;
		break;
	case TUI_KEY_ESC:
		if (!pg.query[0])
			return INPUT_IGNORED;
		search("");
		break;
	default:
		return INPUT_IGNORED;
	}
	return INPUT_HANDLED;
}

static const struct tui_key_help page_keys[] = {
	{ "↓ ↑, j k", "scroll a line (Enter too)" },
	{ "Space, PgDn, ^F", "next screen" },
	{ "b, PgUp, ^B", "previous screen" },
	{ "^D ^U", "half a screen down, up" },
	{ "g G, Home End", "top, bottom of the page" },
	{ "] [", "next, previous heading" },
	{ "/", "search (as you type; Enter keeps it)" },
	{ "n N", "next, previous match while searching" },
	{ "n p, → ←", "next, previous page (across modules)" },
	{ "> <", "scroll wide code and tables sideways" },
	{ "y", "copy the code block on screen (OSC 52)" },
	{ "e", "open the exercise the page introduces" },
	{ "Esc", "clear the search; then back" },
	{ "q", "back to the module" },
	{ NULL, NULL },
};

const struct tui_screen screen_page = {
	.name = "page",
	.enter = page_enter,
	.layout = page_layout,
	.draw = page_draw,
	.key = page_key,
	.release = page_release,
	.keys = page_keys,
};
