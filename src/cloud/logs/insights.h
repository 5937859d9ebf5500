/*
 * CloudWatch Logs Insights: the query language (the commands fields, display, filter, stats,
 * sort, limit and parse), run over log events. Pure: the caller feeds the events of the log
 * groups and time range asked for (insights_ops.c serves StartQuery and its friends).
 *
 * Every event has @timestamp, @message, @logStream, @log and @ingestionTime; Lambda's lines
 * add @type and @requestId (START, END, REPORT) and REPORT's @duration, @billedDuration,
 * @memorySize, @maxMemoryUsed, @initDuration; a message that is a JSON object adds its members,
 * nested ones joined with dots (record.metrics.durationMs) and array items by index.
 */
#ifndef CLOUD_LOGS_INSIGHTS_H
#define CLOUD_LOGS_INSIGHTS_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct insights_query;
struct insights_run;

/* Where a query is malformed: AWS's message, and the character offsets it names. */
struct insights_error {
	char message[256];
	int start, end;
};

/* NULL and e set when text is not a query. Free with insights_query_free(). */
struct insights_query *insights_parse(const char *text, struct insights_error *e);
void insights_query_free(struct insights_query *q);
/* Set when q started (ms since the epoch): what now() answers. insights_parse() takes the wall
 * clock's now. */
void insights_query_set_now(struct insights_query *q, long long ms);

/* A run of q (borrowed, must outlive the run), keeping at most limit rows (0: 10,000). */
struct insights_run *insights_run_new(const struct insights_query *q, long limit);
/* Feed one event; log is "ACCOUNT:GROUP", ptr an opaque id of the event. */
void insights_run_event(struct insights_run *r, long long ts_ms, long long ingest_ms,
			const char *log, const char *stream, const char *message, const char *ptr);
/*
 * Finish: the results as GetQueryResults returns them (an array of rows, each an array of
 * {field, value}) and the statistics (recordsMatched, recordsScanned, bytesScanned). Caller
 * frees both.
 */
void insights_run_finish(struct insights_run *r, struct cJSON **results, struct cJSON **stats);
void insights_run_free(struct insights_run *r);

#endif
