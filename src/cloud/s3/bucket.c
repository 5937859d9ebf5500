/*
 * A bucket's own configurations, each a column of s3_buckets, served and applied as S3 does:
 * versioning (read by the object operations, versions.c), default encryption (what an upload
 * that asks for none gets), its public access block (BlockPublicPolicy refuses a public
 * policy, RestrictPublicBuckets keeps a public policy from granting anything) and its tags.
 */
#include "cloud/s3/internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/aws.h"
#include "cloud/http/aws.h"
#include "cloud/query/query.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/digest.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define BUCKET_TAGS_MAX 50
#define MALFORMED_XML                                                                         \
	"The XML you provided was not well-formed or did not validate against our published " \
	"schema"

/* The four settings of a public access block, in the model's order. */
static const char *const blocks[] = { "BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
				      "RestrictPublicBuckets" };

/* A bucket's column (one of ours, never a caller's text) as text: caller frees; NULL when unset. */
static char *column_get(struct cloud *c, const char *bucket, const char *column)
{
	char *sql = xasprintf("SELECT %s FROM s3_buckets WHERE name=?", column);
	char *v = NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = db_prep(c->db, sql);
	sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
	if (q && sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT)
		v = xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	free(sql);
	return v;
}

static bool column_set(struct cloud *c, const char *bucket, const char *column, const char *v)
{
	char *sql = xasprintf("UPDATE s3_buckets SET %s=? WHERE name=?", column);
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = db_prep(c->db, sql);
	sqlite3_bind_text(q, 1, v, -1, SQLITE_STATIC); /* NULL binds NULL */
	sqlite3_bind_text(q, 2, bucket, -1, SQLITE_STATIC);
	bool ok = q && sqlite3_step(q) == SQLITE_DONE;
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	free(sql);
	return ok;
}

static cJSON *column_json(struct cloud *c, const char *bucket, const char *column)
{
	char *t = column_get(c, bucket, column);
	cJSON *j = t ? cJSON_Parse(t) : NULL;
	free(t);
	return j;
}

static bool column_set_json(struct cloud *c, const char *bucket, const char *column, const cJSON *v,
			    struct aws_err *err)
{
	char *t = v ? cJSON_PrintUnformatted(v) : NULL;
	bool ok = column_set(c, bucket, column, t);
	free(t);
	if (!ok)
		s3_bucket_err(err, 500, "InternalError", bucket, "cannot record the configuration");
	return ok;
}

/* The caller's bucket named by the request; false with err filled. */
static const char *owned_bucket(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = query_str(in, "Bucket");
	return s3_bucket_owned(call->cloud, call->caller->account, bucket, in, err) ? bucket : NULL;
}

/* A client's Content-MD5 against the document it sent (BadDigest, InvalidDigest). */
static bool document_digest_ok(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *want = query_str(in, "ContentMD5");
	if (!want || !call->http)
		return true;
	size_t n = 0;
	unsigned char *raw = aws_base64_decode(want, strlen(want), &n);
	unsigned char md[MD5_LEN];
	struct md5 ctx;
	md5_init(&ctx);
	md5_update(&ctx, call->http->body ? call->http->body : "", call->http->body_len);
	md5_final(&ctx, md);
	bool same = raw && n == MD5_LEN && memcmp(raw, md, MD5_LEN) == 0;
	bool valid = raw && n == MD5_LEN;
	free(raw);
	if (same)
		return true;
	if (!valid)
		return aws_err_set(err, 400, "InvalidDigest",
				   "The Content-MD5 you specified was invalid.");
	return aws_err_set(err, 400, "BadDigest",
			   "The Content-MD5 you specified did not match what we received.");
}

/* ---- versioning ---- */

enum s3_versioning s3_versioning_locked(sqlite3 *db, const char *bucket)
{
	enum s3_versioning v = S3_UNVERSIONED;
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(db, "SELECT versioning FROM s3_buckets WHERE name=?", -1, &q,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT) {
			const char *s = (const char *)sqlite3_column_text(q, 0);
			v = strcmp(s, "Enabled") == 0 ? S3_VERSIONING_ENABLED
						      : S3_VERSIONING_SUSPENDED;
		}
	}
	sqlite3_finalize(q);
	return v;
}

enum s3_versioning s3_versioning_of(struct cloud *c, const char *bucket)
{
	pthread_mutex_lock(&c->db->mu);
	enum s3_versioning v = s3_versioning_locked(c->db->db, bucket);
	pthread_mutex_unlock(&c->db->mu);
	return v;
}

cJSON *s3_op_put_bucket_versioning(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = owned_bucket(call, in, err);
	if (!bucket || !document_digest_ok(call, in, err))
		return NULL;
	const cJSON *conf = cJSON_GetObjectItemCaseSensitive(in, "VersioningConfiguration");
	const char *status = query_str(conf, "Status"), *mfa = query_str(conf, "MFADelete");
	if (mfa && strcmp(mfa, "Enabled") == 0)
		return aws_err_set(err, 501, "NotImplemented",
				   "The local cloud has no MFA devices to check: leave MFADelete "
				   "Disabled"),
		       NULL;
	if (!status) {
		/* S3 keeps the state as it is when only MFADelete is given. */
		if (mfa)
			return cJSON_CreateObject();
		return s3_bucket_err(err, 400, "MalformedXML", bucket, MALFORMED_XML), NULL;
	}
	if (strcmp(status, "Enabled") != 0 && strcmp(status, "Suspended") != 0)
		return s3_bucket_err(err, 400, "MalformedXML", bucket, MALFORMED_XML), NULL;
	if (!column_set(call->cloud, bucket, "versioning", status))
		return s3_bucket_err(err, 500, "InternalError", bucket,
				     "cannot record the configuration"),
		       NULL;
	return cJSON_CreateObject();
}

cJSON *s3_op_get_bucket_versioning(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = owned_bucket(call, in, err);
	if (!bucket)
		return NULL;
	cJSON *out = cJSON_CreateObject();
	char *status = column_get(call->cloud, bucket, "versioning");
	/* A bucket never versioned answers with neither member; MFADelete only a bucket
	 * configured with MFA delete, which no bucket here can be. */
	if (status)
		cJSON_AddStringToObject(out, "Status", status);
	free(status);
	return out;
}

/* ---- default encryption ---- */

/* The rule of a bucket's encryption configuration (the model's ServerSideEncryptionRule). */
static const cJSON *encryption_rule(const cJSON *conf)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(conf, "Rules"), 0);
}

bool s3_bucket_default_kms(struct cloud *c, const char *bucket, char **key)
{
	*key = NULL;
	cJSON *conf = column_json(c, bucket, "encryption");
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(encryption_rule(conf),
							   "ApplyServerSideEncryptionByDefault");
	const char *alg = query_str(by, "SSEAlgorithm");
	bool kms = alg && strcmp(alg, "aws:kms") == 0;
	if (kms && query_str(by, "KMSMasterKeyID"))
		*key = xstrdup(query_str(by, "KMSMasterKeyID"));
	cJSON_Delete(conf);
	return kms;
}

cJSON *s3_op_put_bucket_encryption(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = owned_bucket(call, in, err);
	if (!bucket || !document_digest_ok(call, in, err))
		return NULL;
	const cJSON *conf =
		cJSON_GetObjectItemCaseSensitive(in, "ServerSideEncryptionConfiguration");
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(conf, "Rules");
	const cJSON *rule = cJSON_GetArrayItem(rules, 0);
	const cJSON *by =
		cJSON_GetObjectItemCaseSensitive(rule, "ApplyServerSideEncryptionByDefault");
	const char *alg = query_str(by, "SSEAlgorithm"), *key = query_str(by, "KMSMasterKeyID");
	if (cJSON_GetArraySize(rules) != 1 || !alg)
		return s3_bucket_err(err, 400, "MalformedXML", bucket, MALFORMED_XML), NULL;
	bool kms = strcmp(alg, "aws:kms") == 0 || strcmp(alg, "aws:kms:dsse") == 0;
	if (!kms && strcmp(alg, "AES256") != 0)
		return s3_bucket_err(err, 400, "MalformedXML", bucket, MALFORMED_XML), NULL;
	if (key && !kms)
		return s3_bucket_err(err, 400, "InvalidArgument", bucket,
				     "a KMSMasterKeyID is not applicable if the default sse "
				     "algorithm is not aws:kms or aws:kms:dsse"),
		       NULL;
	if (strcmp(alg, "aws:kms:dsse") == 0)
		return aws_err_set(err, 501, "NotImplemented",
				   "The local cloud does not offer Amazon S3's dual-layer "
				   "encryption (aws:kms:dsse): use aws:kms or AES256"),
		       NULL;
	/* Kept in the model's shape, with BucketKeyEnabled as S3 answers it. */
	cJSON *keep = cJSON_CreateObject();
	cJSON *r = cJSON_AddArrayToObject(keep, "Rules");
	cJSON *one = cJSON_CreateObject();
	cJSON *d = cJSON_AddObjectToObject(one, "ApplyServerSideEncryptionByDefault");
	cJSON_AddStringToObject(d, "SSEAlgorithm", alg);
	if (key)
		cJSON_AddStringToObject(d, "KMSMasterKeyID", key);
	cJSON_AddBoolToObject(
		one, "BucketKeyEnabled",
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rule, "BucketKeyEnabled")));
	cJSON_AddItemToArray(r, one);
	bool ok = column_set_json(call->cloud, bucket, "encryption", keep, err);
	cJSON_Delete(keep);
	return ok ? cJSON_CreateObject() : NULL;
}

cJSON *s3_op_get_bucket_encryption(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = owned_bucket(call, in, err);
	if (!bucket)
		return NULL;
	cJSON *conf = column_json(call->cloud, bucket, "encryption");
	if (!encryption_rule(conf)) {
		/* Every bucket is encrypted with SSE-S3 unless told otherwise (since January
		 * 2023), so a general purpose bucket always has a configuration to answer. */
		cJSON_Delete(conf);
		conf = cJSON_Parse("{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":"
				   "{\"SSEAlgorithm\":\"AES256\"},\"BucketKeyEnabled\":false}]}");
	}
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "ServerSideEncryptionConfiguration", conf);
	return out;
}

cJSON *s3_op_delete_bucket_encryption(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	/* Deleting resets the default to SSE-S3, as S3's reference says. */
	const char *bucket = owned_bucket(call, in, err);
	return bucket && column_set_json(call->cloud, bucket, "encryption", NULL, err)
		       ? cJSON_CreateObject()
		       : NULL;
}

/* ---- public access block ---- */

void s3_bucket_defaults(struct cloud *c, const char *bucket)
{
	column_set(c, bucket, "public_access",
		   "{\"BlockPublicAcls\":true,\"IgnorePublicAcls\":true,"
		   "\"BlockPublicPolicy\":true,\"RestrictPublicBuckets\":true}");
}

static bool block_on(struct cloud *c, const char *bucket, const char *setting)
{
	cJSON *conf = column_json(c, bucket, "public_access");
	bool on = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(conf, setting));
	cJSON_Delete(conf);
	return on;
}

cJSON *s3_op_put_public_access_block(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = owned_bucket(call, in, err);
	if (!bucket || !document_digest_ok(call, in, err))
		return NULL;
	const cJSON *conf = cJSON_GetObjectItemCaseSensitive(in, "PublicAccessBlockConfiguration");
	cJSON *keep = cJSON_CreateObject();
	bool any = false;
	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(conf, blocks[i]);
		any = any || b;
		/* A setting left out is false. */
		cJSON_AddBoolToObject(keep, blocks[i], cJSON_IsTrue(b));
	}
	if (!any) {
		cJSON_Delete(keep);
		return aws_err_set(err, 400, "InvalidRequest",
				   "Must specify at least one configuration."),
		       NULL;
	}
	bool ok = column_set_json(call->cloud, bucket, "public_access", keep, err);
	cJSON_Delete(keep);
	return ok ? cJSON_CreateObject() : NULL;
}

cJSON *s3_op_get_public_access_block(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = owned_bucket(call, in, err);
	if (!bucket)
		return NULL;
	cJSON *conf = column_json(call->cloud, bucket, "public_access");
	if (!conf)
		return s3_bucket_err(err, 404, "NoSuchPublicAccessBlockConfiguration", bucket,
				     "The public access block configuration was not found"),
		       NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "PublicAccessBlockConfiguration", conf);
	return out;
}

cJSON *s3_op_delete_public_access_block(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = owned_bucket(call, in, err);
	return bucket && column_set_json(call->cloud, bucket, "public_access", NULL, err)
		       ? cJSON_CreateObject()
		       : NULL;
}

/* Whether a principal is everyone: "*" or {"AWS":"*"} (alone or in a list). */
static bool everyone(const cJSON *p)
{
	if (cJSON_IsString(p))
		return strcmp(p->valuestring, "*") == 0;
	const cJSON *aws = cJSON_GetObjectItemCaseSensitive(p, "AWS");
	if (cJSON_IsString(aws))
		return strcmp(aws->valuestring, "*") == 0;
	const cJSON *a, *list = cJSON_IsArray(aws) ? aws : NULL;
	cJSON_ArrayForEach(a, list)
	{
		if (cJSON_IsString(a) && strcmp(a->valuestring, "*") == 0)
			return true;
	}
	return false;
}

/*
 * A public statement: one that allows everyone with no condition to narrow it down (S3
 * counts a condition on fixed values, such as aws:SourceArn or aws:PrincipalOrgID, as making
 * it non-public; any condition is taken so here).
 */
static bool statement_public(const cJSON *s)
{
	const char *effect = query_str(s, "Effect");
	return effect && strcmp(effect, "Allow") == 0 &&
	       (everyone(cJSON_GetObjectItemCaseSensitive(s, "Principal")) ||
		cJSON_GetObjectItemCaseSensitive(s, "NotPrincipal")) &&
	       !cJSON_GetObjectItemCaseSensitive(s, "Condition");
}

static bool policy_public(const cJSON *doc)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
	if (cJSON_IsObject(st))
		return statement_public(st);
	const cJSON *s, *list = cJSON_IsArray(st) ? st : NULL;
	cJSON_ArrayForEach(s, list)
	{
		if (statement_public(s))
			return true;
	}
	return false;
}

bool s3_policy_blocked(struct cloud *c, const char *bucket, const char *doc, struct aws_err *err)
{
	if (!block_on(c, bucket, "BlockPublicPolicy"))
		return false;
	cJSON *d = cJSON_Parse(doc);
	bool pub = policy_public(d);
	cJSON_Delete(d);
	if (pub)
		aws_err_set(err, 403, "AccessDenied",
			    "User is not authorized to perform: s3:PutBucketPolicy on resource: "
			    "\"arn:aws:s3:::%s\" because public policies are blocked by the "
			    "BlockPublicPolicy block public access setting.",
			    bucket);
	return pub;
}

char *s3_policy_effective(struct cloud *c, const char *bucket, char *doc)
{
	if (!doc || !block_on(c, bucket, "RestrictPublicBuckets"))
		return doc;
	cJSON *d = cJSON_Parse(doc);
	if (!policy_public(d)) {
		cJSON_Delete(d);
		return doc;
	}
	cJSON *st = cJSON_GetObjectItemCaseSensitive(d, "Statement");
	if (cJSON_IsObject(st)) {
		cJSON *one = cJSON_DetachItemViaPointer(d, st);
		st = cJSON_AddArrayToObject(d, "Statement");
		cJSON_AddItemToArray(st, one);
	}
	for (cJSON *s = st->child, *next; s; s = next) {
		next = s->next;
		if (statement_public(s))
			cJSON_Delete(cJSON_DetachItemViaPointer(st, s));
	}
	free(doc);
	char *out = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	return out;
}

/* ---- tags ---- */

static size_t utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* A bucket's TagSet as S3 checks it; aws: keys are CloudFormation's alone (no client's). */
static bool bucket_tags_ok(const struct svc_call *call, const cJSON *set, const char *bucket,
			   struct aws_err *err)
{
	if (cJSON_GetArraySize(set) > BUCKET_TAGS_MAX)
		return s3_bucket_err(err, 400, "BadRequest", bucket,
				     "Bucket tag count cannot be greater than 50");
	const cJSON *t;
	cJSON_ArrayForEach(t, set)
	{
		const char *k = query_str(t, "Key"), *v = query_str(t, "Value");
		if (!k || !v)
			return s3_bucket_err(err, 400, "MalformedXML", bucket, MALFORMED_XML);
		if (!k[0] || utf8_len(k) > 128)
			return s3_bucket_err(err, 400, "InvalidTag", bucket,
					     "The TagKey you have provided is invalid");
		if (utf8_len(v) > 256)
			return s3_bucket_err(err, 400, "InvalidTag", bucket,
					     "The TagValue you have provided is invalid");
		if (call->http && strncasecmp(k, "aws:", 4) == 0)
			return s3_bucket_err(err, 400, "InvalidTag", bucket,
					     "System tags cannot be added/updated by requester");
		for (const cJSON *u = set->child; u != t; u = u->next)
			if (strcmp(query_str(u, "Key"), k) == 0)
				return s3_bucket_err(err, 400, "InvalidTag", bucket,
						     "Cannot provide multiple Tags with the same "
						     "key");
	}
	return true;
}

cJSON *s3_op_put_bucket_tagging(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = owned_bucket(call, in, err);
	if (!bucket || !document_digest_ok(call, in, err))
		return NULL;
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(in, "Tagging"), "TagSet");
	if (!cJSON_IsArray(set))
		return s3_bucket_err(err, 400, "MalformedXML", bucket, MALFORMED_XML), NULL;
	if (!bucket_tags_ok(call, set, bucket, err))
		return NULL;
	/* An empty set leaves the bucket with none, as DeleteBucketTagging does. */
	return column_set_json(call->cloud, bucket, "tags", set->child ? set : NULL, err)
		       ? cJSON_CreateObject()
		       : NULL;
}

cJSON *s3_op_get_bucket_tagging(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = owned_bucket(call, in, err);
	if (!bucket)
		return NULL;
	cJSON *set = column_json(call->cloud, bucket, "tags");
	if (!cJSON_IsArray(set) || !set->child) {
		cJSON_Delete(set);
		return s3_bucket_err(err, 404, "NoSuchTagSet", bucket, "The TagSet does not exist"),
		       NULL;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "TagSet", set);
	return out;
}

cJSON *s3_op_delete_bucket_tagging(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = owned_bucket(call, in, err);
	return bucket && column_set_json(call->cloud, bucket, "tags", NULL, err)
		       ? cJSON_CreateObject()
		       : NULL;
}
