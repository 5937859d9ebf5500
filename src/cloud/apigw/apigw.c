/*
 * Amazon API Gateway as rows of the service table (REST APIs under /restapis, rest.h; HTTP
 * APIs under /v2/apis, httpapi.h), and the HTTP front doors to functions they share with
 * Lambda's function URLs (lambda/url.c) and Application Load Balancers (alb.h), served on
 * the cloud's own port:
 *
 *   http://127.0.0.1:PORT/_aws/lambda-url/<url-id>/<path>          a function URL
 *   http://127.0.0.1:PORT/_aws/execute-api/<api-id>/<stage>/<path> a REST API's stage
 *   http://127.0.0.1:PORT/_aws/execute-api/<api-id>/<path>         an HTTP API ($default stage,
 *                                                                  a named one by its name)
 *   http://127.0.0.1:PORT/_aws/elb/<name>/<path>                   a load balancer
 *
 * The same doors answer by Host header: <api-id>.execute-api.localhost:PORT,
 * <url-id>.lambda-url.localhost:PORT and <name>.elb.localhost:PORT (curl resolves *.localhost
 * to loopback), and LocalStack's /restapis/<api-id>/<stage>/_user_request_/<path>. A request
 * becomes the event of its door (payload 1.0 or 2.0, ALB); the answer becomes the response by
 * that door's rules (front.h).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/apigw/httpapi.h"
#include "cloud/apigw/rest.h"
#include "cloud/db.h"
#include "cloud/front/front.h"
#include "cloud/http/aws.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/strutil.h"
#include "core/vec.h"
#include "core/xalloc.h"

/* Move the HTTP APIs of an older workspace (a row each, made by quick create) into documents. */
static void migrate_apis(struct cloud *c)
{
	struct vec rows = VEC_INIT;
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT api_id, account, name, target, created FROM apigw_apis", -1,
			       &q, NULL) == SQLITE_OK) {
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *target = (const char *)sqlite3_column_text(q, 3);
			cJSON *doc = httpapi_quick_doc((const char *)sqlite3_column_text(q, 0),
						       (const char *)sqlite3_column_text(q, 2),
						       target, NULL, sqlite3_column_int64(q, 4));
			vec_push(&rows, xstrdup((const char *)sqlite3_column_text(q, 1)));
			vec_push(&rows, doc);
		}
	}
	sqlite3_finalize(q);
	for (size_t i = 0; i + 1 < rows.len; i += 2) {
		char *text = cJSON_PrintUnformatted(rows.items[i + 1]);
		if (sqlite3_prepare_v2(
			    c->db->db,
			    "INSERT OR IGNORE INTO apigw_docs(api_id, account, kind, doc)"
			    " VALUES(?,?,'HTTP',?)",
			    -1, &q, NULL) == SQLITE_OK) {
			sqlite3_bind_text(q, 1, front_str(rows.items[i + 1], "apiId"), -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(q, 2, rows.items[i], -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, text, -1, SQLITE_STATIC);
			sqlite3_step(q);
		}
		sqlite3_finalize(q);
		free(text);
		free(rows.items[i]);
		cJSON_Delete(rows.items[i + 1]);
	}
	vec_release(&rows);
	cloud_db_exec(c->db, "DELETE FROM apigw_apis;");
}

static const char *const migrations[] = {
	/* 0 -> 1: the tables that used to be created at start (apigw_apis only holds what an
	 * older workspace made, moved into documents at start). */
	"CREATE TABLE IF NOT EXISTS apigw_apis(api_id TEXT PRIMARY KEY,"
	" account TEXT NOT NULL, name TEXT NOT NULL, target TEXT,"
	" created INTEGER NOT NULL) STRICT;"
	"CREATE TABLE IF NOT EXISTS apigw_docs(api_id TEXT PRIMARY KEY,"
	" account TEXT NOT NULL, kind TEXT NOT NULL, doc TEXT NOT NULL) STRICT;",
};

static bool start(struct cloud *c, struct error *err)
{
	pthread_mutex_lock(&c->db->mu);
	migrate_apis(c);
	pthread_mutex_unlock(&c->db->mu);
	return true;
}

/* Every REST API, HTTP API and load balancer of the account (documents of apigw_docs). */
static void reset(struct cloud *c, const char *account)
{
	front_doc_lock();
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db, "DELETE FROM apigw_docs WHERE account=?", -1, &q, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(q, 1, account, -1, SQLITE_STATIC);
		sqlite3_step(q);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	front_doc_unlock();
}

/*
 * Split "<id>/<path>" after a door's prefix: id into out (n bytes), the path (from its '/')
 * returned; NULL when there is no id.
 */
static const char *door_id(const char *p, char *out, size_t n)
{
	size_t len = strcspn(p, "/");
	if (len == 0 || len >= n)
		return NULL;
	memcpy(out, p, len);
	out[len] = '\0';
	return p[len] ? p + len : "/";
}

/* An API's front door: a REST API's stage, an HTTP API's, or 404. */
static void api_door(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	char id[64];
	const char *path = door_id(rest, id, sizeof(id));
	if (!path || (!rest_serve(call->cloud, id, path, call->http, resp) &&
		      !httpapi_serve(call->cloud, id, path, call->http, resp)))
		front_message(resp, 404, "Not Found");
}

/* LocalStack's path to a REST API stage: /restapis/<id>/<stage>/_user_request_/<path> */
static void user_request_door(struct svc_call *call, const char *rest, struct http_resp *resp)
{
	char id[64], stage_path[512];
	const char *path = door_id(rest, id, sizeof(id));
	const char *user = strstr(rest, "/_user_request_");
	const char *after = user ? user + strlen("/_user_request_") : "";
	size_t slen = path && user > path ? (size_t)(user - path) : 0;
	snprintf(stage_path, sizeof(stage_path), "%.*s%s", (int)slen, path ? path : "",
		 after[0] ? after : "/");
	if (!path || !user || !rest_serve(call->cloud, id, stage_path, call->http, resp))
		front_message(resp, 404, "Not Found");
}

static const struct svc_door doors[] = {
	{ .prefix = "/_aws/execute-api/", .serve = api_door },
	{ .host = "execute-api.", .serve = api_door },
	{ .prefix = "/restapis/", .contains = "/_user_request_", .serve = user_request_door },
};

/* The first parts of the REST API's paths (its API model's request URIs). */
static const char *const rest_paths[] = {
	"/account",
	"/apikeys",
	"/clientcertificates",
	"/domainnameaccessassociations",
	"/domainnames",
	"/restapis",
	"/sdktypes",
	"/tags/",
	"/usageplans",
	"/vpclinks",
	NULL,
};
static const char *const http_paths[] = { "/v2/", NULL };

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const apigateway_members[] = {
	"CreateDeployment cacheClusterEnabled -cacheClusterSize canarySettings description "
	"restApiId stageDescription stageName tracingEnabled variables",
	"CreateResource parentId pathPart restApiId",
	"CreateRestApi -apiKeySource binaryMediaTypes cloneFrom description "
	"-disableExecuteApiEndpoint endpointConfiguration minimumCompressionSize name policy "
	"tags -version",
	"CreateStage cacheClusterEnabled -cacheClusterSize canarySettings deploymentId "
	"description -documentationVersion restApiId stageName tags tracingEnabled variables",
	"DeleteDeployment deploymentId restApiId",
	"DeleteIntegration httpMethod resourceId restApiId",
	"DeleteMethod httpMethod resourceId restApiId",
	"DeleteResource resourceId restApiId",
	"DeleteRestApi restApiId",
	"DeleteStage restApiId stageName",
	"GetAuthorizers -limit -position restApiId",
	"GetDeployment deploymentId embed restApiId",
	"GetDeployments -limit -position restApiId",
	"GetGatewayResponses -limit -position restApiId",
	"GetIntegration httpMethod resourceId restApiId",
	"GetMethod httpMethod resourceId restApiId",
	"GetModels -limit -position restApiId",
	"GetRequestValidators -limit -position restApiId",
	"GetResource embed resourceId restApiId",
	"GetResources embed -limit -position restApiId",
	"GetRestApi restApiId",
	"GetRestApis -limit -position",
	"GetStage restApiId stageName",
	"GetStages deploymentId restApiId",
	"PutIntegration -cacheKeyParameters -cacheNamespace -connectionId -connectionType "
	"contentHandling credentials httpMethod integrationHttpMethod -passthroughBehavior "
	"requestParameters requestTemplates resourceId restApiId timeoutInMillis tlsConfig "
	"type uri",
	"PutMethod apiKeyRequired authorizationScopes authorizationType -authorizerId "
	"httpMethod -operationName requestModels requestParameters requestValidatorId "
	"resourceId restApiId",
	"TestInvokeMethod body clientCertificateId headers httpMethod -multiValueHeaders "
	"pathWithQueryString resourceId restApiId stageVariables",
	"UpdateMethod httpMethod patchOperations resourceId restApiId",
	"UpdateResource patchOperations resourceId restApiId",
	"UpdateRestApi patchOperations restApiId",
	"UpdateStage patchOperations restApiId stageName",
	NULL,
};

const struct cloud_service apigateway_service = {
	.name = "apigateway",
	.model = "apigateway-2015-07-09",
	.title = "Amazon API Gateway",
	.paths = rest_paths,
	.start = start,
	.reset_account = reset,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.ops = rest_ops,
	.nops = REST_NOPS,
	.members = apigateway_members,
	.doors = doors,
	.ndoors = sizeof(doors) / sizeof(doors[0]),
};

/* HTTP APIs: the same signing name, their own model; their documents are reset above. */
/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const apigatewayv2_members[] = {
	"CreateApi ApiKeySelectionExpression CorsConfiguration CredentialsArn Description "
	"-DisableExecuteApiEndpoint -DisableSchemaValidation Name ProtocolType RouteKey "
	"RouteSelectionExpression Tags Target -Version",
	"CreateDeployment ApiId Description StageName",
	"CreateIntegration ApiId -ConnectionId -ConnectionType -ContentHandlingStrategy "
	"CredentialsArn Description -IntegrationMethod=POST -IntegrationSubtype IntegrationType "
	"IntegrationUri -PassthroughBehavior PayloadFormatVersion RequestParameters "
	"RequestTemplates ResponseParameters -TemplateSelectionExpression TimeoutInMillis "
	"TlsConfig",
	"CreateRoute ApiId -ApiKeyRequired AuthorizationScopes AuthorizationType AuthorizerId "
	"-ModelSelectionExpression -OperationName -RequestModels RequestParameters RouteKey "
	"-RouteResponseSelectionExpression Target",
	"CreateStage AccessLogSettings ApiId AutoDeploy -ClientCertificateId "
	"-DefaultRouteSettings DeploymentId Description RouteSettings StageName "
	"StageVariables Tags",
	"DeleteApi ApiId",
	"DeleteDeployment ApiId DeploymentId",
	"DeleteIntegration ApiId IntegrationId",
	"DeleteRoute ApiId RouteId",
	"DeleteStage ApiId StageName",
	"GetApi ApiId",
	"GetApis -MaxResults -NextToken",
	"GetDeployment ApiId DeploymentId",
	"GetDeployments ApiId -MaxResults -NextToken",
	"GetIntegration ApiId IntegrationId",
	"GetIntegrations ApiId -MaxResults -NextToken",
	"GetRoute ApiId RouteId",
	"GetRoutes ApiId -MaxResults -NextToken",
	"GetStage ApiId StageName",
	"GetStages ApiId -MaxResults -NextToken",
	"UpdateRoute ApiId -ApiKeyRequired AuthorizationScopes AuthorizationType AuthorizerId "
	"-ModelSelectionExpression -OperationName -RequestModels RequestParameters RouteId "
	"RouteKey -RouteResponseSelectionExpression Target",
	NULL,
};

const struct cloud_service apigatewayv2_service = {
	.name = "apigateway",
	.model = "apigatewayv2-2018-11-29",
	.title = "Amazon API Gateway V2",
	.paths = http_paths,
	.ops = httpapi_ops,
	.nops = HTTPAPI_NOPS,
	.members = apigatewayv2_members,
};
