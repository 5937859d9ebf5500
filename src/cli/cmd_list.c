/*
 * lambda-tutor list [--short] [--json]: the course's modules in order with their minutes and
 * core paths (pages, exercises, quiz, each with its expected minutes), the going-further items
 * apart, and the learner's progress read from their records: pages viewed, each exercise's
 * state (not started, failing and on which task, passed, solution seen) and last check, each
 * quiz's best score, and the next unfinished item. Records are only read; a learner who has no
 * file yet gets none created.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check/progress.h"
#include "cli/commands.h"
#include "core/diag.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/path.h"
#include "store/store.h"

struct listing {
	const struct course *course;
	struct course_path *path;
	struct exercise_set *exercises;
	struct quiz_set *quizzes;
	struct course_progress cp;
	bool **changed;              /* changed[m][p]: the page differs from what was last viewed */
	long pos_module, pos_page;   /* where to continue; -1 when the course has no pages */
	bool resumed;                /* the position comes from the records */
	long next_module, next_item; /* the next unfinished core item, or -1 */
	size_t pages_total, pages_viewed, ex_total, ex_passed, quizzes_total, quizzes_taken;
};

static bool mark_changed(const struct store_event *ev, void *ctx)
{
	struct listing *l = ctx;
	long m = course_module_index(l->course, ev->module);
	long i = m < 0 ? -1 : course_page_index(&l->course->modules[m], ev->item);
	if (i < 0)
		return true; /* a module or page since removed from the course */
	const char *now = l->course->modules[m].pages[i].hash;
	l->changed[m][i] = ev->hash && ev->hash[0] && strcmp(ev->hash, now) != 0;
	return true;
}

/* The last page viewed if it still exists, else the first core page not yet viewed. */
static void find_position(struct listing *l, const char *module, const char *page)
{
	const struct course *c = l->course;
	long m = course_module_index(c, module);
	long i = m < 0 ? -1 : course_page_index(&c->modules[m], page);
	if (i >= 0) {
		l->pos_module = m;
		l->pos_page = i;
		l->resumed = true;
		return;
	}
	l->pos_module = l->pos_page = -1;
	for (size_t k = 0; k < c->n_modules; k++) {
		for (size_t j = 0; j < c->modules[k].n_core; j++) {
			if (l->pos_module < 0) {
				/* Everything viewed: back to the start. */
				l->pos_module = (long)k;
				l->pos_page = (long)j;
			}
			if (!l->cp.viewed[k][j]) {
				l->pos_module = (long)k;
				l->pos_page = (long)j;
				return;
			}
		}
	}
}

static void listing_release(struct listing *l)
{
	for (size_t m = 0; l->changed && m < l->course->n_modules; m++)
		free(l->changed[m]);
	free(l->changed);
	course_progress_release(&l->cp);
	course_path_free(l->path);
	exercise_set_free(l->exercises);
	quiz_set_free(l->quizzes);
}

static void count(struct listing *l)
{
	const struct course *c = l->course;
	for (size_t m = 0; m < c->n_modules; m++) {
		for (size_t p = 0; p < c->modules[m].n_pages; p++) {
			l->pages_total++;
			l->pages_viewed += l->cp.viewed[m][p];
		}
		if (c->modules[m].quiz) {
			l->quizzes_total++;
			l->quizzes_taken += l->cp.quiz[m].finished > 0;
		}
	}
	for (size_t i = 0; i < l->exercises->n; i++) {
		l->ex_total++;
		l->ex_passed += progress_done(&l->cp.ex[i]);
	}
}

/* Read the course's items and the learner's records, if they have any. False with err. */
static bool listing_load(struct listing *l, const struct course *c, const char *db_path,
			 struct error *err)
{
	l->course = c;
	l->path = course_path_load(c, &l->exercises, &l->quizzes);
	l->changed = xcalloc(c->n_modules + 1, sizeof(*l->changed));
	for (size_t m = 0; m < c->n_modules; m++)
		l->changed[m] = xcalloc(c->modules[m].n_pages + 1, sizeof(bool));
	l->next_module = l->next_item = -1;

	char *module = NULL, *page = NULL;
	struct stat st;
	struct store *store = NULL;
	bool ok = true;
	if (stat(db_path, &st) == 0 || errno != ENOENT) {
		store = store_open_readonly(db_path, err);
		ok = store != NULL;
	}
	ok = ok && course_progress_load(&l->cp, store, c, l->path, l->exercises, err);
	if (ok && store)
		ok = store_each(store, STORE_PAGE_VIEW, mark_changed, l, err) &&
		     store_position(store, &module, &page, err);
	store_close(store);
	if (ok) {
		find_position(l, module, page);
		count(l);
		long m = -1, i = -1;
		if (course_progress_next(&l->cp, &m, &i)) {
			l->next_module = m;
			l->next_item = i;
		}
	}
	free(module);
	free(page);
	return ok;
}

static int percent(size_t part, size_t whole)
{
	return whole ? (int)(part * 100 / whole) : 0;
}

/* "2026-12-01 14:05" in local time. */
static void format_time(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!ms || !localtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M", &tm))
		snprintf(out, n, "never");
}

/* An exercise's state in words: "failing: greeting", "passed, solution seen". */
static void exercise_state(const struct exercise_progress *p, char *out, size_t n)
{
	switch (p->state) {
	case PROGRESS_NOT_STARTED:
		snprintf(out, n, "%s",
			 p->solution_seen ? "not started, solution seen" : "not started");
		return;
	case PROGRESS_FAILING:
		snprintf(out, n, "failing: %s%s", p->failing_task ? p->failing_task : "a task",
			 p->solution_seen ? ", solution seen" : "");
		return;
	case PROGRESS_ERROR:
		snprintf(out, n, "the check could not run%s",
			 p->solution_seen ? ", solution seen" : "");
		return;
	case PROGRESS_PASSED:
		snprintf(out, n, "%s",
			 p->solution_first ? "passed after seeing the solution" : "passed");
		return;
	}
	abort();
}

static void quiz_state(const struct quiz_history *h, char *out, size_t n)
{
	if (h->open)
		snprintf(out, n, "attempt %d open", h->open);
	else if (h->best >= 0)
		snprintf(out, n, "best %.0f%%%s", h->best, h->passed ? ", passed" : "");
	else
		snprintf(out, n, "not taken");
}

struct marks {
	const char *tick, *cross, *sep, *arrow, *dot;
};

static void print_item(const struct listing *l, size_t m, size_t i, const struct marks *mk)
{
	const struct course_module *mod = &l->course->modules[m];
	const struct path_item *it = &l->path->modules[m].items[i];
	bool done = course_progress_done(&l->cp, m, i);
	char state[160] = "", when[32];
	const char *mark = done ? mk->tick : " ";
	switch (it->kind) {
	case PATH_PAGE: {
		bool here = l->resumed && (long)m == l->pos_module && it->page == l->pos_page;
		printf("    %s %3d min  %s%s%s%s\n", mark, it->minutes, it->title,
		       l->changed[m][it->page] ? "  (updated since you read it)" : "",
		       here ? "  " : "", here ? mk->arrow : "");
		return;
	}
	case PATH_EXERCISE: {
		const struct exercise_progress *p = course_progress_exercise(&l->cp, it->ex);
		exercise_state(p, state, sizeof(state));
		if (p->state == PROGRESS_FAILING || p->state == PROGRESS_ERROR)
			mark = mk->cross;
		printf("    %s %3d min  Exercise %s: %s%s%s", mark, it->minutes, it->id, it->title,
		       mk->dot, state);
		if (p->runs) {
			format_time(p->last_ms, when, sizeof(when));
			printf("%s%s, last check %s", mk->dot, p->language, when);
		}
		putchar('\n');
		return;
	}
	case PATH_QUIZ:
		quiz_state(&l->cp.quiz[m], state, sizeof(state));
		printf("    %s %3d min  Quiz %s: %s%s%s\n", mark, it->minutes, mod->quiz, it->title,
		       mk->dot, state);
		return;
	}
	abort();
}

static void print_text(const struct listing *l, const char *db_path, bool brief)
{
	const struct course *c = l->course;
	bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	struct marks mk = {
		.tick = utf8 ? "\u2713" : "x",
		.cross = utf8 ? "\u2717" : "!",
		.sep = utf8 ? " \u203a " : " > ",
		.arrow = utf8 ? "\u2190 you are here" : "<- you are here",
		.dot = utf8 ? " \u00b7 " : ", ",
	};

	printf("%s: %d min, %zu modules, %zu pages, %zu exercises, %zu quizzes\n", c->title,
	       c->minutes, c->n_modules, l->pages_total, l->ex_total, l->quizzes_total);
	if (l->cp.has_records)
		printf("Progress: %zu of %zu pages viewed (%d%%), %zu of %zu exercises passed, "
		       "%zu of %zu quizzes taken\n",
		       l->pages_viewed, l->pages_total, percent(l->pages_viewed, l->pages_total),
		       l->ex_passed, l->ex_total, l->quizzes_taken, l->quizzes_total);
	else
		printf("Progress: nothing viewed yet (no records at %s)\n", db_path);
	if (l->pos_module >= 0) {
		const struct course_module *m = &c->modules[l->pos_module];
		printf("%s %ld. %s%s%s\n",
		       l->resumed        ? "Continue:"
		       : l->pages_viewed ? "Next:"
					 : "Start:",
		       l->pos_module + 1, m->title, mk.sep, m->pages[l->pos_page].title);
	}
	if (l->next_module >= 0) {
		const struct path_item *it = &l->path->modules[l->next_module].items[l->next_item];
		printf("Next unfinished: %ld. %s%s%s %s\n", l->next_module + 1,
		       c->modules[l->next_module].title, mk.sep, path_kind_name(it->kind),
		       it->kind == PATH_PAGE ? it->title : it->id);
	} else if (l->cp.has_records) {
		printf("Next unfinished: nothing; every core page, exercise and quiz is done\n");
	}

	for (size_t k = 0; k < c->n_modules; k++) {
		const struct course_module *m = &c->modules[k];
		const struct module_path *mp = &l->path->modules[k];
		size_t viewed = 0, passed = 0, n_ex = 0;
		for (size_t i = 0; i < m->n_pages; i++)
			viewed += l->cp.viewed[k][i];
		for (size_t i = 0; i < mp->n_items; i++)
			if (mp->items[i].kind == PATH_EXERCISE) {
				n_ex++;
				passed += course_progress_done(&l->cp, k, i);
			}
		bool done = m->n_pages && viewed == m->n_pages;
		printf("\n%2zu. %s\n    %d min, core path %d min%s%zu of %zu pages viewed%s", k + 1,
		       m->title, m->minutes, mp->minutes, mk.dot, viewed, m->n_pages,
		       done ? " (done)" : "");
		if (n_ex)
			printf("%s%zu of %zu exercises passed", mk.dot, passed, n_ex);
		putchar('\n');
		if (brief)
			continue;
		for (size_t i = 0; i < mp->n_items; i++) {
			if (i == mp->n_core)
				printf("    Going further (%d min, outside the core path)\n",
				       mp->further_minutes);
			print_item(l, k, i, &mk);
		}
	}
}

static void add_exercise_json(cJSON *arr, const struct listing *l, const struct path_item *it)
{
	const struct exercise_progress *p = course_progress_exercise(&l->cp, it->ex);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", it->id);
	cJSON_AddStringToObject(o, "title", it->title);
	cJSON_AddStringToObject(o, "kind", exercise_kind_name(it->ex->kind));
	cJSON_AddNumberToObject(o, "minutes", it->minutes);
	cJSON_AddBoolToObject(o, "further", it->further);
	cJSON_AddStringToObject(o, "state", progress_state_name(p->state));
	if (p->language[0])
		cJSON_AddStringToObject(o, "language", p->language);
	else
		cJSON_AddNullToObject(o, "language");
	if (p->failing_task) {
		cJSON *f = cJSON_AddObjectToObject(o, "failing_task");
		cJSON_AddStringToObject(f, "id", p->failing_task);
		if (p->failing_text)
			cJSON_AddStringToObject(f, "text", p->failing_text);
	} else {
		cJSON_AddNullToObject(o, "failing_task");
	}
	if (p->error)
		cJSON_AddStringToObject(o, "error", p->error);
	cJSON_AddBoolToObject(o, "solution_seen", p->solution_seen);
	cJSON_AddBoolToObject(o, "solution_before_pass", p->solution_first);
	cJSON_AddNumberToObject(o, "runs", (double)p->runs);
	if (p->runs) {
		cJSON *last = cJSON_AddObjectToObject(o, "last_check");
		cJSON_AddNumberToObject(last, "at_ms", (double)p->last_ms);
		cJSON_AddNumberToObject(last, "passed", (double)p->last_passed);
		cJSON_AddNumberToObject(last, "total", (double)p->last_total);
	} else {
		cJSON_AddNullToObject(o, "last_check");
	}
	cJSON_AddItemToArray(arr, o);
}

static void add_quiz_json(cJSON *arr, const struct listing *l, size_t m, const struct path_item *it)
{
	const struct quiz_history *h = &l->cp.quiz[m];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", it->id);
	cJSON_AddStringToObject(o, "title", it->title);
	cJSON_AddNumberToObject(o, "minutes", it->minutes);
	cJSON_AddNumberToObject(o, "questions", (double)quiz_attempt_size(it->quiz));
	cJSON_AddNumberToObject(o, "attempts_started", h->started);
	cJSON_AddNumberToObject(o, "attempts_finished", h->finished);
	if (h->best >= 0)
		cJSON_AddNumberToObject(o, "best", h->best);
	else
		cJSON_AddNullToObject(o, "best");
	cJSON_AddBoolToObject(o, "passed", h->passed);
	cJSON_AddItemToArray(arr, o);
}

static cJSON *module_json(const struct listing *l, size_t k)
{
	const struct course_module *m = &l->course->modules[k];
	const struct module_path *mp = &l->path->modules[k];
	cJSON *o = cJSON_CreateObject();
	size_t viewed = 0;
	for (size_t i = 0; i < m->n_pages; i++)
		viewed += l->cp.viewed[k][i];
	cJSON_AddNumberToObject(o, "number", (double)(k + 1));
	cJSON_AddStringToObject(o, "id", m->id);
	cJSON_AddStringToObject(o, "title", m->title);
	cJSON_AddNumberToObject(o, "minutes", m->minutes);
	cJSON_AddNumberToObject(o, "core_minutes", mp->minutes);
	cJSON_AddNumberToObject(o, "further_minutes", mp->further_minutes);
	cJSON_AddNumberToObject(o, "pages_viewed", (double)viewed);
	cJSON_AddNumberToObject(o, "pages_total", (double)m->n_pages);
	cJSON *pages = cJSON_AddArrayToObject(o, "pages");
	for (size_t i = 0; i < m->n_pages; i++) {
		cJSON *pg = cJSON_CreateObject();
		cJSON_AddStringToObject(pg, "id", m->pages[i].id);
		cJSON_AddStringToObject(pg, "title", m->pages[i].title);
		cJSON_AddNumberToObject(pg, "minutes", course_page_minutes(&m->pages[i]));
		cJSON_AddBoolToObject(pg, "further", m->pages[i].further);
		cJSON_AddBoolToObject(pg, "viewed", l->cp.viewed[k][i]);
		cJSON_AddBoolToObject(pg, "changed_since_viewed", l->changed[k][i]);
		cJSON_AddItemToArray(pages, pg);
	}
	cJSON *exercises = cJSON_AddArrayToObject(o, "exercises");
	cJSON *quizzes = cJSON_AddArrayToObject(o, "quizzes");
	cJSON *core = cJSON_AddArrayToObject(o, "core_path");
	for (size_t i = 0; i < mp->n_items; i++) {
		const struct path_item *it = &mp->items[i];
		if (it->kind == PATH_EXERCISE)
			add_exercise_json(exercises, l, it);
		else if (it->kind == PATH_QUIZ)
			add_quiz_json(quizzes, l, k, it);
		if (i < mp->n_core) {
			cJSON *c = cJSON_CreateObject();
			cJSON_AddStringToObject(c, "kind", path_kind_name(it->kind));
			cJSON_AddStringToObject(c, "id", it->id);
			cJSON_AddNumberToObject(c, "minutes", it->minutes);
			cJSON_AddBoolToObject(c, "done", course_progress_done(&l->cp, k, i));
			cJSON_AddItemToArray(core, c);
		}
	}
	return o;
}

static int print_json(const struct listing *l, const char *db_path)
{
	const struct course *c = l->course;
	cJSON *root = cJSON_CreateObject();
	cJSON *course = cJSON_AddObjectToObject(root, "course");
	cJSON_AddStringToObject(course, "id", c->id);
	cJSON_AddStringToObject(course, "title", c->title);
	cJSON_AddNumberToObject(course, "minutes", c->minutes);
	cJSON *records = cJSON_AddObjectToObject(root, "records");
	cJSON_AddStringToObject(records, "path", db_path);
	cJSON_AddBoolToObject(records, "exists", l->cp.has_records);

	cJSON *modules = cJSON_AddArrayToObject(root, "modules");
	for (size_t k = 0; k < c->n_modules; k++)
		cJSON_AddItemToArray(modules, module_json(l, k));

	cJSON *prog = cJSON_AddObjectToObject(root, "progress");
	cJSON_AddNumberToObject(prog, "pages_viewed", (double)l->pages_viewed);
	cJSON_AddNumberToObject(prog, "pages_total", (double)l->pages_total);
	cJSON_AddNumberToObject(prog, "percent", percent(l->pages_viewed, l->pages_total));
	cJSON_AddNumberToObject(prog, "exercises_passed", (double)l->ex_passed);
	cJSON_AddNumberToObject(prog, "exercises_total", (double)l->ex_total);
	cJSON_AddNumberToObject(prog, "quizzes_taken", (double)l->quizzes_taken);
	cJSON_AddNumberToObject(prog, "quizzes_total", (double)l->quizzes_total);

	if (l->pos_module >= 0) {
		const struct course_module *m = &c->modules[l->pos_module];
		cJSON *pos = cJSON_AddObjectToObject(root, "position");
		cJSON_AddStringToObject(pos, "module", m->id);
		cJSON_AddStringToObject(pos, "module_title", m->title);
		cJSON_AddStringToObject(pos, "page", m->pages[l->pos_page].id);
		cJSON_AddStringToObject(pos, "page_title", m->pages[l->pos_page].title);
		cJSON_AddBoolToObject(pos, "resumed", l->resumed);
	} else {
		cJSON_AddNullToObject(root, "position");
	}
	if (l->next_module >= 0) {
		const struct path_item *it = &l->path->modules[l->next_module].items[l->next_item];
		cJSON *next = cJSON_AddObjectToObject(root, "next");
		cJSON_AddStringToObject(next, "module", c->modules[l->next_module].id);
		cJSON_AddStringToObject(next, "kind", path_kind_name(it->kind));
		cJSON_AddStringToObject(next, "id", it->id);
		cJSON_AddStringToObject(next, "title", it->title);
	} else {
		cJSON_AddNullToObject(root, "next");
	}
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return CLI_USAGE;
	puts(text);
	free(text);
	return CLI_OK;
}

int cmd_list_run(const struct cli_opts *opts, int argc, char **argv)
{
	bool brief = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--short") == 0 || strcmp(argv[i], "-s") == 0) {
			brief = true;
		} else {
			cli_error("list: unexpected argument '%s'; see 'lambda-tutor list --help'",
				  argv[i]);
			return CLI_USAGE;
		}
	}
	int rc = CLI_USAGE;
	struct error err;
	error_clear(&err);
	struct diags d = DIAGS_INIT;
	struct course *course = NULL;
	struct listing l = { 0 };
	char *db_path = NULL;
	char *dir = cli_course_dir(opts);
	if (!course_exists(dir, &err)) {
		cli_print_error(&err);
		goto out;
	}
	course = course_load_checked(dir, &d);
	if (!course) {
		diags_sort(&d);
		diags_print(&d, stderr);
		rc = CLI_FAIL;
		goto out;
	}
	db_path = cli_db_path(opts, &err);
	if (!db_path || !listing_load(&l, course, db_path, &err)) {
		cli_print_error(&err);
		goto out;
	}
	if (opts->json) {
		rc = print_json(&l, db_path);
	} else {
		print_text(&l, db_path, brief);
		rc = CLI_OK;
	}
out:
	if (l.course)
		listing_release(&l);
	free(db_path);
	course_free(course);
	diags_release(&d);
	free(dir);
	return rc;
}
