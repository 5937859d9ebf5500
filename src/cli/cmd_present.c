/*
 * lambda-tutor present DIR: the presenter view of a class alone, for the projector. It shows
 * the page the agenda has reached and the session clock, nothing about any learner, and has
 * no way back to the dashboard.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/xalloc.h"

int cmd_present_run(const struct cli_opts *opts, int argc, char **argv)
{
	const char *dir = opts->class_dir;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' || (dir && dir != opts->class_dir)) {
			cli_error("present: usage: lambda-tutor present DIR");
			return CLI_USAGE;
		}
		dir = argv[i];
	}
	if (!dir) {
		cli_error("present needs a class directory: lambda-tutor present DIR");
		return CLI_USAGE;
	}
	char name[] = "trainer", flag[] = "--presenter";
	char *copy = xstrdup(dir);
	char *args[] = { name, copy, flag, NULL };
	int rc = cmd_trainer_run(opts, 3, args);
	free(copy);
	return rc;
}
