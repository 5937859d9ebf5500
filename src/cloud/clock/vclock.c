/*
 * The virtual clocks: wall time at start, plus real elapsed time times the scale, plus the
 * base's own steps (a restart going on from a saved time), plus each account's steps.
 *
 * A waiter sleeps on its own service's condition variable until its deadline, and is listed
 * here while it does, so that a step can wake it. Locks: a waiter holds its mutex and then
 * takes vc->mu (to list itself and read the clock); a step holds vc->mu and only *tries* its
 * waiters' mutexes, so no order is ever reversed. Broadcasting with the waiter's mutex held
 * is what makes the wake-up certain (the waiter is then inside pthread_cond_timedwait); when
 * the mutex is busy the step broadcasts anyway and the waker thread tries again each
 * millisecond until the waiter is woken or gone.
 */
#include "cloud/clock/vclock.h"

#include <assert.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/db.h"
#include "core/clock.h"
#include "core/xalloc.h"

struct offset {
	char account[13];
	int64_t ms;
};

/* A thread in vclock_wait(), on its stack; listed while it waits. */
struct waiter {
	pthread_cond_t *cond;
	pthread_mutex_t *mu;
	bool missed; /* a step found its mutex busy: the waker tries again */
	struct waiter *next;
};

struct vclock {
	pthread_mutex_t mu;
	struct waiter *waiters;
	pthread_cond_t waker_cond; /* the waker thread sleeps on it (with mu) */
	pthread_t waker;
	bool waker_running, stopping;
	int64_t base_wall_ms;
	int64_t base_mono_us;
	double scale;
	int64_t offset_ms;     /* the base clock's own steps */
	char base_account[13]; /* the account whose clock is the base (the learner's) */
	int64_t base_steps;    /* its steps, saved under its name */
	struct offset *accounts;
	size_t n, cap;
	struct cloud_db *db;
};

/* The entry of account, or NULL. Caller holds vc->mu. */
static struct offset *find(struct vclock *vc, const char *account)
{
	for (size_t i = 0; account && i < vc->n; i++)
		if (strcmp(vc->accounts[i].account, account) == 0)
			return &vc->accounts[i];
	return NULL;
}

static int64_t offset_of(struct vclock *vc, const char *account)
{
	pthread_mutex_lock(&vc->mu);
	const struct offset *o = account && account[0] ? find(vc, account) : NULL;
	int64_t ms = o ? o->ms : 0;
	pthread_mutex_unlock(&vc->mu);
	return ms;
}

/* SQL: vclock_offset(account) */
static void sql_offset(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct vclock *vc = sqlite3_user_data(ctx);
	const char *account = (const char *)sqlite3_value_text(argv[0]);
	sqlite3_result_int64(ctx, offset_of(vc, account));
}

/* Write account's steps through (db->mu is taken here). */
static void save(struct vclock *vc, const char *account, int64_t ms)
{
	if (!vc->db)
		return;
	pthread_mutex_lock(&vc->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(
		vc->db->db,
		ms ? "INSERT OR REPLACE INTO vclock_accounts(account, offset_ms) VALUES(?,?)"
		   : "DELETE FROM vclock_accounts WHERE account=?",
		-1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	if (ms)
		sqlite3_bind_int64(st, 2, ms);
	sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&vc->db->mu);
}

/* Set account's steps (caller holds vc->mu). */
static void set(struct vclock *vc, const char *account, int64_t ms)
{
	struct offset *o = find(vc, account);
	if (!o) {
		if (vc->n == vc->cap) {
			vc->cap = vc->cap ? vc->cap * 2 : 8;
			vc->accounts = xrealloc(vc->accounts, vc->cap * sizeof(*vc->accounts));
		}
		o = &vc->accounts[vc->n++];
		snprintf(o->account, sizeof(o->account), "%s", account);
	}
	o->ms = ms;
}

static void load(struct vclock *vc)
{
	pthread_mutex_lock(&vc->db->mu);
	cloud_db_exec(vc->db, "CREATE TABLE IF NOT EXISTS vclock_accounts(account TEXT PRIMARY KEY,"
			      " offset_ms INTEGER NOT NULL) STRICT;");
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(vc->db->db, "SELECT account, offset_ms FROM vclock_accounts", -1, &st,
			   NULL);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		set(vc, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	sqlite3_create_function(vc->db->db, "vclock_offset", 1, SQLITE_UTF8, vc, sql_offset, NULL,
				NULL);
	pthread_mutex_unlock(&vc->db->mu);
}

/*
 * Wake the waiters a step (or the last try) missed; true when one still could not be reached
 * for certain. Caller holds vc->mu.
 */
static bool wake(struct vclock *vc, bool all)
{
	bool missed = false;
	for (struct waiter *w = vc->waiters; w; w = w->next) {
		if (!all && !w->missed)
			continue;
		if (pthread_mutex_trylock(w->mu) == 0) {
			pthread_cond_broadcast(w->cond);
			pthread_mutex_unlock(w->mu);
			w->missed = false;
			continue;
		}
		/* Waiting already (another thread holds the mutex) or about to: wake it now and
		 * try again in case it was about to. */
		pthread_cond_broadcast(w->cond);
		w->missed = missed = true;
	}
	return missed;
}

/* Tries again, each millisecond, the waiters whose mutex a step found busy. */
static void *waker_main(void *arg)
{
	struct vclock *vc = arg;
	pthread_mutex_lock(&vc->mu);
	while (!vc->stopping) {
		if (!wake(vc, false)) {
			pthread_cond_wait(&vc->waker_cond, &vc->mu);
			continue;
		}
		pthread_mutex_unlock(&vc->mu);
		struct timespec ms = { 0, 1000000L };
		nanosleep(&ms, NULL);
		pthread_mutex_lock(&vc->mu);
	}
	pthread_mutex_unlock(&vc->mu);
	return NULL;
}

/* A step: wake every waiter (caller holds vc->mu). */
static void stepped(struct vclock *vc)
{
	if (wake(vc, true))
		pthread_cond_signal(&vc->waker_cond);
}

struct vclock *vclock_new(double scale, struct cloud_db *db)
{
	struct vclock *vc = xcalloc(1, sizeof(*vc));
	pthread_mutex_init(&vc->mu, NULL);
	vc->base_wall_ms = clock_wall_ms();
	vc->base_mono_us = clock_mono_us();
	vc->scale = scale > 0 ? scale : 1.0;
	vc->db = db;
	if (db)
		load(vc);
	pthread_cond_init(&vc->waker_cond, NULL);
	vc->waker_running = pthread_create(&vc->waker, NULL, waker_main, vc) == 0;
	return vc;
}

void vclock_free(struct vclock *vc)
{
	if (!vc)
		return;
	pthread_mutex_lock(&vc->mu);
	assert(!vc->waiters && "services stop their waiters before the clock goes");
	vc->stopping = true;
	pthread_cond_signal(&vc->waker_cond);
	pthread_mutex_unlock(&vc->mu);
	if (vc->waker_running)
		pthread_join(vc->waker, NULL);
	pthread_cond_destroy(&vc->waker_cond);
	if (vc->db) {
		/* Unhook the SQL function before the clock goes. */
		pthread_mutex_lock(&vc->db->mu);
		sqlite3_create_function(vc->db->db, "vclock_offset", 1, SQLITE_UTF8, NULL, NULL,
					NULL, NULL);
		pthread_mutex_unlock(&vc->db->mu);
	}
	pthread_mutex_destroy(&vc->mu);
	free(vc->accounts);
	free(vc);
}

/* account's time now (caller holds vc->mu). */
static int64_t now_of(struct vclock *vc, const char *account)
{
	double elapsed_ms = (double)(clock_mono_us() - vc->base_mono_us) / 1000.0 * vc->scale;
	const struct offset *o = account && account[0] ? find(vc, account) : NULL;
	return vc->base_wall_ms + (int64_t)elapsed_ms + vc->offset_ms + (o ? o->ms : 0);
}

int64_t vclock_now_ms(struct vclock *vc, const char *account)
{
	pthread_mutex_lock(&vc->mu);
	int64_t now = now_of(vc, account);
	pthread_mutex_unlock(&vc->mu);
	return now;
}

int64_t vclock_offset_ms(struct vclock *vc, const char *account)
{
	return offset_of(vc, account);
}

double vclock_scale(struct vclock *vc)
{
	return vc->scale;
}

void vclock_base_account(struct vclock *vc, const char *account)
{
	pthread_mutex_lock(&vc->mu);
	snprintf(vc->base_account, sizeof(vc->base_account), "%s", account ? account : "");
	struct offset *o = vc->base_account[0] ? find(vc, vc->base_account) : NULL;
	if (o) {
		/* Its saved steps are the base's now. */
		vc->offset_ms += o->ms;
		vc->base_steps = o->ms;
		*o = vc->accounts[--vc->n];
	}
	stepped(vc);
	pthread_mutex_unlock(&vc->mu);
}

void vclock_advance(struct vclock *vc, const char *account, int64_t ms)
{
	pthread_mutex_lock(&vc->mu);
	int64_t total = 0;
	bool of_account = account && account[0];
	bool of_base = of_account && strcmp(account, vc->base_account) == 0;
	if (ms > 0 && of_base) {
		vc->offset_ms += ms;
		total = vc->base_steps += ms;
	} else if (ms > 0 && of_account) {
		const struct offset *o = find(vc, account);
		total = (o ? o->ms : 0) + ms;
		set(vc, account, total);
	} else if (ms > 0) {
		vc->offset_ms += ms;
	}
	stepped(vc);
	pthread_mutex_unlock(&vc->mu);
	if (ms > 0 && of_account)
		save(vc, account, total);
}

void vclock_forget(struct vclock *vc, const char *account)
{
	pthread_mutex_lock(&vc->mu);
	if (account && strcmp(account, vc->base_account) == 0) {
		/* The base clock never goes back: every account's time would. */
		pthread_mutex_unlock(&vc->mu);
		return;
	}
	struct offset *o = find(vc, account);
	bool had = o != NULL;
	if (o)
		*o = vc->accounts[--vc->n];
	stepped(vc);
	pthread_mutex_unlock(&vc->mu);
	if (had)
		save(vc, account, 0);
}

void vclock_not_before(struct vclock *vc, int64_t ms)
{
	int64_t now = vclock_now_ms(vc, NULL);
	if (ms > now)
		vclock_advance(vc, NULL, ms - now);
}

void vclock_kick(struct vclock *vc)
{
	vclock_advance(vc, NULL, 0);
}

bool vclock_wait(struct vclock *vc, pthread_cond_t *cond, pthread_mutex_t *mu, const char *account,
		 int64_t due_ms, int max_real_ms)
{
	/* Listed and timed in one hold of vc->mu: a step after this wakes us, one before it
	 * is in the time read. */
	struct waiter self = { .cond = cond, .mu = mu };
	pthread_mutex_lock(&vc->mu);
	int64_t now = now_of(vc, account);
	if (now >= due_ms) {
		pthread_mutex_unlock(&vc->mu);
		return true;
	}
	double real = (double)(due_ms - now) / vc->scale;
	int64_t wait_ms = real < (double)max_real_ms ? (int64_t)real + 1 : max_real_ms;
	self.next = vc->waiters;
	vc->waiters = &self;
	pthread_mutex_unlock(&vc->mu);

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(wait_ms / 1000);
	ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(cond, mu, &ts);

	pthread_mutex_lock(&vc->mu);
	struct waiter **p = &vc->waiters;
	while (*p != &self)
		p = &(*p)->next;
	*p = self.next;
	now = now_of(vc, account);
	pthread_mutex_unlock(&vc->mu);
	return now >= due_ms;
}
