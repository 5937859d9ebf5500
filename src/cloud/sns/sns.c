/*
 * SNS: topics, subscriptions and the mailbox in the cloud's database; Publish fans out to
 * every subscription at once (through svc/deliver.h: functions asynchronously, queues,
 * email into the mailbox).
 */
#include "cloud/sns/sns.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/clock/vclock.h"
#include "cloud/http/aws.h"
#include "cloud/iam/policy.h"
#include "cloud/proto/proto.h"
#include "cloud/query/query.h"
#include "cloud/sns/filter.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "cloud/svc/deliver.h"
#include "cloud/svc/policy.h"
#include "cloud/svc/router.h"
#include "cloud/svc/svc.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define SNS_MESSAGE_MAX 262144

#define INVALID(e, ...) aws_err_set(e, 400, "InvalidParameter", __VA_ARGS__)

/* Split arn:aws:sns:REGION:ACCOUNT:NAME[:SUB]. */
static bool parse_arn(const char *arn, char account[13], char name[257])
{
	if (!arn || !str_starts_with(arn, "arn:aws:sns:"))
		return false;
	const char *p = strchr(arn + strlen("arn:aws:sns:"), ':');
	if (!p || strlen(p + 1) < 14 || p[13] != ':')
		return false;
	memcpy(account, p + 1, 12);
	account[12] = '\0';
	size_t n = strcspn(p + 14, ":");
	if (n == 0 || n > 256)
		return false;
	memcpy(name, p + 14, n);
	name[n] = '\0';
	return true;
}

static void topic_arn(const char *account, const char *name, char *out, size_t n)
{
	snprintf(out, n, "arn:aws:sns:%s:%s:%s", AWS_REGION_NAME, account, name);
}

/* Whether a topic exists; the caller holds db->mu. */
static bool topic_exists_locked(struct cloud *c, const char *account, const char *name)
{
	sqlite3_stmt *st = db_prep(c->db, "SELECT 1 FROM sns_topics WHERE account=? AND name=?");
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* How many colon-separated elements an ARN has: SNS counts them before anything else. */
static int arn_elements(const char *arn)
{
	int elements = 1;
	for (const char *p = arn; *p; p++)
		elements += *p == ':';
	return elements;
}

/* The topic a request names in TopicArn (or TargetArn). */
static bool request_topic(struct cloud *c, const cJSON *in, char account[13], char name[257],
			  struct aws_err *e)
{
	const char *arn = query_str(in, "TopicArn");
	if (!arn) {
		arn = query_str(in, "TargetArn");
		/* A platform application's endpoint: the local cloud has none. */
		if (arn && str_starts_with(arn, "arn:aws:sns:") && strstr(arn, ":endpoint/"))
			return INVALID(e,
				       "Invalid parameter: TargetArn Reason: No endpoint found for "
				       "the target arn specified");
	}
	if (!arn)
		return INVALID(e, "Invalid parameter: TopicArn");
	if (!parse_arn(arn, account, name)) {
		int elements = arn_elements(arn);
		if (elements < 6)
			return INVALID(e,
				       "Invalid parameter: TopicArn Reason: An ARN must have at "
				       "least 6 elements, not %d",
				       elements);
		return INVALID(e, "Invalid parameter: TopicArn");
	}
	if (!topic_exists_locked(c, account, name))
		return aws_err_set(e, 404, "NotFound", "Topic does not exist");
	return true;
}

static bool valid_topic_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 256)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
	       n;
}

static cJSON *tags_object(const cJSON *list, struct aws_err *e);
static bool check_sub_attr(const char *name, const char *value, const char *prefix,
			   struct aws_err *e);
static cJSON *topic_tags(struct cloud *c, const char *account, const char *name);
static void topic_tags_save(struct cloud *c, const char *account, const char *name,
			    const cJSON *tags);

/* The actions a topic policy may name (SNS's "valid policy actions", and Receive, which its
 * older default policies grant). */
static const char *const topic_actions[] = {
	"sns:AddPermission",
	"sns:DeleteTopic",
	"sns:GetDataProtectionPolicy",
	"sns:GetTopicAttributes",
	"sns:ListSubscriptionsByTopic",
	"sns:ListTagsForResource",
	"sns:Publish",
	"sns:PutDataProtectionPolicy",
	"sns:Receive",
	"sns:RemovePermission",
	"sns:SetTopicAttributes",
	"sns:Subscribe",
	NULL,
};

/* Whether an Action pattern of a topic policy ("SNS:Publish", "sns:Get*", "*") names one of
 * a topic's actions. */
static bool topic_action(const char *pattern)
{
	for (const char *const *a = topic_actions; *a; a++)
		if (iam_action_like(pattern, *a))
			return true;
	return false;
}

/* Whether every Action of every statement of a parsed policy is a topic's. */
static bool actions_in_scope(const cJSON *doc)
{
	const cJSON *sts = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
	bool one = cJSON_IsObject(sts);
	for (const cJSON *st = one   ? sts
			       : sts ? sts->child
				     : NULL;
	     st; st = one ? NULL : st->next) {
		const cJSON *act = cJSON_GetObjectItemCaseSensitive(st, "Action");
		bool single = cJSON_IsString(act);
		for (const cJSON *a = single ? act
				      : act  ? act->child
					     : NULL;
		     a; a = single ? NULL : a->next)
			if (cJSON_IsString(a) && !topic_action(a->valuestring))
				return false;
	}
	return true;
}

/* A topic policy as SNS takes it: a resource-based policy IAM would read, whose actions are
 * all a topic's ("": none). */
static bool valid_policy(const char *doc, struct aws_err *e)
{
	if (!doc || !doc[0])
		return true;
	char msg[256];
	struct iam_policy *p = iam_policy_parse(doc, IAM_POLICY_RESOURCE, msg, sizeof(msg));
	iam_policy_free(p);
	if (!p)
		return INVALID(e, "Invalid parameter: Policy Error: null");
	cJSON *parsed = cJSON_Parse(doc);
	bool scoped = actions_in_scope(parsed);
	cJSON_Delete(parsed);
	return scoped ? true
		      : INVALID(e, "Invalid parameter: Policy statement action out of service "
				   "scope!");
}

static bool op_create_topic(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			    struct aws_err *e)
{
	const char *name = query_str(in, "Name");
	if (!name)
		return INVALID(e, "Invalid parameter: Topic Name");
	if (str_ends_with(name, ".fifo"))
		return INVALID(e, "Invalid parameter: FIFO topics are not available in the local "
				  "cloud; create a standard topic");
	if (!valid_topic_name(name))
		return INVALID(e, "Invalid parameter: Topic Name");
	if (!valid_policy(query_str(cJSON_GetObjectItemCaseSensitive(in, "Attributes"), "Policy"),
			  e))
		return false;
	cJSON *want = tags_object(cJSON_GetObjectItemCaseSensitive(in, "Tags"), e);
	if (!want)
		return false;
	bool existed = topic_exists_locked(c, account, name);
	if (existed) {
		/* Creating a topic again is idempotent while it asks for no tag it lacks. */
		cJSON *have = topic_tags(c, account, name);
		bool same = true;
		const cJSON *t;
		cJSON_ArrayForEach(t, want)
		{
			const char *v = query_str(have, t->string);
			same = same && v && strcmp(v, t->valuestring) == 0;
		}
		cJSON_Delete(have);
		if (!same) {
			cJSON_Delete(want);
			return INVALID(e,
				       "Invalid parameter: Tags Reason: Topic already exists with "
				       "different tags");
		}
	}
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(in, "Attributes");
	char *text = attrs ? cJSON_PrintUnformatted(attrs) : NULL;
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT OR IGNORE INTO sns_topics(account, name, attrs, created)"
			       " VALUES(?,?,?,?)");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text ? text : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, vclock_now_ms(c->vclock, account));
	sqlite3_step(st);
	sqlite3_finalize(st);
	free(text);
	if (!existed && want->child)
		topic_tags_save(c, account, name, want);
	cJSON_Delete(want);
	char arn[320];
	topic_arn(account, name, arn, sizeof(arn));
	cJSON_AddStringToObject(out, "TopicArn", arn);
	return true;
}

static bool op_delete_topic(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			    struct aws_err *e)
{
	char acct[13], name[257];
	const char *arn = query_str(in, "TopicArn");
	if (!arn || !parse_arn(arn, acct, name))
		return INVALID(e, "Invalid parameter: TopicArn");
	/* Deleting a topic that does not exist succeeds, as in AWS. */
	sqlite3_stmt *st = db_prep(c->db, "DELETE FROM sns_topics WHERE account=? AND name=?");
	sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	st = db_prep(c->db, "DELETE FROM sns_subscriptions WHERE topic=?");
	sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	(void)account;
	(void)out;
	return true;
}

static bool op_list_topics(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			   struct aws_err *e)
{
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT name FROM sns_topics WHERE account=? ORDER BY name");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	cJSON *topics = cJSON_AddArrayToObject(out, "Topics");
	while (sqlite3_step(st) == SQLITE_ROW) {
		char arn[320];
		topic_arn(account, (const char *)sqlite3_column_text(st, 0), arn, sizeof(arn));
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "TopicArn", arn);
		cJSON_AddItemToArray(topics, t);
	}
	sqlite3_finalize(st);
	(void)in;
	(void)e;
	return true;
}

/* A subscription's FilterPolicy and FilterPolicyScope together, as AWS checks them. */
static bool check_filter(const char *policy, const char *scope, const char *prefix,
			 struct aws_err *e)
{
	enum sns_filter_scope sc;
	if (!sns_filter_scope_parse(scope, &sc))
		return INVALID(e,
			       "%sFilterPolicyScope: Invalid value [%s]. Please use either "
			       "MessageBody or MessageAttributes",
			       prefix, scope);
	char msg[256];
	if (!sns_filter_check(policy, sc, msg, sizeof(msg)))
		return INVALID(e, "%s%s", prefix, msg);
	return true;
}

static bool op_subscribe(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			 struct aws_err *e)
{
	char acct[13], name[257];
	if (!request_topic(c, in, acct, name, e))
		return false;
	const char *protocol = query_str(in, "Protocol");
	const char *endpoint = query_str(in, "Endpoint");
	if (!protocol)
		return INVALID(e, "Invalid parameter: Protocol");
	static const char *const aws_protocols[] = { "http",        "https",  "email",
						     "email-json",  "sms",    "sqs",
						     "application", "lambda", "firehose",
						     NULL };
	bool aws_knows = false;
	for (const char *const *p = aws_protocols; *p; p++)
		aws_knows = aws_knows || strcmp(protocol, *p) == 0;
	if (!aws_knows)
		return INVALID(e,
			       "Invalid parameter: Amazon SNS does not support this protocol "
			       "string: %s",
			       protocol);
	bool known = strcmp(protocol, "lambda") == 0 || strcmp(protocol, "sqs") == 0 ||
		     strcmp(protocol, "email") == 0 || strcmp(protocol, "email-json") == 0;
	if (!known)
		return INVALID(e,
			       "Invalid parameter: Protocol %s is not served by the local cloud "
			       "(lambda, sqs, email and email-json are)",
			       protocol);
	if (!endpoint || !endpoint[0])
		return INVALID(e, "Invalid parameter: Endpoint");
	if (strcmp(protocol, "lambda") == 0 && !str_starts_with(endpoint, "arn:aws:lambda:"))
		return INVALID(e, "Invalid parameter: Lambda endpoint ARN");
	if (strcmp(protocol, "sqs") == 0 && !str_starts_with(endpoint, "arn:aws:sqs:"))
		return INVALID(e, "Invalid parameter: SQS endpoint ARN");
	if (str_starts_with(protocol, "email") && !strchr(endpoint, '@'))
		return INVALID(e, "Invalid parameter: Email address");
	char tarn[320];
	topic_arn(acct, name, tarn, sizeof(tarn));
	/* The same endpoint subscribed twice is one subscription. */
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT arn FROM sns_subscriptions WHERE topic=? AND protocol=?"
			       " AND endpoint=?");
	sqlite3_bind_text(st, 1, tarn, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, protocol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, endpoint, -1, SQLITE_STATIC);
	char sarn[400] = "";
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(sarn, sizeof(sarn), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(in, "Attributes");
	if (!check_filter(query_str(attrs, "FilterPolicy"), query_str(attrs, "FilterPolicyScope"),
			  "Invalid parameter: Attributes Reason: ", e))
		return false;
	const cJSON *a;
	cJSON_ArrayForEach(a, attrs)
	{
		if (!check_sub_attr(a->string, cJSON_IsString(a) ? a->valuestring : NULL,
				    "Invalid parameter: Attributes Reason: ", e))
			return false;
	}
	if (!sarn[0]) {
		char id[37];
		aws_uuid(id);
		snprintf(sarn, sizeof(sarn), "%s:%s", tarn, id);
		char *text = attrs ? cJSON_PrintUnformatted(attrs) : NULL;
		st = db_prep(
			c->db,
			"INSERT INTO sns_subscriptions(arn, account, topic, protocol, endpoint,"
			" attrs) VALUES(?,?,?,?,?,?)");
		sqlite3_bind_text(st, 1, sarn, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, tarn, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, protocol, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, endpoint, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, text ? text : "{}", -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
		free(text);
		if (str_starts_with(protocol, "email")) {
			/* Confirmed at once; the mailbox shows the confirmation AWS would send. */
			st = db_prep(c->db,
				     "INSERT INTO sns_mailbox(account, address, topic, subject,"
				     " message, message_id, ts) VALUES(?,?,?,?,?,?,?)");
			char *msg =
				xasprintf("You have chosen to subscribe to the topic:\n%s\n\n"
					  "The local cloud confirmed this subscription for you.",
					  tarn);
			char mid[37];
			aws_uuid(mid);
			sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, endpoint, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, tarn, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, "AWS Notification - Subscription Confirmation", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(st, 5, msg, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 6, mid, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 7, vclock_now_ms(c->vclock, acct));
			sqlite3_step(st);
			sqlite3_finalize(st);
			free(msg);
		}
	}
	cJSON_AddStringToObject(out, "SubscriptionArn", sarn);
	return true;
}

static bool op_unsubscribe(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			   struct aws_err *e)
{
	const char *arn = query_str(in, "SubscriptionArn");
	if (!arn)
		return INVALID(e, "Invalid parameter: SubscriptionArn");
	sqlite3_stmt *st = db_prep(c->db, "DELETE FROM sns_subscriptions WHERE arn=?");
	sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	(void)account;
	(void)out;
	return true;
}

/* The subscriptions a statement selects (arn, account, topic, protocol, endpoint). */
static void subscriptions(cJSON *out, sqlite3_stmt *st)
{
	static const char *const members[] = { "SubscriptionArn", "Owner", "TopicArn", "Protocol",
					       "Endpoint" };
	cJSON *arr = cJSON_AddArrayToObject(out, "Subscriptions");
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *m = cJSON_CreateObject();
		for (int i = 0; i < 5; i++)
			cJSON_AddStringToObject(m, members[i],
						(const char *)sqlite3_column_text(st, i));
		cJSON_AddItemToArray(arr, m);
	}
}

static bool op_list_subs(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			 struct aws_err *e)
{
	sqlite3_stmt *st = db_prep(c->db, "SELECT arn, account, topic, protocol, endpoint"
					  " FROM sns_subscriptions WHERE account=? ORDER BY rowid");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	subscriptions(out, st);
	sqlite3_finalize(st);
	(void)in;
	(void)e;
	return true;
}

static bool op_list_subs_by_topic(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
				  struct aws_err *e)
{
	char acct[13], name[257];
	if (!request_topic(c, in, acct, name, e))
		return false;
	char tarn[320];
	topic_arn(acct, name, tarn, sizeof(tarn));
	sqlite3_stmt *st = db_prep(c->db, "SELECT arn, account, topic, protocol, endpoint"
					  " FROM sns_subscriptions WHERE topic=? ORDER BY rowid");
	sqlite3_bind_text(st, 1, tarn, -1, SQLITE_STATIC);
	subscriptions(out, st);
	sqlite3_finalize(st);
	(void)account;
	return true;
}

static void entry(cJSON *attrs, const char *k, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(attrs, k);
	cJSON_AddStringToObject(attrs, k, v);
}

/* The policy a topic has until one is set, as SNS writes it: every action of the topic for the
 * principals of its owner's account (AWS:SourceOwner), and none for a service. Caller frees. */
static char *default_policy(const char *account, const char *arn)
{
	return xasprintf(
		"{\"Version\":\"2008-10-17\",\"Id\":\"__default_policy_ID\",\"Statement\":[{"
		"\"Sid\":\"__default_statement_ID\",\"Effect\":\"Allow\",\"Principal\":{"
		"\"AWS\":\"*\"},\"Action\":[\"SNS:GetTopicAttributes\",\"SNS:SetTopicAttributes\","
		"\"SNS:AddPermission\",\"SNS:RemovePermission\",\"SNS:DeleteTopic\","
		"\"SNS:Subscribe\",\"SNS:ListSubscriptionsByTopic\",\"SNS:Publish\"],"
		"\"Resource\":\"%s\",\"Condition\":{\"StringEquals\":{\"AWS:SourceOwner\":"
		"\"%s\"}}}]}",
		arn, account);
}

/* The delivery policy SNS reports for a topic that has none of its own. */
#define DEFAULT_DELIVERY_POLICY                                                                  \
	"{\"http\":{\"defaultHealthyRetryPolicy\":{\"minDelayTarget\":20,\"maxDelayTarget\":20," \
	"\"numRetries\":3,\"numMaxDelayRetries\":0,\"numNoDelayRetries\":0,"                     \
	"\"numMinDelayRetries\":0,\"backoffFunction\":\"linear\"},"                              \
	"\"disableSubscriptionOverrides\":false,\"defaultRequestPolicy\":{"                      \
	"\"headerContentType\":\"text/plain; charset=UTF-8\"}}}"

static bool op_get_topic_attrs(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			       struct aws_err *e)
{
	char acct[13], name[257];
	if (!request_topic(c, in, acct, name, e))
		return false;
	char tarn[320], n[32];
	topic_arn(acct, name, tarn, sizeof(tarn));
	sqlite3_stmt *st = db_prep(c->db, "SELECT count(*) FROM sns_subscriptions WHERE topic=?");
	sqlite3_bind_text(st, 1, tarn, -1, SQLITE_STATIC);
	snprintf(n, sizeof(n), "%d",
		 sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0);
	sqlite3_finalize(st);
	out = cJSON_AddObjectToObject(out, "Attributes");
	entry(out, "TopicArn", tarn);
	entry(out, "Owner", acct);
	entry(out, "SubscriptionsConfirmed", n);
	entry(out, "SubscriptionsPending", "0");
	entry(out, "SubscriptionsDeleted", "0");
	st = db_prep(c->db, "SELECT attrs FROM sns_topics WHERE account=? AND name=?");
	sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	cJSON *attrs = sqlite3_step(st) == SQLITE_ROW
			       ? cJSON_Parse((const char *)sqlite3_column_text(st, 0))
			       : NULL;
	sqlite3_finalize(st);
	const cJSON *a;
	bool display = false;
	cJSON_ArrayForEach(a, attrs)
	{
		if (cJSON_IsString(a)) {
			entry(out, a->string, a->valuestring);
			display = display || strcmp(a->string, "DisplayName") == 0;
		}
	}
	if (!display)
		entry(out, "DisplayName", "");
	if (!query_str(attrs, "Policy") || !query_str(attrs, "Policy")[0]) {
		char *doc = default_policy(acct, tarn);
		entry(out, "Policy", doc);
		free(doc);
	}
	if (!query_str(attrs, "EffectiveDeliveryPolicy"))
		entry(out, "EffectiveDeliveryPolicy",
		      query_str(attrs, "DeliveryPolicy") ? query_str(attrs, "DeliveryPolicy")
							 : DEFAULT_DELIVERY_POLICY);
	cJSON_Delete(attrs);
	(void)account;
	return true;
}

/* Set one attribute in a JSON column of table (topics or subscriptions). */
static bool set_attr(struct cloud *c, const char *sql_get, const char *sql_set, const char *key,
		     const char *key2, const char *name, const char *value)
{
	sqlite3_stmt *st = db_prep(c->db, sql_get);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (key2)
		sqlite3_bind_text(st, 2, key2, -1, SQLITE_STATIC);
	cJSON *attrs = sqlite3_step(st) == SQLITE_ROW
			       ? cJSON_Parse((const char *)sqlite3_column_text(st, 0))
			       : NULL;
	sqlite3_finalize(st);
	if (!attrs)
		return false;
	cJSON_DeleteItemFromObjectCaseSensitive(attrs, name);
	/* An empty filter policy is none. */
	if ((value && value[0]) || strcmp(name, "FilterPolicy") != 0)
		cJSON_AddStringToObject(attrs, name, value ? value : "");
	char *text = cJSON_PrintUnformatted(attrs);
	cJSON_Delete(attrs);
	st = db_prep(c->db, sql_set);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (key2)
		sqlite3_bind_text(st, 3, key2, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	free(text);
	return true;
}

static bool op_set_topic_attrs(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			       struct aws_err *e)
{
	char acct[13], name[257];
	if (!request_topic(c, in, acct, name, e))
		return false;
	const char *attr = query_str(in, "AttributeName");
	if (!attr)
		return INVALID(e, "Invalid parameter: AttributeName");
	if (strcmp(attr, "Policy") == 0 && !valid_policy(query_str(in, "AttributeValue"), e))
		return false;
	set_attr(c, "SELECT attrs FROM sns_topics WHERE account=? AND name=?",
		 "UPDATE sns_topics SET attrs=? WHERE account=? AND name=?", acct, name, attr,
		 query_str(in, "AttributeValue"));
	(void)account;
	(void)out;
	return true;
}

static const char *const sub_attrs[] = { "RawMessageDelivery", "FilterPolicy",
					 "FilterPolicyScope",  "RedrivePolicy",
					 "DeliveryPolicy",     NULL };

/* A subscription attribute's value as SNS checks it; prefix begins the message. */
static bool check_sub_attr(const char *name, const char *value, const char *prefix,
			   struct aws_err *e)
{
	if (strcmp(name, "RawMessageDelivery") == 0 &&
	    (!value || (strcasecmp(value, "true") != 0 && strcasecmp(value, "false") != 0)))
		return INVALID(e,
			       "%sRawMessageDelivery: Invalid value [%s]. Must be true or false.",
			       prefix, value ? value : "");
	if (strcmp(name, "RedrivePolicy") == 0) {
		cJSON *p = value ? cJSON_Parse(value) : NULL;
		const char *dlq = query_str(p, "deadLetterTargetArn");
		bool parsed = cJSON_IsObject(p);
		bool arn_ok = dlq && str_starts_with(dlq, "arn:aws:sqs:");
		cJSON_Delete(p);
		if (!parsed)
			return INVALID(e, "%sRedrivePolicy: failed to parse JSON.", prefix);
		if (!arn_ok)
			return INVALID(e, "%sRedrivePolicy: deadLetterTargetArn is an invalid arn",
				       prefix);
	}
	return true;
}

static bool op_set_sub_attrs(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			     struct aws_err *e)
{
	const char *arn = query_str(in, "SubscriptionArn");
	const char *attr = query_str(in, "AttributeName");
	if (!arn)
		return INVALID(e, "Invalid parameter: SubscriptionArn");
	bool known = false;
	for (const char *const *a = sub_attrs; attr && *a; a++)
		known = known || strcmp(*a, attr) == 0;
	if (!known)
		return INVALID(e, "Invalid parameter: AttributeName");
	const char *value = query_str(in, "AttributeValue");
	if (!check_sub_attr(attr, value, "Invalid parameter: ", e))
		return false;
	bool policy = strcmp(attr, "FilterPolicy") == 0;
	if (policy || strcmp(attr, "FilterPolicyScope") == 0) {
		/* Each is checked against the other as the subscription has it. */
		sqlite3_stmt *st =
			db_prep(c->db, "SELECT attrs FROM sns_subscriptions WHERE arn=?");
		sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
		cJSON *have = sqlite3_step(st) == SQLITE_ROW
				      ? cJSON_Parse((const char *)sqlite3_column_text(st, 0))
				      : NULL;
		sqlite3_finalize(st);
		bool ok = check_filter(policy ? value : query_str(have, "FilterPolicy"),
				       policy ? query_str(have, "FilterPolicyScope") : value,
				       "Invalid parameter: ", e);
		cJSON_Delete(have);
		if (!ok)
			return false;
	}
	if (!set_attr(c, "SELECT attrs FROM sns_subscriptions WHERE arn=?",
		      "UPDATE sns_subscriptions SET attrs=? WHERE arn=?", arn, NULL, attr, value))
		return aws_err_set(e, 404, "NotFound", "Subscription does not exist");
	(void)account;
	(void)out;
	return true;
}

static bool op_get_sub_attrs(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			     struct aws_err *e)
{
	const char *arn = query_str(in, "SubscriptionArn");
	if (!arn)
		return INVALID(e, "Invalid parameter: SubscriptionArn");
	sqlite3_stmt *st = db_prep(c->db, "SELECT account, topic, protocol, endpoint, attrs"
					  " FROM sns_subscriptions WHERE arn=?");
	sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return aws_err_set(e, 404, "NotFound", "Subscription does not exist");
	}
	out = cJSON_AddObjectToObject(out, "Attributes");
	entry(out, "SubscriptionArn", arn);
	entry(out, "Owner", (const char *)sqlite3_column_text(st, 0));
	entry(out, "TopicArn", (const char *)sqlite3_column_text(st, 1));
	entry(out, "Protocol", (const char *)sqlite3_column_text(st, 2));
	entry(out, "Endpoint", (const char *)sqlite3_column_text(st, 3));
	entry(out, "ConfirmationWasAuthenticated", "true");
	entry(out, "PendingConfirmation", "false");
	cJSON *attrs = cJSON_Parse((const char *)sqlite3_column_text(st, 4));
	const cJSON *a;
	bool raw = false, scope = false;
	cJSON_ArrayForEach(a, attrs)
	{
		if (cJSON_IsString(a)) {
			entry(out, a->string, a->valuestring);
			raw = raw || strcmp(a->string, "RawMessageDelivery") == 0;
			scope = scope || strcmp(a->string, "FilterPolicyScope") == 0;
		}
	}
	if (!raw)
		entry(out, "RawMessageDelivery", "false");
	if (!scope && query_str(attrs, "FilterPolicy"))
		entry(out, "FilterPolicyScope", "MessageAttributes");
	cJSON_Delete(attrs);
	sqlite3_finalize(st);
	(void)account;
	return true;
}

/* A subscription, loaded for delivery. */
struct sub {
	char *arn, *protocol, *endpoint, *account;
	bool raw;
	cJSON *filter; /* the FilterPolicy, or NULL */
	enum sns_filter_scope scope;
};

static void sub_free(void *p)
{
	struct sub *s = p;
	free(s->arn);
	free(s->protocol);
	free(s->endpoint);
	free(s->account);
	cJSON_Delete(s->filter);
	free(s);
}

/* SNS's attribute map {"k":{"Type":"String","Value":"v"}} from SQS's shape. */
static cJSON *sns_attrs(const cJSON *attrs)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *a;
	cJSON_ArrayForEach(a, attrs)
	{
		const char *type = query_str(a, "DataType");
		const char *bin = query_str(a, "BinaryValue");
		const char *str = query_str(a, "StringValue");
		cJSON *v = cJSON_AddObjectToObject(o, a->string);
		cJSON_AddStringToObject(v, "Type", type ? type : "String");
		cJSON_AddStringToObject(v, "Value", bin && !str ? bin : str ? str : "");
	}
	return o;
}

static void fill_notification(cJSON *n, const char *msg_id, const char *topic, const char *subject,
			      const char *message, const char *iso, const char *sub_arn,
			      const cJSON *attrs, const char *endpoint, bool lambda)
{
	cJSON_AddStringToObject(n, "Type", "Notification");
	cJSON_AddStringToObject(n, "MessageId", msg_id);
	cJSON_AddStringToObject(n, "TopicArn", topic);
	if (subject)
		cJSON_AddStringToObject(n, "Subject", subject);
	else if (lambda)
		cJSON_AddNullToObject(n, "Subject");
	cJSON_AddStringToObject(n, "Message", message);
	cJSON_AddStringToObject(n, "Timestamp", iso);
	cJSON_AddStringToObject(n, "SignatureVersion", "1");
	cJSON_AddStringToObject(n, "Signature", "EXAMPLElocalcloudsignature==");
	char *url = xasprintf("%s/_tutor/sns/SimpleNotificationService.pem", endpoint);
	cJSON_AddStringToObject(n, lambda ? "SigningCertUrl" : "SigningCertURL", url);
	free(url);
	url = xasprintf("%s/?Action=Unsubscribe&SubscriptionArn=%s", endpoint, sub_arn);
	cJSON_AddStringToObject(n, lambda ? "UnsubscribeUrl" : "UnsubscribeURL", url);
	free(url);
	cJSON *ma = sns_attrs(attrs);
	if (ma->child || lambda)
		cJSON_AddItemToObject(n, "MessageAttributes", ma);
	else
		cJSON_Delete(ma);
}

/* Deliver to every subscription of topic (db->mu not held), in the publisher's X-Ray trace
 * context trace ("": none), which SNS passes on to the subscribed function or queue. */
static void fan_out(struct cloud *c, const char *account, const char *topic, const char *subject,
		    const char *message, const cJSON *attrs, const char *msg_id, const char *trace)
{
	struct vec subs = VEC_INIT;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = db_prep(c->db, "SELECT arn, protocol, endpoint, attrs, account"
					  " FROM sns_subscriptions WHERE topic=? ORDER BY rowid");
	sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct sub *s = xcalloc(1, sizeof(*s));
		s->arn = xstrdup((const char *)sqlite3_column_text(st, 0));
		s->protocol = xstrdup((const char *)sqlite3_column_text(st, 1));
		s->endpoint = xstrdup((const char *)sqlite3_column_text(st, 2));
		cJSON *a = cJSON_Parse((const char *)sqlite3_column_text(st, 3));
		const char *raw = query_str(a, "RawMessageDelivery");
		s->raw = raw && strcasecmp(raw, "true") == 0;
		const char *policy = query_str(a, "FilterPolicy");
		s->filter = policy && policy[0] ? cJSON_Parse(policy) : NULL;
		if (!sns_filter_scope_parse(query_str(a, "FilterPolicyScope"), &s->scope))
			s->scope = SNS_FILTER_ATTRIBUTES;
		cJSON_Delete(a);
		s->account = xstrdup((const char *)sqlite3_column_text(st, 4));
		vec_push(&subs, s);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	char iso[32];
	int64_t now = vclock_now_ms(c->vclock, account);
	aws_time_iso(now, iso);
	/* A queue or a function takes SNS's message as its own policy lets sns.amazonaws.com
	 * send it for this topic. */
	struct svc_caller sns_by;
	svc_caller_service(&sns_by, account, "sns.amazonaws.com", topic);
	snprintf(sns_by.trace, sizeof(sns_by.trace), "%s", trace);
	vec_for_each (&subs, i) {
		struct sub *s = subs.items[i];
		struct aws_err err = { 0 };
		bool ok = true;
		struct deliver_msg m = { 0 };
		char *text = NULL;
		if (!sns_filter_match(s->filter, s->scope, message, attrs)) {
			/* Filtered out: not delivered, as AWS does. */
		} else if (strcmp(s->protocol, "lambda") == 0) {
			cJSON *ev = cJSON_CreateObject();
			cJSON *recs = cJSON_AddArrayToObject(ev, "Records");
			cJSON *r = cJSON_CreateObject();
			cJSON_AddItemToArray(recs, r);
			cJSON_AddStringToObject(r, "EventSource", "aws:sns");
			cJSON_AddStringToObject(r, "EventVersion", "1.0");
			cJSON_AddStringToObject(r, "EventSubscriptionArn", s->arn);
			cJSON *n = cJSON_AddObjectToObject(r, "Sns");
			fill_notification(n, msg_id, topic, subject, message, iso, s->arn, attrs,
					  c->endpoint, true);
			text = cJSON_PrintUnformatted(ev);
			cJSON_Delete(ev);
			m.payload = text;
		} else if (strcmp(s->protocol, "sqs") == 0 && s->raw) {
			m.payload = message;
			m.attrs = attrs;
		} else if (strcmp(s->protocol, "sqs") == 0) {
			cJSON *n = cJSON_CreateObject();
			fill_notification(n, msg_id, topic, subject, message, iso, s->arn, attrs,
					  c->endpoint, false);
			text = cJSON_PrintUnformatted(n);
			cJSON_Delete(n);
			m.payload = text;
		} else {
			const char *body = message;
			char *json = NULL;
			if (strcmp(s->protocol, "email-json") == 0) {
				cJSON *n = cJSON_CreateObject();
				fill_notification(n, msg_id, topic, subject, message, iso, s->arn,
						  attrs, c->endpoint, false);
				json = cJSON_Print(n);
				cJSON_Delete(n);
				body = json;
			}
			pthread_mutex_lock(&c->db->mu);
			st = db_prep(c->db,
				     "INSERT INTO sns_mailbox(account, address, topic, subject,"
				     " message, message_id, ts) VALUES(?,?,?,?,?,?,?)");
			sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, s->endpoint, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, topic, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, subject ? subject : "AWS Notification Message", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(st, 5, body, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 6, msg_id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 7, now);
			sqlite3_step(st);
			sqlite3_finalize(st);
			pthread_mutex_unlock(&c->db->mu);
			free(json);
		}
		if (m.payload) {
			/* A function gets an asynchronous invocation, a queue a message. */
			struct deliver_result r;
			m.len = strlen(m.payload);
			ok = deliver(c, &sns_by, s->endpoint, &m, NULL, &r, &err);
			if (ok)
				deliver_result_release(&r);
		}
		if (!ok)
			fprintf(stderr, "lambda-tutor: sns: %s: delivery to %s failed: %s\n",
				s->arn, s->endpoint, err.message);
		aws_err_release(&err);
		free(text);
	}
	vec_release_with(&subs, sub_free);
}

/* A message attribute's name as SNS allows it: at most 255 bytes of letters, digits, '-',
 * '_' and '.', with no '.' first, last or twice in a row. */
static bool check_attr_name(const char *name, struct aws_err *e)
{
	size_t n = strlen(name);
	if (n > 255)
		return aws_err_set(e, 400, "ParameterValueInvalid",
				   "Length of message attribute name must be less than 256 bytes.");
	for (const char *p = name; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
			return aws_err_set(
				e, 400, "ParameterValueInvalid",
				"Invalid non-alphanumeric character '#x%X' was found in "
				"the message attribute name. Can only include "
				"alphanumeric characters, hyphens, underscores, or dots.",
				ch);
	}
	if (name[0] == '.')
		return aws_err_set(e, 400, "ParameterValueInvalid",
				   "Invalid message attribute name starting with character '.' "
				   "was found.");
	if (n && name[n - 1] == '.')
		return aws_err_set(e, 400, "ParameterValueInvalid",
				   "Invalid message attribute name ending with character '.' was "
				   "found.");
	if (strstr(name, ".."))
		return aws_err_set(e, 400, "ParameterValueInvalid",
				   "Message attribute name can not have successive '.' character.");
	return true;
}

/* Check SNS message attributes (SQS's JSON shape after folding). */
static bool check_attrs(const cJSON *attrs, struct aws_err *e)
{
	const cJSON *a;
	int n = 0;
	cJSON_ArrayForEach(a, attrs)
	{
		const char *type = query_str(a, "DataType");
		if (!check_attr_name(a->string, e))
			return false;
		if (++n > 10)
			return INVALID(e, "Invalid parameter: MessageAttributes Reason: Number of "
					  "message attributes exceeds the allowed maximum [10].");
		if (!type || (!str_starts_with(type, "String") &&
			      !str_starts_with(type, "Number") && !str_starts_with(type, "Binary")))
			return aws_err_set(
				e, 400, "ParameterValueInvalid",
				"The message attribute '%s' has an invalid message attribute "
				"type, the set of supported type prefixes is Binary, Number, "
				"and String.",
				a->string);
		bool binary = str_starts_with(type, "Binary");
		const char *v = query_str(a, binary ? "BinaryValue" : "StringValue");
		const char *other = query_str(a, binary ? "StringValue" : "BinaryValue");
		if (!v && other && other[0])
			return aws_err_set(
				e, 400, "ParameterValueInvalid",
				"The message attribute '%s' with type '%s' must use field "
				"'%s'.",
				a->string, type, binary ? "Binary" : "String");
		if (!v || !v[0])
			return aws_err_set(
				e, 400, "ParameterValueInvalid",
				"The message attribute '%s' must contain non-empty message "
				"attribute value for message attribute type '%s'.",
				a->string, type);
	}
	return true;
}

static bool check_publish(const char *message, const char *subject, struct aws_err *e)
{
	if (!message || !message[0])
		return INVALID(e, "Invalid parameter: Empty message");
	if (strlen(message) > SNS_MESSAGE_MAX)
		return INVALID(e, "Invalid parameter: Message too long");
	if (subject && (!subject[0] || strlen(subject) > 100 || strchr(subject, '\n')))
		return INVALID(e, "Invalid parameter: Subject");
	return true;
}

/* A SubscriptionArn as SNS reads it before anything else: six elements at least, then a
 * subscription id after the topic's name. */
static bool check_sub_arn(const cJSON *in, struct aws_err *e)
{
	const char *arn = query_str(in, "SubscriptionArn");
	if (!arn)
		return INVALID(e,
			       "Invalid parameter: SubscriptionArn Reason: no value for required "
			       "parameter");
	int elements = arn_elements(arn);
	if (elements < 6)
		return INVALID(
			e,
			"Invalid parameter: SubscriptionArn Reason: An ARN must have at least "
			"6 elements, not %d",
			elements);
	if (elements < 7)
		return INVALID(e, "Invalid parameter: SubscriptionId");
	return true;
}

/* Another account's topics and subscriptions are out of reach: no topic policy opens them. */
static bool own_resources(const struct svc_call *call, const cJSON *in, struct aws_err *e)
{
	static const char *const arns[] = { "TopicArn", "TargetArn", "SubscriptionArn", NULL };
	const char *account = call->caller->account;
	for (const char *const *k = arns; *k; k++) {
		const char *arn = query_str(in, *k);
		char owner[13] = "";
		if (arn && str_starts_with(arn, "arn:aws:sns:"))
			sscanf(arn + strlen("arn:aws:sns:"), "%*[^:]:%12[0-9]", owner);
		if (owner[0] && strcmp(owner, account) != 0)
			return aws_err_set(e, 403, "AuthorizationError",
					   "User: %s is not authorized to perform: SNS:%s on"
					   " resource: %s",
					   call->caller->arn, call->op, arn);
	}
	return true;
}

typedef bool (*op_fn)(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
		      struct aws_err *e);

/* An operation over the database: the caller's own resources, with db->mu held. */
static cJSON *locked(struct svc_call *call, const cJSON *in, struct aws_err *err, op_fn fn)
{
	if (!own_resources(call, in, err))
		return NULL;
	struct cloud *c = call->cloud;
	cJSON *out = cJSON_CreateObject();
	pthread_mutex_lock(&c->db->mu);
	bool ok = fn(c, call->caller->account, in, out, err);
	pthread_mutex_unlock(&c->db->mu);
	if (!ok) {
		cJSON_Delete(out);
		out = NULL;
	}
	return out;
}

/* A Tags list as an object of key to value; a key given twice is refused as SNS refuses it. */
static cJSON *tags_object(const cJSON *list, struct aws_err *e)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *t;
	cJSON_ArrayForEach(t, list)
	{
		const char *k = query_str(t, "Key"), *v = query_str(t, "Value");
		if (!k)
			continue;
		if (cJSON_GetObjectItemCaseSensitive(o, k)) {
			cJSON_Delete(o);
			return INVALID(e, "Invalid parameter: Duplicated keys are not allowed."),
			       NULL;
		}
		cJSON_AddStringToObject(o, k, v ? v : "");
	}
	return o;
}

/* The topic's tags (caller deletes); the caller holds db->mu. */
static cJSON *topic_tags(struct cloud *c, const char *account, const char *name)
{
	sqlite3_stmt *st = db_prep(c->db, "SELECT tags FROM sns_topics WHERE account=? AND name=?");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	cJSON *tags = st && sqlite3_step(st) == SQLITE_ROW
			      ? cJSON_Parse((const char *)sqlite3_column_text(st, 0))
			      : NULL;
	sqlite3_finalize(st);
	return cJSON_IsObject(tags) ? tags : (cJSON_Delete(tags), cJSON_CreateObject());
}

static void topic_tags_save(struct cloud *c, const char *account, const char *name,
			    const cJSON *tags)
{
	char *text = cJSON_PrintUnformatted(tags);
	sqlite3_stmt *st =
		db_prep(c->db, "UPDATE sns_topics SET tags=? WHERE account=? AND name=?");
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	free(text);
}

/* The topic a ResourceArn names, as TagResource and its kin find it. */
static bool resource_topic(struct cloud *c, const cJSON *in, char account[13], char name[257],
			   struct aws_err *e)
{
	const char *arn = query_str(in, "ResourceArn");
	if (!arn || !parse_arn(arn, account, name))
		return INVALID(e, "Invalid parameter: ResourceArn");
	if (!topic_exists_locked(c, account, name))
		return aws_err_set(e, 404, "ResourceNotFound", "Resource does not exist");
	return true;
}

static bool op_tag_resource(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			    struct aws_err *e)
{
	char acct[13], name[257];
	if (!resource_topic(c, in, acct, name, e))
		return false;
	cJSON *add = tags_object(cJSON_GetObjectItemCaseSensitive(in, "Tags"), e);
	if (!add)
		return false;
	cJSON *tags = topic_tags(c, acct, name);
	const cJSON *t;
	cJSON_ArrayForEach(t, add)
	{
		cJSON_DeleteItemFromObjectCaseSensitive(tags, t->string);
		cJSON_AddStringToObject(tags, t->string, t->valuestring);
	}
	bool ok = cJSON_GetArraySize(tags) <= 50 ||
		  aws_err_set(e, 400, "TagLimitExceeded",
			      "Could not complete request: tag quota of per resource exceeded");
	if (ok)
		topic_tags_save(c, acct, name, tags);
	cJSON_Delete(tags);
	cJSON_Delete(add);
	(void)account;
	(void)out;
	return ok;
}

static bool op_untag_resource(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			      struct aws_err *e)
{
	char acct[13], name[257];
	if (!resource_topic(c, in, acct, name, e))
		return false;
	cJSON *tags = topic_tags(c, acct, name);
	const cJSON *k;
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(in, "TagKeys"))
	{
		if (cJSON_IsString(k))
			cJSON_DeleteItemFromObjectCaseSensitive(tags, k->valuestring);
	}
	topic_tags_save(c, acct, name, tags);
	cJSON_Delete(tags);
	(void)account;
	(void)out;
	return true;
}

static bool op_list_tags(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			 struct aws_err *e)
{
	char acct[13], name[257];
	if (!resource_topic(c, in, acct, name, e))
		return false;
	cJSON *tags = topic_tags(c, acct, name);
	cJSON *list = cJSON_AddArrayToObject(out, "Tags");
	const cJSON *t;
	cJSON_ArrayForEach(t, tags)
	{
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Key", t->string);
		cJSON_AddStringToObject(o, "Value", t->valuestring);
		cJSON_AddItemToArray(list, o);
	}
	cJSON_Delete(tags);
	(void)account;
	return true;
}

/* The topic's policy as a document: its own, else the default one. Caller deletes. */
static cJSON *topic_policy_doc(struct cloud *c, const char *acct, const char *name)
{
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT attrs FROM sns_topics WHERE account=? AND name=?");
	sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	cJSON *attrs = sqlite3_step(st) == SQLITE_ROW
			       ? cJSON_Parse((const char *)sqlite3_column_text(st, 0))
			       : NULL;
	sqlite3_finalize(st);
	const char *own = query_str(attrs, "Policy");
	cJSON *doc = own && own[0] ? cJSON_Parse(own) : NULL;
	cJSON_Delete(attrs);
	if (!doc) {
		char tarn[320];
		topic_arn(acct, name, tarn, sizeof(tarn));
		char *text = default_policy(acct, tarn);
		doc = cJSON_Parse(text);
		free(text);
	}
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "Statement"))) {
		cJSON *one = cJSON_DetachItemFromObjectCaseSensitive(doc, "Statement");
		cJSON *list = cJSON_AddArrayToObject(doc, "Statement");
		if (one)
			cJSON_AddItemToArray(list, one);
	}
	return doc;
}

static void topic_policy_save(struct cloud *c, const char *acct, const char *name, const cJSON *doc)
{
	char *text = cJSON_PrintUnformatted(doc);
	set_attr(c, "SELECT attrs FROM sns_topics WHERE account=? AND name=?",
		 "UPDATE sns_topics SET attrs=? WHERE account=? AND name=?", acct, name, "Policy",
		 text);
	free(text);
}

/* A string, or an array of the strings when there are several, as SNS writes a statement's
 * Principal and Action. Takes list. */
static cJSON *one_or_many(cJSON *list)
{
	if (cJSON_GetArraySize(list) != 1)
		return list;
	cJSON *one = cJSON_DetachItemFromArray(list, 0);
	cJSON_Delete(list);
	return one;
}

/* AddPermission: a statement labelled Label in the topic's policy, allowing the accounts the
 * actions, as SNS writes it (each account as its root, each action as SNS:Name). */
static bool op_add_permission(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			      struct aws_err *e)
{
	char acct[13], name[257];
	if (!request_topic(c, in, acct, name, e))
		return false;
	const char *label = query_str(in, "Label");
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(in, "AWSAccountId");
	const cJSON *acts = cJSON_GetObjectItemCaseSensitive(in, "ActionName");
	if (!label || !label[0])
		return INVALID(e, "Invalid parameter: Label");
	if (!cJSON_GetArraySize(ids))
		return INVALID(e, "Invalid parameter: AWSAccountId");
	if (!cJSON_GetArraySize(acts))
		return INVALID(e, "Invalid parameter: ActionName");
	cJSON *principals = cJSON_CreateArray(), *actions = cJSON_CreateArray();
	const cJSON *it;
	bool ok = true;
	cJSON_ArrayForEach(it, ids)
	{
		const char *id = cJSON_GetStringValue(it);
		bool digits = id && strlen(id) == 12 && strspn(id, "0123456789") == 12;
		if (!digits) {
			ok = INVALID(e, "Invalid parameter: AWSAccountId");
			break;
		}
		char *root = xasprintf("arn:aws:iam::%s:root", id);
		cJSON_AddItemToArray(principals, cJSON_CreateString(root));
		free(root);
	}
	cJSON_ArrayForEach(it, acts)
	{
		if (!ok)
			break;
		const char *a = cJSON_GetStringValue(it);
		char *full = xasprintf("SNS:%s", a ? a : "");
		if (!a || !a[0] || strchr(a, ':') || !topic_action(full)) {
			free(full);
			ok = INVALID(e, "Invalid parameter: Policy statement action out of service "
					"scope!");
			break;
		}
		cJSON_AddItemToArray(actions, cJSON_CreateString(full));
		free(full);
	}
	if (!ok) {
		cJSON_Delete(principals);
		cJSON_Delete(actions);
		return false;
	}
	cJSON *doc = topic_policy_doc(c, acct, name);
	cJSON *sts = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
	cJSON_ArrayForEach(it, sts)
	{
		const char *sid = query_str(it, "Sid");
		if (sid && strcmp(sid, label) == 0) {
			cJSON_Delete(principals);
			cJSON_Delete(actions);
			cJSON_Delete(doc);
			return INVALID(e, "Invalid parameter: Statement already exists");
		}
	}
	char tarn[320];
	topic_arn(acct, name, tarn, sizeof(tarn));
	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "Sid", label);
	cJSON_AddStringToObject(st, "Effect", "Allow");
	cJSON_AddItemToObject(cJSON_AddObjectToObject(st, "Principal"), "AWS",
			      one_or_many(principals));
	cJSON_AddItemToObject(st, "Action", one_or_many(actions));
	cJSON_AddStringToObject(st, "Resource", tarn);
	cJSON_AddItemToArray(sts, st);
	topic_policy_save(c, acct, name, doc);
	cJSON_Delete(doc);
	(void)account;
	(void)out;
	return true;
}

/* RemovePermission: the statement labelled Label leaves the topic's policy (none: nothing
 * changes). */
static bool op_remove_permission(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
				 struct aws_err *e)
{
	char acct[13], name[257];
	if (!request_topic(c, in, acct, name, e))
		return false;
	const char *label = query_str(in, "Label");
	if (!label || !label[0])
		return INVALID(e, "Invalid parameter: Label");
	cJSON *doc = topic_policy_doc(c, acct, name);
	cJSON *sts = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
	int i = 0;
	bool found = false;
	const cJSON *it;
	cJSON_ArrayForEach(it, sts)
	{
		const char *sid = query_str(it, "Sid");
		if (sid && strcmp(sid, label) == 0) {
			found = true;
			break;
		}
		i++;
	}
	if (found) {
		cJSON_DeleteItemFromArray(sts, i);
		topic_policy_save(c, acct, name, doc);
	}
	cJSON_Delete(doc);
	(void)account;
	(void)out;
	return true;
}

#define LOCKED_OP(op, fn)                                                             \
	static cJSON *op(struct svc_call *call, const cJSON *in, struct aws_err *err) \
	{                                                                             \
		return locked(call, in, err, fn);                                     \
	}
LOCKED_OP(add_permission, op_add_permission)
LOCKED_OP(create_topic, op_create_topic)
LOCKED_OP(delete_topic, op_delete_topic)
LOCKED_OP(get_sub_attrs, op_get_sub_attrs)
LOCKED_OP(get_topic_attrs, op_get_topic_attrs)
LOCKED_OP(list_subs, op_list_subs)
LOCKED_OP(list_subs_by_topic, op_list_subs_by_topic)
LOCKED_OP(list_topics, op_list_topics)
LOCKED_OP(remove_permission, op_remove_permission)
LOCKED_OP(set_sub_attrs, op_set_sub_attrs)
LOCKED_OP(set_topic_attrs, op_set_topic_attrs)
LOCKED_OP(subscribe, op_subscribe)

/* Unsubscribe reads its SubscriptionArn's shape first, as SNS does. */
static cJSON *unsubscribe(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return check_sub_arn(in, err) ? locked(call, in, err, op_unsubscribe) : NULL;
}

LOCKED_OP(tag_resource, op_tag_resource)
LOCKED_OP(untag_resource, op_untag_resource)
LOCKED_OP(list_tags, op_list_tags)

/* Publish fans out without db->mu: deliveries take it. Clients and other services (S3
 * notifications, destinations, EventBridge targets) alike. */
static cJSON *publish(struct svc_call *call, const cJSON *in, struct aws_err *e)
{
	if (!own_resources(call, in, e))
		return NULL;
	struct cloud *c = call->cloud;
	char acct[13], name[257];
	const char *message = query_str(in, "Message");
	const char *subject = query_str(in, "Subject");
	const char *structure = query_str(in, "MessageStructure");
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(in, "MessageAttributes");
	cJSON *per_protocol = NULL;
	pthread_mutex_lock(&c->db->mu);
	bool ok = request_topic(c, in, acct, name, e);
	pthread_mutex_unlock(&c->db->mu);
	ok = ok && check_publish(message, subject, e) && check_attrs(attrs, e);
	if (ok && structure && strcmp(structure, "json") == 0) {
		per_protocol = cJSON_ParseWithOpts(message, NULL, true);
		const char *def = query_str(per_protocol, "default");
		if (!cJSON_IsObject(per_protocol))
			ok = INVALID(e, "Invalid parameter: Message Structure - JSON message body "
					"failed to parse");
		else if (!def)
			ok = INVALID(e,
				     "Invalid parameter: Message Structure - No default entry in "
				     "JSON message body");
		else
			message = def;
	}
	cJSON *out = NULL;
	if (ok) {
		char id[37], tarn[320];
		aws_uuid(id);
		topic_arn(acct, name, tarn, sizeof(tarn));
		fan_out(c, acct, tarn, subject, message, attrs, id, call->caller->trace);
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "MessageId", id);
	}
	cJSON_Delete(per_protocol);
	return out;
}

#define SNS_BATCH_MAX 10

/* PublishBatch's entries, checked as SNS does before it publishes any: false with err. */
static bool check_batch(const cJSON *entries, struct aws_err *e)
{
	int n = cJSON_GetArraySize(entries);
	if (!cJSON_IsArray(entries) || n == 0)
		return aws_err_set(e, 400, "EmptyBatchRequest",
				   "The batch request doesn't contain any entries.");
	if (n > SNS_BATCH_MAX)
		return aws_err_set(e, 400, "TooManyEntriesInBatchRequest",
				   "The batch request contains more entries than permissible.");
	size_t total = 0;
	const cJSON *x;
	cJSON_ArrayForEach(x, entries)
	{
		const char *id = query_str(x, "Id");
		if (!id || !id[0])
			return INVALID(e, "Invalid parameter: Id");
		if (strlen(id) > 80)
			return aws_err_set(
				e, 400, "InvalidBatchEntryId",
				"The Id of a batch entry in the batch request is too long: "
				"%s",
				id);
		for (const char *p = id; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
				return aws_err_set(e, 400, "InvalidBatchEntryId",
						   "The Id of a batch entry in the batch request "
						   "contains an impermissible character: %s",
						   id);
		for (const cJSON *y = entries->child; y != x; y = y->next)
			if (strcmp(query_str(y, "Id"), id) == 0)
				return aws_err_set(e, 400, "BatchEntryIdsNotDistinct",
						   "Two or more batch entries in the request have "
						   "the same Id.");
		const char *message = query_str(x, "Message");
		total += message ? strlen(message) : 0;
	}
	if (total > SNS_MESSAGE_MAX)
		return aws_err_set(e, 400, "BatchRequestTooLong",
				   "The length of all the messages put together is more than the "
				   "limit.");
	cJSON_ArrayForEach(x, entries)
	{
		const char *message = query_str(x, "Message");
		if (!check_publish(message, query_str(x, "Subject"), e) ||
		    !check_attrs(cJSON_GetObjectItemCaseSensitive(x, "MessageAttributes"), e))
			return false;
		const char *structure = query_str(x, "MessageStructure");
		if (structure && strcmp(structure, "json") == 0) {
			cJSON *per = cJSON_Parse(message);
			bool has = query_str(per, "default") != NULL;
			cJSON_Delete(per);
			if (!has)
				return INVALID(e,
					       "Invalid parameter: Message Structure - No default "
					       "entry in JSON message body");
		}
	}
	return true;
}

/* PublishBatch: up to ten messages to one topic, each fanned out as Publish does. */
static cJSON *publish_batch(struct svc_call *call, const cJSON *in, struct aws_err *e)
{
	if (!own_resources(call, in, e))
		return NULL;
	struct cloud *c = call->cloud;
	char acct[13], name[257], tarn[320];
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(in, "PublishBatchRequestEntries");
	pthread_mutex_lock(&c->db->mu);
	bool ok = request_topic(c, in, acct, name, e);
	pthread_mutex_unlock(&c->db->mu);
	if (!ok || !check_batch(entries, e))
		return NULL;
	topic_arn(acct, name, tarn, sizeof(tarn));
	cJSON *out = cJSON_CreateObject();
	cJSON *good = cJSON_AddArrayToObject(out, "Successful");
	cJSON_AddArrayToObject(out, "Failed");
	const cJSON *x;
	cJSON_ArrayForEach(x, entries)
	{
		const char *message = query_str(x, "Message");
		const char *structure = query_str(x, "MessageStructure");
		cJSON *per =
			structure && strcmp(structure, "json") == 0 ? cJSON_Parse(message) : NULL;
		if (per)
			message = query_str(per, "default");
		char id[37];
		aws_uuid(id);
		fan_out(c, acct, tarn, query_str(x, "Subject"), message,
			cJSON_GetObjectItemCaseSensitive(x, "MessageAttributes"), id,
			call->caller->trace);
		cJSON_Delete(per);
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "Id", query_str(x, "Id"));
		cJSON_AddStringToObject(r, "MessageId", id);
		cJSON_AddItemToArray(good, r);
	}
	return out;
}

void sns_mailbox(struct cloud *c, const char *account, const struct http_req *req,
		 struct http_resp *resp)
{
	const char *address = http_query(req, "address");
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "messages");
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT address, topic, subject, message, message_id, ts"
			       " FROM sns_mailbox WHERE account=? AND (?2 IS NULL OR address=?2)"
			       " ORDER BY seq");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	if (address)
		sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "address", (const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(m, "topicArn", (const char *)sqlite3_column_text(st, 1));
		cJSON_AddStringToObject(m, "subject", (const char *)sqlite3_column_text(st, 2));
		cJSON_AddStringToObject(m, "message", (const char *)sqlite3_column_text(st, 3));
		cJSON_AddStringToObject(m, "messageId", (const char *)sqlite3_column_text(st, 4));
		char iso[32];
		aws_time_iso(sqlite3_column_int64(st, 5), iso);
		cJSON_AddStringToObject(m, "timestamp", iso);
		cJSON_AddItemToArray(arr, m);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	strbuf_addstr(&resp->body, text);
	free(text);
}

static const struct svc_op ops[] = {
	{ "AddPermission", add_permission },
	{ "CreateTopic", create_topic },
	{ "DeleteTopic", delete_topic },
	{ "GetSubscriptionAttributes", get_sub_attrs },
	{ "GetTopicAttributes", get_topic_attrs },
	{ "ListSubscriptions", list_subs },
	{ "ListSubscriptionsByTopic", list_subs_by_topic },
	{ "ListTagsForResource", list_tags },
	{ "ListTopics", list_topics },
	{ "Publish", publish },
	{ "PublishBatch", publish_batch },
	{ "RemovePermission", remove_permission },
	{ "SetSubscriptionAttributes", set_sub_attrs },
	{ "SetTopicAttributes", set_topic_attrs },
	{ "Subscribe", subscribe },
	{ "TagResource", tag_resource },
	{ "Unsubscribe", unsubscribe },
	{ "UntagResource", untag_resource },
};

static const char *const migrations[] = {
	/* 0 -> 1: the tables that used to be created at start. */
	"CREATE TABLE IF NOT EXISTS sns_topics(account TEXT NOT NULL, name TEXT NOT NULL,"
	" attrs TEXT NOT NULL, created INTEGER NOT NULL, PRIMARY KEY(account, name)) STRICT;"
	"CREATE TABLE IF NOT EXISTS sns_subscriptions(arn TEXT PRIMARY KEY,"
	" account TEXT NOT NULL, topic TEXT NOT NULL, protocol TEXT NOT NULL,"
	" endpoint TEXT NOT NULL, attrs TEXT NOT NULL) STRICT;"
	"CREATE INDEX IF NOT EXISTS sns_subscriptions_by_topic ON sns_subscriptions(topic);"
	"CREATE TABLE IF NOT EXISTS sns_mailbox(seq INTEGER PRIMARY KEY,"
	" account TEXT NOT NULL, address TEXT NOT NULL, topic TEXT NOT NULL,"
	" subject TEXT NOT NULL, message TEXT NOT NULL, message_id TEXT NOT NULL,"
	" ts INTEGER NOT NULL) STRICT;",
	/* 1 -> 2: a topic's tags (an object of key to value). */
	"ALTER TABLE sns_topics ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';",
};

static void reset(struct cloud *c, const char *account)
{
	static const char *const sqls[] = { "DELETE FROM sns_subscriptions WHERE account=?",
					    "DELETE FROM sns_topics WHERE account=?",
					    "DELETE FROM sns_mailbox WHERE account=?" };
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

extern const struct cloud_service sns_service;

/* An unsigned form without a Version is SNS's when it names one of SNS's operations. */
static bool claims(const struct svc_route_in *in)
{
	const struct proto_service *ps = svc_model(&sns_service);
	return in->action && ps && proto_op_find(ps, in->action);
}

static void mailbox_door(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	if (rest[0]) {
		aws_error(resp, 404, "UnknownOperationException", "Unknown tutor path %s",
			  call->http->path);
		return;
	}
	sns_mailbox(call->cloud, call->caller->account, call->http, resp);
}

static const struct svc_door doors[] = {
	{ .prefix = "/_tutor/mailbox", .control = true, .serve = mailbox_door },
};

/* Checked by the handler, in SNS's own words. */
static const char *const unchecked[] = {
	"Unsubscribe.SubscriptionArn",
	NULL,
};

/* The topic's Policy attribute for the router's authorization (svc.h's resource_policy). */
static bool topic_policy(struct cloud *c, const char *arn, char *owner, char **policy)
{
	char name[257];
	*policy = NULL;
	if (!arn_sns_topic(arn, owner, name, sizeof(name)) ||
	    !svc_attrs_policy(c, "sns_topics", owner, name, policy))
		return false;
	if (!*policy)
		*policy = default_policy(owner, arn);
	return true;
}

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const sns_members[] = {
	"AddPermission AWSAccountId ActionName Label TopicArn",
	"CreateTopic Attributes -DataProtectionPolicy Name Tags",
	"DeleteTopic TopicArn",
	"GetSubscriptionAttributes SubscriptionArn",
	"GetTopicAttributes TopicArn",
	"ListSubscriptions -NextToken",
	"ListSubscriptionsByTopic -NextToken TopicArn",
	"ListTagsForResource ResourceArn",
	"ListTopics -NextToken",
	"Publish Message MessageAttributes -MessageDeduplicationId -MessageGroupId "
	"MessageStructure -PhoneNumber Subject TargetArn TopicArn",
	"PublishBatch PublishBatchRequestEntries TopicArn",
	"RemovePermission Label TopicArn",
	"SetSubscriptionAttributes AttributeName AttributeValue SubscriptionArn",
	"SetTopicAttributes AttributeName AttributeValue TopicArn",
	/* Every subscription is confirmed at once: its ARN is the answer either way. */
	"Subscribe Attributes Endpoint Protocol ReturnSubscriptionArn TopicArn",
	"TagResource ResourceArn Tags",
	"Unsubscribe SubscriptionArn",
	"UntagResource ResourceArn TagKeys",
	NULL,
};

const struct cloud_service sns_service = {
	.name = "sns",
	.model = "sns-2010-03-31",
	.title = "Amazon SNS",
	.query_version = "2010-03-31",
	.claims = claims,
	.reset_account = reset,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = sns_members,
	.unchecked = unchecked,
	.doors = doors,
	.ndoors = sizeof(doors) / sizeof(doors[0]),
	.resource_policy = topic_policy,
};
