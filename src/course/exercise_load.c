/*
 * Loading and linting exercises: exercise.yaml through the located YAML tree into struct
 * exercise, with every problem reported where the author has to fix it. Values that the
 * checker resolves at run time (events, expected values) become JSON text here, and every
 * ${...} in them is resolved once against placeholders so that a reference to nothing is
 * caught by lint rather than by a learner.
 */
#include "course/exercise_load.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"
#include "course/exercise_expr.h"
#include "course/lint.h"
#include "course/ynode.h"

#define MAX_TASKS     64
#define MAX_STEPS     64
#define MAX_EXPECTS   64
#define MAX_HINTS     16
#define MAX_FILES     32
#define MAX_EXERCISES 64
#define EVENT_MAX     (256u * 1024)
/* Lambda's own bounds. */
#define MEMORY_MIN  128
#define MEMORY_MAX  10240
#define TIMEOUT_MAX 900

static const char *const lang_names[EXERCISE_LANG_COUNT] = { "python", "nodejs" };

static const char *const op_names[EXPECT_OP_COUNT] = {
	"equals", "contains", "matches", "near", "min", "max", "type", "absent", "not_equals",
};

static const char *const type_names[] = { "string", "number", "integer", "boolean",
					  "object", "array",  "null",    NULL };

static const char *const random_kinds[] = {
	"name", "int", "number", "word", "choice", "uuid", NULL
};

static const struct yschema_key exercise_keys[] = {
	{ "id", YS_STRING, true },    { "title", YS_STRING, true }, { "kind", YS_STRING, true },
	{ "brief", YS_STRING, true }, { "function", YS_MAP, true }, { "starters", YS_MAP, false },
	{ "tasks", YS_SEQ, true },    { "hints", YS_SEQ, true },    { "steps", YS_SEQ, true },
	{ NULL, YS_ANY, false },
};

static const struct yschema_key function_keys[] = {
	{ "name", YS_STRING, true }, { "memory", YS_INT, false }, { "timeout", YS_INT, false },
	{ "env", YS_MAP, false },    { NULL, YS_ANY, false },
};

static const struct yschema_key starter_keys[] = {
	{ "runtime", YS_STRING, true }, { "handler", YS_STRING, true }, { "files", YS_SEQ, false },
	{ "dir", YS_STRING, false },    { NULL, YS_ANY, false },
};

static const struct yschema_key task_keys[] = {
	{ "id", YS_STRING, true },
	{ "text", YS_STRING, true },
	{ "why", YS_STRING, true },
	{ NULL, YS_ANY, false },
};

static const struct yschema_key step_keys[] = {
	{ "name", YS_STRING, false },
	{ "event", YS_ANY, false },
	{ "event_file", YS_STRING, false },
	{ "expect", YS_SEQ, false },
	{ NULL, YS_ANY, false },
};

static const struct yschema_key expect_keys[] = {
	{ "task", YS_STRING, true },       { "why", YS_STRING, false },
	{ "error", YS_ANY, false },        { "field", YS_STRING, false },
	{ "log", YS_STRING, false },       { "no_log", YS_STRING, false },
	{ "equals", YS_ANY, false },       { "contains", YS_ANY, false },
	{ "matches", YS_STRING, false },   { "near", YS_ANY, false },
	{ "tolerance", YS_NUMBER, false }, { "min", YS_ANY, false },
	{ "max", YS_ANY, false },          { "type", YS_STRING, false },
	{ "absent", YS_BOOL, false },      { "not_equals", YS_ANY, false },
	{ NULL, YS_ANY, false },
};

static const struct yschema_key error_keys[] = {
	{ "type", YS_STRING, false },
	{ "message", YS_STRING, false },
	{ NULL, YS_ANY, false },
};

/* What a parse needs at hand. */
struct ctx {
	struct exercise *ex;
	const char *path;
	const char *dir;
	struct diags *d;
	const struct ynode *event; /* the current step's event, for resolving ${event.*} */
	bool event_from_file;
	bool bad_step; /* a step of unknown kind was reported: their order cannot be judged */
};

const char *exercise_lang_name(enum exercise_lang lang)
{
	return lang < EXERCISE_LANG_COUNT ? lang_names[lang] : "?";
}

int exercise_lang_parse(const char *name)
{
	for (int i = 0; i < EXERCISE_LANG_COUNT; i++)
		if (name && strcmp(name, lang_names[i]) == 0)
			return i;
	if (name && (strcmp(name, "node") == 0 || strcmp(name, "javascript") == 0))
		return EXERCISE_NODEJS;
	if (name && strcmp(name, "py") == 0)
		return EXERCISE_PYTHON;
	return -1;
}

const char *exercise_kind_name(enum exercise_kind kind)
{
	return kind == EXERCISE_ACCOUNT ? "account" : "code";
}

static bool in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* "unknown X 'y'; use a, b or c" with a suggestion when one is close. */
static void add_choice_error(struct ctx *c, const struct ynode *v, const char *what,
			     const char *const *list)
{
	char buf[80];
	const char *s = str_suggest(v->value, list);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; list[i]; i++) {
		if (i)
			strbuf_addstr(&sb, list[i + 1] ? ", " : " or ");
		strbuf_addstr(&sb, list[i]);
	}
	if (s)
		diags_add(c->d, c->path, v->line, v->col, "unknown %s '%s' (did you mean '%s'?)",
			  what, lint_clip(v->value, buf, sizeof(buf)), s);
	else
		diags_add(c->d, c->path, v->line, v->col, "unknown %s '%s'; use %s", what,
			  lint_clip(v->value, buf, sizeof(buf)), strbuf_str(&sb));
	strbuf_release(&sb);
}

/* ---- YAML values as JSON text ---- */

static void json_string(struct strbuf *sb, const char *s)
{
	cJSON *str = cJSON_CreateString(s);
	char *text = cJSON_PrintUnformatted(str);
	strbuf_addstr(sb, text);
	free(text);
	cJSON_Delete(str);
}

static void to_json(struct strbuf *sb, const struct ynode *n)
{
	switch (n->kind) {
	case YNODE_SCALAR: {
		bool b;
		double dv;
		if (n->quoted)
			json_string(sb, n->value);
		else if (ynode_is_null(n))
			strbuf_addstr(sb, "null");
		else if (ynode_as_bool(n, &b))
			strbuf_addstr(sb, b ? "true" : "false");
		else if (ynode_as_int(n, NULL) || ynode_as_double(n, &dv))
			strbuf_addstr(sb, n->value);
		else
			json_string(sb, n->value);
		return;
	}
	case YNODE_SEQ:
		strbuf_addch(sb, '[');
		for (size_t i = 0; i < n->n_items; i++) {
			if (i)
				strbuf_addch(sb, ',');
			to_json(sb, n->items[i]);
		}
		strbuf_addch(sb, ']');
		return;
	case YNODE_MAP:
		strbuf_addch(sb, '{');
		for (size_t i = 0; i < n->n_pairs; i++) {
			if (i)
				strbuf_addch(sb, ',');
			json_string(sb, n->pairs[i].key->value);
			strbuf_addch(sb, ':');
			to_json(sb, n->pairs[i].value);
		}
		strbuf_addch(sb, '}');
		return;
	}
	abort();
}

static char *json_of(const struct ynode *n)
{
	struct strbuf sb = STRBUF_INIT;
	to_json(&sb, n);
	return strbuf_detach(&sb);
}

/* ---- references: ${event.a}, ${request_id}, ${function} ---- */

/* The node of an event that path ("a.b[0]") names, NULL when none. */
static const struct ynode *event_walk(const struct ynode *n, const char *path)
{
	char name[128];
	while (n && *path) {
		if (*path == '.') {
			path++;
			continue;
		}
		if (*path == '[') {
			long i = strtol(path + 1, NULL, 10);
			const char *close = strchr(path, ']');
			if (!close || n->kind != YNODE_SEQ || i < 0 || (size_t)i >= n->n_items)
				return NULL;
			n = n->items[i];
			path = close + 1;
			continue;
		}
		size_t k = strcspn(path, ".[");
		if (k >= sizeof(name))
			return NULL;
		memcpy(name, path, k);
		name[k] = '\0';
		path += k;
		if (n->kind != YNODE_MAP)
			return NULL;
		/* A generator is a leaf: nothing lies below it. */
		if (ynode_get(n, "random"))
			return NULL;
		n = ynode_get(n, name);
	}
	return n;
}

static bool lint_resolve(void *vctx, const char *ref, struct expr_value *out, struct error *err)
{
	struct ctx *c = vctx;
	out->is_num = true;
	out->num = 1;
	out->str = NULL;
	if (strcmp(ref, "request_id") == 0 || strcmp(ref, "function") == 0) {
		out->is_num = false;
		out->str = xstrdup("x");
		return true;
	}
	if (strncmp(ref, "event.", 6) == 0 || strcmp(ref, "event") == 0) {
		if (!c->event)
			return error_set(err, "'%s' refers to the event, but this step sends none",
					 ref);
		if (c->event_from_file)
			return true;
		if (!event_walk(c->event, ref + 5))
			return error_set(err, "'%s' is not in the step's event", ref);
		return true;
	}
	return error_set(err, "unknown reference '%s'; use event.<field>, request_id or function",
			 ref);
}

/* Check every ${...} of s at node v. */
static void check_templates(struct ctx *c, const char *s, const struct ynode *v)
{
	if (!expr_has_template(s))
		return;
	struct error err;
	error_clear(&err);
	char *out = expr_expand(s, lint_resolve, c, &err);
	if (!out)
		diags_add(c->d, c->path, v->line, v->col, "%s", err.msg);
	free(out);
}

static void check_templates_tree(struct ctx *c, const struct ynode *n)
{
	if (n->kind == YNODE_SCALAR)
		check_templates(c, n->value, n);
	for (size_t i = 0; n->kind == YNODE_SEQ && i < n->n_items; i++)
		check_templates_tree(c, n->items[i]);
	for (size_t i = 0; n->kind == YNODE_MAP && i < n->n_pairs; i++)
		check_templates_tree(c, n->pairs[i].value);
}

/* ---- generators in events ---- */

static void check_generator(struct ctx *c, const struct ynode *g)
{
	const struct ynode *kind = ynode_get(g, "random");
	if (!ynode_has_type(kind, YS_STRING)) {
		diags_add(c->d, c->path, kind->line, kind->col,
			  "'random' must name a kind of value: name, int, number, word, choice or "
			  "uuid");
		return;
	}
	if (!in_list(kind->value, random_kinds)) {
		add_choice_error(c, kind, "random kind", random_kinds);
		return;
	}
	static const char *const gen_keys[] = { "random", "min", "max", "decimals", "of", NULL };
	for (size_t i = 0; i < g->n_pairs; i++) {
		const struct ynode *k = g->pairs[i].key;
		if (!in_list(k->value, gen_keys)) {
			const char *s = str_suggest(k->value, gen_keys);
			diags_add(c->d, c->path, k->line, k->col,
				  s ? "unknown key '%s' in a random value (did you mean '%s'?)"
				    : "unknown key '%s' in a random value%s",
				  k->value, s ? s : "");
		}
	}
	const struct ynode *mn = ynode_get(g, "min"), *mx = ynode_get(g, "max");
	bool numeric = strcmp(kind->value, "int") == 0 || strcmp(kind->value, "number") == 0;
	if (numeric) {
		enum yschema_type t = strcmp(kind->value, "int") == 0 ? YS_INT : YS_NUMBER;
		double a = 0, b = 0;
		if (!mn || !mx) {
			diags_add(c->d, c->path, g->line, g->col,
				  "a random %s needs 'min' and 'max'", kind->value);
		} else if (!ynode_has_type(mn, t) || !ynode_has_type(mx, t)) {
			diags_add(c->d, c->path, mn->line, mn->col,
				  "'min' and 'max' of a random %s must be %s", kind->value,
				  yschema_type_name(t));
		} else if (ynode_as_double(mn, &a) && ynode_as_double(mx, &b) && a > b) {
			diags_add(c->d, c->path, mn->line, mn->col,
				  "'min' (%s) is greater than 'max' (%s)", mn->value, mx->value);
		}
	} else if (mn || mx) {
		const struct ynode *v = mn ? mn : mx;
		diags_add(c->d, c->path, v->line, v->col,
			  "'min' and 'max' only apply to a random int or number");
	}
	const struct ynode *dec = ynode_get(g, "decimals");
	long long dv;
	if (dec &&
	    (strcmp(kind->value, "number") != 0 || !ynode_as_int(dec, &dv) || dv < 0 || dv > 6))
		diags_add(c->d, c->path, dec->line, dec->col,
			  "'decimals' must be an integer from 0 to 6, for a random number");
	const struct ynode *of = ynode_get(g, "of");
	if (strcmp(kind->value, "choice") == 0) {
		if (!of || of->kind != YNODE_SEQ || of->n_items == 0)
			diags_add(c->d, c->path, g->line, g->col,
				  "a random choice needs 'of': a list of at least one value");
	} else if (of) {
		diags_add(c->d, c->path, of->line, of->col, "'of' only applies to a random choice");
	}
}

static void check_event_tree(struct ctx *c, const struct ynode *n)
{
	if (n->kind == YNODE_MAP && ynode_get(n, "random")) {
		check_generator(c, n);
		return;
	}
	for (size_t i = 0; n->kind == YNODE_SEQ && i < n->n_items; i++)
		check_event_tree(c, n->items[i]);
	for (size_t i = 0; n->kind == YNODE_MAP && i < n->n_pairs; i++)
		check_event_tree(c, n->pairs[i].value);
}

/* ---- expectations ---- */

static const char *const field_roots[] = { "response", "body", "error", "report", "config", NULL };
static const char *const report_fields[] = { "duration",        "billed_duration", "memory_size",
					     "max_memory_used", "init_duration",   NULL };
static const char *const error_fields[] = { "type", "message", NULL };

static void check_field(struct ctx *c, const struct ynode *v, enum exercise_step_kind step)
{
	char root[32];
	size_t k = strcspn(v->value, ".[");
	if (k >= sizeof(root)) {
		diags_add(c->d, c->path, v->line, v->col, "unknown field '%s'", v->value);
		return;
	}
	memcpy(root, v->value, k);
	root[k] = '\0';
	if (!in_list(root, field_roots)) {
		struct ynode fake = *v;
		fake.value = root;
		add_choice_error(c, &fake, "field", field_roots);
		return;
	}
	const char *rest = v->value[k] == '.' ? v->value + k + 1 : v->value + k;
	if (strcmp(root, "config") != 0 && step != STEP_INVOKE) {
		diags_add(
			c->d, c->path, v->line, v->col,
			"field '%s' needs an invocation; only config.* can be checked in a %s step",
			v->value, step == STEP_DEPLOY ? "deploy" : "inspect");
		return;
	}
	if (strcmp(root, "report") == 0 || strcmp(root, "error") == 0) {
		const char *const *list = root[0] == 'r' ? report_fields : error_fields;
		if (!in_list(rest, list)) {
			struct ynode fake = *v;
			fake.value = (char *)rest;
			add_choice_error(c, &fake, root[0] == 'r' ? "report field" : "error field",
					 list);
		}
	}
	if (strcmp(root, "config") == 0 && !rest[0])
		diags_add(c->d, c->path, v->line, v->col,
			  "name a configuration field, such as config.MemorySize");
}

static void set_matcher(struct exercise_expect *e, enum expect_op op, char *value)
{
	e->matchers = xreallocarray(e->matchers, e->n_matchers + 1, sizeof(*e->matchers));
	e->matchers[e->n_matchers].op = op;
	e->matchers[e->n_matchers].value = value;
	e->n_matchers++;
}

static void check_regex(struct ctx *c, const char *re, const struct ynode *v)
{
	if (expr_has_template(re)) {
		check_templates(c, re, v);
		return;
	}
	regex_t r;
	int rc = regcomp(&r, re, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[128];
		regerror(rc, &r, msg, sizeof(msg));
		diags_add(c->d, c->path, v->line, v->col, "bad regular expression: %s", msg);
	} else {
		regfree(&r);
	}
}

static void read_matchers(struct ctx *c, struct exercise_expect *e, const struct ynode *item)
{
	for (int op = 0; op < EXPECT_OP_COUNT; op++) {
		const struct ynode *v = ynode_get(item, op_names[op]);
		if (!v)
			continue;
		switch ((enum expect_op)op) {
		case EXPECT_EQUALS:
		case EXPECT_CONTAINS:
		case EXPECT_NOT_EQUALS:
			check_templates_tree(c, v);
			set_matcher(e, (enum expect_op)op, json_of(v));
			break;
		case EXPECT_NEAR:
		case EXPECT_MIN:
		case EXPECT_MAX:
			if (!ynode_has_type(v, YS_NUMBER) &&
			    !(v->kind == YNODE_SCALAR && expr_has_template(v->value))) {
				diags_add(c->d, c->path, v->line, v->col,
					  "'%s' must be a number or a ${...} expression, not %s",
					  op_names[op], ynode_kind_name(v));
				break;
			}
			check_templates(c, v->value, v);
			set_matcher(e, (enum expect_op)op, json_of(v));
			break;
		case EXPECT_MATCHES:
			if (ynode_has_type(v, YS_STRING)) {
				check_regex(c, v->value, v);
				set_matcher(e, EXPECT_MATCHES, xstrdup(v->value));
			}
			break;
		case EXPECT_TYPE:
			if (!ynode_has_type(v, YS_STRING))
				break;
			if (!in_list(v->value, type_names))
				add_choice_error(c, v, "type", type_names);
			else
				set_matcher(e, EXPECT_TYPE, xstrdup(v->value));
			break;
		case EXPECT_ABSENT: {
			bool b = false;
			if (ynode_as_bool(v, &b) && !b)
				diags_add(c->d, c->path, v->line, v->col,
					  "'absent: false' says nothing; use 'type' or remove it");
			else
				set_matcher(e, EXPECT_ABSENT, xstrdup("true"));
			break;
		}
		case EXPECT_OP_COUNT:
			abort();
		}
	}
}

static void read_error_expect(struct ctx *c, struct exercise_expect *e, const struct ynode *v)
{
	e->kind = EXPECT_ERROR;
	bool b;
	if (ynode_as_bool(v, &b)) {
		e->error = b;
		return;
	}
	if (v->kind != YNODE_MAP) {
		diags_add(c->d, c->path, v->line, v->col,
			  "'error' must be true, false or a mapping with 'type' and 'message'");
		return;
	}
	e->error = true;
	ynode_check_map(v, error_keys, "error", c->path, c->d);
	const struct ynode *t = ynode_get(v, "type"), *m = ynode_get(v, "message");
	if (ynode_has_type(t, YS_STRING)) {
		check_regex(c, t->value, t);
		e->error_type = xstrdup(t->value);
	}
	if (ynode_has_type(m, YS_STRING)) {
		check_regex(c, m->value, m);
		e->error_message = xstrdup(m->value);
	}
}

static void read_expect(struct ctx *c, struct exercise_step *s, const struct ynode *item,
			size_t index)
{
	char what[48];
	snprintf(what, sizeof(what), "expectation %zu", index);
	if (!ynode_check_map(item, expect_keys, what, c->path, c->d) && item->kind != YNODE_MAP)
		return;
	struct exercise_expect *e = &s->expects[s->n_expects++];
	e->line = item->line;
	e->col = item->col;
	const struct ynode *task = ynode_get(item, "task");
	if (ynode_has_type(task, YS_STRING))
		e->task = xstrdup(task->value);
	const struct ynode *why = ynode_get(item, "why");
	if (ynode_has_type(why, YS_STRING))
		e->why = xstrdup(why->value);

	const struct ynode *err = ynode_get(item, "error"), *field = ynode_get(item, "field");
	const struct ynode *log = ynode_get(item, "log"), *nolog = ynode_get(item, "no_log");
	int subjects = !!err + !!field + !!log + !!nolog;
	if (subjects != 1) {
		diags_add(c->d, c->path, item->line, item->col,
			  "%s must have exactly one of 'error', 'field', 'log' or 'no_log'", what);
		return;
	}
	bool has_matcher = false;
	for (int op = 0; op < EXPECT_OP_COUNT; op++)
		if (ynode_get(item, op_names[op]))
			has_matcher = true;
	if (err || log || nolog) {
		if (has_matcher)
			diags_add(c->d, c->path, item->line, item->col,
				  "matchers such as 'equals' go with 'field', not with '%s'",
				  err   ? "error"
				  : log ? "log"
					: "no_log");
		if (s->kind != STEP_INVOKE) {
			const struct ynode *at = err ? err : log ? log : nolog;
			diags_add(c->d, c->path, at->line, at->col,
				  "'%s' needs an invocation: put it in an invoke step",
				  err   ? "error"
				  : log ? "log"
					: "no_log");
		}
	}
	if (err) {
		read_error_expect(c, e, err);
		return;
	}
	if (log || nolog) {
		const struct ynode *v = log ? log : nolog;
		e->kind = EXPECT_LOG;
		e->log_absent = nolog != NULL;
		if (ynode_has_type(v, YS_STRING)) {
			check_regex(c, v->value, v);
			e->pattern = xstrdup(v->value);
		}
		return;
	}
	e->kind = EXPECT_VALUE;
	if (!ynode_has_type(field, YS_STRING))
		return;
	e->field = xstrdup(field->value);
	check_field(c, field, s->kind);
	if (!has_matcher) {
		diags_add(c->d, c->path, field->line, field->col,
			  "field '%s' has nothing to check: add equals, contains, matches, near, "
			  "min, max, type, absent or not_equals",
			  field->value);
		return;
	}
	read_matchers(c, e, item);
	const struct ynode *tol = ynode_get(item, "tolerance");
	double t = 0;
	if (tol && ynode_as_double(tol, &t)) {
		if (!ynode_get(item, "near"))
			diags_add(c->d, c->path, tol->line, tol->col,
				  "'tolerance' only applies to 'near'");
		else if (t < 0)
			diags_add(c->d, c->path, tol->line, tol->col,
				  "'tolerance' must not be negative");
	}
	e->tolerance = ynode_get(item, "near") && !tol ? 1e-9 : t;
}

/* ---- steps ---- */

static const char *const step_kinds[] = { "deploy", "inspect", "invoke", NULL };

static void read_event(struct ctx *c, struct exercise_step *s, const struct ynode *body)
{
	const struct ynode *ev = ynode_get(body, "event"), *file = ynode_get(body, "event_file");
	char buf[80];
	if (ev && file) {
		diags_add(c->d, c->path, file->line, file->col,
			  "give either 'event' or 'event_file', not both");
		return;
	}
	if (ev) {
		check_event_tree(c, ev);
		s->event = json_of(ev);
		c->event = ev;
		return;
	}
	if (!file) {
		s->event = xstrdup("{}");
		return;
	}
	if (!ynode_has_type(file, YS_STRING))
		return;
	if (!path_is_safe_relative(file->value)) {
		diags_add(c->d, c->path, file->line, file->col,
			  "event file '%s' must stay inside the exercise folder: no absolute path, "
			  "no '..'",
			  lint_clip(file->value, buf, sizeof(buf)));
		return;
	}
	c->event = file;
	c->event_from_file = true;
	if (!c->dir) {
		s->event = xstrdup("{}");
		return;
	}
	char *full = path_join(c->dir, file->value);
	struct error err;
	error_clear(&err);
	size_t len = 0;
	char *text = path_read_file(full, EVENT_MAX, &len, &err);
	if (!text) {
		diags_add(c->d, c->path, file->line, file->col, "event file '%s' cannot be read",
			  lint_clip(file->value, buf, sizeof(buf)));
	} else {
		const char *end = NULL;
		cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, true);
		if (!j) {
			/* Locate the problem in the event file itself. */
			size_t off = end ? (size_t)(end - text) : 0;
			int line = 1, col = 1;
			for (size_t i = 0; i < off && i < len; i++) {
				if (text[i] == '\n') {
					line++;
					col = 1;
				} else {
					col++;
				}
			}
			diags_add(c->d, full, line, col, "event is not valid JSON");
			s->event = xstrdup("{}");
		} else {
			s->event = cJSON_PrintUnformatted(j);
			cJSON_Delete(j);
		}
	}
	free(text);
	free(full);
}

static void read_step(struct ctx *c, const struct ynode *item, size_t index)
{
	struct exercise *ex = c->ex;
	const struct ynode *kind_node = NULL, *body = NULL;
	if (item->kind == YNODE_SCALAR) {
		kind_node = item;
	} else if (item->kind == YNODE_MAP && item->n_pairs == 1) {
		kind_node = item->pairs[0].key;
		body = item->pairs[0].value;
	} else {
		diags_add(c->d, c->path, item->line, item->col,
			  "step %zu must be 'deploy', 'inspect' or a mapping with one of "
			  "deploy:, inspect: or invoke:",
			  index);
		return;
	}
	if (!in_list(kind_node->value, step_kinds)) {
		add_choice_error(c, kind_node, "step", step_kinds);
		c->bad_step = true;
		return;
	}
	struct exercise_step *s = &ex->steps[ex->n_steps++];
	s->line = item->line;
	s->col = item->col;
	s->kind = kind_node->value[0] == 'd'                                 ? STEP_DEPLOY
		  : kind_node->value[1] == 'n' && kind_node->value[2] == 's' ? STEP_INSPECT
									     : STEP_INVOKE;
	char what[32];
	snprintf(what, sizeof(what), "step %zu", index);
	if (body && ynode_is_null(body))
		body = NULL;
	if (body && !ynode_check_map(body, step_keys, what, c->path, c->d) &&
	    body->kind != YNODE_MAP)
		body = NULL;
	const struct ynode *name = body ? ynode_get(body, "name") : NULL;
	s->name = ynode_has_type(name, YS_STRING) ? xstrdup(name->value)
						  : xasprintf("%s %zu", kind_node->value, index);
	c->event = NULL;
	c->event_from_file = false;
	if (s->kind == STEP_INVOKE) {
		read_event(c, s, body);
	} else if (body && (ynode_get(body, "event") || ynode_get(body, "event_file"))) {
		const struct ynode *v = ynode_get(body, "event") ? ynode_get(body, "event")
								 : ynode_get(body, "event_file");
		diags_add(c->d, c->path, v->line, v->col, "only an invoke step sends an event");
	}
	if (s->kind == STEP_DEPLOY && ex->kind == EXERCISE_ACCOUNT)
		diags_add(c->d, c->path, item->line, item->col,
			  "an account exercise inspects the learner's own function and never "
			  "deploys; remove this step or make the exercise 'kind: code'");
	const struct ynode *exp = body ? ynode_get(body, "expect") : NULL;
	if (exp && exp->kind == YNODE_SEQ) {
		size_t n = exp->n_items > MAX_EXPECTS ? MAX_EXPECTS : exp->n_items;
		if (exp->n_items > MAX_EXPECTS)
			diags_add(c->d, c->path, exp->line, exp->col,
				  "'expect' has %zu items; at most %d are allowed", exp->n_items,
				  MAX_EXPECTS);
		s->expects = xcalloc(n + 1, sizeof(*s->expects));
		for (size_t i = 0; i < n; i++)
			read_expect(c, s, exp->items[i], i + 1);
	}
}

/* ---- tasks, starters, hints ---- */

static void read_tasks(struct ctx *c, const struct ynode *tasks)
{
	struct exercise *ex = c->ex;
	if (tasks->n_items == 0)
		diags_add(c->d, c->path, tasks->line, tasks->col,
			  "'tasks' must list at least one task");
	size_t n = tasks->n_items > MAX_TASKS ? MAX_TASKS : tasks->n_items;
	ex->tasks = xcalloc(n + 1, sizeof(*ex->tasks));
	for (size_t i = 0; i < n; i++) {
		const struct ynode *item = tasks->items[i];
		char what[32], buf[80];
		snprintf(what, sizeof(what), "task %zu", i + 1);
		if (!ynode_check_map(item, task_keys, what, c->path, c->d) &&
		    item->kind != YNODE_MAP)
			continue;
		struct exercise_task *t = &ex->tasks[ex->n_tasks++];
		t->line = item->line;
		t->col = item->col;
		const struct ynode *id = ynode_get(item, "id");
		if (ynode_has_type(id, YS_STRING)) {
			t->id = xstrdup(id->value);
			t->line = id->line;
			t->col = id->col;
			if (!lint_valid_id(id->value))
				diags_add(
					c->d, c->path, id->line, id->col,
					"task id '%s' may only use lower-case letters, digits and "
					"'-'",
					lint_clip(id->value, buf, sizeof(buf)));
			for (size_t j = 0; j + 1 < ex->n_tasks; j++)
				if (ex->tasks[j].id && strcmp(ex->tasks[j].id, t->id) == 0)
					diags_add(c->d, c->path, id->line, id->col,
						  "duplicate task id '%s' (first at line %d)",
						  lint_clip(t->id, buf, sizeof(buf)),
						  ex->tasks[j].line);
		}
		const struct ynode *text = ynode_get(item, "text"), *why = ynode_get(item, "why");
		t->text = ynode_has_type(text, YS_STRING) ? xstrdup(text->value) : NULL;
		t->why = ynode_has_type(why, YS_STRING) ? xstrdup(why->value) : NULL;
	}
}

/* The file a handler string names must be among the starter's files. */
static void check_handler(struct ctx *c, enum exercise_lang lang, const struct ynode *h,
			  const struct exercise_starter *st)
{
	const char *dot = strrchr(h->value, '.');
	char buf[80];
	if (!dot || dot == h->value || !dot[1]) {
		diags_add(c->d, c->path, h->line, h->col,
			  "handler '%s' must be FILE.FUNCTION, such as %s",
			  lint_clip(h->value, buf, sizeof(buf)),
			  lang == EXERCISE_PYTHON ? "lambda_function.lambda_handler"
						  : "index.handler");
		return;
	}
	size_t n = (size_t)(dot - h->value);
	static const char *const py_ext[] = { ".py", NULL };
	static const char *const js_ext[] = { ".mjs", ".js", ".cjs", NULL };
	const char *const *exts = lang == EXERCISE_PYTHON ? py_ext : js_ext;
	for (size_t i = 0; i < st->n_files; i++) {
		const char *f = st->files[i];
		for (size_t k = 0; exts[k]; k++)
			if (strncmp(f, h->value, n) == 0 && strcmp(f + n, exts[k]) == 0)
				return;
	}
	diags_add(c->d, c->path, h->line, h->col,
		  "handler '%s' names a file that is not among the starter's files",
		  lint_clip(h->value, buf, sizeof(buf)));
}

static void read_starter(struct ctx *c, enum exercise_lang lang, const struct ynode *node)
{
	struct exercise_starter *st = &c->ex->starters[lang];
	char what[32], buf[80];
	snprintf(what, sizeof(what), "%s starter", lang_names[lang]);
	if (!ynode_check_map(node, starter_keys, what, c->path, c->d) && node->kind != YNODE_MAP)
		return;
	st->present = true;
	const struct ynode *rt = ynode_get(node, "runtime"), *h = ynode_get(node, "handler");
	if (ynode_has_type(rt, YS_STRING)) {
		const char *want = lang == EXERCISE_PYTHON ? "python3." : "nodejs";
		if (!str_starts_with(rt->value, want))
			diags_add(c->d, c->path, rt->line, rt->col,
				  "runtime '%s' is not a %s runtime (such as %s)",
				  lint_clip(rt->value, buf, sizeof(buf)), lang_names[lang],
				  lang == EXERCISE_PYTHON ? "python3.12" : "nodejs20.x");
		st->runtime = xstrdup(rt->value);
	}
	const struct ynode *dirn = ynode_get(node, "dir");
	char *rel = ynode_has_type(dirn, YS_STRING) ? xstrdup(dirn->value)
						    : xasprintf("starter/%s", lang_names[lang]);
	if (!path_is_safe_relative(rel)) {
		diags_add(c->d, c->path, dirn->line, dirn->col,
			  "starter folder '%s' must stay inside the exercise folder",
			  lint_clip(rel, buf, sizeof(buf)));
		free(rel);
		return;
	}
	st->dir = c->dir ? path_join(c->dir, rel) : xstrdup(rel);
	if (c->dir && !path_is_dir(st->dir))
		diags_add(c->d, c->path, node->line, node->col,
			  "starter folder '%s' does not exist", lint_clip(rel, buf, sizeof(buf)));
	free(rel);
	const struct ynode *files = ynode_get(node, "files");
	if (!files || files->kind != YNODE_SEQ || files->n_items == 0) {
		diags_add(c->d, c->path, node->line, node->col,
			  "%s starter must list its 'files' (the first is opened in the editor)",
			  lang_names[lang]);
		return;
	}
	size_t n = files->n_items > MAX_FILES ? MAX_FILES : files->n_items;
	st->files = xcalloc(n + 1, sizeof(*st->files));
	for (size_t i = 0; i < n; i++) {
		const struct ynode *f = files->items[i];
		if (!ynode_has_type(f, YS_STRING) || !path_is_safe_relative(f->value)) {
			diags_add(c->d, c->path, f->line, f->col,
				  "starter file must be a relative path inside the starter folder");
			continue;
		}
		st->files[st->n_files++] = xstrdup(f->value);
		if (c->dir) {
			char *full = path_join(st->dir, f->value);
			if (!path_is_file(full))
				diags_add(c->d, c->path, f->line, f->col,
					  "starter file '%s' does not exist in %s",
					  lint_clip(f->value, buf, sizeof(buf)), st->dir);
			free(full);
		}
	}
	if (ynode_has_type(h, YS_STRING)) {
		st->handler = xstrdup(h->value);
		check_handler(c, lang, h, st);
	}
}

static void read_starters(struct ctx *c, const struct ynode *doc)
{
	const struct ynode *sts = ynode_get(doc, "starters");
	if (!sts) {
		if (c->ex->kind == EXERCISE_CODE)
			diags_add(c->d, c->path, doc->line, doc->col,
				  "missing required key 'starters' in a code exercise");
		return;
	}
	if (sts->kind != YNODE_MAP)
		return;
	for (size_t i = 0; i < sts->n_pairs; i++) {
		const struct ynode *k = sts->pairs[i].key;
		int lang = exercise_lang_parse(k->value);
		if (lang < 0 || strcmp(k->value, lang_names[lang]) != 0) {
			static const char *const langs[] = { "python", "nodejs", NULL };
			add_choice_error(c, k, "language", langs);
			continue;
		}
		read_starter(c, (enum exercise_lang)lang, sts->pairs[i].value);
	}
	for (int l = 0; l < EXERCISE_LANG_COUNT; l++)
		if (!c->ex->starters[l].present)
			diags_add(c->d, c->path, sts->line, sts->col,
				  "starters must give both python and nodejs; %s is missing",
				  lang_names[l]);
}

static void read_hints(struct ctx *c, const struct ynode *hints)
{
	if (hints->n_items == 0)
		diags_add(c->d, c->path, hints->line, hints->col,
			  "'hints' must list at least one hint");
	size_t n = hints->n_items > MAX_HINTS ? MAX_HINTS : hints->n_items;
	c->ex->hints = xcalloc(n + 1, sizeof(*c->ex->hints));
	for (size_t i = 0; i < n; i++) {
		const struct ynode *h = hints->items[i];
		if (ynode_has_type(h, YS_STRING))
			c->ex->hints[c->ex->n_hints++] = xstrdup(h->value);
		else
			diags_add(c->d, c->path, h->line, h->col,
				  "hint %zu must be a string, not %s", i + 1, ynode_kind_name(h));
	}
}

static void read_function(struct ctx *c, const struct ynode *fn)
{
	struct exercise *ex = c->ex;
	if (!ynode_check_map(fn, function_keys, "function", c->path, c->d) && fn->kind != YNODE_MAP)
		return;
	const struct ynode *name = ynode_get(fn, "name");
	if (ynode_has_type(name, YS_STRING)) {
		ex->function = xstrdup(name->value);
		for (const char *p = name->value; *p; p++) {
			char ch = *p;
			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_') ||
			    p - name->value >= 64) {
				diags_add(c->d, c->path, name->line, name->col,
					  "function name must be 1 to 64 letters, digits, '-' or "
					  "'_'");
				break;
			}
		}
	}
	long long v;
	const struct ynode *mem = ynode_get(fn, "memory"), *to = ynode_get(fn, "timeout");
	ex->memory = 128;
	ex->timeout = 3;
	if (mem && ynode_as_int(mem, &v)) {
		if (v < MEMORY_MIN || v > MEMORY_MAX)
			diags_add(c->d, c->path, mem->line, mem->col,
				  "'memory' must be between %d and %d MB, not %lld", MEMORY_MIN,
				  MEMORY_MAX, v);
		else
			ex->memory = (int)v;
	}
	if (to && ynode_as_int(to, &v)) {
		if (v < 1 || v > TIMEOUT_MAX)
			diags_add(c->d, c->path, to->line, to->col,
				  "'timeout' must be between 1 and %d seconds, not %lld",
				  TIMEOUT_MAX, v);
		else
			ex->timeout = (int)v;
	}
	const struct ynode *env = ynode_get(fn, "env");
	if (env && env->kind == YNODE_MAP) {
		for (size_t i = 0; i < env->n_pairs; i++) {
			const struct ynode *val = env->pairs[i].value;
			if (val->kind != YNODE_SCALAR)
				diags_add(c->d, c->path, val->line, val->col,
					  "environment variable '%s' must be a string",
					  env->pairs[i].key->value);
		}
		struct strbuf sb = STRBUF_INIT;
		strbuf_addch(&sb, '{');
		for (size_t i = 0; i < env->n_pairs; i++) {
			if (i)
				strbuf_addch(&sb, ',');
			json_string(&sb, env->pairs[i].key->value);
			strbuf_addch(&sb, ':');
			const char *s = ynode_str(env->pairs[i].value);
			json_string(&sb, s ? s : "");
		}
		strbuf_addch(&sb, '}');
		ex->env = strbuf_detach(&sb);
	}
}

/* Every expectation names a task that exists; every task is checked by something. */
static void check_task_refs(struct ctx *c)
{
	struct exercise *ex = c->ex;
	bool *used = xcalloc(ex->n_tasks + 1, sizeof(*used));
	char buf[80];
	for (size_t i = 0; i < ex->n_steps; i++) {
		const struct exercise_step *s = &ex->steps[i];
		for (size_t j = 0; j < s->n_expects; j++) {
			const struct exercise_expect *e = &s->expects[j];
			if (!e->task)
				continue;
			size_t k = 0;
			while (k < ex->n_tasks && !str_eq(ex->tasks[k].id, e->task))
				k++;
			if (k < ex->n_tasks) {
				used[k] = true;
				continue;
			}
			const char **ids = xcalloc(ex->n_tasks + 1, sizeof(*ids));
			for (size_t m = 0; m < ex->n_tasks; m++)
				ids[m] = ex->tasks[m].id ? ex->tasks[m].id : "";
			const char *sug = str_suggest(e->task, ids);
			if (sug)
				diags_add(c->d, c->path, e->line, e->col,
					  "expectation refers to task '%s', which does not exist "
					  "(did you mean '%s'?)",
					  lint_clip(e->task, buf, sizeof(buf)), sug);
			else
				diags_add(c->d, c->path, e->line, e->col,
					  "expectation refers to task '%s', which does not exist",
					  lint_clip(e->task, buf, sizeof(buf)));
			free(ids);
		}
	}
	for (size_t k = 0; k < ex->n_tasks; k++)
		if (ex->tasks[k].id && !used[k])
			diags_add(c->d, c->path, ex->tasks[k].line, ex->tasks[k].col,
				  "task '%s' is never checked: no expectation belongs to it",
				  lint_clip(ex->tasks[k].id, buf, sizeof(buf)));
	free(used);
}

static void check_step_order(struct ctx *c, const struct ynode *steps)
{
	struct exercise *ex = c->ex;
	if (c->bad_step)
		return;
	if (ex->n_steps == 0) {
		diags_add(c->d, c->path, steps->line, steps->col,
			  "'steps' must list at least one step");
		return;
	}
	bool deployed = ex->kind == EXERCISE_ACCOUNT;
	for (size_t i = 0; i < ex->n_steps; i++) {
		const struct exercise_step *s = &ex->steps[i];
		if (s->kind == STEP_DEPLOY && deployed && ex->kind == EXERCISE_CODE)
			diags_add(c->d, c->path, s->line, s->col,
				  "the code is already deployed by an earlier step");
		if (s->kind == STEP_DEPLOY)
			deployed = true;
		else if (!deployed)
			diags_add(c->d, c->path, s->line, s->col,
				  "a code exercise must deploy before it can %s",
				  s->kind == STEP_INVOKE ? "invoke" : "inspect");
	}
}

static void read_brief(struct ctx *c, const struct ynode *doc)
{
	const struct ynode *b = ynode_get(doc, "brief");
	char buf[80];
	if (!ynode_has_type(b, YS_STRING))
		return;
	if (!path_is_safe_relative(b->value)) {
		diags_add(c->d, c->path, b->line, b->col,
			  "brief '%s' must stay inside the exercise folder: no absolute path, no "
			  "'..'",
			  lint_clip(b->value, buf, sizeof(buf)));
		return;
	}
	if (!c->dir)
		return;
	char *full = path_join(c->dir, b->value);
	struct error err;
	error_clear(&err);
	size_t len = 0;
	char *text = path_is_file(full) ? path_read_file(full, LINT_PAGE_MAX, &len, &err) : NULL;
	if (!text) {
		diags_add(c->d, c->path, b->line, b->col, "brief file '%s' does not exist",
			  lint_clip(b->value, buf, sizeof(buf)));
		free(full);
		return;
	}
	lint_page_text(text, len, full, c->ex->title, c->d);
	c->ex->brief_path = full;
	free(text);
}

static void hash_exercise(struct exercise *ex, const char *text, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add(&sb, text, len);
	if (ex->brief_path) {
		size_t blen = 0;
		char *brief = path_read_file(ex->brief_path, LINT_PAGE_MAX, &blen, NULL);
		if (brief)
			strbuf_add(&sb, brief, blen);
		free(brief);
	}
	sha256_hex(sb.buf ? sb.buf : "", sb.len, ex->hash);
	strbuf_release(&sb);
}

struct exercise *exercise_parse(const char *text, size_t len, const char *path, const char *dir,
				const char *module_id, struct diags *d)
{
	struct error err;
	error_clear(&err);
	struct ynode *doc = ynode_parse(text, len, path, &err);
	if (!doc) {
		if (err.line > 0)
			diags_add(d, err.path[0] ? err.path : path, err.line, err.col, "%s",
				  err.msg);
		else
			diags_add(d, path, 0, 0, "%s", err.msg);
		return NULL;
	}
	struct exercise *ex = xcalloc(1, sizeof(*ex));
	ex->yaml_path = xstrdup(path);
	ex->dir = dir ? xstrdup(dir) : NULL;
	ex->module_id = xstrdup(module_id ? module_id : "");
	struct ctx c = { ex, path, dir, d, NULL, false, false };
	if (!ynode_check_map(doc, exercise_keys, "exercise", path, d) && doc->kind != YNODE_MAP)
		goto out;
	char buf[80];
	const struct ynode *id = ynode_get(doc, "id"), *title = ynode_get(doc, "title");
	if (ynode_has_type(id, YS_STRING)) {
		ex->id = xstrdup(id->value);
		if (!lint_valid_id(id->value))
			diags_add(
				d, path, id->line, id->col,
				"exercise id '%s' may only use lower-case letters, digits and '-'",
				lint_clip(id->value, buf, sizeof(buf)));
	}
	ex->title = ynode_has_type(title, YS_STRING) ? xstrdup(title->value) : NULL;
	const struct ynode *kind = ynode_get(doc, "kind");
	if (ynode_has_type(kind, YS_STRING)) {
		static const char *const kinds[] = { "code", "account", NULL };
		if (strcmp(kind->value, "account") == 0)
			ex->kind = EXERCISE_ACCOUNT;
		else if (strcmp(kind->value, "code") != 0)
			add_choice_error(&c, kind, "exercise kind", kinds);
	}
	read_brief(&c, doc);
	const struct ynode *fn = ynode_get(doc, "function");
	if (fn)
		read_function(&c, fn);
	read_starters(&c, doc);
	const struct ynode *tasks = ynode_get(doc, "tasks");
	if (tasks && tasks->kind == YNODE_SEQ)
		read_tasks(&c, tasks);
	const struct ynode *hints = ynode_get(doc, "hints");
	if (hints && hints->kind == YNODE_SEQ)
		read_hints(&c, hints);
	const struct ynode *steps = ynode_get(doc, "steps");
	if (steps && steps->kind == YNODE_SEQ) {
		size_t n = steps->n_items > MAX_STEPS ? MAX_STEPS : steps->n_items;
		if (steps->n_items > MAX_STEPS)
			diags_add(d, path, steps->line, steps->col,
				  "'steps' has %zu items; at most %d are allowed", steps->n_items,
				  MAX_STEPS);
		ex->steps = xcalloc(n + 1, sizeof(*ex->steps));
		for (size_t i = 0; i < n; i++)
			read_step(&c, steps->items[i], i + 1);
		check_step_order(&c, steps);
	}
	check_task_refs(&c);
out:
	hash_exercise(ex, text, len);
	ynode_free(doc);
	return ex;
}

struct exercise *exercise_load(const char *module_dir, const char *name, const char *module_id,
			       struct diags *d)
{
	char *exdir = xasprintf("%s/exercises/%s", module_dir, name);
	char *yaml = path_join(exdir, "exercise.yaml");
	struct error err;
	error_clear(&err);
	size_t len = 0;
	char *text = path_read_file(yaml, 1u << 20, &len, &err);
	struct exercise *ex = NULL;
	if (!text) {
		diags_add(d, yaml, 0, 0, "%s", err.msg);
	} else {
		char *real = realpath(exdir, NULL);
		ex = exercise_parse(text, len, yaml, real ? real : exdir, module_id, d);
		free(real);
	}
	free(text);
	free(yaml);
	free(exdir);
	return ex;
}

void exercise_free(struct exercise *ex)
{
	if (!ex)
		return;
	free(ex->id);
	free(ex->title);
	free(ex->module_id);
	free(ex->dir);
	free(ex->yaml_path);
	free(ex->brief_path);
	for (size_t i = 0; i < ex->n_tasks; i++) {
		free(ex->tasks[i].id);
		free(ex->tasks[i].text);
		free(ex->tasks[i].why);
	}
	free(ex->tasks);
	for (size_t i = 0; i < ex->n_hints; i++)
		free(ex->hints[i]);
	free(ex->hints);
	for (int l = 0; l < EXERCISE_LANG_COUNT; l++) {
		struct exercise_starter *st = &ex->starters[l];
		free(st->dir);
		for (size_t i = 0; i < st->n_files; i++)
			free(st->files[i]);
		free(st->files);
		free(st->handler);
		free(st->runtime);
	}
	free(ex->function);
	free(ex->env);
	for (size_t i = 0; i < ex->n_steps; i++) {
		struct exercise_step *s = &ex->steps[i];
		free(s->name);
		free(s->event);
		for (size_t j = 0; j < s->n_expects; j++) {
			struct exercise_expect *e = &s->expects[j];
			free(e->task);
			free(e->why);
			free(e->error_type);
			free(e->error_message);
			free(e->field);
			for (size_t k = 0; k < e->n_matchers; k++)
				free(e->matchers[k].value);
			free(e->matchers);
			free(e->pattern);
		}
		free(s->expects);
	}
	free(ex->steps);
	free(ex);
}

/* The exercises list of a module: re-read from its module.yaml, which the course loader
 * accepts but does not keep. */
static void load_module_exercises(const struct course *course, const struct course_module *m,
				  struct exercise_set *set, struct diags *d)
{
	struct error err;
	error_clear(&err);
	struct ynode *doc = ynode_load(m->yaml_path, &err);
	if (!doc)
		return; /* the course loader has reported it */
	const struct ynode *list = ynode_get(doc, "exercises");
	char *mdir = path_join(course->root, m->dir);
	char buf[80];
	for (size_t i = 0; list && list->kind == YNODE_SEQ && i < list->n_items; i++) {
		const struct ynode *item = list->items[i];
		if (!ynode_has_type(item, YS_STRING) || !lint_valid_id(item->value)) {
			diags_add(d, m->yaml_path, item->line, item->col,
				  "exercise %zu must be an exercise folder name made of lower-case "
				  "letters, digits and '-'",
				  i + 1);
			continue;
		}
		if (set->n >= MAX_EXERCISES * 8)
			break;
		char *exdir = xasprintf("%s/exercises/%s", mdir, item->value);
		char *yaml = path_join(exdir, "exercise.yaml");
		bool there = path_is_file(yaml);
		free(yaml);
		free(exdir);
		if (!there) {
			diags_add(d, m->yaml_path, item->line, item->col,
				  "exercise '%s' has no exercises/%s/exercise.yaml",
				  lint_clip(item->value, buf, sizeof(buf)),
				  lint_clip(item->value, buf, sizeof(buf)));
			continue;
		}
		size_t before = d->n;
		struct exercise *ex = exercise_load(mdir, item->value, m->id, d);
		if (ex && ex->id && strcmp(ex->id, item->value) != 0)
			diags_add(d, ex->yaml_path, 1, 1,
				  "exercise id '%s' must match its folder name '%s'",
				  lint_clip(ex->id, buf, sizeof(buf)), item->value);
		for (size_t j = 0; ex && ex->id && j < set->n; j++)
			if (strcmp(set->v[j]->id, ex->id) == 0)
				diags_add(d, m->yaml_path, item->line, item->col,
					  "duplicate exercise id '%s' (also in module '%s')",
					  ex->id, set->v[j]->module_id);
		if (!ex || d->n > before) {
			exercise_free(ex);
			continue;
		}
		set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
		set->v[set->n++] = ex;
	}
	free(mdir);
	ynode_free(doc);
}

struct exercise_set *exercise_set_load(const struct course *course, struct diags *d)
{
	struct exercise_set *set = xcalloc(1, sizeof(*set));
	for (size_t i = 0; course && i < course->n_modules; i++)
		load_module_exercises(course, &course->modules[i], set, d);
	return set;
}

void exercise_set_free(struct exercise_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		exercise_free(set->v[i]);
	free(set->v);
	free(set);
}

const struct exercise *exercise_find(const struct exercise_set *set, const char *id)
{
	for (size_t i = 0; set && id && i < set->n; i++)
		if (set->v[i]->id && strcmp(set->v[i]->id, id) == 0)
			return set->v[i];
	return NULL;
}

const struct exercise_task *exercise_task(const struct exercise *ex, const char *id)
{
	for (size_t i = 0; ex && id && i < ex->n_tasks; i++)
		if (ex->tasks[i].id && strcmp(ex->tasks[i].id, id) == 0)
			return &ex->tasks[i];
	return NULL;
}

void exercise_lint_course(const struct course *course, struct diags *d)
{
	exercise_set_free(exercise_set_load(course, d));
}

char *exercise_brief(const struct exercise *ex, size_t *len, struct error *err)
{
	if (!ex->brief_path) {
		error_set(err, "exercise '%s' has no brief", ex->id ? ex->id : "?");
		return NULL;
	}
	return path_read_file(ex->brief_path, LINT_PAGE_MAX, len, err);
}
