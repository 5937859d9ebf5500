/*
 * Error shapes as AWS writes them. The pure helpers (accounts from access keys, ids, base64,
 * timestamps) are in awsutil.c, so that code which needs only them links without the server.
 */
#include "cloud/http/aws.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static void set_json_error(struct http_resp *resp, int status, const char *header_type, cJSON *body)
{
	char *text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	resp->status = status;
	strbuf_reset(&resp->body);
	strbuf_addstr(&resp->body, text);
	free(text);
	if (header_type)
		http_resp_header(resp, "x-amzn-ErrorType", header_type);
}

void aws_error(struct http_resp *resp, int status, const char *type, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "Type", status >= 500 ? "Service" : "User");
	/* Lambda's models spell the member Message in these, message in the rest. */
	static const char *const capital[] = { "ResourceNotFoundException", "ServiceException",
					       "ResourceInUseException", NULL };
	const char *key = "message";
	for (const char *const *k = capital; *k; k++)
		if (strcmp(type, *k) == 0)
			key = "Message";
	cJSON_AddStringToObject(body, key, msg);
	free(msg);
	set_json_error(resp, status, type, body);
}

void aws_throttle(struct http_resp *resp, const char *reason)
{
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "Reason", reason);
	cJSON_AddStringToObject(body, "Type", "User");
	cJSON_AddStringToObject(body, "message", "Rate Exceeded.");
	set_json_error(resp, 429, "TooManyRequestsException", body);
	http_resp_header(resp, "Retry-After", "1");
}

void aws_json_error(struct http_resp *resp, int status, const char *type, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "__type", type);
	cJSON_AddStringToObject(body, "message", msg);
	free(msg);
	set_json_error(resp, status, type, body);
}
