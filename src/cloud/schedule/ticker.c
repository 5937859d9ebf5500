/*
 * The ticker's thread: tick, then wait on the virtual clock until the time tick asked for, a
 * poke, a step of any account's clock, or a second of real time (so a clock moved by a
 * restart is noticed too), and tick again.
 */
#include "cloud/schedule/ticker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cloud/clock/vclock.h"
#include "core/xalloc.h"

struct schedule_ticker {
	struct vclock *vc;
	int64_t (*tick)(void *arg, int64_t now_ms);
	void *arg;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool poked, stopping;
	pthread_t thread;
};

static void *run(void *arg)
{
	struct schedule_ticker *t = arg;
	pthread_mutex_lock(&t->mu);
	while (!t->stopping) {
		t->poked = false;
		pthread_mutex_unlock(&t->mu);
		int64_t due = t->tick(t->arg, vclock_now_ms(t->vc, NULL));
		pthread_mutex_lock(&t->mu);
		/* Tick again at the time asked for, or when anything wakes the wait: a step of
		 * any account's clock moves what is due on the base clock. */
		if (due < 0)
			due = INT64_MAX;
		if (!t->stopping && !t->poked)
			vclock_wait(t->vc, &t->cond, &t->mu, NULL, due, 1000);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

struct schedule_ticker *schedule_ticker_start(struct vclock *vc,
					      int64_t (*tick)(void *arg, int64_t now_ms), void *arg,
					      struct error *err)
{
	struct schedule_ticker *t = xcalloc(1, sizeof(*t));
	t->vc = vc;
	t->tick = tick;
	t->arg = arg;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cond, NULL);
	if (pthread_create(&t->thread, NULL, run, t) != 0) {
		pthread_cond_destroy(&t->cond);
		pthread_mutex_destroy(&t->mu);
		free(t);
		error_set(err, "cannot start a scheduler's thread");
		return NULL;
	}
	return t;
}

void schedule_ticker_poke(struct schedule_ticker *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->poked = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->mu);
}

void schedule_ticker_free(struct schedule_ticker *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stopping = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
