/*
 * The front doors' shared half: requests in, functions called, answers out.
 */
#include "cloud/front/front.h"

#include <cjson/cJSON.h>
#include <fnmatch.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cloud/db.h"
#include "cloud/http/aws.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "cloud/svc/deliver.h"
#include "core/clock.h"
#include "core/strutil.h"
#include "core/xalloc.h"

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	(void)kind;
	struct vec *v = cls;
	vec_push(v, (void *)key);
	vec_push(v, (void *)(value ? value : ""));
	return MHD_YES;
}

bool front_media_match(const cJSON *types, const char *media)
{
	if (!media)
		return false;
	char want[128];
	snprintf(want, sizeof(want), "%.*s", (int)strcspn(media, ";, "), media);
	const cJSON *t;
	cJSON_ArrayForEach(t, types)
	{
		if (cJSON_IsString(t) && fnmatch(t->valuestring, want, FNM_CASEFOLD) == 0)
			return true;
	}
	return false;
}

static bool is_text(const char *ct)
{
	return !ct || str_starts_with(ct, "text/") || strstr(ct, "json") || strstr(ct, "xml") ||
	       strstr(ct, "x-www-form-urlencoded") || strstr(ct, "javascript");
}

/* Percent-encode what would change a query string's meaning when put back in one. */
static void add_encoded(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch <= ' ' || ch >= 0x7f || strchr("&=%+#?\"", ch))
			strbuf_addf(sb, "%%%02X", ch);
		else
			strbuf_addch(sb, (char)ch);
	}
}

void front_req_init(struct front_req *fr, const struct http_req *req, const char *path,
		    const char *account, const char *api_id, const char *stage)
{
	memset(fr, 0, sizeof(*fr));
	strbuf_init(&fr->query);
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, collect, &fr->headers);
	vec_push(&fr->headers, NULL);
	/* The query string, rebuilt from its (decoded) arguments. */
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect, &fr->args);
	for (size_t i = 0; i + 1 < fr->args.len; i += 2) {
		if (fr->query.len)
			strbuf_addch(&fr->query, '&');
		add_encoded(&fr->query, fr->args.items[i]);
		if (((const char *)fr->args.items[i + 1])[0]) {
			strbuf_addch(&fr->query, '=');
			add_encoded(&fr->query, fr->args.items[i + 1]);
		}
	}
	aws_uuid(fr->request_id);
	fr->h = (struct events_http){
		.method = req->method,
		.path = path && path[0] ? path : "/",
		.query = strbuf_str(&fr->query),
		.headers = (const char *const *)fr->headers.items,
		.body = req->body_len ? req->body : NULL,
		.body_len = req->body_len,
		.body_base64 = !is_text(http_header(req, "Content-Type")),
		.source_ip = "127.0.0.1",
		.account = account,
		.api_id = api_id,
		.stage = stage,
		.request_id = fr->request_id,
		.epoch_ms = clock_wall_ms(),
	};
}

void front_req_release(struct front_req *fr)
{
	vec_release(&fr->headers);
	vec_release(&fr->args);
	strbuf_release(&fr->query);
}

enum front_call front_invoke(struct cloud *c, const char *account, const char *target,
			     const char *service, const char *source_arn, int timeout_ms,
			     const cJSON *event, struct front_outcome *r)
{
	return front_invoke_traced(c, account, target, service, source_arn, timeout_ms, event, NULL,
				   r);
}

enum front_call front_invoke_traced(struct cloud *c, const char *account, const char *target,
				    const char *service, const char *source_arn, int timeout_ms,
				    const cJSON *event, const char *trace, struct front_outcome *r)
{
	memset(r, 0, sizeof(*r));
	struct arn_function f;
	if (!arn_function_parse(target, &f))
		return FRONT_NO_FUNCTION;
	char arn[300];
	arn_function_format(arn, sizeof(arn), f.region[0] ? f.region : AWS_REGION_NAME,
			    f.account[0] ? f.account : account, f.name, f.qualifier);
	struct svc_caller by;
	if (service)
		svc_caller_service(&by, account, service, source_arn);
	else
		svc_caller_for_account(&by, account);
	svc_caller_trace(&by, trace);
	char *payload = cJSON_PrintUnformatted(event);
	struct deliver_msg m = {
		.payload = payload, .len = strlen(payload), .sync = true, .timeout_ms = timeout_ms
	};
	struct deliver_result res;
	struct aws_err err = { 0 };
	enum front_call how = FRONT_CALLED;
	if (deliver(c, &by, arn, &m, NULL, &res, &err)) {
		if (res.timed_out) {
			how = FRONT_TIMEOUT;
		} else {
			r->status = 200;
			r->function_error = res.function_error;
			r->body = res.body;
			res.body = NULL;
		}
		deliver_result_release(&res);
	} else if (strcmp(err.code, "ResourceNotFoundException") == 0) {
		how = FRONT_NO_FUNCTION;
	} else if (strcmp(err.code, "AccessDeniedException") == 0) {
		how = FRONT_DENIED;
	} else {
		/* Throttled, or failed before the handler ran: the door's own 5xx. */
		r->status = err.status ? err.status : 500;
	}
	aws_err_release(&err);
	free(payload);
	return how;
}

char *front_function_of_uri(const char *uri)
{
	if (!uri)
		return NULL;
	const char *fn = strstr(uri, "/functions/");
	char *arn = NULL;
	if (str_starts_with(uri, "arn:aws:apigateway:") && fn) {
		fn += strlen("/functions/");
		const char *end = strstr(fn, "/invocations");
		arn = end ? xstrndup(fn, (size_t)(end - fn)) : NULL;
	} else {
		arn = xstrdup(uri);
	}
	/* Only a function's whole ARN (svc/arn.h reads it), with or without a qualifier. */
	struct arn_function f;
	if (arn && !(str_starts_with(arn, "arn:") && arn_function_parse(arn, &f) && f.region[0] &&
		     f.account[0])) {
		free(arn);
		arn = NULL;
	}
	return arn;
}

void front_message(struct http_resp *resp, int status, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "message", msg);
	front_reply(resp, status, o);
}

static void add_header_value(struct http_resp *resp, const char *name, const cJSON *v)
{
	if (cJSON_IsString(v))
		http_resp_header(resp, name, v->valuestring);
	else if (cJSON_IsNumber(v))
		http_resp_headerf(resp, name, "%g", v->valuedouble);
	else if (cJSON_IsBool(v))
		http_resp_header(resp, name, cJSON_IsTrue(v) ? "true" : "false");
}

static bool scalar_map(const cJSON *o)
{
	if (!o || cJSON_IsNull(o))
		return true;
	if (!cJSON_IsObject(o))
		return false;
	const cJSON *v;
	cJSON_ArrayForEach(v, o)
	{
		if (!cJSON_IsString(v) && !cJSON_IsNumber(v) && !cJSON_IsBool(v))
			return false;
	}
	return true;
}

/* The body of out into resp, decoded from base64 when b64 says so; false when it does not
 * decode. */
static bool put_body(const cJSON *body, const cJSON *b64, struct http_resp *resp)
{
	if (!cJSON_IsString(body))
		return true;
	if (cJSON_IsTrue(b64)) {
		size_t len = 0;
		unsigned char *raw =
			aws_base64_decode(body->valuestring, strlen(body->valuestring), &len);
		if (!raw)
			return false;
		strbuf_add(&resp->body, (const char *)raw, len);
		free(raw);
		return true;
	}
	strbuf_addstr(&resp->body, body->valuestring);
	return true;
}

/* Forget what an answer had put in resp before it proved malformed. */
static void resp_clear(struct http_resp *resp)
{
	for (int i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i][0]);
		free(resp->headers[i][1]);
	}
	resp->nheaders = 0;
	strbuf_reset(&resp->body);
}

void front_answer_v2(const struct front_outcome *r, struct http_resp *resp)
{
	static const char internal[] = "Internal Server Error";
	if (r->status != 200 || r->function_error || !r->body) {
		front_message(resp, 502, internal);
		return;
	}
	cJSON *out = cJSON_Parse(r->body);
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(out, "statusCode");
	if (!cJSON_IsObject(out) || !sc) {
		/* A plain value: a 200 with the value as a JSON body. */
		cJSON_Delete(out);
		resp->status = 200;
		strbuf_addstr(&resp->body, r->body);
		return;
	}
	const cJSON *headers = cJSON_GetObjectItemCaseSensitive(out, "headers");
	const cJSON *cookies = cJSON_GetObjectItemCaseSensitive(out, "cookies");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(out, "body");
	const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(out, "isBase64Encoded");
	bool bad = !cJSON_IsNumber(sc) || sc->valueint < 100 || sc->valueint > 599 ||
		   !scalar_map(headers) ||
		   (cookies && !cJSON_IsArray(cookies) && !cJSON_IsNull(cookies)) ||
		   (body && !cJSON_IsString(body) && !cJSON_IsNull(body)) ||
		   (b64 && !cJSON_IsBool(b64)) || !put_body(body, b64, resp);
	if (bad) {
		cJSON_Delete(out);
		resp_clear(resp);
		front_message(resp, 502, internal);
		return;
	}
	resp->status = sc->valueint;
	const cJSON *h;
	cJSON_ArrayForEach(h, headers) add_header_value(resp, h->string, h);
	cJSON_ArrayForEach(h, cookies)
	{
		if (cJSON_IsString(h))
			http_resp_header(resp, "Set-Cookie", h->valuestring);
	}
	cJSON_Delete(out);
}

void front_answer_v1(const struct front_outcome *r, const char *error_message, bool decode,
		     struct http_resp *resp)
{
	static const char *const allowed[] = { "statusCode", "headers", "multiValueHeaders", "body",
					       "isBase64Encoded" };
	cJSON *out =
		r->status == 200 && !r->function_error && r->body ? cJSON_Parse(r->body) : NULL;
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(out, "statusCode");
	const cJSON *headers = cJSON_GetObjectItemCaseSensitive(out, "headers");
	const cJSON *mv = cJSON_GetObjectItemCaseSensitive(out, "multiValueHeaders");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(out, "body");
	const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(out, "isBase64Encoded");
	bool bad = !cJSON_IsObject(out) || !cJSON_IsNumber(sc) || sc->valueint < 100 ||
		   sc->valueint > 599 || !scalar_map(headers) ||
		   (mv && !cJSON_IsObject(mv) && !cJSON_IsNull(mv)) ||
		   (body && !cJSON_IsString(body) && !cJSON_IsNull(body)) ||
		   (b64 && !cJSON_IsBool(b64) && !cJSON_IsNull(b64));
	const cJSON *item;
	const cJSON *members = bad ? NULL : out, *lists = bad ? NULL : mv;
	cJSON_ArrayForEach(item, members)
	{
		bool known = false;
		for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			known = known || strcmp(item->string, allowed[i]) == 0;
		bad = bad || !known;
	}
	cJSON_ArrayForEach(item, lists)
	{
		const cJSON *v;
		bad = bad || !cJSON_IsArray(item);
		cJSON_ArrayForEach(v, item) bad =
			bad || !(cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v));
	}
	if (bad || !put_body(body, decode ? b64 : NULL, resp)) {
		cJSON_Delete(out);
		resp_clear(resp);
		front_message(resp, 502, error_message);
		return;
	}
	resp->status = sc->valueint;
	/* A name in both: the multi-value list wins. */
	cJSON_ArrayForEach(item, headers)
	{
		if (!cJSON_GetObjectItem(mv, item->string))
			add_header_value(resp, item->string, item);
	}
	cJSON_ArrayForEach(item, mv)
	{
		const cJSON *v;
		cJSON_ArrayForEach(v, item) add_header_value(resp, item->string, v);
	}
	cJSON_Delete(out);
}

void front_alb_error(struct http_resp *resp, int status)
{
	const char *title = status == 502   ? "502 Bad Gateway"
			    : status == 503 ? "503 Service Temporarily Unavailable"
					    : "404 Not Found";
	resp_clear(resp);
	resp->status = status;
	resp->content_type = "text/html";
	strbuf_addf(&resp->body,
		    "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1>"
		    "</center>\r\n</body>\r\n</html>\r\n",
		    title, title);
}

void front_answer_alb(const struct front_outcome *r, bool multi, struct http_resp *resp)
{
	cJSON *out =
		r->status == 200 && !r->function_error && r->body ? cJSON_Parse(r->body) : NULL;
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(out, "statusCode");
	const cJSON *headers = cJSON_GetObjectItemCaseSensitive(out, "headers");
	const cJSON *mv = cJSON_GetObjectItemCaseSensitive(out, "multiValueHeaders");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(out, "body");
	const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(out, "isBase64Encoded");
	bool bad = !cJSON_IsObject(out) || !cJSON_IsNumber(sc) || sc->valueint < 100 ||
		   sc->valueint > 599 || !scalar_map(headers) ||
		   (mv && !cJSON_IsObject(mv) && !cJSON_IsNull(mv)) ||
		   (body && !cJSON_IsString(body) && !cJSON_IsNull(body)) ||
		   (b64 && !cJSON_IsBool(b64));
	if (bad || !put_body(body, b64, resp)) {
		cJSON_Delete(out);
		front_alb_error(resp, 502);
		return;
	}
	resp->status = sc->valueint;
	const cJSON *item;
	/* With multi-value headers on, the load balancer reads multiValueHeaders only. */
	if (!multi)
		cJSON_ArrayForEach(item, headers) add_header_value(resp, item->string, item);
	const cJSON *lists = multi ? mv : NULL;
	cJSON_ArrayForEach(item, lists)
	{
		const cJSON *v;
		cJSON_ArrayForEach(v, item) add_header_value(resp, item->string, v);
	}
	cJSON_Delete(out);
}

void front_random_id(char *out, size_t n)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char hex[65];
	aws_random_hex(hex, n * 2 < 64 ? n * 2 : 64);
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = abc[v % 36];
	}
	out[n] = '\0';
}

void front_reply(struct http_resp *resp, int status, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	resp->status = status;
	strbuf_reset(&resp->body);
	strbuf_addstr(&resp->body, text);
	free(text);
}

/* ---- the APIs' documents ---- */

static pthread_mutex_t doc_mu = PTHREAD_MUTEX_INITIALIZER;

void front_doc_lock(void)
{
	pthread_mutex_lock(&doc_mu);
}

void front_doc_unlock(void)
{
	pthread_mutex_unlock(&doc_mu);
}

cJSON *front_doc_load(struct cloud *c, const char *id, const char *kind, char account[13])
{
	cJSON *doc = NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT account, doc FROM apigw_docs WHERE api_id=? AND kind=?", -1,
			       &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			if (account)
				snprintf(account, 13, "%s", sqlite3_column_text(q, 0));
			doc = cJSON_Parse((const char *)sqlite3_column_text(q, 1));
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return doc;
}

cJSON *front_doc_load_own(struct cloud *c, const char *account, const char *id, const char *kind)
{
	char owner[13] = "";
	cJSON *doc = front_doc_load(c, id, kind, owner);
	if (doc && strcmp(owner, account) != 0) {
		cJSON_Delete(doc);
		doc = NULL;
	}
	return doc;
}

void front_doc_save(struct cloud *c, const char *account, const char *id, const char *kind,
		    const cJSON *doc)
{
	char *text = cJSON_PrintUnformatted(doc);
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "INSERT OR REPLACE INTO apigw_docs(api_id, account, kind, doc)"
			       " VALUES(?,?,?,?)",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, text, -1, SQLITE_STATIC);
		sqlite3_step(q);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	free(text);
}

void front_doc_delete(struct cloud *c, const char *id)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db, "DELETE FROM apigw_docs WHERE api_id=?", -1, &q, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_step(q);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
}

cJSON *front_doc_list(struct cloud *c, const char *account, const char *kind)
{
	cJSON *all = cJSON_CreateArray();
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(
		    c->db->db,
		    "SELECT doc FROM apigw_docs WHERE account=? AND kind=? ORDER BY rowid", -1, &q,
		    NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW) {
			cJSON *d = cJSON_Parse((const char *)sqlite3_column_text(q, 0));
			if (d)
				cJSON_AddItemToArray(all, d);
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return all;
}

cJSON *front_doc_list_kind(struct cloud *c, const char *kind)
{
	cJSON *all = cJSON_CreateArray();
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db, "SELECT doc FROM apigw_docs WHERE kind=? ORDER BY rowid",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW) {
			cJSON *d = cJSON_Parse((const char *)sqlite3_column_text(q, 0));
			if (d)
				cJSON_AddItemToArray(all, d);
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return all;
}

cJSON *front_find_string(const cJSON *arr, const char *value)
{
	cJSON *item;
	cJSON_ArrayForEach(item, arr)
	{
		if (cJSON_IsString(item) && value && strcmp(item->valuestring, value) == 0)
			return item;
	}
	return NULL;
}

cJSON *front_find(const cJSON *arr, const char *key, const char *value)
{
	cJSON *item;
	cJSON_ArrayForEach(item, arr)
	{
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, key));
		if (v && value && strcmp(v, value) == 0)
			return item;
	}
	return NULL;
}

const char *front_str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}
