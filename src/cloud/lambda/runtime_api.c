/*
 * The Lambda Runtime API (2018-06-01), served to one execution environment on its own port:
 * /next blocks until the environment is given an invocation, /response and /error complete
 * it, /init/error reports a failed init. Status codes and error bodies follow the service.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/lambda/lambda.h"
#include "cloud/lambda/versions.h"
#include "cloud/state.h"
#include "core/clock.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define PREFIX "/2018-06-01/runtime/"

static void rapi_error(struct http_resp *resp, int status, const char *type, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "errorMessage", msg);
	cJSON_AddStringToObject(o, "errorType", type);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	resp->status = status;
	strbuf_reset(&resp->body);
	strbuf_addstr(&resp->body, text);
	free(text);
}

static void accepted(struct http_resp *resp)
{
	resp->status = 202;
	strbuf_addstr(&resp->body, "{\"status\":\"OK\"}");
}

static void next(struct env *env, struct http_resp *resp)
{
	struct cloud *c = env->cloud;
	/* The runtime waits on this call: what its threads did so far is before the event. */
	struct env_cpu cpu;
	limits_cpu_sample(env, &cpu);
	pthread_mutex_lock(&c->mu);
	if (env->state == ENV_INIT) {
		env->init_ms = (double)(clock_mono_us() - env->spawn_us) / 1000.0;
		env->state = ENV_READY;
		env->idle_since_ms = clock_wall_ms();
		lambda_env_limit_cpu(env);
	}
	if (env->inv && env->delivered && !env->responded && env->inv->state != INV_DONE) {
		pthread_mutex_unlock(&c->mu);
		char msg[160];
		snprintf(msg, sizeof(msg),
			 "State transition from Running to Ready failed for runtime. Error: "
			 "invocation %s has no response yet",
			 env->last_id);
		rapi_error(resp, 403, "InvalidStateTransition", msg);
		return;
	}
	while (!(env->inv && !env->delivered) && env->state != ENV_DEAD && !c->stopping)
		pthread_cond_wait(&env->cond, &c->mu);
	if (env->state == ENV_DEAD || c->stopping) {
		pthread_mutex_unlock(&c->mu);
		rapi_error(resp, 500, "InternalServerError",
			   "Container error. Non-recoverable state. Runtime should exit promptly.");
		return;
	}
	struct invocation *inv = env->inv;
	env->delivered = true;
	env->responded = false;
	inv->state = INV_RUNNING;
	inv->started_us = clock_mono_us();
	inv->cpu_start = cpu;
	inv->deadline_wall_ms = clock_wall_ms() + (long long)inv->timeout * 1000;
	inv->cold = !env->init_reported;
	inv->init_ms = env->init_ms;
	env->init_reported = true;
	snprintf(env->last_id, sizeof(env->last_id), "%s", inv->id);
	http_resp_header(resp, "Lambda-Runtime-Aws-Request-Id", inv->id);
	http_resp_headerf(resp, "Lambda-Runtime-Deadline-Ms", "%lld",
			  (long long)inv->deadline_wall_ms);
	http_resp_header(resp, "Lambda-Runtime-Invoked-Function-Arn", inv->arn);
	http_resp_header(resp, "Lambda-Runtime-Trace-Id", inv->trace_id);
	if (inv->client_context)
		http_resp_header(resp, "Lambda-Runtime-Client-Context", inv->client_context);
	strbuf_add(&resp->body, inv->payload, inv->payload_len);
	char id[37], trace[96];
	memcpy(id, inv->id, sizeof(id));
	memcpy(trace, inv->trace_id, sizeof(trace));
	/* A cold invoker waits for init with a long deadline: give it the handler's. A warm
	 * one already waits for about the right time and rechecks when it wakes. */
	if (inv->cold)
		pthread_cond_signal(&inv->cond);
	pthread_mutex_unlock(&c->mu);

	/* Whatever init printed comes before START. */
	struct strbuf line = STRBUF_INIT;
	char v[12];
	lambda_fn_version_name(env->fn, v);
	pthread_mutex_lock(&env->log_mu);
	lambda_env_drain(env);
	strbuf_reset(&env->tail);
	if (env->log.json) {
		lambda_env_log_record(env, LAMBDA_LOG_INFO, "platform.start",
				      lambda_logj_start(id, v, trace));
	} else {
		lambda_log_start(&line, id, v);
		lambda_env_log_platform(env, line.buf, line.len);
	}
	pthread_mutex_unlock(&env->log_mu);
	strbuf_release(&line);
}

/* The invocation a /response or /error names, or NULL after answering 400/403. */
static struct invocation *posted_invocation(struct env *env, const char *id, struct http_resp *resp)
{
	struct invocation *inv = env->inv;
	if (inv && env->delivered && strcmp(inv->id, id) == 0 && !env->responded &&
	    inv->state != INV_DONE)
		return inv;
	if ((inv && strcmp(inv->id, id) == 0) || strcmp(env->last_id, id) == 0) {
		char msg[200];
		snprintf(msg, sizeof(msg),
			 "State transition from Ready to InvocationResponse failed for runtime. "
			 "Error: invocation %s was already answered",
			 id);
		rapi_error(resp, 403, "InvalidStateTransition", msg);
		return NULL;
	}
	rapi_error(resp, 400, "InvalidRequestID", "Invalid request ID");
	return NULL;
}

static void post_response(struct env *env, const char *id, const struct http_req *req,
			  struct http_resp *resp)
{
	struct cloud *c = env->cloud;
	struct env_cpu cpu;
	limits_cpu_sample(env, &cpu);
	pthread_mutex_lock(&c->mu);
	struct invocation *inv = posted_invocation(env, id, resp);
	if (!inv) {
		pthread_mutex_unlock(&c->mu);
		return;
	}
	env->responded = true;
	inv->cpu_end = cpu;
	if (req->too_large) {
		char msg[160];
		snprintf(msg, sizeof(msg),
			 "Response payload size exceeded maximum allowed payload size (%d bytes).",
			 LAMBDA_RUNTIME_RESP_MAX);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "errorMessage", msg);
		cJSON_AddStringToObject(o, "errorType", "Function.ResponseSizeTooLarge");
		char *text = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		lambda_inv_complete(inv, text, strlen(text), true, "Function.ResponseSizeTooLarge",
				    "");
		free(text);
		pthread_mutex_unlock(&c->mu);
		snprintf(msg, sizeof(msg), "Exceeded maximum allowed payload size (%d bytes).",
			 LAMBDA_RUNTIME_RESP_MAX);
		rapi_error(resp, 413, "RequestEntityTooLarge", msg);
		return;
	}
	lambda_inv_complete(inv, req->body, req->body_len, false, NULL, "");
	pthread_mutex_unlock(&c->mu);
	accepted(resp);
}

char *lambda_runtime_error_body(const char *body, size_t len, const char *header_type, char *type,
				size_t type_n)
{
	cJSON *o = cJSON_ParseWithLength(body, len);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "errorType");
	if (cJSON_IsString(t) && t->valuestring[0])
		snprintf(type, type_n, "%s", t->valuestring);
	else if (header_type && header_type[0])
		snprintf(type, type_n, "%s", header_type);
	else
		snprintf(type, type_n, "Unhandled");
	char *text;
	/* An object is passed on as it came, unless a NUL inside would cut it short. */
	if (cJSON_IsObject(o) && strlen(body) == len) {
		text = xstrndup(body, len);
	} else {
		cJSON *w = cJSON_CreateObject();
		cJSON_AddStringToObject(w, "errorMessage", body);
		cJSON_AddStringToObject(w, "errorType", type);
		text = cJSON_PrintUnformatted(w);
		cJSON_Delete(w);
	}
	cJSON_Delete(o);
	return text;
}

static void post_error(struct env *env, const char *id, const struct http_req *req,
		       struct http_resp *resp)
{
	struct cloud *c = env->cloud;
	char type[128];
	char *body = lambda_runtime_error_body(
		req->body, req->body_len, http_header(req, "Lambda-Runtime-Function-Error-Type"),
		type, sizeof(type));
	pthread_mutex_lock(&c->mu);
	struct invocation *inv = posted_invocation(env, id, resp);
	if (inv) {
		env->responded = true;
		lambda_inv_complete(inv, body, strlen(body), true, type, "");
	}
	pthread_mutex_unlock(&c->mu);
	free(body);
	if (inv)
		accepted(resp);
}

static void init_error(struct env *env, const struct http_req *req, struct http_resp *resp)
{
	struct cloud *c = env->cloud;
	char type[128];
	char *body = lambda_runtime_error_body(
		req->body, req->body_len, http_header(req, "Lambda-Runtime-Function-Error-Type"),
		type, sizeof(type));
	pthread_mutex_lock(&c->mu);
	if (env->state != ENV_INIT) {
		pthread_mutex_unlock(&c->mu);
		free(body);
		rapi_error(resp, 403, "InvalidStateTransition",
			   "State transition from Ready to InitError failed for runtime. Error: "
			   "init already completed");
		return;
	}
	env->init_failed = true;
	env->init_ms = (double)(clock_mono_us() - env->spawn_us) / 1000.0;
	struct invocation *inv = env->inv;
	if (inv && inv->state != INV_DONE) {
		inv->cold = true;
		inv->init_ms = env->init_ms;
		lambda_inv_complete(inv, body, strlen(body), true, type, "error");
	}
	pthread_mutex_unlock(&c->mu);
	free(body);
	accepted(resp);
}

void lambda_runtime_api(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct env *env = ctx;
	const char *p = req->path;
	bool get = strcmp(req->method, "GET") == 0;
	bool post = strcmp(req->method, "POST") == 0;
	if (!str_starts_with(p, PREFIX)) {
		rapi_error(resp, 404, "InvalidRequest", "page not found");
		return;
	}
	p += strlen(PREFIX);
	if (strcmp(p, "invocation/next") == 0 && get) {
		next(env, resp);
		return;
	}
	if (strcmp(p, "init/error") == 0 && post) {
		init_error(env, req, resp);
		return;
	}
	if (str_starts_with(p, "invocation/") && post) {
		const char *id = p + strlen("invocation/");
		const char *slash = strchr(id, '/');
		if (slash && (size_t)(slash - id) < 64) {
			char rid[64];
			memcpy(rid, id, (size_t)(slash - id));
			rid[slash - id] = '\0';
			if (strcmp(slash, "/response") == 0) {
				post_response(env, rid, req, resp);
				return;
			}
			if (strcmp(slash, "/error") == 0) {
				post_error(env, rid, req, resp);
				return;
			}
		}
	}
	rapi_error(resp, 404, "InvalidRequest", "page not found");
}
