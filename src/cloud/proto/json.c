/*
 * JSON bodies (JSON 1.0/1.1 and rest-json) to and from the decoded form. Decoding converts the
 * parsed tree in place: it renames members from their wire names, turns timestamps into
 * numbers, drops members the model does not know and nulls, and refuses a value of the wrong
 * type with the SerializationException wording of AWS's (Coral's) JSON reader.
 */
#include "cloud/proto/codec.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* The Java class Coral's JSON reader names for what it found. */
static const char *found_class(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "class java.lang.String";
	if (cJSON_IsBool(v))
		return "class java.lang.Boolean";
	return "class com.amazon.coral.value.json.numbers.TruncatingBigNumber";
}

static const char *wanted_class(const struct proto_shape *s)
{
	switch ((enum proto_type)s->type) {
	case PM_STRING:
		return "String";
	case PM_INTEGER:
		return "Integer";
	case PM_LONG:
		return "Long";
	case PM_FLOAT:
		return "Float";
	case PM_DOUBLE:
		return "Double";
	case PM_BIGDECIMAL:
		return "BigDecimal";
	case PM_BOOLEAN:
		return "Boolean";
	case PM_TIMESTAMP:
		return "Date";
	case PM_BLOB:
		return "ByteBuffer";
	case PM_STRUCTURE:
	case PM_LIST:
	case PM_MAP:
		break;
	}
	return "Structure";
}

static bool wrong_type(struct codec_ctx *cx, const struct proto_shape *s, const cJSON *v)
{
	if (cJSON_IsObject(v))
		return codec_bad_body(cx, "Start of structure or map found where not expected.");
	if (cJSON_IsArray(v))
		return codec_bad_body(cx, "Start of list found where not expected");
	return codec_bad_body(cx, "%s can not be converted to an %s", found_class(v),
			      wanted_class(s));
}

static void rename_item(cJSON *item, const char *name)
{
	if (strcmp(item->string, name) == 0)
		return;
	if (!(item->type & cJSON_StringIsConst))
		cJSON_free(item->string);
	item->string = xstrdup(name);
	item->type &= ~cJSON_StringIsConst;
}

bool codec_json_in(struct codec_ctx *cx, const struct proto_shape *s, cJSON *v, bool rest)
{
	cJSON *c, *next;
	double d;
	if (s->flags & PM_S_DOCUMENT)
		return true;
	switch ((enum proto_type)s->type) {
	case PM_STRUCTURE:
		if (!cJSON_IsObject(v))
			return wrong_type(cx, s, v);
		for (c = v->child; c; c = next) {
			next = c->next;
			const struct proto_member *m =
				codec_member_wire(s, c->string, strlen(c->string), false);
			if (!m || cJSON_IsNull(c) || (rest && m->location != PM_BODY)) {
				cJSON_Delete(cJSON_DetachItemViaPointer(v, c));
				continue;
			}
			rename_item(c, m->name);
			if (!codec_json_in(cx, m->shape, c, false))
				return false;
		}
		return true;
	case PM_LIST:
		if (!cJSON_IsArray(v))
			return wrong_type(cx, s, v);
		for (c = v->child; c; c = c->next)
			if (!cJSON_IsNull(c) && !codec_json_in(cx, s->members[0].shape, c, false))
				return false;
		return true;
	case PM_MAP:
		if (!cJSON_IsObject(v))
			return wrong_type(cx, s, v);
		for (c = v->child; c; c = c->next)
			if (!cJSON_IsNull(c) && !codec_json_in(cx, s->members[1].shape, c, false))
				return false;
		return true;
	case PM_STRING:
		return cJSON_IsString(v) ? true : wrong_type(cx, s, v);
	case PM_BLOB:
		if (!cJSON_IsString(v))
			return wrong_type(cx, s, v);
		if (!codec_is_base64(v->valuestring))
			return codec_bad_body(cx, "Base64 encoded value is not valid");
		return true;
	case PM_INTEGER:
	case PM_LONG:
	case PM_FLOAT:
	case PM_DOUBLE:
	case PM_BIGDECIMAL:
		return cJSON_IsNumber(v) ? true : wrong_type(cx, s, v);
	case PM_BOOLEAN:
		return cJSON_IsBool(v) ? true : wrong_type(cx, s, v);
	case PM_TIMESTAMP:
		if (cJSON_IsNumber(v))
			return true;
		if (cJSON_IsString(v) && codec_time_parse(v->valuestring, &d)) {
			cJSON_SetNumberHelper(v, d);
			v->type = cJSON_Number | (v->type & cJSON_StringIsConst);
			cJSON_free(v->valuestring);
			v->valuestring = NULL;
			return true;
		}
		return wrong_type(cx, s, v);
	}
	abort();
}

static void out_value(struct strbuf *sb, enum proto_protocol p, const struct proto_member *m,
		      const struct proto_shape *s, const cJSON *v);

static void out_any(struct strbuf *sb, const cJSON *v)
{
	char *text = cJSON_PrintUnformatted(v);
	strbuf_addstr(sb, text ? text : "null");
	cJSON_free(text);
}

void codec_json_out(struct strbuf *sb, enum proto_protocol p, const struct proto_shape *s,
		    const cJSON *v, bool rest)
{
	if (!v) {
		strbuf_addstr(sb, "{}");
		return;
	}
	if (s->type != PM_STRUCTURE) {
		out_value(sb, p, NULL, s, v);
		return;
	}
	if (!cJSON_IsObject(v)) {
		out_any(sb, v); /* a handler's mistake, passed on as it is */
		return;
	}
	bool first = true;
	strbuf_addch(sb, '{');
	for (const cJSON *c = v->child; c; c = c->next) {
		const struct proto_member *m = codec_member(s, c->string);
		if (m && rest && m->location != PM_BODY)
			continue;
		if (cJSON_IsNull(c))
			continue;
		if (!first)
			strbuf_addch(sb, ',');
		first = false;
		codec_json_string(sb, m ? codec_wire(m, false, c->string) : c->string);
		strbuf_addch(sb, ':');
		if (m)
			out_value(sb, p, m, m->shape, c);
		else
			out_any(sb, c);
	}
	strbuf_addch(sb, '}');
}

static void out_value(struct strbuf *sb, enum proto_protocol p, const struct proto_member *m,
		      const struct proto_shape *s, const cJSON *v)
{
	const cJSON *c;
	bool first = true;
	if (s->flags & PM_S_DOCUMENT) {
		out_any(sb, v);
		return;
	}
	switch ((enum proto_type)s->type) {
	case PM_STRUCTURE:
		if (!cJSON_IsObject(v))
			break;
		codec_json_out(sb, p, s, v, false);
		return;
	case PM_LIST:
		if (!cJSON_IsArray(v))
			break;
		strbuf_addch(sb, '[');
		cJSON_ArrayForEach(c, v)
		{
			if (!first)
				strbuf_addch(sb, ',');
			first = false;
			out_value(sb, p, &s->members[0], s->members[0].shape, c);
		}
		strbuf_addch(sb, ']');
		return;
	case PM_MAP:
		if (!cJSON_IsObject(v))
			break;
		strbuf_addch(sb, '{');
		cJSON_ArrayForEach(c, v)
		{
			if (!first)
				strbuf_addch(sb, ',');
			first = false;
			codec_json_string(sb, c->string);
			strbuf_addch(sb, ':');
			out_value(sb, p, &s->members[1], s->members[1].shape, c);
		}
		strbuf_addch(sb, '}');
		return;
	case PM_TIMESTAMP:
		if (cJSON_IsNumber(v)) {
			enum proto_ts f = codec_ts_format(p, m, s, PM_BODY);
			if (f == PM_TS_UNIX) {
				codec_json_number(sb, v->valuedouble);
			} else {
				struct strbuf t = STRBUF_INIT;
				codec_time_format(&t, v->valuedouble, f);
				codec_json_string(sb, strbuf_str(&t));
				strbuf_release(&t);
			}
			return;
		}
		break;
	case PM_STRING:
	case PM_BLOB:
	case PM_INTEGER:
	case PM_LONG:
	case PM_FLOAT:
	case PM_DOUBLE:
	case PM_BIGDECIMAL:
	case PM_BOOLEAN:
		break;
	}
	if (cJSON_IsString(v))
		codec_json_string(sb, v->valuestring);
	else if (cJSON_IsNumber(v))
		codec_json_number(sb, v->valuedouble);
	else
		out_any(sb, v);
}
