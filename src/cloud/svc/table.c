/*
 * The service table: every service the local cloud serves, in the order they start (and
 * stop, reversed). A new service is a folder with its `const struct cloud_service` and a
 * line here.
 */
#include <stddef.h>

#include "cloud/svc/svc.h"

extern const struct cloud_service lambda_service;
extern const struct cloud_service logs_service;
extern const struct cloud_service sqs_service;
extern const struct cloud_service sns_service;
extern const struct cloud_service events_service;
extern const struct cloud_service s3_service;
extern const struct cloud_service apigateway_service;
extern const struct cloud_service apigatewayv2_service;
extern const struct cloud_service elbv2_service;
extern const struct cloud_service cfn_service;
extern const struct cloud_service codedeploy_service;
extern const struct cloud_service tutor_service;
extern const struct cloud_service dynamodb_service;
extern const struct cloud_service dynamodb_streams_service;
extern const struct cloud_service kinesis_service;
extern const struct cloud_service monitoring_service;
extern const struct cloud_service scheduler_service;
extern const struct cloud_service kms_service;
extern const struct cloud_service ssm_service;
extern const struct cloud_service secretsmanager_service;
extern const struct cloud_service iam_service;
extern const struct cloud_service sts_service;
extern const struct cloud_service xray_service;

const struct cloud_service *const svc_table[] = {
	&logs_service,
	&lambda_service,
	&sqs_service,
	&sns_service,
	&events_service,
	&s3_service,
	&apigateway_service,
	&apigatewayv2_service,
	&elbv2_service,
	&tutor_service,
	/* DynamoDB before its streams: both sign as "dynamodb", X-Amz-Target tells them apart. */
	&dynamodb_service,
	&dynamodb_streams_service,
	&kinesis_service,
	&monitoring_service,
	&scheduler_service,
	/* KMS before the services that encrypt with it. */
	&kms_service,
	&ssm_service,
	&secretsmanager_service,
	&iam_service,
	&sts_service,
	&xray_service,
	/* Last, so that they stop first: their stacks and deployments call the others. */
	&cfn_service,
	&codedeploy_service,
};

const size_t svc_table_len = sizeof(svc_table) / sizeof(svc_table[0]);
