/*
 * The intrinsic functions. Each takes its argument as written, evaluates what it needs of it,
 * and answers a fresh cJSON value; Fn::If is the one that can answer "no value".
 */
#include "cloud/cfn/intrinsic.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

#define SUPPORTED_FUNCTIONS                                                                 \
	"[Fn::Base64, Fn::GetAtt, Fn::GetAZs, Fn::ImportValue, Fn::Join, Fn::Split, "       \
	"Fn::FindInMap, Fn::Select, Ref, Fn::Equals, Fn::If, Fn::Not, Condition, Fn::And, " \
	"Fn::Or, Fn::Sub, Fn::Cidr]"

/* Deeper than any template: a guard against conditions that name each other in a loop. */
#define EVAL_MAX_DEPTH 100

const char *cfn_intrinsic_name(const cJSON *value)
{
	if (!cJSON_IsObject(value) || !value->child || value->child->next)
		return NULL;
	const char *k = value->child->string;
	if (strcmp(k, "Ref") == 0 || strcmp(k, "Condition") == 0 || strncmp(k, "Fn::", 4) == 0)
		return k;
	return NULL;
}

char *cfn_scalar_string(const cJSON *value)
{
	if (cJSON_IsString(value))
		return xstrdup(value->valuestring);
	if (cJSON_IsBool(value))
		return xstrdup(cJSON_IsTrue(value) ? "true" : "false");
	if (cJSON_IsNumber(value)) {
		double d = value->valuedouble;
		if (d == floor(d) && fabs(d) < 1e17)
			return xasprintf("%.0f", d);
		char buf[64];
		snprintf(buf, sizeof(buf), "%.15g", d);
		if (strtod(buf, NULL) != d)
			snprintf(buf, sizeof(buf), "%.17g", d);
		return xstrdup(buf);
	}
	return NULL;
}

static bool eval_at(struct cfn_eval *ev, const cJSON *value, cJSON **out, int depth,
		    struct error *err);

static bool is_pseudo(const char *name)
{
	static const char *const names[] = {
		"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue",
		"AWS::Partition", "AWS::Region",           "AWS::StackId",
		"AWS::StackName", "AWS::URLSuffix",        NULL
	};
	for (const char *const *p = names; *p; p++) {
		if (strcmp(*p, name) == 0)
			return true;
	}
	return false;
}

/* Ref to a pseudo-parameter or a parameter; *found false when name is neither. */
static bool ref_value(struct cfn_eval *ev, const char *name, cJSON **out, bool *found)
{
	*found = true;
	*out = NULL;
	if (strcmp(name, "AWS::AccountId") == 0)
		*out = cJSON_CreateString(ev->account ? ev->account : "");
	else if (strcmp(name, "AWS::Region") == 0)
		*out = cJSON_CreateString(ev->region ? ev->region : "us-east-1");
	else if (strcmp(name, "AWS::Partition") == 0)
		*out = cJSON_CreateString(ev->partition ? ev->partition : "aws");
	else if (strcmp(name, "AWS::StackName") == 0)
		*out = cJSON_CreateString(ev->stack_name ? ev->stack_name : "");
	else if (strcmp(name, "AWS::StackId") == 0)
		*out = cJSON_CreateString(ev->stack_id ? ev->stack_id : "");
	else if (strcmp(name, "AWS::URLSuffix") == 0)
		*out = cJSON_CreateString("amazonaws.com");
	else if (strcmp(name, "AWS::NotificationARNs") == 0)
		*out = ev->notification_arns ? cJSON_Duplicate(ev->notification_arns, true)
					     : cJSON_CreateArray();
	else if (strcmp(name, "AWS::NoValue") == 0)
		return true;
	else {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(ev->params, name);
		if (p)
			*out = cJSON_Duplicate(p, true);
		else
			*found = false;
	}
	return true;
}

static bool is_resource(const struct cfn_eval *ev, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(ev->resources, name) != NULL;
}

static bool do_ref(struct cfn_eval *ev, const cJSON *arg, cJSON **out, int depth, struct error *err)
{
	if (!cJSON_IsString(arg))
		return error_set(err, "Template format error: Every Ref object must have a single "
				      "String value.");
	const char *name = arg->valuestring;
	bool found;
	if (!ref_value(ev, name, out, &found))
		return false;
	if (found)
		return true;
	if (is_resource(ev, name)) {
		if (!ev->ref)
			return error_set(
				err,
				"Template format error: Unresolved dependencies [%s]. Cannot "
				"reference resources in the Conditions block of the template",
				name);
		return ev->ref(ev->arg, name, out, err);
	}
	return error_set(err,
			 "Template format error: Unresolved resource dependencies [%s] in the "
			 "Resources block of the template",
			 name);
}

static bool do_getatt(struct cfn_eval *ev, const cJSON *arg, cJSON **out, int depth,
		      struct error *err)
{
	char *res = NULL, *att = NULL;
	bool ok = false;
	if (cJSON_IsString(arg) && strchr(arg->valuestring, '.')) {
		const char *dot = strchr(arg->valuestring, '.');
		res = xstrndup(arg->valuestring, (size_t)(dot - arg->valuestring));
		att = xstrdup(dot + 1);
	} else if (cJSON_IsArray(arg) && cJSON_GetArraySize(arg) == 2 &&
		   cJSON_IsString(arg->child)) {
		res = xstrdup(arg->child->valuestring);
		cJSON *a = NULL;
		if (!eval_at(ev, arg->child->next, &a, depth + 1, err))
			goto done;
		att = cfn_scalar_string(a);
		cJSON_Delete(a);
	}
	if (!res || !att || !*res || !*att) {
		error_set(err, "Template error: every Fn::GetAtt object requires two non-empty "
			       "parameters, the resource name and the resource attribute");
		goto done;
	}
	if (!is_resource(ev, res)) {
		error_set(err,
			  "Template error: instance of Fn::GetAtt references undefined "
			  "resource %s",
			  res);
		goto done;
	}
	if (!ev->getatt) {
		error_set(err,
			  "Template format error: Unresolved dependencies [%s]. Cannot reference "
			  "resources in the Conditions block of the template",
			  res);
		goto done;
	}
	ok = ev->getatt(ev->arg, res, att, out, err);
done:
	free(res);
	free(att);
	return ok;
}

/*
 * At p ("${..."): a variable reference. Returns 1 with *name (caller frees) and *next after
 * the closing brace, 0 when this is not a reference (no closing brace), -1 with err set when
 * the name is not allowed.
 */
static int sub_var_at(const char *p, char **name, const char **next, struct error *err)
{
	const char *end = strchr(p + 2, '}');
	if (!end)
		return 0;
	char *var = xstrndup(p + 2, (size_t)(end - p - 2));
	/* CloudFormation tolerates blanks inside the braces. */
	size_t skip = strspn(var, " ");
	memmove(var, var + skip, strlen(var + skip) + 1);
	size_t n = strlen(var);
	while (n && var[n - 1] == ' ')
		var[--n] = '\0';
	bool good = n > 0;
	for (const char *c = var; *c && good; c++) {
		good = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		       (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' || *c == ':';
	}
	if (!good) {
		free(var);
		error_set(err, "Template error: variable names in Fn::Sub syntax must contain only "
			       "alphanumeric characters, underscores, periods, and colons");
		return -1;
	}
	*name = var;
	*next = end + 1;
	return 1;
}

bool cfn_sub_vars(const char *s, bool (*fn)(void *arg, const char *var, struct error *err),
		  void *arg, struct error *err)
{
	for (const char *p = s; *p;) {
		if (p[0] != '$' || p[1] != '{' || p[2] == '!') {
			p += p[0] == '$' && p[1] == '{' ? 3 : 1;
			continue;
		}
		char *var = NULL;
		const char *next = NULL;
		int r = sub_var_at(p, &var, &next, err);
		if (r < 0)
			return false;
		if (r == 0)
			return true; /* an unclosed ${ is literal text */
		bool ok = fn(arg, var, err);
		free(var);
		if (!ok)
			return false;
		p = next;
	}
	return true;
}

struct sub_state {
	struct cfn_eval *ev;
	const cJSON *vars; /* evaluated variable map of the two-argument form */
	struct strbuf out;
	int depth;
};

/* The text of one ${var}. */
static bool sub_value(struct sub_state *st, const char *var, char **text, struct error *err)
{
	cJSON *v = NULL;
	const cJSON *given = cJSON_GetObjectItemCaseSensitive(st->vars, var);
	bool ok;
	if (given) {
		v = cJSON_Duplicate(given, true);
		ok = true;
	} else if (strchr(var, '.') && !is_pseudo(var)) {
		cJSON *pair = cJSON_CreateString(var);
		ok = do_getatt(st->ev, pair, &v, st->depth, err);
		cJSON_Delete(pair);
	} else {
		cJSON *name = cJSON_CreateString(var);
		ok = do_ref(st->ev, name, &v, st->depth, err);
		cJSON_Delete(name);
	}
	if (!ok)
		return false;
	*text = cfn_scalar_string(v);
	cJSON_Delete(v);
	if (!*text)
		return error_set(err,
				 "Template error: variable %s in Fn::Sub expression does not "
				 "resolve to a string",
				 var);
	return true;
}

static bool do_sub(struct cfn_eval *ev, const cJSON *arg, cJSON **out, int depth, struct error *err)
{
	const cJSON *str = arg, *vars_in = NULL;
	if (cJSON_IsArray(arg)) {
		str = arg->child;
		vars_in = str ? str->next : NULL;
		if (cJSON_GetArraySize(arg) != 2 || !cJSON_IsObject(vars_in))
			return error_set(err, "Template error: One or more Fn::Sub intrinsic "
					      "functions don't specify expected arguments. Specify "
					      "a string as first argument, and an optional second "
					      "argument to specify a mapping of values to replace "
					      "in the string");
	}
	if (!cJSON_IsString(str))
		return error_set(err, "Template error: One or more Fn::Sub intrinsic functions "
				      "don't specify expected arguments. Specify a string as first "
				      "argument, and an optional second argument to specify a "
				      "mapping of values to replace in the string");
	struct sub_state st = { .ev = ev, .out = STRBUF_INIT, .depth = depth };
	cJSON *vars = NULL;
	if (vars_in && !eval_at(ev, vars_in, &vars, depth + 1, err))
		return false;
	st.vars = vars;
	bool ok = true;
	for (const char *p = str->valuestring; *p && ok;) {
		if (p[0] == '$' && p[1] == '{' && p[2] == '!') {
			strbuf_addstr(&st.out, "${");
			p += 3;
			continue;
		}
		char *var = NULL;
		const char *next = NULL;
		int r = p[0] == '$' && p[1] == '{' ? sub_var_at(p, &var, &next, err) : 0;
		if (r < 0) {
			ok = false;
		} else if (r == 0) {
			strbuf_addch(&st.out, *p++);
		} else {
			char *text = NULL;
			ok = sub_value(&st, var, &text, err);
			if (ok)
				strbuf_addstr(&st.out, text);
			free(text);
			free(var);
			p = next;
		}
	}
	cJSON_Delete(vars);
	if (ok)
		*out = cJSON_CreateString(strbuf_str(&st.out));
	strbuf_release(&st.out);
	return ok;
}

/* Evaluate arg to an array of scalars turned into strings; *out is an array of strings. */
static bool eval_string_list(struct cfn_eval *ev, const cJSON *arg, const char *fn, cJSON **out,
			     int depth, struct error *err)
{
	cJSON *v = NULL;
	if (!eval_at(ev, arg, &v, depth + 1, err))
		return false;
	if (!cJSON_IsArray(v)) {
		cJSON_Delete(v);
		return error_set(err, "Template error: every %s object requires a list of strings",
				 fn);
	}
	*out = v;
	return true;
}

static bool do_join(struct cfn_eval *ev, const cJSON *arg, cJSON **out, int depth,
		    struct error *err)
{
	if (!cJSON_IsArray(arg) || cJSON_GetArraySize(arg) != 2 || !cJSON_IsString(arg->child))
		return error_set(err, "Template error: every Fn::Join object requires two "
				      "parameters, (1) a string delimiter and (2) a list of "
				      "strings to be joined or a function that returns a list of "
				      "strings (such as Fn::GetAZs) to be joined.");
	cJSON *list = NULL;
	if (!eval_string_list(ev, arg->child->next, "Fn::Join", &list, depth, err))
		return false;
	struct strbuf sb = STRBUF_INIT;
	bool ok = true;
	const cJSON *it;
	bool first = true;
	cJSON_ArrayForEach(it, list)
	{
		char *s = cfn_scalar_string(it);
		if (!s) {
			ok = error_set(err,
				       "Template error: every Fn::Join object requires two "
				       "parameters, (1) a string delimiter and (2) a list of "
				       "strings to be joined or a function that returns a list of "
				       "strings (such as Fn::GetAZs) to be joined.");
			break;
		}
		if (!first)
			strbuf_addstr(&sb, arg->child->valuestring);
		strbuf_addstr(&sb, s);
		free(s);
		first = false;
	}
	cJSON_Delete(list);
	if (ok)
		*out = cJSON_CreateString(strbuf_str(&sb));
	strbuf_release(&sb);
	return ok;
}

static bool do_select(struct cfn_eval *ev, const cJSON *arg, cJSON **out, int depth,
		      struct error *err)
{
	if (!cJSON_IsArray(arg) || cJSON_GetArraySize(arg) != 2)
		return error_set(err, "Template error: Fn::Select requires a list argument with "
				      "two elements: an integer index and a list");
	cJSON *idx = NULL, *list = NULL;
	bool ok = false;
	if (!eval_at(ev, arg->child, &idx, depth + 1, err))
		return false;
	char *is = cfn_scalar_string(idx);
	char *end = NULL;
	long i = is ? strtol(is, &end, 10) : -1;
	if (!is || !*is || *end) {
		error_set(err, "Template error: Fn::Select requires a list argument with two "
			       "elements: an integer index and a list");
		goto done;
	}
	if (!eval_string_list(ev, arg->child->next, "Fn::Select", &list, depth, err))
		goto done;
	if (i < 0 || i >= cJSON_GetArraySize(list)) {
		error_set(err,
			  "Template error: Fn::Select cannot select nonexistent value at "
			  "index %ld",
			  i);
		goto done;
	}
	*out = cJSON_Duplicate(cJSON_GetArrayItem(list, (int)i), true);
	ok = true;
done:
	free(is);
	cJSON_Delete(idx);
	cJSON_Delete(list);
	return ok;
}

static bool do_split(struct cfn_eval *ev, const cJSON *arg, cJSON **out, int depth,
		     struct error *err)
{
	if (!cJSON_IsArray(arg) || cJSON_GetArraySize(arg) != 2 || !cJSON_IsString(arg->child) ||
	    !arg->child->valuestring[0])
		return error_set(err, "Template error: every Fn::Split object requires two "
				      "parameters, (1) a string delimiter and (2) a string to be "
				      "split or a function that returns a string to be split.");
	cJSON *v = NULL;
	if (!eval_at(ev, arg->child->next, &v, depth + 1, err))
		return false;
	char *s = cfn_scalar_string(v);
	cJSON_Delete(v);
	if (!s)
		return error_set(err, "Template error: every Fn::Split object requires two "
				      "parameters, (1) a string delimiter and (2) a string to be "
				      "split or a function that returns a string to be split.");
	const char *delim = arg->child->valuestring;
	size_t dl = strlen(delim);
	cJSON *arr = cJSON_CreateArray();
	const char *p = s;
	for (;;) {
		const char *hit = strstr(p, delim);
		if (!hit) {
			cJSON_AddItemToArray(arr, cJSON_CreateString(p));
			break;
		}
		char *part = xstrndup(p, (size_t)(hit - p));
		cJSON_AddItemToArray(arr, cJSON_CreateString(part));
		free(part);
		p = hit + dl;
	}
	free(s);
	*out = arr;
	return true;
}

static bool do_find_in_map(struct cfn_eval *ev, const cJSON *arg, cJSON **out, int depth,
			   struct error *err)
{
	if (!cJSON_IsArray(arg) || cJSON_GetArraySize(arg) != 3)
		return error_set(err, "Template error: every Fn::FindInMap object requires three "
				      "parameters, the map name, map key and the attribute for "
				      "return value");
	char *keys[3] = { NULL, NULL, NULL };
	bool ok = false;
	int i = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, arg)
	{
		cJSON *v = NULL;
		if (!eval_at(ev, it, &v, depth + 1, err))
			goto done;
		keys[i] = cfn_scalar_string(v);
		cJSON_Delete(v);
		if (!keys[i]) {
			error_set(err, "Template error: every Fn::FindInMap object requires three "
				       "parameters, the map name, map key and the attribute for "
				       "return value");
			goto done;
		}
		i++;
	}
	const cJSON *map = cJSON_GetObjectItemCaseSensitive(ev->mappings, keys[0]);
	if (!map) {
		error_set(err,
			  "Template error: Mapping named '%s' is not present in the "
			  "'Mappings' section of template.",
			  keys[0]);
		goto done;
	}
	const cJSON *top = cJSON_GetObjectItemCaseSensitive(map, keys[1]);
	const cJSON *val = cJSON_GetObjectItemCaseSensitive(top, keys[2]);
	if (!val) {
		error_set(err, "Template error: Unable to get mapping for %s::%s::%s", keys[0],
			  keys[1], keys[2]);
		goto done;
	}
	*out = cJSON_Duplicate(val, true);
	ok = true;
done:
	for (int k = 0; k < 3; k++)
		free(keys[k]);
	return ok;
}

static bool do_import(struct cfn_eval *ev, const cJSON *arg, cJSON **out, int depth,
		      struct error *err)
{
	cJSON *v = NULL;
	if (!eval_at(ev, arg, &v, depth + 1, err))
		return false;
	char *name = cfn_scalar_string(v);
	cJSON_Delete(v);
	if (!name || !*name) {
		free(name);
		return error_set(err, "Template error: the Fn::ImportValue function requires a "
				      "string value");
	}
	bool ok = ev->import ? ev->import(ev->arg, name, out, err)
			     : error_set(err, "No export named %s found.", name);
	free(name);
	return ok;
}

static void base64_encode(const unsigned char *in, size_t n, struct strbuf *sb)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		strbuf_addch(sb, tbl[(v >> 18) & 63]);
		strbuf_addch(sb, tbl[(v >> 12) & 63]);
		strbuf_addch(sb, i + 1 < n ? tbl[(v >> 6) & 63] : '=');
		strbuf_addch(sb, i + 2 < n ? tbl[v & 63] : '=');
	}
}

static bool do_base64(struct cfn_eval *ev, const cJSON *arg, cJSON **out, int depth,
		      struct error *err)
{
	cJSON *v = NULL;
	if (!eval_at(ev, arg, &v, depth + 1, err))
		return false;
	char *s = cfn_scalar_string(v);
	cJSON_Delete(v);
	if (!s)
		return error_set(err, "Template error: every Fn::Base64 object must have a "
				      "String value");
	struct strbuf sb = STRBUF_INIT;
	base64_encode((const unsigned char *)s, strlen(s), &sb);
	*out = cJSON_CreateString(strbuf_str(&sb));
	strbuf_release(&sb);
	free(s);
	return true;
}

static bool do_getazs(struct cfn_eval *ev, const cJSON *arg, cJSON **out, int depth,
		      struct error *err)
{
	cJSON *v = NULL;
	if (!eval_at(ev, arg, &v, depth + 1, err))
		return false;
	char *region = cfn_scalar_string(v);
	cJSON_Delete(v);
	if (!region)
		return error_set(err, "Template error: Fn::GetAZs requires a region string");
	const char *r = *region ? region : (ev->region ? ev->region : "us-east-1");
	cJSON *arr = cJSON_CreateArray();
	for (char z = 'a'; z <= 'c'; z++) {
		char *az = xasprintf("%s%c", r, z);
		cJSON_AddItemToArray(arr, cJSON_CreateString(az));
		free(az);
	}
	free(region);
	*out = arr;
	return true;
}

/* Fn::Cidr [ipBlock, count, cidrBits]: count IPv4 subnets of /(32 - cidrBits) in order. */
static bool do_cidr(struct cfn_eval *ev, const cJSON *arg, cJSON **out, int depth,
		    struct error *err)
{
	static const char msg[] = "Template error: Fn::Cidr requires an IPv4 block, a count "
				  "and the number of subnet bits";
	if (!cJSON_IsArray(arg) || cJSON_GetArraySize(arg) != 3)
		return error_set(err, msg);
	char *s[3] = { NULL, NULL, NULL };
	bool ok = false;
	int i = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, arg)
	{
		cJSON *v = NULL;
		if (!eval_at(ev, it, &v, depth + 1, err))
			goto done;
		s[i++] = cfn_scalar_string(v);
		cJSON_Delete(v);
		if (!s[i - 1]) {
			error_set(err, msg);
			goto done;
		}
	}
	unsigned a, b, c, d, prefix;
	char tail;
	long count = strtol(s[1], NULL, 10), bits = strtol(s[2], NULL, 10);
	if (sscanf(s[0], "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &prefix, &tail) != 5 || a > 255 ||
	    b > 255 || c > 255 || d > 255 || prefix > 32 || count < 1 || count > 256 || bits < 0 ||
	    bits > 32 - (long)prefix) {
		error_set(err, msg);
		goto done;
	}
	unsigned long base = ((unsigned long)a << 24) | (b << 16) | (c << 8) | d;
	unsigned long size = 1UL << bits;
	unsigned long span = prefix == 0 ? 1UL << 32 : 1UL << (32 - prefix);
	base &= ~(span - 1);
	if ((unsigned long)count * size > span) {
		error_set(err, msg);
		goto done;
	}
	cJSON *arr = cJSON_CreateArray();
	for (long k = 0; k < count; k++) {
		unsigned long n = base + (unsigned long)k * size;
		char *net = xasprintf("%lu.%lu.%lu.%lu/%ld", (n >> 24) & 255, (n >> 16) & 255,
				      (n >> 8) & 255, n & 255, 32 - bits);
		cJSON_AddItemToArray(arr, cJSON_CreateString(net));
		free(net);
	}
	*out = arr;
	ok = true;
done:
	for (int k = 0; k < 3; k++)
		free(s[k]);
	return ok;
}

/* A condition's operand: {"Condition": name}, another condition function, or a bool. */
static bool eval_cond_value(struct cfn_eval *ev, const cJSON *v, bool *out, int depth,
			    struct error *err)
{
	cJSON *r = NULL;
	if (!eval_at(ev, v, &r, depth + 1, err))
		return false;
	bool ok = true;
	if (cJSON_IsBool(r)) {
		*out = cJSON_IsTrue(r);
	} else if (cJSON_IsString(r) &&
		   (strcmp(r->valuestring, "true") == 0 || strcmp(r->valuestring, "false") == 0)) {
		*out = strcmp(r->valuestring, "true") == 0;
	} else {
		ok = error_set(err, "Template error: Fn::And, Fn::Or and Fn::Not take conditions "
				    "(a condition name or a condition function), not values");
	}
	cJSON_Delete(r);
	return ok;
}

static bool do_logic(struct cfn_eval *ev, const char *fn, const cJSON *arg, cJSON **out, int depth,
		     struct error *err)
{
	bool is_not = strcmp(fn, "Fn::Not") == 0, is_and = strcmp(fn, "Fn::And") == 0;
	int n = cJSON_IsArray(arg) ? cJSON_GetArraySize(arg) : -1;
	if (is_not ? n != 1 : (n < 2 || n > 10))
		return error_set(
			err,
			is_not ? "Template error: Fn::Not requires a list argument with "
				 "one function token"
			       : "Template error: %s requires a list argument with 2 to 10 "
				 "function tokens",
			fn);
	bool acc = is_and;
	const cJSON *it;
	cJSON_ArrayForEach(it, arg)
	{
		bool b = false;
		if (!eval_cond_value(ev, it, &b, depth, err))
			return false;
		if (is_not)
			acc = !b;
		else if (is_and)
			acc = acc && b;
		else
			acc = acc || b;
	}
	*out = cJSON_CreateBool(acc);
	return true;
}

static bool do_equals(struct cfn_eval *ev, const cJSON *arg, cJSON **out, int depth,
		      struct error *err)
{
	if (!cJSON_IsArray(arg) || cJSON_GetArraySize(arg) != 2)
		return error_set(err, "Template error: Fn::Equals requires a list argument with "
				      "two elements");
	cJSON *a = NULL, *b = NULL;
	if (!eval_at(ev, arg->child, &a, depth + 1, err))
		return false;
	if (!eval_at(ev, arg->child->next, &b, depth + 1, err)) {
		cJSON_Delete(a);
		return false;
	}
	char *sa = cfn_scalar_string(a), *sb = cfn_scalar_string(b);
	bool eq = sa && sb ? strcmp(sa, sb) == 0 : cJSON_Compare(a, b, true);
	free(sa);
	free(sb);
	cJSON_Delete(a);
	cJSON_Delete(b);
	*out = cJSON_CreateBool(eq);
	return true;
}

bool cfn_eval_condition(struct cfn_eval *ev, const char *name, bool *out, struct error *err)
{
	const cJSON *known = cJSON_GetObjectItemCaseSensitive(ev->cond_values, name);
	if (known) {
		if (!cJSON_IsBool(known))
			return error_set(err, "Template error: condition %s depends on itself",
					 name);
		*out = cJSON_IsTrue(known);
		return true;
	}
	const cJSON *def = cJSON_GetObjectItemCaseSensitive(ev->cond_defs, name);
	if (!def)
		return error_set(err,
				 "Template format error: Unresolved dependencies [%s]. "
				 "Cannot reference conditions that do not exist",
				 name);
	/* A null marks the condition as being evaluated, to catch one that names itself. */
	cJSON_AddItemToObject(ev->cond_values, name, cJSON_CreateNull());
	cJSON *r = NULL;
	const char *fn = cfn_intrinsic_name(def);
	bool ok;
	if (!fn || (strcmp(fn, "Fn::Equals") && strcmp(fn, "Fn::And") && strcmp(fn, "Fn::Or") &&
		    strcmp(fn, "Fn::Not") && strcmp(fn, "Condition")))
		ok = error_set(err,
			       "Template format error: Conditions can only be boolean operations "
			       "on parameters and other conditions");
	else
		ok = eval_at(ev, def, &r, 0, err);
	if (ok && !cJSON_IsBool(r))
		ok = error_set(err, "Template format error: Conditions can only be boolean "
				    "operations on parameters and other conditions");
	cJSON_DeleteItemFromObjectCaseSensitive(ev->cond_values, name);
	if (ok) {
		*out = cJSON_IsTrue(r);
		cJSON_AddItemToObject(ev->cond_values, name, cJSON_CreateBool(*out));
	}
	cJSON_Delete(r);
	return ok;
}

static bool do_if(struct cfn_eval *ev, const cJSON *arg, cJSON **out, int depth, struct error *err)
{
	if (!cJSON_IsArray(arg) || cJSON_GetArraySize(arg) != 3 || !cJSON_IsString(arg->child))
		return error_set(err, "Template error: Fn::If requires a list argument with three "
				      "elements: a condition name, a value if true and a value if "
				      "false");
	if (!cJSON_GetObjectItemCaseSensitive(ev->cond_defs, arg->child->valuestring))
		return error_set(err,
				 "Template error: unresolved condition dependency %s in Fn::If",
				 arg->child->valuestring);
	bool b = false;
	if (!cfn_eval_condition(ev, arg->child->valuestring, &b, err))
		return false;
	const cJSON *pick = b ? arg->child->next : arg->child->next->next;
	return eval_at(ev, pick, out, depth + 1, err);
}

static bool do_condition(struct cfn_eval *ev, const cJSON *arg, cJSON **out, struct error *err)
{
	if (!cJSON_IsString(arg))
		return error_set(err, "Template format error: Condition must be a string");
	bool b = false;
	if (!cfn_eval_condition(ev, arg->valuestring, &b, err))
		return false;
	*out = cJSON_CreateBool(b);
	return true;
}

static bool eval_function(struct cfn_eval *ev, const char *fn, const cJSON *arg, cJSON **out,
			  int depth, struct error *err)
{
	if (strcmp(fn, "Ref") == 0)
		return do_ref(ev, arg, out, depth, err);
	if (strcmp(fn, "Condition") == 0)
		return do_condition(ev, arg, out, err);
	if (strcmp(fn, "Fn::GetAtt") == 0)
		return do_getatt(ev, arg, out, depth, err);
	if (strcmp(fn, "Fn::Sub") == 0)
		return do_sub(ev, arg, out, depth, err);
	if (strcmp(fn, "Fn::Join") == 0)
		return do_join(ev, arg, out, depth, err);
	if (strcmp(fn, "Fn::Select") == 0)
		return do_select(ev, arg, out, depth, err);
	if (strcmp(fn, "Fn::Split") == 0)
		return do_split(ev, arg, out, depth, err);
	if (strcmp(fn, "Fn::If") == 0)
		return do_if(ev, arg, out, depth, err);
	if (strcmp(fn, "Fn::Equals") == 0)
		return do_equals(ev, arg, out, depth, err);
	if (strcmp(fn, "Fn::And") == 0 || strcmp(fn, "Fn::Or") == 0 || strcmp(fn, "Fn::Not") == 0)
		return do_logic(ev, fn, arg, out, depth, err);
	if (strcmp(fn, "Fn::FindInMap") == 0)
		return do_find_in_map(ev, arg, out, depth, err);
	if (strcmp(fn, "Fn::ImportValue") == 0)
		return do_import(ev, arg, out, depth, err);
	if (strcmp(fn, "Fn::Base64") == 0)
		return do_base64(ev, arg, out, depth, err);
	if (strcmp(fn, "Fn::GetAZs") == 0)
		return do_getazs(ev, arg, out, depth, err);
	if (strcmp(fn, "Fn::Cidr") == 0)
		return do_cidr(ev, arg, out, depth, err);
	return error_set(err,
			 "Template format error: Encountered unsupported function: %s Supported "
			 "functions are: " SUPPORTED_FUNCTIONS,
			 fn);
}

static bool eval_at(struct cfn_eval *ev, const cJSON *value, cJSON **out, int depth,
		    struct error *err)
{
	*out = NULL;
	if (depth > EVAL_MAX_DEPTH)
		return error_set(err, "Template error: intrinsic functions nested too deeply");
	const char *fn = cfn_intrinsic_name(value);
	if (fn)
		return eval_function(ev, fn, value->child, out, depth, err);
	if (cJSON_IsArray(value)) {
		cJSON *arr = cJSON_CreateArray();
		const cJSON *it;
		cJSON_ArrayForEach(it, value)
		{
			cJSON *v = NULL;
			if (!eval_at(ev, it, &v, depth + 1, err)) {
				cJSON_Delete(arr);
				return false;
			}
			if (v)
				cJSON_AddItemToArray(arr, v);
		}
		*out = arr;
		return true;
	}
	if (cJSON_IsObject(value)) {
		cJSON *obj = cJSON_CreateObject();
		const cJSON *it;
		cJSON_ArrayForEach(it, value)
		{
			cJSON *v = NULL;
			if (!eval_at(ev, it, &v, depth + 1, err)) {
				cJSON_Delete(obj);
				return false;
			}
			if (v)
				cJSON_AddItemToObject(obj, it->string, v);
		}
		*out = obj;
		return true;
	}
	*out = cJSON_Duplicate(value, true);
	return true;
}

bool cfn_eval(struct cfn_eval *ev, const cJSON *value, cJSON **out, struct error *err)
{
	return eval_at(ev, value, out, 0, err);
}
