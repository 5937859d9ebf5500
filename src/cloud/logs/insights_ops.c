/*
 * Logs Insights' operations: StartQuery runs the query over the account's log groups at once
 * and keeps its results (table logs_queries), which GetQueryResults, StopQuery and
 * DescribeQueries read.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/logs/insights.h"
#include "cloud/logs/insights_ops.h"
#include "cloud/logs/logs.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/xalloc.h"

#define MAX_GROUPS 50
/* Queries kept per account: the oldest go first. */
#define KEPT_QUERIES 1000

/* Caller holds db->mu. The table is made on first use, under the lock, like every change. */
static bool ensure_table(struct cloud_db *db)
{
	return sqlite3_exec(db->db,
			    "CREATE TABLE IF NOT EXISTS logs_queries(account TEXT NOT NULL,"
			    " id TEXT NOT NULL, query TEXT NOT NULL, grp TEXT NOT NULL,"
			    " status TEXT NOT NULL, created INTEGER NOT NULL, results TEXT,"
			    " stats TEXT, PRIMARY KEY(account, id)) STRICT",
			    NULL, NULL, NULL) == SQLITE_OK;
}

void insights_reset_account(struct cloud_db *db, const char *account)
{
	pthread_mutex_lock(&db->mu);
	sqlite3_stmt *st = NULL;
	if (ensure_table(db) &&
	    sqlite3_prepare_v2(db->db, "DELETE FROM logs_queries WHERE account = ?", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->mu);
}

/* A group's name from a name or an ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]). */
static char *group_name(const char *s)
{
	const char *at = strstr(s, ":log-group:");
	if (strncmp(s, "arn:", 4) != 0 || !at)
		return xstrdup(s);
	at += strlen(":log-group:");
	size_t n = strlen(at);
	if (n >= 2 && strcmp(at + n - 2, ":*") == 0)
		n -= 2;
	return xstrndup(at, n);
}

static bool read_groups(const cJSON *in, char **groups, size_t *n, struct aws_err *err)
{
	*n = 0;
	const char *one =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "logGroupName"));
	if (one)
		groups[(*n)++] = group_name(one);
	static const char *const lists[] = { "logGroupNames", "logGroupIdentifiers" };
	for (size_t l = 0; l < 2; l++) {
		const cJSON *it;
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(in, lists[l]))
		{
			if (!cJSON_IsString(it))
				continue;
			if (*n == MAX_GROUPS)
				return aws_err_set(err, 400, "InvalidParameterException",
						   "A query can name at most %d log groups",
						   MAX_GROUPS);
			groups[(*n)++] = group_name(it->valuestring);
		}
	}
	if (*n == 0)
		return aws_err_set(err, 400, "InvalidParameterException",
				   "Specify logGroupName, logGroupNames or logGroupIdentifiers");
	return true;
}

static bool group_exists(struct cloud_db *db, const char *account, const char *name)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(db->db, "SELECT 1 FROM log_groups WHERE account = ? AND name = ?", -1,
			   &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static void feed(struct cloud_db *db, const char *account, const char *group, long long from_ms,
		 long long to_ms, struct insights_run *run)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(
		db->db,
		"SELECT id, stream, ts, ingest, message FROM log_events WHERE account = ?"
		" AND grp = ? AND ts >= ? AND ts <= ? ORDER BY ts, id",
		-1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, group, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, from_ms);
	sqlite3_bind_int64(st, 4, to_ms);
	char *log = xasprintf("%s:%s", account, group);
	while (sqlite3_step(st) == SQLITE_ROW) {
		/* The event's id in hexadecimal, by hand: once per event. */
		char ptr[20], *p = ptr + sizeof(ptr) - 1;
		unsigned long long id = (unsigned long long)sqlite3_column_int64(st, 0);
		*p = '\0';
		do
			*--p = "0123456789abcdef"[id & 15];
		while ((id >>= 4) != 0);
		insights_run_event(run, sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
				   log, (const char *)sqlite3_column_text(st, 1),
				   (const char *)sqlite3_column_text(st, 4), p);
	}
	free(log);
	sqlite3_finalize(st);
}

static bool seconds(const cJSON *in, const char *k, long long *out, struct aws_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, k);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0)
		return aws_err_set(err, 400, "InvalidParameterException",
				   "%s must be a time in seconds since the epoch", k);
	*out = (long long)v->valuedouble;
	return true;
}

cJSON *insights_op_start_query(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	char *groups[MAX_GROUPS];
	size_t ngroups = 0;
	cJSON *out = NULL;
	struct insights_query *q = NULL;
	struct insights_run *run = NULL;
	long long from, to;
	const char *text =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "queryString"));
	if (!read_groups(in, groups, &ngroups, err) || !seconds(in, "startTime", &from, err) ||
	    !seconds(in, "endTime", &to, err))
		goto done;
	if (to < from) {
		aws_err_set(err, 400, "InvalidParameterException",
			    "endTime (%lld) is before startTime (%lld)", to, from);
		goto done;
	}
	if (!text) {
		aws_err_set(err, 400, "InvalidParameterException", "queryString is required");
		goto done;
	}
	struct insights_error qe;
	q = insights_parse(text, &qe);
	if (!q) {
		aws_err_set(err, 400, "MalformedQueryException", "%s", qe.message);
		err->fields = cJSON_CreateObject();
		cJSON *ce = cJSON_AddObjectToObject(err->fields, "queryCompileError");
		cJSON *loc = cJSON_AddObjectToObject(ce, "location");
		cJSON_AddNumberToObject(loc, "startCharOffset", qe.start);
		cJSON_AddNumberToObject(loc, "endCharOffset", qe.end);
		cJSON_AddStringToObject(ce, "message", qe.message);
		goto done;
	}
	/* now() is the account's time, the clock its events are stamped by. */
	insights_query_set_now(q, c->vclock ? vclock_now_ms(c->vclock, account) : clock_wall_ms());
	const cJSON *lim = cJSON_GetObjectItemCaseSensitive(in, "limit");
	run = insights_run_new(q, cJSON_IsNumber(lim) ? (long)lim->valuedouble : 0);
	logs_flush(c->logs);
	pthread_mutex_lock(&c->db->mu);
	for (size_t i = 0; i < ngroups; i++) {
		if (!group_exists(c->db, account, groups[i])) {
			pthread_mutex_unlock(&c->db->mu);
			aws_err_set(err, 400, "ResourceNotFoundException",
				    "Log group '%s' does not exist for account ID '%s'", groups[i],
				    account);
			goto done;
		}
	}
	for (size_t i = 0; i < ngroups; i++)
		feed(c->db, account, groups[i], from * 1000, to * 1000 + 999, run);
	cJSON *results, *stats;
	insights_run_finish(run, &results, &stats);
	char id[37];
	aws_uuid(id);
	char *rtext = cJSON_PrintUnformatted(results);
	char *stext = cJSON_PrintUnformatted(stats);
	cJSON_Delete(results);
	cJSON_Delete(stats);
	sqlite3_stmt *st = NULL;
	bool ok = ensure_table(c->db) &&
		  sqlite3_prepare_v2(
			  c->db->db,
			  "INSERT INTO logs_queries(account, id, query, grp, status, created,"
			  " results, stats) VALUES(?, ?, ?, ?, 'Complete', ?, ?, ?)",
			  -1, &st, NULL) == SQLITE_OK;
	if (ok) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, groups[0], -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, clock_wall_ms());
		sqlite3_bind_text(st, 6, rtext, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, stext, -1, SQLITE_TRANSIENT);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (ok) {
		st = NULL;
		sqlite3_prepare_v2(
			c->db->db,
			"DELETE FROM logs_queries WHERE account = ?1 AND id NOT IN (SELECT"
			" id FROM logs_queries WHERE account = ?1 ORDER BY created DESC"
			" LIMIT ?2)",
			-1, &st, NULL);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, KEPT_QUERIES);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
	free(rtext);
	free(stext);
	if (!ok) {
		aws_err_set(err, 500, "ServiceUnavailableException",
			    "the query could not be stored");
		goto done;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "queryId", id);
done:
	insights_run_free(run);
	insights_query_free(q);
	for (size_t i = 0; i < ngroups; i++)
		free(groups[i]);
	return out;
}

/* The stored query id names, as a prepared row (status, results, stats, query, grp,
 * created), or NULL after setting err. Caller holds db->mu and finalizes. */
static sqlite3_stmt *find_query(struct cloud_db *db, const char *account, const cJSON *in,
				struct aws_err *err)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "queryId"));
	sqlite3_stmt *st = NULL;
	if (id && ensure_table(db))
		sqlite3_prepare_v2(db->db,
				   "SELECT status, results, stats, query, grp, created FROM"
				   " logs_queries WHERE account = ? AND id = ?",
				   -1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
	if (st && sqlite3_step(st) == SQLITE_ROW)
		return st;
	sqlite3_finalize(st);
	aws_err_set(err, 400, "ResourceNotFoundException", "Query %.64s does not exist",
		    id ? id : "");
	return NULL;
}

static cJSON *parsed_column(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	cJSON *o = t ? cJSON_Parse(t) : NULL;
	return o ? o : cJSON_CreateArray();
}

cJSON *insights_op_get_query_results(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud_db *db = call->cloud->db;
	pthread_mutex_lock(&db->mu);
	sqlite3_stmt *st = find_query(db, call->caller->account, in, err);
	cJSON *out = NULL;
	if (st) {
		out = cJSON_CreateObject();
		cJSON_AddItemToObject(out, "results", parsed_column(st, 1));
		cJSON_AddItemToObject(out, "statistics", parsed_column(st, 2));
		cJSON_AddStringToObject(out, "status", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&db->mu);
	return out;
}

cJSON *insights_op_stop_query(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud_db *db = call->cloud->db;
	pthread_mutex_lock(&db->mu);
	sqlite3_stmt *st = find_query(db, call->caller->account, in, err);
	cJSON *out = NULL;
	if (st) {
		/* Queries run to the end inside StartQuery: none is left to stop. */
		out = cJSON_CreateObject();
		cJSON_AddBoolToObject(out, "success", false);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&db->mu);
	return out;
}

cJSON *insights_op_describe_queries(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	(void)err;
	struct cloud_db *db = call->cloud->db;
	const char *group =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "logGroupName"));
	const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "status"));
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(in, "maxResults");
	int limit = cJSON_IsNumber(max) && max->valuedouble >= 1 && max->valuedouble <= 1000
			    ? (int)max->valuedouble
			    : 1000;
	cJSON *out = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(out, "queries");
	pthread_mutex_lock(&db->mu);
	sqlite3_stmt *st = NULL;
	if (ensure_table(db))
		sqlite3_prepare_v2(db->db,
				   "SELECT id, query, status, created, grp FROM logs_queries WHERE"
				   " account = ? AND (?2 IS NULL OR grp = ?2) AND (?3 IS NULL OR"
				   " status = ?3) ORDER BY created DESC LIMIT ?4",
				   -1, &st, NULL);
	sqlite3_bind_text(st, 1, call->caller->account, -1, SQLITE_TRANSIENT);
	if (group)
		sqlite3_bind_text(st, 2, group, -1, SQLITE_TRANSIENT);
	if (status)
		sqlite3_bind_text(st, 3, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, limit);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		cJSON *q = cJSON_CreateObject();
		cJSON_AddStringToObject(q, "queryId", (const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(q, "queryString", (const char *)sqlite3_column_text(st, 1));
		cJSON_AddStringToObject(q, "status", (const char *)sqlite3_column_text(st, 2));
		cJSON_AddNumberToObject(q, "createTime", (double)sqlite3_column_int64(st, 3));
		cJSON_AddStringToObject(q, "logGroupName",
					(const char *)sqlite3_column_text(st, 4));
		cJSON_AddItemToArray(list, q);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->mu);
	return out;
}
