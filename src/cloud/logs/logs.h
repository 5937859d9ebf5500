/*
 * CloudWatch Logs: log groups, streams and events per account. Its API (far enough for `aws
 * logs tail` and `filter-log-events`) is the service row logs_service (svc.h): table
 * handlers that the router and other services (svc_call_internal) call alike.
 * Appends are buffered in memory and written in batches; the buffer is bounded, so a flood
 * of output blocks its writer instead of growing the cloud. What is stored is bounded too:
 * a group's retention policy expires its old events, and past the workspace's cap the
 * streams written to longest ago go first (logs_expire()).
 */
#ifndef CLOUD_LOGS_LOGS_H
#define CLOUD_LOGS_LOGS_H

#include <stddef.h>

#include "cloud/db.h"

struct logs;
struct vclock;

/* PutLogEvents' limits (CloudWatch Logs' quotas): a batch, in bytes of UTF-8 plus 26 an event,
 * its events, and one event. */
#define LOGS_BATCH_MAX      1048576
#define LOGS_BATCH_EVENTS   10000
#define LOGS_EVENT_MAX      (1048576 - 26)
#define LOGS_EVENT_OVERHEAD 26

/* db is borrowed and must outlive the logs. Free with logs_free(), which flushes. */
struct logs *logs_new(struct cloud_db *db);
void logs_free(struct logs *l);

/* Append one event (message copied; the group and stream are created as needed). */
void logs_append(struct logs *l, const char *account, const char *group, const char *stream,
		 long long ts_ms, const char *msg, size_t len);
/* A message of logs_append_many(), not NUL-terminated. */
struct logs_msg {
	const char *text;
	size_t len;
};
/* Append n events of one stream at one time, as one entry of the buffer and one write. */
void logs_append_many(struct logs *l, const char *account, const char *group, const char *stream,
		      long long ts_ms, const struct logs_msg *msgs, size_t n);
/* Write buffered events to the database. */
void logs_flush(struct logs *l);
/*
 * Make every event appended before this call durable, sharing the work with the callers
 * that ask at the same time: one transaction writes for all who waited on it (group commit).
 */
void logs_sync(struct logs *l);
/*
 * A mark of what has been appended so far, and whether everything appended up to a mark has
 * been written since (by any flush, the housekeeper's every 200 ms included): a queue can
 * forget an event once the logs of its run are on disk, without a write of its own.
 */
unsigned long long logs_mark(struct logs *l);
bool logs_written(struct logs *l, unsigned long long mark);
/*
 * Bound what is stored: now comes from clock (borrowed; NULL: the wall clock), and the
 * events' messages of the whole workspace are kept under cap_bytes (0: no cap).
 */
void logs_set_limits(struct logs *l, struct vclock *clock, long long cap_bytes);
/*
 * Expire what retention policies and the cap say must go: events older than their group's
 * retention, then, while the stored messages pass the cap, the streams written to longest
 * ago (a last stream alone over the cap loses its oldest events). Cheap when there is
 * nothing to do; the housekeeper calls it often.
 */
void logs_expire(struct logs *l);
/* The bytes of the messages stored (as the cap counts them), and the cap (0: none). */
long long logs_stored_bytes(struct logs *l);
long long logs_cap_bytes(const struct logs *l);
/* Delete every group, stream and event of an account. */
void logs_reset_account(struct logs *l, const char *account);

/* True when a message matches a CloudWatch filter pattern (terms, "phrases", ?any, -not). */
bool logs_pattern_match(const char *pattern, const char *msg);

#endif
