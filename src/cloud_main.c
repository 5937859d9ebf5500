/*
 * lambda-tutor-cloud: the local cloud's server, run by `lambda-tutor serve` (which resolves the
 * workspace and execs this program with its own argv). It is a program of its own so that the
 * tutor's other commands never load the HTTP server and its libraries: `lambda-tutor list`
 * starts in a few milliseconds.
 *
 *	lambda-tutor serve --workspace DIR [--port N] [--account-concurrency N]
 *		[--idle-seconds N] [--time-scale X] [--logs-max-mb N]
 */
#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cloud/cloud.h"

static volatile sig_atomic_t stop_flag;
static struct cloud *volatile serving; /* woken by the signal, once cloud_run() may sleep */

static void on_signal(int sig)
{
	stop_flag = sig;
	cloud_wake(serving);
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

static double mb(long long bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

static int usage_error(const char *a)
{
	fprintf(stderr, "lambda-tutor: serve: bad argument '%s'; see 'lambda-tutor serve --help'\n",
		a);
	return 2;
}

/* The most descriptors the cloud asks for (the kernel's default nr_open). */
#define NOFILE_MAX ((rlim_t)1 << 20)

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	struct cloud_config cfg = { 0 };
	int i = 1;
	if (i < argc && strcmp(argv[i], "serve") == 0)
		i++;
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int n;
		if (strcmp(a, "--workspace") == 0 && v && v[0]) {
			cfg.workspace = v;
			i++;
		} else if (strcmp(a, "--port") == 0 && v && parse_int(v, 0, 65535, &n)) {
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
		} else if (strcmp(a, "--logs-max-mb") == 0 && v &&
			   parse_int(v, 1, 1 << 20, &cfg.logs_max_mb)) {
			i++;
		} else {
			return usage_error(a);
		}
	}
	if (!cfg.workspace) {
		fprintf(stderr, "lambda-tutor: serve: no workspace given\n");
		return 2;
	}
	/* Each environment holds descriptors until it is collected (its pipe, its Runtime API's
	 * sockets and event fd): a burst of them reaches the usual soft limit of 1,024 long before
	 * the hard one. Handlers get Lambda's own 1,024 back (sandbox_init.c). */
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max > NOFILE_MAX ? NOFILE_MAX : nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	/* An answer of a day of metrics or a page of log events is a few MB of cJSON and text,
	 * built and freed on each call: glibc gave that back to the kernel after each one (its
	 * trim threshold follows the largest mmap'd block, here the text), and the next call
	 * took a page fault for every 4 KiB of it again, half of GetMetricData's time. */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct error err;
	error_clear(&err);
	cfg.spawner = true;
	struct cloud *c = cloud_open(&cfg, &err);
	if (!c) {
		if (!err.path[0])
			fputs("lambda-tutor: ", stderr);
		error_print(stderr, &err);
		return 2;
	}
	fprintf(stderr, "lambda-tutor: serving %s on %s (Ctrl-C to stop)\n", cfg.workspace,
		cloud_endpoint(c));
	fprintf(stderr, "lambda-tutor: the tutor's controls are on %s/.cloud/control.sock\n",
		cfg.workspace);
	fprintf(stderr, "lambda-tutor: point a shell at it with: eval \"$(lambda-tutor env)\"\n");
	char *sandbox = cloud_sandbox_summary(c);
	for (char *line = sandbox, *nl; line && (nl = strchr(line, '\n')); line = nl + 1)
		fprintf(stderr, "lambda-tutor: sandbox: %.*s\n", (int)(nl - line), line);
	free(sandbox);
	struct cloud_disk d;
	cloud_disk_usage(c, &d);
	fprintf(stderr,
		"lambda-tutor: its state takes %.1f MB on disk (database %.1f MB, code %.1f MB, "
		"objects %.1f MB; logs %.1f MB of at most %.0f MB)\n",
		mb(d.total), mb(d.database), mb(d.code), mb(d.objects), mb(d.logs), mb(d.logs_cap));
	serving = c;
	cloud_run(c, &stop_flag);
	serving = NULL;
	fprintf(stderr, "lambda-tutor: stopping the cloud\n");
	cloud_close(c);
	return 0;
}
