/*
 * XML both ways, for rest-xml (S3) and the query protocol's answers: a small reader of the
 * documents clients send (elements, attributes, text, the five entities and character
 * references, CDATA, comments; no DTDs) into the decoded form, and a writer of a decoded value
 * as the model lays it out (wrapped and flattened lists and maps, xmlAttribute members,
 * locationNames, namespaces).
 */
#include "cloud/proto/codec.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct xnode {
	char *name; /* without a namespace prefix */
	struct strbuf text;
	struct xnode *child, *next;
	char **attrs; /* name, value pairs */
	size_t nattrs;
};

static void xnode_free(struct xnode *n)
{
	while (n) {
		struct xnode *next = n->next;
		xnode_free(n->child);
		free(n->name);
		strbuf_release(&n->text);
		for (size_t i = 0; i < n->nattrs * 2; i++)
			free(n->attrs[i]);
		free(n->attrs);
		free(n);
		n = next;
	}
}

struct xreader {
	const char *p, *end;
	int depth;
};

static bool at(const struct xreader *r, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(r->end - r->p) >= n && memcmp(r->p, s, n) == 0;
}

static bool skip_past(struct xreader *r, const char *s)
{
	size_t n = strlen(s);
	while ((size_t)(r->end - r->p) >= n) {
		if (memcmp(r->p, s, n) == 0) {
			r->p += n;
			return true;
		}
		r->p++;
	}
	return false;
}

static void skip_space(struct xreader *r)
{
	while (r->p < r->end && strchr(" \t\r\n", *r->p) && *r->p)
		r->p++;
}

static bool name_char(char c)
{
	return c && !strchr(" \t\r\n/>=<\"'", c);
}

/* Append the UTF-8 of code point c. */
static void add_utf8(struct strbuf *sb, unsigned long c)
{
	if (c < 0x80) {
		strbuf_addch(sb, (int)c);
	} else if (c < 0x800) {
		strbuf_addch(sb, (int)(0xc0 | c >> 6));
		strbuf_addch(sb, (int)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		strbuf_addch(sb, (int)(0xe0 | c >> 12));
		strbuf_addch(sb, (int)(0x80 | ((c >> 6) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (c & 0x3f)));
	} else {
		strbuf_addch(sb, (int)(0xf0 | c >> 18));
		strbuf_addch(sb, (int)(0x80 | ((c >> 12) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | ((c >> 6) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (c & 0x3f)));
	}
}

/* Text up to stop, entities decoded, into sb. */
static bool read_text(struct xreader *r, char stop, struct strbuf *sb)
{
	while (r->p < r->end && *r->p != stop) {
		if (*r->p == '\0')
			return false;
		if (*r->p != '&') {
			strbuf_addch(sb, *r->p++);
			continue;
		}
		const char *semi = memchr(r->p, ';', (size_t)(r->end - r->p));
		if (!semi || semi - r->p > 12)
			return false;
		size_t n = (size_t)(semi - r->p - 1);
		const char *e = r->p + 1;
		if (n == 2 && !memcmp(e, "lt", 2)) {
			strbuf_addch(sb, '<');
		} else if (n == 2 && !memcmp(e, "gt", 2)) {
			strbuf_addch(sb, '>');
		} else if (n == 3 && !memcmp(e, "amp", 3)) {
			strbuf_addch(sb, '&');
		} else if (n == 4 && !memcmp(e, "quot", 4)) {
			strbuf_addch(sb, '"');
		} else if (n == 4 && !memcmp(e, "apos", 4)) {
			strbuf_addch(sb, '\'');
		} else if (n >= 2 && e[0] == '#') {
			char *endp;
			char num[16];
			memcpy(num, e + 1, n - 1);
			num[n - 1] = '\0';
			unsigned long c = num[0] == 'x' ? strtoul(num + 1, &endp, 16)
							: strtoul(num, &endp, 10);
			if (*endp || c == 0 || c > 0x10ffff)
				return false;
			add_utf8(sb, c);
		} else {
			return false;
		}
		r->p = semi + 1;
	}
	return true;
}

static const char *local_name(const char *name)
{
	const char *colon = strchr(name, ':');
	return colon ? colon + 1 : name;
}

static struct xnode *read_element(struct xreader *r);

/* Comments, processing instructions, a doctype: skipped. Returns false on a bad one. */
static bool skip_misc(struct xreader *r)
{
	for (;;) {
		skip_space(r);
		if (at(r, "<?")) {
			if (!skip_past(r, "?>"))
				return false;
		} else if (at(r, "<!--")) {
			if (!skip_past(r, "-->"))
				return false;
		} else if (at(r, "<!")) {
			return false; /* DTDs are refused */
		} else {
			return true;
		}
	}
}

static struct xnode *read_element(struct xreader *r)
{
	if (++r->depth > 64 || r->p >= r->end || *r->p != '<')
		return NULL;
	r->p++;
	const char *start = r->p;
	while (r->p < r->end && name_char(*r->p))
		r->p++;
	if (r->p == start)
		return NULL;
	struct xnode *n = xcalloc(1, sizeof(*n));
	char *qname = xstrndup(start, (size_t)(r->p - start));
	n->name = xstrdup(local_name(qname));
	free(qname);
	for (;;) {
		skip_space(r);
		if (r->p >= r->end)
			goto fail;
		if (at(r, "/>")) {
			r->p += 2;
			r->depth--;
			return n;
		}
		if (*r->p == '>') {
			r->p++;
			break;
		}
		const char *an = r->p;
		while (r->p < r->end && name_char(*r->p))
			r->p++;
		if (r->p == an)
			goto fail;
		char *aname = xstrndup(an, (size_t)(r->p - an));
		skip_space(r);
		if (r->p >= r->end || *r->p != '=') {
			free(aname);
			goto fail;
		}
		r->p++;
		skip_space(r);
		char q = r->p < r->end ? *r->p : 0;
		if (q != '"' && q != '\'') {
			free(aname);
			goto fail;
		}
		r->p++;
		struct strbuf val = STRBUF_INIT;
		if (!read_text(r, q, &val) || r->p >= r->end) {
			free(aname);
			strbuf_release(&val);
			goto fail;
		}
		r->p++;
		n->attrs = xreallocarray(n->attrs, n->nattrs + 1, 2 * sizeof(*n->attrs));
		n->attrs[2 * n->nattrs] = xstrdup(local_name(aname));
		n->attrs[2 * n->nattrs + 1] = strbuf_detach(&val);
		n->nattrs++;
		free(aname);
	}
	struct xnode **tail = &n->child;
	for (;;) {
		if (!read_text(r, '<', &n->text) || r->p >= r->end)
			goto fail;
		if (at(r, "</")) {
			r->p += 2;
			const char *cn = r->p;
			while (r->p < r->end && name_char(*r->p))
				r->p++;
			char *close = xstrndup(cn, (size_t)(r->p - cn));
			bool same = strcmp(local_name(close), n->name) == 0;
			free(close);
			skip_space(r);
			if (!same || r->p >= r->end || *r->p != '>')
				goto fail;
			r->p++;
			r->depth--;
			return n;
		}
		if (at(r, "<!--")) {
			if (!skip_past(r, "-->"))
				goto fail;
			continue;
		}
		if (at(r, "<![CDATA[")) {
			r->p += 9;
			const char *cs = r->p;
			if (!skip_past(r, "]]>"))
				goto fail;
			strbuf_add(&n->text, cs, (size_t)(r->p - 3 - cs));
			continue;
		}
		if (at(r, "<?")) {
			if (!skip_past(r, "?>"))
				goto fail;
			continue;
		}
		struct xnode *c = read_element(r);
		if (!c)
			goto fail;
		*tail = c;
		tail = &c->next;
	}
fail:
	xnode_free(n);
	return NULL;
}

static cJSON *from_node(struct codec_ctx *cx, const struct proto_shape *s, const struct xnode *n,
			bool *ok);

static const char *elem_name(const struct proto_member *m, const char *dflt)
{
	return codec_wire(m, false, dflt);
}

static bool is_flat(const struct proto_member *m)
{
	return (m->flags & PM_M_FLATTENED) || (m->shape->flags & PM_S_FLATTENED);
}

/* The element name a structure member's value appears under. */
static const char *member_key(const struct proto_member *m)
{
	if (m->shape->type == PM_LIST && is_flat(m) && m->shape->members[0].wire)
		return m->shape->members[0].wire;
	return elem_name(m, m->name);
}

static cJSON *from_structure(struct codec_ctx *cx, const struct proto_shape *s,
			     const struct xnode *n, bool *ok)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < s->nmembers && *ok; i++) {
		const struct proto_member *m = &s->members[i];
		if (m->location != PM_BODY)
			continue;
		if (m->flags & PM_M_XMLATTR) {
			for (size_t a = 0; a < n->nattrs; a++)
				if (strcmp(n->attrs[2 * a], local_name(elem_name(m, m->name))) == 0)
					cJSON_AddItemToObject(
						o, m->name,
						codec_scalar_from_text(m->shape,
								       n->attrs[2 * a + 1]));
			continue;
		}
		const char *key = member_key(m);
		bool flat = is_flat(m) && (m->shape->type == PM_LIST || m->shape->type == PM_MAP);
		cJSON *v = NULL;
		for (const struct xnode *c = n->child; c && *ok; c = c->next) {
			if (strcmp(c->name, key) != 0)
				continue;
			if (flat && m->shape->type == PM_LIST) {
				if (!v)
					v = cJSON_CreateArray();
				cJSON *e = from_node(cx, m->shape->members[0].shape, c, ok);
				if (e)
					cJSON_AddItemToArray(v, e);
			} else if (flat) {
				if (!v)
					v = cJSON_CreateObject();
				const struct xnode *k = NULL, *val = NULL;
				for (const struct xnode *e = c->child; e; e = e->next) {
					if (!strcmp(e->name,
						    elem_name(&m->shape->members[0], "key")))
						k = e;
					if (!strcmp(e->name,
						    elem_name(&m->shape->members[1], "value")))
						val = e;
				}
				if (k && val)
					cJSON_AddItemToObject(
						v, strbuf_str(&k->text),
						from_node(cx, m->shape->members[1].shape, val, ok));
			} else if (!v) {
				v = from_node(cx, m->shape, c, ok);
			}
		}
		if (v)
			cJSON_AddItemToObject(o, m->name, v);
	}
	return o;
}

static cJSON *from_node(struct codec_ctx *cx, const struct proto_shape *s, const struct xnode *n,
			bool *ok)
{
	switch ((enum proto_type)s->type) {
	case PM_STRUCTURE:
		return from_structure(cx, s, n, ok);
	case PM_LIST: {
		cJSON *a = cJSON_CreateArray();
		const char *en = elem_name(&s->members[0], "member");
		for (const struct xnode *c = n->child; c && *ok; c = c->next)
			if (strcmp(c->name, en) == 0) {
				cJSON *e = from_node(cx, s->members[0].shape, c, ok);
				if (e)
					cJSON_AddItemToArray(a, e);
			}
		return a;
	}
	case PM_MAP: {
		cJSON *o = cJSON_CreateObject();
		for (const struct xnode *entry = n->child; entry && *ok; entry = entry->next) {
			const struct xnode *k = NULL, *val = NULL;
			for (const struct xnode *e = entry->child; e; e = e->next) {
				if (!strcmp(e->name, elem_name(&s->members[0], "key")))
					k = e;
				if (!strcmp(e->name, elem_name(&s->members[1], "value")))
					val = e;
			}
			if (k && val)
				cJSON_AddItemToObject(o, strbuf_str(&k->text),
						      from_node(cx, s->members[1].shape, val, ok));
		}
		return o;
	}
	default: {
		cJSON *v = codec_scalar_from_text(s, strbuf_str(&n->text));
		if (!v) {
			*ok = false;
			codec_bad_body(cx, "bad value");
		}
		return v;
	}
	}
}

bool codec_xml_in(struct codec_ctx *cx, const struct proto_shape *s, const char *body, size_t len,
		  cJSON **out)
{
	struct xreader r = { .p = body, .end = body + len };
	*out = NULL;
	if (!skip_misc(&r))
		return codec_bad_body(cx, "malformed XML");
	struct xnode *root = read_element(&r);
	if (!root || !skip_misc(&r) || r.p != r.end) {
		xnode_free(root);
		return codec_bad_body(cx, "malformed XML");
	}
	bool ok = true;
	*out = from_node(cx, s, root, &ok);
	xnode_free(root);
	if (!ok) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return ok;
}

/* Writing. query: the query protocol's names (qwire) and its flattening. */

static void out_value(struct strbuf *sb, const struct proto_member *m, const struct proto_shape *s,
		      const cJSON *v, const char *name, const char *xmlns, bool query);

static const char *wname(const struct proto_member *m, bool query, const char *dflt)
{
	return codec_wire(m, query, dflt);
}

static void open_tag(struct strbuf *sb, const char *name, const char *xmlns)
{
	strbuf_addf(sb, "<%s", name);
	if (xmlns)
		strbuf_addf(sb, " xmlns=\"%s\"", xmlns);
	strbuf_addch(sb, '>');
}

static void out_structure(struct strbuf *sb, const struct proto_shape *s, const cJSON *v,
			  const char *name, const char *xmlns, bool query)
{
	strbuf_addf(sb, "<%s", name);
	if (xmlns)
		strbuf_addf(sb, " xmlns=\"%s\"", xmlns);
	for (size_t i = 0; i < s->nmembers; i++) {
		const struct proto_member *m = &s->members[i];
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, m->name);
		if (!(m->flags & PM_M_XMLATTR) || !c)
			continue;
		strbuf_addf(sb, " %s=\"", wname(m, query, m->name));
		struct strbuf t = STRBUF_INIT;
		codec_scalar_text(&t, m->shape, c, PM_TS_ISO8601);
		codec_xml_escape(sb, strbuf_str(&t));
		strbuf_release(&t);
		strbuf_addch(sb, '"');
	}
	strbuf_addch(sb, '>');
	for (size_t i = 0; i < s->nmembers; i++) {
		const struct proto_member *m = &s->members[i];
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, m->name);
		if (!c || cJSON_IsNull(c) || (m->flags & PM_M_XMLATTR) || m->location != PM_BODY)
			continue;
		out_value(sb, m, m->shape, c, wname(m, query, m->name), m->xmlns, query);
	}
	strbuf_addf(sb, "</%s>", name);
}

static void out_value(struct strbuf *sb, const struct proto_member *m, const struct proto_shape *s,
		      const cJSON *v, const char *name, const char *xmlns, bool query)
{
	const cJSON *c;
	bool flat = (m && (m->flags & PM_M_FLATTENED)) || (s->flags & PM_S_FLATTENED);
	switch ((enum proto_type)s->type) {
	case PM_STRUCTURE:
		out_structure(sb, s, v, name, xmlns, query);
		return;
	case PM_LIST: {
		const struct proto_member *em = &s->members[0];
		const char *en =
			flat ? (em->wire || (query && em->qwire) ? wname(em, query, name) : name)
			     : wname(em, query, "member");
		if (!flat)
			open_tag(sb, name, xmlns);
		cJSON_ArrayForEach(c, v) out_value(sb, em, em->shape, c, en, NULL, query);
		if (!flat)
			strbuf_addf(sb, "</%s>", name);
		return;
	}
	case PM_MAP: {
		const struct proto_member *km = &s->members[0], *vm = &s->members[1];
		if (!flat)
			open_tag(sb, name, xmlns);
		cJSON_ArrayForEach(c, v)
		{
			strbuf_addf(sb, "<%s>", flat ? name : "entry");
			const char *kn = wname(km, query, "key");
			strbuf_addf(sb, "<%s>", kn);
			codec_xml_escape(sb, c->string);
			strbuf_addf(sb, "</%s>", kn);
			out_value(sb, vm, vm->shape, c, wname(vm, query, "value"), NULL, query);
			strbuf_addf(sb, "</%s>", flat ? name : "entry");
		}
		if (!flat)
			strbuf_addf(sb, "</%s>", name);
		return;
	}
	default: {
		struct strbuf t = STRBUF_INIT;
		codec_scalar_text(
			&t, s, v,
			codec_ts_format(query ? PROTO_QUERY : PROTO_REST_XML, m, s, PM_BODY));
		open_tag(sb, name, xmlns);
		codec_xml_escape(sb, strbuf_str(&t));
		strbuf_addf(sb, "</%s>", name);
		strbuf_release(&t);
	}
	}
}

void codec_xml_out(struct strbuf *sb, const struct proto_shape *s, const cJSON *v, const char *name,
		   const char *xmlns)
{
	strbuf_addstr(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	if (!v || s->type != PM_STRUCTURE) {
		if (v)
			out_value(sb, NULL, s, v, name, xmlns, false);
		else
			strbuf_addf(sb, "<%s%s%s%s/>", name, xmlns ? " xmlns=\"" : "",
				    xmlns ? xmlns : "", xmlns ? "\"" : "");
		return;
	}
	out_structure(sb, s, v, name, xmlns, false);
}

void codec_query_result(struct strbuf *sb, const struct proto_shape *s, const cJSON *v)
{
	for (size_t i = 0; s && i < s->nmembers; i++) {
		const struct proto_member *m = &s->members[i];
		const cJSON *c = v ? cJSON_GetObjectItemCaseSensitive(v, m->name) : NULL;
		if (!c || cJSON_IsNull(c))
			continue;
		out_value(sb, m, m->shape, c, wname(m, true, m->name), NULL, true);
	}
}
