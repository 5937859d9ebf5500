/*
 * Numbers per invocation (duration, billed duration, memory, cold or warm, GB-seconds, cost)
 * and per function per minute (Invocations, Errors, Duration, Throttles, ConcurrentExecutions),
 * collected in memory on the hot path and written in batches.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/lambda/lambda.h"
#include "cloud/logs/logs.h"
#include "cloud/state.h"
#include "core/clock.h"
#include "core/xalloc.h"

struct minute {
	char account[13];
	char function[65];
	long long minute;
	long long invocations, errors, throttles;
	double duration_sum, duration_max;
	int concurrent_max;
};

static struct minute *minute_for(struct cloud *c, const char *account, const char *function)
{
	long long m = clock_wall_ms() / 60000 * 60000;
	vec_for_each (&c->minutes, i) {
		struct minute *x = c->minutes.items[i];
		if (x->minute == m && strcmp(x->function, function) == 0 &&
		    strcmp(x->account, account) == 0)
			return x;
	}
	struct minute *x = xcalloc(1, sizeof(*x));
	snprintf(x->account, sizeof(x->account), "%s", account);
	snprintf(x->function, sizeof(x->function), "%s", function);
	x->minute = m;
	vec_push(&c->minutes, x);
	return x;
}

void lambda_metrics_record(struct cloud *c, const struct lambda_record *r)
{
	struct lambda_record *copy = xmalloc(sizeof(*copy));
	*copy = *r;
	vec_push(&c->records, copy);
	struct minute *m = minute_for(c, r->account, r->function);
	m->invocations++;
	if (strcmp(r->status, "success") != 0)
		m->errors++;
	m->duration_sum += r->duration_ms;
	if (r->duration_ms > m->duration_max)
		m->duration_max = r->duration_ms;
	const struct lfunc *fn = lambda_fn_find(c, r->account, r->function);
	int concurrent = fn ? fn->inflight + 1 : 1;
	if (concurrent > m->concurrent_max)
		m->concurrent_max = concurrent;
}

void lambda_metrics_throttle(struct cloud *c, const char *account, const char *function)
{
	pthread_mutex_lock(&c->mu);
	minute_for(c, account, function)->throttles++;
	pthread_mutex_unlock(&c->mu);
}

void lambda_metrics_flush(struct cloud *c)
{
	pthread_mutex_lock(&c->mu);
	struct vec records = c->records, minutes = c->minutes;
	c->records = (struct vec)VEC_INIT;
	c->minutes = (struct vec)VEC_INIT;
	pthread_mutex_unlock(&c->mu);
	if (records.len == 0 && minutes.len == 0)
		return;
	pthread_mutex_lock(&c->db->mu);
	cloud_db_exec(c->db, "BEGIN");
	sqlite3_stmt *ins = NULL, *up = NULL;
	sqlite3_prepare_v2(c->db->db,
			   "INSERT INTO invocations(account, function, request_id, started,"
			   " duration_ms, billed_ms, init_ms, memory_mb, max_used_mb, cold, status,"
			   " error_type, gb_seconds, cost_x86, cost_arm)"
			   " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   -1, &ins, NULL);
	vec_for_each (&records, i) {
		const struct lambda_record *r = records.items[i];
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, r->account, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, r->function, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 3, r->request_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 4, r->started_ms);
		sqlite3_bind_double(ins, 5, r->duration_ms);
		sqlite3_bind_int64(ins, 6, r->billed_ms);
		if (r->init_ms >= 0)
			sqlite3_bind_double(ins, 7, r->init_ms);
		else
			sqlite3_bind_null(ins, 7);
		sqlite3_bind_int(ins, 8, r->memory_mb);
		sqlite3_bind_int(ins, 9, r->max_used_mb);
		sqlite3_bind_int(ins, 10, r->cold);
		sqlite3_bind_text(ins, 11, r->status, -1, SQLITE_TRANSIENT);
		if (r->error_type[0])
			sqlite3_bind_text(ins, 12, r->error_type, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(ins, 12);
		sqlite3_bind_double(ins, 13, lambda_gb_seconds(r->memory_mb, r->billed_ms));
		sqlite3_bind_double(ins, 14, lambda_cost_usd(r->memory_mb, r->billed_ms, false));
		sqlite3_bind_double(ins, 15, lambda_cost_usd(r->memory_mb, r->billed_ms, true));
		sqlite3_step(ins);
	}
	sqlite3_prepare_v2(c->db->db,
			   "INSERT INTO metrics(account, function, minute, invocations, errors,"
			   " throttles, duration_sum, duration_max, concurrent_max)"
			   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
			   " ON CONFLICT(account, function, minute) DO UPDATE SET"
			   " invocations = invocations + ?4, errors = errors + ?5,"
			   " throttles = throttles + ?6, duration_sum = duration_sum + ?7,"
			   " duration_max = max(duration_max, ?8),"
			   " concurrent_max = max(concurrent_max, ?9)",
			   -1, &up, NULL);
	vec_for_each (&minutes, i) {
		const struct minute *m = minutes.items[i];
		sqlite3_reset(up);
		sqlite3_bind_text(up, 1, m->account, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(up, 2, m->function, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 3, m->minute);
		sqlite3_bind_int64(up, 4, m->invocations);
		sqlite3_bind_int64(up, 5, m->errors);
		sqlite3_bind_int64(up, 6, m->throttles);
		sqlite3_bind_double(up, 7, m->duration_sum);
		sqlite3_bind_double(up, 8, m->duration_max);
		sqlite3_bind_int(up, 9, m->concurrent_max);
		sqlite3_step(up);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(up);
	cloud_db_exec(c->db, "COMMIT");
	pthread_mutex_unlock(&c->db->mu);
	vec_release_with(&records, free);
	vec_release_with(&minutes, free);
}

void lambda_records_sync(struct cloud *c)
{
	logs_sync(c->logs);
	lambda_metrics_flush(c);
}

void lambda_metrics_json(struct cloud *c, const char *account, const char *function,
			 struct http_resp *resp)
{
	lambda_metrics_flush(c);
	cJSON *out = cJSON_CreateObject();
	cJSON *mins = cJSON_AddArrayToObject(out, "Metrics");
	cJSON *invs = cJSON_AddArrayToObject(out, "Invocations");
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(c->db->db,
			   "SELECT function, minute, invocations, errors, throttles, duration_sum,"
			   " duration_max, concurrent_max FROM metrics WHERE account = ?1 AND"
			   " (?2 = '' OR function = ?2) ORDER BY minute DESC, function LIMIT 1440",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, function ? function : "", -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "FunctionName",
					(const char *)sqlite3_column_text(st, 0));
		cJSON_AddNumberToObject(m, "Timestamp", (double)sqlite3_column_int64(st, 1));
		long long n = sqlite3_column_int64(st, 2);
		cJSON_AddNumberToObject(m, "Invocations", (double)n);
		cJSON_AddNumberToObject(m, "Errors", (double)sqlite3_column_int64(st, 3));
		cJSON_AddNumberToObject(m, "Throttles", (double)sqlite3_column_int64(st, 4));
		cJSON_AddNumberToObject(m, "DurationAverage",
					n ? sqlite3_column_double(st, 5) / (double)n : 0);
		cJSON_AddNumberToObject(m, "DurationMaximum", sqlite3_column_double(st, 6));
		cJSON_AddNumberToObject(m, "ConcurrentExecutions",
					(double)sqlite3_column_int64(st, 7));
		cJSON_AddItemToArray(mins, m);
	}
	sqlite3_finalize(st);
	sqlite3_prepare_v2(
		c->db->db,
		"SELECT function, request_id, started, duration_ms, billed_ms, init_ms,"
		" memory_mb, max_used_mb, cold, status, error_type, gb_seconds, cost_x86,"
		" cost_arm FROM invocations WHERE account = ?1 AND (?2 = '' OR"
		" function = ?2) ORDER BY id DESC LIMIT 100",
		-1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, function ? function : "", -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "FunctionName",
					(const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(r, "RequestId", (const char *)sqlite3_column_text(st, 1));
		cJSON_AddNumberToObject(r, "Started", (double)sqlite3_column_int64(st, 2));
		cJSON_AddNumberToObject(r, "DurationMs", sqlite3_column_double(st, 3));
		cJSON_AddNumberToObject(r, "BilledDurationMs", (double)sqlite3_column_int64(st, 4));
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			cJSON_AddNumberToObject(r, "InitDurationMs", sqlite3_column_double(st, 5));
		cJSON_AddNumberToObject(r, "MemorySizeMB", sqlite3_column_int(st, 6));
		cJSON_AddNumberToObject(r, "MaxMemoryUsedMB", sqlite3_column_int(st, 7));
		cJSON_AddBoolToObject(r, "ColdStart", sqlite3_column_int(st, 8));
		cJSON_AddStringToObject(r, "Status", (const char *)sqlite3_column_text(st, 9));
		if (sqlite3_column_type(st, 10) != SQLITE_NULL)
			cJSON_AddStringToObject(r, "ErrorType",
						(const char *)sqlite3_column_text(st, 10));
		cJSON_AddNumberToObject(r, "GBSeconds", sqlite3_column_double(st, 11));
		cJSON_AddNumberToObject(r, "CostUSDx86_64", sqlite3_column_double(st, 12));
		cJSON_AddNumberToObject(r, "CostUSDarm64", sqlite3_column_double(st, 13));
		cJSON_AddItemToArray(invs, r);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	char *text = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	strbuf_addstr(&resp->body, text);
	free(text);
}
