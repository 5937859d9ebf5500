/*
 * Operations a REST-JSON service still reads from the wire (its raw reader), offered to other
 * services (CloudFormation's resource providers): the input, in the model's member names,
 * becomes the request its model describes (URI labels, query string, JSON body under the
 * wire names), which the reader clients reach answers; the answer's body is read back into
 * the output's member names, an error into an AWS error. One reader for both, so what a
 * stack builds is what a client would have built.
 */
#include "cloud/svc/raw_op.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/http/server.h"
#include "cloud/proto/model.h"
#include "cloud/proto/proto.h"
#include "cloud/svc/svc.h"
#include "core/sigv4.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define MAX_ARGS 8

static const char *wire_name(const struct proto_member *m)
{
	return m->wire ? m->wire : m->name;
}

/* A value of shape s with its members renamed: model names to wire names (to_wire), or back. */
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

/* A scalar as a URI label or query value. Caller frees. */
static char *scalar_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNumber(v))
		return xasprintf("%.17g", v->valuedouble);
	return xstrdup("");
}

/* The model's URI template with the input's labels in place ("/v2/apis/{apiId}"). */
static void fill_uri(const struct proto_op *po, const cJSON *input, struct strbuf *path)
{
	const char *t = po->uri;
	size_t n = strcspn(t, "?");
	for (size_t i = 0; i < n; i++) {
		if (t[i] != '{') {
			strbuf_addch(path, t[i]);
			continue;
		}
		size_t end = i + strcspn(t + i, "}");
		char label[128];
		snprintf(label, sizeof(label), "%.*s", (int)(end - i - 1), t + i + 1);
		size_t len = strlen(label);
		if (len && label[len - 1] == '+')
			label[len - 1] = '\0';
		for (unsigned short k = 0; k < po->input->nmembers; k++) {
			const struct proto_member *m = &po->input->members[k];
			if (m->location == PM_URI && strcmp(wire_name(m), label) == 0) {
				char *text = scalar_text(
					cJSON_GetObjectItemCaseSensitive(input, m->name));
				strbuf_addstr(path, text);
				free(text);
			}
		}
		i = end;
	}
}

cJSON *svc_raw_op(struct svc_call *call, const cJSON *input, struct aws_err *err)
{
	const struct proto_service *ps = proto_service_find(call->svc->model);
	const struct proto_op *po = ps ? proto_op_find(ps, call->op) : NULL;
	if (!po || !po->input || !call->svc->raw) {
		aws_err_set(err, 501, "NotImplemented",
			    "The local cloud does not offer %s's %s to other services",
			    call->svc->name, call->op);
		return NULL;
	}
	struct strbuf path = STRBUF_INIT;
	fill_uri(po, input, &path);
	struct sigv4_header args[MAX_ARGS];
	char *arg_text[MAX_ARGS];
	size_t nargs = 0;
	cJSON *body = cJSON_CreateObject();
	for (unsigned short k = 0; k < po->input->nmembers; k++) {
		const struct proto_member *m = &po->input->members[k];
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(input, m->name);
		if (!v)
			continue;
		if (m->location == PM_QUERY && nargs < MAX_ARGS) {
			arg_text[nargs] = scalar_text(v);
			args[nargs] = (struct sigv4_header){ wire_name(m), arg_text[nargs] };
			nargs++;
		} else if (m->location == PM_BODY) {
			cJSON_AddItemToObject(body, wire_name(m), rename_value(m->shape, v, true));
		}
	}
	char *text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	bool has_body = strcmp(po->method, "GET") != 0 && strcmp(po->method, "DELETE") != 0;
	struct http_req req = {
		.method = po->method,
		.path = path.buf ? path.buf : "/",
		.raw_path = path.buf ? path.buf : "/",
		.raw_query = "",
		.body_sha256 = "",
		.body = has_body ? text : "",
		.body_len = has_body ? strlen(text) : 0,
		.fake_args = args,
		.n_fake_args = nargs,
	};
	struct http_resp resp;
	http_resp_init(&resp);
	struct svc_call raw_call = *call;
	raw_call.http = &req;
	raw_call.resp = &resp;
	call->svc->raw(&raw_call, &resp);

	cJSON *out = NULL;
	cJSON *answer = resp.body.len ? cJSON_ParseWithLength(resp.body.buf, resp.body.len) : NULL;
	if (resp.status >= 300) {
		const char *type = NULL;
		for (int i = 0; i < resp.nheaders; i++)
			if (strcasecmp(resp.headers[i][0], "x-amzn-ErrorType") == 0)
				type = resp.headers[i][1];
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(answer, "message");
		if (!cJSON_IsString(msg))
			msg = cJSON_GetObjectItemCaseSensitive(answer, "Message");
		aws_err_set(err, resp.status, type ? type : "BadRequestException", "%s",
			    cJSON_IsString(msg) ? msg->valuestring : "");
	} else if (po->output && answer) {
		out = rename_value(po->output, answer, false);
	} else {
		out = cJSON_CreateObject();
	}
	cJSON_Delete(answer);
	http_resp_release(&resp);
	for (size_t i = 0; i < nargs; i++)
		free(arg_text[i]);
	free(text);
	strbuf_release(&path);
	return out;
}
