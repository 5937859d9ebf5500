/*
 * SQS: queues and messages in the cloud's database, one implementation behind two protocols.
 * Every operation reads a request in the JSON protocol's shape (the query protocol's form is
 * folded into it) and answers a JSON object that is sent as is, or rendered as SQS's XML.
 */
#include "cloud/sqs/sqs.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/clock/vclock.h"
#include "cloud/http/aws.h"
#include "cloud/iam/policy.h"
#include "cloud/proto/proto.h"
#include "cloud/query/query.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "cloud/svc/policy.h"
#include "cloud/svc/svc.h"
#include "core/digest.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define SQS_BATCH_MAX   10
#define SQS_MESSAGE_MAX 1048576 /* 1 MiB since August 2025, and the default */
/* FIFO queues: the deduplication interval, and the longest group or deduplication id. */
#define SQS_DEDUP_MS    (5 * 60 * 1000)
#define SQS_FIFO_ID_MAX 128

struct sqs_svc {
	pthread_mutex_t mu;
	pthread_cond_t cond; /* broadcast on every send and visibility change */
	unsigned activity;
	bool stopping;
	cJSON *purged; /* "ACCOUNT/NAME": when the queue was last purged, on its account's clock;
			* under c->db->mu */
};

/* Errors are the model's names where it has one (proto answers the query protocol, and
 * x-amzn-query-error, with its awsQueryError code), else the query protocol's own code. */
#define BAD_VALUE(e, ...) aws_err_set(e, 400, "InvalidParameterValue", __VA_ARGS__)
#define MISSING(e, name) \
	aws_err_set(e, 400, "MissingParameter", "The request must contain the parameter %s.", name)
#define NO_QUEUE(e) aws_err_set(e, 400, "QueueDoesNotExist", "The specified queue does not exist.")

/* A queue, as loaded from the database. */
struct queue {
	char account[13];
	char name[81];
	cJSON *attrs; /* strings */
	long long created, modified;
};

static void queue_release(struct queue *q)
{
	cJSON_Delete(q->attrs);
	q->attrs = NULL;
}

static long long attr_int(const struct queue *q, const char *name, long long def)
{
	const char *s = query_str(q->attrs, name);
	return s ? strtoll(s, NULL, 10) : def;
}

static struct sqs_svc *svc(struct cloud *c)
{
	return c->sqs;
}

static void poke(struct cloud *c)
{
	struct sqs_svc *s = svc(c);
	pthread_mutex_lock(&s->mu);
	s->activity++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

/* The virtual time of an account's clock: its queues' visibility, delays and retention. */
static int64_t now_ms(struct cloud *c, const char *account)
{
	return vclock_now_ms(c->vclock, account);
}

/* Database access; the caller holds c->db->mu. */
static bool queue_load(struct cloud *c, const char *account, const char *name, struct queue *q)
{
	sqlite3_stmt *st = db_stmt(c->db, "SELECT attrs, created, modified FROM sqs_queues"
					  " WHERE account=? AND name=?");
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		snprintf(q->account, sizeof(q->account), "%s", account);
		snprintf(q->name, sizeof(q->name), "%s", name);
		q->attrs = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
		if (!q->attrs)
			q->attrs = cJSON_CreateObject();
		q->created = sqlite3_column_int64(st, 1);
		q->modified = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return found;
}

static bool queue_save(struct cloud *c, const struct queue *q)
{
	/* An upsert, not a replace: the row's tags stay. */
	sqlite3_stmt *st = db_prep(c->db, "INSERT INTO sqs_queues(account, name, attrs, created,"
					  " modified) VALUES(?,?,?,?,?) ON CONFLICT(account, name)"
					  " DO UPDATE SET attrs=excluded.attrs,"
					  " created=excluded.created, modified=excluded.modified");
	if (!st)
		return false;
	char *text = cJSON_PrintUnformatted(q->attrs);
	sqlite3_bind_text(st, 1, q->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, q->created);
	sqlite3_bind_int64(st, 5, q->modified);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	free(text);
	return ok;
}

/* The queue's tags (an object; caller deletes). Caller holds db->mu. */
static cJSON *tags_load(struct cloud *c, const struct queue *q)
{
	cJSON *tags = NULL;
	sqlite3_stmt *st = db_prep(c->db, "SELECT tags FROM sqs_queues WHERE account=? AND name=?");
	if (st) {
		sqlite3_bind_text(st, 1, q->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, q->name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			tags = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return cJSON_IsObject(tags) ? tags : (cJSON_Delete(tags), cJSON_CreateObject());
}

static bool tags_save(struct cloud *c, const struct queue *q, const cJSON *tags)
{
	sqlite3_stmt *st =
		db_prep(c->db, "UPDATE sqs_queues SET tags=? WHERE account=? AND name=?");
	if (!st)
		return false;
	char *text = cJSON_PrintUnformatted(tags);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, q->name, -1, SQLITE_STATIC);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	free(text);
	return ok;
}

/*
 * Whether add (a map, as TagQueue's Tags and CreateQueue's tags) holds tags SQS takes: a key
 * of 1 to 128 characters, a value of at most 256 (SQS's quotas). False fills e.
 */
static bool tags_valid(const cJSON *add, struct aws_err *e)
{
	if (!cJSON_IsObject(add))
		return MISSING(e, "Tags");
	const cJSON *t;
	cJSON_ArrayForEach(t, add)
	{
		size_t kl = strlen(t->string);
		if (kl < 1 || kl > 128 || !cJSON_IsString(t) || strlen(t->valuestring) > 256)
			return BAD_VALUE(e,
					 "Tag keys must be 1 to 128 characters and values at most "
					 "256: %s",
					 t->string);
	}
	if (cJSON_GetArraySize(add) > 50)
		return BAD_VALUE(e, "Too many tags added: a queue holds at most 50.");
	return true;
}

/* Add the tags of add to the queue's, a new value replacing an old one of the same key; a
 * queue holds at most 50. */
static bool tags_add(struct cloud *c, const struct queue *q, const cJSON *add, struct aws_err *e)
{
	if (!tags_valid(add, e))
		return false;
	cJSON *tags = tags_load(c, q);
	const cJSON *t;
	cJSON_ArrayForEach(t, add)
	{
		cJSON_DeleteItemFromObjectCaseSensitive(tags, t->string);
		cJSON_AddStringToObject(tags, t->string, t->valuestring);
	}
	bool ok = true;
	if (cJSON_GetArraySize(tags) > 50)
		ok = BAD_VALUE(e, "Too many tags added: a queue holds at most 50.");
	else if (!tags_save(c, q, tags))
		ok = aws_err_set(e, 500, "InternalError", "The queue's tags could not be stored.");
	cJSON_Delete(tags);
	return ok;
}

static void queue_url(struct cloud *c, const char *account, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/%s/%s", c->endpoint, account, name);
}

static void queue_arn(const char *account, const char *name, char *out, size_t n)
{
	snprintf(out, n, "arn:aws:sqs:%s:%s:%s", AWS_REGION_NAME, account, name);
}

/* Split an ARN arn:aws:sqs:REGION:ACCOUNT:NAME. */
static bool parse_arn(const char *arn, char account[13], char name[81])
{
	if (!arn || !str_starts_with(arn, "arn:aws:sqs:"))
		return false;
	const char *p = arn + strlen("arn:aws:sqs:");
	const char *colon = strchr(p, ':');
	if (!colon)
		return false;
	const char *acct = colon + 1;
	colon = strchr(acct, ':');
	if (!colon || colon - acct != 12 || !colon[1] || strlen(colon + 1) > 80)
		return false;
	memcpy(account, acct, 12);
	account[12] = '\0';
	snprintf(name, 81, "%s", colon + 1);
	return true;
}

/* The account and name in a queue URL (its last two path segments). */
static bool parse_url(const char *url, char account[13], char name[81])
{
	if (!url || !url[0])
		return false;
	const char *scheme = strstr(url, "://");
	const char *path = scheme ? strchr(scheme + 3, '/') : url;
	if (!path)
		return false;
	while (*path == '/')
		path++;
	const char *slash = strchr(path, '/');
	if (!slash || slash - path != 12 || !slash[1] || strchr(slash + 1, '/') ||
	    strlen(slash + 1) > 80)
		return false;
	memcpy(account, path, 12);
	account[12] = '\0';
	snprintf(name, 81, "%s", slash + 1);
	return true;
}

static bool valid_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 80)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

/* The queue a request names in QueueUrl. */
static bool request_queue(struct cloud *c, const cJSON *in, struct queue *q, struct aws_err *e)
{
	const char *url = query_str(in, "QueueUrl");
	if (!url)
		return MISSING(e, "QueueUrl");
	char account[13], name[81];
	if (!parse_url(url, account, name))
		return aws_err_set(e, 400, "InvalidAddress",
				   "The address %s is not valid for this endpoint.", url);
	if (!queue_load(c, account, name, q))
		return NO_QUEUE(e);
	return true;
}

struct attr_rule {
	const char *name;
	long long lo, hi;
	const char *def;
};

static const struct attr_rule rules[] = {
	{ "DelaySeconds", 0, 900, "0" },
	{ "MaximumMessageSize", 1024, 1048576, "1048576" },
	{ "MessageRetentionPeriod", 60, 1209600, "345600" },
	{ "ReceiveMessageWaitTimeSeconds", 0, 20, "0" },
	{ "VisibilityTimeout", 0, 43200, "30" },
	{ "KmsDataKeyReusePeriodSeconds", 60, 86400, NULL },
	{ NULL, 0, 0, NULL },
};

static const char *const free_attrs[] = {
	"Policy",         "RedrivePolicy",        "RedriveAllowPolicy",
	"KmsMasterKeyId", "SqsManagedSseEnabled", NULL
};

/* A FIFO queue's own attributes, with the values each accepts (the first is the default). */
static const struct fifo_attr {
	const char *name;
	const char *values[3];
} fifo_attrs[] = {
	{ "FifoQueue", { "true", NULL } },
	{ "ContentBasedDeduplication", { "false", "true", NULL } },
	{ "DeduplicationScope", { "messageQueue", "messageGroup", NULL } },
	{ "FifoThroughputLimit", { "perQueue", "perMessageGroupId", NULL } },
	{ NULL, { NULL } },
};

/* FIFO queues are named NAME.fifo (and only they may have a dot in their names). */
static bool name_is_fifo(const char *name)
{
	return str_ends_with(name, ".fifo");
}

static bool is_fifo(const struct queue *q)
{
	return name_is_fifo(q->name);
}

static const struct fifo_attr *find_fifo_attr(const char *name)
{
	for (const struct fifo_attr *f = fifo_attrs; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static bool check_redrive(struct cloud *c, const struct queue *q, const char *text,
			  struct aws_err *e)
{
	if (!text[0])
		return true;
	cJSON *o = cJSON_Parse(text);
	const char *target = query_str(o, "deadLetterTargetArn");
	long long max = 0;
	bool given = false;
	bool ok = cJSON_IsObject(o) && query_int(o, "maxReceiveCount", &max, &given);
	char account[13], name[81];
	struct queue dlq = { 0 };
	if (!ok || !target || !given)
		ok = BAD_VALUE(e,
			       "Value %s for parameter RedrivePolicy is invalid. Reason: "
			       "Redrive policy is not a valid JSON map with "
			       "deadLetterTargetArn and maxReceiveCount.",
			       text);
	else if (max < 1 || max > 1000)
		ok = BAD_VALUE(e,
			       "Value %s for parameter RedrivePolicy is invalid. Reason: "
			       "Invalid value for maxReceiveCount: %lld, valid values are from "
			       "1 to 1000 both inclusive.",
			       text, max);
	else if (!parse_arn(target, account, name) || !queue_load(c, account, name, &dlq))
		ok = aws_err_set(e, 400, "AWS.SimpleQueueService.NonExistentQueue",
				 "Value %s for parameter RedrivePolicy is invalid. Reason: "
				 "Dead-letter target does not exist.",
				 text);
	else if (name_is_fifo(name) != is_fifo(q))
		ok = BAD_VALUE(e,
			       "Value %s for parameter RedrivePolicy is invalid. Reason: "
			       "Dead-letter queue must be same type of queue as the source.",
			       text);
	queue_release(&dlq);
	cJSON_Delete(o);
	return ok;
}

/*
 * Check attrs (a map of strings) and merge them into q; create says whether the queue is being
 * created (its type is set then, and only then).
 */
static bool apply_attrs(struct cloud *c, struct queue *q, const cJSON *attrs, bool create,
			struct aws_err *e)
{
	if (attrs && !cJSON_IsObject(attrs))
		return BAD_VALUE(e, "Attributes must be a map of strings.");
	const cJSON *a;
	cJSON_ArrayForEach(a, attrs)
	{
		if (!cJSON_IsString(a))
			return BAD_VALUE(e, "Value for attribute %s must be a string.", a->string);
		bool known = false;
		for (const struct attr_rule *r = rules; r->name; r++) {
			if (strcmp(r->name, a->string) != 0)
				continue;
			known = true;
			char *end;
			long long v = strtoll(a->valuestring, &end, 10);
			if (!a->valuestring[0] || *end || v < r->lo || v > r->hi)
				return aws_err_set(e, 400, "InvalidAttributeValue",
						   "Invalid value for the parameter %s.", r->name);
		}
		for (const char *const *f = free_attrs; *f && !known; f++)
			known = strcmp(*f, a->string) == 0;
		if (strcmp(a->string, "Policy") == 0 && a->valuestring[0]) {
			/* A queue policy is a resource-based policy IAM would read. */
			char msg[256];
			struct iam_policy *p = iam_policy_parse(a->valuestring, IAM_POLICY_RESOURCE,
								msg, sizeof(msg));
			iam_policy_free(p);
			if (!p)
				return aws_err_set(e, 400, "InvalidAttributeValue",
						   "Invalid value for the parameter Policy.");
		}
		const struct fifo_attr *fa = find_fifo_attr(a->string);
		/* A standard queue says FifoQueue=false, or nothing; the rest are FIFO's. */
		bool fifo_only = fa && strcmp(fa->name, "FifoQueue") != 0;
		if (!known && fifo_only && !is_fifo(q) &&
		    (strcmp(a->string, "DeduplicationScope") == 0 ||
		     strcmp(a->string, "FifoThroughputLimit") == 0))
			return aws_err_set(e, 400, "InvalidAttributeName",
					   "You can specify the %s only when FifoQueue is set to "
					   "true.",
					   a->string);
		if (!known && (!fa || (fifo_only && !is_fifo(q)) || (!create && !is_fifo(q))))
			return aws_err_set(e, 400, "InvalidAttributeName", "Unknown Attribute %s.",
					   a->string);
		if (fa && !fifo_only && !create)
			return aws_err_set(
				e, 400, "InvalidAttributeValue",
				"Invalid value for the parameter FifoQueue. Reason: Modifying "
				"queue type is not supported.");
		bool valid = !fa || (!fifo_only && strcmp(a->valuestring, "false") == 0);
		for (const char *const *v = fa ? fa->values : NULL; v && *v && !valid; v++)
			valid = strcmp(*v, a->valuestring) == 0;
		if (!valid)
			return aws_err_set(e, 400, "InvalidAttributeValue",
					   "Invalid value for the parameter %s.", a->string);
		if (strcmp(a->string, "RedrivePolicy") == 0 &&
		    !check_redrive(c, q, a->valuestring, e))
			return false;
	}
	cJSON_ArrayForEach(a, attrs)
	{
		cJSON_DeleteItemFromObjectCaseSensitive(q->attrs, a->string);
		/* A standard queue keeps no FifoQueue=false: AWS shows it no FIFO attribute. */
		if (strcmp(a->string, "FifoQueue") == 0 && !is_fifo(q))
			continue;
		if (a->valuestring[0] || strcmp(a->string, "RedrivePolicy") != 0)
			cJSON_AddStringToObject(q->attrs, a->string, a->valuestring);
	}
	return true;
}

static bool op_create(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
		      struct aws_err *e)
{
	const char *name = query_str(in, "QueueName");
	if (!name)
		return MISSING(e, "QueueName");
	/* The type is the name's and the FifoQueue attribute's, and the two must agree. */
	const cJSON *given = cJSON_GetObjectItemCaseSensitive(in, "Attributes");
	const char *fifo_attr = query_str(given, "FifoQueue");
	bool fifo = name_is_fifo(name);
	if (fifo_attr && strcmp(fifo_attr, "true") != 0 && strcmp(fifo_attr, "false") != 0)
		return aws_err_set(e, 400, "InvalidAttributeValue",
				   "Invalid value for the parameter FifoQueue.");
	if (fifo || (fifo_attr && strcmp(fifo_attr, "true") == 0)) {
		size_t n = strlen(name);
		char base[81];
		snprintf(base, sizeof(base), "%.*s", n > 5 ? (int)(n - 5) : 0, name);
		if (!fifo || !fifo_attr || strcmp(fifo_attr, "true") != 0 || n > 80 ||
		    !valid_name(base))
			return BAD_VALUE(e,
					 "The name of a FIFO queue can only include alphanumeric "
					 "characters, hyphens, or underscores, must end with .fifo "
					 "suffix and be 1 to 80 in length.");
	} else if (!valid_name(name)) {
		return BAD_VALUE(e, "Can only include alphanumeric characters, hyphens, or "
				    "underscores. 1 to 80 in length");
	}
	struct queue want = { 0 };
	snprintf(want.account, sizeof(want.account), "%s", account);
	snprintf(want.name, sizeof(want.name), "%s", name);
	want.attrs = cJSON_CreateObject();
	for (const struct attr_rule *r = rules; r->name; r++)
		if (r->def)
			cJSON_AddStringToObject(want.attrs, r->name, r->def);
	for (const struct fifo_attr *f = fifo_attrs; fifo && f->name; f++)
		cJSON_AddStringToObject(want.attrs, f->name, f->values[0]);
	bool ok = apply_attrs(c, &want, given, true, e);
	struct queue have = { 0 };
	if (ok && queue_load(c, account, name, &have)) {
		const cJSON *a;
		cJSON_ArrayForEach(a, want.attrs)
		{
			const char *v = query_str(have.attrs, a->string);
			if (ok && (!v || strcmp(v, a->valuestring) != 0))
				ok = aws_err_set(e, 400, "QueueNameExists",
						 "A queue already exists with the same name and a "
						 "different value for attribute %s",
						 a->string);
		}
	} else if (ok) {
		/* A new queue's tags; an existing queue keeps its own, as SQS does. */
		const cJSON *tags = cJSON_GetObjectItemCaseSensitive(in, "tags");
		want.created = want.modified = now_ms(c, want.account) / 1000;
		ok = (!tags || tags_valid(tags, e)) &&
		     (queue_save(c, &want) ||
		      aws_err_set(e, 500, "InternalError", "The queue could not be stored."));
		if (ok && tags)
			ok = tags_add(c, &want, tags, e);
	}
	if (ok) {
		char url[256];
		queue_url(c, account, name, url, sizeof(url));
		cJSON_AddStringToObject(out, "QueueUrl", url);
	}
	queue_release(&want);
	queue_release(&have);
	return ok;
}

static bool op_get_url(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
		       struct aws_err *e)
{
	const char *name = query_str(in, "QueueName");
	const char *owner = query_str(in, "QueueOwnerAWSAccountId");
	if (!name)
		return MISSING(e, "QueueName");
	if (owner && strlen(owner) == 12)
		account = owner;
	struct queue q = { 0 };
	if (!queue_load(c, account, name, &q))
		return NO_QUEUE(e);
	queue_release(&q);
	char url[256];
	queue_url(c, account, name, url, sizeof(url));
	cJSON_AddStringToObject(out, "QueueUrl", url);
	return true;
}

static bool op_list(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
		    struct aws_err *e)
{
	const char *prefix = query_str(in, "QueueNamePrefix");
	long long max = 1000;
	bool given = false;
	if (!query_int(in, "MaxResults", &max, &given) || max < 1 || max > 1000)
		return BAD_VALUE(e, "Value for parameter MaxResults is invalid. Reason: must be "
				    "between 1 and 1000.");
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT name FROM sqs_queues WHERE account=? ORDER BY name");
	if (!st)
		return aws_err_set(e, 500, "InternalError", "The queues could not be read.");
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	cJSON *urls = cJSON_CreateArray();
	long long count = 0;
	while (sqlite3_step(st) == SQLITE_ROW && count < max) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (prefix && !str_starts_with(name, prefix))
			continue;
		char url[256];
		queue_url(c, account, name, url, sizeof(url));
		cJSON_AddItemToArray(urls, cJSON_CreateString(url));
		count++;
	}
	sqlite3_finalize(st);
	if (count)
		cJSON_AddItemToObject(out, "QueueUrls", urls);
	else
		cJSON_Delete(urls);
	return true;
}

/* Forget a queue's deduplication and receive attempt ids (it is deleted or purged). */
static void forget_queue_ids(struct cloud *c, const struct queue *q)
{
	static const char *const sqls[] = {
		"DELETE FROM sqs_dedup WHERE account=? AND queue=?",
		"DELETE FROM sqs_attempts WHERE account=? AND queue=?"
	};
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = db_prep(c->db, sqls[i]);
		if (st) {
			sqlite3_bind_text(st, 1, q->account, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, q->name, -1, SQLITE_STATIC);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
	}
}

/* Forget when a queue (or, with name NULL, every queue of account) was last purged; the
 * caller holds c->db->mu. */
static void forget_purge(struct cloud *c, const char *account, const char *name)
{
	struct sqs_svc *s = c->sqs;
	cJSON *it = s->purged ? s->purged->child : NULL;
	size_t alen = strlen(account);
	while (it) {
		cJSON *next = it->next;
		if (strncmp(it->string, account, alen) == 0 && it->string[alen] == '/' &&
		    (!name || strcmp(it->string + alen + 1, name) == 0))
			cJSON_Delete(cJSON_DetachItemViaPointer(s->purged, it));
		it = next;
	}
}

static bool op_delete_queue(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			    struct aws_err *e)
{
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	sqlite3_stmt *st = db_prep(c->db, "DELETE FROM sqs_messages WHERE account=? AND queue=?");
	sqlite3_bind_text(st, 1, q.account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q.name, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	forget_queue_ids(c, &q);
	forget_purge(c, q.account, q.name);
	st = db_prep(c->db, "DELETE FROM sqs_queues WHERE account=? AND name=?");
	sqlite3_bind_text(st, 1, q.account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q.name, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	queue_release(&q);
	(void)account;
	(void)out;
	return true;
}

static bool op_purge(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
		     struct aws_err *e)
{
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	struct sqs_svc *s = c->sqs;
	char key[96];
	snprintf(key, sizeof(key), "%s/%s", q.account, q.name);
	int64_t now = now_ms(c, q.account);
	const cJSON *last = cJSON_GetObjectItemCaseSensitive(s->purged, key);
	bool busy = cJSON_IsNumber(last) && now - (int64_t)last->valuedouble < 60000;
	if (!busy) {
		if (!s->purged)
			s->purged = cJSON_CreateObject();
		cJSON_DeleteItemFromObjectCaseSensitive(s->purged, key);
		cJSON_AddNumberToObject(s->purged, key, (double)now);
	}
	if (busy) {
		aws_err_set(e, 403, "PurgeQueueInProgress",
			    "Only one PurgeQueue operation on %s is allowed every 60 seconds.",
			    q.name);
		queue_release(&q);
		return false;
	}
	sqlite3_stmt *st = db_prep(c->db, "DELETE FROM sqs_messages WHERE account=? AND queue=?");
	sqlite3_bind_text(st, 1, q.account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q.name, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	/* A purged FIFO queue forgets its deduplication ids too: a message sent again is new. */
	forget_queue_ids(c, &q);
	queue_release(&q);
	(void)account;
	(void)out;
	return true;
}

static long long count_where(struct cloud *c, const struct queue *q, const char *cond, int64_t now)
{
	char *sql = xasprintf(
		"SELECT count(*) FROM sqs_messages WHERE account=? AND queue=? AND %s", cond);
	sqlite3_stmt *st = db_prep(c->db, sql);
	free(sql);
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, q->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return n;
}

static bool wants(const cJSON *names, const char *name)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, names)
	{
		if (cJSON_IsString(it) &&
		    (strcmp(it->valuestring, "All") == 0 || strcmp(it->valuestring, name) == 0))
			return true;
	}
	return false;
}

static const char *const computed_attrs[] = { "QueueArn",
					      "ApproximateNumberOfMessages",
					      "ApproximateNumberOfMessagesNotVisible",
					      "ApproximateNumberOfMessagesDelayed",
					      "CreatedTimestamp",
					      "LastModifiedTimestamp",
					      NULL };

static bool op_get_attrs(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			 struct aws_err *e)
{
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(in, "AttributeNames");
	const cJSON *it;
	cJSON_ArrayForEach(it, names)
	{
		bool known = cJSON_IsString(it) && strcmp(it->valuestring, "All") == 0;
		for (const struct attr_rule *r = rules; !known && r->name; r++)
			known = cJSON_IsString(it) && strcmp(r->name, it->valuestring) == 0;
		for (const char *const *f = free_attrs; !known && *f; f++)
			known = cJSON_IsString(it) && strcmp(*f, it->valuestring) == 0;
		for (const char *const *f = computed_attrs; !known && *f; f++)
			known = cJSON_IsString(it) && strcmp(*f, it->valuestring) == 0;
		known = known || (cJSON_IsString(it) && find_fifo_attr(it->valuestring));
		if (!known) {
			queue_release(&q);
			return aws_err_set(e, 400, "InvalidAttributeName", "Unknown Attribute %s.",
					   cJSON_IsString(it) ? it->valuestring : "");
		}
	}
	int64_t now = now_ms(c, q.account);
	cJSON *attrs = cJSON_CreateObject();
	char buf[256];
	if (wants(names, "QueueArn")) {
		queue_arn(q.account, q.name, buf, sizeof(buf));
		cJSON_AddStringToObject(attrs, "QueueArn", buf);
	}
	struct {
		const char *name, *cond;
	} counts[] = {
		{ "ApproximateNumberOfMessages", "visible <= ?3 AND receives >= 0" },
		{ "ApproximateNumberOfMessagesNotVisible", "visible > ?3 AND receives > 0" },
		{ "ApproximateNumberOfMessagesDelayed", "visible > ?3 AND receives = 0" },
	};
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (!wants(names, counts[i].name))
			continue;
		snprintf(buf, sizeof(buf), "%lld", count_where(c, &q, counts[i].cond, now));
		cJSON_AddStringToObject(attrs, counts[i].name, buf);
	}
	if (wants(names, "CreatedTimestamp")) {
		snprintf(buf, sizeof(buf), "%lld", q.created);
		cJSON_AddStringToObject(attrs, "CreatedTimestamp", buf);
	}
	if (wants(names, "LastModifiedTimestamp")) {
		snprintf(buf, sizeof(buf), "%lld", q.modified);
		cJSON_AddStringToObject(attrs, "LastModifiedTimestamp", buf);
	}
	cJSON_ArrayForEach(it, q.attrs)
	{
		if (wants(names, it->string))
			cJSON_AddStringToObject(attrs, it->string, it->valuestring);
	}
	if (attrs->child)
		cJSON_AddItemToObject(out, "Attributes", attrs);
	else
		cJSON_Delete(attrs);
	queue_release(&q);
	(void)account;
	return true;
}

/* Save a queue whose attributes changed, as modified now. */
static void queue_touch(struct cloud *c, struct queue *q)
{
	q->modified = now_ms(c, q->account) / 1000;
	queue_save(c, q);
}

/* Store policy (borrowed) as the queue's Policy, or none when it holds no statement, and
 * save the queue. */
static void queue_store_policy(struct cloud *c, struct queue *q, const cJSON *policy)
{
	cJSON_DeleteItemFromObjectCaseSensitive(q->attrs, "Policy");
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(policy, "Statement"))) {
		char *doc = cJSON_PrintUnformatted(policy);
		cJSON_AddStringToObject(q->attrs, "Policy", doc);
		free(doc);
	}
	queue_touch(c, q);
}

static bool op_set_attrs(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			 struct aws_err *e)
{
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(in, "Attributes");
	bool ok = attrs ? apply_attrs(c, &q, attrs, false, e) : MISSING(e, "Attributes");
	if (ok)
		queue_touch(c, &q);
	queue_release(&q);
	(void)account;
	(void)out;
	return ok;
}

/* One string, or an array of them when there are several: how SQS writes a statement's
 * principals and actions. */
static cJSON *one_or_many(const cJSON *list, const char *prefix, const char *suffix)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *it;
	cJSON_ArrayForEach(it, list)
	{
		if (!cJSON_IsString(it))
			continue;
		char *v = xasprintf("%s%s%s", prefix, it->valuestring, suffix);
		cJSON_AddItemToArray(out, cJSON_CreateString(v));
		free(v);
	}
	if (cJSON_GetArraySize(out) == 1) {
		cJSON *only = cJSON_DetachItemFromArray(out, 0);
		cJSON_Delete(out);
		return only;
	}
	return out;
}

/* AddPermission: a statement named by its label in the queue's Policy (one SQS writes
 * itself, "QUEUE-ARN/SQSDefaultPolicy"). */
static bool op_add_permission(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			      struct aws_err *e)
{
	const char *label = query_str(in, "Label");
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(in, "AWSAccountIds");
	const cJSON *actions = cJSON_GetObjectItemCaseSensitive(in, "Actions");
	if (!label)
		return MISSING(e, "Label");
	if (!cJSON_GetArraySize(ids))
		return MISSING(e, "AWSAccountIds");
	if (!cJSON_GetArraySize(actions))
		return MISSING(e, "Actions");
	if (!label[0] || strlen(label) > 80 ||
	    strspn(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
		    strlen(label))
		return BAD_VALUE(
			e,
			"Value %s for parameter Label is invalid. Reason: Can only include "
			"alphanumeric characters, hyphens, or underscores. 1 to 80 in "
			"length.",
			label);
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	char arn[256];
	queue_arn(q.account, q.name, arn, sizeof(arn));
	const char *text = query_str(q.attrs, "Policy");
	cJSON *policy = text ? cJSON_Parse(text) : NULL;
	if (!cJSON_IsObject(policy)) {
		cJSON_Delete(policy);
		policy = cJSON_CreateObject();
		cJSON_AddStringToObject(policy, "Version", "2008-10-17");
		char *id = xasprintf("%s/SQSDefaultPolicy", arn);
		cJSON_AddStringToObject(policy, "Id", id);
		free(id);
	}
	cJSON *stmts = cJSON_GetObjectItemCaseSensitive(policy, "Statement");
	if (!cJSON_IsArray(stmts)) {
		cJSON_DeleteItemFromObjectCaseSensitive(policy, "Statement");
		stmts = cJSON_AddArrayToObject(policy, "Statement");
	}
	const cJSON *st;
	cJSON_ArrayForEach(st, stmts)
	{
		const char *sid = query_str(st, "Sid");
		if (sid && strcmp(sid, label) == 0) {
			cJSON_Delete(policy);
			queue_release(&q);
			return BAD_VALUE(e,
					 "Value %s for parameter Label is invalid. Reason: Already "
					 "exists.",
					 label);
		}
	}
	cJSON *stmt = cJSON_CreateObject();
	cJSON_AddStringToObject(stmt, "Sid", label);
	cJSON_AddStringToObject(stmt, "Effect", "Allow");
	cJSON *principal = cJSON_AddObjectToObject(stmt, "Principal");
	cJSON_AddItemToObject(principal, "AWS", one_or_many(ids, "arn:aws:iam::", ":root"));
	cJSON_AddItemToObject(stmt, "Action", one_or_many(actions, "SQS:", ""));
	cJSON_AddStringToObject(stmt, "Resource", arn);
	cJSON_AddItemToArray(stmts, stmt);
	queue_store_policy(c, &q, policy);
	cJSON_Delete(policy);
	queue_release(&q);
	(void)account;
	(void)out;
	return true;
}

/* RemovePermission: the statement of that label goes; with the last, the Policy too. */
static bool op_remove_permission(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
				 struct aws_err *e)
{
	const char *label = query_str(in, "Label");
	if (!label)
		return MISSING(e, "Label");
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	const char *text = query_str(q.attrs, "Policy");
	cJSON *policy = text ? cJSON_Parse(text) : NULL;
	cJSON *stmts = cJSON_GetObjectItemCaseSensitive(policy, "Statement");
	cJSON *found = NULL;
	cJSON *st;
	if (!cJSON_IsArray(stmts))
		stmts = NULL;
	cJSON_ArrayForEach(st, stmts)
	{
		const char *sid = query_str(st, "Sid");
		if (!found && sid && strcmp(sid, label) == 0)
			found = st;
	}
	if (!found) {
		cJSON_Delete(policy);
		queue_release(&q);
		return BAD_VALUE(e,
				 "Value %s for parameter Label is invalid. Reason: can't find "
				 "label.",
				 label);
	}
	cJSON_Delete(cJSON_DetachItemViaPointer(stmts, found));
	queue_store_policy(c, &q, policy);
	cJSON_Delete(policy);
	queue_release(&q);
	(void)account;
	(void)out;
	return true;
}

/* Check message attributes (JSON shape); fills md5 (33 bytes). */
static bool check_msg_attrs(const cJSON *attrs, char md5[33], struct aws_err *e)
{
	md5[0] = '\0';
	if (!attrs)
		return true;
	if (!cJSON_IsObject(attrs))
		return BAD_VALUE(e, "MessageAttributes must be a map.");
	int n = 0;
	const cJSON *a;
	cJSON_ArrayForEach(a, attrs)
	{
		const char *type = query_str(a, "DataType");
		if (++n > 10)
			return BAD_VALUE(e,
					 "Number of message attributes [%d] exceeds the allowed "
					 "maximum [10].",
					 cJSON_GetArraySize(attrs));
		if (!a->string[0] || strlen(a->string) > 256)
			return BAD_VALUE(e, "Message attribute name '%s' is invalid.", a->string);
		if (!type)
			return BAD_VALUE(e,
					 "The message attribute '%s' must contain non-empty "
					 "message attribute type.",
					 a->string);
		bool bin = str_starts_with(type, "Binary");
		if (!bin && !str_starts_with(type, "String") && !str_starts_with(type, "Number"))
			return BAD_VALUE(e,
					 "The type of message (user) attribute '%s' is invalid. "
					 "You must use only the following supported type "
					 "prefixes: Binary, Number, String.",
					 a->string);
		const char *v = query_str(a, bin ? "BinaryValue" : "StringValue");
		if (!v || !v[0])
			return BAD_VALUE(e,
					 "Message (user) attribute '%s' must contain a non-empty "
					 "value of type '%s'.",
					 a->string, type);
		if (str_starts_with(type, "Number")) {
			char *end;
			strtod(v, &end);
			if (*end)
				return BAD_VALUE(e,
						 "Can't cast the value of message (user) "
						 "attribute '%s' to a number.",
						 a->string);
		}
	}
	query_md5_attrs(attrs, md5);
	return true;
}

static bool valid_body(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
			return false;
	}
	return true;
}

/* A message's group and deduplication id (NULL: none), and the sequence number it got. */
struct msg_ids {
	const char *group, *dedup;
	long long seq;
};

/* The sequence number SQS shows for the message stored as row seq: 20 digits, increasing. */
static void sequence_number(long long seq, char out[24])
{
	snprintf(out, 24, "18%018lld", seq);
}

/* Insert one message; the caller holds c->db->mu. */
static bool insert_message(struct cloud *c, const struct queue *q, const char *body, size_t len,
			   const cJSON *attrs, const char *md5_attrs, long long delay,
			   const char *sender, const char *trace, struct msg_ids *ids, char id[37],
			   char md5[33])
{
	aws_uuid(id);
	query_md5_hex(body, len, md5);
	int64_t now = now_ms(c, q->account);
	/* Past the highest row ever stored (sqs_seq, kept by a trigger), so that a sequence
	 * number is never given twice, even after the newest messages were deleted. */
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT INTO sqs_messages(seq, account, queue, id, body, attrs,"
			       " md5, md5_attrs, sent, visible, sender, grp, dedup, trace)"
			       " VALUES((SELECT last + 1 FROM sqs_seq),?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!st)
		return false;
	if (ids->group)
		sqlite3_bind_text(st, 11, ids->group, -1, SQLITE_STATIC);
	if (ids->dedup)
		sqlite3_bind_text(st, 12, ids->dedup, -1, SQLITE_STATIC);
	char *attrs_text = attrs && attrs->child ? cJSON_PrintUnformatted(attrs) : NULL;
	sqlite3_bind_text(st, 1, q->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, body, (int)len, SQLITE_STATIC);
	if (attrs_text)
		sqlite3_bind_text(st, 5, attrs_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, md5, -1, SQLITE_STATIC);
	if (md5_attrs && md5_attrs[0])
		sqlite3_bind_text(st, 7, md5_attrs, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	sqlite3_bind_int64(st, 9, now + delay * 1000);
	sqlite3_bind_text(st, 10, sender, -1, SQLITE_STATIC);
	if (trace)
		sqlite3_bind_text(st, 13, trace, -1, SQLITE_STATIC);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	free(attrs_text);
	ids->seq = sqlite3_last_insert_rowid(c->db->db);
	return ok;
}

/* A group or deduplication id: 1 to 128 of the ASCII letters, digits and punctuation. */
static bool valid_fifo_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SQS_FIFO_ID_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (*p < '!' || *p > '~')
			return false;
	return true;
}

/*
 * The deduplication key of a FIFO message: its id, within its group when the queue's scope
 * is the group. Caller frees.
 */
static char *dedup_key(const struct queue *q, const struct msg_ids *ids)
{
	const char *scope = query_str(q->attrs, "DeduplicationScope");
	if (scope && strcmp(scope, "messageGroup") == 0)
		return xasprintf("%s\n%s", ids->group, ids->dedup);
	return xstrdup(ids->dedup);
}

/*
 * Whether a message with the same deduplication key was sent to q in the last five minutes (of
 * the account's clock); if so, its id and sequence number. Drops the keys that expired.
 */
static bool dedup_seen(struct cloud *c, const struct queue *q, const char *key, int64_t now,
		       char id[37], long long *seq)
{
	sqlite3_stmt *st = db_prep(c->db, "DELETE FROM sqs_dedup WHERE account=? AND queue=? AND"
					  " expires<=?");
	if (st) {
		sqlite3_bind_text(st, 1, q->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, q->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	st = db_prep(c->db, "SELECT id, seq FROM sqs_dedup WHERE account=? AND queue=? AND key=?");
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, q->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	bool seen = sqlite3_step(st) == SQLITE_ROW;
	if (seen) {
		snprintf(id, 37, "%s", (const char *)sqlite3_column_text(st, 0));
		*seq = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return seen;
}

static void dedup_remember(struct cloud *c, const struct queue *q, const char *key, const char *id,
			   long long seq, int64_t now)
{
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT OR REPLACE INTO sqs_dedup(account, queue, key, id, seq,"
			       " expires) VALUES(?,?,?,?,?,?)");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, q->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, seq);
	sqlite3_bind_int64(st, 6, now + SQS_DEDUP_MS);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/*
 * A send's group and deduplication ids, checked by the queue's type; a FIFO queue without
 * content-based deduplication needs an explicit id. hash holds a body's SHA-256.
 */
static bool send_ids(const struct queue *q, const cJSON *in, const char *body, size_t len,
		     struct msg_ids *ids, char hash[SHA256_HEX_LEN + 1], struct aws_err *e)
{
	const cJSON *gj = cJSON_GetObjectItemCaseSensitive(in, "MessageGroupId");
	const cJSON *dj = cJSON_GetObjectItemCaseSensitive(in, "MessageDeduplicationId");
	ids->group = cJSON_IsString(gj) ? gj->valuestring : NULL;
	ids->dedup = cJSON_IsString(dj) ? dj->valuestring : NULL;
	if (ids->dedup && !is_fifo(q))
		return BAD_VALUE(e,
				 "Value %s for parameter MessageDeduplicationId is invalid. "
				 "Reason: The request include parameter that is not valid for "
				 "this queue type.",
				 ids->dedup);
	/* Standard queues take a group id too (fair queues); only FIFO needs one. */
	if (!ids->group && is_fifo(q))
		return MISSING(e, "MessageGroupId");
	if (ids->group && !valid_fifo_id(ids->group))
		return BAD_VALUE(e,
				 "Value %s for parameter MessageGroupId is invalid. Reason: "
				 "MessageGroupId can only include alphanumeric and punctuation "
				 "characters. 1 to 128 in length.",
				 ids->group);
	if (!is_fifo(q))
		return true;
	if (ids->dedup && !valid_fifo_id(ids->dedup))
		return BAD_VALUE(e,
				 "Value %s for parameter MessageDeduplicationId is invalid. "
				 "Reason: MessageDeduplicationId can only include alphanumeric and "
				 "punctuation characters. 1 to 128 in length.",
				 ids->dedup);
	if (!ids->dedup) {
		const char *cbd = query_str(q->attrs, "ContentBasedDeduplication");
		if (!cbd || strcmp(cbd, "true") != 0)
			return BAD_VALUE(e,
					 "The queue should either have ContentBasedDeduplication "
					 "enabled or MessageDeduplicationId provided explicitly");
		sha256_hex(body, len, hash);
		ids->dedup = hash;
	}
	return true;
}

/* A message's size as SQS counts it: the body and each attribute's name, type and value. */
static size_t message_size(size_t body_len, const cJSON *attrs)
{
	size_t n = body_len;
	const cJSON *a;
	if (!cJSON_IsObject(attrs))
		return n;
	cJSON_ArrayForEach(a, attrs)
	{
		const char *type = query_str(a, "DataType");
		const char *sv = query_str(a, "StringValue");
		const char *bv = query_str(a, "BinaryValue");
		n += strlen(a->string) + (type ? strlen(type) : 0);
		if (sv)
			n += strlen(sv);
		else if (bv)
			n += strlen(bv) / 4 * 3; /* base64 on the wire */
	}
	return n;
}

/*
 * The message system attributes of a message: AWSTraceHeader, a String holding an X-Ray trace
 * header, is the only one there is. *trace: its value, or NULL.
 */
static bool check_sys_attrs(const cJSON *sys, const char **trace, struct aws_err *e)
{
	*trace = NULL;
	const cJSON *a;
	cJSON_ArrayForEach(a, sys)
	{
		if (strcmp(a->string, "AWSTraceHeader") != 0)
			return BAD_VALUE(e, "Message system attribute name '%s' is invalid.",
					 a->string);
		const char *type = query_str(a, "DataType");
		const char *v = query_str(a, "StringValue");
		struct svc_trace t;
		if (!type || strcmp(type, "String") != 0)
			return BAD_VALUE(e, "The message system attribute 'AWSTraceHeader' must be "
					    "of type 'String'.");
		if (!v || !svc_trace_parse(v, &t))
			return BAD_VALUE(e,
					 "Value for message system attribute 'AWSTraceHeader' is "
					 "invalid: it must be an X-Ray trace header "
					 "(Root=1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx;...).");
		*trace = v;
	}
	return true;
}

/* Check and send one entry (SendMessage's input or a batch entry) to q. */
static bool send_one(struct cloud *c, const char *account, const struct queue *q, const cJSON *in,
		     cJSON *out, struct aws_err *e)
{
	const cJSON *bodyj = cJSON_GetObjectItemCaseSensitive(in, "MessageBody");
	if (!cJSON_IsString(bodyj))
		return MISSING(e, "MessageBody");
	const char *body = bodyj->valuestring;
	size_t len = strlen(body);
	if (len == 0)
		return MISSING(e, "MessageBody");
	long long max = attr_int(q, "MaximumMessageSize", SQS_MESSAGE_MAX);
	if ((long long)message_size(
		    len, cJSON_GetObjectItemCaseSensitive(in, "MessageAttributes")) > max)
		return BAD_VALUE(e,
				 "One or more parameters are invalid. Reason: Message must be "
				 "shorter than %lld bytes.",
				 max);
	if (!valid_body(body, len))
		return aws_err_set(e, 400, "InvalidMessageContents",
				   "Invalid binary character in the message body. Only #x9 | #xA | "
				   "#xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF "
				   "are allowed.");
	long long delay = attr_int(q, "DelaySeconds", 0);
	bool given = false;
	if (!query_int(in, "DelaySeconds", &delay, &given) || delay < 0 || delay > 900)
		return BAD_VALUE(e, "Value for parameter DelaySeconds is invalid. Reason: must "
				    "be between 0 and 900.");
	/* A FIFO queue delays by its own setting only; an explicit 0 is no change. */
	if (given && is_fifo(q) && delay != 0)
		return BAD_VALUE(e,
				 "Value %lld for parameter DelaySeconds is invalid. Reason: The "
				 "request include parameter that is not valid for this queue "
				 "type.",
				 delay);
	if (given && is_fifo(q))
		delay = attr_int(q, "DelaySeconds", 0);
	struct msg_ids ids = { 0 };
	char hash[SHA256_HEX_LEN + 1];
	if (!send_ids(q, in, body, len, &ids, hash, e))
		return false;
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(in, "MessageAttributes");
	char md5_attrs[33], id[37], md5[33];
	const char *trace;
	if (!check_msg_attrs(attrs, md5_attrs, e) ||
	    !check_sys_attrs(cJSON_GetObjectItemCaseSensitive(in, "MessageSystemAttributes"),
			     &trace, e))
		return false;
	char *key = is_fifo(q) ? dedup_key(q, &ids) : NULL;
	int64_t now = now_ms(c, q->account);
	if (key && dedup_seen(c, q, key, now, id, &ids.seq)) {
		/* A duplicate within the interval: accepted, answered as the first, not queued. */
		query_md5_hex(body, len, md5);
	} else if (!insert_message(c, q, body, len, attrs, md5_attrs, delay, account, trace, &ids,
				   id, md5)) {
		free(key);
		return aws_err_set(e, 500, "InternalError", "The message could not be stored.");
	} else if (key) {
		dedup_remember(c, q, key, id, ids.seq, now);
	}
	free(key);
	cJSON_AddStringToObject(out, "MD5OfMessageBody", md5);
	if (md5_attrs[0])
		cJSON_AddStringToObject(out, "MD5OfMessageAttributes", md5_attrs);
	cJSON_AddStringToObject(out, "MessageId", id);
	if (is_fifo(q)) {
		char sn[24];
		sequence_number(ids.seq, sn);
		cJSON_AddStringToObject(out, "SequenceNumber", sn);
	}
	return true;
}

static bool op_send(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
		    struct aws_err *e)
{
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	bool ok = send_one(c, account, &q, in, out, e);
	queue_release(&q);
	return ok;
}

/* Check a batch's entries: present, at most 10, ids distinct and well formed. */
static bool check_batch(const cJSON *entries, struct aws_err *e)
{
	if (!cJSON_IsArray(entries) || cJSON_GetArraySize(entries) == 0)
		return aws_err_set(
			e, 400, "EmptyBatchRequest",
			"There should be at least one SendMessageBatchRequestEntry in the "
			"request.");
	if (cJSON_GetArraySize(entries) > SQS_BATCH_MAX)
		return aws_err_set(
			e, 400, "TooManyEntriesInBatchRequest",
			"Maximum number of entries per request are 10. You have sent %d.",
			cJSON_GetArraySize(entries));
	const cJSON *a, *b;
	cJSON_ArrayForEach(a, entries)
	{
		const char *id = query_str(a, "Id");
		if (!id || !id[0] || strlen(id) > 80 ||
		    strspn(id, "abcdefghijklmnopqrstuvwxyz"
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789-_") != strlen(id))
			return aws_err_set(
				e, 400, "InvalidBatchEntryId",
				"A batch entry id can only contain alphanumeric characters, "
				"hyphens and underscores. It can be at most 80 letters long.");
		for (b = a->next; b; b = b->next) {
			const char *other = query_str(b, "Id");
			if (other && strcmp(other, id) == 0)
				return aws_err_set(e, 400, "BatchEntryIdsNotDistinct",
						   "Id %s repeated.", id);
		}
	}
	return true;
}

/* A failed entry's Code is what the query protocol names the error, in either protocol
 * (AWS.SimpleQueueService.MessageNotInflight, ReceiptHandleIsInvalid). */
static void add_failed(cJSON *failed, const char *id, const struct aws_err *e)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "Id", id);
	cJSON_AddBoolToObject(f, "SenderFault", e->status < 500);
	cJSON_AddStringToObject(f, "Code",
				proto_error_query_code(proto_service_find("sqs"), e->code));
	cJSON_AddStringToObject(f, "Message", e->message);
	cJSON_AddItemToArray(failed, f);
}

static bool op_send_batch(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			  struct aws_err *e)
{
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(in, "Entries");
	if (!check_batch(entries, e)) {
		queue_release(&q);
		return false;
	}
	/* The whole batch is held to SQS's limit, whatever the queue's MaximumMessageSize. */
	size_t total = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, entries)
	{
		const char *body = query_str(it, "MessageBody");
		total += message_size(body ? strlen(body) : 0,
				      cJSON_GetObjectItemCaseSensitive(it, "MessageAttributes"));
	}
	if (total > SQS_MESSAGE_MAX) {
		queue_release(&q);
		return aws_err_set(e, 400, "BatchRequestTooLong",
				   "Batch requests cannot be longer than %d bytes. You have sent "
				   "%zu bytes.",
				   SQS_MESSAGE_MAX, total);
	}
	/* A FIFO batch with an entry lacking its group or deduplication id fails as a whole. */
	const cJSON *fifo_entries = is_fifo(&q) ? entries : NULL;
	cJSON_ArrayForEach(it, fifo_entries)
	{
		const char *cbd = query_str(q.attrs, "ContentBasedDeduplication");
		bool ok = true;
		if (!query_str(it, "MessageGroupId"))
			ok = BAD_VALUE(e, "The request must contain the parameter MessageGroupId.");
		else if (!query_str(it, "MessageDeduplicationId") && (!cbd || strcmp(cbd, "true")))
			ok = BAD_VALUE(e, "The queue should either have ContentBasedDeduplication "
					  "enabled or MessageDeduplicationId provided explicitly");
		if (!ok) {
			queue_release(&q);
			return false;
		}
	}
	cJSON *ok = cJSON_AddArrayToObject(out, "Successful");
	cJSON *failed = cJSON_AddArrayToObject(out, "Failed");
	/* One transaction for the batch: one write to the log, not one per entry. */
	cloud_db_exec(c->db, "BEGIN IMMEDIATE");
	cJSON_ArrayForEach(it, entries)
	{
		cJSON *r = cJSON_CreateObject();
		struct aws_err ee = { 0 };
		const char *id = query_str(it, "Id");
		if (send_one(c, account, &q, it, r, &ee)) {
			cJSON_AddStringToObject(r, "Id", id);
			cJSON_AddItemToArray(ok, r);
		} else {
			cJSON_Delete(r);
			add_failed(failed, id, &ee);
		}
	}
	cloud_db_exec(c->db, "COMMIT");
	queue_release(&q);
	return true;
}

/* Whether a message attribute name is asked for (All, .*, exact, or "prefix.*"). */
static bool wants_msg_attr(const cJSON *names, const char *name)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, names)
	{
		if (!cJSON_IsString(it))
			continue;
		const char *w = it->valuestring;
		size_t n = strlen(w);
		if (strcmp(w, "All") == 0 || strcmp(w, ".*") == 0 || strcmp(w, name) == 0)
			return true;
		if (n > 2 && strcmp(w + n - 2, ".*") == 0 && strncmp(w, name, n - 1) == 0)
			return true;
	}
	return false;
}

static void random_receipt(long long seq, char *out, size_t n)
{
	char hex[49];
	aws_random_hex(hex, 48);
	snprintf(out, n, "AQEB%llx-%s", seq, hex);
}

static long long receipt_seq(const char *receipt)
{
	if (!receipt || !str_starts_with(receipt, "AQEB"))
		return -1;
	char *end;
	long long seq = strtoll(receipt + 4, &end, 16);
	if (end == receipt + 4 || *end != '-' || strlen(end + 1) != 48)
		return -1;
	return seq;
}

/* A received message. */
struct sqs_msg {
	char id[37];
	char *receipt;
	char *body;
	char md5[33];
	cJSON *attrs; /* message attributes, JSON-protocol shape, or NULL */
	int64_t sent_ms, first_receive_ms;
	int receive_count;
};

/* A message as ReceiveMessage answers it, before the caller filters its attributes. */
struct got {
	long long seq;
	struct sqs_msg m;
	char *md5_attrs;
	char sender[16];
	char *group, *dedup; /* NULL when the message has none */
	char *trace;         /* its AWSTraceHeader, or NULL */
	int64_t visible;     /* when it is visible again, as stored */
};

static void got_free(struct got *g)
{
	free(g->m.receipt);
	free(g->m.body);
	cJSON_Delete(g->m.attrs);
	free(g->md5_attrs);
	free(g->group);
	free(g->dedup);
	free(g->trace);
}

/* The columns of a message row got_fill() reads, in its order. */
#define GOT_COLUMNS \
	"id, body, attrs, md5, md5_attrs, sent, first_receive, sender, grp, dedup, trace"

/* Fill g (but its receipt) from st's row, whose GOT_COLUMNS start at column col. */
static void got_fill(struct got *g, sqlite3_stmt *st, int col, long long seq, int receive_count,
		     int64_t now)
{
	memset(g, 0, sizeof(*g));
	g->seq = seq;
	snprintf(g->m.id, sizeof(g->m.id), "%s", (const char *)sqlite3_column_text(st, col));
	g->m.body = xstrndup((const char *)sqlite3_column_text(st, col + 1),
			     (size_t)sqlite3_column_bytes(st, col + 1));
	const char *attrs = (const char *)sqlite3_column_text(st, col + 2);
	g->m.attrs = attrs ? cJSON_Parse(attrs) : NULL;
	snprintf(g->m.md5, sizeof(g->m.md5), "%s", (const char *)sqlite3_column_text(st, col + 3));
	const char *md5a = (const char *)sqlite3_column_text(st, col + 4);
	g->md5_attrs = md5a ? xstrdup(md5a) : NULL;
	g->m.sent_ms = sqlite3_column_int64(st, col + 5);
	g->m.receive_count = receive_count;
	g->m.first_receive_ms = sqlite3_column_type(st, col + 6) == SQLITE_NULL
					? now
					: sqlite3_column_int64(st, col + 6);
	const char *sender = (const char *)sqlite3_column_text(st, col + 7);
	snprintf(g->sender, sizeof(g->sender), "%s", sender ? sender : "");
	const char *grp = (const char *)sqlite3_column_text(st, col + 8);
	const char *dedup = (const char *)sqlite3_column_text(st, col + 9);
	g->group = grp ? xstrdup(grp) : NULL;
	g->dedup = dedup ? xstrdup(dedup) : NULL;
	const char *trace = (const char *)sqlite3_column_text(st, col + 10);
	g->trace = trace ? xstrdup(trace) : NULL;
}

/*
 * Move one message to the queue named by q's RedrivePolicy, if it was received
 * maxReceiveCount times already. Returns true when it moved (or was dropped).
 */
static bool redrive(struct cloud *c, const struct queue *q, long long seq, int receives)
{
	const char *policy = query_str(q->attrs, "RedrivePolicy");
	if (!policy)
		return false;
	cJSON *o = cJSON_Parse(policy);
	long long max = 0;
	const char *target = query_str(o, "deadLetterTargetArn");
	char account[13], name[81];
	bool moved = false;
	if (query_int(o, "maxReceiveCount", &max, NULL) && max > 0 && receives >= max &&
	    parse_arn(target, account, name)) {
		sqlite3_stmt *st =
			db_prep(c->db, "UPDATE sqs_messages SET account=?, queue=?, receives=0,"
				       " first_receive=NULL, receipt=NULL, visible=?, sent=?"
				       " WHERE seq=?");
		int64_t now = now_ms(c, account);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int64(st, 4, now);
		sqlite3_bind_int64(st, 5, seq);
		moved = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
	}
	cJSON_Delete(o);
	return moved;
}

/*
 * The messages of q a receive may take now, in the order it takes them, at most cap (seqs and
 * receive counts into seqs[], receives[]). A FIFO queue's group is closed while one of its
 * messages is in flight, and a message waits behind an earlier one of its group that is
 * delayed; the first open group gives all it can before the next.
 */
static int candidates(struct cloud *c, const struct queue *q, int64_t now, int cap, long long *seqs,
		      int *receives)
{
	bool fifo = is_fifo(q);
	sqlite3_stmt *st = db_stmt(
		c->db,
		fifo ? "SELECT seq, receives, grp FROM sqs_messages m"
		       " WHERE account=?1 AND queue=?2 AND visible<=?3 AND NOT EXISTS("
		       "  SELECT 1 FROM sqs_messages o WHERE o.account=?1 AND o.queue=?2"
		       "  AND o.grp=m.grp AND o.visible>?3 AND (o.receives>0 OR o.seq<m.seq))"
		       " ORDER BY seq LIMIT ?4"
		     : "SELECT seq, receives, grp FROM sqs_messages"
		       " WHERE account=?1 AND queue=?2 AND visible<=?3 ORDER BY visible, seq"
		       " LIMIT ?4");
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, q->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int(st, 4, fifo ? 1000 : cap);
	int n = 0;
	char *head = NULL;
	/* Two passes over a FIFO queue's rows: the head's group, then the others. */
	for (int pass = 0; pass < (fifo ? 2 : 1) && n < cap; pass++) {
		sqlite3_reset(st);
		while (n < cap && sqlite3_step(st) == SQLITE_ROW) {
			const char *grp = (const char *)sqlite3_column_text(st, 2);
			if (fifo && !head)
				head = xstrdup(grp ? grp : "");
			bool in_head = fifo && strcmp(head, grp ? grp : "") == 0;
			if (fifo && in_head != (pass == 0))
				continue;
			seqs[n] = sqlite3_column_int64(st, 0);
			receives[n++] = sqlite3_column_int(st, 1);
		}
	}
	free(head);
	sqlite3_reset(st);
	return n;
}

/* Take up to max visible messages of q, hiding them for vt seconds. Caller holds db->mu. */
static int take(struct cloud *c, const struct queue *q, int max, long long vt, struct got *out)
{
	int64_t now = now_ms(c, q->account);
	int n = 0;
	bool redriven = false;
	int cap = max * 4 + 10;
	long long *seqs = xcalloc((size_t)cap, sizeof(long long));
	int *receives = xcalloc((size_t)cap, sizeof(int));
	cloud_db_exec(c->db, "BEGIN IMMEDIATE");
	/* The candidates are chosen before any is changed: taking one closes its group. */
	int found = candidates(c, q, now, cap, seqs, receives);
	sqlite3_stmt *st = db_stmt(c->db, "SELECT " GOT_COLUMNS " FROM sqs_messages WHERE seq=?");
	sqlite3_stmt *up = db_stmt(c->db, "UPDATE sqs_messages SET receives=?, first_receive=?,"
					  " receipt=?, visible=? WHERE seq=?");
	if (!st || !up)
		goto done;
	for (int k = 0; k < found && n < max; k++) {
		long long seq = seqs[k];
		if (redrive(c, q, seq, receives[k])) {
			redriven = true;
			continue;
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, seq);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		struct got *g = &out[n++];
		got_fill(g, st, 0, seq, receives[k] + 1, now);
		char receipt[96];
		random_receipt(seq, receipt, sizeof(receipt));
		g->m.receipt = xstrdup(receipt);
		g->visible = now + vt * 1000;
		sqlite3_reset(up);
		sqlite3_bind_int(up, 1, g->m.receive_count);
		sqlite3_bind_int64(up, 2, g->m.first_receive_ms);
		sqlite3_bind_text(up, 3, receipt, -1, SQLITE_STATIC);
		sqlite3_bind_int64(up, 4, g->visible);
		sqlite3_bind_int64(up, 5, seq);
		sqlite3_step(up);
	}
done:
	sqlite3_reset(st);
	sqlite3_reset(up);
	cloud_db_exec(c->db, "COMMIT");
	free(seqs);
	free(receives);
	if (redriven) {
		pthread_mutex_unlock(&c->db->mu);
		poke(c);
		pthread_mutex_lock(&c->db->mu);
	}
	return n;
}

/* How long a ReceiveRequestAttemptId can be retried, from its first receive. */
#define ATTEMPT_MS (5 * 60 * 1000)

/* Whether s is a ReceiveRequestAttemptId SQS takes: 1 to 128 letters, digits, punctuation. */
static bool valid_attempt_id(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

/*
 * A FIFO receive retried with the ReceiveRequestAttemptId of one in the last five minutes
 * (on the queue's clock): the same messages with the same receipt handles, their visibility
 * timeout started again, as long as none was deleted or had its visibility changed since.
 * Returns the number of messages (into out), -1 when the id is not known (a new receive),
 * -2 when it is known and its messages changed. Caller holds db->mu.
 */
static int retake(struct cloud *c, const struct queue *q, const char *attempt, long long vt,
		  struct got *out)
{
	int64_t now = now_ms(c, q->account);
	sqlite3_stmt *st = db_prep(c->db, "DELETE FROM sqs_attempts WHERE account=? AND at<=?");
	if (st) {
		sqlite3_bind_text(st, 1, q->account, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now - ATTEMPT_MS);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	st = db_prep(
		c->db,
		"SELECT a.seq, a.receipt, a.visible, m.receipt, m.visible, m.receives, " GOT_COLUMNS
		" FROM sqs_attempts a LEFT JOIN sqs_messages m ON m.seq=a.seq"
		" AND m.account=a.account AND m.queue=a.queue"
		" WHERE a.account=? AND a.queue=? AND a.attempt=? ORDER BY a.ord");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, q->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, attempt, -1, SQLITE_STATIC);
	int n = 0, rows = 0;
	bool same = true;
	while (sqlite3_step(st) == SQLITE_ROW) {
		rows++;
		const char *was = (const char *)sqlite3_column_text(st, 1);
		const char *is = (const char *)sqlite3_column_text(st, 3);
		if (!same || !is || strcmp(was, is) != 0 ||
		    sqlite3_column_int64(st, 2) != sqlite3_column_int64(st, 4) ||
		    n == SQS_BATCH_MAX) {
			same = false;
			continue;
		}
		struct got *g = &out[n++];
		got_fill(g, st, 6, sqlite3_column_int64(st, 0), sqlite3_column_int(st, 5), now);
		g->m.receipt = xstrdup(is);
		g->visible = now + vt * 1000;
	}
	sqlite3_finalize(st);
	if (!rows)
		return -1;
	if (!same) {
		for (int i = 0; i < n; i++)
			got_free(&out[i]);
		return -2;
	}
	sqlite3_stmt *up = db_prep(c->db, "UPDATE sqs_messages SET visible=? WHERE seq=?");
	sqlite3_stmt *ua =
		db_prep(c->db, "UPDATE sqs_attempts SET visible=? WHERE account=? AND queue=?"
			       " AND attempt=? AND seq=?");
	for (int i = 0; up && ua && i < n; i++) {
		sqlite3_reset(up);
		sqlite3_bind_int64(up, 1, out[i].visible);
		sqlite3_bind_int64(up, 2, out[i].seq);
		sqlite3_step(up);
		sqlite3_reset(ua);
		sqlite3_bind_int64(ua, 1, out[i].visible);
		sqlite3_bind_text(ua, 2, q->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(ua, 3, q->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ua, 4, attempt, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ua, 5, out[i].seq);
		sqlite3_step(ua);
	}
	sqlite3_finalize(up);
	sqlite3_finalize(ua);
	return n;
}

/* Remember what a FIFO receive with a ReceiveRequestAttemptId took, for its retries. */
static void remember_attempt(struct cloud *c, const struct queue *q, const char *attempt,
			     const struct got *got, int n)
{
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT OR REPLACE INTO sqs_attempts(account, queue, attempt,"
			       " at, ord, seq, receipt, visible) VALUES(?,?,?,?,?,?,?,?)");
	int64_t now = now_ms(c, q->account);
	for (int i = 0; st && i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, q->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, q->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, attempt, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		sqlite3_bind_int(st, 5, i);
		sqlite3_bind_int64(st, 6, got[i].seq);
		sqlite3_bind_text(st, 7, got[i].m.receipt, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, got[i].visible);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
}

static bool op_receive(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
		       struct aws_err *e)
{
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	long long max = 1, vt = attr_int(&q, "VisibilityTimeout", 30),
		  wait = attr_int(&q, "ReceiveMessageWaitTimeSeconds", 0);
	bool ok = true;
	if (!query_int(in, "MaxNumberOfMessages", &max, NULL) || max < 1 || max > 10)
		ok = BAD_VALUE(e,
			       "Value %lld for parameter MaxNumberOfMessages is invalid. "
			       "Reason: Must be between 1 and 10, if provided.",
			       max);
	else if (!query_int(in, "VisibilityTimeout", &vt, NULL) || vt < 0 || vt > 43200)
		ok = BAD_VALUE(e,
			       "Value %lld for parameter VisibilityTimeout is invalid. "
			       "Reason: Must be between 0 and 43200, if provided.",
			       vt);
	else if (!query_int(in, "WaitTimeSeconds", &wait, NULL) || wait < 0 || wait > 20)
		ok = BAD_VALUE(e,
			       "Value %lld for parameter WaitTimeSeconds is invalid. "
			       "Reason: Must be >= 0 and <= 20, if provided.",
			       wait);
	/* Standard queues ignore the attempt id, as SQS does. */
	const char *attempt = is_fifo(&q) ? query_str(in, "ReceiveRequestAttemptId") : NULL;
	if (ok && attempt && !valid_attempt_id(attempt))
		ok = BAD_VALUE(e,
			       "Value %s for parameter ReceiveRequestAttemptId is invalid. Reason: "
			       "It must be 1 to 128 letters, digits or punctuation characters.",
			       attempt);
	struct got got[SQS_BATCH_MAX];
	int n = attempt && ok ? retake(c, &q, attempt, vt, got) : -1;
	if (n == -2)
		ok = BAD_VALUE(e,
			       "Value %s for parameter ReceiveRequestAttemptId is invalid. Reason: "
			       "The receiveRequestAttemptId is not valid anymore since the receive "
			       "call is not retryable.",
			       attempt);
	if (!ok) {
		queue_release(&q);
		return false;
	}
	int64_t deadline = now_ms(c, q.account) + wait * 1000;
	for (bool retried = n >= 0; !retried;) {
		n = take(c, &q, (int)max, vt, got);
		if (n > 0 && attempt)
			remember_attempt(c, &q, attempt, got, n);
		if (n > 0 || now_ms(c, q.account) >= deadline)
			break;
		/* Long polling: wait for a send (or the clock) without the database's lock. */
		struct sqs_svc *s = svc(c);
		pthread_mutex_unlock(&c->db->mu);
		pthread_mutex_lock(&s->mu);
		unsigned seen = s->activity;
		while (s->activity == seen && !s->stopping &&
		       !vclock_wait(c->vclock, &s->cond, &s->mu, q.account, deadline, 50))
			;
		bool stopping = s->stopping;
		pthread_mutex_unlock(&s->mu);
		pthread_mutex_lock(&c->db->mu);
		if (stopping)
			break;
	}
	const cJSON *sys = cJSON_GetObjectItemCaseSensitive(in, "MessageSystemAttributeNames");
	if (!sys)
		sys = cJSON_GetObjectItemCaseSensitive(in, "AttributeNames");
	const cJSON *mnames = cJSON_GetObjectItemCaseSensitive(in, "MessageAttributeNames");
	cJSON *msgs = n ? cJSON_AddArrayToObject(out, "Messages") : NULL;
	for (int i = 0; i < n; i++) {
		struct got *g = &got[i];
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "MessageId", g->m.id);
		cJSON_AddStringToObject(m, "ReceiptHandle", g->m.receipt);
		cJSON_AddStringToObject(m, "MD5OfBody", g->m.md5);
		cJSON_AddStringToObject(m, "Body", g->m.body);
		cJSON *attrs = cJSON_CreateObject();
		char buf[32];
		if (wants(sys, "SenderId"))
			cJSON_AddStringToObject(attrs, "SenderId", g->sender);
		if (wants(sys, "SentTimestamp")) {
			snprintf(buf, sizeof(buf), "%lld", (long long)g->m.sent_ms);
			cJSON_AddStringToObject(attrs, "SentTimestamp", buf);
		}
		if (wants(sys, "ApproximateReceiveCount")) {
			snprintf(buf, sizeof(buf), "%d", g->m.receive_count);
			cJSON_AddStringToObject(attrs, "ApproximateReceiveCount", buf);
		}
		if (wants(sys, "ApproximateFirstReceiveTimestamp")) {
			snprintf(buf, sizeof(buf), "%lld", (long long)g->m.first_receive_ms);
			cJSON_AddStringToObject(attrs, "ApproximateFirstReceiveTimestamp", buf);
		}
		if (g->group && wants(sys, "MessageGroupId"))
			cJSON_AddStringToObject(attrs, "MessageGroupId", g->group);
		if (g->dedup && wants(sys, "MessageDeduplicationId"))
			cJSON_AddStringToObject(attrs, "MessageDeduplicationId", g->dedup);
		if (g->trace && wants(sys, "AWSTraceHeader"))
			cJSON_AddStringToObject(attrs, "AWSTraceHeader", g->trace);
		if (is_fifo(&q) && wants(sys, "SequenceNumber")) {
			sequence_number(g->seq, buf);
			cJSON_AddStringToObject(attrs, "SequenceNumber", buf);
		}
		if (attrs->child)
			cJSON_AddItemToObject(m, "Attributes", attrs);
		else
			cJSON_Delete(attrs);
		cJSON *mattrs = cJSON_CreateObject();
		const cJSON *a;
		cJSON_ArrayForEach(a, g->m.attrs)
		{
			if (wants_msg_attr(mnames, a->string))
				cJSON_AddItemToObject(mattrs, a->string, cJSON_Duplicate(a, true));
		}
		if (mattrs->child) {
			char md5[33];
			query_md5_attrs(mattrs, md5);
			cJSON_AddStringToObject(m, "MD5OfMessageAttributes", md5);
			cJSON_AddItemToObject(m, "MessageAttributes", mattrs);
		} else {
			cJSON_Delete(mattrs);
		}
		cJSON_AddItemToArray(msgs, m);
		got_free(g);
	}
	queue_release(&q);
	(void)account;
	return true;
}

/* Find the in-flight message a receipt handle names. Returns its seq, or -1. */
static long long find_receipt(struct cloud *c, const struct queue *q, const char *receipt,
			      bool *exists)
{
	long long seq = receipt_seq(receipt);
	*exists = false;
	if (seq < 0)
		return -1;
	sqlite3_stmt *st =
		db_stmt(c->db, "SELECT receipt FROM sqs_messages WHERE seq=? AND account=?"
			       " AND queue=?");
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, q->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, q->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *have = (const char *)sqlite3_column_text(st, 0);
		*exists = true;
		if (!have || strcmp(have, receipt) != 0)
			seq = -2;
	}
	sqlite3_reset(st);
	return seq;
}

static bool delete_one(struct cloud *c, const struct queue *q, const char *receipt,
		       struct aws_err *e)
{
	if (!receipt || !receipt[0])
		return MISSING(e, "ReceiptHandle");
	bool exists;
	long long seq = find_receipt(c, q, receipt, &exists);
	if (seq == -1 && !exists && receipt_seq(receipt) < 0)
		return aws_err_set(e, 400, "ReceiptHandleIsInvalid",
				   "The input receipt handle \"%s\" is not a valid receipt handle.",
				   receipt);
	/* An older receipt of a message received again, or one already deleted: no-op. */
	if (!exists || seq < 0)
		return true;
	sqlite3_stmt *st = db_stmt(c->db, "DELETE FROM sqs_messages WHERE seq=?");
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_step(st);
	sqlite3_reset(st);
	return true;
}

static bool op_delete(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
		      struct aws_err *e)
{
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	bool ok = delete_one(c, &q, query_str(in, "ReceiptHandle"), e);
	queue_release(&q);
	(void)account;
	(void)out;
	return ok;
}

static bool change_one(struct cloud *c, const struct queue *q, const cJSON *in, struct aws_err *e)
{
	const char *receipt = query_str(in, "ReceiptHandle");
	long long vt = -1;
	bool given = false;
	if (!receipt)
		return MISSING(e, "ReceiptHandle");
	if (!query_int(in, "VisibilityTimeout", &vt, &given) || !given)
		return MISSING(e, "VisibilityTimeout");
	if (vt < 0 || vt > 43200)
		return BAD_VALUE(e,
				 "Value %lld for parameter VisibilityTimeout is invalid. "
				 "Reason: Must be between 0 and 43200.",
				 vt);
	bool exists;
	long long seq = find_receipt(c, q, receipt, &exists);
	if (seq == -1 && receipt_seq(receipt) < 0)
		return aws_err_set(e, 400, "ReceiptHandleIsInvalid",
				   "The input receipt handle \"%s\" is not a valid receipt handle.",
				   receipt);
	if (!exists || seq < 0)
		return aws_err_set(
			e, 400, "MessageNotInflight",
			"Value %s for parameter ReceiptHandle is invalid. Reason: Message "
			"does not exist or is not available for visibility timeout change.",
			receipt);
	sqlite3_stmt *st = db_prep(c->db, "UPDATE sqs_messages SET visible=? WHERE seq=?");
	sqlite3_bind_int64(st, 1, now_ms(c, q->account) + vt * 1000);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return true;
}

static bool op_change(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
		      struct aws_err *e)
{
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	bool ok = change_one(c, &q, in, e);
	queue_release(&q);
	(void)account;
	(void)out;
	return ok;
}

static bool batch_of(struct cloud *c, const cJSON *in, cJSON *out, struct aws_err *e, bool change)
{
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(in, "Entries");
	if (!check_batch(entries, e)) {
		queue_release(&q);
		return false;
	}
	cJSON *ok = cJSON_AddArrayToObject(out, "Successful");
	cJSON *failed = cJSON_AddArrayToObject(out, "Failed");
	/* One transaction for the batch: one write to the log, not one per entry. */
	cloud_db_exec(c->db, "BEGIN IMMEDIATE");
	const cJSON *it;
	cJSON_ArrayForEach(it, entries)
	{
		struct aws_err ee = { 0 };
		const char *id = query_str(it, "Id");
		bool done = change ? change_one(c, &q, it, &ee)
				   : delete_one(c, &q, query_str(it, "ReceiptHandle"), &ee);
		if (done) {
			cJSON *r = cJSON_CreateObject();
			cJSON_AddStringToObject(r, "Id", id);
			cJSON_AddItemToArray(ok, r);
		} else {
			add_failed(failed, id, &ee);
		}
	}
	cloud_db_exec(c->db, "COMMIT");
	queue_release(&q);
	return true;
}

static bool op_delete_batch(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			    struct aws_err *e)
{
	(void)account;
	return batch_of(c, in, out, e, false);
}

static bool op_change_batch(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			    struct aws_err *e)
{
	(void)account;
	return batch_of(c, in, out, e, true);
}

static bool op_tag(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
		   struct aws_err *e)
{
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	bool ok = tags_add(c, &q, cJSON_GetObjectItemCaseSensitive(in, "Tags"), e);
	queue_release(&q);
	(void)account;
	(void)out;
	return ok;
}

static bool op_untag(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
		     struct aws_err *e)
{
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	const cJSON *keys = cJSON_GetObjectItemCaseSensitive(in, "TagKeys");
	bool ok = cJSON_IsArray(keys) || MISSING(e, "TagKeys");
	if (ok) {
		cJSON *tags = tags_load(c, &q);
		const cJSON *k;
		cJSON_ArrayForEach(k, keys)
		{
			if (cJSON_IsString(k))
				cJSON_DeleteItemFromObjectCaseSensitive(tags, k->valuestring);
		}
		ok = tags_save(c, &q, tags) ||
		     aws_err_set(e, 500, "InternalError", "The queue's tags could not be stored.");
		cJSON_Delete(tags);
	}
	queue_release(&q);
	(void)account;
	(void)out;
	return ok;
}

/* ListQueueTags: the queue's tags as a map, absent when it has none (as SQS answers). */
static bool op_list_tags(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
			 struct aws_err *e)
{
	struct queue q = { 0 };
	if (!request_queue(c, in, &q, e))
		return false;
	cJSON *tags = tags_load(c, &q);
	if (tags->child)
		cJSON_AddItemToObject(out, "Tags", tags);
	else
		cJSON_Delete(tags);
	queue_release(&q);
	(void)account;
	return true;
}

typedef bool (*op_fn)(struct cloud *c, const char *account, const cJSON *in, cJSON *out,
		      struct aws_err *e);

/*
 * Run an operation under the database's lock; wakes pollers after writes. The query protocol
 * may name the queue by the request's path (POST /ACCOUNT/QUEUE) instead of QueueUrl.
 */
static cJSON *run(struct svc_call *call, op_fn fn, bool writes, const cJSON *in, struct aws_err *e)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	cJSON *owned = NULL;
	if (call->http && !query_str(in, "QueueUrl") && strcmp(call->http->path, "/") != 0) {
		char url[300];
		snprintf(url, sizeof(url), "%s%s", c->endpoint, call->http->path);
		owned = cJSON_Duplicate(in, true);
		cJSON_AddStringToObject(owned, "QueueUrl", url);
		in = owned;
	}
	if (call->caller->trace[0] && (fn == op_send || fn == op_send_batch)) {
		/* The sender's trace context (its X-Amzn-Trace-Id) goes with each message as
		 * its AWSTraceHeader, unless the message names its own, which wins. */
		if (!owned)
			in = owned = cJSON_Duplicate(in, true);
		cJSON *one = fn == op_send ? owned : NULL, *entries = NULL;
		if (!one)
			entries = cJSON_GetObjectItemCaseSensitive(owned, "Entries");
		for (cJSON *m = one       ? one
				: entries ? entries->child
					  : NULL;
		     m; m = one ? NULL : m->next) {
			cJSON *sys = cJSON_GetObjectItemCaseSensitive(m, "MessageSystemAttributes");
			if (!cJSON_IsObject(m) || (sys && !cJSON_IsObject(sys)) ||
			    cJSON_GetObjectItemCaseSensitive(sys, "AWSTraceHeader"))
				continue;
			if (!sys)
				sys = cJSON_AddObjectToObject(m, "MessageSystemAttributes");
			cJSON *h = cJSON_AddObjectToObject(sys, "AWSTraceHeader");
			cJSON_AddStringToObject(h, "DataType", "String");
			cJSON_AddStringToObject(h, "StringValue", call->caller->trace);
		}
	}
	cJSON *out = NULL;
	/* Another account's queue is out of reach: it has no queue policy to open it. */
	const char *url = query_str(in, "QueueUrl");
	char owner[13], name[81];
	if (url && parse_url(url, owner, name) && strcmp(owner, account) != 0) {
		aws_err_set(e, 403, "AccessDenied", "Access to the resource %s is denied.", url);
		goto done;
	}
	out = cJSON_CreateObject();
	pthread_mutex_lock(&c->db->mu);
	bool ok = fn(c, account, in, out, e);
	pthread_mutex_unlock(&c->db->mu);
	if (!ok) {
		cJSON_Delete(out);
		out = NULL;
	} else if (writes) {
		poke(c);
	}
done:
	cJSON_Delete(owned);
	return out;
}

/* The table's handler of fn; writes: whether it may wake a long poll. */
#define SQS_OP(fn, writes)                                                                  \
	static cJSON *svc_##fn(struct svc_call *call, const cJSON *in, struct aws_err *err) \
	{                                                                                   \
		return run(call, fn, writes, in, err);                                      \
	}

SQS_OP(op_add_permission, true)
SQS_OP(op_change, true)
SQS_OP(op_change_batch, true)
SQS_OP(op_create, true)
SQS_OP(op_delete, true)
SQS_OP(op_delete_batch, true)
SQS_OP(op_delete_queue, true)
SQS_OP(op_get_attrs, false)
SQS_OP(op_get_url, false)
SQS_OP(op_list, false)
SQS_OP(op_purge, true)
SQS_OP(op_receive, false)
SQS_OP(op_remove_permission, true)
SQS_OP(op_send, true)
SQS_OP(op_send_batch, true)
SQS_OP(op_set_attrs, true)
SQS_OP(op_list_tags, false)
SQS_OP(op_tag, false)
SQS_OP(op_untag, false)

int sqs_pending(struct cloud *c, const char *queue_arn, int64_t now_ms, int64_t *next_ms)
{
	*next_ms = 0;
	char account[13], name[81];
	if (!parse_arn(queue_arn, account, name))
		return 0;
	int n = 0;
	pthread_mutex_lock(&c->db->mu);
	/* A FIFO queue's messages behind one in flight in their group wait for it. */
	sqlite3_stmt *st = db_prep(
		c->db,
		name_is_fifo(name)
			? "SELECT count(*) FILTER (WHERE visible <= ?3 AND NOT EXISTS("
			  "  SELECT 1 FROM sqs_messages o WHERE o.account=?1 AND o.queue=?2"
			  "  AND o.grp=m.grp AND o.visible>?3 AND (o.receives>0 OR o.seq<m.seq))),"
			  " min(visible) FILTER (WHERE visible > ?3)"
			  " FROM sqs_messages m WHERE account=?1 AND queue=?2"
			: "SELECT count(*) FILTER (WHERE visible <= ?3),"
			  " min(visible) FILTER (WHERE visible > ?3)"
			  " FROM sqs_messages WHERE account=?1 AND queue=?2");
	if (st) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now_ms);
		if (sqlite3_step(st) == SQLITE_ROW) {
			n = sqlite3_column_int(st, 0);
			if (sqlite3_column_type(st, 1) != SQLITE_NULL)
				*next_ms = sqlite3_column_int64(st, 1);
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return n;
}

void sqs_wait_activity(struct cloud *c, int max_real_ms)
{
	struct sqs_svc *s = svc(c);
	pthread_mutex_lock(&s->mu);
	unsigned seen = s->activity;
	int64_t due =
		vclock_now_ms(c->vclock, NULL) + (int64_t)(max_real_ms * vclock_scale(c->vclock));
	while (s->activity == seen && !s->stopping &&
	       !vclock_wait(c->vclock, &s->cond, &s->mu, NULL, due, max_real_ms))
		;
	pthread_mutex_unlock(&s->mu);
}

static const char *const migrations[] = {
	/* 0 -> 1: the tables that used to be created at start. */
	"CREATE TABLE IF NOT EXISTS sqs_queues(account TEXT NOT NULL, name TEXT NOT NULL,"
	" attrs TEXT NOT NULL, created INTEGER NOT NULL, modified INTEGER NOT NULL,"
	" PRIMARY KEY(account, name)) STRICT;"
	"CREATE TABLE IF NOT EXISTS sqs_messages(seq INTEGER PRIMARY KEY,"
	" account TEXT NOT NULL, queue TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,"
	" attrs TEXT, md5 TEXT NOT NULL, md5_attrs TEXT, sent INTEGER NOT NULL,"
	" visible INTEGER NOT NULL, receives INTEGER NOT NULL DEFAULT 0,"
	" first_receive INTEGER, receipt TEXT, sender TEXT) STRICT;"
	"CREATE INDEX IF NOT EXISTS sqs_messages_by_queue ON sqs_messages(account, queue, "
	"visible);",
	/* 1 -> 2: FIFO queues: a message's group and deduplication id, the ids seen lately. */
	"ALTER TABLE sqs_messages ADD COLUMN grp TEXT;"
	"ALTER TABLE sqs_messages ADD COLUMN dedup TEXT;"
	"CREATE TABLE sqs_dedup(account TEXT NOT NULL, queue TEXT NOT NULL, key TEXT NOT NULL,"
	" id TEXT NOT NULL, seq INTEGER NOT NULL, expires INTEGER NOT NULL,"
	" PRIMARY KEY(account, queue, key)) STRICT;",
	/* 2 -> 3: the highest message row ever stored: FIFO sequence numbers only increase. */
	"CREATE TABLE sqs_seq(id INTEGER PRIMARY KEY CHECK(id = 0), last INTEGER NOT NULL) STRICT;"
	"INSERT INTO sqs_seq VALUES(0, max((SELECT ifnull(max(seq), 0) FROM sqs_messages),"
	" (SELECT ifnull(max(seq), 0) FROM sqs_dedup)));"
	"CREATE TRIGGER sqs_seq_bump AFTER INSERT ON sqs_messages BEGIN"
	" UPDATE sqs_seq SET last = max(last, NEW.seq); END;",
	/* 3 -> 4: what FIFO receives with a ReceiveRequestAttemptId took, for their retries. */
	"CREATE TABLE sqs_attempts(account TEXT NOT NULL, queue TEXT NOT NULL,"
	" attempt TEXT NOT NULL, at INTEGER NOT NULL, ord INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" receipt TEXT NOT NULL, visible INTEGER NOT NULL,"
	" PRIMARY KEY(account, queue, attempt, ord)) STRICT;",
	/* 4 -> 5: a message's AWSTraceHeader (its X-Ray trace context). */
	"ALTER TABLE sqs_messages ADD COLUMN trace TEXT;",
	/* 5 -> 6: a queue's tags (a JSON object). */
	"ALTER TABLE sqs_queues ADD COLUMN tags TEXT;",
};

bool sqs_start(struct cloud *c, struct error *err)
{
	struct sqs_svc *s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	c->sqs = s;
	return true;
}

void sqs_stop(struct cloud *c)
{
	struct sqs_svc *s = c->sqs;
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

void sqs_free(struct cloud *c)
{
	struct sqs_svc *s = c->sqs;
	if (!s)
		return;
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mu);
	cJSON_Delete(s->purged);
	free(s);
	c->sqs = NULL;
}

static void reset(struct cloud *c, const char *account)
{
	pthread_mutex_lock(&c->db->mu);
	static const char *const sqls[] = { "DELETE FROM sqs_messages WHERE account=?",
					    "DELETE FROM sqs_dedup WHERE account=?",
					    "DELETE FROM sqs_attempts WHERE account=?",
					    "DELETE FROM sqs_queues WHERE account=?" };
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = db_prep(c->db, sqls[i]);
		if (st) {
			sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
	}
	forget_purge(c, account, NULL);
	pthread_mutex_unlock(&c->db->mu);
	poke(c);
}

static const struct svc_op ops[] = {
	{ "AddPermission", svc_op_add_permission },
	{ "ChangeMessageVisibility", svc_op_change },
	{ "ChangeMessageVisibilityBatch", svc_op_change_batch },
	{ "CreateQueue", svc_op_create },
	{ "DeleteMessage", svc_op_delete },
	{ "DeleteMessageBatch", svc_op_delete_batch },
	{ "DeleteQueue", svc_op_delete_queue },
	{ "GetQueueAttributes", svc_op_get_attrs },
	{ "GetQueueUrl", svc_op_get_url },
	{ "ListQueueTags", svc_op_list_tags },
	{ "ListQueues", svc_op_list },
	{ "PurgeQueue", svc_op_purge },
	{ "ReceiveMessage", svc_op_receive },
	{ "RemovePermission", svc_op_remove_permission },
	{ "SendMessage", svc_op_send },
	{ "SendMessageBatch", svc_op_send_batch },
	{ "SetQueueAttributes", svc_op_set_attrs },
	{ "TagQueue", svc_op_tag },
	{ "UntagQueue", svc_op_untag },
};

/* ReceiveMessage's AttributeNames takes the message's attributes (ApproximateReceiveCount,
 * SentTimestamp), which the model's enum of queue attributes lacks. */
/* ... and QueueUrl, which a query request may give as its path instead (see run()). */
static const char *const unchecked[] = {
	"ReceiveMessage.AttributeNames",
	"AddPermission.QueueUrl",
	"RemovePermission.QueueUrl",
	"ChangeMessageVisibility.QueueUrl",
	"ChangeMessageVisibilityBatch.QueueUrl",
	"DeleteMessage.QueueUrl",
	"DeleteMessageBatch.QueueUrl",
	"DeleteQueue.QueueUrl",
	"GetQueueAttributes.QueueUrl",
	"PurgeQueue.QueueUrl",
	"ReceiveMessage.QueueUrl",
	"SendMessage.QueueUrl",
	"SendMessageBatch.QueueUrl",
	"SetQueueAttributes.QueueUrl",
	"ListQueueTags.QueueUrl",
	"TagQueue.QueueUrl",
	"UntagQueue.QueueUrl",
	NULL,
};

/* The queue's Policy attribute for the router's authorization (svc.h's resource_policy). */
static bool queue_policy(struct cloud *c, const char *arn, char *owner, char **policy)
{
	char name[81];
	*policy = NULL;
	return arn_sqs_queue(arn, owner, name, sizeof(name)) &&
	       svc_attrs_policy(c, "sqs_queues", owner, name, policy);
}

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const sqs_members[] = {
	"AddPermission AWSAccountIds Actions Label QueueUrl",
	"ChangeMessageVisibility QueueUrl ReceiptHandle VisibilityTimeout",
	"ChangeMessageVisibilityBatch Entries QueueUrl",
	"CreateQueue Attributes QueueName tags",
	"DeleteMessage QueueUrl ReceiptHandle",
	"DeleteMessageBatch Entries QueueUrl",
	"DeleteQueue QueueUrl",
	"GetQueueAttributes AttributeNames QueueUrl",
	"GetQueueUrl QueueName QueueOwnerAWSAccountId",
	"ListQueues MaxResults -NextToken QueueNamePrefix",
	"PurgeQueue QueueUrl",
	"ReceiveMessage AttributeNames MaxNumberOfMessages MessageAttributeNames "
	"MessageSystemAttributeNames QueueUrl ReceiveRequestAttemptId VisibilityTimeout "
	"WaitTimeSeconds",
	"RemovePermission Label QueueUrl",
	"SendMessage DelaySeconds MessageAttributes MessageBody MessageDeduplicationId "
	"MessageGroupId MessageSystemAttributes QueueUrl",
	"SendMessageBatch Entries QueueUrl",
	"SetQueueAttributes Attributes QueueUrl",
	"ListQueueTags QueueUrl",
	"TagQueue QueueUrl Tags",
	"UntagQueue QueueUrl TagKeys",
	NULL,
};

const struct cloud_service sqs_service = {
	.name = "sqs",
	.model = "sqs-2012-11-05",
	.title = "Amazon SQS",
	.target = "AmazonSQS",
	.query_version = "2012-11-05",
	.start = sqs_start,
	.stop = sqs_stop,
	.free = sqs_free,
	.reset_account = reset,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = sqs_members,
	.unchecked = unchecked,
	.resource_policy = queue_policy,
};
