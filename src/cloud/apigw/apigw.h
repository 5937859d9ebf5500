/*
 * HTTP front doors to functions: Lambda function URLs (CreateFunctionUrlConfig and friends
 * under /2021-10-31/) and API Gateway HTTP APIs made by quick create (`aws apigatewayv2
 * create-api --protocol-type HTTP --target FUNCTION_ARN`, under /v2/apis), served on the
 * cloud's own port:
 *
 *   http://127.0.0.1:PORT/_aws/lambda-url/<url-id>/<path>      a function URL
 *   http://127.0.0.1:PORT/_aws/execute-api/<api-id>/<path>     an HTTP API's $default stage
 *
 * A request becomes a payload 2.0 event; the handler's answer becomes the HTTP response by
 * API Gateway's rules (statusCode, headers, cookies, body, isBase64Encoded, or a plain value
 * taken as a 200 JSON body); a failed function or a malformed answer is a 502.
 */
#ifndef CLOUD_APIGW_APIGW_H
#define CLOUD_APIGW_APIGW_H

#include <stdbool.h>

#include "cloud/http/server.h"

struct cloud;

/* Create the tables. Called by cloud_open(). */
bool apigw_start(struct cloud *c);
/*
 * Serve the request when it is one of ours (the management APIs or a front door); false
 * when it is someone else's.
 */
bool apigw_route(struct cloud *c, const char *account, const struct http_req *req,
		 struct http_resp *resp);

#endif
