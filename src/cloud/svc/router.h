/*
 * The router's decision, apart from the cloud: which front door, service or unserved service
 * a request is for (its protocol is proto_sniff()'s to tell). Pure (no I/O, no state), so that it
 * can be fuzzed and unit-tested; svc_route() (svc.h) feeds it each request and acts on its answer.
 */
#ifndef CLOUD_SVC_ROUTER_H
#define CLOUD_SVC_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/svc/svc.h"

enum svc_route_kind {
	SVC_ROUTE_DOOR,     /* a front door or a /_tutor/ control */
	SVC_ROUTE_SERVICE,  /* a row of the table */
	SVC_ROUTE_UNSERVED, /* an AWS service the cloud does not offer */
};

struct svc_route {
	enum svc_route_kind kind;
	const struct cloud_service *svc; /* SERVICE, and DOOR: the door's row */
	const struct svc_door *door;     /* DOOR */
	const char *rest;                /* DOOR: what follows the door's prefix */
	char *rest_owned;                /* a Host door's "<id><path>" (rest points here) */
	char service[64];                /* what names the service (signing name, target prefix,
					  * cbor service name; "" for a query Version alone) */
	char version[32];                /* UNSERVED: the query Version no row serves, or "" */
	char op[128];                    /* the operation, when the request names it */
};

/*
 * Decide where in is going, against the rows of table (n of them). out is filled whatever
 * in holds; release it with svc_route_release().
 */
void svc_route_pick(const struct cloud_service *const *table, size_t n,
		    const struct svc_route_in *in, struct svc_route *out);
void svc_route_release(struct svc_route *r);

struct proto_service;
/* The API model a row is served from (its .model), or NULL when it has none (the tutor's). */
const struct proto_service *svc_model(const struct cloud_service *s);

/*
 * The service a SigV4 credential names: "AKID/DATE/REGION/SERVICE/aws4_request" (the value
 * after "Credential=" in an Authorization header, or X-Amz-Credential). Copies SERVICE into
 * out (n bytes) and returns true; false when cred has another shape. region (32 bytes) may be
 * NULL.
 */
bool svc_scope_service(const char *cred, char *out, size_t n, char *region);
/* A query protocol body's (or query string's) value of key, %-decoded, into out (n bytes);
 * false when absent, malformed or too long. */
bool svc_form_value(const char *form, size_t len, const char *key, char *out, size_t n);

/* How messages name a service the cloud does not offer: "AWS Identity and Access Management
 * (iam)", or the name itself. Borrowed or out (n bytes). */
const char *svc_unserved_title(const char *name, char *out, size_t n);

#endif
