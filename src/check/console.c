/*
 * The console's model.
 */
#include "check/console.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/events.h"
#include "check/expect.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

/* Lambda's bounds. */
#define MEMORY_MIN  128
#define MEMORY_MAX  10240
#define TIMEOUT_MAX 900
#define ENV_MAX     4096
/* Lambda's price in us-east-1: per GB-second (x86, arm64) and per request. */
#define PRICE_GB_S_X86   0.0000166667
#define PRICE_GB_S_ARM64 0.0000133334
#define PRICE_REQUEST    0.0000002
/* Provisioned concurrency: per GB-second kept configured, and the duration of what it serves. */
#define PRICE_PC_GB_S_X86    0.0000041667
#define PRICE_PC_GB_S_ARM64  0.0000033334
#define PRICE_PC_DUR_S_X86   0.0000097222
#define PRICE_PC_DUR_S_ARM64 0.0000077778

const struct console_template console_templates[] = {
	{ "hello-world", "Hello World", NULL, NULL },
	{ "apigateway-aws-proxy", "API Gateway AWS Proxy", "apigateway", "aws-proxy" },
	{ "s3-put", "S3 Put", "s3", "put" },
	{ "sns-notification", "SNS Topic Notification", "sns", "notification" },
	{ "sqs-receive-message", "SQS Receive Message", "sqs", "receive-message" },
	{ "cloudwatch-scheduled-event", "EventBridge (CloudWatch Events) Scheduled Event",
	  "cloudwatch", "scheduled-event" },
};
const size_t console_template_count = sizeof(console_templates) / sizeof(console_templates[0]);

char *console_template_json(const struct console_template *t)
{
	if (!t->service)
		return console_pretty("{\"key1\": \"value1\", \"key2\": \"value2\", "
				      "\"key3\": \"value3\"}");
	struct error err;
	error_clear(&err);
	char *text = events_generate(t->service, t->type, NULL, &err);
	return text ? text : xstrdup("{}");
}

static char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return xstrdup(cJSON_IsString(v) ? v->valuestring : "");
}

static void fill(struct console_fn *f, const cJSON *o)
{
	memset(f, 0, sizeof(*f));
	f->name = str(o, "FunctionName");
	f->runtime = str(o, "Runtime");
	f->handler = str(o, "Handler");
	f->modified = str(o, "LastModified");
	f->state = str(o, "State");
	f->sha = str(o, "CodeSha256");
	const cJSON *archs = cJSON_GetObjectItemCaseSensitive(o, "Architectures");
	const cJSON *a0 = cJSON_IsArray(archs) ? cJSON_GetArrayItem(archs, 0) : NULL;
	f->arch = xstrdup(cJSON_IsString(a0) ? a0->valuestring : "x86_64");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "MemorySize");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "Timeout");
	const cJSON *z = cJSON_GetObjectItemCaseSensitive(o, "CodeSize");
	f->memory = cJSON_IsNumber(m) ? m->valueint : 0;
	f->timeout = cJSON_IsNumber(t) ? t->valueint : 0;
	f->code_size = cJSON_IsNumber(z) ? (long long)z->valuedouble : 0;
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(o, "Environment");
	const cJSON *vars = env ? cJSON_GetObjectItemCaseSensitive(env, "Variables") : NULL;
	f->env = cJSON_IsObject(vars) ? cJSON_PrintUnformatted(vars) : xstrdup("{}");
}

bool console_parse_config(const char *json, struct console_fn *out)
{
	cJSON *o = cJSON_Parse(json ? json : "");
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return false;
	}
	fill(out, o);
	cJSON_Delete(o);
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct console_fn *)a)->name, ((const struct console_fn *)b)->name);
}

bool console_parse_functions(const char *json, struct console_fn **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	cJSON *o = cJSON_Parse(json ? json : "");
	const cJSON *list = o ? cJSON_GetObjectItemCaseSensitive(o, "Functions") : NULL;
	if (!cJSON_IsArray(list)) {
		cJSON_Delete(o);
		return false;
	}
	int k = cJSON_GetArraySize(list);
	*out = xcalloc((size_t)k + 1, sizeof(**out));
	for (const cJSON *f = list->child; f; f = f->next)
		if (cJSON_IsObject(f))
			fill(&(*out)[(*n)++], f);
	qsort(*out, *n, sizeof(**out), by_name);
	cJSON_Delete(o);
	return true;
}

void console_fn_release(struct console_fn *f)
{
	if (!f)
		return;
	free(f->name);
	free(f->runtime);
	free(f->handler);
	free(f->modified);
	free(f->state);
	free(f->sha);
	free(f->arch);
	free(f->env);
	memset(f, 0, sizeof(*f));
}

void console_fns_free(struct console_fn *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		console_fn_release(&v[i]);
	free(v);
}

bool console_valid_name(const char *name, char *why, size_t n)
{
	size_t len = strlen(name);
	if (len == 0 || len > 64) {
		snprintf(why, n, "a function name has 1 to 64 characters");
		return false;
	}
	for (const char *p = name; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
			snprintf(why, n,
				 "a function name may only use letters, digits, '-' and '_'");
			return false;
		}
	}
	return true;
}

static bool parse_int(const char *text, long *v)
{
	char *end;
	if (!text[0])
		return false;
	*v = strtol(text, &end, 10);
	return *end == '\0';
}

bool console_valid_memory(const char *text, int *mb, char *why, size_t n)
{
	long v;
	if (!parse_int(text, &v) || v < MEMORY_MIN || v > MEMORY_MAX) {
		snprintf(why, n, "memory must be a whole number of MB from %d to %d", MEMORY_MIN,
			 MEMORY_MAX);
		return false;
	}
	*mb = (int)v;
	return true;
}

bool console_valid_timeout(const char *text, int *s, char *why, size_t n)
{
	long v;
	if (!parse_int(text, &v) || v < 1 || v > TIMEOUT_MAX) {
		snprintf(why, n, "the timeout must be a whole number of seconds from 1 to %d",
			 TIMEOUT_MAX);
		return false;
	}
	*s = (int)v;
	return true;
}

/* Variables Lambda sets itself: a function may not set them. */
static const char *const reserved[] = {
	"_HANDLER",
	"_X_AMZN_TRACE_ID",
	"AWS_DEFAULT_REGION",
	"AWS_REGION",
	"AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE",
	"AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_ACCESS_KEY",
	"AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN",
	"AWS_LAMBDA_RUNTIME_API",
	"LAMBDA_TASK_ROOT",
	"LAMBDA_RUNTIME_DIR",
	NULL,
};

char *console_env_apply(const char *env, const char *assignment, char *why, size_t n)
{
	const char *eq = strchr(assignment, '=');
	if (!eq) {
		snprintf(why, n, "write KEY=VALUE, or KEY= to remove KEY");
		return NULL;
	}
	char *key = xstrndup(assignment, (size_t)(eq - assignment));
	bool ok = strlen(key) >= 2 && isalpha((unsigned char)key[0]);
	for (const char *p = key; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '_';
	if (!ok) {
		snprintf(why, n,
			 "a variable name starts with a letter and has at least 2 characters from "
			 "[A-Za-z0-9_]");
		free(key);
		return NULL;
	}
	for (size_t i = 0; reserved[i]; i++) {
		if (strcmp(key, reserved[i]) == 0) {
			snprintf(why, n, "%s is reserved: Lambda sets it itself", key);
			free(key);
			return NULL;
		}
	}
	cJSON *vars = cJSON_Parse(env && env[0] ? env : "{}");
	if (!cJSON_IsObject(vars)) {
		cJSON_Delete(vars);
		vars = cJSON_CreateObject();
	}
	cJSON_DeleteItemFromObjectCaseSensitive(vars, key);
	if (eq[1])
		cJSON_AddStringToObject(vars, key, eq + 1);
	char *out = cJSON_PrintUnformatted(vars);
	cJSON_Delete(vars);
	free(key);
	if (strlen(out) > ENV_MAX) {
		snprintf(why, n, "environment variables are limited to 4 KB in all");
		free(out);
		return NULL;
	}
	return out;
}

const char *console_default_file(enum exercise_lang lang)
{
	return lang == EXERCISE_NODEJS ? "index.mjs" : "lambda_function.py";
}

const char *console_default_handler(enum exercise_lang lang)
{
	return lang == EXERCISE_NODEJS ? "index.handler" : "lambda_function.lambda_handler";
}

const char *console_default_runtime(enum exercise_lang lang)
{
	return lang == EXERCISE_NODEJS ? "nodejs22.x" : "python3.13";
}

const char *console_default_code(enum exercise_lang lang)
{
	if (lang == EXERCISE_NODEJS)
		return "export const handler = async (event) => {\n"
		       "  // TODO implement\n"
		       "  const response = {\n"
		       "    statusCode: 200,\n"
		       "    body: JSON.stringify('Hello from Lambda!'),\n"
		       "  };\n"
		       "  return response;\n"
		       "};\n";
	return "import json\n\n"
	       "def lambda_handler(event, context):\n"
	       "    # TODO implement\n"
	       "    return {\n"
	       "        'statusCode': 200,\n"
	       "        'body': json.dumps('Hello from Lambda!')\n"
	       "    }\n";
}

char *console_streams_request(const char *function, int max)
{
	cJSON *req = cJSON_CreateObject();
	char *group = xasprintf("/aws/lambda/%s", function);
	cJSON_AddStringToObject(req, "logGroupName", group);
	free(group);
	cJSON_AddStringToObject(req, "orderBy", "LastEventTime");
	cJSON_AddTrueToObject(req, "descending");
	cJSON_AddNumberToObject(req, "limit", max);
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	return body;
}

char *console_stream_events_request(const char *function, const char *stream, int limit)
{
	cJSON *req = cJSON_CreateObject();
	char *group = xasprintf("/aws/lambda/%s", function);
	cJSON_AddStringToObject(req, "logGroupName", group);
	free(group);
	cJSON_AddStringToObject(req, "logStreamName", stream);
	cJSON_AddFalseToObject(req, "startFromHead");
	cJSON_AddNumberToObject(req, "limit", limit);
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	return body;
}

bool console_parse_streams(const char *json, char ***names, size_t *n)
{
	*names = NULL;
	*n = 0;
	cJSON *o = cJSON_Parse(json ? json : "");
	const cJSON *list = o ? cJSON_GetObjectItemCaseSensitive(o, "logStreams") : NULL;
	if (!cJSON_IsArray(list)) {
		cJSON_Delete(o);
		return false;
	}
	const cJSON *s;
	cJSON_ArrayForEach(s, list)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(s, "logStreamName");
		if (!cJSON_IsString(name))
			continue;
		*names = xreallocarray(*names, *n + 1, sizeof(**names));
		(*names)[(*n)++] = xstrdup(name->valuestring);
	}
	cJSON_Delete(o);
	return true;
}

bool console_parse_log_events(const char *json, const char *stream, struct console_log_event **v,
			      size_t *n, char **next)
{
	*next = NULL;
	cJSON *o = cJSON_Parse(json ? json : "");
	const cJSON *events = o ? cJSON_GetObjectItemCaseSensitive(o, "events") : NULL;
	if (!cJSON_IsArray(events)) {
		cJSON_Delete(o);
		return false;
	}
	const cJSON *e;
	cJSON_ArrayForEach(e, events)
	{
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(e, "timestamp");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(e, "logStreamName");
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		struct console_log_event *ev = &(*v)[*n];
		ev->seq = (*n)++;
		ev->timestamp = cJSON_IsNumber(ts) ? (long long)ts->valuedouble : 0;
		ev->stream = xstrdup(cJSON_IsString(st) ? st->valuestring : stream ? stream : "");
		ev->message = str(e, "message");
	}
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(o, "nextToken");
	if (cJSON_IsString(tok) && tok->valuestring[0])
		*next = xstrdup(tok->valuestring);
	cJSON_Delete(o);
	return true;
}

static int by_time(const void *a, const void *b)
{
	const struct console_log_event *x = a, *y = b;
	if (x->timestamp != y->timestamp)
		return x->timestamp < y->timestamp ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void console_log_events_sort(struct console_log_event *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), by_time);
}

void console_log_events_free(struct console_log_event *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].stream);
		free(v[i].message);
	}
	free(v);
}

double console_cost(double billed_ms, int memory_mb, bool arm64)
{
	double gb_s = billed_ms / 1000.0 * memory_mb / 1024.0;
	return gb_s * (arm64 ? PRICE_GB_S_ARM64 : PRICE_GB_S_X86) + PRICE_REQUEST;
}

void console_invocations_provisioned(struct console_invocation *inv, size_t n,
				     const char *records_json, bool arm64)
{
	cJSON *o = cJSON_Parse(records_json ? records_json : "");
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(o, "Invocations"))
	{
		const char *id =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "RequestId"));
		if (!id || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "Provisioned")))
			continue;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(inv[i].request_id, id) != 0)
				continue;
			double gb_s = inv[i].billed / 1000.0 * inv[i].memory / 1024.0;
			inv[i].provisioned = true;
			inv[i].cost = gb_s * (arm64 ? PRICE_PC_DUR_S_ARM64 : PRICE_PC_DUR_S_X86) +
				      PRICE_REQUEST;
		}
	}
	cJSON_Delete(o);
}

char *console_provisioned_lines(const char *list_json, int memory_mb, bool arm64)
{
	cJSON *o = cJSON_Parse(list_json ? list_json : "");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "ProvisionedConcurrencyConfigs");
	struct strbuf sb = STRBUF_INIT;
	const cJSON *p;
	cJSON_ArrayForEach(p, list)
	{
		const cJSON *arn = cJSON_GetObjectItemCaseSensitive(p, "FunctionArn");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(
			p, "RequestedProvisionedConcurrentExecutions");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(p, "Status");
		const char *q = cJSON_IsString(arn) ? strrchr(arn->valuestring, ':') : NULL;
		int envs = cJSON_IsNumber(n) ? n->valueint : 0;
		double hour = memory_mb / 1024.0 * envs * 3600 *
			      (arm64 ? PRICE_PC_GB_S_ARM64 : PRICE_PC_GB_S_X86);
		strbuf_addf(&sb,
			    "%s: %d x %d MB %s, $%.4f an hour kept configured (billed from "
			    "enabling to disabling, in 5-minute steps); what it serves: $%.10f "
			    "per GB-s and the request\n",
			    q ? q + 1 : "?", envs, memory_mb,
			    cJSON_IsString(st) ? st->valuestring : "", hour,
			    arm64 ? PRICE_PC_DUR_S_ARM64 : PRICE_PC_DUR_S_X86);
	}
	cJSON_Delete(o);
	return strbuf_detach(&sb);
}

char *console_alias_lines(const char *list_json)
{
	cJSON *o = cJSON_Parse(list_json ? list_json : "");
	struct strbuf sb = STRBUF_INIT;
	const cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(o, "Aliases"))
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "Name");
		const cJSON *ver = cJSON_GetObjectItemCaseSensitive(a, "FunctionVersion");
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(a, "RoutingConfig"),
			"AdditionalVersionWeights");
		double extra = 0;
		const cJSON *e;
		cJSON_ArrayForEach(e, w)
		{
			if (cJSON_IsNumber(e))
				extra += e->valuedouble;
		}
		strbuf_addf(&sb, "%s: version %s %g%%",
			    cJSON_IsString(name) ? name->valuestring : "?",
			    cJSON_IsString(ver) ? ver->valuestring : "?", 100 * (1 - extra));
		cJSON_ArrayForEach(e, w)
		{
			if (cJSON_IsNumber(e))
				strbuf_addf(&sb, ", version %s %g%%", e->string,
					    100 * e->valuedouble);
		}
		strbuf_addch(&sb, '\n');
	}
	cJSON_Delete(o);
	return strbuf_detach(&sb);
}

size_t console_invocations(const struct console_log_event *v, size_t n, bool arm64,
			   struct console_invocation *out, size_t max)
{
	size_t k = 0;
	for (size_t i = n; i-- > 0 && k < max;) {
		const char *m = v[i].message;
		if (strncmp(m, "REPORT RequestId: ", 18) != 0)
			continue;
		struct expect_report r;
		if (!expect_parse_report(m, &r, NULL, NULL))
			continue;
		struct console_invocation *inv = &out[k++];
		memset(inv, 0, sizeof(*inv));
		inv->timestamp = v[i].timestamp;
		size_t id_len = strcspn(m + 18, "\t \r\n");
		if (id_len >= sizeof(inv->request_id))
			id_len = sizeof(inv->request_id) - 1;
		memcpy(inv->request_id, m + 18, id_len);
		inv->duration = r.duration;
		inv->billed = r.billed_duration;
		inv->init = r.init_duration > 0 ? r.init_duration : -1;
		inv->memory = (int)r.memory_size;
		inv->used = (int)r.max_memory_used;
		inv->cost = console_cost(inv->billed, inv->memory, arm64);
	}
	return k;
}

char *console_pretty(const char *text)
{
	cJSON *j = cJSON_Parse(text ? text : "");
	if (!j)
		return xstrdup(text ? text : "");
	char *t = cJSON_Print(j);
	cJSON_Delete(j);
	/* cJSON indents with tabs; two spaces read better in a narrow pane. */
	size_t tabs = 0;
	for (const char *p = t; *p; p++)
		tabs += *p == '\t';
	char *out = xmalloc(strlen(t) + tabs + 1), *o = out;
	for (const char *p = t; *p; p++) {
		if (*p == '\t' && p > t && p[-1] == ':') {
			*o++ = ' ';
		} else if (*p == '\t') {
			*o++ = ' ';
			*o++ = ' ';
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	free(t);
	return out;
}

const char *const console_metric_titles[CONSOLE_METRICS] = {
	"invocations",       "errors",
	"throttles",         "duration p50 (ms)",
	"duration p99 (ms)", "concurrent executions",
	"cost (USD)",
};

static const char *const metric_ids[CONSOLE_METRICS] = { "invocations", "errors", "throttles",
							 "p50",         "p99",    "concurrency",
							 "cost" };

/* The window's end: the end of the period now is in. */
static long long window_end(long long end_s, int period_s)
{
	return end_s / period_s * period_s + period_s;
}

char *console_metrics_request(const char *function, long long end_s, int period_s, int memory_mb,
			      bool arm64)
{
	assert(period_s >= 60 && period_s % 60 == 0);
	static const struct {
		const char *id, *metric, *stat;
	} q[] = {
		{ "invocations", "Invocations", "Sum" },
		{ "errors", "Errors", "Sum" },
		{ "throttles", "Throttles", "Sum" },
		{ "p50", "Duration", "p50" },
		{ "p99", "Duration", "p99" },
		{ "concurrency", "ConcurrentExecutions", "Maximum" },
		{ "duration", "Duration", "Sum" }, /* for the cost only */
	};
	long long end = window_end(end_s, period_s);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "StartTime", (double)(end - CONSOLE_MINUTES * period_s));
	cJSON_AddNumberToObject(r, "EndTime", (double)end);
	cJSON *qs = cJSON_AddArrayToObject(r, "MetricDataQueries");
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		cJSON *one = cJSON_CreateObject();
		cJSON_AddStringToObject(one, "Id", q[i].id);
		cJSON *ms = cJSON_AddObjectToObject(one, "MetricStat");
		cJSON *m = cJSON_AddObjectToObject(ms, "Metric");
		cJSON_AddStringToObject(m, "Namespace", "AWS/Lambda");
		cJSON_AddStringToObject(m, "MetricName", q[i].metric);
		cJSON *dims = cJSON_AddArrayToObject(m, "Dimensions");
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "Name", "FunctionName");
		cJSON_AddStringToObject(d, "Value", function);
		cJSON_AddItemToArray(dims, d);
		cJSON_AddNumberToObject(ms, "Period", period_s);
		cJSON_AddStringToObject(ms, "Stat", q[i].stat);
		if (strcmp(q[i].id, "duration") == 0)
			cJSON_AddFalseToObject(one, "ReturnData");
		cJSON_AddItemToArray(qs, one);
	}
	/* What the period's calls cost: GB-seconds at the memory, plus the requests. (Billed
	 * duration rounds each call up to a millisecond: Duration's sum is a hair under it.) */
	char expr[200];
	snprintf(expr, sizeof(expr), "duration / 1000 * %d / 1024 * %.10f + invocations * %.7f",
		 memory_mb, arm64 ? PRICE_GB_S_ARM64 : PRICE_GB_S_X86, PRICE_REQUEST);
	cJSON *cost = cJSON_CreateObject();
	cJSON_AddStringToObject(cost, "Id", "cost");
	cJSON_AddStringToObject(cost, "Expression", expr);
	cJSON_AddItemToArray(qs, cost);
	char *out = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	return out;
}

long long console_clock_now_s(const char *json, long long fallback_s)
{
	cJSON *j = json ? cJSON_Parse(json) : NULL;
	const cJSON *now = cJSON_GetObjectItemCaseSensitive(j, "now");
	long long s = cJSON_IsNumber(now) && now->valuedouble > 0
			      ? (long long)(now->valuedouble / 1000.0)
			      : fallback_s;
	cJSON_Delete(j);
	return s;
}

bool console_parse_metrics(const char *json, long long end_s, int period_s,
			   struct console_series out[CONSOLE_METRICS])
{
	const char *const *ids = metric_ids;
	memset(out, 0, CONSOLE_METRICS * sizeof(*out));
	cJSON *r = cJSON_Parse(json);
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(r, "MetricDataResults");
	bool ok = cJSON_IsArray(res);
	long long start = window_end(end_s, period_s) - (long long)CONSOLE_MINUTES * period_s;
	const cJSON *it;
	for (it = ok ? res->child : NULL; it; it = it->next) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "Id");
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(it, "Timestamps");
		const cJSON *vs = cJSON_GetObjectItemCaseSensitive(it, "Values");
		size_t k = 0;
		while (k < CONSOLE_METRICS &&
		       !(cJSON_IsString(id) && strcmp(ids[k], id->valuestring) == 0))
			k++;
		if (k == CONSOLE_METRICS || !cJSON_IsArray(ts) || !cJSON_IsArray(vs))
			continue;
		int n = cJSON_GetArraySize(ts);
		for (int i = 0; i < n && i < cJSON_GetArraySize(vs); i++) {
			const cJSON *t = cJSON_GetArrayItem(ts, i), *v = cJSON_GetArrayItem(vs, i);
			if (!cJSON_IsNumber(t) || !cJSON_IsNumber(v))
				continue;
			long long slot = ((long long)t->valuedouble - start) / period_s;
			if (slot < 0 || slot >= CONSOLE_MINUTES)
				continue;
			out[k].v[slot] = v->valuedouble;
			out[k].has[slot] = true;
		}
	}
	cJSON_Delete(r);
	return ok;
}

void console_spark(const struct console_series *s, char *out, double *max)
{
	static const char *const blocks[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	*max = 0;
	for (size_t i = 0; i < CONSOLE_MINUTES; i++)
		if (s->has[i] && s->v[i] > *max)
			*max = s->v[i];
	size_t at = 0;
	for (size_t i = 0; i < CONSOLE_MINUTES; i++) {
		if (!s->has[i]) {
			out[at++] = '.';
			continue;
		}
		int b = *max > 0 ? (int)(s->v[i] / *max * 7.0 + 0.5) : 0;
		b = b < 0 ? 0 : b > 7 ? 7 : b;
		memcpy(out + at, blocks[b], 3);
		at += 3;
	}
	out[at] = '\0';
}

char *console_alarms_of(const char *json, const char *function)
{
	cJSON *r = cJSON_Parse(json);
	const cJSON *alarms = cJSON_GetObjectItemCaseSensitive(r, "MetricAlarms");
	if (!cJSON_IsArray(alarms)) {
		cJSON_Delete(r);
		return NULL;
	}
	char *want = xasprintf("\"Value\":\"%s\"", function);
	size_t cap = 1, len = 0;
	char *out = xcalloc(1, 1);
	const cJSON *a;
	cJSON_ArrayForEach(a, alarms)
	{
		char *text = cJSON_PrintUnformatted(a);
		bool mine = text && strstr(text, "\"FunctionName\"") && strstr(text, want);
		free(text);
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "AlarmName");
		const cJSON *state = cJSON_GetObjectItemCaseSensitive(a, "StateValue");
		if (!mine || !cJSON_IsString(name) || !cJSON_IsString(state))
			continue;
		char *line = xasprintf("%s %s\n", name->valuestring, state->valuestring);
		size_t n = strlen(line);
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = xrealloc(out, cap);
		}
		memcpy(out + len, line, n + 1);
		len += n;
		free(line);
	}
	free(want);
	cJSON_Delete(r);
	return out;
}

/* ---- traces as waterfalls ---- */

#define WATERFALL_DEPTH 12  /* deeper subsegments are left out */
#define WATERFALL_LINES 120 /* lines a trace at most */

struct wf_item {
	const cJSON *node; /* a segment or subsegment (a document, or nested in one) */
	double start, end;
};

static double wf_num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static const char *wf_str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static int wf_by_start(const void *a, const void *b)
{
	double x = ((const struct wf_item *)a)->start, y = ((const struct wf_item *)b)->start;
	return (x > y) - (x < y);
}

struct wf_trace {
	cJSON **docs;
	size_t n;
	double t0, t1;
	int cols;
	size_t lines;
	struct strbuf *out;
	const cJSON *linked; /* the traces links point to (a BatchGetTraces answer), or NULL */
};

/* The children of node: its nested subsegments, and the documents whose parent_id is its id. */
static size_t wf_children(const struct wf_trace *t, const cJSON *node, struct wf_item *out,
			  size_t max)
{
	size_t k = 0;
	const cJSON *sub;
	cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(node, "subsegments"))
	{
		if (k < max && cJSON_IsObject(sub))
			out[k++] = (struct wf_item){ sub, wf_num(sub, "start_time", 0),
						     wf_num(sub, "end_time", 0) };
	}
	const char *id = wf_str(node, "id");
	for (size_t i = 0; id && i < t->n && k < max; i++) {
		const char *parent = wf_str(t->docs[i], "parent_id");
		if (parent && strcmp(parent, id) == 0 && t->docs[i] != node)
			out[k++] =
				(struct wf_item){ t->docs[i], wf_num(t->docs[i], "start_time", 0),
						  wf_num(t->docs[i], "end_time", 0) };
	}
	qsort(out, k, sizeof(*out), wf_by_start);
	return k;
}

static void wf_line(struct wf_trace *t, const struct wf_item *it, int depth)
{
	if (t->lines >= WATERFALL_LINES)
		return;
	t->lines++;
	const char *name = wf_str(it->node, "name");
	const char *kind = wf_str(it->node, "origin");
	if (!kind)
		kind = wf_str(it->node, "namespace");
	char label[64];
	snprintf(label, sizeof(label), "%*s%s", depth * 2, "", name ? name : "?");
	double span = t->t1 > t->t0 ? t->t1 - t->t0 : 1e-9;
	double end = it->end >= it->start ? it->end : it->start;
	int a = (int)((it->start - t->t0) / span * t->cols);
	int b = (int)((end - t->t0) / span * t->cols + 0.999);
	a = a < 0 ? 0 : a >= t->cols ? t->cols - 1 : a;
	b = b <= a ? a + 1 : b > t->cols ? t->cols : b;
	strbuf_addf(t->out, "%-26.26s %-22.22s |", label, kind ? kind : "");
	for (int c = 0; c < t->cols; c++)
		strbuf_addstr(t->out, c >= a && c < b ? "█" : " ");
	strbuf_addf(t->out, "| %8.1f ms", (end - it->start) * 1000);
	static const char *const flags[] = { "fault", "error", "throttle" };
	for (size_t f = 0; f < 3; f++)
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it->node, flags[f])))
			strbuf_addf(t->out, "  %s", flags[f]);
	strbuf_addch(t->out, '\n');
}

/* The segment or nested subsegment of node (a document) whose id is id, or NULL. */
static const cJSON *wf_find(const cJSON *node, const char *id, int depth)
{
	const char *own = wf_str(node, "id");
	if (own && strcmp(own, id) == 0)
		return node;
	const cJSON *sub;
	cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(node, "subsegments"))
	{
		const cJSON *found = depth < WATERFALL_DEPTH ? wf_find(sub, id, depth + 1) : NULL;
		if (found)
			return found;
	}
	return NULL;
}

/* Append what sent a linked message, "NAME (ORIGIN)", when its trace is in t->linked. */
static void wf_producer(const struct wf_trace *t, const char *trace_id, const char *id)
{
	const cJSON *tr;
	cJSON_ArrayForEach(tr, cJSON_GetObjectItemCaseSensitive(t->linked, "Traces"))
	{
		const char *tid = wf_str(tr, "Id");
		if (!tid || strcmp(tid, trace_id) != 0)
			continue;
		const cJSON *seg;
		cJSON_ArrayForEach(seg, cJSON_GetObjectItemCaseSensitive(tr, "Segments"))
		{
			cJSON *d =
				cJSON_Parse(wf_str(seg, "Document") ? wf_str(seg, "Document") : "");
			const cJSON *found = d ? wf_find(d, id, 0) : NULL;
			if (found) {
				const char *name = wf_str(found, "name");
				const char *kind = wf_str(found, "origin");
				if (!kind)
					kind = wf_str(found, "namespace");
				strbuf_addf(t->out, " %s", name ? name : "?");
				if (kind)
					strbuf_addf(t->out, " (%s)", kind);
			}
			cJSON_Delete(d);
			if (found)
				return;
		}
	}
	strbuf_addf(t->out, " segment %s", id);
}

/* The traces a segment links to (an SQS batch's other messages'), one line each under it, as
 * the X-Ray console joins a batch to its producers with a dashed edge. */
static void wf_links(struct wf_trace *t, const cJSON *node, int depth)
{
	const cJSON *l;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(node, "links"))
	{
		const char *tid = wf_str(l, "trace_id"), *id = wf_str(l, "id");
		if (!tid || !id || t->lines >= WATERFALL_LINES)
			continue;
		t->lines++;
		strbuf_addf(t->out, "%*s┄ linked: %s from", depth * 2 + 2, "", tid);
		wf_producer(t, tid, id);
		strbuf_addch(t->out, '\n');
	}
}

static void wf_tree(struct wf_trace *t, const struct wf_item *it, int depth)
{
	wf_line(t, it, depth);
	wf_links(t, it->node, depth);
	if (depth >= WATERFALL_DEPTH)
		return;
	struct wf_item kids[64];
	size_t n = wf_children(t, it->node, kids, sizeof(kids) / sizeof(kids[0]));
	for (size_t i = 0; i < n; i++)
		wf_tree(t, &kids[i], depth + 1);
}

/* Whether id is one of the trace's documents' or their nested subsegments'. */
static bool wf_known(const cJSON *node, const char *id, int depth)
{
	const char *own = wf_str(node, "id");
	if (own && strcmp(own, id) == 0)
		return true;
	const cJSON *sub;
	cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(node, "subsegments"))
	{
		if (depth < WATERFALL_DEPTH && wf_known(sub, id, depth + 1))
			return true;
	}
	return false;
}

static void wf_trace_lines(const cJSON *trace, const cJSON *linked, int cols, struct strbuf *out)
{
	struct wf_trace t = { .cols = cols, .out = out, .t0 = 0, .t1 = 0, .linked = linked };
	const cJSON *segs = cJSON_GetObjectItemCaseSensitive(trace, "Segments");
	t.docs = xcalloc((size_t)cJSON_GetArraySize(segs) + 1, sizeof(*t.docs));
	const cJSON *seg;
	cJSON_ArrayForEach(seg, segs)
	{
		cJSON *d = cJSON_Parse(wf_str(seg, "Document") ? wf_str(seg, "Document") : "");
		if (!cJSON_IsObject(d)) {
			cJSON_Delete(d);
			continue;
		}
		double s = wf_num(d, "start_time", 0), e = wf_num(d, "end_time", s);
		if (t.n == 0 || s < t.t0)
			t.t0 = s;
		if (t.n == 0 || e > t.t1)
			t.t1 = e;
		t.docs[t.n++] = d;
	}
	bool fault = false, error = false;
	for (size_t i = 0; i < t.n; i++) {
		fault |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t.docs[i], "fault"));
		error |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t.docs[i], "error"));
	}
	const char *id = wf_str(trace, "Id");
	strbuf_addf(out, "%s  %.1f ms%s\n", id ? id : "?", (t.t1 - t.t0) * 1000,
		    fault   ? "  fault"
		    : error ? "  error"
			    : "");
	/* The roots: documents whose parent is not in the trace (the caller's, or none). */
	struct wf_item roots[64];
	size_t n = 0;
	for (size_t i = 0; i < t.n && n < sizeof(roots) / sizeof(roots[0]); i++) {
		const char *parent = wf_str(t.docs[i], "parent_id");
		bool inside = false;
		for (size_t j = 0; parent && j < t.n && !inside; j++)
			inside = j != i && wf_known(t.docs[j], parent, 0);
		if (!inside)
			roots[n++] =
				(struct wf_item){ t.docs[i], wf_num(t.docs[i], "start_time", 0),
						  wf_num(t.docs[i], "end_time", 0) };
	}
	qsort(roots, n, sizeof(*roots), wf_by_start);
	for (size_t i = 0; i < n; i++)
		wf_tree(&t, &roots[i], 0);
	for (size_t i = 0; i < t.n; i++)
		cJSON_Delete(t.docs[i]);
	free(t.docs);
}

static int wf_newest_first(const void *a, const void *b)
{
	double x = ((const struct wf_item *)a)->start, y = ((const struct wf_item *)b)->start;
	return (x < y) - (x > y);
}

/* The earliest start_time of a trace's documents. */
static double wf_trace_start(const cJSON *trace)
{
	double t = 0;
	bool any = false;
	const cJSON *seg;
	cJSON_ArrayForEach(seg, cJSON_GetObjectItemCaseSensitive(trace, "Segments"))
	{
		const char *doc = wf_str(seg, "Document");
		cJSON *d = doc ? cJSON_Parse(doc) : NULL;
		double s = wf_num(d, "start_time", -1);
		if (s >= 0 && (!any || s < t)) {
			t = s;
			any = true;
		}
		cJSON_Delete(d);
	}
	return t;
}

char *console_trace_waterfall(const char *json, const char *linked, int bar_cols)
{
	cJSON *r = cJSON_Parse(json);
	cJSON *lk = linked ? cJSON_Parse(linked) : NULL;
	const cJSON *traces = cJSON_GetObjectItemCaseSensitive(r, "Traces");
	if (!cJSON_IsArray(traces)) {
		cJSON_Delete(r);
		return NULL;
	}
	size_t n = 0, cap = (size_t)cJSON_GetArraySize(traces);
	struct wf_item *order = xcalloc(cap + 1, sizeof(*order));
	const cJSON *t;
	cJSON_ArrayForEach(t, traces)
	{
		order[n] = (struct wf_item){ t, wf_trace_start(t), 0 };
		n++;
	}
	qsort(order, n, sizeof(*order), wf_newest_first);
	struct strbuf out = STRBUF_INIT;
	strbuf_addstr(&out, "");
	for (size_t i = 0; i < n; i++)
		wf_trace_lines(order[i].node, lk, bar_cols < 4 ? 4 : bar_cols, &out);
	free(order);
	cJSON_Delete(lk);
	cJSON_Delete(r);
	return strbuf_detach(&out);
}

/* Add to ids the trace ids node and its subsegments link to, once each. */
static void wf_link_ids(const cJSON *node, cJSON *ids, int depth)
{
	const cJSON *l;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(node, "links"))
	{
		const char *tid = wf_str(l, "trace_id");
		bool seen = !tid;
		const cJSON *e;
		cJSON_ArrayForEach(e, ids)
		{
			seen |= tid && strcmp(e->valuestring, tid) == 0;
		}
		if (!seen && cJSON_GetArraySize(ids) < CONSOLE_LINKED_MAX)
			cJSON_AddItemToArray(ids, cJSON_CreateString(tid));
	}
	const cJSON *sub;
	cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(node, "subsegments"))
	{
		if (depth < WATERFALL_DEPTH)
			wf_link_ids(sub, ids, depth + 1);
	}
}

cJSON *console_trace_links(const char *json)
{
	cJSON *r = cJSON_Parse(json);
	const cJSON *traces = cJSON_GetObjectItemCaseSensitive(r, "Traces");
	cJSON *ids = cJSON_CreateArray();
	const cJSON *t, *seg;
	cJSON_ArrayForEach(t, traces)
	{
		cJSON_ArrayForEach(seg, cJSON_GetObjectItemCaseSensitive(t, "Segments"))
		{
			cJSON *d =
				cJSON_Parse(wf_str(seg, "Document") ? wf_str(seg, "Document") : "");
			if (cJSON_IsObject(d))
				wf_link_ids(d, ids, 0);
			cJSON_Delete(d);
		}
	}
	/* Not those the answer holds already. */
	cJSON_ArrayForEach(t, traces)
	{
		const char *id = wf_str(t, "Id");
		for (int i = cJSON_GetArraySize(ids); id && i-- > 0;)
			if (strcmp(cJSON_GetArrayItem(ids, i)->valuestring, id) == 0)
				cJSON_DeleteItemFromArray(ids, i);
	}
	cJSON_Delete(r);
	return ids;
}

/* A grant's resource: a string, or a list of them joined by ", ". Caller frees. */
static char *grant_resource(const cJSON *r)
{
	if (cJSON_IsString(r))
		return xstrdup(r->valuestring);
	struct strbuf sb = STRBUF_INIT;
	const cJSON *e;
	cJSON_ArrayForEach(e, r)
	{
		if (!cJSON_IsString(e))
			continue;
		if (sb.len)
			strbuf_addstr(&sb, ", ");
		strbuf_addstr(&sb, e->valuestring);
	}
	return sb.len ? strbuf_detach(&sb) : (strbuf_release(&sb), xstrdup("*"));
}

char *console_grants_of(const char *json)
{
	cJSON *o = cJSON_Parse(json);
	const cJSON *calls = cJSON_GetObjectItemCaseSensitive(o, "calls");
	if (!cJSON_IsArray(calls)) {
		cJSON_Delete(o);
		return NULL;
	}
	struct strbuf sb = STRBUF_INIT;
	const cJSON *x;
	cJSON_ArrayForEach(x, calls)
	{
		const char *a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "action"));
		const char *r =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "resource"));
		const char *d =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "decision"));
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(x, "count");
		if (a && r && d && cJSON_IsNumber(n))
			strbuf_addf(&sb, "call %s %s %.0f %s\n", a, r, n->valuedouble, d);
	}
	static const char *const lists[] = { "used", "unused" };
	for (size_t i = 0; i < 2; i++) {
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(o, lists[i]))
		{
			const char *a =
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "action"));
			if (!a)
				a = cJSON_GetStringValue(
					cJSON_GetObjectItemCaseSensitive(x, "notAction"));
			char *r = grant_resource(cJSON_GetObjectItemCaseSensitive(x, "resource"));
			if (a)
				strbuf_addf(&sb, "%s %s %s\n", lists[i], a, r);
			free(r);
		}
	}
	cJSON_Delete(o);
	return sb.len ? strbuf_detach(&sb) : (strbuf_release(&sb), xcalloc(1, 1));
}
