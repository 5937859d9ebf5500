/* S3's additional checksums: computed over a stored body, and an upload's checked against it. */
#ifndef CLOUD_S3_CHECKSUM_H
#define CLOUD_S3_CHECKSUM_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct aws_err;

enum s3_sum {
	S3_SUM_CRC32,
	S3_SUM_CRC32C,
	S3_SUM_SHA1,
	S3_SUM_SHA256,
	S3_SUM_N
};

/* Room for the base64 of the largest digest (SHA-256) and a NUL. */
#define S3_SUM_B64 48

/* The model's member of checksum k: "ChecksumCRC32". */
const char *s3_sum_member(enum s3_sum k);
/* The checksum an algorithm's name ("CRC32", any case) or a member ("ChecksumCRC32") names,
 * or -1. */
int s3_sum_of(const char *alg);
/* The name of checksum k as S3 writes it in ChecksumAlgorithm ("CRC32"). */
const char *s3_sum_name(enum s3_sum k);
/* Room for a multipart upload's checksum of checksums: base64, "-", up to 10000. */
#define S3_SUM_COMPOSITE (S3_SUM_B64 + 8)
/*
 * The checksum of checksums of a multipart upload, as S3 composes it: checksum k over the
 * parts' own checksums k (n of them, base64) one after the other, as bytes, then "-n", into
 * out. False when a part's value is not a checksum k.
 */
bool s3_sum_composite(enum s3_sum k, const char *const *parts, size_t n,
		      char out[S3_SUM_COMPOSITE]);
/* Checksum k of the file at path, base64, into out. False when it cannot be read. */
bool s3_sum_file(const char *path, enum s3_sum k, char out[S3_SUM_B64]);
/*
 * The checksum a PutObject or an UploadPart asks for (in's Checksum* members, trailer: the
 * aws-chunked body's trailer lines or NULL, in's ChecksumAlgorithm alone) checked against the
 * body stored at path. True with *stored its member and value as JSON text
 * ({"ChecksumCRC32":"..."}; caller frees), or NULL when none was asked for. False fills err as
 * S3 answers: InvalidRequest (a malformed value, two checksums, an unknown algorithm),
 * BadDigest (a value that does not match, an algorithm that is not the value's).
 */
bool s3_sum_upload(const struct cJSON *in, const char *trailer, const char *path, char **stored,
		   struct aws_err *err);

#endif
