/*
 * CloudFormation's resource providers over a recording service table: what each resource
 * type asks of its service (operation and input, in the model's shapes), that a SAM
 * application deploys through them in dependency order, and that deleting the stack calls
 * each service's delete for what it made, last made first.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/cfn.h"
#include "cloud/cfn/engine.h"
#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/state.h"
#include "harness.h"

static cJSON *calls; /* [{service, op, in}] */
static int seq;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A plausible answer for every operation the providers call. */
static cJSON *answer(const struct svc_caller *caller, const char *op, const cJSON *in)
{
	char buf[300];
	int n = ++seq;
	cJSON *out = cJSON_CreateObject();
	if (strcmp(op, "CreateFunction") == 0 || strcmp(op, "UpdateFunctionConfiguration") == 0) {
		snprintf(buf, sizeof(buf), "arn:aws:lambda:%s:%s:function:%s", caller->region,
			 caller->account, str(in, "FunctionName"));
		cJSON_AddStringToObject(out, "FunctionArn", buf);
	} else if (strcmp(op, "CreateQueue") == 0) {
		snprintf(buf, sizeof(buf), "http://sqs/%s/%s", caller->account,
			 str(in, "QueueName"));
		cJSON_AddStringToObject(out, "QueueUrl", buf);
	} else if (strcmp(op, "GetQueueAttributes") == 0) {
		snprintf(buf, sizeof(buf), "arn:aws:sqs:%s:%s:%s", caller->region, caller->account,
			 strrchr(str(in, "QueueUrl"), '/') + 1);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(out, "Attributes"), "QueueArn",
					buf);
	} else if (strcmp(op, "CreateTopic") == 0) {
		snprintf(buf, sizeof(buf), "arn:aws:sns:%s:%s:%s", caller->region, caller->account,
			 str(in, "Name"));
		cJSON_AddStringToObject(out, "TopicArn", buf);
	} else if (strcmp(op, "Subscribe") == 0) {
		snprintf(buf, sizeof(buf), "%s:sub-%d", str(in, "TopicArn"), n);
		cJSON_AddStringToObject(out, "SubscriptionArn", buf);
	} else if (strcmp(op, "PutRule") == 0) {
		snprintf(buf, sizeof(buf), "arn:aws:events:%s:%s:rule/%s", caller->region,
			 caller->account, str(in, "Name"));
		cJSON_AddStringToObject(out, "RuleArn", buf);
	} else if (strcmp(op, "PutTargets") == 0) {
		cJSON_AddNumberToObject(out, "FailedEntryCount", 0);
	} else if (strcmp(op, "CreateEventSourceMapping") == 0) {
		snprintf(buf, sizeof(buf), "uuid-%d", n);
		cJSON_AddStringToObject(out, "UUID", buf);
	} else if (strcmp(op, "CreateRestApi") == 0) {
		cJSON_AddStringToObject(out, "id", "rest1");
	} else if (strcmp(op, "GetResources") == 0) {
		cJSON *items = cJSON_AddArrayToObject(out, "items");
		cJSON *root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "id", "root");
		cJSON_AddStringToObject(root, "path", "/");
		cJSON_AddItemToArray(items, root);
	} else if (strcmp(op, "CreateResource") == 0) {
		snprintf(buf, sizeof(buf), "res-%s", str(in, "pathPart"));
		cJSON_AddStringToObject(out, "id", buf);
	} else if (strcmp(op, "CreateDeployment") == 0) {
		snprintf(buf, sizeof(buf), "dep%d", n);
		cJSON_AddStringToObject(out, str(in, "ApiId") ? "DeploymentId" : "id", buf);
	} else if (strcmp(op, "CreateApi") == 0) {
		cJSON_AddStringToObject(out, "ApiId", "http1");
		cJSON_AddStringToObject(out, "ApiEndpoint", "http://http1.execute-api.localhost");
	} else if (strcmp(op, "CreateIntegration") == 0) {
		snprintf(buf, sizeof(buf), "int%d", n);
		cJSON_AddStringToObject(out, "IntegrationId", buf);
	} else if (strcmp(op, "CreateRoute") == 0) {
		snprintf(buf, sizeof(buf), "route%d", n);
		cJSON_AddStringToObject(out, "RouteId", buf);
	} else if (strcmp(op, "PublishVersion") == 0) {
		snprintf(buf, sizeof(buf), "arn:aws:lambda:%s:%s:function:%s:1", caller->region,
			 caller->account, str(in, "FunctionName"));
		cJSON_AddStringToObject(out, "FunctionArn", buf);
		cJSON_AddStringToObject(out, "Version", "1");
	} else if (strcmp(op, "CreateAlias") == 0) {
		snprintf(buf, sizeof(buf), "arn:aws:lambda:%s:%s:function:%s:%s", caller->region,
			 caller->account, str(in, "FunctionName"), str(in, "Name"));
		cJSON_AddStringToObject(out, "AliasArn", buf);
	} else if (strcmp(op, "PublishLayerVersion") == 0) {
		snprintf(buf, sizeof(buf), "arn:aws:lambda:%s:%s:layer:%s:1", caller->region,
			 caller->account, str(in, "LayerName"));
		cJSON_AddStringToObject(out, "LayerVersionArn", buf);
	} else if (strcmp(op, "CreateFunctionUrlConfig") == 0) {
		cJSON_AddStringToObject(out, "FunctionUrl", "http://url1.lambda-url.localhost/");
		cJSON_AddStringToObject(out, "FunctionArn", str(in, "FunctionName"));
	} else if (strcmp(op, "CreateTable") == 0) {
		snprintf(buf, sizeof(buf), "arn:aws:dynamodb:%s:%s:table/%s", caller->region,
			 caller->account, str(in, "TableName"));
		cJSON *d = cJSON_AddObjectToObject(out, "TableDescription");
		cJSON_AddStringToObject(d, "TableArn", buf);
	}
	return out;
}

static cJSON *fake_call(struct cloud *c, const struct svc_caller *caller, const char *service,
			const char *op, const cJSON *in, struct aws_err *err)
{
	pthread_mutex_lock(&mu);
	cJSON *log = cJSON_CreateObject();
	cJSON_AddStringToObject(log, "service", service);
	cJSON_AddStringToObject(log, "op", op);
	cJSON_AddItemToObject(log, "in", cJSON_Duplicate(in, true));
	cJSON_AddItemToArray(calls, log);
	cJSON *out = answer(caller, op, in);
	pthread_mutex_unlock(&mu);
	return out;
}

static bool fake_has(struct cloud *c, const char *service)
{
	return strcmp(service, "iam") != 0;
}

static struct cloud cloud;
static struct svc_caller caller = { .account = "111122223333", .region = "eu-west-1" };

static void setup(void)
{
	struct error err;
	cloud.db = cloud_db_open(":memory:", &err);
	cloud.vclock = vclock_new(1, NULL);
	cloud.cfn = cfn_svc_new(&cloud, cloud.db, cloud.vclock, fake_call, fake_has);
	calls = cJSON_CreateArray();
	seq = 0;
}

static void teardown(void)
{
	cfn_svc_free(cloud.cfn);
	vclock_free(cloud.vclock);
	cloud_db_close(cloud.db);
	cJSON_Delete(calls);
	memset(&cloud, 0, sizeof(cloud));
}

static cJSON *op(cJSON *(*fn)(struct svc_call *, const cJSON *, struct aws_err *),
		 struct aws_err *err, cJSON *in)
{
	struct svc_call call = { .cloud = &cloud, .op = "test", .caller = &caller };
	memset(err, 0, sizeof(*err));
	cJSON *out = fn(&call, in, err);
	cJSON_Delete(in);
	return out;
}

/* CreateStack with template text; returns the final status. Caller frees. */
static char *create(const char *name, const char *tpl, bool transform)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "StackName", name);
	cJSON_AddStringToObject(in, "TemplateBody", tpl);
	cJSON *caps = cJSON_AddArrayToObject(in, "Capabilities");
	cJSON_AddItemToArray(caps, cJSON_CreateString("CAPABILITY_IAM"));
	if (transform)
		cJSON_AddItemToArray(caps, cJSON_CreateString("CAPABILITY_AUTO_EXPAND"));
	struct aws_err err;
	cJSON *out = op(cfn_op_create_stack, &err, in);
	if (!out) {
		printf("# CreateStack: %s\n", err.message);
		aws_err_release(&err);
		return strdup("(refused)");
	}
	cJSON_Delete(out);
	in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "StackName", name);
	out = op(cfn_op_describe_stacks, &err, in);
	const cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(out, "Stacks"), 0);
	char *status = strdup(str(s, "StackStatus"));
	if (strcmp(status, "CREATE_COMPLETE") != 0) {
		cJSON *ein = cJSON_CreateObject();
		cJSON_AddStringToObject(ein, "StackName", name);
		cJSON *ev = op(cfn_op_describe_stack_events, &err, ein);
		const cJSON *e;
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(ev, "StackEvents"))
		{
			if (str(e, "ResourceStatusReason"))
				printf("# %s %s %s\n", str(e, "LogicalResourceId"),
				       str(e, "ResourceStatus"), str(e, "ResourceStatusReason"));
		}
		cJSON_Delete(ev);
	}
	cJSON_Delete(out);
	return status;
}

/* The input of the first call of op (after index *from, which moves past it), or NULL. */
static const cJSON *call_in(const char *opname, int *from)
{
	for (int i = from ? *from : 0; i < cJSON_GetArraySize(calls); i++) {
		const cJSON *c = cJSON_GetArrayItem(calls, i);
		if (strcmp(str(c, "op"), opname) == 0) {
			if (from)
				*from = i + 1;
			return cJSON_GetObjectItem(c, "in");
		}
	}
	return NULL;
}

static int count_calls(const char *opname)
{
	int n = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, calls)
	{
		n += strcmp(str(c, "op"), opname) == 0;
	}
	return n;
}

/* The compact JSON of an input's member. Caller frees. */
static char *member(const cJSON *in, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, name);
	return v ? cJSON_PrintUnformatted(v) : strdup("(absent)");
}

#define is_member(in, name, want, what)      \
	do {                                 \
		char *m_ = member(in, name); \
		is_str(m_, want, what);      \
		free(m_);                    \
	} while (0)

TEST(cfn_providers__map_properties_to_each_services_input)
{
	setup();
	char *st = create(
		"m",
		"Resources:\n"
		"  Q:\n"
		"    Type: AWS::SQS::Queue\n"
		"    Properties:\n"
		"      VisibilityTimeout: 60\n"
		"      RedrivePolicy: {deadLetterTargetArn: !GetAtt D.Arn, maxReceiveCount: 3}\n"
		"      Tags: [{Key: team, Value: tutors}]\n"
		"  D: {Type: AWS::SQS::Queue, Properties: {QueueName: dead.fifo, FifoQueue: "
		"true}}\n"
		"  T:\n"
		"    Type: AWS::SNS::Topic\n"
		"    Properties:\n"
		"      DisplayName: Alerts\n"
		"      Subscription: [{Protocol: sqs, Endpoint: !GetAtt Q.Arn}]\n"
		"  S:\n"
		"    Type: AWS::SNS::Subscription\n"
		"    Properties:\n"
		"      TopicArn: !Ref T\n"
		"      Protocol: sqs\n"
		"      Endpoint: !GetAtt Q.Arn\n"
		"      RawMessageDelivery: 'true'\n"
		"      FilterPolicy: {kind: [alert]}\n"
		"  R:\n"
		"    Type: AWS::Events::Rule\n"
		"    Properties:\n"
		"      EventPattern: {source: [shop]}\n"
		"      Targets: [{Id: q, Arn: !GetAtt Q.Arn, Input: {a: 1}}]\n"
		"  L:\n"
		"    Type: AWS::Logs::LogGroup\n"
		"    Properties: {LogGroupName: /app/logs, RetentionInDays: 7}\n"
		"  P:\n"
		"    Type: AWS::SSM::Parameter\n"
		"    Properties: {Name: /app/stage, Type: String, Value: prod}\n"
		"  B:\n"
		"    Type: AWS::S3::Bucket\n"
		"    Properties:\n"
		"      NotificationConfiguration:\n"
		"        QueueConfigurations:\n"
		"          - Event: s3:ObjectCreated:*\n"
		"            Queue: !GetAtt Q.Arn\n"
		"            Filter: {S3Key: {Rules: [{Name: suffix, Value: .csv}]}}\n"
		"Outputs:\n"
		"  Bucket: {Value: !GetAtt B.RegionalDomainName}\n",
		false);
	is_str(st, "CREATE_COMPLETE", "created");
	free(st);
	const cJSON *in = call_in("CreateQueue", NULL);
	ok(strncmp(str(in, "QueueName"), "m-D-", 4) != 0, "the dead-letter queue keeps its name");
	int from = 0;
	in = call_in("CreateQueue", &from);
	is_member(in, "QueueName", "\"dead.fifo\"", "a named queue");
	is_member(cJSON_GetObjectItem(in, "Attributes"), "FifoQueue", "\"true\"",
		  "attributes are text");
	in = call_in("CreateQueue", &from);
	const cJSON *attrs = cJSON_GetObjectItem(in, "Attributes");
	is_member(attrs, "VisibilityTimeout", "\"60\"", "a number attribute as text");
	char *redrive = member(attrs, "RedrivePolicy");
	ok(strstr(redrive, "deadLetterTargetArn") && strstr(redrive, "dead.fifo") &&
		   redrive[0] == '"',
	   "a redrive policy as JSON text naming the queue's ARN: %s", redrive);
	free(redrive);
	is_member(in, "tags", "{\"team\":\"tutors\"}", "tags as a map");
	in = call_in("CreateTopic", NULL);
	is_member(cJSON_GetObjectItem(in, "Attributes"), "DisplayName", "\"Alerts\"",
		  "the topic's display name");
	from = 0;
	in = call_in("Subscribe", &from);
	is_member(in, "Protocol", "\"sqs\"", "the topic's inline subscription");
	in = call_in("Subscribe", &from);
	is_member(cJSON_GetObjectItem(in, "Attributes"), "FilterPolicy",
		  "\"{\\\"kind\\\":[\\\"alert\\\"]}\"", "a filter policy as JSON text");
	is_member(cJSON_GetObjectItem(in, "Attributes"), "RawMessageDelivery", "\"true\"",
		  "raw delivery");
	is_member(in, "ReturnSubscriptionArn", "true", "asks for the subscription's ARN");
	in = call_in("PutRule", NULL);
	is_member(in, "EventPattern", "\"{\\\"source\\\":[\\\"shop\\\"]}\"",
		  "a pattern as JSON text");
	ok(strncmp(str(in, "Name"), "m-R-", 4) == 0, "a generated rule name");
	in = call_in("PutTargets", NULL);
	is_member(cJSON_GetArrayItem(cJSON_GetObjectItem(in, "Targets"), 0), "Input",
		  "\"{\\\"a\\\":1}\"", "a target's Input as JSON text");
	in = call_in("CreateLogGroup", NULL);
	is_member(in, "logGroupName", "\"/app/logs\"", "the log group");
	in = call_in("PutRetentionPolicy", NULL);
	is_member(in, "retentionInDays", "7", "its retention");
	in = call_in("PutParameter", NULL);
	is_member(in, "Value", "\"prod\"", "an SSM parameter");
	in = call_in("CreateBucket", NULL);
	char *bucket = member(in, "Bucket");
	ok(strncmp(bucket, "\"m-b-", 5) == 0, "a generated bucket name in lower case: %s", bucket);
	free(bucket);
	ok(cJSON_GetObjectItem(cJSON_GetObjectItem(in, "CreateBucketConfiguration"),
			       "LocationConstraint") != NULL,
	   "outside us-east-1 the bucket names its region");
	in = call_in("PutBucketNotificationConfiguration", NULL);
	const cJSON *qc = cJSON_GetArrayItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(in, "NotificationConfiguration"),
				    "QueueConfigurations"),
		0);
	is_member(qc, "Events", "[\"s3:ObjectCreated:*\"]", "S3's Events list");
	is_member(qc, "Filter",
		  "{\"Key\":{\"FilterRules\":[{\"Name\":\"suffix\",\"Value\":\".csv\"}]}}",
		  "S3's filter shape");
	/* Deleting deletes, last made first. */
	struct aws_err err;
	cJSON *din = cJSON_CreateObject();
	cJSON_AddStringToObject(din, "StackName", "m");
	cJSON_Delete(op(cfn_op_delete_stack, &err, din));
	is_int(count_calls("DeleteQueue"), 2, "both queues deleted");
	is_int(count_calls("DeleteTopic"), 1, "the topic deleted");
	is_int(count_calls("Unsubscribe"), 1, "the subscription removed");
	is_int(count_calls("RemoveTargets") + count_calls("DeleteRule"), 2,
	       "the rule and its target");
	is_int(count_calls("DeleteBucket"), 1, "the bucket");
	int last_queue = -1, bucket_del = -1;
	for (int i = 0; i < cJSON_GetArraySize(calls); i++) {
		const char *o = str(cJSON_GetArrayItem(calls, i), "op");
		if (strcmp(o, "DeleteQueue") == 0)
			last_queue = i;
		if (strcmp(o, "DeleteBucket") == 0)
			bucket_del = i;
	}
	ok(bucket_del < last_queue, "the bucket (which names the queue) goes before the queue");
	teardown();
}

static const char *const sam_app =
	"Transform: AWS::Serverless-2016-10-31\n"
	"Resources:\n"
	"  Orders:\n"
	"    Type: AWS::Serverless::Function\n"
	"    Properties:\n"
	"      CodeUri: s3://artifacts/orders.zip\n"
	"      Handler: app.handler\n"
	"      Runtime: python3.13\n"
	"      Layers: [!Ref Shared]\n"
	"      Environment: {Variables: {QUEUE: !Ref Jobs}}\n"
	"      Events:\n"
	"        Get: {Type: Api, Properties: {Path: \"/orders/{id}\", Method: get}}\n"
	"        List: {Type: HttpApi, Properties: {Path: /orders, Method: GET}}\n"
	"        Work: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 5}}\n"
	"      FunctionUrlConfig: {AuthType: NONE}\n"
	"  Jobs: {Type: AWS::SQS::Queue}\n"
	"  Shared:\n"
	"    Type: AWS::Serverless::LayerVersion\n"
	"    Properties: {ContentUri: s3://artifacts/layer.zip, CompatibleRuntimes: [python3.13]}\n"
	"Outputs:\n"
	"  Api:\n"
	"    Value: !Sub "
	"'https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod'\n"
	"  Http: {Value: !GetAtt ServerlessHttpApi.ApiEndpoint}\n"
	"  Url: {Value: !GetAtt OrdersUrl.FunctionUrl}\n";

TEST(cfn_providers__deploy_a_sam_application)
{
	setup();
	char *st = create("shop", sam_app, true);
	is_str(st, "CREATE_COMPLETE", "the SAM application is created");
	free(st);
	const cJSON *in = call_in("PublishLayerVersion", NULL);
	is_member(in, "LayerName", "\"Shared\"", "the layer keeps its logical id as its name");
	is_member(in, "Content", "{\"S3Bucket\":\"artifacts\",\"S3Key\":\"layer.zip\"}", "from S3");
	in = call_in("CreateFunction", NULL);
	is_member(in, "Code", "{\"S3Bucket\":\"artifacts\",\"S3Key\":\"orders.zip\"}",
		  "the function's code from S3");
	is_member(in, "Layers", "[\"arn:aws:lambda:eu-west-1:111122223333:layer:Shared:1\"]",
		  "the layer's ARN");
	ok(strstr(str(in, "Role"), ":role/shop-OrdersRole-") != NULL,
	   "the generated role (held by the stack): %s", str(in, "Role"));
	is_member(in, "Tags", "{\"lambda:createdBy\":\"SAM\"}", "SAM's tag, as a map");
	ok(strstr(str(cJSON_GetObjectItem(cJSON_GetObjectItem(in, "Environment"), "Variables"),
		      "QUEUE"),
		  "http://sqs/") != NULL,
	   "Ref of the queue in the environment");
	in = call_in("CreateEventSourceMapping", NULL);
	is_member(in, "BatchSize", "5", "the SQS event's mapping");
	/* The REST API's body becomes its resources, methods and integrations. */
	int from = 0;
	in = call_in("CreateResource", &from);
	is_member(in, "pathPart", "\"orders\"", "/orders under the root");
	is_member(in, "parentId", "\"root\"", "under the root");
	in = call_in("CreateResource", &from);
	is_member(in, "pathPart", "\"{id}\"", "/orders/{id} under /orders");
	is_member(in, "parentId", "\"res-orders\"", "under /orders");
	in = call_in("PutMethod", NULL);
	is_member(in, "httpMethod", "\"GET\"", "the method");
	is_member(in, "authorizationType", "\"NONE\"", "with no authorization");
	in = call_in("PutIntegration", NULL);
	is_member(in, "type", "\"AWS_PROXY\"", "a proxy integration");
	ok(strstr(str(in, "uri"), "functions/arn:aws:lambda:eu-west-1:111122223333:function:shop-"
				  "Orders-") != NULL,
	   "to the function: %s", str(in, "uri"));
	in = call_in("CreateDeployment", NULL);
	is_member(in, "stageName", "\"Stage\"", "SAM's Stage stage");
	in = call_in("CreateStage", NULL);
	is_member(in, "stageName", "\"Prod\"", "and Prod");
	/* The HTTP API's: an integration and a route. */
	in = call_in("CreateIntegration", NULL);
	is_member(in, "PayloadFormatVersion", "\"2.0\"", "payload 2.0");
	in = call_in("CreateRoute", NULL);
	is_member(in, "RouteKey", "\"GET /orders\"", "the route");
	ok(strncmp(str(in, "Target"), "integrations/int", 16) == 0, "to the integration");
	from = 0;
	int stages = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, calls)
	{
		if (strcmp(str(c, "op"), "CreateStage") == 0 &&
		    strcmp(str(c, "service"), "apigatewayv2") == 0) {
			stages++;
			is_member(cJSON_GetObjectItem(c, "in"), "StageName", "\"$default\"",
				  "the $default stage");
		}
	}
	is_int(stages, 1, "one HTTP API stage");
	is_int(count_calls("AddPermission"), 4, "permissions: REST, HTTP, and the URL's two");
	in = call_in("CreateFunctionUrlConfig", NULL);
	is_member(in, "AuthType", "\"NONE\"", "a public URL");
	struct aws_err err;
	cJSON *din = cJSON_CreateObject();
	cJSON_AddStringToObject(din, "StackName", "shop");
	cJSON *out = op(cfn_op_describe_stacks, &err, din);
	const cJSON *outputs = cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(out, "Stacks"), 0), "Outputs");
	is_int(cJSON_GetArraySize(outputs), 3, "three outputs");
	const cJSON *o;
	cJSON_ArrayForEach(o, outputs)
	{
		if (strcmp(str(o, "OutputKey"), "Api") == 0)
			is_str(str(o, "OutputValue"),
			       "https://rest1.execute-api.eu-west-1.amazonaws.com/Prod",
			       "the API's URL");
	}
	cJSON_Delete(out);
	din = cJSON_CreateObject();
	cJSON_AddStringToObject(din, "StackName", "shop");
	cJSON_Delete(op(cfn_op_delete_stack, &err, din));
	is_int(count_calls("DeleteLayerVersion"), 0,
	       "the layer version is retained, as SAM's DeletionPolicy says");
	is_int(count_calls("DeleteFunction"), 1, "the function is deleted");
	is_int(count_calls("DeleteRestApi"), 1, "the REST API too");
	is_int(count_calls("DeleteApi"), 1, "and the HTTP API");
	teardown();
}

/*
 * The stack `sam deploy --resolve-s3` makes, as SAM CLI sends it (its bootstrap's template:
 * aws/aws-sam-cli samcli/lib/bootstrap/bootstrap.py, the facts only): the SAM transform
 * over a versioned, encrypted, blocked bucket and its policy, created through a change set
 * with CAPABILITY_IAM alone and tagged ManagedStackSource=AwsSamCli.
 */
static const char *const sam_cli_managed =
	"{\"AWSTemplateFormatVersion\": \"2010-09-09\","
	" \"Transform\": \"AWS::Serverless-2016-10-31\","
	" \"Description\": \"Managed Stack for AWS SAM CLI\","
	" \"Metadata\": {\"SamCliInfo\": {\"version\": \"1.120.0\", \"installationId\": \"x\"}},"
	" \"Resources\": {"
	"  \"SamCliSourceBucket\": {\"Type\": \"AWS::S3::Bucket\", \"Properties\": {"
	"   \"PublicAccessBlockConfiguration\": {\"BlockPublicPolicy\": \"true\","
	"    \"BlockPublicAcls\": \"true\", \"IgnorePublicAcls\": \"true\","
	"    \"RestrictPublicBuckets\": \"true\"},"
	"   \"BucketEncryption\": {\"ServerSideEncryptionConfiguration\": ["
	"    {\"ServerSideEncryptionByDefault\": {\"SSEAlgorithm\": \"%s\"}}]},"
	"   \"VersioningConfiguration\": {\"Status\": \"%s\"},"
	"   \"Tags\": [{\"Key\": \"ManagedStackSource\", \"Value\": \"AwsSamCli\"}]}},"
	"  \"SamCliSourceBucketBucketPolicy\": {\"Type\": \"AWS::S3::BucketPolicy\","
	"   \"Properties\": {\"Bucket\": {\"Ref\": \"SamCliSourceBucket\"}, \"PolicyDocument\": {"
	"    \"Statement\": [{\"Action\": [\"s3:GetObject\"], \"Effect\": \"Allow\","
	"     \"Resource\": {\"Fn::Join\": [\"\", [\"arn:\", {\"Ref\": \"AWS::Partition\"},"
	"      \":s3:::\", {\"Ref\": \"SamCliSourceBucket\"}, \"/*\"]]},"
	"     \"Principal\": {\"Service\": \"serverlessrepo.amazonaws.com\"},"
	"     \"Condition\": {\"StringEquals\": {\"aws:SourceAccount\":"
	"      {\"Ref\": \"AWS::AccountId\"}}}},"
	"    {\"Action\": [\"s3:*\"], \"Effect\": \"Deny\", \"Resource\": ["
	"     {\"Fn::Join\": [\"\", [\"arn:\", {\"Ref\": \"AWS::Partition\"}, \":s3:::\","
	"      {\"Ref\": \"SamCliSourceBucket\"}]]},"
	"     {\"Fn::Join\": [\"\", [\"arn:\", {\"Ref\": \"AWS::Partition\"}, \":s3:::\","
	"      {\"Ref\": \"SamCliSourceBucket\"}, \"/*\"]]}],"
	"     \"Principal\": \"*\", \"Condition\": {\"Bool\": {\"aws:SecureTransport\":"
	"      \"false\"}}}]}}}},"
	" \"Outputs\": {\"SourceBucket\": {\"Value\": {\"Ref\": \"SamCliSourceBucket\"}}}}";

/* SAM CLI's calls for its managed stack: CreateChangeSet, ExecuteChangeSet. The stack's
 * description (caller deletes), NULL when refused. */
static cJSON *sam_cli_bootstrap(const char *name, const char *sse, const char *status)
{
	char tpl[6000];
	snprintf(tpl, sizeof(tpl), sam_cli_managed, sse, status);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "StackName", name);
	cJSON_AddStringToObject(in, "TemplateBody", tpl);
	cJSON *tag = cJSON_CreateObject();
	cJSON_AddStringToObject(tag, "Key", "ManagedStackSource");
	cJSON_AddStringToObject(tag, "Value", "AwsSamCli");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(in, "Tags"), tag);
	cJSON_AddStringToObject(in, "ChangeSetType", "CREATE");
	cJSON_AddStringToObject(in, "ChangeSetName", "InitialCreation");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(in, "Capabilities"),
			     cJSON_CreateString("CAPABILITY_IAM"));
	cJSON_AddArrayToObject(in, "Parameters");
	struct aws_err err;
	cJSON *out = op(cfn_op_create_change_set, &err, in);
	if (!out) {
		printf("# CreateChangeSet: %s\n", err.message);
		aws_err_release(&err);
		return NULL;
	}
	cJSON_Delete(out);
	in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "StackName", name);
	cJSON_AddStringToObject(in, "ChangeSetName", "InitialCreation");
	out = op(cfn_op_execute_change_set, &err, in);
	if (!out) {
		printf("# ExecuteChangeSet: %s\n", err.message);
		aws_err_release(&err);
		return NULL;
	}
	cJSON_Delete(out);
	in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "StackName", name);
	out = op(cfn_op_describe_stacks, &err, in);
	cJSON *stack = cJSON_DetachItemFromArray(cJSON_GetObjectItem(out, "Stacks"), 0);
	cJSON_Delete(out);
	return stack;
}

/* The reason of the first event of logical with status, or "(none)". Caller frees. */
static char *event_reason(const char *stack, const char *logical, const char *status)
{
	struct aws_err err;
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "StackName", stack);
	cJSON *ev = op(cfn_op_describe_stack_events, &err, in);
	char *reason = NULL;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(ev, "StackEvents"))
	{
		if (!reason && strcmp(str(e, "LogicalResourceId"), logical) == 0 &&
		    strcmp(str(e, "ResourceStatus"), status) == 0)
			reason = strdup(str(e, "ResourceStatusReason")
						? str(e, "ResourceStatusReason")
						: "");
	}
	cJSON_Delete(ev);
	return reason ? reason : strdup("(none)");
}

TEST(cfn_providers__sam_cli_managed_stack)
{
	setup();
	cJSON *stack = sam_cli_bootstrap("aws-sam-cli-managed-default", "aws:kms", "Enabled");
	is_str(stack ? str(stack, "StackStatus") : "(refused)", "CREATE_COMPLETE",
	       "SAM CLI's managed stack is created through its change set");
	const cJSON *in = call_in("CreateBucket", NULL);
	const char *bucket = in ? str(in, "Bucket") : NULL;
	ok(bucket && strncmp(bucket, "aws-sam-cli-managed-default-samclisourcebucket-", 47) == 0,
	   "a bucket named after the stack and its logical id, in lower case (%s)",
	   bucket ? bucket : "none");
	in = call_in("PutBucketPolicy", NULL);
	is_str(in ? str(in, "Bucket") : NULL, bucket, "its policy is put on that bucket");
	cJSON *policy = cJSON_Parse(in ? str(in, "Policy") : "");
	const cJSON *allow = cJSON_GetArrayItem(cJSON_GetObjectItem(policy, "Statement"), 0);
	char want[200];
	snprintf(want, sizeof(want), "arn:aws:s3:::%s/*", bucket ? bucket : "");
	is_str(str(allow, "Resource"), want, "Fn::Join with AWS::Partition made the resource");
	is_member(cJSON_GetObjectItem(allow, "Condition"), "StringEquals",
		  "{\"aws:SourceAccount\":\"111122223333\"}", "AWS::AccountId in the condition");
	cJSON_Delete(policy);
	const cJSON *o = cJSON_GetArrayItem(cJSON_GetObjectItem(stack, "Outputs"), 0);
	is_str(str(o, "OutputKey"), "SourceBucket", "the output SAM CLI reads");
	is_str(str(o, "OutputValue"), bucket, "... is the bucket's name");
	const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(stack, "Tags"), 0);
	ok(t && strcmp(str(t, "Key"), "ManagedStackSource") == 0 &&
		   strcmp(str(t, "Value"), "AwsSamCli") == 0,
	   "the stack's tag, which SAM CLI checks before using the bucket");
	/* The bucket's other properties are put through S3's own operations. */
	in = call_in("PutBucketVersioning", NULL);
	is_str(str(cJSON_GetObjectItem(in, "VersioningConfiguration"), "Status"), "Enabled",
	       "VersioningConfiguration: PutBucketVersioning Enabled");
	in = call_in("PutBucketEncryption", NULL);
	const cJSON *rule = cJSON_GetArrayItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(in, "ServerSideEncryptionConfiguration"),
				    "Rules"),
		0);
	is_str(str(cJSON_GetObjectItem(rule, "ApplyServerSideEncryptionByDefault"), "SSEAlgorithm"),
	       "aws:kms", "BucketEncryption: PutBucketEncryption in S3's shape (Rules)");
	in = call_in("PutPublicAccessBlock", NULL);
	const cJSON *pab = cJSON_GetObjectItem(in, "PublicAccessBlockConfiguration");
	ok(cJSON_IsTrue(cJSON_GetObjectItem(pab, "BlockPublicPolicy")) &&
		   cJSON_IsTrue(cJSON_GetObjectItem(pab, "RestrictPublicBuckets")),
	   "PublicAccessBlockConfiguration: its \"true\" texts put as booleans");
	in = call_in("PutBucketTagging", NULL);
	char *tags = cJSON_PrintUnformatted(cJSON_GetObjectItem(in, "Tagging"));
	ok(tags && strstr(tags, "{\"Key\":\"ManagedStackSource\",\"Value\":\"AwsSamCli\"}") &&
		   strstr(tags, "{\"Key\":\"aws:cloudformation:logical-id\",\"Value\":"
				"\"SamCliSourceBucket\"}") &&
		   strstr(tags, "{\"Key\":\"aws:cloudformation:stack-name\",\"Value\":"
				"\"aws-sam-cli-managed-default\"}"),
	   "Tags: PutBucketTagging with CloudFormation's own three: %s", tags ? tags : "none");
	free(tags);
	char *why = event_reason("aws-sam-cli-managed-default", "SamCliSourceBucket",
				 "CREATE_COMPLETE");
	is_str(why, "", "nothing is held unapplied, so the bucket's event has no note");
	free(why);
	cJSON_Delete(stack);

	struct aws_err err;
	cJSON *din = cJSON_CreateObject();
	cJSON_AddStringToObject(din, "StackName", "aws-sam-cli-managed-default");
	cJSON_Delete(op(cfn_op_delete_stack, &err, din));
	int policy_del = -1, bucket_del = -1;
	for (int i = 0; i < cJSON_GetArraySize(calls); i++) {
		const char *name = str(cJSON_GetArrayItem(calls, i), "op");
		if (strcmp(name, "DeleteBucketPolicy") == 0)
			policy_del = i;
		if (strcmp(name, "DeleteBucket") == 0)
			bucket_del = i;
	}
	ok(policy_del >= 0 && policy_del < bucket_del,
	   "deleting the stack removes the policy, then the bucket");

	/* Values CloudFormation's schema refuses fail the resource, and the stack rolls back. */
	static const struct {
		const char *sse, *status, *why;
	} bad[] = {
		{ "aws:kms", "On",
		  "Properties validation failed for resource SamCliSourceBucket with message: "
		  "#/VersioningConfiguration/Status: failed validation constraint for keyword "
		  "[enum]" },
		{ "DES", "Enabled",
		  "Properties validation failed for resource SamCliSourceBucket with message: "
		  "#/BucketEncryption/ServerSideEncryptionConfiguration/0/"
		  "ServerSideEncryptionByDefault/SSEAlgorithm: failed validation constraint for "
		  "keyword [enum]" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[16];
		snprintf(name, sizeof(name), "bad%zu", i);
		int before = count_calls("CreateBucket");
		stack = sam_cli_bootstrap(name, bad[i].sse, bad[i].status);
		is_str(stack ? str(stack, "StackStatus") : "(refused)", "ROLLBACK_COMPLETE",
		       bad[i].status[0] == 'O' ? "versioning On: the stack rolls back"
					       : "encryption DES: the stack rolls back");
		is_int(count_calls("CreateBucket"), before, "... before any bucket is made");
		why = event_reason(name, "SamCliSourceBucket", "CREATE_FAILED");
		is_str(why, bad[i].why, "... with CloudFormation's reason");
		free(why);
		cJSON_Delete(stack);
	}
	teardown();
}

int main(void)
{
	RUN(cfn_providers__map_properties_to_each_services_input);
	RUN(cfn_providers__deploy_a_sam_application);
	RUN(cfn_providers__sam_cli_managed_stack);
	return done();
}
