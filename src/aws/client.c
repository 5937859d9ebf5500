/*
 * The Lambda REST API over HTTP/1.1 on one kept-alive TCP connection, spoken here directly:
 * the cloud is on this machine and speaks plain HTTP, and loading libcurl (thirty libraries:
 * TLS, Kerberos, LDAP ...) cost a check more CPU than the rest of its client side. Every
 * request is signed with SigV4 as the SDKs sign (core/sigv4.c); the tutor's controls go
 * unsigned over the workspace's control socket instead.
 */
#include "aws/client.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/sigv4.h"
#include "core/strbuf.h"
#include "core/unixsock.h"
#include "core/xalloc.h"

/* A check step never waits longer than this for the cloud (the function's own timeout is
 * at most 900 s; exercises use a few seconds). */
#define CALL_TIMEOUT_S     120

#define CONNECT_TIMEOUT_MS 2000

struct lambda_client {
	int fd; /* the kept-alive connection, or -1 */
	char *endpoint;
	char *host;   /* "127.0.0.1:4566", for the Host header */
	char *socket; /* a Unix socket to speak on instead (the control socket), or NULL */
	char *access_key, *secret; /* NULL: requests go unsigned */
	const char *scope;         /* the service to sign for when the path does not say, or NULL */
	char *role;                /* the checks' execution role's ARN, once made */
};

void client_reply_release(struct lambda_reply *r)
{
	free(r->body);
	free(r->function_error);
	free(r->log);
	free(r->request_id);
	memset(r, 0, sizeof(*r));
}

char *client_reply_error(const struct lambda_reply *r)
{
	if (r->status == 0)
		return xstrdup(r->body ? r->body : "the cloud did not answer");
	cJSON *j = r->body ? cJSON_Parse(r->body) : NULL;
	const cJSON *m = j ? cJSON_GetObjectItemCaseSensitive(j, "message") : NULL;
	if (!m && j)
		m = cJSON_GetObjectItemCaseSensitive(j, "Message");
	const cJSON *t = j ? cJSON_GetObjectItemCaseSensitive(j, "Type") : NULL;
	(void)t;
	char *out = cJSON_IsString(m) ? xasprintf("HTTP %ld: %s", r->status, m->valuestring)
				      : xasprintf("HTTP %ld", r->status);
	cJSON_Delete(j);
	return out;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *client_base64_encode(const void *data, size_t len)
{
	const unsigned char *s = data;
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i = 0;
	for (; i + 2 < len; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = b64[v & 63];
	}
	if (i < len) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < len ? (unsigned)s[i + 1] << 8 : 0);
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

char *client_base64_decode(const char *in, size_t *len)
{
	size_t n = strlen(in);
	char *out = xmalloc(n / 4 * 3 + 4);
	size_t o = 0;
	unsigned v = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '=')
			break;
		const char *p = strchr(b64, in[i]);
		if (!p || !in[i]) {
			free(out);
			return NULL;
		}
		v = v << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((v >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	if (len)
		*len = o;
	return out;
}

struct lambda_client *client_new(const char *endpoint, const char *access_key, const char *secret)
{
	struct lambda_client *c = xcalloc(1, sizeof(*c));
	c->fd = -1;
	c->endpoint = xstrdup(endpoint);
	const char *h = strncmp(endpoint, "http://", 7) == 0 ? endpoint + 7 : endpoint;
	c->host = xstrndup(h, strcspn(h, "/"));
	if (access_key && secret) {
		c->access_key = xstrdup(access_key);
		c->secret = xstrdup(secret);
	}
	return c;
}

struct lambda_client *client_new_control(const char *socket_path)
{
	struct lambda_client *c = xcalloc(1, sizeof(*c));
	c->fd = -1;
	c->endpoint = xasprintf("unix:%s", socket_path);
	c->host = xstrdup("localhost");
	c->socket = xstrdup(socket_path);
	return c;
}

static void disconnect(struct lambda_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void client_free(struct lambda_client *c)
{
	if (!c)
		return;
	disconnect(c);
	free(c->endpoint);
	free(c->host);
	free(c->socket);
	free(c->access_key);
	free(c->secret);
	free(c->role);
	free(c);
}

/* Connect to the endpoint's host and port; false with why. */
static bool connect_to(struct lambda_client *c, char *why, size_t n)
{
	if (c->socket) {
		c->fd = unixsock_connect(c->socket);
		if (c->fd < 0)
			snprintf(why, n, "%s", strerror(errno));
		else
			fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
		return c->fd >= 0;
	}
	if (strncmp(c->endpoint, "http://", 7) != 0) {
		snprintf(why, n, "only http:// endpoints are spoken");
		return false;
	}
	char *host = xstrdup(c->host), *port = strrchr(host, ':');
	if (port)
		*port++ = '\0';
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, port ? port : "80", &hints, &res);
	free(host);
	if (rc != 0) {
		snprintf(why, n, "%s", gai_strerror(rc));
		return false;
	}
	int err = 0;
	for (struct addrinfo *a = res; a && c->fd < 0; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
			err = errno;
			close(fd);
			continue;
		}
		struct pollfd p = { fd, POLLOUT, 0 };
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		if (poll(&p, 1, CONNECT_TIMEOUT_MS) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr) {
			err = soerr ? soerr : ETIMEDOUT;
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		snprintf(why, n, "%s", strerror(err ? err : ECONNREFUSED));
	return c->fd >= 0;
}

/* This thread's cancel flag (client_cancel_on()), looked at every CANCEL_POLL_MS of a wait. */
static _Thread_local const volatile int *cancel_flag;
#define CANCEL_POLL_MS 50

void client_cancel_on(const volatile int *flag)
{
	cancel_flag = flag;
}

/* Wait for fd to be ready for events until deadline (ms, monotonic) or a cancel. */
static bool wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - clock_mono_ms();
		if (left <= 0 || (cancel_flag && *cancel_flag))
			return false;
		int slice = cancel_flag ? CANCEL_POLL_MS : 60000;
		struct pollfd p = { fd, events, 0 };
		int r = poll(&p, 1, left > slice ? slice : (int)left);
		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
	}
}

static bool send_all(int fd, const char *data, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (!wait_fd(fd, POLLOUT, deadline))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

/* Read more into in; 0 at end of stream, -1 on an error or the deadline. */
static int read_more(int fd, struct strbuf *in, int64_t deadline)
{
	for (;;) {
		char buf[16384];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0) {
			strbuf_add(in, buf, (size_t)n);
			return 1;
		}
		if (n == 0)
			return 0;
		if ((errno != EAGAIN && errno != EINTR) || !wait_fd(fd, POLLIN, deadline))
			return -1;
	}
}

/* The value of header name in the head (status line and headers), or NULL. Caller frees. */
static char *head_value(const char *head, size_t head_len, const char *name)
{
	size_t nl = strlen(name);
	const char *p = memchr(head, '\n', head_len), *end = head + head_len;
	while (p && p + 1 < end) {
		p++;
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = eol;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			return xstrndup(v, (size_t)(ve - v));
		}
		p = eol;
	}
	return NULL;
}

/*
 * One exchange on the open connection. Returns 1 with the reply filled, 0 when the connection
 * turned out closed before any answer (the caller reconnects once), -1 with why.
 */
static int exchange(struct lambda_client *c, const struct strbuf *req, const char *body,
		    size_t body_len, bool head_only, struct lambda_reply *out, bool *keep,
		    char *why, size_t n)
{
	int64_t deadline = clock_mono_ms() + (int64_t)CALL_TIMEOUT_S * 1000;
	if (!send_all(c->fd, req->buf, req->len, deadline) ||
	    (body_len && !send_all(c->fd, body, body_len, deadline)))
		return 0;
	struct strbuf in = STRBUF_INIT;
	size_t head_end = 0;
	int rc;
	while (!head_end) {
		rc = read_more(c->fd, &in, deadline);
		if (rc <= 0) {
			bool nothing = in.len == 0 && rc == 0;
			strbuf_release(&in);
			if (nothing)
				return 0;
			snprintf(why, n, "%s", rc < 0 ? "no answer in time" : "the answer was cut");
			return -1;
		}
		const char *e = in.len >= 4 ? memmem(in.buf, in.len, "\r\n\r\n", 4) : NULL;
		if (e)
			head_end = (size_t)(e - in.buf) + 4;
	}
	int status = 0;
	if (sscanf(in.buf, "HTTP/1.%*d %d", &status) != 1) {
		strbuf_release(&in);
		snprintf(why, n, "not an HTTP answer");
		return -1;
	}
	out->status = status;
	out->function_error = head_value(in.buf, head_end, "X-Amz-Function-Error");
	out->log = head_value(in.buf, head_end, "X-Amz-Log-Result");
	out->request_id = head_value(in.buf, head_end, "x-amzn-RequestId");
	char *te = head_value(in.buf, head_end, "Transfer-Encoding");
	char *cl = head_value(in.buf, head_end, "Content-Length");
	char *conn = head_value(in.buf, head_end, "Connection");
	*keep = !(conn && strcasecmp(conn, "close") == 0);
	struct strbuf bodyb = STRBUF_INIT;
	size_t pos = head_end;
	rc = 1;
	if (head_only || status == 204 || status == 304 || status / 100 == 1) {
		/* no body */
	} else if (te && strcasestr(te, "chunked")) {
		for (;;) {
			const char *eol;
			while (!(eol = memmem(in.buf + pos, in.len - pos, "\r\n", 2)))
				if ((rc = read_more(c->fd, &in, deadline)) <= 0)
					goto cut;
			size_t size = strtoul(in.buf + pos, NULL, 16);
			pos = (size_t)(eol - in.buf) + 2;
			while (in.len - pos < size + 2)
				if ((rc = read_more(c->fd, &in, deadline)) <= 0)
					goto cut;
			strbuf_add(&bodyb, in.buf + pos, size);
			pos += size + 2;
			if (size == 0)
				break; /* trailers are not sent by the cloud */
		}
	} else if (cl) {
		size_t want = strtoul(cl, NULL, 10);
		while (in.len - pos < want)
			if ((rc = read_more(c->fd, &in, deadline)) <= 0)
				goto cut;
		strbuf_add(&bodyb, in.buf + pos, want);
	} else {
		while ((rc = read_more(c->fd, &in, deadline)) > 0)
			;
		strbuf_add(&bodyb, in.buf + pos, in.len - pos);
		*keep = false;
		rc = rc == 0 ? 1 : -1;
	}
cut:
	if (rc <= 0) {
		snprintf(why, n, "%s", rc < 0 ? "no answer in time" : "the answer was cut");
		rc = -1;
	}
	free(te);
	free(cl);
	free(conn);
	strbuf_release(&in);
	out->len = bodyb.len;
	out->body = strbuf_detach(&bodyb);
	return rc;
}

/* The SigV4 service of a request: its X-Amz-Target's, else Lambda's for its paths and the
 * tutor's controls, else S3's. */
static const char *scope_of(const char *path, const char *const *extra)
{
	static const char *const targets[][2] = { { "AmazonSQS.", "sqs" },
						  { "DynamoDB_20120810.", "dynamodb" },
						  { "DynamoDBStreams_20120810.", "dynamodb" },
						  { "Kinesis_20131202.", "kinesis" },
						  { "Logs_20140328.", "logs" },
						  { "AmazonSSM.", "ssm" },
						  { "secretsmanager.", "secretsmanager" },
						  { "AWSEvents.", "events" },
						  { "GraniteServiceVersion20100801.",
						    "monitoring" } };
	for (size_t i = 0; extra && extra[i]; i++) {
		if (strncasecmp(extra[i], "X-Amz-Target:", 13) != 0)
			continue;
		const char *t = extra[i] + 13;
		while (*t == ' ')
			t++;
		for (size_t k = 0; k < sizeof(targets) / sizeof(targets[0]); k++)
			if (strncmp(t, targets[k][0], strlen(targets[k][0])) == 0)
				return targets[k][1];
	}
	static const char *const lambda_paths[] = { "/2014-11-13/", "/2015-03-31/", "/2016-08-19/",
						    "/2017-10-31/", "/2018-10-31/", "/2019-09-25/",
						    "/2019-09-30/", "/2020-04-22/", "/2020-06-30/",
						    "/2021-10-31/", "/_tutor/" };
	for (size_t k = 0; k < sizeof(lambda_paths) / sizeof(lambda_paths[0]); k++)
		if (strncmp(path, lambda_paths[k], strlen(lambda_paths[k])) == 0)
			return "lambda";
	return "s3";
}

static int header_cmp(const void *a, const void *b)
{
	return strcasecmp(((const struct sigv4_header *)a)->name,
			  ((const struct sigv4_header *)b)->name);
}

/* The head of a request: the request line, its headers, signed when the client has a key. */
static void request_head(struct lambda_client *c, struct strbuf *req, const char *method,
			 const char *path, const char *body, size_t body_len,
			 const char *const *extra, bool sign)
{
	struct sigv4_header hs[32];
	char *owned[32];
	size_t n = 0, n_owned = 0;
	hs[n].name = "Host";
	hs[n++].value = c->host;
	bool typed = false;
	for (size_t i = 0; extra && extra[i] && n < 28; i++) {
		const char *colon = strchr(extra[i], ':');
		if (!colon)
			continue;
		char *name = xstrndup(extra[i], (size_t)(colon - extra[i]));
		owned[n_owned++] = name;
		const char *v = colon + 1;
		while (*v == ' ')
			v++;
		typed = typed || strcasecmp(name, "Content-Type") == 0;
		hs[n].name = name;
		hs[n++].value = v;
	}
	if (!typed) {
		hs[n].name = "Content-Type";
		hs[n++].value = "application/json";
	}
	char amz_date[17], hash[SHA256_HEX_LEN + 1];
	char *auth = NULL;
	if (c->access_key && sign) {
		sigv4_format_time((long long)time(NULL), amz_date);
		hs[n].name = "X-Amz-Date";
		hs[n++].value = amz_date;
		sha256_hex(body ? body : "", body ? body_len : 0, hash);
		const char *service = c->scope ? c->scope : scope_of(path, extra);
		if (strcmp(service, "s3") == 0) {
			hs[n].name = "x-amz-content-sha256";
			hs[n++].value = hash;
		}
		qsort(hs, n, sizeof(hs[0]), header_cmp);
		/* Sign them all, as the SDKs sign what they send but their user agent. */
		struct strbuf names = STRBUF_INIT;
		for (size_t i = 0; i < n; i++) {
			if (i)
				strbuf_addch(&names, ';');
			for (const char *p = hs[i].name; *p; p++)
				strbuf_addch(&names, (*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
		}
		size_t plen = strcspn(path, "?");
		char *raw_path = xstrndup(path, plen);
		struct sigv4_input in = {
			.method = method,
			.path = raw_path,
			.query = path[plen] ? path + plen + 1 : NULL,
			.headers = hs,
			.n_headers = n,
			.signed_headers = names.buf,
			.payload_hash = hash,
			.s3 = strcmp(service, "s3") == 0,
		};
		auth = sigv4_authorization(&in, c->access_key, c->secret, amz_date, "us-east-1",
					   service);
		free(raw_path);
		strbuf_release(&names);
	}
	strbuf_addf(req, "%s %s HTTP/1.1\r\n", method, path);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(req, "%s: %s\r\n", hs[i].name, hs[i].value);
	if (auth)
		strbuf_addf(req, "Authorization: %s\r\n", auth);
	strbuf_addf(req, "Content-Length: %zu\r\n\r\n", body ? body_len : 0);
	free(auth);
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
}

/* One request and its answer; sign false sends it as it is (a presigned URL). */
static bool call_signed(struct lambda_client *c, bool sign, const char *method, const char *path,
			const char *body, size_t body_len, const char *const *extra,
			struct lambda_reply *out)
{
	memset(out, 0, sizeof(*out));
	struct strbuf req = STRBUF_INIT;
	request_head(c, &req, method, path, body, body_len, extra, sign);
	char why[160] = "";
	int rc = 0;
	/* A kept connection the cloud has closed since is found out here: connect again once. */
	for (int attempt = 0; attempt < 2 && rc == 0; attempt++) {
		bool fresh = c->fd < 0;
		if (fresh && !connect_to(c, why, sizeof(why))) {
			rc = -1;
			break;
		}
		bool keep = true;
		client_reply_release(out);
		rc = exchange(c, &req, body, body ? body_len : 0, strcmp(method, "HEAD") == 0, out,
			      &keep, why, sizeof(why));
		if (rc != 1 || !keep)
			disconnect(c);
		if (rc == 0 && fresh) {
			snprintf(why, sizeof(why), "the connection was closed");
			rc = -1;
		}
	}
	strbuf_release(&req);
	if (rc != 1) {
		client_reply_release(out);
		out->status = 0;
		out->body = xasprintf("cannot reach the local cloud at %s: %s", c->endpoint, why);
		return false;
	}
	if (out->log) {
		char *decoded = client_base64_decode(out->log, NULL);
		free(out->log);
		out->log = decoded;
	}
	return true;
}

static bool call(struct lambda_client *c, const char *method, const char *path, const char *body,
		 size_t body_len, const char *const *extra, struct lambda_reply *out)
{
	return call_signed(c, true, method, path, body, body_len, extra, out);
}

bool client_request(struct lambda_client *c, const char *method, const char *path,
		    const char *content_type, const char *const *headers, const void *body,
		    size_t len, struct lambda_reply *out)
{
	size_t n = 0;
	while (headers && headers[n])
		n++;
	const char **all = xcalloc(n + 2, sizeof(*all));
	char *ct = content_type ? xasprintf("Content-Type: %s", content_type) : NULL;
	size_t k = 0;
	if (ct)
		all[k++] = ct;
	for (size_t i = 0; i < n; i++)
		all[k++] = headers[i];
	bool ok = call(c, method, path, body, body ? len : 0, all, out) && out->status / 100 == 2;
	free(ct);
	free((void *)all);
	return ok;
}

char *client_escape(const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf sb = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~' ||
		    (keep_slash && *p == '/')) {
			strbuf_addch(&sb, *p);
		} else {
			strbuf_addch(&sb, '%');
			strbuf_addch(&sb, hex[*p >> 4]);
			strbuf_addch(&sb, hex[*p & 15]);
		}
	}
	return strbuf_detach(&sb);
}

static char *escape_name(const char *name)
{
	/* Percent-encode all but RFC 3986's unreserved characters, as a path segment needs. */
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf sb = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			strbuf_addch(&sb, *p);
		} else {
			strbuf_addch(&sb, '%');
			strbuf_addch(&sb, hex[*p >> 4]);
			strbuf_addch(&sb, hex[*p & 15]);
		}
	}
	return strbuf_detach(&sb);
}

/* One IAM query-protocol call (form is its parameters after Action, URL-encoded); the
 * <Arn> of its answer, or NULL. Caller frees. */
static char *iam_call(struct lambda_client *c, const char *action, const char *form, int *status)
{
	static const char *const extra[] = {
		"Content-Type: application/x-www-form-urlencoded; charset=utf-8", NULL
	};
	char *body = xasprintf("Action=%s&Version=2010-05-08&%s", action, form);
	struct lambda_reply r;
	c->scope = "iam";
	bool ok = call(c, "POST", "/", body, strlen(body), extra, &r);
	c->scope = NULL;
	free(body);
	*status = ok ? r.status : 0;
	char *arn = NULL;
	const char *a = ok && r.body ? strstr(r.body, "<Arn>") : NULL;
	const char *z = a ? strstr(a, "</Arn>") : NULL;
	if (a && z)
		arn = xstrndup(a + 5, (size_t)(z - a - 5));
	client_reply_release(&r);
	return arn;
}

/*
 * The execution role the tutor's functions run with (lambda-tutor-check): made in the
 * caller's account when missing, trusting Lambda, with the basic execution policy and the
 * data services the exercises' handlers use, and X-Ray's write actions (active tracing needs
 * them). NULL when IAM cannot be reached.
 */
static const char *check_role(struct lambda_client *c)
{
	if (c->role)
		return c->role;
	static const char trust[] =
		"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%"
		"22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%"
		"2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
	static const char access[] =
		"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%"
		"22Allow%22%2C%22Action%22%3A%5B%22dynamodb%3A*%22%2C%22s3%3A*%22%2C%22sqs%3A*%22%"
		"2C%22sns%3A*%22%2C%22kinesis%3A*%22%2C%22events%3A*%22%2C%22xray%"
		"3APutTraceSegments"
		"%22%2C%22xray%3APutTelemetryRecords%22%5D%2C%22Resource%22%3A%22*%22%7D%5D%7D";
	int st;
	char *form = xasprintf("RoleName=lambda-tutor-check&AssumeRolePolicyDocument=%s", trust);
	char *arn = iam_call(c, "CreateRole", form, &st);
	free(form);
	if (!arn)
		arn = iam_call(c, "GetRole", "RoleName=lambda-tutor-check", &st);
	if (!arn)
		return NULL;
	free(iam_call(c, "AttachRolePolicy",
		      "RoleName=lambda-tutor-check&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2F"
		      "service-role%2FAWSLambdaBasicExecutionRole",
		      &st));
	form = xasprintf("RoleName=lambda-tutor-check&PolicyName=exercise-data&PolicyDocument=%s",
			 access);
	free(iam_call(c, "PutRolePolicy", form, &st));
	free(form);
	c->role = arn;
	return c->role;
}

bool client_create_function(struct lambda_client *c, const char *name, const char *runtime,
			    const char *handler, const char *arch, int memory, int timeout,
			    const char *env_json, const void *zip, size_t zip_len,
			    struct lambda_reply *out)
{
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "FunctionName", name);
	cJSON_AddStringToObject(req, "Runtime", runtime);
	cJSON_AddStringToObject(req, "Handler", handler);
	const char *role = check_role(c);
	cJSON_AddStringToObject(req, "Role",
				role ? role : "arn:aws:iam::000000000000:role/lambda-tutor-check");
	cJSON_AddNumberToObject(req, "MemorySize", memory);
	cJSON_AddNumberToObject(req, "Timeout", timeout);
	if (arch) {
		cJSON *archs = cJSON_AddArrayToObject(req, "Architectures");
		cJSON_AddItemToArray(archs, cJSON_CreateString(arch));
	}
	if (env_json) {
		cJSON *vars = cJSON_Parse(env_json);
		cJSON *env = cJSON_AddObjectToObject(req, "Environment");
		cJSON_AddItemToObject(env, "Variables", vars ? vars : cJSON_CreateObject());
	}
	char *zb = client_base64_encode(zip, zip_len);
	cJSON *code = cJSON_AddObjectToObject(req, "Code");
	cJSON_AddItemToObject(code, "ZipFile", cJSON_CreateStringReference(zb));
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	bool ok = call(c, "POST", "/2015-03-31/functions", body, strlen(body), NULL, out);
	free(body);
	free(zb);
	return ok && out->status / 100 == 2;
}

bool client_get_configuration(struct lambda_client *c, const char *name, struct lambda_reply *out)
{
	char *e = escape_name(name);
	char *path = xasprintf("/2015-03-31/functions/%s/configuration", e);
	bool ok = call(c, "GET", path, NULL, 0, NULL, out);
	free(path);
	free(e);
	return ok && out->status == 200;
}

bool client_invoke(struct lambda_client *c, const char *name, const char *payload,
		   struct lambda_reply *out)
{
	static const char *const extra[] = { "X-Amz-Invocation-Type: RequestResponse",
					     "X-Amz-Log-Type: Tail", NULL };
	char *e = escape_name(name);
	char *path = xasprintf("/2015-03-31/functions/%s/invocations", e);
	bool ok = call(c, "POST", path, payload, strlen(payload), extra, out);
	free(path);
	free(e);
	return ok && out->status == 200;
}

bool client_invoke_event(struct lambda_client *c, const char *name, const char *payload,
			 struct lambda_reply *out)
{
	static const char *const extra[] = { "X-Amz-Invocation-Type: Event", NULL };
	char *e = escape_name(name);
	char *path = xasprintf("/2015-03-31/functions/%s/invocations", e);
	bool ok = call(c, "POST", path, payload, strlen(payload), extra, out);
	free(path);
	free(e);
	return ok && out->status == 202;
}

bool client_delete_function(struct lambda_client *c, const char *name, struct lambda_reply *out)
{
	char *e = escape_name(name);
	char *path = xasprintf("/2015-03-31/functions/%s", e);
	bool ok = call(c, "DELETE", path, NULL, 0, NULL, out);
	free(path);
	free(e);
	return ok && out->status / 100 == 2;
}

bool client_list_functions(struct lambda_client *c, struct lambda_reply *out)
{
	bool ok = call(c, "GET", "/2015-03-31/functions/?MaxItems=50", NULL, 0, NULL, out);
	return ok && out->status == 200;
}

bool client_update_configuration(struct lambda_client *c, const char *name, int memory, int timeout,
				 const char *env_json, struct lambda_reply *out)
{
	cJSON *req = cJSON_CreateObject();
	if (memory)
		cJSON_AddNumberToObject(req, "MemorySize", memory);
	if (timeout)
		cJSON_AddNumberToObject(req, "Timeout", timeout);
	if (env_json) {
		cJSON *vars = cJSON_Parse(env_json);
		cJSON *env = cJSON_AddObjectToObject(req, "Environment");
		cJSON_AddItemToObject(env, "Variables", vars ? vars : cJSON_CreateObject());
	}
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	char *e = escape_name(name);
	char *path = xasprintf("/2015-03-31/functions/%s/configuration", e);
	bool ok = call(c, "PUT", path, body, strlen(body), NULL, out);
	free(path);
	free(e);
	free(body);
	return ok && out->status == 200;
}

bool client_update_code(struct lambda_client *c, const char *name, const void *zip, size_t zip_len,
			struct lambda_reply *out)
{
	char *zb = client_base64_encode(zip, zip_len);
	cJSON *req = cJSON_CreateObject();
	cJSON_AddItemToObject(req, "ZipFile", cJSON_CreateStringReference(zb));
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	char *e = escape_name(name);
	char *path = xasprintf("/2015-03-31/functions/%s/code", e);
	bool ok = call(c, "PUT", path, body, strlen(body), NULL, out);
	free(path);
	free(e);
	free(body);
	free(zb);
	return ok && out->status == 200;
}

bool client_get_function(struct lambda_client *c, const char *name, struct lambda_reply *out)
{
	char *e = escape_name(name);
	char *path = xasprintf("/2015-03-31/functions/%s", e);
	bool ok = call(c, "GET", path, NULL, 0, NULL, out);
	free(path);
	free(e);
	return ok && out->status == 200;
}

bool client_fetch(struct lambda_client *c, const char *url, struct lambda_reply *out)
{
	if (strncmp(url, c->endpoint, strlen(c->endpoint)) != 0) {
		memset(out, 0, sizeof(*out));
		out->body = xasprintf("refusing to fetch '%s': not the local cloud", url);
		return false;
	}
	/* Code.Location is absolute and presigned; call() takes a path on the endpoint. */
	bool ok = call_signed(c, false, "GET", url + strlen(c->endpoint), NULL, 0, NULL, out);
	return ok && out->status == 200;
}

bool client_query(struct lambda_client *c, const char *service, const char *form,
		  struct lambda_reply *out)
{
	const char *const extra[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
	c->scope = service;
	bool ok = call(c, "POST", "/", form, strlen(form), extra, out);
	c->scope = NULL;
	return ok && out->status / 100 == 2;
}

bool client_logs(struct lambda_client *c, const char *action, const char *body,
		 struct lambda_reply *out)
{
	char *target = xasprintf("X-Amz-Target: Logs_20140328.%s", action);
	const char *const extra[] = { target, "Content-Type: application/x-amz-json-1.1", NULL };
	bool ok = call(c, "POST", "/", body, strlen(body), extra, out);
	free(target);
	return ok && out->status == 200;
}

bool client_cloudwatch(struct lambda_client *c, const char *action, const char *body,
		       struct lambda_reply *out)
{
	char *target = xasprintf("X-Amz-Target: GraniteServiceVersion20100801.%s", action);
	const char *const extra[] = { target, "Content-Type: application/x-amz-json-1.0", NULL };
	bool ok = call(c, "POST", "/", body, strlen(body), extra, out);
	free(target);
	return ok && out->status == 200;
}

bool client_xray(struct lambda_client *c, const char *path, const char *body,
		 struct lambda_reply *out)
{
	const char *const extra[] = { "Content-Type: application/json", NULL };
	c->scope = "xray";
	bool ok = call(c, "POST", path, body, strlen(body), extra, out);
	c->scope = NULL;
	return ok && out->status == 200;
}
