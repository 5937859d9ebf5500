/*
 * Fuzz the CloudWatch Logs JSON API (logs_api) over a real database, its filter patterns
 * (logs_pattern_match) and its expiry (logs_expire, under a tiny cap). The first byte picks
 * the operation, the rest is the request body. Every answer must be JSON with a status; a
 * pattern must match a message it was cut from; after expiry the store is within the cap.
 * Seeds are the bodies the AWS CLI, boto3 and the tutor send.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/db.h"
#include "cloud/http/server.h"
#include "cloud/lambda/zipcode.h"
#include "cloud/logs/logs.h"
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
	/* A cap small enough that the corpus passes it, so that expiry runs too. */
	logs_set_limits(logs, NULL, 4096);
	atexit(teardown);
	/* Something to find: a group, a stream and events. */
	const char *seed[] = { "{\"logGroupName\":\"/aws/lambda/f\"}" };
	struct http_req req = { .method = "POST", .path = "/", .body = seed[0] };
	req.body_len = strlen(seed[0]);
	struct http_resp resp;
	http_resp_init(&resp);
	logs_api(logs, "000000000000", "CreateLogGroup", &req, &resp);
	http_resp_release(&resp);
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
	struct http_req req = { .method = "POST", .path = "/", .body = body };
	req.body_len = size - 1;
	struct http_resp resp;
	http_resp_init(&resp);
	logs_api(logs, "123456789012", targets[data[0] % (sizeof(targets) / sizeof(*targets))],
		 &req, &resp);
	cJSON *o = cJSON_ParseWithLength(resp.body.buf, resp.body.len);
	if (!cJSON_IsObject(o) || resp.status < 200 || resp.status > 599) {
		fprintf(stderr, "bad answer %d: %.*s\n", resp.status, (int)resp.body.len,
			resp.body.buf);
		abort();
	}
	cJSON_Delete(o);
	http_resp_release(&resp);
	logs_expire(logs);
	if (logs_stored_bytes(logs) > logs_cap_bytes(logs))
		abort();
	check_pattern(body);
	free(body);
	return 0;
}
