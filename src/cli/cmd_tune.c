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

#define BAR_WIDTH 40

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

static void bar(double v, double max)
{
	int n = max > 0 ? (int)(v / max * BAR_WIDTH + 0.5) : 0;
	if (n < 1 && v > 0)
		n = 1;
	for (int i = 0; i < n; i++)
		fputs("#", stdout);
}

static void print_result(const struct tune_result *r, const struct tune_opts *o)
{
	double dmax = 0, cmax = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (r->points[i].duration_ms > dmax)
			dmax = r->points[i].duration_ms;
		if (r->points[i].cost > cmax)
			cmax = r->points[i].cost;
	}
	printf("Power tuning of %s (%s, %s): %d calls at each size after one warm-up\n\n",
	       r->function, r->runtime, r->arm64 ? "arm64" : "x86_64", o->invocations);
	printf("  Memory   Avg duration  Billed     Cost per 1M calls   Cold start\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct tune_point *p = &r->points[i];
		char init[32] = "-";
		if (p->init_ms >= 0)
			snprintf(init, sizeof(init), "%.0f ms", p->init_ms);
		printf("%s %5d MB %10.1f ms %7.0f ms   $%12.4f      %s\n",
		       (int)i == r->best ? "*" : " ", p->memory, p->duration_ms, p->billed_ms,
		       p->cost * 1e6, init);
	}
	printf("\nDuration against memory\n");
	for (size_t i = 0; i < r->n; i++) {
		printf("  %5d MB |", r->points[i].memory);
		bar(r->points[i].duration_ms, dmax);
		printf(" %.1f ms\n", r->points[i].duration_ms);
	}
	printf("\nCost against memory\n");
	for (size_t i = 0; i < r->n; i++) {
		printf("  %5d MB |", r->points[i].memory);
		bar(r->points[i].cost, cmax);
		printf(" $%.4f per 1M\n", r->points[i].cost * 1e6);
	}
	const struct tune_point *b = &r->points[r->best];
	printf("\nRecommended (%s): %d MB, %.1f ms and $%.4f per million calls.\n",
	       tune_strategy_name(o->strategy), b->memory, b->duration_ms, b->cost * 1e6);
	printf("Set it with: aws lambda update-function-configuration --function-name %s "
	       "--memory-size %d\n",
	       r->function, b->memory);
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
		print_result(&r, &o);
	}
	rc = CLI_OK;
out:
	client_free(c);
	free(ws);
	return rc;
}
