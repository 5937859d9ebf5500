/*
 * What the files of the local S3 share beyond its public header: the bucket checks s3.c
 * answers with, a bucket's own configurations (bucket.c: versioning, default encryption,
 * public access block, tags) and the versions of its objects (versions.c).
 */
#ifndef CLOUD_S3_INTERNAL_H
#define CLOUD_S3_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>

struct cloud;
struct cJSON;
struct aws_err;
struct svc_call;

/* s3.c */
/* The bucket exists and is account's; else false with NoSuchBucket or AccessDenied in err. */
bool s3_bucket_owned(struct cloud *c, const char *account, const char *bucket,
		     const struct cJSON *in, struct aws_err *err);
/* An S3 error naming the bucket (its BucketName element); false, for return. */
bool s3_bucket_err(struct aws_err *err, int status, const char *code, const char *bucket,
		   const char *msg);

/* bucket.c */
enum s3_versioning {
	S3_UNVERSIONED, /* never enabled: every object's version id is "null" */
	S3_VERSIONING_ENABLED,
	S3_VERSIONING_SUSPENDED,
};
/* The bucket's versioning state; caller holds c->db->mu. */
enum s3_versioning s3_versioning_locked(sqlite3 *db, const char *bucket);
enum s3_versioning s3_versioning_of(struct cloud *c, const char *bucket);
/*
 * The bucket's default encryption when it is not SSE-S3: *key the KMS key it names (caller
 * frees; NULL for the account's aws/s3 key). False when the default is SSE-S3.
 */
bool s3_bucket_default_kms(struct cloud *c, const char *bucket, char **key);
/* What a new bucket is given: S3 Block Public Access on, as for every bucket made since
 * April 2023. */
void s3_bucket_defaults(struct cloud *c, const char *bucket);
/* Whether the bucket's BlockPublicPolicy refuses doc (a policy that is public); when so, err
 * holds S3's AccessDenied. */
bool s3_policy_blocked(struct cloud *c, const char *bucket, const char *doc, struct aws_err *err);
/* The bucket's policy as the router evaluates it: with RestrictPublicBuckets on, a public
 * policy's public statements grant nothing. Takes doc; returns what to evaluate (caller
 * frees). */
char *s3_policy_effective(struct cloud *c, const char *bucket, char *doc);

struct cJSON *s3_op_put_bucket_versioning(struct svc_call *call, const struct cJSON *in,
					  struct aws_err *err);
struct cJSON *s3_op_get_bucket_versioning(struct svc_call *call, const struct cJSON *in,
					  struct aws_err *err);
struct cJSON *s3_op_put_bucket_encryption(struct svc_call *call, const struct cJSON *in,
					  struct aws_err *err);
struct cJSON *s3_op_get_bucket_encryption(struct svc_call *call, const struct cJSON *in,
					  struct aws_err *err);
struct cJSON *s3_op_delete_bucket_encryption(struct svc_call *call, const struct cJSON *in,
					     struct aws_err *err);
struct cJSON *s3_op_put_public_access_block(struct svc_call *call, const struct cJSON *in,
					    struct aws_err *err);
struct cJSON *s3_op_get_public_access_block(struct svc_call *call, const struct cJSON *in,
					    struct aws_err *err);
struct cJSON *s3_op_delete_public_access_block(struct svc_call *call, const struct cJSON *in,
					       struct aws_err *err);
struct cJSON *s3_op_put_bucket_tagging(struct svc_call *call, const struct cJSON *in,
				       struct aws_err *err);
struct cJSON *s3_op_get_bucket_tagging(struct svc_call *call, const struct cJSON *in,
				       struct aws_err *err);
struct cJSON *s3_op_delete_bucket_tagging(struct svc_call *call, const struct cJSON *in,
					  struct aws_err *err);

/* versions.c */
/* A version id as S3 takes one: "null" or one this S3 made. */
bool s3_version_id_ok(const char *vid);
/* A fresh version id into out (33 bytes). */
void s3_version_id_new(char out[33]);
/* The next number in the order versions are made in; caller holds c->db->mu. */
long long s3_version_seq(sqlite3 *db);
/*
 * Before a new current version of key is written into a versioned bucket (v is not
 * S3_UNVERSIONED): the current object becomes a noncurrent version, except a "null" one
 * under Suspended, which is replaced (as is a noncurrent "null" version). The file of a
 * replaced version, if any, is named in drop (40 bytes; "" for none) for the caller to
 * remove. Caller holds c->db->mu.
 */
bool s3_versions_make_room(sqlite3 *db, const char *bucket, const char *key, enum s3_versioning v,
			   char drop[40]);
/* What deleting an object in a bucket that has versions did. */
struct s3_deleted {
	bool marker;  /* a delete marker was made, or the version removed was one */
	bool removed; /* something was there and is gone */
	char vid[40]; /* the marker made, or the version removed ("" when none) */
};
/*
 * DeleteObject with versions: with vid NULL, a delete marker becomes the current version
 * (its id "null" under Suspended); with vid, that version goes for good, and the newest
 * remaining one becomes current. What happened into *d.
 */
bool s3_versions_delete(struct cloud *c, const char *account, const char *bucket, const char *key,
			const char *vid, enum s3_versioning v, struct s3_deleted *d);
/* Whether key's newest version is a delete marker; its id into vid (40 bytes). */
bool s3_versions_latest_marker(struct cloud *c, const char *bucket, const char *key, char vid[40]);
/* Whether the bucket holds any noncurrent version or delete marker. */
bool s3_versions_any(struct cloud *c, const char *bucket);
#endif
