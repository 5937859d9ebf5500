/*
 * Amazon S3 in the local cloud (rest-xml, path-style addressing: /BUCKET/KEY): buckets and
 * objects on disk under <workspace>/.cloud/s3/<account>/<bucket>/, each object in a file of a
 * random name with its key, ETag, type and metadata in the cloud's database, so that no key
 * ("../x", "/etc/passwd", anything) names a path. Large PUT bodies arrive spooled to a file
 * (http_server_spool) and are renamed into place. Bucket notifications (Lambda, SQS, SNS)
 * deliver AWS's S3 event records; a function that writes back into the bucket that triggered
 * it is stopped after S3_LOOP_LIMIT hops, as Lambda's recursive loop detection does.
 */
#ifndef CLOUD_S3_S3_H
#define CLOUD_S3_S3_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/events.h"
#include "cloud/http/server.h"
#include "core/error.h"
#include "core/strbuf.h"

struct cloud;
struct cJSON;

#define S3_LOOP_LIMIT 16
/* The largest object a single PUT may upload (5 GiB); larger ones need a multipart upload. */
#define S3_PUT_MAX (5ULL << 30)
/* The longest key, in bytes of UTF-8. */
#define S3_KEY_MAX 1024

/* The folder spooled bodies go to (on the objects' file system). Caller frees. */
char *s3_spool_dir(struct cloud *c);
/* Whether the server should spool this request's body to a file: S3 object uploads (not an
 * object's subresources, such as ?tagging, whose small documents the codecs read). */
bool s3_wants_spool(void *ctx, const char *method, const char *url, const char *query);
/*
 * Look at an S3 request's headers before its body is read (http_server_precheck): a PUT
 * declaring more than S3_PUT_MAX is refused with EntityTooLarge, its body never read.
 */
void s3_precheck(struct cloud *c, const struct http_req *req, struct http_resp *resp);

/* names.c */
/* Whether b follows AWS's general purpose bucket naming rules; if not, why in why (n bytes). */
bool s3_bucket_name_ok(const char *b, char *why, size_t n);
/*
 * Percent-decode a name (len bytes of a request target or a copy source) into out, exactly:
 * false with *why set when an escape is malformed or the result holds U+0000 or bytes that
 * are not UTF-8, which S3 names never hold here (nothing is cut or replaced).
 */
bool s3_name_decode(const char *raw, size_t len, struct strbuf *out, const char **why);

/* notify.c */
/*
 * Parse a NotificationConfiguration document into its JSON form
 * {"Lambda":[{"Id","Arn","Events":[...],"Prefix","Suffix"}],"Queue":[...],"Topic":[...]}.
 * NULL with a message in msg (n bytes) and *code set ("MalformedXML", "InvalidArgument")
 * when it is not one. Caller deletes.
 */
struct cJSON *s3_notify_parse(const char *xml, size_t len, const char **code, char *msg, size_t n);
/* The same from the model's NotificationConfiguration shape (another service's request). */
struct cJSON *s3_notify_from_model(const struct cJSON *nc, const char **code, char *msg, size_t n);
/* The configuration in the model's shape: NotificationConfiguration, or (deprecated) the
 * older form GetBucketNotification answers, one configuration of each kind. Caller deletes. */
struct cJSON *s3_notify_to_model(const struct cJSON *conf, bool deprecated);
/*
 * Check every destination exists and (for functions) that its resource policy lets
 * s3.amazonaws.com invoke it for this bucket. False with the failing ARNs in msg.
 */
bool s3_notify_validate(struct cloud *c, const char *account, const char *bucket,
			const struct cJSON *conf, char *msg, size_t n);
/*
 * Deliver the change to the bucket's matching destinations (conf may be NULL). Functions get
 * an asynchronous invocation; a chain of S3_LOOP_LIMIT functions writing into buckets that
 * invoke them again is stopped and logged.
 */
void s3_notify_deliver(struct cloud *c, const struct cJSON *conf, const struct s3_change *ch);
#endif
