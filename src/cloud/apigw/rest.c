/*
 * REST APIs: management under /restapis and the front door.
 */
#include "cloud/apigw/rest.h"

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/events.h"
#include "cloud/apigw/route.h"
#include "cloud/auth/auth.h"
#include "cloud/front/front.h"
#include "cloud/http/aws.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/vec.h"
#include "core/xalloc.h"

#define KIND          "REST"
#define APIGW_SVC     "apigateway.amazonaws.com"
#define INTERNAL_REST "Internal server error"
#define NO_TOKEN      "Missing Authentication Token"

static const char *const methods[] = { "GET",    "POST", "PUT",     "PATCH",
				       "DELETE", "HEAD", "OPTIONS", "ANY" };

static double now_s(void)
{
	return (double)(clock_wall_ms() / 1000);
}

static void bad_request(struct aws_err *err, const char *msg)
{
	aws_err_set(err, 400, "BadRequestException", "%s", msg);
}

static void not_found(struct aws_err *err, const char *what)
{
	aws_err_set(err, 404, "NotFoundException", "Invalid %s identifier specified", what);
}

/* ---- answers ---- */

static cJSON *api_out(const cJSON *doc)
{
	cJSON *o = cJSON_Duplicate(doc, true);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "resources");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "deployments");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "stages");
	return o;
}

/* A resource as GetResources answers it: methods only by name unless embedded. */
static cJSON *resource_out(const cJSON *r, bool embed)
{
	cJSON *o = cJSON_Duplicate(r, true);
	cJSON *ms = cJSON_GetObjectItemCaseSensitive(o, "resourceMethods");
	if (cJSON_GetArraySize(ms) == 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, "resourceMethods");
	} else if (!embed) {
		cJSON *m;
		cJSON_ArrayForEach(m, ms)
		{
			while (m->child)
				cJSON_Delete(cJSON_DetachItemViaPointer(m, m->child));
		}
	}
	return o;
}

/* A deployment as the API answers it: without its snapshot. */
static cJSON *deployment_out(const cJSON *d)
{
	cJSON *o = cJSON_Duplicate(d, true);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "_snapshot");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "_binary");
	return o;
}

/* An output of one list member (the model's "items", or "item" for stages). */
static cJSON *list_out(const char *member, cJSON *items)
{
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, member, items);
	return out;
}

/* ---- the API a call names ---- */

/*
 * An operation on one REST API of the caller's: doc is its document, which the operation may
 * change (setting *dirty to have it saved). Returns the output, or NULL with err filled.
 */
typedef cJSON *(*api_fn)(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			 struct aws_err *err);

/* What a request may not set, as the local cloud does not honour it (yet). */
static bool refuse_unhonoured(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	static const struct {
		const char *op;
		const char *const members[6];
	} unhonoured[] = {
		{ "CreateDeployment", { "canarySettings", "cacheClusterEnabled" } },
		{ "CreateRestApi", { "policy", "cloneFrom" } },
		{ "CreateStage",
		  { "canarySettings", "cacheClusterEnabled", "clientCertificateId" } },
		{ "PutIntegration",
		  { "requestParameters", "requestTemplates", "contentHandling", "credentials",
		    "tlsConfig" } },
		{ "PutMethod",
		  { "requestParameters", "requestModels", "requestValidatorId",
		    "authorizationScopes" } },
	};
	for (size_t i = 0; i < sizeof(unhonoured) / sizeof(unhonoured[0]); i++)
		if (strcmp(unhonoured[i].op, call->op) == 0)
			return apigw_refuse_unhonoured(in, call->op, unhonoured[i].members, err);
	return true;
}

/* Load the API restApiId names, run fn on it, save it when fn changed it. */
static cJSON *with_api(struct svc_call *call, const cJSON *in, struct aws_err *err, api_fn fn)
{
	if (!refuse_unhonoured(call, in, err))
		return NULL;
	const char *account = call->caller->account;
	const char *id = front_str(in, "restApiId");
	front_doc_lock();
	cJSON *doc = id ? front_doc_load_own(call->cloud, account, id, KIND) : NULL;
	bool dirty = false;
	cJSON *out = NULL;
	if (!doc && (front_str(in, "resourceId") || front_str(in, "parentId")))
		/* A resource of an API that is not there: API Gateway names the resource. */
		not_found(err, "Resource");
	else if (!doc)
		aws_err_set(err, 404, "NotFoundException", "Invalid API identifier specified %s:%s",
			    account, id ? id : "");
	else
		out = fn(call, doc, in, &dirty, err);
	if (out && dirty)
		front_doc_save(call->cloud, account, id, KIND, doc);
	front_doc_unlock();
	cJSON_Delete(doc);
	return out;
}

/* The resource resourceId names in doc, or NULL with err filled. */
static cJSON *find_resource(cJSON *doc, const cJSON *in, struct aws_err *err)
{
	cJSON *r = front_find(cJSON_GetObjectItem(doc, "resources"), "id",
			      front_str(in, "resourceId"));
	if (!r)
		not_found(err, "Resource");
	return r;
}

/* The method httpMethod names on the resource resourceId names, or NULL with err filled. */
static cJSON *find_method(cJSON *doc, const cJSON *in, struct aws_err *err)
{
	cJSON *r = find_resource(doc, in, err);
	cJSON *m = r ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(r, "resourceMethods"),
							front_str(in, "httpMethod"))
		     : NULL;
	if (r && !m)
		not_found(err, "Method");
	return m;
}

/* ---- REST APIs ---- */

static cJSON *op_create_rest_api(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = front_str(in, "name");
	const char *desc = front_str(in, "description");
	const cJSON *mcs = cJSON_GetObjectItem(in, "minimumCompressionSize");
	if (!name || !name[0]) {
		bad_request(err, "Invalid request: name is required");
		return NULL;
	}
	if (desc && !desc[0]) {
		bad_request(err, "Description cannot be an empty string");
		return NULL;
	}
	if (mcs && (!cJSON_IsNumber(mcs) || mcs->valuedouble < 0 || mcs->valuedouble > 10485760)) {
		bad_request(err,
			    "Invalid minimum compression size, must be between 0 and 10485760");
		return NULL;
	}
	if (!refuse_unhonoured(call, in, err))
		return NULL;
	char id[11], root[11];
	front_random_id(id, 10);
	front_random_id(root, 10);
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "id", id);
	cJSON_AddStringToObject(doc, "name", name);
	if (desc)
		cJSON_AddStringToObject(doc, "description", desc);
	cJSON_AddNumberToObject(doc, "createdDate", now_s());
	cJSON_AddStringToObject(doc, "apiKeySource", "HEADER");
	const cJSON *ec = cJSON_GetObjectItem(in, "endpointConfiguration");
	if (cJSON_IsObject(ec)) {
		cJSON_AddItemToObject(doc, "endpointConfiguration", cJSON_Duplicate(ec, true));
	} else {
		cJSON *ecfg = cJSON_AddObjectToObject(doc, "endpointConfiguration");
		cJSON *types = cJSON_AddArrayToObject(ecfg, "types");
		cJSON_AddItemToArray(types, cJSON_CreateString("EDGE"));
		cJSON_AddStringToObject(ecfg, "ipAddressType", "ipv4");
	}
	const cJSON *bin = cJSON_GetObjectItem(in, "binaryMediaTypes");
	if (cJSON_IsArray(bin) && cJSON_GetArraySize(bin) > 0)
		cJSON_AddItemToObject(doc, "binaryMediaTypes", cJSON_Duplicate(bin, true));
	cJSON_AddBoolToObject(doc, "disableExecuteApiEndpoint", false);
	const cJSON *tags = cJSON_GetObjectItem(in, "tags");
	if (cJSON_IsObject(tags) && tags->child)
		cJSON_AddItemToObject(doc, "tags", cJSON_Duplicate(tags, true));
	cJSON_AddStringToObject(doc, "rootResourceId", root);
	cJSON *res = cJSON_AddArrayToObject(doc, "resources");
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "id", root);
	cJSON_AddStringToObject(r, "path", "/");
	cJSON_AddObjectToObject(r, "resourceMethods");
	cJSON_AddItemToArray(res, r);
	cJSON_AddArrayToObject(doc, "deployments");
	cJSON_AddArrayToObject(doc, "stages");
	front_doc_save(call->cloud, call->caller->account, id, KIND, doc);
	cJSON *out = api_out(doc);
	cJSON_Delete(doc);
	return out;
}

static cJSON *op_get_rest_apis(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	(void)in;
	(void)err;
	cJSON *all = front_doc_list(call->cloud, call->caller->account, KIND);
	cJSON *items = cJSON_CreateArray();
	const cJSON *d;
	cJSON_ArrayForEach(d, all) cJSON_AddItemToArray(items, api_out(d));
	cJSON_Delete(all);
	return list_out("items", items);
}

static cJSON *get_api(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
		      struct aws_err *err)
{
	(void)call, (void)in, (void)dirty, (void)err;
	return api_out(doc);
}

static cJSON *delete_api(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			 struct aws_err *err)
{
	(void)doc, (void)dirty, (void)err;
	front_doc_delete(call->cloud, front_str(in, "restApiId"));
	return cJSON_CreateObject();
}

/* "image~1png" -> "image/png": JSON Pointer's escapes. Caller frees. */
static char *unescape_pointer(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	for (; *s; s++) {
		if (s[0] == '~' && s[1] == '1') {
			strbuf_addch(&sb, '/');
			s++;
		} else if (s[0] == '~' && s[1] == '0') {
			strbuf_addch(&sb, '~');
			s++;
		} else {
			strbuf_addch(&sb, *s);
		}
	}
	char *out = strbuf_detach(&sb);
	strbuf_release(&sb);
	return out;
}

/* UpdateRestApi: the patch operations on /name, /description and /binaryMediaTypes/TYPE. */
static cJSON *update_api(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			 struct aws_err *err)
{
	(void)call;
	const cJSON *ops = cJSON_GetObjectItem(in, "patchOperations"), *op;
	cJSON_ArrayForEach(op, ops)
	{
		const char *verb = front_str(op, "op"), *path = front_str(op, "path");
		const char *value = front_str(op, "value");
		if (!verb || !path) {
			bad_request(err, "Invalid patch operation: op and path are required");
			return NULL;
		}
		if (str_starts_with(path, "/binaryMediaTypes/") && path[18]) {
			char *type = unescape_pointer(path + 18);
			cJSON *list = cJSON_GetObjectItem(doc, "binaryMediaTypes");
			if (!list)
				list = cJSON_AddArrayToObject(doc, "binaryMediaTypes");
			cJSON *have = front_find_string(list, type);
			if (strcmp(verb, "add") == 0 && !have)
				cJSON_AddItemToArray(list, cJSON_CreateString(type));
			else if (strcmp(verb, "remove") == 0 && have)
				cJSON_Delete(cJSON_DetachItemViaPointer(list, have));
			else if (strcmp(verb, "replace") == 0 && have && value)
				cJSON_ReplaceItemViaPointer(list, have, cJSON_CreateString(value));
			free(type);
		} else if ((strcmp(path, "/name") == 0 || strcmp(path, "/description") == 0) &&
			   strcmp(verb, "replace") == 0 && value) {
			cJSON_DeleteItemFromObjectCaseSensitive(doc, path + 1);
			cJSON_AddStringToObject(doc, path + 1, value);
		} else {
			aws_err_set(err, 400, "BadRequestException",
				    "Invalid patch path '%s' specified for op '%s'", path, verb);
			return NULL;
		}
	}
	*dirty = true;
	return api_out(doc);
}

/* ---- resources ---- */

/* The path of a child named part under a resource whose path is ppath. Caller frees. */
static char *child_path(const char *ppath, const char *part)
{
	return strcmp(ppath, "/") == 0 ? xasprintf("/%s", part) : xasprintf("%s/%s", ppath, part);
}

static cJSON *create_resource(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			      struct aws_err *err)
{
	(void)call;
	cJSON *res = cJSON_GetObjectItem(doc, "resources");
	const char *parent_id = front_str(in, "parentId");
	const cJSON *parent = front_find(res, "id", parent_id);
	const char *part = front_str(in, "pathPart");
	bool greedy = false;
	if (!parent) {
		not_found(err, "Resource");
		return NULL;
	}
	if (!part || !apigw_part_valid(part, strlen(part), &greedy)) {
		bad_request(err, "Resource's path part only allow a-zA-Z0-9._- and curly braces at "
				 "the beginning and the end and an optional plus sign before the "
				 "closing brace.");
		return NULL;
	}
	const char *ppath = front_str(parent, "path");
	const char *last = strrchr(ppath, '/');
	if (last && str_starts_with(last, "/{") && strstr(last, "+}")) {
		aws_err_set(err, 400, "BadRequestException",
			    "Cannot create a child of a resource with a greedy path variable: %s",
			    last + 1);
		return NULL;
	}
	const cJSON *sib;
	cJSON_ArrayForEach(sib, res)
	{
		const char *sp = front_str(sib, "parentId"), *spart = front_str(sib, "pathPart");
		if (!sp || strcmp(sp, parent_id) != 0 || !spart)
			continue;
		if (strcmp(spart, part) == 0) {
			aws_err_set(
				err, 409, "ConflictException",
				"Another resource with the same parent already has this name: %s",
				part);
			return NULL;
		}
		if (spart[0] == '{' && part[0] == '{') {
			aws_err_set(err, 400, "BadRequestException",
				    "A sibling (%s) of this resource already has a variable path "
				    "part -- only one is allowed",
				    spart);
			return NULL;
		}
	}
	char id[7];
	front_random_id(id, 6);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "id", id);
	cJSON_AddStringToObject(r, "parentId", parent_id);
	cJSON_AddStringToObject(r, "pathPart", part);
	char *path = child_path(ppath, part);
	cJSON_AddStringToObject(r, "path", path);
	free(path);
	cJSON_AddObjectToObject(r, "resourceMethods");
	cJSON_AddItemToArray(res, r);
	*dirty = true;
	return resource_out(r, false);
}

static cJSON *get_resources(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			    struct aws_err *err)
{
	(void)call, (void)dirty, (void)err;
	bool with = front_find_string(cJSON_GetObjectItem(in, "embed"), "methods") != NULL;
	cJSON *items = cJSON_CreateArray();
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(doc, "resources"))
		cJSON_AddItemToArray(items, resource_out(r, with));
	return list_out("items", items);
}

static cJSON *get_resource(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			   struct aws_err *err)
{
	(void)call, (void)dirty;
	const cJSON *r = find_resource(doc, in, err);
	return r ? resource_out(r, true) : NULL;
}

/* Delete the resource and everything under it. */
static void delete_tree(cJSON *res, const char *id)
{
	cJSON *r = res->child;
	while (r) {
		cJSON *next = r->next;
		const char *pid = front_str(r, "parentId");
		if (pid && strcmp(pid, id) == 0) {
			char *child = xstrdup(front_str(r, "id"));
			delete_tree(res, child);
			free(child);
			next = res->child; /* the list changed under us: start over */
		}
		r = next;
	}
	cJSON *self = front_find(res, "id", id);
	if (self)
		cJSON_Delete(cJSON_DetachItemViaPointer(res, self));
}

static cJSON *delete_resource(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			      struct aws_err *err)
{
	(void)call;
	const cJSON *r = find_resource(doc, in, err);
	if (!r)
		return NULL;
	if (!front_str(r, "parentId")) {
		bad_request(err, "Cannot delete root resource");
		return NULL;
	}
	delete_tree(cJSON_GetObjectItem(doc, "resources"), front_str(in, "resourceId"));
	*dirty = true;
	return cJSON_CreateObject();
}

/* Give the descendants of the resource id (whose path is path) their paths again. */
static void repath_children(cJSON *res, const char *id, const char *path)
{
	cJSON *r;
	cJSON_ArrayForEach(r, res)
	{
		const char *pid = front_str(r, "parentId"), *part = front_str(r, "pathPart");
		if (!pid || strcmp(pid, id) != 0 || !part)
			continue;
		char *p = child_path(path, part);
		cJSON_ReplaceItemInObjectCaseSensitive(r, "path", cJSON_CreateString(p));
		repath_children(res, front_str(r, "id"), p);
		free(p);
	}
}

/* Whether the resource id is r_id or one of its descendants. */
static bool under(const cJSON *res, const char *id, const char *r_id)
{
	for (int hops = 0; id && hops < 1000; hops++) {
		if (strcmp(id, r_id) == 0)
			return true;
		id = front_str(front_find(res, "id", id), "parentId");
	}
	return false;
}

/* UpdateResource: replace /pathPart and /parentId, checked as API Gateway checks them. */
static cJSON *update_resource(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			      struct aws_err *err)
{
	(void)call;
	cJSON *r = find_resource(doc, in, err);
	if (!r)
		return NULL;
	cJSON *res = cJSON_GetObjectItem(doc, "resources");
	const char *part = front_str(r, "pathPart"), *parent = front_str(r, "parentId");
	const cJSON *op, *ops = cJSON_GetObjectItem(in, "patchOperations");
	cJSON_ArrayForEach(op, ops)
	{
		const char *verb = front_str(op, "op"), *path = front_str(op, "path");
		const char *value = front_str(op, "value");
		verb = verb ? verb : "";
		path = path ? path : "";
		bool known = strcmp(path, "/pathPart") == 0 || strcmp(path, "/parentId") == 0;
		if (strcmp(verb, "replace") != 0) {
			aws_err_set(err, 400, "BadRequestException",
				    "Invalid patch path  '%s' specified for op '%s'. Please choose "
				    "supported operations",
				    path, verb);
			return NULL;
		}
		if (!known) {
			aws_err_set(
				err, 400, "BadRequestException",
				"Invalid patch path  '%s' specified for op 'replace'. Must be one "
				"of: [/parentId, /pathPart]",
				path);
			return NULL;
		}
		if (!front_str(r, "parentId")) {
			aws_err_set(err, 400, "BadRequestException",
				    "Root resource cannot update its %s.", path + 1);
			return NULL;
		}
		if (strcmp(path, "/pathPart") == 0)
			part = value;
		else
			parent = value;
	}
	bool greedy = false;
	if (!part || !apigw_part_valid(part, strlen(part), &greedy)) {
		bad_request(err, "Resource's path part only allow a-zA-Z0-9._- and curly braces at "
				 "the beginning and the end and an optional plus sign before the "
				 "closing brace.");
		return NULL;
	}
	const cJSON *p = parent ? front_find(res, "id", parent) : NULL;
	if (!p) {
		not_found(err, "Resource");
		return NULL;
	}
	const char *id = front_str(r, "id");
	if (under(res, parent, id)) {
		bad_request(err, "Resources cannot be cyclical.");
		return NULL;
	}
	const cJSON *sib;
	cJSON_ArrayForEach(sib, res)
	{
		const char *sp = front_str(sib, "parentId"), *spart = front_str(sib, "pathPart");
		if (sib != r && sp && strcmp(sp, parent) == 0 && spart &&
		    strcmp(spart, part) == 0) {
			aws_err_set(
				err, 409, "ConflictException",
				"Another resource with the same parent already has this name: %s",
				part);
			return NULL;
		}
	}
	char *new_part = xstrdup(part), *new_parent = xstrdup(parent);
	char *path = child_path(front_str(p, "path"), new_part);
	cJSON_ReplaceItemInObjectCaseSensitive(r, "pathPart", cJSON_CreateString(new_part));
	cJSON_ReplaceItemInObjectCaseSensitive(r, "parentId", cJSON_CreateString(new_parent));
	cJSON_ReplaceItemInObjectCaseSensitive(r, "path", cJSON_CreateString(path));
	repath_children(res, id, path);
	free(path);
	free(new_part);
	free(new_parent);
	*dirty = true;
	return resource_out(r, true);
}

/* ---- methods and integrations ---- */

static bool method_name_valid(const char *m)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i], m) == 0)
			return true;
	return false;
}

static cJSON *put_method(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			 struct aws_err *err)
{
	(void)call;
	cJSON *r = find_resource(doc, in, err);
	if (!r)
		return NULL;
	cJSON *ms = cJSON_GetObjectItem(r, "resourceMethods");
	const char *m = front_str(in, "httpMethod");
	const char *auth = front_str(in, "authorizationType");
	if (!m || !method_name_valid(m)) {
		bad_request(err, "Invalid HttpMethod specified. Valid options are "
				 "GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY");
		return NULL;
	}
	if (!auth || (strcmp(auth, "NONE") != 0 && strcmp(auth, "AWS_IAM") != 0 &&
		      strcmp(auth, "CUSTOM") != 0 && strcmp(auth, "COGNITO_USER_POOLS") != 0)) {
		bad_request(err, "Invalid authorization type specified. Valid values are NONE, "
				 "AWS_IAM, CUSTOM, COGNITO_USER_POOLS");
		return NULL;
	}
	if (strcmp(auth, "CUSTOM") == 0 || strcmp(auth, "COGNITO_USER_POOLS") == 0) {
		/* No authorizer exists here (authorizers are not served), so none is valid. */
		bad_request(err, "Invalid authorizer ID specified. Setting the authorization type "
				 "to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.");
		return NULL;
	}
	if (cJSON_GetObjectItemCaseSensitive(ms, m)) {
		aws_err_set(err, 409, "ConflictException",
			    "Method already exists for this resource");
		return NULL;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "httpMethod", m);
	cJSON_AddStringToObject(o, "authorizationType", auth);
	cJSON_AddBoolToObject(o, "apiKeyRequired",
			      cJSON_IsTrue(cJSON_GetObjectItem(in, "apiKeyRequired")));
	cJSON_AddItemToObject(ms, m, o);
	*dirty = true;
	return cJSON_Duplicate(o, true);
}

static cJSON *get_method(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			 struct aws_err *err)
{
	(void)call, (void)dirty;
	const cJSON *m = find_method(doc, in, err);
	return m ? cJSON_Duplicate(m, true) : NULL;
}

static cJSON *delete_method(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			    struct aws_err *err)
{
	(void)call;
	cJSON *m = find_method(doc, in, err);
	if (!m)
		return NULL;
	cJSON_Delete(cJSON_DetachItemViaPointer(
		cJSON_GetObjectItem(find_resource(doc, in, err), "resourceMethods"), m));
	*dirty = true;
	return cJSON_CreateObject();
}

/* Operations the local cloud does not offer on a method (UpdateMethod): refused once the
 * method is found, as API Gateway would first look it up. */
static cJSON *method_unserved(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			      struct aws_err *err)
{
	(void)dirty;
	if (find_method(doc, in, err))
		aws_err_set(err, 501, "NotImplemented",
			    "%s is not available: the local cloud does not offer it", call->op);
	return NULL;
}

/* Operations of an API the local cloud does not offer (models, authorizers...): refused once
 * the API is found. */
static cJSON *api_unserved(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			   struct aws_err *err)
{
	(void)doc, (void)in, (void)dirty;
	aws_err_set(err, 501, "NotImplemented",
		    "%s is not available: the local cloud does not offer it", call->op);
	return NULL;
}

static cJSON *put_integration(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			      struct aws_err *err)
{
	(void)call;
	cJSON *method = find_method(doc, in, err);
	if (!method)
		return NULL;
	static const struct apigw_proxy_words words = {
		.no_type = "Enumeration value for IntegrationType must be non-empty",
		.bad_uri = "Invalid ARN specified in the request: the URI of a Lambda proxy "
			   "integration is arn:aws:apigateway:REGION:lambda:path/2015-03-31/"
			   "functions/FUNCTION_ARN/invocations",
		.bad_timeout = "Timeout should be between 50 ms and 29000 ms",
		.max_timeout_ms = 29000,
	};
	const char *type = front_str(in, "type"), *hm = front_str(in, "integrationHttpMethod");
	const char *uri = front_str(in, "uri");
	const cJSON *t = cJSON_GetObjectItem(in, "timeoutInMillis");
	char *fn = apigw_proxy_function(type, uri, t, &words, err);
	cJSON *out = NULL;
	if (!fn) {
		/* refused in err */
	} else if (!hm || !hm[0]) {
		bad_request(err, "Enumeration value for HttpMethod must be non-empty");
	} else {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", type);
		cJSON_AddStringToObject(o, "httpMethod", hm);
		cJSON_AddStringToObject(o, "uri", uri);
		cJSON_AddStringToObject(o, "passthroughBehavior", "WHEN_NO_MATCH");
		cJSON_AddNumberToObject(o, "timeoutInMillis",
					cJSON_IsNumber(t) ? t->valuedouble : 29000);
		cJSON_AddStringToObject(o, "cacheNamespace", front_str(in, "resourceId"));
		cJSON_AddArrayToObject(o, "cacheKeyParameters");
		cJSON_DeleteItemFromObjectCaseSensitive(method, "methodIntegration");
		cJSON_AddItemToObject(method, "methodIntegration", o);
		*dirty = true;
		out = cJSON_Duplicate(o, true);
	}
	free(fn);
	return out;
}

/* The integration of the method a call names, or NULL with err filled. */
static cJSON *find_integration(cJSON *doc, const cJSON *in, struct aws_err *err)
{
	cJSON *m = find_method(doc, in, err);
	cJSON *integ = m ? cJSON_GetObjectItem(m, "methodIntegration") : NULL;
	if (m && !integ)
		aws_err_set(err, 404, "NotFoundException", "No integration defined for method");
	return integ;
}

static cJSON *get_integration(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			      struct aws_err *err)
{
	(void)call, (void)dirty;
	const cJSON *integ = find_integration(doc, in, err);
	return integ ? cJSON_Duplicate(integ, true) : NULL;
}

static cJSON *delete_integration(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
				 struct aws_err *err)
{
	(void)call;
	cJSON *integ = find_integration(doc, in, err);
	if (!integ)
		return NULL;
	cJSON_Delete(cJSON_DetachItemViaPointer(find_method(doc, in, err), integ));
	*dirty = true;
	return cJSON_CreateObject();
}

/* ---- deployments and stages ---- */

static cJSON *new_stage(const char *name, const char *deployment, const cJSON *in,
			const char *desc_key, const char *vars_key)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "deploymentId", deployment);
	cJSON_AddStringToObject(s, "stageName", name);
	const char *desc = front_str(in, desc_key);
	if (desc)
		cJSON_AddStringToObject(s, "description", desc);
	cJSON_AddBoolToObject(s, "cacheClusterEnabled", false);
	cJSON_AddStringToObject(s, "cacheClusterStatus", "NOT_AVAILABLE");
	cJSON_AddObjectToObject(s, "methodSettings");
	const cJSON *vars = cJSON_GetObjectItem(in, vars_key);
	if (cJSON_IsObject(vars) && cJSON_GetArraySize(vars) > 0)
		cJSON_AddItemToObject(s, "variables", cJSON_Duplicate(vars, true));
	cJSON_AddBoolToObject(s, "tracingEnabled",
			      cJSON_IsTrue(cJSON_GetObjectItem(in, "tracingEnabled")));
	cJSON_AddNumberToObject(s, "createdDate", now_s());
	cJSON_AddNumberToObject(s, "lastUpdatedDate", now_s());
	return s;
}

static cJSON *create_deployment(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
				struct aws_err *err)
{
	(void)call;
	cJSON *res = cJSON_GetObjectItem(doc, "resources");
	int count = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, res)
	{
		const cJSON *m;
		cJSON_ArrayForEach(m, cJSON_GetObjectItem(r, "resourceMethods"))
		{
			count++;
			if (!cJSON_GetObjectItem(m, "methodIntegration")) {
				bad_request(err, "No integration defined for method");
				return NULL;
			}
		}
	}
	if (count == 0) {
		bad_request(err, "The REST API doesn't contain any methods");
		return NULL;
	}
	const char *stage = front_str(in, "stageName");
	char id[7];
	front_random_id(id, 6);
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "id", id);
	const char *desc = front_str(in, "description");
	if (desc)
		cJSON_AddStringToObject(d, "description", desc);
	cJSON_AddNumberToObject(d, "createdDate", now_s());
	cJSON *out = cJSON_Duplicate(d, true);
	cJSON_AddItemToObject(d, "_snapshot", cJSON_Duplicate(res, true));
	const cJSON *bin = cJSON_GetObjectItem(doc, "binaryMediaTypes");
	if (bin)
		cJSON_AddItemToObject(d, "_binary", cJSON_Duplicate(bin, true));
	cJSON_AddItemToArray(cJSON_GetObjectItem(doc, "deployments"), d);
	if (stage && stage[0]) {
		cJSON *stages = cJSON_GetObjectItem(doc, "stages");
		cJSON *s = front_find(stages, "stageName", stage);
		if (s) {
			cJSON_ReplaceItemInObjectCaseSensitive(s, "deploymentId",
							       cJSON_CreateString(id));
			cJSON_ReplaceItemInObjectCaseSensitive(s, "lastUpdatedDate",
							       cJSON_CreateNumber(now_s()));
			const cJSON *vars = cJSON_GetObjectItem(in, "variables");
			if (cJSON_IsObject(vars)) {
				cJSON_DeleteItemFromObjectCaseSensitive(s, "variables");
				cJSON_AddItemToObject(s, "variables", cJSON_Duplicate(vars, true));
			}
		} else {
			cJSON_AddItemToArray(
				stages, new_stage(stage, id, in, "stageDescription", "variables"));
		}
	}
	*dirty = true;
	return out;
}

static cJSON *get_deployments(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			      struct aws_err *err)
{
	(void)call, (void)in, (void)dirty, (void)err;
	cJSON *items = cJSON_CreateArray();
	const cJSON *d;
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(doc, "deployments"))
		cJSON_AddItemToArray(items, deployment_out(d));
	return list_out("items", items);
}

static cJSON *find_deployment(cJSON *doc, const cJSON *in, struct aws_err *err)
{
	cJSON *d = front_find(cJSON_GetObjectItem(doc, "deployments"), "id",
			      front_str(in, "deploymentId"));
	if (!d)
		not_found(err, "Deployment");
	return d;
}

static cJSON *get_deployment(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			     struct aws_err *err)
{
	(void)call, (void)dirty;
	const cJSON *d = find_deployment(doc, in, err);
	return d ? deployment_out(d) : NULL;
}

static cJSON *delete_deployment(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
				struct aws_err *err)
{
	(void)call;
	cJSON *d = find_deployment(doc, in, err);
	if (!d)
		return NULL;
	if (front_find(cJSON_GetObjectItem(doc, "stages"), "deploymentId",
		       front_str(in, "deploymentId"))) {
		bad_request(err,
			    "Active stages pointing to this deployment must be moved or deleted");
		return NULL;
	}
	cJSON_Delete(cJSON_DetachItemViaPointer(cJSON_GetObjectItem(doc, "deployments"), d));
	*dirty = true;
	return cJSON_CreateObject();
}

static cJSON *create_stage(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			   struct aws_err *err)
{
	(void)call;
	cJSON *stages = cJSON_GetObjectItem(doc, "stages");
	const char *sn = front_str(in, "stageName"), *dep = front_str(in, "deploymentId");
	if (!sn || !sn[0] || !dep) {
		bad_request(err, "Invalid request: stageName and deploymentId are required");
		return NULL;
	}
	if (front_find(stages, "stageName", sn)) {
		aws_err_set(err, 409, "ConflictException", "Stage already exists");
		return NULL;
	}
	if (!find_deployment(doc, in, err))
		return NULL;
	cJSON *s = new_stage(sn, dep, in, "description", "variables");
	cJSON_AddItemToArray(stages, s);
	*dirty = true;
	return cJSON_Duplicate(s, true);
}

static cJSON *get_stages(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			 struct aws_err *err)
{
	(void)call, (void)in, (void)dirty, (void)err;
	return list_out("item", cJSON_Duplicate(cJSON_GetObjectItem(doc, "stages"), true));
}

static cJSON *find_stage(cJSON *doc, const cJSON *in, struct aws_err *err)
{
	cJSON *s = front_find(cJSON_GetObjectItem(doc, "stages"), "stageName",
			      front_str(in, "stageName"));
	if (!s)
		not_found(err, "Stage");
	return s;
}

static cJSON *get_stage(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			struct aws_err *err)
{
	(void)call, (void)dirty;
	const cJSON *s = find_stage(doc, in, err);
	return s ? cJSON_Duplicate(s, true) : NULL;
}

/* UpdateStage: replace /deploymentId, /description and /tracingEnabled, and /variables/NAME
 * (add, replace, remove). */
static cJSON *update_stage(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			   struct aws_err *err)
{
	(void)call;
	cJSON *s = find_stage(doc, in, err);
	if (!s)
		return NULL;
	/* Checked first, applied to a copy: a refused patch changes nothing. */
	cJSON *next = cJSON_Duplicate(s, true);
	bool ok = true;
	const cJSON *op;
	cJSON_ArrayForEach(op, cJSON_GetObjectItem(in, "patchOperations"))
	{
		const char *verb = front_str(op, "op"), *path = front_str(op, "path");
		const char *value = front_str(op, "value");
		verb = verb ? verb : "";
		path = path ? path : "";
		bool set = strcmp(verb, "replace") == 0 || strcmp(verb, "add") == 0;
		if (strcmp(path, "/deploymentId") == 0 && strcmp(verb, "replace") == 0 && value) {
			if (!front_find(cJSON_GetObjectItem(doc, "deployments"), "id", value)) {
				not_found(err, "Deployment");
				ok = false;
				break;
			}
			cJSON_ReplaceItemInObjectCaseSensitive(next, "deploymentId",
							       cJSON_CreateString(value));
		} else if (strcmp(path, "/description") == 0 && strcmp(verb, "replace") == 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(next, "description");
			cJSON_AddStringToObject(next, "description", value ? value : "");
		} else if (strcmp(path, "/tracingEnabled") == 0 && strcmp(verb, "replace") == 0) {
			if (!value || (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)) {
				aws_err_set(err, 400, "BadRequestException",
					    "Invalid value '%s' for /tracingEnabled: true or false",
					    value ? value : "");
				ok = false;
				break;
			}
			cJSON_ReplaceItemInObjectCaseSensitive(
				next, "tracingEnabled",
				cJSON_CreateBool(strcmp(value, "true") == 0));
		} else if (str_starts_with(path, "/variables/") && path[11] &&
			   (set ? value != NULL : strcmp(verb, "remove") == 0)) {
			cJSON *vars = cJSON_GetObjectItem(next, "variables");
			if (!vars)
				vars = cJSON_AddObjectToObject(next, "variables");
			cJSON_DeleteItemFromObjectCaseSensitive(vars, path + 11);
			if (set)
				cJSON_AddStringToObject(vars, path + 11, value);
		} else {
			aws_err_set(err, 400, "BadRequestException",
				    "Invalid patch path '%s' specified for op '%s'", path, verb);
			ok = false;
			break;
		}
	}
	if (!ok) {
		cJSON_Delete(next);
		return NULL;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(next, "lastUpdatedDate",
					       cJSON_CreateNumber(now_s()));
	cJSON_ReplaceItemViaPointer(cJSON_GetObjectItem(doc, "stages"), s, next);
	*dirty = true;
	return cJSON_Duplicate(next, true);
}

static cJSON *delete_stage(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			   struct aws_err *err)
{
	(void)call;
	cJSON *s = find_stage(doc, in, err);
	if (!s)
		return NULL;
	cJSON_Delete(cJSON_DetachItemViaPointer(cJSON_GetObjectItem(doc, "stages"), s));
	*dirty = true;
	return cJSON_CreateObject();
}

/*
 * TestInvokeMethod: call the method as it stands now (deployed or not) with a made-up request,
 * without the function's permission (the caller's own rights stand in), and answer what the
 * client would get, with a short execution log.
 */
static cJSON *test_invoke(struct svc_call *call, cJSON *doc, const cJSON *in, bool *dirty,
			  struct aws_err *err)
{
	(void)dirty;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const cJSON *r = find_resource(doc, in, err);
	if (!r)
		return NULL;
	const char *m = front_str(in, "httpMethod");
	const cJSON *ms = cJSON_GetObjectItem(r, "resourceMethods");
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(ms, m);
	if (!method)
		method = cJSON_GetObjectItemCaseSensitive(ms, "ANY");
	const cJSON *integ = cJSON_GetObjectItem(method, "methodIntegration");
	if (!method) {
		not_found(err, "Method");
		return NULL;
	}
	if (!integ) {
		bad_request(err, "No integration defined for method");
		return NULL;
	}
	const char *pq = front_str(in, "pathWithQueryString");
	const char *tmpl = front_str(r, "path");
	char *path = xstrndup(pq ? pq : tmpl, strcspn(pq ? pq : tmpl, "?"));
	const char *query = pq && strchr(pq, '?') ? strchr(pq, '?') + 1 : NULL;
	cJSON *params = cJSON_CreateObject();
	char rank[APIGW_RANK_MAX];
	if (!apigw_path_match(tmpl, path, params, rank)) {
		cJSON_Delete(params);
		params = cJSON_CreateObject();
	}
	struct vec hs = VEC_INIT;
	const cJSON *h;
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(in, "headers"))
	{
		if (cJSON_IsString(h)) {
			vec_push(&hs, h->string);
			vec_push(&hs, h->valuestring);
		}
	}
	vec_push(&hs, NULL);
	const char *body = front_str(in, "body");
	char rid[37];
	aws_uuid(rid);
	struct events_http eh = {
		.method = m,
		.path = path,
		.query = query,
		.headers = (const char *const *)hs.items,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.source_ip = "test-invoke-source-ip",
		.account = account,
		.api_id = front_str(doc, "id"),
		.stage = "test-invoke-stage",
		.resource = tmpl,
		.path_params = params,
		.request_id = rid,
		.epoch_ms = clock_wall_ms(),
	};
	cJSON *ev = events_apigw_v1(&eh);
	const cJSON *vars = cJSON_GetObjectItem(in, "stageVariables");
	if (cJSON_GetArraySize(vars) > 0)
		cJSON_ReplaceItemInObjectCaseSensitive(ev, "stageVariables",
						       cJSON_Duplicate(vars, true));
	char *fn = front_function_of_uri(front_str(integ, "uri"));
	int64_t t0 = clock_mono_ms();
	struct front_outcome out = { 0 };
	enum front_call how =
		fn ? front_invoke(c, account, fn, NULL, NULL, 0, ev, &out) : FRONT_NO_FUNCTION;
	struct http_resp ans;
	http_resp_init(&ans);
	if (how != FRONT_CALLED)
		front_message(&ans, 500, INTERNAL_REST);
	else
		front_answer_v1(&out, INTERNAL_REST, true, &ans);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "status", ans.status);
	cJSON_AddStringToObject(o, "body", strbuf_str(&ans.body));
	cJSON *oh = cJSON_AddObjectToObject(o, "headers");
	cJSON *om = cJSON_AddObjectToObject(o, "multiValueHeaders");
	for (int i = 0; i < ans.nheaders; i++) {
		cJSON_DeleteItemFromObjectCaseSensitive(oh, ans.headers[i][0]);
		cJSON_AddStringToObject(oh, ans.headers[i][0], ans.headers[i][1]);
		cJSON *list = cJSON_GetObjectItemCaseSensitive(om, ans.headers[i][0]);
		if (!list)
			list = cJSON_AddArrayToObject(om, ans.headers[i][0]);
		cJSON_AddItemToArray(list, cJSON_CreateString(ans.headers[i][1]));
	}
	struct strbuf log = STRBUF_INIT;
	strbuf_addf(&log, "Execution log for request %s\n", rid);
	strbuf_addf(&log, "Starting execution for request: %s\n", rid);
	strbuf_addf(&log, "HTTP Method: %s, Resource Path: %s\n", m, path);
	strbuf_addf(&log, "Endpoint request URI: %s\n", front_str(integ, "uri"));
	if (how == FRONT_NO_FUNCTION)
		strbuf_addstr(&log, "Execution failed due to configuration error: Invalid "
				    "permissions on Lambda function\n");
	else if (out.function_error)
		strbuf_addf(&log,
			    "Lambda execution failed with status 200 due to customer function "
			    "error: %s\n",
			    out.body ? out.body : "");
	else if (ans.status == 502)
		strbuf_addstr(&log, "Execution failed due to configuration error: Malformed Lambda "
				    "proxy response\n");
	strbuf_addf(&log, "Method completed with status: %d\n", ans.status);
	cJSON_AddStringToObject(o, "log", strbuf_str(&log));
	cJSON_AddNumberToObject(o, "latency", (double)(clock_mono_ms() - t0));
	strbuf_release(&log);
	http_resp_release(&ans);
	free(out.body);
	free(fn);
	cJSON_Delete(ev);
	vec_release(&hs);
	cJSON_Delete(params);
	free(path);
	return o;
}

/* ---- the table ---- */

#define API_OP(name, fn)                                                                \
	static cJSON *name(struct svc_call *call, const cJSON *in, struct aws_err *err) \
	{                                                                               \
		return with_api(call, in, err, fn);                                     \
	}
API_OP(op_create_deployment, create_deployment)
API_OP(op_create_resource, create_resource)
API_OP(op_create_stage, create_stage)
API_OP(op_delete_deployment, delete_deployment)
API_OP(op_delete_integration, delete_integration)
API_OP(op_delete_method, delete_method)
API_OP(op_delete_resource, delete_resource)
API_OP(op_delete_rest_api, delete_api)
API_OP(op_delete_stage, delete_stage)
API_OP(op_get_deployment, get_deployment)
API_OP(op_get_deployments, get_deployments)
API_OP(op_get_integration, get_integration)
API_OP(op_get_method, get_method)
API_OP(op_get_resource, get_resource)
API_OP(op_get_resources, get_resources)
API_OP(op_get_rest_api, get_api)
API_OP(op_get_stage, get_stage)
API_OP(op_get_stages, get_stages)
API_OP(op_put_integration, put_integration)
API_OP(op_put_method, put_method)
API_OP(op_test_invoke_method, test_invoke)
API_OP(op_update_method, method_unserved)
API_OP(op_update_resource, update_resource)
API_OP(op_update_rest_api, update_api)
API_OP(op_update_stage, update_stage)
API_OP(op_api_unserved, api_unserved)
#undef API_OP

/* Sorted by name. Of what an API holds, the local cloud keeps resources, methods, Lambda
 * proxy integrations, deployments and stages; the other parts are refused once the API is
 * found (a missing API is NotFoundException first, as API Gateway answers). */
const struct svc_op rest_ops[REST_NOPS] = {
	{ "CreateDeployment", op_create_deployment },
	{ "CreateResource", op_create_resource },
	{ "CreateRestApi", op_create_rest_api },
	{ "CreateStage", op_create_stage },
	{ "DeleteDeployment", op_delete_deployment },
	{ "DeleteIntegration", op_delete_integration },
	{ "DeleteMethod", op_delete_method },
	{ "DeleteResource", op_delete_resource },
	{ "DeleteRestApi", op_delete_rest_api },
	{ "DeleteStage", op_delete_stage },
	{ "GetAuthorizers", op_api_unserved },
	{ "GetDeployment", op_get_deployment },
	{ "GetDeployments", op_get_deployments },
	{ "GetGatewayResponses", op_api_unserved },
	{ "GetIntegration", op_get_integration },
	{ "GetMethod", op_get_method },
	{ "GetModels", op_api_unserved },
	{ "GetRequestValidators", op_api_unserved },
	{ "GetResource", op_get_resource },
	{ "GetResources", op_get_resources },
	{ "GetRestApi", op_get_rest_api },
	{ "GetRestApis", op_get_rest_apis },
	{ "GetStage", op_get_stage },
	{ "GetStages", op_get_stages },
	{ "PutIntegration", op_put_integration },
	{ "PutMethod", op_put_method },
	{ "TestInvokeMethod", op_test_invoke_method },
	{ "UpdateMethod", op_update_method },
	{ "UpdateResource", op_update_resource },
	{ "UpdateRestApi", op_update_rest_api },
	{ "UpdateStage", op_update_stage },
};
_Static_assert(sizeof(rest_ops) / sizeof(rest_ops[0]) == REST_NOPS, "REST_NOPS counts rest_ops");

/* ---- the front door ---- */

/*
 * A request on a stage with X-Ray tracing on. API Gateway continues the request's trace (or
 * starts one), decides sampling when the header leaves it open (its default rule: the first
 * request each second, then 5%), and records its own segment (origin AWS::ApiGateway::Stage,
 * named API/STAGE) with a "Lambda" subsegment for the integration's call, the parent of the
 * segments Lambda records: the header the function is called with names that subsegment.
 */
struct stage_trace {
	bool on, sampled;
	char root[36], parent[17]; /* the trace, and the caller's segment ("" when none) */
	char seg[17], sub[17];     /* the stage's segment and its Lambda subsegment */
	char header[96];           /* what the integration is called with */
	double start, sub_start, sub_end;
};

static bool stage_sampled_now(void)
{
	static _Atomic long long last_second = -1;
	long long second = clock_wall_ms() / 1000, seen = last_second;
	if (seen != second && atomic_compare_exchange_strong(&last_second, &seen, second))
		return true;
	char hex[3];
	aws_random_hex(hex, 2);
	return strtol(hex, NULL, 16) * 100 / 256 < 5;
}

static void stage_trace_begin(struct stage_trace *t, const cJSON *stage, const char *incoming)
{
	memset(t, 0, sizeof(*t));
	t->on = cJSON_IsTrue(cJSON_GetObjectItem(stage, "tracingEnabled"));
	if (!t->on)
		return;
	struct svc_trace in;
	bool have = incoming && svc_trace_parse(incoming, &in);
	if (have) {
		memcpy(t->root, in.root, sizeof(t->root));
		memcpy(t->parent, in.parent, sizeof(t->parent));
	} else {
		char hex[25];
		aws_random_hex(hex, 24);
		snprintf(t->root, sizeof(t->root), "1-%08llx-%s",
			 (unsigned long long)(clock_wall_ms() / 1000), hex);
	}
	t->sampled = have && in.sampled >= 0 ? in.sampled == 1 : stage_sampled_now();
	aws_random_hex(t->seg, 16);
	aws_random_hex(t->sub, 16);
	snprintf(t->header, sizeof(t->header), "Root=%s;Parent=%s;Sampled=%d", t->root, t->sub,
		 t->sampled ? 1 : 0);
	t->start = (double)clock_wall_ms() / 1000;
}

/* Record the stage's segment (sampled requests only) and answer the trace header. */
static void stage_trace_end(struct stage_trace *t, struct cloud *c, const char *account,
			    const cJSON *doc, const char *id, const char *stage,
			    const struct http_req *req, const char *rpath, const char *fn,
			    bool called, struct http_resp *resp)
{
	if (!t->on)
		return;
	char header[64];
	snprintf(header, sizeof(header), "Root=%s;Sampled=%d", t->root, t->sampled ? 1 : 0);
	http_resp_header(resp, "X-Amzn-Trace-Id", header);
	if (!t->sampled)
		return;
	double end = (double)clock_wall_ms() / 1000;
	const char *api = front_str(doc, "name");
	char name[300];
	snprintf(name, sizeof(name), "%s/%s", api ? api : id, stage);
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "id", t->seg);
	cJSON_AddStringToObject(s, "trace_id", t->root);
	cJSON_AddStringToObject(s, "name", name);
	cJSON_AddStringToObject(s, "origin", "AWS::ApiGateway::Stage");
	if (t->parent[0])
		cJSON_AddStringToObject(s, "parent_id", t->parent);
	cJSON_AddNumberToObject(s, "start_time", t->start);
	cJSON_AddNumberToObject(s, "end_time", end);
	char *arn = xasprintf("arn:aws:apigateway:" AWS_REGION_NAME "::/restapis/%s/stages/%s", id,
			      stage);
	cJSON_AddStringToObject(s, "resource_arn", arn);
	free(arn);
	cJSON_AddBoolToObject(s, "error", resp->status >= 400 && resp->status < 500);
	cJSON_AddBoolToObject(s, "fault", resp->status >= 500);
	cJSON_AddBoolToObject(s, "throttle", resp->status == 429);
	cJSON *http = cJSON_AddObjectToObject(s, "http");
	cJSON *rq = cJSON_AddObjectToObject(http, "request");
	char *url = xasprintf("https://%s.execute-api." AWS_REGION_NAME ".amazonaws.com/%s%s", id,
			      stage, rpath);
	cJSON_AddStringToObject(rq, "url", url);
	free(url);
	cJSON_AddStringToObject(rq, "method", req->method);
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(http, "response"), "status", resp->status);
	cJSON *gw = cJSON_AddObjectToObject(cJSON_AddObjectToObject(s, "aws"), "api_gateway");
	cJSON_AddStringToObject(gw, "account_id", account);
	cJSON_AddStringToObject(gw, "rest_api_id", id);
	cJSON_AddStringToObject(gw, "stage", stage);
	cJSON *notes = cJSON_AddObjectToObject(s, "annotations");
	cJSON_AddStringToObject(notes, "aws:api_id", id);
	cJSON_AddStringToObject(notes, "aws:api_stage", stage);
	if (called && fn) {
		/* The integration's call: a downstream node in the aws namespace. */
		const char *slash = strrchr(fn, ':');
		const char *fname = strstr(fn, ":function:") ? strstr(fn, ":function:") + 10 : fn;
		char short_name[200];
		snprintf(short_name, sizeof(short_name), "%.*s",
			 (int)(slash && slash > fname ? (size_t)(slash - fname) : strlen(fname)),
			 fname);
		cJSON *sub = cJSON_AddArrayToObject(s, "subsegments");
		cJSON *l = cJSON_CreateObject();
		cJSON_AddStringToObject(l, "id", t->sub);
		cJSON_AddStringToObject(l, "name", "Lambda");
		cJSON_AddStringToObject(l, "namespace", "aws");
		cJSON_AddNumberToObject(l, "start_time", t->sub_start);
		cJSON_AddNumberToObject(l, "end_time", t->sub_end);
		cJSON *la = cJSON_AddObjectToObject(l, "aws");
		cJSON_AddStringToObject(la, "function_name", short_name);
		cJSON_AddStringToObject(la, "region", AWS_REGION_NAME);
		cJSON_AddStringToObject(la, "operation", "Invoke");
		cJSON_AddItemToArray(sub, l);
	}
	char *text = cJSON_PrintUnformatted(s);
	cJSON_Delete(s);
	cJSON *in = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(in, "TraceSegmentDocuments"),
			     cJSON_CreateString(text));
	free(text);
	struct svc_caller caller;
	svc_caller_for_account(&caller, account);
	struct aws_err err = { 0 };
	cJSON_Delete(svc_call_internal(c, &caller, "xray", "PutTraceSegments", in, &err));
	aws_err_release(&err);
	cJSON_Delete(in);
}

/* The deployed resource that serves path: the most specific match. */
static const cJSON *pick_resource(const cJSON *resources, const char *path)
{
	const cJSON *best = NULL, *r;
	char best_rank[APIGW_RANK_MAX] = "";
	cJSON_ArrayForEach(r, resources)
	{
		char rank[APIGW_RANK_MAX];
		const char *tmpl = front_str(r, "path");
		if (tmpl && apigw_path_match(tmpl, path, NULL, rank) &&
		    (!best || strcmp(rank, best_rank) > 0)) {
			best = r;
			snprintf(best_rank, sizeof(best_rank), "%s", rank);
		}
	}
	return best;
}

bool rest_serve(struct cloud *c, const char *id, const char *path, const struct http_req *req,
		struct http_resp *resp)
{
	char account[13] = "";
	cJSON *doc = front_doc_load(c, id, KIND, account);
	if (!doc)
		return false;
	char stage_name[129];
	const char *p = path;
	while (*p == '/')
		p++;
	size_t slen = strcspn(p, "/");
	snprintf(stage_name, sizeof(stage_name), "%.*s", (int)(slen < 128 ? slen : 128), p);
	const char *rpath = p[slen] ? p + slen : "/";
	const cJSON *stage =
		front_find(cJSON_GetObjectItem(doc, "stages"), "stageName", stage_name);
	const cJSON *dep = stage ? front_find(cJSON_GetObjectItem(doc, "deployments"), "id",
					      front_str(stage, "deploymentId"))
				 : NULL;
	if (!dep) {
		front_message(resp, 403, "Forbidden");
		cJSON_Delete(doc);
		return true;
	}
	const cJSON *r = pick_resource(cJSON_GetObjectItem(dep, "_snapshot"), rpath);
	const cJSON *ms = cJSON_GetObjectItem(r, "resourceMethods");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(ms, req->method);
	if (!m)
		m = cJSON_GetObjectItemCaseSensitive(ms, "ANY");
	const char *auth = front_str(m, "authorizationType");
	bool signed_in = http_header(req, "Authorization") != NULL;
	if (!m) {
		front_message(resp, 403, NO_TOKEN);
		http_resp_header(resp, "x-amzn-ErrorType", "MissingAuthenticationTokenException");
		cJSON_Delete(doc);
		return true;
	}
	if (auth && strcmp(auth, "AWS_IAM") == 0) {
		/* Signed by the API's own account, as IAM auth wants. */
		struct svc_caller caller;
		struct aws_err err = { 0 };
		bool who = auth_identify(c, req, "execute-api", &caller, &err);
		if (!who || strcmp(caller.account, account) != 0) {
			char msg[1200];
			if (who)
				snprintf(
					msg, sizeof(msg),
					"User: %s is not authorized to perform: execute-api:Invoke"
					" on resource: arn:aws:execute-api:us-east-1:%s:%s/%s/%s%s",
					caller.arn, account, id, stage_name, req->method, rpath);
			front_message(resp, 403, who ? msg : err.message);
			http_resp_header(resp, "x-amzn-ErrorType",
					 who ? "AccessDeniedException" : err.code);
			aws_err_release(&err);
			cJSON_Delete(doc);
			return true;
		}
	}
	if (auth && strcmp(auth, "NONE") != 0 && strcmp(auth, "AWS_IAM") != 0 && !signed_in) {
		front_message(resp, 401, "Unauthorized");
		http_resp_header(resp, "x-amzn-ErrorType", "UnauthorizedException");
		cJSON_Delete(doc);
		return true;
	}
	const char *tmpl = front_str(r, "path");
	cJSON *params = cJSON_CreateObject();
	char rank[APIGW_RANK_MAX];
	apigw_path_match(tmpl, rpath, params, rank);
	struct front_req fr;
	front_req_init(&fr, req, rpath, account, id, stage_name);
	fr.h.path_params = params;
	fr.h.resource = tmpl;
	/* A body is binary, sent base64, when its type is one of the API's binary media types. */
	const cJSON *binary = cJSON_GetObjectItem(dep, "_binary"); /* as deployed */
	fr.h.body_base64 = front_media_match(binary, http_header(req, "Content-Type"));
	cJSON *ev = events_apigw_v1(&fr.h);
	const cJSON *vars = cJSON_GetObjectItem(stage, "variables");
	if (cJSON_GetArraySize(vars) > 0)
		cJSON_ReplaceItemInObjectCaseSensitive(ev, "stageVariables",
						       cJSON_Duplicate(vars, true));
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItem(ev, "requestContext"),
					       "resourceId",
					       cJSON_CreateString(front_str(r, "id")));
	const cJSON *integ = cJSON_GetObjectItem(m, "methodIntegration");
	const char *hm = front_str(integ, "httpMethod");
	char *fn = front_function_of_uri(front_str(integ, "uri"));
	char *source = xasprintf("arn:aws:execute-api:" AWS_REGION_NAME ":%s:%s/%s/%s%s", account,
				 id, stage_name, req->method, tmpl);
	struct front_outcome out = { 0 };
	enum front_call how = FRONT_NO_FUNCTION;
	/* Lambda is called with POST; any other integration method fails as AWS's does. */
	const cJSON *limit = cJSON_GetObjectItem(integ, "timeoutInMillis");
	int timeout_ms = cJSON_IsNumber(limit) ? limit->valueint : 29000;
	struct stage_trace trace;
	stage_trace_begin(&trace, stage, http_header(req, "X-Amzn-Trace-Id"));
	if (fn && hm && strcmp(hm, "POST") == 0) {
		trace.sub_start = (double)clock_wall_ms() / 1000;
		how = front_invoke_traced(
			c, account, fn, APIGW_SVC, source, timeout_ms, ev,
			trace.on ? trace.header : http_header(req, "X-Amzn-Trace-Id"), &out);
		trace.sub_end = (double)clock_wall_ms() / 1000;
	}
	if (how == FRONT_TIMEOUT) {
		front_message(resp, 504, "Endpoint request timed out");
		http_resp_header(resp, "x-amzn-ErrorType", "InternalServerErrorException");
	} else if (how != FRONT_CALLED) {
		front_message(resp, 500, INTERNAL_REST);
		http_resp_header(resp, "x-amzn-ErrorType", "InternalServerErrorException");
	} else {
		front_answer_v1(&out, INTERNAL_REST,
				front_media_match(binary, http_header(req, "Accept")), resp);
	}
	char apigw_id[17];
	front_random_id(apigw_id, 16);
	http_resp_header(resp, "x-amz-apigw-id", apigw_id);
	stage_trace_end(&trace, c, account, doc, id, stage_name, req, rpath, fn,
			how != FRONT_NO_FUNCTION && how != FRONT_DENIED, resp);
	free(out.body);
	free(fn);
	free(source);
	cJSON_Delete(ev);
	front_req_release(&fr);
	cJSON_Delete(params);
	cJSON_Delete(doc);
	return true;
}
