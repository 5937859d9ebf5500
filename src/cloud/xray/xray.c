/*
 * AWS X-Ray (rest-json): PutTraceSegments stores segment documents per account;
 * GetTraceSummaries and BatchGetTraces read the traces they make up.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "cloud/db.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "cloud/xray/xray.h"
#include "core/vec.h"
#include "core/xalloc.h"

#define MAX_TRACE_IDS 5

static bool hex_run(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* X-Ray's trace id: 1-<8 hex: epoch seconds>-<24 hex>. */
static bool trace_id_ok(const char *s)
{
	return s && strlen(s) == 35 && s[0] == '1' && s[1] == '-' && hex_run(s + 2, 8) &&
	       s[10] == '-' && hex_run(s + 11, 24);
}

static double num(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static void unprocessed(cJSON *list, const char *id, const char *code, const char *msg)
{
	cJSON *u = cJSON_CreateObject();
	if (id)
		cJSON_AddStringToObject(u, "Id", id);
	cJSON_AddStringToObject(u, "ErrorCode", code);
	cJSON_AddStringToObject(u, "Message", msg);
	cJSON_AddItemToArray(list, u);
}

static cJSON *put_trace_segments(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	(void)err;
	struct cloud_db *db = call->cloud->db;
	cJSON *out = cJSON_CreateObject();
	cJSON *bad = cJSON_AddArrayToObject(out, "UnprocessedTraceSegments");
	const cJSON *doc;
	pthread_mutex_lock(&db->mu);
	cJSON_ArrayForEach(doc, cJSON_GetObjectItemCaseSensitive(in, "TraceSegmentDocuments"))
	{
		cJSON *seg = cJSON_IsString(doc) ? cJSON_Parse(doc->valuestring) : NULL;
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(seg, "id"));
		const char *trace =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(seg, "trace_id"));
		const char *name =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(seg, "name"));
		double start = num(seg, "start_time", -1), end = num(seg, "end_time", -1);
		bool in_progress =
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(seg, "in_progress"));
		if (!cJSON_IsObject(seg)) {
			unprocessed(bad, NULL, "InvalidSegment",
				    "The segment document is not JSON");
		} else if (!id || strlen(id) != 16 || !hex_run(id, 16)) {
			unprocessed(bad, id, "InvalidId", "A segment id is 16 hexadecimal digits");
		} else if (!trace_id_ok(trace)) {
			unprocessed(
				bad, id, "InvalidTraceId",
				"A trace id is 1-<8 hexadecimal digits>-<24 hexadecimal digits>");
		} else if (!name || !name[0] || start < 0 || (end < start && !in_progress)) {
			unprocessed(bad, id, "InvalidSegment",
				    "A segment needs a name, a start_time, and an end_time or "
				    "in_progress");
		} else {
			sqlite3_stmt *st = NULL;
			sqlite3_prepare_v2(
				db->db,
				"INSERT OR REPLACE INTO xray_segments(account, trace, id,"
				" start, end, doc) VALUES(?, ?, ?, ?, ?, ?)",
				-1, &st, NULL);
			sqlite3_bind_text(st, 1, call->caller->account, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 2, trace, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 3, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_double(st, 4, start);
			sqlite3_bind_double(st, 5, in_progress ? start : end);
			sqlite3_bind_text(st, 6, doc->valuestring, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(st) != SQLITE_DONE)
				unprocessed(bad, id, "InternalFailure",
					    "The segment was not stored");
			sqlite3_finalize(st);
		}
		cJSON_Delete(seg);
	}
	pthread_mutex_unlock(&db->mu);
	return out;
}

/* A trace's summary from its segments: duration, error, fault, throttle, its entry point. */
static cJSON *summary(struct cloud_db *db, const char *account, const char *trace,
		      bool with_segments)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(db->db,
			   "SELECT id, start, end, doc FROM xray_segments WHERE account = ? AND"
			   " trace = ? ORDER BY start, id",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, trace, -1, SQLITE_TRANSIENT);
	double first = INFINITY, last = -INFINITY;
	bool error = false, fault = false, throttle = false, any = false;
	cJSON *segs = cJSON_CreateArray();
	char *entry = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		any = true;
		double s = sqlite3_column_double(st, 1), e = sqlite3_column_double(st, 2);
		first = s < first ? s : first;
		last = e > last ? e : last;
		const char *text = (const char *)sqlite3_column_text(st, 3);
		cJSON *doc = cJSON_Parse(text);
		error |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "error"));
		fault |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "fault"));
		throttle |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "throttle"));
		const char *name =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "name"));
		if (!entry && name && !cJSON_GetObjectItemCaseSensitive(doc, "parent_id"))
			entry = xstrdup(name);
		cJSON_Delete(doc);
		cJSON *seg = cJSON_CreateObject();
		cJSON_AddStringToObject(seg, "Id", (const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(seg, "Document", text);
		cJSON_AddItemToArray(segs, seg);
	}
	sqlite3_finalize(st);
	if (!any) {
		cJSON_Delete(segs);
		return NULL;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Id", trace);
	double duration = round((last - first) * 1000) / 1000;
	cJSON_AddNumberToObject(o, "Duration", duration);
	if (with_segments) {
		cJSON_AddBoolToObject(o, "LimitExceeded", false);
		cJSON_AddItemToObject(o, "Segments", segs);
	} else {
		cJSON_Delete(segs);
		cJSON_AddNumberToObject(o, "ResponseTime", duration);
		cJSON_AddBoolToObject(o, "HasError", error);
		cJSON_AddBoolToObject(o, "HasFault", fault);
		cJSON_AddBoolToObject(o, "HasThrottle", throttle);
		cJSON_AddBoolToObject(o, "IsPartial", false);
		cJSON_AddNumberToObject(o, "StartTime", first);
		if (entry) {
			cJSON *ep = cJSON_AddObjectToObject(o, "EntryPoint");
			cJSON_AddStringToObject(ep, "Name", entry);
		}
	}
	free(entry);
	return o;
}

static cJSON *get_trace_summaries(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	double from = num(in, "StartTime", -1), to = num(in, "EndTime", -1);
	if (from < 0 || to < from)
		return aws_err_set(err, 400, "InvalidRequestException",
				   "EndTime must not be earlier than StartTime"),
		       NULL;
	/* A filter we cannot evaluate must not answer as if every trace matched it. */
	const cJSON *filter = cJSON_GetObjectItemCaseSensitive(in, "FilterExpression");
	if (cJSON_IsString(filter) && filter->valuestring[0])
		return aws_err_set(err, 501, "NotImplemented",
				   "The local cloud does not offer X-Ray's filter expressions"),
		       NULL;
	struct cloud_db *db = call->cloud->db;
	cJSON *out = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(out, "TraceSummaries");
	pthread_mutex_lock(&db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(
		db->db,
		"SELECT trace FROM xray_segments WHERE account = ? GROUP BY trace"
		" HAVING min(start) >= ? AND min(start) <= ? ORDER BY min(start) LIMIT 1000",
		-1, &st, NULL);
	sqlite3_bind_text(st, 1, call->caller->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 2, from);
	sqlite3_bind_double(st, 3, to);
	struct vec traces = VEC_INIT;
	while (sqlite3_step(st) == SQLITE_ROW)
		vec_push(&traces, xstrdup((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	for (size_t i = 0; i < traces.len; i++) {
		cJSON *s = summary(db, call->caller->account, traces.items[i], false);
		if (s)
			cJSON_AddItemToArray(list, s);
		free(traces.items[i]);
	}
	vec_release(&traces);
	pthread_mutex_unlock(&db->mu);
	cJSON_AddNumberToObject(out, "ApproximateTime", to);
	cJSON_AddNumberToObject(out, "TracesProcessedCount", cJSON_GetArraySize(list));
	return out;
}

static cJSON *batch_get_traces(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(in, "TraceIds");
	if (cJSON_GetArraySize(ids) > MAX_TRACE_IDS)
		return aws_err_set(err, 400, "InvalidRequestException",
				   "At most %d trace ids a request", MAX_TRACE_IDS),
		       NULL;
	struct cloud_db *db = call->cloud->db;
	cJSON *out = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(out, "Traces");
	cJSON *missing = cJSON_AddArrayToObject(out, "UnprocessedTraceIds");
	const cJSON *id;
	pthread_mutex_lock(&db->mu);
	cJSON_ArrayForEach(id, ids)
	{
		cJSON *t = cJSON_IsString(id)
				   ? summary(db, call->caller->account, id->valuestring, true)
				   : NULL;
		if (t)
			cJSON_AddItemToArray(list, t);
		else if (cJSON_IsString(id))
			cJSON_AddItemToArray(missing, cJSON_CreateString(id->valuestring));
	}
	pthread_mutex_unlock(&db->mu);
	return out;
}

static void store(struct cloud_db *db, const char *account, const char *trace, cJSON *seg)
{
	char *doc = cJSON_PrintUnformatted(seg);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(
		db->db,
		"INSERT OR REPLACE INTO xray_segments(account, trace, id, start, end, doc)"
		" VALUES(?, ?, ?, ?, ?, ?)",
		-1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, trace, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(seg, "id")),
			  -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 4, num(seg, "start_time", 0));
	sqlite3_bind_double(st, 5, num(seg, "end_time", 0));
	sqlite3_bind_text(st, 6, doc, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
	free(doc);
}

static cJSON *segment(const char *name, const char *id, const char *trace, double start, double end)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "name", name);
	cJSON_AddStringToObject(s, "id", id);
	if (trace)
		cJSON_AddStringToObject(s, "trace_id", trace);
	cJSON_AddNumberToObject(s, "start_time", start);
	cJSON_AddNumberToObject(s, "end_time", end);
	return s;
}

void xray_lambda_trace(struct cloud *c, const char *account, const char *function,
		       const char *request_id, const char *trace_header, long long start_ms,
		       double init_ms, double duration_ms, const char *status)
{
	const char *root = strstr(trace_header, "Root="), *parent = strstr(trace_header, "Parent=");
	if (!root || !parent)
		return;
	char trace[36], service_id[17], fn_id[17], sub[3][17];
	snprintf(trace, sizeof(trace), "%.35s", root + 5);
	snprintf(service_id, sizeof(service_id), "%.16s", parent + 7);
	if (!trace_id_ok(trace) || strlen(service_id) != 16 || !hex_run(service_id, 16))
		return;
	aws_random_hex(fn_id, 16);
	for (int i = 0; i < 3; i++)
		aws_random_hex(sub[i], 16);
	double init = init_ms > 0 ? init_ms / 1000 : 0;
	double t0 = (double)start_ms / 1000 - init, t1 = (double)start_ms / 1000;
	double t2 = t1 + duration_ms / 1000, t3 = t2 + 0.0005;
	bool fault = strcmp(status, "success") != 0;
	char arn[200];
	snprintf(arn, sizeof(arn), "arn:aws:lambda:us-east-1:%s:function:%s", account, function);

	cJSON *svc = segment(function, service_id, trace, t0, t3);
	cJSON_AddStringToObject(svc, "origin", "AWS::Lambda");
	cJSON_AddBoolToObject(svc, "fault", false);
	cJSON *aws = cJSON_AddObjectToObject(svc, "aws");
	cJSON_AddStringToObject(aws, "request_id", request_id);
	cJSON *http = cJSON_AddObjectToObject(cJSON_AddObjectToObject(svc, "http"), "response");
	cJSON_AddNumberToObject(http, "status", 200);

	cJSON *fn = segment(function, fn_id, trace, t0, t3);
	cJSON_AddStringToObject(fn, "parent_id", service_id);
	cJSON_AddStringToObject(fn, "origin", "AWS::Lambda::Function");
	cJSON_AddBoolToObject(fn, "fault", fault);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(fn, "aws"), "function_arn", arn);
	cJSON *subs = cJSON_AddArrayToObject(fn, "subsegments");
	if (init > 0)
		cJSON_AddItemToArray(subs, segment("Initialization", sub[0], NULL, t0, t1));
	cJSON *inv = segment("Invocation", sub[1], NULL, t1, t2);
	cJSON_AddBoolToObject(inv, "fault", fault);
	cJSON_AddItemToArray(subs, inv);
	cJSON_AddItemToArray(subs, segment("Overhead", sub[2], NULL, t2, t3));

	pthread_mutex_lock(&c->db->mu);
	store(c->db, account, trace, svc);
	store(c->db, account, trace, fn);
	pthread_mutex_unlock(&c->db->mu);
	cJSON_Delete(svc);
	cJSON_Delete(fn);
}

static void reset(struct cloud *c, const char *account)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(c->db->db, "DELETE FROM xray_segments WHERE account = ?", -1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
}

static const char *const migrations[] = {
	/* 0 -> 1: segment documents, by trace. */
	"CREATE TABLE xray_segments(account TEXT NOT NULL, trace TEXT NOT NULL, id TEXT NOT NULL,"
	" start REAL NOT NULL, end REAL NOT NULL, doc TEXT NOT NULL,"
	" PRIMARY KEY(account, id)) STRICT;"
	"CREATE INDEX xray_segments_by_trace ON xray_segments(account, trace, start);",
};

static const struct svc_op ops[] = {
	{ "BatchGetTraces", batch_get_traces },
	{ "GetTraceSummaries", get_trace_summaries },
	{ "PutTraceSegments", put_trace_segments },
};

static const char *const paths[] = { "/TraceSegments", "/TraceSummaries", "/Traces", NULL };

const struct cloud_service xray_service = {
	.name = "xray",
	.model = "xray-2016-04-12",
	.title = "AWS X-Ray",
	.paths = paths,
	.reset_account = reset,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
};
