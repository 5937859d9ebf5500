/*
 * lambda-tutor serve: run the workspace's local cloud in the foreground until Ctrl-C or
 * SIGTERM, then stop every execution environment and exit 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cloud/cloud.h"
#include "core/path.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	stop_flag = sig;
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!s[0] || *end || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

/* The virtual clock's speed: a number from 1 (real time) to 3600 (an hour a second). */
static bool parse_scale(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (!s[0] || *end || !(v >= 1.0 && v <= 3600.0))
		return false;
	*out = v;
	return true;
}

int cmd_serve_run(const struct cli_opts *opts, int argc, char **argv)
{
	struct cloud_config cfg = { 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int n;
		if (strcmp(a, "--port") == 0 && v && parse_int(v, 0, 65535, &n)) {
			cfg.port = n == 0 ? -1 : n;
			i++;
		} else if (strcmp(a, "--account-concurrency") == 0 && v &&
			   parse_int(v, 100, 1000000, &n)) {
			cfg.account_concurrency = n;
			i++;
		} else if (strcmp(a, "--idle-seconds") == 0 && v && parse_int(v, 1, 86400, &n)) {
			cfg.idle_seconds = n;
			i++;
		} else if (strcmp(a, "--time-scale") == 0 && v && parse_scale(v, &cfg.time_scale)) {
			i++;
		} else {
			cli_error("serve: bad argument '%s'; see 'lambda-tutor serve --help'", a);
			return CLI_USAGE;
		}
	}
	struct error err;
	error_clear(&err);
	char *ws = cli_workspace(opts, &err);
	if (!ws || !path_mkdirs(ws, 0755, &err)) {
		cli_print_error(&err);
		free(ws);
		return CLI_USAGE;
	}
	cfg.workspace = ws;
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct cloud *c = cloud_open(&cfg, &err);
	if (!c) {
		cli_print_error(&err);
		free(ws);
		return CLI_USAGE;
	}
	fprintf(stderr, "lambda-tutor: serving %s on %s (Ctrl-C to stop)\n", ws, cloud_endpoint(c));
	fprintf(stderr, "lambda-tutor: point a shell at it with: eval \"$(lambda-tutor env)\"\n");
	cloud_run(c, &stop_flag);
	fprintf(stderr, "lambda-tutor: stopping the cloud\n");
	cloud_close(c);
	free(ws);
	return CLI_OK;
}
