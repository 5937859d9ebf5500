/*
 * Every API call a principal other than an account's root makes, authorized before its
 * operation acts (iam.h's iam_authorize_call()): the IAM action the operation needs and the
 * ARN of what it acts on, read from the decoded request as AWS's service authorization
 * reference names them.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/iam/iam.h"
#include "cloud/iam/s3_actions.h"
#include "cloud/lambda/policy.h"
#include "cloud/state.h"
#include "cloud/svc/arn.h"
#include "cloud/svc/policy.h"
#include "core/sigv4.h"
#include "core/strbuf.h"

static const char *jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* How a service authorizes: its actions' prefix and the error it answers a denial with. */
struct authz_row {
	const char *service; /* signing name */
	const char *prefix;  /* IAM's service prefix */
	int status;
	const char *code;
};

static const struct authz_row rows[] = {
	{ "lambda", "lambda", 403, "AccessDeniedException" },
	{ "s3", "s3", 403, "AccessDenied" },
	{ "sqs", "sqs", 403, "AccessDenied" },
	{ "sns", "sns", 403, "AuthorizationError" },
	{ "dynamodb", "dynamodb", 400, "AccessDeniedException" },
	{ "logs", "logs", 400, "AccessDeniedException" },
	{ "kinesis", "kinesis", 400, "AccessDeniedException" },
	{ "events", "events", 400, "AccessDeniedException" },
	{ "monitoring", "cloudwatch", 403, "AccessDenied" },
	{ "scheduler", "scheduler", 403, "AccessDeniedException" },
	{ "cloudformation", "cloudformation", 403, "AccessDenied" },
	{ "codedeploy", "codedeploy", 400, "AccessDeniedException" },
	{ "elasticloadbalancing", "elasticloadbalancing", 403, "AccessDenied" },
	{ "apigateway", "apigateway", 403, "AccessDeniedException" },
	{ "xray", "xray", 403, "AccessDeniedException" },
};

/* Operations whose IAM action is not their own name (S3's come from s3_actions.h). */
static const char *const renamed[][3] = {
	{ "lambda", "Invoke", "InvokeFunction" },
	{ "lambda", "InvokeWithResponseStream", "InvokeFunction" },
	{ "sqs", "SendMessageBatch", "SendMessage" },
	{ "sqs", "DeleteMessageBatch", "DeleteMessage" },
	{ "sqs", "ChangeMessageVisibilityBatch", "ChangeMessageVisibility" },
	{ "sns", "PublishBatch", "Publish" },
};

static const struct authz_row *row_of(const char *service)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (strcmp(rows[i].service, service) == 0)
			return &rows[i];
	return NULL;
}

static void action_of(const struct authz_row *r, const char *op, char *out, size_t n)
{
	const char *name = op;
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (strcmp(renamed[i][0], r->service) == 0 && strcmp(renamed[i][1], op) == 0)
			name = renamed[i][2];
	snprintf(out, n, "%s:%s", r->prefix, name);
}

/* The ARN an operation acts on, from its input; "*" when it acts on none. */
static void resource_of(const struct svc_call *call, const char *op, const cJSON *in, char *out,
			size_t n)
{
	const char *svc = call->svc->name, *acct = call->caller->account;
	const char *region = call->caller->region[0] ? call->caller->region : "us-east-1";
	const char *v;
	snprintf(out, n, "*");
	if (strcmp(svc, "lambda") == 0 && (v = jstr(in, "FunctionName"))) {
		struct arn_function f;
		if (arn_function_parse(v, &f)) {
			const char *q = jstr(in, "Qualifier");
			arn_function_format(out, n, f.region[0] ? f.region : region,
					    f.account[0] ? f.account : acct, f.name,
					    f.qualifier[0] ? f.qualifier : q);
		}
	} else if (strcmp(svc, "s3") == 0 && (v = jstr(in, "Bucket"))) {
		const char *key = jstr(in, "Key");
		snprintf(out, n, "arn:aws:s3:::%s%s%s", v, key ? "/" : "", key ? key : "");
	} else if (strcmp(svc, "sqs") == 0 && (v = jstr(in, "QueueUrl"))) {
		/* .../ACCOUNT/NAME */
		const char *name = strrchr(v, '/');
		const char *p = name;
		while (p && p > v && p[-1] != '/')
			p--;
		if (name && p && name - p == 12)
			snprintf(out, n, "arn:aws:sqs:%s:%.12s:%s", region, p, name + 1);
	} else if (strcmp(svc, "sqs") == 0 && (v = jstr(in, "QueueName"))) {
		snprintf(out, n, "arn:aws:sqs:%s:%s:%s", region, acct, v);
	} else if (strcmp(svc, "sns") == 0 &&
		   ((v = jstr(in, "TopicArn")) || (v = jstr(in, "TargetArn")))) {
		snprintf(out, n, "%s", v);
	} else if (strcmp(svc, "sns") == 0 && strcmp(op, "CreateTopic") == 0 &&
		   (v = jstr(in, "Name"))) {
		snprintf(out, n, "arn:aws:sns:%s:%s:%s", region, acct, v);
	} else if (strcmp(svc, "dynamodb") == 0) {
		const cJSON *items = cJSON_GetObjectItemCaseSensitive(in, "RequestItems");
		v = jstr(in, "TableName");
		if (!v && (v = jstr(in, "StreamArn")))
			snprintf(out, n, "%s", v);
		else if (!v && items && items->child)
			v = items->child->string;
		if (v && strncmp(v, "arn:", 4) == 0)
			snprintf(out, n, "%s", v);
		else if (v)
			snprintf(out, n, "arn:aws:dynamodb:%s:%s:table/%s", region, acct, v);
	} else if (strcmp(svc, "logs") == 0 && (v = jstr(in, "logGroupName"))) {
		const char *stream = jstr(in, "logStreamName");
		if (stream)
			snprintf(out, n, "arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", region,
				 acct, v, stream);
		else
			snprintf(out, n, "arn:aws:logs:%s:%s:log-group:%s", region, acct, v);
	} else if (strcmp(svc, "kinesis") == 0) {
		if ((v = jstr(in, "StreamARN")))
			snprintf(out, n, "%s", v);
		else if ((v = jstr(in, "StreamName")))
			snprintf(out, n, "arn:aws:kinesis:%s:%s:stream/%s", region, acct, v);
	} else if (strcmp(svc, "events") == 0) {
		const cJSON *entries = cJSON_GetObjectItemCaseSensitive(in, "Entries");
		const cJSON *first = cJSON_GetArrayItem(entries, 0);
		v = jstr(in, "EventBusName");
		if (!v && strcmp(op, "PutEvents") == 0)
			v = first ? jstr(first, "EventBusName") : NULL;
		if (strcmp(op, "PutEvents") == 0 || strstr(op, "EventBus"))
			v = v ? v : "default";
		if ((strstr(op, "Rule") || strstr(op, "Targets")) &&
		    (jstr(in, "Name") || jstr(in, "Rule"))) {
			const char *rule = jstr(in, "Name") ? jstr(in, "Name") : jstr(in, "Rule");
			snprintf(out, n, "arn:aws:events:%s:%s:rule/%s", region, acct, rule);
		} else if (v && strncmp(v, "arn:", 4) == 0) {
			snprintf(out, n, "%s", v);
		} else if (v) {
			snprintf(out, n, "arn:aws:events:%s:%s:event-bus/%s", region, acct, v);
		}
	} else if (strcmp(svc, "monitoring") == 0 && (v = jstr(in, "AlarmName"))) {
		snprintf(out, n, "arn:aws:cloudwatch:%s:%s:alarm:%s", region, acct, v);
	} else if (strcmp(svc, "scheduler") == 0 && (v = jstr(in, "Name"))) {
		const char *group = jstr(in, "GroupName");
		snprintf(out, n, "arn:aws:scheduler:%s:%s:schedule/%s/%s", region, acct,
			 group ? group : "default", v);
	}
}

/* A function's policy for svc_policy_cached(): arn names the function. */
static bool function_policy(struct cloud *c, const char *arn, char *owner, char **policy)
{
	struct arn_function f;
	*policy = NULL;
	if (!arn_function_parse(arn, &f) || !f.account[0])
		return false;
	pthread_mutex_lock(&c->db->mu);
	cloud_db_watch(c->db, "lambda_policy");
	pthread_mutex_unlock(&c->db->mu);
	snprintf(owner, 13, "%s", f.account);
	/* A version's or an alias's own policy, as Lambda checks a qualified ARN. */
	*policy = lambda_policy_document(c, f.account, f.name, f.qualifier);
	return true;
}

/* Whether the caller is the root of the account it signs for. */
static bool is_root(const struct svc_caller *me)
{
	char root[64];
	snprintf(root, sizeof(root), "arn:aws:iam::%s:root", me->account);
	return strcmp(me->arn, root) == 0;
}

bool iam_authorize_call(struct svc_call *call, const char *op, const struct cJSON *input,
			struct svc_caller *acting, struct aws_err *err)
{
	const struct svc_caller *me = call->caller;
	*acting = *me;
	/* A service acting for a resource and unsigned calls (which the auth layer refused
	 * already) are not IAM principals to evaluate here. */
	if (!call->svc || !op || me->service[0] || !me->arn[0])
		return true;
	/* A session from GetSessionToken (a user's or the root's own, not a role's) carries no
	 * MFA here: IAM does not take its calls at all. */
	if (strncmp(me->access_key, "ASIA", 4) == 0 && !strstr(me->arn, ":assumed-role/") &&
	    strcmp(call->svc->name, "iam") == 0)
		return aws_err_set(err, 403, "InvalidClientTokenId",
				   "The security token included in the request is invalid");
	const struct authz_row *r = row_of(call->svc->name);
	if (!r)
		return true; /* IAM, STS, and services that authorize each call themselves */
	char action[160], resource[1200];
	action_of(r, op, action, sizeof(action));
	/* S3's operations need the actions its API model gives them, some more than one, and a
	 * version's own when they name one (s3:GetObjectVersion for GetObject with VersionId). */
	const char *const *more = NULL;
	if (strcmp(r->service, "s3") == 0) {
		const char *const *s3 = iam_s3_op_actions(op, jstr(input, "VersionId") != NULL);
		if (s3 && s3[0]) {
			snprintf(action, sizeof(action), "s3:%s", s3[0]);
			more = s3 + 1;
		}
	}
	resource_of(call, op, input, resource, sizeof(resource));
	struct iam_authz q = {
		.action = action,
		.resource = resource,
		.quote_resource = strcmp(r->service, "s3") == 0,
	};
	/* The request's own context keys (aws:SecureTransport comes with the caller). */
	struct iam_kv ctx[4];
	size_t nctx = 0;
	/* PutMetricData has no resource: a grant is scoped by the namespace written to. */
	const char *v;
	if (strcmp(call->svc->name, "monitoring") == 0 && strcmp(op, "PutMetricData") == 0 &&
	    (v = jstr(input, "Namespace")) != NULL)
		ctx[nctx++] = (struct iam_kv){ "cloudwatch:namespace", v };
	/* A listing is scoped by what it lists: s3:prefix, s3:delimiter and s3:max-keys, each
	 * when the request sets it (an empty prefix= is the value "", none is no value). */
	char max_keys[24];
	if (strcmp(r->service, "s3") == 0 &&
	    (strcmp(op, "ListObjects") == 0 || strcmp(op, "ListObjectsV2") == 0 ||
	     strcmp(op, "ListObjectVersions") == 0)) {
		const cJSON *mk = cJSON_GetObjectItemCaseSensitive(input, "MaxKeys");
		if ((v = jstr(input, "Prefix")) != NULL)
			ctx[nctx++] = (struct iam_kv){ "s3:prefix", v };
		if ((v = jstr(input, "Delimiter")) != NULL)
			ctx[nctx++] = (struct iam_kv){ "s3:delimiter", v };
		if (cJSON_IsNumber(mk)) {
			snprintf(max_keys, sizeof(max_keys), "%.0f", mk->valuedouble);
			ctx[nctx++] = (struct iam_kv){ "s3:max-keys", max_keys };
		}
	}
	q.context = ctx;
	q.ncontext = nctx;
	/* The resource's own policy may allow what the caller's identity policies do not,
	 * from its own account or another: a function's (lambda add-permission), a bucket's,
	 * a queue's, a topic's. A bucket name is global: creating one that another account
	 * owns is S3's own refusal (BucketAlreadyExists), not a question for its policy. */
	char *policy = NULL, owner[13] = "";
	struct arn_function f;
	bool owned = false; /* the handler acts in the owner's account */
	if (strcmp(r->service, "lambda") == 0 && strcmp(resource, "*") != 0 &&
	    arn_function_parse(resource, &f) && f.account[0]) {
		/* A function's policy only ever allows (AddPermission writes Allow statements):
		 * the root of its own account needs no look at it, which keeps the table out of
		 * every invocation's way. */
		if (is_root(me) && strcmp(f.account, me->account) == 0)
			return true;
		owned = svc_policy_cached(call->cloud, function_policy, resource, owner, &policy);
	} else if (call->svc->resource_policy && strcmp(resource, "*") != 0 &&
		   strcmp(op, "CreateBucket") != 0) {
		owned = svc_policy_cached(call->cloud, call->svc->resource_policy, resource, owner,
					  &policy);
		if (!owned)
			owner[0] = '\0';
	}
	bool other = owner[0] && strcmp(owner, me->account) != 0;
	/* An account's root may do everything with its own resources but what their own
	 * policy denies; the bucket's policy itself it may always read and change (S3 keeps
	 * that way out of a policy that locks everyone out). */
	if (is_root(me) && !other &&
	    (!policy || (strcmp(r->service, "s3") == 0 && strstr(op, "BucketPolicy")))) {
		free(policy);
		return true;
	}
	q.resource_policy = policy;
	q.resource_account = owner[0] ? owner : NULL;
	struct iam_result res;
	bool allowed = iam_authorize(call->cloud, me, &q, &res);
	char next[160];
	for (size_t i = 0; allowed && more && more[i]; i++) {
		snprintf(next, sizeof(next), "s3:%s", more[i]);
		q.action = next;
		allowed = iam_authorize(call->cloud, me, &q, &res);
	}
	free(policy);
	/* A copy reads its source: s3:GetObject (s3:GetObjectVersion for a version) on the
	 * object x-amz-copy-source names, as well as s3:PutObject on the target. */
	const char *cs;
	if (allowed && strcmp(r->service, "s3") == 0 &&
	    (strcmp(op, "CopyObject") == 0 || strcmp(op, "UploadPartCopy") == 0) &&
	    (cs = jstr(input, "CopySource")) != NULL) {
		cs += cs[0] == '/';
		size_t len = strcspn(cs, "?");
		struct strbuf src = STRBUF_INIT;
		strbuf_addstr(&src, "arn:aws:s3:::");
		if (sigv4_uri_decode(&src, cs, len)) {
			char *spolicy = NULL, sowner[13] = "";
			if (!svc_policy_cached(call->cloud, call->svc->resource_policy,
					       strbuf_str(&src), sowner, &spolicy))
				sowner[0] = '\0';
			bool version = strstr(cs + len, "versionId=") != NULL;
			q.action = version ? "s3:GetObjectVersion" : "s3:GetObject";
			q.resource = strbuf_str(&src);
			q.resource_policy = spolicy;
			q.resource_account = sowner[0] ? sowner : NULL;
			bool own_root =
				is_root(me) && (!sowner[0] || strcmp(sowner, me->account) == 0);
			if (!own_root || spolicy)
				allowed = iam_authorize(call->cloud, me, &q, &res);
			free(spolicy);
		}
		strbuf_release(&src);
	}
	if (allowed) {
		/* Allowed into another account's function, bucket, queue or topic: the
		 * operation acts there, as its owner's own call would. */
		if (owned && other)
			snprintf(acting->account, sizeof(acting->account), "%s", owner);
		return true;
	}
	aws_err_set(err, r->status, r->code, "%s", res.message);
	return false;
}
