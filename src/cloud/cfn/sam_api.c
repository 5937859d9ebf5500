/*
 * SAM's APIs: AWS::Serverless::Api (a REST API with an OpenAPI 2.0 body, a deployment whose
 * logical id changes with the body, and a stage) and AWS::Serverless::HttpApi (an HTTP API
 * with an OpenAPI 3.0 body and an auto-deployed stage), explicit or implicit
 * (ServerlessRestApi, ServerlessHttpApi) for the Api and HttpApi events that name none, and
 * the permissions that let API Gateway invoke each function.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/intrinsic.h"
#include "cloud/cfn/sam_internal.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *jget(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void pass(cJSON *dst, const cJSON *o, const char *k, const char *as)
{
	const cJSON *v = jget(o, k);
	if (v && !cJSON_IsNull(v))
		cJSON_AddItemToObject(dst, as ? as : k, cJSON_Duplicate(v, true));
}

static cJSON *child_object(cJSON *o, const char *k)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(o, k);
	return c ? c : cJSON_AddObjectToObject(o, k);
}

/* "/a/{id}/" as a permission's resource path: no trailing slash, variables as "*". */
static char *permission_path(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = strlen(path);
	if (n > 1 && path[n - 1] == '/')
		n--;
	for (size_t i = 0; i < n; i++) {
		if (path[i] == '{') {
			const char *close = memchr(path + i, '}', n - i);
			if (close) {
				strbuf_addch(&sb, '*');
				i = (size_t)(close - path);
				continue;
			}
		}
		strbuf_addch(&sb, path[i]);
	}
	return strbuf_detach(&sb);
}

/* The OpenAPI method key of an event's Method. */
static char *method_key(const char *method)
{
	char *m = xstrdup(method ? method : "any");
	for (char *p = m; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strcmp(m, "any") == 0) {
		free(m);
		return xstrdup("x-amazon-apigateway-any-method");
	}
	return m;
}

/* ${Fn.Arn} for a function, ${FnAliaslive} for an alias (its Ref is its ARN). */
static char *function_sub(const cJSON *target)
{
	const char *name = target->child->valuestring;
	return strstr(name, "Alias") ? xasprintf("${%s}", name) : xasprintf("${%s.Arn}", name);
}

static cJSON *integration(const cJSON *target, bool http, const cJSON *props)
{
	char *fsub = function_sub(target);
	char *uri = xasprintf("arn:%s:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
			      "%s/invocations",
			      http ? "${AWS::Partition}" : "aws", fsub);
	free(fsub);
	cJSON *i = cJSON_CreateObject();
	cJSON_AddStringToObject(i, "httpMethod", "POST");
	cJSON_AddStringToObject(i, "type", "aws_proxy");
	cJSON_AddItemToObject(i, "uri", sam_sub(uri));
	free(uri);
	if (http) {
		const char *pfv = jstr(props, "PayloadFormatVersion");
		cJSON_AddStringToObject(i, "payloadFormatVersion", pfv ? pfv : "2.0");
		pass(i, props, "TimeoutInMillis", "timeoutInMillis");
	}
	return i;
}

static cJSON *skeleton(bool http)
{
	cJSON *b = cJSON_CreateObject();
	cJSON *info = cJSON_AddObjectToObject(b, "info");
	cJSON_AddStringToObject(info, "version", "1.0");
	cJSON_AddItemToObject(info, "title", sam_ref("AWS::StackName"));
	cJSON_AddObjectToObject(b, "paths");
	if (http) {
		cJSON_AddStringToObject(b, "openapi", "3.0.1");
		cJSON *tags = cJSON_AddArrayToObject(b, "tags");
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "name", "httpapi:createdBy");
		cJSON_AddStringToObject(t, "x-amazon-apigateway-tag-value", "SAM");
		cJSON_AddItemToArray(tags, t);
	} else {
		cJSON_AddStringToObject(b, "swagger", "2.0");
	}
	return b;
}

/* Add one event's path and method to body. */
static bool add_path(struct sam *s, cJSON *body, const cJSON *ev, bool http)
{
	const cJSON *props = jget(ev, "Properties");
	const char *path = jstr(props, "Path");
	const char *method = jstr(props, "Method");
	if (http && !path) {
		path = "$default";
		method = "any";
	}
	if (!path || !method)
		return sam_fail_event(s, jstr(ev, "Function"), jstr(ev, "Event"),
				      "Event is missing key 'Path' or 'Method'.");
	cJSON *paths = child_object(body, "paths");
	cJSON *p = child_object(paths, path);
	char *m = method_key(method);
	if (jget(p, m)) {
		bool ok = sam_fail_event(s, jstr(ev, "Function"), jstr(ev, "Event"),
					 "API method '%s' defined multiple times for path '%s'.",
					 http ? m : method, path);
		free(m);
		return ok;
	}
	cJSON *op = cJSON_AddObjectToObject(p, m);
	cJSON_AddItemToObject(op, "x-amazon-apigateway-integration",
			      integration(jget(ev, "Target"), http, props));
	if (http && strcmp(path, "$default") == 0)
		cJSON_AddTrueToObject(op, "isDefaultRoute");
	cJSON_AddObjectToObject(op, "responses");
	if (http && strchr(path, '{')) {
		cJSON *params = cJSON_AddArrayToObject(op, "parameters");
		for (const char *q = strchr(path, '{'); q; q = strchr(q + 1, '{')) {
			const char *close = strchr(q, '}');
			if (!close)
				break;
			char *name = xstrndup(q + 1, (size_t)(close - q - 1));
			cJSON *one = cJSON_CreateObject();
			cJSON_AddTrueToObject(one, "required");
			cJSON_AddStringToObject(one, "name", name);
			cJSON_AddStringToObject(one, "in", "path");
			cJSON_AddItemToArray(params, one);
			free(name);
		}
	}
	free(m);
	return true;
}

/* A permission for one Api event on a REST API (stage suffix) or an HTTP API. */
static void add_permission(struct sam *s, const char *api_id, const cJSON *ev, bool http,
			   const char *suffix, bool default_exists)
{
	const cJSON *props = jget(ev, "Properties");
	const char *path = jstr(props, "Path");
	const char *method = jstr(props, "Method");
	if (http && !path) {
		path = "$default";
		method = "any";
	}
	bool any = !method || strcasecmp(method, "any") == 0 ||
		   strcmp(method, "x-amazon-apigateway-any-method") == 0;
	if (http && strcmp(path, "$default") != 0 && default_exists)
		return; /* the $default route's permission covers it */
	char *ppath = http && strcmp(path, "$default") == 0 ? xstrdup("") : permission_path(path);
	char *upper = xstrdup(any ? "*" : method);
	for (char *c = upper; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	char *resource = xasprintf("arn:%s:execute-api:${AWS::Region}:${AWS::AccountId}:"
				   "${__ApiId__}/${__Stage__}/%s%s",
				   http ? "${AWS::Partition}" : "aws", upper, ppath);
	if (http && !*ppath && any) {
		free(resource);
		resource = xstrdup("arn:${AWS::Partition}:execute-api:${AWS::Region}:"
				   "${AWS::AccountId}:${__ApiId__}/${__Stage__}/*");
	}
	cJSON *vars = cJSON_CreateObject();
	cJSON_AddItemToObject(vars, "__ApiId__", sam_ref(api_id));
	cJSON_AddStringToObject(vars, "__Stage__", "*");
	cJSON *perm = sam_permission(jget(ev, "Target"), "apigateway.amazonaws.com",
				     sam_sub_vars(resource, vars), NULL);
	if (jstr(ev, "Condition"))
		cJSON_AddStringToObject(perm, "Condition", jstr(ev, "Condition"));
	char *pid = xasprintf("%sPermission%s", jstr(ev, "Id"), suffix ? suffix : "");
	sam_put(s, pid, perm);
	free(pid);
	free(resource);
	free(upper);
	free(ppath);
}

/* Whether fn has the $default route of body. */
static bool has_default(const cJSON *body, const char *fn)
{
	const cJSON *op =
		jget(jget(jget(body, "paths"), "$default"), "x-amazon-apigateway-any-method");
	const cJSON *uri = jget(jget(op, "x-amazon-apigateway-integration"), "uri");
	const char *text = jstr(uri, "Fn::Sub");
	if (!text)
		return false;
	char *a = xasprintf("${%s.Arn}", fn), *b = xasprintf("${%sAlias", fn);
	bool hit = strstr(text, a) || strstr(text, b);
	free(a);
	free(b);
	return hit;
}

/* A REST API's deployment id: the hash of its body, as the transform names deployments. */
static char *deployment_id(const char *api_id, const cJSON *body, char *digest_out)
{
	char *text = cfn_sam_canonical_json(body);
	cfn_sam_hash(text, digest_out, 40);
	free(text);
	return xasprintf("%sDeployment%.10s", api_id, digest_out);
}

static bool stage_name_ok(const char *name)
{
	for (const char *c = name; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
			return false;
	}
	return *name != '\0';
}

/* Make a REST API: the RestApi with body (taken), its deployment and stage. */
static bool make_rest_api(struct sam *s, const char *id, const cJSON *sam_def, const cJSON *props,
			  cJSON *body, const cJSON *stage)
{
	cJSON *api = cJSON_CreateObject();
	cJSON_AddStringToObject(api, "Type", "AWS::ApiGateway::RestApi");
	pass(api, sam_def, "Condition", NULL);
	pass(api, sam_def, "DependsOn", NULL);
	cJSON *p = cJSON_AddObjectToObject(api, "Properties");
	char digest[41];
	char *dep_id = body ? deployment_id(id, body, digest) : NULL;
	if (body)
		cJSON_AddItemToObject(p, "Body", body);
	else
		pass(p, props, "DefinitionUri", "BodyS3Location");
	pass(p, props, "Name", NULL);
	pass(p, props, "Description", NULL);
	pass(p, props, "BinaryMediaTypes", NULL);
	pass(p, props, "MinimumCompressionSize", NULL);
	const cJSON *ec = jget(props, "EndpointConfiguration");
	const cJSON *ec_type =
		cJSON_IsObject(ec) && !cfn_intrinsic_name(ec) ? jget(ec, "Type") : ec;
	if (ec_type) {
		cJSON *e = cJSON_AddObjectToObject(p, "EndpointConfiguration");
		cJSON *types = cJSON_AddArrayToObject(e, "Types");
		cJSON_AddItemToArray(types, cJSON_Duplicate(ec_type, true));
		if (ec != ec_type) {
			const cJSON *ids = jget(ec, "VPCEndpointIds");
			if (!ids)
				ids = jget(ec, "VpcEndpointIds");
			if (ids)
				cJSON_AddItemToObject(e, "VpcEndpointIds",
						      cJSON_Duplicate(ids, true));
			pass(e, ec, "IpAddressType", NULL);
		}
		cJSON *params = cJSON_AddObjectToObject(p, "Parameters");
		cJSON_AddItemToObject(params, "endpointConfigurationTypes",
				      cJSON_Duplicate(ec_type, true));
	}
	sam_put(s, id, api);
	if (!dep_id) {
		char h[41];
		cJSON *src = cJSON_Duplicate(jget(props, "DefinitionUri"), true);
		char *text = cfn_sam_canonical_json(src);
		cfn_sam_hash(text, h, 40);
		free(text);
		cJSON_Delete(src);
		memcpy(digest, h, sizeof(digest));
		dep_id = xasprintf("%sDeployment%.10s", id, digest);
	}
	cJSON *dep = cJSON_CreateObject();
	cJSON_AddStringToObject(dep, "Type", "AWS::ApiGateway::Deployment");
	pass(dep, sam_def, "Condition", NULL);
	cJSON *dp = cJSON_AddObjectToObject(dep, "Properties");
	char *desc = xasprintf("RestApi deployment id: %s", digest);
	cJSON_AddStringToObject(dp, "Description", desc);
	free(desc);
	cJSON_AddItemToObject(dp, "RestApiId", sam_ref(id));
	cJSON_AddStringToObject(dp, "StageName", "Stage");
	sam_put(s, dep_id, dep);
	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "Type", "AWS::ApiGateway::Stage");
	pass(st, sam_def, "Condition", NULL);
	cJSON *sp = cJSON_AddObjectToObject(st, "Properties");
	cJSON_AddItemToObject(sp, "DeploymentId", sam_ref(dep_id));
	cJSON_AddItemToObject(sp, "RestApiId", sam_ref(id));
	cJSON_AddItemToObject(sp, "StageName", cJSON_Duplicate(stage, true));
	pass(sp, props, "Variables", NULL);
	pass(sp, props, "TracingEnabled", NULL);
	pass(sp, props, "CacheClusterEnabled", NULL);
	pass(sp, props, "CacheClusterSize", NULL);
	pass(sp, props, "MethodSettings", NULL);
	pass(sp, props, "AccessLogSetting", NULL);
	/* A stage named in the template names its resource; one given by a function does not. */
	char *clean = xstrdup(cJSON_IsString(stage) ? stage->valuestring : "");
	char *w = clean;
	for (const char *c = clean; *c; c++) {
		if (isalnum((unsigned char)*c))
			*w++ = *c;
	}
	*w = '\0';
	char *sid = xasprintf("%s%sStage", id, clean);
	sam_put(s, sid, st);
	char *k = xasprintf("%s.Stage", id);
	cJSON_AddStringToObject(s->refs, k, sid);
	free(k);
	k = xasprintf("%s.Deployment", id);
	cJSON_AddStringToObject(s->refs, k, dep_id);
	free(k);
	free(sid);
	free(clean);
	free(dep_id);
	return true;
}

static const char *const rest_offered[] = { "StageName",
					    "Name",
					    "Description",
					    "DefinitionBody",
					    "DefinitionUri",
					    "BinaryMediaTypes",
					    "EndpointConfiguration",
					    "Variables",
					    "TracingEnabled",
					    "MinimumCompressionSize",
					    "CacheClusterEnabled",
					    "CacheClusterSize",
					    "MethodSettings",
					    "AccessLogSetting",
					    "OpenApiVersion",
					    "Tags",
					    "PropagateTags",
					    NULL };

static bool offered(const char *k, const char *const *list)
{
	for (; *list; list++) {
		if (strcmp(*list, k) == 0)
			return true;
	}
	return false;
}

/* The events of one API: its paths (when the transform manages the body) and permissions. */
static bool api_events(struct sam *s, const char *api_id, cJSON *body, const cJSON *events,
		       bool http, const char *suffix)
{
	bool ok = true;
	const cJSON *ev;
	cJSON_ArrayForEach(ev, events)
	{
		if (body && !add_path(s, body, ev, http))
			ok = false;
	}
	cJSON_ArrayForEach(ev, events)
	{
		add_permission(s, api_id, ev, http, suffix,
			       http && body && has_default(body, jstr(ev, "Function")));
	}
	return ok;
}

bool sam_rest_api(struct sam *s, const char *id, const cJSON *sam_def)
{
	const cJSON *props = jget(sam_def, "Properties");
	const cJSON *g = jget(s->globals, "Api");
	cJSON *merged = cJSON_Duplicate(props ? props : g, true);
	if (props && g) {
		const cJSON *it;
		cJSON_ArrayForEach(it, g)
		{
			if (!jget(merged, it->string))
				cJSON_AddItemToObject(merged, it->string,
						      cJSON_Duplicate(it, true));
		}
	}
	if (!merged)
		merged = cJSON_CreateObject();
	const cJSON *it;
	cJSON_ArrayForEach(it, merged)
	{
		if (!offered(it->string, rest_offered)) {
			sam_fail(s, id,
				 "The local cloud's SAM transform does not offer '%s' on "
				 "AWS::Serverless::Api",
				 it->string);
			cJSON_Delete(merged);
			return false;
		}
	}
	const cJSON *stage = jget(merged, "StageName");
	if (!stage) {
		cJSON_Delete(merged);
		return sam_fail(s, id, "Missing required property 'StageName'.");
	}
	if (cJSON_IsString(stage) && !stage_name_ok(stage->valuestring)) {
		cJSON_Delete(merged);
		return sam_fail(s, id,
				"Stage name must contain only alphanumeric characters, "
				"hyphens and underscores");
	}
	const char *suffix = cJSON_IsString(stage) ? stage->valuestring : "Stage";
	const cJSON *def_body = jget(merged, "DefinitionBody");
	bool managed = !def_body && !jget(merged, "DefinitionUri");
	cJSON *body = def_body ? cJSON_Duplicate(def_body, true) : managed ? skeleton(false) : NULL;
	bool ok =
		api_events(s, id, managed ? body : NULL, jget(s->explicit_rest, id), false, suffix);
	ok = ok && make_rest_api(s, id, sam_def, merged, body, stage);
	if (!ok && body && !jget(s->resources, id))
		cJSON_Delete(body);
	cJSON_Delete(merged);
	return ok;
}

static bool make_http_api(struct sam *s, const char *id, const cJSON *sam_def, const cJSON *props,
			  cJSON *body, const char *stage)
{
	cJSON *api = cJSON_CreateObject();
	cJSON_AddStringToObject(api, "Type", "AWS::ApiGatewayV2::Api");
	pass(api, sam_def, "Condition", NULL);
	pass(api, sam_def, "DependsOn", NULL);
	cJSON *p = cJSON_AddObjectToObject(api, "Properties");
	if (body)
		cJSON_AddItemToObject(p, "Body", body);
	else
		pass(p, props, "DefinitionUri", "BodyS3Location");
	pass(p, props, "Name", NULL);
	pass(p, props, "Description", NULL);
	pass(p, props, "DisableExecuteApiEndpoint", NULL);
	sam_put(s, id, api);
	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "Type", "AWS::ApiGatewayV2::Stage");
	pass(st, sam_def, "Condition", NULL);
	cJSON *sp = cJSON_AddObjectToObject(st, "Properties");
	cJSON_AddItemToObject(sp, "ApiId", sam_ref(id));
	cJSON_AddStringToObject(sp, "StageName", stage ? stage : "$default");
	cJSON *tags = cJSON_AddObjectToObject(sp, "Tags");
	cJSON_AddStringToObject(tags, "httpapi:createdBy", "SAM");
	cJSON_AddTrueToObject(sp, "AutoDeploy");
	pass(sp, props, "StageVariables", NULL);
	pass(sp, props, "AccessLogSettings", NULL);
	pass(sp, props, "DefaultRouteSettings", NULL);
	pass(sp, props, "RouteSettings", NULL);
	char *sid = !stage || strcmp(stage, "$default") == 0
			    ? xasprintf("%sApiGatewayDefaultStage", id)
			    : xasprintf("%s%sStage", id, stage);
	sam_put(s, sid, st);
	char *k = xasprintf("%s.Stage", id);
	cJSON_AddStringToObject(s->refs, k, sid);
	free(k);
	free(sid);
	return true;
}

static const char *const http_offered[] = { "StageName",         "Name",
					    "Description",       "DefinitionBody",
					    "DefinitionUri",     "StageVariables",
					    "AccessLogSettings", "DefaultRouteSettings",
					    "RouteSettings",     "DisableExecuteApiEndpoint",
					    "FailOnWarnings",    "Tags",
					    "PropagateTags",     NULL };

bool sam_http_api(struct sam *s, const char *id, const cJSON *sam_def)
{
	const cJSON *props = jget(sam_def, "Properties");
	cJSON *merged = props ? cJSON_Duplicate(props, true) : cJSON_CreateObject();
	const cJSON *it;
	cJSON_ArrayForEach(it, jget(s->globals, "HttpApi"))
	{
		if (!jget(merged, it->string))
			cJSON_AddItemToObject(merged, it->string, cJSON_Duplicate(it, true));
	}
	cJSON_ArrayForEach(it, merged)
	{
		if (!offered(it->string, http_offered)) {
			sam_fail(s, id,
				 "The local cloud's SAM transform does not offer '%s' on "
				 "AWS::Serverless::HttpApi",
				 it->string);
			cJSON_Delete(merged);
			return false;
		}
	}
	cJSON *hold = NULL;
	const char *stage = sam_resolved_string(s, jget(merged, "StageName"), &hold);
	const cJSON *def_body = jget(merged, "DefinitionBody");
	bool managed = !def_body && !jget(merged, "DefinitionUri");
	cJSON *body = def_body ? cJSON_Duplicate(def_body, true) : managed ? skeleton(true) : NULL;
	bool ok = api_events(s, id, managed ? body : NULL, jget(s->explicit_http, id), true, NULL);
	ok = ok && make_http_api(s, id, sam_def, merged, body, stage);
	if (!ok && body && !jget(s->resources, id))
		cJSON_Delete(body);
	cJSON_Delete(hold);
	cJSON_Delete(merged);
	return ok;
}

bool sam_implicit_apis(struct sam *s)
{
	bool ok = true;
	if (s->implicit_rest->child) {
		cJSON *body = skeleton(false);
		ok = api_events(s, "ServerlessRestApi", body, s->implicit_rest, false, "Prod");
		cJSON *props = cJSON_CreateObject();
		cJSON *def = cJSON_CreateObject();
		cJSON *prod = cJSON_CreateString("Prod");
		if (ok)
			ok = make_rest_api(s, "ServerlessRestApi", def, props, body, prod);
		else
			cJSON_Delete(body);
		cJSON_Delete(prod);
		cJSON_Delete(props);
		cJSON_Delete(def);
	}
	if (ok && s->implicit_http->child) {
		cJSON *body = skeleton(true);
		ok = api_events(s, "ServerlessHttpApi", body, s->implicit_http, true, NULL);
		cJSON *props = cJSON_CreateObject();
		cJSON *def = cJSON_CreateObject();
		if (ok)
			ok = make_http_api(s, "ServerlessHttpApi", def, props, body, NULL);
		else
			cJSON_Delete(body);
		cJSON_Delete(props);
		cJSON_Delete(def);
	}
	return ok;
}
