/*
 * HTTPS to a class server with GnuTLS through dlopen(), resolved once.
 */
#include "class/tls.h"

#include <dlfcn.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define CONNECT_MS   2000
#define EXCHANGE_MS  30000
#define WAIT_STEP_MS 50
#define REPLY_MAX    (8 * 1024 * 1024)

/* The functions used: X(return type, name, parameter list). */
#define TLS_FUNCTIONS(X)                                                                      \
	X(int, gnutls_certificate_allocate_credentials, (gnutls_certificate_credentials_t *)) \
	X(void, gnutls_certificate_free_credentials, (gnutls_certificate_credentials_t))      \
	X(int, gnutls_init, (gnutls_session_t *, unsigned int))                               \
	X(void, gnutls_deinit, (gnutls_session_t))                                            \
	X(int, gnutls_set_default_priority, (gnutls_session_t))                               \
	X(int, gnutls_credentials_set, (gnutls_session_t, gnutls_credentials_type_t, void *)) \
	X(void, gnutls_transport_set_int2, (gnutls_session_t, int, int))                      \
	X(int, gnutls_record_get_direction, (gnutls_session_t))                               \
	X(int, gnutls_handshake, (gnutls_session_t))                                          \
	X(const gnutls_datum_t *, gnutls_certificate_get_peers,                               \
	  (gnutls_session_t, unsigned int *))                                                 \
	X(int, gnutls_hash_fast, (gnutls_digest_algorithm_t, const void *, size_t, void *))   \
	X(int, gnutls_x509_crt_init, (gnutls_x509_crt_t *))                                   \
	X(int, gnutls_x509_crt_import,                                                        \
	  (gnutls_x509_crt_t, const gnutls_datum_t *, gnutls_x509_crt_fmt_t))                 \
	X(int, gnutls_x509_crt_get_key_id,                                                    \
	  (gnutls_x509_crt_t, unsigned int, unsigned char *, size_t *))                       \
	X(void, gnutls_x509_crt_deinit, (gnutls_x509_crt_t))                                  \
	X(ssize_t, gnutls_record_send, (gnutls_session_t, const void *, size_t))              \
	X(ssize_t, gnutls_record_recv, (gnutls_session_t, void *, size_t))                    \
	X(const char *, gnutls_strerror, (int))

#define TLS_FIELD(ret, name, params) ret(*name) params;
static struct {
	TLS_FUNCTIONS(TLS_FIELD)
} api;
#undef TLS_FIELD
static bool loaded;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static bool resolve(void *lib, const char *name, void *slot, size_t size)
{
	void *p = dlsym(lib, name);
	if (!p) {
		snprintf(load_error, sizeof(load_error), "cannot load GnuTLS: no symbol %s", name);
		return false;
	}
	memcpy(slot, &p, size);
	return true;
}

static void load(void)
{
	void *lib = dlopen("libgnutls.so.30", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char *why = dlerror();
		snprintf(load_error, sizeof(load_error),
			 "cannot load GnuTLS: %s (install libgnutls30)", why ? why : "not found");
		return;
	}
	bool ok = true;
#define TLS_RESOLVE(ret, name, params) ok = ok && resolve(lib, #name, &api.name, sizeof(api.name));
	TLS_FUNCTIONS(TLS_RESOLVE)
#undef TLS_RESOLVE
	if (!ok) {
		memset(&api, 0, sizeof(api));
		dlclose(lib);
		return;
	}
	loaded = true;
}

/* A TCP connection to host:port within CONNECT_MS (non-blocking); -1 when none. */
static int tcp_connect(const char *hostport)
{
	char *host = xstrdup(hostport), *port = strrchr(host, ':');
	if (port)
		*port++ = '\0';
	char *h = host;
	size_t hl = strlen(h);
	if (hl > 1 && h[0] == '[' && h[hl - 1] == ']') {
		h[hl - 1] = '\0';
		h++;
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int fd = -1;
	if (getaddrinfo(h, port ? port : "443", &hints, &res) != 0)
		res = NULL;
	for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		struct pollfd p = { fd, POLLOUT, 0 };
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		if ((connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) ||
		    poll(&p, 1, CONNECT_MS) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr) {
			close(fd);
			fd = -1;
			continue;
		}
	}
	if (res)
		freeaddrinfo(res);
	free(host);
	return fd;
}

/*
 * Wait until the socket is ready for what GnuTLS was blocked on; false at the deadline or a
 * cancel (looked at every WAIT_STEP_MS), so a server that takes the connection and then says
 * nothing holds no one.
 */
static bool tls_wait(gnutls_session_t s, int fd, int64_t deadline, const volatile int *cancel)
{
	short ev = api.gnutls_record_get_direction(s) ? POLLOUT : POLLIN;
	for (;;) {
		if ((cancel && *cancel) || clock_mono_ms() >= deadline)
			return false;
		struct pollfd p = { fd, ev, 0 };
		int n = poll(&p, 1, WAIT_STEP_MS);
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
}

static void fingerprint_hex(const unsigned char md[32], char *out)
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 3 * i, 4, i < 31 ? "%02X:" : "%02X", md[i]);
}

bool tls_parse_reply(const char *buf, size_t len, struct lambda_reply *out)
{
	memset(out, 0, sizeof(*out));
	const char *end = len >= 4 ? memmem(buf, len, "\r\n\r\n", 4) : NULL;
	int status = 0;
	/* The status line is read from a copy of the head: buf need not end in a NUL. */
	char *headline = end ? xstrndup(buf, (size_t)(end - buf)) : NULL;
	bool ok = headline && sscanf(headline, "HTTP/1.%*d %3d", &status) == 1 && status >= 100;
	free(headline);
	if (!ok)
		return false;
	size_t head = (size_t)(end - buf) + 4, blen = len - head;
	for (const char *p = buf; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol ? eol : end;
		if ((size_t)(eol - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0) {
			char num[24];
			snprintf(num, sizeof(num), "%.*s",
				 (int)(eol - p - 15 < 23 ? eol - p - 15 : 23), p + 15);
			long n = strtol(num, NULL, 10);
			if (n < 0 || (size_t)n > blen)
				return false;
			blen = (size_t)n;
		}
		p = eol + 1;
	}
	out->status = status;
	out->body = xmalloc(blen + 1);
	memcpy(out->body, buf + head, blen);
	out->body[blen] = '\0';
	out->len = blen;
	return true;
}

bool tls_spoken(const char *hostport)
{
	pthread_once(&once, load);
	if (!loaded)
		return false;
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	int fd = tcp_connect(hostport);
	int rc = fd < 0 ? -1 : api.gnutls_certificate_allocate_credentials(&cred);
	if (rc == 0)
		rc = api.gnutls_init(&s, GNUTLS_CLIENT);
	if (rc == 0)
		rc = api.gnutls_set_default_priority(s);
	if (rc == 0)
		rc = api.gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	if (rc == 0) {
		api.gnutls_transport_set_int2(s, fd, fd);
		int64_t deadline = clock_mono_ms() + CONNECT_MS;
		while ((rc = api.gnutls_handshake(s)) == GNUTLS_E_AGAIN ||
		       rc == GNUTLS_E_INTERRUPTED)
			if (!tls_wait(s, fd, deadline, NULL))
				break;
	}
	if (s)
		api.gnutls_deinit(s);
	if (cred)
		api.gnutls_certificate_free_credentials(cred);
	if (fd >= 0)
		close(fd);
	return rc == 0;
}

bool tls_exchange(const char *hostport, const char *pin, char *seen, const char *method,
		  const char *path, const char *const *headers, const char *body, size_t body_len,
		  const volatile int *cancel, struct lambda_reply *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	pthread_once(&once, load);
	if (!loaded)
		return error_set(err, "%s", load_error);
	bool ok = true;
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	struct strbuf req = STRBUF_INIT, in = STRBUF_INIT;
	int fd = tcp_connect(hostport);
	if (fd < 0)
		goto out; /* unreachable: status 0 */
	int rc = api.gnutls_certificate_allocate_credentials(&cred);
	if (rc == 0)
		rc = api.gnutls_init(&s, GNUTLS_CLIENT);
	if (rc == 0)
		rc = api.gnutls_set_default_priority(s);
	if (rc == 0)
		rc = api.gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	if (rc != 0) {
		ok = error_set(err, "TLS: %s", api.gnutls_strerror(rc));
		goto out;
	}
	api.gnutls_transport_set_int2(s, fd, fd);
	int64_t deadline = clock_mono_ms() + EXCHANGE_MS;
	while ((rc = api.gnutls_handshake(s)) == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
		if (!tls_wait(s, fd, deadline, cancel))
			goto out; /* no answer in time, or cancelled: unreachable */
	if (rc == GNUTLS_E_UNEXPECTED_PACKET || rc == GNUTLS_E_UNEXPECTED_PACKET_LENGTH ||
	    rc == GNUTLS_E_UNSUPPORTED_VERSION_PACKET) {
		/* What came back is no TLS record: a server without TLS answering in HTTP. */
		ok = error_set(err,
			       "the class server at https://%s does not speak TLS (it was started "
			       "with --no-tls or on loopback): join http://%s",
			       hostport, hostport);
		goto out;
	}
	if (rc != 0) {
		ok = error_set(err, "the class server at https://%s did not complete TLS: %s",
			       hostport, api.gnutls_strerror(rc));
		goto out;
	}
	unsigned n = 0;
	const gnutls_datum_t *peers = api.gnutls_certificate_get_peers(s, &n);
	unsigned char md[32], kid[32];
	size_t klen = sizeof(kid);
	char fp[TLS_FINGERPRINT_LEN], key[TLS_FINGERPRINT_LEN];
	gnutls_x509_crt_t crt = NULL;
	bool have =
		peers && n > 0 &&
		api.gnutls_hash_fast(GNUTLS_DIG_SHA256, peers[0].data, peers[0].size, md) == 0 &&
		api.gnutls_x509_crt_init(&crt) == 0 &&
		api.gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) == 0 &&
		api.gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, kid, &klen) == 0 &&
		klen == sizeof(kid);
	if (crt)
		api.gnutls_x509_crt_deinit(crt);
	if (!have) {
		ok = error_set(err, "the class server at https://%s showed no certificate",
			       hostport);
		goto out;
	}
	fingerprint_hex(md, fp);
	fingerprint_hex(kid, key);
	if (seen)
		memcpy(seen, key, sizeof(key));
	/* The key's pin holds across certificates issued again; the certificate's, until then. */
	if (pin && strcasecmp(pin, key) != 0 && strcasecmp(pin, fp) != 0) {
		ok = error_set(err,
			       "the class server at https://%s shows key %s, not %s: it is not "
			       "the class's server (or it was set up again); nothing sent",
			       hostport, key, pin);
		goto out;
	}
	strbuf_addf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, path,
		    hostport);
	for (size_t i = 0; headers && headers[i]; i++)
		strbuf_addf(&req, "%s\r\n", headers[i]);
	if (body)
		strbuf_addf(&req, "Content-Type: application/json\r\n");
	strbuf_addf(&req, "Content-Length: %zu\r\n\r\n", body ? body_len : 0);
	if (body)
		strbuf_add(&req, body, body_len);
	for (size_t done = 0; done < req.len;) {
		ssize_t w = api.gnutls_record_send(s, req.buf + done, req.len - done);
		if ((w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED) &&
		    tls_wait(s, fd, deadline, cancel))
			continue;
		if (w < 0)
			goto out; /* cut: unreachable */
		done += (size_t)w;
	}
	/* The answer, to the end; a cancel or the deadline ends it as unreachable. */
	char buf[16384];
	for (;;) {
		ssize_t r = api.gnutls_record_recv(s, buf, sizeof(buf));
		if (r > 0) {
			strbuf_add(&in, buf, (size_t)r);
			if (in.len > REPLY_MAX)
				goto out;
			continue;
		}
		if (r == 0 || r == GNUTLS_E_PREMATURE_TERMINATION)
			break;
		if ((r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) &&
		    tls_wait(s, fd, deadline, cancel))
			continue;
		goto out;
	}
	if (!tls_parse_reply(in.buf, in.len, out))
		client_reply_release(out);
out:
	if (s) {
		api.gnutls_deinit(s);
	}
	if (cred)
		api.gnutls_certificate_free_credentials(cred);
	if (fd >= 0)
		close(fd);
	strbuf_release(&req);
	strbuf_release(&in);
	return ok;
}
