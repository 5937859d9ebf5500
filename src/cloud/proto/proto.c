/*
 * Telling a request's protocol and operation apart, and dispatching to each protocol's codec;
 * errors in each protocol's own shape.
 */
#include "cloud/proto/proto.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/http/server.h"
#include "cloud/proto/codec.h"
#include "cloud/proto/model.h"

static bool starts_with_ci(const char *s, const char *prefix)
{
	return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static bool query_has(const struct proto_req *req, const char *name)
{
	for (size_t i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].name, name) == 0)
			return true;
	return false;
}

enum proto_protocol proto_sniff(const struct proto_service *svc, const struct proto_req *req)
{
	const char *ctype = proto_req_header(req, "Content-Type");
	const char *smithy = proto_req_header(req, "smithy-protocol");
	if (proto_service_speaks(svc, PROTO_CBOR) &&
	    ((smithy && strcmp(smithy, "rpc-v2-cbor") == 0) ||
	     strncmp(req->path, "/service/", 9) == 0))
		return PROTO_CBOR;
	if (proto_service_speaks(svc, PROTO_JSON) && proto_req_header(req, "X-Amz-Target"))
		return PROTO_JSON;
	if (proto_service_speaks(svc, PROTO_QUERY) &&
	    (starts_with_ci(ctype, "application/x-www-form-urlencoded") ||
	     query_has(req, "Action")))
		return PROTO_QUERY;
	if (proto_service_speaks(svc, PROTO_REST_JSON))
		return PROTO_REST_JSON;
	if (proto_service_speaks(svc, PROTO_REST_XML))
		return PROTO_REST_XML;
	/* Nothing fits: answer in the protocol the service's newest clients speak. */
	return (enum proto_protocol)svc->protocol;
}

static bool unknown_op(struct codec_ctx *cx, const char *what)
{
	if (cx->p == PROTO_QUERY)
		return aws_err_set(cx->err, 400, "InvalidAction",
				   "The action %s is not valid for this web service.", what);
	return aws_err_set(cx->err, 400, "UnknownOperationException",
			   "Operation %s is not an operation of %s", what, cx->svc->model);
}

static bool find_json_op(struct codec_ctx *cx, const struct proto_req *req)
{
	const char *target = proto_req_header(req, "X-Amz-Target");
	const char *pre = cx->svc->target_prefix;
	size_t n = pre ? strlen(pre) : 0;
	if (!target || !pre || strncmp(target, pre, n) != 0 || target[n] != '.')
		return unknown_op(cx, target ? target : "(no X-Amz-Target)");
	cx->op = proto_op_find(cx->svc, target + n + 1);
	return cx->op ? true : unknown_op(cx, target);
}

static bool find_cbor_op(struct codec_ctx *cx, const struct proto_req *req)
{
	char want[160];
	snprintf(want, sizeof(want), "/service/%s/operation/", cx->svc->cbor_name);
	size_t n = strlen(want);
	if (strncmp(req->path, want, n) != 0 || strcmp(req->method, "POST") != 0)
		return aws_err_set(cx->err, 404, "UnknownOperationException",
				   "%s %s is not an operation of %s", req->method, req->path,
				   cx->svc->model);
	cx->op = proto_op_find(cx->svc, req->path + n);
	return cx->op ? true : unknown_op(cx, req->path + n);
}

static bool decode_json(struct codec_ctx *cx, const struct proto_req *req, cJSON **out)
{
	const char *body = req->body && req->body_len ? req->body : "{}";
	size_t len = req->body && req->body_len ? req->body_len : 2;
	cJSON *v = cJSON_ParseWithLength(body, len);
	*out = NULL;
	if (!v)
		return codec_bad_body(cx, "Could not parse request body into json");
	if (!cJSON_IsObject(v)) {
		cJSON_Delete(v);
		return codec_bad_body(cx, "Start of structure or map expected");
	}
	if (cx->op->input && !codec_json_in(cx, cx->op->input, v, false)) {
		cJSON_Delete(v);
		return false;
	}
	if (!cx->op->input) {
		cJSON_Delete(v);
		v = cJSON_CreateObject();
	}
	*out = v;
	return true;
}

bool proto_decode(const struct proto_service *svc, const struct proto_req *req,
		  const char *const *unchecked, struct proto_decoded *out, struct aws_err *err)
{
	memset(out, 0, sizeof(*out));
	out->protocol = proto_sniff(svc, req);
	struct codec_ctx cx = { .svc = svc, .p = out->protocol, .err = err };
	bool ok = false;
	switch (out->protocol) {
	case PROTO_JSON:
		ok = find_json_op(&cx, req) && decode_json(&cx, req, &out->input);
		break;
	case PROTO_CBOR:
		ok = find_cbor_op(&cx, req) && codec_cbor_decode(&cx, req, &out->input);
		break;
	case PROTO_QUERY:
		ok = codec_query_decode(&cx, req, &out->input);
		break;
	case PROTO_REST_JSON:
	case PROTO_REST_XML:
		ok = codec_rest_match(&cx, req) && codec_rest_decode(&cx, req, &out->input);
		break;
	case PROTO_NONE:
		ok = aws_err_set(err, 400, "UnknownOperationException",
				 "The request does not speak a protocol of %s", svc->model);
		break;
	}
	out->op = cx.op;
	if (ok && out->op)
		ok = proto_validate(svc, out->protocol, out->op, out->input, unchecked, err);
	return ok;
}

void proto_decoded_release(struct proto_decoded *out)
{
	cJSON_Delete(out->input);
	memset(out, 0, sizeof(*out));
}

static void json_content_type(const struct proto_service *svc, struct http_resp *resp)
{
	resp->content_type = svc->json_version && strcmp(svc->json_version, "1.0") == 0
				     ? "application/x-amz-json-1.0"
				     : "application/x-amz-json-1.1";
}

void proto_encode(const struct proto_service *svc, enum proto_protocol p, const struct proto_op *op,
		  const cJSON *output, const char *request_id, struct http_resp *resp)
{
	const char *rid = request_id ? request_id : "";
	switch (p) {
	case PROTO_JSON:
		resp->status = 200;
		json_content_type(svc, resp);
		strbuf_reset(&resp->body);
		if (op->output)
			codec_json_out(&resp->body, p, op->output, output, false);
		else
			strbuf_addstr(&resp->body, "{}");
		http_resp_header(resp, "x-amzn-RequestId", rid);
		return;
	case PROTO_CBOR:
		resp->status = 200;
		resp->content_type = "application/cbor";
		strbuf_reset(&resp->body);
		codec_cbor_encode(op->output, output, &resp->body);
		http_resp_header(resp, "smithy-protocol", "rpc-v2-cbor");
		http_resp_header(resp, "x-amzn-RequestId", rid);
		return;
	case PROTO_QUERY:
		codec_query_encode(svc, op, output, rid, resp);
		http_resp_header(resp, "x-amzn-RequestId", rid);
		return;
	case PROTO_REST_JSON:
		resp->content_type = "application/json";
		codec_rest_encode(svc, p, op, output, resp);
		http_resp_header(resp, "x-amzn-RequestId", rid);
		return;
	case PROTO_REST_XML:
		codec_rest_encode(svc, p, op, output, resp);
		http_resp_header(resp, "x-amz-request-id", rid);
		http_resp_header(resp, "x-amz-id-2", rid);
		return;
	case PROTO_NONE:
		break;
	}
	resp->status = 500;
	strbuf_reset(&resp->body);
}

static int cmp_error(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct proto_shape *const *)elem)->name);
}

/* The model's error shape for code: by shape name, else by its query code. */
static const struct proto_shape *error_shape(const struct proto_service *svc, const char *code)
{
	const struct proto_shape *const *s =
		bsearch(code, svc->errors, svc->nerrors, sizeof(*svc->errors), cmp_error);
	if (s)
		return *s;
	for (size_t i = 0; i < svc->nerrors; i++)
		if (svc->errors[i]->error_code && strcmp(svc->errors[i]->error_code, code) == 0)
			return svc->errors[i];
	return NULL;
}

const char *proto_error_query_code(const struct proto_service *svc, const char *code)
{
	const struct proto_shape *es = svc ? error_shape(svc, code) : NULL;
	return es && es->error_code ? es->error_code : code;
}

void proto_encode_error(const struct proto_service *svc, enum proto_protocol p,
			const struct proto_op *op, const struct aws_err *err,
			const char *request_id, struct http_resp *resp)
{
	const struct proto_shape *es = error_shape(svc, err->code);
	const char *name = es ? es->name : err->code;                          /* __type */
	const char *qcode = es && es->error_code ? es->error_code : err->code; /* query */
	int status = err->status ? err->status : es && es->error_status ? es->error_status : 400;
	bool sender = !err->server && status < 500;
	const char *rid = request_id ? request_id : "";
	const cJSON *c;
	(void)op;
	resp->status = status;
	resp->file_fd = 0;
	strbuf_reset(&resp->body);
	struct strbuf *sb = &resp->body;
	switch (p) {
	case PROTO_REST_JSON:
	case PROTO_JSON:
	case PROTO_NONE: {
		/* The message member as the error shape spells it (Lambda's "Message"). */
		const char *msg_key =
			es && codec_member(es, "Message") && !codec_member(es, "message")
				? "Message"
				: "message";
		strbuf_addch(sb, '{');
		if (p != PROTO_REST_JSON) {
			/* SQS's JSON errors name their shape in the service's namespace. */
			bool ns = strcmp(svc->signing_name, "sqs") == 0 && !strchr(name, '#');
			codec_json_string(sb, "__type");
			strbuf_addch(sb, ':');
			if (ns) {
				char *full = xasprintf("com.amazonaws.sqs#%s", name);
				codec_json_string(sb, full);
				free(full);
			} else {
				codec_json_string(sb, name);
			}
			strbuf_addch(sb, ',');
		}
		if (es && codec_member(es, "Type") && !cJSON_GetObjectItem(err->fields, "Type"))
			strbuf_addf(sb, "\"Type\":\"%s\",", sender ? "User" : "Service");
		codec_json_string(sb, msg_key);
		strbuf_addch(sb, ':');
		codec_json_string(sb, err->message);
		cJSON_ArrayForEach(c, err->fields)
		{
			char *v = cJSON_PrintUnformatted(c);
			strbuf_addch(sb, ',');
			codec_json_string(sb, c->string);
			strbuf_addf(sb, ":%s", v);
			cJSON_free(v);
		}
		strbuf_addch(sb, '}');
		if (p == PROTO_REST_JSON) {
			resp->content_type = "application/json";
			http_resp_header(resp, "x-amzn-ErrorType", name);
		} else {
			json_content_type(svc, resp);
		}
		if (svc->query_compatible)
			http_resp_headerf(resp, "x-amzn-query-error", "%s;%s", qcode,
					  sender ? "Sender" : "Receiver");
		http_resp_header(resp, "x-amzn-RequestId", rid);
		return;
	}
	case PROTO_CBOR:
		resp->content_type = "application/cbor";
		codec_cbor_error(name, err->message, err->fields, sb);
		http_resp_header(resp, "smithy-protocol", "rpc-v2-cbor");
		if (svc->query_compatible)
			http_resp_headerf(resp, "x-amzn-query-error", "%s;%s", qcode,
					  sender ? "Sender" : "Receiver");
		http_resp_header(resp, "x-amzn-RequestId", rid);
		return;
	case PROTO_QUERY:
		resp->content_type = "text/xml";
		strbuf_addf(sb, "<ErrorResponse xmlns=\"%s\"><Error><Type>%s</Type><Code>",
			    svc->xmlns ? svc->xmlns : "", sender ? "Sender" : "Receiver");
		codec_xml_escape(sb, qcode);
		strbuf_addstr(sb, "</Code><Message>");
		codec_xml_escape_message(sb, err->message);
		strbuf_addstr(sb, "</Message>");
		break;
	case PROTO_REST_XML:
		resp->content_type = "application/xml";
		strbuf_addstr(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>");
		codec_xml_escape(sb, qcode);
		strbuf_addstr(sb, "</Code><Message>");
		codec_xml_escape_message(sb, err->message);
		strbuf_addstr(sb, "</Message>");
		break;
	}
	cJSON_ArrayForEach(c, err->fields)
	{
		strbuf_addf(sb, "<%s>", c->string);
		if (cJSON_IsString(c)) {
			codec_xml_escape_message(sb, c->valuestring);
		} else {
			char *v = cJSON_PrintUnformatted(c);
			codec_xml_escape_message(sb, v);
			cJSON_free(v);
		}
		strbuf_addf(sb, "</%s>", c->string);
	}
	if (p == PROTO_QUERY) {
		strbuf_addstr(sb, "</Error><RequestId>");
		codec_xml_escape(sb, rid);
		strbuf_addstr(sb, "</RequestId></ErrorResponse>");
		http_resp_header(resp, "x-amzn-RequestId", rid);
	} else {
		strbuf_addstr(sb, "<RequestId>");
		codec_xml_escape(sb, rid);
		strbuf_addstr(sb, "</RequestId><HostId>");
		codec_xml_escape(sb, rid);
		strbuf_addstr(sb, "</HostId></Error>");
		http_resp_header(resp, "x-amz-request-id", rid);
		http_resp_header(resp, "x-amz-id-2", rid);
	}
}

static const char *wire_name(const struct proto_member *m)
{
	return m->wire ? m->wire : m->name;
}

/* A value of shape s with its members renamed: model names to wire names (to_wire), or back.
 * Members the shape does not know are left out. */
static cJSON *rename_value(const struct proto_shape *s, const cJSON *v, bool to_wire)
{
	if (!s || s->flags & PM_S_DOCUMENT)
		return cJSON_Duplicate(v, true);
	if (s->type == PM_STRUCTURE && cJSON_IsObject(v)) {
		cJSON *out = cJSON_CreateObject();
		for (unsigned short i = 0; i < s->nmembers; i++) {
			const struct proto_member *m = &s->members[i];
			const char *from = to_wire ? m->name : wire_name(m);
			const cJSON *item = cJSON_GetObjectItemCaseSensitive(v, from);
			if (item)
				cJSON_AddItemToObject(out, to_wire ? wire_name(m) : m->name,
						      rename_value(m->shape, item, to_wire));
		}
		return out;
	}
	if (s->type == PM_LIST && cJSON_IsArray(v)) {
		cJSON *out = cJSON_CreateArray();
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
		{
			cJSON_AddItemToArray(out, rename_value(s->members[0].shape, e, to_wire));
		}
		return out;
	}
	if (s->type == PM_MAP && cJSON_IsObject(v)) {
		cJSON *out = cJSON_CreateObject();
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
		{
			cJSON_AddItemToObject(out, e->string,
					      rename_value(s->members[1].shape, e, to_wire));
		}
		return out;
	}
	return cJSON_Duplicate(v, true);
}

cJSON *proto_rename(const struct proto_op *op, bool output, const cJSON *v, bool to_wire)
{
	const struct proto_shape *s = output ? op->output : op->input;
	return s ? rename_value(s, v, to_wire) : cJSON_CreateObject();
}
