/*
 * The policy evaluator (cloud/iam/policy.h): a table of (policies, request, expected
 * decision) cases, among them the examples of AWS's policy evaluation logic documentation
 * (identity-based and resource-based policies within one account and across two, explicit
 * deny, NotAction/NotResource, the condition operators and their set qualifiers); and the
 * validation of documents with IAM's MalformedPolicyDocument messages.
 */
#include <stdio.h>
#include <string.h>

#include "cloud/iam/policy.h"
#include "cloud/iam/s3_actions.h"
#include "harness.h"

#define A            "111122223333"
#define B            "444455556666"
#define ROLE_SESSION "arn:aws:sts::" A ":assumed-role/orders-role/orders"
#define USER_CARLOS  "arn:aws:iam::" A ":user/carlos"
#define ROOT_A       "arn:aws:iam::" A ":root"
#define USER_B       "arn:aws:iam::" B ":user/bob"

#define ALLOW        IAM_ALLOW
#define DENY         IAM_DENY
#define EXPLICIT     IAM_DENY_EXPLICIT

struct kase {
	const char *what;
	const char *identity[3]; /* identity-based policies of the principal */
	const char *resource;    /* the resource's policy, or NULL */
	const char *principal, *account, *action, *arn, *resource_account;
	struct iam_kv ctx[4];
	enum iam_decision want;
	const char *message; /* NULL: not checked */
};

#define DOC(...) "{\"Version\":\"2012-10-17\",\"Statement\":[" __VA_ARGS__ "]}"

static const struct kase cases[] = {
	/* The example: a role session without the permission. */
	{ "nothing allows: implicit deny, AWS's message",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}") },
	  NULL,
	  ROLE_SESSION,
	  A,
	  "s3:PutObject",
	  "arn:aws:s3:::out-bucket/a.png",
	  NULL,
	  { { 0 } },
	  DENY,
	  "User: arn:aws:sts::111122223333:assumed-role/orders-role/orders is not authorized to "
	  "perform: s3:PutObject on resource: \"arn:aws:s3:::out-bucket/a.png\" because no "
	  "identity-based policy allows the s3:PutObject action" },
	{ "an identity-based allow allows",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:PutObject\","
		"\"Resource\":\"arn:aws:s3:::out-bucket/*\"}") },
	  NULL,
	  ROLE_SESSION,
	  A,
	  "s3:PutObject",
	  "arn:aws:s3:::out-bucket/a.png",
	  NULL,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "no policy at all denies",
	  { NULL },
	  NULL,
	  ROLE_SESSION,
	  A,
	  "sqs:SendMessage",
	  "arn:aws:sqs:us-east-1:" A ":q",
	  NULL,
	  { { 0 } },
	  DENY,
	  NULL },
	{ "explicit deny wins over an allow in another policy",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}"),
	    DOC("{\"Sid\":\"NoDelete\",\"Effect\":\"Deny\",\"Action\":\"dynamodb:Delete*\","
		"\"Resource\":\"*\"}") },
	  NULL,
	  ROLE_SESSION,
	  A,
	  "dynamodb:DeleteItem",
	  "arn:aws:dynamodb:us-east-1:" A ":table/t",
	  NULL,
	  { { 0 } },
	  EXPLICIT,
	  "User: arn:aws:sts::111122223333:assumed-role/orders-role/orders is not authorized to "
	  "perform: dynamodb:DeleteItem on resource: arn:aws:dynamodb:us-east-1:111122223333:"
	  "table/t with an explicit deny in an identity-based policy" },
	{ "explicit deny in the same statement list wins",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},"
		"{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::secret/"
		"*\"}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:GetObject",
	  "arn:aws:s3:::secret/k",
	  NULL,
	  { { 0 } },
	  EXPLICIT,
	  NULL },
	{ "actions match case-insensitively, with wildcards",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":[\"LOGS:create*\",\"logs:PutLogEvents\"],"
		"\"Resource\":\"arn:aws:logs:*:*:*\"}") },
	  NULL,
	  ROLE_SESSION,
	  A,
	  "logs:CreateLogStream",
	  "arn:aws:logs:us-east-1:" A ":log-group:/aws/lambda/orders:*",
	  NULL,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "? matches one character",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"sqs:?eceiveMessage\",\"Resource\":\"*\"}") },
	  NULL,
	  ROLE_SESSION,
	  A,
	  "sqs:ReceiveMessage",
	  "arn:aws:sqs:us-east-1:" A ":q",
	  NULL,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "resources match case-sensitively",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
		"\"Resource\":\"arn:aws:s3:::Bucket/*\"}") },
	  NULL,
	  ROLE_SESSION,
	  A,
	  "s3:GetObject",
	  "arn:aws:s3:::bucket/a",
	  NULL,
	  { { 0 } },
	  DENY,
	  NULL },
	{ "NotAction allows everything else",
	  { DOC("{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"Resource\":\"*\"}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "sns:Publish",
	  "arn:aws:sns:us-east-1:" A ":t",
	  NULL,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "NotAction does not allow what it names",
	  { DOC("{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"Resource\":\"*\"}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "iam:CreateUser",
	  "arn:aws:iam::" A ":user/x",
	  NULL,
	  { { 0 } },
	  DENY,
	  NULL },
	{ "Deny with NotAction denies everything but what it names",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},"
		"{\"Effect\":\"Deny\",\"NotAction\":[\"s3:Get*\",\"s3:List*\"],\"Resource\":\"*"
		"\"}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:PutObject",
	  "arn:aws:s3:::b/k",
	  NULL,
	  { { 0 } },
	  EXPLICIT,
	  NULL },
	{ "NotResource allows every other resource",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
		"\"NotResource\":[\"arn:aws:s3:::HRBucket/Payroll\","
		"\"arn:aws:s3:::HRBucket/Payroll/*\"]}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:GetObject",
	  "arn:aws:s3:::HRBucket/Other",
	  NULL,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "NotResource does not allow what it names",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
		"\"NotResource\":[\"arn:aws:s3:::HRBucket/Payroll\","
		"\"arn:aws:s3:::HRBucket/Payroll/*\"]}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:GetObject",
	  "arn:aws:s3:::HRBucket/Payroll/jan",
	  NULL,
	  { { 0 } },
	  DENY,
	  NULL },
	{ "a policy variable names the user's own folder",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
		"\"Resource\":\"arn:aws:s3:::home/${aws:username}/*\"}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:PutObject",
	  "arn:aws:s3:::home/carlos/a",
	  NULL,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "... and not another's",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
		"\"Resource\":\"arn:aws:s3:::home/${aws:username}/*\"}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:PutObject",
	  "arn:aws:s3:::home/maria/a",
	  NULL,
	  { { 0 } },
	  DENY,
	  NULL },
	{ "root of its own account needs no policy",
	  { NULL },
	  NULL,
	  ROOT_A,
	  A,
	  "iam:CreateRole",
	  "arn:aws:iam::" A ":role/r",
	  NULL,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "root is still bound by an explicit deny in a resource policy",
	  { NULL },
	  "{\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:DeleteBucket\","
	  "\"Resource\":\"arn:aws:s3:::b\"}}",
	  ROOT_A,
	  A,
	  "s3:DeleteBucket",
	  "arn:aws:s3:::b",
	  NULL,
	  { { 0 } },
	  EXPLICIT,
	  "User: arn:aws:iam::111122223333:root is not authorized to perform: s3:DeleteBucket on "
	  "resource: arn:aws:s3:::b with an explicit deny in a resource-based policy" },
	/* Same account: a resource-based policy naming the principal is enough. */
	{ "same account: a resource policy naming the user allows without an identity policy",
	  { NULL },
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" USER_CARLOS "\"},"
	      "\"Action\":\"sqs:SendMessage\",\"Resource\":\"arn:aws:sqs:us-east-1:" A ":q\"}"),
	  USER_CARLOS,
	  A,
	  "sqs:SendMessage",
	  "arn:aws:sqs:us-east-1:" A ":q",
	  NULL,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "same account: a resource policy naming the role allows its sessions",
	  { NULL },
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"arn:aws:iam::" A
	      ":role/service-role/orders-role\"]},\"Action\":\"sns:Publish\",\"Resource\":\"*\"}"),
	  ROLE_SESSION,
	  A,
	  "sns:Publish",
	  "arn:aws:sns:us-east-1:" A ":t",
	  NULL,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "same account: a resource policy naming the account delegates to identity policies",
	  { NULL },
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" A "\"},"
	      "\"Action\":\"sqs:*\",\"Resource\":\"*\"}"),
	  ROLE_SESSION,
	  A,
	  "sqs:SendMessage",
	  "arn:aws:sqs:us-east-1:" A ":q",
	  NULL,
	  { { 0 } },
	  DENY,
	  NULL },
	{ "same account: a resource policy naming another role does not allow",
	  { NULL },
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::" A ":role/other\"},"
	      "\"Action\":\"sqs:*\",\"Resource\":\"*\"}"),
	  ROLE_SESSION,
	  A,
	  "sqs:SendMessage",
	  "arn:aws:sqs:us-east-1:" A ":q",
	  NULL,
	  { { 0 } },
	  DENY,
	  NULL },
	/* Across accounts both sides must allow. */
	{ "cross-account: identity allows, no resource policy: denied by the resource side",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}") },
	  NULL,
	  USER_B,
	  B,
	  "s3:GetObject",
	  "arn:aws:s3:::a-bucket/k",
	  A,
	  { { 0 } },
	  DENY,
	  "User: arn:aws:iam::444455556666:user/bob is not authorized to perform: s3:GetObject on "
	  "resource: arn:aws:s3:::a-bucket/k because no resource-based policy allows the "
	  "s3:GetObject action" },
	{ "cross-account: resource policy trusts the account, identity allows: allowed",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}") },
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::" B ":root\"},"
	      "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::a-bucket/*\"}"),
	  USER_B,
	  B,
	  "s3:GetObject",
	  "arn:aws:s3:::a-bucket/k",
	  A,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "cross-account: resource policy allows, identity does not: denied",
	  { NULL },
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" USER_B "\"},"
	      "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::a-bucket/*\"}"),
	  USER_B,
	  B,
	  "s3:GetObject",
	  "arn:aws:s3:::a-bucket/k",
	  A,
	  { { 0 } },
	  DENY,
	  "User: arn:aws:iam::444455556666:user/bob is not authorized to perform: s3:GetObject on "
	  "resource: arn:aws:s3:::a-bucket/k because no identity-based policy allows the "
	  "s3:GetObject action" },
	{ "cross-account: NotPrincipal deny spares only who it names",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}") },
	  DOC("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\"},"
	      "{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":\"arn:aws:iam::" B ":user/alice\"},"
	      "\"Action\":\"s3:*\",\"Resource\":\"*\"}"),
	  USER_B,
	  B,
	  "s3:GetObject",
	  "arn:aws:s3:::a-bucket/k",
	  A,
	  { { 0 } },
	  EXPLICIT,
	  NULL },
	/* Service principals: the resource policy decides, with aws:SourceArn/SourceAccount. */
	{ "a service allowed by a function policy with aws:SourceArn",
	  { NULL },
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},"
	      "\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"arn:aws:lambda:us-east-1:" A
	      ":function:f\",\"Condition\":{\"ArnLike\":{\"AWS:SourceArn\":\"arn:aws:s3:::"
	      "uploads\"},"
	      "\"StringEquals\":{\"aws:SourceAccount\":\"" A "\"}}}"),
	  "s3.amazonaws.com",
	  "",
	  "lambda:InvokeFunction",
	  "arn:aws:lambda:us-east-1:" A ":function:f",
	  A,
	  { { "aws:SourceArn", "arn:aws:s3:::uploads" }, { "aws:SourceAccount", A } },
	  ALLOW,
	  NULL },
	{ "... from another bucket it is not",
	  { NULL },
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},"
	      "\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"*\","
	      "\"Condition\":{\"ArnLike\":{\"AWS:SourceArn\":\"arn:aws:s3:::uploads\"}}}"),
	  "s3.amazonaws.com",
	  "",
	  "lambda:InvokeFunction",
	  "arn:aws:lambda:us-east-1:" A ":function:f",
	  A,
	  { { "aws:SourceArn", "arn:aws:s3:::other" } },
	  DENY,
	  NULL },
	{ "... nor without a source ARN",
	  { NULL },
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},"
	      "\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"*\","
	      "\"Condition\":{\"ArnLike\":{\"AWS:SourceArn\":\"arn:aws:s3:::uploads\"}}}"),
	  "s3.amazonaws.com",
	  "",
	  "lambda:InvokeFunction",
	  "arn:aws:lambda:us-east-1:" A ":function:f",
	  A,
	  { { 0 } },
	  DENY,
	  NULL },
	{ "another service is not the one named",
	  { NULL },
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},"
	      "\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"*\"}"),
	  "sns.amazonaws.com",
	  "",
	  "lambda:InvokeFunction",
	  "arn:aws:lambda:us-east-1:" A ":function:f",
	  A,
	  { { 0 } },
	  DENY,
	  NULL },
	{ "ArnEquals with a wildcard in one part",
	  { NULL },
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},"
	      "\"Action\":\"sqs:SendMessage\",\"Resource\":\"*\","
	      "\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"arn:aws:sns:*:" A ":orders\"}}}"),
	  "sns.amazonaws.com",
	  "",
	  "sqs:SendMessage",
	  "arn:aws:sqs:us-east-1:" A ":q",
	  A,
	  { { "aws:SourceArn", "arn:aws:sns:eu-west-1:" A ":orders" } },
	  ALLOW,
	  NULL },
	{ "ArnLike: a wildcard does not cross a part",
	  { NULL },
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},"
	      "\"Action\":\"sqs:SendMessage\",\"Resource\":\"*\","
	      "\"Condition\":{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:sns:*:orders\"}}}"),
	  "sns.amazonaws.com",
	  "",
	  "sqs:SendMessage",
	  "arn:aws:sqs:us-east-1:" A ":q",
	  A,
	  { { "aws:SourceArn", "arn:aws:sns:eu-west-1:" A ":orders" } },
	  DENY,
	  NULL },
	/* Condition operators. */
	{ "aws:PrincipalAccount comes from the principal",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\","
		"\"Condition\":{\"StringEquals\":{\"aws:PrincipalAccount\":\"" A "\"}}}") },
	  NULL,
	  ROLE_SESSION,
	  A,
	  "s3:ListBucket",
	  "arn:aws:s3:::b",
	  NULL,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "aws:PrincipalAccount: another account does not match",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\","
		"\"Condition\":{\"StringEquals\":{\"aws:PrincipalAccount\":\"" B "\"}}}") },
	  NULL,
	  ROLE_SESSION,
	  A,
	  "s3:ListBucket",
	  "arn:aws:s3:::b",
	  NULL,
	  { { 0 } },
	  DENY,
	  NULL },
	{ "StringLike with a wildcard",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\",\"Resource\":\"*\","
		"\"Condition\":{\"StringLike\":{\"s3:prefix\":[\"home/*\",\"public/*\"]}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:ListBucket",
	  "arn:aws:s3:::b",
	  NULL,
	  { { "s3:prefix", "public/x" } },
	  ALLOW,
	  NULL },
	{ "StringEquals is exact",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\",\"Resource\":\"*\","
		"\"Condition\":{\"StringEquals\":{\"s3:prefix\":\"home/*\"}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:ListBucket",
	  "arn:aws:s3:::b",
	  NULL,
	  { { "s3:prefix", "home/x" } },
	  DENY,
	  NULL },
	{ "StringEqualsIgnoreCase folds case",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"ec2:*\",\"Resource\":\"*\","
		"\"Condition\":{\"StringEqualsIgnoreCase\":{\"aws:RequestTag/env\":\"PROD\"}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "ec2:RunInstances",
	  "*",
	  NULL,
	  { { "aws:RequestTag/env", "prod" } },
	  ALLOW,
	  NULL },
	{ "StringNotEquals with the key absent matches (negated operator)",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},"
		"{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\","
		"\"Condition\":{\"StringNotEquals\":{\"aws:RequestedRegion\":\"us-east-1\"}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:ListAllMyBuckets",
	  "*",
	  NULL,
	  { { 0 } },
	  EXPLICIT,
	  NULL },
	{ "StringNotEquals with the key matching does not deny",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},"
		"{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\","
		"\"Condition\":{\"StringNotEquals\":{\"aws:RequestedRegion\":\"us-east-1\"}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:ListAllMyBuckets",
	  "*",
	  NULL,
	  { { "aws:RequestedRegion", "us-east-1" } },
	  ALLOW,
	  NULL },
	{ "Bool aws:SecureTransport false denies",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}") },
	  DOC("{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\","
	      "\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}"),
	  USER_CARLOS,
	  A,
	  "s3:GetObject",
	  "arn:aws:s3:::b/k",
	  NULL,
	  { { "aws:SecureTransport", "false" } },
	  EXPLICIT,
	  NULL },
	{ "Bool with a JSON boolean",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
		"\"Condition\":{\"Bool\":{\"aws:MultiFactorAuthPresent\":true}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:GetObject",
	  "arn:aws:s3:::b/k",
	  NULL,
	  { { "aws:MultiFactorAuthPresent", "true" } },
	  ALLOW,
	  NULL },
	{ "Bool...IfExists with the key absent matches",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
		"\"Condition\":{\"BoolIfExists\":{\"aws:MultiFactorAuthPresent\":\"true\"}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:GetObject",
	  "arn:aws:s3:::b/k",
	  NULL,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "Bool without IfExists and the key absent does not",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
		"\"Condition\":{\"Bool\":{\"aws:MultiFactorAuthPresent\":\"true\"}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:GetObject",
	  "arn:aws:s3:::b/k",
	  NULL,
	  { { 0 } },
	  DENY,
	  NULL },
	{ "NumericLessThan",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\",\"Resource\":\"*\","
		"\"Condition\":{\"NumericLessThanEquals\":{\"s3:max-keys\":\"10\"}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:ListBucket",
	  "arn:aws:s3:::b",
	  NULL,
	  { { "s3:max-keys", "10" } },
	  ALLOW,
	  NULL },
	{ "NumericLessThan refuses a larger number",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\",\"Resource\":\"*\","
		"\"Condition\":{\"NumericLessThan\":{\"s3:max-keys\":10}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:ListBucket",
	  "arn:aws:s3:::b",
	  NULL,
	  { { "s3:max-keys", "11" } },
	  DENY,
	  NULL },
	{ "NumericGreaterThan refuses what is not a number",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:ListBucket\",\"Resource\":\"*\","
		"\"Condition\":{\"NumericGreaterThan\":{\"s3:max-keys\":\"1\"}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:ListBucket",
	  "arn:aws:s3:::b",
	  NULL,
	  { { "s3:max-keys", "ten" } },
	  DENY,
	  NULL },
	{ "DateLessThan against aws:CurrentTime",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
		"\"Condition\":{\"DateLessThan\":{\"aws:CurrentTime\":\"2027-01-01T00:00:00Z\"}}"
		"}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:GetObject",
	  "arn:aws:s3:::b/k",
	  NULL,
	  { { "aws:CurrentTime", "2026-12-07T01:00:00Z" } },
	  ALLOW,
	  NULL },
	{ "IpAddress in a CIDR block",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
		"\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"203.0.113.0/24\"}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:GetObject",
	  "arn:aws:s3:::b/k",
	  NULL,
	  { { "aws:SourceIp", "203.0.113.9" } },
	  ALLOW,
	  NULL },
	{ "Null: true when the key is absent",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
		"\"Condition\":{\"Null\":{\"aws:TokenIssueTime\":\"true\"}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:GetObject",
	  "arn:aws:s3:::b/k",
	  NULL,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "conditions of one statement all hold (AND), values of one key any (OR)",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
		"\"Condition\":{\"StringEquals\":{\"aws:RequestedRegion\":[\"eu-west-1\","
		"\"us-east-1\"]},\"Bool\":{\"aws:SecureTransport\":\"true\"}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "s3:GetObject",
	  "arn:aws:s3:::b/k",
	  NULL,
	  { { "aws:RequestedRegion", "us-east-1" }, { "aws:SecureTransport", "false" } },
	  DENY,
	  NULL },
	{ "ForAllValues: every request value is allowed",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"dynamodb:GetItem\",\"Resource\":\"*\","
		"\"Condition\":{\"ForAllValues:StringEquals\":{\"dynamodb:Attributes\":[\"id\","
		"\"name\"]}}}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "dynamodb:GetItem",
	  "arn:aws:dynamodb:us-east-1:" A ":table/t",
	  NULL,
	  { { "dynamodb:Attributes", "id" }, { "dynamodb:Attributes", "salary" } },
	  DENY,
	  NULL },
	{ "ForAnyValue: one request value is enough",
	  { DOC("{\"Effect\":\"Allow\",\"Action\":\"dynamodb:GetItem\",\"Resource\":\"*\","
		"\"Condition\":{\"ForAnyValue:StringEquals\":{\"dynamodb:Attributes\":[\"id\"]}}"
		"}") },
	  NULL,
	  USER_CARLOS,
	  A,
	  "dynamodb:GetItem",
	  "arn:aws:dynamodb:us-east-1:" A ":table/t",
	  NULL,
	  { { "dynamodb:Attributes", "id" }, { "dynamodb:Attributes", "salary" } },
	  ALLOW,
	  NULL },
	/* Trust policies: who may assume a role. */
	{ "trust: lambda.amazonaws.com may assume",
	  { NULL },
	  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
	  "{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}",
	  "lambda.amazonaws.com",
	  "",
	  "sts:AssumeRole",
	  "arn:aws:iam::" A ":role/r",
	  A,
	  { { 0 } },
	  ALLOW,
	  NULL },
	{ "trust: another service may not",
	  { NULL },
	  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
	  "{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}",
	  "ec2.amazonaws.com",
	  "",
	  "sts:AssumeRole",
	  "arn:aws:iam::" A ":role/r",
	  A,
	  { { 0 } },
	  DENY,
	  NULL },
};

static enum iam_policy_kind kind_of(const char *doc)
{
	return strstr(doc, "\"Resource\"") || strstr(doc, "\"NotResource\"") ? IAM_POLICY_RESOURCE
									     : IAM_POLICY_TRUST;
}

TEST(iam_policy__decides_the_table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct kase *k = &cases[i];
		const struct iam_policy *ids[3] = { 0 };
		struct iam_policy *owned[4] = { 0 };
		size_t nid = 0;
		char msg[256];
		bool parsed = true;
		for (size_t j = 0; j < 3 && k->identity[j]; j++) {
			owned[j] = iam_policy_parse(k->identity[j], IAM_POLICY_IDENTITY, msg,
						    sizeof(msg));
			ok(owned[j] != NULL, "%s: identity policy %zu parses (%s)", k->what, j,
			   msg);
			parsed &= owned[j] != NULL;
			ids[nid++] = owned[j];
		}
		if (k->resource) {
			owned[3] = iam_policy_parse(k->resource, kind_of(k->resource), msg,
						    sizeof(msg));
			ok(owned[3] != NULL, "%s: resource policy parses (%s)", k->what, msg);
			parsed &= owned[3] != NULL;
		}
		size_t nctx = 0;
		while (nctx < 4 && k->ctx[nctx].key)
			nctx++;
		struct iam_request req = {
			.principal = k->principal,
			.principal_account = k->account,
			.action = k->action,
			.resource = k->arn,
			.resource_account = k->resource_account,
			.context = k->ctx,
			.ncontext = nctx,
			.quote_resource = strncmp(k->arn, "arn:aws:s3:::out", 16) == 0,
		};
		struct iam_result r;
		if (parsed) {
			enum iam_decision d = iam_evaluate(ids, nid, owned[3], &req, &r);
			ok(d == k->want && r.decision == d, "%s (got %d, want %d)", k->what, (int)d,
			   (int)k->want);
			if (k->message)
				is_str(r.message, k->message, k->what);
		}
		for (size_t j = 0; j < 4; j++)
			iam_policy_free(owned[j]);
	}
}

struct bad {
	enum iam_policy_kind kind;
	const char *doc;
	const char *message;
};

static const struct bad bads[] = {
	{ IAM_POLICY_IDENTITY, "{", "This policy contains invalid Json" },
	{ IAM_POLICY_IDENTITY, "[]", "Syntax errors in policy." },
	{ IAM_POLICY_IDENTITY,
	  DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}") "xyz",
	  "Syntax errors in policy." },
	{ IAM_POLICY_IDENTITY, "{\"Version\":\"2012-10-17\"}", "Syntax errors in policy." },
	{ IAM_POLICY_IDENTITY, "{\"Version\":\"2012-10-17\",\"Statement\":[]}",
	  "Syntax errors in policy." },
	{ IAM_POLICY_IDENTITY,
	  DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Extra\":1}"),
	  "Syntax errors in policy." },
	{ IAM_POLICY_IDENTITY, "{\"Version\":\"2020-01-01\",\"Statement\":[]}",
	  "The policy failed legacy parsing" },
	{ IAM_POLICY_IDENTITY, DOC("{\"Action\":\"s3:*\",\"Resource\":\"*\"}"),
	  "Missing required field Effect" },
	{ IAM_POLICY_IDENTITY, DOC("{\"Effect\":\"allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}"),
	  "Invalid effect: allow" },
	{ IAM_POLICY_IDENTITY, DOC("{\"Effect\":\"Allow\",\"Resource\":\"*\"}"),
	  "Policy statement must contain actions." },
	{ IAM_POLICY_IDENTITY, DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:*\"}"),
	  "Policy statement must contain resources." },
	{ IAM_POLICY_IDENTITY,
	  DOC("{\"Effect\":\"Allow\",\"Action\":\"GetObject\",\"Resource\":\"*\"}"),
	  "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc." },
	{ IAM_POLICY_IDENTITY,
	  DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"my-bucket\"}"),
	  "Resource my-bucket must be in ARN format or \"*\"." },
	{ IAM_POLICY_IDENTITY,
	  DOC("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\"}"),
	  "Policy document should not specify a principal." },
	{ IAM_POLICY_IDENTITY,
	  DOC("{\"Sid\":\"my-sid\",\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}"),
	  "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular "
	  "expression [0-9A-Za-z]*" },
	{ IAM_POLICY_IDENTITY,
	  DOC("{\"Sid\":\"a\",\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},"
	      "{\"Sid\":\"a\",\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\"}"),
	  "Statement IDs (SID) in a single policy must be unique." },
	{ IAM_POLICY_IDENTITY,
	  DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\","
	      "\"Condition\":{\"StringEqualz\":{\"aws:username\":\"x\"}}}"),
	  "Syntax errors in policy." },
	{ IAM_POLICY_TRUST, DOC("{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\"}"),
	  "Missing required field Principal" },
	{ IAM_POLICY_TRUST,
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},"
	      "\"Action\":\"sts:AssumeRole\",\"Resource\":\"*\"}"),
	  "Has prohibited field Resource" },
	{ IAM_POLICY_TRUST,
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},"
	      "\"Action\":\"s3:GetObject\"}"),
	  "AssumeRole policy may only specify STS AssumeRole actions." },
	{ IAM_POLICY_TRUST,
	  DOC("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::*:root\"},"
	      "\"Action\":\"sts:AssumeRole\"}"),
	  "Invalid principal in policy: \"AWS\":\"arn:aws:iam::*:root\"" },
};

TEST(iam_policy__refuses_malformed_documents_with_iams_messages)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		char msg[256];
		struct iam_policy *p =
			iam_policy_parse(bads[i].doc, bads[i].kind, msg, sizeof(msg));
		ok(p == NULL, "refused: %s", bads[i].doc);
		is_str(msg, bads[i].message, bads[i].doc);
		iam_policy_free(p);
	}
}

TEST(iam_policy__reads_a_single_statement_object_and_old_versions)
{
	char msg[256];
	struct iam_policy *p = iam_policy_parse(
		"{\"Version\":\"2008-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":"
		"\"s3:*\",\"Resource\":\"arn:aws:s3:::b/${aws:username}\"}}",
		IAM_POLICY_IDENTITY, msg, sizeof(msg));
	ok(p != NULL, "a statement object parses (%s)", msg);
	is_int(p ? iam_policy_statements(p) : 0, 1, "one statement");
	/* Before 2012-10-17, ${...} is literal text. */
	const struct iam_policy *ids[] = { p };
	struct iam_request req = { .principal = USER_CARLOS,
				   .principal_account = A,
				   .action = "s3:GetObject",
				   .resource = "arn:aws:s3:::b/${aws:username}" };
	struct iam_result r;
	is_int(p ? (int)iam_evaluate(ids, 1, NULL, &req, &r) : -1, IAM_ALLOW,
	       "a 2008 policy reads ${...} literally");
	iam_policy_free(p);
}

/* A role's trust policy must allow even within its own account. */
static enum iam_decision assume(const char *trust, const char *principal,
				const struct iam_policy *identity)
{
	char msg[256];
	struct iam_policy *t = iam_policy_parse(trust, IAM_POLICY_TRUST, msg, sizeof(msg));
	const struct iam_policy *ids[] = { identity };
	struct iam_request req = { .principal = principal,
				   .principal_account = A,
				   .action = "sts:AssumeRole",
				   .resource = "arn:aws:iam::" A ":role/r",
				   .resource_account = A,
				   .resource_required = true };
	struct iam_result r;
	enum iam_decision d = t ? iam_evaluate(ids, identity ? 1 : 0, t, &req, &r) : IAM_DENY;
	iam_policy_free(t);
	return d;
}

TEST(iam_policy__a_trust_policy_must_allow_assuming)
{
	char msg[256];
	struct iam_policy *may = iam_policy_parse(
		DOC("{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"*\"}"),
		IAM_POLICY_IDENTITY, msg, sizeof(msg));
	const char *lambda_only = DOC("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
				      "\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}");
	const char *account = DOC("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" A
				  "\"},\"Action\":\"sts:AssumeRole\"}");
	const char *carlos = DOC("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" USER_CARLOS
				 "\"},\"Action\":\"sts:AssumeRole\"}");
	is_int(assume(lambda_only, ROOT_A, NULL), IAM_DENY, "root may not assume a Lambda role");
	is_int(assume(account, ROOT_A, NULL), IAM_ALLOW, "a role trusting the account: root may");
	is_int(assume(account, USER_CARLOS, NULL), IAM_DENY,
	       "... a user only with an identity policy allowing it");
	is_int(assume(account, USER_CARLOS, may), IAM_ALLOW, "... which it has");
	is_int(assume(carlos, USER_CARLOS, NULL), IAM_ALLOW, "a role trusting the user itself");
	iam_policy_free(may);
}

TEST(iam_policy__lists_its_condition_keys_once)
{
	char msg[256];
	struct iam_policy *p = iam_policy_parse(
		DOC("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{"
		    "\"StringEquals\":{\"aws:SourceAccount\":\"1\",\"s3:prefix\":\"a\"},"
		    "\"ArnLike\":{\"AWS:SourceArn\":\"arn:*\"}}},{\"Effect\":\"Deny\","
		    "\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringLike\":"
		    "{\"S3:Prefix\":\"b\"}}}"),
		IAM_POLICY_IDENTITY, msg, sizeof(msg));
	const char *keys[8];
	size_t n = p ? iam_policy_condition_keys(p, keys, 8) : 0;
	is_int((int)n, 3, "three keys, each once whatever its case");
	if (n == 3) {
		is_str(keys[0], "aws:SourceAccount", "in the order they appear");
		is_str(keys[1], "s3:prefix", "... the second");
		is_str(keys[2], "AWS:SourceArn", "... the third, as written");
	}
	iam_policy_free(p);
}

TEST(iam_policy__wildcards)
{
	ok(iam_action_like("s3:Get*", "S3:GETOBJECT"), "actions fold case");
	ok(!iam_string_like("a*c", "abd"), "a*c is not abd");
	ok(iam_string_like("a*b*c", "aXXbYYc"), "two stars");
	ok(iam_string_like("*", ""), "* matches nothing at all");
	ok(!iam_string_like("?", ""), "? needs a character");
}

/* One decision with a permissions boundary: identity, resource policy (or NULL), boundary. */
static enum iam_decision bounded(const char *identity, const char *resource, const char *boundary,
				 const char *principal, const char *action, const char *arn,
				 char *message, size_t n)
{
	char msg[256];
	struct iam_policy *id = iam_policy_parse(identity, IAM_POLICY_IDENTITY, msg, sizeof(msg));
	struct iam_policy *res =
		resource ? iam_policy_parse(resource, IAM_POLICY_RESOURCE, msg, sizeof(msg)) : NULL;
	struct iam_policy *b = iam_policy_parse(boundary, IAM_POLICY_IDENTITY, msg, sizeof(msg));
	const struct iam_policy *ids[] = { id };
	struct iam_request req = { .principal = principal,
				   .principal_account = A,
				   .action = action,
				   .resource = arn,
				   .resource_account = A,
				   .boundary = b };
	struct iam_result r;
	enum iam_decision d = id && b && (res || !resource) ? iam_evaluate(ids, 1, res, &req, &r)
							    : (enum iam_decision) - 1;
	snprintf(message, n, "%s", d == (enum iam_decision) - 1 ? msg : r.message);
	iam_policy_free(id);
	iam_policy_free(res);
	iam_policy_free(b);
	return d;
}

/* AWS's "Evaluating effective permissions with boundaries": what both allow. */
TEST(iam_policy__a_permissions_boundary_caps_what_policies_allow)
{
	const char *id = DOC("{\"Effect\":\"Allow\",\"Action\":[\"s3:*\",\"iam:*\",\"sqs:*\"],"
			     "\"Resource\":\"*\"}");
	const char *boundary = DOC("{\"Effect\":\"Allow\",\"Action\":[\"s3:*\",\"ec2:*\","
				   "\"sqs:*\"],\"Resource\":\"*\"},{\"Effect\":\"Deny\","
				   "\"Action\":\"sqs:DeleteQueue\",\"Resource\":\"*\"}");
	const char *s3_only = DOC("{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}");
	char m[1400];
	is_int(bounded(id, NULL, boundary, USER_CARLOS, "s3:GetObject", "arn:aws:s3:::b/k", m,
		       sizeof(m)),
	       IAM_ALLOW, "allowed by both: allowed");
	is_int(bounded(id, NULL, boundary, USER_CARLOS, "iam:CreateUser", "*", m, sizeof(m)),
	       IAM_DENY, "allowed by the identity policy alone: denied");
	is_str(m,
	       "User: " USER_CARLOS " is not authorized to perform: iam:CreateUser on resource: * "
	       "because no permissions boundary allows the iam:CreateUser action",
	       "... in AWS's words for a boundary");
	is_int(bounded(id, NULL, boundary, USER_CARLOS, "ec2:RunInstances", "*", m, sizeof(m)),
	       IAM_DENY, "allowed by the boundary alone: denied");
	is_str(m,
	       "User: " USER_CARLOS
	       " is not authorized to perform: ec2:RunInstances on resource: * "
	       "because no identity-based policy allows the ec2:RunInstances action",
	       "... as no identity-based policy allows it");
	is_int(bounded(id, NULL, boundary, USER_CARLOS, "sqs:DeleteQueue", "*", m, sizeof(m)),
	       IAM_DENY_EXPLICIT, "a Deny in the boundary denies");
	is_str(m,
	       "User: " USER_CARLOS " is not authorized to perform: sqs:DeleteQueue on resource: * "
	       "with an explicit deny in a permissions boundary",
	       "... in AWS's words");
	/* Resource-based policies: one naming the user itself is not capped; one naming a
	 * session's role is, one naming the session itself is not. */
	const char *to_user = DOC("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" USER_CARLOS
				  "\"},\"Action\":\"sns:Publish\",\"Resource\":\"*\"}");
	const char *to_role = DOC("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::" A
				  ":role/orders-role\"},\"Action\":\"sns:Publish\","
				  "\"Resource\":\"*\"}");
	const char *to_session = DOC("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" ROLE_SESSION
				     "\"},\"Action\":\"sns:Publish\",\"Resource\":\"*\"}");
	const char *topic = "arn:aws:sns:us-east-1:" A ":t";
	is_int(bounded(s3_only, to_user, s3_only, USER_CARLOS, "sns:Publish", topic, m, sizeof(m)),
	       IAM_ALLOW, "a resource policy naming the user: not capped by its boundary");
	is_int(bounded(s3_only, to_role, s3_only, ROLE_SESSION, "sns:Publish", topic, m, sizeof(m)),
	       IAM_DENY, "a resource policy naming the session's role: capped");
	is_str(m,
	       "User: " ROLE_SESSION " is not authorized to perform: sns:Publish on resource: "
	       "arn:aws:sns:us-east-1:" A ":t because no permissions boundary allows the "
	       "sns:Publish action",
	       "... for want of the boundary's allow");
	is_int(bounded(s3_only, to_session, s3_only, ROLE_SESSION, "sns:Publish", topic, m,
		       sizeof(m)),
	       IAM_ALLOW, "a resource policy naming the session itself: not capped");
	is_int(bounded(s3_only, NULL, s3_only, ROOT_A, "iam:CreateUser", "*", m, sizeof(m)),
	       IAM_ALLOW, "an account's root has no boundary");
}

/* aws:PrincipalTag/KEY and iam:ResourceTag/KEY are ordinary context keys to the evaluator: the
 * cloud fills them from the principal's and the resource's tags. */
TEST(iam_policy__tag_condition_keys)
{
	char msg[256];
	struct iam_policy *p = iam_policy_parse(
		DOC("{\"Effect\":\"Allow\",\"Action\":\"iam:GetRole\",\"Resource\":\"*\","
		    "\"Condition\":{\"StringEquals\":{\"iam:ResourceTag/team\":"
		    "\"${aws:PrincipalTag/team}\"}}}"),
		IAM_POLICY_IDENTITY, msg, sizeof(msg));
	const struct iam_policy *ids[] = { p };
	struct iam_kv same[] = { { "aws:PrincipalTag/team", "blue" },
				 { "iam:ResourceTag/team", "blue" } };
	struct iam_kv other[] = { { "aws:PrincipalTag/team", "blue" },
				  { "iam:ResourceTag/team", "red" } };
	struct iam_request req = { .principal = USER_CARLOS,
				   .principal_account = A,
				   .action = "iam:GetRole",
				   .resource = "arn:aws:iam::" A ":role/r",
				   .context = same,
				   .ncontext = 2 };
	struct iam_result r;
	is_int(p ? (int)iam_evaluate(ids, 1, NULL, &req, &r) : -1, IAM_ALLOW,
	       "a role tagged as the principal is: allowed");
	req.context = other;
	is_int(p ? (int)iam_evaluate(ids, 1, NULL, &req, &r) : -1, IAM_DENY,
	       "a role tagged otherwise: denied");
	req.ncontext = 1;
	is_int(p ? (int)iam_evaluate(ids, 1, NULL, &req, &r) : -1, IAM_DENY,
	       "an untagged role: denied");
	iam_policy_free(p);
}

/* S3's actions as the build generates them from the API models (s3_actions.h). */
TEST(iam_policy__s3_actions_from_the_api_model)
{
	const char *const *a = iam_s3_op_actions("ListObjectsV2", false);
	ok(a && a[0] && strcmp(a[0], "ListBucket") == 0 && !a[1], "ListObjectsV2: s3:ListBucket");
	a = iam_s3_op_actions("GetObjectAttributes", false);
	ok(a && a[0] && a[1] && strcmp(a[0], "GetObject") == 0 &&
		   strcmp(a[1], "GetObjectAttributes") == 0 && !a[2],
	   "GetObjectAttributes: s3:GetObject and s3:GetObjectAttributes");
	a = iam_s3_op_actions("GetObjectAttributes", true);
	ok(a && a[0] && a[1] && strcmp(a[0], "GetObjectVersion") == 0 &&
		   strcmp(a[1], "GetObjectVersionAttributes") == 0,
	   "... of a version: s3:GetObjectVersion and s3:GetObjectVersionAttributes");
	a = iam_s3_op_actions("GetObject", true);
	ok(a && a[0] && strcmp(a[0], "GetObjectVersion") == 0, "GetObject of a version");
	a = iam_s3_op_actions("PutBucketVersioning", true);
	ok(a && a[0] && strcmp(a[0], "PutBucketVersioning") == 0,
	   "an operation is its own action, version or not");
	a = iam_s3_op_actions("CreateSession", false);
	ok(a && !a[0], "CreateSession: no s3: action (S3 Express's)");
	ok(iam_s3_op_actions("NoSuchOperation", false) == NULL, "not an operation: NULL");
	bool sorted = true, list_bucket = false, list_v2 = false, control = false;
	for (size_t i = 0; i < iam_s3_nactions; i++) {
		sorted &= i == 0 || strcmp(iam_s3_actions[i - 1], iam_s3_actions[i]) < 0;
		list_bucket |= strcmp(iam_s3_actions[i], "ListBucket") == 0;
		list_v2 |= strcmp(iam_s3_actions[i], "ListObjectsV2") == 0;
		control |= strcmp(iam_s3_actions[i], "CreateAccessPoint") == 0;
	}
	ok(sorted && iam_s3_nactions > 150, "the actions, sorted (%zu)", iam_s3_nactions);
	ok(list_bucket && !list_v2, "s3:ListBucket is one, ListObjectsV2 is not");
	ok(control, "S3 Control's are actions too (s3:CreateAccessPoint)");
}

int main(void)
{
	RUN(iam_policy__decides_the_table);
	RUN(iam_policy__refuses_malformed_documents_with_iams_messages);
	RUN(iam_policy__reads_a_single_statement_object_and_old_versions);
	RUN(iam_policy__a_trust_policy_must_allow_assuming);
	RUN(iam_policy__lists_its_condition_keys_once);
	RUN(iam_policy__wildcards);
	RUN(iam_policy__a_permissions_boundary_caps_what_policies_allow);
	RUN(iam_policy__tag_condition_keys);
	RUN(iam_policy__s3_actions_from_the_api_model);
	return done();
}
