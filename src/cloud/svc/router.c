/*
 * The cloud's HTTP handlers. The endpoint's: where the request goes (svc_route_pick,
 * route_pick.c), who is calling (auth_identify(): every AWS API call is signed), and then a
 * front door, or the service's operation: the protocol codec (cloud/proto/) decodes and
 * validates the request against the service's API model, the row's handler answers in cJSON,
 * and the codec encodes that (or the error) in the protocol the client spoke. A service or
 * an operation the cloud does not offer gets an AWS error in the client's protocol, naming what is
 * missing. The control socket's: the tutor's own controls, which the endpoint refuses.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/auth/auth.h"
#include "cloud/http/aws.h"
#include "cloud/http/server.h"
#include "cloud/iam/iam.h"
#include "cloud/proto/proto.h"
#include "cloud/state.h"
#include "cloud/svc/router.h"
#include "cloud/svc/svc.h"
#include "core/strutil.h"

size_t svc_body_max;

/* Each row's model, found once: rows are constant, the models too. */
static const struct proto_service **row_models;
static pthread_once_t row_models_once = PTHREAD_ONCE_INIT;

static void find_row_models(void)
{
	row_models = calloc(svc_table_len, sizeof(*row_models));
	if (!row_models)
		abort();
	for (size_t i = 0; i < svc_table_len; i++)
		row_models[i] = proto_service_find(svc_table[i]->model);
}

const struct proto_service *svc_model(const struct cloud_service *s)
{
	pthread_once(&row_models_once, find_row_models);
	for (size_t i = 0; i < svc_table_len; i++)
		if (svc_table[i] == s)
			return row_models[i];
	return NULL;
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

static bool listed(const char *const *names, const char *name)
{
	if (!names)
		return true;
	for (const char *const *n = names; *n; n++)
		if (strcmp(*n, name) == 0)
			return true;
	return false;
}

/*
 * The model to answer an unserved service with: its own when a model has that name, else one
 * that speaks the protocol the request's shape shows (the error's shape is all it lends).
 */
static const struct proto_service *unserved_model(const struct svc_route *r,
						  const struct svc_route_in *in)
{
	const struct proto_service *ps = NULL;
	if (r->service[0]) {
		ps = in->target ? proto_service_for_target(in->target)
		     : in->cbor ? proto_service_for_cbor_path(in->path)
				: NULL;
		if (!ps)
			ps = proto_service_find(r->service);
	}
	if (ps)
		return ps;
	/* The REST services that speak XML; every other one speaks JSON. */
	static const char *const rest_xml[] = { "cloudfront", "route53", "s3", NULL };
	const char *stand_in = in->cbor                       ? "monitoring"
			       : in->target                   ? "logs"
			       : in->form                     ? "sts"
			       : listed(rest_xml, r->service) ? "s3"
							      : "xray";
	return proto_service_find(stand_in);
}

static void answer_unserved(const struct svc_route *r, const struct svc_route_in *in,
			    const struct proto_req *pr, const char *rid, struct http_resp *resp)
{
	struct aws_err e = { 0 };
	char title[160], what[200];
	if (r->version[0])
		snprintf(what, sizeof(what), "%s%sAPI version %s", r->service,
			 r->service[0] ? " " : "", r->version);
	else
		snprintf(what, sizeof(what), "%s",
			 svc_unserved_title(r->service, title, sizeof(title)));
	if (r->op[0])
		aws_err_set(&e, 501, "NotImplemented",
			    "%s is not available: the local cloud does not offer %s", r->op, what);
	else
		aws_err_set(&e, 501, "NotImplemented", "The local cloud does not offer %s", what);
	const struct proto_service *ps = unserved_model(r, in);
	proto_encode_error(ps, proto_sniff(ps, pr), NULL, &e, rid, resp);
	aws_err_release(&e);
}

/* An operation of a row: decode, then its handler, or "not offered". */
static void call_op(struct svc_call *call, const struct proto_service *ps,
		    const struct proto_req *pr, struct http_resp *resp)
{
	struct aws_err err = { 0 };
	struct proto_decoded d;
	const struct cloud_service *s = call->svc;
	cJSON *out = NULL;
	bool answered = false;
	if (proto_decode(ps, pr, s->unchecked, &d, &err)) {
		const char *name = proto_op_name(d.op);
		const struct svc_op *op = svc_op_find(s, name);
		call->op = name;
		struct svc_caller acting;
		const struct svc_caller *caller = call->caller;
		if (!iam_authorize_call(call, name, d.input, &acting, &err)) {
			/* Denied: answered below with the service's own error. */
		} else if (op && !svc_members_check(s, name, d.input, &err)) {
			/* A member it would drop: refused above, answered below. */
		} else if (op) {
			call->caller = &acting; /* in the resource owner's account */
			out = op->fn(call, d.input, &err);
			call->caller = caller;
			if (out)
				proto_encode(ps, d.protocol, d.op, out, call->request_id, resp);
			answered = out != NULL;
		} else {
			aws_err_set(&err, 501, "NotImplemented",
				    "The local cloud does not offer %s's %s operation", s->title,
				    name);
		}
	}
	if (!answered && call->http->too_large && d.op && !out &&
	    strcmp(err.code, "EntityTooLarge") != 0 && strcmp(err.code, "IncompleteBody") != 0)
		/* The server dropped a body past its limit: that, not what is missing (unless
		 * the handler said so in its own words, as S3 does). */
		aws_err_set(&err, 413, "RequestEntityTooLargeException",
			    "Request must be smaller than %zu bytes for the %s operation",
			    svc_body_max, proto_op_name(d.op));
	if (!answered)
		proto_encode_error(ps, d.protocol, d.op, &err, call->request_id, resp);
	cJSON_Delete(out);
	proto_decoded_release(&d);
	aws_err_release(&err);
}

/*
 * A control on the endpoint: only GET /_tutor/health (a bare "running", for port probes) and
 * /_tutor/code/... and /_tutor/layer/... presigned by the cloud itself (GetFunction's
 * Code.Location, GetLayerVersion's Content.Location) pass; the
 * rest is the control socket's. True when the request may go on to its door.
 */
static bool control_on_endpoint(struct svc_call *call, struct http_resp *resp)
{
	const struct http_req *req = call->http;
	if (strcmp(req->path, "/_tutor/health") == 0) {
		strbuf_addstr(&resp->body, "{\"status\":\"running\"}");
		return false;
	}
	struct aws_err err = { 0 };
	if (str_starts_with(req->path, "/_tutor/code/") ||
	    str_starts_with(req->path, "/_tutor/layer/")) {
		struct svc_caller cloud;
		bool mine = auth_identify(call->cloud, req, "s3", &cloud, &err) &&
			    auth_is_cloud(call->cloud->auth, &cloud);
		aws_err_release(&err);
		if (mine)
			return true;
		/* Code.Location is an S3 URL: refused as S3 refuses. */
		aws_err_set(&err, 403, "AccessDenied",
			    "Access Denied: code is served through GetFunction's Code.Location");
		proto_encode_error(proto_service_find("s3"), PROTO_REST_XML, NULL, &err,
				   call->request_id, resp);
	} else {
		aws_err_set(
			&err, 403, "AccessDenied",
			"The tutor's controls are served on the workspace's control socket only");
		proto_encode_error(proto_service_find("lambda"), PROTO_REST_JSON, NULL, &err,
				   call->request_id, resp);
	}
	aws_err_release(&err);
	return false;
}

void svc_route(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct cloud *c = ctx;
	char rid[37];
	aws_uuid(rid);
	char scope[64], action[128], version[32];
	struct svc_route_in in;
	route_in_fill(req, &in, scope, sizeof(scope), action, version, sizeof(action));
	struct svc_route r;
	svc_route_pick(svc_table, svc_table_len, &in, &r);
	struct svc_caller caller = { 0 };
	struct aws_err err = { 0 };
	struct proto_req pr = { 0 };
	const struct proto_service *ps = r.kind == SVC_ROUTE_SERVICE ? svc_model(r.svc) : NULL;
	if (r.kind != SVC_ROUTE_DOOR && (ps || r.kind == SVC_ROUTE_UNSERVED))
		proto_req_from_http(&pr, req);
	struct svc_call call = {
		.cloud = c,
		.svc = r.svc,
		.op = r.op[0] ? r.op : NULL,
		.caller = &caller,
		.request_id = rid,
		.http = req,
		.resp = resp,
	};
	if (r.kind == SVC_ROUTE_DOOR) {
		/* Front doors are the public's: not AWS API calls, not signed (a door with
		 * AWS_IAM auth checks its own). Controls are the control socket's. */
		svc_caller_trace(&caller, http_header(req, "X-Amzn-Trace-Id"));
		http_resp_header(resp, "x-amzn-RequestId", rid);
		if (!r.door->control || control_on_endpoint(&call, resp))
			r.door->serve(&call, r.rest, resp);
		goto done;
	}
	/* Everything else is an AWS API call: signed, or refused as AWS refuses it. */
	const char *service = r.kind == SVC_ROUTE_SERVICE ? r.svc->name : r.service;
	if (!auth_identify(c, req, service, &caller, &err)) {
		const struct proto_service *eps = ps ? ps : unserved_model(&r, &in);
		proto_encode_error(eps, proto_sniff(eps, &pr), NULL, &err, rid, resp);
		goto done;
	}
	svc_caller_trace(&caller, http_header(req, "X-Amzn-Trace-Id"));
	switch (r.kind) {
	case SVC_ROUTE_UNSERVED:
		answer_unserved(&r, &in, &pr, rid, resp);
		break;
	case SVC_ROUTE_SERVICE:
		if (ps) {
			call_op(&call, ps, &pr, resp);
		} else {
			aws_error(resp, 404, "UnknownOperationException", "Unknown operation %s %s",
				  req->method, req->path);
		}
		break;
	case SVC_ROUTE_DOOR:
		abort();
	}
done:
	aws_err_release(&err);
	proto_req_release(&pr);
	svc_route_release(&r);
}

static bool is_account(const char *s)
{
	bool digits = s && strlen(s) == 12;
	for (size_t i = 0; digits && i < 12; i++)
		digits = s[i] >= '0' && s[i] <= '9';
	return digits;
}

void svc_route_control(void *ctx, const struct http_req *req, struct http_resp *resp)
{
	struct cloud *c = ctx;
	char rid[37];
	aws_uuid(rid);
	http_resp_header(resp, "x-amzn-RequestId", rid);
	struct svc_route_in in = { .method = req->method, .path = req->path };
	struct svc_route r;
	svc_route_pick(svc_table, svc_table_len, &in, &r);
	const char *which = http_query(req, "account");
	if (r.kind != SVC_ROUTE_DOOR || !r.door->control) {
		aws_error(resp, 404, "UnknownOperationException",
			  "The control socket serves the tutor's controls (/_tutor/) only");
	} else if (which && !is_account(which)) {
		aws_error(resp, 400, "InvalidParameterValueException", "account must be 12 digits");
	} else {
		/* The controls act for the account named, else for the learner. */
		struct svc_caller caller;
		svc_caller_for_account(&caller, which ? which : auth_learner_account(c->auth));
		struct svc_call call = {
			.cloud = c,
			.svc = r.svc,
			.caller = &caller,
			.request_id = rid,
			.http = req,
			.resp = resp,
		};
		r.door->serve(&call, r.rest, resp);
	}
	svc_route_release(&r);
}
