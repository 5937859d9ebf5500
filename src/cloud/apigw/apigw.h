/*
 * HTTP front doors to functions, served on the cloud's own port, and the APIs that make them:
 * Lambda function URLs (CreateFunctionUrlConfig and friends under /2021-10-31/), API Gateway
 * HTTP APIs (apigatewayv2 under /v2/apis, httpapi.h), REST APIs (apigateway under
 * /restapis, rest.h) and Application Load Balancers (elbv2, alb.h).
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
#ifndef CLOUD_APIGW_APIGW_H
#define CLOUD_APIGW_APIGW_H

#include <stdbool.h>

#include "cloud/http/server.h"

struct cloud;

/* Create the tables. Called by cloud_open(). */
bool apigw_start(struct cloud *c);
/* Whether req is for a front door (a function URL, a stage, a load balancer), which is
 * not an AWS API call and is answered without checking a signature. */
bool apigw_is_door(const struct http_req *req);
/*
 * Serve the request when it is one of ours (the management APIs or a front door); false
 * when it is someone else's.
 */
bool apigw_route(struct cloud *c, const char *account, const struct http_req *req,
		 struct http_resp *resp);

#endif
