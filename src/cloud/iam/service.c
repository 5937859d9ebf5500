/*
 * AWS Identity and Access Management's row of the service table (the query protocol):
 * roles with trust policies, users and their access keys, inline policies, the account's
 * managed policies with versions, the AWS managed policies (managed.h), and attachments,
 * with IAM's own checks and words. Policy documents come back URL-encoded, as IAM returns
 * them (the AWS CLI and boto3 decode them).
 *
 * A caller other than the account's root is itself authorized (iam:ACTION on the entity's
 * ARN) before any operation acts.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cloud/auth/auth.h"
#include "cloud/iam/iam.h"
#include "cloud/iam/managed.h"
#include "cloud/iam/simulate.h"
#include "cloud/iam/store.h"
#include "cloud/state.h"
#include "core/sigv4.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

/* ---- small helpers ---- */

static const char *jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *account_of(const struct svc_call *call)
{
	return call->caller->account;
}

/* A statement with up to four text parameters, under the database's lock. */
struct q {
	struct cloud *c;
	sqlite3_stmt *st;
};

static bool q_open(struct q *q, struct cloud *c, const char *sql, int n, ...)
{
	q->c = c;
	q->st = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (sqlite3_prepare_v2(c->db->db, sql, -1, &q->st, NULL) != SQLITE_OK) {
		fprintf(stderr, "lambda-tutor: iam: %s\n", sqlite3_errmsg(c->db->db));
		pthread_mutex_unlock(&c->db->mu);
		return false;
	}
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		const char *v = va_arg(ap, const char *);
		if (v)
			sqlite3_bind_text(q->st, i + 1, v, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(q->st, i + 1);
	}
	va_end(ap);
	return true;
}

static bool q_row(struct q *q)
{
	return sqlite3_step(q->st) == SQLITE_ROW;
}

static const char *q_text(struct q *q, int col)
{
	const unsigned char *t = sqlite3_column_text(q->st, col);
	return t ? (const char *)t : "";
}

static long long q_int(struct q *q, int col)
{
	return sqlite3_column_int64(q->st, col);
}

/* Run to the end; whether it changed a row. */
static bool q_done(struct q *q)
{
	int rc = sqlite3_step(q->st);
	bool changed = rc == SQLITE_DONE && sqlite3_changes(q->c->db->db) > 0;
	sqlite3_finalize(q->st);
	pthread_mutex_unlock(&q->c->db->mu);
	iam_store_changed(); /* after the write: a reader before it cached the old generation */
	return changed;
}

static void q_close(struct q *q)
{
	sqlite3_finalize(q->st);
	pthread_mutex_unlock(&q->c->db->mu);
}

/* One row exists for sql? */
static bool exists(struct cloud *c, const char *sql, const char *a, const char *b, const char *d)
{
	struct q q;
	if (!q_open(&q, c, sql, 3, a, b, d))
		return false;
	bool found = q_row(&q);
	q_close(&q);
	return found;
}

static void random_id(char *out, const char *prefix)
{
	size_t p = strlen(prefix);
	memcpy(out, prefix, p);
	sigv4_random_chars(out + p, 17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
	out[p + 17] = '\0';
}

/* A policy document as IAM returns it: URL-encoded. Caller frees. */
static char *url_encode(const char *s)
{
	struct strbuf b = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			strbuf_addf(&b, "%c", *p);
		else
			strbuf_addf(&b, "%%%02X", *p);
	}
	return strbuf_detach(&b);
}

static void add_doc(cJSON *o, const char *name, const char *doc)
{
	char *e = url_encode(doc);
	cJSON_AddStringToObject(o, name, e);
	free(e);
}

/* IAM's 404 for an entity that is not there. */
#define no_entity(err, ...) aws_err_set((err), 404, "NoSuchEntity", __VA_ARGS__)

/*
 * Whether the caller may perform iam:action on resource (its root always may). A role or
 * user of the caller's account acted on brings its tags, as iam:ResourceTag/KEY and
 * aws:ResourceTag/KEY.
 */
static bool allowed(struct svc_call *call, const char *action, const char *resource,
		    struct aws_err *err)
{
	struct iam_authz q = { .action = action, .resource = resource };
	struct iam_kv ctx[2 * 50];
	size_t n = 0;
	char prefix[40];
	snprintf(prefix, sizeof(prefix), "arn:aws:iam::%s:", account_of(call));
	const char *rest =
		strncmp(resource, prefix, strlen(prefix)) == 0 ? resource + strlen(prefix) : NULL;
	if (rest && (strncmp(rest, "role/", 5) == 0 || strncmp(rest, "user/", 5) == 0) &&
	    !strstr(call->caller->arn, ":root")) {
		/* The entity's own name after its path; a session ARN names its role's tags. */
		char principal[400];
		snprintf(principal, sizeof(principal), "arn:aws:%s::%s:%s%s",
			 rest[0] == 'r' ? "sts" : "iam", account_of(call),
			 rest[0] == 'r' ? "assumed-role/" : "user/", strrchr(rest, '/') + 1);
		struct iam_kv tags[50];
		size_t nt = iam_principal_tags(call->cloud, account_of(call), principal, tags, 50);
		for (size_t i = 0; i < nt; i++) {
			const char *k = tags[i].key + strlen("aws:PrincipalTag/");
			ctx[n++] = (struct iam_kv){ xasprintf("iam:ResourceTag/%s", k),
						    xstrdup(tags[i].value) };
			ctx[n++] = (struct iam_kv){ xasprintf("aws:ResourceTag/%s", k),
						    xstrdup(tags[i].value) };
		}
		iam_kv_release(tags, nt);
		q.context = ctx;
		q.ncontext = n;
	}
	bool ok = iam_authorize_err(call->cloud, call->caller, &q, 403, "AccessDenied", err);
	iam_kv_release(ctx, n);
	return ok;
}

static bool document_ok(const char *doc, enum iam_policy_kind kind, struct aws_err *err)
{
	char msg[512];
	struct iam_policy *p = iam_policy_parse(doc, kind, msg, sizeof(msg));
	if (!p)
		return aws_err_set(err, 400, "MalformedPolicyDocument", "%s", msg);
	iam_policy_free(p);
	return true;
}

/* IAM's quotas on documents, in characters without white space. */
enum {
	MANAGED_POLICY_QUOTA = 6144,
	TRUST_POLICY_QUOTA = 2048
};

static bool managed_size_ok(const char *doc, struct aws_err *err)
{
	if (iam_policy_size(doc) > MANAGED_POLICY_QUOTA)
		return aws_err_set(err, 409, "LimitExceeded",
				   "Cannot exceed quota for PolicySize: %d", MANAGED_POLICY_QUOTA);
	return true;
}

static bool trust_size_ok(const char *doc, struct aws_err *err)
{
	if (iam_policy_size(doc) > TRUST_POLICY_QUOTA)
		return aws_err_set(err, 409, "LimitExceeded",
				   "Cannot exceed quota for ACLSizePerRole: %d",
				   TRUST_POLICY_QUOTA);
	return true;
}

static const char *path_or_root(const char *p)
{
	return p && p[0] ? p : "/";
}

static bool path_ok(const char *p, struct aws_err *err)
{
	size_t n = strlen(p);
	if (n == 0 || p[0] != '/' || p[n - 1] != '/')
		return aws_err_set(err, 400, "ValidationError",
				   "The specified value for path is invalid. It must begin and end "
				   "with / and contain only alphanumeric characters and/or / "
				   "characters.");
	return true;
}

/* The entity's kind ("role"/"user"/"group") and its table, for the operations they share. */
struct kind {
	const char *kind, *table, *label, *name_member;
	const char *title; /* in action names: iam:PutRolePolicy */
	int inline_quota;  /* its inline policies together, in characters */
};
static const struct kind ROLE = { "role", "iam_roles", "role", "RoleName", "Role", 10240 };
static const struct kind USER = { "user", "iam_users", "user", "UserName", "User", 2048 };
static const struct kind GROUP = { "group", "iam_groups", "group", "GroupName", "Group", 5120 };

static bool entity_exists(struct cloud *c, const struct kind *k, const char *account,
			  const char *name)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE account = ?1 AND name = ?2", k->table);
	return exists(c, sql, account, name, NULL);
}

/* Whether name is taken in account by an entity of kind, in any case: IAM's names are
 * unique without regard to case. */
static bool entity_taken(struct cloud *c, const struct kind *k, const char *account,
			 const char *name)
{
	char sql[128];
	snprintf(sql, sizeof(sql),
		 "SELECT 1 FROM %s WHERE account = ?1 AND name = ?2 COLLATE NOCASE", k->table);
	return exists(c, sql, account, name, NULL);
}

/* A service principal IAM knows the form of: SERVICE.amazonaws.com and its kin. */
static bool service_principal_ok(const char *p)
{
	static const char *const ends[] = { ".amazonaws.com", ".amazonaws.com.cn", ".amazon.com" };
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t n = strlen(p), e = strlen(ends[i]);
		if (n > e && strcmp(p + n - e, ends[i]) == 0)
			return true;
	}
	return false;
}

/*
 * A trust policy's principals as IAM checks them when it stores the policy: a user or role
 * named by its ARN must exist (IAM keeps the principal's unique id, not its name), and a
 * service principal must look like one. "Invalid principal in policy: "AWS":"ARN"" else.
 */
static bool trust_principals_ok(struct svc_call *call, const char *doc, struct aws_err *err)
{
	cJSON *root = cJSON_Parse(doc);
	const cJSON *sts = cJSON_GetObjectItemCaseSensitive(root, "Statement");
	bool one = cJSON_IsObject(sts), ok = true;
	for (const cJSON *st = one   ? sts
			       : sts ? sts->child
				     : NULL;
	     st && ok; st = one ? NULL : st->next) {
		const cJSON *pr = cJSON_GetObjectItemCaseSensitive(st, "Principal");
		if (!pr)
			pr = cJSON_GetObjectItemCaseSensitive(st, "NotPrincipal");
		if (!cJSON_IsObject(pr))
			continue;
		const cJSON *k;
		cJSON_ArrayForEach(k, pr)
		{
			bool aws = strcmp(k->string, "AWS") == 0;
			bool svc = strcmp(k->string, "Service") == 0;
			bool single = cJSON_IsString(k);
			for (const cJSON *e = single ? k : k->child; e && ok;
			     e = single ? NULL : e->next) {
				if (!cJSON_IsString(e))
					continue;
				const char *v = e->valuestring;
				if (svc && !service_principal_ok(v)) {
					aws_err_set(
						err, 400, "MalformedPolicyDocument",
						"Invalid principal in policy: \"SERVICE\":\"%s\"",
						v);
					ok = false;
				}
				const char *kind = strstr(v, ":role/") ? ":role/" : ":user/";
				const char *at = strstr(v, kind);
				if (!aws || strncmp(v, "arn:aws:iam::", 13) != 0 || !at ||
				    at - v != 25)
					continue;
				char account[13];
				snprintf(account, sizeof(account), "%.12s", v + 13);
				const char *name = strrchr(v, '/') + 1;
				if (!entity_exists(call->cloud, kind[1] == 'r' ? &ROLE : &USER,
						   account, name)) {
					aws_err_set(err, 400, "MalformedPolicyDocument",
						    "Invalid principal in policy: \"AWS\":\"%s\"",
						    v);
					ok = false;
				}
			}
		}
	}
	cJSON_Delete(root);
	return ok;
}

/* The stored name (IAM names are case-insensitive, and keep the case they were made in). */
static void entity_arn(struct cloud *c, const struct kind *k, const char *account, const char *name,
		       char *out, size_t n)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT path, name FROM %s WHERE account = ?1 AND name = ?2",
		 k->table);
	struct q q;
	snprintf(out, n, "arn:aws:iam::%s:%s/%s", account, k->kind, name);
	if (!q_open(&q, c, sql, 2, account, name))
		return;
	if (q_row(&q))
		snprintf(out, n, "arn:aws:iam::%s:%s%s%s", account, k->kind, q_text(&q, 0),
			 q_text(&q, 1));
	q_close(&q);
}

static bool missing_entity(const struct kind *k, const char *name, struct aws_err *err)
{
	return no_entity(err, "The %s with name %s cannot be found.", k->label, name);
}

/* ---- permissions boundaries ---- */

/* Whether arn names a managed policy that may be a boundary: an AWS managed one or the
 * account's own. */
static bool boundary_ok(struct svc_call *call, const char *arn, struct aws_err *err)
{
	if (iam_managed_find(arn) ||
	    exists(call->cloud, "SELECT 1 FROM iam_policies WHERE account = ?1 AND arn = ?2",
		   account_of(call), arn, NULL))
		return true;
	return no_entity(err, "Policy %s does not exist or is not attachable.", arn);
}

static void boundary_set(struct svc_call *call, const struct kind *k, const char *name,
			 const char *arn)
{
	struct q q;
	if (q_open(&q, call->cloud, "INSERT OR REPLACE INTO iam_boundaries VALUES (?1, ?2, ?3, ?4)",
		   4, account_of(call), k->kind, name, arn))
		q_done(&q);
}

/* The entity's boundary as GetRole and GetUser answer it, into o; nothing when none. */
static void boundary_json(struct cloud *c, const struct kind *k, const char *account,
			  const char *name, cJSON *o)
{
	char *arn = NULL;
	free(iam_store_boundary(c, account, k->kind, name, &arn));
	if (!arn)
		return;
	cJSON *b = cJSON_AddObjectToObject(o, "PermissionsBoundary");
	cJSON_AddStringToObject(b, "PermissionsBoundaryType", "PermissionsBoundaryPolicy");
	cJSON_AddStringToObject(b, "PermissionsBoundaryArn", arn);
	free(arn);
}

/* ---- roles ---- */

static cJSON *role_json(struct cloud *c, const char *account, const char *name, bool full)
{
	struct q q;
	if (!q_open(&q, c,
		    "SELECT name, path, id, trust, description, max_session, created, tags"
		    " FROM iam_roles WHERE account = ?1 AND name = ?2",
		    2, account, name))
		return NULL;
	cJSON *r = NULL;
	if (q_row(&q)) {
		r = cJSON_CreateObject();
		char arn[400];
		snprintf(arn, sizeof(arn), "arn:aws:iam::%s:role%s%s", account, q_text(&q, 1),
			 q_text(&q, 0));
		cJSON_AddStringToObject(r, "Path", q_text(&q, 1));
		cJSON_AddStringToObject(r, "RoleName", q_text(&q, 0));
		cJSON_AddStringToObject(r, "RoleId", q_text(&q, 2));
		cJSON_AddStringToObject(r, "Arn", arn);
		cJSON_AddNumberToObject(r, "CreateDate", (double)q_int(&q, 6));
		add_doc(r, "AssumeRolePolicyDocument", q_text(&q, 3));
		if (sqlite3_column_type(q.st, 4) != SQLITE_NULL)
			cJSON_AddStringToObject(r, "Description", q_text(&q, 4));
		cJSON_AddNumberToObject(r, "MaxSessionDuration", (double)q_int(&q, 5));
		cJSON *tags = cJSON_Parse(q_text(&q, 7));
		if (full && cJSON_GetArraySize(tags) > 0)
			cJSON_AddItemToObject(r, "Tags", tags);
		else
			cJSON_Delete(tags);
		if (full)
			cJSON_AddItemToObject(r, "RoleLastUsed", cJSON_CreateObject());
	}
	q_close(&q);
	if (r && full)
		boundary_json(c, &ROLE, account, name, r);
	return r;
}

static char *tags_text(const cJSON *in)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(in, "Tags");
	return t ? cJSON_PrintUnformatted(t) : xstrdup("[]");
}

static cJSON *op_create_role(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "RoleName"), *doc = jstr(in, "AssumeRolePolicyDocument");
	const char *path = path_or_root(jstr(in, "Path")), *acct = account_of(call);
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(in, "MaxSessionDuration");
	char arn[400];
	snprintf(arn, sizeof(arn), "arn:aws:iam::%s:role%s%s", acct, path, name);
	const char *boundary = jstr(in, "PermissionsBoundary");
	if (!allowed(call, "iam:CreateRole", arn, err) || !path_ok(path, err) ||
	    (boundary && !boundary_ok(call, boundary, err)))
		return NULL;
	if (!document_ok(doc, IAM_POLICY_TRUST, err) || !trust_size_ok(doc, err) ||
	    !trust_principals_ok(call, doc, err))
		return NULL;
	if (entity_taken(call->cloud, &ROLE, acct, name)) {
		aws_err_set(err, 409, "EntityAlreadyExists", "Role with name %s already exists.",
			    name);
		return NULL;
	}
	char id[32], created[32];
	random_id(id, "AROA");
	snprintf(created, sizeof(created), "%lld", (long long)time(NULL));
	char maxs[16];
	snprintf(maxs, sizeof(maxs), "%d", cJSON_IsNumber(max) ? max->valueint : 3600);
	char *tags = tags_text(in);
	struct q q;
	if (q_open(&q, call->cloud,
		   "INSERT INTO iam_roles VALUES (?1, ?2, ?3, ?4, ?5, ?6, CAST(?7 AS INTEGER),"
		   " CAST(?8 AS INTEGER), ?9)",
		   9, acct, name, path, id, doc, jstr(in, "Description"), maxs, created, tags))
		q_done(&q);
	free(tags);
	if (boundary)
		boundary_set(call, &ROLE, name, boundary);
	cJSON *out = cJSON_CreateObject();
	cJSON *r = role_json(call->cloud, acct, name, false);
	cJSON *t = cJSON_GetObjectItemCaseSensitive(in, "Tags");
	if (r && cJSON_GetArraySize(t) > 0)
		cJSON_AddItemToObject(r, "Tags", cJSON_Duplicate(t, true));
	cJSON_AddItemToObject(out, "Role", r ? r : cJSON_CreateObject());
	return out;
}

static cJSON *op_get_role(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "RoleName"), *acct = account_of(call);
	char arn[400];
	entity_arn(call->cloud, &ROLE, acct, name, arn, sizeof(arn));
	if (!allowed(call, "iam:GetRole", arn, err))
		return NULL;
	cJSON *r = role_json(call->cloud, acct, name, true);
	if (!r) {
		missing_entity(&ROLE, name, err);
		return NULL;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "Role", r);
	return out;
}

/* Marker/MaxItems paging over a list of items already in order. */
static cJSON *page(cJSON *items, const cJSON *in, const char *member)
{
	const cJSON *mi = cJSON_GetObjectItemCaseSensitive(in, "MaxItems");
	const char *marker = jstr(in, "Marker");
	int max = cJSON_IsNumber(mi) ? mi->valueint : 100;
	int start = marker ? atoi(marker) : 0;
	int total = cJSON_GetArraySize(items);
	cJSON *out = cJSON_CreateObject(), *list = cJSON_CreateArray();
	for (int i = start; i < total && i < start + max; i++)
		cJSON_AddItemToArray(list, cJSON_Duplicate(cJSON_GetArrayItem(items, i), true));
	cJSON_AddItemToObject(out, member, list);
	bool more = start + max < total;
	cJSON_AddBoolToObject(out, "IsTruncated", more);
	if (more) {
		char m[16];
		snprintf(m, sizeof(m), "%d", start + max);
		cJSON_AddStringToObject(out, "Marker", m);
	}
	cJSON_Delete(items);
	return out;
}

static cJSON *op_list_roles(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *acct = account_of(call), *prefix = path_or_root(jstr(in, "PathPrefix"));
	char arn[64];
	snprintf(arn, sizeof(arn), "arn:aws:iam::%s:role/", acct);
	if (!allowed(call, "iam:ListRoles", arn, err))
		return NULL;
	cJSON *items = cJSON_CreateArray();
	struct q q;
	char **names = NULL;
	size_t n = 0;
	if (q_open(&q, call->cloud,
		   "SELECT name FROM iam_roles WHERE account = ?1 AND substr(path, 1, length(?2)) "
		   "= ?2"
		   " ORDER BY name COLLATE NOCASE",
		   2, acct, prefix)) {
		while (q_row(&q)) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(q_text(&q, 0));
		}
		q_close(&q);
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *r = role_json(call->cloud, acct, names[i], false);
		if (r)
			cJSON_AddItemToArray(items, r);
		free(names[i]);
	}
	free(names);
	return page(items, in, "Roles");
}

static bool count_rows(struct cloud *c, const char *sql, const char *a, const char *b,
		       const char *d)
{
	return exists(c, sql, a, b, d);
}

static cJSON *entity_delete(struct svc_call *call, const struct kind *k, const cJSON *in,
			    struct aws_err *err)
{
	const char *name = jstr(in, k->name_member), *acct = account_of(call);
	char arn[400], action[32];
	entity_arn(call->cloud, k, acct, name, arn, sizeof(arn));
	snprintf(action, sizeof(action), "iam:Delete%s", k->title);
	if (!allowed(call, action, arn, err))
		return NULL;
	if (!entity_exists(call->cloud, k, acct, name)) {
		missing_entity(k, name, err);
		return NULL;
	}
	if (count_rows(call->cloud,
		       "SELECT 1 FROM iam_attached WHERE account = ?1 AND kind = ?2 AND owner = ?3",
		       acct, k->kind, name)) {
		aws_err_set(err, 409, "DeleteConflict",
			    "Cannot delete entity, must detach all policies first.");
		return NULL;
	}
	if (count_rows(call->cloud,
		       "SELECT 1 FROM iam_inline WHERE account = ?1 AND kind = ?2 AND owner = ?3",
		       acct, k->kind, name)) {
		aws_err_set(err, 409, "DeleteConflict",
			    "Cannot delete entity, must delete policies first.");
		return NULL;
	}
	if (k == &USER &&
	    count_rows(call->cloud,
		       "SELECT 1 FROM iam_access_keys WHERE account = ?1 AND user = ?2", acct, name,
		       NULL)) {
		aws_err_set(err, 409, "DeleteConflict",
			    "Cannot delete entity, must delete access keys first.");
		return NULL;
	}
	if (k != &ROLE &&
	    count_rows(call->cloud,
		       k == &USER
			       ? "SELECT 1 FROM iam_group_members WHERE account = ?1 AND user = ?2"
			       : "SELECT 1 FROM iam_group_members WHERE account = ?1 AND grp = ?2",
		       acct, name, NULL)) {
		aws_err_set(err, 409, "DeleteConflict",
			    k == &USER
				    ? "Cannot delete entity, must remove user from all groups "
				      "first."
				    : "Cannot delete entity, must remove users from group first.");
		return NULL;
	}
	char sql[128];
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE account = ?1 AND name = ?2", k->table);
	struct q q;
	if (q_open(&q, call->cloud, sql, 2, acct, name))
		q_done(&q);
	/* A boundary goes with its entity. */
	if (q_open(&q, call->cloud,
		   "DELETE FROM iam_boundaries WHERE account = ?1 AND kind = ?2 AND owner = ?3", 3,
		   acct, k->kind, name))
		q_done(&q);
	return cJSON_CreateObject();
}

static cJSON *op_delete_role(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return entity_delete(call, &ROLE, in, err);
}

static cJSON *op_update_assume_role_policy(struct svc_call *call, const cJSON *in,
					   struct aws_err *err)
{
	const char *name = jstr(in, "RoleName"), *doc = jstr(in, "PolicyDocument");
	const char *acct = account_of(call);
	char arn[400];
	entity_arn(call->cloud, &ROLE, acct, name, arn, sizeof(arn));
	if (!allowed(call, "iam:UpdateAssumeRolePolicy", arn, err))
		return NULL;
	if (!entity_exists(call->cloud, &ROLE, acct, name)) {
		missing_entity(&ROLE, name, err);
		return NULL;
	}
	if (!document_ok(doc, IAM_POLICY_TRUST, err) || !trust_size_ok(doc, err) ||
	    !trust_principals_ok(call, doc, err))
		return NULL;
	struct q q;
	if (q_open(&q, call->cloud,
		   "UPDATE iam_roles SET trust = ?3 WHERE account = ?1 AND name = ?2", 3, acct,
		   name, doc))
		q_done(&q);
	return cJSON_CreateObject();
}

static cJSON *op_update_role(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "RoleName"), *acct = account_of(call);
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(in, "MaxSessionDuration");
	char arn[400];
	entity_arn(call->cloud, &ROLE, acct, name, arn, sizeof(arn));
	if (!allowed(call, "iam:UpdateRole", arn, err))
		return NULL;
	if (!entity_exists(call->cloud, &ROLE, acct, name)) {
		missing_entity(&ROLE, name, err);
		return NULL;
	}
	struct q q;
	if (jstr(in, "Description") &&
	    q_open(&q, call->cloud,
		   "UPDATE iam_roles SET description = ?3 WHERE account = ?1 AND name = ?2", 3,
		   acct, name, jstr(in, "Description")))
		q_done(&q);
	if (cJSON_IsNumber(max)) {
		char m[16];
		snprintf(m, sizeof(m), "%d", max->valueint);
		if (q_open(&q, call->cloud,
			   "UPDATE iam_roles SET max_session = CAST(?3 AS INTEGER) WHERE"
			   " account = ?1 AND name = ?2",
			   3, acct, name, m))
			q_done(&q);
	}
	return cJSON_CreateObject();
}

/* ---- inline policies (roles and users) ---- */

/*
 * The entity's inline policies together, the one named name replaced by doc, within
 * IAM's aggregate quota (a role's 10,240 characters, a user's 2,048).
 */
static bool inline_size_ok(struct svc_call *call, const struct kind *k, const char *owner,
			   const char *name, const char *doc, struct aws_err *err)
{
	size_t total = iam_policy_size(doc);
	int quota = k->inline_quota;
	struct q q;
	if (q_open(&q, call->cloud,
		   "SELECT document FROM iam_inline WHERE account = ?1 AND kind = ?2 AND owner = ?3"
		   " AND name <> ?4",
		   4, account_of(call), k->kind, owner, name)) {
		while (q_row(&q))
			total += iam_policy_size(q_text(&q, 0));
		q_close(&q);
	}
	if (total > (size_t)quota)
		return aws_err_set(err, 409, "LimitExceeded",
				   "Maximum policy size of %d bytes exceeded for %s %s", quota,
				   k->kind, owner);
	return true;
}

static cJSON *inline_put(struct svc_call *call, const struct kind *k, const cJSON *in,
			 struct aws_err *err)
{
	const char *owner = jstr(in, k->name_member), *acct = account_of(call);
	const char *name = jstr(in, "PolicyName"), *doc = jstr(in, "PolicyDocument");
	char arn[400], action[32];
	entity_arn(call->cloud, k, acct, owner, arn, sizeof(arn));
	snprintf(action, sizeof(action), "iam:Put%sPolicy", k->title);
	if (!allowed(call, action, arn, err))
		return NULL;
	if (!entity_exists(call->cloud, k, acct, owner)) {
		missing_entity(k, owner, err);
		return NULL;
	}
	if (!document_ok(doc, IAM_POLICY_IDENTITY, err) ||
	    !inline_size_ok(call, k, owner, name, doc, err))
		return NULL;
	struct q q;
	if (q_open(&q, call->cloud, "INSERT OR REPLACE INTO iam_inline VALUES (?1, ?2, ?3, ?4, ?5)",
		   5, acct, k->kind, owner, name, doc))
		q_done(&q);
	return cJSON_CreateObject();
}

static cJSON *inline_get(struct svc_call *call, const struct kind *k, const cJSON *in,
			 struct aws_err *err)
{
	const char *owner = jstr(in, k->name_member), *acct = account_of(call);
	const char *name = jstr(in, "PolicyName");
	char arn[400], action[32];
	entity_arn(call->cloud, k, acct, owner, arn, sizeof(arn));
	snprintf(action, sizeof(action), "iam:Get%sPolicy", k->title);
	if (!allowed(call, action, arn, err))
		return NULL;
	if (!entity_exists(call->cloud, k, acct, owner)) {
		missing_entity(k, owner, err);
		return NULL;
	}
	struct q q;
	cJSON *out = NULL;
	if (q_open(&q, call->cloud,
		   "SELECT name, document FROM iam_inline WHERE account = ?1 AND kind = ?2 AND"
		   " owner = ?3 AND name = ?4",
		   4, acct, k->kind, owner, name)) {
		if (q_row(&q)) {
			out = cJSON_CreateObject();
			cJSON_AddStringToObject(out, k->name_member, owner);
			cJSON_AddStringToObject(out, "PolicyName", q_text(&q, 0));
			add_doc(out, "PolicyDocument", q_text(&q, 1));
		}
		q_close(&q);
	}
	if (!out)
		no_entity(err, "The %s policy with name %s cannot be found.", k->label, name);
	return out;
}

static cJSON *inline_delete(struct svc_call *call, const struct kind *k, const cJSON *in,
			    struct aws_err *err)
{
	const char *owner = jstr(in, k->name_member), *acct = account_of(call);
	const char *name = jstr(in, "PolicyName");
	char arn[400], action[32];
	entity_arn(call->cloud, k, acct, owner, arn, sizeof(arn));
	snprintf(action, sizeof(action), "iam:Delete%sPolicy", k->title);
	if (!allowed(call, action, arn, err))
		return NULL;
	if (!entity_exists(call->cloud, k, acct, owner)) {
		missing_entity(k, owner, err);
		return NULL;
	}
	struct q q;
	bool gone = false;
	if (q_open(&q, call->cloud,
		   "DELETE FROM iam_inline WHERE account = ?1 AND kind = ?2 AND owner = ?3 AND"
		   " name = ?4",
		   4, acct, k->kind, owner, name))
		gone = q_done(&q);
	if (!gone) {
		no_entity(err, "The %s policy with name %s cannot be found.", k->label, name);
		return NULL;
	}
	return cJSON_CreateObject();
}

static cJSON *inline_list(struct svc_call *call, const struct kind *k, const cJSON *in,
			  struct aws_err *err)
{
	const char *owner = jstr(in, k->name_member), *acct = account_of(call);
	char arn[400], action[32];
	entity_arn(call->cloud, k, acct, owner, arn, sizeof(arn));
	snprintf(action, sizeof(action), "iam:List%sPolicies", k->title);
	if (!allowed(call, action, arn, err))
		return NULL;
	if (!entity_exists(call->cloud, k, acct, owner)) {
		missing_entity(k, owner, err);
		return NULL;
	}
	cJSON *items = cJSON_CreateArray();
	struct q q;
	if (q_open(&q, call->cloud,
		   "SELECT name FROM iam_inline WHERE account = ?1 AND kind = ?2 AND owner = ?3"
		   " ORDER BY name",
		   3, acct, k->kind, owner)) {
		while (q_row(&q))
			cJSON_AddItemToArray(items, cJSON_CreateString(q_text(&q, 0)));
		q_close(&q);
	}
	return page(items, in, "PolicyNames");
}

static cJSON *op_put_role_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return inline_put(c, &ROLE, in, e);
}
static cJSON *op_get_role_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return inline_get(c, &ROLE, in, e);
}
static cJSON *op_delete_role_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return inline_delete(c, &ROLE, in, e);
}
static cJSON *op_list_role_policies(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return inline_list(c, &ROLE, in, e);
}
static cJSON *op_put_user_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return inline_put(c, &USER, in, e);
}
static cJSON *op_get_user_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return inline_get(c, &USER, in, e);
}
static cJSON *op_delete_user_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return inline_delete(c, &USER, in, e);
}
static cJSON *op_list_user_policies(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return inline_list(c, &USER, in, e);
}

/* ---- managed policies ---- */

static int attachment_count(struct cloud *c, const char *account, const char *arn)
{
	struct q q;
	int n = 0;
	if (q_open(&q, c, "SELECT count(*) FROM iam_attached WHERE account = ?1 AND arn = ?2", 2,
		   account, arn)) {
		if (q_row(&q))
			n = (int)q_int(&q, 0);
		q_close(&q);
	}
	return n;
}

static int boundary_count(struct cloud *c, const char *account, const char *arn)
{
	struct q q;
	int n = 0;
	if (q_open(&q, c, "SELECT count(*) FROM iam_boundaries WHERE account = ?1 AND arn = ?2", 2,
		   account, arn)) {
		if (q_row(&q))
			n = (int)q_int(&q, 0);
		q_close(&q);
	}
	return n;
}

static void iso_to_epoch(const char *iso, double *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	*out = strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm) ? (double)timegm(&tm) : 0;
}

static cJSON *managed_json(struct cloud *c, const char *account, const struct iam_managed *m,
			   bool full)
{
	cJSON *p = cJSON_CreateObject();
	char arn[256], id[32];
	iam_managed_arn(m, arn, sizeof(arn));
	/* A stable id per policy: AWS's are fixed too. */
	unsigned h = 5381;
	for (const char *s = m->name; *s; s++)
		h = h * 33 + (unsigned char)*s;
	snprintf(id, sizeof(id), "ANPAJ%08X%07u", h, h % 10000000u);
	double created;
	iso_to_epoch(m->created, &created);
	cJSON_AddStringToObject(p, "PolicyName", m->name);
	cJSON_AddStringToObject(p, "PolicyId", id);
	cJSON_AddStringToObject(p, "Arn", arn);
	cJSON_AddStringToObject(p, "Path", m->path);
	cJSON_AddStringToObject(p, "DefaultVersionId", m->version);
	cJSON_AddNumberToObject(p, "AttachmentCount", attachment_count(c, account, arn));
	cJSON_AddNumberToObject(p, "PermissionsBoundaryUsageCount",
				boundary_count(c, account, arn));
	cJSON_AddBoolToObject(p, "IsAttachable", true);
	if (full)
		cJSON_AddStringToObject(p, "Description", m->description);
	cJSON_AddNumberToObject(p, "CreateDate", created);
	cJSON_AddNumberToObject(p, "UpdateDate", created);
	return p;
}

static cJSON *policy_json(struct cloud *c, const char *account, const char *arn, bool full)
{
	const struct iam_managed *m = iam_managed_find(arn);
	if (m)
		return managed_json(c, account, m, full);
	struct q q;
	cJSON *p = NULL;
	if (!q_open(&q, c,
		    "SELECT name, path, id, description, default_version, created, updated, tags"
		    " FROM iam_policies WHERE account = ?1 AND arn = ?2",
		    2, account, arn))
		return NULL;
	if (q_row(&q)) {
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "PolicyName", q_text(&q, 0));
		cJSON_AddStringToObject(p, "PolicyId", q_text(&q, 2));
		cJSON_AddStringToObject(p, "Arn", arn);
		cJSON_AddStringToObject(p, "Path", q_text(&q, 1));
		cJSON_AddStringToObject(p, "DefaultVersionId", q_text(&q, 4));
		cJSON_AddBoolToObject(p, "IsAttachable", true);
		if (full && sqlite3_column_type(q.st, 3) != SQLITE_NULL)
			cJSON_AddStringToObject(p, "Description", q_text(&q, 3));
		cJSON_AddNumberToObject(p, "CreateDate", (double)q_int(&q, 5));
		cJSON_AddNumberToObject(p, "UpdateDate", (double)q_int(&q, 6));
		cJSON *tags = cJSON_Parse(q_text(&q, 7));
		if (full && cJSON_GetArraySize(tags) > 0)
			cJSON_AddItemToObject(p, "Tags", tags);
		else
			cJSON_Delete(tags);
	}
	q_close(&q);
	if (p) {
		cJSON_AddNumberToObject(p, "AttachmentCount", attachment_count(c, account, arn));
		cJSON_AddNumberToObject(p, "PermissionsBoundaryUsageCount",
					boundary_count(c, account, arn));
	}
	return p;
}

static bool no_policy(struct aws_err *err, const char *arn)
{
	return no_entity(err, "Policy %s does not exist or is not attachable.", arn);
}

static cJSON *op_create_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "PolicyName"), *doc = jstr(in, "PolicyDocument");
	const char *path = path_or_root(jstr(in, "Path")), *acct = account_of(call);
	char arn[400];
	snprintf(arn, sizeof(arn), "arn:aws:iam::%s:policy%s%s", acct, path, name);
	if (!allowed(call, "iam:CreatePolicy", arn, err) || !path_ok(path, err) ||
	    !document_ok(doc, IAM_POLICY_IDENTITY, err) || !managed_size_ok(doc, err))
		return NULL;
	if (exists(call->cloud,
		   "SELECT 1 FROM iam_policies WHERE account = ?1 AND name = ?2 COLLATE NOCASE",
		   acct, name, NULL)) {
		aws_err_set(err, 409, "EntityAlreadyExists",
			    "A policy called %s already exists. Duplicate names are not allowed.",
			    name);
		return NULL;
	}
	char id[32], now[32];
	random_id(id, "ANPA");
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	char *tags = tags_text(in);
	struct q q;
	if (q_open(&q, call->cloud,
		   "INSERT INTO iam_policies VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'v1', 2,"
		   " CAST(?7 AS INTEGER), CAST(?7 AS INTEGER), ?8)",
		   8, acct, arn, name, path, id, jstr(in, "Description"), now, tags))
		q_done(&q);
	free(tags);
	if (q_open(&q, call->cloud,
		   "INSERT INTO iam_policy_versions VALUES (?1, ?2, 'v1', ?3, CAST(?4 AS INTEGER))",
		   4, acct, arn, doc, now))
		q_done(&q);
	cJSON *out = cJSON_CreateObject();
	cJSON *p = policy_json(call->cloud, acct, arn, false);
	cJSON_AddItemToObject(out, "Policy", p ? p : cJSON_CreateObject());
	return out;
}

static cJSON *op_get_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *arn = jstr(in, "PolicyArn");
	if (!allowed(call, "iam:GetPolicy", arn, err))
		return NULL;
	cJSON *p = policy_json(call->cloud, account_of(call), arn, true);
	if (!p) {
		no_entity(err, "Policy %s was not found.", arn);
		return NULL;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "Policy", p);
	return out;
}

static cJSON *op_list_policies(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *acct = account_of(call), *scope = jstr(in, "Scope");
	const char *prefix = path_or_root(jstr(in, "PathPrefix"));
	const cJSON *oa = cJSON_GetObjectItemCaseSensitive(in, "OnlyAttached");
	bool only_attached = cJSON_IsTrue(oa);
	char arn[64];
	snprintf(arn, sizeof(arn), "arn:aws:iam::%s:policy/", acct);
	if (!allowed(call, "iam:ListPolicies", arn, err))
		return NULL;
	cJSON *items = cJSON_CreateArray();
	if (!scope || strcmp(scope, "Local") != 0)
		for (size_t i = 0; i < iam_managed_count; i++) {
			if (strncmp(iam_managed[i].path, prefix, strlen(prefix)) != 0)
				continue;
			cJSON *p = managed_json(call->cloud, acct, &iam_managed[i], false);
			if (only_attached &&
			    cJSON_GetObjectItemCaseSensitive(p, "AttachmentCount")->valueint == 0)
				cJSON_Delete(p);
			else
				cJSON_AddItemToArray(items, p);
		}
	if (!scope || strcmp(scope, "AWS") != 0) {
		char **arns = NULL;
		size_t n = 0;
		struct q q;
		if (q_open(&q, call->cloud,
			   "SELECT arn FROM iam_policies WHERE account = ?1 AND"
			   " substr(path, 1, length(?2)) = ?2 ORDER BY name",
			   2, acct, prefix)) {
			while (q_row(&q)) {
				arns = xrealloc(arns, (n + 1) * sizeof(*arns));
				arns[n++] = xstrdup(q_text(&q, 0));
			}
			q_close(&q);
		}
		for (size_t i = 0; i < n; i++) {
			cJSON *p = policy_json(call->cloud, acct, arns[i], false);
			if (p && only_attached &&
			    cJSON_GetObjectItemCaseSensitive(p, "AttachmentCount")->valueint == 0)
				cJSON_Delete(p);
			else if (p)
				cJSON_AddItemToArray(items, p);
			free(arns[i]);
		}
		free(arns);
	}
	return page(items, in, "Policies");
}

static bool local_policy(struct svc_call *call, const char *arn, const char *action,
			 struct aws_err *err)
{
	if (!allowed(call, action, arn, err))
		return false;
	if (iam_managed_find(arn))
		return aws_err_set(err, 403, "AccessDenied",
				   "Policy %s is an AWS managed policy and cannot be changed.",
				   arn);
	if (!exists(call->cloud, "SELECT 1 FROM iam_policies WHERE account = ?1 AND arn = ?2",
		    account_of(call), arn, NULL))
		return no_entity(err, "Policy %s was not found.", arn);
	return true;
}

static cJSON *op_delete_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *arn = jstr(in, "PolicyArn"), *acct = account_of(call);
	if (!local_policy(call, arn, "iam:DeletePolicy", err))
		return NULL;
	if (attachment_count(call->cloud, acct, arn) > 0) {
		aws_err_set(err, 409, "DeleteConflict",
			    "Cannot delete a policy attached to entities.");
		return NULL;
	}
	if (exists(call->cloud,
		   "SELECT 1 FROM iam_policy_versions v JOIN iam_policies p ON p.account ="
		   " v.account AND p.arn = v.arn WHERE v.account = ?1 AND v.arn = ?2 AND"
		   " v.version <> p.default_version",
		   acct, arn, NULL)) {
		aws_err_set(
			err, 409, "DeleteConflict",
			"This policy has more than one version. Before you delete a policy, you "
			"must delete the policy's versions. The default version is deleted with "
			"the policy.");
		return NULL;
	}
	struct q q;
	if (q_open(&q, call->cloud,
		   "DELETE FROM iam_policy_versions WHERE account = ?1 AND arn = ?2", 2, acct, arn))
		q_done(&q);
	if (q_open(&q, call->cloud, "DELETE FROM iam_policies WHERE account = ?1 AND arn = ?2", 2,
		   acct, arn))
		q_done(&q);
	return cJSON_CreateObject();
}

static cJSON *version_json(struct cloud *c, const char *account, const char *arn,
			   const char *version, bool with_doc)
{
	const struct iam_managed *m = iam_managed_find(arn);
	cJSON *v = NULL;
	if (m) {
		if (strcmp(version, m->version) != 0)
			return NULL;
		v = cJSON_CreateObject();
		if (with_doc)
			add_doc(v, "Document", m->document);
		cJSON_AddStringToObject(v, "VersionId", m->version);
		cJSON_AddBoolToObject(v, "IsDefaultVersion", true);
		double created;
		iso_to_epoch(m->created, &created);
		cJSON_AddNumberToObject(v, "CreateDate", created);
		return v;
	}
	struct q q;
	if (!q_open(&q, c,
		    "SELECT v.document, v.created, v.version = p.default_version FROM"
		    " iam_policy_versions v JOIN iam_policies p ON p.account = v.account AND"
		    " p.arn = v.arn WHERE v.account = ?1 AND v.arn = ?2 AND v.version = ?3",
		    3, account, arn, version))
		return NULL;
	if (q_row(&q)) {
		v = cJSON_CreateObject();
		if (with_doc)
			add_doc(v, "Document", q_text(&q, 0));
		cJSON_AddStringToObject(v, "VersionId", version);
		cJSON_AddBoolToObject(v, "IsDefaultVersion", q_int(&q, 2) != 0);
		cJSON_AddNumberToObject(v, "CreateDate", (double)q_int(&q, 1));
	}
	q_close(&q);
	return v;
}

static cJSON *op_create_policy_version(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *arn = jstr(in, "PolicyArn"), *doc = jstr(in, "PolicyDocument");
	const char *acct = account_of(call);
	bool set_default = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "SetAsDefault"));
	if (!local_policy(call, arn, "iam:CreatePolicyVersion", err) ||
	    !document_ok(doc, IAM_POLICY_IDENTITY, err) || !managed_size_ok(doc, err))
		return NULL;
	struct q q;
	int versions = 0, next = 0;
	if (q_open(&q, call->cloud,
		   "SELECT (SELECT count(*) FROM iam_policy_versions WHERE account = ?1 AND"
		   " arn = ?2), next_version FROM iam_policies WHERE account = ?1 AND arn = ?2",
		   2, acct, arn)) {
		if (q_row(&q)) {
			versions = (int)q_int(&q, 0);
			next = (int)q_int(&q, 1);
		}
		q_close(&q);
	}
	if (versions >= 5) {
		aws_err_set(err, 409, "LimitExceeded",
			    "A managed policy can have up to 5 versions. Before you create a new "
			    "version, you must delete an existing version.");
		return NULL;
	}
	char version[16], now[32];
	snprintf(version, sizeof(version), "v%d", next);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	if (q_open(&q, call->cloud,
		   "INSERT INTO iam_policy_versions VALUES (?1, ?2, ?3, ?4, CAST(?5 AS INTEGER))",
		   5, acct, arn, version, doc, now))
		q_done(&q);
	if (q_open(&q, call->cloud,
		   "UPDATE iam_policies SET next_version = next_version + 1, updated ="
		   " CAST(?4 AS INTEGER), default_version = CASE WHEN ?3 IS NULL THEN"
		   " default_version ELSE ?3 END WHERE account = ?1 AND arn = ?2",
		   4, acct, arn, set_default ? version : NULL, now))
		q_done(&q);
	cJSON *out = cJSON_CreateObject();
	cJSON *v = version_json(call->cloud, acct, arn, version, false);
	cJSON_AddItemToObject(out, "PolicyVersion", v ? v : cJSON_CreateObject());
	return out;
}

static cJSON *op_get_policy_version(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *arn = jstr(in, "PolicyArn"), *version = jstr(in, "VersionId");
	if (!allowed(call, "iam:GetPolicyVersion", arn, err))
		return NULL;
	cJSON *v = version_json(call->cloud, account_of(call), arn, version, true);
	if (!v) {
		no_entity(err, "Policy %s version not found.", arn);
		return NULL;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "PolicyVersion", v);
	return out;
}

static cJSON *op_list_policy_versions(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *arn = jstr(in, "PolicyArn"), *acct = account_of(call);
	if (!allowed(call, "iam:ListPolicyVersions", arn, err))
		return NULL;
	cJSON *items = cJSON_CreateArray();
	const struct iam_managed *m = iam_managed_find(arn);
	if (m) {
		cJSON_AddItemToArray(items,
				     version_json(call->cloud, acct, arn, m->version, false));
		return page(items, in, "Versions");
	}
	if (!exists(call->cloud, "SELECT 1 FROM iam_policies WHERE account = ?1 AND arn = ?2", acct,
		    arn, NULL)) {
		cJSON_Delete(items);
		no_entity(err, "Policy %s was not found.", arn);
		return NULL;
	}
	char **vs = NULL;
	size_t n = 0;
	struct q q;
	if (q_open(&q, call->cloud,
		   "SELECT version FROM iam_policy_versions WHERE account = ?1 AND arn = ?2"
		   " ORDER BY CAST(substr(version, 2) AS INTEGER) DESC",
		   2, acct, arn)) {
		while (q_row(&q)) {
			vs = xrealloc(vs, (n + 1) * sizeof(*vs));
			vs[n++] = xstrdup(q_text(&q, 0));
		}
		q_close(&q);
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *v = version_json(call->cloud, acct, arn, vs[i], false);
		if (v)
			cJSON_AddItemToArray(items, v);
		free(vs[i]);
	}
	free(vs);
	return page(items, in, "Versions");
}

static cJSON *op_delete_policy_version(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *arn = jstr(in, "PolicyArn"), *version = jstr(in, "VersionId");
	const char *acct = account_of(call);
	if (!local_policy(call, arn, "iam:DeletePolicyVersion", err))
		return NULL;
	if (exists(call->cloud,
		   "SELECT 1 FROM iam_policies WHERE account = ?1 AND arn = ?2 AND"
		   " default_version = ?3",
		   acct, arn, version)) {
		aws_err_set(err, 409, "DeleteConflict",
			    "Cannot delete the default version of a policy.");
		return NULL;
	}
	struct q q;
	bool gone = false;
	if (q_open(&q, call->cloud,
		   "DELETE FROM iam_policy_versions WHERE account = ?1 AND arn = ?2 AND version = "
		   "?3",
		   3, acct, arn, version))
		gone = q_done(&q);
	if (!gone) {
		no_entity(err, "Policy %s version not found.", arn);
		return NULL;
	}
	return cJSON_CreateObject();
}

static cJSON *op_set_default_policy_version(struct svc_call *call, const cJSON *in,
					    struct aws_err *err)
{
	const char *arn = jstr(in, "PolicyArn"), *version = jstr(in, "VersionId");
	const char *acct = account_of(call);
	if (!local_policy(call, arn, "iam:SetDefaultPolicyVersion", err))
		return NULL;
	if (!exists(call->cloud,
		    "SELECT 1 FROM iam_policy_versions WHERE account = ?1 AND arn = ?2 AND"
		    " version = ?3",
		    acct, arn, version)) {
		no_entity(err, "Policy %s version not found.", arn);
		return NULL;
	}
	struct q q;
	if (q_open(&q, call->cloud,
		   "UPDATE iam_policies SET default_version = ?3 WHERE account = ?1 AND arn = ?2",
		   3, acct, arn, version))
		q_done(&q);
	return cJSON_CreateObject();
}

/* ---- attachments ---- */

static bool attachable(struct svc_call *call, const char *arn)
{
	return iam_managed_find(arn) ||
	       exists(call->cloud, "SELECT 1 FROM iam_policies WHERE account = ?1 AND arn = ?2",
		      account_of(call), arn, NULL);
}

static cJSON *attach(struct svc_call *call, const struct kind *k, const cJSON *in, bool on,
		     struct aws_err *err)
{
	const char *owner = jstr(in, k->name_member), *arn = jstr(in, "PolicyArn");
	const char *acct = account_of(call);
	char entity[400], action[32];
	/* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, or IAM cannot read it. */
	int colons = 0;
	for (const char *p = arn; p && *p; p++)
		colons += *p == ':';
	if (!arn || strncmp(arn, "arn:", 4) != 0 || colons < 5) {
		aws_err_set(err, 400, "ValidationError", "Invalid ARN:  Could not be parsed!");
		return NULL;
	}
	entity_arn(call->cloud, k, acct, owner, entity, sizeof(entity));
	snprintf(action, sizeof(action), "iam:%s%sPolicy", on ? "Attach" : "Detach", k->title);
	if (!allowed(call, action, entity, err))
		return NULL;
	if (!entity_exists(call->cloud, k, acct, owner)) {
		missing_entity(k, owner, err);
		return NULL;
	}
	struct q q;
	if (on) {
		if (!attachable(call, arn)) {
			no_policy(err, arn);
			return NULL;
		}
		if (q_open(&q, call->cloud,
			   "INSERT OR IGNORE INTO iam_attached VALUES (?1, ?2, ?3, ?4)", 4, acct,
			   k->kind, owner, arn))
			q_done(&q);
		return cJSON_CreateObject();
	}
	bool gone = false;
	if (q_open(&q, call->cloud,
		   "DELETE FROM iam_attached WHERE account = ?1 AND kind = ?2 AND owner = ?3 AND"
		   " arn = ?4",
		   4, acct, k->kind, owner, arn))
		gone = q_done(&q);
	if (!gone) {
		no_entity(err, "Policy %s was not found.", arn);
		return NULL;
	}
	return cJSON_CreateObject();
}

static cJSON *attached_list(struct svc_call *call, const struct kind *k, const cJSON *in,
			    struct aws_err *err)
{
	const char *owner = jstr(in, k->name_member), *acct = account_of(call);
	char entity[400], action[40];
	entity_arn(call->cloud, k, acct, owner, entity, sizeof(entity));
	snprintf(action, sizeof(action), "iam:ListAttached%sPolicies", k->title);
	if (!allowed(call, action, entity, err))
		return NULL;
	if (!entity_exists(call->cloud, k, acct, owner)) {
		missing_entity(k, owner, err);
		return NULL;
	}
	cJSON *items = cJSON_CreateArray();
	struct q q;
	if (q_open(&q, call->cloud,
		   "SELECT arn FROM iam_attached WHERE account = ?1 AND kind = ?2 AND owner = ?3"
		   " ORDER BY arn",
		   3, acct, k->kind, owner)) {
		while (q_row(&q)) {
			const char *arn = q_text(&q, 0);
			cJSON *a = cJSON_CreateObject();
			const char *slash = strrchr(arn, '/');
			cJSON_AddStringToObject(a, "PolicyName", slash ? slash + 1 : arn);
			cJSON_AddStringToObject(a, "PolicyArn", arn);
			cJSON_AddItemToArray(items, a);
		}
		q_close(&q);
	}
	return page(items, in, "AttachedPolicies");
}

static cJSON *op_attach_role_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return attach(c, &ROLE, in, true, e);
}
static cJSON *op_detach_role_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return attach(c, &ROLE, in, false, e);
}
static cJSON *op_list_attached_role_policies(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return attached_list(c, &ROLE, in, e);
}
static cJSON *op_attach_user_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return attach(c, &USER, in, true, e);
}
static cJSON *op_detach_user_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return attach(c, &USER, in, false, e);
}
static cJSON *op_list_attached_user_policies(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return attached_list(c, &USER, in, e);
}

/* ---- users and access keys ---- */

static cJSON *user_json(struct cloud *c, const char *account, const char *name, bool full)
{
	struct q q;
	cJSON *u = NULL;
	if (!q_open(&q, c,
		    "SELECT name, path, id, created, tags FROM iam_users WHERE account = ?1 AND"
		    " name = ?2",
		    2, account, name))
		return NULL;
	if (q_row(&q)) {
		u = cJSON_CreateObject();
		char arn[400];
		snprintf(arn, sizeof(arn), "arn:aws:iam::%s:user%s%s", account, q_text(&q, 1),
			 q_text(&q, 0));
		cJSON_AddStringToObject(u, "Path", q_text(&q, 1));
		cJSON_AddStringToObject(u, "UserName", q_text(&q, 0));
		cJSON_AddStringToObject(u, "UserId", q_text(&q, 2));
		cJSON_AddStringToObject(u, "Arn", arn);
		cJSON_AddNumberToObject(u, "CreateDate", (double)q_int(&q, 3));
		cJSON *tags = cJSON_Parse(q_text(&q, 4));
		if (full && cJSON_GetArraySize(tags) > 0)
			cJSON_AddItemToObject(u, "Tags", tags);
		else
			cJSON_Delete(tags);
	}
	q_close(&q);
	if (u && full)
		boundary_json(c, &USER, account, name, u);
	return u;
}

static cJSON *op_create_user(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "UserName"), *acct = account_of(call);
	const char *path = path_or_root(jstr(in, "Path"));
	char arn[400];
	snprintf(arn, sizeof(arn), "arn:aws:iam::%s:user%s%s", acct, path, name);
	const char *boundary = jstr(in, "PermissionsBoundary");
	if (!allowed(call, "iam:CreateUser", arn, err) || !path_ok(path, err) ||
	    (boundary && !boundary_ok(call, boundary, err)))
		return NULL;
	if (entity_taken(call->cloud, &USER, acct, name)) {
		aws_err_set(err, 409, "EntityAlreadyExists", "User with name %s already exists.",
			    name);
		return NULL;
	}
	char id[32], now[32];
	random_id(id, "AIDA");
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	char *tags = tags_text(in);
	struct q q;
	if (q_open(&q, call->cloud,
		   "INSERT INTO iam_users VALUES (?1, ?2, ?3, ?4, CAST(?5 AS INTEGER), ?6)", 6,
		   acct, name, path, id, now, tags))
		q_done(&q);
	free(tags);
	if (boundary)
		boundary_set(call, &USER, name, boundary);
	cJSON *out = cJSON_CreateObject();
	cJSON *u = user_json(call->cloud, acct, name, false);
	cJSON_AddItemToObject(out, "User", u ? u : cJSON_CreateObject());
	return out;
}

static cJSON *op_get_user(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "UserName"), *acct = account_of(call);
	cJSON *u = NULL;
	if (!name) {
		/* The caller itself: its root (as AWS answers for root credentials), or its user.
		 */
		const char *me = call->caller->arn;
		const char *user = strstr(me, ":user/");
		if (user) {
			name = strrchr(me, '/') + 1;
		} else if (strstr(me, ":root")) {
			u = cJSON_CreateObject();
			cJSON_AddStringToObject(u, "UserId", acct);
			cJSON_AddStringToObject(u, "Arn", me);
			cJSON_AddNumberToObject(
				u, "CreateDate",
				(double)auth_account_created(call->cloud->auth, acct));
		} else {
			aws_err_set(err, 400, "ValidationError",
				    "Must specify userName when calling with non-User credentials");
			return NULL;
		}
	}
	if (!u) {
		char arn[400];
		entity_arn(call->cloud, &USER, acct, name, arn, sizeof(arn));
		if (!allowed(call, "iam:GetUser", arn, err))
			return NULL;
		u = user_json(call->cloud, acct, name, true);
		if (!u) {
			missing_entity(&USER, name, err);
			return NULL;
		}
	}
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "User", u);
	return out;
}

static cJSON *op_list_users(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *acct = account_of(call), *prefix = path_or_root(jstr(in, "PathPrefix"));
	char arn[64];
	snprintf(arn, sizeof(arn), "arn:aws:iam::%s:user/", acct);
	if (!allowed(call, "iam:ListUsers", arn, err))
		return NULL;
	char **names = NULL;
	size_t n = 0;
	struct q q;
	if (q_open(&q, call->cloud,
		   "SELECT name FROM iam_users WHERE account = ?1 AND substr(path, 1, length(?2)) "
		   "= ?2"
		   " ORDER BY name COLLATE NOCASE",
		   2, acct, prefix)) {
		while (q_row(&q)) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(q_text(&q, 0));
		}
		q_close(&q);
	}
	cJSON *items = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *u = user_json(call->cloud, acct, names[i], false);
		if (u)
			cJSON_AddItemToArray(items, u);
		free(names[i]);
	}
	free(names);
	return page(items, in, "Users");
}

static cJSON *op_delete_user(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return entity_delete(call, &USER, in, err);
}

/* The user an access key operation is for: UserName, else the calling user. */
static const char *key_user(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "UserName");
	if (name)
		return name;
	const char *user = strstr(call->caller->arn, ":user/");
	if (user)
		return strrchr(call->caller->arn, '/') + 1;
	aws_err_set(err, 400, "ValidationError",
		    "Must specify userName when calling with non-User credentials");
	return NULL;
}

static cJSON *op_create_access_key(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *acct = account_of(call), *name = key_user(call, in, err);
	if (!name)
		return NULL;
	char arn[400];
	entity_arn(call->cloud, &USER, acct, name, arn, sizeof(arn));
	if (!allowed(call, "iam:CreateAccessKey", arn, err))
		return NULL;
	if (!entity_exists(call->cloud, &USER, acct, name)) {
		missing_entity(&USER, name, err);
		return NULL;
	}
	if (count_rows(call->cloud,
		       "SELECT 1 FROM iam_access_keys WHERE account = ?1 AND user = ?2"
		       " LIMIT 1 OFFSET 1",
		       acct, name, NULL)) {
		aws_err_set(err, 409, "LimitExceeded",
			    "Cannot exceed quota for AccessKeysPerUser: 2");
		return NULL;
	}
	struct auth_creds k;
	auth_key_new(call->cloud->auth, acct, arn, false, 0, &k);
	char now[32];
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	struct q q;
	if (q_open(&q, call->cloud,
		   "INSERT INTO iam_access_keys VALUES (?1, ?2, ?3, ?4, 'Active',"
		   " CAST(?5 AS INTEGER))",
		   5, acct, name, k.access_key, k.secret, now))
		q_done(&q);
	cJSON *out = cJSON_CreateObject(), *a = cJSON_AddObjectToObject(out, "AccessKey");
	cJSON_AddStringToObject(a, "UserName", name);
	cJSON_AddStringToObject(a, "AccessKeyId", k.access_key);
	cJSON_AddStringToObject(a, "Status", "Active");
	cJSON_AddStringToObject(a, "SecretAccessKey", k.secret);
	cJSON_AddNumberToObject(a, "CreateDate", (double)time(NULL));
	return out;
}

static cJSON *op_list_access_keys(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *acct = account_of(call), *name = key_user(call, in, err);
	if (!name)
		return NULL;
	char arn[400];
	entity_arn(call->cloud, &USER, acct, name, arn, sizeof(arn));
	if (!allowed(call, "iam:ListAccessKeys", arn, err))
		return NULL;
	if (!entity_exists(call->cloud, &USER, acct, name)) {
		missing_entity(&USER, name, err);
		return NULL;
	}
	cJSON *items = cJSON_CreateArray();
	struct q q;
	if (q_open(&q, call->cloud,
		   "SELECT access_key, status, created FROM iam_access_keys WHERE account = ?1 AND"
		   " user = ?2 ORDER BY created",
		   2, acct, name)) {
		while (q_row(&q)) {
			cJSON *a = cJSON_CreateObject();
			cJSON_AddStringToObject(a, "UserName", name);
			cJSON_AddStringToObject(a, "AccessKeyId", q_text(&q, 0));
			cJSON_AddStringToObject(a, "Status", q_text(&q, 1));
			cJSON_AddNumberToObject(a, "CreateDate", (double)q_int(&q, 2));
			cJSON_AddItemToArray(items, a);
		}
		q_close(&q);
	}
	return page(items, in, "AccessKeyMetadata");
}

static cJSON *op_delete_access_key(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *acct = account_of(call), *name = key_user(call, in, err);
	const char *key = jstr(in, "AccessKeyId");
	if (!name)
		return NULL;
	char arn[400];
	entity_arn(call->cloud, &USER, acct, name, arn, sizeof(arn));
	if (!allowed(call, "iam:DeleteAccessKey", arn, err))
		return NULL;
	struct q q;
	bool gone = false;
	if (q_open(&q, call->cloud,
		   "DELETE FROM iam_access_keys WHERE account = ?1 AND user = ?2 AND access_key = "
		   "?3",
		   3, acct, name, key))
		gone = q_done(&q);
	if (!gone) {
		no_entity(err, "The Access Key with id %s cannot be found.", key);
		return NULL;
	}
	auth_key_forget(call->cloud->auth, key);
	return cJSON_CreateObject();
}

/* ---- access key status ---- */

static cJSON *op_update_access_key(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *acct = account_of(call), *name = key_user(call, in, err);
	const char *key = jstr(in, "AccessKeyId"), *status = jstr(in, "Status");
	if (!name)
		return NULL;
	char arn[400];
	entity_arn(call->cloud, &USER, acct, name, arn, sizeof(arn));
	if (!allowed(call, "iam:UpdateAccessKey", arn, err))
		return NULL;
	if (!entity_exists(call->cloud, &USER, acct, name)) {
		missing_entity(&USER, name, err);
		return NULL;
	}
	bool active = strcmp(status, "Active") == 0;
	if (!active && strcmp(status, "Inactive") != 0) {
		aws_err_set(err, 400, "ValidationError",
			    "1 validation error detected: Value '%s' at 'status' failed to satisfy "
			    "constraint: Member must satisfy enum value set: [Active, Inactive]",
			    status);
		return NULL;
	}
	char *secret = NULL;
	struct q q;
	if (q_open(&q, call->cloud,
		   "SELECT secret FROM iam_access_keys WHERE account = ?1 AND user = ?2 AND"
		   " access_key = ?3",
		   3, acct, name, key)) {
		if (q_row(&q))
			secret = xstrdup(q_text(&q, 0));
		q_close(&q);
	}
	if (!secret) {
		no_entity(err, "The Access Key with id %s cannot be found.", key);
		return NULL;
	}
	if (q_open(&q, call->cloud,
		   "UPDATE iam_access_keys SET status = ?3 WHERE account = ?1 AND access_key = ?2",
		   3, acct, key, status))
		q_done(&q);
	/* An inactive key is one the endpoint no longer knows: AWS refuses it as it refuses a
	 * key it never issued. */
	if (active)
		auth_key_restore(call->cloud->auth, acct, arn, key, secret);
	else
		auth_key_forget(call->cloud->auth, key);
	free(secret);
	return cJSON_CreateObject();
}

/* ---- groups ---- */

static cJSON *group_json(struct cloud *c, const char *account, const char *name)
{
	struct q q;
	cJSON *g = NULL;
	if (!q_open(&q, c,
		    "SELECT name, path, id, created FROM iam_groups WHERE account = ?1 AND name = "
		    "?2",
		    2, account, name))
		return NULL;
	if (q_row(&q)) {
		g = cJSON_CreateObject();
		char arn[400];
		snprintf(arn, sizeof(arn), "arn:aws:iam::%s:group%s%s", account, q_text(&q, 1),
			 q_text(&q, 0));
		cJSON_AddStringToObject(g, "Path", q_text(&q, 1));
		cJSON_AddStringToObject(g, "GroupName", q_text(&q, 0));
		cJSON_AddStringToObject(g, "GroupId", q_text(&q, 2));
		cJSON_AddStringToObject(g, "Arn", arn);
		cJSON_AddNumberToObject(g, "CreateDate", (double)q_int(&q, 3));
	}
	q_close(&q);
	return g;
}

/* The names sql (bound to a and b) selects, as objects made by fn, into a new array. */
static cJSON *objects_of(struct cloud *c, const char *sql, const char *a, const char *b,
			 cJSON *(*fn)(struct cloud *, const char *, const char *))
{
	char **names = NULL;
	size_t n = 0;
	struct q q;
	if (q_open(&q, c, sql, 2, a, b)) {
		while (q_row(&q)) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(q_text(&q, 0));
		}
		q_close(&q);
	}
	cJSON *items = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = fn(c, a, names[i]);
		if (o)
			cJSON_AddItemToArray(items, o);
		free(names[i]);
	}
	free(names);
	return items;
}

static cJSON *user_brief(struct cloud *c, const char *account, const char *name)
{
	return user_json(c, account, name, false);
}

static cJSON *op_create_group(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "GroupName"), *acct = account_of(call);
	const char *path = path_or_root(jstr(in, "Path"));
	char arn[400];
	snprintf(arn, sizeof(arn), "arn:aws:iam::%s:group%s%s", acct, path, name);
	if (!allowed(call, "iam:CreateGroup", arn, err) || !path_ok(path, err))
		return NULL;
	if (entity_taken(call->cloud, &GROUP, acct, name)) {
		aws_err_set(err, 409, "EntityAlreadyExists", "Group with name %s already exists.",
			    name);
		return NULL;
	}
	char id[32], now[32];
	random_id(id, "AGPA");
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	struct q q;
	if (q_open(&q, call->cloud,
		   "INSERT INTO iam_groups VALUES (?1, ?2, ?3, ?4, CAST(?5 AS INTEGER))", 5, acct,
		   name, path, id, now))
		q_done(&q);
	cJSON *out = cJSON_CreateObject();
	cJSON *g = group_json(call->cloud, acct, name);
	cJSON_AddItemToObject(out, "Group", g ? g : cJSON_CreateObject());
	return out;
}

static cJSON *op_get_group(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "GroupName"), *acct = account_of(call);
	char arn[400];
	entity_arn(call->cloud, &GROUP, acct, name, arn, sizeof(arn));
	if (!allowed(call, "iam:GetGroup", arn, err))
		return NULL;
	cJSON *g = group_json(call->cloud, acct, name);
	if (!g) {
		missing_entity(&GROUP, name, err);
		return NULL;
	}
	cJSON *users = objects_of(call->cloud,
				  "SELECT u.name FROM iam_group_members m JOIN iam_users u ON"
				  " u.account = m.account AND u.name = m.user WHERE m.account = ?1"
				  " AND m.grp = ?2 ORDER BY m.added, u.name",
				  acct, name, user_brief);
	cJSON *out = page(users, in, "Users");
	cJSON_AddItemToObject(out, "Group", g);
	return out;
}

static cJSON *op_list_groups(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *acct = account_of(call), *prefix = path_or_root(jstr(in, "PathPrefix"));
	char arn[64];
	snprintf(arn, sizeof(arn), "arn:aws:iam::%s:group/", acct);
	if (!allowed(call, "iam:ListGroups", arn, err))
		return NULL;
	cJSON *items = objects_of(call->cloud,
				  "SELECT name FROM iam_groups WHERE account = ?1 AND"
				  " substr(path, 1, length(?2)) = ?2 ORDER BY name COLLATE NOCASE",
				  acct, prefix, group_json);
	return page(items, in, "Groups");
}

static cJSON *op_delete_group(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return entity_delete(call, &GROUP, in, err);
}

/* AddUserToGroup (on) and RemoveUserFromGroup. */
static cJSON *membership(struct svc_call *call, const cJSON *in, bool on, struct aws_err *err)
{
	const char *group = jstr(in, "GroupName"), *user = jstr(in, "UserName");
	const char *acct = account_of(call);
	char arn[400];
	entity_arn(call->cloud, &GROUP, acct, group, arn, sizeof(arn));
	if (!allowed(call, on ? "iam:AddUserToGroup" : "iam:RemoveUserFromGroup", arn, err))
		return NULL;
	if (!entity_exists(call->cloud, &GROUP, acct, group)) {
		missing_entity(&GROUP, group, err);
		return NULL;
	}
	if (!entity_exists(call->cloud, &USER, acct, user)) {
		missing_entity(&USER, user, err);
		return NULL;
	}
	struct q q;
	char now[32];
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	if (on) {
		if (q_open(&q, call->cloud,
			   "INSERT OR IGNORE INTO iam_group_members SELECT ?1, g.name, u.name,"
			   " CAST(?4 AS INTEGER) FROM iam_groups g, iam_users u WHERE"
			   " g.account = ?1 AND g.name = ?2 AND u.account = ?1 AND u.name = ?3",
			   4, acct, group, user, now))
			q_done(&q);
		return cJSON_CreateObject();
	}
	bool gone = false;
	if (q_open(&q, call->cloud,
		   "DELETE FROM iam_group_members WHERE account = ?1 AND grp = ?2 AND user = ?3", 3,
		   acct, group, user))
		gone = q_done(&q);
	if (!gone) {
		no_entity(err, "The user with name %s cannot be found.", user);
		return NULL;
	}
	return cJSON_CreateObject();
}

static cJSON *op_add_user_to_group(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return membership(c, in, true, e);
}
static cJSON *op_remove_user_from_group(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return membership(c, in, false, e);
}

static cJSON *op_list_groups_for_user(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = jstr(in, "UserName"), *acct = account_of(call);
	char arn[400];
	entity_arn(call->cloud, &USER, acct, name, arn, sizeof(arn));
	if (!allowed(call, "iam:ListGroupsForUser", arn, err))
		return NULL;
	if (!entity_exists(call->cloud, &USER, acct, name)) {
		missing_entity(&USER, name, err);
		return NULL;
	}
	cJSON *items = objects_of(call->cloud,
				  "SELECT grp FROM iam_group_members WHERE account = ?1 AND"
				  " user = ?2 ORDER BY grp COLLATE NOCASE",
				  acct, name, group_json);
	return page(items, in, "Groups");
}

static cJSON *op_put_group_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return inline_put(c, &GROUP, in, e);
}
static cJSON *op_get_group_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return inline_get(c, &GROUP, in, e);
}
static cJSON *op_delete_group_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return inline_delete(c, &GROUP, in, e);
}
static cJSON *op_list_group_policies(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return inline_list(c, &GROUP, in, e);
}
static cJSON *op_attach_group_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return attach(c, &GROUP, in, true, e);
}
static cJSON *op_detach_group_policy(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return attach(c, &GROUP, in, false, e);
}
static cJSON *op_list_attached_group_policies(struct svc_call *c, const cJSON *in,
					      struct aws_err *e)
{
	return attached_list(c, &GROUP, in, e);
}

/* ---- tags on roles and users ---- */

/* IAM's quota of tags per role or user. */
#define TAGS_PER_ENTITY 50

/* TagRole/TagUser (tags), UntagRole/UntagUser (keys). */
static cJSON *retag(struct svc_call *call, const struct kind *k, const cJSON *in, bool add,
		    struct aws_err *err)
{
	const char *name = jstr(in, k->name_member), *acct = account_of(call);
	char arn[400], action[32];
	entity_arn(call->cloud, k, acct, name, arn, sizeof(arn));
	snprintf(action, sizeof(action), "iam:%s%s", add ? "Tag" : "Untag", k->title);
	if (!allowed(call, action, arn, err))
		return NULL;
	if (!entity_exists(call->cloud, k, acct, name)) {
		missing_entity(k, name, err);
		return NULL;
	}
	char *text = iam_store_tags(call->cloud, acct, k->kind, name);
	cJSON *tags = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsArray(tags)) {
		cJSON_Delete(tags);
		tags = cJSON_CreateArray();
	}
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(in, add ? "Tags" : "TagKeys"))
	{
		const char *key = add ? jstr(e, "Key") : e->valuestring;
		/* Tag keys are case-insensitive in IAM: one key, its latest spelling. */
		for (int i = cJSON_GetArraySize(tags) - 1; key && i >= 0; i--) {
			const char *have = jstr(cJSON_GetArrayItem(tags, i), "Key");
			if (have && strcasecmp(have, key) == 0)
				cJSON_DeleteItemFromArray(tags, i);
		}
		if (add && key) {
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "Key", key);
			cJSON_AddStringToObject(t, "Value",
						jstr(e, "Value") ? jstr(e, "Value") : "");
			cJSON_AddItemToArray(tags, t);
		}
	}
	if (cJSON_GetArraySize(tags) > TAGS_PER_ENTITY) {
		cJSON_Delete(tags);
		aws_err_set(err, 409, "LimitExceeded", "Cannot exceed quota for TagsPer%s: %d",
			    k->title, TAGS_PER_ENTITY);
		return NULL;
	}
	char *out = cJSON_PrintUnformatted(tags);
	cJSON_Delete(tags);
	char sql[96];
	snprintf(sql, sizeof(sql), "UPDATE %s SET tags = ?3 WHERE account = ?1 AND name = ?2",
		 k->table);
	struct q q;
	if (q_open(&q, call->cloud, sql, 3, acct, name, out))
		q_done(&q);
	free(out);
	return cJSON_CreateObject();
}

static cJSON *tags_list(struct svc_call *call, const struct kind *k, const cJSON *in,
			struct aws_err *err)
{
	const char *name = jstr(in, k->name_member), *acct = account_of(call);
	char arn[400], action[32];
	entity_arn(call->cloud, k, acct, name, arn, sizeof(arn));
	snprintf(action, sizeof(action), "iam:List%sTags", k->title);
	if (!allowed(call, action, arn, err))
		return NULL;
	if (!entity_exists(call->cloud, k, acct, name)) {
		missing_entity(k, name, err);
		return NULL;
	}
	char *text = iam_store_tags(call->cloud, acct, k->kind, name);
	cJSON *tags = cJSON_Parse(text);
	free(text);
	return page(tags ? tags : cJSON_CreateArray(), in, "Tags");
}

static cJSON *op_tag_role(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return retag(c, &ROLE, in, true, e);
}
static cJSON *op_untag_role(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return retag(c, &ROLE, in, false, e);
}
static cJSON *op_list_role_tags(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return tags_list(c, &ROLE, in, e);
}
static cJSON *op_tag_user(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return retag(c, &USER, in, true, e);
}
static cJSON *op_untag_user(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return retag(c, &USER, in, false, e);
}
static cJSON *op_list_user_tags(struct svc_call *c, const cJSON *in, struct aws_err *e)
{
	return tags_list(c, &USER, in, e);
}

/* ---- permissions boundaries (the operations) ---- */

static cJSON *boundary_put(struct svc_call *call, const struct kind *k, const cJSON *in, bool put,
			   struct aws_err *err)
{
	const char *name = jstr(in, k->name_member), *acct = account_of(call);
	const char *policy = jstr(in, "PermissionsBoundary");
	char arn[400], action[48];
	entity_arn(call->cloud, k, acct, name, arn, sizeof(arn));
	snprintf(action, sizeof(action), "iam:%s%sPermissionsBoundary", put ? "Put" : "Delete",
		 k->title);
	if (!allowed(call, action, arn, err))
		return NULL;
	if (!entity_exists(call->cloud, k, acct, name)) {
		missing_entity(k, name, err);
		return NULL;
	}
	if (put) {
		if (!boundary_ok(call, policy, err))
			return NULL;
		boundary_set(call, k, name, policy);
		return cJSON_CreateObject();
	}
	struct q q;
	if (q_open(&q, call->cloud,
		   "DELETE FROM iam_boundaries WHERE account = ?1 AND kind = ?2 AND owner = ?3", 3,
		   acct, k->kind, name))
		q_done(&q);
	return cJSON_CreateObject();
}

static cJSON *op_put_role_permissions_boundary(struct svc_call *c, const cJSON *in,
					       struct aws_err *e)
{
	return boundary_put(c, &ROLE, in, true, e);
}
static cJSON *op_delete_role_permissions_boundary(struct svc_call *c, const cJSON *in,
						  struct aws_err *e)
{
	return boundary_put(c, &ROLE, in, false, e);
}
static cJSON *op_put_user_permissions_boundary(struct svc_call *c, const cJSON *in,
					       struct aws_err *e)
{
	return boundary_put(c, &USER, in, true, e);
}
static cJSON *op_delete_user_permissions_boundary(struct svc_call *c, const cJSON *in,
						  struct aws_err *e)
{
	return boundary_put(c, &USER, in, false, e);
}

/* ---- the row ---- */

static void service_free(struct cloud *c)
{
	iam_cache_forget(c);
}

static void service_reset(struct cloud *c, const char *account)
{
	/* Users' keys go with their users. */
	char **keys = NULL;
	size_t n = 0;
	struct q q;
	if (c->db && q_open(&q, c, "SELECT access_key FROM iam_access_keys WHERE account = ?1", 1,
			    account)) {
		while (q_row(&q)) {
			keys = xrealloc(keys, (n + 1) * sizeof(*keys));
			keys[n++] = xstrdup(q_text(&q, 0));
		}
		q_close(&q);
	}
	for (size_t i = 0; i < n; i++) {
		if (c->auth)
			auth_key_forget(c->auth, keys[i]);
		free(keys[i]);
	}
	free(keys);
	iam_store_reset(c, account);
}

static const struct svc_op ops[] = {
	{ "AddUserToGroup", op_add_user_to_group },
	{ "AttachGroupPolicy", op_attach_group_policy },
	{ "AttachRolePolicy", op_attach_role_policy },
	{ "AttachUserPolicy", op_attach_user_policy },
	{ "CreateAccessKey", op_create_access_key },
	{ "CreateGroup", op_create_group },
	{ "CreatePolicy", op_create_policy },
	{ "CreatePolicyVersion", op_create_policy_version },
	{ "CreateRole", op_create_role },
	{ "CreateUser", op_create_user },
	{ "DeleteAccessKey", op_delete_access_key },
	{ "DeleteGroup", op_delete_group },
	{ "DeleteGroupPolicy", op_delete_group_policy },
	{ "DeletePolicy", op_delete_policy },
	{ "DeletePolicyVersion", op_delete_policy_version },
	{ "DeleteRole", op_delete_role },
	{ "DeleteRolePermissionsBoundary", op_delete_role_permissions_boundary },
	{ "DeleteRolePolicy", op_delete_role_policy },
	{ "DeleteUser", op_delete_user },
	{ "DeleteUserPermissionsBoundary", op_delete_user_permissions_boundary },
	{ "DeleteUserPolicy", op_delete_user_policy },
	{ "DetachGroupPolicy", op_detach_group_policy },
	{ "DetachRolePolicy", op_detach_role_policy },
	{ "DetachUserPolicy", op_detach_user_policy },
	{ "GetContextKeysForCustomPolicy", iam_op_get_context_keys_for_custom_policy },
	{ "GetContextKeysForPrincipalPolicy", iam_op_get_context_keys_for_principal_policy },
	{ "GetGroup", op_get_group },
	{ "GetGroupPolicy", op_get_group_policy },
	{ "GetPolicy", op_get_policy },
	{ "GetPolicyVersion", op_get_policy_version },
	{ "GetRole", op_get_role },
	{ "GetRolePolicy", op_get_role_policy },
	{ "GetUser", op_get_user },
	{ "GetUserPolicy", op_get_user_policy },
	{ "ListAccessKeys", op_list_access_keys },
	{ "ListAttachedGroupPolicies", op_list_attached_group_policies },
	{ "ListAttachedRolePolicies", op_list_attached_role_policies },
	{ "ListAttachedUserPolicies", op_list_attached_user_policies },
	{ "ListGroupPolicies", op_list_group_policies },
	{ "ListGroups", op_list_groups },
	{ "ListGroupsForUser", op_list_groups_for_user },
	{ "ListPolicies", op_list_policies },
	{ "ListPolicyVersions", op_list_policy_versions },
	{ "ListRolePolicies", op_list_role_policies },
	{ "ListRoleTags", op_list_role_tags },
	{ "ListRoles", op_list_roles },
	{ "ListUserPolicies", op_list_user_policies },
	{ "ListUserTags", op_list_user_tags },
	{ "ListUsers", op_list_users },
	{ "PutGroupPolicy", op_put_group_policy },
	{ "PutRolePermissionsBoundary", op_put_role_permissions_boundary },
	{ "PutRolePolicy", op_put_role_policy },
	{ "PutUserPermissionsBoundary", op_put_user_permissions_boundary },
	{ "PutUserPolicy", op_put_user_policy },
	{ "RemoveUserFromGroup", op_remove_user_from_group },
	{ "SetDefaultPolicyVersion", op_set_default_policy_version },
	{ "SimulateCustomPolicy", iam_op_simulate_custom_policy },
	{ "SimulatePrincipalPolicy", iam_op_simulate_principal_policy },
	{ "TagRole", op_tag_role },
	{ "TagUser", op_tag_user },
	{ "UntagRole", op_untag_role },
	{ "UntagUser", op_untag_user },
	{ "UpdateAccessKey", op_update_access_key },
	{ "UpdateAssumeRolePolicy", op_update_assume_role_policy },
	{ "UpdateRole", op_update_role },
};

static const struct svc_door doors[] = {
	{ .prefix = "/_tutor/iam/report", .control = true, .serve = iam_report_door },
	{ .prefix = "/_tutor/iam/decide", .control = true, .serve = iam_decide_door },
};

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const iam_members[] = {
	"AddUserToGroup GroupName UserName",
	"AttachGroupPolicy GroupName PolicyArn",
	"AttachRolePolicy PolicyArn RoleName",
	"AttachUserPolicy PolicyArn UserName",
	"CreateAccessKey UserName",
	"CreateGroup GroupName Path",
	"CreatePolicy Description Path PolicyDocument PolicyName Tags",
	"CreatePolicyVersion PolicyArn PolicyDocument SetAsDefault",
	"CreateRole AssumeRolePolicyDocument Description MaxSessionDuration Path "
	"PermissionsBoundary RoleName Tags",
	"CreateUser Path PermissionsBoundary Tags UserName",
	"DeleteAccessKey AccessKeyId UserName",
	"DeleteGroup GroupName",
	"DeleteGroupPolicy GroupName PolicyName",
	"DeletePolicy PolicyArn",
	"DeletePolicyVersion PolicyArn VersionId",
	"DeleteRole RoleName",
	"DeleteRolePermissionsBoundary RoleName",
	"DeleteRolePolicy PolicyName RoleName",
	"DeleteUser UserName",
	"DeleteUserPermissionsBoundary UserName",
	"DeleteUserPolicy PolicyName UserName",
	"DetachGroupPolicy GroupName PolicyArn",
	"DetachRolePolicy PolicyArn RoleName",
	"DetachUserPolicy PolicyArn UserName",
	"GetContextKeysForCustomPolicy PolicyInputList",
	"GetContextKeysForPrincipalPolicy PolicyInputList PolicySourceArn",
	"GetGroup GroupName Marker MaxItems",
	"GetGroupPolicy GroupName PolicyName",
	"GetPolicy PolicyArn",
	"GetPolicyVersion PolicyArn VersionId",
	"GetRole RoleName",
	"GetRolePolicy PolicyName RoleName",
	"GetUser UserName",
	"GetUserPolicy PolicyName UserName",
	"ListAccessKeys Marker MaxItems UserName",
	"ListAttachedGroupPolicies GroupName Marker MaxItems PathPrefix",
	"ListAttachedRolePolicies Marker MaxItems PathPrefix RoleName",
	"ListAttachedUserPolicies Marker MaxItems PathPrefix UserName",
	"ListGroupPolicies GroupName Marker MaxItems",
	"ListGroups Marker MaxItems PathPrefix",
	"ListGroupsForUser Marker MaxItems UserName",
	"ListPolicies Marker MaxItems OnlyAttached PathPrefix -PolicyUsageFilter Scope",
	"ListPolicyVersions Marker MaxItems PolicyArn",
	"ListRolePolicies Marker MaxItems RoleName",
	"ListRoleTags Marker MaxItems RoleName",
	"ListRoles Marker MaxItems PathPrefix",
	"ListUserPolicies Marker MaxItems UserName",
	"ListUserTags Marker MaxItems UserName",
	"ListUsers Marker MaxItems PathPrefix",
	"PutGroupPolicy GroupName PolicyDocument PolicyName",
	"PutRolePermissionsBoundary PermissionsBoundary RoleName",
	"PutRolePolicy PolicyDocument PolicyName RoleName",
	"PutUserPermissionsBoundary PermissionsBoundary UserName",
	"PutUserPolicy PolicyDocument PolicyName UserName",
	"RemoveUserFromGroup GroupName UserName",
	"SetDefaultPolicyVersion PolicyArn VersionId",
	"SimulateCustomPolicy ActionNames CallerArn ContextEntries Marker MaxItems "
	"PermissionsBoundaryPolicyInputList PolicyInputList ResourceArns "
	"-ResourceHandlingOption ResourceOwner ResourcePolicy",
	"SimulatePrincipalPolicy ActionNames CallerArn ContextEntries Marker MaxItems "
	"PermissionsBoundaryPolicyInputList PolicyInputList PolicySourceArn ResourceArns "
	"-ResourceHandlingOption ResourceOwner ResourcePolicy",
	"TagRole RoleName Tags",
	"TagUser Tags UserName",
	"UntagRole RoleName TagKeys",
	"UntagUser TagKeys UserName",
	"UpdateAccessKey AccessKeyId Status UserName",
	"UpdateAssumeRolePolicy PolicyDocument RoleName",
	"UpdateRole Description MaxSessionDuration RoleName",
	NULL,
};

const struct cloud_service iam_service = {
	.name = "iam",
	.model = "iam-2010-05-08",
	.title = "AWS Identity and Access Management",
	.query_version = "2010-05-08",
	.free = service_free,
	.reset_account = service_reset,
	.migrations = iam_store_migrations,
	.nmigrations = IAM_STORE_NMIGRATIONS,
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = iam_members,
	.doors = doors,
	.ndoors = sizeof(doors) / sizeof(doors[0]),
};
