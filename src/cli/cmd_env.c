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
	/* The learner's own key pair for this workspace: the cloud checks every signature. */
	struct cloud_keys keys;
	bool have = cloud_learner_keys(ws, &keys, &err);
	free(ws);
	if (!have) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	if (opts->json) {
		printf("{\"AWS_ENDPOINT_URL\":\"%s\",\"AWS_ACCESS_KEY_ID\":\"%s\","
		       "\"AWS_SECRET_ACCESS_KEY\":\"%s\",\"AWS_DEFAULT_REGION\":\"us-east-1\","
		       "\"account\":\"%s\"}\n",
		       endpoint, keys.access_key, keys.secret, keys.account);
		return CLI_OK;
	}
	printf("export AWS_ENDPOINT_URL=%s\n"
	       "# The key pair of your account %s on this workspace's local cloud.\n"
	       "export AWS_ACCESS_KEY_ID=%s\n"
	       "export AWS_SECRET_ACCESS_KEY=%s\n"
	       "unset AWS_SESSION_TOKEN AWS_PROFILE\n"
	       "export AWS_DEFAULT_REGION=us-east-1\n"
	       "# AWS CLIs older than 2.13 ignore AWS_ENDPOINT_URL: pass it along for them.\n"
	       "aws() { command aws --endpoint-url \"$AWS_ENDPOINT_URL\" \"$@\"; }\n"
	       "# Functions need an execution role Lambda may assume (see Deploying with the\n"
	       "# AWS CLI): aws iam create-role --role-name lambda-basic "
	       "--assume-role-policy-document \\\n"
	       "#   '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	       "\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},"
	       "\"Action\":\"sts:AssumeRole\"}]}'\n"
	       "# then attach arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole; "
	       "its ARN is\n"
	       "# arn:aws:iam::%s:role/lambda-basic.\n"
	       "# Run this command with: eval \"$(lambda-tutor env)\"\n",
	       endpoint, keys.account, keys.access_key, keys.secret, keys.account);
	return CLI_OK;
}
