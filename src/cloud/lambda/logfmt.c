/*
 * Lambda's platform log lines, tab-separated with the trailing tab of the real service.
 */
#include "cloud/lambda/logfmt.h"

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

static void emit(struct log_splitter *ls, log_event_fn fn, void *ctx)
{
	size_t n = ls->line.len;
	if (n > 0 && ls->line.buf[n - 1] == '\r')
		n--;
	fn(ctx, strbuf_str(&ls->line), n);
	strbuf_reset(&ls->line);
}

void log_splitter_feed(struct log_splitter *ls, const char *data, size_t len, log_event_fn fn,
		       void *ctx)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t chunk = nl ? (size_t)(nl - data) : len;
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
}

void log_splitter_flush(struct log_splitter *ls, log_event_fn fn, void *ctx)
{
	if (ls->line.len > 0 && !ls->skipping)
		emit(ls, fn, ctx);
	strbuf_reset(&ls->line);
	ls->skipping = false;
}

void log_splitter_release(struct log_splitter *ls)
{
	strbuf_release(&ls->line);
	ls->skipping = false;
}
