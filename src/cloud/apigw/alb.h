/*
 * Application Load Balancers in front of functions: the part of Elastic Load Balancing v2
 * (query protocol, Version 2015-12-01) that puts a function behind a load balancer, as the
 * AWS CLI does it: create-load-balancer, create-target-group --target-type lambda,
 * register-targets (which needs the function's permission for
 * elasticloadbalancing.amazonaws.com, as in AWS), create-listener with a forward or
 * fixed-response default action, their describe and delete calls, and the target group
 * attribute lambda.multi_value_headers.enabled. The load balancer answers on the cloud's port:
 *
 *   http://127.0.0.1:PORT/_aws/elb/<load-balancer-name>/<path>
 *   http://<load-balancer-name>.elb.localhost:PORT/<path>   (its DNSName, with the port)
 *
 * A request becomes an ALB target group event, the answer the response by an ALB's rules; the
 * listener's port is not the one the request came on (every listener shares the cloud's).
 */
#ifndef CLOUD_APIGW_ALB_H
#define CLOUD_APIGW_ALB_H

#include "cloud/http/server.h"

struct cloud;

/* Serve path on the load balancer called name; its own 503 page when there is none. */
void alb_serve(struct cloud *c, const char *name, const char *path, const struct http_req *req,
	       struct http_resp *resp);

#endif
