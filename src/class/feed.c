/*
 * The class server's xAPI feed: a thread over the class folder, export and the LRS client.
 */
#include "class/feed.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "class/class.h"
#include "class/export.h"
#include "class/review.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

struct feed {
	char *dir, *course_id, *base, *url, *auth, *version, *ledger;
	const struct quiz_set *quizzes;
	const struct titles *titles;
	struct lrs_opts lrs;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

/* The reviews file's and its log's size and time: a review recorded changes them. */
static void reviews_sig(const char *dir, int64_t sig[4])
{
	char *path = path_join(dir, REVIEW_FILE);
	char *wal = xasprintf("%s-wal", path);
	struct stat st;
	memset(sig, 0, 4 * sizeof(*sig));
	if (stat(path, &st) == 0) {
		sig[0] = (int64_t)st.st_size;
		sig[1] = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	}
	if (stat(wal, &st) == 0) {
		sig[2] = (int64_t)st.st_size;
		sig[3] = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	}
	free(wal);
	free(path);
}

/* Wait ms or until stopped; false when stopped. */
static bool feed_wait(struct feed *f, int ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&f->mu);
	while (!f->stop && pthread_cond_timedwait(&f->cv, &f->mu, &until) == 0)
		;
	bool go = !f->stop;
	pthread_mutex_unlock(&f->mu);
	return go;
}

/* One pass: the class's statements, and those the ledger lacks sent. False: try again. */
static bool feed_pass(struct feed *f, struct class_room *room)
{
	struct review_set reviews = { 0 };
	struct error err;
	error_clear(&err);
	if (!review_load(f->dir, &reviews, &err)) {
		fprintf(stderr, "lambda-tutor: LRS feed: %s\n", err.msg);
		return false;
	}
	struct export_opts o = { .format = EXPORT_XAPI,
				 .base = f->base,
				 .course_id = f->course_id,
				 .reviews = &reviews,
				 .quizzes = f->quizzes,
				 .titles = f->titles };
	struct strbuf sb = STRBUF_INIT;
	export_room(room, &o, &sb);
	struct lrs_report rep;
	bool ok = lrs_send(&f->lrs, strbuf_str(&sb), sb.len, &rep, &err);
	if (rep.sent || rep.refused || !ok)
		fprintf(stderr,
			"lambda-tutor: LRS feed: %zu statement%s sent, %zu refused and set aside, "
			"%zu waiting%s%s\n",
			rep.sent, rep.sent == 1 ? "" : "s", rep.refused, rep.pending,
			ok ? "" : ": ", ok ? "" : err.msg);
	strbuf_release(&sb);
	review_set_release(&reviews);
	return ok;
}

static void *feed_main(void *arg)
{
	struct feed *f = arg;
	struct class_room room = CLASS_ROOM_INIT;
	int64_t sig[4] = { -1, -1, -1, -1 }, now_sig[4];
	bool waiting = true; /* the first pass sends what an earlier run left */
	int pause = FEED_RETRY_MIN_MS;
	int64_t retry_at = 0;
	while (feed_wait(f, FEED_TICK_MS)) {
		size_t reread = 0;
		struct error err;
		error_clear(&err);
		if (!class_room_refresh(&room, f->dir, &reread, &err))
			continue;
		reviews_sig(f->dir, now_sig);
		bool changed = reread > 0 || memcmp(sig, now_sig, sizeof(sig)) != 0;
		memcpy(sig, now_sig, sizeof(sig));
		int64_t now = clock_mono_ms();
		if (!(changed || waiting) || now < retry_at)
			continue;
		waiting = !feed_pass(f, &room);
		retry_at = waiting ? now + pause : 0;
		pause = waiting ? (pause * 2 > FEED_RETRY_MAX_MS ? FEED_RETRY_MAX_MS : pause * 2)
				: FEED_RETRY_MIN_MS;
	}
	class_room_release(&room);
	return NULL;
}

static char *dup_opt(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void feed_free(struct feed *f)
{
	free(f->dir);
	free(f->course_id);
	free(f->base);
	free(f->url);
	if (f->auth)
		explicit_bzero(f->auth, strlen(f->auth));
	free(f->auth);
	free(f->version);
	free(f->ledger);
	free(f);
}

struct feed *feed_start(const struct feed_opts *o, struct error *err)
{
	if (!o->lrs.url)
		return error_set(err, "--lrs takes the LRS's http or https endpoint"), NULL;
	if (!lrs_url_check(o->lrs.url, err))
		return NULL;
	if (o->lrs.auth && !strchr(o->lrs.auth, ':'))
		return error_set(err, "the LRS credentials are KEY:SECRET for HTTP Basic"), NULL;
	struct feed *f = xcalloc(1, sizeof(*f));
	f->dir = xstrdup(o->dir);
	f->course_id = xstrdup(o->course_id ? o->course_id : "course");
	f->base = xstrdup(o->base ? o->base : "https://lambda-tutor.invalid");
	f->url = xstrdup(o->lrs.url);
	f->auth = dup_opt(o->lrs.auth && o->lrs.auth[0] ? o->lrs.auth : NULL);
	f->version = dup_opt(o->lrs.version);
	f->ledger = o->lrs.ledger ? xstrdup(o->lrs.ledger) : path_join(o->dir, FEED_LEDGER);
	f->lrs = o->lrs;
	f->quizzes = o->quizzes;
	f->titles = o->titles;
	f->lrs.url = f->url;
	f->lrs.auth = f->auth;
	f->lrs.version = f->version;
	f->lrs.ledger = f->ledger;
	/* A server must stop in seconds: short requests, few tries; the next pass retries. */
	if (!f->lrs.timeout_ms)
		f->lrs.timeout_ms = 5000;
	if (!f->lrs.tries)
		f->lrs.tries = 2;
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&f->thread, NULL, feed_main, f) != 0) {
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		feed_free(f);
		return error_set(err, "cannot start the LRS feed"), NULL;
	}
	return f;
}

void feed_stop(struct feed *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	feed_free(f);
}
