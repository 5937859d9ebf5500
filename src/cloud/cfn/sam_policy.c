/*
 * Policies in a SAM function's Policies: AWS managed policies by name, and the policy
 * templates the course's templates use (SQSPollerPolicy, S3CrudPolicy, DynamoDBCrudPolicy...),
 * expanded into the statements AWS's transform writes.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/intrinsic.h"
#include "cloud/cfn/sam_internal.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

/* Managed policies whose path is not the root. */
static const struct {
	const char *name, *path;
} policy_paths[] = {
	{ "AWSLambdaBasicExecutionRole", "service-role/" },
	{ "AWSLambdaDynamoDBExecutionRole", "service-role/" },
	{ "AWSLambdaKinesisExecutionRole", "service-role/" },
	{ "AWSLambdaSQSQueueExecutionRole", "service-role/" },
	{ "AWSLambdaVPCAccessExecutionRole", "service-role/" },
	{ "AWSLambdaENIManagementAccess", "service-role/" },
	{ "AWSLambdaMSKExecutionRole", "service-role/" },
	{ "AWSLambdaRole", "service-role/" },
	{ "AWSCodeDeployRoleForLambda", "service-role/" },
	{ "AWSCodeDeployRoleForLambdaLimited", "service-role/" },
	{ "AWSLambdaBasicDurableExecutionRolePolicy", "service-role/" },
	{ "AmazonAPIGatewayPushToCloudWatchLogs", "service-role/" },
	{ "AWSIoTRuleActions", "service-role/" },
	{ "AmazonS3ObjectLambdaExecutionRolePolicy", "service-role/" },
	{ "AWSAppSyncPushToCloudWatchLogs", "service-role/" },
	{ "AmazonSageMakerServiceCatalogProductsLambdaServiceRolePolicy", "service-role/" },
	{ "AmazonSageMakerPartnerServiceCatalogProductsLambdaServiceRolePolicy", "service-role/" },
	{ "AWSApplicationAutoscalingLambdaConcurrencyPolicy", "aws-service-role/" },
	{ "AWSLambdaReplicator", "aws-service-role/" },
	{ "AdministratorAccess", "" },
	{ "Billing", "job-function/" },
	{ "DataScientist", "job-function/" },
	{ "DatabaseAdministrator", "job-function/" },
	{ "NetworkAdministrator", "job-function/" },
	{ "SupportUser", "job-function/" },
	{ "SystemAdministrator", "job-function/" },
	{ "ViewOnlyAccess", "job-function/" },
};

char *sam_managed_policy_arn(const char *name)
{
	for (size_t i = 0; i < sizeof(policy_paths) / sizeof(policy_paths[0]); i++) {
		if (strcmp(policy_paths[i].name, name) == 0)
			return xasprintf("arn:aws:iam::aws:policy/%s%s", policy_paths[i].path,
					 name);
	}
	return xasprintf("arn:aws:iam::aws:policy/%s", name);
}

/*
 * A template: its parameters and statements. In a resource pattern, ${param} names a
 * parameter in lower camel case (queueName for QueueName); "*" is every resource.
 */
struct tstatement {
	const char *actions; /* space-separated; a leading '=' writes one action as text */
	const char *resources[2];
};

struct ptemplate {
	const char *name;
	const char *params[2];
	struct tstatement st[2];
};

#define ARN_SQS "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${queueName}"
#define ARN_S3  "arn:${AWS::Partition}:s3:::${bucketName}"
#define ARN_DDB "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}"

static const struct ptemplate templates[] = {
	{ "SQSPollerPolicy",
	  { "QueueName" },
	  { { "sqs:ChangeMessageVisibility sqs:ChangeMessageVisibilityBatch sqs:DeleteMessage "
	      "sqs:DeleteMessageBatch sqs:GetQueueAttributes sqs:ReceiveMessage",
	      { ARN_SQS } } } },
	{ "SQSSendMessagePolicy", { "QueueName" }, { { "sqs:SendMessage*", { ARN_SQS } } } },
	{ "S3ReadPolicy",
	  { "BucketName" },
	  { { "s3:GetObject s3:ListBucket s3:GetBucketLocation s3:GetObjectVersion "
	      "s3:GetLifecycleConfiguration",
	      { ARN_S3, ARN_S3 "/*" } } } },
	{ "S3WritePolicy",
	  { "BucketName" },
	  { { "s3:PutObject s3:PutObjectAcl s3:PutLifecycleConfiguration",
	      { ARN_S3, ARN_S3 "/*" } } } },
	{ "S3CrudPolicy",
	  { "BucketName" },
	  { { "s3:GetObject s3:ListBucket s3:GetBucketLocation s3:GetObjectVersion s3:PutObject "
	      "s3:PutObjectAcl s3:GetLifecycleConfiguration s3:PutLifecycleConfiguration "
	      "s3:DeleteObject",
	      { ARN_S3, ARN_S3 "/*" } } } },
	{ "DynamoDBCrudPolicy",
	  { "TableName" },
	  { { "dynamodb:GetItem dynamodb:DeleteItem dynamodb:PutItem dynamodb:Scan dynamodb:Query "
	      "dynamodb:UpdateItem dynamodb:BatchWriteItem dynamodb:BatchGetItem "
	      "dynamodb:DescribeTable dynamodb:ConditionCheckItem",
	      { ARN_DDB, ARN_DDB "/index/*" } } } },
	{ "DynamoDBReadPolicy",
	  { "TableName" },
	  { { "dynamodb:GetItem dynamodb:Scan dynamodb:Query dynamodb:BatchGetItem "
	      "dynamodb:DescribeTable",
	      { ARN_DDB, ARN_DDB "/index/*" } } } },
	{ "DynamoDBWritePolicy",
	  { "TableName" },
	  { { "dynamodb:PutItem dynamodb:UpdateItem dynamodb:BatchWriteItem",
	      { ARN_DDB, ARN_DDB "/index/*" } } } },
	{ "DynamoDBStreamReadPolicy",
	  { "TableName", "StreamName" },
	  { { "dynamodb:DescribeStream dynamodb:GetRecords dynamodb:GetShardIterator",
	      { ARN_DDB "/stream/${streamName}" } },
	    { "dynamodb:ListStreams", { ARN_DDB "/stream/*" } } } },
	{ "SNSPublishMessagePolicy",
	  { "TopicName" },
	  { { "sns:Publish",
	      { "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${topicName}" } } } },
	{ "LambdaInvokePolicy",
	  { "FunctionName" },
	  { { "lambda:InvokeFunction",
	      { "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
		"${functionName}*" } } } },
	{ "CloudWatchPutMetricPolicy", { NULL }, { { "cloudwatch:PutMetricData", { "*" } } } },
	{ "SSMParameterReadPolicy",
	  { "ParameterName" },
	  { { "ssm:DescribeParameters", { "*" } },
	    { "ssm:GetParameters ssm:GetParameter ssm:GetParametersByPath",
	      { "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/"
		"${parameterName}" } } } },
	{ "EventBridgePutEventsPolicy",
	  { "EventBusName" },
	  { { "=events:PutEvents",
	      { "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/"
		"${eventBusName}" } } } },
	{ "KinesisStreamReadPolicy",
	  { "StreamName" },
	  { { "kinesis:ListStreams kinesis:DescribeLimits",
	      { "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/*" } },
	    { "kinesis:DescribeStream kinesis:DescribeStreamSummary kinesis:GetRecords "
	      "kinesis:GetShardIterator",
	      { "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/"
		"${streamName}" } } } },
	{ "AWSSecretsManagerGetSecretValuePolicy",
	  { "SecretArn" },
	  { { "secretsmanager:GetSecretValue", { "${secretArn}" } } } },
	{ "KMSDecryptPolicy",
	  { "KeyId" },
	  { { "=kms:Decrypt",
	      { "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${keyId}" } } } },
	{ "KMSEncryptPolicy",
	  { "KeyId" },
	  { { "=kms:Encrypt",
	      { "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${keyId}" } } } },
	{ "StepFunctionsExecutionPolicy",
	  { "StateMachineName" },
	  { { "states:StartExecution",
	      { "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:"
		"${stateMachineName}" } } } },
	{ "SESCrudPolicy",
	  { "IdentityName" },
	  { { "ses:GetIdentityVerificationAttributes ses:SendEmail ses:SendRawEmail "
	      "ses:VerifyEmailIdentity",
	      { "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/"
		"${identityName}" } } } },
};

static const struct ptemplate *find_template(const char *name)
{
	for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
		if (strcmp(templates[i].name, name) == 0)
			return &templates[i];
	}
	return NULL;
}

bool sam_is_policy_template(const cJSON *entry)
{
	return cJSON_IsObject(entry) && entry->child && !entry->child->next &&
	       !cfn_intrinsic_name(entry) && strcmp(entry->child->string, "Statement") != 0 &&
	       (find_template(entry->child->string) ||
		(entry->child->string[0] >= 'A' && entry->child->string[0] <= 'Z' &&
		 strstr(entry->child->string, "Policy")));
}

/* The resource of one pattern: "*", {"Fn::Sub": pattern} or {"Fn::Sub": [pattern, vars]}. */
static cJSON *resource(const char *pattern, const cJSON *values)
{
	if (strcmp(pattern, "*") == 0)
		return cJSON_CreateString("*");
	cJSON *vars = cJSON_CreateObject();
	for (const char *p = strstr(pattern, "${"); p; p = strstr(p + 2, "${")) {
		const char *end = strchr(p, '}');
		if (!end || strncmp(p + 2, "AWS::", 5) == 0)
			continue;
		char *var = xstrndup(p + 2, (size_t)(end - p - 2));
		char *param = xstrdup(var);
		param[0] = (char)toupper((unsigned char)param[0]);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(values, param);
		if (!cJSON_GetObjectItemCaseSensitive(vars, var))
			cJSON_AddItemToObject(vars, var, cJSON_Duplicate(v, true));
		free(var);
		free(param);
	}
	if (!vars->child) {
		cJSON_Delete(vars);
		return sam_sub(pattern);
	}
	return sam_sub_vars(pattern, vars);
}

cJSON *sam_policy_template(struct sam *s, const char *fn_id, const cJSON *entry)
{
	const char *name = entry->child->string;
	const struct ptemplate *t = find_template(name);
	if (!t) {
		sam_fail(s, fn_id,
			 "The local cloud's SAM transform does not offer the policy "
			 "template %s",
			 name);
		return NULL;
	}
	const cJSON *values = entry->child;
	if (!cJSON_IsObject(values)) {
		sam_fail(s, fn_id, "Policy template %s must be given a map of parameter values",
			 name);
		return NULL;
	}
	struct strbuf missing = STRBUF_INIT;
	for (int i = 0; i < 2 && t->params[i]; i++) {
		if (!cJSON_GetObjectItemCaseSensitive(values, t->params[i]))
			strbuf_addf(&missing, "%s'%s'", missing.len ? ", " : "", t->params[i]);
	}
	if (missing.len) {
		sam_fail(s, fn_id, "Missing parameter values: [%s]", strbuf_str(&missing));
		strbuf_release(&missing);
		return NULL;
	}
	strbuf_release(&missing);
	cJSON *doc = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(doc, "Statement");
	for (int i = 0; i < 2 && t->st[i].actions; i++) {
		const struct tstatement *st = &t->st[i];
		cJSON *one = cJSON_CreateObject();
		if (st->actions[0] == '=') {
			cJSON_AddStringToObject(one, "Action", st->actions + 1);
		} else {
			cJSON *actions = cJSON_AddArrayToObject(one, "Action");
			char *copy = xstrdup(st->actions), *save = NULL;
			for (char *a = strtok_r(copy, " ", &save); a;
			     a = strtok_r(NULL, " ", &save))
				cJSON_AddItemToArray(actions, cJSON_CreateString(a));
			free(copy);
		}
		cJSON_AddStringToObject(one, "Effect", "Allow");
		if (st->resources[1]) {
			cJSON *rs = cJSON_AddArrayToObject(one, "Resource");
			for (int k = 0; k < 2 && st->resources[k]; k++)
				cJSON_AddItemToArray(rs, resource(st->resources[k], values));
		} else {
			cJSON_AddItemToObject(one, "Resource", resource(st->resources[0], values));
		}
		cJSON_AddItemToArray(list, one);
	}
	return doc;
}
