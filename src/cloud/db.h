/*
 * The cloud's state on disk: one SQLite file, <workspace>/.cloud/cloud.db, shared by the
 * services. Every statement runs under db->mu; schema changes are migrations keyed on
 * PRAGMA user_version.
 */
#ifndef CLOUD_DB_H
#define CLOUD_DB_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>

#include "core/error.h"

/* How many statements db_stmt() keeps prepared. */
#define CLOUD_DB_STMTS 64

/* How many tables cloud_db_watch() can watch. */
#define CLOUD_DB_WATCHED 8

struct cloud_db {
	sqlite3 *db;
	pthread_mutex_t mu;
	/* Tables whose changes are counted (cloud_db_changes()), names borrowed. */
	const char *watched[CLOUD_DB_WATCHED];
	_Atomic int nwatched;
	_Atomic unsigned long long changes;
	/* Statements kept prepared by db_stmt(), by the address of their SQL. */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} stmts[CLOUD_DB_STMTS];
};

/* Open (creating and migrating) the database at path. Caller closes with cloud_db_close(). */
struct cloud_db *cloud_db_open(const char *path, struct error *err);
void cloud_db_close(struct cloud_db *db);
/* Run SQL without results; false on error (logged to stderr). Caller holds db->mu. */
bool cloud_db_exec(struct cloud_db *db, const char *sql);
/* Prepare sql on db, or NULL (the error and the SQL's start logged to stderr). Caller holds
 * db->mu and finalizes. */
sqlite3_stmt *db_prep(struct cloud_db *db, const char *sql);
/*
 * The statement of sql kept prepared on db, reset with no bindings, or NULL (logged): for the
 * hot paths, which skip parsing the SQL again. sql is a string literal (it is known by its
 * address). The caller holds db->mu, never finalizes it, and resets it once done with it
 * (an unfinished statement holds its read open).
 */
sqlite3_stmt *db_stmt(struct cloud_db *db, const char *sql);
/* Column i of st's current row as text: "" for NULL. Valid until st steps or is finalized. */
const char *db_col(sqlite3_stmt *st, int i);

/*
 * Count the changes to table (a static string) from now on: a row inserted, updated or
 * deleted, and any transaction rolled back. Watching a table twice counts it once. Caller
 * holds db->mu.
 */
void cloud_db_watch(struct cloud_db *db, const char *table);
/* The count: what was read from the watched tables still holds while it stays the same. */
unsigned long long cloud_db_changes(struct cloud_db *db);

#endif
