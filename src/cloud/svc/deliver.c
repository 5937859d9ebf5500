/*
 * Delivery to an ARN through the target service's own operation: Lambda's Invoke, SQS's
 * SendMessage, SNS's Publish, EventBridge's PutEvents (and, to check a target, Invoke's
 * DryRun, GetQueueAttributes, GetTopicAttributes, DescribeEventBus).
 */
#include "cloud/svc/deliver.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/http/aws.h"
#include "cloud/iam/iam.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "core/xalloc.h"

void svc_caller_service(struct svc_caller *out, const char *account, const char *principal,
			const char *source_arn)
{
	svc_caller_for_account(out, account);
	snprintf(out->service, sizeof(out->service), "%s", principal);
	snprintf(out->source_arn, sizeof(out->source_arn), "%s", source_arn ? source_arn : "");
	snprintf(out->source_account, sizeof(out->source_account), "%s", account);
}

void deliver_result_release(struct deliver_result *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* The caller a delivery runs as: by, in the target's account (its owner). */
static void as_owner(struct svc_caller *out, const struct svc_caller *by, const char *account)
{
	*out = *by;
	snprintf(out->account, sizeof(out->account), "%s", account);
}

static const char *out_str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* ---- Lambda ---- */

static cJSON *invoke_input(const char *arn, const char *type, const struct deliver_msg *m)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "FunctionName", arn);
	cJSON_AddStringToObject(in, "InvocationType", type);
	if (m) {
		char *b64 = aws_base64_encode(m->payload, m->len);
		cJSON_AddStringToObject(in, "Payload", b64);
		free(b64);
	}
	return in;
}

/* The answer of an Invoke into r. */
static void invoke_result(const cJSON *out, struct deliver_result *r)
{
	r->function_error = out_str(out, "FunctionError") != NULL;
	const char *b64 = out_str(out, "Payload");
	size_t n = 0;
	unsigned char *raw = b64 ? aws_base64_decode(b64, strlen(b64), &n) : NULL;
	r->body = raw ? (char *)raw : xstrdup("");
	r->body_len = raw ? n : 0;
}

/* One synchronous invocation on its own thread, so that the caller can stop waiting. */
struct sync_call {
	struct cloud *c;
	struct svc_caller by;
	cJSON *in;
	char rid[37];
	cJSON *out;
	struct aws_err err;
	pthread_cond_t done_cond;
	bool done, abandoned;
};

static void sync_call_free(struct sync_call *k)
{
	cJSON_Delete(k->in);
	cJSON_Delete(k->out);
	aws_err_release(&k->err);
	pthread_cond_destroy(&k->done_cond);
	free(k);
}

static void *sync_call_run(void *arg)
{
	struct sync_call *k = arg;
	struct cloud *c = k->c;
	k->out = svc_call_as(c, &k->by, "lambda", "Invoke", k->in, k->rid, &k->err);
	pthread_mutex_lock(&c->mu);
	c->async_running--;
	pthread_cond_broadcast(&c->async_cond);
	k->done = true;
	bool abandoned = k->abandoned;
	pthread_cond_signal(&k->done_cond);
	pthread_mutex_unlock(&c->mu);
	if (abandoned)
		sync_call_free(k);
	return NULL;
}

/* Invoke and wait at most timeout_ms for the answer; the invocation itself runs on. */
static bool invoke_waiting(struct cloud *c, const struct svc_caller *by, cJSON *in, const char *rid,
			   int timeout_ms, struct deliver_result *r, struct aws_err *err)
{
	struct sync_call *k = xcalloc(1, sizeof(*k));
	k->c = c;
	k->by = *by;
	k->in = in;
	snprintf(k->rid, sizeof(k->rid), "%s", rid);
	pthread_cond_init(&k->done_cond, NULL);
	pthread_mutex_lock(&c->mu);
	bool stopping = c->stopping;
	if (!stopping)
		c->async_running++; /* shutdown waits for it */
	pthread_mutex_unlock(&c->mu);
	if (stopping) {
		sync_call_free(k);
		return aws_err_set(err, 503, "ServiceException", "The local cloud is stopping");
	}
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, sync_call_run, k) != 0)
		sync_call_run(k);
	pthread_attr_destroy(&attr);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->mu);
	while (!k->done && pthread_cond_timedwait(&k->done_cond, &c->mu, &until) == 0)
		;
	bool done = k->done;
	if (!done)
		k->abandoned = true; /* the function runs on; its thread frees the call */
	pthread_mutex_unlock(&c->mu);
	if (!done) {
		r->timed_out = true;
		return true;
	}
	bool ok = k->out != NULL;
	if (ok)
		invoke_result(k->out, r);
	else
		*err = k->err, k->err.fields = NULL;
	sync_call_free(k);
	return ok;
}

static bool to_function(struct cloud *c, const struct svc_caller *by, const char *arn,
			const struct deliver_msg *m, const char *rid, struct deliver_result *r,
			struct aws_err *err)
{
	cJSON *in = invoke_input(arn, m->sync ? "RequestResponse" : "Event", m);
	snprintf(r->id, sizeof(r->id), "%s", rid);
	if (m->sync && m->timeout_ms > 0)
		return invoke_waiting(c, by, in, rid, m->timeout_ms, r, err);
	cJSON *out = svc_call_as(c, by, "lambda", "Invoke", in, rid, err);
	cJSON_Delete(in);
	if (!out)
		return false;
	if (m->sync)
		invoke_result(out, r);
	cJSON_Delete(out);
	return true;
}

/* ---- SQS, SNS, EventBridge ---- */

/*
 * Whether by, a service principal acting for a resource (sns.amazonaws.com for a topic), may
 * perform action on the queue or topic arn of service: what the target's own policy says,
 * with aws:SourceArn and aws:SourceAccount, as AWS decides: a queue without a policy (or a
 * topic with only its default one, which grants the owner's account alone) refuses it, even
 * in the same account. A target that does not exist is the operation's own error.
 */
static bool service_may(struct cloud *c, const struct svc_caller *by, const char *service,
			const char *action, const char *arn, const char *code, struct aws_err *err)
{
	const struct cloud_service *s = svc_find(service);
	char owner[13] = "", *policy = NULL;
	if (!by->service[0] || !s || !s->resource_policy ||
	    !s->resource_policy(c, arn, owner, &policy))
		return true;
	struct iam_authz q = {
		.action = action,
		.resource = arn,
		.resource_account = owner,
		.resource_policy = policy,
	};
	struct iam_result r;
	bool ok = iam_authorize(c, by, &q, &r);
	if (!ok)
		aws_err_set(err, 403, code, "%s", r.message);
	free(policy);
	return ok;
}

static void add_attrs(cJSON *in, const struct deliver_msg *m)
{
	if (m->attrs && m->attrs->child)
		cJSON_AddItemToObject(in, "MessageAttributes", cJSON_Duplicate(m->attrs, true));
}

static char *queue_url(struct cloud *c, const char *account, const char *name)
{
	return xasprintf("%s/%s/%s", c->endpoint, account, name);
}

static bool to_queue(struct cloud *c, const struct svc_caller *by, const char *arn,
		     const struct deliver_msg *m, struct deliver_result *r, struct aws_err *err)
{
	char account[13], name[81];
	if (!arn_sqs_queue(arn, account, name, sizeof(name)))
		return aws_err_set(err, 400, "InvalidParameterValue", "%s is not a queue's ARN",
				   arn);
	if (!service_may(c, by, "sqs", "sqs:SendMessage", arn, "AccessDenied", err))
		return false;
	struct svc_caller owner;
	as_owner(&owner, by, account);
	cJSON *in = cJSON_CreateObject();
	char *url = queue_url(c, account, name);
	cJSON_AddStringToObject(in, "QueueUrl", url);
	free(url);
	cJSON_AddStringToObject(in, "MessageBody", m->payload);
	if (m->group_id)
		cJSON_AddStringToObject(in, "MessageGroupId", m->group_id);
	if (m->dedup_id)
		cJSON_AddStringToObject(in, "MessageDeduplicationId", m->dedup_id);
	add_attrs(in, m);
	cJSON *out = svc_call_internal(c, &owner, "sqs", "SendMessage", in, err);
	cJSON_Delete(in);
	if (out && out_str(out, "MessageId"))
		snprintf(r->id, sizeof(r->id), "%s", out_str(out, "MessageId"));
	cJSON_Delete(out);
	return out != NULL;
}

static bool to_topic(struct cloud *c, const struct svc_caller *by, const char *arn,
		     const struct deliver_msg *m, struct deliver_result *r, struct aws_err *err)
{
	char account[13], name[257];
	if (!arn_sns_topic(arn, account, name, sizeof(name)))
		return aws_err_set(err, 400, "InvalidParameter", "%s is not a topic's ARN", arn);
	if (!service_may(c, by, "sns", "sns:Publish", arn, "AuthorizationError", err))
		return false;
	struct svc_caller owner;
	as_owner(&owner, by, account);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "TopicArn", arn);
	cJSON_AddStringToObject(in, "Message", m->payload);
	if (m->subject)
		cJSON_AddStringToObject(in, "Subject", m->subject);
	add_attrs(in, m);
	cJSON *out = svc_call_internal(c, &owner, "sns", "Publish", in, err);
	cJSON_Delete(in);
	if (out && out_str(out, "MessageId"))
		snprintf(r->id, sizeof(r->id), "%s", out_str(out, "MessageId"));
	cJSON_Delete(out);
	return out != NULL;
}

static bool to_bus(struct cloud *c, const struct svc_caller *by, const char *arn,
		   const struct deliver_msg *m, struct deliver_result *r, struct aws_err *err)
{
	char account[13], name[257];
	if (!arn_event_bus(arn, account, name, sizeof(name)))
		return aws_err_set(err, 400, "ValidationException", "%s is not an event bus's ARN",
				   arn);
	struct svc_caller owner;
	as_owner(&owner, by, account);
	cJSON *in = cJSON_CreateObject();
	cJSON *entry = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(in, "Entries"), entry);
	cJSON_AddStringToObject(entry, "EventBusName", arn);
	cJSON_AddStringToObject(entry, "Source", m->source ? m->source : "");
	cJSON_AddStringToObject(entry, "DetailType", m->detail_type ? m->detail_type : "");
	cJSON_AddStringToObject(entry, "Detail", m->payload);
	if (m->resources)
		cJSON_AddItemToObject(entry, "Resources", cJSON_Duplicate(m->resources, true));
	cJSON *out = svc_call_internal(c, &owner, "events", "PutEvents", in, err);
	cJSON_Delete(in);
	const cJSON *first =
		cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(out, "Entries"), 0);
	bool ok = out != NULL;
	if (ok && out_str(first, "ErrorCode"))
		ok = aws_err_set(err, 400, out_str(first, "ErrorCode"), "%s",
				 out_str(first, "ErrorMessage") ? out_str(first, "ErrorMessage")
								: "");
	else if (ok && out_str(first, "EventId"))
		snprintf(r->id, sizeof(r->id), "%s", out_str(first, "EventId"));
	cJSON_Delete(out);
	return ok;
}

bool deliver(struct cloud *c, const struct svc_caller *by, const char *target_arn,
	     const struct deliver_msg *m, const char *request_id, struct deliver_result *r,
	     struct aws_err *err)
{
	memset(r, 0, sizeof(*r));
	struct arn a;
	char rid[37];
	if (request_id)
		snprintf(rid, sizeof(rid), "%s", request_id);
	else
		aws_uuid(rid);
	if (!target_arn || !arn_parse(target_arn, &a))
		return aws_err_set(err, 400, "InvalidParameterValueException", "%s is not an ARN",
				   target_arn ? target_arn : "(none)");
	if (strcmp(a.service, "lambda") == 0)
		return to_function(c, by, target_arn, m, rid, r, err);
	if (strcmp(a.service, "sqs") == 0)
		return to_queue(c, by, target_arn, m, r, err);
	if (strcmp(a.service, "sns") == 0)
		return to_topic(c, by, target_arn, m, r, err);
	if (strcmp(a.service, "events") == 0)
		return to_bus(c, by, target_arn, m, r, err);
	return aws_err_set(err, 501, "NotImplemented",
			   "The local cloud does not deliver to %s (a %s ARN)", target_arn,
			   a.service);
}

bool deliver_as_role(struct cloud *c, const char *account, const char *role_arn,
		     const char *principal, const char *target_arn, const struct deliver_msg *m,
		     struct deliver_result *r, struct aws_err *err)
{
	memset(r, 0, sizeof(*r));
	struct arn a;
	if (!target_arn || !arn_parse(target_arn, &a))
		return aws_err_set(err, 400, "InvalidParameterValueException", "%s is not an ARN",
				   target_arn ? target_arn : "(none)");
	static const struct {
		const char *service, *action;
	} actions[] = {
		{ "lambda", "lambda:InvokeFunction" },
		{ "sqs", "sqs:SendMessage" },
		{ "sns", "sns:Publish" },
		{ "events", "events:PutEvents" },
	};
	const char *action = NULL;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(a.service, actions[i].service) == 0)
			action = actions[i].action;
	if (!action)
		return aws_err_set(err, 501, "NotImplemented",
				   "The local cloud does not deliver to %s (a %s ARN)", target_arn,
				   a.service);
	if (!iam_role_trusts(c, account, role_arn, principal))
		return aws_err_set(err, 403, "AccessDenied",
				   "%s is not authorized to assume the role %s", principal,
				   role_arn);
	/* The session is named after the principal's service, as AWS names it in CloudTrail. */
	char session[64];
	snprintf(session, sizeof(session), "%.*s", (int)strcspn(principal, "."), principal);
	if (!iam_role_may(c, account, role_arn, session, action, target_arn))
		return aws_err_set(err, 403, "AccessDenied",
				   "The role %s is not authorized to perform: %s on resource: %s",
				   role_arn, action, target_arn);
	struct svc_caller by;
	svc_caller_for_account(&by, account);
	return deliver(c, &by, target_arn, m, NULL, r, err);
}

bool deliver_check(struct cloud *c, const struct svc_caller *by, const char *target_arn,
		   struct aws_err *err)
{
	struct arn a;
	char account[13], name[257];
	struct svc_caller owner;
	cJSON *in = cJSON_CreateObject(), *out = NULL;
	if (!target_arn || !arn_parse(target_arn, &a)) {
		aws_err_set(err, 400, "InvalidParameterValueException", "%s is not an ARN",
			    target_arn ? target_arn : "(none)");
	} else if (strcmp(a.service, "lambda") == 0) {
		cJSON_Delete(in);
		in = invoke_input(target_arn, "DryRun", NULL);
		out = svc_call_internal(c, by, "lambda", "Invoke", in, err);
	} else if (arn_sqs_queue(target_arn, account, name, 81)) {
		if (!service_may(c, by, "sqs", "sqs:SendMessage", target_arn, "AccessDenied", err))
			goto done;
		as_owner(&owner, by, account);
		char *url = queue_url(c, account, name);
		cJSON_AddStringToObject(in, "QueueUrl", url);
		free(url);
		cJSON_AddItemToObject(in, "AttributeNames",
				      cJSON_CreateStringArray((const char *[]){ "QueueArn" }, 1));
		out = svc_call_internal(c, &owner, "sqs", "GetQueueAttributes", in, err);
	} else if (arn_sns_topic(target_arn, account, name, sizeof(name))) {
		if (!service_may(c, by, "sns", "sns:Publish", target_arn, "AuthorizationError",
				 err))
			goto done;
		as_owner(&owner, by, account);
		cJSON_AddStringToObject(in, "TopicArn", target_arn);
		out = svc_call_internal(c, &owner, "sns", "GetTopicAttributes", in, err);
	} else if (arn_event_bus(target_arn, account, name, sizeof(name))) {
		as_owner(&owner, by, account);
		cJSON_AddStringToObject(in, "Name", target_arn);
		out = svc_call_internal(c, &owner, "events", "DescribeEventBus", in, err);
	} else {
		aws_err_set(err, 501, "NotImplemented",
			    "The local cloud does not deliver to %s (a %s ARN)", target_arn,
			    a.service);
	}
done:;
	bool ok = out != NULL;
	cJSON_Delete(in);
	cJSON_Delete(out);
	return ok;
}
