/*
 * ARNs and function references: every form Lambda's operations accept, qualifiers kept, and
 * the other services' ARNs.
 */
#include <string.h>

#include "cloud/svc/arn.h"
#include "harness.h"

TEST(arn_function__reads_every_form)
{
	struct arn_function f;
	ok(arn_function_parse("hello", &f), "a name");
	ok(!f.account[0] && !f.qualifier[0] && strcmp(f.name, "hello") == 0, "... alone");
	ok(arn_function_parse("hello:$LATEST", &f), "a name and $LATEST");
	is_str(f.qualifier, "$LATEST", "... keeps the qualifier");
	ok(arn_function_parse("hello:prod", &f), "a name and an alias");
	is_str(f.qualifier, "prod", "... keeps the alias");
	ok(arn_function_parse("123456789012:function:hello:7", &f), "a partial ARN");
	is_str(f.account, "123456789012", "... its account");
	is_str(f.qualifier, "7", "... its version");
	ok(arn_function_parse("arn:aws:lambda:eu-west-1:123456789012:function:hello", &f),
	   "a full ARN");
	is_str(f.region, "eu-west-1", "... its region");
	is_str(f.name, "hello", "... its name");
	ok(arn_function_parse("arn:aws:lambda:us-east-1:123456789012:function:hello:$LATEST", &f),
	   "a full ARN with $LATEST");
	is_str(f.qualifier, "$LATEST", "... keeps it");
}

TEST(arn_function__refuses_what_lambda_refuses)
{
	struct arn_function f;
	ok(!arn_function_parse("", &f), "empty");
	ok(!arn_function_parse("a b", &f), "a space");
	ok(!arn_function_parse("hello:", &f), "an empty qualifier");
	ok(!arn_function_parse("hello:a:b", &f), "two qualifiers");
	ok(!arn_function_parse("12345:function:hello", &f), "a short account");
	ok(!arn_function_parse("arn:aws:sqs:us-east-1:123456789012:function:x", &f),
	   "another service's ARN");
	char long_name[80];
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	ok(!arn_function_parse(long_name, &f), "a 65-character name");
	ok(arn_qualifier_is_version("$LATEST") && arn_qualifier_is_version("12") &&
		   !arn_qualifier_is_version("prod"),
	   "versions are $LATEST and numbers");
}

TEST(arn_function__writes_the_arn_with_its_qualifier)
{
	char out[200];
	arn_function_format(out, sizeof(out), "us-east-1", "123456789012", "conf-py", "$LATEST");
	is_str(out, "arn:aws:lambda:us-east-1:123456789012:function:conf-py:$LATEST",
	       "the qualifier it was invoked with stays");
	arn_function_format(out, sizeof(out), "us-east-1", "123456789012", "conf-py", NULL);
	is_str(out, "arn:aws:lambda:us-east-1:123456789012:function:conf-py", "none: none");
}

TEST(arn__reads_other_services)
{
	struct arn a;
	ok(arn_parse("arn:aws:s3:::bucket/key:with:colons", &a), "S3 (no region, no account)");
	is_str(a.resource, "bucket/key:with:colons", "... the resource keeps its colons");
	ok(!arn_parse("arn:aws:sqs:us-east-1:12:q", &a), "an account of 2 digits is refused");
	ok(!arn_parse("not:an:arn", &a), "three parts are not an ARN");
	char acct[13], name[300];
	ok(arn_sqs_queue("arn:aws:sqs:us-east-1:123456789012:orders", acct, name, 81), "a queue");
	is_str(name, "orders", "... its name");
	ok(arn_sns_topic("arn:aws:sns:us-east-1:123456789012:alerts:1f2e-sub", acct, name, 257),
	   "a subscription's ARN");
	is_str(name, "alerts", "... names its topic");
	ok(arn_event_bus("arn:aws:events:us-east-1:123456789012:event-bus/default", acct, name,
			 257),
	   "an event bus");
	is_str(name, "default", "... its name");
	ok(!arn_event_bus("arn:aws:events:us-east-1:123456789012:rule/x", acct, name, 257),
	   "a rule is not a bus");
	ok(!arn_sqs_queue("arn:aws:sns:us-east-1:123456789012:x", acct, name, 81),
	   "a topic is not a queue");
}

int main(void)
{
	RUN(arn_function__reads_every_form);
	RUN(arn_function__refuses_what_lambda_refuses);
	RUN(arn_function__writes_the_arn_with_its_qualifier);
	RUN(arn__reads_other_services);
	return done();
}
