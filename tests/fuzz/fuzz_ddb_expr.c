/*
 * Fuzz DynamoDB's expression parser (ddb_expr_parse) and its evaluation. The input's first
 * byte picks the expression type; then come the expression, a newline, the
 * ExpressionAttributeValues as JSON, a newline, the ExpressionAttributeNames as JSON, a newline
 * and an item as JSON. A refused expression must say why; an accepted one is evaluated against
 * the item (matched, projected, applied) and parsed again with the same answer, and what an
 * update produces must itself be a valid item.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/dynamodb/expr.h"
#include "cloud/svc/svc.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *next_line(char **p)
{
	char *line = *p;
	if (!line)
		return NULL;
	char *nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = NULL;
	}
	return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum ddb_expr_type type = (enum ddb_expr_type)(data[0] % 5);
	char *text = xmalloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	char *rest = text;
	char *expr = next_line(&rest), *values = next_line(&rest), *names = next_line(&rest);
	char *item_text = next_line(&rest);
	cJSON *v = values ? cJSON_Parse(values) : NULL, *n = names ? cJSON_Parse(names) : NULL;
	cJSON *raw = item_text ? cJSON_Parse(item_text) : NULL, *item = NULL;
	struct aws_err err = { 0 };
	if (cJSON_IsObject(raw))
		item = ddb_map_clean(raw, &err);
	struct ddb_subst s;
	if (ddb_subst_init(&s, n, v, &err)) {
		struct ddb_expr *e = ddb_expr_parse(type, expr, &s, &err);
		if (!e && !err.message[0])
			abort();
		struct aws_err again_err = { 0 };
		struct ddb_subst s2;
		ddb_subst_init(&s2, n, v, &again_err);
		struct ddb_expr *again = ddb_expr_parse(type, expr, &s2, &again_err);
		if (!e != !again || (!e && strcmp(err.message, again_err.message) != 0))
			abort();
		ddb_expr_free(again);
		ddb_subst_release(&s2);
		if (e) {
			ddb_subst_check_unused(&s, &err);
			if (type == DDB_EXPR_CONDITION || type == DDB_EXPR_FILTER ||
			    type == DDB_EXPR_KEY) {
				bool m = ddb_expr_match(e, item);
				if (m != ddb_expr_match(e, item))
					abort();
			}
			if (type == DDB_EXPR_KEY)
				ddb_expr_key_conds(e, "pk", "sk", &err);
			if (type == DDB_EXPR_PROJECTION && item)
				cJSON_Delete(ddb_expr_project(e, item));
			if (type == DDB_EXPR_UPDATE) {
				cJSON *u = ddb_expr_update(e, item, item != NULL, &err);
				if (u) {
					struct aws_err check = { 0 };
					cJSON *clean = ddb_map_clean(u, &check);
					/* An update may empty nothing into a set: never. */
					if (!clean && strstr(check.message, "may not be empty"))
						abort();
					cJSON_Delete(clean);
				} else if (!err.message[0]) {
					abort();
				}
				cJSON_Delete(u);
			}
			ddb_expr_free(e);
		}
	} else if (!err.message[0]) {
		abort();
	}
	ddb_subst_release(&s);
	cJSON_Delete(item);
	cJSON_Delete(raw);
	cJSON_Delete(v);
	cJSON_Delete(n);
	free(text);
	return 0;
}
