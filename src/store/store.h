/*
 * Learner records in SQLite: one file per learner, WAL, a busy timeout, schema migrations keyed
 * on PRAGMA user_version. Everything that counts is an event appended to a log and committed
 * before the caller is told it is saved; current progress is derived from the log, never edited
 * in place. Each event carries the content hash of the item it was made on.
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct store;

/* Kinds of event. Stored as text, so records stay readable with the sqlite3 shell. */
#define STORE_PAGE_VIEW "page_view"	/* module, item = page id */
#define STORE_CHECK_RUN "check_run"	/* module, item = exercise id, data = per-task JSON */
#define STORE_HINT "hint"		/* item = exercise id, data = {"level": n} */
#define STORE_SOLUTION "solution"	/* item = exercise id, data = {"reason": "..."} */
#define STORE_QUIZ_START "quiz_start"	/* item = quiz id, data = frozen order JSON */
#define STORE_QUIZ_TRY "quiz_try"	/* item = quiz id, data = response, fraction, ... */
#define STORE_QUIZ_FINISH "quiz_finish" /* item = quiz id, data = score JSON */
#define STORE_HAND "hand"		/* learner raised or lowered a hand, data = note */

struct store_event {
	int64_t id;	     /* assigned by the store */
	int64_t at_ms;	     /* wall clock, ms since the epoch; 0 = now */
	const char *kind;    /* one of STORE_* */
	const char *module;  /* module id, or NULL */
	const char *item;    /* page, exercise or quiz id, or NULL */
	const char *hash;    /* content hash of the item, or NULL */
	const char *data;    /* JSON text, or NULL */
};

/*
 * Open (creating it and its directory, mode 0700, if needed) the learner file at path and bring
 * its schema up to date. Refuses a file that is not a lambda-tutor database, or one from a
 * newer version. The caller closes with store_close().
 */
struct store *store_open(const char *path, struct error *err);
/* Open an existing file read-only (trainer and exports); never creates or migrates. */
struct store *store_open_readonly(const char *path, struct error *err);
/* No-op on NULL. */
void store_close(struct store *store);

/* Append one event and commit it. True only once it is durable. Sets ev->id. */
bool store_append(struct store *store, struct store_event *ev, struct error *err);

/* Called for each event in order; return false to stop. Strings are valid during the call. */
typedef bool (*store_event_fn)(const struct store_event *ev, void *ctx);
/* Events of kind (all kinds when NULL), oldest first. */
bool store_each(struct store *store, const char *kind, store_event_fn fn, void *ctx,
		struct error *err);

/*
 * The learner's position: the module and page of the last page view. Both NULL when the learner
 * has viewed nothing. Caller frees both.
 */
bool store_position(struct store *store, char **module, char **page, struct error *err);
/* Whether a page was ever viewed. */
bool store_page_viewed(struct store *store, const char *module, const char *page, bool *viewed,
		       struct error *err);

/* The schema version this build writes (PRAGMA user_version after migration). */
int store_schema_version(void);

#endif
