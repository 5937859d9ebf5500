/*
 * DynamoDB items: keys and their checks, the rows of items and of their index projections,
 * and PutItem, GetItem, UpdateItem, DeleteItem.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/dynamodb/ddb.h"
#include "cloud/svc/svc.h"

/* --- keys --- */

void ddb_keybytes_release(struct ddb_keybytes *k)
{
	strbuf_release(&k->pk);
	strbuf_release(&k->sk);
}

static size_t key_value_len(const cJSON *av)
{
	const cJSON *p = ddb_av_payload(av);
	if (ddb_av_type(av) == DDB_S)
		return strlen(p->valuestring);
	if (ddb_av_type(av) == DDB_B) {
		size_t n = 0;
		free(ddb_av_bytes(av, &n));
		return n;
	}
	return 0;
}

bool ddb_key_from_key(const struct ddb_table *t, const cJSON *key, struct ddb_keybytes *out,
		      struct aws_err *err)
{
	const struct ddb_key_schema *k = &t->key;
	int want = k->range ? 2 : 1;
	if (!cJSON_IsObject(key) || cJSON_GetArraySize(key) != want)
		return ddb_invalid(err, "The provided key element does not match the schema");
	const char *names[2] = { k->hash, k->range };
	enum ddb_type types[2] = { k->htype, k->rtype };
	struct strbuf *bufs[2] = { &out->pk, &out->sk };
	for (int i = 0; i < want; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(key, names[i]);
		if (!v || ddb_av_type(v) != types[i])
			return ddb_invalid(err,
					   "The provided key element does not match the schema");
		if (types[i] != DDB_N && key_value_len(v) == 0)
			return ddb_invalid(
				err,
				"One or more parameter values are not valid. The "
				"AttributeValue for a key attribute cannot contain an empty "
				"string value. Key: %s",
				names[i]);
		ddb_av_key(v, bufs[i]);
	}
	return true;
}

static bool check_index_keys(const struct ddb_table *t, const cJSON *item, struct aws_err *err)
{
	for (size_t i = 0; i < t->nindexes; i++) {
		const struct ddb_index *ix = &t->indexes[i];
		const char *names[2] = { ix->key.hash, ix->key.range };
		enum ddb_type types[2] = { ix->key.htype, ix->key.rtype };
		for (int j = 0; j < 2 && names[j]; j++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, names[j]);
			if (!v)
				continue;
			if (ddb_av_type(v) != types[j])
				return ddb_invalid(
					err,
					"One or more parameter values were invalid: Type "
					"mismatch for Index Key %s Expected: %s Actual: %s "
					"IndexName: %s",
					names[j], ddb_type_name(types[j]),
					ddb_type_name(ddb_av_type(v)), ix->name);
			if (types[j] != DDB_N && key_value_len(v) == 0)
				return ddb_invalid(
					err,
					"One or more parameter values are not valid. A value "
					"specified for a secondary index key is not supported. "
					"The AttributeValue for a key attribute cannot contain "
					"an empty string value. IndexName: %s, IndexKey: %s",
					ix->name, names[j]);
		}
	}
	return true;
}

bool ddb_key_from_item(const struct ddb_table *t, const cJSON *item, struct ddb_keybytes *out,
		       struct aws_err *err)
{
	const struct ddb_key_schema *k = &t->key;
	const char *names[2] = { k->hash, k->range };
	enum ddb_type types[2] = { k->htype, k->rtype };
	struct strbuf *bufs[2] = { &out->pk, &out->sk };
	for (int i = 0; i < 2 && names[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, names[i]);
		if (!v)
			return ddb_invalid(
				err,
				"One or more parameter values were invalid: Missing the key "
				"%s in the item",
				names[i]);
		if (ddb_av_type(v) != types[i])
			return ddb_invalid(
				err,
				"One or more parameter values were invalid: Type mismatch "
				"for key %s expected: %s actual: %s",
				names[i], ddb_type_name(types[i]), ddb_type_name(ddb_av_type(v)));
		size_t len = key_value_len(v);
		if (types[i] != DDB_N && len == 0)
			return ddb_invalid(
				err,
				"One or more parameter values are not valid. The "
				"AttributeValue for a key attribute cannot contain an empty "
				"string value. Key: %s",
				names[i]);
		if (i == 0 && len > DDB_HASH_KEY_MAX)
			return ddb_invalid(err,
					   "One or more parameter values were invalid: Size of "
					   "hashkey has exceeded the maximum size limit of2048 "
					   "bytes");
		if (i == 1 && len > DDB_RANGE_KEY_MAX)
			return ddb_invalid(err,
					   "One or more parameter values were invalid: Aggregated "
					   "size of all range keys has exceeded the size limit of "
					   "1024 bytes");
		ddb_av_key(v, bufs[i]);
	}
	return check_index_keys(t, item, err);
}

cJSON *ddb_key_extract(const struct ddb_key_schema *k, const cJSON *item)
{
	cJSON *key = cJSON_CreateObject();
	const char *names[2] = { k->hash, k->range };
	for (int i = 0; i < 2 && names[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, names[i]);
		if (!v) {
			cJSON_Delete(key);
			return NULL;
		}
		cJSON_AddItemToObject(key, names[i], cJSON_Duplicate(v, 1));
	}
	return key;
}

/* --- rows --- */

uint32_t ddb_key_hash(const struct strbuf *pk)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < pk->len; i++) {
		h ^= (unsigned char)pk->buf[i];
		h *= 16777619u;
	}
	return h;
}

static void bind_bytes(sqlite3_stmt *st, int i, const struct strbuf *b)
{
	sqlite3_bind_blob(st, i, b->len ? b->buf : "", (int)b->len, SQLITE_TRANSIENT);
}

cJSON *ddb_item_load(struct ddb_svc *d, const struct ddb_table *t, const struct ddb_keybytes *k)
{
	cJSON *item = NULL;
	sqlite3_stmt *st =
		db_stmt(d->db, "SELECT item FROM ddb_items WHERE tbl = ? AND pk = ? AND sk = ?");
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, t->id);
	bind_bytes(st, 2, &k->pk);
	bind_bytes(st, 3, &k->sk);
	if (sqlite3_step(st) == SQLITE_ROW)
		item = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return item;
}

/* An item's expiry in epoch milliseconds from its TTL attribute, or -1. */
static int64_t expiry(const struct ddb_table *t, const cJSON *item)
{
	if (!t->ttl_attr || !item)
		return -1;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, t->ttl_attr);
	if (ddb_av_type(v) != DDB_N)
		return -1;
	double s = strtod(ddb_av_payload(v)->valuestring, NULL);
	if (!isfinite(s) || s < 0 || s > 1e15)
		return -1;
	return (int64_t)(s * 1000.0);
}

/* The index key bytes of an item, false when it is not in the index (sparse). */
static bool index_key(const struct ddb_index *ix, const cJSON *item, struct ddb_keybytes *out)
{
	const char *names[2] = { ix->key.hash, ix->key.range };
	enum ddb_type types[2] = { ix->key.htype, ix->key.rtype };
	struct strbuf *bufs[2] = { &out->pk, &out->sk };
	for (int i = 0; i < 2 && names[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, names[i]);
		if (!v || ddb_av_type(v) != types[i] || !ddb_av_key(v, bufs[i]))
			return false;
	}
	return true;
}

static cJSON *index_projection(const struct ddb_table *t, const struct ddb_index *ix,
			       const cJSON *item)
{
	if (ix->projection == DDB_PROJECT_ALL)
		return cJSON_Duplicate(item, 1);
	cJSON *out = cJSON_CreateObject();
	const char *keys[4] = { t->key.hash, t->key.range, ix->key.hash, ix->key.range };
	for (int i = 0; i < 4; i++) {
		if (!keys[i] || cJSON_GetObjectItemCaseSensitive(out, keys[i]))
			continue;
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, keys[i]);
		if (v)
			cJSON_AddItemToObject(out, keys[i], cJSON_Duplicate(v, 1));
	}
	for (size_t i = 0; i < ix->ninclude; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, ix->include[i]);
		if (v && !cJSON_GetObjectItemCaseSensitive(out, ix->include[i]))
			cJSON_AddItemToObject(out, ix->include[i], cJSON_Duplicate(v, 1));
	}
	return out;
}

static bool exec_ok(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE;
}

/* Step a statement of db_stmt() to its end and reset it. */
static bool kept_ok(sqlite3_stmt *st)
{
	if (!st)
		return false;
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

static bool store_indexes(struct ddb_svc *d, const struct ddb_table *t,
			  const struct ddb_keybytes *k, const cJSON *old, const cJSON *item)
{
	for (size_t i = 0; i < t->nindexes; i++) {
		const struct ddb_index *ix = &t->indexes[i];
		struct ddb_keybytes ok = { STRBUF_INIT, STRBUF_INIT }, nk = ok;
		sqlite3_stmt *st = NULL;
		bool good = true;
		if (old && index_key(ix, old, &ok)) {
			sqlite3_prepare_v2(
				d->db->db,
				"DELETE FROM ddb_index_items WHERE tbl = ? AND idx = ? AND "
				"ipk = ? AND isk = ? AND pk = ? AND sk = ?",
				-1, &st, NULL);
			sqlite3_bind_int64(st, 1, t->id);
			sqlite3_bind_int64(st, 2, ix->num);
			bind_bytes(st, 3, &ok.pk);
			bind_bytes(st, 4, &ok.sk);
			bind_bytes(st, 5, &k->pk);
			bind_bytes(st, 6, &k->sk);
			good = exec_ok(st);
		}
		if (good && item && index_key(ix, item, &nk)) {
			cJSON *proj = index_projection(t, ix, item);
			char *text = cJSON_PrintUnformatted(proj);
			sqlite3_prepare_v2(
				d->db->db,
				"INSERT OR REPLACE INTO ddb_index_items(tbl, idx, ipk, isk, pk,"
				" sk, hash, item) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				-1, &st, NULL);
			sqlite3_bind_int64(st, 1, t->id);
			sqlite3_bind_int64(st, 2, ix->num);
			bind_bytes(st, 3, &nk.pk);
			bind_bytes(st, 4, &nk.sk);
			bind_bytes(st, 5, &k->pk);
			bind_bytes(st, 6, &k->sk);
			sqlite3_bind_int64(st, 7, ddb_key_hash(&nk.pk));
			sqlite3_bind_text(st, 8, text, -1, SQLITE_TRANSIENT);
			good = exec_ok(st);
			free(text);
			cJSON_Delete(proj);
		}
		ddb_keybytes_release(&ok);
		ddb_keybytes_release(&nk);
		if (!good)
			return false;
	}
	return true;
}

bool ddb_item_store(struct ddb_svc *d, const struct ddb_table *t, const struct ddb_keybytes *k,
		    const cJSON *old, const cJSON *item, bool ttl, struct aws_err *err)
{
	sqlite3_stmt *st = NULL;
	bool ok;
	if (item) {
		char *text = cJSON_PrintUnformatted(item);
		st = db_stmt(d->db, "INSERT OR REPLACE INTO ddb_items(tbl, pk, sk, hash, size,"
				    " expires, item) VALUES (?, ?, ?, ?, ?, ?, ?)");
		if (!st) {
			free(text);
			return ddb_error(err, "InternalServerError", "Internal server error");
		}
		sqlite3_bind_int64(st, 1, t->id);
		bind_bytes(st, 2, &k->pk);
		bind_bytes(st, 3, &k->sk);
		sqlite3_bind_int64(st, 4, ddb_key_hash(&k->pk));
		sqlite3_bind_int64(st, 5, (sqlite3_int64)ddb_item_size(item));
		int64_t exp = expiry(t, item);
		if (exp >= 0)
			sqlite3_bind_int64(st, 6, exp);
		else
			sqlite3_bind_null(st, 6);
		sqlite3_bind_text(st, 7, text, -1, SQLITE_STATIC);
		ok = kept_ok(st);
		free(text);
	} else {
		st = db_stmt(d->db, "DELETE FROM ddb_items WHERE tbl = ? AND pk = ? AND sk = ?");
		if (st) {
			sqlite3_bind_int64(st, 1, t->id);
			bind_bytes(st, 2, &k->pk);
			bind_bytes(st, 3, &k->sk);
		}
		ok = kept_ok(st);
	}
	ok = ok && store_indexes(d, t, k, old, item);
	if (ok && t->stream && (old || item))
		ok = ddb_stream_record(d, t, old, item, ttl);
	if (!ok)
		ddb_error(err, "InternalServerError", "Internal server error");
	return ok;
}

bool ddb_begin(struct ddb_svc *d, struct aws_err *err)
{
	if (!kept_ok(db_stmt(d->db, "BEGIN")))
		return ddb_error(err, "InternalServerError", "Internal server error");
	return true;
}

bool ddb_commit(struct ddb_svc *d, struct aws_err *err)
{
	if (!kept_ok(db_stmt(d->db, "COMMIT")))
		return ddb_error(err, "InternalServerError", "Internal server error");
	return true;
}

void ddb_rollback(struct ddb_svc *d)
{
	if (!sqlite3_get_autocommit(d->db->db))
		sqlite3_exec(d->db->db, "ROLLBACK", NULL, NULL, NULL);
}

bool ddb_item_fits(const cJSON *item, bool update, struct aws_err *err)
{
	if (ddb_item_size(item) <= DDB_ITEM_MAX)
		return true;
	return ddb_invalid(err, update ? "Item size to update has exceeded the maximum allowed size"
				       : "Item size has exceeded the maximum allowed size");
}

cJSON *ddb_capacity(const cJSON *in, const struct ddb_table *t, double units, bool write)
{
	const cJSON *rcc = cJSON_GetObjectItemCaseSensitive(in, "ReturnConsumedCapacity");
	if (!cJSON_IsString(rcc) || strcmp(rcc->valuestring, "NONE") == 0)
		return NULL;
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "TableName", t->name);
	cJSON_AddNumberToObject(c, "CapacityUnits", units);
	if (write)
		cJSON_AddNumberToObject(c, "WriteCapacityUnits", units);
	else
		cJSON_AddNumberToObject(c, "ReadCapacityUnits", units);
	if (strcmp(rcc->valuestring, "INDEXES") == 0) {
		cJSON *tb = cJSON_AddObjectToObject(c, "Table");
		cJSON_AddNumberToObject(tb, "CapacityUnits", units);
	}
	return c;
}

double ddb_write_units(const cJSON *old, const cJSON *item)
{
	size_t a = old ? ddb_item_size(old) : 0, b = item ? ddb_item_size(item) : 0;
	size_t m = a > b ? a : b;
	return m == 0 ? 1 : (double)((m + 1023) / 1024);
}

double ddb_read_units(const cJSON *item, bool consistent)
{
	size_t s = item ? ddb_item_size(item) : 0;
	double u = s == 0 ? 1 : (double)((s + 4095) / 4096);
	return consistent ? u : u / 2;
}

/* --- expressions of a request --- */

void ddb_request_exprs_release(struct ddb_request_exprs *x)
{
	ddb_expr_free(x->condition);
	ddb_expr_free(x->update);
	ddb_expr_free(x->projection);
	ddb_expr_free(x->filter);
	ddb_expr_free(x->key);
	ddb_subst_release(&x->subst);
	memset(x, 0, sizeof(*x));
}

const char *ddb_str(const cJSON *o, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(m) ? m->valuestring : NULL;
}

/*
 * Parse the expressions members names (in order) of a request, with its names and values.
 * null_list is how DynamoDB lists them when none is given but names or values are
 * ("ConditionExpression is null").
 */
bool ddb_parse_exprs(const cJSON *in, struct ddb_request_exprs *x, const char *const *members,
		     const enum ddb_expr_type *types, struct ddb_expr **const *slots, size_t n,
		     const char *null_list, struct aws_err *err)
{
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(in, "ExpressionAttributeNames");
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(in, "ExpressionAttributeValues");
	memset(x, 0, sizeof(*x));
	bool any = false;
	for (size_t i = 0; i < n; i++)
		any = any || cJSON_GetObjectItemCaseSensitive(in, members[i]);
	if (!any && names)
		return ddb_invalid(err, "ExpressionAttributeNames can only be specified when using "
					"expressions");
	if (!any && values)
		return ddb_invalid(err,
				   "ExpressionAttributeValues can only be specified when using "
				   "expressions: %s",
				   null_list);
	if (!ddb_subst_init(&x->subst, names, values, err))
		return false;
	for (size_t i = 0; i < n; i++) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(in, members[i]);
		if (!m)
			continue;
		if (!cJSON_IsString(m))
			return ddb_error(err, "SerializationException",
					 "Unexpected value type in payload");
		*slots[i] = ddb_expr_parse(types[i], m->valuestring, &x->subst, err);
		if (!*slots[i])
			return false;
	}
	return ddb_subst_check_unused(&x->subst, err);
}

/* Legacy parameters this cloud does not take; they are refused, not ignored. */
bool ddb_refuse_legacy(const cJSON *in, const char *const *names, size_t n, struct aws_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (cJSON_GetObjectItemCaseSensitive(in, names[i]))
			return ddb_invalid(
				err,
				"The local cloud does not serve the legacy parameter %s; "
				"use an expression instead",
				names[i]);
	return true;
}

bool ddb_return_values(const cJSON *in, const char *const *allowed, size_t n, const char **out,
		       struct aws_err *err)
{
	const char *rv = ddb_str(in, "ReturnValues");
	*out = rv ? rv : "NONE";
	for (size_t i = 0; i < n; i++)
		if (strcmp(*out, allowed[i]) == 0)
			return true;
	return ddb_invalid(err, "Return values set to invalid value");
}

bool ddb_condition_failed(const cJSON *in, const cJSON *old, struct aws_err *err)
{
	ddb_error(err, "ConditionalCheckFailedException", "The conditional request failed");
	const char *rv = ddb_str(in, "ReturnValuesOnConditionCheckFailure");
	if (old && rv && strcmp(rv, "ALL_OLD") == 0) {
		err->fields = cJSON_CreateObject();
		cJSON_AddItemToObject(err->fields, "Item", cJSON_Duplicate(old, 1));
	}
	return false;
}

static void add_capacity(cJSON *out, const cJSON *in, const struct ddb_table *t, double units,
			 bool write)
{
	cJSON *c = ddb_capacity(in, t, units, write);
	if (c)
		cJSON_AddItemToObject(out, "ConsumedCapacity", c);
}

/* --- operations --- */

DDB_OP(put_item)
{
	struct ddb_svc *d = ddb_of(call);
	static const char *const legacy[] = { "Expected", "ConditionalOperator" };
	static const char *const rvs[] = { "NONE", "ALL_OLD" };
	static const char *const members[] = { "ConditionExpression" };
	static const enum ddb_expr_type types[] = { DDB_EXPR_CONDITION };
	struct ddb_request_exprs x;
	struct ddb_expr **slots[] = { &x.condition };
	struct ddb_keybytes k = { STRBUF_INIT, STRBUF_INIT };
	cJSON *item = NULL, *old = NULL, *out = NULL;
	const char *rv;
	memset(&x, 0, sizeof(x));
	struct ddb_table *t = ddb_table_for(call, ddb_str(in, "TableName"), err);
	if (!t || !ddb_return_values(in, rvs, 2, &rv, err) ||
	    !ddb_refuse_legacy(in, legacy, 2, err))
		goto done;
	item = ddb_map_clean(cJSON_GetObjectItemCaseSensitive(in, "Item"), err);
	if (!item ||
	    !ddb_parse_exprs(in, &x, members, types, slots, 1, "ConditionExpression is null", err))
		goto done;
	if (!ddb_key_from_item(t, item, &k, err) || !ddb_item_fits(item, false, err))
		goto done;
	if (!ddb_begin(d, err))
		goto done;
	old = ddb_item_load(d, t, &k);
	if (x.condition && !ddb_expr_match(x.condition, old)) {
		ddb_condition_failed(in, old, err);
		ddb_rollback(d);
		goto done;
	}
	if (!ddb_item_store(d, t, &k, old, item, false, err) || !ddb_commit(d, err)) {
		ddb_rollback(d);
		goto done;
	}
	out = cJSON_CreateObject();
	add_capacity(out, in, t, ddb_write_units(old, item), true);
	if (old && strcmp(rv, "ALL_OLD") == 0) {
		cJSON_AddItemToObject(out, "Attributes", old);
		old = NULL;
	}
done:
	ddb_keybytes_release(&k);
	ddb_request_exprs_release(&x);
	cJSON_Delete(item);
	cJSON_Delete(old);
	return out;
}

/* The projection a read asks for: ProjectionExpression or AttributesToGet. */
bool ddb_read_projection(const cJSON *in, struct ddb_request_exprs *x, struct aws_err *err)
{
	static const char *const members[] = { "ProjectionExpression" };
	static const enum ddb_expr_type types[] = { DDB_EXPR_PROJECTION };
	struct ddb_expr **slots[] = { &x->projection };
	if (cJSON_GetObjectItemCaseSensitive(in, "AttributesToGet") &&
	    cJSON_GetObjectItemCaseSensitive(in, "ProjectionExpression"))
		return ddb_invalid(err, "Can not use both expression and non-expression parameters "
					"in the same request: Non-expression parameters: "
					"{AttributesToGet} Expression parameters: "
					"{ProjectionExpression}");
	return ddb_parse_exprs(in, x, members, types, slots, 1, "ProjectionExpression is null",
			       err);
}

/* AttributesToGet as a projection of top-level names. Caller deletes. */
static cJSON *attributes_to_get(const cJSON *names, const cJSON *item)
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *n;
	cJSON_ArrayForEach(n, names)
	{
		const cJSON *v = cJSON_IsString(n)
					 ? cJSON_GetObjectItemCaseSensitive(item, n->valuestring)
					 : NULL;
		if (v && !cJSON_GetObjectItemCaseSensitive(out, n->valuestring))
			cJSON_AddItemToObject(out, n->valuestring, cJSON_Duplicate(v, 1));
	}
	return out;
}

cJSON *ddb_read_project(const cJSON *in, const struct ddb_request_exprs *x, const cJSON *item)
{
	const cJSON *atg = cJSON_GetObjectItemCaseSensitive(in, "AttributesToGet");
	if (x->projection)
		return ddb_expr_project(x->projection, item);
	if (atg)
		return attributes_to_get(atg, item);
	return cJSON_Duplicate(item, 1);
}

DDB_OP(get_item)
{
	struct ddb_svc *d = ddb_of(call);
	struct ddb_request_exprs x;
	struct ddb_keybytes k = { STRBUF_INIT, STRBUF_INIT };
	cJSON *key = NULL, *item = NULL, *out = NULL;
	memset(&x, 0, sizeof(x));
	struct ddb_table *t = ddb_table_for(call, ddb_str(in, "TableName"), err);
	if (!t)
		goto done;
	key = ddb_map_clean(cJSON_GetObjectItemCaseSensitive(in, "Key"), err);
	if (!key || !ddb_key_from_key(t, key, &k, err) || !ddb_read_projection(in, &x, err))
		goto done;
	item = ddb_item_load(d, t, &k);
	out = cJSON_CreateObject();
	if (item)
		cJSON_AddItemToObject(out, "Item", ddb_read_project(in, &x, item));
	add_capacity(out, in, t,
		     ddb_read_units(item, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
						  in, "ConsistentRead"))),
		     false);
done:
	ddb_keybytes_release(&k);
	ddb_request_exprs_release(&x);
	cJSON_Delete(key);
	cJSON_Delete(item);
	return out;
}

struct key_check {
	const struct ddb_table *t;
	const char *bad;
};

static void check_root(const char *name, void *arg)
{
	struct key_check *kc = arg;
	if (!kc->bad && (strcmp(name, kc->t->key.hash) == 0 ||
			 (kc->t->key.range && strcmp(name, kc->t->key.range) == 0)))
		kc->bad = name;
}

DDB_OP(update_item)
{
	struct ddb_svc *d = ddb_of(call);
	static const char *const legacy[] = { "Expected", "ConditionalOperator" };
	static const char *const rvs[] = { "NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW",
					   "UPDATED_NEW" };
	static const char *const members[] = { "UpdateExpression", "ConditionExpression" };
	static const enum ddb_expr_type types[] = { DDB_EXPR_UPDATE, DDB_EXPR_CONDITION };
	struct ddb_request_exprs x;
	struct ddb_expr **slots[] = { &x.update, &x.condition };
	struct ddb_keybytes k = { STRBUF_INIT, STRBUF_INIT }, nk = k;
	cJSON *key = NULL, *old = NULL, *item = NULL, *out = NULL;
	const char *rv;
	memset(&x, 0, sizeof(x));
	struct ddb_table *t = ddb_table_for(call, ddb_str(in, "TableName"), err);
	if (!t || !ddb_return_values(in, rvs, 5, &rv, err))
		goto done;
	if (cJSON_GetObjectItemCaseSensitive(in, "AttributeUpdates") &&
	    cJSON_GetObjectItemCaseSensitive(in, "UpdateExpression")) {
		ddb_invalid(err, "Can not use both expression and non-expression parameters in the "
				 "same request: Non-expression parameters: {AttributeUpdates} "
				 "Expression parameters: {UpdateExpression}");
		goto done;
	}
	static const char *const legacy2[] = { "AttributeUpdates" };
	if (!ddb_refuse_legacy(in, legacy, 2, err) || !ddb_refuse_legacy(in, legacy2, 1, err))
		goto done;
	key = ddb_map_clean(cJSON_GetObjectItemCaseSensitive(in, "Key"), err);
	if (!key || !ddb_key_from_key(t, key, &k, err))
		goto done;
	if (!ddb_parse_exprs(in, &x, members, types, slots, 2,
			     "UpdateExpression and ConditionExpression are null", err))
		goto done;
	if (x.update) {
		struct key_check kc = { t, NULL };
		ddb_expr_update_roots(x.update, check_root, &kc);
		if (kc.bad) {
			ddb_invalid(err,
				    "One or more parameter values were invalid: Cannot update "
				    "attribute %s. This attribute is part of the key",
				    kc.bad);
			goto done;
		}
	}
	if (!ddb_begin(d, err))
		goto done;
	old = ddb_item_load(d, t, &k);
	if (x.condition && !ddb_expr_match(x.condition, old)) {
		ddb_condition_failed(in, old, err);
		goto rollback;
	}
	item = x.update ? ddb_expr_update(x.update, old ? old : key, old != NULL, err)
			: cJSON_Duplicate(old ? old : key, 1);
	if (!item || !ddb_item_fits(item, true, err) || !ddb_key_from_item(t, item, &nk, err))
		goto rollback;
	if (!ddb_item_store(d, t, &k, old, item, false, err) || !ddb_commit(d, err))
		goto rollback;
	out = cJSON_CreateObject();
	cJSON *attrs = NULL;
	if (strcmp(rv, "ALL_OLD") == 0 && old)
		attrs = cJSON_Duplicate(old, 1);
	else if (strcmp(rv, "ALL_NEW") == 0)
		attrs = cJSON_Duplicate(item, 1);
	else if (strcmp(rv, "UPDATED_OLD") == 0 && old && x.update)
		attrs = ddb_expr_project_updated(x.update, old);
	else if (strcmp(rv, "UPDATED_NEW") == 0 && x.update)
		attrs = ddb_expr_project_updated(x.update, item);
	if (attrs && attrs->child)
		cJSON_AddItemToObject(out, "Attributes", attrs);
	else
		cJSON_Delete(attrs);
	add_capacity(out, in, t, ddb_write_units(old, item), true);
	goto done;
rollback:
	ddb_rollback(d);
done:
	ddb_keybytes_release(&k);
	ddb_keybytes_release(&nk);
	ddb_request_exprs_release(&x);
	cJSON_Delete(key);
	cJSON_Delete(old);
	cJSON_Delete(item);
	return out;
}

DDB_OP(delete_item)
{
	struct ddb_svc *d = ddb_of(call);
	static const char *const legacy[] = { "Expected", "ConditionalOperator" };
	static const char *const rvs[] = { "NONE", "ALL_OLD" };
	static const char *const members[] = { "ConditionExpression" };
	static const enum ddb_expr_type types[] = { DDB_EXPR_CONDITION };
	struct ddb_request_exprs x;
	struct ddb_expr **slots[] = { &x.condition };
	struct ddb_keybytes k = { STRBUF_INIT, STRBUF_INIT };
	cJSON *key = NULL, *old = NULL, *out = NULL;
	const char *rv;
	memset(&x, 0, sizeof(x));
	struct ddb_table *t = ddb_table_for(call, ddb_str(in, "TableName"), err);
	if (!t || !ddb_return_values(in, rvs, 2, &rv, err) ||
	    !ddb_refuse_legacy(in, legacy, 2, err))
		goto done;
	key = ddb_map_clean(cJSON_GetObjectItemCaseSensitive(in, "Key"), err);
	if (!key || !ddb_key_from_key(t, key, &k, err) ||
	    !ddb_parse_exprs(in, &x, members, types, slots, 1, "ConditionExpression is null", err))
		goto done;
	if (!ddb_begin(d, err))
		goto done;
	old = ddb_item_load(d, t, &k);
	if (x.condition && !ddb_expr_match(x.condition, old)) {
		ddb_condition_failed(in, old, err);
		ddb_rollback(d);
		goto done;
	}
	if ((old && !ddb_item_store(d, t, &k, old, NULL, false, err)) || !ddb_commit(d, err)) {
		ddb_rollback(d);
		goto done;
	}
	out = cJSON_CreateObject();
	add_capacity(out, in, t, ddb_write_units(old, NULL), true);
	if (old && strcmp(rv, "ALL_OLD") == 0) {
		cJSON_AddItemToObject(out, "Attributes", old);
		old = NULL;
	}
done:
	ddb_keybytes_release(&k);
	ddb_request_exprs_release(&x);
	cJSON_Delete(key);
	cJSON_Delete(old);
	return out;
}
