/*
 * The local cloud's service layer. Every AWS service the cloud serves is a struct
 * cloud_service, one row of the service table: its life (start, stop, free), the reset of one
 * account, its schema migrations, and its operations as a table of handlers that take the
 * decoded request as cJSON and return the response as cJSON, or an AWS error.
 *
 * The router picks the service from what AWS clients send (the SigV4 credential scope's
 * service name, X-Amz-Target, the path, the query protocol's Action). The protocol codecs
 * (cloud/proto/) decode the request into a cJSON object shaped as the operation's input in
 * the service's API model (member names exactly as the model spells them, lists as arrays,
 * maps as objects, blobs as base64 strings, timestamps as epoch seconds numbers), validate it
 * against the model's constraints, call the handler, and encode its output or its error in
 * the service's own protocol (rest-json, JSON 1.0/1.1, query, rest-xml, rpc-v2-cbor).
 * Handlers never see wire formats; services never include each other (they share the ARN
 * module and the delivery module instead).
 */
#ifndef CLOUD_SVC_SVC_H
#define CLOUD_SVC_SVC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/xalloc.h"

struct cJSON;
struct cloud;
struct error;
struct http_req;
struct http_resp;

/*
 * An AWS error before a protocol renders it. code is the error code as the model names it
 * (the JSON protocols' __type, rest-json's x-amzn-ErrorType, query's and rest-xml's <Code>);
 * server marks a fault of the service (query "Receiver", Lambda "Service") rather than the
 * caller's. fields holds extra members of the error shape (S3's BucketName and Key, Lambda's
 * Type, SQS's QueueUrl...), owned by the error, or NULL.
 */
struct aws_err {
	int status;
	char code[96];
	char message[1024];
	bool server;
	struct cJSON *fields;
};

/* Fill e (status, code, formatted message; server = status >= 500). Returns false, so that
 * `return aws_err_set(...)` reads as a failure. */
bool aws_err_set(struct aws_err *e, int status, const char *code, const char *fmt, ...)
	XALLOC_PRINTF(4, 5);
/* Free e's fields and zero it. No-op on a zeroed error. */
void aws_err_release(struct aws_err *e);

/* Who sent a request, as the router established it from its credentials. */
struct svc_caller {
	char account[13];     /* the 12-digit account the access key belongs to */
	char access_key[129]; /* as sent; "" for an unsigned request */
	char arn[300];        /* the principal: arn:aws:iam::ACCOUNT:root, a user, a role session */
	char region[32];      /* the credential scope's region, else us-east-1 */
};

struct cloud_service;

/* One call of one operation. Everything is borrowed for the duration of the call. */
struct svc_call {
	struct cloud *cloud;
	const struct cloud_service *svc;
	const char *op; /* the operation's name in the model: "CreateFunction" */
	const struct svc_caller *caller;
	const char *request_id;
	const struct http_req *http; /* the raw request, for what the model does not carry */
	struct http_resp *resp;      /* a handler may add headers; the codec writes the body */
};

/*
 * An operation. input is the decoded and validated request (borrowed). Returns the output
 * object, which the caller deletes (an empty object when the operation has no output), or
 * NULL with err filled.
 */
typedef struct cJSON *(*svc_op_fn)(struct svc_call *call, const struct cJSON *input,
				    struct aws_err *err);

struct svc_op {
	const char *name; /* as in the model: "PutMetricData" */
	svc_op_fn fn;
};

struct cloud_service {
	const char *name;  /* the SigV4 signing name: "lambda", "sqs", "monitoring", "s3" */
	const char *model; /* the API model it is served from: "lambda-2015-03-31" */
	/* All optional (NULL). start runs once the database is open; stop wakes what waits;
	 * free runs after the HTTP server stopped. */
	bool (*start)(struct cloud *c, struct error *err);
	void (*stop)(struct cloud *c);
	void (*free)(struct cloud *c);
	/* Delete everything of one account (the tutor's reset, a finished check). */
	void (*reset_account)(struct cloud *c, const char *account);
	/* This service's tables: migrations[i] takes its schema version i to i + 1. */
	const char *const *migrations;
	size_t nmigrations;
	/* Operations, sorted by name. An operation of the model that is not here answers the
	 * protocol's error naming it as not served by the local cloud. */
	const struct svc_op *ops;
	size_t nops;
	/* Requests the model does not describe (front doors, streamed S3 bodies, the Runtime
	 * API): return true when handled. Optional; tried before the codec. */
	bool (*raw)(struct svc_call *call, struct http_resp *resp);
};

#endif
