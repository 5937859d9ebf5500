/*
 * lambda-tutor env: the shell lines that point AWS clients at the workspace's local cloud,
 * starting the cloud in the background when none runs: eval "$(lambda-tutor env)".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/locate.h"
#include "cli/commands.h"

int cmd_env_run(const struct cli_opts *opts, int argc, char **argv)
{
	bool start = true;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-start") == 0) {
			start = false;
		} else {
			cli_error("env: bad argument '%s'; see 'lambda-tutor env --help'", argv[i]);
			return CLI_USAGE;
		}
	}
	struct error err;
	error_clear(&err);
	char *ws = cli_workspace(opts, &err);
	if (!ws) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	char endpoint[64];
	bool found = start ? cloud_ensure(ws, NULL, endpoint, sizeof(endpoint), &err)
			   : cloud_find(ws, endpoint, sizeof(endpoint));
	if (!found && start) {
		cli_print_error(&err);
		free(ws);
		return CLI_USAGE;
	}
	if (!found && !start)
		snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", LOCATE_DEFAULT_PORT);
	free(ws);
	if (opts->json) {
		printf("{\"AWS_ENDPOINT_URL\":\"%s\",\"AWS_ACCESS_KEY_ID\":\"test\","
		       "\"AWS_SECRET_ACCESS_KEY\":\"test\",\"AWS_DEFAULT_REGION\":\"us-east-1\"}\n",
		       endpoint);
		return CLI_OK;
	}
	printf("export AWS_ENDPOINT_URL=%s\n"
	       "export AWS_ACCESS_KEY_ID=test\n"
	       "export AWS_SECRET_ACCESS_KEY=test\n"
	       "export AWS_DEFAULT_REGION=us-east-1\n"
	       "# AWS CLIs older than 2.13 ignore AWS_ENDPOINT_URL: pass it along for them.\n"
	       "aws() { command aws --endpoint-url \"$AWS_ENDPOINT_URL\" \"$@\"; }\n"
	       "# Run this command with: eval \"$(lambda-tutor env)\"\n",
	       endpoint);
	return CLI_OK;
}
