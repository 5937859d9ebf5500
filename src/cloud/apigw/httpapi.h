/*
 * API Gateway HTTP APIs (apigatewayv2, under /v2/apis): APIs (with quick create), AWS_PROXY
 * integrations to functions in payload format 1.0 or 2.0, routes, stages and deployments,
 * and the front door that serves them: a request picks a stage (a named one by its first
 * path segment, else $default), then the most specific route, then calls the route's
 * function.
 */
#ifndef CLOUD_APIGW_HTTPAPI_H
#define CLOUD_APIGW_HTTPAPI_H

#include <stdbool.h>

#include "cloud/http/server.h"
#include "cloud/svc/svc.h"

struct cloud;

/* The HTTP API operations (apigatewayv2-2018-11-29), sorted by name: svc.h's handlers, on
 * input decoded and validated from the model. */
#define HTTPAPI_NOPS 21
extern const struct svc_op httpapi_ops[HTTPAPI_NOPS];
/* Serve path (from the API's root) of HTTP API id; false when there is no such API. */
bool httpapi_serve(struct cloud *c, const char *id, const char *path, const struct http_req *req,
		   struct http_resp *resp);
/* Make the document of an API made by quick create (target: a function ARN; route_key NULL
 * for $default). Caller deletes. */
struct cJSON *httpapi_quick_doc(const char *id, const char *name, const char *target,
				const char *route_key, long long created);

#endif
