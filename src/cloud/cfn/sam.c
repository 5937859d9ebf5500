/*
 * The SAM transform's driver: Globals, AWS::Serverless::Function (its code, role, version
 * and alias, URL, event invoke configuration and gradual deployment), LayerVersion and
 * SimpleTable; events and APIs are in sam_events.c and sam_api.c. Logical ids and hashes are
 * those of AWS's own transform, so that a template deploys to the same resources here as there.
 */
#include "cloud/cfn/sam.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/intrinsic.h"
#include "cloud/cfn/sam_internal.h"
#include "core/digest.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define SAM_TRANSFORM "AWS::Serverless-2016-10-31"

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *jget(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void put(cJSON *o, const char *k, cJSON *v)
{
	if (cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, v);
	else
		cJSON_AddItemToObject(o, k, v);
}

/* Copy o[k] into dst[as] when present and not null. */
static void pass(cJSON *dst, const cJSON *o, const char *k, const char *as)
{
	const cJSON *v = jget(o, k);
	if (v && !cJSON_IsNull(v))
		put(dst, as ? as : k, cJSON_Duplicate(v, true));
}

/* Canonical JSON, as Python's json.dumps(sort_keys=True, separators=(",", ":")). */

static void canon_string(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p;
		if (c == '"' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, (int)c);
			p++;
		} else if (c == '\n') {
			strbuf_addstr(sb, "\\n");
			p++;
		} else if (c == '\r') {
			strbuf_addstr(sb, "\\r");
			p++;
		} else if (c == '\t') {
			strbuf_addstr(sb, "\\t");
			p++;
		} else if (c == '\b') {
			strbuf_addstr(sb, "\\b");
			p++;
		} else if (c == '\f') {
			strbuf_addstr(sb, "\\f");
			p++;
		} else if (c < 0x20) {
			strbuf_addf(sb, "\\u%04x", c);
			p++;
		} else if (c < 0x80) {
			strbuf_addch(sb, (int)c);
			p++;
		} else {
			/* UTF-8 to code points, written as \uXXXX (surrogate pairs above the BMP).
			 */
			unsigned cp = 0;
			int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
			cp = n == 3 ? c & 7 : n == 2 ? c & 15 : n == 1 ? c & 31 : c;
			p++;
			for (int k = 0; k < n && (*p & 0xc0) == 0x80; k++, p++)
				cp = (cp << 6) | (*p & 0x3f);
			if (cp >= 0x10000) {
				cp -= 0x10000;
				strbuf_addf(sb, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
					    0xdc00 + (cp & 0x3ff));
			} else {
				strbuf_addf(sb, "\\u%04x", cp);
			}
		}
	}
	strbuf_addch(sb, '"');
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

static void canon(struct strbuf *sb, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		canon_string(sb, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d == floor(d) && fabs(d) < 1e16) {
			strbuf_addf(sb, "%.0f", d);
		} else {
			char buf[40];
			snprintf(buf, sizeof(buf), "%.17g", d);
			for (int prec = 1; prec < 17; prec++) {
				snprintf(buf, sizeof(buf), "%.*g", prec, d);
				if (strtod(buf, NULL) == d)
					break;
			}
			strbuf_addstr(sb, buf);
		}
	} else if (cJSON_IsBool(v)) {
		strbuf_addstr(sb, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsArray(v)) {
		strbuf_addch(sb, '[');
		const cJSON *it;
		cJSON_ArrayForEach(it, v)
		{
			if (it != v->child)
				strbuf_addch(sb, ',');
			canon(sb, it);
		}
		strbuf_addch(sb, ']');
	} else if (cJSON_IsObject(v)) {
		int n = cJSON_GetArraySize(v);
		const cJSON **items = xcalloc(n ? (size_t)n : 1, sizeof(*items));
		int i = 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, v)
		{
			items[i++] = it;
		}
		qsort(items, (size_t)n, sizeof(*items), cmp_keys);
		strbuf_addch(sb, '{');
		for (i = 0; i < n; i++) {
			if (i)
				strbuf_addch(sb, ',');
			canon_string(sb, items[i]->string);
			strbuf_addch(sb, ':');
			canon(sb, items[i]);
		}
		strbuf_addch(sb, '}');
		free(items);
	} else {
		strbuf_addstr(sb, "null");
	}
}

char *cfn_sam_canonical_json(const cJSON *value)
{
	struct strbuf sb = STRBUF_INIT;
	canon(&sb, value);
	return strbuf_detach(&sb);
}

void cfn_sam_hash(const char *text, char *out, int n)
{
	unsigned char h[SHA1_LEN];
	sha1(text, strlen(text), h);
	static const char hex[] = "0123456789abcdef";
	int k = 0;
	for (int i = 0; i < SHA1_LEN && k < n; i++) {
		out[k++] = hex[h[i] >> 4];
		if (k < n)
			out[k++] = hex[h[i] & 15];
	}
	out[k] = '\0';
}

/* The logical id prefix + hash of data (canonical JSON, or the text itself), as
 * LogicalIdGenerator makes it. Caller frees. */
static char *hashed_id(const char *prefix, const cJSON *data)
{
	char *text =
		cJSON_IsString(data) ? xstrdup(data->valuestring) : cfn_sam_canonical_json(data);
	char h[11];
	cfn_sam_hash(text, h, 10);
	free(text);
	return xasprintf("%s%s", prefix, h);
}

/* Errors. */

static void add_error(struct sam *s, const char *msg)
{
	s->errors++;
	char prev[sizeof(s->err->msg)];
	snprintf(prev, sizeof(prev), "%s", s->errors > 1 ? s->err->msg : "");
	if (s->errors > 1)
		error_set(s->err, "%s %s", prev, msg);
	else
		error_set(s->err, "%s", msg);
}

bool sam_fail(struct sam *s, const char *id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *full = xasprintf("Resource with id [%s] is invalid. %s", id, msg);
	add_error(s, full);
	free(full);
	free(msg);
	return false;
}

bool sam_fail_event(struct sam *s, const char *fn, const char *event, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	sam_fail(s, fn, "Event with id [%s] is invalid. %s", event, msg);
	free(msg);
	return false;
}

/* Helpers for generated resources. */

void sam_put(struct sam *s, const char *id, cJSON *def)
{
	put(s->resources, id, def);
}

cJSON *sam_ref(const char *name)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Ref", name);
	return o;
}

cJSON *sam_getatt(const char *name, const char *att)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(o, "Fn::GetAtt");
	cJSON_AddItemToArray(a, cJSON_CreateString(name));
	cJSON_AddItemToArray(a, cJSON_CreateString(att));
	return o;
}

cJSON *sam_sub(const char *text)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Fn::Sub", text);
	return o;
}

cJSON *sam_sub_vars(const char *text, cJSON *vars)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(o, "Fn::Sub");
	cJSON_AddItemToArray(a, cJSON_CreateString(text));
	cJSON_AddItemToArray(a, vars);
	return o;
}

cJSON *sam_resolve_params(struct sam *s, const cJSON *value)
{
	const char *fn = cfn_intrinsic_name(value);
	if (fn && strcmp(fn, "Ref") == 0 && cJSON_IsString(value->child)) {
		const cJSON *p = jget(s->in->params, value->child->valuestring);
		if (p)
			return cJSON_Duplicate(p, true);
		const char *name = value->child->valuestring;
		if (strcmp(name, "AWS::Region") == 0)
			return cJSON_CreateString(s->in->region);
		if (strcmp(name, "AWS::AccountId") == 0)
			return cJSON_CreateString(s->in->account);
		if (strcmp(name, "AWS::Partition") == 0)
			return cJSON_CreateString("aws");
		return cJSON_Duplicate(value, true);
	}
	if (cJSON_IsArray(value) || cJSON_IsObject(value)) {
		cJSON *out = cJSON_IsArray(value) ? cJSON_CreateArray() : cJSON_CreateObject();
		const cJSON *it;
		cJSON_ArrayForEach(it, value)
		{
			cJSON *v = sam_resolve_params(s, it);
			if (cJSON_IsArray(value))
				cJSON_AddItemToArray(out, v);
			else
				cJSON_AddItemToObject(out, it->string, v);
		}
		return out;
	}
	return cJSON_Duplicate(value, true);
}

const char *sam_resolved_string(struct sam *s, const cJSON *value, cJSON **hold)
{
	*hold = value ? sam_resolve_params(s, value) : NULL;
	return cJSON_IsString(*hold) ? (*hold)->valuestring : NULL;
}

cJSON *sam_permission(const cJSON *function_ref, const char *principal, cJSON *source_arn,
		      cJSON *source_account)
{
	cJSON *def = cJSON_CreateObject();
	cJSON_AddStringToObject(def, "Type", "AWS::Lambda::Permission");
	cJSON *p = cJSON_AddObjectToObject(def, "Properties");
	cJSON_AddStringToObject(p, "Action", "lambda:InvokeFunction");
	cJSON_AddItemToObject(p, "FunctionName", cJSON_Duplicate(function_ref, true));
	cJSON_AddStringToObject(p, "Principal", principal);
	if (source_arn)
		cJSON_AddItemToObject(p, "SourceArn", source_arn);
	if (source_account)
		cJSON_AddItemToObject(p, "SourceAccount", source_account);
	return def;
}

/* Globals. */

static const char *const globals_function[] = { "Handler",
						"Runtime",
						"CodeUri",
						"DeadLetterQueue",
						"Description",
						"MemorySize",
						"Timeout",
						"VpcConfig",
						"Environment",
						"Tags",
						"PropagateTags",
						"Tracing",
						"KmsKeyArn",
						"Layers",
						"AutoPublishAlias",
						"DeploymentPreference",
						"RolePath",
						"PermissionsBoundary",
						"ReservedConcurrentExecutions",
						"ProvisionedConcurrencyConfig",
						"AssumeRolePolicyDocument",
						"EventInvokeConfig",
						"FileSystemConfigs",
						"CodeSigningConfigArn",
						"Architectures",
						"SnapStart",
						"EphemeralStorage",
						"FunctionUrlConfig",
						"RuntimeManagementConfig",
						"LoggingConfig",
						"RecursiveLoop",
						"SourceKMSKeyArn",
						"AutoPublishAliasAllProperties",
						"VersionDescription",
						NULL };
static const char *const globals_api[] = { "Auth",
					   "Name",
					   "DefinitionUri",
					   "CacheClusterEnabled",
					   "CacheClusterSize",
					   "MergeDefinitions",
					   "Variables",
					   "EndpointConfiguration",
					   "MethodSettings",
					   "BinaryMediaTypes",
					   "MinimumCompressionSize",
					   "Cors",
					   "GatewayResponses",
					   "AccessLogSetting",
					   "CanarySetting",
					   "TracingEnabled",
					   "OpenApiVersion",
					   "Domain",
					   "AlwaysDeploy",
					   "PropagateTags",
					   "Tags",
					   NULL };
static const char *const globals_http_api[] = { "Auth",
						"AccessLogSettings",
						"StageVariables",
						"Tags",
						"RouteSettings",
						"FailOnWarnings",
						"Domain",
						"CorsConfiguration",
						"DefaultRouteSettings",
						"PropagateTags",
						NULL };
static const char *const globals_table[] = { "SSESpecification", NULL };
static const char *const globals_layer[] = { "PublishLambdaVersion", NULL };

static const struct {
	const char *section, *type;
	const char *const *props;
} global_sections[] = {
	{ "Function", "AWS::Serverless::Function", globals_function },
	{ "Api", "AWS::Serverless::Api", globals_api },
	{ "HttpApi", "AWS::Serverless::HttpApi", globals_http_api },
	{ "SimpleTable", "AWS::Serverless::SimpleTable", globals_table },
	{ "LayerVersion", "AWS::Serverless::LayerVersion", globals_layer },
};

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++) {
		if (strcmp(*list, s) == 0)
			return true;
	}
	return false;
}

static bool check_globals(struct sam *s)
{
	const cJSON *g = s->globals;
	if (!g)
		return true;
	if (!cJSON_IsObject(g))
		return sam_fail(s, "Globals", "'Globals' section must be a dictionary.");
	const cJSON *sec;
	cJSON_ArrayForEach(sec, g)
	{
		int found = -1;
		for (size_t i = 0; i < sizeof(global_sections) / sizeof(global_sections[0]); i++) {
			if (strcmp(global_sections[i].section, sec->string) == 0)
				found = (int)i;
		}
		if (found < 0)
			return sam_fail(
				s, "Globals",
				"'%s' is not supported. Must be one of the following values - "
				"['Function', 'Api', 'HttpApi', 'SimpleTable', 'LayerVersion']",
				sec->string);
		if (!cJSON_IsObject(sec))
			return sam_fail(s, "Globals", "Value of %s must be a dictionary.",
					sec->string);
		const cJSON *p;
		cJSON_ArrayForEach(p, sec)
		{
			if (!in_list(p->string, global_sections[found].props))
				return sam_fail(s, "Globals",
						"'%s' is not a supported property of '%s'.",
						p->string, sec->string);
		}
	}
	return true;
}

/* A global value merged with a resource's: maps merge (the resource wins), lists add (the
 * global entries first), anything else is the resource's. */
static cJSON *merge_global(const cJSON *global, const cJSON *local)
{
	if (!local)
		return cJSON_Duplicate(global, true);
	if (cfn_intrinsic_name(global) || cfn_intrinsic_name(local))
		return cJSON_Duplicate(local, true);
	if (cJSON_IsObject(global) && cJSON_IsObject(local)) {
		cJSON *out = cJSON_Duplicate(global, true);
		const cJSON *it;
		cJSON_ArrayForEach(it, local)
		{
			const cJSON *g = jget(global, it->string);
			put(out, it->string, g ? merge_global(g, it) : cJSON_Duplicate(it, true));
		}
		return out;
	}
	if (cJSON_IsArray(global) && cJSON_IsArray(local)) {
		cJSON *out = cJSON_Duplicate(global, true);
		const cJSON *it;
		cJSON_ArrayForEach(it, local)
		{
			cJSON_AddItemToArray(out, cJSON_Duplicate(it, true));
		}
		return out;
	}
	return cJSON_Duplicate(local, true);
}

/* The resource's Properties with its type's Globals merged in. Caller deletes. */
static cJSON *with_globals(struct sam *s, const char *type, const cJSON *props)
{
	cJSON *out = props ? cJSON_Duplicate(props, true) : cJSON_CreateObject();
	const cJSON *g = NULL;
	for (size_t i = 0; i < sizeof(global_sections) / sizeof(global_sections[0]); i++) {
		if (strcmp(global_sections[i].type, type) == 0)
			g = jget(s->globals, global_sections[i].section);
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, g)
	{
		put(out, it->string, merge_global(it, jget(props, it->string)));
	}
	return out;
}

/* The attributes a generated resource takes from its SAM resource. */
static void passthrough(cJSON *def, const cJSON *sam_def)
{
	pass(def, sam_def, "Condition", NULL);
	pass(def, sam_def, "DeletionPolicy", NULL);
	pass(def, sam_def, "UpdateReplacePolicy", NULL);
}

/* Functions. */

/* "s3://bucket/key?versionId=v" or {Bucket, Key, Version} as {S3Bucket, S3Key,
 * S3ObjectVersion} (prefix "S3" for Code; "" keeps Bucket/Key for nothing else). */
static cJSON *s3_location(struct sam *s, const char *id, const char *prop, const cJSON *uri)
{
	cJSON *out = cJSON_CreateObject();
	if (cJSON_IsObject(uri) && !cfn_intrinsic_name(uri)) {
		if (!jget(uri, "Bucket") || !jget(uri, "Key")) {
			cJSON_Delete(out);
			sam_fail(s, id, "'%s' requires Bucket and Key properties to be specified.",
				 prop);
			return NULL;
		}
		pass(out, uri, "Bucket", "S3Bucket");
		pass(out, uri, "Key", "S3Key");
		pass(out, uri, "Version", "S3ObjectVersion");
		return out;
	}
	const char *u = cJSON_IsString(uri) ? uri->valuestring : NULL;
	const char *slash = u && strncmp(u, "s3://", 5) == 0 ? strchr(u + 5, '/') : NULL;
	if (!slash || slash == u + 5 || !slash[1]) {
		cJSON_Delete(out);
		sam_fail(s, id,
			 "'%s' is not a valid S3 Uri of the form 's3://bucket/key' with optional "
			 "versionId query parameter.",
			 prop);
		return NULL;
	}
	char *bucket = xstrndup(u + 5, (size_t)(slash - u - 5));
	char *key = xstrdup(slash + 1);
	char *q = strchr(key, '?');
	char *version = NULL;
	if (q) {
		*q = '\0';
		const char *v = strstr(q + 1, "versionId=");
		if (v)
			version = xstrdup(v + 10);
	}
	cJSON_AddStringToObject(out, "S3Bucket", bucket);
	cJSON_AddStringToObject(out, "S3Key", key);
	if (version)
		cJSON_AddStringToObject(out, "S3ObjectVersion", version);
	free(bucket);
	free(key);
	free(version);
	return out;
}

static cJSON *code_dict(struct sam *s, const char *id, const cJSON *props)
{
	const char *package = jstr(props, "PackageType");
	if (package && strcmp(package, "Image") == 0) {
		const cJSON *img = jget(props, "ImageUri");
		if (!img) {
			sam_fail(s, id, "'ImageUri' must be set.");
			return NULL;
		}
		cJSON *out = cJSON_CreateObject();
		put(out, "ImageUri", cJSON_Duplicate(img, true));
		return out;
	}
	const cJSON *inl = jget(props, "InlineCode"), *uri = jget(props, "CodeUri");
	if (inl) {
		cJSON *out = cJSON_CreateObject();
		put(out, "ZipFile", cJSON_Duplicate(inl, true));
		return out;
	}
	if (uri)
		return s3_location(s, id, "CodeUri", uri);
	if (jget(props, "ImageUri")) {
		cJSON *out = cJSON_CreateObject();
		pass(out, props, "ImageUri", NULL);
		return out;
	}
	sam_fail(s, id, "Only one of 'InlineCode' or 'CodeUri' can be set.");
	return NULL;
}

/* [{Key: lambda:createdBy, Value: SAM}, then the resource's tags]. */
static cJSON *tag_list(const cJSON *tags)
{
	cJSON *out = cJSON_CreateArray();
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "Key", "lambda:createdBy");
	cJSON_AddStringToObject(t, "Value", "SAM");
	cJSON_AddItemToArray(out, t);
	const cJSON *it;
	cJSON_ArrayForEach(it, tags)
	{
		cJSON *one = cJSON_CreateObject();
		cJSON_AddStringToObject(one, "Key", it->string);
		cJSON_AddItemToObject(one, "Value", cJSON_Duplicate(it, true));
		cJSON_AddItemToArray(out, one);
	}
	return out;
}

static cJSON *assume_role(const char *service)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "Version", "2012-10-17");
	cJSON *st = cJSON_AddArrayToObject(doc, "Statement");
	cJSON *one = cJSON_CreateObject();
	cJSON *action = cJSON_AddArrayToObject(one, "Action");
	cJSON_AddItemToArray(action, cJSON_CreateString("sts:AssumeRole"));
	cJSON_AddStringToObject(one, "Effect", "Allow");
	cJSON *principal = cJSON_AddObjectToObject(one, "Principal");
	cJSON *svc = cJSON_AddArrayToObject(principal, "Service");
	cJSON_AddItemToArray(svc, cJSON_CreateString(service));
	cJSON_AddItemToArray(st, one);
	return doc;
}

static void add_managed(cJSON *arns, const char *arn)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, arns)
	{
		if (cJSON_IsString(it) && strcmp(it->valuestring, arn) == 0)
			return;
	}
	cJSON_AddItemToArray(arns, cJSON_CreateString(arn));
}

/* A statement document {Version?, Statement: [{Action, Resource, Effect}]}. */
static cJSON *one_statement_doc(const char *action, const cJSON *resource, bool version)
{
	cJSON *doc = cJSON_CreateObject();
	if (version)
		cJSON_AddStringToObject(doc, "Version", "2012-10-17");
	cJSON *st = cJSON_AddArrayToObject(doc, "Statement");
	cJSON *one = cJSON_CreateObject();
	cJSON_AddStringToObject(one, "Action", action);
	cJSON_AddStringToObject(one, "Effect", "Allow");
	cJSON_AddItemToObject(one, "Resource", cJSON_Duplicate(resource, true));
	cJSON_AddItemToArray(st, one);
	return doc;
}

static cJSON *named_policy(const char *name, cJSON *doc)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "PolicyName", name);
	cJSON_AddItemToObject(p, "PolicyDocument", doc);
	return p;
}

/* The execution role FnRole, or NULL with the transform failed. extra: policy documents
 * (DLQ, destinations) added after the Policies entries. */
static cJSON *function_role(struct sam *s, const char *id, const cJSON *sam_def, const cJSON *props,
			    cJSON *extra)
{
	cJSON *def = cJSON_CreateObject();
	cJSON_AddStringToObject(def, "Type", "AWS::IAM::Role");
	passthrough(def, sam_def);
	cJSON *p = cJSON_AddObjectToObject(def, "Properties");
	const cJSON *ard = jget(props, "AssumeRolePolicyDocument");
	cJSON_AddItemToObject(p, "AssumeRolePolicyDocument",
			      ard ? cJSON_Duplicate(ard, true)
				  : assume_role("lambda.amazonaws.com"));
	cJSON *arns = cJSON_AddArrayToObject(p, "ManagedPolicyArns");
	add_managed(arns, "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
	cJSON *hold = NULL;
	const char *tracing = sam_resolved_string(s, jget(props, "Tracing"), &hold);
	if (jget(props, "Tracing") && !(tracing && strcmp(tracing, "Disabled") == 0))
		add_managed(arns, "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess");
	cJSON_Delete(hold);
	if (jget(props, "VpcConfig"))
		add_managed(arns,
			    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole");
	cJSON *docs = cJSON_CreateArray();
	const cJSON *policies = jget(props, "Policies");
	cJSON *list = NULL;
	if (cJSON_IsArray(policies)) {
		list = cJSON_Duplicate(policies, true);
	} else if (policies) {
		list = cJSON_CreateArray();
		cJSON_AddItemToArray(list, cJSON_Duplicate(policies, true));
	}
	char *role_id = xasprintf("%sRole", id);
	int index = 0;
	bool ok = true;
	const cJSON *entry;
	cJSON_ArrayForEach(entry, list)
	{
		char *pname = xasprintf("%sPolicy%d", role_id, index);
		if (cJSON_IsString(entry)) {
			char *arn = strncmp(entry->valuestring, "arn:", 4) == 0
					    ? xstrdup(entry->valuestring)
					    : sam_managed_policy_arn(entry->valuestring);
			add_managed(arns, arn);
			free(arn);
		} else if (cfn_intrinsic_name(entry) &&
			   strcmp(cfn_intrinsic_name(entry), "Fn::If")) {
			/* A managed policy ARN from an intrinsic function. */
			bool dup = false;
			const cJSON *a;
			cJSON_ArrayForEach(a, arns)
			{
				dup = dup || cJSON_Compare(a, entry, true);
			}
			if (!dup)
				cJSON_AddItemToArray(arns, cJSON_Duplicate(entry, true));
		} else if (sam_is_policy_template(entry)) {
			cJSON *doc = sam_policy_template(s, id, entry);
			if (!doc) {
				ok = false;
				free(pname);
				break;
			}
			cJSON_AddItemToArray(docs, named_policy(pname, doc));
		} else if (cJSON_IsObject(entry) && jget(entry, "Statement")) {
			cJSON_AddItemToArray(docs,
					     named_policy(pname, cJSON_Duplicate(entry, true)));
		} else {
			ok = sam_fail(s, id,
				      "Policy at index %d in the 'Policies' property is not valid",
				      index);
			free(pname);
			break;
		}
		free(pname);
		index++;
	}
	cJSON_Delete(list);
	free(role_id);
	const cJSON *x;
	cJSON_ArrayForEach(x, extra)
	{
		cJSON_AddItemToArray(docs, cJSON_Duplicate(x, true));
	}
	if (!ok) {
		cJSON_Delete(docs);
		cJSON_Delete(def);
		return NULL;
	}
	if (docs->child)
		cJSON_AddItemToObject(p, "Policies", docs);
	else
		cJSON_Delete(docs);
	pass(p, props, "RolePath", "Path");
	pass(p, props, "PermissionsBoundary", NULL);
	cJSON_AddItemToObject(p, "Tags", tag_list(jget(props, "Tags")));
	return def;
}

/* Lambda's resource from the SAM function's properties. */
static cJSON *lambda_function(struct sam *s, const char *id, const cJSON *sam_def,
			      const cJSON *props)
{
	cJSON *code = code_dict(s, id, props);
	if (!code)
		return NULL;
	const char *package = jstr(props, "PackageType");
	bool image = package && strcmp(package, "Image") == 0;
	if (!image && (!jget(props, "Runtime") || !jget(props, "Handler")) &&
	    !jget(props, "InlineCode") && !jget(props, "ImageUri")) {
		cJSON_Delete(code);
		sam_fail(s, id,
			 "Runtime and Handler needs to be present when PackageType is of type "
			 "`Zip`");
		return NULL;
	}
	cJSON *def = cJSON_CreateObject();
	cJSON_AddStringToObject(def, "Type", "AWS::Lambda::Function");
	pass(def, sam_def, "DependsOn", NULL);
	passthrough(def, sam_def);
	pass(def, sam_def, "Metadata", NULL);
	cJSON *p = cJSON_AddObjectToObject(def, "Properties");
	static const char *const same[] = { "FunctionName", "Handler", "Runtime",   "Description",
					    "MemorySize",   "Timeout", "VpcConfig", "Role",
					    "Environment",  NULL };
	for (const char *const *k = same; *k; k++)
		pass(p, props, *k, NULL);
	cJSON_AddItemToObject(p, "Code", code);
	static const char *const more[] = { "KmsKeyArn", "ReservedConcurrentExecutions", NULL };
	for (const char *const *k = more; *k; k++)
		pass(p, props, *k, NULL);
	cJSON_AddItemToObject(p, "Tags", tag_list(jget(props, "Tags")));
	static const char *const rest[] = { "Layers",           "FileSystemConfigs",
					    "ImageConfig",      "PackageType",
					    "Architectures",    "SnapStart",
					    "EphemeralStorage", NULL };
	for (const char *const *k = rest; *k; k++)
		pass(p, props, *k, NULL);
	cJSON *hold = NULL;
	const char *tracing = sam_resolved_string(s, jget(props, "Tracing"), &hold);
	if (jget(props, "Tracing") && !(tracing && strcmp(tracing, "Disabled") == 0)) {
		cJSON *tc = cJSON_AddObjectToObject(p, "TracingConfig");
		pass(tc, props, "Tracing", "Mode");
	}
	cJSON_Delete(hold);
	const cJSON *dlq = jget(props, "DeadLetterQueue");
	if (dlq) {
		cJSON *dc = cJSON_AddObjectToObject(p, "DeadLetterConfig");
		pass(dc, dlq, "TargetArn", NULL);
	}
	static const char *const tail[] = { "CodeSigningConfigArn", "RuntimeManagementConfig",
					    "LoggingConfig", "RecursiveLoop", NULL };
	for (const char *const *k = tail; *k; k++)
		pass(p, props, *k, NULL);
	return def;
}

/* The function's version (a hash of its code, environment and memory in the logical id). */
static char *version_id(struct sam *s, const char *id, const cJSON *fn_props)
{
	cJSON *data = sam_resolve_params(s, jget(fn_props, "Code"));
	const cJSON *env = jget(fn_props, "Environment");
	const cJSON *it;
	cJSON_ArrayForEach(it, env)
	{
		put(data, it->string, cJSON_Duplicate(it, true));
	}
	if (jget(fn_props, "MemorySize"))
		put(data, "MemorySize", cJSON_Duplicate(jget(fn_props, "MemorySize"), true));
	const cJSON *snap = jget(fn_props, "SnapStart");
	const char *apply = jstr(snap, "ApplyOn");
	if (snap && (!apply || strcmp(apply, "None") != 0))
		put(data, "SnapStart", cJSON_Duplicate(snap, true));
	char *prefix = xasprintf("%sVersion", id);
	char *vid = hashed_id(prefix, data);
	free(prefix);
	cJSON_Delete(data);
	return vid;
}

/* The CodeDeploy resources a DeploymentPreference needs, and the alias's UpdatePolicy. */
static bool deployment_preference(struct sam *s, const char *id, const cJSON *sam_def,
				  const cJSON *pref, cJSON *alias)
{
	cJSON *hold = NULL;
	const cJSON *enabled = jget(pref, "Enabled");
	cJSON *en = enabled ? sam_resolve_params(s, enabled) : NULL;
	bool off =
		cJSON_IsFalse(en) || (cJSON_IsString(en) && strcmp(en->valuestring, "false") == 0);
	cJSON_Delete(en);
	if (off)
		return true;
	const char *type = sam_resolved_string(s, jget(pref, "Type"), &hold);
	if (!jget(pref, "Type")) {
		cJSON_Delete(hold);
		return sam_fail(s, id,
				"'DeploymentPreference' is missing required Property 'Type'");
	}
	s->codedeploy = true;
	cJSON *group = cJSON_CreateObject();
	cJSON_AddStringToObject(group, "Type", "AWS::CodeDeploy::DeploymentGroup");
	pass(group, sam_def, "Condition", NULL);
	cJSON *gp = cJSON_AddObjectToObject(group, "Properties");
	const cJSON *alarms = jget(pref, "Alarms");
	if (alarms) {
		cJSON *ac = cJSON_AddObjectToObject(gp, "AlarmConfiguration");
		cJSON_AddTrueToObject(ac, "Enabled");
		cJSON *list = cJSON_AddArrayToObject(ac, "Alarms");
		const cJSON *a;
		cJSON_ArrayForEach(a, alarms)
		{
			cJSON *one = cJSON_CreateObject();
			cJSON_AddItemToObject(one, "Name", cJSON_Duplicate(a, true));
			cJSON_AddItemToArray(list, one);
		}
	}
	cJSON_AddItemToObject(gp, "ApplicationName", sam_ref("ServerlessDeploymentApplication"));
	cJSON *ar = cJSON_AddObjectToObject(gp, "AutoRollbackConfiguration");
	cJSON_AddTrueToObject(ar, "Enabled");
	cJSON *events = cJSON_AddArrayToObject(ar, "Events");
	cJSON_AddItemToArray(events, cJSON_CreateString("DEPLOYMENT_FAILURE"));
	cJSON_AddItemToArray(events, cJSON_CreateString("DEPLOYMENT_STOP_ON_ALARM"));
	cJSON_AddItemToArray(events, cJSON_CreateString("DEPLOYMENT_STOP_ON_REQUEST"));
	static const char *const predefined[] = { "Canary10Percent30Minutes",
						  "Canary10Percent5Minutes",
						  "Canary10Percent10Minutes",
						  "Canary10Percent15Minutes",
						  "Linear10PercentEvery10Minutes",
						  "Linear10PercentEvery1Minute",
						  "Linear10PercentEvery2Minutes",
						  "Linear10PercentEvery3Minutes",
						  "AllAtOnce",
						  NULL };
	if (type && in_list(type, predefined)) {
		cJSON *vars = cJSON_CreateObject();
		cJSON_AddStringToObject(vars, "ConfigName", type);
		cJSON_AddItemToObject(gp, "DeploymentConfigName",
				      sam_sub_vars("CodeDeployDefault.Lambda${ConfigName}", vars));
	} else {
		put(gp, "DeploymentConfigName", cJSON_Duplicate(jget(pref, "Type"), true));
	}
	cJSON_Delete(hold);
	cJSON *style = cJSON_AddObjectToObject(gp, "DeploymentStyle");
	cJSON_AddStringToObject(style, "DeploymentType", "BLUE_GREEN");
	cJSON_AddStringToObject(style, "DeploymentOption", "WITH_TRAFFIC_CONTROL");
	const cJSON *role = jget(pref, "Role");
	cJSON_AddItemToObject(gp, "ServiceRoleArn",
			      role ? cJSON_Duplicate(role, true)
				   : sam_getatt("CodeDeployServiceRole", "Arn"));
	pass(gp, pref, "TriggerConfigurations", NULL);
	char *gid = xasprintf("%sDeploymentGroup", id);
	sam_put(s, gid, group);
	cJSON *up = cJSON_CreateObject();
	cJSON *cd = cJSON_AddObjectToObject(up, "CodeDeployLambdaAliasUpdate");
	cJSON_AddItemToObject(cd, "ApplicationName", sam_ref("ServerlessDeploymentApplication"));
	cJSON_AddItemToObject(cd, "DeploymentGroupName", sam_ref(gid));
	free(gid);
	const cJSON *hooks = jget(pref, "Hooks");
	if (jget(hooks, "PreTraffic"))
		put(cd, "BeforeAllowTrafficHook", cJSON_Duplicate(jget(hooks, "PreTraffic"), true));
	if (jget(hooks, "PostTraffic"))
		put(cd, "AfterAllowTrafficHook", cJSON_Duplicate(jget(hooks, "PostTraffic"), true));
	put(alias, "UpdatePolicy", up);
	return true;
}

static bool function_url(struct sam *s, const char *id, const cJSON *sam_def, const cJSON *cfg,
			 const cJSON *target)
{
	if (!cJSON_IsObject(cfg) || !jget(cfg, "AuthType"))
		return sam_fail(s, id,
				"AuthType is required to configure function property "
				"`FunctionUrlConfig`. Please provide either AWS_IAM or NONE.");
	cJSON *url = cJSON_CreateObject();
	cJSON_AddStringToObject(url, "Type", "AWS::Lambda::Url");
	passthrough(url, sam_def);
	cJSON *p = cJSON_AddObjectToObject(url, "Properties");
	cJSON_AddItemToObject(p, "TargetFunctionArn", cJSON_Duplicate(target, true));
	pass(p, cfg, "AuthType", NULL);
	pass(p, cfg, "Cors", NULL);
	pass(p, cfg, "InvokeMode", NULL);
	char *uid = xasprintf("%sUrl", id);
	sam_put(s, uid, url);
	free(uid);
	const char *auth = jstr(cfg, "AuthType");
	if (!auth || strcmp(auth, "NONE") != 0)
		return true;
	cJSON *perm = cJSON_CreateObject();
	cJSON_AddStringToObject(perm, "Type", "AWS::Lambda::Permission");
	passthrough(perm, sam_def);
	cJSON *pp = cJSON_AddObjectToObject(perm, "Properties");
	cJSON_AddStringToObject(pp, "Action", "lambda:InvokeFunctionUrl");
	cJSON_AddItemToObject(pp, "FunctionName", cJSON_Duplicate(target, true));
	cJSON_AddStringToObject(pp, "Principal", "*");
	cJSON_AddStringToObject(pp, "FunctionUrlAuthType", "NONE");
	char *pid = xasprintf("%sUrlPublicPermissions", id);
	sam_put(s, pid, perm);
	free(pid);
	cJSON *inv = cJSON_CreateObject();
	cJSON_AddStringToObject(inv, "Type", "AWS::Lambda::Permission");
	passthrough(inv, sam_def);
	cJSON *ip = cJSON_AddObjectToObject(inv, "Properties");
	cJSON_AddStringToObject(ip, "Action", "lambda:InvokeFunction");
	cJSON_AddItemToObject(ip, "FunctionName", cJSON_Duplicate(target, true));
	cJSON_AddStringToObject(ip, "Principal", "*");
	cJSON_AddTrueToObject(ip, "InvokedViaFunctionUrl");
	char *iid = xasprintf("%sURLInvokeAllowPublicAccess", id);
	sam_put(s, iid, inv);
	free(iid);
	return true;
}

/* EventInvokeConfig: the resource, and the role's policies for its destinations. */
static bool event_invoke_config(struct sam *s, const char *id, const cJSON *sam_def,
				const cJSON *cfg, const char *alias_name, const char *alias_id,
				cJSON *role_docs)
{
	cJSON *def = cJSON_CreateObject();
	cJSON_AddStringToObject(def, "Type", "AWS::Lambda::EventInvokeConfig");
	if (alias_id) {
		cJSON *dep = cJSON_AddArrayToObject(def, "DependsOn");
		cJSON_AddItemToArray(dep, cJSON_CreateString(alias_id));
	}
	passthrough(def, sam_def);
	cJSON *p = cJSON_AddObjectToObject(def, "Properties");
	const cJSON *dc = jget(cfg, "DestinationConfig");
	if (dc) {
		cJSON *out = cJSON_AddObjectToObject(p, "DestinationConfig");
		static const char *const kinds[] = { "OnSuccess", "OnFailure", NULL };
		for (const char *const *k = kinds; *k; k++) {
			const cJSON *d = jget(dc, *k);
			if (!d)
				continue;
			const char *type = jstr(d, "Type");
			const cJSON *dest = jget(d, "Destination");
			if (!dest && type &&
			    (strcmp(type, "SQS") == 0 || strcmp(type, "SNS") == 0 ||
			     strcmp(type, "Lambda") == 0 || strcmp(type, "EventBridge") == 0)) {
				sam_fail(s, id,
					 "Destination is required if Type is not SQS or SNS");
				cJSON_Delete(def);
				return false;
			}
			cJSON *od = cJSON_AddObjectToObject(out, *k);
			if (dest)
				put(od, "Destination", cJSON_Duplicate(dest, true));
			if (!type)
				continue;
			char *pname = xasprintf("%sEventInvokeConfig%s%sPolicy", id, *k, type);
			cJSON *doc = NULL;
			if (strcmp(type, "SQS") == 0)
				doc = one_statement_doc("sqs:SendMessage", dest, false);
			else if (strcmp(type, "SNS") == 0)
				doc = one_statement_doc("sns:publish", dest, false);
			else if (strcmp(type, "Lambda") == 0)
				doc = one_statement_doc("lambda:InvokeFunction", dest, false);
			else if (strcmp(type, "EventBridge") == 0)
				doc = one_statement_doc("events:PutEvents", dest, false);
			if (doc)
				cJSON_AddItemToArray(role_docs, named_policy(pname, doc));
			free(pname);
		}
	}
	cJSON_AddItemToObject(p, "FunctionName", sam_ref(id));
	pass(p, cfg, "MaximumEventAgeInSeconds", NULL);
	pass(p, cfg, "MaximumRetryAttempts", NULL);
	cJSON_AddStringToObject(p, "Qualifier", alias_name ? alias_name : "$LATEST");
	char *eid = xasprintf("%sEventInvokeConfig", id);
	sam_put(s, eid, def);
	free(eid);
	return true;
}

static bool sam_function(struct sam *s, const char *id, const cJSON *sam_def)
{
	cJSON *props = with_globals(s, "AWS::Serverless::Function", jget(sam_def, "Properties"));
	bool ok = false;
	cJSON *fn = NULL, *role = NULL, *extra = cJSON_CreateArray(), *target = NULL;
	char *alias_id = NULL, *alias_name = NULL;
	cJSON *hold = NULL;
	const cJSON *dlq = jget(props, "DeadLetterQueue");
	if (dlq) {
		const char *type = jstr(dlq, "Type");
		if (!type || !jget(dlq, "TargetArn") ||
		    (strcmp(type, "SQS") != 0 && strcmp(type, "SNS") != 0)) {
			sam_fail(s, id,
				 "'DeadLetterQueue' requires Type of 'SQS' or 'SNS' and a "
				 "TargetArn");
			goto done;
		}
	}
	fn = lambda_function(s, id, sam_def, props);
	if (!fn)
		goto done;
	cJSON *fn_props = cJSON_GetObjectItemCaseSensitive(fn, "Properties");
	if (jget(props, "ProvisionedConcurrencyConfig") && !jget(props, "AutoPublishAlias")) {
		sam_fail(s, id,
			 "To set ProvisionedConcurrencyConfig AutoPublishALias must be defined "
			 "on the function");
		goto done;
	}
	if (jget(props, "AutoPublishAlias")) {
		const char *name = sam_resolved_string(s, jget(props, "AutoPublishAlias"), &hold);
		if (!name) {
			sam_fail(s, id,
				 "'AutoPublishAlias' must be a string or a Ref to a template "
				 "parameter");
			goto done;
		}
		alias_name = xstrdup(name);
		for (const char *c = name; *c; c++) {
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9'))) {
				sam_fail(s, id,
					 "AutoPublishAlias must contain only alphanumeric "
					 "characters.");
				goto done;
			}
		}
		char *vid = version_id(s, id, fn_props);
		cJSON *version = cJSON_CreateObject();
		cJSON_AddStringToObject(version, "Type", "AWS::Lambda::Version");
		passthrough(version, sam_def);
		if (!jget(version, "DeletionPolicy"))
			cJSON_AddStringToObject(version, "DeletionPolicy", "Retain");
		cJSON *vp = cJSON_AddObjectToObject(version, "Properties");
		cJSON_AddItemToObject(vp, "FunctionName", sam_ref(id));
		pass(vp, props, "VersionDescription", "Description");
		sam_put(s, vid, version);
		cJSON *alias = cJSON_CreateObject();
		cJSON_AddStringToObject(alias, "Type", "AWS::Lambda::Alias");
		passthrough(alias, sam_def);
		cJSON *ap = cJSON_AddObjectToObject(alias, "Properties");
		cJSON_AddStringToObject(ap, "Name", alias_name);
		cJSON_AddItemToObject(ap, "FunctionName", sam_ref(id));
		cJSON_AddItemToObject(ap, "FunctionVersion", sam_getatt(vid, "Version"));
		pass(ap, props, "ProvisionedConcurrencyConfig", NULL);
		free(vid);
		const cJSON *pref = jget(props, "DeploymentPreference");
		if (pref && !deployment_preference(s, id, sam_def, pref, alias)) {
			cJSON_Delete(alias);
			goto done;
		}
		alias_id = xasprintf("%sAlias%s", id, alias_name);
		sam_put(s, alias_id, alias);
		/* Fn.Alias and Fn.Version name what was made. */
		char *k = xasprintf("%s.Alias", id);
		put(s->refs, k, cJSON_CreateString(alias_id));
		free(k);
		k = xasprintf("%s.Version", id);
		const cJSON *fv = jget(ap, "FunctionVersion");
		put(s->refs, k, cJSON_CreateString(fv->child->child->valuestring));
		free(k);
	} else if (jget(props, "DeploymentPreference")) {
		sam_fail(s, id,
			 "'DeploymentPreference' requires AutoPublishAlias property to be "
			 "specified.");
		goto done;
	}
	target = sam_ref(alias_id ? alias_id : id);
	if (jget(props, "FunctionUrlConfig") &&
	    !function_url(s, id, sam_def, jget(props, "FunctionUrlConfig"), target))
		goto done;
	if (dlq) {
		const char *type = jstr(dlq, "Type");
		cJSON *doc = one_statement_doc(strcmp(type, "SQS") == 0 ? "sqs:SendMessage"
									: "sns:Publish",
					       jget(dlq, "TargetArn"), true);
		cJSON_AddItemToArray(extra, named_policy("DeadLetterQueuePolicy", doc));
	}
	if (jget(props, "EventInvokeConfig") &&
	    !event_invoke_config(s, id, sam_def, jget(props, "EventInvokeConfig"), alias_name,
				 alias_id, extra))
		goto done;
	if (!jget(props, "Role")) {
		role = function_role(s, id, sam_def, props, extra);
		if (!role)
			goto done;
		char *rid = xasprintf("%sRole", id);
		put(fn_props, "Role", sam_getatt(rid, "Arn"));
		free(rid);
	}
	if (!sam_events(s, id, props, target, role, jstr(sam_def, "Condition")))
		goto done;
	if (role) {
		char *rid = xasprintf("%sRole", id);
		sam_put(s, rid, role);
		free(rid);
		role = NULL;
	}
	sam_put(s, id, fn);
	fn = NULL;
	ok = true;
done:
	cJSON_Delete(fn);
	cJSON_Delete(role);
	cJSON_Delete(extra);
	cJSON_Delete(target);
	cJSON_Delete(props);
	cJSON_Delete(hold);
	free(alias_id);
	free(alias_name);
	return ok;
}

static bool sam_layer(struct sam *s, const char *id, const cJSON *sam_def)
{
	cJSON *props =
		with_globals(s, "AWS::Serverless::LayerVersion", jget(sam_def, "Properties"));
	/* The hash covers the SAM resource as written (its attributes but the policies). */
	cJSON *hash_src = cJSON_CreateObject();
	cJSON *inner = cJSON_AddObjectToObject(hash_src, id);
	cJSON_AddStringToObject(inner, "Type", "AWS::Serverless::LayerVersion");
	cJSON_AddItemToObject(inner, "Properties", cJSON_Duplicate(props, true));
	pass(inner, sam_def, "Condition", NULL);
	pass(inner, sam_def, "DependsOn", NULL);
	char *new_id = hashed_id(id, hash_src);
	cJSON_Delete(hash_src);
	bool ok = false;
	cJSON *content = s3_location(s, id, "ContentUri", jget(props, "ContentUri"));
	if (!content)
		goto done;
	cJSON *def = cJSON_CreateObject();
	cJSON_AddStringToObject(def, "Type", "AWS::Lambda::LayerVersion");
	pass(def, sam_def, "DependsOn", NULL);
	passthrough(def, sam_def);
	if (!jget(def, "DeletionPolicy")) {
		cJSON *hold = NULL;
		const char *rp = sam_resolved_string(s, jget(props, "RetentionPolicy"), &hold);
		cJSON_AddStringToObject(def, "DeletionPolicy",
					rp && strcasecmp(rp, "Delete") == 0 ? "Delete" : "Retain");
		cJSON_Delete(hold);
	}
	cJSON *p = cJSON_AddObjectToObject(def, "Properties");
	cJSON_AddItemToObject(p, "Content", content);
	cJSON *hold = NULL;
	const char *name = sam_resolved_string(s, jget(props, "LayerName"), &hold);
	if (jget(props, "LayerName"))
		put(p, "LayerName",
		    name ? cJSON_CreateString(name)
			 : cJSON_Duplicate(jget(props, "LayerName"), true));
	else
		cJSON_AddStringToObject(p, "LayerName", id);
	cJSON_Delete(hold);
	pass(p, props, "Description", NULL);
	pass(p, props, "CompatibleRuntimes", NULL);
	pass(p, props, "CompatibleArchitectures", NULL);
	pass(p, props, "LicenseInfo", NULL);
	sam_put(s, new_id, def);
	put(s->renames, id, cJSON_CreateString(new_id));
	ok = true;
done:
	free(new_id);
	cJSON_Delete(props);
	return ok;
}

static bool sam_table(struct sam *s, const char *id, const cJSON *sam_def)
{
	cJSON *props = with_globals(s, "AWS::Serverless::SimpleTable", jget(sam_def, "Properties"));
	cJSON *def = cJSON_CreateObject();
	cJSON_AddStringToObject(def, "Type", "AWS::DynamoDB::Table");
	pass(def, sam_def, "DependsOn", NULL);
	passthrough(def, sam_def);
	cJSON *p = cJSON_AddObjectToObject(def, "Properties");
	pass(p, props, "TableName", NULL);
	const cJSON *pk = jget(props, "PrimaryKey");
	const char *name = pk ? jstr(pk, "Name") : "id";
	const char *type = pk ? jstr(pk, "Type") : "String";
	if (pk && (!name || !type)) {
		cJSON_Delete(props);
		cJSON_Delete(def);
		return sam_fail(s, id,
				"'PrimaryKey' is missing required Property 'Name' or 'Type'.");
	}
	const char *letter = strcmp(type, "String") == 0   ? "S"
			     : strcmp(type, "Number") == 0 ? "N"
			     : strcmp(type, "Binary") == 0 ? "B"
							   : NULL;
	if (!letter) {
		sam_fail(s, id, "Invalid 'Type' \"%s\".", type);
		cJSON_Delete(props);
		cJSON_Delete(def);
		return false;
	}
	cJSON *ad = cJSON_AddArrayToObject(p, "AttributeDefinitions");
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "AttributeName", name);
	cJSON_AddStringToObject(a, "AttributeType", letter);
	cJSON_AddItemToArray(ad, a);
	cJSON *ks = cJSON_AddArrayToObject(p, "KeySchema");
	cJSON *k = cJSON_CreateObject();
	cJSON_AddStringToObject(k, "AttributeName", name);
	cJSON_AddStringToObject(k, "KeyType", "HASH");
	cJSON_AddItemToArray(ks, k);
	const cJSON *pt = jget(props, "ProvisionedThroughput");
	if (pt)
		put(p, "ProvisionedThroughput", cJSON_Duplicate(pt, true));
	else
		cJSON_AddStringToObject(p, "BillingMode", "PAY_PER_REQUEST");
	pass(p, props, "SSESpecification", NULL);
	const cJSON *tags = jget(props, "Tags");
	if (tags) {
		cJSON *list = cJSON_AddArrayToObject(p, "Tags");
		const cJSON *t;
		cJSON_ArrayForEach(t, tags)
		{
			cJSON *one = cJSON_CreateObject();
			cJSON_AddStringToObject(one, "Key", t->string);
			cJSON_AddItemToObject(one, "Value", cJSON_Duplicate(t, true));
			cJSON_AddItemToArray(list, one);
		}
	}
	pass(p, props, "PointInTimeRecoverySpecification", NULL);
	sam_put(s, id, def);
	cJSON_Delete(props);
	return true;
}

/* Replace references (Ref, Fn::GetAtt, ${} of Fn::Sub) to renamed ids and to SAM's
 * referable properties ("Fn.Alias") everywhere. */
static void rewrite_refs(struct sam *s, cJSON *v)
{
	const char *fn = cfn_intrinsic_name(v);
	if (fn && strcmp(fn, "Ref") == 0 && cJSON_IsString(v->child)) {
		const char *to = jstr(s->renames, v->child->valuestring);
		if (!to)
			to = jstr(s->refs, v->child->valuestring);
		if (to)
			cJSON_SetValuestring(v->child, to);
		return;
	}
	if (fn && strcmp(fn, "Fn::GetAtt") == 0 && cJSON_IsArray(v->child) &&
	    cJSON_IsString(v->child->child)) {
		const char *to = jstr(s->renames, v->child->child->valuestring);
		if (to)
			cJSON_SetValuestring(v->child->child, to);
	}
	if (fn && strcmp(fn, "Fn::Sub") == 0) {
		cJSON *str = cJSON_IsArray(v->child) ? v->child->child : v->child;
		if (cJSON_IsString(str) && strstr(str->valuestring, "${")) {
			struct strbuf sb = STRBUF_INIT;
			const char *p = str->valuestring;
			while (*p) {
				const char *end = p[0] == '$' && p[1] == '{' && p[2] != '!'
							  ? strchr(p + 2, '}')
							  : NULL;
				if (!end) {
					strbuf_addch(&sb, *p++);
					continue;
				}
				char *var = xstrndup(p + 2, (size_t)(end - p - 2));
				char *dot = strchr(var, '.');
				const char *to = jstr(s->refs, var);
				if (!to && dot) {
					*dot = '\0';
					to = jstr(s->renames, var);
					*dot = '.';
				} else if (!to) {
					to = jstr(s->renames, var);
				}
				if (to)
					strbuf_addf(&sb, "${%s%s}", to,
						    dot && !jstr(s->refs, var) ? dot : "");
				else
					strbuf_add(&sb, p, (size_t)(end - p + 1));
				free(var);
				p = end + 1;
			}
			cJSON_SetValuestring(str, strbuf_str(&sb));
			strbuf_release(&sb);
		}
	}
	cJSON *it;
	cJSON_ArrayForEach(it, v)
	{
		rewrite_refs(s, it);
	}
}

static bool sam_type_offered(const char *type)
{
	static const char *const offered[] = {
		"AWS::Serverless::Function",    "AWS::Serverless::Api",
		"AWS::Serverless::HttpApi",     "AWS::Serverless::LayerVersion",
		"AWS::Serverless::SimpleTable", NULL
	};
	return in_list(type, offered);
}

bool cfn_sam_transform(const struct cfn_sam *in, const cJSON *tpl, cJSON **out, struct error *err)
{
	struct sam s;
	memset(&s, 0, sizeof(s));
	s.in = in;
	s.src = tpl;
	s.err = err;
	s.globals = (cJSON *)jget(tpl, "Globals");
	s.implicit_rest = cJSON_CreateArray();
	s.implicit_http = cJSON_CreateArray();
	s.explicit_rest = cJSON_CreateObject();
	s.explicit_http = cJSON_CreateObject();
	s.renames = cJSON_CreateObject();
	s.refs = cJSON_CreateObject();
	s.out = cJSON_CreateObject();
	const cJSON *sec;
	cJSON_ArrayForEach(sec, tpl)
	{
		if (strcmp(sec->string, "Transform") == 0 || strcmp(sec->string, "Globals") == 0)
			continue;
		if (strcmp(sec->string, "Resources") == 0) {
			s.resources = cJSON_AddObjectToObject(s.out, "Resources");
			continue;
		}
		cJSON_AddItemToObject(s.out, sec->string, cJSON_Duplicate(sec, true));
	}
	const cJSON *resources = jget(tpl, "Resources");
	if (!s.resources || !cJSON_IsObject(resources)) {
		sam_fail(&s, "Resources", "'Resources' section is required");
		goto fail;
	}
	if (!check_globals(&s))
		goto fail;
	/* Everything that is not SAM's first: events change buckets and the like in place. */
	const cJSON *r;
	cJSON_ArrayForEach(r, resources)
	{
		const char *type = jstr(r, "Type");
		if (!type || strncmp(type, "AWS::Serverless::", 17) != 0)
			cJSON_AddItemToObject(s.resources, r->string, cJSON_Duplicate(r, true));
	}
	cJSON_ArrayForEach(r, resources)
	{
		const char *type = jstr(r, "Type");
		if (!type || strncmp(type, "AWS::Serverless::", 17) != 0)
			continue;
		if (!sam_type_offered(type)) {
			sam_fail(&s, r->string, "The local cloud's SAM transform does not offer %s",
				 type);
			continue;
		}
		if (jget(r, "Properties") && !cJSON_IsObject(jget(r, "Properties"))) {
			sam_fail(&s, r->string, "Properties of a resource must be an object.");
			continue;
		}
		if (strcmp(type, "AWS::Serverless::Function") == 0)
			sam_function(&s, r->string, r);
		else if (strcmp(type, "AWS::Serverless::LayerVersion") == 0)
			sam_layer(&s, r->string, r);
		else if (strcmp(type, "AWS::Serverless::SimpleTable") == 0)
			sam_table(&s, r->string, r);
	}
	cJSON_ArrayForEach(r, resources)
	{
		const char *type = jstr(r, "Type");
		if (type && strcmp(type, "AWS::Serverless::Api") == 0)
			sam_rest_api(&s, r->string, r);
		else if (type && strcmp(type, "AWS::Serverless::HttpApi") == 0)
			sam_http_api(&s, r->string, r);
	}
	if (!s.errors)
		sam_implicit_apis(&s);
	if (s.codedeploy) {
		cJSON *app = cJSON_CreateObject();
		cJSON_AddStringToObject(app, "Type", "AWS::CodeDeploy::Application");
		cJSON *ap = cJSON_AddObjectToObject(app, "Properties");
		cJSON_AddStringToObject(ap, "ComputePlatform", "Lambda");
		sam_put(&s, "ServerlessDeploymentApplication", app);
		cJSON *role = cJSON_CreateObject();
		cJSON_AddStringToObject(role, "Type", "AWS::IAM::Role");
		cJSON *rp = cJSON_AddObjectToObject(role, "Properties");
		cJSON_AddItemToObject(rp, "AssumeRolePolicyDocument",
				      assume_role("codedeploy.amazonaws.com"));
		cJSON *arns = cJSON_AddArrayToObject(rp, "ManagedPolicyArns");
		cJSON_AddItemToArray(arns,
				     cJSON_CreateString("arn:aws:iam::aws:policy/service-role/"
							"AWSCodeDeployRoleForLambda"));
		sam_put(&s, "CodeDeployServiceRole", role);
	}
	if (s.errors)
		goto fail;
	rewrite_refs(&s, s.out);
	*out = s.out;
	s.out = NULL;
fail:
	if (s.errors) {
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		error_set(err,
			  "Transform " SAM_TRANSFORM " failed with: Invalid Serverless Application "
			  "Specification document. Number of errors found: %d. %s",
			  s.errors, msg);
	}
	cJSON_Delete(s.out);
	cJSON_Delete(s.implicit_rest);
	cJSON_Delete(s.implicit_http);
	cJSON_Delete(s.explicit_rest);
	cJSON_Delete(s.explicit_http);
	cJSON_Delete(s.renames);
	cJSON_Delete(s.refs);
	return s.errors == 0;
}
