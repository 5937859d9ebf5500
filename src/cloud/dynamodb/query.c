/*
 * Query and Scan: reading a table or an index in key order (Query) or in the order of its
 * partition keys' hashes (Scan, whose parallel segments are ranges of those hashes), up to
 * Limit items or 1 MB, filtering, projecting, and the LastEvaluatedKey to go on from.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/db.h"
#include "cloud/dynamodb/ddb.h"
#include "cloud/svc/svc.h"

#define PAGE_BYTES (1024 * 1024)

/* What a Query or Scan reads, whichever it is. */
struct reader {
	const struct ddb_table *t;
	const struct ddb_index *ix;       /* NULL: the table */
	const struct ddb_key_schema *key; /* the index's key, or the table's */
	struct ddb_request_exprs x;
	const char *select;
	long limit; /* 0: none */
	bool consistent;
};

static void add_bytes(sqlite3_stmt *st, int i, const struct strbuf *b)
{
	sqlite3_bind_blob(st, i, b->len ? b->buf : "", (int)b->len, SQLITE_TRANSIENT);
}

static bool setup(struct svc_call *call, const cJSON *in, struct reader *r, bool query,
		  struct aws_err *err)
{
	memset(r, 0, sizeof(*r));
	r->t = ddb_table_for(call, ddb_str(in, "TableName"), err);
	if (!r->t)
		return false;
	r->key = &r->t->key;
	const char *index = ddb_str(in, "IndexName");
	if (index) {
		r->ix = ddb_table_index(r->t, index);
		if (!r->ix)
			return ddb_invalid(err, "The table does not have the specified index: %s",
					   index);
		r->key = &r->ix->key;
	}
	r->consistent = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "ConsistentRead"));
	if (r->consistent && r->ix && r->ix->global)
		return ddb_invalid(err, "Consistent reads are not supported on global secondary "
					"indexes");
	const cJSON *limit = cJSON_GetObjectItemCaseSensitive(in, "Limit");
	if (limit) {
		if (!cJSON_IsNumber(limit) || limit->valuedouble < 1)
			return ddb_invalid(
				err,
				"1 validation error detected: Value '%d' at 'limit' failed "
				"to satisfy constraint: Member must have value greater than "
				"or equal to 1",
				cJSON_IsNumber(limit) ? (int)limit->valuedouble : 0);
		r->limit = (long)limit->valuedouble;
	}
	static const char *const legacy_q[] = { "KeyConditions", "QueryFilter",
						"ConditionalOperator" };
	static const char *const legacy_s[] = { "ScanFilter", "ConditionalOperator" };
	if (!ddb_refuse_legacy(in, query ? legacy_q : legacy_s, query ? 3 : 2, err))
		return false;
	if (cJSON_GetObjectItemCaseSensitive(in, "AttributesToGet") &&
	    cJSON_GetObjectItemCaseSensitive(in, "ProjectionExpression"))
		return ddb_invalid(err, "Can not use both expression and non-expression parameters "
					"in the same request: Non-expression parameters: "
					"{AttributesToGet} Expression parameters: "
					"{ProjectionExpression}");
	static const char *const mq[] = { "KeyConditionExpression", "FilterExpression",
					  "ProjectionExpression" };
	static const enum ddb_expr_type tq[] = { DDB_EXPR_KEY, DDB_EXPR_FILTER,
						 DDB_EXPR_PROJECTION };
	struct ddb_expr **sq[] = { &r->x.key, &r->x.filter, &r->x.projection };
	if (query && !cJSON_GetObjectItemCaseSensitive(in, "KeyConditionExpression"))
		return ddb_invalid(err, "Either the KeyConditions or KeyConditionExpression "
					"parameter must be specified in the request.");
	bool ok =
		query ? ddb_parse_exprs(in, &r->x, mq, tq, sq, 3,
					"KeyConditionExpression, FilterExpression and "
					"ProjectionExpression are null",
					err)
		      : ddb_parse_exprs(in, &r->x, mq + 1, tq + 1, sq + 1, 2,
					"FilterExpression and ProjectionExpression are null", err);
	if (!ok)
		return false;
	r->select = ddb_str(in, "Select");
	bool projected = r->x.projection || cJSON_GetObjectItemCaseSensitive(in, "AttributesToGet");
	if (!r->select)
		r->select = projected ? "SPECIFIC_ATTRIBUTES"
			    : r->ix   ? "ALL_PROJECTED_ATTRIBUTES"
				      : "ALL_ATTRIBUTES";
	if (strcmp(r->select, "COUNT") == 0 && projected)
		return ddb_invalid(err,
				   "Cannot specify the ProjectionExpression when choosing to get "
				   "only the COUNT");
	if (strcmp(r->select, "SPECIFIC_ATTRIBUTES") == 0 && !projected)
		return ddb_invalid(err, "One or more parameter values were invalid: Select type "
					"SPECIFIC_ATTRIBUTES requires AttributesToGet or "
					"ProjectionExpression");
	if ((strcmp(r->select, "ALL_ATTRIBUTES") == 0 ||
	     strcmp(r->select, "ALL_PROJECTED_ATTRIBUTES") == 0) &&
	    projected)
		return ddb_invalid(err, "One or more parameter values were invalid: Cannot specify "
					"the AttributesToGet when choosing to get ALL_ATTRIBUTES");
	if (strcmp(r->select, "ALL_PROJECTED_ATTRIBUTES") == 0 && !r->ix)
		return ddb_invalid(err, "One or more parameter values were invalid: Select type "
					"ALL_PROJECTED_ATTRIBUTES is not supported for non-index "
					"scan or query");
	if (strcmp(r->select, "ALL_ATTRIBUTES") == 0 && r->ix && r->ix->global &&
	    r->ix->projection != DDB_PROJECT_ALL)
		return ddb_invalid(err,
				   "One or more parameter values were invalid: Select type "
				   "ALL_ATTRIBUTES is not supported for global secondary index %s "
				   "because its projection type is not ALL",
				   r->ix->name);
	return true;
}

struct filter_check {
	const struct ddb_key_schema *k;
	const char *bad;
};

static void filter_root(const char *name, void *arg)
{
	struct filter_check *fc = arg;
	if (!fc->bad &&
	    (strcmp(name, fc->k->hash) == 0 || (fc->k->range && strcmp(name, fc->k->range) == 0)))
		fc->bad = name;
}

/* The item a table or index row yields for a read, after the index's projection. */
static cJSON *row_item(struct ddb_svc *d, const struct reader *r, const char *text, const void *pk,
		       int npk, const void *sk, int nsk)
{
	cJSON *item = cJSON_Parse(text);
	/* A local index fetches what it does not project from the table. */
	if (item && r->ix && !r->ix->global && r->ix->projection != DDB_PROJECT_ALL &&
	    strcmp(r->select, "ALL_ATTRIBUTES") == 0) {
		struct ddb_keybytes k = { STRBUF_INIT, STRBUF_INIT };
		strbuf_add(&k.pk, pk, (size_t)npk);
		strbuf_add(&k.sk, sk, (size_t)nsk);
		cJSON *full = ddb_item_load(d, r->t, &k);
		ddb_keybytes_release(&k);
		if (full) {
			cJSON_Delete(item);
			item = full;
		}
	}
	return item;
}

/* The LastEvaluatedKey of an item: the table's key, and the index's when reading one. */
static cJSON *last_key(const struct reader *r, const cJSON *item)
{
	cJSON *k = ddb_key_extract(&r->t->key, item);
	if (k && r->ix) {
		const char *names[2] = { r->ix->key.hash, r->ix->key.range };
		for (int i = 0; i < 2 && names[i]; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, names[i]);
			if (v && !cJSON_GetObjectItemCaseSensitive(k, names[i]))
				cJSON_AddItemToObject(k, names[i], cJSON_Duplicate(v, 1));
		}
	}
	return k;
}

/* ExclusiveStartKey's bytes: the table's key, and the index's. */
static bool start_key(const struct reader *r, const cJSON *in, struct ddb_keybytes *tk,
		      struct ddb_keybytes *ik, bool *given, struct aws_err *err)
{
	const cJSON *esk = cJSON_GetObjectItemCaseSensitive(in, "ExclusiveStartKey");
	*given = esk != NULL;
	if (!esk)
		return true;
	struct aws_err inner;
	cJSON *clean = ddb_map_clean(esk, err);
	if (!clean)
		return false;
	cJSON *tkey = ddb_key_extract(&r->t->key, clean);
	bool ok = tkey && ddb_key_from_key(r->t, tkey, tk, &inner);
	if (ok && r->ix) {
		const char *names[2] = { r->ix->key.hash, r->ix->key.range };
		enum ddb_type types[2] = { r->ix->key.htype, r->ix->key.rtype };
		struct strbuf *bufs[2] = { &ik->pk, &ik->sk };
		for (int i = 0; i < 2 && names[i] && ok; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(clean, names[i]);
			ok = v && ddb_av_type(v) == types[i] && ddb_av_key(v, bufs[i]);
		}
	}
	/* Nothing else may be in it. */
	if (ok) {
		int want = r->t->key.range ? 2 : 1;
		if (r->ix) {
			const char *names[2] = { r->ix->key.hash, r->ix->key.range };
			for (int i = 0; i < 2 && names[i]; i++)
				if (!cJSON_GetObjectItemCaseSensitive(tkey, names[i]))
					want++;
		}
		ok = cJSON_GetArraySize(clean) == want;
	}
	cJSON_Delete(tkey);
	cJSON_Delete(clean);
	if (!ok)
		return ddb_invalid(err, "The provided starting key is invalid: The provided key "
					"element does not match the schema");
	return true;
}

/* Read rows from st until Limit or 1 MB; fill out's Items, Count, ScannedCount,
 * LastEvaluatedKey. */
static void collect(struct ddb_svc *d, struct reader *r, const cJSON *in, sqlite3_stmt *st,
		    int item_col, int pk_col, int sk_col, cJSON *out)
{
	bool count_only = strcmp(r->select, "COUNT") == 0;
	cJSON *items = count_only ? NULL : cJSON_AddArrayToObject(out, "Items");
	long scanned = 0, count = 0;
	size_t bytes = 0;
	cJSON *lek = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *item =
			row_item(d, r, (const char *)sqlite3_column_text(st, item_col),
				 sqlite3_column_blob(st, pk_col), sqlite3_column_bytes(st, pk_col),
				 sqlite3_column_blob(st, sk_col), sqlite3_column_bytes(st, sk_col));
		if (!item)
			continue;
		scanned++;
		bytes += ddb_item_size(item);
		if (ddb_expr_match(r->x.filter, item)) {
			count++;
			if (items)
				cJSON_AddItemToArray(items, ddb_read_project(in, &r->x, item));
		}
		bool full = (r->limit && scanned >= r->limit) || bytes >= PAGE_BYTES;
		if (full)
			lek = last_key(r, item);
		cJSON_Delete(item);
		if (full)
			break;
	}
	cJSON_AddNumberToObject(out, "Count", (double)count);
	cJSON_AddNumberToObject(out, "ScannedCount", (double)scanned);
	if (lek)
		cJSON_AddItemToObject(out, "LastEvaluatedKey", lek);
	double units = (double)((bytes + 4095) / 4096);
	if (units < 1)
		units = 1;
	cJSON *cap = ddb_capacity(in, r->t, r->consistent ? units : units / 2, false);
	if (cap)
		cJSON_AddItemToObject(out, "ConsumedCapacity", cap);
}

/* The smallest byte string above every string starting with prefix; false when none is. */
static bool prefix_end(const struct strbuf *prefix, struct strbuf *out)
{
	strbuf_add(out, prefix->buf ? prefix->buf : "", prefix->len);
	while (out->len && (unsigned char)out->buf[out->len - 1] == 0xff)
		strbuf_setlen(out, out->len - 1);
	if (!out->len)
		return false;
	out->buf[out->len - 1]++;
	return true;
}

DDB_OP(query)
{
	struct ddb_svc *d = ddb_of(call);
	struct reader r;
	struct ddb_keybytes tk = { STRBUF_INIT, STRBUF_INIT }, ik = tk;
	struct strbuf hv = STRBUF_INIT, v1 = STRBUF_INIT, v2 = STRBUF_INIT, sql = STRBUF_INIT;
	sqlite3_stmt *st = NULL;
	cJSON *out = NULL;
	bool given;
	if (!setup(call, in, &r, true, err))
		goto done;
	if (!ddb_expr_key_conds(r.x.key, r.key->hash, r.key->range, err))
		goto done;
	struct filter_check fc = { r.key, NULL };
	if (r.x.filter)
		ddb_expr_roots(r.x.filter, filter_root, &fc);
	if (fc.bad) {
		ddb_invalid(
			err,
			"Filter Expression can only contain non-primary key attributes: Primary "
			"key attribute: %s",
			fc.bad);
		goto done;
	}
	const struct ddb_key_cond *hc = &r.x.key->keys[0];
	const struct ddb_key_cond *rc = r.x.key->nkeys > 1 ? &r.x.key->keys[1] : NULL;
	if (ddb_av_type(hc->value) != r.key->htype ||
	    (rc && (ddb_av_type(rc->value) != r.key->rtype ||
		    (rc->value2 && ddb_av_type(rc->value2) != r.key->rtype)))) {
		ddb_invalid(err, "One or more parameter values were invalid: Condition parameter "
				 "type does not match schema type");
		goto done;
	}
	if (rc && rc->op == DDB_KEY_BETWEEN) {
		bool ok;
		if (ddb_av_compare(rc->value, rc->value2, &ok) > 0) {
			ddb_invalid(err,
				    "Invalid KeyConditionExpression: The BETWEEN operator "
				    "requires upper bound to be greater than or equal to lower "
				    "bound");
			goto done;
		}
	}
	if (!start_key(&r, in, &tk, &ik, &given, err))
		goto done;
	ddb_av_key(hc->value, &hv);
	if (rc) {
		ddb_av_key(rc->value, &v1);
		if (rc->value2)
			ddb_av_key(rc->value2, &v2);
	}
	const cJSON *fwd = cJSON_GetObjectItemCaseSensitive(in, "ScanIndexForward");
	bool asc = !cJSON_IsFalse(fwd);
	const char *skcol = r.ix ? "isk" : "sk";
	if (r.ix)
		strbuf_addstr(&sql, "SELECT item, pk, sk FROM ddb_index_items WHERE tbl = ?1 AND "
				    "idx = ?2 AND ipk = ?3");
	else
		strbuf_addstr(&sql,
			      "SELECT item, pk, sk FROM ddb_items WHERE tbl = ?1 AND pk = ?3");
	bool has_end = false;
	struct strbuf end = STRBUF_INIT;
	if (rc) {
		switch (rc->op) {
		case DDB_KEY_EQ:
			strbuf_addf(&sql, " AND %s = ?4", skcol);
			break;
		case DDB_KEY_LT:
			strbuf_addf(&sql, " AND %s < ?4", skcol);
			break;
		case DDB_KEY_LE:
			strbuf_addf(&sql, " AND %s <= ?4", skcol);
			break;
		case DDB_KEY_GT:
			strbuf_addf(&sql, " AND %s > ?4", skcol);
			break;
		case DDB_KEY_GE:
			strbuf_addf(&sql, " AND %s >= ?4", skcol);
			break;
		case DDB_KEY_BETWEEN:
			strbuf_addf(&sql, " AND %s >= ?4 AND %s <= ?5", skcol, skcol);
			break;
		case DDB_KEY_BEGINS:
			strbuf_addf(&sql, " AND %s >= ?4", skcol);
			has_end = prefix_end(&v1, &end);
			if (has_end)
				strbuf_addf(&sql, " AND %s < ?5", skcol);
			break;
		}
	}
	if (given) {
		if (r.ix)
			strbuf_addf(&sql, " AND (isk, pk, sk) %s (?6, ?7, ?8)", asc ? ">" : "<");
		else
			strbuf_addf(&sql, " AND sk %s ?8", asc ? ">" : "<");
	}
	if (r.ix)
		strbuf_addf(&sql, " ORDER BY isk %s, pk %s, sk %s", asc ? "ASC" : "DESC",
			    asc ? "ASC" : "DESC", asc ? "ASC" : "DESC");
	else
		strbuf_addf(&sql, " ORDER BY sk %s", asc ? "ASC" : "DESC");
	sqlite3_prepare_v2(d->db->db, sql.buf, -1, &st, NULL);
	sqlite3_bind_int64(st, 1, r.t->id);
	if (r.ix)
		sqlite3_bind_int64(st, 2, r.ix->num);
	add_bytes(st, 3, &hv);
	if (rc)
		add_bytes(st, 4, &v1);
	if (rc && rc->op == DDB_KEY_BETWEEN)
		add_bytes(st, 5, &v2);
	if (has_end)
		add_bytes(st, 5, &end);
	if (given) {
		if (r.ix) {
			add_bytes(st, 6, &ik.sk);
			add_bytes(st, 7, &tk.pk);
		}
		add_bytes(st, 8, &tk.sk);
	}
	strbuf_release(&end);
	out = cJSON_CreateObject();
	collect(d, &r, in, st, 0, 1, 2, out);
done:
	sqlite3_finalize(st);
	strbuf_release(&hv);
	strbuf_release(&v1);
	strbuf_release(&v2);
	strbuf_release(&sql);
	ddb_keybytes_release(&tk);
	ddb_keybytes_release(&ik);
	ddb_request_exprs_release(&r.x);
	return out;
}

DDB_OP(scan)
{
	struct ddb_svc *d = ddb_of(call);
	struct reader r;
	struct ddb_keybytes tk = { STRBUF_INIT, STRBUF_INIT }, ik = tk;
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *st = NULL;
	cJSON *out = NULL;
	bool given;
	const cJSON *seg = cJSON_GetObjectItemCaseSensitive(in, "Segment");
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(in, "TotalSegments");
	if (seg && !total)
		return ddb_invalid(err, "The TotalSegments parameter is required but was not "
					"present in the request when Segment parameter is present"),
		       NULL;
	if (total && !seg)
		return ddb_invalid(err, "The Segment parameter is required but was not present in "
					"the request when parameter TotalSegments is present"),
		       NULL;
	long segment = seg ? (long)seg->valuedouble : 0,
	     segments = total ? (long)total->valuedouble : 1;
	if (segments < 1 || segments > 1000000)
		return ddb_invalid(err,
				   "1 validation error detected: Value '%ld' at 'totalSegments' "
				   "failed to satisfy constraint: Member must have value %s",
				   segments,
				   segments < 1 ? "greater than or equal to 1"
						: "less than or equal to 1000000"),
		       NULL;
	if (segment < 0 || segment >= segments)
		return ddb_invalid(err,
				   "The Segment parameter is zero-based and must be less than "
				   "parameter TotalSegments: Segment: %ld is not less than "
				   "TotalSegments: %ld",
				   segment, segments),
		       NULL;
	if (!setup(call, in, &r, false, err))
		goto done;
	if (!start_key(&r, in, &tk, &ik, &given, err))
		goto done;
	int64_t lo = (int64_t)((uint64_t)segment * 4294967296ULL / (uint64_t)segments);
	int64_t hi = (int64_t)((uint64_t)(segment + 1) * 4294967296ULL / (uint64_t)segments);
	if (r.ix) {
		strbuf_addstr(&sql, "SELECT item, pk, sk FROM ddb_index_items WHERE tbl = ?1 AND "
				    "idx = ?2 AND hash >= ?3 AND hash < ?4");
		if (given)
			strbuf_addstr(&sql, " AND (hash, ipk, isk, pk, sk) > (?5, ?6, ?7, ?8, ?9)");
		strbuf_addstr(&sql, " ORDER BY hash, ipk, isk, pk, sk");
	} else {
		strbuf_addstr(&sql, "SELECT item, pk, sk FROM ddb_items WHERE tbl = ?1 AND "
				    "hash >= ?3 AND hash < ?4");
		if (given)
			strbuf_addstr(&sql, " AND (hash, pk, sk) > (?5, ?8, ?9)");
		strbuf_addstr(&sql, " ORDER BY hash, pk, sk");
	}
	sqlite3_prepare_v2(d->db->db, sql.buf, -1, &st, NULL);
	sqlite3_bind_int64(st, 1, r.t->id);
	if (r.ix)
		sqlite3_bind_int64(st, 2, r.ix->num);
	sqlite3_bind_int64(st, 3, lo);
	sqlite3_bind_int64(st, 4, hi);
	if (given) {
		sqlite3_bind_int64(st, 5, ddb_key_hash(r.ix ? &ik.pk : &tk.pk));
		if (r.ix) {
			add_bytes(st, 6, &ik.pk);
			add_bytes(st, 7, &ik.sk);
		}
		add_bytes(st, 8, &tk.pk);
		add_bytes(st, 9, &tk.sk);
	}
	out = cJSON_CreateObject();
	collect(d, &r, in, st, 0, 1, 2, out);
done:
	sqlite3_finalize(st);
	strbuf_release(&sql);
	ddb_keybytes_release(&tk);
	ddb_keybytes_release(&ik);
	ddb_request_exprs_release(&r.x);
	return out;
}
