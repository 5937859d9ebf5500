/*
 * The cloud's one HTTP handler: who is calling (caller_identify), where the request goes
 * (svc_route_pick, route_pick.c), and then a front door, the service's own parser for what
 * the table does not describe yet (raw), or the operation's handler between the protocol's
 * decoder and encoder. A service or an operation the cloud does not offer gets an AWS error
 * in the protocol the client spoke, naming what is missing.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/http/aws.h"
#include "cloud/http/server.h"
#include "cloud/svc/router.h"
#include "cloud/svc/svc.h"
#include "core/strutil.h"

/*
 * The caller of a request: its access key (the SigV4 Authorization header's, a presigned
 * URL's X-Amz-Credential, else the key `lambda-tutor env` exports) and the account it
 * selects. The signature is not checked here. False fills err (answered in the request's
 * protocol): the one place where a request is refused for its credentials.
 */
static bool caller_identify(const struct http_req *req, struct svc_caller *caller,
			    struct aws_err *err)
{
	memset(caller, 0, sizeof(*caller));
	char key[129];
	const char *cred = http_query(req, "X-Amz-Credential");
	size_t n = cred ? strcspn(cred, "/") : 0;
	if (aws_access_key(http_header(req, "Authorization"), key, sizeof(key))) {
		snprintf(caller->access_key, sizeof(caller->access_key), "%s", key);
	} else if (n > 0 && n < sizeof(key) && cred[n] == '/') {
		snprintf(key, sizeof(key), "%.*s", (int)n, cred);
		snprintf(caller->access_key, sizeof(caller->access_key), "%s", key);
	} else {
		snprintf(key, sizeof(key), "%s", AWS_DEFAULT_ACCESS_KEY);
	}
	aws_account_for_key(key, caller->account);
	snprintf(caller->arn, sizeof(caller->arn), "arn:aws:iam::%s:root", caller->account);
	snprintf(caller->region, sizeof(caller->region), "%s", AWS_REGION_NAME);
	(void)err;
	return true;
}

/* Fill in from req. Strings point into req or into buffers of the caller's. */
static void route_in_fill(const struct http_req *req, struct svc_route_in *in, char *scope,
			  size_t scope_n, char *action, char *version, size_t n)
{
	memset(in, 0, sizeof(*in));
	in->method = req->method;
	in->path = req->path;
	in->host = http_header(req, "Host");
	in->target = http_header(req, "X-Amz-Target");
	in->content_type = http_header(req, "Content-Type");
	const char *proto = http_header(req, "smithy-protocol");
	in->cbor = proto && strcmp(proto, "rpc-v2-cbor") == 0;
	const char *auth = http_header(req, "Authorization");
	const char *cred = auth ? strstr(auth, "Credential=") : NULL;
	if (cred)
		cred += strlen("Credential=");
	else
		cred = http_query(req, "X-Amz-Credential");
	if (cred && svc_scope_service(cred, scope, scope_n, NULL))
		in->scope = scope;
	bool post = strcmp(req->method, "POST") == 0;
	if (post && in->content_type &&
	    strncasecmp(in->content_type, "application/x-www-form-urlencoded",
			strlen("application/x-www-form-urlencoded")) == 0) {
		in->form = true;
		if (svc_form_value(req->body, req->body_len, "Action", action, n))
			in->action = action;
		if (svc_form_value(req->body, req->body_len, "Version", version, n))
			in->version = version;
	} else if (!post && !in->target) {
		const char *a = http_query(req, "Action");
		if (a && a[0]) {
			in->form = true;
			in->action = a;
			in->version = http_query(req, "Version");
		}
	}
}

static void answer_unserved(const struct svc_route *r, const char *rid, struct http_resp *resp)
{
	struct aws_err e = { 0 };
	char title[160];
	const char *what = svc_unserved_title(r->service, title, sizeof(title));
	if (r->op[0])
		aws_err_set(&e, 501, "NotImplemented",
			    "%s is not available: the local cloud does not offer %s", r->op, what);
	else
		aws_err_set(&e, 501, "NotImplemented", "The local cloud does not offer %s", what);
	svc_err_write(r->protocol, &e, rid, resp);
	aws_err_release(&e);
}

/* The JSON protocols: the body is the input as the model shapes it (an empty body is {}). */
static cJSON *decode_json(const struct http_req *req, struct aws_err *err)
{
	if (req->too_large) {
		aws_err_set(err, 413, "RequestEntityTooLargeException",
			    "The request body is larger than the service accepts");
		return NULL;
	}
	if (req->body_len == 0)
		return cJSON_CreateObject();
	cJSON *in = cJSON_ParseWithLength(req->body, req->body_len);
	if (!cJSON_IsObject(in)) {
		cJSON_Delete(in);
		aws_err_set(err, 400, "SerializationException",
			    "The request body is not a JSON object");
		return NULL;
	}
	return in;
}

/* An operation of a row: decode, call, encode. */
static void call_op(struct svc_call *call, const struct svc_route *r, struct http_resp *resp)
{
	struct aws_err err = { 0 };
	const struct cloud_service *s = call->svc;
	const struct svc_op *op = svc_op_find(s, r->op);
	cJSON *in = NULL, *out = NULL;
	if (!r->op[0]) {
		aws_err_set(&err, 404, "UnknownOperationException", "Unknown operation %s %s",
			    call->http->method, call->http->path);
	} else if (!op) {
		aws_err_set(&err, 501, "NotImplemented",
			    "The local cloud does not offer %s's %s operation", s->title, r->op);
	} else if (r->protocol != SVC_JSON) {
		aws_err_set(&err, 501, "NotImplemented",
			    "The local cloud does not read %s's %s in this protocol", s->title,
			    r->op);
	} else if ((in = decode_json(call->http, &err))) {
		call->op = op->name;
		out = op->fn(call, in, &err);
	}
	if (out) {
		const char *ct = http_header(call->http, "Content-Type");
		resp->content_type = ct && strstr(ct, "json-1.0") ? "application/x-amz-json-1.0"
								  : "application/x-amz-json-1.1";
		char *text = cJSON_PrintUnformatted(out);
		strbuf_addstr(&resp->body, text);
		free(text);
	} else {
		svc_err_write(r->protocol, &err, call->request_id, resp);
	}
	cJSON_Delete(out);
	cJSON_Delete(in);
	aws_err_release(&err);
}

void svc_route(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct cloud *c = ctx;
	char rid[37];
	aws_uuid(rid);
	http_resp_header(resp, "x-amzn-RequestId", rid);
	char scope[64], action[128], version[32];
	struct svc_route_in in;
	route_in_fill(req, &in, scope, sizeof(scope), action, version, sizeof(action));
	struct svc_route r;
	svc_route_pick(svc_table, svc_table_len, &in, &r);
	struct svc_caller caller;
	struct aws_err err = { 0 };
	if (!caller_identify(req, &caller, &err)) {
		svc_err_write(r.protocol, &err, rid, resp);
		aws_err_release(&err);
		svc_route_release(&r);
		return;
	}
	struct svc_call call = {
		.cloud = c,
		.svc = r.svc,
		.op = r.op[0] ? r.op : NULL,
		.caller = &caller,
		.request_id = rid,
		.protocol = r.protocol,
		.http = req,
		.resp = resp,
	};
	switch (r.kind) {
	case SVC_ROUTE_DOOR:
		r.door->serve(&call, r.rest, resp);
		break;
	case SVC_ROUTE_UNSERVED:
		answer_unserved(&r, rid, resp);
		break;
	case SVC_ROUTE_SERVICE:
		if (!r.svc->raw || !r.svc->raw(&call, resp))
			call_op(&call, &r, resp);
		break;
	}
	svc_route_release(&r);
}
