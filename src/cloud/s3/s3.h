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

struct cloud;
struct cJSON;

#define S3_LOOP_LIMIT 16

/* The folder spooled bodies go to (on the objects' file system). Caller frees. */
char *s3_spool_dir(struct cloud *c);
/* Whether the server should spool this request's body to a file: S3 object uploads. */
bool s3_wants_spool(void *ctx, const char *method, const char *url);
/* Serve an S3 request (path-style: the router's last resort). */
void s3_api(struct cloud *c, const char *account, const struct http_req *req,
	    struct http_resp *resp);

/* notify.c */
/*
 * Parse a NotificationConfiguration document into its JSON form
 * {"Lambda":[{"Id","Arn","Events":[...],"Prefix","Suffix"}],"Queue":[...],"Topic":[...]}.
 * NULL with a message in msg (n bytes) and *code set ("MalformedXML", "InvalidArgument")
 * when it is not one. Caller deletes.
 */
struct cJSON *s3_notify_parse(const char *xml, size_t len, const char **code, char *msg, size_t n);
/* Append the configuration's XML form (GetBucketNotificationConfiguration's body). */
void s3_notify_xml(const struct cJSON *conf, struct strbuf *sb);
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
