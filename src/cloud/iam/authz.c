/*
 * Authorization: a caller's identity-based policies looked up in IAM's tables, evaluated
 * with the resource's policy (iam.h says who the caller is).
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/iam/iam.h"
#include "cloud/iam/managed.h"
#include "cloud/iam/store.h"
#include "cloud/state.h"
#include "core/xalloc.h"

/* The kind ("role"/"user") and name of an identity principal; false for root and others. */
static bool principal_entity(const char *principal, char *kind, size_t kn, char *name, size_t nn)
{
	const char *ar = strstr(principal, ":assumed-role/");
	const char *user = strstr(principal, ":user/");
	if (ar) {
		const char *role = ar + 14, *slash = strchr(role, '/');
		int len = slash ? (int)(slash - role) : (int)strlen(role);
		snprintf(kind, kn, "role");
		snprintf(name, nn, "%.*s", len, role);
		return true;
	}
	if (user && strncmp(principal, "arn:aws:iam::", 13) == 0) {
		snprintf(kind, kn, "user");
		snprintf(name, nn, "%s", strrchr(principal, '/') + 1);
		return true;
	}
	return false;
}

static void push(struct iam_policy ***v, size_t *n, size_t *cap, struct iam_policy *p)
{
	if (!p)
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = p;
}

struct iam_policy **iam_policies_of(struct cloud *c, const char *account, const char *principal,
				    size_t *n)
{
	char kind[8], name[129], msg[256];
	struct iam_policy **v = NULL;
	size_t cap = 0;
	*n = 0;
	if (!principal_entity(principal, kind, sizeof(kind), name, sizeof(name)))
		return NULL;
	char **docs = NULL, **attached = NULL;
	size_t ndocs = 0, nattached = 0;
	iam_store_identity_policies(c, account, kind, name, &docs, &ndocs, &attached, &nattached);
	for (size_t i = 0; i < ndocs; i++) {
		push(&v, n, &cap, iam_policy_parse(docs[i], IAM_POLICY_IDENTITY, msg, sizeof(msg)));
		free(docs[i]);
	}
	/* Attached policies: AWS managed ones from our table, the account's from its store. */
	for (size_t i = 0; i < nattached; i++) {
		const struct iam_managed *m = iam_managed_find(attached[i]);
		if (m)
			push(&v, n, &cap,
			     iam_policy_parse(m->document, IAM_POLICY_IDENTITY, msg, sizeof(msg)));
		free(attached[i]);
	}
	free(docs);
	free(attached);
	return v;
}

void iam_policies_free(struct iam_policy **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		iam_policy_free(v[i]);
	free(v);
}

/*
 * Parsed identity policies, per cloud, account and principal's entity (a role's sessions
 * share their role's), kept until IAM's tables change (iam_store_changed() moves the
 * generation on). Evaluation runs under the cache's lock: it is pure and short.
 */
#define CACHE_SLOTS 64
/* IAM's quota of tags on a role or user. */
#define TAGS_MAX 50
static struct cache_slot {
	const struct cloud *c;
	char key[300]; /* ACCOUNT kind/name */
	unsigned gen;
	struct iam_policy **v;
	size_t n;
	struct iam_policy *boundary; /* NULL: none */
	/* The entity's tags as aws:PrincipalTag/KEY context values; strings owned. */
	struct iam_kv tags[TAGS_MAX];
	size_t ntags;
} cache[CACHE_SLOTS];
static unsigned cache_next;
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic unsigned generation = 1;

/*
 * The tags STS sessions were given (AssumeRole's Tags), by the session's access key: as
 * aws:PrincipalTag/KEY context values, which override the role's tag of the same key. Under
 * cache_mu.
 */
struct session_tags {
	const struct cloud *c;
	char access_key[129];
	struct iam_kv tags[TAGS_MAX]; /* strings owned */
	bool transitive[TAGS_MAX];
	size_t n;
	struct session_tags *next;
};
static struct session_tags *sessions;

void iam_session_tags_set(struct cloud *c, const char *access_key, const struct iam_kv *tags,
			  const bool *transitive, size_t n)
{
	if (n == 0)
		return;
	struct session_tags *s = xcalloc(1, sizeof(*s));
	s->c = c;
	snprintf(s->access_key, sizeof(s->access_key), "%s", access_key);
	for (size_t i = 0; i < n && i < TAGS_MAX; i++) {
		s->tags[i] = (struct iam_kv){ xasprintf("aws:PrincipalTag/%s", tags[i].key),
					      xstrdup(tags[i].value) };
		s->transitive[i] = transitive && transitive[i];
		s->n++;
	}
	pthread_mutex_lock(&cache_mu);
	s->next = sessions;
	sessions = s;
	pthread_mutex_unlock(&cache_mu);
}

/* The session tags of access_key's session, or NULL; caller holds cache_mu. */
static const struct session_tags *session_of(const struct cloud *c, const char *access_key)
{
	if (!access_key || strncmp(access_key, "ASIA", 4) != 0)
		return NULL;
	for (const struct session_tags *s = sessions; s; s = s->next)
		if (s->c == c && strcmp(s->access_key, access_key) == 0)
			return s;
	return NULL;
}

static bool session_has(const struct session_tags *s, const char *key)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (strcasecmp(s->tags[i].key, key) == 0)
			return true;
	return false;
}

size_t iam_session_tags_get(struct cloud *c, const char *access_key, struct iam_kv *out,
			    bool *transitive, size_t max)
{
	size_t n = 0;
	pthread_mutex_lock(&cache_mu);
	const struct session_tags *s = session_of(c, access_key);
	for (size_t i = 0; s && i < s->n && n < max; i++) {
		out[n] = (struct iam_kv){ xstrdup(s->tags[i].key + strlen("aws:PrincipalTag/")),
					  xstrdup(s->tags[i].value) };
		if (transitive)
			transitive[n] = s->transitive[i];
		n++;
	}
	pthread_mutex_unlock(&cache_mu);
	return n;
}

size_t iam_caller_tags(struct cloud *c, const char *account, const char *principal,
		       const char *access_key, struct iam_kv *out, size_t max)
{
	struct iam_kv own[TAGS_MAX];
	size_t nown = iam_principal_tags(c, account, principal, own, TAGS_MAX), n = 0;
	pthread_mutex_lock(&cache_mu);
	const struct session_tags *s = session_of(c, access_key);
	for (size_t i = 0; s && i < s->n && n < max; i++, n++)
		out[n] = (struct iam_kv){ xstrdup(s->tags[i].key), xstrdup(s->tags[i].value) };
	for (size_t i = 0; i < nown; i++) {
		if (n < max && !session_has(s, own[i].key))
			out[n++] = own[i];
		else
			iam_kv_release(&own[i], 1);
	}
	pthread_mutex_unlock(&cache_mu);
	return n;
}

void iam_store_changed(void)
{
	generation++;
}

unsigned iam_generation(void)
{
	return generation;
}

struct iam_policy *iam_boundary_of(struct cloud *c, const char *account, const char *principal)
{
	char kind[8], name[129], msg[256];
	if (!principal_entity(principal, kind, sizeof(kind), name, sizeof(name)))
		return NULL;
	char *doc = iam_store_boundary(c, account, kind, name, NULL);
	struct iam_policy *p =
		doc ? iam_policy_parse(doc, IAM_POLICY_IDENTITY, msg, sizeof(msg)) : NULL;
	free(doc);
	return p;
}

size_t iam_principal_tags(struct cloud *c, const char *account, const char *principal,
			  struct iam_kv *out, size_t max)
{
	char kind[8], name[129];
	if (!principal_entity(principal, kind, sizeof(kind), name, sizeof(name)))
		return 0;
	char *text = iam_store_tags(c, account, kind, name);
	cJSON *tags = cJSON_Parse(text);
	free(text);
	size_t n = 0;
	const cJSON *t;
	cJSON_ArrayForEach(t, tags)
	{
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "Key");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "Value");
		if (n < max && cJSON_IsString(k) && cJSON_IsString(v)) {
			out[n++] =
				(struct iam_kv){ xasprintf("aws:PrincipalTag/%s", k->valuestring),
						 xstrdup(v->valuestring) };
		}
	}
	cJSON_Delete(tags);
	return n;
}

void iam_kv_release(struct iam_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)v[i].key);
		free((char *)v[i].value);
	}
}

/* Everything slot holds, freed; the slot stays where it is. */
static void slot_release(struct cache_slot *s)
{
	iam_policies_free(s->v, s->n);
	iam_policy_free(s->boundary);
	iam_kv_release(s->tags, s->ntags);
	s->v = NULL;
	s->n = s->ntags = 0;
	s->boundary = NULL;
}

static void slot_load(struct cache_slot *s, struct cloud *c, const char *account,
		      const char *principal)
{
	s->v = iam_policies_of(c, account, principal, &s->n);
	s->boundary = iam_boundary_of(c, account, principal);
	s->ntags = iam_principal_tags(c, account, principal, s->tags, TAGS_MAX);
}

void iam_cache_forget(const struct cloud *c)
{
	pthread_mutex_lock(&cache_mu);
	for (struct session_tags **p = &sessions; *p;) {
		struct session_tags *s = *p;
		if (s->c == c) {
			*p = s->next;
			iam_kv_release(s->tags, s->n);
			free(s);
		} else {
			p = &s->next;
		}
	}
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].c == c) {
			slot_release(&cache[i]);
			memset(&cache[i], 0, sizeof(cache[i]));
		}
	pthread_mutex_unlock(&cache_mu);
}

/* The cached policies of principal; caller holds cache_mu. */
static struct cache_slot *cached(struct cloud *c, const char *account, const char *principal)
{
	char kind[8], name[129], key[300];
	if (!principal_entity(principal, kind, sizeof(kind), name, sizeof(name)))
		return NULL;
	snprintf(key, sizeof(key), "%s %s/%s", account, kind, name);
	unsigned gen = generation;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].c == c && strcmp(cache[i].key, key) == 0) {
			if (cache[i].gen != gen) {
				slot_release(&cache[i]);
				slot_load(&cache[i], c, account, principal);
				cache[i].gen = gen;
			}
			return &cache[i];
		}
	struct cache_slot *s = &cache[cache_next++ % CACHE_SLOTS];
	slot_release(s);
	s->c = c;
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->gen = gen;
	slot_load(s, c, account, principal);
	return s;
}

bool iam_authorize(struct cloud *c, const struct svc_caller *caller, const struct iam_authz *q,
		   struct iam_result *out)
{
	bool service = caller->service[0] != '\0';
	/* The keys added here, the request's (a resource's tags among them), the principal's
	 * tags. */
	struct iam_kv ctx[8 + 2 * TAGS_MAX + 2 * TAGS_MAX];
	size_t nctx = 0;
	if (service) {
		if (caller->source_arn[0])
			ctx[nctx++] = (struct iam_kv){ "aws:SourceArn", caller->source_arn };
		if (caller->source_account[0])
			ctx[nctx++] =
				(struct iam_kv){ "aws:SourceAccount", caller->source_account };
	}
	/* SNS's own key: the account a principal calls from, which a topic's default policy
	 * grants when it is the topic owner's. A service acting for a resource has none, so
	 * that policy does not let S3 or EventBridge publish. */
	if (!service && strncasecmp(q->action, "sns:", 4) == 0)
		ctx[nctx++] = (struct iam_kv){ "aws:SourceOwner", caller->account };
	ctx[nctx++] = (struct iam_kv){ "aws:RequestedRegion",
				       caller->region[0] ? caller->region : "us-east-1" };
	/* Whether the request came over TLS, or from this machine, which stands for it. */
	ctx[nctx++] =
		(struct iam_kv){ "aws:SecureTransport", caller->plain_http ? "false" : "true" };
	for (size_t i = 0; i < q->ncontext && nctx < 8 + 2 * TAGS_MAX; i++)
		ctx[nctx++] = q->context[i];
	const char *principal = service ? caller->service : caller->arn;
	if (!principal[0])
		principal = "anonymous";
	struct iam_request req = {
		.principal = principal,
		.principal_account = service ? "" : caller->account,
		.action = q->action,
		.resource = q->resource,
		.resource_account = q->resource_account && q->resource_account[0]
					    ? q->resource_account
					    : caller->account,
		.context = ctx,
		.ncontext = nctx,
		.quote_resource = q->quote_resource,
		.resource_required = q->resource_required,
	};
	struct iam_policy *res = NULL;
	if (q->resource_policy && q->resource_policy[0]) {
		char msg[256];
		res = iam_policy_parse(q->resource_policy, IAM_POLICY_RESOURCE, msg, sizeof(msg));
	}
	pthread_mutex_lock(&cache_mu);
	const struct cache_slot *ids = service ? NULL : cached(c, caller->account, principal);
	if (ids) {
		req.boundary = ids->boundary;
		/* A session's tags, and the role's tags of other keys. */
		const struct session_tags *st = session_of(c, caller->access_key);
		for (size_t i = 0; st && i < st->n; i++)
			ctx[nctx++] = st->tags[i];
		for (size_t i = 0; i < ids->ntags; i++)
			if (!session_has(st, ids->tags[i].key))
				ctx[nctx++] = ids->tags[i];
		req.ncontext = nctx;
	}
	enum iam_decision d = iam_evaluate(ids ? (const struct iam_policy *const *)ids->v : NULL,
					   ids ? ids->n : 0, res, &req, out);
	pthread_mutex_unlock(&cache_mu);
	if (!service && strstr(principal, ":assumed-role/"))
		iam_store_usage(c, caller->account, principal, q->action, q->resource, d);
	iam_policy_free(res);
	return d == IAM_ALLOW;
}

bool iam_authorize_err(struct cloud *c, const struct svc_caller *caller, const struct iam_authz *q,
		       int status, const char *code, struct aws_err *err)
{
	struct iam_result r;
	if (iam_authorize(c, caller, q, &r))
		return true;
	aws_err_set(err, status, code, "%s", r.message);
	return false;
}

bool iam_role_trusts(struct cloud *c, const char *account, const char *role_arn,
		     const char *service)
{
	const char *slash = strrchr(role_arn, '/');
	if (!strstr(role_arn, ":role/") || !slash)
		return false;
	/* The role's own account (arn:aws:iam::ACCOUNT:role/NAME), which may be another's. */
	char owner[13];
	const char *iam = strstr(role_arn, ":iam::");
	if (iam && strlen(iam + 6) > 12 && iam[18] == ':')
		snprintf(owner, sizeof(owner), "%.12s", iam + 6);
	else
		snprintf(owner, sizeof(owner), "%s", account);
	account = owner;
	char *trust = iam_store_role_trust(c, account, slash + 1);
	if (!trust)
		return false;
	char msg[256];
	struct iam_policy *p = iam_policy_parse(trust, IAM_POLICY_TRUST, msg, sizeof(msg));
	free(trust);
	if (!p)
		return false;
	struct iam_request req = { .principal = service,
				   .principal_account = "",
				   .action = "sts:AssumeRole",
				   .resource = role_arn,
				   .resource_account = account };
	struct iam_result r;
	bool ok = iam_evaluate(NULL, 0, p, &req, &r) == IAM_ALLOW;
	iam_policy_free(p);
	return ok;
}

bool iam_role_decide(struct cloud *c, const char *account, const char *role_arn,
		     const char *session, const struct iam_authz *q, struct iam_result *r)
{
	memset(r, 0, sizeof(*r));
	const char *slash = role_arn ? strrchr(role_arn, '/') : NULL;
	if (!slash || !strstr(role_arn, ":role/")) {
		snprintf(r->message, sizeof(r->message), "%s is not a role",
			 role_arn ? role_arn : "(none)");
		return false;
	}
	struct svc_caller me = { .function = true };
	snprintf(me.account, sizeof(me.account), "%s", account);
	snprintf(me.arn, sizeof(me.arn), "arn:aws:sts::%s:assumed-role/%s/%s", account, slash + 1,
		 session);
	return iam_authorize(c, &me, q, r);
}

bool iam_role_may(struct cloud *c, const char *account, const char *role_arn, const char *session,
		  const char *action, const char *resource)
{
	struct iam_authz q = { .action = action, .resource = resource };
	struct iam_result r;
	return iam_role_decide(c, account, role_arn, session, &q, &r);
}
