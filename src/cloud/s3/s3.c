/*
 * S3's buckets and objects: rest-xml over path-style URLs.
 */
#include "cloud/s3/s3.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cloud/http/aws.h"
#include "cloud/iam/policy.h"
#include "cloud/iam/s3_actions.h"
#include "cloud/proto/proto.h"
#include "cloud/query/query.h"
#include "cloud/s3/checksum.h"
#include "cloud/s3/internal.h"
#include "cloud/s3/xml.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/path.h"
#include "core/sigv4.h"
#include "core/strutil.h"
#include "core/vec.h"
#include "core/xalloc.h"

/* The largest bucket policy S3 keeps (20 KB). */
#define S3_POLICY_MAX 20480
#define S3_XMLNS      "http://s3.amazonaws.com/doc/2006-03-01/"
/* Every part of a multipart upload but the last is at least 5 MiB. */
#define S3_PART_MIN      5242880LL
#define S3_PART_MIN_TEXT "5242880"

char *s3_spool_dir(struct cloud *c)
{
	return xasprintf("%s/s3/.spool", c->state_dir);
}

static const char *const migrations[] = {
	/* 0 -> 1: the tables that used to be created at start. */
	"CREATE TABLE IF NOT EXISTS s3_buckets(name TEXT PRIMARY KEY,"
	" account TEXT NOT NULL, created INTEGER NOT NULL, notification TEXT) STRICT;"
	"CREATE TABLE IF NOT EXISTS s3_objects(bucket TEXT NOT NULL,"
	" key TEXT NOT NULL, file TEXT NOT NULL, size INTEGER NOT NULL,"
	" etag TEXT NOT NULL, ctype TEXT NOT NULL, meta TEXT NOT NULL,"
	" modified INTEGER NOT NULL, PRIMARY KEY(bucket, key)) STRICT;"
	"CREATE TABLE IF NOT EXISTS s3_uploads(upload_id TEXT PRIMARY KEY,"
	" bucket TEXT NOT NULL, key TEXT NOT NULL, ctype TEXT NOT NULL,"
	" meta TEXT NOT NULL) STRICT;"
	"CREATE TABLE IF NOT EXISTS s3_parts(upload_id TEXT NOT NULL,"
	" part INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,"
	" PRIMARY KEY(upload_id, part)) STRICT;"
	"CREATE TABLE IF NOT EXISTS s3_chain(request_id TEXT PRIMARY KEY,"
	" hops INTEGER NOT NULL, created INTEGER NOT NULL) STRICT;",
	/* 1 -> 2: an object's tags, and the tags an upload gives its object (a TagSet, JSON). */
	"ALTER TABLE s3_objects ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';"
	"ALTER TABLE s3_uploads ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';",
	/* 2 -> 3: a bucket's policy (the document as given). */
	"ALTER TABLE s3_buckets ADD COLUMN policy TEXT;",
	/* 3 -> 4: an object's additional checksum ({"ChecksumCRC32":...}) and its encryption
	 * when not SSE-S3 ({"ServerSideEncryption":"aws:kms","SSEKMSKeyId":...}), JSON. */
	"ALTER TABLE s3_objects ADD COLUMN checksum TEXT;"
	"ALTER TABLE s3_objects ADD COLUMN sse TEXT;",
	/* 4 -> 5: a bucket's versioning ("Enabled", "Suspended"; NULL when never set), default
	 * encryption, public access block and tags (JSON in the model's shapes); each object's
	 * version id and the order versions were made in; noncurrent versions and delete
	 * markers (versions.c). */
	"ALTER TABLE s3_buckets ADD COLUMN versioning TEXT;"
	"ALTER TABLE s3_buckets ADD COLUMN encryption TEXT;"
	"ALTER TABLE s3_buckets ADD COLUMN public_access TEXT;"
	"ALTER TABLE s3_buckets ADD COLUMN tags TEXT;"
	"ALTER TABLE s3_objects ADD COLUMN version_id TEXT NOT NULL DEFAULT 'null';"
	"ALTER TABLE s3_objects ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE s3_versions(bucket TEXT NOT NULL, key TEXT NOT NULL,"
	" version_id TEXT NOT NULL, file TEXT NOT NULL, size INTEGER NOT NULL,"
	" etag TEXT NOT NULL, ctype TEXT NOT NULL, meta TEXT NOT NULL,"
	" modified INTEGER NOT NULL, tags TEXT NOT NULL, checksum TEXT, sse TEXT,"
	" marker INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" PRIMARY KEY(bucket, key, version_id)) STRICT;"
	"CREATE INDEX s3_versions_seq ON s3_versions(bucket, key, seq);",
	/* 5 -> 6: multipart checksums: an upload's algorithm, a part's checksum ({"ChecksumCRC32":
	 * ...}), and a multipart object's parts
	 * ([{"PartNumber":1,"Size":...,"ChecksumCRC32":...}]). */
	"ALTER TABLE s3_uploads ADD COLUMN algorithm TEXT;"
	"ALTER TABLE s3_parts ADD COLUMN checksum TEXT;"
	"ALTER TABLE s3_objects ADD COLUMN parts TEXT;"
	"ALTER TABLE s3_versions ADD COLUMN parts TEXT;",
	/* 6 -> 7: when an upload was initiated (ms since the epoch), for ListMultipartUploads. */
	"ALTER TABLE s3_uploads ADD COLUMN initiated INTEGER NOT NULL DEFAULT 0;",
};

static bool s3_start(struct cloud *c, struct error *err)
{
	char *spool = s3_spool_dir(c);
	bool ok = path_mkdirs(spool, 0755, err);
	free(spool);
	return ok;
}

static bool has_prefix_dir(const char *url)
{
	static const char *const others[] = { "/_",     "/20",      "/restapis",    "/v2/",
					      "/tags/", "/apikeys", "/domainnames", NULL };
	for (const char *const *o = others; *o; o++)
		if (str_starts_with(url, *o))
			return true;
	/* And the REST paths the service table gives other rows (Scheduler's /schedules/NAME). */
	for (size_t i = 0; i < svc_table_len; i++)
		for (const char *const *p = svc_table[i]->paths; p && *p; p++) {
			size_t n = strlen(*p);
			if (strncmp(url, *p, n) == 0 &&
			    ((*p)[n - 1] == '/' || url[n] == '/' || url[n] == '\0'))
				return true;
		}
	return false;
}

/* Whether query names subresource ("tagging" in "tagging" or "a=b&tagging="). */
static bool query_has(const char *query, const char *subresource)
{
	size_t n = strlen(subresource);
	for (const char *p = query; *p; p += strcspn(p, "&"), p += *p == '&')
		if (strncmp(p, subresource, n) == 0 && (p[n] == '\0' || p[n] == '=' || p[n] == '&'))
			return true;
	return false;
}

bool s3_wants_spool(void *ctx, const char *method, const char *url, const char *query)
{
	(void)ctx;
	if (strcmp(method, "PUT") != 0 || url[0] != '/' || has_prefix_dir(url))
		return false;
	static const char *const documents[] = { "tagging", "acl", "retention", "legal-hold",
						 NULL };
	for (const char *const *d = documents; *d; d++)
		if (query_has(query, *d))
			return false;
	const char *slash = strchr(url + 1, '/');
	return slash && slash[1];
}

/* ---- names ---- */

/* The bucket's owner into owner (13 bytes) and its notification configuration. */
static bool bucket_find(struct cloud *c, const char *bucket, char owner[13], cJSON **conf)
{
	bool found = false;
	if (conf)
		*conf = NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT account, notification FROM s3_buckets WHERE name=?", -1, &q,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			found = true;
			snprintf(owner, 13, "%s", (const char *)sqlite3_column_text(q, 0));
			const char *n = (const char *)sqlite3_column_text(q, 1);
			if (conf && n)
				*conf = cJSON_Parse(n);
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return found;
}

static char *bucket_dir(struct cloud *c, const char *account, const char *bucket)
{
	return xasprintf("%s/s3/%s/%s", c->state_dir, account, bucket);
}

/* ---- buckets ---- */

/* One more element S3 puts in an error (ActualObjectSize, UploadId...); false, for return. */
static bool err_field(struct aws_err *err, const char *name, const char *value)
{
	if (!err->fields)
		err->fields = cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(err->fields, name);
	cJSON_AddStringToObject(err->fields, name, value ? value : "");
	return false;
}

/* An S3 error naming the bucket, as S3 adds it to NoSuchBucket and its kin. */
static bool bucket_err(struct aws_err *err, int status, const char *code, const char *bucket,
		       const char *msg)
{
	aws_err_set(err, status, code, "%s", msg);
	return err_field(err, "BucketName", bucket);
}

/*
 * The bucket owner condition: a bucket whose owner (the account id, 12 digits) is not the one
 * the request's member (ExpectedBucketOwner, ExpectedSourceBucketOwner) expects is refused with
 * 403 AccessDenied, as S3 does; a value that is no account id with
 * InvalidBucketOwnerAWSAccountID. True when the member is absent or matches.
 */
static bool owner_expected(const cJSON *in, const char *member, const char *bucket,
			   const char *owner, struct aws_err *err)
{
	const char *want = in ? query_str(in, member) : NULL;
	if (!want || !want[0])
		return true;
	if (strlen(want) != 12 || strspn(want, "0123456789") != 12)
		return aws_err_set(
			err, 400, "InvalidBucketOwnerAWSAccountID",
			"The value of the expected bucket owner parameter must be an AWS "
			"Account ID... [%s]",
			want);
	if (strcmp(want, owner) != 0)
		return bucket_err(err, 403, "AccessDenied", bucket, "Access Denied");
	return true;
}

/* The bucket the request in names is the caller's, and the owner its ExpectedBucketOwner
 * expects; err says why not (NoSuchBucket, AccessDenied). */
static bool bucket_owned(struct cloud *c, const char *account, const char *bucket, const cJSON *in,
			 struct aws_err *err)
{
	char owner[13];
	if (!bucket || !bucket_find(c, bucket, owner, NULL))
		return bucket_err(err, 404, "NoSuchBucket", bucket ? bucket : "",
				  "The specified bucket does not exist");
	if (!owner_expected(in, "ExpectedBucketOwner", bucket, owner, err))
		return false;
	if (strcmp(owner, account) != 0)
		return bucket_err(err, 403, "AccessDenied", bucket, "Access Denied");
	return true;
}

bool s3_bucket_owned(struct cloud *c, const char *account, const char *bucket, const cJSON *in,
		     struct aws_err *err)
{
	return bucket_owned(c, account, bucket, in, err);
}

bool s3_bucket_err(struct aws_err *err, int status, const char *code, const char *bucket,
		   const char *msg)
{
	return bucket_err(err, status, code, bucket, msg);
}

/* ListBuckets: the account's buckets by name, from Prefix, after ContinuationToken, at most
 * MaxBuckets (1 to 10,000) a page. */
static cJSON *op_list_buckets(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *prefix = query_str(in, "Prefix");
	const char *after = query_str(in, "ContinuationToken");
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(in, "MaxBuckets");
	long long limit = cJSON_IsNumber(max) ? (long long)max->valuedouble : 10000;
	if (limit < 1 || limit > 10000)
		return aws_err_set(err, 400, "InvalidArgument",
				   "max-buckets must be between 1 and 10000"),
		       NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON *owner = cJSON_AddObjectToObject(out, "Owner");
	cJSON_AddStringToObject(owner, "ID", account);
	cJSON_AddStringToObject(owner, "DisplayName", account);
	cJSON *list = cJSON_AddArrayToObject(out, "Buckets");
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT name, created FROM s3_buckets WHERE account=?1 AND"
			       " substr(name, 1, length(?2)) = ?2 AND name > ?3 ORDER BY name"
			       " LIMIT ?4",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, prefix ? prefix : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, after ? after : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, limit + 1);
		long long n = 0;
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *name = (const char *)sqlite3_column_text(q, 0);
			if (n++ == limit) {
				/* The last one listed: the next page starts after it. */
				cJSON *last = cJSON_GetArrayItem(list, (int)limit - 1);
				cJSON_AddStringToObject(
					out, "ContinuationToken",
					cJSON_GetObjectItemCaseSensitive(last, "Name")
						->valuestring);
				break;
			}
			cJSON *b = cJSON_CreateObject();
			cJSON_AddStringToObject(b, "Name", name);
			cJSON_AddNumberToObject(b, "CreationDate",
						(double)(sqlite3_column_int64(q, 1) / 1000));
			cJSON_AddItemToArray(list, b);
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	if (prefix)
		cJSON_AddStringToObject(out, "Prefix", prefix);
	return out;
}

static cJSON *op_create_bucket(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *bucket = query_str(in, "Bucket");
	char why[128];
	if (!bucket || !s3_bucket_name_ok(bucket, why, sizeof(why))) {
		/* S3's own words; the rule broken (why) is not part of them. */
		bucket_err(err, 400, "InvalidBucketName", bucket ? bucket : "",
			   "The specified bucket is not valid.");
		return NULL;
	}
	const char *where =
		query_str(cJSON_GetObjectItemCaseSensitive(in, "CreateBucketConfiguration"),
			  "LocationConstraint");
	if (where && where[0] && strcmp(where, AWS_REGION_NAME) != 0)
		return bucket_err(err, 400, "IllegalLocationConstraintException", bucket,
				  "The local cloud has one region, " AWS_REGION_NAME
				  ": create the bucket without a LocationConstraint"),
		       NULL;
	char owner[13];
	cJSON *out = cJSON_CreateObject();
	char *location = xasprintf("/%s", bucket); /* us-east-1 */
	cJSON_AddStringToObject(out, "Location", location);
	free(location);
	if (bucket_find(c, bucket, owner, NULL)) {
		if (strcmp(owner, account) == 0)
			return out;
		cJSON_Delete(out);
		return bucket_err(
			       err, 409, "BucketAlreadyExists", bucket,
			       "The requested bucket name is not available. The bucket namespace "
			       "is shared by all users of the system. Please select a different "
			       "name and try again."),
		       NULL;
	}
	char *dir = bucket_dir(c, account, bucket);
	struct error e;
	bool made = path_mkdirs(dir, 0755, &e);
	free(dir);
	if (!made) {
		cJSON_Delete(out);
		return bucket_err(err, 500, "InternalError", bucket, e.msg), NULL;
	}
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "INSERT OR IGNORE INTO s3_buckets(name, account, created)"
			       " VALUES(?,?,?)",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, account, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, clock_wall_ms());
		sqlite3_step(q);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	s3_bucket_defaults(c, bucket);
	return out;
}

static long long count_objects(struct cloud *c, const char *bucket)
{
	long long n = 0;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db, "SELECT COUNT(*) FROM s3_objects WHERE bucket=?", -1, &q,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			n = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return n;
}

static cJSON *op_delete_bucket(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *bucket = query_str(in, "Bucket");
	if (!bucket_owned(c, account, bucket, in, err))
		return NULL;
	if (count_objects(c, bucket) > 0 || s3_versions_any(c, bucket))
		return bucket_err(err, 409, "BucketNotEmpty", bucket,
				  "The bucket you tried to delete is not empty"),
		       NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db, "DELETE FROM s3_buckets WHERE name=?", -1, &q, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_step(q);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	char *dir = bucket_dir(c, account, bucket);
	rmdir(dir);
	free(dir);
	return cJSON_CreateObject();
}

static cJSON *op_head_bucket(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!bucket_owned(call->cloud, call->caller->account, query_str(in, "Bucket"), in, err))
		return NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "BucketRegion", AWS_REGION_NAME);
	return out;
}

/*
 * PutBucketNotificationConfiguration (and its older name): a client's document is read as S3
 * reads it, with its words for what is wrong; another service's comes in the model's shape.
 */
static cJSON *op_put_notification(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account, *bucket = query_str(in, "Bucket");
	if (!bucket_owned(c, account, bucket, in, err))
		return NULL;
	const char *code = "MalformedXML";
	char msg[1024];
	cJSON *conf = call->http ? s3_notify_parse(call->http->body, call->http->body_len, &code,
						   msg, sizeof(msg))
				 : s3_notify_from_model(cJSON_GetObjectItemCaseSensitive(
								in, "NotificationConfiguration"),
							&code, msg, sizeof(msg));
	if (!conf)
		return bucket_err(err, 400, code, bucket, msg), NULL;
	if (!s3_notify_validate(c, account, bucket, conf, msg, sizeof(msg))) {
		cJSON_Delete(conf);
		return bucket_err(err, 400, "InvalidArgument", bucket, msg), NULL;
	}
	char *text = cJSON_PrintUnformatted(conf);
	cJSON_Delete(conf);
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db, "UPDATE s3_buckets SET notification=? WHERE name=?", -1,
			       &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, bucket, -1, SQLITE_STATIC);
		sqlite3_step(q);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	free(text);
	return cJSON_CreateObject();
}

static cJSON *notification_out(struct svc_call *call, const cJSON *in, struct aws_err *err,
			       bool deprecated)
{
	const char *bucket = query_str(in, "Bucket");
	if (!bucket_owned(call->cloud, call->caller->account, bucket, in, err))
		return NULL;
	char owner[13];
	cJSON *conf = NULL;
	bucket_find(call->cloud, bucket, owner, &conf);
	cJSON *out = s3_notify_to_model(conf, deprecated);
	cJSON_Delete(conf);
	return out;
}

static cJSON *op_get_notification(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return notification_out(call, in, err, false);
}

static cJSON *op_get_notification_old(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return notification_out(call, in, err, true);
}

/* ---- bucket policy ---- */

/* The bucket's policy (caller frees), or NULL with NoSuchBucketPolicy or why not in err. */
static char *policy_read(struct svc_call *call, const cJSON *in, const char *bucket,
			 struct aws_err *err)
{
	struct cloud *c = call->cloud;
	if (!bucket_owned(c, call->caller->account, bucket, in, err))
		return NULL;
	char *doc = NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = db_prep(c->db, "SELECT policy FROM s3_buckets WHERE name=?");
	sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
	if (q && sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		doc = xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	if (!doc)
		bucket_err(err, 404, "NoSuchBucketPolicy", bucket,
			   "The bucket policy does not exist");
	return doc;
}

static bool policy_write(struct cloud *c, const char *bucket, const char *doc)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = db_prep(c->db, "UPDATE s3_buckets SET policy=? WHERE name=?");
	sqlite3_bind_text(q, 1, doc, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, bucket, -1, SQLITE_STATIC);
	bool ok = q && sqlite3_step(q) == SQLITE_DONE;
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return ok;
}

static cJSON *op_get_bucket_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	char *doc = policy_read(call, in, query_str(in, "Bucket"), err);
	if (!doc)
		return NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "Policy", doc);
	free(doc);
	return out;
}

/* IAM's reason a bucket policy is not valid, in S3's words for MalformedPolicy. */
static const char *s3_policy_reason(const char *iam)
{
	static const struct {
		const char *iam, *s3;
	} words[] = {
		{ "This policy contains invalid Json",
		  "Policies must be valid JSON and the first byte must be '{'" },
		{ "Invalid principal in policy", "Invalid principal in policy" },
		{ "Resource ", "Policy has invalid resource" },
		{ "Partition ", "Policy has invalid resource" },
		{ "Policy statement must contain actions.", "Missing required field Action" },
		{ "Policy statement must contain resources.", "Missing required field Resource" },
		{ "Missing required field ", NULL },
		{ "Invalid effect: ", NULL },
		{ "Has prohibited field ", NULL },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strncmp(iam, words[i].iam, strlen(words[i].iam)) == 0)
			return words[i].s3 ? words[i].s3 : iam;
	return "Invalid policy syntax.";
}

/* Whether the string or every string of the array v passes ok(s, arg). */
static bool each_string(const cJSON *v, bool (*ok)(const char *, const char *), const char *arg)
{
	if (cJSON_IsString(v))
		return ok(v->valuestring, arg);
	const cJSON *e;
	cJSON_ArrayForEach(e, v)
	{
		if (cJSON_IsString(e) && !ok(e->valuestring, arg))
			return false;
	}
	return true;
}

/* A resource of the bucket own ("arn:aws:s3:::NAME"): it, its objects, or a pattern of them. */
static bool bucket_resource(const char *r, const char *own)
{
	size_t n = strlen(own);
	if (strcmp(r, "*") == 0 || (strncmp(r, own, n) == 0 && (r[n] == '\0' || r[n] == '/')))
		return true;
	char *object = xasprintf("%s/k", own);
	bool ok = iam_string_like(r, own) || iam_string_like(r, object);
	free(object);
	return ok;
}

/* An action of S3's (s3_actions.h): a name it has, or a pattern that matches one. */
static bool s3_action(const char *a, const char *unused)
{
	(void)unused;
	if (strcmp(a, "*") == 0)
		return true;
	if (strncasecmp(a, "s3:", 3) != 0)
		return false;
	for (size_t i = 0; i < iam_s3_nactions; i++)
		if (iam_action_like(a + 3, iam_s3_actions[i]))
			return true;
	return false;
}

/* Why a valid document is still no policy for bucket: a resource outside it, or an action
 * not S3's; NULL when it is one. */
static const char *s3_policy_scope(const cJSON *doc, const char *bucket)
{
	const cJSON *sts = cJSON_GetObjectItemCaseSensitive(doc, "Statement"), *st;
	char *own = xasprintf("arn:aws:s3:::%s", bucket);
	const char *why = NULL;
	cJSON *one = NULL; /* a lone statement, as a list of one */
	const cJSON *list = sts;
	if (cJSON_IsObject(sts)) {
		one = cJSON_CreateArray();
		cJSON_AddItemReferenceToArray(one, (cJSON *)sts);
		list = one;
	}
	cJSON_ArrayForEach(st, list)
	{
		if (!why && (!each_string(cJSON_GetObjectItemCaseSensitive(st, "Resource"),
					  bucket_resource, own) ||
			     !each_string(cJSON_GetObjectItemCaseSensitive(st, "NotResource"),
					  bucket_resource, own)))
			why = "Policy has invalid resource";
		if (!why && (!each_string(cJSON_GetObjectItemCaseSensitive(st, "Action"), s3_action,
					  NULL) ||
			     !each_string(cJSON_GetObjectItemCaseSensitive(st, "NotAction"),
					  s3_action, NULL)))
			why = "Policy has invalid action";
	}
	cJSON_Delete(one);
	free(own);
	return why;
}

/* A bucket policy is validated as IAM validates a resource-based policy, and must speak of
 * S3 and of this bucket; S3 refuses the rest as MalformedPolicy, in its own words. */
static cJSON *op_put_bucket_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = query_str(in, "Bucket"), *doc = query_str(in, "Policy");
	if (!bucket_owned(call->cloud, call->caller->account, bucket, in, err))
		return NULL;
	cJSON *parsed = doc ? cJSON_Parse(doc) : NULL;
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(parsed, "Statement");
	bool object = cJSON_IsObject(parsed);
	bool statements = cJSON_IsArray(st) || cJSON_IsObject(st);
	char msg[256] = "";
	const char *why = !object       ? s3_policy_reason("This policy contains invalid Json")
			  : !statements ? "Missing required field Statement"
			  : strlen(doc) > S3_POLICY_MAX
				  ? "Policy exceeds the maximum allowed document size."
				  : NULL;
	struct iam_policy *p =
		why ? NULL : iam_policy_parse(doc, IAM_POLICY_RESOURCE, msg, sizeof(msg));
	if (!why && !p)
		why = s3_policy_reason(msg);
	if (!why)
		why = s3_policy_scope(parsed, bucket);
	iam_policy_free(p);
	cJSON_Delete(parsed);
	if (why) {
		aws_err_set(err, 400, "MalformedPolicy", "%s", why);
		return NULL;
	}
	if (s3_policy_blocked(call->cloud, bucket, doc, err))
		return NULL;
	if (!policy_write(call->cloud, bucket, doc))
		return aws_err_set(err, 500, "InternalError", "cannot record the policy"), NULL;
	return cJSON_CreateObject();
}

static cJSON *op_delete_bucket_policy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = query_str(in, "Bucket");
	if (!bucket_owned(call->cloud, call->caller->account, bucket, in, err))
		return NULL;
	policy_write(call->cloud, bucket, NULL);
	return cJSON_CreateObject();
}

/* The one region's buckets: an empty LocationConstraint, as S3 answers for us-east-1. */
static cJSON *op_get_bucket_location(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!bucket_owned(call->cloud, call->caller->account, query_str(in, "Bucket"), in, err))
		return NULL;
	return cJSON_CreateObject();
}

/* ---- listing ---- */

/* s %-encoded as S3's EncodingType=url does (unreserved and '/' kept), or s itself. */
static cJSON *key_json(const char *s, bool encode)
{
	if (!encode)
		return cJSON_CreateString(s);
	struct strbuf sb = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~/", *p))
			strbuf_addch(&sb, (char)*p);
		else
			strbuf_addf(&sb, "%%%02X", *p);
	}
	cJSON *j = cJSON_CreateString(strbuf_str(&sb));
	strbuf_release(&sb);
	return j;
}

static void add_key(cJSON *o, const char *name, const char *s, bool encode)
{
	cJSON_AddItemToObject(o, name, key_json(s, encode));
}

/* One row of a listing: an object, or a common prefix (size < 0). */
struct entry {
	char *key;
	char etag[64];
	long long size, modified;
	char vid[40];        /* a version's id (ListObjectVersions) */
	bool latest, marker; /* whether it is its key's newest version; a delete marker */
};

/* What a listing request asks for, and what it found. */
struct listing {
	const char *prefix, *delim;
	const char *after; /* keys greater than this only */
	long max;
	bool encode;
	struct entry *items;
	size_t n, cap;
	bool truncated;
	const char *last; /* the last key or prefix listed (borrowed from items) */
};

static void listing_release(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].key);
	free(l->items);
}

static struct entry *listing_push(struct listing *l, char *key)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->items = xreallocarray(l->items, l->cap, sizeof(*l->items));
	}
	struct entry *e = &l->items[l->n++];
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->size = -1;
	l->last = key;
	return e;
}

/* Where a listing's next key goes (keys come in order; plen is the prefix's length). */
enum row_place {
	ROW_ENTRY,     /* an entry of its own */
	ROW_GROUPED,   /* folded into a common prefix, pushed the first time it is seen */
	ROW_SKIPPED,   /* in a common prefix already listed (or the marker's) */
	ROW_PAGE_FULL, /* past the page: the listing is truncated */
};

static enum row_place listing_place(struct listing *l, const char *key, size_t plen, char **last_cp)
{
	char *cp = NULL;
	if (l->delim) {
		const char *d = strstr(key + plen, l->delim);
		if (d)
			cp = xstrndup(key, (size_t)(d - key) + strlen(l->delim));
	}
	if (cp && ((*last_cp && strcmp(cp, *last_cp) == 0) || strcmp(cp, l->after) == 0)) {
		free(cp);
		return ROW_SKIPPED;
	}
	if ((long)l->n >= l->max) {
		l->truncated = true;
		free(cp);
		return ROW_PAGE_FULL;
	}
	if (!cp)
		return ROW_ENTRY;
	free(*last_cp);
	*last_cp = xstrdup(cp);
	listing_push(l, cp);
	return ROW_GROUPED;
}

/*
 * The bucket's keys after l->after that start with l->prefix, in UTF-8 byte order, with
 * those that go on past l->delim rolled into common prefixes, up to l->max rows.
 */
static void listing_run(struct cloud *c, const char *bucket, struct listing *l)
{
	size_t plen = strlen(l->prefix);
	char *last_cp = NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	/* Bytes, not characters: substr() counts characters in TEXT. */
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT key, size, etag, modified FROM s3_objects WHERE bucket=?"
			       " AND key > ? AND substr(CAST(key AS BLOB), 1, ?) = CAST(? AS BLOB)"
			       " ORDER BY key",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, l->after, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 3, (int)plen);
		sqlite3_bind_text(q, 4, l->prefix, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *key = (const char *)sqlite3_column_text(q, 0);
			enum row_place at = listing_place(l, key, plen, &last_cp);
			if (at == ROW_PAGE_FULL)
				break;
			if (at != ROW_ENTRY)
				continue;
			struct entry *e = listing_push(l, xstrdup(key));
			e->size = sqlite3_column_int64(q, 1);
			snprintf(e->etag, sizeof(e->etag), "%s",
				 (const char *)sqlite3_column_text(q, 2));
			e->modified = sqlite3_column_int64(q, 3);
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	free(last_cp);
}

/* The members every listing shares; false with err filled when one is bad. */
static bool listing_args(const cJSON *in, const char *bucket, struct listing *l,
			 struct aws_err *err)
{
	memset(l, 0, sizeof(*l));
	const char *prefix = query_str(in, "Prefix"), *delim = query_str(in, "Delimiter");
	const char *enc = query_str(in, "EncodingType");
	l->prefix = prefix ? prefix : "";
	l->delim = delim && delim[0] ? delim : NULL;
	l->encode = enc && strcmp(enc, "url") == 0;
	if (enc && !l->encode)
		return bucket_err(err, 400, "InvalidArgument", bucket,
				  "Invalid Encoding Method specified in Request");
	l->max = 1000;
	const cJSON *mk = cJSON_GetObjectItemCaseSensitive(in, "MaxKeys");
	if (cJSON_IsNumber(mk)) {
		if (mk->valuedouble < 0 || mk->valuedouble > 2147483647.0)
			return bucket_err(err, 400, "InvalidArgument", bucket,
					  "Provided max-keys not an integer or within integer "
					  "range");
		l->max = mk->valuedouble > 1000 ? 1000 : (long)mk->valuedouble;
	}
	return true;
}

/* The head every listing answers with: name, prefix, delimiter, page size, encoding. */
static cJSON *listing_out(const char *bucket, const struct listing *l)
{
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "Name", bucket);
	add_key(out, "Prefix", l->prefix, l->encode);
	if (l->delim)
		add_key(out, "Delimiter", l->delim, l->encode);
	cJSON_AddNumberToObject(out, "MaxKeys", (double)l->max);
	if (l->encode)
		cJSON_AddStringToObject(out, "EncodingType", "url");
	cJSON_AddBoolToObject(out, "IsTruncated", l->truncated);
	return out;
}

/* The rows: objects into list (Contents or Versions), common prefixes after them. */
static void listing_rows(cJSON *out, const struct listing *l, const char *list, const char *account)
{
	cJSON *items = NULL, *prefixes = NULL;
	for (size_t i = 0; i < l->n; i++) {
		const struct entry *e = &l->items[i];
		if (e->size < 0) {
			if (!prefixes)
				prefixes = cJSON_CreateArray();
			cJSON *p = cJSON_CreateObject();
			add_key(p, "Prefix", e->key, l->encode);
			cJSON_AddItemToArray(prefixes, p);
			continue;
		}
		if (!items)
			items = cJSON_AddArrayToObject(out, list);
		cJSON *o = cJSON_CreateObject();
		add_key(o, "Key", e->key, l->encode);
		if (account) {
			cJSON_AddStringToObject(o, "VersionId", "null");
			cJSON_AddTrueToObject(o, "IsLatest");
		}
		cJSON_AddNumberToObject(o, "LastModified", (double)e->modified / 1000.0);
		char *etag = xasprintf("\"%s\"", e->etag);
		cJSON_AddStringToObject(o, "ETag", etag);
		free(etag);
		cJSON_AddNumberToObject(o, "Size", (double)e->size);
		cJSON_AddStringToObject(o, "StorageClass", "STANDARD");
		if (account) {
			cJSON *owner = cJSON_AddObjectToObject(o, "Owner");
			cJSON_AddStringToObject(owner, "DisplayName", account);
			cJSON_AddStringToObject(owner, "ID", account);
		}
		cJSON_AddItemToArray(items, o);
	}
	if (prefixes)
		cJSON_AddItemToObject(out, "CommonPrefixes", prefixes);
}

/* ListObjects (v1: Marker) and ListObjectsV2 (ContinuationToken, StartAfter). */
static cJSON *list_objects(struct svc_call *call, const cJSON *in, struct aws_err *err, bool v2)
{
	struct cloud *c = call->cloud;
	const char *bucket = query_str(in, "Bucket");
	struct listing l;
	if (!bucket_owned(c, call->caller->account, bucket, in, err) ||
	    !listing_args(in, bucket, &l, err))
		return NULL;
	char *after = NULL;
	const char *token = v2 ? query_str(in, "ContinuationToken") : NULL;
	const char *sa = query_str(in, v2 ? "StartAfter" : "Marker");
	if (token) {
		size_t n = 0;
		unsigned char *dec = aws_base64_decode(token, strlen(token), &n);
		if (!dec || !token[0] || memchr(dec, '\0', n)) {
			free(dec);
			return bucket_err(err, 400, "InvalidArgument", bucket,
					  "The continuation token provided is incorrect"),
			       NULL;
		}
		after = (char *)dec;
	} else {
		after = xstrdup(sa ? sa : "");
	}
	l.after = after;
	listing_run(c, bucket, &l);
	cJSON *out = listing_out(bucket, &l);
	if (v2) {
		cJSON_AddNumberToObject(out, "KeyCount", (double)l.n);
		if (token)
			cJSON_AddStringToObject(out, "ContinuationToken", token);
		if (l.truncated && l.last) {
			char *next = aws_base64_encode(l.last, strlen(l.last));
			cJSON_AddStringToObject(out, "NextContinuationToken", next);
			free(next);
		}
		if (sa)
			add_key(out, "StartAfter", sa, l.encode);
	} else {
		add_key(out, "Marker", sa ? sa : "", l.encode);
		if (l.truncated && l.last)
			add_key(out, "NextMarker", l.last, l.encode);
	}
	listing_rows(out, &l, "Contents", NULL);
	listing_release(&l);
	free(after);
	return out;
}

static cJSON *op_list_objects(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return list_objects(call, in, err, false);
}

static cJSON *op_list_objects_v2(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return list_objects(call, in, err, true);
}

/*
 * A bucket's versions after (km, vm) that start with l->prefix: by key in UTF-8 byte order,
 * each key's newest first, with keys that go on past l->delim rolled into common prefixes,
 * up to l->max rows. vm_seq is the order of the version the listing starts after (-1 for
 * none: it starts after key l->after).
 */
static void versions_run(struct cloud *c, const char *bucket, struct listing *l, long long vm_seq)
{
	size_t plen = strlen(l->prefix);
	char *last_cp = NULL;
	pthread_mutex_lock(&c->db->mu);
	/* A current object is its key's newest version; a noncurrent row is the newest only
	 * when its key has no current object and nothing newer. */
	sqlite3_stmt *q = db_prep(
		c->db,
		"SELECT key, version_id, size, etag, modified, marker, seq, latest FROM ("
		" SELECT key, version_id, size, etag, modified, 0 AS marker, seq, 1 AS latest"
		" FROM s3_objects WHERE bucket=?1"
		" UNION ALL SELECT v.key, v.version_id, v.size, v.etag, v.modified, v.marker,"
		" v.seq, NOT EXISTS (SELECT 1 FROM s3_objects o WHERE o.bucket=v.bucket AND"
		" o.key=v.key) AND v.seq=(SELECT max(seq) FROM s3_versions w WHERE"
		" w.bucket=v.bucket AND w.key=v.key) FROM s3_versions v WHERE v.bucket=?1)"
		" WHERE (key > ?2 OR (key = ?2 AND ?5 >= 0 AND seq < ?5))"
		" AND substr(CAST(key AS BLOB), 1, ?3) = CAST(?4 AS BLOB)"
		" ORDER BY CAST(key AS BLOB), seq DESC");
	if (q) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, l->after, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 3, (int)plen);
		sqlite3_bind_text(q, 4, l->prefix, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 5, vm_seq);
	}
	while (q && sqlite3_step(q) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(q, 0);
		enum row_place at = listing_place(l, key, plen, &last_cp);
		if (at == ROW_PAGE_FULL)
			break;
		if (at != ROW_ENTRY)
			continue;
		struct entry *e = listing_push(l, xstrdup(key));
		snprintf(e->vid, sizeof(e->vid), "%s", (const char *)sqlite3_column_text(q, 1));
		e->size = sqlite3_column_int64(q, 2);
		snprintf(e->etag, sizeof(e->etag), "%s", (const char *)sqlite3_column_text(q, 3));
		e->modified = sqlite3_column_int64(q, 4);
		e->marker = sqlite3_column_int(q, 5) != 0;
		e->latest = sqlite3_column_int(q, 7) != 0;
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	free(last_cp);
}

/* The order of version vid of key: 0 for one made before versions were ordered, and for
 * none (the listing then goes on with the key's versions older than any). */
static long long version_seq_of(struct cloud *c, const char *bucket, const char *key,
				const char *vid)
{
	long long seq = 0;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = db_prep(c->db, "SELECT seq FROM s3_objects WHERE bucket=?1 AND key=?2 AND"
					 " version_id=?3 UNION ALL SELECT seq FROM s3_versions"
					 " WHERE bucket=?1 AND key=?2 AND version_id=?3");
	sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, vid, -1, SQLITE_STATIC);
	if (q && sqlite3_step(q) == SQLITE_ROW)
		seq = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return seq;
}

/* The rows of ListObjectVersions: objects' versions, delete markers, common prefixes. */
static void version_rows(cJSON *out, const struct listing *l, const char *account)
{
	cJSON *versions = NULL, *markers = NULL, *prefixes = NULL;
	for (size_t i = 0; i < l->n; i++) {
		const struct entry *e = &l->items[i];
		if (!e->vid[0]) {
			if (!prefixes)
				prefixes = cJSON_CreateArray();
			cJSON *p = cJSON_CreateObject();
			add_key(p, "Prefix", e->key, l->encode);
			cJSON_AddItemToArray(prefixes, p);
			continue;
		}
		cJSON **list = e->marker ? &markers : &versions;
		if (!*list)
			*list = cJSON_AddArrayToObject(out,
						       e->marker ? "DeleteMarkers" : "Versions");
		cJSON *o = cJSON_CreateObject();
		cJSON *owner = cJSON_AddObjectToObject(o, "Owner");
		cJSON_AddStringToObject(owner, "DisplayName", account);
		cJSON_AddStringToObject(owner, "ID", account);
		add_key(o, "Key", e->key, l->encode);
		cJSON_AddStringToObject(o, "VersionId", e->vid);
		cJSON_AddBoolToObject(o, "IsLatest", e->latest);
		cJSON_AddNumberToObject(o, "LastModified", (double)e->modified / 1000.0);
		if (!e->marker) {
			char *etag = xasprintf("\"%s\"", e->etag);
			cJSON_AddStringToObject(o, "ETag", etag);
			free(etag);
			cJSON_AddNumberToObject(o, "Size", (double)e->size);
			cJSON_AddStringToObject(o, "StorageClass", "STANDARD");
		}
		cJSON_AddItemToArray(*list, o);
	}
	if (prefixes)
		cJSON_AddItemToObject(out, "CommonPrefixes", prefixes);
}

/*
 * ListObjectVersions: every version and delete marker, each key's newest first, paged by
 * KeyMarker and VersionIdMarker. A bucket never versioned has one version of each object,
 * whose id is "null".
 */
static cJSON *op_list_object_versions(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account, *bucket = query_str(in, "Bucket");
	struct listing l;
	if (!bucket_owned(c, account, bucket, in, err) || !listing_args(in, bucket, &l, err))
		return NULL;
	const char *km = query_str(in, "KeyMarker"), *vm = query_str(in, "VersionIdMarker");
	if (vm && vm[0] && !(km && km[0]))
		return bucket_err(err, 400, "InvalidArgument", bucket,
				  "A version-id marker cannot be specified without a key marker."),
		       NULL;
	if (vm && vm[0] && !s3_version_id_ok(vm))
		return bucket_err(err, 400, "InvalidArgument", bucket,
				  "Invalid version id specified"),
		       NULL;
	l.after = km ? km : "";
	versions_run(c, bucket, &l, vm && vm[0] ? version_seq_of(c, bucket, km, vm) : -1);
	cJSON *out = listing_out(bucket, &l);
	add_key(out, "KeyMarker", km ? km : "", l.encode);
	cJSON_AddStringToObject(out, "VersionIdMarker", vm ? vm : "");
	if (l.truncated && l.last) {
		const struct entry *e = &l.items[l.n - 1];
		add_key(out, "NextKeyMarker", l.last, l.encode);
		if (e->vid[0])
			cJSON_AddStringToObject(out, "NextVersionIdMarker", e->vid);
	}
	version_rows(out, &l, account);
	listing_release(&l);
	return out;
}

/* ---- objects ---- */

struct s3obj {
	char file[40];
	long long size;
	char etag[64];
	char *ctype;
	char *meta; /* JSON object text */
	char *tags; /* the TagSet's JSON text, or NULL for none */
	long long modified;
	char *checksum; /* {"ChecksumCRC32":"..."} as JSON text, or NULL for none */
	char *sse;      /* {"ServerSideEncryption":"aws:kms",...}, or NULL for SSE-S3 */
	char vid[40];   /* its version id: "null" unless made in a bucket with versioning */
	char *parts;    /* a multipart object's parts as JSON text, or NULL */
};

static void s3obj_release(struct s3obj *o)
{
	free(o->meta);
	free(o->ctype);
	free(o->tags);
	free(o->checksum);
	free(o->sse);
	free(o->parts);
	o->meta = o->ctype = o->tags = o->checksum = o->sse = o->parts = NULL;
}

/*
 * Version vid of the object (its current version when vid is NULL) into o. A delete marker
 * is found too, with *marker set (marker may be NULL only when vid is).
 */
static bool object_version(struct cloud *c, const char *bucket, const char *key, const char *vid,
			   struct s3obj *o, bool *marker)
{
	bool found = false;
	memset(o, 0, sizeof(*o));
	if (marker)
		*marker = false;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(
		    c->db->db,
		    "SELECT file, size, etag, ctype, meta, modified, tags, checksum, sse,"
		    " version_id, 0, parts FROM s3_objects"
		    " WHERE bucket=?1 AND key=?2 AND (?3 IS NULL OR version_id=?3)"
		    " UNION ALL SELECT file, size, etag, ctype, meta, modified, tags,"
		    " checksum, sse, version_id, marker, parts FROM s3_versions"
		    " WHERE ?3 IS NOT NULL AND bucket=?1 AND key=?2 AND version_id=?3",
		    -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, vid, -1, SQLITE_STATIC); /* NULL binds NULL */
		if (sqlite3_step(q) == SQLITE_ROW) {
			found = true;
			snprintf(o->vid, sizeof(o->vid), "%s", sqlite3_column_text(q, 9));
			if (marker)
				*marker = sqlite3_column_int(q, 10) != 0;
			snprintf(o->file, sizeof(o->file), "%s", sqlite3_column_text(q, 0));
			o->size = sqlite3_column_int64(q, 1);
			snprintf(o->etag, sizeof(o->etag), "%s", sqlite3_column_text(q, 2));
			o->ctype = xstrdup((const char *)sqlite3_column_text(q, 3));
			o->meta = xstrdup((const char *)sqlite3_column_text(q, 4));
			o->modified = sqlite3_column_int64(q, 5);
			o->tags = xstrdup((const char *)sqlite3_column_text(q, 6));
			if (sqlite3_column_type(q, 7) == SQLITE_TEXT)
				o->checksum = xstrdup((const char *)sqlite3_column_text(q, 7));
			if (sqlite3_column_type(q, 8) == SQLITE_TEXT)
				o->sse = xstrdup((const char *)sqlite3_column_text(q, 8));
			if (sqlite3_column_type(q, 11) == SQLITE_TEXT)
				o->parts = xstrdup((const char *)sqlite3_column_text(q, 11));
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return found;
}

static bool object_find(struct cloud *c, const char *bucket, const char *key, struct s3obj *o)
{
	return object_version(c, bucket, key, NULL, o, NULL);
}

/*
 * Record the object as its key's current version, its version id into o->vid: in a bucket
 * with versioning the one it replaces is kept as a noncurrent version (versions.c), else the
 * file it replaced (if any) is removed.
 */
static bool object_store(struct cloud *c, const char *account, const char *bucket, const char *key,
			 struct s3obj *o)
{
	char old[40] = "";
	bool ok = false;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	enum s3_versioning v = s3_versioning_locked(c->db->db, bucket);
	snprintf(o->vid, sizeof(o->vid), "null");
	if (v == S3_VERSIONING_ENABLED)
		s3_version_id_new(o->vid);
	sqlite3_exec(c->db->db, "SAVEPOINT s3_store", NULL, NULL, NULL);
	if (v != S3_UNVERSIONED) {
		if (!s3_versions_make_room(c->db->db, bucket, key, v, old))
			goto stored;
	} else if (sqlite3_prepare_v2(c->db->db,
				      "SELECT file FROM s3_objects WHERE bucket=? AND key=?", -1,
				      &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			snprintf(old, sizeof(old), "%s", sqlite3_column_text(q, 0));
	}
	sqlite3_finalize(q);
	q = NULL;
	if (sqlite3_prepare_v2(
		    c->db->db,
		    "INSERT OR REPLACE INTO s3_objects(bucket, key, file, size, etag,"
		    " ctype, meta, modified, tags, checksum, sse, version_id, seq, parts)"
		    " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		    -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, o->file, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, o->size);
		sqlite3_bind_text(q, 5, o->etag, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 6, o->ctype, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 7, o->meta ? o->meta : "{}", -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 8, o->modified);
		sqlite3_bind_text(q, 9, o->tags ? o->tags : "[]", -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 10, o->checksum, -1, SQLITE_STATIC); /* NULL binds NULL */
		sqlite3_bind_text(q, 11, o->sse, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 12, o->vid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 13, s3_version_seq(c->db->db));
		sqlite3_bind_text(q, 14, o->parts, -1, SQLITE_STATIC);
		ok = sqlite3_step(q) == SQLITE_DONE;
	}
	sqlite3_finalize(q);
stored:
	sqlite3_exec(c->db->db, ok ? "RELEASE s3_store" : "ROLLBACK TO s3_store", NULL, NULL, NULL);
	if (!ok)
		sqlite3_exec(c->db->db, "RELEASE s3_store", NULL, NULL, NULL);
	pthread_mutex_unlock(&c->db->mu);
	if (ok && old[0] && strcmp(old, o->file) != 0) {
		char *path = xasprintf("%s/s3/%s/%s/%s", c->state_dir, account, bucket, old);
		unlink(path);
		free(path);
	}
	return ok;
}

static void fresh_file_name(char out[40])
{
	aws_random_hex(out, 32);
}

/* MD5 of a file's contents, streamed. */
static bool md5_file(const char *path, char out[33], long long *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct md5 ctx;
	md5_init(&ctx);
	char *buf = xmalloc(1 << 20);
	long long total = 0;
	ssize_t n;
	while ((n = read(fd, buf, 1 << 20)) > 0) {
		md5_update(&ctx, buf, (size_t)n);
		total += n;
	}
	free(buf);
	close(fd);
	unsigned char md[MD5_LEN];
	md5_final(&ctx, md);
	for (unsigned i = 0; i < MD5_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	*size = total;
	return n == 0;
}

/* An S3 error naming the object (S3 adds <Key> to NoSuchKey and its kin). */
static bool key_err(struct aws_err *err, int status, const char *code, const char *key,
		    const char *fmt, ...) XALLOC_PRINTF(5, 6);

static bool key_err(struct aws_err *err, int status, const char *code, const char *key,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	aws_err_set(err, status, code, "%s", msg);
	free(msg);
	return key ? err_field(err, "Key", key) : false;
}

/*
 * The object's key into key. A client's is decoded again from the bytes it sent (the server's
 * decoded path ends at a NUL, and is not checked for UTF-8): never cut short, refused when it
 * is not a name S3 keeps. Another service's is the input's Key.
 */
static bool object_key(struct svc_call *call, const cJSON *in, struct strbuf *key,
		       struct aws_err *err)
{
	const char *given = query_str(in, "Key");
	const struct http_req *req = call->http;
	if (!req || !req->raw_path) {
		if (!given || !given[0])
			return key_err(err, 400, "InvalidArgument", NULL, "An object needs a key");
		strbuf_addstr(key, given);
	} else {
		const char *p = req->raw_path[0] == '/' ? req->raw_path + 1 : req->raw_path;
		const char *slash = strchr(p, '/');
		size_t end = strcspn(slash ? slash + 1 : "", "?");
		const char *why = NULL;
		if (!slash || !s3_name_decode(slash + 1, end, key, &why))
			return key_err(err, 400, "InvalidURI", NULL,
				       "Couldn't parse the specified URI: the key holds %s.",
				       why ? why : "nothing");
	}
	if (key->len > S3_KEY_MAX)
		return key_err(err, 400, "KeyTooLongError", NULL, "Your key is too long");
	return true;
}

static char *object_path(struct cloud *c, const char *account, const char *bucket, const char *file)
{
	return xasprintf("%s/s3/%s/%s/%s", c->state_dir, account, bucket, file);
}

/* The object's metadata (the model's Metadata map) as stored: a JSON object's text. */
static char *meta_text(const cJSON *in)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(in, "Metadata");
	return cJSON_IsObject(m) ? cJSON_PrintUnformatted(m) : xstrdup("{}");
}

/* The number of characters of s, well-formed UTF-8. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* A TagSet as S3 takes it (at most 10 tags, keys of 1 to 128 characters and values of at
 * most 256, no key twice): its JSON text into *out (caller frees), or false with err filled. */
static bool tags_check(const cJSON *set, const char *key, char **out, struct aws_err *err)
{
	const cJSON *t, *u;
	if (cJSON_GetArraySize(set) > 10)
		return key_err(err, 400, "BadRequest", key,
			       "Object tags cannot be greater than 10");
	cJSON_ArrayForEach(t, set)
	{
		const char *k = query_str(t, "Key"), *v = query_str(t, "Value");
		if (!k || !k[0] || str_utf8_valid(k, strlen(k)) != strlen(k) || utf8_chars(k) > 128)
			return key_err(err, 400, "InvalidTag", key,
				       "The TagKey you have provided is invalid");
		if (!v || str_utf8_valid(v, strlen(v)) != strlen(v) || utf8_chars(v) > 256)
			return key_err(err, 400, "InvalidTag", key,
				       "The TagValue you have provided is invalid");
		for (u = t->next; u; u = u->next)
			if (strcmp(k, query_str(u, "Key") ? query_str(u, "Key") : "") == 0)
				return key_err(err, 400, "InvalidTag", key,
					       "Cannot provide multiple Tags with the same key");
	}
	cJSON *copy = cJSON_CreateArray();
	cJSON_ArrayForEach(t, set)
	{
		cJSON *tag = cJSON_CreateObject();
		cJSON_AddStringToObject(tag, "Key", query_str(t, "Key"));
		cJSON_AddStringToObject(tag, "Value", query_str(t, "Value"));
		cJSON_AddItemToArray(copy, tag);
	}
	*out = cJSON_PrintUnformatted(copy);
	cJSON_Delete(copy);
	return true;
}

/* The x-amz-tagging header (the input's Tagging: "k1=v1&k2=v2", URL-encoded) as a TagSet's
 * JSON text into *out (caller frees; "[]" when absent), or false with err filled. */
static bool tags_from_header(const cJSON *in, const char *key, char **out, struct aws_err *err)
{
	const char *h = query_str(in, "Tagging");
	*out = NULL;
	if (!h || !h[0]) {
		*out = xstrdup("[]");
		return true;
	}
	cJSON *set = cJSON_CreateArray();
	struct strbuf k = STRBUF_INIT, v = STRBUF_INIT;
	bool ok = true;
	for (const char *p = h; ok && *p;) {
		size_t n = strcspn(p, "&");
		const char *eq = memchr(p, '=', n);
		size_t kn = eq ? (size_t)(eq - p) : n;
		strbuf_reset(&k);
		strbuf_reset(&v);
		ok = sigv4_uri_decode(&k, p, kn) &&
		     (!eq || sigv4_uri_decode(&v, eq + 1, n - kn - 1));
		for (size_t i = 0; ok && i < k.len; i++)
			k.buf[i] = k.buf[i] == '+' ? ' ' : k.buf[i];
		for (size_t i = 0; ok && i < v.len; i++)
			v.buf[i] = v.buf[i] == '+' ? ' ' : v.buf[i];
		ok = ok && strlen(strbuf_str(&k)) == k.len && strlen(strbuf_str(&v)) == v.len;
		if (ok) {
			cJSON *tag = cJSON_CreateObject();
			cJSON_AddStringToObject(tag, "Key", strbuf_str(&k));
			cJSON_AddStringToObject(tag, "Value", strbuf_str(&v));
			cJSON_AddItemToArray(set, tag);
		}
		p += n + (p[n] == '&');
	}
	strbuf_release(&k);
	strbuf_release(&v);
	if (!ok)
		key_err(err, 400, "InvalidArgument", key,
			"The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL "
			"query parameters without tag name duplicates.");
	else
		ok = tags_check(set, key, out, err);
	cJSON_Delete(set);
	return ok;
}

static const char *content_type(const cJSON *in)
{
	const char *ct = query_str(in, "ContentType");
	return ct && ct[0] ? ct : "binary/octet-stream";
}

static void notify(struct svc_call *call, const char *bucket, const char *key, const char *event,
		   const struct s3obj *o)
{
	cJSON *conf = NULL;
	char who[13];
	if (!bucket_find(call->cloud, bucket, who, &conf) || !conf)
		return;
	struct s3_change ch = {
		.account = call->caller->account,
		.bucket = bucket,
		.key = key,
		.event = event,
		.size = o ? o->size : 0,
		.etag = o ? o->etag : NULL,
		.source_ip = "127.0.0.1",
		.principal = call->caller->account,
		.trace = call->caller->trace[0] ? call->caller->trace : NULL,
	};
	s3_notify_deliver(call->cloud, conf, &ch);
	cJSON_Delete(conf);
}

/* EntityTooLarge, with the sizes S3 names in it. */
static bool entity_too_large(struct aws_err *err, unsigned long long proposed)
{
	aws_err_set(err, 400, "EntityTooLarge",
		    "Your proposed upload exceeds the maximum allowed size");
	err->fields = cJSON_CreateObject();
	char n[24];
	snprintf(n, sizeof(n), "%llu", proposed);
	cJSON_AddStringToObject(err->fields, "ProposedSize", n);
	snprintf(n, sizeof(n), "%llu", (unsigned long long)S3_PUT_MAX);
	cJSON_AddStringToObject(err->fields, "MaxSizeAllowed", n);
	return false;
}

/*
 * Put a request's body into the file at path: a client's spooled body is renamed there, a
 * small one written; another service's is the input's Body (base64). Its MD5 and size into
 * md5 and size. False with err filled (key names the object).
 */
static bool body_store(struct svc_call *call, const cJSON *in, const char *path, const char *key,
		       char md5[33], long long *size, struct aws_err *err)
{
	const struct http_req *req = call->http;
	struct error e;
	bool ok;
	if (req && req->too_large) {
		if (req->declared_len > S3_PUT_MAX)
			return entity_too_large(err, req->declared_len);
		return key_err(err, 400, "IncompleteBody", key,
			       "The request body could not be stored");
	}
	if (req && req->body_path) {
		ok = rename(req->body_path, path) == 0;
		if (!ok)
			error_set(&e, "cannot store the object: %s", strerror(errno));
	} else if (req) {
		ok = path_write_file(path, req->body, req->body_len, 0644, &e);
	} else {
		const char *b64 = query_str(in, "Body");
		size_t n = 0;
		unsigned char *raw = aws_base64_decode(b64 ? b64 : "", b64 ? strlen(b64) : 0, &n);
		ok = path_write_file(path, raw ? (const char *)raw : "", raw ? n : 0, 0644, &e);
		free(raw);
	}
	if (ok && !md5_file(path, md5, size)) {
		ok = false;
		error_set(&e, "cannot read the stored object back");
	}
	if (!ok) {
		unlink(path);
		return key_err(err, 500, "InternalError", key, "%s", e.msg);
	}
	return true;
}

/* Content-MD5 (base64 of 16 bytes) against the stored body's MD5 in hex. */
static bool digest_ok(const cJSON *in, const char *md5, const char *key, struct aws_err *err)
{
	const char *want = query_str(in, "ContentMD5");
	if (!want)
		return true;
	size_t n = 0;
	unsigned char *raw = aws_base64_decode(want, strlen(want), &n);
	char hex[33] = "";
	for (size_t i = 0; raw && n == 16 && i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	free(raw);
	if (strcmp(hex, md5) == 0)
		return true;
	if (!hex[0]) {
		aws_err_set(err, 400, "InvalidDigest",
			    "The Content-MD5 you specified was invalid.");
		return err_field(err, "Content-MD5", want);
	}
	return key_err(err, 400, "BadDigest", key,
		       "The Content-MD5 you specified did not match what we received.");
}

/* The storage classes a general purpose bucket takes (OUTPOSTS and EXPRESS_ONEZONE are for
 * other kinds of bucket). */
static bool storage_class_ok(const cJSON *in, struct aws_err *err)
{
	static const char *const classes[] = { "STANDARD",     "REDUCED_REDUNDANCY",  "STANDARD_IA",
					       "ONEZONE_IA",   "INTELLIGENT_TIERING", "GLACIER",
					       "DEEP_ARCHIVE", "GLACIER_IR",          NULL };
	const char *want = query_str(in, "StorageClass");
	for (const char *const *k = classes; want && *k; k++)
		if (strcmp(*k, want) == 0)
			return true;
	if (!want)
		return true;
	aws_err_set(err, 400, "InvalidStorageClass",
		    "The storage class you specified is not valid");
	return err_field(err, "StorageClassRequested", want);
}

/*
 * The encryption an upload asks for (ServerSideEncryption, SSEKMSKeyId) into *sse: NULL for
 * SSE-S3 (AES256, what S3 applies when none is asked for), else aws:kms with the key's ARN (the
 * account's AWS managed alias/aws/s3 when none is named) as JSON text (caller frees).
 */
static bool sse_kms(struct svc_call *call, const char *alg, const char *key, char **sse,
		    struct aws_err *err);

static bool sse_of(struct svc_call *call, const cJSON *in, char **sse, struct aws_err *err)
{
	*sse = NULL;
	const char *alg = query_str(in, "ServerSideEncryption");
	const char *key = query_str(in, "SSEKMSKeyId");
	char *bucket_key = NULL;
	/* An upload that asks for nothing gets the bucket's default encryption. */
	if (!alg && !key &&
	    s3_bucket_default_kms(call->cloud, query_str(in, "Bucket"), &bucket_key))
		alg = "aws:kms";
	key = bucket_key ? bucket_key : key;
	bool ok = sse_kms(call, alg, key, sse, err);
	free(bucket_key);
	return ok;
}

static bool sse_kms(struct svc_call *call, const char *alg, const char *key, char **sse,
		    struct aws_err *err)
{
	bool kms = alg && strcmp(alg, "aws:kms") == 0;
	if (key && !kms)
		return aws_err_set(err, 400, "InvalidArgument",
				   "Server Side Encryption with AWS KMS managed key requires HTTP "
				   "header x-amz-server-side-encryption : aws:kms");
	if (!alg || strcmp(alg, "AES256") == 0)
		return true;
	if (!kms)
		return aws_err_set(err, 501, "NotImplemented",
				   "The local cloud does not offer Amazon S3's %s with "
				   "ServerSideEncryption %s: leave it out",
				   call->op ? call->op : "upload", alg);
	cJSON *q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "KeyId", key ? key : "alias/aws/s3");
	struct aws_err kerr = { 0 };
	cJSON *out = svc_call_internal(call->cloud, call->caller, "kms", "DescribeKey", q, &kerr);
	cJSON_Delete(q);
	aws_err_release(&kerr);
	const char *arn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(out, "KeyMetadata"), "Arn"));
	if (!arn) {
		cJSON_Delete(out);
		return aws_err_set(err, 400, "KMS.NotFoundException", "Invalid keyId '%s'",
				   key ? key : "alias/aws/s3");
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ServerSideEncryption", "aws:kms");
	cJSON_AddStringToObject(o, "SSEKMSKeyId", arn);
	*sse = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	cJSON_Delete(out);
	return true;
}

/* The object's encryption, as S3 answers every upload and read with it. */
static void sse_out(cJSON *out, const char *sse)
{
	cJSON *o = sse ? cJSON_Parse(sse) : NULL;
	const char *alg =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "ServerSideEncryption"));
	const char *key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "SSEKMSKeyId"));
	cJSON_AddStringToObject(out, "ServerSideEncryption", alg ? alg : "AES256");
	if (key)
		cJSON_AddStringToObject(out, "SSEKMSKeyId", key);
	cJSON_Delete(o);
}

/* The members of a stored checksum ({"ChecksumCRC32":...}) into out. */
static void checksum_out(cJSON *out, const char *checksum)
{
	cJSON *o = checksum ? cJSON_Parse(checksum) : NULL;
	for (cJSON *m = o ? o->child : NULL; m; m = m->next)
		if (cJSON_IsString(m))
			cJSON_AddStringToObject(out, m->string, m->valuestring);
	cJSON_Delete(o);
}

static const char *trailer_of(const struct svc_call *call)
{
	return call->http ? call->http->trailer : NULL;
}

/* The version a write made or a read found, as S3 names it in a bucket with versioning. */
static void version_out(struct cloud *c, cJSON *out, const char *bucket, const char *vid)
{
	if (s3_versioning_of(c, bucket) != S3_UNVERSIONED)
		cJSON_AddStringToObject(out, "VersionId", vid);
}

static cJSON *op_put_object(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account, *bucket = query_str(in, "Bucket");
	struct strbuf kb = STRBUF_INIT;
	struct s3obj o = { 0 };
	cJSON *out = NULL;
	char *path = NULL;
	if (!bucket_owned(c, account, bucket, in, err) || !object_key(call, in, &kb, err))
		goto done;
	const char *key = strbuf_str(&kb);
	if (!storage_class_ok(in, err) || !tags_from_header(in, key, &o.tags, err) ||
	    !sse_of(call, in, &o.sse, err))
		goto done;
	fresh_file_name(o.file);
	path = object_path(c, account, bucket, o.file);
	if (!body_store(call, in, path, key, o.etag, &o.size, err))
		goto done;
	if (!digest_ok(in, o.etag, key, err) ||
	    !s3_sum_upload(in, trailer_of(call), path, &o.checksum, err)) {
		unlink(path);
		goto done;
	}
	o.ctype = xstrdup(content_type(in));
	o.meta = meta_text(in);
	o.modified = clock_wall_ms();
	if (!object_store(c, account, bucket, key, &o)) {
		unlink(path);
		key_err(err, 500, "InternalError", key, "cannot record the object");
		goto done;
	}
	out = cJSON_CreateObject();
	char *etag = xasprintf("\"%s\"", o.etag);
	cJSON_AddStringToObject(out, "ETag", etag);
	free(etag);
	checksum_out(out, o.checksum);
	sse_out(out, o.sse);
	version_out(c, out, bucket, o.vid);
	notify(call, bucket, key, "ObjectCreated:Put", &o);
done:
	free(path);
	s3obj_release(&o);
	strbuf_release(&kb);
	return out;
}

/* Parse "bytes=a-b" against size; false when unsatisfiable. *given false when no Range. */
static bool parse_range(const char *h, long long size, long long *off, long long *len, bool *given)
{
	*given = false;
	*off = 0;
	*len = size;
	if (!h || !str_starts_with(h, "bytes=") || strchr(h, ','))
		return true; /* ignored, as S3 does with what it cannot parse */
	const char *r = h + 6;
	char *end;
	if (*r == '-') {
		long long n = strtoll(r + 1, &end, 10);
		if (*end || n <= 0)
			return true;
		*given = true;
		if (size == 0)
			return false;
		if (n > size)
			n = size;
		*off = size - n;
		*len = n;
		return true;
	}
	long long a = strtoll(r, &end, 10);
	if (*end != '-' || a < 0)
		return true;
	long long b = size - 1;
	if (end[1]) {
		b = strtoll(end + 1, &end, 10);
		if (*end || b < a)
			return true;
	}
	*given = true;
	if (a >= size)
		return false;
	if (b >= size)
		b = size - 1;
	*off = a;
	*len = b - a + 1;
	return true;
}

/* The object's headers, as GetObject and HeadObject answer them. */
static void object_out(cJSON *out, const struct s3obj *o)
{
	cJSON_AddStringToObject(out, "AcceptRanges", "bytes");
	cJSON_AddNumberToObject(out, "LastModified", (double)(o->modified / 1000));
	char *etag = xasprintf("\"%s\"", o->etag);
	cJSON_AddStringToObject(out, "ETag", etag);
	free(etag);
	cJSON_AddStringToObject(out, "ContentType", o->ctype);
	cJSON *meta = cJSON_Parse(o->meta ? o->meta : "{}");
	if (cJSON_IsObject(meta) && meta->child)
		cJSON_AddItemToObject(out, "Metadata", meta);
	else
		cJSON_Delete(meta);
}

/* An ETag condition: "*" or a quoted or bare ETag, against the object's. */
static bool etag_matches(const char *cond, const char *etag)
{
	if (strcmp(cond, "*") == 0)
		return true;
	size_t n = strlen(cond);
	if (n >= 2 && cond[0] == '"' && cond[n - 1] == '"')
		return n - 2 == strlen(etag) && strncmp(cond + 1, etag, n - 2) == 0;
	return strcmp(cond, etag) == 0;
}

/*
 * The conditional headers of GetObject and HeadObject, in S3's order: If-Match, then
 * If-Unmodified-Since (412 Precondition Failed); If-None-Match, then If-Modified-Since
 * (304 Not Modified). A HEAD's error has no body, so a client names it by its status.
 */
static bool preconditions_hold(const cJSON *in, const struct s3obj *o, bool head,
			       struct aws_err *err)
{
	const char *if_match = query_str(in, "IfMatch");
	const char *if_none = query_str(in, "IfNoneMatch");
	const cJSON *since = cJSON_GetObjectItemCaseSensitive(in, "IfModifiedSince");
	const cJSON *unmod = cJSON_GetObjectItemCaseSensitive(in, "IfUnmodifiedSince");
	double modified = (double)(o->modified / 1000);
	const char *failed = NULL;
	if (if_match && !etag_matches(if_match, o->etag))
		failed = "If-Match";
	else if (!if_match && cJSON_IsNumber(unmod) && modified > unmod->valuedouble)
		failed = "If-Unmodified-Since";
	if (failed) {
		aws_err_set(err, 412, head ? "412" : "PreconditionFailed", "%s",
			    head ? "Precondition Failed"
				 : "At least one of the pre-conditions you specified did not hold");
		if (!head)
			err_field(err, "Condition", failed);
		return false;
	}
	if ((if_none && etag_matches(if_none, o->etag)) ||
	    (!if_none && cJSON_IsNumber(since) && modified <= since->valuedouble))
		return aws_err_set(err, 304, "304", "Not Modified");
	return true;
}

/* The headers S3 answers a delete marker with (the error's body has no room for them). */
static void marker_headers(struct svc_call *call, const char *vid)
{
	if (!call->resp)
		return;
	http_resp_headerf(call->resp, "x-amz-delete-marker", "true");
	http_resp_headerf(call->resp, "x-amz-version-id", "%s", vid);
}

/*
 * The object (or its VersionId) a GetObject or HeadObject reads into o: NoSuchKey when there
 * is none (its newest version a delete marker, said in headers), NoSuchVersion for a version
 * that is not there, MethodNotAllowed for a version that is a delete marker.
 */
static bool object_read_find(struct svc_call *call, const cJSON *in, const char *bucket,
			     const char *key, struct s3obj *o, bool head, struct aws_err *err)
{
	const char *vid = query_str(in, "VersionId");
	bool marker = false;
	char latest[40];
	if (vid && !s3_version_id_ok(vid)) {
		aws_err_set(err, 400, head ? "400" : "InvalidArgument", "%s",
			    head ? "Bad Request" : "Invalid version id specified");
		if (!head) {
			err_field(err, "ArgumentName", "versionId");
			err_field(err, "ArgumentValue", vid);
		}
		return false;
	}
	if (!object_version(call->cloud, bucket, key, vid, o, &marker)) {
		if (vid) {
			key_err(err, 404, head ? "NotFound" : "NoSuchVersion", key, "%s",
				head ? "Not Found" : "The specified version does not exist.");
			if (!head)
				err_field(err, "VersionId", vid);
			return false;
		}
		if (s3_versions_latest_marker(call->cloud, bucket, key, latest))
			marker_headers(call, latest);
		return key_err(err, 404, head ? "NotFound" : "NoSuchKey", key, "%s",
			       head ? "Not Found" : "The specified key does not exist.");
	}
	if (!marker)
		return true;
	marker_headers(call, o->vid);
	s3obj_release(o);
	aws_err_set(err, 405, head ? "405" : "MethodNotAllowed", "%s",
		    head ? "Method Not Allowed"
			 : "The specified method is not allowed against this resource.");
	if (!head) {
		err_field(err, "Method", "GET");
		err_field(err, "ResourceType", "DeleteMarker");
	}
	return false;
}

/*
 * GetObject and HeadObject. A client's body streams from the object's file (the server sends
 * none for HEAD); another service gets it in Body, base64, whole or the range asked for.
 */
static cJSON *object_read(struct svc_call *call, const cJSON *in, struct aws_err *err, bool head)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account, *bucket = query_str(in, "Bucket");
	struct strbuf kb = STRBUF_INIT;
	struct s3obj o = { 0 };
	cJSON *out = NULL;
	if (!bucket_owned(c, account, bucket, in, err) || !object_key(call, in, &kb, err))
		goto done;
	const char *key = strbuf_str(&kb);
	if (!object_read_find(call, in, bucket, key, &o, head, err))
		goto done;
	if (!preconditions_hold(in, &o, head, err))
		goto done;
	if (query_str(in, "Range") && cJSON_GetObjectItemCaseSensitive(in, "PartNumber")) {
		aws_err_set(err, 400, "InvalidRequest",
			    "Cannot specify both Range header and partNumber query parameter");
		goto done;
	}
	long long off, len;
	bool ranged;
	if (!parse_range(query_str(in, "Range"), o.size, &off, &len, &ranged)) {
		char size[24];
		snprintf(size, sizeof(size), "%lld", o.size);
		aws_err_set(err, 416, "InvalidRange", "The requested range is not satisfiable");
		err_field(err, "ActualObjectSize", size);
		err_field(err, "RangeRequested", query_str(in, "Range"));
		if (call->resp)
			http_resp_headerf(call->resp, "Content-Range", "bytes */%lld", o.size);
		goto done;
	}
	char *path = object_path(c, account, bucket, o.file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0) {
		key_err(err, 500, "InternalError", key, "the object's file is missing");
		goto done;
	}
	out = cJSON_CreateObject();
	object_out(out, &o);
	sse_out(out, o.sse);
	version_out(c, out, bucket, o.vid);
	/* The whole object's checksum, when asked for: a range or a part has none of its own. */
	const char *mode = query_str(in, "ChecksumMode");
	if (mode && strcmp(mode, "ENABLED") == 0 && !ranged &&
	    !cJSON_GetObjectItemCaseSensitive(in, "PartNumber"))
		checksum_out(out, o.checksum);
	cJSON *tags = head ? NULL : cJSON_Parse(o.tags ? o.tags : "[]");
	if (cJSON_GetArraySize(tags) > 0)
		cJSON_AddNumberToObject(out, "TagCount", cJSON_GetArraySize(tags));
	cJSON_Delete(tags);
	if (ranged) {
		char *range = xasprintf("bytes %lld-%lld/%lld", off, off + len - 1, o.size);
		cJSON_AddStringToObject(out, "ContentRange", range);
		free(range);
	}
	if (call->resp) {
		/* The length is the file's, as the server sends it (or, for HEAD, would). */
		if (ranged)
			call->resp->status = 206;
		call->resp->content_type = NULL;
		call->resp->file_fd = fd;
		call->resp->file_off = off;
		call->resp->file_len = len;
		goto done;
	}
	cJSON_AddNumberToObject(out, "ContentLength", (double)len);
	char *buf = len > 0 ? xmalloc((size_t)len) : NULL;
	ssize_t got = len > 0 ? pread(fd, buf, (size_t)len, off) : 0;
	close(fd);
	if (got != len) {
		free(buf);
		cJSON_Delete(out);
		out = NULL;
		key_err(err, 500, "InternalError", key, "the object's file is short");
		goto done;
	}
	if (!head) {
		char *b64 = aws_base64_encode(buf ? buf : "", (size_t)len);
		cJSON_AddStringToObject(out, "Body", b64);
		free(b64);
	}
	free(buf);
done:
	s3obj_release(&o);
	strbuf_release(&kb);
	return out;
}

/* Whether the list of ObjectAttributes asks for name. */
static bool attribute_asked(const cJSON *attrs, const char *name)
{
	const cJSON *a;
	cJSON_ArrayForEach(a, attrs)
	{
		if (cJSON_IsString(a) && strcmp(a->valuestring, name) == 0)
			return true;
	}
	return false;
}

/*
 * GetObjectAttributes: what ObjectAttributes asks of ETag (bare), Checksum (a multipart
 * object's checksum of checksums without its "-N"), ObjectParts (a multipart object's parts,
 * from PartNumberMarker, at most MaxParts (default 1,000); each part only when the object has
 * an additional checksum, as S3 lists them), StorageClass and ObjectSize.
 */
static cJSON *op_get_object_attributes(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *bucket = query_str(in, "Bucket");
	struct strbuf kb = STRBUF_INIT;
	struct s3obj o = { 0 };
	cJSON *out = NULL;
	if (!bucket_owned(c, call->caller->account, bucket, in, err) ||
	    !object_key(call, in, &kb, err))
		goto done;
	const char *key = strbuf_str(&kb);
	if (!object_find(c, bucket, key, &o)) {
		key_err(err, 404, "NoSuchKey", key, "The specified key does not exist.");
		goto done;
	}
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(in, "ObjectAttributes");
	const cJSON *a;
	cJSON_ArrayForEach(a, attrs)
	{
		if (!cJSON_IsString(a) || (strcmp(a->valuestring, "ETag") != 0 &&
					   strcmp(a->valuestring, "Checksum") != 0 &&
					   strcmp(a->valuestring, "ObjectParts") != 0 &&
					   strcmp(a->valuestring, "StorageClass") != 0 &&
					   strcmp(a->valuestring, "ObjectSize") != 0)) {
			aws_err_set(err, 400, "InvalidArgument",
				    "Invalid attribute name specified.");
			goto done;
		}
	}
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "LastModified", (double)(o.modified / 1000));
	if (attribute_asked(attrs, "ETag"))
		cJSON_AddStringToObject(out, "ETag", o.etag);
	if (attribute_asked(attrs, "Checksum") && o.checksum) {
		cJSON *sum = cJSON_AddObjectToObject(out, "Checksum");
		checksum_out(sum, o.checksum);
		for (cJSON *m = sum->child; m; m = m->next) {
			char *dash = strchr(m->valuestring, '-');
			if (dash)
				*dash = '\0';
		}
	}
	cJSON *parts = o.parts ? cJSON_Parse(o.parts) : NULL;
	if (attribute_asked(attrs, "ObjectParts") && cJSON_IsArray(parts)) {
		const cJSON *mp = cJSON_GetObjectItemCaseSensitive(in, "MaxParts");
		const cJSON *pm = cJSON_GetObjectItemCaseSensitive(in, "PartNumberMarker");
		long max = cJSON_IsNumber(mp) ? (long)mp->valuedouble : 1000;
		long marker = cJSON_IsNumber(pm)   ? (long)pm->valuedouble
			      : cJSON_IsString(pm) ? atol(pm->valuestring)
						   : 0;
		cJSON *op = cJSON_AddObjectToObject(out, "ObjectParts");
		cJSON_AddNumberToObject(op, "TotalPartsCount", cJSON_GetArraySize(parts));
		if (o.checksum) {
			char text[24];
			snprintf(text, sizeof(text), "%ld", marker);
			cJSON_AddStringToObject(op, "PartNumberMarker", text);
			cJSON_AddNumberToObject(op, "MaxParts", (double)max);
			cJSON *list = cJSON_AddArrayToObject(op, "Parts");
			long last = marker;
			bool more = false;
			const cJSON *p;
			cJSON_ArrayForEach(p, parts)
			{
				const cJSON *num =
					cJSON_GetObjectItemCaseSensitive(p, "PartNumber");
				long n = cJSON_IsNumber(num) ? (long)num->valuedouble : 0;
				if (n <= marker)
					continue;
				if (cJSON_GetArraySize(list) >= max) {
					more = true;
					break;
				}
				cJSON_AddItemToArray(list, cJSON_Duplicate(p, true));
				last = n;
			}
			snprintf(text, sizeof(text), "%ld", last);
			cJSON_AddStringToObject(op, "NextPartNumberMarker", text);
			cJSON_AddBoolToObject(op, "IsTruncated", more);
		}
	}
	cJSON_Delete(parts);
	if (attribute_asked(attrs, "StorageClass"))
		cJSON_AddStringToObject(out, "StorageClass", "STANDARD");
	if (attribute_asked(attrs, "ObjectSize"))
		cJSON_AddNumberToObject(out, "ObjectSize", (double)o.size);
done:
	s3obj_release(&o);
	strbuf_release(&kb);
	return out;
}

static cJSON *op_get_object(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return object_read(call, in, err, false);
}

static cJSON *op_head_object(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return object_read(call, in, err, true);
}

/* Remove one object, if it is there (S3 answers the same when it is not). */
static void object_remove(struct svc_call *call, const char *bucket, const char *key)
{
	struct cloud *c = call->cloud;
	struct s3obj o;
	if (!object_find(c, bucket, key, &o))
		return;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db, "DELETE FROM s3_objects WHERE bucket=? AND key=?", -1, &q,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
		sqlite3_step(q);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	char *path = object_path(c, call->caller->account, bucket, o.file);
	unlink(path);
	free(path);
	s3obj_release(&o);
	notify(call, bucket, key, "ObjectRemoved:Delete", NULL);
}

/*
 * Delete key (or its version vid) where versions are kept: what was done into out (the
 * members DeleteObject answers with, or one of DeleteObjects' Deleted), or false with err.
 */
static bool delete_version(struct svc_call *call, const char *bucket, const char *key,
			   const char *vid, cJSON *out, bool listed, struct aws_err *err)
{
	if (vid && !s3_version_id_ok(vid)) {
		aws_err_set(err, 400, "InvalidArgument", "Invalid version id specified");
		return false;
	}
	enum s3_versioning v = s3_versioning_of(call->cloud, bucket);
	struct s3_deleted d;
	if (!s3_versions_delete(call->cloud, call->caller->account, bucket, key, vid, v, &d)) {
		aws_err_set(err, 500, "InternalError", "cannot record the deletion");
		return false;
	}
	if (vid)
		cJSON_AddStringToObject(out, "VersionId", vid);
	if (d.marker) {
		cJSON_AddTrueToObject(out, "DeleteMarker");
		if (!vid)
			cJSON_AddStringToObject(out, listed ? "DeleteMarkerVersionId" : "VersionId",
						d.vid);
		else if (listed)
			cJSON_AddStringToObject(out, "DeleteMarkerVersionId", d.vid);
	}
	if (d.removed)
		notify(call, bucket, key,
		       !vid ? "ObjectRemoved:DeleteMarkerCreated" : "ObjectRemoved:Delete", NULL);
	return true;
}

static cJSON *op_delete_object(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = query_str(in, "Bucket"), *vid = query_str(in, "VersionId");
	struct strbuf kb = STRBUF_INIT;
	cJSON *out = NULL;
	if (bucket_owned(call->cloud, call->caller->account, bucket, in, err) &&
	    object_key(call, in, &kb, err)) {
		out = cJSON_CreateObject();
		if (!vid && s3_versioning_of(call->cloud, bucket) == S3_UNVERSIONED) {
			object_remove(call, bucket, strbuf_str(&kb));
		} else if (!delete_version(call, bucket, strbuf_str(&kb), vid, out, false, err)) {
			cJSON_Delete(out);
			out = NULL;
		}
	}
	strbuf_release(&kb);
	return out;
}

/* DeleteObjects: each key of the document (up to 1,000); Quiet answers only the failures. */
static cJSON *op_delete_objects(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *bucket = query_str(in, "Bucket");
	if (!bucket_owned(call->cloud, call->caller->account, bucket, in, err))
		return NULL;
	const cJSON *del = cJSON_GetObjectItemCaseSensitive(in, "Delete");
	const cJSON *objs = cJSON_GetObjectItemCaseSensitive(del, "Objects");
	int n = cJSON_GetArraySize(objs);
	if (n == 0 || n > 1000)
		return bucket_err(err, 400, "MalformedXML", bucket,
				  "The XML you provided was not well-formed or did not validate "
				  "against our published schema"),
		       NULL;
	bool quiet = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(del, "Quiet"));
	cJSON *out = cJSON_CreateObject();
	cJSON *deleted = quiet ? NULL : cJSON_AddArrayToObject(out, "Deleted");
	cJSON *errors = NULL;
	const cJSON *o;
	cJSON_ArrayForEach(o, objs)
	{
		const char *key = query_str(o, "Key");
		if (!key || !key[0] || strlen(key) > S3_KEY_MAX) {
			if (!errors)
				errors = cJSON_AddArrayToObject(out, "Errors");
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "Key", key ? key : "");
			cJSON_AddStringToObject(
				e, "Code", key && key[0] ? "KeyTooLongError" : "InvalidArgument");
			cJSON_AddStringToObject(e, "Message",
						key && key[0] ? "Your key is too long"
							      : "An object needs a key");
			cJSON_AddItemToArray(errors, e);
			continue;
		}
		const char *vid = query_str(o, "VersionId");
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "Key", key);
		struct aws_err one = { 0 };
		if (!vid && s3_versioning_of(call->cloud, bucket) == S3_UNVERSIONED) {
			object_remove(call, bucket, key);
		} else if (!delete_version(call, bucket, key, vid, d, true, &one)) {
			if (!errors)
				errors = cJSON_AddArrayToObject(out, "Errors");
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "Key", key);
			if (vid)
				cJSON_AddStringToObject(e, "VersionId", vid);
			cJSON_AddStringToObject(e, "Code", one.code);
			cJSON_AddStringToObject(e, "Message", one.message);
			cJSON_AddItemToArray(errors, e);
			aws_err_release(&one);
			cJSON_Delete(d);
			continue;
		}
		if (deleted)
			cJSON_AddItemToArray(deleted, d);
		else
			cJSON_Delete(d);
	}
	return out;
}

static bool copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return false;
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return false;
	}
	char *buf = xmalloc(1 << 20);
	ssize_t n;
	bool ok = true;
	while (ok && (n = read(in, buf, 1 << 20)) != 0) {
		if (n < 0) {
			ok = errno == EINTR;
			continue;
		}
		ok = write(out, buf, (size_t)n) == n;
	}
	free(buf);
	close(in);
	return close(out) == 0 && ok;
}

/* Append the file at path to the open fd. */
static bool copy_append(const char *path, int out)
{
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return false;
	char *buf = xmalloc(1 << 20);
	ssize_t n;
	bool ok = true;
	while (ok && (n = read(in, buf, 1 << 20)) != 0) {
		if (n < 0) {
			ok = errno == EINTR;
			continue;
		}
		ok = write(out, buf, (size_t)n) == n;
	}
	free(buf);
	close(in);
	return ok;
}

/*
 * The object x-amz-copy-source names ("bucket/key", %-encoded, "?versionId=ID" for a version of
 * it) into *o, its bucket (caller frees) and key (in src) and the version it names (in src, or
 * NULL); false with err set when it names none of the caller's (for key, the request's own).
 */
static bool copy_source_find(struct svc_call *call, const cJSON *in, const char *key,
			     struct strbuf *src, char **sbucket, const char **skey,
			     const char **svid, struct s3obj *o, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account, *source = query_str(in, "CopySource");
	const char *s = source ? source : "";
	s += s[0] == '/';
	const char *why = NULL;
	*sbucket = NULL;
	if (!s3_name_decode(s, strcspn(s, "?"), src, &why))
		return key_err(err, 400, "InvalidArgument", key, "Invalid copy source encoding: %s",
			       why);
	const char *slash = strchr(strbuf_str(src), '/');
	if (!slash || !slash[1])
		return key_err(err, 400, "InvalidArgument", key,
			       "Copy Source must mention the source bucket and key: sourcebucket/"
			       "sourcekey");
	*sbucket = xstrndup(src->buf, (size_t)(slash - src->buf));
	*skey = slash + 1;
	/* "?versionId=ID" names a version of the source (only that parameter may follow). */
	const char *qs = s + strcspn(s, "?");
	*svid = str_starts_with(qs, "?versionId=") ? qs + strlen("?versionId=") : NULL;
	if ((qs[0] && !*svid) || (*svid && !s3_version_id_ok(*svid)))
		return key_err(err, 400, "InvalidArgument", key, "Invalid version id specified");
	char owner[13];
	if (!bucket_find(c, *sbucket, owner, NULL) || strcmp(owner, account) != 0)
		return bucket_err(err, 404, "NoSuchBucket", *sbucket,
				  "The specified bucket does not exist");
	if (!owner_expected(in, "ExpectedSourceBucketOwner", *sbucket, owner, err))
		return false;
	bool marker = false;
	if (!object_version(c, *sbucket, *skey, *svid, o, &marker) || marker) {
		if (marker)
			s3obj_release(o);
		if (marker || !*svid)
			return key_err(err, marker ? 400 : 404,
				       marker ? "InvalidRequest" : "NoSuchKey", *skey, "%s",
				       marker ? "The source of a copy request may not specifically "
						"refer to a delete marker by version id."
					      : "The specified key does not exist.");
		return key_err(err, 404, "NoSuchVersion", *skey,
			       "The specified version does not exist.");
	}
	return true;
}

static cJSON *op_copy_object(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account, *bucket = query_str(in, "Bucket");
	struct strbuf kb = STRBUF_INIT, src = STRBUF_INIT;
	char *sbucket = NULL, *new_tags = NULL;
	cJSON *out = NULL;
	if (!bucket_owned(c, account, bucket, in, err) || !object_key(call, in, &kb, err))
		goto done;
	const char *key = strbuf_str(&kb);
	const char *directive = query_str(in, "MetadataDirective");
	bool replace = directive && strcmp(directive, "REPLACE") == 0;
	const char *tdirective = query_str(in, "TaggingDirective");
	bool replace_tags = tdirective && strcmp(tdirective, "REPLACE") == 0;
	if (replace_tags && !tags_from_header(in, key, &new_tags, err))
		goto done;
	struct s3obj o;
	const char *skey = NULL, *svid = NULL;
	if (!copy_source_find(call, in, key, &src, &sbucket, &skey, &svid, &o, err))
		goto done;
	char copied_vid[40];
	snprintf(copied_vid, sizeof(copied_vid), "%s", o.vid);
	if (replace_tags) {
		free(o.tags);
		o.tags = new_tags;
		new_tags = NULL;
	}
	/* Copying a named version onto its own key is how S3 restores it (it becomes the
	 * current version): only a copy of the current object onto itself changes nothing. */
	if (!replace && !svid && strcmp(sbucket, bucket) == 0 && strcmp(skey, key) == 0) {
		key_err(err, 400, "InvalidRequest", key,
			"This copy request is illegal because it is trying to copy an object to "
			"itself without changing the object's metadata, storage class, website "
			"redirect location or encryption attributes.");
		s3obj_release(&o);
		goto done;
	}
	char *from = object_path(c, account, sbucket, o.file);
	fresh_file_name(o.file);
	char *to = object_path(c, account, bucket, o.file);
	if (replace) {
		free(o.meta);
		o.meta = meta_text(in);
		free(o.ctype);
		o.ctype = xstrdup(content_type(in));
	}
	/* The copy is encrypted as the request asks, or the bucket's default, not as its
	 * source; its body, and so its checksum, is the source's. */
	free(o.sse);
	o.sse = NULL;
	/* A copy is an object of one part: a checksum of its source's parts is not its own. */
	free(o.parts);
	o.parts = NULL;
	if (o.checksum && strchr(o.checksum, '-')) {
		free(o.checksum);
		o.checksum = NULL;
	}
	o.modified = clock_wall_ms();
	if (!sse_of(call, in, &o.sse, err)) {
		/* err says why */
	} else if (!copy_file(from, to) || !object_store(c, account, bucket, key, &o)) {
		unlink(to);
		key_err(err, 500, "InternalError", key, "cannot copy the object");
	} else {
		out = cJSON_CreateObject();
		cJSON *r = cJSON_AddObjectToObject(out, "CopyObjectResult");
		char *etag = xasprintf("\"%s\"", o.etag);
		cJSON_AddStringToObject(r, "ETag", etag);
		free(etag);
		cJSON_AddNumberToObject(r, "LastModified", (double)o.modified / 1000.0);
		checksum_out(r, o.checksum);
		sse_out(out, o.sse);
		version_out(c, out, bucket, o.vid);
		if (svid || s3_versioning_of(c, sbucket) != S3_UNVERSIONED)
			cJSON_AddStringToObject(out, "CopySourceVersionId", copied_vid);
		notify(call, bucket, key, "ObjectCreated:Copy", &o);
	}
	free(from);
	free(to);
	s3obj_release(&o);
done:
	free(new_tags);
	free(sbucket);
	strbuf_release(&src);
	strbuf_release(&kb);
	return out;
}

/* ---- multipart uploads ---- */

static char *part_path(struct cloud *c, const char *upload_id, long part)
{
	return xasprintf("%s/s3/.spool/%s.%ld", c->state_dir, upload_id, part);
}

/* One statement with text parameters (NULL ends them); false on failure. */
static bool db_run(struct cloud *c, const char *sql, ...)
{
	va_list ap;
	va_start(ap, sql);
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	bool ok = sqlite3_prepare_v2(c->db->db, sql, -1, &q, NULL) == SQLITE_OK;
	const char *v;
	for (int i = 1; ok && (v = va_arg(ap, const char *)); i++)
		sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
	ok = ok && sqlite3_step(q) == SQLITE_DONE && sqlite3_changes(c->db->db) > 0;
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	va_end(ap);
	return ok;
}

/* The upload's content type and metadata (caller frees both); false when unknown. */
static bool upload_find(struct cloud *c, const char *id, const char *bucket, const char *key,
			char **ctype, char **meta)
{
	bool found = false;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT ctype, meta FROM s3_uploads WHERE upload_id=? AND bucket=?"
			       " AND key=?",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, key, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			found = true;
			*ctype = xstrdup((const char *)sqlite3_column_text(q, 0));
			*meta = xstrdup((const char *)sqlite3_column_text(q, 1));
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return found;
}

/* The tags an upload gives its object (caller frees). */
static char *upload_tags(struct cloud *c, const char *id)
{
	char *tags = NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = db_prep(c->db, "SELECT tags FROM s3_uploads WHERE upload_id=?");
	if (q) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			tags = xstrdup(db_col(q, 0));
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return tags ? tags : xstrdup("[]");
}

/* The checksum an upload's parts carry (its ChecksumAlgorithm), or -1 for none. */
static int upload_algorithm(struct cloud *c, const char *id)
{
	int k = -1;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = db_prep(c->db, "SELECT algorithm FROM s3_uploads WHERE upload_id=?");
	if (q) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT)
			k = s3_sum_of(db_col(q, 0));
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return k;
}

/* A part's stored checksum ({"ChecksumCRC32":"..."}, caller frees), or NULL. */
static char *part_checksum(struct cloud *c, const char *id, long part)
{
	char *sum = NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q =
		db_prep(c->db, "SELECT checksum FROM s3_parts WHERE upload_id=? AND part=?");
	if (q) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, part);
		if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT)
			sum = xstrdup(db_col(q, 0));
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return sum;
}

static void upload_forget(struct cloud *c, const char *id)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db, "SELECT part FROM s3_parts WHERE upload_id=?", -1, &q,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW) {
			char *path = part_path(c, id, (long)sqlite3_column_int64(q, 0));
			unlink(path);
			free(path);
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	db_run(c, "DELETE FROM s3_parts WHERE upload_id=?", id, NULL);
	db_run(c, "DELETE FROM s3_uploads WHERE upload_id=?", id, NULL);
}

static bool no_upload(struct aws_err *err, const char *id)
{
	aws_err_set(err, 404, "NoSuchUpload",
		    "The specified upload does not exist. The upload ID may be invalid, or the "
		    "upload may have been aborted or completed.");
	err->fields = cJSON_CreateObject();
	cJSON_AddStringToObject(err->fields, "UploadId", id ? id : "");
	return false;
}

/*
 * What every operation on an upload starts with: the bucket is the caller's, the key is one,
 * and the upload is of that key. ctype and meta (caller frees) are the upload's.
 */
static bool upload_open(struct svc_call *call, const cJSON *in, struct strbuf *key, char **ctype,
			char **meta, struct aws_err *err)
{
	const char *bucket = query_str(in, "Bucket"), *id = query_str(in, "UploadId");
	*ctype = *meta = NULL;
	if (!bucket_owned(call->cloud, call->caller->account, bucket, in, err) ||
	    !object_key(call, in, key, err))
		return false;
	if (!id || !upload_find(call->cloud, id, bucket, strbuf_str(key), ctype, meta))
		return no_upload(err, id);
	return true;
}

static cJSON *op_create_multipart_upload(struct svc_call *call, const cJSON *in,
					 struct aws_err *err)
{
	const char *bucket = query_str(in, "Bucket");
	struct strbuf kb = STRBUF_INIT;
	cJSON *out = NULL;
	if (bucket_owned(call->cloud, call->caller->account, bucket, in, err) &&
	    object_key(call, in, &kb, err)) {
		char id[49], *tags = NULL;
		aws_random_hex(id, 48);
		/* ChecksumAlgorithm: every part carries that checksum, and the object the
		 * checksum of their checksums. */
		const char *alg = query_str(in, "ChecksumAlgorithm");
		int k = alg ? s3_sum_of(alg) : -1;
		if (alg && k < 0)
			aws_err_set(
				err, 400, "InvalidRequest",
				"Checksum algorithm provided is unsupported. Please try again with "
				"any of the valid types: [CRC32, CRC32C, SHA1, SHA256]");
		else if (storage_class_ok(in, err) &&
			 tags_from_header(in, strbuf_str(&kb), &tags, err)) {
			char *meta = meta_text(in);
			char *now = xasprintf("%lld", (long long)clock_wall_ms());
			/* A NULL algorithm ends the values: the time goes before it. */
			db_run(call->cloud,
			       "INSERT INTO s3_uploads(upload_id, bucket, key, ctype, meta, tags,"
			       " initiated, algorithm) VALUES(?,?,?,?,?,?,?,?)",
			       id, bucket, strbuf_str(&kb), content_type(in), meta, tags, now,
			       k >= 0 ? s3_sum_name((enum s3_sum)k) : NULL, NULL);
			free(now);
			free(meta);
			out = cJSON_CreateObject();
			cJSON_AddStringToObject(out, "Bucket", bucket);
			cJSON_AddStringToObject(out, "Key", strbuf_str(&kb));
			cJSON_AddStringToObject(out, "UploadId", id);
			if (k >= 0)
				cJSON_AddStringToObject(out, "ChecksumAlgorithm",
							s3_sum_name((enum s3_sum)k));
			sse_out(out, NULL);
		}
		free(tags);
	}
	strbuf_release(&kb);
	return out;
}

/* The member of a checksum's JSON text ({"ChecksumCRC32":"..."}) into k and its value into
 * value; false when it holds none. */
static bool sum_parse(const char *json, int *k, char value[S3_SUM_B64])
{
	cJSON *o = json ? cJSON_Parse(json) : NULL;
	bool ok = o && o->child && cJSON_IsString(o->child) &&
		  (*k = s3_sum_of(o->child->string)) >= 0;
	if (ok)
		snprintf(value, S3_SUM_B64, "%s", o->child->valuestring);
	cJSON_Delete(o);
	return ok;
}

/*
 * A part of an upload with a ChecksumAlgorithm carries that checksum: the one the request
 * gave (*sum, checked against the body already), or the one of the body stored at path when
 * it gave none. A part's checksum of another kind is refused, as S3 refuses it.
 */
static bool part_sum(struct cloud *c, const char *id, const char *path, char **sum,
		     struct aws_err *err)
{
	int want = upload_algorithm(c, id), have = -1;
	char value[S3_SUM_B64];
	if (want < 0)
		return true;
	if (*sum && sum_parse(*sum, &have, value) && have != want) {
		char w[16], h[16];
		snprintf(w, sizeof(w), "%s", s3_sum_name((enum s3_sum)want));
		snprintf(h, sizeof(h), "%s", s3_sum_name((enum s3_sum)have));
		for (char *p = w; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		for (char *p = h; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return aws_err_set(err, 400, "InvalidRequest",
				   "Checksum Type mismatch occurred, expected checksum Type: %s, "
				   "actual checksum Type: %s",
				   w, h);
	}
	if (have == want)
		return true;
	if (!s3_sum_file(path, (enum s3_sum)want, value))
		return aws_err_set(err, 500, "InternalError", "cannot read the part back");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, s3_sum_member((enum s3_sum)want), value);
	free(*sum);
	*sum = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return true;
}

static cJSON *op_upload_part(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct strbuf kb = STRBUF_INIT;
	char *ctype = NULL, *meta = NULL, *path = NULL, *fresh = NULL;
	cJSON *out = NULL;
	if (!upload_open(call, in, &kb, &ctype, &meta, err))
		goto done;
	const char *id = query_str(in, "UploadId");
	const cJSON *pn = cJSON_GetObjectItemCaseSensitive(in, "PartNumber");
	if (!cJSON_IsNumber(pn) || pn->valuedouble < 1 || pn->valuedouble > 10000) {
		char *v = cJSON_IsNumber(pn) ? xasprintf("%.0f", pn->valuedouble) : xstrdup("");
		aws_err_set(err, 400, "InvalidArgument",
			    "Part number must be an integer between 1 and 10000, inclusive");
		err_field(err, "ArgumentName", "partNumber");
		err_field(err, "ArgumentValue", v);
		free(v);
		goto done;
	}
	long part = (long)pn->valuedouble;
	path = part_path(call->cloud, id, part);
	/* The body goes beside the part it replaces: a part refused (a bad digest, a checksum
	 * of another kind) leaves the one uploaded before in place, as S3 does. */
	char rnd[17];
	aws_random_hex(rnd, 16);
	fresh = xasprintf("%s.%s", path, rnd);
	char md5[33];
	long long size = 0;
	if (!body_store(call, in, fresh, strbuf_str(&kb), md5, &size, err)) {
		unlink(fresh);
		goto done;
	}
	char *sum = NULL;
	if (!digest_ok(in, md5, strbuf_str(&kb), err) ||
	    !s3_sum_upload(in, trailer_of(call), fresh, &sum, err) ||
	    !part_sum(call->cloud, id, fresh, &sum, err)) {
		free(sum);
		unlink(fresh);
		goto done;
	}
	if (rename(fresh, path) != 0) {
		free(sum);
		unlink(fresh);
		key_err(err, 500, "InternalError", strbuf_str(&kb), "cannot store the part");
		goto done;
	}
	char *num = xasprintf("%ld", part), *sz = xasprintf("%lld", size);
	/* A part without a checksum binds none (NULL ends the values). */
	db_run(call->cloud,
	       "INSERT OR REPLACE INTO s3_parts(upload_id, part, size, etag, checksum)"
	       " VALUES(?,?,?,?,?)",
	       id, num, sz, md5, sum, NULL);
	free(num);
	free(sz);
	out = cJSON_CreateObject();
	char *etag = xasprintf("\"%s\"", md5);
	cJSON_AddStringToObject(out, "ETag", etag);
	free(etag);
	checksum_out(out, sum);
	sse_out(out, NULL);
	free(sum);
done:
	free(fresh);
	free(path);
	free(ctype);
	free(meta);
	strbuf_release(&kb);
	return out;
}

/* The bytes [off, off + len) of the file from into a new file to. */
static bool copy_range(const char *from, const char *to, long long off, long long len)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return false;
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return false;
	}
	char *buf = xmalloc(1 << 20);
	bool ok = lseek(in, (off_t)off, SEEK_SET) == (off_t)off;
	while (ok && len > 0) {
		ssize_t n = read(in, buf, len < (1 << 20) ? (size_t)len : (size_t)(1 << 20));
		if (n < 0) {
			ok = errno == EINTR;
			continue;
		}
		ok = n > 0 && write(out, buf, (size_t)n) == n;
		len -= n;
	}
	free(buf);
	close(in);
	return close(out) == 0 && ok;
}

/*
 * UploadPartCopy: a part of an upload copied from an object (or a version of it) of the
 * caller's, whole or the bytes x-amz-copy-source-range names (bytes=first-last, both
 * within the source).
 */
static cJSON *op_upload_part_copy(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	struct strbuf kb = STRBUF_INIT, src = STRBUF_INIT;
	char *ctype = NULL, *meta = NULL, *path = NULL, *fresh = NULL, *sbucket = NULL;
	char *from = NULL, *sum = NULL;
	struct s3obj o = { 0 };
	bool found = false;
	cJSON *out = NULL;
	if (!upload_open(call, in, &kb, &ctype, &meta, err))
		goto done;
	const char *key = strbuf_str(&kb), *id = query_str(in, "UploadId");
	const cJSON *pn = cJSON_GetObjectItemCaseSensitive(in, "PartNumber");
	if (!cJSON_IsNumber(pn) || pn->valuedouble < 1 || pn->valuedouble > 10000) {
		char *v = cJSON_IsNumber(pn) ? xasprintf("%.0f", pn->valuedouble) : xstrdup("");
		aws_err_set(err, 400, "InvalidArgument",
			    "Part number must be an integer between 1 and 10000, inclusive");
		err_field(err, "ArgumentName", "partNumber");
		err_field(err, "ArgumentValue", v);
		free(v);
		goto done;
	}
	long part = (long)pn->valuedouble;
	const char *skey = NULL, *svid = NULL;
	if (!copy_source_find(call, in, key, &src, &sbucket, &skey, &svid, &o, err))
		goto done;
	found = true;
	/* The source's ETag as the client saw it (aws s3 cp names it): a source changed
	 * since, or one the client said it must not be, is not copied. */
	const char *im = query_str(in, "CopySourceIfMatch");
	const char *inm = query_str(in, "CopySourceIfNoneMatch");
	if ((im && !etag_matches(im, o.etag)) || (inm && etag_matches(inm, o.etag))) {
		aws_err_set(err, 412, "PreconditionFailed",
			    "At least one of the pre-conditions you specified did not hold");
		err_field(err, "Condition",
			  im && !etag_matches(im, o.etag) ? "x-amz-copy-source-If-Match"
							  : "x-amz-copy-source-If-None-Match");
		goto done;
	}
	long long first = 0, last = o.size - 1;
	const char *range = query_str(in, "CopySourceRange");
	if (range) {
		char *end = NULL;
		bool ok = str_starts_with(range, "bytes=") && isdigit((unsigned char)range[6]);
		if (ok) {
			first = strtoll(range + 6, &end, 10);
			ok = *end == '-' && isdigit((unsigned char)end[1]);
		}
		if (ok) {
			last = strtoll(end + 1, &end, 10);
			ok = *end == '\0' && first <= last;
		}
		if (!ok) {
			aws_err_set(
				err, 400, "InvalidArgument",
				"The x-amz-copy-source-range value must be of the form "
				"bytes=first-last where first and last are the zero-based offsets "
				"of the first and last bytes to copy");
			goto done;
		}
		if (last >= o.size) {
			aws_err_set(err, 400, "InvalidRange",
				    "The requested range is not satisfiable");
			char n[24];
			snprintf(n, sizeof(n), "%lld", o.size);
			err_field(err, "RangeRequested", range);
			err_field(err, "ActualObjectSize", n);
			goto done;
		}
	}
	from = object_path(c, call->caller->account, sbucket, o.file);
	path = part_path(c, id, part);
	char rnd[17];
	aws_random_hex(rnd, 16);
	fresh = xasprintf("%s.%s", path, rnd);
	char md5[33];
	long long size = 0;
	if (!copy_range(from, fresh, first, last - first + 1) || !md5_file(fresh, md5, &size)) {
		unlink(fresh);
		key_err(err, 500, "InternalError", key, "cannot copy the part");
		goto done;
	}
	if (!part_sum(c, id, fresh, &sum, err)) {
		unlink(fresh);
		goto done;
	}
	if (rename(fresh, path) != 0) {
		unlink(fresh);
		key_err(err, 500, "InternalError", key, "cannot store the part");
		goto done;
	}
	char *num = xasprintf("%ld", part), *sz = xasprintf("%lld", size);
	db_run(c,
	       "INSERT OR REPLACE INTO s3_parts(upload_id, part, size, etag, checksum)"
	       " VALUES(?,?,?,?,?)",
	       id, num, sz, md5, sum, NULL);
	free(num);
	free(sz);
	out = cJSON_CreateObject();
	cJSON *r = cJSON_AddObjectToObject(out, "CopyPartResult");
	char *etag = xasprintf("\"%s\"", md5);
	cJSON_AddStringToObject(r, "ETag", etag);
	free(etag);
	cJSON_AddNumberToObject(r, "LastModified", (double)clock_wall_ms() / 1000.0);
	checksum_out(r, sum);
	sse_out(out, NULL);
	if (svid || s3_versioning_of(c, sbucket) != S3_UNVERSIONED)
		cJSON_AddStringToObject(out, "CopySourceVersionId", o.vid);
done:
	if (found)
		s3obj_release(&o);
	free(sum);
	free(from);
	free(fresh);
	free(path);
	free(sbucket);
	free(ctype);
	free(meta);
	strbuf_release(&src);
	strbuf_release(&kb);
	return out;
}

/* EntityTooSmall: the part under 5 MiB that was not the last, as S3 names it. */
static bool entity_too_small(struct aws_err *err, long long size, long part, const char *etag)
{
	aws_err_set(err, 400, "EntityTooSmall",
		    "Your proposed upload is smaller than the minimum allowed size");
	err->fields = cJSON_CreateObject();
	char n[24];
	snprintf(n, sizeof(n), "%lld", size);
	cJSON_AddStringToObject(err->fields, "ProposedSize", n);
	cJSON_AddStringToObject(err->fields, "MinSizeAllowed", S3_PART_MIN_TEXT);
	snprintf(n, sizeof(n), "%ld", part);
	cJSON_AddStringToObject(err->fields, "PartNumber", n);
	cJSON_AddStringToObject(err->fields, "ETag", etag);
	return false;
}

/*
 * Whether the part p of a CompleteMultipartUpload document names the checksum the part was
 * uploaded with (sum, its JSON text; NULL for none), when it names one: a checksum of another
 * kind or value is not that part's.
 */
static bool part_sum_matches(const cJSON *p, const char *sum)
{
	int k = -1;
	char value[S3_SUM_B64] = "";
	bool have = sum_parse(sum, &k, value);
	for (int j = 0; j < S3_SUM_N; j++) {
		const char *given = query_str(p, s3_sum_member((enum s3_sum)j));
		if (given && (!have || j != k || strcmp(given, value) != 0))
			return false;
	}
	return true;
}

/*
 * Join the parts the document lists (ascending, each as uploaded, every one but the last at
 * least 5 MiB) into the file to; the object's size and multipart ETag into o, and, for an
 * upload with a ChecksumAlgorithm (alg, else -1), the checksum of the parts' checksums and
 * the parts themselves.
 */
static bool parts_join(struct svc_call *call, const char *id, const char *key, const cJSON *parts,
		       int alg, const char *to, struct s3obj *o, struct aws_err *err)
{
	cJSON *kept = cJSON_CreateArray();
	struct vec sums = VEC_INIT;
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return key_err(err, 500, "InternalError", key, "cannot create the object's file");
	struct md5 md;
	md5_init(&md);
	long prev = 0, count = 0, last_num = 0;
	long long last_size = -1;
	char last_etag[33] = "";
	bool ok = true;
	const cJSON *p;
	cJSON_ArrayForEach(p, parts)
	{
		const cJSON *pn = cJSON_GetObjectItemCaseSensitive(p, "PartNumber");
		long num = cJSON_IsNumber(pn) ? (long)pn->valuedouble : 0;
		char want[40];
		const char *etag = query_str(p, "ETag");
		snprintf(want, sizeof(want), "%s", etag ? etag : "");
		char *w = want + (want[0] == '"');
		w[strcspn(w, "\"")] = '\0';
		if (num <= prev) {
			aws_err_set(err, 400, "InvalidPartOrder",
				    "The list of parts was not in ascending order. Parts must be "
				    "ordered by part number.");
			ok = err_field(err, "UploadId", id);
			break;
		}
		prev = num;
		char *path = part_path(call->cloud, id, num);
		char got[33];
		long long size = 0;
		char *sum = part_checksum(call->cloud, id, num);
		if (!md5_file(path, got, &size) || strcmp(got, w) != 0 ||
		    !part_sum_matches(p, sum)) {
			char num_text[24];
			snprintf(num_text, sizeof(num_text), "%ld", num);
			aws_err_set(err, 400, "InvalidPart",
				    "One or more of the specified parts could not be found.  The "
				    "part may not have been uploaded, or the specified entity tag "
				    "may not match the part's entity tag.");
			err_field(err, "UploadId", id);
			err_field(err, "PartNumber", num_text);
			ok = err_field(err, "ETag", w);
		} else if (last_size >= 0 && last_size < S3_PART_MIN)
			ok = entity_too_small(err, last_size, last_num, last_etag);
		else if (!copy_append(path, out))
			ok = key_err(err, 500, "InternalError", key, "cannot join the parts");
		free(path);
		if (ok) {
			cJSON *one = cJSON_CreateObject();
			cJSON_AddNumberToObject(one, "PartNumber", (double)num);
			cJSON_AddNumberToObject(one, "Size", (double)size);
			int k = -1;
			char value[S3_SUM_B64];
			if (alg >= 0 && sum_parse(sum, &k, value) && k == alg) {
				cJSON_AddStringToObject(one, s3_sum_member((enum s3_sum)k), value);
				vec_push(&sums, xstrdup(value));
			}
			cJSON_AddItemToArray(kept, one);
		}
		free(sum);
		if (!ok)
			break;
		last_size = size;
		last_num = num;
		memcpy(last_etag, got, sizeof(last_etag));
		unsigned char bin[16];
		for (int i = 0; i < 16; i++) {
			unsigned v = 0;
			sscanf(got + 2 * i, "%2x", &v);
			bin[i] = (unsigned char)v;
		}
		md5_update(&md, bin, 16);
		o->size += size;
		count++;
	}
	unsigned char dig[MD5_LEN];
	md5_final(&md, dig);
	if (close(out) != 0 && ok)
		ok = key_err(err, 500, "InternalError", key, "cannot write the object's file");
	if (ok && count == 0)
		ok = aws_err_set(err, 400, "InvalidRequest", "You must specify at least one part");
	char composite[S3_SUM_COMPOSITE];
	if (ok && alg >= 0) {
		if (sums.len != (size_t)count ||
		    !s3_sum_composite((enum s3_sum)alg, (const char *const *)sums.items, sums.len,
				      composite))
			ok = key_err(err, 500, "InternalError", key,
				     "a part's checksum is missing");
		else {
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, s3_sum_member((enum s3_sum)alg), composite);
			o->checksum = cJSON_PrintUnformatted(j);
			cJSON_Delete(j);
		}
	}
	vec_release_with(&sums, free);
	if (ok)
		o->parts = cJSON_PrintUnformatted(kept);
	cJSON_Delete(kept);
	if (!ok)
		return false;
	for (int i = 0; i < 16; i++)
		snprintf(o->etag + 2 * i, 3, "%02x", dig[i]);
	snprintf(o->etag + 32, sizeof(o->etag) - 32, "-%ld", count);
	return true;
}

static cJSON *op_complete_multipart_upload(struct svc_call *call, const cJSON *in,
					   struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account, *bucket = query_str(in, "Bucket");
	struct strbuf kb = STRBUF_INIT;
	char *ctype = NULL, *meta = NULL, *to = NULL;
	struct s3obj o = { 0 };
	cJSON *out = NULL;
	if (!upload_open(call, in, &kb, &ctype, &meta, err))
		goto done;
	const char *key = strbuf_str(&kb), *id = query_str(in, "UploadId");
	const cJSON *parts = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(in, "MultipartUpload"), "Parts");
	fresh_file_name(o.file);
	to = object_path(c, account, bucket, o.file);
	if (!parts_join(call, id, key, parts, upload_algorithm(c, id), to, &o, err)) {
		unlink(to);
		goto done;
	}
	o.ctype = ctype;
	o.meta = meta;
	ctype = meta = NULL;
	o.tags = upload_tags(c, id);
	o.modified = clock_wall_ms();
	if (!object_store(c, account, bucket, key, &o)) {
		unlink(to);
		key_err(err, 500, "InternalError", key, "cannot record the object");
		goto done;
	}
	upload_forget(c, id);
	out = cJSON_CreateObject();
	char *loc = xasprintf("%s/%s/%s", c->endpoint, bucket, key);
	cJSON_AddStringToObject(out, "Location", loc);
	free(loc);
	cJSON_AddStringToObject(out, "Bucket", bucket);
	cJSON_AddStringToObject(out, "Key", key);
	char *etag = xasprintf("\"%s\"", o.etag);
	cJSON_AddStringToObject(out, "ETag", etag);
	checksum_out(out, o.checksum);
	sse_out(out, NULL);
	free(etag);
	version_out(c, out, bucket, o.vid);
	notify(call, bucket, key, "ObjectCreated:CompleteMultipartUpload", &o);
done:
	free(to);
	free(ctype);
	free(meta);
	s3obj_release(&o);
	strbuf_release(&kb);
	return out;
}

static cJSON *op_abort_multipart_upload(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct strbuf kb = STRBUF_INIT;
	char *ctype = NULL, *meta = NULL;
	cJSON *out = NULL;
	if (upload_open(call, in, &kb, &ctype, &meta, err)) {
		upload_forget(call->cloud, query_str(in, "UploadId"));
		out = cJSON_CreateObject();
	}
	free(ctype);
	free(meta);
	strbuf_release(&kb);
	return out;
}

/* ListParts: every part uploaded so far, by number (one page: at most 10,000 parts). */
static cJSON *op_list_parts(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	struct strbuf kb = STRBUF_INIT;
	char *ctype = NULL, *meta = NULL;
	cJSON *out = NULL;
	if (!upload_open(call, in, &kb, &ctype, &meta, err))
		goto done;
	const char *id = query_str(in, "UploadId");
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "Bucket", query_str(in, "Bucket"));
	cJSON_AddStringToObject(out, "Key", strbuf_str(&kb));
	cJSON_AddStringToObject(out, "UploadId", id);
	cJSON_AddNumberToObject(out, "MaxParts", 10000);
	cJSON_AddFalseToObject(out, "IsTruncated");
	cJSON_AddStringToObject(out, "StorageClass", "STANDARD");
	int alg = upload_algorithm(c, id);
	if (alg >= 0)
		cJSON_AddStringToObject(out, "ChecksumAlgorithm", s3_sum_name((enum s3_sum)alg));
	cJSON *parts = cJSON_AddArrayToObject(out, "Parts");
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT part, size, etag, checksum FROM s3_parts WHERE upload_id=? "
			       "ORDER BY part",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddNumberToObject(p, "PartNumber",
						(double)sqlite3_column_int64(q, 0));
			cJSON_AddNumberToObject(p, "Size", (double)sqlite3_column_int64(q, 1));
			char *etag = xasprintf("\"%s\"", sqlite3_column_text(q, 2));
			cJSON_AddStringToObject(p, "ETag", etag);
			free(etag);
			if (sqlite3_column_type(q, 3) == SQLITE_TEXT)
				checksum_out(p, db_col(q, 3));
			cJSON_AddItemToArray(parts, p);
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
done:
	free(ctype);
	free(meta);
	strbuf_release(&kb);
	return out;
}

/*
 * ListMultipartUploads: the uploads in progress, by key and then in the order they were
 * initiated, after KeyMarker (and, with UploadIdMarker, after that upload of KeyMarker's key),
 * keys sharing a prefix up to the Delimiter rolled up into CommonPrefixes, MaxUploads a page.
 */
static cJSON *op_list_multipart_uploads(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account, *bucket = query_str(in, "Bucket");
	if (!bucket_owned(c, account, bucket, in, err))
		return NULL;
	const char *prefix = query_str(in, "Prefix"), *delim = query_str(in, "Delimiter");
	const char *km = query_str(in, "KeyMarker"), *um = query_str(in, "UploadIdMarker");
	const cJSON *mu = cJSON_GetObjectItemCaseSensitive(in, "MaxUploads");
	long max = cJSON_IsNumber(mu) ? (long)mu->valuedouble : 1000;
	if (max < 0) {
		aws_err_set(err, 400, "InvalidArgument",
			    "Argument max-uploads must be an integer between 0 and 2147483647");
		err_field(err, "ArgumentName", "max-uploads");
		return NULL;
	}
	if (max > 1000)
		max = 1000;
	if (delim && !delim[0])
		delim = NULL;
	/* An UploadIdMarker counts only with a KeyMarker; without one it is ignored. */
	if (!km || !km[0])
		um = NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "Bucket", bucket);
	cJSON_AddStringToObject(out, "KeyMarker", km ? km : "");
	cJSON_AddStringToObject(out, "UploadIdMarker", um ? um : "");
	if (prefix)
		cJSON_AddStringToObject(out, "Prefix", prefix);
	if (delim)
		cJSON_AddStringToObject(out, "Delimiter", delim);
	cJSON_AddNumberToObject(out, "MaxUploads", (double)max);
	cJSON *uploads = cJSON_CreateArray(), *prefixes = cJSON_CreateArray();
	long n = 0;
	bool truncated = false;
	char *last_key = NULL, *last_id = NULL, *last_prefix = NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = db_prep(
		c->db,
		"SELECT key, upload_id, initiated, algorithm FROM s3_uploads u WHERE bucket=?1"
		" AND substr(key, 1, length(?2)) = ?2 AND (?3 IS NULL OR key > ?3 OR (key = ?3"
		" AND ?4 IS NOT NULL AND rowid > (SELECT rowid FROM s3_uploads WHERE"
		" upload_id=?4 AND bucket=?1 AND key=?3))) ORDER BY key, rowid");
	if (q) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, prefix ? prefix : "", -1, SQLITE_STATIC);
		if (km && km[0])
			sqlite3_bind_text(q, 3, km, -1, SQLITE_STATIC);
		if (um && um[0])
			sqlite3_bind_text(q, 4, um, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *key = db_col(q, 0), *id = db_col(q, 1);
			const char *rest = key + (prefix ? strlen(prefix) : 0);
			const char *d = delim ? strstr(rest, delim) : NULL;
			if (d) {
				size_t len = (size_t)(d - key) + strlen(delim);
				/* A prefix already listed, on this page or (the KeyMarker) before.
				 */
				if ((last_prefix && strlen(last_prefix) == len &&
				     strncmp(last_prefix, key, len) == 0) ||
				    (km && strlen(km) == len && strncmp(km, key, len) == 0))
					continue;
				if (n == max) {
					truncated = true;
					break;
				}
				free(last_prefix);
				last_prefix = xstrndup(key, len);
				cJSON *p = cJSON_CreateObject();
				cJSON_AddStringToObject(p, "Prefix", last_prefix);
				cJSON_AddItemToArray(prefixes, p);
				free(last_key);
				last_key = xstrdup(last_prefix);
				free(last_id);
				last_id = NULL;
				n++;
				continue;
			}
			if (n == max) {
				truncated = true;
				break;
			}
			cJSON *u = cJSON_CreateObject();
			cJSON_AddStringToObject(u, "UploadId", id);
			cJSON_AddStringToObject(u, "Key", key);
			cJSON_AddNumberToObject(u, "Initiated",
						(double)sqlite3_column_int64(q, 2) / 1000.0);
			cJSON_AddStringToObject(u, "StorageClass", "STANDARD");
			cJSON *owner = cJSON_AddObjectToObject(u, "Owner");
			cJSON_AddStringToObject(owner, "DisplayName", account);
			cJSON_AddStringToObject(owner, "ID", account);
			cJSON *by = cJSON_AddObjectToObject(u, "Initiator");
			cJSON_AddStringToObject(by, "DisplayName", account);
			cJSON_AddStringToObject(by, "ID", account);
			if (sqlite3_column_type(q, 3) == SQLITE_TEXT)
				cJSON_AddStringToObject(u, "ChecksumAlgorithm", db_col(q, 3));
			cJSON_AddItemToArray(uploads, u);
			free(last_key);
			last_key = xstrdup(key);
			free(last_id);
			last_id = xstrdup(id);
			n++;
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	cJSON_AddBoolToObject(out, "IsTruncated", truncated);
	if (truncated) {
		cJSON_AddStringToObject(out, "NextKeyMarker", last_key ? last_key : "");
		cJSON_AddStringToObject(out, "NextUploadIdMarker", last_id ? last_id : "");
	}
	if (cJSON_GetArraySize(uploads))
		cJSON_AddItemToObject(out, "Uploads", uploads);
	else
		cJSON_Delete(uploads);
	if (cJSON_GetArraySize(prefixes))
		cJSON_AddItemToObject(out, "CommonPrefixes", prefixes);
	else
		cJSON_Delete(prefixes);
	free(last_key);
	free(last_id);
	free(last_prefix);
	return out;
}

void s3_precheck(struct cloud *c, const struct http_req *req, struct http_resp *resp)
{
	(void)c;
	if (!s3_wants_spool(NULL, req->method, req->path, req->raw_query ? req->raw_query : ""))
		return;
	const char *decoded = http_header(req, "x-amz-decoded-content-length");
	unsigned long long size = decoded ? strtoull(decoded, NULL, 10) : req->declared_len;
	if (size <= S3_PUT_MAX)
		return;
	struct aws_err err = { 0 };
	char rid[37];
	aws_uuid(rid);
	entity_too_large(&err, size);
	proto_encode_error(proto_service_find("s3"), PROTO_REST_XML, NULL, &err, rid, resp);
	aws_err_release(&err);
}

/* Put/Get/DeleteObjectTagging: the object's tags, replaced whole, read, or removed. */
static cJSON *object_tagging(struct svc_call *call, const cJSON *in, struct aws_err *err,
			     const cJSON *set)
{
	struct cloud *c = call->cloud;
	const char *bucket = query_str(in, "Bucket");
	struct strbuf kb = STRBUF_INIT;
	struct s3obj o = { 0 };
	char *tags = NULL;
	cJSON *out = NULL;
	if (!bucket_owned(c, call->caller->account, bucket, in, err) ||
	    !object_key(call, in, &kb, err))
		goto done;
	const char *key = strbuf_str(&kb);
	if (!object_find(c, bucket, key, &o)) {
		key_err(err, 404, "NoSuchKey", key, "The specified key does not exist.");
		goto done;
	}
	if (!set) {
		out = cJSON_CreateObject();
		cJSON *ts = cJSON_Parse(o.tags ? o.tags : "[]");
		cJSON_AddItemToObject(out, "TagSet", cJSON_IsArray(ts) ? ts : cJSON_CreateArray());
		if (!cJSON_IsArray(ts))
			cJSON_Delete(ts);
		goto done;
	}
	if (!tags_check(set, key, &tags, err))
		goto done;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = db_prep(c->db, "UPDATE s3_objects SET tags=? WHERE bucket=? AND key=?");
	bool ok = false;
	if (q) {
		sqlite3_bind_text(q, 1, tags, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, key, -1, SQLITE_STATIC);
		ok = sqlite3_step(q) == SQLITE_DONE;
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	if (ok)
		out = cJSON_CreateObject();
	else
		key_err(err, 500, "InternalError", key, "cannot record the object's tags");
done:
	free(tags);
	s3obj_release(&o);
	strbuf_release(&kb);
	return out;
}

static cJSON *op_put_object_tagging(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const cJSON *tagging = cJSON_GetObjectItemCaseSensitive(in, "Tagging");
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(tagging, "TagSet");
	cJSON *none = cJSON_IsArray(set) ? NULL : cJSON_CreateArray();
	cJSON *out = object_tagging(call, in, err, set && cJSON_IsArray(set) ? set : none);
	cJSON_Delete(none);
	return out;
}

static cJSON *op_get_object_tagging(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	return object_tagging(call, in, err, NULL);
}

static cJSON *op_delete_object_tagging(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	cJSON *none = cJSON_CreateArray();
	cJSON *out = object_tagging(call, in, err, none);
	cJSON_Delete(none);
	return out;
}

/* Every bucket of the account goes, with its objects, uploads and files. */
static void reset(struct cloud *c, const char *account)
{
	static const char *const sqls[] = {
		"DELETE FROM s3_parts WHERE upload_id IN (SELECT upload_id FROM s3_uploads"
		" WHERE bucket IN (SELECT name FROM s3_buckets WHERE account=?1))",
		"DELETE FROM s3_uploads WHERE bucket IN (SELECT name FROM s3_buckets"
		" WHERE account=?1)",
		"DELETE FROM s3_objects WHERE bucket IN (SELECT name FROM s3_buckets"
		" WHERE account=?1)",
		"DELETE FROM s3_versions WHERE bucket IN (SELECT name FROM s3_buckets"
		" WHERE account=?1)",
		"DELETE FROM s3_buckets WHERE account=?1",
	};
	pthread_mutex_lock(&c->db->mu);
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *q = NULL;
		if (sqlite3_prepare_v2(c->db->db, sqls[i], -1, &q, NULL) == SQLITE_OK) {
			sqlite3_bind_text(q, 1, account, -1, SQLITE_STATIC);
			sqlite3_step(q);
		}
		sqlite3_finalize(q);
	}
	pthread_mutex_unlock(&c->db->mu);
	char *dir = xasprintf("%s/s3/%s", c->state_dir, account);
	path_remove_tree(dir);
	free(dir);
}

static const struct svc_op ops[] = {
	{ "AbortMultipartUpload", op_abort_multipart_upload },
	{ "CompleteMultipartUpload", op_complete_multipart_upload },
	{ "CopyObject", op_copy_object },
	{ "CreateBucket", op_create_bucket },
	{ "CreateMultipartUpload", op_create_multipart_upload },
	{ "DeleteBucket", op_delete_bucket },
	{ "DeleteBucketEncryption", s3_op_delete_bucket_encryption },
	{ "DeleteBucketPolicy", op_delete_bucket_policy },
	{ "DeleteBucketTagging", s3_op_delete_bucket_tagging },
	{ "DeleteObject", op_delete_object },
	{ "DeleteObjectTagging", op_delete_object_tagging },
	{ "DeleteObjects", op_delete_objects },
	{ "DeletePublicAccessBlock", s3_op_delete_public_access_block },
	{ "GetBucketEncryption", s3_op_get_bucket_encryption },
	{ "GetBucketLocation", op_get_bucket_location },
	{ "GetBucketNotification", op_get_notification_old },
	{ "GetBucketNotificationConfiguration", op_get_notification },
	{ "GetBucketPolicy", op_get_bucket_policy },
	{ "GetBucketTagging", s3_op_get_bucket_tagging },
	{ "GetBucketVersioning", s3_op_get_bucket_versioning },
	{ "GetObject", op_get_object },
	{ "GetObjectAttributes", op_get_object_attributes },
	{ "GetObjectTagging", op_get_object_tagging },
	{ "GetPublicAccessBlock", s3_op_get_public_access_block },
	{ "HeadBucket", op_head_bucket },
	{ "HeadObject", op_head_object },
	{ "ListBuckets", op_list_buckets },
	{ "ListMultipartUploads", op_list_multipart_uploads },
	{ "ListObjectVersions", op_list_object_versions },
	{ "ListObjects", op_list_objects },
	{ "ListObjectsV2", op_list_objects_v2 },
	{ "ListParts", op_list_parts },
	{ "PutBucketEncryption", s3_op_put_bucket_encryption },
	{ "PutBucketNotification", op_put_notification },
	{ "PutBucketNotificationConfiguration", op_put_notification },
	{ "PutBucketPolicy", op_put_bucket_policy },
	{ "PutBucketTagging", s3_op_put_bucket_tagging },
	{ "PutBucketVersioning", s3_op_put_bucket_versioning },
	{ "PutObject", op_put_object },
	{ "PutObjectTagging", op_put_object_tagging },
	{ "PutPublicAccessBlock", s3_op_put_public_access_block },
	{ "UploadPart", op_upload_part },
	{ "UploadPartCopy", op_upload_part_copy },
};

/* Members S3 words its own refusal of (as it did before the model was read). */
static const char *const unchecked[] = {
	"ListObjects.EncodingType",
	"ListObjectsV2.EncodingType",
	"ListObjectVersions.EncodingType",
	NULL,
};

/* The bucket's policy for the router's authorization (svc.h's resource_policy): arn names the
 * bucket (arn:aws:s3:::BUCKET) or an object in it (arn:aws:s3:::BUCKET/KEY). */
static bool bucket_policy(struct cloud *c, const char *arn, char *owner, char **policy)
{
	*policy = NULL;
	if (!str_starts_with(arn, "arn:aws:s3:::"))
		return false;
	const char *bucket = arn + strlen("arn:aws:s3:::"), *slash = strchr(bucket, '/');
	char name[64];
	size_t len = slash ? (size_t)(slash - bucket) : strlen(bucket);
	if (len == 0 || len >= sizeof(name))
		return false;
	memcpy(name, bucket, len);
	name[len] = '\0';
	pthread_mutex_lock(&c->db->mu);
	cloud_db_watch(c->db, "s3_buckets"); /* for svc_policy_cached() */
	sqlite3_stmt *q = db_prep(c->db, "SELECT account, policy FROM s3_buckets WHERE name=?");
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	bool found = q && sqlite3_step(q) == SQLITE_ROW;
	if (found) {
		snprintf(owner, 13, "%s", (const char *)sqlite3_column_text(q, 0));
		if (sqlite3_column_text(q, 1))
			*policy = xstrdup((const char *)sqlite3_column_text(q, 1));
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	if (*policy)
		*policy = s3_policy_effective(c, name, *policy);
	return found;
}

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const s3_members[] = {
	"AbortMultipartUpload Bucket ExpectedBucketOwner Key -RequestPayer UploadId",
	"CompleteMultipartUpload Bucket ~ChecksumCRC32 ~ChecksumCRC32C ~ChecksumSHA1 "
	"~ChecksumSHA256 ExpectedBucketOwner IfNoneMatch Key MultipartUpload -RequestPayer "
	"-SSECustomerAlgorithm -SSECustomerKey -SSECustomerKeyMD5 UploadId",
	"CopyObject -ACL=bucket-owner-full-control Bucket -BucketKeyEnabled -CacheControl "
	"~ChecksumAlgorithm "
	"-ContentDisposition -ContentEncoding -ContentLanguage ContentType CopySource "
	"-CopySourceIfMatch -CopySourceIfModifiedSince -CopySourceIfNoneMatch "
	"-CopySourceIfUnmodifiedSince -CopySourceSSECustomerAlgorithm "
	"-CopySourceSSECustomerKey -CopySourceSSECustomerKeyMD5 ExpectedBucketOwner "
	"ExpectedSourceBucketOwner -Expires -GrantFullControl -GrantRead -GrantReadACP "
	"-GrantWriteACP Key Metadata MetadataDirective -ObjectLockLegalHoldStatus "
	"-ObjectLockMode -ObjectLockRetainUntilDate -RequestPayer -SSECustomerAlgorithm "
	"-SSECustomerKey -SSECustomerKeyMD5 -SSEKMSEncryptionContext -SSEKMSKeyId "
	"-ServerSideEncryption=AES256 StorageClass Tagging TaggingDirective "
	"-WebsiteRedirectLocation",
	"CreateBucket -ACL=private Bucket CreateBucketConfiguration -GrantFullControl -GrantRead "
	"-GrantReadACP -GrantWrite -GrantWriteACP -ObjectLockEnabledForBucket "
	"-ObjectOwnership=BucketOwnerEnforced",
	"CreateMultipartUpload -ACL=bucket-owner-full-control Bucket -BucketKeyEnabled "
	"-CacheControl ChecksumAlgorithm "
	"-ContentDisposition -ContentEncoding -ContentLanguage ContentType "
	"ExpectedBucketOwner -Expires -GrantFullControl -GrantRead -GrantReadACP "
	"-GrantWriteACP Key Metadata -ObjectLockLegalHoldStatus -ObjectLockMode "
	"-ObjectLockRetainUntilDate -RequestPayer -SSECustomerAlgorithm -SSECustomerKey "
	"-SSECustomerKeyMD5 -SSEKMSEncryptionContext -SSEKMSKeyId -ServerSideEncryption=AES256 "
	"StorageClass Tagging -WebsiteRedirectLocation",
	"DeleteBucket Bucket ExpectedBucketOwner",
	"DeleteBucketEncryption Bucket ExpectedBucketOwner",
	"DeleteBucketPolicy Bucket ExpectedBucketOwner",
	"DeleteBucketTagging Bucket ExpectedBucketOwner",
	"DeleteObject Bucket -BypassGovernanceRetention ExpectedBucketOwner Key -MFA "
	"-RequestPayer VersionId",
	"DeleteObjectTagging Bucket ExpectedBucketOwner Key -VersionId",
	"DeleteObjects Bucket -BypassGovernanceRetention ~ChecksumAlgorithm Delete "
	"ExpectedBucketOwner -MFA -RequestPayer",
	"DeletePublicAccessBlock Bucket ExpectedBucketOwner",
	"GetBucketEncryption Bucket ExpectedBucketOwner",
	"GetBucketLocation Bucket ExpectedBucketOwner",
	"GetBucketNotification Bucket ExpectedBucketOwner",
	"GetBucketNotificationConfiguration Bucket ExpectedBucketOwner",
	"GetBucketPolicy Bucket ExpectedBucketOwner",
	"GetBucketTagging Bucket ExpectedBucketOwner",
	"GetBucketVersioning Bucket ExpectedBucketOwner",
	"GetObject Bucket ChecksumMode ExpectedBucketOwner IfMatch IfModifiedSince "
	"IfNoneMatch IfUnmodifiedSince Key PartNumber Range -RequestPayer "
	"-ResponseCacheControl -ResponseContentDisposition -ResponseContentEncoding "
	"-ResponseContentLanguage -ResponseContentType -ResponseExpires -SSECustomerAlgorithm "
	"-SSECustomerKey -SSECustomerKeyMD5 VersionId",
	"GetObjectAttributes Bucket ExpectedBucketOwner Key MaxParts ObjectAttributes "
	"PartNumberMarker -RequestPayer -SSECustomerAlgorithm -SSECustomerKey "
	"-SSECustomerKeyMD5 -VersionId",
	"GetObjectTagging Bucket ExpectedBucketOwner Key -RequestPayer -VersionId",
	"GetPublicAccessBlock Bucket ExpectedBucketOwner",
	"HeadBucket Bucket ExpectedBucketOwner",
	"HeadObject Bucket ChecksumMode ExpectedBucketOwner IfMatch IfModifiedSince "
	"IfNoneMatch IfUnmodifiedSince Key PartNumber Range -RequestPayer "
	"-ResponseCacheControl -ResponseContentDisposition -ResponseContentEncoding "
	"-ResponseContentLanguage -ResponseContentType -ResponseExpires -SSECustomerAlgorithm "
	"-SSECustomerKey -SSECustomerKeyMD5 VersionId",
	"ListBuckets -BucketRegion ContinuationToken MaxBuckets Prefix",
	"ListMultipartUploads Bucket Delimiter -EncodingType ExpectedBucketOwner KeyMarker "
	"MaxUploads Prefix -RequestPayer UploadIdMarker",
	"ListObjectVersions Bucket Delimiter EncodingType ExpectedBucketOwner KeyMarker "
	"MaxKeys -OptionalObjectAttributes Prefix -RequestPayer VersionIdMarker",
	"ListObjects Bucket Delimiter EncodingType ExpectedBucketOwner Marker MaxKeys "
	"-OptionalObjectAttributes Prefix -RequestPayer",
	"ListObjectsV2 Bucket ContinuationToken Delimiter EncodingType ExpectedBucketOwner "
	"-FetchOwner MaxKeys -OptionalObjectAttributes Prefix -RequestPayer StartAfter",
	"ListParts Bucket ExpectedBucketOwner Key -MaxParts -PartNumberMarker -RequestPayer "
	"-SSECustomerAlgorithm -SSECustomerKey -SSECustomerKeyMD5 UploadId",
	"PutBucketEncryption Bucket ~ChecksumAlgorithm ContentMD5 ExpectedBucketOwner "
	"ServerSideEncryptionConfiguration",
	"PutBucketNotification Bucket ~ChecksumAlgorithm ContentMD5 ExpectedBucketOwner "
	"NotificationConfiguration",
	"PutBucketNotificationConfiguration Bucket ExpectedBucketOwner "
	"NotificationConfiguration -SkipDestinationValidation",
	"PutBucketPolicy Bucket ~ChecksumAlgorithm -ConfirmRemoveSelfBucketAccess ContentMD5 "
	"ExpectedBucketOwner Policy",
	"PutBucketTagging Bucket ~ChecksumAlgorithm ContentMD5 ExpectedBucketOwner Tagging",
	"PutBucketVersioning Bucket ~ChecksumAlgorithm ContentMD5 ExpectedBucketOwner -MFA "
	"VersioningConfiguration",
	"PutObject -ACL=bucket-owner-full-control Body Bucket -BucketKeyEnabled -CacheControl "
	"ChecksumAlgorithm "
	"ChecksumCRC32 ChecksumCRC32C ChecksumSHA1 ChecksumSHA256 -ContentDisposition "
	"-ContentEncoding -ContentLanguage ContentLength ContentMD5 ContentType "
	"ExpectedBucketOwner -Expires -GrantFullControl -GrantRead -GrantReadACP "
	"-GrantWriteACP IfNoneMatch Key Metadata -ObjectLockLegalHoldStatus -ObjectLockMode "
	"-ObjectLockRetainUntilDate -RequestPayer -SSECustomerAlgorithm -SSECustomerKey "
	"-SSECustomerKeyMD5 -SSEKMSEncryptionContext SSEKMSKeyId ServerSideEncryption "
	"StorageClass Tagging -WebsiteRedirectLocation",
	"PutObjectTagging Bucket ~ChecksumAlgorithm ContentMD5 ExpectedBucketOwner Key "
	"-RequestPayer Tagging -VersionId",
	"PutPublicAccessBlock Bucket ~ChecksumAlgorithm ContentMD5 -ExpectedBucketOwner "
	"PublicAccessBlockConfiguration",
	"UploadPart Body Bucket ChecksumAlgorithm ChecksumCRC32 ChecksumCRC32C "
	"ChecksumSHA1 ChecksumSHA256 ContentLength ContentMD5 ExpectedBucketOwner Key "
	"PartNumber -RequestPayer -SSECustomerAlgorithm -SSECustomerKey -SSECustomerKeyMD5 "
	"UploadId",
	"UploadPartCopy Bucket CopySource CopySourceIfMatch -CopySourceIfModifiedSince "
	"CopySourceIfNoneMatch -CopySourceIfUnmodifiedSince CopySourceRange "
	"-CopySourceSSECustomerAlgorithm -CopySourceSSECustomerKey -CopySourceSSECustomerKeyMD5 "
	"ExpectedBucketOwner ExpectedSourceBucketOwner Key PartNumber -RequestPayer "
	"-SSECustomerAlgorithm -SSECustomerKey -SSECustomerKeyMD5 UploadId",
	NULL,
};

const struct cloud_service s3_service = {
	.name = "s3",
	.model = "s3-2006-03-01",
	.title = "Amazon S3",
	.start = s3_start,
	.reset_account = reset,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = s3_members,
	.unchecked = unchecked,
	.resource_policy = bucket_policy,
};
