/*
 * The console's model: templates that are real JSON events, ListFunctions parsed and sorted,
 * and Lambda's validation of names, memory, timeouts and environment variables.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "check/console.h"
#include "harness.h"

TEST(console_templates__are_json_events)
{
	bool all = true;
	for (size_t i = 0; i < console_template_count; i++) {
		cJSON *j = cJSON_Parse(console_templates[i].json);
		if (!cJSON_IsObject(j)) {
			all = false;
			printf("#   %s is not a JSON object\n", console_templates[i].id);
		}
		cJSON_Delete(j);
	}
	ok(all, "every template parses as an object");
	is_int(console_template_count, 6, "hello world, API Gateway, S3, SNS, SQS, scheduled");
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

int main(void)
{
	RUN(console_templates__are_json_events);
	RUN(console_parse_functions__reads_and_sorts);
	RUN(console_validation__follows_lambda);
	return done();
}
