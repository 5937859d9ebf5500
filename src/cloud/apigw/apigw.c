/*
 * Function URLs, HTTP API quick create, and their front doors.
 */
#include "cloud/apigw/apigw.h"

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/events/events.h"
#include "cloud/http/aws.h"
#include "cloud/lambda/lambda.h"
#include "cloud/state.h"
#include "core/clock.h"
#include "core/strutil.h"
#include "core/vec.h"
#include "core/xalloc.h"

#define URL_PREFIX "/_aws/lambda-url/"
#define API_PREFIX "/_aws/execute-api/"

bool apigw_start(struct cloud *c)
{
	pthread_mutex_lock(&c->db->mu);
	bool ok = cloud_db_exec(
		c->db, "CREATE TABLE IF NOT EXISTS apigw_urls(url_id TEXT PRIMARY KEY,"
		       " account TEXT NOT NULL, function TEXT NOT NULL, auth TEXT NOT NULL,"
		       " created INTEGER NOT NULL, UNIQUE(account, function)) STRICT;"
		       "CREATE TABLE IF NOT EXISTS apigw_apis(api_id TEXT PRIMARY KEY,"
		       " account TEXT NOT NULL, name TEXT NOT NULL, target TEXT,"
		       " created INTEGER NOT NULL) STRICT;");
	pthread_mutex_unlock(&c->db->mu);
	return ok;
}

static void reply(struct http_resp *resp, int status, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	resp->status = status;
	strbuf_addstr(&resp->body, text);
	free(text);
}

static void random_id(char *out, size_t n)
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

/* ---- function URLs ---- */

static cJSON *url_json(struct cloud *c, const char *url_id, const char *account,
		       const char *function, const char *auth, long long created)
{
	cJSON *o = cJSON_CreateObject();
	char *url = xasprintf("%s" URL_PREFIX "%s/", c->endpoint, url_id);
	cJSON_AddStringToObject(o, "FunctionUrl", url);
	free(url);
	char *arn =
		xasprintf("arn:aws:lambda:" AWS_REGION_NAME ":%s:function:%s", account, function);
	cJSON_AddStringToObject(o, "FunctionArn", arn);
	free(arn);
	cJSON_AddStringToObject(o, "AuthType", auth);
	char when[32];
	aws_time_iso(created, when);
	cJSON_AddStringToObject(o, "CreationTime", when);
	cJSON_AddStringToObject(o, "LastModifiedTime", when);
	cJSON_AddStringToObject(o, "InvokeMode", "BUFFERED");
	return o;
}

/* The URL row of a function: fills url_id (33 bytes), auth (16) and created. */
static bool url_find(struct cloud *c, const char *account, const char *function, char *url_id,
		     char *auth, long long *created)
{
	bool found = false;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT url_id, auth, created FROM apigw_urls WHERE account=? AND"
			       " function=?",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, function, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			found = true;
			snprintf(url_id, 33, "%s", sqlite3_column_text(q, 0));
			snprintf(auth, 16, "%s", sqlite3_column_text(q, 1));
			*created = sqlite3_column_int64(q, 2);
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return found;
}

static void url_api(struct cloud *c, const char *account, const struct http_req *req,
		    struct http_resp *resp)
{
	const char *p = req->path + strlen("/2021-10-31/functions/");
	const char *slash = strchr(p, '/');
	char name[65];
	if (!slash || strcmp(slash, "/url") != 0 || slash - p == 0 || slash - p > 64) {
		aws_error(resp, 404, "UnknownOperationException", "Unknown operation %s %s",
			  req->method, req->path);
		return;
	}
	memcpy(name, p, (size_t)(slash - p));
	name[slash - p] = '\0';
	if (str_starts_with(name, "arn:")) {
		const char *colon = strrchr(name, ':');
		memmove(name, colon + 1, strlen(colon + 1) + 1);
	}
	pthread_mutex_lock(&c->mu);
	bool exists = lambda_fn_find(c, account, name) != NULL;
	pthread_mutex_unlock(&c->mu);
	if (!exists) {
		aws_error(resp, 404, "ResourceNotFoundException",
			  "Function not found: arn:aws:lambda:" AWS_REGION_NAME ":%s:function:%s",
			  account, name);
		return;
	}
	char url_id[33], auth[16];
	long long created = 0;
	bool have = url_find(c, account, name, url_id, auth, &created);
	if (strcmp(req->method, "GET") == 0) {
		if (!have)
			aws_error(resp, 404, "ResourceNotFoundException",
				  "The resource you requested does not exist.");
		else
			reply(resp, 200, url_json(c, url_id, account, name, auth, created));
		return;
	}
	if (strcmp(req->method, "DELETE") == 0) {
		if (!have) {
			aws_error(resp, 404, "ResourceNotFoundException",
				  "The resource you requested does not exist.");
			return;
		}
		pthread_mutex_lock(&c->db->mu);
		sqlite3_stmt *q = NULL;
		if (sqlite3_prepare_v2(c->db->db, "DELETE FROM apigw_urls WHERE url_id=?", -1, &q,
				       NULL) == SQLITE_OK) {
			sqlite3_bind_text(q, 1, url_id, -1, SQLITE_STATIC);
			sqlite3_step(q);
		}
		sqlite3_finalize(q);
		pthread_mutex_unlock(&c->db->mu);
		resp->status = 204;
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		aws_error(resp, 405, "MethodNotAllowedException", "Method not allowed");
		return;
	}
	cJSON *in = cJSON_ParseWithLength(req->body, req->body_len);
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(in, "AuthType");
	const char *want = cJSON_IsString(at) ? at->valuestring : NULL;
	if (!cJSON_IsObject(in)) {
		aws_error(resp, 400, "InvalidRequestContentException",
			  "Could not parse request body into json");
	} else if (!want || (strcmp(want, "NONE") != 0 && strcmp(want, "AWS_IAM") != 0)) {
		aws_error(resp, 400, "ValidationException",
			  "1 validation error detected: Value '%s' at 'authType' failed to satisfy "
			  "constraint: Member must satisfy enum value set: [NONE, AWS_IAM]",
			  want ? want : "null");
	} else if (have) {
		aws_error(resp, 409, "ResourceConflictException",
			  "Failed to create function url config for [functionArn = "
			  "arn:aws:lambda:" AWS_REGION_NAME ":%s:function:%s]. Error message:  "
			  "FunctionUrlConfig exists for this Lambda function",
			  account, name);
	} else {
		random_id(url_id, 32);
		created = clock_wall_ms();
		pthread_mutex_lock(&c->db->mu);
		sqlite3_stmt *q = NULL;
		if (sqlite3_prepare_v2(c->db->db,
				       "INSERT INTO apigw_urls(url_id, account, function, auth,"
				       " created) VALUES(?,?,?,?,?)",
				       -1, &q, NULL) == SQLITE_OK) {
			sqlite3_bind_text(q, 1, url_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, account, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, name, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 4, want, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 5, created);
			sqlite3_step(q);
		}
		sqlite3_finalize(q);
		pthread_mutex_unlock(&c->db->mu);
		reply(resp, 201, url_json(c, url_id, account, name, want, created));
	}
	cJSON_Delete(in);
}

/* ---- HTTP APIs (quick create) ---- */

static cJSON *api_json(struct cloud *c, const char *id, const char *name, long long created)
{
	cJSON *o = cJSON_CreateObject();
	char *ep = xasprintf("%s" API_PREFIX "%s", c->endpoint, id);
	cJSON_AddStringToObject(o, "apiEndpoint", ep);
	free(ep);
	cJSON_AddStringToObject(o, "apiId", id);
	cJSON_AddStringToObject(o, "apiKeySelectionExpression", "$request.header.x-api-key");
	char when[32];
	aws_time_iso(created, when);
	cJSON_AddStringToObject(o, "createdDate", when);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "protocolType", "HTTP");
	cJSON_AddStringToObject(o, "routeSelectionExpression", "$request.method $request.path");
	return o;
}

static void apis_api(struct cloud *c, const char *account, const struct http_req *req,
		     struct http_resp *resp)
{
	const char *rest = req->path + strlen("/v2/apis");
	if ((!rest[0] || strcmp(rest, "/") == 0) && strcmp(req->method, "POST") == 0) {
		cJSON *in = cJSON_ParseWithLength(req->body, req->body_len);
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(in, "name"));
		const char *proto = cJSON_GetStringValue(cJSON_GetObjectItem(in, "protocolType"));
		const char *target = cJSON_GetStringValue(cJSON_GetObjectItem(in, "target"));
		if (!cJSON_IsObject(in) || !name || !proto) {
			aws_json_error(resp, 400, "BadRequestException",
				       "Invalid request: name and protocolType are required");
		} else if (strcmp(proto, "HTTP") != 0) {
			aws_json_error(resp, 400, "BadRequestException",
				       "The local cloud serves HTTP APIs only, not %s", proto);
		} else {
			char id[11];
			random_id(id, 10);
			long long now = clock_wall_ms();
			pthread_mutex_lock(&c->db->mu);
			sqlite3_stmt *q = NULL;
			if (sqlite3_prepare_v2(
				    c->db->db,
				    "INSERT INTO apigw_apis(api_id, account, name, target,"
				    " created) VALUES(?,?,?,?,?)",
				    -1, &q, NULL) == SQLITE_OK) {
				sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
				sqlite3_bind_text(q, 2, account, -1, SQLITE_STATIC);
				sqlite3_bind_text(q, 3, name, -1, SQLITE_STATIC);
				if (target)
					sqlite3_bind_text(q, 4, target, -1, SQLITE_STATIC);
				sqlite3_bind_int64(q, 5, now);
				sqlite3_step(q);
			}
			sqlite3_finalize(q);
			pthread_mutex_unlock(&c->db->mu);
			resp->status = 201;
			reply(resp, 201, api_json(c, id, name, now));
		}
		cJSON_Delete(in);
		return;
	}
	if (strcmp(req->method, "GET") != 0) {
		aws_json_error(resp, 404, "NotFoundException", "Unknown operation %s %s",
			       req->method, req->path);
		return;
	}
	const char *one = rest[0] == '/' && rest[1] ? rest + 1 : NULL;
	cJSON *items = cJSON_CreateArray();
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT api_id, name, created FROM apigw_apis WHERE account=?"
			       " AND (?2 IS NULL OR api_id=?2) ORDER BY created",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, account, -1, SQLITE_STATIC);
		if (one)
			sqlite3_bind_text(q, 2, one, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW)
			cJSON_AddItemToArray(items,
					     api_json(c, (const char *)sqlite3_column_text(q, 0),
						      (const char *)sqlite3_column_text(q, 1),
						      sqlite3_column_int64(q, 2)));
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	if (one) {
		cJSON *first = cJSON_DetachItemFromArray(items, 0);
		cJSON_Delete(items);
		if (!first)
			aws_json_error(resp, 404, "NotFoundException",
				       "Invalid API identifier specified");
		else
			reply(resp, 200, first);
		return;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "items", items);
	reply(resp, 200, out);
}

/* ---- front doors ---- */

struct hdrs {
	struct vec v;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	(void)kind;
	struct hdrs *h = cls;
	vec_push(&h->v, (void *)key);
	vec_push(&h->v, (void *)(value ? value : ""));
	return MHD_YES;
}

/* Turn the handler's answer into the response, by payload 2.0's rules. */
static void answer_v2(const struct lambda_outcome *r, struct http_resp *resp)
{
	static const char internal[] = "{\"message\":\"Internal Server Error\"}";
	if (r->status != 200 || r->function_error || !r->body) {
		resp->status = 502;
		strbuf_addstr(&resp->body, internal);
		return;
	}
	cJSON *out = cJSON_Parse(r->body);
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(out, "statusCode");
	if (!cJSON_IsObject(out) || !sc) {
		/* A plain value: a 200 with the value as a JSON body. */
		cJSON_Delete(out);
		strbuf_addstr(&resp->body, r->body);
		return;
	}
	const cJSON *headers = cJSON_GetObjectItemCaseSensitive(out, "headers");
	const cJSON *cookies = cJSON_GetObjectItemCaseSensitive(out, "cookies");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(out, "body");
	const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(out, "isBase64Encoded");
	bool bad = !cJSON_IsNumber(sc) || sc->valueint < 100 || sc->valueint > 599 ||
		   (headers && !cJSON_IsObject(headers) && !cJSON_IsNull(headers)) ||
		   (cookies && !cJSON_IsArray(cookies) && !cJSON_IsNull(cookies)) ||
		   (body && !cJSON_IsString(body) && !cJSON_IsNull(body)) ||
		   (b64 && !cJSON_IsBool(b64));
	unsigned char *raw = NULL;
	size_t raw_len = 0;
	if (!bad && cJSON_IsString(body) && cJSON_IsTrue(b64)) {
		raw = aws_base64_decode(body->valuestring, strlen(body->valuestring), &raw_len);
		bad = raw == NULL;
	}
	if (bad) {
		cJSON_Delete(out);
		free(raw);
		resp->status = 502;
		strbuf_addstr(&resp->body, internal);
		return;
	}
	resp->status = sc->valueint;
	const cJSON *h;
	cJSON_ArrayForEach(h, headers)
	{
		if (cJSON_IsString(h))
			http_resp_header(resp, h->string, h->valuestring);
		else if (cJSON_IsNumber(h))
			http_resp_headerf(resp, h->string, "%g", h->valuedouble);
		else if (cJSON_IsBool(h))
			http_resp_header(resp, h->string, cJSON_IsTrue(h) ? "true" : "false");
	}
	cJSON_ArrayForEach(h, cookies)
	{
		if (cJSON_IsString(h))
			http_resp_header(resp, "Set-Cookie", h->valuestring);
	}
	if (raw)
		strbuf_add(&resp->body, (const char *)raw, raw_len);
	else if (cJSON_IsString(body))
		strbuf_addstr(&resp->body, body->valuestring);
	free(raw);
	cJSON_Delete(out);
}

static bool is_text(const char *ct)
{
	return !ct || str_starts_with(ct, "text/") || strstr(ct, "json") || strstr(ct, "xml") ||
	       strstr(ct, "x-www-form-urlencoded") || strstr(ct, "javascript");
}

static void front_door(struct cloud *c, const struct http_req *req, bool url,
		       struct http_resp *resp)
{
	const char *p = req->path + strlen(url ? URL_PREFIX : API_PREFIX);
	size_t idlen = strcspn(p, "/");
	char id[40];
	static const char not_found[] = "{\"message\":\"Not Found\"}";
	if (idlen == 0 || idlen >= sizeof(id)) {
		resp->status = 404;
		strbuf_addstr(&resp->body, not_found);
		return;
	}
	memcpy(id, p, idlen);
	id[idlen] = '\0';
	const char *path = p[idlen] ? p + idlen : "/";
	char account[13] = "", function[200] = "";
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       url ? "SELECT account, function FROM apigw_urls WHERE url_id=?"
				   : "SELECT account, target FROM apigw_apis WHERE api_id=?",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			snprintf(account, sizeof(account), "%s", sqlite3_column_text(q, 0));
			const char *f = (const char *)sqlite3_column_text(q, 1);
			snprintf(function, sizeof(function), "%s", f ? f : "");
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	if (!account[0] || !function[0]) {
		resp->status = 404;
		strbuf_addstr(&resp->body, not_found);
		return;
	}
	const char *fname = strrchr(function, ':') ? strrchr(function, ':') + 1 : function;
	if (str_starts_with(function, "arn:")) {
		/* arn:aws:lambda:REGION:ACCOUNT:function:NAME */
		const char *fn_part = strstr(function, ":function:");
		fname = fn_part ? fn_part + strlen(":function:") : fname;
	}
	char name[65];
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(fname, ":"), fname);
	pthread_mutex_lock(&c->mu);
	struct lfunc *fn = lambda_fn_find(c, account, name);
	if (fn)
		lambda_fn_ref(fn);
	pthread_mutex_unlock(&c->mu);
	if (!fn) {
		resp->status = url ? 502 : 500;
		strbuf_addstr(&resp->body, "{\"message\":\"Internal Server Error\"}");
		return;
	}
	/* The query string, rebuilt from its (decoded) arguments. */
	struct hdrs hs = { VEC_INIT };
	struct strbuf query = STRBUF_INIT;
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, collect, &hs);
	vec_push(&hs.v, NULL);
	struct hdrs qs = { VEC_INIT };
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect, &qs);
	for (size_t i = 0; i + 1 < qs.v.len; i += 2) {
		if (query.len)
			strbuf_addch(&query, '&');
		strbuf_addstr(&query, qs.v.items[i]);
		if (((const char *)qs.v.items[i + 1])[0]) {
			strbuf_addch(&query, '=');
			strbuf_addstr(&query, qs.v.items[i + 1]);
		}
	}
	char rid[37];
	aws_uuid(rid);
	struct events_http h = {
		.method = req->method,
		.path = path,
		.query = strbuf_str(&query),
		.headers = (const char *const *)hs.v.items,
		.body = req->body_len ? req->body : NULL,
		.body_len = req->body_len,
		.body_base64 = !is_text(http_header(req, "Content-Type")),
		.source_ip = "127.0.0.1",
		.account = account,
		.api_id = id,
		.stage = "$default",
		.request_id = rid,
		.epoch_ms = clock_wall_ms(),
	};
	cJSON *ev = url ? events_function_url(&h, id) : events_apigw_v2(&h, "$default");
	char *payload = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	struct lambda_outcome r = { 0 };
	lambda_invoke_internal(c, fn, payload, strlen(payload), NULL, &r);
	free(payload);
	pthread_mutex_lock(&c->mu);
	lambda_fn_unref(fn);
	pthread_mutex_unlock(&c->mu);
	answer_v2(&r, resp);
	if (!url)
		http_resp_header(resp, "apigw-requestid", rid);
	free(r.body);
	vec_release(&hs.v);
	vec_release(&qs.v);
	strbuf_release(&query);
}

bool apigw_route(struct cloud *c, const char *account, const struct http_req *req,
		 struct http_resp *resp)
{
	if (str_starts_with(req->path, URL_PREFIX)) {
		front_door(c, req, true, resp);
		return true;
	}
	if (str_starts_with(req->path, API_PREFIX)) {
		front_door(c, req, false, resp);
		return true;
	}
	if (str_starts_with(req->path, "/2021-10-31/functions/")) {
		url_api(c, account, req, resp);
		return true;
	}
	if (str_starts_with(req->path, "/v2/apis")) {
		apis_api(c, account, req, resp);
		return true;
	}
	return false;
}
