/*
 * The DynamoDB service's internals, shared by its files: the service's state, tables and their
 * key schemas, items in the cloud's database, and the operations (svc.h's handlers).
 *
 * Storage: a table is a row of ddb_tables (its definition as DynamoDB describes it); an item is
 * a row of ddb_items keyed by its table and the sortable bytes of its partition and sort keys
 * (value.h's ddb_av_key), holding its canonical JSON, its size and its TTL expiry; each secondary
 * index keeps its projection of the items that have its key in ddb_index_items. Every
 * statement runs under the database's mutex; each write is one SQLite transaction, so a
 * conditional write, an index and a stream record change together or not at all.
 */
#ifndef CLOUD_DYNAMODB_DDB_H
#define CLOUD_DYNAMODB_DDB_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cloud/dynamodb/expr.h"
#include "cloud/dynamodb/value.h"
#include "core/strbuf.h"
#include "core/vec.h"

struct cJSON;
struct cloud;
struct cloud_db;
struct vclock;
struct svc_call;
struct aws_err;
struct error;

struct ddb_key_schema {
	char *hash, *range; /* range NULL for a table keyed by its partition key alone */
	enum ddb_type htype, rtype;
};

enum ddb_projection {
	DDB_PROJECT_ALL,
	DDB_PROJECT_KEYS,
	DDB_PROJECT_INCLUDE,
};

struct ddb_index {
	char *name;
	bool global;
	int64_t num; /* its id in ddb_index_items, stable for the table's life */
	struct ddb_key_schema key;
	enum ddb_projection projection;
	char **include;
	size_t ninclude;
};

struct ddb_table {
	int64_t id;
	char account[13];
	char region[32];
	char *name;
	int64_t created_ms;
	struct cJSON *def; /* the definition: schema, billing, indexes, streams, TTL, tags */
	struct ddb_key_schema key;
	struct ddb_index *indexes;
	size_t nindexes;
	char *ttl_attr;     /* NULL while TTL is off */
	int64_t stream;     /* the enabled stream's id in ddb_streams, 0: none */
	char view_type[24]; /* its StreamViewType */
};

struct ddb_svc {
	struct cloud_db *db;  /* borrowed from the cloud */
	struct vclock *clock; /* borrowed */
	struct vec tables;    /* struct ddb_table *, loaded on first use; under db->mu */
	pthread_t sweeper;    /* TTL deletions and stream trimming, on the virtual clock */
	bool sweeper_running;
	bool stopping;
	pthread_cond_t cond;
};

/* The service's state over the cloud's database (its schema migrated: svc_migrate()) and
 * clock. */
struct ddb_svc *ddb_svc_new(struct cloud_db *db, struct vclock *clock);
/* Start the sweeper thread (TTL, stream retention). */
bool ddb_svc_start(struct ddb_svc *d, struct error *err);
void ddb_svc_stop(struct ddb_svc *d);
void ddb_svc_free(struct ddb_svc *d);
/* Delete every table, item and stream of an account. */
void ddb_svc_reset_account(struct ddb_svc *d, const char *account);
/*
 * Delete the items whose TTL passed (the sweeper's pass): now_ms is the base clock's now, and each
 * account's items expire by its own clock (the base plus its steps). Returns how many.
 */
int ddb_svc_expire(struct ddb_svc *d, int64_t now_ms);

/* The state a call reaches through its cloud. */
struct ddb_svc *ddb_of(struct svc_call *call);
int64_t ddb_now_ms(struct ddb_svc *d, const char *account);

/* --- tables (table.c); db->mu held --- */

/* The table name of a call's account and region, NULL when none. Borrowed until the table
 * changes. */
struct ddb_table *ddb_table_find(struct ddb_svc *d, const char *account, const char *region,
				 const char *name);
/* The table a request names in member TableName, or NULL with ResourceNotFoundException. */
struct ddb_table *ddb_table_for(struct svc_call *call, const char *name, struct aws_err *err);
/* Drop cached tables of an account (NULL: all), after a change. */
void ddb_table_forget(struct ddb_svc *d, const char *account);
void ddb_table_arn(const struct ddb_table *t, struct strbuf *out);
/* An index of the table by name, NULL when none. */
const struct ddb_index *ddb_table_index(const struct ddb_table *t, const char *name);

/* --- keys and items (item.c); db->mu held --- */

struct ddb_keybytes {
	struct strbuf pk, sk;
};
void ddb_keybytes_release(struct ddb_keybytes *k);

/* The hash of a partition key's bytes, which orders a Scan and splits it into segments. */
uint32_t ddb_key_hash(const struct strbuf *pk);
/*
 * The key bytes of a Key parameter (exactly the key attributes, of their types), or false with
 * "The provided key element does not match the schema".
 */
bool ddb_key_from_key(const struct ddb_table *t, const struct cJSON *key, struct ddb_keybytes *out,
		      struct aws_err *err);
/* The key bytes of an item about to be written, with PutItem's messages for missing keys,
 * wrong types, empty strings, sizes; index keys checked too. */
bool ddb_key_from_item(const struct ddb_table *t, const struct cJSON *item,
		       struct ddb_keybytes *out, struct aws_err *err);
/* The item's key attributes under a schema, or NULL when it lacks one. Caller deletes. */
struct cJSON *ddb_key_extract(const struct ddb_key_schema *k, const struct cJSON *item);

/* The stored item with those key bytes (caller deletes), NULL when none. */
struct cJSON *ddb_item_load(struct ddb_svc *d, const struct ddb_table *t,
			    const struct ddb_keybytes *k);
/*
 * Replace old with item (NULL: delete) at key k, inside the caller's transaction: the item row,
 * its index rows, and a stream record when the table has a stream (ttl: a deletion by TTL).
 */
bool ddb_item_store(struct ddb_svc *d, const struct ddb_table *t, const struct ddb_keybytes *k,
		    const struct cJSON *old, const struct cJSON *item, bool ttl,
		    struct aws_err *err);

/* Begin, commit or roll back a write; false on a database error (err filled). */
bool ddb_begin(struct ddb_svc *d, struct aws_err *err);
bool ddb_commit(struct ddb_svc *d, struct aws_err *err);
void ddb_rollback(struct ddb_svc *d);

/* A request's expressions: its substitutions and the condition it carries, parsed together. */
struct ddb_request_exprs {
	struct ddb_subst subst;
	struct ddb_expr *condition, *update, *projection, *filter, *key;
};
void ddb_request_exprs_release(struct ddb_request_exprs *x);

/*
 * Parse the expressions a request carries in members (of types, into slots, in that order),
 * with its ExpressionAttributeNames and Values, and refuse names and values none used.
 * null_list is how DynamoDB says that none was given ("ConditionExpression is null").
 */
bool ddb_parse_exprs(const struct cJSON *in, struct ddb_request_exprs *x,
		     const char *const *members, const enum ddb_expr_type *types,
		     struct ddb_expr **const *slots, size_t n, const char *null_list,
		     struct aws_err *err);
/* A read's ProjectionExpression (or AttributesToGet), parsed into x. */
bool ddb_read_projection(const struct cJSON *in, struct ddb_request_exprs *x, struct aws_err *err);
/* What a read returns of item under that projection. Caller deletes. */
struct cJSON *ddb_read_project(const struct cJSON *in, const struct ddb_request_exprs *x,
			       const struct cJSON *item);
/* Refuse the legacy parameters names[0..n) rather than ignore them. */
bool ddb_refuse_legacy(const struct cJSON *in, const char *const *names, size_t n,
		       struct aws_err *err);
/* ReturnValues among allowed (absent: "NONE"), else "Return values set to invalid value". */
bool ddb_return_values(const struct cJSON *in, const char *const *allowed, size_t n,
		       const char **out, struct aws_err *err);
/* ConditionalCheckFailedException, with the old item when ReturnValuesOnConditionCheckFailure
 * is ALL_OLD. Returns false. */
bool ddb_condition_failed(const struct cJSON *in, const struct cJSON *old, struct aws_err *err);
double ddb_write_units(const struct cJSON *old, const struct cJSON *item);
double ddb_read_units(const struct cJSON *item, bool consistent);
/* A string member of an object, NULL when absent or not a string. Borrowed. */
const char *ddb_str(const struct cJSON *o, const char *name);

/* Size an item against the 400 KB limit. */
bool ddb_item_fits(const struct cJSON *item, bool update, struct aws_err *err);
/* The consumed capacity of a call, for ReturnConsumedCapacity (NULL: none). */
struct cJSON *ddb_capacity(const struct cJSON *in, const struct ddb_table *t, double units,
			   bool write);

/* --- the operations --- */

#define DDB_OP(name)                                                               \
	struct cJSON *ddb_op_##name(struct svc_call *call, const struct cJSON *in, \
				    struct aws_err *err)
DDB_OP(create_table);
DDB_OP(describe_table);
DDB_OP(list_tables);
DDB_OP(update_table);
DDB_OP(delete_table);
DDB_OP(update_time_to_live);
DDB_OP(describe_time_to_live);
DDB_OP(tag_resource);
DDB_OP(untag_resource);
DDB_OP(list_tags_of_resource);
DDB_OP(describe_limits);
DDB_OP(describe_endpoints);
DDB_OP(put_item);
DDB_OP(get_item);
DDB_OP(update_item);
DDB_OP(delete_item);
DDB_OP(query);
DDB_OP(scan);
DDB_OP(batch_get_item);
DDB_OP(batch_write_item);
DDB_OP(transact_get_items);
DDB_OP(transact_write_items);

/* --- streams (stream.c) --- */

/* Enable a stream on a table (a new one, with a new label), or disable the current one. */
bool ddb_stream_enable(struct ddb_svc *d, struct ddb_table *t, const char *view_type,
		       struct aws_err *err);
void ddb_stream_disable(struct ddb_svc *d, struct ddb_table *t);
/* The stream's ARN and label into out (NULL label: only the ARN). */
bool ddb_stream_arn(struct ddb_svc *d, int64_t stream, struct strbuf *arn, struct strbuf *label);
/* Append a stream record of a change (old or item NULL for an insert or a removal). */
bool ddb_stream_record(struct ddb_svc *d, const struct ddb_table *t, const struct cJSON *old,
		       const struct cJSON *item, bool ttl);
/* Drop records older than 24 hours, and streams disabled for 24 hours, by each account's
 * clock (now_ms is the base clock's). */
void ddb_stream_trim(struct ddb_svc *d, int64_t now_ms);

DDB_OP(list_streams);
DDB_OP(describe_stream);
DDB_OP(get_shard_iterator);
DDB_OP(get_records);

#endif
