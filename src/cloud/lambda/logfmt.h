/*
 * The platform's own log lines (INIT_START, START, END, REPORT, the timeout line) exactly as
 * Lambda writes them, and the splitting of a process's output into CloudWatch log events.
 */
#ifndef CLOUD_LAMBDA_LOGFMT_H
#define CLOUD_LAMBDA_LOGFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/strbuf.h"

struct cJSON;

/* CloudWatch's event limit is 256 KB including 26 bytes of overhead per event. */
#define LOG_EVENT_MAX (262144 - 26)

struct lambda_report {
	const char *request_id;
	double duration_ms;
	long long billed_ms;
	int memory_mb;
	int max_used_mb;
	double init_ms;         /* < 0: not a cold start */
	const char *status;     /* NULL, "timeout" or "error" */
	const char *error_type; /* with status "error" */
};

void lambda_log_init_start(struct strbuf *sb, const char *runtime_version, const char *arn_hex);
void lambda_log_start(struct strbuf *sb, const char *request_id, const char *version);
void lambda_log_end(struct strbuf *sb, const char *request_id);
void lambda_log_report(struct strbuf *sb, const struct lambda_report *r);
/* "2026-11-27T05:30:00.123Z <id> Task timed out after 3.00 seconds" */
void lambda_log_timeout(struct strbuf *sb, long long epoch_ms, const char *request_id,
			double seconds);

/*
 * The same events in the JSON log format, as records {"time", "type", "record"}: the record of
 * each type (caller frees), then lambda_log_json() to write one. Lambda writes platform.initStart,
 * platform.start, platform.report and platform.initReport at INFO, platform.runtimeDone at DEBUG;
 * END and the timeout line have no JSON form (the report's status tells a timeout).
 */
struct cJSON *lambda_logj_init_start(const char *runtime_version, const char *arn_hex,
				     const char *fn_name, const char *fn_version);
struct cJSON *lambda_logj_start(const char *request_id, const char *version,
				const char *trace_header);
struct cJSON *lambda_logj_runtime_done(const char *request_id, const char *status,
				       double duration_ms);
struct cJSON *lambda_logj_report(const struct lambda_report *r);
struct cJSON *lambda_logj_init_report(double init_ms, const char *status, const char *error_type);
/* Writes {"time": <epoch_ms as ISO 8601>, "type": type, "record": record}; frees record. */
void lambda_log_json(struct strbuf *sb, long long epoch_ms, const char *type, struct cJSON *record);

/*
 * Splits a byte stream into events, one per line ("\n", with a preceding "\r" dropped). A line
 * longer than LOG_EVENT_MAX becomes one truncated event and the rest of it is skipped, so the
 * splitter never holds more than LOG_EVENT_MAX bytes.
 */
typedef void (*log_event_fn)(void *ctx, const char *line, size_t len);

/* A line handed over in place (not NUL-terminated), and a batch of them. */
struct log_line {
	const char *text;
	size_t len;
};
typedef void (*log_lines_fn)(void *ctx, const struct log_line *lines, size_t n);

/* The most lines log_splitter_feed_lines() hands over at once. */
#define LOG_LINES_BATCH 1024

struct log_splitter {
	struct strbuf line;
	bool skipping;
};

#define LOG_SPLITTER_INIT          \
	{                          \
		STRBUF_INIT, false \
	}

void log_splitter_feed(struct log_splitter *ls, const char *data, size_t len, log_event_fn fn,
		       void *ctx);
/*
 * The same events in batches: the whole lines of data are handed over where they are, without
 * a copy, up to LOG_LINES_BATCH at a time, valid only during the call.
 */
void log_splitter_feed_lines(struct log_splitter *ls, const char *data, size_t len, log_lines_fn fn,
			     void *ctx);
/* Emit a pending partial line, if any. */
void log_splitter_flush(struct log_splitter *ls, log_event_fn fn, void *ctx);
void log_splitter_release(struct log_splitter *ls);

#endif
