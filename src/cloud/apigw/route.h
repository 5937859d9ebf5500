/*
 * Path templates and route keys of API Gateway, the parsers every request to an API goes
 * through: "/items/{id}" (a REST resource's path, an HTTP API route's path), "{proxy+}" (a
 * greedy variable, last only), "GET /items/{id}", "ANY /{proxy+}" and "$default" (HTTP API
 * route keys). No state; the matcher ranks matches so the most specific one wins.
 */
#ifndef CLOUD_APIGW_ROUTE_H
#define CLOUD_APIGW_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

struct aws_err;
struct cJSON;

/* A rank buffer: one byte a segment plus two; longer templates never match. */
#define APIGW_RANK_MAX 66

/*
 * Whether seg is one resource path part: a literal of [A-Za-z0-9._-:@~] characters, or
 * {name} or {name+} with a name of [A-Za-z0-9._-]. *greedy tells which.
 */
bool apigw_part_valid(const char *seg, size_t len, bool *greedy);
/* Whether tmpl is "/" or "/" part ["/" part]..., with a greedy part only last. */
bool apigw_path_valid(const char *tmpl);
/*
 * Match a request path (decoded, e.g. "/items/42") against tmpl. On a match returns true,
 * adds each variable to params (an object, or NULL) and writes rank, a NUL-terminated string
 * that compares (strcmp) greater for a more specific match: a template without a greedy
 * variable before one with, then literal parts before variables, left to right.
 */
bool apigw_path_match(const char *tmpl, const char *path, struct cJSON *params,
		      char rank[APIGW_RANK_MAX]);
/*
 * Parse an HTTP API route key: "$default" (method "" and *path NULL) or "METHOD /path" with
 * METHOD one of GET POST PUT PATCH DELETE HEAD OPTIONS ANY and a valid path template.
 */
bool apigw_route_key_parse(const char *key, char method[8], const char **path);

/*
 * Refuse a request that sets one of members (NULL-terminated; the names as in) which the
 * local cloud does not honour, rather than answer as if it took effect: false with err filled
 * (BadRequestException naming the member and op). A member set to nothing (null, false, "",
 * [], {}) is fine.
 */
bool apigw_refuse_unhonoured(const struct cJSON *in, const char *op, const char *const *members,
			     struct aws_err *err);

/* How one API words what apigw_proxy_function() refuses, and its timeout limit. */
struct apigw_proxy_words {
	const char *no_type, *bad_uri, *bad_timeout;
	int max_timeout_ms;
};
/*
 * The checks an integration passes in both APIs before it is stored: a type, AWS_PROXY (the
 * one the local cloud serves), a URI naming a Lambda function, a timeout (a number, or
 * absent) within 50 ms and w's limit. Returns the function's name or ARN (caller frees), or
 * NULL with err filled (BadRequestException in w's words).
 */
char *apigw_proxy_function(const char *type, const char *uri, const struct cJSON *timeout,
			   const struct apigw_proxy_words *w, struct aws_err *err);

#endif
