/*
 * AWS X-Ray (rest-json): PutTraceSegments stores segment documents per account;
 * GetTraceSummaries (with filter expressions, filter.c) and BatchGetTraces read the traces
 * they make up.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "aws/aws.h"
#include "cloud/db.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "cloud/xray/filter.h"
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

/*
 * Check one segment document and store it for account (under db->mu). NULL when stored, else
 * X-Ray's error code, with its message in *msg and the segment's id (when it has one) in id.
 */
static const char *store_doc(struct cloud_db *db, const char *account, const char *text,
			     char id_out[17], const char **msg)
{
	const char *code = NULL;
	cJSON *seg = cJSON_Parse(text);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(seg, "id"));
	const char *trace = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(seg, "trace_id"));
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(seg, "name"));
	double start = num(seg, "start_time", -1), end = num(seg, "end_time", -1);
	bool in_progress = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(seg, "in_progress"));
	snprintf(id_out, 17, "%s", id && strlen(id) <= 16 ? id : "");
	if (!cJSON_IsObject(seg)) {
		code = "InvalidSegment", *msg = "The segment document is not JSON";
	} else if (!id || strlen(id) != 16 || !hex_run(id, 16)) {
		code = "InvalidId", *msg = "A segment id is 16 hexadecimal digits";
	} else if (!trace_id_ok(trace)) {
		code = "InvalidTraceId",
		*msg = "A trace id is 1-<8 hexadecimal digits>-<24 hexadecimal digits>";
	} else if (!name || !name[0] || start < 0 || (end < start && !in_progress)) {
		code = "InvalidSegment",
		*msg = "A segment needs a name, a start_time, and an end_time or in_progress";
	} else {
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(db->db,
				   "INSERT OR REPLACE INTO xray_segments(account, trace, id,"
				   " start, end, doc) VALUES(?, ?, ?, ?, ?, ?)",
				   -1, &st, NULL);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, trace, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(st, 4, start);
		sqlite3_bind_double(st, 5, in_progress ? start : end);
		sqlite3_bind_text(st, 6, text, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			code = "InternalFailure", *msg = "The segment was not stored";
		sqlite3_finalize(st);
	}
	cJSON_Delete(seg);
	return code;
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
		char id[17];
		const char *msg = NULL;
		const char *code =
			cJSON_IsString(doc)
				? store_doc(db, call->caller->account, doc->valuestring, id, &msg)
				: (id[0] = '\0', msg = "The segment document is not JSON",
				   "InvalidSegment");
		if (code)
			unprocessed(bad, id[0] ? id : NULL, code, msg);
	}
	pthread_mutex_unlock(&db->mu);
	return out;
}

/* A trace's summary from its segments: duration, error, fault, throttle, its entry point. */
static cJSON *summary(struct cloud_db *db, const char *account, const char *trace,
		      bool with_segments, const struct xray_filter *filter)
{
	struct vec docs = VEC_INIT;
	double response = -1;
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
		if (!entry && name && !cJSON_GetObjectItemCaseSensitive(doc, "parent_id")) {
			entry = xstrdup(name);
			response = num(doc, "end_time", s) - num(doc, "start_time", s);
		}
		if (doc)
			vec_push(&docs, doc);
		cJSON *seg = cJSON_CreateObject();
		cJSON_AddStringToObject(seg, "Id", (const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(seg, "Document", text);
		cJSON_AddItemToArray(segs, seg);
	}
	sqlite3_finalize(st);
	bool match =
		any && (!filter || xray_filter_match(filter, (cJSON *const *)docs.items, docs.len));
	for (size_t i = 0; i < docs.len; i++)
		cJSON_Delete(docs.items[i]);
	vec_release(&docs);
	if (!match) {
		cJSON_Delete(segs);
		free(entry);
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
		cJSON_AddNumberToObject(o, "ResponseTime",
					response >= 0 ? round(response * 1000) / 1000 : duration);
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
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(in, "FilterExpression");
	struct xray_filter *filter = NULL;
	if (cJSON_IsString(text) && text->valuestring[0]) {
		char why[200];
		filter = xray_filter_parse(text->valuestring, why, sizeof(why));
		if (!filter)
			return aws_err_set(err, 400, "InvalidRequestException",
					   "Invalid filter expression: %s", why),
			       NULL;
	}
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
	size_t scanned = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		vec_push(&traces, xstrdup((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	scanned = traces.len;
	for (size_t i = 0; i < traces.len; i++) {
		cJSON *s = summary(db, call->caller->account, traces.items[i], false, filter);
		if (s)
			cJSON_AddItemToArray(list, s);
		free(traces.items[i]);
	}
	vec_release(&traces);
	pthread_mutex_unlock(&db->mu);
	xray_filter_free(filter);
	cJSON_AddNumberToObject(out, "ApproximateTime", to);
	cJSON_AddNumberToObject(out, "TracesProcessedCount", (double)scanned);
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
				   ? summary(db, call->caller->account, id->valuestring, true, NULL)
				   : NULL;
		if (t)
			cJSON_AddItemToArray(list, t);
		else if (cJSON_IsString(id))
			cJSON_AddItemToArray(missing, cJSON_CreateString(id->valuestring));
	}
	pthread_mutex_unlock(&db->mu);
	return out;
}

/*
 * GetServiceGraph: the services of the traces that started in the window, as nodes. A segment
 * is a node (its name and origin); a subsegment in the aws or remote namespace is a
 * downstream node of its segment's; a segment whose parent_id is in another segment is an
 * edge from that segment's node. Statistics and histograms count the segments of each node
 * (and, on an edge, those of its destination reached over it).
 */
struct gstats {
	long ok, errors, throttles, faults, total;
	double response;
	struct vec hist; /* doubles of response times, boxed */
};

struct gnode {
	char *name, *type;
	bool root, inferred;
	double start, end;
	struct gstats st;
	struct vec edges; /* struct gedge * */
};

struct gedge {
	size_t to;
	double start, end;
	struct gstats st;
};

static void gstats_add(struct gstats *g, const cJSON *seg, double took)
{
	bool err = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(seg, "error"));
	bool fault = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(seg, "fault"));
	bool thr = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(seg, "throttle"));
	g->total++;
	g->errors += err || thr;
	g->throttles += thr;
	g->faults += fault;
	g->ok += !err && !fault && !thr;
	g->response += took;
	double *v = xmalloc(sizeof(*v));
	*v = round(took * 1000) / 1000;
	vec_push(&g->hist, v);
}

static cJSON *gstats_json(const struct gstats *g, cJSON *parent)
{
	cJSON *o = cJSON_AddObjectToObject(parent, "SummaryStatistics");
	cJSON_AddNumberToObject(o, "OkCount", (double)g->ok);
	cJSON *e = cJSON_AddObjectToObject(o, "ErrorStatistics");
	cJSON_AddNumberToObject(e, "ThrottleCount", (double)g->throttles);
	cJSON_AddNumberToObject(e, "OtherCount", (double)(g->errors - g->throttles));
	cJSON_AddNumberToObject(e, "TotalCount", (double)g->errors);
	cJSON *f = cJSON_AddObjectToObject(o, "FaultStatistics");
	cJSON_AddNumberToObject(f, "OtherCount", (double)g->faults);
	cJSON_AddNumberToObject(f, "TotalCount", (double)g->faults);
	cJSON_AddNumberToObject(o, "TotalCount", (double)g->total);
	cJSON_AddNumberToObject(o, "TotalResponseTime", round(g->response * 1000) / 1000);
	cJSON *h = cJSON_AddArrayToObject(parent, "ResponseTimeHistogram");
	for (size_t i = 0; i < g->hist.len; i++) {
		double v = *(double *)g->hist.items[i];
		cJSON *bin = NULL, *it;
		cJSON_ArrayForEach(it, h)
		{
			if (num(it, "Value", -1) == v)
				bin = it;
		}
		if (bin) {
			cJSON *cnt = cJSON_GetObjectItemCaseSensitive(bin, "Count");
			cJSON_SetNumberValue(cnt, cnt->valuedouble + 1);
		} else {
			bin = cJSON_CreateObject();
			cJSON_AddNumberToObject(bin, "Value", v);
			cJSON_AddNumberToObject(bin, "Count", 1);
			cJSON_AddItemToArray(h, bin);
		}
	}
	return o;
}

static size_t gnode_find(struct vec *nodes, const char *name, const char *type, bool inferred)
{
	for (size_t i = 0; i < nodes->len; i++) {
		struct gnode *n = nodes->items[i];
		if (strcmp(n->name, name) == 0 && strcmp(n->type, type) == 0)
			return i;
	}
	struct gnode *n = xcalloc(1, sizeof(*n));
	n->name = xstrdup(name);
	n->type = xstrdup(type);
	n->inferred = inferred;
	n->start = INFINITY;
	n->end = -INFINITY;
	vec_push(nodes, n);
	return nodes->len - 1;
}

static struct gedge *gedge_to(struct gnode *from, size_t to)
{
	for (size_t i = 0; i < from->edges.len; i++) {
		struct gedge *e = from->edges.items[i];
		if (e->to == to)
			return e;
	}
	struct gedge *e = xcalloc(1, sizeof(*e));
	e->to = to;
	e->start = INFINITY;
	e->end = -INFINITY;
	vec_push(&from->edges, e);
	return e;
}

static const char *seg_type(const cJSON *seg)
{
	const char *o = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(seg, "origin"));
	return o ? o : "";
}

/* Whether id is seg's or one of its subsegments'. */
static bool seg_has_id(const cJSON *seg, const char *id, int depth)
{
	const char *own = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(seg, "id"));
	if (own && strcmp(own, id) == 0)
		return true;
	const cJSON *sub;
	if (depth < 32) {
		cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(seg, "subsegments"))
		{
			if (seg_has_id(sub, id, depth + 1))
				return true;
		}
	}
	return false;
}

static void edge_add(struct vec *nodes, size_t from, size_t to, const cJSON *seg, double s,
		     double e)
{
	struct gedge *g = gedge_to(nodes->items[from], to);
	g->start = fmin(g->start, s);
	g->end = fmax(g->end, e);
	gstats_add(&g->st, seg, e - s);
}

/* Downstream nodes of a segment: its aws and remote subsegments, at any depth. */
static void graph_downstream(struct vec *nodes, size_t from, const cJSON *seg, int depth)
{
	const cJSON *sub;
	cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(seg, "subsegments"))
	{
		const char *ns =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sub, "namespace"));
		const char *name =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sub, "name"));
		if (ns && name && (strcmp(ns, "aws") == 0 || strcmp(ns, "remote") == 0)) {
			char type[160];
			snprintf(type, sizeof(type), "%s%.100s",
				 strcmp(ns, "aws") == 0 ? "AWS::" : "remote",
				 strcmp(ns, "aws") == 0 ? name : "");
			size_t to = gnode_find(nodes, name, type, true);
			struct gnode *n = nodes->items[to];
			double s = num(sub, "start_time", 0), e = num(sub, "end_time", s);
			n->start = fmin(n->start, s);
			n->end = fmax(n->end, e);
			gstats_add(&n->st, sub, e - s);
			edge_add(nodes, from, to, sub, s, e);
		}
		if (depth < 32)
			graph_downstream(nodes, from, sub, depth + 1);
	}
}

/* Add one trace's segments (parsed, in docs) to the graph. */
static void graph_trace(struct vec *nodes, cJSON **docs, size_t n)
{
	size_t *node_of = xcalloc(n ? n : 1, sizeof(*node_of));
	/* A separate subsegment document belongs to the segment holding its parent: merged in. */
	for (size_t i = 0; i < n; i++) {
		const char *type =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(docs[i], "type"));
		const char *parent = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(docs[i], "parent_id"));
		if (!type || strcmp(type, "subsegment") != 0 || !parent)
			continue;
		for (size_t j = 0; j < n; j++) {
			const char *tj = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(docs[j], "type"));
			if (j != i && !(tj && strcmp(tj, "subsegment") == 0) &&
			    seg_has_id(docs[j], parent, 0)) {
				cJSON *subs =
					cJSON_GetObjectItemCaseSensitive(docs[j], "subsegments");
				if (!cJSON_IsArray(subs))
					subs = cJSON_AddArrayToObject(docs[j], "subsegments");
				cJSON_AddItemReferenceToArray(subs, docs[i]);
				break;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *type =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(docs[i], "type"));
		const char *name =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(docs[i], "name"));
		node_of[i] = SIZE_MAX;
		if ((type && strcmp(type, "subsegment") == 0) || !name)
			continue;
		node_of[i] = gnode_find(nodes, name, seg_type(docs[i]), false);
		struct gnode *g = nodes->items[node_of[i]];
		double s = num(docs[i], "start_time", 0), e = num(docs[i], "end_time", s);
		g->start = fmin(g->start, s);
		g->end = fmax(g->end, e);
		g->root |= !cJSON_GetObjectItemCaseSensitive(docs[i], "parent_id");
		gstats_add(&g->st, docs[i], e - s);
	}
	for (size_t i = 0; i < n; i++) {
		if (node_of[i] == SIZE_MAX)
			continue;
		graph_downstream(nodes, node_of[i], docs[i], 0);
		const char *parent = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(docs[i], "parent_id"));
		for (size_t j = 0; parent && j < n; j++) {
			if (j != i && node_of[j] != SIZE_MAX && seg_has_id(docs[j], parent, 0)) {
				double s = num(docs[i], "start_time", 0),
				       e = num(docs[i], "end_time", s);
				edge_add(nodes, node_of[j], node_of[i], docs[i], s, e);
				break;
			}
		}
	}
	/* Detach the merged references before the documents are freed. */
	for (size_t j = 0; j < n; j++) {
		cJSON *subs = cJSON_GetObjectItemCaseSensitive(docs[j], "subsegments");
		for (int k = cJSON_GetArraySize(subs) - 1; k >= 0; k--) {
			cJSON *it = cJSON_GetArrayItem(subs, k);
			if (it->type & cJSON_IsReference)
				cJSON_DeleteItemFromArray(subs, k);
		}
	}
	free(node_of);
}

static void gstats_release(struct gstats *g)
{
	vec_release_with(&g->hist, free);
}

static cJSON *get_service_graph(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	double from = num(in, "StartTime", -1), to = num(in, "EndTime", -1);
	if (from < 0 || to < from)
		return aws_err_set(err, 400, "InvalidRequestException",
				   "EndTime must not be earlier than StartTime"),
		       NULL;
	struct cloud_db *db = call->cloud->db;
	struct vec nodes = VEC_INIT;
	pthread_mutex_lock(&db->mu);
	sqlite3_stmt *st = NULL, *segs = NULL;
	sqlite3_prepare_v2(
		db->db,
		"SELECT trace FROM xray_segments WHERE account = ? GROUP BY trace"
		" HAVING min(start) >= ? AND min(start) <= ? ORDER BY min(start) LIMIT 1000",
		-1, &st, NULL);
	sqlite3_prepare_v2(
		db->db,
		"SELECT doc FROM xray_segments WHERE account = ? AND trace = ? ORDER BY start, id",
		-1, &segs, NULL);
	sqlite3_bind_text(st, 1, call->caller->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 2, from);
	sqlite3_bind_double(st, 3, to);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct vec docs = VEC_INIT;
		sqlite3_reset(segs);
		sqlite3_bind_text(segs, 1, call->caller->account, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(segs, 2, (const char *)sqlite3_column_text(st, 0), -1,
				  SQLITE_TRANSIENT);
		while (sqlite3_step(segs) == SQLITE_ROW) {
			cJSON *d = cJSON_Parse((const char *)sqlite3_column_text(segs, 0));
			if (d)
				vec_push(&docs, d);
		}
		graph_trace(&nodes, (cJSON **)docs.items, docs.len);
		for (size_t i = 0; i < docs.len; i++)
			cJSON_Delete(docs.items[i]);
		vec_release(&docs);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(segs);
	pthread_mutex_unlock(&db->mu);

	cJSON *out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "StartTime", from);
	cJSON_AddNumberToObject(out, "EndTime", to);
	cJSON *list = cJSON_AddArrayToObject(out, "Services");
	for (size_t i = 0; i < nodes.len; i++) {
		struct gnode *g = nodes.items[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "ReferenceId", (double)i);
		cJSON_AddStringToObject(o, "Name", g->name);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "Names"),
				     cJSON_CreateString(g->name));
		cJSON_AddBoolToObject(o, "Root", g->root);
		if (g->type[0])
			cJSON_AddStringToObject(o, "Type", g->type);
		cJSON_AddStringToObject(o, "State", g->inferred ? "unknown" : "active");
		cJSON_AddNumberToObject(o, "StartTime", g->start);
		cJSON_AddNumberToObject(o, "EndTime", g->end);
		cJSON *edges = cJSON_AddArrayToObject(o, "Edges");
		for (size_t k = 0; k < g->edges.len; k++) {
			struct gedge *e = g->edges.items[k];
			cJSON *eo = cJSON_CreateObject();
			cJSON_AddNumberToObject(eo, "ReferenceId", (double)e->to);
			cJSON_AddNumberToObject(eo, "StartTime", e->start);
			cJSON_AddNumberToObject(eo, "EndTime", e->end);
			gstats_json(&e->st, eo);
			cJSON_AddArrayToObject(eo, "Aliases");
			cJSON_AddItemToArray(edges, eo);
			gstats_release(&e->st);
			free(e);
		}
		gstats_json(&g->st, o);
		cJSON_AddItemToObject(o, "DurationHistogram",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
							      o, "ResponseTimeHistogram"),
						      true));
		cJSON_AddItemToArray(list, o);
		gstats_release(&g->st);
		vec_release(&g->edges);
		free(g->name);
		free(g->type);
		free(g);
	}
	vec_release(&nodes);
	cJSON_AddBoolToObject(out, "ContainsOldGroupVersions", false);
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
		       const char *request_id, const char *trace_header, const char *upstream,
		       long long start_ms, double init_ms, double duration_ms, const char *status,
		       long long dwell_ms, int attempt, const char *const *links)
{
	const char *root = strstr(trace_header, "Root="), *parent = strstr(trace_header, "Parent=");
	if (!root || !parent)
		return;
	char trace[36], service_id[17], fn_id[17], sub[3][17];
	snprintf(trace, sizeof(trace), "%.35s", root + 5);
	/* The function's segment is the Parent its code is given (_X_AMZN_TRACE_ID), so that
	 * the subsegments an X-Ray SDK sends hang under it. */
	snprintf(fn_id, sizeof(fn_id), "%.16s", parent + 7);
	if (!trace_id_ok(trace) || strlen(fn_id) != 16 || !hex_run(fn_id, 16))
		return;
	aws_random_hex(service_id, 16);
	for (int i = 0; i < 3; i++)
		aws_random_hex(sub[i], 16);
	double init = init_ms > 0 ? init_ms / 1000 : 0;
	double t0 = (double)start_ms / 1000 - init, t1 = (double)start_ms / 1000;
	double t2 = t1 + duration_ms / 1000, t3 = t2 + 0.0005;
	double queued = attempt > 0 && dwell_ms > 0 ? t0 - (double)dwell_ms / 1000 : t0;
	bool fault = strcmp(status, "success") != 0;
	char arn[200];
	snprintf(arn, sizeof(arn), "arn:aws:lambda:us-east-1:%s:function:%s", account, function);

	cJSON *svc = segment(function, service_id, trace, queued, t3);
	cJSON_AddStringToObject(svc, "origin", "AWS::Lambda");
	bool has_upstream = upstream && strlen(upstream) == 16 && hex_run(upstream, 16);
	if (has_upstream)
		cJSON_AddStringToObject(svc, "parent_id", upstream);
	if (attempt > 0) {
		char dwell_id[17], attempt_id[17], attempt_name[32];
		aws_random_hex(dwell_id, 16);
		aws_random_hex(attempt_id, 16);
		snprintf(attempt_name, sizeof(attempt_name), "Attempt #%d", attempt);
		cJSON *ss = cJSON_AddArrayToObject(svc, "subsegments");
		cJSON_AddItemToArray(ss, segment("Dwell Time", dwell_id, NULL, queued, t0));
		cJSON *at = segment(attempt_name, attempt_id, NULL, t0, t3);
		cJSON_AddBoolToObject(at, "fault", fault);
		cJSON_AddItemToArray(ss, at);
	}
	cJSON *linked = NULL;
	for (size_t i = 0; links && links[i]; i++) {
		/* Each message's trace and the segment that sent it, once, 20 at most; not the
		 * one this trace continues, which is the segment's parent already. */
		struct svc_trace lt;
		if (!svc_trace_parse(links[i], &lt) || !lt.parent[0] ||
		    (has_upstream && strcmp(lt.root, trace) == 0 &&
		     strcmp(lt.parent, upstream) == 0))
			continue;
		if (!linked)
			linked = cJSON_AddArrayToObject(svc, "links");
		bool seen = false;
		const cJSON *l;
		cJSON_ArrayForEach(l, linked)
		{
			seen |= strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(l, "trace_id")),
				       lt.root) == 0 &&
				strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(l, "id")),
				       lt.parent) == 0;
		}
		if (seen || cJSON_GetArraySize(linked) >= 20)
			continue;
		cJSON *l2 = cJSON_CreateObject();
		cJSON_AddStringToObject(l2, "trace_id", lt.root);
		cJSON_AddStringToObject(l2, "id", lt.parent);
		cJSON_AddItemToArray(linked, l2);
	}
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

/*
 * The X-Ray daemon: datagrams on the UDP port the cloud holds (AWS_XRAY_DAEMON_ADDRESS), each
 * a header line {"format": "json", "version": 1} and one segment document, as the X-Ray SDKs
 * send them. A datagram names no account: its trace is looked up among the traces of the
 * sampled invocations the cloud started (their roots are kept here), and a segment of any
 * other trace is dropped.
 */
#define DAEMON_ROOTS 512
#define DATAGRAM_MAX 65536

struct xray_state {
	pthread_mutex_t mu;
	struct {
		char root[36];
		char account[13];
	} roots[DAEMON_ROOTS];
	size_t next;
	pthread_t thread;
	bool running;
	atomic_bool stopping;
	atomic_bool busy; /* a datagram is being read and stored */
	unsigned long received, stored, dropped;
};

void xray_daemon_expect(struct cloud *c, const char *trace_header, const char *account)
{
	struct xray_state *s = c->xray;
	const char *root = strstr(trace_header, "Root=");
	if (!s || !root)
		return;
	char id[36];
	snprintf(id, sizeof(id), "%.35s", root + 5);
	if (!trace_id_ok(id))
		return;
	pthread_mutex_lock(&s->mu);
	snprintf(s->roots[s->next].root, sizeof(s->roots[0].root), "%s", id);
	snprintf(s->roots[s->next].account, sizeof(s->roots[0].account), "%s", account);
	s->next = (s->next + 1) % DAEMON_ROOTS;
	pthread_mutex_unlock(&s->mu);
}

/* The account whose invocation started trace, or false. */
static bool daemon_account(struct xray_state *s, const char *trace, char account[13])
{
	bool found = false;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < DAEMON_ROOTS && !found; i++) {
		if (strcmp(s->roots[i].root, trace) == 0) {
			memcpy(account, s->roots[i].account, 13);
			found = true;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return found;
}

/* One datagram: the header line, then the document. True when stored. */
static bool daemon_datagram(struct cloud *c, char *buf, size_t len)
{
	buf[len] = '\0';
	char *nl = memchr(buf, '\n', len);
	if (!nl)
		return false;
	*nl = '\0';
	cJSON *head = cJSON_Parse(buf);
	const cJSON *format = cJSON_GetObjectItemCaseSensitive(head, "format");
	bool ok = cJSON_IsString(format) && strcmp(format->valuestring, "json") == 0 &&
		  num(head, "version", 0) == 1;
	cJSON_Delete(head);
	if (!ok)
		return false;
	const char *doc = nl + 1;
	cJSON *seg = cJSON_Parse(doc);
	const char *trace = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(seg, "trace_id"));
	char account[13];
	ok = trace && daemon_account(c->xray, trace, account);
	cJSON_Delete(seg);
	if (!ok)
		return false;
	char id[17];
	const char *msg = NULL;
	pthread_mutex_lock(&c->db->mu);
	ok = store_doc(c->db, account, doc, id, &msg) == NULL;
	pthread_mutex_unlock(&c->db->mu);
	return ok;
}

static void *daemon_main(void *arg)
{
	struct cloud *c = arg;
	struct xray_state *s = c->xray;
	char *buf = xmalloc(DATAGRAM_MAX + 1);
	while (!atomic_load(&s->stopping)) {
		struct pollfd p = { .fd = c->xray_fd, .events = POLLIN };
		if (poll(&p, 1, 100) <= 0)
			continue;
		/* Busy before the datagram leaves the queue, so that xray_daemon_pending() sees
		 * it in one place or the other. */
		atomic_store(&s->busy, true);
		ssize_t n = recv(c->xray_fd, buf, DATAGRAM_MAX, MSG_DONTWAIT);
		bool stored = n > 0 && daemon_datagram(c, buf, (size_t)n);
		atomic_store(&s->busy, false);
		if (n <= 0)
			continue;
		pthread_mutex_lock(&s->mu);
		s->received++;
		if (stored)
			s->stored++;
		else
			s->dropped++;
		pthread_mutex_unlock(&s->mu);
	}
	free(buf);
	return NULL;
}

bool xray_daemon_pending(struct cloud *c)
{
	struct xray_state *s = c->xray;
	if (!s || !s->running || c->xray_fd < 0)
		return false;
	/* The queue first, then the flag: a datagram taken off the queue in between was
	 * flagged before it left. */
	int queued = 0;
	if (ioctl(c->xray_fd, FIONREAD, &queued) == 0 && queued > 0)
		return true;
	return atomic_load(&s->busy);
}

static bool service_start(struct cloud *c, struct error *err)
{
	(void)err;
	struct xray_state *s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	atomic_init(&s->stopping, false);
	atomic_init(&s->busy, false);
	c->xray = s;
	return true;
}

static bool service_run(struct cloud *c, struct error *err)
{
	struct xray_state *s = c->xray;
	if (c->xray_fd < 0)
		return true;
	if (pthread_create(&s->thread, NULL, daemon_main, c) != 0)
		return error_set(err, "cannot start the X-Ray daemon");
	s->running = true;
	return true;
}

static void service_stop(struct cloud *c)
{
	struct xray_state *s = c->xray;
	if (!s || !s->running)
		return;
	atomic_store(&s->stopping, true);
	pthread_join(s->thread, NULL);
	s->running = false;
}

static void service_free(struct cloud *c)
{
	struct xray_state *s = c->xray;
	if (!s)
		return;
	pthread_mutex_destroy(&s->mu);
	free(s);
	c->xray = NULL;
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
	{ "GetServiceGraph", get_service_graph },
	{ "GetTraceSummaries", get_trace_summaries },
	{ "PutTraceSegments", put_trace_segments },
};

static const char *const paths[] = { "/TraceSegments", "/TraceSummaries", "/Traces",
				     "/ServiceGraph", NULL };

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const xray_members[] = {
	"BatchGetTraces -NextToken TraceIds",
	"GetServiceGraph EndTime -GroupARN -GroupName -NextToken StartTime",
	"GetTraceSummaries EndTime FilterExpression -NextToken -Sampling -SamplingStrategy "
	"StartTime -TimeRangeType",
	"PutTraceSegments TraceSegmentDocuments",
	NULL,
};

const struct cloud_service xray_service = {
	.name = "xray",
	.model = "xray-2016-04-12",
	.title = "AWS X-Ray",
	.paths = paths,
	.start = service_start,
	.run = service_run,
	.stop = service_stop,
	.free = service_free,
	.reset_account = reset,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = xray_members,
};
