/*
 * The DynamoDB and DynamoDB Streams services: their rows of the service table, their schema,
 * the state they share, and the sweeper that deletes expired items (TTL) and old stream records
 * on the virtual clock.
 */
#include "cloud/dynamodb/dynamodb.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/dynamodb/ddb.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/error.h"

/* Items whose TTL passed more than five years ago are never deleted, as in DynamoDB. */
#define TTL_HORIZON_MS (5LL * 365 * 24 * 3600 * 1000)
#define SWEEP_BATCH    100

static const char *const migrations[] = {
	/* 0 -> 1: tables, items, index projections, streams and their records. */
	"CREATE TABLE IF NOT EXISTS ddb_tables(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
	" region TEXT NOT NULL, name TEXT NOT NULL, created INTEGER NOT NULL, def TEXT NOT NULL,"
	" UNIQUE(account, region, name)) STRICT;"
	"CREATE TABLE IF NOT EXISTS ddb_items(tbl INTEGER NOT NULL, pk BLOB NOT NULL,"
	" sk BLOB NOT NULL, hash INTEGER NOT NULL, size INTEGER NOT NULL, expires INTEGER,"
	" item TEXT NOT NULL, PRIMARY KEY(tbl, pk, sk)) STRICT, WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS ddb_items_scan ON ddb_items(tbl, hash, pk, sk);"
	"CREATE INDEX IF NOT EXISTS ddb_items_ttl ON ddb_items(expires) WHERE expires IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS ddb_index_items(tbl INTEGER NOT NULL, idx INTEGER NOT NULL,"
	" ipk BLOB NOT NULL, isk BLOB NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,"
	" hash INTEGER NOT NULL, item TEXT NOT NULL,"
	" PRIMARY KEY(tbl, idx, ipk, isk, pk, sk)) STRICT, WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS ddb_index_scan ON ddb_index_items(tbl, idx, hash, ipk, isk, pk,"
	" sk);"
	"CREATE TABLE IF NOT EXISTS ddb_streams(id INTEGER PRIMARY KEY, account TEXT NOT NULL,"
	" region TEXT NOT NULL, table_name TEXT NOT NULL, tbl INTEGER, label TEXT NOT NULL,"
	" view_type TEXT NOT NULL, key_schema TEXT NOT NULL, created INTEGER NOT NULL,"
	" disabled INTEGER, shard_id TEXT NOT NULL, first_seq INTEGER NOT NULL,"
	" next_seq INTEGER NOT NULL) STRICT;"
	"CREATE TABLE IF NOT EXISTS ddb_stream_records(stream INTEGER NOT NULL,"
	" seq INTEGER NOT NULL, ts INTEGER NOT NULL, record TEXT NOT NULL,"
	" PRIMARY KEY(stream, seq)) STRICT;"
	"CREATE INDEX IF NOT EXISTS ddb_stream_records_ts ON ddb_stream_records(ts);",
};

struct ddb_svc *ddb_of(struct svc_call *call)
{
	return call->cloud->ddb;
}

int64_t ddb_now_ms(struct ddb_svc *d, const char *account)
{
	return vclock_now_ms(d->clock, account);
}

struct ddb_svc *ddb_svc_new(struct cloud_db *db, struct vclock *clock)
{
	struct ddb_svc *d = xcalloc(1, sizeof(*d));
	d->db = db;
	d->clock = clock;
	pthread_cond_init(&d->cond, NULL);
	return d;
}

/* A table by its id (for the sweeper, which finds items before tables). */
static struct ddb_table *table_by_id(struct ddb_svc *d, int64_t id)
{
	vec_for_each (&d->tables, i) {
		struct ddb_table *t = d->tables.items[i];
		if (t->id == id)
			return t;
	}
	sqlite3_stmt *st = NULL;
	struct ddb_table *t = NULL;
	sqlite3_prepare_v2(d->db->db, "SELECT account, region, name FROM ddb_tables WHERE id = ?",
			   -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		char *account = xstrdup((const char *)sqlite3_column_text(st, 0));
		char *region = xstrdup((const char *)sqlite3_column_text(st, 1));
		char *name = xstrdup((const char *)sqlite3_column_text(st, 2));
		sqlite3_finalize(st);
		st = NULL;
		t = ddb_table_find(d, account, region, name);
		free(account);
		free(region);
		free(name);
	}
	sqlite3_finalize(st);
	return t;
}

/* The accounts that have tables, NULL-terminated. Free with accounts_free(). */
static char **table_accounts(struct ddb_svc *d)
{
	size_t n = 0, cap = 4;
	char **v = xcalloc(cap, sizeof(*v));
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(d->db->db, "SELECT DISTINCT account FROM ddb_tables", -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n + 1 == cap) {
			cap *= 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	v[n] = NULL;
	sqlite3_finalize(st);
	return v;
}

static void accounts_free(char **v)
{
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

struct expired {
	int64_t tbl;
	struct ddb_keybytes k;
	cJSON *item;
};

/* Add the rows st answers (tbl, pk, sk, item) to batch[*n...]; st limits how many. */
static void expired_rows(sqlite3_stmt *st, struct expired *batch, size_t *n)
{
	while (*n < SWEEP_BATCH && sqlite3_step(st) == SQLITE_ROW) {
		struct expired *e = &batch[(*n)++];
		e->tbl = sqlite3_column_int64(st, 0);
		strbuf_init(&e->k.pk);
		strbuf_init(&e->k.sk);
		strbuf_add(&e->k.pk, sqlite3_column_blob(st, 1),
			   (size_t)sqlite3_column_bytes(st, 1));
		strbuf_add(&e->k.sk, sqlite3_column_blob(st, 2),
			   (size_t)sqlite3_column_bytes(st, 2));
		e->item = cJSON_Parse((const char *)sqlite3_column_text(st, 3));
	}
}

int ddb_svc_expire(struct ddb_svc *d, int64_t now_ms)
{
	struct expired batch[SWEEP_BATCH];
	size_t n = 0;
	char **accounts = table_accounts(d);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(d->db->db,
			   "SELECT tbl, pk, sk, item FROM ddb_items WHERE expires IS NOT NULL AND"
			   " expires <= ?1 AND expires > ?2 AND tbl IN (SELECT id FROM ddb_tables"
			   " WHERE account = ?4) LIMIT ?3",
			   -1, &st, NULL);
	for (size_t a = 0; accounts[a] && n < SWEEP_BATCH; a++) {
		/* Each account's items expire by its own clock. */
		int64_t now = now_ms + vclock_offset_ms(d->clock, accounts[a]);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, now - TTL_HORIZON_MS);
		sqlite3_bind_int(st, 3, (int)(SWEEP_BATCH - n));
		sqlite3_bind_text(st, 4, accounts[a], -1, SQLITE_STATIC);
		expired_rows(st, batch, &n);
	}
	sqlite3_finalize(st);
	accounts_free(accounts);
	int deleted = 0;
	if (n) {
		struct aws_err err = { 0 };
		if (ddb_begin(d, &err)) {
			for (size_t i = 0; i < n; i++) {
				struct ddb_table *t = table_by_id(d, batch[i].tbl);
				if (t && batch[i].item &&
				    ddb_item_store(d, t, &batch[i].k, batch[i].item, NULL, true,
						   &err))
					deleted++;
			}
			if (!ddb_commit(d, &err))
				ddb_rollback(d);
		}
	}
	for (size_t i = 0; i < n; i++) {
		ddb_keybytes_release(&batch[i].k);
		cJSON_Delete(batch[i].item);
	}
	return deleted;
}

bool ddb_ttl_pending(struct cloud *c, const char *account)
{
	struct ddb_svc *d = c->ddb;
	if (!d || !d->sweeper_running || !account)
		return false;
	pthread_mutex_lock(&d->db->mu);
	int64_t now = vclock_now_ms(d->clock, account);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(d->db->db,
			   "SELECT 1 FROM ddb_items WHERE expires IS NOT NULL AND expires <= ?1 AND"
			   " expires > ?2 AND tbl IN (SELECT id FROM ddb_tables WHERE account = ?3)"
			   " LIMIT 1",
			   -1, &st, NULL);
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, now - TTL_HORIZON_MS);
	sqlite3_bind_text(st, 3, account, -1, SQLITE_STATIC);
	bool due = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&d->db->mu);
	return due;
}

/* The next expiry after now on the base clock (each account's on its own), or now + a minute. */
static int64_t next_due(struct ddb_svc *d, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int64_t due = now + 60000;
	char **accounts = table_accounts(d);
	sqlite3_prepare_v2(d->db->db,
			   "SELECT min(expires) FROM ddb_items WHERE expires > ?1 AND tbl IN"
			   " (SELECT id FROM ddb_tables WHERE account = ?2)",
			   -1, &st, NULL);
	for (size_t a = 0; accounts[a]; a++) {
		int64_t ahead = vclock_offset_ms(d->clock, accounts[a]);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, now + ahead - TTL_HORIZON_MS);
		sqlite3_bind_text(st, 2, accounts[a], -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
		    sqlite3_column_int64(st, 0) - ahead < due)
			due = sqlite3_column_int64(st, 0) - ahead;
	}
	sqlite3_finalize(st);
	accounts_free(accounts);
	return due;
}

static void *sweep(void *arg)
{
	struct ddb_svc *d = arg;
	pthread_mutex_lock(&d->db->mu);
	while (!d->stopping) {
		int64_t now = vclock_now_ms(d->clock, NULL);
		while (ddb_svc_expire(d, now) == SWEEP_BATCH && !d->stopping)
			;
		ddb_stream_trim(d, now);
		int64_t due = next_due(d, now);
		if (due <= now)
			due = now + 1;
		/* Woken when the clock is stepped, a TTL is enabled, or at least each second. */
		vclock_wait(d->clock, &d->cond, &d->db->mu, NULL, due, 1000);
	}
	pthread_mutex_unlock(&d->db->mu);
	return NULL;
}

bool ddb_svc_start(struct ddb_svc *d, struct error *err)
{
	if (pthread_create(&d->sweeper, NULL, sweep, d) != 0)
		return error_set(err, "cannot start DynamoDB's TTL sweeper");
	d->sweeper_running = true;
	return true;
}

void ddb_svc_stop(struct ddb_svc *d)
{
	if (!d || !d->sweeper_running)
		return;
	pthread_mutex_lock(&d->db->mu);
	d->stopping = true;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->db->mu);
	vclock_kick(d->clock);
	pthread_join(d->sweeper, NULL);
	d->sweeper_running = false;
}

void ddb_svc_free(struct ddb_svc *d)
{
	if (!d)
		return;
	ddb_svc_stop(d);
	ddb_table_forget(d, NULL);
	vec_release(&d->tables);
	pthread_cond_destroy(&d->cond);
	free(d);
}

void ddb_svc_reset_account(struct ddb_svc *d, const char *account)
{
	static const char *const sql[] = {
		"DELETE FROM ddb_items WHERE tbl IN (SELECT id FROM ddb_tables WHERE account = ?)",
		"DELETE FROM ddb_index_items WHERE tbl IN (SELECT id FROM ddb_tables WHERE account "
		"= ?)",
		"DELETE FROM ddb_stream_records WHERE stream IN (SELECT id FROM ddb_streams WHERE"
		" account = ?)",
		"DELETE FROM ddb_streams WHERE account = ?",
		"DELETE FROM ddb_tables WHERE account = ?",
	};
	pthread_mutex_lock(&d->db->mu);
	cloud_db_exec(d->db, "BEGIN");
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(d->db->db, sql[i], -1, &st, NULL);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	cloud_db_exec(d->db, "COMMIT");
	ddb_table_forget(d, account);
	pthread_mutex_unlock(&d->db->mu);
}

/* --- the service rows --- */

/* Each operation runs under the database's mutex: one SQLite connection serves the cloud. */
#define LOCKED(op)                                                                             \
	static cJSON *locked_##op(struct svc_call *call, const cJSON *in, struct aws_err *err) \
	{                                                                                      \
		struct ddb_svc *d = ddb_of(call);                                              \
		pthread_mutex_lock(&d->db->mu);                                                \
		cJSON *out = ddb_op_##op(call, in, err);                                       \
		pthread_mutex_unlock(&d->db->mu);                                              \
		return out;                                                                    \
	}

LOCKED(batch_get_item)
LOCKED(batch_write_item)
LOCKED(create_table)
LOCKED(delete_item)
LOCKED(delete_table)
LOCKED(describe_endpoints)
LOCKED(describe_limits)
LOCKED(describe_table)
LOCKED(describe_time_to_live)
LOCKED(get_item)
LOCKED(list_tables)
LOCKED(list_tags_of_resource)
LOCKED(put_item)
LOCKED(query)
LOCKED(scan)
LOCKED(tag_resource)
LOCKED(transact_get_items)
LOCKED(transact_write_items)
LOCKED(untag_resource)
LOCKED(update_item)
LOCKED(update_table)
LOCKED(update_time_to_live)
LOCKED(describe_stream)
LOCKED(get_records)
LOCKED(get_shard_iterator)
LOCKED(list_streams)

/* Sorted by name. */
static const struct svc_op ddb_ops[] = {
	{ "BatchGetItem", locked_batch_get_item },
	{ "BatchWriteItem", locked_batch_write_item },
	{ "CreateTable", locked_create_table },
	{ "DeleteItem", locked_delete_item },
	{ "DeleteTable", locked_delete_table },
	{ "DescribeEndpoints", locked_describe_endpoints },
	{ "DescribeLimits", locked_describe_limits },
	{ "DescribeTable", locked_describe_table },
	{ "DescribeTimeToLive", locked_describe_time_to_live },
	{ "GetItem", locked_get_item },
	{ "ListTables", locked_list_tables },
	{ "ListTagsOfResource", locked_list_tags_of_resource },
	{ "PutItem", locked_put_item },
	{ "Query", locked_query },
	{ "Scan", locked_scan },
	{ "TagResource", locked_tag_resource },
	{ "TransactGetItems", locked_transact_get_items },
	{ "TransactWriteItems", locked_transact_write_items },
	{ "UntagResource", locked_untag_resource },
	{ "UpdateItem", locked_update_item },
	{ "UpdateTable", locked_update_table },
	{ "UpdateTimeToLive", locked_update_time_to_live },
};

static const struct svc_op streams_ops[] = {
	{ "DescribeStream", locked_describe_stream },
	{ "GetRecords", locked_get_records },
	{ "GetShardIterator", locked_get_shard_iterator },
	{ "ListStreams", locked_list_streams },
};

static bool service_start(struct cloud *c, struct error *err)
{
	c->ddb = ddb_svc_new(c->db, c->vclock);
	return ddb_svc_start(c->ddb, err);
}

static bool streams_claim(const struct svc_route_in *in)
{
	return in->target && strncmp(in->target, "DynamoDBStreams_20120810.",
				     strlen("DynamoDBStreams_20120810.")) == 0;
}

static void service_stop(struct cloud *c)
{
	ddb_svc_stop(c->ddb);
}

static void service_free(struct cloud *c)
{
	ddb_svc_free(c->ddb);
	c->ddb = NULL;
}

static void service_reset(struct cloud *c, const char *account)
{
	if (c->ddb)
		ddb_svc_reset_account(c->ddb, account);
}

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const dynamodb_members[] = {
	"BatchGetItem RequestItems ReturnConsumedCapacity",
	"BatchWriteItem RequestItems ReturnConsumedCapacity -ReturnItemCollectionMetrics=NONE",
	"CreateTable AttributeDefinitions BillingMode DeletionProtectionEnabled "
	"GlobalSecondaryIndexes KeySchema LocalSecondaryIndexes -OnDemandThroughput "
	"ProvisionedThroughput -ResourcePolicy SSESpecification StreamSpecification "
	"TableClass TableName Tags",
	"DeleteItem ConditionExpression ConditionalOperator Expected ExpressionAttributeNames "
	"ExpressionAttributeValues Key ReturnConsumedCapacity -ReturnItemCollectionMetrics=NONE "
	"ReturnValues ReturnValuesOnConditionCheckFailure TableName",
	"DeleteTable TableName",
	"DescribeEndpoints",
	"DescribeLimits",
	"DescribeTable TableName",
	"DescribeTimeToLive TableName",
	"GetItem AttributesToGet ConsistentRead ExpressionAttributeNames Key "
	"ProjectionExpression ReturnConsumedCapacity TableName",
	"ListTables ExclusiveStartTableName Limit",
	"ListTagsOfResource -NextToken ResourceArn",
	"PutItem ConditionExpression ConditionalOperator Expected ExpressionAttributeNames "
	"ExpressionAttributeValues Item ReturnConsumedCapacity -ReturnItemCollectionMetrics=NONE "
	"ReturnValues ReturnValuesOnConditionCheckFailure TableName",
	"Query AttributesToGet ConditionalOperator ConsistentRead ExclusiveStartKey "
	"ExpressionAttributeNames ExpressionAttributeValues FilterExpression IndexName "
	"KeyConditionExpression KeyConditions Limit ProjectionExpression QueryFilter "
	"ReturnConsumedCapacity ScanIndexForward Select TableName",
	"Scan AttributesToGet ConditionalOperator ConsistentRead ExclusiveStartKey "
	"ExpressionAttributeNames ExpressionAttributeValues FilterExpression IndexName Limit "
	"ProjectionExpression ReturnConsumedCapacity ScanFilter Segment Select TableName "
	"TotalSegments",
	"TagResource ResourceArn Tags",
	"TransactGetItems ReturnConsumedCapacity TransactItems",
	"TransactWriteItems ~ClientRequestToken ReturnConsumedCapacity "
	"-ReturnItemCollectionMetrics=NONE TransactItems",
	"UntagResource ResourceArn TagKeys",
	"UpdateItem AttributeUpdates ConditionExpression ConditionalOperator Expected "
	"ExpressionAttributeNames ExpressionAttributeValues Key ReturnConsumedCapacity "
	"-ReturnItemCollectionMetrics=NONE ReturnValues ReturnValuesOnConditionCheckFailure "
	"TableName UpdateExpression",
	"UpdateTable AttributeDefinitions BillingMode DeletionProtectionEnabled "
	"GlobalSecondaryIndexUpdates -OnDemandThroughput ProvisionedThroughput "
	"-ReplicaUpdates SSESpecification StreamSpecification TableClass TableName",
	"UpdateTimeToLive TableName TimeToLiveSpecification",
	NULL,
};

const struct cloud_service dynamodb_service = {
	.name = "dynamodb",
	.model = "dynamodb-2012-08-10",
	.title = "Amazon DynamoDB",
	.target = "DynamoDB_20120810",
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.start = service_start,
	.stop = service_stop,
	.free = service_free,
	.reset_account = service_reset,
	.ops = ddb_ops,
	.nops = sizeof(ddb_ops) / sizeof(ddb_ops[0]),
	.members = dynamodb_members,
};

/* DynamoDB Streams shares DynamoDB's state (and its signing name); X-Amz-Target tells them
 * apart (DynamoDBStreams_20120810.*). */
/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const dynamodb_streams_members[] = {
	"DescribeStream ExclusiveStartShardId Limit StreamArn",
	"GetRecords Limit ShardIterator",
	"GetShardIterator SequenceNumber ShardId ShardIteratorType StreamArn",
	"ListStreams ExclusiveStartStreamArn Limit TableName",
	NULL,
};

const struct cloud_service dynamodb_streams_service = {
	.name = "dynamodb",
	.model = "streams.dynamodb-2012-08-10",
	.title = "Amazon DynamoDB Streams",
	.target = "DynamoDBStreams_20120810",
	.claims = streams_claim,
	.ops = streams_ops,
	.nops = sizeof(streams_ops) / sizeof(streams_ops[0]),
	.members = dynamodb_streams_members,
};
