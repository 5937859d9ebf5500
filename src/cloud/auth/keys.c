/*
 * The key table: access key -> secret, account, principal, and for sessions the role, the
 * session's name, the token and the expiry. A hash table in memory; accounts' own keys are
 * written through to the cloud's database (auth_keys), so that they and the URLs presigned
 * with them outlive a restart as AWS's do. Sessions live as long as the cloud. Each entry keeps the
 * signing keys last derived from its secret (one per date, region and service), which saves four
 * HMACs on every request after the first.
 */
#include "cloud/auth/keys.h"
#include "cloud/auth/auth.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/locate.h"
#include "cloud/clock/vclock.h"
#include "cloud/cloud.h"
#include "cloud/db.h"
#include "core/sigv4.h"
#include "core/xalloc.h"

void keys_new_pair(const char *prefix, char *access_key, size_t ak_n, char *secret, size_t sk_n)
{
	char ak[21], sk[41];
	sigv4_new_key_pair(prefix, ak, sk);
	snprintf(access_key, ak_n, "%s", ak);
	snprintf(secret, sk_n, "%s", sk);
}

static unsigned long hash_key(const char *s)
{
	unsigned long h = 1469598103934665603UL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211UL;
	return h;
}

struct key_entry *keys_find(struct auth *a, const char *access_key)
{
	struct key_entry *e = a->buckets[hash_key(access_key) % KEYS_BUCKETS];
	while (e && strcmp(e->access_key, access_key) != 0)
		e = e->next;
	return e;
}

/* Insert e (owned by the table from now on), replacing an entry of the same key. */
static void insert(struct auth *a, struct key_entry *e)
{
	struct key_entry **slot = &a->buckets[hash_key(e->access_key) % KEYS_BUCKETS];
	for (struct key_entry **p = slot; *p; p = &(*p)->next) {
		if (strcmp((*p)->access_key, e->access_key) == 0) {
			struct key_entry *old = *p;
			e->next = old->next;
			*p = e;
			free(old);
			return;
		}
	}
	e->next = *slot;
	*slot = e;
	a->count++;
}

/* Remove every entry for which drop(e, ctx) says so. */
static void remove_if(struct auth *a, bool (*drop)(const struct key_entry *, const void *),
		      const void *ctx)
{
	for (size_t b = 0; b < KEYS_BUCKETS; b++) {
		struct key_entry **p = &a->buckets[b];
		while (*p) {
			if (drop(*p, ctx)) {
				struct key_entry *gone = *p;
				*p = gone->next;
				free(gone);
				a->count--;
			} else {
				p = &(*p)->next;
			}
		}
	}
}

static void db_save(struct auth *a, const struct key_entry *e)
{
	if (!a->db || e->internal)
		return;
	pthread_mutex_lock(&a->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(
		a->db->db,
		"INSERT OR REPLACE INTO auth_keys(access_key, secret, account, arn, role,"
		" session, token, expires) VALUES(?,?,?,?,?,?,?,?)",
		-1, &st, NULL);
	sqlite3_bind_text(st, 1, e->access_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->secret, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e->arn, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, e->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, e->token, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, e->expires);
	if (sqlite3_step(st) != SQLITE_DONE)
		fprintf(stderr, "lambda-tutor: cannot save an access key: %s\n",
			sqlite3_errmsg(a->db->db));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&a->db->mu);
}

static void db_exec(struct auth *a, const char *sql, const char *arg, long long num)
{
	if (!a->db)
		return;
	pthread_mutex_lock(&a->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(a->db->db, sql, -1, &st, NULL);
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, num);
	sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&a->db->mu);
}

/* Record that account exists from now on, unless it did before. */
static void account_born(struct auth *a, const char *account)
{
	db_exec(a,
		"INSERT OR IGNORE INTO auth_accounts(account, created)"
		" VALUES(?1, CAST(strftime('%s', 'now') AS INTEGER))",
		account, 0);
}

long long auth_account_created(struct auth *a, const char *account)
{
	long long t = 0;
	if (!a->db)
		return 0;
	account_born(a, account); /* an account older than this record: now */
	pthread_mutex_lock(&a->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(a->db->db, "SELECT created FROM auth_accounts WHERE account = ?1", -1,
			   &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&a->db->mu);
	return t;
}

static bool is_key(const struct key_entry *e, const void *ctx);

static struct key_entry *entry_new(const char *account, const char *access_key, const char *secret)
{
	struct key_entry *e = xcalloc(1, sizeof(*e));
	snprintf(e->account, sizeof(e->account), "%s", account);
	snprintf(e->access_key, sizeof(e->access_key), "%s", access_key);
	snprintf(e->secret, sizeof(e->secret), "%s", secret);
	snprintf(e->arn, sizeof(e->arn), "arn:aws:iam::%s:root", account);
	return e;
}

void auth_add_key(struct auth *a, const char *account, const char *access_key, const char *secret)
{
	struct key_entry *e = entry_new(account, access_key, secret);
	pthread_mutex_lock(&a->mu);
	insert(a, e);
	pthread_mutex_unlock(&a->mu);
	db_save(a, e);
}

void auth_key_restore(struct auth *a, const char *account, const char *arn, const char *access_key,
		      const char *secret)
{
	struct key_entry *e = entry_new(account, access_key, secret);
	snprintf(e->arn, sizeof(e->arn), "%s", arn);
	pthread_mutex_lock(&a->mu);
	remove_if(a, is_key, access_key);
	insert(a, e);
	pthread_mutex_unlock(&a->mu);
	db_save(a, e);
}

static bool account_used(struct auth *a, const char *account)
{
	for (size_t b = 0; b < KEYS_BUCKETS; b++)
		for (const struct key_entry *e = a->buckets[b]; e; e = e->next)
			if (strcmp(e->account, account) == 0)
				return true;
	return false;
}

void auth_account_new(struct auth *a, struct auth_creds *out)
{
	memset(out, 0, sizeof(*out));
	keys_new_pair("AKIA", out->access_key, sizeof(out->access_key), out->secret,
		      sizeof(out->secret));
	pthread_mutex_lock(&a->mu);
	do {
		sigv4_random_chars(out->account, 1, "123456789");
		sigv4_random_chars(out->account + 1, 11, "0123456789");
	} while (account_used(a, out->account));
	struct key_entry *e = entry_new(out->account, out->access_key, out->secret);
	insert(a, e);
	pthread_mutex_unlock(&a->mu);
	db_save(a, e);
	account_born(a, out->account);
}

static bool of_account(const struct key_entry *e, const void *ctx)
{
	return strcmp(e->account, (const char *)ctx) == 0 && !e->internal;
}

void auth_account_forget(struct auth *a, const char *account)
{
	if (strcmp(account, a->learner.account) == 0)
		return; /* the learner's own pair stays, as the credentials file holds it */
	pthread_mutex_lock(&a->mu);
	remove_if(a, of_account, account);
	pthread_mutex_unlock(&a->mu);
	db_exec(a, "DELETE FROM auth_keys WHERE account=?", account, 0);
	db_exec(a, "DELETE FROM auth_accounts WHERE account=?", account, 0);
}

/* The last part of a role ARN (arn:aws:iam::ACCOUNT:role/path/NAME), or "role". */
static void role_name(const char *role_arn, char *out, size_t n)
{
	const char *slash = role_arn ? strrchr(role_arn, '/') : NULL;
	snprintf(out, n, "%s", slash && slash[1] ? slash + 1 : "lambda-role");
}

void auth_session_new(struct auth *a, const char *account, const char *role_arn,
		      const char *session, int seconds, struct auth_creds *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->account, sizeof(out->account), "%s", account);
	keys_new_pair("ASIA", out->access_key, sizeof(out->access_key), out->secret,
		      sizeof(out->secret));
	/* A session token as long as AWS's, and as opaque. */
	sigv4_random_chars(out->token, 160,
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
	out->expires = (long long)time(NULL) + seconds;
	struct key_entry *e = entry_new(account, out->access_key, out->secret);
	role_name(role_arn, e->role, sizeof(e->role));
	snprintf(e->session, sizeof(e->session), "%s", session);
	snprintf(e->arn, sizeof(e->arn), "arn:aws:sts::%s:assumed-role/%s/%s", account, e->role,
		 session);
	snprintf(e->token, sizeof(e->token), "%s", out->token);
	e->expires = out->expires;
	e->function = true;
	/* Kept in memory only: environments are forked under the cloud's lock, which must never
	 * wait for the database's, and no environment outlives its cloud anyway. */
	pthread_mutex_lock(&a->mu);
	insert(a, e);
	pthread_mutex_unlock(&a->mu);
}

void auth_key_new(struct auth *a, const char *account, const char *arn, bool session, int seconds,
		  struct auth_creds *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->account, sizeof(out->account), "%s", account);
	keys_new_pair(session ? "ASIA" : "AKIA", out->access_key, sizeof(out->access_key),
		      out->secret, sizeof(out->secret));
	struct key_entry *e = entry_new(account, out->access_key, out->secret);
	snprintf(e->arn, sizeof(e->arn), "%s", arn);
	if (session) {
		sigv4_random_chars(
			out->token, 160,
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
		snprintf(e->token, sizeof(e->token), "%s", out->token);
		out->expires = keys_now_for(a, e) + seconds;
		e->expires = out->expires;
		const char *ar = strstr(arn, ":assumed-role/");
		if (ar) {
			const char *role = ar + 14, *slash = strchr(role, '/');
			snprintf(e->role, sizeof(e->role), "%.*s",
				 slash ? (int)(slash - role) : (int)strlen(role), role);
			snprintf(e->session, sizeof(e->session), "%s", slash ? slash + 1 : "");
		}
	}
	pthread_mutex_lock(&a->mu);
	insert(a, e);
	pthread_mutex_unlock(&a->mu);
	if (!session)
		db_save(a, e);
}

static bool is_key(const struct key_entry *e, const void *ctx)
{
	return strcmp(e->access_key, (const char *)ctx) == 0 && !e->internal;
}

void auth_key_forget(struct auth *a, const char *access_key)
{
	pthread_mutex_lock(&a->mu);
	remove_if(a, is_key, access_key);
	pthread_mutex_unlock(&a->mu);
	db_exec(a, "DELETE FROM auth_keys WHERE access_key=?", access_key, 0);
}

void auth_set_clock(struct auth *a, struct vclock *vc)
{
	pthread_mutex_lock(&a->mu);
	a->vc = vc;
	pthread_mutex_unlock(&a->mu);
}

long long keys_now_for(struct auth *a, const struct key_entry *e)
{
	if (!a->vc || e->function || !e->token[0])
		return (long long)time(NULL);
	return (long long)(vclock_now_ms(a->vc, e->account) / 1000);
}

static bool expired(const struct key_entry *e, const void *ctx)
{
	struct auth *a = (struct auth *)ctx;
	return e->expires && e->expires < keys_now_for(a, e);
}

void keys_drop_expired(struct auth *a)
{
	long long now = (long long)time(NULL);
	pthread_mutex_lock(&a->mu);
	remove_if(a, expired, a);
	pthread_mutex_unlock(&a->mu);
	db_exec(a, "DELETE FROM auth_keys WHERE expires > 0 AND expires < ?", NULL, now);
}

void auth_housekeep(struct auth *a)
{
	keys_drop_expired(a);
}

static bool load(struct auth *a, struct error *err)
{
	pthread_mutex_lock(&a->db->mu);
	bool ok = cloud_db_exec(
		a->db, "CREATE TABLE IF NOT EXISTS auth_keys(access_key TEXT PRIMARY KEY,"
		       " secret TEXT NOT NULL, account TEXT NOT NULL, arn TEXT NOT NULL,"
		       " role TEXT NOT NULL DEFAULT '', session TEXT NOT NULL DEFAULT '',"
		       " token TEXT NOT NULL DEFAULT '', expires INTEGER NOT NULL DEFAULT 0)"
		       " STRICT;"
		       "CREATE TABLE IF NOT EXISTS auth_accounts(account TEXT PRIMARY KEY,"
		       " created INTEGER NOT NULL) STRICT;");
	sqlite3_stmt *st = NULL;
	if (ok)
		sqlite3_prepare_v2(a->db->db,
				   "SELECT access_key, secret, account, arn, role, session, token,"
				   " expires FROM auth_keys",
				   -1, &st, NULL);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		struct key_entry *e = entry_new((const char *)sqlite3_column_text(st, 2),
						(const char *)sqlite3_column_text(st, 0),
						(const char *)sqlite3_column_text(st, 1));
		snprintf(e->arn, sizeof(e->arn), "%s", sqlite3_column_text(st, 3));
		snprintf(e->role, sizeof(e->role), "%s", sqlite3_column_text(st, 4));
		snprintf(e->session, sizeof(e->session), "%s", sqlite3_column_text(st, 5));
		snprintf(e->token, sizeof(e->token), "%s", sqlite3_column_text(st, 6));
		e->expires = sqlite3_column_int64(st, 7);
		insert(a, e);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&a->db->mu);
	if (!ok)
		return error_set(err, "cannot create the access key table");
	return true;
}

struct auth *auth_new(struct cloud_db *db, const char *workspace, struct error *err)
{
	struct auth *a = xcalloc(1, sizeof(*a));
	pthread_mutex_init(&a->mu, NULL);
	a->db = db;
	if (db && !load(a, err))
		goto fail;
	keys_drop_expired(a);
	if (workspace) {
		struct cloud_keys k;
		if (!cloud_learner_keys(workspace, &k, err))
			goto fail;
		snprintf(a->learner.account, sizeof(a->learner.account), "%s", k.account);
		snprintf(a->learner.access_key, sizeof(a->learner.access_key), "%s", k.access_key);
		snprintf(a->learner.secret, sizeof(a->learner.secret), "%s", k.secret);
		auth_add_key(a, k.account, k.access_key, k.secret);
		account_born(a, k.account);
	}
	/* The cloud's own key, for the URLs it presigns; new at every start, never stored. */
	char ak[24], sk[48];
	keys_new_pair("AKIA", ak, sizeof(ak), sk, sizeof(sk));
	struct key_entry *e = entry_new("000000000000", ak, sk);
	snprintf(e->arn, sizeof(e->arn), "arn:aws:iam::aws:root");
	e->internal = true;
	insert(a, e);
	snprintf(a->cloud_key, sizeof(a->cloud_key), "%s", ak);
	snprintf(a->cloud_secret, sizeof(a->cloud_secret), "%s", sk);
	return a;
fail:
	auth_free(a);
	return NULL;
}

static bool all(const struct key_entry *e, const void *ctx)
{
	return true;
}

void auth_free(struct auth *a)
{
	if (!a)
		return;
	remove_if(a, all, NULL);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

const char *auth_learner_account(const struct auth *a)
{
	return a->learner.account;
}

bool auth_is_cloud(const struct auth *a, const struct svc_caller *caller)
{
	return caller->access_key[0] && strcmp(caller->access_key, a->cloud_key) == 0;
}
