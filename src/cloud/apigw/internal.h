/*
 * API Gateway's operations offered to other services (svc_call_internal()): each is served
 * by the reader clients' requests reach, through the request its model describes.
 */
#ifndef CLOUD_APIGW_INTERNAL_H
#define CLOUD_APIGW_INTERNAL_H

struct cJSON;
struct svc_call;
struct aws_err;

/* The handler of call->op: the output in the model's member names (caller deletes), or NULL
 * with err filled (the reader's own error). */
struct cJSON *apigw_internal(struct svc_call *call, const struct cJSON *input, struct aws_err *err);

#endif
