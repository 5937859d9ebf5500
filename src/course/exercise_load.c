/*
 * Loading and linting exercises: exercise.yaml through the located YAML tree into struct
 * exercise, with every problem reported where the author has to fix it. Values that the
 * checker resolves at run time (events, expected values) become JSON text here, and every
 * ${...} in them is resolved once against placeholders so that a reference to nothing is
 * caught by lint rather than by a learner.
 */
#include "course/exercise_load.h"

#include <cjson/cJSON.h>
#include <dirent.h>
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
/* An exercise longer than the whole workshop is several exercises. */
#define MAX_EXERCISE_MINUTES 120
#define EVENT_MAX            (256u * 1024)
/* Lambda's own bounds. */
#define MEMORY_MIN  128
#define MEMORY_MAX  10240
#define TIMEOUT_MAX 900

static const char *const lang_names[EXERCISE_LANG_COUNT] = { "python", "nodejs" };

static const char *const op_names[EXPECT_OP_COUNT] = {
	"equals", "contains", "matches", "near",       "min",
	"max",    "type",     "absent",  "not_equals", "length",
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
	{ "vars", YS_MAP, false },    { "minutes", YS_INT, true },  { "setup", YS_SEQ, false },
	{ NULL, YS_ANY, false },
};

static const struct yschema_key function_keys[] = {
	{ "name", YS_STRING, true },
	{ "memory", YS_INT, false },
	{ "timeout", YS_INT, false },
	{ "env", YS_MAP, false },
	{ "log_format", YS_STRING, false },
	{ "role", YS_STRING, false },
	{ "layers", YS_SEQ, false },
	{ "tracing", YS_STRING, false },
	{ NULL, YS_ANY, false },
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

static const struct yschema_key expect_keys[] = {
	{ "task", YS_STRING, true },       { "why", YS_STRING, false },
	{ "error", YS_ANY, false },        { "field", YS_STRING, false },
	{ "log", YS_STRING, false },       { "no_log", YS_STRING, false },
	{ "equals", YS_ANY, false },       { "contains", YS_ANY, false },
	{ "matches", YS_STRING, false },   { "near", YS_ANY, false },
	{ "tolerance", YS_NUMBER, false }, { "min", YS_ANY, false },
	{ "max", YS_ANY, false },          { "type", YS_STRING, false },
	{ "absent", YS_BOOL, false },      { "not_equals", YS_ANY, false },
	{ "length", YS_ANY, false },       { "count", YS_INT, false },
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
	bool event_from_file;      /* or built from a request: any event.* may be there */
	bool in_event;             /* checking an event's own templates */
	bool bad_step; /* a step of unknown kind was reported: their order cannot be judged */
	bool in_setup; /* reading a scenario's setup: it builds, so it deploys and changes */
	char **vars;   /* the names ${vars.*} may use so far */
	size_t n_vars;
	char **queues; /* the queues created by the steps so far */
	size_t n_queues;
	char **tables; /* the DynamoDB tables created by the steps so far */
	size_t n_tables;
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
	return kind == EXERCISE_ACCOUNT    ? "account"
	       : kind == EXERCISE_SCENARIO ? "scenario"
					   : "code";
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
	if (strncmp(ref, "vars.", 5) == 0) {
		size_t k = strcspn(ref + 5, ".[");
		for (size_t i = 0; i < c->n_vars; i++)
			if (strlen(c->vars[i]) == k && strncmp(c->vars[i], ref + 5, k) == 0)
				return true;
		return error_set(err,
				 "'%s' is not among the exercise's vars or the values earlier "
				 "steps save",
				 ref);
	}
	if (strncmp(ref, "event.", 6) == 0 || strcmp(ref, "event") == 0) {
		if (c->in_event)
			return error_set(err,
					 "'%s': an event cannot refer to itself; draw a shared "
					 "value in vars and use ${vars.NAME}",
					 ref);
		if (!c->event)
			return error_set(err, "'%s' refers to the event, but this step sends none",
					 ref);
		if (c->event_from_file)
			return true;
		if (!event_walk(c->event, ref + 5))
			return error_set(err, "'%s' is not in the step's event", ref);
		return true;
	}
	return error_set(err,
			 "unknown reference '%s'; use event.<field>, vars.<name>, request_id or "
			 "function",
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

/* ---- steps: what each kind takes and gives ---- */

enum {
	SF_FUNCTION = 1, /* needs the function: after the deploy of a code exercise */
	SF_CHANGES = 2,  /* changes the account: never in an account exercise (but advance) */
	SF_EXPECT = 4,   /* may carry expectations and save values */
};

/* An account exercise's advance moves the learner's own account's clock (only theirs, never the
 * cloud's), as waiting would: by at most this much a step. */
#define ACCOUNT_ADVANCE_MAX 300

static const struct yschema_key no_keys[] = { { NULL, YS_ANY, false } };
static const struct yschema_key invoke_keys[] = {
	{ "event", YS_ANY, false },        { "event_file", YS_STRING, false },
	{ "apigateway", YS_MAP, false },   { "type", YS_STRING, false },
	{ "qualifier", YS_STRING, false }, { NULL, YS_ANY, false },
};
static const struct yschema_key bucket_keys[] = { { "bucket", YS_STRING, true },
						  { NULL, YS_ANY, false } };
static const struct yschema_key queue_keys[] = { { "queue", YS_STRING, true },
						 { NULL, YS_ANY, false } };
static const struct yschema_key notify_keys[] = {
	{ "bucket", YS_STRING, true },  { "prefix", YS_STRING, false },
	{ "suffix", YS_STRING, false }, { "events", YS_SEQ, false },
	{ NULL, YS_ANY, false },
};
static const struct yschema_key async_keys[] = {
	{ "retries", YS_INT, false },        { "max_age", YS_INT, false },
	{ "on_failure", YS_STRING, false },  { "on_success", YS_STRING, false },
	{ "dead_letter", YS_STRING, false }, { NULL, YS_ANY, false },
};
static const struct yschema_key put_keys[] = {
	{ "bucket", YS_STRING, true },        { "key", YS_STRING, true }, { "body", YS_ANY, true },
	{ "content_type", YS_STRING, false }, { NULL, YS_ANY, false },
};
static const struct yschema_key get_keys[] = {
	{ "bucket", YS_STRING, true },
	{ "key", YS_STRING, true },
	{ NULL, YS_ANY, false },
};
static const struct yschema_key list_keys[] = {
	{ "bucket", YS_STRING, true },
	{ "prefix", YS_STRING, false },
	{ NULL, YS_ANY, false },
};
static const struct yschema_key advance_keys[] = { { "seconds", YS_NUMBER, true },
						   { NULL, YS_ANY, false } };
static const struct yschema_key request_keys[] = {
	{ "method", YS_STRING, true },    { "path", YS_STRING, false },
	{ "resource", YS_STRING, false }, { "path_params", YS_MAP, false },
	{ "query", YS_MAP, false },       { "headers", YS_MAP, false },
	{ "body", YS_ANY, false },        { NULL, YS_ANY, false },
};

static const struct yschema_key table_keys[] = {
	{ "table", YS_STRING, true },      { "key", YS_STRING, false },
	{ "key_type", YS_STRING, false },  { "sort", YS_STRING, false },
	{ "sort_type", YS_STRING, false }, { "stream", YS_STRING, false },
	{ NULL, YS_ANY, false },
};
static const struct yschema_key mapping_keys[] = {
	{ "table", YS_STRING, false },
	{ "queue", YS_STRING, false },
	{ "batch_size", YS_INT, false },
	{ "window", YS_INT, false },
	{ "starting_position", YS_STRING, false },
	{ "max_retries", YS_INT, false },
	{ "max_record_age", YS_INT, false },
	{ "bisect", YS_BOOL, false },
	{ "report", YS_BOOL, false },
	{ "on_failure", YS_STRING, false },
	{ "parallelization", YS_INT, false },
	{ "tumbling", YS_INT, false },
	{ "filter", YS_MAP, false },
	{ NULL, YS_ANY, false },
};
static const struct yschema_key ddb_put_keys[] = { { "table", YS_STRING, true },
						   { "item", YS_MAP, true },
						   { NULL, YS_ANY, false } };
static const struct yschema_key ddb_update_keys[] = { { "table", YS_STRING, true },
						      { "key", YS_MAP, true },
						      { "set", YS_MAP, true },
						      { NULL, YS_ANY, false } };
static const struct yschema_key ddb_key_keys[] = { { "table", YS_STRING, true },
						   { "key", YS_MAP, true },
						   { NULL, YS_ANY, false } };
/* body: one message; bodies: up to ten sent in one SendMessageBatch, so a mapping reads them
 * in one batch. */
static const struct yschema_key send_keys[] = { { "queue", YS_STRING, true },
						{ "body", YS_ANY, false },
						{ "bodies", YS_SEQ, false },
						{ NULL, YS_ANY, false } };
static const struct yschema_key concurrency_keys[] = { { "reserved", YS_INT, true },
						       { NULL, YS_ANY, false } };
static const struct yschema_key metrics_keys[] = { { "namespace", YS_STRING, true },
						   { "metric", YS_STRING, true },
						   { "dimensions", YS_MAP, false },
						   { NULL, YS_ANY, false } };
static const struct yschema_key alias_keys[] = { { "alias", YS_STRING, true },
						 { NULL, YS_ANY, false } };
static const struct yschema_key alarm_keys[] = { { "alarm", YS_STRING, true },
						 { NULL, YS_ANY, false } };
static const struct yschema_key insights_keys[] = { { "file", YS_STRING, true },
						    { NULL, YS_ANY, false } };
static const struct yschema_key layer_keys[] = { { "layer", YS_STRING, true },
						 { "dir", YS_STRING, true },
						 { NULL, YS_ANY, false } };
static const struct yschema_key role_keys[] = { { "role", YS_STRING, true },
						{ "policy", YS_MAP, false },
						{ "policy_file", YS_STRING, false },
						{ NULL, YS_ANY, false } };
static const struct yschema_key stack_keys[] = { { "stack", YS_STRING, true },
						 { NULL, YS_ANY, false } };
static const struct yschema_key http_keys[] = { { "url", YS_STRING, true },
						{ "method", YS_STRING, false },
						{ "body", YS_ANY, false },
						{ NULL, YS_ANY, false } };
static const struct yschema_key trace_keys[] = { { "filter", YS_STRING, false },
						 { "subsegment", YS_STRING, true },
						 { NULL, YS_ANY, false } };
static const struct yschema_key ssm_put_keys[] = { { "parameter", YS_STRING, true },
						   { "value", YS_ANY, true },
						   { "parameter_type", YS_STRING, false },
						   { NULL, YS_ANY, false } };
static const struct yschema_key grants_keys[] = { { "denies", YS_ANY, false },
						  { NULL, YS_ANY, false } };
static const struct yschema_key secret_put_keys[] = { { "secret", YS_STRING, true },
						      { "value", YS_ANY, true },
						      { NULL, YS_ANY, false } };

static const char *const config_roots[] = { "config", NULL };
static const char *const invoke_roots[] = { "response", "body",   "error",    "report",
					    "config",   "status", "measured", NULL };
static const char *const async_roots[] = { "status", NULL };
static const char *const object_roots[] = { "object", NULL };
static const char *const keys_roots[] = { "keys", NULL };
static const char *const messages_roots[] = { "messages", NULL };
static const char *const logs_roots[] = { "invocations", "records", NULL };
static const char *const item_roots[] = { "item", NULL };
static const char *const metric_roots[] = { "metric", NULL };
static const char *const results_roots[] = { "results", NULL };
static const char *const alias_roots[] = { "alias", NULL };
static const char *const alarm_roots[] = { "alarm", "actions", NULL };
static const char *const grants_roots[] = { "grants", NULL };
static const char *const stack_roots[] = { "stack", NULL };
static const char *const http_roots[] = { "status", "body", NULL };
static const char *const trace_roots[] = { "traces", "subsegment", NULL };
static const char *const no_roots[] = { NULL };

struct step_spec {
	const char *name;
	const struct yschema_key *keys; /* its own keys, besides name, delay, wait, expect, save */
	const char *const *roots;       /* the fields its expectations may check */
	unsigned flags;
};

static const struct step_spec step_specs[STEP_KIND_COUNT] = {
	[STEP_DEPLOY] = { "deploy", no_keys, config_roots, SF_CHANGES | SF_EXPECT },
	[STEP_INSPECT] = { "inspect", no_keys, config_roots, SF_FUNCTION | SF_EXPECT },
	[STEP_INVOKE] = { "invoke", invoke_keys, invoke_roots, SF_FUNCTION | SF_EXPECT },
	[STEP_CREATE_BUCKET] = { "create_bucket", bucket_keys, no_roots, SF_CHANGES },
	[STEP_CREATE_QUEUE] = { "create_queue", queue_keys, no_roots, SF_CHANGES },
	[STEP_S3_NOTIFY] = { "s3_notify", notify_keys, no_roots, SF_FUNCTION | SF_CHANGES },
	[STEP_ASYNC_CONFIG] = { "async_config", async_keys, no_roots, SF_FUNCTION | SF_CHANGES },
	[STEP_S3_PUT] = { "s3_put", put_keys, no_roots, SF_CHANGES },
	[STEP_S3_GET] = { "s3_get", get_keys, object_roots, SF_EXPECT },
	[STEP_S3_LIST] = { "s3_list", list_keys, keys_roots, SF_EXPECT },
	[STEP_SQS_RECEIVE] = { "sqs_receive", queue_keys, messages_roots, SF_EXPECT },
	[STEP_LOGS] = { "logs", no_keys, logs_roots, SF_FUNCTION | SF_EXPECT },
	[STEP_ADVANCE] = { "advance", advance_keys, no_roots, SF_CHANGES },
	[STEP_CREATE_TABLE] = { "create_table", table_keys, no_roots, SF_CHANGES },
	[STEP_STREAM_MAPPING] = { "stream_mapping", mapping_keys, no_roots,
				  SF_FUNCTION | SF_CHANGES },
	[STEP_DDB_PUT] = { "ddb_put", ddb_put_keys, no_roots, SF_CHANGES },
	[STEP_DDB_UPDATE] = { "ddb_update", ddb_update_keys, no_roots, SF_CHANGES },
	[STEP_DDB_DELETE] = { "ddb_delete", ddb_key_keys, no_roots, SF_CHANGES },
	[STEP_DDB_GET] = { "ddb_get", ddb_key_keys, item_roots, SF_EXPECT },
	[STEP_SQS_SEND] = { "sqs_send", send_keys, no_roots, SF_CHANGES },
	[STEP_CONCURRENCY] = { "concurrency", concurrency_keys, no_roots,
			       SF_FUNCTION | SF_CHANGES },
	[STEP_METRICS] = { "metrics", metrics_keys, metric_roots, SF_EXPECT },
	[STEP_INSIGHTS] = { "insights", insights_keys, results_roots, SF_FUNCTION | SF_EXPECT },
	[STEP_ALIAS] = { "alias", alias_keys, alias_roots, SF_FUNCTION | SF_EXPECT },
	[STEP_ALARM] = { "alarm", alarm_keys, alarm_roots, SF_EXPECT },
	[STEP_PUBLISH_LAYER] = { "publish_layer", layer_keys, no_roots, SF_FUNCTION | SF_CHANGES },
	[STEP_CREATE_ROLE] = { "create_role", role_keys, no_roots, SF_CHANGES },
	[STEP_SSM_PUT] = { "ssm_put", ssm_put_keys, no_roots, SF_CHANGES },
	[STEP_ROLE_GRANTS] = { "role_grants", grants_keys, grants_roots, SF_FUNCTION | SF_EXPECT },
	[STEP_SECRET_PUT] = { "secret_put", secret_put_keys, no_roots, SF_CHANGES },
	[STEP_STACK] = { "stack", stack_keys, stack_roots, SF_EXPECT },
	[STEP_HTTP] = { "http", http_keys, http_roots, SF_EXPECT },
	[STEP_TRACE] = { "trace", trace_keys, trace_roots, SF_FUNCTION | SF_EXPECT },
};

static const char *const step_kinds[] = { "deploy",         "inspect",
					  "invoke",         "create_bucket",
					  "create_queue",   "s3_notify",
					  "async_config",   "s3_put",
					  "s3_get",         "s3_list",
					  "sqs_receive",    "logs",
					  "advance",        "create_table",
					  "stream_mapping", "ddb_put",
					  "ddb_update",     "ddb_delete",
					  "ddb_get",        "sqs_send",
					  "concurrency",    "metrics",
					  "insights",       "alias",
					  "alarm",          "publish_layer",
					  "create_role",    "ssm_put",
					  "role_grants",    "secret_put",
					  "stack",          "http",
					  "trace",          NULL };
_Static_assert(sizeof(step_kinds) / sizeof(step_kinds[0]) == STEP_KIND_COUNT + 1,
	       "every step kind has its name, in the enum's order");

const char *exercise_step_kind_name(enum exercise_step_kind kind)
{
	return kind < STEP_KIND_COUNT ? step_specs[kind].name : "?";
}

/* ---- expectations ---- */

static const char *const field_roots[] = { "response", "body",        "error",  "report",
					   "config",   "status",      "object", "keys",
					   "messages", "invocations", "item",   "metric",
					   "results",  "alias",       "alarm",  "grants",
					   "actions",  "stack",       "traces", "subsegment",
					   "measured", "records",     NULL };
static const char *const report_fields[] = { "duration",        "billed_duration", "memory_size",
					     "max_memory_used", "init_duration",   NULL };
static const char *const error_fields[] = { "type", "message", NULL };
static const char *const measured_fields[] = {
	"duration",         "uncontended_duration", "cpu_time",
	"uncontended_cost", "half_memory_duration", NULL
};

/* What the expectations of the step being read may look at. */
struct step_view {
	enum exercise_step_kind kind;
	bool async; /* an Event invocation */
};

static void check_field(struct ctx *c, const struct ynode *v, struct step_view sv)
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
	const char *const *roots = sv.async ? async_roots : step_specs[sv.kind].roots;
	if (!in_list(root, roots)) {
		if (sv.kind == STEP_INVOKE)
			diags_add(c->d, c->path, v->line, v->col,
				  "field '%s' cannot be checked after an Event invocation, which "
				  "answers only its status (202); check its effects in later steps",
				  v->value);
		else if (in_list(root, invoke_roots) && roots == config_roots)
			diags_add(c->d, c->path, v->line, v->col,
				  "field '%s' needs an invocation; only config.* can be checked in "
				  "a %s step",
				  v->value, step_specs[sv.kind].name);
		else if (roots[0])
			diags_add(c->d, c->path, v->line, v->col,
				  "field '%s' is not given by a %s step; it gives '%s'", v->value,
				  step_specs[sv.kind].name, roots[0]);
		else
			diags_add(c->d, c->path, v->line, v->col,
				  "a %s step gives nothing to check", step_specs[sv.kind].name);
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
	if (strcmp(root, "measured") == 0 && !in_list(rest, measured_fields)) {
		struct ynode fake = *v;
		fake.value = (char *)rest;
		add_choice_error(c, &fake, "measured field", measured_fields);
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
		case EXPECT_LENGTH:
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
			size_t index, struct step_view sv)
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
	const struct ynode *count = ynode_get(item, "count");
	int subjects = !!err + !!field + !!log + !!nolog;
	if (subjects != 1) {
		diags_add(c->d, c->path, item->line, item->col,
			  "%s must have exactly one of 'error', 'field', 'log' or 'no_log'", what);
		return;
	}
	if (count && !log)
		diags_add(c->d, c->path, count->line, count->col,
			  "'count' only applies to 'log': how many lines must match");
	bool has_matcher = false;
	for (int op = 0; op < EXPECT_OP_COUNT; op++)
		if (ynode_get(item, op_names[op]))
			has_matcher = true;
	if (err || log || nolog) {
		const char *name = err ? "error" : log ? "log" : "no_log";
		const struct ynode *at = err ? err : log ? log : nolog;
		if (has_matcher)
			diags_add(c->d, c->path, item->line, item->col,
				  "matchers such as 'equals' go with 'field', not with '%s'", name);
		bool invocation = sv.kind == STEP_INVOKE && !sv.async;
		if (sv.kind == STEP_INVOKE && sv.async)
			diags_add(c->d, c->path, at->line, at->col,
				  "an Event invocation gives no payload or log to check with '%s'; "
				  "check its effects with a later logs step",
				  name);
		else if (!invocation && !(sv.kind == STEP_LOGS && !err))
			diags_add(c->d, c->path, at->line, at->col,
				  "'%s' needs an invocation: put it in an invoke step%s", name,
				  err ? "" : " or a logs step");
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
		long long n;
		if (count && log && ynode_as_int(count, &n)) {
			if (n < 0 || n > 100000)
				diags_add(c->d, c->path, count->line, count->col,
					  "'count' must be between 0 and 100000, not %lld", n);
			else
				e->log_counted = true;
			e->log_count = (int)n;
		}
		return;
	}
	e->kind = EXPECT_VALUE;
	if (!ynode_has_type(field, YS_STRING))
		return;
	e->field = xstrdup(field->value);
	check_field(c, field, sv);
	if (!has_matcher) {
		diags_add(c->d, c->path, field->line, field->col,
			  "field '%s' has nothing to check: add equals, contains, matches, near, "
			  "min, max, type, absent, not_equals or length",
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
		c->in_event = true;
		check_templates_tree(c, ev);
		c->in_event = false;
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

static bool valid_var_name(const char *s)
{
	if (!s || !((*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	size_t n = 0;
	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return n <= 63;
}

static void add_var(struct ctx *c, const char *name)
{
	c->vars = xreallocarray(c->vars, c->n_vars + 1, sizeof(*c->vars));
	c->vars[c->n_vars++] = xstrdup(name);
}

/* An API Gateway request, turned into a REST API proxy event (payload 1.0) at each run. */
static void read_request(struct ctx *c, struct exercise_step *s, const struct ynode *req)
{
	if (!ynode_check_map(req, request_keys, "apigateway request", c->path, c->d) &&
	    req->kind != YNODE_MAP)
		return;
	static const char *const methods[] = { "GET",    "POST", "PUT",     "PATCH",
					       "DELETE", "HEAD", "OPTIONS", NULL };
	const struct ynode *m = ynode_get(req, "method"), *path = ynode_get(req, "path");
	const struct ynode *res = ynode_get(req, "resource");
	const struct ynode *params = ynode_get(req, "path_params");
	if (ynode_has_type(m, YS_STRING) && !in_list(m->value, methods))
		add_choice_error(c, m, "HTTP method", methods);
	if (!path && !res)
		diags_add(c->d, c->path, req->line, req->col,
			  "an apigateway request needs 'path', or 'resource' with 'path_params'");
	if (!path && ynode_has_type(res, YS_STRING)) {
		/* Every {name} of the resource is filled from path_params. */
		for (const char *p = strchr(res->value, '{'); p; p = strchr(p + 1, '{')) {
			size_t k = strcspn(p + 1, "}+");
			char name[64];
			if (k == 0 || k >= sizeof(name))
				continue;
			memcpy(name, p + 1, k);
			name[k] = '\0';
			if (!params || params->kind != YNODE_MAP || !ynode_get(params, name))
				diags_add(c->d, c->path, res->line, res->col,
					  "resource '%s' has {%s}, which 'path_params' does not "
					  "give",
					  res->value, name);
		}
	}
	check_event_tree(c, req);
	c->in_event = true;
	check_templates_tree(c, req);
	c->in_event = false;
	s->request = json_of(req);
	c->event = req;
	c->event_from_file = true; /* the event is built: any event.* may be in it */
}

static bool is_common_key(const char *k)
{
	static const char *const common[] = { "name",  "delay",      "wait",       "expect", "save",
					      "event", "event_file", "apigateway", "type",   NULL };
	return in_list(k, common);
}

/* The step's own arguments as a JSON object, checked. */
static void read_args(struct ctx *c, struct exercise_step *s, const struct ynode *body)
{
	char buf[80];
	struct strbuf sb = STRBUF_INIT;
	strbuf_addch(&sb, '{');
	bool first = true;
	if (s->kind == STEP_SQS_SEND && body) {
		const struct ynode *one = ynode_get(body, "body"),
				   *many = ynode_get(body, "bodies");
		if (!one == !many)
			diags_add(c->d, c->path, body->line, body->col,
				  "an sqs_send step sends either 'body' or 'bodies'");
		if (many && many->kind == YNODE_SEQ && (many->n_items < 1 || many->n_items > 10))
			diags_add(c->d, c->path, many->line, many->col,
				  "'bodies' holds one to ten messages (one SendMessageBatch)");
	}
	for (size_t i = 0; body && i < body->n_pairs; i++) {
		const struct ynode *k = body->pairs[i].key, *v = body->pairs[i].value;
		if (is_common_key(k->value))
			continue;
		check_event_tree(c, v);
		check_templates_tree(c, v);
		if (s->kind == STEP_HTTP && strcmp(k->value, "method") == 0 &&
		    ynode_has_type(v, YS_STRING)) {
			static const char *const methods[] = { "GET",    "POST", "PUT",     "PATCH",
							       "DELETE", "HEAD", "OPTIONS", NULL };
			if (!in_list(v->value, methods))
				add_choice_error(c, v, "HTTP method", methods);
		}
		long long n;
		if ((strcmp(k->value, "retries") == 0 && ynode_as_int(v, &n) && (n < 0 || n > 2)) ||
		    (strcmp(k->value, "max_age") == 0 && ynode_as_int(v, &n) &&
		     (n < 60 || n > 21600)))
			diags_add(c->d, c->path, v->line, v->col,
				  "'%s' must be between %d and %d, as Lambda allows", k->value,
				  k->value[0] == 'r' ? 0 : 60, k->value[0] == 'r' ? 2 : 21600);
		if (strcmp(k->value, "bucket") == 0 && ynode_has_type(v, YS_STRING) &&
		    !expr_has_template(v->value)) {
			size_t len = strlen(v->value);
			bool ok = len >= 3 && len <= 63;
			for (const char *p = v->value; *p; p++)
				ok = ok && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
					    *p == '-' || *p == '.');
			if (!ok)
				diags_add(c->d, c->path, v->line, v->col,
					  "bucket name '%s' must be 3 to 63 lower-case letters, "
					  "digits, '-' or '.'",
					  v->value);
		}
		bool names_queue = strcmp(k->value, "on_failure") == 0 ||
				   strcmp(k->value, "on_success") == 0 ||
				   strcmp(k->value, "dead_letter") == 0 ||
				   (strcmp(k->value, "queue") == 0 && s->kind != STEP_CREATE_QUEUE);
		if (names_queue && ynode_has_type(v, YS_STRING) && !expr_has_template(v->value)) {
			bool known = false;
			for (size_t q = 0; q < c->n_queues && !known; q++)
				known = strcmp(c->queues[q], v->value) == 0;
			if (!known)
				diags_add(c->d, c->path, v->line, v->col,
					  "queue '%s' is not created by a create_queue step before "
					  "this one",
					  lint_clip(v->value, buf, sizeof(buf)));
		}
		if (strcmp(k->value, "table") == 0 && ynode_has_type(v, YS_STRING) &&
		    !expr_has_template(v->value)) {
			bool known = false;
			for (size_t t = 0; t < c->n_tables && !known; t++)
				known = strcmp(c->tables[t], v->value) == 0;
			if (s->kind == STEP_CREATE_TABLE) {
				c->tables = xreallocarray(c->tables, c->n_tables + 1,
							  sizeof(*c->tables));
				c->tables[c->n_tables++] = xstrdup(v->value);
			} else if (!known) {
				diags_add(c->d, c->path, v->line, v->col,
					  "table '%s' is not created by a create_table step before "
					  "this one",
					  lint_clip(v->value, buf, sizeof(buf)));
			}
		}
		if ((strcmp(k->value, "key_type") == 0 || strcmp(k->value, "sort_type") == 0) &&
		    ynode_has_type(v, YS_STRING) && strcmp(v->value, "S") != 0 &&
		    strcmp(v->value, "N") != 0 && strcmp(v->value, "B") != 0)
			diags_add(c->d, c->path, v->line, v->col,
				  "'%s' is a key attribute's type: S, N or B", k->value);
		if (strcmp(k->value, "stream") == 0 && ynode_has_type(v, YS_STRING) &&
		    strcmp(v->value, "KEYS_ONLY") != 0 && strcmp(v->value, "NEW_IMAGE") != 0 &&
		    strcmp(v->value, "OLD_IMAGE") != 0 &&
		    strcmp(v->value, "NEW_AND_OLD_IMAGES") != 0)
			diags_add(c->d, c->path, v->line, v->col,
				  "'stream' is a stream view type: KEYS_ONLY, NEW_IMAGE, OLD_IMAGE "
				  "or "
				  "NEW_AND_OLD_IMAGES");
		if ((strcmp(k->value, "max_retries") == 0 && ynode_as_int(v, &n) &&
		     (n < -1 || n > 10000)) ||
		    (strcmp(k->value, "batch_size") == 0 && ynode_as_int(v, &n) &&
		     (n < 1 || n > 10000)) ||
		    (strcmp(k->value, "parallelization") == 0 && ynode_as_int(v, &n) &&
		     (n < 1 || n > 10)) ||
		    (strcmp(k->value, "tumbling") == 0 && ynode_as_int(v, &n) &&
		     (n < 0 || n > 900)) ||
		    (strcmp(k->value, "window") == 0 && ynode_as_int(v, &n) &&
		     (n < 0 || n > 300)) ||
		    (strcmp(k->value, "max_record_age") == 0 && ynode_as_int(v, &n) && n != -1 &&
		     (n < 60 || n > 604800)))
			diags_add(c->d, c->path, v->line, v->col,
				  "'%s' is outside what Lambda allows for a stream mapping",
				  k->value);
		if (strcmp(k->value, "reserved") == 0 && ynode_as_int(v, &n) && (n < 0 || n > 1000))
			diags_add(
				c->d, c->path, v->line, v->col,
				"'reserved' concurrency must be between 0 and the account's 1000");
		if (s->kind == STEP_CREATE_QUEUE && strcmp(k->value, "queue") == 0 &&
		    ynode_has_type(v, YS_STRING) && !expr_has_template(v->value)) {
			c->queues = xreallocarray(c->queues, c->n_queues + 1, sizeof(*c->queues));
			c->queues[c->n_queues++] = xstrdup(v->value);
		}
		if ((strcmp(k->value, "file") == 0 || strcmp(k->value, "dir") == 0) &&
		    ynode_has_type(v, YS_STRING) &&
		    (!v->value[0] || v->value[0] == '/' || strstr(v->value, "..")))
			diags_add(c->d, c->path, v->line, v->col,
				  "'%s' names a path inside the learner's folder, not '%s'",
				  k->value, lint_clip(v->value, buf, sizeof(buf)));
		if (strcmp(k->value, "events") == 0 && v->kind == YNODE_SEQ)
			for (size_t j = 0; j < v->n_items; j++)
				if (!ynode_has_type(v->items[j], YS_STRING) ||
				    !str_starts_with(v->items[j]->value, "s3:"))
					diags_add(c->d, c->path, v->items[j]->line,
						  v->items[j]->col,
						  "an S3 event type starts with 's3:', such as "
						  "s3:ObjectCreated:*");
		if (!first)
			strbuf_addch(&sb, ',');
		first = false;
		json_string(&sb, k->value);
		strbuf_addch(&sb, ':');
		to_json(&sb, v);
	}
	strbuf_addch(&sb, '}');
	s->args = strbuf_detach(&sb);
	if (s->kind == STEP_STREAM_MAPPING && body &&
	    !ynode_get(body, "table") == !ynode_get(body, "queue"))
		diags_add(c->d, c->path, body->line, body->col,
			  "a mapping reads either a table's stream ('table') or a queue ('queue')");
}

static void read_saves(struct ctx *c, struct exercise_step *s, const struct ynode *save,
		       struct step_view sv)
{
	if (save->kind != YNODE_MAP)
		return;
	s->saves = xcalloc(save->n_pairs + 1, sizeof(*s->saves));
	for (size_t i = 0; i < save->n_pairs; i++) {
		const struct ynode *k = save->pairs[i].key, *v = save->pairs[i].value;
		if (!valid_var_name(k->value)) {
			diags_add(c->d, c->path, k->line, k->col,
				  "saved value '%s' needs a name of lower-case letters, digits "
				  "and '_'",
				  k->value);
			continue;
		}
		if (!ynode_has_type(v, YS_STRING)) {
			diags_add(c->d, c->path, v->line, v->col,
				  "save '%s' must name a field, such as body.id", k->value);
			continue;
		}
		check_field(c, v, sv);
		s->saves[s->n_saves].name = xstrdup(k->value);
		s->saves[s->n_saves].field = xstrdup(v->value);
		s->n_saves++;
	}
}

static void check_seconds(struct ctx *c, const struct ynode *v, const char *what, double lo,
			  double hi)
{
	double x;
	if (v && ynode_as_double(v, &x) && (x < lo || x > hi))
		diags_add(c->d, c->path, v->line, v->col, "'%s' must be between %g and %g seconds",
			  what, lo, hi);
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
			  "step %zu must be a step's name, such as 'deploy', or a mapping with "
			  "one step's name as its key, such as invoke:",
			  index);
		return;
	}
	int kind = -1;
	for (int k = 0; k < STEP_KIND_COUNT; k++)
		if (strcmp(kind_node->value, step_kinds[k]) == 0)
			kind = k;
	if (kind < 0) {
		add_choice_error(c, kind_node, "step", step_kinds);
		c->bad_step = true;
		return;
	}
	const struct step_spec *sp = &step_specs[kind];
	struct exercise_step *s = &ex->steps[ex->n_steps++];
	s->line = item->line;
	s->col = item->col;
	s->kind = (enum exercise_step_kind)kind;
	char what[32];
	snprintf(what, sizeof(what), "step %zu", index);
	if (body && ynode_is_null(body))
		body = NULL;
	if (s->kind == STEP_ADVANCE && body && body->kind == YNODE_SCALAR) {
		if (!ynode_has_type(body, YS_NUMBER))
			diags_add(c->d, c->path, body->line, body->col,
				  "advance takes a number of seconds");
		check_seconds(c, body, "advance", 1, 86400);
		s->args = xasprintf("{\"seconds\":%s}", body->value);
		body = NULL;
	} else if (body) {
		struct yschema_key keys[24] = {
			{ "name", YS_STRING, false },    { "delay", YS_NUMBER, false },
			{ "wait", YS_NUMBER, false },    { "expect", YS_SEQ, false },
			{ "save", YS_MAP, false },       { "event", YS_ANY, false },
			{ "event_file", YS_ANY, false },
		};
		size_t n = 7;
		for (const struct yschema_key *k = sp->keys; k->name; k++)
			if (!is_common_key(k->name) && n < 23)
				keys[n++] = *k;
		if (s->kind == STEP_INVOKE) {
			keys[n++] = (struct yschema_key){ "apigateway", YS_MAP, false };
			keys[n++] = (struct yschema_key){ "type", YS_STRING, false };
		}
		keys[n] = (struct yschema_key){ NULL, YS_ANY, false };
		if (!ynode_check_map(body, keys, what, c->path, c->d) && body->kind != YNODE_MAP)
			body = NULL;
	} else {
		for (const struct yschema_key *k = sp->keys; k->name; k++)
			if (k->required)
				diags_add(c->d, c->path, item->line, item->col,
					  "missing required key '%s' in %s (%s)", k->name, what,
					  sp->name);
	}
	if (s->kind == STEP_ADVANCE && !s->args) {
		const struct ynode *secs = body ? ynode_get(body, "seconds") : NULL;
		check_seconds(c, secs, "seconds", 1, 86400);
	}
	const struct ynode *name = body ? ynode_get(body, "name") : NULL;
	s->name = ynode_has_type(name, YS_STRING) ? xstrdup(name->value)
						  : xasprintf("%s %zu", kind_node->value, index);
	c->event = NULL;
	c->event_from_file = false;
	const struct ynode *exp = body ? ynode_get(body, "expect") : NULL;
	const struct ynode *save = body ? ynode_get(body, "save") : NULL;
	const struct ynode *wait = body ? ynode_get(body, "wait") : NULL;
	const struct ynode *delay = body ? ynode_get(body, "delay") : NULL;
	if (exp && !(sp->flags & SF_EXPECT))
		diags_add(c->d, c->path, exp->line, exp->col,
			  "a %s step has nothing to check; put expectations on a step that "
			  "observes: s3_get, s3_list, sqs_receive, ddb_get, logs, metrics, "
			  "insights or trace",
			  sp->name);
	if (save && !(sp->flags & SF_EXPECT))
		diags_add(c->d, c->path, save->line, save->col, "a %s step has nothing to save",
			  sp->name);
	/* The checker waits for the cloud to settle: a fixed wait only makes a check slower. */
	if (wait)
		diags_add(c->d, c->path, wait->line, wait->col,
			  "'wait' is not needed: a step that observes runs once the cloud has "
			  "settled (the work the check started is over); remove it");
	if (delay)
		diags_add(c->d, c->path, delay->line, delay->col,
			  "'delay' is not needed: steps that observe run once the cloud has "
			  "settled, and 'advance' moves the clock; remove it");
	if (s->kind == STEP_DEPLOY && ex->kind == EXERCISE_SCENARIO && !c->in_setup)
		diags_add(c->d, c->path, item->line, item->col,
			  "a scenario's check judges the learner's fix and never deploys; deploy "
			  "in its 'setup'");
	else if (exp && ex->kind == EXERCISE_SCENARIO && c->in_setup)
		diags_add(c->d, c->path, exp->line, exp->col,
			  "a scenario's setup builds and breaks the application; it checks "
			  "nothing");
	else if (s->kind == STEP_DEPLOY && ex->kind == EXERCISE_ACCOUNT)
		diags_add(c->d, c->path, item->line, item->col,
			  "an account exercise inspects the learner's own function and never "
			  "deploys; remove this step or make the exercise 'kind: code'");
	else if ((sp->flags & SF_CHANGES) && ex->kind == EXERCISE_ACCOUNT &&
		 s->kind != STEP_ADVANCE)
		diags_add(c->d, c->path, item->line, item->col,
			  "an account exercise changes nothing in the learner's account; a %s "
			  "step would",
			  sp->name);
	else if (s->kind == STEP_ADVANCE && ex->kind == EXERCISE_ACCOUNT) {
		/* Only the learner's own account's clock moves, as if they had waited: a little. */
		const struct ynode *sec = body ? ynode_get(body, "seconds") : NULL;
		if (ynode_has_type(sec, YS_NUMBER) &&
		    strtod(sec->value, NULL) > ACCOUNT_ADVANCE_MAX)
			diags_add(c->d, c->path, sec->line, sec->col,
				  "an account exercise moves the learner's clock by at most %d "
				  "seconds a step",
				  ACCOUNT_ADVANCE_MAX);
	}
	struct step_view sv = { s->kind, false };
	if (s->kind == STEP_INVOKE) {
		const struct ynode *type = body ? ynode_get(body, "type") : NULL;
		const struct ynode *req = body ? ynode_get(body, "apigateway") : NULL;
		if (ynode_has_type(type, YS_STRING)) {
			static const char *const types[] = { "RequestResponse", "Event", NULL };
			if (!in_list(type->value, types))
				add_choice_error(c, type, "invocation type", types);
			s->async = strcmp(type->value, "Event") == 0;
			sv.async = s->async;
			if (s->async && ex->kind == EXERCISE_ACCOUNT)
				diags_add(c->d, c->path, type->line, type->col,
					  "an account exercise changes nothing; an Event "
					  "invocation's retries and destinations could");
		}
		const struct ynode *q = body ? ynode_get(body, "qualifier") : NULL;
		if (ynode_has_type(q, YS_STRING))
			s->qualifier = xstrdup(q->value);
		if (req && (ynode_get(body, "event") || ynode_get(body, "event_file")))
			diags_add(c->d, c->path, req->line, req->col,
				  "give either 'apigateway' or an event, not both");
		else if (req && req->kind == YNODE_MAP)
			read_request(c, s, req);
		else
			read_event(c, s, body);
	} else if (body && (ynode_get(body, "event") || ynode_get(body, "event_file"))) {
		const struct ynode *v = ynode_get(body, "event") ? ynode_get(body, "event")
								 : ynode_get(body, "event_file");
		diags_add(c->d, c->path, v->line, v->col, "only an invoke step sends an event");
	}
	if (!s->args && s->kind != STEP_DEPLOY && s->kind != STEP_INSPECT &&
	    s->kind != STEP_INVOKE && s->kind != STEP_LOGS)
		read_args(c, s, body);
	if (exp && exp->kind == YNODE_SEQ && (sp->flags & SF_EXPECT)) {
		size_t n = exp->n_items > MAX_EXPECTS ? MAX_EXPECTS : exp->n_items;
		if (exp->n_items > MAX_EXPECTS)
			diags_add(c->d, c->path, exp->line, exp->col,
				  "'expect' has %zu items; at most %d are allowed", exp->n_items,
				  MAX_EXPECTS);
		s->expects = xcalloc(n + 1, sizeof(*s->expects));
		for (size_t i = 0; i < n; i++)
			read_expect(c, s, exp->items[i], i + 1, sv);
	}
	if (save && (sp->flags & SF_EXPECT)) {
		read_saves(c, s, save, sv);
		for (size_t i = 0; i < s->n_saves; i++)
			add_var(c, s->saves[i].name);
	}
}

/* Values drawn once per run, each after the ones before it, which it may use. */
static void read_vars(struct ctx *c, const struct ynode *vars)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addch(&sb, '{');
	for (size_t i = 0; i < vars->n_pairs; i++) {
		const struct ynode *k = vars->pairs[i].key, *v = vars->pairs[i].value;
		if (!valid_var_name(k->value)) {
			diags_add(c->d, c->path, k->line, k->col,
				  "var '%s' needs a name of lower-case letters, digits and '_'",
				  k->value);
			continue;
		}
		check_event_tree(c, v);
		check_templates_tree(c, v);
		if (sb.len > 1)
			strbuf_addch(&sb, ',');
		json_string(&sb, k->value);
		strbuf_addch(&sb, ':');
		to_json(&sb, v);
		add_var(c, k->value);
	}
	strbuf_addch(&sb, '}');
	c->ex->vars = strbuf_detach(&sb);
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

/* provided.al2023 and provided.al2: the package brings its own runtime, `bootstrap`. */
static bool is_os_only(const char *runtime)
{
	return strcmp(runtime, "provided.al2023") == 0 || strcmp(runtime, "provided.al2") == 0;
}

/*
 * The file a handler string names must be among the starter's files; with an OS-only
 * runtime the handler is the bootstrap's to read, and the bootstrap must be there.
 */
static void check_handler(struct ctx *c, enum exercise_lang lang, const struct ynode *h,
			  const struct exercise_starter *st)
{
	const char *dot = strrchr(h->value, '.');
	char buf[80];
	if (st->runtime && is_os_only(st->runtime)) {
		for (size_t i = 0; i < st->n_files; i++) {
			if (strcmp(st->files[i], "bootstrap") == 0)
				return;
		}
		diags_add(c->d, c->path, h->line, h->col,
			  "runtime %s runs the package's 'bootstrap', which is not among the "
			  "starter's files",
			  st->runtime);
		return;
	}
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
		/* An OS-only runtime runs the package's own bootstrap, in either language. */
		if (!str_starts_with(rt->value, want) && !is_os_only(rt->value))
			diags_add(c->d, c->path, rt->line, rt->col,
				  "runtime '%s' is not a %s runtime (such as %s)",
				  lint_clip(rt->value, buf, sizeof(buf)), lang_names[lang],
				  lang == EXERCISE_PYTHON ? "python3.13" : "nodejs22.x");
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
		if (c->ex->kind == EXERCISE_CODE || c->ex->kind == EXERCISE_SCENARIO)
			diags_add(c->d, c->path, doc->line, doc->col,
				  "missing required key 'starters' in a %s",
				  c->ex->kind == EXERCISE_CODE
					  ? "code exercise"
					  : "scenario (its application's code)");
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
	/* A scenario's application may be in one language: the learner fixes it, not writes it. */
	for (int l = 0; l < EXERCISE_LANG_COUNT && c->ex->kind != EXERCISE_SCENARIO; l++)
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
	const struct ynode *lf = ynode_get(fn, "log_format");
	if (lf && lf->kind == YNODE_SCALAR) {
		if (strcmp(lf->value, "JSON") != 0 && strcmp(lf->value, "Text") != 0)
			diags_add(c->d, c->path, lf->line, lf->col,
				  "'log_format' must be JSON or Text, not '%s'", lf->value);
		else
			ex->log_format = xstrdup(lf->value);
	}
	const struct ynode *tr = ynode_get(fn, "tracing");
	if (tr && tr->kind == YNODE_SCALAR) {
		if (strcmp(tr->value, "Active") != 0 && strcmp(tr->value, "PassThrough") != 0)
			diags_add(c->d, c->path, tr->line, tr->col,
				  "'tracing' must be Active or PassThrough, not '%s'", tr->value);
		else
			ex->tracing = xstrdup(tr->value);
	}
	const struct ynode *role = ynode_get(fn, "role");
	if (role && ynode_has_type(role, YS_STRING))
		ex->role = xstrdup(role->value);
	const struct ynode *layers = ynode_get(fn, "layers");
	if (layers && layers->kind == YNODE_SEQ) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < layers->n_items; i++) {
			const struct ynode *l = layers->items[i];
			if (ynode_has_type(l, YS_STRING) &&
			    str_starts_with(l->value, "arn:aws:lambda:"))
				cJSON_AddItemToArray(arr, cJSON_CreateString(l->value));
			else
				diags_add(c->d, c->path, l->line, l->col,
					  "a layer is named by its version's ARN");
		}
		ex->layers = cJSON_PrintUnformatted(arr);
		cJSON_Delete(arr);
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
		for (size_t i = 0; i < env->n_pairs; i++)
			if (env->pairs[i].value->kind == YNODE_SCALAR)
				check_templates(c, env->pairs[i].value->value, env->pairs[i].value);
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
	bool deployed = ex->kind == EXERCISE_ACCOUNT || ex->kind == EXERCISE_SCENARIO;
	for (size_t i = 0; i < ex->n_steps; i++) {
		const struct exercise_step *s = &ex->steps[i];
		if (s->kind == STEP_DEPLOY && deployed && ex->kind == EXERCISE_CODE)
			diags_add(c->d, c->path, s->line, s->col,
				  "the code is already deployed by an earlier step");
		if (s->kind == STEP_DEPLOY)
			deployed = true;
		else if (!deployed && (step_specs[s->kind].flags & SF_FUNCTION))
			diags_add(c->d, c->path, s->line, s->col,
				  "a code exercise must deploy before it can %s",
				  s->kind == STEP_INVOKE    ? "invoke"
				  : s->kind == STEP_INSPECT ? "inspect"
							    : step_specs[s->kind].name);
	}
}

/*
 * A scenario's setup: read as steps (into ex->steps, which are empty yet), then moved to
 * ex->setup. It deploys the application before it wires anything to it, and checks nothing.
 */
static void read_setup(struct ctx *c, const struct ynode *setup)
{
	struct exercise *ex = c->ex;
	size_t n = setup->n_items > MAX_STEPS ? MAX_STEPS : setup->n_items;
	if (setup->n_items > MAX_STEPS)
		diags_add(c->d, c->path, setup->line, setup->col,
			  "'setup' has %zu items; at most %d are allowed", setup->n_items,
			  MAX_STEPS);
	ex->steps = xcalloc(n + 1, sizeof(*ex->steps));
	c->in_setup = true;
	for (size_t i = 0; i < n; i++)
		read_step(c, setup->items[i], i + 1);
	c->in_setup = false;
	bool deployed = false;
	for (size_t i = 0; i < ex->n_steps && !c->bad_step; i++) {
		const struct exercise_step *s = &ex->steps[i];
		if (s->kind == STEP_DEPLOY)
			deployed = true;
		else if (!deployed && (step_specs[s->kind].flags & SF_FUNCTION))
			diags_add(c->d, c->path, s->line, s->col,
				  "a scenario's setup must deploy before it can %s",
				  step_specs[s->kind].name);
	}
	if (!deployed && !c->bad_step)
		diags_add(c->d, c->path, setup->line, setup->col,
			  "a scenario's setup must deploy its application");
	ex->setup = ex->steps;
	ex->n_setup = ex->n_steps;
	ex->steps = NULL;
	ex->n_steps = 0;
	c->bad_step = false;
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
	struct ctx c = { .ex = ex, .path = path, .dir = dir, .d = d };
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
	const struct ynode *minutes = ynode_get(doc, "minutes");
	long long mins;
	if (minutes && ynode_as_int(minutes, &mins)) {
		if (mins < 1 || mins > MAX_EXERCISE_MINUTES)
			diags_add(d, path, minutes->line, minutes->col,
				  "an exercise's 'minutes' must be between 1 and %d, not %lld",
				  MAX_EXERCISE_MINUTES, mins);
		else
			ex->minutes = (int)mins;
	}
	const struct ynode *kind = ynode_get(doc, "kind");
	if (ynode_has_type(kind, YS_STRING)) {
		static const char *const kinds[] = { "code", "account", "scenario", NULL };
		if (strcmp(kind->value, "account") == 0)
			ex->kind = EXERCISE_ACCOUNT;
		else if (strcmp(kind->value, "scenario") == 0)
			ex->kind = EXERCISE_SCENARIO;
		else if (strcmp(kind->value, "code") != 0)
			add_choice_error(&c, kind, "exercise kind", kinds);
	}
	read_brief(&c, doc);
	const struct ynode *vars = ynode_get(doc, "vars");
	if (vars && vars->kind == YNODE_MAP)
		read_vars(&c, vars);
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
	const struct ynode *setup = ynode_get(doc, "setup");
	if (ex->kind == EXERCISE_SCENARIO && !setup)
		diags_add(d, path, doc->line, doc->col,
			  "missing required key 'setup' in a scenario: the steps that build the "
			  "application and break it");
	else if (setup && ex->kind != EXERCISE_SCENARIO)
		diags_add(d, path, setup->line, setup->col,
			  "only a scenario ('kind: scenario') has a 'setup'");
	else if (setup && setup->kind == YNODE_SEQ)
		read_setup(&c, setup);
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
	for (size_t i = 0; i < c.n_vars; i++)
		free(c.vars[i]);
	free(c.vars);
	for (size_t i = 0; i < c.n_tables; i++)
		free(c.tables[i]);
	free(c.tables);
	for (size_t i = 0; i < c.n_queues; i++)
		free(c.queues[i]);
	free(c.queues);
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

static void free_steps(struct exercise_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct exercise_step *s = &steps[i];
		free(s->name);
		free(s->event);
		free(s->request);
		free(s->qualifier);
		free(s->args);
		for (size_t j = 0; j < s->n_saves; j++) {
			free(s->saves[j].name);
			free(s->saves[j].field);
		}
		free(s->saves);
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
	free(steps);
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
	free(ex->role);
	free(ex->env);
	free(ex->log_format);
	free(ex->tracing);
	free(ex->layers);
	free(ex->vars);
	free_steps(ex->steps, ex->n_steps);
	free_steps(ex->setup, ex->n_setup);
	free(ex);
}

/* The exercises a module lists (course_module.exercises), loaded in that order. */
static void load_module_exercises(const struct course *course, const struct course_module *m,
				  struct exercise_set *set, struct diags *d)
{
	char *mdir = path_join(course->root, m->dir);
	char buf[80], buf2[80];
	for (size_t i = 0; i < m->n_exercises; i++) {
		const struct course_exercise_ref *ref = &m->exercises[i];
		if (set->n >= MAX_EXERCISES * 8)
			break;
		char *exdir = xasprintf("%s/exercises/%s", mdir, ref->id);
		char *yaml = path_join(exdir, "exercise.yaml");
		bool there = path_is_file(yaml);
		free(yaml);
		free(exdir);
		if (!there) {
			diags_add(d, m->yaml_path, ref->line, ref->col,
				  "exercise '%s' has no exercises/%s/exercise.yaml",
				  lint_clip(ref->id, buf, sizeof(buf)),
				  lint_clip(ref->id, buf2, sizeof(buf2)));
			continue;
		}
		size_t before = d->n;
		struct exercise *ex = exercise_load(mdir, ref->id, m->id, d);
		if (ex && ex->id && strcmp(ex->id, ref->id) != 0)
			diags_add(d, ex->yaml_path, 1, 1,
				  "exercise id '%s' must match its folder name '%s'",
				  lint_clip(ex->id, buf, sizeof(buf)), ref->id);
		for (size_t j = 0; ex && ex->id && j < set->n; j++)
			if (strcmp(set->v[j]->id, ex->id) == 0)
				diags_add(d, m->yaml_path, ref->line, ref->col,
					  "duplicate exercise id '%s' (also in module '%s')",
					  ex->id, set->v[j]->module_id);
		if (!ex || d->n > before) {
			exercise_free(ex);
			continue;
		}
		ex->further = ref->further;
		set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
		set->v[set->n++] = ex;
	}
	free(mdir);
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

static int exercise_id_cmp(const void *a, const void *b)
{
	const struct exercise *x = *(struct exercise *const *)a, *y = *(struct exercise *const *)b;
	return strcmp(x->id, y->id);
}

struct exercise_set *scenario_set_load(const struct course *course, struct diags *d)
{
	struct exercise_set *set = xcalloc(1, sizeof(*set));
	DIR *dir = course && course->scenario_dir ? opendir(course->scenario_dir) : NULL;
	struct dirent *e;
	char buf[80];
	while (dir && (e = readdir(dir)) && set->n < MAX_EXERCISES) {
		if (e->d_name[0] == '.')
			continue;
		char *sdir = path_join(course->scenario_dir, e->d_name);
		char *yaml = path_join(sdir, "scenario.yaml");
		size_t before = d->n;
		struct exercise *ex = NULL;
		if (path_is_dir(sdir) && !path_is_file(yaml)) {
			diags_add(d, sdir, 0, 0, "a scenario folder holds a scenario.yaml");
		} else if (path_is_file(yaml)) {
			struct error err;
			error_clear(&err);
			size_t len = 0;
			char *text = path_read_file(yaml, 1u << 20, &len, &err);
			if (!text)
				diags_add(d, yaml, 0, 0, "%s", err.msg);
			else
				ex = exercise_parse(text, len, yaml, sdir, "scenarios", d);
			free(text);
		}
		if (ex && ex->kind != EXERCISE_SCENARIO)
			diags_add(d, yaml, 1, 1, "a scenario says 'kind: scenario'");
		if (ex && ex->id && strcmp(ex->id, e->d_name) != 0)
			diags_add(d, yaml, 1, 1, "scenario id '%s' must match its folder name '%s'",
				  lint_clip(ex->id, buf, sizeof(buf)), e->d_name);
		if (ex && d->n == before) {
			set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
			set->v[set->n++] = ex;
		} else {
			exercise_free(ex);
		}
		free(yaml);
		free(sdir);
	}
	if (dir)
		closedir(dir);
	if (set->n > 1)
		qsort(set->v, set->n, sizeof(*set->v), exercise_id_cmp);
	return set;
}

void exercise_lint_course(const struct course *course, struct diags *d)
{
	exercise_set_free(exercise_set_load(course, d));
	exercise_set_free(scenario_set_load(course, d));
}

char *exercise_brief(const struct exercise *ex, size_t *len, struct error *err)
{
	if (!ex->brief_path) {
		error_set(err, "exercise '%s' has no brief", ex->id ? ex->id : "?");
		return NULL;
	}
	return path_read_file(ex->brief_path, LINT_PAGE_MAX, len, err);
}

/* The first paragraph of the symptom (after its heading), on one line. Caller frees. */
char *scenario_symptom(const struct exercise *sc)
{
	size_t len = 0;
	struct error err;
	error_clear(&err);
	char *text = exercise_brief(sc, &len, &err);
	struct strbuf sb = STRBUF_INIT;
	const char *p = text ? text : "";
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		const char *q = p;
		while (q < p + n && (*q == ' ' || *q == '\r'))
			q++;
		if (q < p + n && *q == '>') /* a quotation's mark */
			for (q++; q < p + n && *q == ' ';)
				q++;
		bool blank = q == p + n;
		if (blank && sb.len)
			break;
		if (!blank && *q != '#') {
			if (sb.len)
				strbuf_addch(&sb, ' ');
			strbuf_add(&sb, q, (size_t)(p + n - q));
		}
		p = eol ? eol + 1 : p + n;
	}
	free(text);
	return strbuf_detach(&sb);
}
