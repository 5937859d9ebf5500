/*
 * The cost of one authorization decision (iam_evaluate(), as the router asks it for a
 * handler's SDK call): an execution role of 10 statements, parsed once as the cloud caches it
 * per role, with wildcards, NotResource and conditions, against requests it allows (matched by
 * its last statement), denies implicitly (nothing matches) and denies explicitly. Prints
 * microseconds of CPU time per decision; bench/iam_eval.sh runs it beside SigV4 verification.
 *
 *	bench-iam-eval [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cloud/iam/policy.h"

static int64_t cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char role[] =
	"{\"Version\":\"2012-10-17\",\"Statement\":["
	"{\"Effect\":\"Allow\",\"Action\":[\"logs:CreateLogGroup\",\"logs:CreateLogStream\","
	"\"logs:PutLogEvents\"],\"Resource\":\"arn:aws:logs:*:*:*\"},"
	"{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::in-*/*\"},"
	"{\"Effect\":\"Allow\",\"Action\":[\"s3:ListBucket\"],\"Resource\":\"arn:aws:s3:::in-"
	"bucket\","
	"\"Condition\":{\"StringLike\":{\"s3:prefix\":[\"incoming/*\"]}}},"
	"{\"Effect\":\"Allow\",\"Action\":\"dynamodb:Query\",\"Resource\":"
	"\"arn:aws:dynamodb:us-east-1:123456789012:table/orders/index/*\"},"
	"{\"Effect\":\"Allow\",\"Action\":[\"sqs:SendMessage\",\"sqs:GetQueueUrl\"],"
	"\"Resource\":\"arn:aws:sqs:us-east-1:123456789012:out-*\"},"
	"{\"Effect\":\"Allow\",\"Action\":\"sns:Publish\",\"Resource\":"
	"\"arn:aws:sns:us-east-1:123456789012:alerts\",\"Condition\":{\"Bool\":"
	"{\"aws:SecureTransport\":\"true\"}}},"
	"{\"Effect\":\"Deny\",\"Action\":\"s3:DeleteObject\",\"Resource\":\"*\"},"
	"{\"Effect\":\"Allow\",\"NotAction\":[\"iam:*\",\"sts:*\"],\"NotResource\":"
	"\"arn:aws:s3:::*\",\"Condition\":{\"StringEquals\":{\"aws:RequestedRegion\":"
	"\"eu-west-1\"}}},"
	"{\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\",\"Resource\":"
	"\"arn:aws:kms:us-east-1:123456789012:key/*\",\"Condition\":{\"StringEquals\":"
	"{\"kms:EncryptionContext:app\":\"orders\"}}},"
	"{\"Sid\":\"Write\",\"Effect\":\"Allow\",\"Action\":[\"dynamodb:PutItem\","
	"\"dynamodb:UpdateItem\",\"dynamodb:GetItem\"],\"Resource\":"
	"\"arn:aws:dynamodb:us-east-1:123456789012:table/orders\"}]}";

static double per_call(const struct iam_policy *const *ids, const char *action,
		       const char *resource, enum iam_decision want, int n)
{
	struct iam_kv ctx[] = { { "aws:RequestedRegion", "us-east-1" } };
	struct iam_request req = {
		.principal = "arn:aws:sts::123456789012:assumed-role/orders-role/orders",
		.principal_account = "123456789012",
		.action = action,
		.resource = resource,
		.resource_account = "123456789012",
		.context = ctx,
		.ncontext = 1,
	};
	struct iam_result r;
	int64_t t0 = cpu_us();
	for (int i = 0; i < n; i++)
		if (iam_evaluate(ids, 1, NULL, &req, &r) != want) {
			fprintf(stderr, "bench-iam-eval: %s decided %d, not %d\n", action,
				(int)r.decision, (int)want);
			exit(1);
		}
	return (double)(cpu_us() - t0) / n;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	if (n <= 0)
		n = 20000;
	char msg[256];
	struct iam_policy *p = iam_policy_parse(role, IAM_POLICY_IDENTITY, msg, sizeof(msg));
	if (!p) {
		fprintf(stderr, "bench-iam-eval: the role's policy: %s\n", msg);
		return 1;
	}
	const struct iam_policy *ids[] = { p };
	int64_t t0 = cpu_us();
	for (int i = 0; i < n / 10; i++) {
		struct iam_policy *q =
			iam_policy_parse(role, IAM_POLICY_IDENTITY, msg, sizeof(msg));
		iam_policy_free(q);
	}
	printf("parse_us %.2f\n", (double)(cpu_us() - t0) / (n / 10 ? n / 10 : 1));
	printf("allow_us %.2f\n",
	       per_call(ids, "dynamodb:PutItem",
			"arn:aws:dynamodb:us-east-1:123456789012:table/orders", IAM_ALLOW, n));
	printf("implicit_deny_us %.2f\n",
	       per_call(ids, "s3:PutObject", "arn:aws:s3:::out-bucket/a.png", IAM_DENY, n));
	printf("explicit_deny_us %.2f\n",
	       per_call(ids, "s3:DeleteObject", "arn:aws:s3:::in-bucket/a.csv", IAM_DENY_EXPLICIT,
			n));
	iam_policy_free(p);
	return 0;
}
