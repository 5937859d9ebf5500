/*
 * The class server's re-runs, one child `lambda-tutor grade --class DIR --new` at a time.
 */
#include "class/regrade.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

#define REGRADE_POLL_MS 250
#define REGRADE_KILL_MS 10000

extern char **environ;

struct regrade {
	char *dir, *tutor, *course, *workspace;
	uint64_t (*runs)(void *ctx);
	void *ctx;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, done;
	pid_t child; /* the pass under way, or 0 */
};

static void sleep_ms(struct regrade *g, long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&g->mu);
	while (!g->stop && pthread_cond_timedwait(&g->cv, &g->mu, &until) == 0)
		;
	pthread_mutex_unlock(&g->mu);
}

/* What a pass found, on the server's log: the verdicts it made, and those not reproduced. */
static void report(const char *out)
{
	cJSON *arr = cJSON_Parse(out);
	int n = cJSON_GetArraySize(arr), bad = 0;
	const cJSON *v;
	cJSON_ArrayForEach(v, arr)
	{
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "reproduced")))
			continue;
		bad++;
		const char *l =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "learner"));
		const char *e =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "exercise"));
		const char *why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "why"));
		const char *now = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "now"));
		fprintf(stderr, "lambda-tutor: re-run of %s's %s: not reproduced (%s)\n",
			l ? l : "?", e ? e : "?",
			why && why[0] ? why
			: now         ? now
				      : "");
	}
	if (n > 0)
		fprintf(stderr, "lambda-tutor: re-ran %d check run%s: %d reproduced, %d not\n", n,
			n == 1 ? "" : "s", n - bad, bad);
	cJSON_Delete(arr);
}

/* One pass: the child, its verdicts read from its output. False when it could not start. */
static bool pass(struct regrade *g)
{
	const char *argv[12];
	int k = 0;
	argv[k++] = g->tutor;
	if (g->course) {
		argv[k++] = "--course";
		argv[k++] = g->course;
	}
	if (g->workspace) {
		argv[k++] = "--workspace";
		argv[k++] = g->workspace;
	}
	argv[k++] = "grade";
	argv[k++] = "--class";
	argv[k++] = g->dir;
	argv[k++] = "--new";
	argv[k++] = "--json";
	argv[k] = NULL;
	int fd[2];
	if (pipe(fd) != 0)
		return false;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	posix_spawn_file_actions_addclose(&fa, fd[1]);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawnattr_init(&at);
	/* The server blocks SIGINT and SIGTERM for sigwait() and ignores SIGPIPE: not the
	 * child, which must stop when told. */
	sigset_t none, dflt;
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	pthread_mutex_lock(&g->mu);
	pid_t pid = 0;
	int rc = g->stop ? ECANCELED
			 : posix_spawn(&pid, g->tutor, &fa, &at, (char *const *)argv, environ);
	if (rc == 0)
		g->child = pid;
	pthread_mutex_unlock(&g->mu);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(fd[1]);
	if (rc != 0) {
		close(fd[0]);
		if (rc != ECANCELED)
			fprintf(stderr, "lambda-tutor: cannot run %s for the re-runs: %s\n",
				g->tutor, strerror(rc));
		return rc == ECANCELED;
	}
	struct strbuf out = STRBUF_INIT;
	char buf[4096];
	ssize_t n;
	while ((n = read(fd[0], buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		strbuf_add(&out, buf, (size_t)n);
	}
	close(fd[0]);
	/* Forget the child before it is reaped, so stop never signals a pid reused since. */
	siginfo_t info;
	while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&g->mu);
	g->child = 0;
	bool stopping = g->stop;
	pthread_mutex_unlock(&g->mu);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!stopping) {
		report(strbuf_str(&out));
		if (WIFEXITED(status) && WEXITSTATUS(status) > 1)
			fprintf(stderr,
				"lambda-tutor: the re-runs could not run (exit %d); they "
				"are tried again with the next result\n",
				WEXITSTATUS(status));
	}
	strbuf_release(&out);
	return true;
}

static void *regrade_main(void *arg)
{
	struct regrade *g = arg;
	uint64_t seen = g->runs(g->ctx);
	bool due = true; /* the first pass takes what arrived while no server ran */
	for (;;) {
		pthread_mutex_lock(&g->mu);
		bool stop = g->stop;
		pthread_mutex_unlock(&g->mu);
		if (stop)
			break;
		uint64_t now = g->runs(g->ctx);
		if (now != seen) {
			seen = now;
			due = true;
		}
		if (due) {
			due = false;
			if (!pass(g))
				break;
			continue; /* what arrived during the pass is seen at once */
		}
		sleep_ms(g, REGRADE_POLL_MS);
	}
	pthread_mutex_lock(&g->mu);
	g->done = true;
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

struct regrade *regrade_start(const struct regrade_opts *o, struct error *err)
{
	if (!o->tutor || access(o->tutor, X_OK) != 0)
		return error_set(err, "--rerun: cannot run '%s' to check again",
				 o->tutor ? o->tutor : "lambda-tutor"),
		       NULL;
	struct regrade *g = xcalloc(1, sizeof(*g));
	g->dir = xstrdup(o->dir);
	g->tutor = xstrdup(o->tutor);
	g->course = o->course ? xstrdup(o->course) : NULL;
	g->workspace = o->workspace ? xstrdup(o->workspace) : NULL;
	g->runs = o->runs;
	g->ctx = o->ctx;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	if (pthread_create(&g->thread, NULL, regrade_main, g) != 0) {
		error_set(err, "--rerun: cannot start its thread");
		pthread_cond_destroy(&g->cv);
		pthread_mutex_destroy(&g->mu);
		free(g->dir);
		free(g->tutor);
		free(g->course);
		free(g->workspace);
		free(g);
		return NULL;
	}
	return g;
}

void regrade_stop(struct regrade *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = true;
	pthread_cond_broadcast(&g->cv);
	if (g->child)
		kill(g->child, SIGTERM);
	pthread_mutex_unlock(&g->mu);
	for (long waited = 0;; waited += 50) {
		pthread_mutex_lock(&g->mu);
		bool done = g->done;
		if (!done && waited >= REGRADE_KILL_MS && g->child)
			kill(g->child, SIGKILL);
		pthread_mutex_unlock(&g->mu);
		if (done)
			break;
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
	pthread_join(g->thread, NULL);
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g->dir);
	free(g->tutor);
	free(g->course);
	free(g->workspace);
	free(g);
}
