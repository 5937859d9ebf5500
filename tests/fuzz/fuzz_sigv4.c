/*
 * Fuzz SigV4 verification (auth_verify with core/sigv4.c) and S3's aws-chunked decoder: what
 * the cloud reads from every request before any service sees it. The bytes are a request:
 * "METHOD PATH?QUERY" on the first line, then header lines "Name: value" up to an empty
 * line, then a body, which is also decoded as aws-chunked, whole and in pieces. Seeds are
 * requests the AWS CLI, boto3, curl and the SDK for JavaScript sign, presigned URLs, chunked
 * uploads, and broken ones.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/auth/auth.h"
#include "cloud/http/chunked.h"
#include "cloud/http/server.h"
#include "core/sigv4.h"
#include "core/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 32

static struct auth *keys;

static void collect(void *ctx, const char *data, size_t len)
{
	strbuf_add(ctx, data, len);
}

/* Decoding the same bytes in one piece or in small ones gives the same data and chunks. */
static void check_chunked(const char *body, size_t len)
{
	struct chunked one, many;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	chunked_init(&one);
	chunked_init(&many);
	chunked_feed(&one, body, len, collect, &a);
	for (size_t i = 0; i < len; i += 7)
		chunked_feed(&many, body + i, len - i < 7 ? len - i : 7, collect, &b);
	if (chunked_done(&one) != chunked_done(&many) || (!one.bad && a.len != b.len) ||
	    (!one.bad && a.len && memcmp(a.buf, b.buf, a.len) != 0) ||
	    (!one.bad && one.decoded != a.len))
		abort();
	if (chunked_done(&one) && (one.n != many.n || one.n == 0))
		abort();
	chunked_release(&one);
	chunked_release(&many);
	strbuf_release(&a);
	strbuf_release(&b);
}

static void check_parsers(const char *line)
{
	struct sigv4_auth a;
	char why[300];
	if (sigv4_parse_authorization(line, &a, why, sizeof(why))) {
		if (strlen(a.signature) != 64 || strlen(a.date) != 8 || !a.access_key[0] ||
		    !a.region[0] || !a.service[0])
			abort();
	}
	struct strbuf sb = STRBUF_INIT;
	sigv4_canonical_query(&sb, line, true);
	for (size_t i = 0; i < sb.len; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%&=",
			    sb.buf[i]))
			abort();
	strbuf_reset(&sb);
	sigv4_canonical_uri(&sb, line, false);
	strbuf_reset(&sb);
	sigv4_canonical_uri(&sb, line, true);
	strbuf_release(&sb);
	long long t;
	sigv4_parse_time(line, &t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!keys) {
		struct error err;
		keys = auth_new(NULL, NULL, &err);
		auth_add_key(keys, "111122223333", "AKIDEXAMPLE",
			     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
	}
	char *text = xstrndup((const char *)data, size);
	char *lines[MAX_LINES];
	size_t n = 0;
	char *body = NULL;
	for (char *p = text; p && n < MAX_LINES;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (n > 0 && !p[0]) {
			body = nl ? nl + 1 : NULL;
			break;
		}
		lines[n++] = p;
		p = nl ? nl + 1 : NULL;
	}
	for (size_t i = 0; i < n; i++)
		check_parsers(lines[i]);
	if (n > 0) {
		char *target = strchr(lines[0], ' ');
		if (target)
			*target++ = '\0';
		else
			target = (char *)"/";
		char *q = strchr(target, '?');
		if (q)
			*q++ = '\0';
		struct sigv4_header hs[MAX_LINES];
		size_t nh = 0;
		for (size_t i = 1; i < n; i++) {
			char *colon = strchr(lines[i], ':');
			if (!colon)
				continue;
			*colon = '\0';
			hs[nh].name = lines[i];
			hs[nh++].value = colon + 1 + (colon[1] == ' ');
		}
		struct http_req req = {
			.method = lines[0],
			.path = target,
			.raw_path = target,
			.raw_query = q ? q : "",
			.body = body ? body : "",
			.body_len = body ? strlen(body) : 0,
			.body_sha256 = "",
			.fake_headers = hs,
			.n_fake_headers = nh,
		};
		static const char *const services[] = { "s3", "sqs", "lambda", "logs" };
		for (size_t s = 0; s < 4; s++) {
			struct svc_caller caller;
			struct aws_err err = { 0 };
			if (!auth_verify(keys, &req, services[s], &caller, &err)) {
				if (!err.status || !err.code[0] || !err.message[0])
					abort();
			} else if (strcmp(caller.account, "111122223333") != 0) {
				abort();
			}
			cJSON_Delete(err.fields);
		}
	}
	if (body)
		check_chunked(body, strlen(body));
	check_chunked((const char *)data, size);
	free(text);
	return 0;
}
