/*
 * The resource policy cache: a few slots, each the answer of one reader for one ARN, with the
 * database's count of changes to watched tables when it was read.
 */
#include "cloud/svc/policy.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/db.h"
#include "cloud/state.h"
#include "core/xalloc.h"

#define SLOTS 64

static struct slot {
	const struct cloud *c;
	svc_policy_fn read;
	char *arn;
	unsigned long long changes;
	bool found;
	char owner[13];
	char *policy;
} slots[SLOTS];
static unsigned next_slot;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void slot_clear(struct slot *s)
{
	free(s->arn);
	free(s->policy);
	memset(s, 0, sizeof(*s));
}

bool svc_policy_cached(struct cloud *c, svc_policy_fn read, const char *arn, char *owner,
		       char **policy)
{
	/* The count before the read: a change while reading makes the slot stale at once. */
	unsigned long long changes = cloud_db_changes(c->db);
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[i];
		if (s->c == c && s->read == read && strcmp(s->arn, arn) == 0) {
			if (s->changes != changes)
				break;
			bool found = s->found;
			memcpy(owner, s->owner, sizeof(s->owner));
			*policy = s->policy ? xstrdup(s->policy) : NULL;
			pthread_mutex_unlock(&mu);
			return found;
		}
	}
	pthread_mutex_unlock(&mu);
	bool found = read(c, arn, owner, policy);
	pthread_mutex_lock(&mu);
	struct slot *s = NULL;
	for (size_t i = 0; i < SLOTS && !s; i++)
		if (slots[i].c == c && slots[i].read == read && strcmp(slots[i].arn, arn) == 0)
			s = &slots[i];
	if (!s)
		s = &slots[next_slot++ % SLOTS];
	slot_clear(s);
	s->c = c;
	s->read = read;
	s->arn = xstrdup(arn);
	s->changes = changes;
	s->found = found;
	snprintf(s->owner, sizeof(s->owner), "%s", found ? owner : "");
	s->policy = *policy ? xstrdup(*policy) : NULL;
	pthread_mutex_unlock(&mu);
	return found;
}

bool svc_attrs_policy(struct cloud *c, const char *table, const char *account, const char *name,
		      char **policy)
{
	*policy = NULL;
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT attrs FROM %s WHERE account=? AND name=?", table);
	pthread_mutex_lock(&c->db->mu);
	cloud_db_watch(c->db, table);
	sqlite3_stmt *st = db_prep(c->db, sql);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	bool found = st && sqlite3_step(st) == SQLITE_ROW;
	cJSON *attrs = found ? cJSON_Parse((const char *)sqlite3_column_text(st, 0)) : NULL;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	const char *doc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(attrs, "Policy"));
	if (doc && doc[0])
		*policy = xstrdup(doc);
	cJSON_Delete(attrs);
	return found;
}

void svc_policy_forget(const struct cloud *c)
{
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < SLOTS; i++)
		if (slots[i].c == c)
			slot_clear(&slots[i]);
	pthread_mutex_unlock(&mu);
}
