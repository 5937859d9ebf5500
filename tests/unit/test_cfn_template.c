/*
 * CloudFormation templates: parsing (YAML with short-form tags, JSON, located errors),
 * intrinsic functions, dependencies and validation.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/graph.h"
#include "cloud/cfn/intrinsic.h"
#include "cloud/cfn/template.h"
#include "cloud/cfn/validate.h"
#include "harness.h"

static cJSON *parse(const char *text, struct error *err)
{
	error_clear(err);
	return cfn_template_parse(text, strlen(text), err);
}

/* The compact JSON of v. Caller frees. */
static char *json(const cJSON *v)
{
	return v ? cJSON_PrintUnformatted(v) : strdup("(null)");
}

#define is_json(v, want, what)          \
	do {                            \
		char *j_ = json(v);     \
		is_str(j_, want, what); \
		free(j_);               \
	} while (0)

TEST(cfn_template__reads_short_form_tags)
{
	struct error err;
	cJSON *t = parse("Resources:\n"
			 "  A:\n"
			 "    Type: AWS::SQS::Queue\n"
			 "    Properties:\n"
			 "      Name: !Ref P\n"
			 "      Arn: !GetAtt B.Arn.Deep\n"
			 "      Sub: !Sub '${AWS::Region}-x'\n"
			 "      Join: !Join [',', [a, !Ref P]]\n"
			 "      If: !If [C, 1, !Ref AWS::NoValue]\n"
			 "      Cond: !Condition C\n"
			 "      Num: 30\n"
			 "      Str: '30'\n"
			 "      Bool: yes\n"
			 "      Null: ~\n"
			 "      Date: 2010-09-09\n"
			 "      Tagged: !Base64 30\n",
			 &err);
	ok(t != NULL, "parses: %s", err.msg);
	const cJSON *p = cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "Resources"), "A"),
				    "Properties"),
		"Name");
	is_json(p, "{\"Ref\":\"P\"}", "!Ref");
	const cJSON *props = cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(t, "Resources"), "A"), "Properties");
	is_json(cJSON_GetObjectItem(props, "Arn"), "{\"Fn::GetAtt\":[\"B\",\"Arn.Deep\"]}",
		"!GetAtt splits at the first dot");
	is_json(cJSON_GetObjectItem(props, "Sub"), "{\"Fn::Sub\":\"${AWS::Region}-x\"}", "!Sub");
	is_json(cJSON_GetObjectItem(props, "Join"),
		"{\"Fn::Join\":[\",\",[\"a\",{\"Ref\":\"P\"}]]}", "!Join with a nested tag");
	is_json(cJSON_GetObjectItem(props, "If"),
		"{\"Fn::If\":[\"C\",1,{\"Ref\":\"AWS::NoValue\"}]}", "!If");
	is_json(cJSON_GetObjectItem(props, "Cond"), "{\"Condition\":\"C\"}", "!Condition");
	is_json(cJSON_GetObjectItem(props, "Num"), "30", "a plain number");
	is_json(cJSON_GetObjectItem(props, "Str"), "\"30\"", "a quoted number stays text");
	is_json(cJSON_GetObjectItem(props, "Bool"), "true", "YAML 1.1 yes");
	is_json(cJSON_GetObjectItem(props, "Null"), "null", "~ is null");
	is_json(cJSON_GetObjectItem(props, "Date"), "\"2010-09-09\"", "a date stays text");
	is_json(cJSON_GetObjectItem(props, "Tagged"), "{\"Fn::Base64\":\"30\"}",
		"a tagged scalar stays text");
	cJSON_Delete(t);
}

TEST(cfn_template__reports_where_yaml_breaks)
{
	struct error err;
	cJSON *t = parse("Resources:\n  A:\n    Type: [x\n", &err);
	ok(t == NULL, "refused");
	ok(strncmp(err.msg, "Template format error: YAML not well-formed. (line ", 51) == 0,
	   "CloudFormation's wording: %s", err.msg);
	t = parse("Resources:\n  A: 1\n  A: 2\n", &err);
	ok(t == NULL, "a duplicate key is refused");
	is_str(err.msg, "Template format error: YAML not well-formed. (line 3, column 3)",
	       "at the second key");
	t = parse("a: &x 1\nb: *x\n", &err);
	ok(t == NULL, "aliases are refused");
	ok(strstr(err.msg, "aliases") != NULL, "saying so: %s", err.msg);
	t = parse("a: 1\n---\nb: 2\n", &err);
	ok(t == NULL, "a second document is refused");
}

TEST(cfn_template__reports_where_json_breaks)
{
	struct error err;
	cJSON *t = parse("{\n  \"Resources\": {,\n}", &err);
	ok(t == NULL, "refused");
	is_str(err.msg, "Template format error: JSON not well-formed. (line 2, column 18)",
	       "line and column of the bad token");
	t = parse("{\"Resources\":{}} {}", &err);
	ok(t == NULL, "trailing text is refused");
	t = parse("  {\"a\": [1, 2]}  \n", &err);
	ok(t != NULL, "white space around a document is fine");
	cJSON_Delete(t);
	t = parse("", &err);
	is_json(t, "{}", "an empty template is an empty object");
	cJSON_Delete(t);
}

/* A resolver that makes every resource's Ref "phys-NAME" and its attributes "NAME.ATT". */
static bool fake_ref(void *arg, const char *id, cJSON **out, struct error *err)
{
	char *s = malloc(strlen(id) + 6);
	strcpy(s, "phys-");
	strcat(s, id);
	*out = cJSON_CreateString(s);
	free(s);
	return true;
}

static bool fake_att(void *arg, const char *id, const char *att, cJSON **out, struct error *err)
{
	if (strcmp(att, "Nope") == 0)
		return error_set(err,
				 "Template error: resource %s does not support attribute "
				 "type %s in Fn::GetAtt",
				 id, att);
	char buf[256];
	snprintf(buf, sizeof(buf), "%s.%s", id, att);
	*out = cJSON_CreateString(buf);
	return true;
}

static bool fake_import(void *arg, const char *name, cJSON **out, struct error *err)
{
	if (strcmp(name, "shared-vpc") != 0)
		return error_set(err, "No export named %s found.", name);
	*out = cJSON_CreateString("vpc-123");
	return true;
}

struct evalfix {
	cJSON *tpl, *params, *conds;
	struct cfn_eval ev;
};

static void evalfix_init(struct evalfix *f)
{
	struct error err;
	f->tpl = parse("Parameters:\n"
		       "  Env: {Type: String}\n"
		       "  Subnets: {Type: CommaDelimitedList}\n"
		       "Mappings:\n"
		       "  Sizes:\n"
		       "    prod: {Memory: 1024}\n"
		       "    dev: {Memory: 128}\n"
		       "Conditions:\n"
		       "  IsProd: !Equals [!Ref Env, prod]\n"
		       "  NotProd: !Not [!Condition IsProd]\n"
		       "  Both: !And [!Condition IsProd, !Equals [a, a]]\n"
		       "  Loop: !Not [!Condition Loop]\n"
		       "Resources:\n"
		       "  Fn: {Type: AWS::Lambda::Function}\n"
		       "  Q: {Type: AWS::SQS::Queue}\n",
		       &err);
	f->params = cJSON_Parse("{\"Env\":\"prod\",\"Subnets\":[\"s1\",\"s2\"]}");
	f->conds = cJSON_CreateObject();
	memset(&f->ev, 0, sizeof(f->ev));
	f->ev.account = "123456789012";
	f->ev.region = "eu-west-1";
	f->ev.stack_name = "st";
	f->ev.stack_id = "arn:aws:cloudformation:eu-west-1:123456789012:stack/st/1";
	f->ev.params = f->params;
	f->ev.mappings = cJSON_GetObjectItem(f->tpl, "Mappings");
	f->ev.cond_defs = cJSON_GetObjectItem(f->tpl, "Conditions");
	f->ev.cond_values = f->conds;
	f->ev.resources = cJSON_GetObjectItem(f->tpl, "Resources");
	f->ev.ref = fake_ref;
	f->ev.getatt = fake_att;
	f->ev.import = fake_import;
}

static void evalfix_release(struct evalfix *f)
{
	cJSON_Delete(f->tpl);
	cJSON_Delete(f->params);
	cJSON_Delete(f->conds);
}

/* Evaluate YAML text; returns the compact JSON of the result or "ERR: message". */
static char *eval_yaml(struct evalfix *f, const char *yaml)
{
	struct error err;
	cJSON *in = parse(yaml, &err);
	if (!in)
		return strdup(err.msg);
	cJSON *out = NULL;
	char *res;
	if (!cfn_eval(&f->ev, cJSON_GetObjectItem(in, "v"), &out, &err)) {
		res = malloc(strlen(err.msg) + 6);
		strcpy(res, "ERR: ");
		strcat(res, err.msg);
	} else {
		res = json(out);
	}
	cJSON_Delete(in);
	cJSON_Delete(out);
	return res;
}

#define evals(f, yaml, want)                   \
	do {                                   \
		char *r_ = eval_yaml(f, yaml); \
		is_str(r_, want, yaml);        \
		free(r_);                      \
	} while (0)

TEST(cfn_eval__resolves_every_function)
{
	struct evalfix f;
	evalfix_init(&f);
	evals(&f, "v: !Ref Env", "\"prod\"");
	evals(&f, "v: !Ref AWS::Region", "\"eu-west-1\"");
	evals(&f, "v: !Ref AWS::AccountId", "\"123456789012\"");
	evals(&f, "v: !Ref AWS::Partition", "\"aws\"");
	evals(&f, "v: !Ref AWS::URLSuffix", "\"amazonaws.com\"");
	evals(&f, "v: !Ref Fn", "\"phys-Fn\"");
	evals(&f, "v: !GetAtt Fn.Arn", "\"Fn.Arn\"");
	evals(&f, "v: {'Fn::GetAtt': [Q, !Ref Env]}", "\"Q.prod\"");
	evals(&f, "v: !Sub '${Env}-${Fn}-${Q.Arn}-${AWS::StackName}-${!Literal}'",
	      "\"prod-phys-Fn-Q.Arn-st-${Literal}\"");
	evals(&f, "v: !Sub ['${A}/${Env}', {A: !Ref Fn}]", "\"phys-Fn/prod\"");
	evals(&f, "v: !Sub 'cost: $5 and ${ Env }'", "\"cost: $5 and prod\"");
	evals(&f, "v: !Join ['-', [a, !Ref Env, 3]]", "\"a-prod-3\"");
	evals(&f, "v: !Join [',', !Ref Subnets]", "\"s1,s2\"");
	evals(&f, "v: !Select [1, !Ref Subnets]", "\"s2\"");
	evals(&f, "v: !Select ['0', [x, y]]", "\"x\"");
	evals(&f, "v: !Split [',', 'a,b,,c']", "[\"a\",\"b\",\"\",\"c\"]");
	evals(&f, "v: !Select [2, !Split ['/', 'a/b/c']]", "\"c\"");
	evals(&f, "v: !If [IsProd, big, small]", "\"big\"");
	evals(&f, "v: !If [NotProd, big, small]", "\"small\"");
	evals(&f, "v: !If [Both, yes, no]", "true");
	evals(&f, "v: [a, !If [NotProd, b, !Ref AWS::NoValue], c]", "[\"a\",\"c\"]");
	evals(&f, "v: {a: 1, b: !If [NotProd, 2, !Ref AWS::NoValue]}", "{\"a\":1}");
	evals(&f, "v: !FindInMap [Sizes, !Ref Env, Memory]", "1024");
	evals(&f, "v: !ImportValue shared-vpc", "\"vpc-123\"");
	evals(&f, "v: !Base64 hello", "\"aGVsbG8=\"");
	evals(&f, "v: !GetAZs ''", "[\"eu-west-1a\",\"eu-west-1b\",\"eu-west-1c\"]");
	evals(&f, "v: !Cidr ['10.0.0.0/16', 2, 8]", "[\"10.0.0.0/24\",\"10.0.1.0/24\"]");
	evals(&f, "v: !Equals [!Ref Env, prod]", "true");
	evalfix_release(&f);
}

TEST(cfn_eval__refuses_bad_input_with_cloudformation_errors)
{
	struct evalfix f;
	evalfix_init(&f);
	evals(&f, "v: !Ref Nope",
	      "ERR: Template format error: Unresolved resource dependencies [Nope] in the "
	      "Resources block of the template");
	evals(&f, "v: !GetAtt Nope.Arn",
	      "ERR: Template error: instance of Fn::GetAtt references undefined resource Nope");
	evals(&f, "v: !GetAtt Fn.Nope",
	      "ERR: Template error: resource Fn does not support attribute type Nope in "
	      "Fn::GetAtt");
	evals(&f, "v: !Select [5, [a]]",
	      "ERR: Template error: Fn::Select cannot select nonexistent value at index 5");
	evals(&f, "v: !FindInMap [Sizes, test, Memory]",
	      "ERR: Template error: Unable to get mapping for Sizes::test::Memory");
	evals(&f, "v: !ImportValue other", "ERR: No export named other found.");
	evals(&f, "v: !Sub '${a-b}'",
	      "ERR: Template error: variable names in Fn::Sub syntax must contain only "
	      "alphanumeric characters, underscores, periods, and colons");
	evals(&f, "v: !If [Missing, a, b]",
	      "ERR: Template error: unresolved condition dependency Missing in Fn::If");
	evals(&f, "v: !If [Loop, a, b]", "ERR: Template error: condition Loop depends on itself");
	char *r = eval_yaml(&f, "v: !Foo x");
	ok(strstr(r, "ERR: Template format error: Encountered unsupported function: Fn::Foo ") == r,
	   "an unknown function");
	free(r);
	evals(&f, "v: !Join [',']",
	      "ERR: Template error: every Fn::Join object requires two parameters, (1) a string "
	      "delimiter and (2) a list of strings to be joined or a function that returns a "
	      "list of strings (such as Fn::GetAZs) to be joined.");
	evalfix_release(&f);
}

static char *validate_yaml(const char *yaml)
{
	struct error err;
	cJSON *t = parse(yaml, &err);
	if (!t)
		return strdup(err.msg);
	bool ok = cfn_validate(t, &err);
	cJSON_Delete(t);
	return strdup(ok ? "ok" : err.msg);
}

#define validates(yaml, want)                   \
	do {                                    \
		char *r_ = validate_yaml(yaml); \
		is_str(r_, want, want);         \
		free(r_);                       \
	} while (0)

TEST(cfn_validate__checks_structure_and_references)
{
	validates("Resources:\n  A: {Type: AWS::SQS::Queue}\n", "ok");
	validates("Parameters: {}\n",
		  "Template format error: At least one Resources member must be defined.");
	validates("Resourcez:\n  A: {Type: AWS::SQS::Queue}\n",
		  "Template format error: Invalid template property or properties [Resourcez]");
	validates("Resources:\n  a-b: {Type: AWS::SQS::Queue}\n",
		  "Template format error: Resource name a-b is non alphanumeric.");
	validates("Resources:\n  A: {Properties: {}}\n",
		  "Template format error: [/Resources/A] Every Resources object must contain a "
		  "Type member.");
	validates("Resources:\n  A: {Type: Queue}\n",
		  "Template format error: Unrecognized resource types: [Queue]");
	validates("Resources:\n  A: {Type: AWS::SQS::Queue, Propertie: {}}\n",
		  "Invalid template resource property 'Propertie'");
	validates("Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: {X: !Ref B}\n",
		  "Template format error: Unresolved resource dependencies [B] in the Resources "
		  "block of the template");
	validates("Resources:\n  A: {Type: AWS::SQS::Queue, DependsOn: [B, C]}\n",
		  "Template format error: Unresolved resource dependencies [B, C] in the "
		  "Resources block of the template");
	validates("Resources:\n  A: {Type: AWS::SQS::Queue}\nOutputs:\n  O: {Value: !Ref X}\n",
		  "Template format error: Unresolved resource dependencies [X] in the Outputs "
		  "block of the template");
	validates("Resources:\n  A: {Type: AWS::SQS::Queue}\nOutputs:\n  O: {Description: x}\n",
		  "Template format error: Every Outputs member must contain a Value object");
	validates("Resources:\n  A: {Type: AWS::SQS::Queue}\nOutputs:\n  O: {Value: }\n",
		  "[/Outputs/O/Value] 'null' values are not allowed in templates");
	validates("Resources:\n  A: {Type: AWS::SQS::Queue, Properties: {Tags: [~]}}\n",
		  "[/Resources/A/Properties/Tags/0] 'null' values are not allowed in templates");
	validates("Resources: x\n", "Template format error: Any Resources member must be an "
				    "object.");
	validates("Resources:\n"
		  "  A: {Type: AWS::SQS::Queue, Properties: {X: !GetAtt B.Arn}}\n"
		  "  B: {Type: AWS::SQS::Queue, Properties: {X: !Sub '${C}'}}\n"
		  "  C: {Type: AWS::SQS::Queue, DependsOn: A}\n"
		  "  D: {Type: AWS::SQS::Queue, DependsOn: C}\n"
		  "  E: {Type: AWS::SQS::Queue}\n",
		  "Circular dependency between resources: [A, B, C, D]");
	validates(
		"Conditions:\n  C: !Equals [!Ref A, x]\nResources:\n  A: {Type: AWS::SQS::Queue}\n",
		"Template format error: Unresolved dependencies [A]. Cannot reference "
		"resources in the Conditions block of the template");
	validates("Parameters:\n  P: {Default: x}\nResources:\n  A: {Type: AWS::SQS::Queue}\n",
		  "Template format error: Every Parameters object must contain a Type member.");
	validates("Parameters:\n  P: {Type: Strin}\nResources:\n  A: {Type: AWS::SQS::Queue}\n",
		  "Template format error: Unrecognized parameter type: Strin");
	validates("Resources:\n  A: {Type: AWS::SQS::Queue, Condition: Nope}\n",
		  "Template format error: Unresolved dependencies [Nope]. Cannot reference "
		  "conditions that do not exist");
	validates("hello\n", "Template format error: unsupported structure.");
}

TEST(cfn_graph__orders_dependencies_before_dependents)
{
	struct error err;
	cJSON *t = parse("Resources:\n"
			 "  C: {Type: AWS::X::Y, Properties: {A: !Ref B}}\n"
			 "  B: {Type: AWS::X::Y, DependsOn: A}\n"
			 "  A: {Type: AWS::X::Y}\n"
			 "  D: {Type: AWS::X::Y}\n",
			 &err);
	struct cfn_graph g;
	ok(cfn_graph_build(t, &g, &err), "builds: %s", err.msg);
	size_t order[4];
	ok(cfn_graph_order(&g, order, &err), "orders");
	char got[16] = "";
	for (int i = 0; i < 4; i++)
		strcat(got, g.names[order[i]]);
	is_str(got, "ABCD", "dependencies first, ties in template order");
	cfn_graph_release(&g);
	cJSON_Delete(t);
}

static char *params_yaml(const char *yaml, const char *given_json)
{
	struct error err;
	cJSON *t = parse(yaml, &err);
	cJSON *given = given_json ? cJSON_Parse(given_json) : NULL;
	cJSON *vals = NULL, *shown = NULL;
	char *res;
	if (cfn_params_resolve(t, given, NULL, NULL, NULL, &vals, &shown, &err)) {
		res = json(vals);
	} else {
		res = strdup(err.msg);
	}
	cJSON_Delete(vals);
	cJSON_Delete(shown);
	cJSON_Delete(given);
	cJSON_Delete(t);
	return res;
}

TEST(cfn_params__resolve_with_cloudformation_rules)
{
	const char *tpl = "Parameters:\n"
			  "  Env: {Type: String, AllowedValues: [dev, prod], Default: dev}\n"
			  "  Size: {Type: Number, MinValue: 1, MaxValue: 10}\n"
			  "  Names: {Type: CommaDelimitedList, Default: 'a, b'}\n"
			  "  Code: {Type: String, AllowedPattern: '[a-z]+', Default: abc}\n"
			  "Resources:\n  A: {Type: AWS::SQS::Queue}\n";
	char *r = params_yaml(tpl, "[{\"ParameterKey\":\"Size\",\"ParameterValue\":\"3\"}]");
	is_str(r, "{\"Env\":\"dev\",\"Size\":\"3\",\"Names\":[\"a\",\"b\"],\"Code\":\"abc\"}",
	       "defaults and given values");
	free(r);
	r = params_yaml(tpl, NULL);
	is_str(r, "Parameters: [Size] must have values", "a missing value");
	free(r);
	r = params_yaml(tpl, "[{\"ParameterKey\":\"Size\",\"ParameterValue\":\"30\"}]");
	is_str(r, "Parameter 'Size' must be a number not greater than 10", "MaxValue");
	free(r);
	r = params_yaml(tpl, "[{\"ParameterKey\":\"Size\",\"ParameterValue\":\"x\"}]");
	is_str(r, "Parameter 'Size' must be a number", "a Number");
	free(r);
	r = params_yaml(tpl, "[{\"ParameterKey\":\"Size\",\"ParameterValue\":\"1\"},"
			     "{\"ParameterKey\":\"Env\",\"ParameterValue\":\"test\"}]");
	is_str(r, "Parameter 'Env' must be one of AllowedValues", "AllowedValues");
	free(r);
	r = params_yaml(tpl, "[{\"ParameterKey\":\"Size\",\"ParameterValue\":\"1\"},"
			     "{\"ParameterKey\":\"Code\",\"ParameterValue\":\"AB\"}]");
	is_str(r, "Parameter 'Code' must match pattern [a-z]+", "AllowedPattern");
	free(r);
	r = params_yaml(tpl, "[{\"ParameterKey\":\"Other\",\"ParameterValue\":\"1\"}]");
	is_str(r, "Parameters: [Other] do not exist in the template", "an unknown parameter");
	free(r);
}

int main(void)
{
	RUN(cfn_template__reads_short_form_tags);
	RUN(cfn_template__reports_where_yaml_breaks);
	RUN(cfn_template__reports_where_json_breaks);
	RUN(cfn_eval__resolves_every_function);
	RUN(cfn_eval__refuses_bad_input_with_cloudformation_errors);
	RUN(cfn_validate__checks_structure_and_references);
	RUN(cfn_graph__orders_dependencies_before_dependents);
	RUN(cfn_params__resolve_with_cloudformation_rules);
	return done();
}
