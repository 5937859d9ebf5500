/*
 * Unit tests for cloud/logs: what is stored stays bounded (the workspace's cap expires the
 * streams written to longest ago, retention policies expire old events on the virtual
 * clock), PutLogEvents keeps CloudWatch Logs' limits, and text that is not UTF-8 never
 * reaches a reader; and for the line splitter that cuts a function's long lines.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/lambda/logfmt.h"
#include "cloud/lambda/zipcode.h"
#include "cloud/logs/insights.h"
#include "cloud/logs/logs.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/strutil.h"
#include "core/xalloc.h"
#include "harness.h"

#define ACCT "123456789012"

static char scratch[] = "/tmp/test-cloud-logs-XXXXXX";

struct fixture {
	struct cloud_db *db;
	struct logs *logs;
	struct vclock *clock;
};

static void fixture_open(struct fixture *f, const char *name, long long cap)
{
	char *path = xasprintf("%s/%s.db", scratch, name);
	struct error err;
	f->db = cloud_db_open(path, &err);
	free(path);
	f->logs = logs_new(f->db);
	f->clock = vclock_new(1, NULL);
	logs_set_limits(f->logs, f->clock, cap);
}

static void fixture_close(struct fixture *f)
{
	logs_free(f->logs);
	cloud_db_close(f->db);
	vclock_free(f->clock);
}

/* Call an operation as the router does once it has decoded the request (the model's checks,
 * then the handler); the answer's status, and its JSON in *out when asked (caller deletes). */
static int call(struct fixture *f, const char *op, const char *body, cJSON **out)
{
	struct cloud c = { .db = f->db, .logs = f->logs };
	struct svc_caller caller;
	svc_caller_for_account(&caller, ACCT);
	cJSON *in = cJSON_Parse(body);
	struct aws_err err = { 0 };
	cJSON *o = svc_call_internal(&c, &caller, "logs", op, in, &err);
	int status = o ? 200 : err.status;
	if (out)
		*out = o ? o : cJSON_CreateObject();
	else
		cJSON_Delete(o);
	cJSON_Delete(in);
	aws_err_release(&err);
	return status;
}

static int count_events(struct fixture *f, const char *group)
{
	char *body = xasprintf("{\"logGroupName\":\"%s\"}", group);
	cJSON *o = NULL;
	int status = call(f, "FilterLogEvents", body, &o);
	free(body);
	int n = status == 200 ? cJSON_GetArraySize(cJSON_GetObjectItem(o, "events")) : -1;
	cJSON_Delete(o);
	return n;
}

static bool stream_listed(struct fixture *f, const char *group, const char *stream)
{
	char *body = xasprintf("{\"logGroupName\":\"%s\"}", group);
	cJSON *o = NULL;
	call(f, "DescribeLogStreams", body, &o);
	free(body);
	bool found = false;
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(o, "logStreams"))
	{
		found = found ||
			strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(s, "logStreamName")),
			       stream) == 0;
	}
	cJSON_Delete(o);
	return found;
}

TEST(logs_expire__keeps_the_workspace_under_its_cap_oldest_streams_first)
{
	struct fixture f;
	fixture_open(&f, "cap", 64 * 1024);
	char line[1000];
	memset(line, 'x', sizeof(line));
	/* Four streams of 40 KB each, written one after the other: 160 KB for a 64 KB cap. */
	for (int s = 0; s < 4; s++) {
		char stream[32];
		snprintf(stream, sizeof(stream), "stream-%d", s);
		for (int i = 0; i < 40; i++)
			logs_append(f.logs, ACCT, "/aws/lambda/flood", stream, clock_wall_ms(),
				    line, sizeof(line));
		logs_flush(f.logs);
		struct timespec ts = { 0, 3 * 1000000 };
		nanosleep(&ts, NULL);
	}
	logs_expire(f.logs);
	ok(logs_stored_bytes(f.logs) <= 64 * 1024, "what is stored is within the cap (%lld bytes)",
	   logs_stored_bytes(f.logs));
	ok(!stream_listed(&f, "/aws/lambda/flood", "stream-0") &&
		   !stream_listed(&f, "/aws/lambda/flood", "stream-1"),
	   "the streams written to longest ago are gone");
	ok(stream_listed(&f, "/aws/lambda/flood", "stream-3"), "the newest stream is kept");
	/* One stream alone past the cap loses its oldest events, not all of them. */
	for (int i = 0; i < 200; i++)
		logs_append(f.logs, ACCT, "/aws/lambda/flood", "stream-3", clock_wall_ms(), line,
			    sizeof(line));
	logs_expire(f.logs);
	ok(logs_stored_bytes(f.logs) <= 64 * 1024, "one stream alone is cut to the cap too");
	int left = count_events(&f, "/aws/lambda/flood");
	ok(left > 0 && left < 240, "... keeping its newest events (%d left)", left);
	fixture_close(&f);
}

TEST(logs_retention__expires_old_events_on_the_virtual_clock)
{
	struct fixture f;
	fixture_open(&f, "retention", 0);
	ok(call(&f, "CreateLogGroup", "{\"logGroupName\":\"/kept\"}", NULL) == 200,
	   "create a group");
	is_int(call(&f, "PutRetentionPolicy", "{\"logGroupName\":\"/kept\",\"retentionInDays\":2}",
		    NULL),
	       400, "a retention CloudWatch does not offer is refused");
	is_int(call(&f, "PutRetentionPolicy", "{\"logGroupName\":\"/none\",\"retentionInDays\":1}",
		    NULL),
	       400, "a retention for a group that does not exist is refused");
	ok(call(&f, "PutRetentionPolicy", "{\"logGroupName\":\"/kept\",\"retentionInDays\":1}",
		NULL) == 200,
	   "one day of retention");
	cJSON *o = NULL;
	call(&f, "DescribeLogGroups", "{\"logGroupNamePrefix\":\"/kept\"}", &o);
	const cJSON *g = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "logGroups"), 0);
	is_int(cJSON_GetNumberValue(cJSON_GetObjectItem(g, "retentionInDays")), 1,
	       "DescribeLogGroups shows it");
	cJSON_Delete(o);
	logs_append(f.logs, ACCT, "/kept", "s", clock_wall_ms(), "today", 5);
	logs_expire(f.logs);
	is_int(count_events(&f, "/kept"), 1, "an event of today is kept");
	vclock_advance(f.clock, NULL, 25LL * 3600 * 1000);
	logs_expire(f.logs);
	is_int(count_events(&f, "/kept"), 0, "a day and an hour later it has expired");
	ok(call(&f, "DeleteRetentionPolicy", "{\"logGroupName\":\"/kept\"}", NULL) == 200,
	   "delete the retention policy");
	logs_append(f.logs, ACCT, "/kept", "s", clock_wall_ms(), "again", 5);
	vclock_advance(f.clock, NULL, 30LL * 86400 * 1000);
	logs_expire(f.logs);
	is_int(count_events(&f, "/kept"), 1, "without a policy events are kept");
	fixture_close(&f);
}

TEST(logs_put_events__keeps_cloudwatch_limits)
{
	struct fixture f;
	fixture_open(&f, "put", 0);
	is_int(call(&f, "PutLogEvents",
		    "{\"logGroupName\":\"/g\",\"logStreamName\":\"s\",\"logEvents\":"
		    "[{\"timestamp\":1,\"message\":\"x\"}]}",
		    NULL),
	       400, "a group that does not exist is refused");
	call(&f, "CreateLogGroup", "{\"logGroupName\":\"/g\"}", NULL);
	is_int(call(&f, "PutLogEvents",
		    "{\"logGroupName\":\"/g\",\"logStreamName\":\"s\",\"logEvents\":"
		    "[{\"timestamp\":1,\"message\":\"x\"}]}",
		    NULL),
	       400, "a stream that does not exist is refused");
	is_int(call(&f, "CreateLogStream", "{\"logGroupName\":\"/g\",\"logStreamName\":\"a:b\"}",
		    NULL),
	       400, "a stream name with ':' is refused");
	ok(call(&f, "CreateLogStream", "{\"logGroupName\":\"/g\",\"logStreamName\":\"s\"}", NULL) ==
		   200,
	   "create the stream");
	is_int(call(&f, "CreateLogStream", "{\"logGroupName\":\"/g\",\"logStreamName\":\"s\"}",
		    NULL),
	       400, "creating it twice is refused");
	long long now = clock_wall_ms();
	char *body = xasprintf("{\"logGroupName\":\"/g\",\"logStreamName\":\"s\",\"logEvents\":"
			       "[{\"timestamp\":%lld,\"message\":\"b\"},"
			       "{\"timestamp\":%lld,\"message\":\"a\"}]}",
			       now, now - 5);
	is_int(call(&f, "PutLogEvents", body, NULL), 400, "events out of order are refused");
	free(body);
	body = xasprintf("{\"logGroupName\":\"/g\",\"logStreamName\":\"s\",\"logEvents\":"
			 "[{\"timestamp\":%lld,\"message\":\"ancient\"},"
			 "{\"timestamp\":%lld,\"message\":\"fine\"},"
			 "{\"timestamp\":%lld,\"message\":\"future\"}]}",
			 now - 15LL * 86400000, now, now + 3 * 3600000LL);
	cJSON *o = NULL;
	is_int(call(&f, "PutLogEvents", body, &o), 200, "a batch with events too old and too new");
	free(body);
	const cJSON *r = cJSON_GetObjectItem(o, "rejectedLogEventsInfo");
	ok(cJSON_GetNumberValue(cJSON_GetObjectItem(r, "tooOldLogEventEndIndex")) == 0 &&
		   cJSON_GetNumberValue(cJSON_GetObjectItem(r, "tooNewLogEventStartIndex")) == 2,
	   "... says which it left out");
	cJSON_Delete(o);
	is_int(count_events(&f, "/g"), 1, "... and keeps the one in range");
	size_t big = LOGS_EVENT_MAX + 1;
	char *msg = xmalloc(big + 1);
	memset(msg, 'y', big);
	msg[big] = '\0';
	body = xasprintf("{\"logGroupName\":\"/g\",\"logStreamName\":\"s\",\"logEvents\":"
			 "[{\"timestamp\":%lld,\"message\":\"%s\"}]}",
			 now, msg);
	is_int(call(&f, "PutLogEvents", body, NULL), 400, "an event over 1 MB is refused");
	free(body);
	free(msg);
	body = xasprintf("{\"logGroupName\":\"/g\",\"logStreamName\":\"s\",\"logEvents\":"
			 "[{\"timestamp\":%lld,\"message\":\"\xff\xfe\"}]}",
			 now);
	is_int(call(&f, "PutLogEvents", body, NULL), 400, "a message that is not UTF-8 is refused");
	free(body);
	fixture_close(&f);
}

TEST(logs_append__keeps_readers_on_utf8)
{
	struct fixture f;
	fixture_open(&f, "utf8", 0);
	logs_append(f.logs, ACCT, "/bin", "s", clock_wall_ms(),
		    "a\xff"
		    "b\0c\xe2\x82",
		    7);
	cJSON *o = NULL;
	call(&f, "FilterLogEvents", "{\"logGroupName\":\"/bin\"}", &o);
	const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "events"), 0);
	const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
	is_str(m,
	       "a\xef\xbf\xbd"
	       "b\xef\xbf\xbd"
	       "c\xef\xbf\xbd\xef\xbf\xbd",
	       "bytes that are not text become U+FFFD, NULs too");
	cJSON_Delete(o);
	fixture_close(&f);
}

static void collect(void *ctx, const char *line, size_t len)
{
	struct strbuf *sb = ctx;
	strbuf_add(sb, line, len);
	strbuf_addch(sb, '|');
}

TEST(log_splitter__cuts_a_long_line_on_a_character)
{
	struct log_splitter ls = LOG_SPLITTER_INIT;
	struct strbuf out = STRBUF_INIT;
	/* A line of 3-byte characters longer than an event: the cut falls inside one. */
	size_t n = LOG_EVENT_MAX + 10;
	char *text = xmalloc(n + 1);
	for (size_t i = 0; i + 3 <= n; i += 3)
		memcpy(text + i, "\xe2\x82\xac", 3);
	text[n - n % 3] = '\n';
	log_splitter_feed(&ls, text, n - n % 3 + 1, collect, &out);
	log_splitter_feed(&ls, "next\n", 5, collect, &out);
	const char *bar = memchr(out.buf, '|', out.len);
	size_t first = bar ? (size_t)(bar - out.buf) : 0;
	ok(first <= LOG_EVENT_MAX && first % 3 == 0 && str_utf8_valid(out.buf, first) == first,
	   "the event stops before the limit, on a whole character (%zu bytes)", first);
	ok(out.len >= 5 && memcmp(out.buf + out.len - 5, "next|", 5) == 0,
	   "the rest of the long line is dropped, the next line kept");
	free(text);
	strbuf_release(&out);
	log_splitter_release(&ls);
}

static size_t odd_batches;

static void collect_lines(void *ctx, const struct log_line *lines, size_t n)
{
	if (n < 1 || n > LOG_LINES_BATCH)
		odd_batches++;
	for (size_t i = 0; i < n; i++)
		collect(ctx, lines[i].text, lines[i].len);
}

TEST(log_splitter__batches_make_the_same_events_as_bytes_one_by_one)
{
	/* Thousands of lines (more than a batch), CRLF, empty lines, one past the limit. */
	struct strbuf in = STRBUF_INIT;
	for (int i = 0; i < 3000; i++)
		strbuf_addf(&in, "line %d%s\n", i, i % 7 == 0 ? "\r" : "");
	strbuf_addstr(&in, "\n\n");
	for (size_t i = 0; i < LOG_EVENT_MAX + 100; i++)
		strbuf_addch(&in, 'x');
	strbuf_addstr(&in, "\nafter\npartial");
	struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
	struct log_splitter a = LOG_SPLITTER_INIT, b = LOG_SPLITTER_INIT;
	for (size_t i = 0; i < in.len; i++)
		log_splitter_feed(&a, in.buf + i, 1, collect, &want);
	log_splitter_flush(&a, collect, &want);
	/* Uneven pieces, so that lines begin in one feed and end in another. */
	for (size_t i = 0, step = 1; i < in.len; i += step, step = step * 7 % 65521 + 1) {
		size_t n = in.len - i < step ? in.len - i : step;
		log_splitter_feed_lines(&b, in.buf + i, n, collect_lines, &got);
	}
	log_splitter_flush(&b, collect, &got);
	ok(odd_batches == 0, "every batch holds 1 to %d lines", LOG_LINES_BATCH);
	ok(want.len == got.len && memcmp(want.buf, got.buf, want.len) == 0,
	   "fed in batches, the same %zu bytes of events as fed byte by byte (%zu)", want.len,
	   got.len);
	ok(strstr(want.buf, "|line 7|") && strstr(want.buf, "|line 2999|||") &&
		   !strstr(want.buf, "\r"),
	   "one event a line, a CR before the newline dropped");
	size_t tail = strlen("|after|partial|");
	ok(want.len > tail && strcmp(want.buf + want.len - tail, "|after|partial|") == 0,
	   "the long line cut, the next lines and the partial last one kept");
	strbuf_release(&in);
	strbuf_release(&want);
	strbuf_release(&got);
	log_splitter_release(&a);
	log_splitter_release(&b);
}

/* The value of field in row i of results, or NULL. */
static const char *result(const cJSON *results, int i, const char *field)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, cJSON_GetArrayItem(results, i))
	{
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "field")),
			   field) == 0)
			return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "value"));
	}
	return NULL;
}

TEST(insights__parses_runs_and_refuses_as_insights_does)
{
	struct insights_error e;
	ok(!insights_parse("fields @message\n| filter @message likes \"x\"", &e), "likes");
	is_str(e.message, "unexpected symbol found likes at line 2 and position 19", "its message");
	ok(e.start == 34 && e.end == 38, "and offsets %d-%d", e.start, e.end);
	ok(!insights_parse("stats avg(@duration) by", &e), "a dangling by");
	is_str(e.message, "unexpected end of query at line 1 and position 24", "its message");
	ok(!insights_parse("", &e) && strstr(e.message, "empty"), "an empty query");

	struct insights_query *q = insights_parse(
		"filter @type = \"REPORT\" | stats count(*), avg(@duration) as avg, "
		"pct(@duration, 50), max(@maxMemoryUsed) as mem by bin(1m) | sort avg desc",
		&e);
	ok(q != NULL, "a stats query parses: %s", q ? "" : e.message);
	if (!q)
		return;
	struct insights_run *r = insights_run_new(q, 0);
	static const double durations[] = { 10, 30, 20, 100 };
	for (int i = 0; i < 4; i++) {
		char line[200];
		snprintf(line, sizeof(line),
			 "REPORT RequestId: id-%d\tDuration: %.2f ms\tBilled Duration: 1 ms\t"
			 "Memory Size: 128 MB\tMax Memory Used: 40 MB\t",
			 i, durations[i]);
		/* three in the first minute, one in the second */
		insights_run_event(r, 1765000020000LL + (i == 3 ? 60000 : i * 1000), 0,
				   "1:/aws/lambda/f", "s", line, "p");
		insights_run_event(r, 1765000020000LL, 0, "1:/aws/lambda/f", "s",
				   "START RequestId: x Version: $LATEST", "p");
	}
	cJSON *results, *stats;
	insights_run_finish(r, &results, &stats);
	ok(cJSON_GetArraySize(results) == 2, "two bins");
	is_str(result(results, 0, "bin(1m)"), "2025-12-06 05:48:00.000", "the later bin first");
	is_str(result(results, 0, "avg"), "100", "its average");
	is_str(result(results, 1, "count(*)"), "3", "three in the first");
	is_str(result(results, 1, "avg"), "20", "averaging 20");
	is_str(result(results, 1, "pct(@duration, 50)"), "20", "median 20");
	is_str(result(results, 1, "mem"), "40000000", "memory in bytes, as Insights gives it");
	ok(cJSON_GetObjectItemCaseSensitive(stats, "recordsMatched")->valuedouble == 4 &&
		   cJSON_GetObjectItemCaseSensitive(stats, "recordsScanned")->valuedouble == 8,
	   "4 of 8 records matched");
	cJSON_Delete(results);
	cJSON_Delete(stats);
	insights_run_free(r);
	insights_query_free(q);
}

TEST(insights__takes_the_inline_case_flag_and_refuses_a_trailing_pipe)
{
	struct insights_error e;
	ok(!insights_parse("fields @message |", &e), "a trailing pipe");
	is_str(e.message, "unexpected end of query at line 1 and position 18", "its message");
	ok(!insights_parse("fields @message\n| filter @message like /x/ |\n", &e) &&
		   strstr(e.message, "unexpected end of query at line 3"),
	   "after a filter, on the next line: %s", e.message);
	/* AWS's own example of a case-insensitive match. */
	struct insights_query *q = insights_parse(
		"filter @message like /(?i)(Exception|error|fail)/ | fields @message", &e);
	ok(q != NULL, "(?i) parses: %s", q ? "" : e.message);
	if (!q)
		return;
	struct insights_run *r = insights_run_new(q, 0);
	static const char *const lines[] = { "ERROR boom", "a Failure", "all good",
					     "KeyException raised" };
	for (int i = 0; i < 4; i++)
		insights_run_event(r, 1765000020000LL + i, 0, "1:/aws/lambda/f", "s", lines[i],
				   "p");
	cJSON *results, *stats;
	insights_run_finish(r, &results, &stats);
	ok(cJSON_GetArraySize(results) == 3, "three of four match whatever their case");
	cJSON_Delete(results);
	cJSON_Delete(stats);
	insights_run_free(r);
	insights_query_free(q);
}

TEST(insights__computes_arithmetic_and_functions)
{
	struct insights_error e;
	ok(!insights_parse("fields @duration +", &e) && strstr(e.message, "unexpected end"),
	   "an operator with nothing after it: %s", e.message);
	ok(!insights_parse("fields nosuch(@duration)", &e) &&
		   strstr(e.message, "unknown function nosuch"),
	   "an unknown function: %s", e.message);
	ok(!insights_parse("fields substr(@message)", &e) &&
		   strstr(e.message, "wrong number of arguments to substr"),
	   "too few arguments: %s", e.message);
	struct insights_query *q = insights_parse(
		"filter @type = \"REPORT\" | parse @message /RequestId: (?<rid>\\S+)/ "
		"| fields @duration / 1000 as secs, concat(rid, \"!\") as tag, strlen(rid) as n, "
		"toupper(substr(rid, 0, 2)) as up | filter secs > 0.015 and -secs < 0 "
		"| sort secs desc",
		&e);
	ok(q != NULL, "fields with arithmetic and functions parse: %s", q ? "" : e.message);
	struct insights_query *st =
		insights_parse("filter @type = \"REPORT\" | stats sum(@duration * 2) as twice, "
			       "count(@duration) as "
			       "c, avg(@duration - 10) as lag, max(abs(-@duration)) as top, "
			       "min(@duration % 7 ^ 2) as m, earliest(@requestId) as first, "
			       "latest(@duration) as last",
			       &e);
	ok(st != NULL, "stats over computed values parse: %s", st ? "" : e.message);
	if (!q || !st)
		return;
	struct insights_run *r = insights_run_new(q, 0), *rs = insights_run_new(st, 0);
	static const double durations[] = { 10, 30, 20, 100 };
	for (int i = 0; i < 4; i++) {
		char line[200];
		snprintf(line, sizeof(line),
			 "REPORT RequestId: id-%d\tDuration: %.2f ms\tBilled Duration: 1 ms\t"
			 "Memory Size: 128 MB\tMax Memory Used: 40 MB\t",
			 i, durations[i]);
		insights_run_event(r, 1765000020000LL + i, 0, "1:/aws/lambda/f", "s", line, "p");
		/* the third event comes last but is the earliest */
		insights_run_event(rs, 1765000020000LL + (i == 2 ? -5 : i), 0, "1:/aws/lambda/f",
				   "s", line, "p");
	}
	cJSON *results, *stats;
	insights_run_finish(r, &results, &stats);
	ok(cJSON_GetArraySize(results) == 3, "three over 15 ms");
	is_str(result(results, 0, "secs"), "0.1", "100 ms is 0.1 s, first");
	is_str(result(results, 0, "tag"), "id-3!", "concat");
	is_str(result(results, 0, "n"), "4", "strlen");
	is_str(result(results, 0, "up"), "ID", "toupper of substr");
	cJSON_Delete(results);
	cJSON_Delete(stats);
	insights_run_finish(rs, &results, &stats);
	is_str(result(results, 0, "twice"), "320", "sum of a product");
	is_str(result(results, 0, "c"), "4", "count of a field");
	is_str(result(results, 0, "lag"), "30", "avg of a difference");
	is_str(result(results, 0, "top"), "100", "max of abs of a negation");
	is_str(result(results, 0, "m"), "2",
	       "%% and ^: 30 %% 49 = 30, 10 %% 49 = 10, 100 %% 49 = 2");
	is_str(result(results, 0, "first"), "id-2",
	       "earliest: the value of the first by @timestamp");
	is_str(result(results, 0, "last"), "100.00", "latest: the value of the last by @timestamp");
	cJSON_Delete(results);
	cJSON_Delete(stats);
	insights_run_free(r);
	insights_run_free(rs);
	insights_query_free(q);
	insights_query_free(st);
}

TEST(insights__computes_dates)
{
	struct insights_error e;
	ok(!insights_parse("fields datefloor(@timestamp)", &e) &&
		   strstr(e.message, "wrong number of arguments to datefloor"),
	   "datefloor needs a period: %s", e.message);
	struct insights_query *q = insights_parse(
		"fields datefloor(@timestamp, 1h) as hour, dateceil(@timestamp, 5m) as next5, "
		"toMillis(@timestamp) as ms, fromMillis(toMillis(@timestamp) + 60000) as later, "
		"toMillis(\"2025-12-06T05:47:00.5Z\") as iso, toMillis(@message) as none",
		&e);
	ok(q != NULL, "date functions parse: %s", q ? "" : e.message);
	if (!q)
		return;
	struct insights_run *r = insights_run_new(q, 0);
	/* 2025-12-06 05:47:00.123 UTC */
	insights_run_event(r, 1765000020123LL, 0, "1:/aws/lambda/f", "s", "hello", "p");
	cJSON *results, *stats;
	insights_run_finish(r, &results, &stats);
	is_str(result(results, 0, "hour"), "2025-12-06 05:00:00.000", "datefloor to the hour");
	is_str(result(results, 0, "next5"), "2025-12-06 05:50:00.000", "dateceil to 5 minutes");
	is_str(result(results, 0, "ms"), "1765000020123", "toMillis of @timestamp");
	is_str(result(results, 0, "later"), "2025-12-06 05:48:00.123", "fromMillis: a timestamp");
	is_str(result(results, 0, "iso"), "1765000020500", "toMillis of ISO 8601 text");
	ok(result(results, 0, "none") == NULL, "toMillis of text that is no time: no value");
	cJSON_Delete(results);
	cJSON_Delete(stats);
	insights_run_free(r);
	insights_query_free(q);
}

/* Times are written as gmtime and strftime write them, whatever the order they are asked in:
 * each event's own second, its ingestion's and its bin's, three different seconds at once. */
TEST(insights__writes_times_as_strftime_does)
{
	struct insights_error e;
	struct insights_query *q = insights_parse(
		"fields @timestamp, @ingestionTime | stats count(*) by bin(1m), @timestamp, "
		"@ingestionTime",
		&e);
	ok(q != NULL, "the query parses: %s", q ? "" : e.message);
	if (!q)
		return;
	/* Leap days, ends of years and centuries, the epoch, and far ahead. */
	static const long long at[] = { 0LL,
					951782399999LL,
					951782400000LL,
					951868800001LL,
					978307199999LL,
					1709164800500LL,
					1735689599123LL,
					1765000020123LL,
					4107542399999LL,
					4107542400000LL,
					253402300799999LL };
	size_t n = sizeof(at) / sizeof(at[0]);
	struct insights_run *r = insights_run_new(q, 0);
	for (size_t i = 0; i < n; i++)
		insights_run_event(r, at[i], at[i] + 1000 * 61 + 7, "1:/aws/lambda/f", "s", "m",
				   "p");
	cJSON *results, *stats;
	insights_run_finish(r, &results, &stats);
	ok(cJSON_GetArraySize(results) == (int)n, "one group an event: %d",
	   cJSON_GetArraySize(results));
	for (size_t i = 0; i < n; i++) {
		char want[3][40];
		long long ms[3] = { at[i] / 60000 * 60000, at[i], at[i] + 1000 * 61 + 7 };
		for (int k = 0; k < 3; k++) {
			time_t t = (time_t)(ms[k] / 1000);
			struct tm tm;
			gmtime_r(&t, &tm);
			size_t len = strftime(want[k], sizeof(want[k]), "%Y-%m-%d %H:%M:%S", &tm);
			snprintf(want[k] + len, sizeof(want[k]) - len, ".%03lld", ms[k] % 1000);
		}
		const cJSON *row = NULL;
		for (int g = 0; g < cJSON_GetArraySize(results) && !row; g++)
			if (result(results, g, "@timestamp") &&
			    strcmp(result(results, g, "@timestamp"), want[1]) == 0)
				row = cJSON_GetArrayItem(results, g);
		ok(row != NULL, "@timestamp of %lld is %s", at[i], want[1]);
		if (!row)
			continue;
		int g = 0;
		while (cJSON_GetArrayItem(results, g) != row)
			g++;
		is_str(result(results, g, "bin(1m)"), want[0], "its bin");
		is_str(result(results, g, "@ingestionTime"), want[2], "its ingestion");
	}
	cJSON_Delete(results);
	cJSON_Delete(stats);
	insights_run_free(r);
	insights_query_free(q);
}

TEST(insights__groups_by_computed_keys)
{
	struct insights_error e;
	ok(!insights_parse("stats count(*) by datefloor(@timestamp)", &e) &&
		   strstr(e.message, "wrong number of arguments to datefloor"),
	   "a by key is checked as any call: %s", e.message);
	ok(!insights_parse("stats count(*) by count(*)", &e) &&
		   strstr(e.message, "unknown function count"),
	   "an aggregate is no by key: %s", e.message);
	ok(!insights_parse("fields now(1)", &e) &&
		   strstr(e.message, "wrong number of arguments to now"),
	   "now() takes no argument: %s", e.message);
	struct insights_query *q = insights_parse(
		"stats count(*) as n, sum(v) as total by datefloor(@timestamp, 1h) as hour, "
		"toupper(level) as lvl | sort hour, lvl",
		&e);
	ok(q != NULL, "stats by datefloor() and toupper(): %s", q ? "" : e.message);
	struct insights_query *qn = insights_parse("fields now() - toMillis(@timestamp) / 1000 as "
						   "age | stats count(*) as n by now() as "
						   "t, bin(1h) as b",
						   &e);
	ok(qn != NULL, "now() in fields and as a by key: %s", qn ? "" : e.message);
	if (!q || !qn)
		return;
	insights_query_set_now(qn, 1765004400999LL); /* 2025-12-06 07:00:00.999 */
	struct insights_run *r = insights_run_new(q, 0), *rn = insights_run_new(qn, 0);
	/* 2025-12-06 05:47:00.123, 05:59:59.999, 06:00:00.000 UTC */
	const long long at[] = { 1765000020123LL, 1765000799999LL, 1765000800000LL };
	const char *msg[] = { "{\"level\": \"info\", \"v\": 1}", "{\"level\": \"INFO\", \"v\": 2}",
			      "{\"level\": \"info\", \"v\": 4}" };
	for (int i = 0; i < 3; i++) {
		insights_run_event(r, at[i], 0, "1:/aws/lambda/f", "s", msg[i], "p");
		insights_run_event(rn, at[i], 0, "1:/aws/lambda/f", "s", msg[i], "p");
	}
	cJSON *results, *stats;
	insights_run_finish(r, &results, &stats);
	ok(cJSON_GetArraySize(results) == 2, "two groups: %d", cJSON_GetArraySize(results));
	is_str(result(results, 0, "hour"), "2025-12-06 05:00:00.000", "the first hour");
	is_str(result(results, 0, "lvl"), "INFO", "info and INFO are one key");
	is_str(result(results, 0, "n"), "2", "two events in the first hour");
	is_str(result(results, 0, "total"), "3", "and their sum");
	is_str(result(results, 1, "hour"), "2025-12-06 06:00:00.000", "the second hour");
	is_str(result(results, 1, "n"), "1", "one event in it");
	cJSON_Delete(results);
	cJSON_Delete(stats);
	insights_run_finish(rn, &results, &stats);
	ok(cJSON_GetArraySize(results) == 2, "now() and bin(1h): two groups: %d",
	   cJSON_GetArraySize(results));
	is_str(result(results, 0, "t"), "1765004400",
	       "now() is the query's start in epoch seconds");
	is_str(result(results, 1, "t"), "1765004400", "the same for every event");
	cJSON_Delete(results);
	cJSON_Delete(stats);
	insights_run_free(r);
	insights_run_free(rn);
	insights_query_free(q);
	insights_query_free(qn);
}

TEST(insights__computes_arithmetic_over_aggregates)
{
	struct insights_error e;
	ok(!insights_parse("stats @duration * 2", &e) &&
		   strstr(e.message, "needs an aggregate function"),
	   "stats with no aggregate: %s", e.message);
	ok(!insights_parse("stats sum(@duration) / @memorySize", &e) &&
		   strstr(e.message, "@memorySize is used in stats outside an aggregate"),
	   "a field outside an aggregate: %s", e.message);
	ok(!insights_parse("stats sum(count(*))", &e) &&
		   strstr(e.message, "unknown function count"),
	   "an aggregate inside an aggregate: %s", e.message);
	ok(!insights_parse("fields count(*)", &e) && strstr(e.message, "unknown function count"),
	   "an aggregate outside stats: %s", e.message);
	struct insights_query *q =
		insights_parse("filter @type = \"REPORT\" "
			       "| fields @maxMemoryUsed / @memorySize * 100 as pct "
			       "| stats sum(@billedDuration) / count(*) as avg_billed, "
			       "max(pct) - min(pct) as spread, "
			       "round2(avg(@duration)) as r, count(*) as n, "
			       "sum(@billedDuration) / sum(@memorySize * 0) as nothing, "
			       "pct(@duration, 50) * 2 + 1 by bin(1m) as minute | sort minute",
			       &e);
	ok(q == NULL && strstr(e.message, "unknown function round2"),
	   "an unknown function among aggregates: %s", e.message);
	q = insights_parse("filter @type = \"REPORT\" "
			   "| fields @maxMemoryUsed / @memorySize * 100 as pct "
			   "| stats sum(@billedDuration) / count(*) as avg_billed, "
			   "max(pct) - min(pct) as spread, count(*) as n, "
			   "sum(@billedDuration) / sum(@memorySize * 0) as nothing, "
			   "pct(@duration, 50) * 2 + 1, ceil(avg(@duration)) as up by bin(1m) as "
			   "minute | sort minute | filter avg_billed > 10",
			   &e);
	ok(q != NULL, "arithmetic over aggregates parses: %s", q ? "" : e.message);
	if (!q)
		return;
	struct insights_run *r = insights_run_new(q, 0);
	/* minute one: billed 10, 30, 50 at 128 MB using 32, 64, 64 MB; minute two: billed 5 */
	static const struct {
		long long ts;
		double duration, billed;
		int used;
	} ev[] = { { 1765000020000LL, 9.5, 10, 32 },
		   { 1765000030000LL, 29.5, 30, 64 },
		   { 1765000040000LL, 49.1, 50, 64 },
		   { 1765000090000LL, 4.5, 5, 64 } };
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		char line[200];
		snprintf(line, sizeof(line),
			 "REPORT RequestId: id-%zu\tDuration: %.2f ms\tBilled Duration: %.0f ms\t"
			 "Memory Size: 128 MB\tMax Memory Used: %d MB\t",
			 i, ev[i].duration, ev[i].billed, ev[i].used);
		insights_run_event(r, ev[i].ts, 0, "1:/aws/lambda/f", "s", line, "p");
	}
	cJSON *results, *stats;
	insights_run_finish(r, &results, &stats);
	ok(cJSON_GetArraySize(results) == 1, "the filter after stats keeps the first minute only");
	is_str(result(results, 0, "avg_billed"), "30", "sum / count: (10 + 30 + 50) / 3");
	is_str(result(results, 0, "spread"), "25", "max - min of a computed field: 50 - 25 %%");
	is_str(result(results, 0, "n"), "3", "a plain aggregate keeps its name");
	ok(result(results, 0, "nothing") == NULL, "a division by zero has no value");
	is_str(result(results, 0, "pct(@duration, 50) * 2 + 1"), "60",
	       "an unnamed column is named by its text: 2 * 29.5 + 1");
	is_str(result(results, 0, "up"), "30", "a function of an aggregate: ceil(29.37)");
	cJSON *row = cJSON_GetArrayItem(results, 0);
	const cJSON *f;
	cJSON_ArrayForEach(f, row)
	{
		const char *name = cJSON_GetObjectItemCaseSensitive(f, "field")->valuestring;
		ok(name[0] != '\x01', "no hidden aggregate in the output (%s)", name);
	}
	cJSON_Delete(results);
	cJSON_Delete(stats);
	insights_run_free(r);
	insights_query_free(q);
}

int main(void)
{
	if (!mkdtemp(scratch))
		return 1;
	RUN(logs_expire__keeps_the_workspace_under_its_cap_oldest_streams_first);
	RUN(logs_retention__expires_old_events_on_the_virtual_clock);
	RUN(logs_put_events__keeps_cloudwatch_limits);
	RUN(logs_append__keeps_readers_on_utf8);
	RUN(log_splitter__cuts_a_long_line_on_a_character);
	RUN(log_splitter__batches_make_the_same_events_as_bytes_one_by_one);
	RUN(insights__parses_runs_and_refuses_as_insights_does);
	RUN(insights__takes_the_inline_case_flag_and_refuses_a_trailing_pipe);
	RUN(insights__computes_arithmetic_and_functions);
	RUN(insights__computes_dates);
	RUN(insights__writes_times_as_strftime_does);
	RUN(insights__groups_by_computed_keys);
	RUN(insights__computes_arithmetic_over_aggregates);
	zipcode_remove_tree(scratch);
	return done();
}
