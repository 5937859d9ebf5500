/*
 * A SAM function's Events: S3 (the bucket's notification and a permission), SNS (a
 * subscription and a permission, or with SqsSubscription a queue between topic and function:
 * the queue's policy, its subscription and an event source mapping), SQS, DynamoDB and Kinesis
 * (event source mappings, and the role's managed policy for the source), Schedule, CloudWatchEvent
 * and EventBridgeRule (a rule and a permission), Api and HttpApi (a permission, and a path on the
 * API).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/intrinsic.h"
#include "cloud/cfn/sam_internal.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *jget(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void pass(cJSON *dst, const cJSON *o, const char *k, const char *as)
{
	const cJSON *v = jget(o, k);
	if (v && !cJSON_IsNull(v))
		cJSON_AddItemToObject(dst, as ? as : k, cJSON_Duplicate(v, true));
}

/* One event being turned into resources. */
struct event {
	struct sam *s;
	const char *fn;        /* the function's logical id */
	const char *name;      /* the event's name */
	char *id;              /* fn + name: the logical id of what it makes */
	const cJSON *props;    /* the event's Properties */
	const cJSON *target;   /* {"Ref": alias or function}: its name */
	cJSON *target_arn;     /* {"Ref": alias} or {"Fn::GetAtt": [function, Arn]} */
	cJSON *role;           /* the generated role, or NULL */
	const char *condition; /* the function's Condition */
};

static void put_resource(struct event *e, const char *id, cJSON *def)
{
	if (e->condition && !jget(def, "Condition"))
		cJSON_AddStringToObject(def, "Condition", e->condition);
	sam_put(e->s, id, def);
}

static bool required(struct event *e, const char *prop)
{
	if (jget(e->props, prop))
		return true;
	return sam_fail_event(e->s, e->fn, e->name, "Missing required property '%s'.", prop);
}

static void add_role_managed(struct event *e, const char *arn)
{
	if (!e->role)
		return;
	cJSON *arns = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(e->role, "Properties"), "ManagedPolicyArns");
	const cJSON *it;
	cJSON_ArrayForEach(it, arns)
	{
		if (cJSON_IsString(it) && strcmp(it->valuestring, arn) == 0)
			return;
	}
	cJSON_AddItemToArray(arns, cJSON_CreateString(arn));
}

static void add_permission(struct event *e, const char *principal, cJSON *source_arn,
			   cJSON *source_account, const char *suffix)
{
	char *pid = xasprintf("%sPermission%s", e->id, suffix ? suffix : "");
	put_resource(e, pid, sam_permission(e->target, principal, source_arn, source_account));
	free(pid);
}

/* SQS, DynamoDB, Kinesis: an event source mapping. */
static bool pull_event(struct event *e, const char *arn_prop, const char *policy)
{
	if (!required(e, arn_prop))
		return false;
	cJSON *def = cJSON_CreateObject();
	cJSON_AddStringToObject(def, "Type", "AWS::Lambda::EventSourceMapping");
	cJSON *p = cJSON_AddObjectToObject(def, "Properties");
	cJSON_AddItemToObject(p, "FunctionName", cJSON_Duplicate(e->target, true));
	pass(p, e->props, arn_prop, "EventSourceArn");
	static const char *const same[] = { "StartingPosition",
					    "StartingPositionTimestamp",
					    "BatchSize",
					    "Enabled",
					    "MaximumBatchingWindowInSeconds",
					    "MaximumRetryAttempts",
					    "BisectBatchOnFunctionError",
					    "MaximumRecordAgeInSeconds",
					    "ParallelizationFactor",
					    "TumblingWindowInSeconds",
					    "FunctionResponseTypes",
					    "FilterCriteria",
					    "KmsKeyArn",
					    "ScalingConfig",
					    "MetricsConfig",
					    NULL };
	for (const char *const *k = same; *k; k++)
		pass(p, e->props, *k, NULL);
	const cJSON *dc = jget(e->props, "DestinationConfig");
	if (dc) {
		cJSON *copy = cJSON_Duplicate(dc, true);
		cJSON *of = cJSON_GetObjectItemCaseSensitive(copy, "OnFailure");
		const char *type = jstr(of, "Type");
		if (type && e->role) {
			const char *action = strcmp(type, "SQS") == 0   ? "sqs:SendMessage"
					     : strcmp(type, "SNS") == 0 ? "sns:publish"
									: NULL;
			if (action) {
				cJSON *pol = cJSON_CreateObject();
				char *pname = xasprintf("%s%sPolicy", e->id, type);
				cJSON_AddStringToObject(pol, "PolicyName", pname);
				free(pname);
				cJSON *doc = cJSON_AddObjectToObject(pol, "PolicyDocument");
				cJSON *st = cJSON_AddArrayToObject(doc, "Statement");
				cJSON *one = cJSON_CreateObject();
				cJSON_AddStringToObject(one, "Action", action);
				cJSON_AddStringToObject(one, "Effect", "Allow");
				pass(one, of, "Destination", "Resource");
				cJSON_AddItemToArray(st, one);
				cJSON *rp = cJSON_GetObjectItemCaseSensitive(e->role, "Properties");
				cJSON *pols = cJSON_GetObjectItemCaseSensitive(rp, "Policies");
				if (!pols)
					pols = cJSON_AddArrayToObject(rp, "Policies");
				cJSON_AddItemToArray(pols, pol);
			}
		}
		if (type)
			cJSON_DeleteItemFromObjectCaseSensitive(of, "Type");
		cJSON_AddItemToObject(p, "DestinationConfig", copy);
	}
	put_resource(e, e->id, def);
	add_role_managed(e, policy);
	return true;
}

static bool s3_event(struct event *e)
{
	if (!required(e, "Bucket") || !required(e, "Events"))
		return false;
	const cJSON *b = jget(e->props, "Bucket");
	const char *fn = cfn_intrinsic_name(b);
	const char *bucket_id = fn && strcmp(fn, "Ref") == 0 && cJSON_IsString(b->child)
					? b->child->valuestring
					: NULL;
	cJSON *bucket =
		bucket_id ? cJSON_GetObjectItemCaseSensitive(e->s->resources, bucket_id) : NULL;
	if (!bucket || !jstr(bucket, "Type") ||
	    strcmp(jstr(bucket, "Type"), "AWS::S3::Bucket") != 0)
		return sam_fail_event(
			e->s, e->fn, e->name,
			"S3 events must reference an S3 bucket in the same template.");
	char *pid = xasprintf("%sPermission", e->id);
	/* The bucket is made after the permission, or S3 cannot check the notification. */
	cJSON *dep = cJSON_GetObjectItemCaseSensitive(bucket, "DependsOn");
	if (cJSON_IsString(dep)) {
		cJSON *list = cJSON_CreateArray();
		cJSON_AddItemToArray(list, cJSON_CreateString(dep->valuestring));
		cJSON_ReplaceItemInObjectCaseSensitive(bucket, "DependsOn", list);
		dep = list;
	} else if (!dep) {
		dep = cJSON_AddArrayToObject(bucket, "DependsOn");
	}
	bool seen = false;
	const cJSON *it;
	cJSON_ArrayForEach(it, dep)
	{
		seen = seen || (cJSON_IsString(it) && strcmp(it->valuestring, pid) == 0);
	}
	if (!seen)
		cJSON_AddItemToArray(dep, cJSON_CreateString(pid));
	cJSON *sa = cJSON_CreateObject();
	cJSON_AddStringToObject(sa, "Ref", "AWS::AccountId");
	put_resource(e, pid, sam_permission(e->target, "s3.amazonaws.com", NULL, sa));
	free(pid);
	cJSON *props = cJSON_GetObjectItemCaseSensitive(bucket, "Properties");
	if (!props)
		props = cJSON_AddObjectToObject(bucket, "Properties");
	cJSON *nc = cJSON_GetObjectItemCaseSensitive(props, "NotificationConfiguration");
	if (!nc)
		nc = cJSON_AddObjectToObject(props, "NotificationConfiguration");
	cJSON *lc = cJSON_GetObjectItemCaseSensitive(nc, "LambdaConfigurations");
	if (!lc)
		lc = cJSON_AddArrayToObject(nc, "LambdaConfigurations");
	const cJSON *events = jget(e->props, "Events");
	cJSON *list = cJSON_IsArray(events) ? cJSON_Duplicate(events, true) : cJSON_CreateArray();
	if (!cJSON_IsArray(events))
		cJSON_AddItemToArray(list, cJSON_Duplicate(events, true));
	cJSON_ArrayForEach(it, list)
	{
		cJSON *m = cJSON_CreateObject();
		cJSON_AddItemToObject(m, "Function", cJSON_Duplicate(e->target_arn, true));
		pass(m, e->props, "Filter", NULL);
		cJSON_AddItemToObject(m, "Event", cJSON_Duplicate(it, true));
		bool dup = false;
		const cJSON *x;
		cJSON_ArrayForEach(x, lc)
		{
			dup = dup || cJSON_Compare(x, m, true);
		}
		if (dup)
			cJSON_Delete(m);
		else
			cJSON_AddItemToArray(lc, m);
	}
	cJSON_Delete(list);
	return true;
}

/* Whether a value is true as the transform's Python reads it: not false, 0, "", null, {}
 * or []. */
static bool truthy(const cJSON *v)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return false;
	if (cJSON_IsNumber(v))
		return v->valuedouble != 0;
	if (cJSON_IsString(v))
		return v->valuestring[0] != '\0';
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return v->child != NULL;
	return true;
}

/* The topic's subscription of the function (protocol "lambda") or of a queue ("sqs"). Takes
 * endpoint. */
static void sns_subscription(struct event *e, const char *protocol, cJSON *endpoint)
{
	cJSON *def = cJSON_CreateObject();
	cJSON_AddStringToObject(def, "Type", "AWS::SNS::Subscription");
	cJSON *p = cJSON_AddObjectToObject(def, "Properties");
	cJSON_AddItemToObject(p, "Endpoint", endpoint);
	cJSON_AddStringToObject(p, "Protocol", protocol);
	pass(p, e->props, "Topic", "TopicArn");
	pass(p, e->props, "Region", NULL);
	pass(p, e->props, "FilterPolicy", NULL);
	pass(p, e->props, "FilterPolicyScope", NULL);
	pass(p, e->props, "RedrivePolicy", NULL);
	put_resource(e, e->id, def);
}

/* Whether the topic is a FIFO topic of this template (FifoTopic, after parameters), and its
 * value when it is. Caller deletes. */
static cJSON *fifo_topic(struct event *e)
{
	const cJSON *t = jget(e->props, "Topic");
	const char *fn = cfn_intrinsic_name(t);
	char *id = NULL;
	if (fn && strcmp(fn, "Ref") == 0 && cJSON_IsString(t->child)) {
		id = xstrdup(t->child->valuestring);
	} else if (fn && strcmp(fn, "Fn::GetAtt") == 0) {
		const cJSON *a = t->child;
		if (cJSON_IsArray(a) && cJSON_GetArraySize(a) == 2 && cJSON_IsString(a->child)) {
			id = xstrdup(a->child->valuestring);
		} else if (cJSON_IsString(a)) {
			/* "Topic.TopicArn": exactly two parts. */
			const char *dot = strchr(a->valuestring, '.');
			if (dot && !strchr(dot + 1, '.'))
				id = xstrndup(a->valuestring, (size_t)(dot - a->valuestring));
		}
	}
	if (!id)
		return NULL;
	const cJSON *res = jget(jget(e->s->src, "Resources"), id);
	free(id);
	const cJSON *given = jget(jget(res, "Properties"), "FifoTopic");
	cJSON *v = given ? sam_resolve_params(e->s, given) : NULL;
	if (!truthy(v)) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

/* SNS -> SQS -> Lambda: the queue's policy letting the topic send, the topic's subscription
 * of the queue, and the function's event source mapping on the queue (with the role's
 * managed policy for SQS). queue_arn and queue_url are taken. */
static void sns_through_queue(struct event *e, cJSON *queue_arn, cJSON *queue_url,
			      const char *policy_id, const cJSON *batch_size)
{
	cJSON *pol = cJSON_CreateObject();
	cJSON_AddStringToObject(pol, "Type", "AWS::SQS::QueuePolicy");
	cJSON *pp = cJSON_AddObjectToObject(pol, "Properties");
	cJSON *doc = cJSON_AddObjectToObject(pp, "PolicyDocument");
	cJSON_AddStringToObject(doc, "Version", "2012-10-17");
	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "Action", "sqs:SendMessage");
	cJSON_AddStringToObject(st, "Effect", "Allow");
	cJSON_AddStringToObject(st, "Principal", "*");
	cJSON_AddItemToObject(st, "Resource", cJSON_Duplicate(queue_arn, true));
	cJSON *cond = cJSON_AddObjectToObject(st, "Condition");
	cJSON_AddItemToObject(cJSON_AddObjectToObject(cond, "ArnEquals"), "aws:SourceArn",
			      cJSON_Duplicate(jget(e->props, "Topic"), true));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "Statement"), st);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(pp, "Queues"), queue_url);
	char *pid = policy_id ? xstrdup(policy_id) : xasprintf("%sQueuePolicy", e->id);
	put_resource(e, pid, pol);
	free(pid);

	sns_subscription(e, "sqs", cJSON_Duplicate(queue_arn, true));

	/* The transform's mapping is always enabled; a batch size of 0 or none is 10. */
	cJSON *esm = cJSON_CreateObject();
	cJSON_AddStringToObject(esm, "Type", "AWS::Lambda::EventSourceMapping");
	cJSON *mp = cJSON_AddObjectToObject(esm, "Properties");
	cJSON_AddItemToObject(mp, "FunctionName", cJSON_Duplicate(e->target, true));
	cJSON_AddItemToObject(mp, "EventSourceArn", queue_arn);
	if (truthy(batch_size))
		cJSON_AddItemToObject(mp, "BatchSize", cJSON_Duplicate(batch_size, true));
	else
		cJSON_AddNumberToObject(mp, "BatchSize", 10);
	cJSON_AddBoolToObject(mp, "Enabled", true);
	char *mid = xasprintf("%sEventSourceMapping", e->id);
	put_resource(e, mid, esm);
	free(mid);
	add_role_managed(e, "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole");
}

static bool sns_event(struct event *e)
{
	if (!required(e, "Topic"))
		return false;
	const cJSON *sqs = jget(e->props, "SqsSubscription");
	if (sqs && !cJSON_IsBool(sqs) && !cJSON_IsObject(sqs))
		return sam_fail(e->s, e->id, "Type of property 'SqsSubscription' is invalid.");
	if (!truthy(sqs)) {
		add_permission(e, "sns.amazonaws.com",
			       cJSON_Duplicate(jget(e->props, "Topic"), true), NULL, NULL);
		sns_subscription(e, "lambda", cJSON_Duplicate(e->target_arn, true));
		return true;
	}
	if (cJSON_IsTrue(sqs)) {
		/* A queue of the function's own, FIFO when the topic is. */
		char *qid = xasprintf("%sQueue", e->id);
		cJSON *q = cJSON_CreateObject();
		cJSON_AddStringToObject(q, "Type", "AWS::SQS::Queue");
		cJSON *qp = cJSON_AddObjectToObject(q, "Properties");
		cJSON *fifo = fifo_topic(e);
		if (fifo)
			cJSON_AddItemToObject(qp, "FifoQueue", fifo);
		put_resource(e, qid, q);
		sns_through_queue(e, sam_getatt(qid, "Arn"), sam_ref(qid), NULL, NULL);
		free(qid);
		return true;
	}
	/* An existing queue. */
	const cJSON *arn = jget(sqs, "QueueArn");
	const cJSON *url = jget(sqs, "QueueUrl");
	if (!truthy(arn) || !truthy(url))
		return sam_fail_event(e->s, e->fn, e->name, "No QueueARN or QueueURL provided.");
	const cJSON *pid = jget(sqs, "QueuePolicyLogicalId");
	sns_through_queue(e, cJSON_Duplicate(arn, true), cJSON_Duplicate(url, true),
			  truthy(pid) && cJSON_IsString(pid) ? pid->valuestring : NULL,
			  jget(sqs, "BatchSize"));
	return true;
}

/* Schedule, CloudWatchEvent and EventBridgeRule: a rule whose target is the function. */
static bool rule_event(struct event *e, bool schedule)
{
	if (!required(e, schedule ? "Schedule" : "Pattern"))
		return false;
	if (jget(e->props, "State") && jget(e->props, "Enabled"))
		return sam_fail_event(e->s, e->fn, e->name,
				      "State and Enabled Properties cannot both be specified.");
	cJSON *def = cJSON_CreateObject();
	cJSON_AddStringToObject(def, "Type", "AWS::Events::Rule");
	cJSON *p = cJSON_AddObjectToObject(def, "Properties");
	if (schedule) {
		pass(p, e->props, "Schedule", "ScheduleExpression");
		pass(p, e->props, "Name", NULL);
		pass(p, e->props, "Description", NULL);
	} else {
		pass(p, e->props, "EventBusName", NULL);
		pass(p, e->props, "Pattern", "EventPattern");
		pass(p, e->props, "RuleName", "Name");
	}
	pass(p, e->props, "State", NULL);
	const cJSON *enabled = jget(e->props, "Enabled");
	if (enabled) {
		bool on = cJSON_IsTrue(enabled) ||
			  (cJSON_IsString(enabled) && strcmp(enabled->valuestring, "true") == 0);
		cJSON_AddStringToObject(p, "State", on ? "ENABLED" : "DISABLED");
	}
	cJSON *targets = cJSON_AddArrayToObject(p, "Targets");
	cJSON *t = cJSON_CreateObject();
	cJSON_AddItemToObject(t, "Arn", cJSON_Duplicate(e->target_arn, true));
	const cJSON *given = jget(e->props, "Target");
	if (jstr(given, "Id")) {
		cJSON_AddStringToObject(t, "Id", jstr(given, "Id"));
	} else {
		/* A target id is at most 64 characters. */
		char *tid = xasprintf("%sLambdaTarget", e->id);
		if (strlen(tid) > 64) {
			char *shorter = xasprintf("%.*sLambdaTarget", 64 - 12, e->id);
			free(tid);
			tid = shorter;
		}
		cJSON_AddStringToObject(t, "Id", tid);
		free(tid);
	}
	pass(t, e->props, "Input", NULL);
	pass(t, e->props, "InputPath", NULL);
	pass(t, e->props, "RetryPolicy", NULL);
	pass(t, e->props, "InputTransformer", NULL);
	cJSON_AddItemToArray(targets, t);
	put_resource(e, e->id, def);
	cJSON *arn = cJSON_CreateObject();
	cJSON *ga = cJSON_AddArrayToObject(arn, "Fn::GetAtt");
	cJSON_AddItemToArray(ga, cJSON_CreateString(e->id));
	cJSON_AddItemToArray(ga, cJSON_CreateString("Arn"));
	add_permission(e, "events.amazonaws.com", arn, NULL, NULL);
	return true;
}

/* An Api or HttpApi event: recorded for its API (implicit or explicit), made into a path of
 * that API and a permission once the APIs are built (sam_api.c). */
static bool api_event(struct event *e, bool http)
{
	const cJSON *api = jget(e->props, http ? "ApiId" : "RestApiId");
	if (!http && (!required(e, "Path") || !required(e, "Method")))
		return false;
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "Function", e->fn);
	cJSON_AddStringToObject(rec, "Event", e->name);
	cJSON_AddStringToObject(rec, "Id", e->id);
	cJSON_AddItemToObject(rec, "Target", cJSON_Duplicate(e->target, true));
	cJSON_AddItemToObject(rec, "Properties", cJSON_Duplicate(e->props, true));
	if (e->condition)
		cJSON_AddStringToObject(rec, "Condition", e->condition);
	if (!api) {
		cJSON_AddItemToArray(http ? e->s->implicit_http : e->s->implicit_rest, rec);
		return true;
	}
	const char *fn = cfn_intrinsic_name(api);
	if (!fn || strcmp(fn, "Ref") != 0 || !cJSON_IsString(api->child)) {
		cJSON_Delete(rec);
		return sam_fail_event(e->s, e->fn, e->name,
				      "%s must be a valid reference to an '%s' resource in same "
				      "template.",
				      http ? "ApiId" : "RestApiId",
				      http ? "AWS::Serverless::HttpApi" : "AWS::Serverless::Api");
	}
	cJSON *by_api = http ? e->s->explicit_http : e->s->explicit_rest;
	cJSON *list = cJSON_GetObjectItemCaseSensitive(by_api, api->child->valuestring);
	if (!list)
		list = cJSON_AddArrayToObject(by_api, api->child->valuestring);
	cJSON_AddItemToArray(list, rec);
	return true;
}

static const char *sort_key(const cJSON *event)
{
	const char *path = jstr(jget(event, "Properties"), "Path");
	return path ? path : event->string;
}

static int cmp_events(const void *a, const void *b)
{
	return strcmp(sort_key(*(const cJSON *const *)a), sort_key(*(const cJSON *const *)b));
}

bool sam_events(struct sam *s, const char *fn_id, const cJSON *props, const cJSON *function_ref,
		cJSON *role, const char *fn_condition)
{
	const cJSON *events = jget(props, "Events");
	if (!events)
		return true;
	if (!cJSON_IsObject(events))
		return sam_fail(s, fn_id, "Property 'Events' should be a map.");
	/* In the order AWS's transform takes them: by Path, else by name. */
	int n = cJSON_GetArraySize(events);
	const cJSON **sorted = xcalloc(n ? (size_t)n : 1, sizeof(*sorted));
	int i = 0;
	const cJSON *ev;
	cJSON_ArrayForEach(ev, events)
	{
		sorted[i++] = ev;
	}
	qsort(sorted, (size_t)n, sizeof(*sorted), cmp_events);
	bool ok = true;
	for (i = 0; i < n && ok; i++) {
		ev = sorted[i];
		const char *type = jstr(ev, "Type");
		struct event e = { .s = s,
				   .fn = fn_id,
				   .name = ev->string,
				   .props = jget(ev, "Properties"),
				   .target = function_ref,
				   .role = role,
				   .condition = fn_condition };
		if (!type) {
			ok = sam_fail_event(s, fn_id, ev->string,
					    "Missing required property 'Type'.");
			break;
		}
		if (!e.props && strcmp(type, "HttpApi") != 0) {
			ok = sam_fail_event(s, fn_id, ev->string,
					    "Missing required property "
					    "'Properties'.");
			break;
		}
		e.id = xasprintf("%s%s", fn_id, ev->string);
		const char *tname = function_ref->child->valuestring;
		e.target_arn = strcmp(tname, fn_id) == 0 ? sam_getatt(fn_id, "Arn")
							 : cJSON_Duplicate(function_ref, true);
		if (strcmp(type, "S3") == 0)
			ok = s3_event(&e);
		else if (strcmp(type, "SNS") == 0)
			ok = sns_event(&e);
		else if (strcmp(type, "SQS") == 0)
			ok = pull_event(&e, "Queue",
					"arn:aws:iam::aws:policy/service-role/"
					"AWSLambdaSQSQueueExecutionRole");
		else if (strcmp(type, "DynamoDB") == 0)
			ok = pull_event(&e, "Stream",
					"arn:aws:iam::aws:policy/service-role/"
					"AWSLambdaDynamoDBExecutionRole");
		else if (strcmp(type, "Kinesis") == 0)
			ok = pull_event(&e, "Stream",
					"arn:aws:iam::aws:policy/service-role/"
					"AWSLambdaKinesisExecutionRole");
		else if (strcmp(type, "Schedule") == 0)
			ok = rule_event(&e, true);
		else if (strcmp(type, "CloudWatchEvent") == 0 ||
			 strcmp(type, "EventBridgeRule") == 0)
			ok = rule_event(&e, false);
		else if (strcmp(type, "Api") == 0)
			ok = api_event(&e, false);
		else if (strcmp(type, "HttpApi") == 0)
			ok = api_event(&e, true);
		else
			ok = sam_fail_event(
				s, fn_id, ev->string,
				"The local cloud's SAM transform does not offer events of "
				"type %s",
				type);
		free(e.id);
		cJSON_Delete(e.target_arn);
	}
	free(sorted);
	return ok;
}
