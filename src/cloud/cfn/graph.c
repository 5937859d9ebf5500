/*
 * Resource dependencies: references found by walking each definition, then Kahn's algorithm
 * in template order.
 */
#include "cloud/cfn/graph.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/intrinsic.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

static bool is_pseudo(const char *name)
{
	return strncmp(name, "AWS::", 5) == 0;
}

/* What a walk collects: names referred to, with the block they appear in for errors. */
struct walk {
	const cJSON *resources, *params;
	const cJSON *sub_vars; /* the variables of the Fn::Sub being walked */
	bool (*fn)(void *arg, const char *name);
	void *arg;
	bool check;            /* report names that exist nowhere */
	struct strbuf missing; /* "A, B" */
	struct error *err;
};

static void note_missing(struct walk *w, const char *name)
{
	if (!w->check)
		return;
	/* Each name once. */
	const char *s = strbuf_str(&w->missing);
	size_t n = strlen(name);
	for (const char *p = s; (p = strstr(p, name)); p += n) {
		if ((p == s || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return;
	}
	if (w->missing.len)
		strbuf_addstr(&w->missing, ", ");
	strbuf_addstr(&w->missing, name);
}

static bool refer(struct walk *w, const char *name, bool attribute)
{
	if (cJSON_GetObjectItemCaseSensitive(w->resources, name))
		return w->fn ? w->fn(w->arg, name) : true;
	if (attribute) {
		/* Fn::GetAtt of something that is not a resource. */
		if (w->check)
			return error_set(w->err,
					 "Template error: instance of Fn::GetAtt references "
					 "undefined resource %s",
					 name);
		return true;
	}
	if (!is_pseudo(name) && !cJSON_GetObjectItemCaseSensitive(w->params, name))
		note_missing(w, name);
	return true;
}

static bool walk_sub_var(void *arg, const char *var, struct error *err)
{
	struct walk *w = arg;
	(void)err;
	if (cJSON_GetObjectItemCaseSensitive(w->sub_vars, var))
		return true;
	const char *dot = strchr(var, '.');
	if (dot && !is_pseudo(var)) {
		char *res = xstrndup(var, (size_t)(dot - var));
		bool ok = refer(w, res, true);
		free(res);
		return ok;
	}
	return refer(w, var, false);
}

static bool walk_value(struct walk *w, const cJSON *v, int depth)
{
	if (depth > 200)
		return error_set(w->err, "Template error: intrinsic functions nested too deeply");
	const char *fn = cfn_intrinsic_name(v);
	if (fn && strcmp(fn, "Ref") == 0) {
		if (!cJSON_IsString(v->child))
			return error_set(w->err,
					 "Template format error: Every Ref object must have "
					 "a single String value.");
		return refer(w, v->child->valuestring, false);
	}
	if (fn && strcmp(fn, "Fn::GetAtt") == 0) {
		const cJSON *a = v->child;
		char *res = NULL;
		if (cJSON_IsString(a) && strchr(a->valuestring, '.'))
			res = xstrndup(a->valuestring,
				       (size_t)(strchr(a->valuestring, '.') - a->valuestring));
		else if (cJSON_IsArray(a) && cJSON_GetArraySize(a) == 2 && cJSON_IsString(a->child))
			res = xstrdup(a->child->valuestring);
		if (!res)
			return error_set(w->err, "Template error: every Fn::GetAtt object requires "
						 "two non-empty parameters, the resource name and "
						 "the resource attribute");
		bool ok = refer(w, res, true);
		free(res);
		if (ok && cJSON_IsArray(a))
			ok = walk_value(w, a->child->next, depth + 1);
		return ok;
	}
	if (fn && strcmp(fn, "Fn::Sub") == 0) {
		const cJSON *a = v->child, *str = a, *vars = NULL;
		if (cJSON_IsArray(a)) {
			str = a->child;
			vars = str ? str->next : NULL;
			if (vars && !walk_value(w, vars, depth + 1))
				return false;
		}
		if (!cJSON_IsString(str))
			return true; /* the evaluator says what is wrong */
		const cJSON *saved = w->sub_vars;
		w->sub_vars = vars;
		bool ok = cfn_sub_vars(str->valuestring, walk_sub_var, w, w->err);
		w->sub_vars = saved;
		return ok;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, v)
	{
		if (!walk_value(w, it, depth + 1))
			return false;
	}
	return true;
}

bool cfn_graph_refs(const cJSON *value, const cJSON *resources,
		    bool (*fn)(void *arg, const char *name), void *arg, struct error *err)
{
	struct walk w = { .resources = resources, .fn = fn, .arg = arg, .err = err };
	bool ok = walk_value(&w, value, 0);
	strbuf_release(&w.missing);
	return ok;
}

size_t cfn_graph_index(const struct cfn_graph *g, const char *name)
{
	for (size_t i = 0; i < g->n; i++) {
		if (strcmp(g->names[i], name) == 0)
			return i;
	}
	return (size_t)-1;
}

struct add_dep {
	struct cfn_graph *g;
	size_t i;
};

static bool add_dep(void *arg, const char *name)
{
	struct add_dep *a = arg;
	struct cfn_graph *g = a->g;
	size_t j = cfn_graph_index(g, name);
	if (j == (size_t)-1)
		return true;
	for (size_t k = 0; k < g->ndeps[a->i]; k++) {
		if (g->deps[a->i][k] == j)
			return true;
	}
	g->deps[a->i] = xreallocarray(g->deps[a->i], g->ndeps[a->i] + 1, sizeof(size_t));
	g->deps[a->i][g->ndeps[a->i]++] = j;
	return true;
}

static bool missing_error(struct walk *w, const char *block)
{
	return error_set(w->err,
			 "Template format error: Unresolved resource dependencies [%s] in the %s "
			 "block of the template",
			 strbuf_str(&w->missing), block);
}

bool cfn_graph_build(const cJSON *template, struct cfn_graph *g, struct error *err)
{
	memset(g, 0, sizeof(*g));
	const cJSON *resources = cJSON_GetObjectItemCaseSensitive(template, "Resources");
	if (resources && !cJSON_IsObject(resources))
		return error_set(err,
				 "Template format error: At least one Resources member must be "
				 "defined.");
	const cJSON *r;
	cJSON_ArrayForEach(r, resources)
	{
		if (!cJSON_IsObject(r))
			return error_set(err,
					 "Template format error: [/Resources/%s] resource "
					 "definition is malformed",
					 r->string);
	}
	struct walk w = { .resources = resources,
			  .params = cJSON_GetObjectItemCaseSensitive(template, "Parameters"),
			  .fn = add_dep,
			  .check = true,
			  .err = err };
	g->n = (size_t)cJSON_GetArraySize(resources);
	g->names = xcalloc(g->n ? g->n : 1, sizeof(*g->names));
	g->deps = xcalloc(g->n ? g->n : 1, sizeof(*g->deps));
	g->ndeps = xcalloc(g->n ? g->n : 1, sizeof(*g->ndeps));
	size_t i = 0;
	cJSON_ArrayForEach(r, resources)
	{
		g->names[i++] = r->string;
	}
	i = 0;
	bool ok = true;
	cJSON_ArrayForEach(r, resources)
	{
		struct add_dep a = { .g = g, .i = i };
		w.arg = &a;
		const cJSON *m;
		cJSON_ArrayForEach(m, r)
		{
			if (strcmp(m->string, "DependsOn") == 0) {
				const cJSON *d = m;
				const cJSON *one = cJSON_IsArray(d) ? d->child : d;
				for (; one; one = cJSON_IsArray(d) ? one->next : NULL) {
					if (!cJSON_IsString(one)) {
						ok = error_set(err,
							       "Template format error: DependsOn "
							       "must be a string or a list of "
							       "strings");
						goto done;
					}
					if (!cJSON_GetObjectItemCaseSensitive(resources,
									      one->valuestring))
						note_missing(&w, one->valuestring);
					else
						add_dep(&a, one->valuestring);
				}
				continue;
			}
			if (strcmp(m->string, "Type") == 0 || strcmp(m->string, "Condition") == 0)
				continue;
			if (!walk_value(&w, m, 0)) {
				ok = false;
				goto done;
			}
		}
		i++;
	}
	if (w.missing.len) {
		ok = missing_error(&w, "Resources");
		goto done;
	}
	const cJSON *outputs = cJSON_GetObjectItemCaseSensitive(template, "Outputs");
	w.fn = NULL;
	if (outputs && !walk_value(&w, outputs, 0)) {
		ok = false;
		goto done;
	}
	if (w.missing.len)
		ok = missing_error(&w, "Outputs");
done:
	strbuf_release(&w.missing);
	if (!ok)
		cfn_graph_release(g);
	return ok;
}

void cfn_graph_release(struct cfn_graph *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->deps[i]);
	free(g->deps);
	free(g->ndeps);
	free(g->names);
	memset(g, 0, sizeof(*g));
}

bool cfn_graph_order(const struct cfn_graph *g, size_t *order, struct error *err)
{
	bool *done = xcalloc(g->n ? g->n : 1, sizeof(bool));
	size_t k = 0;
	bool progress = true;
	while (k < g->n && progress) {
		progress = false;
		/* The first resource in template order whose dependencies are all placed. */
		for (size_t i = 0; i < g->n; i++) {
			if (done[i])
				continue;
			bool ready = true;
			for (size_t d = 0; d < g->ndeps[i] && ready; d++)
				ready = done[g->deps[i][d]];
			if (ready) {
				done[i] = true;
				order[k++] = i;
				progress = true;
				break;
			}
		}
	}
	bool ok = k == g->n;
	if (!ok) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < g->n; i++) {
			if (done[i])
				continue;
			if (sb.len)
				strbuf_addstr(&sb, ", ");
			strbuf_addstr(&sb, g->names[i]);
		}
		error_set(err, "Circular dependency between resources: [%s]", strbuf_str(&sb));
		strbuf_release(&sb);
	}
	free(done);
	return ok;
}
