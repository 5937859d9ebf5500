/*
 * Power tuning over the local cloud's Lambda API.
 */
#include "check/tune.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/client.h"
#include "check/console.h"
#include "check/expect.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define MEMORY_MIN 128
#define MEMORY_MAX 10240
/* How long a copy may take to become Active or to finish an update. */
#define SETTLE_SECONDS 60
#define BAR_WIDTH      40

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

bool tune_parse_memory(const char *list, int *out, size_t *n, struct error *err)
{
	*n = 0;
	const char *p = list;
	if (!p || !*p)
		return error_set(err, "no memory sizes given");
	for (;;) {
		char *end = NULL;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (end == p || errno || (*end && *end != ','))
			return error_set(err, "memory sizes are whole MB separated by commas: '%s'",
					 list);
		if (v < MEMORY_MIN || v > MEMORY_MAX)
			return error_set(err, "memory size %ld MB is outside Lambda's %d-%d MB", v,
					 MEMORY_MIN, MEMORY_MAX);
		bool seen = false;
		for (size_t i = 0; i < *n; i++)
			seen |= out[i] == v;
		if (!seen) {
			if (*n == TUNE_MAX_SIZES)
				return error_set(err, "at most %d memory sizes", TUNE_MAX_SIZES);
			out[(*n)++] = (int)v;
		}
		if (!*end)
			break;
		p = end + 1;
	}
	qsort(out, *n, sizeof(*out), cmp_int);
	return true;
}

static const char *const strategy_names[] = { "cost", "speed", "balanced" };

bool tune_parse_strategy(const char *s, enum tune_strategy *out)
{
	for (int i = 0; i < 3; i++) {
		if (strcmp(s, strategy_names[i]) == 0) {
			*out = (enum tune_strategy)i;
			return true;
		}
	}
	return false;
}

const char *tune_strategy_name(enum tune_strategy s)
{
	return strategy_names[s];
}

static double norm(double v, double lo, double hi)
{
	return hi > lo ? (v - lo) / (hi - lo) : 0;
}

int tune_pick(const struct tune_point *p, size_t n, enum tune_strategy s)
{
	assert(n >= 1);
	double cmin = p[0].cost, cmax = p[0].cost, dmin = p[0].duration_ms, dmax = p[0].duration_ms;
	for (size_t i = 1; i < n; i++) {
		cmin = fmin(cmin, p[i].cost);
		cmax = fmax(cmax, p[i].cost);
		dmin = fmin(dmin, p[i].duration_ms);
		dmax = fmax(dmax, p[i].duration_ms);
	}
	int best = 0;
	double best_key = INFINITY, best_tie = INFINITY;
	for (size_t i = 0; i < n; i++) {
		double key, tie;
		switch (s) {
		case TUNE_COST:
			key = p[i].cost, tie = p[i].duration_ms;
			break;
		case TUNE_SPEED:
			key = p[i].duration_ms, tie = p[i].cost;
			break;
		default:
			key = 0.5 * norm(p[i].cost, cmin, cmax) +
			      0.5 * norm(p[i].duration_ms, dmin, dmax);
			tie = p[i].cost;
			break;
		}
		if (key < best_key || (key == best_key && tie < best_tie)) {
			best = (int)i;
			best_key = key;
			best_tie = tie;
		}
	}
	return best;
}

static double num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

bool tune_parse_report(const char *log, double *duration, double *billed, double *init)
{
	struct expect_report rep;
	if (expect_parse_report(log, &rep, NULL, NULL) && rep.duration >= 0 &&
	    rep.billed_duration >= 0) {
		*duration = rep.duration;
		*billed = rep.billed_duration;
		*init = rep.init_duration;
		return true;
	}
	bool found = false;
	const char *p = log ? log : "";
	while (*p && !found) {
		size_t n = strcspn(p, "\n");
		if (*p == '{' && memmem(p, n, "platform.report", 15)) {
			cJSON *o = cJSON_ParseWithLength(p, n);
			const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
			const cJSON *rec = cJSON_GetObjectItemCaseSensitive(o, "record");
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(rec, "metrics");
			if (cJSON_IsString(type) &&
			    strcmp(type->valuestring, "platform.report") == 0 &&
			    num(m, "durationMs", -1) >= 0 && num(m, "billedDurationMs", -1) >= 0) {
				*duration = num(m, "durationMs", -1);
				*billed = num(m, "billedDurationMs", -1);
				*init = num(m, "initDurationMs", -1);
				found = true;
			}
			cJSON_Delete(o);
		}
		p += n;
		if (*p)
			p++;
	}
	return found;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool reply_error(struct error *err, const char *what, const struct lambda_reply *r)
{
	char *why = client_reply_error(r);
	error_set(err, "%s: %s", what, why);
	free(why);
	return false;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Wait until the copy is Active and its last update done. */
static bool settle(struct lambda_client *c, const char *name, struct error *err)
{
	time_t until = time(NULL) + SETTLE_SECONDS;
	long wait = 20;
	for (;;) {
		struct lambda_reply r;
		if (!client_get_configuration(c, name, &r)) {
			reply_error(err, "reading the copy's configuration", &r);
			client_reply_release(&r);
			return false;
		}
		cJSON *o = cJSON_Parse(r.body);
		client_reply_release(&r);
		const char *state = jstr(o, "State");
		const char *update = jstr(o, "LastUpdateStatus");
		bool failed = (state && strcmp(state, "Failed") == 0) ||
			      (update && strcmp(update, "Failed") == 0);
		bool done = (!state || strcmp(state, "Active") == 0) &&
			    (!update || strcmp(update, "Successful") == 0);
		char reason[200];
		snprintf(reason, sizeof(reason), "%s",
			 jstr(o, "StateReason")              ? jstr(o, "StateReason")
			 : jstr(o, "LastUpdateStatusReason") ? jstr(o, "LastUpdateStatusReason")
							     : "no reason given");
		cJSON_Delete(o);
		if (failed)
			return error_set(err, "the copy %s failed: %s", name, reason);
		if (done)
			return true;
		if (time(NULL) > until)
			return error_set(err, "the copy %s did not become ready in %d s", name,
					 SETTLE_SECONDS);
		nap_ms(wait);
		wait = wait < 500 ? wait * 2 : 500;
	}
}

/* CreateFunction's request for the copy, from GetFunction's Configuration. */
static char *copy_request(const cJSON *cfg, const char *copy, int memory, const char *zip_b64)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "FunctionName", copy);
	static const char *const same[] = { "Runtime", "Role",          "Handler",
					    "Timeout", "Architectures", "EphemeralStorage",
					    NULL };
	for (size_t i = 0; same[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, same[i]);
		if (v)
			cJSON_AddItemToObject(req, same[i], cJSON_Duplicate(v, true));
	}
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(cfg, "Environment");
	const cJSON *vars = cJSON_GetObjectItemCaseSensitive(env, "Variables");
	if (cJSON_IsObject(vars))
		cJSON_AddItemToObject(cJSON_AddObjectToObject(req, "Environment"), "Variables",
				      cJSON_Duplicate(vars, true));
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(cfg, "Layers");
	if (cJSON_GetArraySize(layers) > 0) {
		cJSON *arns = cJSON_AddArrayToObject(req, "Layers");
		const cJSON *l;
		cJSON_ArrayForEach(l, layers)
		{
			const char *arn = jstr(l, "Arn");
			if (arn)
				cJSON_AddItemToArray(arns, cJSON_CreateString(arn));
		}
	}
	cJSON_AddNumberToObject(req, "MemorySize", memory);
	cJSON_AddStringToObject(req, "Description", "power tuning copy");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(req, "Code"), "ZipFile", zip_b64);
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	return body;
}

/* Read the function and make its copy at the first size. */
static bool make_copy(struct lambda_client *c, const struct tune_opts *o, struct tune_result *out,
		      struct error *err)
{
	bool ok = false;
	struct lambda_reply r, z, d;
	memset(&z, 0, sizeof(z));
	memset(&d, 0, sizeof(d));
	cJSON *fn = NULL;
	char *b64 = NULL, *body = NULL;
	if (!client_get_function(c, o->function, &r)) {
		reply_error(err, o->function, &r);
		goto out;
	}
	fn = cJSON_Parse(r.body);
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(fn, "Configuration");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(fn, "Code");
	const char *name = jstr(cfg, "FunctionName");
	const char *loc = jstr(code, "Location");
	const char *type = jstr(cfg, "PackageType");
	if (!name) {
		error_set(err, "%s: the cloud's answer has no configuration", o->function);
		goto out;
	}
	if ((type && strcmp(type, "Zip") != 0) || !loc) {
		error_set(err, "%s: only functions packaged as a .zip can be tuned", name);
		goto out;
	}
	snprintf(out->function, sizeof(out->function), "%s", name);
	snprintf(out->copy, sizeof(out->copy), "%.59s-tune", name);
	snprintf(out->runtime, sizeof(out->runtime), "%s",
		 jstr(cfg, "Runtime") ? jstr(cfg, "Runtime") : "");
	const cJSON *archs = cJSON_GetObjectItemCaseSensitive(cfg, "Architectures");
	const cJSON *a0 = cJSON_GetArrayItem(archs, 0);
	out->arm64 = cJSON_IsString(a0) && strcmp(a0->valuestring, "arm64") == 0;
	if (!client_fetch(c, loc, &z) || z.status != 200) {
		reply_error(err, "fetching the function's code", &z);
		goto out;
	}
	b64 = client_base64_encode(z.body, z.len);
	body = copy_request(cfg, out->copy, o->memory[0], b64);
	client_delete_function(c, out->copy, &d); /* a copy an interrupted run left */
	client_reply_release(&d);
	if (!client_request(c, "POST", "/2015-03-31/functions", NULL, NULL, body, strlen(body),
			    &d)) {
		reply_error(err, "creating the copy", &d);
		goto out;
	}
	ok = settle(c, out->copy, err);
out:
	client_reply_release(&r);
	client_reply_release(&z);
	client_reply_release(&d);
	cJSON_Delete(fn);
	free(b64);
	free(body);
	return ok;
}

/* One call: its Duration, Billed Duration and Init Duration. */
static bool call_once(struct lambda_client *c, const struct tune_opts *o, const char *copy,
		      int memory, double *dur, double *billed, double *init, struct error *err)
{
	struct lambda_reply r;
	bool ok = client_invoke(c, copy, o->payload, &r);
	if (!ok) {
		char what[120];
		snprintf(what, sizeof(what), "invoking at %d MB", memory);
		reply_error(err, what, &r);
	} else if (r.function_error) {
		cJSON *p = cJSON_Parse(r.body);
		const char *msg = jstr(p, "errorMessage");
		error_set(err, "the function failed at %d MB (%s): %s", memory, r.function_error,
			  msg      ? msg
			  : r.body ? r.body
				   : "");
		cJSON_Delete(p);
		ok = false;
	} else if (!tune_parse_report(r.log, dur, billed, init)) {
		error_set(err, "no REPORT in the log of a call at %d MB", memory);
		ok = false;
	}
	client_reply_release(&r);
	return ok;
}

static bool run_size(struct lambda_client *c, const struct tune_opts *o, struct tune_result *out,
		     size_t k, struct error *err)
{
	int memory = o->memory[k];
	struct tune_point *p = &out->points[k];
	memset(p, 0, sizeof(*p));
	p->memory = memory;
	if (k > 0) {
		struct lambda_reply r;
		bool ok = client_update_configuration(c, out->copy, memory, 0, NULL, &r);
		if (!ok)
			reply_error(err, "setting the copy's memory", &r);
		client_reply_release(&r);
		if (!ok || !settle(c, out->copy, err))
			return false;
	}
	double dur, billed, init;
	if (!call_once(c, o, out->copy, memory, &dur, &billed, &init, err))
		return false;
	p->init_ms = init;
	if (o->progress)
		o->progress(o->arg, memory, 0, o->invocations);
	double sum_d = 0, sum_b = 0, sum_c = 0;
	for (int i = 1; i <= o->invocations; i++) {
		if (o->cancel && *o->cancel)
			return error_set(err, "the tuning was stopped");
		if (!call_once(c, o, out->copy, memory, &dur, &billed, &init, err))
			return false;
		sum_d += dur;
		sum_b += billed;
		sum_c += console_cost(billed, memory, out->arm64);
		if (o->progress)
			o->progress(o->arg, memory, i, o->invocations);
	}
	p->duration_ms = sum_d / o->invocations;
	p->billed_ms = sum_b / o->invocations;
	p->cost = sum_c / o->invocations;
	return true;
}

bool tune_run(struct lambda_client *c, const struct tune_opts *o, struct tune_result *out,
	      struct error *err)
{
	assert(o->n_memory >= 1 && o->n_memory <= TUNE_MAX_SIZES && o->invocations >= 1);
	memset(out, 0, sizeof(*out));
	bool made = make_copy(c, o, out, err), ok = made;
	for (size_t k = 0; ok && k < o->n_memory; k++) {
		if (o->cancel && *o->cancel) {
			ok = error_set(err, "the tuning was stopped");
			break;
		}
		ok = run_size(c, o, out, k, err);
		if (ok)
			out->n = k + 1;
	}
	if (made) {
		struct lambda_reply d;
		client_delete_function(c, out->copy, &d);
		client_reply_release(&d);
	}
	if (ok)
		out->best = tune_pick(out->points, out->n, o->strategy);
	return ok;
}

static void bar(struct strbuf *sb, double v, double max)
{
	int n = max > 0 ? (int)(v / max * BAR_WIDTH + 0.5) : 0;
	if (n < 1 && v > 0)
		n = 1;
	for (int i = 0; i < n; i++)
		strbuf_addch(sb, '#');
}

char *tune_report(const struct tune_result *r, const struct tune_opts *o)
{
	assert(r->n >= 1);
	struct strbuf sb = STRBUF_INIT;
	double dmax = 0, cmax = 0;
	for (size_t i = 0; i < r->n; i++) {
		dmax = fmax(dmax, r->points[i].duration_ms);
		cmax = fmax(cmax, r->points[i].cost);
	}
	strbuf_addf(&sb, "Power tuning of %s (%s, %s): %d calls at each size after one warm-up\n\n",
		    r->function, r->runtime, r->arm64 ? "arm64" : "x86_64", o->invocations);
	strbuf_addstr(&sb, "  Memory   Avg duration  Billed     Cost per 1M calls   Cold start\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct tune_point *p = &r->points[i];
		char init[32] = "-";
		if (p->init_ms >= 0)
			snprintf(init, sizeof(init), "%.0f ms", p->init_ms);
		strbuf_addf(&sb, "%s %5d MB %10.1f ms %7.0f ms   $%12.4f      %s\n",
			    (int)i == r->best ? "*" : " ", p->memory, p->duration_ms, p->billed_ms,
			    p->cost * 1e6, init);
	}
	strbuf_addstr(&sb, "\nDuration against memory\n");
	for (size_t i = 0; i < r->n; i++) {
		strbuf_addf(&sb, "  %5d MB |", r->points[i].memory);
		bar(&sb, r->points[i].duration_ms, dmax);
		strbuf_addf(&sb, " %.1f ms\n", r->points[i].duration_ms);
	}
	strbuf_addstr(&sb, "\nCost against memory\n");
	for (size_t i = 0; i < r->n; i++) {
		strbuf_addf(&sb, "  %5d MB |", r->points[i].memory);
		bar(&sb, r->points[i].cost, cmax);
		strbuf_addf(&sb, " $%.4f per 1M\n", r->points[i].cost * 1e6);
	}
	const struct tune_point *b = &r->points[r->best];
	strbuf_addf(&sb, "\nRecommended (%s): %d MB, %.1f ms and $%.4f per million calls.\n",
		    tune_strategy_name(o->strategy), b->memory, b->duration_ms, b->cost * 1e6);
	strbuf_addf(&sb,
		    "Set it with: aws lambda update-function-configuration --function-name %s "
		    "--memory-size %d\n",
		    r->function, b->memory);
	return strbuf_detach(&sb);
}

static cJSON *point_json(const struct tune_point *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "memoryMB", p->memory);
	cJSON_AddNumberToObject(o, "averageDurationMs", round(p->duration_ms * 100) / 100);
	cJSON_AddNumberToObject(o, "averageBilledDurationMs", round(p->billed_ms * 100) / 100);
	if (p->init_ms >= 0)
		cJSON_AddNumberToObject(o, "initDurationMs", p->init_ms);
	cJSON_AddNumberToObject(o, "averageCostUSD", p->cost);
	return o;
}

char *tune_json(const struct tune_result *r, const struct tune_opts *o)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "function", r->function);
	cJSON_AddStringToObject(j, "runtime", r->runtime);
	cJSON_AddStringToObject(j, "architecture", r->arm64 ? "arm64" : "x86_64");
	cJSON_AddNumberToObject(j, "invocations", o->invocations);
	cJSON_AddStringToObject(j, "strategy", tune_strategy_name(o->strategy));
	cJSON *list = cJSON_AddArrayToObject(j, "results");
	for (size_t i = 0; i < r->n; i++)
		cJSON_AddItemToArray(list, point_json(&r->points[i]));
	if (r->n)
		cJSON_AddItemToObject(j, "recommended", point_json(&r->points[r->best]));
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}
