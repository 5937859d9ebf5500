/*
 * AWS errors in each protocol's own shape, as the AWS CLI, boto3 and the JavaScript SDK parse
 * them: rest-json's x-amzn-ErrorType, JSON 1.0/1.1's __type, query's ErrorResponse, EC2's
 * Response/Errors, rest-xml's Error, and rpc-v2-cbor's CBOR map.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/http/server.h"
#include "cloud/svc/svc.h"
#include "core/strbuf.h"

static void xml_escape(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			strbuf_addstr(sb, "&amp;");
			break;
		case '<':
			strbuf_addstr(sb, "&lt;");
			break;
		case '>':
			strbuf_addstr(sb, "&gt;");
			break;
		case '"':
			strbuf_addstr(sb, "&quot;");
			break;
		case '\'':
			strbuf_addstr(sb, "&apos;");
			break;
		default:
			strbuf_addch(sb, *s);
		}
	}
}

static void xml_text(struct strbuf *sb, const char *tag, const char *text)
{
	strbuf_addf(sb, "<%s>", tag);
	xml_escape(sb, text);
	strbuf_addf(sb, "</%s>", tag);
}

/* The error's extra fields that are strings or numbers, as elements. */
static void xml_fields(struct strbuf *sb, const cJSON *fields)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, fields)
	{
		if (cJSON_IsString(f)) {
			xml_text(sb, f->string, f->valuestring);
		} else if (cJSON_IsNumber(f)) {
			char num[32];
			snprintf(num, sizeof(num), "%.17g", f->valuedouble);
			xml_text(sb, f->string, num);
		}
	}
}

static void cbor_head(struct strbuf *sb, unsigned major, uint64_t n)
{
	unsigned char b[9];
	size_t len;
	if (n < 24) {
		b[0] = (unsigned char)(major << 5 | n);
		len = 1;
	} else if (n <= 0xff) {
		b[0] = (unsigned char)(major << 5 | 24);
		b[1] = (unsigned char)n;
		len = 2;
	} else if (n <= 0xffff) {
		b[0] = (unsigned char)(major << 5 | 25);
		b[1] = (unsigned char)(n >> 8);
		b[2] = (unsigned char)n;
		len = 3;
	} else {
		b[0] = (unsigned char)(major << 5 | 26);
		for (int i = 0; i < 4; i++)
			b[1 + i] = (unsigned char)(n >> (24 - 8 * i));
		len = 5;
	}
	strbuf_add(sb, b, len);
}

static void cbor_text(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);
	cbor_head(sb, 3, n);
	strbuf_add(sb, s, n);
}

static void json_body(struct http_resp *resp, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	strbuf_addstr(&resp->body, text);
	free(text);
	cJSON_Delete(o);
}

static cJSON *with_fields(cJSON *o, const cJSON *fields)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, fields)
	{
		if (f->string && !cJSON_GetObjectItemCaseSensitive(o, f->string))
			cJSON_AddItemToObject(o, f->string, cJSON_Duplicate(f, true));
	}
	return o;
}

void svc_err_write(enum svc_protocol p, const struct aws_err *e, const char *request_id,
		   struct http_resp *resp)
{
	const char *rid = request_id ? request_id : "";
	resp->status = e->status;
	strbuf_reset(&resp->body);
	struct strbuf *sb = &resp->body;
	cJSON *o;
	switch (p) {
	case SVC_REST_JSON:
		resp->content_type = "application/json";
		http_resp_header(resp, "x-amzn-ErrorType", e->code);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Type", e->server ? "Service" : "User");
		cJSON_AddStringToObject(o, "message", e->message);
		json_body(resp, with_fields(o, e->fields));
		return;
	case SVC_JSON:
		resp->content_type = "application/x-amz-json-1.1";
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "__type", e->code);
		cJSON_AddStringToObject(o, "message", e->message);
		json_body(resp, with_fields(o, e->fields));
		return;
	case SVC_QUERY:
		resp->content_type = "text/xml";
		strbuf_addstr(sb, "<?xml version=\"1.0\"?><ErrorResponse><Error>");
		xml_text(sb, "Type", e->server ? "Receiver" : "Sender");
		xml_text(sb, "Code", e->code);
		xml_text(sb, "Message", e->message);
		xml_fields(sb, e->fields);
		strbuf_addstr(sb, "</Error>");
		xml_text(sb, "RequestId", rid);
		strbuf_addstr(sb, "</ErrorResponse>");
		return;
	case SVC_EC2:
		resp->content_type = "text/xml";
		strbuf_addstr(
			sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error>");
		xml_text(sb, "Code", e->code);
		xml_text(sb, "Message", e->message);
		strbuf_addstr(sb, "</Error></Errors>");
		xml_text(sb, "RequestID", rid);
		strbuf_addstr(sb, "</Response>");
		return;
	case SVC_REST_XML:
		resp->content_type = "application/xml";
		strbuf_addstr(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
		xml_text(sb, "Code", e->code);
		xml_text(sb, "Message", e->message);
		xml_fields(sb, e->fields);
		xml_text(sb, "RequestId", rid);
		strbuf_addstr(sb, "</Error>");
		return;
	case SVC_CBOR:
		resp->content_type = "application/cbor";
		http_resp_header(resp, "smithy-protocol", "rpc-v2-cbor");
		cbor_head(sb, 5, 2);
		cbor_text(sb, "__type");
		cbor_text(sb, e->code);
		cbor_text(sb, "message");
		cbor_text(sb, e->message);
		return;
	}
	abort();
}
