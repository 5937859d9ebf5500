/*
 * A deployment package as Lambda's operations name it: the zip's bytes (ZipFile, base64 in the
 * decoded request) or an object in S3 (S3Bucket, S3Key, S3ObjectVersion), which is read through
 * the service table as Lambda reads it from S3. Functions' Code and layers' Content share it.
 */
#ifndef CLOUD_LAMBDA_PACKAGE_H
#define CLOUD_LAMBDA_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>

struct aws_err;
struct cJSON;
struct cloud;
struct svc_caller;

/*
 * Read the zip that src describes (a FunctionCode or LayerVersionContentInput object), at most
 * LAMBDA_ZIP_MAX bytes for ZipFile. On success *zip (caller frees) and *len are set. On failure
 * err holds Lambda's error: no source, bad base64, S3's error as Lambda words it, too large.
 */
bool lambda_package_read(struct cloud *c, const struct svc_caller *caller, const struct cJSON *src,
			 const char *op, unsigned char **zip, size_t *len, struct aws_err *err);

/* The SHA-256 of data: base64 (45 bytes with NUL) as CodeSha256, and hex (65 bytes). */
void lambda_package_sha256(const void *data, size_t len, char b64[48], char hex[65]);

/* Bytes held by the files under dir (not following links). 0 when it does not exist. */
long long lambda_package_tree_size(const char *dir);

#endif
