/*
 * Fuzz the AWS protocol codecs (cloud/proto/): the operation lookup and the decoders of all
 * five protocols, then the encoding of the error or of the decoded input. The input is the
 * service's name on a line of its own, then a request as tests/proto_http.h reads it. A
 * request must decode into an object, or fail with an AWS error (a code, a 4xx/5xx status)
 * that every protocol can write.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/http/server.h"
#include "cloud/proto/proto.h"
#include "proto_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void encode_all(const struct proto_service *svc, const struct proto_op *op,
		       const struct aws_err *err, const cJSON *output)
{
	for (int p = PROTO_REST_JSON; p <= PROTO_CBOR; p++) {
		struct http_resp r;
		http_resp_init(&r);
		if (err)
			proto_encode_error(svc, (enum proto_protocol)p, op, err, "rid", &r);
		else if (op)
			proto_encode(svc, (enum proto_protocol)p, op, output, "rid", &r);
		if (r.status < 100 || r.status > 599)
			abort();
		http_resp_release(&r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	if (!nl || nl - (const char *)data > 40)
		return 0;
	char name[41];
	memcpy(name, data, (size_t)(nl - (const char *)data));
	name[nl - (const char *)data] = '\0';
	const struct proto_service *svc = proto_service_find(name);
	if (!svc)
		svc = proto_service_at((unsigned char)name[0] % proto_service_count());
	size_t rest = size - (size_t)(nl + 1 - (const char *)data);
	struct proto_http h;
	if (proto_http_parse(&h, nl + 1, rest)) {
		const char *target = proto_req_header(&h.req, "X-Amz-Target");
		if (target)
			proto_service_for_target(target);
		proto_service_for_cbor_path(h.req.path);
		struct proto_decoded d;
		struct aws_err err = { 0 };
		if (proto_decode(svc, &h.req, NULL, &d, &err)) {
			if (!cJSON_IsObject(d.input) || !d.op)
				abort();
			/* The input, answered as if it were the output: every encoder must cope
			 * with members it does not expect. */
			encode_all(svc, d.op, NULL, d.input);
		} else {
			if (!err.code[0] || err.status < 400 || err.status > 599)
				abort();
			encode_all(svc, d.op, &err, NULL);
		}
		proto_decoded_release(&d);
		aws_err_release(&err);
	}
	proto_http_release(&h);
	return 0;
}
