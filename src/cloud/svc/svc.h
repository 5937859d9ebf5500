/*
 * The local cloud's service layer. Every AWS service the cloud serves is a struct
 * cloud_service, one row of the service table (svc/table.c): its life (start, run, stop,
 * free), the reset of one account, its schema migrations, its operations as a table of
 * handlers that take the decoded request as cJSON and return the response as cJSON, or an
 * AWS error, and its front doors (requests that are not AWS API calls).
 *
 * The router (svc/router.c) picks the service from what AWS clients send (the SigV4
 * credential scope's service name, X-Amz-Target, the path, the query protocol's Action). The
 * protocol codecs (cloud/proto/) decode the request into a cJSON object shaped as the
 * operation's input in the service's API model (member names exactly as the model spells
 * them, lists as arrays, maps as objects, blobs as base64 strings, timestamps as epoch
 * seconds numbers), validate it against the model's constraints, call the handler, and
 * encode its output or its error in the protocol the client spoke (rest-json, JSON 1.0/1.1,
 * query, rest-xml, rpc-v2-cbor). Handlers never see wire formats; services never include
 * each other: they share the ARN module (svc/arn.h), the delivery module (svc/deliver.h)
 * and svc_call_internal().
 *
 * Adding a service: a folder, a `const struct cloud_service NAME_service` in it, and its
 * name in svc/table.c's list (see src/cloud/README.md).
 */
#ifndef CLOUD_SVC_SVC_H
#define CLOUD_SVC_SVC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/xalloc.h"

struct cJSON;
struct cloud;
struct cloud_db;
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
 * `return aws_err_set(...)` reads as a failure. Releases what e held. */
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
	bool function;        /* a function's execution session (its role's, Lambda's own) */
	/* When a service acts for the account (S3 notifying a function, API Gateway invoking
	 * one): its principal ("s3.amazonaws.com"), the resource it acts for and that resource's
	 * account, which resource-based policies are checked against. "" otherwise. */
	char service[64];
	char source_arn[300];
	char source_account[13];
	/* The X-Ray trace context the request carries (its X-Amzn-Trace-Id header, or what a
	 * service passes on: "Root=1-...;Parent=...;Sampled=1"), normalized; "" when none. */
	char trace[96];
	/* The request crossed a network over plain HTTP (one from another machine; not one from
	 * this machine, which stands for a client of AWS's HTTPS endpoint, nor a call one service
	 * makes to another): aws:SecureTransport is false. */
	bool plain_http;
};

/* The caller an account's own services act as (deliveries, resource providers). */
void svc_caller_for_account(struct svc_caller *out, const char *account);

/* An X-Amzn-Trace-Id header, read. */
struct svc_trace {
	char root[36];   /* 1-XXXXXXXX-<24 hex digits> */
	char parent[17]; /* 16 hex digits, "" when none */
	int sampled;     /* 1, 0, or -1 when the header leaves the decision open */
};
/* Read header (Root=...;Parent=...;Sampled=... in any order, other keys ignored). False
 * when it names no well-formed root; a malformed Parent or Sampled is left out. */
bool svc_trace_parse(const char *header, struct svc_trace *out);
/* Keep header as caller's trace context (normalized), or none when it is not valid. */
void svc_caller_trace(struct svc_caller *caller, const char *header);

/* A request as the router sees it: what picks its service. Borrowed strings; NULL: absent. */
struct svc_route_in {
	const char *method, *path, *host;
	const char *scope;  /* the SigV4 credential scope's service ("sqs"), from the
			     * Authorization header or a presigned URL's X-Amz-Credential */
	const char *target; /* X-Amz-Target */
	const char *content_type;
	bool cbor;           /* smithy-protocol: rpc-v2-cbor */
	bool form;           /* the query protocol: a form POST, or a GET with an Action */
	const char *action;  /* the query protocol's Action (form body or query string) */
	const char *version; /* ... and its Version */
};

struct cloud_service;

/* One call of one operation. Everything is borrowed for the duration of the call. */
struct svc_call {
	struct cloud *cloud;
	const struct cloud_service *svc;
	const char *op; /* the operation's name in the model: "CreateFunction"; NULL in doors */
	const struct svc_caller *caller;
	const char *request_id;
	/* The raw request, for what the model does not carry, and the response, where a
	 * handler may add headers (the codec writes the body). Both NULL in an internal call. */
	const struct http_req *http;
	struct http_resp *resp;
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

/*
 * A front door: requests that are not AWS API calls (an API Gateway stage, a function URL, a
 * load balancer) or the tutor's own controls (/_tutor/...). A door matches a path prefix, or
 * a Host header "<id>.<host>..." (then rest is "<id><path>", as the path form would give it).
 * serve gets what follows the prefix and answers in the door's own terms.
 */
struct svc_door {
	const char *prefix;   /* "/_aws/lambda-url/", or NULL */
	const char *host;     /* "lambda-url.", or NULL */
	const char *contains; /* and the rest of the path contains this, or NULL */
	bool control;         /* under /_tutor/: the tutor's controls, not AWS's */
	void (*serve)(struct svc_call *call, const char *rest, struct http_resp *resp);
};

struct cloud_service {
	const char *name;  /* the SigV4 signing name: "lambda", "sqs", "monitoring", "s3" */
	const char *model; /* the API model it is served from: "lambda-2015-03-31" */
	const char *title; /* as messages name it: "AWS Lambda" */
	/*
	 * How an unsigned request finds it (a signed one names its service). All optional:
	 * target is X-Amz-Target's prefix ("AmazonSQS"), query_version the query protocol's
	 * Version ("2012-11-05"), paths the prefixes of its REST paths (NULL-terminated).
	 */
	const char *target;
	const char *query_version;
	const char *const *paths;
	/* Whether this row serves a request its keys above leave to more than one row (an
	 * unsigned form with no Version: SQS or SNS). Optional. */
	bool (*claims)(const struct svc_route_in *in);
	/* Life, all optional. start runs once the database is open, before the endpoint
	 * serves; run once it serves (threads that call out); stop wakes what waits (long
	 * polls, pollers) and joins threads; free runs after the HTTP server stopped. */
	bool (*start)(struct cloud *c, struct error *err);
	bool (*run)(struct cloud *c, struct error *err);
	void (*stop)(struct cloud *c);
	void (*free)(struct cloud *c);
	/* Delete everything of one account (the tutor's reset, a finished check). */
	void (*reset_account)(struct cloud *c, const char *account);
	/* This service's tables: migrations[i] takes its schema version i to i + 1 (kept per
	 * service in the table svc_schema, keyed by model). */
	const char *const *migrations;
	size_t nmigrations;
	/* Operations, sorted by name. An operation of the model that is not in ops answers the
	 * protocol's error naming it as not offered by the local cloud. */
	const struct svc_op *ops;
	size_t nops;
	/*
	 * What each operation does with its input's members: one string per operation, the
	 * operation's name then its members, space-separated ("CreateQueue QueueName Attributes
	 * tags"), NULL-terminated. A member named is acted on (honoured, or refused by the
	 * handler in its own words); "Parent.Child" names the members of a structure (or of a
	 * list's structures) acted on when not all of them are; "-Member" is one the service
	 * does not act on; "-Member=V" one it does not act on but for the value V, which is
	 * what the cloud does anyway ("-ReturnItemCollectionMetrics=NONE"; "V|W" for several,
	 * a list when every element is one); "~Member" one it accepts without effect because
	 * clients send it unasked (an idempotency token). A request that sets a member not
	 * acted on (to more than null, false, "", [] or {}, or its V) is answered
	 * NotImplemented naming it
	 * (svc_members_check()), never served without it. An
	 * operation with no string has no member acted on. tests/unit/test_svc_members.c holds
	 * every string to its model: every member of the model is named one way or another.
	 */
	const char *const *members;
	/* Members whose constraints the service checks itself, with its own wording, as
	 * "Operation.Member" (NULL-terminated; proto_decode's unchecked). */
	const char *const *unchecked;
	/* The resource-based policy of the resource arn names (a bucket or an object in it, a
	 * queue, a topic), which the router's authorization evaluates: true when the resource
	 * exists, with owner (13 bytes) its account and *policy its document (caller frees;
	 * NULL when it has none). Optional. */
	bool (*resource_policy)(struct cloud *c, const char *arn, char *owner, char **policy);
	const struct svc_door *doors;
	size_t ndoors;
};

/*
 * Whether op's handler acts on every member input carries (s->members): false fills err
 * (501 NotImplemented naming the first member it does not act on). Always true for a row
 * with no members table.
 */
bool svc_members_check(const struct cloud_service *s, const char *op, const struct cJSON *input,
		       struct aws_err *err);
/* The members string of op in s->members ("QueueName Attributes tags", after the name), or
 * NULL. */
const char *svc_members_of(const struct cloud_service *s, const char *op);

/* The service table, in start order. */
extern const struct cloud_service *const svc_table[];
extern const size_t svc_table_len;

/* The row of a model id ("apigatewayv2-2018-11-29"), else the first row serving a signing
 * name ("lambda"), or NULL. */
const struct cloud_service *svc_find(const char *name);
/* The operation of a row, or NULL (binary search: ops are sorted). */
const struct svc_op *svc_op_find(const struct cloud_service *s, const char *op);

/*
 * Call an operation as another service does (a delivery, a resource provider), with no HTTP
 * request: input is borrowed and shaped as the operation's input in the model, and checked as
 * a client's request is (the model's constraints, then svc_members_check()). Returns the
 * output (caller deletes) or NULL with err filled: NotImplemented when the service or the
 * operation is not in the table, or input sets a member the handler does not act on.
 */
struct cJSON *svc_call_internal(struct cloud *c, const struct svc_caller *caller,
				const char *service, const char *op, const struct cJSON *input,
				struct aws_err *err);
/* The same with the call's request id given (37 bytes): an invocation it starts has that id. */
struct cJSON *svc_call_as(struct cloud *c, const struct svc_caller *caller, const char *service,
			  const char *op, const struct cJSON *input, const char *request_id,
			  struct aws_err *err);

/* Apply every row's migrations (in one transaction each), then start each row. */
bool svc_start_all(struct cloud *c, struct error *err);
bool svc_run_all(struct cloud *c, struct error *err);
/* In reverse table order. */
void svc_stop_all(struct cloud *c);
void svc_free_all(struct cloud *c);
/* Delete everything of one account in every service. */
void svc_reset_account(struct cloud *c, const char *account);

/* Run one row's migrations on db. False fills err (a newer schema, a failed statement). */
bool svc_migrate(struct cloud_db *db, const struct cloud_service *s, struct error *err);

/*
 * The HTTP handler of the cloud's endpoint (router.c): ctx is the struct cloud. Every AWS
 * API call is identified by its SigV4 signature (auth_identify()); front doors are not
 * signed; the tutor's controls are refused here, but for a bare health answer and the code
 * packages GetFunction presigns. A body over svc_body_max bytes (the server's limit, set by
 * cloud_open()) was dropped, and the request is answered RequestEntityTooLargeException.
 */
extern size_t svc_body_max;
void svc_route(void *ctx, const struct http_req *req, struct http_resp *resp);
/*
 * The HTTP handler of the control socket: the tutor's controls (/_tutor/) only, for the
 * account ?account=ID names, else the learner's.
 */
void svc_route_control(void *ctx, const struct http_req *req, struct http_resp *resp);

#endif
