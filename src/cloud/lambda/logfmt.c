/*
 * Lambda's platform log lines, tab-separated with the trailing tab of the real service.
 */
#include "cloud/lambda/logfmt.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "cloud/http/aws.h"
#include "core/strutil.h"

void lambda_log_init_start(struct strbuf *sb, const char *runtime_version, const char *arn_hex)
{
	strbuf_addf(sb,
		    "INIT_START Runtime Version: %s\tRuntime Version ARN: "
		    "arn:aws:lambda:" AWS_REGION_NAME "::runtime:%s",
		    runtime_version, arn_hex);
}

void lambda_log_start(struct strbuf *sb, const char *request_id, const char *version)
{
	strbuf_addf(sb, "START RequestId: %s Version: %s", request_id, version);
}

void lambda_log_end(struct strbuf *sb, const char *request_id)
{
	strbuf_addf(sb, "END RequestId: %s", request_id);
}

void lambda_log_report(struct strbuf *sb, const struct lambda_report *r)
{
	strbuf_addf(sb,
		    "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %lld ms\t"
		    "Memory Size: %d MB\tMax Memory Used: %d MB\t",
		    r->request_id, r->duration_ms, r->billed_ms, r->memory_mb, r->max_used_mb);
	if (r->init_ms >= 0)
		strbuf_addf(sb, "Init Duration: %.2f ms\t", r->init_ms);
	if (r->status && strcmp(r->status, "error") == 0 && r->error_type)
		strbuf_addf(sb, "Status: error\tError Type: %s", r->error_type);
	else if (r->status)
		strbuf_addf(sb, "Status: %s", r->status);
}

void lambda_log_timeout(struct strbuf *sb, long long epoch_ms, const char *request_id,
			double seconds)
{
	char ts[32];
	aws_time_iso(epoch_ms, ts);
	strbuf_addf(sb, "%s %s Task timed out after %.2f seconds", ts, request_id, seconds);
}

cJSON *lambda_logj_init_start(const char *runtime_version, const char *arn_hex, const char *fn_name,
			      const char *fn_version)
{
	cJSON *r = cJSON_CreateObject();
	char arn[160];
	snprintf(arn, sizeof(arn), "arn:aws:lambda:" AWS_REGION_NAME "::runtime:%s", arn_hex);
	cJSON_AddStringToObject(r, "initializationType", "on-demand");
	cJSON_AddStringToObject(r, "phase", "init");
	cJSON_AddStringToObject(r, "runtimeVersion", runtime_version);
	cJSON_AddStringToObject(r, "runtimeVersionArn", arn);
	cJSON_AddStringToObject(r, "functionName", fn_name);
	cJSON_AddStringToObject(r, "functionVersion", fn_version);
	return r;
}

cJSON *lambda_logj_start(const char *request_id, const char *version, const char *trace_header)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "requestId", request_id);
	cJSON_AddStringToObject(r, "version", version);
	if (trace_header && strstr(trace_header, "Sampled=1")) {
		cJSON *t = cJSON_AddObjectToObject(r, "tracing");
		const char *parent = strstr(trace_header, "Parent=");
		if (parent) {
			char span[17];
			snprintf(span, sizeof(span), "%s", parent + 7);
			cJSON_AddStringToObject(t, "spanId", span);
		}
		cJSON_AddStringToObject(t, "type", "X-Amzn-Trace-Id");
		cJSON_AddStringToObject(t, "value", trace_header);
	}
	return r;
}

/* JSON numbers with the two decimals of the text lines. */
static void add_ms(cJSON *o, const char *k, double ms)
{
	cJSON_AddNumberToObject(o, k, (double)(long long)(ms * 100 + 0.5) / 100);
}

cJSON *lambda_logj_runtime_done(const char *request_id, const char *status, double duration_ms)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "requestId", request_id);
	cJSON_AddStringToObject(r, "status", status);
	cJSON *m = cJSON_AddObjectToObject(r, "metrics");
	add_ms(m, "durationMs", duration_ms);
	return r;
}

cJSON *lambda_logj_report(const struct lambda_report *rep)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "requestId", rep->request_id);
	cJSON *m = cJSON_AddObjectToObject(r, "metrics");
	add_ms(m, "durationMs", rep->duration_ms);
	cJSON_AddNumberToObject(m, "billedDurationMs", (double)rep->billed_ms);
	cJSON_AddNumberToObject(m, "memorySizeMB", rep->memory_mb);
	cJSON_AddNumberToObject(m, "maxMemoryUsedMB", rep->max_used_mb);
	if (rep->init_ms >= 0)
		add_ms(m, "initDurationMs", rep->init_ms);
	cJSON_AddStringToObject(r, "status", rep->status ? rep->status : "success");
	if (rep->status && strcmp(rep->status, "error") == 0 && rep->error_type &&
	    rep->error_type[0])
		cJSON_AddStringToObject(r, "errorType", rep->error_type);
	return r;
}

cJSON *lambda_logj_init_report(double init_ms, const char *status, const char *error_type)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "initializationType", "on-demand");
	cJSON_AddStringToObject(r, "phase", "init");
	cJSON_AddStringToObject(r, "status", status);
	if (error_type && error_type[0])
		cJSON_AddStringToObject(r, "errorType", error_type);
	cJSON *m = cJSON_AddObjectToObject(r, "metrics");
	add_ms(m, "durationMs", init_ms);
	return r;
}

void lambda_log_json(struct strbuf *sb, long long epoch_ms, const char *type, cJSON *record)
{
	char ts[32];
	aws_time_iso(epoch_ms, ts);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "time", ts);
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddItemToObject(o, "record", record);
	char *text = cJSON_PrintUnformatted(o);
	strbuf_addstr(sb, text);
	cJSON_free(text);
	cJSON_Delete(o);
}

static void emit(struct log_splitter *ls, log_lines_fn fn, void *ctx)
{
	struct log_line one = { strbuf_str(&ls->line), ls->line.len };
	if (one.len > 0 && one.text[one.len - 1] == '\r')
		one.len--;
	fn(ctx, &one, 1);
	strbuf_reset(&ls->line);
}

void log_splitter_feed_lines(struct log_splitter *ls, const char *data, size_t len, log_lines_fn fn,
			     void *ctx)
{
	struct log_line lines[LOG_LINES_BATCH];
	size_t n = 0;
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t chunk = nl ? (size_t)(nl - data) : len;
		if (nl && !ls->skipping && ls->line.len == 0) {
			/* A whole line: handed over where it is, cut on a character past the
			 * limit (the rest of it dropped). */
			size_t take = chunk <= LOG_EVENT_MAX ? chunk
							     : str_utf8_whole(data, LOG_EVENT_MAX);
			if (take > 0 && data[take - 1] == '\r')
				take--;
			lines[n++] = (struct log_line){ data, take };
			if (n == LOG_LINES_BATCH) {
				fn(ctx, lines, n);
				n = 0;
			}
			data += chunk + 1;
			len -= chunk + 1;
			continue;
		}
		/* A line begun in an earlier feed, or not ended in this one: through ls->line,
		 * after the lines before it. */
		if (n > 0) {
			fn(ctx, lines, n);
			n = 0;
		}
		if (!ls->skipping) {
			size_t room = LOG_EVENT_MAX - ls->line.len;
			size_t take = chunk < room ? chunk : room;
			strbuf_add(&ls->line, data, take);
			if (take < chunk) {
				/* Over the limit: emit what fits (whole characters), drop the
				 * rest of the line. */
				strbuf_setlen(&ls->line,
					      str_utf8_whole(ls->line.buf, ls->line.len));
				emit(ls, fn, ctx);
				ls->skipping = true;
			}
		}
		if (nl) {
			if (!ls->skipping)
				emit(ls, fn, ctx);
			ls->skipping = false;
			chunk++;
		}
		data += chunk;
		len -= chunk;
	}
	if (n > 0)
		fn(ctx, lines, n);
}

struct one_by_one {
	log_event_fn fn;
	void *ctx;
};

static void each_line(void *ctx, const struct log_line *lines, size_t n)
{
	const struct one_by_one *o = ctx;
	for (size_t i = 0; i < n; i++)
		o->fn(o->ctx, lines[i].text, lines[i].len);
}

void log_splitter_feed(struct log_splitter *ls, const char *data, size_t len, log_event_fn fn,
		       void *ctx)
{
	struct one_by_one o = { fn, ctx };
	log_splitter_feed_lines(ls, data, len, each_line, &o);
}

void log_splitter_flush(struct log_splitter *ls, log_event_fn fn, void *ctx)
{
	struct one_by_one o = { fn, ctx };
	if (ls->line.len > 0 && !ls->skipping)
		emit(ls, each_line, &o);
	strbuf_reset(&ls->line);
	ls->skipping = false;
}

void log_splitter_release(struct log_splitter *ls)
{
	strbuf_release(&ls->line);
	ls->skipping = false;
}
