/*
 * libmicrohttpd glue: one thread per connection, whole bodies, loopback only.
 */
#include "cloud/http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/xalloc.h"

struct http_server {
	struct MHD_Daemon *daemon;
	size_t max_body;
	http_handler_fn fn;
	void *ctx;
	char *spool_dir;
	http_spool_fn spool_want;
	unsigned long long spool_max;
	http_handler_fn precheck;
};

struct conn_state {
	bool started;   /* the handler has seen the headers */
	char *raw_path; /* the request target's path as sent, before percent-decoding */
	struct strbuf body;
	size_t seen;
	bool too_large;
	int spool_fd; /* > 0 while spooling */
	char *spool_path;
};

void http_resp_init(struct http_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->status = 200;
	strbuf_init(&resp->body);
}

void http_resp_release(struct http_resp *resp)
{
	strbuf_release(&resp->body);
	if (resp->file_fd > 0)
		close(resp->file_fd);
	resp->file_fd = 0;
	for (int i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i][0]);
		free(resp->headers[i][1]);
	}
	resp->nheaders = 0;
}

void http_resp_header(struct http_resp *resp, const char *name, const char *value)
{
	if (resp->nheaders >= HTTP_MAX_HEADERS)
		return;
	resp->headers[resp->nheaders][0] = xstrdup(name);
	resp->headers[resp->nheaders][1] = xstrdup(value);
	resp->nheaders++;
}

void http_resp_headerf(struct http_resp *resp, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *v = xvasprintf(fmt, ap);
	va_end(ap);
	http_resp_header(resp, name, v);
	free(v);
}

const char *http_header(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

bool http_query_has(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name),
					     NULL, NULL) == MHD_YES;
}

void http_server_spool(struct http_server *srv, const char *dir, http_spool_fn want,
		       unsigned long long max)
{
	free(srv->spool_dir);
	srv->spool_dir = dir ? xstrdup(dir) : NULL;
	srv->spool_want = dir ? want : NULL;
	srv->spool_max = max;
}

void http_server_precheck(struct http_server *srv, http_handler_fn fn)
{
	srv->precheck = fn;
}

/* Start spooling st's body to a fresh file in the server's spool folder. */
static void spool_open(struct http_server *srv, struct conn_state *st)
{
	char *path = xasprintf("%s/body.XXXXXX", srv->spool_dir);
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd <= 0) {
		if (fd == 0)
			close(fd);
		free(path);
		st->too_large = true;
		return;
	}
	st->spool_fd = fd;
	st->spool_path = path;
}

static void spool_write(struct http_server *srv, struct conn_state *st, const char *data,
			size_t len)
{
	if (srv->spool_max && st->seen > srv->spool_max && st->spool_fd > 0) {
		/* Past the limit: keep nothing more, the handler refuses the body. */
		close(st->spool_fd);
		st->spool_fd = 0;
		st->too_large = true;
	}
	while (len > 0 && st->spool_fd > 0) {
		ssize_t n = write(st->spool_fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* A full disk: the handler sees the body as dropped. */
			close(st->spool_fd);
			st->spool_fd = 0;
			st->too_large = true;
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

/* Runs before MHD decodes the target: keep its path as the client sent it. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	struct conn_state *st = xcalloc(1, sizeof(*st));
	strbuf_init(&st->body);
	st->raw_path = xstrndup(uri, strcspn(uri, "?"));
	return st;
}

struct framing {
	int lengths;     /* Content-Length headers */
	bool differ;     /* two of them disagree */
	bool chunked;    /* a Transfer-Encoding */
	const char *len; /* the first Content-Length */
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	(void)kind;
	struct framing *f = cls;
	if (strcasecmp(key, "Content-Length") == 0) {
		if (f->lengths++ && strcmp(f->len, value ? value : "") != 0)
			f->differ = true;
		if (!f->len)
			f->len = value ? value : "";
	} else if (strcasecmp(key, "Transfer-Encoding") == 0) {
		f->chunked = true;
	}
	return MHD_YES;
}

/*
 * The body's framing, as RFC 9112 section 6.3 wants it: two Content-Lengths that disagree, or
 * a Content-Length beside a Transfer-Encoding, leave the body's end in doubt (the way requests
 * are smuggled past a proxy), so the request is refused before its body is read. NULL when the
 * framing is sound, else why not.
 */
static const char *framing_error(struct MHD_Connection *conn)
{
	struct framing f = { 0 };
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
	if (f.differ)
		return "two different Content-Length headers";
	if (f.lengths && f.chunked)
		return "both Content-Length and Transfer-Encoding";
	return NULL;
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, struct http_resp *resp)
{
	struct MHD_Response *r;
	if (resp->file_fd > 0) {
		r = MHD_create_response_from_fd_at_offset64((uint64_t)resp->file_len, resp->file_fd,
							    (uint64_t)resp->file_off);
		resp->file_fd = 0;
	} else {
		size_t len = resp->body.len;
		char *body = strbuf_detach(&resp->body);
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	}
	bool typed = false; /* a handler may name a type that is not static */
	for (int i = 0; i < resp->nheaders; i++)
		typed = typed || strcasecmp(resp->headers[i][0], "Content-Type") == 0;
	if (!typed)
		MHD_add_response_header(r, "Content-Type",
					resp->content_type ? resp->content_type
							   : "application/json");
	for (int i = 0; i < resp->nheaders; i++)
		MHD_add_response_header(r, resp->headers[i][0], resp->headers[i][1]);
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	http_resp_release(resp);
	return ret;
}

/* The request's headers have arrived: refuse it now, or get ready for its body. */
static enum MHD_Result on_headers(struct http_server *srv, struct conn_state *st,
				  struct MHD_Connection *conn, const char *url, const char *method)
{
	st->started = true;
	const char *bad = framing_error(conn);
	if (bad) {
		struct http_resp resp;
		http_resp_init(&resp);
		resp.status = 400;
		resp.content_type = "text/plain";
		strbuf_addf(&resp.body, "Bad Request: %s\n", bad);
		http_resp_header(&resp, "Connection", "close");
		return send_resp(conn, &resp);
	}
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	if (srv->precheck) {
		struct http_req req = {
			.method = method,
			.path = url,
			.raw_path = st->raw_path,
			.body = "",
			.declared_len = cl ? (size_t)strtoull(cl, NULL, 10) : 0,
			.conn = conn,
		};
		struct http_resp resp;
		http_resp_init(&resp);
		resp.status = 0;
		srv->precheck(srv->ctx, &req, &resp);
		if (resp.status)
			return send_resp(conn, &resp); /* MHD reads no body after this */
		http_resp_release(&resp);
	}
	if (srv->spool_want && srv->spool_want(srv->ctx, method, url))
		spool_open(srv, st);
	else if (cl && strtoull(cl, NULL, 10) > srv->max_body)
		st->too_large = true;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct conn_state *st = *con_cls;
	if (!st) {
		/* Not seen by on_uri (never, with MHD's order of calls): a target unknown. */
		st = on_uri(NULL, url, conn);
		*con_cls = st;
	}
	if (!st->started)
		return on_headers(srv, st, conn, url, method);
	if (*upload_size && (st->spool_fd > 0 || st->spool_path)) {
		st->seen += *upload_size;
		spool_write(srv, st, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		st->seen += *upload_size;
		if (!st->too_large && st->body.len + *upload_size > srv->max_body) {
			st->too_large = true;
			strbuf_release(&st->body);
		}
		if (!st->too_large)
			strbuf_add(&st->body, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	struct http_req req = {
		.method = method,
		.path = url,
		.raw_path = st->raw_path,
		.body = strbuf_str(&st->body),
		.body_len = st->body.len,
		.too_large = st->too_large,
		.declared_len = st->seen,
		.conn = conn,
		.body_path = st->spool_fd > 0 ? st->spool_path : NULL,
	};
	if (st->spool_fd > 0) {
		close(st->spool_fd);
		st->spool_fd = 0;
	}
	struct http_resp resp;
	http_resp_init(&resp);
	srv->fn(srv->ctx, &req, &resp);
	return send_resp(conn, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn_state *st = *con_cls;
	if (!st)
		return;
	strbuf_release(&st->body);
	if (st->spool_fd > 0)
		close(st->spool_fd);
	if (st->spool_path) {
		unlink(st->spool_path);
		free(st->spool_path);
	}
	free(st->raw_path);
	free(st);
	*con_cls = NULL;
}

struct http_server *http_server_start(int port, size_t max_body, http_handler_fn fn, void *ctx,
				      int *bound_port, struct error *err)
{
	return http_server_start_idle(port, max_body, 0, fn, ctx, bound_port, err);
}

struct http_server *http_server_start_idle(int port, size_t max_body, unsigned idle_seconds,
					   http_handler_fn fn, void *ctx, int *bound_port,
					   struct error *err)
{
	struct http_server *srv = xcalloc(1, sizeof(*srv));
	srv->max_body = max_body;
	srv->fn = fn;
	srv->ctx = ctx;
	struct sockaddr_in addr = { 0 };
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv->daemon = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
		(uint16_t)port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_CONNECTION_TIMEOUT,
		idle_seconds, MHD_OPTION_LISTEN_BACKLOG_SIZE, 256U, MHD_OPTION_END);
	if (!srv->daemon) {
		free(srv);
		error_set(err, "cannot listen on 127.0.0.1:%d (is the port in use?)", port);
		return NULL;
	}
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (bound_port)
		*bound_port = info ? info->port : port;
	return srv;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->daemon);
	free(srv->spool_dir);
	free(srv);
}
