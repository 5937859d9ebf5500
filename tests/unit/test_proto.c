/*
 * The AWS protocol codecs (cloud/proto/) against what real clients send: requests captured
 * from boto3 1.43 (new/) and Debian's boto3 1.29 (old/) in fixtures/proto/, decoded into the
 * model's shape; answers and errors in each protocol; bad input.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/http/server.h"
#include "cloud/proto/codec.h"
#include "cloud/proto/model.h"
#include "cloud/proto/proto.h"
#include "core/path.h"
#include "harness.h"
#include "proto_http.h"

#define FIXTURES LT_SOURCE_DIR "/tests/unit/fixtures/proto/"

/* Decode a captured request to service svc. Returns the input (caller deletes) or NULL. */
static cJSON *decode_file(const char *svc_name, const char *file, const char **op_name,
			  enum proto_protocol *p, struct aws_err *err)
{
	struct error e;
	size_t len;
	char *path = xasprintf(FIXTURES "%s", file);
	char *data = path_read_file(path, 0, &len, &e);
	free(path);
	if (!data) {
		ok(0, "read %s", file);
		return NULL;
	}
	struct proto_http h;
	cJSON *input = NULL;
	if (proto_http_parse(&h, data, len)) {
		struct proto_decoded d;
		const struct proto_service *svc = proto_service_find(svc_name);
		if (proto_decode(svc, &h.req, NULL, &d, err)) {
			input = d.input;
			d.input = NULL;
		}
		*op_name = d.op ? proto_op_name(d.op) : "";
		*p = d.protocol;
		proto_decoded_release(&d);
	}
	proto_http_release(&h);
	free(data);
	return input;
}

/* The value at a dotted path ("Entries.1.DelaySeconds", numbers index arrays). */
static const cJSON *at(const cJSON *v, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	for (char *t = strtok_r(copy, ".", &save); v && t; t = strtok_r(NULL, ".", &save)) {
		if (cJSON_IsArray(v))
			v = cJSON_GetArrayItem(v, atoi(t));
		else
			v = cJSON_GetObjectItemCaseSensitive(v, t);
	}
	free(copy);
	return v;
}

static const char *str_at(const cJSON *v, const char *path)
{
	const cJSON *s = at(v, path);
	return cJSON_IsString(s) ? s->valuestring : NULL;
}

static double num_at(const cJSON *v, const char *path)
{
	const cJSON *s = at(v, path);
	return cJSON_IsNumber(s) ? s->valuedouble : -1;
}

struct expect {
	const char *svc, *file, *op;
	enum proto_protocol p;
	const char *path, *want; /* a string member's value */
};

static const struct expect expects[] = {
	{ "lambda", "new/lambda-create-function.http", "CreateFunction", PROTO_REST_JSON,
	  "Environment.Variables.STAGE", "dev" },
	{ "lambda", "old/lambda-create-function.http", "CreateFunction", PROTO_REST_JSON,
	  "Code.ZipFile", "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==" },
	{ "lambda", "new/lambda-invoke.http", "Invoke", PROTO_REST_JSON, "Qualifier", "$LATEST" },
	{ "lambda", "old/lambda-invoke.http", "Invoke", PROTO_REST_JSON, "InvocationType",
	  "Event" },
	{ "lambda", "new/lambda-list-functions.http", "ListFunctions", PROTO_REST_JSON, NULL,
	  NULL },
	{ "lambda", "old/lambda-list-functions.http", "ListFunctions", PROTO_REST_JSON, NULL,
	  NULL },
	{ "logs", "new/logs-put-log-events.http", "PutLogEvents", PROTO_JSON, "logEvents.0.message",
	  "hello" },
	{ "sqs", "new/sqs-send-message-batch.http", "SendMessageBatch", PROTO_JSON,
	  "Entries.0.MessageAttributes.k.StringValue", "v" },
	{ "sqs", "old/sqs-send-message-batch.http", "SendMessageBatch", PROTO_QUERY,
	  "Entries.0.MessageAttributes.k.StringValue", "v" },
	{ "sqs", "new/sqs-receive-message.http", "ReceiveMessage", PROTO_JSON, "AttributeNames.0",
	  "All" },
	{ "sqs", "old/sqs-receive-message.http", "ReceiveMessage", PROTO_QUERY, "AttributeNames.0",
	  "All" },
	{ "monitoring", "new/cloudwatch-put-metric-data.http", "PutMetricData", PROTO_JSON,
	  "MetricData.0.Dimensions.0.Value", "f" },
	{ "monitoring", "old/cloudwatch-put-metric-data.http", "PutMetricData", PROTO_QUERY,
	  "MetricData.0.Dimensions.0.Value", "f" },
	{ "monitoring", "new/cloudwatch-put-metric-data-cbor.http", "PutMetricData", PROTO_CBOR,
	  "MetricData.0.Dimensions.0.Value", "f" },
	{ "monitoring", "new/cloudwatch-get-metric-statistics-cbor.http", "GetMetricStatistics",
	  PROTO_CBOR, "Statistics.0", "Sum" },
	{ "monitoring", "old/cloudwatch-get-metric-statistics.http", "GetMetricStatistics",
	  PROTO_QUERY, "Statistics.0", "Sum" },
	{ "s3", "new/s3-put-object.http", "PutObject", PROTO_REST_XML, "Metadata.owner", "ada" },
	{ "s3", "old/s3-put-object.http", "PutObject", PROTO_REST_XML, "Key", "dir/a b.txt" },
	{ "s3", "new/s3-list-objects-v2.http", "ListObjectsV2", PROTO_REST_XML, "Prefix", "dir/" },
	{ "s3", "new/s3-create-multipart-upload.http", "CreateMultipartUpload", PROTO_REST_XML,
	  "Key", "big" },
	{ "s3", "old/s3-delete-objects.http", "DeleteObjects", PROTO_REST_XML,
	  "Delete.Objects.1.Key", "b" },
	{ "sns", "new/sns-publish.http", "Publish", PROTO_QUERY,
	  "MessageAttributes.color.StringValue", "red" },
	{ "dynamodb", "new/dynamodb-put-item.http", "PutItem", PROTO_JSON, "Item.b.B", "AAE=" },
	{ "iam", "old/iam-create-role.http", "CreateRole", PROTO_QUERY, "Tags.0.Key", "k" },
};

TEST(proto_decode__reads_what_real_clients_send)
{
	for (size_t i = 0; i < sizeof(expects) / sizeof(*expects); i++) {
		const struct expect *x = &expects[i];
		struct aws_err err = { 0 };
		const char *op = "";
		enum proto_protocol p = PROTO_NONE;
		cJSON *in = decode_file(x->svc, x->file, &op, &p, &err);
		ok(in != NULL, "%s decodes (%s: %s)", x->file, err.code, err.message);
		is_str(op, x->op, x->file);
		is_int(p, x->p, "protocol");
		if (x->path)
			is_str(str_at(in, x->path), x->want, x->path);
		cJSON_Delete(in);
		aws_err_release(&err);
	}
}

TEST(proto_decode__gives_each_protocol_the_same_input)
{
	static const char *const pairs[][3] = {
		{ "sqs", "new/sqs-send-message-batch.http", "old/sqs-send-message-batch.http" },
		{ "sqs", "new/sqs-receive-message.http", "old/sqs-receive-message.http" },
		{ "monitoring", "new/cloudwatch-put-metric-data.http",
		  "old/cloudwatch-put-metric-data.http" },
		{ "monitoring", "new/cloudwatch-put-metric-data-cbor.http",
		  "old/cloudwatch-put-metric-data.http" },
		{ "monitoring", "new/cloudwatch-get-metric-statistics-cbor.http",
		  "old/cloudwatch-get-metric-statistics.http" },
		{ "lambda", "new/lambda-create-function.http", "old/lambda-create-function.http" },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(*pairs); i++) {
		struct aws_err err = { 0 };
		const char *op;
		enum proto_protocol p;
		cJSON *a = decode_file(pairs[i][0], pairs[i][1], &op, &p, &err);
		cJSON *b = decode_file(pairs[i][0], pairs[i][2], &op, &p, &err);
		char *ta = a ? cJSON_PrintUnformatted(a) : NULL;
		char *tb = b ? cJSON_PrintUnformatted(b) : NULL;
		ok(a && b && cJSON_Compare(a, b, true), "%s == %s", pairs[i][1], pairs[i][2]);
		if (!(a && b && cJSON_Compare(a, b, true)))
			printf("#   %s\n#   %s\n", ta ? ta : "(null)", tb ? tb : "(null)");
		free(ta);
		free(tb);
		cJSON_Delete(a);
		cJSON_Delete(b);
		aws_err_release(&err);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.http files of dir, sorted. Caller frees each and the array. */
static char **list_http(const char *dir, size_t *n)
{
	char **names = NULL;
	DIR *d = opendir(dir);
	struct dirent *ent;
	*n = 0;
	while (d && (ent = readdir(d))) {
		size_t len = strlen(ent->d_name);
		if (len < 5 || strcmp(ent->d_name + len - 5, ".http") != 0)
			continue;
		names = xreallocarray(names, *n + 1, sizeof(*names));
		names[(*n)++] = xstrdup(ent->d_name);
	}
	if (d)
		closedir(d);
	qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

/* The service of a fixture, from its name's first word. */
static const char *fixture_service(const char *name)
{
	static const char *const map[][2] = {
		{ "cloudwatch", "monitoring" },
		{ "apigatewayv2", "apigatewayv2-2018-11-29" },
		{ "elbv2", "elasticloadbalancing" },
		{ "dynamodbstreams", "streams.dynamodb" },
	};
	static char svc[64];
	snprintf(svc, sizeof(svc), "%.*s", (int)strcspn(name, "-"), name);
	for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
		if (strcmp(svc, map[i][0]) == 0)
			return map[i][1];
	return svc;
}

/* "s3-list-objects-v2-cbor.http" -> "ListObjectsV2". */
static void fixture_op(const char *name, char *out, size_t n)
{
	const char *p = strchr(name, '-');
	size_t o = 0;
	bool up = true;
	for (p = p ? p + 1 : name; *p && *p != '.' && o + 1 < n; p++) {
		if (strncmp(p, "-cbor.", 6) == 0)
			break;
		if (*p == '-') {
			up = true;
			continue;
		}
		out[o++] = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
		up = false;
	}
	out[o] = '\0';
}

/* What differs between two clients' requests for the same call by design. */
static void drop_volatile(cJSON *in)
{
	cJSON_DeleteItemFromObject(in, "ContentMD5");
	cJSON_DeleteItemFromObject(in, "ClientToken");
	cJSON_DeleteItemFromObject(in, "ClientRequestToken");
}

TEST(proto_decode__reads_every_captured_request_alike)
{
	size_t n;
	char **names = list_http(FIXTURES "new", &n);
	int pairs = 0;
	for (size_t i = 0; i < n; i++) {
		char want[96], file[300];
		const char *svc = fixture_service(names[i]);
		fixture_op(names[i], want, sizeof(want));
		struct aws_err err = { 0 };
		const char *op = "";
		enum proto_protocol p;
		snprintf(file, sizeof(file), "new/%s", names[i]);
		cJSON *a = decode_file(svc, file, &op, &p, &err);
		ok(a && strcasecmp(op, want) == 0, "%s: %s (%s %s)", file, op, err.code,
		   err.message);
		snprintf(file, sizeof(file), "old/%s", names[i]);
		char *old_path = xasprintf(FIXTURES "%s", file);
		bool has_old = path_is_file(old_path);
		free(old_path);
		if (has_old) {
			cJSON *b = decode_file(svc, file, &op, &p, &err);
			drop_volatile(a);
			drop_volatile(b);
			ok(a && b && cJSON_Compare(a, b, true), "%s: boto3 1.29 and 1.43 alike",
			   names[i]);
			cJSON_Delete(b);
			pairs++;
		}
		cJSON_Delete(a);
		aws_err_release(&err);
	}
	ok(n > 70 && pairs > 65, "%zu requests, %d of them from both clients", n, pairs);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

TEST(proto_decode__converts_types_from_each_location)
{
	struct aws_err err = { 0 };
	const char *op;
	enum proto_protocol p;
	cJSON *in = decode_file("lambda", "new/lambda-create-function.http", &op, &p, &err);
	is_int(num_at(in, "MemorySize"), 256, "MemorySize is a number");
	cJSON_Delete(in);
	in = decode_file("lambda", "new/lambda-invoke.http", &op, &p, &err);
	ok(at(in, "Payload") == NULL, "a blob payload stays in the body");
	is_str(str_at(in, "FunctionName"), "conf-py", "a URI label");
	is_str(str_at(in, "LogType"), "Tail", "a header");
	cJSON_Delete(in);
	in = decode_file("lambda", "new/lambda-list-functions.http", &op, &p, &err);
	is_int(num_at(in, "MaxItems"), 5, "a query integer");
	cJSON_Delete(in);
	in = decode_file("monitoring", "old/cloudwatch-put-metric-data.http", &op, &p, &err);
	is_int(num_at(in, "MetricData.0.Timestamp"), 1700000000, "an ISO 8601 timestamp");
	ok(num_at(in, "MetricData.0.Value") == 1.5, "a double");
	cJSON_Delete(in);
	in = decode_file("monitoring", "new/cloudwatch-put-metric-data-cbor.http", &op, &p, &err);
	is_int(num_at(in, "MetricData.0.Timestamp"), 1700000000, "a CBOR tag 1 timestamp");
	cJSON_Delete(in);
	in = decode_file("s3", "new/s3-list-objects-v2.http", &op, &p, &err);
	is_int(num_at(in, "MaxKeys"), 10, "max-keys");
	is_str(str_at(in, "EncodingType"), "url", "encoding-type");
	cJSON_Delete(in);
	in = decode_file("s3", "new/s3-delete-objects.http", &op, &p, &err);
	ok(cJSON_IsTrue(at(in, "Delete.Quiet")), "an XML boolean");
	cJSON_Delete(in);
	aws_err_release(&err);
}

/* Validate input (JSON text) for op of svc; returns the message ("" when valid). */
static char *validate_text(const char *svc_name, const char *op_name, const char *json,
			   const char *const *unchecked, char code[96])
{
	const struct proto_service *svc = proto_service_find(svc_name);
	const struct proto_op *op = proto_op_find(svc, op_name);
	cJSON *in = cJSON_Parse(json);
	struct aws_err err = { 0 };
	bool valid = proto_validate(svc, PROTO_REST_JSON, op, in, unchecked, &err);
	cJSON_Delete(in);
	snprintf(code, 96, "%s", err.code);
	char *msg = xstrdup(valid ? "" : err.message);
	aws_err_release(&err);
	return msg;
}

TEST(proto_validate__words_violations_as_aws_does)
{
	char code[96];
	char *m = validate_text(
		"lambda", "CreateFunction",
		"{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:role/r\","
		"\"Code\":{},\"MemorySize\":20000}",
		NULL, code);
	is_str(m,
	       "1 validation error detected: Value '20000' at 'memorySize' failed to satisfy "
	       "constraint: Member must have value less than or equal to 10240",
	       "a value over the maximum");
	is_str(code, "ValidationException", "Lambda's code");
	free(m);
	m = validate_text("lambda", "CreateFunction",
			  "{\"FunctionName\":\"bad name\",\"Code\":{},\"Timeout\":0}", NULL, code);
	is_str(m,
	       "3 validation errors detected: Value 'bad name' at 'functionName' failed to satisfy "
	       "constraint: Member must satisfy regular expression pattern: "
	       "(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-"
	       "\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?; "
	       "Value null at 'role' "
	       "failed to satisfy constraint: Member must not be null; Value '0' at 'timeout' "
	       "failed "
	       "to satisfy constraint: Member must have value greater than or equal to 1",
	       "several violations, a pattern, a missing member");
	free(m);
	m = validate_text("lambda", "CreateFunction",
			  "{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:role/r\","
			  "\"Code\":{},\"Layers\":[\"x y\"]}",
			  NULL, code);
	ok(strncmp(m,
		   "1 validation error detected: Value '[x y]' at 'layers' failed to satisfy "
		   "constraint: Member must satisfy constraint: [Member must have length less "
		   "than or equal to 140, Member must have length greater than or equal to 1, "
		   "Member must satisfy regular expression pattern: ",
		   198) == 0 &&
		   strstr(m, ", Member must not be null]") != NULL,
	   "a list element's constraints: %s", m);
	free(m);
	static const char *const unchecked[] = { "CreateFunction.MemorySize", NULL };
	m = validate_text("lambda", "CreateFunction",
			  "{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:role/r\","
			  "\"Code\":{},\"PackageType\":\"Tarball\"}",
			  NULL, code);
	is_str(m,
	       "1 validation error detected: Value 'Tarball' at 'packageType' failed to satisfy "
	       "constraint: Member must satisfy enum value set: [Zip, Image]",
	       "an enum");
	free(m);
	m = validate_text("lambda", "CreateFunction",
			  "{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:role/r\","
			  "\"Code\":{},\"MemorySize\":1}",
			  unchecked, code);
	is_str(m, "", "a member the service checks itself");
	free(m);
	m = validate_text("sqs", "SendMessage", "{\"QueueUrl\":\"q\"}", NULL, code);
	is_str(m, "The request must contain the parameter MessageBody.", "SQS's missing member");
	is_str(code, "MissingParameter", "SQS's code");
	free(m);
	m = validate_text("events", "PutTargets",
			  "{\"Rule\":\"r\",\"Targets\":[{\"Id\":\"!@#$@!#$\",\"Arn\":\"a\"}]}",
			  NULL, code);
	is_str(m,
	       "1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to "
	       "satisfy constraint: Member must satisfy regular expression pattern: "
	       "[\\.\\-_A-Za-z0-9]+",
	       "a structure in a list");
	free(m);
	m = validate_text("apigateway", "PutIntegration",
			  "{\"restApiId\":\"a\",\"resourceId\":\"b\",\"httpMethod\":\"GET\","
			  "\"type\":\"HTTPS_PROXY\"}",
			  NULL, code);
	ok(strstr(m, "Value 'HTTPS_PROXY' at 'putIntegrationInput.type' failed to satisfy "
		     "constraint: Member must satisfy enum value set: [") != NULL,
	   "API Gateway names the operation's input: %s", m);
	is_str(code, "BadRequestException", "API Gateway's code");
	free(m);
}

/* Whether validating {name: v} for op answers with the sentence want. */
static bool refuses(const struct proto_service *svc, const struct proto_op *op,
		    const struct proto_member *m, cJSON *v, const char *want)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddItemToObject(in, m->name, v);
	struct aws_err err = { 0 };
	bool valid = proto_validate(svc, PROTO_REST_JSON, op, in, NULL, &err);
	bool found = !valid && strstr(err.message, want) != NULL;
	if (!found)
		printf("#   %s.%s: want \"%s\" in \"%s\"\n", op->name, m->name, want, err.message);
	cJSON_Delete(in);
	aws_err_release(&err);
	return found;
}

TEST(proto_validate__checks_every_constrained_lambda_member)
{
	/* One value past each constraint of each top-level member of every Lambda operation;
	 * the message must name the member and the model's own bound. (Strings up to 400
	 * characters: a longer value would not fit struct aws_err's message.) */
	const struct proto_service *svc = proto_service_find("lambda");
	int checked = 0, right = 0;
	for (size_t i = 0; i < proto_op_count(svc); i++) {
		const struct proto_op *op = proto_op_at(svc, i);
		for (size_t j = 0; op->input && j < op->input->nmembers; j++) {
			const struct proto_member *m = &op->input->members[j];
			const struct proto_shape *s = m->shape;
			char want[512];
			if (s->type == PM_STRING && (s->flags & PM_S_MAX) && s->max < 400) {
				char *long_value = xmalloc((size_t)s->max + 2);
				memset(long_value, 'a', (size_t)s->max + 1);
				long_value[(size_t)s->max + 1] = '\0';
				snprintf(want, sizeof(want),
					 "at '%s' failed to satisfy constraint: Member must have "
					 "length less than or equal to %.0f",
					 m->path, s->max);
				checked++;
				right += refuses(svc, op, m, cJSON_CreateString(long_value), want);
				free(long_value);
			}
			if ((s->type == PM_INTEGER || s->type == PM_LONG) &&
			    (s->flags & PM_S_MAX)) {
				snprintf(
					want, sizeof(want),
					"Value '%.0f' at '%s' failed to satisfy constraint: Member "
					"must have value less than or equal to %.0f",
					s->max + 1, m->path, s->max);
				checked++;
				right += refuses(svc, op, m, cJSON_CreateNumber(s->max + 1), want);
			}
			if ((s->type == PM_INTEGER || s->type == PM_LONG) &&
			    (s->flags & PM_S_MIN)) {
				snprintf(
					want, sizeof(want),
					"Value '%.0f' at '%s' failed to satisfy constraint: Member "
					"must have value greater than or equal to %.0f",
					s->min - 1, m->path, s->min);
				checked++;
				right += refuses(svc, op, m, cJSON_CreateNumber(s->min - 1), want);
			}
			if (s->type == PM_STRING && s->nenums) {
				snprintf(want, sizeof(want),
					 "Value 'NotAValue' at '%s' failed to satisfy constraint: "
					 "Member must satisfy enum value set: [%s",
					 m->path, s->enums[0]);
				checked++;
				right += refuses(svc, op, m, cJSON_CreateString("NotAValue"), want);
			}
		}
	}
	ok(checked > 100, "%d constrained members of Lambda's operations", checked);
	is_int(right, checked, "each answered with its constraint");
}

TEST(proto_regex__matches_the_models_java_patterns)
{
	static const struct {
		const char *pattern, *s;
		bool match;
	} cases[] = {
		{ "(?!^[0-9]+$)([a-zA-Z0-9-_]+)", "2024", false },
		{ "(?!^[0-9]+$)([a-zA-Z0-9-_]+)", "v2024", true },
		{ "^[0-9A-Za-z\\.\\-_]*(?<!\\.)$", "name.", false },
		{ "^[0-9A-Za-z\\.\\-_]*(?<!\\.)$", "na.me", true },
		{ "(?i)all|[0-9]{12}", "ALL", true },
		{ "(?i)all|[0-9]{12}", "12345678901", false },
		{ "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$", "caf\xc3\xa9 1", true },
		{ "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$", "a;b", false },
		{ "[\\u0020-\\u00FF]+", "abc\xc3\xbf", true },
		{ "[\\u0020-\\u00FF]+", "tab\there", false },
		{ "(a)b\\1", "aba", true },
		{ "(a)b\\1", "abb", false },
		{ "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
		  "arn:aws:iam::123456789012:role/lambda-role", true },
		{ "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
		  "arn:aws:iam::1234:role/r", false },
		{ "[^\\s]+", "app.handler", true },
		{ "[^\\s]+", "app handler", false },
		{ "\\p{Print}+", "ok", true },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		ok(codec_regex_match(cases[i].pattern, cases[i].s) == cases[i].match, "%s %s '%s'",
		   cases[i].pattern, cases[i].match ? "matches" : "refuses", cases[i].s);
	/* Hostile input against a nested repetition ends (and counts as matching). */
	char *many = xmalloc(5001);
	memset(many, 'a', 5000);
	many[5000] = '\0';
	ok(codec_regex_match("(a|aa)+$b", many), "a match past the step budget ends");
	free(many);
}

/* Encode output (JSON text) of op in protocol p. */
static void encode(const char *svc_name, enum proto_protocol p, const char *op_name,
		   const char *json, struct http_resp *resp)
{
	const struct proto_service *svc = proto_service_find(svc_name);
	cJSON *out = json ? cJSON_Parse(json) : NULL;
	http_resp_init(resp);
	proto_encode(svc, p, proto_op_find(svc, op_name), out, "req-1", resp);
	cJSON_Delete(out);
}

static const char *resp_header(const struct http_resp *resp, const char *name)
{
	for (int i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i][0], name) == 0)
			return resp->headers[i][1];
	return NULL;
}

TEST(proto_encode__writes_each_protocols_answer)
{
	struct http_resp r;
	encode("lambda", PROTO_REST_JSON, "Invoke",
	       "{\"StatusCode\":200,\"FunctionError\":\"Unhandled\",\"LogResult\":\"bG9n\","
	       "\"ExecutedVersion\":\"$LATEST\",\"Payload\":\"eyJvayI6MX0=\"}",
	       &r);
	is_int(r.status, 200, "Invoke: the status code member");
	is_str(resp_header(&r, "X-Amz-Function-Error"), "Unhandled", "a header member");
	is_str(strbuf_str(&r.body), "{\"ok\":1}", "a blob payload, raw");
	http_resp_release(&r);

	encode("lambda", PROTO_REST_JSON, "GetFunctionConfiguration",
	       "{\"FunctionName\":\"f\",\"MemorySize\":128,\"Unknown\":null}", &r);
	is_str(strbuf_str(&r.body), "{\"FunctionName\":\"f\",\"MemorySize\":128}", "rest-json");
	http_resp_release(&r);

	encode("sqs", PROTO_JSON, "ReceiveMessage",
	       "{\"Messages\":[{\"MessageId\":\"m\",\"Body\":\"b\",\"Attributes\":{"
	       "\"SentTimestamp\":\"1\"}}]}",
	       &r);
	is_str(r.content_type, "application/x-amz-json-1.0", "JSON 1.0");
	is_str(strbuf_str(&r.body),
	       "{\"Messages\":[{\"MessageId\":\"m\",\"Body\":\"b\",\"Attributes\":{"
	       "\"SentTimestamp\":\"1\"}}]}",
	       "JSON");
	http_resp_release(&r);

	encode("sqs", PROTO_QUERY, "ReceiveMessage",
	       "{\"Messages\":[{\"MessageId\":\"m\",\"Body\":\"b\",\"Attributes\":{"
	       "\"SentTimestamp\":\"1\"}}]}",
	       &r);
	is_str(strbuf_str(&r.body),
	       "<ReceiveMessageResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
	       "<ReceiveMessageResult><Message><Attribute><Name>SentTimestamp</Name><Value>1"
	       "</Value></Attribute><Body>b</Body><MessageId>m</MessageId></Message>"
	       "</ReceiveMessageResult><ResponseMetadata><RequestId>req-1</RequestId>"
	       "</ResponseMetadata></ReceiveMessageResponse>",
	       "query: flattened lists and maps with SQS's names");
	http_resp_release(&r);

	encode("sns", PROTO_QUERY, "ListTopics", "{\"Topics\":[{\"TopicArn\":\"t\"}]}", &r);
	is_str(strbuf_str(&r.body),
	       "<ListTopicsResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"
	       "<ListTopicsResult><Topics><member><TopicArn>t</TopicArn></member></Topics>"
	       "</ListTopicsResult><ResponseMetadata><RequestId>req-1</RequestId>"
	       "</ResponseMetadata></ListTopicsResponse>",
	       "query: a wrapped list");
	http_resp_release(&r);

	encode("s3", PROTO_REST_XML, "ListObjectsV2",
	       "{\"Name\":\"b\",\"KeyCount\":1,\"IsTruncated\":false,\"Contents\":[{\"Key\":\"k\","
	       "\"LastModified\":1700000000,\"Size\":5}]}",
	       &r);
	ok(strstr(strbuf_str(&r.body),
		  "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Contents>"
		  "<Key>k</Key><LastModified>2023-11-14T22:13:20Z</LastModified><Size>5</Size>"
		  "</Contents><IsTruncated>false</IsTruncated><KeyCount>1</KeyCount><Name>b</Name>"
		  "</ListBucketResult>") != NULL,
	   "rest-xml: the root S3 names, a flattened list");
	http_resp_release(&r);

	encode("s3", PROTO_REST_XML, "HeadObject",
	       "{\"ContentLength\":5,\"LastModified\":1700000000,\"Metadata\":{\"owner\":\"ada\"}}",
	       &r);
	is_str(resp_header(&r, "Last-Modified"), "Tue, 14 Nov 2023 22:13:20 GMT",
	       "an HTTP date header");
	is_str(resp_header(&r, "x-amz-meta-owner"), "ada", "prefixed headers");
	http_resp_release(&r);

	encode("monitoring", PROTO_CBOR, "GetMetricStatistics",
	       "{\"Label\":\"L\",\"Datapoints\":[{\"Timestamp\":1700000000,\"Sum\":2}]}", &r);
	static const unsigned char want[] = { 0xa2, 0x6a, 'D', 'a',  't',  'a',  'p',  'o', 'i',
					      'n',  't',  's', 0x81, 0xa2, 0x69, 'T',  'i', 'm',
					      'e',  's',  't', 'a',  'm',  'p',  0xc1, 0x1a };
	ok(r.body.len > sizeof(want) && memcmp(r.body.buf + 0, want, 1) == 0 &&
		   memmem(r.body.buf, r.body.len, want + 14, 12) != NULL,
	   "cbor: a map, tag 1 timestamps");
	is_str(resp_header(&r, "smithy-protocol"), "rpc-v2-cbor", "cbor's header");
	http_resp_release(&r);
}

static void encode_error(const char *svc_name, enum proto_protocol p, int status, const char *code,
			 const char *msg, const char *fields, struct http_resp *resp)
{
	struct aws_err err = { 0 };
	aws_err_set(&err, status, code, "%s", msg);
	err.fields = fields ? cJSON_Parse(fields) : NULL;
	http_resp_init(resp);
	proto_encode_error(proto_service_find(svc_name), p, NULL, &err, "req-1", resp);
	aws_err_release(&err);
}

TEST(proto_encode_error__shapes_errors_as_aws_does)
{
	struct http_resp r;
	encode_error("lambda", PROTO_REST_JSON, 404, "ResourceNotFoundException",
		     "Function not found: f", NULL, &r);
	is_int(r.status, 404, "status");
	is_str(resp_header(&r, "x-amzn-ErrorType"), "ResourceNotFoundException", "rest-json type");
	is_str(strbuf_str(&r.body), "{\"Type\":\"User\",\"Message\":\"Function not found: f\"}",
	       "Lambda's body");
	http_resp_release(&r);

	encode_error("sqs", PROTO_JSON, 400, "AWS.SimpleQueueService.NonExistentQueue",
		     "The specified queue does not exist.", NULL, &r);
	is_str(strbuf_str(&r.body),
	       "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":\"The "
	       "specified queue does not exist.\"}",
	       "JSON, the type in SQS's namespace as SQS answers");
	is_str(resp_header(&r, "x-amzn-query-error"),
	       "AWS.SimpleQueueService.NonExistentQueue;Sender", "query-compatible code");
	http_resp_release(&r);

	encode_error("sqs", PROTO_QUERY, 400, "QueueDoesNotExist", "gone", NULL, &r);
	is_str(strbuf_str(&r.body),
	       "<ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error><Type>"
	       "Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>gone"
	       "</Message></Error><RequestId>req-1</RequestId></ErrorResponse>",
	       "query");
	http_resp_release(&r);

	encode_error("s3", PROTO_REST_XML, 404, "NoSuchBucket",
		     "The specified bucket does not exist", "{\"BucketName\":\"b\"}", &r);
	ok(strstr(strbuf_str(&r.body),
		  "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist"
		  "</Message><BucketName>b</BucketName><RequestId>req-1</RequestId>") != NULL,
	   "rest-xml with a field");
	http_resp_release(&r);

	/* XML 1.0 forbids control characters even as references: botocore cannot read them. */
	encode_error("iam", PROTO_QUERY, 400, "MalformedPolicyDocument", "Resource in\x01 x",
		     "{\"Key\":\"k\\u001f\"}", &r);
	ok(strstr(strbuf_str(&r.body), "<Message>Resource in\xEF\xBF\xBD x</Message>") != NULL &&
		   strstr(strbuf_str(&r.body), "<Key>k\xEF\xBF\xBD</Key>") != NULL &&
		   !strstr(strbuf_str(&r.body), "&#x"),
	   "query: a control character in an error becomes U+FFFD");
	http_resp_release(&r);

	encode_error("monitoring", PROTO_CBOR, 400, "ResourceNotFound", "no", NULL, &r);
	ok(r.body.len > 8 && (unsigned char)r.body.buf[0] == 0xa2, "cbor: a map of two");
	ok(memmem(r.body.buf, r.body.len, "__type", 6) != NULL, "cbor: __type");
	http_resp_release(&r);
}

/* Decode a request built from parts; returns the error code ("" when it decoded). */
static void bad(const char *svc_name, const char *method, const char *path, const char *header,
		const char *value, const char *body, const char *want, const char *what)
{
	struct proto_kv h[2] = { { header, value },
				 { "Content-Type", "application/x-amz-json-1.1" } };
	struct proto_kv q[1] = { { "delete", "" } };
	struct proto_req req = { .method = method,
				 .path = path,
				 .headers = h,
				 .nheaders = 2,
				 .query = q,
				 .nquery = strcmp(svc_name, "s3") == 0,
				 .body = body,
				 .body_len = strlen(body) };
	struct proto_decoded d;
	struct aws_err err = { 0 };
	bool decoded = proto_decode(proto_service_find(svc_name), &req, NULL, &d, &err);
	ok(!decoded, "%s is refused", what);
	is_str(err.code, want, what);
	proto_decoded_release(&d);
	aws_err_release(&err);
}

TEST(proto_decode__refuses_bad_input_in_the_protocols_words)
{
	bad("logs", "POST", "/", "X-Amz-Target", "Logs_20140328.PutLogEvents",
	    "{\"logGroupName\":", "SerializationException", "malformed JSON");
	bad("logs", "POST", "/", "X-Amz-Target", "Logs_20140328.Nope", "{}",
	    "UnknownOperationException", "an unknown target");
	bad("logs", "POST", "/", "X-Amz-Target", "Logs_20140328.PutLogEvents",
	    "{\"logGroupName\":5}", "SerializationException", "a number for a string");
	bad("lambda", "POST", "/2015-03-31/functions", "X-Nothing", "",
	    "{\"FunctionName\":", "InvalidRequestContentException", "Lambda's malformed body");
	bad("lambda", "GET", "/2015-03-31/nothing-here", "X-Nothing", "", "",
	    "UnknownOperationException", "a path no operation has");
	bad("sqs", "POST", "/", "Content-Type", "application/x-www-form-urlencoded",
	    "Action=SendMessage&QueueUrl=%zz", "MalformedQueryString", "a bad escape");
	bad("sqs", "POST", "/", "Content-Type", "application/x-www-form-urlencoded",
	    "Action=Nope&QueueUrl=q", "InvalidAction", "an unknown action");
	bad("s3", "POST", "/b", "X-Nothing", "", "<Delete><Object><Key>a</Key></Obj",
	    "MalformedXML", "truncated XML");
	bad("monitoring", "POST", "/service/GraniteServiceVersion20100801/operation/PutMetricData",
	    "smithy-protocol", "rpc-v2-cbor", "\xbf\x69Namespace", "SerializationException",
	    "truncated CBOR");
	bad("monitoring", "POST", "/service/GraniteServiceVersion20100801/operation/PutMetricData",
	    "smithy-protocol", "rpc-v2-cbor", "\x9b\x00\x00\x00\x10\x00\x00\x00\x00",
	    "SerializationException", "a CBOR array longer than the body");
}

/* The ContentEncoding S3's PutObject decodes to from a Content-Encoding header ("-" absent). */
static char *s3_content_encoding(const char *header)
{
	struct proto_kv h[1] = { { "Content-Encoding", header } };
	struct proto_req req = { .method = "PUT",
				 .path = "/b/k",
				 .headers = h,
				 .nheaders = 1,
				 .body = "x",
				 .body_len = 1 };
	struct proto_decoded d;
	struct aws_err err = { 0 };
	char *got = NULL;
	if (proto_decode(proto_service_find("s3"), &req, NULL, &d, &err)) {
		const char *v = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(d.input, "ContentEncoding"));
		got = xstrdup(v ? v : "-");
	} else {
		got = xstrdup(err.code);
	}
	proto_decoded_release(&d);
	aws_err_release(&err);
	return got;
}

TEST(proto_decode__takes_aws_chunked_out_of_s3s_content_encoding)
{
	static const char *const cases[][3] = {
		{ "aws-chunked", "-", "aws-chunked alone is the upload's framing: no encoding" },
		{ "gzip,aws-chunked", "gzip", "the object's own encoding stays" },
		{ "aws-chunked, gzip", "gzip", "... first or last, with spaces" },
		{ "gzip, br", "gzip, br", "an encoding without aws-chunked is as sent" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = s3_content_encoding(cases[i][0]);
		is_str(got, cases[i][1], cases[i][2]);
		free(got);
	}
}

int main(void)
{
	RUN(proto_decode__reads_what_real_clients_send);
	RUN(proto_decode__gives_each_protocol_the_same_input);
	RUN(proto_decode__reads_every_captured_request_alike);
	RUN(proto_decode__converts_types_from_each_location);
	RUN(proto_validate__words_violations_as_aws_does);
	RUN(proto_validate__checks_every_constrained_lambda_member);
	RUN(proto_regex__matches_the_models_java_patterns);
	RUN(proto_encode__writes_each_protocols_answer);
	RUN(proto_encode_error__shapes_errors_as_aws_does);
	RUN(proto_decode__refuses_bad_input_in_the_protocols_words);
	RUN(proto_decode__takes_aws_chunked_out_of_s3s_content_encoding);
	return done();
}
