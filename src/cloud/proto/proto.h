/*
 * The AWS wire protocols, written once and driven by AWS's own API models.
 *
 * At build time gen_models.py turns the API models (see README.md) into C tables: per service
 * its metadata, operations, shapes and error shapes. From those tables this module decodes a
 * request in any of the five protocols AWS clients speak (rest-json, JSON 1.0/1.1, query,
 * rest-xml, smithy-rpc-v2-cbor) into one cJSON object shaped as the operation's input in the
 * model, validates it against the model's constraints with the wording AWS uses, and encodes a
 * handler's cJSON output, or a struct aws_err, back in the protocol the request came in.
 *
 * The decoded input (what svc.h's handlers see):
 *  - members named exactly as the model names them ("FunctionName", "MemorySize"), wherever
 *    they travelled (body, header, query string, URI label, status code);
 *  - structures as objects, lists as arrays, maps as objects;
 *  - strings as strings, integers and floats as numbers, booleans as booleans;
 *  - timestamps as numbers of epoch seconds (fractions for milliseconds);
 *  - blobs as base64 strings, except a blob that is the whole body (Lambda's Invoke Payload,
 *    S3's PutObject Body): that one is left out, and the handler reads call->http's body;
 *  - a jsonvalue member (a header holding JSON) as the parsed JSON;
 *  - members the model does not know are dropped.
 * The output a handler returns is shaped the same way. A blob payload member missing from the
 * output leaves the response body (or file) as the handler wrote it.
 *
 * Everything here is thread-safe: the tables are constant, and each call works on its own
 * request.
 */
#ifndef CLOUD_PROTO_PROTO_H
#define CLOUD_PROTO_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/svc/svc.h"

struct cJSON;
struct http_req;
struct http_resp;

enum proto_protocol {
	PROTO_NONE,      /* not told apart (yet) */
	PROTO_REST_JSON, /* Lambda, API Gateway, X-Ray, Scheduler */
	PROTO_JSON,      /* JSON 1.0/1.1 with X-Amz-Target: Logs, DynamoDB, SQS (new clients) */
	PROTO_QUERY,     /* form in, XML out: SNS, IAM, STS, CloudFormation, SQS (old clients) */
	PROTO_REST_XML,  /* S3 */
	PROTO_CBOR,      /* smithy-rpc-v2-cbor: CloudWatch (new clients) */
};

/* "rest-json", "json", "query", "rest-xml", "smithy-rpc-v2-cbor"; "" for PROTO_NONE. */
const char *proto_protocol_name(enum proto_protocol p);

/*
 * A service's API model and one of its operations: generated, constant, never freed. Borrowed
 * pointers into them stay valid for the life of the program.
 */
struct proto_service;
struct proto_op;

/*
 * The service whose model has this name: its SigV4 signing name ("lambda", "monitoring",
 * "dynamodb"), its endpoint prefix ("streams.dynamodb", "elasticloadbalancing") or its model id
 * ("lambda-2015-03-31"). Where two models share a signing name (apigateway and apigatewayv2 both
 * sign as "apigateway"), the signing name finds the first; use the model id for the other.
 * NULL when no model has it.
 */
const struct proto_service *proto_service_find(const char *name);
/* The service an X-Amz-Target ("AmazonSQS.SendMessage") belongs to, by its prefix. */
const struct proto_service *proto_service_for_target(const char *target);
/* The service a smithy-rpc-v2-cbor path (/service/NAME/operation/OP) belongs to. */
const struct proto_service *proto_service_for_cbor_path(const char *path);
/* All services, in the order of the generated table. */
size_t proto_service_count(void);
const struct proto_service *proto_service_at(size_t i);

/* The model id ("lambda-2015-03-31"), signing name, endpoint prefix. Borrowed. */
const char *proto_service_model(const struct proto_service *svc);
const char *proto_service_signing_name(const struct proto_service *svc);
const char *proto_service_endpoint_prefix(const struct proto_service *svc);
/* The protocol the newest model declares first. */
enum proto_protocol proto_service_protocol(const struct proto_service *svc);
/* Whether some client version speaks p to this service (SQS: json and query). */
bool proto_service_speaks(const struct proto_service *svc, enum proto_protocol p);

/* The operation of that name (as the model spells it), or NULL. */
const struct proto_op *proto_op_find(const struct proto_service *svc, const char *name);
/* Its name in the model: "CreateFunction". Borrowed. */
const char *proto_op_name(const struct proto_op *op);
size_t proto_op_count(const struct proto_service *svc);
const struct proto_op *proto_op_at(const struct proto_service *svc, size_t i);

/* A request as the codecs read it: nothing in it is owned. */
struct proto_kv {
	const char *name;
	const char *value;
};

struct proto_req {
	const char *method;
	const char *path; /* percent-decoded, without the query string */
	const struct proto_kv *headers;
	size_t nheaders;
	const struct proto_kv *query; /* decoded query arguments, repeated names kept */
	size_t nquery;
	const char *body; /* body_len bytes (may hold NULs); NULL or "" when empty */
	size_t body_len;
};

/*
 * Fill pr from an HTTP request of the cloud's server: method, path and body are borrowed from
 * req, the header and query-argument arrays are allocated. Release with proto_req_release().
 */
void proto_req_from_http(struct proto_req *pr, const struct http_req *req);
/* Free what proto_req_from_http() allocated. No-op on a zeroed proto_req. */
void proto_req_release(struct proto_req *pr);
/* A header of pr by name (case-insensitive), or NULL. Borrowed. */
const char *proto_req_header(const struct proto_req *pr, const char *name);

/* A request once decoded. */
struct proto_decoded {
	enum proto_protocol protocol; /* set as soon as it is told, even when decoding fails */
	const struct proto_op *op;    /* NULL until the operation is known */
	struct cJSON *input;          /* owned; see the top of this file */
};

/*
 * Which protocol a request to svc speaks: from the smithy-protocol header and the cbor path,
 * X-Amz-Target with a JSON content type, a form body or query string with Action, else the
 * service's REST protocol. PROTO_NONE when the request fits none that svc speaks.
 */
enum proto_protocol proto_sniff(const struct proto_service *svc, const struct proto_req *req);

/*
 * Decode one request to svc: tell its protocol, find its operation (X-Amz-Target, Action, the
 * cbor path, or method and URI template, the most specific template first), decode its input
 * and validate it against the model. unchecked lists the members whose constraints the
 * service checks itself, as "Operation.Member.Member" in the model's names (NULL-terminated;
 * NULL for none): "CreateFunction.Runtime".
 *
 * Returns true with out filled. Returns false with err filled with the protocol's own error
 * (SerializationException, MalformedQueryString, InvalidAction, MalformedXML,
 * UnknownOperationException, ValidationException...); out->protocol and out->op say as much
 * as was told before the failure, for proto_encode_error(). Either way release out with
 * proto_decoded_release().
 */
bool proto_decode(const struct proto_service *svc, const struct proto_req *req,
		  const char *const *unchecked, struct proto_decoded *out, struct aws_err *err);
/* Free out's input and zero it. No-op on a zeroed proto_decoded. */
void proto_decoded_release(struct proto_decoded *out);

/*
 * Validate input (shaped as decoded) against op's input shape, as AWS words it for svc's
 * protocol p: Lambda's "1 validation error detected: Value '20000' at 'memorySize' failed to
 * satisfy constraint: ...", query services' MissingParameter and InvalidParameterValue.
 * Returns false with err filled at the first failing request (all its violations listed).
 */
bool proto_validate(const struct proto_service *svc, enum proto_protocol p,
		    const struct proto_op *op, const struct cJSON *input,
		    const char *const *unchecked, struct aws_err *err);

/*
 * Write op's output in protocol p into resp: status (the operation's response code unless an
 * output member is bound to the status code), headers bound from the output shape, the body,
 * the content type, and the request id where the protocol carries it (header, and the query
 * protocol's ResponseMetadata). output is borrowed; NULL is an empty output.
 */
void proto_encode(const struct proto_service *svc, enum proto_protocol p, const struct proto_op *op,
		  const struct cJSON *output, const char *request_id, struct http_resp *resp);

/*
 * Write err in protocol p as svc answers errors (replacing what resp held): rest-json's
 * x-amzn-ErrorType and {"message":...} with the error's fields (Lambda's "Type":"User"), JSON's
 * {"__type":...,"message":...} with x-amzn-query-error for query-compatible services, query's
 * <ErrorResponse>, rest-xml's <Error>, cbor's map. The error shape of the model with err->code
 * supplies what err leaves out (the query code, the sender fault). op may be NULL.
 */
void proto_encode_error(const struct proto_service *svc, enum proto_protocol p,
			const struct proto_op *op, const struct aws_err *err,
			const char *request_id, struct http_resp *resp);

/*
 * v, shaped as op's input (or its output when output is true), with every member renamed
 * from the model's name to its wire name (to_wire: "ApiId" -> "apiId", "Items" -> "items") or
 * back; members the model does not know are left out. For a service that keeps its resources
 * as the wire shows them (API Gateway V2). Caller deletes.
 */
struct cJSON *proto_rename(const struct proto_op *op, bool output, const struct cJSON *v,
			   bool to_wire);

/* The code the query protocol gives error code (a shape name of svc's model or a query code):
 * the model's awsQueryError code where it has one ("MessageNotInflight" gives
 * "AWS.SimpleQueueService.MessageNotInflight"), else code itself. Borrowed. */
const char *proto_error_query_code(const struct proto_service *svc, const char *code);

#endif
