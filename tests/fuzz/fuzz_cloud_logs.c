/*
 * Fuzz CloudWatch Logs' operations (the service row's handlers, after the model's checks) over
 * a real database, its filter patterns
 * (logs_pattern_match) and its expiry (logs_expire, under a tiny cap). The first byte picks
 * the operation, the rest is the request body (JSON objects only: the JSON decoder has its own
 * target). Every answer must be an object or an AWS error with a status; a pattern must match a
 * message it was cut from; after expiry the store is within the cap. Seeds are the bodies the AWS
 * CLI, boto3 and the tutor send.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/db.h"
#include "cloud/lambda/zipcode.h"
#include "cloud/logs/logs.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const targets[] = {
	"PutLogEvents",    "DescribeLogGroups",  "DescribeLogStreams",    "GetLogEvents",
	"FilterLogEvents", "CreateLogGroup",     "DeleteLogGroup",        "CreateLogStream",
	"Nonsense",        "PutRetentionPolicy", "DeleteRetentionPolicy", "DeleteLogStream",
};

static char scratch[] = "/tmp/fuzz-logs-XXXXXX";
static struct cloud_db *db;
static struct logs *logs;
static struct cloud cloud;

/* The operation's answer: its output, or NULL with err filled. */
static cJSON *call(const char *account, const char *op, const cJSON *in, struct aws_err *err)
{
	struct svc_caller caller;
	svc_caller_for_account(&caller, account);
	return svc_call_internal(&cloud, &caller, "logs", op, in, err);
}

static void teardown(void)
{
	logs_free(logs);
	cloud_db_close(db);
	zipcode_remove_tree(scratch);
}

static void setup(void)
{
	if (!mkdtemp(scratch))
		abort();
	char *path = xasprintf("%s/cloud.db", scratch);
	struct error err;
	db = cloud_db_open(path, &err);
	free(path);
	if (!db) {
		error_print(stderr, &err);
		abort();
	}
	logs = logs_new(db);
	cloud.db = db;
	cloud.logs = logs;
	/* A cap small enough that the corpus passes it, so that expiry runs too. */
	logs_set_limits(logs, NULL, 4096);
	atexit(teardown);
	/* Something to find: a group, a stream and events. */
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "logGroupName", "/aws/lambda/f");
	struct aws_err aerr = { 0 };
	cJSON_Delete(call("000000000000", "CreateLogGroup", in, &aerr));
	cJSON_Delete(in);
	aws_err_release(&aerr);
	logs_append(logs, "000000000000", "/aws/lambda/f", "2026/11/27/[$LATEST]abc", 1, "START x",
		    7);
	logs_append(logs, "000000000000", "/aws/lambda/f", "2026/11/27/[$LATEST]abc", 2,
		    "ERROR \"quoted\" ?any -minus", 26);
}

static void check_pattern(const char *pattern)
{
	logs_pattern_match(pattern, "");
	logs_pattern_match(pattern, pattern);
	/* A plain word (no quote, ?, - or space) always matches a message containing it. */
	if (pattern[0] && !strpbrk(pattern, "\" \t?-") && strlen(pattern) < 1000 &&
	    !logs_pattern_match(pattern, pattern))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db)
		setup();
	if (size == 0)
		return 0;
	/* The body as the server hands it over: len bytes, NUL-terminated, NULs inside kept. */
	char *body = xmalloc(size);
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	cJSON *in = cJSON_ParseWithLength(body, size - 1);
	if (cJSON_IsObject(in)) {
		struct aws_err err = { 0 };
		cJSON *out =
			call("123456789012",
			     targets[data[0] % (sizeof(targets) / sizeof(*targets))], in, &err);
		if (out ? !cJSON_IsObject(out)
			: err.status < 400 || err.status > 599 || !err.code[0]) {
			fprintf(stderr, "bad answer %d %s: %s\n", err.status, err.code,
				err.message);
			abort();
		}
		cJSON_Delete(out);
		aws_err_release(&err);
	}
	cJSON_Delete(in);
	logs_expire(logs);
	if (logs_stored_bytes(logs) > logs_cap_bytes(logs))
		abort();
	check_pattern(body);
	free(body);
	return 0;
}
