/*
 * lambda-tutor version: the same as --version.
 */
#include <stdio.h>

#include "cli/commands.h"

int cmd_version_run(const struct cli_opts *opts, int argc, char **argv)
{
	if (argc > 1) {
		cli_error("version takes no arguments");
		return CLI_USAGE;
	}
	printf("lambda-tutor %s\n", LT_VERSION);
	return CLI_OK;
}
