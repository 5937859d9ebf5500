/*
 * S3's additional checksums (CRC32, CRC32C, SHA1, SHA256): what an upload asks for, in a
 * x-amz-checksum-* header, in the trailer of an aws-chunked body, or by x-amz-sdk-checksum-
 * algorithm alone, checked against the body as stored, as S3 checks it.
 */
#include "cloud/s3/checksum.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cloud/http/aws.h"
#include "cloud/svc/svc.h"
#include "core/digest.h"
#include "core/xalloc.h"

static const struct {
	const char *alg;    /* x-amz-sdk-checksum-algorithm's value */
	const char *member; /* the model's member */
	const char *header; /* and its header */
	size_t len;         /* bytes of the digest */
} sums[S3_SUM_N] = {
	{ "CRC32", "ChecksumCRC32", "x-amz-checksum-crc32", 4 },
	{ "CRC32C", "ChecksumCRC32C", "x-amz-checksum-crc32c", 4 },
	{ "SHA1", "ChecksumSHA1", "x-amz-checksum-sha1", SHA1_LEN },
	{ "SHA256", "ChecksumSHA256", "x-amz-checksum-sha256", SHA256_LEN },
};

const char *s3_sum_member(enum s3_sum k)
{
	return sums[k].member;
}

int s3_sum_of(const char *alg)
{
	for (int k = 0; alg && k < S3_SUM_N; k++)
		if (strcasecmp(alg, sums[k].alg) == 0 || strcmp(alg, sums[k].member) == 0)
			return k;
	return -1;
}

const char *s3_sum_name(enum s3_sum k)
{
	return sums[k].alg;
}

/* Checksum k of len bytes of data, raw, into md (sums[k].len bytes). */
static void sum_bytes(enum s3_sum k, const void *data, size_t len, unsigned char *md)
{
	if (k == S3_SUM_SHA1) {
		struct sha1 s;
		sha1_init(&s);
		sha1_update(&s, data, len);
		sha1_final(&s, md);
		return;
	}
	if (k == S3_SUM_SHA256) {
		struct sha256 s;
		sha256_init(&s);
		sha256_update(&s, data, len);
		sha256_final(&s, md);
		return;
	}
	uint32_t crc = k == S3_SUM_CRC32 ? crc32_update(0, data, len) : crc32c_update(0, data, len);
	md[0] = (unsigned char)(crc >> 24);
	md[1] = (unsigned char)(crc >> 16);
	md[2] = (unsigned char)(crc >> 8);
	md[3] = (unsigned char)crc;
}

bool s3_sum_composite(enum s3_sum k, const char *const *parts, size_t n, char out[S3_SUM_COMPOSITE])
{
	unsigned char *all = xmalloc(n * sums[k].len + 1);
	for (size_t i = 0; i < n; i++) {
		size_t got = 0;
		unsigned char *raw =
			parts[i] ? aws_base64_decode(parts[i], strlen(parts[i]), &got) : NULL;
		if (!raw || got != sums[k].len) {
			free(raw);
			free(all);
			return false;
		}
		memcpy(all + i * sums[k].len, raw, got);
		free(raw);
	}
	unsigned char md[SHA256_LEN];
	sum_bytes(k, all, n * sums[k].len, md);
	free(all);
	char *b64 = aws_base64_encode(md, sums[k].len);
	snprintf(out, S3_SUM_COMPOSITE, "%s-%zu", b64, n);
	free(b64);
	return true;
}

bool s3_sum_file(const char *path, enum s3_sum k, char out[S3_SUM_B64])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	uint32_t crc = 0;
	struct sha1 s1;
	struct sha256 s256;
	sha1_init(&s1);
	sha256_init(&s256);
	char *buf = xmalloc(1 << 20);
	ssize_t n;
	while ((n = read(fd, buf, 1 << 20)) > 0) {
		switch (k) {
		case S3_SUM_CRC32:
			crc = crc32_update(crc, buf, (size_t)n);
			break;
		case S3_SUM_CRC32C:
			crc = crc32c_update(crc, buf, (size_t)n);
			break;
		case S3_SUM_SHA1:
			sha1_update(&s1, buf, (size_t)n);
			break;
		case S3_SUM_SHA256:
			sha256_update(&s256, buf, (size_t)n);
			break;
		case S3_SUM_N:
			abort();
		}
	}
	free(buf);
	close(fd);
	if (n < 0)
		return false;
	unsigned char md[SHA256_LEN];
	if (k == S3_SUM_SHA1) {
		sha1_final(&s1, md);
	} else if (k == S3_SUM_SHA256) {
		sha256_final(&s256, md);
	} else {
		md[0] = (unsigned char)(crc >> 24);
		md[1] = (unsigned char)(crc >> 16);
		md[2] = (unsigned char)(crc >> 8);
		md[3] = (unsigned char)crc;
	}
	char *b64 = aws_base64_encode(md, sums[k].len);
	snprintf(out, S3_SUM_B64, "%s", b64);
	free(b64);
	return true;
}

/* The value of header name in an aws-chunked body's trailer ("name:value" lines), or NULL. */
static char *trailer_value(const char *trailer, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = trailer; p && *p;) {
		size_t len = strcspn(p, "\r\n");
		if (len > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			size_t vl = len - n - 1;
			while (vl && *v == ' ')
				v++, vl--;
			return xstrndup(v, vl);
		}
		p += len;
		p += strspn(p, "\r\n");
	}
	return NULL;
}

bool s3_sum_upload(const cJSON *in, const char *trailer, const char *path, char **stored,
		   struct aws_err *err)
{
	*stored = NULL;
	int given = -1;
	char *value = NULL;
	for (int k = 0; k < S3_SUM_N; k++) {
		const char *v =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, sums[k].member));
		char *t = trailer_value(trailer, sums[k].header);
		if (!v && !t)
			continue;
		if (given >= 0 || (v && t)) {
			free(t);
			free(value);
			return aws_err_set(err, 400, "InvalidRequest",
					   "Expecting a single x-amz-checksum- header. Multiple "
					   "checksum Types are not allowed.");
		}
		given = k;
		value = t ? t : xstrdup(v);
	}
	const char *alg =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "ChecksumAlgorithm"));
	int asked = -1;
	for (int k = 0; alg && k < S3_SUM_N; k++)
		if (strcasecmp(alg, sums[k].alg) == 0)
			asked = k;
	if (alg && asked < 0) {
		free(value);
		return aws_err_set(err, 400, "InvalidRequest",
				   "Value for x-amz-sdk-checksum-algorithm header is invalid.");
	}
	if (asked >= 0 && given >= 0 && asked != given) {
		free(value);
		return aws_err_set(err, 400, "BadDigest",
				   "x-amz-sdk-checksum-algorithm names %s, but the request carries "
				   "%s",
				   sums[asked].alg, sums[given].header);
	}
	int k = given >= 0 ? given : asked;
	if (k < 0)
		return true; /* no checksum asked for */
	if (value) {
		size_t n = 0;
		unsigned char *raw = aws_base64_decode(value, strlen(value), &n);
		free(raw);
		if (!raw || n != sums[k].len) {
			free(value);
			return aws_err_set(err, 400, "InvalidRequest",
					   "Value for %s header is invalid.", sums[k].header);
		}
	}
	char got[S3_SUM_B64];
	if (!s3_sum_file(path, (enum s3_sum)k, got)) {
		free(value);
		return aws_err_set(err, 500, "InternalError", "cannot read the stored body back");
	}
	if (value && strcmp(value, got) != 0) {
		free(value);
		return aws_err_set(err, 400, "BadDigest",
				   "The %s you specified did not match the calculated checksum.",
				   sums[k].alg);
	}
	free(value);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, sums[k].member, got);
	*stored = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return true;
}
