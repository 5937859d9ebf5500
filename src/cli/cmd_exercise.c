/*
 * lambda-tutor exercise [EXERCISE]: open the exercise screen of the tutor on one exercise
 * (default: the first one not passed yet, as rustlings does), with the cloud of the workspace
 * started when none runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/locate.h"
#include "check/check.h"
#include "check/workspace.h"
#include "class/link.h"
#include "cli/commands.h"
#include "store/store.h"
#include "tui/items.h"
#include "tui/screen_exercise.h"
#include "tui/tui.h"

int cmd_exercise_run(const struct cli_opts *opts, int argc, char **argv)
{
	const char *id = NULL, *lang_flag = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc) {
			lang_flag = argv[++i];
		} else if (strncmp(argv[i], "--lang=", 7) == 0) {
			lang_flag = argv[i] + 7;
		} else if (argv[i][0] != '-' && !id) {
			id = argv[i];
		} else {
			cli_error("exercise: bad argument '%s'; see 'lambda-tutor exercise --help'",
				  argv[i]);
			return CLI_USAGE;
		}
	}
	struct exercise_ctx ctx;
	int rc = exercise_ctx_open(opts, id, &ctx);
	if (rc != CLI_OK)
		return rc;
	struct error err;
	error_clear(&err);
	struct store *store = NULL;
	struct app app;
	bool app_ready = false;
	char *db_path = NULL;
	const struct check_cloud *cloud;
	rc = CLI_USAGE;
	if (!ctx.set->n) {
		cli_error("exercise: the course has no exercises");
		goto out;
	}
	db_path = cli_db_path(opts, &err);
	store = db_path ? cli_open_records(opts, db_path, &err) : NULL;
	if (!store || !app_init(&app, ctx.course, store, &err)) {
		cli_print_error(&err);
		goto out;
	}
	app_ready = true;
	app_set_workspace(&app, ctx.ws, exercise_cloud);
	app_use_exercises(&app, ctx.set);
	/* Without an id: the first exercise not passed yet, on the core paths first. */
	if (!ctx.ex)
		ctx.ex = app_first_unfinished(&app);
	if (!ctx.ex)
		ctx.ex = ctx.set->v[0];
	app.class_dir = opts->class_dir;
	/* A module the trainer closed does not open its exercises, as in the tutor. */
	long m = course_module_index(ctx.course, ctx.ex->module_id);
	if (cli_module_closed(opts, m)) {
		cli_error("exercise: module %ld is not open yet: the trainer opens it", m + 1);
		goto out;
	}
	int lang = exercise_ctx_lang(&ctx, lang_flag);
	if (lang < 0)
		goto out;
	if (lang_flag && workspace_language(ctx.ws, NULL) < 0)
		workspace_set_language(ctx.ws, NULL, (enum exercise_lang)lang, &err);
	cloud = app_cloud(&app, &err);
	if (!cloud) {
		cli_print_error(&err);
		goto out;
	}
	if (!tui_begin(&err)) {
		cli_print_error(&err);
		goto out;
	}
	if (!screen_exercise_load(&app, ctx.set, ctx.ex, ctx.ws, cloud, (enum exercise_lang)lang,
				  &err)) {
		tui_end();
		cli_print_error(&err);
		goto out;
	}
	/* A joined learner's events reach the class while the screen runs. */
	struct link_pusher *push = link_pusher_start(db_path);
	if (push)
		app.room_db = db_path; /* and what the trainer says reaches the learner */
	tui_run(&app, &screen_exercise);
	link_pusher_stop(push);
	tui_end();
	rc = CLI_OK;
out:
	if (app_ready)
		app_release(&app);
	store_close(store);
	free(db_path);
	exercise_ctx_close(&ctx);
	return rc;
}
