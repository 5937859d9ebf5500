/*
 * Unit tests for cloud/kinesis, through its row of the service table: hash key ranges and MD5
 * placement as Kinesis computes them, sequence numbers, every iterator type and its expiry,
 * PutRecords' per-record failures when a shard's write limit is passed, retention, and the
 * errors Kinesis answers.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/kinesis/kinesis.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "harness.h"

static struct cloud cloud;
static struct svc_caller caller = { .account = "111122223333", .region = "us-east-1" };
static char dbpath[] = "/tmp/test-kinesis-XXXXXX";

static cJSON *J(const char *text)
{
	char *copy = strdup(text);
	for (char *c = copy; *c; c++)
		if (*c == '\'')
			*c = '"';
	cJSON *j = cJSON_Parse(copy);
	free(copy);
	return j;
}

static cJSON *call_op(const char *name, const char *input, struct aws_err *err)
{
	const struct svc_op *op = NULL;
	for (size_t i = 0; i < kinesis_service.nops; i++)
		if (strcmp(kinesis_service.ops[i].name, name) == 0)
			op = &kinesis_service.ops[i];
	struct svc_call call = {
		.cloud = &cloud, .svc = &kinesis_service, .op = name, .caller = &caller
	};
	cJSON *in = J(input);
	memset(err, 0, sizeof(*err));
	cJSON *out = op->fn(&call, in, err);
	cJSON_Delete(in);
	return out;
}

/* A member of the output as text (strings without quotes), or "Code: message". */
static const char *get(const char *name, const char *input, const char *path)
{
	static char buf[8192];
	struct aws_err err;
	cJSON *out = call_op(name, input, &err), *m = out;
	if (!out) {
		snprintf(buf, sizeof(buf), "%s: %s", err.code, err.message);
		return buf;
	}
	char *copy = strdup(path), *save = NULL;
	for (char *p = strtok_r(copy, ".", &save); p && m && *path; p = strtok_r(NULL, ".", &save))
		m = cJSON_IsArray(m) ? cJSON_GetArrayItem(m, atoi(p))
				     : cJSON_GetObjectItemCaseSensitive(m, p);
	free(copy);
	if (cJSON_IsString(m)) {
		snprintf(buf, sizeof(buf), "%s", m->valuestring);
	} else {
		char *t = m ? cJSON_PrintUnformatted(m) : NULL;
		snprintf(buf, sizeof(buf), "%s", t ? t : "");
		free(t);
	}
	cJSON_Delete(out);
	return buf;
}

TEST(kinesis_keys__hash_as_kinesis_does)
{
	is_int(kinesis_shard_for("alpha", NULL, 2), 0, "alpha on 2 shards");
	is_int(kinesis_shard_for("beta", NULL, 2), 1, "beta on 2 shards");
	is_int(kinesis_shard_for("beta", NULL, 4), 2, "beta on 4 shards");
	is_int(kinesis_shard_for("delta", NULL, 3), 1, "delta on 3 shards");
	is_int(kinesis_shard_for("x", "170141183460469231731687303715884105727", 2), 0,
	       "the last hash key of shard 0");
	is_int(kinesis_shard_for("x", "170141183460469231731687303715884105728", 2), 1,
	       "the first of shard 1");
	is_int(kinesis_shard_for("x", "340282366920938463463374607431768211456", 2), -1,
	       "2^128 is out of range");
}

TEST(kinesis_streams__create_describe_list)
{
	is_str(get("CreateStream", "{'StreamName':'orders','ShardCount':3}", ""), "{}",
	       "CreateStream");
	is_str(get("CreateStream", "{'StreamName':'orders','ShardCount':1}", ""),
	       "ResourceInUseException: Stream orders under account 111122223333 already exists.",
	       "twice");
	is_str(get("DescribeStreamSummary", "{'StreamName':'orders'}",
		   "StreamDescriptionSummary.OpenShardCount"),
	       "3", "three shards");
	is_str(get("ListShards", "{'StreamName':'orders'}",
		   "Shards.1.HashKeyRange.StartingHashKey"),
	       "113427455640312821154458202477256070485", "shard 1 starts at a third of 2^128");
	is_str(get("ListShards", "{'StreamName':'orders'}", "Shards.2.HashKeyRange.EndingHashKey"),
	       "340282366920938463463374607431768211455", "the last ends at 2^128 - 1");
	is_str(get("DescribeStream", "{'StreamName':'nope'}", ""),
	       "ResourceNotFoundException: Stream nope under account 111122223333 not found.",
	       "a stream that does not exist");
	is_str(get("DescribeStream",
		   "{'StreamARN':'arn:aws:kinesis:us-east-1:111122223333:stream/orders'}",
		   "StreamDescription.StreamName"),
	       "orders", "by its ARN");
	is_str(get("CreateStream",
		   "{'StreamName':'od','StreamModeDetails':{'StreamMode':"
		   "'ON_DEMAND'}}",
		   ""),
	       "{}", "an on-demand stream");
	is_str(get("ListStreams", "{}", "StreamNames"), "[\"od\",\"orders\"]", "ListStreams");
}

TEST(kinesis_records__put_and_read_in_order)
{
	/* "delta" hashes to shard 1 of 3. */
	const char *first = get("PutRecord",
				"{'StreamName':'orders','PartitionKey':'delta',"
				"'Data':'b25l'}",
				"SequenceNumber");
	char seq1[64];
	snprintf(seq1, sizeof(seq1), "%s", first);
	is_int(strlen(seq1), 56, "a sequence number of 56 digits");
	is_str(get("PutRecord", "{'StreamName':'orders','PartitionKey':'delta','Data':'dHdv'}",
		   "ShardId"),
	       "shardId-000000000001", "on the shard MD5 says");
	is_str(get("PutRecords",
		   "{'StreamName':'orders','Records':[{'PartitionKey':'delta',"
		   "'Data':'dGhyZWU='},{'PartitionKey':'alpha','Data':'eA=='}]}",
		   "FailedRecordCount"),
	       "0", "PutRecords");
	char it[512], req[700];
	snprintf(it, sizeof(it), "%s",
		 get("GetShardIterator",
		     "{'StreamName':'orders','ShardId':'shardId-000000000001',"
		     "'ShardIteratorType':'TRIM_HORIZON'}",
		     "ShardIterator"));
	snprintf(req, sizeof(req), "{'ShardIterator':'%s'}", it);
	is_str(get("GetRecords", req, "Records.0.Data"), "b25l", "the first record first");
	is_str(get("GetRecords", req, "Records.2.Data"), "dGhyZWU=", "the third third");
	is_str(get("GetRecords", req, "Records.3"), "", "and no other");
	snprintf(req, sizeof(req),
		 "{'StreamName':'orders','ShardId':'shardId-000000000001','ShardIteratorType':"
		 "'AFTER_SEQUENCE_NUMBER','StartingSequenceNumber':'%s'}",
		 seq1);
	snprintf(it, sizeof(it), "%s", get("GetShardIterator", req, "ShardIterator"));
	snprintf(req, sizeof(req), "{'ShardIterator':'%s','Limit':1}", it);
	is_str(get("GetRecords", req, "Records.0.Data"), "dHdv", "after a sequence number");
	snprintf(req, sizeof(req),
		 "{'StreamName':'orders','ShardId':'shardId-000000000000','ShardIteratorType':"
		 "'AT_SEQUENCE_NUMBER','StartingSequenceNumber':'%s'}",
		 seq1);
	is_str(get("GetShardIterator", req, ""),
	       "InvalidArgumentException: Invalid StartingSequenceNumber. It encodes "
	       "shardId-000000000001, while it was used in a call to a shard with "
	       "shardId-000000000000",
	       "a sequence number of another shard");
	is_str(get("GetShardIterator",
		   "{'StreamName':'orders','ShardId':'shardId-000000000009',"
		   "'ShardIteratorType':'LATEST'}",
		   ""),
	       "ResourceNotFoundException: Shard shardId-000000000009 in stream orders under "
	       "account 111122223333 does not exist",
	       "a shard that does not exist");
	snprintf(it, sizeof(it), "%s",
		 get("GetShardIterator",
		     "{'StreamName':'orders','ShardId':'shardId-000000000001',"
		     "'ShardIteratorType':'LATEST'}",
		     "ShardIterator"));
	get("PutRecord", "{'StreamName':'orders','PartitionKey':'delta','Data':'Zm91cg=='}", "");
	snprintf(req, sizeof(req), "{'ShardIterator':'%s'}", it);
	is_str(get("GetRecords", req, "Records.0.Data"),
	       "Zm91cg==", "LATEST sees what comes after");
	vclock_advance(cloud.vclock, NULL, 301 * 1000);
	ok(strncmp(get("GetRecords", req, ""),
		   "ExpiredIteratorException: Iterator expired. The iterator was created at time ",
		   76) == 0,
	   "an iterator older than five minutes");
	is_str(get("GetRecords", "{'ShardIterator':'bm9wZQ=='}", ""),
	       "InvalidArgumentException: Invalid ShardIterator.", "a made-up iterator");
}

TEST(kinesis_records__fail_one_by_one_past_a_shard_limit)
{
	get("CreateStream", "{'StreamName':'busy','ShardCount':1}", "");
	struct strbuf req = STRBUF_INIT;
	strbuf_addstr(&req, "{'StreamName':'busy','Records':[");
	for (int i = 0; i < 500; i++)
		strbuf_addf(&req, "%s{'PartitionKey':'k%d','Data':'eA=='}", i ? "," : "", i);
	strbuf_addstr(&req, "]}");
	is_str(get("PutRecords", req.buf, "FailedRecordCount"), "0", "500 in a second");
	is_str(get("PutRecords", req.buf, "FailedRecordCount"), "0", "1,000 in a second");
	is_str(get("PutRecords", req.buf, "FailedRecordCount"), "500", "not 1,500");
	is_str(get("PutRecords", req.buf, "Records.0.ErrorCode"),
	       "ProvisionedThroughputExceededException", "each failed record says why");
	vclock_advance(cloud.vclock, NULL, 1000);
	is_str(get("PutRecords", req.buf, "FailedRecordCount"), "0", "the next second");
	strbuf_release(&req);
}

TEST(kinesis_retention__trims_old_records)
{
	get("PutRecord", "{'StreamName':'od','PartitionKey':'a','Data':'b2xk'}", "");
	is_str(get("IncreaseStreamRetentionPeriod", "{'StreamName':'od','RetentionPeriodHours':10}",
		   ""),
	       "InvalidArgumentException: Minimum allowed retention period is 24 hours. Maximum "
	       "allowed retention period is 8760 hours. Requested retention period (10 hours) is "
	       "out "
	       "of range.",
	       "under a day");
	vclock_advance(cloud.vclock, NULL, 25LL * 3600 * 1000);
	char it[512], req[700];
	snprintf(it, sizeof(it), "%s",
		 get("GetShardIterator",
		     "{'StreamName':'od','ShardId':'shardId-000000000000',"
		     "'ShardIteratorType':'TRIM_HORIZON'}",
		     "ShardIterator"));
	snprintf(req, sizeof(req), "{'ShardIterator':'%s'}", it);
	is_str(get("GetRecords", req, "Records"), "[]", "a record older than a day is gone");
	/* A record put now arrives now, not when the cloud's first record did. */
	get("PutRecord", "{'StreamName':'od','PartitionKey':'a','Data':'bmV3'}", "");
	snprintf(it, sizeof(it), "%s",
		 get("GetShardIterator",
		     "{'StreamName':'od','ShardId':'shardId-000000000000',"
		     "'ShardIteratorType':'TRIM_HORIZON'}",
		     "ShardIterator"));
	snprintf(req, sizeof(req), "{'ShardIterator':'%s'}", it);
	is_str(get("GetRecords", req, "Records.0.Data"), "bmV3", "a record put after it stays");
	is_str(get("GetRecords", req, "MillisBehindLatest"), "0", "... and is not behind");
}

/*
 * A cloud file written before records were keyed by (stream, shard, seq) alone: the first
 * schema, as it was, with two shards' records. Opening it upgrades it; nothing is lost.
 */
TEST(kinesis_schema__an_old_file_upgrades_on_open)
{
	char path[] = "/tmp/test-kinesis-old-XXXXXX";
	close(mkstemp(path));
	struct error e;
	struct cloud_db *db = cloud_db_open(path, &e);
	ok(db != NULL, "open a fresh file");
	if (!db)
		return;
	bool made = cloud_db_exec(
		db,
		"CREATE TABLE svc_schema(model TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT;"
		"CREATE TABLE kinesis_streams(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
		" region TEXT NOT NULL, name TEXT NOT NULL, created INTEGER NOT NULL, mode TEXT"
		" NOT NULL, retention_hours INTEGER NOT NULL, shards INTEGER NOT NULL, tags TEXT"
		" NOT NULL, UNIQUE(account, region, name)) STRICT;"
		"CREATE TABLE kinesis_records(id INTEGER PRIMARY KEY, stream INTEGER NOT NULL,"
		" shard INTEGER NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, pkey TEXT"
		" NOT NULL, data BLOB NOT NULL, UNIQUE(stream, shard, seq)) STRICT;"
		"CREATE INDEX kinesis_records_ts ON kinesis_records(stream, ts);"
		"INSERT INTO kinesis_streams VALUES(7, '111122223333', 'us-east-1', 'old', 0,"
		" 'PROVISIONED', 24, 2, '{}');"
		"INSERT INTO kinesis_records(stream, shard, seq, ts, pkey, data) VALUES"
		" (7, 0, 1, 0, 'alpha', X'6f6e65'), (7, 0, 2, 0, 'alpha', X'74776f'),"
		" (7, 1, 1, 0, 'beta', X'7468726565');");
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(db->db, "INSERT INTO svc_schema VALUES(?, 1)", -1, &st, NULL);
	sqlite3_bind_text(st, 1, kinesis_service.model, -1, SQLITE_STATIC);
	made = made && sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	/* They arrived now: within the retention period. */
	sqlite3_prepare_v2(db->db, "UPDATE kinesis_records SET ts = ?", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, vclock_now_ms(cloud.vclock, caller.account));
	made = made && sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	ok(made, "the first schema, with three records");
	ok(svc_migrate(db, &kinesis_service, &e), "migrates on open");
	st = NULL;
	sqlite3_prepare_v2(db->db,
			   "SELECT (SELECT sql FROM sqlite_master WHERE name = 'kinesis_records'),"
			   " (SELECT count(*) FROM sqlite_master WHERE tbl_name = 'kinesis_records'"
			   " AND type = 'index'), (SELECT count(*) FROM kinesis_records),"
			   " (SELECT version FROM svc_schema WHERE model = ?)",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, kinesis_service.model, -1, SQLITE_STATIC);
	ok(sqlite3_step(st) == SQLITE_ROW, "read the schema");
	ok(strstr(db_col(st, 0), "WITHOUT ROWID") != NULL, "records have no rowid: %s",
	   db_col(st, 0));
	is_int(sqlite3_column_int(st, 1), 0, "and no index beside their key");
	is_int(sqlite3_column_int(st, 2), 3, "every record copied");
	is_int(sqlite3_column_int(st, 3), (int)kinesis_service.nmigrations, "schema is current");
	sqlite3_finalize(st);
	/* The service reads the copied records and numbers new ones after them. */
	struct cloud_db *was_db = cloud.db;
	struct kinesis_svc *was = cloud.kinesis;
	cloud.db = db;
	cloud.kinesis = kinesis_svc_new(db, cloud.vclock);
	char it[512], req[700];
	snprintf(it, sizeof(it), "%s",
		 get("GetShardIterator",
		     "{'StreamName':'old','ShardId':'shardId-000000000000',"
		     "'ShardIteratorType':'TRIM_HORIZON'}",
		     "ShardIterator"));
	snprintf(req, sizeof(req), "{'ShardIterator':'%s'}", it);
	is_str(get("GetRecords", req, "Records.1.Data"), "dHdv", "shard 0's second record");
	snprintf(it, sizeof(it), "%s",
		 get("GetShardIterator",
		     "{'StreamName':'old','ShardId':'shardId-000000000001',"
		     "'ShardIteratorType':'TRIM_HORIZON'}",
		     "ShardIterator"));
	snprintf(req, sizeof(req), "{'ShardIterator':'%s'}", it);
	is_str(get("GetRecords", req, "Records.0.PartitionKey"), "beta", "shard 1's record");
	char seq[64];
	snprintf(seq, sizeof(seq), "%s",
		 get("PutRecord",
		     "{'StreamName':'old','PartitionKey':'x','Data':'Zm91cg==',"
		     "'ExplicitHashKey':'0'}",
		     "SequenceNumber"));
	snprintf(it, sizeof(it), "%s",
		 get("GetShardIterator",
		     "{'StreamName':'old','ShardId':'shardId-000000000000',"
		     "'ShardIteratorType':'TRIM_HORIZON'}",
		     "ShardIterator"));
	snprintf(req, sizeof(req), "{'ShardIterator':'%s'}", it);
	is_str(get("GetRecords", req, "Records.2.SequenceNumber"), seq,
	       "a new record follows the copied ones");
	kinesis_svc_free(cloud.kinesis);
	cloud.kinesis = was;
	cloud.db = was_db;
	cloud_db_close(db);
	unlink(path);
	char side[64];
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

int main(void)
{
	struct error e;
	int fd = mkstemp(dbpath);
	close(fd);
	cloud.db = cloud_db_open(dbpath, &e);
	/* A clock that stands still but for the test's steps. */
	cloud.vclock = vclock_new(1e-9, NULL);
	if (!cloud.db || !svc_migrate(cloud.db, &kinesis_service, &e)) {
		printf("Bail out! %s\n", e.msg);
		return 1;
	}
	cloud.kinesis = kinesis_svc_new(cloud.db, cloud.vclock);
	if (!cloud.kinesis) {
		printf("Bail out! %s\n", e.msg);
		return 1;
	}
	RUN(kinesis_keys__hash_as_kinesis_does);
	RUN(kinesis_streams__create_describe_list);
	RUN(kinesis_records__put_and_read_in_order);
	RUN(kinesis_records__fail_one_by_one_past_a_shard_limit);
	RUN(kinesis_retention__trims_old_records);
	RUN(kinesis_schema__an_old_file_upgrades_on_open);
	kinesis_svc_reset_account(cloud.kinesis, caller.account);
	kinesis_svc_free(cloud.kinesis);
	vclock_free(cloud.vclock);
	cloud_db_close(cloud.db);
	char path[64];
	unlink(dbpath);
	snprintf(path, sizeof(path), "%s-wal", dbpath);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", dbpath);
	unlink(path);
	return done();
}
