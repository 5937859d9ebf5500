/*
 * AWS Systems Manager Parameter Store: String, StringList and SecureString parameters in
 * hierarchies, their versions and labels, and the operations that read them (GetParameter
 * with NAME:VERSION and NAME:LABEL selectors, GetParameters, GetParametersByPath,
 * DescribeParameters, GetParameterHistory) and change them (PutParameter's overwrite rules,
 * LabelParameterVersion, UnlabelParameterVersion, DeleteParameter(s), tags).
 *
 * A SecureString's value is encrypted by KMS (the parameter's KeyId, else the account's AWS
 * managed key alias/aws/ssm) with the encryption context {"PARAMETER_ARN": ARN}, as Parameter
 * Store does, and kept only as the ciphertext; reading it without WithDecryption answers the
 * ciphertext in base64, as AWS does. KMS is called through the service table.
 *
 * Every version is a row of ssm_versions; ssm_params holds the name, its latest version and
 * the tier. Standard parameters hold 4 KB values, advanced 8 KB; a parameter keeps 100
 * versions, the oldest dropped first unless it has a label.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cloud/clock/vclock.h"
#include "cloud/db.h"
#include "cloud/http/aws.h"
#include "cloud/iam/iam.h"
#include "cloud/proto/codec.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/strbuf.h"
#include "core/strutil.h"
#include "core/xalloc.h"

#define STANDARD_MAX 4096
#define ADVANCED_MAX 8192
#define MAX_VERSIONS 100
#define MAX_DEPTH    15
#define MAX_LABELS   10
#define DEFAULT_KEY  "alias/aws/ssm"

static const char *const migrations[] = {
	/* 0 -> 1: parameters, their versions (labels as a JSON array), tags. */
	"CREATE TABLE IF NOT EXISTS ssm_params(account TEXT NOT NULL, name TEXT NOT NULL,"
	" version INTEGER NOT NULL, tier TEXT NOT NULL, PRIMARY KEY(account, name)) STRICT;"
	"CREATE TABLE IF NOT EXISTS ssm_versions(account TEXT NOT NULL, name TEXT NOT NULL,"
	" version INTEGER NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL, key_id TEXT,"
	" description TEXT, pattern TEXT, data_type TEXT NOT NULL, tier TEXT NOT NULL,"
	" modified REAL NOT NULL, modified_by TEXT NOT NULL, labels TEXT NOT NULL DEFAULT '[]',"
	" PRIMARY KEY(account, name, version)) STRICT;"
	"CREATE TABLE IF NOT EXISTS ssm_tags(account TEXT NOT NULL, name TEXT NOT NULL,"
	" tag TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(account, name, tag)) STRICT;",
};

static const char NAME_RULE[] =
	"Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If "
	"formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path "
	"can be formed as a mix of letters, numbers and the following 3 symbols .-_";

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool flag(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void bind(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void param_arn(const char *account, const char *name, char *out, size_t n)
{
	snprintf(out, n, "arn:aws:ssm:%s:%s:parameter%s%s", AWS_REGION_NAME, account,
		 name[0] == '/' ? "" : "/", name);
}

/*
 * Whether the caller may perform ssm:OP on the parameter name (its selector left out), or on
 * "*" when name is NULL; err gets AWS's AccessDeniedException when not.
 */
static bool authorize(struct svc_call *call, const char *name, struct aws_err *err)
{
	char action[96];
	snprintf(action, sizeof(action), "ssm:%s", call->op ? call->op : "");
	char arn[2200] = "*";
	if (name) {
		char *bare = xstrdup(name);
		char *colon = strchr(bare, ':');
		if (colon)
			*colon = 0;
		param_arn(call->caller->account, bare, arn, sizeof(arn));
		free(bare);
	}
	struct iam_authz q = { .action = action, .resource = arn };
	return iam_authorize_err(call->cloud, call->caller, &q, 400, "AccessDeniedException", err);
}

/* authorize() for every name of a list member. */
static bool authorize_all(struct svc_call *call, const cJSON *names, struct aws_err *err)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, names) if (!authorize(call, it->valuestring, err)) return false;
	return true;
}

/* A name as Parameter Store takes it (err says why not). */
static bool name_valid(const char *name, struct aws_err *err)
{
	const char *base = name[0] == '/' ? name + 1 : name;
	if (strncasecmp(base, "aws", 3) == 0 || strncasecmp(base, "ssm", 3) == 0)
		return aws_err_set(err, 400, "ValidationException", "%s", NAME_RULE);
	int depth = 0;
	for (const char *p = name; *p; p++) {
		if (*p == '/') {
			depth++;
			if (p[1] == '/' || (p[1] == 0 && p != name))
				return aws_err_set(err, 400, "ValidationException", "%s",
						   NAME_RULE);
		} else if (!isalnum((unsigned char)*p) && !strchr("._-", *p)) {
			return aws_err_set(err, 400, "ValidationException", "%s", NAME_RULE);
		}
	}
	if (name[0] != '/' && strchr(name, '/'))
		return aws_err_set(err, 400, "ValidationException",
				   "Parameter name must be a fully qualified name.");
	if (depth > MAX_DEPTH)
		return aws_err_set(err, 400, "HierarchyLevelLimitExceededException",
				   "Parameter name hierarchy can have a maximum of %d levels.",
				   MAX_DEPTH);
	return true;
}

/* Split "NAME[:SELECTOR]". name gets NAME; sel points at the selector or NULL. */
static char *split_selector(const char *full, const char **sel)
{
	char *name = xstrdup(full);
	char *colon = strchr(name, ':');
	*sel = NULL;
	if (colon) {
		*colon = 0;
		*sel = full + (colon - name) + 1;
	}
	return name;
}

/* ---- KMS ---- */

/* Encrypt value for the parameter's ARN: the ciphertext's base64 (caller frees). */
static char *kms_seal(struct svc_call *call, const char *key, const char *arn, const char *value,
		      char key_arn_out[300], struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "KeyId", key);
	char *b64 = aws_base64_encode(value, strlen(value));
	cJSON_AddStringToObject(in, "Plaintext", b64);
	free(b64);
	cJSON *ctx = cJSON_AddObjectToObject(in, "EncryptionContext");
	cJSON_AddStringToObject(ctx, "PARAMETER_ARN", arn);
	cJSON *out = svc_call_internal(call->cloud, call->caller, "kms", "Encrypt", in, err);
	cJSON_Delete(in);
	char *blob = NULL;
	if (out) {
		blob = xstrdup(str(out, "CiphertextBlob"));
		snprintf(key_arn_out, 300, "%s", str(out, "KeyId"));
	} else if (strcmp(err->code, "NotFoundException") == 0) {
		char msg[sizeof(err->message)];
		snprintf(msg, sizeof(msg), "%s", err->message);
		aws_err_set(err, 400, "InvalidKeyId", "%s", msg);
	}
	cJSON_Delete(out);
	return blob;
}

/* The plaintext of a SecureString's stored ciphertext (caller frees), or NULL. */
static char *kms_open(struct svc_call *call, const char *arn, const char *blob, struct aws_err *err)
{
	cJSON *in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "CiphertextBlob", blob);
	cJSON *ctx = cJSON_AddObjectToObject(in, "EncryptionContext");
	cJSON_AddStringToObject(ctx, "PARAMETER_ARN", arn);
	cJSON *out = svc_call_internal(call->cloud, call->caller, "kms", "Decrypt", in, err);
	cJSON_Delete(in);
	char *plain = NULL;
	if (out) {
		const char *p = str(out, "Plaintext");
		size_t n = 0;
		unsigned char *bytes = aws_base64_decode(p, strlen(p), &n);
		if (bytes) {
			plain = xmalloc(n + 1);
			memcpy(plain, bytes, n);
			plain[n] = 0;
			free(bytes);
		}
	}
	cJSON_Delete(out);
	return plain;
}

/* ---- Versions read out of the database ---- */

/* One version, copied out of its row: the views are built after the lock is let go (KMS
 * takes it to decrypt). */
struct ver {
	char *name, *type, *value, *key_id, *description, *pattern, *data_type, *tier, *by, *labels;
	int version;
	double modified;
};

#define VCOLS                                                                                  \
	"name, version, type, value, key_id, description, pattern, data_type, tier, modified," \
	" modified_by, labels"

static char *dup_col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : xstrdup(db_col(st, i));
}

static void ver_read(sqlite3_stmt *st, struct ver *v)
{
	v->name = dup_col(st, 0);
	v->version = sqlite3_column_int(st, 1);
	v->type = dup_col(st, 2);
	v->value = dup_col(st, 3);
	v->key_id = dup_col(st, 4);
	v->description = dup_col(st, 5);
	v->pattern = dup_col(st, 6);
	v->data_type = dup_col(st, 7);
	v->tier = dup_col(st, 8);
	v->modified = sqlite3_column_double(st, 9);
	v->by = dup_col(st, 10);
	v->labels = dup_col(st, 11);
}

static void ver_release(struct ver *v)
{
	free(v->name);
	free(v->type);
	if (v->value)
		memset(v->value, 0, strlen(v->value));
	free(v->value);
	free(v->key_id);
	free(v->description);
	free(v->pattern);
	free(v->data_type);
	free(v->tier);
	free(v->by);
	free(v->labels);
	memset(v, 0, sizeof(*v));
}

/* A list of versions. */
struct vers {
	struct ver *v;
	size_t n, cap;
};

static void vers_add(struct vers *l, sqlite3_stmt *st)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	ver_read(st, &l->v[l->n++]);
}

static void vers_release(struct vers *l)
{
	for (size_t i = 0; i < l->n; i++)
		ver_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

enum view {
	VIEW_GET,
	VIEW_HISTORY,
	VIEW_DESCRIBE
};

/* A version as the operations answer it, decrypted when asked. NULL with err set. */
static cJSON *ver_view(struct svc_call *call, const struct ver *v, enum view kind, bool decrypt,
		       const char *selector, struct aws_err *err)
{
	const char *account = call->caller->account;
	char arn[2200];
	param_arn(account, v->name, arn, sizeof(arn));
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "Name", v->name);
	if (kind != VIEW_HISTORY && kind != VIEW_DESCRIBE)
		cJSON_AddStringToObject(p, "ARN", arn);
	cJSON_AddStringToObject(p, "Type", v->type);
	if (kind == VIEW_DESCRIBE) {
		cJSON_AddStringToObject(p, "ARN", arn);
	} else if (strcmp(v->type, "SecureString") == 0 && decrypt) {
		char *plain = kms_open(call, arn, v->value, err);
		if (!plain) {
			cJSON_Delete(p);
			return NULL;
		}
		cJSON_AddStringToObject(p, "Value", plain);
		memset(plain, 0, strlen(plain));
		free(plain);
	} else {
		cJSON_AddStringToObject(p, "Value", v->value);
	}
	cJSON_AddNumberToObject(p, "Version", v->version);
	if (selector)
		cJSON_AddStringToObject(p, "Selector", selector);
	cJSON_AddNumberToObject(p, "LastModifiedDate", v->modified);
	if (kind != VIEW_GET) {
		if (v->key_id)
			cJSON_AddStringToObject(p, "KeyId", v->key_id);
		cJSON_AddStringToObject(p, "LastModifiedUser", v->by);
		if (v->description)
			cJSON_AddStringToObject(p, "Description", v->description);
		if (v->pattern)
			cJSON_AddStringToObject(p, "AllowedPattern", v->pattern);
		if (kind == VIEW_HISTORY) {
			cJSON *labels = cJSON_Parse(v->labels ? v->labels : "[]");
			cJSON_AddItemToObject(p, "Labels", labels ? labels : cJSON_CreateArray());
		}
		cJSON_AddStringToObject(p, "Tier", v->tier);
		cJSON_AddArrayToObject(p, "Policies");
	}
	cJSON_AddStringToObject(p, "DataType", v->data_type);
	return p;
}

static bool all_digits(const char *s)
{
	return s && s[0] && strspn(s, "0123456789") == strlen(s);
}

/*
 * The version NAME[:VERSION|:LABEL] names into v, or false with err set as GetParameter
 * answers. Database locked.
 */
static bool find_version(struct cloud *c, const char *account, const char *full, struct ver *v,
			 struct aws_err *err)
{
	const char *sel;
	char *name = split_selector(full, &sel);
	/* Every GetParameter comes here: the statements stay prepared (db_stmt()). */
	sqlite3_stmt *st;
	if (!sel)
		st = db_stmt(c->db,
			     "SELECT " VCOLS " FROM ssm_versions WHERE account=?1 AND name=?2 AND"
			     " version=(SELECT version FROM ssm_params WHERE account=?1 AND"
			     " name=?2)");
	else if (all_digits(sel))
		st = db_stmt(c->db,
			     "SELECT " VCOLS " FROM ssm_versions WHERE account=?1 AND name=?2 AND"
			     " version=?3");
	else
		st = db_stmt(c->db,
			     "SELECT " VCOLS " FROM ssm_versions WHERE account=?1 AND name=?2 AND"
			     " EXISTS(SELECT 1 FROM json_each(labels) WHERE value=?4)");
	if (!st) {
		free(name);
		return aws_err_set(err, 500, "InternalServerError",
				   "the parameter store cannot be read");
	}
	bind(st, 1, account);
	bind(st, 2, name);
	if (all_digits(sel))
		sqlite3_bind_int64(st, 3, strtoll(sel, NULL, 10));
	else if (sel)
		bind(st, 4, sel);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		ver_read(st, v);
	sqlite3_reset(st);
	if (!found) {
		bool exists = false;
		if (all_digits(sel)) {
			sqlite3_stmt *q =
				db_prep(c->db, "SELECT 1 FROM ssm_params WHERE account=? AND"
					       " name=?");
			bind(q, 1, account);
			bind(q, 2, name);
			exists = sqlite3_step(q) == SQLITE_ROW;
			sqlite3_finalize(q);
		}
		if (exists)
			aws_err_set(err, 400, "ParameterVersionNotFound",
				    "Systems Manager could not find version %s of %s. Verify the "
				    "version and try again.",
				    sel, name);
		else
			aws_err_set(err, 400, "ParameterNotFound", "%s", "");
	}
	free(name);
	return found;
}

/*
 * A parameter named by its ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME[:SELECTOR], as
 * GetParameter and GetParameters take it): the name part, "/NAME..." (the caller's own
 * account only; another's names nothing here). Otherwise full itself. Borrowed from full.
 */
static const char *unarn(const char *account, const char *full)
{
	char prefix[128];
	snprintf(prefix, sizeof(prefix), "arn:aws:ssm:%s:%s:parameter/", AWS_REGION_NAME, account);
	size_t n = strlen(prefix);
	return strncmp(full, prefix, n) == 0 ? full + n - 1 : full;
}

/*
 * find_version() of a name or an ARN: an ARN's "/NAME" is the name /NAME when there is one,
 * else NAME (a name without a leading slash). *bare is the name as found. Database locked.
 */
static bool find_named(struct cloud *c, const char *account, const char *full, struct ver *v,
		       const char **bare, struct aws_err *err)
{
	*bare = unarn(account, full);
	if (*bare == full)
		return find_version(c, account, full, v, err);
	if (find_version(c, account, *bare, v, err))
		return true;
	aws_err_release(err);
	memset(err, 0, sizeof(*err));
	*bare += 1;
	return find_version(c, account, *bare, v, err);
}

static cJSON *op_get_parameter(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const char *full = str(in, "Name");
	if (!authorize(call, full ? unarn(call->caller->account, full) : NULL, err))
		return NULL;
	struct cloud *c = call->cloud;
	struct ver v = { 0 };
	const char *bare = full;
	pthread_mutex_lock(&c->db->mu);
	bool found = find_named(c, call->caller->account, full, &v, &bare, err);
	pthread_mutex_unlock(&c->db->mu);
	if (!found)
		return NULL;
	const char *colon = strchr(bare, ':');
	cJSON *p =
		ver_view(call, &v, VIEW_GET, flag(in, "WithDecryption"), colon ? colon : NULL, err);
	ver_release(&v);
	if (!p)
		return NULL;
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "Parameter", p);
	return out;
}

static cJSON *op_get_parameters(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	const cJSON *each;
	cJSON_ArrayForEach(each, cJSON_GetObjectItemCaseSensitive(in, "Names"))
	{
		if (cJSON_IsString(each) &&
		    !authorize(call, unarn(call->caller->account, each->valuestring), err))
			return NULL;
	}
	struct cloud *c = call->cloud;
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(in, "Names");
	size_t n = (size_t)cJSON_GetArraySize(names);
	struct ver *vs = xcalloc(n ? n : 1, sizeof(*vs));
	bool *found = xcalloc(n ? n : 1, sizeof(*found));
	const char **bare = xcalloc(n ? n : 1, sizeof(*bare));
	size_t i = 0;
	const cJSON *it;
	pthread_mutex_lock(&c->db->mu);
	cJSON_ArrayForEach(it, names)
	{
		struct aws_err e = { 0 };
		found[i] =
			find_named(c, call->caller->account, it->valuestring, &vs[i], &bare[i], &e);
		aws_err_release(&e);
		i++;
	}
	pthread_mutex_unlock(&c->db->mu);
	cJSON *out = cJSON_CreateObject();
	cJSON *params = cJSON_AddArrayToObject(out, "Parameters");
	cJSON *invalid = cJSON_AddArrayToObject(out, "InvalidParameters");
	i = 0;
	cJSON_ArrayForEach(it, names)
	{
		if (!found[i]) {
			cJSON_AddItemToArray(invalid, cJSON_CreateString(it->valuestring));
		} else {
			const char *colon = strchr(bare[i], ':');
			cJSON *p = ver_view(call, &vs[i], VIEW_GET, flag(in, "WithDecryption"),
					    colon, err);
			if (!p) {
				cJSON_Delete(out);
				out = NULL;
				break;
			}
			cJSON_AddItemToArray(params, p);
		}
		i++;
	}
	for (i = 0; i < n; i++)
		ver_release(&vs[i]);
	free(vs);
	free(found);
	free(bare);
	return out;
}

/* ---- Pages ---- */

/* A NextToken: the base64 of the last name answered. NULL with bad set when malformed. */
static char *token_decode(const cJSON *in, bool *bad, struct aws_err *err)
{
	*bad = false;
	const char *t = str(in, "NextToken");
	if (!t)
		return NULL;
	size_t n = 0;
	unsigned char *raw = aws_base64_decode(t, strlen(t), &n);
	if (!raw || n < 2 || raw[0] != 'p' || memchr(raw, 0, n)) {
		free(raw);
		*bad = true;
		aws_err_set(err, 400, "InvalidNextToken", "The specified token is not valid.");
		return NULL;
	}
	char *name = xmalloc(n);
	memcpy(name, raw + 1, n - 1);
	name[n - 1] = 0;
	free(raw);
	return name;
}

static void token_encode(cJSON *out, const char *last)
{
	size_t n = strlen(last);
	char *raw = xmalloc(n + 1);
	raw[0] = 'p';
	memcpy(raw + 1, last, n);
	char *b64 = aws_base64_encode(raw, n + 1);
	cJSON_AddStringToObject(out, "NextToken", b64);
	free(b64);
	free(raw);
}

/* ---- Filters (DescribeParameters' ParameterFilters, GetParametersByPath's) ---- */

/* Whether v passes one ParameterStringFilter. */
static bool filter_match(struct cloud *c, const char *account, const struct ver *v, const cJSON *f)
{
	const char *key = str(f, "Key");
	const char *opt = str(f, "Option");
	const cJSON *vals = cJSON_GetObjectItemCaseSensitive(f, "Values");
	const cJSON *it;
	if (strcmp(key, "Path") == 0) {
		bool recursive = opt && strcmp(opt, "Recursive") == 0;
		cJSON_ArrayForEach(it, vals)
		{
			const char *path = it->valuestring;
			size_t pl = strlen(path);
			while (pl > 1 && path[pl - 1] == '/')
				pl--;
			bool root = pl == 1 && path[0] == '/';
			if (root ? v->name[0] != '/'
				 : strncmp(v->name, path, pl) != 0 || v->name[pl] != '/')
				continue;
			const char *rest = v->name + (root ? 1 : pl + 1);
			if (recursive || !strchr(rest, '/'))
				return true;
		}
		return false;
	}
	if (str_starts_with(key, "tag:")) {
		sqlite3_stmt *st =
			db_prep(c->db, "SELECT value FROM ssm_tags WHERE account=? AND name=?"
				       " AND tag=?");
		bind(st, 1, account);
		bind(st, 2, v->name);
		bind(st, 3, key + 4);
		bool has = sqlite3_step(st) == SQLITE_ROW;
		char *tv = has ? xstrdup(db_col(st, 0)) : NULL;
		sqlite3_finalize(st);
		bool match = has && cJSON_GetArraySize(vals) == 0;
		cJSON_ArrayForEach(it, vals) match =
			match || (has && strcmp(tv, it->valuestring) == 0);
		free(tv);
		return match;
	}
	if (strcmp(key, "Label") == 0) {
		cJSON *labels = cJSON_Parse(v->labels ? v->labels : "[]");
		bool match = false;
		const cJSON *l;
		cJSON_ArrayForEach(l, labels) cJSON_ArrayForEach(it, vals) match =
			match || strcmp(l->valuestring, it->valuestring) == 0;
		cJSON_Delete(labels);
		return match;
	}
	const char *field = strcmp(key, "Name") == 0       ? v->name
			    : strcmp(key, "Type") == 0     ? v->type
			    : strcmp(key, "KeyId") == 0    ? v->key_id
			    : strcmp(key, "Tier") == 0     ? v->tier
			    : strcmp(key, "DataType") == 0 ? v->data_type
							   : NULL;
	if (!field)
		return false;
	bool begins = opt && strcmp(opt, "BeginsWith") == 0;
	bool contains = opt && strcmp(opt, "Contains") == 0;
	cJSON_ArrayForEach(it, vals)
	{
		const char *want = it->valuestring;
		/* A Name filter's value may leave out the leading slash of a path name. */
		const char *have = field;
		if (strcmp(key, "Name") == 0 && have[0] == '/' && want[0] != '/')
			have++;
		if (begins     ? str_starts_with(have, want)
		    : contains ? strstr(have, want) != NULL
			       : strcmp(have, want) == 0)
			return true;
	}
	return false;
}

/* Check filters as DescribeParameters does (err names the first bad one). */
static bool filters_valid(const cJSON *filters, bool by_path, struct aws_err *err)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, filters)
	{
		const char *key = str(f, "Key");
		const char *opt = str(f, "Option");
		bool is_path = strcmp(key, "Path") == 0;
		if (by_path && (is_path || strcmp(key, "Name") == 0 || strcmp(key, "Tier") == 0))
			return aws_err_set(err, 400, "InvalidFilterKey",
					   "The following filter key is not valid: %s. Valid "
					   "filter keys include: [Type, KeyId, Label, DataType].",
					   key);
		if (!opt)
			continue;
		bool ok = is_path ? strcmp(opt, "Recursive") == 0 || strcmp(opt, "OneLevel") == 0
				  : strcmp(opt, "Equals") == 0 ||
					    (strcmp(opt, "BeginsWith") == 0 &&
					     (strcmp(key, "Name") == 0 ||
					      str_starts_with(key, "tag:") ||
					      strcmp(key, "KeyId") == 0)) ||
					    (strcmp(opt, "Contains") == 0 &&
					     strcmp(key, "Name") == 0);
		if (!ok)
			return aws_err_set(err, 400, "InvalidFilterOption",
					   "The following filter option is not valid: %s. Valid "
					   "options include: [%s].",
					   opt,
					   is_path ? "Recursive, OneLevel"
					   : strcmp(key, "Name") == 0
						   ? "BeginsWith, Equals, Contains"
						   : "Equals, BeginsWith");
	}
	return true;
}

/* Every latest version of account's parameters after `after`, by name. Database locked. */
static void latest_versions(struct cloud *c, const char *account, const char *after, struct vers *l)
{
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT " VCOLS " FROM ssm_versions v WHERE account=?1 AND"
			       " (?2 IS NULL OR name > ?2) AND version=(SELECT version FROM"
			       " ssm_params p WHERE p.account=?1 AND p.name=v.name) ORDER BY"
			       " name");
	bind(st, 1, account);
	bind(st, 2, after);
	while (sqlite3_step(st) == SQLITE_ROW)
		vers_add(l, st);
	sqlite3_finalize(st);
}

/* Page through the latest versions that pass every filter: the views, or NULL. */
static cJSON *filtered_page(struct svc_call *call, const cJSON *in, const cJSON *filters,
			    const cJSON *extra, enum view kind, int def_max, const char *array,
			    struct aws_err *err)
{
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	bool bad;
	char *after = token_decode(in, &bad, err);
	if (bad)
		return NULL;
	const cJSON *mr = cJSON_GetObjectItemCaseSensitive(in, "MaxResults");
	int max = cJSON_IsNumber(mr) ? mr->valueint : def_max;
	struct vers all = { 0 };
	struct ver **pick = NULL;
	size_t npick = 0;
	bool more = false;
	pthread_mutex_lock(&c->db->mu);
	latest_versions(c, account, after, &all);
	pick = xcalloc(all.n + 1, sizeof(*pick));
	for (size_t i = 0; i < all.n; i++) {
		bool pass = true;
		const cJSON *f;
		cJSON_ArrayForEach(f, filters) pass =
			pass && filter_match(c, account, &all.v[i], f);
		if (extra)
			pass = pass && filter_match(c, account, &all.v[i], extra);
		if (!pass)
			continue;
		if ((int)npick == max) {
			more = true;
			break;
		}
		pick[npick++] = &all.v[i];
	}
	pthread_mutex_unlock(&c->db->mu);
	cJSON *out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, array);
	for (size_t i = 0; i < npick; i++) {
		cJSON *p = ver_view(call, pick[i], kind, flag(in, "WithDecryption"), NULL, err);
		if (!p) {
			cJSON_Delete(out);
			out = NULL;
			break;
		}
		cJSON_AddItemToArray(arr, p);
	}
	if (out && more && npick)
		token_encode(out, pick[npick - 1]->name);
	free(pick);
	vers_release(&all);
	free(after);
	return out;
}

static cJSON *op_get_by_path(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "Path"), err))
		return NULL;
	const char *path = str(in, "Path");
	const cJSON *filters = cJSON_GetObjectItemCaseSensitive(in, "ParameterFilters");
	if (path[0] != '/') {
		aws_err_set(err, 400, "ValidationException",
			    "The parameter doesn't meet the parameter name requirements. The "
			    "parameter name must begin with a forward slash \"/\". It can't be "
			    "prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only "
			    "letters, numbers, or the following symbols: . (period), - (hyphen), _ "
			    "(underscore). Special characters are not allowed. All sub-paths, if "
			    "specified, must use the forward slash symbol \"/\". Valid example: "
			    "/get/parameters2-/by1./path0_.");
		return NULL;
	}
	if (!filters_valid(filters, true, err))
		return NULL;
	cJSON *pf = cJSON_CreateObject();
	cJSON_AddStringToObject(pf, "Key", "Path");
	cJSON_AddStringToObject(pf, "Option", flag(in, "Recursive") ? "Recursive" : "OneLevel");
	cJSON *vals = cJSON_AddArrayToObject(pf, "Values");
	cJSON_AddItemToArray(vals, cJSON_CreateString(path));
	cJSON *out = filtered_page(call, in, filters, pf, VIEW_GET, 10, "Parameters", err);
	cJSON_Delete(pf);
	return out;
}

/* DescribeParameters' older Filters (Name, Type, KeyId; Values only) as ParameterFilters. */
static cJSON *old_filters(const cJSON *in, struct aws_err *err)
{
	cJSON *all = cJSON_CreateArray();
	const cJSON *f;
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(in, "Filters"))
	{
		cJSON *g = cJSON_CreateObject();
		cJSON_AddStringToObject(g, "Key", str(f, "Key"));
		cJSON_AddStringToObject(
			g, "Option", strcmp(str(f, "Key"), "Name") == 0 ? "BeginsWith" : "Equals");
		cJSON_AddItemToObject(
			g, "Values",
			cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(f, "Values"), true));
		cJSON_AddItemToArray(all, g);
	}
	const cJSON *pf = cJSON_GetObjectItemCaseSensitive(in, "ParameterFilters");
	if (cJSON_GetArraySize(all) && cJSON_GetArraySize(pf)) {
		cJSON_Delete(all);
		aws_err_set(err, 400, "ValidationException",
			    "You can use either Filters or ParameterFilters in a single request.");
		return NULL;
	}
	cJSON_ArrayForEach(f, pf) cJSON_AddItemToArray(all, cJSON_Duplicate(f, true));
	return all;
}

static cJSON *op_describe(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, NULL, err))
		return NULL;
	cJSON *filters = old_filters(in, err);
	if (!filters)
		return NULL;
	cJSON *out = NULL;
	if (filters_valid(filters, false, err))
		out = filtered_page(call, in, filters, NULL, VIEW_DESCRIBE, 50, "Parameters", err);
	cJSON_Delete(filters);
	return out;
}

static cJSON *op_history(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "Name"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "Name");
	bool bad;
	char *after = token_decode(in, &bad, err);
	if (bad)
		return NULL;
	const cJSON *mr = cJSON_GetObjectItemCaseSensitive(in, "MaxResults");
	int max = cJSON_IsNumber(mr) ? mr->valueint : 50;
	int from = after ? atoi(after) : 0;
	struct vers l = { 0 };
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT " VCOLS " FROM ssm_versions WHERE account=? AND name=?"
			       " AND version > ? ORDER BY version LIMIT ?");
	bind(st, 1, account);
	bind(st, 2, name);
	sqlite3_bind_int(st, 3, from);
	sqlite3_bind_int(st, 4, max + 1);
	while (sqlite3_step(st) == SQLITE_ROW)
		vers_add(&l, st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	free(after);
	if (l.n == 0) {
		aws_err_set(err, 400, "ParameterNotFound", "%s", "");
		return NULL;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "Parameters");
	size_t n = l.n > (size_t)max ? (size_t)max : l.n;
	for (size_t i = 0; i < n; i++) {
		cJSON *p = ver_view(call, &l.v[i], VIEW_HISTORY, flag(in, "WithDecryption"), NULL,
				    err);
		if (!p) {
			cJSON_Delete(out);
			out = NULL;
			break;
		}
		cJSON_AddItemToArray(arr, p);
	}
	if (out && l.n > (size_t)max) {
		char last[16];
		snprintf(last, sizeof(last), "%d", l.v[n - 1].version);
		token_encode(out, last);
	}
	vers_release(&l);
	return out;
}

/* ---- PutParameter ---- */

/* The parameter's current version and tier; 0 when it does not exist. Database locked. */
static int current(struct cloud *c, const char *account, const char *name, char tier[32])
{
	sqlite3_stmt *st = db_prep(c->db, "SELECT version, tier FROM ssm_params WHERE account=? AND"
					  " name=?");
	bind(st, 1, account);
	bind(st, 2, name);
	int v = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int(st, 0);
		snprintf(tier, 32, "%s", db_col(st, 1));
	}
	sqlite3_finalize(st);
	return v;
}

static bool put_tags(struct cloud *c, const char *account, const char *name, const cJSON *tags)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, tags)
	{
		sqlite3_stmt *st =
			db_prep(c->db, "INSERT OR REPLACE INTO ssm_tags(account, name, tag,"
				       " value) VALUES(?, ?, ?, ?)");
		bind(st, 1, account);
		bind(st, 2, name);
		bind(st, 3, str(t, "Key"));
		bind(st, 4, str(t, "Value"));
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return true;
}

static cJSON *op_put_parameter(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "Name"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "Name");
	const char *value = str(in, "Value");
	const char *type = str(in, "Type");
	const char *key = str(in, "KeyId");
	const char *pattern = str(in, "AllowedPattern");
	const char *want_tier = str(in, "Tier");
	const char *data_type = str(in, "DataType");
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(in, "Tags");
	bool overwrite = flag(in, "Overwrite");
	if (!name_valid(name, err))
		return NULL;
	size_t len = strlen(value);
	if (len == 0)
		return aws_err_set(err, 400, "ValidationException",
				   "1 validation error detected: Value '' at 'value' failed to "
				   "satisfy constraint: Member must have length greater than or "
				   "equal to 1"),
		       NULL;
	if (len > ADVANCED_MAX)
		return aws_err_set(err, 400, "ValidationException",
				   "1 validation error detected: Value at 'value' failed to "
				   "satisfy constraint: Member must have length less than or equal "
				   "to %d",
				   ADVANCED_MAX),
		       NULL;
	if (strstr(value, "{{") && strstr(strstr(value, "{{"), "}}"))
		return aws_err_set(err, 400, "ValidationException",
				   "Parameter value can't nest another parameter. Do not use "
				   "\"{{}}\" in the value."),
		       NULL;
	if (data_type && strcmp(data_type, "text") != 0)
		return aws_err_set(err, 400, "ValidationException",
				   "The local cloud keeps parameters of the data type text only, "
				   "not %s.",
				   data_type),
		       NULL;
	if (overwrite && cJSON_GetArraySize(tags) > 0)
		return aws_err_set(err, 400, "ValidationException",
				   "Invalid request: tags and overwrite can't be used together. To "
				   "create a parameter with tags, please remove overwrite flag. To "
				   "update tags for an existing parameter, please use "
				   "AddTagsToResource or RemoveTagsFromResource."),
		       NULL;
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(in, "Policies")) > 0 ||
	    (str(in, "Policies") && str(in, "Policies")[0]))
		return aws_err_set(err, 400, "ValidationException",
				   "The local cloud does not apply parameter policies."),
		       NULL;
	if (pattern && pattern[0] && !codec_regex_match(pattern, value))
		return aws_err_set(err, 400, "ParameterPatternMismatchException",
				   "Parameter value, cannot be validated against allowedPattern: "
				   "%s",
				   pattern),
		       NULL;

	char tier[32] = "";
	pthread_mutex_lock(&c->db->mu);
	int version = current(c, account, name, tier);
	pthread_mutex_unlock(&c->db->mu);
	if (version && !overwrite)
		return aws_err_set(err, 400, "ParameterAlreadyExists",
				   "The parameter already exists. To overwrite this value, set the "
				   "overwrite option in the request to true."),
		       NULL;
	if (!version && !type)
		return aws_err_set(err, 400, "ValidationException",
				   "A parameter type is required when you create a parameter."),
		       NULL;
	char old_type[32] = "";
	if (!type) {
		struct ver v = { 0 };
		struct aws_err e = { 0 };
		pthread_mutex_lock(&c->db->mu);
		if (find_version(c, account, name, &v, &e))
			snprintf(old_type, sizeof(old_type), "%s", v.type);
		pthread_mutex_unlock(&c->db->mu);
		ver_release(&v);
		aws_err_release(&e);
		type = old_type;
	}
	bool secure = strcmp(type, "SecureString") == 0;
	if (key && !secure)
		return aws_err_set(err, 400, "ValidationException",
				   "KeyId is required for SecureString type parameter only."),
		       NULL;
	/* The tier: Intelligent-Tiering takes Standard where the value fits, and an advanced
	 * parameter stays advanced. */
	const char *new_tier = want_tier ? want_tier : tier[0] ? tier : "Standard";
	if (strcmp(new_tier, "Intelligent-Tiering") == 0)
		new_tier = len > STANDARD_MAX || strcmp(tier, "Advanced") == 0 ? "Advanced"
									       : "Standard";
	if (strcmp(tier, "Advanced") == 0 && strcmp(new_tier, "Standard") == 0)
		return aws_err_set(err, 400, "ValidationException",
				   "This parameter uses the advanced-parameter tier. You can't "
				   "downgrade a parameter from the advanced-parameter tier to the "
				   "standard-parameter tier. If necessary, you can delete the "
				   "advanced parameter and recreate it as a standard parameter."),
		       NULL;
	if (strcmp(new_tier, "Standard") == 0 && len > STANDARD_MAX)
		return aws_err_set(err, 400, "ValidationException",
				   "Standard tier parameters support a maximum parameter value of "
				   "%d characters. To create a larger parameter value, upgrade the "
				   "parameter to use the advanced-parameter tier. For more "
				   "information, see https://docs.aws.amazon.com/systems-manager/"
				   "latest/userguide/parameter-store-advanced-parameters.html",
				   STANDARD_MAX),
		       NULL;

	char arn[2200];
	param_arn(account, name, arn, sizeof(arn));
	char key_arn[300] = "";
	char *stored = NULL;
	if (secure) {
		stored = kms_seal(call, key ? key : DEFAULT_KEY, arn, value, key_arn, err);
		if (!stored)
			return NULL;
	}
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	cloud_db_exec(c->db, "BEGIN");
	/* Checked again under the lock: another PutParameter may have come between. */
	char tier_now[32] = "";
	int now_version = current(c, account, name, tier_now);
	if (now_version != version) {
		aws_err_set(err, 400, "TooManyUpdates",
			    "There are concurrent updates for the resource that you're trying to "
			    "modify. Please try again later.");
		goto done;
	}
	if (version >= MAX_VERSIONS) {
		sqlite3_stmt *st = db_prep(c->db, "SELECT version, labels FROM ssm_versions WHERE"
						  " account=? AND name=? ORDER BY version LIMIT 1");
		bind(st, 1, account);
		bind(st, 2, name);
		int oldest = 0;
		bool labelled = false;
		if (sqlite3_step(st) == SQLITE_ROW) {
			oldest = sqlite3_column_int(st, 0);
			labelled = strcmp(db_col(st, 1), "[]") != 0;
		}
		sqlite3_finalize(st);
		if (labelled) {
			aws_err_set(err, 400, "ParameterMaxVersionLimitExceeded",
				    "You attempted to create a new version of %s by calling the "
				    "PutParameter API with the overwrite flag. Version %d, the "
				    "oldest version, can't be deleted because it has a label "
				    "associated with it. Move the label to another version of the "
				    "parameter, and try again.",
				    name, oldest);
			goto done;
		}
		st = db_prep(c->db,
			     "DELETE FROM ssm_versions WHERE account=? AND name=? AND version=?");
		bind(st, 1, account);
		bind(st, 2, name);
		sqlite3_bind_int(st, 3, oldest);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	/* What an overwrite leaves out is carried over from the version before. */
	struct ver prev = { 0 };
	struct aws_err e = { 0 };
	bool had = version && find_version(c, account, name, &prev, &e);
	aws_err_release(&e);
	const char *desc = str(in, "Description");
	if (!desc && had)
		desc = prev.description;
	const char *pat = pattern ? pattern : had ? prev.pattern : NULL;
	sqlite3_stmt *st =
		db_prep(c->db, "INSERT INTO ssm_versions(account, name, version, type, value,"
			       " key_id, description, pattern, data_type, tier, modified,"
			       " modified_by) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	bind(st, 1, account);
	bind(st, 2, name);
	sqlite3_bind_int(st, 3, version + 1);
	bind(st, 4, type);
	bind(st, 5, secure ? stored : value);
	bind(st, 6, secure ? key_arn : NULL);
	bind(st, 7, desc);
	bind(st, 8, pat && pat[0] ? pat : NULL);
	bind(st, 9, data_type ? data_type : "text");
	bind(st, 10, new_tier);
	sqlite3_bind_double(st, 11, (double)vclock_now_ms(c->vclock, account) / 1000.0);
	bind(st, 12, call->caller->arn);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	ver_release(&prev);
	st = db_prep(c->db, "INSERT OR REPLACE INTO ssm_params(account, name, version, tier)"
			    " VALUES(?, ?, ?, ?)");
	bind(st, 1, account);
	bind(st, 2, name);
	sqlite3_bind_int(st, 3, version + 1);
	bind(st, 4, new_tier);
	ok = ok && sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	ok = ok && put_tags(c, account, name, tags);
	if (!ok) {
		aws_err_set(err, 500, "InternalServerError", "The parameter could not be stored.");
		goto done;
	}
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "Version", version + 1);
	cJSON_AddStringToObject(out, "Tier", new_tier);
done:
	cloud_db_exec(c->db, out ? "COMMIT" : "ROLLBACK");
	pthread_mutex_unlock(&c->db->mu);
	free(stored);
	return out;
}

/* ---- Labels ---- */

/* Whether a label is one Parameter Store takes. */
static bool label_valid(const char *l)
{
	size_t n = strlen(l);
	if (n == 0 || n > 100 || isdigit((unsigned char)l[0]) || strncasecmp(l, "aws", 3) == 0 ||
	    strncasecmp(l, "ssm", 3) == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)l[i]) && !strchr("._-", l[i]))
			return false;
	return true;
}

static cJSON *op_label(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "Name"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "Name");
	const cJSON *pv = cJSON_GetObjectItemCaseSensitive(in, "ParameterVersion");
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(in, "Labels");
	cJSON *out = NULL;
	char tier[32];
	pthread_mutex_lock(&c->db->mu);
	cloud_db_exec(c->db, "BEGIN");
	int latest = current(c, account, name, tier);
	int version = cJSON_IsNumber(pv) ? (int)pv->valuedouble : latest;
	if (!latest) {
		aws_err_set(err, 400, "ParameterNotFound", "%s", "");
		goto done;
	}
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT labels FROM ssm_versions WHERE account=? AND name=? AND"
			       " version=?");
	bind(st, 1, account);
	bind(st, 2, name);
	sqlite3_bind_int(st, 3, version);
	cJSON *have = sqlite3_step(st) == SQLITE_ROW ? cJSON_Parse(db_col(st, 0)) : NULL;
	sqlite3_finalize(st);
	if (!have) {
		aws_err_set(err, 400, "ParameterVersionNotFound",
			    "Systems Manager could not find version %d of %s. Verify the version "
			    "and try again.",
			    version, name);
		goto done;
	}
	cJSON *invalid = cJSON_CreateArray();
	const cJSON *l;
	cJSON_ArrayForEach(l, labels)
	{
		if (!label_valid(l->valuestring)) {
			cJSON_AddItemToArray(invalid, cJSON_CreateString(l->valuestring));
			continue;
		}
		/* A label names one version: it moves here from wherever it was. */
		st = db_prep(c->db,
			     "UPDATE ssm_versions SET labels=(SELECT json_group_array(value) FROM"
			     " json_each(labels) WHERE value<>?1) WHERE account=?2 AND name=?3 AND"
			     " version<>?4 AND EXISTS(SELECT 1 FROM json_each(labels) WHERE"
			     " value=?1)");
		bind(st, 1, l->valuestring);
		bind(st, 2, account);
		bind(st, 3, name);
		sqlite3_bind_int(st, 4, version);
		sqlite3_step(st);
		sqlite3_finalize(st);
		bool dup = false;
		const cJSON *h;
		cJSON_ArrayForEach(h, have) dup =
			dup || strcmp(h->valuestring, l->valuestring) == 0;
		if (!dup)
			cJSON_AddItemToArray(have, cJSON_CreateString(l->valuestring));
	}
	if (cJSON_GetArraySize(have) > MAX_LABELS) {
		cJSON_Delete(have);
		cJSON_Delete(invalid);
		aws_err_set(err, 400, "ParameterVersionLabelLimitExceeded",
			    "A parameter version can have maximum %d labels.Move one or more "
			    "labels to another version and try again.",
			    MAX_LABELS);
		goto done;
	}
	char *text = cJSON_PrintUnformatted(have);
	st = db_prep(c->db,
		     "UPDATE ssm_versions SET labels=? WHERE account=? AND name=? AND version=?");
	bind(st, 1, text);
	bind(st, 2, account);
	bind(st, 3, name);
	sqlite3_bind_int(st, 4, version);
	sqlite3_step(st);
	sqlite3_finalize(st);
	free(text);
	cJSON_Delete(have);
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "InvalidLabels", invalid);
	cJSON_AddNumberToObject(out, "ParameterVersion", version);
done:
	cloud_db_exec(c->db, out ? "COMMIT" : "ROLLBACK");
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

static cJSON *op_unlabel(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "Name"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	const char *name = str(in, "Name");
	const cJSON *pv = cJSON_GetObjectItemCaseSensitive(in, "ParameterVersion");
	int version = cJSON_IsNumber(pv) ? (int)pv->valuedouble : 0;
	cJSON *out = NULL;
	char tier[32];
	pthread_mutex_lock(&c->db->mu);
	if (!current(c, account, name, tier)) {
		aws_err_set(err, 400, "ParameterNotFound", "%s", "");
		goto done;
	}
	sqlite3_stmt *st =
		db_prep(c->db, "SELECT labels FROM ssm_versions WHERE account=? AND name=? AND"
			       " version=?");
	bind(st, 1, account);
	bind(st, 2, name);
	sqlite3_bind_int(st, 3, version);
	cJSON *have = sqlite3_step(st) == SQLITE_ROW ? cJSON_Parse(db_col(st, 0)) : NULL;
	sqlite3_finalize(st);
	if (!have) {
		aws_err_set(err, 400, "ParameterVersionNotFound",
			    "Systems Manager could not find version %d of %s. Verify the version "
			    "and try again.",
			    version, name);
		goto done;
	}
	out = cJSON_CreateObject();
	cJSON *removed = cJSON_AddArrayToObject(out, "RemovedLabels");
	cJSON *invalid = cJSON_AddArrayToObject(out, "InvalidLabels");
	const cJSON *l;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(in, "Labels"))
	{
		int idx = -1, i = 0;
		const cJSON *h;
		cJSON_ArrayForEach(h, have)
		{
			if (strcmp(h->valuestring, l->valuestring) == 0)
				idx = i;
			i++;
		}
		if (idx < 0) {
			cJSON_AddItemToArray(invalid, cJSON_CreateString(l->valuestring));
		} else {
			cJSON_DeleteItemFromArray(have, idx);
			cJSON_AddItemToArray(removed, cJSON_CreateString(l->valuestring));
		}
	}
	char *text = cJSON_PrintUnformatted(have);
	st = db_prep(c->db,
		     "UPDATE ssm_versions SET labels=? WHERE account=? AND name=? AND version=?");
	bind(st, 1, text);
	bind(st, 2, account);
	bind(st, 3, name);
	sqlite3_bind_int(st, 4, version);
	sqlite3_step(st);
	sqlite3_finalize(st);
	free(text);
	cJSON_Delete(have);
done:
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

/* ---- Deleting ---- */

/* Delete one parameter, every version and tag. Database locked. */
static bool delete_one(struct cloud *c, const char *account, const char *name)
{
	static const char *const sqls[] = {
		"DELETE FROM ssm_params WHERE account=? AND name=?",
		"DELETE FROM ssm_versions WHERE account=? AND name=?",
		"DELETE FROM ssm_tags WHERE account=? AND name=?",
	};
	bool existed = false;
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = db_prep(c->db, sqls[i]);
		bind(st, 1, account);
		bind(st, 2, name);
		sqlite3_step(st);
		sqlite3_finalize(st);
		if (i == 0)
			existed = sqlite3_changes(c->db->db) > 0;
	}
	return existed;
}

static cJSON *op_delete(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "Name"), err))
		return NULL;
	struct cloud *c = call->cloud;
	bool existed;
	pthread_mutex_lock(&c->db->mu);
	cloud_db_exec(c->db, "BEGIN");
	existed = delete_one(c, call->caller->account, str(in, "Name"));
	cloud_db_exec(c->db, "COMMIT");
	pthread_mutex_unlock(&c->db->mu);
	if (!existed)
		return aws_err_set(err, 400, "ParameterNotFound", "%s", ""), NULL;
	return cJSON_CreateObject();
}

static cJSON *op_delete_many(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize_all(call, cJSON_GetObjectItemCaseSensitive(in, "Names"), err))
		return NULL;
	struct cloud *c = call->cloud;
	cJSON *out = cJSON_CreateObject();
	cJSON *deleted = cJSON_AddArrayToObject(out, "DeletedParameters");
	cJSON *invalid = cJSON_AddArrayToObject(out, "InvalidParameters");
	const cJSON *it;
	pthread_mutex_lock(&c->db->mu);
	cloud_db_exec(c->db, "BEGIN");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(in, "Names")) cJSON_AddItemToArray(
		delete_one(c, call->caller->account, it->valuestring) ? deleted : invalid,
		cJSON_CreateString(it->valuestring));
	cloud_db_exec(c->db, "COMMIT");
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

/* ---- Tags ---- */

static bool tag_target(struct cloud *c, const cJSON *in, const char *account, struct aws_err *err)
{
	const char *type = str(in, "ResourceType");
	if (strcmp(type, "Parameter") != 0)
		return aws_err_set(err, 400, "InvalidResourceType",
				   "The local cloud tags parameters only, not %s.", type);
	char tier[32];
	if (!current(c, account, str(in, "ResourceId"), tier))
		return aws_err_set(err, 400, "InvalidResourceId",
				   "The resource ID \"%s\" is not valid. Verify the ID and try "
				   "again.",
				   str(in, "ResourceId"));
	return true;
}

static cJSON *op_add_tags(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "ResourceId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (tag_target(c, in, account, err)) {
		put_tags(c, account, str(in, "ResourceId"),
			 cJSON_GetObjectItemCaseSensitive(in, "Tags"));
		out = cJSON_CreateObject();
	}
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

static cJSON *op_remove_tags(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "ResourceId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (tag_target(c, in, account, err)) {
		const cJSON *k;
		cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(in, "TagKeys"))
		{
			sqlite3_stmt *st =
				db_prep(c->db, "DELETE FROM ssm_tags WHERE account=? AND name=?"
					       " AND tag=?");
			bind(st, 1, account);
			bind(st, 2, str(in, "ResourceId"));
			bind(st, 3, k->valuestring);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
		out = cJSON_CreateObject();
	}
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

static cJSON *op_list_tags(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	if (!authorize(call, str(in, "ResourceId"), err))
		return NULL;
	struct cloud *c = call->cloud;
	const char *account = call->caller->account;
	cJSON *out = NULL;
	pthread_mutex_lock(&c->db->mu);
	if (tag_target(c, in, account, err)) {
		out = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(out, "TagList");
		sqlite3_stmt *st =
			db_prep(c->db, "SELECT tag, value FROM ssm_tags WHERE account=? AND"
				       " name=? ORDER BY tag");
		bind(st, 1, account);
		bind(st, 2, str(in, "ResourceId"));
		while (sqlite3_step(st) == SQLITE_ROW) {
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "Key", db_col(st, 0));
			cJSON_AddStringToObject(t, "Value", db_col(st, 1));
			cJSON_AddItemToArray(arr, t);
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
	return out;
}

/* ---- The service ---- */

static void reset(struct cloud *c, const char *account)
{
	static const char *const sqls[] = { "DELETE FROM ssm_tags WHERE account=?",
					    "DELETE FROM ssm_versions WHERE account=?",
					    "DELETE FROM ssm_params WHERE account=?" };
	pthread_mutex_lock(&c->db->mu);
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = db_prep(c->db, sqls[i]);
		bind(st, 1, account);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
}

static const struct svc_op ops[] = {
	/* sorted by name */
	{ "AddTagsToResource", op_add_tags },      { "DeleteParameter", op_delete },
	{ "DeleteParameters", op_delete_many },    { "DescribeParameters", op_describe },
	{ "GetParameter", op_get_parameter },      { "GetParameterHistory", op_history },
	{ "GetParameters", op_get_parameters },    { "GetParametersByPath", op_get_by_path },
	{ "LabelParameterVersion", op_label },     { "ListTagsForResource", op_list_tags },
	{ "PutParameter", op_put_parameter },      { "RemoveTagsFromResource", op_remove_tags },
	{ "UnlabelParameterVersion", op_unlabel },
};

/* What each operation does with its members (svc.h, struct cloud_service's members). */
static const char *const ssm_members[] = {
	"AddTagsToResource ResourceId ResourceType Tags",
	"DeleteParameter Name",
	"DeleteParameters Names",
	"DescribeParameters Filters MaxResults NextToken ParameterFilters -Shared",
	"GetParameter Name WithDecryption",
	"GetParameterHistory MaxResults Name NextToken WithDecryption",
	"GetParameters Names WithDecryption",
	"GetParametersByPath MaxResults NextToken ParameterFilters Path Recursive "
	"WithDecryption",
	"LabelParameterVersion Labels Name ParameterVersion",
	"ListTagsForResource ResourceId ResourceType",
	"PutParameter AllowedPattern DataType Description KeyId Name Overwrite Policies Tags "
	"Tier Type Value",
	"RemoveTagsFromResource ResourceId ResourceType TagKeys",
	"UnlabelParameterVersion Labels Name ParameterVersion",
	NULL,
};

const struct cloud_service ssm_service = {
	.name = "ssm",
	.model = "ssm-2014-11-06",
	.title = "AWS Systems Manager",
	.target = "AmazonSSM",
	.reset_account = reset,
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.ops = ops,
	.nops = sizeof(ops) / sizeof(ops[0]),
	.members = ssm_members,
};
