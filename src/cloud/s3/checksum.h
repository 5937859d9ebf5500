/* S3's additional checksums: computed over a stored body, and an upload's checked against it. */
#ifndef CLOUD_S3_CHECKSUM_H
#define CLOUD_S3_CHECKSUM_H

#include <stdbool.h>

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
