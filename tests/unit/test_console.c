/*
 * The console's model: templates that are real JSON events, ListFunctions parsed and sorted,
 * and Lambda's validation of names, memory, timeouts and environment variables.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aws/events.h"
#include "check/console.h"
#include "check/tune.h"
#include "harness.h"

TEST(console_templates__are_json_events)
{
	bool all = true;
	for (size_t i = 0; i < console_template_count; i++) {
		char *text = console_template_json(&console_templates[i]);
		cJSON *j = cJSON_Parse(text);
		if (!cJSON_IsObject(j)) {
			all = false;
			printf("#   %s is not a JSON object\n", console_templates[i].id);
		}
		cJSON_Delete(j);
		free(text);
	}
	ok(all, "every template parses as an object");
	is_int(console_template_count, 6, "hello world, API Gateway, S3, SNS, SQS, scheduled");
}

/* Same keys in the same order with the same types: the values of ids are drawn per sample. */
static bool same_shape(const cJSON *a, const cJSON *b)
{
	if (!a || !b || (a->type & 0xff) != (b->type & 0xff))
		return false;
	if (a->string && (!b->string || strcmp(a->string, b->string) != 0))
		return false;
	const cJSON *x = a->child, *y = b->child;
	for (; x && y; x = x->next, y = y->next)
		if (!same_shape(x, y))
			return false;
	return !x && !y;
}

TEST(console_templates__are_generate_events_samples)
{
	bool same = true;
	size_t generated = 0;
	for (size_t i = 0; i < console_template_count; i++) {
		const struct console_template *t = &console_templates[i];
		if (!t->service)
			continue;
		struct error err;
		error_clear(&err);
		char *want = events_generate(t->service, t->type, NULL, &err);
		char *got = console_template_json(t);
		cJSON *w = cJSON_Parse(want ? want : ""), *g = cJSON_Parse(got);
		bool same_text = want && strcmp(want, got) == 0;
		if (!same_text && !same_shape(w, g)) {
			same = false;
			printf("#   %s differs from generate-event %s %s\n", t->id, t->service,
			       t->type);
		}
		generated++;
		cJSON_Delete(w);
		cJSON_Delete(g);
		free(want);
		free(got);
	}
	ok(same, "each service template is generate-event's sample");
	is_int(generated, 5, "five come from generate-event; Hello World is the console's own");
	char *s3 = console_template_json(&console_templates[2]);
	ok(strstr(s3, "ObjectCreated:Put") != NULL, "the S3 template is a put");
	free(s3);
}

TEST(console_invocations__from_report_lines)
{
	const char *body =
		"{\"events\":["
		"{\"timestamp\":1000,\"logStreamName\":\"2026/11/27/[$LATEST]a\","
		"\"message\":\"START RequestId: r1 Version: $LATEST\\n\"},"
		"{\"timestamp\":1001,\"logStreamName\":\"2026/11/27/[$LATEST]a\","
		"\"message\":\"REPORT RequestId: r1\\tDuration: 2.50 ms\\tBilled Duration: 3 ms\\t"
		"Memory Size: 128 MB\\tMax Memory Used: 40 MB\\tInit Duration: 80.10 ms\\t\\n\"},"
		"{\"timestamp\":2000,\"logStreamName\":\"2026/11/27/[$LATEST]a\","
		"\"message\":\"REPORT RequestId: r2\\tDuration: 1.00 ms\\tBilled Duration: 1 ms\\t"
		"Memory Size: 1024 MB\\tMax Memory Used: 41 MB\\t\\n\"}],"
		"\"nextToken\":\"7\"}";
	struct console_log_event *v = NULL;
	size_t n = 0;
	char *next = NULL;
	ok(console_parse_log_events(body, NULL, &v, &n, &next) && n == 3, "three events");
	is_str(next, "7", "the next token");
	is_str(v[0].stream, "2026/11/27/[$LATEST]a", "the stream");
	struct console_invocation inv[4];
	size_t k = console_invocations(v, n, false, inv, 4);
	is_int(k, 2, "two REPORT lines, two invocations");
	is_str(inv[0].request_id, "r2", "newest first");
	ok(inv[0].init < 0, "r2 was warm");
	ok(inv[1].init > 80 && inv[1].init < 81, "r1 was cold: its init duration");
	is_int(inv[1].memory, 128, "memory size");
	is_int(inv[1].used, 40, "memory used");
	ok(inv[0].cost > inv[1].cost, "1024 MB for 1 ms costs more than 128 MB for 3 ms");
	ok(console_cost(1000, 1024, false) > 0.0000168 &&
		   console_cost(1000, 1024, false) < 0.0000169,
	   "one GB-second and a request");
	ok(console_cost(1000, 1024, true) < console_cost(1000, 1024, false), "arm64 is cheaper");
	char *pl = console_provisioned_lines(
		"{\"ProvisionedConcurrencyConfigs\":[{\"FunctionArn\":\"arn:aws:lambda:us-east-1:"
		"123456789012:function:f:live\",\"RequestedProvisionedConcurrentExecutions\":2,"
		"\"Status\":\"READY\"}]}",
		1024, false);
	/* 2 x 1 GB for 3,600 s at $0.0000041667 per GB-s. */
	ok(strstr(pl, "live: 2 x 1024 MB READY, $0.0300 an hour kept configured") != NULL,
	   "provisioned concurrency's charge kept configured: %s", pl);
	ok(strstr(pl, "$0.0000097222 per GB-s") != NULL, "and the rate of what it serves");
	free(pl);
	pl = console_alias_lines("{\"Aliases\":[{\"Name\":\"live\",\"FunctionVersion\":\"2\","
				 "\"RoutingConfig\":{\"AdditionalVersionWeights\":{\"3\":0.1}}},"
				 "{\"Name\":\"prod\",\"FunctionVersion\":\"1\"}]}");
	is_str(pl, "live: version 2 90%, version 3 10%\nprod: version 1 100%\n",
	       "aliases and their weights, as a deployment shifts them");
	free(pl);
	pl = console_provisioned_lines("{\"ProvisionedConcurrencyConfigs\":[]}", 128, false);
	is_str(pl, "", "none configured: nothing to say");
	free(pl);
	/* The cloud's records tell which a provisioned environment served: r2 was. */
	double on_demand = inv[0].cost;
	console_invocations_provisioned(
		inv, k,
		"{\"Invocations\":[{\"RequestId\":\"r2\",\"Provisioned\":true},"
		"{\"RequestId\":\"r1\",\"Provisioned\":false},"
		"{\"RequestId\":\"r9\",\"Provisioned\":true}]}",
		false);
	ok(inv[0].provisioned && !inv[1].provisioned, "r2 served by a provisioned environment");
	/* 1 ms at 1 GB: $0.0000097222 per GB-s and the request. */
	ok(fabs(inv[0].cost - (0.001 * 0.0000097222 + 0.0000002)) < 1e-15 &&
		   inv[0].cost < on_demand,
	   "priced at provisioned concurrency's duration rate: %.12f", inv[0].cost);
	console_invocations_provisioned(inv, k, "not json", false);
	ok(inv[0].provisioned, "an unreadable answer changes nothing");
	is_int(console_invocations(v, n, false, inv, 1), 1, "at most max");
	console_log_events_free(v, n);
	free(next);
	v = NULL;
	n = 0;
	ok(!console_parse_log_events("nope", NULL, &v, &n, &next), "not JSON");

	/* GetLogEvents names no stream: the caller's is used; two streams merge by time. */
	ok(console_parse_log_events("{\"events\":[{\"timestamp\":30,\"message\":\"b1\"},"
				    "{\"timestamp\":30,\"message\":\"b2\"}]}",
				    "s-b", &v, &n, &next),
	   "a stream's events");
	console_parse_log_events("{\"events\":[{\"timestamp\":10,\"message\":\"a1\"},"
				 "{\"timestamp\":40,\"message\":\"a2\"}]}",
				 "s-a", &v, &n, &next);
	console_log_events_sort(v, n);
	ok(n == 4 && strcmp(v[0].message, "a1") == 0 && strcmp(v[1].message, "b1") == 0 &&
		   strcmp(v[2].message, "b2") == 0 && strcmp(v[3].message, "a2") == 0,
	   "merged by time, same-millisecond events in their order");
	is_str(v[1].stream, "s-b", "the stream named by the caller");
	console_log_events_free(v, n);
	char **names;
	ok(console_parse_streams("{\"logStreams\":[{\"logStreamName\":\"x\"},"
				 "{\"logStreamName\":\"y\"}]}",
				 &names, &k) &&
		   k == 2 && strcmp(names[1], "y") == 0,
	   "DescribeLogStreams' names");
	for (size_t i = 0; i < k; i++)
		free(names[i]);
	free(names);
	char *req = console_stream_events_request("fn", "s", 200);
	ok(strstr(req, "\"startFromHead\":false") && strstr(req, "\"/aws/lambda/fn\""),
	   "the last events of a stream of the function's group");
	free(req);
}

TEST(console_parse_functions__reads_and_sorts)
{
	const char *body = "{\"Functions\":[{\"FunctionName\":\"zeta\",\"Runtime\":\"nodejs20.x\","
			   "\"MemorySize\":256,\"Timeout\":10},{\"FunctionName\":\"alpha\","
			   "\"Runtime\":\"python3.12\",\"Handler\":\"a.h\",\"MemorySize\":128,"
			   "\"Timeout\":3,\"Environment\":{\"Variables\":{\"STAGE\":\"dev\"}}}]}";
	struct console_fn *v;
	size_t n;
	ok(console_parse_functions(body, &v, &n) && n == 2, "two functions");
	is_str(v[0].name, "alpha", "sorted by name");
	is_int(v[0].memory, 128, "memory");
	is_str(v[0].env, "{\"STAGE\":\"dev\"}", "environment");
	is_str(v[1].env, "{}", "no environment is {}");
	is_str(v[0].arch, "x86_64", "x86_64 when Architectures is absent");
	console_fns_free(v, n);
	ok(!console_parse_functions("not json", &v, &n), "a body that is not JSON");
}

TEST(console_validation__follows_lambda)
{
	char why[200];
	int v;
	ok(console_valid_name("my-func_1", why, sizeof(why)), "a good name");
	ok(!console_valid_name("my func", why, sizeof(why)), "a space");
	ok(!console_valid_name("", why, sizeof(why)), "empty");
	ok(console_valid_memory("10240", &v, why, sizeof(why)) && v == 10240, "10,240 MB");
	ok(!console_valid_memory("64", &v, why, sizeof(why)) && strstr(why, "128"), "64 MB");
	ok(!console_valid_memory("12x", &v, why, sizeof(why)), "not a number");
	ok(console_valid_timeout("900", &v, why, sizeof(why)) && v == 900, "15 minutes");
	ok(!console_valid_timeout("901", &v, why, sizeof(why)), "over 15 minutes");
	char *env = console_env_apply("{\"A1\":\"x\"}", "STAGE=prod", why, sizeof(why));
	cJSON *j = cJSON_Parse(env);
	ok(j && strcmp(cJSON_GetObjectItem(j, "STAGE")->valuestring, "prod") == 0 &&
		   cJSON_GetObjectItem(j, "A1"),
	   "a variable is added beside the others");
	cJSON_Delete(j);
	char *removed = console_env_apply(env, "A1=", why, sizeof(why));
	is_str(removed, "{\"STAGE\":\"prod\"}", "KEY= removes it");
	free(env);
	free(removed);
	ok(!console_env_apply("{}", "AWS_REGION=x", why, sizeof(why)) && strstr(why, "reserved"),
	   "a reserved variable");
	ok(!console_env_apply("{}", "1X=y", why, sizeof(why)), "a name starting with a digit");
	ok(!console_env_apply("{}", "novalue", why, sizeof(why)), "no '='");
	char *pretty = console_pretty("{\"a\":[1,2]}");
	ok(strstr(pretty, "\n  \"a\"") != NULL, "pretty JSON with two-space indents");
	free(pretty);
}

TEST(tune__sizes_strategies_and_reports)
{
	int m[TUNE_MAX_SIZES];
	size_t n = 0;
	struct error err;
	error_clear(&err);
	ok(tune_parse_memory("1024,128,512,128", m, &n, &err) && n == 3 && m[0] == 128 &&
		   m[1] == 512 && m[2] == 1024,
	   "sizes sorted, a repeated size once");
	ok(!tune_parse_memory("64,128", m, &n, &err) && strstr(err.msg, "128-10240"),
	   "64 MB is below Lambda's range");
	ok(!tune_parse_memory("128,,256", m, &n, &err), "an empty item");
	ok(!tune_parse_memory("128.5", m, &n, &err), "a fraction of a MB");
	ok(!tune_parse_memory("", m, &n, &err), "no size");
	/* 128 MB: slow and cheapest; 1024 MB: fastest and dearest; 512 MB: in between. */
	struct tune_point p[] = {
		{ 128, 1000, 1000, -1, 2.1e-6 },
		{ 512, 200, 200, -1, 2.3e-6 },
		{ 1024, 150, 150, -1, 2.7e-6 },
	};
	is_int(tune_pick(p, 3, TUNE_COST), 0, "cost: the cheapest");
	is_int(tune_pick(p, 3, TUNE_SPEED), 2, "speed: the fastest");
	is_int(tune_pick(p, 3, TUNE_BALANCED), 1, "balanced: both scaled to 0-1, weighed equally");
	enum tune_strategy s;
	ok(tune_parse_strategy("balanced", &s) && s == TUNE_BALANCED &&
		   !tune_parse_strategy("x", &s),
	   "strategies by name");
	double d, b, i;
	ok(tune_parse_report("START RequestId: 1\nREPORT RequestId: 1\tDuration: 12.50 ms\tBilled "
			     "Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t\n",
			     &d, &b, &i) &&
		   d == 12.5 && b == 13 && i == -1,
	   "the Text format's REPORT line");
	ok(tune_parse_report("{\"time\":\"x\",\"type\":\"platform.report\",\"record\":{\"metrics\":"
			     "{\"durationMs\":7.25,\"billedDurationMs\":8,\"initDurationMs\":99."
			     "5}}}\n",
			     &d, &b, &i) &&
		   d == 7.25 && b == 8 && i == 99.5,
	   "the JSON format's platform.report record");
	ok(!tune_parse_report("no report here\n", &d, &b, &i), "no report");
}

static void console_metrics__plots_and_alarms(void)
{
	/* 10:00:30 now: the window is the 30 minutes ending 10:01 (minutes 09:31 .. 10:00). */
	long long now = 1796637630, end = 1796637660;
	char *req = console_metrics_request("orders", now, 60, 1024, false);
	cJSON *r = cJSON_Parse(req);
	const cJSON *q = cJSON_GetObjectItem(r, "MetricDataQueries");
	ok(cJSON_GetArraySize(q) == CONSOLE_METRICS + 1 &&
		   cJSON_GetObjectItem(r, "EndTime")->valuedouble == end &&
		   cJSON_GetObjectItem(r, "StartTime")->valuedouble == end - 1800 &&
		   strstr(req, "\"Stat\":\"p99\"") && strstr(req, "\"Value\":\"orders\""),
	   "GetMetricData: the function's metrics over the last 30 minutes");
	ok(strstr(req, "\"Expression\":\"duration / 1000 * 1024 / 1024 * 0.0000166667 + "
		       "invocations * 0.0000002\"") &&
		   strstr(req, "\"Id\":\"duration\",\"MetricStat\"") &&
		   strstr(req, "\"ReturnData\":false"),
	   "the cost: Duration's sum at the memory's price, plus the requests: %s", req);
	cJSON_Delete(r);
	free(req);
	req = console_metrics_request("orders", now, 2880, 512, true);
	r = cJSON_Parse(req);
	/* 24 hours of 48-minute columns, ending with the column now is in */
	long long wend = now / 2880 * 2880 + 2880;
	ok(cJSON_GetObjectItem(r, "EndTime")->valuedouble == wend &&
		   cJSON_GetObjectItem(r, "StartTime")->valuedouble == wend - 86400 &&
		   strstr(req, "\"Period\":2880") && strstr(req, "* 512 / 1024 * 0.0000133334"),
	   "a 24-hour window at arm64's price");
	cJSON_Delete(r);
	free(req);
	char wide[300];
	snprintf(wide, sizeof(wide),
		 "{\"MetricDataResults\":[{\"Id\":\"cost\",\"Timestamps\":[%lld],"
		 "\"Values\":[0.5]}]}",
		 wend - 2880);
	struct console_series w[CONSOLE_METRICS];
	ok(console_parse_metrics(wide, now, 2880, w) && w[CONSOLE_COST].has[29] &&
		   w[CONSOLE_COST].v[29] == 0.5 && !w[CONSOLE_COST].has[28],
	   "a wide window's last column");
	char json[400];
	snprintf(json, sizeof(json),
		 "{\"MetricDataResults\":[{\"Id\":\"invocations\",\"Timestamps\":[%lld,%lld,%lld],"
		 "\"Values\":[4,2,9]},{\"Id\":\"p99\",\"Timestamps\":[],\"Values\":[]}]}",
		 end - 60, end - 120, end - 3600);
	struct console_series m[CONSOLE_METRICS];
	ok(console_parse_metrics(json, now, 60, m), "GetMetricData's answer read");
	ok(m[CONSOLE_INVOCATIONS].has[29] && m[CONSOLE_INVOCATIONS].v[29] == 4 &&
		   m[CONSOLE_INVOCATIONS].v[28] == 2 && !m[CONSOLE_INVOCATIONS].has[0] &&
		   !m[CONSOLE_P99].has[29],
	   "each datapoint in its minute, the oldest outside the window left out");
	char spark[CONSOLE_MINUTES * 3 + 1];
	double max;
	console_spark(&m[CONSOLE_INVOCATIONS], spark, &max);
	is_str(spark + 28, "▅█", "the last two minutes as blocks, the highest full");
	ok(max == 4 && spark[0] == '.', "the maximum, a dot for a minute without data");
	ok(!console_parse_metrics("{}", now, 60, m), "not an answer");
	ok(console_clock_now_s("{\"account\":\"1\",\"now\":1800000300500,\"scale\":1}", 5) ==
		   1800000300,
	   "the window ends at the account's virtual clock");
	ok(console_clock_now_s(NULL, 5) == 5 && console_clock_now_s("{}", 5) == 5,
	   "the wall clock when the cloud does not tell");
	char *a = console_alarms_of(
		"{\"MetricAlarms\":[{\"AlarmName\":\"a\",\"StateValue\":\"ALARM\",\"Dimensions\":"
		"[{\"Name\":\"FunctionName\",\"Value\":\"orders\"}]},{\"AlarmName\":\"b\","
		"\"StateValue\":\"OK\",\"Dimensions\":[{\"Name\":\"FunctionName\",\"Value\":"
		"\"ordersx\"}]},{\"AlarmName\":\"c\",\"StateValue\":\"OK\",\"Metrics\":[{"
		"\"MetricStat\":{\"Metric\":{\"Dimensions\":[{\"Name\":\"FunctionName\","
		"\"Value\":\"orders\"}]}}}]}]}",
		"orders");
	is_str(a, "a ALARM\nc OK\n", "the function's alarms, on a metric or in metric math");
	free(a);
}

TEST(console_traces__draw_a_waterfall)
{
	/* Lambda's two segments, the function's Invocation, and a subsegment sent on its own
	 * under the function segment; an older trace after it. */
	char *w = console_trace_waterfall(
		"{\"Traces\":[{\"Id\":\"1-old\",\"Segments\":[{\"Id\":\"s0\",\"Document\":"
		"\"{\\\"id\\\":\\\"s0\\\",\\\"name\\\":\\\"f\\\",\\\"start_time\\\":10,"
		"\\\"end_time\\\":11}\"}]},"
		"{\"Id\":\"1-new\",\"Segments\":["
		"{\"Id\":\"p1\",\"Document\":\"{\\\"id\\\":\\\"p1\\\",\\\"type\\\":"
		"\\\"subsegment\\\",\\\"name\\\":\\\"pricing\\\",\\\"namespace\\\":\\\"remote\\\","
		"\\\"parent_id\\\":\\\"fn\\\",\\\"start_time\\\":100.5,\\\"end_time\\\":101,"
		"\\\"fault\\\":true}\"},"
		"{\"Id\":\"fn\",\"Document\":\"{\\\"id\\\":\\\"fn\\\",\\\"name\\\":\\\"f\\\","
		"\\\"origin\\\":\\\"AWS::Lambda::Function\\\",\\\"parent_id\\\":\\\"sv\\\","
		"\\\"start_time\\\":100,\\\"end_time\\\":102,\\\"subsegments\\\":[{\\\"id\\\":"
		"\\\"i1\\\",\\\"name\\\":\\\"Invocation\\\",\\\"start_time\\\":100,"
		"\\\"end_time\\\":101.5}]}\"},"
		"{\"Id\":\"sv\",\"Document\":\"{\\\"id\\\":\\\"sv\\\",\\\"name\\\":\\\"f\\\","
		"\\\"origin\\\":\\\"AWS::Lambda\\\",\\\"parent_id\\\":\\\"caller\\\","
		"\\\"start_time\\\":100,\\\"end_time\\\":102}\"}]}]}",
		NULL, 4);
	ok(w != NULL, "an answer");
	const char *want = "1-new  2000.0 ms  fault\n"
			   "f                          AWS::Lambda            |████|   2000.0 ms\n"
			   "  f                        AWS::Lambda::Function  |████|   2000.0 ms\n"
			   "    Invocation                                    |███ |   1500.0 ms\n"
			   "    pricing                remote                 | █  |    500.0 ms"
			   "  fault\n"
			   "1-old  1000.0 ms\n"
			   "f                                                 |████|   1000.0 ms\n";
	is_str(w, want, "newest first, each part under its parent, bars on the trace's span");
	free(w);
	ok(console_trace_waterfall("{}", NULL, 10) == NULL, "not an answer");
	w = console_trace_waterfall("{\"Traces\":[]}", NULL, 10);
	is_str(w, "", "no traces");
	free(w);
}

TEST(console_traces__draw_an_sqs_batch_s_links)
{
	/* An SQS batch's invocation: Lambda's segment links to the traces of the batch's other
	 * two messages; one of them is in the linked answer (its producer's subsegment). */
	const char *batch =
		"{\"Traces\":[{\"Id\":\"1-batch\",\"Segments\":[{\"Id\":\"sv\",\"Document\":"
		"\"{\\\"id\\\":\\\"sv\\\",\\\"name\\\":\\\"sink\\\",\\\"origin\\\":"
		"\\\"AWS::Lambda\\\",\\\"start_time\\\":100,\\\"end_time\\\":101,"
		"\\\"links\\\":[{\\\"trace_id\\\":\\\"1-a\\\",\\\"id\\\":\\\"00aa\\\"},"
		"{\\\"trace_id\\\":\\\"1-b\\\",\\\"id\\\":\\\"00bb\\\"},"
		"{\\\"trace_id\\\":\\\"1-a\\\",\\\"id\\\":\\\"00ab\\\"}]}\"}]}]}";
	const char *linked =
		"{\"Traces\":[{\"Id\":\"1-a\",\"Segments\":[{\"Id\":\"pr\",\"Document\":"
		"\"{\\\"id\\\":\\\"pr\\\",\\\"name\\\":\\\"producer\\\",\\\"origin\\\":"
		"\\\"AWS::Lambda::Function\\\",\\\"start_time\\\":90,\\\"end_time\\\":91,"
		"\\\"subsegments\\\":[{\\\"id\\\":\\\"00aa\\\",\\\"name\\\":\\\"SQS\\\","
		"\\\"namespace\\\":\\\"aws\\\",\\\"start_time\\\":90,\\\"end_time\\\":90.5}]}\"}]}]"
		"}";
	cJSON *ids = console_trace_links(batch);
	char *text = cJSON_PrintUnformatted(ids);
	is_str(text, "[\"1-a\",\"1-b\"]", "the linked traces, once each");
	free(text);
	cJSON_Delete(ids);
	char *w = console_trace_waterfall(batch, linked, 4);
	const char *want = "1-batch  1000.0 ms\n"
			   "sink                       AWS::Lambda            |████|   1000.0 ms\n"
			   "  ┄ linked: 1-a from SQS (aws)\n"
			   "  ┄ linked: 1-b from segment 00bb\n"
			   "  ┄ linked: 1-a from segment 00ab\n";
	is_str(w, want, "a line a link under the segment, naming the producer when known");
	free(w);
	w = console_trace_waterfall(batch, NULL, 4);
	ok(w && strstr(w, "  ┄ linked: 1-a from segment 00aa\n"),
	   "without the linked traces, the segment's id");
	free(w);
	/* A trace the answer holds is not asked for again. */
	ids = console_trace_links("{\"Traces\":[{\"Id\":\"1-a\",\"Segments\":[{\"Id\":\"x\","
				  "\"Document\":\"{\\\"id\\\":\\\"x\\\",\\\"links\\\":[{"
				  "\\\"trace_id\\\":\\\"1-a\\\",\\\"id\\\":\\\"y\\\"}]}\"}]}]}");
	ok(cJSON_GetArraySize(ids) == 0, "its own trace is not linked again");
	cJSON_Delete(ids);
}

TEST(console_grants__lists_calls_and_grants)
{
	char *g = console_grants_of(
		"{\"function\":\"f\",\"calls\":[{\"action\":\"ssm:GetParameter\",\"resource\":"
		"\"arn:p\",\"count\":2,\"decision\":\"allowed\"},{\"action\":\"s3:GetObject\","
		"\"resource\":\"arn:o\",\"count\":1,\"decision\":\"denied\"}],\"used\":[{"
		"\"policy\":\"p\",\"action\":\"ssm:GetParameter\",\"resource\":\"arn:p\"}],"
		"\"unused\":[{\"policy\":\"p\",\"action\":\"sqs:*\",\"resource\":[\"arn:a\","
		"\"arn:b\"]}]}");
	is_str(g,
	       "call ssm:GetParameter arn:p 2 allowed\ncall s3:GetObject arn:o 1 denied\n"
	       "used ssm:GetParameter arn:p\nunused sqs:* arn:a, arn:b\n",
	       "calls with their decisions, then the grants used and unused");
	free(g);
	g = console_grants_of("{\"calls\":[]}");
	is_str(g, "", "a function that made no call: no line");
	free(g);
	ok(console_grants_of("{}") == NULL && console_grants_of("not json") == NULL,
	   "not a report: NULL");
}

int main(void)
{
	RUN(console_grants__lists_calls_and_grants);
	RUN(console_templates__are_json_events);
	RUN(console_templates__are_generate_events_samples);
	RUN(console_invocations__from_report_lines);
	RUN(console_parse_functions__reads_and_sorts);
	RUN(console_validation__follows_lambda);
	RUN(tune__sizes_strategies_and_reports);
	RUN(console_metrics__plots_and_alarms);
	RUN(console_traces__draw_a_waterfall);
	RUN(console_traces__draw_an_sqs_batch_s_links);
	return done();
}
