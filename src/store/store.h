/*
 * Learner records in SQLite: one file per learner, WAL, a busy timeout, schema migrations keyed
 * on PRAGMA user_version. Everything that counts is an event appended to a log and committed
 * before the caller is told it is saved; current progress is derived from the log, never edited
 * in place. Each event carries the content hash of the item it was made on.
 *
 * The events table is append-only in the database itself: triggers refuse UPDATE and DELETE.
 * A file is recognised by its PRAGMA application_id, so a foreign SQLite file is refused.
 * Every failure fills err with one line naming the file ("'x' is locked by another process").
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

struct store;

/* Kinds of event. Stored as text, so records stay readable with the sqlite3 shell. */
#define STORE_PAGE_VIEW   "page_view"   /* module, item = page id */
#define STORE_CHECK_RUN   "check_run"   /* module, item = exercise id, data = per-task JSON */
#define STORE_HINT        "hint"        /* item = exercise id, data = {"level": n} */
#define STORE_SOLUTION    "solution"    /* item = exercise id, data = {"reason": "..."} */
#define STORE_QUIZ_START  "quiz_start"  /* item = quiz id, data = frozen order JSON */
#define STORE_QUIZ_TRY    "quiz_try"    /* item = quiz id, data = response, fraction, ... */
#define STORE_QUIZ_FINISH "quiz_finish" /* item = quiz id, data = score JSON */
#define STORE_HAND        "hand"        /* learner raised or lowered a hand, data = note */
#define STORE_SCENARIO    "scenario"    /* item = scenario id, data = {"action": "start"|"reset"} */
#define STORE_RUBRIC      "rubric"      /* the final project's automatic rubric: its JSON */
#define STORE_REVIEW      "review"      /* a trainer's {"criterion", "score", "comment"} */
#define STORE_LIVE_ANSWER "live_answer" /* item = question id, {push, hash, response, ...} */
#define STORE_REFUSED     "refused" /* class server: a learner's event it refused, {kind, why} */

/* The module of a scenario's events (its hints and checks are "hint" and "check_run"). */
#define SCENARIO_MODULE "scenarios"

/* Keys of the meta table. */
#define STORE_META_LEARNER "learner" /* the learner's name, set by whoever creates the file */
#define STORE_META_CREATED "created" /* UTC time the file was created, ISO 8601 */

/* Mode of a learner's own file, and of one in a class directory (group-readable by a trainer). */
#define STORE_MODE_PRIVATE 0600
#define STORE_MODE_CLASS   0640

struct store_event {
	int64_t id;         /* assigned by the store */
	int64_t at_ms;      /* wall clock, ms since the epoch; 0 = now */
	const char *kind;   /* one of STORE_* */
	const char *module; /* module id, or NULL */
	const char *item;   /* page, exercise or quiz id, or NULL */
	const char *hash;   /* content hash of the item, or NULL */
	const char *data;   /* JSON text, or NULL */
	const char *seal;   /* hex HMAC of the event (see store_seal), or NULL when unsealed */
	const char *chain;  /* hex SHA-256 chaining it to the event before (store_chain_compute);
			     * NULL in events recorded before chains */
};

/*
 * Every event appended carries chain = SHA-256("lambda-tutor chain 1", id, at_ms, kind,
 * module, item, hash, data, the previous event's chain), each field length-prefixed, so the
 * record's order is part of every event after it: an event renumbered, moved or edited with
 * sqlite3 no longer follows the one before it. Unkeyed, so anyone can compute it: what it
 * proves is that a record is the one a class server already received (wire.h), and that a
 * file was not renumbered by someone who did not also write every chain again.
 */
#define STORE_CHAIN_HEX_LEN 64
/* The chain ev must carry after an event whose chain was prev ("" or NULL for none). */
void store_chain_compute(const char *prev, const struct store_event *ev,
			 char out[STORE_CHAIN_HEX_LEN + 1]);

/*
 * Sealed records (class mode on a shared host). A class has a secret key that learners'
 * accounts cannot read; the tutor holds it in memory only (see the README's threat model).
 * Every event of a sealed file carries seal = HMAC-SHA-256(key, learner, id, at_ms, kind,
 * module, item, hash, data, the previous event's seal), each field length-prefixed, so an
 * event written or edited without the key, moved to another learner's file, or renumbered,
 * fails; deleting an event breaks the seal of the one after it.
 */
#define STORE_SEAL_KEY_LEN  32
#define STORE_SEAL_HEX_LEN  64
#define STORE_SEAL_KEY_FILE ".seal.key" /* in the class directory: 64 hex digits */

/* The seal ev must carry after an event whose seal was prev ("" or NULL for none). */
void store_seal_compute(const unsigned char key[STORE_SEAL_KEY_LEN], const char *learner,
			const char *prev, const struct store_event *ev,
			char out[STORE_SEAL_HEX_LEN + 1]);
/*
 * Check every event of store against key and learner, then seal every later store_append.
 * Refuses (and seals nothing) a file with an event that is unsealed or fails its seal.
 * key is copied; learner must outlive the store.
 */
bool store_seal(struct store *store, const unsigned char key[STORE_SEAL_KEY_LEN],
		const char *learner, struct error *err);
/*
 * Read a class's key file: a regular file, not a link, of mode 0440 or 0400, holding 64 hex
 * digits. errno-style reasons in err never quote the file's contents.
 */
bool store_seal_key_read(const char *path, unsigned char key[STORE_SEAL_KEY_LEN],
			 struct error *err);

/*
 * Open (creating it and its directory, mode 0700, if needed) the learner file at path and bring
 * its schema up to date. Refuses a file that is not a lambda-tutor database, or one from a
 * newer version. A new file gets mode STORE_MODE_PRIVATE whatever the umask; an existing one
 * keeps its mode. The caller closes with store_close().
 */
struct store *store_open(const char *path, struct error *err);
/* store_open(), with the mode a new file gets (STORE_MODE_CLASS in a class directory). */
struct store *store_open_mode(const char *path, mode_t mode, struct error *err);
/*
 * Open an existing file read-only (trainer, exports, `list`); never creates or migrates and
 * never changes the records. Refuses a file whose schema is newer than this build's, or older
 * than the one before chains (2, whose events read with no chain).
 * A file created but never migrated opens with no records. SQLite may leave its -wal and -shm
 * files beside the records; in a directory the reader cannot write, a file without a -wal is
 * read as immutable instead.
 */
struct store *store_open_readonly(const char *path, struct error *err);
/* No-op on NULL. */
void store_close(struct store *store);
/* The path the store was opened with. Borrowed, valid until store_close(). */
const char *store_path(const struct store *store);
/* Where the record at db_path keeps the package (the zip of a check run's code) of that
 * SHA-256: <db_path>.packages/<sha256>.zip. Caller frees. */
char *store_package_path(const char *db_path, const char *sha256);

/* Append one event and commit it. True only once it is durable. Sets ev->id and ev->at_ms. */
bool store_append(struct store *store, struct store_event *ev, struct error *err);

/*
 * Append a copy of an event another record holds, with its id (ev->id > 0): the class server's
 * copy of a learner's record keeps the learner's own ids, so an event sent twice is recorded
 * once. An id not above the last one recorded writes nothing and sets *duplicate. ev->chain,
 * when given, is kept as the learner's record has it (else one is computed).
 */
bool store_append_as(struct store *store, struct store_event *ev, bool *duplicate,
		     struct error *err);

/* Called for each event in order; return false to stop. Strings are valid during the call. */
typedef bool (*store_event_fn)(const struct store_event *ev, void *ctx);
/* Events of kind (all kinds when NULL), oldest first. */
bool store_each(struct store *store, const char *kind, store_event_fn fn, void *ctx,
		struct error *err);
/* The number of events of kind (all kinds when NULL). */
bool store_count(struct store *store, const char *kind, int64_t *count, struct error *err);

/*
 * The learner's position: the module and page of the last page view. Both NULL when the learner
 * has viewed nothing. Caller frees both.
 */
bool store_position(struct store *store, char **module, char **page, struct error *err);
/* Whether a page was ever viewed. */
bool store_page_viewed(struct store *store, const char *module, const char *page, bool *viewed,
		       struct error *err);

/*
 * The chain of the event with that id as the file holds it ("" for id 0, and for an event
 * recorded before chains). *found is false when the file has no such event.
 */
bool store_chain_at(struct store *store, int64_t id, char out[STORE_CHAIN_HEX_LEN + 1], bool *found,
		    struct error *err);

/* A value of the meta table (STORE_META_*), NULL when unset. Caller frees *value. */
bool store_meta_get(struct store *store, const char *key, char **value, struct error *err);
/* Set a meta value, committed before returning. */
bool store_meta_set(struct store *store, const char *key, const char *value, struct error *err);

/* Run PRAGMA integrity_check; false with the first problem in err when the file is damaged. */
bool store_check_integrity(struct store *store, struct error *err);

/* The schema version this build writes (PRAGMA user_version after migration). */
int store_schema_version(void);

/*
 * How long a store opened afterwards waits for another process's lock before giving up, in ms
 * (default 2000). Tests shorten it.
 */
void store_set_busy_timeout(int ms);

#endif
