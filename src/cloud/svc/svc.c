/*
 * The service table's life (migrations, start, run, stop, free, the reset of an account) and
 * operations called from inside the cloud. AWS errors are proto/err.c's.
 */
#include "cloud/svc/svc.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/db.h"
#include "cloud/http/aws.h"
#include "cloud/proto/proto.h"
#include "cloud/state.h"
#include "cloud/svc/router.h"
#include "core/error.h"

void svc_caller_for_account(struct svc_caller *out, const char *account)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->account, sizeof(out->account), "%s", account);
	snprintf(out->arn, sizeof(out->arn), "arn:aws:iam::%s:root", account);
	snprintf(out->region, sizeof(out->region), "%s", AWS_REGION_NAME);
}

static bool hex_run(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool svc_trace_parse(const char *header, struct svc_trace *out)
{
	memset(out, 0, sizeof(*out));
	out->sampled = -1;
	bool root = false;
	for (const char *p = header; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		size_t n = strcspn(p, ";");
		if (n == 40 && strncmp(p, "Root=1-", 7) == 0 && hex_run(p + 7, 8) && p[15] == '-' &&
		    hex_run(p + 16, 24)) {
			memcpy(out->root, p + 5, 35);
			out->root[35] = '\0';
			root = true;
		} else if (n == 23 && strncmp(p, "Parent=", 7) == 0 && hex_run(p + 7, 16)) {
			memcpy(out->parent, p + 7, 16);
			out->parent[16] = '\0';
		} else if (n == 9 && strncmp(p, "Sampled=", 8) == 0 &&
			   (p[8] == '0' || p[8] == '1')) {
			out->sampled = p[8] - '0';
		}
		p += n;
	}
	return root;
}

void svc_caller_trace(struct svc_caller *caller, const char *header)
{
	struct svc_trace t;
	caller->trace[0] = '\0';
	if (!svc_trace_parse(header, &t))
		return;
	int n = snprintf(caller->trace, sizeof(caller->trace), "Root=%s", t.root);
	if (t.parent[0])
		n += snprintf(caller->trace + n, sizeof(caller->trace) - (size_t)n, ";Parent=%s",
			      t.parent);
	if (t.sampled >= 0)
		snprintf(caller->trace + n, sizeof(caller->trace) - (size_t)n, ";Sampled=%d",
			 t.sampled);
}

const struct cloud_service *svc_find(const char *name)
{
	for (size_t i = 0; i < svc_table_len; i++)
		if (strcmp(svc_table[i]->model, name) == 0)
			return svc_table[i];
	for (size_t i = 0; i < svc_table_len; i++)
		if (strcmp(svc_table[i]->name, name) == 0)
			return svc_table[i];
	return NULL;
}

static int op_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct svc_op *)elem)->name);
}

const struct svc_op *svc_op_find(const struct cloud_service *s, const char *op)
{
	if (!s || !op || !s->ops)
		return NULL;
	return bsearch(op, s->ops, s->nops, sizeof(s->ops[0]), op_cmp);
}

const char *svc_members_of(const struct cloud_service *s, const char *op)
{
	if (!s->members)
		return NULL;
	size_t n = strlen(op);
	for (const char *const *m = s->members; *m; m++)
		if (strncmp(*m, op, n) == 0 && ((*m)[n] == ' ' || (*m)[n] == '\0'))
			return *m + n;
	return NULL;
}

/*
 * How members names path (len bytes): 'y' acted on, 'p' some of its members are, 'd' not acted
 * on but for the values *dflt names ("-Member=NONE": what the cloud does anyway, '|' between
 * several; *dflt_len bytes), 0 not.
 */
static int member_state(const char *members, const char *path, size_t len, const char **dflt,
			size_t *dflt_len)
{
	int state = 0;
	for (const char *p = members; p && *p;) {
		p += strspn(p, " ");
		const char *w = p;
		size_t wl = strcspn(p, " ");
		p += wl;
		if (wl == 0)
			continue;
		if (*w == '-') {
			const char *eq = memchr(w, '=', wl);
			if (eq && (size_t)(eq - w - 1) == len && memcmp(w + 1, path, len) == 0) {
				*dflt = eq + 1;
				*dflt_len = wl - (size_t)(eq + 1 - w);
				return 'd';
			}
			continue;
		}
		if (*w == '~')
			w++, wl--;
		if (wl == len && memcmp(w, path, len) == 0)
			return 'y';
		if (wl > len && memcmp(w, path, len) == 0 && w[len] == '.')
			state = 'p';
	}
	return state;
}

/* Whether the scalar v is one of the values dflt lists ("NONE|private", n bytes). */
static bool scalar_is(const cJSON *v, const char *dflt, size_t n)
{
	char text[64];
	if (cJSON_IsString(v))
		snprintf(text, sizeof(text), "%s", v->valuestring);
	else if (cJSON_IsBool(v))
		snprintf(text, sizeof(text), "%s", cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNumber(v))
		snprintf(text, sizeof(text), "%.17g", v->valuedouble);
	else
		return false;
	size_t tl = strlen(text);
	if (cJSON_IsString(v) && tl != strlen(v->valuestring))
		return false; /* longer than any default */
	for (const char *p = dflt, *end = dflt + n; p < end;) {
		size_t wl = (size_t)(end - p);
		const char *bar = memchr(p, '|', wl);
		if (bar)
			wl = (size_t)(bar - p);
		if (wl == tl && memcmp(p, text, tl) == 0)
			return true;
		p += wl + 1;
	}
	return false;
}

/* Whether v is a default of dflt: a scalar, or a list of them. */
static bool is_default(const cJSON *v, const char *dflt, size_t n)
{
	if (!cJSON_IsArray(v))
		return scalar_is(v, dflt, n);
	for (const cJSON *e = v->child; e; e = e->next)
		if (!scalar_is(e, dflt, n))
			return false;
	return true;
}

/* Check obj's members, named path (len bytes of cap) and under. */
static bool members_walk(const struct cloud_service *s, const char *op, const char *members,
			 const cJSON *obj, char *path, size_t len, size_t cap, struct aws_err *err)
{
	for (const cJSON *m = obj->child; m; m = m->next) {
		size_t n = m->string ? strlen(m->string) : 0;
		if (n == 0 || len + n + 2 > cap)
			continue; /* only the model's members reach here: names are short */
		memcpy(path + len, m->string, n);
		path[len + n] = '\0';
		const char *dflt = NULL;
		size_t dflt_len = 0;
		int state = member_state(members, path, len + n, &dflt, &dflt_len);
		if (state == 'y' || (state == 'd' && is_default(m, dflt, dflt_len)))
			continue;
		if (state == 'p' && (cJSON_IsObject(m) || cJSON_IsArray(m))) {
			path[len + n] = '.';
			if (cJSON_IsObject(m) &&
			    !members_walk(s, op, members, m, path, len + n + 1, cap, err))
				return false;
			const cJSON *e = cJSON_IsArray(m) ? m->child : NULL;
			for (; e; e = e->next) {
				if (cJSON_IsObject(e) &&
				    !members_walk(s, op, members, e, path, len + n + 1, cap, err))
					return false;
			}
			continue;
		}
		if (cJSON_IsNull(m) || cJSON_IsFalse(m) ||
		    (cJSON_IsString(m) && !m->valuestring[0]) ||
		    ((cJSON_IsArray(m) || cJSON_IsObject(m)) && !m->child))
			continue; /* set to nothing: nothing to act on */
		return aws_err_set(err, 501, "NotImplemented",
				   "The local cloud does not offer %s's %s with %s: leave it out",
				   s->title, op, path);
	}
	return true;
}

bool svc_members_check(const struct cloud_service *s, const char *op, const cJSON *input,
		       struct aws_err *err)
{
	if (!s->members || !cJSON_IsObject(input))
		return true;
	char path[256];
	return members_walk(s, op, svc_members_of(s, op), input, path, 0, sizeof(path), err);
}

struct cJSON *svc_call_internal(struct cloud *c, const struct svc_caller *caller,
				const char *service, const char *op, const struct cJSON *input,
				struct aws_err *err)
{
	char rid[37];
	aws_uuid(rid);
	return svc_call_as(c, caller, service, op, input, rid, err);
}

struct cJSON *svc_call_as(struct cloud *c, const struct svc_caller *caller, const char *service,
			  const char *op, const struct cJSON *input, const char *request_id,
			  struct aws_err *err)
{
	const struct cloud_service *s = svc_find(service);
	const struct svc_op *o = svc_op_find(s, op);
	if (!o) {
		aws_err_set(err, 501, "NotImplemented",
			    "The local cloud does not offer %s's %s to other services", service,
			    op);
		return NULL;
	}
	/* One service's call to another stands for AWS's own, over TLS. */
	struct svc_caller me = *caller;
	me.plain_http = false;
	struct svc_call call = {
		.cloud = c,
		.svc = s,
		.op = o->name,
		.caller = &me,
		.request_id = request_id,
	};
	cJSON *empty = NULL;
	if (!input)
		input = empty = cJSON_CreateObject();
	/* What another service asks is checked as a client's request would be: against the
	 * model, then for a member the handler would drop. */
	const struct proto_service *ps = svc_model(s);
	const struct proto_op *po = ps ? proto_op_find(ps, o->name) : NULL;
	cJSON *out = NULL;
	if ((!po || proto_validate(ps, proto_service_protocol(ps), po, input, s->unchecked, err)) &&
	    svc_members_check(s, o->name, input, err))
		out = o->fn(&call, input, err);
	cJSON_Delete(empty);
	return out;
}

bool svc_migrate(struct cloud_db *db, const struct cloud_service *s, struct error *err)
{
	if (s->nmigrations == 0)
		return true;
	bool ok = false;
	sqlite3_stmt *st = NULL;
	error_clear(err);
	pthread_mutex_lock(&db->mu);
	if (!cloud_db_exec(db, "CREATE TABLE IF NOT EXISTS svc_schema(model TEXT PRIMARY KEY,"
			       " version INTEGER NOT NULL) STRICT;"))
		goto done;
	int version = 0;
	if (sqlite3_prepare_v2(db->db, "SELECT version FROM svc_schema WHERE model=?", -1, &st,
			       NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_text(st, 1, s->model, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version > (int)s->nmigrations) {
		error_set(err,
			  "the cloud's %s tables were written by a newer lambda-tutor (schema %d)",
			  s->name, version);
		goto done;
	}
	for (size_t v = (size_t)version; v < s->nmigrations; v++) {
		if (!cloud_db_exec(db, "BEGIN"))
			goto done;
		bool step = cloud_db_exec(db, s->migrations[v]);
		if (step &&
		    sqlite3_prepare_v2(db->db,
				       "INSERT INTO svc_schema(model, version) VALUES(?,?)"
				       " ON CONFLICT(model) DO UPDATE SET version=excluded.version",
				       -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, s->model, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 2, (int)v + 1);
			step = sqlite3_step(st) == SQLITE_DONE;
		} else {
			step = false;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (!step || !cloud_db_exec(db, "COMMIT")) {
			cloud_db_exec(db, "ROLLBACK");
			error_set(err, "cannot migrate the cloud's %s tables to schema %zu: %s",
				  s->name, v + 1, sqlite3_errmsg(db->db));
			goto done;
		}
	}
	ok = true;
done:
	sqlite3_finalize(st);
	if (!ok && !err->msg[0])
		error_set(err, "cannot read the cloud's schema versions: %s",
			  sqlite3_errmsg(db->db));
	pthread_mutex_unlock(&db->mu);
	return ok;
}

bool svc_start_all(struct cloud *c, struct error *err)
{
	for (size_t i = 0; i < svc_table_len; i++)
		if (!svc_migrate(c->db, svc_table[i], err))
			return false;
	for (size_t i = 0; i < svc_table_len; i++)
		if (svc_table[i]->start && !svc_table[i]->start(c, err))
			return false;
	return true;
}

bool svc_run_all(struct cloud *c, struct error *err)
{
	for (size_t i = 0; i < svc_table_len; i++)
		if (svc_table[i]->run && !svc_table[i]->run(c, err))
			return false;
	return true;
}

void svc_stop_all(struct cloud *c)
{
	for (size_t i = svc_table_len; i-- > 0;)
		if (svc_table[i]->stop)
			svc_table[i]->stop(c);
}

void svc_free_all(struct cloud *c)
{
	for (size_t i = svc_table_len; i-- > 0;)
		if (svc_table[i]->free)
			svc_table[i]->free(c);
}

void svc_reset_account(struct cloud *c, const char *account)
{
	/* Reverse order: what delivers to others (mappings, notifications) goes first. */
	for (size_t i = svc_table_len; i-- > 0;)
		if (svc_table[i]->reset_account)
			svc_table[i]->reset_account(c, account);
}
