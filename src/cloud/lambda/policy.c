/*
 * Resource-based policies of functions: one statement per row, keyed by the function, the
 * version or alias ("" for the function's own policy) and its Sid.
 */
#include "cloud/lambda/policy.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/http/aws.h"
#include "cloud/lambda/lambda.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "cloud/svc/svc.h"
#include "core/strutil.h"
#include "core/xalloc.h"

/* The key a qualifier's policy is kept under: "" for the function and its $LATEST. */
static const char *policy_key(const char *qualifier)
{
	return !qualifier || strcmp(qualifier, "$LATEST") == 0 ? "" : qualifier;
}

static bool sid_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 100)
		return false;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
			return false;
	return true;
}

static bool action_ok(const char *a)
{
	if (strcmp(a, "*") == 0 || strcmp(a, "lambda:*") == 0)
		return true;
	if (!str_starts_with(a, "lambda:") || !a[7])
		return false;
	for (const char *p = a + 7; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;
	return true;
}

static const char *member(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * Whether Lambda takes principal: "*", an account id, an IAM ARN, or a service principal
 * (a host under amazonaws.com or amazon.com, such as s3.amazonaws.com).
 */
static bool principal_ok(const char *p)
{
	size_t n = strlen(p);
	bool digits = n == 12 && strspn(p, "0123456789") == 12;
	if (strcmp(p, "*") == 0 || digits || str_starts_with(p, "arn:"))
		return true;
	static const char *const hosts[] = { ".amazonaws.com", ".amazon.com", NULL };
	for (const char *const *h = hosts; *h; h++) {
		size_t k = strlen(*h);
		if (n > k && strcmp(p + n - k, *h) == 0)
			return strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-.") == n;
	}
	return false;
}

/* The statement AddPermission stores, or NULL with err filled. */
static cJSON *make_statement(const struct lfunc *fn, const char *qualifier, const cJSON *in,
			     struct aws_err *err)
{
	const char *sid = member(in, "StatementId"), *action = member(in, "Action");
	const char *principal = member(in, "Principal"), *src = member(in, "SourceArn");
	const char *src_acct = member(in, "SourceAccount");
	const char *url_auth = member(in, "FunctionUrlAuthType");
	const cJSON *via_url = cJSON_GetObjectItemCaseSensitive(in, "InvokedViaFunctionUrl");
	if (!sid || !action || !principal) {
		aws_err_set(err, 400, "ValidationException",
			    "1 validation error detected: Value null at '%s' failed to satisfy "
			    "constraint: Member must not be null",
			    !sid      ? "statementId"
			    : !action ? "action"
				      : "principal");
		return NULL;
	}
	if (!sid_ok(sid)) {
		aws_err_set(err, 400, "ValidationException",
			    "1 validation error detected: Value '%s' at 'statementId' failed to "
			    "satisfy constraint: Member must satisfy regular expression pattern: "
			    "([a-zA-Z0-9-_]+)",
			    sid);
		return NULL;
	}
	if (!action_ok(action)) {
		aws_err_set(err, 400, "ValidationException",
			    "1 validation error detected: Value '%s' at 'action' failed to satisfy "
			    "constraint: Member must satisfy regular expression pattern: "
			    "(lambda:[*]|lambda:[a-zA-Z]+|[*])",
			    action);
		return NULL;
	}
	if (!principal_ok(principal)) {
		aws_err_set(err, 400, "InvalidParameterValueException",
			    "The provided principal was invalid. Please check the principal and "
			    "try again.");
		return NULL;
	}
	char arn[300];
	arn_function_format(arn, sizeof(arn), AWS_REGION_NAME, fn->account, fn->name,
			    policy_key(qualifier));
	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "Sid", sid);
	cJSON_AddStringToObject(st, "Effect", "Allow");
	cJSON *pr = cJSON_AddObjectToObject(st, "Principal");
	bool digits = strlen(principal) == 12 && strspn(principal, "0123456789") == 12;
	if (digits) {
		char *root = xasprintf("arn:aws:iam::%s:root", principal);
		cJSON_AddStringToObject(pr, "AWS", root);
		free(root);
	} else if (strcmp(principal, "*") == 0 || str_starts_with(principal, "arn:")) {
		cJSON_AddStringToObject(pr, "AWS", principal);
	} else {
		cJSON_AddStringToObject(pr, "Service", principal);
	}
	cJSON_AddStringToObject(st, "Action", action);
	cJSON_AddStringToObject(st, "Resource", arn);
	if (url_auth && strcmp(url_auth, "NONE") != 0 && strcmp(url_auth, "AWS_IAM") != 0) {
		aws_err_set(
			err, 400, "ValidationException",
			"1 validation error detected: Value '%s' at 'functionUrlAuthType' failed "
			"to satisfy constraint: Member must satisfy enum value set: [AWS_IAM, "
			"NONE]",
			url_auth);
		cJSON_Delete(st);
		return NULL;
	}
	if (src || src_acct || url_auth || cJSON_IsTrue(via_url)) {
		cJSON *cond = cJSON_AddObjectToObject(st, "Condition");
		cJSON *eq = NULL;
		if (src_acct || url_auth)
			eq = cJSON_AddObjectToObject(cond, "StringEquals");
		if (src_acct)
			cJSON_AddStringToObject(eq, "AWS:SourceAccount", src_acct);
		if (url_auth)
			cJSON_AddStringToObject(eq, "lambda:FunctionUrlAuthType", url_auth);
		if (src)
			cJSON_AddStringToObject(cJSON_AddObjectToObject(cond, "ArnLike"),
						"AWS:SourceArn", src);
		if (cJSON_IsTrue(via_url))
			cJSON_AddStringToObject(cJSON_AddObjectToObject(cond, "Bool"),
						"lambda:InvokedViaFunctionUrl", "true");
	}
	return st;
}

cJSON *lambda_policy_add(struct cloud *c, const struct lfunc *fn, const char *qualifier,
			 const cJSON *in, struct aws_err *err)
{
	cJSON *st = make_statement(fn, qualifier, in, err);
	if (!st)
		return NULL;
	char *text = cJSON_PrintUnformatted(st);
	const char *sid = member(st, "Sid");
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(
		c->db->db,
		"INSERT INTO lambda_policy(account, function, qualifier, sid, statement, seq)"
		" VALUES(?,?,?,?,?,(SELECT COALESCE(MAX(seq),0)+1 FROM"
		" lambda_policy))",
		-1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, fn->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, fn->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, policy_key(qualifier), -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, sid, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, text, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	cJSON *out = NULL;
	if (rc == SQLITE_CONSTRAINT) {
		aws_err_set(err, 409, "ResourceConflictException",
			    "The statement id (%s) provided already exists. Please provide a new "
			    "statement id, or remove the existing statement.",
			    sid);
	} else if (rc != SQLITE_DONE) {
		aws_err_set(err, 500, "ServiceException", "cannot store the policy");
	} else {
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "Statement", text);
	}
	free(text);
	cJSON_Delete(st);
	return out;
}

/* The statements of a function's (or its version's or alias's) policy in the order they were
 * added. Caller deletes. */
static cJSON *load_statements(struct cloud *c, const char *account, const char *function,
			      const char *qualifier)
{
	cJSON *arr = cJSON_CreateArray();
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT statement FROM lambda_policy WHERE account=? AND function=?"
			       " AND qualifier=? ORDER BY seq",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, function, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, policy_key(qualifier), -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW) {
			cJSON *st = cJSON_Parse((const char *)sqlite3_column_text(q, 0));
			if (st)
				cJSON_AddItemToArray(arr, st);
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return arr;
}

char *lambda_policy_document(struct cloud *c, const char *account, const char *function,
			     const char *qualifier)
{
	cJSON *arr = load_statements(c, account, function, qualifier);
	if (cJSON_GetArraySize(arr) == 0) {
		cJSON_Delete(arr);
		return NULL;
	}
	cJSON *pol = cJSON_CreateObject();
	cJSON_AddStringToObject(pol, "Version", "2012-10-17");
	cJSON_AddItemToObject(pol, "Statement", arr);
	char *text = cJSON_PrintUnformatted(pol);
	cJSON_Delete(pol);
	return text;
}

cJSON *lambda_policy_get(struct cloud *c, const struct lfunc *fn, const char *qualifier,
			 const char *revision, struct aws_err *err)
{
	cJSON *arr = load_statements(c, fn->account, fn->name, qualifier);
	if (cJSON_GetArraySize(arr) == 0) {
		cJSON_Delete(arr);
		aws_err_set(err, 404, "ResourceNotFoundException",
			    "The resource you requested does not exist.");
		return NULL;
	}
	cJSON *pol = cJSON_CreateObject();
	cJSON_AddStringToObject(pol, "Version", "2012-10-17");
	cJSON_AddStringToObject(pol, "Id", "default");
	cJSON_AddItemToObject(pol, "Statement", arr);
	char *text = cJSON_PrintUnformatted(pol);
	cJSON_Delete(pol);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "Policy", text);
	cJSON_AddStringToObject(out, "RevisionId", revision);
	free(text);
	return out;
}

bool lambda_policy_remove(struct cloud *c, const struct lfunc *fn, const char *qualifier,
			  const char *sid, struct aws_err *err)
{
	cJSON *had = load_statements(c, fn->account, fn->name, qualifier);
	int statements = cJSON_GetArraySize(had);
	cJSON_Delete(had);
	if (statements == 0)
		return aws_err_set(err, 404, "ResourceNotFoundException",
				   "No policy is associated with the given resource.");
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	int changed = 0;
	if (sqlite3_prepare_v2(c->db->db,
			       "DELETE FROM lambda_policy WHERE account=? AND function=?"
			       " AND qualifier=? AND sid=?",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, fn->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, fn->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, policy_key(qualifier), -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, sid, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_DONE)
			changed = sqlite3_changes(c->db->db);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	if (!changed)
		return aws_err_set(err, 404, "ResourceNotFoundException",
				   "Statement %s is not found in resource policy.", sid);
	return true;
}

static bool statement_allows(const cJSON *st, const char *service, const char *source_arn,
			     const char *source_account)
{
	const char *effect = member(st, "Effect");
	if (!effect || strcmp(effect, "Allow") != 0)
		return false;
	const char *action = member(st, "Action");
	if (!action || (strcmp(action, "lambda:InvokeFunction") != 0 &&
			strcmp(action, "lambda:*") != 0 && strcmp(action, "*") != 0))
		return false;
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(st, "Principal");
	const char *svc = member(pr, "Service"), *aws = member(pr, "AWS");
	if (!(svc && strcmp(svc, service) == 0) && !(aws && strcmp(aws, "*") == 0))
		return false;
	const cJSON *cond = cJSON_GetObjectItemCaseSensitive(st, "Condition");
	const char *want_arn =
		member(cJSON_GetObjectItemCaseSensitive(cond, "ArnLike"), "AWS:SourceArn");
	if (want_arn && (!source_arn || fnmatch(want_arn, source_arn, 0) != 0))
		return false;
	const char *want_acct =
		member(cJSON_GetObjectItemCaseSensitive(cond, "StringEquals"), "AWS:SourceAccount");
	if (want_acct && source_account && strcmp(want_acct, source_account) != 0)
		return false;
	return true;
}

bool lambda_policy_allows(struct cloud *c, const char *account, const char *function,
			  const char *qualifier, const char *service, const char *source_arn,
			  const char *source_account)
{
	cJSON *arr = load_statements(c, account, function, qualifier);
	bool ok = false;
	const cJSON *st;
	cJSON_ArrayForEach(st, arr)
	{
		if (statement_allows(st, service, source_arn, source_account))
			ok = true;
	}
	cJSON_Delete(arr);
	return ok;
}

/* A statement that opens the function's URL to anyone: lambda:InvokeFunctionUrl for "*". */
static bool statement_opens_url(const cJSON *st, const char *auth_type)
{
	const char *effect = member(st, "Effect"), *action = member(st, "Action");
	if (!effect || strcmp(effect, "Allow") != 0 || !action ||
	    (strcmp(action, "lambda:InvokeFunctionUrl") != 0 && strcmp(action, "lambda:*") != 0 &&
	     strcmp(action, "*") != 0))
		return false;
	const char *aws = member(cJSON_GetObjectItemCaseSensitive(st, "Principal"), "AWS");
	if (!aws || strcmp(aws, "*") != 0)
		return false;
	const cJSON *cond = cJSON_GetObjectItemCaseSensitive(st, "Condition");
	const char *want = member(cJSON_GetObjectItemCaseSensitive(cond, "StringEquals"),
				  "lambda:FunctionUrlAuthType");
	return !want || strcmp(want, auth_type) == 0;
}

bool lambda_policy_allows_url(struct cloud *c, const char *account, const char *function,
			      const char *qualifier, const char *auth_type)
{
	cJSON *arr = load_statements(c, account, function, policy_key(qualifier));
	bool ok = false;
	const cJSON *st;
	cJSON_ArrayForEach(st, arr)
	{
		if (statement_opens_url(st, auth_type))
			ok = true;
	}
	cJSON_Delete(arr);
	return ok;
}

void lambda_policy_forget(struct cloud *c, const char *account, const char *function,
			  const char *qualifier)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "DELETE FROM lambda_policy WHERE account=? AND function=?"
			       " AND (?3 IS NULL OR qualifier=?3)",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, function, -1, SQLITE_STATIC);
		if (qualifier)
			sqlite3_bind_text(q, 3, policy_key(qualifier), -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(q, 3);
		sqlite3_step(q);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
}
