/*
 * The resource types of the services around Lambda: S3 buckets (with their notifications),
 * SQS queues and queue policies, SNS topics, subscriptions and topic policies, log groups,
 * EventBridge rules, CloudWatch alarms, DynamoDB tables and SSM parameters, each made
 * through its service's own API.
 */
#include "cloud/cfn/providers.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/cfn/intrinsic.h"
#include "core/xalloc.h"

#define S cfn_prop_str

static char *name_or_generated(struct cfn_res *r, const cJSON *props, const char *prop, size_t max,
			       bool lower)
{
	const char *n = S(props, prop);
	return n ? xstrdup(n) : cfn_physical_name(r, max, lower);
}

/* S3 notification filters: CloudFormation's {S3Key: {Rules}} is S3's {Key: {FilterRules}}. */
static void s3_filter(cJSON *dst, const cJSON *cfg)
{
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cfg, "Filter"),
						 "S3Key"),
		"Rules");
	if (!rules)
		return;
	cJSON *f = cJSON_AddObjectToObject(dst, "Filter");
	cJSON *key = cJSON_AddObjectToObject(f, "Key");
	cJSON_AddItemToObject(key, "FilterRules", cJSON_Duplicate(rules, true));
}

static void s3_configs(cJSON *nc, const cJSON *from, const char *cfn_list, const char *s3_list,
		       const char *cfn_target, const char *s3_target)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(from, cfn_list);
	if (!list)
		return;
	cJSON *out = cJSON_AddArrayToObject(nc, s3_list);
	const cJSON *c;
	cJSON_ArrayForEach(c, list)
	{
		cJSON *o = cJSON_CreateObject();
		if (S(c, cfn_target))
			cJSON_AddStringToObject(o, s3_target, S(c, cfn_target));
		cJSON *events = cJSON_AddArrayToObject(o, "Events");
		if (S(c, "Event"))
			cJSON_AddItemToArray(events, cJSON_CreateString(S(c, "Event")));
		s3_filter(o, c);
		cJSON_AddItemToArray(out, o);
	}
}

static bool bucket_notifications(struct cfn_res *r, const char *bucket, const cJSON *props,
				 struct aws_err *err)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(props, "NotificationConfiguration");
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Bucket", bucket);
	cJSON *nc = cJSON_AddObjectToObject(in, "NotificationConfiguration");
	s3_configs(nc, n, "LambdaConfigurations", "LambdaFunctionConfigurations", "Function",
		   "LambdaFunctionArn");
	s3_configs(nc, n, "QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn");
	s3_configs(nc, n, "TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn");
	const cJSON *eb = cJSON_GetObjectItemCaseSensitive(n, "EventBridgeConfiguration");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(eb, "EventBridgeEnabled")))
		cJSON_AddObjectToObject(nc, "EventBridgeConfiguration");
	return cfn_call_owned(r, "s3", "PutBucketNotificationConfiguration", in, NULL, err);
}

static void bucket_attrs(struct cfn_res *r, const char *name)
{
	r->attrs = cJSON_CreateObject();
	char *v = xasprintf("arn:aws:s3:::%s", name);
	cJSON_AddStringToObject(r->attrs, "Arn", v);
	free(v);
	v = xasprintf("%s.s3.amazonaws.com", name);
	cJSON_AddStringToObject(r->attrs, "DomainName", v);
	free(v);
	v = xasprintf("%s.s3.%s.amazonaws.com", name, r->caller->region);
	cJSON_AddStringToObject(r->attrs, "RegionalDomainName", v);
	free(v);
	v = xasprintf("%s.s3.dualstack.%s.amazonaws.com", name, r->caller->region);
	cJSON_AddStringToObject(r->attrs, "DualStackDomainName", v);
	free(v);
	v = xasprintf("http://%s.s3-website-%s.amazonaws.com", name, r->caller->region);
	cJSON_AddStringToObject(r->attrs, "WebsiteURL", v);
	free(v);
}

static bool one_of(const cJSON *v, const char *const *allowed)
{
	for (size_t i = 0; cJSON_IsString(v) && allowed[i]; i++)
		if (strcmp(v->valuestring, allowed[i]) == 0)
			return true;
	return false;
}

static bool bucket_props_valid(const cJSON *props, struct aws_err *err)
{
	static const char *const statuses[] = { "Enabled", "Suspended", NULL };
	static const char *const algorithms[] = { "aws:kms", "AES256", "aws:kms:dsse", NULL };
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, "VersioningConfiguration");
	if (v) {
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(v, "Status");
		if (!st)
			return cfn_invalid(err, "#/VersioningConfiguration: required key [Status] "
						"not found");
		if (!one_of(st, statuses))
			return cfn_invalid(err, "#/VersioningConfiguration/Status: failed "
						"validation constraint for keyword [enum]");
	}
	v = cJSON_GetObjectItemCaseSensitive(props, "BucketEncryption");
	if (v) {
		const cJSON *rules =
			cJSON_GetObjectItemCaseSensitive(v, "ServerSideEncryptionConfiguration");
		if (!rules)
			return cfn_invalid(err, "#/BucketEncryption: required key "
						"[ServerSideEncryptionConfiguration] not found");
		if (!cJSON_IsArray(rules))
			return cfn_invalid(err,
					   "#/BucketEncryption/ServerSideEncryptionConfiguration:"
					   " expected type: JSONArray, found: %s",
					   cJSON_IsString(rules) ? "String" : "JSONObject");
		int i = 0;
		const cJSON *rule;
		cJSON_ArrayForEach(rule, rules)
		{
			const cJSON *by = cJSON_GetObjectItemCaseSensitive(
				rule, "ServerSideEncryptionByDefault");
			const cJSON *alg = cJSON_GetObjectItemCaseSensitive(by, "SSEAlgorithm");
			if (by && !alg)
				return cfn_invalid(
					err,
					"#/BucketEncryption/ServerSideEncryptionConfiguration"
					"/%d/ServerSideEncryptionByDefault: required key "
					"[SSEAlgorithm] not found",
					i);
			if (alg && !one_of(alg, algorithms))
				return cfn_invalid(
					err,
					"#/BucketEncryption/ServerSideEncryptionConfiguration"
					"/%d/ServerSideEncryptionByDefault/SSEAlgorithm: failed "
					"validation constraint for keyword [enum]",
					i);
			i++;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(props, "PublicAccessBlockConfiguration");
	static const char *const blocks[] = { "BlockPublicAcls", "BlockPublicPolicy",
					      "IgnorePublicAcls", "RestrictPublicBuckets" };
	for (size_t i = 0; v && i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(v, blocks[i]);
		if (b && !cJSON_IsBool(b) &&
		    !(cJSON_IsString(b) && (strcasecmp(b->valuestring, "true") == 0 ||
					    strcasecmp(b->valuestring, "false") == 0)))
			return cfn_invalid(err,
					   "#/PublicAccessBlockConfiguration/%s: expected type: "
					   "Boolean, found: %s",
					   blocks[i], cJSON_IsString(b) ? "String" : "JSONObject");
	}
	int i = 0;
	const cJSON *tag;
	cJSON_ArrayForEach(tag, cJSON_GetObjectItemCaseSensitive(props, "Tags"))
	{
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(tag, "Key")))
			return cfn_invalid(err, "#/Tags/%d: required key [Key] not found", i);
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(tag, "Value")))
			return cfn_invalid(err, "#/Tags/%d: required key [Value] not found", i);
		i++;
	}
	return true;
}

/* A boolean property given as a boolean or as text ("true"). */
static bool prop_true(const cJSON *v)
{
	return cJSON_IsTrue(v) || (cJSON_IsString(v) && strcasecmp(v->valuestring, "true") == 0);
}

/* Call a bucket operation with in (owned) holding Bucket, made here. */
static cJSON *bucket_in(const char *bucket)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Bucket", bucket);
	return in;
}

/* VersioningConfiguration: S3's PutBucketVersioning. Taking it out of the template leaves the
 * bucket as it is (a bucket once versioned never goes back to unversioned). */
static bool bucket_versioning(struct cfn_res *r, const char *bucket, const cJSON *props,
			      struct aws_err *err)
{
	const char *status =
		S(cJSON_GetObjectItemCaseSensitive(props, "VersioningConfiguration"), "Status");
	if (!status)
		return true;
	cJSON *in = bucket_in(bucket);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(in, "VersioningConfiguration"), "Status",
				status);
	return cfn_call_owned(r, "s3", "PutBucketVersioning", in, NULL, err);
}

/* BucketEncryption ({ServerSideEncryptionConfiguration: [{ServerSideEncryptionByDefault}]})
 * is S3's {Rules: [{ApplyServerSideEncryptionByDefault}]}; none is SSE-S3. */
static bool bucket_encryption(struct cfn_res *r, const char *bucket, const cJSON *props,
			      struct aws_err *err)
{
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(props, "BucketEncryption"),
		"ServerSideEncryptionConfiguration");
	cJSON *in = bucket_in(bucket);
	if (!cJSON_GetArraySize(rules))
		return cfn_call_delete(r, "s3", "DeleteBucketEncryption", in, err);
	cJSON *out = cJSON_AddArrayToObject(
		cJSON_AddObjectToObject(in, "ServerSideEncryptionConfiguration"), "Rules");
	const cJSON *rule;
	cJSON_ArrayForEach(rule, rules)
	{
		const cJSON *by =
			cJSON_GetObjectItemCaseSensitive(rule, "ServerSideEncryptionByDefault");
		cJSON *o = cJSON_CreateObject();
		if (by) {
			cJSON *d = cJSON_AddObjectToObject(o, "ApplyServerSideEncryptionByDefault");
			if (S(by, "SSEAlgorithm"))
				cJSON_AddStringToObject(d, "SSEAlgorithm", S(by, "SSEAlgorithm"));
			if (S(by, "KMSMasterKeyID"))
				cJSON_AddStringToObject(d, "KMSMasterKeyID",
							S(by, "KMSMasterKeyID"));
		}
		if (cJSON_GetObjectItemCaseSensitive(rule, "BucketKeyEnabled"))
			cJSON_AddBoolToObject(o, "BucketKeyEnabled",
					      prop_true(cJSON_GetObjectItemCaseSensitive(
						      rule, "BucketKeyEnabled")));
		cJSON_AddItemToArray(out, o);
	}
	return cfn_call_owned(r, "s3", "PutBucketEncryption", in, NULL, err);
}

/* PublicAccessBlockConfiguration: S3's PutPublicAccessBlock, its settings as booleans. When
 * the template has none, the bucket keeps what S3 gives a new bucket. */
static bool bucket_public_access(struct cfn_res *r, const char *bucket, const cJSON *props,
				 const cJSON *old_props, struct aws_err *err)
{
	static const char *const settings[] = { "BlockPublicAcls", "BlockPublicPolicy",
						"IgnorePublicAcls", "RestrictPublicBuckets" };
	const cJSON *pab =
		cJSON_GetObjectItemCaseSensitive(props, "PublicAccessBlockConfiguration");
	if (!pab)
		return !old_props ||
		       !cJSON_GetObjectItemCaseSensitive(old_props,
							 "PublicAccessBlockConfiguration") ||
		       cfn_call_delete(r, "s3", "DeletePublicAccessBlock", bucket_in(bucket), err);
	cJSON *in = bucket_in(bucket);
	cJSON *conf = cJSON_AddObjectToObject(in, "PublicAccessBlockConfiguration");
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		cJSON_AddBoolToObject(
			conf, settings[i],
			prop_true(cJSON_GetObjectItemCaseSensitive(pab, settings[i])));
	return cfn_call_owned(r, "s3", "PutPublicAccessBlock", in, NULL, err);
}

/* The bucket's tags: the template's, and the three CloudFormation gives every resource it
 * tags (aws:cloudformation:stack-name, stack-id, logical-id). */
static bool bucket_tags(struct cfn_res *r, const char *bucket, const cJSON *props,
			struct aws_err *err)
{
	cJSON *in = bucket_in(bucket);
	cJSON *set = cJSON_AddArrayToObject(cJSON_AddObjectToObject(in, "Tagging"), "TagSet");
	const char *const system[][2] = { { "aws:cloudformation:stack-name", r->stack_name },
					  { "aws:cloudformation:stack-id", r->stack_id },
					  { "aws:cloudformation:logical-id", r->logical_id } };
	for (size_t i = 0; i < sizeof(system) / sizeof(system[0]); i++) {
		if (!system[i][1])
			continue;
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "Key", system[i][0]);
		cJSON_AddStringToObject(t, "Value", system[i][1]);
		cJSON_AddItemToArray(set, t);
	}
	cJSON *mine = cfn_tags_map(cJSON_GetObjectItemCaseSensitive(props, "Tags"));
	for (const cJSON *m = mine ? mine->child : NULL; m; m = m->next) {
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "Key", m->string);
		cJSON_AddStringToObject(t, "Value", m->valuestring);
		cJSON_AddItemToArray(set, t);
	}
	cJSON_Delete(mine);
	return cfn_call_owned(r, "s3", "PutBucketTagging", in, NULL, err);
}

/* Everything of the bucket beyond its name, each put only when it changed (old_props NULL:
 * the bucket is new). */
static bool bucket_configure(struct cfn_res *r, const char *bucket, const cJSON *old_props,
			     const cJSON *props, struct aws_err *err)
{
	bool is_new = !old_props;
	return ((!is_new && !cfn_prop_changed(old_props, props, "VersioningConfiguration")) ||
		bucket_versioning(r, bucket, props, err)) &&
	       ((!is_new && !cfn_prop_changed(old_props, props, "BucketEncryption")) ||
		(is_new && !cJSON_GetObjectItemCaseSensitive(props, "BucketEncryption")) ||
		bucket_encryption(r, bucket, props, err)) &&
	       ((!is_new &&
		 !cfn_prop_changed(old_props, props, "PublicAccessBlockConfiguration")) ||
		bucket_public_access(r, bucket, props, old_props, err)) &&
	       ((!is_new && !cfn_prop_changed(old_props, props, "Tags")) ||
		bucket_tags(r, bucket, props, err)) &&
	       ((!is_new && !cfn_prop_changed(old_props, props, "NotificationConfiguration")) ||
		(is_new && !cJSON_GetObjectItemCaseSensitive(props, "NotificationConfiguration")) ||
		bucket_notifications(r, bucket, props, err));
}

static bool bucket_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!bucket_props_valid(props, err))
		return false;
	char *name = name_or_generated(r, props, "BucketName", 63, true);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Bucket", name);
	if (strcmp(r->caller->region, "us-east-1") != 0) {
		cJSON *cfg = cJSON_AddObjectToObject(in, "CreateBucketConfiguration");
		cJSON_AddStringToObject(cfg, "LocationConstraint", r->caller->region);
	}
	if (!cfn_call_owned(r, "s3", "CreateBucket", in, NULL, err)) {
		free(name);
		return false;
	}
	if (!bucket_configure(r, name, NULL, props, err)) {
		struct aws_err ignore = { 0 };
		cJSON *del = cJSON_CreateObject();
		cJSON_AddStringToObject(del, "Bucket", name);
		cfn_call_owned(r, "s3", "DeleteBucket", del, NULL, &ignore);
		aws_err_release(&ignore);
		free(name);
		return false;
	}
	r->physical = name;
	bucket_attrs(r, name);
	return true;
}

static bool bucket_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			  const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	return bucket_props_valid(props, err) &&
	       bucket_configure(r, physical, old_props, props, err);
}

static bool bucket_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			  const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Bucket", physical);
	return cfn_call_delete(r, "s3", "DeleteBucket", in, err);
}

static const char *const bucket_replace[] = { "BucketName", NULL };
static const char *const bucket_attributes[] = {
	"Arn", "DomainName", "RegionalDomainName", "DualStackDomainName", "WebsiteURL", NULL
};

const struct cfn_provider cfn_s3_bucket = {
	.type = "AWS::S3::Bucket",
	.create = bucket_create,
	.update = bucket_update,
	.remove = bucket_remove,
	.replace = bucket_replace,
	.attributes = bucket_attributes,
};

/* A bucket's policy: S3's PutBucketPolicy; its physical id is the bucket's name, as
 * CloudFormation's schema names it (primaryIdentifier /properties/Bucket). */
static bool bucket_policy_put(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	const char *bucket = S(props, "Bucket");
	if (!bucket)
		return cJSON_GetObjectItemCaseSensitive(props, "Bucket")
			       ? cfn_invalid(err, "#/Bucket: expected type: String, found: "
						  "JSONObject")
			       : cfn_required(err, "Bucket");
	const cJSON *doc = cJSON_GetObjectItemCaseSensitive(props, "PolicyDocument");
	if (!doc)
		return cfn_required(err, "PolicyDocument");
	char *text = cfn_json_text(doc);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Bucket", bucket);
	cJSON_AddStringToObject(in, "Policy", text);
	free(text);
	return cfn_call_owned(r, "s3", "PutBucketPolicy", in, NULL, err);
}

static bool bucket_policy_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!bucket_policy_put(r, props, err))
		return false;
	r->physical = xstrdup(S(props, "Bucket"));
	return true;
}

static bool bucket_policy_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
				 const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	return bucket_policy_put(r, props, err);
}

static bool bucket_policy_remove(struct cfn_res *r, const char *physical, const cJSON *props,
				 const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Bucket", physical);
	return cfn_call_delete(r, "s3", "DeleteBucketPolicy", in, err);
}

static const char *const bucket_policy_replace[] = { "Bucket", NULL };

const struct cfn_provider cfn_s3_bucket_policy = {
	.type = "AWS::S3::BucketPolicy",
	.create = bucket_policy_create,
	.update = bucket_policy_update,
	.remove = bucket_policy_remove,
	.replace = bucket_policy_replace,
};

/* The queue properties that are SQS attributes (all given as text). */
static const char *const queue_attribute_props[] = { "DelaySeconds",
						     "MaximumMessageSize",
						     "MessageRetentionPeriod",
						     "ReceiveMessageWaitTimeSeconds",
						     "VisibilityTimeout",
						     "FifoQueue",
						     "ContentBasedDeduplication",
						     "DeduplicationScope",
						     "FifoThroughputLimit",
						     "KmsMasterKeyId",
						     "KmsDataKeyReusePeriodSeconds",
						     "SqsManagedSseEnabled",
						     "RedrivePolicy",
						     "RedriveAllowPolicy",
						     NULL };

static cJSON *queue_attributes(const cJSON *props, const cJSON *old_props)
{
	cJSON *attrs = cJSON_CreateObject();
	for (const char *const *p = queue_attribute_props; *p; p++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, *p);
		char *s = NULL;
		if (v && (cJSON_IsObject(v) || cJSON_IsArray(v)))
			s = cfn_json_text(v);
		else if (v)
			s = cfn_scalar_string(v);
		else if (cJSON_GetObjectItemCaseSensitive(old_props, *p) &&
			 (strcmp(*p, "RedrivePolicy") == 0 ||
			  strcmp(*p, "RedriveAllowPolicy") == 0))
			s = xstrdup(""); /* removing a policy clears it */
		if (s)
			cJSON_AddStringToObject(attrs, *p, s);
		free(s);
	}
	return attrs;
}

static bool queue_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	bool fifo = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(props, "FifoQueue")) ||
		    (S(props, "FifoQueue") && strcmp(S(props, "FifoQueue"), "true") == 0);
	char *name;
	if (S(props, "QueueName")) {
		name = xstrdup(S(props, "QueueName"));
	} else {
		char *base = cfn_physical_name(r, fifo ? 75 : 80, false);
		name = fifo ? xasprintf("%s.fifo", base) : xstrdup(base);
		free(base);
	}
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "QueueName", name);
	cJSON *attrs = queue_attributes(props, NULL);
	if (attrs->child)
		cJSON_AddItemToObject(in, "Attributes", attrs);
	else
		cJSON_Delete(attrs);
	cJSON *tags = cfn_tags_map(cJSON_GetObjectItemCaseSensitive(props, "Tags"));
	if (tags)
		cJSON_AddItemToObject(in, "tags", tags);
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "sqs", "CreateQueue", in, &out, err)) {
		free(name);
		return false;
	}
	const char *url = S(out, "QueueUrl");
	r->physical = xstrdup(url ? url : "");
	cJSON_Delete(out);
	cJSON *q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "QueueUrl", r->physical);
	cJSON *names = cJSON_AddArrayToObject(q, "AttributeNames");
	cJSON_AddItemToArray(names, cJSON_CreateString("QueueArn"));
	if (!cfn_call_owned(r, "sqs", "GetQueueAttributes", q, &out, err)) {
		free(name);
		return false;
	}
	const char *arn = S(cJSON_GetObjectItemCaseSensitive(out, "Attributes"), "QueueArn");
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "Arn", arn ? arn : "");
	cJSON_AddStringToObject(r->attrs, "QueueName", name);
	cJSON_AddStringToObject(r->attrs, "QueueUrl", r->physical);
	cJSON_Delete(out);
	free(name);
	return true;
}

/* The queue's tags as the template now has them: the keys it dropped removed (UntagQueue),
 * the rest set (TagQueue). */
static bool queue_retag(struct cfn_res *r, const char *physical, const cJSON *old_props,
			const cJSON *props, struct aws_err *err)
{
	cJSON *now = cfn_tags_map(cJSON_GetObjectItemCaseSensitive(props, "Tags"));
	cJSON *before = cfn_tags_map(cJSON_GetObjectItemCaseSensitive(old_props, "Tags"));
	cJSON *gone = cJSON_CreateArray();
	const cJSON *t;
	cJSON_ArrayForEach(t, before)
	{
		if (!cJSON_GetObjectItemCaseSensitive(now, t->string))
			cJSON_AddItemToArray(gone, cJSON_CreateString(t->string));
	}
	cJSON_Delete(before);
	bool ok = true;
	if (gone->child) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "QueueUrl", physical);
		cJSON_AddItemToObject(in, "TagKeys", gone);
		gone = NULL;
		ok = cfn_call_owned(r, "sqs", "UntagQueue", in, NULL, err);
	}
	cJSON_Delete(gone);
	if (ok && now && now->child) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "QueueUrl", physical);
		cJSON_AddItemToObject(in, "Tags", now);
		now = NULL;
		ok = cfn_call_owned(r, "sqs", "TagQueue", in, NULL, err);
	}
	cJSON_Delete(now);
	return ok;
}

static bool queue_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			 const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	if (cfn_prop_changed(old_props, props, "Tags") &&
	    !queue_retag(r, physical, old_props, props, err))
		return false;
	cJSON *a = queue_attributes(props, old_props);
	if (!a->child) {
		cJSON_Delete(a);
		return true;
	}
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "QueueUrl", physical);
	cJSON_AddItemToObject(in, "Attributes", a);
	return cfn_call_owned(r, "sqs", "SetQueueAttributes", in, NULL, err);
}

static bool queue_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			 const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "QueueUrl", physical);
	return cfn_call_delete(r, "sqs", "DeleteQueue", in, err);
}

static const char *const queue_replace[] = { "QueueName", "FifoQueue", NULL };
static const char *const queue_attributes_list[] = { "Arn", "QueueName", "QueueUrl", NULL };

const struct cfn_provider cfn_sqs_queue = {
	.type = "AWS::SQS::Queue",
	.create = queue_create,
	.update = queue_update,
	.remove = queue_remove,
	.replace = queue_replace,
	.attributes = queue_attributes_list,
};

/* A policy document on each queue (or topic) of a list: SetQueueAttributes Policy. */
static bool set_policies(struct cfn_res *r, const cJSON *props, const char *list,
			 const char *doc_prop, bool clear, struct aws_err *err)
{
	const cJSON *targets = cJSON_GetObjectItemCaseSensitive(props, list);
	char *doc = clear ? xstrdup("")
			  : cfn_json_text(cJSON_GetObjectItemCaseSensitive(props, doc_prop));
	bool ok = true;
	const cJSON *t;
	cJSON_ArrayForEach(t, targets)
	{
		if (!cJSON_IsString(t))
			continue;
		cJSON *in = cJSON_CreateObject();
		bool sqs = strcmp(list, "Queues") == 0;
		if (sqs) {
			cJSON_AddStringToObject(in, "QueueUrl", t->valuestring);
			cJSON *a = cJSON_AddObjectToObject(in, "Attributes");
			cJSON_AddStringToObject(a, "Policy", doc ? doc : "");
		} else {
			cJSON_AddStringToObject(in, "TopicArn", t->valuestring);
			cJSON_AddStringToObject(in, "AttributeName", "Policy");
			cJSON_AddStringToObject(in, "AttributeValue", doc ? doc : "");
		}
		ok = clear ? cfn_call_delete(r, sqs ? "sqs" : "sns",
					     sqs ? "SetQueueAttributes" : "SetTopicAttributes", in,
					     err)
			   : cfn_call_owned(r, sqs ? "sqs" : "sns",
					    sqs ? "SetQueueAttributes" : "SetTopicAttributes", in,
					    NULL, err);
		if (!ok)
			break;
	}
	free(doc);
	return ok;
}

static bool queue_policy_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "Queues"))
		return cfn_required(err, "Queues");
	if (!cJSON_GetObjectItemCaseSensitive(props, "PolicyDocument"))
		return cfn_required(err, "PolicyDocument");
	if (!set_policies(r, props, "Queues", "PolicyDocument", false, err))
		return false;
	r->physical = cfn_physical_name(r, 128, false);
	return true;
}

static bool queue_policy_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
				const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	return set_policies(r, props, "Queues", "PolicyDocument", false, err);
}

static bool queue_policy_remove(struct cfn_res *r, const char *physical, const cJSON *props,
				const cJSON *attrs, struct aws_err *err)
{
	return set_policies(r, props, "Queues", "PolicyDocument", true, err);
}

const struct cfn_provider cfn_sqs_queue_policy = {
	.type = "AWS::SQS::QueuePolicy",
	.create = queue_policy_create,
	.update = queue_policy_update,
	.remove = queue_policy_remove,
};

static bool topic_policy_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "Topics"))
		return cfn_required(err, "Topics");
	if (!cJSON_GetObjectItemCaseSensitive(props, "PolicyDocument"))
		return cfn_required(err, "PolicyDocument");
	if (!set_policies(r, props, "Topics", "PolicyDocument", false, err))
		return false;
	r->physical = cfn_physical_name(r, 128, false);
	return true;
}

static bool topic_policy_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
				const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	return set_policies(r, props, "Topics", "PolicyDocument", false, err);
}

static bool topic_policy_remove(struct cfn_res *r, const char *physical, const cJSON *props,
				const cJSON *attrs, struct aws_err *err)
{
	return set_policies(r, props, "Topics", "PolicyDocument", true, err);
}

const struct cfn_provider cfn_sns_topic_policy = {
	.type = "AWS::SNS::TopicPolicy",
	.create = topic_policy_create,
	.update = topic_policy_update,
	.remove = topic_policy_remove,
};

static bool subscribe(struct cfn_res *r, const char *topic, const cJSON *sub, char **arn,
		      struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "TopicArn", topic);
	if (!cfn_copy_str(in, sub, "Protocol", NULL, err) ||
	    !cfn_copy_str(in, sub, "Endpoint", NULL, err)) {
		cJSON_Delete(in);
		return false;
	}
	cJSON *attrs = cJSON_CreateObject();
	static const char *const names[] = { "FilterPolicy",
					     "FilterPolicyScope",
					     "RawMessageDelivery",
					     "RedrivePolicy",
					     "DeliveryPolicy",
					     "SubscriptionRoleArn",
					     NULL };
	for (const char *const *n = names; *n; n++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(sub, *n);
		char *s = v && (cJSON_IsObject(v) || cJSON_IsArray(v)) ? cfn_json_text(v)
								       : cfn_scalar_string(v);
		if (s)
			cJSON_AddStringToObject(attrs, *n, s);
		free(s);
	}
	if (attrs->child)
		cJSON_AddItemToObject(in, "Attributes", attrs);
	else
		cJSON_Delete(attrs);
	cJSON_AddTrueToObject(in, "ReturnSubscriptionArn");
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "sns", "Subscribe", in, &out, err))
		return false;
	const char *a = S(out, "SubscriptionArn");
	*arn = xstrdup(a ? a : "");
	cJSON_Delete(out);
	return true;
}

static bool topic_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	bool fifo = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(props, "FifoTopic")) ||
		    (S(props, "FifoTopic") && strcmp(S(props, "FifoTopic"), "true") == 0);
	char *name;
	if (S(props, "TopicName")) {
		name = xstrdup(S(props, "TopicName"));
	} else {
		char *base = cfn_physical_name(r, fifo ? 251 : 256, false);
		name = fifo ? xasprintf("%s.fifo", base) : xstrdup(base);
		free(base);
	}
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Name", name);
	cJSON *attrs = cJSON_CreateObject();
	static const char *const names[] = { "DisplayName", "FifoTopic",
					     "ContentBasedDeduplication", "KmsMasterKeyId", NULL };
	for (const char *const *n = names; *n; n++) {
		char *s = cfn_scalar_string(cJSON_GetObjectItemCaseSensitive(props, *n));
		if (s)
			cJSON_AddStringToObject(attrs, *n, s);
		free(s);
	}
	if (attrs->child)
		cJSON_AddItemToObject(in, "Attributes", attrs);
	else
		cJSON_Delete(attrs);
	cfn_copy_raw(in, props, "Tags", NULL);
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "sns", "CreateTopic", in, &out, err)) {
		free(name);
		return false;
	}
	const char *arn = S(out, "TopicArn");
	r->physical = xstrdup(arn ? arn : "");
	cJSON_Delete(out);
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "TopicArn", r->physical);
	cJSON_AddStringToObject(r->attrs, "TopicName", name);
	free(name);
	const cJSON *sub;
	cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(props, "Subscription"))
	{
		char *sarn = NULL;
		if (!subscribe(r, r->physical, sub, &sarn, err))
			return false; /* the topic is the stack's: its deletion removes it */
		free(sarn);
	}
	return true;
}

static bool topic_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			 const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	if (cfn_prop_changed(old_props, props, "DisplayName")) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "TopicArn", physical);
		cJSON_AddStringToObject(in, "AttributeName", "DisplayName");
		char *s = cfn_scalar_string(cJSON_GetObjectItemCaseSensitive(props, "DisplayName"));
		cJSON_AddStringToObject(in, "AttributeValue", s ? s : "");
		free(s);
		if (!cfn_call_owned(r, "sns", "SetTopicAttributes", in, NULL, err))
			return false;
	}
	/* New inline subscriptions are added; CloudFormation leaves removed ones alone. */
	const cJSON *sub;
	cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(props, "Subscription"))
	{
		bool had = false;
		const cJSON *o;
		cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(old_props, "Subscription"))
		{
			had = had || cJSON_Compare(o, sub, true);
		}
		char *sarn = NULL;
		if (!had && !subscribe(r, physical, sub, &sarn, err))
			return false;
		free(sarn);
	}
	return true;
}

static bool topic_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			 const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "TopicArn", physical);
	return cfn_call_delete(r, "sns", "DeleteTopic", in, err);
}

static const char *const topic_replace[] = { "TopicName", "FifoTopic", NULL };
static const char *const topic_attributes[] = { "TopicArn", "TopicName", NULL };

const struct cfn_provider cfn_sns_topic = {
	.type = "AWS::SNS::Topic",
	.create = topic_create,
	.update = topic_update,
	.remove = topic_remove,
	.replace = topic_replace,
	.attributes = topic_attributes,
};

static bool sub_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	const char *topic = S(props, "TopicArn");
	if (!topic)
		return cfn_required(err, "TopicArn");
	if (!cJSON_GetObjectItemCaseSensitive(props, "Protocol"))
		return cfn_required(err, "Protocol");
	char *arn = NULL;
	if (!subscribe(r, topic, props, &arn, err))
		return false;
	r->physical = arn;
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "Arn", arn);
	return true;
}

static bool sub_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
		       const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	static const char *const names[] = { "FilterPolicy",       "FilterPolicyScope",
					     "RawMessageDelivery", "RedrivePolicy",
					     "DeliveryPolicy",     NULL };
	for (const char *const *n = names; *n; n++) {
		if (!cfn_prop_changed(old_props, props, *n))
			continue;
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, *n);
		char *s = v && (cJSON_IsObject(v) || cJSON_IsArray(v)) ? cfn_json_text(v)
								       : cfn_scalar_string(v);
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "SubscriptionArn", physical);
		cJSON_AddStringToObject(in, "AttributeName", *n);
		cJSON_AddStringToObject(in, "AttributeValue",
					s ? s
					  : (strcmp(*n, "RawMessageDelivery") == 0 ? "false" : ""));
		free(s);
		if (!cfn_call_owned(r, "sns", "SetSubscriptionAttributes", in, NULL, err))
			return false;
	}
	return true;
}

static bool sub_remove(struct cfn_res *r, const char *physical, const cJSON *props,
		       const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "SubscriptionArn", physical);
	return cfn_call_delete(r, "sns", "Unsubscribe", in, err);
}

static const char *const sub_replace[] = { "TopicArn", "Protocol", "Endpoint", NULL };
static const char *const sub_attributes[] = { "Arn", NULL };

const struct cfn_provider cfn_sns_subscription = {
	.type = "AWS::SNS::Subscription",
	.create = sub_create,
	.update = sub_update,
	.remove = sub_remove,
	.replace = sub_replace,
	.attributes = sub_attributes,
};

static bool retention(struct cfn_res *r, const char *group, const cJSON *props, bool was_set,
		      struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "logGroupName", group);
	if (!cfn_copy_int(in, props, "RetentionInDays", "retentionInDays", err)) {
		cJSON_Delete(in);
		return false;
	}
	if (cJSON_GetObjectItemCaseSensitive(in, "retentionInDays"))
		return cfn_call_owned(r, "logs", "PutRetentionPolicy", in, NULL, err);
	if (was_set)
		return cfn_call_owned(r, "logs", "DeleteRetentionPolicy", in, NULL, err);
	cJSON_Delete(in);
	return true;
}

static bool log_group_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	char *name = name_or_generated(r, props, "LogGroupName", 512, false);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "logGroupName", name);
	cfn_copy_str(in, props, "KmsKeyId", "kmsKeyId", err);
	cJSON *tags = cfn_tags_map(cJSON_GetObjectItemCaseSensitive(props, "Tags"));
	if (tags)
		cJSON_AddItemToObject(in, "tags", tags);
	if (!cfn_call_owned(r, "logs", "CreateLogGroup", in, NULL, err)) {
		free(name);
		return false;
	}
	if (!retention(r, name, props, false, err)) {
		struct aws_err ignore = { 0 };
		cJSON *del = cJSON_CreateObject();
		cJSON_AddStringToObject(del, "logGroupName", name);
		cfn_call_owned(r, "logs", "DeleteLogGroup", del, NULL, &ignore);
		aws_err_release(&ignore);
		free(name);
		return false;
	}
	r->physical = name;
	r->attrs = cJSON_CreateObject();
	char *arn = xasprintf("arn:aws:logs:%s:%s:log-group:%s:*", r->caller->region,
			      r->caller->account, name);
	cJSON_AddStringToObject(r->attrs, "Arn", arn);
	free(arn);
	return true;
}

static bool log_group_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			     const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	if (!cfn_prop_changed(old_props, props, "RetentionInDays"))
		return true;
	return retention(r, physical, props,
			 cJSON_GetObjectItemCaseSensitive(old_props, "RetentionInDays") != NULL,
			 err);
}

static bool log_group_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			     const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "logGroupName", physical);
	return cfn_call_delete(r, "logs", "DeleteLogGroup", in, err);
}

static const char *const log_group_replace[] = { "LogGroupName", NULL };
static const char *const log_group_attributes[] = { "Arn", NULL };

const struct cfn_provider cfn_logs_log_group = {
	.type = "AWS::Logs::LogGroup",
	.create = log_group_create,
	.update = log_group_update,
	.remove = log_group_remove,
	.replace = log_group_replace,
	.attributes = log_group_attributes,
};

static bool rule_put(struct cfn_res *r, const char *name, const cJSON *props, char **arn,
		     struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Name", name);
	const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(props, "EventPattern");
	if (pattern) {
		char *p = cfn_json_text(pattern);
		cJSON_AddStringToObject(in, "EventPattern", p);
		free(p);
	}
	if (!cfn_copy_str(in, props, "ScheduleExpression", NULL, err) ||
	    !cfn_copy_str(in, props, "State", NULL, err) ||
	    !cfn_copy_str(in, props, "Description", NULL, err) ||
	    !cfn_copy_str(in, props, "RoleArn", NULL, err) ||
	    !cfn_copy_str(in, props, "EventBusName", NULL, err)) {
		cJSON_Delete(in);
		return false;
	}
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "events", "PutRule", in, &out, err))
		return false;
	const char *a = S(out, "RuleArn");
	*arn = xstrdup(a ? a : "");
	cJSON_Delete(out);
	return true;
}

/* Replace the rule's targets by those of props (removing the ids of old_props no longer
 * listed). */
static bool rule_targets(struct cfn_res *r, const char *name, const cJSON *old_props,
			 const cJSON *props, struct aws_err *err)
{
	const cJSON *targets = cJSON_GetObjectItemCaseSensitive(props, "Targets");
	cJSON *gone = cJSON_CreateArray();
	const cJSON *o;
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(old_props, "Targets"))
	{
		const char *id = S(o, "Id");
		bool kept = false;
		const cJSON *t;
		cJSON_ArrayForEach(t, targets)
		{
			kept = kept || (id && S(t, "Id") && strcmp(id, S(t, "Id")) == 0);
		}
		if (id && !kept)
			cJSON_AddItemToArray(gone, cJSON_CreateString(id));
	}
	if (gone->child) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "Rule", name);
		cfn_copy_str(in, props, "EventBusName", NULL, err);
		cJSON_AddItemToObject(in, "Ids", gone);
		if (!cfn_call_owned(r, "events", "RemoveTargets", in, NULL, err))
			return false;
	} else {
		cJSON_Delete(gone);
	}
	if (!cJSON_GetArraySize(targets))
		return true;
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Rule", name);
	cfn_copy_str(in, props, "EventBusName", NULL, err);
	cJSON *list = cJSON_AddArrayToObject(in, "Targets");
	const cJSON *t;
	cJSON_ArrayForEach(t, targets)
	{
		cJSON *one = cJSON_Duplicate(t, true);
		const cJSON *input = cJSON_GetObjectItemCaseSensitive(t, "Input");
		if (input && !cJSON_IsString(input)) {
			char *text = cfn_json_text(input);
			cJSON_ReplaceItemInObjectCaseSensitive(one, "Input",
							       cJSON_CreateString(text));
			free(text);
		}
		cJSON_AddItemToArray(list, one);
	}
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "events", "PutTargets", in, &out, err))
		return false;
	const cJSON *failed = cJSON_GetObjectItemCaseSensitive(out, "FailedEntryCount");
	bool ok = !cJSON_IsNumber(failed) || failed->valuedouble == 0;
	if (!ok) {
		const cJSON *first = cJSON_GetArrayItem(
			cJSON_GetObjectItemCaseSensitive(out, "FailedEntries"), 0);
		aws_err_set(err, 400, "ValidationException", "%s",
			    S(first, "ErrorMessage") ? S(first, "ErrorMessage")
						     : "a target could not be added");
		if (!err->fields)
			err->fields = cJSON_CreateObject();
		cJSON_AddStringToObject(err->fields, "__service", "events");
	}
	cJSON_Delete(out);
	return ok;
}

static bool rule_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "EventPattern") &&
	    !cJSON_GetObjectItemCaseSensitive(props, "ScheduleExpression"))
		return cfn_invalid(err, "#: EventPattern or ScheduleExpression is required");
	char *name = name_or_generated(r, props, "Name", 64, false);
	char *arn = NULL;
	if (!rule_put(r, name, props, &arn, err)) {
		free(name);
		return false;
	}
	if (!rule_targets(r, name, NULL, props, err)) {
		struct aws_err ignore = { 0 };
		cJSON *del = cJSON_CreateObject();
		cJSON_AddStringToObject(del, "Name", name);
		cfn_call_owned(r, "events", "DeleteRule", del, NULL, &ignore);
		aws_err_release(&ignore);
		free(name);
		free(arn);
		return false;
	}
	r->physical = name;
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "Arn", arn);
	free(arn);
	return true;
}

static bool rule_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	char *arn = NULL;
	if (!rule_put(r, physical, props, &arn, err))
		return false;
	free(arn);
	return rule_targets(r, physical, old_props, props, err);
}

static bool rule_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			const cJSON *attrs, struct aws_err *err)
{
	const cJSON *targets = cJSON_GetObjectItemCaseSensitive(props, "Targets");
	if (cJSON_GetArraySize(targets) > 0) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "Rule", physical);
		cfn_copy_str(in, props, "EventBusName", NULL, err);
		cJSON *ids = cJSON_AddArrayToObject(in, "Ids");
		const cJSON *t;
		cJSON_ArrayForEach(t, targets)
		{
			if (S(t, "Id"))
				cJSON_AddItemToArray(ids, cJSON_CreateString(S(t, "Id")));
		}
		if (!cfn_call_delete(r, "events", "RemoveTargets", in, err))
			return false;
	}
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Name", physical);
	cfn_copy_str(in, props, "EventBusName", NULL, err);
	return cfn_call_delete(r, "events", "DeleteRule", in, err);
}

static const char *const rule_replace[] = { "Name", "EventBusName", NULL };
static const char *const rule_attributes[] = { "Arn", NULL };

const struct cfn_provider cfn_events_rule = {
	.type = "AWS::Events::Rule",
	.create = rule_create,
	.update = rule_update,
	.remove = rule_remove,
	.replace = rule_replace,
	.attributes = rule_attributes,
};

static bool alarm_put(struct cfn_res *r, const char *name, const cJSON *props, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "AlarmName", name);
	static const char *const strs[] = { "AlarmDescription",
					    "MetricName",
					    "Namespace",
					    "Statistic",
					    "ExtendedStatistic",
					    "Unit",
					    "ComparisonOperator",
					    "TreatMissingData",
					    "EvaluateLowSampleCountPercentile",
					    "ThresholdMetricId",
					    NULL };
	static const char *const ints[] = { "Period", "EvaluationPeriods", "DatapointsToAlarm",
					    NULL };
	bool ok = cfn_copy_bool(in, props, "ActionsEnabled", NULL, err);
	for (const char *const *s = strs; ok && *s; s++)
		ok = cfn_copy_str(in, props, *s, NULL, err);
	for (const char *const *i = ints; ok && *i; i++)
		ok = cfn_copy_int(in, props, *i, NULL, err);
	if (ok)
		ok = cfn_copy_int(in, props, "Threshold", NULL, err);
	if (!ok) {
		cJSON_Delete(in);
		return false;
	}
	cfn_copy_raw(in, props, "Dimensions", NULL);
	cfn_copy_raw(in, props, "AlarmActions", NULL);
	cfn_copy_raw(in, props, "OKActions", NULL);
	cfn_copy_raw(in, props, "InsufficientDataActions", NULL);
	cfn_copy_raw(in, props, "Metrics", NULL);
	return cfn_call_owned(r, "monitoring", "PutMetricAlarm", in, NULL, err);
}

static bool alarm_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "ComparisonOperator"))
		return cfn_required(err, "ComparisonOperator");
	if (!cJSON_GetObjectItemCaseSensitive(props, "EvaluationPeriods"))
		return cfn_required(err, "EvaluationPeriods");
	char *name = name_or_generated(r, props, "AlarmName", 255, false);
	if (!alarm_put(r, name, props, err)) {
		free(name);
		return false;
	}
	r->physical = name;
	r->attrs = cJSON_CreateObject();
	char *arn = xasprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", r->caller->region,
			      r->caller->account, name);
	cJSON_AddStringToObject(r->attrs, "Arn", arn);
	free(arn);
	return true;
}

static bool alarm_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			 const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	return alarm_put(r, physical, props, err);
}

static bool alarm_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			 const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON *names = cJSON_AddArrayToObject(in, "AlarmNames");
	cJSON_AddItemToArray(names, cJSON_CreateString(physical));
	return cfn_call_delete(r, "monitoring", "DeleteAlarms", in, err);
}

static const char *const alarm_replace[] = { "AlarmName", NULL };
static const char *const alarm_attributes[] = { "Arn", NULL };

const struct cfn_provider cfn_cloudwatch_alarm = {
	.type = "AWS::CloudWatch::Alarm",
	.create = alarm_create,
	.update = alarm_update,
	.remove = alarm_remove,
	.replace = alarm_replace,
	.attributes = alarm_attributes,
};

static bool table_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "KeySchema"))
		return cfn_required(err, "KeySchema");
	char *name = name_or_generated(r, props, "TableName", 255, false);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "TableName", name);
	cfn_copy_raw(in, props, "AttributeDefinitions", NULL);
	cfn_copy_raw(in, props, "KeySchema", NULL);
	cfn_copy_raw(in, props, "GlobalSecondaryIndexes", NULL);
	cfn_copy_raw(in, props, "LocalSecondaryIndexes", NULL);
	cfn_copy_raw(in, props, "SSESpecification", NULL);
	cfn_copy_str(in, props, "BillingMode", NULL, err);
	cJSON *pt = cJSON_GetObjectItemCaseSensitive(props, "ProvisionedThroughput");
	if (pt) {
		cJSON *p = cJSON_AddObjectToObject(in, "ProvisionedThroughput");
		if (!cfn_copy_int(p, pt, "ReadCapacityUnits", NULL, err) ||
		    !cfn_copy_int(p, pt, "WriteCapacityUnits", NULL, err)) {
			cJSON_Delete(in);
			free(name);
			return false;
		}
	}
	const cJSON *stream = cJSON_GetObjectItemCaseSensitive(props, "StreamSpecification");
	if (stream) {
		cJSON *s = cJSON_AddObjectToObject(in, "StreamSpecification");
		cJSON_AddTrueToObject(s, "StreamEnabled");
		cfn_copy_str(s, stream, "StreamViewType", NULL, err);
	}
	cfn_copy_raw(in, props, "Tags", NULL);
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "dynamodb", "CreateTable", in, &out, err)) {
		free(name);
		return false;
	}
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(out, "TableDescription");
	r->physical = name;
	r->attrs = cJSON_CreateObject();
	const char *arn = S(desc, "TableArn"), *sarn = S(desc, "LatestStreamArn");
	cJSON_AddStringToObject(r->attrs, "Arn", arn ? arn : "");
	if (sarn)
		cJSON_AddStringToObject(r->attrs, "StreamArn", sarn);
	cJSON_Delete(out);
	const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(props, "TimeToLiveSpecification");
	if (ttl) {
		cJSON *tin = cJSON_CreateObject();
		cJSON_AddStringToObject(tin, "TableName", name);
		cJSON *spec = cJSON_AddObjectToObject(tin, "TimeToLiveSpecification");
		if (!cfn_copy_str(spec, ttl, "AttributeName", NULL, err) ||
		    !cfn_copy_bool(spec, ttl, "Enabled", NULL, err) ||
		    !cfn_call_owned(r, "dynamodb", "UpdateTimeToLive", tin, NULL, err))
			return false;
	}
	return true;
}

static bool table_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			 const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "TableName", physical);
	return cfn_call_delete(r, "dynamodb", "DeleteTable", in, err);
}

static const char *const table_attributes[] = { "Arn", "StreamArn", NULL };

const struct cfn_provider cfn_dynamodb_table = {
	.type = "AWS::DynamoDB::Table",
	.create = table_create,
	.remove = table_remove,
	.attributes = table_attributes,
};

static bool parameter_put(struct cfn_res *r, const char *name, const cJSON *props, bool overwrite,
			  struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Name", name);
	if (!cfn_copy_str(in, props, "Type", NULL, err) ||
	    !cfn_copy_str(in, props, "Value", NULL, err) ||
	    !cfn_copy_str(in, props, "Description", NULL, err) ||
	    !cfn_copy_str(in, props, "AllowedPattern", NULL, err) ||
	    !cfn_copy_str(in, props, "Tier", NULL, err) ||
	    !cfn_copy_str(in, props, "DataType", NULL, err)) {
		cJSON_Delete(in);
		return false;
	}
	if (overwrite)
		cJSON_AddTrueToObject(in, "Overwrite");
	return cfn_call_owned(r, "ssm", "PutParameter", in, NULL, err);
}

static bool parameter_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "Type"))
		return cfn_required(err, "Type");
	if (!cJSON_GetObjectItemCaseSensitive(props, "Value"))
		return cfn_required(err, "Value");
	char *name = name_or_generated(r, props, "Name", 2048, false);
	if (!parameter_put(r, name, props, false, err)) {
		free(name);
		return false;
	}
	r->physical = name;
	r->attrs = cJSON_CreateObject();
	char *v = cfn_scalar_string(cJSON_GetObjectItemCaseSensitive(props, "Value"));
	cJSON_AddStringToObject(r->attrs, "Value", v ? v : "");
	free(v);
	cJSON_AddStringToObject(r->attrs, "Type", S(props, "Type") ? S(props, "Type") : "String");
	return true;
}

static bool parameter_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			     const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	if (!parameter_put(r, physical, props, true, err))
		return false;
	r->attrs = cJSON_CreateObject();
	char *v = cfn_scalar_string(cJSON_GetObjectItemCaseSensitive(props, "Value"));
	cJSON_AddStringToObject(r->attrs, "Value", v ? v : "");
	free(v);
	cJSON_AddStringToObject(r->attrs, "Type", S(props, "Type") ? S(props, "Type") : "String");
	return true;
}

static bool parameter_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			     const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Name", physical);
	return cfn_call_delete(r, "ssm", "DeleteParameter", in, err);
}

static const char *const parameter_replace[] = { "Name", NULL };
static const char *const parameter_attributes[] = { "Type", "Value", NULL };

const struct cfn_provider cfn_ssm_parameter = {
	.type = "AWS::SSM::Parameter",
	.create = parameter_create,
	.update = parameter_update,
	.remove = parameter_remove,
	.replace = parameter_replace,
	.attributes = parameter_attributes,
};
