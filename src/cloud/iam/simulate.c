/*
 * The policy simulator (simulate.h): every action of ActionNames on every resource of
 * ResourceArns decided by iam_evaluate(), with the statements that decided it.
 */
#include "cloud/iam/simulate.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/iam/iam.h"
#include "cloud/iam/store.h"
#include "cloud/state.h"
#include "core/xalloc.h"

/* Everything one simulation evaluates against. */
struct sim {
	struct iam_policy **pol; /* identity-based: the principal's, then PolicyInputList's */
	char **type, **id;       /* each one's SourcePolicyType and SourcePolicyId */
	size_t n;
	struct iam_policy *boundary; /* NULL: none */
	char *boundary_id;
	const char *boundary_type;
	struct iam_policy *resource; /* ResourcePolicy, or NULL */
	struct iam_kv *ctx;          /* ContextEntries and the principal's tags; owned */
	size_t nctx;
	char principal[400];
	char account[13];
	const char *resource_account;
};

static const char *jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void sim_add(struct sim *s, struct iam_policy *p, const char *type, const char *id)
{
	s->pol = xrealloc(s->pol, (s->n + 1) * sizeof(*s->pol));
	s->type = xrealloc(s->type, (s->n + 1) * sizeof(*s->type));
	s->id = xrealloc(s->id, (s->n + 1) * sizeof(*s->id));
	s->pol[s->n] = p;
	s->type[s->n] = xstrdup(type);
	s->id[s->n] = xstrdup(id);
	s->n++;
}

static void ctx_add(struct sim *s, const char *key, const char *value)
{
	s->ctx = xrealloc(s->ctx, (s->nctx + 1) * sizeof(*s->ctx));
	s->ctx[s->nctx++] = (struct iam_kv){ xstrdup(key), xstrdup(value) };
}

static void sim_release(struct sim *s)
{
	for (size_t i = 0; i < s->n; i++) {
		iam_policy_free(s->pol[i]);
		free(s->type[i]);
		free(s->id[i]);
	}
	free(s->pol);
	free(s->type);
	free(s->id);
	iam_policy_free(s->boundary);
	free(s->boundary_id);
	iam_policy_free(s->resource);
	iam_kv_release(s->ctx, s->nctx);
	free(s->ctx);
}

/* A document the request gives, read as kind; false with IAM's InvalidInput when it is none. */
static bool input_policy(const char *doc, enum iam_policy_kind kind, const char *where,
			 struct iam_policy **out, struct aws_err *err)
{
	char msg[512];
	*out = iam_policy_parse(doc, kind, msg, sizeof(msg));
	if (!*out)
		return aws_err_set(err, 400, "InvalidInput", "%s: %s", where, msg);
	return true;
}

/* The request's own policies, boundary, resource policy and context into s. */
static bool sim_inputs(struct sim *s, const cJSON *in, struct aws_err *err)
{
	const cJSON *e;
	int i = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(in, "PolicyInputList"))
	{
		char where[48];
		struct iam_policy *p;
		snprintf(where, sizeof(where), "PolicyInputList.%d", ++i);
		if (!cJSON_IsString(e) ||
		    !input_policy(e->valuestring, IAM_POLICY_IDENTITY, where, &p, err))
			return false;
		sim_add(s, p, "IAM Policy", where);
	}
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(in, "PermissionsBoundaryPolicyInputList");
	if (cJSON_GetArraySize(b) > 1)
		return aws_err_set(err, 400, "InvalidInput",
				   "PermissionsBoundaryPolicyInputList takes one policy.");
	if (cJSON_GetArraySize(b) == 1) {
		iam_policy_free(s->boundary);
		free(s->boundary_id);
		if (!input_policy(b->child->valuestring, IAM_POLICY_IDENTITY,
				  "PermissionsBoundaryPolicyInputList.1", &s->boundary, err))
			return false;
		s->boundary_id = xstrdup("PermissionsBoundaryPolicyInputList.1");
		s->boundary_type = "IAM Policy";
	}
	const char *rp = jstr(in, "ResourcePolicy");
	if (rp && !input_policy(rp, IAM_POLICY_RESOURCE, "ResourcePolicy", &s->resource, err))
		return false;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(in, "ContextEntries"))
	{
		const char *key = jstr(e, "ContextKeyName");
		const cJSON *v;
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(e, "ContextKeyValues"))
		{
			if (key && cJSON_IsString(v))
				ctx_add(s, key, v->valuestring);
		}
	}
	const char *caller = jstr(in, "CallerArn");
	if (caller)
		snprintf(s->principal, sizeof(s->principal), "%s", caller);
	const char *owner = jstr(in, "ResourceOwner");
	if (owner) {
		const char *iam = strstr(owner, ":iam::");
		s->resource_account = iam ? iam + 6 : owner;
	}
	return true;
}

static void matched(cJSON *list, const char *id, const char *type)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "SourcePolicyId", id);
	cJSON_AddStringToObject(m, "SourcePolicyType", type);
	cJSON_AddItemToArray(list, m);
}

/* One action on one resource, decided. */
static cJSON *evaluate(const struct sim *s, const char *action, const char *resource)
{
	char owner[13];
	snprintf(owner, sizeof(owner), "%.12s",
		 s->resource_account ? s->resource_account : s->account);
	struct iam_request req = {
		.principal = s->principal,
		.principal_account = s->account,
		.action = action,
		.resource = resource,
		.resource_account = owner,
		.context = s->ctx,
		.ncontext = s->nctx,
		.boundary = s->boundary,
	};
	struct iam_result r;
	enum iam_decision d =
		iam_evaluate((const struct iam_policy *const *)s->pol, s->n, s->resource, &req, &r);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "EvalActionName", action);
	cJSON_AddStringToObject(o, "EvalResourceName", resource);
	cJSON_AddStringToObject(o, "EvalDecision",
				d == IAM_ALLOW           ? "allowed"
				: d == IAM_DENY_EXPLICIT ? "explicitDeny"
							 : "implicitDeny");
	cJSON *list = cJSON_AddArrayToObject(o, "MatchedStatements");
	bool allow = d == IAM_ALLOW;
	char sid[128];
	if (d != IAM_DENY)
		for (size_t i = 0; i < s->n; i++)
			if (iam_policy_matches(s->pol[i], allow, &req, sid, sizeof(sid)) &&
			    (!allow || strcmp(r.where, "identity") == 0))
				matched(list, s->id[i], s->type[i]);
	if (strcmp(r.where, "resource") == 0)
		matched(list, "ResourcePolicy", "resource");
	if (strcmp(r.where, "boundary") == 0)
		matched(list, s->boundary_id, s->boundary_type);
	if (s->boundary) {
		bool ok = iam_policy_matches(s->boundary, true, &req, sid, sizeof(sid)) &&
			  !iam_policy_matches(s->boundary, false, &req, sid, sizeof(sid));
		cJSON *b = cJSON_AddObjectToObject(o, "PermissionsBoundaryDecisionDetail");
		cJSON_AddBoolToObject(b, "AllowedByPermissionsBoundary", ok);
	}
	return o;
}

/* Every action on every resource, paged by Marker and MaxItems. */
static cJSON *simulate(const struct sim *s, const cJSON *in)
{
	const cJSON *actions = cJSON_GetObjectItemCaseSensitive(in, "ActionNames");
	const cJSON *resources = cJSON_GetObjectItemCaseSensitive(in, "ResourceArns");
	const cJSON *mi = cJSON_GetObjectItemCaseSensitive(in, "MaxItems");
	const char *marker = jstr(in, "Marker");
	int max = cJSON_IsNumber(mi) ? mi->valueint : 1000, start = marker ? atoi(marker) : 0;
	int k = 0;
	cJSON *out = cJSON_CreateObject(),
	      *results = cJSON_AddArrayToObject(out, "EvaluationResults");
	const cJSON *a, *r;
	cJSON_ArrayForEach(a, actions)
	{
		if (!cJSON_IsString(a))
			continue;
		if (cJSON_GetArraySize(resources) == 0) {
			if (k >= start && k < start + max)
				cJSON_AddItemToArray(results, evaluate(s, a->valuestring, "*"));
			k++;
			continue;
		}
		cJSON_ArrayForEach(r, resources)
		{
			if (k >= start && k < start + max && cJSON_IsString(r))
				cJSON_AddItemToArray(results,
						     evaluate(s, a->valuestring, r->valuestring));
			k++;
		}
	}
	bool more = k > start + max;
	cJSON_AddBoolToObject(out, "IsTruncated", more);
	if (more) {
		char m[16];
		snprintf(m, sizeof(m), "%d", start + max);
		cJSON_AddStringToObject(out, "Marker", m);
	}
	return out;
}

/*
 * s filled with the policies of the principal PolicySourceArn names (a user's with its
 * groups', a role's, a group's), its boundary and its tags; false with err when it names
 * none of the caller's account, or the caller may not perform action on it.
 */
static bool sim_principal(struct svc_call *call, const cJSON *in, const char *action, struct sim *s,
			  struct aws_err *err)
{
	const char *source = jstr(in, "PolicySourceArn"), *acct = call->caller->account;
	struct iam_authz q = { .action = action, .resource = source };
	if (!iam_authorize_err(call->cloud, call->caller, &q, 403, "AccessDenied", err))
		return false;
	/* arn:aws:iam::ACCOUNT:KIND/PATH/NAME */
	char prefix[40], kind[8] = "";
	snprintf(prefix, sizeof(prefix), "arn:aws:iam::%s:", acct);
	const char *rest =
		strncmp(source, prefix, strlen(prefix)) == 0 ? source + strlen(prefix) : "";
	const char *slash = strchr(rest, '/');
	if (slash && slash - rest < (int)sizeof(kind))
		snprintf(kind, sizeof(kind), "%.*s", (int)(slash - rest), rest);
	const char *name = strrchr(source, '/') ? strrchr(source, '/') + 1 : "";
	if (strcmp(kind, "user") != 0 && strcmp(kind, "role") != 0 && strcmp(kind, "group") != 0)
		return aws_err_set(err, 400, "InvalidInput", "Invalid ARN: %s", source);
	if (!iam_store_entity_exists(call->cloud, acct, kind, name))
		return aws_err_set(err, 404, "NoSuchEntity", "The %s with name %s cannot be found.",
				   kind, name);
	snprintf(s->account, sizeof(s->account), "%s", acct);
	snprintf(s->principal, sizeof(s->principal), "%s", source);
	char **types, **ids, **docs;
	size_t n;
	iam_store_entity_documents(call->cloud, acct, kind, name, &types, &ids, &docs, &n);
	for (size_t i = 0; i < n; i++) {
		char msg[256];
		struct iam_policy *p =
			iam_policy_parse(docs[i], IAM_POLICY_IDENTITY, msg, sizeof(msg));
		if (p)
			sim_add(s, p, types[i], ids[i]);
		free(types[i]);
		free(ids[i]);
		free(docs[i]);
	}
	free(types);
	free(ids);
	free(docs);
	if (strcmp(kind, "group") == 0)
		return true;
	/* The principal as the evaluator names it: a role acts through its sessions. */
	if (strcmp(kind, "role") == 0)
		snprintf(s->principal, sizeof(s->principal),
			 "arn:aws:sts::%s:assumed-role/%s/simulation", acct, name);
	char *barn = NULL;
	char *bdoc = iam_store_boundary(call->cloud, acct, kind, name, &barn);
	if (bdoc) {
		char msg[256];
		s->boundary = iam_policy_parse(bdoc, IAM_POLICY_IDENTITY, msg, sizeof(msg));
		s->boundary_id = xstrdup(strrchr(barn, '/') + 1);
		s->boundary_type = strncmp(barn, "arn:aws:iam::aws:", 17) == 0 ? "aws-managed"
									       : "user-managed";
	}
	free(bdoc);
	free(barn);
	struct iam_kv tags[50];
	size_t nt = iam_principal_tags(call->cloud, acct, s->principal, tags, 50);
	for (size_t i = 0; i < nt; i++)
		ctx_add(s, tags[i].key, tags[i].value);
	iam_kv_release(tags, nt);
	return true;
}

cJSON *iam_op_simulate_principal_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct sim s = { 0 };
	cJSON *out = NULL;
	if (sim_principal(call, in, "iam:SimulatePrincipalPolicy", &s, err) &&
	    sim_inputs(&s, in, err))
		out = simulate(&s, in);
	sim_release(&s);
	return out;
}

cJSON *iam_op_simulate_custom_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct iam_authz q = { .action = "iam:SimulateCustomPolicy", .resource = "*" };
	if (!iam_authorize_err(call->cloud, call->caller, &q, 403, "AccessDenied", err))
		return NULL;
	struct sim s = { 0 };
	snprintf(s.account, sizeof(s.account), "%s", call->caller->account);
	/* No principal of the account's: policies alone decide (a root would be allowed all). */
	snprintf(s.principal, sizeof(s.principal), "arn:aws:iam::%s:user/SimulatedCaller",
		 s.account);
	if (jstr(in, "ResourcePolicy") && !jstr(in, "CallerArn")) {
		aws_err_set(err, 400, "InvalidInput",
			    "CallerArn must be specified when a ResourcePolicy is given.");
		return NULL;
	}
	cJSON *out = NULL;
	if (sim_inputs(&s, in, err))
		out = simulate(&s, in);
	sim_release(&s);
	return out;
}

/* {"ContextKeyNames": [...]}: the condition keys of s's policies and its boundary, each once. */
static cJSON *context_keys(const struct sim *s)
{
	cJSON *out = cJSON_CreateObject(), *names = cJSON_AddArrayToObject(out, "ContextKeyNames");
	for (size_t i = 0; i <= s->n; i++) {
		const struct iam_policy *p = i < s->n ? s->pol[i] : s->boundary;
		const char *keys[256];
		size_t k = p ? iam_policy_condition_keys(p, keys, 256) : 0;
		for (size_t j = 0; j < k && j < 256; j++) {
			bool seen = false;
			const cJSON *e;
			cJSON_ArrayForEach(e, names)
			{
				seen |= strcasecmp(e->valuestring, keys[j]) == 0;
			}
			if (!seen)
				cJSON_AddItemToArray(names, cJSON_CreateString(keys[j]));
		}
	}
	return out;
}

cJSON *iam_op_get_context_keys_for_principal_policy(struct svc_call *call, const cJSON *in,
						    struct aws_err *err)
{
	struct sim s = { 0 };
	cJSON *out = NULL;
	if (sim_principal(call, in, "iam:GetContextKeysForPrincipalPolicy", &s, err) &&
	    sim_inputs(&s, in, err))
		out = context_keys(&s);
	sim_release(&s);
	return out;
}

cJSON *iam_op_get_context_keys_for_custom_policy(struct svc_call *call, const cJSON *in,
						 struct aws_err *err)
{
	struct iam_authz q = { .action = "iam:GetContextKeysForCustomPolicy", .resource = "*" };
	if (!iam_authorize_err(call->cloud, call->caller, &q, 403, "AccessDenied", err))
		return NULL;
	struct sim s = { 0 };
	cJSON *out = NULL;
	if (sim_inputs(&s, in, err))
		out = context_keys(&s);
	sim_release(&s);
	return out;
}
