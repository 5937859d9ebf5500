/*
 * The least-privilege report of a function (iam.h's iam_report()): from the calls its
 * execution sessions made (each authorized and counted by iam_authorize()), which grants of
 * its role were used, which were never used, and the smallest policy that would have
 * allowed every call it made — the idea of IAM Access Analyzer's policy generation. Served
 * on the control socket as GET /_tutor/iam/report/FUNCTION.
 */
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/http/aws.h"
#include "cloud/http/server.h"
#include "cloud/iam/iam.h"
#include "cloud/iam/store.h"
#include "cloud/lambda/lambda.h"
#include "cloud/state.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

struct call_row {
	char *action, *resource;
	long long count;
	int decision;
};

static const char *decision_name(int d)
{
	return d == IAM_ALLOW ? "allowed" : d == IAM_DENY_EXPLICIT ? "explicitly denied" : "denied";
}

/* The calls of function's sessions in account, and the role they were made as (the last). */
static struct call_row *calls_of(struct cloud *c, const char *account, const char *function,
				 char *role, size_t rn, size_t *n)
{
	struct call_row *v = NULL;
	*n = 0;
	role[0] = '\0';
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT role, action, resource, decision, count FROM iam_usage WHERE"
			       " account = ?1 AND session = ?2 ORDER BY action, resource",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, function, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			v = xrealloc(v, (*n + 1) * sizeof(*v));
			snprintf(role, rn, "%s", (const char *)sqlite3_column_text(st, 0));
			v[*n] = (struct call_row){
				xstrdup((const char *)sqlite3_column_text(st, 1)),
				xstrdup((const char *)sqlite3_column_text(st, 2)),
				sqlite3_column_int64(st, 4), sqlite3_column_int(st, 3)
			};
			(*n)++;
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return v;
}

/* Whether a one-statement, one-action Allow grants one of the allowed calls. */
static bool grant_used(const char *action, const cJSON *st, const char *account,
		       const char *principal, const struct call_row *calls, size_t ncalls)
{
	cJSON *one = cJSON_Duplicate(st, true);
	cJSON_DeleteItemFromObjectCaseSensitive(one, "Action");
	cJSON_DeleteItemFromObjectCaseSensitive(one, "NotAction");
	cJSON_DeleteItemFromObjectCaseSensitive(one, "Sid");
	cJSON_AddStringToObject(one, action[0] == '!' ? "NotAction" : "Action",
				action[0] == '!' ? action + 1 : action);
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "Version", "2012-10-17");
	cJSON_AddItemToObject(doc, "Statement", one);
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	char msg[256], sid[128];
	struct iam_policy *p = iam_policy_parse(text, IAM_POLICY_IDENTITY, msg, sizeof(msg));
	free(text);
	bool used = false;
	for (size_t i = 0; p && i < ncalls && !used; i++) {
		if (calls[i].decision != IAM_ALLOW)
			continue;
		struct iam_request req = { .principal = principal,
					   .principal_account = account,
					   .action = calls[i].action,
					   .resource = calls[i].resource };
		used = iam_policy_matches(p, true, &req, sid, sizeof(sid));
	}
	iam_policy_free(p);
	return used;
}

static cJSON *resources_of(const cJSON *st)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(st, "Resource");
	const cJSON *nr = cJSON_GetObjectItemCaseSensitive(st, "NotResource");
	if (r)
		return cJSON_Duplicate(r, true);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "NotResource", cJSON_Duplicate(nr, true));
	return o;
}

/* Sort the role's grants into used and unused. */
static void grants(struct cloud *c, const char *account, const char *role,
		   const struct call_row *calls, size_t ncalls, cJSON *used, cJSON *unused)
{
	char **names, **docs;
	size_t n;
	char principal[400];
	snprintf(principal, sizeof(principal), "arn:aws:sts::%s:assumed-role/%s/report", account,
		 role);
	iam_store_role_documents(c, account, role, &names, &docs, &n);
	for (size_t i = 0; i < n; i++) {
		cJSON *doc = cJSON_Parse(docs[i]);
		cJSON *sts = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
		cJSON *list = cJSON_IsArray(sts) ? sts : NULL;
		for (cJSON *st = list ? list->child : sts; st; st = list ? st->next : NULL) {
			const cJSON *e = cJSON_GetObjectItemCaseSensitive(st, "Effect");
			if (!cJSON_IsString(e) || strcmp(e->valuestring, "Allow") != 0)
				continue;
			const cJSON *a = cJSON_GetObjectItemCaseSensitive(st, "Action");
			const cJSON *na = cJSON_GetObjectItemCaseSensitive(st, "NotAction");
			const cJSON *acts = a ? a : na;
			bool one = cJSON_IsString(acts);
			for (const cJSON *x = one    ? acts
					      : acts ? acts->child
						     : NULL;
			     x; x = one ? NULL : x->next) {
				if (!cJSON_IsString(x))
					continue;
				char action[300];
				snprintf(action, sizeof(action), "%s%s", a ? "" : "!",
					 x->valuestring);
				bool u = grant_used(action, st, account, principal, calls, ncalls);
				cJSON *g = cJSON_CreateObject();
				cJSON_AddStringToObject(g, "policy", names[i]);
				cJSON_AddStringToObject(g, a ? "action" : "notAction",
							x->valuestring);
				cJSON_AddItemToObject(g, "resource", resources_of(st));
				cJSON_AddItemToArray(u ? used : unused, g);
			}
		}
		cJSON_Delete(doc);
		free(names[i]);
		free(docs[i]);
	}
	free(names);
	free(docs);
}

/* The smallest policy allowing every call made: resources grouped by identical actions. */
static cJSON *draft(const struct call_row *calls, size_t ncalls)
{
	cJSON *by_resource = cJSON_CreateObject(); /* resource -> [actions] */
	for (size_t i = 0; i < ncalls; i++) {
		cJSON *acts = cJSON_GetObjectItemCaseSensitive(by_resource, calls[i].resource);
		if (!acts)
			acts = cJSON_AddArrayToObject(by_resource, calls[i].resource);
		bool have = false;
		const cJSON *x;
		cJSON_ArrayForEach(x, acts)
		{
			have |= strcmp(x->valuestring, calls[i].action) == 0;
		}
		if (!have)
			cJSON_AddItemToArray(acts, cJSON_CreateString(calls[i].action));
	}
	cJSON *statements = cJSON_CreateArray();
	for (cJSON *r = by_resource->child; r; r = r->next) {
		cJSON *same = NULL;
		cJSON *st;
		cJSON_ArrayForEach(st, statements)
		{
			if (cJSON_Compare(cJSON_GetObjectItemCaseSensitive(st, "Action"), r, true))
				same = st;
		}
		if (same) {
			cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(same, "Resource"),
					     cJSON_CreateString(r->string));
			continue;
		}
		st = cJSON_CreateObject();
		cJSON_AddStringToObject(st, "Effect", "Allow");
		cJSON_AddItemToObject(st, "Action", cJSON_Duplicate(r, true));
		cJSON *res = cJSON_AddArrayToObject(st, "Resource");
		cJSON_AddItemToArray(res, cJSON_CreateString(r->string));
		cJSON_AddItemToArray(statements, st);
	}
	cJSON_Delete(by_resource);
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "Version", "2012-10-17");
	cJSON_AddItemToObject(doc, "Statement", statements);
	return doc;
}

cJSON *iam_report(struct cloud *c, const char *account, const char *function)
{
	char role[129];
	size_t ncalls;
	struct call_row *calls = calls_of(c, account, function, role, sizeof(role), &ncalls);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "function", function);
	cJSON_AddStringToObject(o, "account", account);
	if (role[0]) {
		char arn[300];
		snprintf(arn, sizeof(arn), "arn:aws:iam::%s:role/%s", account, role);
		cJSON_AddStringToObject(o, "role", role);
		cJSON_AddStringToObject(o, "roleArn", arn);
	}
	cJSON *list = cJSON_AddArrayToObject(o, "calls");
	for (size_t i = 0; i < ncalls; i++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "action", calls[i].action);
		cJSON_AddStringToObject(x, "resource", calls[i].resource);
		cJSON_AddNumberToObject(x, "count", (double)calls[i].count);
		cJSON_AddStringToObject(x, "decision", decision_name(calls[i].decision));
		cJSON_AddItemToArray(list, x);
	}
	cJSON *used = cJSON_AddArrayToObject(o, "used");
	cJSON *unused = cJSON_AddArrayToObject(o, "unused");
	if (role[0])
		grants(c, account, role, calls, ncalls, used, unused);
	cJSON_AddItemToObject(o, "draftPolicy", draft(calls, ncalls));
	for (size_t i = 0; i < ncalls; i++) {
		free(calls[i].action);
		free(calls[i].resource);
	}
	free(calls);
	return o;
}

void iam_report_door(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	/* rest: "/FUNCTION" */
	const char *fn = rest[0] == '/' ? rest + 1 : rest;
	if (!fn[0] || strchr(fn, '/') || strlen(fn) > 64) {
		aws_error(resp, 400, "InvalidParameterValueException",
			  "Usage: GET /_tutor/iam/report/FUNCTION");
		return;
	}
	cJSON *o = iam_report(call->cloud, call->caller->account, fn);
	pthread_mutex_lock(&call->cloud->mu);
	bool exists = lambda_fn_find(call->cloud, call->caller->account, fn) != NULL;
	pthread_mutex_unlock(&call->cloud->mu);
	if (!exists && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "calls")) == 0) {
		cJSON_Delete(o);
		aws_error(resp, 404, "ResourceNotFoundException",
			  "Function not found: arn:aws:lambda:us-east-1:%s:function:%s",
			  call->caller->account, fn);
		return;
	}
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	strbuf_addstr(&resp->body, text);
	free(text);
}

void iam_decide_door(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	const char *role = call->http ? http_query(call->http, "role") : NULL;
	const char *action = call->http ? http_query(call->http, "action") : NULL;
	const char *resource = call->http ? http_query(call->http, "resource") : NULL;
	if (rest[0] || !role || !role[0] || strchr(role, '/') || strlen(role) > 64 || !action ||
	    !action[0] || !resource || !resource[0]) {
		aws_error(resp, 400, "InvalidParameterValueException",
			  "Usage: GET /_tutor/iam/decide?role=NAME&action=ACTION&resource=ARN");
		return;
	}
	char arn[128];
	snprintf(arn, sizeof(arn), "arn:aws:iam::%s:role/%s", call->caller->account, role);
	/* A session of its own, which no function's least-privilege report lists. */
	struct iam_authz q = { .action = action, .resource = resource };
	struct iam_result r;
	bool allowed =
		iam_role_decide(call->cloud, call->caller->account, arn, "tutor-check", &q, &r);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "allowed", allowed);
	cJSON_AddStringToObject(o, "message", allowed ? "" : r.message);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	strbuf_addstr(&resp->body, text);
	free(text);
}
