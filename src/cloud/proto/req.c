/*
 * A request of the cloud's HTTP server as the codecs read it: its headers and query arguments
 * collected into arrays once, so that the codecs need not know libmicrohttpd.
 */
#include "cloud/proto/proto.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/http/server.h"
#include "core/xalloc.h"

struct kv_vec {
	struct proto_kv *v;
	size_t n, alloc;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	struct kv_vec *vec = cls;
	(void)kind;
	if (vec->n == vec->alloc) {
		vec->alloc = vec->alloc ? vec->alloc * 2 : 16;
		vec->v = xreallocarray(vec->v, vec->alloc, sizeof(*vec->v));
	}
	vec->v[vec->n].name = key;
	vec->v[vec->n].value = value ? value : "";
	vec->n++;
	return MHD_YES;
}

void proto_req_from_http(struct proto_req *pr, const struct http_req *req)
{
	struct kv_vec h = { 0 }, q = { 0 };
	memset(pr, 0, sizeof(*pr));
	pr->method = req->method;
	pr->path = req->path;
	pr->body = req->body;
	pr->body_len = req->body_len;
	if (req->conn) {
		MHD_get_connection_values(req->conn, MHD_HEADER_KIND, collect, &h);
		MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect, &q);
	}
	pr->headers = h.v;
	pr->nheaders = h.n;
	pr->query = q.v;
	pr->nquery = q.n;
}

void proto_req_release(struct proto_req *pr)
{
	free((void *)pr->headers);
	free((void *)pr->query);
	pr->headers = pr->query = NULL;
	pr->nheaders = pr->nquery = 0;
}

const char *proto_req_header(const struct proto_req *pr, const char *name)
{
	for (size_t i = 0; i < pr->nheaders; i++)
		if (strcasecmp(pr->headers[i].name, name) == 0)
			return pr->headers[i].value;
	return NULL;
}
