/*
 * API Gateway REST APIs (apigateway, under /restapis): APIs, resources (path parts, {param}
 * and {proxy+}), methods, AWS_PROXY integrations to functions, deployments and stages, and
 * the front door that serves a stage's deployment: the most specific deployed resource,
 * then its method (or ANY), then payload 1.0 to the function. What is not deployed is not
 * served: 403 {"message":"Missing Authentication Token"}, as API Gateway answers.
 */
#ifndef CLOUD_APIGW_REST_H
#define CLOUD_APIGW_REST_H

#include <stdbool.h>

#include "cloud/http/server.h"
#include "cloud/svc/svc.h"

struct cloud;

/* The REST API operations (apigateway-2015-07-09), sorted by name: svc.h's handlers, on
 * input decoded and validated from the model. */
#define REST_NOPS 31
extern const struct svc_op rest_ops[REST_NOPS];
/* Serve path ("/STAGE/..." from the API's root) of REST API id; false when there is no such
 * API. */
bool rest_serve(struct cloud *c, const char *id, const char *path, const struct http_req *req,
		struct http_resp *resp);

#endif
