/*
 * The REST protocols' half that rest-json and rest-xml share: finding the operation from the
 * method and the URI template (labels, greedy labels, required query literals, the most
 * specific template first), and the members bound to the URI, the query string, headers,
 * prefixed headers and the status code, both ways. The body is JSON's or XML's.
 */
#include "cloud/proto/codec.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/http/aws.h"
#include "cloud/http/server.h"
#include "core/xalloc.h"

#define MAX_LABELS 8

struct label {
	const char *name; /* in the template, up to '}' or '+' */
	size_t name_len;
	const char *value; /* in the path */
	size_t len;
};

/* The path without a trailing slash (but "/" stays), as a length. */
static size_t trim_len(const char *s, size_t n)
{
	while (n > 1 && s[n - 1] == '/')
		n--;
	return n;
}

/* Match path against the template's path; fill labels. */
static bool path_match(const char *tmpl, const char *path, struct label *labels, int *nlabels)
{
	size_t tn = trim_len(tmpl, strcspn(tmpl, "?"));
	size_t pn = trim_len(path, strlen(path));
	size_t t = 0, p = 0;
	*nlabels = 0;
	while (t < tn) {
		if (tmpl[t] == '{') {
			const char *close = memchr(tmpl + t, '}', tn - t);
			if (!close || *nlabels >= MAX_LABELS)
				return false;
			bool greedy = close[-1] == '+';
			struct label *l = &labels[(*nlabels)++];
			l->name = tmpl + t + 1;
			l->name_len = (size_t)(close - tmpl - t - 1) - greedy;
			l->value = path + p;
			size_t start = p;
			if (greedy) {
				/* The rest of the path, less what the template still has. */
				size_t tail = tn - (size_t)(close + 1 - tmpl);
				if (pn - p < tail + 1)
					return false;
				p = pn - tail;
			} else if (close + 1 == tmpl + tn && pn - p > 4 &&
				   strncmp(path + p, "arn:", 4) == 0) {
				/* Clients escape an ARN's '/' in a label (%2F), and the server
				 * decodes the path: a template's last label takes an ARN whole
				 * (TagResource's /tags/{ResourceArn} of a schedule group). */
				p = pn;
			} else {
				while (p < pn && path[p] != '/')
					p++;
			}
			l->len = p - start;
			if (l->len == 0)
				return false;
			t = (size_t)(close + 1 - tmpl);
			continue;
		}
		if (p >= pn || tmpl[t] != path[p])
			return false;
		t++;
		p++;
	}
	return p == pn;
}

static const char *query_value(const struct proto_req *req, const char *name, size_t len)
{
	for (size_t i = 0; i < req->nquery; i++)
		if (strlen(req->query[i].name) == len &&
		    strncmp(req->query[i].name, name, len) == 0)
			return req->query[i].value;
	return NULL;
}

/* The template's query literals ("?uploads", "?list-type=2") all present. x-id, which only
 * newer clients send, is not required, but must agree when sent. */
static bool query_match(const char *tmpl, const struct proto_req *req)
{
	const char *q = strchr(tmpl, '?');
	if (!q)
		return true;
	q++;
	while (*q) {
		size_t n = strcspn(q, "&");
		size_t klen = strcspn(q, "=&");
		const char *got = query_value(req, q, klen);
		bool optional = klen == 4 && strncmp(q, "x-id", 4) == 0;
		if (!got && !optional)
			return false;
		if (got && klen < n) {
			size_t vlen = n - klen - 1;
			if (strlen(got) != vlen || strncmp(got, q + klen + 1, vlen) != 0)
				return false;
		}
		q += n;
		if (*q == '&')
			q++;
	}
	return true;
}

/* Whether the request carries every header and query argument op requires: S3's operations
 * on /{Bucket}/{Key+} differ only so (x-amz-copy-source for CopyObject, uploadId for
 * AbortMultipartUpload, partNumber and uploadId for UploadPart). */
static bool bindings_match(const struct proto_op *op, const struct proto_req *req)
{
	const struct proto_shape *s = op->input;
	for (size_t i = 0; s && i < s->nmembers; i++) {
		const struct proto_member *m = &s->members[i];
		if (!(m->flags & PM_M_REQUIRED))
			continue;
		if (m->location == PM_HEADER && !proto_req_header(req, m->wire))
			return false;
		if (m->location == PM_QUERY && !query_value(req, m->wire, strlen(m->wire)))
			return false;
	}
	return true;
}

bool codec_rest_match(struct codec_ctx *cx, const struct proto_req *req)
{
	struct label labels[MAX_LABELS];
	int n;
	bool path_known = false;
	const struct proto_op *fallback = NULL;
	for (size_t i = 0; i < cx->svc->nops; i++) {
		const struct proto_op *op = &cx->svc->ops[cx->svc->rest[i]];
		if (!path_match(op->uri, req->path, labels, &n) || !query_match(op->uri, req))
			continue;
		path_known = true;
		if (strcmp(op->method, req->method) != 0)
			continue;
		if (!bindings_match(op, req)) {
			if (!fallback)
				fallback = op;
			continue;
		}
		cx->op = op;
		return true;
	}
	if (fallback) {
		cx->op = fallback;
		return true;
	}
	if (cx->p == PROTO_REST_XML)
		return aws_err_set(cx->err, path_known ? 405 : 400,
				   path_known ? "MethodNotAllowed" : "InvalidRequest",
				   path_known ? "The specified method is not allowed against this "
						"resource."
					      : "The request does not match any operation of %s.",
				   cx->svc->model);
	return aws_err_set(cx->err, 404, "UnknownOperationException",
			   "No operation of %s matches %s %s", cx->svc->model, req->method,
			   req->path);
}

/* The text of a header, list elements split at commas. */
static cJSON *header_value(const struct proto_member *m, const char *text)
{
	const struct proto_shape *s = m->shape;
	if (s->type == PM_LIST) {
		cJSON *a = cJSON_CreateArray();
		char *copy = xstrdup(text), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			while (*t == ' ')
				t++;
			size_t len = strlen(t);
			while (len && t[len - 1] == ' ')
				t[--len] = '\0';
			cJSON *e = codec_scalar_from_text(s->members[0].shape, t);
			if (!e) {
				cJSON_Delete(a);
				free(copy);
				return NULL;
			}
			cJSON_AddItemToArray(a, e);
		}
		free(copy);
		return a;
	}
	if ((m->flags & PM_M_JSONVALUE) && s->type == PM_STRING) {
		size_t n;
		unsigned char *raw = aws_base64_decode(text, strlen(text), &n);
		cJSON *j = raw ? cJSON_ParseWithLength((const char *)raw, n) : NULL;
		free(raw);
		return j;
	}
	return codec_scalar_from_text(s, text);
}

static bool bad_value(struct codec_ctx *cx, const struct proto_member *m, const char *text)
{
	if (cx->p == PROTO_REST_XML)
		return aws_err_set(cx->err, 400, "InvalidArgument", "Invalid value '%s' for %s",
				   text, codec_wire(m, false, m->name));
	return codec_bad_body(cx, "Value '%s' for %s cannot be read as %s", text,
			      codec_wire(m, false, m->name),
			      m->shape->type == PM_TIMESTAMP ? "a timestamp" : "its type");
}

/*
 * A rest-xml Content-Encoding without "aws-chunked", which S3 removes: it names the framing of
 * a streamed upload (decoded on arrival, cloud/http/chunked.c), not how the object is encoded.
 * What is left is the object's own: a new string (caller frees), or NULL when nothing is.
 */
static char *without_aws_chunked(const char *v)
{
	struct strbuf left = STRBUF_INIT;
	bool framed = false;
	const char *p = v;
	while (*p) {
		p += strspn(p, " ,");
		size_t n = strcspn(p, ",");
		size_t len = n;
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 11 && strncasecmp(p, "aws-chunked", 11) == 0)
			framed = true;
		else if (len > 0)
			strbuf_addf(&left, "%s%.*s", left.len ? "," : "", (int)len, p);
		p += n;
	}
	if (!framed) {
		strbuf_release(&left);
		return xstrdup(v);
	}
	if (!left.len) {
		strbuf_release(&left);
		return NULL;
	}
	return strbuf_detach(&left);
}

/* Whether a query argument is bound to a member other than the map m, or is a literal. */
static bool query_claimed(const struct proto_op *op, const struct proto_member *map,
			  const char *name)
{
	const struct proto_shape *s = op->input;
	for (size_t i = 0; i < s->nmembers; i++) {
		const struct proto_member *m = &s->members[i];
		if (m != map && m->location == PM_QUERY && strcmp(m->wire, name) == 0)
			return true;
	}
	const char *q = strchr(op->uri, '?');
	size_t n = strlen(name);
	while (q && *q) {
		q++;
		if (strncmp(q, name, n) == 0 && (q[n] == '=' || q[n] == '&' || !q[n]))
			return true;
		q = strchr(q, '&');
	}
	return false;
}

static bool bind_in(struct codec_ctx *cx, const struct proto_req *req, const struct proto_member *m,
		    const struct label *labels, int nlabels, cJSON *input)
{
	cJSON *v = NULL;
	const struct proto_shape *s = m->shape;
	switch ((enum proto_location)m->location) {
	case PM_URI:
		for (int i = 0; i < nlabels; i++) {
			if (strlen(m->wire) != labels[i].name_len ||
			    strncmp(m->wire, labels[i].name, labels[i].name_len) != 0)
				continue;
			char *text = xstrndup(labels[i].value, labels[i].len);
			v = codec_scalar_from_text(s, text);
			if (!v) {
				bad_value(cx, m, text);
				free(text);
				return false;
			}
			free(text);
		}
		break;
	case PM_QUERY:
		if (s->type == PM_MAP) {
			const struct proto_shape *vs = s->members[1].shape;
			for (size_t i = 0; i < req->nquery; i++) {
				const struct proto_kv *kv = &req->query[i];
				if (query_claimed(cx->op, m, kv->name))
					continue;
				if (!v)
					v = cJSON_CreateObject();
				cJSON *have = cJSON_GetObjectItemCaseSensitive(v, kv->name);
				if (vs->type == PM_LIST) {
					if (!have)
						have = cJSON_AddArrayToObject(v, kv->name);
					cJSON_AddItemToArray(have, cJSON_CreateString(kv->value));
				} else if (!have) {
					cJSON_AddStringToObject(v, kv->name, kv->value);
				}
			}
			break;
		}
		for (size_t i = 0; i < req->nquery; i++) {
			const struct proto_kv *kv = &req->query[i];
			if (strcmp(kv->name, m->wire) != 0)
				continue;
			const struct proto_shape *es = s->type == PM_LIST ? s->members[0].shape : s;
			cJSON *e = codec_scalar_from_text(es, kv->value);
			if (!e) {
				cJSON_Delete(v);
				return bad_value(cx, m, kv->value);
			}
			if (s->type != PM_LIST) {
				v = e;
				break;
			}
			if (!v)
				v = cJSON_CreateArray();
			cJSON_AddItemToArray(v, e);
		}
		break;
	case PM_HEADER: {
		const char *text = proto_req_header(req, m->wire);
		char *own = NULL;
		if (text && cx->p == PROTO_REST_XML && strcasecmp(m->wire, "Content-Encoding") == 0)
			text = own = without_aws_chunked(text);
		if (!text)
			break;
		v = header_value(m, text);
		if (!v)
			bad_value(cx, m, text);
		free(own);
		if (!v)
			return false;
		break;
	}
	case PM_HEADERS: {
		size_t plen = strlen(m->wire);
		for (size_t i = 0; i < req->nheaders; i++) {
			const struct proto_kv *kv = &req->headers[i];
			if (strncasecmp(kv->name, m->wire, plen) != 0)
				continue;
			if (!v)
				v = cJSON_CreateObject();
			char *key = xstrdup(kv->name + plen);
			for (char *k = key; *k; k++)
				*k = (char)(*k >= 'A' && *k <= 'Z' ? *k + 32 : *k);
			cJSON_AddStringToObject(v, key, kv->value);
			free(key);
		}
		break;
	}
	case PM_BODY:
	case PM_STATUS:
		break;
	}
	if (v)
		cJSON_AddItemToObject(input, m->name, v);
	return true;
}

/* Move every member of from into to. */
static void merge(cJSON *to, cJSON *from)
{
	while (from->child) {
		cJSON *c = cJSON_DetachItemViaPointer(from, from->child);
		cJSON_AddItemToObject(to, c->string, c);
	}
}

static bool body_in(struct codec_ctx *cx, const struct proto_req *req, cJSON *input)
{
	const struct proto_shape *s = cx->op->input;
	const char *body = req->body ? req->body : "";
	size_t len = req->body_len;
	cJSON *parsed = NULL;
	if (s->payload >= 0) {
		const struct proto_member *pm = &s->members[s->payload];
		if (pm->shape->type == PM_BLOB)
			return true; /* the handler reads the raw body */
		if (pm->shape->type == PM_STRING) {
			if (len)
				cJSON_AddItemToObject(input, pm->name, cJSON_CreateString(body));
			return true;
		}
		if (len == 0)
			return true;
		if (cx->p == PROTO_REST_XML) {
			if (!codec_xml_in(cx, pm->shape, body, len, &parsed))
				return false;
		} else {
			parsed = cJSON_ParseWithLength(body, len);
			if (!parsed)
				return codec_bad_body(cx, "Could not parse payload into json");
			if (!codec_json_in(cx, pm->shape, parsed, false)) {
				cJSON_Delete(parsed);
				return false;
			}
		}
		cJSON_AddItemToObject(input, pm->name, parsed);
		return true;
	}
	if (len == 0)
		return true;
	if (cx->p == PROTO_REST_XML) {
		if (!codec_xml_in(cx, s, body, len, &parsed))
			return false;
	} else {
		parsed = cJSON_ParseWithLength(body, len);
		if (!parsed)
			return codec_bad_body(cx, "Could not parse payload into json");
		if (!codec_json_in(cx, s, parsed, true)) {
			cJSON_Delete(parsed);
			return false;
		}
	}
	merge(input, parsed);
	cJSON_Delete(parsed);
	return true;
}

bool codec_rest_decode(struct codec_ctx *cx, const struct proto_req *req, cJSON **out)
{
	struct label labels[MAX_LABELS];
	int nlabels = 0;
	cJSON *input = cJSON_CreateObject();
	const struct proto_shape *s = cx->op->input;
	*out = NULL;
	if (!s) {
		*out = input;
		return true;
	}
	path_match(cx->op->uri, req->path, labels, &nlabels);
	for (size_t i = 0; i < s->nmembers; i++)
		if (!bind_in(cx, req, &s->members[i], labels, nlabels, input))
			goto fail;
	if (!body_in(cx, req, input))
		goto fail;
	*out = input;
	return true;
fail:
	cJSON_Delete(input);
	return false;
}

/* A header's text for output member m. Caller frees. */
static char *header_text(enum proto_protocol p, const struct proto_member *m, const cJSON *v)
{
	struct strbuf sb = STRBUF_INIT;
	const struct proto_shape *s = m->shape;
	if ((m->flags & PM_M_JSONVALUE) && !cJSON_IsString(v)) {
		char *j = cJSON_PrintUnformatted(v);
		char *b = aws_base64_encode(j, strlen(j));
		cJSON_free(j);
		return b;
	}
	if (s->type == PM_LIST && cJSON_IsArray(v)) {
		const cJSON *c;
		bool first = true;
		cJSON_ArrayForEach(c, v)
		{
			if (!first)
				strbuf_addstr(&sb, ", ");
			first = false;
			codec_scalar_text(&sb, s->members[0].shape, c,
					  codec_ts_format(p, NULL, s->members[0].shape, PM_HEADER));
		}
	} else {
		codec_scalar_text(&sb, s, v, codec_ts_format(p, m, s, PM_HEADER));
	}
	return strbuf_detach(&sb);
}

void codec_rest_encode(const struct proto_service *svc, enum proto_protocol p,
		       const struct proto_op *op, const cJSON *output, struct http_resp *resp)
{
	const struct proto_shape *s = op->output;
	/* A handler that answered with another success (S3's 206 for a range) keeps it. */
	if (resp->status == 200 || resp->status == 0)
		resp->status = op->status;
	if (!s) {
		strbuf_reset(&resp->body);
		return;
	}
	bool has_body = false;
	for (size_t i = 0; i < s->nmembers; i++) {
		const struct proto_member *m = &s->members[i];
		const cJSON *v = output ? cJSON_GetObjectItemCaseSensitive(output, m->name) : NULL;
		if (m->location == PM_BODY)
			has_body = true;
		if (!v || cJSON_IsNull(v))
			continue;
		if (m->location == PM_STATUS && cJSON_IsNumber(v)) {
			resp->status = v->valueint;
		} else if (m->location == PM_HEADER) {
			char *text = header_text(p, m, v);
			http_resp_header(resp, m->wire, text);
			free(text);
		} else if (m->location == PM_HEADERS && cJSON_IsObject(v)) {
			const cJSON *c;
			cJSON_ArrayForEach(c, v)
			{
				if (!cJSON_IsString(c))
					continue;
				char *name = xasprintf("%s%s", m->wire, c->string);
				http_resp_header(resp, name, c->valuestring);
				free(name);
			}
		}
	}
	if (s->payload >= 0) {
		const struct proto_member *pm = &s->members[s->payload];
		const cJSON *v = output ? cJSON_GetObjectItemCaseSensitive(output, pm->name) : NULL;
		if (!v || cJSON_IsNull(v))
			return; /* the body, or file, as the handler wrote it */
		strbuf_reset(&resp->body);
		if (pm->shape->type == PM_BLOB && cJSON_IsString(v)) {
			size_t n;
			unsigned char *raw =
				aws_base64_decode(v->valuestring, strlen(v->valuestring), &n);
			if (raw)
				strbuf_add(&resp->body, raw, n);
			free(raw);
		} else if (pm->shape->type == PM_STRING && cJSON_IsString(v)) {
			strbuf_addstr(&resp->body, v->valuestring);
		} else if (p == PROTO_REST_XML) {
			resp->content_type = "application/xml";
			codec_xml_out(&resp->body, pm->shape, v, codec_wire(pm, false, pm->name),
				      pm->xmlns ? pm->xmlns : svc->xmlns);
		} else {
			codec_json_out(&resp->body, p, pm->shape, v, false);
		}
		return;
	}
	strbuf_reset(&resp->body);
	if (p == PROTO_REST_XML) {
		if (!has_body)
			return;
		char root[160];
		snprintf(root, sizeof(root), "%s%s", op->xml_root ? op->xml_root : op->name,
			 op->xml_root ? "" : "Result");
		resp->content_type = "application/xml";
		codec_xml_out(&resp->body, s, output, root, svc->xmlns);
		return;
	}
	codec_json_out(&resp->body, p, s, output, true);
}
