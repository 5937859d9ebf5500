/*
 * What SQS, SNS and ELBv2 share: the query protocol (form-encoded parameters in, XML out,
 * AWS's ErrorResponse), MD5 digests as SQS computes them, and attribute-map helpers.
 */
#ifndef CLOUD_QUERY_QUERY_H
#define CLOUD_QUERY_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/http/server.h"
#include "core/strbuf.h"

struct cJSON;

/*
 * Parse a form-encoded body into a tree: "A.1.B=x&C=y" becomes {"A":{"1":{"B":"x"}},"C":"y"}.
 * Returns NULL when the body is not form-encoded text (a bad %-escape, a NUL, a key that is
 * empty). Caller deletes.
 */
struct cJSON *query_parse_form(const char *body, size_t len);
/*
 * Fold the tree's numbered members into the JSON protocol's shapes (in place):
 * list (name "AttributeName" -> "AttributeNames": ["a","b"]),
 * map (name "Attribute", key "Name", value "Value" -> "Attributes": {"a":"b"}),
 * objects (name "SendMessageBatchRequestEntry" -> to "Entries": [{...}]).
 * A member with no numbered children is left as it was.
 */
void query_fold_list(struct cJSON *tree, const char *name, const char *to);
void query_fold_map(struct cJSON *tree, const char *name, const char *key, const char *value,
		    const char *to);
void query_fold_objects(struct cJSON *tree, const char *name, const char *to);
/* For SNS's "X.member.N" and "X.entry.N": step into the middle level first. */
struct cJSON *query_child(struct cJSON *tree, const char *name);

/* Append s with &, <, >, ", ' escaped. */
void query_xml_escape(struct strbuf *sb, const char *s);
/* Append <tag>escaped text</tag>. */
void query_xml_text(struct strbuf *sb, const char *tag, const char *text);
/* The request id already set on resp (x-amzn-RequestId). Borrowed; "" when none. */
const char *query_request_id(const struct http_resp *resp);
/*
 * Start "<ActionResponse xmlns=...><ActionResult>" (with_result) and finish with
 * "</ActionResult><ResponseMetadata><RequestId>...</RequestId></ResponseMetadata>
 * </ActionResponse>". Sets the content type to text/xml.
 */
void query_xml_begin(struct http_resp *resp, const char *xmlns, const char *action,
		     bool with_result);
void query_xml_end(struct http_resp *resp, const char *action, bool with_result);
/*
 * A query-protocol error: <ErrorResponse xmlns=...><Error><Type>Sender|Receiver</Type>
 * <Code>code</Code><Message>...</Message><Detail/></Error><RequestId>...</RequestId>
 * </ErrorResponse>. Replaces whatever resp held.
 */
void query_error(struct http_resp *resp, const char *xmlns, int status, const char *code,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Lowercase hex MD5 of data into out (33 bytes). */
void query_md5_hex(const void *data, size_t len, char out[33]);
/*
 * MD5OfMessageAttributes as SQS computes it over {"Name":{"DataType":..,"StringValue":..|
 * "BinaryValue":base64}} (names sorted; each field length-prefixed, big-endian; transport
 * type 1 for String/Number, 2 for Binary). out gets "" when attrs is NULL or empty.
 */
void query_md5_attrs(const struct cJSON *attrs, char out[33]);

/* An integer member given as a number (JSON) or a decimal string (query). */
bool query_int(const struct cJSON *o, const char *name, long long *out, bool *given);
/* A string member, or NULL. */
const char *query_str(const struct cJSON *o, const char *name);

/*
 * The parameters of a query-protocol request (a form body with an Action), or NULL after
 * answering the protocol's error (RequestEntityTooLarge, MalformedQueryString,
 * MissingAction) with xmlns. Caller deletes.
 */
struct cJSON *query_request_params(const struct http_req *req, const char *xmlns,
				   struct http_resp *resp);

#endif
