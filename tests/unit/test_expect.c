/*
 * The expectation language: structural JSON comparison, field lookup (body parsed from its
 * JSON string), ${...} expressions, every matcher, error and log expectations, REPORT lines
 * and random events.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check/event.h"
#include "check/expect.h"
#include "course/exercise_expr.h"
#include "harness.h"

static cJSON *J(const char *text)
{
	cJSON *j = cJSON_Parse(text);
	if (!j)
		printf("# bad JSON in test: %s\n", text);
	return j;
}

static bool eq(const char *a, const char *b)
{
	cJSON *x = J(a), *y = J(b);
	bool r = expect_json_equal(x, y);
	cJSON_Delete(x);
	cJSON_Delete(y);
	return r;
}

static bool contains(const char *got, const char *want)
{
	cJSON *x = J(got), *y = J(want);
	bool r = expect_json_contains(x, y);
	cJSON_Delete(x);
	cJSON_Delete(y);
	return r;
}

TEST(expect_json_equal__ignores_key_order_and_whitespace)
{
	ok(eq("{\"a\":1,\"b\":[1,2]}", "{ \"b\" : [1, 2],\n \"a\": 1 }"), "same object");
	ok(eq("5", "5.0"), "5 and 5.0 are one number");
	ok(!eq("{\"a\":1}", "{\"a\":1,\"b\":2}"), "an extra key differs");
	ok(!eq("[1,2]", "[2,1]"), "array order matters");
	ok(!eq("\"5\"", "5"), "a string is not a number");
	ok(!eq("true", "1"), "a boolean is not a number");
}

TEST(expect_json_contains__is_a_structural_subset)
{
	ok(contains("{\"a\":1,\"b\":{\"c\":2,\"d\":3}}", "{\"b\":{\"c\":2}}"), "nested subset");
	ok(!contains("{\"a\":1}", "{\"a\":2}"), "a different value");
	ok(!contains("{\"a\":1}", "{\"b\":1}"), "a missing key");
	ok(contains("[{\"x\":1,\"y\":2}]", "[{\"x\":1}]"), "arrays element by element");
	ok(!contains("[1,2,3]", "[1,2]"), "arrays of different lengths");
}

static bool lookup(void *ctx, const char *ref, struct expr_value *out, struct error *err)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
	if (strcmp(ref, "event.a") == 0) {
		out->is_num = true;
		out->num = 7;
		return true;
	}
	if (strcmp(ref, "event.name") == 0) {
		out->str = strdup("Ada");
		return true;
	}
	return error_set(err, "'%s' is not known", ref);
}

TEST(expr_eval__computes_with_precedence_and_references)
{
	struct expr_value v;
	struct error err;
	error_clear(&err);
	ok(expr_eval("event.a + 2 * 3", lookup, NULL, &v, &err) && v.is_num && v.num == 13,
	   "precedence");
	ok(expr_eval("(event.a + 1) / 4", lookup, NULL, &v, &err) && v.num == 2, "parentheses");
	ok(expr_eval("-event.a % 4", lookup, NULL, &v, &err) && v.num == -3,
	   "unary minus and remainder");
	ok(expr_eval("'Hello, ' + event.name", lookup, NULL, &v, &err) && !v.is_num &&
		   strcmp(v.str, "Hello, Ada") == 0,
	   "+ joins text");
	expr_value_release(&v);
	ok(!expr_eval("event.a / 0", lookup, NULL, &v, &err) && strstr(err.msg, "division"),
	   "division by zero is an error");
	ok(!expr_eval("event.b", lookup, NULL, &v, &err) && strstr(err.msg, "event.b"),
	   "an unknown reference names itself");
	ok(!expr_eval("1 +", lookup, NULL, &v, &err), "a dangling operator");
	ok(!expr_eval("(1", lookup, NULL, &v, &err) && strstr(err.msg, "')'"), "unclosed (");
	ok(!expr_eval("event.name * 2", lookup, NULL, &v, &err), "arithmetic on text");
}

TEST(expr_expand__interpolates_and_keeps_whole_values)
{
	struct error err;
	error_clear(&err);
	char *s = expr_expand("Hello, ${event.name}! ${event.a / 2}", lookup, NULL, &err);
	is_str(s, "Hello, Ada! 3.5", "text with two expressions");
	free(s);
	s = expr_expand("cost: $${literal}", lookup, NULL, &err);
	is_str(s, "cost: ${literal}", "$${ is a literal ${");
	free(s);
	ok(expr_expand("${event.a", lookup, NULL, &err) == NULL, "an unclosed ${ is an error");
	char whole[64];
	ok(expr_whole(" ${event.a + 1} ", whole, sizeof(whole)) &&
		   strcmp(whole, "event.a + 1") == 0,
	   "one whole expression");
	ok(!expr_whole("x${event.a}", whole, sizeof(whole)), "text around it is not whole");
}

/* A subject as a Python handler's invocation leaves it. */
struct fixture {
	cJSON *event, *response, *config;
	struct expect_subject s;
};

static void fixture_init(struct fixture *f, const char *event, const char *payload)
{
	f->event = J(event);
	f->response = J(payload);
	f->config = J("{\"FunctionName\":\"hello\",\"MemorySize\":256,\"Timeout\":10,"
		      "\"Environment\":{\"Variables\":{\"STAGE\":\"dev\"}}}");
	memset(&f->s, 0, sizeof(f->s));
	f->s.event = f->event;
	f->s.response = f->response;
	f->s.payload = payload;
	f->s.config = f->config;
	f->s.request_id = "c0ffee00-0000-4000-8000-000000000001";
	f->s.function = "hello";
	f->s.log = "START RequestId: c0ffee00 Version: $LATEST\n"
		   "[INFO]\t2026-11-27T05:00:00.000Z\tc0ffee00\tadd 2 3 = 5\n"
		   "END RequestId: c0ffee00\n"
		   "REPORT RequestId: c0ffee00\tDuration: 1.25 ms\tBilled Duration: 2 ms\t"
		   "Memory Size: 256 MB\tMax Memory Used: 41 MB\tInit Duration: 120.50 ms\t\n";
}

static void fixture_release(struct fixture *f)
{
	cJSON_Delete(f->event);
	cJSON_Delete(f->response);
	cJSON_Delete(f->config);
}

static bool judge_value(struct fixture *f, const char *field, enum expect_op op, const char *value,
			char **got_out, char **want_out)
{
	struct expect_matcher m = { op, (char *)value };
	struct exercise_expect e = { 0 };
	e.kind = EXPECT_VALUE;
	e.field = (char *)field;
	e.matchers = &m;
	e.n_matchers = 1;
	e.tolerance = 0.001;
	struct strbuf got = STRBUF_INIT, want = STRBUF_INIT;
	bool r = expect_judge(&e, &f->s, &got, &want);
	if (got_out)
		*got_out = strbuf_detach(&got);
	if (want_out)
		*want_out = strbuf_detach(&want);
	strbuf_release(&got);
	strbuf_release(&want);
	return r;
}

#define BODY \
	"{\"statusCode\":200,\"body\":\"{\\\"message\\\": \\\"Hello, Ada!\\\", \\\"n\\\": 3.5}\"}"

TEST(expect_field__parses_the_body_and_reaches_config_and_report)
{
	struct fixture f;
	fixture_init(&f, "{\"name\":\"Ada\",\"a\":7,\"b\":2}", BODY);
	cJSON *v = expect_field(&f.s, "body.message");
	ok(cJSON_IsString(v) && strcmp(v->valuestring, "Hello, Ada!") == 0,
	   "body.message from the JSON string");
	cJSON_Delete(v);
	v = expect_field(&f.s, "response.statusCode");
	ok(cJSON_IsNumber(v) && v->valueint == 200, "response.statusCode");
	cJSON_Delete(v);
	v = expect_field(&f.s, "config.Environment.Variables.STAGE");
	ok(cJSON_IsString(v) && strcmp(v->valuestring, "dev") == 0, "a configuration path");
	cJSON_Delete(v);
	v = expect_field(&f.s, "report.max_memory_used");
	ok(cJSON_IsNumber(v) && v->valuedouble == 41, "Max Memory Used from REPORT");
	cJSON_Delete(v);
	v = expect_field(&f.s, "body.missing");
	ok(v == NULL, "an absent field is NULL");
	fixture_release(&f);
}

TEST(expect_judge__every_matcher_passes_and_fails_with_a_reason)
{
	struct fixture f;
	fixture_init(&f, "{\"name\":\"Ada\",\"a\":7,\"b\":2}", BODY);
	char *got, *want;
	ok(judge_value(&f, "body.message", EXPECT_EQUALS, "\"Hello, ${event.name}!\"", NULL, NULL),
	   "equals with a template");
	ok(!judge_value(&f, "body.message", EXPECT_EQUALS, "\"Hello, World!\"", &got, &want),
	   "equals fails");
	is_str(got, "body.message = \"Hello, Ada!\"", "what came back");
	is_str(want, "body.message: equal to \"Hello, World!\"", "what was expected");
	free(got);
	free(want);
	ok(judge_value(&f, "body.n", EXPECT_NEAR, "\"${event.a / event.b}\"", NULL, NULL),
	   "near an expression");
	ok(!judge_value(&f, "body.n", EXPECT_NEAR, "3.6", NULL, NULL), "outside the tolerance");
	ok(judge_value(&f, "body", EXPECT_CONTAINS, "{\"n\": 3.5}", NULL, NULL), "contains");
	ok(judge_value(&f, "body.message", EXPECT_MATCHES, "^Hello, [A-Z]", NULL, NULL), "matches");
	ok(!judge_value(&f, "body.message", EXPECT_MATCHES, "^Bye", NULL, NULL), "does not match");
	ok(judge_value(&f, "body.n", EXPECT_MIN, "3", NULL, NULL), "min");
	ok(!judge_value(&f, "body.n", EXPECT_MAX, "3", NULL, NULL), "max");
	ok(judge_value(&f, "report.duration", EXPECT_MAX, "1000", NULL, NULL), "duration");
	ok(judge_value(&f, "response.statusCode", EXPECT_TYPE, "integer", NULL, NULL),
	   "type integer");
	ok(!judge_value(&f, "body.message", EXPECT_TYPE, "number", NULL, NULL), "type mismatch");
	ok(judge_value(&f, "body.error", EXPECT_ABSENT, "true", NULL, NULL), "absent");
	ok(judge_value(&f, "config.MemorySize", EXPECT_NOT_EQUALS, "128", NULL, NULL),
	   "not_equals");
	ok(!judge_value(&f, "body.message", EXPECT_EQUALS, "\"${event.nope}\"", NULL, &want),
	   "a reference to nothing fails");
	ok(strstr(want, "event.nope") != NULL, "and says which reference");
	free(want);
	fixture_release(&f);
}

TEST(expect_judge__function_errors_and_logs)
{
	struct fixture f;
	fixture_init(&f, "{\"a\":2,\"b\":3}",
		     "{\"errorMessage\":\"division by zero\",\"errorType\":\"ZeroDivisionError\"}");
	f.s.function_error = "Unhandled";
	struct exercise_expect e = { 0 };
	e.kind = EXPECT_ERROR;
	struct strbuf got = STRBUF_INIT, want = STRBUF_INIT;
	ok(!expect_judge(&e, &f.s, &got, &want), "error: false fails on a function error");
	ok(strstr(got.buf, "ZeroDivisionError") != NULL, "and shows the errorType");
	strbuf_reset(&got);
	strbuf_reset(&want);
	e.error = true;
	e.error_type = (char *)"^ZeroDivision";
	e.error_message = (char *)"zero";
	ok(expect_judge(&e, &f.s, &got, &want), "error type and message patterns");
	e.error_message = (char *)"^overflow";
	ok(!expect_judge(&e, &f.s, &got, &want), "a message that does not match");
	struct exercise_expect l = { 0 };
	l.kind = EXPECT_LOG;
	l.pattern = (char *)"add ${event.a} ${event.b} = ${event.a + event.b}$";
	ok(expect_judge(&l, &f.s, &got, &want), "a log line with computed values");
	l.log_absent = true;
	ok(!expect_judge(&l, &f.s, &got, &want), "no_log fails when the line is there");
	f.s.call_error = "the Invoke call failed: HTTP 404";
	l.log_absent = false;
	strbuf_reset(&got);
	ok(!expect_judge(&l, &f.s, &got, &want) && strstr(got.buf, "404"),
	   "a failed call fails every expectation, saying why");
	ok(strstr(want.buf, "an answer from your function") != NULL,
	   "and what it waited for, in words: %s", want.buf);
	f.s.call_error = NULL;
	char *g = NULL, *w = NULL;
	bool r = judge_value(&f, "body.result", EXPECT_EQUALS, "5", &g, &w);
	ok(!r &&
		   strstr(g, "the handler raised ZeroDivisionError instead of returning: "
			     "\"division by zero\"") &&
		   !strstr(g, "(absent)"),
	   "a value the handler never returned because it raised shows the exception");
	ok(strstr(w, "body.result: equal to 5") != NULL, "next to what was expected");
	free(g);
	free(w);
	f.s.call_error = "there is no function named 'hello' in your account";
	f.s.config = NULL;
	r = judge_value(&f, "config.MemorySize", EXPECT_EQUALS, "128", &g, &w);
	ok(!r && strstr(w, "a function named 'hello' to read the function's memory setting"),
	   "no function, in words");
	f.s.call_error = NULL;
	f.s.config = f.config;
	free(g);
	free(w);
	r = judge_value(&f, "config.MemorySize", EXPECT_EQUALS, "128", &g, &w);
	ok(!r && strstr(g, "the function's memory setting (MemorySize) = 256"),
	   "configuration in a learner's words");
	free(g);
	free(w);
	strbuf_release(&got);
	strbuf_release(&want);
	fixture_release(&f);
}

TEST(expect_parse_report__reads_the_last_report_line)
{
	struct expect_report r;
	const char *line;
	size_t len;
	ok(expect_parse_report("START x\nREPORT RequestId: x\tDuration: 3.50 ms\tBilled Duration: "
			       "4 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t\n",
			       &r, &line, &len),
	   "found");
	ok(r.duration == 3.5 && r.billed_duration == 4 && r.memory_size == 128 &&
		   r.max_memory_used == 20 && r.init_duration < 0,
	   "every field, no Init Duration on a warm start");
	ok(!expect_parse_report("START x\nEND x\n", &r, NULL, NULL), "no REPORT line");
	ok(!expect_parse_report(NULL, &r, NULL, NULL), "no log");
}

TEST(event_generate__draws_fresh_values_within_bounds)
{
	struct event_rng rng;
	event_rng_seed(&rng, 42);
	const char *t =
		"{\"op\":\"add\",\"a\":{\"random\":\"int\",\"min\":3,\"max\":5},"
		"\"n\":{\"random\":\"name\"},\"x\":{\"random\":\"number\",\"min\":0,"
		"\"max\":1,\"decimals\":2},\"c\":{\"random\":\"choice\",\"of\":[\"p\",\"q\"]},"
		"\"u\":{\"random\":\"uuid\"},\"w\":[{\"random\":\"word\"}]}";
	bool in_range = true, varied = false;
	int first = -1;
	for (int i = 0; i < 200; i++) {
		cJSON *e = event_generate(t, &rng);
		const cJSON *a = cJSON_GetObjectItem(e, "a");
		const cJSON *x = cJSON_GetObjectItem(e, "x");
		const cJSON *c = cJSON_GetObjectItem(e, "c");
		const cJSON *u = cJSON_GetObjectItem(e, "u");
		const cJSON *w = cJSON_GetArrayItem(cJSON_GetObjectItem(e, "w"), 0);
		if (!cJSON_IsNumber(a) || a->valueint < 3 || a->valueint > 5)
			in_range = false;
		if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > 1 ||
		    fabs(x->valuedouble * 100 - round(x->valuedouble * 100)) > 1e-6)
			in_range = false;
		if (!cJSON_IsString(c) ||
		    (strcmp(c->valuestring, "p") && strcmp(c->valuestring, "q")))
			in_range = false;
		if (!cJSON_IsString(u) || strlen(u->valuestring) != 36 || u->valuestring[14] != '4')
			in_range = false;
		if (!cJSON_IsString(w) || strlen(w->valuestring) < 5)
			in_range = false;
		if (first < 0)
			first = a->valueint;
		else if (a->valueint != first)
			varied = true;
		if (i == 0)
			ok(strcmp(cJSON_GetObjectItem(e, "op")->valuestring, "add") == 0,
			   "plain values are kept");
		cJSON_Delete(e);
	}
	ok(in_range, "every drawn value is within its bounds and of its kind");
	ok(varied, "values vary between runs");
	ok(event_generate("{not json", &rng) == NULL, "a template that is not JSON");
}

TEST(expect_judge__observations_vars_lengths_and_log_counts)
{
	struct fixture f;
	fixture_init(&f, "{\"a\":2}",
		     "{\"statusCode\":200,\"headers\":{\"Content-Type\":"
		     "\"application/json\"},\"body\":\"{\\\"items\\\":[1,2]}\"}");
	cJSON *vars = J("{\"bucket\":\"in-7\",\"n\":3,\"gone\":null}");
	cJSON *values = J("{\"object\":{\"rows\":3,\"name\":\"Ada\"},\"keys\":[\"uploads/a\"],"
			  "\"messages\":[{\"body\":{\"requestContext\":{\"condition\":"
			  "\"RetriesExhausted\"}}}],\"invocations\":4,\"status\":202}");
	f.s.vars = vars;
	f.s.values = values;
	ok(judge_value(&f, "object.rows", EXPECT_EQUALS, "\"${vars.n}\"", NULL, NULL),
	   "an observed object's field against a var");
	ok(judge_value(&f, "messages[0].body.requestContext.condition", EXPECT_EQUALS,
		       "\"RetriesExhausted\"", NULL, NULL),
	   "a message's parsed body");
	ok(judge_value(&f, "invocations", EXPECT_EQUALS, "4", NULL, NULL), "invocations");
	ok(judge_value(&f, "status", EXPECT_EQUALS, "202", NULL, NULL),
	   "an Event invocation's status");
	ok(judge_value(&f, "keys", EXPECT_LENGTH, "1", NULL, NULL), "the length of an array");
	ok(judge_value(&f, "body.items", EXPECT_LENGTH, "2", NULL, NULL), "of a body's array");
	ok(judge_value(&f, "object.name", EXPECT_LENGTH, "3", NULL, NULL), "of a string");
	ok(judge_value(&f, "object", EXPECT_LENGTH, "\"${vars.n - 1}\"", NULL, NULL),
	   "of an object, against an expression");
	char *got = NULL, *want = NULL;
	ok(!judge_value(&f, "keys", EXPECT_LENGTH, "2", &got, &want) &&
		   strstr(want, "of length 2") != NULL,
	   "a wrong length says what it wanted");
	free(got);
	free(want);
	ok(!judge_value(&f, "object.size", EXPECT_LENGTH, "0", NULL, NULL),
	   "an absent value has no length");
	ok(judge_value(&f, "response.headers", EXPECT_MATCHES,
		       "\"[Cc]ontent-[Tt]ype\":\"application/json", NULL, NULL),
	   "a pattern over an object's JSON text");
	ok(!judge_value(&f, "object.name", EXPECT_EQUALS, "\"${vars.gone}\"", NULL, &want) &&
		   strstr(want, "has no value in this run") != NULL,
	   "a var that a step saved as nothing");
	free(want);
	cJSON *e = expect_field(&f.s, "object.name");
	ok(cJSON_IsString(e) && strcmp(e->valuestring, "Ada") == 0,
	   "expect_field reaches what a step observed");
	cJSON_Delete(e);

	struct exercise_expect l = { 0 };
	l.kind = EXPECT_LOG;
	l.pattern = (char *)"^(START|END) RequestId";
	l.log_counted = true;
	l.log_count = 2;
	struct strbuf g = STRBUF_INIT, w = STRBUF_INIT;
	ok(expect_judge(&l, &f.s, &g, &w), "exactly two lines match");
	l.log_count = 3;
	strbuf_reset(&g);
	strbuf_reset(&w);
	ok(!expect_judge(&l, &f.s, &g, &w) && strstr(g.buf, "2 log lines match") &&
		   strstr(w.buf, "exactly 3 log lines"),
	   "a count that differs says both");
	l.log_count = 0;
	l.pattern = (char *)"Traceback";
	ok(expect_judge(&l, &f.s, &g, &w), "a count of 0 means no line");
	is_int(expect_log_count(f.s.log, "RequestId"), 3, "expect_log_count counts lines");
	is_int(expect_log_count("one", "^one$"), 1, "a log without a newline is one line");
	is_int(expect_log_count("x", "("), -1, "a bad pattern");
	strbuf_release(&g);
	strbuf_release(&w);
	cJSON_Delete(vars);
	cJSON_Delete(values);
	fixture_release(&f);
}

int main(void)
{
	RUN(expect_json_equal__ignores_key_order_and_whitespace);
	RUN(expect_json_contains__is_a_structural_subset);
	RUN(expr_eval__computes_with_precedence_and_references);
	RUN(expr_expand__interpolates_and_keeps_whole_values);
	RUN(expect_field__parses_the_body_and_reaches_config_and_report);
	RUN(expect_judge__every_matcher_passes_and_fails_with_a_reason);
	RUN(expect_judge__function_errors_and_logs);
	RUN(expect_judge__observations_vars_lengths_and_log_counts);
	RUN(expect_parse_report__reads_the_last_report_line);
	RUN(event_generate__draws_fresh_values_within_bounds);
	return done();
}
