/*
 * AWS managed policies (managed.h): facts from AWS's managed policy reference, the documents
 * of each policy's default version.
 */
#include "cloud/iam/managed.h"

#include <stdio.h>
#include <string.h>

#define LOGS "\"logs:CreateLogGroup\",\"logs:CreateLogStream\",\"logs:PutLogEvents\""
#define ALLOW_ALL(actions)                                                                      \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[" actions \
	"],\"Resource\":\"*\"}]}"

const struct iam_managed iam_managed[] = {
	/* Its Action is the string "*", not a list, as AWS's document has it. */
	{ "AdministratorAccess", "/", "Provides full access to AWS services and resources.",
	  "2015-02-06T18:39:46Z", "v1",
	  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
	  "\"Resource\":\"*\"}]}" },
	{ "AWSLambda_FullAccess", "/",
	  "Grants full access to AWS Lambda service, AWS Lambda console features, and other "
	  "related "
	  "AWS services.",
	  "2020-11-17T21:14:00Z", "v2",
	  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":["
	  "\"cloudformation:DescribeStacks\",\"cloudformation:ListStackResources\","
	  "\"cloudwatch:ListMetrics\",\"cloudwatch:GetMetricData\",\"ec2:DescribeSecurityGroups\","
	  "\"ec2:DescribeSubnets\",\"ec2:DescribeVpcs\",\"kms:ListAliases\",\"iam:GetPolicy\","
	  "\"iam:GetPolicyVersion\",\"iam:GetRole\",\"iam:GetRolePolicy\","
	  "\"iam:ListAttachedRolePolicies\",\"iam:ListRolePolicies\",\"iam:ListRoles\","
	  "\"lambda:*\",\"logs:DescribeLogGroups\",\"states:DescribeStateMachine\","
	  "\"states:ListStateMachines\",\"tag:GetResources\",\"xray:GetTraceSummaries\","
	  "\"xray:BatchGetTraces\"],\"Resource\":\"*\"},{\"Effect\":\"Allow\",\"Action\":"
	  "\"iam:PassRole\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{"
	  "\"iam:PassedToService\":\"lambda.amazonaws.com\"}}},{\"Effect\":\"Allow\",\"Action\":["
	  "\"logs:DescribeLogStreams\",\"logs:GetLogEvents\",\"logs:FilterLogEvents\","
	  "\"logs:StartLiveTail\",\"logs:StopLiveTail\"],\"Resource\":"
	  "\"arn:aws:logs:*:*:log-group:/aws/lambda/*\"}]}" },
	{ "AWSLambdaBasicExecutionRole", "/service-role/",
	  "Provides write permissions to CloudWatch Logs.", "2015-04-09T15:03:43Z", "v1",
	  ALLOW_ALL(LOGS) },
	{ "AWSLambdaSQSQueueExecutionRole", "/service-role/",
	  "Provides receive message, delete message, and read attribute access to SQS queues, and "
	  "write permissions to CloudWatch logs.",
	  "2016-06-14T21:56:42Z", "v2",
	  ALLOW_ALL("\"sqs:ReceiveMessage\",\"sqs:DeleteMessage\",\"sqs:"
		    "GetQueueAttributes\"," LOGS) },
	{ "AWSLambdaDynamoDBExecutionRole", "/service-role/",
	  "Provides list and read access to DynamoDB streams and write permissions to CloudWatch "
	  "logs.",
	  "2015-04-09T15:09:29Z", "v1",
	  ALLOW_ALL("\"dynamodb:DescribeStream\",\"dynamodb:GetRecords\","
		    "\"dynamodb:GetShardIterator\",\"dynamodb:ListStreams\"," LOGS) },
	{ "AWSLambdaKinesisExecutionRole", "/service-role/",
	  "Provides list and read access to Kinesis streams and write permissions to CloudWatch "
	  "logs.",
	  "2015-04-09T15:14:16Z", "v2",
	  ALLOW_ALL("\"kinesis:DescribeStream\",\"kinesis:DescribeStreamSummary\","
		    "\"kinesis:GetRecords\",\"kinesis:GetShardIterator\",\"kinesis:ListShards\","
		    "\"kinesis:ListStreams\",\"kinesis:SubscribeToShard\"," LOGS) },
	{ "AWSLambdaVPCAccessExecutionRole", "/service-role/",
	  "Provides minimum permissions for a Lambda function to execute while accessing a "
	  "resource within a VPC - create, describe, delete network interfaces and write "
	  "permissions to CloudWatch Logs.",
	  "2016-02-11T23:15:26Z", "v3",
	  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":"
	  "\"AWSLambdaVPCAccessExecutionPermissions\",\"Effect\":\"Allow\",\"Action\":[" LOGS
	  ",\"ec2:CreateNetworkInterface\",\"ec2:DescribeNetworkInterfaces\","
	  "\"ec2:DescribeSubnets\",\"ec2:DeleteNetworkInterface\","
	  "\"ec2:AssignPrivateIpAddresses\",\"ec2:UnassignPrivateIpAddresses\"],"
	  "\"Resource\":\"*\"}]}" },
	{ "AWSLambdaRole", "/service-role/", "Default policy for AWS Lambda service role.",
	  "2015-02-06T18:41:28Z", "v1", ALLOW_ALL("\"lambda:InvokeFunction\"") },
	/* What SAM's CodeDeployServiceRole attaches for a DeploymentPreference. */
	{ "AWSCodeDeployRoleForLambda", "/service-role/",
	  "Provides CodeDeploy service access to perform a Lambda deployment on your behalf.",
	  "2017-11-28T14:05:00Z", "v3",
	  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Action\":[\"cloudwatch:DescribeAlarms\","
	  "\"lambda:UpdateAlias\",\"lambda:GetAlias\",\"lambda:GetProvisionedConcurrencyConfig\","
	  "\"sns:Publish\"],\"Resource\":\"*\",\"Effect\":\"Allow\"},{\"Action\":[\"s3:GetObject\","
	  "\"s3:GetObjectVersion\"],\"Resource\":\"arn:aws:s3:::*/CodeDeploy/*\",\"Effect\":"
	  "\"Allow\"},{\"Action\":[\"s3:GetObject\",\"s3:GetObjectVersion\"],\"Resource\":\"*\","
	  "\"Condition\":{\"StringEquals\":{\"s3:ExistingObjectTag/UseWithCodeDeploy\":\"true\"}},"
	  "\"Effect\":\"Allow\"},{\"Action\":[\"lambda:InvokeFunction\"],\"Resource\":"
	  "\"arn:aws:lambda:*:*:function:CodeDeployHook_*\",\"Effect\":\"Allow\"}]}" },
	{ "AWSLambdaExecute", "/",
	  "Provides Put, Get access to S3 and full access to CloudWatch Logs.",
	  "2015-02-06T18:40:46Z", "v1",
	  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"logs:*\"]"
	  ","
	  "\"Resource\":\"arn:aws:logs:*:*:*\"},{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\","
	  "\"s3:PutObject\"],\"Resource\":\"arn:aws:s3:::*\"}]}" },
	{ "AWSXRayDaemonWriteAccess", "/",
	  "Allow the AWS X-Ray Daemon to relay raw trace segments data to the service's API and "
	  "retrieve sampling data (rules, targets, etc.) to be used by the X-Ray SDK.",
	  "2018-08-28T23:00:33Z", "v2",
	  ALLOW_ALL("\"xray:PutTraceSegments\",\"xray:PutTelemetryRecords\","
		    "\"xray:GetSamplingRules\",\"xray:GetSamplingTargets\","
		    "\"xray:GetSamplingStatisticSummaries\"") },
	{ "AWSXrayWriteOnlyAccess", "/", "AWS X-Ray write only managed policy",
	  "2016-11-30T23:07:47Z", "v1",
	  ALLOW_ALL("\"xray:PutTraceSegments\",\"xray:PutTelemetryRecords\","
		    "\"xray:GetSamplingRules\",\"xray:GetSamplingTargets\","
		    "\"xray:GetSamplingStatisticSummaries\"") },
	{ "AmazonS3ReadOnlyAccess", "/",
	  "Provides read only access to all buckets via the AWS "
	  "Management Console.",
	  "2015-02-06T18:40:59Z", "v3",
	  ALLOW_ALL("\"s3:Get*\",\"s3:List*\",\"s3:Describe*\",\"s3-object-lambda:Get*\","
		    "\"s3-object-lambda:List*\"") },
	{ "AmazonS3FullAccess", "/",
	  "Provides full access to all buckets via the AWS Management "
	  "Console.",
	  "2015-02-06T18:40:58Z", "v2", ALLOW_ALL("\"s3:*\",\"s3-object-lambda:*\"") },
	{ "AmazonSQSFullAccess", "/",
	  "Provides full access to Amazon SQS via the AWS Management "
	  "Console.",
	  "2015-02-06T18:41:07Z", "v1", ALLOW_ALL("\"sqs:*\"") },
	{ "AmazonSNSFullAccess", "/",
	  "Provides full access to Amazon SNS via the AWS Management "
	  "Console.",
	  "2015-02-06T18:40:42Z", "v1", ALLOW_ALL("\"sns:*\"") },
	{ "AmazonKinesisFullAccess", "/",
	  "Provides full access to all streams via the AWS "
	  "Management Console.",
	  "2015-02-06T18:40:26Z", "v1", ALLOW_ALL("\"kinesis:*\"") },
	{ "CloudWatchLambdaInsightsExecutionRolePolicy", "/",
	  "Policy for AWS Lambda to allow the CloudWatch Lambda Insights extension to write "
	  "metrics and logs.",
	  "2020-10-07T17:17:01Z", "v1",
	  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"CloudWatchLambdaInsights\","
	  "\"Effect\":\"Allow\",\"Action\":[\"logs:CreateLogGroup\"],\"Resource\":\"*\"},"
	  "{\"Effect\":\"Allow\",\"Action\":[\"logs:CreateLogStream\",\"logs:PutLogEvents\"],"
	  "\"Resource\":\"arn:aws:logs:*:*:log-group:/aws/lambda-insights:*\"}]}" },
};

const size_t iam_managed_count = sizeof(iam_managed) / sizeof(iam_managed[0]);

void iam_managed_arn(const struct iam_managed *m, char *out, size_t n)
{
	snprintf(out, n, "arn:aws:iam::aws:policy%s%s", m->path, m->name);
}

const struct iam_managed *iam_managed_find(const char *arn)
{
	for (size_t i = 0; i < iam_managed_count; i++) {
		char a[256];
		iam_managed_arn(&iam_managed[i], a, sizeof(a));
		if (strcmp(a, arn) == 0)
			return &iam_managed[i];
	}
	return NULL;
}
