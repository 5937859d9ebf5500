/*
 * CloudWatch Logs over SQLite, with a bounded in-memory append buffer, and what is stored
 * bounded by retention policies and the workspace's cap.
 */
#include "cloud/logs/logs.h"
#include "cloud/logs/insights_ops.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/clock/vclock.h"
#include "cloud/http/aws.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/vec.h"
#include "core/xalloc.h"

/* Above this many buffered bytes an append writes the batch itself. */
#define PENDING_MAX (8 << 20)

/* Events of one stream appended together: their messages one after another, each ending in
 * a NUL. */
struct pending {
	char account[13];
	char *group, *stream, *text;
	size_t n;
	long long ts, ingest;
};

/* How often retention policies are applied (real milliseconds). */
#define RETENTION_SWEEP_MS 10000

struct logs {
	struct cloud_db *db;
	pthread_mutex_t mu;       /* pending, stored */
	pthread_mutex_t flush_mu; /* one batch at a time, so events keep their order */
	struct vec pending;
	size_t pending_bytes;
	unsigned long long appended, flushed; /* events appended, and of those the first
					       * written to the database */
	struct vclock *clock;                 /* borrowed; NULL: the wall clock */
	long long cap;                        /* bytes of messages the workspace keeps; 0: no cap */
	long long stored;      /* bytes of messages stored, as last counted plus written since */
	bool counted;          /* stored was counted from the database once */
	long long last_sweep;  /* when retention policies were last applied (monotonic ms) */
	long long last_vsweep; /* ... and on the virtual clock, which a test may step */
};

struct logs *logs_new(struct cloud_db *db)
{
	struct logs *l = xcalloc(1, sizeof(*l));
	l->db = db;
	pthread_mutex_init(&l->mu, NULL);
	pthread_mutex_init(&l->flush_mu, NULL);
	return l;
}

static void pending_free(void *p)
{
	struct pending *e = p;
	free(e->group);
	free(e->stream);
	free(e->text);
	free(e);
}

void logs_free(struct logs *l)
{
	if (!l)
		return;
	logs_flush(l);
	vec_release_with(&l->pending, pending_free);
	pthread_mutex_destroy(&l->mu);
	pthread_mutex_destroy(&l->flush_mu);
	free(l);
}

void logs_append_many(struct logs *l, const char *account, const char *group, const char *stream,
		      long long ts_ms, const struct logs_msg *msgs, size_t n)
{
	if (n == 0)
		return;
	struct pending *e = xcalloc(1, sizeof(*e));
	snprintf(e->account, sizeof(e->account), "%s", account);
	e->group = xstrdup(group);
	e->stream = xstrdup(stream);
	e->n = n;
	struct strbuf text = STRBUF_INIT;
	size_t want = 0;
	for (size_t k = 0; k < n; k++)
		want += msgs[k].len + 1;
	strbuf_grow(&text, want);
	for (size_t k = 0; k < n; k++) {
		const char *msg = msgs[k].text;
		size_t len = msgs[k].len;
		if (str_utf8_valid(msg, len) == len && !memchr(msg, '\0', len)) {
			strbuf_add(&text, msg, len);
		} else {
			/* What a handler writes need not be text: keep what reads as UTF-8. */
			for (size_t i = 0, m; i < len; i += m + 1) {
				const char *nul = memchr(msg + i, '\0', len - i);
				m = nul ? (size_t)(nul - msg - i) : len - i;
				str_utf8_sanitize(&text, msg + i, m);
				if (nul)
					strbuf_addstr(&text, "\xef\xbf\xbd");
			}
		}
		strbuf_addch(&text, '\0');
	}
	size_t bytes = text.len;
	e->text = strbuf_detach(&text);
	e->ts = ts_ms;
	e->ingest = clock_wall_ms();
	pthread_mutex_lock(&l->mu);
	vec_push(&l->pending, e);
	l->appended += n;
	l->pending_bytes += bytes + 64 * n;
	bool full = l->pending_bytes > PENDING_MAX;
	pthread_mutex_unlock(&l->mu);
	if (full)
		logs_flush(l);
}

void logs_append(struct logs *l, const char *account, const char *group, const char *stream,
		 long long ts_ms, const char *msg, size_t len)
{
	struct logs_msg one = { msg, len };
	logs_append_many(l, account, group, stream, ts_ms, &one, 1);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* Write what is buffered (flush_mu held). */
static void flush_locked(struct logs *l)
{
	pthread_mutex_lock(&l->mu);
	struct vec batch = l->pending;
	unsigned long long upto = l->appended;
	l->pending = (struct vec)VEC_INIT;
	l->pending_bytes = 0;
	pthread_mutex_unlock(&l->mu);
	if (batch.len == 0)
		return;
	sqlite3 *db = l->db->db;
	pthread_mutex_lock(&l->db->mu);
	cloud_db_exec(l->db, "BEGIN");
	sqlite3_stmt *ins = NULL, *grp = NULL, *stream = NULL, *stats = NULL;
	sqlite3_prepare_v2(db,
			   "INSERT INTO log_events(account, grp, stream, ts, ingest, message)"
			   " VALUES(?, ?, ?, ?, ?, ?)",
			   -1, &ins, NULL);
	sqlite3_prepare_v2(
		db, "INSERT OR IGNORE INTO log_groups(account, name, created) VALUES(?, ?, ?)", -1,
		&grp, NULL);
	sqlite3_prepare_v2(db,
			   "INSERT OR IGNORE INTO log_streams(account, grp, name, created)"
			   " VALUES(?, ?, ?, ?)",
			   -1, &stream, NULL);
	sqlite3_prepare_v2(db,
			   "UPDATE log_streams SET first_ts = coalesce(min(first_ts, ?4), ?4),"
			   " last_ts = coalesce(max(last_ts, ?4), ?4), last_ingest = ?5,"
			   " bytes = bytes + ?6 WHERE account = ?1 AND grp = ?2 AND name = ?3",
			   -1, &stats, NULL);
	const char *last_group = "", *last_stream = "", *last_account = "";
	long long written = 0;
	vec_for_each (&batch, i) {
		struct pending *e = batch.items[i];
		bool new_stream = strcmp(last_group, e->group) != 0 ||
				  strcmp(last_stream, e->stream) != 0 ||
				  strcmp(last_account, e->account) != 0;
		if (new_stream) {
			sqlite3_reset(grp);
			bind_text(grp, 1, e->account);
			bind_text(grp, 2, e->group);
			sqlite3_bind_int64(grp, 3, e->ingest);
			sqlite3_step(grp);
			sqlite3_reset(stream);
			bind_text(stream, 1, e->account);
			bind_text(stream, 2, e->group);
			bind_text(stream, 3, e->stream);
			sqlite3_bind_int64(stream, 4, e->ingest);
			sqlite3_step(stream);
			last_group = e->group;
			last_stream = e->stream;
			last_account = e->account;
		}
		/* Bindings outlive a reset: the entry's own once, then each message. */
		long long bytes = 0;
		const char *msg = e->text;
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, e->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, e->group, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, e->stream, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 4, e->ts);
		sqlite3_bind_int64(ins, 5, e->ingest);
		for (size_t k = 0; k < e->n; k++) {
			size_t len = strlen(msg);
			sqlite3_reset(ins);
			sqlite3_bind_text(ins, 6, msg, (int)len, SQLITE_STATIC);
			sqlite3_step(ins);
			bytes += (long long)len;
			msg += len + 1;
		}
		/* One row of stream statistics for the entry: its events share a time. */
		sqlite3_reset(stats);
		bind_text(stats, 1, e->account);
		bind_text(stats, 2, e->group);
		bind_text(stats, 3, e->stream);
		sqlite3_bind_int64(stats, 4, e->ts);
		sqlite3_bind_int64(stats, 5, e->ingest);
		sqlite3_bind_int64(stats, 6, bytes);
		sqlite3_step(stats);
		written += bytes;
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(grp);
	sqlite3_finalize(stream);
	sqlite3_finalize(stats);
	cloud_db_exec(l->db, "COMMIT");
	pthread_mutex_unlock(&l->db->mu);
	pthread_mutex_lock(&l->mu);
	l->stored += written;
	l->flushed = upto;
	pthread_mutex_unlock(&l->mu);
	vec_release_with(&batch, pending_free);
}

void logs_flush(struct logs *l)
{
	pthread_mutex_lock(&l->flush_mu);
	flush_locked(l);
	pthread_mutex_unlock(&l->flush_mu);
}

unsigned long long logs_mark(struct logs *l)
{
	pthread_mutex_lock(&l->mu);
	unsigned long long mark = l->appended;
	pthread_mutex_unlock(&l->mu);
	return mark;
}

bool logs_written(struct logs *l, unsigned long long mark)
{
	pthread_mutex_lock(&l->mu);
	bool done = l->flushed >= mark;
	pthread_mutex_unlock(&l->mu);
	return done;
}

void logs_sync(struct logs *l)
{
	pthread_mutex_lock(&l->mu);
	unsigned long long want = l->appended;
	bool done = l->flushed >= want;
	pthread_mutex_unlock(&l->mu);
	if (done)
		return;
	pthread_mutex_lock(&l->flush_mu);
	/* A flush that ran while this one waited may have written them already. */
	pthread_mutex_lock(&l->mu);
	done = l->flushed >= want;
	pthread_mutex_unlock(&l->mu);
	if (!done)
		flush_locked(l);
	pthread_mutex_unlock(&l->flush_mu);
}

void logs_set_limits(struct logs *l, struct vclock *clock, long long cap_bytes)
{
	pthread_mutex_lock(&l->mu);
	l->clock = clock;
	l->cap = cap_bytes > 0 ? cap_bytes : 0;
	pthread_mutex_unlock(&l->mu);
}

long long logs_cap_bytes(const struct logs *l)
{
	return l->cap;
}

/* Now on account's clock (NULL: the base clock). */
static long long now_ms(struct logs *l, const char *account)
{
	return l->clock ? vclock_now_ms(l->clock, account) : clock_wall_ms();
}

/* The bytes of every message stored, counted (db->mu held). */
static long long count_stored(struct logs *l)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db, "SELECT coalesce(sum(bytes), 0) FROM log_streams", -1, &st,
			   NULL);
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return n;
}

long long logs_stored_bytes(struct logs *l)
{
	pthread_mutex_lock(&l->db->mu);
	long long n = count_stored(l);
	pthread_mutex_unlock(&l->db->mu);
	return n;
}

/* Recount a group's streams after some of their events went (db->mu held). */
static void restat_streams(struct logs *l, const char *account, const char *group,
			   const char *stream)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db,
			   "UPDATE log_streams SET"
			   " bytes = (SELECT coalesce(sum(length(CAST(e.message AS BLOB))), 0)"
			   " FROM log_events e WHERE e.account = log_streams.account"
			   " AND e.grp = log_streams.grp AND e.stream = log_streams.name),"
			   " first_ts = (SELECT min(e.ts) FROM log_events e"
			   " WHERE e.account = log_streams.account AND e.grp = log_streams.grp"
			   " AND e.stream = log_streams.name)"
			   " WHERE account = ?1 AND grp = ?2 AND (?3 IS NULL OR name = ?3)",
			   -1, &st, NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, group);
	if (stream)
		bind_text(st, 3, stream);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

struct group_ref {
	char account[13];
	char *name;
	long long days;
};

/* Delete the events older than their group's retention. */
static void apply_retention(struct logs *l)
{
	struct vec groups = VEC_INIT;
	pthread_mutex_lock(&l->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db,
			   "SELECT account, name, retention FROM log_groups"
			   " WHERE retention IS NOT NULL",
			   -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct group_ref *g = xcalloc(1, sizeof(*g));
		snprintf(g->account, sizeof(g->account), "%s", sqlite3_column_text(st, 0));
		g->name = xstrdup((const char *)sqlite3_column_text(st, 1));
		g->days = sqlite3_column_int64(st, 2);
		vec_push(&groups, g);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&l->db->mu);
	vec_for_each (&groups, i) {
		struct group_ref *g = groups.items[i];
		long long now = now_ms(l, g->account);
		pthread_mutex_lock(&l->db->mu);
		sqlite3_prepare_v2(
			l->db->db,
			"DELETE FROM log_events WHERE account = ? AND grp = ? AND ts < ?", -1, &st,
			NULL);
		bind_text(st, 1, g->account);
		bind_text(st, 2, g->name);
		sqlite3_bind_int64(st, 3, now - g->days * 86400000LL);
		sqlite3_step(st);
		sqlite3_finalize(st);
		if (sqlite3_changes(l->db->db) > 0)
			restat_streams(l, g->account, g->name, NULL);
		pthread_mutex_unlock(&l->db->mu);
		free(g->name);
		free(g);
	}
	vec_release(&groups);
}

/*
 * Free room (db->mu held): the stream written to longest ago goes whole, unless it is the
 * only one with events left, which loses its oldest events instead, about over bytes of
 * them. False when nothing is left to expire.
 */
static bool expire_oldest(struct logs *l, long long over)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db,
			   "SELECT account, grp, name, bytes FROM log_streams WHERE bytes > 0"
			   " ORDER BY coalesce(last_ingest, created), rowid LIMIT 2",
			   -1, &st, NULL);
	char account[13] = "";
	char *group = NULL, *stream = NULL;
	long long bytes = 0;
	int rows = 0;
	while (sqlite3_step(st) == SQLITE_ROW && rows++ == 0) {
		snprintf(account, sizeof(account), "%s", sqlite3_column_text(st, 0));
		group = xstrdup((const char *)sqlite3_column_text(st, 1));
		stream = xstrdup((const char *)sqlite3_column_text(st, 2));
		bytes = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rows == 0)
		return false;
	static const char *const whole[] = {
		"DELETE FROM log_events WHERE account = ?1 AND grp = ?2 AND stream = ?3",
		"DELETE FROM log_streams WHERE account = ?1 AND grp = ?2 AND name = ?3",
	};
	static const char *const part[] = {
		"DELETE FROM log_events WHERE id IN (SELECT id FROM log_events WHERE"
		" account = ?1 AND grp = ?2 AND stream = ?3 ORDER BY id LIMIT ?4)",
	};
	const char *const *sqls = rows > 1 ? whole : part;
	size_t n = rows > 1 ? 2 : 1;
	long long events = 1;
	if (rows == 1) {
		/* As many of the oldest events as hold about over bytes, at least one. */
		sqlite3_prepare_v2(l->db->db,
				   "SELECT count(*) FROM log_events WHERE account = ?1 AND grp = ?2"
				   " AND stream = ?3",
				   -1, &st, NULL);
		bind_text(st, 1, account);
		bind_text(st, 2, group);
		bind_text(st, 3, stream);
		long long count = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_finalize(st);
		events = bytes > 0 ? over * count / bytes + 1 : count;
	}
	for (size_t i = 0; i < n; i++) {
		sqlite3_prepare_v2(l->db->db, sqls[i], -1, &st, NULL);
		bind_text(st, 1, account);
		bind_text(st, 2, group);
		bind_text(st, 3, stream);
		if (rows == 1)
			sqlite3_bind_int64(st, 4, events);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rows == 1)
		restat_streams(l, account, group, stream);
	free(group);
	free(stream);
	return true;
}

void logs_expire(struct logs *l)
{
	logs_flush(l);
	long long mono = clock_mono_ms(), vnow = now_ms(l, NULL);
	pthread_mutex_lock(&l->mu);
	bool sweep = mono - l->last_sweep >= RETENTION_SWEEP_MS || l->last_sweep == 0 ||
		     vnow - l->last_vsweep >= 60000;
	if (sweep) {
		l->last_sweep = mono;
		l->last_vsweep = vnow;
	}
	long long cap = l->cap;
	bool over = cap > 0 && (!l->counted || l->stored > cap);
	pthread_mutex_unlock(&l->mu);
	if (sweep)
		apply_retention(l);
	if (!over && !sweep)
		return;
	pthread_mutex_lock(&l->db->mu);
	long long stored = count_stored(l);
	if (cap > 0 && stored > cap) {
		/* Down to nine tenths of the cap, so that expiry does not run at every flush. */
		long long target = cap - cap / 10;
		while (stored > target && expire_oldest(l, stored - target))
			stored = count_stored(l);
	}
	pthread_mutex_unlock(&l->db->mu);
	pthread_mutex_lock(&l->mu);
	l->stored = stored;
	l->counted = true;
	pthread_mutex_unlock(&l->mu);
}

/* Pattern matching: space-separated terms, "quoted phrases", ?any-of, -excluded. */
bool logs_pattern_match(const char *pattern, const char *msg)
{
	if (!pattern)
		return true;
	bool any_seen = false, any_hit = false;
	const char *p = pattern;
	char term[1024];
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		char mode = 0;
		if (*p == '?' || *p == '-') {
			mode = *p;
			p++;
		}
		size_t n = 0;
		if (*p == '"') {
			p++;
			while (*p && *p != '"' && n < sizeof(term) - 1)
				term[n++] = *p++;
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ' ' && *p != '\t' && n < sizeof(term) - 1)
				term[n++] = *p++;
		}
		term[n] = '\0';
		if (n == 0)
			continue;
		bool found = strstr(msg, term) != NULL;
		if (mode == '?') {
			any_seen = true;
			any_hit = any_hit || found;
		} else if (mode == '-') {
			if (found)
				return false;
		} else if (!found) {
			return false;
		}
	}
	return !any_seen || any_hit;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool jnum(const cJSON *o, const char *k, long long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(v))
		return false;
	/* Clamped: a double past long long's range (1e300, NaN) is undefined to convert. */
	double d = v->valuedouble;
	*out = d >= 9.2e18   ? 9200000000000000000LL
	       : d > -9.2e18 ? (long long)d
			     : -9200000000000000000LL;
	return true;
}

static bool group_exists(struct logs *l, const char *account, const char *group)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db, "SELECT 1 FROM log_groups WHERE account = ? AND name = ?", -1,
			   &st, NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, group);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static bool stream_exists(struct logs *l, const char *account, const char *group,
			  const char *stream);

static void group_arn(struct strbuf *sb, const char *account, const char *group)
{
	strbuf_addf(sb, "arn:aws:logs:" AWS_REGION_NAME ":%s:log-group:%s", account, group);
}

static cJSON *describe_groups(struct logs *l, const char *account, const cJSON *in,
			      struct aws_err *err)
{
	const char *prefix = jstr(in, "logGroupNamePrefix");
	/* A pattern matches anywhere in the name, in any case. */
	const char *pattern = jstr(in, "logGroupNamePattern");
	long long limit = 50, offset = 0;
	jnum(in, "limit", &limit);
	const char *token = jstr(in, "nextToken");
	if (token)
		offset = atoll(token);
	if (prefix && pattern) {
		aws_err_set(err, 400, "InvalidParameterException",
			    "LogGroup name prefix and LogGroup name pattern are mutually exclusive "
			    "parameters.");
		return NULL;
	}
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(
		l->db->db,
		"SELECT g.name, g.created, (SELECT coalesce(sum(bytes), 0) FROM"
		" log_streams s WHERE s.account = g.account AND s.grp = g.name),"
		" g.retention FROM log_groups g WHERE g.account = ?1 AND substr(g.name, 1,"
		" length(?2)) = ?2 AND (?5 IS NULL OR instr(lower(g.name), lower(?5)) > 0)"
		" ORDER BY g.name LIMIT ?3 OFFSET ?4",
		-1, &st, NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, prefix ? prefix : "");
	if (pattern)
		bind_text(st, 5, pattern);
	sqlite3_bind_int64(st, 3, limit + 1);
	sqlite3_bind_int64(st, 4, offset);
	cJSON *out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "logGroups");
	long long n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == limit) {
			char tok[32];
			snprintf(tok, sizeof(tok), "%lld", offset + limit);
			cJSON_AddStringToObject(out, "nextToken", tok);
			break;
		}
		const char *name = (const char *)sqlite3_column_text(st, 0);
		cJSON *g = cJSON_CreateObject();
		struct strbuf arn = STRBUF_INIT;
		group_arn(&arn, account, name);
		cJSON_AddStringToObject(g, "logGroupName", name);
		cJSON_AddNumberToObject(g, "creationTime", (double)sqlite3_column_int64(st, 1));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			cJSON_AddNumberToObject(g, "retentionInDays",
						(double)sqlite3_column_int64(st, 3));
		cJSON_AddNumberToObject(g, "metricFilterCount", 0);
		cJSON_AddStringToObject(g, "logGroupArn", arn.buf);
		strbuf_addstr(&arn, ":*");
		cJSON_AddStringToObject(g, "arn", arn.buf);
		cJSON_AddNumberToObject(g, "storedBytes", (double)sqlite3_column_int64(st, 2));
		cJSON_AddStringToObject(g, "logGroupClass", "STANDARD");
		strbuf_release(&arn);
		cJSON_AddItemToArray(arr, g);
	}
	sqlite3_finalize(st);
	return out;
}

static cJSON *describe_streams(struct logs *l, const char *account, const cJSON *in,
			       struct aws_err *err)
{
	const char *group = jstr(in, "logGroupName");
	const char *ident = jstr(in, "logGroupIdentifier");
	const char *prefix = jstr(in, "logStreamNamePrefix");
	const char *order = jstr(in, "orderBy");
	if (group && ident) {
		aws_err_set(err, 400, "ValidationException",
			    "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
		return NULL;
	}
	char named[600];
	if (!group && ident) {
		/* A name or the group's ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME). */
		const char *at = strstr(ident, ":log-group:");
		snprintf(named, sizeof(named), "%s",
			 str_starts_with(ident, "arn:") && at ? at + strlen(":log-group:") : ident);
		size_t n = strlen(named);
		if (n > 2 && strcmp(named + n - 2, ":*") == 0)
			named[n - 2] = '\0';
		group = named;
	}
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(in, "descending");
	long long limit = 50, offset = 0;
	jnum(in, "limit", &limit);
	const char *token = jstr(in, "nextToken");
	if (token)
		offset = atoll(token);
	if (!group || !group_exists(l, account, group)) {
		aws_err_set(err, 400, "ResourceNotFoundException",
			    "The specified log group does not exist.");
		return NULL;
	}
	bool by_time = order && strcmp(order, "LastEventTime") == 0;
	char *sql = xasprintf("SELECT name, created, first_ts, last_ts, last_ingest, bytes FROM"
			      " log_streams WHERE account = ?1 AND grp = ?2 AND substr(name, 1,"
			      " length(?3)) = ?3 ORDER BY %s %s LIMIT ?4 OFFSET ?5",
			      by_time ? "coalesce(last_ts, 0)" : "name",
			      cJSON_IsTrue(desc) ? "DESC" : "ASC");
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db, sql, -1, &st, NULL);
	free(sql);
	bind_text(st, 1, account);
	bind_text(st, 2, group);
	bind_text(st, 3, prefix ? prefix : "");
	sqlite3_bind_int64(st, 4, limit + 1);
	sqlite3_bind_int64(st, 5, offset);
	cJSON *out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "logStreams");
	long long n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == limit) {
			char tok[32];
			snprintf(tok, sizeof(tok), "%lld", offset + limit);
			cJSON_AddStringToObject(out, "nextToken", tok);
			break;
		}
		const char *name = (const char *)sqlite3_column_text(st, 0);
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "logStreamName", name);
		cJSON_AddNumberToObject(s, "creationTime", (double)sqlite3_column_int64(st, 1));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			cJSON_AddNumberToObject(s, "firstEventTimestamp",
						(double)sqlite3_column_int64(st, 2));
			cJSON_AddNumberToObject(s, "lastEventTimestamp",
						(double)sqlite3_column_int64(st, 3));
			cJSON_AddNumberToObject(s, "lastIngestionTime",
						(double)sqlite3_column_int64(st, 4));
		}
		struct strbuf arn = STRBUF_INIT;
		group_arn(&arn, account, group);
		strbuf_addf(&arn, ":log-stream:%s", name);
		cJSON_AddStringToObject(s, "arn", arn.buf);
		strbuf_release(&arn);
		cJSON_AddNumberToObject(s, "storedBytes", 0);
		cJSON_AddItemToArray(arr, s);
	}
	sqlite3_finalize(st);
	return out;
}

static cJSON *event_json(sqlite3_stmt *st, bool with_stream)
{
	cJSON *e = cJSON_CreateObject();
	if (with_stream)
		cJSON_AddStringToObject(e, "logStreamName",
					(const char *)sqlite3_column_text(st, 4));
	cJSON_AddNumberToObject(e, "timestamp", (double)sqlite3_column_int64(st, 1));
	cJSON_AddStringToObject(e, "message", (const char *)sqlite3_column_text(st, 2));
	cJSON_AddNumberToObject(e, "ingestionTime", (double)sqlite3_column_int64(st, 3));
	if (with_stream) {
		char id[32];
		snprintf(id, sizeof(id), "%020lld", (long long)sqlite3_column_int64(st, 0));
		cJSON_AddStringToObject(e, "eventId", id);
	}
	return e;
}

static cJSON *get_events(struct logs *l, const char *account, const cJSON *in, struct aws_err *err)
{
	const char *group = jstr(in, "logGroupName");
	const char *stream = jstr(in, "logStreamName");
	long long limit = 10000, start = 0, end = (long long)1 << 62;
	jnum(in, "limit", &limit);
	jnum(in, "startTime", &start);
	jnum(in, "endTime", &end);
	bool from_head = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "startFromHead"));
	const char *token = jstr(in, "nextToken");
	if (!group || !stream || !group_exists(l, account, group)) {
		aws_err_set(err, 400, "ResourceNotFoundException",
			    "The specified log group does not exist.");
		return NULL;
	}
	if (!stream_exists(l, account, group, stream)) {
		aws_err_set(err, 400, "ResourceNotFoundException",
			    "The specified log stream does not exist.");
		return NULL;
	}
	/* The tokens this cloud hands out: f/N or b/N. */
	const char *num = token ? token + 2 + (token[1] && token[2] == '-') : NULL;
	if (token && !((token[0] == 'f' || token[0] == 'b') && token[1] == '/' && num[0] &&
		       strspn(num, "0123456789") == strlen(num))) {
		aws_err_set(err, 400, "InvalidParameterException",
			    "The specified nextToken is invalid.");
		return NULL;
	}
	bool forward = from_head;
	long long cursor = forward ? 0 : (long long)1 << 62;
	if (token && (token[0] == 'f' || token[0] == 'b') && token[1] == '/') {
		forward = token[0] == 'f';
		cursor = atoll(token + 2);
	}
	char *sql = xasprintf("SELECT id, ts, message, ingest FROM log_events WHERE account = ?1"
			      " AND grp = ?2 AND stream = ?3 AND ts >= ?4 AND ts < ?5 AND id %s ?6"
			      " ORDER BY id %s LIMIT ?7",
			      forward ? ">" : "<", forward ? "ASC" : "DESC");
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db, sql, -1, &st, NULL);
	free(sql);
	bind_text(st, 1, account);
	bind_text(st, 2, group);
	bind_text(st, 3, stream);
	sqlite3_bind_int64(st, 4, start);
	sqlite3_bind_int64(st, 5, end);
	sqlite3_bind_int64(st, 6, cursor);
	sqlite3_bind_int64(st, 7, limit);
	cJSON *out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "events");
	long long lo = -1, hi = -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		cJSON *e = event_json(st, false);
		if (forward)
			cJSON_AddItemToArray(arr, e);
		else
			cJSON_InsertItemInArray(arr, 0, e);
		if (lo < 0 || id < lo)
			lo = id;
		if (id > hi)
			hi = id;
	}
	sqlite3_finalize(st);
	char tok[48];
	if (hi < 0) {
		/* Nothing new: the tokens stay where they were, as CloudWatch does. */
		lo = hi = forward ? cursor : cursor;
		if (!forward && cursor == (long long)1 << 62)
			lo = hi = 0;
	}
	snprintf(tok, sizeof(tok), "f/%lld", hi);
	cJSON_AddStringToObject(out, "nextForwardToken", tok);
	snprintf(tok, sizeof(tok), "b/%lld", lo);
	cJSON_AddStringToObject(out, "nextBackwardToken", tok);
	return out;
}

static cJSON *filter_events(struct logs *l, const char *account, const cJSON *in,
			    struct aws_err *err)
{
	const char *group = jstr(in, "logGroupName");
	if (!group)
		group = jstr(in, "logGroupIdentifier");
	long long limit = 10000, start = 0, end = (long long)1 << 62, cursor = 0;
	jnum(in, "limit", &limit);
	jnum(in, "startTime", &start);
	jnum(in, "endTime", &end);
	const char *pattern = jstr(in, "filterPattern");
	const char *prefix = jstr(in, "logStreamNamePrefix");
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(in, "logStreamNames");
	const char *token = jstr(in, "nextToken");
	if (token)
		cursor = atoll(token);
	if (!group || !group_exists(l, account, group)) {
		aws_err_set(err, 400, "ResourceNotFoundException",
			    "The specified log group does not exist.");
		return NULL;
	}
	if (limit < 1 || limit > 10000)
		limit = 10000;
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db,
			   "SELECT id, ts, message, ingest, stream FROM log_events WHERE"
			   " account = ?1 AND grp = ?2 AND ts >= ?3 AND ts <= ?4 AND id > ?5"
			   " AND substr(stream, 1, length(?6)) = ?6 ORDER BY id",
			   -1, &st, NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, group);
	sqlite3_bind_int64(st, 3, start);
	sqlite3_bind_int64(st, 4, end);
	sqlite3_bind_int64(st, 5, cursor);
	bind_text(st, 6, prefix ? prefix : "");
	cJSON *out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "events");
	long long n = 0, last = cursor;
	bool more = false;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *stream = (const char *)sqlite3_column_text(st, 4);
		if (cJSON_IsArray(names)) {
			bool listed = false;
			const cJSON *nm;
			cJSON_ArrayForEach(nm, names)
			{
				if (cJSON_IsString(nm) && strcmp(nm->valuestring, stream) == 0)
					listed = true;
			}
			if (!listed)
				continue;
		}
		if (!logs_pattern_match(pattern, (const char *)sqlite3_column_text(st, 2)))
			continue;
		if (n == limit) {
			more = true;
			break;
		}
		cJSON_AddItemToArray(arr, event_json(st, true));
		last = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_finalize(st);
	cJSON_AddArrayToObject(out, "searchedLogStreams");
	if (more) {
		char tok[32];
		snprintf(tok, sizeof(tok), "%lld", last);
		cJSON_AddStringToObject(out, "nextToken", tok);
	}
	return out;
}

static cJSON *create_group(struct logs *l, const char *account, const cJSON *in,
			   struct aws_err *err)
{
	const char *group = jstr(in, "logGroupName");
	if (!group)
		return aws_err_set(err, 400, "InvalidParameterException",
				   "1 validation error detected: Value null at 'logGroupName' "
				   "failed to satisfy constraint: Member must not be null"),
		       NULL;
	if (group_exists(l, account, group)) {
		aws_err_set(err, 400, "ResourceAlreadyExistsException",
			    "The specified log group already exists");
		return NULL;
	}
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db,
			   "INSERT INTO log_groups(account, name, created) VALUES(?, ?, ?)", -1,
			   &st, NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, group);
	sqlite3_bind_int64(st, 3, clock_wall_ms());
	sqlite3_step(st);
	sqlite3_finalize(st);
	return cJSON_CreateObject();
}

static cJSON *delete_group(struct logs *l, const char *account, const cJSON *in,
			   struct aws_err *err)
{
	const char *group = jstr(in, "logGroupName");
	if (!group || !group_exists(l, account, group)) {
		aws_err_set(err, 400, "ResourceNotFoundException",
			    "The specified log group does not exist.");
		return NULL;
	}
	static const char *const sqls[] = {
		"DELETE FROM log_events WHERE account = ? AND grp = ?",
		"DELETE FROM log_streams WHERE account = ? AND grp = ?",
		"DELETE FROM log_groups WHERE account = ? AND name = ?",
	};
	for (size_t i = 0; i < 3; i++) {
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(l->db->db, sqls[i], -1, &st, NULL);
		bind_text(st, 1, account);
		bind_text(st, 2, group);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return cJSON_CreateObject();
}

static bool stream_exists(struct logs *l, const char *account, const char *group,
			  const char *stream)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db,
			   "SELECT 1 FROM log_streams WHERE account = ? AND grp = ? AND name = ?",
			   -1, &st, NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, group);
	bind_text(st, 3, stream);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Whether the group and stream exist (db->mu held); if not, err says which does not. */
static bool group_and_stream(struct logs *l, const char *account, const char *group,
			     const char *stream, struct aws_err *err)
{
	if (!group || !group_exists(l, account, group)) {
		aws_err_set(err, 400, "ResourceNotFoundException",
			    "The specified log group does not exist.");
		return false;
	}
	if (!stream || !stream_exists(l, account, group, stream)) {
		aws_err_set(err, 400, "ResourceNotFoundException",
			    "The specified log stream does not exist.");
		return false;
	}
	return true;
}

static cJSON *create_stream(struct logs *l, const char *account, const cJSON *in,
			    struct aws_err *err)
{
	const char *group = jstr(in, "logGroupName");
	const char *stream = jstr(in, "logStreamName");
	if (!stream)
		return aws_err_set(err, 400, "InvalidParameterException",
				   "1 validation error detected: Value null at 'logStreamName' "
				   "failed to satisfy constraint: Member must not be null"),
		       NULL;
	if (!group || !group_exists(l, account, group)) {
		aws_err_set(err, 400, "ResourceNotFoundException",
			    "The specified log group does not exist.");
		return NULL;
	}
	if (stream_exists(l, account, group, stream)) {
		aws_err_set(err, 400, "ResourceAlreadyExistsException",
			    "The specified log stream already exists");
		return NULL;
	}
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(
		l->db->db,
		"INSERT INTO log_streams(account, grp, name, created) VALUES(?, ?, ?, ?)", -1, &st,
		NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, group);
	bind_text(st, 3, stream);
	sqlite3_bind_int64(st, 4, clock_wall_ms());
	sqlite3_step(st);
	sqlite3_finalize(st);
	return cJSON_CreateObject();
}

static cJSON *delete_stream(struct logs *l, const char *account, const cJSON *in,
			    struct aws_err *err)
{
	const char *group = jstr(in, "logGroupName");
	const char *stream = jstr(in, "logStreamName");
	if (!group_and_stream(l, account, group, stream, err))
		return NULL;
	static const char *const sqls[] = {
		"DELETE FROM log_events WHERE account = ? AND grp = ? AND stream = ?",
		"DELETE FROM log_streams WHERE account = ? AND grp = ? AND name = ?",
	};
	for (size_t i = 0; i < 2; i++) {
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(l->db->db, sqls[i], -1, &st, NULL);
		bind_text(st, 1, account);
		bind_text(st, 2, group);
		bind_text(st, 3, stream);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return cJSON_CreateObject();
}

/* The retention periods CloudWatch Logs offers, in days. */
static const int retention_days[] = {
	1,   3,   5,   7,   14,   30,   60,   90,   120,  150,  180,
	365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
};

static cJSON *put_retention(struct logs *l, const char *account, const cJSON *in,
			    struct aws_err *err)
{
	const char *group = jstr(in, "logGroupName");
	long long days = 0;
	bool given = jnum(in, "retentionInDays", &days);
	bool known = false;
	for (size_t i = 0; i < sizeof(retention_days) / sizeof(retention_days[0]); i++)
		known = known || retention_days[i] == days;
	if (!given || !known) {
		struct strbuf set = STRBUF_INIT;
		for (size_t i = 0; i < sizeof(retention_days) / sizeof(retention_days[0]); i++)
			strbuf_addf(&set, "%s%d", i ? ", " : "", retention_days[i]);
		aws_err_set(err, 400, "InvalidParameterException",
			    "1 validation error detected: Value '%lld' at 'retentionInDays' "
			    "failed to satisfy constraint: Member must satisfy enum value set: "
			    "[%s]",
			    days, set.buf);
		strbuf_release(&set);
		return NULL;
	}
	if (!group || !group_exists(l, account, group)) {
		aws_err_set(err, 400, "ResourceNotFoundException",
			    "The specified log group does not exist.");
		return NULL;
	}
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db,
			   "UPDATE log_groups SET retention = ? WHERE account = ? AND name = ?", -1,
			   &st, NULL);
	sqlite3_bind_int64(st, 1, days);
	bind_text(st, 2, account);
	bind_text(st, 3, group);
	sqlite3_step(st);
	sqlite3_finalize(st);
	/* The next sweep applies it at once. */
	pthread_mutex_lock(&l->mu);
	l->last_sweep = 0;
	pthread_mutex_unlock(&l->mu);
	return cJSON_CreateObject();
}

static cJSON *delete_retention(struct logs *l, const char *account, const cJSON *in,
			       struct aws_err *err)
{
	const char *group = jstr(in, "logGroupName");
	if (!group || !group_exists(l, account, group)) {
		aws_err_set(err, 400, "ResourceNotFoundException",
			    "The specified log group does not exist.");
		return NULL;
	}
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db,
			   "UPDATE log_groups SET retention = NULL WHERE account = ? AND name = ?",
			   -1, &st, NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, group);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return cJSON_CreateObject();
}

/* The group's retention in days (db->mu held); 0 when it keeps events forever. */
static long long group_retention(struct logs *l, const char *account, const char *group)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db,
			   "SELECT retention FROM log_groups WHERE account = ? AND name = ?", -1,
			   &st, NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, group);
	long long days = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return days;
}

/*
 * PutLogEvents as CloudWatch Logs takes it: the batch within its limits and in order, or
 * refused whole; events too old (past 14 days or the group's retention) or too new (over two
 * hours ahead) left out and reported in rejectedLogEventsInfo.
 */
static cJSON *put_events(struct logs *l, const char *account, const cJSON *in, struct aws_err *err)
{
	const char *group = jstr(in, "logGroupName");
	const char *stream = jstr(in, "logStreamName");
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(in, "logEvents");
	int n = cJSON_GetArraySize(events);
	if (!cJSON_IsArray(events) || n < 1 || n > LOGS_BATCH_EVENTS) {
		aws_err_set(err, 400, "InvalidParameterException",
			    "1 validation error detected: Value at 'logEvents' failed to satisfy "
			    "constraint: Member must have length between 1 and %d",
			    LOGS_BATCH_EVENTS);
		return NULL;
	}
	long long total = 0, prev = 0;
	const cJSON *e;
	int i = 0;
	cJSON_ArrayForEach(e, events)
	{
		const char *msg = jstr(e, "message");
		long long ts = 0;
		if (!msg || !msg[0] || !jnum(e, "timestamp", &ts)) {
			aws_err_set(err, 400, "InvalidParameterException",
				    "1 validation error detected: Value at 'logEvents.%d.member' "
				    "failed to satisfy constraint: an event needs a timestamp and "
				    "a message of at least 1 character",
				    i + 1);
			return NULL;
		}
		size_t len = strlen(msg);
		if (str_utf8_valid(msg, len) != len) {
			aws_err_set(err, 400, "SerializationException",
				    "logEvents.%d.message is not valid UTF-8", i + 1);
			return NULL;
		}
		if (len > LOGS_EVENT_MAX) {
			aws_err_set(err, 400, "InvalidParameterException",
				    "Log event too large: %zu bytes exceeds limit of %d", len,
				    LOGS_EVENT_MAX);
			return NULL;
		}
		if (i > 0 && ts < prev) {
			aws_err_set(err, 400, "InvalidParameterException",
				    "Log events in a single PutLogEvents request must be in "
				    "chronological order.");
			return NULL;
		}
		prev = ts;
		total += (long long)len + LOGS_EVENT_OVERHEAD;
		i++;
	}
	if (total > LOGS_BATCH_MAX) {
		aws_err_set(err, 400, "InvalidParameterException",
			    "Upload too large: %lld bytes exceeds limit of %d", total,
			    LOGS_BATCH_MAX);
		return NULL;
	}
	pthread_mutex_lock(&l->db->mu);
	bool found = group_and_stream(l, account, group, stream, err);
	long long days = found ? group_retention(l, account, group) : 0;
	pthread_mutex_unlock(&l->db->mu);
	if (!found)
		return NULL;
	long long now = now_ms(l, account);
	long long too_old = now - 14 * 86400000LL, expired = days ? now - days * 86400000LL : 0;
	long long too_new = now + 2 * 3600000LL;
	int old_end = -1, expired_end = -1, new_start = -1;
	i = 0;
	cJSON_ArrayForEach(e, events)
	{
		const char *msg = jstr(e, "message");
		long long ts = 0;
		jnum(e, "timestamp", &ts);
		if (days && ts < expired)
			expired_end = i;
		else if (ts < too_old)
			old_end = i;
		else if (ts > too_new && new_start < 0)
			new_start = i;
		else if (new_start < 0)
			logs_append(l, account, group, stream, ts, msg, strlen(msg));
		i++;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "nextSequenceToken", "1");
	if (old_end >= 0 || expired_end >= 0 || new_start >= 0) {
		cJSON *r = cJSON_AddObjectToObject(out, "rejectedLogEventsInfo");
		if (new_start >= 0)
			cJSON_AddNumberToObject(r, "tooNewLogEventStartIndex", new_start);
		if (old_end >= 0)
			cJSON_AddNumberToObject(r, "tooOldLogEventEndIndex", old_end);
		if (expired_end >= 0)
			cJSON_AddNumberToObject(r, "expiredLogEventEndIndex", expired_end);
	}
	return out;
}

/* An operation's work, over the database (db->mu held). */
typedef cJSON *(*logs_op_fn)(struct logs *l, const char *account, const cJSON *in,
			     struct aws_err *err);

/* Readers see what was appended before they asked. */
static cJSON *locked(struct svc_call *call, const cJSON *in, struct aws_err *err, logs_op_fn fn)
{
	struct logs *l = call->cloud->logs;
	logs_flush(l);
	pthread_mutex_lock(&l->db->mu);
	cJSON *out = fn(l, call->caller->account, in, err);
	pthread_mutex_unlock(&l->db->mu);
	return out;
}

#define LOCKED_OP(op, fn)                                                             \
	static cJSON *op(struct svc_call *call, const cJSON *in, struct aws_err *err) \
	{                                                                             \
		return locked(call, in, err, fn);                                     \
	}
LOCKED_OP(op_create_group, create_group)
LOCKED_OP(op_create_stream, create_stream)
LOCKED_OP(op_delete_group, delete_group)
LOCKED_OP(op_delete_retention, delete_retention)
LOCKED_OP(op_delete_stream, delete_stream)
LOCKED_OP(op_describe_groups, describe_groups)
LOCKED_OP(op_describe_streams, describe_streams)
LOCKED_OP(op_filter_events, filter_events)
LOCKED_OP(op_get_events, get_events)
LOCKED_OP(op_put_retention, put_retention)

/* Writers that append through the API go straight into the buffer. */
static cJSON *op_put_events(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return put_events(call->cloud->logs, call->caller->account, in, err);
}

void logs_reset_account(struct logs *l, const char *account)
{
	logs_flush(l);
	static const char *const sqls[] = {
		"DELETE FROM log_events WHERE account = ?",
		"DELETE FROM log_streams WHERE account = ?",
		"DELETE FROM log_groups WHERE account = ?",
	};
	pthread_mutex_lock(&l->db->mu);
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(l->db->db, sqls[i], -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&l->db->mu);
}

static const struct svc_op ops[] = {
	{ "CreateLogGroup", op_create_group },
	{ "CreateLogStream", op_create_stream },
	{ "DeleteLogGroup", op_delete_group },
	{ "DeleteLogStream", op_delete_stream },
	{ "DeleteRetentionPolicy", op_delete_retention },
	{ "DescribeLogGroups", op_describe_groups },
	{ "DescribeLogStreams", op_describe_streams },
	{ "DescribeQueries", insights_op_describe_queries },
	{ "FilterLogEvents", op_filter_events },
	{ "GetLogEvents", op_get_events },
	{ "GetQueryResults", insights_op_get_query_results },
	{ "PutLogEvents", op_put_events },
	{ "PutRetentionPolicy", op_put_retention },
	{ "StartQuery", insights_op_start_query },
	{ "StopQuery", insights_op_stop_query },
};

static void reset(struct cloud *c, const char *account)
{
	logs_reset_account(c->logs, account);
	insights_reset_account(c->db, account);
}

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const logs_members[] = {
	"CreateLogGroup -kmsKeyId -logGroupClass logGroupName -tags",
	"CreateLogStream logGroupName logStreamName",
	"DeleteLogGroup logGroupName",
	"DeleteLogStream logGroupName logStreamName",
	"DeleteRetentionPolicy logGroupName",
	"DescribeLogGroups -accountIdentifiers -includeLinkedAccounts limit -logGroupClass "
	"logGroupNamePattern logGroupNamePrefix nextToken",
	"DescribeLogStreams descending limit logGroupIdentifier logGroupName "
	"logStreamNamePrefix nextToken orderBy",
	"DescribeQueries logGroupName maxResults nextToken status",
	"FilterLogEvents endTime filterPattern interleaved limit logGroupIdentifier "
	"logGroupName logStreamNamePrefix logStreamNames nextToken startTime -unmask",
	"GetLogEvents endTime limit logGroupIdentifier logGroupName logStreamName nextToken "
	"startFromHead startTime -unmask",
	"GetQueryResults queryId",
	"PutLogEvents -entity logEvents logGroupName logStreamName sequenceToken",
	"PutRetentionPolicy logGroupName retentionInDays",
	"StartQuery endTime limit logGroupIdentifiers logGroupName logGroupNames queryString "
	"startTime",
	"StopQuery queryId",
	NULL,
};

const struct cloud_service logs_service = {
	.name = "logs",
	.model = "logs-2014-03-28",
	.title = "Amazon CloudWatch Logs",
	.target = "Logs_20140328",
	.reset_account = reset,
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = logs_members,
};
