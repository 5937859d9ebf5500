/*
 * Lambda's validation rules and messages, copied from the service's answers.
 */
#include "cloud/lambda/validate.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aws/aws.h"
#include "cloud/svc/arn.h"
#include "core/strutil.h"

bool api_err_set(struct api_err *e, int status, const char *type, const char *fmt, ...)
{
	if (!e)
		return false;
	e->status = status;
	e->type = type;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return false;
}

/*
 * Every runtime identifier Lambda knows, as AWS has them in December 2026: the ones it creates
 * functions with (RUNTIME_OPEN), the deprecated ones whose create and update are blocked
 * (RUNTIME_BLOCKED: existing functions keep running, here as on AWS), and the ones retired
 * long ago. The local cloud runs the Python, Node.js and OS-only ones (lang); the Java, .NET
 * and Ruby ones it answers with NotImplemented. Dates: AWS's runtime pages ("" when none is
 * set or recorded here).
 */
static const struct lambda_runtime runtimes[] = {
	{ "python3.14", LAMBDA_PYTHON, "AWS_Lambda_python3.14", "python:3.14.v1", RUNTIME_OPEN, "",
	  "", "" },
	{ "python3.13", LAMBDA_PYTHON, "AWS_Lambda_python3.13", "python:3.13.v14", RUNTIME_OPEN, "",
	  "", "" },
	{ "python3.12", LAMBDA_PYTHON, "AWS_Lambda_python3.12", "python:3.12.v40", RUNTIME_OPEN, "",
	  "", "" },
	{ "python3.11", LAMBDA_PYTHON, "AWS_Lambda_python3.11", "python:3.11.v45", RUNTIME_OPEN,
	  "2027-06-30", "2027-07-31", "2027-08-31" },
	{ "python3.10", LAMBDA_PYTHON, "AWS_Lambda_python3.10", "python:3.10.v50", RUNTIME_OPEN, "",
	  "", "" },
	{ "python3.9", LAMBDA_PYTHON, "AWS_Lambda_python3.9", "python:3.9.v64", RUNTIME_OPEN,
	  "2025-12-15", "2027-02-01", "2027-03-03" },
	{ "nodejs24.x", LAMBDA_NODE, "AWS_Lambda_nodejs24.x", "nodejs:24.v1", RUNTIME_OPEN, "", "",
	  "" },
	{ "nodejs22.x", LAMBDA_NODE, "AWS_Lambda_nodejs22.x", "nodejs:22.v20", RUNTIME_OPEN, "", "",
	  "" },
	{ "nodejs20.x", LAMBDA_NODE, "AWS_Lambda_nodejs20.x", "nodejs:20.v40", RUNTIME_BLOCKED,
	  "2026-04-30", "2026-08-31", "2026-09-30" },
	{ "nodejs18.x", LAMBDA_NODE, "AWS_Lambda_nodejs18.x", "nodejs:18.v50", RUNTIME_BLOCKED,
	  "2025-09-01", "", "" },
	{ "provided.al2023", LAMBDA_PROVIDED, NULL, "provided:al2023.v60", RUNTIME_OPEN, "", "",
	  "" },
	{ "provided.al2", LAMBDA_PROVIDED, NULL, "provided:al2.v80", RUNTIME_OPEN, "", "", "" },
	{ "java25", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_OPEN, "", "", "" },
	{ "java21", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_OPEN, "", "", "" },
	{ "java17", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_OPEN, "", "", "" },
	{ "java11", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_OPEN, "", "", "" },
	{ "java8.al2", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_OPEN, "", "", "" },
	{ "dotnet10", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_OPEN, "", "", "" },
	{ "dotnet8", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_OPEN, "", "", "" },
	{ "ruby3.4", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_OPEN, "", "", "" },
	{ "ruby3.3", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_OPEN, "", "", "" },
	{ "ruby3.2", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_OPEN, "2026-03-31", "", "" },
	{ "python3.8", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "2024-10-14", "", "" },
	{ "nodejs16.x", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "2024-06-12", "", "" },
	{ "dotnet6", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "2024-12-20", "", "" },
	{ "python2.7", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "python3.6", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "python3.7", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "nodejs", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "nodejs4.3", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "nodejs6.10", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "nodejs8.10", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "nodejs10.x", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "nodejs12.x", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "nodejs14.x", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "provided", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "go1.x", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "ruby2.5", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "ruby2.7", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "dotnetcore3.1", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
	{ "java8", LAMBDA_UNSERVED, NULL, NULL, RUNTIME_BLOCKED, "", "", "" },
};

#define NRUNTIMES (sizeof(runtimes) / sizeof(runtimes[0]))

static const struct lambda_runtime *runtime_row(const char *name)
{
	for (size_t i = 0; name && i < NRUNTIMES; i++)
		if (strcmp(runtimes[i].name, name) == 0)
			return &runtimes[i];
	return NULL;
}

const struct lambda_runtime *lambda_runtime_find(const char *name)
{
	const struct lambda_runtime *r = runtime_row(name);
	return r && r->lang != LAMBDA_UNSERVED ? r : NULL;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* The name patterns Lambda's messages quote: CreateFunction's, and the one of the operations
 * that name an existing function (GetFunction, DeleteFunction, Invoke …). */
#define NAME_PATTERN_CREATE                                                                \
	"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-" \
	"\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
#define NAME_PATTERN                                                                       \
	"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-" \
	"\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|"  \
	"[a-zA-Z0-9-_]+))?"

bool lambda_check_name(const char *name, struct api_err *e)
{
	size_t len = strlen(name);
	if (len < 1 || len > 64)
		return api_err_set(
			e, 400, len > 64 ? "InvalidParameterValueException" : "ValidationException",
			"1 validation error detected: Value '%s' at 'functionName' "
			"failed to satisfy constraint: Member must have length %s",
			name, len < 1 ? "greater than or equal to 1" : "less than or equal to 64");
	for (size_t i = 0; i < len; i++)
		if (!name_char(name[i]))
			return api_err_set(
				e, 400, "ValidationException",
				"1 validation error detected: Value '%s' at "
				"'functionName' failed to satisfy constraint: Member "
				"must satisfy regular expression pattern: " NAME_PATTERN_CREATE,
				name);
	return true;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* (eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}: us-east-1, us-gov-west-1 … */
static bool region_ok(const char *r)
{
	if (str_starts_with(r, "eusc-"))
		r += 5;
	for (int i = 0; i < 2; i++, r++)
		if (*r < 'a' || *r > 'z')
			return false;
	if (str_starts_with(r, "-gov-"))
		r += 4;
	else if (str_starts_with(r, "-iso-"))
		r += 4;
	else if (str_starts_with(r, "-iso") && r[4] >= 'a' && r[4] <= 'z' && r[5] == '-')
		r += 5;
	if (*r++ != '-')
		return false;
	const char *w = r;
	while (*r >= 'a' && *r <= 'z')
		r++;
	if (r == w || *r++ != '-')
		return false;
	return *r >= '0' && *r <= '9' && r[1] == '\0';
}

bool lambda_ref_overlong(const char *ref)
{
	size_t n = strlen(ref);
	if (n <= 64 || n > 170)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(ref[i]))
			return false;
	return true;
}

bool lambda_parse_ref(const char *ref, char *name, char *account, char *qualifier,
		      struct api_err *e)
{
	struct arn_function f;
	if (!arn_function_parse(ref, &f))
		return api_err_set(
			e, 400, "ValidationException",
			"1 validation error detected: Value '%s' at 'functionName' failed "
			"to satisfy constraint: Member must satisfy regular expression "
			"pattern: " NAME_PATTERN,
			ref);
	if (f.region[0] && !region_ok(f.region))
		return api_err_set(
			e, 400, "ValidationException",
			"1 validation error detected: Value '%s' at 'functionName' failed "
			"to satisfy constraint: Member must satisfy regular expression "
			"pattern: " NAME_PATTERN,
			ref);
	if (f.region[0] && strcmp(f.region, AWS_REGION_NAME) != 0)
		return api_err_set(e, 404, "ResourceNotFoundException",
				   "Functions from '%s' are not reachable in this region ('%s')",
				   f.region, AWS_REGION_NAME);
	memcpy(name, f.name, sizeof(f.name));
	memcpy(account, f.account, sizeof(f.account));
	memcpy(qualifier, f.qualifier, sizeof(f.qualifier));
	return true;
}

bool lambda_check_runtime(const char *runtime, struct api_err *e)
{
	const struct lambda_runtime *r = runtime_row(runtime);
	if (r && r->state == RUNTIME_BLOCKED)
		return api_err_set(
			e, 400, "InvalidParameterValueException",
			"The runtime parameter of %s is no longer supported for creating "
			"or updating AWS Lambda functions. We recommend you use a supported "
			"runtime while creating or updating functions.",
			runtime);
	if (r && r->lang == LAMBDA_UNSERVED)
		return api_err_set(
			e, 501, "NotImplemented",
			"The local cloud runs Python, Node.js and OS-only runtimes; %s is "
			"one AWS offers that it does not run",
			runtime);
	if (r)
		return true;
	/* The set AWS names: every runtime it creates functions with today. */
	char set[1024] = "";
	size_t n = 0;
	for (size_t i = 0; i < NRUNTIMES && n < sizeof(set); i++)
		if (runtimes[i].state == RUNTIME_OPEN)
			n += (size_t)snprintf(set + n, sizeof(set) - n, "%s%s", n ? ", " : "",
					      runtimes[i].name);
	return api_err_set(e, 400, "InvalidParameterValueException",
			   "Value %s at 'runtime' failed to satisfy constraint: Member must "
			   "satisfy enum value set: [%s] or be a valid ARN",
			   runtime, set);
}

bool lambda_check_handler(const char *handler, struct api_err *e)
{
	size_t len = strlen(handler);
	if (len > 128)
		return api_err_set(e, 400, "ValidationException",
				   "1 validation error detected: Value '%s' at 'handler' failed to "
				   "satisfy constraint: Member must have length less than or equal "
				   "to 128",
				   handler);
	for (size_t i = 0; i < len; i++)
		if (handler[i] == ' ' || handler[i] == '\t' || handler[i] == '\n' ||
		    handler[i] == '\r')
			return api_err_set(e, 400, "ValidationException",
					   "1 validation error detected: Value '%s' at 'handler' "
					   "failed to satisfy constraint: Member must satisfy "
					   "regular expression pattern: [^\\s]+",
					   handler);
	if (len == 0)
		return api_err_set(e, 400, "ValidationException",
				   "1 validation error detected: Value '' at 'handler' failed to "
				   "satisfy constraint: Member must satisfy regular expression "
				   "pattern: [^\\s]+");
	return true;
}

bool lambda_check_memory(double mb, struct api_err *e)
{
	if (mb < LAMBDA_MEMORY_MIN || mb != floor(mb))
		return api_err_set(
			e, 400, "ValidationException",
			"1 validation error detected: Value '%.0f' at 'memorySize' failed "
			"to satisfy constraint: Member must have value greater than or "
			"equal to 128",
			mb);
	if (mb > LAMBDA_MEMORY_MAX)
		return api_err_set(
			e, 400, "ValidationException",
			"1 validation error detected: Value '%.0f' at 'memorySize' failed "
			"to satisfy constraint: Member must have value less than or equal "
			"to 10240",
			mb);
	return true;
}

bool lambda_check_ephemeral(double mb, struct api_err *e)
{
	if (mb < LAMBDA_EPHEMERAL_MIN || mb != floor(mb))
		return api_err_set(e, 400, "ValidationException",
				   "1 validation error detected: Value '%.0f' at "
				   "'ephemeralStorage.size' failed "
				   "to satisfy constraint: Member must have value greater than or "
				   "equal to 512",
				   mb);
	if (mb > LAMBDA_EPHEMERAL_MAX)
		return api_err_set(
			e, 400, "ValidationException",
			"1 validation error detected: Value '%.0f' at 'ephemeralStorage.size' "
			"failed "
			"to satisfy constraint: Member must have value less than or equal to 10240",
			mb);
	return true;
}

bool lambda_check_timeout(double seconds, struct api_err *e)
{
	if (seconds < 1 || seconds != floor(seconds))
		return api_err_set(
			e, 400, "ValidationException",
			"1 validation error detected: Value '%.0f' at 'timeout' failed to "
			"satisfy constraint: Member must have value greater than or equal "
			"to 1",
			seconds);
	if (seconds > LAMBDA_TIMEOUT_MAX)
		return api_err_set(
			e, 400, "ValidationException",
			"1 validation error detected: Value '%.0f' at 'timeout' failed to "
			"satisfy constraint: Member must have value less than or equal to "
			"900",
			seconds);
	return true;
}

bool lambda_check_role(const char *role, struct api_err *e)
{
	/* arn:aws:iam::123456789012:role/NAME */
	const char *p = role;
	bool okay = str_starts_with(p, "arn:aws");
	if (okay) {
		p = strstr(p, ":iam::");
		okay = p != NULL;
	}
	if (okay) {
		p += 6;
		okay = strlen(p) > 17 && all_digits(p, 12) && strncmp(p + 12, ":role/", 6) == 0;
	}
	if (okay) {
		for (const char *c = p + 18; *c; c++)
			if (!(name_char(*c) || strchr("+=,.@/", *c)))
				okay = false;
		okay = okay && p[18] != '\0';
	}
	if (!okay)
		return api_err_set(
			e, 400, "ValidationException",
			"1 validation error detected: Value '%s' at 'role' failed to "
			"satisfy constraint: Member must satisfy regular expression "
			"pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
			role);
	return true;
}

bool lambda_check_description(const char *desc, struct api_err *e)
{
	if (strlen(desc) > 256)
		return api_err_set(e, 400, "ValidationException",
				   "1 validation error detected: Value at 'description' failed to "
				   "satisfy constraint: Member must have length less than or equal "
				   "to 256");
	return true;
}

static const char *const reserved_env[] = {
	"_HANDLER",
	"_X_AMZN_TRACE_ID",
	"AWS_DEFAULT_REGION",
	"AWS_REGION",
	"AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE",
	"AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_ACCESS_KEY",
	"AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN",
	"AWS_LAMBDA_RUNTIME_API",
	"LAMBDA_TASK_ROOT",
	"LAMBDA_RUNTIME_DIR",
	NULL,
};

bool lambda_check_env(const cJSON *vars, struct api_err *e)
{
	if (!vars)
		return true;
	if (!cJSON_IsObject(vars))
		return api_err_set(e, 400, "InvalidParameterValueException",
				   "Environment.Variables must be a map of strings");
	/* AWS measures the variables as the JSON text of the map. */
	char *text = cJSON_PrintUnformatted(vars);
	size_t size = strlen(text);
	const cJSON *v;
	char reserved[512] = "";
	cJSON_ArrayForEach(v, vars)
	{
		const char *k = v->string;
		if (!cJSON_IsString(v)) {
			cJSON_free(text);
			return api_err_set(e, 400, "InvalidParameterValueException",
					   "Environment variable '%s' must have a string value", k);
		}
		bool okay = strlen(k) >= 2 &&
			    ((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z'));
		for (const char *c = k; okay && *c; c++)
			okay = name_char(*c) && *c != '-';
		if (!okay) {
			api_err_set(
				e, 400, "ValidationException",
				"1 validation error detected: Value at "
				"'environment.variables' failed to satisfy constraint: Map keys "
				"must satisfy constraint: [Member must satisfy regular expression "
				"pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
			cJSON_free(text);
			return false;
		}
		for (const char *const *r = reserved_env; *r; r++)
			if (strcmp(*r, k) == 0 &&
			    strlen(reserved) + strlen(k) + 3 < sizeof(reserved)) {
				if (reserved[0])
					strcat(reserved, ",");
				strcat(reserved, k);
			}
	}
	if (reserved[0]) {
		cJSON_free(text);
		return api_err_set(
			e, 400, "InvalidParameterValueException",
			"Lambda was unable to configure your environment variables "
			"because the environment variables you have provided contains "
			"reserved keys that are currently not supported for modification. "
			"Reserved keys used in this request: %s",
			reserved);
	}
	if (size > LAMBDA_ENV_MAX) {
		cJSON_free(text);
		return api_err_set(
			e, 400, "InvalidParameterValueException",
			"Lambda was unable to configure your environment variables "
			"because the environment variables you have provided exceeded the "
			"4KB limit. String measured: %zu bytes",
			size);
	}
	cJSON_free(text);
	return true;
}

long long lambda_billed_ms(double duration_ms, double init_ms)
{
	double total = duration_ms + (init_ms > 0 ? init_ms : 0);
	long long billed = (long long)ceil(total);
	return billed < 1 ? 1 : billed;
}

double lambda_gb_seconds(int memory_mb, long long billed_ms)
{
	return memory_mb / 1024.0 * (double)billed_ms / 1000.0;
}

double lambda_cost_usd(int memory_mb, long long billed_ms, bool arm64)
{
	double rate = arm64 ? 0.0000133334 : 0.0000166667;
	return lambda_gb_seconds(memory_mb, billed_ms) * rate + 0.0000002;
}

double lambda_cost_provisioned_usd(int memory_mb, long long billed_ms, bool arm64)
{
	double rate = arm64 ? 0.0000077778 : 0.0000097222;
	return lambda_gb_seconds(memory_mb, billed_ms) * rate + 0.0000002;
}

long long lambda_provisioned_billed_s(long long configured_ms)
{
	long long slices = configured_ms <= 0 ? 1 : (configured_ms + 299999) / 300000;
	return slices * 300;
}

double lambda_cost_provisioned_kept_usd(int memory_mb, int concurrency, long long configured_ms,
					bool arm64)
{
	double rate = arm64 ? 0.0000033334 : 0.0000041667;
	return memory_mb / 1024.0 * concurrency *
	       (double)lambda_provisioned_billed_s(configured_ms) * rate;
}
