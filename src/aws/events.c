/*
 * Event builders, shared by generate-event and the HTTP front doors.
 */
#include "aws/events.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/aws.h"
#include "core/digest.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"

const struct events_kind events_kinds[] = {
	{ "apigateway", "aws-proxy", "API Gateway REST API proxy request (payload 1.0)" },
	{ "apigateway", "http-api-proxy", "API Gateway HTTP API request (payload 2.0)" },
	{ "alb", "request", "Application Load Balancer request" },
	{ "lambda", "function-url", "Lambda function URL request" },
	{ "s3", "put", "S3 object created (ObjectCreated:Put)" },
	{ "s3", "delete", "S3 object removed (ObjectRemoved:Delete)" },
	{ "sns", "notification", "SNS topic notification" },
	{ "sqs", "receive-message", "SQS messages for an event source mapping" },
	{ "cloudwatch", "scheduled-event", "EventBridge (CloudWatch Events) scheduled event" },
};
const size_t events_kind_count = sizeof(events_kinds) / sizeof(events_kinds[0]);

static char hexval(char h)
{
	return (char)(h >= '0' && h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
}

/* Decode %XX and '+' (query strings). */
static char *qs_decode(const char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			strbuf_addch(&sb, ' ');
		} else if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
			   isxdigit((unsigned char)s[i + 2])) {
			char v = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			if (v)
				strbuf_addch(&sb, v);
			i += 2;
		} else {
			strbuf_addch(&sb, s[i]);
		}
	}
	char *out = strbuf_detach(&sb);
	strbuf_release(&sb);
	return out;
}

/* Query parameters: single (last value wins, as API Gateway 1.0 does) and multi. */
static void add_query(cJSON *ev, const char *query, const char *single_name, const char *multi_name,
		      bool v2)
{
	cJSON *single = cJSON_CreateObject(), *multi = cJSON_CreateObject();
	const char *p = query ? query : "";
	while (*p) {
		size_t len = strcspn(p, "&");
		if (len > 0) {
			const char *eq = memchr(p, '=', len);
			char *k = qs_decode(p, eq ? (size_t)(eq - p) : len);
			char *v = eq ? qs_decode(eq + 1, len - (size_t)(eq + 1 - p)) : xstrdup("");
			cJSON *arr = cJSON_GetObjectItemCaseSensitive(multi, k);
			if (!arr)
				arr = cJSON_AddArrayToObject(multi, k);
			cJSON_AddItemToArray(arr, cJSON_CreateString(v));
			cJSON *prev = cJSON_GetObjectItemCaseSensitive(single, k);
			if (prev && v2) {
				/* 2.0 joins repeated values with commas. */
				char *joined = xasprintf("%s,%s", prev->valuestring, v);
				cJSON_ReplaceItemInObjectCaseSensitive(single, k,
								       cJSON_CreateString(joined));
				free(joined);
			} else if (prev) {
				cJSON_ReplaceItemInObjectCaseSensitive(single, k,
								       cJSON_CreateString(v));
			} else {
				cJSON_AddStringToObject(single, k, v);
			}
			free(k);
			free(v);
		}
		p += len;
		if (*p == '&')
			p++;
	}
	bool empty = cJSON_GetArraySize(single) == 0;
	if (empty && v2) {
		cJSON_Delete(single);
	} else if (empty) {
		cJSON_AddNullToObject(ev, single_name);
		cJSON_Delete(single);
	} else {
		cJSON_AddItemToObject(ev, single_name, single);
	}
	if (multi_name && !empty) {
		cJSON_AddItemToObject(ev, multi_name, multi);
	} else {
		if (multi_name)
			cJSON_AddNullToObject(ev, multi_name);
		cJSON_Delete(multi);
	}
}

static void add_headers(cJSON *ev, const struct events_http *h, bool lower, bool multi)
{
	cJSON *single = cJSON_AddObjectToObject(ev, "headers");
	cJSON *mv = multi ? cJSON_AddObjectToObject(ev, "multiValueHeaders") : NULL;
	for (const char *const *p = h->headers; p && p[0] && p[1]; p += 2) {
		char *name = xstrdup(p[0]);
		if (lower)
			for (char *q = name; *q; q++)
				if (*q >= 'A' && *q <= 'Z')
					*q = (char)(*q - 'A' + 'a');
		if (lower && strcmp(name, "cookie") == 0 && !multi) {
			free(name);
			continue; /* 2.0 moves cookies to their own list */
		}
		cJSON *prev = cJSON_GetObjectItemCaseSensitive(single, name);
		if (prev && lower) {
			char *joined = xasprintf("%s,%s", prev->valuestring, p[1]);
			cJSON_ReplaceItemInObjectCaseSensitive(single, name,
							       cJSON_CreateString(joined));
			free(joined);
		} else if (prev) {
			cJSON_ReplaceItemInObjectCaseSensitive(single, name,
							       cJSON_CreateString(p[1]));
		} else {
			cJSON_AddStringToObject(single, name, p[1]);
		}
		if (mv) {
			cJSON *arr = cJSON_GetObjectItemCaseSensitive(mv, name);
			if (!arr)
				arr = cJSON_AddArrayToObject(mv, name);
			cJSON_AddItemToArray(arr, cJSON_CreateString(p[1]));
		}
		free(name);
	}
}

static const char *header(const struct events_http *h, const char *name)
{
	for (const char *const *p = h->headers; p && p[0] && p[1]; p += 2)
		if (strcasecmp(p[0], name) == 0)
			return p[1];
	return NULL;
}

static void add_body(cJSON *ev, const struct events_http *h, bool null_when_empty)
{
	if (!h->body || (h->body_len == 0 && null_when_empty)) {
		if (null_when_empty)
			cJSON_AddNullToObject(ev, "body");
		cJSON_AddBoolToObject(ev, "isBase64Encoded", false);
		return;
	}
	if (h->body_base64) {
		char *b = aws_base64_encode(h->body, h->body_len);
		cJSON_AddStringToObject(ev, "body", b);
		free(b);
	} else {
		char *b = xstrndup(h->body, h->body_len);
		cJSON_AddStringToObject(ev, "body", b);
		free(b);
	}
	cJSON_AddBoolToObject(ev, "isBase64Encoded", h->body_base64);
}

static void clf_time(long long ms, char out[40])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 40, "%d/%b/%Y:%H:%M:%S +0000", &tm);
}

cJSON *events_apigw_v1(const struct events_http *h)
{
	cJSON *ev = cJSON_CreateObject();
	const char *resource = h->resource ? h->resource : h->path;
	cJSON_AddStringToObject(ev, "resource", resource);
	cJSON_AddStringToObject(ev, "path", h->path);
	cJSON_AddStringToObject(ev, "httpMethod", h->method);
	add_headers(ev, h, false, true);
	add_query(ev, h->query, "queryStringParameters", "multiValueQueryStringParameters", false);
	if (h->path_params && cJSON_GetArraySize(h->path_params) > 0)
		cJSON_AddItemToObject(ev, "pathParameters", cJSON_Duplicate(h->path_params, true));
	else
		cJSON_AddNullToObject(ev, "pathParameters");
	cJSON_AddNullToObject(ev, "stageVariables");
	cJSON *rc = cJSON_AddObjectToObject(ev, "requestContext");
	cJSON_AddStringToObject(rc, "accountId", h->account);
	cJSON_AddStringToObject(rc, "apiId", h->api_id);
	cJSON_AddStringToObject(rc, "domainName", "localhost");
	cJSON_AddStringToObject(rc, "domainPrefix", h->api_id);
	cJSON_AddStringToObject(rc, "extendedRequestId", h->request_id);
	cJSON_AddStringToObject(rc, "httpMethod", h->method);
	cJSON *id = cJSON_AddObjectToObject(rc, "identity");
	cJSON_AddNullToObject(id, "accessKey");
	cJSON_AddNullToObject(id, "accountId");
	cJSON_AddNullToObject(id, "caller");
	cJSON_AddNullToObject(id, "cognitoIdentityId");
	cJSON_AddStringToObject(id, "sourceIp", h->source_ip ? h->source_ip : "127.0.0.1");
	const char *ua = header(h, "User-Agent");
	if (ua)
		cJSON_AddStringToObject(id, "userAgent", ua);
	else
		cJSON_AddNullToObject(id, "userAgent");
	cJSON_AddNullToObject(id, "user");
	char *full = xasprintf("/%s%s", h->stage, h->path);
	cJSON_AddStringToObject(rc, "path", full);
	free(full);
	cJSON_AddStringToObject(rc, "protocol", "HTTP/1.1");
	cJSON_AddStringToObject(rc, "requestId", h->request_id);
	char when[40];
	clf_time(h->epoch_ms, when);
	cJSON_AddStringToObject(rc, "requestTime", when);
	cJSON_AddNumberToObject(rc, "requestTimeEpoch", (double)h->epoch_ms);
	cJSON_AddStringToObject(rc, "resourceId", "abcdef");
	cJSON_AddStringToObject(rc, "resourcePath", resource);
	cJSON_AddStringToObject(rc, "stage", h->stage);
	add_body(ev, h, true);
	return ev;
}

static void add_cookies(cJSON *ev, const struct events_http *h)
{
	cJSON *arr = NULL;
	for (const char *const *p = h->headers; p && p[0] && p[1]; p += 2) {
		if (strcasecmp(p[0], "Cookie") != 0)
			continue;
		const char *s = p[1];
		while (*s) {
			while (*s == ' ')
				s++;
			size_t len = strcspn(s, ";");
			if (len) {
				if (!arr)
					arr = cJSON_AddArrayToObject(ev, "cookies");
				char *one = xstrndup(s, len);
				cJSON_AddItemToArray(arr, cJSON_CreateString(one));
				free(one);
			}
			s += len;
			if (*s == ';')
				s++;
		}
	}
}

static cJSON *v2_common(const struct events_http *h, const char *route_key, const char *domain,
			const char *prefix)
{
	cJSON *ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "version", "2.0");
	cJSON_AddStringToObject(ev, "routeKey", route_key);
	cJSON_AddStringToObject(ev, "rawPath", h->path);
	cJSON_AddStringToObject(ev, "rawQueryString", h->query ? h->query : "");
	add_cookies(ev, h);
	add_headers(ev, h, true, false);
	add_query(ev, h->query, "queryStringParameters", NULL, true);
	cJSON *rc = cJSON_AddObjectToObject(ev, "requestContext");
	cJSON_AddStringToObject(rc, "accountId", h->account);
	cJSON_AddStringToObject(rc, "apiId", h->api_id);
	cJSON_AddStringToObject(rc, "domainName", domain);
	cJSON_AddStringToObject(rc, "domainPrefix", prefix);
	cJSON *http = cJSON_AddObjectToObject(rc, "http");
	cJSON_AddStringToObject(http, "method", h->method);
	cJSON_AddStringToObject(http, "path", h->path);
	cJSON_AddStringToObject(http, "protocol", "HTTP/1.1");
	cJSON_AddStringToObject(http, "sourceIp", h->source_ip ? h->source_ip : "127.0.0.1");
	const char *ua = header(h, "User-Agent");
	cJSON_AddStringToObject(http, "userAgent", ua ? ua : "");
	cJSON_AddStringToObject(rc, "requestId", h->request_id);
	cJSON_AddStringToObject(rc, "routeKey", route_key);
	cJSON_AddStringToObject(rc, "stage", h->stage ? h->stage : "$default");
	char when[40];
	clf_time(h->epoch_ms, when);
	cJSON_AddStringToObject(rc, "time", when);
	cJSON_AddNumberToObject(rc, "timeEpoch", (double)h->epoch_ms);
	add_body(ev, h, false);
	return ev;
}

cJSON *events_apigw_v2(const struct events_http *h, const char *route_key)
{
	char domain[128];
	snprintf(domain, sizeof(domain), "%s.execute-api.localhost", h->api_id);
	cJSON *ev = v2_common(h, route_key, domain, h->api_id);
	if (h->path_params && cJSON_GetArraySize(h->path_params) > 0)
		cJSON_AddItemToObject(ev, "pathParameters", cJSON_Duplicate(h->path_params, true));
	cJSON_AddNullToObject(ev, "stageVariables");
	return ev;
}

cJSON *events_function_url(const struct events_http *h, const char *url_id)
{
	char domain[128];
	snprintf(domain, sizeof(domain), "%s.lambda-url.localhost", url_id);
	cJSON *ev = v2_common(h, "$default", domain, url_id);
	return ev;
}

cJSON *events_alb(const struct events_http *h, const char *target_group_arn)
{
	cJSON *ev = cJSON_CreateObject();
	cJSON *rc = cJSON_AddObjectToObject(ev, "requestContext");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(rc, "elb"), "targetGroupArn",
				target_group_arn);
	cJSON_AddStringToObject(ev, "httpMethod", h->method);
	cJSON_AddStringToObject(ev, "path", h->path);
	/* Without multi-value headers enabled, ALB passes the query string as it came. */
	cJSON *q = cJSON_AddObjectToObject(ev, "queryStringParameters");
	const char *p = h->query ? h->query : "";
	while (*p) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		char *k = xstrndup(p, eq ? (size_t)(eq - p) : len);
		char *v = eq ? xstrndup(eq + 1, len - (size_t)(eq + 1 - p)) : xstrdup("");
		if (len && !cJSON_GetObjectItemCaseSensitive(q, k))
			cJSON_AddStringToObject(q, k, v);
		free(k);
		free(v);
		p += len;
		if (*p == '&')
			p++;
	}
	add_headers(ev, h, true, false);
	add_body(ev, h, false);
	if (!cJSON_GetObjectItemCaseSensitive(ev, "body"))
		cJSON_AddStringToObject(ev, "body", "");
	return ev;
}

/* ---- generate-event ---- */

static char *split_path(const char *path, const char **query)
{
	const char *q = strchr(path, '?');
	*query = q ? q + 1 : NULL;
	return q ? xstrndup(path, (size_t)(q - path)) : xstrdup(path);
}

static cJSON *sample_http(const char *type, const struct events_opts *o, const char *account)
{
	const char *query = NULL;
	char *path = split_path(o->path ? o->path : "/hello?name=Ada", &query);
	const char *body = o->body;
	static const char *const hdrs[] = {
		"Accept", "application/json", "Content-Type", "application/json",
		"Host",   "localhost",        "User-Agent",   "curl/8.5.0",
		NULL
	};
	struct events_http h = {
		.method = o->method ? o->method : (body ? "POST" : "GET"),
		.path = path,
		.query = query,
		.headers = hdrs,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.source_ip = "127.0.0.1",
		.account = account,
		.api_id = "a1b2c3d4e5",
		.stage = strcmp(type, "aws-proxy") == 0 ? "prod" : "$default",
		.request_id = "4d9e2b71-0c3a-4f58-a6e2-93b1f07c5d28",
		.epoch_ms = 1764230400000LL,
	};
	cJSON *ev = NULL;
	if (strcmp(type, "aws-proxy") == 0) {
		ev = events_apigw_v1(&h);
	} else if (strcmp(type, "http-api-proxy") == 0) {
		char *rk = xasprintf("%s %s", h.method, path);
		ev = events_apigw_v2(&h, rk);
		free(rk);
	} else if (strcmp(type, "function-url") == 0) {
		ev = events_function_url(&h, "abcdefghijklmnopqrstuvwxyz012345");
	} else {
		char *tg = xasprintf("arn:aws:elasticloadbalancing:us-east-1:%s:targetgroup/"
				     "lambda-target/abcdef0123456789",
				     account);
		ev = events_alb(&h, tg);
		free(tg);
	}
	free(path);
	return ev;
}

static cJSON *records(cJSON *one)
{
	cJSON *ev = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(ev, "Records"), one);
	return ev;
}

char *events_generate(const char *service, const char *type, const struct events_opts *o,
		      struct error *err)
{
	static const struct events_opts none = { 0 };
	if (!o)
		o = &none;
	const char *account = o->account ? o->account : "123456789012";
	const char *region = o->region ? o->region : AWS_REGION_NAME;
	bool known = false;
	for (size_t i = 0; i < events_kind_count; i++)
		known = known || (strcmp(events_kinds[i].service, service) == 0 &&
				  strcmp(events_kinds[i].type, type) == 0);
	if (!known) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < events_kind_count; i++)
			strbuf_addf(&sb, "%s%s %s", i ? ", " : "", events_kinds[i].service,
				    events_kinds[i].type);
		error_set(err, "no sample event '%s %s'; there are: %s", service, type, sb.buf);
		strbuf_release(&sb);
		return NULL;
	}
	cJSON *ev = NULL;
	if (strcmp(service, "apigateway") == 0 || strcmp(service, "alb") == 0 ||
	    strcmp(service, "lambda") == 0) {
		ev = sample_http(type, o, account);
	} else if (strcmp(service, "s3") == 0) {
		bool put = strcmp(type, "put") == 0;
		struct s3_change ch = {
			.account = account,
			.bucket = o->bucket ? o->bucket : "uploads-7f3c2a",
			.key = o->key ? o->key : "test/key",
			.event = put ? "ObjectCreated:Put" : "ObjectRemoved:Delete",
			.size = o->size > 0 ? o->size : 1024,
			.etag = "0123456789abcdef0123456789abcdef",
			.source_ip = "127.0.0.1",
			.principal = account,
		};
		cJSON *r = s3_event_record(&ch, "uploads-to-lambda", 1764230400000LL);
		cJSON_ReplaceItemInObjectCaseSensitive(r, "awsRegion", cJSON_CreateString(region));
		ev = records(r);
	} else if (strcmp(service, "sns") == 0) {
		char *topic = xasprintf("arn:aws:sns:%s:%s:%s", region, account,
					o->topic ? o->topic : "ExampleTopic");
		char *sub = xasprintf("%s:0f6d8a24-93c1-4b7e-a2d5-7c4e9b1f8e36", topic);
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "EventVersion", "1.0");
		cJSON_AddStringToObject(r, "EventSubscriptionArn", sub);
		cJSON_AddStringToObject(r, "EventSource", "aws:sns");
		cJSON *s = cJSON_AddObjectToObject(r, "Sns");
		cJSON_AddStringToObject(s, "SignatureVersion", "1");
		cJSON_AddStringToObject(s, "Timestamp", "2025-11-27T08:00:00.000Z");
		cJSON_AddStringToObject(s, "Signature", "bm90IGEgcmVhbCBzaWduYXR1cmU=");
		cJSON_AddStringToObject(
			s, "SigningCertUrl",
			"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-sample.pem");
		cJSON_AddStringToObject(s, "MessageId", "e3a17c52-8b0d-4f94-b2c6-5d8e1f4a7b90");
		cJSON_AddStringToObject(s, "Message", o->message ? o->message : "Hello from SNS!");
		cJSON_AddObjectToObject(s, "MessageAttributes");
		cJSON_AddStringToObject(s, "Type", "Notification");
		char *unsub = xasprintf("https://sns.%s.amazonaws.com/?Action=Unsubscribe&"
					"SubscriptionArn=%s",
					region, sub);
		cJSON_AddStringToObject(s, "UnsubscribeUrl", unsub);
		free(unsub);
		cJSON_AddStringToObject(s, "TopicArn", topic);
		if (o->subject)
			cJSON_AddStringToObject(s, "Subject", o->subject);
		else
			cJSON_AddStringToObject(s, "Subject", "example subject");
		free(topic);
		free(sub);
		ev = records(r);
	} else if (strcmp(service, "sqs") == 0) {
		const char *body = o->body ? o->body : o->message ? o->message : "Hello from SQS!";
		char md5[33];
		md5_hex(body, strlen(body), md5);
		char *arn = xasprintf("arn:aws:sqs:%s:%s:%s", region, account,
				      o->queue ? o->queue : "MyQueue");
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "messageId", "a5c93e07-1f6b-4d28-8b4e-6e0d2c9f3a15");
		cJSON_AddStringToObject(r, "receiptHandle", "AQEBm7sample+receipt/handle==");
		cJSON_AddStringToObject(r, "body", body);
		cJSON *a = cJSON_AddObjectToObject(r, "attributes");
		cJSON_AddStringToObject(a, "ApproximateReceiveCount", "1");
		cJSON_AddStringToObject(a, "SentTimestamp", "1764230400000");
		cJSON_AddStringToObject(a, "SenderId", account);
		cJSON_AddStringToObject(a, "ApproximateFirstReceiveTimestamp", "1764230400001");
		cJSON_AddObjectToObject(r, "messageAttributes");
		cJSON_AddStringToObject(r, "md5OfBody", md5);
		cJSON_AddStringToObject(r, "eventSource", "aws:sqs");
		cJSON_AddStringToObject(r, "eventSourceARN", arn);
		cJSON_AddStringToObject(r, "awsRegion", region);
		free(arn);
		ev = records(r);
	} else {
		ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "version", "0");
		cJSON_AddStringToObject(ev, "id", "7b2f4e19-d6a3-4c81-9e05-2a6c8f3b1d74");
		cJSON_AddStringToObject(ev, "detail-type", "Scheduled Event");
		cJSON_AddStringToObject(ev, "source", "aws.events");
		cJSON_AddStringToObject(ev, "account", account);
		cJSON_AddStringToObject(ev, "time", "2025-11-27T08:00:00Z");
		cJSON_AddStringToObject(ev, "region", region);
		char *rule = xasprintf("arn:aws:events:%s:%s:rule/ExampleRule", region, account);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(ev, "resources"),
				     cJSON_CreateString(rule));
		free(rule);
		cJSON_AddObjectToObject(ev, "detail");
	}
	char *text = cJSON_Print(ev);
	cJSON_Delete(ev);
	return text;
}
