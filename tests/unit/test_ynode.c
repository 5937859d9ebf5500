/*
 * Unit tests for the located YAML tree and its schema checker.
 */
#include <stdlib.h>
#include <string.h>

#include "course/ynode.h"
#include "harness.h"

static struct ynode *parse(const char *s, struct error *err)
{
	return ynode_parse(s, strlen(s), "t.yaml", err);
}

TEST(ynode__parses_maps_lists_and_marks)
{
	struct error err;
	struct ynode *n = parse("title: Hello\nminutes: 20\nlist:\n  - a\n  - b\n", &err);
	ok(n && n->kind == YNODE_MAP, "root is a map");
	is_str(ynode_str(ynode_get(n, "title")), "Hello", "scalar value");
	long long m = 0;
	ok(ynode_as_int(ynode_get(n, "minutes"), &m) && m == 20, "integer");
	struct ynode *list = ynode_get(n, "list");
	ok(list && list->kind == YNODE_SEQ && list->n_items == 2, "list of two");
	is_int(list->items[1]->line, 5, "line is 1-based");
	is_int(list->items[1]->col, 5, "column is 1-based");
	ynode_free(n);
}

TEST(ynode__reports_syntax_errors_with_location)
{
	struct error err;
	struct ynode *n = parse("a: b\n  c: d\n", &err);
	ok(n == NULL, "bad indentation fails");
	is_str(err.path, "t.yaml", "error names the file");
	is_int(err.line, 2, "error names the line");
	ok(err.col > 0, "and a column");
}

TEST(ynode__refuses_aliases_and_deep_nesting)
{
	struct error err;
	struct ynode *n = parse("a: &x [1, 2]\nb: *x\n", &err);
	ok(n == NULL && strstr(err.msg, "aliases"), "aliases are refused");
	is_int(err.line, 2, "at the alias");
	char deep[400];
	memset(deep, '[', 200);
	memset(deep + 200, ']', 200);
	n = ynode_parse(deep, sizeof(deep), "deep.yaml", &err);
	ok(n == NULL && strstr(err.msg, "nesting"), "deep nesting is refused");
}

TEST(ynode__quoted_scalars_are_strings)
{
	struct error err;
	struct ynode *n = parse("a: '20'\nb: null\nc: 'null'\nd: true\n", &err);
	ok(!ynode_as_int(ynode_get(n, "a"), NULL), "quoted number is not an integer");
	ok(ynode_is_null(ynode_get(n, "b")), "null is null");
	ok(!ynode_is_null(ynode_get(n, "c")), "quoted null is a string");
	bool b = false;
	ok(ynode_as_bool(ynode_get(n, "d"), &b) && b, "boolean");
	ynode_free(n);
}

TEST(ynode_check_map__reports_unknown_missing_wrong_and_duplicate)
{
	static const struct yschema_key keys[] = {
		{ "title", YS_STRING, true },
		{ "minutes", YS_INT, true },
		{ "pages", YS_SEQ, false },
		{ NULL, 0, false },
	};
	struct error err;
	struct ynode *n = parse("titel: x\nminutes: ten\npages: []\npages: []\n", &err);
	struct diags d = DIAGS_INIT;
	ok(!ynode_check_map(n, keys, "module", "m.yaml", &d), "check fails");
	diags_sort(&d);
	is_int(d.n, 4, "four problems");
	char *s = diags_format(&d, 0);
	is_str(s, "m.yaml:1:1: missing required key 'title' in module", "missing key at the map");
	free(s);
	s = diags_format(&d, 1);
	is_str(s, "m.yaml:1:1: unknown key 'titel' in module (did you mean 'title'?)",
	       "unknown key with suggestion");
	free(s);
	s = diags_format(&d, 2);
	is_str(s, "m.yaml:2:10: 'minutes' must be an integer, not a string", "wrong type located");
	free(s);
	s = diags_format(&d, 3);
	is_str(s, "m.yaml:4:1: duplicate key 'pages' (first at line 3)", "duplicate key");
	free(s);
	diags_release(&d);
	ynode_free(n);
}

int main(void)
{
	RUN(ynode__parses_maps_lists_and_marks);
	RUN(ynode__reports_syntax_errors_with_location);
	RUN(ynode__refuses_aliases_and_deep_nesting);
	RUN(ynode__quoted_scalars_are_strings);
	RUN(ynode_check_map__reports_unknown_missing_wrong_and_duplicate);
	return done();
}
