/*
 * Unit tests for store/: creating and migrating record files, refusing foreign and newer ones,
 * the append-only event log, read-only opens, and the one-line errors for bad files.
 * The raw sqlite3 API forges files and plays the other process.
 */
#include <fcntl.h>
#include <grp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/path.h"
#include "core/xalloc.h"
#include "harness.h"
#include "store/store.h"

static char tmp_root[] = "/tmp/test-store-XXXXXX";
static int n_files;

/* A fresh path under the test's temporary directory. Caller frees. */
static char *tmp_path(const char *name)
{
	return xasprintf("%s/%d-%s", tmp_root, ++n_files, name);
}

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		printf("# cannot open %s: %s\n", path, sqlite3_errmsg(db));
		exit(1);
	}
	return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int64_t file_int(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);
	int64_t v = raw_int(db, sql);
	sqlite3_close(db);
	return v;
}

static bool contains(const struct error *err, const char *needle)
{
	bool found = strstr(err->msg, needle) != NULL;
	if (!found)
		printf("#   error was: '%s'\n#   expected it to contain: '%s'\n", err->msg, needle);
	return found;
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(fd >= 0 && write(fd, data, len) == (ssize_t)len, "wrote %zu bytes to a test file", len);
	if (fd >= 0)
		close(fd);
}

static bool append_view(struct store *s, const char *module, const char *page)
{
	struct error err;
	struct store_event ev = {
		.kind = STORE_PAGE_VIEW, .module = module, .item = page, .hash = "abc123"
	};
	bool done = store_append(s, &ev, &err);
	if (!done)
		printf("#   append failed: %s\n", err.msg);
	return done;
}

TEST(store_open__creates_private_file_and_directory_whatever_the_umask)
{
	struct error err;
	char *dir = tmp_path("deep");
	char *path = path_join(dir, "learner.db");
	mode_t old = umask(0);
	struct store *s = store_open(path, &err);
	umask(old);
	ok(s != NULL, "opens a file in a directory that does not exist yet");
	is_int(mode_of(dir), 0700, "the new directory is 0700");
	is_int(mode_of(path), 0600, "the new file is 0600");
	is_str(store_path(s), path, "the store remembers its path");
	char *created = NULL;
	bool got = store_meta_get(s, STORE_META_CREATED, &created, &err);
	ok(got && created && strlen(created) == 24 && created[10] == 'T',
	   "the file records when it was created, in ISO 8601 (%s)", created ? created : "(null)");
	free(created);
	char *learner = NULL;
	ok(store_meta_get(s, STORE_META_LEARNER, &learner, &err) && !learner,
	   "no learner until one is set");
	ok(store_meta_set(s, STORE_META_LEARNER, "ada", &err), "sets the learner");
	ok(store_meta_set(s, STORE_META_LEARNER, "grace", &err), "sets the learner again");
	ok(store_meta_get(s, STORE_META_LEARNER, &learner, &err) && learner &&
		   strcmp(learner, "grace") == 0,
	   "reads back the latest learner");
	free(learner);
	store_close(s);

	is_int(file_int(path, "PRAGMA user_version"), store_schema_version(),
	       "user_version is the schema version");
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
	ok(sqlite3_step(st) == SQLITE_ROW &&
		   strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0,
	   "the file is in WAL mode");
	sqlite3_finalize(st);
	sqlite3_close(db);

	s = store_open(path, &err);
	ok(s != NULL, "reopens an existing file");
	store_close(s);
	is_int(mode_of(path), 0600, "reopening keeps the mode");

	char *class_path = tmp_path("class.db");
	old = umask(077);
	s = store_open_mode(class_path, STORE_MODE_CLASS, &err);
	ok(s != NULL, "opens a class file");
	is_int(mode_of(class_path), 0640, "a class file is group-readable, 0640, under umask 077");
	ok(append_view(s, "m1", "intro"), "records a view in it");
	char *wal = xasprintf("%s-wal", class_path);
	is_int(mode_of(wal), 0640, "its write-ahead log has the same mode");
	free(wal);
	umask(old);
	store_close(s);
	free(class_path);
	free(path);
	free(dir);
}

TEST(store_open__migrates_a_version_0_file)
{
	struct error err;
	char *path = tmp_path("v0.db");
	sqlite3_close(raw_open(path)); /* an empty SQLite file: user_version 0 */
	is_int(file_int(path, "PRAGMA user_version"), 0, "the file starts at user_version 0");
	struct store *s = store_open(path, &err);
	ok(s != NULL, "opens a version 0 file");
	store_close(s);
	is_int(file_int(path, "PRAGMA user_version"), store_schema_version(),
	       "the file was migrated to the current version");
	is_int(file_int(path, "PRAGMA application_id"), 0x4c547574,
	       "the file carries lambda-tutor's application_id");
	is_int(file_int(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'events'"), 1,
	       "the events table exists");
	is_int(file_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), 2,
	       "the append-only triggers exist");
	free(path);
}

TEST(store_open__refuses_a_file_from_a_newer_version)
{
	struct error err;
	char *path = tmp_path("newer.db");
	sqlite3 *db = raw_open(path);
	sqlite3_exec(db,
		     "PRAGMA application_id = 1280603508; PRAGMA user_version = 99;"
		     " CREATE TABLE future(x);",
		     NULL, NULL, NULL);
	sqlite3_close(db);
	struct store *s = store_open(path, &err);
	ok(s == NULL, "a newer file is refused");
	ok(contains(&err, "newer lambda-tutor"), "the error says it is from a newer version");
	ok(contains(&err, path), "the error names the file");
	s = store_open_readonly(path, &err);
	ok(s == NULL && contains(&err, "newer lambda-tutor"), "read-only open refuses it too");
	is_int(file_int(path, "PRAGMA user_version"), 99, "the file is untouched");
	free(path);
}

TEST(store_open__refuses_a_foreign_sqlite_file)
{
	struct error err;
	char *path = tmp_path("foreign.db");
	sqlite3 *db = raw_open(path);
	sqlite3_exec(db, "CREATE TABLE notes(body TEXT); INSERT INTO notes VALUES ('keep me');",
		     NULL, NULL, NULL);
	sqlite3_close(db);
	struct store *s = store_open(path, &err);
	ok(s == NULL, "a foreign SQLite file is refused");
	char want[600];
	snprintf(want, sizeof(want), "'%s' is not a lambda-tutor record file", path);
	is_str(err.msg, want, "the error says what the file is not");
	sqlite3 *check = raw_open(path);
	ok(raw_int(check, "SELECT count(*) FROM notes") == 1, "its data is untouched");
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(check, "PRAGMA journal_mode", -1, &st, NULL);
	ok(sqlite3_step(st) == SQLITE_ROW &&
		   strcmp((const char *)sqlite3_column_text(st, 0), "delete") == 0,
	   "its journal mode was not switched to WAL");
	sqlite3_finalize(st);
	sqlite3_close(check);
	free(path);
}

struct collected {
	int n;
	int64_t last_id;
	bool ordered;
	char items[16][32];
	int stop_after;
};

static bool collect(const struct store_event *ev, void *ctx)
{
	struct collected *c = ctx;
	if (ev->id <= c->last_id)
		c->ordered = false;
	c->last_id = ev->id;
	if (c->n < 16)
		snprintf(c->items[c->n], sizeof(c->items[0]), "%s:%s", ev->kind,
			 ev->item ? ev->item : "-");
	c->n++;
	return c->stop_after == 0 || c->n < c->stop_after;
}

TEST(store_append__logs_events_and_derives_the_position)
{
	struct error err;
	char *path = tmp_path("log.db");
	struct store *s = store_open(path, &err);
	char *module = NULL, *page = NULL;
	ok(store_position(s, &module, &page, &err) && !module && !page,
	   "no position before any page view");

	struct store_event ev = {
		.kind = STORE_PAGE_VIEW, .module = "m1", .item = "intro", .hash = "h1"
	};
	ok(store_append(s, &ev, &err), "appends a page view");
	ok(ev.id > 0 && ev.at_ms > 1700000000000, "the event got an id and the time");
	int64_t first = ev.id;
	struct store_event hint = {
		.kind = STORE_HINT, .item = "ex1", .data = "{\"level\": 1}", .at_ms = 42
	};
	ok(store_append(s, &hint, &err), "appends a hint with JSON data");
	ok(hint.id > first && hint.at_ms == 42, "ids grow and a given time is kept");
	ok(append_view(s, "m2", "handler"), "appends a second page view");
	ok(append_view(s, "m1", "limits"), "appends a third page view");

	ok(store_position(s, &module, &page, &err), "reads the position");
	is_str(module, "m1", "the position's module is the last page view's");
	is_str(page, "limits", "the position's page is the last page view's");
	free(module);
	free(page);

	bool viewed = false;
	ok(store_page_viewed(s, "m2", "handler", &viewed, &err) && viewed,
	   "a viewed page is viewed");
	ok(store_page_viewed(s, "m1", "handler", &viewed, &err) && !viewed,
	   "the same page id in another module is not");
	ok(store_page_viewed(s, "m1", "ex1", &viewed, &err) && !viewed,
	   "a hint is not a page view");

	struct collected all = { .ordered = true };
	ok(store_each(s, NULL, collect, &all, &err), "iterates every event");
	is_int(all.n, 4, "four events in all");
	ok(all.ordered, "oldest first");
	is_str(all.items[1], "hint:ex1", "kinds are kept in order");
	struct collected views = { .ordered = true };
	ok(store_each(s, STORE_PAGE_VIEW, collect, &views, &err), "iterates one kind");
	is_int(views.n, 3, "three page views");
	is_str(views.items[2], "page_view:limits", "the last page view comes last");
	struct collected stopped = { .ordered = true, .stop_after = 2 };
	ok(store_each(s, NULL, collect, &stopped, &err), "stopping early is not an error");
	is_int(stopped.n, 2, "the callback stops the iteration");

	int64_t count = 0;
	ok(store_count(s, NULL, &count, &err) && count == 4, "counts every event");
	ok(store_count(s, STORE_PAGE_VIEW, &count, &err) && count == 3, "counts one kind");

	struct store_event bad = { .kind = STORE_CHECK_RUN, .item = "ex1", .data = "{not json" };
	ok(!store_append(s, &bad, &err), "data that is not JSON is refused");
	ok(contains(&err, "not JSON"), "the error says the data is not JSON");
	struct store_event nokind = { .kind = "" };
	ok(!store_append(s, &nokind, &err), "an event without a kind is refused");
	ok(store_count(s, NULL, &count, &err) && count == 4, "refused events were not recorded");
	store_close(s);

	s = store_open(path, &err);
	ok(store_position(s, &module, &page, &err) && module && strcmp(page, "limits") == 0,
	   "the position survives a reopen");
	free(module);
	free(page);
	store_close(s);
	free(path);
}

TEST(store_events__are_append_only_in_the_database)
{
	struct error err;
	char *path = tmp_path("append-only.db");
	struct store *s = store_open(path, &err);
	ok(append_view(s, "m1", "intro"), "appends an event");
	store_close(s);

	sqlite3 *db = raw_open(path);
	char *msg = NULL;
	int rc = sqlite3_exec(db, "UPDATE events SET item = 'forged'", NULL, NULL, &msg);
	ok(rc != SQLITE_OK && msg && strstr(msg, "append-only"), "UPDATE is refused: %s",
	   msg ? msg : "(no message)");
	sqlite3_free(msg);
	msg = NULL;
	rc = sqlite3_exec(db, "DELETE FROM events", NULL, NULL, &msg);
	ok(rc != SQLITE_OK && msg && strstr(msg, "append-only"), "DELETE is refused: %s",
	   msg ? msg : "(no message)");
	sqlite3_free(msg);
	is_int(raw_int(db, "SELECT count(*) FROM events WHERE item = 'intro'"), 1,
	       "the event is still there, unchanged");
	sqlite3_close(db);
	free(path);
}

static char *read_all(const char *path, size_t *len)
{
	return path_read_file(path, 0, len, NULL);
}

TEST(store_open_readonly__never_writes)
{
	struct error err;
	char *path = tmp_path("ro.db");
	struct store *s = store_open(path, &err);
	ok(append_view(s, "m1", "intro") && append_view(s, "m2", "handler"), "records two views");
	store_close(s);
	size_t before_len = 0, after_len = 0;
	char *before = read_all(path, &before_len);
	struct stat st_before, st_after;
	stat(path, &st_before);

	s = store_open_readonly(path, &err);
	ok(s != NULL, "opens read-only");
	char *module = NULL, *page = NULL;
	ok(store_position(s, &module, &page, &err) && page && strcmp(page, "handler") == 0,
	   "reads the position");
	free(module);
	free(page);
	struct collected all = { .ordered = true };
	ok(store_each(s, NULL, collect, &all, &err) && all.n == 2, "reads the events");
	struct store_event ev = { .kind = STORE_PAGE_VIEW, .module = "m3", .item = "x" };
	ok(!store_append(s, &ev, &err) && contains(&err, "read-only"), "refuses to append");
	ok(!store_meta_set(s, STORE_META_LEARNER, "eve", &err) && contains(&err, "read-only"),
	   "refuses to set meta");
	ok(store_check_integrity(s, &err), "the file passes the integrity check");
	store_close(s);

	char *after = read_all(path, &after_len);
	stat(path, &st_after);
	ok(before && after && before_len == after_len && memcmp(before, after, before_len) == 0,
	   "the records are byte for byte the same");
	ok(st_before.st_mtim.tv_sec == st_after.st_mtim.tv_sec &&
		   st_before.st_mtim.tv_nsec == st_after.st_mtim.tv_nsec,
	   "the file was not modified");
	free(before);
	free(after);

	char *v0 = tmp_path("ro-v0.db");
	write_bytes(v0, "", 0);
	s = store_open_readonly(v0, &err);
	ok(s != NULL, "opens an empty, never migrated file read-only");
	ok(store_position(s, &module, &page, &err) && !module && !page, "it has no position");
	store_close(s);
	struct stat st;
	ok(stat(v0, &st) == 0 && st.st_size == 0, "read-only open did not migrate it");

	char *missing = tmp_path("missing.db");
	s = store_open_readonly(missing, &err);
	ok(s == NULL && contains(&err, "No such file"), "a missing file is an error");
	ok(access(missing, F_OK) != 0, "and is not created");
	free(missing);
	free(v0);
	free(path);
}

TEST(store_open__reports_a_corrupt_file_and_leaves_it_alone)
{
	struct error err;
	char *path = tmp_path("garbage.db");
	char junk[4096];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	write_bytes(path, junk, sizeof(junk));
	struct store *s = store_open(path, &err);
	ok(s == NULL, "garbage is refused");
	char want[600];
	snprintf(want, sizeof(want), "'%s' is corrupt or not a database", path);
	is_str(err.msg, want, "the error is one clear line");
	s = store_open_readonly(path, &err);
	ok(s == NULL, "garbage is refused read-only too");
	is_str(err.msg, want, "with the same line");
	size_t len = 0;
	char *now = read_all(path, &len);
	ok(now && len == sizeof(junk) && memcmp(now, junk, len) == 0, "the file is untouched");
	free(now);

	char *half = tmp_path("truncated.db");
	struct store *good = store_open(half, &err);
	for (int i = 0; i < 50; i++)
		append_view(good, "m1", "page");
	store_close(good);
	ok(truncate(half, 1000) == 0, "truncates a record file mid-page");
	s = store_open(half, &err);
	ok(s == NULL && contains(&err, "corrupt or not a database"),
	   "a truncated file is reported as corrupt");
	store_close(s);
	free(half);

	char *bad = tmp_path("bad-page.db");
	good = store_open(bad, &err);
	ok(append_view(good, "m1", "a") && append_view(good, "m2", "b"), "records two views");
	store_close(good);
	int fd = open(bad, O_WRONLY);
	char zeros[12] = { 0 };
	ok(fd >= 0 && pwrite(fd, zeros, sizeof(zeros), 4096) == (ssize_t)sizeof(zeros),
	   "zeroes the header of the second page");
	if (fd >= 0)
		close(fd);
	s = store_open_readonly(bad, &err);
	ok(s && !store_check_integrity(s, &err), "the integrity check finds the damage");
	ok(contains(&err, "is damaged: ") && !strchr(err.msg, '\n'),
	   "and reports it in one line: %s", err.msg);
	store_close(s);
	free(bad);

	char *dir = tmp_path("a-dir");
	mkdir(dir, 0700);
	s = store_open(dir, &err);
	ok(s == NULL && contains(&err, "is a directory"), "a directory is not a record file");
	s = store_open("/dev/null", &err);
	ok(s == NULL && contains(&err, "not a regular file"), "a device is not a record file");
	s = store_open_readonly("/dev/null", &err);
	ok(s == NULL && contains(&err, "not a regular file"), "not even read-only");
	free(dir);
	free(path);
}

TEST(store_open__reports_a_directory_that_is_a_file)
{
	struct error err;
	char *file = tmp_path("plain-file");
	write_bytes(file, "x", 1);
	char *under = xasprintf("%s/sub/learner.db", file);
	struct store *s = store_open(under, &err);
	ok(s == NULL, "a path under a regular file cannot hold records");
	ok(contains(&err, "cannot create directory") && contains(&err, "Not a directory"),
	   "the error says why");
	free(under);
	free(file);
}

enum {
	DENIED_NEW = 1,        /* a new file in a read-only directory */
	DENIED_EXISTING = 2,   /* an existing file in a read-only directory, read-write */
	READS_EXISTING = 4,    /* the same file, read-only */
	DENIED_UNREADABLE = 8, /* a file the learner may not read */
	DENIED_UNREADABLE_RO = 16,
	CHECKS_RAN = 32,
};

/* What a learner without permission sees. Returns the checks that passed. */
static int permission_checks(const char *dir, const char *existing, const char *secret)
{
	struct error err;
	int passed = CHECKS_RAN;
	char *fresh = path_join(dir, "new.db");
	struct store *s = store_open(fresh, &err);
	if (!s && contains(&err, "cannot create") && contains(&err, "Permission denied"))
		passed |= DENIED_NEW;
	store_close(s);
	free(fresh);
	s = store_open(existing, &err);
	if (!s && contains(&err, "cannot write records in") && contains(&err, dir))
		passed |= DENIED_EXISTING;
	store_close(s);
	s = store_open_readonly(existing, &err);
	char *module = NULL, *page = NULL;
	if (s && store_position(s, &module, &page, &err) && page && strcmp(page, "intro") == 0)
		passed |= READS_EXISTING;
	else
		printf("#   read-only open: %s\n", err.msg);
	free(module);
	free(page);
	store_close(s);
	s = store_open(secret, &err);
	if (!s && contains(&err, "Permission denied"))
		passed |= DENIED_UNREADABLE;
	store_close(s);
	s = store_open_readonly(secret, &err);
	if (!s && contains(&err, "Permission denied"))
		passed |= DENIED_UNREADABLE_RO;
	store_close(s);
	return passed;
}

TEST(store_open__reports_permissions_it_lacks)
{
	struct error err;
	char *dir = tmp_path("read-only dir %?#=;");
	mkdir(dir, 0700);
	char *existing = path_join(dir, "learner.db");
	char *secret = path_join(dir, "secret.db");
	struct store *s = store_open(existing, &err);
	ok(append_view(s, "m1", "intro"), "records a view");
	store_close(s);
	store_close(store_open(secret, &err));
	chmod(existing, 0644);
	chmod(secret, 0);
	chmod(dir, 0555);

	int passed = 0;
	if (geteuid() != 0) {
		passed = permission_checks(dir, existing, secret);
	} else {
		/* Root ignores permissions: check as nobody in a child, who owns the records. */
		chmod(tmp_root, 0711);
		ok(chown(existing, 65534, 65534) == 0, "gives the records to nobody");
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			bool dropped =
				setgroups(0, NULL) == 0 && setgid(65534) == 0 && setuid(65534) == 0;
			int r = dropped ? permission_checks(dir, existing, secret) : 0;
			free(secret);
			free(existing);
			free(dir);
			fflush(stdout);
			_exit(r);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		passed = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
		chmod(tmp_root, 0700);
	}
	if (!(passed & CHECKS_RAN)) {
		printf("ok %d - # SKIP cannot drop root privileges here\n", ++harness_n);
	} else {
		ok(passed & DENIED_NEW, "a new file in a read-only directory is refused");
		ok(passed & DENIED_EXISTING,
		   "an existing file in a read-only directory is refused read-write");
		ok(passed & READS_EXISTING, "and still read read-only, without a -shm file");
		ok(passed & DENIED_UNREADABLE, "an unreadable file is refused");
		ok(passed & DENIED_UNREADABLE_RO, "an unreadable file is refused read-only too");
	}
	char *shm = xasprintf("%s-shm", existing);
	ok(access(shm, F_OK) != 0, "reading left no -shm file behind");
	free(shm);
	chmod(dir, 0700);
	chmod(secret, 0600);
	free(secret);
	free(existing);
	free(dir);
}

/* As nobody: read root's file in a directory anyone may write. 1 read, 2 nothing left. */
static int read_as_nobody(const char *path)
{
	if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
		return 0;
	struct error err;
	int passed = 0;
	struct store *s = store_open_readonly(path, &err);
	char *module = NULL, *page = NULL;
	if (s && store_position(s, &module, &page, &err) && page && strcmp(page, "intro") == 0)
		passed |= 1;
	else
		printf("#   %s\n", s ? err.msg : "no store");
	store_close(s);
	free(module);
	free(page);
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	if (access(wal, F_OK) != 0 && access(shm, F_OK) != 0)
		passed |= 2;
	free(wal);
	free(shm);
	return passed;
}

TEST(store_open_readonly__leaves_nothing_beside_another_users_records)
{
	if (geteuid() != 0) {
		printf("ok %d - # SKIP needs root to own a file that another user reads\n",
		       ++harness_n);
		return;
	}
	struct error err;
	char *dir = tmp_path("shared");
	mkdir(dir, 0700);
	chmod(dir, 0777);
	char *path = path_join(dir, "learner.db");
	struct store *s = store_open_mode(path, 0644, &err);
	ok(append_view(s, "m1", "intro"), "the owner records a view");
	store_close(s);
	chmod(tmp_root, 0711);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int r = read_as_nobody(path);
		free(path);
		free(dir);
		fflush(stdout);
		_exit(r);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	chmod(tmp_root, 0700);
	int passed = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
	ok(passed & 1, "another user reads the records");
	ok(passed & 2, "and leaves no -wal or -shm file the owner could not write");
	s = store_open(path, &err);
	ok(s && append_view(s, "m1", "next"), "the owner records again afterwards");
	store_close(s);
	free(path);
	free(dir);
}

TEST(store__reports_a_file_locked_by_another_process)
{
	struct error err;
	store_set_busy_timeout(100);

	/* A fresh file held exclusively in rollback mode: even reading it must wait. */
	char *fresh = tmp_path("locked-fresh.db");
	sqlite3 *holder = raw_open(fresh);
	ok(sqlite3_exec(holder, "BEGIN EXCLUSIVE; CREATE TABLE x(y);", NULL, NULL, NULL) ==
		   SQLITE_OK,
	   "another connection holds an exclusive lock");
	struct store *s = store_open(fresh, &err);
	ok(s == NULL, "opening gives up after the busy timeout");
	char want[600];
	snprintf(want, sizeof(want), "'%s' is locked by another process", fresh);
	is_str(err.msg, want, "the error says the file is locked");
	sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(holder);
	s = store_open(fresh, &err);
	ok(s != NULL, "once released, the file opens");
	store_close(s);

	/* Our own WAL file with a writer holding the write lock. */
	char *path = tmp_path("locked.db");
	s = store_open(path, &err);
	ok(append_view(s, "m1", "intro"), "records a view");
	holder = raw_open(path);
	ok(sqlite3_exec(holder, "BEGIN EXCLUSIVE; INSERT INTO meta VALUES ('x', 'y');", NULL, NULL,
			NULL) == SQLITE_OK,
	   "another connection holds the write lock");
	struct store_event ev = { .kind = STORE_PAGE_VIEW, .module = "m1", .item = "next" };
	ok(!store_append(s, &ev, &err), "appending gives up after the busy timeout");
	snprintf(want, sizeof(want), "'%s' is locked by another process", path);
	is_str(err.msg, want, "the error says the file is locked");
	char *module = NULL, *page = NULL;
	ok(store_position(s, &module, &page, &err) && page && strcmp(page, "intro") == 0,
	   "reading still works under WAL while another process writes");
	free(module);
	free(page);
	sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(holder);
	ok(store_append(s, &ev, &err), "once released, appending works");
	int64_t count = 0;
	ok(store_count(s, STORE_PAGE_VIEW, &count, &err) && count == 2,
	   "nothing was lost or doubled");
	store_close(s);
	store_set_busy_timeout(2000);
	free(path);
	free(fresh);
}

TEST(store_open__many_processes_create_and_write_one_file_at_once)
{
	struct error err;
	char *dir = tmp_path("race");
	char *path = path_join(dir, "learner.db");
	enum {
		WRITERS = 4,
		EACH = 10
	};
	pid_t pids[WRITERS];
	fflush(stdout);
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			struct store *s = store_open(path, &err);
			if (!s)
				printf("#   writer %d: %s\n", w, err.msg);
			int saved = 0;
			for (int i = 0; s && i < EACH; i++)
				saved += append_view(s, "m1", "race");
			store_close(s);
			free(path);
			free(dir);
			fflush(stdout);
			_exit(saved == EACH ? 0 : 1);
		}
	}
	int failed = 0;
	for (int w = 0; w < WRITERS; w++) {
		int status = 0;
		waitpid(pids[w], &status, 0);
		failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	is_int(failed, 0, "every writer created or opened the file and saved all its events");
	struct store *s = store_open(path, &err);
	int64_t count = 0;
	ok(s && store_count(s, NULL, &count, &err), "the file opens afterwards");
	is_int(count, WRITERS * EACH, "no event was lost");
	ok(s && store_check_integrity(s, &err), "the file passes the integrity check");
	store_close(s);
	is_int(file_int(path, "SELECT count(*) FROM meta WHERE key = 'created'"), 1,
	       "the file was migrated once");
	free(path);
	free(dir);
}

TEST(store_open_readonly__reads_while_another_process_writes)
{
	struct error err;
	char *path = tmp_path("busy-reader.db");
	struct store *s = store_open(path, &err);
	ok(append_view(s, "m1", "first"), "records a first view");
	store_close(s);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct store *w = store_open(path, &err);
		bool fine = w != NULL;
		for (int i = 0; fine && i < 200; i++)
			fine = append_view(w, "m1", "more");
		store_close(w);
		free(path);
		fflush(stdout);
		_exit(fine ? 0 : 1);
	}
	int errors = 0, backwards = 0;
	int64_t last = 0;
	for (int i = 0; i < 100; i++) {
		struct store *r = store_open_readonly(path, &err);
		int64_t count = 0;
		if (!r || !store_count(r, NULL, &count, &err)) {
			printf("#   reader: %s\n", err.msg);
			errors++;
		}
		backwards += count < last;
		last = count;
		store_close(r);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	printf("# the last read-only open saw %lld of 201 events\n", (long long)last);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the writer saved every event");
	is_int(errors, 0, "every read-only open and read succeeded meanwhile");
	is_int(backwards, 0, "the count never went backwards");
	s = store_open_readonly(path, &err);
	int64_t count = 0;
	ok(s && store_count(s, NULL, &count, &err) && count == 201, "all 201 events are there");
	store_close(s);
	free(path);
}

static void remove_tree(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
}

/* The seal of every event, in order, checked as the trainer's tools check it. */
struct seal_check {
	const unsigned char *key;
	const char *learner;
	char prev[STORE_SEAL_HEX_LEN + 1];
	int good, bad;
};

static bool check_seal(const struct store_event *ev, void *vctx)
{
	struct seal_check *c = vctx;
	char want[STORE_SEAL_HEX_LEN + 1];
	store_seal_compute(c->key, c->learner, c->prev, ev, want);
	if (ev->seal && strcmp(ev->seal, want) == 0)
		c->good++;
	else
		c->bad++;
	/* The next event's seal covers this one's as it stands, good or not. */
	snprintf(c->prev, sizeof(c->prev), "%s", ev->seal ? ev->seal : "");
	return true;
}

static struct seal_check seals_of(const char *path, const unsigned char *key, const char *who)
{
	struct error err;
	struct seal_check c = { .key = key, .learner = who };
	struct store *s = store_open_readonly(path, &err);
	if (!s || !store_each(s, NULL, check_seal, &c, &err))
		c.bad = -1;
	store_close(s);
	return c;
}

TEST(store_seal__seals_each_event_and_refuses_a_file_changed_without_the_key)
{
	struct error err;
	unsigned char key[STORE_SEAL_KEY_LEN], other[STORE_SEAL_KEY_LEN];
	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	char *path = tmp_path("sealed.db");
	struct store *s = store_open(path, &err);
	ok(s && store_seal(s, key, "ann", &err), "an empty file is sealed");
	ok(append_view(s, "m1", "intro") && append_view(s, "m1", "limits"), "appends two events");
	struct store_event run = { .kind = STORE_CHECK_RUN,
				   .item = "ex1",
				   .data = "{\"status\":\"failed\",\"passed\":1,\"total\":5}" };
	ok(store_append(s, &run, &err), "appends a failed check run");
	store_close(s);
	struct seal_check c = seals_of(path, key, "ann");
	ok(c.good == 3 && c.bad == 0, "every event carries its seal (%d good, %d bad)", c.good,
	   c.bad);
	c = seals_of(path, other, "ann");
	ok(c.good == 0 && c.bad == 3, "no seal holds under another key");
	c = seals_of(path, key, "ben");
	ok(c.good == 0 && c.bad == 3, "nor for another learner");

	/* The learner owns the file: one INSERT adds a pass, with a seal copied from a real one. */
	sqlite3 *db = raw_open(path);
	ok(sqlite3_exec(db,
			"INSERT INTO events(at_ms, kind, item, data, seal) SELECT at_ms + 1,"
			" 'check_run', 'ex1', '{\"status\":\"passed\",\"passed\":5,\"total\":5}',"
			" seal FROM events WHERE id = 3",
			NULL, NULL, NULL) == SQLITE_OK,
	   "a forged pass is inserted behind the store's back");
	sqlite3_close(db);
	c = seals_of(path, key, "ann");
	ok(c.good == 3 && c.bad == 1, "the forged event fails its seal");
	s = store_open(path, &err);
	ok(s && !store_seal(s, key, "ann", &err), "the tutor refuses to add to the file");
	ok(contains(&err, "changed outside lambda-tutor") && contains(&err, "event 4"),
	   "and says which event fails: %s", err.msg);
	store_close(s);

	/* Editing an event in place (the triggers dropped first) is caught the same way. */
	char *path2 = tmp_path("edited.db");
	s = store_open(path2, &err);
	ok(s && store_seal(s, key, "ann", &err) && store_append(s, &run, &err) &&
		   append_view(s, "m1", "intro"),
	   "a second sealed file");
	store_close(s);
	db = raw_open(path2);
	ok(sqlite3_exec(db,
			"DROP TRIGGER events_no_update;"
			" UPDATE events SET data = '{\"status\":\"passed\",\"passed\":5,"
			"\"total\":5}' WHERE id = 1",
			NULL, NULL, NULL) == SQLITE_OK,
	   "the failed run is edited into a pass");
	sqlite3_close(db);
	c = seals_of(path2, key, "ann");
	ok(c.good == 1 && c.bad == 1, "the edited event fails, the next still holds");
	free(path);
	free(path2);
}

TEST(store_seal_key_read__takes_only_a_0440_file_of_64_hex_digits)
{
	struct error err;
	unsigned char key[STORE_SEAL_KEY_LEN];
	char *path = tmp_path("seal.key");
	static const char hex[] = "000102030405060708090a0b0c0d0e0f"
				  "101112131415161718191a1b1c1d1e1f\n";
	ok(path_write_file(path, hex, strlen(hex), 0440, &err), "writes a key");
	chmod(path, 0440);
	ok(store_seal_key_read(path, key, &err) && key[0] == 0 && key[31] == 31, "reads it");
	chmod(path, 0644);
	ok(!store_seal_key_read(path, key, &err) && contains(&err, "mode 0440"),
	   "a key others may read is refused");
	chmod(path, 0440);
	char *bad = tmp_path("bad.key");
	ok(path_write_file(bad, "secret-not-hex", 14, 0440, &err), "writes a bad key");
	chmod(bad, 0440);
	ok(!store_seal_key_read(bad, key, &err) && contains(&err, "64 hex digits") &&
		   !contains(&err, "secret"),
	   "a malformed key is refused without quoting it");
	free(path);
	free(bad);
}

/* Whether each event's chain follows from the one before, as the class server checks it. */
struct chain_check {
	char prev[STORE_CHAIN_HEX_LEN + 1];
	int n, good;
};

static bool check_chain(const struct store_event *ev, void *vctx)
{
	struct chain_check *c = vctx;
	char want[STORE_CHAIN_HEX_LEN + 1];
	store_chain_compute(c->prev, ev, want);
	c->n++;
	c->good += ev->chain && strcmp(ev->chain, want) == 0;
	memcpy(c->prev, want, sizeof(c->prev));
	return true;
}

TEST(store_append__chains_each_event_to_the_one_before)
{
	struct error err;
	char *path = tmp_path("chain.db");
	struct store *s = store_open(path, &err);
	/* An event recorded before chains (a file of schema 2 upgraded): no chain of its own. */
	sqlite3 *raw = raw_open(path);
	sqlite3_exec(raw,
		     "INSERT INTO events(at_ms, kind, item) VALUES (1790000000000, 'page_view', "
		     "'a')",
		     NULL, NULL, NULL);
	sqlite3_close(raw);
	for (int i = 0; i < 3; i++) {
		struct store_event ev = { .kind = STORE_PAGE_VIEW, .item = i ? "b" : "c" };
		ok(store_append(s, &ev, &err), "appends event %d", i + 2);
	}
	struct chain_check c = { .n = 0 };
	ok(store_each(s, NULL, check_chain, &c, &err), "reads the record");
	is_int(c.good, 3,
	       "each event appended chains to the one before, the first over the "
	       "events recorded before chains");
	char at[STORE_CHAIN_HEX_LEN + 1];
	bool found = false;
	ok(store_chain_at(s, 4, at, &found, &err) && found && !strcmp(at, c.prev),
	   "store_chain_at gives the last event's chain");
	ok(store_chain_at(s, 9, at, &found, &err) && !found, "and says when there is no event");
	ok(store_chain_at(s, 1, at, &found, &err) && found && at[0] == '\0',
	   "an event recorded before chains has none");
	/* A copy keeps the chain it is given, as the class server keeps the learner's. */
	struct store_event copy = { .id = 7, .kind = STORE_HINT, .chain = c.prev };
	bool dup = false;
	ok(store_append_as(s, &copy, &dup, &err) && !dup, "a copy is appended under its id");
	ok(store_chain_at(s, 7, at, &found, &err) && !strcmp(at, c.prev),
	   "with the chain it came with");
	store_close(s);
	/* Two events swapped with sqlite3 no longer follow one another. */
	raw = raw_open(path);
	sqlite3_exec(
		raw,
		"DROP TRIGGER events_no_update;"
		"UPDATE events SET id = -1 WHERE id = 2; UPDATE events SET id = 2 WHERE id = 3;"
		"UPDATE events SET id = 3 WHERE id = -1;",
		NULL, NULL, NULL);
	sqlite3_close(raw);
	s = store_open_readonly(path, &err);
	struct chain_check d = { .n = 0 };
	ok(s && store_each(s, NULL, check_chain, &d, &err), "reads the changed record");
	ok(d.good < 3, "a record reordered with sqlite3 fails its chain");
	store_close(s);
	/* A file of the schema before chains still reads, read-only, with no chains. */
	char *old = tmp_path("schema2.db");
	s = store_open(old, &err);
	struct store_event v = { .kind = STORE_PAGE_VIEW, .item = "a" };
	ok(s && store_append(s, &v, &err), "records an event");
	store_close(s);
	raw = raw_open(old);
	sqlite3_exec(raw, "ALTER TABLE events DROP COLUMN chain; PRAGMA user_version = 2;", NULL,
		     NULL, NULL);
	sqlite3_close(raw);
	s = store_open_readonly(old, &err);
	struct chain_check e = { .n = 0 };
	ok(s && store_each(s, NULL, check_chain, &e, &err) && e.n == 1 && e.good == 0,
	   "a file of schema 2 reads read-only, its event without a chain");
	store_close(s);
	s = store_open(old, &err);
	ok(s && file_int(old, "PRAGMA user_version") == store_schema_version(),
	   "and the tutor upgrades it on opening");
	store_close(s);
	free(old);
	free(path);
}

int main(void)
{
	if (!mkdtemp(tmp_root)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(store_open__creates_private_file_and_directory_whatever_the_umask);
	RUN(store_open__migrates_a_version_0_file);
	RUN(store_open__refuses_a_file_from_a_newer_version);
	RUN(store_open__refuses_a_foreign_sqlite_file);
	RUN(store_append__logs_events_and_derives_the_position);
	RUN(store_events__are_append_only_in_the_database);
	RUN(store_open_readonly__never_writes);
	RUN(store_open__reports_a_corrupt_file_and_leaves_it_alone);
	RUN(store_open__reports_a_directory_that_is_a_file);
	RUN(store_open__reports_permissions_it_lacks);
	RUN(store_open_readonly__leaves_nothing_beside_another_users_records);
	RUN(store__reports_a_file_locked_by_another_process);
	RUN(store_open__many_processes_create_and_write_one_file_at_once);
	RUN(store_open_readonly__reads_while_another_process_writes);
	RUN(store_seal__seals_each_event_and_refuses_a_file_changed_without_the_key);
	RUN(store_seal_key_read__takes_only_a_0440_file_of_64_hex_digits);
	RUN(store_append__chains_each_event_to_the_one_before);
	remove_tree(tmp_root);
	return done();
}
