/*
 * The events AWS services hand to functions, built in one place: the samples of
 * `lambda-tutor generate-event SERVICE TYPE` (as `sam local generate-event` prints them) and
 * the HTTP front doors' events (API Gateway payload 1.0 and 2.0, Function URLs, ALB), which
 * are built from a real request with the same functions.
 */
#ifndef AWS_EVENTS_H
#define AWS_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct cJSON;

/* An HTTP request as the front doors see it. Strings are borrowed; NULL means absent. */
struct events_http {
	const char *method;
	const char *path;  /* without the query string, e.g. "/items/42" */
	const char *query; /* raw, without '?', e.g. "color=red&size=9"; NULL or "" when none */
	const char *const *headers; /* name, value, name, value, ..., NULL */
	const char *body;
	size_t body_len;
	bool body_base64; /* body is not text: send it base64-encoded */
	const char *source_ip;
	const char *account;
	const char *api_id;
	const char *stage;
	const char *resource;      /* REST: "/items/{id}"; HTTP API: the route key's path */
	struct cJSON *path_params; /* borrowed object, or NULL */
	const char *request_id;
	long long epoch_ms;
};

/* API Gateway REST API proxy integration (payload format 1.0). Caller deletes. */
struct cJSON *events_apigw_v1(const struct events_http *h);
/* HTTP API (payload format 2.0); route_key like "GET /items/{id}" or "$default". */
struct cJSON *events_apigw_v2(const struct events_http *h, const char *route_key);
/* A Lambda function URL request (payload format 2.0 with the URL's domain). */
struct cJSON *events_function_url(const struct events_http *h, const char *url_id);
/* An Application Load Balancer target group request. */
struct cJSON *events_alb(const struct events_http *h, const char *target_group_arn);

/* Options of generate-event; NULL members take the sample's defaults. */
struct events_opts {
	const char *bucket, *key, *region, *account;
	const char *body, *path, *method;
	const char *message, *subject, *topic, *queue;
	long long size; /* S3 object size; <= 0: 1024 */
};

struct events_kind {
	const char *service, *type, *title;
};
extern const struct events_kind events_kinds[];
extern const size_t events_kind_count;

/*
 * The sample event for SERVICE TYPE as indented JSON text, or NULL with err filled (an
 * unknown service or type, with what there is). Caller frees.
 */
char *events_generate(const char *service, const char *type, const struct events_opts *o,
		      struct error *err);

/* What an object change tells the bucket's notifications. */
struct s3_change {
	const char *account; /* the bucket owner */
	const char *bucket;
	const char *key;
	const char *event; /* "ObjectCreated:Put", "ObjectCreated:Copy", "ObjectRemoved:Delete" */
	long long size;    /* created objects only */
	const char *etag;  /* unquoted hex; created objects only */
	const char *source_ip;
	const char *principal; /* the requester's account */
	const char *trace;     /* the request's X-Amzn-Trace-Id, or NULL */
};
/* The S3 event record AWS delivers for ch, at epoch_ms. Caller deletes. */
struct cJSON *s3_event_record(const struct s3_change *ch, const char *config_id,
			      long long epoch_ms);

#endif
