/*
 * The exercise screen. The state and its rules live in exercise_view.c; checking in check/;
 * this file lays out the brief, draws, runs the editor and the checks, and records hints,
 * solutions and runs in the learner's log.
 */
#include "tui/screen_exercise.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check/progress.h"
#include "check/record.h"
#include "check/watch.h"
#include "check/workspace.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "store/store.h"
#include "tui/class_mode.h"
#include "tui/exercise_view.h"
#include "tui/items.h"
#include "tui/mdline.h"
#include "tui/mdview.h"
#include "tui/theme.h"

static struct {
	const struct exercise_set *set;
	const struct exercise *ex;
	char *ws, *dir;
	struct check_cloud cloud;
	struct exercise_view v;
	bool ready;
	char *brief;
	size_t brief_len;
	struct mdview md;
	size_t top;
	int rows, cols;
	struct watch *watch;
	struct app *app; /* during a check, for progress */
	bool unfold;     /* events shown whole, not folded */
} es;

/*
 * A check runs on a thread of its own, so that the keys stay live: the screen draws its
 * progress, ? shows the help, q cancels it. The thread touches only this struct (under mu)
 * and the pipe that wakes the loop; the records are written by the loop once it is over.
 */
static struct {
	pthread_mutex_t mu;
	pthread_t thread;
	bool running;  /* the thread exists and has not been joined */
	bool finished; /* it is over; result holds what it found */
	volatile int cancel;
	size_t steps_done;
	struct check_result result;
	struct check_opts opts;
	int wake[2];     /* the thread writes a byte on each step; the loop waits on wake[0] */
	bool want_again; /* a save came in during the check: check again after it */
} job = { .mu = PTHREAD_MUTEX_INITIALIZER, .wake = { -1, -1 } };

static void job_wait(void);

/* Forget the exercise shown (not the setup: exercises opened from it borrow its set). */
static void state_reset(void)
{
	job_wait();
	if (es.ready)
		exercise_view_release(&es.v);
	watch_close(es.watch);
	mdview_release(&es.md);
	free(es.brief);
	free(es.ws);
	free(es.dir);
	memset(&es, 0, sizeof(es));
}

/* The loop ends: free everything. */
static void exercise_release(void)
{
	state_reset();
}

bool screen_exercise_load(struct app *app, const struct exercise_set *set,
			  const struct exercise *ex, const char *ws,
			  const struct check_cloud *cloud, enum exercise_lang lang,
			  struct error *err)
{
	long m = course_module_index(app->course, ex->module_id);
	if (class_mode_locked(app, m))
		return error_set(err, "module %ld is not open yet: the trainer opens it", m + 1);
	if (ex->kind == EXERCISE_CODE && !ex->starters[lang].present)
		return error_set(err, "exercise '%s' has no %s starter", ex->id,
				 exercise_lang_name(lang));
	bool created = false;
	if (ex->kind == EXERCISE_CODE && !workspace_open(ws, ex, lang, &created, err))
		return false;
	char *brief = exercise_brief(ex, NULL, err);
	if (!brief)
		return false;
	char *keep_ws = xstrdup(ws);
	state_reset();
	es.set = set;
	es.ex = ex;
	es.ws = keep_ws;
	/* A scenario's code is the broken application's, deployed from the course. */
	es.dir = ex->kind == EXERCISE_SCENARIO ? xstrdup(ex->starters[lang].dir)
					       : workspace_dir(ws, ex);
	es.cloud = *cloud;
	es.brief = brief;
	es.brief_len = strlen(brief);
	exercise_view_init(&es.v, ex, lang);
	if (ex->kind == EXERCISE_SCENARIO) {
		/* The hints revealed since the scenario was started, in a shell or here. */
		struct scenario_progress sp;
		scenario_progress_load(app->store, ex->id, &sp);
		es.v.hints_shown = (size_t)sp.hints < ex->n_hints ? (size_t)sp.hints : ex->n_hints;
	}
	es.ready = true;
	app->relayout = true;
	if (created)
		app_status(app, "created %s from the %s starter; e opens it in your editor", es.dir,
			   exercise_lang_name(lang));
	return true;
}

static void layout(struct app *app, int rows, int cols)
{
	es.rows = rows;
	es.cols = cols;
	int width = cols - 4;
	mdview_layout(&es.md, es.brief, es.brief_len, width);
	exercise_view_build(&es.v, width);
}

static size_t total_lines(void)
{
	return es.md.n_lines + 1 + es.v.n_lines;
}

static int body_rows(int rows)
{
	return rows - 3;
}

static int role_of(enum ev_kind k)
{
	switch (k) {
	case EV_HEADING:
		return TUI_H2;
	case EV_TASK_PASS:
		return TUI_DONE;
	case EV_TASK_FAIL:
	case EV_STEP_FAIL:
		return TUI_MARKER;
	case EV_TASK_TODO:
	case EV_TEXT:
		return TUI_NORMAL;
	case EV_DETAIL:
		return TUI_NORMAL;
	case EV_LOG:
	case EV_STEP_DONE:
		return TUI_DIM;
	case EV_STEP_RUNNING:
		return TUI_ACCENT;
	case EV_HINT:
		return TUI_NOTICE;
	case EV_NOTICE:
		return TUI_NOTICE;
	case EV_CODE:
		return TUI_CODE;
	}
	abort();
}

static void draw(const struct app *app, int rows, int cols)
{
	char right[64];
	snprintf(right, sizeof(right), "%s%s", exercise_lang_name(es.v.lang),
		 es.v.watching ? " · watching" : "");
	char left[300];
	snprintf(left, sizeof(left), "%s: %s",
		 es.ex->kind == EXERCISE_SCENARIO ? "Scenario" : "Exercise", es.ex->title);
	tui_title(app, left, right, cols);
	int avail = body_rows(rows);
	size_t n = total_lines();
	for (int r = 0; r < avail && es.top + (size_t)r < n; r++) {
		size_t i = es.top + (size_t)r;
		int y = 2 + r;
		if (i < es.md.n_lines) {
			mdline_draw(y, 2, cols - 4, &es.md.lines[i], i, NULL, 0, 0);
		} else if (i > es.md.n_lines) {
			const struct ev_line *l = &es.v.lines[i - es.md.n_lines - 1];
			tui_put(y, 2, l->text, cols - 4, role_of(l->kind));
		}
	}
	tui_footer(app,
		   es.ex->kind == EXERCISE_CODE
			   ? "e edit · c check · w watch · h hint · s solution · x reset · "
			     "L lang · n next · q"
		   : es.ex->kind == EXERCISE_SCENARIO
			   ? "c check · h hint · x set up again · ↑↓ scroll · q back"
			   : "c check · h hint · n next · ↑↓ scroll · q back",
		   rows, cols);
}

static void record(struct app *app, const char *kind, const char *data)
{
	if (!app->store)
		return;
	struct store_event ev = { .kind = kind,
				  .module = es.ex->module_id,
				  .item = es.ex->id,
				  .hash = es.ex->hash,
				  .data = data };
	struct error err;
	error_clear(&err);
	if (!store_append(app->store, &ev, &err))
		app_error(app, "not recorded: %s", err.msg);
}

/*
 * bench/check.sh times a save to its verdict on screen: with LAMBDA_TUTOR_BENCH_STAMPS set,
 * the verdict is drawn at once and the moment it reached the terminal (CLOCK_MONOTONIC, us)
 * is appended to that file with the number of tasks passed.
 */
static void stamp_result(void)
{
	const char *file = getenv("LAMBDA_TUTOR_BENCH_STAMPS");
	if (!file || !file[0] || !es.v.has_last || !es.app)
		return;
	erase();
	draw(es.app, es.rows, es.cols);
	refresh();
	FILE *f = fopen(file, "a");
	if (!f)
		return;
	fprintf(f, "%lld %zu\n", (long long)clock_mono_us(), es.v.last.n_passed);
	fclose(f);
}

static void wake_loop(void)
{
	if (job.wake[1] >= 0) {
		ssize_t w = write(job.wake[1], "x", 1);
		(void)w; /* a full pipe already wakes the loop */
	}
}

static void on_progress(void *ctx, const struct check_result *r, size_t step, bool done)
{
	(void)ctx;
	(void)r;
	pthread_mutex_lock(&job.mu);
	job.steps_done = done ? step + 1 : step;
	pthread_mutex_unlock(&job.mu);
	wake_loop();
}

static void *job_main(void *arg)
{
	const struct exercise *ex = arg;
	struct check_result r;
	check_run(ex, &job.opts, &r);
	pthread_mutex_lock(&job.mu);
	job.result = r;
	job.finished = true;
	pthread_mutex_unlock(&job.mu);
	wake_loop();
	return NULL;
}

/* Wait for a check under way to end (cancelled), and forget its result. */
static void job_wait(void)
{
	if (!job.running)
		return;
	job.cancel = 1;
	pthread_join(job.thread, NULL);
	job.running = false;
	if (job.finished)
		check_result_release(&job.result);
	job.finished = false;
}

static void run_check(struct app *app)
{
	if (job.running) {
		job.want_again = true; /* a save during a check: once more after it */
		return;
	}
	if (job.wake[0] < 0 && pipe(job.wake) == 0) {
		fcntl(job.wake[0], F_SETFL, O_NONBLOCK);
		fcntl(job.wake[1], F_SETFL, O_NONBLOCK);
	}
	es.app = app;
	exercise_view_start(&es.v);
	exercise_view_build(&es.v, es.cols - 4);
	/* Keep the progress in sight: the tasks and steps follow the brief. */
	size_t want = es.md.n_lines + 1;
	if (es.top < want && want + es.v.n_lines > es.top + (size_t)body_rows(es.rows))
		es.top = want;
	job.opts = (struct check_opts){
		.endpoint = es.cloud.endpoint,
		.control = es.cloud.control,
		.code_dir = es.dir,
		.lang = es.v.lang,
		.access_key = es.cloud.access_key,
		.secret_key = es.cloud.secret_key,
		.progress = on_progress,
		.cancel = &job.cancel,
	};
	job.cancel = 0;
	job.finished = false;
	job.steps_done = 0;
	job.want_again = false;
	if (pthread_create(&job.thread, NULL, job_main, (void *)es.ex) != 0) {
		app_error(app, "cannot start the check: %s", strerror(errno));
		struct check_result r = { .status = CHECK_ERROR, .exercise = es.ex };
		error_set(&r.error, "no thread to run the check on");
		exercise_view_finish(&es.v, &r);
		exercise_view_build(&es.v, es.cols - 4);
		return;
	}
	job.running = true;
}

/* The loop's side of a check: its progress, and its end (recorded, then shown). */
static bool job_poll(struct app *app)
{
	if (!job.running)
		return false;
	char buf[64];
	while (job.wake[0] >= 0 && read(job.wake[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&job.mu);
	bool finished = job.finished;
	size_t steps = job.steps_done;
	pthread_mutex_unlock(&job.mu);
	if (!finished) {
		if (steps != es.v.steps_done) {
			exercise_view_step(&es.v, steps);
			exercise_view_build(&es.v, es.cols - 4);
			return true;
		}
		return false;
	}
	pthread_join(job.thread, NULL);
	job.running = false;
	job.finished = false;
	struct check_result r = job.result;
	memset(&job.result, 0, sizeof(job.result));
	if (r.cancelled) {
		/* Nothing was judged: the last verdict stays, and nothing is recorded. */
		app_status(app, "check cancelled");
		exercise_view_cancel_run(&es.v);
		check_result_release(&r);
		exercise_view_build(&es.v, es.cols - 4);
		return true;
	}
	struct error err;
	error_clear(&err);
	if (app->store && !check_record(app->store, &r, &err))
		app_error(app, "the run was not recorded: %s", err.msg);
	if (r.status == CHECK_ERROR)
		app_error(app, "the check could not run: %s", r.error.msg);
	exercise_view_finish(&es.v, &r);
	exercise_view_build(&es.v, es.cols - 4);
	es.top = es.md.n_lines + 1 < total_lines() ? es.md.n_lines + 1 : 0;
	stamp_result();
	es.app = NULL;
	if (job.want_again)
		run_check(app);
	return true;
}

static void edit(struct app *app)
{
	char *file = workspace_main_file(es.ws, es.ex, es.v.lang);
	const char *editor = getenv("VISUAL");
	if (!editor || !editor[0])
		editor = getenv("EDITOR");
	if (!editor || !editor[0])
		editor = "vi";
	def_prog_mode();
	endwin();
	struct sigaction ign = { 0 }, old_int, old_quit;
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		/* Through the shell, so that EDITOR="code --wait" works. */
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", editor, file, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	bool waited = pid > 0 && waitpid(pid, &status, 0) == pid;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	reset_prog_mode();
	refresh();
	if (pid < 0 || !waited)
		app_error(app, "cannot start the editor '%s'", editor);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		app_error(app, "cannot run the editor '%s': set EDITOR to one you have", editor);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		app_error(app, "the editor '%s' exited with status %d; your file is as last saved",
			  editor, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	else if (!es.v.watching)
		app_status(app, "saved? c checks it, w checks on every save");
	free(file);
	app->relayout = true;
}

static void toggle_watch(struct app *app)
{
	if (es.v.watching) {
		watch_close(es.watch);
		es.watch = NULL;
		es.v.watching = false;
		app_status(app, "watch mode off");
	} else {
		es.watch = watch_open(es.dir, false);
		es.v.watching = true;
		app_status(app, "watching %s%s: every save is checked", es.dir,
			   watch_is_polling(es.watch) ? " (polling)" : "");
		run_check(app);
	}
	exercise_view_build(&es.v, es.cols - 4);
}

static void hint(struct app *app)
{
	size_t level = exercise_view_hint(&es.v);
	if (!level) {
		app_status(app, es.ex->kind == EXERCISE_SCENARIO ? "no more hints"
				: es.ex->n_hints ? "no more hints; s shows the reference solution"
						 : "this exercise has no hints");
		return;
	}
	char data[64];
	snprintf(data, sizeof(data), "{\"level\":%zu}", level);
	record(app, STORE_HINT, data);
	exercise_view_build(&es.v, es.cols - 4);
	size_t total = total_lines(), avail = (size_t)body_rows(es.rows);
	es.top = total > avail ? total - avail : 0;
}

/* The reference solution's main file, from the source tree's or the installed solutions. */
static char *solution_text(void)
{
	const struct exercise_starter *st = &es.ex->starters[es.v.lang];
	const char *main_file = st->n_files ? st->files[0] : NULL;
	if (!main_file)
		return NULL;
	const char *roots[] = { es.app && es.app->course ? es.app->course->root : NULL,
				LT_DATA_DIR "/lessons" };
	for (size_t i = 0; i < 2; i++) {
		if (!roots[i])
			continue;
		char *f = xasprintf("%s/../tests/solutions/%s/%s/reference/%s", roots[i], es.ex->id,
				    exercise_lang_name(es.v.lang), main_file);
		char *text = path_read_file(f, 1u << 20, NULL, NULL);
		free(f);
		if (text)
			return text;
	}
	return NULL;
}

static void solution(struct app *app)
{
	bool confirmed = false;
	if (!exercise_view_want_solution(&es.v, &confirmed)) {
		exercise_view_build(&es.v, es.cols - 4);
		size_t total = total_lines(), avail = (size_t)body_rows(es.rows);
		es.top = total > avail ? total - avail : 0;
		return;
	}
	es.app = app;
	char *text = solution_text();
	es.app = NULL;
	if (!text) {
		app_error(app, "no reference solution is installed for %s in %s", es.ex->id,
			  exercise_lang_name(es.v.lang));
		return;
	}
	record(app, STORE_SOLUTION,
	       confirmed ? "{\"reason\":\"requested before passing\"}"
			 : "{\"reason\":\"after passing\"}");
	exercise_view_show_solution(&es.v, text);
	free(text);
	exercise_view_build(&es.v, es.cols - 4);
	size_t total = total_lines(), avail = (size_t)body_rows(es.rows);
	es.top = total > avail ? total - avail : 0;
}

static void reset(struct app *app)
{
	if (!exercise_view_want_reset(&es.v)) {
		exercise_view_build(&es.v, es.cols - 4);
		size_t total = total_lines(), avail = (size_t)body_rows(es.rows);
		es.top = total > avail ? total - avail : 0;
		return;
	}
	struct error err;
	error_clear(&err);
	char *aside = NULL;
	if (!workspace_reset(es.ws, es.ex, es.v.lang, &aside, &err))
		app_error(app, "%s", err.msg);
	else if (aside)
		app_status(app, "back to the starter; your files are in %s", aside);
	else
		app_status(app, "created %s from the starter", es.dir);
	free(aside);
	es.v.folder_gone = false;
	exercise_view_build(&es.v, es.cols - 4);
}

/* x in a scenario: its application set up again, broken, after a yes (recorded as a reset). */
static void reset_scenario(struct app *app)
{
	if (!exercise_view_want_reset(&es.v)) {
		exercise_view_build(&es.v, es.cols - 4);
		return;
	}
	struct error err;
	error_clear(&err);
	if (!app_open_scenario(app, es.ex, true, &err))
		app_error(app, "%s", err.msg);
}

/* L: the other language, as `lambda-tutor reset --lang`: the files move aside, after a yes. */
static void switch_lang(struct app *app)
{
	enum exercise_lang to = exercise_view_other_lang(&es.v);
	if (!exercise_view_want_lang(&es.v)) {
		if (!es.ex->starters[to].present)
			app_status(app, "%s has no %s starter", es.ex->id, exercise_lang_name(to));
		exercise_view_build(&es.v, es.cols - 4);
		size_t total = total_lines(), avail = (size_t)body_rows(es.rows);
		es.top = total > avail ? total - avail : 0;
		return;
	}
	struct error err;
	error_clear(&err);
	char *aside = NULL;
	if (!workspace_reset(es.ws, es.ex, to, &aside, &err)) {
		app_error(app, "%s", err.msg);
		exercise_view_build(&es.v, es.cols - 4);
		return;
	}
	bool watching = es.v.watching;
	char *ws = xstrdup(es.ws);
	struct check_cloud cloud = es.cloud;
	if (!screen_exercise_load(app, es.set, es.ex, ws, &cloud, to, &err)) {
		app_error(app, "%s", err.msg);
	} else {
		if (watching) {
			es.watch = watch_open(es.dir, false);
			es.v.watching = true;
		}
		if (aside)
			app_status(app, "now in %s; your files are in %s", exercise_lang_name(to),
				   aside);
		else
			app_status(app, "now in %s, from the starter", exercise_lang_name(to));
	}
	es.top = 0;
	free(aside);
	free(ws);
}

/* n: the next item of the core path not done yet, after this exercise. */
static void next(struct app *app)
{
	long m = course_module_index(app->course, es.ex->module_id), at = -1;
	const struct course_path *path = app_path(app);
	if (m >= 0)
		for (size_t i = 0; i < path->modules[m].n_items && at < 0; i++)
			if (path->modules[m].items[i].ex &&
			    strcmp(path->modules[m].items[i].ex->id, es.ex->id) == 0)
				at = (long)i;
	if (at < 0) {
		/* Outside the course's paths (a set of its own): the next exercise of the set. */
		size_t i = 0;
		while (i < es.set->n && es.set->v[i] != es.ex)
			i++;
		struct error err;
		error_clear(&err);
		if (i + 1 >= es.set->n)
			app_status(app, "this is the last exercise");
		else if (!app_open_exercise(app, es.set->v[i + 1], &err))
			app_error(app, "%s", err.msg);
		return;
	}
	app_open_next(app, m, at);
}

/* Keys while a check runs: scrolling and help work, q cancels, the rest waits for it. */
static bool busy_key(struct app *app, int k)
{
	switch (k) {
	case 'q':
	case TUI_KEY_ESC:
		job.cancel = 1;
		app_status(app, "cancelling the check …");
		return true;
	case 'c':
	case 'e':
	case 'w':
	case 'h':
	case 's':
	case 'x':
	case 'L':
	case 'n':
	case 'N':
	case 'X':
	case 'C':
	case 'S':
		/* The result is recorded here when it comes: the screen stays until then. */
		app_status(app, "a check is running: q cancels it");
		return true;
	default:
		return false;
	}
}

/* A question the next key answers goes on the status line, where the eye is. */
static void ask(struct app *app)
{
	const char *q = exercise_view_question(&es.v);
	if (q)
		app_status(app, "%s", q);
}

static enum input_result key(struct app *app, int k)
{
	if (job.running && busy_key(app, k))
		return INPUT_HANDLED;
	if (es.v.confirm != EV_CONFIRM_NONE && !(es.v.confirm == EV_CONFIRM_SOLUTION && k == 's') &&
	    !(es.v.confirm == EV_CONFIRM_RESET && k == 'x') &&
	    !(es.v.confirm == EV_CONFIRM_LANG && k == 'L')) {
		exercise_view_cancel(&es.v);
		exercise_view_build(&es.v, es.cols - 4);
		app_status(app, "nothing changed");
		return INPUT_HANDLED;
	}
	size_t n = total_lines();
	int avail = body_rows(es.rows);
	bool code = es.ex->kind == EXERCISE_CODE;
	switch (k) {
	case KEY_UP:
	case 'k':
	case TUI_KEY_WHEEL_UP:
		es.top = mdview_scroll(es.top, -1, n, avail);
		return INPUT_HANDLED;
	case KEY_DOWN:
	case 'j':
	case TUI_KEY_WHEEL_DOWN:
		es.top = mdview_scroll(es.top, 1, n, avail);
		return INPUT_HANDLED;
	case KEY_PPAGE:
		es.top = mdview_scroll(es.top, -(long)avail + 1, n, avail);
		return INPUT_HANDLED;
	case KEY_NPAGE:
	case ' ':
		es.top = mdview_scroll(es.top, avail - 1, n, avail);
		return INPUT_HANDLED;
	case 'g':
	case KEY_HOME:
		es.top = 0;
		return INPUT_HANDLED;
	case 'G':
	case KEY_END:
		es.top = mdview_scroll(0, (long)n, n, avail);
		return INPUT_HANDLED;
	case 'c':
		run_check(app);
		return INPUT_HANDLED;
	case 'h':
		hint(app);
		return INPUT_HANDLED;
	case 'n':
		next(app);
		return INPUT_HANDLED;
	case 'e':
		if (code)
			edit(app);
		return INPUT_HANDLED;
	case 'w':
		if (code)
			toggle_watch(app);
		return INPUT_HANDLED;
	case 's':
		if (code)
			solution(app);
		ask(app);
		return INPUT_HANDLED;
	case 'x':
		if (code)
			reset(app);
		else if (es.ex->kind == EXERCISE_SCENARIO)
			reset_scenario(app);
		ask(app);
		return INPUT_HANDLED;
	case 'L':
		if (code)
			switch_lang(app);
		ask(app);
		return INPUT_HANDLED;
	case 'f':
		es.unfold = !es.unfold;
		es.v.unfold = es.unfold;
		exercise_view_build(&es.v, es.cols - 4);
		return INPUT_HANDLED;
	default:
		return INPUT_IGNORED;
	}
}

static bool tick(struct app *app)
{
	if (job.running)
		return job_poll(app);
	if (!es.watch)
		return false;
	switch (watch_wait(es.watch, 0, NULL)) {
	case WATCH_CHANGED:
	case WATCH_BACK:
		es.v.folder_gone = false;
		run_check(app);
		return true;
	case WATCH_GONE:
		es.v.folder_gone = true;
		exercise_view_build(&es.v, es.cols - 4);
		return true;
	case WATCH_TIMEOUT:
	case WATCH_STOPPED:
		return false;
	}
	abort();
}

static int wake_fd(void)
{
	if (job.running)
		return job.wake[0];
	return es.watch ? watch_fd(es.watch) : -1;
}

bool screen_exercise_open_module(struct app *app, const char *module_id, struct error *err)
{
	long m = course_module_index(app->course, module_id);
	const struct course_path *path = app_path(app);
	if (m < 0)
		return error_set(err, "no module '%s'", module_id);
	/* The first exercise not passed, core ones first; the first of all when all have. */
	struct course_progress cp;
	if (!app_progress(app, &cp, err))
		return false;
	const struct exercise *first = NULL, *todo = NULL;
	const struct module_path *mp = &path->modules[m];
	for (int further = 0; further < 2 && !todo; further++)
		for (size_t i = 0; i < mp->n_items && !todo; i++) {
			const struct path_item *it = &mp->items[i];
			if (it->kind != PATH_EXERCISE || (i >= mp->n_core) != (further == 1))
				continue;
			if (!first)
				first = it->ex;
			if (!course_progress_done(&cp, (size_t)m, i))
				todo = it->ex;
		}
	course_progress_release(&cp);
	if (!first)
		return error_set(err, "this module has no exercises yet");
	return app_open_exercise(app, todo ? todo : first, err);
}

const char *screen_exercise_module(void)
{
	return es.ready ? es.ex->module_id : NULL;
}

bool screen_exercise_checking(void)
{
	return job.running;
}

static const struct tui_key_help exercise_keys[] = {
	{ "e", "open the main file in $EDITOR" },
	{ "c", "check: deploy, invoke, judge every task" },
	{ "w", "watch: check again on every save" },
	{ "h", "reveal the next hint" },
	{ "s", "the reference solution (after a pass; before, it asks and records)" },
	{ "x", "reset to the starter (asks; your files are kept aside)" },
	{ "L", "switch Python <-> Node.js (asks; your files are kept aside)" },
	{ "n", "the next exercise" },
	{ NULL, NULL },
};

const struct tui_screen screen_exercise = {
	.name = "exercise",
	.layout = layout,
	.draw = draw,
	.key = key,
	.tick = tick,
	.wake_fd = wake_fd,
	.release = exercise_release,
	.keys = exercise_keys,
};
