/*
 * HTTP APIs: management under /v2/apis and the front door.
 */
#include "cloud/apigw/httpapi.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/events.h"
#include "cloud/apigw/route.h"
#include "cloud/front/front.h"
#include "cloud/http/aws.h"
#include "cloud/proto/proto.h"
#include "cloud/state.h"
#include "core/clock.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define KIND        "HTTP"
#define MODEL       "apigatewayv2-2018-11-29"
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
		"protocolType", "routeSelectionExpression",  "tags"
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

static cJSON *items_out(const cJSON *arr)
{
	cJSON *out = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(out, "items");
	const cJSON *it;
	cJSON_ArrayForEach(it, arr) cJSON_AddItemToArray(items, item_out(it));
	return out;
}

static void bad_request(struct aws_err *err, const char *msg)
{
	aws_err_set(err, 400, "BadRequestException", "%s", msg);
}

static void not_found(struct aws_err *err, const char *what)
{
	aws_err_set(err, 404, "NotFoundException", "Invalid %s identifier specified", what);
}

/* The member of the input named key (its wire name) when it is a string, else NULL. */
static const char *in_str(const cJSON *in, const char *key)
{
	return front_str(in, key);
}

/*
 * The handlers below keep an API as the wire shows it (camelCase members, as GetApi answers
 * them): run() hands them the input with its members under their wire names, and gives the
 * output they answer in the same names back to the model's.
 */
typedef cJSON *(*op_fn)(struct svc_call *call, const cJSON *in, struct aws_err *err);

/* What a request may not set (wire names), as the local cloud does not honour it (yet). */
static bool refuse_unhonoured(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	static const struct {
		const char *op;
		const char *const members[6];
	} unhonoured[] = {
		{ "CreateApi", { "corsConfiguration", "credentialsArn" } },
		{ "CreateIntegration",
		  { "requestParameters", "requestTemplates", "responseParameters", "credentialsArn",
		    "tlsConfig" } },
		{ "CreateRoute", { "requestParameters", "authorizerId", "authorizationScopes" } },
		{ "CreateStage", { "accessLogSettings", "routeSettings" } },
		{ "UpdateRoute", { "requestParameters", "authorizerId", "authorizationScopes" } },
	};
	const char *auth = in_str(in, "authorizationType");
	if (auth && strcmp(auth, "NONE") != 0)
		return aws_err_set(err, 400, "BadRequestException",
				   "The local cloud does not offer %s authorization of routes yet; "
				   "leave it out",
				   auth);
	for (size_t i = 0; i < sizeof(unhonoured) / sizeof(unhonoured[0]); i++)
		if (strcmp(unhonoured[i].op, call->op) == 0)
			return apigw_refuse_unhonoured(in, call->op, unhonoured[i].members, err);
	return true;
}

static cJSON *run(struct svc_call *call, const cJSON *input, struct aws_err *err, op_fn fn)
{
	const struct proto_op *po = proto_op_find(proto_service_find(MODEL), call->op);
	assert(po);
	cJSON *in = proto_rename(po, false, input, true);
	cJSON *wire = refuse_unhonoured(call, in, err) ? fn(call, in, err) : NULL;
	cJSON *out = wire ? proto_rename(po, true, wire, false) : NULL;
	cJSON_Delete(wire);
	cJSON_Delete(in);
	return out;
}

/*
 * An operation on one HTTP API of the caller's: doc is its document, which the operation may
 * change (setting *dirty to have it saved). Returns the output, or NULL with err filled.
 */
typedef cJSON *(*api_fn)(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			 struct aws_err *err);

/* Load the API apiId names, run fn on it, save it when fn changed it. */
static cJSON *with_api(struct svc_call *call, const cJSON *in, struct aws_err *err, api_fn fn)
{
	const char *account = call->caller->account;
	const char *id = in_str(in, "apiId");
	front_doc_lock();
	cJSON *doc = id ? front_doc_load_own(call->cloud, account, id, KIND) : NULL;
	bool dirty = false;
	cJSON *out = NULL;
	if (!doc)
		not_found(err, "API");
	else
		out = fn(call, doc, in, &dirty, err);
	if (out && dirty)
		front_doc_save(call->cloud, account, id, KIND, doc);
	front_doc_unlock();
	cJSON_Delete(doc);
	return out;
}

/* The item of doc's list whose key is the input's, or NULL with err filled (what is not
 * found). */
static cJSON *find_item(cJSON *doc, const char *list, const char *key, const cJSON *in,
			const char *what, struct aws_err *err)
{
	cJSON *it = front_find(cJSON_GetObjectItem(doc, list), key, in_str(in, key));
	if (!it)
		not_found(err, what);
	return it;
}

/* ---- APIs ---- */

static cJSON *create_api(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = in_str(in, "name"), *proto = in_str(in, "protocolType");
	const char *target = in_str(in, "target"), *rk = in_str(in, "routeKey");
	char method[8];
	const char *path;
	if (!name || !proto) {
		bad_request(err, "Invalid request: name and protocolType are required");
		return NULL;
	}
	if (strcmp(proto, "HTTP") != 0) {
		aws_err_set(err, 400, "BadRequestException",
			    "The local cloud serves HTTP APIs only, not %s", proto);
		return NULL;
	}
	if (rk && !apigw_route_key_parse(rk, method, &path)) {
		aws_err_set(err, 400, "BadRequestException", "Unknown route key format: %s", rk);
		return NULL;
	}
	char *fn = target ? front_function_of_uri(target) : NULL;
	if (target && !fn) {
		aws_err_set(err, 400, "BadRequestException",
			    "Invalid target: %s (a Lambda function ARN)", target);
		return NULL;
	}
	char id[11];
	front_random_id(id, 10);
	cJSON *doc = httpapi_quick_doc(id, name, fn, rk, clock_wall_ms());
	free(fn);
	const char *desc = in_str(in, "description");
	if (desc)
		cJSON_AddStringToObject(doc, "description", desc);
	const cJSON *tags = cJSON_GetObjectItem(in, "tags");
	if (cJSON_IsObject(tags) && tags->child)
		cJSON_AddItemToObject(doc, "tags", cJSON_Duplicate(tags, true));
	front_doc_save(call->cloud, call->caller->account, id, KIND, doc);
	cJSON *out = api_out(call->cloud, doc);
	cJSON_Delete(doc);
	return out;
}

static cJSON *get_apis(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	(void)in, (void)err;
	cJSON *all = front_doc_list(call->cloud, call->caller->account, KIND);
	cJSON *out = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(out, "items");
	const cJSON *d;
	cJSON_ArrayForEach(d, all) cJSON_AddItemToArray(items, api_out(call->cloud, d));
	cJSON_Delete(all);
	return out;
}

static cJSON *get_api(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
		      struct aws_err *err)
{
	(void)in, (void)dirty, (void)err;
	return api_out(call->cloud, doc);
}

static cJSON *delete_api(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			 struct aws_err *err)
{
	(void)doc, (void)dirty, (void)err;
	front_doc_delete(call->cloud, in_str(in, "apiId"));
	return cJSON_CreateObject();
}

/* ---- integrations ---- */

static cJSON *create_integration(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
				 struct aws_err *err)
{
	(void)call;
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "integrations");
	static const struct apigw_proxy_words words = {
		.no_type = "IntegrationType is required",
		.bad_uri = "Invalid integration URI: a Lambda function ARN, or "
			   "arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/"
			   "FUNCTION_ARN/invocations",
		.bad_timeout = "Timeout must be between 50 and 30000 milliseconds",
		.max_timeout_ms = 30000,
	};
	const char *uri = in_str(in, "integrationUri");
	const char *ver = in_str(in, "payloadFormatVersion");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(in, "timeoutInMillis");
	char *fn = apigw_proxy_function(in_str(in, "integrationType"), uri, t, &words, err);
	cJSON *out = NULL;
	if (!fn) {
		/* refused in err */
	} else if (!ver) {
		bad_request(err, "PayloadFormatVersion is required for AWS_PROXY integrations");
	} else if (strcmp(ver, "1.0") != 0 && strcmp(ver, "2.0") != 0) {
		bad_request(err, "Payload format version must be 1.0 or 2.0");
	} else {
		cJSON *it = new_integration(uri, ver);
		const char *desc = in_str(in, "description");
		if (desc)
			cJSON_AddStringToObject(it, "description", desc);
		if (cJSON_IsNumber(t))
			cJSON_SetNumberValue(cJSON_GetObjectItem(it, "timeoutInMillis"),
					     t->valuedouble);
		cJSON_AddItemToArray(arr, it);
		*dirty = true;
		out = item_out(it);
	}
	free(fn);
	return out;
}

static cJSON *get_integrations(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			       struct aws_err *err)
{
	(void)call, (void)in, (void)dirty, (void)err;
	return items_out(cJSON_GetObjectItemCaseSensitive(doc, "integrations"));
}

static cJSON *get_integration(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			      struct aws_err *err)
{
	(void)call, (void)dirty;
	const cJSON *it = find_item(doc, "integrations", "integrationId", in, "Integration", err);
	return it ? item_out(it) : NULL;
}

static cJSON *delete_integration(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
				 struct aws_err *err)
{
	(void)call;
	cJSON *it = find_item(doc, "integrations", "integrationId", in, "Integration", err);
	if (!it)
		return NULL;
	const char *id = in_str(in, "integrationId");
	char *t = xasprintf("integrations/%s", id);
	bool used = front_find(cJSON_GetObjectItem(doc, "routes"), "target", t) != NULL;
	free(t);
	if (used) {
		aws_err_set(err, 409, "ConflictException",
			    "Integration %s is in use by a route and cannot be deleted", id);
		return NULL;
	}
	cJSON_Delete(cJSON_DetachItemViaPointer(cJSON_GetObjectItem(doc, "integrations"), it));
	*dirty = true;
	return cJSON_CreateObject();
}

/* ---- routes ---- */

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

static cJSON *create_route(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			   struct aws_err *err)
{
	(void)call;
	const char *key = in_str(in, "routeKey"), *target = in_str(in, "target");
	const char *why = route_check(doc, key, target, NULL);
	if (why) {
		bool taken = strstr(why, "exists") != NULL;
		aws_err_set(err, taken ? 409 : 400,
			    taken ? "ConflictException" : "BadRequestException", "%s", why);
		return NULL;
	}
	cJSON *r = new_route(key, target);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(doc, "routes"), r);
	*dirty = true;
	return item_out(r);
}

static cJSON *get_routes(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			 struct aws_err *err)
{
	(void)call, (void)in, (void)dirty, (void)err;
	return items_out(cJSON_GetObjectItemCaseSensitive(doc, "routes"));
}

static cJSON *get_route(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			struct aws_err *err)
{
	(void)call, (void)dirty;
	const cJSON *r = find_item(doc, "routes", "routeId", in, "Route", err);
	return r ? item_out(r) : NULL;
}

static cJSON *delete_route(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			   struct aws_err *err)
{
	(void)call;
	cJSON *r = find_item(doc, "routes", "routeId", in, "Route", err);
	if (!r)
		return NULL;
	cJSON_Delete(cJSON_DetachItemViaPointer(cJSON_GetObjectItem(doc, "routes"), r));
	*dirty = true;
	return cJSON_CreateObject();
}

static cJSON *update_route(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			   struct aws_err *err)
{
	(void)call;
	cJSON *r = find_item(doc, "routes", "routeId", in, "Route", err);
	if (!r)
		return NULL;
	const char *key = in_str(in, "routeKey"), *target = in_str(in, "target");
	const char *why = route_check(doc, key ? key : front_str(r, "routeKey"), target,
				      in_str(in, "routeId"));
	if (why) {
		bad_request(err, why);
		return NULL;
	}
	if (key)
		cJSON_ReplaceItemInObjectCaseSensitive(r, "routeKey", cJSON_CreateString(key));
	if (target) {
		cJSON_DeleteItemFromObjectCaseSensitive(r, "target");
		cJSON_AddStringToObject(r, "target", target);
	}
	*dirty = true;
	return item_out(r);
}

/* ---- deployments and stages ---- */

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

static cJSON *create_stage(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			   struct aws_err *err)
{
	(void)call;
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "stages");
	const char *name = in_str(in, "stageName"), *dep = in_str(in, "deploymentId");
	if (!name || !name[0]) {
		bad_request(err, "StageName is required");
		return NULL;
	}
	if (front_find(arr, "stageName", name)) {
		aws_err_set(err, 409, "ConflictException", "Stage already exists");
		return NULL;
	}
	if (dep && !find_item(doc, "deployments", "deploymentId", in, "Deployment", err))
		return NULL;
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
	return item_out(s);
}

static cJSON *get_stages(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			 struct aws_err *err)
{
	(void)call, (void)in, (void)dirty, (void)err;
	return items_out(cJSON_GetObjectItemCaseSensitive(doc, "stages"));
}

static cJSON *get_stage(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			struct aws_err *err)
{
	(void)call, (void)dirty;
	const cJSON *s = find_item(doc, "stages", "stageName", in, "Stage", err);
	return s ? item_out(s) : NULL;
}

static cJSON *delete_stage(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			   struct aws_err *err)
{
	(void)call;
	cJSON *s = find_item(doc, "stages", "stageName", in, "Stage", err);
	if (!s)
		return NULL;
	cJSON_Delete(cJSON_DetachItemViaPointer(cJSON_GetObjectItem(doc, "stages"), s));
	*dirty = true;
	return cJSON_CreateObject();
}

static cJSON *create_deployment(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
				struct aws_err *err)
{
	(void)call;
	const char *stage = in_str(in, "stageName");
	cJSON *s = stage ? find_item(doc, "stages", "stageName", in, "Stage", err) : NULL;
	if (stage && !s)
		return NULL;
	if (s && cJSON_IsTrue(cJSON_GetObjectItem(s, "autoDeploy"))) {
		bad_request(err, "Stage has auto deploy enabled; it deploys on its own");
		return NULL;
	}
	cJSON *d = deploy(doc, in_str(in, "description"));
	if (s) {
		cJSON_DeleteItemFromObjectCaseSensitive(s, "deploymentId");
		cJSON_AddStringToObject(s, "deploymentId", front_str(d, "deploymentId"));
	}
	*dirty = true;
	return item_out(d);
}

static cJSON *get_deployments(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			      struct aws_err *err)
{
	(void)call, (void)in, (void)dirty, (void)err;
	return items_out(cJSON_GetObjectItemCaseSensitive(doc, "deployments"));
}

static cJSON *get_deployment(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			     struct aws_err *err)
{
	(void)call, (void)dirty;
	const cJSON *d = find_item(doc, "deployments", "deploymentId", in, "Deployment", err);
	return d ? item_out(d) : NULL;
}

static cJSON *delete_deployment(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
				struct aws_err *err)
{
	(void)call;
	cJSON *d = find_item(doc, "deployments", "deploymentId", in, "Deployment", err);
	if (!d)
		return NULL;
	if (front_find(cJSON_GetObjectItem(doc, "stages"), "deploymentId",
		       in_str(in, "deploymentId"))) {
		bad_request(err,
			    "Active stages pointing to this deployment must be moved or deleted");
		return NULL;
	}
	cJSON_Delete(cJSON_DetachItemViaPointer(cJSON_GetObjectItem(doc, "deployments"), d));
	*dirty = true;
	return cJSON_CreateObject();
}

/* ---- the table ---- */

#define OP(name, fn)                                                                    \
	static cJSON *name(struct svc_call *call, const cJSON *in, struct aws_err *err) \
	{                                                                               \
		return run(call, in, err, fn);                                          \
	}
#define API_OP(name, fn)                                                                     \
	static cJSON *name##_in(struct svc_call *call, const cJSON *in, struct aws_err *err) \
	{                                                                                    \
		return with_api(call, in, err, fn);                                          \
	}                                                                                    \
	OP(name, name##_in)
OP(op_create_api, create_api)
OP(op_get_apis, get_apis)
API_OP(op_create_deployment, create_deployment)
API_OP(op_create_integration, create_integration)
API_OP(op_create_route, create_route)
API_OP(op_create_stage, create_stage)
API_OP(op_delete_api, delete_api)
API_OP(op_delete_deployment, delete_deployment)
API_OP(op_delete_integration, delete_integration)
API_OP(op_delete_route, delete_route)
API_OP(op_delete_stage, delete_stage)
API_OP(op_get_api, get_api)
API_OP(op_get_deployment, get_deployment)
API_OP(op_get_deployments, get_deployments)
API_OP(op_get_integration, get_integration)
API_OP(op_get_integrations, get_integrations)
API_OP(op_get_route, get_route)
API_OP(op_get_routes, get_routes)
API_OP(op_get_stage, get_stage)
API_OP(op_get_stages, get_stages)
API_OP(op_update_route, update_route)
#undef API_OP
#undef OP

const struct svc_op httpapi_ops[HTTPAPI_NOPS] = {
	{ "CreateApi", op_create_api },
	{ "CreateDeployment", op_create_deployment },
	{ "CreateIntegration", op_create_integration },
	{ "CreateRoute", op_create_route },
	{ "CreateStage", op_create_stage },
	{ "DeleteApi", op_delete_api },
	{ "DeleteDeployment", op_delete_deployment },
	{ "DeleteIntegration", op_delete_integration },
	{ "DeleteRoute", op_delete_route },
	{ "DeleteStage", op_delete_stage },
	{ "GetApi", op_get_api },
	{ "GetApis", op_get_apis },
	{ "GetDeployment", op_get_deployment },
	{ "GetDeployments", op_get_deployments },
	{ "GetIntegration", op_get_integration },
	{ "GetIntegrations", op_get_integrations },
	{ "GetRoute", op_get_route },
	{ "GetRoutes", op_get_routes },
	{ "GetStage", op_get_stage },
	{ "GetStages", op_get_stages },
	{ "UpdateRoute", op_update_route },
};
_Static_assert(sizeof(httpapi_ops) / sizeof(httpapi_ops[0]) == HTTPAPI_NOPS,
	       "HTTPAPI_NOPS counts httpapi_ops");

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
