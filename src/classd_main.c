/*
 * lambda-tutor-class: the class server, run by `lambda-tutor class serve` (which resolves the
 * course and execs this program). Its own program so that the tutor never loads libmicrohttpd.
 *
 *	lambda-tutor class serve DIR --course COURSE [--listen ADDR:PORT] [--tls | --no-tls]
 *	                         [--renew-cert] [--lrs URL [--lrs-auth KEY:SECRET]
 *	                         [--lrs-ledger FILE] [--base IRI]] [--roster FILE]
 *	                         [--packages-max-mb N]
 *
 * --roster keeps FILE's names as the class's roster (class/names.h): only they may join.
 * --packages-max-mb is what one learner's code packages may take (class/hub.h, 256 MiB).
 * TLS (the class's own certificate, classd/cert.h) wherever other machines can reach the
 * address, unless --no-tls; on loopback only with --tls.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "class/feed.h"
#include "class/hub.h"
#include "class/names.h"
#include "class/regrade.h"
#include "class/titles.h"
#include "classd/classd.h"
#include "core/xalloc.h"

/* Whether host is a loopback address, which no one else's machine can reach. */
static bool loopback(const char *host)
{
	return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0;
}

/* "ADDR:PORT", "[v6]:PORT" or ":PORT" (loopback). */
static bool parse_listen(const char *s, char *host, size_t n, int *port)
{
	const char *colon = strrchr(s, ':');
	if (!colon)
		return false;
	const char *h = s, *e = colon;
	if (*h == '[' && e > h && e[-1] == ']') {
		h++;
		e--;
	}
	if ((size_t)(e - h) >= n)
		return false;
	if (e == h)
		snprintf(host, n, "127.0.0.1");
	else
		snprintf(host, n, "%.*s", (int)(e - h), h);
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || p < 0 || p > 65535)
		return false;
	*port = (int)p;
	return true;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *course = NULL, *listen = "127.0.0.1:7459", *sock = NULL;
	struct feed_opts feed_o = { 0 };
	bool no_tls = false, want_tls = false, renew = false, rerun = false;
	const char *tutor = NULL, *workspace = NULL, *roster = NULL, *packages_mb = NULL;
	int first = 1;
	/* argv stays "lambda-tutor class serve ...", so the process reads the same in ps. */
	if (argc > 2 && !strcmp(argv[1], "class") && !strcmp(argv[2], "serve"))
		first = 3;
	for (int i = first; i < argc; i++) {
		if (!strcmp(argv[i], "--course") && i + 1 < argc)
			course = argv[++i];
		else if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			listen = argv[++i];
		else if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			sock = argv[++i];
		else if (!strcmp(argv[i], "--no-tls"))
			no_tls = true;
		else if (!strcmp(argv[i], "--tls"))
			want_tls = true;
		else if (!strcmp(argv[i], "--renew-cert"))
			renew = true;
		else if (!strcmp(argv[i], "--lrs") && i + 1 < argc)
			feed_o.lrs.url = argv[++i];
		else if (!strcmp(argv[i], "--lrs-auth") && i + 1 < argc)
			feed_o.lrs.auth = argv[++i];
		else if (!strcmp(argv[i], "--lrs-ledger") && i + 1 < argc)
			feed_o.lrs.ledger = argv[++i];
		else if (!strcmp(argv[i], "--base") && i + 1 < argc)
			feed_o.base = argv[++i];
		else if (!strcmp(argv[i], "--rerun"))
			rerun = true;
		else if (!strcmp(argv[i], "--tutor") && i + 1 < argc)
			tutor = argv[++i];
		else if (!strcmp(argv[i], "--workspace") && i + 1 < argc)
			workspace = argv[++i];
		else if (!strcmp(argv[i], "--roster") && i + 1 < argc)
			roster = argv[++i];
		else if (!strcmp(argv[i], "--packages-max-mb") && i + 1 < argc)
			packages_mb = argv[++i];
		else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else {
			fprintf(stderr, "lambda-tutor: unknown argument '%s' for class serve\n",
				argv[i]);
			return 2;
		}
	}
	char host[128];
	int port = 0;
	if (!dir || !course || !parse_listen(listen, host, sizeof(host), &port) ||
	    (want_tls && (no_tls || sock))) {
		fprintf(stderr, "lambda-tutor: usage: lambda-tutor class serve DIR [--listen "
				"ADDR:PORT] [--tls | --no-tls] [--renew-cert] | --socket PATH\n"
				"                         [--lrs URL [--lrs-auth KEY:SECRET] "
				"[--lrs-ledger FILE] [--base IRI]] [--rerun] [--roster FILE]\n"
				"                         [--packages-max-mb N]\n");
		return 2;
	}
	char *end = NULL;
	long max_mb = packages_mb ? strtol(packages_mb, &end, 10) : 256;
	if (packages_mb && (end == packages_mb || *end || max_mb < 1 || max_mb > 1048576)) {
		fprintf(stderr,
			"lambda-tutor: --packages-max-mb takes a whole number of MiB from 1 "
			"to 1048576, not '%s'\n",
			packages_mb);
		return 2;
	}
	struct error url_err;
	if (feed_o.lrs.url && !lrs_url_check(feed_o.lrs.url, &url_err)) {
		fprintf(stderr, "lambda-tutor: %s\n", url_err.msg);
		return 2;
	}
	bool tls = !sock && (want_tls || (!loopback(host) && !no_tls));
	/*
	 * SIGINT and SIGTERM are taken by sigwait() on this thread alone: blocked before any
	 * thread starts, so none of libmicrohttpd's workers swallows one with a handler while
	 * this thread sleeps on.
	 */
	sigset_t stop_sigs;
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_sigs, NULL);
	struct error err;
	error_clear(&err);
	struct cert cert = { 0 };
	struct hub *hub = hub_open(dir, course, &err);
	if (hub)
		hub_set_packages_max(hub, (uint64_t)max_mb << 20);
	size_t n_names = 0;
	char **names = NULL;
	if (!hub || (roster && !names_roster_set(dir, roster, &n_names, &err)) ||
	    !names_roster_read(dir, &names, &n_names, &err) ||
	    (tls && !cert_ensure(dir, renew, &cert, &err))) {
		fprintf(stderr, "lambda-tutor: ");
		error_print(stderr, &err);
		hub_free(hub);
		return 2;
	}
	/* xAPI to an LRS as the records grow (class/feed.h). */
	struct feed *feed = NULL;
	struct titles *titles = NULL;
	if (feed_o.lrs.url) {
		feed_o.dir = dir;
		feed_o.course_id = hub_course_id(hub);
		feed_o.quizzes = hub_quizzes(hub);
		feed_o.titles = titles = titles_load(hub_course(hub), hub_quizzes(hub));
		if (!feed_o.lrs.auth)
			feed_o.lrs.auth = getenv("LAMBDA_TUTOR_LRS_AUTH");
		feed = feed_start(&feed_o, &err);
		if (!feed) {
			fprintf(stderr, "lambda-tutor: ");
			error_print(stderr, &err);
			titles_free(titles);
			cert_release(&cert);
			hub_free(hub);
			return 2;
		}
	}
	/* Check results run again as they arrive (class/regrade.h). */
	struct regrade *regrade = NULL;
	if (rerun) {
		struct regrade_opts ro = { .dir = dir,
					   .tutor = tutor,
					   .course = course,
					   .workspace = workspace,
					   .runs = hub_runs,
					   .ctx = hub };
		regrade = regrade_start(&ro, &err);
		if (!regrade) {
			fprintf(stderr, "lambda-tutor: ");
			error_print(stderr, &err);
			feed_stop(feed);
			titles_free(titles);
			cert_release(&cert);
			hub_free(hub);
			return 2;
		}
	}
	int bound = 0;
	struct classd *d = sock ? classd_start_unix(hub, sock, &err)
				: classd_start(hub, host, port, tls ? &cert : NULL, &bound, &err);
	if (!d) {
		fprintf(stderr, "lambda-tutor: ");
		error_print(stderr, &err);
		regrade_stop(regrade);
		feed_stop(feed);
		titles_free(titles);
		cert_release(&cert);
		hub_free(hub);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	bool v6 = strchr(host, ':') != NULL;
	if (names)
		printf("roster %s/%s: only its %zu names may join (class roster %s)\n", dir,
		       NAMES_ROSTER, n_names, dir);
	else
		printf("no roster: any name may join, first come (class serve --roster FILE)\n");
	names_list_free(names, n_names);
	if (sock) {
		printf("class %s: serving unix:%s (learners are who the kernel says)\n", dir, sock);
		printf("class code %s\n", hub_code(hub));
		printf("learners run: lambda-tutor join unix:%s %s\n", sock, hub_code(hub));
		printf("the trainer runs: lambda-tutor trainer %s\n", dir);
	} else {
		const char *scheme = tls ? "https" : "http";
		printf("class %s: serving %s://%s%s%s:%d\n", dir, scheme, v6 ? "[" : "", host,
		       v6 ? "]" : "", bound);
		if (tls && cert.renewed)
			printf("certificate issued again for the same key: learners' pins hold\n");
		if (tls)
			printf("certificate SHA-256 %s\nkey SHA-256 %s\n", cert.fingerprint,
			       cert.key_pin);
		printf("class code %s\n", hub_code(hub));
		printf("learners run: lambda-tutor join %s://%s%s%s:%d %s%s%s\n", scheme,
		       v6 ? "[" : "", host, v6 ? "]" : "", bound, hub_code(hub),
		       tls ? " --fingerprint " : "", tls ? cert.key_pin : "");
		printf("the trainer runs: lambda-tutor trainer %s\n", dir);
	}
	if (feed)
		printf("xAPI statements go to %s as they are recorded\n", feed_o.lrs.url);
	if (regrade)
		printf("check results run again as they arrive, against %s's cloud\n",
		       workspace ? workspace : "the trainer's workspace");
	fflush(stdout);
	int sig = 0;
	while (sigwait(&stop_sigs, &sig) != 0)
		;
	classd_stop(d);
	regrade_stop(regrade);
	feed_stop(feed);
	titles_free(titles);
	cert_release(&cert);
	hub_free(hub);
	return 0;
}
