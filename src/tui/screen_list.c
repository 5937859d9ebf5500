/*
 * The exercise list, as rustlings' list: every exercise of the course under its module, with
 * its language, its state (not started, failing and on which task, passed, solution seen) and
 * its last check. Enter opens one. The records are read again whenever they grow, so a check
 * run from the shell shows within a second. X opens it from anywhere.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check/progress.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "store/store.h"
#include "tui/items.h"
#include "tui/theme.h"
#include "tui/tui.h"
#include "tui/utf8.h"

/* How often the records are looked at for runs made elsewhere. */
#define POLL_MS 500

struct row {
	long module;               /* the header row of a module: ex NULL; -1 the scenarios' */
	const struct exercise *ex; /* borrowed from the app's set, or the list's scenarios */
	bool further;
	struct exercise_progress p; /* copied, strings owned */
	bool scenario;
	struct scenario_progress sp;
	char *symptom; /* a scenario's: its first paragraph, owned */
};

static struct {
	struct row *rows;
	size_t n;
	size_t sel; /* a row with an exercise */
	size_t top;
	bool pending; /* only the exercises not passed */
	size_t passed, total;
	int w_state;    /* the widest state shown, for its column */
	bool any_lang;  /* some exercise has a language: its column is shown */
	int64_t events; /* events in the records when last read */
	int64_t polled_ms;
	char error[600];
	const struct exercise_set
		*scenarios; /* the course's troubleshooting scenarios, the app's */
} ls;

static void rows_free(void)
{
	for (size_t i = 0; i < ls.n; i++) {
		free(ls.rows[i].p.failing_task);
		free(ls.rows[i].p.failing_text);
		free(ls.rows[i].p.error);
		free(ls.rows[i].symptom);
	}
	free(ls.rows);
	ls.rows = NULL;
	ls.n = 0;
}

static void push(const struct row *r)
{
	ls.rows = xreallocarray(ls.rows, ls.n + 1, sizeof(*ls.rows));
	ls.rows[ls.n++] = *r;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void state_text(const struct exercise_progress *p, char *out, size_t n, int *role);

static void scenario_state_text(const struct scenario_progress *sp, char *out, size_t n)
{
	if (sp->fixed_ms)
		snprintf(out, n, "fixed in %lld min",
			 (long long)((sp->fixed_ms - sp->started_ms) / 60000));
	else if (sp->started_ms)
		snprintf(out, n, "in progress, %d hint%s", sp->hints, sp->hints == 1 ? "" : "s");
	else
		snprintf(out, n, "not started");
}

/* Read the exercises' progress again, keeping the selection on the same exercise. */
static void reload(struct app *app)
{
	const struct exercise *was = ls.sel < ls.n ? ls.rows[ls.sel].ex : NULL;
	rows_free();
	ls.error[0] = '\0';
	ls.passed = ls.total = 0;
	struct course_progress cp;
	struct error err;
	error_clear(&err);
	if (!app_progress(app, &cp, &err)) {
		snprintf(ls.error, sizeof(ls.error), "%s", err.msg);
		return;
	}
	const struct course_path *path = cp.path;
	for (size_t m = 0; m < path->n_modules; m++) {
		bool header = false;
		const struct module_path *mp = &path->modules[m];
		for (size_t i = 0; i < mp->n_items; i++) {
			const struct path_item *it = &mp->items[i];
			if (it->kind != PATH_EXERCISE)
				continue;
			const struct exercise_progress *p = course_progress_exercise(&cp, it->ex);
			ls.total++;
			ls.passed += p && progress_done(p);
			if (ls.pending && p && progress_done(p))
				continue;
			if (!header) {
				push(&(struct row){ .module = (long)m });
				header = true;
			}
			struct row r = { .module = (long)m, .ex = it->ex, .further = it->further };
			if (p) {
				r.p = *p;
				r.p.failing_task = dup_or_null(p->failing_task);
				r.p.failing_text = dup_or_null(p->failing_text);
				r.p.error = dup_or_null(p->error);
			}
			push(&r);
		}
	}
	course_progress_release(&cp);
	/* The troubleshooting scenarios, each by its symptom. */
	if (!ls.scenarios)
		ls.scenarios = app_scenarios(app);
	for (size_t i = 0; i < ls.scenarios->n; i++) {
		struct row r = { .module = -1, .ex = ls.scenarios->v[i], .scenario = true };
		scenario_progress_load(app->store, r.ex->id, &r.sp);
		if (ls.pending && r.sp.fixed_ms)
			continue;
		if (i == 0 || !ls.n || ls.rows[ls.n - 1].module != -1)
			push(&(struct row){ .module = -1 });
		r.symptom = scenario_symptom(r.ex);
		push(&r);
	}
	ls.w_state = 11; /* "not started" */
	ls.any_lang = false;
	for (size_t i = 0; i < ls.n; i++) {
		if (!ls.rows[i].ex)
			continue;
		char state[160];
		int role;
		if (ls.rows[i].scenario)
			scenario_state_text(&ls.rows[i].sp, state, sizeof(state));
		else
			state_text(&ls.rows[i].p, state, sizeof(state), &role);
		int w = utf8_width(state, strlen(state));
		ls.w_state = w > ls.w_state ? w : ls.w_state;
		ls.any_lang |= ls.rows[i].p.language[0] != '\0';
	}
	ls.sel = ls.n;
	for (size_t i = 0; i < ls.n; i++) {
		if (!ls.rows[i].ex)
			continue;
		if (ls.sel == ls.n || ls.rows[i].ex == was)
			ls.sel = i;
		if (ls.rows[i].ex == was)
			break;
	}
	if (app->store)
		store_count(app->store, NULL, &ls.events, NULL);
}

static void list_enter(struct app *app)
{
	reload(app);
}

static void list_release(void)
{
	rows_free();
	memset(&ls, 0, sizeof(ls));
}

static void state_text(const struct exercise_progress *p, char *out, size_t n, int *role)
{
	*role = TUI_NORMAL;
	switch (p->state) {
	case PROGRESS_NOT_STARTED:
		snprintf(out, n, "not started");
		*role = TUI_DIM;
		break;
	case PROGRESS_FAILING:
		snprintf(out, n, "failing: %s", p->failing_task ? p->failing_task : "a task");
		*role = TUI_MARKER;
		break;
	case PROGRESS_ERROR:
		snprintf(out, n, "could not run");
		*role = TUI_NOTICE;
		break;
	case PROGRESS_PASSED:
		snprintf(out, n, "%s", "passed");
		*role = TUI_DONE;
		break;
	}
	if (p->solution_seen)
		strncat(out,
			p->state == PROGRESS_PASSED && !p->solution_first ? ", solution seen"
									  : ", solution seen first",
			n - strlen(out) - 1);
}

static void draw_row(const struct row *r, int y, bool sel, int cols, const struct app *app)
{
	int role = sel ? TUI_SELECTED : TUI_NORMAL;
	if (!r->ex) {
		char head[600];
		if (r->module < 0)
			snprintf(head, sizeof(head),
				 "Troubleshooting scenarios (Enter sets one up in your "
				 "account; or lambda-tutor scenario start NAME)");
		else
			snprintf(head, sizeof(head), "%ld. %s", r->module + 1,
				 app->course->modules[r->module].title);
		tui_put(y, 1, head, cols - 2, TUI_H2);
		return;
	}
	if (r->scenario) {
		if (sel) {
			tui_fill(y, 1, cols - 1, TUI_SELECTED);
			tui_put(y, 1, "▸", 1, TUI_SELECTED);
		}
		const struct scenario_progress *sp = &r->sp;
		tui_put(y, 3,
			sp->fixed_ms     ? "✓"
			: sp->started_ms ? "✗"
					 : "·",
			1,
			sel            ? role
			: sp->fixed_ms ? TUI_DONE
				       : TUI_DIM);
		char state[96];
		scenario_state_text(sp, state, sizeof(state));
		char label[400];
		snprintf(label, sizeof(label), "%s  %s", r->ex->id,
			 r->ex->title ? r->ex->title : "");
		int w_state = ls.w_state < cols / 3 ? ls.w_state : cols / 3;
		int x_state = (cols >= 100 ? cols - 13 : cols - 1) - w_state - 1;
		tui_put(y, x_state, state, w_state, sel ? role : TUI_DIM);
		tui_put(y, 5, label, x_state - 6, role);
		return;
	}
	if (sel) {
		tui_fill(y, 1, cols - 1, TUI_SELECTED);
		tui_put(y, 1, "▸", 1, TUI_SELECTED);
	}
	const struct exercise_progress *p = &r->p;
	const char *mark = p->state == PROGRESS_PASSED                                  ? "✓"
			   : p->state == PROGRESS_FAILING || p->state == PROGRESS_ERROR ? "✗"
											: "·";
	int mark_role = p->state == PROGRESS_PASSED        ? TUI_DONE
			: p->state == PROGRESS_NOT_STARTED ? TUI_DIM
							   : TUI_MARKER;
	tui_put(y, 3, mark, 1, sel ? role : mark_role);
	/* Right to left: last check, state, language; the title gets what is left. */
	char when[24] = "";
	if (p->runs) {
		time_t t = (time_t)(p->last_ms / 1000);
		struct tm tm;
		if (localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%m-%d %H:%M", &tm);
	}
	char state[160];
	int state_role;
	state_text(p, state, sizeof(state), &state_role);
	/* The last check's time only where there is room; the state always, as wide as the
	   widest (up to a third of the screen); the title gets the rest. */
	bool room = cols >= 100;
	int x_when = room ? cols - 13 : cols - 1;
	int w_state = ls.w_state < cols / 3 ? ls.w_state : cols / 3;
	int x_state = x_when - w_state - 1, x_lang = ls.any_lang ? x_state - 8 : x_state;
	if (room)
		tui_put(y, x_when, when, 12, sel ? role : TUI_DIM);
	tui_put(y, x_state, state, w_state, sel ? role : state_role);
	tui_put(y, x_lang, p->language[0] ? p->language : "", 7, sel ? role : TUI_DIM);
	char label[400];
	snprintf(label, sizeof(label), "%s%s  %s", r->ex->id, r->further ? " (further)" : "",
		 r->ex->title ? r->ex->title : "");
	tui_put(y, 5, label, x_lang - 6, role);
}

static int body_rows(int rows)
{
	return rows - 5;
}

static void list_draw(const struct app *app, int rows, int cols)
{
	char right[64];
	snprintf(right, sizeof(right), "%zu of %zu passed", ls.passed, ls.total);
	tui_title(app, ls.pending ? "Exercises not passed yet" : "Exercises", right, cols);
	int avail = body_rows(rows), y = 2;
	if (ls.error[0]) {
		tui_put(y, 2, ls.error, cols - 4, TUI_STATUS_ERROR);
	} else if (!ls.n) {
		tui_put(y, 2,
			ls.pending ? "Every exercise has passed. u shows them all."
				   : "The course has no exercises.",
			cols - 4, TUI_DIM);
	}
	if (ls.sel < ls.n && ls.sel < ls.top + 1)
		ls.top = ls.sel > 0 && !ls.rows[ls.sel - 1].ex ? ls.sel - 1 : ls.sel;
	if (ls.sel >= ls.top + (size_t)avail)
		ls.top = ls.sel - (size_t)avail + 1;
	for (size_t i = ls.top; i < ls.n && y < 2 + avail; i++, y++)
		draw_row(&ls.rows[i], y, i == ls.sel, cols, app);
	if (ls.sel < ls.n && ls.rows[ls.sel].symptom && rows - 2 > y)
		tui_put(rows - 2, 3, ls.rows[ls.sel].symptom, cols - 6, TUI_DIM);
	else if (ls.sel < ls.n && ls.rows[ls.sel].p.failing_text && rows - 2 > y)
		tui_put(rows - 2, 3, ls.rows[ls.sel].p.failing_text, cols - 6, TUI_DIM);
	tui_footer(app,
		   ls.pending ? "↑↓/jk move · Enter open · u show all · ? help · q back"
			      : "↑↓/jk move · Enter open · u only not passed · ? help · q back",
		   rows, cols);
}

static void move_sel(int dir)
{
	size_t i = ls.sel;
	for (;;) {
		if (dir < 0 && i == 0)
			return;
		i = dir < 0 ? i - 1 : i + 1;
		if (i >= ls.n)
			return;
		if (ls.rows[i].ex) {
			ls.sel = i;
			return;
		}
	}
}

static enum input_result list_key(struct app *app, int key)
{
	switch (key) {
	case KEY_UP:
	case 'k':
	case TUI_KEY_WHEEL_UP:
		move_sel(-1);
		return INPUT_HANDLED;
	case KEY_DOWN:
	case 'j':
	case TUI_KEY_WHEEL_DOWN:
		move_sel(1);
		return INPUT_HANDLED;
	case 'g':
	case KEY_HOME:
		ls.sel = 0;
		if (ls.n && !ls.rows[0].ex)
			move_sel(1);
		return INPUT_HANDLED;
	case 'G':
	case KEY_END:
		ls.sel = ls.n ? ls.n - 1 : 0;
		return INPUT_HANDLED;
	case 'u':
		ls.pending = !ls.pending;
		reload(app);
		return INPUT_HANDLED;
	case '\r':
	case '\n':
	case KEY_ENTER:
	case KEY_RIGHT:
	case 'l': {
		if (ls.sel >= ls.n || !ls.rows[ls.sel].ex)
			return INPUT_HANDLED;
		struct error err;
		error_clear(&err);
		if (ls.rows[ls.sel].scenario) {
			if (!app_open_scenario(app, ls.rows[ls.sel].ex, false, &err))
				app_error(app, "%s", err.msg);
			return INPUT_HANDLED;
		}
		if (!app_open_exercise(app, ls.rows[ls.sel].ex, &err))
			app_error(app, "%s", err.msg);
		return INPUT_HANDLED;
	}
	case KEY_LEFT:
		app_back(app);
		return INPUT_HANDLED;
	default:
		return INPUT_IGNORED;
	}
}

/* Runs made elsewhere (`lambda-tutor check` in a shell) show within POLL_MS. */
static bool list_tick(struct app *app)
{
	int64_t now = clock_mono_ms();
	if (!app->store || now - ls.polled_ms < POLL_MS)
		return false;
	ls.polled_ms = now;
	int64_t n = 0;
	if (!store_count(app->store, NULL, &n, NULL) || n == ls.events)
		return false;
	reload(app);
	return true;
}

static const struct tui_key_help list_keys[] = {
	{ "↑ ↓, j k", "move" },
	{ "g G", "first, last" },
	{ "Enter, →", "open the exercise; a scenario is set up first" },
	{ "u", "only the exercises not passed yet, or all" },
	{ "←, q, Esc", "back" },
	{ NULL, NULL },
};

const struct tui_screen screen_list = {
	.name = "exercises",
	.enter = list_enter,
	.draw = list_draw,
	.key = list_key,
	.tick = list_tick,
	.release = list_release,
	.keys = list_keys,
};
