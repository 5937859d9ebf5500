/*
 * A recursive-descent XML reader into cJSON trees.
 */
#include "cloud/s3/xml.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <string.h>

#include "core/strbuf.h"

struct rd {
	const char *p, *end;
	int depth;
};

static void skip_ws(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool starts(struct rd *r, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(r->end - r->p) >= n && memcmp(r->p, s, n) == 0;
}

/* Skip <?...?>, <!--...-->, <!DOCTYPE...> and whitespace. */
static bool skip_misc(struct rd *r)
{
	for (;;) {
		skip_ws(r);
		const char *close = NULL;
		if (starts(r, "<?"))
			close = "?>";
		else if (starts(r, "<!--"))
			close = "-->";
		else if (starts(r, "<!"))
			close = ">";
		if (!close)
			return true;
		const char *e = memmem(r->p, (size_t)(r->end - r->p), close, strlen(close));
		if (!e)
			return false;
		r->p = e + strlen(close);
	}
}

static bool name_char(char ch)
{
	return ch && !strchr(" \t\r\n/>=<\"'&", ch);
}

static bool read_name(struct rd *r, struct strbuf *out)
{
	const char *s = r->p;
	while (r->p < r->end && name_char(*r->p))
		r->p++;
	if (r->p == s)
		return false;
	strbuf_add(out, s, (size_t)(r->p - s));
	return true;
}

/* Text up to the next '<', entities decoded. */
static bool read_text(struct rd *r, struct strbuf *out)
{
	while (r->p < r->end && *r->p != '<') {
		if (*r->p != '&') {
			if (*r->p == '\0')
				return false;
			strbuf_addch(out, *r->p++);
			continue;
		}
		static const char *const ents[][2] = { { "&amp;", "&" },
						       { "&lt;", "<" },
						       { "&gt;", ">" },
						       { "&quot;", "\"" },
						       { "&apos;", "'" } };
		bool found = false;
		for (size_t i = 0; i < 5 && !found; i++) {
			if (starts(r, ents[i][0])) {
				strbuf_addstr(out, ents[i][1]);
				r->p += strlen(ents[i][0]);
				found = true;
			}
		}
		if (!found)
			return false;
	}
	return true;
}

static cJSON *element(struct rd *r)
{
	if (++r->depth > 32 || r->p >= r->end || *r->p != '<')
		return NULL;
	r->p++;
	struct strbuf name = STRBUF_INIT, text = STRBUF_INIT;
	cJSON *el = NULL, *kids = NULL;
	if (!read_name(r, &name))
		goto fail;
	/* Attributes: name="value" pairs, skipped. */
	for (;;) {
		skip_ws(r);
		if (r->p >= r->end)
			goto fail;
		if (*r->p == '>' || starts(r, "/>"))
			break;
		struct strbuf an = STRBUF_INIT;
		bool ok = read_name(r, &an);
		strbuf_release(&an);
		if (!ok || r->p >= r->end || *r->p != '=')
			goto fail;
		r->p++;
		if (r->p >= r->end || (*r->p != '"' && *r->p != '\''))
			goto fail;
		char q = *r->p++;
		const char *e = memchr(r->p, q, (size_t)(r->end - r->p));
		if (!e)
			goto fail;
		r->p = e + 1;
	}
	el = cJSON_CreateObject();
	cJSON_AddStringToObject(el, "n", name.buf);
	kids = cJSON_AddArrayToObject(el, "c");
	if (starts(r, "/>")) {
		r->p += 2;
		cJSON_AddStringToObject(el, "t", "");
		goto done;
	}
	r->p++;
	for (;;) {
		if (!read_text(r, &text) || r->p >= r->end)
			goto fail;
		if (starts(r, "</")) {
			r->p += 2;
			struct strbuf endname = STRBUF_INIT;
			bool ok = read_name(r, &endname) && strcmp(endname.buf, name.buf) == 0;
			strbuf_release(&endname);
			skip_ws(r);
			if (!ok || r->p >= r->end || *r->p != '>')
				goto fail;
			r->p++;
			break;
		}
		if (starts(r, "<!--")) {
			if (!skip_misc(r))
				goto fail;
			continue;
		}
		cJSON *kid = element(r);
		if (!kid)
			goto fail;
		cJSON_AddItemToArray(kids, kid);
	}
	cJSON_AddStringToObject(el, "t", strbuf_str(&text));
done:
	r->depth--;
	strbuf_release(&name);
	strbuf_release(&text);
	return el;
fail:
	cJSON_Delete(el);
	strbuf_release(&name);
	strbuf_release(&text);
	return NULL;
}

cJSON *s3_xml_parse(const char *doc, size_t len)
{
	struct rd r = { doc, doc + len, 0 };
	if (!doc || !skip_misc(&r))
		return NULL;
	cJSON *root = element(&r);
	if (root && (!skip_misc(&r) || r.p != r.end)) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

const cJSON *s3_xml_child(const cJSON *el, const char *name)
{
	const cJSON *k;
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(el, "c"))
	{
		if (strcmp(s3_xml_name(k), name) == 0)
			return k;
	}
	return NULL;
}

const char *s3_xml_text(const cJSON *el)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(el, "t");
	return cJSON_IsString(t) ? t->valuestring : "";
}

const char *s3_xml_name(const cJSON *el)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(el, "n");
	return cJSON_IsString(n) ? n->valuestring : "";
}
