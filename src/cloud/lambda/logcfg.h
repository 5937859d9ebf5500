/*
 * A function's LoggingConfig (Lambda's advanced logging controls): the format of its logs (Text
 * or JSON), the levels Lambda filters application and system logs at (JSON only), and the log
 * group it writes to. Stored with the function, returned in its configuration, obeyed by the
 * environments: the runtime clients read AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL, the
 * platform writes its records as JSON and filters both kinds of lines by level.
 */
#ifndef CLOUD_LAMBDA_LOGCFG_H
#define CLOUD_LAMBDA_LOGCFG_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct aws_err;

/* From the most detailed to the least. System logs use DEBUG, INFO and WARN. */
enum lambda_log_level {
	LAMBDA_LOG_TRACE,
	LAMBDA_LOG_DEBUG,
	LAMBDA_LOG_INFO,
	LAMBDA_LOG_WARN,
	LAMBDA_LOG_ERROR,
	LAMBDA_LOG_FATAL
};

/* CloudWatch Logs' longest log group name, plus its NUL. */
#define LAMBDA_LOG_GROUP_MAX 513

struct lambda_logcfg {
	bool json;
	int app_level, sys_level; /* enum lambda_log_level; INFO unless set, used with JSON */
	char group[LAMBDA_LOG_GROUP_MAX]; /* "": /aws/lambda/<function name> */
};

#define LAMBDA_LOGCFG_INIT                                  \
	{                                                   \
		false, LAMBDA_LOG_INFO, LAMBDA_LOG_INFO, "" \
	}

/* "TRACE" … "FATAL". */
const char *lambda_log_level_name(int level);
/* A level's name in any case (WARNING for WARN, CRITICAL for FATAL, as loggers spell them);
 * -1 when it names none. */
int lambda_log_level_parse(const char *s, size_t len);

/*
 * Applies a CreateFunction or UpdateFunctionConfiguration request's LoggingConfig (in, the
 * request) to cfg, which holds the current configuration: members given replace, the rest stay;
 * back to Text drops the levels. On a bad member, sets err as Lambda answers it and leaves cfg
 * unchanged. No LoggingConfig: cfg unchanged.
 */
bool lambda_logcfg_read(const struct cJSON *in, struct lambda_logcfg *cfg, struct aws_err *err);

/* The log group the function's logs go to (cfg's, or /aws/lambda/<name>) into out. */
void lambda_logcfg_group(const struct lambda_logcfg *cfg, const char *fn_name, char *out, size_t n);

/* Adds the configuration's LoggingConfig member, as GetFunctionConfiguration returns it. */
void lambda_logcfg_to_config(const struct lambda_logcfg *cfg, const char *fn_name,
			     struct cJSON *config);
/* The function's saved state: add to, and read back from, its JSON. */
void lambda_logcfg_save(const struct lambda_logcfg *cfg, struct cJSON *state);
void lambda_logcfg_load(struct lambda_logcfg *cfg, const struct cJSON *state);

/*
 * Whether an application log line passes a JSON-format function's level filter, as Lambda
 * filters: a JSON object's "level" (or "log_level", as Python's runtime writes an uncaught
 * error) names its level; any other line, or an unknown level, is INFO.
 */
bool lambda_log_app_passes(int min_level, const char *line, size_t len);

#endif
