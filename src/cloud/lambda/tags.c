/*
 * Functions' tags, with Lambda's checks in Lambda's order: the resource ARN's form, a
 * version or alias named, the function's existence, then the tags themselves (at most 50).
 */
#include "cloud/lambda/tags.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "cloud/http/aws.h"
#include "cloud/lambda/lambda.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "cloud/svc/svc.h"
#include "core/strutil.h"

#define TAGS_MAX 50

/* Lambda's pattern for a taggable resource, as its validation message quotes it. */
#define RESOURCE_PATTERN                                                                         \
	"arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{" \
	"12}:"                                                                                   \
	"(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-"    \
	"signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-" \
	"9a-"                                                                                    \
	"fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)"

/* The function a Resource names, in the caller's account: its name into name, or false with
 * err (Lambda's error for a malformed ARN, a qualified one, another resource, none such). */
static bool resource_function(struct svc_call *call, const cJSON *in, char name[65],
			      struct aws_err *err)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(in, "Resource");
	const char *res = cJSON_IsString(r) ? r->valuestring : "";
	struct arn a;
	struct arn_function f;
	bool lambda = arn_parse(res, &a) && str_starts_with(a.partition, "aws") &&
		      strcmp(a.service, "lambda") == 0 && strlen(a.account) == 12;
	if (lambda && str_starts_with(a.resource, "function:") && arn_function_parse(res, &f)) {
		if (f.qualifier[0])
			return aws_err_set(err, 400, "InvalidParameterValueException",
					   "Tags on function aliases and versions are not "
					   "supported. Please specify a function ARN.");
		snprintf(name, 65, "%s", f.name);
		struct cloud *c = call->cloud;
		pthread_mutex_lock(&c->mu);
		bool there = strcmp(f.account, call->caller->account) == 0 &&
			     lambda_fn_find(c, call->caller->account, f.name) != NULL;
		pthread_mutex_unlock(&c->mu);
		if (!there)
			return aws_err_set(err, 404, "ResourceNotFoundException",
					   "Function not found: %s", res);
		return true;
	}
	static const char *const others[] = { "layer:", "code-signing-config:",
					      "event-source-mapping:", "capacity-provider:", NULL };
	for (const char *const *o = others; lambda && *o; o++)
		if (str_starts_with(a.resource, *o))
			return aws_err_set(err, 400, "InvalidParameterValueException",
					   "The local cloud tags functions only: %s is not one.",
					   res);
	return aws_err_set(
		err, 400, "ValidationException",
		"1 validation error detected: Value '%s' at 'resource' failed to satisfy "
		"constraint: Member must satisfy regular expression pattern: " RESOURCE_PATTERN,
		res);
}

static int count_tags(struct cloud *c, const char *account, const char *function)
{
	int n = 0;
	sqlite3_stmt *st = db_prep(c->db, "SELECT count(*) FROM lambda_tags WHERE account=? AND"
					  " function=?");
	if (st) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, function, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	return n;
}

/* How many of tags' keys the function does not have yet. Caller holds db->mu. */
static int new_keys(struct cloud *c, const char *account, const char *function, const cJSON *tags)
{
	int n = 0;
	sqlite3_stmt *st = db_prep(c->db, "SELECT 1 FROM lambda_tags WHERE account=? AND function=?"
					  " AND key=?");
	const cJSON *t;
	cJSON_ArrayForEach(t, tags)
	{
		if (!st)
			break;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, function, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, t->string, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW)
			n++;
	}
	sqlite3_finalize(st);
	return n;
}

static void put_tags(struct cloud *c, const char *account, const char *function, const cJSON *tags)
{
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT OR REPLACE INTO lambda_tags(account, function, key,"
			       " value) VALUES(?,?,?,?)");
	const cJSON *t;
	cJSON_ArrayForEach(t, tags)
	{
		if (!st)
			break;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, function, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, t->string, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, cJSON_IsString(t) ? t->valuestring : "", -1,
				  SQLITE_STATIC);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
}

bool lambda_tags_check(const cJSON *tags, struct aws_err *err)
{
	if (!tags || cJSON_IsNull(tags))
		return true;
	const cJSON *t;
	cJSON_ArrayForEach(t, tags)
	{
		if (!cJSON_IsString(t))
			return aws_err_set(err, 400, "InvalidRequestContentException",
					   "Could not parse request body into json: Tags values "
					   "must be strings");
	}
	if (cJSON_GetArraySize(tags) > TAGS_MAX)
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "Number of tags exceeds resource tag limit.");
	return true;
}

void lambda_tags_set(struct cloud *c, const char *account, const char *function, const cJSON *tags)
{
	if (!tags || !tags->child)
		return;
	pthread_mutex_lock(&c->db->mu);
	put_tags(c, account, function, tags);
	pthread_mutex_unlock(&c->db->mu);
}

cJSON *lambda_tags_of(struct cloud *c, const char *account, const char *function)
{
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = db_prep(c->db, "SELECT key, value FROM lambda_tags WHERE account=? AND"
					  " function=? ORDER BY key");
	if (st) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, function, -1, SQLITE_STATIC);
	}
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		if (!out)
			out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, (const char *)sqlite3_column_text(st, 0),
					(const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

void lambda_tags_forget(struct cloud *c, const char *account, const char *function)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = db_prep(c->db, function ? "DELETE FROM lambda_tags WHERE account=? AND"
						     " function=?"
						   : "DELETE FROM lambda_tags WHERE account=?");
	if (st) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		if (function)
			sqlite3_bind_text(st, 2, function, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
}

cJSON *lambda_op_tag_resource(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	char name[65];
	if (!resource_function(call, in, name, err))
		return NULL;
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(in, "Tags");
	if (!cJSON_IsObject(tags) || !tags->child)
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "An error occurred and the request cannot be processed."),
		       NULL;
	if (!lambda_tags_check(tags, err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	pthread_mutex_lock(&c->db->mu);
	bool over = count_tags(c, account, name) + new_keys(c, account, name, tags) > TAGS_MAX;
	if (!over)
		put_tags(c, account, name, tags);
	pthread_mutex_unlock(&c->db->mu);
	if (over)
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "Number of tags exceeds resource tag limit."),
		       NULL;
	return cJSON_CreateObject();
}

cJSON *lambda_op_untag_resource(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	char name[65];
	if (!resource_function(call, in, name, err))
		return NULL;
	const cJSON *keys = cJSON_GetObjectItemCaseSensitive(in, "TagKeys");
	if (!cJSON_IsArray(keys))
		return aws_err_set(err, 400, "ValidationException",
				   "1 validation error detected: Value null at 'tagKeys' failed "
				   "to satisfy constraint: Member must not be null"),
		       NULL;
	struct cloud *c = call->cloud;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st =
		db_prep(c->db, "DELETE FROM lambda_tags WHERE account=? AND function=? AND"
			       " key=?");
	const cJSON *k;
	cJSON_ArrayForEach(k, keys)
	{
		if (!st || !cJSON_IsString(k))
			continue;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, call->caller->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, k->valuestring, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return cJSON_CreateObject();
}

cJSON *lambda_op_list_tags(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	char name[65];
	if (!resource_function(call, in, name, err))
		return NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON *tags = lambda_tags_of(call->cloud, call->caller->account, name);
	cJSON_AddItemToObject(out, "Tags", tags ? tags : cJSON_CreateObject());
	return out;
}
