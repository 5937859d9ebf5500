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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cloud/http/chunked.h"
#include "core/digest.h"
#include "core/sigv4.h"
#include "core/unixsock.h"
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
	bool hash_bodies;
	bool unix_socket; /* answer only this user's processes */
	char *unix_path;
};

struct conn_state {
	bool started;   /* the handler has seen the headers */
	char *raw_uri;  /* the request target as sent: SigV4 signs it so */
	char *raw_path; /* its path, before percent-decoding */
	struct sha256 hash;
	bool hashing; /* computing the body's SHA-256 */
	bool chunked; /* aws-chunked: the data goes through the decoder */
	struct chunked dec;
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

static const char *fake_lookup(const struct sigv4_header *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(list[i].name, name) == 0)
			return list[i].value;
	return NULL;
}

const char *http_header(const struct http_req *req, const char *name)
{
	if (!req->conn)
		return fake_lookup(req->fake_headers, req->n_fake_headers, name);
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_req *req, const char *name)
{
	if (!req->conn)
		return fake_lookup(req->fake_args, req->n_fake_args, name);
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

bool http_query_has(const struct http_req *req, const char *name)
{
	if (!req->conn)
		return fake_lookup(req->fake_args, req->n_fake_args, name) != NULL;
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

struct body_sink {
	struct http_server *srv;
	struct conn_state *st;
};

/* Keep len more bytes of the body: in memory up to the limit, or in the spool file. */
static void store_body(void *ctx, const char *data, size_t len)
{
	struct body_sink *sink = ctx;
	struct conn_state *st = sink->st;
	st->seen += len;
	if (st->spool_fd > 0 || st->spool_path) {
		spool_write(sink->srv, st, data, len);
		return;
	}
	if (!st->too_large && st->body.len + len > sink->srv->max_body) {
		st->too_large = true;
		strbuf_release(&st->body);
	}
	if (!st->too_large)
		strbuf_add(&st->body, data, len);
}

/* Runs before MHD decodes the target: keep it as the client sent it. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	struct conn_state *st = xcalloc(1, sizeof(*st));
	strbuf_init(&st->body);
	st->raw_uri = xstrdup(uri ? uri : "/");
	st->raw_path = xstrndup(st->raw_uri, strcspn(st->raw_uri, "?"));
	return st;
}

bool http_req_local(const struct http_req *req)
{
	if (!req->conn)
		return true;
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info ? info->client_addr : NULL;
	if (!sa || sa->sa_family == AF_UNIX)
		return true; /* MHD gives no address for a Unix socket's peer */
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

/* Whether the peer of a Unix-socket connection is this user or root. */
static bool peer_allowed(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (!info || getsockopt(info->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return false;
	return cred.uid == getuid() || cred.uid == 0;
}

static enum MHD_Result refuse(struct MHD_Connection *conn)
{
	static const char msg[] = "{\"message\":\"not this user's cloud\"}";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_queue_response(conn, 403, r);
	MHD_destroy_response(r);
	return ret;
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
	if (srv->unix_socket && !peer_allowed(conn))
		return refuse(conn);
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
	const char *sha =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "x-amz-content-sha256");
	if (sha && strncmp(sha, "STREAMING-", 10) == 0) {
		st->chunked = true;
		chunked_init(&st->dec);
	}
	/* A body signed as unsigned or in chunks is never hashed whole. */
	st->hashing =
		srv->hash_bodies && !st->chunked && !(sha && strcmp(sha, SIGV4_UNSIGNED) == 0);
	if (st->hashing)
		sha256_init(&st->hash);
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	const char *q = strchr(st->raw_uri, '?');
	if (srv->precheck) {
		struct http_req req = {
			.method = method,
			.path = url,
			.raw_path = st->raw_path,
			.raw_query = q ? q + 1 : "",
			.body_sha256 = "",
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
	if (srv->spool_want && srv->spool_want(srv->ctx, method, url, q ? q + 1 : ""))
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
	if (*upload_size) {
		if (st->hashing)
			sha256_update(&st->hash, upload_data, *upload_size);
		struct body_sink sink = { srv, st };
		if (st->chunked)
			chunked_feed(&st->dec, upload_data, *upload_size, store_body, &sink);
		else
			store_body(&sink, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	char hash[SHA256_HEX_LEN + 1] = "";
	if (st->hashing) {
		unsigned char md[SHA256_LEN];
		sha256_final(&st->hash, md);
		digest_hex(md, SHA256_LEN, hash);
	}
	const char *q = strchr(st->raw_uri, '?');
	struct http_req req = {
		.method = method,
		.path = url,
		.raw_path = st->raw_path,
		.raw_query = q ? q + 1 : "",
		.body_sha256 = hash,
		.chunked = st->chunked,
		.chunks_ok = st->chunked && chunked_done(&st->dec),
		.chunks = st->dec.chunks,
		.n_chunks = st->dec.n,
		.decoded_len = st->dec.decoded,
		.trailer = st->chunked ? strbuf_str(&st->dec.trailer) : NULL,
		.trailer_signature = st->dec.trailer_signature,
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
	if (st->chunked)
		chunked_release(&st->dec);
	if (st->spool_fd > 0)
		close(st->spool_fd);
	if (st->spool_path) {
		unlink(st->spool_path);
		free(st->spool_path);
	}
	free(st->raw_uri);
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

static bool bind_unix(int fd, const char *path)
{
	struct sockaddr_un addr;
	int dfd;
	if (!unixsock_address(path, &addr, &dfd))
		return false;
	bool ok = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	if (dfd >= 0)
		close(dfd);
	return ok;
}

struct http_server *http_server_start_unix(const char *path, size_t max_body, http_handler_fn fn,
					   void *ctx, struct error *err)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		error_set(err, "cannot create a socket: %s", strerror(errno));
		return NULL;
	}
	unlink(path);
	/* Created without group or other bits from the start, then made 0600 exactly. */
	mode_t old = umask(0177);
	bool bound = bind_unix(fd, path);
	umask(old);
	if (!bound || chmod(path, 0600) != 0 || listen(fd, 64) != 0) {
		error_set(err, "cannot listen on '%s': %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	struct http_server *srv = xcalloc(1, sizeof(*srv));
	srv->max_body = max_body;
	srv->fn = fn;
	srv->ctx = ctx;
	srv->unix_socket = true;
	srv->unix_path = xstrdup(path);
	srv->daemon = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0,
		NULL, NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT, 0U,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_END);
	if (!srv->daemon) {
		close(fd);
		unlink(path);
		free(srv->unix_path);
		free(srv);
		error_set(err, "cannot serve on '%s'", path);
		return NULL;
	}
	return srv;
}

void http_server_hash_bodies(struct http_server *srv, bool on)
{
	srv->hash_bodies = on;
}

struct header_walk {
	struct sigv4_header *out;
	size_t max, n;
};

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct header_walk *w = cls;
	if (w->n < w->max) {
		w->out[w->n].name = key;
		w->out[w->n].value = value ? value : "";
	}
	w->n++;
	return MHD_YES;
}

size_t http_headers(const struct http_req *req, struct sigv4_header *out, size_t max)
{
	if (!req->conn) {
		for (size_t i = 0; i < req->n_fake_headers && i < max; i++)
			out[i] = req->fake_headers[i];
		return req->n_fake_headers;
	}
	struct header_walk w = { out, max, 0 };
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, add_header, &w);
	return w.n;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->daemon);
	if (srv->unix_path)
		unlink(srv->unix_path);
	free(srv->unix_path);
	free(srv->spool_dir);
	free(srv);
}
