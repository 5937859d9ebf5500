/*
 * An operation of a REST-JSON row served by its raw reader, for svc_call_internal(): put it
 * in the row's ops with svc_raw_op as its handler, and in internal_ops so that clients'
 * requests still reach the reader itself.
 */
#ifndef CLOUD_SVC_RAW_OP_H
#define CLOUD_SVC_RAW_OP_H

struct cJSON;
struct svc_call;
struct aws_err;

/* The handler of call->op: the output in the model's member names (caller deletes), or NULL
 * with err filled (the reader's own error). */
struct cJSON *svc_raw_op(struct svc_call *call, const struct cJSON *input, struct aws_err *err);

#endif
