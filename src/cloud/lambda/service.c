/*
 * AWS Lambda as a row of the service table: its REST API (functions, invoke, concurrency,
 * permissions; the event invoke config of async/, the event source mappings of esm/, the
 * function URLs of url.c), its tables, the asynchronous queue's and the pollers' threads,
 * the function URL door and the tutor's /_tutor/code/ and /_tutor/metrics.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/async/async.h"
#include "cloud/esm/esm.h"
#include "cloud/http/aws.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/layers.h"
#include "cloud/lambda/tags.h"
#include "cloud/lambda/versions.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/path.h"
#include "core/strutil.h"
#include "core/xalloc.h"

/* The date prefixes of Lambda's REST paths (its API model's request URIs). */
static const char *const paths[] = {
	"/2014-11-13/", "/2015-03-31/", "/2016-08-19/", "/2017-03-31/", "/2017-10-31/",
	"/2018-10-31/", "/2019-09-25/", "/2019-09-30/", "/2020-04-22/", "/2020-06-30/",
	"/2021-07-20/", "/2021-10-31/", "/2021-11-15/", "/2024-08-31/", "/2025-11-30/",
	"/2025-12-01/", NULL,
};

void lambda_unserved(struct http_resp *resp, const struct http_req *req)
{
	aws_error(resp, 501, "NotImplemented",
		  "The local cloud does not offer the Lambda operation %s %s", req->method,
		  req->path);
}

static cJSON *op_esm(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return esm_op(call->cloud, call->caller->account, call->op, in, err);
}

/*
 * The page of a List answer's array key that in asks for: MaxItems items (50 when absent, as
 * Lambda's lists of configs) from Marker, the offset a previous page gave as NextMarker.
 */
static cJSON *page(cJSON *out, const char *key, const cJSON *in)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(out, key);
	if (!cJSON_IsArray(arr))
		return out;
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(in, "MaxItems");
	const cJSON *mk = cJSON_GetObjectItemCaseSensitive(in, "Marker");
	long max = cJSON_IsNumber(m) && m->valuedouble >= 1 ? (long)m->valuedouble : 50;
	long start = cJSON_IsString(mk) ? strtol(mk->valuestring, NULL, 10) : 0;
	long total = cJSON_GetArraySize(arr);
	if (start < 0)
		start = 0;
	for (long i = 0; i < start && i < total; i++)
		cJSON_DeleteItemFromArray(arr, 0);
	while (cJSON_GetArraySize(arr) > max)
		cJSON_DeleteItemFromArray(arr, max);
	if (start + max < total) {
		char next[24];
		snprintf(next, sizeof(next), "%ld", start + max);
		cJSON_AddStringToObject(out, "NextMarker", next);
	}
	return out;
}

static cJSON *op_async(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	cJSON *out = async_op(call->cloud, call->caller->account, call->op, in, err);
	if (out && strcmp(call->op, "ListFunctionEventInvokeConfigs") == 0)
		out = page(out, "FunctionEventInvokeConfigs", in);
	return out;
}

static cJSON *op_url(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	cJSON *out = lambda_url_op(call->cloud, call->caller->account, call->op, in, err);
	if (out && strcmp(call->op, "ListFunctionUrlConfigs") == 0)
		out = page(out, "FunctionUrlConfigs", in);
	return out;
}

/* /_tutor/code/ACCOUNT/NAME: the deployed zip (GetFunction's Code.Location). */
static void code_door(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	struct cloud *c = call->cloud;
	char acct[13] = "", name[65] = "";
	const char *slash = strchr(rest, '/');
	if (slash && slash - rest == 12) {
		memcpy(acct, rest, 12);
		snprintf(name, sizeof(name), "%s", slash + 1);
	}
	pthread_mutex_lock(&c->mu);
	struct lfunc *fn = acct[0] ? lambda_fn_find(c, acct, name) : NULL;
	char *zpath = fn ? xasprintf("%s.zip", fn->code_dir) : NULL;
	pthread_mutex_unlock(&c->mu);
	size_t len = 0;
	struct error err;
	char *data = zpath ? path_read_file(zpath, 0, &len, &err) : NULL;
	free(zpath);
	if (!data) {
		aws_error(resp, 404, "ResourceNotFoundException", "Function code not found: %s",
			  rest);
		return;
	}
	strbuf_add(&resp->body, data, len);
	free(data);
	resp->content_type = "application/zip";
}

/* /_tutor/layer/ACCOUNT/NAME/VERSION: a layer version's zip (GetLayerVersion's Location). */
static void layer_door(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	lambda_layers_door(call->cloud, rest, resp);
}

/* /_tutor/metrics[?function=NAME]: invocation records and per-minute metrics. */
static void metrics_door(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	if (rest[0]) {
		aws_error(resp, 404, "UnknownOperationException", "Unknown tutor path %s",
			  call->http->path);
		return;
	}
	lambda_metrics_json(call->cloud, call->caller->account, http_query(call->http, "function"),
			    resp);
}

/* "<url-id>/<path>" after the door's prefix, or "<url-id><path>" from the Host. */
static void url_door(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	char id[64];
	size_t len = strcspn(rest, "/");
	if (len == 0 || len >= sizeof(id)) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "message", "Not Found");
		char *text = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		resp->status = 404;
		strbuf_addstr(&resp->body, text);
		free(text);
		return;
	}
	memcpy(id, rest, len);
	id[len] = '\0';
	lambda_url_door(call->cloud, id, rest[len] ? rest + len : "/", call->http, resp);
}

static const struct svc_door doors[] = {
	{ .prefix = "/_aws/lambda-url/", .serve = url_door },
	{ .host = "lambda-url.", .serve = url_door },
	{ .prefix = "/_tutor/code/", .control = true, .serve = code_door },
	{ .prefix = "/_tutor/layer/", .control = true, .serve = layer_door },
	{ .prefix = "/_tutor/metrics", .control = true, .serve = metrics_door },
};

static bool start(struct cloud *c, struct error *err)
{
	async_restore_clock(c);
	return true;
}

static bool run(struct cloud *c, struct error *err)
{
	return async_start(c, err) && esm_start(c, err);
}

static void stop(struct cloud *c)
{
	esm_stop(c);
	async_stop(c);
}

static void free_all(struct cloud *c)
{
	esm_free(c);
	async_free(c);
}

static void reset(struct cloud *c, const char *account)
{
	esm_reset_account(c, account);
	lambda_reset_account(c, account);
	lambda_url_forget(c, account, NULL);
	lambda_layers_reset(c, account);
	lambda_tags_forget(c, account, NULL);
}

static const char *const migrations[] = {
	/* 0 -> 1: the tables that used to be created as the parts started. The functions,
	 * invocations and metrics are db.c's. */
	"CREATE TABLE IF NOT EXISTS lambda_policy(account TEXT NOT NULL, function TEXT NOT NULL,"
	" sid TEXT NOT NULL, statement TEXT NOT NULL, seq INTEGER NOT NULL,"
	" PRIMARY KEY(account, function, sid)) STRICT;"
	"CREATE TABLE IF NOT EXISTS async_events(seq INTEGER PRIMARY KEY,"
	" account TEXT NOT NULL, function TEXT NOT NULL, request_id TEXT NOT NULL,"
	" payload TEXT NOT NULL, source TEXT, received INTEGER NOT NULL,"
	" due INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
	" backoff INTEGER NOT NULL DEFAULT 0, leased INTEGER NOT NULL DEFAULT 0) STRICT;"
	"CREATE INDEX IF NOT EXISTS async_events_due ON async_events(leased, due);"
	"CREATE TABLE IF NOT EXISTS async_config(account TEXT NOT NULL,"
	" function TEXT NOT NULL, config TEXT NOT NULL, PRIMARY KEY(account, function)) STRICT;"
	"CREATE TABLE IF NOT EXISTS async_dlq(account TEXT NOT NULL, function TEXT NOT NULL,"
	" target TEXT NOT NULL, PRIMARY KEY(account, function)) STRICT;"
	"CREATE TABLE IF NOT EXISTS async_clock(id INTEGER PRIMARY KEY, now INTEGER NOT NULL)"
	" STRICT;"
	"CREATE TABLE IF NOT EXISTS esm(uuid TEXT PRIMARY KEY,"
	" account TEXT NOT NULL, function TEXT NOT NULL, source TEXT NOT NULL,"
	" batch INTEGER NOT NULL, window INTEGER NOT NULL,"
	" enabled INTEGER NOT NULL, report INTEGER NOT NULL, modified REAL NOT NULL) STRICT;"
	"CREATE TABLE IF NOT EXISTS apigw_urls(url_id TEXT PRIMARY KEY,"
	" account TEXT NOT NULL, function TEXT NOT NULL, auth TEXT NOT NULL,"
	" created INTEGER NOT NULL, UNIQUE(account, function)) STRICT;",
	/* 1 -> 2: layer versions (config and policy as JSON) and each layer's last version
	 * number, which deleting versions does not take back. */
	"CREATE TABLE lambda_layers(account TEXT NOT NULL, name TEXT NOT NULL,"
	" version INTEGER NOT NULL, config TEXT NOT NULL, policy TEXT, revision TEXT NOT NULL,"
	" PRIMARY KEY(account, name, version)) STRICT;"
	"CREATE TABLE lambda_layer_seq(account TEXT NOT NULL, name TEXT NOT NULL,"
	" last INTEGER NOT NULL, PRIMARY KEY(account, name)) STRICT;",
	/* 2 -> 3: published versions (their configuration as functions keeps it), aliases and
	 * provisioned concurrency configurations. */
	"CREATE TABLE lambda_versions(account TEXT NOT NULL, function TEXT NOT NULL,"
	" version INTEGER NOT NULL, config TEXT NOT NULL,"
	" PRIMARY KEY(account, function, version)) STRICT;"
	"CREATE TABLE lambda_aliases(account TEXT NOT NULL, function TEXT NOT NULL,"
	" name TEXT NOT NULL, config TEXT NOT NULL, PRIMARY KEY(account, function, name)) STRICT;"
	"CREATE TABLE lambda_provisioned(account TEXT NOT NULL, function TEXT NOT NULL,"
	" qualifier TEXT NOT NULL, requested INTEGER NOT NULL, modified INTEGER NOT NULL,"
	" PRIMARY KEY(account, function, qualifier)) STRICT;",
	/* 3 -> 4: asynchronous events of a version or an alias. */
	"ALTER TABLE async_events ADD COLUMN qualifier TEXT NOT NULL DEFAULT '';",
	/* 4 -> 5: functions' tags. */
	"CREATE TABLE lambda_tags(account TEXT NOT NULL, function TEXT NOT NULL,"
	" key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(account, function, key)) STRICT;",
	/* 5 -> 6: policies of versions and aliases, apart from their function's (""). */
	"CREATE TABLE lambda_policy_q(account TEXT NOT NULL, function TEXT NOT NULL,"
	" qualifier TEXT NOT NULL, sid TEXT NOT NULL, statement TEXT NOT NULL,"
	" seq INTEGER NOT NULL, PRIMARY KEY(account, function, qualifier, sid)) STRICT;"
	"INSERT INTO lambda_policy_q SELECT account, function, '', sid, statement, seq"
	" FROM lambda_policy;"
	"DROP TABLE lambda_policy;"
	"ALTER TABLE lambda_policy_q RENAME TO lambda_policy;",
	/* 6 -> 7: the trace context an asynchronous invocation was queued in. */
	"ALTER TABLE async_events ADD COLUMN trace TEXT NOT NULL DEFAULT '';",
};

/* What the table serves (sorted by name): decoded and validated by proto, cJSON in and
 * out (invoke.c, layers.c, versions.c). */
static const struct svc_op ops[] = {
	{ "AddLayerVersionPermission", lambda_op_add_layer_version_permission },
	{ "AddPermission", lambda_op_add_permission },
	{ "CreateAlias", lambda_op_create_alias },
	{ "CreateEventSourceMapping", op_esm },
	{ "CreateFunction", lambda_op_create_function },
	{ "CreateFunctionUrlConfig", op_url },
	{ "DeleteAlias", lambda_op_delete_alias },
	{ "DeleteEventSourceMapping", op_esm },
	{ "DeleteFunction", lambda_op_delete_function },
	{ "DeleteFunctionConcurrency", lambda_op_delete_function_concurrency },
	{ "DeleteFunctionEventInvokeConfig", op_async },
	{ "DeleteFunctionUrlConfig", op_url },
	{ "DeleteLayerVersion", lambda_op_delete_layer_version },
	{ "DeleteProvisionedConcurrencyConfig", lambda_op_delete_provisioned_concurrency_config },
	{ "GetAccountSettings", lambda_op_get_account_settings },
	{ "GetAlias", lambda_op_get_alias },
	{ "GetEventSourceMapping", op_esm },
	{ "GetFunction", lambda_op_get_function },
	{ "GetFunctionConcurrency", lambda_op_get_function_concurrency },
	{ "GetFunctionConfiguration", lambda_op_get_function_configuration },
	{ "GetFunctionEventInvokeConfig", op_async },
	{ "GetFunctionUrlConfig", op_url },
	{ "GetLayerVersion", lambda_op_get_layer_version },
	{ "GetLayerVersionByArn", lambda_op_get_layer_version_by_arn },
	{ "GetLayerVersionPolicy", lambda_op_get_layer_version_policy },
	{ "GetPolicy", lambda_op_get_policy },
	{ "GetProvisionedConcurrencyConfig", lambda_op_get_provisioned_concurrency_config },
	{ "Invoke", lambda_op_invoke },
	{ "InvokeAsync", lambda_op_invoke_async },
	{ "ListAliases", lambda_op_list_aliases },
	{ "ListEventSourceMappings", op_esm },
	{ "ListFunctionEventInvokeConfigs", op_async },
	{ "ListFunctionUrlConfigs", op_url },
	{ "ListFunctions", lambda_op_list_functions },
	{ "ListLayerVersions", lambda_op_list_layer_versions },
	{ "ListLayers", lambda_op_list_layers },
	{ "ListProvisionedConcurrencyConfigs", lambda_op_list_provisioned_concurrency_configs },
	{ "ListTags", lambda_op_list_tags },
	{ "ListVersionsByFunction", lambda_op_list_versions_by_function },
	{ "PublishLayerVersion", lambda_op_publish_layer_version },
	{ "PublishVersion", lambda_op_publish_version },
	{ "PutFunctionConcurrency", lambda_op_put_function_concurrency },
	{ "PutFunctionEventInvokeConfig", op_async },
	{ "PutProvisionedConcurrencyConfig", lambda_op_put_provisioned_concurrency_config },
	{ "RemoveLayerVersionPermission", lambda_op_remove_layer_version_permission },
	{ "RemovePermission", lambda_op_remove_permission },
	{ "TagResource", lambda_op_tag_resource },
	{ "UntagResource", lambda_op_untag_resource },
	{ "UpdateAlias", lambda_op_update_alias },
	{ "UpdateEventSourceMapping", op_esm },
	{ "UpdateFunctionCode", lambda_op_update_function_code },
	{ "UpdateFunctionConfiguration", lambda_op_update_function_configuration },
	{ "UpdateFunctionEventInvokeConfig", op_async },
	{ "UpdateFunctionUrlConfig", op_url },
};

/* Checked by the handler, after the function is found: AWS answers a missing function first. */
static const char *const unchecked[] = {
	"PutFunctionConcurrency.ReservedConcurrentExecutions",
	NULL,
};

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const lambda_members[] = {
	"AddLayerVersionPermission Action LayerName OrganizationId Principal RevisionId "
	"StatementId VersionNumber",
	"AddPermission Action -EventSourceToken FunctionName FunctionUrlAuthType Principal "
	"-PrincipalOrgID Qualifier RevisionId SourceAccount SourceArn StatementId",
	"CreateAlias Description FunctionName FunctionVersion Name RoutingConfig",
	"CreateEventSourceMapping -AmazonManagedKafkaEventSourceConfig BatchSize "
	"BisectBatchOnFunctionError DestinationConfig -DocumentDBEventSourceConfig Enabled "
	"EventSourceArn FilterCriteria FunctionName FunctionResponseTypes KMSKeyArn "
	"MaximumBatchingWindowInSeconds MaximumRecordAgeInSeconds MaximumRetryAttempts "
	"ParallelizationFactor -Queues ScalingConfig -SelfManagedEventSource "
	"-SelfManagedKafkaEventSourceConfig -SourceAccessConfigurations StartingPosition "
	"StartingPositionTimestamp -Topics TumblingWindowInSeconds",
	"CreateFunction Architectures Code CodeSigningConfigArn DeadLetterConfig Description "
	"Environment EphemeralStorage FileSystemConfigs FunctionName Handler ImageConfig "
	"KMSKeyArn Layers LoggingConfig MemorySize PackageType Publish Role Runtime SnapStart "
	"Tags Timeout TracingConfig VpcConfig",
	"CreateFunctionUrlConfig AuthType Cors FunctionName InvokeMode Qualifier",
	"DeleteAlias FunctionName Name",
	"DeleteEventSourceMapping UUID",
	"DeleteFunction FunctionName Qualifier",
	"DeleteFunctionConcurrency FunctionName",
	"DeleteFunctionEventInvokeConfig FunctionName Qualifier",
	"DeleteFunctionUrlConfig FunctionName Qualifier",
	"DeleteLayerVersion LayerName VersionNumber",
	"DeleteProvisionedConcurrencyConfig FunctionName Qualifier",
	"GetAccountSettings",
	"GetAlias FunctionName Name",
	"GetEventSourceMapping UUID",
	"GetFunction FunctionName Qualifier",
	"GetFunctionConcurrency FunctionName",
	"GetFunctionConfiguration FunctionName Qualifier",
	"GetFunctionEventInvokeConfig FunctionName Qualifier",
	"GetFunctionUrlConfig FunctionName Qualifier",
	"GetLayerVersion LayerName VersionNumber",
	"GetLayerVersionByArn Arn",
	"GetLayerVersionPolicy LayerName VersionNumber",
	"GetPolicy FunctionName Qualifier",
	"GetProvisionedConcurrencyConfig FunctionName Qualifier",
	"Invoke ClientContext FunctionName InvocationType LogType Payload Qualifier",
	"InvokeAsync FunctionName InvokeArgs",
	"ListAliases FunctionName FunctionVersion Marker MaxItems",
	"ListEventSourceMappings EventSourceArn FunctionName Marker MaxItems",
	"ListFunctionEventInvokeConfigs FunctionName Marker MaxItems",
	"ListFunctionUrlConfigs FunctionName Marker MaxItems",
	"ListFunctions FunctionVersion Marker -MasterRegion MaxItems",
	"ListLayerVersions CompatibleArchitecture CompatibleRuntime LayerName Marker MaxItems",
	"ListLayers CompatibleArchitecture CompatibleRuntime Marker MaxItems",
	"ListProvisionedConcurrencyConfigs FunctionName Marker MaxItems",
	"ListTags Resource",
	"ListVersionsByFunction FunctionName Marker MaxItems",
	"PublishLayerVersion CompatibleArchitectures CompatibleRuntimes Content Description "
	"LayerName LicenseInfo",
	"PublishVersion CodeSha256 Description FunctionName RevisionId",
	"PutFunctionConcurrency FunctionName ReservedConcurrentExecutions",
	"PutFunctionEventInvokeConfig DestinationConfig FunctionName MaximumEventAgeInSeconds "
	"MaximumRetryAttempts Qualifier",
	"PutProvisionedConcurrencyConfig FunctionName ProvisionedConcurrentExecutions "
	"Qualifier",
	"RemoveLayerVersionPermission LayerName RevisionId StatementId VersionNumber",
	"RemovePermission FunctionName Qualifier RevisionId StatementId",
	"TagResource Resource Tags",
	"UntagResource Resource TagKeys",
	"UpdateAlias Description FunctionName FunctionVersion Name RevisionId RoutingConfig",
	"UpdateEventSourceMapping BatchSize BisectBatchOnFunctionError DestinationConfig "
	"-DocumentDBEventSourceConfig Enabled FilterCriteria FunctionName "
	"FunctionResponseTypes KMSKeyArn MaximumBatchingWindowInSeconds "
	"MaximumRecordAgeInSeconds MaximumRetryAttempts ParallelizationFactor ScalingConfig "
	"-SourceAccessConfigurations TumblingWindowInSeconds UUID",
	"UpdateFunctionCode Architectures DryRun FunctionName -ImageUri Publish RevisionId "
	"S3Bucket S3Key S3ObjectVersion ZipFile",
	"UpdateFunctionConfiguration DeadLetterConfig Description Environment EphemeralStorage "
	"FileSystemConfigs FunctionName Handler ImageConfig KMSKeyArn Layers LoggingConfig "
	"MemorySize RevisionId Role Runtime SnapStart Timeout TracingConfig VpcConfig",
	"UpdateFunctionEventInvokeConfig DestinationConfig FunctionName "
	"MaximumEventAgeInSeconds MaximumRetryAttempts Qualifier",
	"UpdateFunctionUrlConfig AuthType Cors FunctionName InvokeMode Qualifier",
	NULL,
};

const struct cloud_service lambda_service = {
	.name = "lambda",
	.model = "lambda-2015-03-31",
	.title = "AWS Lambda",
	.paths = paths,
	.start = start,
	.run = run,
	.stop = stop,
	.free = free_all,
	.reset_account = reset,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = lambda_members,
	.unchecked = unchecked,
	.doors = doors,
	.ndoors = sizeof(doors) / sizeof(doors[0]),
};
