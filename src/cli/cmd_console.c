/*
 * lambda-tutor console: the terminal's Lambda console on the learner's own account of the
 * workspace's cloud, the same account their `aws` CLI uses after eval "$(lambda-tutor env)".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "aws/locate.h"
#include "check/check.h"
#include "cli/commands.h"
#include "course/course.h"
#include "store/store.h"
#include "tui/items.h"
#include "tui/screen_console.h"
#include "tui/tui.h"

int cmd_console_run(const struct cli_opts *opts, int argc, char **argv)
{
	if (argc > 1) {
		cli_error("console: unexpected argument '%s'; see 'lambda-tutor console --help'",
			  argv[1]);
		return CLI_USAGE;
	}
	struct exercise_ctx ctx;
	int rc = exercise_ctx_open(opts, NULL, &ctx);
	if (rc != CLI_OK)
		return rc;
	rc = CLI_USAGE;
	struct error err;
	error_clear(&err);
	struct app app;
	bool app_ready = false;
	const struct check_cloud *cloud;
	if (!app_init(&app, ctx.course, NULL, &err)) {
		cli_print_error(&err);
		goto out;
	}
	app_ready = true;
	app_set_workspace(&app, ctx.ws, exercise_cloud);
	app_use_exercises(&app, ctx.set);
	cloud = app_cloud(&app, &err);
	if (!cloud) {
		cli_print_error(&err);
		goto out;
	}
	if (!tui_begin(&err)) {
		cli_print_error(&err);
		goto out;
	}
	if (!screen_console_load(&app, ctx.ws, cloud, &err)) {
		tui_end();
		cli_print_error(&err);
		goto out;
	}
	tui_run(&app, &screen_console);
	tui_end();
	rc = CLI_OK;
out:
	if (app_ready)
		app_release(&app);
	exercise_ctx_close(&ctx);
	return rc;
}
