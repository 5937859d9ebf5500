/*
 * The query protocol: form-encoded parameters in ("Action=SendMessageBatch&
 * SendMessageBatchRequestEntry.1.Id=a"), XML out (<OpResponse><OpResult>...</OpResult>
 * <ResponseMetadata><RequestId>). Parameters are sorted once, so that the decoder walks the
 * input shape and finds each member's parameters (and whether a list or structure has any) by
 * binary search.
 */
#include "cloud/proto/codec.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/http/server.h"
#include "core/xalloc.h"

struct param {
	char *name;
	char *value;
};

struct params {
	struct param *v;
	size_t n;
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..n) ('+' is a space). NULL on a bad escape or a NUL. Caller frees. */
static char *form_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int h, l;
			if (i + 2 >= n || (h = hexval(s[i + 1])) < 0 || (l = hexval(s[i + 2])) < 0)
				goto bad;
			*o = (char)(h << 4 | l);
			if (!*o)
				goto bad;
			o++;
			i += 2;
		} else if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '\0') {
			goto bad;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static void params_release(struct params *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].name);
		free(ps->v[i].value);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

static void params_add(struct params *ps, char *name, char *value)
{
	ps->v = xreallocarray(ps->v, ps->n + 1, sizeof(*ps->v));
	ps->v[ps->n].name = name;
	ps->v[ps->n].value = value;
	ps->n++;
}

static int cmp_param(const void *a, const void *b)
{
	return strcmp(((const struct param *)a)->name, ((const struct param *)b)->name);
}

static bool parse_form(const char *body, size_t len, struct params *ps)
{
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && body[end] != '&')
			end++;
		if (end > i) {
			const char *eq = memchr(body + i, '=', end - i);
			size_t nlen = eq ? (size_t)(eq - body - i) : end - i;
			char *name = form_decode(body + i, nlen);
			char *value = eq ? form_decode(eq + 1, (size_t)(body + end - eq - 1))
					 : xstrdup("");
			if (!name || !value || !*name) {
				free(name);
				free(value);
				return false;
			}
			params_add(ps, name, value);
		}
		i = end + 1;
	}
	return true;
}

/* The first parameter named name, or NULL. */
static const struct param *find(const struct params *ps, const char *name)
{
	size_t lo = 0, hi = ps->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(ps->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ps->n && strcmp(ps->v[lo].name, name) == 0 ? &ps->v[lo] : NULL;
}

/* Whether any parameter is prefix itself or starts with "prefix.". */
static bool any_under(const struct params *ps, const char *prefix)
{
	size_t n = strlen(prefix);
	size_t lo = 0, hi = ps->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(ps->v[mid].name, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ps->n && strncmp(ps->v[lo].name, prefix, n) == 0; lo++)
		if (ps->v[lo].name[n] == '\0' || ps->v[lo].name[n] == '.')
			return true;
	return false;
}

static cJSON *decode(struct codec_ctx *cx, const struct params *ps, const struct proto_member *m,
		     const struct proto_shape *s, const char *prefix, bool *ok);

static cJSON *decode_list(struct codec_ctx *cx, const struct params *ps,
			  const struct proto_member *m, const struct proto_shape *s,
			  const char *prefix, bool *ok)
{
	const struct proto_member *em = &s->members[0];
	bool flat = (m && (m->flags & PM_M_FLATTENED)) || (s->flags & PM_S_FLATTENED);
	char base[512];
	if (flat) {
		/* "Name.N", the last part renamed to the element's own name if it has one. */
		snprintf(base, sizeof(base), "%s", prefix);
		if (em->qwire) {
			char *dot = strrchr(base, '.');
			size_t keep = dot ? (size_t)(dot - base + 1) : 0;
			snprintf(base + keep, sizeof(base) - keep, "%s", em->qwire);
		}
	} else {
		snprintf(base, sizeof(base), "%s.%s", prefix, em->qwire ? em->qwire : "member");
	}
	const struct param *empty = find(ps, prefix);
	cJSON *a = NULL;
	for (int i = 1; *ok; i++) {
		char key[560];
		snprintf(key, sizeof(key), "%s.%d", base, i);
		if (!any_under(ps, key))
			break;
		if (!a)
			a = cJSON_CreateArray();
		cJSON *e = decode(cx, ps, em, em->shape, key, ok);
		if (e)
			cJSON_AddItemToArray(a, e);
	}
	if (!a && empty && !*empty->value)
		a = cJSON_CreateArray(); /* "Name=": an empty list */
	return a;
}

static cJSON *decode_map(struct codec_ctx *cx, const struct params *ps,
			 const struct proto_member *m, const struct proto_shape *s,
			 const char *prefix, bool *ok)
{
	const struct proto_member *km = &s->members[0], *vm = &s->members[1];
	bool flat = (m && (m->flags & PM_M_FLATTENED)) || (s->flags & PM_S_FLATTENED);
	cJSON *o = NULL;
	for (int i = 1; *ok; i++) {
		char entry[560], key[600], val[600];
		snprintf(entry, sizeof(entry), flat ? "%s.%d" : "%s.entry.%d", prefix, i);
		if (!any_under(ps, entry))
			break;
		snprintf(key, sizeof(key), "%s.%s", entry, km->qwire ? km->qwire : "key");
		snprintf(val, sizeof(val), "%s.%s", entry, vm->qwire ? vm->qwire : "value");
		const struct param *k = find(ps, key);
		if (!k)
			continue;
		if (!o)
			o = cJSON_CreateObject();
		cJSON *v = decode(cx, ps, vm, vm->shape, val, ok);
		if (v)
			cJSON_AddItemToObject(o, k->value, v);
	}
	return o;
}

static cJSON *decode(struct codec_ctx *cx, const struct params *ps, const struct proto_member *m,
		     const struct proto_shape *s, const char *prefix, bool *ok)
{
	switch ((enum proto_type)s->type) {
	case PM_STRUCTURE: {
		if (*prefix && !any_under(ps, prefix))
			return NULL;
		cJSON *o = cJSON_CreateObject();
		for (size_t i = 0; i < s->nmembers && *ok; i++) {
			const struct proto_member *c = &s->members[i];
			char key[512];
			snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "",
				 codec_wire(c, true, c->name));
			cJSON *v = decode(cx, ps, c, c->shape, key, ok);
			if (v)
				cJSON_AddItemToObject(o, c->name, v);
		}
		return o;
	}
	case PM_LIST:
		return decode_list(cx, ps, m, s, prefix, ok);
	case PM_MAP:
		return decode_map(cx, ps, m, s, prefix, ok);
	default: {
		const struct param *p = find(ps, prefix);
		if (!p)
			return NULL;
		cJSON *v = codec_scalar_from_text(s, p->value);
		if (!v) {
			*ok = false;
			aws_err_set(cx->err, 400, "InvalidParameterValue",
				    "Value %s for parameter %s is invalid.", p->value, prefix);
		}
		return v;
	}
	}
}

bool codec_query_decode(struct codec_ctx *cx, const struct proto_req *req, cJSON **out)
{
	struct params ps = { 0 };
	bool ok = true;
	*out = NULL;
	if (req->body_len) {
		ok = parse_form(req->body ? req->body : "", req->body_len, &ps);
	} else {
		for (size_t i = 0; i < req->nquery; i++)
			params_add(&ps, xstrdup(req->query[i].name), xstrdup(req->query[i].value));
	}
	if (!ok) {
		params_release(&ps);
		return aws_err_set(cx->err, 400, "MalformedQueryString",
				   "The query string is not well-formed form-encoded text");
	}
	if (ps.n)
		qsort(ps.v, ps.n, sizeof(*ps.v), cmp_param);
	if (!cx->op) {
		const struct param *action = find(&ps, "Action");
		if (!action || !(cx->op = proto_op_find(cx->svc, action->value))) {
			aws_err_set(cx->err, 400, "InvalidAction",
				    "The action %s is not valid for this web service.",
				    action ? action->value : "(none)");
			if (!action)
				aws_err_set(cx->err, 400, "MissingAction",
					    "Could not find operation: the request has no Action");
			params_release(&ps);
			return false;
		}
	}
	if (cx->op->input)
		*out = decode(cx, &ps, NULL, cx->op->input, "", &ok);
	else
		*out = cJSON_CreateObject();
	params_release(&ps);
	if (!ok) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return ok;
}

void codec_query_encode(const struct proto_service *svc, const struct proto_op *op,
			const cJSON *output, const char *request_id, struct http_resp *resp)
{
	resp->status = 200;
	resp->content_type = "text/xml";
	strbuf_reset(&resp->body);
	struct strbuf *sb = &resp->body;
	strbuf_addf(sb, "<%sResponse xmlns=\"%s\">", op->name, svc->xmlns ? svc->xmlns : "");
	if (op->result_wrapper || op->output) {
		const char *wrap = op->result_wrapper;
		char dflt[160];
		if (!wrap) {
			snprintf(dflt, sizeof(dflt), "%sResult", op->name);
			wrap = dflt;
		}
		strbuf_addf(sb, "<%s>", wrap);
		codec_query_result(sb, op->output, output);
		strbuf_addf(sb, "</%s>", wrap);
	}
	strbuf_addstr(sb, "<ResponseMetadata><RequestId>");
	codec_xml_escape(sb, request_id ? request_id : "");
	strbuf_addf(sb, "</RequestId></ResponseMetadata></%sResponse>", op->name);
}
