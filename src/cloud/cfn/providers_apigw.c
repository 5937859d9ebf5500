/*
 * API Gateway's resource types: REST APIs (with an OpenAPI Body, as the SAM transform writes
 * them, turned into resources, methods and integrations), resources, methods, deployments and
 * stages; HTTP APIs (with a Body turned into integrations and routes), their integrations,
 * routes, stages and deployments. Everything goes through API Gateway's own API.
 */
#include "cloud/cfn/providers.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cfn/intrinsic.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define S cfn_prop_str

/* The body of an API: an object, or JSON text. Caller deletes. */
static cJSON *api_body(const cJSON *props, struct aws_err *err)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(props, "Body");
	if (!b)
		return NULL;
	if (cJSON_IsObject(b))
		return cJSON_Duplicate(b, true);
	cJSON *parsed = cJSON_IsString(b) ? cJSON_Parse(b->valuestring) : NULL;
	if (!cJSON_IsObject(parsed)) {
		cJSON_Delete(parsed);
		cfn_invalid(err, "#/Body: expected an OpenAPI document");
	}
	return parsed;
}

static const char *const http_methods[] = { "get",   "post", "put",     "delete",
					    "patch", "head", "options", NULL };

/* The API Gateway method of an OpenAPI operation key, or NULL when it is not one. */
static char *method_of(const char *key)
{
	if (strcmp(key, "x-amazon-apigateway-any-method") == 0)
		return xstrdup("ANY");
	for (const char *const *m = http_methods; *m; m++) {
		if (strcmp(*m, key) == 0) {
			char *up = xstrdup(key);
			for (char *p = up; *p; p++)
				*p = (char)toupper((unsigned char)*p);
			return up;
		}
	}
	return NULL;
}

/* REST APIs. */

struct rest_build {
	struct cfn_res *r;
	const char *api;
	cJSON *ids; /* path -> resource id */
};

static bool rest_resource_id(struct rest_build *b, const char *path, const char **id,
			     struct aws_err *err)
{
	const cJSON *known = cJSON_GetObjectItemCaseSensitive(b->ids, path);
	if (known) {
		*id = known->valuestring;
		return true;
	}
	const char *slash = strrchr(path, '/');
	char *parent = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	const char *pid;
	bool ok = rest_resource_id(b, parent, &pid, err);
	free(parent);
	if (!ok)
		return false;
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "restApiId", b->api);
	cJSON_AddStringToObject(in, "parentId", pid);
	cJSON_AddStringToObject(in, "pathPart", slash + 1);
	cJSON *out = NULL;
	if (!cfn_call_owned(b->r, "apigateway", "CreateResource", in, &out, err))
		return false;
	cJSON_AddStringToObject(b->ids, path, S(out, "id") ? S(out, "id") : "");
	cJSON_Delete(out);
	*id = cJSON_GetObjectItemCaseSensitive(b->ids, path)->valuestring;
	return true;
}

static bool rest_method(struct rest_build *b, const char *rid, const char *method, const cJSON *op,
			struct aws_err *err)
{
	const cJSON *integ =
		cJSON_GetObjectItemCaseSensitive(op, "x-amazon-apigateway-integration");
	bool iam = false;
	const cJSON *sec;
	cJSON_ArrayForEach(sec, cJSON_GetObjectItemCaseSensitive(op, "security"))
	{
		iam = iam || cJSON_GetObjectItemCaseSensitive(sec, "sigv4") ||
		      cJSON_GetObjectItemCaseSensitive(sec, "AWS_IAM");
	}
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "restApiId", b->api);
	cJSON_AddStringToObject(in, "resourceId", rid);
	cJSON_AddStringToObject(in, "httpMethod", method);
	cJSON_AddStringToObject(in, "authorizationType", iam ? "AWS_IAM" : "NONE");
	if (!cfn_call_owned(b->r, "apigateway", "PutMethod", in, NULL, err))
		return false;
	if (!integ)
		return true;
	in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "restApiId", b->api);
	cJSON_AddStringToObject(in, "resourceId", rid);
	cJSON_AddStringToObject(in, "httpMethod", method);
	char *type = xstrdup(S(integ, "type") ? S(integ, "type") : "aws_proxy");
	for (char *p = type; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	cJSON_AddStringToObject(in, "type", type);
	free(type);
	if (S(integ, "httpMethod"))
		cJSON_AddStringToObject(in, "integrationHttpMethod", S(integ, "httpMethod"));
	if (S(integ, "uri"))
		cJSON_AddStringToObject(in, "uri", S(integ, "uri"));
	cfn_copy_int(in, integ, "timeoutInMillis", NULL, err);
	return cfn_call_owned(b->r, "apigateway", "PutIntegration", in, NULL, err);
}

/* Make body's paths and methods in the API (whose root resource is root). */
static bool rest_apply_body(struct cfn_res *r, const char *api, const char *root, const cJSON *body,
			    struct aws_err *err)
{
	struct rest_build b = { .r = r, .api = api, .ids = cJSON_CreateObject() };
	cJSON_AddStringToObject(b.ids, "/", root);
	bool ok = true;
	const cJSON *path;
	cJSON_ArrayForEach(path, cJSON_GetObjectItemCaseSensitive(body, "paths"))
	{
		if (path->string[0] != '/') {
			ok = cfn_invalid(err, "#/Body/paths: a path must start with /: %s",
					 path->string);
			break;
		}
		/* "/a/" and "/a" are one resource. */
		char *p = xstrdup(path->string);
		size_t n = strlen(p);
		while (n > 1 && p[n - 1] == '/')
			p[--n] = '\0';
		const char *rid = NULL;
		ok = rest_resource_id(&b, p, &rid, err);
		free(p);
		const cJSON *op;
		cJSON_ArrayForEach(op, path)
		{
			if (!ok)
				break;
			char *m = method_of(op->string);
			if (m)
				ok = rest_method(&b, rid, m, op, err);
			free(m);
		}
		if (!ok)
			break;
	}
	cJSON_Delete(b.ids);
	return ok;
}

/* The root resource's id. */
static bool rest_root(struct cfn_res *r, const char *api, char **root, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "restApiId", api);
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "apigateway", "GetResources", in, &out, err))
		return false;
	*root = NULL;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(out, "items"))
	{
		if (S(it, "path") && strcmp(S(it, "path"), "/") == 0 && S(it, "id"))
			*root = xstrdup(S(it, "id"));
	}
	cJSON_Delete(out);
	if (!*root)
		return aws_err_set(err, 500, "InternalFailure",
				   "The REST API has no root resource");
	return true;
}

/* Delete every resource under the root (their methods go with them). */
static bool rest_clear(struct cfn_res *r, const char *api, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "restApiId", api);
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "apigateway", "GetResources", in, &out, err))
		return false;
	bool ok = true;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(out, "items"))
	{
		const char *path = S(it, "path");
		if (!ok || !path || strcmp(path, "/") == 0 || strchr(path + 1, '/'))
			continue; /* the root, and what a top-level resource takes with it */
		cJSON *del = cJSON_CreateObject();
		cJSON_AddStringToObject(del, "restApiId", api);
		cJSON_AddStringToObject(del, "resourceId", S(it, "id"));
		ok = cfn_call_delete(r, "apigateway", "DeleteResource", del, err);
	}
	/* Methods on the root itself. */
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(out, "items"))
	{
		const char *path = S(it, "path");
		if (!ok || !path || strcmp(path, "/") != 0)
			continue;
		const cJSON *m;
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(it, "resourceMethods"))
		{
			cJSON *del = cJSON_CreateObject();
			cJSON_AddStringToObject(del, "restApiId", api);
			cJSON_AddStringToObject(del, "resourceId", S(it, "id"));
			cJSON_AddStringToObject(del, "httpMethod", m->string);
			ok = ok && cfn_call_delete(r, "apigateway", "DeleteMethod", del, err);
		}
	}
	cJSON_Delete(out);
	return ok;
}

static bool rest_api_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	cJSON *body = api_body(props, err);
	if (!body && err->code[0])
		return false;
	const cJSON *title = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(body, "info"), "title");
	const char *name = S(props, "Name")        ? S(props, "Name")
			   : cJSON_IsString(title) ? title->valuestring
						   : NULL;
	if (!name) {
		cJSON_Delete(body);
		return cfn_required(err, "Name");
	}
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "name", name);
	cfn_copy_str(in, props, "Description", "description", err);
	const cJSON *bmt = cJSON_GetObjectItemCaseSensitive(props, "BinaryMediaTypes");
	if (!bmt)
		bmt = cJSON_GetObjectItemCaseSensitive(body,
						       "x-amazon-apigateway-binary-media-types");
	if (bmt)
		cJSON_AddItemToObject(in, "binaryMediaTypes", cJSON_Duplicate(bmt, true));
	const cJSON *ec = cJSON_GetObjectItemCaseSensitive(props, "EndpointConfiguration");
	if (ec) {
		cJSON *e = cJSON_AddObjectToObject(in, "endpointConfiguration");
		cfn_copy_raw(e, ec, "Types", "types");
	}
	cJSON *tags = cfn_tags_map(cJSON_GetObjectItemCaseSensitive(props, "Tags"));
	if (tags)
		cJSON_AddItemToObject(in, "tags", tags);
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "apigateway", "CreateRestApi", in, &out, err)) {
		cJSON_Delete(body);
		return false;
	}
	char *api = xstrdup(S(out, "id") ? S(out, "id") : "");
	cJSON_Delete(out);
	char *root = NULL;
	bool ok = rest_root(r, api, &root, err) &&
		  (!body || rest_apply_body(r, api, root, body, err));
	cJSON_Delete(body);
	if (!ok) {
		struct aws_err ignore = { 0 };
		cJSON *del = cJSON_CreateObject();
		cJSON_AddStringToObject(del, "restApiId", api);
		cfn_call_owned(r, "apigateway", "DeleteRestApi", del, NULL, &ignore);
		aws_err_release(&ignore);
		free(api);
		free(root);
		return false;
	}
	r->physical = api;
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "RootResourceId", root);
	cJSON_AddStringToObject(r->attrs, "RestApiId", api);
	free(root);
	return true;
}

static bool rest_api_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			    const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	if (!cfn_prop_changed(old_props, props, "Body"))
		return true;
	cJSON *body = api_body(props, err);
	if (!body && err->code[0])
		return false;
	char *root = NULL;
	bool ok = rest_clear(r, physical, err) && rest_root(r, physical, &root, err) &&
		  (!body || rest_apply_body(r, physical, root, body, err));
	free(root);
	cJSON_Delete(body);
	return ok;
}

static bool rest_api_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			    const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "restApiId", physical);
	return cfn_call_delete(r, "apigateway", "DeleteRestApi", in, err);
}

static const char *const rest_api_attributes[] = { "RootResourceId", "RestApiId", NULL };

const struct cfn_provider cfn_apigw_rest_api = {
	.type = "AWS::ApiGateway::RestApi",
	.create = rest_api_create,
	.update = rest_api_update,
	.remove = rest_api_remove,
	.attributes = rest_api_attributes,
};

static bool resource_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	static const char *const required[] = { "RestApiId", "ParentId", "PathPart", NULL };
	for (const char *const *q = required; *q; q++) {
		if (!cJSON_GetObjectItemCaseSensitive(props, *q))
			return cfn_required(err, *q);
	}
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, props, "RestApiId", "restApiId", err);
	cfn_copy_str(in, props, "ParentId", "parentId", err);
	cfn_copy_str(in, props, "PathPart", "pathPart", err);
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "apigateway", "CreateResource", in, &out, err))
		return false;
	r->physical = xstrdup(S(out, "id") ? S(out, "id") : "");
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "ResourceId", r->physical);
	cJSON_Delete(out);
	return true;
}

static bool resource_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			    const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, props, "RestApiId", "restApiId", err);
	cJSON_AddStringToObject(in, "resourceId", physical);
	return cfn_call_delete(r, "apigateway", "DeleteResource", in, err);
}

static const char *const resource_attributes[] = { "ResourceId", NULL };

const struct cfn_provider cfn_apigw_resource = {
	.type = "AWS::ApiGateway::Resource",
	.create = resource_create,
	.remove = resource_remove,
	.attributes = resource_attributes,
};

static bool method_put(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, props, "RestApiId", "restApiId", err);
	cfn_copy_str(in, props, "ResourceId", "resourceId", err);
	cfn_copy_str(in, props, "HttpMethod", "httpMethod", err);
	const char *auth = S(props, "AuthorizationType");
	cJSON_AddStringToObject(in, "authorizationType", auth ? auth : "NONE");
	cfn_copy_str(in, props, "AuthorizerId", "authorizerId", err);
	cfn_copy_bool(in, props, "ApiKeyRequired", "apiKeyRequired", err);
	if (!cfn_call_owned(r, "apigateway", "PutMethod", in, NULL, err))
		return false;
	const cJSON *integ = cJSON_GetObjectItemCaseSensitive(props, "Integration");
	if (!integ)
		return true;
	in = cJSON_CreateObject();
	cfn_copy_str(in, props, "RestApiId", "restApiId", err);
	cfn_copy_str(in, props, "ResourceId", "resourceId", err);
	cfn_copy_str(in, props, "HttpMethod", "httpMethod", err);
	cfn_copy_str(in, integ, "Type", "type", err);
	cfn_copy_str(in, integ, "IntegrationHttpMethod", "integrationHttpMethod", err);
	cfn_copy_str(in, integ, "Uri", "uri", err);
	cfn_copy_int(in, integ, "TimeoutInMillis", "timeoutInMillis", err);
	cfn_copy_str(in, integ, "Credentials", "credentials", err);
	return cfn_call_owned(r, "apigateway", "PutIntegration", in, NULL, err);
}

static bool method_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	static const char *const required[] = { "RestApiId", "ResourceId", "HttpMethod", NULL };
	for (const char *const *q = required; *q; q++) {
		if (!cJSON_GetObjectItemCaseSensitive(props, *q))
			return cfn_required(err, *q);
	}
	if (!method_put(r, props, err))
		return false;
	r->physical = cfn_physical_name(r, 128, false);
	return true;
}

static bool method_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			  const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, old_props, "RestApiId", "restApiId", err);
	cfn_copy_str(in, old_props, "ResourceId", "resourceId", err);
	cfn_copy_str(in, old_props, "HttpMethod", "httpMethod", err);
	return cfn_call_delete(r, "apigateway", "DeleteMethod", in, err) &&
	       method_put(r, props, err);
}

static bool method_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			  const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, props, "RestApiId", "restApiId", err);
	cfn_copy_str(in, props, "ResourceId", "resourceId", err);
	cfn_copy_str(in, props, "HttpMethod", "httpMethod", err);
	return cfn_call_delete(r, "apigateway", "DeleteMethod", in, err);
}

static const char *const method_replace[] = { "RestApiId", "ResourceId", NULL };

const struct cfn_provider cfn_apigw_method = {
	.type = "AWS::ApiGateway::Method",
	.create = method_create,
	.update = method_update,
	.remove = method_remove,
	.replace = method_replace,
};

static bool deployment_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "RestApiId"))
		return cfn_required(err, "RestApiId");
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, props, "RestApiId", "restApiId", err);
	cfn_copy_str(in, props, "StageName", "stageName", err);
	cfn_copy_str(in, props, "Description", "description", err);
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "apigateway", "CreateDeployment", in, &out, err))
		return false;
	r->physical = xstrdup(S(out, "id") ? S(out, "id") : "");
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "DeploymentId", r->physical);
	cJSON_Delete(out);
	return true;
}

static bool deployment_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			      const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, props, "RestApiId", "restApiId", err);
	cJSON_AddStringToObject(in, "deploymentId", physical);
	return cfn_call_delete(r, "apigateway", "DeleteDeployment", in, err);
}

static const char *const deployment_attributes[] = { "DeploymentId", NULL };

const struct cfn_provider cfn_apigw_deployment = {
	.type = "AWS::ApiGateway::Deployment",
	.create = deployment_create,
	.remove = deployment_remove,
	.attributes = deployment_attributes,
};

static bool stage_input(cJSON *in, const cJSON *props, struct aws_err *err)
{
	return cfn_copy_str(in, props, "RestApiId", "restApiId", err) &&
	       cfn_copy_str(in, props, "StageName", "stageName", err) &&
	       cfn_copy_str(in, props, "DeploymentId", "deploymentId", err) &&
	       cfn_copy_str(in, props, "Description", "description", err) &&
	       cfn_copy_bool(in, props, "TracingEnabled", "tracingEnabled", err);
}

static bool stage_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	static const char *const required[] = { "RestApiId", "StageName", "DeploymentId", NULL };
	for (const char *const *q = required; *q; q++) {
		if (!cJSON_GetObjectItemCaseSensitive(props, *q))
			return cfn_required(err, *q);
	}
	cJSON *in = cJSON_CreateObject();
	if (!stage_input(in, props, err)) {
		cJSON_Delete(in);
		return false;
	}
	cfn_copy_raw(in, props, "Variables", "variables");
	if (!cfn_call_owned(r, "apigateway", "CreateStage", in, NULL, err))
		return false;
	r->physical = xstrdup(S(props, "StageName"));
	return true;
}

static bool stage_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			 const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, props, "RestApiId", "restApiId", err);
	cJSON_AddStringToObject(in, "stageName", physical);
	cJSON *ops = cJSON_AddArrayToObject(in, "patchOperations");
	static const struct {
		const char *prop, *path;
	} fields[] = { { "DeploymentId", "/deploymentId" }, { "Description", "/description" } };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!cfn_prop_changed(old_props, props, fields[i].prop))
			continue;
		cJSON *op = cJSON_CreateObject();
		cJSON_AddStringToObject(op, "op", "replace");
		cJSON_AddStringToObject(op, "path", fields[i].path);
		char *v =
			cfn_scalar_string(cJSON_GetObjectItemCaseSensitive(props, fields[i].prop));
		cJSON_AddStringToObject(op, "value", v ? v : "");
		free(v);
		cJSON_AddItemToArray(ops, op);
	}
	if (!ops->child) {
		cJSON_Delete(in);
		return true;
	}
	return cfn_call_owned(r, "apigateway", "UpdateStage", in, NULL, err);
}

static bool stage_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			 const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, props, "RestApiId", "restApiId", err);
	cJSON_AddStringToObject(in, "stageName", physical);
	return cfn_call_delete(r, "apigateway", "DeleteStage", in, err);
}

static const char *const stage_replace[] = { "RestApiId", "StageName", NULL };

const struct cfn_provider cfn_apigw_stage = {
	.type = "AWS::ApiGateway::Stage",
	.create = stage_create,
	.update = stage_update,
	.remove = stage_remove,
	.replace = stage_replace,
};

/* HTTP APIs. */

/* Integrations and routes for an OpenAPI 3 body. */
static bool http_apply_body(struct cfn_res *r, const char *api, const cJSON *body,
			    struct aws_err *err)
{
	cJSON *integrations = cJSON_CreateObject(); /* uri -> integration id */
	bool ok = true;
	const cJSON *path;
	cJSON_ArrayForEach(path, cJSON_GetObjectItemCaseSensitive(body, "paths"))
	{
		const cJSON *op;
		cJSON_ArrayForEach(op, path)
		{
			char *m = method_of(op->string);
			if (!m)
				continue;
			const cJSON *integ = cJSON_GetObjectItemCaseSensitive(
				op, "x-amazon-apigateway-integration");
			const char *uri = S(integ, "uri");
			const char *iid = NULL;
			if (uri) {
				const cJSON *known =
					cJSON_GetObjectItemCaseSensitive(integrations, uri);
				if (known) {
					iid = known->valuestring;
				} else {
					cJSON *in = cJSON_CreateObject();
					cJSON_AddStringToObject(in, "ApiId", api);
					char *type = xstrdup(S(integ, "type") ? S(integ, "type")
									      : "aws_proxy");
					for (char *p = type; *p; p++)
						*p = (char)toupper((unsigned char)*p);
					cJSON_AddStringToObject(in, "IntegrationType", type);
					free(type);
					cJSON_AddStringToObject(in, "IntegrationUri", uri);
					if (S(integ, "httpMethod"))
						cJSON_AddStringToObject(in, "IntegrationMethod",
									S(integ, "httpMethod"));
					const char *pfv = S(integ, "payloadFormatVersion");
					cJSON_AddStringToObject(in, "PayloadFormatVersion",
								pfv ? pfv : "2.0");
					cfn_copy_int(in, integ, "timeoutInMillis",
						     "TimeoutInMillis", err);
					cJSON *out = NULL;
					ok = cfn_call_owned(r, "apigatewayv2", "CreateIntegration",
							    in, &out, err);
					if (ok)
						cJSON_AddStringToObject(
							integrations, uri,
							S(out, "IntegrationId")
								? S(out, "IntegrationId")
								: "");
					cJSON_Delete(out);
					if (ok)
						iid = cJSON_GetObjectItemCaseSensitive(integrations,
										       uri)
							      ->valuestring;
				}
			}
			if (ok) {
				cJSON *in = cJSON_CreateObject();
				cJSON_AddStringToObject(in, "ApiId", api);
				char *key = strcmp(path->string, "$default") == 0
						    ? xstrdup("$default")
						    : xasprintf("%s %s", m, path->string);
				cJSON_AddStringToObject(in, "RouteKey", key);
				free(key);
				if (iid) {
					char *target = xasprintf("integrations/%s", iid);
					cJSON_AddStringToObject(in, "Target", target);
					free(target);
				}
				ok = cfn_call_owned(r, "apigatewayv2", "CreateRoute", in, NULL,
						    err);
			}
			free(m);
			if (!ok)
				break;
		}
		if (!ok)
			break;
	}
	cJSON_Delete(integrations);
	return ok;
}

/* Delete an HTTP API's routes and integrations (before its body is applied again). */
static bool http_clear(struct cfn_res *r, const char *api, struct aws_err *err)
{
	static const struct {
		const char *get, *list_id, *del, *del_id;
	} kinds[] = { { "GetRoutes", "RouteId", "DeleteRoute", "RouteId" },
		      { "GetIntegrations", "IntegrationId", "DeleteIntegration",
			"IntegrationId" } };
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		cJSON *in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "ApiId", api);
		cJSON *out = NULL;
		if (!cfn_call_owned(r, "apigatewayv2", kinds[k].get, in, &out, err))
			return false;
		bool ok = true;
		const cJSON *it;
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(out, "Items"))
		{
			if (!ok || !S(it, kinds[k].list_id))
				continue;
			cJSON *del = cJSON_CreateObject();
			cJSON_AddStringToObject(del, "ApiId", api);
			cJSON_AddStringToObject(del, kinds[k].del_id, S(it, kinds[k].list_id));
			ok = cfn_call_delete(r, "apigatewayv2", kinds[k].del, del, err);
		}
		cJSON_Delete(out);
		if (!ok)
			return false;
	}
	return true;
}

static bool http_api_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	cJSON *body = api_body(props, err);
	if (!body && err->code[0])
		return false;
	const cJSON *title = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(body, "info"), "title");
	const char *name = S(props, "Name")        ? S(props, "Name")
			   : cJSON_IsString(title) ? title->valuestring
						   : NULL;
	if (!name) {
		cJSON_Delete(body);
		return cfn_required(err, "Name");
	}
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Name", name);
	const char *proto = S(props, "ProtocolType");
	cJSON_AddStringToObject(in, "ProtocolType", proto ? proto : "HTTP");
	cfn_copy_str(in, props, "Description", NULL, err);
	cfn_copy_str(in, props, "Target", NULL, err);
	cfn_copy_str(in, props, "RouteKey", NULL, err);
	cfn_copy_str(in, props, "CredentialsArn", NULL, err);
	cfn_copy_raw(in, props, "CorsConfiguration", NULL);
	const cJSON *cors = cJSON_GetObjectItemCaseSensitive(body, "x-amazon-apigateway-cors");
	if (cors && !cJSON_GetObjectItemCaseSensitive(in, "CorsConfiguration")) {
		/* The extension spells its members in lower camel case. */
		cJSON *c = cJSON_AddObjectToObject(in, "CorsConfiguration");
		const cJSON *m;
		cJSON_ArrayForEach(m, cors)
		{
			char *k = xstrdup(m->string);
			k[0] = (char)toupper((unsigned char)k[0]);
			cJSON_AddItemToObject(c, k, cJSON_Duplicate(m, true));
			free(k);
		}
	}
	cJSON *tags = cJSON_GetObjectItemCaseSensitive(props, "Tags");
	if (cJSON_IsObject(tags))
		cJSON_AddItemToObject(in, "Tags", cJSON_Duplicate(tags, true));
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "apigatewayv2", "CreateApi", in, &out, err)) {
		cJSON_Delete(body);
		return false;
	}
	char *api = xstrdup(S(out, "ApiId") ? S(out, "ApiId") : "");
	char *endpoint = xstrdup(S(out, "ApiEndpoint") ? S(out, "ApiEndpoint") : "");
	cJSON_Delete(out);
	bool ok = !body || http_apply_body(r, api, body, err);
	cJSON_Delete(body);
	if (!ok) {
		struct aws_err ignore = { 0 };
		cJSON *del = cJSON_CreateObject();
		cJSON_AddStringToObject(del, "ApiId", api);
		cfn_call_owned(r, "apigatewayv2", "DeleteApi", del, NULL, &ignore);
		aws_err_release(&ignore);
		free(api);
		free(endpoint);
		return false;
	}
	r->physical = api;
	r->attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(r->attrs, "ApiId", api);
	cJSON_AddStringToObject(r->attrs, "ApiEndpoint", endpoint);
	free(endpoint);
	return true;
}

static bool http_api_update(struct cfn_res *r, const char *physical, const cJSON *old_props,
			    const cJSON *props, const cJSON *attrs, struct aws_err *err)
{
	if (!cfn_prop_changed(old_props, props, "Body"))
		return true;
	cJSON *body = api_body(props, err);
	if (!body && err->code[0])
		return false;
	bool ok =
		http_clear(r, physical, err) && (!body || http_apply_body(r, physical, body, err));
	cJSON_Delete(body);
	return ok;
}

static bool http_api_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			    const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "ApiId", physical);
	return cfn_call_delete(r, "apigatewayv2", "DeleteApi", in, err);
}

static const char *const http_api_replace[] = { "ProtocolType", NULL };
static const char *const http_api_attributes[] = { "ApiId", "ApiEndpoint", NULL };

const struct cfn_provider cfn_apigwv2_api = {
	.type = "AWS::ApiGatewayV2::Api",
	.create = http_api_create,
	.update = http_api_update,
	.remove = http_api_remove,
	.replace = http_api_replace,
	.attributes = http_api_attributes,
};

static bool integration_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "ApiId"))
		return cfn_required(err, "ApiId");
	if (!cJSON_GetObjectItemCaseSensitive(props, "IntegrationType"))
		return cfn_required(err, "IntegrationType");
	cJSON *in = cJSON_CreateObject();
	static const char *const strs[] = { "ApiId",
					    "IntegrationType",
					    "IntegrationUri",
					    "IntegrationMethod",
					    "PayloadFormatVersion",
					    "Description",
					    "CredentialsArn",
					    NULL };
	bool ok = true;
	for (const char *const *s = strs; ok && *s; s++)
		ok = cfn_copy_str(in, props, *s, NULL, err);
	if (ok)
		ok = cfn_copy_int(in, props, "TimeoutInMillis", NULL, err);
	cJSON *out = NULL;
	if (!ok || !cfn_call_owned(r, "apigatewayv2", "CreateIntegration", in, &out, err)) {
		if (!ok)
			cJSON_Delete(in);
		return false;
	}
	r->physical = xstrdup(S(out, "IntegrationId") ? S(out, "IntegrationId") : "");
	cJSON_Delete(out);
	return true;
}

static bool integration_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			       const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, props, "ApiId", NULL, err);
	cJSON_AddStringToObject(in, "IntegrationId", physical);
	return cfn_call_delete(r, "apigatewayv2", "DeleteIntegration", in, err);
}

const struct cfn_provider cfn_apigwv2_integration = {
	.type = "AWS::ApiGatewayV2::Integration",
	.create = integration_create,
	.remove = integration_remove,
};

static bool route_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "ApiId"))
		return cfn_required(err, "ApiId");
	if (!cJSON_GetObjectItemCaseSensitive(props, "RouteKey"))
		return cfn_required(err, "RouteKey");
	cJSON *in = cJSON_CreateObject();
	bool ok = cfn_copy_str(in, props, "ApiId", NULL, err) &&
		  cfn_copy_str(in, props, "RouteKey", NULL, err) &&
		  cfn_copy_str(in, props, "Target", NULL, err) &&
		  cfn_copy_str(in, props, "AuthorizationType", NULL, err);
	cJSON *out = NULL;
	if (!ok || !cfn_call_owned(r, "apigatewayv2", "CreateRoute", in, &out, err)) {
		if (!ok)
			cJSON_Delete(in);
		return false;
	}
	r->physical = xstrdup(S(out, "RouteId") ? S(out, "RouteId") : "");
	cJSON_Delete(out);
	return true;
}

static bool route_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			 const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, props, "ApiId", NULL, err);
	cJSON_AddStringToObject(in, "RouteId", physical);
	return cfn_call_delete(r, "apigatewayv2", "DeleteRoute", in, err);
}

const struct cfn_provider cfn_apigwv2_route = {
	.type = "AWS::ApiGatewayV2::Route",
	.create = route_create,
	.remove = route_remove,
};

static bool v2_stage_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "ApiId"))
		return cfn_required(err, "ApiId");
	if (!cJSON_GetObjectItemCaseSensitive(props, "StageName"))
		return cfn_required(err, "StageName");
	cJSON *in = cJSON_CreateObject();
	bool ok = cfn_copy_str(in, props, "ApiId", NULL, err) &&
		  cfn_copy_str(in, props, "StageName", NULL, err) &&
		  cfn_copy_str(in, props, "DeploymentId", NULL, err) &&
		  cfn_copy_str(in, props, "Description", NULL, err) &&
		  cfn_copy_bool(in, props, "AutoDeploy", NULL, err);
	if (!ok) {
		cJSON_Delete(in);
		return false;
	}
	cfn_copy_raw(in, props, "StageVariables", NULL);
	if (!cfn_call_owned(r, "apigatewayv2", "CreateStage", in, NULL, err))
		return false;
	r->physical = xstrdup(S(props, "StageName"));
	return true;
}

static bool v2_stage_remove(struct cfn_res *r, const char *physical, const cJSON *props,
			    const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, props, "ApiId", NULL, err);
	cJSON_AddStringToObject(in, "StageName", physical);
	return cfn_call_delete(r, "apigatewayv2", "DeleteStage", in, err);
}

const struct cfn_provider cfn_apigwv2_stage = {
	.type = "AWS::ApiGatewayV2::Stage",
	.create = v2_stage_create,
	.remove = v2_stage_remove,
};

static bool v2_deployment_create(struct cfn_res *r, const cJSON *props, struct aws_err *err)
{
	if (!cJSON_GetObjectItemCaseSensitive(props, "ApiId"))
		return cfn_required(err, "ApiId");
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, props, "ApiId", NULL, err);
	cfn_copy_str(in, props, "StageName", NULL, err);
	cfn_copy_str(in, props, "Description", NULL, err);
	cJSON *out = NULL;
	if (!cfn_call_owned(r, "apigatewayv2", "CreateDeployment", in, &out, err))
		return false;
	r->physical = xstrdup(S(out, "DeploymentId") ? S(out, "DeploymentId") : "");
	cJSON_Delete(out);
	return true;
}

static bool v2_deployment_remove(struct cfn_res *r, const char *physical, const cJSON *props,
				 const cJSON *attrs, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cfn_copy_str(in, props, "ApiId", NULL, err);
	cJSON_AddStringToObject(in, "DeploymentId", physical);
	return cfn_call_delete(r, "apigatewayv2", "DeleteDeployment", in, err);
}

const struct cfn_provider cfn_apigwv2_deployment = {
	.type = "AWS::ApiGatewayV2::Deployment",
	.create = v2_deployment_create,
	.remove = v2_deployment_remove,
};
