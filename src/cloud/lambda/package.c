/*
 * Deployment packages from a request: inline bytes or an S3 object.
 */
#include <cjson/cJSON.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cloud/http/aws.h"
#include "cloud/lambda/package.h"
#include "cloud/lambda/validate.h"
#include "cloud/svc/svc.h"
#include "core/digest.h"

static const char *member(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static bool too_large(const char *op, struct aws_err *err)
{
	return aws_err_set(err, 413, "RequestEntityTooLargeException",
			   "Request must be smaller than %d bytes for the %s operation",
			   LAMBDA_CREATE_BODY_MAX, op);
}

static bool from_s3(struct cloud *c, const struct svc_caller *caller, const cJSON *src,
		    const char *op, unsigned char **zip, size_t *len, struct aws_err *err)
{
	const char *bucket = member(src, "S3Bucket"), *key = member(src, "S3Key");
	const char *version = member(src, "S3ObjectVersion");
	if (!bucket || !key || !bucket[0] || !key[0])
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "Please provide a source for function code: both S3Bucket and "
				   "S3Key");
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "Bucket", bucket);
	cJSON_AddStringToObject(in, "Key", key);
	if (version && version[0])
		cJSON_AddStringToObject(in, "VersionId", version);
	struct aws_err s3err = { 0 };
	cJSON *out = svc_call_internal(c, caller, "s3", "GetObject", in, &s3err);
	cJSON_Delete(in);
	bool ok = false;
	if (!out) {
		aws_err_set(
			err, 400, "InvalidParameterValueException",
			"Error occurred while GetObject. S3 Error Code: %s. S3 Error Message: %s",
			s3err.code, s3err.message);
		goto done;
	}
	const char *body = member(out, "Body");
	if (!body)
		body = "";
	if (strlen(body) / 4 * 3 > (size_t)LAMBDA_UNZIPPED_MAX) {
		aws_err_set(err, 400, "InvalidParameterValueException",
			    "Unzipped size must be smaller than %lld bytes", LAMBDA_UNZIPPED_MAX);
		goto done;
	}
	*zip = aws_base64_decode(body, strlen(body), len);
	if (!*zip)
		aws_err_set(err, 500, "ServiceException", "S3 returned a body %s cannot read", op);
	ok = *zip != NULL;
done:
	cJSON_Delete(out);
	aws_err_release(&s3err);
	return ok;
}

bool lambda_package_read(struct cloud *c, const struct svc_caller *caller, const cJSON *src,
			 const char *op, unsigned char **zip, size_t *len, struct aws_err *err)
{
	*zip = NULL;
	*len = 0;
	const char *b64 = member(src, "ZipFile");
	if (b64) {
		if (strlen(b64) / 4 * 3 > (size_t)LAMBDA_ZIP_MAX + 2)
			return too_large(op, err);
		*zip = aws_base64_decode(b64, strlen(b64), len);
		if (!*zip)
			return aws_err_set(
				err, 400, "InvalidParameterValueException",
				"Could not unzip uploaded file. Please check your file, "
				"then try to upload again. (ZipFile is not valid base64)");
		if ((long long)*len > LAMBDA_ZIP_MAX) {
			free(*zip);
			*zip = NULL;
			return too_large(op, err);
		}
		return true;
	}
	if (member(src, "S3Bucket") || member(src, "S3Key"))
		return from_s3(c, caller, src, op, zip, len, err);
	return aws_err_set(err, 400, "InvalidParameterValueException",
			   "Please provide a source for function code: ZipFile, or S3Bucket and "
			   "S3Key");
}

void lambda_package_sha256(const void *data, size_t len, char b64[48], char hex[65])
{
	unsigned char md[SHA256_LEN];
	sha256(data, len, md);
	char *s = aws_base64_encode(md, sizeof(md));
	snprintf(b64, 48, "%s", s);
	free(s);
	for (int i = 0; i < SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static long long tree_bytes;

static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F && S_ISREG(st->st_mode))
		tree_bytes += (long long)st->st_size;
	return 0;
}

long long lambda_package_tree_size(const char *dir)
{
	/* nftw has no context argument: the walk is serialised. */
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&mu);
	tree_bytes = 0;
	nftw(dir, add_size, 16, FTW_PHYS);
	long long n = tree_bytes;
	pthread_mutex_unlock(&mu);
	return n;
}
