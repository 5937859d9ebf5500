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

struct cloud_db {
	sqlite3 *db;
	pthread_mutex_t mu;
};

/* Open (creating and migrating) the database at path. Caller closes with cloud_db_close(). */
struct cloud_db *cloud_db_open(const char *path, struct error *err);
void cloud_db_close(struct cloud_db *db);
/* Run SQL without results; false on error (logged to stderr). Caller holds db->mu. */
bool cloud_db_exec(struct cloud_db *db, const char *sql);
/* Prepare sql on db, or NULL (the error and the SQL's start logged to stderr). Caller holds
 * db->mu and finalizes. */
sqlite3_stmt *db_prep(struct cloud_db *db, const char *sql);
/* Column i of st's current row as text: "" for NULL. Valid until st steps or is finalized. */
const char *db_col(sqlite3_stmt *st, int i);

#endif
