/*
 * CloudWatch Logs: log groups, streams and events per account, and the JSON 1.1 API
 * (X-Amz-Target: Logs_20140328.*) far enough for `aws logs tail` and `filter-log-events`.
 * Appends are buffered in memory and written in batches; the buffer is bounded, so a flood
 * of output blocks its writer instead of growing the cloud.
 */
#ifndef CLOUD_LOGS_LOGS_H
#define CLOUD_LOGS_LOGS_H

#include <stddef.h>

#include "cloud/db.h"
#include "cloud/http/server.h"

struct logs;

/* db is borrowed and must outlive the logs. Free with logs_free(), which flushes. */
struct logs *logs_new(struct cloud_db *db);
void logs_free(struct logs *l);

/* Append one event (message copied; the group and stream are created as needed). */
void logs_append(struct logs *l, const char *account, const char *group, const char *stream,
		 long long ts_ms, const char *msg, size_t len);
/* Write buffered events to the database. */
void logs_flush(struct logs *l);
/* Delete every group, stream and event of an account. */
void logs_reset_account(struct logs *l, const char *account);

/* Serve one Logs API call; target is the part of X-Amz-Target after "Logs_20140328.". */
void logs_api(struct logs *l, const char *account, const char *target, const struct http_req *req,
	      struct http_resp *resp);

/* True when a message matches a CloudWatch filter pattern (terms, "phrases", ?any, -not). */
bool logs_pattern_match(const char *pattern, const char *msg);

#endif
