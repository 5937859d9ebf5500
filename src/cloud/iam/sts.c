/*
 * AWS Security Token Service's row of the service table (the query protocol):
 * GetCallerIdentity, AssumeRole (the role's trust policy decides, sts:ExternalId among its
 * condition keys, with the caller's own identity-based policies as AWS's evaluation logic has
 * it; an account's root may not) and GetSessionToken. Session credentials are ASIA... keys with a
 * token that the auth layer verifies until they expire on their account's virtual clock.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cloud/auth/auth.h"
#include "cloud/iam/iam.h"
#include "cloud/iam/store.h"
#include "cloud/state.h"
#include "core/xalloc.h"

static const char *jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The role's name of an assumed-role ARN, and its session's. */
static bool assumed(const char *arn, char *role, size_t rn, char *session, size_t sn)
{
	const char *ar = strstr(arn, ":assumed-role/");
	if (!ar)
		return false;
	const char *r = ar + 14, *slash = strchr(r, '/');
	snprintf(role, rn, "%.*s", slash ? (int)(slash - r) : (int)strlen(r), r);
	snprintf(session, sn, "%s", slash ? slash + 1 : "");
	return true;
}

/* A role's id, or one derived from its name when the role is not IAM's (an older function's). */
static void role_id(struct cloud *c, const char *account, const char *role, char *out, size_t n)
{
	int max;
	if (iam_store_role_info(c, account, role, out, n, &max))
		return;
	unsigned h = 5381;
	for (const char *s = role; *s; s++)
		h = h * 33 + (unsigned char)*s;
	snprintf(out, n, "AROA%08X%09u", h, h % 1000000000u);
}

static cJSON *op_get_caller_identity(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	(void)in;
	(void)err;
	const struct svc_caller *me = call->caller;
	cJSON *out = cJSON_CreateObject();
	char role[129], session[129], user_id[300];
	snprintf(user_id, sizeof(user_id), "%s", me->account);
	if (assumed(me->arn, role, sizeof(role), session, sizeof(session))) {
		char id[32];
		role_id(call->cloud, me->account, role, id, sizeof(id));
		snprintf(user_id, sizeof(user_id), "%s:%s", id, session);
	} else if (strstr(me->arn, ":user/")) {
		iam_store_user_id(call->cloud, me->account, strrchr(me->arn, '/') + 1, user_id,
				  sizeof(user_id));
	}
	cJSON_AddStringToObject(out, "UserId", user_id);
	cJSON_AddStringToObject(out, "Account", me->account);
	cJSON_AddStringToObject(out, "Arn", me->arn);
	return out;
}

static cJSON *credentials(const struct auth_creds *k)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "AccessKeyId", k->access_key);
	cJSON_AddStringToObject(c, "SecretAccessKey", k->secret);
	cJSON_AddStringToObject(c, "SessionToken", k->token);
	cJSON_AddNumberToObject(c, "Expiration", (double)k->expires);
	return c;
}

static bool session_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("+=,.@-_", *p)))
			return false;
	return true;
}

/* The characters of UTF-8 s, as AWS counts a tag's length. */
static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* STS's quota of session tags, and the lengths of their keys and values. */
#define SESSION_TAGS_MAX      50
#define SESSION_TAG_KEY_MAX   128
#define SESSION_TAG_VALUE_MAX 256

/*
 * AssumeRole's Tags into tags (borrowed from in), which of them TransitiveTagKeys names into
 * transitive; false with AWS's error when they break its rules.
 */
static bool session_tags(const cJSON *in, struct iam_kv *tags, bool *transitive, size_t *n,
			 struct aws_err *err)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(in, "Tags"), *e;
	*n = 0;
	if (cJSON_GetArraySize(t) > SESSION_TAGS_MAX) {
		aws_err_set(err, 400, "ValidationError",
			    "1 validation error detected: Value at 'tags' failed to satisfy "
			    "constraint: Member must have length less than or equal to %d",
			    SESSION_TAGS_MAX);
		return false;
	}
	cJSON_ArrayForEach(e, t)
	{
		const char *k = jstr(e, "Key"), *v = jstr(e, "Value");
		if (!k || !k[0] || chars(k) > SESSION_TAG_KEY_MAX) {
			aws_err_set(err, 400, "ValidationError",
				    "1 validation error detected: Value '%s' at "
				    "'tags.%zu.member.key' failed to satisfy constraint: Member "
				    "must have length %s",
				    k ? k : "", *n + 1,
				    k && k[0] ? "less than or equal to 128"
					      : "greater than or equal to 1");
			return false;
		}
		if (!v)
			v = "";
		if (chars(v) > SESSION_TAG_VALUE_MAX) {
			aws_err_set(err, 400, "ValidationError",
				    "1 validation error detected: Value '%s' at "
				    "'tags.%zu.member.value' failed to satisfy constraint: Member "
				    "must have length less than or equal to 256",
				    v, *n + 1);
			return false;
		}
		/* Tag keys are case-insensitive: one key once. */
		for (size_t i = 0; i < *n; i++)
			if (strcasecmp(tags[i].key, k) == 0) {
				aws_err_set(err, 400, "InvalidParameterValue",
					    "Duplicate tag keys found. Please note that Tag keys "
					    "are case insensitive.");
				return false;
			}
		transitive[*n] = false;
		tags[(*n)++] = (struct iam_kv){ k, v };
	}
	const cJSON *tk = cJSON_GetObjectItemCaseSensitive(in, "TransitiveTagKeys");
	if (cJSON_GetArraySize(tk) > SESSION_TAGS_MAX) {
		aws_err_set(err, 400, "ValidationError",
			    "1 validation error detected: Value at 'transitiveTagKeys' failed to "
			    "satisfy constraint: Member must have length less than or equal to %d",
			    SESSION_TAGS_MAX);
		return false;
	}
	cJSON_ArrayForEach(e, tk)
	{
		size_t i = 0;
		while (cJSON_IsString(e) && i < *n && strcasecmp(tags[i].key, e->valuestring))
			i++;
		if (!cJSON_IsString(e) || i == *n) {
			aws_err_set(err, 400, "InvalidParameterValue",
				    "The specified transitive tag key must be included in the "
				    "requested tags.");
			return false;
		}
		transitive[i] = true;
	}
	return true;
}

static cJSON *op_assume_role(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *role_arn = jstr(in, "RoleArn"), *name = jstr(in, "RoleSessionName");
	const cJSON *dur = cJSON_GetObjectItemCaseSensitive(in, "DurationSeconds");
	const struct svc_caller *me = call->caller;
	if (jstr(in, "Policy") || cJSON_GetObjectItemCaseSensitive(in, "PolicyArns")) {
		aws_err_set(
			err, 501, "NotImplemented",
			"The local cloud does not offer session policies (Policy, PolicyArns).");
		return NULL;
	}
	if (!session_name_ok(name)) {
		aws_err_set(
			err, 400, "ValidationError",
			"1 validation error detected: Value '%s' at 'roleSessionName' failed to "
			"satisfy constraint: Member must satisfy regular expression pattern: "
			"[\\w+=,.@-]*",
			name);
		return NULL;
	}
	/* An ARN at all: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, none of the first
	 * two and not the resource empty, or STS answers "... is invalid". */
	int parts = 0;
	bool empty = false;
	for (const char *p = role_arn, *q; parts < 6; p = q + 1) {
		q = parts < 5 ? strchr(p, ':') : p + strlen(p);
		if (!q)
			break;
		empty |= q == p && (parts == 1 || parts == 2 || parts == 5);
		if (parts == 0 && (q - p != 3 || strncmp(p, "arn", 3) != 0))
			empty = true;
		parts++;
	}
	if (parts < 6 || empty) {
		aws_err_set(err, 400, "ValidationError", "%s is invalid", role_arn);
		return NULL;
	}
	/* Only an IAM user or a role's session may assume a role, as STS insists. */
	if (strncmp(me->arn, "arn:aws:iam::", 13) == 0 && strstr(me->arn, ":root")) {
		aws_err_set(err, 403, "AccessDenied", "Roles may not be assumed by root accounts.");
		return NULL;
	}
	/* The session's tags: the request's, and those a chained session passes on. */
	struct iam_kv tags[2 * SESSION_TAGS_MAX], inherited[SESSION_TAGS_MAX];
	bool transitive[2 * SESSION_TAGS_MAX], inherited_transitive[SESSION_TAGS_MAX];
	size_t ntags_req;
	if (!session_tags(in, tags, transitive, &ntags_req, err))
		return NULL;
	size_t ninherited = iam_session_tags_get(call->cloud, me->access_key, inherited,
						 inherited_transitive, SESSION_TAGS_MAX);
	size_t nsession = ntags_req;
	for (size_t i = 0; i < ninherited; i++) {
		if (!inherited_transitive[i])
			continue;
		bool have = false;
		for (size_t j = 0; j < ntags_req; j++)
			have |= strcasecmp(tags[j].key, inherited[i].key) == 0;
		if (have) {
			iam_kv_release(inherited, ninherited);
			aws_err_set(err, 400, "InvalidParameterValue",
				    "One or more of the specified session tags conflict with the "
				    "transitive tags of the calling session.");
			return NULL;
		}
		transitive[nsession] = true;
		tags[nsession++] = inherited[i];
	}
	/* arn:aws:iam::ACCOUNT:role/[PATH/]NAME */
	char account[13] = "", role[129] = "";
	const char *rl = strstr(role_arn, ":role/");
	if (strncmp(role_arn, "arn:aws:iam::", 13) == 0 && rl && rl - role_arn == 25) {
		memcpy(account, role_arn + 13, 12);
		snprintf(role, sizeof(role), "%s", strrchr(role_arn, '/') + 1);
	}
	char id[32];
	int max = 3600;
	bool exists =
		account[0] && iam_store_role_info(call->cloud, account, role, id, sizeof(id), &max);
	char *trust = exists ? iam_store_role_trust(call->cloud, account, role) : NULL;
	/* The trust policy is the role's resource-based policy, with the caller's identity-based
	 * policies as for any action. A missing role is denied alike, as AWS does. */
	struct iam_result r;
	bool ok = false;
	const char *denied_action = "sts:AssumeRole";
	if (exists) {
		char msg[256];
		struct iam_policy *tp = iam_policy_parse(trust, IAM_POLICY_TRUST, msg, sizeof(msg));
		/* Trust documents are TRUST kind: evaluate them as such through the evaluator. */
		size_t nids = 0;
		struct iam_policy **ids =
			me->service[0] ? NULL
				       : iam_policies_of(call->cloud, me->account, me->arn, &nids);
		/* The trust policy may require the id a third party was given (sts:ExternalId),
		 * and see the caller's tags and transport; the caller's boundary caps it. */
		const char *external = jstr(in, "ExternalId");
		struct iam_kv ctx[2 + 50 + 50 + 3 * SESSION_TAGS_MAX];
		size_t nctx = 0, ntags = 0;
		ctx[nctx++] =
			(struct iam_kv){ "aws:SecureTransport", me->plain_http ? "false" : "true" };
		if (external)
			ctx[nctx++] = (struct iam_kv){ "sts:ExternalId", external };
		struct iam_policy *boundary = NULL;
		if (!me->service[0]) {
			boundary = iam_boundary_of(call->cloud, me->account, me->arn);
			ntags = iam_caller_tags(call->cloud, me->account, me->arn, me->access_key,
						ctx + nctx, 100);
		}
		struct iam_request req = {
			.context = ctx,
			.ncontext = nctx + ntags,
			.boundary = boundary,
			.principal = me->service[0] ? me->service : me->arn,
			.principal_account = me->service[0] ? "" : me->account,
			.action = "sts:AssumeRole",
			.resource = role_arn,
			.resource_account = account,
			.resource_required = true,
		};
		ok = tp && iam_evaluate((const struct iam_policy *const *)ids, nids, tp, &req,
					&r) == IAM_ALLOW;
		/* Tagging the session is sts:TagSession, which sees the tags as aws:RequestTag/KEY
		 * and aws:TagKeys, and which of them are sts:TransitiveTagKeys. */
		if (ok && ntags_req) {
			size_t n = nctx + ntags;
			char *owned[SESSION_TAGS_MAX];
			for (size_t i = 0; i < ntags_req; i++) {
				owned[i] = xasprintf("aws:RequestTag/%s", tags[i].key);
				ctx[n++] = (struct iam_kv){ owned[i], tags[i].value };
				ctx[n++] = (struct iam_kv){ "aws:TagKeys", tags[i].key };
				if (transitive[i])
					ctx[n++] = (struct iam_kv){ "sts:TransitiveTagKeys",
								    tags[i].key };
			}
			req.context = ctx;
			req.ncontext = n;
			req.action = "sts:TagSession";
			ok = iam_evaluate((const struct iam_policy *const *)ids, nids, tp, &req,
					  &r) == IAM_ALLOW;
			for (size_t i = 0; i < ntags_req; i++)
				free(owned[i]);
			if (!ok)
				denied_action = "sts:TagSession";
		}
		iam_policies_free(ids, nids);
		iam_policy_free(tp);
		iam_policy_free(boundary);
		iam_kv_release(ctx + nctx, ntags);
	}
	free(trust);
	if (!ok) {
		iam_kv_release(inherited, ninherited);
		aws_err_set(err, 403, "AccessDenied",
			    "User: %s is not authorized to perform: %s on resource: %s", me->arn,
			    denied_action, role_arn);
		return NULL;
	}
	int seconds = cJSON_IsNumber(dur) ? dur->valueint : 3600;
	if (seconds > max) {
		iam_kv_release(inherited, ninherited);
		aws_err_set(err, 400, "ValidationError",
			    "The requested DurationSeconds exceeds the MaxSessionDuration set for "
			    "this role.");
		return NULL;
	}
	char arn[400];
	snprintf(arn, sizeof(arn), "arn:aws:sts::%s:assumed-role/%s/%s", account, role, name);
	struct auth_creds k;
	auth_key_new(call->cloud->auth, account, arn, true, seconds, &k);
	iam_session_tags_set(call->cloud, k.access_key, tags, transitive, nsession);
	iam_kv_release(inherited, ninherited);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "Credentials", credentials(&k));
	cJSON *u = cJSON_AddObjectToObject(out, "AssumedRoleUser");
	char aid[200];
	snprintf(aid, sizeof(aid), "%s:%s", id, name);
	cJSON_AddStringToObject(u, "AssumedRoleId", aid);
	cJSON_AddStringToObject(u, "Arn", arn);
	cJSON_AddNumberToObject(out, "PackedPolicySize", 0);
	return out;
}

static cJSON *op_get_session_token(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const struct svc_caller *me = call->caller;
	const cJSON *dur = cJSON_GetObjectItemCaseSensitive(in, "DurationSeconds");
	if (strstr(me->arn, ":assumed-role/") || strncmp(me->access_key, "ASIA", 4) == 0) {
		aws_err_set(err, 403, "AccessDenied",
			    "Cannot call GetSessionToken with session credentials");
		return NULL;
	}
	bool root = strstr(me->arn, ":root") != NULL;
	int seconds = cJSON_IsNumber(dur) ? dur->valueint : (root ? 3600 : 43200);
	if (root && seconds > 3600) {
		aws_err_set(err, 400, "ValidationError",
			    "The requested DurationSeconds exceeds the 1 hour session limit for "
			    "roots");
		return NULL;
	}
	struct auth_creds k;
	auth_key_new(call->cloud->auth, me->account, me->arn, true, seconds, &k);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "Credentials", credentials(&k));
	return out;
}

static const struct svc_op ops[] = {
	{ "AssumeRole", op_assume_role },
	{ "GetCallerIdentity", op_get_caller_identity },
	{ "GetSessionToken", op_get_session_token },
};

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const sts_members[] = {
	"AssumeRole DurationSeconds ExternalId Policy PolicyArns -ProvidedContexts RoleArn "
	"RoleSessionName -SerialNumber -SourceIdentity Tags -TokenCode TransitiveTagKeys",
	"GetCallerIdentity",
	"GetSessionToken DurationSeconds -SerialNumber -TokenCode",
	NULL,
};

const struct cloud_service sts_service = {
	.name = "sts",
	.model = "sts-2011-06-15",
	.title = "AWS Security Token Service",
	.query_version = "2011-06-15",
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = sts_members,
};
