/*
 * S3's buckets and objects: rest-xml over path-style URLs.
 */
#include "cloud/s3/s3.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cloud/http/aws.h"
#include "cloud/query/query.h"
#include "cloud/s3/xml.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/path.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"
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

bool s3_wants_spool(void *ctx, const char *method, const char *url)
{
	(void)ctx;
	if (strcmp(method, "PUT") != 0 || url[0] != '/' || has_prefix_dir(url))
		return false;
	const char *slash = strchr(url + 1, '/');
	return slash && slash[1];
}

/* ---- responses ---- */

static void s3_error(struct http_resp *resp, int status, const char *code, const char *resource,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void s3_error(struct http_resp *resp, int status, const char *code, const char *resource,
		     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_reset(&resp->body);
	resp->status = status;
	resp->content_type = "application/xml";
	struct strbuf *sb = &resp->body;
	strbuf_addstr(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
	query_xml_text(sb, "Code", code);
	query_xml_text(sb, "Message", msg);
	if (resource)
		query_xml_text(sb, "Resource", resource);
	query_xml_text(sb, "RequestId", query_request_id(resp));
	strbuf_addstr(sb, "</Error>");
	free(msg);
}

/* An error with extra elements (name, value, ..., NULL) after its message, as S3 adds them. */
static void s3_error_fields(struct http_resp *resp, int status, const char *code,
			    const char *const *fields, const char *msg)
{
	strbuf_reset(&resp->body);
	resp->status = status;
	resp->content_type = "application/xml";
	struct strbuf *sb = &resp->body;
	strbuf_addstr(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
	query_xml_text(sb, "Code", code);
	query_xml_text(sb, "Message", msg);
	for (const char *const *f = fields; f[0] && f[1]; f += 2)
		query_xml_text(sb, f[0], f[1]);
	query_xml_text(sb, "RequestId", query_request_id(resp));
	strbuf_addstr(sb, "</Error>");
}

static void xml_start(struct http_resp *resp, const char *root)
{
	resp->content_type = "application/xml";
	strbuf_addf(&resp->body,
		    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s xmlns=\"" S3_XMLNS "\">",
		    root);
}

static void http_date(long long ms, char out[40])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
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

/* Look up the bucket for account; fills a NoSuchBucket (or AccessDenied) error when absent. */
static bool bucket_mine(struct cloud *c, const char *account, const char *bucket, cJSON **conf,
			struct http_resp *resp)
{
	char owner[13];
	if (!bucket_find(c, bucket, owner, conf)) {
		s3_error(resp, 404, "NoSuchBucket", bucket, "The specified bucket does not exist");
		return false;
	}
	if (strcmp(owner, account) != 0) {
		if (conf) {
			cJSON_Delete(*conf);
			*conf = NULL;
		}
		s3_error(resp, 403, "AccessDenied", bucket, "Access Denied");
		return false;
	}
	return true;
}

static char *bucket_dir(struct cloud *c, const char *account, const char *bucket)
{
	return xasprintf("%s/s3/%s/%s", c->state_dir, account, bucket);
}

/* ---- buckets ---- */

/* An S3 error naming the bucket, as S3 adds it to NoSuchBucket and its kin. */
static bool bucket_err(struct aws_err *err, int status, const char *code, const char *bucket,
		       const char *msg)
{
	aws_err_set(err, status, code, "%s", msg);
	err->fields = cJSON_CreateObject();
	cJSON_AddStringToObject(err->fields, "BucketName", bucket);
	return false;
}

/* The bucket the request names is the caller's; err says why not (NoSuchBucket, AccessDenied). */
static bool bucket_owned(struct cloud *c, const char *account, const char *bucket,
			 struct aws_err *err)
{
	char owner[13];
	if (!bucket || !bucket_find(c, bucket, owner, NULL))
		return bucket_err(err, 404, "NoSuchBucket", bucket ? bucket : "",
				  "The specified bucket does not exist");
	if (strcmp(owner, account) != 0)
		return bucket_err(err, 403, "AccessDenied", bucket, "Access Denied");
	return true;
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
		bucket_err(err, 400, "InvalidBucketName", bucket ? bucket : "",
			   "The specified bucket is not valid.");
		if (bucket)
			snprintf(err->message, sizeof(err->message),
				 "The specified bucket is not valid: %s.", why);
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
	if (!bucket_owned(c, account, bucket, err))
		return NULL;
	if (count_objects(c, bucket) > 0)
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
	if (!bucket_owned(call->cloud, call->caller->account, query_str(in, "Bucket"), err))
		return NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "BucketRegion", AWS_REGION_NAME);
	return out;
}

static void put_notification(struct cloud *c, const char *account, const char *bucket,
			     const struct http_req *req, struct http_resp *resp)
{
	if (!bucket_mine(c, account, bucket, NULL, resp))
		return;
	const char *code = "MalformedXML";
	char msg[1024];
	cJSON *conf = s3_notify_parse(req->body, req->body_len, &code, msg, sizeof(msg));
	if (!conf) {
		s3_error(resp, 400, code, bucket, "%s", msg);
		return;
	}
	if (!s3_notify_validate(c, account, bucket, conf, msg, sizeof(msg))) {
		cJSON_Delete(conf);
		s3_error(resp, 400, "InvalidArgument", bucket, "%s", msg);
		return;
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
}

static void get_notification(struct cloud *c, const char *account, const char *bucket,
			     struct http_resp *resp)
{
	cJSON *conf = NULL;
	if (!bucket_mine(c, account, bucket, &conf, resp))
		return;
	resp->content_type = "application/xml";
	strbuf_addstr(&resp->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	s3_notify_xml(conf, &resp->body);
	cJSON_Delete(conf);
}

/* ---- listing ---- */

/* Append s %-encoded as S3's EncodingType=url does (unreserved and '/' kept). */
static void url_encode(struct strbuf *sb, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~/", *p))
			strbuf_addch(sb, (char)*p);
		else
			strbuf_addf(sb, "%%%02X", *p);
	}
}

/*
 * A key as XML text. Control characters have no place in XML 1.0 text, so they go as
 * character references, as S3 writes them (clients that cannot read those ask for
 * encoding-type=url, as the AWS CLI and boto3 always do).
 */
static void key_xml(struct strbuf *sb, const char *tag, const char *s)
{
	strbuf_addf(sb, "<%s>", tag);
	for (const char *p = s; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch < 0x20 || ch == 0x7f) {
			strbuf_addf(sb, "&#x%X;", ch);
		} else {
			char one[2] = { *p, '\0' };
			query_xml_escape(sb, one);
		}
	}
	strbuf_addf(sb, "</%s>", tag);
}

static void key_text(struct strbuf *sb, const char *tag, const char *s, bool encode)
{
	if (!encode) {
		key_xml(sb, tag, s);
		return;
	}
	struct strbuf e = STRBUF_INIT;
	url_encode(&e, s);
	query_xml_text(sb, tag, strbuf_str(&e));
	strbuf_release(&e);
}

/* One row of a listing: an object, or a common prefix (size < 0). */
struct entry {
	char *key;
	char etag[64];
	long long size, modified;
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
			char *cp = NULL;
			if (l->delim) {
				const char *d = strstr(key + plen, l->delim);
				if (d)
					cp = xstrndup(key, (size_t)(d - key) + strlen(l->delim));
			}
			if (cp &&
			    ((last_cp && strcmp(cp, last_cp) == 0) || strcmp(cp, l->after) == 0)) {
				free(cp);
				continue;
			}
			if ((long)l->n >= l->max) {
				l->truncated = true;
				free(cp);
				break;
			}
			if (cp) {
				free(last_cp);
				last_cp = xstrdup(cp);
				listing_push(l, cp);
				continue;
			}
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

/* The query arguments every listing shares; false with resp filled when one is bad. */
static bool listing_args(const struct http_req *req, const char *bucket, struct listing *l,
			 struct http_resp *resp)
{
	memset(l, 0, sizeof(*l));
	const char *prefix = http_query(req, "prefix"), *delim = http_query(req, "delimiter");
	const char *enc = http_query(req, "encoding-type");
	const char *mk = http_query(req, "max-keys");
	l->prefix = prefix ? prefix : "";
	l->delim = delim && delim[0] ? delim : NULL;
	l->encode = enc && strcmp(enc, "url") == 0;
	if (enc && !l->encode) {
		s3_error(resp, 400, "InvalidArgument", bucket,
			 "Invalid Encoding Method specified in Request");
		return false;
	}
	l->max = 1000;
	if (mk) {
		char *end;
		errno = 0;
		l->max = strtol(mk, &end, 10);
		if (!mk[0] || *end || errno || l->max < 0) {
			s3_error(resp, 400, "InvalidArgument", bucket,
				 "Provided max-keys not an integer or within integer range");
			return false;
		}
		if (l->max > 1000)
			l->max = 1000;
	}
	return true;
}

static void list_objects(struct cloud *c, const char *account, const char *bucket,
			 const struct http_req *req, struct http_resp *resp)
{
	if (!bucket_mine(c, account, bucket, NULL, resp))
		return;
	bool v2 = http_query(req, "list-type") && strcmp(http_query(req, "list-type"), "2") == 0;
	struct listing l;
	if (!listing_args(req, bucket, &l, resp))
		return;
	char *after = NULL;
	const char *token = v2 ? http_query(req, "continuation-token") : NULL;
	if (token) {
		size_t n = 0;
		unsigned char *dec = aws_base64_decode(token, strlen(token), &n);
		if (!dec || !token[0] || memchr(dec, '\0', n)) {
			free(dec);
			s3_error(resp, 400, "InvalidArgument", bucket,
				 "The continuation token provided is incorrect");
			return;
		}
		after = (char *)dec;
	} else {
		const char *sa = http_query(req, v2 ? "start-after" : "marker");
		after = xstrdup(sa ? sa : "");
	}
	l.after = after;
	listing_run(c, bucket, &l);
	xml_start(resp, "ListBucketResult");
	struct strbuf *sb = &resp->body;
	query_xml_text(sb, "Name", bucket);
	key_text(sb, "Prefix", l.prefix, l.encode);
	if (l.delim)
		key_text(sb, "Delimiter", l.delim, l.encode);
	strbuf_addf(sb, "<MaxKeys>%ld</MaxKeys>", l.max);
	if (l.encode)
		query_xml_text(sb, "EncodingType", "url");
	strbuf_addf(sb, "<IsTruncated>%s</IsTruncated>", l.truncated ? "true" : "false");
	if (v2) {
		strbuf_addf(sb, "<KeyCount>%zu</KeyCount>", l.n);
		if (token)
			query_xml_text(sb, "ContinuationToken", token);
		if (l.truncated && l.last) {
			char *next = aws_base64_encode(l.last, strlen(l.last));
			query_xml_text(sb, "NextContinuationToken", next);
			free(next);
		}
		const char *sa = http_query(req, "start-after");
		if (sa)
			key_text(sb, "StartAfter", sa, l.encode);
	} else {
		key_text(sb, "Marker", http_query(req, "marker") ? http_query(req, "marker") : "",
			 l.encode);
		if (l.truncated && l.last)
			key_text(sb, "NextMarker", l.last, l.encode);
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct entry *e = &l.items[i];
		if (e->size < 0)
			continue;
		char when[32];
		aws_time_iso(e->modified, when);
		strbuf_addstr(sb, "<Contents>");
		key_text(sb, "Key", e->key, l.encode);
		query_xml_text(sb, "LastModified", when);
		strbuf_addf(sb, "<ETag>&quot;%s&quot;</ETag><Size>%lld</Size>", e->etag, e->size);
		strbuf_addstr(sb, "<StorageClass>STANDARD</StorageClass></Contents>");
	}
	for (size_t i = 0; i < l.n; i++) {
		if (l.items[i].size >= 0)
			continue;
		strbuf_addstr(sb, "<CommonPrefixes>");
		key_text(sb, "Prefix", l.items[i].key, l.encode);
		strbuf_addstr(sb, "</CommonPrefixes>");
	}
	strbuf_addstr(sb, "</ListBucketResult>");
	listing_release(&l);
	free(after);
}

/*
 * ListObjectVersions of a bucket without versioning: every object is its one version, whose
 * id is "null" and which is the latest, as S3 answers for a bucket never versioned.
 */
static void list_versions(struct cloud *c, const char *account, const char *bucket,
			  const struct http_req *req, struct http_resp *resp)
{
	if (!bucket_mine(c, account, bucket, NULL, resp))
		return;
	struct listing l;
	if (!listing_args(req, bucket, &l, resp))
		return;
	const char *km = http_query(req, "key-marker"), *vm = http_query(req, "version-id-marker");
	if (vm && vm[0] && !(km && km[0])) {
		s3_error(resp, 400, "InvalidArgument", bucket,
			 "A version-id marker cannot be specified without a key marker.");
		return;
	}
	if (vm && vm[0] && strcmp(vm, "null") != 0) {
		s3_error(resp, 400, "InvalidArgument", bucket, "Invalid version id specified");
		return;
	}
	l.after = km ? km : "";
	listing_run(c, bucket, &l);
	xml_start(resp, "ListVersionsResult");
	struct strbuf *sb = &resp->body;
	query_xml_text(sb, "Name", bucket);
	key_text(sb, "Prefix", l.prefix, l.encode);
	key_text(sb, "KeyMarker", km ? km : "", l.encode);
	query_xml_text(sb, "VersionIdMarker", vm ? vm : "");
	if (l.truncated && l.last) {
		key_text(sb, "NextKeyMarker", l.last, l.encode);
		query_xml_text(sb, "NextVersionIdMarker", "null");
	}
	if (l.delim)
		key_text(sb, "Delimiter", l.delim, l.encode);
	strbuf_addf(sb, "<MaxKeys>%ld</MaxKeys>", l.max);
	if (l.encode)
		query_xml_text(sb, "EncodingType", "url");
	strbuf_addf(sb, "<IsTruncated>%s</IsTruncated>", l.truncated ? "true" : "false");
	for (size_t i = 0; i < l.n; i++) {
		const struct entry *e = &l.items[i];
		if (e->size < 0)
			continue;
		char when[32];
		aws_time_iso(e->modified, when);
		strbuf_addstr(sb, "<Version>");
		key_text(sb, "Key", e->key, l.encode);
		strbuf_addstr(sb, "<VersionId>null</VersionId><IsLatest>true</IsLatest>");
		query_xml_text(sb, "LastModified", when);
		strbuf_addf(sb, "<ETag>&quot;%s&quot;</ETag><Size>%lld</Size>", e->etag, e->size);
		strbuf_addstr(sb, "<StorageClass>STANDARD</StorageClass><Owner>");
		query_xml_text(sb, "ID", account);
		query_xml_text(sb, "DisplayName", account);
		strbuf_addstr(sb, "</Owner></Version>");
	}
	for (size_t i = 0; i < l.n; i++) {
		if (l.items[i].size >= 0)
			continue;
		strbuf_addstr(sb, "<CommonPrefixes>");
		key_text(sb, "Prefix", l.items[i].key, l.encode);
		strbuf_addstr(sb, "</CommonPrefixes>");
	}
	strbuf_addstr(sb, "</ListVersionsResult>");
	listing_release(&l);
}

/* ---- objects ---- */

struct s3obj {
	char file[40];
	long long size;
	char etag[64];
	char *ctype;
	char *meta; /* JSON object text */
	long long modified;
};

static void s3obj_release(struct s3obj *o)
{
	free(o->meta);
	free(o->ctype);
	o->meta = o->ctype = NULL;
}

static bool object_find(struct cloud *c, const char *bucket, const char *key, struct s3obj *o)
{
	bool found = false;
	memset(o, 0, sizeof(*o));
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT file, size, etag, ctype, meta, modified FROM s3_objects"
			       " WHERE bucket=? AND key=?",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW) {
			found = true;
			snprintf(o->file, sizeof(o->file), "%s", sqlite3_column_text(q, 0));
			o->size = sqlite3_column_int64(q, 1);
			snprintf(o->etag, sizeof(o->etag), "%s", sqlite3_column_text(q, 2));
			o->ctype = xstrdup((const char *)sqlite3_column_text(q, 3));
			o->meta = xstrdup((const char *)sqlite3_column_text(q, 4));
			o->modified = sqlite3_column_int64(q, 5);
		}
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&c->db->mu);
	return found;
}

/* Record the object; the file it replaced (if any) is removed. */
static bool object_store(struct cloud *c, const char *account, const char *bucket, const char *key,
			 const struct s3obj *o)
{
	char old[40] = "";
	bool ok = false;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(c->db->db, "SELECT file FROM s3_objects WHERE bucket=? AND key=?",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			snprintf(old, sizeof(old), "%s", sqlite3_column_text(q, 0));
	}
	sqlite3_finalize(q);
	q = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "INSERT OR REPLACE INTO s3_objects(bucket, key, file, size, etag,"
			       " ctype, meta, modified) VALUES(?,?,?,?,?,?,?,?)",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, bucket, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, o->file, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, o->size);
		sqlite3_bind_text(q, 5, o->etag, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 6, o->ctype, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 7, o->meta ? o->meta : "{}", -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 8, o->modified);
		ok = sqlite3_step(q) == SQLITE_DONE;
	}
	sqlite3_finalize(q);
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

struct meta_ctx {
	cJSON *meta;
};

static enum MHD_Result collect_meta(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	(void)kind;
	struct meta_ctx *m = cls;
	if (strncasecmp(key, "x-amz-meta-", 11) == 0 && key[11] && value) {
		char *lower = xstrdup(key + 11);
		for (char *p = lower; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		cJSON_DeleteItemFromObjectCaseSensitive(m->meta, lower);
		cJSON_AddStringToObject(m->meta, lower, value);
		free(lower);
	}
	return MHD_YES;
}

static char *request_meta(const struct http_req *req)
{
	struct meta_ctx m = { cJSON_CreateObject() };
	if (req->conn)
		MHD_get_connection_values(req->conn, MHD_HEADER_KIND, collect_meta, &m);
	char *text = cJSON_PrintUnformatted(m.meta);
	cJSON_Delete(m.meta);
	return text;
}

static void object_headers(struct http_resp *resp, const struct s3obj *o)
{
	char date[40];
	http_date(o->modified, date);
	http_resp_headerf(resp, "ETag", "\"%s\"", o->etag);
	http_resp_header(resp, "Last-Modified", date);
	http_resp_header(resp, "Accept-Ranges", "bytes");
	cJSON *meta = cJSON_Parse(o->meta ? o->meta : "{}");
	const cJSON *m;
	cJSON_ArrayForEach(m, meta)
	{
		if (cJSON_IsString(m)) {
			char *name = xasprintf("x-amz-meta-%s", m->string);
			http_resp_header(resp, name, m->valuestring);
			free(name);
		}
	}
	cJSON_Delete(meta);
}

static const char *source_ip(const struct http_req *req)
{
	(void)req;
	return "127.0.0.1";
}

static void notify(struct cloud *c, const char *account, const char *owner, const char *bucket,
		   const char *key, const char *event, const struct s3obj *o,
		   const struct http_req *req)
{
	cJSON *conf = NULL;
	char who[13];
	if (!bucket_find(c, bucket, who, &conf) || !conf)
		return;
	struct s3_change ch = {
		.account = owner,
		.bucket = bucket,
		.key = key,
		.event = event,
		.size = o ? o->size : 0,
		.etag = o ? o->etag : NULL,
		.source_ip = source_ip(req),
		.principal = account,
		.trace = http_header(req, "X-Amzn-Trace-Id"),
	};
	s3_notify_deliver(c, conf, &ch);
	cJSON_Delete(conf);
}

/* EntityTooLarge, with the sizes S3 names in it. */
static void entity_too_large(struct http_resp *resp, unsigned long long proposed)
{
	s3_error(resp, 400, "EntityTooLarge", NULL,
		 "Your proposed upload exceeds the maximum allowed size");
	strbuf_setlen(&resp->body, resp->body.len - strlen("</Error>"));
	strbuf_addf(
		&resp->body,
		"<ProposedSize>%llu</ProposedSize><MaxSizeAllowed>%llu</MaxSizeAllowed></Error>",
		proposed, (unsigned long long)S3_PUT_MAX);
}

static void put_object(struct cloud *c, const char *account, const char *bucket, const char *key,
		       const struct http_req *req, struct http_resp *resp)
{
	if (!bucket_mine(c, account, bucket, NULL, resp))
		return;
	if (req->too_large && req->declared_len > S3_PUT_MAX) {
		entity_too_large(resp, req->declared_len);
		return;
	}
	if (req->too_large) {
		s3_error(resp, 400, "IncompleteBody", key, "The request body could not be stored");
		return;
	}
	struct s3obj o = { 0 };
	fresh_file_name(o.file);
	char *path = xasprintf("%s/s3/%s/%s/%s", c->state_dir, account, bucket, o.file);
	struct error err;
	bool ok;
	if (req->body_path) {
		ok = rename(req->body_path, path) == 0;
		if (!ok)
			error_set(&err, "cannot store the object: %s", strerror(errno));
	} else {
		ok = path_write_file(path, req->body, req->body_len, 0644, &err);
	}
	if (ok && !md5_file(path, o.etag, &o.size)) {
		ok = false;
		error_set(&err, "cannot read the stored object back");
	}
	if (!ok) {
		unlink(path);
		free(path);
		s3_error(resp, 500, "InternalError", key, "%s", err.msg);
		return;
	}
	const char *md5 = http_header(req, "Content-MD5");
	if (md5) {
		size_t n = 0;
		unsigned char *raw = aws_base64_decode(md5, strlen(md5), &n);
		char hex[33] = "";
		for (size_t i = 0; raw && n == 16 && i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", raw[i]);
		free(raw);
		if (strcmp(hex, o.etag) != 0) {
			unlink(path);
			free(path);
			s3_error(resp, 400, hex[0] ? "BadDigest" : "InvalidDigest", key,
				 "The Content-MD5 you specified did not match what we received.");
			return;
		}
	}
	const char *ct = http_header(req, "Content-Type");
	o.ctype = xstrdup(ct && ct[0] ? ct : "binary/octet-stream");
	o.meta = request_meta(req);
	o.modified = clock_wall_ms();
	if (!object_store(c, account, bucket, key, &o)) {
		unlink(path);
		s3_error(resp, 500, "InternalError", key, "cannot record the object");
	} else {
		http_resp_headerf(resp, "ETag", "\"%s\"", o.etag);
		notify(c, account, account, bucket, key, "ObjectCreated:Put", &o, req);
	}
	free(path);
	s3obj_release(&o);
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

static void get_object(struct cloud *c, const char *account, const char *bucket, const char *key,
		       const struct http_req *req, bool head, struct http_resp *resp)
{
	if (!bucket_mine(c, account, bucket, NULL, resp))
		return;
	struct s3obj o;
	if (!object_find(c, bucket, key, &o)) {
		if (head)
			resp->status = 404;
		else
			s3_error(resp, 404, "NoSuchKey", key, "The specified key does not exist.");
		return;
	}
	long long off, len;
	bool ranged;
	if (!parse_range(http_header(req, "Range"), o.size, &off, &len, &ranged)) {
		s3_error(resp, 416, "InvalidRange", key, "The requested range is not satisfiable");
		http_resp_headerf(resp, "Content-Range", "bytes */%lld", o.size);
		s3obj_release(&o);
		return;
	}
	char *path = xasprintf("%s/s3/%s/%s/%s", c->state_dir, account, bucket, o.file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd <= 0) {
		s3_error(resp, 500, "InternalError", key, "the object's file is missing");
		s3obj_release(&o);
		return;
	}
	object_headers(resp, &o);
	if (ranged) {
		resp->status = 206;
		http_resp_headerf(resp, "Content-Range", "bytes %lld-%lld/%lld", off, off + len - 1,
				  o.size);
	}
	resp->content_type = NULL;
	http_resp_header(resp, "Content-Type", o.ctype);
	resp->file_fd = fd;
	resp->file_off = off;
	resp->file_len = len;
	s3obj_release(&o);
}

static void delete_object(struct cloud *c, const char *account, const char *bucket, const char *key,
			  const struct http_req *req, struct http_resp *resp)
{
	if (!bucket_mine(c, account, bucket, NULL, resp))
		return;
	struct s3obj o;
	resp->status = 204;
	if (!object_find(c, bucket, key, &o))
		return; /* S3 answers 204 for a key that is not there */
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
	char *path = xasprintf("%s/s3/%s/%s/%s", c->state_dir, account, bucket, o.file);
	unlink(path);
	free(path);
	s3obj_release(&o);
	notify(c, account, account, bucket, key, "ObjectRemoved:Delete", NULL, req);
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

static void copy_object(struct cloud *c, const char *account, const char *bucket, const char *key,
			const char *source, const struct http_req *req, struct http_resp *resp)
{
	if (!bucket_mine(c, account, bucket, NULL, resp))
		return;
	struct strbuf src = STRBUF_INIT;
	const char *s = source[0] == '/' ? source + 1 : source;
	char *q = strchr(s, '?');
	char *plain = q ? xstrndup(s, (size_t)(q - s)) : xstrdup(s);
	const char *why = NULL;
	bool ok = s3_name_decode(plain, strlen(plain), &src, &why);
	free(plain);
	if (!ok) {
		strbuf_release(&src);
		s3_error(resp, 400, "InvalidArgument", key, "Invalid copy source encoding: %s",
			 why);
		return;
	}
	const char *slash = strchr(strbuf_str(&src), '/');
	if (!slash || !slash[1]) {
		strbuf_release(&src);
		s3_error(resp, 400, "InvalidArgument", key,
			 "Copy Source must mention the source bucket and key: sourcebucket/"
			 "sourcekey");
		return;
	}
	char *sbucket = xstrndup(src.buf, (size_t)(slash - src.buf));
	const char *skey = slash + 1;
	const char *directive = http_header(req, "x-amz-metadata-directive");
	bool replace = directive && strcmp(directive, "REPLACE") == 0;
	struct s3obj so;
	char owner[13];
	if (!bucket_find(c, sbucket, owner, NULL) || strcmp(owner, account) != 0) {
		s3_error(resp, 404, "NoSuchBucket", sbucket, "The specified bucket does not exist");
	} else if (!object_find(c, sbucket, skey, &so)) {
		s3_error(resp, 404, "NoSuchKey", skey, "The specified key does not exist.");
	} else if (!replace && strcmp(sbucket, bucket) == 0 && strcmp(skey, key) == 0) {
		s3_error(resp, 400, "InvalidRequest", key,
			 "This copy request is illegal because it is trying to copy an object to "
			 "itself without changing the object's metadata, storage class, website "
			 "redirect location or encryption attributes.");
		s3obj_release(&so);
	} else {
		struct s3obj o = so;
		fresh_file_name(o.file);
		char *from = xasprintf("%s/s3/%s/%s/%s", c->state_dir, account, sbucket, so.file);
		char *to = xasprintf("%s/s3/%s/%s/%s", c->state_dir, account, bucket, o.file);
		if (replace) {
			const char *ct = http_header(req, "Content-Type");
			free(o.meta);
			o.meta = request_meta(req);
			free(o.ctype);
			o.ctype = xstrdup(ct && ct[0] ? ct : "binary/octet-stream");
		}
		o.modified = clock_wall_ms();
		if (!copy_file(from, to) || !object_store(c, account, bucket, key, &o)) {
			unlink(to);
			s3_error(resp, 500, "InternalError", key, "cannot copy the object");
		} else {
			char when[32];
			aws_time_iso(o.modified, when);
			xml_start(resp, "CopyObjectResult");
			query_xml_text(&resp->body, "LastModified", when);
			strbuf_addf(&resp->body, "<ETag>&quot;%s&quot;</ETag></CopyObjectResult>",
				    o.etag);
			notify(c, account, account, bucket, key, "ObjectCreated:Copy", &o, req);
		}
		free(from);
		free(to);
		s3obj_release(&o);
	}
	free(sbucket);
	strbuf_release(&src);
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

static void upload_part(struct cloud *c, const char *id, const char *key,
			const struct http_req *req, struct http_resp *resp)
{
	const char *pn = http_query(req, "partNumber");
	char *end = NULL;
	long part = pn ? strtol(pn, &end, 10) : 0;
	if (!pn || *end || part < 1 || part > 10000) {
		s3_error(resp, 400, "InvalidArgument", key,
			 "Part number must be an integer between 1 and 10000, inclusive");
		return;
	}
	char *path = part_path(c, id, part);
	struct error err;
	bool ok = req->body_path ? rename(req->body_path, path) == 0
				 : path_write_file(path, req->body, req->body_len, 0644, &err);
	char md5[33];
	long long size = 0;
	if (!ok || req->too_large || !md5_file(path, md5, &size)) {
		unlink(path);
		free(path);
		s3_error(resp, 400, "IncompleteBody", key, "The part could not be stored");
		return;
	}
	free(path);
	char *num = xasprintf("%ld", part), *sz = xasprintf("%lld", size);
	db_run(c, "INSERT OR REPLACE INTO s3_parts(upload_id, part, size, etag) VALUES(?,?,?,?)",
	       id, num, sz, md5, NULL);
	free(num);
	free(sz);
	http_resp_headerf(resp, "ETag", "\"%s\"", md5);
}

static void complete_upload(struct cloud *c, const char *account, const char *bucket,
			    const char *key, const char *id, const char *ctype, const char *meta,
			    const struct http_req *req, struct http_resp *resp)
{
	cJSON *doc = s3_xml_parse(req->body, req->body_len);
	if (!doc || strcmp(s3_xml_name(doc), "CompleteMultipartUpload") != 0) {
		cJSON_Delete(doc);
		s3_error(resp, 400, "MalformedXML", key,
			 "The XML you provided was not well-formed or did not validate against our "
			 "published schema");
		return;
	}
	struct s3obj o = { 0 };
	fresh_file_name(o.file);
	char *to = xasprintf("%s/s3/%s/%s/%s", c->state_dir, account, bucket, o.file);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct md5 md;
	md5_init(&md);
	long prev = 0, count = 0;
	/* Every part but the last must be 5 MiB or more; the last one may be smaller. */
	long long last_size = -1;
	long last_num = 0;
	char last_etag[33] = "";
	const char *fail = out < 0 ? "InternalError" : NULL;
	char small[24] = "", small_part[24] = "";
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(doc, "c"))
	{
		if (fail || strcmp(s3_xml_name(p), "Part") != 0)
			continue;
		long num = strtol(s3_xml_text(s3_xml_child(p, "PartNumber")), NULL, 10);
		char want[40];
		snprintf(want, sizeof(want), "%s", s3_xml_text(s3_xml_child(p, "ETag")));
		char *w = want;
		if (*w == '"')
			w++;
		w[strcspn(w, "\"")] = '\0';
		if (num <= prev) {
			fail = "InvalidPartOrder";
			break;
		}
		prev = num;
		char *path = part_path(c, id, num);
		char got[33];
		long long size = 0;
		if (!md5_file(path, got, &size) || strcmp(got, w) != 0) {
			fail = "InvalidPart";
		} else if (last_size >= 0 && last_size < S3_PART_MIN) {
			fail = "EntityTooSmall";
			snprintf(small, sizeof(small), "%lld", last_size);
			snprintf(small_part, sizeof(small_part), "%ld", last_num);
		} else {
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
			fail = copy_append(path, out) ? NULL : "InternalError";
			o.size += size;
			count++;
		}
		free(path);
	}
	cJSON_Delete(doc);
	unsigned char dig[MD5_LEN];
	md5_final(&md, dig);
	if (out >= 0 && close(out) != 0)
		fail = "InternalError";
	if (!fail && count == 0)
		fail = "MalformedXML";
	if (fail && strcmp(fail, "EntityTooSmall") == 0) {
		unlink(to);
		free(to);
		const char *const fields[] = { "ProposedSize",   small,        "MinSizeAllowed",
					       S3_PART_MIN_TEXT, "PartNumber", small_part,
					       "ETag",           last_etag,    NULL };
		s3_error_fields(resp, 400, fail, fields,
				"Your proposed upload is smaller than the minimum allowed size");
		return;
	}
	if (fail) {
		unlink(to);
		free(to);
		s3_error(resp, 400, fail, key,
			 strcmp(fail, "InvalidPartOrder") == 0
				 ? "The list of parts was not in ascending order."
				 : "One or more of the specified parts could not be found.");
		return;
	}
	for (int i = 0; i < 16; i++)
		snprintf(o.etag + 2 * i, 3, "%02x", dig[i]);
	snprintf(o.etag + 32, sizeof(o.etag) - 32, "-%ld", count);
	o.ctype = xstrdup(ctype);
	o.meta = xstrdup(meta);
	o.modified = clock_wall_ms();
	if (!object_store(c, account, bucket, key, &o)) {
		unlink(to);
		s3_error(resp, 500, "InternalError", key, "cannot record the object");
	} else {
		upload_forget(c, id);
		xml_start(resp, "CompleteMultipartUploadResult");
		char *loc = xasprintf("%s/%s/%s", c->endpoint, bucket, key);
		query_xml_text(&resp->body, "Location", loc);
		free(loc);
		query_xml_text(&resp->body, "Bucket", bucket);
		query_xml_text(&resp->body, "Key", key);
		strbuf_addf(&resp->body,
			    "<ETag>&quot;%s&quot;</ETag></CompleteMultipartUploadResult>", o.etag);
		notify(c, account, account, bucket, key, "ObjectCreated:CompleteMultipartUpload",
		       &o, req);
	}
	free(to);
	s3obj_release(&o);
}

static void multipart(struct cloud *c, const char *account, const char *bucket, const char *key,
		      const struct http_req *req, struct http_resp *resp)
{
	if (!bucket_mine(c, account, bucket, NULL, resp))
		return;
	const char *m = req->method;
	if (http_query_has(req, "uploads") && strcmp(m, "POST") == 0) {
		char id[49];
		aws_random_hex(id, 48);
		const char *ct = http_header(req, "Content-Type");
		char *meta = request_meta(req);
		db_run(c,
		       "INSERT INTO s3_uploads(upload_id, bucket, key, ctype, meta) "
		       "VALUES(?,?,?,?,?)",
		       id, bucket, key, ct && ct[0] ? ct : "binary/octet-stream", meta, NULL);
		free(meta);
		xml_start(resp, "InitiateMultipartUploadResult");
		query_xml_text(&resp->body, "Bucket", bucket);
		query_xml_text(&resp->body, "Key", key);
		query_xml_text(&resp->body, "UploadId", id);
		strbuf_addstr(&resp->body, "</InitiateMultipartUploadResult>");
		return;
	}
	const char *id = http_query(req, "uploadId");
	char *ctype = NULL, *meta = NULL;
	if (!id || !upload_find(c, id, bucket, key, &ctype, &meta)) {
		s3_error(
			resp, 404, "NoSuchUpload", key,
			"The specified upload does not exist. The upload ID may be invalid, or the "
			"upload may have been aborted or completed.");
		return;
	}
	if (strcmp(m, "PUT") == 0)
		upload_part(c, id, key, req, resp);
	else if (strcmp(m, "POST") == 0)
		complete_upload(c, account, bucket, key, id, ctype, meta, req, resp);
	else if (strcmp(m, "DELETE") == 0) {
		upload_forget(c, id);
		resp->status = 204;
	} else
		s3_error(resp, 405, "MethodNotAllowed", key,
			 "The specified method is not allowed against this resource.");
	free(ctype);
	free(meta);
}

static void serve_bucket(struct cloud *c, const char *account, const char *bucket,
			 const struct http_req *req, struct http_resp *resp)
{
	const char *m = req->method;
	bool get = strcmp(m, "GET") == 0, put = strcmp(m, "PUT") == 0;
	if (http_query_has(req, "notification")) {
		if (put)
			put_notification(c, account, bucket, req, resp);
		else if (get)
			get_notification(c, account, bucket, resp);
		else
			s3_error(resp, 405, "MethodNotAllowed", bucket,
				 "The specified method is not allowed against this resource.");
	} else if (http_query_has(req, "location") && get) {
		if (bucket_mine(c, account, bucket, NULL, resp)) {
			xml_start(resp, "LocationConstraint");
			strbuf_addstr(&resp->body, "</LocationConstraint>");
		}
	} else if (get && http_query_has(req, "versions")) {
		list_versions(c, account, bucket, req, resp);
	} else if (get) {
		list_objects(c, account, bucket, req, resp);
	} else {
		s3_error(resp, 405, "MethodNotAllowed", bucket,
			 "The specified method is not allowed against this resource.");
	}
}

static void serve_object(struct cloud *c, const char *account, const char *bucket, const char *key,
			 const struct http_req *req, struct http_resp *resp)
{
	const char *m = req->method;
	bool get = strcmp(m, "GET") == 0, put = strcmp(m, "PUT") == 0,
	     head = strcmp(m, "HEAD") == 0, del = strcmp(m, "DELETE") == 0;
	if (http_query_has(req, "uploads") || http_query_has(req, "uploadId")) {
		multipart(c, account, bucket, key, req, resp);
		return;
	}
	const char *copy = http_header(req, "x-amz-copy-source");
	if (put && copy)
		copy_object(c, account, bucket, key, copy, req, resp);
	else if (put)
		put_object(c, account, bucket, key, req, resp);
	else if (get || head)
		get_object(c, account, bucket, key, req, head, resp);
	else if (del)
		delete_object(c, account, bucket, key, req, resp);
	else
		s3_error(resp, 405, "MethodNotAllowed", key,
			 "The specified method is not allowed against this resource.");
}

/*
 * Split a path-style target into bucket and key, each decoded from the bytes the client
 * sent, never cut short. False with resp filled when either is not a name S3 keeps.
 */
static bool target_names(const struct http_req *req, char bucket[64], struct strbuf *key,
			 bool *has_key, struct http_resp *resp)
{
	const char *target = req->raw_path ? req->raw_path : req->path;
	const char *p = target[0] == '/' ? target + 1 : target;
	const char *slash = strchr(p, '/');
	size_t blen = slash ? (size_t)(slash - p) : strlen(p);
	struct strbuf name = STRBUF_INIT;
	const char *why = NULL;
	bool ok = s3_name_decode(p, blen, &name, &why) && name.len < 64;
	if (!ok) {
		s3_error(resp, 400, "InvalidBucketName", strbuf_str(&name),
			 "The specified bucket is not valid.");
		strbuf_release(&name);
		return false;
	}
	memcpy(bucket, strbuf_str(&name), name.len + 1);
	strbuf_release(&name);
	*has_key = slash && slash[1];
	if (!*has_key)
		return true;
	if (!s3_name_decode(slash + 1, strlen(slash + 1), key, &why)) {
		s3_error(resp, 400, "InvalidURI", NULL,
			 "Couldn't parse the specified URI: the key holds %s.", why);
		return false;
	}
	if (key->len > S3_KEY_MAX) {
		s3_error(resp, 400, "KeyTooLongError", NULL, "Your key is too long");
		return false;
	}
	return true;
}

void s3_api(struct cloud *c, const char *account, const struct http_req *req,
	    struct http_resp *resp)
{
	char bucket[64];
	struct strbuf key = STRBUF_INIT;
	bool has_key = false;
	if (target_names(req, bucket, &key, &has_key, resp)) {
		if (has_key)
			serve_object(c, account, bucket, strbuf_str(&key), req, resp);
		else
			serve_bucket(c, account, bucket, req, resp);
	}
	strbuf_release(&key);
}

void s3_precheck(struct cloud *c, const struct http_req *req, struct http_resp *resp)
{
	(void)c;
	if (!s3_wants_spool(NULL, req->method, req->path))
		return;
	const char *decoded = http_header(req, "x-amz-decoded-content-length");
	unsigned long long size = decoded ? strtoull(decoded, NULL, 10) : req->declared_len;
	if (size > S3_PUT_MAX)
		entity_too_large(resp, size);
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

static void raw(struct svc_call *call, struct http_resp *resp)
{
	s3_api(call->cloud, call->caller->account, call->http, resp);
}

static const struct svc_op ops[] = {
	{ "CreateBucket", op_create_bucket },
	{ "DeleteBucket", op_delete_bucket },
	{ "HeadBucket", op_head_bucket },
	{ "ListBuckets", op_list_buckets },
};

/* What S3 still reads from the wire itself: objects (their bodies stream to and from files,
 * their keys are decoded from the raw path), listings, notifications and uploads. */
static const char *const raw_ops[] = {
	"AbortMultipartUpload",
	"CompleteMultipartUpload",
	"CopyObject",
	"CreateMultipartUpload",
	"DeleteObject",
	"GetBucketLocation",
	"GetBucketNotification",
	"GetBucketNotificationConfiguration",
	"GetObject",
	"HeadObject",
	"ListObjectVersions",
	"ListObjects",
	"ListObjectsV2",
	"PutBucketNotification",
	"PutBucketNotificationConfiguration",
	"PutObject",
	"UploadPart",
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
	.raw_ops = raw_ops,
	.raw = raw,
};
