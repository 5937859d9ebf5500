/*
 * What the protocol codecs share inside cloud/proto/: member look-ups, scalar conversions
 * between text and the decoded form, timestamps in AWS's three formats, and the codecs'
 * entry points that proto.c dispatches to. Not for use outside cloud/proto/.
 */
#ifndef CLOUD_PROTO_CODEC_H
#define CLOUD_PROTO_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/proto/model.h"
#include "core/strbuf.h"

struct cJSON;
struct http_resp;

/* The member of structure s named name in the model (bsearch), or NULL. */
const struct proto_member *codec_member(const struct proto_shape *s, const char *name);
/* The member of s whose wire name (query: qwire) is name[0..len), or NULL. */
const struct proto_member *codec_member_wire(const struct proto_shape *s, const char *name,
					     size_t len, bool query);
/* A member's name on the wire: wire (or qwire), else its model name, else dflt. */
const char *codec_wire(const struct proto_member *m, bool query, const char *dflt);

/* The timestamp format of member m (may be NULL) of shape s at a location in protocol p. */
enum proto_ts codec_ts_format(enum proto_protocol p, const struct proto_member *m,
			      const struct proto_shape *s, enum proto_location loc);
/* Parse a timestamp written as epoch seconds, ISO 8601 or an HTTP date. */
bool codec_time_parse(const char *text, double *out);
/* Append t (epoch seconds) in format f (PM_TS_DEFAULT is not allowed). */
void codec_time_format(struct strbuf *sb, double t, enum proto_ts f);

/*
 * A scalar of shape s from text (a header, a query argument, XML text, a URI label): a
 * cJSON string, number or boolean; a timestamp as epoch seconds; a blob stays base64 text.
 * Returns NULL when the text does not fit the type.
 */
struct cJSON *codec_scalar_from_text(const struct proto_shape *s, const char *text);
/* Append the scalar v of shape s as text (headers, query, XML) with timestamp format f. */
void codec_scalar_text(struct strbuf *sb, const struct proto_shape *s, const struct cJSON *v,
		       enum proto_ts f);
/* Append s as a JSON string literal. */
void codec_json_string(struct strbuf *sb, const char *s);
/* Append a number as JSON prints it (integers without a fraction). */
void codec_json_number(struct strbuf *sb, double d);
/* Append s with XML's five characters escaped. */
void codec_xml_escape(struct strbuf *sb, const char *s);
/*
 * The same for an error's message or fields, which XML 1.0 parsers (botocore's) must read:
 * a control character it forbids, even as a reference, becomes U+FFFD.
 */
void codec_xml_escape_message(struct strbuf *sb, const char *s);
/* Whether s is base64 (RFC 4648, padding optional). */
bool codec_is_base64(const char *s);

/* The decoding of one request, shared by the codecs. */
struct codec_ctx {
	const struct proto_service *svc;
	enum proto_protocol p;
	const struct proto_op *op;
	struct aws_err *err;
};

/* A SerializationException (JSON protocols) or the protocol's own malformed-body error. */
bool codec_bad_body(struct codec_ctx *cx, const char *fmt, ...) XALLOC_PRINTF(2, 3);

/*
 * Convert a JSON value received for shape s in place into the decoded form (member names,
 * timestamps as numbers, unknown members dropped). rest selects the members that travel in
 * the body only. Returns false with cx->err filled (SerializationException).
 */
bool codec_json_in(struct codec_ctx *cx, const struct proto_shape *s, struct cJSON *v, bool rest);
/* Append v (decoded form) as JSON for shape s; rest: the members that travel in the body. */
void codec_json_out(struct strbuf *sb, enum proto_protocol p, const struct proto_shape *s,
		    const struct cJSON *v, bool rest);

/* The codecs: decode the operation's input (op known), encode its output. */
bool codec_rest_match(struct codec_ctx *cx, const struct proto_req *req);
bool codec_rest_decode(struct codec_ctx *cx, const struct proto_req *req, struct cJSON **out);
void codec_rest_encode(const struct proto_service *svc, enum proto_protocol p,
		       const struct proto_op *op, const struct cJSON *output,
		       struct http_resp *resp);
bool codec_query_decode(struct codec_ctx *cx, const struct proto_req *req, struct cJSON **out);
void codec_query_encode(const struct proto_service *svc, const struct proto_op *op,
			const struct cJSON *output, const char *request_id, struct http_resp *resp);
bool codec_xml_in(struct codec_ctx *cx, const struct proto_shape *s, const char *body, size_t len,
		  struct cJSON **out);
void codec_xml_out(struct strbuf *sb, const struct proto_shape *s, const struct cJSON *v,
		   const char *name, const char *xmlns);
/* The query protocol's result members of s, inside <OpResult>. */
void codec_query_result(struct strbuf *sb, const struct proto_shape *s, const struct cJSON *v);
bool codec_cbor_decode(struct codec_ctx *cx, const struct proto_req *req, struct cJSON **out);
void codec_cbor_encode(const struct proto_shape *s, const struct cJSON *v, struct strbuf *out);
void codec_cbor_error(const char *code, const char *message, const struct cJSON *fields,
		      struct strbuf *out);

/* Java-style regular expressions of the models, matched whole (regex.c). */
bool codec_regex_match(const char *pattern, const char *s);

#endif
