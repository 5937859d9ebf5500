/*
 * lambda-tutor: argv to one command, and its exit code. Nothing else lives here.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
	/*
	 * Only the character set: wide characters and UTF-8 are all the tutor takes from the
	 * locale. Loading every category cost a dozen file opens on each start, and would make
	 * number formats and the sort order of packaged files depend on the learner's locale.
	 */
	setlocale(LC_CTYPE, "");
	struct cli_opts opts = { 0 };
	struct error err;
	error_clear(&err);

	/* Drop argv[0]; the command name becomes the new argv[0]. */
	int n = argc - 1;
	char **args = argv + 1;
	for (int i = 0; i < n; i++) {
		if (strcmp(args[i], "--version") == 0) {
			printf("lambda-tutor %s\n", LT_VERSION);
			return CLI_OK;
		}
	}
	if (!cli_parse_shared(&n, args, &opts, &err)) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	const char *name = n > 0 && args[0][0] != '-' ? args[0] : NULL;
	const struct cli_command *cmd = name ? cli_find(name) : cli_find("tutor");
	/* A sealed class's key is read now, and a setgid install's group dropped, first. */
	if (!cli_settle_privileges(cmd ? cmd->name : NULL, n, args, &opts, &err)) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	if (!cmd && !name && opts.help) {
		cli_print_help();
		return CLI_OK;
	}
	if (!cmd) {
		if (name)
			cli_error("unknown command '%s'; see 'lambda-tutor --help'", name);
		else
			cli_print_help();
		return CLI_USAGE;
	}
	if (!name && opts.help) {
		cli_print_help();
		return CLI_OK;
	}
	if (opts.help) {
		fputs(cmd->usage, stdout);
		return CLI_OK;
	}
	if (!name) {
		/* The default command gets its own name as argv[0]. */
		static char tutor[] = "tutor";
		char *argv0[64];
		int m = n < 62 ? n : 62;
		argv0[0] = tutor;
		for (int i = 0; i < m; i++)
			argv0[i + 1] = args[i];
		argv0[m + 1] = NULL;
		int rc = cmd->run(&opts, m + 1, argv0);
		cli_class_sync();
		return rc;
	}
	int rc = cmd->run(&opts, n, args);
	/* A record that joined a class server sends it what it lacks. */
	if (strcmp(cmd->name, "join") != 0)
		cli_class_sync();
	return rc;
}
