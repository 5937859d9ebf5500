/*
 * Unit tests for cloud/events (the sample and front-door events), cloud/s3/xml and the bucket
 * notification document.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "aws/events.h"
#include "cloud/s3/s3.h"
#include "cloud/s3/xml.h"
#include "harness.h"

static cJSON *gen(const char *service, const char *type, const struct events_opts *o)
{
	struct error err;
	char *text = events_generate(service, type, o, &err);
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	free(text);
	return j;
}

static const char *path_str(const cJSON *j, const char *a, const char *b, const char *c)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, a);
	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	if (c)
		v = cJSON_GetObjectItemCaseSensitive(v, c);
	return cJSON_IsString(v) ? v->valuestring : "";
}

TEST(events_generate__s3_put_has_aws_record_fields)
{
	struct events_opts o = { .bucket = "photos", .key = "in/my photo+1.jpg", .size = 42 };
	cJSON *j = gen("s3", "put", &o);
	const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "Records"), 0);
	is_str(path_str(r, "eventVersion", NULL, NULL), "2.1", "eventVersion");
	is_str(path_str(r, "eventSource", NULL, NULL), "aws:s3", "eventSource");
	is_str(path_str(r, "eventName", NULL, NULL), "ObjectCreated:Put", "eventName");
	const cJSON *s3 = cJSON_GetObjectItem(r, "s3");
	is_str(path_str(s3, "bucket", "name", NULL), "photos", "bucket name");
	is_str(path_str(s3, "bucket", "arn", NULL), "arn:aws:s3:::photos", "bucket ARN");
	is_str(path_str(s3, "object", "key", NULL), "in/my+photo%2B1.jpg",
	       "the key is URL-encoded: space as +, + as %%2B, / kept");
	ok(cJSON_GetObjectItem(cJSON_GetObjectItem(s3, "object"), "size")->valueint == 42, "size");
	ok(strlen(path_str(s3, "object", "sequencer", NULL)) > 0, "a sequencer");
	cJSON_Delete(j);
	j = gen("s3", "delete", NULL);
	r = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "Records"), 0);
	is_str(path_str(r, "eventName", NULL, NULL), "ObjectRemoved:Delete", "delete's name");
	ok(!cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "s3"), "object"),
				"size"),
	   "a removed object has no size");
	cJSON_Delete(j);
}

TEST(events_generate__apigateway_parses_path_and_query)
{
	struct events_opts o = { .path = "/items/42?color=red&color=blue&q=a%20b",
				 .method = "PUT",
				 .body = "{\"n\":1}" };
	cJSON *j = gen("apigateway", "aws-proxy", &o);
	is_str(path_str(j, "httpMethod", NULL, NULL), "PUT", "method");
	is_str(path_str(j, "path", NULL, NULL), "/items/42", "path without the query");
	is_str(path_str(j, "queryStringParameters", "color", NULL), "blue",
	       "1.0 keeps the last of repeated parameters");
	ok(cJSON_GetArraySize(cJSON_GetObjectItem(
		   cJSON_GetObjectItem(j, "multiValueQueryStringParameters"), "color")) == 2,
	   "and all of them in multiValueQueryStringParameters");
	is_str(path_str(j, "queryStringParameters", "q", NULL), "a b", "values are decoded");
	is_str(path_str(j, "body", NULL, NULL), "{\"n\":1}", "the body");
	is_str(path_str(j, "requestContext", "stage", NULL), "prod", "a stage");
	cJSON_Delete(j);
	j = gen("apigateway", "http-api-proxy", &o);
	is_str(path_str(j, "version", NULL, NULL), "2.0", "payload 2.0");
	is_str(path_str(j, "rawQueryString", NULL, NULL), "color=red&color=blue&q=a%20b",
	       "the raw query string");
	is_str(path_str(j, "queryStringParameters", "color", NULL), "red,blue",
	       "2.0 joins repeated parameters with commas");
	is_str(path_str(j, "requestContext", "http", "method"), "PUT", "requestContext.http");
	is_str(path_str(j, "headers", "content-type", NULL), "application/json",
	       "2.0 headers are lowercase");
	cJSON_Delete(j);
	j = gen("alb", "request", NULL);
	ok(strstr(path_str(j, "requestContext", "elb", "targetGroupArn"), "targetgroup/") != NULL,
	   "ALB names its target group");
	cJSON_Delete(j);
}

TEST(events_generate__other_services_and_unknown_kinds)
{
	struct events_opts o = { .message = "hi", .topic = "orders" };
	cJSON *j = gen("sns", "notification", &o);
	const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "Records"), 0);
	is_str(path_str(r, "EventSource", NULL, NULL), "aws:sns", "SNS source");
	is_str(path_str(r, "Sns", "Message", NULL), "hi", "the message");
	ok(strstr(path_str(r, "Sns", "TopicArn", NULL), ":orders") != NULL, "the topic");
	cJSON_Delete(j);
	j = gen("sqs", "receive-message", NULL);
	r = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "Records"), 0);
	is_str(path_str(r, "md5OfBody", NULL, NULL), "7b270e59b47ff90a553787216d55d91d",
	       "md5OfBody is the body's MD5");
	cJSON_Delete(j);
	j = gen("cloudwatch", "scheduled-event", NULL);
	is_str(path_str(j, "detail-type", NULL, NULL), "Scheduled Event", "schedule");
	cJSON_Delete(j);
	struct error err;
	ok(events_generate("s3", "upload", NULL, &err) == NULL, "an unknown type is refused");
	ok(strstr(err.msg, "s3 put") != NULL, "and the message lists what there is: %s", err.msg);
}

TEST(s3_xml__parses_and_refuses)
{
	const char *doc = "<?xml version=\"1.0\"?><A xmlns=\"x\"><B>1 &amp; 2</B><C/>"
			  "<!-- c --><B>x</B></A>";
	cJSON *t = s3_xml_parse(doc, strlen(doc));
	ok(t != NULL, "a document with a declaration, attributes, entities and a comment");
	is_str(s3_xml_name(t), "A", "the root");
	is_str(s3_xml_text(s3_xml_child(t, "B")), "1 & 2", "entities decoded");
	ok(s3_xml_child(t, "C") != NULL, "self-closing elements");
	cJSON_Delete(t);
	static const char *const bad[] = { "<A><B></A>", "<A>",  "<A></A><B/>", "<A>&bogus;</A>",
					   "",           "text", "<A x=1></A>" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(s3_xml_parse(bad[i], strlen(bad[i])) == NULL, "refused: %s", bad[i]);
	char deep[400] = "";
	for (int i = 0; i < 40; i++)
		strcat(deep, "<a>");
	ok(s3_xml_parse(deep, strlen(deep)) == NULL, "too deep is refused, not a stack overflow");
}

TEST(s3_notify_parse__reads_configurations_and_filters)
{
	const char *doc =
		"<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		"<CloudFunctionConfiguration><Id>one</Id><CloudFunction>arn:aws:lambda:us-east-1:"
		"123456789012:function:f</CloudFunction><Event>s3:ObjectCreated:*</Event>"
		"<Filter><S3Key><FilterRule><Name>Prefix</Name><Value>in/</Value></FilterRule>"
		"<FilterRule><Name>suffix</Name><Value>.txt</Value></FilterRule></S3Key></Filter>"
		"</CloudFunctionConfiguration><QueueConfiguration><Queue>arn:aws:sqs:us-east-1:"
		"123456789012:q</Queue><Event>s3:ObjectRemoved:Delete</Event></QueueConfiguration>"
		"</NotificationConfiguration>";
	const char *code = NULL;
	char msg[256];
	cJSON *c = s3_notify_parse(doc, strlen(doc), &code, msg, sizeof(msg));
	ok(c != NULL, "parsed");
	const cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "Lambda"), 0);
	is_str(path_str(f, "Prefix", NULL, NULL), "in/", "prefix (any case)");
	is_str(path_str(f, "Suffix", NULL, NULL), ".txt", "suffix");
	const cJSON *q = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "Queue"), 0);
	ok(strlen(path_str(q, "Id", NULL, NULL)) > 0, "a missing Id is generated");
	/* The model's shape and back: what GetBucketNotificationConfiguration answers, and
	 * what another service's PutBucketNotificationConfiguration gives. */
	cJSON *m = s3_notify_to_model(c, false);
	const cJSON *lf =
		cJSON_GetArrayItem(cJSON_GetObjectItem(m, "LambdaFunctionConfigurations"), 0);
	const cJSON *rule = cJSON_GetArrayItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(lf, "Filter"), "Key"),
				    "FilterRules"),
		0);
	is_str(path_str(rule, "Name", NULL, NULL), "prefix", "written back: the rule's name");
	is_str(path_str(rule, "Value", NULL, NULL), "in/", "... and value");
	is_str(path_str(lf, "LambdaFunctionArn", NULL, NULL),
	       "arn:aws:lambda:us-east-1:123456789012:function:f", "... and the function");
	cJSON *back = s3_notify_from_model(m, &code, msg, sizeof(msg));
	ok(back != NULL, "the model's shape reads back");
	is_str(path_str(cJSON_GetArrayItem(cJSON_GetObjectItem(back, "Lambda"), 0), "Suffix", NULL,
			NULL),
	       ".txt", "... with its filter");
	cJSON *old = s3_notify_to_model(c, true);
	is_str(path_str(cJSON_GetObjectItem(old, "QueueConfiguration"), "Queue", NULL, NULL),
	       "arn:aws:sqs:us-east-1:123456789012:q", "the older form names one queue");
	cJSON_Delete(old);
	cJSON_Delete(back);
	cJSON_Delete(m);
	cJSON_Delete(c);
	const char *badev = "<NotificationConfiguration><QueueConfiguration><Queue>a</Queue>"
			    "<Event>s3:ObjectMade:*</Event></QueueConfiguration>"
			    "</NotificationConfiguration>";
	ok(s3_notify_parse(badev, strlen(badev), &code, msg, sizeof(msg)) == NULL &&
		   strcmp(code, "InvalidArgument") == 0,
	   "an unknown event is InvalidArgument");
	ok(s3_notify_parse("<Nope/>", 7, &code, msg, sizeof(msg)) == NULL &&
		   strcmp(code, "MalformedXML") == 0,
	   "another root is MalformedXML");
}

int main(void)
{
	RUN(events_generate__s3_put_has_aws_record_fields);
	RUN(events_generate__apigateway_parses_path_and_query);
	RUN(events_generate__other_services_and_unknown_kinds);
	RUN(s3_xml__parses_and_refuses);
	RUN(s3_notify_parse__reads_configurations_and_filters);
	return done();
}
