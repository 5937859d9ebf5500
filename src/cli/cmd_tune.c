/*
 * lambda-tutor tune FUNCTION [--memory 128,256,...] [--payload JSON] [--invocations N]
 * [--strategy cost|speed|balanced] [--json]: power tuning of a function in the learner's local
 * cloud, signed with the learner's keys (check/tune.c does the work).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/client.h"
#include "aws/locate.h"
#include "check/tune.h"
#include "cli/commands.h"
#include "core/xalloc.h"

struct progress {
	bool tty;
};

static void show_progress(void *arg, int memory, int done, int total)
{
	const struct progress *p = arg;
	if (p->tty) {
		fprintf(stderr, "\r%5d MB: %s%d/%d calls ", memory, done ? "" : "warm-up, ", done,
			total);
		if (done == total)
			fputc('\n', stderr);
	} else if (done == total) {
		fprintf(stderr, "tune: %d MB: %d calls done\n", memory, total);
	}
	fflush(stderr);
}

int cmd_tune_run(const struct cli_opts *opts, int argc, char **argv)
{
	const char *fn = NULL, *memory = TUNE_DEFAULT_MEMORY, *payload = "{}";
	const char *strategy = "balanced";
	int invocations = 5;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool value = i + 1 < argc;
		if (strcmp(a, "--memory") == 0 && value) {
			memory = argv[++i];
		} else if (strcmp(a, "--payload") == 0 && value) {
			payload = argv[++i];
		} else if (strcmp(a, "--strategy") == 0 && value) {
			strategy = argv[++i];
		} else if (strcmp(a, "--invocations") == 0 && value) {
			char *end = NULL;
			long n = strtol(argv[++i], &end, 10);
			if (*end || n < 1 || n > 1000) {
				cli_error(
					"tune: --invocations is a number from 1 to 1000, not '%s'",
					argv[i]);
				return CLI_USAGE;
			}
			invocations = (int)n;
		} else if (a[0] != '-' && !fn) {
			fn = a;
		} else {
			cli_error("tune: bad argument '%s'; see 'lambda-tutor tune --help'", a);
			return CLI_USAGE;
		}
	}
	if (!fn) {
		cli_error("tune: which function? Usage: lambda-tutor tune FUNCTION [--memory "
			  "128,256,...]");
		return CLI_USAGE;
	}
	struct error err;
	error_clear(&err);
	int sizes[TUNE_MAX_SIZES];
	size_t n_sizes = 0;
	struct tune_opts o = {
		.function = fn, .memory = sizes, .payload = payload, .invocations = invocations
	};
	if (!tune_parse_memory(memory, sizes, &n_sizes, &err)) {
		cli_error("tune: %s", err.msg);
		return CLI_USAGE;
	}
	o.n_memory = n_sizes;
	if (!tune_parse_strategy(strategy, &o.strategy)) {
		cli_error("tune: unknown strategy '%s'; use cost, speed or balanced", strategy);
		return CLI_USAGE;
	}
	cJSON *pj = cJSON_Parse(payload);
	if (!pj) {
		cli_error("tune: --payload is not JSON: %s", payload);
		return CLI_USAGE;
	}
	cJSON_Delete(pj);
	struct progress prog = { .tty = isatty(STDERR_FILENO) };
	o.progress = show_progress;
	o.arg = &prog;

	int rc = CLI_USAGE;
	struct lambda_client *c = NULL;
	char *ws = cli_workspace(opts, &err);
	char endpoint[256];
	struct cloud_keys keys;
	if (!ws || !cloud_ensure(ws, NULL, endpoint, sizeof(endpoint), &err) ||
	    !cloud_learner_keys(ws, &keys, &err)) {
		cli_error("tune: no local cloud: %s", err.msg);
		goto out;
	}
	c = client_new(endpoint, keys.access_key, keys.secret);
	struct tune_result r;
	if (!tune_run(c, &o, &r, &err)) {
		cli_error("tune: %s", err.msg);
		rc = CLI_FAIL;
		goto out;
	}
	if (opts->json) {
		char *j = tune_json(&r, &o);
		printf("%s\n", j);
		free(j);
	} else {
		char *text = tune_report(&r, &o);
		fputs(text, stdout);
		free(text);
	}
	rc = CLI_OK;
out:
	client_free(c);
	free(ws);
	return rc;
}
