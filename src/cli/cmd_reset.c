/*
 * lambda-tutor reset EXERCISE: put the starter back in the exercise's folder, after a
 * confirmation; the learner's files move into .old-<timestamp>/ beside it, never deleted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/workspace.h"
#include "cli/commands.h"

int cmd_reset_run(const struct cli_opts *opts, int argc, char **argv)
{
	const char *id = NULL, *lang_flag = NULL;
	bool yes = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0) {
			yes = true;
		} else if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc) {
			lang_flag = argv[++i];
		} else if (strncmp(argv[i], "--lang=", 7) == 0) {
			lang_flag = argv[i] + 7;
		} else if (argv[i][0] != '-' && !id) {
			id = argv[i];
		} else {
			cli_error("reset: bad argument '%s'; see 'lambda-tutor reset --help'",
				  argv[i]);
			return CLI_USAGE;
		}
	}
	if (!id) {
		cli_error("reset: which exercise? Usage: lambda-tutor reset EXERCISE [--yes]");
		return CLI_USAGE;
	}
	struct exercise_ctx ctx;
	int rc = exercise_ctx_open(opts, id, &ctx);
	if (rc != CLI_OK)
		return rc;
	int lang = exercise_ctx_lang(&ctx, lang_flag);
	if (lang < 0 || ctx.ex->kind != EXERCISE_CODE) {
		if (lang >= 0)
			cli_error("reset: '%s' is about your own account and has no files to reset",
				  id);
		exercise_ctx_close(&ctx);
		return CLI_USAGE;
	}
	char *dir = workspace_dir(ctx.ws, ctx.ex);
	if (!yes) {
		if (!isatty(STDIN_FILENO)) {
			cli_error("reset: confirm with --yes (no terminal to ask on)");
			free(dir);
			exercise_ctx_close(&ctx);
			return CLI_USAGE;
		}
		fprintf(stderr,
			"Reset %s to the %s starter? Your files in %s move to a .old-* folder "
			"there. [y/N] ",
			id, exercise_lang_name((enum exercise_lang)lang), dir);
		char answer[16] = "";
		if (!fgets(answer, sizeof(answer), stdin) ||
		    (answer[0] != 'y' && answer[0] != 'Y')) {
			fprintf(stderr, "Nothing changed.\n");
			free(dir);
			exercise_ctx_close(&ctx);
			return CLI_OK;
		}
	}
	struct error err;
	error_clear(&err);
	char *aside = NULL;
	if (!workspace_reset(ctx.ws, ctx.ex, (enum exercise_lang)lang, &aside, &err)) {
		cli_print_error(&err);
		rc = CLI_USAGE;
	} else if (aside) {
		printf("Reset %s to the %s starter; your files are in %s\n", dir,
		       exercise_lang_name((enum exercise_lang)lang), aside);
	} else {
		printf("Created %s from the %s starter\n", dir,
		       exercise_lang_name((enum exercise_lang)lang));
	}
	free(aside);
	free(dir);
	exercise_ctx_close(&ctx);
	return rc;
}
