/*
 * Lambda's input rules, as the service applies them: names and ARNs, runtimes, handlers,
 * memory, timeouts, roles, environment variables. Pure functions: no state, no I/O.
 */
#ifndef CLOUD_LAMBDA_VALIDATE_H
#define CLOUD_LAMBDA_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

/* An API error before it is rendered: HTTP status, x-amzn-ErrorType and message. */
struct api_err {
	int status;
	const char *type;
	char msg[1024];
};

bool api_err_set(struct api_err *e, int status, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

enum lambda_lang {
	LAMBDA_PYTHON,
	LAMBDA_NODE,
	LAMBDA_PROVIDED,
	LAMBDA_UNSERVED /* a runtime AWS has that the local cloud does not run */
};

/* Whether AWS creates and updates functions with a runtime today. */
enum lambda_runtime_state {
	RUNTIME_OPEN,
	RUNTIME_BLOCKED /* deprecated, create and update blocked; functions still run */
};

struct lambda_runtime {
	const char *name; /* "python3.12" */
	enum lambda_lang lang;
	const char *exec_env; /* AWS_EXECUTION_ENV, NULL for provided */
	const char *version;  /* INIT_START "Runtime Version" */
	enum lambda_runtime_state state;
	const char *deprecated, *block_create, *block_update; /* YYYY-MM-DD, "" when none */
};

/* The runtime called name that the local cloud runs (open or blocked), or NULL. */
const struct lambda_runtime *lambda_runtime_find(const char *name);

#define LAMBDA_MEMORY_MIN       128
#define LAMBDA_MEMORY_MAX       10240
#define LAMBDA_TIMEOUT_MAX      900
#define LAMBDA_EPHEMERAL_MIN    512
#define LAMBDA_EPHEMERAL_MAX    10240
#define LAMBDA_ENV_MAX          4096
#define LAMBDA_ZIP_MAX          52428800LL  /* 50 MB zipped, direct upload */
#define LAMBDA_UNZIPPED_MAX     262144000LL /* 250 MB unzipped */
#define LAMBDA_PAYLOAD_MAX      6291456     /* 6 MB request and response */
#define LAMBDA_RUNTIME_RESP_MAX (6 * 1024 * 1024 + 100)
#define LAMBDA_ASYNC_MAX        1048576
#define LAMBDA_CREATE_BODY_MAX  70167211 /* the request limit AWS quotes for CreateFunction */
#define LAMBDA_UNRESERVED_MIN   100      /* what reserved and provisioned concurrency leave */

bool lambda_check_name(const char *name, struct api_err *e);
/*
 * Split a FunctionName as Invoke and the other calls accept it: NAME, NAME:QUALIFIER,
 * ACCOUNT:function:NAME[:QUALIFIER] or arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER].
 * name gets 65 bytes, account 13 ("" when not given), qualifier 129 ("" when not given).
 */
/* Whether ref is a plain function name too long to be one (65-170 of [a-zA-Z0-9-_]), which
 * Lambda looks up and does not find. */
bool lambda_ref_overlong(const char *ref);
bool lambda_parse_ref(const char *ref, char *name, char *account, char *qualifier,
		      struct api_err *e);
bool lambda_check_runtime(const char *runtime, struct api_err *e);
bool lambda_check_handler(const char *handler, struct api_err *e);
bool lambda_check_memory(double mb, struct api_err *e);
/* EphemeralStorage.Size: the size of /tmp, a whole number of MB. */
bool lambda_check_ephemeral(double mb, struct api_err *e);
bool lambda_check_timeout(double seconds, struct api_err *e);
bool lambda_check_role(const char *role, struct api_err *e);
bool lambda_check_description(const char *desc, struct api_err *e);
/* Environment.Variables: a JSON object of strings, keys valid and not reserved, total <= 4 KB. */
bool lambda_check_env(const struct cJSON *vars, struct api_err *e);

/* Billed milliseconds: the invoke's duration plus its init, rounded up to the millisecond. */
long long lambda_billed_ms(double duration_ms, double init_ms);
/* GB-seconds of an invoke, and its cost in USD at us-east-1 prices (first tier). */
double lambda_gb_seconds(int memory_mb, long long billed_ms);
double lambda_cost_usd(int memory_mb, long long billed_ms, bool arm64);
/* The same served by a provisioned environment: requests, and duration at provisioned
 * concurrency's lower rate (the configuration's own charge per GB-s kept is apart). */
double lambda_cost_provisioned_usd(int memory_mb, long long billed_ms, bool arm64);
/* Seconds of provisioned concurrency billed for configured_ms kept configured: from enabling
 * to disabling, rounded up to five minutes (at least five once enabled). */
long long lambda_provisioned_billed_s(long long configured_ms);
/* The configuration's own charge: concurrency environments of memory_mb kept for configured_ms,
 * per GB-second at us-east-1's provisioned concurrency price, whether they serve or not. */
double lambda_cost_provisioned_kept_usd(int memory_mb, int concurrency, long long configured_ms,
					bool arm64);

#endif
