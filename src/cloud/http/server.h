/*
 * A small HTTP server over libmicrohttpd, bound to 127.0.0.1 only. Each connection has its own
 * thread, so a handler may block (the Runtime API's /next does, until an event arrives).
 * Requests are read whole (up to a limit) before the handler runs; the handler fills a
 * response that the server sends and frees.
 */
#ifndef CLOUD_HTTP_SERVER_H
#define CLOUD_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"

struct http_server;
struct MHD_Connection;

struct http_req {
	const char *method;
	const char *path; /* decoded, without the query string */
	const char *body; /* NUL-terminated; "" when empty */
	size_t body_len;
	bool too_large; /* the body passed the server's limit and was dropped */
	size_t declared_len;
	struct MHD_Connection *conn;
	/* The body spooled to this file instead (see http_server_spool()), or NULL. The server
	 * removes it after the handler returns, unless the handler moved it. */
	const char *body_path;
};

#define HTTP_MAX_HEADERS 32

struct http_resp {
	int status;
	struct strbuf body;
	const char *content_type;           /* static string; NULL: application/json */
	char *headers[HTTP_MAX_HEADERS][2]; /* owned name/value pairs */
	int nheaders;
	/* When > 0: send file_len bytes of this file from file_off instead of body (the server
	 * closes it). */
	int file_fd;
	long long file_off, file_len;
};

/* Handlers fill resp (already initialised, status 200). */
typedef void (*http_handler_fn)(void *ctx, const struct http_req *req, struct http_resp *resp);

/*
 * Serve on 127.0.0.1:port (0 picks a free port; *bound_port tells which). Bodies over max_body
 * bytes are dropped and the handler sees too_large. Returns NULL and fills err on failure.
 * Stop with http_server_stop(), which waits for every connection's thread.
 */
struct http_server *http_server_start(int port, size_t max_body, http_handler_fn fn, void *ctx,
				      int *bound_port, struct error *err);
/*
 * Spool the bodies of requests for which want(ctx, method, url) says so to a fresh file in
 * dir (copied), with no size limit, instead of reading them into memory: for large uploads.
 * The handler sees body "" and body_path. Call before clients know the port.
 */
typedef bool (*http_spool_fn)(void *ctx, const char *method, const char *url);
void http_server_spool(struct http_server *srv, const char *dir, http_spool_fn want);
/* Whether the query string has the argument, even without a value ("?uploads"). */
bool http_query_has(const struct http_req *req, const char *name);
/* Stop accepting, close connections, join threads, free. No-op on NULL. */
void http_server_stop(struct http_server *srv);

/* A request header or query argument (case-insensitive name). NULL when absent. Borrowed. */
const char *http_header(const struct http_req *req, const char *name);
const char *http_query(const struct http_req *req, const char *name);

/* Add a response header (copied). */
void http_resp_header(struct http_resp *resp, const char *name, const char *value);
void http_resp_headerf(struct http_resp *resp, const char *name, const char *fmt, ...)
	XALLOC_PRINTF(3, 4);
void http_resp_init(struct http_resp *resp);
void http_resp_release(struct http_resp *resp);

#endif
