/*
 * The final project's screen (tui/screen_project.h). What it shows comes from the rubric's
 * list of checks (rubric.yaml) and from the records: the last run and the reviews, read again
 * when the screen opens and after each run, so a check run from a shell shows here too.
 */
#include "tui/screen_project.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check/project.h"
#include "core/clock.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "tui/items.h"
#include "tui/theme.h"

/* One row of the screen's body. */
struct line {
	char *text;
	int indent;
	int role;
	const char *mark; /* "✓", "✗", "·" or NULL */
	int mark_role;
	char *right; /* right-aligned: a criterion's points, or NULL */
};

static struct {
	bool loaded;
	struct project_rubric rubric;
	struct project_standing st;
	char error[600];
	struct line *lines;
	size_t n;
	size_t top;
	int rows;
	/* A run under way. */
	bool running;
	struct project_run run;
	struct strbuf out;
	int64_t started_ms;
	char step[200];
} ps = { .run = { -1, -1 } };

static void lines_free(void)
{
	for (size_t i = 0; i < ps.n; i++) {
		free(ps.lines[i].text);
		free(ps.lines[i].right);
	}
	free(ps.lines);
	ps.lines = NULL;
	ps.n = 0;
}

static void add(int indent, int role, const char *mark, int mark_role, const char *right,
		const char *fmt, ...) XALLOC_PRINTF(6, 7);

static void add(int indent, int role, const char *mark, int mark_role, const char *right,
		const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct strbuf sb = STRBUF_INIT;
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ps.lines = xreallocarray(ps.lines, ps.n + 1, sizeof(*ps.lines));
	ps.lines[ps.n++] = (struct line){ .text = strbuf_detach(&sb),
					  .indent = indent,
					  .role = role,
					  .mark = mark,
					  .mark_role = mark_role,
					  .right = right ? xstrdup(right) : NULL };
}

static const cJSON *evidence_of(const cJSON *crit, const char *check)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(crit, "evidence"))
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "check");
		if (cJSON_IsString(name) && strcmp(name->valuestring, check) == 0)
			return e;
	}
	return NULL;
}

static int int_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valueint : 0;
}

/* A check's row (and the reason it lost its point, under it) from the run's evidence e. */
static void add_check(const char *name, const cJSON *e)
{
	if (!e) {
		add(4, TUI_NORMAL, "·", TUI_DIM, "1 pt", "%s", name);
		return;
	}
	bool pass = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "pass"));
	add(4, pass ? TUI_NORMAL : TUI_STRONG, pass ? "✓" : "✗", pass ? TUI_DONE : TUI_MARKER,
	    pass ? "1 of 1" : "0 of 1", "%s", name);
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "detail");
	if (!pass && cJSON_IsString(d) && d->valuestring[0])
		add(6, TUI_DIM, NULL, 0, NULL, "why: %s", d->valuestring);
}

/* The body's rows from the rubric and the standing. */
static void build(void)
{
	lines_free();
	if (!ps.loaded)
		return;
	const cJSON *run = ps.st.rubric;
	if (run) {
		char when[32] = "";
		time_t t = (time_t)(ps.st.rubric_ms / 1000);
		struct tm tm;
		if (localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		add(2, TUI_STRONG, NULL, 0, NULL, "Last rubric run %s: %d of %d points", when,
		    int_of(run, "points"), int_of(run, "max"));
	} else {
		add(2, TUI_DIM, NULL, 0, NULL,
		    "No rubric run yet: deploy the stack %s, then press r.", PROJECT_STACK);
	}
	for (size_t i = 0; i < ps.rubric.n_criteria; i++) {
		const struct project_criterion *c = &ps.rubric.criteria[i];
		const cJSON *rc = project_run_criterion(run, c->id);
		char pts[64];
		if (rc)
			snprintf(pts, sizeof(pts), "%d of %d", int_of(rc, "points"),
				 int_of(rc, "max"));
		else
			snprintf(pts, sizeof(pts), "%zu pt%s", c->n_checks,
				 c->n_checks == 1 ? "" : "s");
		add(0, TUI_NORMAL, NULL, 0, NULL, "%s", "");
		add(2, TUI_H2, NULL, 0, pts, "%s", c->title[0] ? c->title : c->id);
		for (size_t k = 0; k < c->n_checks; k++)
			add_check(c->checks[k], rc ? evidence_of(rc, c->checks[k]) : NULL);
		/* What the run found beyond the list (a stack missing altogether). */
		const cJSON *e;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rc, "evidence"))
		{
			const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "check");
			bool listed = false;
			for (size_t k = 0; cJSON_IsString(name) && k < c->n_checks; k++)
				listed = listed || strcmp(c->checks[k], name->valuestring) == 0;
			if (cJSON_IsString(name) && !listed)
				add_check(name->valuestring, e);
		}
		const cJSON *rv = cJSON_GetObjectItemCaseSensitive(ps.st.reviews, c->id);
		const cJSON *cm = cJSON_GetObjectItemCaseSensitive(rv, "comment");
		if (rv)
			add(4, TUI_ACCENT, NULL, 0, NULL, "Trainer's review: %d of %d%s%s",
			    int_of(rv, "score"), PROJECT_REVIEW_MAX,
			    cJSON_IsString(cm) && cm->valuestring[0] ? ": " : "",
			    cJSON_IsString(cm) ? cm->valuestring : "");
		else
			add(4, TUI_DIM, NULL, 0, NULL, "Reviewed by a trainer (0 to %d): %s",
			    PROJECT_REVIEW_MAX, c->review);
	}
}

static void reload(struct app *app)
{
	struct error err;
	error_clear(&err);
	if (!ps.loaded) {
		char *dir = project_dir(app->course->root);
		ps.loaded = project_rubric_load(dir, &ps.rubric, &err);
		free(dir);
		if (!ps.loaded)
			snprintf(ps.error, sizeof(ps.error), "%s", err.msg);
	}
	if (ps.loaded && !project_standing_read(app->store, &ps.st, &err))
		snprintf(ps.error, sizeof(ps.error), "%s", err.msg);
	build();
}

static void project_enter(struct app *app)
{
	if (!ps.running) {
		ps.top = 0; /* opened again: from the top, where the score is */
		reload(app);
	}
}

static void start_run(struct app *app)
{
	struct error err;
	error_clear(&err);
	if (!ps.loaded || !app->workspace) {
		app_error(app, "the rubric cannot run: %s",
			  ps.error[0] ? ps.error : "no workspace");
		return;
	}
	const struct check_cloud *cloud = app_cloud(app, &err);
	if (!cloud || !project_run_start(ps.rubric.dir, app->workspace, cloud, &ps.run, &err)) {
		app_error(app, "the rubric cannot run: %s", err.msg);
		return;
	}
	fcntl(ps.run.fd, F_SETFL, fcntl(ps.run.fd, F_GETFL) | O_NONBLOCK);
	strbuf_reset(&ps.out);
	ps.running = true;
	ps.started_ms = clock_mono_ms();
	snprintf(ps.step, sizeof(ps.step), "starting");
}

/* The run ended (its pipe closed): its answer recorded and shown. */
static void end_run(struct app *app)
{
	struct error err;
	error_clear(&err);
	ps.running = false;
	cJSON *o = project_run_finish(&ps.run, ps.out.buf, &err);
	if (!o) {
		app_error(app, "%s", err.msg);
		return;
	}
	if (app->store && !project_record_run(app->store, o, &err))
		app_error(app, "the run could not be recorded: %s", err.msg);
	else
		app_status(app, "rubric: %d of %d points in %.1f s", int_of(o, "points"),
			   int_of(o, "max"), (double)(clock_mono_ms() - ps.started_ms) / 1000.0);
	cJSON_Delete(o);
	reload(app);
}

static bool project_tick(struct app *app)
{
	if (!ps.running)
		return false;
	char buf[4096];
	for (;;) {
		ssize_t got = read(ps.run.fd, buf, sizeof(buf));
		if (got > 0) {
			strbuf_add(&ps.out, buf, (size_t)got);
			continue;
		}
		if (got == 0) {
			end_run(app);
			return true;
		}
		if (errno == EINTR)
			continue;
		break; /* EAGAIN: more later */
	}
	char *step = project_run_step(ps.out.buf ? ps.out.buf : "");
	if (step) {
		snprintf(ps.step, sizeof(ps.step), "%s",
			 strncmp(step, "rubric: ", 8) == 0 ? step + 8 : step);
		free(step);
	}
	return true; /* the elapsed time moves */
}

static int project_wake_fd(void)
{
	return ps.running ? ps.run.fd : -1;
}

static int body_rows(int rows)
{
	return rows - 6;
}

static void project_draw(const struct app *app, int rows, int cols)
{
	ps.rows = rows;
	const char *title = ps.loaded && ps.rubric.title[0] ? ps.rubric.title : "";
	char left[256];
	snprintf(left, sizeof(left), "Final project%s%s", title[0] ? ": " : "", title);
	char right[64] = "";
	if (ps.st.rubric)
		snprintf(right, sizeof(right), "%d of %d points", int_of(ps.st.rubric, "points"),
			 int_of(ps.st.rubric, "max"));
	tui_title(app, left, right, cols);
	int y = 2;
	if (ps.error[0]) {
		tui_put(y, 2, ps.error, cols - 4, TUI_STATUS_ERROR);
		y += 2;
	}
	int avail = body_rows(rows) - (ps.error[0] ? 2 : 0);
	if (ps.top + (size_t)avail > ps.n)
		ps.top = ps.n > (size_t)avail ? ps.n - (size_t)avail : 0;
	for (size_t i = ps.top; i < ps.n && y < 2 + avail; i++, y++) {
		const struct line *l = &ps.lines[i];
		int x = 1 + l->indent;
		int w_right = 0;
		if (l->right) {
			w_right = 12;
			tui_put(y, cols - 2 - w_right, l->right, w_right,
				l->role == TUI_H2 ? TUI_STRONG : TUI_DIM);
		}
		if (l->mark) {
			tui_put(y, x, l->mark, 1, l->mark_role);
			x += 2;
		}
		tui_put(y, x, l->text, cols - x - 3 - w_right, l->role);
	}
	if (ps.running) {
		char line[300];
		snprintf(line, sizeof(line), "Running the rubric (%lld s): %s · q cancels",
			 (long long)((clock_mono_ms() - ps.started_ms) / 1000), ps.step);
		tui_put(rows - 3, 2, line, cols - 4, TUI_NOTICE);
	} else {
		tui_put(rows - 3, 2,
			"r runs the rubric on your stack final-project (it deploys nothing); "
			"lambda-tutor project check does the same from a shell",
			cols - 4, TUI_DIM);
	}
	tui_footer(app,
		   ps.running ? "↑↓/jk scroll · q cancel the run · ? help"
			      : "↑↓/jk scroll · r run the rubric · ? help · q back",
		   rows, cols);
}

static enum input_result project_key(struct app *app, int key)
{
	size_t page = ps.rows > 8 ? (size_t)body_rows(ps.rows) : 1;
	switch (key) {
	case KEY_UP:
	case 'k':
		ps.top = ps.top > 0 ? ps.top - 1 : 0;
		return INPUT_HANDLED;
	case KEY_DOWN:
	case 'j':
		ps.top++;
		return INPUT_HANDLED;
	case KEY_PPAGE:
		ps.top = ps.top > page ? ps.top - page : 0;
		return INPUT_HANDLED;
	case KEY_NPAGE:
	case ' ':
		ps.top += page;
		return INPUT_HANDLED;
	case 'g':
	case KEY_HOME:
		ps.top = 0;
		return INPUT_HANDLED;
	case 'G':
	case KEY_END:
		ps.top = ps.n;
		return INPUT_HANDLED;
	default:
		break;
	}
	if (ps.running && (key == 'q' || key == TUI_KEY_ESC)) {
		project_run_cancel(&ps.run);
		ps.running = false;
		app_status(app, "rubric run cancelled: nothing recorded");
		return INPUT_HANDLED;
	}
	if (ps.running && key != '?') {
		app_status(app, "the rubric is running: q cancels it");
		return INPUT_HANDLED;
	}
	if (key == 'r') {
		start_run(app);
		return INPUT_HANDLED;
	}
	return INPUT_IGNORED;
}

static void project_release(void)
{
	if (ps.running)
		project_run_cancel(&ps.run);
	ps.running = false;
	lines_free();
	project_standing_release(&ps.st);
	project_rubric_release(&ps.rubric);
	ps.loaded = false;
	strbuf_release(&ps.out);
	ps.error[0] = '\0';
}

static const struct tui_key_help project_keys[] = {
	{ "↑ ↓, j k, PgUp PgDn", "scroll" },
	{ "r", "run the rubric on your deployed stack, and record its scores" },
	{ "q (during a run)", "cancel the run: nothing is recorded" },
	{ NULL, NULL },
};

const struct tui_screen screen_project = {
	.name = "project",
	.enter = project_enter,
	.draw = project_draw,
	.key = project_key,
	.tick = project_tick,
	.wake_fd = project_wake_fd,
	.release = project_release,
	.keys = project_keys,
};
