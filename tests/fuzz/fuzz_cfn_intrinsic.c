/*
 * Fuzz CloudFormation's intrinsic functions (cfn_eval) and the dependency graph
 * (cfn_graph_build, cfn_graph_order). The input is a YAML or JSON template whose Outputs'
 * values are evaluated against fixed parameters and resources: a refusal must say why, and
 * the same value must evaluate the same twice.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/graph.h"
#include "cloud/cfn/intrinsic.h"
#include "cloud/cfn/template.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool ref(void *arg, const char *id, cJSON **out, struct error *err)
{
	char *v = xasprintf("phys-%s", id);
	*out = cJSON_CreateString(v);
	free(v);
	return true;
}

static bool getatt(void *arg, const char *id, const char *att, cJSON **out, struct error *err)
{
	if (strcmp(att, "List") == 0) {
		*out = cJSON_Parse("[\"a\",\"b\",\"c\"]");
		return true;
	}
	char *v = xasprintf("%s.%s", id, att);
	*out = cJSON_CreateString(v);
	free(v);
	return true;
}

static bool import(void *arg, const char *name, cJSON **out, struct error *err)
{
	if (strcmp(name, "known") != 0)
		return error_set(err, "No export named %s found.", name);
	*out = cJSON_CreateString("imported");
	return true;
}

static char *eval_text(const cJSON *tpl, const cJSON *value, struct error *err)
{
	cJSON *params = cJSON_Parse("{\"P\":\"prod\",\"L\":[\"x\",\"y\"],\"N\":\"3\"}");
	cJSON *conds = cJSON_CreateObject();
	struct cfn_eval ev = {
		.account = "123456789012",
		.region = "us-east-1",
		.stack_name = "fuzz",
		.stack_id = "arn:aws:cloudformation:us-east-1:123456789012:stack/fuzz/1",
		.params = params,
		.mappings = cJSON_GetObjectItemCaseSensitive(tpl, "Mappings"),
		.cond_defs = cJSON_GetObjectItemCaseSensitive(tpl, "Conditions"),
		.cond_values = conds,
		.resources = cJSON_GetObjectItemCaseSensitive(tpl, "Resources"),
		.ref = ref,
		.getatt = getatt,
		.import = import,
	};
	cJSON *out = NULL;
	char *text;
	if (cfn_eval(&ev, value, &out, err)) {
		text = out ? cJSON_PrintUnformatted(out) : xstrdup("(no value)");
	} else {
		if (!err->msg[0])
			abort();
		text = xasprintf("error: %s", err->msg);
	}
	cJSON_Delete(out);
	cJSON_Delete(params);
	cJSON_Delete(conds);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err;
	error_clear(&err);
	cJSON *tpl = cfn_template_parse((const char *)data, size, &err);
	if (!tpl)
		return 0;
	const cJSON *o;
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(tpl, "Outputs"))
	{
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "Value");
		char *a = eval_text(tpl, v, &err), *b = eval_text(tpl, v, &err);
		if (strcmp(a, b) != 0) {
			fprintf(stderr, "evaluated twice, differently: %s / %s\n", a, b);
			abort();
		}
		free(a);
		free(b);
	}
	struct cfn_graph g;
	if (cJSON_IsObject(tpl) && cfn_graph_build(tpl, &g, &err)) {
		size_t *order = xcalloc(g.n ? g.n : 1, sizeof(size_t));
		if (cfn_graph_order(&g, order, &err)) {
			/* Every resource after what it depends on. */
			for (size_t k = 0; k < g.n; k++) {
				size_t i = order[k];
				for (size_t d = 0; d < g.ndeps[i]; d++) {
					bool before = false;
					for (size_t j = 0; j < k; j++)
						before = before || order[j] == g.deps[i][d];
					if (!before)
						abort();
				}
			}
		} else if (!strstr(err.msg, "Circular dependency")) {
			abort();
		}
		free(order);
		cfn_graph_release(&g);
	}
	cJSON_Delete(tpl);
	return 0;
}
