/*
 * CloudFormation stacks over a fake service table: creation in dependency order, outputs
 * and exports, updates in place and by replacement, change sets, deletion, and rollback that
 * leaves nothing behind but events. The fake services keep what exists in one JSON object,
 * so every test can check what the stack really made and removed.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/cfn/cfn.h"
#include "cloud/cfn/engine.h"
#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/state.h"
#include "harness.h"

/* What exists in the fake services: "lambda:fn-name" -> properties, and a call log. The
 * engine's worker calls in while a test reads: one lock for both. */
static cJSON *world, *calls;
static int next_id;
static pthread_mutex_t world_mu = PTHREAD_MUTEX_INITIALIZER;
/* The state DescribeAlarms gives every alarm. */
static const char *alarm_state = "OK";

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static cJSON *fake_call_locked(struct cloud *c, const struct svc_caller *caller,
			       const char *service, const char *op, const cJSON *in,
			       struct aws_err *err)
{
	char key[300];
	cJSON *log = cJSON_CreateObject();
	cJSON_AddStringToObject(log, "op", op);
	cJSON_AddItemToObject(log, "in", cJSON_Duplicate(in, true));
	cJSON_AddItemToArray(calls, log);
	cJSON *out = cJSON_CreateObject();
	if (strcmp(op, "CreateFunction") == 0) {
		const char *name = str(in, "FunctionName");
		if (strstr(name, "boom")) {
			cJSON_Delete(out);
			aws_err_set(err, 400, "InvalidParameterValueException",
				    "The runtime parameter of boom is not supported");
			return NULL;
		}
		snprintf(key, sizeof(key), "lambda:%s", name);
		cJSON_AddItemToObject(world, key, cJSON_Duplicate(in, true));
		char arn[256];
		snprintf(arn, sizeof(arn), "arn:aws:lambda:%s:%s:function:%s", caller->region,
			 caller->account, name);
		cJSON_AddStringToObject(out, "FunctionArn", arn);
	} else if (strcmp(op, "UpdateFunctionCode") == 0) {
		snprintf(key, sizeof(key), "lambda:%s", str(in, "FunctionName"));
		cJSON *fn = cJSON_GetObjectItemCaseSensitive(world, key);
		cJSON_DeleteItemFromObjectCaseSensitive(fn, "ZipFile");
		cJSON_AddStringToObject(fn, "ZipFile", str(in, "ZipFile"));
	} else if (strcmp(op, "UpdateFunctionConfiguration") == 0) {
		snprintf(key, sizeof(key), "lambda:%s", str(in, "FunctionName"));
		cJSON *fn = cJSON_GetObjectItemCaseSensitive(world, key);
		const cJSON *m;
		cJSON_ArrayForEach(m, in)
		{
			cJSON_DeleteItemFromObjectCaseSensitive(fn, m->string);
			cJSON_AddItemToObject(fn, m->string, cJSON_Duplicate(m, true));
		}
		char arn[256];
		snprintf(arn, sizeof(arn), "arn:aws:lambda:%s:%s:function:%s", caller->region,
			 caller->account, str(in, "FunctionName"));
		cJSON_AddStringToObject(out, "FunctionArn", arn);
	} else if (strcmp(op, "DeleteFunction") == 0) {
		snprintf(key, sizeof(key), "lambda:%s", str(in, "FunctionName"));
		cJSON_DeleteItemFromObjectCaseSensitive(world, key);
	} else if (strcmp(op, "CreateQueue") == 0) {
		snprintf(key, sizeof(key), "sqs:%s", str(in, "QueueName"));
		cJSON_AddItemToObject(world, key, cJSON_Duplicate(in, true));
		char url[256];
		snprintf(url, sizeof(url), "http://sqs/%s/%s", caller->account,
			 str(in, "QueueName"));
		cJSON_AddStringToObject(out, "QueueUrl", url);
	} else if (strcmp(op, "GetQueueAttributes") == 0) {
		const char *name = strrchr(str(in, "QueueUrl"), '/') + 1;
		char arn[256];
		snprintf(arn, sizeof(arn), "arn:aws:sqs:%s:%s:%s", caller->region, caller->account,
			 name);
		cJSON *a = cJSON_AddObjectToObject(out, "Attributes");
		cJSON_AddStringToObject(a, "QueueArn", arn);
	} else if (strcmp(op, "DeleteQueue") == 0) {
		snprintf(key, sizeof(key), "sqs:%s", strrchr(str(in, "QueueUrl"), '/') + 1);
		cJSON_DeleteItemFromObjectCaseSensitive(world, key);
	} else if (strcmp(op, "CreateEventSourceMapping") == 0) {
		char uuid[64];
		snprintf(uuid, sizeof(uuid), "uuid-%d", ++next_id);
		snprintf(key, sizeof(key), "esm:%s", uuid);
		cJSON_AddItemToObject(world, key, cJSON_Duplicate(in, true));
		cJSON_AddStringToObject(out, "UUID", uuid);
	} else if (strcmp(op, "DeleteEventSourceMapping") == 0) {
		snprintf(key, sizeof(key), "esm:%s", str(in, "UUID"));
		cJSON_DeleteItemFromObjectCaseSensitive(world, key);
	} else if (strcmp(op, "PublishVersion") == 0) {
		snprintf(key, sizeof(key), "versions:%s", str(in, "FunctionName"));
		cJSON *n = cJSON_GetObjectItemCaseSensitive(world, key);
		if (!n)
			n = cJSON_AddNumberToObject(world, key, 0);
		cJSON_SetNumberValue(n, n->valuedouble + 1);
		char v[16], arn[256];
		snprintf(v, sizeof(v), "%d", (int)n->valuedouble);
		snprintf(arn, sizeof(arn), "arn:aws:lambda:%s:%s:function:%s:%s", caller->region,
			 caller->account, str(in, "FunctionName"), v);
		cJSON_AddStringToObject(out, "Version", v);
		cJSON_AddStringToObject(out, "FunctionArn", arn);
	} else if (strcmp(op, "CreateAlias") == 0 || strcmp(op, "UpdateAlias") == 0) {
		snprintf(key, sizeof(key), "alias:%s", str(in, "Name"));
		cJSON_DeleteItemFromObjectCaseSensitive(world, key);
		cJSON_AddItemToObject(world, key, cJSON_Duplicate(in, true));
		char arn[256];
		snprintf(arn, sizeof(arn), "arn:aws:lambda:%s:%s:function:%s:%s", caller->region,
			 caller->account, str(in, "FunctionName"), str(in, "Name"));
		cJSON_AddStringToObject(out, "AliasArn", arn);
	} else if (strcmp(op, "DescribeAlarms") == 0) {
		cJSON *list = cJSON_AddArrayToObject(out, "MetricAlarms");
		const cJSON *n;
		cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(in, "AlarmNames"))
		{
			cJSON *a = cJSON_CreateObject();
			cJSON_AddStringToObject(a, "AlarmName", n->valuestring);
			cJSON_AddStringToObject(a, "StateValue", alarm_state);
			cJSON_AddItemToArray(list, a);
		}
	} else {
		cJSON_Delete(out);
		aws_err_set(err, 501, "NotImplemented", "fake %s %s", service, op);
		return NULL;
	}
	return out;
}

static cJSON *fake_call(struct cloud *c, const struct svc_caller *caller, const char *service,
			const char *op, const cJSON *in, struct aws_err *err)
{
	pthread_mutex_lock(&world_mu);
	cJSON *out = fake_call_locked(c, caller, service, op, in, err);
	pthread_mutex_unlock(&world_mu);
	return out;
}

/* A copy of what the fake services hold under key, or NULL. Caller deletes. */
static cJSON *world_get(const char *key)
{
	pthread_mutex_lock(&world_mu);
	cJSON *v = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(world, key), true);
	pthread_mutex_unlock(&world_mu);
	return v;
}

static bool fake_has(struct cloud *c, const char *service)
{
	return strcmp(service, "iam") != 0;
}

static struct cloud cloud;
static struct svc_caller caller = { .account = "111122223333", .region = "us-east-1" };

static void setup(void)
{
	struct error err;
	cloud.db = cloud_db_open(":memory:", &err);
	cloud.vclock = vclock_new(1);
	cloud.cfn = cfn_svc_new(&cloud, cloud.db, cloud.vclock, fake_call, fake_has);
	world = cJSON_CreateObject();
	calls = cJSON_CreateArray();
}

static void teardown(void)
{
	cfn_svc_free(cloud.cfn);
	vclock_free(cloud.vclock);
	cloud_db_close(cloud.db);
	cJSON_Delete(world);
	cJSON_Delete(calls);
	memset(&cloud, 0, sizeof(cloud));
}

typedef cJSON *(*op_fn)(struct svc_call *, const cJSON *, struct aws_err *);

/* Call an operation with JSON input; returns its output, or NULL with *err filled. */
static cJSON *op(op_fn fn, struct aws_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char buf[8192];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cJSON *in = cJSON_Parse(buf);
	if (!in) {
		printf("# bad test JSON: %s\n", buf);
		return NULL;
	}
	struct svc_call call = { .cloud = &cloud, .op = "test", .caller = &caller };
	memset(err, 0, sizeof(*err));
	cJSON *out = fn(&call, in, err);
	cJSON_Delete(in);
	return out;
}

/* A template as a JSON string value (escaped). Caller frees. */
static char *body(const char *yaml)
{
	cJSON *s = cJSON_CreateString(yaml);
	char *text = cJSON_PrintUnformatted(s);
	cJSON_Delete(s);
	return text;
}

static cJSON *describe(const char *name)
{
	struct aws_err err;
	cJSON *out = op(cfn_op_describe_stacks, &err, "{\"StackName\":\"%s\"}", name);
	cJSON *stack = cJSON_DetachItemFromArray(cJSON_GetObjectItem(out, "Stacks"), 0);
	cJSON_Delete(out);
	return stack;
}

static char *status_of(const char *name)
{
	cJSON *s = describe(name);
	char *st = strdup(s ? str(s, "StackStatus") : "(none)");
	cJSON_Delete(s);
	return st;
}

static const char *const app = "Parameters:\n"
			       "  Mem: {Type: Number, Default: 128}\n"
			       "Resources:\n"
			       "  Q:\n"
			       "    Type: AWS::SQS::Queue\n"
			       "  Fn:\n"
			       "    Type: AWS::Lambda::Function\n"
			       "    Properties:\n"
			       "      Runtime: python3.13\n"
			       "      Handler: index.handler\n"
			       "      Role: arn:aws:iam::111122223333:role/r\n"
			       "      MemorySize: !Ref Mem\n"
			       "      Code: {ZipFile: 'def handler(e, c): return 1'}\n"
			       "      Environment: {Variables: {QUEUE: !Ref Q}}\n"
			       "  Map:\n"
			       "    Type: AWS::Lambda::EventSourceMapping\n"
			       "    Properties:\n"
			       "      FunctionName: !Ref Fn\n"
			       "      EventSourceArn: !GetAtt Q.Arn\n"
			       "      BatchSize: '5'\n"
			       "Outputs:\n"
			       "  QueueUrl:\n"
			       "    Value: !Ref Q\n"
			       "    Export: {Name: !Sub '${AWS::StackName}-queue'}\n"
			       "  FnArn: {Value: !GetAtt Fn.Arn}\n";

TEST(cfn_stack__creates_in_dependency_order_with_outputs_and_exports)
{
	setup();
	struct aws_err err;
	char *b = body(app);
	cJSON *out =
		op(cfn_op_create_stack, &err, "{\"StackName\":\"app\",\"TemplateBody\":%s}", b);
	ok(out && strncmp(str(out, "StackId"),
			  "arn:aws:cloudformation:us-east-1:111122223333:stack/app/", 55) == 0,
	   "CreateStack answers the stack id: %s", err.message);
	cJSON_Delete(out);
	char *st = status_of("app");
	is_str(st, "CREATE_COMPLETE", "the stack is complete when the request returns");
	free(st);
	/* The queue came first, the mapping last, as the references order them. */
	is_str(str(cJSON_GetArrayItem(calls, 0), "op"), "CreateQueue", "queue first");
	is_str(str(cJSON_GetArrayItem(calls, 2), "op"), "CreateFunction", "then the function");
	is_str(str(cJSON_GetArrayItem(calls, 3), "op"), "CreateEventSourceMapping",
	       "then the mapping");
	const cJSON *fn_in = cJSON_GetObjectItem(cJSON_GetArrayItem(calls, 2), "in");
	ok(cJSON_GetObjectItem(fn_in, "MemorySize")->valuedouble == 128,
	   "a Number parameter becomes an integer member");
	ok(strncmp(str(cJSON_GetObjectItem(fn_in, "FunctionName") ? fn_in : NULL, "FunctionName"),
		   "app-Fn-", 7) == 0,
	   "a generated function name: %s", str(fn_in, "FunctionName"));
	ok(str(cJSON_GetObjectItem(fn_in, "Code"), "ZipFile") != NULL,
	   "inline code is sent as a zip");
	const cJSON *map_in = cJSON_GetObjectItem(cJSON_GetArrayItem(calls, 3), "in");
	ok(cJSON_GetObjectItem(map_in, "BatchSize")->valuedouble == 5, "'5' becomes the integer 5");
	ok(strstr(str(map_in, "EventSourceArn"), "arn:aws:sqs:us-east-1:111122223333:app-Q-") !=
		   NULL,
	   "Fn::GetAtt gives the queue's ARN");
	cJSON *s = describe("app");
	const cJSON *outputs = cJSON_GetObjectItem(s, "Outputs");
	is_int(cJSON_GetArraySize(outputs), 2, "two outputs");
	ok(strstr(str(cJSON_GetArrayItem(outputs, 0), "OutputValue"), "http://sqs/") != NULL,
	   "Ref of a queue is its URL");
	is_str(str(cJSON_GetArrayItem(outputs, 0), "ExportName"), "app-queue", "exported");
	cJSON_Delete(s);
	out = op(cfn_op_list_exports, &err, "{}");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(out, "Exports")), 1, "ListExports");
	cJSON_Delete(out);
	out = op(cfn_op_create_stack, &err, "{\"StackName\":\"app\",\"TemplateBody\":%s}", b);
	ok(!out && strcmp(err.code, "AlreadyExistsException") == 0, "a second stack of that name");
	is_str(err.message, "Stack [app] already exists", "AWS's wording");
	aws_err_release(&err);
	/* Events: newest first, the stack's own first and last. */
	out = op(cfn_op_describe_stack_events, &err, "{\"StackName\":\"app\"}");
	const cJSON *events = cJSON_GetObjectItem(out, "StackEvents");
	int n = cJSON_GetArraySize(events);
	is_str(str(cJSON_GetArrayItem(events, 0), "ResourceStatus"), "CREATE_COMPLETE",
	       "last event");
	is_str(str(cJSON_GetArrayItem(events, n - 1), "ResourceStatusReason"), "User Initiated",
	       "first event");
	is_int(n, 2 + 3 * 3, "three events per resource");
	cJSON_Delete(out);
	free(b);
	teardown();
}

TEST(cfn_stack__rolls_back_a_failed_creation_leaving_only_events)
{
	setup();
	struct aws_err err;
	char *b = body("Resources:\n"
		       "  Q: {Type: AWS::SQS::Queue}\n"
		       "  Fn:\n"
		       "    Type: AWS::Lambda::Function\n"
		       "    DependsOn: Q\n"
		       "    Properties:\n"
		       "      FunctionName: boom\n"
		       "      Runtime: python3.13\n"
		       "      Handler: index.handler\n"
		       "      Role: arn:aws:iam::111122223333:role/r\n"
		       "      Code: {ZipFile: x}\n");
	cJSON *out =
		op(cfn_op_create_stack, &err, "{\"StackName\":\"bad\",\"TemplateBody\":%s}", b);
	cJSON_Delete(out);
	char *st = status_of("bad");
	is_str(st, "ROLLBACK_COMPLETE", "rolled back");
	free(st);
	is_int(cJSON_GetArraySize(world), 0, "nothing is left in the services");
	out = op(cfn_op_describe_stack_events, &err, "{\"StackName\":\"bad\"}");
	const cJSON *e;
	bool failed = false, rollback = false;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(out, "StackEvents"))
	{
		if (strcmp(str(e, "ResourceStatus"), "CREATE_FAILED") == 0) {
			failed =
				strstr(str(e, "ResourceStatusReason"),
				       "Resource handler returned message: \"The runtime parameter "
				       "of boom is not supported (Service: Lambda, Status Code: "
				       "400") != NULL;
		}
		if (strcmp(str(e, "ResourceStatus"), "ROLLBACK_IN_PROGRESS") == 0)
			rollback = strcmp(str(e, "ResourceStatusReason"),
					  "The following resource(s) failed to create: [Fn]. "
					  "Rollback requested by user.") == 0;
	}
	ok(failed, "the failure's event carries the service's message");
	ok(rollback, "the rollback names the failed resource");
	cJSON_Delete(out);
	out = op(cfn_op_describe_stack_resources, &err, "{\"StackName\":\"bad\"}");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(out, "StackResources")), 0,
	       "no resources are listed");
	cJSON_Delete(out);
	out = op(cfn_op_update_stack, &err, "{\"StackName\":\"bad\",\"TemplateBody\":%s}", b);
	ok(!out && strstr(err.message, "is in ROLLBACK_COMPLETE state and can not be updated."),
	   "a rolled-back stack cannot be updated: %s", err.message);
	aws_err_release(&err);
	free(b);
	teardown();
}

TEST(cfn_stack__updates_in_place_and_cleans_up_removed_resources)
{
	setup();
	struct aws_err err;
	char *b = body(app);
	cJSON_Delete(
		op(cfn_op_create_stack, &err, "{\"StackName\":\"app\",\"TemplateBody\":%s}", b));
	cJSON *out =
		op(cfn_op_update_stack, &err, "{\"StackName\":\"app\",\"TemplateBody\":%s}", b);
	ok(!out && strcmp(err.message, "No updates are to be performed.") == 0,
	   "an unchanged template: %s", err.message);
	aws_err_release(&err);
	int before = cJSON_GetArraySize(calls);
	out = op(cfn_op_update_stack, &err,
		 "{\"StackName\":\"app\",\"UsePreviousTemplate\":true,"
		 "\"Parameters\":[{\"ParameterKey\":\"Mem\",\"ParameterValue\":\"256\"}]}");
	ok(out != NULL, "a new parameter value updates the stack: %s", err.message);
	cJSON_Delete(out);
	char *st = status_of("app");
	is_str(st, "UPDATE_COMPLETE", "updated");
	free(st);
	is_str(str(cJSON_GetArrayItem(calls, before), "op"), "UpdateFunctionConfiguration",
	       "the function is updated in place");
	is_int(cJSON_GetArraySize(calls), before + 1, "and nothing else is touched");
	free(b);
	/* Remove the mapping and the export. */
	b = body("Resources:\n"
		 "  Q: {Type: AWS::SQS::Queue}\n");
	out = op(cfn_op_update_stack, &err, "{\"StackName\":\"app\",\"TemplateBody\":%s}", b);
	cJSON_Delete(out);
	st = status_of("app");
	is_str(st, "UPDATE_COMPLETE", "updated again");
	free(st);
	is_int(cJSON_GetArraySize(world), 1, "only the queue is left");
	out = op(cfn_op_list_exports, &err, "{}");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(out, "Exports")), 0, "the export is gone");
	cJSON_Delete(out);
	out = op(cfn_op_delete_stack, &err, "{\"StackName\":\"app\"}");
	cJSON_Delete(out);
	is_int(cJSON_GetArraySize(world), 0, "deleting the stack deletes the queue");
	cJSON *gone = describe("app");
	ok(gone == NULL, "a deleted stack is not found by name");
	cJSON_Delete(gone);
	out = op(cfn_op_list_stacks, &err, "{}");
	is_str(str(cJSON_GetArrayItem(cJSON_GetObjectItem(out, "StackSummaries"), 0),
		   "StackStatus"),
	       "DELETE_COMPLETE", "ListStacks still shows it");
	cJSON_Delete(out);
	free(b);
	teardown();
}

TEST(cfn_stack__change_sets_are_what_deploy_uses)
{
	setup();
	struct aws_err err;
	char *b = body(app);
	cJSON *out =
		op(cfn_op_create_change_set, &err,
		   "{\"StackName\":\"cs\",\"ChangeSetName\":\"one\",\"ChangeSetType\":\"CREATE\","
		   "\"TemplateBody\":%s}",
		   b);
	ok(out && str(out, "Id") && str(out, "StackId"), "CreateChangeSet: %s", err.message);
	cJSON_Delete(out);
	char *st = status_of("cs");
	is_str(st, "REVIEW_IN_PROGRESS", "the stack waits for review");
	free(st);
	is_int(cJSON_GetArraySize(world), 0, "nothing is made yet");
	out = op(cfn_op_describe_change_set, &err,
		 "{\"StackName\":\"cs\",\"ChangeSetName\":\"one\"}");
	is_str(str(out, "Status"), "CREATE_COMPLETE", "the change set is ready");
	is_str(str(out, "ExecutionStatus"), "AVAILABLE", "and can be executed");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(out, "Changes")), 3, "three additions");
	cJSON_Delete(out);
	out = op(cfn_op_execute_change_set, &err,
		 "{\"StackName\":\"cs\",\"ChangeSetName\":\"one\"}");
	cJSON_Delete(out);
	st = status_of("cs");
	is_str(st, "CREATE_COMPLETE", "executed");
	free(st);
	/* The same template again: a change set with nothing in it fails, as deploy expects. */
	out = op(cfn_op_create_change_set, &err,
		 "{\"StackName\":\"cs\",\"ChangeSetName\":\"two\",\"TemplateBody\":%s}", b);
	cJSON_Delete(out);
	out = op(cfn_op_describe_change_set, &err,
		 "{\"StackName\":\"cs\",\"ChangeSetName\":\"two\"}");
	is_str(str(out, "Status"), "FAILED", "an empty change set fails");
	is_str(str(out, "StatusReason"),
	       "The submitted information didn't contain changes. Submit different information "
	       "to create a change set.",
	       "with the reason the AWS CLI looks for");
	cJSON_Delete(out);
	out = op(cfn_op_create_change_set, &err,
		 "{\"StackName\":\"cs\",\"ChangeSetName\":\"three\",\"TemplateBody\":%s,"
		 "\"Parameters\":[{\"ParameterKey\":\"Mem\",\"ParameterValue\":\"512\"}]}",
		 b);
	cJSON_Delete(out);
	out = op(cfn_op_describe_change_set, &err,
		 "{\"StackName\":\"cs\",\"ChangeSetName\":\"three\"}");
	const cJSON *change = cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(out, "Changes"), 0), "ResourceChange");
	is_str(str(change, "Action"), "Modify", "a parameter change modifies");
	is_str(str(change, "LogicalResourceId"), "Fn", "the function");
	is_str(str(change, "Replacement"), "False", "in place");
	cJSON_Delete(out);
	out = op(cfn_op_describe_change_set, &err,
		 "{\"StackName\":\"cs\",\"ChangeSetName\":\"nope\"}");
	ok(!out && strcmp(err.code, "ChangeSetNotFound") == 0, "an unknown change set");
	aws_err_release(&err);
	free(b);
	teardown();
}

TEST(cfn_stack__refuses_bad_templates_with_cloudformation_errors)
{
	setup();
	struct aws_err err;
	cJSON *out = op(cfn_op_create_stack, &err,
			"{\"StackName\":\"x\",\"TemplateBody\":\"Resources:\\n  A: [\"}");
	ok(!out && strncmp(err.message, "Template format error: YAML not well-formed. (line ",
			   51) == 0,
	   "YAML errors: %s", err.message);
	aws_err_release(&err);
	out = op(cfn_op_create_stack, &err,
		 "{\"StackName\":\"x\",\"TemplateBody\":\"Resources:\\n  A: {Type: "
		 "AWS::Lambda::Functon}\"}");
	is_str(err.message,
	       "Template format error: Unrecognized resource types: [AWS::Lambda::Functon]",
	       "an unknown type");
	aws_err_release(&err);
	out = op(cfn_op_create_stack, &err,
		 "{\"StackName\":\"x\",\"TemplateBody\":\"Resources:\\n  R: {Type: AWS::IAM::Role, "
		 "Properties: {AssumeRolePolicyDocument: {}}}\"}");
	ok(!out && strcmp(err.code, "InsufficientCapabilitiesException") == 0 &&
		   strcmp(err.message, "Requires capabilities : [CAPABILITY_IAM]") == 0,
	   "IAM needs a capability: %s", err.message);
	aws_err_release(&err);
	out = op(cfn_op_create_stack, &err, "{\"StackName\":\"1x\",\"TemplateBody\":\"{}\"}");
	ok(!out && strstr(err.message, "at 'stackName' failed to satisfy constraint"),
	   "a bad stack name");
	aws_err_release(&err);
	char *st = status_of("x");
	is_str(st, "(none)", "no stack was made");
	free(st);
	/* A type the local cloud knows but does not serve fails the stack, with an event. */
	out = op(cfn_op_create_stack, &err,
		 "{\"StackName\":\"vpc\",\"TemplateBody\":\"Resources:\\n  V: {Type: "
		 "AWS::EC2::VPC}\"}");
	cJSON_Delete(out);
	st = status_of("vpc");
	is_str(st, "ROLLBACK_COMPLETE", "an unsupported type rolls back");
	free(st);
	out = op(cfn_op_describe_stack_events, &err, "{\"StackName\":\"vpc\"}");
	bool said = false;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(out, "StackEvents"))
	{
		said = said || (str(e, "ResourceStatusReason") &&
				strcmp(str(e, "ResourceStatusReason"),
				       "Resource type AWS::EC2::VPC is not supported by the local "
				       "cloud") == 0);
	}
	ok(said, "with an event that says so");
	cJSON_Delete(out);
	teardown();
}

static const char *const gradual =
	"Parameters:\n"
	"  Code: {Type: String, Default: one}\n"
	"  Version: {Type: String, Default: V1}\n"
	"Conditions:\n"
	"  One: !Equals [!Ref Version, V1]\n"
	"  Two: !Equals [!Ref Version, V2]\n"
	"  Three: !Equals [!Ref Version, V3]\n"
	"Resources:\n"
	"  Fn:\n"
	"    Type: AWS::Lambda::Function\n"
	"    Properties:\n"
	"      FunctionName: shop\n"
	"      Runtime: python3.13\n"
	"      Handler: index.handler\n"
	"      Role: arn:aws:iam::111122223333:role/r\n"
	"      Code: {ZipFile: !Ref Code}\n"
	"  V1: {Type: AWS::Lambda::Version, Condition: One, Properties: {FunctionName: !Ref Fn}}\n"
	"  V2: {Type: AWS::Lambda::Version, Condition: Two, Properties: {FunctionName: !Ref Fn}}\n"
	"  V3: {Type: AWS::Lambda::Version, Condition: Three, Properties: {FunctionName: !Ref "
	"Fn}}\n"
	"  App: {Type: AWS::CodeDeploy::Application, Properties: {ComputePlatform: Lambda}}\n"
	"  Group:\n"
	"    Type: AWS::CodeDeploy::DeploymentGroup\n"
	"    Properties:\n"
	"      ApplicationName: !Ref App\n"
	"      ServiceRoleArn: arn:aws:iam::111122223333:role/cd\n"
	"      DeploymentConfigName: CodeDeployDefault.LambdaCanary10Percent5Minutes\n"
	"      AlarmConfiguration: {Enabled: true, Alarms: [{Name: errors}]}\n"
	"  Live:\n"
	"    Type: AWS::Lambda::Alias\n"
	"    UpdatePolicy:\n"
	"      CodeDeployLambdaAliasUpdate:\n"
	"        ApplicationName: !Ref App\n"
	"        DeploymentGroupName: !Ref Group\n"
	"    Properties:\n"
	"      FunctionName: !Ref Fn\n"
	"      Name: live\n"
	"      FunctionVersion: !If [One, !GetAtt V1.Version, !If [Two, !GetAtt V2.Version, "
	"!GetAtt V3.Version]]\n";

/* Poll (real time, up to ten seconds) until the stack's status is want. */
static bool wait_status(const char *name, const char *want)
{
	for (int i = 0; i < 1000; i++) {
		char *st = status_of(name);
		bool hit = strcmp(st, want) == 0;
		free(st);
		if (hit)
			return true;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

TEST(cfn_stack__shifts_traffic_gradually_and_rolls_back_on_an_alarm)
{
	setup();
	struct aws_err err;
	char *b = body(gradual);
	cJSON_Delete(
		op(cfn_op_create_stack, &err, "{\"StackName\":\"gd\",\"TemplateBody\":%s}", b));
	char *st = status_of("gd");
	is_str(st, "CREATE_COMPLETE", "created");
	free(st);
	cJSON *alias = world_get("alias:live");
	is_str(str(alias, "FunctionVersion"), "1", "the alias starts on version 1");
	cJSON_Delete(alias);
	cJSON *out = op(cfn_op_update_stack, &err,
			"{\"StackName\":\"gd\",\"TemplateBody\":%s,\"Parameters\":["
			"{\"ParameterKey\":\"Code\",\"ParameterValue\":\"two\"},"
			"{\"ParameterKey\":\"Version\",\"ParameterValue\":\"V2\"}]}",
			b);
	ok(out != NULL, "the update starts: %s", err.message);
	cJSON_Delete(out);
	st = status_of("gd");
	is_str(st, "UPDATE_IN_PROGRESS", "the request answers while the canary runs");
	free(st);
	alias = world_get("alias:live");
	is_str(str(alias, "FunctionVersion"), "1", "version 1 still takes most traffic");
	const cJSON *w = cJSON_GetObjectItem(cJSON_GetObjectItem(alias, "RoutingConfig"),
					     "AdditionalVersionWeights");
	ok(cJSON_GetObjectItem(w, "2") && cJSON_GetObjectItem(w, "2")->valuedouble == 0.1,
	   "10%% goes to version 2");
	cJSON_Delete(alias);
	vclock_advance(cloud.vclock, 5 * 60 * 1000);
	ok(wait_status("gd", "UPDATE_COMPLETE"), "five minutes later the update completes");
	alias = world_get("alias:live");
	is_str(str(alias, "FunctionVersion"), "2", "all traffic on version 2");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(alias, "RoutingConfig"),
						      "AdditionalVersionWeights")),
	       0, "with no weights left");
	cJSON_Delete(alias);
	/* Version 3 with its alarm firing: the deployment stops and the stack rolls back. */
	out = op(cfn_op_update_stack, &err,
		 "{\"StackName\":\"gd\",\"TemplateBody\":%s,\"Parameters\":["
		 "{\"ParameterKey\":\"Code\",\"ParameterValue\":\"three\"},"
		 "{\"ParameterKey\":\"Version\",\"ParameterValue\":\"V3\"}]}",
		 b);
	cJSON_Delete(out);
	pthread_mutex_lock(&world_mu);
	alarm_state = "ALARM";
	pthread_mutex_unlock(&world_mu);
	vclock_advance(cloud.vclock, 60 * 1000);
	ok(wait_status("gd", "UPDATE_ROLLBACK_COMPLETE"), "an alarm rolls the stack back");
	alias = world_get("alias:live");
	is_str(str(alias, "FunctionVersion"), "2", "traffic is back on version 2");
	cJSON_Delete(alias);
	out = op(cfn_op_describe_stack_events, &err, "{\"StackName\":\"gd\"}");
	bool said = false;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(out, "StackEvents"))
	{
		const char *reason = str(e, "ResourceStatusReason");
		said = said || (reason && strstr(reason, "failed and was rolled back to version 2: "
							 "alarm errors is in ALARM"));
	}
	ok(said, "an event says why");
	cJSON_Delete(out);
	pthread_mutex_lock(&world_mu);
	alarm_state = "OK";
	pthread_mutex_unlock(&world_mu);
	free(b);
	teardown();
}

int main(void)
{
	RUN(cfn_stack__creates_in_dependency_order_with_outputs_and_exports);
	RUN(cfn_stack__rolls_back_a_failed_creation_leaving_only_events);
	RUN(cfn_stack__updates_in_place_and_cleans_up_removed_resources);
	RUN(cfn_stack__change_sets_are_what_deploy_uses);
	RUN(cfn_stack__refuses_bad_templates_with_cloudformation_errors);
	RUN(cfn_stack__shifts_traffic_gradually_and_rolls_back_on_an_alarm);
	return done();
}
