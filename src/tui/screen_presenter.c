/*
 * The presenter view, for a projector: the page the agenda has reached, laid out in a narrow
 * centred column with nothing else on screen but its title and the session clock. It follows
 * the agenda until the trainer moves by hand (n, p); f follows again.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "course/course.h"
#include "tui/mdline.h"
#include "tui/mdview.h"
#include "tui/screen_trainer.h"
#include "tui/theme.h"
#include "tui/tui.h"

static struct {
	long follow_m, follow_p; /* where the agenda is */
	long m, p;               /* what is shown */
	bool manual;
	long laid_m, laid_p;
	int laid_width;
	struct mdview view;
	size_t top;
	char error[300];
	int64_t slides; /* x: the page, not the live question of this push */
} pr = { -1, -1, -1, -1, false, -1, -1, 0, MDVIEW_INIT, 0, "", 0 };

void presenter_follow(long m, long p)
{
	pr.follow_m = m;
	pr.follow_p = p;
	if (!pr.manual) {
		pr.m = m;
		pr.p = p;
	}
}

static void lay_out(const struct course *course, int width)
{
	if (pr.m == pr.laid_m && pr.p == pr.laid_p && width == pr.laid_width)
		return;
	mdview_release(&pr.view);
	pr.view = (struct mdview)MDVIEW_INIT;
	pr.error[0] = '\0';
	pr.top = 0;
	pr.laid_m = pr.m;
	pr.laid_p = pr.p;
	pr.laid_width = width;
	if (pr.m < 0)
		return;
	struct error err;
	size_t len;
	char *text = course_page_text(course, &course->modules[pr.m].pages[pr.p], &len, &err);
	if (!text) {
		error_format(&err, pr.error, sizeof pr.error);
		return;
	}
	mdview_layout(&pr.view, text, len, width);
	free(text);
}

static void presenter_draw(const struct app *app, int rows, int cols)
{
	const struct course *course = app->course;
	int width = cols - 16 > 88 ? 88 : cols - 16;
	int x = (cols - width) / 2;
	if (trainer_live_shown() && trainer_live_shown() != pr.slides) {
		/* The room's question, large: text, options, shares; the answer once revealed. */
		trainer_live_draw(2, x, rows - 4, width, true);
		tui_put(rows - 1, x, "x back to the slides", width, TUI_DIM);
		return;
	}
	lay_out(course, width);
	if (pr.m < 0) {
		tui_put(rows / 2, x, "The session has not started, or it is over.", width, TUI_DIM);
		return;
	}
	const struct course_module *mod = &course->modules[pr.m];
	char title[600];
	snprintf(title, sizeof title, "%ld · %s", pr.m + 1, mod->title);
	tui_put(1, x, title, width, TUI_DIM);
	if (pr.error[0])
		tui_put(3, x, pr.error, width, TUI_STATUS_ERROR);
	int body = rows - 5;
	for (int r = 0; r < body && pr.top + (size_t)r < pr.view.n_lines; r++) {
		size_t li = pr.top + (size_t)r;
		mdline_draw_at(3 + r, x, width, &pr.view.lines[li], li, NULL, 0, 0, 0);
	}
	char foot[96];
	snprintf(foot, sizeof foot, "page %ld/%zu%s", pr.p + 1, mod->n_pages,
		 pr.manual ? " · f follows the agenda again" : "");
	tui_put(rows - 1, x, foot, width, TUI_DIM);
}

static void step(const struct course *course, int dir)
{
	long m = pr.m < 0 ? 0 : pr.m, p = pr.m < 0 ? 0 : pr.p + dir;
	if (p < 0 && m > 0) {
		m--;
		p = (long)course->modules[m].n_pages - 1;
	} else if (p >= (long)course->modules[m].n_pages && (size_t)m + 1 < course->n_modules) {
		m++;
		p = 0;
	}
	if (p < 0 || p >= (long)course->modules[m].n_pages)
		return;
	pr.m = m;
	pr.p = p;
	pr.manual = true;
}

static enum input_result presenter_key(struct app *app, int key)
{
	switch (key) {
	case 'n':
	case KEY_RIGHT:
		step(app->course, +1);
		return INPUT_HANDLED;
	case 'p':
	case KEY_LEFT:
		step(app->course, -1);
		return INPUT_HANDLED;
	case 'x':
		pr.slides = pr.slides == trainer_live_shown() ? 0 : trainer_live_shown();
		return INPUT_HANDLED;
	case 'f':
		pr.manual = false;
		presenter_follow(pr.follow_m, pr.follow_p);
		return INPUT_HANDLED;
	case 'j':
	case KEY_DOWN:
	case ' ':
		pr.top = mdview_scroll(pr.top, key == ' ' ? 10 : 1, pr.view.n_lines, LINES - 5);
		return INPUT_HANDLED;
	case 'k':
	case KEY_UP:
		pr.top = mdview_scroll(pr.top, -1, pr.view.n_lines, LINES - 5);
		return INPUT_HANDLED;
	}
	return INPUT_IGNORED;
}

static bool presenter_tick(struct app *app)
{
	return trainer_refresh(app->course);
}

static void presenter_release(void)
{
	mdview_release(&pr.view);
	pr.view = (struct mdview)MDVIEW_INIT;
	pr.laid_m = pr.laid_p = -1;
}

static const struct tui_key_help presenter_keys[] = {
	{ "n p, → ←", "next, previous page (stops following the agenda)" },
	{ "f", "follow the agenda again" },
	{ "x", "the slides instead of the live question, and back" },
	{ "↑↓ Space", "scroll" },
	{ NULL, NULL },
};

const struct tui_screen screen_presenter = {
	.name = "presenter",
	.draw = presenter_draw,
	.key = presenter_key,
	.tick = presenter_tick,
	.release = presenter_release,
	.keys = presenter_keys,
};
