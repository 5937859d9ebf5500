/*
 * The virtual clocks: wall time at start, plus real elapsed time times the scale, plus the
 * base's own steps (a restart going on from a saved time), plus each account's steps.
 */
#include "cloud/clock/vclock.h"

#include <errno.h>
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

struct vclock {
	pthread_mutex_t mu;
	int64_t base_wall_ms;
	int64_t base_mono_us;
	double scale;
	int64_t offset_ms;     /* the base clock's own steps */
	char base_account[13]; /* the account whose clock is the base (the learner's) */
	int64_t base_steps;    /* its steps, saved under its name */
	struct offset *accounts;
	size_t n, cap;
	unsigned steps; /* bumped by every advance and kick */
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
	return vc;
}

void vclock_free(struct vclock *vc)
{
	if (!vc)
		return;
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

int64_t vclock_now_ms(struct vclock *vc, const char *account)
{
	pthread_mutex_lock(&vc->mu);
	double elapsed_ms = (double)(clock_mono_us() - vc->base_mono_us) / 1000.0 * vc->scale;
	const struct offset *o = account && account[0] ? find(vc, account) : NULL;
	int64_t now = vc->base_wall_ms + (int64_t)elapsed_ms + vc->offset_ms + (o ? o->ms : 0);
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

static unsigned steps(struct vclock *vc)
{
	pthread_mutex_lock(&vc->mu);
	unsigned s = vc->steps;
	pthread_mutex_unlock(&vc->mu);
	return s;
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
	vc->steps++;
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
	vc->steps++;
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
	vc->steps++;
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
	int64_t now = vclock_now_ms(vc, account);
	if (now >= due_ms)
		return true;
	/* Real time until due, bounded; short slices notice a step of the clock soon. */
	double real = (double)(due_ms - now) / vc->scale;
	int64_t wait_ms = real < (double)max_real_ms ? (int64_t)real + 1 : max_real_ms;
	unsigned before = steps(vc);
	int64_t end = clock_mono_ms() + wait_ms;
	while (clock_mono_ms() < end) {
		int64_t slice = end - clock_mono_ms();
		if (slice > 10)
			slice = 10;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)slice * 1000000L;
		while (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		int rc = pthread_cond_timedwait(cond, mu, &ts);
		if (rc != ETIMEDOUT || steps(vc) != before)
			break;
	}
	return vclock_now_ms(vc, account) >= due_ms;
}
