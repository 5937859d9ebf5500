/*
 * YAML documents as located trees, built from libyaml's event stream.
 */
#include "course/ynode.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/path.h"
#include "core/strutil.h"
#include "core/xalloc.h"

static struct ynode *node_new(enum ynode_kind kind, const yaml_mark_t *mark)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->line = (int)mark->line + 1; /* libyaml marks are 0-based */
	n->col = (int)mark->column + 1;
	return n;
}

void ynode_free(struct ynode *node)
{
	if (!node)
		return;
	free(node->tag);
	free(node->value);
	for (size_t i = 0; i < node->n_items; i++)
		ynode_free(node->items[i]);
	free(node->items);
	for (size_t i = 0; i < node->n_pairs; i++) {
		ynode_free(node->pairs[i].key);
		ynode_free(node->pairs[i].value);
	}
	free(node->pairs);
	free(node);
}

struct builder {
	yaml_parser_t parser;
	const char *path;
	struct error *err;
};

static bool next_event(struct builder *b, yaml_event_t *ev)
{
	if (yaml_parser_parse(&b->parser, ev))
		return true;
	const yaml_mark_t *m = b->parser.problem_mark.line || b->parser.problem_mark.column
				       ? &b->parser.problem_mark
				       : &b->parser.context_mark;
	error_set_at(b->err, b->path, (int)m->line + 1, (int)m->column + 1, "%s%s%s",
		     b->parser.problem ? b->parser.problem : "malformed YAML",
		     b->parser.context ? " " : "", b->parser.context ? b->parser.context : "");
	return false;
}

static struct ynode *build(struct builder *b, yaml_event_t *ev, int depth);

static struct ynode *build_scalar(yaml_event_t *ev)
{
	struct ynode *n = node_new(YNODE_SCALAR, &ev->start_mark);
	n->value = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
	n->len = ev->data.scalar.length;
	if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
		n->len = strlen(n->value);
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
		    ev->data.scalar.style != YAML_ANY_SCALAR_STYLE;
	if (ev->data.scalar.tag)
		n->tag = xstrdup((const char *)ev->data.scalar.tag);
	return n;
}

static struct ynode *build_seq(struct builder *b, yaml_event_t *start, int depth)
{
	struct ynode *n = node_new(YNODE_SEQ, &start->start_mark);
	if (start->data.sequence_start.tag)
		n->tag = xstrdup((const char *)start->data.sequence_start.tag);
	size_t alloc = 0;
	for (;;) {
		yaml_event_t ev;
		if (!next_event(b, &ev))
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return n;
		}
		struct ynode *item = build(b, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!item)
			goto fail;
		if (n->n_items == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			n->items = xreallocarray(n->items, alloc, sizeof(*n->items));
		}
		n->items[n->n_items++] = item;
	}
fail:
	ynode_free(n);
	return NULL;
}

static struct ynode *build_map(struct builder *b, yaml_event_t *start, int depth)
{
	struct ynode *n = node_new(YNODE_MAP, &start->start_mark);
	if (start->data.mapping_start.tag)
		n->tag = xstrdup((const char *)start->data.mapping_start.tag);
	size_t alloc = 0;
	for (;;) {
		yaml_event_t ev;
		if (!next_event(b, &ev))
			goto fail;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return n;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			error_set_at(b->err, b->path, (int)ev.start_mark.line + 1,
				     (int)ev.start_mark.column + 1,
				     "mapping keys must be plain text");
			yaml_event_delete(&ev);
			goto fail;
		}
		struct ynode *key = build_scalar(&ev);
		yaml_event_delete(&ev);
		if (!next_event(b, &ev)) {
			ynode_free(key);
			goto fail;
		}
		struct ynode *value = build(b, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!value) {
			ynode_free(key);
			goto fail;
		}
		if (n->n_pairs == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			n->pairs = xreallocarray(n->pairs, alloc, sizeof(*n->pairs));
		}
		n->pairs[n->n_pairs].key = key;
		n->pairs[n->n_pairs].value = value;
		n->n_pairs++;
	}
fail:
	ynode_free(n);
	return NULL;
}

/* Build the node that starts with ev. ev stays owned by the caller. */
static struct ynode *build(struct builder *b, yaml_event_t *ev, int depth)
{
	if (depth > YNODE_MAX_DEPTH) {
		error_set_at(b->err, b->path, (int)ev->start_mark.line + 1,
			     (int)ev->start_mark.column + 1, "nesting deeper than %d levels",
			     YNODE_MAX_DEPTH);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return build_scalar(ev);
	case YAML_SEQUENCE_START_EVENT:
		return build_seq(b, ev, depth);
	case YAML_MAPPING_START_EVENT:
		return build_map(b, ev, depth);
	case YAML_ALIAS_EVENT:
		error_set_at(b->err, b->path, (int)ev->start_mark.line + 1,
			     (int)ev->start_mark.column + 1,
			     "aliases (*name) are not supported; repeat the content instead");
		return NULL;
	default:
		error_set_at(b->err, b->path, (int)ev->start_mark.line + 1,
			     (int)ev->start_mark.column + 1, "unexpected YAML structure");
		return NULL;
	}
}

struct ynode *ynode_parse(const char *text, size_t len, const char *path, struct error *err)
{
	struct builder b = { .path = path ? path : "<input>", .err = err };
	if (!yaml_parser_initialize(&b.parser)) {
		error_set(err, "cannot initialise the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
	struct ynode *root = NULL;
	yaml_event_t ev;
	for (;;) {
		if (!next_event(&b, &ev))
			goto done;
		yaml_event_type_t t = ev.type;
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (t == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			break; /* only the first document counts */
		}
		if (root) {
			yaml_event_delete(&ev);
			break;
		}
		root = build(&b, &ev, 0);
		yaml_event_delete(&ev);
		if (!root)
			goto done;
	}
	if (!root) {
		yaml_mark_t m = { 0, 0, 0 };
		root = node_new(YNODE_MAP, &m);
	}
	yaml_parser_delete(&b.parser);
	return root;
done:
	yaml_parser_delete(&b.parser);
	ynode_free(root);
	return NULL;
}

struct ynode *ynode_load(const char *path, struct error *err)
{
	size_t len;
	char *text = path_read_file(path, 4u << 20, &len, err);
	if (!text)
		return NULL;
	if (memchr(text, '\0', len)) {
		free(text);
		error_set_at(err, path, 1, 1, "file contains a NUL byte; YAML must be text");
		return NULL;
	}
	struct ynode *n = ynode_parse(text, len, path, err);
	free(text);
	return n;
}

const struct ypair *ynode_get_pair(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n_pairs; i++)
		if (strcmp(map->pairs[i].key->value, key) == 0)
			return &map->pairs[i];
	return NULL;
}

struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	const struct ypair *p = ynode_get_pair(map, key);
	return p ? p->value : NULL;
}

const char *ynode_kind_name(const struct ynode *node)
{
	if (!node)
		return "nothing";
	switch (node->kind) {
	case YNODE_SCALAR:
		if (ynode_is_null(node))
			return "null";
		{
			long long i;
			double d;
			bool bl;
			if (ynode_as_int(node, &i))
				return "an integer";
			if (ynode_as_double(node, &d))
				return "a number";
			if (ynode_as_bool(node, &bl))
				return "a boolean";
		}
		return "a string";
	case YNODE_SEQ:
		return "a list";
	case YNODE_MAP:
		return "a mapping";
	}
	abort();
}

bool ynode_is_null(const struct ynode *node)
{
	if (!node || node->kind != YNODE_SCALAR || node->quoted)
		return false;
	const char *v = node->value;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

bool ynode_as_int(const struct ynode *node, long long *out)
{
	if (!node || node->kind != YNODE_SCALAR || node->quoted || !node->value[0])
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(node->value, &end, 10);
	if (errno || *end)
		return false;
	if (out)
		*out = v;
	return true;
}

bool ynode_as_double(const struct ynode *node, double *out)
{
	if (!node || node->kind != YNODE_SCALAR || node->quoted || !node->value[0])
		return false;
	char *end;
	errno = 0;
	double v = strtod(node->value, &end);
	if (errno || *end || !isfinite(v))
		return false;
	/* strtod takes hex and "inf"; YAML numbers are decimal. */
	for (const char *s = node->value; *s; s++)
		if (*s == 'x' || *s == 'X' || *s == 'n' || *s == 'N' || *s == 'i' || *s == 'I')
			return false;
	if (out)
		*out = v;
	return true;
}

bool ynode_as_bool(const struct ynode *node, bool *out)
{
	if (!node || node->kind != YNODE_SCALAR || node->quoted)
		return false;
	const char *v = node->value;
	if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0) {
		if (out)
			*out = true;
		return true;
	}
	if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0) {
		if (out)
			*out = false;
		return true;
	}
	return false;
}

const char *ynode_str(const struct ynode *node)
{
	return node && node->kind == YNODE_SCALAR ? node->value : NULL;
}

const char *yschema_type_name(enum yschema_type type)
{
	switch (type) {
	case YS_STRING:
		return "a string";
	case YS_INT:
		return "an integer";
	case YS_NUMBER:
		return "a number";
	case YS_BOOL:
		return "true or false";
	case YS_SEQ:
		return "a list";
	case YS_MAP:
		return "a mapping";
	case YS_STRING_OR_SEQ:
		return "a string or a list";
	case YS_ANY:
		return "anything";
	}
	abort();
}

bool ynode_has_type(const struct ynode *node, enum yschema_type type)
{
	if (!node)
		return false;
	switch (type) {
	case YS_STRING:
		return node->kind == YNODE_SCALAR && !ynode_is_null(node) && node->len > 0;
	case YS_INT:
		return ynode_as_int(node, NULL);
	case YS_NUMBER:
		return ynode_as_double(node, NULL);
	case YS_BOOL:
		return ynode_as_bool(node, NULL);
	case YS_SEQ:
		return node->kind == YNODE_SEQ;
	case YS_MAP:
		return node->kind == YNODE_MAP;
	case YS_STRING_OR_SEQ:
		return node->kind == YNODE_SEQ || ynode_has_type(node, YS_STRING);
	case YS_ANY:
		return true;
	}
	abort();
}

bool ynode_check_map(const struct ynode *node, const struct yschema_key *keys, const char *what,
		     const char *path, struct diags *d)
{
	if (!node || node->kind != YNODE_MAP) {
		diags_add(d, path, node ? node->line : 1, node ? node->col : 1,
			  "%s must be a mapping, not %s", what, ynode_kind_name(node));
		return false;
	}
	bool ok = true;
	size_t nkeys = 0;
	while (keys[nkeys].name)
		nkeys++;
	const char **names = xcalloc(nkeys + 1, sizeof(*names));
	for (size_t i = 0; i < nkeys; i++)
		names[i] = keys[i].name;

	for (size_t i = 0; i < node->n_pairs; i++) {
		const struct ynode *k = node->pairs[i].key;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(node->pairs[j].key->value, k->value) == 0) {
				diags_add(d, path, k->line, k->col,
					  "duplicate key '%s' (first at line %d)", k->value,
					  node->pairs[j].key->line);
				ok = false;
				break;
			}
		}
		const struct yschema_key *spec = NULL;
		for (size_t j = 0; j < nkeys; j++)
			if (strcmp(keys[j].name, k->value) == 0)
				spec = &keys[j];
		if (!spec) {
			const char *s = str_suggest(k->value, names);
			if (s)
				diags_add(d, path, k->line, k->col,
					  "unknown key '%s' in %s (did you mean '%s'?)", k->value,
					  what, s);
			else
				diags_add(d, path, k->line, k->col, "unknown key '%s' in %s",
					  k->value, what);
			ok = false;
			continue;
		}
		const struct ynode *v = node->pairs[i].value;
		if (!ynode_has_type(v, spec->type)) {
			diags_add(d, path, v->line, v->col, "'%s' must be %s, not %s", k->value,
				  yschema_type_name(spec->type), ynode_kind_name(v));
			ok = false;
		}
	}
	for (size_t j = 0; j < nkeys; j++) {
		if (keys[j].required && !ynode_get(node, keys[j].name)) {
			diags_add(d, path, node->line, node->col, "missing required key '%s' in %s",
				  keys[j].name, what);
			ok = false;
		}
	}
	free(names);
	return ok;
}
