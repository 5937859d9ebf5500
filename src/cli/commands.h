/*
 * The command entries that commands.c puts in its table.
 */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

#include "cli/cli.h"

int cmd_version_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_VERSION                                                                            \
	{ "version", "print the version", "Usage: lambda-tutor version\n", cmd_version_run }

#endif
