/*
 * The query protocol's plumbing and MD5 digests.
 */
#include "cloud/query/query.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/http/aws.h"
#include "core/digest.h"
#include "core/strutil.h"
#include "core/vec.h"
#include "core/xalloc.h"

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decode a form component; NULL on a bad escape or an embedded NUL. Caller frees. */
static char *form_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];
		if (ch == '+') {
			ch = ' ';
		} else if (ch == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				free(out);
				return NULL;
			}
			ch = hi * 16 + lo;
			i += 2;
		}
		if (ch == 0) {
			free(out);
			return NULL;
		}
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return out;
}

static bool tree_put(cJSON *tree, const char *key, const char *value)
{
	char *copy = xstrdup(key), *save = NULL;
	cJSON *node = tree;
	bool ok = true;
	char *part = strtok_r(copy, ".", &save);
	if (!part)
		ok = false;
	while (ok && part) {
		char *next = strtok_r(NULL, ".", &save);
		cJSON *child = cJSON_GetObjectItemCaseSensitive(node, part);
		if (!next) {
			if (child)
				cJSON_DeleteItemFromObjectCaseSensitive(node, part);
			cJSON_AddStringToObject(node, part, value);
		} else {
			if (child && !cJSON_IsObject(child)) {
				cJSON_DeleteItemFromObjectCaseSensitive(node, part);
				child = NULL;
			}
			if (!child)
				child = cJSON_AddObjectToObject(node, part);
			node = child;
		}
		part = next;
	}
	free(copy);
	return ok;
}

cJSON *query_parse_form(const char *body, size_t len)
{
	cJSON *tree = cJSON_CreateObject();
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && body[end] != '&')
			end++;
		if (end > i) {
			const char *eq = memchr(body + i, '=', end - i);
			size_t klen = eq ? (size_t)(eq - (body + i)) : end - i;
			char *k = form_decode(body + i, klen);
			char *v = eq ? form_decode(eq + 1, (size_t)(body + end - eq - 1))
				     : xstrdup("");
			bool ok = k && v && k[0] && tree_put(tree, k, v);
			free(k);
			free(v);
			if (!ok) {
				cJSON_Delete(tree);
				return NULL;
			}
		}
		i = end + 1;
	}
	return tree;
}

static int by_index(const void *a, const void *b)
{
	const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
	return atoi(x->string) - atoi(y->string);
}

/* The numbered children of tree[name], sorted by number, in a vec (borrowed items). */
static bool numbered(cJSON *tree, const char *name, struct vec *out)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(tree, name);
	if (!cJSON_IsObject(o))
		return false;
	cJSON *it;
	cJSON_ArrayForEach(it, o)
	{
		if (!it->string || atoi(it->string) <= 0)
			return false;
	}
	cJSON_ArrayForEach(it, o) vec_push(out, it);
	qsort(out->items, out->len, sizeof(void *), by_index);
	return true;
}

void query_fold_list(cJSON *tree, const char *name, const char *to)
{
	struct vec items = VEC_INIT;
	if (!numbered(tree, name, &items)) {
		vec_release(&items);
		return;
	}
	cJSON *arr = cJSON_CreateArray();
	vec_for_each (&items, i) {
		cJSON *it = items.items[i];
		if (cJSON_IsString(it))
			cJSON_AddItemToArray(arr, cJSON_CreateString(it->valuestring));
	}
	vec_release(&items);
	cJSON_DeleteItemFromObjectCaseSensitive(tree, name);
	cJSON_DeleteItemFromObjectCaseSensitive(tree, to);
	cJSON_AddItemToObject(tree, to, arr);
}

void query_fold_map(cJSON *tree, const char *name, const char *key, const char *value,
		    const char *to)
{
	struct vec items = VEC_INIT;
	if (!numbered(tree, name, &items)) {
		vec_release(&items);
		return;
	}
	cJSON *map = cJSON_CreateObject();
	vec_for_each (&items, i) {
		cJSON *it = items.items[i];
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, key);
		cJSON *v = cJSON_GetObjectItemCaseSensitive(it, value);
		if (!cJSON_IsString(k))
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(map, k->valuestring);
		cJSON_AddItemToObject(map, k->valuestring,
				      v ? cJSON_Duplicate(v, true) : cJSON_CreateString(""));
	}
	vec_release(&items);
	cJSON_DeleteItemFromObjectCaseSensitive(tree, name);
	cJSON_DeleteItemFromObjectCaseSensitive(tree, to);
	cJSON_AddItemToObject(tree, to, map);
}

void query_fold_objects(cJSON *tree, const char *name, const char *to)
{
	struct vec items = VEC_INIT;
	if (!numbered(tree, name, &items)) {
		vec_release(&items);
		return;
	}
	cJSON *arr = cJSON_CreateArray();
	vec_for_each (&items, i)
		cJSON_AddItemToArray(arr, cJSON_Duplicate(items.items[i], true));
	vec_release(&items);
	cJSON_DeleteItemFromObjectCaseSensitive(tree, name);
	cJSON_DeleteItemFromObjectCaseSensitive(tree, to);
	cJSON_AddItemToObject(tree, to, arr);
}

cJSON *query_child(cJSON *tree, const char *name)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(tree, name);
	return cJSON_IsObject(o) ? o : NULL;
}

void query_xml_escape(struct strbuf *sb, const char *s)
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
		case '\r':
			strbuf_addstr(sb, "&#xD;");
			break;
		default:
			strbuf_addch(sb, *s);
		}
	}
}

void query_xml_text(struct strbuf *sb, const char *tag, const char *text)
{
	strbuf_addf(sb, "<%s>", tag);
	query_xml_escape(sb, text);
	strbuf_addf(sb, "</%s>", tag);
}

const char *query_request_id(const struct http_resp *resp)
{
	for (int i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i][0], "x-amzn-RequestId") == 0)
			return resp->headers[i][1];
	return "";
}

void query_xml_begin(struct http_resp *resp, const char *xmlns, const char *action,
		     bool with_result)
{
	resp->content_type = "text/xml";
	strbuf_reset(&resp->body);
	strbuf_addf(&resp->body, "<?xml version=\"1.0\"?><%sResponse xmlns=\"%s\">", action, xmlns);
	if (with_result)
		strbuf_addf(&resp->body, "<%sResult>", action);
}

void query_xml_end(struct http_resp *resp, const char *action, bool with_result)
{
	if (with_result)
		strbuf_addf(&resp->body, "</%sResult>", action);
	strbuf_addstr(&resp->body, "<ResponseMetadata>");
	query_xml_text(&resp->body, "RequestId", query_request_id(resp));
	strbuf_addf(&resp->body, "</ResponseMetadata></%sResponse>", action);
}

void query_error(struct http_resp *resp, const char *xmlns, int status, const char *code,
		 const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	resp->status = status;
	resp->content_type = "text/xml";
	strbuf_reset(&resp->body);
	strbuf_addf(&resp->body, "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"%s\"><Error>",
		    xmlns);
	query_xml_text(&resp->body, "Type", status >= 500 ? "Receiver" : "Sender");
	query_xml_text(&resp->body, "Code", code);
	query_xml_text(&resp->body, "Message", msg);
	strbuf_addstr(&resp->body, "<Detail/></Error>");
	query_xml_text(&resp->body, "RequestId", query_request_id(resp));
	strbuf_addstr(&resp->body, "</ErrorResponse>");
}

static void put_len(struct strbuf *sb, const void *data, size_t len)
{
	unsigned char be[4] = { (unsigned char)(len >> 24), (unsigned char)(len >> 16),
				(unsigned char)(len >> 8), (unsigned char)len };
	strbuf_add(sb, be, 4);
	strbuf_add(sb, data, len);
}

static int by_name(const void *a, const void *b)
{
	const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
	return strcmp(x->string, y->string);
}

void query_md5_attrs(const cJSON *attrs, char out[33])
{
	out[0] = '\0';
	if (!cJSON_IsObject(attrs) || !attrs->child)
		return;
	struct vec items = VEC_INIT;
	const cJSON *it;
	cJSON_ArrayForEach(it, attrs) vec_push(&items, (void *)it);
	qsort(items.items, items.len, sizeof(void *), by_name);
	struct strbuf sb = STRBUF_INIT;
	vec_for_each (&items, i) {
		const cJSON *a = items.items[i];
		const char *type = query_str(a, "DataType");
		if (!type)
			type = "String";
		put_len(&sb, a->string, strlen(a->string));
		put_len(&sb, type, strlen(type));
		const char *bin = query_str(a, "BinaryValue");
		if (str_starts_with(type, "Binary") && bin) {
			size_t n = 0;
			unsigned char *raw = aws_base64_decode(bin, strlen(bin), &n);
			strbuf_addch(&sb, 2);
			put_len(&sb, raw ? (const char *)raw : "", raw ? n : 0);
			free(raw);
		} else {
			const char *s = query_str(a, "StringValue");
			strbuf_addch(&sb, 1);
			put_len(&sb, s ? s : "", s ? strlen(s) : 0);
		}
	}
	query_md5_hex(sb.buf ? sb.buf : "", sb.len, out);
	strbuf_release(&sb);
	vec_release(&items);
}

bool query_int(const cJSON *o, const char *name, long long *out, bool *given)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (given)
		*given = v != NULL;
	if (!v)
		return true;
	if (cJSON_IsNumber(v)) {
		if (v->valuedouble != (double)(long long)v->valuedouble)
			return false;
		*out = (long long)v->valuedouble;
		return true;
	}
	if (!cJSON_IsString(v) || !v->valuestring[0])
		return false;
	char *end;
	long long n = strtoll(v->valuestring, &end, 10);
	if (*end)
		return false;
	*out = n;
	return true;
}

const char *query_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

cJSON *query_request_params(const struct http_req *req, const char *xmlns, struct http_resp *resp)
{
	cJSON *params = NULL;
	const char *action = NULL;
	if (req->too_large) {
		query_error(resp, xmlns, 413, "RequestEntityTooLarge",
			    "The request body is larger than the service accepts");
	} else if (!(params = query_parse_form(req->body, req->body_len))) {
		query_error(resp, xmlns, 400, "MalformedQueryString",
			    "The request body is not a well-formed query string");
	} else if (!(action = query_str(params, "Action")) || !action[0]) {
		query_error(resp, xmlns, 400, "MissingAction",
			    "The request must contain the parameter Action.");
		cJSON_Delete(params);
		params = NULL;
	}
	return params;
}

void query_md5_hex(const void *data, size_t len, char out[33])
{
	md5_hex(data, len, out);
}
