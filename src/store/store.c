/*
 * Learner records in one SQLite file: opening and creating it with the right modes, telling
 * our files from foreign ones, migrating the schema, and the append-only event log.
 *
 * Durability: WAL with synchronous=FULL, so an INSERT in autocommit is fsynced before
 * sqlite3_step() returns, and store_append() reports success only after that.
 */
#include "store/store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/digest.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

/* "LTut": PRAGMA application_id of every lambda-tutor record file. */
#define APPLICATION_ID 1280603508
#define SQL_INT(x)     SQL_INT_(x)
#define SQL_INT_(x)    #x

/*
 * migrations[i] takes user_version i to i + 1, and sets it. All of them that a file needs run
 * in one transaction. Never edit a published migration; add one.
 */
static const char *const migrations[] = {
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
	"INSERT INTO meta(key, value) VALUES ('created', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));"
	"CREATE TABLE events("
	" id INTEGER PRIMARY KEY,"
	" at_ms INTEGER NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind <> ''),"
	" module TEXT,"
	" item TEXT,"
	" hash TEXT,"
	" data TEXT CHECK (data IS NULL OR json_valid(data))"
	") STRICT;"
	"CREATE INDEX events_by_item ON events(kind, module, item);"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	" BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	" BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"PRAGMA user_version = 1;",
	/* 2: the seal of each event in a class that seals its records (NULL elsewhere). */
	"ALTER TABLE events ADD COLUMN seal TEXT;"
	"PRAGMA user_version = 2;",
	/* 3: the chain of each event (store_chain_compute); NULL in events recorded before. */
	"ALTER TABLE events ADD COLUMN chain TEXT;"
	"PRAGMA user_version = 3;",
};

/* A new file is marked as ours in the same transaction as its first migration. */
static const char set_application_id[] = "PRAGMA application_id = " SQL_INT(APPLICATION_ID);

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

static int busy_timeout_ms = 2000;

struct store {
	sqlite3 *db;
	char *path;
	bool readonly;
	bool empty; /* read-only open of a file created but never migrated: no records */
	bool sealed;
	bool unchained; /* read-only, of schema 2: no chain column, every chain NULL */
	unsigned char key[STORE_SEAL_KEY_LEN];
	const char *learner; /* whose file, for the seal */
};

int store_schema_version(void)
{
	return N_MIGRATIONS;
}

void store_set_busy_timeout(int ms)
{
	busy_timeout_ms = ms;
}

const char *store_path(const struct store *store)
{
	return store->path;
}

char *store_package_path(const char *db_path, const char *sha256)
{
	return xasprintf("%s.packages/%s.zip", db_path, sha256);
}

/* Turn a failed sqlite call into one line about the file. Returns false. */
static bool fail(const char *path, sqlite3 *db, int rc, struct error *err)
{
	int sys = db ? sqlite3_system_errno(db) : 0;
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return error_set(err, "'%s' is locked by another process", path);
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return error_set(err, "'%s' is corrupt or not a database", path);
	case SQLITE_READONLY:
		return error_set(err, "cannot write '%s': %s", path,
				 sys ? strerror(sys) : "read-only file");
	case SQLITE_CANTOPEN:
		return error_set(err, "cannot open '%s': %s", path,
				 sys ? strerror(sys) : "unable to open the file");
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return error_set(err, "cannot open '%s': permission denied", path);
	case SQLITE_FULL:
		return error_set(err, "cannot write '%s': the disk is full", path);
	case SQLITE_IOERR:
		return error_set(err, "cannot read or write '%s': %s", path,
				 sys ? strerror(sys) : msg);
	default:
		return error_set(err, "'%s': %s", path, msg);
	}
}

static bool exec_sql(struct store *s, const char *sql, struct error *err)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return fail(s->path, s->db, rc, err);
	return true;
}

/* Make sure the directory exists (0700 when we create it) and the file exists with mode. */
static bool create_file(const char *path, mode_t mode, struct error *err)
{
	bool ok = false;
	int fd = -1;
	char *dir = path_dirname(path);
	if (!path_is_dir(dir)) {
		if (!path_mkdirs(dir, 0700, err))
			goto out;
		/* mkdir's mode went through the umask; ours must not. */
		if (chmod(dir, 0700) != 0) {
			error_set(err, "cannot set the mode of '%s': %s", dir, strerror(errno));
			goto out;
		}
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		if (errno == EEXIST) {
			ok = true; /* another process created it first */
			goto out;
		}
		error_set(err, "cannot create '%s': %s", path, strerror(errno));
		goto out;
	}
	if (fchmod(fd, mode) != 0) {
		error_set(err, "cannot set the mode of '%s': %s", path, strerror(errno));
		goto out;
	}
	/* The new name must survive a crash as well as what is later written under it. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	ok = true;
out:
	if (fd >= 0)
		close(fd);
	free(dir);
	return ok;
}

/* Refuse early what sqlite would report less clearly. */
static bool check_path(const char *path, bool writable, struct error *err)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		if ((errno == ENOENT || errno == ENOTDIR) && writable)
			return true;
		return error_set(err, "cannot open '%s': %s", path, strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return error_set(err, "'%s' is a directory, not a record file", path);
	if (!S_ISREG(st.st_mode))
		return error_set(err, "'%s' is not a regular file, so not a record file", path);
	if (access(path, writable ? R_OK | W_OK : R_OK) != 0)
		return error_set(err, "cannot open '%s': %s", path, strerror(errno));
	if (writable) {
		/* WAL keeps its -wal and -shm files beside the records. */
		char *dir = path_dirname(path);
		bool ok = access(dir, W_OK | X_OK) == 0;
		if (!ok)
			error_set(err, "cannot write records in '%s': %s", dir, strerror(errno));
		free(dir);
		return ok;
	}
	return true;
}

struct identity {
	int64_t application_id, user_version, objects;
};

/* One statement, so one snapshot: another process may be migrating the file meanwhile. */
static bool read_identity(struct store *s, struct identity *id, struct error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT (SELECT application_id FROM pragma_application_id),"
				    " (SELECT user_version FROM pragma_user_version),"
				    " (SELECT count(*) FROM sqlite_schema)",
				    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		id->application_id = sqlite3_column_int64(st, 0);
		id->user_version = sqlite3_column_int64(st, 1);
		id->objects = sqlite3_column_int64(st, 2);
	} else {
		fail(s->path, s->db, rc, err);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

static bool is_fresh(const struct identity *id)
{
	return id->application_id == 0 && id->user_version == 0 && id->objects == 0;
}

/* Ours, and not from a newer version. */
static bool check_identity(struct store *s, const struct identity *id, struct error *err)
{
	if (is_fresh(id))
		return true;
	if (id->application_id != APPLICATION_ID || id->user_version < 1)
		return error_set(err, "'%s' is not a lambda-tutor record file", s->path);
	if (id->user_version > N_MIGRATIONS)
		return error_set(err,
				 "'%s' was written by a newer lambda-tutor (schema %lld; this one "
				 "knows up to %d)",
				 s->path, (long long)id->user_version, N_MIGRATIONS);
	return true;
}

static bool migrate(struct store *s, struct error *err)
{
	if (!exec_sql(s, "BEGIN IMMEDIATE", err))
		return false;
	/* Read again under the write lock: another process may have migrated meanwhile. */
	struct identity id = { 0 };
	if (!read_identity(s, &id, err) || !check_identity(s, &id, err))
		goto rollback;
	if (is_fresh(&id) && !exec_sql(s, set_application_id, err))
		goto rollback;
	for (int v = (int)id.user_version; v < N_MIGRATIONS; v++)
		if (!exec_sql(s, migrations[v], err))
			goto rollback;
	if (!exec_sql(s, "COMMIT", err))
		goto rollback;
	return true;
rollback:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

/* Open path, or the URI standing for it when uri is not NULL. */
/*
 * Switch to write-ahead logging. That takes an exclusive lock, and SQLite reports SQLITE_BUSY
 * for it at once instead of calling the busy handler, so wait here within the same timeout.
 */
static bool use_wal(struct store *s, struct error *err)
{
	int64_t deadline = clock_mono_ms() + busy_timeout_ms;
	for (;;) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		const char *mode =
			rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		bool wal = mode && strcmp(mode, "wal") == 0;
		bool retry = (rc & 0xff) == SQLITE_BUSY && clock_mono_ms() < deadline;
		if (rc == SQLITE_ROW && !wal)
			error_set(err, "cannot use write-ahead logging for '%s'", s->path);
		else if (rc != SQLITE_ROW && !retry)
			fail(s->path, s->db, rc, err);
		sqlite3_finalize(st);
		if (!retry)
			return wal;
		sqlite3_sleep(5);
	}
}

static struct store *open_db(const char *path, const char *uri, int flags, struct error *err)
{
	struct store *s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	s->readonly = !(flags & SQLITE_OPEN_READWRITE);
	int rc = sqlite3_open_v2(uri ? uri : path, &s->db,
				 flags | SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0), NULL);
	if (rc != SQLITE_OK) {
		fail(path, s->db, rc, err);
		store_close(s);
		return NULL;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, busy_timeout_ms);
	/*
	 * No SQL of ours, nor of a file's schema, may corrupt the file on purpose (writable_schema
	 * and the like). The schema stays trusted: its CHECK calls json_valid(), which SQLite does
	 * not mark harmless, and the built-in functions a hostile schema could reach have no side
	 * effects.
	 */
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	return s;
}

struct store *store_open_mode(const char *path, mode_t mode, struct error *err)
{
	struct store *s = NULL;
	if (!check_path(path, true, err) || !create_file(path, mode, err))
		return NULL;
	s = open_db(path, NULL, SQLITE_OPEN_READWRITE, err);
	if (!s)
		return NULL;
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		error_set(err, "cannot write '%s': %s", path, strerror(EACCES));
		goto fail;
	}
	struct identity id = { 0 };
	if (!read_identity(s, &id, err) || !check_identity(s, &id, err))
		goto fail;
	if (!use_wal(s, err))
		goto fail;
	if (!exec_sql(s, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", err))
		goto fail;
	if (id.user_version < N_MIGRATIONS && !migrate(s, err))
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
}

struct store *store_open(const char *path, struct error *err)
{
	return store_open_mode(path, STORE_MODE_PRIVATE, err);
}

/* "file:" and path with every byte a URI could misread escaped, then "?immutable=1". */
static char *immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._~-", *p)) {
			strbuf_addch(&sb, *p);
		} else {
			strbuf_addch(&sb, '%');
			strbuf_addch(&sb, hex[*p >> 4]);
			strbuf_addch(&sb, hex[*p & 15]);
		}
	}
	strbuf_addstr(&sb, "?immutable=1");
	return strbuf_detach(&sb);
}

static bool wal_exists(const char *path)
{
	char *wal = xasprintf("%s-wal", path);
	bool exists = access(wal, F_OK) == 0;
	free(wal);
	return exists;
}

/*
 * A reader that cannot write in the file's directory (a trainer reading a class) cannot create
 * the -shm file WAL readers share. When there is no -wal file either, every committed event is
 * in the main file, so it is read as immutable, without the shared memory. A writer that starts
 * meanwhile only appends to its own -wal until it checkpoints, which is why this is a fallback
 * and not the rule.
 */
static bool needs_immutable(struct store *s)
{
	int rc = sqlite3_extended_errcode(s->db) & 0xff;
	return (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN) && !wal_exists(s->path);
}

static struct store *open_immutable(const char *path, struct error *err)
{
	char *uri = immutable_uri(path);
	struct store *s = open_db(path, uri, SQLITE_OPEN_READONLY, err);
	free(uri);
	return s;
}

/*
 * Whether the file belongs to someone else and no writer has a -wal open. A shared -shm or -wal
 * that a reader creates is owned by the reader, and the file's owner could not write it next
 * time; so a trainer reads a learner's file as immutable rather than leave one behind. (Root's
 * are handed to the file's owner by SQLite itself.)
 */
static bool foreign_and_idle(const char *path)
{
	struct stat st;
	uid_t me = geteuid();
	return me != 0 && stat(path, &st) == 0 && st.st_uid != me && !wal_exists(path);
}

struct store *store_open_readonly(const char *path, struct error *err)
{
	if (!check_path(path, false, err))
		return NULL;
	struct store *s = foreign_and_idle(path) ? open_immutable(path, err)
						 : open_db(path, NULL, SQLITE_OPEN_READONLY, err);
	if (!s)
		return NULL;
	struct identity id = { 0 };
	if (!read_identity(s, &id, err)) {
		if (!needs_immutable(s))
			goto fail;
		store_close(s);
		s = open_immutable(path, err);
		if (!s || !read_identity(s, &id, err))
			goto fail;
	}
	if (!check_identity(s, &id, err))
		goto fail;
	if (is_fresh(&id)) {
		s->empty = true;
	} else if (id.user_version == 2) {
		/* A file from before chains reads as it is: a class's records stay readable
		 * while its learners' tutors are upgraded; the tutor upgrades each on opening. */
		s->unchained = true;
	} else if (id.user_version < N_MIGRATIONS) {
		error_set(err,
			  "'%s' was written by an older lambda-tutor (schema %lld); open it once "
			  "with the tutor to upgrade it",
			  path, (long long)id.user_version);
		goto fail;
	}
	if (!exec_sql(s, "PRAGMA query_only = ON", err))
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
}

void store_close(struct store *store)
{
	if (!store)
		return;
	explicit_bzero(store->key, sizeof(store->key));
	sqlite3_close(store->db);
	free(store->path);
	free(store);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* The id, seal and chain of the last event, under the write lock the caller holds. */
static int last_event(struct store *s, int64_t *id, char **seal, char **chain)
{
	sqlite3_stmt *st = NULL;
	*id = 0;
	*seal = *chain = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT id, seal, chain FROM events ORDER BY id DESC LIMIT 1",
				    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		*seal = v ? xstrdup(v) : NULL;
		v = (const char *)sqlite3_column_text(st, 2);
		*chain = v ? xstrdup(v) : NULL;
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The chain of a file whose last event was recorded before chains: computed over them all. */
struct chain_walk {
	char chain[STORE_CHAIN_HEX_LEN + 1];
};

static bool chain_walk_one(const struct store_event *ev, void *vctx)
{
	struct chain_walk *w = vctx;
	char next[STORE_CHAIN_HEX_LEN + 1];
	store_chain_compute(w->chain, ev, next);
	memcpy(w->chain, ev->chain ? ev->chain : next, sizeof w->chain);
	w->chain[STORE_CHAIN_HEX_LEN] = '\0';
	return true;
}

/* keep: ev->id is the id to give (above the last, else *duplicate and nothing is written). */
static bool append(struct store *store, struct store_event *ev, bool keep, bool *duplicate,
		   struct error *err)
{
	if (store->readonly || store->empty)
		return error_set(err, "'%s' is open read-only", store->path);
	if (!ev->kind || !ev->kind[0])
		return error_set(err, "cannot record an event without a kind in '%s'", store->path);
	int64_t at = ev->at_ms ? ev->at_ms : clock_wall_ms();
	int64_t id = 0;
	char *prev = NULL, *prev_chain = NULL;
	char seal[STORE_SEAL_HEX_LEN + 1] = "";
	char chain[STORE_CHAIN_HEX_LEN + 1] = "";
	sqlite3_stmt *st = NULL;
	/* An event's id is part of its seal and its chain, so it is chosen under the write lock. */
	int rc = sqlite3_exec(store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = last_event(store, &id, &prev, &prev_chain);
	if (rc == SQLITE_DONE && keep && ev->id <= id) {
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
		free(prev);
		free(prev_chain);
		*duplicate = true;
		return true;
	}
	if (rc == SQLITE_DONE) {
		id = keep ? ev->id : id + 1;
		rc = SQLITE_OK;
	}
	if (rc == SQLITE_OK) {
		struct store_event e = *ev;
		e.id = id;
		e.at_ms = at;
		if (store->sealed)
			store_seal_compute(store->key, store->learner, prev, &e, seal);
		if (keep && ev->chain) {
			snprintf(chain, sizeof chain, "%s", ev->chain);
		} else if (prev_chain || id == 1) {
			store_chain_compute(prev_chain, &e, chain);
		} else {
			/* The events before were recorded before chains: the chain runs over them.
			 */
			struct chain_walk w = { "" };
			struct error werr;
			if (store_each(store, NULL, chain_walk_one, &w, &werr))
				store_chain_compute(w.chain, &e, chain);
			else
				rc = SQLITE_ERROR;
		}
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
			store->db,
			"INSERT INTO events(id, at_ms, kind, module, item, hash, data,"
			" seal, chain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, at);
		bind_text(st, 3, ev->kind);
		bind_text(st, 4, ev->module);
		bind_text(st, 5, ev->item);
		bind_text(st, 6, ev->hash);
		bind_text(st, 7, ev->data);
		bind_text(st, 8, store->sealed ? seal : NULL);
		bind_text(st, 9, chain);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	free(prev);
	free(prev_chain);
	if (rc == SQLITE_DONE) {
		rc = sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	if (rc == SQLITE_CONSTRAINT_CHECK)
		return error_set(err, "cannot record a '%s' event in '%s': its data is not JSON",
				 ev->kind, store->path);
	if (rc != SQLITE_DONE)
		return fail(store->path, store->db, rc, err);
	ev->id = sqlite3_last_insert_rowid(store->db);
	ev->at_ms = at;
	return true;
}

bool store_append(struct store *store, struct store_event *ev, struct error *err)
{
	return append(store, ev, false, NULL, err);
}

bool store_append_as(struct store *store, struct store_event *ev, bool *duplicate,
		     struct error *err)
{
	assert(ev->id > 0 && duplicate);
	*duplicate = false;
	return append(store, ev, true, duplicate, err);
}

static const char *column_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

bool store_each(struct store *store, const char *kind, store_event_fn fn, void *ctx,
		struct error *err)
{
	if (store->empty)
		return true;
	static const char all[] = "SELECT id, at_ms, kind, module, item, hash, data, seal, chain"
				  " FROM events ORDER BY id";
	static const char one[] = "SELECT id, at_ms, kind, module, item, hash, data, seal, chain"
				  " FROM events WHERE kind = ? ORDER BY id";
	static const char all_2[] = "SELECT id, at_ms, kind, module, item, hash, data, seal, NULL"
				    " FROM events ORDER BY id";
	static const char one_2[] = "SELECT id, at_ms, kind, module, item, hash, data, seal, NULL"
				    " FROM events WHERE kind = ? ORDER BY id";
	sqlite3_stmt *st = NULL;
	const char *sql = store->unchained ? (kind ? one_2 : all_2) : (kind ? one : all);
	int rc = sqlite3_prepare_v2(store->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && kind)
		bind_text(st, 1, kind);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event ev = {
			.id = sqlite3_column_int64(st, 0),
			.at_ms = sqlite3_column_int64(st, 1),
			.kind = column_text(st, 2),
			.module = column_text(st, 3),
			.item = column_text(st, 4),
			.hash = column_text(st, 5),
			.data = column_text(st, 6),
			.seal = column_text(st, 7),
			.chain = column_text(st, 8),
		};
		if (!fn(&ev, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(store->path, store->db, rc, err);
	return true;
}

bool store_count(struct store *store, const char *kind, int64_t *count, struct error *err)
{
	*count = 0;
	if (store->empty)
		return true;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(store->db,
				    "SELECT count(*) FROM events WHERE ?1 IS NULL OR kind = ?1", -1,
				    &st, NULL);
	if (rc == SQLITE_OK) {
		bind_text(st, 1, kind);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*count = sqlite3_column_int64(st, 0);
			rc = SQLITE_DONE;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(store->path, store->db, rc, err);
	return true;
}

bool store_position(struct store *store, char **module, char **page, struct error *err)
{
	*module = *page = NULL;
	if (store->empty)
		return true;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(store->db,
				    "SELECT module, item FROM events WHERE kind = ?"
				    " ORDER BY id DESC LIMIT 1",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		bind_text(st, 1, STORE_PAGE_VIEW);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*module = xstrdup(column_text(st, 0));
			*page = xstrdup(column_text(st, 1));
			rc = SQLITE_DONE;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(store->path, store->db, rc, err);
	return true;
}

bool store_page_viewed(struct store *store, const char *module, const char *page, bool *viewed,
		       struct error *err)
{
	*viewed = false;
	if (store->empty)
		return true;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(store->db,
				    "SELECT EXISTS (SELECT 1 FROM events"
				    " WHERE kind = ? AND module IS ? AND item IS ?)",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		bind_text(st, 1, STORE_PAGE_VIEW);
		bind_text(st, 2, module);
		bind_text(st, 3, page);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*viewed = sqlite3_column_int(st, 0) != 0;
			rc = SQLITE_DONE;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(store->path, store->db, rc, err);
	return true;
}

bool store_meta_get(struct store *store, const char *key, char **value, struct error *err)
{
	*value = NULL;
	if (store->empty)
		return true;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(store->db, "SELECT value FROM meta WHERE key = ?", -1, &st,
				    NULL);
	if (rc == SQLITE_OK) {
		bind_text(st, 1, key);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*value = xstrdup(column_text(st, 0));
			rc = SQLITE_DONE;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(store->path, store->db, rc, err);
	return true;
}

bool store_meta_set(struct store *store, const char *key, const char *value, struct error *err)
{
	if (store->readonly || store->empty)
		return error_set(err, "'%s' is open read-only", store->path);
	if (!key || !value)
		return error_set(err, "cannot set an empty meta key or value in '%s'", store->path);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(store->db,
				    "INSERT INTO meta(key, value) VALUES (?, ?)"
				    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		bind_text(st, 1, key);
		bind_text(st, 2, value);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(store->path, store->db, rc, err);
	return true;
}

/* SQLite's report can span lines ("*** in database main ***\nPage 2: ..."): make it one. */
static void damaged(const char *path, const char *report, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	bool space = false;
	for (const char *p = report ? report : "unknown problem"; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			space = sb.len > 0;
			continue;
		}
		if (space)
			strbuf_addstr(&sb, "; ");
		space = false;
		strbuf_addch(&sb, *p);
	}
	error_set(err, "'%s' is damaged: %s", path, strbuf_str(&sb));
	strbuf_release(&sb);
}

bool store_check_integrity(struct store *store, struct error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(store->db, "PRAGMA integrity_check", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	bool ok = false;
	if (rc == SQLITE_ROW) {
		const char *first = column_text(st, 0);
		ok = first && strcmp(first, "ok") == 0;
		if (!ok)
			damaged(store->path, first, err);
	} else {
		fail(store->path, store->db, rc, err);
	}
	sqlite3_finalize(st);
	return ok;
}

/* A field of the sealed message: its length (or -1 for NULL) as 8 bytes, then its bytes. */
static void seal_field(struct strbuf *sb, const char *v)
{
	int64_t n = v ? (int64_t)strlen(v) : -1;
	for (int i = 0; i < 8; i++)
		strbuf_addch(sb, (char)((uint64_t)n >> (8 * i) & 0xff));
	if (v)
		strbuf_addstr(sb, v);
}

void store_seal_compute(const unsigned char key[STORE_SEAL_KEY_LEN], const char *learner,
			const char *prev, const struct store_event *ev,
			char out[STORE_SEAL_HEX_LEN + 1])
{
	static const char hexd[] = "0123456789abcdef";
	struct strbuf sb = STRBUF_INIT;
	char num[2][24];
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)ev->id);
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)ev->at_ms);
	seal_field(&sb, "lambda-tutor seal 1");
	seal_field(&sb, learner);
	seal_field(&sb, num[0]);
	seal_field(&sb, num[1]);
	seal_field(&sb, ev->kind);
	seal_field(&sb, ev->module);
	seal_field(&sb, ev->item);
	seal_field(&sb, ev->hash);
	seal_field(&sb, ev->data);
	seal_field(&sb, prev ? prev : "");
	unsigned char md[SHA256_LEN];
	hmac_sha256(key, STORE_SEAL_KEY_LEN, sb.buf, sb.len, md);
	strbuf_release(&sb);
	for (int i = 0; i < SHA256_LEN; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[STORE_SEAL_HEX_LEN] = '\0';
}

void store_chain_compute(const char *prev, const struct store_event *ev,
			 char out[STORE_CHAIN_HEX_LEN + 1])
{
	static const char hexd[] = "0123456789abcdef";
	struct strbuf sb = STRBUF_INIT;
	char num[2][24];
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)ev->id);
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)ev->at_ms);
	seal_field(&sb, "lambda-tutor chain 1");
	seal_field(&sb, num[0]);
	seal_field(&sb, num[1]);
	seal_field(&sb, ev->kind);
	seal_field(&sb, ev->module);
	seal_field(&sb, ev->item);
	seal_field(&sb, ev->hash);
	seal_field(&sb, ev->data);
	seal_field(&sb, prev ? prev : "");
	unsigned char md[SHA256_LEN];
	sha256(sb.buf, sb.len, md);
	strbuf_release(&sb);
	for (int i = 0; i < SHA256_LEN; i++) {
		out[2 * i] = hexd[md[i] >> 4];
		out[2 * i + 1] = hexd[md[i] & 15];
	}
	out[STORE_CHAIN_HEX_LEN] = '\0';
}

bool store_chain_at(struct store *store, int64_t id, char out[STORE_CHAIN_HEX_LEN + 1], bool *found,
		    struct error *err)
{
	out[0] = '\0';
	*found = id == 0 || store->unchained;
	if (id == 0 || store->empty || store->unchained)
		return true;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(store->db, "SELECT chain FROM events WHERE id = ?", -1, &st,
				    NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		const char *v = column_text(st, 0);
		snprintf(out, STORE_CHAIN_HEX_LEN + 1, "%s", v ? v : "");
		*found = true;
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(store->path, store->db, rc, err);
	return true;
}

struct seal_walk {
	const unsigned char *key;
	const char *learner;
	char *prev;
	int64_t bad; /* id of the first event that fails, 0 when none */
};

static bool seal_walk_one(const struct store_event *ev, void *vctx)
{
	struct seal_walk *w = vctx;
	char want[STORE_SEAL_HEX_LEN + 1];
	store_seal_compute(w->key, w->learner, w->prev, ev, want);
	if (!ev->seal || strcmp(ev->seal, want) != 0) {
		w->bad = ev->id;
		return false;
	}
	free(w->prev);
	w->prev = xstrdup(ev->seal);
	return true;
}

bool store_seal(struct store *store, const unsigned char key[STORE_SEAL_KEY_LEN],
		const char *learner, struct error *err)
{
	assert(learner);
	struct seal_walk w = { .key = key, .learner = learner };
	bool ok = store_each(store, NULL, seal_walk_one, &w, err);
	free(w.prev);
	if (!ok)
		return false;
	if (w.bad)
		return error_set(err,
				 "'%s' was changed outside lambda-tutor (event %lld fails its "
				 "seal); the tutor adds nothing to it: ask the trainer",
				 store->path, (long long)w.bad);
	memcpy(store->key, key, STORE_SEAL_KEY_LEN);
	store->learner = learner;
	store->sealed = true;
	return true;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool store_seal_key_read(const char *path, unsigned char key[STORE_SEAL_KEY_LEN], struct error *err)
{
	bool ok = false;
	char buf[STORE_SEAL_HEX_LEN + 2];
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		error_set(err, "cannot read the class key '%s': %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    ((st.st_mode & 07777) != 0440 && (st.st_mode & 07777) != 0400)) {
		error_set(err, "the class key '%s' is not a regular file of mode 0440", path);
		goto out;
	}
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < STORE_SEAL_HEX_LEN || (n == STORE_SEAL_HEX_LEN + 1 && buf[n - 1] != '\n') ||
	    n > STORE_SEAL_HEX_LEN + 1) {
		error_set(err, "the class key '%s' is not 64 hex digits", path);
		goto out;
	}
	for (int i = 0; i < STORE_SEAL_KEY_LEN; i++) {
		int hi = hex_value(buf[2 * i]), lo = hex_value(buf[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			error_set(err, "the class key '%s' is not 64 hex digits", path);
			goto out;
		}
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	ok = true;
out:
	explicit_bzero(buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	return ok;
}
