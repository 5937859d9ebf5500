/*
 * The table of resource providers, and what every provider shares: calling a service as the
 * stack, names CloudFormation makes up, and comparing properties.
 */
#include "cloud/cfn/provider.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/cfn/engine.h"
#include "cloud/cfn/intrinsic.h"
#include "cloud/cfn/providers.h"
#include "core/xalloc.h"

/* One row per resource type the local cloud creates. */
static const struct cfn_provider *const providers[] = {
	&cfn_lambda_function,
	&cfn_lambda_permission,
	&cfn_lambda_event_source_mapping,
	&cfn_lambda_version,
	&cfn_lambda_alias,
	&cfn_lambda_layer_version,
	&cfn_lambda_layer_version_permission,
	&cfn_lambda_url,
	&cfn_lambda_event_invoke_config,
	&cfn_s3_bucket,
	&cfn_s3_bucket_policy,
	&cfn_sqs_queue,
	&cfn_sqs_queue_policy,
	&cfn_sns_topic,
	&cfn_sns_subscription,
	&cfn_sns_topic_policy,
	&cfn_logs_log_group,
	&cfn_events_rule,
	&cfn_apigw_rest_api,
	&cfn_apigw_resource,
	&cfn_apigw_method,
	&cfn_apigw_deployment,
	&cfn_apigw_stage,
	&cfn_apigwv2_api,
	&cfn_apigwv2_integration,
	&cfn_apigwv2_route,
	&cfn_apigwv2_stage,
	&cfn_apigwv2_deployment,
	&cfn_iam_role,
	&cfn_iam_policy,
	&cfn_iam_managed_policy,
	&cfn_codedeploy_application,
	&cfn_codedeploy_deployment_group,
	&cfn_cloudwatch_alarm,
	&cfn_dynamodb_table,
	&cfn_ssm_parameter,
	&cfn_secretsmanager_secret,
	&cfn_kms_key,
	&cfn_kms_alias,
	&cfn_cloudformation_wait_condition_handle,
};

const struct cfn_provider *cfn_provider_find(const char *type)
{
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++) {
		if (strcmp(providers[i]->type, type) == 0)
			return providers[i];
	}
	return NULL;
}

/* The resource types of the services the course meets, each of which CloudFormation has
 * (a typo among them is an unrecognized type, as CloudFormation reports it). */
static const struct {
	const char *service, *types; /* space-separated */
} service_types[] = {
	{ "AWS::ApiGateway::",
	  "Account ApiKey Authorizer BasePathMapping BasePathMappingV2 ClientCertificate "
	  "Deployment DocumentationPart DocumentationVersion DomainName "
	  "DomainNameAccessAssociation DomainNameV2 GatewayResponse Method Model RequestValidator "
	  "Resource RestApi Stage UsagePlan UsagePlanKey VpcLink" },
	{ "AWS::ApiGatewayV2::",
	  "Api ApiGatewayManagedOverrides ApiMapping Authorizer Deployment DomainName Integration "
	  "IntegrationResponse Model Route RouteResponse RoutingRule Stage VpcLink" },
	{ "AWS::CloudFormation::",
	  "CustomResource GuardHook HookDefaultVersion HookTypeConfig HookVersion LambdaHook Macro "
	  "ModuleDefaultVersion ModuleVersion PublicTypeVersion Publisher ResourceDefaultVersion "
	  "ResourceVersion Stack StackSet TypeActivation WaitCondition WaitConditionHandle" },
	{ "AWS::CloudWatch::", "Alarm AlarmMuteRule AnomalyDetector CompositeAlarm Dashboard "
			       "InsightRule MetricStream OTelEnrichment" },
	{ "AWS::CodeDeploy::", "Application DeploymentConfig DeploymentGroup" },
	{ "AWS::DynamoDB::", "GlobalTable Table" },
	{ "AWS::Events::",
	  "ApiDestination Archive Connection Endpoint EventBus EventBusPolicy Rule" },
	{ "AWS::IAM::", "AccessKey Group GroupPolicy InstanceProfile ManagedPolicy OIDCProvider "
			"Policy Role RolePolicy SAMLProvider ServerCertificate ServiceLinkedRole "
			"User UserPolicy UserToGroupAddition VirtualMFADevice" },
	{ "AWS::Lambda::",
	  "Alias CapacityProvider CodeSigningConfig EventInvokeConfig EventSourceMapping Function "
	  "LayerVersion LayerVersionPermission Permission Url Version" },
	{ "AWS::Logs::",
	  "AccountPolicy Delivery DeliveryDestination DeliverySource Destination Integration "
	  "LogAnomalyDetector LogGroup LogStream MetricFilter QueryDefinition ResourcePolicy "
	  "ScheduledQuery SubscriptionFilter Transformer" },
	{ "AWS::S3::",
	  "AccessGrant AccessGrantsInstance AccessGrantsLocation AccessPoint Bucket BucketPolicy "
	  "MultiRegionAccessPoint MultiRegionAccessPointPolicy StorageLens StorageLensGroup" },
	{ "AWS::KMS::", "Alias Key ReplicaKey" },
	{ "AWS::SecretsManager::",
	  "ResourcePolicy RotationSchedule Secret SecretTargetAttachment" },
	{ "AWS::SNS::", "Subscription Topic TopicInlinePolicy TopicPolicy" },
	{ "AWS::SQS::", "Queue QueueInlinePolicy QueuePolicy" },
	{ "AWS::SSM::",
	  "Association Document MaintenanceWindow MaintenanceWindowTarget MaintenanceWindowTask "
	  "Parameter PatchBaseline ResourceDataSync ResourcePolicy" },
	{ "AWS::Scheduler::", "Schedule ScheduleGroup" },
};

/* Services the local cloud does not serve at all: any of their types is known to AWS. */
static const char *const other_services[] = { "AWS::EC2::",
					      "AWS::ECS::",
					      "AWS::ECR::",
					      "AWS::EKS::",
					      "AWS::RDS::",
					      "AWS::ElastiCache::",
					      "AWS::StepFunctions::",
					      "AWS::Kinesis::",
					      "AWS::KinesisFirehose::",
					      "AWS::CloudFront::",
					      "AWS::Route53::",
					      "AWS::CertificateManager::",
					      "AWS::Cognito::",
					      "AWS::AppSync::",
					      "AWS::ElasticLoadBalancingV2::",
					      "AWS::AutoScaling::",
					      "AWS::XRay::",
					      "AWS::Pipes::",
					      "AWS::EFS::",
					      "AWS::Glue::",
					      "AWS::Athena::",
					      "AWS::SES::",
					      "AWS::WAFv2::",
					      "AWS::OpenSearchService::",
					      "AWS::CodeBuild::",
					      "AWS::CodePipeline::",
					      "AWS::Batch::",
					      "AWS::AppConfig::",
					      "AWS::EventSchemas::",
					      "AWS::IoT::",
					      "AWS::MSK::",
					      "AWS::AmazonMQ::",
					      "AWS::Elasticsearch::",
					      "AWS::Redshift::",
					      NULL };

bool cfn_provider_known_type(const char *type)
{
	for (size_t i = 0; i < sizeof(service_types) / sizeof(service_types[0]); i++) {
		size_t n = strlen(service_types[i].service);
		if (strncmp(type, service_types[i].service, n) != 0)
			continue;
		const char *name = type + n, *list = service_types[i].types;
		size_t len = strlen(name);
		for (const char *p = list; (p = strstr(p, name)); p += len) {
			if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
				return true;
		}
		return false;
	}
	for (const char *const *svc = other_services; *svc; svc++) {
		if (strncmp(type, *svc, strlen(*svc)) == 0)
			return true;
	}
	return strncmp(type, "Custom::", 8) == 0;
}

struct cJSON *cfn_call(struct cfn_res *r, const char *service, const char *op,
		       const struct cJSON *input, struct aws_err *err)
{
	cJSON *out = r->cfn->call(r->cloud, r->caller, service, op, input, err);
	if (!out) {
		/* Name the service in the failure event. */
		if (!err->fields)
			err->fields = cJSON_CreateObject();
		cJSON_DeleteItemFromObjectCaseSensitive(err->fields, "__service");
		cJSON_AddStringToObject(err->fields, "__service", service);
	}
	return out;
}

bool cfn_service_available(struct cfn_res *r, const char *service)
{
	return r->cfn->has && r->cfn->has(r->cloud, service);
}

char *cfn_physical_name(const struct cfn_res *r, size_t max, bool lower)
{
	char id[37];
	cfn_uuid(r->cfn, id);
	/* Twelve upper-case letters and digits, as CloudFormation's suffixes look. */
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char suffix[13];
	size_t k = 0;
	for (const char *p = id; *p && k < 12; p++) {
		if (*p == '-')
			continue;
		int v = *p >= 'a' ? *p - 'a' + 10 : *p - '0';
		suffix[k] = alnum[(v * 7 + (int)k * 11) % 36];
		k++;
	}
	suffix[k] = '\0';
	size_t stack_len = strlen(r->stack_name), logical_len = strlen(r->logical_id);
	size_t room = max > 14 ? max - 14 : 0; /* two dashes and the suffix */
	/* Shorten the longer part first, as CloudFormation keeps both recognisable. */
	while (stack_len + logical_len > room) {
		if (stack_len >= logical_len && stack_len > 0)
			stack_len--;
		else if (logical_len > 0)
			logical_len--;
		else
			break;
	}
	char *name = xasprintf("%.*s-%.*s-%s", (int)stack_len, r->stack_name, (int)logical_len,
			       r->logical_id, suffix);
	if (lower) {
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	return name;
}

bool cfn_prop_changed(const struct cJSON *old_props, const struct cJSON *props, const char *name)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(old_props, name);
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(props, name);
	if (cJSON_IsNull(a))
		a = NULL;
	if (cJSON_IsNull(b))
		b = NULL;
	if (!a || !b)
		return a != b;
	return !cJSON_Compare(a, b, true);
}

const char *cfn_prop_str(const cJSON *props, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void put(cJSON *in, const char *name, cJSON *v)
{
	if (cJSON_GetObjectItemCaseSensitive(in, name))
		cJSON_ReplaceItemInObjectCaseSensitive(in, name, v);
	else
		cJSON_AddItemToObject(in, name, v);
}

bool cfn_invalid(struct aws_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	aws_err_set(err, 400, "PropertiesValidation", "%s", msg);
	free(msg);
	return false;
}

bool cfn_required(struct aws_err *err, const char *name)
{
	return cfn_invalid(err, "#: required key [%s] not found", name);
}

bool cfn_copy_str(cJSON *in, const cJSON *props, const char *name, const char *as,
		  struct aws_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, name);
	if (!v || cJSON_IsNull(v))
		return true;
	char *s = cfn_scalar_string(v);
	if (!s)
		return cfn_invalid(err, "#/%s: expected type: String, found: %s", name,
				   cJSON_IsArray(v) ? "JSONArray" : "JSONObject");
	put(in, as ? as : name, cJSON_CreateString(s));
	free(s);
	return true;
}

bool cfn_copy_int(cJSON *in, const cJSON *props, const char *name, const char *as,
		  struct aws_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, name);
	if (!v || cJSON_IsNull(v))
		return true;
	double d;
	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
	} else if (cJSON_IsString(v)) {
		char *end;
		d = strtod(v->valuestring, &end);
		if (!v->valuestring[0] || *end)
			return cfn_invalid(err, "#/%s: expected type: Integer, found: String",
					   name);
	} else {
		return cfn_invalid(err, "#/%s: expected type: Integer, found: %s", name,
				   cJSON_IsBool(v) ? "Boolean" : "JSONObject");
	}
	put(in, as ? as : name, cJSON_CreateNumber(d));
	return true;
}

bool cfn_copy_bool(cJSON *in, const cJSON *props, const char *name, const char *as,
		   struct aws_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, name);
	if (!v || cJSON_IsNull(v))
		return true;
	bool b;
	if (cJSON_IsBool(v))
		b = cJSON_IsTrue(v);
	else if (cJSON_IsString(v) && strcasecmp(v->valuestring, "true") == 0)
		b = true;
	else if (cJSON_IsString(v) && strcasecmp(v->valuestring, "false") == 0)
		b = false;
	else
		return cfn_invalid(err, "#/%s: expected type: Boolean, found: %s", name,
				   cJSON_IsString(v) ? "String" : "JSONObject");
	put(in, as ? as : name, cJSON_CreateBool(b));
	return true;
}

void cfn_copy_raw(cJSON *in, const cJSON *props, const char *name, const char *as)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, name);
	if (v && !cJSON_IsNull(v))
		put(in, as ? as : name, cJSON_Duplicate(v, true));
}

char *cfn_json_text(const cJSON *value)
{
	if (cJSON_IsString(value))
		return xstrdup(value->valuestring);
	return value ? cJSON_PrintUnformatted(value) : NULL;
}

cJSON *cfn_tags_map(const cJSON *tags)
{
	if (!cJSON_IsArray(tags) || !tags->child)
		return NULL;
	cJSON *map = cJSON_CreateObject();
	const cJSON *t;
	cJSON_ArrayForEach(t, tags)
	{
		char *k = cfn_scalar_string(cJSON_GetObjectItemCaseSensitive(t, "Key"));
		char *v = cfn_scalar_string(cJSON_GetObjectItemCaseSensitive(t, "Value"));
		if (k)
			put(map, k, cJSON_CreateString(v ? v : ""));
		free(k);
		free(v);
	}
	return map;
}

bool cfn_not_found(const struct aws_err *err)
{
	return err->status == 404 || strstr(err->code, "NotFound") != NULL ||
	       strstr(err->code, "NoSuch") != NULL || strstr(err->code, "NonExistent") != NULL;
}

char *cfn_base64(const void *data, size_t n)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = data;
	char *out = xmalloc((n + 2) / 3 * 4 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tbl[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

bool cfn_call_owned(struct cfn_res *r, const char *service, const char *op, cJSON *in, cJSON **out,
		    struct aws_err *err)
{
	cJSON *o = cfn_call(r, service, op, in, err);
	cJSON_Delete(in);
	if (out)
		*out = o;
	else
		cJSON_Delete(o);
	return o != NULL;
}

bool cfn_call_delete(struct cfn_res *r, const char *service, const char *op, cJSON *in,
		     struct aws_err *err)
{
	cJSON *out = cfn_call(r, service, op, in, err);
	cJSON_Delete(in);
	if (out) {
		cJSON_Delete(out);
		return true;
	}
	if (cfn_not_found(err)) {
		aws_err_release(err);
		return true;
	}
	return false;
}

char *cfn_base64_decode(const char *text, size_t *len)
{
	size_t n = strlen(text);
	char *out = xmalloc(n / 4 * 3 + 4);
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0, pad = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)text[i], v;
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else if (c == '=') {
			pad++;
			continue;
		} else if (c == '\n' || c == '\r') {
			continue;
		} else {
			free(out);
			return NULL;
		}
		if (pad) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	*len = o;
	return out;
}
