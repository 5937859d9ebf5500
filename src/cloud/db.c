/*
 * Schema and opening of the cloud's database.
 */
#include "cloud/db.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static const char *const migrations[] = {
	/* 0 -> 1: functions, logs, invocation records, per-minute metrics. */
	"CREATE TABLE functions(account TEXT NOT NULL, name TEXT NOT NULL, config TEXT NOT NULL,"
	" PRIMARY KEY(account, name)) STRICT;"
	"CREATE TABLE log_groups(account TEXT NOT NULL, name TEXT NOT NULL,"
	" created INTEGER NOT NULL, PRIMARY KEY(account, name)) STRICT;"
	"CREATE TABLE log_streams(account TEXT NOT NULL, grp TEXT NOT NULL, name TEXT NOT NULL,"
	" created INTEGER NOT NULL, first_ts INTEGER, last_ts INTEGER, last_ingest INTEGER,"
	" bytes INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(account, grp, name)) STRICT;"
	"CREATE TABLE log_events(id INTEGER PRIMARY KEY, account TEXT NOT NULL, grp TEXT NOT NULL,"
	" stream TEXT NOT NULL, ts INTEGER NOT NULL, ingest INTEGER NOT NULL,"
	" message TEXT NOT NULL) STRICT;"
	"CREATE INDEX log_events_by_group ON log_events(account, grp, ts);"
	"CREATE TABLE invocations(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
	" function TEXT NOT NULL, request_id TEXT NOT NULL, started INTEGER NOT NULL,"
	" duration_ms REAL NOT NULL, billed_ms INTEGER NOT NULL, init_ms REAL,"
	" memory_mb INTEGER NOT NULL, max_used_mb INTEGER NOT NULL, cold INTEGER NOT NULL,"
	" status TEXT NOT NULL, error_type TEXT, gb_seconds REAL NOT NULL,"
	" cost_x86 REAL NOT NULL, cost_arm REAL NOT NULL) STRICT;"
	"CREATE INDEX invocations_by_function ON invocations(account, function, started);"
	"CREATE TABLE metrics(account TEXT NOT NULL, function TEXT NOT NULL,"
	" minute INTEGER NOT NULL, invocations INTEGER NOT NULL DEFAULT 0,"
	" errors INTEGER NOT NULL DEFAULT 0, throttles INTEGER NOT NULL DEFAULT 0,"
	" duration_sum REAL NOT NULL DEFAULT 0, duration_max REAL NOT NULL DEFAULT 0,"
	" concurrent_max INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY(account, function, minute)) STRICT;",
	/* 1 -> 2: log groups' retention (days; NULL keeps events forever), and the stream's own
	 * index that reading a stream and expiring the oldest ones walk. */
	"ALTER TABLE log_groups ADD COLUMN retention INTEGER;"
	"CREATE INDEX log_events_by_stream ON log_events(account, grp, stream, id);",
	/* 2 -> 3: an invocation's CPU time and its duration without contention (NULL: not
	 * measured). */
	"ALTER TABLE invocations ADD COLUMN cpu_ms REAL;"
	"ALTER TABLE invocations ADD COLUMN uncontended_ms REAL;",
};

bool cloud_db_exec(struct cloud_db *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "lambda-tutor: cloud database: %s\n", msg ? msg : "error");
		sqlite3_free(msg);
		return false;
	}
	return true;
}

sqlite3_stmt *db_prep(struct cloud_db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "lambda-tutor: cloud database: %s: %.80s\n", sqlite3_errmsg(db->db),
			sql);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

sqlite3_stmt *db_stmt(struct cloud_db *db, const char *sql)
{
	size_t h = (size_t)((uintptr_t)sql >> 3) % CLOUD_DB_STMTS;
	for (size_t i = 0; i < CLOUD_DB_STMTS; i++) {
		size_t j = (h + i) % CLOUD_DB_STMTS;
		if (db->stmts[j].sql == sql) {
			sqlite3_reset(db->stmts[j].st);
			sqlite3_clear_bindings(db->stmts[j].st);
			return db->stmts[j].st;
		}
		if (db->stmts[j].sql)
			continue;
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v3(db->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
		    SQLITE_OK) {
			fprintf(stderr, "lambda-tutor: cloud database: %s: %.80s\n",
				sqlite3_errmsg(db->db), sql);
			sqlite3_finalize(st);
			return NULL;
		}
		db->stmts[j].sql = sql;
		db->stmts[j].st = st;
		return st;
	}
	fprintf(stderr, "lambda-tutor: cloud database: more than %d statements kept: %.80s\n",
		CLOUD_DB_STMTS, sql);
	return NULL;
}

const char *db_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

static void on_update(void *arg, int op, const char *schema, const char *table, sqlite3_int64 rowid)
{
	struct cloud_db *db = arg;
	(void)op;
	(void)schema;
	(void)rowid;
	int n = db->nwatched;
	for (int i = 0; i < n; i++)
		if (strcmp(db->watched[i], table) == 0) {
			db->changes++;
			return;
		}
}

static void on_rollback(void *arg)
{
	struct cloud_db *db = arg;
	db->changes++;
}

void cloud_db_watch(struct cloud_db *db, const char *table)
{
	int n = db->nwatched;
	for (int i = 0; i < n; i++)
		if (strcmp(db->watched[i], table) == 0)
			return;
	assert(n < CLOUD_DB_WATCHED);
	db->watched[n] = table;
	db->nwatched = n + 1;
	db->changes++;
}

unsigned long long cloud_db_changes(struct cloud_db *db)
{
	return db->changes;
}

struct cloud_db *cloud_db_open(const char *path, struct error *err)
{
	struct cloud_db *db = xcalloc(1, sizeof(*db));
	pthread_mutex_init(&db->mu, NULL);
	if (sqlite3_open_v2(path, &db->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		error_set(err, "cannot open '%s': %s", path,
			  db->db ? sqlite3_errmsg(db->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db->db, 5000);
	sqlite3_update_hook(db->db, on_update, db);
	sqlite3_rollback_hook(db->db, on_rollback, db);
	/* The write-ahead log shrinks back after a checkpoint, so that a burst of writes does
	 * not keep its size on disk. */
	if (!cloud_db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			       " PRAGMA journal_size_limit=8388608;"))
		goto bad;
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(db->db, "PRAGMA user_version", -1, &st, NULL);
	int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	int n = (int)(sizeof(migrations) / sizeof(migrations[0]));
	if (version > n) {
		error_set(err, "'%s' was written by a newer lambda-tutor (schema %d)", path,
			  version);
		goto fail;
	}
	for (int v = version; v < n; v++) {
		char *sql = xasprintf("BEGIN; %s PRAGMA user_version=%d; COMMIT;", migrations[v],
				      v + 1);
		bool ok = cloud_db_exec(db, sql);
		free(sql);
		if (!ok) {
			cloud_db_exec(db, "ROLLBACK");
			goto bad;
		}
	}
	return db;
bad:
	error_set(err, "cannot prepare '%s': %s", path, sqlite3_errmsg(db->db));
fail:
	cloud_db_close(db);
	return NULL;
}

void cloud_db_close(struct cloud_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < CLOUD_DB_STMTS; i++)
		sqlite3_finalize(db->stmts[i].st);
	sqlite3_close(db->db);
	pthread_mutex_destroy(&db->mu);
	free(db);
}
