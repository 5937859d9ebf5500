/*
 * Function URLs, HTTP API quick create, and their front doors.
 */
#include "cloud/apigw/apigw.h"
#include "cloud/auth/auth.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/apigw/alb.h"
#include "cloud/apigw/front.h"
#include "cloud/apigw/httpapi.h"
#include "cloud/apigw/rest.h"
#include "cloud/db.h"
#include "cloud/events/events.h"
#include "cloud/http/aws.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/policy.h"
#include "cloud/state.h"
#include "core/clock.h"
#include "core/strutil.h"
#include "core/vec.h"
#include "core/xalloc.h"

#define URL_PREFIX "/_aws/lambda-url/"
#define API_PREFIX "/_aws/execute-api/"
#define ALB_PREFIX "/_aws/elb/"

/* Move the HTTP APIs of an older workspace (a row each, made by quick create) into documents. */
static void migrate_apis(struct cloud *c)
{
	struct vec rows = VEC_INIT;
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT api_id, account, name, target, created FROM apigw_apis", -1,
			       &q, NULL) == SQLITE_OK) {
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *target = (const char *)sqlite3_column_text(q, 3);
			cJSON *doc = httpapi_quick_doc((const char *)sqlite3_column_text(q, 0),
						       (const char *)sqlite3_column_text(q, 2),
						       target, NULL, sqlite3_column_int64(q, 4));
			vec_push(&rows, xstrdup((const char *)sqlite3_column_text(q, 1)));
			vec_push(&rows, doc);
		}
	}
	sqlite3_finalize(q);
	for (size_t i = 0; i + 1 < rows.len; i += 2) {
		char *text = cJSON_PrintUnformatted(rows.items[i + 1]);
		if (sqlite3_prepare_v2(
			    c->db->db,
			    "INSERT OR IGNORE INTO apigw_docs(api_id, account, kind, doc)"
			    " VALUES(?,?,'HTTP',?)",
			    -1, &q, NULL) == SQLITE_OK) {
			sqlite3_bind_text(q, 1, front_str(rows.items[i + 1], "apiId"), -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(q, 2, rows.items[i], -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, text, -1, SQLITE_STATIC);
			sqlite3_step(q);
		}
		sqlite3_finalize(q);
		free(text);
		free(rows.items[i]);
		cJSON_Delete(rows.items[i + 1]);
	}
	vec_release(&rows);
	cloud_db_exec(c->db, "DELETE FROM apigw_apis;");
}

bool apigw_start(struct cloud *c)
{
	pthread_mutex_lock(&c->db->mu);
	bool ok = cloud_db_exec(
		c->db, "CREATE TABLE IF NOT EXISTS apigw_urls(url_id TEXT PRIMARY KEY,"
		       " account TEXT NOT NULL, function TEXT NOT NULL, auth TEXT NOT NULL,"
		       " created INTEGER NOT NULL, UNIQUE(account, function)) STRICT;"
		       "CREATE TABLE IF NOT EXISTS apigw_apis(api_id TEXT PRIMARY KEY,"
		       " account TEXT NOT NULL, name TEXT NOT NULL, target TEXT,"
		       " created INTEGER NOT NULL) STRICT;"
		       "CREATE TABLE IF NOT EXISTS apigw_docs(api_id TEXT PRIMARY KEY,"
		       " account TEXT NOT NULL, kind TEXT NOT NULL, doc TEXT NOT NULL) STRICT;");
	if (ok)
		migrate_apis(c);
	pthread_mutex_unlock(&c->db->mu);
	return ok;
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
			front_reply(resp, 200, url_json(c, url_id, account, name, auth, created));
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
		front_random_id(url_id, 32);
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
		front_reply(resp, 201, url_json(c, url_id, account, name, want, created));
	}
	cJSON_Delete(in);
}

/* ---- front doors ---- */

static void url_door(struct cloud *c, const char *id, const char *path, const struct http_req *req,
		     struct http_resp *resp)
{
	char account[13] = "", function[200] = "", auth[16] = "";
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT account, function, auth FROM apigw_urls WHERE url_id=?", -1,
			       &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			snprintf(account, sizeof(account), "%s", sqlite3_column_text(q, 0));
			snprintf(function, sizeof(function), "%s", sqlite3_column_text(q, 1));
			snprintf(auth, sizeof(auth), "%s", sqlite3_column_text(q, 2));
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	if (!account[0]) {
		front_message(resp, 404, "Not Found");
		return;
	}
	/*
	 * AWS_IAM wants a request signed by the function's own account (another account would
	 * need the function's policy to name it); NONE wants the resource-based policy to open
	 * the URL to everyone (add-permission --action lambda:InvokeFunctionUrl --principal
	 * '*'), as AWS does. Every refusal is the same 403.
	 */
	bool allowed;
	if (strcmp(auth, "AWS_IAM") == 0) {
		struct svc_caller caller;
		struct aws_err err = { 0 };
		allowed = auth_identify(c, req, "lambda", &caller, &err) &&
			  strcmp(caller.account, account) == 0;
		cJSON_Delete(err.fields);
	} else {
		allowed = lambda_policy_allows_url(c, account, function, auth);
	}
	if (!allowed) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Message", "Forbidden");
		front_reply(resp, 403, o);
		http_resp_header(resp, "x-amzn-ErrorType", "AccessDeniedException");
		return;
	}
	struct front_req fr;
	front_req_init(&fr, req, path, account, id, "$default");
	cJSON *ev = events_function_url(&fr.h, id);
	struct lambda_outcome r = { 0 };
	if (front_invoke(c, account, function, NULL, NULL, 0, ev, &r) == FRONT_CALLED)
		front_answer_v2(&r, resp);
	else
		front_message(resp, 502, "Internal Server Error");
	free(r.body);
	cJSON_Delete(ev);
	front_req_release(&fr);
}

/* An API's front door: a REST API's stage, an HTTP API's, or 404. */
static void api_door(struct cloud *c, const char *id, const char *path, const struct http_req *req,
		     struct http_resp *resp)
{
	if (!rest_serve(c, id, path, req, resp) && !httpapi_serve(c, id, path, req, resp))
		front_message(resp, 404, "Not Found");
}

/*
 * Split "<id>/<path>" after a door's prefix: id into out (n bytes), the path (from its '/')
 * returned; NULL when there is no id.
 */
static const char *door_id(const char *p, char *out, size_t n)
{
	size_t len = strcspn(p, "/");
	if (len == 0 || len >= n)
		return NULL;
	memcpy(out, p, len);
	out[len] = '\0';
	return p[len] ? p + len : "/";
}

/* The door a Host header names: <id>.execute-api.localhost[...] (API Gateway's own domain
 * shape, LocalStack's localhost.localstack.cloud too), <id>.lambda-url.localhost[...] or
 * <name>.elb.localhost[...] (a load balancer's DNSName). Fills id; returns the door's kind
 * ('a', 'u', 'l') or 0. */
static char host_door(const struct http_req *req, char id[64])
{
	const char *host = http_header(req, "Host");
	if (!host)
		return 0;
	size_t len = strcspn(host, ".");
	if (len == 0 || len >= 64 || host[len] != '.')
		return 0;
	const char *rest = host + len + 1;
	char kind = str_starts_with(rest, "execute-api.")  ? 'a'
		    : str_starts_with(rest, "lambda-url.") ? 'u'
		    : str_starts_with(rest, "elb.")        ? 'l'
							   : 0;
	if (kind) {
		memcpy(id, host, len);
		id[len] = '\0';
	}
	return kind;
}

bool apigw_is_door(const struct http_req *req)
{
	char id[64];
	return host_door(req, id) || str_starts_with(req->path, URL_PREFIX) ||
	       str_starts_with(req->path, API_PREFIX) || str_starts_with(req->path, ALB_PREFIX) ||
	       (str_starts_with(req->path, "/restapis/") && strstr(req->path, "/_user_request_"));
}

bool apigw_route(struct cloud *c, const char *account, const struct http_req *req,
		 struct http_resp *resp)
{
	char id[64];
	const char *path;
	char kind = host_door(req, id);
	if (kind == 'u')
		url_door(c, id, req->path, req, resp);
	else if (kind == 'a')
		api_door(c, id, req->path, req, resp);
	else if (kind == 'l')
		alb_serve(c, id, req->path, req, resp);
	if (kind)
		return true;
	if (str_starts_with(req->path, URL_PREFIX)) {
		path = door_id(req->path + strlen(URL_PREFIX), id, sizeof(id));
		if (path)
			url_door(c, id, path, req, resp);
		else
			front_message(resp, 404, "Not Found");
		return true;
	}
	if (str_starts_with(req->path, API_PREFIX)) {
		path = door_id(req->path + strlen(API_PREFIX), id, sizeof(id));
		if (path)
			api_door(c, id, path, req, resp);
		else
			front_message(resp, 404, "Not Found");
		return true;
	}
	if (str_starts_with(req->path, ALB_PREFIX)) {
		path = door_id(req->path + strlen(ALB_PREFIX), id, sizeof(id));
		if (path)
			alb_serve(c, id, path, req, resp);
		else
			front_alb_error(resp, 503);
		return true;
	}
	if (alb_is_api(req)) {
		alb_api(c, account, req, resp);
		return true;
	}
	/* LocalStack's path to a REST API stage: /restapis/<id>/<stage>/_user_request_/<path> */
	const char *user = strstr(req->path, "/_user_request_");
	if (str_starts_with(req->path, "/restapis/") && user) {
		char stage_path[512];
		path = door_id(req->path + strlen("/restapis/"), id, sizeof(id));
		size_t slen = path ? (size_t)(user - path) : 0;
		const char *rest = user + strlen("/_user_request_");
		snprintf(stage_path, sizeof(stage_path), "%.*s%s", (int)slen, path ? path : "",
			 rest[0] ? rest : "/");
		if (!path || !rest_serve(c, id, stage_path, req, resp))
			front_message(resp, 404, "Not Found");
		return true;
	}
	if (str_starts_with(req->path, "/restapis")) {
		rest_api(c, account, req, resp);
		return true;
	}
	if (str_starts_with(req->path, "/2021-10-31/functions/")) {
		url_api(c, account, req, resp);
		return true;
	}
	if (str_starts_with(req->path, "/v2/apis")) {
		httpapi_api(c, account, req, resp);
		return true;
	}
	return false;
}
