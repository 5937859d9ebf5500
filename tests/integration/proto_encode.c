/*
 * Write one answer of the protocol codecs to stdout, for tests/integration/proto_clients.py
 * to read with botocore's own parsers: "status\nheader: value...\n\nbody".
 *
 *	proto-encode SERVICE PROTOCOL OPERATION OUTPUT-JSON
 *	proto-encode SERVICE PROTOCOL OPERATION - CODE STATUS MESSAGE [FIELDS-JSON]
 *
 * PROTOCOL is enum proto_protocol's number.
 */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include "cloud/http/server.h"
#include "cloud/proto/proto.h"
int main(int argc, char **argv)
{
	if (argc < 5 || !proto_service_find(argv[1])) {
		fprintf(stderr, "usage: proto-encode SERVICE PROTOCOL OPERATION OUTPUT-JSON|- "
				"[CODE STATUS MESSAGE [FIELDS]]\n");
		return 2;
	}
	const struct proto_service *svc = proto_service_find(argv[1]);
	enum proto_protocol p = (enum proto_protocol)atoi(argv[2]);
	struct http_resp r;
	http_resp_init(&r);
	if (argc > 7) {
		struct aws_err e = { 0 };
		aws_err_set(&e, atoi(argv[6]), argv[5], "%s", argv[7]);
		if (argc > 8)
			e.fields = cJSON_Parse(argv[8]);
		proto_encode_error(svc, p, NULL, &e, "rid-1", &r);
		aws_err_release(&e);
	} else {
		cJSON *o = cJSON_Parse(argv[4]);
		proto_encode(svc, p, proto_op_find(svc, argv[3]), o, "rid-1", &r);
		cJSON_Delete(o);
	}
	printf("%d\n", r.status);
	/* As the server sends it: a Content-Type header of the output wins. */
	bool typed = false;
	for (int i = 0; i < r.nheaders; i++)
		typed = typed || strcasecmp(r.headers[i][0], "Content-Type") == 0;
	if (!typed)
		printf("content-type: %s\n", r.content_type ? r.content_type : "application/json");
	for (int i = 0; i < r.nheaders; i++)
		printf("%s: %s\n", r.headers[i][0], r.headers[i][1]);
	printf("\n");
	fwrite(r.body.buf ? r.body.buf : "", 1, r.body.len, stdout);
	http_resp_release(&r);
	return 0;
}
