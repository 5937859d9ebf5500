/*
 * EventBridge Scheduler: schedule groups, schedules (at(), rate() and cron() in a time zone,
 * between a start and an end date, with a flexible window), and the invocations they make on
 * the virtual clock, retried by the target's retry policy and, when that runs out, sent to
 * the dead-letter queue with Scheduler's attributes.
 *
 * A schedule's definition is kept as the JSON GetSchedule answers (less its dates); next_ms
 * is the time of its next occurrence. When an occurrence comes due, a run is queued in
 * sched_runs for the occurrence plus a random part of the flexible window; the ticker
 * (cloud/schedule/ticker.h) delivers due runs: a function is invoked asynchronously, a queue
 * gets a message, a topic a publication, the event bus an event, a Kinesis stream a record,
 * and a universal target (arn:aws:scheduler:::aws-sdk:SERVICE:action) is a call of another
 * service's operation with the target's Input as its request.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/http/aws.h"
#include "cloud/schedule/schedule.h"
#include "cloud/schedule/ticker.h"
#include "cloud/state.h"
#include "cloud/svc/deliver.h"
#include "cloud/svc/svc.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define DEFAULT_GROUP    "default"
#define UNIVERSAL_PREFIX "arn:aws:scheduler:::aws-sdk:"
#define MAX_CATCH_UP     100    /* occurrences queued per schedule per tick */
#define RUNS_PER_TICK    64     /* runs delivered per tick */
#define START_GRACE_MS   300000 /* a StartDate may lie this far in the past */
#define RETRY_FIRST_MS   1000
#define RETRY_MAX_MS     300000
#define DEFAULT_ATTEMPTS 185
#define DEFAULT_AGE_S    86400
#define PAGE_DEFAULT     100

static const char *const migrations[] = {
	/* 0 -> 1: groups and their tags, schedules, runs waiting to be delivered. */
	"CREATE TABLE IF NOT EXISTS sched_groups(account TEXT NOT NULL, name TEXT NOT NULL,"
	" created REAL NOT NULL, modified REAL NOT NULL, PRIMARY KEY(account, name)) STRICT;"
	"CREATE TABLE IF NOT EXISTS sched_tags(account TEXT NOT NULL, grp TEXT NOT NULL,"
	" key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(account, grp, key)) STRICT;"
	"CREATE TABLE IF NOT EXISTS sched_schedules(account TEXT NOT NULL, grp TEXT NOT NULL,"
	" name TEXT NOT NULL, config TEXT NOT NULL, state TEXT NOT NULL, created REAL NOT NULL,"
	" modified REAL NOT NULL, start_ms INTEGER NOT NULL, next_ms INTEGER,"
	" PRIMARY KEY(account, grp, name)) STRICT;"
	"CREATE TABLE IF NOT EXISTS sched_runs(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
	" grp TEXT NOT NULL, name TEXT NOT NULL, target TEXT NOT NULL,"
	" scheduled_ms INTEGER NOT NULL, due_ms INTEGER NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0) STRICT;"
	"CREATE INDEX IF NOT EXISTS sched_runs_due ON sched_runs(due_ms);",
};

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void schedule_arn(const char *account, const char *grp, const char *name, char *out,
			 size_t n)
{
	snprintf(out, n, "arn:aws:scheduler:%s:%s:schedule/%s/%s", AWS_REGION_NAME, account, grp,
		 name);
}

static void group_arn(const char *account, const char *grp, char *out, size_t n)
{
	snprintf(out, n, "arn:aws:scheduler:%s:%s:schedule-group/%s", AWS_REGION_NAME, account,
		 grp);
}

/* Now on account's clock: each account's schedules keep its own time. */
static double now_s(struct cloud *c, const char *account)
{
	return (double)vclock_now_ms(c->vclock, account) / 1000.0;
}

/* Whether group exists in account (the default group always does). Database locked. */
static bool group_exists(struct cloud *c, const char *account, const char *grp)
{
	if (strcmp(grp, DEFAULT_GROUP) == 0)
		return true;
	sqlite3_stmt *st = db_prep(c->db, "SELECT 1 FROM sched_groups WHERE account=? AND name=?");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, grp, -1, SQLITE_STATIC);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static cJSON *no_group(struct aws_err *err, const char *grp)
{
	aws_err_set(err, 404, "ResourceNotFoundException", "Schedule group %s does not exist.",
		    grp);
	return NULL;
}

static cJSON *no_schedule(struct aws_err *err, const char *name)
{
	aws_err_set(err, 404, "ResourceNotFoundException", "Schedule %s does not exist.", name);
	return NULL;
}

static cJSON *invalid(struct aws_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static cJSON *invalid(struct aws_err *err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	aws_err_set(err, 400, "ValidationException", "%s", msg);
	return NULL;
}

/* ---- Targets ---- */

enum target_kind {
	T_LAMBDA,
	T_SQS,
	T_SNS,
	T_EVENTS,
	T_KINESIS,
	T_UNIVERSAL
};

/* The service row and operation a universal target's ARN names ("sqs", "SendMessage"). */
static bool universal_op(const char *arn, char service[64], char op[128])
{
	const char *p = arn + strlen(UNIVERSAL_PREFIX);
	const char *colon = strchr(p, ':');
	if (!colon || colon == p || (size_t)(colon - p) >= 64 || !colon[1] ||
	    strlen(colon + 1) >= 128 || strchr(colon + 1, ':'))
		return false;
	snprintf(service, 64, "%.*s", (int)(colon - p), p);
	snprintf(op, 128, "%s", colon + 1);
	op[0] = (char)toupper((unsigned char)op[0]);
	/* The SDKs' names where the service table's signing names differ. */
	static const char *const alias[][2] = { { "eventbridge", "events" },
						{ "cloudwatchlogs", "logs" },
						{ "cloudwatch", "monitoring" },
						{ "dynamodbstreams", "dynamodb" } };
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(service, alias[i][0]) == 0)
			snprintf(service, 64, "%s", alias[i][1]);
	return true;
}

/* What kind of target t is; false with err set when the cloud cannot invoke it. */
static bool target_kind_of(const cJSON *t, enum target_kind *kind, struct aws_err *err)
{
	const char *arn = str(t, "Arn");
	static const char *const unsupported[] = { "EcsParameters", "SageMakerPipelineParameters" };
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (cJSON_GetObjectItemCaseSensitive(t, unsupported[i]))
			return invalid(err,
				       "The local cloud has no ECS or SageMaker: %s cannot be "
				       "given.",
				       unsupported[i]),
			       false;
	if (str_starts_with(arn, "arn:aws:lambda:") && strstr(arn, ":function:"))
		*kind = T_LAMBDA;
	else if (str_starts_with(arn, "arn:aws:sqs:"))
		*kind = T_SQS;
	else if (str_starts_with(arn, "arn:aws:sns:"))
		*kind = T_SNS;
	else if (str_starts_with(arn, "arn:aws:events:") && strstr(arn, ":event-bus/"))
		*kind = T_EVENTS;
	else if (str_starts_with(arn, "arn:aws:kinesis:") && strstr(arn, ":stream/"))
		*kind = T_KINESIS;
	else if (str_starts_with(arn, UNIVERSAL_PREFIX))
		*kind = T_UNIVERSAL;
	else
		return invalid(err,
			       "The local cloud invokes Lambda functions, SQS queues, SNS topics, "
			       "the EventBridge bus, Kinesis streams and universal targets "
			       "(arn:aws:scheduler:::aws-sdk:service:apiAction) only: %s is none.",
			       arn),
		       false;
	if (*kind == T_EVENTS && !cJSON_GetObjectItemCaseSensitive(t, "EventBridgeParameters"))
		return invalid(err, "EventBridgeParameters must be provided for an EventBridge "
				    "target."),
		       false;
	if (*kind == T_KINESIS && !cJSON_GetObjectItemCaseSensitive(t, "KinesisParameters"))
		return invalid(err, "KinesisParameters must be provided for a Kinesis target."),
		       false;
	if (*kind != T_SQS && cJSON_GetObjectItemCaseSensitive(t, "SqsParameters"))
		return invalid(err, "SqsParameters can only be given for an SQS target."), false;
	if (*kind != T_EVENTS && cJSON_GetObjectItemCaseSensitive(t, "EventBridgeParameters"))
		return invalid(err, "EventBridgeParameters can only be given for an EventBridge "
				    "target."),
		       false;
	if (*kind != T_KINESIS && cJSON_GetObjectItemCaseSensitive(t, "KinesisParameters"))
		return invalid(err, "KinesisParameters can only be given for a Kinesis target."),
		       false;
	if (*kind == T_SQS && cJSON_GetObjectItemCaseSensitive(t, "SqsParameters") &&
	    !str_ends_with(arn, ".fifo"))
		return invalid(err, "SqsParameters' MessageGroupId is for FIFO queues only."),
		       false;
	if (*kind == T_UNIVERSAL) {
		char service[64], op[128];
		if (!universal_op(arn, service, op))
			return invalid(err, "Invalid target ARN %s.", arn), false;
		const struct cloud_service *s = svc_find(service);
		if (!svc_op_find(s, op))
			return invalid(err,
				       "The local cloud does not offer %s's %s to schedules "
				       "(universal target %s).",
				       service, op, arn),
			       false;
		const char *input = str(t, "Input");
		cJSON *j = input ? cJSON_Parse(input) : NULL;
		bool object = cJSON_IsObject(j);
		cJSON_Delete(j);
		if (input && !object)
			return invalid(err,
				       "The Input of a universal target must be a JSON object: "
				       "the request of %s's %s.",
				       service, op),
			       false;
	}
	return true;
}

/* ---- Timing ---- */

/* A schedule's parsed timing: its expression, zone, dates and window. */
struct timing {
	struct schedule *s;
	const char *tz;
	int64_t start_ms, end_ms; /* -1: none */
	int window_ms;            /* flexible window, 0 when OFF */
};

static int64_t date_ms(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? (int64_t)(v->valuedouble * 1000.0) : -1;
}

/* Read the timing of a schedule's definition cfg. False with err set when it is not valid;
 * release with timing_release(). */
static bool timing_read(const cJSON *cfg, struct timing *t, struct aws_err *err)
{
	memset(t, 0, sizeof(*t));
	const char *expr = str(cfg, "ScheduleExpression");
	char why[200];
	t->s = expr ? schedule_parse(expr, true, why, sizeof(why)) : NULL;
	if (!t->s)
		return invalid(err, "Invalid Schedule Expression %s.", expr ? expr : ""), false;
	t->tz = str(cfg, "ScheduleExpressionTimezone");
	if (t->tz && !schedule_tz_valid(t->tz)) {
		invalid(err, "Invalid Schedule Expression Timezone %s.", t->tz);
		goto fail;
	}
	t->start_ms = date_ms(cfg, "StartDate");
	t->end_ms = date_ms(cfg, "EndDate");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(cfg, "FlexibleTimeWindow");
	const char *mode = str(w, "Mode");
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(w, "MaximumWindowInMinutes");
	if (mode && strcmp(mode, "FLEXIBLE") == 0) {
		if (!cJSON_IsNumber(max)) {
			invalid(err, "MaximumWindowInMinutes must be provided when "
				     "FlexibleTimeWindow's Mode is FLEXIBLE.");
			goto fail;
		}
		t->window_ms = max->valueint * 60000;
	} else if (max) {
		invalid(err, "MaximumWindowInMinutes can only be given when FlexibleTimeWindow's "
			     "Mode is FLEXIBLE.");
		goto fail;
	}
	return true;
fail:
	schedule_free(t->s);
	t->s = NULL;
	return false;
}

static void timing_release(struct timing *t)
{
	schedule_free(t->s);
	t->s = NULL;
}

/* The first occurrence at or after start_ms, -1 when none (an at() past, past the end). */
static int64_t first_at(const struct timing *t, int64_t start_ms)
{
	int64_t at;
	if (schedule_kind(t->s) == SCHEDULE_RATE)
		at = start_ms; /* a rate starts invoking at once, or at its StartDate */
	else
		at = schedule_next(t->s, t->tz, start_ms, start_ms - 1);
	if (at >= 0 && t->end_ms >= 0 && at > t->end_ms && schedule_kind(t->s) != SCHEDULE_AT)
		return -1;
	return at;
}

/* The occurrence after prev_ms, -1 when none. */
static int64_t next_at(const struct timing *t, int64_t start_ms, int64_t prev_ms)
{
	if (schedule_kind(t->s) == SCHEDULE_AT)
		return -1;
	int64_t at = schedule_next(t->s, t->tz, start_ms, prev_ms);
	if (at >= 0 && t->end_ms >= 0 && at > t->end_ms)
		return -1;
	return at;
}

/* Where a recurring schedule starts: its StartDate, or now. */
static int64_t start_of(const struct timing *t, int64_t now)
{
	return schedule_kind(t->s) != SCHEDULE_AT && t->start_ms >= 0 ? t->start_ms : now;
}

/* ---- Schedules ---- */

/* The definition of a schedule the request describes (Create/UpdateSchedule). Caller
 * deletes; NULL with err set when it is not valid. */
static cJSON *definition(struct cloud *c, const char *account, const cJSON *in, const char *grp,
			 struct timing *t, struct aws_err *err)
{
	const char *name = str(in, "Name");
	const cJSON *target = cJSON_GetObjectItemCaseSensitive(in, "Target");
	enum target_kind kind;
	if (!target_kind_of(target, &kind, err))
		return NULL;
	cJSON *cfg = cJSON_CreateObject();
	static const char *const copied[] = { "Description",
					      "ScheduleExpression",
					      "ScheduleExpressionTimezone",
					      "StartDate",
					      "EndDate",
					      "FlexibleTimeWindow",
					      "Target",
					      "KmsKeyArn",
					      "ActionAfterCompletion" };
	char arn[400];
	schedule_arn(account, grp, name, arn, sizeof(arn));
	cJSON_AddStringToObject(cfg, "Arn", arn);
	cJSON_AddStringToObject(cfg, "Name", name);
	cJSON_AddStringToObject(cfg, "GroupName", grp);
	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, copied[i]);
		if (v)
			cJSON_AddItemToObject(cfg, copied[i], cJSON_Duplicate(v, true));
	}
	if (!str(cfg, "ScheduleExpressionTimezone"))
		cJSON_AddStringToObject(cfg, "ScheduleExpressionTimezone", "UTC");
	if (!str(cfg, "ActionAfterCompletion"))
		cJSON_AddStringToObject(cfg, "ActionAfterCompletion", "NONE");
	/* The retry policy AWS gives a target that names none. */
	cJSON *tgt = cJSON_GetObjectItemCaseSensitive(cfg, "Target");
	if (!cJSON_GetObjectItemCaseSensitive(tgt, "RetryPolicy")) {
		cJSON *rp = cJSON_AddObjectToObject(tgt, "RetryPolicy");
		cJSON_AddNumberToObject(rp, "MaximumEventAgeInSeconds", DEFAULT_AGE_S);
		cJSON_AddNumberToObject(rp, "MaximumRetryAttempts", DEFAULT_ATTEMPTS);
	}
	if (!timing_read(cfg, t, err))
		goto fail;
	int64_t now = vclock_now_ms(c->vclock, account);
	bool once = schedule_kind(t->s) == SCHEDULE_AT;
	if (!once && t->start_ms >= 0 && t->start_ms < now - START_GRACE_MS) {
		invalid(err, "The StartDate you specify cannot be earlier than 5 minutes ago.");
		goto fail_t;
	}
	if (!once && t->end_ms >= 0 && t->end_ms <= now) {
		invalid(err, "The EndDate you specify cannot be earlier than the current time.");
		goto fail_t;
	}
	if (!once && t->end_ms >= 0 && t->start_ms >= 0 && t->end_ms <= t->start_ms) {
		invalid(err, "The EndDate you specify must be later than the StartDate.");
		goto fail_t;
	}
	return cfg;
fail_t:
	timing_release(t);
fail:
	cJSON_Delete(cfg);
	return NULL;
}

static const char *group_of(const cJSON *in)
{
	const char *g = str(in, "GroupName");
	return g ? g : DEFAULT_GROUP;
}

/* Store cfg as the schedule (insert or replace); the database is locked. */
static void store(struct cloud *c, const char *account, const char *grp, const char *name,
		  const cJSON *cfg, const char *state, const struct timing *t, bool replace)
{
	int64_t now = vclock_now_ms(c->vclock, account);
	int64_t start = start_of(t, now);
	int64_t next = first_at(t, start);
	char *text = cJSON_PrintUnformatted(cfg);
	sqlite3_stmt *st = db_prep(
		c->db,
		replace ? "UPDATE sched_schedules SET config=?4, state=?5, modified=?6,"
			  " start_ms=?7, next_ms=?8 WHERE account=?1 AND grp=?2 AND name=?3"
			: "INSERT INTO sched_schedules(account, grp, name, config, state, created,"
			  " modified, start_ms, next_ms) VALUES(?1,?2,?3,?4,?5,?6,?6,?7,?8)");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, grp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, state, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 6, (double)now / 1000.0);
	sqlite3_bind_int64(st, 7, start);
	if (next >= 0)
		sqlite3_bind_int64(st, 8, next);
	sqlite3_step(st);
	sqlite3_finalize(st);
	free(text);
}

static bool schedule_exists(struct cloud *c, const char *account, const char *grp, const char *name)
{
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT 1 FROM sched_schedules WHERE account=? AND grp=? AND"
			       " name=?");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, grp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static cJSON *put_schedule(struct svc_call *call, const cJSON *in, struct aws_err *err, bool update)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "Name"), *grp = group_of(in);
	const char *state = str(in, "State");
	struct timing t;
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (!group_exists(c, account, grp)) {
		no_group(err, grp);
		goto done;
	}
	bool exists = schedule_exists(c, account, grp, name);
	if (update && !exists) {
		no_schedule(err, name);
		goto done;
	}
	if (!update && exists) {
		aws_err_set(err, 409, "ConflictException", "Schedule %s already exists.", name);
		goto done;
	}
	cJSON *cfg = definition(c, account, in, grp, &t, err);
	if (!cfg)
		goto done;
	store(c, account, grp, name, cfg, state ? state : "ENABLED", &t, update);
	timing_release(&t);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "ScheduleArn", str(cfg, "Arn"));
	cJSON_Delete(cfg);
done:
	pthread_mutex_unlock(&c->db->mu);
	if (out)
		schedule_ticker_poke(c->scheduler_ticker);
	return out;
}

static cJSON *op_create_schedule(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return put_schedule(call, in, err, false);
}

static cJSON *op_update_schedule(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return put_schedule(call, in, err, true);
}

static cJSON *op_get_schedule(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "Name"), *grp = group_of(in);
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT config, state, created, modified FROM sched_schedules"
			       " WHERE account=? AND grp=? AND name=?");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, grp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	if (!group_exists(c, account, grp)) {
		no_group(err, grp);
	} else if (sqlite3_step(st) != SQLITE_ROW) {
		no_schedule(err, name);
	} else {
		out = cJSON_Parse(db_col(st, 0));
		cJSON_AddStringToObject(out, "State", db_col(st, 1));
		cJSON_AddNumberToObject(out, "CreationDate", sqlite3_column_double(st, 2));
		cJSON_AddNumberToObject(out, "LastModificationDate", sqlite3_column_double(st, 3));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

static void delete_schedule_locked(struct cloud *c, const char *account, const char *grp,
				   const char *name)
{
	static const char *const sqls[] = {
		"DELETE FROM sched_schedules WHERE account=?1 AND grp=?2 AND (?3 IS NULL OR "
		"name=?3)",
		"DELETE FROM sched_runs WHERE account=?1 AND grp=?2 AND (?3 IS NULL OR name=?3)",
	};
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = db_prep(c->db, sqls[i]);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, grp, -1, SQLITE_STATIC);
		if (name)
			sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
}

static cJSON *op_delete_schedule(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "Name"), *grp = group_of(in);
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (!group_exists(c, account, grp)) {
		no_group(err, grp);
	} else if (!schedule_exists(c, account, grp, name)) {
		no_schedule(err, name);
	} else {
		delete_schedule_locked(c, account, grp, name);
		out = cJSON_CreateObject();
	}
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

/* A page of a listing: MaxResults (up to 100) and NextToken, the last key shown. */
static int page_size(const cJSON *in)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(in, "MaxResults");
	return cJSON_IsNumber(m) && m->valueint > 0 ? m->valueint : PAGE_DEFAULT;
}

static char *token_decode(const cJSON *in, struct aws_err *err, bool *bad)
{
	*bad = false;
	const char *tok = str(in, "NextToken");
	if (!tok)
		return NULL;
	size_t n;
	unsigned char *raw = aws_base64_decode(tok, strlen(tok), &n);
	if (!raw || n == 0 || memchr(raw, 0, n)) {
		free(raw);
		*bad = true;
		invalid(err, "Invalid NextToken.");
		return NULL;
	}
	return (char *)raw;
}

static cJSON *op_list_schedules(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *grp = str(in, "GroupName"), *prefix = str(in, "NamePrefix");
	const char *state = str(in, "State");
	bool bad;
	char *after = token_decode(in, err, &bad);
	if (bad)
		return NULL;
	int limit = page_size(in);
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (grp && !group_exists(c, account, grp)) {
		no_group(err, grp);
		goto done;
	}
	out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "Schedules");
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT grp, name, config, state, created, modified FROM"
			       " sched_schedules WHERE account=?1 AND (?2 IS NULL OR grp=?2)"
			       " AND (?3 IS NULL OR state=?3) AND (?4 IS NULL OR"
			       " grp || '/' || name > ?4) ORDER BY grp || '/' || name");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	if (grp)
		sqlite3_bind_text(st, 2, grp, -1, SQLITE_STATIC);
	if (state)
		sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	if (after)
		sqlite3_bind_text(st, 4, after, -1, SQLITE_STATIC);
	int n = 0;
	char last[200] = "";
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (prefix && !str_starts_with(db_col(st, 1), prefix))
			continue;
		if (n == limit) {
			char *tok = aws_base64_encode(last, strlen(last));
			cJSON_AddStringToObject(out, "NextToken", tok);
			free(tok);
			break;
		}
		cJSON *cfg = cJSON_Parse(db_col(st, 2));
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "Arn", str(cfg, "Arn"));
		cJSON_AddStringToObject(s, "Name", db_col(st, 1));
		cJSON_AddStringToObject(s, "GroupName", db_col(st, 0));
		cJSON_AddStringToObject(s, "State", db_col(st, 3));
		cJSON_AddNumberToObject(s, "CreationDate", sqlite3_column_double(st, 4));
		cJSON_AddNumberToObject(s, "LastModificationDate", sqlite3_column_double(st, 5));
		cJSON *ts = cJSON_AddObjectToObject(s, "Target");
		cJSON_AddStringToObject(
			ts, "Arn", str(cJSON_GetObjectItemCaseSensitive(cfg, "Target"), "Arn"));
		cJSON_AddItemToArray(arr, s);
		cJSON_Delete(cfg);
		snprintf(last, sizeof(last), "%s/%s", db_col(st, 0), db_col(st, 1));
		n++;
	}
	sqlite3_finalize(st);
done:
	pthread_mutex_unlock(&c->db->mu);
	free(after);
	return out;
}

/* ---- Groups and tags ---- */

static void group_view(cJSON *o, const char *account, const char *name, sqlite3_stmt *st)
{
	char arn[300];
	group_arn(account, name, arn, sizeof(arn));
	cJSON_AddStringToObject(o, "Arn", arn);
	cJSON_AddStringToObject(o, "Name", name);
	cJSON_AddStringToObject(o, "State", "ACTIVE");
	if (st) {
		cJSON_AddNumberToObject(o, "CreationDate", sqlite3_column_double(st, 1));
		cJSON_AddNumberToObject(o, "LastModificationDate", sqlite3_column_double(st, 2));
	}
}

static void put_tags(struct cloud *c, const char *account, const char *grp, const cJSON *tags)
{
	const cJSON *tag;
	cJSON_ArrayForEach(tag, tags)
	{
		sqlite3_stmt *st =
			db_prep(c->db, "INSERT OR REPLACE INTO sched_tags(account, grp, key,"
				       " value) VALUES(?,?,?,?)");
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, grp, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, str(tag, "Key"), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, str(tag, "Value"), -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
}

static cJSON *op_create_group(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "Name");
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (group_exists(c, account, name)) {
		aws_err_set(err, 409, "ConflictException", "Schedule group %s already exists.",
			    name);
		goto done;
	}
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT INTO sched_groups(account, name, created, modified)"
			       " VALUES(?,?,?,?)");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, now_s(c, account));
	sqlite3_bind_double(st, 4, now_s(c, account));
	sqlite3_step(st);
	sqlite3_finalize(st);
	put_tags(c, account, name, cJSON_GetObjectItemCaseSensitive(in, "Tags"));
	char arn[300];
	group_arn(account, name, arn, sizeof(arn));
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "ScheduleGroupArn", arn);
done:
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

static cJSON *op_get_group(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "Name");
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = db_prep(c->db, "SELECT name, created, modified FROM sched_groups WHERE"
					  " account=? AND name=?");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	bool row = sqlite3_step(st) == SQLITE_ROW;
	if (row || strcmp(name, DEFAULT_GROUP) == 0) {
		out = cJSON_CreateObject();
		group_view(out, account, name, row ? st : NULL);
	} else {
		no_group(err, name);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

static cJSON *op_list_groups(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *prefix = str(in, "NamePrefix");
	bool bad;
	char *after = token_decode(in, err, &bad);
	if (bad)
		return NULL;
	int limit = page_size(in);
	cJSON *out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "ScheduleGroups");
	pthread_mutex_lock(&c->db->mu);
	/* The default group sorts among the others by name. */
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT name, created, modified FROM (SELECT name, created,"
			       " modified FROM sched_groups WHERE account=?1 UNION ALL SELECT"
			       " 'default', NULL, NULL) WHERE ?2 IS NULL OR name > ?2 ORDER BY"
			       " name");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	if (after)
		sqlite3_bind_text(st, 2, after, -1, SQLITE_STATIC);
	int n = 0;
	char last[100] = "";
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (prefix && !str_starts_with(db_col(st, 0), prefix))
			continue;
		if (n == limit) {
			char *tok = aws_base64_encode(last, strlen(last));
			cJSON_AddStringToObject(out, "NextToken", tok);
			free(tok);
			break;
		}
		cJSON *g = cJSON_CreateObject();
		group_view(g, account, db_col(st, 0),
			   sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL : st);
		cJSON_AddItemToArray(arr, g);
		snprintf(last, sizeof(last), "%s", db_col(st, 0));
		n++;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	free(after);
	return out;
}

static cJSON *op_delete_group(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "Name");
	if (strcmp(name, DEFAULT_GROUP) == 0)
		return invalid(err, "The default schedule group cannot be deleted.");
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (!group_exists(c, account, name)) {
		no_group(err, name);
		goto done;
	}
	/* Deleting a group deletes its schedules. */
	delete_schedule_locked(c, account, name, NULL);
	static const char *const sqls[] = { "DELETE FROM sched_tags WHERE account=? AND grp=?",
					    "DELETE FROM sched_groups WHERE account=? AND name=?" };
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = db_prep(c->db, sqls[i]);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	out = cJSON_CreateObject();
done:
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

/* The group a tagged resource's ARN names, when it is one of account's; err set otherwise. */
static bool tagged_group(struct cloud *c, const char *account, const cJSON *in, char grp[65],
			 struct aws_err *err)
{
	const char *arn = str(in, "ResourceArn");
	char prefix[200];
	group_arn(account, "", prefix, sizeof(prefix));
	if (!arn || !str_starts_with(arn, prefix) || strlen(arn + strlen(prefix)) > 64) {
		aws_err_set(err, 404, "ResourceNotFoundException", "Resource %s does not exist.",
			    arn ? arn : "");
		return false;
	}
	snprintf(grp, 65, "%s", arn + strlen(prefix));
	if (!group_exists(c, account, grp)) {
		no_group(err, grp);
		return false;
	}
	return true;
}

static cJSON *op_list_tags(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	char grp[65];
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (tagged_group(c, account, in, grp, err)) {
		out = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(out, "Tags");
		sqlite3_stmt *st =
			db_prep(c->db, "SELECT key, value FROM sched_tags WHERE account=? AND"
				       " grp=? ORDER BY key");
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, grp, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "Key", db_col(st, 0));
			cJSON_AddStringToObject(t, "Value", db_col(st, 1));
			cJSON_AddItemToArray(arr, t);
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

static cJSON *op_tag(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	char grp[65];
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (tagged_group(c, account, in, grp, err)) {
		put_tags(c, account, grp, cJSON_GetObjectItemCaseSensitive(in, "Tags"));
		out = cJSON_CreateObject();
	}
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

static cJSON *op_untag(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	char grp[65];
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (tagged_group(c, account, in, grp, err)) {
		const cJSON *k;
		cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(in, "TagKeys"))
		{
			if (!cJSON_IsString(k))
				continue;
			sqlite3_stmt *st =
				db_prep(c->db, "DELETE FROM sched_tags WHERE account=? AND"
					       " grp=? AND key=?");
			sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, grp, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, k->valuestring, -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
		out = cJSON_CreateObject();
	}
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

/* ---- Firing ---- */

/* A run of a schedule the ticker delivers. */
struct run {
	int64_t id;
	char account[13];
	char *grp, *name;
	cJSON *target;
	int64_t scheduled_ms, due_ms;
	int attempts;
	/* The outcome of this attempt. */
	bool ok, retryable;
	char code[64], message[512];
	char *payload;
};

static void iso_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Replace every occurrence of key in *text by value. */
static void replace_all(struct strbuf *sb, const char *text, const char *key, const char *value)
{
	size_t kn = strlen(key);
	const char *p;
	while ((p = strstr(text, key)) != NULL) {
		strbuf_add(sb, text, (size_t)(p - text));
		strbuf_addstr(sb, value);
		text = p + kn;
	}
	strbuf_addstr(sb, text);
}

/* The target's Input with Scheduler's context attributes filled in ("{}" without one). */
static char *payload_of(const struct run *r, const char *exec_id)
{
	const char *input = str(r->target, "Input");
	if (!input)
		return xstrdup("{}");
	char arn[400], when[32], attempt[16];
	schedule_arn(r->account, r->grp, r->name, arn, sizeof(arn));
	iso_time(r->scheduled_ms, when);
	snprintf(attempt, sizeof(attempt), "%d", r->attempts + 1);
	const char *keys[][2] = { { "<aws.scheduler.schedule-arn>", arn },
				  { "<aws.scheduler.scheduled-time>", when },
				  { "<aws.scheduler.execution-id>", exec_id },
				  { "<aws.scheduler.attempt-number>", attempt } };
	char *text = xstrdup(input);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct strbuf sb = STRBUF_INIT;
		replace_all(&sb, text, keys[i][0], keys[i][1]);
		free(text);
		text = strbuf_detach(&sb);
	}
	return text;
}

/* A failure of a delivery: codes AWS's services answer that a retry may cure. */
static void fail_with(struct run *r, const char *code, const char *msg)
{
	static const char *const transient[] = { "ThrottlingException",
						 "TooManyRequestsException",
						 "ProvisionedThroughputExceededException",
						 "InternalFailure",
						 "InternalServerError",
						 "InternalServerException",
						 "ServiceUnavailable",
						 "ServiceUnavailableException",
						 "KMSThrottlingException" };
	r->ok = false;
	r->retryable = false;
	for (size_t i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
		if (strcmp(code, transient[i]) == 0)
			r->retryable = true;
	snprintf(r->code, sizeof(r->code), "%s", code);
	snprintf(r->message, sizeof(r->message), "%s", msg);
}

/* Hand m to a function, queue, topic or bus (svc/deliver.h) as r's account; the outcome
 * into r. */
static void deliver_run(struct cloud *c, struct run *r, const char *arn,
			const struct deliver_msg *m)
{
	struct svc_caller by;
	svc_caller_for_account(&by, r->account);
	struct deliver_result res;
	struct aws_err e = { 0 };
	if (deliver(c, &by, arn, m, NULL, &res, &e)) {
		r->ok = true;
		deliver_result_release(&res);
	} else {
		fail_with(r, e.code[0] ? e.code : "InternalServerException",
			  e.message[0] ? e.message : "the delivery failed");
	}
	aws_err_release(&e);
}

/* Call service's op with in as the account's own service would; the outcome into r. */
static void call_op(struct cloud *c, struct run *r, const char *service, const char *op,
		    const cJSON *in)
{
	struct svc_caller caller;
	svc_caller_for_account(&caller, r->account);
	struct aws_err e = { 0 };
	cJSON *out = svc_call_internal(c, &caller, service, op, in, &e);
	if (out)
		r->ok = true;
	else
		fail_with(r, e.code[0] ? e.code : "InternalServerException",
			  e.message[0] ? e.message : "the call failed");
	cJSON_Delete(out);
	aws_err_release(&e);
}

/* One attempt at delivering r; the outcome in r. */
static void attempt(struct cloud *c, struct run *r)
{
	char exec_id[17];
	aws_random_hex(exec_id, 16);
	free(r->payload);
	r->payload = payload_of(r, exec_id);
	const char *arn = str(r->target, "Arn");
	enum target_kind kind;
	struct aws_err kerr = { 0 };
	if (!target_kind_of(r->target, &kind, &kerr)) {
		fail_with(r, "ValidationException", kerr.message);
		aws_err_release(&kerr);
		return;
	}
	r->ok = true;
	struct deliver_msg m = { .payload = r->payload, .len = strlen(r->payload) };
	switch (kind) {
	case T_SQS:
		/* A FIFO queue deduplicates by content, as on AWS (it must have
		 * content-based deduplication); the group is SqsParameters'. */
		m.group_id = str(cJSON_GetObjectItemCaseSensitive(r->target, "SqsParameters"),
				 "MessageGroupId");
		deliver_run(c, r, arn, &m);
		break;
	case T_LAMBDA:
	case T_SNS:
		deliver_run(c, r, arn, &m);
		break;
	case T_EVENTS: {
		const cJSON *p =
			cJSON_GetObjectItemCaseSensitive(r->target, "EventBridgeParameters");
		cJSON *detail = cJSON_Parse(r->payload);
		if (!cJSON_IsObject(detail)) {
			fail_with(r, "ValidationException", "Detail is malformed.");
		} else {
			char sarn[400];
			schedule_arn(r->account, r->grp, r->name, sarn, sizeof(sarn));
			cJSON *resources = cJSON_CreateArray();
			cJSON_AddItemToArray(resources, cJSON_CreateString(sarn));
			m.source = str(p, "Source");
			m.detail_type = str(p, "DetailType");
			m.resources = resources;
			deliver_run(c, r, arn, &m);
			cJSON_Delete(resources);
		}
		cJSON_Delete(detail);
		break;
	}
	case T_KINESIS: {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(r->target, "KinesisParameters");
		cJSON *in = cJSON_CreateObject();
		char *data = aws_base64_encode(r->payload, strlen(r->payload));
		cJSON_AddStringToObject(in, "StreamARN", arn);
		cJSON_AddStringToObject(in, "Data", data);
		cJSON_AddStringToObject(in, "PartitionKey", str(p, "PartitionKey"));
		free(data);
		call_op(c, r, "kinesis", "PutRecord", in);
		cJSON_Delete(in);
		break;
	}
	case T_UNIVERSAL: {
		char service[64], op[128];
		universal_op(arn, service, op);
		cJSON *in = cJSON_Parse(r->payload);
		call_op(c, r, service, op, in);
		cJSON_Delete(in);
		break;
	}
	}
}

/* Send a run that failed for good to its dead-letter queue, with Scheduler's attributes. */
static void dead_letter(struct cloud *c, const struct run *r, const char *exhausted)
{
	const char *dlq =
		str(cJSON_GetObjectItemCaseSensitive(r->target, "DeadLetterConfig"), "Arn");
	if (!dlq) {
		fprintf(stderr, "lambda-tutor: scheduler: %s/%s: %s: %s (dropped)\n", r->grp,
			r->name, r->code, r->message);
		return;
	}
	char arn[400], when[32], retries[16], exec_id[17];
	schedule_arn(r->account, r->grp, r->name, arn, sizeof(arn));
	iso_time(r->scheduled_ms, when);
	snprintf(retries, sizeof(retries), "%d", r->attempts > 0 ? r->attempts - 1 : 0);
	aws_random_hex(exec_id, 16);
	const char *attrs[][2] = { { "ERROR_CODE", r->code },
				   { "ERROR_MESSAGE", r->message },
				   { "EXECUTION_ID", exec_id },
				   { "EXHAUSTED_RETRY_CONDITION", exhausted },
				   { "IS_PAYLOAD_TRUNCATED", "false" },
				   { "RETRY_ATTEMPTS", retries },
				   { "SCHEDULED_TIME", when },
				   { "SCHEDULE_ARN", arn },
				   { "TARGET_ARN", str(r->target, "Arn") } };
	cJSON *a = cJSON_CreateObject();
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		if (!attrs[i][1] || !attrs[i][1][0])
			continue;
		cJSON *v = cJSON_AddObjectToObject(a, attrs[i][0]);
		cJSON_AddStringToObject(v, "DataType", "String");
		cJSON_AddStringToObject(v, "StringValue", attrs[i][1]);
	}
	const char *body = r->payload ? r->payload : "{}";
	struct deliver_msg m = { .payload = body, .len = strlen(body), .attrs = a };
	struct svc_caller by;
	svc_caller_for_account(&by, r->account);
	struct deliver_result res;
	struct aws_err e = { 0 };
	if (deliver(c, &by, dlq, &m, NULL, &res, &e))
		deliver_result_release(&res);
	else
		fprintf(stderr, "lambda-tutor: scheduler: %s/%s: dead-letter queue %s: %s\n",
			r->grp, r->name, dlq, e.message);
	aws_err_release(&e);
	cJSON_Delete(a);
}

static int64_t flex_offset(int window_ms)
{
	if (window_ms <= 0)
		return 0;
	char hex[9];
	aws_random_hex(hex, 8);
	return (int64_t)(strtoul(hex, NULL, 16) % (unsigned long)window_ms);
}

/*
 * Queue a run for every occurrence of every enabled schedule due by now (the base clock's;
 * a schedule's times are on its account's clock). Database locked.
 */
static void queue_due(struct cloud *c, int64_t base_now)
{
	struct due {
		char account[13];
		char *grp, *name, *config;
		int64_t start, next, now;
	} *due = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT account, grp, name, config, start_ms, next_ms,"
			       " ?1 + vclock_offset(account) FROM sched_schedules WHERE"
			       " state='ENABLED' AND next_ms <= ?1 + vclock_offset(account)");
	sqlite3_bind_int64(st, 1, base_now);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			due = xreallocarray(due, cap, sizeof(*due));
		}
		snprintf(due[n].account, sizeof(due[n].account), "%s", db_col(st, 0));
		due[n].grp = xstrdup(db_col(st, 1));
		due[n].name = xstrdup(db_col(st, 2));
		due[n].config = xstrdup(db_col(st, 3));
		due[n].start = sqlite3_column_int64(st, 4);
		due[n].next = sqlite3_column_int64(st, 5);
		due[n].now = sqlite3_column_int64(st, 6);
		n++;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		struct due *d = &due[i];
		int64_t now = d->now;
		cJSON *cfg = cJSON_Parse(d->config);
		struct timing t;
		struct aws_err e = { 0 };
		int64_t at = -1;
		if (cfg && timing_read(cfg, &t, &e)) {
			char *target = cJSON_PrintUnformatted(
				cJSON_GetObjectItemCaseSensitive(cfg, "Target"));
			at = d->next;
			for (int k = 0; at >= 0 && at <= now && k < MAX_CATCH_UP; k++) {
				st = db_prep(c->db,
					     "INSERT INTO sched_runs(account, grp, name, target,"
					     " scheduled_ms, due_ms) VALUES(?,?,?,?,?,?)");
				sqlite3_bind_text(st, 1, d->account, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 2, d->grp, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 3, d->name, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 5, at);
				sqlite3_bind_int64(st, 6, at + flex_offset(t.window_ms));
				sqlite3_step(st);
				sqlite3_finalize(st);
				at = next_at(&t, d->start, at);
			}
			if (at >= 0 && at <= now) {
				fprintf(stderr,
					"lambda-tutor: scheduler: %s/%s: the clock jumped past "
					"more "
					"than %d occurrences; the rest are skipped\n",
					d->grp, d->name, MAX_CATCH_UP);
				at = next_at(&t, d->start, now);
			}
			free(target);
			timing_release(&t);
		}
		aws_err_release(&e);
		const char *after = str(cfg, "ActionAfterCompletion");
		bool remove = at < 0 && after && strcmp(after, "DELETE") == 0;
		st = db_prep(c->db,
			     remove ? "DELETE FROM sched_schedules WHERE account=?2 AND grp=?3 AND"
				      " name=?4"
				    : "UPDATE sched_schedules SET next_ms=?1 WHERE account=?2 AND"
				      " grp=?3 AND name=?4");
		if (at >= 0 && !remove)
			sqlite3_bind_int64(st, 1, at);
		sqlite3_bind_text(st, 2, d->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, d->grp, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, d->name, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
		cJSON_Delete(cfg);
		free(d->grp);
		free(d->name);
		free(d->config);
	}
	free(due);
}

/* The runs due by now (the base clock's; a run's times are its account's), at most
 * RUNS_PER_TICK. Database locked. */
static size_t take_runs(struct cloud *c, int64_t base_now, struct run *runs)
{
	size_t n = 0;
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT id, account, grp, name, target, scheduled_ms, due_ms,"
			       " attempts FROM sched_runs WHERE due_ms - vclock_offset(account)"
			       " <= ?1 ORDER BY due_ms - vclock_offset(account), id LIMIT ?2");
	sqlite3_bind_int64(st, 1, base_now);
	sqlite3_bind_int(st, 2, RUNS_PER_TICK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct run *r = &runs[n++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(st, 0);
		snprintf(r->account, sizeof(r->account), "%s", db_col(st, 1));
		r->grp = xstrdup(db_col(st, 2));
		r->name = xstrdup(db_col(st, 3));
		r->target = cJSON_Parse(db_col(st, 4));
		r->scheduled_ms = sqlite3_column_int64(st, 5);
		r->due_ms = sqlite3_column_int64(st, 6);
		r->attempts = sqlite3_column_int(st, 7);
	}
	sqlite3_finalize(st);
	return n;
}

/* What becomes of a run after its attempt: done, retried later, or dead-lettered. */
static void settle(struct cloud *c, struct run *r, int64_t now, const char **exhausted)
{
	*exhausted = NULL;
	r->attempts++;
	bool finished = r->ok || !r->retryable;
	if (!finished) {
		const cJSON *rp = cJSON_GetObjectItemCaseSensitive(r->target, "RetryPolicy");
		const cJSON *max = cJSON_GetObjectItemCaseSensitive(rp, "MaximumRetryAttempts");
		const cJSON *age = cJSON_GetObjectItemCaseSensitive(rp, "MaximumEventAgeInSeconds");
		int max_retries = cJSON_IsNumber(max) ? max->valueint : DEFAULT_ATTEMPTS;
		int64_t max_age_ms =
			(int64_t)(cJSON_IsNumber(age) ? age->valueint : DEFAULT_AGE_S) * 1000;
		int64_t backoff = RETRY_FIRST_MS;
		for (int i = 1; i < r->attempts && backoff < RETRY_MAX_MS; i++)
			backoff *= 2;
		if (backoff > RETRY_MAX_MS)
			backoff = RETRY_MAX_MS;
		if (r->attempts > max_retries) {
			*exhausted = "MaximumRetryAttempts";
			finished = true;
		} else if (now + backoff - r->scheduled_ms > max_age_ms) {
			*exhausted = "MaximumEventAgeInSeconds";
			finished = true;
		} else {
			sqlite3_stmt *st =
				db_prep(c->db, "UPDATE sched_runs SET attempts=?, due_ms=? WHERE"
					       " id=?");
			sqlite3_bind_int(st, 1, r->attempts);
			sqlite3_bind_int64(st, 2, now + backoff);
			sqlite3_bind_int64(st, 3, r->id);
			sqlite3_step(st);
			sqlite3_finalize(st);
			return;
		}
	}
	sqlite3_stmt *st = db_prep(c->db, "DELETE FROM sched_runs WHERE id=?");
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* The next time something is due, on the base clock: a schedule's occurrence or a run's
 * attempt; -1: none. */
static int64_t next_due(struct cloud *c)
{
	sqlite3_stmt *st = db_prep(c->db, "SELECT min(t) FROM (SELECT min(next_ms -"
					  " vclock_offset(account)) AS t FROM sched_schedules WHERE"
					  " state='ENABLED' UNION ALL SELECT min(due_ms -"
					  " vclock_offset(account)) FROM sched_runs)");
	int64_t due = -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		due = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return due;
}

static int64_t tick(void *arg, int64_t now)
{
	struct cloud *c = arg;
	struct run runs[RUNS_PER_TICK];
	pthread_mutex_lock(&c->db->mu);
	cloud_db_exec(c->db, "BEGIN");
	queue_due(c, now);
	cloud_db_exec(c->db, "COMMIT");
	size_t n = take_runs(c, now, runs);
	pthread_mutex_unlock(&c->db->mu);
	for (size_t i = 0; i < n; i++)
		attempt(c, &runs[i]);
	const char *exhausted[RUNS_PER_TICK];
	pthread_mutex_lock(&c->db->mu);
	for (size_t i = 0; i < n; i++)
		settle(c, &runs[i], now + vclock_offset_ms(c->vclock, runs[i].account),
		       &exhausted[i]);
	int64_t due = n == RUNS_PER_TICK ? now : next_due(c);
	pthread_mutex_unlock(&c->db->mu);
	for (size_t i = 0; i < n; i++) {
		struct run *r = &runs[i];
		bool failed = !r->ok && (!r->retryable || exhausted[i]);
		if (failed)
			dead_letter(c, r, exhausted[i]);
		free(r->grp);
		free(r->name);
		free(r->payload);
		cJSON_Delete(r->target);
	}
	return due;
}

/* ---- The service ---- */

static bool run(struct cloud *c, struct error *err)
{
	c->scheduler_ticker = schedule_ticker_start(c->vclock, tick, c, err);
	return c->scheduler_ticker != NULL;
}

static void stop(struct cloud *c)
{
	schedule_ticker_free(c->scheduler_ticker);
	c->scheduler_ticker = NULL;
}

static void reset(struct cloud *c, const char *account)
{
	static const char *const sqls[] = { "DELETE FROM sched_runs WHERE account=?",
					    "DELETE FROM sched_schedules WHERE account=?",
					    "DELETE FROM sched_tags WHERE account=?",
					    "DELETE FROM sched_groups WHERE account=?" };
	pthread_mutex_lock(&c->db->mu);
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = db_prep(c->db, sqls[i]);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
}

static const struct svc_op ops[] = {
	/* sorted by name */
	{ "CreateSchedule", op_create_schedule },
	{ "CreateScheduleGroup", op_create_group },
	{ "DeleteSchedule", op_delete_schedule },
	{ "DeleteScheduleGroup", op_delete_group },
	{ "GetSchedule", op_get_schedule },
	{ "GetScheduleGroup", op_get_group },
	{ "ListScheduleGroups", op_list_groups },
	{ "ListSchedules", op_list_schedules },
	{ "ListTagsForResource", op_list_tags },
	{ "TagResource", op_tag },
	{ "UntagResource", op_untag },
	{ "UpdateSchedule", op_update_schedule },
};

static const char *const paths[] = { "/schedules", "/schedule-groups", NULL };

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const scheduler_members[] = {
	"CreateSchedule ActionAfterCompletion ~ClientToken Description EndDate "
	"FlexibleTimeWindow GroupName KmsKeyArn Name ScheduleExpression "
	"ScheduleExpressionTimezone StartDate State Target",
	"CreateScheduleGroup ~ClientToken Name Tags",
	"DeleteSchedule ~ClientToken GroupName Name",
	"DeleteScheduleGroup ~ClientToken Name",
	"GetSchedule GroupName Name",
	"GetScheduleGroup Name",
	"ListScheduleGroups MaxResults NamePrefix NextToken",
	"ListSchedules GroupName MaxResults NamePrefix NextToken State",
	"ListTagsForResource ResourceArn",
	"TagResource ResourceArn Tags",
	"UntagResource ResourceArn TagKeys",
	"UpdateSchedule ActionAfterCompletion ~ClientToken Description EndDate "
	"FlexibleTimeWindow GroupName KmsKeyArn Name ScheduleExpression "
	"ScheduleExpressionTimezone StartDate State Target",
	NULL,
};

const struct cloud_service scheduler_service = {
	.name = "scheduler",
	.model = "scheduler-2021-06-30",
	.title = "Amazon EventBridge Scheduler",
	.paths = paths,
	.run = run,
	.stop = stop,
	.reset_account = reset,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = scheduler_members,
};
