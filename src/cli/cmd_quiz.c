/*
 * lambda-tutor quiz QUIZ: open one quiz on the quiz screen, resuming the learner's open attempt
 * or starting a new one. `quiz --list` prints the course's quizzes with the learner's best score
 * (records only read; no file is created for that).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class/link.h"
#include "cli/commands.h"
#include "core/diag.h"
#include "core/path.h"
#include "core/strutil.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/quiz_load.h"
#include "quiz/gift.h"
#include "quiz/quiz_store.h"
#include "store/store.h"
#include "tui/class_mode.h"
#include "tui/screen_quiz.h"
#include "tui/tui.h"

/* The course, refused (with lint's lines) when it does not lint. */
static struct course *load_course(const struct cli_opts *opts, int *rc)
{
	struct error err;
	error_clear(&err);
	struct diags d = DIAGS_INIT;
	char *dir = cli_course_dir(opts);
	struct course *course = NULL;
	*rc = CLI_USAGE;
	if (!course_exists(dir, &err)) {
		cli_print_error(&err);
	} else if (!(course = course_load_checked(dir, &d))) {
		diags_sort(&d);
		diags_print(&d, stderr);
		fprintf(stderr, "lambda-tutor: the course in '%s' does not lint\n", dir);
		*rc = CLI_FAIL;
	} else if (!course->quiz_dir) {
		cli_error("the course in '%s' has no quizzes folder", dir);
		course_free(course);
		course = NULL;
	}
	diags_release(&d);
	free(dir);
	return course;
}

/* The module whose `quiz:` is id, or NULL. */
static const struct course_module *module_of(const struct course *c, const char *id)
{
	for (size_t i = 0; i < c->n_modules; i++)
		if (c->modules[i].quiz && strcmp(c->modules[i].quiz, id) == 0)
			return &c->modules[i];
	return NULL;
}

static int list(const struct cli_opts *opts, const struct course *course)
{
	struct diags d = DIAGS_INIT;
	struct quiz_set *set = quiz_set_load(course->quiz_dir, course, &d);
	struct error err;
	error_clear(&err);
	struct store *store = NULL;
	char *db = cli_db_path(opts, &err);
	if (db && path_is_file(db))
		store = store_open_readonly(db, &err);
	cJSON *arr = opts->json ? cJSON_CreateArray() : NULL;
	int wid = 4, wtitle = 5;
	for (size_t i = 0; i < set->n; i++) {
		int a = (int)strlen(set->quizzes[i]->id), b = (int)strlen(set->quizzes[i]->title);
		wid = a > wid ? a : wid;
		wtitle = b > wtitle ? b : wtitle;
	}
	for (size_t i = 0; i < set->n; i++) {
		const struct quiz *q = set->quizzes[i];
		if (q->pool)
			continue;
		size_t n = q->n_questions;
		for (size_t k = 0; k < q->n_draws; k++)
			n += q->draws[k].count;
		struct quiz_history h = { .best = -1, .last = -1 };
		if (store && !quiz_store_history(store, q->id, &h, &err))
			h.best = -1;
		const struct course_module *m = module_of(course, q->id);
		if (arr) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", q->id);
			cJSON_AddStringToObject(o, "title", q->title);
			if (m)
				cJSON_AddStringToObject(o, "module", m->id);
			cJSON_AddNumberToObject(o, "questions", (double)n);
			cJSON_AddNumberToObject(o, "pass", q->pass);
			cJSON_AddNumberToObject(o, "attempts_started", h.started);
			cJSON_AddNumberToObject(o, "attempts_allowed", q->attempts);
			if (h.best >= 0)
				cJSON_AddNumberToObject(o, "best", h.best);
			cJSON_AddBoolToObject(o, "passed", h.passed);
			cJSON_AddBoolToObject(o, "open", h.open != 0);
			cJSON_AddItemToArray(arr, o);
			continue;
		}
		char state[64] = "not taken";
		if (h.open)
			snprintf(state, sizeof(state), "attempt %d open", h.open);
		else if (h.best >= 0)
			snprintf(state, sizeof(state), "best %.0f%%%s", h.best,
				 h.passed ? ", passed" : "");
		printf("%-*s  %-*s  %3zu questions  %s\n", wid, q->id, wtitle, q->title, n, state);
	}
	if (arr) {
		char *s = cJSON_Print(arr);
		puts(s);
		cJSON_free(s);
		cJSON_Delete(arr);
	}
	store_close(store);
	free(db);
	quiz_set_free(set);
	diags_release(&d);
	return CLI_OK;
}

/* Print quiz (or pool) id as GIFT, for Moodle. */
static int gift(const struct course *course, const char *id)
{
	struct diags d = DIAGS_INIT;
	struct quiz_set *set = quiz_set_load(course->quiz_dir, course, &d);
	const struct quiz *q = quiz_set_find(set, id);
	int rc = CLI_OK;
	if (!q) {
		cli_error("no quiz or pool '%s' in %s; see 'lambda-tutor quiz --list'", id,
			  course->quiz_dir);
		rc = CLI_USAGE;
	} else {
		char *text = quiz_gift_export(q);
		fputs(text, stdout);
		free(text);
	}
	quiz_set_free(set);
	diags_release(&d);
	return rc;
}

/* Print a GIFT file as a quiz's YAML; the id defaults to the file's name. */
static int from_gift(const char *file, const char *id_arg)
{
	struct error err;
	error_clear(&err);
	size_t len;
	char *text = path_read_file(file, 4u << 20, &len, &err);
	if (!text) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	char *id = NULL;
	if (id_arg) {
		id = xstrdup(id_arg);
	} else {
		const char *base = strrchr(file, '/');
		base = base ? base + 1 : file;
		id = xstrndup(base, strcspn(base, "."));
		for (char *p = id; *p; p++)
			*p = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a')
			     : ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) ? *p
										      : '-';
	}
	char *yaml = quiz_gift_import(text, len, id, &err);
	int rc = CLI_OK;
	if (!yaml) {
		if (err.line > 0)
			snprintf(err.path, sizeof(err.path), "%s", file);
		else
			error_set(&err, "%s: %s", file, err.msg);
		cli_print_error(&err);
		rc = CLI_FAIL;
	} else {
		fputs(yaml, stdout);
	}
	free(yaml);
	free(id);
	free(text);
	return rc;
}

int cmd_quiz_run(const struct cli_opts *opts, int argc, char **argv)
{
	bool want_list = false, want_gift = false;
	const char *id = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--list") == 0) {
			want_list = true;
		} else if (strcmp(argv[i], "--gift") == 0) {
			want_gift = true;
		} else if (strcmp(argv[i], "--from-gift") == 0) {
			if (i + 1 >= argc) {
				cli_error("quiz: --from-gift needs a file");
				return CLI_USAGE;
			}
			return from_gift(argv[i + 1], i + 2 < argc ? argv[i + 2] : NULL);
		} else if (argv[i][0] == '-') {
			cli_error("quiz: unknown option '%s'; see 'lambda-tutor quiz --help'",
				  argv[i]);
			return CLI_USAGE;
		} else if (!id) {
			id = argv[i];
		} else {
			cli_error("quiz: unexpected argument '%s'", argv[i]);
			return CLI_USAGE;
		}
	}
	if (want_gift && !id) {
		cli_error("quiz: --gift needs a quiz or pool id");
		return CLI_USAGE;
	}
	if (!want_list && !id) {
		cli_error("quiz: name a quiz, or use --list to see them");
		return CLI_USAGE;
	}
	int rc;
	struct course *course = load_course(opts, &rc);
	if (!course)
		return rc;
	if (want_list) {
		rc = list(opts, course);
		course_free(course);
		return rc;
	}
	if (want_gift) {
		rc = gift(course, id);
		course_free(course);
		return rc;
	}

	rc = CLI_USAGE;
	struct error err;
	error_clear(&err);
	struct store *store = NULL;
	struct app app;
	bool app_ready = false;
	char *db_path = cli_db_path(opts, &err);
	if (!db_path) {
		cli_print_error(&err);
		goto out;
	}
	store = cli_open_records(opts, db_path, &err);
	if (!store) {
		cli_print_error(&err);
		goto out;
	}
	if (!app_init(&app, course, store, &err)) {
		cli_print_error(&err);
		goto out;
	}
	app_ready = true;
	app.class_dir = opts->class_dir;
	/* A module the trainer closed does not open its quiz, as in the tutor. */
	long m = class_mode_quiz_module(course, id);
	if (cli_module_closed(opts, m)) {
		cli_error("quiz: module %ld is not open yet: the trainer opens it", m + 1);
		goto out;
	}
	/* The terminal first: no attempt is started for a learner who cannot see it. */
	if (!tui_begin(&err)) {
		cli_print_error(&err);
		goto out;
	}
	if (!screen_quiz_load(&app, id, &err)) {
		tui_end();
		cli_print_error(&err);
		goto out;
	}
	/* A joined learner's events reach the class while the screen runs. */
	struct link_pusher *push = link_pusher_start(db_path);
	if (push)
		app.room_db = db_path; /* and what the trainer says reaches the learner */
	tui_run(&app, &screen_quiz);
	link_pusher_stop(push);
	tui_end();
	rc = CLI_OK;
out:
	if (app_ready)
		app_release(&app);
	store_close(store);
	course_free(course);
	free(db_path);
	return rc;
}
