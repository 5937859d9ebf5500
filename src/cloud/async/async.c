/*
 * Asynchronous invocation: a dispatcher thread takes due events from the durable queue
 * (async_events) and runs each in a worker thread; the outcome decides between done, a retry
 * later on the virtual clock, or the failure path (on-failure destination, dead-letter queue).
 *
 * An event is leased while an attempt runs; a cloud killed mid-attempt finds its leases on
 * the next start and runs those events again (at least once, as Lambda's own queue does).
 */
#include "cloud/async/async.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/clock/vclock.h"
#include "cloud/http/aws.h"
#include "cloud/iam/iam.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/versions.h"
#include "cloud/query/query.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "cloud/svc/deliver.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define ASYNC_WORKERS        32
#define ASYNC_DEFAULT_AGE    21600
#define ASYNC_DEFAULT_RETRY  2
#define ASYNC_BACKOFF_MAX_MS (5 * 60 * 1000)

struct async_svc {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	pthread_t thread;
	bool started, stopping;
	int running;
	unsigned wakes; /* wake() calls, so that the dispatcher misses none */
};

/* One event, as a worker carries it. */
struct event {
	struct cloud *c;
	long long seq;
	char account[13];
	char function[65];
	char qualifier[129]; /* the version or alias invoked, "" for $LATEST */
	char request_id[37];
	char trace[96]; /* the X-Amzn-Trace-Id it was invoked with, "" when none */
	char *payload;
	char *source;
	long long received, backoff;
	int attempts;
};

static void event_free(struct event *ev)
{
	free(ev->payload);
	free(ev->source);
	free(ev);
}

static void event_later(struct cloud *c, const struct event *ev, int64_t due);

static void wake(struct cloud *c)
{
	struct async_svc *s = c->async;
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->wakes++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

static void *worker_main(void *arg);

/* Give back a worker slot. */
static void give_slot(struct cloud *c)
{
	struct async_svc *s = c->async;
	pthread_mutex_lock(&s->mu);
	s->running--;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

/*
 * Run a leased event in a worker thread that already counts in s->running. False when the
 * cloud is stopping or no thread starts: the count is given back, the event is not freed.
 */
static bool start_worker(struct cloud *c, struct event *ev)
{
	pthread_mutex_lock(&c->mu);
	bool stopping = c->stopping;
	if (!stopping)
		c->async_running++;
	pthread_mutex_unlock(&c->mu);
	bool ok = !stopping;
	if (ok) {
		pthread_t t;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		ok = pthread_create(&t, &attr, worker_main, ev) == 0;
		pthread_attr_destroy(&attr);
		if (!ok) {
			pthread_mutex_lock(&c->mu);
			c->async_running--;
			pthread_cond_broadcast(&c->async_cond);
			pthread_mutex_unlock(&c->mu);
		}
	}
	if (!ok)
		give_slot(c);
	return ok;
}

/* Take a worker slot for an event queued now, when one is free. */
static bool take_slot(struct cloud *c)
{
	struct async_svc *s = c->async;
	if (!s)
		return false;
	pthread_mutex_lock(&s->mu);
	bool free_slot = !s->stopping && s->running < ASYNC_WORKERS;
	if (free_slot)
		s->running++;
	pthread_mutex_unlock(&s->mu);
	return free_slot;
}

/*
 * A function reference (name, partial or full ARN) of account into its account, name and
 * qualifier ("" for none and $LATEST); false when malformed.
 */
static bool split_function(const char *ref, const char *account, char acct_out[13],
			   char name_out[65], char qual_out[129])
{
	struct arn_function f;
	if (!arn_function_parse(ref, &f))
		return false;
	snprintf(acct_out, 13, "%s", f.account[0] ? f.account : account);
	memcpy(name_out, f.name, sizeof(f.name));
	snprintf(qual_out, 129, "%s", strcmp(f.qualifier, "$LATEST") == 0 ? "" : f.qualifier);
	return true;
}

/*
 * Whether account's function name has the version or alias qualifier ("": $LATEST, which it
 * has when the function exists). Takes cloud->mu.
 */
static bool function_has(struct cloud *c, const char *account, const char *name,
			 const char *qualifier)
{
	pthread_mutex_lock(&c->mu);
	struct lfunc *fn = lambda_fn_find(c, account, name);
	struct aws_err err = { 0 };
	bool found = fn && (!qualifier[0] || lambda_fn_named(fn, qualifier, &err));
	aws_err_release(&err);
	pthread_mutex_unlock(&c->mu);
	return found;
}

/* Where a qualifier's event invoke config is kept: the function's name, or NAME:QUALIFIER. */
static void config_key(char *out, size_t n, const char *name, const char *qualifier)
{
	snprintf(out, n, "%s%s%s", name, qualifier[0] ? ":" : "", qualifier);
}

bool async_enqueue(struct cloud *c, const char *account, const char *function, const char *payload,
		   size_t len, const char *source, const char *trace, char *request_id_out,
		   struct error *err)
{
	char acct[13], name[65], qual[129];
	if (!function || !split_function(function, account, acct, name, qual))
		return error_set(err, "'%s' is not a function name or ARN",
				 function ? function : "");
	if (len > LAMBDA_ASYNC_MAX)
		return error_set(err, "the event is larger than %d bytes", LAMBDA_ASYNC_MAX);
	if (!function_has(c, acct, name, qual))
		return error_set(err, "Function not found: arn:aws:lambda:%s:%s:function:%s%s%s",
				 AWS_REGION_NAME, acct, name, qual[0] ? ":" : "", qual);
	char rid[37];
	if (request_id_out && strlen(request_id_out) == 36)
		memcpy(rid, request_id_out, 37);
	else
		aws_uuid(rid);
	int64_t now = vclock_now_ms(c->vclock, acct);
	/*
	 * With a worker free, the event is queued already leased and runs at once in this
	 * thread's worker, without waiting for the dispatcher to find it. It is durable all
	 * the same: a cloud killed before it ends runs it again on the next start.
	 */
	bool direct = take_slot(c);
	long long seq = 0;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT INTO async_events(account, function, request_id,"
			       " payload, source, received, due, leased, qualifier, trace)"
			       " VALUES(?,?,?,?,?,?,?,?,?,?)");
	bool ok = st != NULL;
	if (ok) {
		sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, rid, -1, SQLITE_STATIC);
		if (len)
			sqlite3_bind_text(st, 4, payload, (int)len, SQLITE_STATIC);
		else
			sqlite3_bind_text(st, 4, "{}", 2, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, source ? source : "lambda", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, now);
		sqlite3_bind_int64(st, 7, now);
		sqlite3_bind_int(st, 8, direct);
		sqlite3_bind_text(st, 9, qual, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, trace ? trace : "", -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
		seq = sqlite3_last_insert_rowid(c->db->db);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	if (!ok) {
		if (direct)
			give_slot(c);
		return error_set(err, "the event could not be queued");
	}
	if (request_id_out)
		memcpy(request_id_out, rid, 37);
	lambda_metric(c, acct, name, NULL, NULL, "AsyncEventsReceived", "Count", 1);
	if (direct) {
		struct event *ev = xcalloc(1, sizeof(*ev));
		ev->c = c;
		ev->seq = seq;
		memcpy(ev->account, acct, sizeof(ev->account));
		memcpy(ev->function, name, sizeof(ev->function));
		memcpy(ev->qualifier, qual, sizeof(ev->qualifier));
		memcpy(ev->request_id, rid, sizeof(ev->request_id));
		snprintf(ev->trace, sizeof(ev->trace), "%s", trace ? trace : "");
		ev->payload = len ? xstrndup(payload, len) : xstrdup("{}");
		ev->source = xstrdup(source ? source : "lambda");
		ev->received = now;
		if (start_worker(c, ev))
			return true;
		/* Stopping: leave it to the dispatcher, or to the next start. */
		event_later(c, ev, now);
		event_free(ev);
	}
	wake(c);
	return true;
}

/* The function's event invoke config (NULL when none). Caller deletes. */
static cJSON *config_load(struct cloud *c, const char *account, const char *function)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT config FROM async_config WHERE account=? AND function=?");
	cJSON *o = NULL;
	if (st) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, function, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			o = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return o;
}

static void config_save(struct cloud *c, const char *account, const char *function, const cJSON *o)
{
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st =
		db_prep(c->db, o ? "INSERT OR REPLACE INTO async_config(account, function,"
				   " config) VALUES(?,?,?)"
				 : "DELETE FROM async_config WHERE account=? AND function=?");
	if (st) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, function, -1, SQLITE_STATIC);
		if (text)
			sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	free(text);
}

static cJSON *config_view(const char *account, const char *function, const cJSON *cfg);

/* Every event invoke config of a function, its versions' and aliases' too, into arr. */
static void config_list(struct cloud *c, const char *account, const char *name, cJSON *arr)
{
	char prefix[80];
	snprintf(prefix, sizeof(prefix), "%s:", name);
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT function, config FROM async_config WHERE account=?1"
			       " AND (function=?2 OR substr(function, 1, length(?3))=?3)"
			       " ORDER BY function");
	if (st) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, prefix, -1, SQLITE_STATIC);
	}
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		cJSON *cfg = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
		if (cfg)
			cJSON_AddItemToArray(arr, config_view(account, key, cfg));
		cJSON_Delete(cfg);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
}

static long long config_int(const cJSON *cfg, const char *name, long long def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, name);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : def;
}

static const char *config_dest(const cJSON *cfg, const char *which)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(cfg, "DestinationConfig");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(d, which);
	return query_str(w, "Destination");
}

void async_get_dlq(struct cloud *c, const char *account, const char *function, char *out, size_t n)
{
	out[0] = '\0';
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT target FROM async_dlq WHERE account=? AND function=?");
	if (st) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, function, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
}

bool async_check_dlq(const char *target_arn, char *msg, size_t n)
{
	if (!target_arn || !target_arn[0] ||
	    (str_starts_with(target_arn, "arn:aws:sqs:") && !str_ends_with(target_arn, ".fifo")) ||
	    str_starts_with(target_arn, "arn:aws:sns:"))
		return true;
	if (str_starts_with(target_arn, "arn:aws:sqs:")) {
		/* Lambda sends the event without a message group: a FIFO queue cannot take it. */
		snprintf(msg, n,
			 "The provided target ARN %s is not valid. The dead-letter queue must be "
			 "an Amazon SQS standard queue or an Amazon SNS topic.",
			 target_arn);
		return false;
	}
	snprintf(msg, n,
		 "The provided target ARN %s is not valid. The dead-letter queue must be an "
		 "Amazon SQS queue or an Amazon SNS topic.",
		 target_arn);
	return false;
}

bool async_set_dlq(struct cloud *c, const char *account, const char *function,
		   const char *target_arn, char *msg, size_t n)
{
	if (!async_check_dlq(target_arn, msg, n))
		return false;
	bool set = target_arn && target_arn[0];
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st =
		db_prep(c->db, set ? "INSERT OR REPLACE INTO async_dlq(account, function,"
				     " target) VALUES(?,?,?)"
				   : "DELETE FROM async_dlq WHERE account=? AND function=?");
	if (st) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, function, -1, SQLITE_STATIC);
		if (set)
			sqlite3_bind_text(st, 3, target_arn, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return true;
}

void async_forget_function(struct cloud *c, const char *account, const char *function)
{
	static const char *const sql[] = {
		"DELETE FROM async_config WHERE account=? AND function=?",
		"DELETE FROM async_dlq WHERE account=? AND function=?",
		"DELETE FROM async_events WHERE account=? AND function=? AND leased=0",
	};
	pthread_mutex_lock(&c->db->mu);
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st = db_prep(c->db, sql[i]);
		if (!st)
			continue;
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, function, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
}

/* Whether the execution role may send to arn: its own policies, and a queue's or a topic's
 * own policy, as AWS decides them together (a topic's default policy grants the principals of
 * its owner's account). */
static bool role_may_send(struct cloud *c, const struct event *ev, const char *role,
			  const char *action, const char *arn)
{
	const char *service = str_starts_with(arn, "arn:aws:sqs:")   ? "sqs"
			      : str_starts_with(arn, "arn:aws:sns:") ? "sns"
								     : NULL;
	const struct cloud_service *s = service ? svc_find(service) : NULL;
	char owner[13] = "", *policy = NULL;
	if (!s || !s->resource_policy || !s->resource_policy(c, arn, owner, &policy))
		return iam_role_may(c, ev->account, role, ev->function, action, arn);
	struct iam_authz q = {
		.action = action,
		.resource = arn,
		.resource_account = owner,
		.resource_policy = policy,
	};
	struct iam_result r;
	bool ok = iam_role_decide(c, ev->account, role, ev->function, &q, &r);
	free(policy);
	return ok;
}

/* Deliver text (an invocation record) to a destination or dead-letter ARN. */
static bool deliver_record(struct cloud *c, const struct event *ev, const char *arn,
			   const char *text, const cJSON *attrs)
{
	struct deliver_msg m = { .payload = text, .len = strlen(text), .attrs = attrs };
	cJSON *resources = NULL;
	if (str_starts_with(arn, "arn:aws:events:")) {
		/* On a bus, the record is an event with the detail-type of its condition. */
		cJSON *detail = cJSON_Parse(text);
		const char *cond = query_str(
			cJSON_GetObjectItemCaseSensitive(detail, "requestContext"), "condition");
		bool success = cond && strcmp(cond, "Success") == 0;
		cJSON_Delete(detail);
		char fn[200];
		arn_function_format(fn, sizeof(fn), AWS_REGION_NAME, ev->account, ev->function,
				    ev->qualifier[0] ? ev->qualifier : "$LATEST");
		resources = cJSON_CreateArray();
		cJSON_AddItemToArray(resources, cJSON_CreateString(arn));
		cJSON_AddItemToArray(resources, cJSON_CreateString(fn));
		m.source = "lambda";
		m.detail_type = success ? "Lambda Function Invocation Result - Success"
					: "Lambda Function Invocation Result - Failure";
		m.resources = resources;
	}
	/* Lambda sends the record with the function's execution role, which must allow it. */
	const char *action = str_starts_with(arn, "arn:aws:sqs:")      ? "sqs:SendMessage"
			     : str_starts_with(arn, "arn:aws:sns:")    ? "sns:Publish"
			     : str_starts_with(arn, "arn:aws:lambda:") ? "lambda:InvokeFunction"
								       : "events:PutEvents";
	char role[300] = "";
	pthread_mutex_lock(&c->mu);
	const struct lfunc *fn = lambda_fn_find(c, ev->account, ev->function);
	if (fn && fn->role)
		snprintf(role, sizeof(role), "%s", fn->role);
	pthread_mutex_unlock(&c->mu);
	if (role[0] && !role_may_send(c, ev, role, action, arn)) {
		fprintf(stderr,
			"lambda-tutor: async: %s:%s request %s: cannot deliver to %s: the "
			"execution "
			"role %s does not allow %s\n",
			ev->account, ev->function, ev->request_id, arn, role, action);
		cJSON_Delete(resources);
		return false;
	}
	struct svc_caller by;
	svc_caller_for_account(&by, ev->account);
	struct deliver_result r;
	struct aws_err err = { 0 };
	bool ok = deliver(c, &by, arn, &m, NULL, &r, &err);
	if (!ok)
		fprintf(stderr, "lambda-tutor: async: %s:%s request %s: cannot deliver to %s: %s\n",
			ev->account, ev->function, ev->request_id, arn, err.message);
	else
		deliver_result_release(&r);
	aws_err_release(&err);
	cJSON_Delete(resources);
	return ok;
}

/* AWS's invocation record for a destination. */
static char *invocation_record(const struct event *ev, const char *condition,
			       const struct lambda_outcome *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "version", "1.0");
	char iso[32];
	aws_time_iso(vclock_now_ms(ev->c->vclock, ev->account), iso);
	cJSON_AddStringToObject(o, "timestamp", iso);
	cJSON *rc = cJSON_AddObjectToObject(o, "requestContext");
	cJSON_AddStringToObject(rc, "requestId", ev->request_id);
	char arn[300];
	arn_function_format(arn, sizeof(arn), AWS_REGION_NAME, ev->account, ev->function,
			    ev->qualifier[0] ? ev->qualifier : "$LATEST");
	cJSON_AddStringToObject(rc, "functionArn", arn);
	cJSON_AddStringToObject(rc, "condition", condition);
	cJSON_AddNumberToObject(rc, "approximateInvokeCount", ev->attempts);
	cJSON *payload = cJSON_Parse(ev->payload);
	cJSON_AddItemToObject(o, "requestPayload",
			      payload ? payload : cJSON_CreateString(ev->payload));
	cJSON *resp = cJSON_AddObjectToObject(o, "responseContext");
	cJSON_AddNumberToObject(resp, "statusCode", r ? r->status : 200);
	cJSON_AddStringToObject(resp, "executedVersion",
				r && r->executed[0] ? r->executed : "$LATEST");
	if (r && r->function_error)
		cJSON_AddStringToObject(resp, "functionError", "Unhandled");
	if (r && r->status == 200 && r->body && r->body[0]) {
		cJSON *body = cJSON_Parse(r->body);
		cJSON_AddItemToObject(o, "responsePayload",
				      body ? body : cJSON_CreateString(r->body));
	} else if (r && r->status != 200) {
		cJSON *body = cJSON_AddObjectToObject(o, "responsePayload");
		cJSON_AddStringToObject(body, "errorType", r->error_type);
		cJSON_AddStringToObject(body, "errorMessage", r->message);
	}
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* The error message a dead-letter message carries (first 1 KB). */
static void error_message(const struct lambda_outcome *r, char *out, size_t n)
{
	out[0] = '\0';
	if (!r)
		return;
	if (r->status != 200) {
		snprintf(out, n, "%s", r->message);
	} else {
		cJSON *o = r->body ? cJSON_Parse(r->body) : NULL;
		const char *m = query_str(o, "errorMessage");
		snprintf(out, n, "%s", m ? m : r->body ? r->body : "");
		cJSON_Delete(o);
	}
	if (strlen(out) > 1024)
		out[1024] = '\0';
}

static void add_attr(cJSON *attrs, const char *name, const char *type, const char *value)
{
	cJSON *a = cJSON_AddObjectToObject(attrs, name);
	cJSON_AddStringToObject(a, "DataType", type);
	cJSON_AddStringToObject(a, "StringValue", value);
}

/* The event failed for good: on-failure destination and dead-letter queue. */
static void fail_event(struct cloud *c, const struct event *ev, const cJSON *cfg,
		       const char *condition, const struct lambda_outcome *r)
{
	const char *dest = config_dest(cfg, "OnFailure");
	bool delivered = false;
	if (dest) {
		char *record = invocation_record(ev, condition, r);
		delivered = deliver_record(c, ev, dest, record, NULL);
		if (!delivered)
			lambda_metric(c, ev->account, ev->function, NULL, NULL,
				      "DestinationDeliveryFailures", "Count", 1);
		free(record);
	}
	lambda_metric(c, ev->account, ev->function, NULL, NULL, "AsyncEventsDropped", "Count", 1);
	char dlq[256];
	async_get_dlq(c, ev->account, ev->function, dlq, sizeof(dlq));
	if (dlq[0]) {
		cJSON *attrs = cJSON_CreateObject();
		char code[16], msg[1100];
		snprintf(code, sizeof(code), "%d", r ? r->status : 200);
		error_message(r, msg, sizeof(msg));
		add_attr(attrs, "RequestID", "String", ev->request_id);
		add_attr(attrs, "ErrorCode", "Number", code);
		if (msg[0])
			add_attr(attrs, "ErrorMessage", "String", msg);
		if (deliver_record(c, ev, dlq, ev->payload, attrs))
			delivered = true;
		else
			lambda_metric(c, ev->account, ev->function, NULL, NULL, "DeadLetterErrors",
				      "Count", 1);
		cJSON_Delete(attrs);
	}
	if (!dest && !dlq[0])
		fprintf(stderr,
			"lambda-tutor: async: %s:%s request %s discarded (%s) after %d attempts\n",
			ev->account, ev->function, ev->request_id, condition, ev->attempts);
	(void)delivered;
}

static void event_delete(struct cloud *c, long long seq)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = db_prep(c->db, "DELETE FROM async_events WHERE seq=?");
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
}

static void event_later(struct cloud *c, const struct event *ev, int64_t due)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = db_prep(c->db, "UPDATE async_events SET due=?, attempts=?, backoff=?,"
					  " leased=0 WHERE seq=?");
	sqlite3_bind_int64(st, 1, due);
	sqlite3_bind_int(st, 2, ev->attempts);
	sqlite3_bind_int64(st, 3, ev->backoff);
	sqlite3_bind_int64(st, 4, ev->seq);
	sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
}

/* One attempt of one event, and what follows from it. */
static void attempt(struct event *ev)
{
	struct cloud *c = ev->c;
	char key[200];
	config_key(key, sizeof(key), ev->function, ev->qualifier);
	cJSON *cfg = config_load(c, ev->account, key);
	long long max_age = config_int(cfg, "MaximumEventAgeInSeconds", ASYNC_DEFAULT_AGE);
	long long max_retry = config_int(cfg, "MaximumRetryAttempts", ASYNC_DEFAULT_RETRY);
	int64_t now = vclock_now_ms(c->vclock, ev->account);
	pthread_mutex_lock(&c->mu);
	struct lfunc *fn = lambda_fn_find(c, ev->account, ev->function);
	bool zero = fn && fn->reserved == 0;
	if (fn && ev->qualifier[0]) {
		/* A version, or the one an alias picks for this attempt by its weights. */
		struct aws_err rerr = { 0 };
		fn = lambda_fn_resolve(c, fn, ev->qualifier, &rerr);
		aws_err_release(&rerr);
	}
	if (fn)
		lambda_fn_ref(fn);
	pthread_mutex_unlock(&c->mu);
	struct lambda_outcome r = { 0 };
	if (!fn) {
		/* The function is gone: so is its queue. */
		event_delete(c, ev->seq);
	} else if (now - ev->received > max_age * 1000) {
		fail_event(c, ev, cfg, "EventAgeExceeded", NULL);
		event_delete(c, ev->seq);
	} else if (zero) {
		/* Reserved concurrency 0: straight to the failure path, no retries. */
		r.status = 429;
		r.throttled = true;
		snprintf(r.error_type, sizeof(r.error_type), "TooManyRequestsException");
		snprintf(r.message, sizeof(r.message), "Rate Exceeded.");
		fail_event(c, ev, cfg, "RetriesExhausted", &r);
		event_delete(c, ev->seq);
	} else {
		lambda_metric(c, ev->account, ev->function, NULL, NULL, "AsyncEventAge",
			      "Milliseconds", (double)(now - ev->received));
		/* Lambda's segment shows the wait in the queue and which attempt this is. */
		struct lambda_via via = { .trace = ev->trace,
					  .dwell_ms = now - ev->received,
					  .attempt = ev->attempts + 1 };
		lambda_invoke_internal_via(c, fn, ev->qualifier, ev->payload, strlen(ev->payload),
					   ev->request_id, &via, &r);
		/* What the attempt logged is on disk before the event moves on. */
		lambda_records_sync(c);
		now = vclock_now_ms(c->vclock, ev->account);
		pthread_mutex_lock(&c->mu);
		bool stopping = c->stopping;
		pthread_mutex_unlock(&c->mu);
		if (stopping) {
			/* Cut short by the cloud stopping: the next start runs it again. */
			event_later(c, ev, now);
		} else if (r.status == 200 && !r.function_error) {
			ev->attempts++;
			const char *dest = config_dest(cfg, "OnSuccess");
			if (dest) {
				char *record = invocation_record(ev, "Success", &r);
				if (!deliver_record(c, ev, dest, record, NULL))
					lambda_metric(c, ev->account, ev->function, NULL, NULL,
						      "DestinationDeliveryFailures", "Count", 1);
				free(record);
			}
			event_delete(c, ev->seq);
		} else if (r.status == 429 || r.status >= 500) {
			/* Throttles and system errors: back off, up to the event's age. */
			ev->backoff = ev->backoff ? ev->backoff * 2 : 1000;
			if (ev->backoff > ASYNC_BACKOFF_MAX_MS)
				ev->backoff = ASYNC_BACKOFF_MAX_MS;
			event_later(c, ev, now + ev->backoff);
		} else if (r.status == 404) {
			event_delete(c, ev->seq);
		} else {
			ev->attempts++;
			if (ev->attempts > max_retry) {
				fail_event(c, ev, cfg, "RetriesExhausted", &r);
				event_delete(c, ev->seq);
			} else {
				/* One minute before the second attempt, two before the third. */
				event_later(c, ev, now + (ev->attempts == 1 ? 60000 : 120000));
			}
		}
	}
	free(r.body);
	cJSON_Delete(cfg);
	if (fn) {
		pthread_mutex_lock(&c->mu);
		lambda_fn_unref(fn);
		pthread_mutex_unlock(&c->mu);
	}
}

static void *worker_main(void *arg)
{
	struct event *ev = arg;
	struct cloud *c = ev->c;
	attempt(ev);
	event_free(ev);
	pthread_mutex_lock(&c->mu);
	c->async_running--;
	pthread_cond_broadcast(&c->async_cond);
	pthread_mutex_unlock(&c->mu);
	struct async_svc *s = c->async;
	pthread_mutex_lock(&s->mu);
	s->running--;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Lease the next due event, or say when one will be due (*next, 0: none). */
static struct event *lease(struct cloud *c, int64_t now, int64_t *next)
{
	struct event *ev = NULL;
	*next = 0;
	pthread_mutex_lock(&c->db->mu);
	/* Each event is due on its account's clock: in the base clock's time, that is its due
	 * time less what its account's clock has been stepped ahead. */
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT seq, account, function, request_id, payload, source,"
			       " received, attempts, backoff, due - vclock_offset(account) AS d,"
			       " qualifier, trace"
			       " FROM async_events WHERE leased=0 ORDER BY d, seq LIMIT 1");
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		int64_t due = sqlite3_column_int64(st, 9);
		if (due > now) {
			*next = due;
		} else {
			ev = xcalloc(1, sizeof(*ev));
			ev->c = c;
			ev->seq = sqlite3_column_int64(st, 0);
			snprintf(ev->account, sizeof(ev->account), "%s",
				 (const char *)sqlite3_column_text(st, 1));
			snprintf(ev->function, sizeof(ev->function), "%s",
				 (const char *)sqlite3_column_text(st, 2));
			snprintf(ev->request_id, sizeof(ev->request_id), "%s",
				 (const char *)sqlite3_column_text(st, 3));
			ev->payload = xstrndup((const char *)sqlite3_column_text(st, 4),
					       (size_t)sqlite3_column_bytes(st, 4));
			const char *src = (const char *)sqlite3_column_text(st, 5);
			ev->source = xstrdup(src ? src : "");
			ev->received = sqlite3_column_int64(st, 6);
			ev->attempts = sqlite3_column_int(st, 7);
			ev->backoff = sqlite3_column_int64(st, 8);
			const char *q = (const char *)sqlite3_column_text(st, 10);
			snprintf(ev->qualifier, sizeof(ev->qualifier), "%s", q ? q : "");
			const char *t = (const char *)sqlite3_column_text(st, 11);
			snprintf(ev->trace, sizeof(ev->trace), "%s", t ? t : "");
		}
	}
	sqlite3_finalize(st);
	if (ev) {
		st = db_prep(c->db, "UPDATE async_events SET leased=1 WHERE seq=?");
		sqlite3_bind_int64(st, 1, ev->seq);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
	return ev;
}

bool async_pending(struct cloud *c, const char *account, int64_t now_ms, int64_t *next_ms)
{
	*next_ms = 0;
	bool busy = false;
	/* A row stays leased until its attempt, destinations included, is over. */
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = db_prep(c->db, "SELECT count(*) FILTER (WHERE leased=1 OR due <= ?2),"
					  " min(due) FILTER (WHERE leased=0 AND due > ?2)"
					  " FROM async_events WHERE account=?1");
	if (st) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now_ms);
		if (sqlite3_step(st) == SQLITE_ROW) {
			busy = sqlite3_column_int(st, 0) > 0;
			if (sqlite3_column_type(st, 1) != SQLITE_NULL)
				*next_ms = sqlite3_column_int64(st, 1);
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return busy;
}

/* Keep the virtual time durable: a restart must not move it back behind queued work. */
static void save_clock(struct cloud *c, int64_t now)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT OR REPLACE INTO async_clock(id, now) VALUES(1, ?)");
	if (st) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
}

void async_restore_clock(struct cloud *c)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = db_prep(c->db, "SELECT now FROM async_clock WHERE id=1");
	if (st && sqlite3_step(st) == SQLITE_ROW)
		vclock_not_before(c->vclock, sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
}

static void *dispatcher_main(void *arg)
{
	struct cloud *c = arg;
	struct async_svc *s = c->async;
	int64_t saved = 0;
	pthread_mutex_lock(&s->mu);
	while (!s->stopping) {
		int64_t vnow = vclock_now_ms(c->vclock, NULL);
		if (vnow - saved > 500 || vnow < saved) {
			pthread_mutex_unlock(&s->mu);
			save_clock(c, vnow);
			saved = vnow;
			pthread_mutex_lock(&s->mu);
		}
		if (s->running >= ASYNC_WORKERS) {
			pthread_cond_wait(&s->cond, &s->mu);
			continue;
		}
		unsigned wakes = s->wakes;
		s->running++;
		pthread_mutex_unlock(&s->mu);
		int64_t next = 0;
		struct event *ev = lease(c, vclock_now_ms(c->vclock, NULL), &next);
		if (ev && !start_worker(c, ev)) {
			event_free(ev);
			pthread_mutex_lock(&s->mu);
			break;
		}
		if (!ev)
			give_slot(c);
		pthread_mutex_lock(&s->mu);
		/* An event queued while the queue was read is looked for again at once. */
		if (ev || s->wakes != wakes)
			continue;
		int64_t due = next ? next : vclock_now_ms(c->vclock, NULL) + 3600 * 1000;
		vclock_wait(c->vclock, &s->cond, &s->mu, NULL, due, 200);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

bool async_start(struct cloud *c, struct error *err)
{
	pthread_mutex_lock(&c->db->mu);
	bool ok = cloud_db_exec(c->db,
				/* Attempts cut short by a crash run again. */
				"UPDATE async_events SET leased=0 WHERE leased=1;");
	pthread_mutex_unlock(&c->db->mu);
	if (!ok)
		return error_set(err, "cannot requeue the asynchronous events a crash cut short");
	struct async_svc *s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	c->async = s;
	if (pthread_create(&s->thread, NULL, dispatcher_main, c) != 0)
		return error_set(err, "cannot start the asynchronous invocation dispatcher");
	s->started = true;
	return true;
}

void async_stop(struct cloud *c)
{
	struct async_svc *s = c->async;
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
	if (s->started)
		pthread_join(s->thread, NULL);
	if (s->started)
		save_clock(c, vclock_now_ms(c->vclock, NULL));
	s->started = false;
	/* Workers finish (cloud_close() kills their environments); wait for them. */
	pthread_mutex_lock(&s->mu);
	while (s->running > 0)
		pthread_cond_wait(&s->cond, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

void async_free(struct cloud *c)
{
	struct async_svc *s = c->async;
	if (!s)
		return;
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mu);
	free(s);
	c->async = NULL;
}

/* The event invoke config operations (table handlers of Lambda's row, through async_op()). */

/* The config as the API answers it. */
static cJSON *config_view(const char *account, const char *function, const cJSON *cfg)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *lm = cJSON_GetObjectItemCaseSensitive(cfg, "LastModified");
	cJSON_AddNumberToObject(o, "LastModified", cJSON_IsNumber(lm) ? lm->valuedouble : 0);
	/* function: the name ($LATEST) or NAME:QUALIFIER (config_key()). */
	char arn[300];
	snprintf(arn, sizeof(arn), "arn:aws:lambda:%s:%s:function:%s%s", AWS_REGION_NAME, account,
		 function, strchr(function, ':') ? "" : ":$LATEST");
	cJSON_AddStringToObject(o, "FunctionArn", arn);
	cJSON_AddNumberToObject(o, "MaximumRetryAttempts",
				(double)config_int(cfg, "MaximumRetryAttempts", 2));
	cJSON_AddNumberToObject(o, "MaximumEventAgeInSeconds",
				(double)config_int(cfg, "MaximumEventAgeInSeconds", 21600));
	cJSON *dc = cJSON_AddObjectToObject(o, "DestinationConfig");
	static const char *const which[] = { "OnSuccess", "OnFailure" };
	for (int i = 0; i < 2; i++) {
		cJSON *w = cJSON_AddObjectToObject(dc, which[i]);
		const char *d = config_dest(cfg, which[i]);
		if (d)
			cJSON_AddStringToObject(w, "Destination", d);
	}
	return o;
}

/* Lambda's refusal of a destination of a service it does not send to, or of an ARN that names
 * no resource: both destinations of the request, as its DestinationConfig reads. */
static bool bad_config(const cJSON *dc, struct api_err *e)
{
	const char *ok =
		query_str(cJSON_GetObjectItemCaseSensitive(dc, "OnSuccess"), "Destination");
	const char *of =
		query_str(cJSON_GetObjectItemCaseSensitive(dc, "OnFailure"), "Destination");
	char s[400], f[400];
	snprintf(s, sizeof(s), ok && ok[0] ? "OnSuccess(destination=%s)" : "null", ok);
	snprintf(f, sizeof(f), of && of[0] ? "OnFailure(destination=%s)" : "null", of);
	return api_err_set(e, 400, "InvalidParameterValueException",
			   "The provided destination config DestinationConfig(onSuccess=%s, "
			   "onFailure=%s) is invalid.",
			   s, f);
}

static bool check_dest(struct cloud *c, const char *account, const char *function, const char *arn,
		       bool on_failure, const cJSON *dc, struct api_err *e)
{
	if (!arn || !arn[0])
		return true;
	char acct[13], name[257], qual[129];
	if (str_starts_with(arn, "arn:aws:s3:::") && on_failure)
		return api_err_set(e, 400, "InvalidParameterValueException",
				   "The local cloud does not send asynchronous invocation records "
				   "to S3; %s: use an SQS queue, an SNS topic, a function or an "
				   "event bus.",
				   arn);
	/* Lambda sends to a queue, a topic, a function or an event bus: an ARN of another
	 * service, or one that names none of them, is no destination. */
	bool named = arn_sqs_queue(arn, acct, name, sizeof(name)) ||
		     arn_sns_topic(arn, acct, name, sizeof(name)) ||
		     arn_event_bus(arn, acct, name, sizeof(name)) ||
		     (str_starts_with(arn, "arn:aws:lambda:") &&
		      split_function(arn, account, acct, name, qual));
	if (!named)
		return bad_config(dc, e);
	if (str_starts_with(arn, "arn:aws:events:") && strcmp(name, "default") != 0)
		return api_err_set(e, 400, "InvalidParameterValueException",
				   "The local cloud has the default event bus only: %s does not "
				   "exist.",
				   arn);
	/* Lambda sends its records without a message group: a FIFO queue cannot take them. */
	if (str_starts_with(arn, "arn:aws:sqs:") && str_ends_with(arn, ".fifo"))
		return api_err_set(e, 400, "InvalidParameterValueException",
				   "The destination ARN %s is invalid.", arn);
	if (str_starts_with(arn, "arn:aws:lambda:")) {
		if (strcmp(acct, account) == 0 && strcmp(name, function) == 0)
			return api_err_set(e, 400, "InvalidParameterValueException",
					   "You can't specify the function as a destination for "
					   "itself.");
		/* Lambda checks that a function destination exists. */
		if (!function_has(c, acct, name, qual))
			return api_err_set(e, 400, "InvalidParameterValueException",
					   "The destination ARN %s is invalid.", arn);
	}
	return true;
}

/* Read a Put/Update body into cfg (merging when merge). */
static bool read_config(struct cloud *c, const char *account, const char *function, const cJSON *in,
			cJSON *cfg, struct api_err *e)
{
	static const struct {
		const char *name, *member;
		long long lo, hi;
	} nums[] = {
		{ "MaximumRetryAttempts", "maximumRetryAttempts", 0, 2 },
		{ "MaximumEventAgeInSeconds", "maximumEventAgeInSeconds", 60, 21600 },
	};
	for (size_t i = 0; i < 2; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, nums[i].name);
		if (!v || cJSON_IsNull(v))
			continue;
		if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long long)v->valuedouble)
			return api_err_set(e, 400, "InvalidRequestContentException",
					   "Could not parse request body into json: %s must be "
					   "an integer",
					   nums[i].name);
		long long n = (long long)v->valuedouble;
		if (n < nums[i].lo || n > nums[i].hi)
			return api_err_set(e, 400, "ValidationException",
					   "1 validation error detected: Value '%lld' at '%s' "
					   "failed to satisfy constraint: Member must have value "
					   "%s %lld",
					   n, nums[i].member,
					   n < nums[i].lo ? "greater than or equal to"
							  : "less than or equal to",
					   n < nums[i].lo ? nums[i].lo : nums[i].hi);
		cJSON_DeleteItemFromObjectCaseSensitive(cfg, nums[i].name);
		cJSON_AddNumberToObject(cfg, nums[i].name, (double)n);
	}
	const cJSON *dc = cJSON_GetObjectItemCaseSensitive(in, "DestinationConfig");
	if (dc && !cJSON_IsNull(dc)) {
		if (!cJSON_IsObject(dc))
			return api_err_set(e, 400, "InvalidRequestContentException",
					   "Could not parse request body into json: "
					   "DestinationConfig must be an object");
		cJSON *have = cJSON_GetObjectItemCaseSensitive(cfg, "DestinationConfig");
		if (!have)
			have = cJSON_AddObjectToObject(cfg, "DestinationConfig");
		static const char *const which[] = { "OnSuccess", "OnFailure" };
		for (int i = 0; i < 2; i++) {
			const cJSON *w = cJSON_GetObjectItemCaseSensitive(dc, which[i]);
			if (!w)
				continue;
			const char *d = query_str(w, "Destination");
			if (!check_dest(c, account, function, d, i == 1, dc, e))
				return false;
			cJSON_DeleteItemFromObjectCaseSensitive(have, which[i]);
			cJSON *nw = cJSON_AddObjectToObject(have, which[i]);
			if (d)
				cJSON_AddStringToObject(nw, "Destination", d);
		}
	}
	return true;
}

/* Whether a Put/Update input sets a retry, an age or a destination. */
static bool settings_given(const cJSON *in)
{
	static const char *const members[] = { "MaximumRetryAttempts", "MaximumEventAgeInSeconds",
					       "DestinationConfig", NULL };
	for (const char *const *k = members; *k; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, *k);
		if (v && !cJSON_IsNull(v))
			return true;
	}
	return false;
}

static bool no_config(struct aws_err *err, const char *acct, const char *name, const char *version)
{
	return aws_err_set(err, 404, "ResourceNotFoundException",
			   "The function arn:aws:lambda:%s:%s:function:%s:%s doesn't have an "
			   "EventInvokeConfig",
			   AWS_REGION_NAME, acct, name, version);
}

enum verb {
	V_PUT,
	V_UPDATE,
	V_GET,
	V_DELETE,
	V_LIST
};

/* One operation on the config of in's FunctionName (and Qualifier): the output, or NULL
 * with err. Lambda words a missing function apart for reads and deletes (no config) and for
 * writes and lists (no function). */
static cJSON *config_op(struct cloud *c, const char *account, enum verb v, const cJSON *in,
			struct aws_err *err)
{
	const char *ref = query_str(in, "FunctionName");
	const char *qual = v == V_LIST ? NULL : query_str(in, "Qualifier");
	char acct[13] = "", name[65] = "", in_ref[129] = "";
	bool reading = v == V_GET || v == V_DELETE;
	cJSON *out = NULL, *cfg = NULL, *next = NULL;
	/* Lambda checks the request before it looks the function up. */
	if ((v == V_PUT || v == V_UPDATE) && !settings_given(in)) {
		aws_err_set(err, 400, "InvalidParameterValueException",
			    "You must specify at least one of error handling or destination "
			    "setting.");
		goto done;
	}
	bool named = split_function(ref ? ref : "", account, acct, name, in_ref);
	bool found = named && function_has(c, acct, name, "");
	/* A version or an alias has a config of its own, named by Qualifier or in the name. */
	char q[129];
	snprintf(q, sizeof(q), "%s",
		 qual && qual[0] && strcmp(qual, "$LATEST") != 0 ? qual : in_ref);
	const char *version = q[0] ? q : "$LATEST";
	if (!found && reading && named) {
		no_config(err, acct, name, version);
		goto done;
	}
	if (!found) {
		aws_err_set(err, 404, "ResourceNotFoundException", "The function doesn't exist.");
		goto done;
	}
	if (q[0] && in_ref[0] && strcmp(q, in_ref) != 0) {
		aws_err_set(err, 400, "InvalidParameterValueException",
			    "The derived qualifier from the function name does not match the "
			    "specified qualifier.");
		goto done;
	}
	if (q[0] && !function_has(c, acct, name, q)) {
		if (reading)
			no_config(err, acct, name, q);
		else
			aws_err_set(err, 404, "ResourceNotFoundException",
				    "Function not found: arn:aws:lambda:%s:%s:function:%s:%s",
				    AWS_REGION_NAME, acct, name, q);
		goto done;
	}
	char key[200];
	config_key(key, sizeof(key), name, q);
	cfg = config_load(c, acct, key);
	switch (v) {
	case V_LIST:
		out = cJSON_CreateObject();
		config_list(c, acct, name,
			    cJSON_AddArrayToObject(out, "FunctionEventInvokeConfigs"));
		break;
	case V_GET:
	case V_DELETE:
		if (!cfg) {
			no_config(err, acct, name, version);
		} else if (v == V_GET) {
			out = config_view(acct, key, cfg);
		} else {
			config_save(c, acct, key, NULL);
			out = cJSON_CreateObject();
		}
		break;
	case V_PUT:
	case V_UPDATE: {
		struct api_err e = { 0 };
		bool merge = v == V_UPDATE;
		next = merge && cfg ? cJSON_Duplicate(cfg, true) : cJSON_CreateObject();
		if (merge && !cfg) {
			no_config(err, acct, name, version);
		} else if (!read_config(c, acct, name, in, next, &e)) {
			aws_err_set(err, e.status, e.type, "%s", e.msg);
		} else {
			cJSON_DeleteItemFromObjectCaseSensitive(next, "LastModified");
			cJSON_AddNumberToObject(next, "LastModified",
						(double)vclock_now_ms(c->vclock, acct) / 1000.0);
			config_save(c, acct, key, next);
			out = config_view(acct, key, next);
		}
		break;
	}
	}
done:
	cJSON_Delete(next);
	cJSON_Delete(cfg);
	return out;
}

cJSON *async_op(struct cloud *c, const char *account, const char *op, const cJSON *in,
		struct aws_err *err)
{
	static const struct {
		const char *op;
		enum verb v;
	} verbs[] = {
		{ "PutFunctionEventInvokeConfig", V_PUT },
		{ "UpdateFunctionEventInvokeConfig", V_UPDATE },
		{ "GetFunctionEventInvokeConfig", V_GET },
		{ "DeleteFunctionEventInvokeConfig", V_DELETE },
		{ "ListFunctionEventInvokeConfigs", V_LIST },
	};
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(op, verbs[i].op) == 0)
			return config_op(c, account, verbs[i].v, in, err);
	aws_err_set(err, 501, "NotImplemented", "The local cloud does not offer %s", op);
	return NULL;
}
