/*
 * CloudWatch Logs over SQLite, with a bounded in-memory append buffer.
 */
#include "cloud/logs/logs.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/http/aws.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/strbuf.h"
#include "core/vec.h"
#include "core/xalloc.h"

/* Above this many buffered bytes an append writes the batch itself. */
#define PENDING_MAX (8 << 20)

struct pending {
	char account[13];
	char *group, *stream, *msg;
	long long ts, ingest;
};

struct logs {
	struct cloud_db *db;
	pthread_mutex_t mu;       /* pending */
	pthread_mutex_t flush_mu; /* one batch at a time, so events keep their order */
	struct vec pending;
	size_t pending_bytes;
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
	free(e->msg);
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

void logs_append(struct logs *l, const char *account, const char *group, const char *stream,
		 long long ts_ms, const char *msg, size_t len)
{
	struct pending *e = xcalloc(1, sizeof(*e));
	snprintf(e->account, sizeof(e->account), "%s", account);
	e->group = xstrdup(group);
	e->stream = xstrdup(stream);
	e->msg = xstrndup(msg, len);
	e->ts = ts_ms;
	e->ingest = clock_wall_ms();
	pthread_mutex_lock(&l->mu);
	vec_push(&l->pending, e);
	l->pending_bytes += len + 64;
	bool full = l->pending_bytes > PENDING_MAX;
	pthread_mutex_unlock(&l->mu);
	if (full)
		logs_flush(l);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

void logs_flush(struct logs *l)
{
	pthread_mutex_lock(&l->flush_mu);
	pthread_mutex_lock(&l->mu);
	struct vec batch = l->pending;
	l->pending = (struct vec)VEC_INIT;
	l->pending_bytes = 0;
	pthread_mutex_unlock(&l->mu);
	if (batch.len == 0) {
		pthread_mutex_unlock(&l->flush_mu);
		return;
	}
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
		sqlite3_reset(ins);
		bind_text(ins, 1, e->account);
		bind_text(ins, 2, e->group);
		bind_text(ins, 3, e->stream);
		sqlite3_bind_int64(ins, 4, e->ts);
		sqlite3_bind_int64(ins, 5, e->ingest);
		bind_text(ins, 6, e->msg);
		sqlite3_step(ins);
		sqlite3_reset(stats);
		bind_text(stats, 1, e->account);
		bind_text(stats, 2, e->group);
		bind_text(stats, 3, e->stream);
		sqlite3_bind_int64(stats, 4, e->ts);
		sqlite3_bind_int64(stats, 5, e->ingest);
		sqlite3_bind_int64(stats, 6, (long long)strlen(e->msg));
		sqlite3_step(stats);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(grp);
	sqlite3_finalize(stream);
	sqlite3_finalize(stats);
	cloud_db_exec(l->db, "COMMIT");
	pthread_mutex_unlock(&l->db->mu);
	pthread_mutex_unlock(&l->flush_mu);
	vec_release_with(&batch, pending_free);
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

static void reply(struct http_resp *resp, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	strbuf_addstr(&resp->body, text);
	free(text);
	resp->content_type = "application/x-amz-json-1.1";
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

static void group_arn(struct strbuf *sb, const char *account, const char *group)
{
	strbuf_addf(sb, "arn:aws:logs:" AWS_REGION_NAME ":%s:log-group:%s", account, group);
}

static void describe_groups(struct logs *l, const char *account, const cJSON *in,
			    struct http_resp *resp)
{
	const char *prefix = jstr(in, "logGroupNamePrefix");
	long long limit = 50, offset = 0;
	jnum(in, "limit", &limit);
	const char *token = jstr(in, "nextToken");
	if (token)
		offset = atoll(token);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(l->db->db,
			   "SELECT g.name, g.created, (SELECT coalesce(sum(bytes), 0) FROM"
			   " log_streams s WHERE s.account = g.account AND s.grp = g.name)"
			   " FROM log_groups g WHERE g.account = ?1 AND substr(g.name, 1,"
			   " length(?2)) = ?2 ORDER BY g.name LIMIT ?3 OFFSET ?4",
			   -1, &st, NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, prefix ? prefix : "");
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
	reply(resp, out);
}

static void describe_streams(struct logs *l, const char *account, const cJSON *in,
			     struct http_resp *resp)
{
	const char *group = jstr(in, "logGroupName");
	const char *prefix = jstr(in, "logStreamNamePrefix");
	const char *order = jstr(in, "orderBy");
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(in, "descending");
	long long limit = 50, offset = 0;
	jnum(in, "limit", &limit);
	const char *token = jstr(in, "nextToken");
	if (token)
		offset = atoll(token);
	if (!group || !group_exists(l, account, group)) {
		aws_json_error(resp, 400, "ResourceNotFoundException",
			       "The specified log group does not exist.");
		return;
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
	reply(resp, out);
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

static void get_events(struct logs *l, const char *account, const cJSON *in, struct http_resp *resp)
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
		aws_json_error(resp, 400, "ResourceNotFoundException",
			       "The specified log group does not exist.");
		return;
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
	reply(resp, out);
}

static void filter_events(struct logs *l, const char *account, const cJSON *in,
			  struct http_resp *resp)
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
		aws_json_error(resp, 400, "ResourceNotFoundException",
			       "The specified log group does not exist.");
		return;
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
	reply(resp, out);
}

static void create_group(struct logs *l, const char *account, const cJSON *in,
			 struct http_resp *resp)
{
	const char *group = jstr(in, "logGroupName");
	if (!group || !group[0] || strlen(group) > 512) {
		aws_json_error(resp, 400, "InvalidParameterException",
			       "1 validation error detected: Value at 'logGroupName' failed to "
			       "satisfy constraint: Member must have length between 1 and 512");
		return;
	}
	if (group_exists(l, account, group)) {
		aws_json_error(resp, 400, "ResourceAlreadyExistsException",
			       "The specified log group already exists");
		return;
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
	reply(resp, cJSON_CreateObject());
}

static void delete_group(struct logs *l, const char *account, const cJSON *in,
			 struct http_resp *resp)
{
	const char *group = jstr(in, "logGroupName");
	if (!group || !group_exists(l, account, group)) {
		aws_json_error(resp, 400, "ResourceNotFoundException",
			       "The specified log group does not exist.");
		return;
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
	reply(resp, cJSON_CreateObject());
}

void logs_api(struct logs *l, const char *account, const char *target, const struct http_req *req,
	      struct http_resp *resp)
{
	cJSON *in = cJSON_ParseWithLength(req->body, req->body_len);
	if (!in || !cJSON_IsObject(in)) {
		cJSON_Delete(in);
		aws_json_error(resp, 400, "SerializationException",
			       "Start of structure or map found where not expected.");
		return;
	}
	/* Writers that append through the API go straight into the buffer. */
	if (strcmp(target, "PutLogEvents") == 0) {
		const char *group = jstr(in, "logGroupName");
		const char *stream = jstr(in, "logStreamName");
		const cJSON *events = cJSON_GetObjectItemCaseSensitive(in, "logEvents");
		if (!group || !stream || !cJSON_IsArray(events)) {
			aws_json_error(resp, 400, "InvalidParameterException",
				       "logGroupName, logStreamName and logEvents are required");
		} else {
			const cJSON *e;
			cJSON_ArrayForEach(e, events)
			{
				const char *msg = jstr(e, "message");
				long long ts = clock_wall_ms();
				jnum(e, "timestamp", &ts);
				if (msg)
					logs_append(l, account, group, stream, ts, msg,
						    strlen(msg));
			}
			cJSON *out = cJSON_CreateObject();
			cJSON_AddStringToObject(out, "nextSequenceToken", "1");
			reply(resp, out);
		}
		cJSON_Delete(in);
		return;
	}
	logs_flush(l);
	pthread_mutex_lock(&l->db->mu);
	if (strcmp(target, "DescribeLogGroups") == 0)
		describe_groups(l, account, in, resp);
	else if (strcmp(target, "DescribeLogStreams") == 0)
		describe_streams(l, account, in, resp);
	else if (strcmp(target, "GetLogEvents") == 0)
		get_events(l, account, in, resp);
	else if (strcmp(target, "FilterLogEvents") == 0)
		filter_events(l, account, in, resp);
	else if (strcmp(target, "CreateLogGroup") == 0)
		create_group(l, account, in, resp);
	else if (strcmp(target, "DeleteLogGroup") == 0)
		delete_group(l, account, in, resp);
	else if (strcmp(target, "CreateLogStream") == 0 ||
		 strcmp(target, "PutRetentionPolicy") == 0)
		reply(resp, cJSON_CreateObject());
	else
		aws_json_error(resp, 501, "NotImplemented",
			       "The local cloud does not offer CloudWatch Logs' %s operation",
			       target);
	pthread_mutex_unlock(&l->db->mu);
	cJSON_Delete(in);
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

static const char *const raw_ops[] = {
	"CreateLogGroup",     "CreateLogStream",
	"DeleteLogGroup",     "DescribeLogGroups",
	"DescribeLogStreams", "FilterLogEvents",
	"GetLogEvents",       "PutLogEvents",
	"PutRetentionPolicy", NULL,
};

static void raw(struct svc_call *call, struct http_resp *resp)
{
	logs_api(call->cloud->logs, call->caller->account, call->op, call->http, resp);
}

static void reset(struct cloud *c, const char *account)
{
	logs_reset_account(c->logs, account);
}

const struct cloud_service logs_service = {
	.name = "logs",
	.model = "logs-2014-03-28",
	.title = "Amazon CloudWatch Logs",
	.target = "Logs_20140328",
	.reset_account = reset,
	.raw_ops = raw_ops,
	.raw = raw,
};
