/*
 * What the HTTP front doors share (function URLs, HTTP APIs, REST APIs, load balancers): a
 * request read into the events' shape, the call to the function behind a door with the
 * permission check its service makes, and the rules that turn the function's answer into
 * the HTTP response (payload 2.0, payload 1.0, ALB).
 */
#ifndef CLOUD_FRONT_FRONT_H
#define CLOUD_FRONT_FRONT_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/events.h"
#include "cloud/http/server.h"
#include "core/strbuf.h"
#include "core/vec.h"

struct cloud;
struct cJSON;

/* A function's answer to a door's request. */
struct front_outcome {
	int status;          /* 200 when the function ran; the invocation's error status else */
	bool function_error; /* the function (or its runtime) failed */
	char *body;          /* its answer or error payload; the caller frees it */
};

/* A request as the events see it. h borrows from the rest and from the http_req. */
struct front_req {
	struct events_http h;
	struct vec headers; /* name, value, ..., NULL */
	struct vec args;
	struct strbuf query;
	char request_id[37];
};

/* Read req (path: the part after the door's own prefix) into fr. Release it after. */
void front_req_init(struct front_req *fr, const struct http_req *req, const char *path,
		    const char *account, const char *api_id, const char *stage);
void front_req_release(struct front_req *fr);

enum front_call {
	FRONT_CALLED,      /* the function ran (or failed in its own code): see the outcome */
	FRONT_NO_FUNCTION, /* no such function */
	FRONT_DENIED,      /* its resource policy does not let the service invoke it */
	FRONT_TIMEOUT,     /* no answer within the door's timeout; the function runs on */
};
/*
 * Invoke the function target names (a name or an ARN, in account) with event (a delivery,
 * svc/deliver.h), as service (e.g. "apigateway.amazonaws.com") on behalf of source_arn;
 * service NULL is the account's own call, with no policy check. timeout_ms > 0 stops waiting
 * after that long, as an integration's timeout does (the invocation finishes on its own, and
 * the cloud's shutdown waits for it). Fills r (the caller frees r->body) when FRONT_CALLED.
 */
enum front_call front_invoke(struct cloud *c, const char *account, const char *target,
			     const char *service, const char *source_arn, int timeout_ms,
			     const struct cJSON *event, struct front_outcome *r);
/* The same, the request in the X-Ray trace context trace (its X-Amzn-Trace-Id; NULL: none),
 * which API Gateway's REST APIs and function URLs pass on to the function. */
enum front_call front_invoke_traced(struct cloud *c, const char *account, const char *target,
				    const char *service, const char *source_arn, int timeout_ms,
				    const struct cJSON *event, const char *trace,
				    struct front_outcome *r);
/* The function ARN inside an API Gateway integration URI
 * (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations), or a plain
 * function ARN itself. Caller frees; NULL when it names no function. */
char *front_function_of_uri(const char *uri);

/* A JSON body {"message": msg} with status. */
void front_message(struct http_resp *resp, int status, const char *msg);
/* The answer by payload 2.0's rules (a plain value is a 200 JSON body); 502 otherwise. */
void front_answer_v2(const struct front_outcome *r, struct http_resp *resp);
/* The answer by payload 1.0's rules (statusCode, headers, multiValueHeaders, body,
 * isBase64Encoded and nothing else); 502 {"message": error_message} otherwise. A base64 body
 * is decoded only when decode says so (a REST API: the request's Accept is a binary media
 * type); else it goes out as the text it is. */
void front_answer_v1(const struct front_outcome *r, const char *error_message, bool decode,
		     struct http_resp *resp);
/* Whether media ("image/png; q=1", the first of a list) is one of types: an array of
 * patterns in which '*' matches anything, as a REST API's binaryMediaTypes. */
bool front_media_match(const struct cJSON *types, const char *media);
/* The answer by an ALB's rules (statusCode, statusDescription, headers, or multiValueHeaders
 * when the target group has multi-value headers on, body, isBase64Encoded); a load
 * balancer's own 502 page otherwise. */
void front_answer_alb(const struct front_outcome *r, bool multi, struct http_resp *resp);
/* The load balancer's own error page for status (502, 503, 404). */
void front_alb_error(struct http_resp *resp, int status);

/* A fresh identifier of n lowercase letters and digits into out (n + 1 bytes, n <= 32). */
void front_random_id(char *out, size_t n);
/* Send o (deleted here) as the JSON body with status. */
void front_reply(struct http_resp *resp, int status, struct cJSON *o);

/*
 * The APIs themselves (REST and HTTP) are JSON documents in the cloud's database, one an API,
 * of a kind ("REST", "HTTP"). A change reads, edits and saves its document between
 * front_doc_lock() and front_doc_unlock(), so two changes never lose one another.
 */
void front_doc_lock(void);
void front_doc_unlock(void);
/* The document of id (caller deletes) and its account (13 bytes, or NULL); NULL if none. */
struct cJSON *front_doc_load(struct cloud *c, const char *id, const char *kind, char account[13]);
/* The same, only when account owns it. */
struct cJSON *front_doc_load_own(struct cloud *c, const char *account, const char *id,
				 const char *kind);
void front_doc_save(struct cloud *c, const char *account, const char *id, const char *kind,
		    const struct cJSON *doc);
void front_doc_delete(struct cloud *c, const char *id);
/* Every document of account's kind, oldest first, as an array (caller deletes). */
struct cJSON *front_doc_list(struct cloud *c, const char *account, const char *kind);
/* Every document of a kind, of every account, as an array (caller deletes). */
struct cJSON *front_doc_list_kind(struct cloud *c, const char *kind);
/* The string item of arr equal to value (borrowed), or NULL. */
struct cJSON *front_find_string(const struct cJSON *arr, const char *value);
/* The first object of arr whose string member key equals value (borrowed), or NULL. */
struct cJSON *front_find(const struct cJSON *arr, const char *key, const char *value);
/* The string member key of o, or NULL. */
const char *front_str(const struct cJSON *o, const char *key);

#endif
