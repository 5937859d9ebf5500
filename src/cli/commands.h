/*
 * The command entries that commands.c puts in its table.
 */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

#include "cli/cli.h"

int cmd_version_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_VERSION                                                                            \
	{ "version", "print the version", "Usage: lambda-tutor version\n", cmd_version_run }

int cmd_lint_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_LINT                                                                               \
	{ "lint", "check a course's content and report every problem",                         \
	  "Usage: lambda-tutor lint [DIR] [--json]\n"                                           \
	  "\n"                                                                                   \
	  "Check the whole course in DIR (default: the course the tutor uses, see --course):\n"  \
	  "course.yaml, every module.yaml and every page. Reports unknown keys (with a\n"       \
	  "suggestion), missing required keys, wrong types, duplicate or malformed ids, files\n" \
	  "and folders that do not exist, module minutes that do not add up to the course's,\n" \
	  "empty lists, pages that are not UTF-8 text or whose first heading is not their\n"    \
	  "title, and malformed YAML. lessons/README.md describes the format.\n"                \
	  "\n"                                                                                   \
	  "Every problem is one line on stderr, sorted: path:line:col: message\n"               \
	  "A clean course prints \"lint: N modules, M pages: ok\".\n"                            \
	  "\n"                                                                                   \
	  "Options:\n"                                                                           \
	  "  --course DIR   the course folder, when DIR is not given\n"                          \
	  "  --json         print {ok, modules, pages, diagnostics: [{path, line, col,\n"        \
	  "                 message}]} on stdout instead\n"                                      \
	  "\n"                                                                                   \
	  "Exit status: 0 the course is clean, 1 problems were found, 2 DIR is not a course.\n", \
	  cmd_lint_run }

#endif
