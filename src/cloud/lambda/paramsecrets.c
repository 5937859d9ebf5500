/*
 * The AWS Parameters and Secrets Lambda Extension, served by the cloud for an environment
 * whose function has AWS's extension layer: a local HTTP endpoint that reads Parameter Store
 * and Secrets Manager with the function's own session and keeps the answers for a while.
 *
 *   GET /systemsmanager/parameters/get?name=NAME[&version=N|&label=L][&withDecryption=true]
 *   GET /secretsmanager/get?secretId=ID[&versionId=V|&versionStage=S]
 *
 * Each request must carry X-Aws-Parameters-Secrets-Token: the environment's
 * AWS_SESSION_TOKEN (else 401). The answer is the service's GetParameter or GetSecretValue
 * output as JSON, or the service's error with its status. Answers are kept for
 * SSM_PARAMETER_STORE_TTL and SECRETS_MANAGER_TTL seconds (300 by default, 0 keeps nothing),
 * on the account's virtual clock, up to PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE of them
 * (1000), unless PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED is false.
 *
 * It listens where Lambda's does: 127.0.0.1:2773, or the port the function's
 * PARAMETERS_SECRETS_EXTENSION_HTTP_PORT names. Environments share the machine's network, so
 * one listener per port serves every environment that asks for it, each request answered by
 * the environment its token belongs to (with that environment's session and cache). When
 * the port is held by another program (another cloud on the machine), the environment gets
 * a free port of its own instead, and PARAMETERS_SECRETS_EXTENSION_HTTP_PORT tells its
 * handler which.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/clock/vclock.h"
#include "cloud/http/aws.h"
#include "cloud/http/server.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/paramsecrets.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define LAYER_NAME  ":layer:AWS-Parameters-and-Secrets-Lambda-Extension:"
#define DEFAULT_TTL 300
#define MAX_TTL     300
#define DEFAULT_CAP 1000
/* The extension's own default port. */
#define DEFAULT_PORT 2773

struct entry {
	char *key, *body;
	int status;
	int64_t expires_ms;
};

/* A port that environments share; its requests go to the environment their token names. */
struct listener {
	struct listener *next;
	int port;
	struct http_server *srv;
	int users; /* environments registered on it */
};

struct lambda_paramsecrets {
	struct lambda_paramsecrets *next; /* in envs, when on a shared listener */
	struct listener *shared;          /* NULL: srv is this environment's own */
	int busy;                         /* requests being answered (under reg_mu) */
	int wanted;                       /* the port the function expects */
	struct cloud *cloud;
	struct svc_caller caller;
	char token[192];
	bool cache;
	int ssm_ttl, sm_ttl;
	size_t cap;
	pthread_mutex_t mu;
	struct entry *entries;
	size_t n;
	struct http_server *srv;
	int port;
};

bool lambda_paramsecrets_wanted(const struct lfunc *fn)
{
	const cJSON *l;
	cJSON_ArrayForEach(l, fn->layers)
	{
		const char *arn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "Arn"));
		if (arn && strstr(arn, LAYER_NAME))
			return true;
	}
	return false;
}

static const char *var(const struct lfunc *fn, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(fn->vars, name));
}

static int ttl_of(const struct lfunc *fn, const char *name)
{
	const char *v = var(fn, name);
	if (!v || !v[0])
		return DEFAULT_TTL;
	long t = strtol(v, NULL, 10);
	return t < 0 ? 0 : t > MAX_TTL ? MAX_TTL : (int)t;
}

/* The cached answer for key, copied into resp; false when none is fresh. */
static bool cache_get(struct lambda_paramsecrets *ps, const char *key, struct http_resp *resp)
{
	int64_t now = vclock_now_ms(ps->cloud->vclock, ps->caller.account);
	bool hit = false;
	pthread_mutex_lock(&ps->mu);
	for (size_t i = 0; i < ps->n; i++) {
		if (strcmp(ps->entries[i].key, key) != 0)
			continue;
		if (ps->entries[i].expires_ms > now) {
			resp->status = ps->entries[i].status;
			strbuf_addstr(&resp->body, ps->entries[i].body);
			hit = true;
		}
		break;
	}
	pthread_mutex_unlock(&ps->mu);
	return hit;
}

static void cache_put(struct lambda_paramsecrets *ps, const char *key, const char *body, int ttl)
{
	if (!ps->cache || ttl <= 0 || ps->cap == 0)
		return;
	int64_t expires = vclock_now_ms(ps->cloud->vclock, ps->caller.account) + ttl * 1000LL;
	pthread_mutex_lock(&ps->mu);
	size_t i;
	for (i = 0; i < ps->n && strcmp(ps->entries[i].key, key) != 0; i++)
		;
	if (i == ps->n) {
		if (ps->n == ps->cap) {
			/* Full: the entry closest to its end makes room. */
			size_t soonest = 0;
			for (size_t k = 1; k < ps->n; k++)
				if (ps->entries[k].expires_ms < ps->entries[soonest].expires_ms)
					soonest = k;
			i = soonest;
			free(ps->entries[i].key);
			free(ps->entries[i].body);
		} else {
			ps->entries = xrealloc(ps->entries, (ps->n + 1) * sizeof(*ps->entries));
			ps->n++;
		}
		ps->entries[i].key = xstrdup(key);
	} else {
		free(ps->entries[i].body);
	}
	ps->entries[i].body = xstrdup(body);
	ps->entries[i].status = 200;
	ps->entries[i].expires_ms = expires;
	pthread_mutex_unlock(&ps->mu);
}

static void fail(struct http_resp *resp, int status, const char *code, const char *msg)
{
	resp->status = status;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "__type", code);
	cJSON_AddStringToObject(o, "message", msg);
	char *text = cJSON_PrintUnformatted(o);
	strbuf_addstr(&resp->body, text);
	free(text);
	cJSON_Delete(o);
}

/* The shared listeners and the environments on them. */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reg_idle = PTHREAD_COND_INITIALIZER;
static struct listener *listeners;
static struct lambda_paramsecrets *envs;

static void unauthorized(struct http_resp *resp)
{
	fail(resp, 401, "UnauthorizedException",
	     "X-Aws-Parameters-Secrets-Token is missing or is not this environment's "
	     "AWS_SESSION_TOKEN.");
}

static void answer(struct lambda_paramsecrets *ps, const struct http_req *req,
		   struct http_resp *resp);

/* A request to an environment's own port. */
static void serve(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct lambda_paramsecrets *ps = ctx;
	const char *token = http_header(req, "X-Aws-Parameters-Secrets-Token");
	if (!token || strcmp(token, ps->token) != 0) {
		unauthorized(resp);
		return;
	}
	answer(ps, req, resp);
}

/* A request to a shared port: answered by the environment whose token it carries. */
static void serve_shared(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct listener *l = ctx;
	const char *token = http_header(req, "X-Aws-Parameters-Secrets-Token");
	struct lambda_paramsecrets *ps = NULL;
	pthread_mutex_lock(&reg_mu);
	if (token)
		for (ps = envs; ps; ps = ps->next)
			if (ps->shared == l && strcmp(ps->token, token) == 0)
				break;
	if (ps)
		ps->busy++;
	pthread_mutex_unlock(&reg_mu);
	if (!ps) {
		unauthorized(resp);
		return;
	}
	answer(ps, req, resp);
	pthread_mutex_lock(&reg_mu);
	if (--ps->busy == 0)
		pthread_cond_broadcast(&reg_idle);
	pthread_mutex_unlock(&reg_mu);
}

/* Answer a request whose token is ps's. */
static void answer(struct lambda_paramsecrets *ps, const struct http_req *req,
		   struct http_resp *resp)
{
	if (strcmp(req->method, "GET") != 0) {
		fail(resp, 405, "MethodNotAllowed", "The extension answers GET requests only.");
		return;
	}
	bool ssm = strcmp(req->path, "/systemsmanager/parameters/get") == 0 ||
		   strcmp(req->path, "/systemsmanager/parameters/get/") == 0;
	bool sm = strcmp(req->path, "/secretsmanager/get") == 0 ||
		  strcmp(req->path, "/secretsmanager/get/") == 0;
	if (!ssm && !sm) {
		fail(resp, 404, "NotFound",
		     "The extension serves /systemsmanager/parameters/get and "
		     "/secretsmanager/get.");
		return;
	}
	cJSON *in = cJSON_CreateObject();
	struct strbuf key;
	strbuf_init(&key);
	if (ssm) {
		const char *name = http_query(req, "name");
		const char *version = http_query(req, "version");
		const char *label = http_query(req, "label");
		const char *dec = http_query(req, "withDecryption");
		if (!name || !name[0] || (version && label)) {
			fail(resp, 400, "ValidationException",
			     !name || !name[0] ? "The name query parameter is required."
					       : "Give either version or label, not both.");
			goto done;
		}
		strbuf_addf(&key, "ssm\n%s%s%s\n%d", name, version || label ? ":" : "",
			    version ? version
			    : label ? label
				    : "",
			    dec && strcasecmp(dec, "true") == 0);
		char *full = xasprintf("%s%s%s", name, version || label ? ":" : "",
				       version ? version
				       : label ? label
					       : "");
		cJSON_AddStringToObject(in, "Name", full);
		free(full);
		cJSON_AddBoolToObject(in, "WithDecryption", dec && strcasecmp(dec, "true") == 0);
	} else {
		const char *id = http_query(req, "secretId");
		const char *vid = http_query(req, "versionId");
		const char *stage = http_query(req, "versionStage");
		if (!id || !id[0]) {
			fail(resp, 400, "ValidationException",
			     "The secretId query parameter is required.");
			goto done;
		}
		strbuf_addf(&key, "sm\n%s\n%s\n%s", id, vid ? vid : "", stage ? stage : "");
		cJSON_AddStringToObject(in, "SecretId", id);
		if (vid)
			cJSON_AddStringToObject(in, "VersionId", vid);
		if (stage)
			cJSON_AddStringToObject(in, "VersionStage", stage);
	}
	if (ps->cache && cache_get(ps, key.buf, resp))
		goto done;
	struct aws_err err = { 0 };
	cJSON *out = svc_call_internal(ps->cloud, &ps->caller, ssm ? "ssm" : "secretsmanager",
				       ssm ? "GetParameter" : "GetSecretValue", in, &err);
	if (!out) {
		fail(resp, err.status ? err.status : 500, err.code[0] ? err.code : "InternalError",
		     err.message);
	} else {
		char *text = cJSON_PrintUnformatted(out);
		strbuf_addstr(&resp->body, text);
		cache_put(ps, key.buf, text, ssm ? ps->ssm_ttl : ps->sm_ttl);
		free(text);
	}
	cJSON_Delete(out);
	aws_err_release(&err);
done:
	cJSON_Delete(in);
	strbuf_release(&key);
}

struct lambda_paramsecrets *lambda_paramsecrets_start(struct cloud *c, const struct lfunc *fn,
						      const char *access_key, const char *token,
						      struct error *err)
{
	struct lambda_paramsecrets *ps = xcalloc(1, sizeof(*ps));
	ps->cloud = c;
	snprintf(ps->token, sizeof(ps->token), "%s", token);
	svc_caller_for_account(&ps->caller, fn->account);
	snprintf(ps->caller.access_key, sizeof(ps->caller.access_key), "%s", access_key);
	const char *role = strrchr(fn->role ? fn->role : "", '/');
	snprintf(ps->caller.arn, sizeof(ps->caller.arn), "arn:aws:sts::%s:assumed-role/%s/%s",
		 fn->account, role ? role + 1 : "", fn->name);
	ps->caller.function = true;
	const char *on = var(fn, "PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED");
	ps->cache = !on || strcasecmp(on, "false") != 0;
	ps->ssm_ttl = ttl_of(fn, "SSM_PARAMETER_STORE_TTL");
	ps->sm_ttl = ttl_of(fn, "SECRETS_MANAGER_TTL");
	const char *cap = var(fn, "PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE");
	long n = cap ? strtol(cap, NULL, 10) : DEFAULT_CAP;
	ps->cap = n < 0 ? 0 : n > DEFAULT_CAP ? DEFAULT_CAP : (size_t)n;
	pthread_mutex_init(&ps->mu, NULL);
	const char *want = var(fn, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT");
	char *end = NULL;
	long p = want && want[0] ? strtol(want, &end, 10) : DEFAULT_PORT;
	ps->wanted = (end && *end) || p < 1 || p > 65535 ? DEFAULT_PORT : (int)p;
	/* The port the function expects, shared with the other environments on it. */
	pthread_mutex_lock(&reg_mu);
	struct listener *l;
	for (l = listeners; l && l->port != ps->wanted; l = l->next)
		;
	if (!l) {
		struct error lerr;
		l = xcalloc(1, sizeof(*l));
		l->srv = http_server_start(ps->wanted, 64 * 1024, serve_shared, l, &l->port, &lerr);
		if (l->srv) {
			l->next = listeners;
			listeners = l;
		} else {
			free(l);
			l = NULL;
		}
	}
	if (l) {
		l->users++;
		ps->shared = l;
		ps->port = l->port;
		ps->next = envs;
		envs = ps;
	}
	pthread_mutex_unlock(&reg_mu);
	if (l)
		return ps;
	/* Held by another program: a port of the environment's own. */
	ps->srv = http_server_start(0, 64 * 1024, serve, ps, &ps->port, err);
	if (!ps->srv) {
		pthread_mutex_destroy(&ps->mu);
		free(ps);
		return NULL;
	}
	return ps;
}

int lambda_paramsecrets_port(const struct lambda_paramsecrets *ps)
{
	return ps->port;
}

int lambda_paramsecrets_moved(const struct lambda_paramsecrets *ps)
{
	return ps && ps->port != ps->wanted ? ps->port : 0;
}

void lambda_paramsecrets_stop(struct lambda_paramsecrets *ps)
{
	if (!ps)
		return;
	struct http_server *last = NULL;
	if (ps->shared) {
		pthread_mutex_lock(&reg_mu);
		struct lambda_paramsecrets **pp = &envs;
		while (*pp && *pp != ps)
			pp = &(*pp)->next;
		if (*pp)
			*pp = ps->next;
		while (ps->busy > 0)
			pthread_cond_wait(&reg_idle, &reg_mu);
		struct listener *l = ps->shared;
		if (--l->users == 0) {
			struct listener **lp = &listeners;
			while (*lp != l)
				lp = &(*lp)->next;
			*lp = l->next;
			last = l->srv;
			free(l);
		}
		pthread_mutex_unlock(&reg_mu);
	}
	/* A shared port no environment wants any more is closed. */
	http_server_stop(last);
	http_server_stop(ps->srv);
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->entries[i].key);
		memset(ps->entries[i].body, 0, strlen(ps->entries[i].body));
		free(ps->entries[i].body);
	}
	free(ps->entries);
	pthread_mutex_destroy(&ps->mu);
	free(ps);
}
