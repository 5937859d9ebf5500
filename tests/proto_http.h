/*
 * Requests as AWS clients sent them, read back from the test data in
 * tests/unit/fixtures/proto/: "METHOD /path?query", the headers, a blank line, the body.
 * For the codec tests, the fuzz target and the benchmark. Header-only.
 */
#ifndef TESTS_PROTO_HTTP_H
#define TESTS_PROTO_HTTP_H

#include <stdlib.h>
#include <string.h>

#include "cloud/proto/proto.h"
#include "core/xalloc.h"

struct proto_http {
	struct proto_req req;
	char *buf;              /* the text, cut in place */
	struct proto_kv kv[64]; /* headers, then query arguments */
	char *decoded[160];     /* the decoded path and query strings */
	size_t ndecoded;
};

static int proto_http_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..n) as the server does ("+" a space in query arguments). */
static char *proto_http_unescape(struct proto_http *h, const char *s, size_t n, bool plus)
{
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		int a, b;
		if (s[i] == '%' && i + 2 < n && (a = proto_http_hex(s[i + 1])) >= 0 &&
		    (b = proto_http_hex(s[i + 2])) >= 0) {
			*o++ = (char)(a << 4 | b);
			i += 2;
		} else {
			*o++ = plus && s[i] == '+' ? ' ' : s[i];
		}
	}
	*o = '\0';
	if (h->ndecoded < sizeof(h->decoded) / sizeof(*h->decoded))
		h->decoded[h->ndecoded++] = out;
	return out;
}

/* Parse len bytes of data (copied) into h. Returns false when it is no request. */
static bool proto_http_parse(struct proto_http *h, const char *data, size_t len)
{
	memset(h, 0, sizeof(*h));
	h->buf = xmalloc(len + 1);
	memcpy(h->buf, data, len);
	h->buf[len] = '\0';
	char *end = h->buf + len;
	char *nl = memchr(h->buf, '\n', len);
	char *sp = memchr(h->buf, ' ', len);
	if (!nl || !sp || sp > nl)
		return false;
	*sp = *nl = '\0';
	h->req.method = h->buf;
	char *target = sp + 1, *q = strchr(target, '?');
	h->req.path =
		proto_http_unescape(h, target, q ? (size_t)(q - target) : strlen(target), false);
	size_t nkv = 0;
	char *p = nl + 1;
	while (p < end && *p != '\n' && nkv < 48) {
		char *eol = memchr(p, '\n', (size_t)(end - p));
		char *colon = memchr(p, ':', eol ? (size_t)(eol - p) : (size_t)(end - p));
		if (!eol || !colon)
			return false;
		*eol = *colon = '\0';
		h->kv[nkv].name = p;
		h->kv[nkv].value = colon + 1 + (colon[1] == ' ');
		nkv++;
		p = eol + 1;
	}
	h->req.headers = h->kv;
	h->req.nheaders = nkv;
	if (p < end && *p == '\n')
		p++;
	h->req.body = p;
	h->req.body_len = (size_t)(end - p);
	h->req.query = h->kv + nkv;
	while (q && *++q && nkv < 64) {
		size_t n = strcspn(q, "&");
		char *eq = memchr(q, '=', n);
		h->kv[nkv].name = proto_http_unescape(h, q, eq ? (size_t)(eq - q) : n, true);
		h->kv[nkv].value =
			eq ? proto_http_unescape(h, eq + 1, n - (size_t)(eq - q) - 1, true) : "";
		nkv++;
		h->req.nquery++;
		q += n;
		if (!*q)
			break;
	}
	return true;
}

static void proto_http_release(struct proto_http *h)
{
	for (size_t i = 0; i < h->ndecoded; i++)
		free(h->decoded[i]);
	free(h->buf);
	memset(h, 0, sizeof(*h));
}

#endif
