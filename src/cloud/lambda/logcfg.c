/*
 * LoggingConfig: read from requests, returned, saved, and the application level filter.
 */
#include "cloud/lambda/logcfg.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cloud/svc/svc.h"

static const char *const level_names[] = { "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" };

const char *lambda_log_level_name(int level)
{
	assert(level >= LAMBDA_LOG_TRACE && level <= LAMBDA_LOG_FATAL);
	return level_names[level];
}

int lambda_log_level_parse(const char *s, size_t len)
{
	for (int i = 0; i <= LAMBDA_LOG_FATAL; i++) {
		if (strlen(level_names[i]) == len && strncasecmp(s, level_names[i], len) == 0)
			return i;
	}
	if (len == 7 && strncasecmp(s, "WARNING", len) == 0)
		return LAMBDA_LOG_WARN;
	if (len == 8 && strncasecmp(s, "CRITICAL", len) == 0)
		return LAMBDA_LOG_FATAL;
	return -1;
}

/* An enum member of LoggingConfig: its index in names, or -1 after setting err. */
static int enum_member(const cJSON *cfg, const char *key, const char *path,
		       const char *const *names, int n, const char *set, struct aws_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, key);
	if (!v || cJSON_IsNull(v))
		return -2;
	for (int i = 0; cJSON_IsString(v) && i < n; i++) {
		if (strcmp(v->valuestring, names[i]) == 0)
			return i;
	}
	char *shown = cJSON_IsString(v) ? NULL : cJSON_PrintUnformatted(v);
	aws_err_set(err, 400, "ValidationException",
		    "1 validation error detected: Value '%.100s' at 'loggingConfig.%s' failed to "
		    "satisfy constraint: Member must satisfy enum value set: [%s]",
		    shown ? shown : v->valuestring, path, set);
	cJSON_free(shown);
	return -1;
}

static bool group_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > LAMBDA_LOG_GROUP_MAX - 1)
		return false;
	for (; *s; s++) {
		char ch = *s;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || strchr("._-/#", ch);
		if (!ok)
			return false;
	}
	return true;
}

bool lambda_logcfg_read(const cJSON *in, struct lambda_logcfg *cfg, struct aws_err *err)
{
	const cJSON *lc = cJSON_GetObjectItemCaseSensitive(in, "LoggingConfig");
	if (!lc || cJSON_IsNull(lc))
		return true;
	if (!cJSON_IsObject(lc))
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "LoggingConfig must be an object");
	static const char *const formats[] = { "JSON", "Text" };
	static const char *const sys_names[] = { "DEBUG", "INFO", "WARN" };
	struct lambda_logcfg next = *cfg;
	int format = enum_member(lc, "LogFormat", "logFormat", formats, 2, "JSON, Text", err);
	if (format == -1)
		return false;
	int app = enum_member(lc, "ApplicationLogLevel", "applicationLogLevel", level_names, 6,
			      "TRACE, DEBUG, INFO, WARN, ERROR, FATAL", err);
	if (app == -1)
		return false;
	int sys = enum_member(lc, "SystemLogLevel", "systemLogLevel", sys_names, 3,
			      "DEBUG, INFO, WARN", err);
	if (sys == -1)
		return false;
	const cJSON *group = cJSON_GetObjectItemCaseSensitive(lc, "LogGroup");
	if (group && !cJSON_IsNull(group)) {
		if (!cJSON_IsString(group) || !group_name_ok(group->valuestring))
			return aws_err_set(
				err, 400, "ValidationException",
				"1 validation error detected: Value '%.100s' at "
				"'loggingConfig.logGroup' "
				"failed to satisfy constraint: Member must satisfy regular "
				"expression "
				"pattern: [\\.\\-_/#A-Za-z0-9]+ and have length between 1 and 512",
				cJSON_IsString(group) ? group->valuestring : "(not a string)");
		snprintf(next.group, sizeof(next.group), "%s", group->valuestring);
	}
	if (format >= 0)
		next.json = format == 0;
	if ((app >= 0 || sys >= 0) && !next.json)
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "LogLevel is not supported when LogFormat is set to \"Text\". "
				   "Remove LogLevel from your request or change the LogFormat to "
				   "\"Json\" and try again.");
	if (!next.json)
		next.app_level = next.sys_level = LAMBDA_LOG_INFO;
	if (app >= 0)
		next.app_level = app;
	if (sys >= 0)
		next.sys_level = LAMBDA_LOG_DEBUG + sys;
	*cfg = next;
	return true;
}

void lambda_logcfg_group(const struct lambda_logcfg *cfg, const char *fn_name, char *out, size_t n)
{
	if (cfg->group[0])
		snprintf(out, n, "%s", cfg->group);
	else
		snprintf(out, n, "/aws/lambda/%s", fn_name);
}

void lambda_logcfg_to_config(const struct lambda_logcfg *cfg, const char *fn_name, cJSON *config)
{
	char group[LAMBDA_LOG_GROUP_MAX + 80];
	lambda_logcfg_group(cfg, fn_name, group, sizeof(group));
	cJSON *o = cJSON_AddObjectToObject(config, "LoggingConfig");
	cJSON_AddStringToObject(o, "LogFormat", cfg->json ? "JSON" : "Text");
	if (cfg->json) {
		cJSON_AddStringToObject(o, "ApplicationLogLevel",
					lambda_log_level_name(cfg->app_level));
		cJSON_AddStringToObject(o, "SystemLogLevel", lambda_log_level_name(cfg->sys_level));
	}
	cJSON_AddStringToObject(o, "LogGroup", group);
}

void lambda_logcfg_save(const struct lambda_logcfg *cfg, cJSON *state)
{
	if (!cfg->json && !cfg->group[0])
		return;
	cJSON *o = cJSON_AddObjectToObject(state, "Logging");
	cJSON_AddBoolToObject(o, "Json", cfg->json);
	cJSON_AddNumberToObject(o, "App", cfg->app_level);
	cJSON_AddNumberToObject(o, "System", cfg->sys_level);
	cJSON_AddStringToObject(o, "Group", cfg->group);
}

static int level_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	int l = cJSON_IsNumber(v) ? (int)v->valuedouble : LAMBDA_LOG_INFO;
	return l >= LAMBDA_LOG_TRACE && l <= LAMBDA_LOG_FATAL ? l : LAMBDA_LOG_INFO;
}

void lambda_logcfg_load(struct lambda_logcfg *cfg, const cJSON *state)
{
	*cfg = (struct lambda_logcfg)LAMBDA_LOGCFG_INIT;
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(state, "Logging");
	if (!cJSON_IsObject(o))
		return;
	cfg->json = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "Json"));
	cfg->app_level = level_of(o, "App");
	cfg->sys_level = level_of(o, "System");
	const char *g = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "Group"));
	if (g && group_name_ok(g))
		snprintf(cfg->group, sizeof(cfg->group), "%s", g);
}

bool lambda_log_app_passes(int min_level, const char *line, size_t len)
{
	if (min_level <= LAMBDA_LOG_TRACE)
		return true;
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len || line[i] != '{')
		return LAMBDA_LOG_INFO >= min_level;
	int level = LAMBDA_LOG_INFO;
	cJSON *o = cJSON_ParseWithLength(line + i, len - i);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "level");
	if (!cJSON_IsString(v))
		v = cJSON_GetObjectItemCaseSensitive(o, "log_level");
	if (cJSON_IsString(v)) {
		int l = lambda_log_level_parse(v->valuestring, strlen(v->valuestring));
		if (l >= 0)
			level = l;
	}
	cJSON_Delete(o);
	return level >= min_level;
}
