/*
 * Decoding and encoding, dispatched to each protocol's codec.
 */
#include "cloud/proto/proto.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "cloud/http/server.h"
#include "cloud/proto/model.h"

enum proto_protocol proto_sniff(const struct proto_service *svc, const struct proto_req *req)
{
	return (enum proto_protocol)svc->protocol;
}

bool proto_decode(const struct proto_service *svc, const struct proto_req *req,
		  const char *const *unchecked, struct proto_decoded *out, struct aws_err *err)
{
	memset(out, 0, sizeof(*out));
	out->protocol = proto_sniff(svc, req);
	return aws_err_set(err, 501, "NotImplemented", "decoding %s is not written yet",
			   proto_protocol_name(out->protocol));
}

void proto_decoded_release(struct proto_decoded *out)
{
	cJSON_Delete(out->input);
	memset(out, 0, sizeof(*out));
}

bool proto_validate(const struct proto_service *svc, enum proto_protocol p,
		    const struct proto_op *op, const struct cJSON *input,
		    const char *const *unchecked, struct aws_err *err)
{
	return true;
}

void proto_encode(const struct proto_service *svc, enum proto_protocol p, const struct proto_op *op,
		  const struct cJSON *output, const char *request_id, struct http_resp *resp)
{
	resp->status = 501;
	strbuf_reset(&resp->body);
	strbuf_addstr(&resp->body, "{\"message\":\"encoding is not written yet\"}");
}

void proto_encode_error(const struct proto_service *svc, enum proto_protocol p,
			const struct proto_op *op, const struct aws_err *err,
			const char *request_id, struct http_resp *resp)
{
	resp->status = err->status;
	strbuf_reset(&resp->body);
	strbuf_addf(&resp->body, "{\"__type\":\"%s\"}", err->code);
}
