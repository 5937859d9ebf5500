/*
 * HTTP APIs: management under /v2/apis and the front door.
 */
#include "cloud/apigw/httpapi.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/events.h"
#include "cloud/apigw/route.h"
#include "cloud/front/front.h"
#include "cloud/http/aws.h"
#include "cloud/state.h"
#include "core/clock.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define KIND        "HTTP"
#define API_PREFIX  "/_aws/execute-api/"
#define APIGW_SVC   "apigateway.amazonaws.com"
#define INTERNAL_V2 "Internal Server Error"

static void now_iso(char out[32])
{
	aws_time_iso(clock_wall_ms(), out);
	/* apigatewayv2 dates have no milliseconds: 2026-11-27T08:00:00Z */
	char *dot = strchr(out, '.');
	if (dot)
		memcpy(dot, "Z", 2);
}

static cJSON *new_integration(const char *uri, const char *version)
{
	char id[8], when[32];
	front_random_id(id, 7);
	now_iso(when);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "integrationId", id);
	cJSON_AddStringToObject(in, "connectionType", "INTERNET");
	cJSON_AddStringToObject(in, "integrationMethod", "POST");
	cJSON_AddStringToObject(in, "integrationType", "AWS_PROXY");
	cJSON_AddStringToObject(in, "integrationUri", uri);
	cJSON_AddStringToObject(in, "payloadFormatVersion", version);
	cJSON_AddNumberToObject(in, "timeoutInMillis", 30000);
	return in;
}

static cJSON *new_route(const char *key, const char *target)
{
	char id[8];
	front_random_id(id, 7);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "apiKeyRequired", false);
	cJSON_AddStringToObject(r, "authorizationType", "NONE");
	cJSON_AddStringToObject(r, "routeId", id);
	cJSON_AddStringToObject(r, "routeKey", key);
	if (target)
		cJSON_AddStringToObject(r, "target", target);
	return r;
}

static cJSON *new_stage(const char *name, bool auto_deploy)
{
	char when[32];
	now_iso(when);
	cJSON *s = cJSON_CreateObject();
	cJSON_AddBoolToObject(s, "autoDeploy", auto_deploy);
	cJSON_AddStringToObject(s, "createdDate", when);
	cJSON *rs = cJSON_AddObjectToObject(s, "defaultRouteSettings");
	cJSON_AddBoolToObject(rs, "detailedMetricsEnabled", false);
	cJSON_AddStringToObject(s, "lastUpdatedDate", when);
	cJSON_AddObjectToObject(s, "routeSettings");
	cJSON_AddStringToObject(s, "stageName", name);
	cJSON_AddObjectToObject(s, "stageVariables");
	cJSON_AddObjectToObject(s, "tags");
	return s;
}

cJSON *httpapi_quick_doc(const char *id, const char *name, const char *target,
			 const char *route_key, long long created)
{
	char when[32];
	aws_time_iso(created, when);
	char *dot = strchr(when, '.');
	if (dot)
		memcpy(dot, "Z", 2);
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "apiId", id);
	cJSON_AddStringToObject(doc, "apiKeySelectionExpression", "$request.header.x-api-key");
	cJSON_AddStringToObject(doc, "createdDate", when);
	cJSON_AddStringToObject(doc, "name", name);
	cJSON_AddStringToObject(doc, "protocolType", "HTTP");
	cJSON_AddStringToObject(doc, "routeSelectionExpression", "$request.method $request.path");
	cJSON *integs = cJSON_AddArrayToObject(doc, "integrations");
	cJSON *routes = cJSON_AddArrayToObject(doc, "routes");
	cJSON *stages = cJSON_AddArrayToObject(doc, "stages");
	cJSON_AddArrayToObject(doc, "deployments");
	if (target) {
		cJSON *in = new_integration(target, "2.0");
		cJSON_AddBoolToObject(in, "apiGatewayManaged", true);
		char *t = xasprintf("integrations/%s", front_str(in, "integrationId"));
		cJSON *r = new_route(route_key ? route_key : "$default", t);
		free(t);
		cJSON_AddBoolToObject(r, "apiGatewayManaged", true);
		cJSON *s = new_stage("$default", true);
		cJSON_AddBoolToObject(s, "apiGatewayManaged", true);
		cJSON_AddItemToArray(integs, in);
		cJSON_AddItemToArray(routes, r);
		cJSON_AddItemToArray(stages, s);
	}
	return doc;
}

static cJSON *api_out(struct cloud *c, const cJSON *doc)
{
	cJSON *o = cJSON_CreateObject();
	char *ep = xasprintf("%s" API_PREFIX "%s", c->endpoint, front_str(doc, "apiId"));
	cJSON_AddStringToObject(o, "apiEndpoint", ep);
	free(ep);
	static const char *const keep[] = {
		"apiId",        "apiKeySelectionExpression", "createdDate", "description", "name",
		"protocolType", "routeSelectionExpression"
	};
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, keep[i]);
		if (v)
			cJSON_AddItemToObject(o, keep[i], cJSON_Duplicate(v, true));
	}
	cJSON_AddBoolToObject(o, "disableExecuteApiEndpoint", false);
	return o;
}

/* An item as the API answers it: a copy without the members that start with '_'. */
static cJSON *item_out(const cJSON *item)
{
	cJSON *o = cJSON_Duplicate(item, true);
	cJSON *m = o->child;
	while (m) {
		cJSON *next = m->next;
		if (m->string && m->string[0] == '_')
			cJSON_Delete(cJSON_DetachItemViaPointer(o, m));
		m = next;
	}
	return o;
}

static void items_reply(struct http_resp *resp, const cJSON *arr)
{
	cJSON *out = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(out, "items");
	const cJSON *it;
	cJSON_ArrayForEach(it, arr) cJSON_AddItemToArray(items, item_out(it));
	front_reply(resp, 200, out);
}

static void bad_request(struct http_resp *resp, const char *msg)
{
	aws_error(resp, 400, "BadRequestException", "%s", msg);
}

static void not_found(struct http_resp *resp, const char *what)
{
	aws_error(resp, 404, "NotFoundException", "Invalid %s identifier specified", what);
}

/* The member of the body named key when it is a string, else NULL. */
static const char *in_str(const cJSON *in, const char *key)
{
	return front_str(in, key);
}

static void create_api(struct cloud *c, const char *account, const cJSON *in,
		       struct http_resp *resp)
{
	const char *name = in_str(in, "name"), *proto = in_str(in, "protocolType");
	const char *target = in_str(in, "target"), *rk = in_str(in, "routeKey");
	char method[8];
	const char *path;
	if (!cJSON_IsObject(in) || !name || !proto) {
		bad_request(resp, "Invalid request: name and protocolType are required");
		return;
	}
	if (strcmp(proto, "HTTP") != 0) {
		aws_error(resp, 400, "BadRequestException",
			  "The local cloud serves HTTP APIs only, not %s", proto);
		return;
	}
	if (rk && !apigw_route_key_parse(rk, method, &path)) {
		aws_error(resp, 400, "BadRequestException", "Unknown route key format: %s", rk);
		return;
	}
	char *fn = target ? front_function_of_uri(target) : NULL;
	if (target && !fn) {
		aws_error(resp, 400, "BadRequestException",
			  "Invalid target: %s (a Lambda function ARN)", target);
		return;
	}
	char id[11];
	front_random_id(id, 10);
	cJSON *doc = httpapi_quick_doc(id, name, fn, rk, clock_wall_ms());
	free(fn);
	const char *desc = in_str(in, "description");
	if (desc)
		cJSON_AddStringToObject(doc, "description", desc);
	front_doc_save(c, account, id, KIND, doc);
	front_reply(resp, 201, api_out(c, doc));
	cJSON_Delete(doc);
}

static void integrations(struct cloud *c, const char *method, cJSON *doc, const char *sub,
			 const cJSON *in, bool *dirty, struct http_resp *resp)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "integrations");
	if (!sub && strcmp(method, "GET") == 0) {
		items_reply(resp, arr);
		return;
	}
	if (!sub && strcmp(method, "POST") == 0) {
		const char *type = in_str(in, "integrationType");
		const char *uri = in_str(in, "integrationUri");
		const char *ver = in_str(in, "payloadFormatVersion");
		char *fn = front_function_of_uri(uri);
		if (!type) {
			bad_request(resp, "IntegrationType is required");
		} else if (strcmp(type, "AWS_PROXY") != 0) {
			aws_error(resp, 400, "BadRequestException",
				  "The local cloud serves AWS_PROXY integrations to Lambda "
				  "functions, not %s",
				  type);
		} else if (!fn) {
			bad_request(resp, "Invalid integration URI: a Lambda function ARN, or "
					  "arn:aws:apigateway:REGION:lambda:path/2015-03-31/"
					  "functions/FUNCTION_ARN/invocations");
		} else if (!ver) {
			bad_request(resp, "PayloadFormatVersion is required for AWS_PROXY "
					  "integrations");
		} else if (strcmp(ver, "1.0") != 0 && strcmp(ver, "2.0") != 0) {
			bad_request(resp, "Payload format version must be 1.0 or 2.0");
		} else if (cJSON_IsNumber(cJSON_GetObjectItem(in, "timeoutInMillis")) &&
			   (cJSON_GetObjectItem(in, "timeoutInMillis")->valueint < 50 ||
			    cJSON_GetObjectItem(in, "timeoutInMillis")->valueint > 30000)) {
			bad_request(resp, "Timeout must be between 50 and 30000 milliseconds");
		} else {
			cJSON *it = new_integration(uri, ver);
			const char *desc = in_str(in, "description");
			if (desc)
				cJSON_AddStringToObject(it, "description", desc);
			cJSON *t = cJSON_GetObjectItemCaseSensitive(in, "timeoutInMillis");
			if (cJSON_IsNumber(t))
				cJSON_SetNumberValue(cJSON_GetObjectItem(it, "timeoutInMillis"),
						     t->valuedouble);
			cJSON_AddItemToArray(arr, it);
			*dirty = true;
			front_reply(resp, 201, item_out(it));
		}
		free(fn);
		return;
	}
	cJSON *it = sub ? front_find(arr, "integrationId", sub) : NULL;
	if (!it) {
		not_found(resp, "Integration");
	} else if (strcmp(method, "GET") == 0) {
		front_reply(resp, 200, item_out(it));
	} else if (strcmp(method, "DELETE") == 0) {
		char *t = xasprintf("integrations/%s", sub);
		bool used = front_find(cJSON_GetObjectItem(doc, "routes"), "target", t) != NULL;
		free(t);
		if (used) {
			aws_error(resp, 409, "ConflictException",
				  "Integration %s is in use by a route and cannot be deleted", sub);
			return;
		}
		cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
		*dirty = true;
		resp->status = 204;
	} else {
		aws_error(resp, 405, "MethodNotAllowedException", "Method not allowed");
	}
}

/* Check a route's key and target against the API; NULL when fine, else the message. */
static const char *route_check(const cJSON *doc, const char *key, const char *target,
			       const char *self)
{
	char m[8];
	const char *path;
	if (!key || !apigw_route_key_parse(key, m, &path))
		return "Unknown route key format. Route keys look like 'GET /items/{id}', "
		       "'ANY /{proxy+}' or '$default'";
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(doc, "routes"))
	{
		const char *k = front_str(r, "routeKey");
		if (k && strcmp(k, key) == 0 && (!self || strcmp(front_str(r, "routeId"), self)))
			return "Route with key already exists for this API";
	}
	if (target) {
		if (!str_starts_with(target, "integrations/") ||
		    !front_find(cJSON_GetObjectItem(doc, "integrations"), "integrationId",
				target + strlen("integrations/")))
			return "Invalid target: the integration does not exist";
	}
	return NULL;
}

static void routes(const char *method, cJSON *doc, const char *sub, const cJSON *in, bool *dirty,
		   struct http_resp *resp)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "routes");
	if (!sub && strcmp(method, "GET") == 0) {
		items_reply(resp, arr);
		return;
	}
	if (!sub && strcmp(method, "POST") == 0) {
		const char *key = in_str(in, "routeKey"), *target = in_str(in, "target");
		const char *why = route_check(doc, key, target, NULL);
		if (why) {
			aws_error(resp, strstr(why, "exists") ? 409 : 400,
				  strstr(why, "exists") ? "ConflictException"
							: "BadRequestException",
				  "%s", why);
			return;
		}
		cJSON *r = new_route(key, target);
		cJSON_AddItemToArray(arr, r);
		*dirty = true;
		front_reply(resp, 201, item_out(r));
		return;
	}
	cJSON *r = sub ? front_find(arr, "routeId", sub) : NULL;
	if (!r) {
		not_found(resp, "Route");
	} else if (strcmp(method, "GET") == 0) {
		front_reply(resp, 200, item_out(r));
	} else if (strcmp(method, "DELETE") == 0) {
		cJSON_Delete(cJSON_DetachItemViaPointer(arr, r));
		*dirty = true;
		resp->status = 204;
	} else if (strcmp(method, "PATCH") == 0) {
		const char *key = in_str(in, "routeKey"), *target = in_str(in, "target");
		const char *why =
			route_check(doc, key ? key : front_str(r, "routeKey"), target, sub);
		if (why) {
			aws_error(resp, 400, "BadRequestException", "%s", why);
			return;
		}
		if (key)
			cJSON_ReplaceItemInObjectCaseSensitive(r, "routeKey",
							       cJSON_CreateString(key));
		if (target) {
			cJSON_DeleteItemFromObjectCaseSensitive(r, "target");
			cJSON_AddStringToObject(r, "target", target);
		}
		*dirty = true;
		front_reply(resp, 200, item_out(r));
	} else {
		aws_error(resp, 405, "MethodNotAllowedException", "Method not allowed");
	}
}

/* A snapshot of the routes and integrations, for a deployment. */
static cJSON *snapshot(const cJSON *doc)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddItemToObject(s, "routes",
			      cJSON_Duplicate(cJSON_GetObjectItem(doc, "routes"), true));
	cJSON_AddItemToObject(s, "integrations",
			      cJSON_Duplicate(cJSON_GetObjectItem(doc, "integrations"), true));
	return s;
}

static cJSON *deploy(cJSON *doc, const char *description)
{
	char id[7], when[32];
	front_random_id(id, 6);
	now_iso(when);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddBoolToObject(d, "autoDeployed", false);
	cJSON_AddStringToObject(d, "createdDate", when);
	cJSON_AddStringToObject(d, "deploymentId", id);
	cJSON_AddStringToObject(d, "deploymentStatus", "DEPLOYED");
	if (description)
		cJSON_AddStringToObject(d, "description", description);
	cJSON_AddItemToObject(d, "_snapshot", snapshot(doc));
	cJSON_AddItemToArray(cJSON_GetObjectItem(doc, "deployments"), d);
	return d;
}

static void stages(const char *method, cJSON *doc, const char *sub, const cJSON *in, bool *dirty,
		   struct http_resp *resp)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "stages");
	if (!sub && strcmp(method, "GET") == 0) {
		items_reply(resp, arr);
		return;
	}
	if (!sub && strcmp(method, "POST") == 0) {
		const char *name = in_str(in, "stageName"), *dep = in_str(in, "deploymentId");
		if (!name || !name[0]) {
			bad_request(resp, "StageName is required");
			return;
		}
		if (front_find(arr, "stageName", name)) {
			aws_error(resp, 409, "ConflictException", "Stage already exists");
			return;
		}
		if (dep &&
		    !front_find(cJSON_GetObjectItem(doc, "deployments"), "deploymentId", dep)) {
			not_found(resp, "Deployment");
			return;
		}
		cJSON *s = new_stage(name, cJSON_IsTrue(cJSON_GetObjectItem(in, "autoDeploy")));
		if (dep)
			cJSON_AddStringToObject(s, "deploymentId", dep);
		const cJSON *vars = cJSON_GetObjectItem(in, "stageVariables");
		if (cJSON_IsObject(vars))
			cJSON_ReplaceItemInObjectCaseSensitive(s, "stageVariables",
							       cJSON_Duplicate(vars, true));
		const char *desc = in_str(in, "description");
		if (desc)
			cJSON_AddStringToObject(s, "description", desc);
		cJSON_AddItemToArray(arr, s);
		*dirty = true;
		front_reply(resp, 201, item_out(s));
		return;
	}
	cJSON *s = sub ? front_find(arr, "stageName", sub) : NULL;
	if (!s) {
		not_found(resp, "Stage");
	} else if (strcmp(method, "GET") == 0) {
		front_reply(resp, 200, item_out(s));
	} else if (strcmp(method, "DELETE") == 0) {
		cJSON_Delete(cJSON_DetachItemViaPointer(arr, s));
		*dirty = true;
		resp->status = 204;
	} else {
		aws_error(resp, 405, "MethodNotAllowedException", "Method not allowed");
	}
}

static void deployments(const char *method, cJSON *doc, const char *sub, const cJSON *in,
			bool *dirty, struct http_resp *resp)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "deployments");
	if (!sub && strcmp(method, "GET") == 0) {
		items_reply(resp, arr);
		return;
	}
	if (!sub && strcmp(method, "POST") == 0) {
		const char *stage = in_str(in, "stageName");
		cJSON *s =
			stage ? front_find(cJSON_GetObjectItem(doc, "stages"), "stageName", stage)
			      : NULL;
		if (stage && !s) {
			not_found(resp, "Stage");
			return;
		}
		if (s && cJSON_IsTrue(cJSON_GetObjectItem(s, "autoDeploy"))) {
			bad_request(resp, "Stage has auto deploy enabled; it deploys on its own");
			return;
		}
		cJSON *d = deploy(doc, in_str(in, "description"));
		if (s) {
			cJSON_DeleteItemFromObjectCaseSensitive(s, "deploymentId");
			cJSON_AddStringToObject(s, "deploymentId", front_str(d, "deploymentId"));
		}
		*dirty = true;
		front_reply(resp, 201, item_out(d));
		return;
	}
	cJSON *d = sub ? front_find(arr, "deploymentId", sub) : NULL;
	if (!d)
		not_found(resp, "Deployment");
	else if (strcmp(method, "GET") == 0)
		front_reply(resp, 200, item_out(d));
	else
		aws_error(resp, 405, "MethodNotAllowedException", "Method not allowed");
}

void httpapi_api(struct cloud *c, const char *account, const struct http_req *req,
		 struct http_resp *resp)
{
	const char *rest = req->path + strlen("/v2/apis");
	while (*rest == '/')
		rest++;
	char id[16] = "", coll[16] = "", sub[64] = "";
	sscanf(rest, "%15[^/]/%15[^/]/%63[^/]", id, coll, sub);
	cJSON *in = req->body_len ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
	if (!id[0]) {
		if (strcmp(req->method, "POST") == 0) {
			create_api(c, account, in, resp);
		} else if (strcmp(req->method, "GET") == 0) {
			cJSON *all = front_doc_list(c, account, KIND);
			cJSON *out = cJSON_CreateObject();
			cJSON *items = cJSON_AddArrayToObject(out, "items");
			const cJSON *d;
			cJSON_ArrayForEach(d, all) cJSON_AddItemToArray(items, api_out(c, d));
			cJSON_Delete(all);
			front_reply(resp, 200, out);
		} else {
			aws_error(resp, 405, "MethodNotAllowedException", "Method not allowed");
		}
		cJSON_Delete(in);
		return;
	}
	front_doc_lock();
	cJSON *doc = front_doc_load_own(c, account, id, KIND);
	bool dirty = false;
	if (!doc) {
		not_found(resp, "API");
	} else if (!coll[0] && strcmp(req->method, "GET") == 0) {
		front_reply(resp, 200, api_out(c, doc));
	} else if (!coll[0] && strcmp(req->method, "DELETE") == 0) {
		front_doc_delete(c, id);
		resp->status = 204;
	} else if (strcmp(coll, "integrations") == 0) {
		integrations(c, req->method, doc, sub[0] ? sub : NULL, in, &dirty, resp);
	} else if (strcmp(coll, "routes") == 0) {
		routes(req->method, doc, sub[0] ? sub : NULL, in, &dirty, resp);
	} else if (strcmp(coll, "stages") == 0) {
		stages(req->method, doc, sub[0] ? sub : NULL, in, &dirty, resp);
	} else if (strcmp(coll, "deployments") == 0) {
		deployments(req->method, doc, sub[0] ? sub : NULL, in, &dirty, resp);
	} else {
		aws_error(resp, 404, "NotFoundException", "Unknown operation %s %s", req->method,
			  req->path);
	}
	if (dirty)
		front_doc_save(c, account, id, KIND, doc);
	front_doc_unlock();
	cJSON_Delete(doc);
	cJSON_Delete(in);
}

/* ---- the front door ---- */

/* The route that serves method path among routes: the most specific match, else $default. */
static const cJSON *pick_route(const cJSON *routes, const char *method, const char *path,
			       cJSON *params)
{
	const cJSON *best = NULL, *fallback = NULL;
	char best_rank[APIGW_RANK_MAX] = "";
	bool best_any = true;
	const cJSON *r;
	cJSON_ArrayForEach(r, routes)
	{
		char m[8], rank[APIGW_RANK_MAX];
		const char *tmpl;
		if (!apigw_route_key_parse(front_str(r, "routeKey"), m, &tmpl))
			continue;
		if (!tmpl) {
			fallback = r;
			continue;
		}
		bool any = strcmp(m, "ANY") == 0;
		if (!any && strcmp(m, method) != 0)
			continue;
		if (!apigw_path_match(tmpl, path, NULL, rank))
			continue;
		int cmp = best ? strcmp(rank, best_rank) : 1;
		if (cmp > 0 || (cmp == 0 && best_any && !any)) {
			best = r;
			snprintf(best_rank, sizeof(best_rank), "%s", rank);
			best_any = any;
		}
	}
	if (best) {
		char m[8];
		const char *tmpl;
		char rank[APIGW_RANK_MAX];
		apigw_route_key_parse(front_str(best, "routeKey"), m, &tmpl);
		apigw_path_match(tmpl, path, params, rank);
		return best;
	}
	return fallback;
}

bool httpapi_serve(struct cloud *c, const char *id, const char *path, const struct http_req *req,
		   struct http_resp *resp)
{
	char account[13] = "";
	cJSON *doc = front_doc_load(c, id, KIND, account);
	if (!doc)
		return false;
	/* A named stage by the path's first segment, else $default. */
	const cJSON *stages = cJSON_GetObjectItem(doc, "stages");
	const char *p = path[0] ? path : "/";
	size_t seglen = strcspn(p + 1, "/");
	const cJSON *stage = NULL, *s;
	cJSON_ArrayForEach(s, stages)
	{
		const char *name = front_str(s, "stageName");
		if (name && strcmp(name, "$default") != 0 && strlen(name) == seglen &&
		    strncmp(name, p + 1, seglen) == 0)
			stage = s;
	}
	const char *route_path = p;
	if (stage)
		route_path = p[1 + seglen] ? p + 1 + seglen : "/";
	else
		stage = front_find(stages, "stageName", "$default");
	const cJSON *model = stage ? doc : NULL;
	if (stage && !cJSON_IsTrue(cJSON_GetObjectItem(stage, "autoDeploy"))) {
		const cJSON *d = front_find(cJSON_GetObjectItem(doc, "deployments"), "deploymentId",
					    front_str(stage, "deploymentId"));
		model = d ? cJSON_GetObjectItem(d, "_snapshot") : NULL;
	}
	cJSON *params = cJSON_CreateObject();
	const cJSON *route = model ? pick_route(cJSON_GetObjectItem(model, "routes"), req->method,
						route_path, params)
				   : NULL;
	const char *target = front_str(route, "target");
	const cJSON *integ = target && str_starts_with(target, "integrations/")
				     ? front_find(cJSON_GetObjectItem(model, "integrations"),
						  "integrationId", target + strlen("integrations/"))
				     : NULL;
	if (!integ) {
		front_message(resp, 404, "Not Found");
		cJSON_Delete(params);
		cJSON_Delete(doc);
		return true;
	}
	const char *stage_name = front_str(stage, "stageName");
	const char *route_key = front_str(route, "routeKey");
	struct front_req fr;
	front_req_init(&fr, req, p, account, id, stage_name);
	fr.h.path_params = params;
	char m[8];
	const char *tmpl = NULL;
	apigw_route_key_parse(route_key, m, &tmpl);
	fr.h.resource = tmpl ? tmpl : "$default";
	bool v1 = strcmp(front_str(integ, "payloadFormatVersion"), "1.0") == 0;
	cJSON *ev = v1 ? events_apigw_v1(&fr.h) : events_apigw_v2(&fr.h, route_key);
	const cJSON *vars = cJSON_GetObjectItem(stage, "stageVariables");
	if (cJSON_GetArraySize(vars) > 0)
		cJSON_ReplaceItemInObjectCaseSensitive(ev, "stageVariables",
						       cJSON_Duplicate(vars, true));
	char *source = tmpl ? xasprintf("arn:aws:execute-api:" AWS_REGION_NAME ":%s:%s/%s/%s%s",
					account, id, stage_name, req->method, tmpl)
			    : xasprintf("arn:aws:execute-api:" AWS_REGION_NAME ":%s:%s/%s/$default",
					account, id, stage_name);
	char *fn = front_function_of_uri(front_str(integ, "integrationUri"));
	struct front_outcome r = { 0 };
	const cJSON *limit = cJSON_GetObjectItem(integ, "timeoutInMillis");
	int timeout_ms = cJSON_IsNumber(limit) ? limit->valueint : 30000;
	enum front_call how =
		front_invoke(c, account, fn ? fn : "", APIGW_SVC, source, timeout_ms, ev, &r);
	if (how == FRONT_TIMEOUT)
		front_message(resp, 503, "Service Unavailable");
	else if (how != FRONT_CALLED)
		front_message(resp, 500, INTERNAL_V2);
	else if (v1)
		front_answer_v1(&r, INTERNAL_V2, true, resp);
	else
		front_answer_v2(&r, resp);
	http_resp_header(resp, "apigw-requestid", fr.request_id);
	free(r.body);
	free(fn);
	free(source);
	cJSON_Delete(ev);
	front_req_release(&fr);
	cJSON_Delete(params);
	cJSON_Delete(doc);
	return true;
}
