/*
 * Filter policies: the checks walk the policy once (structure, operators, keys, combinations);
 * the match walks it against a set of JSON nodes, the values found at the policy's path in the
 * message (arrays in the message are flattened into the set, as AWS does).
 */
#include "cloud/sns/filter.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "core/vec.h"

bool sns_filter_scope_parse(const char *text, enum sns_filter_scope *out)
{
	if (!text || !text[0] || strcmp(text, "MessageAttributes") == 0) {
		*out = SNS_FILTER_ATTRIBUTES;
		return true;
	}
	if (strcmp(text, "MessageBody") == 0) {
		*out = SNS_FILTER_BODY;
		return true;
	}
	return false;
}

/* "$or" is an operator only with an array of at least two objects; else it is a key. */
static bool is_or(const cJSON *item)
{
	if (!item->string || strcmp(item->string, "$or") != 0 || !cJSON_IsArray(item) ||
	    cJSON_GetArraySize(item) < 2)
		return false;
	const cJSON *b;
	cJSON_ArrayForEach(b, item)
	{
		if (!cJSON_IsObject(b))
			return false;
	}
	return true;
}

/* The checks. */

struct check {
	enum sns_filter_scope scope;
	char *msg;
	size_t n;
};

static bool fail(struct check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(struct check *k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k->msg, k->n, fmt, ap);
	va_end(ap);
	return false;
}

static bool is_numeric_op(const char *op)
{
	return strcmp(op, "<") == 0 || strcmp(op, "<=") == 0 || strcmp(op, "=") == 0 ||
	       strcmp(op, ">") == 0 || strcmp(op, ">=") == 0;
}

/* A short text for a JSON value in a message (strings bare, others printed). */
static void describe(const cJSON *v, char *out, size_t n)
{
	if (cJSON_IsString(v)) {
		snprintf(out, n, "%s", v->valuestring);
		return;
	}
	char *text = v ? cJSON_PrintUnformatted(v) : NULL;
	snprintf(out, n, "%s", text ? text : "]");
	free(text);
}

static bool check_numeric(struct check *k, const cJSON *v)
{
	char what[64];
	if (!cJSON_IsArray(v))
		return fail(k, "FilterPolicy: Value of numeric must be an array.");
	int len = cJSON_GetArraySize(v);
	const cJSON *op = cJSON_GetArrayItem(v, 0);
	if (!op)
		return fail(k, "FilterPolicy: Invalid member in numeric match: ]");
	if (!cJSON_IsString(op)) {
		describe(op, what, sizeof(what));
		return fail(k, "FilterPolicy: Invalid member in numeric match: %s", what);
	}
	if (!is_numeric_op(op->valuestring))
		return fail(k, "FilterPolicy: Unrecognized numeric range operator: %s",
			    op->valuestring);
	const cJSON *lo = cJSON_GetArrayItem(v, 1);
	if (!cJSON_IsNumber(lo))
		return fail(k, "FilterPolicy: Value of %s must be numeric",
			    strcmp(op->valuestring, "=") == 0 ? "equals" : op->valuestring);
	if (len == 2)
		return true;
	if (op->valuestring[0] != '>')
		return fail(k, "FilterPolicy: Too many elements in numeric expression");
	const cJSON *op2 = cJSON_GetArrayItem(v, 2);
	if (!cJSON_IsString(op2)) {
		describe(op2, what, sizeof(what));
		return fail(k, "FilterPolicy: Bad value in numeric range: %s", what);
	}
	if (op2->valuestring[0] != '<' || !is_numeric_op(op2->valuestring))
		return fail(k, "FilterPolicy: Bad numeric range operator: %s", op2->valuestring);
	const cJSON *hi = cJSON_GetArrayItem(v, 3);
	if (!cJSON_IsNumber(hi))
		return fail(k, "FilterPolicy: Value of %s must be numeric", op2->valuestring);
	if (hi->valuedouble <= lo->valuedouble)
		return fail(k, "FilterPolicy: Bottom must be less than top");
	if (len > 4)
		return fail(k, "FilterPolicy: Too many terms in numeric range expression");
	return true;
}

/* A parsed CIDR block. */
struct cidr {
	int family;
	unsigned char addr[16];
	int bits;
};

static bool parse_ip(const char *text, int *family, unsigned char addr[16])
{
	if (inet_pton(AF_INET, text, addr) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, addr) == 1) {
		*family = AF_INET6;
		return true;
	}
	return false;
}

/* Parse "a.b.c.d/n" or "x::y/n"; on failure, AWS's reason in k (when k is not NULL). */
static bool parse_cidr(const char *text, struct cidr *out, struct check *k)
{
	const char *slash = strchr(text, '/');
	if (!slash || strchr(slash + 1, '/'))
		return k ? fail(k, "FilterPolicy: Malformed CIDR, one '/' required") : false;
	char *end = NULL;
	errno = 0;
	long bits = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || errno || !isdigit((unsigned char)slash[1]))
		return k ? fail(k, "FilterPolicy: Malformed CIDR, mask bits must be an integer")
			 : false;
	char ip[64];
	size_t len = (size_t)(slash - text);
	if (len >= sizeof(ip))
		len = sizeof(ip) - 1;
	memcpy(ip, text, len);
	ip[len] = '\0';
	if (!parse_ip(ip, &out->family, out->addr) || bits > (out->family == AF_INET ? 32 : 128))
		return k ? fail(k, "FilterPolicy: Nonstandard IP address: %s", ip) : false;
	out->bits = (int)bits;
	return true;
}

static bool check_string_operand(struct check *k, const char *op, const cJSON *v)
{
	if (!cJSON_IsString(v))
		return fail(k, "FilterPolicy: %s match pattern must be a string", op);
	return true;
}

static bool check_anything_but(struct check *k, const cJSON *v)
{
	if (cJSON_IsString(v) || cJSON_IsNumber(v))
		return true;
	if (cJSON_IsArray(v)) {
		if (!v->child)
			return fail(k, "FilterPolicy: Empty arrays are not allowed");
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
		{
			if (!cJSON_IsString(e) && !cJSON_IsNumber(e))
				return fail(k,
					    "FilterPolicy: Inside anything but list, %s is not "
					    "supported.",
					    cJSON_IsObject(e)  ? "start"
					    : cJSON_IsArray(e) ? "start"
					    : cJSON_IsNull(e)  ? "null"
							       : "boolean");
		}
		return true;
	}
	if (cJSON_IsObject(v)) {
		const cJSON *in = v->child;
		if (!in || in->next)
			return fail(k, "FilterPolicy: Only one key allowed in match expression");
		if (strcmp(in->string, "prefix") != 0 && strcmp(in->string, "suffix") != 0 &&
		    strcmp(in->string, "equals-ignore-case") != 0)
			return fail(k, "FilterPolicy: Unsupported anything-but pattern: %s",
				    in->string);
		return check_string_operand(k, in->string, in);
	}
	return fail(k, "FilterPolicy: Match value must be String, number, true, false, or null");
}

static bool check_rule(struct check *k, const cJSON *r)
{
	if (cJSON_IsString(r) || cJSON_IsNumber(r) || cJSON_IsBool(r) || cJSON_IsNull(r))
		return true;
	if (!cJSON_IsObject(r))
		return fail(k, "FilterPolicy: Match value must be String, number, true, false, "
			       "or null");
	const cJSON *op = r->child;
	if (!op || op->next)
		return fail(k, "FilterPolicy: Only one key allowed in match expression");
	const char *name = op->string;
	if (strcmp(name, "prefix") == 0 || strcmp(name, "suffix") == 0 ||
	    strcmp(name, "equals-ignore-case") == 0)
		return check_string_operand(k, name, op);
	if (strcmp(name, "anything-but") == 0)
		return check_anything_but(k, op);
	if (strcmp(name, "exists") == 0) {
		if (!cJSON_IsBool(op))
			return fail(k, "FilterPolicy: exists match pattern must be either true or "
				       "false.");
		return true;
	}
	if (strcmp(name, "numeric") == 0)
		return check_numeric(k, op);
	if (strcmp(name, "cidr") == 0) {
		struct cidr c;
		if (!cJSON_IsString(op))
			return fail(k, "FilterPolicy: prefix match pattern must be a string");
		return parse_cidr(op->valuestring, &c, k);
	}
	return fail(k, "FilterPolicy: Unrecognized match type %s", name);
}

/* Check the structure and every rule of an object of the policy. */
static bool check_object(struct check *k, const cJSON *o)
{
	const cJSON *item;
	cJSON_ArrayForEach(item, o)
	{
		if (is_or(item)) {
			const cJSON *b;
			cJSON_ArrayForEach(b, item)
			{
				if (!check_object(k, b))
					return false;
			}
		} else if (cJSON_IsObject(item)) {
			if (k->scope == SNS_FILTER_ATTRIBUTES)
				return fail(k, "Filter policy scope MessageAttributes does not "
					       "support nested filter policy");
			if (!check_object(k, item))
				return false;
		} else if (cJSON_IsArray(item)) {
			if (!item->child)
				return fail(k, "FilterPolicy: Empty arrays are not allowed");
			const cJSON *r;
			cJSON_ArrayForEach(r, item)
			{
				if (!check_rule(k, r))
					return false;
			}
		} else {
			return fail(k, "FilterPolicy: \"%s\" must be an object or an array",
				    item->string);
		}
	}
	return true;
}

/* The top-level key names, "$or" branches' own merged in; false past SNS_FILTER_MAX_KEYS. */
static bool count_keys(const cJSON *o, const char **names, int *count)
{
	const cJSON *item;
	cJSON_ArrayForEach(item, o)
	{
		if (is_or(item)) {
			const cJSON *b;
			cJSON_ArrayForEach(b, item)
			{
				if (!count_keys(b, names, count))
					return false;
			}
			continue;
		}
		bool seen = false;
		for (int i = 0; i < *count && !seen; i++)
			seen = strcmp(names[i], item->string) == 0;
		if (seen)
			continue;
		if (*count == SNS_FILTER_MAX_KEYS)
			return false;
		names[(*count)++] = item->string;
	}
	return true;
}

/* The policy's combinations: a product over keys, a sum over "$or" branches (saturating). */
static unsigned long long combinations(const cJSON *o)
{
	const unsigned long long cap = 1ULL << 32;
	unsigned long long total = 1;
	const cJSON *item;
	cJSON_ArrayForEach(item, o)
	{
		unsigned long long n = 1;
		if (is_or(item)) {
			n = 0;
			const cJSON *b;
			cJSON_ArrayForEach(b, item)
			{
				n += combinations(b);
				if (n > cap)
					n = cap;
			}
		} else if (cJSON_IsObject(item)) {
			n = combinations(item);
		} else if (cJSON_IsArray(item)) {
			n = (unsigned long long)cJSON_GetArraySize(item);
		}
		total *= n ? n : 1;
		if (total > cap)
			total = cap;
	}
	return total;
}

static bool check(const char *policy, enum sns_filter_scope scope, bool limits, char *msg, size_t n)
{
	struct check k = { scope, msg, n };
	if (n)
		msg[0] = '\0';
	if (!policy || !policy[0])
		return true;
	cJSON *o = cJSON_Parse(policy);
	if (!o) {
		/* Where the parser stopped, as a column from 1. */
		const char *at = cJSON_GetErrorPtr();
		long col = at && at >= policy && at <= policy + strlen(policy)
				   ? (long)(at - policy) + 1
				   : 1;
		return fail(&k,
			    "FilterPolicy: failed to parse JSON. Unexpected token at column %ld",
			    col);
	}
	bool ok = true;
	const char *names[SNS_FILTER_MAX_KEYS];
	int count = 0;
	if (!cJSON_IsObject(o))
		ok = fail(&k, "FilterPolicy: Filter policy must be a JSON object");
	else if (limits && !count_keys(o, names, &count))
		ok = fail(&k, "FilterPolicy: Filter policy can not have more than %d keys",
			  SNS_FILTER_MAX_KEYS);
	else if (!check_object(&k, o))
		ok = false;
	else if (limits && combinations(o) > SNS_FILTER_MAX_COMBINATIONS)
		ok = fail(&k, "FilterPolicy: Filter policy is too complex");
	cJSON_Delete(o);
	return ok;
}

bool sns_filter_check(const char *policy, enum sns_filter_scope scope, char *msg, size_t n)
{
	return check(policy, scope, true, msg, n);
}

bool sns_filter_check_pattern(const char *pattern, char *msg, size_t n)
{
	if (!pattern || !pattern[0]) {
		snprintf(msg, n, "Event pattern must not be empty");
		return false;
	}
	if (check(pattern, SNS_FILTER_BODY, false, msg, n))
		return true;
	const char *prefix = "FilterPolicy: ";
	if (str_starts_with(msg, prefix))
		memmove(msg, msg + strlen(prefix), strlen(msg + strlen(prefix)) + 1);
	return false;
}

/* The match. */

/* Numbers agree to five decimal places, as AWS compares them. */
static int num_cmp(double a, double b)
{
	if (fabs(a) < 1e12 && fabs(b) < 1e12) {
		long long x = llround(a * 1e5), y = llround(b * 1e5);
		return x < y ? -1 : x > y;
	}
	return a < b ? -1 : a > b;
}

/* Append v to set, with the elements of arrays (at any depth) in its place. */
static void add_flat(struct vec *set, const cJSON *v)
{
	if (cJSON_IsArray(v)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
		{
			add_flat(set, e);
		}
	} else {
		vec_push(set, (void *)v);
	}
}

/* The values under key of every object in nodes. */
static void children(const struct vec *nodes, const char *key, struct vec *out)
{
	vec_for_each (nodes, i) {
		const cJSON *n = nodes->items[i];
		if (!cJSON_IsObject(n))
			continue;
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(n, key);
		if (c)
			add_flat(out, c);
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static bool equals_ignore_case(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

/* An exact condition (string, number, true, false, null) against one value. */
static bool same(const cJSON *cond, const cJSON *v)
{
	if (cJSON_IsString(cond))
		return cJSON_IsString(v) && strcmp(cond->valuestring, v->valuestring) == 0;
	if (cJSON_IsNumber(cond))
		return cJSON_IsNumber(v) && num_cmp(cond->valuedouble, v->valuedouble) == 0;
	if (cJSON_IsTrue(cond))
		return cJSON_IsTrue(v);
	if (cJSON_IsFalse(cond))
		return cJSON_IsFalse(v);
	if (cJSON_IsNull(cond))
		return cJSON_IsNull(v);
	return false;
}

static bool numeric(const cJSON *ops, double x)
{
	for (const cJSON *op = ops ? ops->child : NULL; op && op->next; op = op->next->next) {
		int c = num_cmp(x, op->next->valuedouble);
		const char *o = op->valuestring;
		bool ok = strcmp(o, "=") == 0    ? c == 0
			  : strcmp(o, "<") == 0  ? c < 0
			  : strcmp(o, "<=") == 0 ? c <= 0
			  : strcmp(o, ">") == 0  ? c > 0
						 : c >= 0;
		if (!ok)
			return false;
	}
	return true;
}

static bool in_cidr(const char *block, const char *ip)
{
	struct cidr c;
	int family;
	unsigned char addr[16];
	if (!parse_cidr(block, &c, NULL) || !parse_ip(ip, &family, addr) || family != c.family)
		return false;
	int full = c.bits / 8, rest = c.bits % 8;
	if (memcmp(addr, c.addr, (size_t)full) != 0)
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (addr[full] & mask) == (c.addr[full] & mask);
}

/* A string operator (prefix, suffix, equals-ignore-case) against one value. */
static bool string_op(const char *op, const char *operand, const cJSON *v)
{
	if (!cJSON_IsString(v))
		return false;
	if (strcmp(op, "prefix") == 0)
		return str_starts_with(v->valuestring, operand);
	if (strcmp(op, "suffix") == 0)
		return ends_with(v->valuestring, operand);
	return equals_ignore_case(v->valuestring, operand);
}

/* One condition against one value (never an array: sets are flat). */
static bool value_match(const cJSON *cond, const cJSON *v)
{
	if (cJSON_IsObject(v))
		return false;
	if (!cJSON_IsObject(cond))
		return same(cond, v);
	const cJSON *op = cond->child;
	const char *name = op->string;
	if (strcmp(name, "prefix") == 0 || strcmp(name, "suffix") == 0 ||
	    strcmp(name, "equals-ignore-case") == 0)
		return string_op(name, op->valuestring, v);
	if (strcmp(name, "numeric") == 0)
		return cJSON_IsNumber(v) && numeric(op, v->valuedouble);
	if (strcmp(name, "cidr") == 0)
		return cJSON_IsString(v) && in_cidr(op->valuestring, v->valuestring);
	if (strcmp(name, "anything-but") == 0) {
		if (!cJSON_IsString(v) && !cJSON_IsNumber(v))
			return false;
		if (cJSON_IsObject(op))
			return !string_op(op->child->string, op->child->valuestring, v);
		if (cJSON_IsArray(op)) {
			const cJSON *e;
			cJSON_ArrayForEach(e, op)
			{
				if (same(e, v))
					return false;
			}
			return true;
		}
		return !same(op, v);
	}
	return false;
}

/* One condition of a key's array against the values found for the key. */
static bool condition_match(const cJSON *cond, const struct vec *values)
{
	const cJSON *exists =
		cJSON_IsObject(cond) ? cJSON_GetObjectItemCaseSensitive(cond, "exists") : NULL;
	if (exists) {
		bool leaf = false;
		vec_for_each (values, i)
			leaf = leaf || !cJSON_IsObject((const cJSON *)values->items[i]);
		return leaf == cJSON_IsTrue(exists);
	}
	vec_for_each (values, i)
		if (value_match(cond, values->items[i]))
			return true;
	return false;
}

static bool object_match(const cJSON *policy, const struct vec *nodes)
{
	const cJSON *item;
	cJSON_ArrayForEach(item, policy)
	{
		bool ok = false;
		if (is_or(item)) {
			const cJSON *b;
			cJSON_ArrayForEach(b, item)
			{
				ok = ok || object_match(b, nodes);
			}
		} else {
			struct vec values = VEC_INIT;
			children(nodes, item->string, &values);
			if (cJSON_IsObject(item)) {
				ok = object_match(item, &values);
			} else {
				const cJSON *cond;
				cJSON_ArrayForEach(cond, item)
				{
					ok = ok || condition_match(cond, &values);
				}
			}
			vec_release(&values);
		}
		if (!ok)
			return false;
	}
	return true;
}

/* The attributes as one JSON object of typed values; Binary ones left out. Caller deletes. */
static cJSON *attributes_object(const cJSON *attrs)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *a;
	cJSON_ArrayForEach(a, attrs)
	{
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(a, "DataType");
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(a, "StringValue");
		const char *type = cJSON_IsString(t) ? t->valuestring : "String";
		if (!a->string || str_starts_with(type, "Binary") || !cJSON_IsString(s))
			continue;
		cJSON *v = NULL;
		if (strcmp(type, "String.Array") == 0) {
			v = cJSON_Parse(s->valuestring);
			if (!cJSON_IsArray(v)) {
				cJSON_Delete(v);
				v = NULL;
			}
		} else if (str_starts_with(type, "Number")) {
			char *end = NULL;
			errno = 0;
			double d = strtod(s->valuestring, &end);
			if (end != s->valuestring && !*end && !errno && isfinite(d))
				v = cJSON_CreateNumber(d);
		}
		cJSON_AddItemToObject(o, a->string, v ? v : cJSON_CreateString(s->valuestring));
	}
	return o;
}

bool sns_filter_match_json(const cJSON *policy, const cJSON *doc)
{
	if (!cJSON_IsObject(policy) || !policy->child)
		return true;
	if (!cJSON_IsObject(doc))
		return false;
	struct vec nodes = VEC_INIT;
	vec_push(&nodes, (void *)doc);
	bool ok = object_match(policy, &nodes);
	vec_release(&nodes);
	return ok;
}

bool sns_filter_match(const cJSON *policy, enum sns_filter_scope scope, const char *message,
		      const cJSON *attrs)
{
	if (!cJSON_IsObject(policy) || !policy->child)
		return true;
	cJSON *root = scope == SNS_FILTER_BODY ? (message ? cJSON_Parse(message) : NULL)
					       : attributes_object(attrs);
	bool ok = false;
	if (cJSON_IsObject(root)) {
		struct vec nodes = VEC_INIT;
		vec_push(&nodes, root);
		ok = object_match(policy, &nodes);
		vec_release(&nodes);
	}
	cJSON_Delete(root);
	return ok;
}
