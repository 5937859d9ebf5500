/*
 * lambda-tutor [tutor]: the interactive reader. Loads the course (refusing one that does not
 * lint, with the same lines `lint` prints), opens the learner's records, and runs the TUI until
 * q, Ctrl-C or SIGTERM, with the terminal restored on every way out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/locate.h"
#include "class/link.h"
#include "cli/commands.h"
#include "core/diag.h"
#include "course/course.h"
#include "store/store.h"
#include "tui/items.h"
#include "tui/tui.h"

int cmd_tutor_run(const struct cli_opts *opts, int argc, char **argv)
{
	if (argc > 1) {
		cli_error("tutor: unexpected argument '%s'; see 'lambda-tutor tutor --help'",
			  argv[1]);
		return CLI_USAGE;
	}
	int rc = CLI_USAGE;
	struct error err;
	error_clear(&err);
	struct diags d = DIAGS_INIT;
	struct course *course = NULL;
	struct store *store = NULL;
	struct app app;
	bool app_ready = false;
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
		fprintf(stderr, "lambda-tutor: the course in '%s' does not lint; not starting\n",
			dir);
		rc = CLI_FAIL;
		goto out;
	}
	if (course_page_count(course) == 0) {
		cli_error("the course in '%s' has no pages", dir);
		goto out;
	}
	db_path = cli_db_path(opts, &err);
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
	app.class_dir = opts->class_dir;
	app_ready = true;
	char *ws = cli_workspace(opts, &err);
	if (ws)
		app_set_workspace(&app, ws, exercise_cloud);
	free(ws);
	const char *first = getenv("LAMBDA_TUTOR_EXIT_AFTER_FIRST_FRAME");
	if (first && first[0] && strcmp(first, "0") != 0)
		app.flags |= TUI_FLAG_FIRST_FRAME;

	if (!tui_begin(&err)) {
		cli_print_error(&err);
		goto out;
	}
	/* A joined learner's events reach the class while the screen runs. */
	struct link_pusher *push = link_pusher_start(db_path);
	if (push)
		app.room_db = db_path; /* and what the trainer says reaches the learner */
	tui_run(&app, &screen_home);
	link_pusher_stop(push);
	tui_end();
	rc = CLI_OK; /* q, Ctrl-C and SIGTERM are all a normal way to leave */
out:
	if (app_ready)
		app_release(&app);
	store_close(store);
	course_free(course);
	diags_release(&d);
	free(db_path);
	free(dir);
	return rc;
}
