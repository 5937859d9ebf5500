/*
 * Invoke: admission (account and reserved concurrency), choosing or starting an execution
 * environment, waiting for the runtime's answer within the timeout, and the platform's log
 * lines and numbers for the invocation.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cloud/async/async.h"
#include "cloud/http/aws.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/policy.h"
#include "cloud/lambda/versions.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "cloud/svc/svc.h"
#include "cloud/xray/xray.h"
#include "core/clock.h"
#include "core/xalloc.h"

/* On-demand init is capped at 10 seconds. */
#define INIT_CAP_US 10000000LL

struct outcome {
	int http_status;
	struct strbuf body;
	bool function_error;
	bool throttled;
	const char *throttle_reason;
	struct api_err err; /* http_status != 200 */
	char *tail_b64;
};

void lambda_inv_complete(struct invocation *inv, const char *body, size_t len, bool error,
			 const char *error_type, const char *status)
{
	if (inv->state == INV_DONE)
		return;
	inv->state = INV_DONE;
	inv->ended_us = clock_mono_us();
	strbuf_reset(&inv->body);
	strbuf_add(&inv->body, body, len);
	inv->function_error = error;
	snprintf(inv->error_type, sizeof(inv->error_type), "%s", error_type ? error_type : "");
	snprintf(inv->status, sizeof(inv->status), "%s", status ? status : "");
	pthread_cond_broadcast(&inv->cond);
}

/*
 * Whether X-Ray samples this invocation of fn (cloud->mu held): with TracingConfig Active, as
 * X-Ray's default rule does, the first request of each second and 5% of the others.
 */
static bool sampled_now(struct lfunc *fn)
{
	if (!fn->tracing_active)
		return false;
	int64_t second = clock_wall_ms() / 1000;
	if (fn->sampled_second != second) {
		fn->sampled_second = second;
		return true;
	}
	char hex[3];
	aws_random_hex(hex, 2);
	return strtol(hex, NULL, 16) * 100 / 256 < 5;
}

/*
 * The trace header inv's code is given, from the header it was invoked with (trace, NULL or
 * "": none). A request in a trace continues it: same root, and the upstream decision on
 * sampling, which Lambda honours; with none, a new root, and with Active tracing Lambda's own
 * sampling decides. Sampled, the Parent is the function segment's id (xray_lambda_trace()),
 * so that what an X-Ray SDK sends hangs under it; in PassThrough the context goes on as it came.
 */
static void trace_start(struct invocation *inv, struct lfunc *fn, const char *trace)
{
	struct svc_trace in;
	bool have = trace && trace[0] && svc_trace_parse(trace, &in);
	char root[36], parent[17];
	if (have) {
		memcpy(root, in.root, sizeof(root));
	} else {
		/* A new root carries the request id's first 24 hex digits, so that services the
		 * function calls (X-Amzn-Trace-Id) can tell which invocation called them (S3's
		 * recursive loop detection). */
		char hex[25];
		size_t h = 0;
		for (const char *p = inv->id; *p && h < 24; p++)
			if (*p != '-')
				hex[h++] = *p;
		hex[h] = '\0';
		snprintf(root, sizeof(root), "1-%08llx-%s",
			 (unsigned long long)(clock_wall_ms() / 1000), hex);
	}
	snprintf(inv->upstream, sizeof(inv->upstream), "%s", have ? in.parent : "");
	bool sampled;
	if (fn->tracing_active)
		sampled = have && in.sampled >= 0 ? in.sampled == 1 : sampled_now(fn);
	else
		sampled = have && in.sampled == 1;
	if (fn->tracing_active || !have || !in.parent[0])
		aws_random_hex(parent, 16);
	else
		memcpy(parent, in.parent, sizeof(parent));
	inv->traced = fn->tracing_active && sampled;
	snprintf(inv->trace_id, sizeof(inv->trace_id), "Root=%s;Parent=%s;Sampled=%d", root, parent,
		 sampled ? 1 : 0);
}

static struct invocation *inv_new(struct lfunc *fn, const char *payload, size_t len,
				  const char *request_id, const char *qualifier, const char *trace)
{
	struct invocation *inv = xcalloc(1, sizeof(*inv));
	if (request_id && strlen(request_id) == 36)
		memcpy(inv->id, request_id, 37);
	else
		aws_uuid(inv->id);
	if (len == 0) {
		payload = "{}";
		len = 2;
	}
	inv->payload = xstrndup(payload, len);
	inv->payload_len = len;
	trace_start(inv, fn, trace);
	/* The ARN the function was invoked by, with its qualifier (context.invoked_function_arn).
	 */
	arn_function_format(inv->arn, sizeof(inv->arn), AWS_REGION_NAME, fn->account, fn->name,
			    qualifier);
	inv->timeout = fn->timeout;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&inv->cond, &attr);
	pthread_condattr_destroy(&attr);
	strbuf_init(&inv->body);
	inv->accepted_us = clock_mono_us();
	inv->init_ms = -1;
	return inv;
}

static void inv_free(struct invocation *inv)
{
	if (!inv)
		return;
	free(inv->payload);
	free(inv->client_context);
	strbuf_release(&inv->body);
	pthread_cond_destroy(&inv->cond);
	free(inv);
}

/* The reason to throttle an invocation of fn now, or NULL. Caller holds cloud->mu. */
static const char *throttle_reason(struct cloud *c, const struct lfunc *fn)
{
	if (fn->reserved == 0 || (fn->reserved > 0 && fn->inflight >= fn->reserved))
		return "ReservedFunctionConcurrentInvocationLimitExceeded";
	if (fn->reserved > 0)
		return NULL;
	int reserved = 0, unreserved_inflight = 0;
	vec_for_each (&c->functions, i) {
		const struct lfunc *f = c->functions.items[i];
		if (strcmp(f->account, fn->account) != 0)
			continue;
		if (f->reserved >= 0)
			reserved += f->reserved;
		else
			unreserved_inflight += f->inflight;
	}
	if (unreserved_inflight >= c->account_limit - reserved)
		return "ConcurrentInvocationLimitExceeded";
	return NULL;
}

static struct env *idle_env(struct cloud *c, const struct lfunc *fn)
{
	struct env *best = NULL;
	vec_for_each (&c->envs, i) {
		struct env *env = c->envs.items[i];
		if (env->fn != fn || env->inv || env->state == ENV_DEAD || env->exited ||
		    env->generation != fn->generation || env->init_failed)
			continue;
		/* Provisioned concurrency serves first, once initialised; the rest spills over
		 * to on-demand environments. */
		if (env->provisioned && env->state != ENV_READY)
			continue;
		if (best && best->provisioned != env->provisioned) {
			if (env->provisioned)
				best = env;
			continue;
		}
		/* The most recently used stays warm; the others may expire. */
		if (!best || env->idle_since_ms > best->idle_since_ms)
			best = env;
	}
	return best;
}

static struct timespec mono_at(int64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
	return ts;
}

static void error_json(struct strbuf *sb, const char *type, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "errorType", type);
	cJSON_AddStringToObject(o, "errorMessage", msg);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	strbuf_addstr(sb, text);
	free(text);
}

/* What the end of an invocation reports about its environment, copied under cloud->mu. */
struct env_view {
	bool delivered, init_failed;
	double init_ms;
	int64_t spawn_us;
	int memory_mb, max_used_mb;
};

static void env_view_take(const struct env *env, struct env_view *v)
{
	v->delivered = env->delivered;
	v->init_failed = env->init_failed;
	v->init_ms = env->init_ms;
	v->spawn_us = env->spawn_us;
	v->memory_mb = env->memory;
}

/*
 * Log the end of an invocation: runtime failure lines, END and REPORT. Called without
 * cloud->mu: env (pinned by its inv) is used only for what its log_mu guards.
 */
static void log_end(struct env *env, const struct env_view *v, struct invocation *inv,
		    bool timed_out, double duration_ms, long long billed_ms, bool want_tail,
		    char **tail_b64)
{
	struct strbuf line = STRBUF_INIT;
	bool json = env->log.json;
	char ver[12];
	lambda_fn_version_name(env->fn, ver);
	pthread_mutex_lock(&env->log_mu);
	lambda_env_drain(env);
	lambda_env_flush(env);
	if (!v->delivered || inv->started_us == 0) {
		/* Init failed or the environment died before the handler started. */
		double init_ms = v->init_ms > 0 ? v->init_ms
						: (double)(inv->ended_us - v->spawn_us) / 1000.0;
		const char *error_type = !timed_out && inv->error_type[0] ? inv->error_type : NULL;
		if (json) {
			lambda_env_log_record(
				env, LAMBDA_LOG_INFO, "platform.initReport",
				lambda_logj_init_report(init_ms, timed_out ? "timeout" : "error",
							error_type));
			lambda_env_log_record(env, LAMBDA_LOG_INFO, "platform.start",
					      lambda_logj_start(inv->id, ver, inv->trace_id));
		} else {
			strbuf_addf(&line,
				    "INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: %s",
				    init_ms, timed_out ? "timeout" : "error");
			if (error_type)
				strbuf_addf(&line, "\tError Type: %s", error_type);
			lambda_env_log_platform(env, line.buf, line.len);
			strbuf_reset(&line);
			lambda_log_start(&line, inv->id, ver);
			lambda_env_log_platform(env, line.buf, line.len);
			strbuf_reset(&line);
		}
	}
	if (timed_out && !json) {
		lambda_log_timeout(&line, clock_wall_ms(), inv->id, (double)inv->timeout);
		lambda_env_log_platform(env, line.buf, line.len);
		strbuf_reset(&line);
	} else if (!timed_out && strcmp(inv->status, "error") == 0 && !v->init_failed) {
		cJSON *o = cJSON_Parse(inv->body.buf);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "errorMessage");
		if (cJSON_IsString(m) && json) {
			char ts[32];
			aws_time_iso(clock_wall_ms(), ts);
			cJSON *rec = cJSON_CreateObject();
			cJSON_AddStringToObject(rec, "timestamp", ts);
			cJSON_AddStringToObject(rec, "level", "ERROR");
			cJSON_AddStringToObject(rec, "requestId", inv->id);
			cJSON_AddStringToObject(rec, "errorMessage", m->valuestring);
			cJSON_AddStringToObject(rec, "errorType", inv->error_type);
			char *text = cJSON_PrintUnformatted(rec);
			lambda_env_log(env, text, strlen(text));
			cJSON_free(text);
			cJSON_Delete(rec);
		} else if (cJSON_IsString(m)) {
			lambda_env_log(env, m->valuestring, strlen(m->valuestring));
			lambda_env_log(env, inv->error_type, strlen(inv->error_type));
		}
		cJSON_Delete(o);
	}
	struct lambda_report r = {
		.request_id = inv->id,
		.duration_ms = duration_ms,
		.billed_ms = billed_ms,
		.memory_mb = v->memory_mb,
		.max_used_mb = v->max_used_mb,
		.init_ms = inv->cold ? inv->init_ms : -1,
		.status = timed_out        ? "timeout"
			  : inv->status[0] ? inv->status
					   : NULL,
		.error_type = inv->error_type,
	};
	if (json) {
		lambda_env_log_record(env, LAMBDA_LOG_DEBUG, "platform.runtimeDone",
				      lambda_logj_runtime_done(inv->id,
							       r.status ? r.status : "success",
							       duration_ms));
		lambda_env_log_record(env, LAMBDA_LOG_INFO, "platform.report",
				      lambda_logj_report(&r));
	} else {
		lambda_log_end(&line, inv->id);
		lambda_env_log_platform(env, line.buf, line.len);
		strbuf_reset(&line);
		lambda_log_report(&line, &r);
		lambda_env_log_platform(env, line.buf, line.len);
	}
	if (want_tail) {
		size_t n = env->tail.len, from = n > LAMBDA_TAIL_BYTES ? n - LAMBDA_TAIL_BYTES : 0;
		*tail_b64 = aws_base64_encode(env->tail.buf + from, n - from);
	}
	pthread_mutex_unlock(&env->log_mu);
	strbuf_release(&line);
}

/*
 * Run one invocation to its end. Fills out; the caller renders it. Takes and releases
 * cloud->mu. fn is referenced by the caller.
 */
/*
 * The CPU time an answered invocation used and its duration without contention. Its busiest
 * thread (the handler's) was on a CPU, runnable but waiting (for other processes or for its
 * own quota), stopped by duty cycling (its own CPU budget's throttling), or none of these
 * (blocked: asleep, reading, waiting on I/O). On an idle machine the blocked time is the same
 * and the CPU work of all its threads runs at its share of a vCPU, one thread at most a whole
 * one: blocked + cpu / min(1, vCPUs). Other threads' waits are left out: they wait beside the
 * handler's (a runtime's garbage collector), not in its way. Never more than the wall-clock
 * duration.
 */
static void uncontended(const struct invocation *inv, int memory, double duration_ms,
			double *cpu_ms, double *free_ms)
{
	const struct env_cpu *a = &inv->cpu_start, *b = &inv->cpu_end;
	if (!a->ok || !b->ok || b->cpu_ns < a->cpu_ns)
		return;
	long long busiest = -1, busiest_wait = 0;
	for (size_t i = 0; i < b->n; i++) {
		long long c0 = 0, w0 = 0;
		for (size_t j = 0; j < a->n; j++)
			if (a->t[j].tid == b->t[i].tid) {
				c0 = a->t[j].cpu_ns;
				w0 = a->t[j].wait_ns;
				break;
			}
		if (b->t[i].cpu_ns - c0 > busiest) {
			busiest = b->t[i].cpu_ns - c0;
			busiest_wait = b->t[i].wait_ns - w0;
		}
	}
	if (busiest < 0)
		return;
	double cpu = (double)(b->cpu_ns - a->cpu_ns) / 1e6;
	double wait = (double)busiest_wait / 1e6;
	double stopped = (double)(b->stopped_ns - a->stopped_ns) / 1e6;
	double vcpus = limits_vcpus(memory), one = vcpus < 1 ? vcpus : 1;
	double blocked = duration_ms - (double)busiest / 1e6 - wait - stopped;
	double d = (blocked > 0 ? blocked : 0) + cpu / one;
	*cpu_ms = cpu;
	*free_ms = d < duration_ms ? d : duration_ms;
}

static void run(struct cloud *c, struct lfunc *fn, const char *payload, size_t len,
		const char *client_context, bool want_tail, const char *request_id,
		const char *qualifier, const struct lambda_via *via, struct outcome *out)
{
	const char *trace = via ? via->trace : NULL;
	pthread_mutex_lock(&c->mu);
	if (c->stopping || fn->deleted) {
		pthread_mutex_unlock(&c->mu);
		out->http_status = 404;
		char arn[160];
		lambda_fn_arn(fn, arn, sizeof(arn));
		api_err_set(&out->err, 404, "ResourceNotFoundException", "Function not found: %s",
			    arn);
		return;
	}
	const char *reason = throttle_reason(c, fn);
	if (reason) {
		pthread_mutex_unlock(&c->mu);
		lambda_metrics_throttle(c, fn->account, fn->name);
		out->http_status = 429;
		out->throttled = true;
		out->throttle_reason = reason;
		return;
	}
	fn->inflight++;
	struct invocation *inv = inv_new(fn, payload, len, request_id, qualifier, trace);
	if (strstr(inv->trace_id, "Sampled=1"))
		xray_daemon_expect(c, inv->trace_id, fn->account);
	if (client_context)
		inv->client_context = xstrdup(client_context);
	struct env *env = idle_env(c, fn);
	bool warm = env && env->state == ENV_READY;
	if (fn->version)
		lambda_provisioned_invoked(c, fn, qualifier, env && env->provisioned);
	if (env) {
		env->inv = inv;
		env->delivered = false;
		env->responded = false;
		pthread_cond_signal(&env->cond);
	} else {
		struct api_err e = { 0 };
		env = lambda_env_spawn(c, fn, inv, &e);
		if (!env) {
			fn->inflight--;
			pthread_mutex_unlock(&c->mu);
			if (e.status == 200) {
				/* A package that cannot start is the function's error. */
				char *msg = xasprintf("RequestId: %s Error: %s", inv->id, e.msg);
				error_json(&out->body, e.type, msg);
				free(msg);
				out->http_status = 200;
				out->function_error = true;
			} else {
				out->http_status = e.status;
				out->err = e;
			}
			inv_free(inv);
			return;
		}
	}
	bool timed_out = false;
	int64_t timeout_us = (int64_t)inv->timeout * 1000000;
	while (inv->state != INV_DONE) {
		/* A warm environment takes the event at once: wait about the timeout, recheck. */
		int64_t deadline = inv->state == INV_RUNNING ? inv->started_us + timeout_us
				   : warm                    ? inv->accepted_us + timeout_us
					  : inv->accepted_us + INIT_CAP_US + timeout_us;
		struct timespec ts = mono_at(deadline);
		int rc = pthread_cond_timedwait(&inv->cond, &c->mu, &ts);
		if (inv->state == INV_DONE)
			break;
		if (warm && inv->state == INV_WAITING && rc == ETIMEDOUT) {
			/* The runtime has not asked for the event in all that time. */
			warm = false;
			continue;
		}
		int64_t due = inv->state == INV_RUNNING ? inv->started_us + timeout_us : deadline;
		if (rc == ETIMEDOUT && clock_mono_us() >= due) {
			timed_out = true;
			char *msg =
				xasprintf("RequestId: %s Error: Task timed out after %.2f seconds",
					  inv->id, (double)inv->timeout);
			struct strbuf body = STRBUF_INIT;
			error_json(&body, "Sandbox.Timedout", msg);
			free(msg);
			lambda_env_kill(env);
			lambda_inv_complete(inv, body.buf, body.len, true, "Sandbox.Timedout",
					    "timeout");
			strbuf_release(&body);
		}
	}
	/* The environment may die, and its function change, once cloud->mu is released. */
	struct env_view view;
	env_view_take(env, &view);
	long long peak_kb = env->max_rss_kb;
	bool gone = env->exited, oom = env->oom;
	pthread_mutex_unlock(&c->mu);
	/* Its processes' peak, read outside cloud->mu: a few /proc files, which every other
	 * invocation and the Runtime API would otherwise wait for. */
	long long now_kb = gone ? 0 : lambda_env_peak_kb(env);
	if (now_kb > peak_kb)
		peak_kb = now_kb;
	view.max_used_mb = lambda_env_used_mb(env, peak_kb, oom);

	double duration_ms = inv->started_us ? (double)(inv->ended_us - inv->started_us) / 1000.0
					     : (double)(inv->ended_us - inv->accepted_us) / 1000.0;
	if (timed_out && inv->started_us)
		duration_ms = inv->timeout * 1000.0;
	long long billed = lambda_billed_ms(duration_ms, inv->cold ? inv->init_ms : 0);
	double cpu_ms = -1, uncontended_ms = -1;
	uncontended(inv, view.memory_mb, duration_ms, &cpu_ms, &uncontended_ms);
	log_end(env, &view, inv, timed_out, duration_ms, billed, want_tail, &out->tail_b64);

	pthread_mutex_lock(&c->mu);
	if (peak_kb > env->max_rss_kb)
		env->max_rss_kb = peak_kb;
	env->inv = NULL;
	if (env->state == ENV_READY && !env->killed && !env->init_failed && !env->exited &&
	    env->generation == fn->generation && !fn->deleted)
		env->idle_since_ms = clock_wall_ms();
	else
		lambda_env_kill(env);
	fn->inflight--;
	struct lambda_record rec = {
		.started_ms = clock_wall_ms() - (long long)duration_ms,
		.duration_ms = duration_ms,
		.init_ms = inv->cold ? inv->init_ms : -1,
		.billed_ms = billed,
		.memory_mb = view.memory_mb,
		.max_used_mb = view.max_used_mb,
		.cold = inv->cold,
		.arm64 = fn->arm64,
		.provisioned = env->provisioned,
		.cpu_ms = cpu_ms,
		.uncontended_ms = uncontended_ms,
	};
	snprintf(rec.account, sizeof(rec.account), "%s", fn->account);
	snprintf(rec.function, sizeof(rec.function), "%s", fn->name);
	snprintf(rec.request_id, sizeof(rec.request_id), "%s", inv->id);
	snprintf(rec.status, sizeof(rec.status), "%s",
		 timed_out             ? "timeout"
		 : inv->function_error ? "error"
				       : "success");
	snprintf(rec.error_type, sizeof(rec.error_type), "%s", inv->error_type);
	snprintf(rec.qualifier, sizeof(rec.qualifier), "%s", qualifier ? qualifier : "");
	/* Through an alias: the version it picked, for the per-version split. */
	if (qualifier && qualifier[0] && strcmp(qualifier, "$LATEST") != 0 &&
	    strspn(qualifier, "0123456789") != strlen(qualifier)) {
		char ver[12];
		snprintf(rec.executed, sizeof(rec.executed), "%s", lambda_fn_version_name(fn, ver));
	}
	lambda_metrics_record(c, &rec);
	pthread_mutex_unlock(&c->mu);
	if (inv->traced)
		xray_lambda_trace(c, rec.account, rec.function, rec.request_id, inv->trace_id,
				  inv->upstream, rec.started_ms, rec.init_ms, duration_ms,
				  rec.status, via ? via->dwell_ms : -1, via ? via->attempt : 0,
				  via ? via->links : NULL);

	out->http_status = 200;
	out->function_error = inv->function_error;
	strbuf_add(&out->body, inv->body.buf ? inv->body.buf : "", inv->body.len);
	inv_free(inv);
}

void lambda_invoke_internal(struct cloud *c, struct lfunc *fn, const char *payload, size_t len,
			    const char *request_id, struct lambda_outcome *r)
{
	lambda_invoke_internal_as(c, fn, NULL, payload, len, request_id, r);
}

void lambda_invoke_internal_as(struct cloud *c, struct lfunc *fn, const char *qualifier,
			       const char *payload, size_t len, const char *request_id,
			       struct lambda_outcome *r)
{
	lambda_invoke_internal_traced(c, fn, qualifier, payload, len, request_id, NULL, r);
}

void lambda_invoke_internal_traced(struct cloud *c, struct lfunc *fn, const char *qualifier,
				   const char *payload, size_t len, const char *request_id,
				   const char *trace, struct lambda_outcome *r)
{
	struct lambda_via via = { .trace = trace, .dwell_ms = -1 };
	lambda_invoke_internal_via(c, fn, qualifier, payload, len, request_id, &via, r);
}

void lambda_invoke_internal_via(struct cloud *c, struct lfunc *fn, const char *qualifier,
				const char *payload, size_t len, const char *request_id,
				const struct lambda_via *via, struct lambda_outcome *r)
{
	struct outcome out = { 0 };
	strbuf_init(&out.body);
	run(c, fn, payload, len, NULL, false, request_id,
	    qualifier && qualifier[0] ? qualifier : NULL, via, &out);
	r->status = out.http_status;
	r->function_error = out.function_error;
	r->throttled = out.throttled;
	snprintf(r->error_type, sizeof(r->error_type), "%s",
		 out.throttled            ? "TooManyRequestsException"
		 : out.http_status != 200 ? (out.err.type ? out.err.type : "ServiceException")
					  : "");
	snprintf(r->message, sizeof(r->message), "%s",
		 out.throttled            ? "Rate Exceeded."
		 : out.http_status != 200 ? out.err.msg
					  : "");
	lambda_fn_version_name(fn, r->executed);
	r->body = strbuf_detach(&out.body);
	strbuf_release(&out.body);
	free(out.tail_b64);
}

static bool valid_json(const char *s, size_t n)
{
	if (n == 0)
		return true;
	cJSON *o = cJSON_ParseWithLength(s, n);
	bool ok = o != NULL;
	cJSON_Delete(o);
	return ok;
}

/* The payload of an Invoke: the HTTP body, or the Payload member of another service's call. */
static bool invoke_payload(const struct svc_call *call, const cJSON *in, const char **payload,
			   size_t *len, char **owned, bool *too_large)
{
	*owned = NULL;
	*too_large = false;
	if (call->http) {
		*payload = call->http->body;
		*len = call->http->too_large ? call->http->declared_len : call->http->body_len;
		*too_large = call->http->too_large;
		return true;
	}
	const char *b64 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "Payload"));
	if (!b64) {
		*payload = "";
		*len = 0;
		return true;
	}
	size_t n = 0;
	unsigned char *raw = aws_base64_decode(b64, strlen(b64), &n);
	if (!raw)
		return false;
	*owned = (char *)raw;
	*payload = *owned;
	*len = n;
	return true;
}

static cJSON *status_only(int status)
{
	cJSON *out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "StatusCode", status);
	return out;
}

static bool from_api_err(struct aws_err *err, const struct api_err *e)
{
	return aws_err_set(err, e->status, e->type, "%s", e->msg);
}

cJSON *lambda_op_invoke(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *ref =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "FunctionName"));
	const char *q = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "Qualifier"));
	const char *type =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "InvocationType"));
	const char *log = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "LogType"));
	const char *ctx_b64 =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "ClientContext"));
	char name[65], ref_account[13], qualifier[129];
	struct api_err e = { 0 };
	if (!type)
		type = "RequestResponse";
	if (ref && lambda_ref_overlong(ref)) {
		/* Lambda looks a long plain name up, and finds nothing. */
		char missing[300];
		arn_function_format(missing, sizeof(missing), AWS_REGION_NAME,
				    call->caller->account, ref, q && q[0] ? q : "$LATEST");
		return aws_err_set(err, 404, "ResourceNotFoundException", "Function not found: %s",
				   missing),
		       NULL;
	}
	if (!lambda_parse_ref(ref ? ref : "", name, ref_account, qualifier, &e))
		return from_api_err(err, &e), NULL;
	if (q && q[0]) {
		if (qualifier[0] && strcmp(q, qualifier) != 0)
			return aws_err_set(err, 400, "InvalidParameterValueException",
					   "The derived qualifier from the function name does not "
					   "match the specified qualifier."),
			       NULL;
		snprintf(qualifier, sizeof(qualifier), "%s", q);
	}
	const char *account = call->caller->account;
	/* The version that runs: $LATEST, a published one, or one an alias picks by weight. */
	struct aws_err rerr = { 0 };
	pthread_mutex_lock(&c->mu);
	struct lfunc *fn = NULL;
	if (!ref_account[0] || strcmp(ref_account, account) == 0)
		fn = lambda_fn_find(c, account, name);
	if (fn)
		fn = lambda_fn_resolve(c, fn, qualifier, &rerr);
	if (fn)
		lambda_fn_ref(fn);
	pthread_mutex_unlock(&c->mu);
	aws_err_release(&rerr);
	cJSON *out = NULL;
	char *owned = NULL, *context = NULL;
	const char *payload = NULL;
	size_t len = 0;
	bool too_large = false, event = strcmp(type, "Event") == 0;
	char arn[300];
	arn_function_format(arn, sizeof(arn), AWS_REGION_NAME,
			    ref_account[0] ? ref_account : account, name, qualifier);
	if (!fn) {
		/* Lambda names an unqualified missing function by its $LATEST. */
		aws_err_set(err, 404, "ResourceNotFoundException", "Function not found: %s%s", arn,
			    qualifier[0] ? "" : ":$LATEST");
		goto done;
	}
	/* A service acting for a resource needs the function's resource-based policy. */
	if (call->caller->service[0] &&
	    !lambda_policy_allows(c, fn->account, fn->name, qualifier, call->caller->service,
				  call->caller->source_arn,
				  call->caller->source_account[0] ? call->caller->source_account
								  : NULL)) {
		aws_err_set(
			err, 403, "AccessDeniedException",
			"%s is not authorized to perform: lambda:InvokeFunction on resource: %s",
			call->caller->service, arn);
		goto done;
	}
	/* Lambda decrypts the variables with the function's key before they reach the
	 * environment: a key that cannot decrypt fails the invocation. */
	pthread_mutex_lock(&c->mu);
	char *kms_key = fn->kms_key && fn->vars ? xstrdup(fn->kms_key) : NULL;
	char *kms_role = kms_key && fn->role ? xstrdup(fn->role) : NULL;
	pthread_mutex_unlock(&c->mu);
	bool key_ok =
		!kms_key || (lambda_kms_usable(c, fn->account, kms_key, false, err) &&
			     lambda_kms_role_may(c, fn->account, kms_key, kms_role, fn->name, err));
	free(kms_key);
	free(kms_role);
	if (!key_ok)
		goto done;
	if (!invoke_payload(call, in, &payload, &len, &owned, &too_large)) {
		aws_err_set(err, 400, "InvalidRequestContentException",
			    "Could not parse request body into json: Payload is not valid base64");
		goto done;
	}
	size_t limit = event ? LAMBDA_ASYNC_MAX : LAMBDA_PAYLOAD_MAX;
	if (event && (too_large || len > limit)) {
		aws_err_set(
			err, 413, "RequestEntityTooLargeException",
			"%zu byte payload is too large for the Event invocation type (limit %zu "
			"bytes)",
			len, limit);
		goto done;
	}
	if (too_large || len > limit) {
		aws_err_set(
			err, 413, "RequestTooLargeException",
			"Request must be smaller than %zu bytes for the InvokeFunction operation",
			limit);
		goto done;
	}
	if (!valid_json(payload, len)) {
		aws_err_set(err, 400, "InvalidRequestContentException",
			    "Could not parse request body into json: Could not parse payload into "
			    "json: Unexpected character: was expecting a JSON value");
		goto done;
	}
	if (ctx_b64 && ctx_b64[0]) {
		size_t n = 0;
		unsigned char *raw = aws_base64_decode(ctx_b64, strlen(ctx_b64), &n);
		if (!raw || n > 3583 || !valid_json((const char *)raw, n)) {
			free(raw);
			aws_err_set(err, 400, "InvalidRequestContentException",
				    "Client context must be a valid Base64-encoded JSON object.");
			goto done;
		}
		context = (char *)raw;
	}
	if (strcmp(type, "DryRun") == 0) {
		out = status_only(204);
		goto done;
	}
	if (event) {
		/* Into the durable queue: async/ runs it, retries it and reports its fate. The
		 * invocation's request id is the one the Invoke answer carries, as in AWS. */
		char rid[37];
		snprintf(rid, sizeof(rid), "%s", call->request_id);
		struct error qerr;
		error_clear(&qerr);
		/* A version or an alias is queued as invoked: an alias picks its version for
		 * each attempt. */
		char target[200];
		snprintf(target, sizeof(target), "%s%s%s", fn->name, qualifier[0] ? ":" : "",
			 qualifier);
		if (!async_enqueue(c, fn->account, target, payload, len,
				   call->caller->service[0] ? call->caller->service : "lambda",
				   call->caller->trace, rid, &qerr))
			aws_err_set(err, 500, "ServiceException", "%s", qerr.msg);
		else
			out = status_only(202);
		goto done;
	}
	struct outcome o = { 0 };
	strbuf_init(&o.body);
	struct lambda_via via = { .trace = call->caller->trace, .dwell_ms = -1 };
	run(c, fn, payload, len, context, log && strcmp(log, "Tail") == 0, call->request_id,
	    qualifier, &via, &o);
	if (o.throttled) {
		aws_err_set(err, 429, "TooManyRequestsException", "Rate Exceeded.");
		err->fields = cJSON_CreateObject();
		cJSON_AddStringToObject(err->fields, "Reason", o.throttle_reason);
		if (call->resp)
			http_resp_header(call->resp, "Retry-After", "1");
	} else if (o.http_status != 200) {
		from_api_err(err, &o.err);
	} else {
		out = status_only(200);
		char ver[12];
		cJSON_AddStringToObject(out, "ExecutedVersion", lambda_fn_version_name(fn, ver));
		if (o.function_error)
			cJSON_AddStringToObject(out, "FunctionError", "Unhandled");
		if (o.tail_b64)
			cJSON_AddStringToObject(out, "LogResult", o.tail_b64);
		if (call->resp) {
			/* The response body is the payload as the function answered it. */
			strbuf_reset(&call->resp->body);
			strbuf_add(&call->resp->body, o.body.buf ? o.body.buf : "", o.body.len);
		} else {
			char *b64 = aws_base64_encode(o.body.buf ? o.body.buf : "", o.body.len);
			cJSON_AddStringToObject(out, "Payload", b64);
			free(b64);
		}
	}
	strbuf_release(&o.body);
	free(o.tail_b64);
done:
	free(owned);
	free(context);
	if (fn) {
		pthread_mutex_lock(&c->mu);
		lambda_fn_unref(fn);
		pthread_mutex_unlock(&c->mu);
	}
	return out;
}

cJSON *lambda_op_invoke_async(struct svc_call *call, const cJSON *input, struct aws_err *err)
{
	/* The old asynchronous call: Invoke with InvocationType Event, answering Status. */
	cJSON *in = cJSON_Duplicate(input, true);
	cJSON_DeleteItemFromObjectCaseSensitive(in, "InvocationType");
	cJSON_AddStringToObject(in, "InvocationType", "Event");
	const char *args = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "InvokeArgs"));
	if (args)
		cJSON_AddStringToObject(in, "Payload", args);
	cJSON *out = lambda_op_invoke(call, in, err);
	cJSON_Delete(in);
	if (!out)
		return NULL;
	cJSON_Delete(out);
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "Status", 202);
	return out;
}
