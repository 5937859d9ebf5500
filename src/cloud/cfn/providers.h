/*
 * The resource providers (one file per service family) and the helpers they share to turn
 * CloudFormation properties into a service's input: templates give numbers and booleans as
 * text as often as not ("30", "true"), tags as [{Key, Value}], and leave out what is optional.
 */
#ifndef CLOUD_CFN_PROVIDERS_H
#define CLOUD_CFN_PROVIDERS_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/cfn/provider.h"

struct cJSON;

/* providers_lambda.c */
extern const struct cfn_provider cfn_lambda_function, cfn_lambda_permission,
	cfn_lambda_event_source_mapping, cfn_lambda_version, cfn_lambda_alias,
	cfn_lambda_layer_version, cfn_lambda_layer_version_permission, cfn_lambda_url,
	cfn_lambda_event_invoke_config;
/* providers_messaging.c */
extern const struct cfn_provider cfn_s3_bucket, cfn_s3_bucket_policy, cfn_sqs_queue,
	cfn_sqs_queue_policy, cfn_sns_topic, cfn_sns_subscription, cfn_sns_topic_policy,
	cfn_logs_log_group, cfn_events_rule, cfn_cloudwatch_alarm, cfn_dynamodb_table,
	cfn_ssm_parameter;
/* providers_identity.c */
extern const struct cfn_provider cfn_secretsmanager_secret, cfn_kms_key, cfn_kms_alias;
/* providers_apigw.c */
extern const struct cfn_provider cfn_apigw_rest_api, cfn_apigw_resource, cfn_apigw_method,
	cfn_apigw_deployment, cfn_apigw_stage, cfn_apigwv2_api, cfn_apigwv2_integration,
	cfn_apigwv2_route, cfn_apigwv2_stage, cfn_apigwv2_deployment;
/* providers_held.c: what the stack itself holds where no service is served */
extern const struct cfn_provider cfn_iam_role, cfn_iam_policy, cfn_iam_managed_policy,
	cfn_codedeploy_application, cfn_codedeploy_deployment_group,
	cfn_cloudformation_wait_condition_handle;

/* A string property, or NULL (also when it is not a string). Borrowed. */
const char *cfn_prop_str(const struct cJSON *props, const char *name);
/* Copy props[name] into in[as] (as == NULL: the same name) as a string, an integer or a
 * boolean, converting text. Absent properties are skipped. Returns false with a properties
 * validation error when the value has the wrong type. */
bool cfn_copy_str(struct cJSON *in, const struct cJSON *props, const char *name, const char *as,
		  struct aws_err *err);
bool cfn_copy_int(struct cJSON *in, const struct cJSON *props, const char *name, const char *as,
		  struct aws_err *err);
bool cfn_copy_bool(struct cJSON *in, const struct cJSON *props, const char *name, const char *as,
		   struct aws_err *err);
/* Copy a value as it is (objects, lists). */
void cfn_copy_raw(struct cJSON *in, const struct cJSON *props, const char *name, const char *as);
/* A value as JSON text (a policy document given as an object or as text). Caller frees. */
char *cfn_json_text(const struct cJSON *value);
/* Tags [{Key, Value}] as a map {Key: Value}; NULL when none. Caller deletes. */
struct cJSON *cfn_tags_map(const struct cJSON *tags);
/* Call op with in (owned); the output into *out (caller deletes) when out is not NULL. */
bool cfn_call_owned(struct cfn_res *r, const char *service, const char *op, struct cJSON *in,
		    struct cJSON **out, struct aws_err *err);
/* Call a delete operation with in (owned): a resource already gone counts as deleted. */
bool cfn_call_delete(struct cfn_res *r, const char *service, const char *op, struct cJSON *in,
		     struct aws_err *err);
/* A required property is missing: CloudFormation's properties validation error. */
bool cfn_required(struct aws_err *err, const char *name);
/* Fail with a properties validation message. */
bool cfn_invalid(struct aws_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error that is not a failure: the resource is already gone. */
bool cfn_not_found(const struct aws_err *err);

/* Base64 of n bytes (for blobs in a service's input). Caller frees. */
char *cfn_base64(const void *data, size_t n);
/* Decode base64 text (a blob in a service's output): NUL-terminated bytes, *len set, or NULL
 * when the text is not base64. Caller frees. */
char *cfn_base64_decode(const char *text, size_t *len);

#endif
