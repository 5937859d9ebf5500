/*
 * The versions of a versioned bucket's objects. s3_objects keeps each key's current version
 * when it is an object; s3_versions keeps the rest: noncurrent versions and every delete
 * marker. So a current row is always its key's newest version, and a key whose newest version
 * is a marker has no current row: reads and listings of current objects need no change. seq
 * orders a key's versions, newest highest.
 */
#include "cloud/s3/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/aws.h"
#include "cloud/state.h"
#include "core/xalloc.h"

#define VERSION_ID_LEN 32

bool s3_version_id_ok(const char *vid)
{
	if (strcmp(vid, "null") == 0)
		return true;
	if (strlen(vid) != VERSION_ID_LEN)
		return false;
	for (const char *p = vid; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

void s3_version_id_new(char out[33])
{
	aws_random_hex(out, VERSION_ID_LEN);
}

long long s3_version_seq(sqlite3 *db)
{
	static long long last = -1;
	if (last < 0) {
		/* Once per process: carry on after what the workspace already holds. */
		sqlite3_stmt *q = NULL;
		last = 0;
		if (sqlite3_prepare_v2(db,
				       "SELECT max((SELECT ifnull(max(seq), 0) FROM s3_objects),"
				       " (SELECT ifnull(max(seq), 0) FROM s3_versions))",
				       -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			last = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	long long now = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	last = now > last ? now : last + 1;
	return last;
}

static bool run(sqlite3 *db, const char *sql, const char *bucket, const char *key, const char *vid)
{
	sqlite3_stmt *q = NULL;
	bool ok = sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
		if (vid)
			sqlite3_bind_text(q, 3, vid, -1, SQLITE_STATIC);
		ok = sqlite3_step(q) == SQLITE_DONE;
	}
	sqlite3_finalize(q);
	return ok;
}

/* One text column of the first row sql (bound as run() binds) finds, into out (n bytes). */
static bool first_text(sqlite3 *db, const char *sql, const char *bucket, const char *key,
		       const char *vid, char *out, size_t n)
{
	sqlite3_stmt *q = NULL;
	bool found = false;
	out[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
		if (vid)
			sqlite3_bind_text(q, 3, vid, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			found = true;
			const unsigned char *t = sqlite3_column_text(q, 0);
			snprintf(out, n, "%s", t ? (const char *)t : "");
		}
	}
	sqlite3_finalize(q);
	return found;
}

#define COLUMNS                                                                                   \
	"bucket, key, version_id, file, size, etag, ctype, meta, modified, tags, checksum, sse, " \
	"parts"

/* The current object of key, if any, becomes a noncurrent version. */
static bool archive_current(sqlite3 *db, const char *bucket, const char *key)
{
	return run(db,
		   "INSERT OR REPLACE INTO s3_versions(" COLUMNS ", marker, seq) SELECT " COLUMNS
		   ", 0, seq FROM s3_objects WHERE bucket=?1 AND key=?2",
		   bucket, key, NULL) &&
	       run(db, "DELETE FROM s3_objects WHERE bucket=?1 AND key=?2", bucket, key, NULL);
}

bool s3_versions_make_room(sqlite3 *db, const char *bucket, const char *key, enum s3_versioning v,
			   char drop[40])
{
	drop[0] = '\0';
	if (v == S3_VERSIONING_SUSPENDED) {
		/* The "null" version is replaced, current or not (it is one or the other). */
		if (!first_text(db,
				"SELECT file FROM s3_objects WHERE bucket=?1 AND key=?2 AND"
				" version_id='null'",
				bucket, key, NULL, drop, 40))
			first_text(db,
				   "SELECT file FROM s3_versions WHERE bucket=?1 AND key=?2 AND"
				   " version_id='null'",
				   bucket, key, NULL, drop, 40);
		if (!run(db,
			 "DELETE FROM s3_objects WHERE bucket=?1 AND key=?2 AND version_id='null'",
			 bucket, key, NULL) ||
		    !run(db,
			 "DELETE FROM s3_versions WHERE bucket=?1 AND key=?2 AND version_id='null'",
			 bucket, key, NULL))
			return false;
	}
	return archive_current(db, bucket, key);
}

/* With no current object, the newest version becomes current when it is an object. */
static bool settle(sqlite3 *db, const char *bucket, const char *key)
{
	char vid[40];
	if (first_text(db, "SELECT version_id FROM s3_objects WHERE bucket=?1 AND key=?2", bucket,
		       key, NULL, vid, sizeof(vid)) ||
	    !first_text(db,
			"SELECT version_id FROM s3_versions WHERE bucket=?1 AND key=?2 AND"
			" marker=0 AND seq=(SELECT max(seq) FROM s3_versions WHERE bucket=?1 AND"
			" key=?2)",
			bucket, key, NULL, vid, sizeof(vid)))
		return true;
	return run(db,
		   "INSERT INTO s3_objects(" COLUMNS ", seq) SELECT " COLUMNS
		   ", seq FROM s3_versions WHERE bucket=?1 AND key=?2 AND version_id=?3",
		   bucket, key, vid) &&
	       run(db, "DELETE FROM s3_versions WHERE bucket=?1 AND key=?2 AND version_id=?3",
		   bucket, key, vid);
}

static void drop_file(struct cloud *c, const char *account, const char *bucket, const char *file)
{
	if (!file[0])
		return;
	char *path = xasprintf("%s/s3/%s/%s/%s", c->state_dir, account, bucket, file);
	unlink(path);
	free(path);
}

/* Remove version vid of key for good: its file into drop, whether it was a marker. */
static bool remove_version(sqlite3 *db, const char *bucket, const char *key, const char *vid,
			   char drop[40], struct s3_deleted *d)
{
	if (first_text(db,
		       "SELECT file FROM s3_objects WHERE bucket=?1 AND key=?2 AND version_id=?3",
		       bucket, key, vid, drop, 40)) {
		d->removed = true;
		return run(db,
			   "DELETE FROM s3_objects WHERE bucket=?1 AND key=?2 AND version_id=?3",
			   bucket, key, vid);
	}
	char marker[4];
	if (!first_text(db,
			"SELECT marker FROM s3_versions WHERE bucket=?1 AND key=?2 AND"
			" version_id=?3",
			bucket, key, vid, marker, sizeof(marker)))
		return true; /* S3 answers the same for a version that is not there */
	d->removed = true;
	d->marker = strcmp(marker, "1") == 0;
	first_text(db, "SELECT file FROM s3_versions WHERE bucket=?1 AND key=?2 AND version_id=?3",
		   bucket, key, vid, drop, 40);
	return run(db, "DELETE FROM s3_versions WHERE bucket=?1 AND key=?2 AND version_id=?3",
		   bucket, key, vid);
}

static bool add_marker(sqlite3 *db, const char *bucket, const char *key, const char *vid)
{
	sqlite3_stmt *q = NULL;
	bool ok = sqlite3_prepare_v2(db,
				     "INSERT OR REPLACE INTO s3_versions(" COLUMNS ", marker, seq)"
				     " VALUES(?1, ?2, ?3, '', 0, '', '', '{}', ?4, '[]', NULL,"
				     " NULL, NULL, 1, ?5)",
				     -1, &q, NULL) == SQLITE_OK;
	if (ok) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, vid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		sqlite3_bind_int64(q, 5, s3_version_seq(db));
		ok = sqlite3_step(q) == SQLITE_DONE;
	}
	sqlite3_finalize(q);
	return ok;
}

bool s3_versions_delete(struct cloud *c, const char *account, const char *bucket, const char *key,
			const char *vid, enum s3_versioning v, struct s3_deleted *d)
{
	memset(d, 0, sizeof(*d));
	char drop[40] = "";
	bool ok;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_exec(c->db->db, "SAVEPOINT s3_version", NULL, NULL, NULL);
	if (vid) {
		ok = remove_version(c->db->db, bucket, key, vid, drop, d) &&
		     settle(c->db->db, bucket, key);
		if (d->removed)
			snprintf(d->vid, sizeof(d->vid), "%s", vid);
	} else {
		char made[33];
		if (v == S3_VERSIONING_SUSPENDED)
			snprintf(made, sizeof(made), "null");
		else
			s3_version_id_new(made);
		ok = s3_versions_make_room(c->db->db, bucket, key, v, drop) &&
		     add_marker(c->db->db, bucket, key, made);
		d->marker = d->removed = ok;
		snprintf(d->vid, sizeof(d->vid), "%s", made);
	}
	sqlite3_exec(c->db->db, ok ? "RELEASE s3_version" : "ROLLBACK TO s3_version", NULL, NULL,
		     NULL);
	if (!ok)
		sqlite3_exec(c->db->db, "RELEASE s3_version", NULL, NULL, NULL);
	pthread_mutex_unlock(&c->db->mu);
	if (ok)
		drop_file(c, account, bucket, drop);
	return ok;
}

bool s3_versions_latest_marker(struct cloud *c, const char *bucket, const char *key, char vid[40])
{
	pthread_mutex_lock(&c->db->mu);
	bool found = first_text(c->db->db,
				"SELECT version_id FROM s3_versions WHERE bucket=?1 AND key=?2 AND"
				" marker=1 AND seq=(SELECT max(seq) FROM s3_versions WHERE"
				" bucket=?1 AND key=?2) AND NOT EXISTS (SELECT 1 FROM s3_objects"
				" WHERE bucket=?1 AND key=?2)",
				bucket, key, NULL, vid, 40);
	pthread_mutex_unlock(&c->db->mu);
	return found;
}

bool s3_versions_any(struct cloud *c, const char *bucket)
{
	char one[4];
	pthread_mutex_lock(&c->db->mu);
	bool any = first_text(c->db->db, "SELECT 1 FROM s3_versions WHERE bucket=?1 AND ?2=?2",
			      bucket, "", NULL, one, sizeof(one));
	pthread_mutex_unlock(&c->db->mu);
	return any;
}
