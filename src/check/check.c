/*
 * Running an exercise's steps against the cloud and collecting, per task, the first
 * expectation that failed with everything a learner needs to see why.
 */
#include "check/check.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "aws/aws.h"
#include "aws/client.h"
#include "aws/events.h"
#include "check/console.h"
#include "check/event.h"
#include "check/expect.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

/*
 * How long the checker lets the cloud settle before it judges what it sees anyway: longer
 * than any exercise's function timeout. Asked for in slices, so that a cancel is seen.
 */
#define SETTLE_MAX_S   60
#define SETTLE_SLICE_S 1

/* What one step left for its expectations to judge. */
struct step_state {
	cJSON *event;
	char *event_text; /* an invocation's event, or what another step asked for */
	struct lambda_reply reply;
	cJSON *response;
	char *call_error;
	cJSON *values; /* what an observing step gave, by field root */
};

struct run {
	const struct exercise *ex;
	const struct check_opts *opts;
	struct check_result *r;
	struct lambda_client *client;
	struct lambda_client *control; /* the control socket */
	char account[13];              /* a fresh account's number; "" for the learner's */
	cJSON *config;
	bool config_tried;
	char *config_error;
	struct event_rng rng;
	cJSON *vars;     /* ${vars.*}: drawn at the start, and what steps save */
	cJSON *buckets;  /* names of the buckets this run created, to remove at the end */
	cJSON *queues;   /* name -> {"url", "arn"} of the queues it created */
	cJSON *tables;   /* name -> {"stream"} of the DynamoDB tables it created */
	cJSON *mappings; /* UUIDs of the event source mappings it created */
	cJSON *roles;    /* names of the IAM roles a scenario's setup creates */
	const struct exercise_step *steps; /* what this run performs: the steps or the setup */
	size_t n_steps;
	char settle_account[16]; /* a scenario's: the learner's account, from the function */
};

static bool cancelled(const struct run *run)
{
	return run->opts->cancel && *run->opts->cancel;
}

const char *check_status_name(enum check_status status)
{
	switch (status) {
	case CHECK_PASS:
		return "passed";
	case CHECK_FAIL:
		return "failed";
	case CHECK_ERROR:
		return "error";
	}
	abort();
}

/* The handler's file, as the runtime would look for it, or NULL with err. */
static bool find_handler_file(const struct exercise *ex, const struct check_opts *o,
			      struct error *err)
{
	const struct exercise_starter *st = &ex->starters[o->lang];
	if (!st->present || !st->handler)
		return error_set(err, "exercise '%s' has no %s starter", ex->id,
				 exercise_lang_name(o->lang));
	if (!path_is_dir(o->code_dir))
		return error_set(err, "the exercise folder '%s' does not exist", o->code_dir);
	if (st->runtime && strncmp(st->runtime, "provided.", 9) == 0) {
		/* An OS-only runtime starts the package's bootstrap, which reads the handler. */
		char *f = xasprintf("%s/bootstrap", o->code_dir);
		bool found = path_is_file(f);
		free(f);
		if (!found)
			error_set(err, "the custom runtime's 'bootstrap' is missing from '%s'",
				  o->code_dir);
		return found;
	}
	const char *dot = strrchr(st->handler, '.');
	char *mod = xstrndup(st->handler, (size_t)(dot - st->handler));
	static const char *const py[] = { ".py", NULL };
	static const char *const js[] = { ".mjs", ".js", ".cjs", NULL };
	const char *const *exts = o->lang == EXERCISE_PYTHON ? py : js;
	bool found = false;
	for (size_t i = 0; exts[i] && !found; i++) {
		char *f = xasprintf("%s/%s%s", o->code_dir, mod, exts[i]);
		found = path_is_file(f);
		free(f);
	}
	if (!found)
		error_set(err, "the handler file '%s%s' is missing from '%s' (the handler is '%s')",
			  mod, exts[0], o->code_dir, st->handler);
	free(mod);
	return found;
}

/* A fresh account for a code exercise, from the control socket: its number and keys. */
static bool fresh_account(struct run *run, char key[24], char secret[48])
{
	struct lambda_reply rep;
	bool ok =
		client_request(run->control, "POST", "/_tutor/accounts", NULL, NULL, NULL, 0, &rep);
	cJSON *j = ok ? cJSON_Parse(rep.body) : NULL;
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "Account");
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "AccessKeyId");
	const cJSON *sk = cJSON_GetObjectItemCaseSensitive(j, "SecretAccessKey");
	ok = cJSON_IsString(a) && cJSON_IsString(k) && cJSON_IsString(sk);
	if (ok) {
		snprintf(run->account, sizeof(run->account), "%s", a->valuestring);
		snprintf(key, 24, "%s", k->valuestring);
		snprintf(secret, 48, "%s", sk->valuestring);
	} else {
		char *why = client_reply_error(&rep);
		error_set(&run->r->error, "cannot make a fresh account: %s", why);
		free(why);
	}
	cJSON_Delete(j);
	client_reply_release(&rep);
	return ok;
}

static bool needs_config(const struct exercise_step *s)
{
	for (size_t i = 0; i < s->n_expects; i++)
		if (s->expects[i].field && strncmp(s->expects[i].field, "config", 6) == 0)
			return true;
	return false;
}

/* Fetch the configuration once per run. False when the cloud cannot be reached. */
static bool fetch_config(struct run *run)
{
	if (run->config_tried)
		return true;
	run->config_tried = true;
	struct lambda_reply rep;
	client_get_configuration(run->client, run->ex->function, &rep);
	if (rep.status == 0) {
		error_set(&run->r->error, "%s", rep.body);
		client_reply_release(&rep);
		return false;
	}
	cJSON_Delete(run->config);
	run->config = NULL;
	free(run->config_error);
	run->config_error = NULL;
	if (rep.status == 200) {
		run->config = cJSON_Parse(rep.body);
	} else {
		char *why = client_reply_error(&rep);
		run->config_error =
			rep.status == 404
				? xasprintf("there is no function named '%s' in your account (%s)",
					    run->ex->function, why)
				: xasprintf("GetFunctionConfiguration failed: %s", why);
		free(why);
	}
	client_reply_release(&rep);
	return true;
}

/* ---- values of a run: random draws and ${vars.*} ---- */

/* The subject that resolves ${vars.*} alone. */
static struct expect_subject vars_subject(const struct run *run)
{
	struct expect_subject s = { .function = run->ex->function, .vars = run->vars };
	return s;
}

/*
 * A template (JSON text with generators and ${...}) made concrete for this run. NULL with the
 * reason in run->r->error.
 */
static cJSON *materialize(struct run *run, const char *template_json, const char *what)
{
	cJSON *g = event_generate(template_json ? template_json : "{}", &run->rng);
	if (!g) {
		error_set(&run->r->error, "%s is not JSON", what);
		return NULL;
	}
	struct expect_subject s = vars_subject(run);
	struct error err;
	error_clear(&err);
	cJSON *out = expect_expand(g, &s, &err);
	cJSON_Delete(g);
	if (!out)
		error_set(&run->r->error, "%s: %s", what, err.msg);
	return out;
}

/* Draw the exercise's vars, each after (and able to use) the ones before it. */
static bool draw_vars(struct run *run)
{
	run->vars = cJSON_CreateObject();
	cJSON *t = run->ex->vars ? cJSON_Parse(run->ex->vars) : NULL;
	bool ok = true;
	for (cJSON *v = t ? t->child : NULL; v && ok; v = v->next) {
		char *text = cJSON_PrintUnformatted(v);
		char what[96];
		snprintf(what, sizeof(what), "var '%s'", v->string);
		cJSON *x = materialize(run, text, what);
		free(text);
		if (x)
			cJSON_AddItemToObject(run->vars, v->string, x);
		ok = x != NULL;
	}
	cJSON_Delete(t);
	return ok;
}

/* A string argument (numbers as their text), or NULL. Caller frees. */
static char *arg_text(const cJSON *args, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (v && !cJSON_IsNull(v))
		return cJSON_PrintUnformatted(v);
	return NULL;
}

static bool call_failed(struct run *run, const struct exercise_step *step, const char *action,
			const struct lambda_reply *rep)
{
	char *why = client_reply_error(rep);
	if (rep->status == 0)
		error_set(&run->r->error, "%s", why);
	else
		error_set(&run->r->error, "step '%s': %s failed: %s", step->name, action, why);
	free(why);
	return false;
}

/* The account's id, from the function's ARN or a queue's URL; "123456789012" before both. */
static const char *run_account(const struct run *run, char out[16])
{
	const cJSON *arn =
		run->config ? cJSON_GetObjectItemCaseSensitive(run->config, "FunctionArn") : NULL;
	snprintf(out, 16, "123456789012");
	if (cJSON_IsString(arn)) {
		const char *p = arn->valuestring;
		for (int colons = 0; *p && colons < 4; p++)
			colons += *p == ':';
		size_t n = strcspn(p, ":");
		if (n == 12)
			snprintf(out, 16, "%.12s", p);
	}
	return out;
}

/*
 * A step that observes cannot be run when a value it needs is missing (an earlier step saved
 * nothing): its expectations fail with the reason, and the check goes on.
 */
static bool cannot_run(struct run *run, struct step_state *st)
{
	st->call_error = xasprintf("this step could not be run: %s", run->r->error.msg);
	error_clear(&run->r->error);
	return true;
}

/* ---- the Lambda steps ---- */

/*
 * The top-level folder of the learner's that a publish_layer step publishes: left out of the
 * function's own package, as a layer's content is not the function's. NULL when none. Caller
 * frees.
 */
static char *layer_folder(const struct exercise *ex)
{
	char *out = NULL;
	for (size_t i = 0; i < ex->n_steps && !out; i++) {
		if (ex->steps[i].kind != STEP_PUBLISH_LAYER || !ex->steps[i].args)
			continue;
		cJSON *a = cJSON_Parse(ex->steps[i].args);
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(a, "dir");
		if (cJSON_IsString(d))
			out = xstrndup(d->valuestring, strcspn(d->valuestring, "/"));
		cJSON_Delete(a);
	}
	return out;
}

/* UpdateFunctionConfiguration with body; False with the reason in run->r->error. */
static bool update_config(struct run *run, const char *body, const char *what)
{
	char *esc = client_escape(run->ex->function, false);
	char *path = xasprintf("/2015-03-31/functions/%s/configuration", esc);
	struct lambda_reply rep;
	bool ok = client_request(run->client, "PUT", path, NULL, NULL, body, strlen(body), &rep);
	if (ok && rep.status == 200) {
		cJSON_Delete(run->config);
		run->config = cJSON_Parse(rep.body);
	} else {
		char *why = client_reply_error(&rep);
		error_set(&run->r->error, "cannot %s: %s", what, why);
		free(why);
		ok = false;
	}
	client_reply_release(&rep);
	free(path);
	free(esc);
	return ok;
}

static bool do_deploy(struct run *run, struct step_state *st)
{
	const struct exercise *ex = run->ex;
	const struct exercise_starter *s = &ex->starters[run->opts->lang];
	char *env = NULL;
	if (ex->env) {
		cJSON *e = materialize(run, ex->env, "the function's environment");
		if (!e)
			return false;
		/* Lambda's variables are strings. */
		for (cJSON *v = e->child; v; v = v->next)
			if (!cJSON_IsString(v)) {
				char *t = cJSON_PrintUnformatted(v);
				cJSON_ReplaceItemInObjectCaseSensitive(e, v->string,
								       cJSON_CreateString(t));
				free(t);
				v = cJSON_GetObjectItemCaseSensitive(e, v->string);
			}
		env = cJSON_PrintUnformatted(e);
		cJSON_Delete(e);
	}
	size_t len = 0;
	char *layer_dir = layer_folder(ex);
	void *zip = package_zip_without(run->opts->code_dir, layer_dir, &len, &run->r->error);
	free(layer_dir);
	if (!zip) {
		free(env);
		return false;
	}
	client_create_function(run->client, ex->function, s->runtime, s->handler, NULL, ex->memory,
			       ex->timeout, env, zip, len, &st->reply);
	if (st->reply.status / 100 == 2) {
		/* The function's ARN names the account the role below is in. */
		cJSON_Delete(run->config);
		run->config = cJSON_Parse(st->reply.body);
	}
	if (ex->kind == EXERCISE_SCENARIO && st->reply.status / 100 == 2) {
		char acct[16];
		snprintf(run->settle_account, sizeof(run->settle_account), "%s",
			 run_account(run, acct));
	}
	if (ex->role && st->reply.status / 100 == 2) {
		/* The execution role a create_role step made, in the same account. */
		char acct[16];
		char *esc = client_escape(ex->function, false);
		char *path = xasprintf("/2015-03-31/functions/%s/configuration", esc);
		char *body = xasprintf("{\"Role\":\"arn:aws:iam::%s:role/%s\"}",
				       run_account(run, acct), ex->role);
		client_reply_release(&st->reply);
		client_request(run->client, "PUT", path, NULL, NULL, body, strlen(body),
			       &st->reply);
		free(body);
		free(path);
		free(esc);
	}
	free(zip);
	free(env);
	if (st->reply.status / 100 != 2) {
		char *why = client_reply_error(&st->reply);
		if (st->reply.status == 0)
			error_set(&run->r->error, "%s", why);
		else
			error_set(&run->r->error, "the cloud refused to create the function: %s",
				  why);
		free(why);
		return false;
	}
	cJSON_Delete(run->config);
	run->config = cJSON_Parse(st->reply.body);
	run->config_tried = true;
	if (ex->layers) {
		char *body = xasprintf("{\"Layers\":%s}", ex->layers);
		bool ok = update_config(run, body, "give the function its layers");
		free(body);
		if (!ok)
			return false;
	}
	if (ex->tracing) {
		char *body = xasprintf("{\"TracingConfig\":{\"Mode\":\"%s\"}}", ex->tracing);
		bool ok = update_config(run, body, "turn on the function's tracing");
		free(body);
		if (!ok)
			return false;
	}
	if (ex->log_format) {
		char *body =
			xasprintf("{\"LoggingConfig\":{\"LogFormat\":\"%s\"}}", ex->log_format);
		bool ok = update_config(run, body, "set the function's log format");
		free(body);
		return ok;
	}
	return true;
}

/* Path and query parameters, as API Gateway gives them: strings. */
static char *param_text(const cJSON *v)
{
	return cJSON_IsString(v) ? xstrdup(v->valuestring) : cJSON_PrintUnformatted(v);
}

/* An API Gateway REST API proxy event (payload 1.0) for the step's request. */
static cJSON *apigw_event(struct run *run, const cJSON *req)
{
	char *method = arg_text(req, "method");
	char *resource = arg_text(req, "resource");
	char *path = arg_text(req, "path");
	const cJSON *pp = cJSON_GetObjectItemCaseSensitive(req, "path_params");
	cJSON *params = cJSON_CreateObject();
	for (const cJSON *v = pp ? pp->child : NULL; v; v = v->next) {
		char *t = param_text(v);
		cJSON_AddStringToObject(params, v->string, t);
		free(t);
	}
	if (!path) {
		/* Fill the resource's {name} and {name+} from the path parameters. */
		struct strbuf sb = STRBUF_INIT;
		for (const char *p = resource ? resource : "/"; *p;) {
			const char *close = *p == '{' ? strchr(p, '}') : NULL;
			if (!close) {
				strbuf_addch(&sb, *p++);
				continue;
			}
			bool greedy = close[-1] == '+';
			char *name = xstrndup(p + 1, (size_t)(close - p - 1 - greedy));
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, name);
			char *esc = client_escape(cJSON_IsString(v) ? v->valuestring : "", greedy);
			strbuf_addstr(&sb, esc);
			free(esc);
			free(name);
			p = close + 1;
		}
		path = strbuf_detach(&sb);
	}
	struct strbuf query = STRBUF_INIT;
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(req, "query");
	for (const cJSON *v = q ? q->child : NULL; v; v = v->next) {
		char *t = param_text(v), *k = client_escape(v->string, false);
		char *e = client_escape(t, false);
		strbuf_addf(&query, "%s%s=%s", query.len ? "&" : "", k, e);
		free(t);
		free(k);
		free(e);
	}
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(req, "body");
	char *body = !b || cJSON_IsNull(b) ? NULL
		     : cJSON_IsString(b)   ? xstrdup(b->valuestring)
					   : cJSON_PrintUnformatted(b);
	/* Headers: what a client sends, then the request's own. */
	const cJSON *hs = cJSON_GetObjectItemCaseSensitive(req, "headers");
	size_t nh = (size_t)cJSON_GetArraySize(hs);
	const char **headers = xcalloc(2 * (nh + 6) + 1, sizeof(*headers));
	char **owned = xcalloc(nh + 1, sizeof(*owned));
	size_t h = 0;
	headers[h++] = "Accept";
	headers[h++] = "application/json";
	headers[h++] = "Host";
	headers[h++] = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com";
	headers[h++] = "User-Agent";
	headers[h++] = "lambda-tutor-check";
	headers[h++] = "X-Forwarded-Proto";
	headers[h++] = "https";
	if (body) {
		headers[h++] = "Content-Type";
		headers[h++] = "application/json";
	}
	size_t no = 0;
	for (const cJSON *v = hs ? hs->child : NULL; v; v = v->next) {
		owned[no] = param_text(v);
		headers[h++] = v->string;
		headers[h++] = owned[no++];
	}
	char rid[37];
	uint64_t a = event_rng_next(&run->rng), c = event_rng_next(&run->rng);
	snprintf(rid, sizeof(rid), "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
		 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
		 (unsigned)(0x8000 | ((c >> 48) & 0x3fff)),
		 (unsigned long long)(c & 0xffffffffffffull));
	char account[16];
	struct events_http http = {
		.method = method ? method : "GET",
		.path = path,
		.query = query.len ? query.buf : NULL,
		.headers = headers,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.source_ip = "203.0.113.7",
		.account = run_account(run, account),
		.api_id = "a1b2c3d4e5",
		.stage = "prod",
		.resource = resource ? resource : path,
		.path_params = params,
		.request_id = rid,
		.epoch_ms = clock_wall_ms(),
	};
	cJSON *ev = events_apigw_v1(&http);
	for (size_t i = 0; i < no; i++)
		free(owned[i]);
	free(owned);
	free((void *)headers);
	free(body);
	strbuf_release(&query);
	cJSON_Delete(params);
	free(method);
	free(resource);
	free(path);
	return ev;
}

static int64_t virtual_now_ms(struct run *run);

/*
 * Invoke a traced function as a traced caller does: with a new X-Amzn-Trace-Id whose
 * Sampled=1 makes Lambda record every call, where its own sampling (the first call a second,
 * then 5 %) would skip most of a check's quick calls.
 */
static void invoke_traced(struct run *run, const char *target, bool async, struct step_state *st)
{
	unsigned char rnd[12] = { 0 };
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		uint64_t a = event_rng_next(&run->rng), b = event_rng_next(&run->rng);
		memcpy(rnd, &a, 8);
		memcpy(rnd + 8, &b, 4);
	}
	char hex[25];
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	char *trace = xasprintf("X-Amzn-Trace-Id: Root=1-%08llx-%s;Sampled=1",
				(unsigned long long)(virtual_now_ms(run) / 1000), hex);
	const char *headers[] = { async ? "X-Amz-Invocation-Type: Event"
					: "X-Amz-Invocation-Type: RequestResponse",
				  async ? trace : "X-Amz-Log-Type: Tail", async ? NULL : trace,
				  NULL };
	char *esc = client_escape(target, false);
	char *path = xasprintf("/2015-03-31/functions/%s/invocations", esc);
	client_request(run->client, "POST", path, NULL, headers, st->event_text,
		       strlen(st->event_text), &st->reply);
	free(path);
	free(esc);
	free(trace);
}

/* Lambda's CPU share: one vCPU at 1,769 MB, in proportion; one thread has at most a whole one. */
static double thread_vcpus(double memory_mb)
{
	double v = memory_mb / 1769.0;
	return v < 1 ? v : 1;
}

static bool wants_measured(const struct exercise_step *step)
{
	for (size_t i = 0; i < step->n_expects; i++) {
		const char *f = step->expects[i].field;
		if (f && strncmp(f, "measured", 8) == 0 && (f[8] == '.' || !f[8]))
			return true;
	}
	return false;
}

/*
 * What the cloud measured of the invocation just answered (its record on the control socket):
 * measured.duration (the REPORT's), .cpu_time, .uncontended_duration (without other processes'
 * turns on the CPUs), .uncontended_cost (per call, at that duration) and .half_memory_duration
 * (its time not on a CPU as it was, its CPU time at half the memory's share). A record without
 * the cloud's measure leaves those out, and the expectations on them fail.
 */
static void measure_invocation(struct run *run, struct step_state *st)
{
	char acct[16];
	char *fn = client_escape(run->ex->function, false);
	char *path = xasprintf("/_tutor/metrics?function=%s&account=%s", fn,
			       run->account[0] ? run->account : run_account(run, acct));
	free(fn);
	struct lambda_reply rep;
	bool ok = client_request(run->control, "GET", path, NULL, NULL, NULL, 0, &rep);
	free(path);
	cJSON *o = ok && rep.status == 200 ? cJSON_Parse(rep.body) : NULL;
	client_reply_release(&rep);
	const cJSON *r, *rec = NULL;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(o, "Invocations"))
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "RequestId");
		if (cJSON_IsString(id) && st->reply.request_id &&
		    strcmp(id->valuestring, st->reply.request_id) == 0) {
			rec = r;
			break;
		}
	}
	cJSON *m = cJSON_AddObjectToObject(st->values, "measured");
	const cJSON *wall = cJSON_GetObjectItemCaseSensitive(rec, "DurationMs");
	const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(rec, "CpuTimeMs");
	const cJSON *free_ms = cJSON_GetObjectItemCaseSensitive(rec, "UncontendedDurationMs");
	const cJSON *mem = cJSON_GetObjectItemCaseSensitive(rec, "MemorySizeMB");
	if (cJSON_IsNumber(wall))
		cJSON_AddNumberToObject(m, "duration", wall->valuedouble);
	if (cJSON_IsNumber(cpu) && cJSON_IsNumber(free_ms) && cJSON_IsNumber(mem)) {
		double u = free_ms->valuedouble, c = cpu->valuedouble, mb = mem->valuedouble;
		double blocked = u - c / thread_vcpus(mb);
		cJSON_AddNumberToObject(m, "cpu_time", c);
		cJSON_AddNumberToObject(m, "uncontended_duration", u);
		cJSON_AddNumberToObject(m, "uncontended_cost",
					console_cost(ceil(u), (int)mb, false));
		cJSON_AddNumberToObject(m, "half_memory_duration",
					(blocked > 0 ? blocked : 0) + c / thread_vcpus(mb / 2));
	}
	cJSON_Delete(o);
}

static bool do_invoke(struct run *run, const struct exercise_step *step, struct step_state *st)
{
	if (step->request) {
		cJSON *req = materialize(run, step->request, "the step's request");
		if (!req)
			return cannot_run(run, st);
		st->event = apigw_event(run, req);
		cJSON_Delete(req);
	} else {
		st->event = materialize(run, step->event, "the step's event");
		if (!st->event)
			return cannot_run(run, st);
	}
	st->event_text = cJSON_PrintUnformatted(st->event);
	/* A version or an alias: FunctionName with its qualifier, as Invoke takes it. */
	char *target = step->qualifier ? xasprintf("%s:%s", run->ex->function, step->qualifier)
				       : xstrdup(run->ex->function);
	if (run->ex->tracing)
		invoke_traced(run, target, step->async, st);
	else if (step->async)
		client_invoke_event(run->client, target, st->event_text, &st->reply);
	else
		client_invoke(run->client, target, st->event_text, &st->reply);
	free(target);
	if (st->reply.status == 0) {
		error_set(&run->r->error, "%s", st->reply.body);
		return false;
	}
	st->values = cJSON_CreateObject();
	cJSON_AddNumberToObject(st->values, "status", (double)st->reply.status);
	if (st->reply.status != (step->async ? 202 : 200)) {
		char *why = client_reply_error(&st->reply);
		st->call_error =
			st->reply.status == 404
				? xasprintf("the Invoke call failed: there is no function named "
					    "'%s' (%s)",
					    run->ex->function, why)
				: xasprintf("the Invoke call failed: %s", why);
		free(why);
		return true;
	}
	if (step->async)
		return true;
	st->response = cJSON_Parse(st->reply.body ? st->reply.body : "");
	/* The log's START line names the invocation's own request ID: prefer it. */
	const char *p = st->reply.log ? strstr(st->reply.log, "RequestId: ") : NULL;
	if (p) {
		p += 11;
		free(st->reply.request_id);
		st->reply.request_id = xstrndup(p, strcspn(p, "\t \n"));
	}
	if (wants_measured(step))
		measure_invocation(run, st);
	return true;
}

/* ---- buckets, queues, notifications, objects, messages, logs, the clock ---- */

static bool json_target(struct run *run, const char *target, const cJSON *req,
			struct lambda_reply *out)
{
	char *body = cJSON_PrintUnformatted(req);
	char *hdr = xasprintf("X-Amz-Target: %s", target);
	const char *headers[] = { hdr, NULL };
	bool sqs = strncmp(target, "AmazonSQS.", 10) == 0 ||
		   strncmp(target, "DynamoDB_20120810.", 18) == 0 ||
		   strncmp(target, "GraniteServiceVersion20100801.", 30) == 0;
	bool ok = client_request(run->client, "POST", "/",
				 sqs ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1",
				 headers, body, strlen(body), out);
	free(hdr);
	free(body);
	return ok;
}

static bool do_create_bucket(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	char *bucket = arg_text(args, "bucket");
	char *path = xasprintf("/%s", bucket ? bucket : "");
	struct lambda_reply rep;
	bool ok = client_request(run->client, "PUT", path, "application/xml", NULL, NULL, 0, &rep);
	if (ok)
		cJSON_AddItemToArray(run->buckets, cJSON_CreateString(bucket));
	else
		call_failed(run, step, "CreateBucket", &rep);
	client_reply_release(&rep);
	free(path);
	free(bucket);
	return ok;
}

static bool do_create_queue(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	char *name = arg_text(args, "queue");
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "QueueName", name ? name : "");
	struct lambda_reply rep;
	bool ok = json_target(run, "AmazonSQS.CreateQueue", req, &rep);
	cJSON_Delete(req);
	cJSON *res = ok ? cJSON_Parse(rep.body) : NULL;
	const cJSON *url = cJSON_GetObjectItemCaseSensitive(res, "QueueUrl");
	if (!ok || !cJSON_IsString(url)) {
		call_failed(run, step, "CreateQueue", &rep);
		client_reply_release(&rep);
		cJSON_Delete(res);
		free(name);
		return false;
	}
	client_reply_release(&rep);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "QueueUrl", url->valuestring);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(req, "AttributeNames"),
			     cJSON_CreateString("QueueArn"));
	ok = json_target(run, "AmazonSQS.GetQueueAttributes", req, &rep);
	cJSON_Delete(req);
	cJSON *attrs = ok ? cJSON_Parse(rep.body) : NULL;
	const cJSON *arn = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(attrs, "Attributes"), "QueueArn");
	if (cJSON_IsString(arn)) {
		cJSON *q = cJSON_CreateObject();
		cJSON_AddStringToObject(q, "url", url->valuestring);
		cJSON_AddStringToObject(q, "arn", arn->valuestring);
		cJSON_DeleteItemFromObjectCaseSensitive(run->queues, name);
		cJSON_AddItemToObject(run->queues, name, q);
	} else {
		ok = call_failed(run, step, "GetQueueAttributes", &rep);
	}
	client_reply_release(&rep);
	cJSON_Delete(attrs);
	cJSON_Delete(res);
	free(name);
	return ok;
}

/* A queue this run created: its "url" or "arn". NULL with the reason in run->r->error. */
static const char *queue_field(struct run *run, const struct exercise_step *step, const char *name,
			       const char *field)
{
	const cJSON *q = name ? cJSON_GetObjectItemCaseSensitive(run->queues, name) : NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(q, field);
	if (!cJSON_IsString(v)) {
		error_set(&run->r->error,
			  "step '%s': queue '%s' was not created by a create_queue "
			  "step before it",
			  step->name, name ? name : "");
		return NULL;
	}
	return v->valuestring;
}

static void xml_text(struct strbuf *sb, const char *tag, const char *text)
{
	strbuf_addf(sb, "<%s>", tag);
	for (const char *p = text; *p; p++) {
		if (*p == '<')
			strbuf_addstr(sb, "&lt;");
		else if (*p == '>')
			strbuf_addstr(sb, "&gt;");
		else if (*p == '&')
			strbuf_addstr(sb, "&amp;");
		else
			strbuf_addch(sb, *p);
	}
	strbuf_addf(sb, "</%s>", tag);
}

/* Let S3 invoke the function (AddPermission), then notify it of the bucket's changes. */
static bool do_s3_notify(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	char *bucket = arg_text(args, "bucket"), *prefix = arg_text(args, "prefix");
	char *suffix = arg_text(args, "suffix");
	const cJSON *fn_arn =
		run->config ? cJSON_GetObjectItemCaseSensitive(run->config, "FunctionArn") : NULL;
	char *source = xasprintf("arn:aws:s3:::%s", bucket ? bucket : "");
	cJSON *perm = cJSON_CreateObject();
	char *sid = xasprintf("s3-%s", bucket ? bucket : "");
	cJSON_AddStringToObject(perm, "StatementId", sid);
	cJSON_AddStringToObject(perm, "Action", "lambda:InvokeFunction");
	cJSON_AddStringToObject(perm, "Principal", "s3.amazonaws.com");
	cJSON_AddStringToObject(perm, "SourceArn", source);
	char *body = cJSON_PrintUnformatted(perm);
	cJSON_Delete(perm);
	char *fn = client_escape(run->ex->function, false);
	char *path = xasprintf("/2015-03-31/functions/%s/policy", fn);
	struct lambda_reply rep;
	bool ok = client_request(run->client, "POST", path, NULL, NULL, body, strlen(body), &rep);
	if (!ok)
		call_failed(run, step, "AddPermission", &rep);
	client_reply_release(&rep);
	free(path);
	free(body);
	if (ok) {
		struct strbuf x = STRBUF_INIT;
		strbuf_addstr(&x, "<NotificationConfiguration><LambdaFunctionConfiguration>");
		xml_text(&x, "Id", "lambda-tutor-check");
		xml_text(&x, "CloudFunction", cJSON_IsString(fn_arn) ? fn_arn->valuestring : "");
		const cJSON *events = cJSON_GetObjectItemCaseSensitive(args, "events");
		if (cJSON_GetArraySize(events) == 0)
			xml_text(&x, "Event", "s3:ObjectCreated:*");
		for (const cJSON *e = events ? events->child : NULL; e; e = e->next)
			if (cJSON_IsString(e))
				xml_text(&x, "Event", e->valuestring);
		if (prefix || suffix) {
			strbuf_addstr(&x, "<Filter><S3Key>");
			if (prefix) {
				strbuf_addstr(&x, "<FilterRule><Name>prefix</Name>");
				xml_text(&x, "Value", prefix);
				strbuf_addstr(&x, "</FilterRule>");
			}
			if (suffix) {
				strbuf_addstr(&x, "<FilterRule><Name>suffix</Name>");
				xml_text(&x, "Value", suffix);
				strbuf_addstr(&x, "</FilterRule>");
			}
			strbuf_addstr(&x, "</S3Key></Filter>");
		}
		strbuf_addstr(&x, "</LambdaFunctionConfiguration></NotificationConfiguration>");
		path = xasprintf("/%s?notification", bucket ? bucket : "");
		ok = client_request(run->client, "PUT", path, "application/xml", NULL, x.buf, x.len,
				    &rep);
		if (!ok)
			call_failed(run, step, "PutBucketNotificationConfiguration", &rep);
		client_reply_release(&rep);
		free(path);
		strbuf_release(&x);
	}
	free(fn);
	free(sid);
	free(source);
	free(bucket);
	free(prefix);
	free(suffix);
	return ok;
}

/* Retries, maximum age and destinations of asynchronous invocations; a dead-letter queue. */
static bool do_async_config(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	char *fn = client_escape(run->ex->function, false);
	cJSON *req = cJSON_CreateObject();
	const cJSON *retries = cJSON_GetObjectItemCaseSensitive(args, "retries");
	const cJSON *age = cJSON_GetObjectItemCaseSensitive(args, "max_age");
	if (cJSON_IsNumber(retries))
		cJSON_AddNumberToObject(req, "MaximumRetryAttempts", retries->valuedouble);
	if (cJSON_IsNumber(age))
		cJSON_AddNumberToObject(req, "MaximumEventAgeInSeconds", age->valuedouble);
	bool ok = true;
	static const char *const dests[][2] = { { "on_failure", "OnFailure" },
						{ "on_success", "OnSuccess" } };
	for (size_t i = 0; i < 2 && ok; i++) {
		char *q = arg_text(args, dests[i][0]);
		if (q) {
			const char *arn = queue_field(run, step, q, "arn");
			ok = arn != NULL;
			if (ok) {
				cJSON *dc =
					cJSON_GetObjectItemCaseSensitive(req, "DestinationConfig");
				if (!dc)
					dc = cJSON_AddObjectToObject(req, "DestinationConfig");
				cJSON_AddStringToObject(cJSON_AddObjectToObject(dc, dests[i][1]),
							"Destination", arn);
			}
		}
		free(q);
	}
	struct lambda_reply rep;
	if (ok && req->child) {
		char *body = cJSON_PrintUnformatted(req);
		char *path = xasprintf("/2019-09-25/functions/%s/event-invoke-config", fn);
		ok = client_request(run->client, "PUT", path, NULL, NULL, body, strlen(body), &rep);
		if (!ok)
			call_failed(run, step, "PutFunctionEventInvokeConfig", &rep);
		client_reply_release(&rep);
		free(path);
		free(body);
	}
	char *dlq = ok ? arg_text(args, "dead_letter") : NULL;
	if (dlq) {
		const char *arn = queue_field(run, step, dlq, "arn");
		ok = arn != NULL;
		if (ok) {
			char *body =
				xasprintf("{\"DeadLetterConfig\":{\"TargetArn\":\"%s\"}}", arn);
			char *path = xasprintf("/2015-03-31/functions/%s/configuration", fn);
			ok = client_request(run->client, "PUT", path, NULL, NULL, body,
					    strlen(body), &rep);
			if (!ok)
				call_failed(run, step, "UpdateFunctionConfiguration", &rep);
			client_reply_release(&rep);
			free(path);
			free(body);
		}
		free(dlq);
	}
	cJSON_Delete(req);
	free(fn);
	return ok;
}

static char *object_path(const char *bucket, const char *key)
{
	char *k = client_escape(key ? key : "", true);
	char *p = xasprintf("/%s/%s", bucket ? bucket : "", k);
	free(k);
	return p;
}

static bool do_s3_put(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	char *bucket = arg_text(args, "bucket"), *key = arg_text(args, "key");
	char *type = arg_text(args, "content_type");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(args, "body");
	char *body = cJSON_IsString(b) ? xstrdup(b->valuestring) : cJSON_PrintUnformatted(b);
	char *path = object_path(bucket, key);
	struct lambda_reply rep;
	bool ok = client_request(run->client, "PUT", path,
				 type                ? type
				 : cJSON_IsString(b) ? "text/plain"
						     : "application/json",
				 NULL, body, strlen(body), &rep);
	if (!ok)
		call_failed(run, step, "PutObject", &rep);
	client_reply_release(&rep);
	free(path);
	free(body);
	free(type);
	free(key);
	free(bucket);
	return ok;
}

/* An S3 error body's <Code>, or "". */
static void s3_code(const char *body, char *out, size_t n)
{
	const char *p = body ? strstr(body, "<Code>") : NULL;
	out[0] = '\0';
	if (p)
		snprintf(out, n, "%.*s", (int)strcspn(p + 6, "<"), p + 6);
}

static void observation_failed(struct step_state *st, const char *action)
{
	char *why = client_reply_error(&st->reply);
	char code[64];
	s3_code(st->reply.body, code, sizeof(code));
	st->call_error =
		code[0] ? xasprintf("%s failed: %s (HTTP %ld)", action, code, st->reply.status)
			: xasprintf("%s failed: %s", action, why);
	free(why);
}

static bool do_s3_get(struct run *run, const cJSON *args, struct step_state *st)
{
	char *bucket = arg_text(args, "bucket"), *key = arg_text(args, "key");
	char *path = object_path(bucket, key);
	client_request(run->client, "GET", path, NULL, NULL, NULL, 0, &st->reply);
	free(path);
	free(key);
	free(bucket);
	if (st->reply.status == 0) {
		error_set(&run->r->error, "%s", st->reply.body);
		return false;
	}
	st->values = cJSON_CreateObject();
	char code[64];
	s3_code(st->reply.body, code, sizeof(code));
	if (st->reply.status == 200) {
		cJSON *j = cJSON_ParseWithLength(st->reply.body, st->reply.len);
		cJSON_AddItemToObject(st->values, "object",
				      j ? j : cJSON_CreateString(st->reply.body));
	} else if (strcmp(code, "NoSuchKey") != 0) {
		observation_failed(st, "GetObject");
	}
	return true;
}

static char *xml_unescape(const char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	static const char *const ents[][2] = { { "&amp;", "&" },
					       { "&lt;", "<" },
					       { "&gt;", ">" },
					       { "&quot;", "\"" },
					       { "&apos;", "'" } };
	for (size_t i = 0; i < n;) {
		size_t k = 0;
		for (; k < 5; k++) {
			size_t el = strlen(ents[k][0]);
			if (i + el <= n && strncmp(s + i, ents[k][0], el) == 0) {
				strbuf_addstr(&sb, ents[k][1]);
				i += el;
				break;
			}
		}
		if (k == 5)
			strbuf_addch(&sb, s[i++]);
	}
	return strbuf_detach(&sb);
}

static bool do_s3_list(struct run *run, const cJSON *args, struct step_state *st)
{
	char *bucket = arg_text(args, "bucket"), *prefix = arg_text(args, "prefix");
	char *p = client_escape(prefix ? prefix : "", false);
	char *path = xasprintf("/%s?list-type=2&prefix=%s", bucket ? bucket : "", p);
	client_request(run->client, "GET", path, NULL, NULL, NULL, 0, &st->reply);
	free(path);
	free(p);
	free(prefix);
	free(bucket);
	if (st->reply.status == 0) {
		error_set(&run->r->error, "%s", st->reply.body);
		return false;
	}
	st->values = cJSON_CreateObject();
	if (st->reply.status != 200) {
		observation_failed(st, "ListObjectsV2");
		return true;
	}
	cJSON *keys = cJSON_AddArrayToObject(st->values, "keys");
	for (const char *k = strstr(st->reply.body, "<Key>"); k; k = strstr(k, "<Key>")) {
		k += 5;
		size_t n = strcspn(k, "<");
		char *key = xml_unescape(k, n);
		cJSON_AddItemToArray(keys, cJSON_CreateString(key));
		free(key);
		k += n;
	}
	return true;
}

static bool do_sqs_receive(struct run *run, const struct exercise_step *step, const cJSON *args,
			   struct step_state *st)
{
	char *name = arg_text(args, "queue");
	const char *url = queue_field(run, step, name, "url");
	free(name);
	if (!url)
		return false;
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "QueueUrl", url);
	cJSON_AddNumberToObject(req, "MaxNumberOfMessages", 10);
	/* Looked at, left in the queue: a retried observation sees them again. */
	cJSON_AddNumberToObject(req, "VisibilityTimeout", 0);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(req, "MessageAttributeNames"),
			     cJSON_CreateString("All"));
	json_target(run, "AmazonSQS.ReceiveMessage", req, &st->reply);
	cJSON_Delete(req);
	if (st->reply.status == 0) {
		error_set(&run->r->error, "%s", st->reply.body);
		return false;
	}
	st->values = cJSON_CreateObject();
	if (st->reply.status != 200) {
		observation_failed(st, "ReceiveMessage");
		return true;
	}
	cJSON *res = cJSON_Parse(st->reply.body);
	cJSON *msgs = cJSON_AddArrayToObject(st->values, "messages");
	const cJSON *got = cJSON_GetObjectItemCaseSensitive(res, "Messages");
	for (const cJSON *m = got ? got->child : NULL; m; m = m->next) {
		cJSON *one = cJSON_CreateObject();
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(m, "Body");
		cJSON *parsed = cJSON_IsString(b) ? cJSON_Parse(b->valuestring) : NULL;
		cJSON_AddItemToObject(one, "body",
				      parsed              ? parsed
				      : cJSON_IsString(b) ? cJSON_CreateString(b->valuestring)
							  : cJSON_CreateNull());
		cJSON *attrs = cJSON_AddObjectToObject(one, "attributes");
		const cJSON *ma = cJSON_GetObjectItemCaseSensitive(m, "MessageAttributes");
		for (const cJSON *a = ma ? ma->child : NULL; a; a = a->next) {
			const cJSON *sv = cJSON_GetObjectItemCaseSensitive(a, "StringValue");
			if (cJSON_IsString(sv))
				cJSON_AddStringToObject(attrs, a->string, sv->valuestring);
		}
		cJSON_AddItemToArray(msgs, one);
	}
	cJSON_Delete(res);
	return true;
}

/* The function's whole log group, every page of FilterLogEvents, one message a line. */
/* The stack traces anywhere in a log record ("stackTrace" lines, or an error's "stack"), a
 * line each, into out. */
static void record_stacks(const cJSON *o, struct strbuf *out)
{
	for (const cJSON *c = o ? o->child : NULL; c; c = c->next) {
		bool stack = c->string && (strcmp(c->string, "stackTrace") == 0 ||
					   strcmp(c->string, "stack") == 0);
		if (stack && cJSON_IsString(c)) {
			strbuf_addf(out, "%s\n", c->valuestring);
		} else if (stack && cJSON_IsArray(c)) {
			for (const cJSON *l = c->child; l; l = l->next)
				if (cJSON_IsString(l))
					strbuf_addf(out, "%s\n", l->valuestring);
		} else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			record_stacks(c, out);
		}
	}
}

/* Whether the handler's file (its module with a runtime's extension) is named in stack. */
static bool stack_names_handler(const struct run *run, const char *stack)
{
	const char *handler = run->ex->starters[run->opts->lang].handler;
	const char *dot = handler ? strrchr(handler, '.') : NULL;
	if (!dot)
		return stack[0] != '\0';
	const char *slash = memrchr(handler, '/', (size_t)(dot - handler));
	const char *mod = slash ? slash + 1 : handler;
	static const char *const exts[] = { ".py", ".mjs", ".js", ".cjs" };
	bool named = false;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]) && !named; i++) {
		char *f = xasprintf("%.*s%s", (int)(dot - mod), mod, exts[i]);
		named = strstr(stack, f) != NULL;
		free(f);
	}
	return named;
}

/*
 * What the function's own JSON records tell, into values' "records" (Lambda's platform.*
 * records aside): how many there are, how many have no message, how many carry a requestId
 * that is none of the run's invocations', and how many at ERROR lack a stack trace naming
 * the handler's file.
 */
static void log_record_counts(const struct run *run, const char *log, cJSON *values)
{
	int records = 0, no_message = 0, foreign_id = 0, errors = 0, errors_no_stack = 0;
	for (const char *line = log; line && *line;) {
		size_t len = strcspn(line, "\n");
		cJSON *j = cJSON_ParseWithLength(line, len);
		line += len + (line[len] == '\n');
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
		if (!cJSON_IsObject(j) ||
		    (cJSON_IsString(type) && strncmp(type->valuestring, "platform.", 9) == 0)) {
			cJSON_Delete(j);
			continue;
		}
		records++;
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "message");
		if (!((cJSON_IsString(msg) && msg->valuestring[0]) ||
		      ((cJSON_IsObject(msg) || cJSON_IsArray(msg)) && msg->child)))
			no_message++;
		const char *rid =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "requestId"));
		bool ours = false;
		for (size_t i = 0; rid && i < run->r->n_steps && !ours; i++)
			ours = run->r->steps[i].request_id &&
			       strcmp(run->r->steps[i].request_id, rid) == 0;
		if (!ours)
			foreign_id++;
		const char *level =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "level"));
		if (level && strcmp(level, "ERROR") == 0) {
			errors++;
			struct strbuf stack = STRBUF_INIT;
			record_stacks(j, &stack);
			if (!stack_names_handler(run, stack.buf ? stack.buf : ""))
				errors_no_stack++;
			strbuf_release(&stack);
		}
		cJSON_Delete(j);
	}
	cJSON *o = cJSON_AddObjectToObject(values, "records");
	cJSON_AddNumberToObject(o, "count", records);
	cJSON_AddNumberToObject(o, "without_message", no_message);
	cJSON_AddNumberToObject(o, "of_other_requests", foreign_id);
	cJSON_AddNumberToObject(o, "errors", errors);
	cJSON_AddNumberToObject(o, "errors_without_stack", errors_no_stack);
}

static bool do_logs(struct run *run, struct step_state *st)
{
	char *group = xasprintf("/aws/lambda/%s", run->ex->function);
	struct strbuf all = STRBUF_INIT;
	char *token = NULL;
	bool ok = true;
	for (int page = 0; page < 50 && ok; page++) {
		cJSON *req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "logGroupName", group);
		if (token)
			cJSON_AddStringToObject(req, "nextToken", token);
		struct lambda_reply rep;
		json_target(run, "Logs_20140328.FilterLogEvents", req, &rep);
		cJSON_Delete(req);
		free(token);
		token = NULL;
		if (rep.status == 0) {
			error_set(&run->r->error, "%s", rep.body);
			ok = false;
		} else if (rep.status == 200) {
			cJSON *res = cJSON_Parse(rep.body);
			const cJSON *evs = cJSON_GetObjectItemCaseSensitive(res, "events");
			for (const cJSON *e = evs ? evs->child : NULL; e; e = e->next) {
				const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
				if (!cJSON_IsString(m))
					continue;
				strbuf_addstr(&all, m->valuestring);
				if (!all.len || all.buf[all.len - 1] != '\n')
					strbuf_addch(&all, '\n');
			}
			const cJSON *next = cJSON_GetObjectItemCaseSensitive(res, "nextToken");
			if (cJSON_IsString(next) && next->valuestring[0])
				token = xstrdup(next->valuestring);
			cJSON_Delete(res);
		} else if (!(rep.body && strstr(rep.body, "ResourceNotFoundException"))) {
			/* No log group yet is an empty log; anything else is a failure. */
			observation_failed(st, "FilterLogEvents");
		}
		client_reply_release(&rep);
		if (!token)
			break;
	}
	free(token);
	free(group);
	if (!ok) {
		strbuf_release(&all);
		return false;
	}
	st->reply.log = strbuf_detach(&all);
	st->values = cJSON_CreateObject();
	int starts = expect_log_count(st->reply.log, "^START RequestId: ");
	cJSON_AddNumberToObject(st->values, "invocations", starts < 0 ? 0 : starts);
	log_record_counts(run, st->reply.log, st->values);
	return true;
}

/*
 * Let the cloud settle: the work this run's account started is over, and with seconds > 0
 * the virtual clock has moved on that far, through every retry and delivery due on the way.
 * False when the cloud cannot be asked (the reason in run->r->error); an answer that it has
 * not settled in SETTLE_MAX_S is not an error: what is there is judged.
 */
static bool settle(struct run *run, const struct exercise_step *step, double seconds)
{
	int64_t until = 0;
	bool ok = true;
	for (int slice = 0; ok && slice < SETTLE_MAX_S / SETTLE_SLICE_S && !cancelled(run);
	     slice++) {
		/* The run's own account: the learner's playground keeps its time. */
		const char *who = run->account[0] ? run->account : run->settle_account;
		const char *acct = who[0] ? "&account=" : "";
		char *path = until ? xasprintf("/_tutor/settle?until=%lld&timeout=%d%s%s",
					       (long long)until, SETTLE_SLICE_S, acct, who)
				   : xasprintf("/_tutor/settle?advance=%g&timeout=%d%s%s", seconds,
					       SETTLE_SLICE_S, acct, who);
		struct lambda_reply rep;
		ok = client_request(run->control, "POST", path, NULL, NULL, NULL, 0, &rep);
		free(path);
		cJSON *res = ok ? cJSON_Parse(rep.body) : NULL;
		if (!ok)
			call_failed(run, step, "waiting for the cloud to settle", &rep);
		bool done = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "settled"));
		const cJSON *target = cJSON_GetObjectItemCaseSensitive(res, "target");
		if (cJSON_IsNumber(target))
			until = (int64_t)target->valuedouble;
		cJSON_Delete(res);
		client_reply_release(&rep);
		if (done)
			break;
	}
	return ok;
}

static bool do_advance(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(args, "seconds");
	double seconds = cJSON_IsNumber(s) ? s->valuedouble : 0;
	if (run->ex->kind == EXERCISE_ACCOUNT && !run->settle_account[0]) {
		/* The learner's own account moves on, never the cloud's shared clock: its number
		 * is in the function's ARN. Without the function there is nothing to wait for. */
		char acct[16];
		if (!fetch_config(run))
			return false;
		if (run->config)
			snprintf(run->settle_account, sizeof(run->settle_account), "%s",
				 run_account(run, acct));
		else
			seconds = 0;
	}
	return settle(run, step, seconds);
}

/* Whether the step looks at what the function did in the background. */
/* ---- CloudFormation stacks and the APIs they deploy ---- */

/*
 * The text of the first <tag>...</tag> in [xml, end), unescaped; NULL when there is none.
 * Caller frees.
 */
static char *xml_first(const char *xml, const char *end, const char *tag)
{
	char *open = xasprintf("<%s>", tag), *close = xasprintf("</%s>", tag);
	const char *p = xml ? strstr(xml, open) : NULL;
	char *out = NULL;
	if (p && p < end) {
		p += strlen(open);
		const char *e = strstr(p, close);
		if (e && e <= end)
			out = xml_unescape(p, (size_t)(e - p));
	}
	free(open);
	free(close);
	return out;
}

/* The end of the element that starts with <tag> at or after p: past its </tag>, or NULL. */
static const char *xml_block(const char *p, const char *tag, const char **inner)
{
	char *open = xasprintf("<%s>", tag), *close = xasprintf("</%s>", tag);
	const char *b = p ? strstr(p, open) : NULL, *e = b ? strstr(b, close) : NULL;
	*inner = b ? b + strlen(open) : NULL;
	const char *out = e ? e + strlen(close) : NULL;
	free(open);
	free(close);
	return out;
}

/* Add o[key] = the text of <tag> in [p, end) when there is one. */
static void add_xml_text(cJSON *o, const char *key, const char *p, const char *end, const char *tag)
{
	char *t = xml_first(p, end, tag);
	if (t)
		cJSON_AddStringToObject(o, key, t);
	free(t);
}

/* A CloudFormation call (query protocol): Action=action and StackName=stack. */
static bool cfn_call(struct run *run, const char *action, const char *stack,
		     struct lambda_reply *rep)
{
	char *esc = client_escape(stack, false);
	char *form = xasprintf("Action=%s&Version=2010-05-15&StackName=%s", action, esc);
	bool ok = client_query(run->client, "cloudformation", form, rep);
	free(form);
	free(esc);
	return ok;
}

/*
 * DescribeStacks and DescribeStackResources of a stack: `stack` is {StackName, StackStatus,
 * LastUpdatedTime, Outputs: {key: value}, Resources: {logical id: {ResourceType,
 * PhysicalResourceId, ResourceStatus}}}; a missing stack fails the step's expectations.
 */
static bool do_stack(struct run *run, const cJSON *args, struct step_state *st)
{
	char *name = arg_text(args, "stack");
	cfn_call(run, "DescribeStacks", name ? name : "", &st->reply);
	if (st->reply.status == 0) {
		error_set(&run->r->error, "%s", st->reply.body);
		free(name);
		return false;
	}
	st->values = cJSON_CreateObject();
	if (st->reply.status == 400 && st->reply.body && strstr(st->reply.body, "does not exist")) {
		st->call_error =
			xasprintf("there is no stack named '%s' in the account", name ? name : "");
		free(name);
		return true;
	}
	if (st->reply.status != 200) {
		observation_failed(st, "DescribeStacks");
		free(name);
		return true;
	}
	const char *body = st->reply.body, *end = body + strlen(body), *inner;
	cJSON *stack = cJSON_AddObjectToObject(st->values, "stack");
	add_xml_text(stack, "StackName", body, end, "StackName");
	add_xml_text(stack, "StackStatus", body, end, "StackStatus");
	add_xml_text(stack, "LastUpdatedTime", body, end, "LastUpdatedTime");
	cJSON *outputs = cJSON_AddObjectToObject(stack, "Outputs");
	const char *oend = xml_block(body, "Outputs", &inner);
	for (const char *m = inner, *me;
	     oend && m && (me = xml_block(m, "member", &m)) && me <= oend; m = me) {
		char *k = xml_first(m, me, "OutputKey"), *v = xml_first(m, me, "OutputValue");
		if (k)
			cJSON_AddStringToObject(outputs, k, v ? v : "");
		free(k);
		free(v);
	}
	struct lambda_reply rep;
	cfn_call(run, "DescribeStackResources", name ? name : "", &rep);
	cJSON *res = cJSON_AddObjectToObject(stack, "Resources");
	body = rep.body ? rep.body : "";
	end = body + strlen(body);
	const char *rend = rep.status == 200 ? xml_block(body, "StackResources", &inner) : NULL;
	for (const char *m = inner, *me;
	     rend && m && (me = xml_block(m, "member", &m)) && me <= rend; m = me) {
		char *id = xml_first(m, me, "LogicalResourceId");
		if (!id)
			continue;
		cJSON *r = cJSON_AddObjectToObject(res, id);
		add_xml_text(r, "ResourceType", m, me, "ResourceType");
		add_xml_text(r, "PhysicalResourceId", m, me, "PhysicalResourceId");
		add_xml_text(r, "ResourceStatus", m, me, "ResourceStatus");
		free(id);
	}
	client_reply_release(&rep);
	free(name);
	return true;
}

/*
 * A request through a deployed API, by its URL as CloudFormation's outputs give it
 * (https://ID.execute-api.REGION.amazonaws.com/STAGE/PATH), sent to the cloud's execute-api
 * door: `status` is the HTTP status, `body` the answer (parsed when it is JSON).
 */
static bool do_http(struct run *run, const cJSON *args, struct step_state *st)
{
	char *url = arg_text(args, "url"), *method = arg_text(args, "method");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(args, "body");
	char *body = !b                  ? NULL
		     : cJSON_IsString(b) ? xstrdup(b->valuestring)
					 : cJSON_PrintUnformatted(b);
	const char *u = url ? url : "";
	const char *host = strncmp(u, "https://", 8) == 0  ? u + 8
			   : strncmp(u, "http://", 7) == 0 ? u + 7
							   : NULL;
	const char *dot = host ? strstr(host, ".execute-api.") : NULL;
	const char *slash = host ? strchr(host, '/') : NULL;
	st->event_text = xasprintf("%s %s%s%s", method ? method : "GET", u, body ? "\n" : "",
				   body ? body : "");
	if (!dot || !slash || dot > slash || dot == host) {
		st->call_error = xasprintf("'%s' is not the URL of an API (https://ID.execute-api."
					   "REGION.amazonaws.com/STAGE/PATH): check the stack's "
					   "output",
					   u);
		goto done;
	}
	char *path = xasprintf("/_aws/execute-api/%.*s%s", (int)(dot - host), host, slash);
	client_request(run->client, method ? method : "GET", path, body ? "application/json" : NULL,
		       NULL, body, body ? strlen(body) : 0, &st->reply);
	free(path);
	if (st->reply.status == 0) {
		error_set(&run->r->error, "%s", st->reply.body);
		free(url);
		free(method);
		free(body);
		return false;
	}
	st->values = cJSON_CreateObject();
	cJSON_AddNumberToObject(st->values, "status", (double)st->reply.status);
	st->response = cJSON_CreateObject();
	cJSON_AddStringToObject(st->response, "body", st->reply.body ? st->reply.body : "");
done:
	free(url);
	free(method);
	free(body);
	return true;
}

static bool observes(enum exercise_step_kind kind)
{
	return kind == STEP_S3_GET || kind == STEP_S3_LIST || kind == STEP_SQS_RECEIVE ||
	       kind == STEP_DDB_GET || kind == STEP_LOGS || kind == STEP_METRICS ||
	       kind == STEP_INSIGHTS || kind == STEP_TRACE;
}

/* ---- DynamoDB tables, their streams, items ---- */

/* A plain JSON value as a DynamoDB AttributeValue (strings S, numbers N, booleans BOOL, null
 * NULL, arrays L, objects M), as the document clients write them. Caller deletes. */
static cJSON *to_attr(const cJSON *v)
{
	cJSON *o = cJSON_CreateObject();
	if (cJSON_IsString(v)) {
		cJSON_AddStringToObject(o, "S", v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		char num[64];
		snprintf(num, sizeof(num), "%.17g", v->valuedouble);
		cJSON_AddStringToObject(o, "N", num);
	} else if (cJSON_IsBool(v)) {
		cJSON_AddBoolToObject(o, "BOOL", cJSON_IsTrue(v));
	} else if (cJSON_IsArray(v)) {
		cJSON *l = cJSON_AddArrayToObject(o, "L");
		for (const cJSON *e = v->child; e; e = e->next)
			cJSON_AddItemToArray(l, to_attr(e));
	} else if (cJSON_IsObject(v)) {
		cJSON *m = cJSON_AddObjectToObject(o, "M");
		for (const cJSON *e = v->child; e; e = e->next)
			cJSON_AddItemToObject(m, e->string, to_attr(e));
	} else {
		cJSON_AddTrueToObject(o, "NULL");
	}
	return o;
}

static cJSON *to_attrs(const cJSON *map)
{
	cJSON *o = cJSON_CreateObject();
	for (const cJSON *e = map ? map->child : NULL; e; e = e->next)
		cJSON_AddItemToObject(o, e->string, to_attr(e));
	return o;
}

/* An AttributeValue as plain JSON (sets as arrays). Caller deletes. */
static cJSON *from_attr(const cJSON *av)
{
	const cJSON *v = av ? av->child : NULL;
	if (!v || !v->string)
		return cJSON_CreateNull();
	const char *t = v->string;
	if (strcmp(t, "S") == 0 || strcmp(t, "B") == 0)
		return cJSON_CreateString(cJSON_IsString(v) ? v->valuestring : "");
	if (strcmp(t, "N") == 0)
		return cJSON_CreateNumber(cJSON_IsString(v) ? strtod(v->valuestring, NULL) : 0);
	if (strcmp(t, "BOOL") == 0)
		return cJSON_CreateBool(cJSON_IsTrue(v));
	if (strcmp(t, "M") == 0) {
		cJSON *o = cJSON_CreateObject();
		for (const cJSON *e = v->child; e; e = e->next)
			cJSON_AddItemToObject(o, e->string, from_attr(e));
		return o;
	}
	if (strcmp(t, "L") == 0 || strcmp(t, "SS") == 0 || strcmp(t, "NS") == 0 ||
	    strcmp(t, "BS") == 0) {
		cJSON *a = cJSON_CreateArray();
		for (const cJSON *e = v->child; e; e = e->next) {
			if (t[0] == 'L')
				cJSON_AddItemToArray(a, from_attr(e));
			else if (t[0] == 'N')
				cJSON_AddItemToArray(
					a, cJSON_CreateNumber(strtod(e->valuestring, NULL)));
			else
				cJSON_AddItemToArray(a, cJSON_CreateString(e->valuestring));
		}
		return a;
	}
	return cJSON_CreateNull();
}

static bool ddb_call(struct run *run, const struct exercise_step *step, const char *op,
		     const cJSON *req, cJSON **out)
{
	char *target = xasprintf("DynamoDB_20120810.%s", op);
	struct lambda_reply rep;
	bool ok = json_target(run, target, req, &rep);
	free(target);
	if (!ok)
		call_failed(run, step, op, &rep);
	else if (out)
		*out = cJSON_Parse(rep.body);
	client_reply_release(&rep);
	return ok;
}

static bool do_create_table(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	char *name = arg_text(args, "table"), *key = arg_text(args, "key");
	char *key_type = arg_text(args, "key_type"), *sort = arg_text(args, "sort");
	char *sort_type = arg_text(args, "sort_type"), *stream = arg_text(args, "stream");
	cJSON *req = cJSON_CreateObject(), *out = NULL;
	cJSON_AddStringToObject(req, "TableName", name ? name : "");
	cJSON_AddStringToObject(req, "BillingMode", "PAY_PER_REQUEST");
	cJSON *defs = cJSON_AddArrayToObject(req, "AttributeDefinitions");
	cJSON *schema = cJSON_AddArrayToObject(req, "KeySchema");
	const char *names[2] = { key ? key : "id", sort }, *types[2] = { key_type, sort_type };
	for (int i = 0; i < 2 && names[i]; i++) {
		cJSON *d = cJSON_CreateObject(), *k = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "AttributeName", names[i]);
		cJSON_AddStringToObject(d, "AttributeType", types[i] ? types[i] : "S");
		cJSON_AddItemToArray(defs, d);
		cJSON_AddStringToObject(k, "AttributeName", names[i]);
		cJSON_AddStringToObject(k, "KeyType", i ? "RANGE" : "HASH");
		cJSON_AddItemToArray(schema, k);
	}
	if (stream) {
		cJSON *spec = cJSON_AddObjectToObject(req, "StreamSpecification");
		cJSON_AddTrueToObject(spec, "StreamEnabled");
		cJSON_AddStringToObject(spec, "StreamViewType", stream);
	}
	bool ok = ddb_call(run, step, "CreateTable", req, &out);
	if (ok) {
		const cJSON *arn = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(out, "TableDescription"),
			"LatestStreamArn");
		cJSON *t = cJSON_CreateObject();
		if (cJSON_IsString(arn))
			cJSON_AddStringToObject(t, "stream", arn->valuestring);
		cJSON_DeleteItemFromObjectCaseSensitive(run->tables, name);
		cJSON_AddItemToObject(run->tables, name, t);
	}
	cJSON_Delete(out);
	cJSON_Delete(req);
	free(name);
	free(key);
	free(key_type);
	free(sort);
	free(sort_type);
	free(stream);
	return ok;
}

static bool do_stream_mapping(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	char *table = arg_text(args, "table");
	const cJSON *t = table ? cJSON_GetObjectItemCaseSensitive(run->tables, table) : NULL;
	const cJSON *arn = cJSON_GetObjectItemCaseSensitive(t, "stream");
	char *source_queue = table ? NULL : arg_text(args, "queue");
	cJSON *qarn_json = NULL;
	if (source_queue) {
		const char *qa = queue_field(run, step, source_queue, "arn");
		free(source_queue);
		if (!qa)
			return false;
		arn = qarn_json = cJSON_CreateString(qa);
	}
	if (!cJSON_IsString(arn)) {
		error_set(&run->r->error,
			  "step '%s': table '%s' was not created with a stream by a "
			  "create_table step before it",
			  step->name, table ? table : "");
		free(table);
		return false;
	}
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "FunctionName", run->ex->function);
	cJSON_AddStringToObject(req, "EventSourceArn", arn->valuestring);
	char *pos = arg_text(args, "starting_position");
	if (!qarn_json) /* a queue has no position to start at */
		cJSON_AddStringToObject(req, "StartingPosition", pos ? pos : "TRIM_HORIZON");
	free(pos);
	cJSON_Delete(qarn_json);
	static const char *const ints[][2] = {
		{ "batch_size", "BatchSize" },
		{ "window", "MaximumBatchingWindowInSeconds" },
		{ "max_retries", "MaximumRetryAttempts" },
		{ "max_record_age", "MaximumRecordAgeInSeconds" },
		{ "parallelization", "ParallelizationFactor" },
		{ "tumbling", "TumblingWindowInSeconds" },
	};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, ints[i][0]);
		if (cJSON_IsNumber(v))
			cJSON_AddNumberToObject(req, ints[i][1], v->valuedouble);
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(args, "bisect")))
		cJSON_AddTrueToObject(req, "BisectBatchOnFunctionError");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(args, "report")))
		cJSON_AddItemToArray(cJSON_AddArrayToObject(req, "FunctionResponseTypes"),
				     cJSON_CreateString("ReportBatchItemFailures"));
	char *queue = arg_text(args, "on_failure");
	bool ok = true;
	if (queue) {
		const char *qarn = queue_field(run, step, queue, "arn");
		if (!qarn) {
			ok = false;
		} else {
			cJSON *dc = cJSON_AddObjectToObject(req, "DestinationConfig");
			cJSON_AddStringToObject(cJSON_AddObjectToObject(dc, "OnFailure"),
						"Destination", qarn);
		}
	}
	const cJSON *filter = cJSON_GetObjectItemCaseSensitive(args, "filter");
	if (filter) {
		char *pattern = cJSON_PrintUnformatted(filter);
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "Pattern", pattern);
		cJSON_AddItemToArray(
			cJSON_AddArrayToObject(cJSON_AddObjectToObject(req, "FilterCriteria"),
					       "Filters"),
			f);
		free(pattern);
	}
	if (ok) {
		char *body = cJSON_PrintUnformatted(req);
		struct lambda_reply rep;
		ok = client_request(run->client, "POST", "/2015-03-31/event-source-mappings", NULL,
				    NULL, body, strlen(body), &rep);
		free(body);
		cJSON *out = ok ? cJSON_Parse(rep.body) : NULL;
		const cJSON *uuid = cJSON_GetObjectItemCaseSensitive(out, "UUID");
		if (cJSON_IsString(uuid))
			cJSON_AddItemToArray(run->mappings, cJSON_CreateString(uuid->valuestring));
		else
			ok = call_failed(run, step, "CreateEventSourceMapping", &rep);
		cJSON_Delete(out);
		client_reply_release(&rep);
	}
	cJSON_Delete(req);
	free(queue);
	free(table);
	return ok;
}

static bool do_ddb_change(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	char *table = arg_text(args, "table");
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "TableName", table ? table : "");
	const char *op;
	if (step->kind == STEP_DDB_PUT) {
		op = "PutItem";
		cJSON_AddItemToObject(req, "Item",
				      to_attrs(cJSON_GetObjectItemCaseSensitive(args, "item")));
	} else {
		op = step->kind == STEP_DDB_UPDATE ? "UpdateItem" : "DeleteItem";
		cJSON_AddItemToObject(req, "Key",
				      to_attrs(cJSON_GetObjectItemCaseSensitive(args, "key")));
	}
	if (step->kind == STEP_DDB_UPDATE) {
		/* SET #a0 = :v0, #a1 = :v1 ... so that any attribute name will do. */
		struct strbuf expr = STRBUF_INIT;
		cJSON *names = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
		cJSON *values = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
		int i = 0;
		const cJSON *set = cJSON_GetObjectItemCaseSensitive(args, "set");
		for (const cJSON *e = set ? set->child : NULL; e; e = e->next, i++) {
			char n[16], v[16];
			snprintf(n, sizeof(n), "#a%d", i);
			snprintf(v, sizeof(v), ":v%d", i);
			strbuf_addf(&expr, "%s%s = %s", i ? ", " : "SET ", n, v);
			cJSON_AddStringToObject(names, n, e->string);
			cJSON_AddItemToObject(values, v, to_attr(e));
		}
		cJSON_AddStringToObject(req, "UpdateExpression", expr.buf ? expr.buf : "");
		strbuf_release(&expr);
	}
	bool ok = ddb_call(run, step, op, req, NULL);
	cJSON_Delete(req);
	free(table);
	return ok;
}

static bool do_ddb_get(struct run *run, const cJSON *args, struct step_state *st)
{
	char *table = arg_text(args, "table");
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "TableName", table ? table : "");
	cJSON_AddTrueToObject(req, "ConsistentRead");
	cJSON_AddItemToObject(req, "Key", to_attrs(cJSON_GetObjectItemCaseSensitive(args, "key")));
	json_target(run, "DynamoDB_20120810.GetItem", req, &st->reply);
	cJSON_Delete(req);
	free(table);
	if (st->reply.status == 0) {
		error_set(&run->r->error, "%s", st->reply.body);
		return false;
	}
	st->values = cJSON_CreateObject();
	if (st->reply.status == 200) {
		cJSON *out = cJSON_Parse(st->reply.body);
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(out, "Item");
		if (item) {
			cJSON *m = cJSON_CreateObject();
			cJSON_AddItemReferenceToObject(m, "M", (cJSON *)item);
			cJSON_AddItemToObject(st->values, "item", from_attr(m));
			cJSON_Delete(m);
		}
		cJSON_Delete(out);
	} else {
		observation_failed(st, "GetItem");
	}
	return true;
}

static char *report_line_of(const char *log)
{
	struct expect_report rep;
	const char *line;
	size_t len;
	if (!expect_parse_report(log, &rep, &line, &len))
		return NULL;
	while (len && (line[len - 1] == '\t' || line[len - 1] == '\r'))
		len--;
	return xstrndup(line, len);
}

static struct expect_subject subject_of(const struct run *run, const struct exercise_step *step,
					const struct step_state *st)
{
	struct expect_subject subj = {
		.event = st->event,
		.request_id = st->reply.request_id,
		.function = run->ex->function,
		.call_error = st->call_error,
		.payload = st->reply.body,
		.response = st->response,
		.function_error = st->reply.function_error,
		.log = st->reply.log,
		.config = run->config,
		.vars = run->vars,
		.values = st->values,
	};
	if (step->kind == STEP_DEPLOY || step->kind == STEP_INSPECT) {
		subj.call_error = run->config ? NULL : run->config_error;
		subj.payload = NULL;
		subj.log = NULL;
		subj.function_error = NULL;
	} else if (step->kind != STEP_INVOKE) {
		subj.payload = NULL;
		subj.response = step->kind == STEP_HTTP ? st->response : NULL;
		subj.function_error = NULL;
	}
	return subj;
}

/*
 * Judge the step's expectations. With record, every failure goes to the first of its task's
 * results that has none yet, and the step's result is filled; without, nothing is written.
 * Whether every expectation passed.
 */
static bool judge_step(struct run *run, size_t si, struct step_state *st, bool record)
{
	const struct exercise_step *step = &run->steps[si];
	struct check_step_result *sr = &run->r->steps[si];
	struct expect_subject subj = subject_of(run, step, st);
	char *report = step->kind == STEP_INVOKE ? report_line_of(st->reply.log) : NULL;
	subj.report_line = report;
	bool all = true;
	for (size_t i = 0; i < step->n_expects; i++) {
		const struct exercise_expect *e = &step->expects[i];
		struct strbuf got = STRBUF_INIT, want = STRBUF_INIT;
		bool pass = expect_judge(e, &subj, &got, &want);
		if (!pass)
			all = false;
		for (size_t t = 0; record && !pass && t < run->r->n_tasks; t++) {
			struct check_task_result *tr = &run->r->tasks[t];
			if (strcmp(tr->task->id, e->task) != 0 || tr->got)
				continue;
			tr->pass = false;
			tr->step = xstrdup(step->name);
			tr->event = st->event_text ? xstrdup(st->event_text) : NULL;
			tr->got = strbuf_detach(&got);
			tr->expected = strbuf_detach(&want);
			tr->why = e->why ? e->why : tr->task->why;
			tr->log = st->reply.log ? xstrdup(st->reply.log) : NULL;
			tr->report_line = report ? xstrdup(report) : NULL;
		}
		strbuf_release(&got);
		strbuf_release(&want);
	}
	if (record) {
		sr->ok = all;
		if (step->kind == STEP_INVOKE) {
			sr->event = st->event_text ? xstrdup(st->event_text) : NULL;
			sr->response = st->call_error
					       ? xstrdup(st->call_error)
					       : xstrdup(st->reply.body ? st->reply.body : "");
			sr->function_error = xstrdup(st->reply.function_error);
			sr->request_id = xstrdup(st->reply.request_id);
			sr->report_line = report ? xstrdup(report) : NULL;
		}
	}
	free(report);
	return all;
}

static void step_state_release(struct step_state *st)
{
	cJSON_Delete(st->event);
	free(st->event_text);
	client_reply_release(&st->reply);
	cJSON_Delete(st->response);
	free(st->call_error);
	cJSON_Delete(st->values);
	memset(st, 0, sizeof(*st));
}

/*
 * An observation of what the function did (an object, a message) failed: show the function's
 * log beside it, where the reason usually is.
 */
static void attach_function_log(struct run *run, const struct exercise_step *step,
				struct step_state *st)
{
	if (step->kind != STEP_S3_GET && step->kind != STEP_S3_LIST &&
	    step->kind != STEP_SQS_RECEIVE && step->kind != STEP_DDB_GET &&
	    step->kind != STEP_METRICS)
		return;
	struct step_state logs = { 0 };
	if (do_logs(run, &logs) && logs.reply.log && logs.reply.log[0]) {
		free(st->reply.log);
		st->reply.log = logs.reply.log;
		logs.reply.log = NULL;
	}
	error_clear(&run->r->error);
	step_state_release(&logs);
}

/* Keep the values the step saves for the steps after it. */
static void save_values(struct run *run, const struct exercise_step *step,
			const struct step_state *st)
{
	struct expect_subject subj = subject_of(run, step, st);
	for (size_t i = 0; i < step->n_saves; i++) {
		cJSON *v = expect_field(&subj, step->saves[i].field);
		cJSON_DeleteItemFromObjectCaseSensitive(run->vars, step->saves[i].name);
		cJSON_AddItemToObject(run->vars, step->saves[i].name, v ? v : cJSON_CreateNull());
	}
}

static bool do_sqs_send(struct run *run, const struct exercise_step *step, const cJSON *args);
static bool do_create_role(struct run *run, const struct exercise_step *step, const cJSON *args);
static bool do_ssm_put(struct run *run, const struct exercise_step *step, const cJSON *args);
static bool do_role_grants(struct run *run, const cJSON *args, struct step_state *st);
static bool do_secret_put(struct run *run, const struct exercise_step *step, const cJSON *args);
static bool do_concurrency(struct run *run, const struct exercise_step *step, const cJSON *args);
static bool do_metrics(struct run *run, const cJSON *args, struct step_state *st);
static bool do_insights(struct run *run, const cJSON *args, struct step_state *st);
static bool do_trace(struct run *run, const cJSON *args, struct step_state *st);
static bool do_publish_layer(struct run *run, const struct exercise_step *step, const cJSON *args);
static bool do_alias(struct run *run, const cJSON *args, struct step_state *st);
static bool do_alarm(struct run *run, const cJSON *args, struct step_state *st);

/* Do what the step does once. False when the check cannot go on (the reason in r->error). */
static bool perform(struct run *run, const struct exercise_step *step, struct step_state *st)
{
	cJSON *args = NULL;
	if (step->args) {
		args = materialize(run, step->args, "the step's arguments");
		if (!args && step->n_expects > 0)
			return cannot_run(run, st);
		if (!args)
			return false;
		st->event_text = cJSON_PrintUnformatted(args);
	}
	bool ok = true;
	switch (step->kind) {
	case STEP_DEPLOY:
		ok = do_deploy(run, st);
		break;
	case STEP_INSPECT:
		ok = fetch_config(run);
		break;
	case STEP_INVOKE:
		ok = do_invoke(run, step, st);
		if (ok && needs_config(step))
			ok = fetch_config(run);
		break;
	case STEP_CREATE_BUCKET:
		ok = do_create_bucket(run, step, args);
		break;
	case STEP_CREATE_QUEUE:
		ok = do_create_queue(run, step, args);
		break;
	case STEP_S3_NOTIFY:
		ok = do_s3_notify(run, step, args);
		break;
	case STEP_ASYNC_CONFIG:
		ok = do_async_config(run, step, args);
		break;
	case STEP_S3_PUT:
		ok = do_s3_put(run, step, args);
		break;
	case STEP_S3_GET:
		ok = do_s3_get(run, args, st);
		break;
	case STEP_S3_LIST:
		ok = do_s3_list(run, args, st);
		break;
	case STEP_SQS_RECEIVE:
		ok = do_sqs_receive(run, step, args, st);
		break;
	case STEP_LOGS:
		ok = do_logs(run, st);
		break;
	case STEP_ADVANCE:
		ok = do_advance(run, step, args);
		break;
	case STEP_CREATE_TABLE:
		ok = do_create_table(run, step, args);
		break;
	case STEP_STREAM_MAPPING:
		ok = do_stream_mapping(run, step, args);
		break;
	case STEP_DDB_PUT:
	case STEP_DDB_UPDATE:
	case STEP_DDB_DELETE:
		ok = do_ddb_change(run, step, args);
		break;
	case STEP_DDB_GET:
		ok = do_ddb_get(run, args, st);
		break;
	case STEP_SQS_SEND:
		ok = do_sqs_send(run, step, args);
		break;
	case STEP_CONCURRENCY:
		ok = do_concurrency(run, step, args);
		break;
	case STEP_METRICS:
		ok = do_metrics(run, args, st);
		break;
	case STEP_INSIGHTS:
		ok = do_insights(run, args, st);
		break;
	case STEP_TRACE:
		ok = do_trace(run, args, st);
		break;
	case STEP_ALIAS:
		ok = do_alias(run, args, st);
		break;
	case STEP_ALARM:
		ok = do_alarm(run, args, st);
		break;
	case STEP_PUBLISH_LAYER:
		ok = do_publish_layer(run, step, args);
		break;
	case STEP_CREATE_ROLE:
		ok = do_create_role(run, step, args);
		break;
	case STEP_SSM_PUT:
		ok = do_ssm_put(run, step, args);
		break;
	case STEP_ROLE_GRANTS:
		ok = do_role_grants(run, args, st);
		break;
	case STEP_SECRET_PUT:
		ok = do_secret_put(run, step, args);
		break;
	case STEP_STACK:
		ok = do_stack(run, args, st);
		break;
	case STEP_HTTP:
		ok = do_http(run, args, st);
		break;
	case STEP_KIND_COUNT:
		abort();
	}
	cJSON_Delete(args);
	return ok;
}

/*
 * Run step si once: an observation of what happens in the background only after the cloud
 * has settled, so that it sees everything the run started and nothing is waited for in
 * vain. False when the check cannot go on.
 */
static bool run_step(struct run *run, size_t si)
{
	const struct exercise_step *step = &run->steps[si];
	if (observes(step->kind) && run->ex->kind != EXERCISE_ACCOUNT && !settle(run, step, 0))
		return false;
	struct step_state st = { 0 };
	if (!perform(run, step, &st)) {
		step_state_release(&st);
		return false;
	}
	if (!judge_step(run, si, &st, false))
		attach_function_log(run, step, &st);
	judge_step(run, si, &st, true);
	save_values(run, step, &st);
	step_state_release(&st);
	return true;
}

/* Remove what the run created besides the function: mappings, objects, buckets, queues,
 * tables. */
static void clean_up(struct run *run)
{
	struct lambda_reply rep;
	for (const cJSON *m = run->mappings ? run->mappings->child : NULL; m; m = m->next) {
		char *path = xasprintf("/2015-03-31/event-source-mappings/%s", m->valuestring);
		client_request(run->client, "DELETE", path, NULL, NULL, NULL, 0, &rep);
		client_reply_release(&rep);
		free(path);
	}
	for (const cJSON *t = run->tables ? run->tables->child : NULL; t; t = t->next) {
		cJSON *req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "TableName", t->string);
		json_target(run, "DynamoDB_20120810.DeleteTable", req, &rep);
		client_reply_release(&rep);
		cJSON_Delete(req);
	}
	for (const cJSON *b = run->buckets ? run->buckets->child : NULL; b; b = b->next) {
		for (int round = 0; round < 20; round++) {
			struct step_state st = { 0 };
			cJSON *args = cJSON_CreateObject();
			cJSON_AddStringToObject(args, "bucket", b->valuestring);
			bool listed = do_s3_list(run, args, &st);
			cJSON_Delete(args);
			const cJSON *keys = cJSON_GetObjectItemCaseSensitive(st.values, "keys");
			int n = cJSON_GetArraySize(keys);
			for (const cJSON *k = keys ? keys->child : NULL; k; k = k->next) {
				char *path = object_path(b->valuestring, k->valuestring);
				client_request(run->client, "DELETE", path, NULL, NULL, NULL, 0,
					       &rep);
				client_reply_release(&rep);
				free(path);
			}
			step_state_release(&st);
			if (!listed || n == 0)
				break;
		}
		char *path = xasprintf("/%s", b->valuestring);
		client_request(run->client, "DELETE", path, NULL, NULL, NULL, 0, &rep);
		client_reply_release(&rep);
		free(path);
	}
	for (const cJSON *q = run->queues ? run->queues->child : NULL; q; q = q->next) {
		cJSON *req = cJSON_CreateObject();
		const cJSON *url = cJSON_GetObjectItemCaseSensitive(q, "url");
		cJSON_AddStringToObject(req, "QueueUrl",
					cJSON_IsString(url) ? url->valuestring : "");
		json_target(run, "AmazonSQS.DeleteQueue", req, &rep);
		client_reply_release(&rep);
		cJSON_Delete(req);
	}
}

static bool do_sqs_send(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	char *name = arg_text(args, "queue");
	const char *url = queue_field(run, step, name, "url");
	const cJSON *bodies = cJSON_GetObjectItemCaseSensitive(args, "bodies");
	char *body = url && !bodies ? arg_text(args, "body") : NULL;
	bool ok = url != NULL;
	if (ok && cJSON_IsArray(bodies)) {
		cJSON *req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "QueueUrl", url);
		cJSON *entries = cJSON_AddArrayToObject(req, "Entries");
		int i = 0;
		for (const cJSON *b = bodies->child; b; b = b->next, i++) {
			cJSON *e = cJSON_CreateObject();
			char id[16];
			snprintf(id, sizeof(id), "m%d", i);
			cJSON_AddStringToObject(e, "Id", id);
			char *text = cJSON_IsString(b) ? xstrdup(b->valuestring)
						       : cJSON_PrintUnformatted(b);
			cJSON_AddStringToObject(e, "MessageBody", text);
			free(text);
			cJSON_AddItemToArray(entries, e);
		}
		struct lambda_reply rep;
		ok = json_target(run, "AmazonSQS.SendMessageBatch", req, &rep);
		cJSON *ans = ok && rep.body ? cJSON_ParseWithLength(rep.body, rep.len) : NULL;
		if (!ok) {
			call_failed(run, step, "SendMessageBatch", &rep);
		} else if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ans, "Failed")) >
			   0) {
			error_set(&run->r->error, "step '%s': SendMessageBatch failed: %.200s",
				  step->name, rep.body);
			ok = false;
		}
		cJSON_Delete(ans);
		client_reply_release(&rep);
		cJSON_Delete(req);
	} else if (ok) {
		cJSON *req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "QueueUrl", url);
		cJSON_AddStringToObject(req, "MessageBody", body ? body : "");
		struct lambda_reply rep;
		ok = json_target(run, "AmazonSQS.SendMessage", req, &rep);
		if (!ok)
			call_failed(run, step, "SendMessage", &rep);
		client_reply_release(&rep);
		cJSON_Delete(req);
	}
	free(body);
	free(name);
	return ok;
}

static bool do_concurrency(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(args, "reserved");
	char *esc = client_escape(run->ex->function, false);
	char *path = xasprintf("/2017-10-31/functions/%s/concurrency", esc);
	char *body = xasprintf("{\"ReservedConcurrentExecutions\":%d}",
			       cJSON_IsNumber(n) ? n->valueint : 0);
	struct lambda_reply rep;
	bool ok = client_request(run->client, "PUT", path, NULL, NULL, body, strlen(body), &rep);
	if (!ok)
		call_failed(run, step, "PutFunctionConcurrency", &rep);
	client_reply_release(&rep);
	free(body);
	free(path);
	free(esc);
	return ok;
}

/* ---- metrics, Logs Insights, layers ---- */

/* The run's account's virtual clock, in milliseconds; 0 when it cannot be read. */
static int64_t virtual_now_ms(struct run *run)
{
	const char *who = run->account[0] ? run->account : run->settle_account;
	char *path = who[0] ? xasprintf("/_tutor/clock?account=%s", who) : xstrdup("/_tutor/clock");
	struct lambda_reply rep;
	int64_t now = 0;
	if (client_request(run->control, "GET", path, NULL, NULL, NULL, 0, &rep) &&
	    rep.status == 200) {
		cJSON *j = cJSON_Parse(rep.body);
		const cJSON *ms = cJSON_GetObjectItemCaseSensitive(j, "now");
		if (cJSON_IsNumber(ms))
			now = (int64_t)ms->valuedouble;
		cJSON_Delete(j);
	}
	client_reply_release(&rep);
	free(path);
	return now ? now : (int64_t)time(NULL) * 1000;
}

/*
 * GetMetricStatistics of one metric over the last day of the run's clock, folded into one
 * set of statistics: `metric` is {count, sum, average, minimum, maximum}, or {count: 0} when
 * nothing was recorded.
 */
static bool do_metrics(struct run *run, const cJSON *args, struct step_state *st)
{
	int64_t now = virtual_now_ms(run) / 1000;
	cJSON *req = cJSON_CreateObject();
	char *ns = arg_text(args, "namespace"), *metric = arg_text(args, "metric");
	cJSON_AddStringToObject(req, "Namespace", ns ? ns : "");
	cJSON_AddStringToObject(req, "MetricName", metric ? metric : "");
	free(ns);
	free(metric);
	cJSON *dims = cJSON_AddArrayToObject(req, "Dimensions");
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(args, "dimensions");
	for (const cJSON *d = want ? want->child : NULL; d; d = d->next) {
		cJSON *one = cJSON_CreateObject();
		cJSON_AddStringToObject(one, "Name", d->string);
		char *v = cJSON_IsString(d) ? xstrdup(d->valuestring) : cJSON_PrintUnformatted(d);
		cJSON_AddStringToObject(one, "Value", v);
		free(v);
		cJSON_AddItemToArray(dims, one);
	}
	/* Whole minutes from a day back to a minute ahead: every point the run put. */
	int64_t start = (now - 86400) / 60 * 60, end = (now / 60 + 2) * 60;
	cJSON_AddNumberToObject(req, "StartTime", (double)start);
	cJSON_AddNumberToObject(req, "EndTime", (double)end);
	cJSON_AddNumberToObject(req, "Period", (double)(end - start));
	cJSON *stats = cJSON_AddArrayToObject(req, "Statistics");
	static const char *const names[] = { "SampleCount", "Sum", "Minimum", "Maximum" };
	for (size_t i = 0; i < 4; i++)
		cJSON_AddItemToArray(stats, cJSON_CreateString(names[i]));
	json_target(run, "GraniteServiceVersion20100801.GetMetricStatistics", req, &st->reply);
	st->event_text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (st->reply.status == 0) {
		error_set(&run->r->error, "%s", st->reply.body);
		return false;
	}
	st->values = cJSON_CreateObject();
	if (st->reply.status != 200) {
		observation_failed(st, "GetMetricStatistics");
		return true;
	}
	cJSON *res = cJSON_Parse(st->reply.body);
	const cJSON *points = cJSON_GetObjectItemCaseSensitive(res, "Datapoints");
	double count = 0, sum = 0, min = 0, max = 0;
	bool any = false;
	for (const cJSON *p = points ? points->child : NULL; p; p = p->next) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(p, "SampleCount");
		const cJSON *su = cJSON_GetObjectItemCaseSensitive(p, "Sum");
		const cJSON *mi = cJSON_GetObjectItemCaseSensitive(p, "Minimum");
		const cJSON *ma = cJSON_GetObjectItemCaseSensitive(p, "Maximum");
		if (!cJSON_IsNumber(c) || !cJSON_IsNumber(su))
			continue;
		count += c->valuedouble;
		sum += su->valuedouble;
		if (cJSON_IsNumber(mi) && (!any || mi->valuedouble < min))
			min = mi->valuedouble;
		if (cJSON_IsNumber(ma) && (!any || ma->valuedouble > max))
			max = ma->valuedouble;
		any = true;
	}
	cJSON_Delete(res);
	cJSON *m = cJSON_AddObjectToObject(st->values, "metric");
	cJSON_AddNumberToObject(m, "count", count);
	if (any && count > 0) {
		cJSON_AddNumberToObject(m, "sum", sum);
		cJSON_AddNumberToObject(m, "average", sum / count);
		cJSON_AddNumberToObject(m, "minimum", min);
		cJSON_AddNumberToObject(m, "maximum", max);
	}
	return true;
}

/*
 * The learner's Logs Insights query (a file of their folder) over the function's log group
 * for the last day of the run's clock: StartQuery, then GetQueryResults. `results` is one
 * object a row, field to value, without @ptr.
 */
static bool do_insights(struct run *run, const cJSON *args, struct step_state *st)
{
	char *file = arg_text(args, "file");
	char *path = path_join(run->opts->code_dir, file ? file : "");
	struct error err;
	error_clear(&err);
	size_t len = 0;
	char *query = path_read_file(path, 10000, &len, &err);
	free(path);
	if (!query) {
		st->call_error = xasprintf("there is no query to run: '%s' cannot be read from "
					   "your folder",
					   file ? file : "");
		free(file);
		return true;
	}
	free(file);
	int64_t now = virtual_now_ms(run) / 1000;
	char *group = xasprintf("/aws/lambda/%s", run->ex->function);
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "logGroupName", group);
	cJSON_AddNumberToObject(req, "startTime", (double)(now - 86400));
	cJSON_AddNumberToObject(req, "endTime", (double)(now + 60));
	cJSON_AddStringToObject(req, "queryString", query);
	st->event_text = xstrdup(query);
	free(query);
	free(group);
	json_target(run, "Logs_20140328.StartQuery", req, &st->reply);
	cJSON_Delete(req);
	if (st->reply.status == 0) {
		error_set(&run->r->error, "%s", st->reply.body);
		return false;
	}
	st->values = cJSON_CreateObject();
	if (st->reply.status != 200) {
		observation_failed(st, "StartQuery");
		return true;
	}
	cJSON *started = cJSON_Parse(st->reply.body);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(started, "queryId");
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "queryId", cJSON_IsString(id) ? id->valuestring : "");
	cJSON_Delete(started);
	client_reply_release(&st->reply);
	json_target(run, "Logs_20140328.GetQueryResults", req, &st->reply);
	cJSON_Delete(req);
	if (st->reply.status != 200) {
		observation_failed(st, "GetQueryResults");
		return true;
	}
	cJSON *res = cJSON_Parse(st->reply.body);
	cJSON *rows = cJSON_AddArrayToObject(st->values, "results");
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(res, "results");
	for (const cJSON *r = all ? all->child : NULL; r; r = r->next) {
		cJSON *row = cJSON_CreateObject();
		for (const cJSON *f = r->child; f; f = f->next) {
			const cJSON *k = cJSON_GetObjectItemCaseSensitive(f, "field");
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, "value");
			if (cJSON_IsString(k) && strcmp(k->valuestring, "@ptr") != 0)
				cJSON_AddStringToObject(row, k->valuestring,
							cJSON_IsString(v) ? v->valuestring : "");
		}
		cJSON_AddItemToArray(rows, row);
	}
	cJSON_Delete(res);
	return true;
}

/* The top-level document of docs holding id as its own or a nested subsegment's, or NULL. */
static const cJSON *segment_holding(cJSON *const *docs, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++) {
		const char *type =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(docs[i], "type"));
		if (type && strcmp(type, "subsegment") == 0)
			continue;
		/* Breadth first over the segment's subsegments, bounded. */
		const cJSON *queue[256];
		size_t head = 0, tail = 0;
		queue[tail++] = docs[i];
		while (head < tail) {
			const cJSON *d = queue[head++];
			const char *own =
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "id"));
			if (own && strcmp(own, id) == 0)
				return docs[i];
			const cJSON *sub;
			cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(d, "subsegments"))
			{
				if (tail < sizeof(queue) / sizeof(queue[0]))
					queue[tail++] = sub;
			}
		}
	}
	return NULL;
}

/* The first subsegment named name in d's subsegments, at any depth, or NULL. */
static const cJSON *nested_named(const cJSON *d, const char *name, int depth)
{
	const cJSON *sub;
	cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(d, "subsegments"))
	{
		const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sub, "name"));
		if (n && strcmp(n, name) == 0)
			return sub;
		const cJSON *deeper = depth < 16 ? nested_named(sub, name, depth + 1) : NULL;
		if (deeper)
			return deeper;
	}
	return NULL;
}

/*
 * The subsegment named name among one trace's segment documents: nested in a segment, or sent
 * as a document of its own (type "subsegment", parent_id) as a daemon client sends it. A copy
 * with `duration` (end_time - start_time, seconds) and `under` (the origin of the segment it
 * hangs under, or its name), or NULL. Caller deletes.
 */
static cJSON *find_subsegment(cJSON *const *docs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		const char *type =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(docs[i], "type"));
		const char *own =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(docs[i], "name"));
		const cJSON *found = NULL, *holder = NULL;
		if (type && strcmp(type, "subsegment") == 0) {
			if (!own || strcmp(own, name) != 0)
				continue;
			found = docs[i];
			const char *parent = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(docs[i], "parent_id"));
			/* Under another subsegment sent on its own (an SDK's handler subsegment):
			 * up its chain to the segment. */
			for (int up = 0; parent && up < 16; up++) {
				const char *next = NULL;
				for (size_t j = 0; j < n && !next; j++) {
					const char *tj = cJSON_GetStringValue(
						cJSON_GetObjectItemCaseSensitive(docs[j], "type"));
					const char *id = cJSON_GetStringValue(
						cJSON_GetObjectItemCaseSensitive(docs[j], "id"));
					if (tj && strcmp(tj, "subsegment") == 0 && id &&
					    strcmp(id, parent) == 0)
						next = cJSON_GetStringValue(
							cJSON_GetObjectItemCaseSensitive(
								docs[j], "parent_id"));
				}
				if (!next)
					break;
				parent = next;
			}
			holder = parent ? segment_holding(docs, n, parent) : NULL;
		} else if ((found = nested_named(docs[i], name, 0))) {
			holder = docs[i];
		}
		if (!found)
			continue;
		cJSON *out = cJSON_Duplicate(found, true);
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(found, "start_time"),
			    *e = cJSON_GetObjectItemCaseSensitive(found, "end_time");
		if (cJSON_IsNumber(s) && cJSON_IsNumber(e))
			cJSON_AddNumberToObject(out, "duration", e->valuedouble - s->valuedouble);
		const cJSON *origin = cJSON_GetObjectItemCaseSensitive(holder, "origin");
		if (!cJSON_IsString(origin))
			origin = cJSON_GetObjectItemCaseSensitive(holder, "name");
		if (cJSON_IsString(origin))
			cJSON_AddStringToObject(out, "under", origin->valuestring);
		return out;
	}
	return NULL;
}

/*
 * The traces of the run's account over the last day of its clock: GetTraceSummaries with the
 * step's filter expression, then BatchGetTraces of the first five. `traces` is how many match;
 * `subsegment` the step's subsegment in the first of them that has it (see find_subsegment),
 * absent when none has.
 */
static bool do_trace(struct run *run, const cJSON *args, struct step_state *st)
{
	char *filter = arg_text(args, "filter");
	char *name = arg_text(args, "subsegment");
	int64_t now = virtual_now_ms(run) / 1000;
	cJSON *req = cJSON_CreateObject();
	cJSON_AddNumberToObject(req, "StartTime", (double)(now - 86400));
	cJSON_AddNumberToObject(req, "EndTime", (double)(now + 60));
	if (filter)
		cJSON_AddStringToObject(req, "FilterExpression", filter);
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	client_xray(run->client, "/TraceSummaries", body, &st->reply);
	free(body);
	free(filter);
	bool ok = true;
	if (st->reply.status == 0) {
		error_set(&run->r->error, "%s", st->reply.body);
		ok = false;
		goto done;
	}
	st->values = cJSON_CreateObject();
	if (st->reply.status != 200) {
		observation_failed(st, "GetTraceSummaries");
		goto done;
	}
	cJSON *sums = cJSON_Parse(st->reply.body);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(sums, "TraceSummaries");
	cJSON_AddNumberToObject(st->values, "traces", cJSON_GetArraySize(list));
	cJSON *ids = cJSON_CreateArray();
	const cJSON *t;
	cJSON_ArrayForEach(t, list)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(t, "Id");
		if (cJSON_IsString(id) && cJSON_GetArraySize(ids) < 5)
			cJSON_AddItemToArray(ids, cJSON_CreateString(id->valuestring));
	}
	cJSON_Delete(sums);
	if (cJSON_GetArraySize(ids) == 0) {
		cJSON_Delete(ids);
		goto done;
	}
	req = cJSON_CreateObject();
	cJSON_AddItemToObject(req, "TraceIds", ids);
	body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	client_reply_release(&st->reply);
	client_xray(run->client, "/Traces", body, &st->reply);
	free(body);
	if (st->reply.status != 200) {
		observation_failed(st, "BatchGetTraces");
		goto done;
	}
	cJSON *got = cJSON_Parse(st->reply.body);
	cJSON *found = NULL;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(got, "Traces"))
	{
		const cJSON *segs = cJSON_GetObjectItemCaseSensitive(t, "Segments");
		size_t n = 0;
		cJSON **docs = xcalloc((size_t)cJSON_GetArraySize(segs) + 1, sizeof(*docs));
		const cJSON *seg;
		cJSON_ArrayForEach(seg, segs)
		{
			const char *doc = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(seg, "Document"));
			cJSON *d = doc ? cJSON_Parse(doc) : NULL;
			if (d)
				docs[n++] = d;
		}
		found = find_subsegment(docs, n, name ? name : "");
		for (size_t i = 0; i < n; i++)
			cJSON_Delete(docs[i]);
		free(docs);
		if (found)
			break;
	}
	cJSON_Delete(got);
	if (found)
		cJSON_AddItemToObject(st->values, "subsegment", found);
done:
	free(name);
	return ok;
}

/* GetAlias: `alias` is its answer (FunctionVersion, RoutingConfig), absent when there is none. */
static bool do_alias(struct run *run, const cJSON *args, struct step_state *st)
{
	char *name = arg_text(args, "alias");
	char *fe = client_escape(run->ex->function, false),
	     *ae = client_escape(name ? name : "", false);
	char *path = xasprintf("/2015-03-31/functions/%s/aliases/%s", fe, ae);
	client_request(run->client, "GET", path, NULL, NULL, NULL, 0, &st->reply);
	free(path);
	free(ae);
	free(fe);
	if (st->reply.status == 0) {
		free(name);
		error_set(&run->r->error, "%s", st->reply.body);
		return false;
	}
	st->values = cJSON_CreateObject();
	if (st->reply.status == 200)
		cJSON_AddItemToObject(st->values, "alias", cJSON_Parse(st->reply.body));
	else if (st->reply.status == 404 && st->reply.body &&
		 strstr(st->reply.body, "Function not found"))
		st->call_error = xasprintf("there is no function named '%s' in the account",
					   run->ex->function);
	else if (st->reply.status == 404)
		st->call_error = xasprintf("the function '%s' has no alias named '%s'",
					   run->ex->function, name ? name : "");
	else
		observation_failed(st, "GetAlias");
	free(name);
	return true;
}

/* `actions`: the summaries of the actions the alarm ran, newest first, from its history
 * ("Successfully executed action arn:aws:sns:...", or "Failed to execute action ..."). */
static void add_alarm_actions(struct run *run, const char *name, cJSON *values)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "AlarmName", name ? name : "");
	cJSON_AddStringToObject(req, "HistoryItemType", "Action");
	struct lambda_reply rep;
	memset(&rep, 0, sizeof(rep));
	json_target(run, "GraniteServiceVersion20100801.DescribeAlarmHistory", req, &rep);
	cJSON_Delete(req);
	cJSON *res = rep.status == 200 ? cJSON_Parse(rep.body) : NULL;
	cJSON *list = cJSON_AddArrayToObject(values, "actions");
	const cJSON *h;
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(res, "AlarmHistoryItems"))
	{
		const cJSON *sum = cJSON_GetObjectItemCaseSensitive(h, "HistorySummary");
		if (cJSON_IsString(sum))
			cJSON_AddItemToArray(list, cJSON_CreateString(sum->valuestring));
	}
	cJSON_Delete(res);
	client_reply_release(&rep);
}

/* DescribeAlarms of one metric alarm: `alarm` is its description, absent when there is none;
 * `actions` what it ran. */
static bool do_alarm(struct run *run, const cJSON *args, struct step_state *st)
{
	char *name = arg_text(args, "alarm");
	cJSON *req = cJSON_CreateObject();
	cJSON *names = cJSON_AddArrayToObject(req, "AlarmNames");
	cJSON_AddItemToArray(names, cJSON_CreateString(name ? name : ""));
	json_target(run, "GraniteServiceVersion20100801.DescribeAlarms", req, &st->reply);
	cJSON_Delete(req);
	if (st->reply.status == 0) {
		free(name);
		error_set(&run->r->error, "%s", st->reply.body);
		return false;
	}
	st->values = cJSON_CreateObject();
	if (st->reply.status == 200) {
		cJSON *res = cJSON_Parse(st->reply.body);
		cJSON *list = cJSON_GetObjectItemCaseSensitive(res, "MetricAlarms");
		cJSON *first = list ? cJSON_DetachItemFromArray(list, 0) : NULL;
		if (first) {
			cJSON_AddItemToObject(st->values, "alarm", first);
			add_alarm_actions(run, name, st->values);
		} else
			st->call_error = xasprintf("there is no metric alarm named '%s' in the "
						   "account",
						   name ? name : "");
		cJSON_Delete(res);
	} else {
		observation_failed(st, "DescribeAlarms");
	}
	free(name);
	return true;
}

/*
 * Publish the learner's folder dir as a layer version and attach it to the function, as
 * `aws lambda publish-layer-version` then `update-function-configuration --layers` do.
 */
static bool do_publish_layer(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	char *name = arg_text(args, "layer"), *dir = arg_text(args, "dir");
	char *full = path_join(run->opts->code_dir, dir ? dir : "");
	bool ok = path_is_dir(full);
	if (!ok)
		error_set(&run->r->error,
			  "your folder has no '%s' folder: the layer's content goes there", dir);
	size_t len = 0;
	void *zip = ok ? package_zip(full, &len, &run->r->error) : NULL;
	ok = zip != NULL;
	char *b64 = ok ? client_base64_encode(zip, len) : NULL;
	free(zip);
	char *arn = NULL;
	if (ok) {
		cJSON *req = cJSON_CreateObject();
		cJSON_AddItemToObject(req, "Content", cJSON_CreateObject());
		cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(req, "Content"), "ZipFile",
					b64);
		cJSON *rts = cJSON_AddArrayToObject(req, "CompatibleRuntimes");
		cJSON_AddItemToArray(
			rts, cJSON_CreateString(run->ex->starters[run->opts->lang].runtime));
		char *body = cJSON_PrintUnformatted(req);
		cJSON_Delete(req);
		char *esc = client_escape(name ? name : "", false);
		char *path = xasprintf("/2018-10-31/layers/%s/versions", esc);
		struct lambda_reply rep;
		ok = client_request(run->client, "POST", path, NULL, NULL, body, strlen(body),
				    &rep) &&
		     rep.status / 100 == 2;
		if (!ok) {
			call_failed(run, step, "PublishLayerVersion", &rep);
		} else {
			cJSON *res = cJSON_Parse(rep.body);
			const cJSON *a = cJSON_GetObjectItemCaseSensitive(res, "LayerVersionArn");
			arn = cJSON_IsString(a) ? xstrdup(a->valuestring) : NULL;
			cJSON_Delete(res);
		}
		client_reply_release(&rep);
		free(path);
		free(esc);
		free(body);
	}
	if (ok && arn) {
		char *body = xasprintf("{\"Layers\":[\"%s\"]}", arn);
		ok = update_config(run, body, "attach the layer to the function");
		free(body);
	}
	free(arn);
	free(b64);
	free(full);
	free(dir);
	free(name);
	return ok;
}

/* ---- IAM roles and Parameter Store ---- */

/* Form-encode "Name=value" onto sb, after a '&'. */
static void form_add(struct strbuf *sb, const char *name, const char *value)
{
	char *v = client_escape(value, false);
	strbuf_addf(sb, "&%s=%s", name, v);
	free(v);
}

/* An IAM call: "Action=A&Version=2010-05-08" and the pairs (name, value, ..., NULL). */
static bool iam_call(struct run *run, struct lambda_reply *rep, const char *action, ...)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "Action=%s&Version=2010-05-08", action);
	va_list ap;
	va_start(ap, action);
	for (const char *k; (k = va_arg(ap, const char *));)
		form_add(&sb, k, va_arg(ap, const char *));
	va_end(ap);
	bool ok = client_query(run->client, "iam", sb.buf, rep);
	strbuf_release(&sb);
	return ok;
}

/* Every text of <tag>...</tag> in xml, in order, as a JSON array of strings. Caller deletes. */
static cJSON *xml_texts(const char *xml, const char *tag)
{
	cJSON *out = cJSON_CreateArray();
	char *open = xasprintf("<%s>", tag), *close = xasprintf("</%s>", tag);
	for (const char *p = xml ? strstr(xml, open) : NULL; p; p = strstr(p, open)) {
		p += strlen(open);
		const char *e = strstr(p, close);
		if (!e)
			break;
		char *t = xstrndup(p, (size_t)(e - p));
		cJSON_AddItemToArray(out, cJSON_CreateString(t));
		free(t);
		p = e;
	}
	free(open);
	free(close);
	return out;
}

static const char lambda_trust[] =
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
	"{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";

static bool do_create_role(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	char *role = arg_text(args, "role");
	struct lambda_reply rep;
	bool ok = iam_call(run, &rep, "CreateRole", "RoleName", role ? role : "",
			   "AssumeRolePolicyDocument", lambda_trust, NULL);
	if (!ok)
		call_failed(run, step, "CreateRole", &rep);
	client_reply_release(&rep);
	char *policy = ok ? arg_text(args, "policy") : NULL;
	char *file = ok && !policy ? arg_text(args, "policy_file") : NULL;
	if (file) {
		/* The learner's own policy, a file of their folder. */
		char *path = path_join(run->opts->code_dir, file);
		struct error err;
		error_clear(&err);
		size_t len = 0;
		policy = path_read_file(path, 10240, &len, &err);
		free(path);
		if (!policy) {
			ok = error_set(&run->r->error, "your policy file '%s' cannot be read: %s",
				       file, err.msg);
		}
	}
	free(file);
	if (policy) {
		ok = iam_call(run, &rep, "PutRolePolicy", "RoleName", role, "PolicyName",
			      "app-access", "PolicyDocument", policy, NULL);
		if (!ok)
			call_failed(run, step, "PutRolePolicy", &rep);
		client_reply_release(&rep);
	}
	free(policy);
	free(role);
	return ok;
}

/* Take a role down: its inline policies, its attachments, then the role. */
static void delete_role(struct run *run, const char *role)
{
	struct lambda_reply rep;
	iam_call(run, &rep, "ListRolePolicies", "RoleName", role, NULL);
	cJSON *names = xml_texts(rep.body, "member");
	client_reply_release(&rep);
	for (const cJSON *n = names->child; n; n = n->next) {
		iam_call(run, &rep, "DeleteRolePolicy", "RoleName", role, "PolicyName",
			 n->valuestring, NULL);
		client_reply_release(&rep);
	}
	cJSON_Delete(names);
	iam_call(run, &rep, "ListAttachedRolePolicies", "RoleName", role, NULL);
	cJSON *arns = xml_texts(rep.body, "PolicyArn");
	client_reply_release(&rep);
	for (const cJSON *a = arns->child; a; a = a->next) {
		iam_call(run, &rep, "DetachRolePolicy", "RoleName", role, "PolicyArn",
			 a->valuestring, NULL);
		client_reply_release(&rep);
	}
	cJSON_Delete(arns);
	iam_call(run, &rep, "DeleteRole", "RoleName", role, NULL);
	client_reply_release(&rep);
}

static bool do_ssm_put(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	char *name = arg_text(args, "parameter"), *value = arg_text(args, "value");
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "Name", name ? name : "");
	cJSON_AddStringToObject(req, "Value", value ? value : "");
	char *type = arg_text(args, "parameter_type");
	cJSON_AddStringToObject(req, "Type", type ? type : "String");
	free(type);
	cJSON_AddTrueToObject(req, "Overwrite");
	struct lambda_reply rep;
	bool ok = json_target(run, "AmazonSSM.PutParameter", req, &rep);
	if (!ok)
		call_failed(run, step, "PutParameter", &rep);
	client_reply_release(&rep);
	cJSON_Delete(req);
	free(name);
	free(value);
	return ok;
}

/* A secret with value as its current version: CreateSecret, or PutSecretValue when it is
 * there already. */
static bool do_secret_put(struct run *run, const struct exercise_step *step, const cJSON *args)
{
	char *name = arg_text(args, "secret"), *value = arg_text(args, "value");
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "Name", name ? name : "");
	cJSON_AddStringToObject(req, "SecretString", value ? value : "");
	struct lambda_reply rep;
	bool ok = json_target(run, "secretsmanager.CreateSecret", req, &rep);
	if (!ok && rep.body && strstr(rep.body, "ResourceExistsException")) {
		client_reply_release(&rep);
		cJSON_DeleteItemFromObjectCaseSensitive(req, "Name");
		cJSON_AddStringToObject(req, "SecretId", name ? name : "");
		ok = json_target(run, "secretsmanager.PutSecretValue", req, &rep);
	}
	if (!ok)
		call_failed(run, step, "CreateSecret", &rep);
	client_reply_release(&rep);
	cJSON_Delete(req);
	free(name);
	free(value);
	return ok;
}

/* Whether a grant's action allows every action of a service ("*", "ssm:*"). */
static bool action_wild(const char *a)
{
	const char *colon = strchr(a, ':');
	return strcmp(a, "*") == 0 || (colon && strcmp(colon + 1, "*") == 0);
}

/*
 * Whether role may do what a `denies` entry names ({action, resource}, ACCOUNT in it the
 * run's account, or {action, secret}: that secret's ARN), asked of the cloud's policy
 * evaluation (GET /_tutor/iam/decide). Unknown (a failed question) counts as allowed.
 */
static bool role_may(struct run *run, const char *role, const cJSON *d)
{
	char acct[16];
	run_account(run, acct);
	char *action = arg_text(d, "action"), *resource = arg_text(d, "resource");
	char *secret = arg_text(d, "secret");
	struct lambda_reply rep;
	if (secret) {
		cJSON *req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "SecretId", secret);
		bool ok = json_target(run, "secretsmanager.DescribeSecret", req, &rep);
		cJSON *res = ok ? cJSON_Parse(rep.body) : NULL;
		const cJSON *arn = cJSON_GetObjectItemCaseSensitive(res, "ARN");
		free(resource);
		resource = cJSON_IsString(arn) ? xstrdup(arn->valuestring) : NULL;
		cJSON_Delete(res);
		cJSON_Delete(req);
		client_reply_release(&rep);
	} else if (resource && strstr(resource, "ACCOUNT")) {
		char *at = strstr(resource, "ACCOUNT");
		char *full = xasprintf("%.*s%s%s", (int)(at - resource), resource, acct,
				       at + strlen("ACCOUNT"));
		free(resource);
		resource = full;
	}
	bool may = true;
	if (action && resource) {
		char *er = client_escape(role, false), *ea = client_escape(action, false);
		char *es = client_escape(resource, false);
		char *path =
			xasprintf("/_tutor/iam/decide?account=%s&role=%s&action=%s&resource=%s",
				  acct, er, ea, es);
		cJSON *o = client_request(run->control, "GET", path, NULL, NULL, NULL, 0, &rep)
				   ? cJSON_Parse(rep.body)
				   : NULL;
		may = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "allowed"));
		cJSON_Delete(o);
		client_reply_release(&rep);
		free(path);
		free(er);
		free(ea);
		free(es);
	}
	free(action);
	free(resource);
	free(secret);
	return may;
}

/*
 * The function's role's grants, from the least-privilege report (GET
 * /_tutor/iam/report/FUNCTION on the control socket): grants.role, grants.used and
 * grants.unused (each {policy, action, resource}), grants.wildcards (grants of every action of
 * a service or of every resource), grants.denied (calls refused) and grants.escapes (what
 * args' denies names that the role may do all the same).
 */
static bool do_role_grants(struct run *run, const cJSON *args, struct step_state *st)
{
	char acct[16];
	char *esc = client_escape(run->ex->function, false);
	char *path = xasprintf("/_tutor/iam/report/%s?account=%s", esc, run_account(run, acct));
	struct lambda_reply rep;
	bool ok = client_request(run->control, "GET", path, NULL, NULL, NULL, 0, &rep);
	cJSON *o = ok ? cJSON_Parse(rep.body) : NULL;
	free(path);
	free(esc);
	if (!o) {
		st->call_error = xasprintf("the least-privilege report: %s",
					   rep.body ? rep.body : "no answer");
		client_reply_release(&rep);
		return true;
	}
	client_reply_release(&rep);
	double wild = 0, denied = 0;
	static const char *const lists[] = { "used", "unused" };
	for (size_t i = 0; i < 2; i++) {
		const cJSON *g;
		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(o, lists[i]))
		{
			const cJSON *a = cJSON_GetObjectItemCaseSensitive(g, "action");
			const cJSON *r = cJSON_GetObjectItemCaseSensitive(g, "resource");
			if ((cJSON_IsString(a) && action_wild(a->valuestring)) ||
			    (cJSON_IsString(r) && strcmp(r->valuestring, "*") == 0))
				wild++;
		}
	}
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(o, "calls"))
	{
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(c, "decision");
		if (cJSON_IsString(d) && strstr(d->valuestring, "deny"))
			denied++;
	}
	cJSON_AddNumberToObject(o, "wildcards", wild);
	cJSON_AddNumberToObject(o, "denied", denied);
	const cJSON *role = cJSON_GetObjectItemCaseSensitive(o, "role"), *d;
	double escapes = 0;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(args, "denies"))
	{
		if (!cJSON_IsString(role) || role_may(run, role->valuestring, d))
			escapes++;
	}
	cJSON_AddNumberToObject(o, "escapes", escapes);
	st->values = cJSON_CreateObject();
	cJSON_AddItemToObject(st->values, "grants", o);
	return true;
}

/* ---- scenarios: the application in the learner's own account ---- */

/*
 * What a scenario's setup names (buckets, queues, tables) as this run's own, so that its check
 * can find a queue's URL or a table's stream, and a teardown removes them. What the learner
 * deleted is not found, and the step that needs it says so.
 */
static void scenario_discover(struct run *run)
{
	for (size_t i = 0; i < run->ex->n_setup; i++) {
		const struct exercise_step *step = &run->ex->setup[i];
		cJSON *args =
			step->args ? materialize(run, step->args, "the step's arguments") : NULL;
		char *name = NULL;
		struct lambda_reply rep;
		if (step->kind == STEP_CREATE_BUCKET && (name = arg_text(args, "bucket"))) {
			cJSON_AddItemToArray(run->buckets, cJSON_CreateString(name));
		} else if (step->kind == STEP_CREATE_QUEUE && (name = arg_text(args, "queue"))) {
			cJSON *req = cJSON_CreateObject();
			cJSON_AddStringToObject(req, "QueueName", name);
			bool ok = json_target(run, "AmazonSQS.GetQueueUrl", req, &rep);
			cJSON *res = ok ? cJSON_Parse(rep.body) : NULL;
			const cJSON *url = cJSON_GetObjectItemCaseSensitive(res, "QueueUrl");
			client_reply_release(&rep);
			cJSON_Delete(req);
			if (cJSON_IsString(url)) {
				cJSON *q = cJSON_CreateObject();
				cJSON_AddStringToObject(q, "url", url->valuestring);
				char acct[16];
				char *arn = xasprintf("arn:aws:sqs:%s:%s:%s", AWS_REGION_NAME,
						      run_account(run, acct), name);
				cJSON_AddStringToObject(q, "arn", arn);
				free(arn);
				cJSON_AddItemToObject(run->queues, name, q);
			}
			cJSON_Delete(res);
		} else if (step->kind == STEP_CREATE_ROLE && (name = arg_text(args, "role"))) {
			cJSON_AddItemToArray(run->roles, cJSON_CreateString(name));
		} else if (step->kind == STEP_CREATE_TABLE && (name = arg_text(args, "table"))) {
			cJSON *req = cJSON_CreateObject(), *res = NULL;
			cJSON_AddStringToObject(req, "TableName", name);
			if (ddb_call(run, step, "DescribeTable", req, &res)) {
				const cJSON *arn = cJSON_GetObjectItemCaseSensitive(
					cJSON_GetObjectItemCaseSensitive(res, "Table"),
					"LatestStreamArn");
				cJSON *t = cJSON_CreateObject();
				if (cJSON_IsString(arn))
					cJSON_AddStringToObject(t, "stream", arn->valuestring);
				cJSON_AddItemToObject(run->tables, name, t);
			}
			error_clear(&run->r->error);
			cJSON_Delete(res);
			cJSON_Delete(req);
		}
		free(name);
		cJSON_Delete(args);
	}
}

/* Take a scenario's application down: its mappings, function, log group and resources. */
static void scenario_teardown(struct run *run)
{
	scenario_discover(run);
	const char *fn = run->ex->function;
	char *esc = client_escape(fn, false);
	char *path = xasprintf("/2015-03-31/event-source-mappings/?FunctionName=%s", esc);
	struct lambda_reply rep;
	bool ok = client_request(run->client, "GET", path, NULL, NULL, NULL, 0, &rep);
	cJSON *res = ok ? cJSON_Parse(rep.body) : NULL;
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(res, "EventSourceMappings");
	for (const cJSON *m = list ? list->child : NULL; m; m = m->next) {
		const cJSON *uuid = cJSON_GetObjectItemCaseSensitive(m, "UUID");
		if (cJSON_IsString(uuid))
			cJSON_AddItemToArray(run->mappings, cJSON_CreateString(uuid->valuestring));
	}
	cJSON_Delete(res);
	client_reply_release(&rep);
	free(path);
	free(esc);
	client_delete_function(run->client, fn, &rep);
	client_reply_release(&rep);
	char *body = xasprintf("{\"logGroupName\":\"/aws/lambda/%s\"}", fn);
	client_logs(run->client, "DeleteLogGroup", body, &rep);
	client_reply_release(&rep);
	free(body);
	clean_up(run);
	for (const cJSON *r = run->roles->child; r; r = r->next)
		delete_role(run, r->valuestring);
	cJSON_Delete(run->roles);
	run->roles = cJSON_CreateArray();
	cJSON_Delete(run->buckets);
	cJSON_Delete(run->queues);
	cJSON_Delete(run->tables);
	cJSON_Delete(run->mappings);
	run->buckets = cJSON_CreateArray();
	run->queues = cJSON_CreateObject();
	run->tables = cJSON_CreateObject();
	run->mappings = cJSON_CreateArray();
	error_clear(&run->r->error);
}

void check_run(const struct exercise *ex, const struct check_opts *opts, struct check_result *out)
{
	memset(out, 0, sizeof(*out));
	int64_t t0 = clock_mono_ms();
	out->exercise = ex;
	out->code_dir = opts->code_dir;
	out->lang = opts->lang;
	out->n_tasks = ex->n_tasks;
	out->tasks = xcalloc(ex->n_tasks + 1, sizeof(*out->tasks));
	for (size_t i = 0; i < ex->n_tasks; i++) {
		out->tasks[i].task = &ex->tasks[i];
		out->tasks[i].pass = true;
	}
	bool scenario = ex->kind == EXERCISE_SCENARIO;
	struct run run = {
		.ex = ex, .opts = opts, .r = out, .steps = ex->steps, .n_steps = ex->n_steps
	};
	if (scenario && opts->scenario != CHECK_STEPS) {
		run.steps = opts->scenario == CHECK_SETUP ? ex->setup : NULL;
		run.n_steps = opts->scenario == CHECK_SETUP ? ex->n_setup : 0;
	}
	out->n_steps = run.n_steps;
	out->steps = xcalloc(run.n_steps + 1, sizeof(*out->steps));
	for (size_t i = 0; i < run.n_steps; i++)
		out->steps[i].step = &run.steps[i];

	client_cancel_on(opts->cancel);
	event_rng_seed(&run.rng, 0);
	run.buckets = cJSON_CreateArray();
	run.queues = cJSON_CreateObject();
	run.tables = cJSON_CreateObject();
	run.mappings = cJSON_CreateArray();
	run.roles = cJSON_CreateArray();
	char key[24] = "", secret[48] = "";
	bool ok = true;
	if (!opts->control ||
	    (ex->kind != EXERCISE_CODE && (!opts->access_key || !opts->secret_key))) {
		ok = error_set(&out->error, "the check was not told how to reach the cloud");
	} else {
		run.control = client_new_control(opts->control);
	}
	if (ok && ex->kind == EXERCISE_CODE) {
		ok = find_handler_file(ex, opts, &out->error) && fresh_account(&run, key, secret);
	} else if (ok) {
		snprintf(key, sizeof(key), "%s", opts->access_key);
		snprintf(secret, sizeof(secret), "%s", opts->secret_key);
	}
	if (ok)
		run.client = client_new(opts->endpoint, key, secret);
	if (ok)
		ok = draw_vars(&run);
	if (ok && scenario && opts->scenario != CHECK_STEPS) {
		scenario_teardown(&run);
	} else if (ok && scenario) {
		scenario_discover(&run);
		if (fetch_config(&run) && run.config) {
			char acct[16];
			snprintf(run.settle_account, sizeof(run.settle_account), "%s",
				 run_account(&run, acct));
		}
		run.config_tried = false; /* the steps see the configuration as it is then */
	}
	bool deployed = false;
	for (size_t i = 0; ok && i < run.n_steps; i++) {
		if (cancelled(&run)) {
			ok = error_set(&out->error, "the check was cancelled");
			out->cancelled = true;
			break;
		}
		if (opts->progress)
			opts->progress(opts->progress_ctx, out, i, false);
		int64_t s0 = clock_mono_ms();
		ok = run_step(&run, i);
		if (run.steps[i].kind == STEP_DEPLOY && ok)
			deployed = true;
		out->steps[i].ms = clock_mono_ms() - s0;
		out->steps[i].done = ok;
		if (!ok)
			out->steps[i].ok = false;
		if (opts->progress)
			opts->progress(opts->progress_ctx, out, i, true);
	}
	if (cancelled(&run)) {
		/* A call cut short by the cancel failed for that reason, whatever it says. */
		ok = false;
		out->cancelled = true;
		error_set(&out->error, "the check was cancelled");
	}
	client_cancel_on(NULL); /* what the run created is removed even after a cancel */
	if (scenario) {
		/* The application is the learner's: it stays, as they left it or as set up. */
		cJSON_Delete(run.buckets);
		cJSON_Delete(run.queues);
		cJSON_Delete(run.tables);
		cJSON_Delete(run.mappings);
		run.buckets = run.queues = run.tables = run.mappings = NULL;
		deployed = false;
	}
	if (deployed && !opts->keep) {
		struct lambda_reply rep;
		client_delete_function(run.client, ex->function, &rep);
		client_reply_release(&rep);
	}
	if (run.client && !opts->keep)
		clean_up(&run);
	if (run.account[0] && !opts->keep) {
		/* The fresh account goes, keys and all: a check leaves nothing behind. */
		char *path = xasprintf("/_tutor/accounts/%s", run.account);
		struct lambda_reply rep;
		client_request(run.control, "DELETE", path, NULL, NULL, NULL, 0, &rep);
		client_reply_release(&rep);
		free(path);
	}
	client_free(run.client);
	client_free(run.control);
	cJSON_Delete(run.vars);
	cJSON_Delete(run.buckets);
	cJSON_Delete(run.queues);
	cJSON_Delete(run.tables);
	cJSON_Delete(run.mappings);
	cJSON_Delete(run.roles);
	cJSON_Delete(run.config);
	free(run.config_error);
	for (size_t i = 0; i < out->n_tasks; i++) {
		if (!ok)
			out->tasks[i].pass = false;
		if (out->tasks[i].pass)
			out->n_passed++;
	}
	out->status = !ok ? CHECK_ERROR : out->n_passed == out->n_tasks ? CHECK_PASS : CHECK_FAIL;
	out->ms = clock_mono_ms() - t0;
}

void check_result_release(struct check_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_tasks; i++) {
		struct check_task_result *t = &r->tasks[i];
		free(t->step);
		free(t->event);
		free(t->got);
		free(t->expected);
		free(t->log);
		free(t->report_line);
	}
	free(r->tasks);
	for (size_t i = 0; i < r->n_steps; i++) {
		struct check_step_result *s = &r->steps[i];
		free(s->event);
		free(s->response);
		free(s->function_error);
		free(s->request_id);
		free(s->report_line);
	}
	free(r->steps);
	memset(r, 0, sizeof(*r));
}
