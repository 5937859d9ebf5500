/*
 * IAM's tables (store.h).
 */
#include "cloud/iam/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/db.h"
#include "cloud/iam/managed.h"
#include "cloud/state.h"
#include "core/xalloc.h"

const char *const iam_store_migrations[IAM_STORE_NMIGRATIONS] = {
	/* 0 -> 1: roles, users, inline policies, managed policies and their versions,
	 * attachments, access keys, and the decisions made for role sessions. */
	"CREATE TABLE iam_roles(account TEXT NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL,"
	" id TEXT NOT NULL, trust TEXT NOT NULL, description TEXT, max_session INTEGER NOT NULL,"
	" created INTEGER NOT NULL, tags TEXT NOT NULL, PRIMARY KEY(account, name COLLATE NOCASE))"
	" STRICT;"
	"CREATE TABLE iam_users(account TEXT NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL,"
	" id TEXT NOT NULL, created INTEGER NOT NULL, tags TEXT NOT NULL,"
	" PRIMARY KEY(account, name COLLATE NOCASE)) STRICT;"
	"CREATE TABLE iam_inline(account TEXT NOT NULL, kind TEXT NOT NULL, owner TEXT NOT NULL,"
	" name TEXT NOT NULL, document TEXT NOT NULL, PRIMARY KEY(account, kind, owner, name))"
	" STRICT;"
	"CREATE TABLE iam_policies(account TEXT NOT NULL, arn TEXT NOT NULL, name TEXT NOT NULL,"
	" path TEXT NOT NULL, id TEXT NOT NULL, description TEXT, default_version TEXT NOT NULL,"
	" next_version INTEGER NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL,"
	" tags TEXT NOT NULL, PRIMARY KEY(account, arn)) STRICT;"
	"CREATE TABLE iam_policy_versions(account TEXT NOT NULL, arn TEXT NOT NULL,"
	" version TEXT NOT NULL, document TEXT NOT NULL, created INTEGER NOT NULL,"
	" PRIMARY KEY(account, arn, version)) STRICT;"
	"CREATE TABLE iam_attached(account TEXT NOT NULL, kind TEXT NOT NULL, owner TEXT NOT NULL,"
	" arn TEXT NOT NULL, PRIMARY KEY(account, kind, owner, arn)) STRICT;"
	"CREATE TABLE iam_access_keys(account TEXT NOT NULL, user TEXT NOT NULL,"
	" access_key TEXT PRIMARY KEY, secret TEXT NOT NULL, status TEXT NOT NULL,"
	" created INTEGER NOT NULL) STRICT;"
	"CREATE TABLE iam_usage(account TEXT NOT NULL, role TEXT NOT NULL, session TEXT NOT NULL,"
	" action TEXT NOT NULL, resource TEXT NOT NULL, decision INTEGER NOT NULL,"
	" count INTEGER NOT NULL, PRIMARY KEY(account, role, session, action, resource,"
	" decision)) STRICT;",
	/* 1 -> 2: groups and their members (a group's inline and attached policies are
	 * iam_inline's and iam_attached's rows of kind 'group'), and permissions boundaries. */
	"CREATE TABLE iam_groups(account TEXT NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL,"
	" id TEXT NOT NULL, created INTEGER NOT NULL, PRIMARY KEY(account, name COLLATE NOCASE))"
	" STRICT;"
	"CREATE TABLE iam_group_members(account TEXT NOT NULL, grp TEXT NOT NULL,"
	" user TEXT NOT NULL, added INTEGER NOT NULL, PRIMARY KEY(account, grp COLLATE NOCASE,"
	" user COLLATE NOCASE)) STRICT;"
	"CREATE TABLE iam_boundaries(account TEXT NOT NULL, kind TEXT NOT NULL,"
	" owner TEXT NOT NULL, arn TEXT NOT NULL, PRIMARY KEY(account, kind,"
	" owner COLLATE NOCASE)) STRICT;",
};

static void push(char ***v, size_t *n, const unsigned char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s ? (const char *)s : "");
}

/* SQL: the row (its kind column k, owner column o) is the entity's (?2 kind, ?3 name, in account
 * ?1) own, or for a user one of its groups' (kind 'group', owner the group). */
#define OWNED_BY(k, o)                                                                  \
	"((" k " = ?2 AND " o " = ?3) OR (?2 = 'user' AND " k " = 'group' AND " o " IN" \
	" (SELECT grp FROM iam_group_members m WHERE m.account = ?1 AND m.user = ?3)))"

void iam_store_identity_policies(struct cloud *c, const char *account, const char *kind,
				 const char *name, char ***docs, size_t *ndocs, char ***attached,
				 size_t *nattached)
{
	*docs = *attached = NULL;
	*ndocs = *nattached = 0;
	if (!c->db)
		return;
	static const char *const sql[] = {
		"SELECT document FROM iam_inline WHERE account = ?1 AND " OWNED_BY(
			"kind", "owner") " ORDER BY kind DESC, owner, name",
		"SELECT v.document FROM iam_attached a JOIN iam_policies p ON p.account = a.account"
		" AND p.arn = a.arn JOIN iam_policy_versions v ON v.account = p.account AND"
		" v.arn = p.arn AND v.version = p.default_version WHERE a.account = ?1 "
		"AND " OWNED_BY("a.kind", "a.owner") " ORDER BY a.arn",
		"SELECT DISTINCT arn FROM iam_attached WHERE account = ?1 AND " OWNED_BY(
			"kind", "owner") " AND arn LIKE 'arn:aws:iam::aws:policy/%' ORDER BY arn",
	};
	pthread_mutex_lock(&c->db->mu);
	for (size_t q = 0; q < 3; q++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(c->db->db, sql[q], -1, &st, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (q < 2)
				push(docs, ndocs, sqlite3_column_text(st, 0));
			else
				push(attached, nattached, sqlite3_column_text(st, 0));
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
}

char *iam_store_boundary(struct cloud *c, const char *account, const char *kind, const char *name,
			 char **arn)
{
	char *doc = NULL, *which = NULL;
	if (arn)
		*arn = NULL;
	if (!c->db)
		return NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(
		    c->db->db,
		    "SELECT b.arn, v.document FROM iam_boundaries b LEFT JOIN iam_policies p"
		    " ON p.account = b.account AND p.arn = b.arn LEFT JOIN"
		    " iam_policy_versions v ON v.account = p.account AND v.arn = p.arn"
		    " AND v.version = p.default_version WHERE b.account = ?1 AND"
		    " b.kind = ?2 AND b.owner = ?3",
		    -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			which = xstrdup((const char *)sqlite3_column_text(st, 0));
			const unsigned char *d = sqlite3_column_text(st, 1);
			const struct iam_managed *m = iam_managed_find(which);
			if (m)
				doc = xstrdup(m->document);
			else if (d)
				doc = xstrdup((const char *)d);
			else /* the policy is gone: a boundary that allows nothing */
				doc = xstrdup(
					"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
					"\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}");
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	if (arn)
		*arn = which;
	else
		free(which);
	return doc;
}

char *iam_store_tags(struct cloud *c, const char *account, const char *kind, const char *name)
{
	char *out = NULL;
	if (c->db && (strcmp(kind, "role") == 0 || strcmp(kind, "user") == 0)) {
		char sql[96];
		snprintf(sql, sizeof(sql),
			 "SELECT tags FROM iam_%ss WHERE account = ?1 AND name = ?2", kind);
		pthread_mutex_lock(&c->db->mu);
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(c->db->db, sql, -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				out = xstrdup((const char *)sqlite3_column_text(st, 0));
		}
		sqlite3_finalize(st);
		pthread_mutex_unlock(&c->db->mu);
	}
	return out ? out : xstrdup("[]");
}

char *iam_store_role_trust(struct cloud *c, const char *account, const char *role)
{
	char *out = NULL;
	if (!c->db)
		return NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT trust FROM iam_roles WHERE account = ?1 AND name = ?2", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			out = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

bool iam_store_role_info(struct cloud *c, const char *account, const char *role, char *id, size_t n,
			 int *max_session)
{
	bool found = false;
	if (!c->db)
		return false;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(
		    c->db->db,
		    "SELECT id, max_session FROM iam_roles WHERE account = ?1 AND name = ?2", -1,
		    &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(id, n, "%s", (const char *)sqlite3_column_text(st, 0));
			*max_session = sqlite3_column_int(st, 1);
			found = true;
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return found;
}

void iam_store_user_id(struct cloud *c, const char *account, const char *user, char *id, size_t n)
{
	if (!c->db)
		return;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->db->db,
			       "SELECT id FROM iam_users WHERE account = ?1 AND name = ?2", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(id, n, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
}

void iam_store_usage(struct cloud *c, const char *account, const char *principal,
		     const char *action, const char *resource, enum iam_decision d)
{
	const char *ar = strstr(principal, ":assumed-role/");
	if (!c->db || !ar)
		return;
	char role[129], session[129];
	const char *r = ar + 14, *slash = strchr(r, '/');
	snprintf(role, sizeof(role), "%.*s", slash ? (int)(slash - r) : (int)strlen(r), r);
	snprintf(session, sizeof(session), "%s", slash ? slash + 1 : "");
	pthread_mutex_lock(&c->db->mu);
	/* Every call of a role's session comes here: the statement stays prepared. */
	sqlite3_stmt *st = db_stmt(c->db, "INSERT INTO iam_usage VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)"
					  " ON CONFLICT DO UPDATE SET count = count + 1");
	if (st) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, session, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, resource, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, (int)d);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	pthread_mutex_unlock(&c->db->mu);
}

void iam_store_role_documents(struct cloud *c, const char *account, const char *role, char ***names,
			      char ***docs, size_t *n)
{
	*names = *docs = NULL;
	*n = 0;
	size_t nn = 0;
	if (!c->db)
		return;
	static const char *const sql[] = {
		"SELECT 'inline policy ' || name, document FROM iam_inline WHERE account = ?1 AND"
		" kind = 'role' AND owner = ?2 ORDER BY name",
		"SELECT a.arn, v.document FROM iam_attached a LEFT JOIN iam_policies p ON"
		" p.account = a.account AND p.arn = a.arn LEFT JOIN iam_policy_versions v ON"
		" v.account = p.account AND v.arn = p.arn AND v.version = p.default_version WHERE"
		" a.account = ?1 AND a.kind = 'role' AND a.owner = ?2 ORDER BY a.arn",
	};
	pthread_mutex_lock(&c->db->mu);
	for (size_t q = 0; q < 2; q++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(c->db->db, sql[q], -1, &st, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *name = (const char *)sqlite3_column_text(st, 0);
			const unsigned char *doc = sqlite3_column_text(st, 1);
			const struct iam_managed *m = iam_managed_find(name);
			if (!doc && !m)
				continue;
			push(names, &nn, (const unsigned char *)name);
			push(docs, n, m ? (const unsigned char *)m->document : doc);
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
}

void iam_store_entity_documents(struct cloud *c, const char *account, const char *kind,
				const char *name, char ***types, char ***ids, char ***docs,
				size_t *n)
{
	*types = *ids = *docs = NULL;
	*n = 0;
	size_t nt = 0, ni = 0;
	if (!c->db)
		return;
	static const char *const sql[] = {
		"SELECT kind, name, document FROM iam_inline WHERE account = ?1 AND " OWNED_BY(
			"kind", "owner") " ORDER BY kind DESC, owner, name",
		"SELECT DISTINCT a.arn, v.document FROM iam_attached a LEFT JOIN iam_policies p ON"
		" p.account = a.account AND p.arn = a.arn LEFT JOIN iam_policy_versions v ON"
		" v.account = p.account AND v.arn = p.arn AND v.version = p.default_version WHERE"
		" a.account = ?1 AND " OWNED_BY("a.kind", "a.owner") " ORDER BY a.arn",
	};
	pthread_mutex_lock(&c->db->mu);
	for (size_t q = 0; q < 2; q++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(c->db->db, sql[q], -1, &st, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *a = (const char *)sqlite3_column_text(st, 0);
			if (q == 0) {
				push(types, &nt, (const unsigned char *)a);
				push(ids, &ni, sqlite3_column_text(st, 1));
				push(docs, n, sqlite3_column_text(st, 2));
				continue;
			}
			const unsigned char *doc = sqlite3_column_text(st, 1);
			const struct iam_managed *m = iam_managed_find(a);
			if (!doc && !m)
				continue;
			push(types, &nt,
			     (const unsigned char *)(m ? "aws-managed" : "user-managed"));
			push(ids, &ni, (const unsigned char *)(strrchr(a, '/') + 1));
			push(docs, n, m ? (const unsigned char *)m->document : doc);
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
}

bool iam_store_entity_exists(struct cloud *c, const char *account, const char *kind,
			     const char *name)
{
	bool found = false;
	if (!c->db ||
	    (strcmp(kind, "role") != 0 && strcmp(kind, "user") != 0 && strcmp(kind, "group") != 0))
		return false;
	char sql[96];
	snprintf(sql, sizeof(sql), "SELECT 1 FROM iam_%ss WHERE account = ?1 AND name = ?2", kind);
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->db->db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	return found;
}

void iam_store_reset(struct cloud *c, const char *account)
{
	static const char *const tables[] = {
		"iam_roles",           "iam_users",         "iam_inline",      "iam_policies",
		"iam_policy_versions", "iam_attached",      "iam_access_keys", "iam_usage",
		"iam_groups",          "iam_group_members", "iam_boundaries",
	};
	if (!c->db)
		return;
	pthread_mutex_lock(&c->db->mu);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char sql[96];
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE account = ?1", tables[i]);
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(c->db->db, sql, -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
	iam_store_changed();
}
