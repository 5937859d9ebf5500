/*
 * Function URLs: their configuration (Create, Get, Update, Delete and ListFunctionUrlConfigs,
 * table handlers of Lambda's row), of the function or of one of its aliases
 * (Qualifier; the row's function is then NAME:ALIAS), and their front door
 * (/_aws/lambda-url/<url-id>/<path>, or the Host <url-id>.lambda-url.localhost), which turns
 * a request into the function URL event, checks the URL's auth type and policy, and the
 * function's answer into the response by payload 2.0's rules.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/events.h"
#include "cloud/auth/auth.h"
#include "cloud/db.h"
#include "cloud/front/front.h"
#include "cloud/http/aws.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/policy.h"
#include "cloud/lambda/versions.h"
#include "cloud/state.h"
#include "core/clock.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define URL_PREFIX "/_aws/lambda-url/"

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

/* The URL row of a function or an alias (NAME:ALIAS): fills url_id (33 bytes), auth (16) and
 * created. */
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

/* Every URL of a function, its aliases' too, into arr. */
static void url_list(struct cloud *c, const char *account, const char *name, cJSON *arr)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT url_id, function, auth, created FROM apigw_urls WHERE"
			       " account=?1 AND (function=?2 OR substr(function, 1, length(?2) + 1)"
			       " = ?2 || ':') ORDER BY created, url_id",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW)
			cJSON_AddItemToArray(
				arr, url_json(c, (const char *)sqlite3_column_text(q, 0), account,
					      (const char *)sqlite3_column_text(q, 1),
					      (const char *)sqlite3_column_text(q, 2),
					      sqlite3_column_int64(q, 3)));
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
}

static void url_set_auth(struct cloud *c, const char *url_id, const char *auth)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db, "UPDATE apigw_urls SET auth=? WHERE url_id=?", -1, &q,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, auth, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, url_id, -1, SQLITE_STATIC);
		sqlite3_step(q);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
}

/* AuthType of a create or update: NONE or AWS_IAM; false with err filled. */
static bool auth_type_ok(const char *want, struct aws_err *err)
{
	if (want && (strcmp(want, "NONE") == 0 || strcmp(want, "AWS_IAM") == 0))
		return true;
	return aws_err_set(
		err, 400, "ValidationException",
		"1 validation error detected: Value '%s' at 'authType' failed to "
		"satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]",
		want ? want : "null");
}

static cJSON *url_create(struct cloud *c, const char *account, const char *name, bool have,
			 const char *want, struct aws_err *err)
{
	if (have) {
		aws_err_set(err, 409, "ResourceConflictException",
			    "Failed to create function url config for [functionArn = "
			    "arn:aws:lambda:" AWS_REGION_NAME ":%s:function:%s]. Error message:  "
			    "FunctionUrlConfig exists for this Lambda function",
			    account, name);
		return NULL;
	}
	char url_id[33];
	front_random_id(url_id, 32);
	long long created = clock_wall_ms();
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = db_prep(c->db, "INSERT INTO apigw_urls(url_id, account, function, auth,"
					 " created) VALUES(?,?,?,?,?)");
	if (q) {
		sqlite3_bind_text(q, 1, url_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, want, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 5, created);
		sqlite3_step(q);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return url_json(c, url_id, account, name, want, created);
}

static void url_delete(struct cloud *c, const char *url_id)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = db_prep(c->db, "DELETE FROM apigw_urls WHERE url_id=?");
	if (q) {
		sqlite3_bind_text(q, 1, url_id, -1, SQLITE_STATIC);
		sqlite3_step(q);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
}

/*
 * Create, Get, Update, DeleteFunctionUrlConfig and ListFunctionUrlConfigs (op), for clients
 * and other services alike. Lambda words a missing function apart: reads and deletes say the
 * resource does not exist, creates, updates and lists that the function does not.
 */
cJSON *lambda_url_op(struct cloud *c, const char *account, const char *op, const cJSON *in,
		     struct aws_err *err)
{
	bool list = strcmp(op, "ListFunctionUrlConfigs") == 0;
	bool get = strcmp(op, "GetFunctionUrlConfig") == 0;
	bool del = strcmp(op, "DeleteFunctionUrlConfig") == 0;
	bool create = strcmp(op, "CreateFunctionUrlConfig") == 0;
	bool update = strcmp(op, "UpdateFunctionUrlConfig") == 0;
	if (!(list || get || del || create || update)) {
		aws_err_set(err, 501, "NotImplemented", "The local cloud does not offer %s", op);
		return NULL;
	}
	const cJSON *fn_name = cJSON_GetObjectItemCaseSensitive(in, "FunctionName");
	const char *ref = cJSON_IsString(fn_name) ? fn_name->valuestring : "";
	char name[65], ref_account[13], qualifier[129];
	struct api_err e = { 0 };
	const char *missing = get || del ? "The resource you requested does not exist."
					 : "Function does not exist";
	if (!lambda_parse_ref(ref, name, ref_account, qualifier, &e)) {
		aws_err_set(err, e.status, e.type, "%s", e.msg);
		return NULL;
	}
	const cJSON *qv = list ? NULL : cJSON_GetObjectItemCaseSensitive(in, "Qualifier");
	const char *q = cJSON_IsString(qv) ? qv->valuestring : NULL;
	if (q && q[0]) {
		if (qualifier[0] && strcmp(q, qualifier) != 0) {
			aws_err_set(err, 400, "InvalidParameterValueException",
				    "The derived qualifier from the function name does not match "
				    "the specified qualifier.");
			return NULL;
		}
		snprintf(qualifier, sizeof(qualifier), "%s", q);
	}
	bool exists = false, alias = false;
	pthread_mutex_lock(&c->mu);
	const struct lfunc *fn = ref_account[0] && strcmp(ref_account, account) != 0
					 ? NULL
					 : lambda_fn_find(c, account, name);
	exists = fn != NULL;
	if (fn && qualifier[0])
		alias = lambda_alias_find(fn, qualifier) != NULL;
	pthread_mutex_unlock(&c->mu);
	if (!exists || (qualifier[0] && !alias)) {
		aws_err_set(err, 404, "ResourceNotFoundException", "%s", missing);
		return NULL;
	}
	if (list) {
		cJSON *o = cJSON_CreateObject();
		url_list(c, account, name, cJSON_AddArrayToObject(o, "FunctionUrlConfigs"));
		return o;
	}
	/* An alias's URL is its own row, under NAME:ALIAS. */
	char key[200];
	snprintf(key, sizeof(key), "%s%s%s", name, alias ? ":" : "", alias ? qualifier : "");
	char url_id[33], auth[16];
	long long created = 0;
	bool have = url_find(c, account, key, url_id, auth, &created);
	if (get || del) {
		if (!have) {
			aws_err_set(err, 404, "ResourceNotFoundException",
				    "The resource you requested does not exist.");
			return NULL;
		}
		if (get)
			return url_json(c, url_id, account, key, auth, created);
		url_delete(c, url_id);
		return cJSON_CreateObject();
	}
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(in, "AuthType");
	const char *want = cJSON_IsString(at) ? at->valuestring : NULL;
	const cJSON *mode = cJSON_GetObjectItemCaseSensitive(in, "InvokeMode");
	if (cJSON_GetObjectItemCaseSensitive(in, "Cors") ||
	    (cJSON_IsString(mode) && strcmp(mode->valuestring, "BUFFERED") != 0)) {
		aws_err_set(err, 501, "NotImplemented",
			    "The local cloud does not serve function URLs' Cors or response "
			    "streaming");
		return NULL;
	}
	if (create)
		return auth_type_ok(want, err) ? url_create(c, account, key, have, want, err)
					       : NULL;
	if (!have) {
		aws_err_set(err, 404, "ResourceNotFoundException",
			    "The resource you requested does not exist.");
		return NULL;
	}
	if (want && !auth_type_ok(want, err))
		return NULL;
	if (want) {
		url_set_auth(c, url_id, want);
		snprintf(auth, sizeof(auth), "%s", want);
	}
	cJSON *o = url_json(c, url_id, account, key, auth, created);
	char now[32];
	aws_time_iso(clock_wall_ms(), now);
	cJSON_ReplaceItemInObject(o, "LastModifiedTime", cJSON_CreateString(now));
	return o;
}

void lambda_url_door(struct cloud *c, const char *id, const char *path, const struct http_req *req,
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
		aws_err_release(&err);
	} else {
		/* An alias's URL is opened by the alias's policy. */
		char *colon = strchr(function, ':');
		if (colon)
			*colon = '\0';
		allowed = lambda_policy_allows_url(c, account, function, colon ? colon + 1 : NULL,
						   auth);
		if (colon)
			*colon = ':';
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
	struct front_outcome r = { 0 };
	if (front_invoke_traced(c, account, function, NULL, NULL, 0, ev,
				http_header(req, "X-Amzn-Trace-Id"), &r) == FRONT_CALLED)
		front_answer_v2(&r, resp);
	else
		front_message(resp, 502, "Internal Server Error");
	free(r.body);
	cJSON_Delete(ev);
	front_req_release(&fr);
}

void lambda_url_forget(struct cloud *c, const char *account, const char *function)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(
		    c->db->db,
		    "DELETE FROM apigw_urls WHERE account=?1 AND (?2 IS NULL OR function=?2 OR"
		    " substr(function, 1, length(?2) + 1) = ?2 || ':')",
		    -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, account, -1, SQLITE_STATIC);
		if (function)
			sqlite3_bind_text(q, 2, function, -1, SQLITE_STATIC);
		sqlite3_step(q);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
}
