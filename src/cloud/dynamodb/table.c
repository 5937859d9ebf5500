/*
 * DynamoDB tables: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, the TTL
 * and tag operations, and the cache of table definitions the item operations read.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/db.h"
#include "cloud/dynamodb/ddb.h"
#include "cloud/http/aws.h"
#include "cloud/svc/svc.h"

/* --- definitions in memory --- */

static void key_schema_release(struct ddb_key_schema *k)
{
	free(k->hash);
	free(k->range);
}

static void table_free(struct ddb_table *t)
{
	if (!t)
		return;
	free(t->name);
	cJSON_Delete(t->def);
	key_schema_release(&t->key);
	for (size_t i = 0; i < t->nindexes; i++) {
		free(t->indexes[i].name);
		key_schema_release(&t->indexes[i].key);
		for (size_t j = 0; j < t->indexes[i].ninclude; j++)
			free(t->indexes[i].include[j]);
		free(t->indexes[i].include);
	}
	free(t->indexes);
	free(t->ttl_attr);
	free(t);
}

static enum ddb_type attr_type(const cJSON *defs, const char *name)
{
	const cJSON *d;
	cJSON_ArrayForEach(d, defs)
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(d, "AttributeName");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(d, "AttributeType");
		if (cJSON_IsString(n) && cJSON_IsString(t) && strcmp(n->valuestring, name) == 0)
			return ddb_type_from_name(t->valuestring);
	}
	return DDB_NONE;
}

/* A KeySchema's hash and range (already checked). */
static void key_schema_read(const cJSON *schema, const cJSON *defs, struct ddb_key_schema *k)
{
	const cJSON *e;
	memset(k, 0, sizeof(*k));
	cJSON_ArrayForEach(e, schema)
	{
		const char *name =
			cJSON_GetObjectItemCaseSensitive(e, "AttributeName")->valuestring;
		const char *type = cJSON_GetObjectItemCaseSensitive(e, "KeyType")->valuestring;
		if (strcmp(type, "HASH") == 0) {
			k->hash = xstrdup(name);
			k->htype = attr_type(defs, name);
		} else {
			k->range = xstrdup(name);
			k->rtype = attr_type(defs, name);
		}
	}
}

static void index_read(const cJSON *ix, const cJSON *defs, bool global, struct ddb_index *out)
{
	memset(out, 0, sizeof(*out));
	out->name = xstrdup(cJSON_GetObjectItemCaseSensitive(ix, "IndexName")->valuestring);
	out->global = global;
	const cJSON *num = cJSON_GetObjectItemCaseSensitive(ix, "_num");
	out->num = cJSON_IsNumber(num) ? (int64_t)num->valuedouble : 0;
	key_schema_read(cJSON_GetObjectItemCaseSensitive(ix, "KeySchema"), defs, &out->key);
	const cJSON *proj = cJSON_GetObjectItemCaseSensitive(ix, "Projection");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(proj, "ProjectionType");
	out->projection = !cJSON_IsString(type) || strcmp(type->valuestring, "ALL") == 0
				  ? DDB_PROJECT_ALL
			  : strcmp(type->valuestring, "KEYS_ONLY") == 0 ? DDB_PROJECT_KEYS
									: DDB_PROJECT_INCLUDE;
	const cJSON *inc = cJSON_GetObjectItemCaseSensitive(proj, "NonKeyAttributes"), *e;
	cJSON_ArrayForEach(e, inc)
	{
		out->include = xreallocarray(out->include, out->ninclude + 1, sizeof(char *));
		out->include[out->ninclude++] = xstrdup(e->valuestring);
	}
}

static struct ddb_table *table_from_def(int64_t id, const char *account, const char *region,
					const char *name, int64_t created, cJSON *def)
{
	struct ddb_table *t = xcalloc(1, sizeof(*t));
	t->id = id;
	snprintf(t->account, sizeof(t->account), "%s", account);
	snprintf(t->region, sizeof(t->region), "%s", region);
	t->name = xstrdup(name);
	t->created_ms = created;
	t->def = def;
	const cJSON *defs = cJSON_GetObjectItemCaseSensitive(def, "AttributeDefinitions");
	key_schema_read(cJSON_GetObjectItemCaseSensitive(def, "KeySchema"), defs, &t->key);
	const char *kinds[] = { "LocalSecondaryIndexes", "GlobalSecondaryIndexes" };
	for (int g = 0; g < 2; g++) {
		const cJSON *ix;
		cJSON_ArrayForEach(ix, cJSON_GetObjectItemCaseSensitive(def, kinds[g]))
		{
			t->indexes =
				xreallocarray(t->indexes, t->nindexes + 1, sizeof(*t->indexes));
			index_read(ix, defs, g == 1, &t->indexes[t->nindexes++]);
		}
	}
	const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(def, "_ttl");
	if (cJSON_IsString(ttl))
		t->ttl_attr = xstrdup(ttl->valuestring);
	const cJSON *stream = cJSON_GetObjectItemCaseSensitive(def, "_stream");
	if (cJSON_IsNumber(stream)) {
		t->stream = (int64_t)stream->valuedouble;
		const cJSON *spec = cJSON_GetObjectItemCaseSensitive(def, "StreamSpecification");
		const cJSON *vt = cJSON_GetObjectItemCaseSensitive(spec, "StreamViewType");
		snprintf(t->view_type, sizeof(t->view_type), "%s",
			 cJSON_IsString(vt) ? vt->valuestring : "KEYS_ONLY");
	}
	return t;
}

struct ddb_table *ddb_table_find(struct ddb_svc *d, const char *account, const char *region,
				 const char *name)
{
	vec_for_each (&d->tables, i) {
		struct ddb_table *t = d->tables.items[i];
		if (strcmp(t->name, name) == 0 && strcmp(t->account, account) == 0 &&
		    strcmp(t->region, region) == 0)
			return t;
	}
	sqlite3_stmt *st = NULL;
	struct ddb_table *t = NULL;
	sqlite3_prepare_v2(
		d->db->db,
		"SELECT id, created, def FROM ddb_tables WHERE account = ? AND region = ?"
		" AND name = ?",
		-1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, region, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *def = cJSON_Parse((const char *)sqlite3_column_text(st, 2));
		if (def) {
			t = table_from_def(sqlite3_column_int64(st, 0), account, region, name,
					   sqlite3_column_int64(st, 1), def);
			vec_push(&d->tables, t);
		}
	}
	sqlite3_finalize(st);
	return t;
}

void ddb_table_forget(struct ddb_svc *d, const char *account)
{
	size_t keep = 0;
	vec_for_each (&d->tables, i) {
		struct ddb_table *t = d->tables.items[i];
		if (!account || strcmp(t->account, account) == 0)
			table_free(t);
		else
			d->tables.items[keep++] = t;
	}
	d->tables.len = keep;
}

static void forget_table(struct ddb_svc *d, struct ddb_table *t)
{
	vec_for_each (&d->tables, i)
		if (d->tables.items[i] == t) {
			d->tables.items[i] = d->tables.items[--d->tables.len];
			table_free(t);
			return;
		}
}

struct ddb_table *ddb_table_for(struct svc_call *call, const char *name, struct aws_err *err)
{
	if (!name)
		return ddb_invalid(err, "The parameter 'TableName' is required but was not present "
					"in the request"),
		       NULL;
	struct ddb_table *t =
		ddb_table_find(ddb_of(call), call->caller->account, call->caller->region, name);
	if (!t)
		ddb_error(err, "ResourceNotFoundException", "Requested resource not found");
	return t;
}

void ddb_table_arn(const struct ddb_table *t, struct strbuf *out)
{
	strbuf_addf(out, "arn:aws:dynamodb:%s:%s:table/%s", t->region, t->account, t->name);
}

const struct ddb_index *ddb_table_index(const struct ddb_table *t, const char *name)
{
	for (size_t i = 0; i < t->nindexes; i++)
		if (strcmp(t->indexes[i].name, name) == 0)
			return &t->indexes[i];
	return NULL;
}

static bool save_def(struct ddb_svc *d, struct ddb_table *t, struct aws_err *err)
{
	char *text = cJSON_PrintUnformatted(t->def);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(d->db->db, "UPDATE ddb_tables SET def = ? WHERE id = ?", -1, &st, NULL);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, t->id);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	free(text);
	if (!ok)
		ddb_error(err, "InternalServerError", "Internal server error");
	return ok;
}

/* --- checks --- */

/* A KeySchema: one HASH first, at most one RANGE, each attribute defined. */
static bool check_key_schema(const cJSON *schema, const cJSON *defs, const char *index,
			     struct aws_err *err)
{
	int n = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, schema)
	{
		const char *name = ddb_str(e, "AttributeName");
		const char *type = ddb_str(e, "KeyType");
		if (!name || !type)
			return ddb_invalid(err,
					   "Invalid KeySchema: Some index key attribute have no "
					   "definition");
		if (n == 0 && strcmp(type, "HASH") != 0)
			return ddb_invalid(err,
					   "Invalid KeySchema: The first KeySchemaElement is not "
					   "a HASH key type");
		if (n == 1 && strcmp(type, "RANGE") != 0)
			return ddb_invalid(err, "Invalid KeySchema: The second KeySchemaElement is "
						"not a RANGE key type");
		if (n == 1 && strcmp(name, ddb_str(schema->child, "AttributeName")) == 0)
			return ddb_invalid(err,
					   "Both the Hash Key and the Range Key element in the "
					   "KeySchema have the same name");
		if (attr_type(defs, name) == DDB_NONE) {
			if (!index)
				return ddb_invalid(err,
						   "Invalid KeySchema: Some index key attribute "
						   "have no definition");
			return ddb_invalid(
				err,
				"One or more parameter values were invalid: Some index key "
				"attributes are not defined in AttributeDefinitions. Keys: "
				"[%s], AttributeDefinitions: [%s]",
				name, "...");
		}
		n++;
	}
	if (n == 0 || n > 2)
		return ddb_invalid(err,
				   "1 validation error detected: Value at 'keySchema' failed "
				   "to satisfy constraint: Member must have length less than or "
				   "equal to 2");
	return true;
}

static bool check_projection(const cJSON *ix, const char *name, struct aws_err *err)
{
	const cJSON *proj = cJSON_GetObjectItemCaseSensitive(ix, "Projection");
	const char *type = ddb_str(proj, "ProjectionType");
	const cJSON *inc = cJSON_GetObjectItemCaseSensitive(proj, "NonKeyAttributes");
	if (!proj)
		return ddb_invalid(
			err,
			"One or more parameter values were invalid: Projection is required "
			"for index: %s",
			name);
	if (type && strcmp(type, "INCLUDE") != 0 && inc)
		return ddb_invalid(
			err,
			"One or more parameter values were invalid: ProjectionType is %s, "
			"but NonKeyAttributes is specified",
			type);
	if (type && strcmp(type, "INCLUDE") == 0 && !cJSON_GetArraySize(inc))
		return ddb_invalid(err, "One or more parameter values were invalid: ProjectionType "
					"is INCLUDE, but NonKeyAttributes is not specified");
	return true;
}

static bool check_throughput(const cJSON *in, const char *billing, struct aws_err *err)
{
	const cJSON *pt = cJSON_GetObjectItemCaseSensitive(in, "ProvisionedThroughput");
	if (billing && strcmp(billing, "PAY_PER_REQUEST") == 0) {
		if (pt)
			return ddb_invalid(err,
					   "One or more parameter values were invalid: Neither "
					   "ReadCapacityUnits nor WriteCapacityUnits can be "
					   "specified when BillingMode is PAY_PER_REQUEST");
		return true;
	}
	if (!pt)
		return ddb_invalid(err, "One or more parameter values were invalid: "
					"ReadCapacityUnits and WriteCapacityUnits must both be "
					"specified when BillingMode is PROVISIONED");
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(pt, "ReadCapacityUnits");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(pt, "WriteCapacityUnits");
	if (!cJSON_IsNumber(r) || !cJSON_IsNumber(w) || r->valuedouble < 1 || w->valuedouble < 1)
		return ddb_invalid(err,
				   "One or more parameter values were invalid: Each of "
				   "ReadCapacityUnits and WriteCapacityUnits must be at least 1");
	return true;
}

/* Every key of the table and its indexes, and nothing else, is in AttributeDefinitions. */
static bool check_definitions_used(const cJSON *def, struct aws_err *err)
{
	const cJSON *defs = cJSON_GetObjectItemCaseSensitive(def, "AttributeDefinitions"), *d;
	struct strbuf names = STRBUF_INIT, used = STRBUF_INIT;
	bool all_used = true;
	cJSON_ArrayForEach(d, defs)
	{
		const char *name = ddb_str(d, "AttributeName");
		if (!name)
			continue;
		bool found = false;
		const char *where[] = { "KeySchema", "LocalSecondaryIndexes",
					"GlobalSecondaryIndexes" };
		for (int w = 0; w < 3 && !found; w++) {
			const cJSON *list = cJSON_GetObjectItemCaseSensitive(def, where[w]), *x, *k;
			if (w == 0) {
				cJSON_ArrayForEach(k, list) found =
					found || (ddb_str(k, "AttributeName") &&
						  strcmp(ddb_str(k, "AttributeName"), name) == 0);
				continue;
			}
			cJSON_ArrayForEach(x, list)
			{
				cJSON_ArrayForEach(
					k, cJSON_GetObjectItemCaseSensitive(x, "KeySchema")) found =
					found || (ddb_str(k, "AttributeName") &&
						  strcmp(ddb_str(k, "AttributeName"), name) == 0);
			}
		}
		strbuf_addf(&names, "%s%s", names.len ? ", " : "", name);
		if (found)
			strbuf_addf(&used, "%s%s", used.len ? ", " : "", name);
		all_used = all_used && found;
	}
	if (!all_used)
		ddb_invalid(
			err,
			"One or more parameter values were invalid: Some AttributeDefinitions are "
			"not used. AttributeDefinitions: [%s], keys used: [%s]",
			names.buf, used.buf);
	strbuf_release(&names);
	strbuf_release(&used);
	return all_used;
}

static bool check_indexes(cJSON *def, struct aws_err *err)
{
	const cJSON *defs = cJSON_GetObjectItemCaseSensitive(def, "AttributeDefinitions");
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(def, "KeySchema");
	const char *hash = ddb_str(schema->child, "AttributeName");
	bool has_range = cJSON_GetArraySize(schema) == 2;
	const char *kinds[] = { "LocalSecondaryIndexes", "GlobalSecondaryIndexes" };
	int64_t num = 1;
	struct vec seen = VEC_INIT;
	bool ok = false;
	for (int g = 0; g < 2; g++) {
		cJSON *list = cJSON_GetObjectItemCaseSensitive(def, kinds[g]), *ix;
		if (list && !cJSON_GetArraySize(list)) {
			ddb_invalid(
				err,
				"One or more parameter values were invalid: List of %s is empty",
				kinds[g]);
			goto done;
		}
		if (g == 0 && list && !has_range) {
			ddb_invalid(err,
				    "One or more parameter values were invalid: Table KeySchema "
				    "does not have a range key, which is required when specifying "
				    "a LocalSecondaryIndex");
			goto done;
		}
		cJSON_ArrayForEach(ix, list)
		{
			const char *name = ddb_str(ix, "IndexName");
			const cJSON *ks = cJSON_GetObjectItemCaseSensitive(ix, "KeySchema");
			if (!name || !ks)
				goto bad;
			vec_for_each (&seen, i)
				if (strcmp(seen.items[i], name) == 0) {
					ddb_invalid(err,
						    "One or more parameter values were invalid: "
						    "Duplicate index "
						    "name: %s",
						    name);
					goto done;
				}
			vec_push(&seen, (void *)name);
			if (!check_key_schema(ks, defs, name, err) ||
			    !check_projection(ix, name, err))
				goto done;
			if (g == 0) {
				if (cJSON_GetArraySize(ks) != 2) {
					ddb_invalid(
						err,
						"One or more parameter values were invalid: Index "
						"KeySchema does not have a range key for index: %s",
						name);
					goto done;
				}
				if (strcmp(ddb_str(ks->child, "AttributeName"), hash) != 0) {
					ddb_invalid(
						err,
						"One or more parameter values were invalid: Index "
						"KeySchema does not have the same leading hash key "
						"as "
						"table KeySchema for index: %s. index hash key: "
						"%s, table "
						"hash key: %s",
						name, ddb_str(ks->child, "AttributeName"), hash);
					goto done;
				}
			}
			cJSON_DeleteItemFromObjectCaseSensitive(ix, "_num");
			cJSON_AddNumberToObject(ix, "_num", (double)num++);
		}
	}
	ok = true;
	goto done;
bad:
	ddb_invalid(err, "Invalid KeySchema: Some index key attribute have no definition");
done:
	vec_release(&seen);
	return ok;
}

static bool check_stream_spec(const cJSON *spec, bool *enabled, const char **view,
			      struct aws_err *err)
{
	*enabled = false;
	*view = NULL;
	if (!spec)
		return true;
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(spec, "StreamEnabled");
	*view = ddb_str(spec, "StreamViewType");
	*enabled = cJSON_IsTrue(en);
	if (*enabled && !*view)
		return ddb_invalid(err, "One or more parameter values were invalid: "
					"StreamSpecification: StreamViewType is required when "
					"StreamEnabled is true");
	if (!*enabled && *view)
		return ddb_invalid(err,
				   "One or more parameter values were invalid: "
				   "StreamSpecification: StreamViewType cannot be specified when "
				   "StreamEnabled is false");
	return true;
}

/* --- descriptions --- */

static void add_counts(struct ddb_svc *d, const struct ddb_table *t, const struct ddb_index *ix,
		       cJSON *o)
{
	sqlite3_stmt *st = NULL;
	if (ix) {
		sqlite3_prepare_v2(d->db->db,
				   "SELECT count(*), coalesce(sum(length(item)), 0) FROM "
				   "ddb_index_items WHERE tbl = ? AND idx = ?",
				   -1, &st, NULL);
		sqlite3_bind_int64(st, 2, ix->num);
	} else {
		sqlite3_prepare_v2(
			d->db->db,
			"SELECT count(*), coalesce(sum(size), 0) FROM ddb_items WHERE tbl = ?", -1,
			&st, NULL);
	}
	sqlite3_bind_int64(st, 1, t->id);
	double count = 0, bytes = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		count = (double)sqlite3_column_int64(st, 0);
		bytes = (double)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	cJSON_AddNumberToObject(o, ix ? "IndexSizeBytes" : "TableSizeBytes", bytes);
	cJSON_AddNumberToObject(o, "ItemCount", count);
}

static cJSON *throughput_desc(const cJSON *pt)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "NumberOfDecreasesToday", 0);
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(pt, "ReadCapacityUnits");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(pt, "WriteCapacityUnits");
	cJSON_AddNumberToObject(o, "ReadCapacityUnits", cJSON_IsNumber(r) ? r->valuedouble : 0);
	cJSON_AddNumberToObject(o, "WriteCapacityUnits", cJSON_IsNumber(w) ? w->valuedouble : 0);
	return o;
}

static cJSON *describe(struct ddb_svc *d, const struct ddb_table *t, const char *status)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *def = t->def;
	struct strbuf arn = STRBUF_INIT;
	ddb_table_arn(t, &arn);
	cJSON_AddItemToObject(
		o, "AttributeDefinitions",
		cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(def, "AttributeDefinitions"), 1));
	cJSON_AddStringToObject(o, "TableName", t->name);
	cJSON_AddItemToObject(
		o, "KeySchema",
		cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(def, "KeySchema"), 1));
	cJSON_AddStringToObject(o, "TableStatus", status);
	cJSON_AddNumberToObject(o, "CreationDateTime", (double)t->created_ms / 1000.0);
	const char *billing = ddb_str(def, "BillingMode");
	bool ppr = billing && strcmp(billing, "PAY_PER_REQUEST") == 0;
	cJSON_AddItemToObject(
		o, "ProvisionedThroughput",
		throughput_desc(cJSON_GetObjectItemCaseSensitive(def, "ProvisionedThroughput")));
	add_counts(d, t, NULL, o);
	cJSON_AddStringToObject(o, "TableArn", arn.buf);
	cJSON_AddStringToObject(o, "TableId", ddb_str(def, "_id") ? ddb_str(def, "_id") : "");
	cJSON *bms = cJSON_AddObjectToObject(o, "BillingModeSummary");
	cJSON_AddStringToObject(bms, "BillingMode", ppr ? "PAY_PER_REQUEST" : "PROVISIONED");
	if (ppr)
		cJSON_AddNumberToObject(bms, "LastUpdateToPayPerRequestDateTime",
					(double)t->created_ms / 1000.0);
	const char *kinds[] = { "LocalSecondaryIndexes", "GlobalSecondaryIndexes" };
	for (int g = 0; g < 2; g++) {
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(def, kinds[g]), *ix;
		if (!list)
			continue;
		cJSON *out = cJSON_AddArrayToObject(o, kinds[g]);
		cJSON_ArrayForEach(ix, list)
		{
			const char *name = ddb_str(ix, "IndexName");
			cJSON *x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "IndexName", name);
			cJSON_AddItemToObject(
				x, "KeySchema",
				cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ix, "KeySchema"),
						1));
			cJSON_AddItemToObject(
				x, "Projection",
				cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ix, "Projection"),
						1));
			if (g == 1) {
				cJSON_AddStringToObject(x, "IndexStatus", "ACTIVE");
				cJSON_AddItemToObject(
					x, "ProvisionedThroughput",
					throughput_desc(cJSON_GetObjectItemCaseSensitive(
						ix, "ProvisionedThroughput")));
			}
			const struct ddb_index *index = ddb_table_index(t, name);
			if (index)
				add_counts(d, t, index, x);
			struct strbuf iarn = STRBUF_INIT;
			strbuf_addf(&iarn, "%s/index/%s", arn.buf, name);
			cJSON_AddStringToObject(x, "IndexArn", iarn.buf);
			strbuf_release(&iarn);
			cJSON_AddItemToArray(out, x);
		}
	}
	if (t->stream) {
		cJSON *spec = cJSON_AddObjectToObject(o, "StreamSpecification");
		cJSON_AddTrueToObject(spec, "StreamEnabled");
		cJSON_AddStringToObject(spec, "StreamViewType", t->view_type);
		struct strbuf sarn = STRBUF_INIT, label = STRBUF_INIT;
		if (ddb_stream_arn(d, t->stream, &sarn, &label)) {
			cJSON_AddStringToObject(o, "LatestStreamLabel", label.buf);
			cJSON_AddStringToObject(o, "LatestStreamArn", sarn.buf);
		}
		strbuf_release(&sarn);
		strbuf_release(&label);
	}
	const cJSON *cls = cJSON_GetObjectItemCaseSensitive(def, "TableClass");
	if (cJSON_IsString(cls)) {
		cJSON *c = cJSON_AddObjectToObject(o, "TableClassSummary");
		cJSON_AddStringToObject(c, "TableClass", cls->valuestring);
	}
	cJSON_AddBoolToObject(
		o, "DeletionProtectionEnabled",
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(def, "DeletionProtectionEnabled")));
	strbuf_release(&arn);
	return o;
}

static cJSON *wrap(const char *member, cJSON *desc)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, member, desc);
	return o;
}

/* --- operations --- */

static struct ddb_table *named_table(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *name = ddb_str(in, "TableName");
	if (!name)
		return ddb_invalid(err, "The parameter 'TableName' is required but was not present "
					"in the request"),
		       NULL;
	struct ddb_table *t =
		ddb_table_find(ddb_of(call), call->caller->account, call->caller->region, name);
	if (!t)
		ddb_error(err, "ResourceNotFoundException",
			  "Requested resource not found: Table: %s not found", name);
	return t;
}

DDB_OP(create_table)
{
	struct ddb_svc *d = ddb_of(call);
	const char *name = ddb_str(in, "TableName");
	const cJSON *defs = cJSON_GetObjectItemCaseSensitive(in, "AttributeDefinitions");
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(in, "KeySchema");
	const char *billing = ddb_str(in, "BillingMode");
	cJSON *def = NULL, *out = NULL;
	bool stream_on = false;
	const char *view = NULL;
	if (!name || !cJSON_IsArray(defs) || !cJSON_IsArray(schema)) {
		ddb_invalid(err, "The parameter 'TableName', 'KeySchema' and "
				 "'AttributeDefinitions' are required");
		return NULL;
	}
	if (!check_key_schema(schema, defs, NULL, err) || !check_throughput(in, billing, err))
		return NULL;
	const cJSON *e;
	cJSON_ArrayForEach(e, defs)
	{
		const char *an = ddb_str(e, "AttributeName"), *at = ddb_str(e, "AttributeType");
		enum ddb_type ty = at ? ddb_type_from_name(at) : DDB_NONE;
		if (!an || (ty != DDB_S && ty != DDB_N && ty != DDB_B))
			return ddb_invalid(
				       err,
				       "1 validation error detected: Value '%s' at "
				       "'attributeDefinitions.1.member.attributeType' failed to "
				       "satisfy constraint: Member must satisfy enum value set: "
				       "[B, "
				       "N, S]",
				       at ? at : "null"),
			       NULL;
	}
	def = cJSON_CreateObject();
	const char *copy[] = { "AttributeDefinitions",
			       "KeySchema",
			       "LocalSecondaryIndexes",
			       "GlobalSecondaryIndexes",
			       "BillingMode",
			       "ProvisionedThroughput",
			       "StreamSpecification",
			       "SSESpecification",
			       "Tags",
			       "TableClass",
			       "DeletionProtectionEnabled" };
	for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(in, copy[i]);
		if (m)
			cJSON_AddItemToObject(def, copy[i], cJSON_Duplicate(m, 1));
	}
	if (!check_indexes(def, err) || !check_definitions_used(def, err) ||
	    !check_stream_spec(cJSON_GetObjectItemCaseSensitive(in, "StreamSpecification"),
			       &stream_on, &view, err))
		goto fail;
	const cJSON *gsi;
	cJSON_ArrayForEach(gsi, cJSON_GetObjectItemCaseSensitive(def, "GlobalSecondaryIndexes"))
	{
		const cJSON *pt = cJSON_GetObjectItemCaseSensitive(gsi, "ProvisionedThroughput");
		bool ppr = billing && strcmp(billing, "PAY_PER_REQUEST") == 0;
		if (ppr && pt) {
			ddb_invalid(err,
				    "One or more parameter values were invalid: "
				    "ProvisionedThroughput should not be specified for index: %s "
				    "when BillingMode is PAY_PER_REQUEST",
				    ddb_str(gsi, "IndexName"));
			goto fail;
		}
		if (!ppr && !pt) {
			ddb_invalid(
				err,
				"One or more parameter values were invalid: ProvisionedThroughput "
				"must be specified for index: %s",
				ddb_str(gsi, "IndexName"));
			goto fail;
		}
	}
	char id[37];
	aws_uuid(id);
	cJSON_AddStringToObject(def, "_id", id);
	if (ddb_table_find(d, call->caller->account, call->caller->region, name)) {
		ddb_error(err, "ResourceInUseException", "Table already exists: %s", name);
		goto fail;
	}
	int64_t now = ddb_now_ms(d, call->caller->account);
	if (!ddb_begin(d, err))
		goto fail;
	char *text = cJSON_PrintUnformatted(def);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(d->db->db,
			   "INSERT INTO ddb_tables(account, region, name, created, def)"
			   " VALUES (?, ?, ?, ?, ?)",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, call->caller->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, call->caller->region, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_TRANSIENT);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	free(text);
	struct ddb_table *t = NULL;
	if (ok) {
		t = table_from_def(sqlite3_last_insert_rowid(d->db->db), call->caller->account,
				   call->caller->region, name, now, def);
		def = NULL;
		vec_push(&d->tables, t);
		/* The stream's id goes into the saved definition, or a restart forgets it. */
		ok = !stream_on || (ddb_stream_enable(d, t, view, err) && save_def(d, t, err));
	}
	if (!ok || !ddb_commit(d, err)) {
		ddb_rollback(d);
		if (!err->code[0])
			ddb_error(err, "InternalServerError", "Internal server error");
		ddb_table_forget(d, call->caller->account);
		goto fail;
	}
	out = wrap("TableDescription", describe(d, t, "CREATING"));
fail:
	cJSON_Delete(def);
	return out;
}

DDB_OP(describe_table)
{
	struct ddb_table *t = named_table(call, in, err);
	return t ? wrap("Table", describe(ddb_of(call), t, "ACTIVE")) : NULL;
}

DDB_OP(list_tables)
{
	struct ddb_svc *d = ddb_of(call);
	const cJSON *limit = cJSON_GetObjectItemCaseSensitive(in, "Limit");
	const char *start = ddb_str(in, "ExclusiveStartTableName");
	int max = cJSON_IsNumber(limit) ? (int)limit->valuedouble : 100;
	if (max < 1 || max > 100)
		return ddb_invalid(err,
				   "1 validation error detected: Value '%d' at 'limit' failed to "
				   "satisfy constraint: Member must have value %s",
				   max,
				   max < 1 ? "greater than or equal to 1"
					   : "less than or equal to 100"),
		       NULL;
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(
		d->db->db,
		"SELECT name FROM ddb_tables WHERE account = ? AND region = ? AND name > ?"
		" ORDER BY name LIMIT ?",
		-1, &st, NULL);
	sqlite3_bind_text(st, 1, call->caller->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, call->caller->region, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, start ? start : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, max + 1);
	cJSON *out = cJSON_CreateObject(), *names = cJSON_AddArrayToObject(out, "TableNames");
	int n = 0;
	const char *last = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == max) {
			cJSON_AddStringToObject(out, "LastEvaluatedTableName", last);
			break;
		}
		cJSON *s = cJSON_CreateString((const char *)sqlite3_column_text(st, 0));
		cJSON_AddItemToArray(names, s);
		last = s->valuestring;
		n++;
	}
	sqlite3_finalize(st);
	return out;
}

/* Write the index rows of every item into a new index. */
static bool backfill(struct ddb_svc *d, struct ddb_table *t, struct aws_err *err)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(d->db->db, "SELECT pk, sk, item FROM ddb_items WHERE tbl = ?", -1, &st,
			   NULL);
	sqlite3_bind_int64(st, 1, t->id);
	bool ok = true;
	struct vec items = VEC_INIT;
	while (sqlite3_step(st) == SQLITE_ROW)
		vec_push(&items, cJSON_Parse((const char *)sqlite3_column_text(st, 2)));
	sqlite3_finalize(st);
	sqlite3_prepare_v2(d->db->db, "DELETE FROM ddb_index_items WHERE tbl = ?", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, t->id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	/* Store each item again over itself without a stream record: only the indexes change. */
	int64_t stream = t->stream;
	t->stream = 0;
	vec_for_each (&items, i) {
		cJSON *item = items.items[i];
		struct ddb_keybytes k = { STRBUF_INIT, STRBUF_INIT };
		if (ok && item) {
			cJSON *key = ddb_key_extract(&t->key, item);
			ok = key && ddb_key_from_key(t, key, &k, err) &&
			     ddb_item_store(d, t, &k, NULL, item, false, err);
			cJSON_Delete(key);
		}
		ddb_keybytes_release(&k);
		cJSON_Delete(item);
	}
	t->stream = stream;
	vec_release(&items);
	return ok;
}

static bool update_indexes(struct ddb_svc *d, struct ddb_table *t, const cJSON *in,
			   const cJSON *updates, bool *changed, struct aws_err *err)
{
	cJSON *def = t->def;
	const cJSON *u;
	const char *billing = ddb_str(def, "BillingMode");
	bool ppr = billing && strcmp(billing, "PAY_PER_REQUEST") == 0;
	cJSON_ArrayForEach(u, updates)
	{
		const cJSON *create = cJSON_GetObjectItemCaseSensitive(u, "Create");
		const cJSON *del = cJSON_GetObjectItemCaseSensitive(u, "Delete");
		const cJSON *upd = cJSON_GetObjectItemCaseSensitive(u, "Update");
		cJSON *list = cJSON_GetObjectItemCaseSensitive(def, "GlobalSecondaryIndexes");
		if (create) {
			const char *name = ddb_str(create, "IndexName");
			if (!name)
				return ddb_invalid(err,
						   "Invalid global secondary index: IndexName is "
						   "required");
			if (ddb_table_index(t, name))
				return ddb_invalid(
					err,
					"One or more parameter values were invalid: Index "
					"already exists: %s",
					name);
			if (!ppr &&
			    !cJSON_GetObjectItemCaseSensitive(create, "ProvisionedThroughput"))
				return ddb_invalid(
					err,
					"One or more parameter values were invalid: "
					"ProvisionedThroughput must be specified for index: %s",
					name);
			/* New attribute definitions come with the index. */
			const cJSON *defs =
				cJSON_GetObjectItemCaseSensitive(in, "AttributeDefinitions");
			const cJSON *nd;
			cJSON *have = cJSON_GetObjectItemCaseSensitive(def, "AttributeDefinitions");
			cJSON_ArrayForEach(nd, defs)
			{
				const char *an = ddb_str(nd, "AttributeName");
				if (an && attr_type(have, an) == DDB_NONE)
					cJSON_AddItemToArray(have, cJSON_Duplicate(nd, 1));
			}
			if (!list)
				list = cJSON_AddArrayToObject(def, "GlobalSecondaryIndexes");
			cJSON *ix = cJSON_Duplicate(create, 1);
			int64_t num = 1;
			for (size_t i = 0; i < t->nindexes; i++)
				if (t->indexes[i].num >= num)
					num = t->indexes[i].num + 1;
			const cJSON *nums = cJSON_GetObjectItemCaseSensitive(def, "_next_index");
			if (cJSON_IsNumber(nums) && nums->valuedouble > (double)num)
				num = (int64_t)nums->valuedouble;
			cJSON_DeleteItemFromObjectCaseSensitive(def, "_next_index");
			cJSON_AddNumberToObject(def, "_next_index", (double)(num + 1));
			if (!check_key_schema(cJSON_GetObjectItemCaseSensitive(ix, "KeySchema"),
					      have, name, err) ||
			    !check_projection(ix, name, err)) {
				cJSON_Delete(ix);
				return false;
			}
			cJSON_AddNumberToObject(ix, "_num", (double)num);
			cJSON_AddItemToArray(list, ix);
			*changed = true;
		} else if (del || upd) {
			const char *name = ddb_str(del ? del : upd, "IndexName");
			int at = 0;
			cJSON *ix;
			bool found = false;
			cJSON_ArrayForEach(ix, list)
			{
				if (name && strcmp(ddb_str(ix, "IndexName"), name) == 0) {
					found = true;
					break;
				}
				at++;
			}
			if (!found)
				return ddb_error(
					err, "ResourceNotFoundException",
					"Requested resource not found: Index: %s not found",
					name ? name : "");
			if (del) {
				cJSON_DeleteItemFromArray(list, at);
				if (!cJSON_GetArraySize(list))
					cJSON_DeleteItemFromObjectCaseSensitive(
						def, "GlobalSecondaryIndexes");
			} else {
				const cJSON *pt = cJSON_GetObjectItemCaseSensitive(
					upd, "ProvisionedThroughput");
				if (pt) {
					cJSON_DeleteItemFromObjectCaseSensitive(
						ix, "ProvisionedThroughput");
					cJSON_AddItemToObject(ix, "ProvisionedThroughput",
							      cJSON_Duplicate(pt, 1));
				}
			}
			*changed = true;
		}
	}
	return true;
}

/* Rebuild the in-memory table from its definition, keeping its identity. */
static struct ddb_table *reload(struct ddb_svc *d, struct ddb_table *t)
{
	struct ddb_table *n = table_from_def(t->id, t->account, t->region, t->name, t->created_ms,
					     cJSON_Duplicate(t->def, 1));
	vec_for_each (&d->tables, i)
		if (d->tables.items[i] == t)
			d->tables.items[i] = n;
	table_free(t);
	return n;
}

DDB_OP(update_table)
{
	struct ddb_svc *d = ddb_of(call);
	struct ddb_table *t = named_table(call, in, err);
	if (!t)
		return NULL;
	cJSON *saved = cJSON_Duplicate(t->def, 1);
	bool changed = false;
	const char *billing = ddb_str(in, "BillingMode");
	const cJSON *pt = cJSON_GetObjectItemCaseSensitive(in, "ProvisionedThroughput");
	if (billing || pt) {
		const char *now = billing ? billing : ddb_str(t->def, "BillingMode");
		if (!check_throughput(in, now, err) &&
		    (billing || !now || strcmp(now, "PAY_PER_REQUEST") == 0))
			goto fail;
		cJSON_DeleteItemFromObjectCaseSensitive(t->def, "BillingMode");
		cJSON_AddStringToObject(t->def, "BillingMode", now ? now : "PROVISIONED");
		cJSON_DeleteItemFromObjectCaseSensitive(t->def, "ProvisionedThroughput");
		if (pt)
			cJSON_AddItemToObject(t->def, "ProvisionedThroughput",
					      cJSON_Duplicate(pt, 1));
		changed = true;
	}
	const cJSON *dp = cJSON_GetObjectItemCaseSensitive(in, "DeletionProtectionEnabled");
	if (cJSON_IsBool(dp)) {
		cJSON_DeleteItemFromObjectCaseSensitive(t->def, "DeletionProtectionEnabled");
		cJSON_AddBoolToObject(t->def, "DeletionProtectionEnabled", cJSON_IsTrue(dp));
		changed = true;
	}
	const char *cls = ddb_str(in, "TableClass");
	if (cls) {
		cJSON_DeleteItemFromObjectCaseSensitive(t->def, "TableClass");
		cJSON_AddStringToObject(t->def, "TableClass", cls);
		changed = true;
	}
	bool new_index = false;
	const cJSON *gsiu = cJSON_GetObjectItemCaseSensitive(in, "GlobalSecondaryIndexUpdates");
	if (gsiu) {
		size_t before = t->nindexes;
		if (!update_indexes(d, t, in, gsiu, &changed, err))
			goto fail;
		new_index = true;
		(void)before;
	}
	if (!ddb_begin(d, err))
		goto fail;
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(in, "StreamSpecification");
	if (spec) {
		bool on;
		const char *view;
		if (!check_stream_spec(spec, &on, &view, err))
			goto rollback;
		if (on && t->stream) {
			ddb_invalid(err, "Table already has an enabled stream: TableName: %s",
				    t->name);
			goto rollback;
		}
		if (!on && !t->stream) {
			ddb_invalid(err, "Table already has no enabled stream: TableName: %s",
				    t->name);
			goto rollback;
		}
		if (on && !ddb_stream_enable(d, t, view, err))
			goto rollback;
		if (!on)
			ddb_stream_disable(d, t);
		changed = true;
	}
	if (!changed) {
		ddb_invalid(err, "The parameter 'UpdateTable' requires at least one update");
		goto rollback;
	}
	if (!save_def(d, t, err))
		goto rollback;
	t = reload(d, t);
	if (new_index && !backfill(d, t, err))
		goto rollback;
	/* Indexes deleted: their rows go. */
	sqlite3_stmt *st = NULL;
	struct strbuf keep = STRBUF_INIT;
	strbuf_addstr(&keep, "DELETE FROM ddb_index_items WHERE tbl = ? AND idx NOT IN (0");
	for (size_t i = 0; i < t->nindexes; i++)
		strbuf_addf(&keep, ", %lld", (long long)t->indexes[i].num);
	strbuf_addch(&keep, ')');
	sqlite3_prepare_v2(d->db->db, keep.buf, -1, &st, NULL);
	sqlite3_bind_int64(st, 1, t->id);
	sqlite3_step(st);
	sqlite3_finalize(st);
	strbuf_release(&keep);
	if (!ddb_commit(d, err))
		goto rollback;
	cJSON_Delete(saved);
	return wrap("TableDescription", describe(d, t, "UPDATING"));
rollback:
	ddb_rollback(d);
fail:
	/* The definition as it was. */
	t = ddb_table_find(d, call->caller->account, call->caller->region,
			   ddb_str(in, "TableName"));
	if (t) {
		cJSON_Delete(t->def);
		t->def = saved;
		reload(d, t);
	} else {
		cJSON_Delete(saved);
	}
	return NULL;
}

static void delete_rows(struct ddb_svc *d, const char *sql, int64_t id)
{
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(d->db->db, sql, -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

DDB_OP(delete_table)
{
	struct ddb_svc *d = ddb_of(call);
	struct ddb_table *t = named_table(call, in, err);
	if (!t)
		return NULL;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t->def, "DeletionProtectionEnabled")))
		return ddb_invalid(err,
				   "1 validation error detected: Table '%s' can't be deleted while "
				   "DeletionProtectionEnabled is set to True",
				   t->name),
		       NULL;
	cJSON *desc = describe(d, t, "DELETING");
	if (!ddb_begin(d, err)) {
		cJSON_Delete(desc);
		return NULL;
	}
	if (t->stream)
		ddb_stream_disable(d, t);
	delete_rows(d, "DELETE FROM ddb_items WHERE tbl = ?", t->id);
	delete_rows(d, "DELETE FROM ddb_index_items WHERE tbl = ?", t->id);
	delete_rows(d, "DELETE FROM ddb_tables WHERE id = ?", t->id);
	if (!ddb_commit(d, err)) {
		ddb_rollback(d);
		cJSON_Delete(desc);
		ddb_table_forget(d, call->caller->account);
		return NULL;
	}
	forget_table(d, t);
	return wrap("TableDescription", desc);
}

DDB_OP(update_time_to_live)
{
	struct ddb_svc *d = ddb_of(call);
	struct ddb_table *t = named_table(call, in, err);
	if (!t)
		return NULL;
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(in, "TimeToLiveSpecification");
	const char *attr = ddb_str(spec, "AttributeName");
	bool on = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "Enabled"));
	if (!attr || !attr[0])
		return ddb_invalid(err, "TimeToLiveSpecification: AttributeName is required"), NULL;
	if (on && t->ttl_attr)
		return ddb_invalid(err,
				   "TimeToLive is active on a different AttributeName: current "
				   "AttributeName is %s",
				   t->ttl_attr),
		       NULL;
	if (!on && !t->ttl_attr)
		return ddb_invalid(err, "TimeToLive is already disabled"), NULL;
	if (!on && strcmp(t->ttl_attr, attr) != 0)
		return ddb_invalid(err,
				   "TimeToLive is active on a different AttributeName: current "
				   "AttributeName is %s",
				   t->ttl_attr),
		       NULL;
	if (!ddb_begin(d, err))
		return NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(t->def, "_ttl");
	if (on)
		cJSON_AddStringToObject(t->def, "_ttl", attr);
	bool ok = save_def(d, t, err);
	if (ok) {
		t = reload(d, t);
		/* Every item's expiry, from the attribute (epoch seconds, a number). */
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(
			d->db->db,
			on ? "UPDATE ddb_items SET expires = CAST(CAST(json_extract(item, "
			     "'$.' || json_quote(?2) || '.N') AS REAL) * 1000 AS INTEGER)"
			     " WHERE tbl = ?1"
			   : "UPDATE ddb_items SET expires = NULL WHERE tbl = ?1",
			-1, &st, NULL);
		sqlite3_bind_int64(st, 1, t->id);
		if (on)
			sqlite3_bind_text(st, 2, attr, -1, SQLITE_TRANSIENT);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
		if (!ok)
			ddb_error(err, "InternalServerError", "Internal server error");
	}
	if (!ok || !ddb_commit(d, err)) {
		ddb_rollback(d);
		ddb_table_forget(d, call->caller->account);
		return NULL;
	}
	pthread_cond_broadcast(&d->cond);
	cJSON *out = cJSON_CreateObject(),
	      *s = cJSON_AddObjectToObject(out, "TimeToLiveSpecification");
	cJSON_AddBoolToObject(s, "Enabled", on);
	cJSON_AddStringToObject(s, "AttributeName", attr);
	return out;
}

DDB_OP(describe_time_to_live)
{
	struct ddb_table *t = named_table(call, in, err);
	if (!t)
		return NULL;
	cJSON *out = cJSON_CreateObject(),
	      *s = cJSON_AddObjectToObject(out, "TimeToLiveDescription");
	cJSON_AddStringToObject(s, "TimeToLiveStatus", t->ttl_attr ? "ENABLED" : "DISABLED");
	if (t->ttl_attr)
		cJSON_AddStringToObject(s, "AttributeName", t->ttl_attr);
	return out;
}

/* The table an ARN names (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/...]). */
static struct ddb_table *table_of_arn(struct svc_call *call, const char *arn, struct aws_err *err)
{
	char region[32], account[13], name[256];
	if (!arn || sscanf(arn, "arn:aws:dynamodb:%31[^:]:%12[0-9]:table/%255[^/]", region, account,
			   name) != 3)
		return ddb_invalid(err,
				   "Invalid TableArn: Invalid ResourceArn provided as input %s",
				   arn ? arn : ""),
		       NULL;
	struct ddb_table *t = NULL;
	if (strcmp(account, call->caller->account) == 0)
		t = ddb_table_find(ddb_of(call), account, region, name);
	if (!t)
		ddb_error(err, "ResourceNotFoundException",
			  "Requested resource not found: "
			  "ResourcArn: %s not found",
			  arn);
	return t;
}

DDB_OP(tag_resource)
{
	struct ddb_svc *d = ddb_of(call);
	struct ddb_table *t = table_of_arn(call, ddb_str(in, "ResourceArn"), err);
	if (!t)
		return NULL;
	cJSON *tags = cJSON_GetObjectItemCaseSensitive(t->def, "Tags");
	if (!tags)
		tags = cJSON_AddArrayToObject(t->def, "Tags");
	const cJSON *nt;
	cJSON_ArrayForEach(nt, cJSON_GetObjectItemCaseSensitive(in, "Tags"))
	{
		const char *key = ddb_str(nt, "Key");
		int at = 0;
		cJSON *old;
		cJSON_ArrayForEach(old, tags)
		{
			if (key && ddb_str(old, "Key") && strcmp(ddb_str(old, "Key"), key) == 0)
				break;
			at++;
		}
		if (old)
			cJSON_DeleteItemFromArray(tags, at);
		cJSON_AddItemToArray(tags, cJSON_Duplicate(nt, 1));
	}
	if (!ddb_begin(d, err))
		return NULL;
	if (!save_def(d, t, err) || !ddb_commit(d, err)) {
		ddb_rollback(d);
		ddb_table_forget(d, call->caller->account);
		return NULL;
	}
	return cJSON_CreateObject();
}

DDB_OP(untag_resource)
{
	struct ddb_svc *d = ddb_of(call);
	struct ddb_table *t = table_of_arn(call, ddb_str(in, "ResourceArn"), err);
	if (!t)
		return NULL;
	cJSON *tags = cJSON_GetObjectItemCaseSensitive(t->def, "Tags");
	const cJSON *k;
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(in, "TagKeys"))
	{
		for (cJSON *old = tags ? tags->child : NULL; old; old = old->next)
			if (cJSON_IsString(k) && ddb_str(old, "Key") &&
			    strcmp(ddb_str(old, "Key"), k->valuestring) == 0) {
				cJSON_Delete(cJSON_DetachItemViaPointer(tags, old));
				break;
			}
	}
	if (!ddb_begin(d, err))
		return NULL;
	if (!save_def(d, t, err) || !ddb_commit(d, err)) {
		ddb_rollback(d);
		ddb_table_forget(d, call->caller->account);
		return NULL;
	}
	return cJSON_CreateObject();
}

DDB_OP(list_tags_of_resource)
{
	struct ddb_table *t = table_of_arn(call, ddb_str(in, "ResourceArn"), err);
	if (!t)
		return NULL;
	cJSON *out = cJSON_CreateObject();
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(t->def, "Tags");
	cJSON_AddItemToObject(out, "Tags", tags ? cJSON_Duplicate(tags, 1) : cJSON_CreateArray());
	return out;
}

DDB_OP(describe_limits)
{
	cJSON *out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "AccountMaxReadCapacityUnits", 80000);
	cJSON_AddNumberToObject(out, "AccountMaxWriteCapacityUnits", 80000);
	cJSON_AddNumberToObject(out, "TableMaxReadCapacityUnits", 40000);
	cJSON_AddNumberToObject(out, "TableMaxWriteCapacityUnits", 40000);
	return out;
}

DDB_OP(describe_endpoints)
{
	cJSON *out = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(out, "Endpoints");
	cJSON *e = cJSON_CreateObject();
	struct strbuf host = STRBUF_INIT;
	strbuf_addf(&host, "dynamodb.%s.amazonaws.com", call->caller->region);
	cJSON_AddStringToObject(e, "Address", host.buf);
	cJSON_AddNumberToObject(e, "CachePeriodInMinutes", 1440);
	cJSON_AddItemToArray(list, e);
	strbuf_release(&host);
	return out;
}
