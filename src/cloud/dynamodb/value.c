/*
 * AttributeValues: checks, canonical copies, sizes, equality, order, key bytes and paths.
 */
#include "cloud/dynamodb/value.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/http/aws.h"
#include "cloud/svc/svc.h"

static const char *const type_names[] = {
	[DDB_NONE] = "", [DDB_S] = "S",       [DDB_N] = "N",       [DDB_B] = "B",
	[DDB_SS] = "SS", [DDB_NS] = "NS",     [DDB_BS] = "BS",     [DDB_M] = "M",
	[DDB_L] = "L",   [DDB_NULL] = "NULL", [DDB_BOOL] = "BOOL",
};

static bool verror(struct aws_err *err, const char *code, const char *fmt, va_list ap)
	XALLOC_PRINTF(3, 0);
static bool verror(struct aws_err *err, const char *code, const char *fmt, va_list ap)
{
	if (!err)
		return false;
	memset(err, 0, sizeof(*err));
	bool server = strcmp(code, "InternalServerError") == 0;
	err->status = server ? 500 : 400;
	err->server = server;
	snprintf(err->code, sizeof(err->code), "%s", code);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	return false;
}

bool ddb_error(struct aws_err *err, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(err, code, fmt, ap);
	va_end(ap);
	return false;
}

bool ddb_invalid(struct aws_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(err, "ValidationException", fmt, ap);
	va_end(ap);
	return false;
}

const char *ddb_type_name(enum ddb_type t)
{
	return type_names[t];
}

enum ddb_type ddb_type_from_name(const char *name)
{
	for (size_t t = DDB_S; t <= DDB_BOOL; t++)
		if (strcmp(type_names[t], name) == 0)
			return (enum ddb_type)t;
	return DDB_NONE;
}

enum ddb_type ddb_av_type(const cJSON *av)
{
	if (!cJSON_IsObject(av))
		return DDB_NONE;
	for (const cJSON *m = av->child; m; m = m->next) {
		if (!m->string || cJSON_IsNull(m))
			continue;
		enum ddb_type t = ddb_type_from_name(m->string);
		if (t != DDB_NONE)
			return t;
	}
	return DDB_NONE;
}

const cJSON *ddb_av_payload(const cJSON *av)
{
	enum ddb_type t = ddb_av_type(av);
	return t == DDB_NONE ? NULL : cJSON_GetObjectItemCaseSensitive(av, type_names[t]);
}

/* --- checks and canonical copies --- */

static bool clean_number(const char *text, char out[DDB_NUM_TEXT_MAX + 1], struct aws_err *err)
{
	struct ddb_num n;
	enum ddb_num_status st = ddb_num_parse(text, &n);
	if (st != DDB_NUM_OK)
		return ddb_invalid(err, "%s", ddb_num_message(st));
	ddb_num_format(&n, out);
	return true;
}

/* A binary's canonical base64 (padded), or NULL when it is not base64. Caller frees. */
static char *clean_binary(const char *b64)
{
	size_t len;
	unsigned char *bytes = aws_base64_decode(b64, strlen(b64), &len);
	if (!bytes)
		return NULL;
	char *out = aws_base64_encode(bytes, len);
	free(bytes);
	return out;
}

static const char *set_word(enum ddb_type t)
{
	return t == DDB_SS ? "string" : t == DDB_NS ? "number" : "binary";
}

static cJSON *clean_set(enum ddb_type t, const cJSON *arr, struct aws_err *err)
{
	if (!cJSON_IsArray(arr))
		return ddb_invalid(err, "Supplied AttributeValue is empty, must contain exactly "
					"one of the supported datatypes"),
		       NULL;
	if (!arr->child)
		return ddb_invalid(err,
				   "One or more parameter values were invalid: An %s set  may not "
				   "be empty",
				   set_word(t)),
		       NULL;
	cJSON *out = cJSON_CreateArray();
	for (const cJSON *e = arr->child; e; e = e->next) {
		if (!cJSON_IsString(e)) {
			ddb_invalid(err, "Supplied AttributeValue is empty, must contain exactly "
					 "one of the supported datatypes");
			goto fail;
		}
		char num[DDB_NUM_TEXT_MAX + 1];
		char *bin = NULL;
		const char *v = e->valuestring;
		if (t == DDB_NS) {
			if (!clean_number(v, num, err))
				goto fail;
			v = num;
		} else if (t == DDB_BS) {
			bin = clean_binary(v);
			if (!bin) {
				ddb_invalid(err, "Invalid Binary value in a binary set");
				goto fail;
			}
			v = bin;
		}
		for (const cJSON *o = out->child; o; o = o->next) {
			if (strcmp(o->valuestring, v) != 0)
				continue;
			struct strbuf sb = STRBUF_INIT;
			for (const cJSON *a = arr->child; a; a = a->next)
				strbuf_addf(&sb, "%s%s", a == arr->child ? "" : ", ",
					    cJSON_IsString(a) ? a->valuestring : "");
			ddb_invalid(err,
				    "One or more parameter values were invalid: Input collection "
				    "[%s] contains duplicates.",
				    strbuf_str(&sb));
			strbuf_release(&sb);
			free(bin);
			goto fail;
		}
		cJSON_AddItemToArray(out, cJSON_CreateString(v));
		free(bin);
	}
	return out;
fail:
	cJSON_Delete(out);
	return NULL;
}

static cJSON *clean_at(const cJSON *av, int depth, struct aws_err *err);

static cJSON *clean_map_at(const cJSON *map, int depth, struct aws_err *err)
{
	cJSON *out = cJSON_CreateObject();
	for (const cJSON *m = map->child; m; m = m->next) {
		cJSON *v = clean_at(m, depth + 1, err);
		if (!v) {
			cJSON_Delete(out);
			return NULL;
		}
		cJSON_AddItemToObject(out, m->string ? m->string : "", v);
	}
	return out;
}

static cJSON *clean_at(const cJSON *av, int depth, struct aws_err *err)
{
	if (depth > DDB_NESTING_MAX)
		return ddb_invalid(err, "Nesting Levels have exceeded supported limits"), NULL;
	int types = 0;
	if (cJSON_IsObject(av))
		for (const cJSON *m = av->child; m; m = m->next)
			if (m->string && !cJSON_IsNull(m) && ddb_type_from_name(m->string))
				types++;
	if (types == 0)
		return ddb_invalid(err, "Supplied AttributeValue is empty, must contain exactly "
					"one of the supported datatypes"),
		       NULL;
	if (types > 1)
		return ddb_invalid(err, "Supplied AttributeValue has more than one datatypes set, "
					"must contain exactly one of the supported datatypes"),
		       NULL;
	enum ddb_type t = ddb_av_type(av);
	const cJSON *p = ddb_av_payload(av);
	cJSON *out = cJSON_CreateObject(), *v = NULL;
	switch (t) {
	case DDB_S:
		if (cJSON_IsString(p))
			v = cJSON_CreateString(p->valuestring);
		break;
	case DDB_N:
		if (cJSON_IsString(p)) {
			char num[DDB_NUM_TEXT_MAX + 1];
			if (!clean_number(p->valuestring, num, err))
				goto fail;
			v = cJSON_CreateString(num);
		}
		break;
	case DDB_B:
		if (cJSON_IsString(p)) {
			char *bin = clean_binary(p->valuestring);
			if (!bin) {
				ddb_error(err, "SerializationException",
					  "Base64 encoded binary value is malformed");
				goto fail;
			}
			v = cJSON_CreateString(bin);
			free(bin);
		}
		break;
	case DDB_SS:
	case DDB_NS:
	case DDB_BS:
		v = clean_set(t, p, err);
		if (!v)
			goto fail;
		break;
	case DDB_M:
		if (cJSON_IsObject(p)) {
			v = clean_map_at(p, depth, err);
			if (!v)
				goto fail;
		}
		break;
	case DDB_L:
		if (cJSON_IsArray(p)) {
			v = cJSON_CreateArray();
			for (const cJSON *e = p->child; e; e = e->next) {
				cJSON *c = clean_at(e, depth + 1, err);
				if (!c) {
					cJSON_Delete(v);
					goto fail;
				}
				cJSON_AddItemToArray(v, c);
			}
		}
		break;
	case DDB_NULL:
		if (cJSON_IsBool(p)) {
			if (!cJSON_IsTrue(p)) {
				ddb_invalid(err,
					    "One or more parameter values were invalid: Null "
					    "attribute value types must have the value of true");
				goto fail;
			}
			v = cJSON_CreateTrue();
		}
		break;
	case DDB_BOOL:
		if (cJSON_IsBool(p))
			v = cJSON_CreateBool(cJSON_IsTrue(p));
		break;
	case DDB_NONE:
		abort();
	}
	if (!v) {
		ddb_error(err, "SerializationException", "Unexpected value type in payload");
		goto fail;
	}
	cJSON_AddItemToObject(out, type_names[t], v);
	return out;
fail:
	cJSON_Delete(out);
	return NULL;
}

cJSON *ddb_av_clean(const cJSON *av, struct aws_err *err)
{
	return clean_at(av, 0, err);
}

cJSON *ddb_map_clean(const cJSON *map, struct aws_err *err)
{
	if (!cJSON_IsObject(map))
		return ddb_error(err, "SerializationException", "Unexpected value type in payload"),
		       NULL;
	return clean_map_at(map, 0, err);
}

/* --- sizes --- */

static size_t binary_len(const char *b64)
{
	size_t n = strlen(b64), pad = 0;
	while (n > pad && b64[n - 1 - pad] == '=')
		pad++;
	return (n - pad) * 3 / 4;
}

size_t ddb_av_size(const cJSON *av)
{
	const cJSON *p = ddb_av_payload(av), *e;
	size_t size = 0;
	struct ddb_num n;
	switch (ddb_av_type(av)) {
	case DDB_S:
		return strlen(p->valuestring);
	case DDB_N:
		return ddb_num_parse(p->valuestring, &n) == DDB_NUM_OK ? ddb_num_size(&n) : 0;
	case DDB_B:
		return binary_len(p->valuestring);
	case DDB_SS:
		cJSON_ArrayForEach(e, p) size += strlen(e->valuestring);
		return size;
	case DDB_NS:
		cJSON_ArrayForEach(e, p) if (ddb_num_parse(e->valuestring, &n) == DDB_NUM_OK)
			size += ddb_num_size(&n);
		return size;
	case DDB_BS:
		cJSON_ArrayForEach(e, p) size += binary_len(e->valuestring);
		return size;
	case DDB_M:
		size = 3;
		cJSON_ArrayForEach(e, p) size += strlen(e->string) + ddb_av_size(e) + 1;
		return size;
	case DDB_L:
		size = 3;
		cJSON_ArrayForEach(e, p) size += ddb_av_size(e) + 1;
		return size;
	case DDB_NULL:
	case DDB_BOOL:
		return 1;
	case DDB_NONE:
		return 0;
	}
	abort();
}

size_t ddb_item_size(const cJSON *item)
{
	size_t size = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, item) size += strlen(e->string) + ddb_av_size(e);
	return size;
}

/* --- values --- */

bool ddb_av_num(const cJSON *av, struct ddb_num *out)
{
	if (ddb_av_type(av) != DDB_N)
		return false;
	return ddb_num_parse(ddb_av_payload(av)->valuestring, out) == DDB_NUM_OK;
}

cJSON *ddb_av_from_num(const struct ddb_num *n)
{
	char text[DDB_NUM_TEXT_MAX + 1];
	ddb_num_format(n, text);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "N", text);
	return o;
}

unsigned char *ddb_av_bytes(const cJSON *av, size_t *len)
{
	if (ddb_av_type(av) != DDB_B)
		return NULL;
	const char *s = ddb_av_payload(av)->valuestring;
	return aws_base64_decode(s, strlen(s), len);
}

static bool num_text_equal(const char *a, const char *b)
{
	struct ddb_num x, y;
	if (ddb_num_parse(a, &x) != DDB_NUM_OK || ddb_num_parse(b, &y) != DDB_NUM_OK)
		return strcmp(a, b) == 0;
	return ddb_num_cmp(&x, &y) == 0;
}

static bool set_has(const cJSON *set, const char *v, bool numbers)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, set)
	{
		if (numbers ? num_text_equal(e->valuestring, v) : strcmp(e->valuestring, v) == 0)
			return true;
	}
	return false;
}

bool ddb_av_equal(const cJSON *a, const cJSON *b)
{
	enum ddb_type t = ddb_av_type(a);
	if (t != ddb_av_type(b) || t == DDB_NONE)
		return false;
	const cJSON *x = ddb_av_payload(a), *y = ddb_av_payload(b), *e;
	switch (t) {
	case DDB_S:
	case DDB_B:
		return strcmp(x->valuestring, y->valuestring) == 0;
	case DDB_N:
		return num_text_equal(x->valuestring, y->valuestring);
	case DDB_SS:
	case DDB_NS:
	case DDB_BS:
		if (cJSON_GetArraySize(x) != cJSON_GetArraySize(y))
			return false;
		cJSON_ArrayForEach(e, x) if (!set_has(y, e->valuestring, t == DDB_NS)) return false;
		return true;
	case DDB_M:
		if (cJSON_GetArraySize(x) != cJSON_GetArraySize(y))
			return false;
		cJSON_ArrayForEach(e, x)
		{
			const cJSON *o = cJSON_GetObjectItemCaseSensitive(y, e->string);
			if (!o || !ddb_av_equal(e, o))
				return false;
		}
		return true;
	case DDB_L: {
		const cJSON *o = y->child;
		for (e = x->child; e && o; e = e->next, o = o->next)
			if (!ddb_av_equal(e, o))
				return false;
		return !e && !o;
	}
	case DDB_NULL:
		return true;
	case DDB_BOOL:
		return cJSON_IsTrue(x) == cJSON_IsTrue(y);
	case DDB_NONE:
		break;
	}
	return false;
}

static int memcmp_len(const void *a, size_t na, const void *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);
	if (c)
		return c < 0 ? -1 : 1;
	return na == nb ? 0 : na < nb ? -1 : 1;
}

int ddb_av_compare(const cJSON *a, const cJSON *b, bool *ok)
{
	enum ddb_type t = ddb_av_type(a);
	*ok = false;
	if (t != ddb_av_type(b))
		return 0;
	const cJSON *x = ddb_av_payload(a), *y = ddb_av_payload(b);
	if (t == DDB_S) {
		*ok = true;
		return memcmp_len(x->valuestring, strlen(x->valuestring), y->valuestring,
				  strlen(y->valuestring));
	}
	if (t == DDB_N) {
		struct ddb_num m, n;
		if (!ddb_av_num(a, &m) || !ddb_av_num(b, &n))
			return 0;
		*ok = true;
		return ddb_num_cmp(&m, &n);
	}
	if (t == DDB_B) {
		size_t na, nb;
		unsigned char *p = ddb_av_bytes(a, &na), *q = ddb_av_bytes(b, &nb);
		int c = 0;
		if (p && q) {
			*ok = true;
			c = memcmp_len(p, na, q, nb);
		}
		free(p);
		free(q);
		return c;
	}
	return 0;
}

bool ddb_av_key(const cJSON *av, struct strbuf *out)
{
	const cJSON *p = ddb_av_payload(av);
	switch (ddb_av_type(av)) {
	case DDB_S:
		strbuf_addstr(out, p->valuestring);
		return true;
	case DDB_N: {
		struct ddb_num n;
		unsigned char key[DDB_NUM_KEY_MAX];
		if (!ddb_av_num(av, &n))
			return false;
		strbuf_add(out, key, ddb_num_key(&n, key));
		return true;
	}
	case DDB_B: {
		size_t len;
		unsigned char *bytes = ddb_av_bytes(av, &len);
		if (!bytes)
			return false;
		strbuf_add(out, bytes, len);
		free(bytes);
		return true;
	}
	default:
		return false;
	}
}

/* --- paths --- */

void ddb_path_release(struct ddb_path *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->steps[i].name);
	free(p->steps);
	p->steps = NULL;
	p->n = 0;
}

void ddb_path_copy(struct ddb_path *dst, const struct ddb_path *src)
{
	dst->n = src->n;
	dst->steps = xcalloc(src->n ? src->n : 1, sizeof(*dst->steps));
	for (size_t i = 0; i < src->n; i++) {
		dst->steps[i].name = xstrdup(src->steps[i].name);
		dst->steps[i].index = src->steps[i].index;
	}
}

void ddb_path_format(const struct ddb_path *p, bool bracketed, struct strbuf *out)
{
	if (bracketed)
		strbuf_addch(out, '[');
	for (size_t i = 0; i < p->n; i++) {
		const struct ddb_step *s = &p->steps[i];
		if (bracketed) {
			if (i)
				strbuf_addstr(out, ", ");
			if (s->name)
				strbuf_addstr(out, s->name);
			else
				strbuf_addf(out, "[%ld]", s->index);
		} else if (s->name) {
			strbuf_addf(out, "%s%s", i ? "." : "", s->name);
		} else {
			strbuf_addf(out, "[%ld]", s->index);
		}
	}
	if (bracketed)
		strbuf_addch(out, ']');
}

const cJSON *ddb_path_get(const cJSON *item, const struct ddb_path *p)
{
	if (p->n == 0 || !p->steps[0].name)
		return NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, p->steps[0].name);
	for (size_t i = 1; v && i < p->n; i++) {
		const struct ddb_step *s = &p->steps[i];
		if (s->name) {
			if (ddb_av_type(v) != DDB_M)
				return NULL;
			v = cJSON_GetObjectItemCaseSensitive(ddb_av_payload(v), s->name);
		} else {
			if (ddb_av_type(v) != DDB_L || s->index < 0)
				return NULL;
			v = cJSON_GetArrayItem(ddb_av_payload(v), (int)s->index);
		}
	}
	return v;
}
