/*
 * Unit tests for cloud/clock/vclock: accounts' clocks, and waiters that a step of any clock
 * wakes at once (never a lost wake-up, whoever holds the waiter's mutex) while an idle waiter
 * sleeps to its deadline.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "cloud/clock/vclock.h"
#include "core/clock.h"
#include "harness.h"

#define HOUR_MS (3600LL * 1000)
/* Long enough that a waiter still asleep when it ends means a step did not wake it. */
#define NEVER_MS 60000

struct waiting {
	struct vclock *vc;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	const char *account;
	int64_t due;
	int max_real_ms;
	bool started, reached, returned;
	int64_t real_ms;
};

static void *wait_main(void *arg)
{
	struct waiting *w = arg;
	int64_t t0 = clock_mono_ms();
	pthread_mutex_lock(&w->mu);
	w->started = true;
	w->reached = vclock_wait(w->vc, &w->cond, &w->mu, w->account, w->due, w->max_real_ms);
	w->returned = true;
	pthread_mutex_unlock(&w->mu);
	w->real_ms = clock_mono_ms() - t0;
	return NULL;
}

static void waiting_init(struct waiting *w, struct vclock *vc, const char *account, int64_t due,
			 int max_real_ms)
{
	*w = (struct waiting){
		.vc = vc, .account = account, .due = due, .max_real_ms = max_real_ms
	};
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cond, NULL);
}

static void waiting_destroy(struct waiting *w)
{
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cond);
}

/*
 * Until the waiter sleeps in vclock_wait() (or has returned): it holds its mutex from before
 * it starts until the wait lets it go.
 */
static void until_asleep(struct waiting *w)
{
	for (;;) {
		struct timespec ts = { 0, 1000000L };
		nanosleep(&ts, NULL);
		if (pthread_mutex_trylock(&w->mu) == 0) {
			bool started = w->started;
			pthread_mutex_unlock(&w->mu);
			if (started)
				return;
		}
	}
}

TEST(vclock__accounts_step_alone)
{
	struct vclock *vc = vclock_new(1.0, NULL);
	int64_t base = vclock_now_ms(vc, NULL);
	vclock_advance(vc, "111111111111", HOUR_MS);
	ok(vclock_now_ms(vc, "111111111111") - base >= HOUR_MS, "the account is an hour ahead");
	ok(vclock_now_ms(vc, "222222222222") - base < HOUR_MS, "another is not");
	is_int(vclock_offset_ms(vc, "111111111111"), HOUR_MS, "its offset");
	vclock_forget(vc, "111111111111");
	is_int(vclock_offset_ms(vc, "111111111111"), 0, "forgotten, it is the base again");
	vclock_base_account(vc, "333333333333");
	vclock_advance(vc, "333333333333", HOUR_MS);
	ok(vclock_now_ms(vc, "222222222222") - base >= HOUR_MS, "the base account steps everyone");
	vclock_free(vc);
}

TEST(vclock_wait__a_step_wakes_a_waiter)
{
	struct vclock *vc = vclock_new(1.0, NULL);
	struct waiting w;
	waiting_init(&w, vc, "111111111111", vclock_now_ms(vc, NULL) + HOUR_MS, NEVER_MS);
	pthread_t t;
	pthread_create(&t, NULL, wait_main, &w);
	until_asleep(&w);
	vclock_advance(vc, "111111111111", HOUR_MS);
	pthread_join(t, NULL);
	ok(w.reached, "the account's step reaches the deadline");
	ok(w.real_ms < NEVER_MS / 2, "woken by the step, not by its timeout (%lld ms)",
	   (long long)w.real_ms);
	waiting_destroy(&w);

	/* Another account's step wakes it too (services look again), without reaching it. */
	waiting_init(&w, vc, "111111111111", vclock_now_ms(vc, "111111111111") + HOUR_MS, NEVER_MS);
	pthread_create(&t, NULL, wait_main, &w);
	until_asleep(&w);
	vclock_advance(vc, "222222222222", HOUR_MS);
	pthread_join(t, NULL);
	ok(!w.reached, "another account's step does not reach it");
	ok(w.real_ms < NEVER_MS / 2, "but wakes it (%lld ms)", (long long)w.real_ms);
	waiting_destroy(&w);
	vclock_free(vc);
}

TEST(vclock_wait__a_step_wakes_a_waiter_whose_mutex_is_held)
{
	struct vclock *vc = vclock_new(1.0, NULL);
	struct waiting w;
	waiting_init(&w, vc, NULL, vclock_now_ms(vc, NULL) + HOUR_MS, NEVER_MS);
	pthread_t t;
	pthread_create(&t, NULL, wait_main, &w);
	until_asleep(&w);
	/* As a service stopping under its own lock kicks the clock. */
	pthread_mutex_lock(&w.mu);
	vclock_kick(vc);
	struct timespec ts = { 0, 20000000L };
	nanosleep(&ts, NULL);
	pthread_mutex_unlock(&w.mu);
	pthread_join(t, NULL);
	ok(!w.reached, "a kick does not move the clock");
	ok(w.real_ms < NEVER_MS / 2, "it wakes the waiter all the same (%lld ms)",
	   (long long)w.real_ms);
	waiting_destroy(&w);
	vclock_free(vc);
}

TEST(vclock_wait__never_loses_a_step)
{
	/* Steps racing waiters that are listing themselves: each must wake. */
	struct vclock *vc = vclock_new(1.0, NULL);
	int late = 0, unreached = 0;
	for (int i = 0; i < 300; i++) {
		struct waiting w;
		waiting_init(&w, vc, "111111111111", vclock_now_ms(vc, "111111111111") + HOUR_MS,
			     NEVER_MS);
		pthread_t t;
		pthread_create(&t, NULL, wait_main, &w);
		if (i % 3 == 1)
			sched_yield();
		if (i % 3 == 2)
			pthread_mutex_lock(&w.mu), pthread_mutex_unlock(&w.mu);
		vclock_advance(vc, "111111111111", HOUR_MS);
		pthread_join(t, NULL);
		late += w.real_ms >= NEVER_MS / 2;
		unreached += !w.reached;
		waiting_destroy(&w);
	}
	is_int(late, 0, "no waiter slept through a step");
	is_int(unreached, 0, "each saw its deadline reached");
	vclock_free(vc);
}

TEST(vclock_wait__sleeps_to_its_deadline)
{
	struct vclock *vc = vclock_new(1.0, NULL);
	struct waiting w;
	waiting_init(&w, vc, NULL, vclock_now_ms(vc, NULL) + HOUR_MS, 300);
	struct rusage before, after;
	getrusage(RUSAGE_THREAD, &before);
	wait_main(&w);
	getrusage(RUSAGE_THREAD, &after);
	ok(!w.reached, "an hour ahead is not reached in 300 ms");
	ok(w.real_ms >= 290, "it slept its 300 ms (%lld)", (long long)w.real_ms);
	/* One sleep, not a wake-up every few milliseconds to look at the clock. */
	ok(after.ru_nvcsw - before.ru_nvcsw <= 3, "in one sleep (%ld times off the CPU)",
	   after.ru_nvcsw - before.ru_nvcsw);
	waiting_destroy(&w);

	/* The service's own signal ends the wait. */
	waiting_init(&w, vc, NULL, vclock_now_ms(vc, NULL) + HOUR_MS, NEVER_MS);
	pthread_t t;
	pthread_create(&t, NULL, wait_main, &w);
	until_asleep(&w);
	pthread_mutex_lock(&w.mu);
	pthread_cond_signal(&w.cond);
	pthread_mutex_unlock(&w.mu);
	pthread_join(t, NULL);
	ok(!w.reached && w.real_ms < NEVER_MS / 2, "the service's signal wakes it");
	waiting_destroy(&w);
	vclock_free(vc);

	/* At a thousand times the pace, ten virtual seconds are ten real milliseconds. */
	vc = vclock_new(1000.0, NULL);
	waiting_init(&w, vc, NULL, vclock_now_ms(vc, NULL) + 10000, NEVER_MS);
	wait_main(&w);
	ok(w.reached && w.real_ms < NEVER_MS / 2, "a scaled clock reaches its deadline");
	waiting_destroy(&w);
	vclock_free(vc);
}

int main(void)
{
	RUN(vclock__accounts_step_alone);
	RUN(vclock_wait__a_step_wakes_a_waiter);
	RUN(vclock_wait__a_step_wakes_a_waiter_whose_mutex_is_held);
	RUN(vclock_wait__never_loses_a_step);
	RUN(vclock_wait__sleeps_to_its_deadline);
	return done();
}
