/*
 * lambda-tutor serve: run the workspace's local cloud in the foreground until Ctrl-C or
 * SIGTERM, then stop every execution environment and exit 0. The server is its own program,
 * lambda-tutor-cloud; this command resolves the workspace and becomes that program.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/locate.h"
#include "check/workspace.h"
#include "cli/commands.h"
#include "core/path.h"
#include "core/xalloc.h"

int cmd_serve_run(const struct cli_opts *opts, int argc, char **argv)
{
	struct error err;
	error_clear(&err);
	char *ws = cli_workspace(opts, &err);
	if (!ws || !workspace_private(ws, &err)) {
		cli_print_error(&err);
		free(ws);
		return CLI_USAGE;
	}
	char *abs = realpath(ws, NULL);
	free(ws);
	if (!abs) {
		cli_error("cannot use the workspace: %s", strerror(errno));
		return CLI_USAGE;
	}
	char *prog = cloud_program(NULL);
	/* argv stays "lambda-tutor serve ...", so the process reads the same in ps. */
	char **args = xcalloc((size_t)argc + 4, sizeof(*args));
	int k = 0;
	args[k++] = (char *)"lambda-tutor";
	args[k++] = (char *)"serve";
	args[k++] = (char *)"--workspace";
	args[k++] = abs;
	for (int i = 1; i < argc; i++)
		args[k++] = argv[i];
	args[k] = NULL;
	fflush(NULL);
	execv(prog, args);
	cli_error("cannot run the cloud '%s': %s", prog, strerror(errno));
	free(args);
	free(prog);
	free(abs);
	return CLI_USAGE;
}
