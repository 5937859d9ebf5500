/*
 * Kinesis Data Streams: streams, shards and their hash key ranges, records and sequence
 * numbers, shard iterators, and the service's row of the service table.
 *
 * A stream of n shards splits the 128-bit hash key space evenly; a record goes to the shard
 * whose range holds the MD5 of its partition key. Sequence numbers are 56 digits: "49", the
 * shard's index in six digits, and a counter of 48 that grows with each record on the shard,
 * so that they compare as numbers and as strings alike. Records, counters and streams live in
 * the cloud's database; the stream definitions are cached in memory under the database's
 * mutex, with each provisioned shard's write window (1,000 records or 1 MiB a second of the
 * virtual clock). One file: every operation shares the stream cache, the hash key arithmetic
 * and the sequence numbers' format, and none is long.
 */
#include "cloud/kinesis/kinesis.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/http/aws.h"
#include "cloud/state.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/vec.h"

__extension__ typedef unsigned __int128 u128;

#define SHARDS_MAX          500
#define ON_DEMAND_SHARDS    4
#define RECORD_MAX          (1024 * 1024)
#define PUT_RECORDS_MAX     500
#define PUT_RECORDS_BYTES   (5 * 1024 * 1024)
#define GET_RECORDS_MAX     10000
#define ITERATOR_TTL_MS     300000
#define SHARD_RECORDS_PER_S 1000
#define SHARD_BYTES_PER_S   (1024 * 1024)

static const char *const migrations[] = {
	/* 0 -> 1: streams, their shards' counters, records. */
	"CREATE TABLE IF NOT EXISTS kinesis_streams(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
	" region TEXT NOT NULL, name TEXT NOT NULL, created INTEGER NOT NULL, mode TEXT NOT NULL,"
	" retention_hours INTEGER NOT NULL, shards INTEGER NOT NULL, tags TEXT NOT NULL,"
	" UNIQUE(account, region, name)) STRICT;"
	"CREATE TABLE IF NOT EXISTS kinesis_records(id INTEGER PRIMARY KEY, stream INTEGER NOT "
	"NULL,"
	" shard INTEGER NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, pkey TEXT NOT NULL,"
	" data BLOB NOT NULL, UNIQUE(stream, shard, seq)) STRICT;"
	"CREATE INDEX IF NOT EXISTS kinesis_records_ts ON kinesis_records(stream, ts);",
	/* 1 -> 2: records keyed by (stream, shard, seq) alone: one b-tree to write per record
	 * where there were three (rowids, the unique key, the time index). Retention trims a
	 * shard from its oldest record on, in sequence order, so the time index goes. */
	"CREATE TABLE kinesis_records_new(stream INTEGER NOT NULL, shard INTEGER NOT NULL,"
	" seq INTEGER NOT NULL, ts INTEGER NOT NULL, pkey TEXT NOT NULL, data BLOB NOT NULL,"
	" PRIMARY KEY(stream, shard, seq)) STRICT, WITHOUT ROWID;"
	"INSERT INTO kinesis_records_new(stream, shard, seq, ts, pkey, data)"
	" SELECT stream, shard, seq, ts, pkey, data FROM kinesis_records;"
	"DROP TABLE kinesis_records;"
	"ALTER TABLE kinesis_records_new RENAME TO kinesis_records;",
};

struct shard_state {
	int64_t next_seq;
	/* Arrival time of the shard's oldest record; INT64_MAX when it has none. */
	int64_t oldest_ts;
	int64_t window_start;
	int window_records;
	int64_t window_bytes;
};

struct kstream {
	int64_t id;
	char account[13], region[32];
	char *name;
	int64_t created;
	char mode[16];
	int retention_hours;
	int nshards;
	cJSON *tags;
	struct shard_state *shards;
};

struct kinesis_svc {
	struct cloud_db *db;
	struct vclock *clock;
	int64_t now_ms;     /* the time of the call under way, read once for all its records */
	struct vec streams; /* struct kstream *, cached; under db->mu */
};

static void kstream_free(struct kstream *s)
{
	if (!s)
		return;
	free(s->name);
	cJSON_Delete(s->tags);
	free(s->shards);
	free(s);
}

/* --- errors --- */

static bool fail(struct aws_err *err, const char *code, const char *fmt, ...) XALLOC_PRINTF(3, 4);
static bool fail(struct aws_err *err, const char *code, const char *fmt, ...)
{
	memset(err, 0, sizeof(*err));
	err->status = 400;
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return false;
}

static bool internal(struct aws_err *err)
{
	fail(err, "InternalFailure", "Internal service failure");
	err->status = 500;
	err->server = true;
	return false;
}

/* --- hash keys --- */

static void u128_text(u128 v, char out[41])
{
	char tmp[41];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

static bool u128_parse(const char *s, u128 *out)
{
	u128 v = 0, max = ~(u128)0;
	if (!s || !*s || strlen(s) > 39)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Where shard i of n starts: floor(i * 2^128 / n), computed without 2^128. */
static u128 shard_start(int i, int n)
{
	u128 max = ~(u128)0, un = (u128)n;
	u128 q = max / un, r = max % un + 1; /* 2^128 = q * n + r, with r <= n */
	if (r == un) {
		q++;
		r = 0;
	}
	return (u128)i * q + (u128)i * r / un;
}

/* Shard i of n: [start, end]. */
static void shard_range(int i, int n, u128 *start, u128 *end)
{
	*start = shard_start(i, n);
	*end = i == n - 1 ? ~(u128)0 : shard_start(i + 1, n) - 1;
}

int kinesis_shard_for(const char *partition_key, const char *explicit_hash, int n)
{
	u128 h = 0;
	if (explicit_hash) {
		if (!u128_parse(explicit_hash, &h))
			return -1;
	} else {
		unsigned char d[MD5_LEN];
		md5(partition_key, strlen(partition_key), d);
		for (int i = 0; i < MD5_LEN; i++)
			h = (h << 8) | d[i];
	}
	for (int i = 0; i < n; i++) {
		u128 s, e;
		shard_range(i, n, &s, &e);
		if (h >= s && h <= e)
			return i;
	}
	return n - 1;
}

/* --- sequence numbers and shard ids --- */

static void seq_text(int shard, int64_t seq, char out[64])
{
	snprintf(out, 64, "49%06d%048" PRId64, shard, seq);
}

static bool seq_parse(const char *text, int *shard, int64_t *seq)
{
	if (!text || strlen(text) != 56 || strncmp(text, "49", 2) != 0)
		return false;
	for (const char *p = text; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	char part[49];
	memcpy(part, text + 2, 6);
	part[6] = '\0';
	*shard = atoi(part);
	/* Counters fit 18 digits; the rest are zeros. */
	for (int i = 8; i < 8 + 30; i++)
		if (text[i] != '0')
			return false;
	*seq = strtoll(text + 38, NULL, 10);
	return true;
}

static void shard_id(int i, char out[32])
{
	snprintf(out, 32, "shardId-%012d", i);
}

static int shard_parse(const char *id)
{
	if (!id || strlen(id) != 20 || strncmp(id, "shardId-", 8) != 0)
		return -1;
	for (const char *p = id + 8; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	return atoi(id + 8);
}

/* --- state --- */

struct kinesis_svc *kinesis_svc_new(struct cloud_db *db, struct vclock *clock)
{
	struct kinesis_svc *k = xcalloc(1, sizeof(*k));
	k->db = db;
	k->clock = clock;
	return k;
}

static void forget(struct kinesis_svc *k, const char *account)
{
	size_t keep = 0;
	vec_for_each (&k->streams, i) {
		struct kstream *s = k->streams.items[i];
		if (!account || strcmp(s->account, account) == 0)
			kstream_free(s);
		else
			k->streams.items[keep++] = s;
	}
	k->streams.len = keep;
}

void kinesis_svc_free(struct kinesis_svc *k)
{
	if (!k)
		return;
	forget(k, NULL);
	vec_release(&k->streams);
	free(k);
}

void kinesis_svc_reset_account(struct kinesis_svc *k, const char *account)
{
	pthread_mutex_lock(&k->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(k->db->db,
			   "DELETE FROM kinesis_records WHERE stream IN (SELECT id FROM"
			   " kinesis_streams WHERE account = ?)",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
	sqlite3_prepare_v2(k->db->db, "DELETE FROM kinesis_streams WHERE account = ?", -1, &st,
			   NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
	forget(k, account);
	pthread_mutex_unlock(&k->db->mu);
}

static struct kinesis_svc *state(struct svc_call *call)
{
	return call->cloud->kinesis;
}

static int64_t now_ms(struct kinesis_svc *k, const char *account)
{
	return vclock_now_ms(k->clock, account);
}

static const char oldest_sql[] = "SELECT ts FROM kinesis_records WHERE stream = ? AND shard = ?"
				 " ORDER BY seq LIMIT 1";

/* The arrival time of a shard's oldest record, INT64_MAX when it has none. */
static int64_t shard_oldest(struct kinesis_svc *k, const struct kstream *s, int shard)
{
	int64_t ts = INT64_MAX;
	sqlite3_stmt *st = db_stmt(k->db, oldest_sql);
	if (!st)
		return ts;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_int(st, 2, shard);
	if (sqlite3_step(st) == SQLITE_ROW)
		ts = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return ts;
}

static struct kstream *load(struct kinesis_svc *k, const char *account, const char *region,
			    const char *name)
{
	vec_for_each (&k->streams, i) {
		struct kstream *s = k->streams.items[i];
		if (strcmp(s->name, name) == 0 && strcmp(s->account, account) == 0 &&
		    strcmp(s->region, region) == 0)
			return s;
	}
	sqlite3_stmt *st = NULL;
	struct kstream *s = NULL;
	sqlite3_prepare_v2(k->db->db,
			   "SELECT id, created, mode, retention_hours, shards, tags FROM"
			   " kinesis_streams WHERE account = ? AND region = ? AND name = ?",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, region, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		s = xcalloc(1, sizeof(*s));
		s->id = sqlite3_column_int64(st, 0);
		snprintf(s->account, sizeof(s->account), "%s", account);
		snprintf(s->region, sizeof(s->region), "%s", region);
		s->name = xstrdup(name);
		s->created = sqlite3_column_int64(st, 1);
		snprintf(s->mode, sizeof(s->mode), "%s", sqlite3_column_text(st, 2));
		s->retention_hours = sqlite3_column_int(st, 3);
		s->nshards = sqlite3_column_int(st, 4);
		s->tags = cJSON_Parse((const char *)sqlite3_column_text(st, 5));
		if (!s->tags)
			s->tags = cJSON_CreateObject();
		s->shards = xcalloc((size_t)s->nshards, sizeof(*s->shards));
	}
	sqlite3_finalize(st);
	if (!s)
		return NULL;
	/* Each shard's next sequence number follows its last record. */
	sqlite3_prepare_v2(k->db->db,
			   "SELECT shard, max(seq) FROM kinesis_records WHERE stream = ? GROUP BY"
			   " shard",
			   -1, &st, NULL);
	sqlite3_bind_int64(st, 1, s->id);
	for (int i = 0; i < s->nshards; i++)
		s->shards[i].next_seq = 1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int shard = sqlite3_column_int(st, 0);
		if (shard >= 0 && shard < s->nshards)
			s->shards[shard].next_seq = sqlite3_column_int64(st, 1) + 1;
	}
	sqlite3_finalize(st);
	for (int i = 0; i < s->nshards; i++)
		s->shards[i].oldest_ts = shard_oldest(k, s, i);
	vec_push(&k->streams, s);
	return s;
}

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(m) ? m->valuestring : NULL;
}

/* The stream a request names by StreamName or StreamARN. */
static struct kstream *named(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = str(in, "StreamName"), *arn = str(in, "StreamARN");
	char region[32], account[13], from_arn[129];
	const char *acct = call->caller->account, *reg = call->caller->region;
	if (arn) {
		if (sscanf(arn, "arn:aws:kinesis:%31[^:]:%12[0-9]:stream/%128s", region, account,
			   from_arn) != 3)
			return fail(err, "InvalidArgumentException", "Invalid StreamARN: %s", arn),
			       NULL;
		if (name && strcmp(name, from_arn) != 0)
			return fail(err, "InvalidArgumentException",
				    "StreamARN %s and StreamName %s do not refer to the same "
				    "stream",
				    arn, name),
			       NULL;
		name = from_arn;
		reg = region;
		if (strcmp(account, acct) != 0)
			return fail(err, "AccessDeniedException",
				    "User is not authorized to access stream %s", arn),
			       NULL;
	}
	if (!name)
		return fail(err, "InvalidArgumentException",
			    "Either StreamName or StreamARN should be provided."),
		       NULL;
	struct kstream *s = load(state(call), acct, reg, name);
	if (!s)
		fail(err, "ResourceNotFoundException", "Stream %s under account %s not found.",
		     name, acct);
	return s;
}

static void stream_arn(const struct kstream *s, struct strbuf *out)
{
	strbuf_addf(out, "arn:aws:kinesis:%s:%s:stream/%s", s->region, s->account, s->name);
}

static const char trim_sql[] =
	"DELETE FROM kinesis_records WHERE stream = ?1 AND shard = ?2 AND seq < coalesce(("
	"SELECT seq FROM kinesis_records WHERE stream = ?1 AND shard = ?2 AND ts >= ?3"
	" ORDER BY seq LIMIT 1), ?4)";

/*
 * Records older than the retention period go. A shard's records arrive in sequence order, so
 * each shard loses a run from its oldest record on, and only a shard whose oldest record is
 * past the period is looked at.
 */
static void trim(struct kinesis_svc *k, struct kstream *s)
{
	int64_t cutoff = now_ms(k, s->account) - (int64_t)s->retention_hours * 3600 * 1000;
	for (int i = 0; i < s->nshards; i++) {
		struct shard_state *ss = &s->shards[i];
		if (ss->oldest_ts >= cutoff)
			continue;
		sqlite3_stmt *st = db_stmt(k->db, trim_sql);
		if (!st)
			return;
		sqlite3_bind_int64(st, 1, s->id);
		sqlite3_bind_int(st, 2, i);
		sqlite3_bind_int64(st, 3, cutoff);
		sqlite3_bind_int64(st, 4, ss->next_seq);
		sqlite3_step(st);
		sqlite3_reset(st);
		ss->oldest_ts = shard_oldest(k, s, i);
	}
}

/* --- streams --- */

#define K_OP(name) \
	static cJSON *op_##name(struct svc_call *call, const cJSON *in, struct aws_err *err)

K_OP(create_stream)
{
	struct kinesis_svc *k = state(call);
	const char *name = str(in, "StreamName");
	const cJSON *count = cJSON_GetObjectItemCaseSensitive(in, "ShardCount");
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(in, "StreamModeDetails");
	const char *mode = str(md, "StreamMode");
	/* Neither a mode nor a shard count: Kinesis makes an on-demand stream. */
	if (!mode)
		mode = count ? "PROVISIONED" : "ON_DEMAND";
	if (!name)
		return fail(err, "ValidationException",
			    "1 validation error detected: Value null at 'streamName' failed to "
			    "satisfy constraint: Member must not be null"),
		       NULL;
	int shards;
	if (strcmp(mode, "ON_DEMAND") == 0) {
		if (count)
			return fail(err, "InvalidArgumentException",
				    "ShardCount must not be specified for a stream in ON_DEMAND "
				    "mode"),
			       NULL;
		shards = ON_DEMAND_SHARDS;
	} else if (strcmp(mode, "PROVISIONED") == 0) {
		if (!cJSON_IsNumber(count))
			return fail(err, "ValidationException",
				    "1 validation error detected: Value null at 'shardCount' "
				    "failed "
				    "to satisfy constraint: Member must not be null"),
			       NULL;
		shards = (int)count->valuedouble;
		if (shards < 1)
			return fail(err, "ValidationException",
				    "1 validation error detected: Value '%d' at 'shardCount' "
				    "failed "
				    "to satisfy constraint: Member must have value greater than or "
				    "equal to 1",
				    shards),
			       NULL;
		if (shards > SHARDS_MAX)
			return fail(err, "LimitExceededException",
				    "This request would exceed the shard limit for the account %s "
				    "in "
				    "%s. Current shard count for the account: 0. Limit: %d. Number "
				    "of additional shards that would have resulted from this "
				    "request: "
				    "%d.",
				    call->caller->account, call->caller->region, SHARDS_MAX,
				    shards),
			       NULL;
	} else {
		return fail(err, "ValidationException",
			    "1 validation error detected: Value '%s' at "
			    "'streamModeDetails.streamMode' "
			    "failed to satisfy constraint: Member must satisfy enum value set: "
			    "[PROVISIONED, ON_DEMAND]",
			    mode),
		       NULL;
	}
	if (load(k, call->caller->account, call->caller->region, name))
		return fail(err, "ResourceInUseException",
			    "Stream %s under account %s already exists.", name,
			    call->caller->account),
		       NULL;
	const cJSON *given = cJSON_GetObjectItemCaseSensitive(in, "Tags");
	cJSON *tags = given ? cJSON_Duplicate(given, 1) : cJSON_CreateObject();
	char *tags_text = cJSON_PrintUnformatted(tags);
	cJSON_Delete(tags);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(k->db->db,
			   "INSERT INTO kinesis_streams(account, region, name, created, mode,"
			   " retention_hours, shards, tags) VALUES (?, ?, ?, ?, ?, 24, ?, ?)",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, call->caller->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, call->caller->region, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now_ms(k, call->caller->account));
	sqlite3_bind_text(st, 5, mode, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, shards);
	sqlite3_bind_text(st, 7, tags_text, -1, SQLITE_TRANSIENT);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	free(tags_text);
	if (!ok)
		return internal(err), NULL;
	return cJSON_CreateObject();
}

K_OP(delete_stream)
{
	struct kinesis_svc *k = state(call);
	struct kstream *s = named(call, in, err);
	if (!s)
		return NULL;
	sqlite3_stmt *st = NULL;
	cloud_db_exec(k->db, "BEGIN");
	sqlite3_prepare_v2(k->db->db, "DELETE FROM kinesis_records WHERE stream = ?", -1, &st,
			   NULL);
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	sqlite3_prepare_v2(k->db->db, "DELETE FROM kinesis_streams WHERE id = ?", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	cloud_db_exec(k->db, "COMMIT");
	vec_for_each (&k->streams, i)
		if (k->streams.items[i] == s) {
			k->streams.items[i] = k->streams.items[--k->streams.len];
			break;
		}
	kstream_free(s);
	return cJSON_CreateObject();
}

static cJSON *mode_details(const struct kstream *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "StreamMode", s->mode);
	return o;
}

static cJSON *shard_json(struct kinesis_svc *k, const struct kstream *s, int i)
{
	cJSON *o = cJSON_CreateObject();
	char id[32], text[64];
	shard_id(i, id);
	cJSON_AddStringToObject(o, "ShardId", id);
	cJSON *hk = cJSON_AddObjectToObject(o, "HashKeyRange");
	u128 a, b;
	char num[41];
	shard_range(i, s->nshards, &a, &b);
	u128_text(a, num);
	cJSON_AddStringToObject(hk, "StartingHashKey", num);
	u128_text(b, num);
	cJSON_AddStringToObject(hk, "EndingHashKey", num);
	cJSON *sr = cJSON_AddObjectToObject(o, "SequenceNumberRange");
	(void)k;
	seq_text(i, 0, text);
	cJSON_AddStringToObject(sr, "StartingSequenceNumber", text);
	return o;
}

static void add_common(cJSON *o, const struct kstream *s)
{
	struct strbuf arn = STRBUF_INIT;
	stream_arn(s, &arn);
	cJSON_AddStringToObject(o, "StreamName", s->name);
	cJSON_AddStringToObject(o, "StreamARN", arn.buf);
	cJSON_AddStringToObject(o, "StreamStatus", "ACTIVE");
	cJSON_AddItemToObject(o, "StreamModeDetails", mode_details(s));
	strbuf_release(&arn);
}

K_OP(describe_stream)
{
	struct kinesis_svc *k = state(call);
	struct kstream *s = named(call, in, err);
	if (!s)
		return NULL;
	const cJSON *limit = cJSON_GetObjectItemCaseSensitive(in, "Limit");
	int max = cJSON_IsNumber(limit) ? (int)limit->valuedouble : 100;
	int from = 0;
	const char *start = str(in, "ExclusiveStartShardId");
	if (start)
		from = shard_parse(start) + 1;
	cJSON *out = cJSON_CreateObject(), *d = cJSON_AddObjectToObject(out, "StreamDescription");
	add_common(d, s);
	cJSON *shards = cJSON_AddArrayToObject(d, "Shards");
	int i;
	for (i = from < 0 ? 0 : from; i < s->nshards && i - from < max; i++)
		cJSON_AddItemToArray(shards, shard_json(k, s, i));
	cJSON_AddBoolToObject(d, "HasMoreShards", i < s->nshards);
	cJSON_AddNumberToObject(d, "RetentionPeriodHours", s->retention_hours);
	cJSON_AddNumberToObject(d, "StreamCreationTimestamp", (double)s->created / 1000.0);
	cJSON *em = cJSON_AddArrayToObject(d, "EnhancedMonitoring"), *m = cJSON_CreateObject();
	cJSON_AddArrayToObject(m, "ShardLevelMetrics");
	cJSON_AddItemToArray(em, m);
	cJSON_AddStringToObject(d, "EncryptionType", "NONE");
	return out;
}

K_OP(describe_stream_summary)
{
	struct kstream *s = named(call, in, err);
	if (!s)
		return NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON *d = cJSON_AddObjectToObject(out, "StreamDescriptionSummary");
	add_common(d, s);
	cJSON_AddNumberToObject(d, "RetentionPeriodHours", s->retention_hours);
	cJSON_AddNumberToObject(d, "StreamCreationTimestamp", (double)s->created / 1000.0);
	cJSON *em = cJSON_AddArrayToObject(d, "EnhancedMonitoring"), *m = cJSON_CreateObject();
	cJSON_AddArrayToObject(m, "ShardLevelMetrics");
	cJSON_AddItemToArray(em, m);
	cJSON_AddStringToObject(d, "EncryptionType", "NONE");
	cJSON_AddNumberToObject(d, "OpenShardCount", s->nshards);
	cJSON_AddNumberToObject(d, "ConsumerCount", 0);
	return out;
}

K_OP(list_streams)
{
	struct kinesis_svc *k = state(call);
	const cJSON *limit = cJSON_GetObjectItemCaseSensitive(in, "Limit");
	const char *start = str(in, "ExclusiveStartStreamName");
	const char *token = str(in, "NextToken");
	int max = cJSON_IsNumber(limit) ? (int)limit->valuedouble : 100;
	if (max < 1 || max > 10000)
		max = 100;
	if (token)
		start = token;
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(k->db->db,
			   "SELECT name FROM kinesis_streams WHERE account = ? AND region = ? AND"
			   " name > ? ORDER BY name LIMIT ?",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, call->caller->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, call->caller->region, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, start ? start : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, max + 1);
	struct vec names = VEC_INIT;
	while (sqlite3_step(st) == SQLITE_ROW)
		vec_push(&names, xstrdup((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	cJSON *out = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(out, "StreamNames");
	cJSON *sums = cJSON_AddArrayToObject(out, "StreamSummaries");
	bool more = names.len > (size_t)max;
	for (size_t i = 0; i < names.len && i < (size_t)max; i++) {
		cJSON_AddItemToArray(list, cJSON_CreateString(names.items[i]));
		struct kstream *s =
			load(k, call->caller->account, call->caller->region, names.items[i]);
		if (s) {
			cJSON *o = cJSON_CreateObject();
			struct strbuf arn = STRBUF_INIT;
			stream_arn(s, &arn);
			cJSON_AddStringToObject(o, "StreamName", s->name);
			cJSON_AddStringToObject(o, "StreamARN", arn.buf);
			cJSON_AddStringToObject(o, "StreamStatus", "ACTIVE");
			cJSON_AddItemToObject(o, "StreamModeDetails", mode_details(s));
			cJSON_AddNumberToObject(o, "StreamCreationTimestamp",
						(double)s->created / 1000.0);
			cJSON_AddItemToArray(sums, o);
			strbuf_release(&arn);
		}
	}
	cJSON_AddBoolToObject(out, "HasMoreStreams", more);
	if (more)
		cJSON_AddStringToObject(out, "NextToken", names.items[max - 1]);
	vec_release_with(&names, free);
	return out;
}

K_OP(list_shards)
{
	struct kinesis_svc *k = state(call);
	const char *token = str(in, "NextToken");
	int from = 0;
	struct kstream *s = NULL;
	if (token) {
		/* A token is "name|region|next shard". */
		char name[129], region[32];
		if (str(in, "StreamName") || str(in, "StreamARN"))
			return fail(err, "InvalidArgumentException",
				    "NextToken and StreamName cannot be provided together."),
			       NULL;
		if (sscanf(token, "%128[^|]|%31[^|]|%d", name, region, &from) != 3)
			return fail(err, "InvalidArgumentException", "Invalid NextToken."), NULL;
		s = load(k, call->caller->account, region, name);
		if (!s)
			return fail(err, "ExpiredNextTokenException", "The token has expired."),
			       NULL;
	} else {
		s = named(call, in, err);
		if (!s)
			return NULL;
	}
	const char *after = str(in, "ExclusiveStartShardId");
	if (after)
		from = shard_parse(after) + 1;
	if (from < 0)
		from = 0;
	const cJSON *mr = cJSON_GetObjectItemCaseSensitive(in, "MaxResults");
	int max = cJSON_IsNumber(mr) ? (int)mr->valuedouble : 1000;
	if (max < 1 || max > 10000)
		return fail(err, "InvalidArgumentException",
			    "MaxResults must be between 1 and 10000"),
		       NULL;
	cJSON *out = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(out, "Shards");
	int i;
	for (i = from; i < s->nshards && i - from < max; i++)
		cJSON_AddItemToArray(list, shard_json(k, s, i));
	if (i < s->nshards) {
		struct strbuf t = STRBUF_INIT;
		strbuf_addf(&t, "%s|%s|%d", s->name, s->region, i);
		cJSON_AddStringToObject(out, "NextToken", t.buf);
		strbuf_release(&t);
	}
	return out;
}

static cJSON *retention(struct svc_call *call, const cJSON *in, bool increase, struct aws_err *err)
{
	struct kinesis_svc *k = state(call);
	struct kstream *s = named(call, in, err);
	if (!s)
		return NULL;
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(in, "RetentionPeriodHours");
	int hours = cJSON_IsNumber(h) ? (int)h->valuedouble : 0;
	if (hours < 24 || hours > 8760)
		return fail(err, "InvalidArgumentException",
			    "Minimum allowed retention period is 24 hours. Maximum allowed "
			    "retention "
			    "period is 8760 hours. Requested retention period (%d hours) is out of "
			    "range.",
			    hours),
		       NULL;
	if (increase && hours < s->retention_hours)
		return fail(err, "InvalidArgumentException",
			    "Requested retention period (%d hours) for stream %s can not be "
			    "shorter "
			    "than existing retention period (%d hours). Use "
			    "DecreaseRetentionPeriod API.",
			    hours, s->name, s->retention_hours),
		       NULL;
	if (!increase && hours > s->retention_hours)
		return fail(err, "InvalidArgumentException",
			    "Requested retention period (%d hours) for stream %s can not be longer "
			    "than existing retention period (%d hours). Use "
			    "IncreaseRetentionPeriod API.",
			    hours, s->name, s->retention_hours),
		       NULL;
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(k->db->db, "UPDATE kinesis_streams SET retention_hours = ? WHERE id = ?",
			   -1, &st, NULL);
	sqlite3_bind_int(st, 1, hours);
	sqlite3_bind_int64(st, 2, s->id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	s->retention_hours = hours;
	return cJSON_CreateObject();
}

K_OP(increase_retention)
{
	return retention(call, in, true, err);
}

K_OP(decrease_retention)
{
	return retention(call, in, false, err);
}

static bool save_tags(struct kinesis_svc *k, struct kstream *s)
{
	char *text = cJSON_PrintUnformatted(s->tags);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(k->db->db, "UPDATE kinesis_streams SET tags = ? WHERE id = ?", -1, &st,
			   NULL);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, s->id);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	free(text);
	return ok;
}

K_OP(add_tags)
{
	struct kstream *s = named(call, in, err);
	if (!s)
		return NULL;
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(in, "Tags"))
	{
		cJSON_DeleteItemFromObjectCaseSensitive(s->tags, t->string);
		cJSON_AddItemToObject(s->tags, t->string, cJSON_Duplicate(t, 1));
	}
	if (cJSON_GetArraySize(s->tags) > 50)
		return fail(err, "InvalidArgumentException",
			    "Failed to add tags to stream %s under account %s because a given "
			    "stream cannot have more than 50 tags.",
			    s->name, s->account),
		       NULL;
	return save_tags(state(call), s) ? cJSON_CreateObject() : (internal(err), NULL);
}

K_OP(remove_tags)
{
	struct kstream *s = named(call, in, err);
	if (!s)
		return NULL;
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(in, "TagKeys"))
	{
		if (cJSON_IsString(t))
			cJSON_DeleteItemFromObjectCaseSensitive(s->tags, t->valuestring);
	}
	return save_tags(state(call), s) ? cJSON_CreateObject() : (internal(err), NULL);
}

K_OP(list_tags)
{
	struct kstream *s = named(call, in, err);
	if (!s)
		return NULL;
	cJSON *out = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(out, "Tags");
	const cJSON *t;
	cJSON_ArrayForEach(t, s->tags)
	{
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Key", t->string);
		if (cJSON_IsString(t))
			cJSON_AddStringToObject(o, "Value", t->valuestring);
		cJSON_AddItemToArray(list, o);
	}
	cJSON_AddBoolToObject(out, "HasMoreTags", false);
	return out;
}

K_OP(describe_limits)
{
	struct kinesis_svc *k = state(call);
	sqlite3_stmt *st = NULL;
	int open = 0, streams = 0;
	sqlite3_prepare_v2(k->db->db,
			   "SELECT coalesce(sum(shards), 0), count(*) FROM kinesis_streams WHERE"
			   " account = ? AND region = ?",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, call->caller->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, call->caller->region, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		open = sqlite3_column_int(st, 0);
		streams = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "ShardLimit", SHARDS_MAX);
	cJSON_AddNumberToObject(out, "OpenShardCount", open);
	cJSON_AddNumberToObject(out, "OnDemandStreamCount", streams);
	cJSON_AddNumberToObject(out, "OnDemandStreamCountLimit", 50);
	return out;
}

/* --- records --- */

/* Whether a shard takes a record of n bytes now, counting it when it does. */
static bool shard_admits(struct kinesis_svc *k, struct kstream *s, int shard, size_t n)
{
	struct shard_state *ss = &s->shards[shard];
	if (strcmp(s->mode, "ON_DEMAND") == 0)
		return true;
	int64_t now = now_ms(k, s->account);
	if (now - ss->window_start >= 1000) {
		ss->window_start = now;
		ss->window_records = 0;
		ss->window_bytes = 0;
	}
	if (ss->window_records + 1 > SHARD_RECORDS_PER_S ||
	    ss->window_bytes + (int64_t)n > SHARD_BYTES_PER_S)
		return false;
	ss->window_records++;
	ss->window_bytes += (int64_t)n;
	return true;
}

/* Check one record's members; its data decoded into *data (caller frees). */
static bool record_check(const cJSON *r, unsigned char **data, size_t *len, const char **pkey,
			 const char **ehk, struct aws_err *err)
{
	const char *b64 = str(r, "Data");
	*pkey = str(r, "PartitionKey");
	*ehk = str(r, "ExplicitHashKey");
	if (!b64)
		return fail(err, "ValidationException",
			    "1 validation error detected: Value null at 'data' failed to satisfy "
			    "constraint: Member must not be null");
	if (!*pkey || !**pkey || strlen(*pkey) > 256)
		return fail(err, "ValidationException",
			    "1 validation error detected: Value '%s' at 'partitionKey' failed to "
			    "satisfy constraint: Member must have length %s",
			    *pkey ? *pkey : "null",
			    *pkey && **pkey ? "less than or equal to 256"
					    : "greater than or equal to 1");
	*data = aws_base64_decode(b64, strlen(b64), len);
	if (!*data)
		return fail(err, "SerializationException", "Base64 encoded data is malformed");
	if (*len + strlen(*pkey) > RECORD_MAX) {
		free(*data);
		*data = NULL;
		return fail(err, "ValidationException",
			    "1 validation error detected: Value at 'data' failed to satisfy "
			    "constraint: Member must have length less than or equal to 1048576");
	}
	return true;
}

static bool store(struct kinesis_svc *k, sqlite3_stmt *st, struct kstream *s, int shard,
		  const char *pkey, const unsigned char *data, size_t len, char seq_out[64])
{
	int64_t seq = s->shards[shard].next_seq++;
	if (!k->now_ms)
		k->now_ms = now_ms(k, s->account);
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_int(st, 2, shard);
	sqlite3_bind_int64(st, 3, seq);
	sqlite3_bind_int64(st, 4, k->now_ms);
	sqlite3_bind_text(st, 5, pkey, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, len ? (const void *)data : "", (int)len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return false;
	if (s->shards[shard].oldest_ts == INT64_MAX)
		s->shards[shard].oldest_ts = k->now_ms;
	seq_text(shard, seq, seq_out);
	return true;
}

static const char insert_sql[] = "INSERT INTO kinesis_records(stream, shard, seq, ts, pkey, data)"
				 " VALUES (?, ?, ?, ?, ?, ?)";

K_OP(put_record)
{
	struct kinesis_svc *k = state(call);
	struct kstream *s = named(call, in, err);
	unsigned char *data = NULL;
	size_t len;
	const char *pkey, *ehk;
	if (!s || !record_check(in, &data, &len, &pkey, &ehk, err))
		return NULL;
	int shard = kinesis_shard_for(pkey, ehk, s->nshards);
	cJSON *out = NULL;
	if (shard < 0) {
		fail(err, "InvalidArgumentException",
		     "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, "
		     "2^128-1]. Specified value was %s",
		     ehk);
		goto done;
	}
	if (!shard_admits(k, s, shard, len + strlen(pkey))) {
		char id[32];
		shard_id(shard, id);
		fail(err, "ProvisionedThroughputExceededException",
		     "Rate exceeded for shard %s in stream %s under account %s.", id, s->name,
		     s->account);
		goto done;
	}
	sqlite3_stmt *st = db_stmt(k->db, insert_sql);
	char seq[64], id[32];
	bool ok = st && store(k, st, s, shard, pkey, data, len, seq);
	if (st)
		sqlite3_reset(st);
	if (!ok) {
		internal(err);
		goto done;
	}
	shard_id(shard, id);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "ShardId", id);
	cJSON_AddStringToObject(out, "SequenceNumber", seq);
	cJSON_AddStringToObject(out, "EncryptionType", "NONE");
done:
	free(data);
	return out;
}

K_OP(put_records)
{
	struct kinesis_svc *k = state(call);
	struct kstream *s = named(call, in, err);
	if (!s)
		return NULL;
	const cJSON *records = cJSON_GetObjectItemCaseSensitive(in, "Records"), *r;
	int n = cJSON_GetArraySize(records);
	if (n < 1 || n > PUT_RECORDS_MAX)
		return fail(err, "ValidationException",
			    "1 validation error detected: Value '%d' at 'records' failed to "
			    "satisfy constraint: Member must have length %s",
			    n, n < 1 ? "greater than or equal to 1" : "less than or equal to 500"),
		       NULL;
	/* Every record is checked (and decoded, once) before any is written. */
	struct pending {
		unsigned char *data;
		size_t len;
		const char *pkey;
		int shard;
	} *recs = xcalloc((size_t)n, sizeof(*recs));
	size_t total = 0;
	int i = 0;
	cJSON *out = NULL;
	cJSON_ArrayForEach(r, records)
	{
		struct pending *p = &recs[i];
		const char *ehk;
		if (!record_check(r, &p->data, &p->len, &p->pkey, &ehk, err)) {
			/* Name the member as AWS does. */
			char msg[sizeof(err->message)];
			snprintf(msg, sizeof(msg), "%s", err->message);
			char *at = strstr(msg, "at '");
			if (at)
				snprintf(err->message, sizeof(err->message),
					 "%.*sat 'records.%d.member.%s", (int)(at - msg), msg,
					 i + 1, at + 4);
			goto done;
		}
		total += p->len + strlen(p->pkey);
		p->shard = kinesis_shard_for(p->pkey, ehk, s->nshards);
		if (p->shard < 0) {
			fail(err, "InvalidArgumentException",
			     "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, "
			     "2^128-1]. Specified value was %s",
			     ehk);
			goto done;
		}
		i++;
	}
	if (total > PUT_RECORDS_BYTES) {
		fail(err, "InvalidArgumentException", "Records size exceeds 5 MB limit");
		goto done;
	}
	/* One statement, one transaction for the whole batch. */
	sqlite3_stmt *st = db_stmt(k->db, insert_sql);
	if (!st) {
		internal(err);
		goto done;
	}
	cloud_db_exec(k->db, "BEGIN");
	out = cJSON_CreateObject();
	cJSON *results = cJSON_CreateArray();
	int failed = 0;
	for (i = 0; i < n; i++) {
		struct pending *p = &recs[i];
		cJSON *e = cJSON_CreateObject();
		char id[32], seq[64];
		shard_id(p->shard, id);
		if (!shard_admits(k, s, p->shard, p->len + strlen(p->pkey))) {
			char msg[300];
			snprintf(msg, sizeof(msg),
				 "Rate exceeded for shard %s in stream %s under account %s.", id,
				 s->name, s->account);
			cJSON_AddStringToObject(e, "ErrorCode",
						"ProvisionedThroughputExceededException");
			cJSON_AddStringToObject(e, "ErrorMessage", msg);
			failed++;
		} else if (store(k, st, s, p->shard, p->pkey, p->data, p->len, seq)) {
			cJSON_AddStringToObject(e, "SequenceNumber", seq);
			cJSON_AddStringToObject(e, "ShardId", id);
		} else {
			cJSON_AddStringToObject(e, "ErrorCode", "InternalFailure");
			cJSON_AddStringToObject(e, "ErrorMessage", "Internal service failure.");
			failed++;
		}
		cJSON_AddItemToArray(results, e);
	}
	sqlite3_reset(st);
	cloud_db_exec(k->db, "COMMIT");
	cJSON_AddNumberToObject(out, "FailedRecordCount", failed);
	cJSON_AddItemToObject(out, "Records", results);
	cJSON_AddStringToObject(out, "EncryptionType", "NONE");
done:
	for (int j = 0; j < n; j++)
		free(recs[j].data);
	free(recs);
	return out;
}

/* --- iterators --- */

static char *iterator_make(const struct kstream *s, int shard, int64_t pos, int64_t issued)
{
	char payload[256];
	snprintf(payload, sizeof(payload), "kinesis %" PRId64 " %d %" PRId64 " %" PRId64 " %s",
		 s->id, shard, pos, issued, s->account);
	return aws_base64_encode(payload, strlen(payload));
}

static void time_text(int64_t ms, char out[40])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 40, "%a %b %d %H:%M:%S UTC %Y", &tm);
}

static bool iterator_read(struct svc_call *call, const char *it, struct kstream **s_out, int *shard,
			  int64_t *pos, struct aws_err *err)
{
	struct kinesis_svc *k = state(call);
	size_t len = 0;
	unsigned char *p = it ? aws_base64_decode(it, strlen(it), &len) : NULL;
	int64_t id = 0, issued = 0;
	char account[16] = "";
	bool ok = p && sscanf((char *)p, "kinesis %" SCNd64 " %d %" SCNd64 " %" SCNd64 " %12s", &id,
			      shard, pos, &issued, account) == 5;
	free(p);
	if (!ok || strcmp(account, call->caller->account) != 0)
		return fail(err, "InvalidArgumentException", "Invalid ShardIterator.");
	struct kstream *s = NULL;
	vec_for_each (&k->streams, i)
		if (((struct kstream *)k->streams.items[i])->id == id)
			s = k->streams.items[i];
	if (!s) {
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(k->db->db,
				   "SELECT region, name FROM kinesis_streams WHERE id = ?", -1, &st,
				   NULL);
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			char *region = xstrdup((const char *)sqlite3_column_text(st, 0));
			char *name = xstrdup((const char *)sqlite3_column_text(st, 1));
			sqlite3_finalize(st);
			st = NULL;
			s = load(k, account, region, name);
			free(region);
			free(name);
		}
		sqlite3_finalize(st);
	}
	if (!s || *shard < 0 || *shard >= s->nshards)
		return fail(err, "ResourceNotFoundException",
			    "Shard iterator refers to a stream that no longer exists.");
	int64_t now = now_ms(k, s->account);
	if (now - issued > ITERATOR_TTL_MS) {
		char then[40], nowt[40];
		time_text(issued, then);
		time_text(now, nowt);
		return fail(err, "ExpiredIteratorException",
			    "Iterator expired. The iterator was created at time %s while right now "
			    "it is %s which is further in the future than the tolerated delay of "
			    "%d milliseconds.",
			    then, nowt, ITERATOR_TTL_MS);
	}
	*s_out = s;
	return true;
}

K_OP(get_shard_iterator)
{
	struct kinesis_svc *k = state(call);
	struct kstream *s = named(call, in, err);
	if (!s)
		return NULL;
	const char *sid = str(in, "ShardId"), *type = str(in, "ShardIteratorType");
	const char *seqtext = str(in, "StartingSequenceNumber");
	int shard = shard_parse(sid);
	if (shard < 0 || shard >= s->nshards)
		return fail(err, "ResourceNotFoundException",
			    "Shard %s in stream %s under account %s does not exist", sid ? sid : "",
			    s->name, s->account),
		       NULL;
	if (!type)
		return fail(err, "ValidationException",
			    "1 validation error detected: Value null at 'shardIteratorType' failed "
			    "to satisfy constraint: Member must not be null"),
		       NULL;
	trim(k, s);
	int64_t pos = 0;
	bool by_seq = strcmp(type, "AT_SEQUENCE_NUMBER") == 0 ||
		      strcmp(type, "AFTER_SEQUENCE_NUMBER") == 0;
	if (by_seq != (seqtext != NULL))
		return fail(err, "InvalidArgumentException",
			    "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER "
			    "and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST or "
			    "AT_TIMESTAMP and no StartingSequenceNumber. Request specified %s and "
			    "%s StartingSequenceNumber.",
			    type, seqtext ? "a" : "no"),
		       NULL;
	if (strcmp(type, "TRIM_HORIZON") == 0) {
		pos = 0;
	} else if (strcmp(type, "LATEST") == 0) {
		pos = s->shards[shard].next_seq;
	} else if (by_seq) {
		int sshard;
		int64_t seq;
		if (!seq_parse(seqtext, &sshard, &seq))
			return fail(err, "InvalidArgumentException",
				    "StartingSequenceNumber %s used in GetShardIterator on shard "
				    "%s "
				    "in stream %s under account %s is invalid.",
				    seqtext, sid, s->name, s->account),
			       NULL;
		if (sshard != shard) {
			char other[32];
			shard_id(sshard, other);
			return fail(err, "InvalidArgumentException",
				    "Invalid StartingSequenceNumber. It encodes %s, while it was "
				    "used in a call to a shard with %s",
				    other, sid),
			       NULL;
		}
		pos = type[1] == 'T' ? seq : seq + 1;
	} else if (strcmp(type, "AT_TIMESTAMP") == 0) {
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(in, "Timestamp");
		if (!cJSON_IsNumber(ts))
			return fail(err, "InvalidArgumentException",
				    "Must specify timestampInMillis parameter for iterator of type "
				    "AT_TIMESTAMP. Current request has no timestamp parameter."),
			       NULL;
		int64_t at = (int64_t)llround(ts->valuedouble * 1000.0);
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(k->db->db,
				   "SELECT seq FROM kinesis_records WHERE stream = ? AND shard = ?"
				   " AND ts >= ? ORDER BY seq LIMIT 1",
				   -1, &st, NULL);
		sqlite3_bind_int64(st, 1, s->id);
		sqlite3_bind_int(st, 2, shard);
		sqlite3_bind_int64(st, 3, at);
		pos = s->shards[shard].next_seq;
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
			pos = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	} else {
		return fail(err, "ValidationException",
			    "1 validation error detected: Value '%s' at 'shardIteratorType' failed "
			    "to satisfy constraint: Member must satisfy enum value set: "
			    "[AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, "
			    "TRIM_HORIZON]",
			    type),
		       NULL;
	}
	char *it = iterator_make(s, shard, pos, now_ms(k, s->account));
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "ShardIterator", it);
	free(it);
	return out;
}

K_OP(get_records)
{
	struct kinesis_svc *k = state(call);
	struct kstream *s = NULL;
	int shard;
	int64_t pos;
	if (!iterator_read(call, str(in, "ShardIterator"), &s, &shard, &pos, err))
		return NULL;
	const cJSON *limit = cJSON_GetObjectItemCaseSensitive(in, "Limit");
	int max = cJSON_IsNumber(limit) ? (int)limit->valuedouble : GET_RECORDS_MAX;
	if (max < 1 || max > GET_RECORDS_MAX)
		return fail(err, "InvalidArgumentException", "Limit must be between 1 and 10000"),
		       NULL;
	trim(k, s);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(k->db->db,
			   "SELECT seq, ts, pkey, data FROM kinesis_records WHERE stream = ? AND"
			   " shard = ? AND seq >= ? ORDER BY seq LIMIT ?",
			   -1, &st, NULL);
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_int(st, 2, shard);
	sqlite3_bind_int64(st, 3, pos);
	sqlite3_bind_int(st, 4, max);
	cJSON *out = cJSON_CreateObject(), *recs = cJSON_AddArrayToObject(out, "Records");
	int64_t next = pos;
	size_t bytes = 0;
	while (sqlite3_step(st) == SQLITE_ROW && bytes < 10 * 1024 * 1024) {
		cJSON *r = cJSON_CreateObject();
		char seq[64];
		seq_text(shard, sqlite3_column_int64(st, 0), seq);
		cJSON_AddStringToObject(r, "SequenceNumber", seq);
		cJSON_AddNumberToObject(r, "ApproximateArrivalTimestamp",
					(double)sqlite3_column_int64(st, 1) / 1000.0);
		size_t n = (size_t)sqlite3_column_bytes(st, 3);
		char *b64 = aws_base64_encode(sqlite3_column_blob(st, 3), n);
		cJSON_AddStringToObject(r, "Data", b64);
		free(b64);
		cJSON_AddStringToObject(r, "PartitionKey",
					(const char *)sqlite3_column_text(st, 2));
		cJSON_AddItemToArray(recs, r);
		next = sqlite3_column_int64(st, 0) + 1;
		bytes += n;
	}
	sqlite3_finalize(st);
	/* How far behind the newest record the next read starts. */
	int64_t behind = 0;
	sqlite3_prepare_v2(
		k->db->db,
		"SELECT ts FROM kinesis_records WHERE stream = ? AND shard = ? AND seq >= ?"
		" ORDER BY seq LIMIT 1",
		-1, &st, NULL);
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_int(st, 2, shard);
	sqlite3_bind_int64(st, 3, next);
	if (sqlite3_step(st) == SQLITE_ROW)
		behind = now_ms(k, s->account) - sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	char *it = iterator_make(s, shard, next, now_ms(k, s->account));
	cJSON_AddStringToObject(out, "NextShardIterator", it);
	free(it);
	cJSON_AddNumberToObject(out, "MillisBehindLatest", (double)(behind > 0 ? behind : 0));
	return out;
}

/* --- the service's row --- */

#define LOCKED(op)                                                                             \
	static cJSON *locked_##op(struct svc_call *call, const cJSON *in, struct aws_err *err) \
	{                                                                                      \
		struct kinesis_svc *k = state(call);                                           \
		pthread_mutex_lock(&k->db->mu);                                                \
		cJSON *out = op_##op(call, in, err);                                           \
		k->now_ms = 0; /* the next call reads the clock afresh */                      \
		pthread_mutex_unlock(&k->db->mu);                                              \
		return out;                                                                    \
	}

LOCKED(add_tags)
LOCKED(create_stream)
LOCKED(decrease_retention)
LOCKED(delete_stream)
LOCKED(describe_limits)
LOCKED(describe_stream)
LOCKED(describe_stream_summary)
LOCKED(get_records)
LOCKED(get_shard_iterator)
LOCKED(increase_retention)
LOCKED(list_shards)
LOCKED(list_streams)
LOCKED(list_tags)
LOCKED(put_record)
LOCKED(put_records)
LOCKED(remove_tags)

static const struct svc_op ops[] = {
	{ "AddTagsToStream", locked_add_tags },
	{ "CreateStream", locked_create_stream },
	{ "DecreaseStreamRetentionPeriod", locked_decrease_retention },
	{ "DeleteStream", locked_delete_stream },
	{ "DescribeLimits", locked_describe_limits },
	{ "DescribeStream", locked_describe_stream },
	{ "DescribeStreamSummary", locked_describe_stream_summary },
	{ "GetRecords", locked_get_records },
	{ "GetShardIterator", locked_get_shard_iterator },
	{ "IncreaseStreamRetentionPeriod", locked_increase_retention },
	{ "ListShards", locked_list_shards },
	{ "ListStreams", locked_list_streams },
	{ "ListTagsForStream", locked_list_tags },
	{ "PutRecord", locked_put_record },
	{ "PutRecords", locked_put_records },
	{ "RemoveTagsFromStream", locked_remove_tags },
};

static bool service_start(struct cloud *c, struct error *err)
{
	c->kinesis = kinesis_svc_new(c->db, c->vclock);
	return true;
}

static void service_free(struct cloud *c)
{
	kinesis_svc_free(c->kinesis);
	c->kinesis = NULL;
}

static void service_reset(struct cloud *c, const char *account)
{
	if (c->kinesis)
		kinesis_svc_reset_account(c->kinesis, account);
}

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const kinesis_members[] = {
	"AddTagsToStream StreamARN StreamName Tags",
	"CreateStream ShardCount StreamModeDetails StreamName",
	"DecreaseStreamRetentionPeriod RetentionPeriodHours StreamARN StreamName",
	"DeleteStream -EnforceConsumerDeletion StreamARN StreamName",
	"DescribeLimits",
	"DescribeStream ExclusiveStartShardId Limit StreamARN StreamName",
	"DescribeStreamSummary StreamARN StreamName",
	"GetRecords Limit ShardIterator StreamARN",
	"GetShardIterator ShardId ShardIteratorType StartingSequenceNumber StreamARN "
	"StreamName Timestamp",
	"IncreaseStreamRetentionPeriod RetentionPeriodHours StreamARN StreamName",
	"ListShards ExclusiveStartShardId MaxResults NextToken -ShardFilter StreamARN "
	"-StreamCreationTimestamp StreamName",
	"ListStreams ExclusiveStartStreamName Limit NextToken",
	"ListTagsForStream -ExclusiveStartTagKey Limit StreamARN StreamName",
	"PutRecord Data ExplicitHashKey PartitionKey -SequenceNumberForOrdering StreamARN "
	"StreamName",
	"PutRecords Records StreamARN StreamName",
	"RemoveTagsFromStream StreamARN StreamName TagKeys",
	NULL,
};

const struct cloud_service kinesis_service = {
	.name = "kinesis",
	.model = "kinesis-2013-12-02",
	.title = "Amazon Kinesis",
	.target = "Kinesis_20131202",
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.start = service_start,
	.free = service_free,
	.reset_account = service_reset,
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = kinesis_members,
};
