/*
 * Template text to cJSON: cJSON for JSON, libyaml's event stream for YAML, with
 * CloudFormation's short-form tags turned into the long form as each node is built.
 */
#include "cloud/cfn/template.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/xalloc.h"

#define YAML_NOT_WELL_FORMED "Template format error: YAML not well-formed. (line %d, column %d)"

bool cfn_template_is_json(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')
			continue;
		return text[i] == '{';
	}
	return false;
}

/* 1-based line and column of byte off in text. */
static void locate(const char *text, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			++*line;
			*col = 1;
		} else {
			++*col;
		}
	}
}

/*
 * A strict RFC 8259 scan that stops at the first character that cannot continue the
 * document, so that the error points at it (cJSON's own error position is sometimes one
 * past it). Returns the offset of that character, or len when the text is one JSON value
 * with only white space around it.
 */
struct jscan {
	const char *s;
	size_t len, pos;
	int depth;
};

static void js_ws(struct jscan *j)
{
	while (j->pos < j->len && strchr(" \t\r\n", j->s[j->pos]) && j->s[j->pos])
		j->pos++;
}

static bool js_value(struct jscan *j);

static bool js_lit(struct jscan *j, const char *word)
{
	for (const char *w = word; *w; w++, j->pos++) {
		if (j->pos >= j->len || j->s[j->pos] != *w)
			return false;
	}
	return true;
}

static bool js_string(struct jscan *j)
{
	j->pos++; /* the opening quote */
	while (j->pos < j->len) {
		unsigned char c = (unsigned char)j->s[j->pos];
		if (c == '"') {
			j->pos++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			j->pos++;
			if (j->pos >= j->len)
				return false;
			char e = j->s[j->pos];
			if (e == 'u') {
				for (int k = 0; k < 4; k++) {
					j->pos++;
					if (j->pos >= j->len ||
					    !strchr("0123456789abcdefABCDEF", j->s[j->pos]) ||
					    !j->s[j->pos])
						return false;
				}
			} else if (!strchr("\"\\/bfnrt", e) || !e) {
				return false;
			}
		}
		j->pos++;
	}
	return false;
}

static bool js_digits(struct jscan *j)
{
	size_t start = j->pos;
	while (j->pos < j->len && j->s[j->pos] >= '0' && j->s[j->pos] <= '9')
		j->pos++;
	return j->pos > start;
}

static bool js_number(struct jscan *j)
{
	if (j->s[j->pos] == '-')
		j->pos++;
	if (j->pos < j->len && j->s[j->pos] == '0')
		j->pos++;
	else if (!js_digits(j))
		return false;
	if (j->pos < j->len && j->s[j->pos] == '.') {
		j->pos++;
		if (!js_digits(j))
			return false;
	}
	if (j->pos < j->len && (j->s[j->pos] == 'e' || j->s[j->pos] == 'E')) {
		j->pos++;
		if (j->pos < j->len && (j->s[j->pos] == '+' || j->s[j->pos] == '-'))
			j->pos++;
		if (!js_digits(j))
			return false;
	}
	return true;
}

/* An object or an array, from its opening bracket. */
static bool js_container(struct jscan *j, char close)
{
	if (++j->depth > 1000)
		return false;
	j->pos++;
	js_ws(j);
	if (j->pos < j->len && j->s[j->pos] == close) {
		j->pos++;
		j->depth--;
		return true;
	}
	for (;;) {
		js_ws(j);
		if (close == '}') {
			if (j->pos >= j->len || j->s[j->pos] != '"' || !js_string(j))
				return false;
			js_ws(j);
			if (j->pos >= j->len || j->s[j->pos] != ':')
				return false;
			j->pos++;
			js_ws(j);
		}
		if (!js_value(j))
			return false;
		js_ws(j);
		if (j->pos < j->len && j->s[j->pos] == ',') {
			j->pos++;
			continue;
		}
		if (j->pos < j->len && j->s[j->pos] == close) {
			j->pos++;
			j->depth--;
			return true;
		}
		return false;
	}
}

static bool js_value(struct jscan *j)
{
	if (j->pos >= j->len)
		return false;
	switch (j->s[j->pos]) {
	case '{':
		return js_container(j, '}');
	case '[':
		return js_container(j, ']');
	case '"':
		return js_string(j);
	case 't':
		return js_lit(j, "true");
	case 'f':
		return js_lit(j, "false");
	case 'n':
		return js_lit(j, "null");
	default:
		return js_number(j);
	}
}

static size_t json_error_offset(const char *text, size_t len)
{
	struct jscan j = { .s = text, .len = len };
	js_ws(&j);
	if (!js_value(&j))
		return j.pos < len ? j.pos : len;
	js_ws(&j);
	return j.pos;
}

static cJSON *parse_json(const char *text, size_t len, struct error *err)
{
	size_t off = json_error_offset(text, len);
	cJSON *root = off == len ? cJSON_ParseWithLength(text, len) : NULL;
	if (root)
		return root;
	int line, col;
	locate(text, off, &line, &col);
	/* CloudFormation's parser counts a bad character as read: the column after it. */
	if (off < len)
		col++;
	error_set(err, "Template format error: JSON not well-formed. (line %d, column %d)", line,
		  col);
	return NULL;
}

struct ybuild {
	yaml_parser_t parser;
	struct error *err;
};

static bool fail_at(struct ybuild *b, const yaml_mark_t *m)
{
	return error_set(b->err, YAML_NOT_WELL_FORMED, (int)m->line + 1, (int)m->column + 1);
}

static bool next_event(struct ybuild *b, yaml_event_t *ev)
{
	if (yaml_parser_parse(&b->parser, ev))
		return true;
	const yaml_mark_t *m = b->parser.problem_mark.line || b->parser.problem_mark.column
				       ? &b->parser.problem_mark
				       : &b->parser.context_mark;
	return fail_at(b, m);
}

static bool str_in(const char *s, const char *const *list)
{
	for (; *list; list++) {
		if (strcmp(s, *list) == 0)
			return true;
	}
	return false;
}

/* A decimal, octal (0o, or 0 as YAML 1.1 has it), hexadecimal or binary integer. */
static bool parse_int(const char *s, double *out)
{
	const char *p = s;
	int sign = 1;
	if (*p == '-' || *p == '+') {
		sign = *p == '-' ? -1 : 1;
		p++;
	}
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
		base = 8;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		base = 2;
		p += 2;
	} else if (p[0] == '0' && p[1]) {
		base = 8;
		p++;
	}
	if (!*p)
		return false;
	double v = 0;
	for (; *p; p++) {
		if (*p == '_')
			continue;
		int d = *p >= '0' && *p <= '9'   ? *p - '0'
			: *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
			: *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
						 : 99;
		if (d >= base)
			return false;
		v = v * base + d;
	}
	/* Past 2^53 a double no longer holds the integer: such a value stays text. */
	if (v > 9007199254740992.0)
		return false;
	*out = sign * v;
	return true;
}

/* [-+]?(digits)?.digits([eE][-+]?digits)? or digits[eE]..., and .inf/.nan. */
static bool parse_float(const char *s, double *out)
{
	static const char *const inf[] = {
		".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL
	};
	static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };
	if (str_in(s, inf) || str_in(s, ninf) || strcmp(s, ".nan") == 0 || strcmp(s, ".NaN") == 0 ||
	    strcmp(s, ".NAN") == 0) {
		/* JSON has no such numbers: keep the text. */
		return false;
	}
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	bool digits = false, dot = false;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			digits = true;
		} else if (*p == '.' && !dot) {
			dot = true;
		} else if ((*p == 'e' || *p == 'E') && digits) {
			p++;
			if (*p == '-' || *p == '+')
				p++;
			if (!*p)
				return false;
			for (; *p; p++) {
				if (*p < '0' || *p > '9')
					return false;
			}
			break;
		} else {
			return false;
		}
	}
	if (!digits || !dot)
		return false;
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	if (*end || errno || !isfinite(v))
		return false;
	*out = v;
	return true;
}

/* A plain scalar resolved as YAML 1.1 does. */
static cJSON *plain_scalar(const char *s)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const trues[] = { "true", "True", "TRUE", "yes", "Yes",
					     "YES",  "on",   "On",   "ON",  NULL };
	static const char *const falses[] = { "false", "False", "FALSE", "no",  "No",
					      "NO",    "off",   "Off",   "OFF", NULL };
	if (str_in(s, nulls))
		return cJSON_CreateNull();
	if (str_in(s, trues))
		return cJSON_CreateTrue();
	if (str_in(s, falses))
		return cJSON_CreateFalse();
	double v;
	if (parse_int(s, &v) || parse_float(s, &v))
		return cJSON_CreateNumber(v);
	return cJSON_CreateString(s);
}

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

static cJSON *build_scalar(struct ybuild *b, yaml_event_t *ev)
{
	const char *value = (const char *)ev->data.scalar.value;
	if (strlen(value) != ev->data.scalar.length) {
		/* An escaped NUL: no AWS value may hold one. */
		fail_at(b, &ev->start_mark);
		return NULL;
	}
	const char *tag = (const char *)ev->data.scalar.tag;
	if (tag && strncmp(tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX)) == 0) {
		const char *t = tag + strlen(YAML_TAG_PREFIX);
		if (strcmp(t, "str") == 0)
			return cJSON_CreateString(value);
		cJSON *v = plain_scalar(value);
		if ((strcmp(t, "int") == 0 || strcmp(t, "float") == 0) && !cJSON_IsNumber(v)) {
			cJSON_Delete(v);
			fail_at(b, &ev->start_mark);
			return NULL;
		}
		return v;
	}
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag;
	return plain ? plain_scalar(value) : cJSON_CreateString(value);
}

static cJSON *build(struct ybuild *b, yaml_event_t *ev, int depth);

static cJSON *build_seq(struct ybuild *b, int depth)
{
	cJSON *arr = cJSON_CreateArray();
	for (;;) {
		yaml_event_t ev;
		if (!next_event(b, &ev))
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		cJSON *item = build(b, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!item)
			goto fail;
		cJSON_AddItemToArray(arr, item);
	}
fail:
	cJSON_Delete(arr);
	return NULL;
}

static cJSON *build_map(struct ybuild *b, int depth)
{
	cJSON *obj = cJSON_CreateObject();
	for (;;) {
		yaml_event_t ev;
		if (!next_event(b, &ev))
			goto fail;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return obj;
		}
		if (ev.type != YAML_SCALAR_EVENT ||
		    strlen((const char *)ev.data.scalar.value) != ev.data.scalar.length) {
			/* Keys are names: a mapping or a list as a key has no meaning here. */
			fail_at(b, &ev.start_mark);
			yaml_event_delete(&ev);
			goto fail;
		}
		char *key = xstrdup((const char *)ev.data.scalar.value);
		yaml_mark_t key_mark = ev.start_mark;
		yaml_event_delete(&ev);
		if (cJSON_GetObjectItemCaseSensitive(obj, key)) {
			free(key);
			fail_at(b, &key_mark);
			goto fail;
		}
		if (!next_event(b, &ev)) {
			free(key);
			goto fail;
		}
		cJSON *value = build(b, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!value) {
			free(key);
			goto fail;
		}
		cJSON_AddItemToObject(obj, key, value);
		free(key);
	}
fail:
	cJSON_Delete(obj);
	return NULL;
}

/* {"Ref": v}, {"Condition": v}, {"Fn::GetAtt": [..]} or {"Fn::Name": v} for the tag !Name. */
static cJSON *wrap_tag(const char *tag, cJSON *value)
{
	const char *name = tag + 1;
	cJSON *obj = cJSON_CreateObject();
	if (strcmp(name, "Ref") == 0 || strcmp(name, "Condition") == 0) {
		cJSON_AddItemToObject(obj, name, value);
		return obj;
	}
	char *fn = xasprintf("Fn::%s", name);
	if (strcmp(name, "GetAtt") == 0 && cJSON_IsString(value)) {
		/* The short form's "Resource.Attribute" (the attribute may hold dots). */
		const char *s = value->valuestring;
		const char *dot = strchr(s, '.');
		cJSON *pair = cJSON_CreateArray();
		if (dot) {
			char *res = xstrndup(s, (size_t)(dot - s));
			cJSON_AddItemToArray(pair, cJSON_CreateString(res));
			cJSON_AddItemToArray(pair, cJSON_CreateString(dot + 1));
			free(res);
		} else {
			cJSON_AddItemToArray(pair, cJSON_CreateString(s));
		}
		cJSON_Delete(value);
		value = pair;
	}
	cJSON_AddItemToObject(obj, fn, value);
	free(fn);
	return obj;
}

/* Build the node that starts with ev (borrowed). */
static cJSON *build(struct ybuild *b, yaml_event_t *ev, int depth)
{
	if (depth > CFN_TEMPLATE_MAX_DEPTH) {
		fail_at(b, &ev->start_mark);
		return NULL;
	}
	const char *tag = NULL;
	cJSON *node = NULL;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		tag = (const char *)ev->data.scalar.tag;
		node = build_scalar(b, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		tag = (const char *)ev->data.sequence_start.tag;
		node = build_seq(b, depth);
		break;
	case YAML_MAPPING_START_EVENT:
		tag = (const char *)ev->data.mapping_start.tag;
		node = build_map(b, depth);
		break;
	case YAML_ALIAS_EVENT:
		error_set(b->err,
			  "Template format error: YAML aliases are not allowed in CloudFormation "
			  "templates");
		return NULL;
	default:
		fail_at(b, &ev->start_mark);
		return NULL;
	}
	if (!node || !tag || strncmp(tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX)) == 0)
		return node;
	if (tag[0] != '!' || !tag[1] || strchr(tag + 1, '!')) {
		/* A global tag or a named handle: nothing CloudFormation knows. */
		cJSON_Delete(node);
		fail_at(b, &ev->start_mark);
		return NULL;
	}
	return wrap_tag(tag, node);
}

static cJSON *parse_yaml(const char *text, size_t len, struct error *err)
{
	struct ybuild b = { .err = err };
	if (!yaml_parser_initialize(&b.parser)) {
		error_set(err, "Template format error: cannot start the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
	cJSON *root = NULL;
	yaml_event_t ev;
	for (;;) {
		if (!next_event(&b, &ev))
			goto fail;
		yaml_event_type_t t = ev.type;
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT ||
		    t == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (root) {
			/* A second document: a template is one. */
			fail_at(&b, &ev.start_mark);
			yaml_event_delete(&ev);
			goto fail;
		}
		root = build(&b, &ev, 0);
		yaml_event_delete(&ev);
		if (!root)
			goto fail;
	}
	yaml_parser_delete(&b.parser);
	return root ? root : cJSON_CreateObject();
fail:
	yaml_parser_delete(&b.parser);
	cJSON_Delete(root);
	return NULL;
}

struct cJSON *cfn_template_parse(const char *text, size_t len, struct error *err)
{
	if (memchr(text, '\0', len)) {
		int line, col;
		locate(text, (size_t)((const char *)memchr(text, '\0', len) - text), &line, &col);
		error_set(err,
			  cfn_template_is_json(text, len) ? "Template format error: JSON not "
							    "well-formed. (line %d, column %d)"
							  : YAML_NOT_WELL_FORMED,
			  line, col);
		return NULL;
	}
	if (cfn_template_is_json(text, len))
		return parse_json(text, len, err);
	return parse_yaml(text, len, err);
}
