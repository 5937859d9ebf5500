/*
 * Lambda's validation rules and messages, copied from the service's answers.
 */
#include "cloud/lambda/validate.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

static const struct lambda_runtime runtimes[] = {
	{ "python3.9", LAMBDA_PYTHON, "AWS_Lambda_python3.9", "python:3.9.v64" },
	{ "python3.10", LAMBDA_PYTHON, "AWS_Lambda_python3.10", "python:3.10.v50" },
	{ "python3.11", LAMBDA_PYTHON, "AWS_Lambda_python3.11", "python:3.11.v45" },
	{ "python3.12", LAMBDA_PYTHON, "AWS_Lambda_python3.12", "python:3.12.v40" },
	{ "python3.13", LAMBDA_PYTHON, "AWS_Lambda_python3.13", "python:3.13.v14" },
	{ "nodejs18.x", LAMBDA_NODE, "AWS_Lambda_nodejs18.x", "nodejs:18.v50" },
	{ "nodejs20.x", LAMBDA_NODE, "AWS_Lambda_nodejs20.x", "nodejs:20.v40" },
	{ "nodejs22.x", LAMBDA_NODE, "AWS_Lambda_nodejs22.x", "nodejs:22.v20" },
	{ "provided.al2", LAMBDA_PROVIDED, NULL, "provided:al2.v80" },
	{ "provided.al2023", LAMBDA_PROVIDED, NULL, "provided:al2023.v60" },
};

static const char *const deprecated[] = { "python2.7",     "python3.6",  "python3.7",  "python3.8",
					  "nodejs",        "nodejs4.3",  "nodejs6.10", "nodejs8.10",
					  "nodejs10.x",    "nodejs12.x", "nodejs14.x", "nodejs16.x",
					  "provided",      "go1.x",      "ruby2.5",    "ruby2.7",
					  "dotnetcore3.1", "java8",      NULL };

/* Every runtime the real service names in its enum message. */
#define RUNTIME_ENUM                                                                            \
	"[nodejs20.x, provided.al2023, python3.12, python3.13, nodejs22.x, java17, python3.9, " \
	"python3.10, java11, python3.11, dotnet8, java21, provided.al2, nodejs18.x, ruby3.3, "  \
	"ruby3.4, java8.al2]"

const struct lambda_runtime *lambda_runtime_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
		if (strcmp(runtimes[i].name, name) == 0)
			return &runtimes[i];
	return NULL;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

#define NAME_PATTERN                                                                              \
	"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?" \
	"([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"

bool lambda_check_name(const char *name, struct api_err *e)
{
	size_t len = strlen(name);
	if (len < 1 || len > 64)
		return api_err_set(
			e, 400, "ValidationException",
			"1 validation error detected: Value '%s' at 'functionName' "
			"failed to satisfy constraint: Member must have length %s",
			name, len < 1 ? "greater than or equal to 1" : "less than or equal to 64");
	for (size_t i = 0; i < len; i++)
		if (!name_char(name[i]))
			return api_err_set(e, 400, "ValidationException",
					   "1 validation error detected: Value '%s' at "
					   "'functionName' failed to satisfy constraint: Member "
					   "must satisfy regular expression pattern: " NAME_PATTERN,
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
	memcpy(name, f.name, sizeof(f.name));
	memcpy(account, f.account, sizeof(f.account));
	memcpy(qualifier, f.qualifier, sizeof(f.qualifier));
	return true;
}

bool lambda_check_runtime(const char *runtime, struct api_err *e)
{
	if (lambda_runtime_find(runtime))
		return true;
	for (const char *const *d = deprecated; *d; d++)
		if (strcmp(*d, runtime) == 0)
			return api_err_set(
				e, 400, "InvalidParameterValueException",
				"The runtime parameter of %s is no longer supported for creating "
				"or "
				"updating AWS Lambda functions. We recommend you use a supported "
				"runtime while creating or updating functions.",
				runtime);
	return api_err_set(e, 400, "InvalidParameterValueException",
			   "Value %s at 'runtime' failed to satisfy constraint: Member must "
			   "satisfy enum value set: " RUNTIME_ENUM " or be a valid ARN",
			   runtime);
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
