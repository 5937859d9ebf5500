/*
 * CloudFormation's tables. Documents are stored as JSON text: they are read and written
 * whole, and the few columns beside them are what lookups need.
 */
#include "cloud/cfn/store.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/db.h"
#include "core/xalloc.h"

const char *const cfn_store_migrations[CFN_STORE_NMIGRATIONS] = {
	"CREATE TABLE IF NOT EXISTS cfn_stacks(id TEXT PRIMARY KEY, account TEXT NOT NULL,"
	" region TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL, seq INTEGER NOT NULL,"
	" doc TEXT NOT NULL) STRICT;"
	"CREATE INDEX IF NOT EXISTS cfn_stacks_by_name ON cfn_stacks(account, region, name);"
	"CREATE TABLE IF NOT EXISTS cfn_events(seq INTEGER PRIMARY KEY, stack_id TEXT NOT NULL,"
	" doc TEXT NOT NULL) STRICT;"
	"CREATE INDEX IF NOT EXISTS cfn_events_by_stack ON cfn_events(stack_id, seq);"
	"CREATE TABLE IF NOT EXISTS cfn_change_sets(id TEXT PRIMARY KEY, stack_id TEXT NOT NULL,"
	" name TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL) STRICT;"
	"CREATE TABLE IF NOT EXISTS cfn_exports(account TEXT NOT NULL, region TEXT NOT NULL,"
	" name TEXT NOT NULL, value TEXT NOT NULL, stack_id TEXT NOT NULL,"
	" PRIMARY KEY(account, region, name)) STRICT;"
	"CREATE TABLE IF NOT EXISTS cfn_deployments(id TEXT PRIMARY KEY, account TEXT NOT NULL,"
	" application TEXT NOT NULL, grp TEXT NOT NULL, seq INTEGER NOT NULL,"
	" doc TEXT NOT NULL) STRICT;",
};
const unsigned cfn_store_nmigrations = CFN_STORE_NMIGRATIONS;

bool cfn_store_open(struct cloud_db *db)
{
	bool ok = true;
	pthread_mutex_lock(&db->mu);
	for (unsigned i = 0; i < cfn_store_nmigrations && ok; i++)
		ok = cloud_db_exec(db, cfn_store_migrations[i]);
	pthread_mutex_unlock(&db->mu);
	return ok;
}

static const char *str_member(const cJSON *doc, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* Run a statement that answers nothing. Caller holds db->mu. */
static bool step_done(struct cloud_db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		fprintf(stderr, "lambda-tutor: cloudformation store: %s\n", sqlite3_errmsg(db->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE;
}

/* Collect the JSON documents in column 0 of every row into an array. Caller holds db->mu. */
static cJSON *collect_docs(sqlite3_stmt *st)
{
	cJSON *arr = cJSON_CreateArray();
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *doc = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
		if (doc)
			cJSON_AddItemToArray(arr, doc);
	}
	sqlite3_finalize(st);
	return arr;
}

static cJSON *first_doc(sqlite3_stmt *st)
{
	cJSON *doc = NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		doc = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return doc;
}

bool cfn_store_put_stack(struct cloud_db *db, const cJSON *doc)
{
	char *text = cJSON_PrintUnformatted(doc);
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	/* seq keeps the creation order across rewrites of the document. */
	sqlite3_prepare_v2(db->db,
			   "INSERT INTO cfn_stacks(id, account, region, name, status, seq, doc)"
			   " VALUES(?1, ?2, ?3, ?4, ?5,"
			   " (SELECT COALESCE(MAX(seq), 0) + 1 FROM cfn_stacks), ?6)"
			   " ON CONFLICT(id) DO UPDATE SET status = ?5, doc = ?6",
			   -1, &st, NULL);
	bind_text(st, 1, str_member(doc, "StackId"));
	bind_text(st, 2, str_member(doc, "Account"));
	bind_text(st, 3, str_member(doc, "Region"));
	bind_text(st, 4, str_member(doc, "StackName"));
	bind_text(st, 5, str_member(doc, "StackStatus"));
	bind_text(st, 6, text);
	bool ok = step_done(db, st);
	pthread_mutex_unlock(&db->mu);
	free(text);
	return ok;
}

cJSON *cfn_store_get_stack(struct cloud_db *db, const char *account, const char *region,
			   const char *name_or_id)
{
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	if (strncmp(name_or_id, "arn:", 4) == 0) {
		sqlite3_prepare_v2(db->db,
				   "SELECT doc FROM cfn_stacks WHERE id = ?1 AND account = ?2", -1,
				   &st, NULL);
		bind_text(st, 1, name_or_id);
		bind_text(st, 2, account);
	} else {
		sqlite3_prepare_v2(db->db,
				   "SELECT doc FROM cfn_stacks WHERE account = ?1 AND region = ?2"
				   " AND name = ?3 AND status != 'DELETE_COMPLETE'"
				   " ORDER BY seq DESC LIMIT 1",
				   -1, &st, NULL);
		bind_text(st, 1, account);
		bind_text(st, 2, region);
		bind_text(st, 3, name_or_id);
	}
	cJSON *doc = first_doc(st);
	pthread_mutex_unlock(&db->mu);
	return doc;
}

cJSON *cfn_store_list_stacks(struct cloud_db *db, const char *account, const char *region,
			     bool with_deleted)
{
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	sqlite3_prepare_v2(db->db,
			   "SELECT doc FROM cfn_stacks WHERE account = ?1 AND region = ?2"
			   " AND (?3 OR status != 'DELETE_COMPLETE') ORDER BY seq",
			   -1, &st, NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, region);
	sqlite3_bind_int(st, 3, with_deleted);
	cJSON *arr = collect_docs(st);
	pthread_mutex_unlock(&db->mu);
	return arr;
}

bool cfn_store_add_event(struct cloud_db *db, const char *stack_id, const cJSON *event)
{
	char *text = cJSON_PrintUnformatted(event);
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	sqlite3_prepare_v2(db->db, "INSERT INTO cfn_events(stack_id, doc) VALUES(?1, ?2)", -1, &st,
			   NULL);
	bind_text(st, 1, stack_id);
	bind_text(st, 2, text);
	bool ok = step_done(db, st);
	pthread_mutex_unlock(&db->mu);
	free(text);
	return ok;
}

cJSON *cfn_store_events(struct cloud_db *db, const char *stack_id)
{
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	sqlite3_prepare_v2(db->db,
			   "SELECT doc FROM cfn_events WHERE stack_id = ?1 ORDER BY seq DESC", -1,
			   &st, NULL);
	bind_text(st, 1, stack_id);
	cJSON *arr = collect_docs(st);
	pthread_mutex_unlock(&db->mu);
	return arr;
}

bool cfn_store_put_change_set(struct cloud_db *db, const cJSON *doc)
{
	char *text = cJSON_PrintUnformatted(doc);
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	sqlite3_prepare_v2(db->db,
			   "INSERT INTO cfn_change_sets(id, stack_id, name, seq, doc)"
			   " VALUES(?1, ?2, ?3, (SELECT COALESCE(MAX(seq), 0) + 1 FROM"
			   " cfn_change_sets), ?4) ON CONFLICT(id) DO UPDATE SET doc = ?4",
			   -1, &st, NULL);
	bind_text(st, 1, str_member(doc, "ChangeSetId"));
	bind_text(st, 2, str_member(doc, "StackId"));
	bind_text(st, 3, str_member(doc, "ChangeSetName"));
	bind_text(st, 4, text);
	bool ok = step_done(db, st);
	pthread_mutex_unlock(&db->mu);
	free(text);
	return ok;
}

cJSON *cfn_store_get_change_set(struct cloud_db *db, const char *stack_id, const char *name_or_arn)
{
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	if (strncmp(name_or_arn, "arn:", 4) == 0) {
		sqlite3_prepare_v2(db->db, "SELECT doc FROM cfn_change_sets WHERE id = ?1", -1, &st,
				   NULL);
		bind_text(st, 1, name_or_arn);
	} else {
		sqlite3_prepare_v2(db->db,
				   "SELECT doc FROM cfn_change_sets WHERE stack_id = ?1"
				   " AND name = ?2 ORDER BY seq DESC LIMIT 1",
				   -1, &st, NULL);
		bind_text(st, 1, stack_id ? stack_id : "");
		bind_text(st, 2, name_or_arn);
	}
	cJSON *doc = first_doc(st);
	pthread_mutex_unlock(&db->mu);
	return doc;
}

cJSON *cfn_store_list_change_sets(struct cloud_db *db, const char *stack_id)
{
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	sqlite3_prepare_v2(db->db,
			   "SELECT doc FROM cfn_change_sets WHERE stack_id = ?1 ORDER BY seq", -1,
			   &st, NULL);
	bind_text(st, 1, stack_id);
	cJSON *arr = collect_docs(st);
	pthread_mutex_unlock(&db->mu);
	return arr;
}

bool cfn_store_delete_change_set(struct cloud_db *db, const char *id)
{
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	sqlite3_prepare_v2(db->db, "DELETE FROM cfn_change_sets WHERE id = ?1", -1, &st, NULL);
	bind_text(st, 1, id);
	bool ok = step_done(db, st);
	pthread_mutex_unlock(&db->mu);
	return ok;
}

bool cfn_store_delete_change_sets(struct cloud_db *db, const char *stack_id)
{
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	sqlite3_prepare_v2(db->db, "DELETE FROM cfn_change_sets WHERE stack_id = ?1", -1, &st,
			   NULL);
	bind_text(st, 1, stack_id);
	bool ok = step_done(db, st);
	pthread_mutex_unlock(&db->mu);
	return ok;
}

bool cfn_store_export(struct cloud_db *db, const char *account, const char *region,
		      const char *name, const char *value, const char *stack_id, char **owner)
{
	sqlite3_stmt *st = NULL;
	*owner = NULL;
	pthread_mutex_lock(&db->mu);
	sqlite3_prepare_v2(db->db,
			   "SELECT stack_id FROM cfn_exports WHERE account = ?1 AND region = ?2"
			   " AND name = ?3",
			   -1, &st, NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, region);
	bind_text(st, 3, name);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), stack_id) != 0)
		*owner = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	bool ok = false;
	if (!*owner) {
		sqlite3_prepare_v2(
			db->db,
			"INSERT OR REPLACE INTO cfn_exports(account, region, name, value,"
			" stack_id) VALUES(?1, ?2, ?3, ?4, ?5)",
			-1, &st, NULL);
		bind_text(st, 1, account);
		bind_text(st, 2, region);
		bind_text(st, 3, name);
		bind_text(st, 4, value);
		bind_text(st, 5, stack_id);
		ok = step_done(db, st);
	}
	pthread_mutex_unlock(&db->mu);
	return ok;
}

char *cfn_store_export_value(struct cloud_db *db, const char *account, const char *region,
			     const char *name)
{
	sqlite3_stmt *st = NULL;
	char *value = NULL;
	pthread_mutex_lock(&db->mu);
	sqlite3_prepare_v2(db->db,
			   "SELECT value FROM cfn_exports WHERE account = ?1 AND region = ?2"
			   " AND name = ?3",
			   -1, &st, NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, region);
	bind_text(st, 3, name);
	if (sqlite3_step(st) == SQLITE_ROW)
		value = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->mu);
	return value;
}

bool cfn_store_unexport(struct cloud_db *db, const char *stack_id, const cJSON *keep)
{
	sqlite3_stmt *st = NULL;
	bool ok = true;
	pthread_mutex_lock(&db->mu);
	if (!keep || !keep->child) {
		sqlite3_prepare_v2(db->db, "DELETE FROM cfn_exports WHERE stack_id = ?1", -1, &st,
				   NULL);
		bind_text(st, 1, stack_id);
		ok = step_done(db, st);
	} else {
		/* Few exports per stack: delete those not kept one by one. */
		sqlite3_prepare_v2(db->db, "SELECT name FROM cfn_exports WHERE stack_id = ?1", -1,
				   &st, NULL);
		bind_text(st, 1, stack_id);
		cJSON *names = cJSON_CreateArray();
		while (sqlite3_step(st) == SQLITE_ROW)
			cJSON_AddItemToArray(
				names,
				cJSON_CreateString((const char *)sqlite3_column_text(st, 0)));
		sqlite3_finalize(st);
		const cJSON *n;
		cJSON_ArrayForEach(n, names)
		{
			bool kept = false;
			const cJSON *k;
			cJSON_ArrayForEach(k, keep)
			{
				kept = kept || (cJSON_IsString(k) &&
						strcmp(k->valuestring, n->valuestring) == 0);
			}
			if (kept)
				continue;
			sqlite3_prepare_v2(
				db->db, "DELETE FROM cfn_exports WHERE stack_id = ?1 AND name = ?2",
				-1, &st, NULL);
			bind_text(st, 1, stack_id);
			bind_text(st, 2, n->valuestring);
			ok = step_done(db, st) && ok;
		}
		cJSON_Delete(names);
	}
	pthread_mutex_unlock(&db->mu);
	return ok;
}

cJSON *cfn_store_exports(struct cloud_db *db, const char *account, const char *region)
{
	sqlite3_stmt *st = NULL;
	cJSON *arr = cJSON_CreateArray();
	pthread_mutex_lock(&db->mu);
	sqlite3_prepare_v2(db->db,
			   "SELECT stack_id, name, value FROM cfn_exports WHERE account = ?1"
			   " AND region = ?2 ORDER BY name",
			   -1, &st, NULL);
	bind_text(st, 1, account);
	bind_text(st, 2, region);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "ExportingStackId",
					(const char *)sqlite3_column_text(st, 0));
		cJSON_AddStringToObject(o, "Name", (const char *)sqlite3_column_text(st, 1));
		cJSON_AddStringToObject(o, "Value", (const char *)sqlite3_column_text(st, 2));
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db->mu);
	return arr;
}

bool cfn_store_put_deployment(struct cloud_db *db, const cJSON *doc)
{
	char *text = cJSON_PrintUnformatted(doc);
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	sqlite3_prepare_v2(db->db,
			   "INSERT INTO cfn_deployments(id, account, application, grp, seq, doc)"
			   " VALUES(?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(seq), 0) + 1 FROM"
			   " cfn_deployments), ?5) ON CONFLICT(id) DO UPDATE SET doc = ?5",
			   -1, &st, NULL);
	bind_text(st, 1, str_member(doc, "deploymentId"));
	bind_text(st, 2, str_member(doc, "Account"));
	bind_text(st, 3, str_member(doc, "applicationName"));
	bind_text(st, 4, str_member(doc, "deploymentGroupName"));
	bind_text(st, 5, text);
	bool ok = step_done(db, st);
	pthread_mutex_unlock(&db->mu);
	free(text);
	return ok;
}

cJSON *cfn_store_get_deployment(struct cloud_db *db, const char *account, const char *id)
{
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	sqlite3_prepare_v2(db->db, "SELECT doc FROM cfn_deployments WHERE id = ?1 AND account = ?2",
			   -1, &st, NULL);
	bind_text(st, 1, id);
	bind_text(st, 2, account);
	cJSON *doc = first_doc(st);
	pthread_mutex_unlock(&db->mu);
	return doc;
}

cJSON *cfn_store_list_deployments(struct cloud_db *db, const char *account, const char *application,
				  const char *group)
{
	sqlite3_stmt *st = NULL;
	pthread_mutex_lock(&db->mu);
	sqlite3_prepare_v2(db->db,
			   "SELECT doc FROM cfn_deployments WHERE account = ?1"
			   " AND (?2 IS NULL OR application = ?2) AND (?3 IS NULL OR grp = ?3)"
			   " ORDER BY seq DESC",
			   -1, &st, NULL);
	bind_text(st, 1, account);
	if (application)
		bind_text(st, 2, application);
	if (group)
		bind_text(st, 3, group);
	cJSON *arr = collect_docs(st);
	pthread_mutex_unlock(&db->mu);
	return arr;
}

void cfn_store_reset_account(struct cloud_db *db, const char *account)
{
	static const char *const sql[] = {
		"DELETE FROM cfn_deployments WHERE account = ?1",
		"DELETE FROM cfn_events WHERE stack_id IN"
		" (SELECT id FROM cfn_stacks WHERE account = ?1)",
		"DELETE FROM cfn_change_sets WHERE stack_id IN"
		" (SELECT id FROM cfn_stacks WHERE account = ?1)",
		"DELETE FROM cfn_exports WHERE account = ?1",
		"DELETE FROM cfn_stacks WHERE account = ?1",
	};
	pthread_mutex_lock(&db->mu);
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(db->db, sql[i], -1, &st, NULL);
		bind_text(st, 1, account);
		step_done(db, st);
	}
	pthread_mutex_unlock(&db->mu);
}
