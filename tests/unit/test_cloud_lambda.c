/*
 * Unit tests for the Lambda service's pure parts: validation and its messages, names and
 * ARNs, billing, the platform's log lines, splitting output into log events, zip safety,
 * CloudWatch filter patterns, and the sandbox's uids.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "cloud/lambda/lambda.h"
#include "cloud/lambda/logcfg.h"
#include "cloud/lambda/logfmt.h"
#include "cloud/lambda/sandbox_init.h"
#include "cloud/lambda/validate.h"
#include "cloud/lambda/zipcode.h"
#include "cloud/lambda/zygote.h"
#include "cloud/logs/logs.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"
#include "harness.h"

TEST(lambda_check_name__follows_the_service)
{
	struct api_err e = { 0 };
	ok(lambda_check_name("my-function_1", &e), "letters, digits, - and _");
	ok(!lambda_check_name("bad name", &e), "a space is refused");
	is_str(e.type, "ValidationException", "as a ValidationException");
	is_int(e.status, 400, "400");
	ok(strstr(e.msg, "Member must satisfy regular expression pattern") != NULL, "AWS's words");
	char long_name[70];
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	ok(!lambda_check_name(long_name, &e), "65 characters are too many");
	ok(strstr(e.msg, "less than or equal to 64") != NULL, "the length is named");
	ok(!lambda_check_name("", &e), "empty is refused");
}

TEST(lambda_parse_ref__accepts_names_and_arns)
{
	char name[65], account[13], q[129];
	struct api_err e = { 0 };
	ok(lambda_parse_ref("hello", name, account, q, &e), "a name");
	ok(!strcmp(name, "hello") && !account[0] && !q[0], "just the name");
	ok(lambda_parse_ref("hello:$LATEST", name, account, q, &e), "name:qualifier");
	is_str(q, "$LATEST", "the qualifier");
	ok(lambda_parse_ref("arn:aws:lambda:us-east-1:123456789012:function:hello", name, account,
			    q, &e),
	   "a full ARN");
	is_str(account, "123456789012", "the ARN's account");
	is_str(name, "hello", "the ARN's name");
	ok(lambda_parse_ref("123456789012:function:hello:live", name, account, q, &e),
	   "a partial ARN with a qualifier");
	is_str(q, "live", "its qualifier");
	ok(!lambda_parse_ref("arn:aws:s3:::bucket", name, account, q, &e), "another service");
	ok(!lambda_parse_ref("a:b:c", name, account, q, &e), "too many parts for a name");
	ok(!lambda_parse_ref("12:function:x", name, account, q, &e), "a short account");
}

TEST(lambda_check_settings__use_aws_limits_and_messages)
{
	struct api_err e = { 0 };
	ok(lambda_check_memory(128, &e) && lambda_check_memory(10240, &e), "128 and 10240 MB");
	ok(!lambda_check_memory(127, &e), "127 MB is refused");
	ok(strstr(e.msg, "greater than or equal to 128") != NULL, "with the lower bound");
	ok(!lambda_check_memory(10241, &e), "10241 MB is refused");
	ok(strstr(e.msg, "less than or equal to 10240") != NULL, "with the upper bound");
	ok(lambda_check_ephemeral(512, &e) && lambda_check_ephemeral(10240, &e),
	   "/tmp of 512 and 10240 MB");
	ok(!lambda_check_ephemeral(511, &e), "511 MB of /tmp is refused");
	ok(strstr(e.msg, "'ephemeralStorage.size'") &&
		   strstr(e.msg, "greater than or equal to 512"),
	   "naming the member and its lower bound");
	ok(!lambda_check_ephemeral(10241, &e) && strstr(e.msg, "less than or equal to 10240"),
	   "10241 MB is refused with the upper bound");
	ok(!lambda_check_ephemeral(1024.5, &e), "a fraction of a MB is refused");
	ok(lambda_check_timeout(1, &e) && lambda_check_timeout(900, &e), "1 and 900 s");
	ok(!lambda_check_timeout(0, &e) && !lambda_check_timeout(901, &e), "0 and 901 s refused");
	ok(lambda_check_runtime("python3.13", &e) && lambda_check_runtime("nodejs22.x", &e) &&
		   lambda_check_runtime("provided.al2023", &e),
	   "the offered runtimes");
	ok(!lambda_check_runtime("python2.7", &e), "python2.7 is retired");
	ok(strstr(e.msg, "no longer supported") != NULL, "and says so");
	ok(!lambda_check_runtime("cobol", &e), "an unknown runtime");
	ok(strstr(e.msg, "Member must satisfy enum value set") != NULL, "lists the set");
	ok(lambda_check_handler("app.handler", &e), "a handler");
	ok(!lambda_check_handler("app handler", &e), "whitespace is refused");
	ok(lambda_check_role("arn:aws:iam::123456789012:role/service-role/my_role", &e),
	   "a role ARN");
	ok(!lambda_check_role("my-role", &e), "a bare name is refused");
	ok(!lambda_check_role("arn:aws:iam::12345:role/x", &e), "a short account is refused");
}

TEST(lambda_check_env__applies_the_4kb_and_reserved_rules)
{
	struct api_err e = { 0 };
	cJSON *vars = cJSON_Parse("{\"COLOR\":\"blue\",\"TABLE_NAME\":\"t\"}");
	ok(lambda_check_env(vars, &e), "plain variables");
	cJSON_Delete(vars);
	vars = cJSON_Parse("{\"AWS_REGION\":\"x\",\"AWS_LAMBDA_FUNCTION_NAME\":\"y\"}");
	ok(!lambda_check_env(vars, &e), "reserved keys are refused");
	ok(strstr(e.msg,
		  "Reserved keys used in this request: AWS_REGION,AWS_LAMBDA_FUNCTION_NAME") !=
		   NULL,
	   "and listed: %s", e.msg);
	cJSON_Delete(vars);
	vars = cJSON_Parse("{\"1BAD\":\"x\"}");
	ok(!lambda_check_env(vars, &e), "a key must start with a letter");
	cJSON_Delete(vars);
	vars = cJSON_CreateObject();
	char *big = malloc(4100);
	memset(big, 'v', 4099);
	big[4099] = '\0';
	cJSON_AddStringToObject(vars, "BIG", big);
	free(big);
	ok(!lambda_check_env(vars, &e), "over 4 KB is refused");
	ok(strstr(e.msg, "exceeded the 4KB limit") != NULL, "with AWS's words");
	cJSON_Delete(vars);
}

TEST(lambda_billing__rounds_up_to_the_millisecond_with_init)
{
	is_int(lambda_billed_ms(0.94, -1), 1, "under a millisecond bills one");
	is_int(lambda_billed_ms(38.01, -1), 39, "rounded up");
	is_int(lambda_billed_ms(38.66, 203.69), 243, "init is billed");
	double gbs = lambda_gb_seconds(1024, 1000);
	ok(gbs > 0.9999 && gbs < 1.0001, "1 GB for 1 s is 1 GB-s");
	double x86 = lambda_cost_usd(1024, 1000, false), arm = lambda_cost_usd(1024, 1000, true);
	ok(x86 > 0.0000168 && x86 < 0.0000169, "x86_64: GB-s price plus the request: %.10f", x86);
	ok(arm < x86, "arm64 is cheaper");
}

TEST(lambda_billing__provisioned_concurrency_kept_configured)
{
	is_int(lambda_provisioned_billed_s(0), 300, "enabled just now bills five minutes");
	is_int(lambda_provisioned_billed_s(1), 300, "a millisecond bills five minutes");
	is_int(lambda_provisioned_billed_s(300000), 300, "five minutes exactly");
	is_int(lambda_provisioned_billed_s(300001), 600, "then the next five minutes");
	is_int(lambda_provisioned_billed_s(7200000), 7200, "two hours");
	/* 1,000 environments of 1 GB for two hours: 7,200,000 GB-s at $0.0000041667. */
	double kept = lambda_cost_provisioned_kept_usd(1024, 1000, 7200000, false);
	ok(kept > 29.99 && kept < 30.01, "1,000 x 1 GB for 2 h: $%.4f", kept);
	double arm = lambda_cost_provisioned_kept_usd(1024, 1000, 7200000, true);
	ok(arm > 23.99 && arm < 24.01, "the same on arm64: $%.4f", arm);
	is_int((long long)(lambda_cost_provisioned_kept_usd(512, 2, 60000, false) * 1e10),
	       (long long)(0.5 * 2 * 300 * 0.0000041667 * 1e10), "2 x 512 MB for a minute");
	/* Invocations it serves: requests, and duration at the lower provisioned rate. */
	double served = lambda_cost_provisioned_usd(1024, 1000, false);
	ok(served > 0.0000099 && served < 0.0000100, "1 GB-s served: $%.10f", served);
	ok(served < lambda_cost_usd(1024, 1000, false), "cheaper than on demand");
}

TEST(lambda_log__writes_lambdas_own_lines)
{
	struct strbuf sb = STRBUF_INIT;
	lambda_log_start(&sb, "8f507cfc-xmpl-4697-b07a-ac58fc914c95", "$LATEST");
	is_str(sb.buf, "START RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95 Version: $LATEST",
	       "START");
	strbuf_reset(&sb);
	lambda_log_end(&sb, "id");
	is_str(sb.buf, "END RequestId: id", "END");
	strbuf_reset(&sb);
	struct lambda_report r = { "id", 38.66, 243, 128, 54, 203.69, NULL, NULL };
	lambda_log_report(&sb, &r);
	is_str(sb.buf,
	       "REPORT RequestId: id\tDuration: 38.66 ms\tBilled Duration: 243 ms\tMemory Size: "
	       "128 MB\tMax Memory Used: 54 MB\tInit Duration: 203.69 ms\t",
	       "a cold REPORT: Init Duration after Max Memory Used, trailing tab");
	strbuf_reset(&sb);
	struct lambda_report t = { "id", 3000, 3000, 128, 50, -1, "timeout", NULL };
	lambda_log_report(&sb, &t);
	is_str(sb.buf,
	       "REPORT RequestId: id\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: "
	       "128 MB\tMax Memory Used: 50 MB\tStatus: timeout",
	       "a timeout");
	strbuf_reset(&sb);
	struct lambda_report o = { "id", 10, 10, 128, 128, -1, "error", "Runtime.OutOfMemory" };
	lambda_log_report(&sb, &o);
	ok(str_ends_with(sb.buf, "\tStatus: error\tError Type: Runtime.OutOfMemory"),
	   "an error: %s", sb.buf);
	strbuf_reset(&sb);
	lambda_log_timeout(&sb, 1795757948962LL, "id", 3);
	is_str(sb.buf, "2026-11-27T05:39:08.962Z id Task timed out after 3.00 seconds",
	       "the timeout line");
	strbuf_release(&sb);
}

TEST(lambda_log_json__writes_platform_records)
{
	struct strbuf sb = STRBUF_INIT;
	struct lambda_report r = { "id", 38.664, 39, 128, 54, 203.69, NULL, NULL };
	lambda_log_json(&sb, 1795757948962LL, "platform.report", lambda_logj_report(&r));
	is_str(sb.buf,
	       "{\"time\":\"2026-11-27T05:39:08.962Z\",\"type\":\"platform.report\",\"record\":"
	       "{\"requestId\":\"id\",\"metrics\":{\"durationMs\":38.66,\"billedDurationMs\":39,"
	       "\"memorySizeMB\":128,\"maxMemoryUsedMB\":54,\"initDurationMs\":203.69},"
	       "\"status\":\"success\"}}",
	       "a cold platform.report");
	strbuf_reset(&sb);
	struct lambda_report o = { "id", 10, 10, 128, 128, -1, "error", "Runtime.OutOfMemory" };
	lambda_log_json(&sb, 0, "platform.report", lambda_logj_report(&o));
	ok(strstr(sb.buf, "\"status\":\"error\",\"errorType\":\"Runtime.OutOfMemory\"}") &&
		   !strstr(sb.buf, "initDurationMs"),
	   "an error, warm: %s", sb.buf);
	strbuf_reset(&sb);
	lambda_log_json(&sb, 0, "platform.start",
			lambda_logj_start("id", "$LATEST",
					  "Root=1-5e1b4151-5ac6c58f5b5daa6532e4f2b7;Parent="
					  "53995c3f42cd8ad8;Sampled=1"));
	is_str(sb.buf,
	       "{\"time\":\"1970-01-01T00:00:00.000Z\",\"type\":\"platform.start\",\"record\":"
	       "{\"requestId\":\"id\",\"version\":\"$LATEST\",\"tracing\":{\"spanId\":"
	       "\"53995c3f42cd8ad8\",\"type\":\"X-Amzn-Trace-Id\",\"value\":\"Root=1-5e1b4151-"
	       "5ac6c58f5b5daa6532e4f2b7;Parent=53995c3f42cd8ad8;Sampled=1\"}}}",
	       "platform.start of a sampled invocation");
	strbuf_reset(&sb);
	lambda_log_json(&sb, 0, "platform.initStart",
			lambda_logj_init_start("python:3.12.v40", "ab", "orders", "$LATEST"));
	ok(strstr(sb.buf, "{\"initializationType\":\"on-demand\",\"phase\":\"init\","
			  "\"runtimeVersion\":\"python:3.12.v40\",\"runtimeVersionArn\":"
			  "\"arn:aws:lambda:us-east-1::runtime:ab\",\"functionName\":\"orders\","
			  "\"functionVersion\":\"$LATEST\"}") != NULL,
	   "platform.initStart: %s", sb.buf);
	strbuf_release(&sb);
}

TEST(lambda_logcfg__reads_merges_and_filters)
{
	struct lambda_logcfg cfg = LAMBDA_LOGCFG_INIT;
	struct aws_err err = { 0 };
	cJSON *in = cJSON_Parse("{\"LoggingConfig\":{\"LogFormat\":\"JSON\","
				"\"ApplicationLogLevel\":\"ERROR\"}}");
	ok(lambda_logcfg_read(in, &cfg, &err) && cfg.json && cfg.app_level == LAMBDA_LOG_ERROR &&
		   cfg.sys_level == LAMBDA_LOG_INFO,
	   "JSON with an application level; the system level stays INFO");
	cJSON_Delete(in);
	in = cJSON_Parse("{\"LoggingConfig\":{\"SystemLogLevel\":\"WARN\"}}");
	ok(lambda_logcfg_read(in, &cfg, &err) && cfg.json && cfg.app_level == LAMBDA_LOG_ERROR &&
		   cfg.sys_level == LAMBDA_LOG_WARN,
	   "a later request changes only what it names");
	cJSON_Delete(in);
	in = cJSON_Parse("{\"LoggingConfig\":{\"LogFormat\":\"Text\",\"SystemLogLevel\":"
			 "\"DEBUG\"}}");
	ok(!lambda_logcfg_read(in, &cfg, &err) &&
		   strcmp(err.code, "InvalidParameterValueException") == 0 && cfg.json,
	   "a level with Text is refused and changes nothing");
	aws_err_release(&err);
	cJSON_Delete(in);
	in = cJSON_Parse("{\"LoggingConfig\":{\"LogGroup\":\"bad group\"}}");
	ok(!lambda_logcfg_read(in, &cfg, &err) && strcmp(err.code, "ValidationException") == 0,
	   "a log group name outside CloudWatch's pattern");
	aws_err_release(&err);
	cJSON_Delete(in);
	in = cJSON_Parse("{\"LoggingConfig\":{\"LogFormat\":\"Text\",\"LogGroup\":\"/a/b\"}}");
	ok(lambda_logcfg_read(in, &cfg, &err) && !cfg.json && cfg.app_level == LAMBDA_LOG_INFO &&
		   strcmp(cfg.group, "/a/b") == 0,
	   "back to Text drops the levels");
	cJSON_Delete(in);
	cJSON *out = cJSON_CreateObject();
	lambda_logcfg_to_config(&cfg, "fn", out);
	char *text = cJSON_PrintUnformatted(out);
	is_str(text, "{\"LoggingConfig\":{\"LogFormat\":\"Text\",\"LogGroup\":\"/a/b\"}}",
	       "returned as Lambda returns it");
	free(text);
	cJSON_Delete(out);

	const char *warn = "{\"level\":\"warning\",\"msg\":\"x\"}";
	ok(lambda_log_app_passes(LAMBDA_LOG_WARN, warn, strlen(warn)), "a JSON line at WARN");
	ok(!lambda_log_app_passes(LAMBDA_LOG_ERROR, warn, strlen(warn)), "below ERROR");
	const char *py = "{\"log_level\":\"ERROR\"}";
	ok(lambda_log_app_passes(LAMBDA_LOG_ERROR, py, strlen(py)), "Python's log_level key");
	ok(!lambda_log_app_passes(LAMBDA_LOG_WARN, "plain", 5), "a plain line is INFO");
	ok(lambda_log_app_passes(LAMBDA_LOG_INFO, "plain", 5), "and passes INFO");
	const char *dbg = "{\"level\":\"debug\"}";
	ok(!lambda_log_app_passes(LAMBDA_LOG_INFO, dbg, strlen(dbg)), "DEBUG below INFO");
	ok(lambda_log_app_passes(LAMBDA_LOG_INFO, "{broken", 7), "broken JSON is INFO");
}

struct events {
	int n;
	size_t lens[16];
	char first[64];
};

static void collect(void *ctx, const char *line, size_t len)
{
	struct events *ev = ctx;
	if (ev->n == 0)
		snprintf(ev->first, sizeof(ev->first), "%.*s", (int)(len < 63 ? len : 63), line);
	if (ev->n < 16)
		ev->lens[ev->n] = len;
	ev->n++;
}

TEST(log_splitter__makes_one_event_per_line_and_truncates)
{
	struct log_splitter ls = LOG_SPLITTER_INIT;
	struct events ev = { 0 };
	log_splitter_feed(&ls, "one\r\ntw", 7, collect, &ev);
	log_splitter_feed(&ls, "o\nthree", 7, collect, &ev);
	is_int(ev.n, 2, "two whole lines so far");
	is_str(ev.first, "one", "CRLF loses its CR");
	is_int(ev.lens[1], 3, "a line split across reads is one event");
	log_splitter_flush(&ls, collect, &ev);
	is_int(ev.n, 3, "the partial last line is flushed");
	struct events big = { 0 };
	size_t n = LOG_EVENT_MAX + 5000;
	char *data = malloc(n + 3);
	memset(data, 'x', n);
	memcpy(data + n, "\ny\n", 3);
	for (size_t off = 0; off < n + 3; off += 4096)
		log_splitter_feed(&ls, data + off, n + 3 - off < 4096 ? n + 3 - off : 4096, collect,
				  &big);
	free(data);
	is_int(big.n, 2, "an oversized line is one event, then the next line");
	is_int(big.lens[0], LOG_EVENT_MAX, "truncated at CloudWatch's limit");
	is_int(big.lens[1], 1, "the next line is whole");
	ok(ls.line.alloc <= LOG_EVENT_MAX + 65536, "memory stays bounded");
	log_splitter_release(&ls);
}

TEST(zipcode_link_is_safe__keeps_links_inside)
{
	ok(zipcode_link_is_safe("lib/link", "../data/file"), "up one and down is inside");
	ok(zipcode_link_is_safe("link", "sub/file"), "down is inside");
	ok(!zipcode_link_is_safe("link", "../etc"), "up from the root escapes");
	ok(!zipcode_link_is_safe("a/b/link", "../../../x"), "up past the root escapes");
	ok(!zipcode_link_is_safe("link", "/etc/passwd"), "absolute escapes");
	ok(!zipcode_link_is_safe("link", ""), "empty is refused");
}

static void *make_zip(const char *const *names, int n, size_t *len)
{
	zip_error_t zerr;
	zip_error_init(&zerr);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &zerr);
	zip_source_keep(src);
	zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &zerr);
	for (int i = 0; i < n; i++) {
		zip_source_t *s = zip_source_buffer(za, "data\n", 5, 0);
		zip_file_add(za, names[i], s, ZIP_FL_ENC_UTF_8);
	}
	zip_close(za);
	zip_source_open(src);
	zip_source_seek(src, 0, SEEK_END);
	*len = (size_t)zip_source_tell(src);
	zip_source_seek(src, 0, SEEK_SET);
	void *buf = malloc(*len);
	zip_source_read(src, buf, *len);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&zerr);
	return buf;
}

TEST(zipcode_extract__writes_inside_and_refuses_escapes)
{
	char tmpl[] = "/tmp/lt-zip-XXXXXX";
	char *root = mkdtemp(tmpl);
	char *dest = path_join(root, "code");
	mkdir(dest, 0755);
	static const char *const good[] = { "app.py", "pkg/mod.py" };
	size_t len;
	void *zip = make_zip(good, 2, &len);
	struct api_err e = { 0 };
	long long size = 0;
	ok(zipcode_extract(zip, len, dest, &size, &e), "a good package unpacks");
	free(zip);
	char *f = path_join(dest, "pkg/mod.py");
	ok(path_is_file(f), "nested files land in place");
	free(f);
	is_int(size, 10, "the unzipped size is counted");
	char *dest2 = path_join(root, "code2");
	mkdir(dest2, 0755);
	static const char *const bad[] = { "ok.py", "../escaped.txt" };
	zip = make_zip(bad, 2, &len);
	ok(!zipcode_extract(zip, len, dest2, &size, &e), "an entry with ../ is refused");
	is_str(e.type, "InvalidParameterValueException", "as InvalidParameterValueException");
	char *esc = path_join(root, "escaped.txt");
	ok(!path_is_file(esc), "nothing lands outside");
	char *okf = path_join(dest2, "ok.py");
	ok(!path_is_file(okf), "a refused package writes nothing at all");
	free(okf);
	free(esc);
	free(zip);
	static const char *const abs_name[] = { "/tmp/lt-abs-escape" };
	zip = make_zip(abs_name, 1, &len);
	ok(!zipcode_extract(zip, len, dest2, &size, &e), "an absolute entry is refused");
	free(zip);
	ok(!zipcode_extract("PK\003\004garbage", 12, dest2, &size, &e), "garbage is refused");
	ok(strstr(e.msg, "Could not unzip uploaded file") != NULL, "with AWS's message");
	zipcode_remove_tree(root);
	ok(!path_is_dir(root), "remove_tree removes");
	free(dest);
	free(dest2);
}

TEST(logs_pattern_match__follows_cloudwatch_terms)
{
	ok(logs_pattern_match(NULL, "anything"), "no pattern matches all");
	ok(logs_pattern_match("ERROR", "[ERROR] boom"), "a term");
	ok(!logs_pattern_match("ERROR", "[INFO] fine"), "a missing term");
	ok(logs_pattern_match("ERROR boom", "[ERROR] boom"), "all terms must match");
	ok(!logs_pattern_match("ERROR fine", "[ERROR] boom"), "one missing term fails");
	ok(logs_pattern_match("\"printed by\"", "printed by fn"), "a quoted phrase");
	ok(!logs_pattern_match("\"by printed\"", "printed by fn"), "phrases keep order");
	ok(logs_pattern_match("?ERROR ?WARN", "WARN low disk"), "?terms: any of them");
	ok(!logs_pattern_match("?ERROR ?WARN", "INFO ok"), "?terms: none");
	ok(logs_pattern_match("ERROR -timeout", "ERROR boom"), "-term excludes");
	ok(!logs_pattern_match("ERROR -timeout", "ERROR timeout"), "-term excludes");
}

static void *thread_done(void *arg)
{
	return arg;
}

/* A dead environment, its process reaped and its output read: all the housekeeper waits for. */
static struct env *dead_env(struct cloud *c, struct lfunc *fn)
{
	struct env *env = xcalloc(1, sizeof(*env));
	env->cloud = c;
	env->fn = fn;
	fn->refs++;
	env->out_fd = env->status_fd = -1;
	env->state = ENV_DEAD;
	env->exited = env->reader_done = env->killed = true;
	pthread_cond_init(&env->cond, NULL);
	pthread_mutex_init(&env->log_mu, NULL);
	strbuf_init(&env->tail);
	env->split = (struct log_splitter)LOG_SPLITTER_INIT;
	pthread_create(&env->waiter, NULL, thread_done, NULL);
	pthread_create(&env->reader, NULL, thread_done, NULL);
	return env;
}

TEST(lambda_env_housekeep__never_frees_an_environment_an_invoker_holds)
{
	struct cloud c = { .idle_seconds = 1 };
	pthread_mutex_init(&c.mu, NULL);
	struct lfunc *fn = xcalloc(1, sizeof(*fn));
	fn->refs = 1;
	struct invocation inv = { .state = INV_DONE };
	struct env *held = dead_env(&c, fn), *free_one = dead_env(&c, fn);
	held->inv = &inv;
	vec_push(&c.envs, held);
	vec_push(&c.envs, free_one);
	lambda_env_housekeep(&c, false);
	ok(c.envs.len == 1 && c.envs.items[0] == held,
	   "a dead environment nobody holds is freed, the held one kept");
	lambda_env_housekeep(&c, true);
	ok(c.envs.len == 1 && held->state == ENV_DEAD && held->inv == &inv,
	   "stopping keeps it too, for its invoker");
	is_int(fn->refs, 2, "the held environment keeps its function");
	held->inv = NULL;
	lambda_env_housekeep(&c, false);
	is_int(c.envs.len, 0, "once its invoker lets go it is freed");
	is_int(fn->refs, 1, "and lets go of its function");
	vec_release(&c.envs);
	free(fn);
	pthread_mutex_destroy(&c.mu);
}

TEST(sandbox_uid__gives_each_account_its_own_and_avoids_taken_ones)
{
	struct sandbox sb;
	memset(&sb, 0, sizeof(sb));
	sb.uid = 0;
	sb.plan.uid_switch = true;
	uid_t a = sandbox_uid(&sb, "111111111111"), b = sandbox_uid(&sb, "222222222222");
	ok(a >= SANDBOX_UID_BASE && a < SANDBOX_UID_BASE + SANDBOX_UID_COUNT,
	   "in the cloud's range");
	ok(b >= SANDBOX_UID_BASE && b < SANDBOX_UID_BASE + SANDBOX_UID_COUNT && a != b,
	   "another account has another");
	ok(sandbox_uid(&sb, "111111111111") == a, "the same account always the same");
	sb.taken[sb.n_taken++] = a;
	uid_t moved = sandbox_uid(&sb, "111111111111");
	ok(moved != a && moved >= SANDBOX_UID_BASE && moved < SANDBOX_UID_BASE + SANDBOX_UID_COUNT,
	   "one /etc/passwd names is skipped");
	sb.plan.uid_switch = false;
	sb.uid = 1000;
	is_int((int)sandbox_uid(&sb, "111111111111"), 1000, "without a range: the cloud's own");
}

TEST(zygote_fits__leaves_interpreter_settings_to_a_fresh_start)
{
	char *plain[] = { (char *)"PATH=/usr/bin", (char *)"LANG=en_US.UTF-8",
			  (char *)"AWS_REGION=us-east-1", (char *)"TABLE=items", NULL };
	ok(zygote_fits(plain), "Lambda's own variables and the function's: forked");
	char *empty[] = { NULL };
	ok(zygote_fits(empty), "no variables: forked");
	static const char *const fresh[] = { "PYTHONPATH=/var/task/lib",
					     "PYTHONHASHSEED=0",
					     "LANG=C",
					     "LC_ALL=C.UTF-8",
					     "AWS_LAMBDA_EXEC_WRAPPER=/opt/wrap",
					     NULL };
	for (size_t i = 0; fresh[i]; i++) {
		char *one[] = { (char *)"PATH=/usr/bin", (char *)fresh[i], NULL };
		ok(!zygote_fits(one), "%s: started fresh", fresh[i]);
	}
	char *bad[] = { (char *)"XPYTHONPATH=1", (char *)"MY_LANG=C", NULL };
	ok(zygote_fits(bad), "names that only contain them: forked");
}

int main(void)
{
	RUN(lambda_check_name__follows_the_service);
	RUN(lambda_parse_ref__accepts_names_and_arns);
	RUN(lambda_check_settings__use_aws_limits_and_messages);
	RUN(lambda_check_env__applies_the_4kb_and_reserved_rules);
	RUN(lambda_billing__rounds_up_to_the_millisecond_with_init);
	RUN(lambda_billing__provisioned_concurrency_kept_configured);
	RUN(lambda_log__writes_lambdas_own_lines);
	RUN(lambda_log_json__writes_platform_records);
	RUN(lambda_logcfg__reads_merges_and_filters);
	RUN(log_splitter__makes_one_event_per_line_and_truncates);
	RUN(zipcode_link_is_safe__keeps_links_inside);
	RUN(zipcode_extract__writes_inside_and_refuses_escapes);
	RUN(logs_pattern_match__follows_cloudwatch_terms);
	RUN(lambda_env_housekeep__never_frees_an_environment_an_invoker_holds);
	RUN(sandbox_uid__gives_each_account_its_own_and_avoids_taken_ones);
	RUN(zygote_fits__leaves_interpreter_settings_to_a_fresh_start);
	return done();
}
