/*
 * smithy-rpc-v2-cbor, which the newest AWS clients speak to CloudWatch: POST
 * /service/<Service>/operation/<Op> with smithy-protocol: rpc-v2-cbor, the input as a CBOR map
 * of member names; timestamps are tag 1 (epoch seconds), blobs byte strings. libcbor reads
 * requests, once a first pass over the item heads has checked that no declared length runs
 * past the body and that nesting stays shallow (libcbor allocates what a head declares, and
 * frees recursively). Answers are written directly.
 */
#include "cloud/proto/codec.h"

#include <cbor.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/http/aws.h"
#include "core/xalloc.h"

#define MAX_DEPTH 64

/* The first pass: a stack of how many items each open container still holds. */
struct scan {
	size_t remaining; /* bytes after the head being decoded */
	long long left[MAX_DEPTH + 1];
	int depth;
	bool bad;
};

static void item_done(struct scan *s)
{
	while (s->depth > 0 && s->left[s->depth] >= 0 && --s->left[s->depth] == 0)
		s->depth--;
}

/* A container's head: its n items (-1: until a break) follow; it is an item of its parent
 * once they are all read. */
static void scan_open(struct scan *s, long long n)
{
	if (n == 0) {
		item_done(s);
		return;
	}
	if (s->depth >= MAX_DEPTH) {
		s->bad = true;
		return;
	}
	s->left[++s->depth] = n;
}

static void cb_item(void *ctx)
{
	item_done(ctx);
}
static void cb_u8(void *ctx, uint8_t v)
{
	(void)v;
	item_done(ctx);
}
static void cb_u16(void *ctx, uint16_t v)
{
	(void)v;
	item_done(ctx);
}
static void cb_u32(void *ctx, uint32_t v)
{
	(void)v;
	item_done(ctx);
}
static void cb_u64(void *ctx, uint64_t v)
{
	(void)v;
	item_done(ctx);
}
static void cb_float(void *ctx, float v)
{
	(void)v;
	item_done(ctx);
}
static void cb_double(void *ctx, double v)
{
	(void)v;
	item_done(ctx);
}
static void cb_bool(void *ctx, bool v)
{
	(void)v;
	item_done(ctx);
}
static void cb_string(void *ctx, cbor_data data, uint64_t len)
{
	(void)data;
	(void)len;
	item_done(ctx);
}
static void cb_indef(void *ctx)
{
	scan_open(ctx, -1);
}
static void cb_array(void *ctx, uint64_t n)
{
	struct scan *s = ctx;
	if (n > s->remaining)
		s->bad = true;
	else
		scan_open(s, (long long)n);
}
static void cb_map(void *ctx, uint64_t n)
{
	struct scan *s = ctx;
	if (n > s->remaining / 2)
		s->bad = true;
	else
		scan_open(s, 2 * (long long)n);
}
static void cb_tag(void *ctx, uint64_t v)
{
	(void)v;
	struct scan *s = ctx;
	/* A tag wraps the next item: a container of one that is not an item of its own. */
	if (s->depth >= MAX_DEPTH)
		s->bad = true;
	else
		s->left[++s->depth] = 1;
}
static void cb_break(void *ctx)
{
	struct scan *s = ctx;
	if (s->depth == 0 || s->left[s->depth] >= 0) {
		s->bad = true;
		return;
	}
	s->depth--;
	item_done(s);
}

static bool scan_ok(const unsigned char *data, size_t len)
{
	struct cbor_callbacks cb = cbor_empty_callbacks;
	cb.uint8 = cb_u8;
	cb.uint16 = cb_u16;
	cb.uint32 = cb_u32;
	cb.uint64 = cb_u64;
	cb.negint8 = cb_u8;
	cb.negint16 = cb_u16;
	cb.negint32 = cb_u32;
	cb.negint64 = cb_u64;
	cb.byte_string = cb_string;
	cb.string = cb_string;
	cb.byte_string_start = cb_indef;
	cb.string_start = cb_indef;
	cb.array_start = cb_array;
	cb.indef_array_start = cb_indef;
	cb.map_start = cb_map;
	cb.indef_map_start = cb_indef;
	cb.tag = cb_tag;
	cb.float2 = cb_float;
	cb.float4 = cb_float;
	cb.float8 = cb_double;
	cb.undefined = cb_item;
	cb.null = cb_item;
	cb.boolean = cb_bool;
	cb.indef_break = cb_break;
	struct scan s = { 0 };
	size_t off = 0;
	do {
		s.remaining = len - off;
		struct cbor_decoder_result r = cbor_stream_decode(data + off, len - off, &cb, &s);
		if (r.status != CBOR_DECODER_FINISHED || r.read == 0)
			return false;
		off += r.read;
	} while (!s.bad && s.depth > 0 && off < len);
	return !s.bad && s.depth == 0 && off == len;
}

/* A definite or chunked string's bytes. Caller frees. */
static char *string_bytes(cbor_item_t *item, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	if (cbor_isa_string(item) ? cbor_string_is_definite(item)
				  : cbor_bytestring_is_definite(item)) {
		strbuf_add(&sb,
			   cbor_isa_string(item) ? cbor_string_handle(item)
						 : cbor_bytestring_handle(item),
			   cbor_isa_string(item) ? cbor_string_length(item)
						 : cbor_bytestring_length(item));
	} else {
		size_t n = cbor_isa_string(item) ? cbor_string_chunk_count(item)
						 : cbor_bytestring_chunk_count(item);
		cbor_item_t **chunks = cbor_isa_string(item) ? cbor_string_chunks_handle(item)
							     : cbor_bytestring_chunks_handle(item);
		for (size_t i = 0; i < n; i++) {
			size_t clen;
			char *c = string_bytes(chunks[i], &clen);
			strbuf_add(&sb, c, clen);
			free(c);
		}
	}
	*len = sb.len;
	if (!sb.buf)
		strbuf_addstr(&sb, "");
	return strbuf_detach(&sb);
}

/* Whether item is the simple value v (20 false, 21 true, 22 null, 23 undefined). libcbor's
 * own cbor_is_null() asserts on a float, so the width is checked first. */
static bool simple_is(cbor_item_t *item, uint8_t v)
{
	return cbor_isa_float_ctrl(item) && cbor_float_get_width(item) == CBOR_FLOAT_0 &&
	       cbor_ctrl_value(item) == v;
}

static bool number_of(cbor_item_t *item, double *out)
{
	switch (cbor_typeof(item)) {
	case CBOR_TYPE_UINT:
		*out = (double)cbor_get_int(item);
		return true;
	case CBOR_TYPE_NEGINT:
		*out = -1.0 - (double)cbor_get_int(item);
		return true;
	case CBOR_TYPE_FLOAT_CTRL:
		if (cbor_float_get_width(item) == CBOR_FLOAT_0)
			return false;
		*out = cbor_float_get_float(item);
		return true;
	default:
		return false;
	}
}

static bool wrong(struct codec_ctx *cx, const char *what)
{
	return codec_bad_body(cx, "Expected %s in the CBOR body", what);
}

static cJSON *from_item(struct codec_ctx *cx, const struct proto_shape *s, cbor_item_t *item,
			bool *ok)
{
	cJSON *out = NULL;
	double d;
	size_t len;
	char *text;
	if (cbor_typeof(item) == CBOR_TYPE_TAG && s->type != PM_TIMESTAMP) {
		*ok = wrong(cx, "no tag");
		return NULL;
	}
	switch ((enum proto_type)s->type) {
	case PM_STRUCTURE:
	case PM_MAP: {
		if (!cbor_isa_map(item)) {
			*ok = wrong(cx, "a map");
			return NULL;
		}
		out = cJSON_CreateObject();
		struct cbor_pair *pairs = cbor_map_handle(item);
		for (size_t i = 0; i < cbor_map_size(item) && *ok; i++) {
			if (!cbor_isa_string(pairs[i].key)) {
				*ok = wrong(cx, "a text key");
				break;
			}
			if (simple_is(pairs[i].value, CBOR_CTRL_NULL) ||
			    simple_is(pairs[i].value, CBOR_CTRL_UNDEF))
				continue;
			char *key = string_bytes(pairs[i].key, &len);
			const struct proto_shape *vs = NULL;
			const char *name = key;
			if (s->type == PM_MAP) {
				vs = s->members[1].shape;
			} else {
				const struct proto_member *m =
					codec_member_wire(s, key, len, false);
				vs = m ? m->shape : NULL;
				name = m ? m->name : NULL;
			}
			if (vs && strlen(key) == len) {
				cJSON *v = from_item(cx, vs, pairs[i].value, ok);
				if (v)
					cJSON_AddItemToObject(out, name, v);
			}
			free(key);
		}
		break;
	}
	case PM_LIST:
		if (!cbor_isa_array(item)) {
			*ok = wrong(cx, "an array");
			return NULL;
		}
		out = cJSON_CreateArray();
		for (size_t i = 0; i < cbor_array_size(item) && *ok; i++) {
			cbor_item_t *e = cbor_array_handle(item)[i];
			cJSON *v = simple_is(e, CBOR_CTRL_NULL)
					   ? cJSON_CreateNull()
					   : from_item(cx, s->members[0].shape, e, ok);
			if (v)
				cJSON_AddItemToArray(out, v);
		}
		break;
	case PM_STRING:
		if (!cbor_isa_string(item)) {
			*ok = wrong(cx, "a text string");
			return NULL;
		}
		text = string_bytes(item, &len);
		if (strlen(text) != len)
			*ok = wrong(cx, "text without NUL");
		else
			out = cJSON_CreateString(text);
		free(text);
		break;
	case PM_BLOB:
		if (!cbor_isa_bytestring(item)) {
			*ok = wrong(cx, "a byte string");
			return NULL;
		}
		text = string_bytes(item, &len);
		{
			char *b64 = aws_base64_encode(text, len);
			out = cJSON_CreateString(b64);
			free(b64);
		}
		free(text);
		break;
	case PM_BOOLEAN:
		if (!simple_is(item, CBOR_CTRL_TRUE) && !simple_is(item, CBOR_CTRL_FALSE)) {
			*ok = wrong(cx, "a boolean");
			return NULL;
		}
		out = cJSON_CreateBool(simple_is(item, CBOR_CTRL_TRUE));
		break;
	case PM_TIMESTAMP:
		if (cbor_typeof(item) == CBOR_TYPE_TAG) {
			if (cbor_tag_value(item) != 1) {
				*ok = wrong(cx, "tag 1");
				return NULL;
			}
			cbor_item_t *inner = cbor_tag_item(item);
			bool num = number_of(inner, &d);
			cbor_decref(&inner);
			if (!num) {
				*ok = wrong(cx, "a number");
				return NULL;
			}
		} else if (!number_of(item, &d)) {
			*ok = wrong(cx, "a timestamp");
			return NULL;
		}
		out = cJSON_CreateNumber(d);
		break;
	case PM_INTEGER:
	case PM_LONG:
	case PM_FLOAT:
	case PM_DOUBLE:
	case PM_BIGDECIMAL:
		if (!number_of(item, &d) || !isfinite(d)) {
			*ok = wrong(cx, "a number");
			return NULL;
		}
		out = cJSON_CreateNumber(d);
		break;
	}
	if (!*ok) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

bool codec_cbor_decode(struct codec_ctx *cx, const struct proto_req *req, cJSON **out)
{
	*out = NULL;
	if (!cx->op->input || req->body_len == 0) {
		*out = cJSON_CreateObject();
		return true;
	}
	const unsigned char *data = (const unsigned char *)req->body;
	if (!scan_ok(data, req->body_len))
		return codec_bad_body(cx, "The CBOR body is malformed or truncated");
	struct cbor_load_result res;
	cbor_item_t *item = cbor_load(data, req->body_len, &res);
	if (!item || res.error.code != CBOR_ERR_NONE || res.read != req->body_len) {
		if (item)
			cbor_decref(&item);
		return codec_bad_body(cx, "The CBOR body is malformed or truncated");
	}
	bool ok = true;
	*out = from_item(cx, cx->op->input, item, &ok);
	cbor_decref(&item);
	return ok;
}

/* Writing: the head of a major type with its argument. */
static void head(struct strbuf *sb, unsigned major, uint64_t v)
{
	unsigned char b[9];
	size_t n;
	major <<= 5;
	if (v < 24) {
		b[0] = (unsigned char)(major | v);
		n = 1;
	} else if (v <= 0xff) {
		b[0] = (unsigned char)(major | 24);
		b[1] = (unsigned char)v;
		n = 2;
	} else if (v <= 0xffff) {
		b[0] = (unsigned char)(major | 25);
		b[1] = (unsigned char)(v >> 8);
		b[2] = (unsigned char)v;
		n = 3;
	} else if (v <= 0xffffffffu) {
		b[0] = (unsigned char)(major | 26);
		for (int i = 0; i < 4; i++)
			b[1 + i] = (unsigned char)(v >> (24 - 8 * i));
		n = 5;
	} else {
		b[0] = (unsigned char)(major | 27);
		for (int i = 0; i < 8; i++)
			b[1 + i] = (unsigned char)(v >> (56 - 8 * i));
		n = 9;
	}
	strbuf_add(sb, b, n);
}

static void put_text(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);
	head(sb, 3, n);
	strbuf_add(sb, s, n);
}

static void put_number(struct strbuf *sb, double d, bool integral)
{
	if (integral && d == floor(d) && fabs(d) < 18446744073709551616.0) {
		if (d >= 0)
			head(sb, 0, (uint64_t)d);
		else
			head(sb, 1, (uint64_t)(-1.0 - d));
		return;
	}
	unsigned char b[9];
	uint64_t bits;
	memcpy(&bits, &d, sizeof(bits));
	b[0] = 0xfb;
	for (int i = 0; i < 8; i++)
		b[1 + i] = (unsigned char)(bits >> (56 - 8 * i));
	strbuf_add(sb, b, 9);
}

static void put_any(struct strbuf *sb, const cJSON *v)
{
	const cJSON *c;
	if (cJSON_IsString(v)) {
		put_text(sb, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		put_number(sb, v->valuedouble, true);
	} else if (cJSON_IsBool(v)) {
		strbuf_addch(sb, cJSON_IsTrue(v) ? 0xf5 : 0xf4);
	} else if (cJSON_IsArray(v)) {
		head(sb, 4, (uint64_t)cJSON_GetArraySize(v));
		cJSON_ArrayForEach(c, v) put_any(sb, c);
	} else if (cJSON_IsObject(v)) {
		head(sb, 5, (uint64_t)cJSON_GetArraySize(v));
		cJSON_ArrayForEach(c, v)
		{
			put_text(sb, c->string);
			put_any(sb, c);
		}
	} else {
		strbuf_addch(sb, 0xf6);
	}
}

static void put(struct strbuf *sb, const struct proto_shape *s, const cJSON *v)
{
	const cJSON *c;
	if (!s) {
		put_any(sb, v);
		return;
	}
	switch ((enum proto_type)s->type) {
	case PM_STRUCTURE: {
		if (!cJSON_IsObject(v))
			break;
		size_t n = 0;
		cJSON_ArrayForEach(c, v) n += !cJSON_IsNull(c);
		head(sb, 5, n);
		cJSON_ArrayForEach(c, v)
		{
			if (cJSON_IsNull(c))
				continue;
			const struct proto_member *m = codec_member(s, c->string);
			put_text(sb, m ? codec_wire(m, false, c->string) : c->string);
			put(sb, m ? m->shape : NULL, c);
		}
		return;
	}
	case PM_LIST:
		if (!cJSON_IsArray(v))
			break;
		head(sb, 4, (uint64_t)cJSON_GetArraySize(v));
		cJSON_ArrayForEach(c, v) put(sb, s->members[0].shape, c);
		return;
	case PM_MAP:
		if (!cJSON_IsObject(v))
			break;
		head(sb, 5, (uint64_t)cJSON_GetArraySize(v));
		cJSON_ArrayForEach(c, v)
		{
			put_text(sb, c->string);
			put(sb, s->members[1].shape, c);
		}
		return;
	case PM_BLOB:
		if (cJSON_IsString(v)) {
			size_t n;
			unsigned char *raw =
				aws_base64_decode(v->valuestring, strlen(v->valuestring), &n);
			if (raw) {
				head(sb, 2, n);
				strbuf_add(sb, raw, n);
				free(raw);
				return;
			}
		}
		break;
	case PM_TIMESTAMP:
		if (cJSON_IsNumber(v)) {
			head(sb, 6, 1);
			put_number(sb, v->valuedouble, v->valuedouble == floor(v->valuedouble));
			return;
		}
		break;
	case PM_FLOAT:
	case PM_DOUBLE:
	case PM_BIGDECIMAL:
		if (cJSON_IsNumber(v)) {
			put_number(sb, v->valuedouble, false);
			return;
		}
		break;
	case PM_STRING:
	case PM_INTEGER:
	case PM_LONG:
	case PM_BOOLEAN:
		break;
	}
	put_any(sb, v);
}

void codec_cbor_encode(const struct proto_shape *s, const cJSON *v, struct strbuf *out)
{
	if (!v) {
		head(out, 5, 0);
		return;
	}
	put(out, s, v);
}

void codec_cbor_error(const char *code, const char *message, const cJSON *fields,
		      struct strbuf *out)
{
	size_t n = 2;
	const cJSON *c;
	cJSON_ArrayForEach(c, fields) n +=
		strcmp(c->string, "message") != 0 && strcmp(c->string, "__type") != 0;
	head(out, 5, n);
	put_text(out, "__type");
	put_text(out, code);
	put_text(out, "message");
	put_text(out, message);
	cJSON_ArrayForEach(c, fields)
	{
		if (strcmp(c->string, "message") == 0 || strcmp(c->string, "__type") == 0)
			continue;
		put_text(out, c->string);
		put_any(out, c);
	}
}
