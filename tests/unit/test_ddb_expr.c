/*
 * Unit tests for cloud/dynamodb's numbers, AttributeValues and expressions: DynamoDB's
 * canonical numbers and their exact sums, the checks of values with DynamoDB's messages, the
 * parse errors of each expression type, and conditions, projections and updates on items.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/dynamodb/expr.h"
#include "cloud/dynamodb/num.h"
#include "cloud/dynamodb/value.h"
#include "cloud/svc/svc.h"
#include "harness.h"

/* JSON written with single quotes, for readability. Caller deletes. */
static cJSON *J(const char *text)
{
	char *copy = strdup(text);
	for (char *c = copy; *c; c++)
		if (*c == '\'')
			*c = '"';
	cJSON *j = cJSON_Parse(copy);
	free(copy);
	if (!j)
		printf("# bad test JSON: %s\n", text);
	return j;
}

static char *show(const cJSON *j)
{
	static char buf[4096];
	char *t = j ? cJSON_PrintUnformatted(j) : NULL;
	snprintf(buf, sizeof(buf), "%s", t ? t : "(null)");
	for (char *c = buf; *c; c++)
		if (*c == '"')
			*c = '\'';
	free(t);
	return buf;
}

static const char *canon(const char *text)
{
	static char out[DDB_NUM_TEXT_MAX + 1];
	struct ddb_num n;
	enum ddb_num_status st = ddb_num_parse(text, &n);
	if (st != DDB_NUM_OK)
		return ddb_num_message(st);
	ddb_num_format(&n, out);
	return out;
}

TEST(ddb_num__prints_one_canonical_form)
{
	is_str(canon("1.50"), "1.5", "trailing zeros go");
	is_str(canon("00042"), "42", "leading zeros go");
	is_str(canon("-0"), "0", "no negative zero");
	is_str(canon("0.000"), "0", "zero");
	is_str(canon("1.5E2"), "150", "exponent expanded");
	is_str(canon("15e-1"), "1.5", "negative exponent");
	is_str(canon("+7"), "7", "plus sign");
	is_str(canon(".25"), "0.25", "no integer digits");
	is_str(canon("-0.0012"), "-0.0012", "small negative");
	is_str(canon("1E125"),
	       "1000000000000000000000000000000000000000000000000000000000000000"
	       "00000000000000000000000000000000000000000000000000000000000000",
	       "the largest exponent");
	is_str(canon("100.001"), "100.001", "zeros inside are digits");
}

TEST(ddb_num__refuses_what_dynamodb_refuses)
{
	is_str(canon("abc"), "A value provided cannot be converted into a number", "letters");
	is_str(canon(""), "A value provided cannot be converted into a number", "empty");
	is_str(canon("1e"), "A value provided cannot be converted into a number", "bare exponent");
	is_str(canon(" 1"), "A value provided cannot be converted into a number", "space");
	is_str(canon("12345678901234567890123456789012345678.9"),
	       "Attempting to store more than 38 significant digits", "39 digits");
	ok(strcmp(canon("1234567890123456789012345678901234567800000"), "1234567890123456789012345"
									"678901234567800000") == 0,
	   "trailing zeros are not significant");
	is_str(canon("1E126"),
	       "Number overflow. Attempting to store a number with magnitude larger than supported "
	       "range",
	       "too large");
	is_str(canon("1E-131"),
	       "Number underflow. Attempting to store a number with magnitude smaller than "
	       "supported range",
	       "too small");
	is_str(canon("1E-130"),
	       "0.00000000000000000000000000000000000000000000000000000000000000"
	       "000000000000000000000000000000000000000000000000000000000000000000"
	       "01",
	       "the smallest magnitude");
}

static const char *sum(const char *a, const char *b, bool minus)
{
	static char out[DDB_NUM_TEXT_MAX + 1];
	struct ddb_num x, y, z;
	ddb_num_parse(a, &x);
	ddb_num_parse(b, &y);
	enum ddb_num_status st = ddb_num_add(&x, &y, minus, &z);
	if (st != DDB_NUM_OK)
		return ddb_num_message(st);
	ddb_num_format(&z, out);
	return out;
}

TEST(ddb_num__adds_exactly)
{
	is_str(sum("0.1", "0.2", false), "0.3", "no binary rounding");
	is_str(sum("1", "-1", false), "0", "to zero");
	is_str(sum("5", "7", true), "-2", "subtraction");
	is_str(sum("99999999999999999999999999999999999999", "1", false),
	       "100000000000000000000000000000000000000", "a carry past 38 digits");
	is_str(sum("-1.005", "0.005", false), "-1", "signs");
	is_str(sum("12345678901234567890123456789012345678", "0.1", false),
	       "Attempting to store more than 38 significant digits", "a sum too precise");
	is_str(sum("9.9999999999999999999999999999999999999E+125", "1E+125", false),
	       "Number overflow. Attempting to store a number with magnitude larger than supported "
	       "range",
	       "overflow");
}

static int key_order(const char *a, const char *b)
{
	struct ddb_num x, y;
	unsigned char ka[DDB_NUM_KEY_MAX], kb[DDB_NUM_KEY_MAX];
	ddb_num_parse(a, &x);
	ddb_num_parse(b, &y);
	size_t na = ddb_num_key(&x, ka), nb = ddb_num_key(&y, kb);
	int c = memcmp(ka, kb, na < nb ? na : nb);
	if (!c)
		c = na == nb ? 0 : na < nb ? -1 : 1;
	return c < 0 ? -1 : c > 0;
}

TEST(ddb_num__keys_sort_as_numbers)
{
	const char *ordered[] = { "-1000", "-10.5", "-10",   "-2",  "-1.23", "-1.2", "-1",
				  "-0.5",  "0",     "0.001", "0.5", "1",     "1.2",  "1.23",
				  "2",     "10",    "10.5",  "99",  "100",   "1E30" };
	size_t n = sizeof(ordered) / sizeof(ordered[0]);
	bool all = true;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int want = i < j ? -1 : i > j;
			if (key_order(ordered[i], ordered[j]) != want) {
				printf("# %s vs %s\n", ordered[i], ordered[j]);
				all = false;
			}
			struct ddb_num x, y;
			ddb_num_parse(ordered[i], &x);
			ddb_num_parse(ordered[j], &y);
			int c = ddb_num_cmp(&x, &y);
			if ((c > 0) - (c < 0) != want)
				all = false;
		}
	ok(all, "keys and comparisons agree with the order of the numbers");
}

TEST(ddb_num__sizes_as_dynamodb_counts)
{
	struct ddb_num n;
	ddb_num_parse("123.45", &n);
	is_int(ddb_num_size(&n), 4, "two digits a byte each side of the point, and one");
	ddb_num_parse("1E125", &n);
	is_int(ddb_num_size(&n), 2, "trailing zeros cost nothing");
	ddb_num_parse("-7", &n);
	is_int(ddb_num_size(&n), 3, "a sign costs one");
}

static const char *clean_error(const char *av)
{
	static char msg[1024];
	struct aws_err err = { 0 };
	cJSON *j = J(av), *c = ddb_av_clean(j, &err);
	snprintf(msg, sizeof(msg), "%s", c ? show(c) : err.message);
	cJSON_Delete(c);
	cJSON_Delete(j);
	return msg;
}

TEST(ddb_value__checks_with_dynamodb_messages)
{
	is_str(clean_error("{}"),
	       "Supplied AttributeValue is empty, must contain exactly one of the supported "
	       "datatypes",
	       "no type");
	is_str(clean_error("{'S':'a','N':'1'}"),
	       "Supplied AttributeValue has more than one datatypes set, must contain exactly one "
	       "of "
	       "the supported datatypes",
	       "two types");
	is_str(clean_error("{'SS':[]}"),
	       "One or more parameter values were invalid: An string set  may not be empty",
	       "an empty string set");
	is_str(clean_error("{'NS':[]}"),
	       "One or more parameter values were invalid: An number set  may not be empty",
	       "an empty number set");
	is_str(clean_error("{'SS':['a','a']}"),
	       "One or more parameter values were invalid: Input collection [a, a] contains "
	       "duplicates.",
	       "a duplicate");
	is_str(clean_error("{'NULL':false}"),
	       "One or more parameter values were invalid: Null attribute value types must have "
	       "the "
	       "value of true",
	       "NULL false");
	is_str(clean_error("{'N':'x1'}"), "A value provided cannot be converted into a number",
	       "a bad number");
	is_str(clean_error("{'M':{'a':{'NS':['1.0','2']},'b':{'L':[{'N':'01'}]}}}"),
	       "{'M':{'a':{'NS':['1','2']},'b':{'L':[{'N':'1'}]}}}", "numbers canonical inside");
	is_str(clean_error("{'B':'YWJj'}"), "{'B':'YWJj'}", "a binary");
	is_str(clean_error("{'S':''}"), "{'S':''}", "an empty string is a value");
}

TEST(ddb_value__sizes_items)
{
	cJSON *item = J("{'id':{'S':'abc'},'n':{'N':'12'},'l':{'L':[{'BOOL':true},{'NULL':true}]},"
			"'m':{'M':{'k':{'S':'v'}}}}");
	/* id 2+3, n 1+2, l 1+(3+2+2), m 1+(3+1+1+1) */
	is_int(ddb_item_size(item), 5 + 3 + 8 + 7, "names, values and the overheads of L and M");
	cJSON_Delete(item);
}

/* Parse expr of type with names and values given as JSON text (NULL: none). Returns the error
 * message, or "" when it parsed and every name and value was used. */
static const char *parse_error(enum ddb_expr_type type, const char *expr, const char *names,
			       const char *values)
{
	static char msg[1024];
	struct aws_err err = { 0 };
	struct ddb_subst s;
	cJSON *n = names ? J(names) : NULL, *v = values ? J(values) : NULL;
	msg[0] = '\0';
	if (ddb_subst_init(&s, n, v, &err)) {
		struct ddb_expr *e = ddb_expr_parse(type, expr, &s, &err);
		if (e && ddb_subst_check_unused(&s, &err))
			err.message[0] = '\0';
		ddb_expr_free(e);
	}
	snprintf(msg, sizeof(msg), "%s", err.message);
	ddb_subst_release(&s);
	cJSON_Delete(n);
	cJSON_Delete(v);
	return msg;
}

TEST(ddb_expr__syntax_errors_name_the_token_and_its_neighbours)
{
	is_str(parse_error(DDB_EXPR_UPDATE, "INVALID SYNTAX HERE", NULL, "{':v':{'S':'x'}}"),
	       "Invalid UpdateExpression: Syntax error; token: \"INVALID\", near: \"INVALID "
	       "SYNTAX\"",
	       "an update that starts with no clause");
	is_str(parse_error(DDB_EXPR_UPDATE, "ADD hits : incr", NULL, "{':incr':{'N':'1'}}"),
	       "Invalid UpdateExpression: Syntax error; token: \":\", near: \"hits : incr\"",
	       "a lone colon");
	is_str(parse_error(DDB_EXPR_PROJECTION, "!!", NULL, NULL),
	       "Invalid ProjectionExpression: Syntax error; token: \"!\", near: \"!!\"",
	       "a character outside the grammar");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET _123 = :v", NULL, "{':v':{'N':'1'}}"),
	       "Invalid UpdateExpression: Syntax error; token: \"_\", near: \"SET _123\"",
	       "names start with a letter");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET a =", NULL, NULL),
	       "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"=\"",
	       "the end of the text");
	is_str(parse_error(DDB_EXPR_CONDITION, "a = :v AND", NULL, "{':v':{'N':'1'}}"),
	       "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\"",
	       "a dangling AND");
	is_str(parse_error(DDB_EXPR_UPDATE, "", NULL, NULL),
	       "Invalid UpdateExpression: The expression can not be empty;", "empty");
	is_str(parse_error(DDB_EXPR_KEY, "  ", NULL, NULL),
	       "Invalid KeyConditionExpression: The expression can not be empty;", "blank");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET a = :v SET b = :v", NULL, "{':v':{'N':'1'}}"),
	       "Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
	       "expression;",
	       "a clause twice");
	is_str(parse_error(DDB_EXPR_CONDITION, "((a = :v))", NULL, "{':v':{'N':'1'}}"),
	       "Invalid ConditionExpression: The expression has redundant parentheses;",
	       "parentheses twice");
	is_str(parse_error(DDB_EXPR_CONDITION,
			   "(attribute_not_exists(pk) AND (attribute_not_exists(#s)))",
			   "{'#s':'status'}", NULL),
	       "", "parentheses that group are fine");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET a[:i] = :v", NULL,
			   "{':v':{'N':'1'},':i':{'N':'1'}}"),
	       "Invalid UpdateExpression: Syntax error; token: \":i\", near: \"[:i]\"",
	       "an index is a number");
}

TEST(ddb_expr__checks_names_values_and_functions)
{
	is_str(parse_error(DDB_EXPR_UPDATE, "SET status = :v", NULL, "{':v':{'S':'x'}}"),
	       "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: "
	       "status",
	       "a reserved word");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET #s = :v", "{'#s':'status'}", "{':v':{'S':'x'}}"),
	       "", "a reserved word through a name");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET attr1 = :v", NULL, NULL),
	       "Invalid UpdateExpression: An expression attribute value used in expression is not "
	       "defined; attribute value: :v",
	       "an undefined value");
	is_str(parse_error(DDB_EXPR_FILTER, "#missing = :v", "{'#a':'a'}", "{':v':{'S':'x'}}"),
	       "Invalid FilterExpression: An expression attribute name used in the document path "
	       "is "
	       "not defined; attribute name: #missing",
	       "an undefined name");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET attr1 = :v", "{'#unused':'x'}",
			   "{':v':{'S':'x'}}"),
	       "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}",
	       "an unused name");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET attr1 = :v", NULL,
			   "{':v':{'S':'x'},':unused':{'S':'y'}}"),
	       "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}",
	       "an unused value");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET a = f(b)", NULL, NULL),
	       "Invalid UpdateExpression: Invalid function name; function: f",
	       "an unknown function");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET a = list_append(:v)", NULL, "{':v':{'L':[]}}"),
	       "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
	       "operator or function: list_append, number of operands: 1",
	       "an operand missing");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET a = list_append(:v, :s)", NULL,
			   "{':v':{'L':[]},':s':{'S':'x'}}"),
	       "Invalid UpdateExpression: Incorrect operand type for operator or function; "
	       "operator or function: list_append, operand type: S",
	       "a list_append of a string");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET b = if_not_exists(:v, :v)", NULL,
			   "{':v':{'N':'1'}}"),
	       "Invalid UpdateExpression: Operator or function requires a document path; operator "
	       "or function: if_not_exists",
	       "if_not_exists of a value");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET a = list_append(list_append(:l, :l), :l)", NULL,
			   "{':l':{'L':[]}}"),
	       "Invalid UpdateExpression: The function is not allowed to be used this way in an "
	       "expression; function: list_append",
	       "list_append inside list_append");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET a = :a + :b", NULL,
			   "{':a':{'S':'x'},':b':{'N':'1'}}"),
	       "Invalid UpdateExpression: Incorrect operand type for operator or function; "
	       "operator or function: +, operand type: S",
	       "a string added");
	is_str(parse_error(DDB_EXPR_UPDATE, "ADD a :v", NULL, "{':v':{'S':'x'}}"),
	       "Invalid UpdateExpression: Incorrect operand type for operator or function; "
	       "operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND",
	       "ADD of a string");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET a = :v REMOVE a", NULL, "{':v':{'N':'1'}}"),
	       "Invalid UpdateExpression: Two document paths overlap with each other; must remove "
	       "or rewrite one of these paths; path one: [a], path two: [a]",
	       "one path twice");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET a.b = :v, a[1] = :v", NULL, "{':v':{'N':'1'}}"),
	       "Invalid UpdateExpression: Two document paths conflict with each other; must remove "
	       "or rewrite one of these paths; path one: [a, b], path two: [a, [1]]",
	       "a map and a list at one path");
	is_str(parse_error(DDB_EXPR_PROJECTION, "a, a.b", NULL, NULL),
	       "Invalid ProjectionExpression: Two document paths overlap with each other; must "
	       "remove or rewrite one of these paths; path one: [a], path two: [a, b]",
	       "a projection that overlaps");
	is_str(parse_error(DDB_EXPR_CONDITION, "a BETWEEN :hi AND :lo", NULL,
			   "{':hi':{'N':'10'},':lo':{'N':'1'}}"),
	       "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be "
	       "greater "
	       "than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper "
	       "bound operand: AttributeValue: {N:1}",
	       "BETWEEN upside down");
	is_str(parse_error(DDB_EXPR_CONDITION, "begins_with(a, :n)", NULL, "{':n':{'N':'1'}}"),
	       "Invalid ConditionExpression: Incorrect operand type for operator or function; "
	       "operator or function: begins_with, operand type: N",
	       "begins_with a number");
	is_str(parse_error(DDB_EXPR_CONDITION, "size(a)", NULL, NULL),
	       "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \")\"",
	       "size alone is no condition");
	is_str(parse_error(DDB_EXPR_CONDITION, "if_not_exists(a, :v) = :v", NULL,
			   "{':v':{'N':'1'}}"),
	       "Invalid ConditionExpression: The function is not allowed in a condition "
	       "expression; "
	       "function: if_not_exists",
	       "an update function in a condition");
	is_str(parse_error(DDB_EXPR_CONDITION,
			   "size(a) > :v AND contains(#l, :v) OR NOT a IN (:v, :v)", "{'#l':'l'}",
			   "{':v':{'N':'1'}}"),
	       "", "a condition that uses everything");
	is_str(parse_error(DDB_EXPR_UPDATE, "SET a = a + :v", NULL, NULL),
	       "Invalid UpdateExpression: An expression attribute value used in expression is not "
	       "defined; attribute value: :v",
	       "values are checked after the syntax");
}

/* Evaluate a condition against an item; values as JSON text. */
static bool cond(const char *expr, const char *values, const char *item)
{
	struct aws_err err = { 0 };
	struct ddb_subst s;
	cJSON *v = values ? J(values) : NULL, *it = item ? J(item) : NULL;
	bool r = false;
	if (!ddb_subst_init(&s, NULL, v, &err)) {
		printf("# %s\n", err.message);
	} else {
		struct ddb_expr *e = ddb_expr_parse(DDB_EXPR_CONDITION, expr, &s, &err);
		if (!e)
			printf("# %s\n", err.message);
		r = e && ddb_expr_match(e, it);
		ddb_expr_free(e);
	}
	ddb_subst_release(&s);
	cJSON_Delete(v);
	cJSON_Delete(it);
	return r;
}

TEST(ddb_expr__evaluates_conditions)
{
	const char *item = "{'a':{'N':'5'},'s':{'S':'hello'},'l':{'L':[{'S':'x'},{'N':'2'}]},"
			   "'ss':{'SS':['p','q']},'m':{'M':{'k':{'BOOL':true}}}}";
	ok(cond("a = :v", "{':v':{'N':'5.0'}}", item), "numbers equal by value");
	ok(!cond("a = :v", "{':v':{'S':'5'}}", item), "types differ");
	ok(cond("a < :v", "{':v':{'N':'10'}}", item), "less than, numerically");
	ok(!cond("s < :v", "{':v':{'N':'10'}}", item), "a string and a number do not compare");
	ok(cond("a BETWEEN :lo AND :hi", "{':lo':{'N':'5'},':hi':{'N':'6'}}", item),
	   "BETWEEN includes its bounds");
	ok(cond("a IN (:x, :y)", "{':x':{'N':'1'},':y':{'N':'5'}}", item), "IN");
	ok(cond("begins_with(s, :p)", "{':p':{'S':'he'}}", item), "begins_with");
	ok(cond("contains(s, :p)", "{':p':{'S':'ell'}}", item), "contains in a string");
	ok(cond("contains(ss, :p)", "{':p':{'S':'q'}}", item), "contains in a set");
	ok(cond("contains(l, :p)", "{':p':{'N':'2'}}", item), "contains in a list");
	ok(cond("size(l) = :n AND size(s) = :five", "{':n':{'N':'2'},':five':{'N':'5'}}", item),
	   "size of a list and of a string");
	ok(cond("attribute_type(m.k, :t)", "{':t':{'S':'BOOL'}}", item), "attribute_type, nested");
	ok(cond("attribute_exists(l[1]) AND attribute_not_exists(l[2])", NULL, item),
	   "list elements exist or not");
	ok(cond("zz <> :v", "{':v':{'N':'1'}}", item), "a missing attribute is not equal");
	ok(!cond("zz = :v", "{':v':{'N':'1'}}", item), "nor equal");
	ok(cond("NOT a = :v OR s = :s", "{':v':{'N':'5'},':s':{'S':'hello'}}", item),
	   "NOT binds tighter than OR");
	ok(!cond("attribute_exists(a)", NULL, NULL), "no item, no attribute");
}

/* Apply an update to an item (JSON text, NULL: none); the result or the error. */
static const char *update(const char *expr, const char *values, const char *item)
{
	static char out[4096];
	struct aws_err err = { 0 };
	struct ddb_subst s;
	cJSON *v = values ? J(values) : NULL, *it = item ? J(item) : NULL, *r = NULL;
	out[0] = '\0';
	if (ddb_subst_init(&s, NULL, v, &err)) {
		struct ddb_expr *e = ddb_expr_parse(DDB_EXPR_UPDATE, expr, &s, &err);
		if (e)
			r = ddb_expr_update(e, it, it != NULL, &err);
		ddb_expr_free(e);
	}
	snprintf(out, sizeof(out), "%s", r ? show(r) : err.message);
	cJSON_Delete(r);
	ddb_subst_release(&s);
	cJSON_Delete(v);
	cJSON_Delete(it);
	return out;
}

TEST(ddb_expr__applies_updates)
{
	is_str(update("SET b = :v", "{':v':{'N':'1'}}", "{'p':{'S':'k'}}"),
	       "{'p':{'S':'k'},'b':{'N':'1'}}", "SET a new attribute");
	is_str(update("SET a = a + :v", "{':v':{'N':'0.1'}}", "{'a':{'N':'0.2'}}"),
	       "{'a':{'N':'0.3'}}", "SET with +, exactly");
	is_str(update("SET x = :one, y = x", "{':one':{'N':'1'}}", "{'p':{'S':'k'}}"),
	       "The provided expression refers to an attribute that does not exist in the item",
	       "values are read before any SET");
	is_str(update("REMOVE a SET b = a", NULL, "{'a':{'S':'hello'}}"), "{'b':{'S':'hello'}}",
	       "REMOVE and read the same attribute");
	is_str(update("SET a = list_append(a, :v)", "{':v':{'L':[{'N':'3'}]}}",
		      "{'a':{'L':[{'N':'1'},{'N':'2'}]}}"),
	       "{'a':{'L':[{'N':'1'},{'N':'2'},{'N':'3'}]}}", "list_append");
	is_str(update("SET l = list_append(if_not_exists(l, :e), :v)",
		      "{':v':{'L':[{'N':'2'}]},':e':{'L':[]}}", "{'k':{'N':'1'}}"),
	       "{'k':{'N':'1'},'l':{'L':[{'N':'2'}]}}", "list_append to a list that may not exist");
	is_str(update("SET a = if_not_exists(a, :v)", "{':v':{'N':'2'}}", "{'a':{'N':'1'}}"),
	       "{'a':{'N':'1'}}", "if_not_exists keeps what exists");
	is_str(update("SET b = if_not_exists(a, :v)", "{':v':{'N':'2'}}", NULL), "{'b':{'N':'2'}}",
	       "if_not_exists on a new item");
	is_str(update("ADD n :v, s :set", "{':v':{'N':'3'},':set':{'SS':['x','y']}}",
		      "{'n':{'N':'4'},'s':{'SS':['y','z']}}"),
	       "{'n':{'N':'7'},'s':{'SS':['y','z','x']}}", "ADD to a number and a set");
	is_str(update("ADD n :v", "{':v':{'N':'3'}}", NULL), "{'n':{'N':'3'}}",
	       "ADD to nothing is zero plus");
	is_str(update("ADD s :v", "{':v':{'N':'1'}}", "{'s':{'S':'hi'}}"),
	       "An operand in the update expression has an incorrect data type",
	       "ADD a number to a string");
	is_str(update("DELETE s :v", "{':v':{'SS':['a','b']}}",
		      "{'s':{'SS':['a','b']},'k':{'N':'1'}}"),
	       "{'k':{'N':'1'}}", "DELETE every element removes the attribute");
	is_str(update("REMOVE a[1] SET a[3] = :v", "{':v':{'N':'17'}}",
		      "{'a':{'L':[{'N':'2'},{'N':'3'},{'N':'4'},{'N':'5'},{'N':'6'},{'N':'7'}]}}"),
	       "{'a':{'L':[{'N':'2'},{'N':'4'},{'N':'17'},{'N':'6'},{'N':'7'}]}}",
	       "list indexes are the positions before the update");
	is_str(update("SET a[84] = :a, a[37] = :b, a[17] = :c",
		      "{':a':{'S':'a1'},':b':{'S':'a2'},':c':{'S':'a3'}}",
		      "{'a':{'L':[{'S':'one'}]}}"),
	       "{'a':{'L':[{'S':'one'},{'S':'a3'},{'S':'a2'},{'S':'a1'}]}}",
	       "SET past the end appends in index order");
	is_str(update("SET a.c = :v", "{':v':{'N':'1'}}", "{'a':{'S':'hello'}}"),
	       "The document path provided in the update expression is invalid for update",
	       "a member of a string");
	is_str(update("REMOVE x.y", NULL, NULL), "{}", "REMOVE from no item is nothing");
	is_str(update("REMOVE c.c", NULL, "{'a':{'N':'1'}}"),
	       "The document path provided in the update expression is invalid for update",
	       "REMOVE under a missing attribute");
	is_str(update("REMOVE a.y, b[7], c", NULL, "{'a':{'M':{'x':{'N':'3'}}},'b':{'L':[]}}"),
	       "{'a':{'M':{'x':{'N':'3'}}},'b':{'L':[]}}", "REMOVE what is not there");
	is_str(update("SET a.c[1].x.y[1] = :v", "{':v':{'N':'9'}}",
		      "{'a':{'M':{'c':{'L':[{'S':'hi'},{'M':{'x':{'M':{'y':{'L':[{'N':'3'},{'N':'5'"
		      "}]}}}}}]}}}}"),
	       "{'a':{'M':{'c':{'L':[{'S':'hi'},{'M':{'x':{'M':{'y':{'L':[{'N':'3'},{'N':'9'}]}}}}}"
	       "]}}}}",
	       "a deep path");
}

static const char *project(const char *expr, const char *item)
{
	static char out[4096];
	struct aws_err err = { 0 };
	struct ddb_subst s;
	cJSON *it = J(item), *r = NULL;
	ddb_subst_init(&s, NULL, NULL, &err);
	struct ddb_expr *e = ddb_expr_parse(DDB_EXPR_PROJECTION, expr, &s, &err);
	if (e)
		r = ddb_expr_project(e, it);
	snprintf(out, sizeof(out), "%s", r ? show(r) : err.message);
	cJSON_Delete(r);
	ddb_expr_free(e);
	ddb_subst_release(&s);
	cJSON_Delete(it);
	return out;
}

TEST(ddb_expr__projects)
{
	const char *item = "{'a':{'N':'1'},'b':{'M':{'x':{'N':'2'},'y':{'N':'3'}}},"
			   "'l':{'L':[{'S':'0'},{'S':'1'},{'S':'2'}]}}";
	is_str(project("a, b.y, l[2], l[0], nope", item),
	       "{'a':{'N':'1'},'b':{'M':{'y':{'N':'3'}}},'l':{'L':[{'S':'0'},{'S':'2'}]}}",
	       "attributes, members and elements in index order");
	is_str(project("b.nope", item), "{}", "nothing at a path projects nothing");
}

static const char *keys(const char *expr, const char *values, const char *hash, const char *range)
{
	static char out[1024];
	struct aws_err err = { 0 };
	struct ddb_subst s;
	cJSON *v = J(values);
	out[0] = '\0';
	if (ddb_subst_init(&s, NULL, v, &err)) {
		struct ddb_expr *e = ddb_expr_parse(DDB_EXPR_KEY, expr, &s, &err);
		if (e && ddb_expr_key_conds(e, hash, range, &err)) {
			snprintf(out, sizeof(out), "%zu %s %d", e->nkeys, e->keys[0].name,
				 e->nkeys > 1 ? (int)e->keys[1].op : -1);
			err.message[0] = '\0';
		}
		ddb_expr_free(e);
	}
	if (err.message[0])
		snprintf(out, sizeof(out), "%s", err.message);
	ddb_subst_release(&s);
	cJSON_Delete(v);
	return out;
}

TEST(ddb_expr__splits_key_conditions)
{
	const char *v = "{':a':{'S':'x'},':b':{'S':'y'}}";
	is_str(keys("pk = :a AND begins_with(sk, :b)", v, "pk", "sk"), "2 pk 6",
	       "the partition key first");
	is_str(keys("sk BETWEEN :a AND :b AND pk = :a", v, "pk", "sk"), "2 pk 5", "in any order");
	is_str(keys("sk = :a", v, "pk", "sk"), "Query condition missed key schema element: pk",
	       "no partition key");
	is_str(keys("pk = :a OR sk = :b", v, "pk", "sk"),
	       "Invalid operator used in KeyConditionExpression: OR", "OR");
	is_str(keys("pk > :a", v, "pk", "sk"), "Query key condition not supported",
	       "a range on the partition key");
	is_str(keys("pk = :a AND qq = :b", v, "pk", "sk"),
	       "Query condition missed key schema element: sk", "another attribute");
}

int main(void)
{
	RUN(ddb_num__prints_one_canonical_form);
	RUN(ddb_num__refuses_what_dynamodb_refuses);
	RUN(ddb_num__adds_exactly);
	RUN(ddb_num__keys_sort_as_numbers);
	RUN(ddb_num__sizes_as_dynamodb_counts);
	RUN(ddb_value__checks_with_dynamodb_messages);
	RUN(ddb_value__sizes_items);
	RUN(ddb_expr__syntax_errors_name_the_token_and_its_neighbours);
	RUN(ddb_expr__checks_names_values_and_functions);
	RUN(ddb_expr__evaluates_conditions);
	RUN(ddb_expr__applies_updates);
	RUN(ddb_expr__projects);
	RUN(ddb_expr__splits_key_conditions);
	return done();
}
