/*
 * Validation of a decoded request against the model's constraints, worded as AWS words it.
 * Coral services (Lambda, Logs, DynamoDB, IAM, CloudWatch...) list every violation:
 *
 *	2 validation errors detected: Value '20000' at 'memorySize' failed to satisfy
 *	constraint: Member must have value less than or equal to 10240; Value null at 'role'
 *	failed to satisfy constraint: Member must not be null
 *
 * with member paths in lowerCamelCase, list elements as "tags.1.member.key" and map values as
 * "attributes.KEY.member.x". SQS answers the first missing member as MissingParameter.
 */
#include "cloud/proto/codec.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/strbuf.h"

struct vctx {
	const struct proto_service *svc;
	const char *op;
	const char *const *unchecked;
	struct strbuf msgs;
	int n;
	char missing[128]; /* SQS: the first missing member's wire name */
	char path[512];    /* lowerCamelCase, as the message names it */
	char mpath[512];   /* Operation.Member.Member, as unchecked lists it */
};

/* Code points in a UTF-8 string (Coral counts characters). */
static size_t utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static bool is_unchecked(const struct vctx *v)
{
	for (const char *const *u = v->unchecked; u && *u; u++)
		if (strcmp(*u, v->mpath) == 0)
			return true;
	return false;
}

/* Java's toString() of the value, as Coral prints it after "Value ". */
static void value_text(struct strbuf *sb, const struct proto_shape *s, const cJSON *v)
{
	const cJSON *c;
	bool first = true;
	if (cJSON_IsString(v)) {
		strbuf_addstr(sb, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		if (s && (s->type == PM_DOUBLE || s->type == PM_FLOAT) &&
		    v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 1e15)
			strbuf_addf(sb, "%.1f", v->valuedouble);
		else
			codec_json_number(sb, v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		strbuf_addstr(sb, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsArray(v)) {
		strbuf_addch(sb, '[');
		cJSON_ArrayForEach(c, v)
		{
			if (!first)
				strbuf_addstr(sb, ", ");
			first = false;
			value_text(sb, s && s->type == PM_LIST ? s->members[0].shape : NULL, c);
		}
		strbuf_addch(sb, ']');
	} else if (cJSON_IsObject(v)) {
		bool map = s && s->type == PM_MAP;
		strbuf_addstr(sb, map ? "{" : (s && s->name ? s->name : ""));
		if (!map)
			strbuf_addch(sb, '(');
		cJSON_ArrayForEach(c, v)
		{
			if (!first)
				strbuf_addstr(sb, ", ");
			first = false;
			const struct proto_member *m =
				s && !map ? codec_member(s, c->string) : NULL;
			strbuf_addstr(sb, m ? m->path : c->string);
			strbuf_addch(sb, '=');
			value_text(sb, m ? m->shape : map ? s->members[1].shape : NULL, c);
		}
		strbuf_addch(sb, map ? '}' : ')');
	} else {
		strbuf_addstr(sb, "null");
	}
}

/* The sentences of every constraint of a scalar shape s that v breaks (all of them when
 * v is NULL: a list's element constraints). Returns how many. */
static int scalar_breaks(struct strbuf *sb, const struct proto_shape *s, const cJSON *v,
			 const char *sep)
{
	int n = 0;
	double len = 0, val = 0;
	bool is_len = s->type == PM_STRING || s->type == PM_BLOB;
	if (v && cJSON_IsString(v) && s->type == PM_BLOB) {
		/* The decoded length: three bytes a four characters, less the padding. */
		size_t b = strlen(v->valuestring), pad = 0;
		while (pad < 2 && pad < b && v->valuestring[b - 1 - pad] == '=')
			pad++;
		len = floor((double)b * 3 / 4) - (double)pad;
	} else if (v && cJSON_IsString(v)) {
		len = (double)utf8_len(v->valuestring);
	}
	if (v && cJSON_IsNumber(v))
		val = v->valuedouble;
	double got = is_len ? len : val;
	bool numeric = is_len || s->type == PM_INTEGER || s->type == PM_LONG ||
		       s->type == PM_FLOAT || s->type == PM_DOUBLE || s->type == PM_BIGDECIMAL;
	const char *what = is_len ? "length" : "value";
	if (numeric && (s->flags & PM_S_MAX) && (!v || got > s->max)) {
		strbuf_addf(sb, "%sMember must have %s less than or equal to ", n++ ? sep : "",
			    what);
		if (s->type == PM_DOUBLE || s->type == PM_FLOAT)
			strbuf_addf(sb, "%.1f", s->max);
		else
			codec_json_number(sb, s->max);
	}
	if (numeric && (s->flags & PM_S_MIN) && (!v || got < s->min)) {
		strbuf_addf(sb, "%sMember must have %s greater than or equal to ", n++ ? sep : "",
			    what);
		if (s->type == PM_DOUBLE || s->type == PM_FLOAT)
			strbuf_addf(sb, "%.1f", s->min);
		else
			codec_json_number(sb, s->min);
	}
	if (s->type == PM_STRING && s->pattern &&
	    (!v || (cJSON_IsString(v) && !codec_regex_match(s->pattern, v->valuestring))))
		strbuf_addf(sb, "%sMember must satisfy regular expression pattern: %s",
			    n++ ? sep : "", s->pattern);
	if (s->type == PM_STRING && s->nenums) {
		bool found = false;
		for (size_t i = 0; v && cJSON_IsString(v) && i < s->nenums && !found; i++)
			found = strcmp(s->enums[i], v->valuestring) == 0;
		if (!found) {
			strbuf_addf(sb, "%sMember must satisfy enum value set: [", n++ ? sep : "");
			for (size_t i = 0; i < s->nenums; i++)
				strbuf_addf(sb, "%s%s", i ? ", " : "", s->enums[i]);
			strbuf_addch(sb, ']');
		}
	}
	return n;
}

static void violation(struct vctx *v, const struct proto_shape *s, const cJSON *val,
		      const char *constraint)
{
	if (is_unchecked(v))
		return;
	if (v->n++)
		strbuf_addstr(&v->msgs, "; ");
	strbuf_addstr(&v->msgs, "Value ");
	if (val && s && (s->flags & PM_S_SENSITIVE)) {
		/* A secret's value is never echoed: "Value at 'plaintext' failed ...". */
		strbuf_setlen(&v->msgs, v->msgs.len - 1);
	} else if (val) {
		strbuf_addch(&v->msgs, '\'');
		value_text(&v->msgs, s, val);
		strbuf_addch(&v->msgs, '\'');
	} else {
		strbuf_addstr(&v->msgs, "null");
	}
	strbuf_addf(&v->msgs, " at '%s' failed to satisfy constraint: %s", v->path, constraint);
}

static void check(struct vctx *v, const struct proto_shape *s, const cJSON *val);

/* Append sep and seg to the path buf (cap bytes, len used), cut short where it is full. */
static void path_push(char *buf, size_t cap, size_t len, const char *sep, const char *seg)
{
	size_t a = strlen(sep), b = strlen(seg);
	if (len + a >= cap)
		a = cap - 1 - len;
	memcpy(buf + len, sep, a);
	len += a;
	if (len + b >= cap)
		b = cap - 1 - len;
	memcpy(buf + len, seg, b);
	buf[len + b] = '\0';
}

/* Descend into a member: extend both paths, check, restore them. An absent member that is
 * not required has nothing to check (the common case: the paths are not even built). */
static void check_member(struct vctx *v, const struct proto_member *m, const char *seg,
			 const cJSON *val)
{
	bool absent = !val || cJSON_IsNull(val);
	if (absent && !(m->flags & PM_M_REQUIRED))
		return;
	size_t plen = strlen(v->path), mlen = strlen(v->mpath);
	path_push(v->path, sizeof(v->path), plen, plen ? "." : "", seg);
	if (m->name)
		path_push(v->mpath, sizeof(v->mpath), mlen, ".", m->name);
	if (absent) {
		if ((m->flags & PM_M_REQUIRED) && !is_unchecked(v)) {
			if (!v->missing[0])
				snprintf(v->missing, sizeof(v->missing), "%s",
					 codec_wire(m, true, m->name));
			violation(v, m->shape, NULL, "Member must not be null");
		}
	} else {
		check(v, m->shape, val);
	}
	v->path[plen] = '\0';
	v->mpath[mlen] = '\0';
}

static void check_elements(struct vctx *v, const struct proto_member *elem, const cJSON *val,
			   bool map)
{
	const struct proto_shape *es = elem->shape;
	const cJSON *c;
	int i = 0;
	if (es->type == PM_STRUCTURE || es->type == PM_LIST || es->type == PM_MAP) {
		cJSON_ArrayForEach(c, val)
		{
			char seg[160];
			if (map)
				snprintf(seg, sizeof(seg), "%s.member", c->string);
			else
				snprintf(seg, sizeof(seg), "%d.member", ++i);
			check_member(v, elem, seg, c);
		}
		return;
	}
	bool broken = false;
	struct strbuf one = STRBUF_INIT;
	cJSON_ArrayForEach(c, val)
	{
		strbuf_reset(&one);
		if (cJSON_IsNull(c) || scalar_breaks(&one, es, c, ", ") > 0)
			broken = true;
	}
	strbuf_release(&one);
	if (!broken)
		return;
	struct strbuf all = STRBUF_INIT;
	strbuf_addstr(&all, map ? "Map value must satisfy constraint: ["
				: "Member must satisfy constraint: [");
	if (scalar_breaks(&all, es, NULL, ", "))
		strbuf_addstr(&all, ", ");
	strbuf_addstr(&all, "Member must not be null]");
	violation(v, NULL, val, strbuf_str(&all));
	strbuf_release(&all);
}

static void check(struct vctx *v, const struct proto_shape *s, const cJSON *val)
{
	struct strbuf sb = STRBUF_INIT;
	switch ((enum proto_type)s->type) {
	case PM_STRUCTURE:
		if (!cJSON_IsObject(val))
			break;
		for (size_t i = 0; i < s->nmembers; i++) {
			const struct proto_member *m = &s->members[i];
			check_member(v, m, m->path, cJSON_GetObjectItemCaseSensitive(val, m->name));
		}
		break;
	case PM_LIST:
	case PM_MAP: {
		double n = (double)cJSON_GetArraySize(val);
		if ((s->flags & PM_S_MAX) && n > s->max) {
			strbuf_addstr(&sb, "Member must have length less than or equal to ");
			codec_json_number(&sb, s->max);
			violation(v, s, val, strbuf_str(&sb));
		}
		if ((s->flags & PM_S_MIN) && n < s->min) {
			strbuf_reset(&sb);
			strbuf_addstr(&sb, "Member must have length greater than or equal to ");
			codec_json_number(&sb, s->min);
			violation(v, s, val, strbuf_str(&sb));
		}
		check_elements(v, &s->members[s->type == PM_MAP], val, s->type == PM_MAP);
		break;
	}
	case PM_STRING:
	case PM_BLOB:
	case PM_INTEGER:
	case PM_LONG:
	case PM_FLOAT:
	case PM_DOUBLE:
	case PM_BIGDECIMAL:
		/* Each broken constraint is a violation of its own. */
		if (s->flags & (PM_S_MIN | PM_S_MAX) || s->pattern || s->nenums) {
			struct strbuf all = STRBUF_INIT;
			if (scalar_breaks(&all, s, val, "\n")) {
				char *save = NULL;
				for (char *line = strtok_r(all.buf, "\n", &save); line;
				     line = strtok_r(NULL, "\n", &save))
					violation(v, s, val, line);
			}
			strbuf_release(&all);
		}
		break;
	case PM_BOOLEAN:
	case PM_TIMESTAMP:
		break;
	}
	strbuf_release(&sb);
}

bool proto_validate(const struct proto_service *svc, enum proto_protocol p,
		    const struct proto_op *op, const cJSON *input, const char *const *unchecked,
		    struct aws_err *err)
{
	if (svc->validation == PM_V_NONE || !op->input)
		return true;
	struct vctx v = { .svc = svc, .op = op->name, .unchecked = unchecked };
	strbuf_init(&v.msgs);
	snprintf(v.mpath, sizeof(v.mpath), "%s", op->name);
	const struct proto_shape *s = op->input;
	for (size_t i = 0; i < s->nmembers; i++) {
		const struct proto_member *m = &s->members[i];
		char seg[300];
		/* A blob that is the whole body stays out of the input (proto.h). */
		if ((int)i == s->payload && m->shape->type == PM_BLOB)
			continue;
		if (svc->input_path && m->location == PM_BODY)
			snprintf(seg, sizeof(seg), "%c%sInput.%s", op->name[0] + ('a' - 'A'),
				 op->name + 1, m->path);
		else
			snprintf(seg, sizeof(seg), "%s", m->path);
		check_member(&v, m, seg, cJSON_GetObjectItemCaseSensitive(input, m->name));
	}
	bool ok = v.n == 0;
	if (!ok && svc->validation == PM_V_QUERY) {
		if (v.missing[0])
			aws_err_set(err, 400, "MissingParameter",
				    "The request must contain the parameter %s.", v.missing);
		else
			aws_err_set(err, 400, "InvalidParameterValue", "%s", strbuf_str(&v.msgs));
	} else if (!ok) {
		aws_err_set(err, 400, svc->validation_code, "%d validation error%s detected: %s",
			    v.n, v.n == 1 ? "" : "s", strbuf_str(&v.msgs));
	}
	strbuf_release(&v.msgs);
	(void)p;
	return ok;
}
