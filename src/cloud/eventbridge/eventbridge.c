/*
 * EventBridge: rules and targets in the cloud's database; an event put on the default bus is
 * matched against every enabled rule's pattern (the language of SNS's MessageBody filter
 * policies, cloud/sns/filter.h) and delivered at once to the rules' targets, a function through
 * the asynchronous queue. A rule with a ScheduleExpression also fires by itself on the virtual
 * clock (a ticker, cloud/schedule/ticker.h), sending AWS's "Scheduled Event" to its targets.
 */
#include "cloud/eventbridge/eventbridge.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/clock/vclock.h"
#include "cloud/http/aws.h"
#include "cloud/query/query.h"
#include "cloud/schedule/schedule.h"
#include "cloud/schedule/ticker.h"
#include "cloud/sns/filter.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "cloud/svc/deliver.h"
#include "cloud/svc/svc.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define EB_BUS           "default"
#define EB_MAX_ENTRIES   10
#define EB_MAX_TARGETS   5
#define EB_MAX_EVENT     262144
#define EB_ARN_PREFIX    "arn:aws:events:"
#define EB_DETAIL_PREFIX "Lambda Function Invocation Result - "
/* Occurrences of one schedule fired at most per tick, when the clock jumps far ahead. */
#define EB_MAX_CATCH_UP 100

#define INVALID(e, ...) aws_err_set(e, 400, "ValidationException", __VA_ARGS__)

static void bus_arn(const char *account, char *out, size_t n)
{
	snprintf(out, n, EB_ARN_PREFIX "%s:%s:event-bus/" EB_BUS, AWS_REGION_NAME, account);
}

static void rule_arn(const char *account, const char *name, char *out, size_t n)
{
	snprintf(out, n, EB_ARN_PREFIX "%s:%s:rule/%s", AWS_REGION_NAME, account, name);
}

/* EventBusName, when given, must name the default bus (by name or ARN). */
static bool check_bus(const char *account, const cJSON *in, struct aws_err *e)
{
	const char *bus = query_str(in, "EventBusName");
	char arn[128];
	bus_arn(account, arn, sizeof(arn));
	if (!bus || strcmp(bus, EB_BUS) == 0 || strcmp(bus, arn) == 0)
		return true;
	return aws_err_set(e, 400, "ResourceNotFoundException", "Event bus %s does not exist.",
			   bus);
}

static bool valid_rule_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64)
		return false;
	for (const char *p = name; *p; p++)
		if (!strchr("._-", *p) && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					    (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

/* The rule named in the request ("Name" or "Rule"), which must exist when must_exist. */
static const char *request_rule(struct cloud *c, const char *account, const cJSON *in,
				const char *member, bool must_exist, struct aws_err *e)
{
	const char *name = query_str(in, member);
	const char *field = strcmp(member, "Name") == 0 ? "name" : "rule";
	if (!name) {
		INVALID(e,
			"1 validation error detected: Value null at '%s' failed to satisfy "
			"constraint: Member must not be null",
			field);
		return NULL;
	}
	if (!valid_rule_name(name)) {
		INVALID(e,
			"1 validation error detected: Value '%s' at '%s' failed to satisfy "
			"constraint: Member must satisfy regular expression pattern: "
			"[\\.\\-_A-Za-z0-9]+",
			name, field);
		return NULL;
	}
	if (!check_bus(account, in, e))
		return NULL;
	if (!must_exist)
		return name;
	sqlite3_stmt *st = db_prep(c->db, "SELECT 1 FROM eb_rules WHERE account=? AND name=?");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!found) {
		aws_err_set(e, 400, "ResourceNotFoundException",
			    "Rule %s does not exist on EventBus " EB_BUS ".", name);
		return NULL;
	}
	return name;
}

static void rule_view(cJSON *o, const char *account, sqlite3_stmt *st)
{
	char arn[200];
	rule_arn(account, db_col(st, 0), arn, sizeof(arn));
	cJSON_AddStringToObject(o, "Name", db_col(st, 0));
	cJSON_AddStringToObject(o, "Arn", arn);
	if (db_col(st, 1)[0])
		cJSON_AddStringToObject(o, "EventPattern", db_col(st, 1));
	if (db_col(st, 4)[0])
		cJSON_AddStringToObject(o, "ScheduleExpression", db_col(st, 4));
	cJSON_AddStringToObject(o, "State", db_col(st, 2));
	if (db_col(st, 3)[0])
		cJSON_AddStringToObject(o, "Description", db_col(st, 3));
	cJSON_AddStringToObject(o, "EventBusName", EB_BUS);
}

static bool op_put_rule(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			struct aws_err *e)
{
	const char *name = request_rule(c, account, in, "Name", false, e);
	if (!name)
		return false;
	const char *pattern = query_str(in, "EventPattern");
	const char *schedule = query_str(in, "ScheduleExpression");
	const char *state = query_str(in, "State");
	const char *desc = query_str(in, "Description");
	if (!pattern && !schedule)
		return INVALID(e, "Parameter(s) EventPattern or ScheduleExpression must be "
				  "specified.");
	char msg[256];
	int64_t next = -1;
	if (schedule) {
		struct schedule *s = schedule_parse(schedule, false, msg, sizeof(msg));
		if (!s)
			return INVALID(e, "Parameter ScheduleExpression is not valid.");
		int64_t now = vclock_now_ms(c->vclock, account);
		next = schedule_next(s, NULL, now, now);
		schedule_free(s);
	}
	if (pattern && !sns_filter_check_pattern(pattern, msg, sizeof(msg)))
		return aws_err_set(e, 400, "InvalidEventPatternException",
				   "Event pattern is not valid. Reason: %s", msg);
	if (state && strcmp(state, "ENABLED") != 0 && strcmp(state, "DISABLED") != 0)
		return INVALID(e,
			       "1 validation error detected: Value '%s' at 'state' failed to "
			       "satisfy constraint: Member must satisfy enum value set: "
			       "[ENABLED, DISABLED]",
			       state);
	/* A schedule that stays the same keeps its next firing. */
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT INTO eb_rules(account, name, pattern, state,"
			       " description, schedule, next_ms) VALUES(?1,?2,?3,?4,?5,?6,?7)"
			       " ON CONFLICT(account, name) DO UPDATE SET pattern=?3, state=?4,"
			       " description=?5, next_ms=CASE WHEN schedule IS ?6 AND"
			       " next_ms IS NOT NULL THEN next_ms ELSE ?7 END, schedule=?6");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pattern ? pattern : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, state ? state : "ENABLED", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, desc ? desc : "", -1, SQLITE_STATIC);
	if (schedule)
		sqlite3_bind_text(st, 6, schedule, -1, SQLITE_STATIC);
	if (next >= 0)
		sqlite3_bind_int64(st, 7, next);
	sqlite3_step(st);
	sqlite3_finalize(st);
	schedule_ticker_poke(c->rules_ticker);
	char arn[200];
	rule_arn(account, name, arn, sizeof(arn));
	cJSON_AddStringToObject(out, "RuleArn", arn);
	return true;
}

static bool op_describe_rule(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			     struct aws_err *e)
{
	const char *name = request_rule(c, account, in, "Name", true, e);
	if (!name)
		return false;
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT name, pattern, state, description, schedule FROM eb_rules"
			       " WHERE account=? AND name=?");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		rule_view(out, account, st);
		cJSON_AddStringToObject(out, "CreatedBy", account);
	}
	sqlite3_finalize(st);
	return true;
}

static bool op_list_rules(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			  struct aws_err *e)
{
	if (!check_bus(account, in, e))
		return false;
	const char *prefix = query_str(in, "NamePrefix");
	cJSON *arr = cJSON_AddArrayToObject(out, "Rules");
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT name, pattern, state, description, schedule FROM eb_rules"
			       " WHERE account=? ORDER BY name");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (prefix && !str_starts_with(db_col(st, 0), prefix))
			continue;
		cJSON *r = cJSON_CreateObject();
		rule_view(r, account, st);
		cJSON_AddItemToArray(arr, r);
	}
	sqlite3_finalize(st);
	return true;
}

static bool set_state(struct cloud *c, const char *account, const cJSON *in, const char *state,
		      struct aws_err *e)
{
	const char *name = request_rule(c, account, in, "Name", true, e);
	if (!name)
		return false;
	sqlite3_stmt *st = db_prep(c->db, "UPDATE eb_rules SET state=? WHERE account=? AND name=?"
					  " RETURNING schedule");
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	char *schedule =
		sqlite3_step(st) == SQLITE_ROW && db_col(st, 0)[0] ? xstrdup(db_col(st, 0)) : NULL;
	sqlite3_finalize(st);
	/* A scheduled rule enabled again fires next from now, not for the time it was off. */
	struct schedule *s = schedule && strcmp(state, "ENABLED") == 0
				     ? schedule_parse(schedule, false, NULL, 0)
				     : NULL;
	if (s) {
		int64_t now = vclock_now_ms(c->vclock, account);
		st = db_prep(c->db, "UPDATE eb_rules SET next_ms=? WHERE account=? AND name=?");
		sqlite3_bind_int64(st, 1, schedule_next(s, NULL, now, now));
		sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
		schedule_free(s);
		schedule_ticker_poke(c->rules_ticker);
	}
	free(schedule);
	return true;
}

static bool op_enable_rule(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			   struct aws_err *e)
{
	(void)out;
	return set_state(c, account, in, "ENABLED", e);
}

static bool op_disable_rule(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			    struct aws_err *e)
{
	(void)out;
	return set_state(c, account, in, "DISABLED", e);
}

static int target_count(struct cloud *c, const char *account, const char *rule)
{
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT count(*) FROM eb_targets WHERE account=? AND rule=?");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return n;
}

static bool op_delete_rule(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			   struct aws_err *e)
{
	const char *name = request_rule(c, account, in, "Name", false, e);
	if (!name)
		return false;
	if (target_count(c, account, name) > 0)
		return INVALID(e, "Rule can't be deleted since it has targets.");
	sqlite3_stmt *st = db_prep(c->db, "DELETE FROM eb_rules WHERE account=? AND name=?");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	(void)out;
	return true;
}

/* Why a target cannot be one (NULL when it can). */
static const char *target_problem(const cJSON *t)
{
	const char *arn = query_str(t, "Arn");
	const char *input = query_str(t, "Input");
	if (!arn)
		return "Parameter Arn must be specified.";
	if (!str_starts_with(arn, "arn:aws:sqs:") && !str_starts_with(arn, "arn:aws:sns:") &&
	    !str_starts_with(arn, "arn:aws:lambda:"))
		return "The local cloud delivers events to SQS queues, SNS topics and Lambda "
		       "functions only.";
	const cJSON *sqs = cJSON_GetObjectItemCaseSensitive(t, "SqsParameters");
	const char *group = query_str(sqs, "MessageGroupId");
	if (sqs && !str_starts_with(arn, "arn:aws:sqs:"))
		return "SqsParameters can only be given for an SQS queue target.";
	if (group && (!group[0] || strlen(group) > 128))
		return "SqsParameters' MessageGroupId must have length between 1 and 128.";
	if (input) {
		cJSON *j = cJSON_Parse(input);
		bool ok = j != NULL;
		cJSON_Delete(j);
		if (!ok)
			return "Input is not valid JSON text.";
	}
	const char *role = query_str(t, "RoleArn");
	struct arn ra;
	if (role && role[0] &&
	    (!arn_parse(role, &ra) || strcmp(ra.service, "iam") != 0 || !ra.account[0] ||
	     !str_starts_with(ra.resource, "role/")))
		return "RoleArn is not an IAM role's ARN (arn:aws:iam::ACCOUNT:role/NAME).";
	if (cJSON_GetObjectItemCaseSensitive(t, "InputPath") ||
	    cJSON_GetObjectItemCaseSensitive(t, "InputTransformer"))
		return "The local cloud does not apply InputPath or InputTransformer.";
	return NULL;
}

static bool op_put_targets(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			   struct aws_err *e)
{
	const char *rule = request_rule(c, account, in, "Rule", true, e);
	if (!rule)
		return false;
	const cJSON *targets = cJSON_GetObjectItemCaseSensitive(in, "Targets");
	int n = cJSON_GetArraySize(targets);
	if (!cJSON_IsArray(targets) || n == 0 || n > 10)
		return INVALID(e, "1 validation error detected: Value at 'targets' failed to "
				  "satisfy constraint: Member must have length between 1 and 10");
	const cJSON *t;
	cJSON_ArrayForEach(t, targets)
	{
		const char *id = query_str(t, "Id");
		if (!id || !id[0] || strlen(id) > 64)
			return INVALID(e,
				       "1 validation error detected: Value at 'targets.1.member."
				       "id' failed to satisfy constraint: Member must have length "
				       "between 1 and 64");
	}
	cJSON_ArrayForEach(t, targets)
	{
		/* A FIFO queue needs a message group: AWS refuses the whole request. */
		const char *arn = query_str(t, "Arn");
		if (arn && str_starts_with(arn, "arn:aws:sqs:") && str_ends_with(arn, ".fifo") &&
		    !query_str(cJSON_GetObjectItemCaseSensitive(t, "SqsParameters"),
			       "MessageGroupId"))
			return INVALID(
				e, "Parameter(s) SqsParameters must be specified for target: %s.",
				query_str(t, "Id"));
	}
	if (target_count(c, account, rule) + n > EB_MAX_TARGETS)
		return aws_err_set(e, 400, "LimitExceededException",
				   "The requested resource exceeds the maximum number allowed.");
	cJSON *failed = cJSON_CreateArray();
	cJSON_ArrayForEach(t, targets)
	{
		const char *id = query_str(t, "Id");
		const char *why = target_problem(t);
		if (why) {
			cJSON *f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "TargetId", id);
			cJSON_AddStringToObject(f, "ErrorCode", "ValidationException");
			cJSON_AddStringToObject(f, "ErrorMessage", why);
			cJSON_AddItemToArray(failed, f);
			continue;
		}
		const char *input = query_str(t, "Input");
		const char *group = query_str(cJSON_GetObjectItemCaseSensitive(t, "SqsParameters"),
					      "MessageGroupId");
		const char *role = query_str(t, "RoleArn");
		sqlite3_stmt *st =
			db_prep(c->db, "INSERT OR REPLACE INTO eb_targets(account, rule, id,"
				       " arn, input, sqs_group, role) VALUES(?,?,?,?,?,?,?)");
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, query_str(t, "Arn"), -1, SQLITE_STATIC);
		if (input)
			sqlite3_bind_text(st, 5, input, -1, SQLITE_STATIC);
		if (group)
			sqlite3_bind_text(st, 6, group, -1, SQLITE_STATIC);
		if (role && role[0])
			sqlite3_bind_text(st, 7, role, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	cJSON_AddNumberToObject(out, "FailedEntryCount", cJSON_GetArraySize(failed));
	cJSON_AddItemToObject(out, "FailedEntries", failed);
	return true;
}

static bool op_list_targets(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			    struct aws_err *e)
{
	const char *rule = request_rule(c, account, in, "Rule", true, e);
	if (!rule)
		return false;
	cJSON *arr = cJSON_AddArrayToObject(out, "Targets");
	sqlite3_stmt *st = db_prep(c->db, "SELECT id, arn, input, sqs_group, role FROM eb_targets"
					  " WHERE account=? AND rule=? ORDER BY id");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "Id", db_col(st, 0));
		cJSON_AddStringToObject(t, "Arn", db_col(st, 1));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			cJSON_AddStringToObject(t, "Input", db_col(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			cJSON_AddStringToObject(cJSON_AddObjectToObject(t, "SqsParameters"),
						"MessageGroupId", db_col(st, 3));
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			cJSON_AddStringToObject(t, "RoleArn", db_col(st, 4));
		cJSON_AddItemToArray(arr, t);
	}
	sqlite3_finalize(st);
	return true;
}

static bool op_remove_targets(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			      struct aws_err *e)
{
	const char *rule = request_rule(c, account, in, "Rule", true, e);
	if (!rule)
		return false;
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(in, "Ids");
	if (!cJSON_IsArray(ids) || !ids->child)
		return INVALID(e, "1 validation error detected: Value at 'ids' failed to satisfy "
				  "constraint: Member must have length greater than or equal to 1");
	const cJSON *id;
	cJSON_ArrayForEach(id, ids)
	{
		if (!cJSON_IsString(id))
			continue;
		sqlite3_stmt *st = db_prep(
			c->db, "DELETE FROM eb_targets WHERE account=? AND rule=? AND id=?");
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, id->valuestring, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	cJSON_AddNumberToObject(out, "FailedEntryCount", 0);
	cJSON_AddArrayToObject(out, "FailedEntries");
	return true;
}

static bool op_describe_bus(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			    struct aws_err *e)
{
	const char *name = query_str(in, "Name");
	char arn[128];
	bus_arn(account, arn, sizeof(arn));
	if (name && strcmp(name, EB_BUS) != 0 && strcmp(name, arn) != 0)
		return aws_err_set(e, 400, "ResourceNotFoundException",
				   "Event bus %s does not exist.", name);
	cJSON_AddStringToObject(out, "Name", EB_BUS);
	cJSON_AddStringToObject(out, "Arn", arn);
	(void)c;
	return true;
}

/* DeleteEventBus: the default bus cannot be deleted, and it is the only one there is. */
static bool op_delete_bus(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			  struct aws_err *e)
{
	const char *name = query_str(in, "Name");
	char arn[128];
	bus_arn(account, arn, sizeof(arn));
	(void)c;
	(void)out;
	if (name && (strcmp(name, EB_BUS) == 0 || strcmp(name, arn) == 0))
		return aws_err_set(e, 400, "ValidationException",
				   "Cannot delete event bus default.");
	return aws_err_set(e, 400, "ResourceNotFoundException", "Event bus %s does not exist.",
			   name ? name : "");
}

static bool op_list_buses(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			  struct aws_err *e)
{
	cJSON *arr = cJSON_AddArrayToObject(out, "EventBuses");
	cJSON *b = cJSON_CreateObject();
	cJSON_AddItemToArray(arr, b);
	(void)in;
	return op_describe_bus(c, account, NULL, b, e);
}

/* A target of a rule an event matched. */
struct hit {
	char *arn, *input, *group;
	char *rule; /* the rule it is a target of */
	char *role; /* the role it is delivered with, or NULL */
};

/*
 * Deliver event (text) to the targets of account's enabled rules whose pattern matches it,
 * or, when rule is given, to that (scheduled) rule's targets.
 */
static void deliver_to_targets(struct cloud *c, const char *account, const char *rule,
			       const cJSON *event, const char *text)
{
	struct hit *hits = NULL;
	size_t nhits = 0, cap = 0;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = db_prep(
		c->db,
		"SELECT r.pattern, t.arn, t.input, t.sqs_group, r.name, t.role FROM eb_rules r JOIN"
		" eb_targets t ON t.account=r.account AND t.rule=r.name"
		" WHERE r.account=?1 AND r.state='ENABLED' AND (?2 IS NULL OR"
		" r.name=?2) ORDER BY r.name, t.id");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	if (rule)
		sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!rule) {
			/* A rule with a schedule only matches no event. */
			cJSON *pattern = db_col(st, 0)[0] ? cJSON_Parse(db_col(st, 0)) : NULL;
			bool match = pattern && sns_filter_match_json(pattern, event);
			cJSON_Delete(pattern);
			if (!match)
				continue;
		}
		if (nhits == cap) {
			cap = cap ? cap * 2 : 8;
			hits = xreallocarray(hits, cap, sizeof(*hits));
		}
		hits[nhits].arn = xstrdup(db_col(st, 1));
		hits[nhits].input =
			sqlite3_column_type(st, 2) != SQLITE_NULL ? xstrdup(db_col(st, 2)) : NULL;
		hits[nhits].group =
			sqlite3_column_type(st, 3) != SQLITE_NULL ? xstrdup(db_col(st, 3)) : NULL;
		hits[nhits].rule = xstrdup(db_col(st, 4));
		hits[nhits].role =
			sqlite3_column_type(st, 5) != SQLITE_NULL ? xstrdup(db_col(st, 5)) : NULL;
		nhits++;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	struct svc_caller by;
	svc_caller_for_account(&by, account);
	for (size_t i = 0; i < nhits; i++) {
		const char *body = hits[i].input ? hits[i].input : text;
		/* A FIFO queue deduplicates by content (it must have content-based
		 * deduplication, as on AWS); the group is the target's. */
		struct deliver_msg m = { .payload = body,
					 .len = strlen(body),
					 .group_id = hits[i].group };
		struct deliver_result r;
		struct aws_err err = { 0 };
		/* A target with a role is delivered as the role lets EventBridge; else a
		 * function, queue or topic takes the event as its own policy lets
		 * events.amazonaws.com send it for the rule, and another bus from the
		 * account. */
		struct svc_caller events_by;
		const struct svc_caller *as = &by;
		if (!str_starts_with(hits[i].arn, "arn:aws:events:")) {
			char rarn[320];
			rule_arn(account, hits[i].rule, rarn, sizeof(rarn));
			svc_caller_service(&events_by, account, "events.amazonaws.com", rarn);
			as = &events_by;
		}
		bool sent = hits[i].role ? deliver_as_role(c, account, hits[i].role,
							   "events.amazonaws.com", hits[i].arn, &m,
							   &r, &err)
					 : deliver(c, as, hits[i].arn, &m, NULL, &r, &err);
		if (sent)
			deliver_result_release(&r);
		else
			fprintf(stderr, "lambda-tutor: events: %s: delivery to %s failed: %s\n",
				account, hits[i].arn, err.message);
		aws_err_release(&err);
		free(hits[i].arn);
		free(hits[i].input);
		free(hits[i].group);
		free(hits[i].rule);
		free(hits[i].role);
	}
	free(hits);
}

/* The event as rules and targets see it. Caller deletes. */
static cJSON *event_new(struct cloud *c, const char *account, const char *source,
			const char *detail_type, const cJSON *detail, const cJSON *resources,
			char id[37])
{
	aws_uuid(id);
	time_t now = (time_t)(vclock_now_ms(c->vclock, account) / 1000);
	struct tm tm;
	gmtime_r(&now, &tm);
	char iso[32];
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "version", "0");
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "detail-type", detail_type);
	cJSON_AddStringToObject(o, "source", source);
	cJSON_AddStringToObject(o, "account", account);
	cJSON_AddStringToObject(o, "time", iso);
	cJSON_AddStringToObject(o, "region", AWS_REGION_NAME);
	cJSON_AddItemToObject(o, "resources",
			      resources ? cJSON_Duplicate(resources, true) : cJSON_CreateArray());
	cJSON_AddItemToObject(o, "detail", cJSON_Duplicate(detail, true));
	return o;
}

static void put_one(struct cloud *c, const char *account, const char *source,
		    const char *detail_type, const cJSON *detail, const cJSON *resources,
		    char id[37])
{
	cJSON *ev = event_new(c, account, source, detail_type, detail, resources, id);
	char *text = cJSON_PrintUnformatted(ev);
	deliver_to_targets(c, account, NULL, ev, text);
	free(text);
	cJSON_Delete(ev);
}

/* A scheduled rule due to fire: its account, name and the times it fires at. */
struct due {
	char account[13];
	char *name;
	int64_t times[EB_MAX_CATCH_UP];
	size_t ntimes;
};

/*
 * The ticker's work: every enabled scheduled rule whose next firing is due sends one
 * "Scheduled Event" per occurrence up to now (at most EB_MAX_CATCH_UP when the clock jumped),
 * timed at the occurrence, its rule's ARN the one resource. Returns the next firing.
 */
static int64_t fire_rules(void *arg, int64_t base_now)
{
	struct cloud *c = arg;
	struct due *due = NULL;
	size_t ndue = 0, cap = 0;
	int64_t next_any = -1;
	pthread_mutex_lock(&c->db->mu);
	/* A rule's times are on its account's clock; the ticker's on the base clock. */
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT account, name, schedule, next_ms,"
			       " vclock_offset(account) FROM eb_rules WHERE state='ENABLED' AND"
			       " schedule IS NOT NULL AND next_ms IS NOT NULL ORDER BY next_ms");
	sqlite3_stmt *up =
		db_prep(c->db, "UPDATE eb_rules SET next_ms=? WHERE account=? AND name=?");
	while (st && up && sqlite3_step(st) == SQLITE_ROW) {
		int64_t at = sqlite3_column_int64(st, 3);
		int64_t offset = sqlite3_column_int64(st, 4), now = base_now + offset;
		if (at > now) {
			if (next_any < 0 || at - offset < next_any)
				next_any = at - offset;
			continue;
		}
		struct schedule *s = schedule_parse(db_col(st, 2), false, NULL, 0);
		if (!s)
			continue;
		if (ndue == cap) {
			cap = cap ? cap * 2 : 4;
			due = xreallocarray(due, cap, sizeof(*due));
		}
		struct due *d = &due[ndue++];
		snprintf(d->account, sizeof(d->account), "%s", db_col(st, 0));
		d->name = xstrdup(db_col(st, 1));
		d->ntimes = 0;
		while (at >= 0 && at <= now && d->ntimes < EB_MAX_CATCH_UP) {
			d->times[d->ntimes++] = at;
			at = schedule_next(s, NULL, at, at);
		}
		if (at >= 0 && at <= now) {
			fprintf(stderr,
				"lambda-tutor: events: rule %s: the clock jumped past more than %d "
				"firings; the rest are skipped\n",
				d->name, EB_MAX_CATCH_UP);
			at = schedule_next(s, NULL, at, now);
		}
		schedule_free(s);
		sqlite3_reset(up);
		if (at >= 0)
			sqlite3_bind_int64(up, 1, at);
		else
			sqlite3_bind_null(up, 1);
		sqlite3_bind_text(up, 2, d->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(up, 3, d->name, -1, SQLITE_STATIC);
		sqlite3_step(up);
		if (at >= 0 && (next_any < 0 || at - offset < next_any))
			next_any = at - offset;
	}
	sqlite3_finalize(up);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	cJSON *detail = cJSON_CreateObject();
	for (size_t i = 0; i < ndue; i++) {
		char arn[200];
		rule_arn(due[i].account, due[i].name, arn, sizeof(arn));
		cJSON *resources = cJSON_CreateArray();
		cJSON_AddItemToArray(resources, cJSON_CreateString(arn));
		for (size_t k = 0; k < due[i].ntimes; k++) {
			char id[37], iso[32];
			cJSON *ev = event_new(c, due[i].account, "aws.events", "Scheduled Event",
					      detail, resources, id);
			time_t t = (time_t)(due[i].times[k] / 1000);
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
			cJSON_ReplaceItemInObjectCaseSensitive(ev, "time", cJSON_CreateString(iso));
			char *text = cJSON_PrintUnformatted(ev);
			deliver_to_targets(c, due[i].account, due[i].name, ev, text);
			free(text);
			cJSON_Delete(ev);
		}
		cJSON_Delete(resources);
		free(due[i].name);
	}
	cJSON_Delete(detail);
	free(due);
	return next_any;
}

/* Why one PutEvents entry is refused (NULL when it is not); *detail_out on success. */
static const char *entry_problem(const char *account, const cJSON *en, cJSON **detail_out)
{
	*detail_out = NULL;
	static const char *const required[] = { "Source", "DetailType", "Detail" };
	for (int i = 0; i < 3; i++) {
		const char *v = query_str(en, required[i]);
		if (!v || !v[0])
			return i == 0   ? "Parameter Source is not valid. Reason: Source is a "
					  "required argument."
			       : i == 1 ? "Parameter DetailType is not valid. Reason: DetailType "
					  "is a required argument."
					: "Parameter Detail is not valid. Reason: Detail is a "
					  "required argument.";
	}
	struct aws_err e = { 0 };
	bool bus = check_bus(account, en, &e);
	aws_err_release(&e);
	if (!bus)
		return "Event bus does not exist.";
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(en, "Resources");
	if (res && !cJSON_IsArray(res))
		return "Parameter Resources is not valid.";
	cJSON *d = cJSON_Parse(query_str(en, "Detail"));
	if (!cJSON_IsObject(d)) {
		cJSON_Delete(d);
		return "Detail is malformed.";
	}
	*detail_out = d;
	return NULL;
}

static bool op_put_events(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			  struct aws_err *e)
{
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(in, "Entries");
	int n = cJSON_GetArraySize(entries);
	if (!cJSON_IsArray(entries) || n < 1 || n > EB_MAX_ENTRIES)
		return INVALID(e, "1 validation error detected: Value at 'entries' failed to "
				  "satisfy constraint: Member must have length between 1 and 10");
	char *text = cJSON_PrintUnformatted(entries);
	bool big = strlen(text) > EB_MAX_EVENT;
	free(text);
	if (big)
		return INVALID(e, "Total size of the entries in the request is over the limit.");
	cJSON *results = cJSON_CreateArray();
	int failed = 0;
	const cJSON *en;
	cJSON_ArrayForEach(en, entries)
	{
		cJSON *r = cJSON_CreateObject();
		cJSON_AddItemToArray(results, r);
		cJSON *detail = NULL;
		const char *why = entry_problem(account, en, &detail);
		if (why) {
			failed++;
			cJSON_AddStringToObject(r, "ErrorCode", "InvalidArgument");
			cJSON_AddStringToObject(r, "ErrorMessage", why);
			continue;
		}
		char id[37];
		put_one(c, account, query_str(en, "Source"), query_str(en, "DetailType"), detail,
			cJSON_GetObjectItemCaseSensitive(en, "Resources"), id);
		cJSON_Delete(detail);
		cJSON_AddStringToObject(r, "EventId", id);
	}
	cJSON_AddNumberToObject(out, "FailedEntryCount", failed);
	cJSON_AddItemToObject(out, "Entries", results);
	return true;
}

typedef bool (*op_fn)(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
		      struct aws_err *e);

/* An operation's answer: fn fills out, under the database's lock when locked. */
static cJSON *run_op(struct svc_call *call, const cJSON *in, struct aws_err *err, op_fn fn,
		     bool locked)
{
	struct cloud *c = call->cloud;
	cJSON *out = cJSON_CreateObject();
	if (locked)
		pthread_mutex_lock(&c->db->mu);
	bool ok = fn(c, call->caller->account, in, out, err);
	if (locked)
		pthread_mutex_unlock(&c->db->mu);
	if (!ok) {
		cJSON_Delete(out);
		out = NULL;
	}
	return out;
}

#define OP(op, fn, locked)                                                            \
	static cJSON *op(struct svc_call *call, const cJSON *in, struct aws_err *err) \
	{                                                                             \
		return run_op(call, in, err, fn, locked);                             \
	}
/* Every operation runs with the database locked, but PutEvents, whose deliveries lock it. */
OP(delete_bus, op_delete_bus, true)
OP(delete_rule, op_delete_rule, true)
OP(describe_bus, op_describe_bus, true)
OP(describe_rule, op_describe_rule, true)
OP(disable_rule, op_disable_rule, true)
OP(enable_rule, op_enable_rule, true)
OP(list_buses, op_list_buses, true)
OP(list_rules, op_list_rules, true)
OP(list_targets, op_list_targets, true)
OP(put_events, op_put_events, false)
OP(put_rule, op_put_rule, true)
OP(put_targets, op_put_targets, true)
OP(remove_targets, op_remove_targets, true)

static const struct svc_op ops[] = {
	{ "DeleteEventBus", delete_bus },
	{ "DeleteRule", delete_rule },
	{ "DescribeEventBus", describe_bus },
	{ "DescribeRule", describe_rule },
	{ "DisableRule", disable_rule },
	{ "EnableRule", enable_rule },
	{ "ListEventBuses", list_buses },
	{ "ListRules", list_rules },
	{ "ListTargetsByRule", list_targets },
	{ "PutEvents", put_events },
	{ "PutRule", put_rule },
	{ "PutTargets", put_targets },
	{ "RemoveTargets", remove_targets },
};

static const char *const migrations[] = {
	/* 0 -> 1: the tables that used to be created at start. */
	"CREATE TABLE IF NOT EXISTS eb_rules(account TEXT NOT NULL, name TEXT NOT NULL,"
	" pattern TEXT NOT NULL, state TEXT NOT NULL, description TEXT NOT NULL,"
	" PRIMARY KEY(account, name)) STRICT;"
	"CREATE TABLE IF NOT EXISTS eb_targets(account TEXT NOT NULL, rule TEXT NOT NULL,"
	" id TEXT NOT NULL, arn TEXT NOT NULL, input TEXT, PRIMARY KEY(account, rule, id))"
	" STRICT;",
	/* 1 -> 2: scheduled rules (pattern '' when a rule has a schedule only). */
	"ALTER TABLE eb_rules ADD COLUMN schedule TEXT;"
	"ALTER TABLE eb_rules ADD COLUMN next_ms INTEGER;",
	/* 2 -> 3: a FIFO queue target's message group. */
	"ALTER TABLE eb_targets ADD COLUMN sqs_group TEXT;",
	/* 3 -> 4: the role a target is delivered with (its RoleArn). */
	"ALTER TABLE eb_targets ADD COLUMN role TEXT;",
};

static void reset(struct cloud *c, const char *account)
{
	static const char *const sqls[] = { "DELETE FROM eb_targets WHERE account=?",
					    "DELETE FROM eb_rules WHERE account=?" };
	pthread_mutex_lock(&c->db->mu);
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = db_prep(c->db, sqls[i]);
		if (st) {
			sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
}

static bool run(struct cloud *c, struct error *err)
{
	c->rules_ticker = schedule_ticker_start(c->vclock, fire_rules, c, err);
	return c->rules_ticker != NULL;
}

static void stop(struct cloud *c)
{
	schedule_ticker_free(c->rules_ticker);
	c->rules_ticker = NULL;
}

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const events_members[] = {
	"DeleteEventBus Name",
	"DeleteRule EventBusName -Force Name",
	"DescribeEventBus Name",
	"DescribeRule EventBusName Name",
	"DisableRule EventBusName Name",
	"EnableRule EventBusName Name",
	"ListEventBuses -Limit NamePrefix -NextToken",
	"ListRules EventBusName -Limit NamePrefix -NextToken",
	"ListTargetsByRule EventBusName -Limit -NextToken Rule",
	"PutEvents Entries",
	"PutRule Description EventBusName EventPattern Name -RoleArn ScheduleExpression State "
	"-Tags",
	"PutTargets EventBusName Rule Targets",
	"RemoveTargets EventBusName -Force Ids Rule",
	NULL,
};

const struct cloud_service events_service = {
	.name = "events",
	.model = "events-2015-10-07",
	.title = "Amazon EventBridge",
	.target = "AWSEvents",
	.run = run,
	.stop = stop,
	.reset_account = reset,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = events_members,
};
