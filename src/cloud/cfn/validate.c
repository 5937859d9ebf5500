/*
 * Template structure, references and parameter values, checked as CloudFormation checks
 * them before it starts work.
 */
#include "cloud/cfn/validate.h"

#include <cjson/cJSON.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/graph.h"
#include "cloud/cfn/intrinsic.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

static const char *const sections[] = { "AWSTemplateFormatVersion",
					"Description",
					"Metadata",
					"Parameters",
					"Rules",
					"Mappings",
					"Conditions",
					"Transform",
					"Resources",
					"Outputs",
					"Hooks",
					NULL };

static const char *const resource_attributes[] = {
	"Type",           "Properties", "DependsOn",    "Condition",           "CreationPolicy",
	"DeletionPolicy", "Metadata",   "UpdatePolicy", "UpdateReplacePolicy", NULL
};

static const char *const functions[] = {
	"Ref",           "Condition",       "Fn::GetAtt", "Fn::Sub",    "Fn::Join", "Fn::Select",
	"Fn::Split",     "Fn::If",          "Fn::Equals", "Fn::And",    "Fn::Or",   "Fn::Not",
	"Fn::FindInMap", "Fn::ImportValue", "Fn::Base64", "Fn::GetAZs", "Fn::Cidr", NULL
};

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++) {
		if (strcmp(s, *list) == 0)
			return true;
	}
	return false;
}

bool cfn_valid_logical_id(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 255)
		return false;
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
	}
	return true;
}

/* Every function used anywhere is one CloudFormation has. */
static bool check_functions(const cJSON *v, int depth, struct error *err)
{
	if (depth > 200)
		return error_set(err, "Template format error: the template nests too deeply");
	const char *fn = cfn_intrinsic_name(v);
	if (fn && !in_list(fn, functions))
		return error_set(err,
				 "Template format error: Encountered unsupported function: %s "
				 "Supported functions are: [Fn::Base64, Fn::GetAtt, Fn::GetAZs, "
				 "Fn::ImportValue, Fn::Join, Fn::Split, Fn::FindInMap, Fn::Select, "
				 "Ref, Fn::Equals, Fn::If, Fn::Not, Condition, Fn::And, Fn::Or, "
				 "Fn::Sub, Fn::Cidr]",
				 fn);
	const cJSON *it;
	cJSON_ArrayForEach(it, v)
	{
		if (!check_functions(it, depth + 1, err))
			return false;
	}
	return true;
}

static bool valid_param_type(const char *t)
{
	static const char *const base[] = { "String",
					    "Number",
					    "List<Number>",
					    "CommaDelimitedList",
					    "AWS::SSM::Parameter::Name",
					    NULL };
	if (in_list(t, base))
		return true;
	if (strncmp(t, "AWS::SSM::Parameter::Value<", 27) == 0)
		return t[strlen(t) - 1] == '>';
	if (strncmp(t, "List<AWS::", 10) == 0)
		return t[strlen(t) - 1] == '>';
	return strncmp(t, "AWS::EC2::", 10) == 0 || strncmp(t, "AWS::Route53::", 14) == 0;
}

static bool check_parameters(const cJSON *params, struct error *err)
{
	if (!params)
		return true;
	if (!cJSON_IsObject(params))
		return error_set(err, "Template format error: Parameters must be an object");
	if (cJSON_GetArraySize(params) > 200)
		return error_set(err, "Template format error: Number of parameters exceeds the "
				      "limit of 200");
	const cJSON *p;
	cJSON_ArrayForEach(p, params)
	{
		if (!cfn_valid_logical_id(p->string))
			return error_set(err,
					 "Template format error: Parameter name %s is non "
					 "alphanumeric.",
					 p->string);
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(p, "Type");
		if (!cJSON_IsObject(p) || !cJSON_IsString(type))
			return error_set(err, "Template format error: Every Parameters object must "
					      "contain a Type member.");
		if (!valid_param_type(type->valuestring))
			return error_set(err,
					 "Template format error: Unrecognized parameter type: %s",
					 type->valuestring);
	}
	return true;
}

/* Conditions name parameters and other conditions, never resources. */
static bool check_condition_refs(const cJSON *v, const cJSON *resources, const cJSON *conds,
				 struct error *err)
{
	const char *fn = cfn_intrinsic_name(v);
	if (fn && strcmp(fn, "Ref") == 0 && cJSON_IsString(v->child) &&
	    cJSON_GetObjectItemCaseSensitive(resources, v->child->valuestring))
		return error_set(err,
				 "Template format error: Unresolved dependencies [%s]. Cannot "
				 "reference resources in the Conditions block of the template",
				 v->child->valuestring);
	if (fn && strcmp(fn, "Condition") == 0 && cJSON_IsString(v->child) &&
	    !cJSON_GetObjectItemCaseSensitive(conds, v->child->valuestring))
		return error_set(err,
				 "Template format error: Unresolved dependencies [%s]. Cannot "
				 "reference conditions that do not exist",
				 v->child->valuestring);
	const cJSON *it;
	cJSON_ArrayForEach(it, v)
	{
		if (!check_condition_refs(it, resources, conds, err))
			return false;
	}
	return true;
}

/* Every Fn::If names a condition that exists. */
static bool check_if_conditions(const cJSON *v, const cJSON *conds, struct error *err)
{
	const char *fn = cfn_intrinsic_name(v);
	if (fn && strcmp(fn, "Fn::If") == 0) {
		const cJSON *a = v->child;
		if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 3 || !cJSON_IsString(a->child))
			return error_set(err,
					 "Template error: Fn::If requires a list argument with "
					 "three elements: a condition name, a value if true "
					 "and a value if false");
		if (!cJSON_GetObjectItemCaseSensitive(conds, a->child->valuestring))
			return error_set(err,
					 "Template error: unresolved condition dependency %s in "
					 "Fn::If",
					 a->child->valuestring);
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, v)
	{
		if (!check_if_conditions(it, conds, err))
			return false;
	}
	return true;
}

bool cfn_validate_resources_present(const cJSON *tpl, struct error *err)
{
	const cJSON *resources = cJSON_GetObjectItemCaseSensitive(tpl, "Resources");
	if (resources && !cJSON_IsObject(resources))
		return error_set(err, "Template format error: Any Resources member must be an "
				      "object.");
	if (!resources || !resources->child)
		return error_set(err, "Template format error: At least one Resources member must "
				      "be defined.");
	return true;
}

/* CloudFormation refuses a null anywhere in a template, naming where: [/Outputs/O/Value]. */
static bool check_nulls(const cJSON *v, struct strbuf *path, struct error *err)
{
	if (cJSON_IsNull(v))
		return error_set(err, "[%s] 'null' values are not allowed in templates", path->buf);
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return true;
	size_t at = path->len;
	int i = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, v)
	{
		if (cJSON_IsArray(v))
			strbuf_addf(path, "/%d", i++);
		else
			strbuf_addf(path, "/%s", c->string);
		bool ok = check_nulls(c, path, err);
		strbuf_setlen(path, at);
		if (!ok)
			return false;
	}
	return true;
}

static bool check_resources(const cJSON *resources, const cJSON *conds, struct error *err)
{
	if (resources && !cJSON_IsObject(resources))
		return error_set(err, "Template format error: Any Resources member must be an "
				      "object.");
	if (!cJSON_IsObject(resources) || !resources->child)
		return error_set(err, "Template format error: At least one Resources member must "
				      "be defined.");
	if (cJSON_GetArraySize(resources) > 500)
		return error_set(err,
				 "Template format error: Number of resources, %d, is greater "
				 "than maximum allowed, 500",
				 cJSON_GetArraySize(resources));
	struct strbuf bad = STRBUF_INIT;
	const cJSON *r;
	bool ok = true;
	cJSON_ArrayForEach(r, resources)
	{
		if (!cfn_valid_logical_id(r->string)) {
			ok = error_set(err,
				       "Template format error: Resource name %s is non "
				       "alphanumeric.",
				       r->string);
			goto done;
		}
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(r, "Type");
		if (!cJSON_IsObject(r)) {
			ok = error_set(err,
				       "Template format error: [/Resources/%s] resource definition "
				       "is malformed",
				       r->string);
			goto done;
		}
		if (!cJSON_IsString(type)) {
			ok = error_set(err,
				       "Template format error: [/Resources/%s] Every Resources "
				       "object must contain a Type member.",
				       r->string);
			goto done;
		}
		const cJSON *m;
		cJSON_ArrayForEach(m, r)
		{
			if (!in_list(m->string, resource_attributes)) {
				ok = error_set(err, "Invalid template resource property '%s'",
					       m->string);
				goto done;
			}
		}
		const cJSON *props = cJSON_GetObjectItemCaseSensitive(r, "Properties");
		if (props && !cJSON_IsObject(props) && !cfn_intrinsic_name(props)) {
			ok = error_set(err,
				       "Template format error: [/Resources/%s/Properties] "
				       "properties must be an object",
				       r->string);
			goto done;
		}
		const cJSON *cond = cJSON_GetObjectItemCaseSensitive(r, "Condition");
		if (cond && (!cJSON_IsString(cond) ||
			     !cJSON_GetObjectItemCaseSensitive(conds, cond->valuestring))) {
			ok = error_set(
				err,
				"Template format error: Unresolved dependencies [%s]. Cannot "
				"reference conditions that do not exist",
				cJSON_IsString(cond) ? cond->valuestring : "?");
			goto done;
		}
		const char *t = type->valuestring;
		/* AWS::Service::Type, Custom::Name, or a registry's Org::Service::Type. */
		int colons = 0;
		for (const char *p = t; (p = strstr(p, "::")); p += 2)
			colons++;
		bool shaped = (strncmp(t, "Custom::", 8) == 0 && t[8]) || colons == 2;
		if (!shaped) {
			if (bad.len)
				strbuf_addstr(&bad, ", ");
			strbuf_addstr(&bad, t);
		}
	}
	if (bad.len)
		ok = error_set(err, "Template format error: Unrecognized resource types: [%s]",
			       strbuf_str(&bad));
done:
	strbuf_release(&bad);
	return ok;
}

static bool check_outputs(const cJSON *outputs, const cJSON *conds, struct error *err)
{
	if (!outputs)
		return true;
	if (!cJSON_IsObject(outputs))
		return error_set(err, "Template format error: Outputs must be an object");
	if (cJSON_GetArraySize(outputs) > 200)
		return error_set(err, "Template format error: Number of outputs exceeds the limit "
				      "of 200");
	const cJSON *o;
	cJSON_ArrayForEach(o, outputs)
	{
		if (!cfn_valid_logical_id(o->string))
			return error_set(err,
					 "Template format error: Output %s is malformed. The name "
					 "must be alphanumeric.",
					 o->string);
		if (!cJSON_IsObject(o) || !cJSON_GetObjectItemCaseSensitive(o, "Value"))
			return error_set(err,
					 "Template format error: Every Outputs member must contain "
					 "a Value object");
		const cJSON *cond = cJSON_GetObjectItemCaseSensitive(o, "Condition");
		if (cond && (!cJSON_IsString(cond) ||
			     !cJSON_GetObjectItemCaseSensitive(conds, cond->valuestring)))
			return error_set(err,
					 "Template format error: Unresolved dependencies [%s]. "
					 "Cannot reference conditions that do not exist",
					 cJSON_IsString(cond) ? cond->valuestring : "?");
		const cJSON *exp = cJSON_GetObjectItemCaseSensitive(o, "Export");
		if (exp && (!cJSON_IsObject(exp) || !cJSON_GetObjectItemCaseSensitive(exp, "Name")))
			return error_set(
				err,
				"Template format error: Output %s is malformed. The Export "
				"member must contain a Name",
				o->string);
	}
	return true;
}

bool cfn_validate(const cJSON *tpl, struct error *err)
{
	if (!cJSON_IsObject(tpl))
		return error_set(err, "Template format error: unsupported structure.");
	struct strbuf path = STRBUF_INIT;
	bool no_nulls = check_nulls(tpl, &path, err);
	strbuf_release(&path);
	if (!no_nulls)
		return false;
	struct strbuf unknown = STRBUF_INIT;
	bool any = false;
	const cJSON *s;
	cJSON_ArrayForEach(s, tpl)
	{
		if (in_list(s->string, sections))
			continue;
		if (any)
			strbuf_addstr(&unknown, ", ");
		strbuf_addstr(&unknown, s->string);
		any = true;
	}
	if (any)
		error_set(err,
			  "Template format error: Invalid template property or properties [%s]",
			  strbuf_str(&unknown));
	strbuf_release(&unknown);
	if (any)
		return false;
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(tpl, "AWSTemplateFormatVersion");
	if (version) {
		char *v = cfn_scalar_string(version);
		bool good = v && strcmp(v, "2010-09-09") == 0;
		free(v);
		if (!good)
			return error_set(err,
					 "Template format error: Unsupported template version, "
					 "AWSTemplateFormatVersion must be 2010-09-09");
	}
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(tpl, "Description");
	if (desc && !cJSON_IsString(desc))
		return error_set(err, "Template format error: Description must be a string");
	if (cJSON_IsString(desc) && strlen(desc->valuestring) > 1024)
		return error_set(err, "Template format error: The Description of a template can be "
				      "at most 1024 bytes long");
	const cJSON *mappings = cJSON_GetObjectItemCaseSensitive(tpl, "Mappings");
	if (mappings && !cJSON_IsObject(mappings))
		return error_set(err, "Template format error: Mappings must be an object");
	const cJSON *m;
	cJSON_ArrayForEach(m, mappings)
	{
		if (!cJSON_IsObject(m))
			return error_set(
				err,
				"Template format error: Every Mappings member %s must be a "
				"map",
				m->string);
	}
	const cJSON *conds = cJSON_GetObjectItemCaseSensitive(tpl, "Conditions");
	const cJSON *resources = cJSON_GetObjectItemCaseSensitive(tpl, "Resources");
	if (conds && !cJSON_IsObject(conds))
		return error_set(err, "Template format error: Conditions must be an object");
	if (!check_functions(tpl, 0, err) ||
	    !check_parameters(cJSON_GetObjectItemCaseSensitive(tpl, "Parameters"), err) ||
	    !check_resources(resources, conds, err) ||
	    !check_outputs(cJSON_GetObjectItemCaseSensitive(tpl, "Outputs"), conds, err))
		return false;
	if (conds && !check_condition_refs(conds, resources, conds, err))
		return false;
	if (!check_if_conditions(resources, conds, err) ||
	    !check_if_conditions(cJSON_GetObjectItemCaseSensitive(tpl, "Outputs"), conds, err))
		return false;
	struct cfn_graph g;
	if (!cfn_graph_build(tpl, &g, err))
		return false;
	size_t *order = xcalloc(g.n ? g.n : 1, sizeof(size_t));
	bool ok = cfn_graph_order(&g, order, err);
	free(order);
	cfn_graph_release(&g);
	return ok;
}

cJSON *cfn_declared_transforms(const cJSON *tpl)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(tpl, "Transform");
	if (cJSON_IsString(t)) {
		cJSON_AddItemToArray(out, cJSON_CreateString(t->valuestring));
	} else if (cJSON_IsArray(t)) {
		const cJSON *it;
		cJSON_ArrayForEach(it, t)
		{
			if (cJSON_IsString(it))
				cJSON_AddItemToArray(out, cJSON_CreateString(it->valuestring));
		}
	}
	return out;
}

const char *cfn_required_capability(const cJSON *tpl, char **types)
{
	static const struct {
		const char *type, *name_prop;
	} iam[] = {
		{ "AWS::IAM::AccessKey", NULL },
		{ "AWS::IAM::Group", "GroupName" },
		{ "AWS::IAM::InstanceProfile", "InstanceProfileName" },
		{ "AWS::IAM::ManagedPolicy", "ManagedPolicyName" },
		{ "AWS::IAM::Policy", NULL },
		{ "AWS::IAM::Role", "RoleName" },
		{ "AWS::IAM::User", "UserName" },
		{ "AWS::IAM::UserToGroupAddition", NULL },
	};
	const char *cap = NULL;
	struct strbuf sb = STRBUF_INIT;
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(tpl, "Resources"))
	{
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(r, "Type");
		if (!cJSON_IsString(type))
			continue;
		for (size_t i = 0; i < sizeof(iam) / sizeof(iam[0]); i++) {
			if (strcmp(iam[i].type, type->valuestring) != 0)
				continue;
			const cJSON *props = cJSON_GetObjectItemCaseSensitive(r, "Properties");
			bool named = iam[i].name_prop &&
				     cJSON_GetObjectItemCaseSensitive(props, iam[i].name_prop);
			if (named)
				cap = "CAPABILITY_NAMED_IAM";
			else if (!cap)
				cap = "CAPABILITY_IAM";
			if (!strstr(strbuf_str(&sb), iam[i].type)) {
				if (sb.len)
					strbuf_addstr(&sb, ", ");
				strbuf_addstr(&sb, iam[i].type);
			}
		}
	}
	if (types && cap)
		*types = strbuf_detach(&sb);
	strbuf_release(&sb);
	return cap;
}

cJSON *cfn_validate_summary(const cJSON *tpl)
{
	cJSON *out = cJSON_CreateObject();
	cJSON *params = cJSON_AddArrayToObject(out, "Parameters");
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(tpl, "Parameters"))
	{
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "ParameterKey", p->string);
		const cJSON *def = cJSON_GetObjectItemCaseSensitive(p, "Default");
		char *d = def ? cfn_scalar_string(def) : NULL;
		if (d)
			cJSON_AddStringToObject(o, "DefaultValue", d);
		free(d);
		const cJSON *noecho = cJSON_GetObjectItemCaseSensitive(p, "NoEcho");
		char *ne = noecho ? cfn_scalar_string(noecho) : NULL;
		cJSON_AddBoolToObject(o, "NoEcho", ne && strcmp(ne, "true") == 0);
		free(ne);
		const cJSON *desc = cJSON_GetObjectItemCaseSensitive(p, "Description");
		if (cJSON_IsString(desc))
			cJSON_AddStringToObject(o, "Description", desc->valuestring);
		cJSON_AddItemToArray(params, o);
	}
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(tpl, "Description");
	if (cJSON_IsString(desc))
		cJSON_AddStringToObject(out, "Description", desc->valuestring);
	char *types = NULL;
	const char *cap = cfn_required_capability(tpl, &types);
	if (cap) {
		cJSON *caps = cJSON_AddArrayToObject(out, "Capabilities");
		cJSON_AddItemToArray(caps, cJSON_CreateString(cap));
		char *reason =
			xasprintf("The following resource(s) require capabilities: [%s]", types);
		cJSON_AddStringToObject(out, "CapabilitiesReason", reason);
		free(reason);
	}
	free(types);
	cJSON_AddItemToObject(out, "DeclaredTransforms", cfn_declared_transforms(tpl));
	return out;
}

static bool is_list_type(const char *t)
{
	return strcmp(t, "List<Number>") == 0 || strcmp(t, "CommaDelimitedList") == 0 ||
	       strncmp(t, "List<", 5) == 0 ||
	       strcmp(t, "AWS::SSM::Parameter::Value<List<String>>") == 0 ||
	       strcmp(t, "AWS::SSM::Parameter::Value<CommaDelimitedList>") == 0 ||
	       strncmp(t, "AWS::SSM::Parameter::Value<List<", 32) == 0;
}

static bool is_number(const char *s)
{
	char *end;
	if (!*s)
		return false;
	strtod(s, &end);
	return *end == '\0';
}

/* "a, b,c" -> ["a","b","c"] (blanks around items trimmed, as CloudFormation does). */
static cJSON *split_list(const char *s)
{
	cJSON *arr = cJSON_CreateArray();
	if (!*s)
		return arr;
	const char *p = s;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		while (n && *p == ' ') {
			p++;
			n--;
		}
		while (n && p[n - 1] == ' ')
			n--;
		char *item = xstrndup(p, n);
		cJSON_AddItemToArray(arr, cJSON_CreateString(item));
		free(item);
		if (!comma)
			break;
		p = comma + 1;
	}
	return arr;
}

/* One parameter's value against its constraints. */
static bool check_value(const char *name, const cJSON *def, const char *type, const char *v,
			struct error *err)
{
	const cJSON *allowed = cJSON_GetObjectItemCaseSensitive(def, "AllowedValues");
	cJSON *items = is_list_type(type) ? split_list(v) : NULL;
	bool ok = true;
	for (const cJSON *it = items ? items->child : NULL; ok && (items ? it != NULL : true);
	     it = items ? it->next : NULL) {
		const char *one = items ? it->valuestring : v;
		if ((strcmp(type, "Number") == 0 || strcmp(type, "List<Number>") == 0) &&
		    !is_number(one)) {
			ok = error_set(err, "Parameter '%s' must be a number", name);
			break;
		}
		if (cJSON_IsArray(allowed)) {
			bool hit = false;
			const cJSON *a;
			cJSON_ArrayForEach(a, allowed)
			{
				char *s = cfn_scalar_string(a);
				hit = hit || (s && strcmp(s, one) == 0);
				free(s);
			}
			if (!hit) {
				ok = error_set(err, "Parameter '%s' must be one of AllowedValues",
					       name);
				break;
			}
		}
		if (!items)
			break;
	}
	cJSON_Delete(items);
	if (!ok)
		return false;
	const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(def, "AllowedPattern");
	if (cJSON_IsString(pattern)) {
		/* The whole value must match, as Java's matches() does. */
		char *anchored = xasprintf("^(%s)$", pattern->valuestring);
		regex_t re;
		if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) == 0) {
			if (regexec(&re, v, 0, NULL, 0) != 0)
				ok = error_set(err, "Parameter '%s' must match pattern %s", name,
					       pattern->valuestring);
			regfree(&re);
		}
		free(anchored);
		if (!ok)
			return false;
	}
	const cJSON *minl = cJSON_GetObjectItemCaseSensitive(def, "MinLength");
	const cJSON *maxl = cJSON_GetObjectItemCaseSensitive(def, "MaxLength");
	char *s;
	if (minl && (s = cfn_scalar_string(minl))) {
		long n = strtol(s, NULL, 10);
		free(s);
		if ((long)strlen(v) < n)
			return error_set(err, "Parameter '%s' must contain at least %ld characters",
					 name, n);
	}
	if (maxl && (s = cfn_scalar_string(maxl))) {
		long n = strtol(s, NULL, 10);
		free(s);
		if ((long)strlen(v) > n)
			return error_set(err, "Parameter '%s' must contain at most %ld characters",
					 name, n);
	}
	const cJSON *minv = cJSON_GetObjectItemCaseSensitive(def, "MinValue");
	const cJSON *maxv = cJSON_GetObjectItemCaseSensitive(def, "MaxValue");
	if (strcmp(type, "Number") == 0) {
		double d = strtod(v, NULL);
		if (minv && (s = cfn_scalar_string(minv))) {
			double lim = strtod(s, NULL);
			bool below = d < lim;
			if (below)
				error_set(err, "Parameter '%s' must be a number not less than %s",
					  name, s);
			free(s);
			if (below)
				return false;
		}
		if (maxv && (s = cfn_scalar_string(maxv))) {
			double lim = strtod(s, NULL);
			bool above = d > lim;
			if (above)
				error_set(err,
					  "Parameter '%s' must be a number not greater than %s",
					  name, s);
			free(s);
			if (above)
				return false;
		}
	}
	return true;
}

static const cJSON *given_entry(const cJSON *given, const char *name)
{
	const cJSON *g;
	cJSON_ArrayForEach(g, given)
	{
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(g, "ParameterKey");
		if (cJSON_IsString(k) && strcmp(k->valuestring, name) == 0)
			return g;
	}
	return NULL;
}

static void add_list_names(struct strbuf *sb, const char *name)
{
	if (sb->len)
		strbuf_addstr(sb, ", ");
	strbuf_addstr(sb, name);
}

bool cfn_params_resolve(const cJSON *tpl, const cJSON *given, const cJSON *previous, cfn_ssm_fn ssm,
			void *ssm_arg, cJSON **values, cJSON **shown, struct error *err)
{
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(tpl, "Parameters");
	cJSON *vals = cJSON_CreateObject(), *show = cJSON_CreateArray();
	struct strbuf missing = STRBUF_INIT, unknown = STRBUF_INIT;
	bool ok = true;
	const cJSON *g;
	cJSON_ArrayForEach(g, given)
	{
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(g, "ParameterKey");
		if (cJSON_IsString(k) && !cJSON_GetObjectItemCaseSensitive(params, k->valuestring))
			add_list_names(&unknown, k->valuestring);
	}
	if (unknown.len) {
		ok = error_set(err, "Parameters: [%s] do not exist in the template",
			       strbuf_str(&unknown));
		goto done;
	}
	const cJSON *p;
	cJSON_ArrayForEach(p, params)
	{
		const char *type = cJSON_GetObjectItemCaseSensitive(p, "Type")->valuestring;
		const cJSON *entry = given_entry(given, p->string);
		const cJSON *use_prev = cJSON_GetObjectItemCaseSensitive(entry, "UsePreviousValue");
		const cJSON *pv = cJSON_GetObjectItemCaseSensitive(entry, "ParameterValue");
		char *v = NULL;
		if (cJSON_IsTrue(use_prev) ||
		    (cJSON_IsString(use_prev) && strcmp(use_prev->valuestring, "true") == 0)) {
			const cJSON *old = cJSON_GetObjectItemCaseSensitive(previous, p->string);
			if (!old) {
				ok = error_set(
					err,
					"Invalid input for parameter key %s. Cannot specify "
					"usePreviousValue as true for a parameter key not in "
					"the previous template",
					p->string);
				goto done;
			}
			v = cfn_scalar_string(old);
		} else if (pv) {
			v = cfn_scalar_string(pv);
		} else {
			const cJSON *def = cJSON_GetObjectItemCaseSensitive(p, "Default");
			if (def)
				v = cfn_scalar_string(def);
		}
		if (!v) {
			add_list_names(&missing, p->string);
			continue;
		}
		if (!check_value(p->string, p, type, v, err)) {
			free(v);
			ok = false;
			goto done;
		}
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "ParameterKey", p->string);
		const cJSON *noecho = cJSON_GetObjectItemCaseSensitive(p, "NoEcho");
		char *ne = noecho ? cfn_scalar_string(noecho) : NULL;
		cJSON_AddStringToObject(o, "ParameterValue",
					ne && strcmp(ne, "true") == 0 ? "****" : v);
		free(ne);
		char *resolved = NULL;
		if (strncmp(type, "AWS::SSM::Parameter::Value<", 27) == 0) {
			if (!ssm) {
				ok = error_set(
					err,
					"Unable to fetch parameters [%s] from parameter store "
					"for this account.",
					v);
			} else {
				ok = ssm(ssm_arg, v, &resolved, err);
			}
			if (!ok) {
				free(v);
				cJSON_Delete(o);
				goto done;
			}
			cJSON_AddStringToObject(o, "ResolvedValue", resolved);
		}
		cJSON_AddItemToArray(show, o);
		const char *actual = resolved ? resolved : v;
		cJSON_AddItemToObject(vals, p->string,
				      is_list_type(type) ? split_list(actual)
							 : cJSON_CreateString(actual));
		free(resolved);
		free(v);
	}
	if (missing.len)
		ok = error_set(err, "Parameters: [%s] must have values", strbuf_str(&missing));
done:
	strbuf_release(&missing);
	strbuf_release(&unknown);
	if (!ok) {
		cJSON_Delete(vals);
		cJSON_Delete(show);
		return false;
	}
	*values = vals;
	*shown = show;
	return true;
}
