/*
 * Unit tests for cloud/sns/filter: SNS subscription filter policies, their checks with AWS's
 * messages, and the match against message attributes and message bodies.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/sns/filter.h"
#include "harness.h"

/* Attributes in SQS's shape from "name:Type=value" pairs separated by '|'. */
static cJSON *attrs_of(const char *spec)
{
	cJSON *o = cJSON_CreateObject();
	char *copy = strdup(spec), *save = NULL;
	for (char *p = strtok_r(copy, "|", &save); p; p = strtok_r(NULL, "|", &save)) {
		char *colon = strchr(p, ':'), *eq = strchr(p, '=');
		*colon = '\0';
		*eq = '\0';
		cJSON *a = cJSON_AddObjectToObject(o, p);
		cJSON_AddStringToObject(a, "DataType", colon + 1);
		cJSON_AddStringToObject(
			a, strncmp(colon + 1, "Binary", 6) == 0 ? "BinaryValue" : "StringValue",
			eq + 1);
	}
	free(copy);
	return o;
}

/* Does the policy (which must be valid) pass the attributes? */
static bool on_attrs(const char *policy, const char *spec)
{
	char msg[256];
	if (!sns_filter_check(policy, SNS_FILTER_ATTRIBUTES, msg, sizeof(msg))) {
		printf("# invalid policy %s: %s\n", policy, msg);
		return false;
	}
	cJSON *p = cJSON_Parse(policy), *a = attrs_of(spec);
	bool ok = sns_filter_match(p, SNS_FILTER_ATTRIBUTES, "body", a);
	cJSON_Delete(p);
	cJSON_Delete(a);
	return ok;
}

static bool on_body(const char *policy, const char *body)
{
	char msg[256];
	if (!sns_filter_check(policy, SNS_FILTER_BODY, msg, sizeof(msg))) {
		printf("# invalid policy %s: %s\n", policy, msg);
		return false;
	}
	cJSON *p = cJSON_Parse(policy);
	bool ok = sns_filter_match(p, SNS_FILTER_BODY, body, NULL);
	cJSON_Delete(p);
	return ok;
}

/* The reason a policy is refused, or "" when it is valid. */
static const char *why(const char *policy, enum sns_filter_scope scope)
{
	static char msg[256];
	if (sns_filter_check(policy, scope, msg, sizeof(msg)))
		return "";
	return msg;
}

TEST(sns_filter__exact_strings_and_numbers)
{
	const char *p = "{\"color\":[\"red\",\"blue\"]}";
	ok(on_attrs(p, "color:String=red"), "one of the values");
	ok(on_attrs(p, "color:String=blue"), "the other value");
	ok(!on_attrs(p, "color:String=Red"), "string matching is case-sensitive");
	ok(!on_attrs(p, "color:String=green"), "another value");
	ok(!on_attrs(p, "size:String=red"), "the attribute is missing");
	ok(!on_attrs(p, ""), "no attributes at all");
	p = "{\"price\":[301.5]}";
	ok(on_attrs(p, "price:Number=301.5"), "a number equal to the policy's");
	ok(on_attrs(p, "price:Number=3.015e2"), "the same number written otherwise");
	ok(on_attrs(p, "price:Number=301.500001"), "equal to five decimal places");
	ok(!on_attrs(p, "price:Number=301.51"), "a different number");
	ok(!on_attrs(p, "price:String=301.5"), "a number policy does not match a String");
	ok(!on_attrs("{\"n\":[\"5\"]}", "n:Number=5"), "a string policy does not match a Number");
	ok(on_attrs("{\"flag\":[true]}", "flag:String.Array=[true]"), "true in a String.Array");
	ok(on_attrs("{\"k\":[null]}", "k:String.Array=[null, \"x\"]"), "null in a String.Array");
}

TEST(sns_filter__string_arrays_match_any_element)
{
	const char *p = "{\"interests\":[\"rugby\",\"tennis\"]}";
	ok(on_attrs(p, "interests:String.Array=[\"rugby\",\"golf\"]"), "one element matches");
	ok(!on_attrs(p, "interests:String.Array=[\"baseball\"]"), "no element matches");
	ok(!on_attrs(p, "interests:String.Array=[]"), "an empty array matches nothing");
	ok(on_attrs("{\"n\":[{\"numeric\":[\">\",10]}]}", "n:String.Array=[1, 20]"),
	   "numbers in a String.Array compare as numbers");
	ok(!on_attrs(p, "interests:Binary=cnVnYnk="), "Binary attributes are never compared");
	ok(!on_attrs("{\"b\":[{\"exists\":true}]}", "b:Binary=AAAA"),
	   "a Binary attribute does not even exist for a policy");
}

TEST(sns_filter__anything_but)
{
	const char *p = "{\"color\":[{\"anything-but\":[\"red\",\"blue\"]}]}";
	ok(on_attrs(p, "color:String=green"), "a value not in the list");
	ok(!on_attrs(p, "color:String=red"), "a value in the list");
	ok(!on_attrs(p, ""), "anything-but needs the attribute");
	ok(on_attrs("{\"c\":[{\"anything-but\":\"red\"}]}", "c:String=blue"), "a single value");
	ok(!on_attrs("{\"c\":[{\"anything-but\":\"red\"}]}", "c:String=red"), "a single value");
	p = "{\"price\":[{\"anything-but\":[100,500]}]}";
	ok(on_attrs(p, "price:Number=101"), "numbers: 101 is not 100");
	ok(on_attrs(p, "price:Number=100.1"), "numbers: 100.1 is not 100");
	ok(!on_attrs(p, "price:Number=1e2"), "numbers: 1e2 is 100");
	p = "{\"event\":[{\"anything-but\":{\"prefix\":\"order-\"}}]}";
	ok(on_attrs(p, "event:String=invoice-1"), "anything but a prefix");
	ok(!on_attrs(p, "event:String=order-1"), "anything but a prefix: the prefix");
	p = "{\"file\":[{\"anything-but\":{\"suffix\":\".tmp\"}}]}";
	ok(on_attrs(p, "file:String=a.txt"), "anything but a suffix");
	ok(!on_attrs(p, "file:String=a.tmp"), "anything but a suffix: the suffix");
	p = "{\"s\":[{\"anything-but\":{\"equals-ignore-case\":\"DONE\"}}]}";
	ok(!on_attrs(p, "s:String=done"), "anything but a value in any case");
	ok(on_attrs(p, "s:String=open"), "anything but a value in any case: another");
}

TEST(sns_filter__prefix_suffix_and_ignore_case)
{
	ok(on_attrs("{\"k\":[{\"prefix\":\"bas\"}]}", "k:String=baseball"), "prefix");
	ok(!on_attrs("{\"k\":[{\"prefix\":\"bas\"}]}", "k:String=rugby"), "not the prefix");
	ok(!on_attrs("{\"k\":[{\"prefix\":\"1\"}]}", "k:Number=12"),
	   "prefixes are for strings only");
	ok(on_attrs("{\"k\":[{\"suffix\":\"ball\"}]}", "k:String=baseball"), "suffix");
	ok(!on_attrs("{\"k\":[{\"suffix\":\"ball\"}]}", "k:String=ba"), "shorter than the suffix");
	ok(on_attrs("{\"k\":[{\"equals-ignore-case\":\"RuGbY\"}]}", "k:String=rugby"),
	   "equals-ignore-case");
	ok(!on_attrs("{\"k\":[{\"equals-ignore-case\":\"rugby\"}]}", "k:String=rugby2"),
	   "equals-ignore-case: a longer value");
}

TEST(sns_filter__numeric_ranges)
{
	const char *p = "{\"price\":[{\"numeric\":[\">\",0,\"<=\",150]}]}";
	ok(on_attrs(p, "price:Number=150"), "the top is included with <=");
	ok(on_attrs(p, "price:Number=0.5"), "inside the range");
	ok(!on_attrs(p, "price:Number=0"), "the bottom is excluded with >");
	ok(!on_attrs(p, "price:Number=150.1"), "above the range");
	ok(!on_attrs(p, "price:String=100"), "numeric needs a Number");
	ok(on_attrs("{\"p\":[{\"numeric\":[\"=\",301.5]}]}", "p:Number=3.015e2"), "numeric =");
	ok(on_attrs("{\"p\":[{\"numeric\":[\"<\",0]}]}", "p:Number=-1"), "numeric <");
	ok(!on_attrs("{\"p\":[{\"numeric\":[\">=\",10]}]}", "p:Number=9.99999"), "numeric >=");
	ok(on_attrs("{\"p\":[{\"numeric\":[\">=\",10]}]}", "p:Number=9.999999"),
	   "five decimal places: 9.999999 is 10");
}

TEST(sns_filter__exists)
{
	ok(on_attrs("{\"k\":[{\"exists\":true}]}", "k:String=x"), "exists: present");
	ok(!on_attrs("{\"k\":[{\"exists\":true}]}", "j:String=x"), "exists: absent");
	ok(on_attrs("{\"k\":[{\"exists\":false}]}", "j:String=x"), "exists false: absent");
	ok(!on_attrs("{\"k\":[{\"exists\":false}]}", "k:String=x"), "exists false: present");
	ok(on_body("{\"a\":{\"b\":[{\"exists\":false}]}}", "{\"a\":{\"c\":1}}"),
	   "exists false on a nested key that is absent");
	ok(!on_body("{\"a\":[{\"exists\":true}]}", "{\"a\":{\"c\":1}}"),
	   "exists is about values, not objects");
}

TEST(sns_filter__and_across_keys_or_within_and_or_operator)
{
	const char *p = "{\"interests\":[\"rugby\"],\"price\":[{\"numeric\":[\">\",100]}]}";
	ok(on_attrs(p, "interests:String=rugby|price:Number=101"), "both keys match");
	ok(!on_attrs(p, "interests:String=rugby|price:Number=99"), "one key fails");
	ok(!on_attrs(p, "interests:String=rugby"), "one key is missing");
	p = "{\"source\":[\"aws.cloudwatch\"],\"$or\":[{\"metricName\":[\"CPUUtilization\"]},"
	    "{\"namespace\":[\"AWS/EC2\"]}]}";
	ok(on_attrs(p, "source:String=aws.cloudwatch|metricName:String=CPUUtilization"),
	   "$or: the first branch");
	ok(on_attrs(p, "source:String=aws.cloudwatch|namespace:String=AWS/EC2"),
	   "$or: the second branch");
	ok(!on_attrs(p, "source:String=aws.cloudwatch|namespace:String=AWS/S3"), "$or: no branch");
	ok(!on_attrs(p, "source:String=other|metricName:String=CPUUtilization"),
	   "$or: ANDed with the other keys");
	ok(on_attrs("{\"$or\":[\"x\"]}", "$or:String=x"),
	   "$or without two objects is an attribute name");
	ok(on_attrs("{}", "k:String=x"), "an empty policy passes everything");
}

TEST(sns_filter__cidr)
{
	const char *p = "{\"ip\":[{\"cidr\":\"10.0.0.0/24\"}]}";
	ok(on_attrs(p, "ip:String=10.0.0.255"), "inside the block");
	ok(!on_attrs(p, "ip:String=10.0.1.1"), "outside the block");
	ok(!on_attrs(p, "ip:String=not-an-ip"), "not an address");
	ok(on_attrs("{\"ip\":[{\"cidr\":\"2001:db8::/32\"}]}", "ip:String=2001:db8::1"), "IPv6");
}

TEST(sns_filter__message_body_nesting_and_arrays)
{
	const char *p = "{\"store\":[\"example_corp\"],\"customer\":{\"interests\":[\"rugby\"]}}";
	ok(on_body(p, "{\"store\":\"example_corp\",\"customer\":{\"interests\":\"rugby\"}}"),
	   "a nested key");
	ok(on_body(p, "{\"store\":\"example_corp\",\"customer\":{\"interests\":[\"golf\","
		      "\"rugby\"]}}"),
	   "an array in the body matches when one element does");
	ok(!on_body(p, "{\"store\":\"example_corp\",\"customer\":{\"interests\":\"golf\"}}"),
	   "a nested key that differs");
	ok(!on_body(p, "{\"store\":\"example_corp\"}"), "a nested key that is missing");
	ok(!on_body(p, "not json"), "a body that is not JSON");
	ok(!on_body(p, "[1,2]"), "a body that is not an object");
	ok(on_body("{\"a\":{\"b\":[1]}}", "{\"a\":[{\"b\":2},{\"b\":1}]}"),
	   "an array of objects on the path");
	ok(on_body("{\"price\":[{\"numeric\":[\">\",10]}]}", "{\"price\":11}"),
	   "numbers in the body");
	ok(!on_body("{\"price\":[\"11\"]}", "{\"price\":11}"), "a string policy, a number value");
	ok(on_body("{\"ok\":[true],\"v\":[null]}", "{\"ok\":true,\"v\":null}"), "true and null");
	ok(!on_body("{\"a\":[\"x\"]}", "{\"a\":{\"x\":1}}"), "an object is no value");
	cJSON *p2 = cJSON_Parse("{\"color\":[\"red\"]}");
	cJSON *a = attrs_of("color:String=red");
	ok(!sns_filter_match(p2, SNS_FILTER_BODY, "{\"x\":1}", a),
	   "a body policy ignores the attributes");
	ok(sns_filter_match(p2, SNS_FILTER_BODY, "{\"color\":\"red\"}", a),
	   "a body policy reads the body");
	ok(!sns_filter_match(p2, SNS_FILTER_ATTRIBUTES, "{\"color\":\"red\"}", NULL),
	   "an attribute policy ignores the body");
	cJSON_Delete(a);
	cJSON_Delete(p2);
}

TEST(sns_filter__limits)
{
	is_str(why("{\"a\":[1],\"b\":[1],\"c\":[1],\"d\":[1],\"e\":[1]}", SNS_FILTER_ATTRIBUTES),
	       "", "five keys");
	is_str(why("{\"a\":[1],\"b\":[1],\"c\":[1],\"d\":[1],\"e\":[1],\"f\":[1]}",
		   SNS_FILTER_ATTRIBUTES),
	       "FilterPolicy: Filter policy can not have more than 5 keys", "six keys");
	is_str(why("{\"a\":{\"x\":[1],\"y\":[1],\"z\":[1]},\"b\":{\"x\":[1],\"y\":[1]},"
		   "\"c\":[1],\"d\":[1],\"e\":[1]}",
		   SNS_FILTER_BODY),
	       "", "nested keys do not count in a body policy");
	is_str(why("{\"$or\":[{\"a\":[1],\"b\":[1],\"c\":[1]},{\"d\":[1],\"e\":[1],\"f\":[1]}]}",
		   SNS_FILTER_ATTRIBUTES),
	       "FilterPolicy: Filter policy can not have more than 5 keys",
	       "keys in $or branches count");
	/* 5 x 5 x 6 = 150 is the most; 151 values in one key is more. */
	char policy[4096] = "{\"a\":[1,2,3,4,5],\"b\":[1,2,3,4,5],\"c\":[1,2,3,4,5,6]}";
	is_str(why(policy, SNS_FILTER_ATTRIBUTES), "", "150 combinations");
	strcpy(policy, "{\"a\":[0");
	for (int i = 1; i <= 150; i++)
		sprintf(policy + strlen(policy), ",%d", i);
	strcat(policy, "]}");
	is_str(why(policy, SNS_FILTER_ATTRIBUTES), "FilterPolicy: Filter policy is too complex",
	       "151 combinations");
	is_str(why("{\"$or\":[{\"a\":[1,2,3,4,5,6,7,8,9,10]},{\"b\":[1,2,3,4,5]}],"
		   "\"c\":[1,2,3,4,5,6,7,8,9,10]}",
		   SNS_FILTER_ATTRIBUTES),
	       "", "$or branches add up: (10 + 5) x 10 = 150");
	is_str(why("{\"$or\":[{\"a\":[1,2,3,4,5,6,7,8,9,10]},{\"b\":[1,2,3,4,5,6]}],"
		   "\"c\":[1,2,3,4,5,6,7,8,9,10]}",
		   SNS_FILTER_ATTRIBUTES),
	       "FilterPolicy: Filter policy is too complex", "(10 + 6) x 10 = 160");
}

TEST(sns_filter__refuses_bad_policies_with_aws_reasons)
{
	const enum sns_filter_scope A = SNS_FILTER_ATTRIBUTES;
	is_str(why("", A), "", "an empty text is no policy");
	ok(strncmp(why("{\"a\":", A), "FilterPolicy: failed to parse JSON.", 35) == 0, "not JSON");
	is_str(why("[1]", A), "FilterPolicy: Filter policy must be a JSON object", "an array");
	is_str(why("{\"a\":\"x\"}", A), "FilterPolicy: \"a\" must be an object or an array",
	       "a bare value");
	is_str(why("{\"a\":[]}", A), "FilterPolicy: Empty arrays are not allowed", "[]");
	is_str(why("{\"a\":{\"b\":[\"x\"]}}", A),
	       "Filter policy scope MessageAttributes does not support nested filter policy",
	       "nesting on attributes");
	is_str(why("{\"a\":{\"b\":[\"x\"]}}", SNS_FILTER_BODY), "", "nesting on the body");
	is_str(why("{\"a\":[[1]]}", A),
	       "FilterPolicy: Match value must be String, number, true, false, or null",
	       "an array in an array");
	is_str(why("{\"a\":[{\"prefix\":\"x\",\"suffix\":\"y\"}]}", A),
	       "FilterPolicy: Only one key allowed in match expression", "two operators");
	is_str(why("{\"a\":[{\"wildcard\":\"x*\"}]}", A),
	       "FilterPolicy: Unrecognized match type wildcard", "an unknown operator");
	is_str(why("{\"a\":[{\"prefix\":1}]}", A),
	       "FilterPolicy: prefix match pattern must be a string", "a numeric prefix");
	is_str(why("{\"a\":[{\"exists\":\"yes\"}]}", A),
	       "FilterPolicy: exists match pattern must be either true or false.", "exists");
	is_str(why("{\"a\":[{\"anything-but\":{\"wildcard\":\"x\"}}]}", A),
	       "FilterPolicy: Unsupported anything-but pattern: wildcard", "anything-but");
	is_str(why("{\"a\":[{\"numeric\":[\"!=\",1]}]}", A),
	       "FilterPolicy: Unrecognized numeric range operator: !=", "numeric operator");
	is_str(why("{\"a\":[{\"numeric\":[\"=\",\"1\"]}]}", A),
	       "FilterPolicy: Value of equals must be numeric", "numeric value");
	is_str(why("{\"a\":[{\"numeric\":[\"<\",1,\">\",0]}]}", A),
	       "FilterPolicy: Too many elements in numeric expression", "< first in a range");
	is_str(why("{\"a\":[{\"numeric\":[\">\",1,\">\",5]}]}", A),
	       "FilterPolicy: Bad numeric range operator: >", "> twice");
	is_str(why("{\"a\":[{\"numeric\":[\">\",5,\"<\",1]}]}", A),
	       "FilterPolicy: Bottom must be less than top", "an upside-down range");
	is_str(why("{\"a\":[{\"numeric\":[\">\",0,\"<\",5,\"<\",6]}]}", A),
	       "FilterPolicy: Too many terms in numeric range expression", "three terms");
	is_str(why("{\"a\":[{\"numeric\":[]}]}", A),
	       "FilterPolicy: Invalid member in numeric match: ]", "an empty numeric");
	is_str(why("{\"a\":[{\"cidr\":\"10.0.0.1\"}]}", A),
	       "FilterPolicy: Malformed CIDR, one '/' required", "cidr without a mask");
	is_str(why("{\"a\":[{\"cidr\":\"10.0.0.1/x\"}]}", A),
	       "FilterPolicy: Malformed CIDR, mask bits must be an integer", "cidr mask");
	is_str(why("{\"a\":[{\"cidr\":\"10.0.0.300/8\"}]}", A),
	       "FilterPolicy: Nonstandard IP address: 10.0.0.300", "cidr address");
}

TEST(sns_filter__event_patterns)
{
	char msg[256];
	ok(sns_filter_check_pattern("{\"a\":[1],\"b\":[1],\"c\":[1],\"d\":[1],\"e\":[1],"
				    "\"f\":[1]}",
				    msg, sizeof(msg)),
	   "a pattern has no limit of 5 keys");
	ok(!sns_filter_check_pattern("{\"source\":\"x\"}", msg, sizeof(msg)),
	   "a value that is not an array");
	is_str(msg, "\"source\" must be an object or an array", "... the reason alone");
	ok(!sns_filter_check_pattern("", msg, sizeof(msg)), "an empty pattern");
	cJSON *p = cJSON_Parse("{\"source\":[\"lambda\"],\"detail\":{\"requestContext\":"
			       "{\"condition\":[\"Success\"]}}}");
	cJSON *ev = cJSON_Parse("{\"source\":\"lambda\",\"detail\":{\"requestContext\":"
				"{\"condition\":\"Success\"}}}");
	ok(sns_filter_match_json(p, ev), "a nested pattern on a whole event");
	cJSON_ReplaceItemInObject(ev, "source", cJSON_CreateString("app"));
	ok(!sns_filter_match_json(p, ev), "another source");
	cJSON_Delete(ev);
	cJSON_Delete(p);
}

TEST(sns_filter__scope_names)
{
	enum sns_filter_scope s = SNS_FILTER_BODY;
	ok(sns_filter_scope_parse(NULL, &s) && s == SNS_FILTER_ATTRIBUTES, "the default");
	ok(sns_filter_scope_parse("MessageBody", &s) && s == SNS_FILTER_BODY, "MessageBody");
	ok(sns_filter_scope_parse("MessageAttributes", &s) && s == SNS_FILTER_ATTRIBUTES,
	   "MessageAttributes");
	ok(!sns_filter_scope_parse("Body", &s), "anything else");
}

int main(void)
{
	RUN(sns_filter__exact_strings_and_numbers);
	RUN(sns_filter__string_arrays_match_any_element);
	RUN(sns_filter__anything_but);
	RUN(sns_filter__prefix_suffix_and_ignore_case);
	RUN(sns_filter__numeric_ranges);
	RUN(sns_filter__exists);
	RUN(sns_filter__and_across_keys_or_within_and_or_operator);
	RUN(sns_filter__cidr);
	RUN(sns_filter__message_body_nesting_and_arrays);
	RUN(sns_filter__limits);
	RUN(sns_filter__refuses_bad_policies_with_aws_reasons);
	RUN(sns_filter__event_patterns);
	RUN(sns_filter__scope_names);
	return done();
}
