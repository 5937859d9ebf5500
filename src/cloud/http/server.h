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
struct sigv4_header;
struct http_chunk;

struct http_req {
	const char *method;
	const char *path; /* decoded, without the query string */
	/* The same path as the client sent it, percent-escapes and all: for a service that must
	 * see every byte (an S3 key may hold what decoding into a C string would cut), and for
	 * a signature's canonical request. */
	const char *raw_path;
	const char *raw_query; /* as sent after the '?', or "" */
	/* The body's lower-case hex SHA-256, when the server was asked for it
	 * (http_server_hash_bodies()); else "". */
	const char *body_sha256;
	const char *body; /* NUL-terminated; "" when empty */
	size_t body_len;
	bool too_large; /* the body passed the server's limit and was dropped */
	size_t declared_len;
	struct MHD_Connection *conn;
	/* The body spooled to this file instead (see http_server_spool()), or NULL. The server
	 * removes it after the handler returns, unless the handler moved it. */
	const char *body_path;
	/* An aws-chunked body (x-amz-content-sha256: STREAMING-...), decoded on arrival: body (or
	 * body_path) holds the data alone, decoded_len bytes; chunks are its chunks as declared,
	 * the final empty one included; trailer its trailing header lines. chunks_ok is false
	 * when the framing was malformed or cut short. */
	bool chunked, chunks_ok;
	const struct http_chunk *chunks;
	size_t n_chunks;
	unsigned long long decoded_len;
	const char *trailer, *trailer_signature;
	/* A request made without a connection (tests, benchmarks; conn NULL): its headers and
	 * its decoded query arguments. */
	const struct sigv4_header *fake_headers, *fake_args;
	size_t n_fake_headers, n_fake_args;
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
 * The same, closing a connection idle for idle_seconds (0: never) between requests or in the
 * middle of one (a client that stalls its body); a handler at work is never cut short.
 */
struct http_server *http_server_start_idle(int port, size_t max_body, unsigned idle_seconds,
					   http_handler_fn fn, void *ctx, int *bound_port,
					   struct error *err);
/*
 * Spool the bodies of requests for which want(ctx, method, url, query) says so (query: the
 * raw query string, "" when none) to a fresh file in
 * dir (copied), up to max bytes (0: no limit; past it the handler sees too_large), instead of
 * reading them into memory: for large uploads. The handler sees body "" and body_path. Call
 * before clients know the port.
 */
typedef bool (*http_spool_fn)(void *ctx, const char *method, const char *url, const char *query);
void http_server_spool(struct http_server *srv, const char *dir, http_spool_fn want,
		       unsigned long long max);
/*
 * Call fn as soon as a request's headers have arrived, before its body is read (req has the
 * headers, no body, and declared_len the Content-Length). A response fn fills (resp->status
 * set, from 0) is sent at once and the body is never read: refusing an upload too large
 * costs nothing. Requests whose framing is in doubt (two Content-Lengths that differ, a
 * Content-Length beside a Transfer-Encoding) are refused with 400 before fn is asked.
 */
void http_server_precheck(struct http_server *srv, http_handler_fn fn);
/*
 * Serve on a Unix socket at path instead (created mode 0600, replacing a stale one; a path
 * longer than a socket address holds is reached through its folder). Only processes of this
 * user (or root) are answered; others get 403. Returns NULL and fills err on failure.
 */
struct http_server *http_server_start_unix(const char *path, size_t max_body, http_handler_fn fn,
					   void *ctx, struct error *err);
/* Compute each request body's SHA-256 as it arrives (req->body_sha256). Call before use. */
void http_server_hash_bodies(struct http_server *srv, bool on);
/*
 * Every request header as sent, in order, into out (at most max; the count of all is
 * returned). The strings are borrowed for the request's life.
 */
size_t http_headers(const struct http_req *req, struct sigv4_header *out, size_t max);
/* Whether the query string has the argument, even without a value ("?uploads"). */
bool http_query_has(const struct http_req *req, const char *name);
/* Stop accepting, close connections, join threads, free. No-op on NULL. */
void http_server_stop(struct http_server *srv);

/* A request header or query argument (case-insensitive name). NULL when absent. Borrowed. */
const char *http_header(const struct http_req *req, const char *name);
/* Whether the request came from this machine: over loopback or a Unix socket (or made without
 * a connection). */
bool http_req_local(const struct http_req *req);
const char *http_query(const struct http_req *req, const char *name);

/* Add a response header (copied). */
void http_resp_header(struct http_resp *resp, const char *name, const char *value);
void http_resp_headerf(struct http_resp *resp, const char *name, const char *fmt, ...)
	XALLOC_PRINTF(3, 4);
void http_resp_init(struct http_resp *resp);
void http_resp_release(struct http_resp *resp);

#endif
