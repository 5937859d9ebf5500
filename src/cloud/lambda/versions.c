/*
 * Versions, aliases and provisioned concurrency configurations of Lambda functions.
 */
#include "cloud/lambda/versions.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/http/aws.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/package.h"
#include "cloud/lambda/policy.h"
#include "cloud/lambda/validate.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define LIST_DEFAULT 50
#define LIST_MAX     10000

static const char *str_in(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static bool all_digits(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

const char *lambda_fn_version_name(const struct lfunc *fn, char buf[12])
{
	if (fn->version == 0)
		snprintf(buf, 12, "$LATEST");
	else
		snprintf(buf, 12, "%u", fn->version);
	return buf;
}

static void fn_arn(char *out, size_t n, const char *account, const char *name,
		   const char *qualifier)
{
	snprintf(out, n, "arn:aws:lambda:" AWS_REGION_NAME ":%s:function:%s%s%s", account, name,
		 qualifier && qualifier[0] ? ":" : "", qualifier ? qualifier : "");
}

static bool not_found(struct aws_err *err, const char *account, const char *name,
		      const char *qualifier)
{
	char arn[300];
	fn_arn(arn, sizeof(arn), account, name, qualifier);
	return aws_err_set(err, 404, "ResourceNotFoundException", "Function not found: %s", arn);
}

static bool alias_missing(struct aws_err *err, const char *account, const char *name,
			  const char *alias)
{
	char arn[300];
	fn_arn(arn, sizeof(arn), account, name, alias);
	return aws_err_set(err, 404, "ResourceNotFoundException", "Cannot find alias arn: %s", arn);
}

struct lfunc *lambda_version_find(const struct lfunc *latest, unsigned v)
{
	vec_for_each (&latest->versions, i) {
		struct lfunc *fn = latest->versions.items[i];
		if (fn->version == v)
			return fn;
	}
	return NULL;
}

struct lalias *lambda_alias_find(const struct lfunc *latest, const char *name)
{
	vec_for_each (&latest->aliases, i) {
		struct lalias *a = latest->aliases.items[i];
		if (strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

bool lambda_versions_use_dir(const struct lfunc *latest, const char *dir)
{
	vec_for_each (&latest->versions, i) {
		const struct lfunc *v = latest->versions.items[i];
		if (strcmp(v->code_dir, dir) == 0)
			return true;
	}
	return false;
}

/* A uniform draw in [0, 1) for the routing weights (cloud->mu held). */
static double draw(void)
{
	static unsigned long long s;
	if (s == 0)
		s = (unsigned long long)clock_wall_ms() * 0x9E3779B97F4A7C15ull | 1;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (double)(s >> 11) / 9007199254740992.0;
}

struct lfunc *lambda_fn_named(struct lfunc *latest, const char *qualifier, struct aws_err *err)
{
	if (!qualifier || !qualifier[0] || strcmp(qualifier, "$LATEST") == 0)
		return latest;
	struct lfunc *v = NULL;
	if (all_digits(qualifier)) {
		if (strlen(qualifier) < 10)
			v = lambda_version_find(latest, (unsigned)atol(qualifier));
	} else {
		const struct lalias *a = lambda_alias_find(latest, qualifier);
		if (a)
			v = a->version ? lambda_version_find(latest, a->version) : latest;
	}
	if (!v)
		not_found(err, latest->account, latest->name, qualifier);
	return v;
}

struct lfunc *lambda_fn_resolve(struct cloud *c, struct lfunc *latest, const char *qualifier,
				struct aws_err *err)
{
	(void)c;
	if (!qualifier || !qualifier[0] || strcmp(qualifier, "$LATEST") == 0)
		return latest;
	if (all_digits(qualifier)) {
		struct lfunc *v = strlen(qualifier) < 10
					  ? lambda_version_find(latest, (unsigned)atol(qualifier))
					  : NULL;
		if (!v)
			not_found(err, latest->account, latest->name, qualifier);
		return v;
	}
	struct lalias *a = lambda_alias_find(latest, qualifier);
	if (!a) {
		not_found(err, latest->account, latest->name, qualifier);
		return NULL;
	}
	unsigned want = a->extra && draw() < a->weight ? a->extra : a->version;
	struct lfunc *v = want == 0 ? latest : lambda_version_find(latest, want);
	if (!v)
		not_found(err, latest->account, latest->name, qualifier);
	return v;
}

/* Split NAME[:QUALIFIER] into its parts; false when either is too long. */
static bool split_target(const char *target, char name[65], char qualifier[129])
{
	size_t n = strcspn(target, ":");
	if (n == 0 || n > 64 || (target[n] && strlen(target + n + 1) > 128))
		return false;
	memcpy(name, target, n);
	name[n] = '\0';
	snprintf(qualifier, 129, "%s", target[n] ? target + n + 1 : "");
	return true;
}

struct lfunc *lambda_fn_target(struct cloud *c, const char *account, const char *target,
			       char qualifier[129])
{
	char name[65];
	if (!split_target(target, name, qualifier))
		return NULL;
	struct lfunc *latest = lambda_fn_find(c, account, name);
	if (!latest)
		return NULL;
	struct aws_err err = { 0 };
	struct lfunc *fn = lambda_fn_resolve(c, latest, qualifier, &err);
	aws_err_release(&err);
	return fn;
}

bool lambda_fn_target_exists(struct cloud *c, const char *account, const char *target)
{
	char name[65], qualifier[129];
	if (!split_target(target, name, qualifier))
		return false;
	struct lfunc *latest = lambda_fn_find(c, account, name);
	struct aws_err err = { 0 };
	bool ok = latest && lambda_fn_named(latest, qualifier, &err);
	aws_err_release(&err);
	return ok;
}

/* --- The tables --------------------------------------------------------------------------- */

static void db_run(struct cloud *c, const char *sql, const char *account, const char *name,
		   const char *key, const char *text, long long num)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->db->db, sql, -1, &st, NULL) == SQLITE_OK) {
		int n = sqlite3_bind_parameter_count(st);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
		if (n >= 2)
			sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		if (n >= 3)
			sqlite3_bind_text(st, 3, key, -1, SQLITE_TRANSIENT);
		if (n >= 4)
			sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
		if (n >= 5)
			sqlite3_bind_int64(st, 5, num);
		if (sqlite3_step(st) != SQLITE_DONE)
			fprintf(stderr, "lambda-tutor: cannot record a version: %s\n",
				sqlite3_errmsg(c->db->db));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
}

static void save_version(struct cloud *c, const struct lfunc *v)
{
	cJSON *o = lambda_fn_state(v);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	char key[12];
	snprintf(key, sizeof(key), "%u", v->version);
	db_run(c,
	       "INSERT OR REPLACE INTO lambda_versions(account, function, version, config)"
	       " VALUES(?, ?, CAST(? AS INTEGER), ?)",
	       v->account, v->name, key, text, 0);
	free(text);
}

static cJSON *alias_state(const struct lalias *a)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "Version", a->version);
	cJSON_AddNumberToObject(o, "Extra", a->extra);
	cJSON_AddNumberToObject(o, "Weight", a->weight);
	cJSON_AddStringToObject(o, "Description", a->description ? a->description : "");
	cJSON_AddStringToObject(o, "RevisionId", a->revision);
	return o;
}

static void save_alias(struct cloud *c, const struct lfunc *latest, const struct lalias *a)
{
	cJSON *o = alias_state(a);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	db_run(c,
	       "INSERT OR REPLACE INTO lambda_aliases(account, function, name, config)"
	       " VALUES(?, ?, ?, ?)",
	       latest->account, latest->name, a->name, text, 0);
	free(text);
}

static void save_prov(struct cloud *c, const struct lfunc *latest, const struct lprov *p)
{
	char modified[24];
	snprintf(modified, sizeof(modified), "%lld", p->modified_ms);
	db_run(c,
	       "INSERT OR REPLACE INTO lambda_provisioned(account, function, qualifier, modified,"
	       " requested) VALUES(?, ?, ?, CAST(? AS INTEGER), ?)",
	       latest->account, latest->name, p->qualifier, modified, p->requested);
}

static void alias_free(struct lalias *a)
{
	if (!a)
		return;
	free(a->description);
	free(a);
}

void lambda_versions_release(struct lfunc *latest)
{
	vec_for_each (&latest->versions, i) {
		struct lfunc *v = latest->versions.items[i];
		v->deleted = true;
		v->generation++;
		lambda_fn_unref(v);
	}
	vec_release(&latest->versions);
	vec_for_each (&latest->aliases, i)
		alias_free(latest->aliases.items[i]);
	vec_release(&latest->aliases);
	vec_release_with(&latest->provisioned, free);
}

void lambda_versions_forget(struct cloud *c, const char *account, const char *name)
{
	static const char *const sql[] = {
		"DELETE FROM lambda_versions WHERE account = ? AND function = ?",
		"DELETE FROM lambda_aliases WHERE account = ? AND function = ?",
		"DELETE FROM lambda_provisioned WHERE account = ? AND function = ?",
	};
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		db_run(c, sql[i], account, name, NULL, NULL, 0);
}

/* Insert v among latest's versions, in number order. */
static void add_version(struct lfunc *latest, struct lfunc *v)
{
	size_t k = latest->versions.len;
	vec_push(&latest->versions, v);
	while (k > 0 && ((struct lfunc *)latest->versions.items[k - 1])->version > v->version) {
		latest->versions.items[k] = latest->versions.items[k - 1];
		k--;
	}
	latest->versions.items[k] = v;
}

static void add_alias(struct lfunc *latest, struct lalias *a)
{
	size_t k = latest->aliases.len;
	vec_push(&latest->aliases, a);
	while (k > 0 &&
	       strcmp(((struct lalias *)latest->aliases.items[k - 1])->name, a->name) > 0) {
		latest->aliases.items[k] = latest->aliases.items[k - 1];
		k--;
	}
	latest->aliases.items[k] = a;
}

void lambda_versions_load(struct cloud *c)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(c->db->db,
			   "SELECT account, function, version, config FROM lambda_versions", -1,
			   &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *account = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		struct lfunc *latest = lambda_fn_find(c, account, name);
		cJSON *o = cJSON_Parse((const char *)sqlite3_column_text(st, 3));
		if (latest && o) {
			struct lfunc *v = lambda_fn_from_state(account, name, o);
			v->version = (unsigned)sqlite3_column_int64(st, 2);
			add_version(latest, v);
		}
		cJSON_Delete(o);
	}
	sqlite3_finalize(st);
	sqlite3_prepare_v2(c->db->db, "SELECT account, function, name, config FROM lambda_aliases",
			   -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct lfunc *latest = lambda_fn_find(c, (const char *)sqlite3_column_text(st, 0),
						      (const char *)sqlite3_column_text(st, 1));
		cJSON *o = cJSON_Parse((const char *)sqlite3_column_text(st, 3));
		if (latest && o) {
			struct lalias *a = xcalloc(1, sizeof(*a));
			snprintf(a->name, sizeof(a->name), "%s", sqlite3_column_text(st, 2));
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "Version");
			a->version = cJSON_IsNumber(n) ? (unsigned)n->valuedouble : 0;
			n = cJSON_GetObjectItemCaseSensitive(o, "Extra");
			a->extra = cJSON_IsNumber(n) ? (unsigned)n->valuedouble : 0;
			n = cJSON_GetObjectItemCaseSensitive(o, "Weight");
			a->weight = cJSON_IsNumber(n) ? n->valuedouble : 0;
			const char *d = str_in(o, "Description");
			a->description = xstrdup(d ? d : "");
			d = str_in(o, "RevisionId");
			snprintf(a->revision, sizeof(a->revision), "%s", d ? d : "");
			add_alias(latest, a);
		}
		cJSON_Delete(o);
	}
	sqlite3_finalize(st);
	sqlite3_prepare_v2(c->db->db,
			   "SELECT account, function, qualifier, requested, modified"
			   " FROM lambda_provisioned",
			   -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct lfunc *latest = lambda_fn_find(c, (const char *)sqlite3_column_text(st, 0),
						      (const char *)sqlite3_column_text(st, 1));
		if (!latest)
			continue;
		struct lprov *p = xcalloc(1, sizeof(*p));
		snprintf(p->qualifier, sizeof(p->qualifier), "%s", sqlite3_column_text(st, 2));
		p->requested = sqlite3_column_int(st, 3);
		p->modified_ms = sqlite3_column_int64(st, 4);
		p->since_ms = p->modified_ms;
		/* Environments do not survive a restart: they are made again. */
		snprintf(p->status, sizeof(p->status), "IN_PROGRESS");
		vec_push(&latest->provisioned, p);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
}

/* --- Finding the function ----------------------------------------------------------------- */

/*
 * The FunctionName of a request: the function ($LATEST, cloud->mu held by the caller after
 * success) and the qualifier the name carries, checked against a Qualifier member when
 * qualifier_member is given. On failure cloud->mu is not held.
 */
static struct lfunc *find_latest(struct svc_call *call, const cJSON *in, char name[65],
				 char qualifier[129], const char *qualifier_member,
				 struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *ref = str_in(in, "FunctionName");
	char account[13];
	struct api_err e = { 0 };
	if (!lambda_parse_ref(ref ? ref : "", name, account, qualifier, &e))
		return aws_err_set(err, e.status, e.type, "%s", e.msg), NULL;
	const char *q = qualifier_member ? str_in(in, qualifier_member) : NULL;
	if (q && q[0]) {
		if (qualifier[0] && strcmp(q, qualifier) != 0)
			return aws_err_set(err, 400, "InvalidParameterValueException",
					   "The derived qualifier from the function name does not "
					   "match the specified qualifier."),
			       NULL;
		snprintf(qualifier, 129, "%s", q);
	}
	const char *mine = call->caller->account;
	pthread_mutex_lock(&c->mu);
	struct lfunc *fn =
		!account[0] || strcmp(account, mine) == 0 ? lambda_fn_find(c, mine, name) : NULL;
	if (!fn) {
		pthread_mutex_unlock(&c->mu);
		not_found(err, account[0] ? account : mine, name, NULL);
	}
	return fn;
}

static bool check_revision(const char *want, const char *have, struct aws_err *err)
{
	if (want && want[0] && strcmp(want, have) != 0)
		return aws_err_set(
			err, 412, "PreconditionFailedException",
			"The Revision Id provided does not match the latest Revision Id. "
			"Call the GetFunction/GetAlias API to retrieve the latest Revision "
			"Id");
	return true;
}

/* --- Versions ----------------------------------------------------------------------------- */

/* What publishing $LATEST would freeze: its code and the configuration a version keeps. */
static void source_digest(const struct lfunc *fn, char out[65])
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "r", fn->runtime);
	cJSON_AddStringToObject(o, "h", fn->handler);
	cJSON_AddStringToObject(o, "role", fn->role);
	cJSON_AddStringToObject(o, "d", fn->description ? fn->description : "");
	if (fn->vars)
		cJSON_AddItemToObject(o, "v", cJSON_Duplicate(fn->vars, true));
	cJSON_AddNumberToObject(o, "m", fn->memory);
	cJSON_AddNumberToObject(o, "t", fn->timeout);
	cJSON_AddNumberToObject(o, "e", fn->ephemeral);
	cJSON_AddBoolToObject(o, "a", fn->arm64);
	cJSON_AddStringToObject(o, "c", fn->sha256);
	lambda_logcfg_save(&fn->log, o);
	if (fn->layers)
		cJSON_AddItemToObject(o, "l", cJSON_Duplicate(fn->layers, true));
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	char b64[48];
	lambda_package_sha256(text, strlen(text), b64, out);
	free(text);
}

cJSON *lambda_op_publish_version(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	char name[65], qualifier[129];
	struct lfunc *fn = find_latest(call, in, name, qualifier, NULL, err);
	if (!fn)
		return NULL;
	cJSON *out = NULL;
	const char *sha = str_in(in, "CodeSha256");
	if (qualifier[0] && strcmp(qualifier, "$LATEST") != 0) {
		aws_err_set(err, 400, "InvalidParameterValueException",
			    "Only $LATEST may be published: %s names a version or an alias",
			    qualifier);
		goto done;
	}
	if (sha && sha[0] && strcmp(sha, fn->sha256) != 0) {
		aws_err_set(err, 400, "InvalidParameterValueException",
			    "CodeSHA256 (%.100s) is different from current CodeSHA256 in $LATEST "
			    "(%s). Please try again with the CodeSHA256 in $LATEST.",
			    sha, fn->sha256);
		goto done;
	}
	if (!check_revision(str_in(in, "RevisionId"), fn->revision, err))
		goto done;
	char digest[65];
	source_digest(fn, digest);
	struct lfunc *last = fn->versions.len ? fn->versions.items[fn->versions.len - 1] : NULL;
	if (last && last->version == fn->last_version && strcmp(last->source_digest, digest) == 0) {
		/* Nothing changed since: that version is the one. */
		out = lambda_fn_config(c, last);
		goto done;
	}
	cJSON *state = lambda_fn_state(fn);
	struct lfunc *v = lambda_fn_from_state(fn->account, fn->name, state);
	cJSON_Delete(state);
	v->version = ++fn->last_version;
	v->last_version = 0;
	snprintf(v->source_digest, sizeof(v->source_digest), "%s", digest);
	const char *desc = str_in(in, "Description");
	if (desc) {
		free(v->description);
		v->description = xstrdup(desc);
	}
	aws_uuid(v->revision);
	v->modified_ms = clock_wall_ms();
	add_version(fn, v);
	save_version(c, v);
	lambda_fn_save(c, fn);
	out = lambda_fn_config(c, v);
done:
	pthread_mutex_unlock(&c->mu);
	return out;
}

static bool list_bounds(const cJSON *in, long *start, long *max, struct aws_err *err)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(in, "MaxItems");
	*max = cJSON_IsNumber(m) ? (long)m->valuedouble : LIST_DEFAULT;
	if (*max < 1 || *max > LIST_MAX)
		return aws_err_set(err, 400, "ValidationException",
				   "1 validation error detected: Value '%ld' at 'maxItems' failed "
				   "to satisfy constraint: Member must have value %s",
				   *max,
				   *max < 1 ? "greater than or equal to 1"
					    : "less than or equal to 10000");
	const char *marker = str_in(in, "Marker");
	*start = marker ? strtol(marker, NULL, 10) : 0;
	if (*start < 0)
		*start = 0;
	return true;
}

static void add_marker(cJSON *out, long next, long total)
{
	if (next < total) {
		char m[24];
		snprintf(m, sizeof(m), "%ld", next);
		cJSON_AddStringToObject(out, "NextMarker", m);
	}
}

cJSON *lambda_op_list_versions_by_function(struct svc_call *call, const cJSON *in,
					   struct aws_err *err)
{
	struct cloud *c = call->cloud;
	long start, max;
	if (!list_bounds(in, &start, &max, err))
		return NULL;
	char name[65], qualifier[129];
	struct lfunc *fn = find_latest(call, in, name, qualifier, NULL, err);
	if (!fn)
		return NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "Versions");
	long total = (long)fn->versions.len + 1;
	for (long i = start; i < total && i < start + max; i++) {
		struct lfunc *v = i == 0 ? fn : fn->versions.items[i - 1];
		cJSON_AddItemToArray(arr, lambda_fn_config_as(c, v, i == 0 ? "$LATEST" : NULL));
	}
	add_marker(out, start + max, total);
	pthread_mutex_unlock(&c->mu);
	return out;
}

/* --- Aliases ------------------------------------------------------------------------------ */

static cJSON *alias_output(const struct lfunc *fn, const struct lalias *a)
{
	cJSON *o = cJSON_CreateObject();
	char arn[300], v[12];
	fn_arn(arn, sizeof(arn), fn->account, fn->name, a->name);
	cJSON_AddStringToObject(o, "AliasArn", arn);
	cJSON_AddStringToObject(o, "Name", a->name);
	if (a->version == 0)
		snprintf(v, sizeof(v), "$LATEST");
	else
		snprintf(v, sizeof(v), "%u", a->version);
	cJSON_AddStringToObject(o, "FunctionVersion", v);
	cJSON_AddStringToObject(o, "Description", a->description ? a->description : "");
	if (a->extra) {
		char k[12];
		snprintf(k, sizeof(k), "%u", a->extra);
		cJSON *w = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "RoutingConfig"),
						   "AdditionalVersionWeights");
		cJSON_AddNumberToObject(w, k, a->weight);
	}
	cJSON_AddStringToObject(o, "RevisionId", a->revision);
	return o;
}

static bool valid_alias_name(const char *s, struct aws_err *err)
{
	size_t n = s ? strlen(s) : 0;
	bool ok = n >= 1 && n <= 128 && !all_digits(s);
	for (size_t i = 0; ok && i < n; i++) {
		char ch = s[i];
		ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		     (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
	}
	if (!ok)
		return aws_err_set(
			err, 400, "ValidationException",
			"1 validation error detected: Value '%.128s' at 'name' failed to "
			"satisfy constraint: Member must satisfy regular expression "
			"pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
			s ? s : "");
	return true;
}

/* A FunctionVersion: $LATEST (0) or a published version's number. */
static bool read_version(const struct lfunc *fn, const char *s, unsigned *out, struct aws_err *err)
{
	if (s && strcmp(s, "$LATEST") == 0) {
		*out = 0;
		return true;
	}
	if (!all_digits(s) || strlen(s) > 9)
		return aws_err_set(
			err, 400, "ValidationException",
			"1 validation error detected: Value '%.64s' at 'functionVersion' "
			"failed to satisfy constraint: Member must satisfy regular "
			"expression pattern: (\\$LATEST|[0-9]+)",
			s ? s : "");
	*out = (unsigned)atol(s);
	if (!lambda_version_find(fn, *out))
		return not_found(err, fn->account, fn->name, s);
	return true;
}

/* RoutingConfig: at most one additional version, with a weight in [0, 1]. given is false when
 * the member is absent (an update keeps the alias's). */
static bool read_routing(const struct lfunc *fn, const cJSON *in, unsigned primary, bool *given,
			 unsigned *extra, double *weight, struct aws_err *err)
{
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(in, "RoutingConfig");
	*given = rc != NULL;
	*extra = 0;
	*weight = 0;
	if (!rc)
		return true;
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(rc, "AdditionalVersionWeights");
	int n = cJSON_GetArraySize(w);
	if (n == 0)
		return true;
	if (n > 1)
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "Number of items in AdditionalVersionWeights cannot be greater "
				   "than 1");
	const cJSON *e = w->child;
	if (!all_digits(e->string) || strlen(e->string) > 9)
		return aws_err_set(
			err, 400, "ValidationException",
			"1 validation error detected: Value '{%.64s=%g}' at "
			"'routingConfig.additionalVersionWeights' failed to satisfy "
			"constraint: Map keys must satisfy constraint: [Member must have "
			"length less than or equal to 1024, Member must have length "
			"greater than or equal to 1, Member must satisfy regular "
			"expression pattern: [0-9]+]",
			e->string, cJSON_IsNumber(e) ? e->valuedouble : 0.0);
	if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble > 1 || isnan(e->valuedouble))
		return aws_err_set(
			err, 400, "ValidationException",
			"1 validation error detected: Value '{%s=%.1f}' at "
			"'routingConfig.additionalVersionWeights' failed to satisfy "
			"constraint: Map value must satisfy constraint: [Member must have "
			"value less than or equal to 1.0, Member must have value greater "
			"than or equal to 0.0, Member must not be null]",
			e->string, cJSON_IsNumber(e) ? e->valuedouble : 0.0);
	*extra = (unsigned)atol(e->string);
	*weight = e->valuedouble;
	if (!lambda_version_find(fn, *extra))
		return not_found(err, fn->account, fn->name, e->string);
	if (primary == 0)
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "$LATEST is not supported for an alias pointing to more than 1 "
				   "version");
	if (*extra == primary)
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "Invalid function version %u. Function version %u is already "
				   "included in routing configuration.",
				   primary, primary);
	return true;
}

cJSON *lambda_op_create_alias(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *alias = str_in(in, "Name"), *version = str_in(in, "FunctionVersion");
	const char *desc = str_in(in, "Description");
	if (!valid_alias_name(alias, err))
		return NULL;
	if (desc && strlen(desc) > 256)
		return aws_err_set(err, 400, "ValidationException",
				   "1 validation error detected: Value at 'description' failed to "
				   "satisfy constraint: Member must have length less than or equal "
				   "to 256"),
		       NULL;
	char name[65], qualifier[129];
	struct lfunc *fn = find_latest(call, in, name, qualifier, NULL, err);
	if (!fn) {
		/* Lambda names the version it was asked for. */
		if (err->status == 404 && version) {
			char account[13];
			snprintf(account, sizeof(account), "%s", call->caller->account);
			not_found(err, account, name, version);
		}
		return NULL;
	}
	cJSON *out = NULL;
	unsigned v = 0, extra = 0;
	double weight = 0;
	bool routed;
	if (!read_version(fn, version, &v, err) ||
	    !read_routing(fn, in, v, &routed, &extra, &weight, err))
		goto done;
	if (lambda_alias_find(fn, alias)) {
		char arn[300];
		fn_arn(arn, sizeof(arn), fn->account, fn->name, alias);
		aws_err_set(err, 409, "ResourceConflictException", "Alias already exists: %s", arn);
		goto done;
	}
	struct lalias *a = xcalloc(1, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", alias);
	a->version = v;
	a->extra = extra;
	a->weight = weight;
	a->description = xstrdup(desc ? desc : "");
	aws_uuid(a->revision);
	add_alias(fn, a);
	save_alias(c, fn, a);
	out = alias_output(fn, a);
done:
	pthread_mutex_unlock(&c->mu);
	return out;
}

cJSON *lambda_op_get_alias(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *alias = str_in(in, "Name");
	if (!valid_alias_name(alias, err))
		return NULL;
	char name[65], qualifier[129];
	struct lfunc *fn = find_latest(call, in, name, qualifier, NULL, err);
	if (!fn) {
		if (err->status == 404)
			alias_missing(err, call->caller->account, name, alias);
		return NULL;
	}
	struct lalias *a = lambda_alias_find(fn, alias);
	cJSON *out = a ? alias_output(fn, a) : NULL;
	if (!a)
		alias_missing(err, fn->account, fn->name, alias);
	pthread_mutex_unlock(&c->mu);
	return out;
}

cJSON *lambda_op_update_alias(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *alias = str_in(in, "Name"), *version = str_in(in, "FunctionVersion");
	const char *desc = str_in(in, "Description");
	if (!valid_alias_name(alias, err))
		return NULL;
	char name[65], qualifier[129];
	struct lfunc *fn = find_latest(call, in, name, qualifier, NULL, err);
	if (!fn)
		return NULL;
	cJSON *out = NULL;
	struct lalias *a = lambda_alias_find(fn, alias);
	if (!a) {
		char arn[300];
		fn_arn(arn, sizeof(arn), fn->account, fn->name, alias);
		aws_err_set(err, 404, "ResourceNotFoundException", "Alias not found: %s", arn);
		goto done;
	}
	if (!check_revision(str_in(in, "RevisionId"), a->revision, err))
		goto done;
	unsigned v = a->version, extra = a->extra;
	double weight = a->weight;
	bool routed;
	if (version && !read_version(fn, version, &v, err))
		goto done;
	unsigned new_extra;
	double new_weight;
	if (!read_routing(fn, in, v, &routed, &new_extra, &new_weight, err))
		goto done;
	if (routed) {
		extra = new_extra;
		weight = new_weight;
	} else if (extra && (v == 0 || extra == v)) {
		/* The kept routing must still make sense with the new version. */
		if (v == 0)
			aws_err_set(err, 400, "InvalidParameterValueException",
				    "$LATEST is not supported for an alias pointing to more than 1 "
				    "version");
		else
			aws_err_set(err, 400, "InvalidParameterValueException",
				    "Invalid function version %u. Function version %u is already "
				    "included in routing configuration.",
				    v, v);
		goto done;
	}
	a->version = v;
	a->extra = extra;
	a->weight = weight;
	if (desc) {
		free(a->description);
		a->description = xstrdup(desc);
	}
	aws_uuid(a->revision);
	save_alias(c, fn, a);
	out = alias_output(fn, a);
done:
	pthread_mutex_unlock(&c->mu);
	return out;
}

static struct lprov *prov_find(const struct lfunc *fn, const char *qualifier)
{
	vec_for_each (&fn->provisioned, i) {
		struct lprov *p = fn->provisioned.items[i];
		if (strcmp(p->qualifier, qualifier) == 0)
			return p;
	}
	return NULL;
}

static void prov_remove(struct cloud *c, struct lfunc *fn, struct lprov *p)
{
	size_t out = 0;
	vec_for_each (&fn->provisioned, i) {
		if (fn->provisioned.items[i] != p)
			fn->provisioned.items[out++] = fn->provisioned.items[i];
	}
	fn->provisioned.len = out;
	db_run(c,
	       "DELETE FROM lambda_provisioned WHERE account = ? AND function = ? AND qualifier = "
	       "?",
	       fn->account, fn->name, p->qualifier, NULL, 0);
	free(p);
}

cJSON *lambda_op_delete_alias(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *alias = str_in(in, "Name");
	if (!valid_alias_name(alias, err))
		return NULL;
	char name[65], qualifier[129];
	struct lfunc *fn = find_latest(call, in, name, qualifier, NULL, err);
	if (!fn)
		return NULL;
	struct lalias *a = lambda_alias_find(fn, alias);
	if (a) {
		size_t out = 0;
		vec_for_each (&fn->aliases, i) {
			if (fn->aliases.items[i] != a)
				fn->aliases.items[out++] = fn->aliases.items[i];
		}
		fn->aliases.len = out;
		db_run(c,
		       "DELETE FROM lambda_aliases WHERE account = ? AND function = ? AND name = ?",
		       fn->account, fn->name, alias, NULL, 0);
		/* Its provisioned concurrency and its policy go with it. */
		struct lprov *p = prov_find(fn, alias);
		if (p)
			prov_remove(c, fn, p);
		lambda_policy_forget(c, fn->account, fn->name, alias);
		char *key = xasprintf("%s:%s", fn->name, alias);
		lambda_url_forget(c, fn->account, key);
		free(key);
		alias_free(a);
	}
	pthread_mutex_unlock(&c->mu);
	/* Deleting an alias that is not there succeeds, as in AWS. */
	return cJSON_CreateObject();
}

cJSON *lambda_op_list_aliases(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	long start, max;
	if (!list_bounds(in, &start, &max, err))
		return NULL;
	char name[65], qualifier[129];
	struct lfunc *fn = find_latest(call, in, name, qualifier, NULL, err);
	if (!fn)
		return NULL;
	const char *only = str_in(in, "FunctionVersion");
	unsigned want = 0;
	bool filter = only != NULL;
	if (filter && strcmp(only, "$LATEST") != 0)
		want = all_digits(only) && strlen(only) < 10 ? (unsigned)atol(only) : ~0u;
	cJSON *out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "Aliases");
	long seen = 0;
	vec_for_each (&fn->aliases, i) {
		const struct lalias *a = fn->aliases.items[i];
		if (filter && a->version != want)
			continue;
		if (seen >= start && seen < start + max)
			cJSON_AddItemToArray(arr, alias_output(fn, a));
		seen++;
	}
	add_marker(out, start + max, seen);
	pthread_mutex_unlock(&c->mu);
	return out;
}

/* --- Deleting a version ------------------------------------------------------------------- */

bool lambda_version_delete_named(struct cloud *c, struct lfunc *latest, const char *qualifier,
				 struct aws_err *err)
{
	if (!all_digits(qualifier))
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "Deletion of aliases is not supported.");
	if (strlen(qualifier) >= 10 || !lambda_version_find(latest, (unsigned)atol(qualifier)))
		return not_found(err, latest->account, latest->name, qualifier);
	return lambda_version_delete(c, latest, (unsigned)atol(qualifier), err);
}

bool lambda_version_delete(struct cloud *c, struct lfunc *fn, unsigned v, struct aws_err *err)
{
	struct lfunc *ver = lambda_version_find(fn, v);
	if (!ver)
		return true;
	struct strbuf names = STRBUF_INIT;
	vec_for_each (&fn->aliases, i) {
		const struct lalias *a = fn->aliases.items[i];
		if (a->version == v || a->extra == v)
			strbuf_addf(&names, "%s%s", names.len ? ", " : "", a->name);
	}
	if (names.len) {
		aws_err_set(err, 409, "ResourceConflictException",
			    "Unable to delete version because the following aliases reference it: "
			    "[%s]",
			    names.buf);
		strbuf_release(&names);
		return false;
	}
	strbuf_release(&names);
	char key[12];
	snprintf(key, sizeof(key), "%u", v);
	struct lprov *p = prov_find(fn, key);
	if (p)
		prov_remove(c, fn, p);
	size_t out = 0;
	vec_for_each (&fn->versions, i) {
		if (fn->versions.items[i] != ver)
			fn->versions.items[out++] = fn->versions.items[i];
	}
	fn->versions.len = out;
	db_run(c,
	       "DELETE FROM lambda_versions WHERE account = ? AND function = ?"
	       " AND version = CAST(? AS INTEGER)",
	       fn->account, fn->name, key, NULL, 0);
	lambda_policy_forget(c, fn->account, fn->name, key);
	ver->deleted = true;
	ver->generation++;
	lambda_fn_unref(ver);
	return true;
}

/* --- Provisioned concurrency -------------------------------------------------------------- */

/*
 * The Qualifier of a provisioned concurrency request: a published version or an alias of
 * fn. Fills *version (the version it keeps environments of). Lambda's errors otherwise.
 */
static bool prov_target(const struct lfunc *fn, const char *qualifier, unsigned *version,
			const char *latest_message, struct aws_err *err)
{
	if (!qualifier || !qualifier[0] || strcmp(qualifier, "$LATEST") == 0)
		return aws_err_set(err, 400, "InvalidParameterValueException", "%s",
				   latest_message);
	if (all_digits(qualifier)) {
		*version = strlen(qualifier) < 10 ? (unsigned)atol(qualifier) : 0;
		if (*version == 0 || !lambda_version_find(fn, *version))
			return not_found(err, fn->account, fn->name, qualifier);
		return true;
	}
	const struct lalias *a = lambda_alias_find(fn, qualifier);
	if (!a)
		return alias_missing(err, fn->account, fn->name, qualifier);
	*version = a->version;
	return true;
}

/* A configuration's version as the alias now names it. */
static unsigned prov_version(const struct lfunc *fn, const struct lprov *p)
{
	if (all_digits(p->qualifier))
		return (unsigned)atol(p->qualifier);
	const struct lalias *a = lambda_alias_find(fn, p->qualifier);
	return a ? a->version : 0;
}

static cJSON *prov_output(const struct lfunc *fn, const struct lprov *p, bool with_arn)
{
	cJSON *o = cJSON_CreateObject();
	if (with_arn) {
		char arn[300];
		fn_arn(arn, sizeof(arn), fn->account, fn->name, p->qualifier);
		cJSON_AddStringToObject(o, "FunctionArn", arn);
	}
	char when[32];
	aws_time_iso(p->modified_ms, when);
	cJSON_AddNumberToObject(o, "RequestedProvisionedConcurrentExecutions", p->requested);
	cJSON_AddNumberToObject(o, "AvailableProvisionedConcurrentExecutions", p->allocated);
	cJSON_AddNumberToObject(o, "AllocatedProvisionedConcurrentExecutions", p->allocated);
	cJSON_AddStringToObject(o, "Status", p->status);
	if (p->reason[0])
		cJSON_AddStringToObject(o, "StatusReason", p->reason);
	cJSON_AddStringToObject(o, "LastModified", when);
	return o;
}

/* The account's reserved and provisioned concurrency outside fn (cloud->mu held). */
static int account_committed(struct cloud *c, const struct lfunc *fn)
{
	int sum = 0;
	vec_for_each (&c->functions, i) {
		const struct lfunc *f = c->functions.items[i];
		if (f == fn || strcmp(f->account, fn->account) != 0)
			continue;
		if (f->reserved > 0) {
			sum += f->reserved;
			continue;
		}
		vec_for_each (&f->provisioned, k)
			sum += ((const struct lprov *)f->provisioned.items[k])->requested;
	}
	return sum;
}

cJSON *lambda_op_put_provisioned_concurrency_config(struct svc_call *call, const cJSON *in,
						    struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(in, "ProvisionedConcurrentExecutions");
	int want = cJSON_IsNumber(n) ? (int)n->valuedouble : 0;
	if (!cJSON_IsNumber(n) || n->valuedouble < 1)
		return aws_err_set(
			       err, 400, "ValidationException",
			       "1 validation error detected: Value '%d' at "
			       "'provisionedConcurrentExecutions' failed to satisfy constraint: "
			       "Member must have value greater than or equal to 1",
			       want),
		       NULL;
	const char *q = str_in(in, "Qualifier");
	char name[65], qualifier[129];
	struct lfunc *fn = find_latest(call, in, name, qualifier, "Qualifier", err);
	if (!fn) {
		if (err->status == 404 && q && !all_digits(q))
			alias_missing(err, call->caller->account, name, q);
		else if (err->status == 404 && q)
			not_found(err, call->caller->account, name, q);
		return NULL;
	}
	cJSON *out = NULL;
	unsigned version = 0;
	if (!prov_target(fn, qualifier, &version,
			 "Provisioned Concurrency Configs cannot be applied to unpublished "
			 "function versions.",
			 err))
		goto done;
	/* An alias splitting its invocations between two versions cannot have one. */
	bool by_alias = !all_digits(qualifier);
	const struct lalias *alias = by_alias ? lambda_alias_find(fn, qualifier) : NULL;
	if (alias && alias->extra) {
		aws_err_set(err, 400, "InvalidParameterValueException",
			    "Alias with weights can not be used with Provisioned Concurrency");
		goto done;
	}
	/* One configuration per version, whether named by number or by an alias. */
	vec_for_each (&fn->provisioned, i) {
		const struct lprov *p = fn->provisioned.items[i];
		if (strcmp(p->qualifier, qualifier) == 0 || prov_version(fn, p) != version)
			continue;
		if (by_alias)
			aws_err_set(err, 409, "ResourceConflictException",
				    "Alias can't be used for Provisioned Concurrency configuration "
				    "on an already Provisioned version");
		else
			aws_err_set(err, 409, "ResourceConflictException",
				    "Version is pointed by a Provisioned Concurrency alias");
		goto done;
	}
	int others = 0;
	vec_for_each (&fn->provisioned, i) {
		const struct lprov *p = fn->provisioned.items[i];
		if (strcmp(p->qualifier, qualifier) != 0)
			others += p->requested;
	}
	if (fn->reserved >= 0 && others + want > fn->reserved) {
		aws_err_set(err, 400, "InvalidParameterValueException",
			    "Requested Provisioned Concurrency should not be greater than the "
			    "reservedConcurrentExecution for function");
		goto done;
	}
	int unreserved = c->account_limit - account_committed(c, fn);
	if (fn->reserved < 0 && others + want > unreserved - LAMBDA_UNRESERVED_MIN) {
		if (others + want > unreserved)
			aws_err_set(err, 400, "InvalidParameterValueException",
				    "Specified ConcurrentExecutions for function is greater than "
				    "account's unreserved concurrency [%d].",
				    unreserved);
		else
			aws_err_set(err, 400, "InvalidParameterValueException",
				    "Specified ConcurrentExecutions for function decreases "
				    "account's UnreservedConcurrentExecution below its minimum "
				    "value of [%d].",
				    LAMBDA_UNRESERVED_MIN);
		goto done;
	}
	struct lprov *p = prov_find(fn, qualifier);
	if (!p) {
		p = xcalloc(1, sizeof(*p));
		snprintf(p->qualifier, sizeof(p->qualifier), "%s", qualifier);
		vec_push(&fn->provisioned, p);
		lambda_loop_wake(c); /* its tick keeps the configuration from now on */
	}
	p->version = version;
	p->requested = want;
	p->allocated = 0;
	p->reason[0] = '\0';
	snprintf(p->status, sizeof(p->status), "IN_PROGRESS");
	p->modified_ms = clock_wall_ms();
	p->since_ms = vclock_now_ms(c->vclock, fn->account);
	save_prov(c, fn, p);
	out = prov_output(fn, p, false);
done:
	pthread_mutex_unlock(&c->mu);
	return out;
}

/* Get and Delete: the function and its configuration for Qualifier. */
static struct lfunc *prov_request(struct svc_call *call, const cJSON *in, char qualifier[129],
				  struct aws_err *err)
{
	const char *q = str_in(in, "Qualifier");
	char name[65];
	struct lfunc *fn = find_latest(call, in, name, qualifier, "Qualifier", err);
	if (!fn) {
		if (err->status == 404 && q && !all_digits(q))
			alias_missing(err, call->caller->account, name, q);
		else if (err->status == 404 && q)
			not_found(err, call->caller->account, name, q);
		return NULL;
	}
	unsigned version;
	if (!prov_target(fn, qualifier, &version,
			 "The function resource provided must be an alias or a published "
			 "version.",
			 err)) {
		pthread_mutex_unlock(&call->cloud->mu);
		return NULL;
	}
	return fn;
}

cJSON *lambda_op_get_provisioned_concurrency_config(struct svc_call *call, const cJSON *in,
						    struct aws_err *err)
{
	char qualifier[129];
	struct lfunc *fn = prov_request(call, in, qualifier, err);
	if (!fn)
		return NULL;
	const struct lprov *p = prov_find(fn, qualifier);
	cJSON *out = p ? prov_output(fn, p, false) : NULL;
	if (!p)
		aws_err_set(err, 404, "ProvisionedConcurrencyConfigNotFoundException",
			    "No Provisioned Concurrency Config found for this function");
	pthread_mutex_unlock(&call->cloud->mu);
	return out;
}

cJSON *lambda_op_delete_provisioned_concurrency_config(struct svc_call *call, const cJSON *in,
						       struct aws_err *err)
{
	char qualifier[129];
	struct lfunc *fn = prov_request(call, in, qualifier, err);
	if (!fn)
		return NULL;
	struct lprov *p = prov_find(fn, qualifier);
	if (p)
		prov_remove(call->cloud, fn, p);
	pthread_mutex_unlock(&call->cloud->mu);
	return cJSON_CreateObject();
}

cJSON *lambda_op_list_provisioned_concurrency_configs(struct svc_call *call, const cJSON *in,
						      struct aws_err *err)
{
	struct cloud *c = call->cloud;
	long start, max;
	if (!list_bounds(in, &start, &max, err))
		return NULL;
	if (max > 50)
		return aws_err_set(
			       err, 400, "ValidationException",
			       "1 validation error detected: Value '%ld' at 'maxItems' failed "
			       "to satisfy constraint: Member must have value less than or equal "
			       "to 50",
			       max),
		       NULL;
	char name[65], qualifier[129];
	struct lfunc *fn = find_latest(call, in, name, qualifier, NULL, err);
	if (!fn)
		return NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "ProvisionedConcurrencyConfigs");
	long total = (long)fn->provisioned.len;
	for (long i = start; i < total && i < start + max; i++)
		cJSON_AddItemToArray(arr, prov_output(fn, fn->provisioned.items[i], true));
	add_marker(out, start + max, total);
	pthread_mutex_unlock(&c->mu);
	return out;
}

/* --- Provisioned environments ------------------------------------------------------------- */

static bool env_alive(const struct env *env)
{
	return env->state != ENV_DEAD && !env->exited && !env->killed;
}

/* Stop a provisioned environment no longer wanted: now when idle, else after its invocation
 * (an environment of another generation than its function's is not used again). */
static void env_retire(struct env *env)
{
	env->provisioned = false;
	if (env->inv)
		env->generation = env->fn->generation - 1;
	else
		lambda_env_kill(env);
}

/* The configuration of latest that keeps environments of version v, or NULL. */
/*
 * How many environments of version v configuration p keeps: all of its version's, or, for an
 * alias routing a share of its invocations to a second version (a gradual deployment), each
 * version its share by weight, as Lambda splits an alias's provisioned concurrency.
 */
static int prov_share(const struct lfunc *latest, const struct lprov *p, unsigned v)
{
	const struct lalias *a =
		all_digits(p->qualifier) ? NULL : lambda_alias_find(latest, p->qualifier);
	int extra = a && a->extra ? (int)(p->requested * a->weight + 0.5) : 0;
	if (v && v == prov_version(latest, p))
		return p->requested - extra;
	return a && a->extra && v == a->extra ? extra : 0;
}

static struct lprov *prov_of_version(const struct lfunc *latest, unsigned v)
{
	vec_for_each (&latest->provisioned, i) {
		struct lprov *p = latest->provisioned.items[i];
		if (prov_version(latest, p) == v)
			return p;
	}
	vec_for_each (&latest->provisioned, i) {
		struct lprov *p = latest->provisioned.items[i];
		if (prov_share(latest, p, v) > 0)
			return p;
	}
	return NULL;
}

/* Keep want environments of one version for a configuration: start what is missing (a few
 * at a time, as the machine allows), stop what is too many. Counts the ready ones into
 * *ready; false when one failed to initialise (with p's status and reason told). */
static bool prov_keep_version(struct cloud *c, struct lfunc *ver, int want, struct lprov *p,
			      int *ready)
{
	int alive = 0, starting = 0;
	bool failed = false;
	vec_for_each (&c->envs, i) {
		struct env *env = c->envs.items[i];
		if (env->fn != ver || !env->provisioned || !env_alive(env))
			continue;
		if (env->init_failed) {
			failed = true;
			lambda_env_kill(env);
			continue;
		}
		if (alive >= want) {
			/* Fewer are wanted now. */
			env_retire(env);
			continue;
		}
		alive++;
		if (env->state == ENV_READY)
			(*ready)++;
		else
			starting++;
	}
	if (failed) {
		snprintf(p->reason, sizeof(p->reason), "FUNCTION_ERROR_INIT_FAILURE");
		return false;
	}
	while (alive < want && starting < 2) {
		struct api_err e = { 0 };
		if (!lambda_env_provision(c, ver, &e)) {
			snprintf(p->reason, sizeof(p->reason), "%.200s",
				 e.status == 200 ? "FUNCTION_ERROR_INIT_FAILURE" : e.msg);
			return false;
		}
		alive++;
		starting++;
	}
	return true;
}

/* Keep one configuration's environments, of its version (and of an alias's second version,
 * by weight), and tell its status. */
static void prov_keep(struct cloud *c, struct lfunc *latest, struct lprov *p)
{
	unsigned v = prov_version(latest, p);
	struct lfunc *ver = lambda_version_find(latest, v);
	if (!ver || strcmp(p->status, "FAILED") == 0)
		return;
	const struct lalias *a =
		all_digits(p->qualifier) ? NULL : lambda_alias_find(latest, p->qualifier);
	struct lfunc *second = a && a->extra ? lambda_version_find(latest, a->extra) : NULL;
	int ready = 0;
	bool ok = prov_keep_version(c, ver, prov_share(latest, p, v), p, &ready) &&
		  (!second ||
		   prov_keep_version(c, second, prov_share(latest, p, a->extra), p, &ready));
	if (!ok) {
		snprintf(p->status, sizeof(p->status), "FAILED");
		p->allocated = 0;
		return;
	}
	p->allocated = ready;
	snprintf(p->status, sizeof(p->status), "%s",
		 ready >= p->requested ? "READY" : "IN_PROGRESS");
}

void lambda_provisioned_tick(struct cloud *c)
{
	vec_for_each (&c->functions, i) {
		struct lfunc *latest = c->functions.items[i];
		vec_for_each (&latest->provisioned, k)
			prov_keep(c, latest, latest->provisioned.items[k]);
	}
	/* Environments no configuration wants any more (deleted, or its alias moved on). */
	vec_for_each (&c->envs, i) {
		struct env *env = c->envs.items[i];
		if (!env->provisioned || !env_alive(env))
			continue;
		struct lfunc *latest = lambda_fn_find(c, env->fn->account, env->fn->name);
		const struct lprov *p = latest && env->fn->version
						? prov_of_version(latest, env->fn->version)
						: NULL;
		if (p && strcmp(p->status, "FAILED") != 0 && !env->fn->deleted)
			continue;
		env_retire(env);
	}
}

void lambda_provisioned_invoked(struct cloud *c, const struct lfunc *fn, const char *qualifier,
				bool provisioned)
{
	const struct lfunc *latest = lambda_fn_find(c, fn->account, fn->name);
	const struct lprov *p = latest ? prov_of_version(latest, fn->version) : NULL;
	if (!p)
		return;
	int busy = provisioned ? 1 : 0;
	vec_for_each (&c->envs, i) {
		const struct env *env = c->envs.items[i];
		if (env->fn == fn && env->provisioned && env->inv)
			busy++;
	}
	char ver[12], buf[12];
	const char *executed = NULL;
	if (qualifier && qualifier[0] && !all_digits(qualifier))
		executed = lambda_fn_version_name(fn, ver);
	snprintf(buf, sizeof(buf), "%u", fn->version);
	const char *q = qualifier && qualifier[0] ? qualifier : buf;
	lambda_metric(c, fn->account, fn->name, q, executed,
		      provisioned ? "ProvisionedConcurrencyInvocations"
				  : "ProvisionedConcurrencySpilloverInvocations",
		      "Count", 1);
	lambda_metric(c, fn->account, fn->name, q, executed, "ProvisionedConcurrentExecutions",
		      "Count", busy);
	lambda_metric(c, fn->account, fn->name, q, executed, "ProvisionedConcurrencyUtilization",
		      "None", p->requested > 0 ? (double)busy / p->requested : 0);
}

cJSON *lambda_provisioned_charges(struct cloud *c, const char *account, const char *function)
{
	cJSON *out = cJSON_CreateArray();
	long long now = vclock_now_ms(c->vclock, account);
	pthread_mutex_lock(&c->mu);
	vec_for_each (&c->functions, i) {
		const struct lfunc *fn = c->functions.items[i];
		if (strcmp(fn->account, account) != 0 ||
		    (function && function[0] && strcmp(fn->name, function) != 0))
			continue;
		vec_for_each (&fn->provisioned, j) {
			const struct lprov *p = fn->provisioned.items[j];
			const struct lfunc *v = lambda_version_find(fn, prov_version(fn, p));
			int mb = v ? v->memory : fn->memory;
			long long kept = now > p->since_ms ? now - p->since_ms : 0;
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "FunctionName", fn->name);
			cJSON_AddStringToObject(o, "Qualifier", p->qualifier);
			cJSON_AddNumberToObject(o, "ProvisionedConcurrentExecutions", p->requested);
			cJSON_AddNumberToObject(o, "MemorySizeMB", mb);
			cJSON_AddNumberToObject(o, "ConfiguredSeconds", (double)(kept / 1000));
			long long billed = lambda_provisioned_billed_s(kept);
			cJSON_AddNumberToObject(o, "BilledSeconds", (double)billed);
			cJSON_AddNumberToObject(o, "GBSeconds",
						mb / 1024.0 * p->requested * (double)billed);
			cJSON_AddNumberToObject(
				o, "CostUSDx86_64",
				lambda_cost_provisioned_kept_usd(mb, p->requested, kept, false));
			cJSON_AddNumberToObject(
				o, "CostUSDarm64",
				lambda_cost_provisioned_kept_usd(mb, p->requested, kept, true));
			cJSON_AddNumberToObject(
				o, "CostUSDPerHourx86_64",
				lambda_cost_provisioned_kept_usd(mb, p->requested, 3600000, false));
			cJSON_AddItemToArray(out, o);
		}
	}
	pthread_mutex_unlock(&c->mu);
	return out;
}
