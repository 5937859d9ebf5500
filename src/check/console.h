/*
 * The model behind the tutor's console (the terminal's Lambda console): the learner's functions
 * as ListFunctions and GetFunctionConfiguration describe them, the console's test event
 * templates, Lambda's own validation of names, memory, timeouts and environment variables, and
 * the default code a new function starts with. Pure: no curses, no HTTP.
 */
#ifndef CHECK_CONSOLE_H
#define CHECK_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "course/exercise_load.h"

struct cJSON;

/*
 * The console's test event templates. Every one but Hello World is the sample of
 * `lambda-tutor generate-event SERVICE TYPE`, built by the same code (cloud/events).
 */
struct console_template {
	const char *id;             /* also the saved event's file name */
	const char *title;          /* as the AWS console lists it */
	const char *service, *type; /* generate-event's arguments; NULL for Hello World */
};

extern const struct console_template console_templates[];
extern const size_t console_template_count;

/* The template's event as indented JSON text. Caller frees. */
char *console_template_json(const struct console_template *t);

struct console_fn {
	char *name, *runtime, *handler, *modified, *state;
	char *sha;  /* CodeSha256 */
	char *arch; /* "x86_64" or "arm64" */
	int memory, timeout;
	long long code_size;
	char *env; /* Environment.Variables as JSON text, "{}" when none */
};

/* Parse a ListFunctions body. Caller frees with console_fns_free(). False when not JSON. */
bool console_parse_functions(const char *json, struct console_fn **out, size_t *n);
/* Parse one configuration (GetFunctionConfiguration, CreateFunction, Update*). */
bool console_parse_config(const char *json, struct console_fn *out);
void console_fn_release(struct console_fn *f);
void console_fns_free(struct console_fn *v, size_t n);

/* Lambda's rules; false with the reason Lambda would give in why. */
bool console_valid_name(const char *name, char *why, size_t n);
bool console_valid_memory(const char *text, int *mb, char *why, size_t n);
bool console_valid_timeout(const char *text, int *s, char *why, size_t n);
/*
 * Apply "KEY=VALUE" (or "KEY=" to remove KEY) to env (JSON object text). Returns the new JSON
 * (caller frees), or NULL with why when the key breaks Lambda's rules.
 */
char *console_env_apply(const char *env, const char *assignment, char *why, size_t n);

/* The console's generated code for a new function: file name and text. Borrowed. */
const char *console_default_file(enum exercise_lang lang);
const char *console_default_code(enum exercise_lang lang);
const char *console_default_handler(enum exercise_lang lang);
const char *console_default_runtime(enum exercise_lang lang);

/* One CloudWatch Logs event, as FilterLogEvents returns it. */
struct console_log_event {
	long long timestamp; /* ms since the epoch */
	char *stream, *message;
	size_t seq; /* the order it was added in */
};

/*
 * The Monitor's requests: DescribeLogStreams for function's log group, the most recently
 * written first (at most max), and GetLogEvents for the last limit events of one stream.
 */
char *console_streams_request(const char *function, int max);
char *console_stream_events_request(const char *function, const char *stream, int limit);
/* The stream names of a DescribeLogStreams body. Caller frees each and the array. */
bool console_parse_streams(const char *json, char ***names, size_t *n);

/*
 * Append the events of a FilterLogEvents or GetLogEvents body to *v (grown as needed), with
 * stream as their stream when the body does not name one; *next gets a FilterLogEvents
 * nextToken (caller frees) or NULL. False when the body is not JSON.
 */
bool console_parse_log_events(const char *json, const char *stream, struct console_log_event **v,
			      size_t *n, char **next);
/* Sort events by time; events of the same millisecond keep the order they were added in. */
void console_log_events_sort(struct console_log_event *v, size_t n);
void console_log_events_free(struct console_log_event *v, size_t n);

/* One invocation, from its REPORT line: what the console's Monitor tab lists. */
struct console_invocation {
	long long timestamp;
	char request_id[40];
	double duration, billed, init; /* init < 0: a warm start */
	int memory, used;
	double cost;      /* USD, at us-east-1's x86 or arm64 price */
	bool provisioned; /* served by a provisioned environment (priced at its rate) */
};

/*
 * The invocations the REPORT lines among events describe, newest first, at most max. arm64
 * selects the Arm price. Returns how many were written to out.
 */
size_t console_invocations(const struct console_log_event *v, size_t n, bool arm64,
			   struct console_invocation *out, size_t max);
/* The cost of one request of billed_ms at memory_mb, in USD. */
double console_cost(double billed_ms, int memory_mb, bool arm64);
/*
 * Mark the invocations the cloud's records (a /_tutor/metrics answer) say a provisioned
 * environment served, and price them at provisioned concurrency's duration rate: a REPORT line
 * does not tell. Invocations the records do not name keep the on-demand price.
 */
void console_invocations_provisioned(struct console_invocation *inv, size_t n,
				     const char *records_json, bool arm64);
/*
 * What the function's provisioned concurrency costs while it stays configured, from a
 * ListProvisionedConcurrencyConfigs answer: one line a configuration ("live: 2 x 256 MB
 * READY, $0.0077 an hour kept configured; ..."), at memory_mb, "" when there is none.
 * Caller frees.
 */
char *console_provisioned_lines(const char *list_json, int memory_mb, bool arm64);
/*
 * The function's aliases and how each splits its traffic, from a ListAliases answer: one line
 * an alias ("live: version 2 90%, version 3 10%"), so that a deployment shifting weights shows
 * as it goes; "" when there is none. Caller frees.
 */
char *console_alias_lines(const char *list_json);

/* Pretty JSON (two-space indent) of text, or a copy of text when it is not JSON. Caller frees. */
char *console_pretty(const char *text);

/* The Monitor's plots: a function's metrics, CONSOLE_MINUTES columns of one period each (a
 * minute, or longer for a wider window). */
#define CONSOLE_MINUTES 30
enum {
	CONSOLE_INVOCATIONS,
	CONSOLE_ERRORS,
	CONSOLE_THROTTLES,
	CONSOLE_P50,
	CONSOLE_P99,
	CONSOLE_CONCURRENCY,
	CONSOLE_COST, /* USD: Duration's sum at the function's memory, plus the requests */
	CONSOLE_METRICS
};
struct console_series {
	double v[CONSOLE_MINUTES]; /* the minute's value, oldest first */
	bool has[CONSOLE_MINUTES]; /* false where no datapoint */
};
/* Each series' title ("invocations", "duration p99 (ms)"…). */
extern const char *const console_metric_titles[CONSOLE_METRICS];
/* GetMetricData's request for function's CONSOLE_METRICS series over the CONSOLE_MINUTES
 * periods of period_s seconds (a multiple of 60) before end_s (seconds); the cost series is
 * metric math at memory_mb and the architecture's price. Caller frees. */
char *console_metrics_request(const char *function, long long end_s, int period_s, int memory_mb,
			      bool arm64);
/* The account's virtual clock in seconds from the control socket's /_tutor/clock answer (the
 * clock metrics are stamped on), else fallback_s. */
long long console_clock_now_s(const char *json, long long fallback_s);
/* Read GetMetricData's answer into out (every series emptied first). False when the answer
 * is not one. */
bool console_parse_metrics(const char *json, long long end_s, int period_s,
			   struct console_series out[CONSOLE_METRICS]);
/* One line of block characters for s (UTF-8, CONSOLE_MINUTES columns, highest = full block),
 * into out (at least CONSOLE_MINUTES * 3 + 1 bytes); *max is the highest value (0 if none). */
void console_spark(const struct console_series *s, char *out, double *max);
/* The alarms of DescribeAlarms' answer that watch function (its FunctionName dimension, in a
 * metric or a metric-math query): "NAME STATE" lines, newline-separated. Caller frees; NULL
 * when the answer is not one. */
char *console_alarms_of(const char *json, const char *function);
/*
 * The traces of a BatchGetTraces answer as waterfalls, newest first, the way the X-Ray
 * console's timeline draws one: a heading line per trace ("TRACE-ID  412.0 ms  fault"),
 * then a line per segment and subsegment, indented by depth under its parent (a subsegment
 * sent as a document of its own, or a segment whose parent_id is there, hangs under that
 * id), with its origin or namespace, a bar of bar_cols columns placed on the trace's time
 * span, its duration, and "fault", "error" or "throttle" when flagged. Under a segment
 * that links to other traces (an SQS batch's invocation, to its other messages'), a line a
 * link: "┄ linked: TRACE-ID from NAME (ORIGIN)", the segment that sent the message as linked
 * (a BatchGetTraces answer of those traces, or NULL) holds it, else "from segment ID". Lines
 * end in '\n'. Caller frees; NULL when the answer is not one.
 */
char *console_trace_waterfall(const char *json, const char *linked, int bar_cols);
/* The most linked traces console_trace_links() gives: BatchGetTraces takes 5 ids a call. */
#define CONSOLE_LINKED_MAX 5
/* The ids of the traces the segments of a BatchGetTraces answer link to, not among its own,
 * CONSOLE_LINKED_MAX at most: a cJSON array of strings the caller deletes (empty when none). */
struct cJSON *console_trace_links(const char *json);
/*
 * The least-privilege report of a function (GET /_tutor/iam/report/FUNCTION) as the console
 * shows it: "KIND ACTION RESOURCE" lines, newline-separated, KIND "call" (with " COUNT
 * DECISION" after: allowed, denied, explicitly denied), "used" or "unused" (the role's grants).
 * Caller frees; NULL when json is not a report.
 */
char *console_grants_of(const char *json);

#endif
