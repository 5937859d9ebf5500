/*
 * The protocol codecs' cost per request, for bench/proto_decode.sh: decode and validate a
 * captured request (tests/unit/fixtures/proto/) N times and print the median and p90 in
 * microseconds, then the same for encoding the decoded input back as the operation's answer.
 *
 *	proto-bench SERVICE FILE [N]
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/http/server.h"
#include "cloud/proto/proto.h"
#include "cloud/svc/svc.h"
#include "core/path.h"
#include "proto_http.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void report(const char *what, double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%-28s median %7.2f us   p90 %7.2f us\n", what, t[n / 2], t[n * 9 / 10]);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: proto-bench SERVICE FILE [N]\n");
		return 2;
	}
	const struct proto_service *svc = proto_service_find(argv[1]);
	int n = argc > 3 ? atoi(argv[3]) : 20000;
	struct error e;
	size_t len;
	char *data = path_read_file(argv[2], 0, &len, &e);
	struct proto_http h;
	if (!svc || !data || n < 10 || !proto_http_parse(&h, data, len)) {
		fprintf(stderr, "proto-bench: cannot read %s for %s\n", argv[2], argv[1]);
		return 1;
	}
	double *t = xcalloc((size_t)n, sizeof(*t));
	struct proto_decoded d;
	struct aws_err err = { 0 };
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		bool ok = proto_decode(svc, &h.req, NULL, &d, &err);
		t[i] = now_us() - t0;
		if (!ok) {
			fprintf(stderr, "proto-bench: %s: %s\n", err.code, err.message);
			return 1;
		}
		if (i < n - 1)
			proto_decoded_release(&d);
	}
	printf("%s %s, %zu-byte body, %d runs\n", proto_op_name(d.op),
	       proto_protocol_name(d.protocol), h.req.body_len, n);
	report("decode + validate", t, n);
	for (int i = 0; i < n; i++) {
		struct http_resp r;
		http_resp_init(&r);
		double t0 = now_us();
		proto_encode(svc, d.protocol, d.op, d.input, "request-id", &r);
		t[i] = now_us() - t0;
		http_resp_release(&r);
	}
	report("encode (input as answer)", t, n);
	/* The router's check that the handler acts on every member set (svc_members_check). */
	const struct cloud_service *row = svc_find(argv[1]);
	for (int i = 0; row && i < n; i++) {
		double t0 = now_us();
		bool fine = svc_members_check(row, proto_op_name(d.op), d.input, &err);
		t[i] = now_us() - t0;
		if (!fine) {
			fprintf(stderr, "proto-bench: %s\n", err.message);
			return 1;
		}
	}
	if (row)
		report("members check", t, n);
	proto_decoded_release(&d);
	proto_http_release(&h);
	free(data);
	free(t);
	return 0;
}
