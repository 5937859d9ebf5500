/*
 * Lambda layers: publish, read, list, delete and share layer versions, and merge a function's
 * layers into the folder its environments see as /opt.
 */
#include "cloud/lambda/layers.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cloud/auth/auth.h"
#include "cloud/db.h"
#include "cloud/http/aws.h"
#include "cloud/http/server.h"
#include "cloud/lambda/package.h"
#include "cloud/lambda/validate.h"
#include "cloud/lambda/zipcode.h"
#include "cloud/state.h"
#include "cloud/svc/svc.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define NAME_MAX_LEN 140
#define LIST_MAX     50
#define ARN_PATTERN  "arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+"

/* One version as the table keeps it. */
struct layer_row {
	char account[13];
	char name[NAME_MAX_LEN + 1];
	long long version;
	cJSON *config; /* Description, CompatibleRuntimes, CompatibleArchitectures, LicenseInfo,
			* CodeSha256, CodeSize, Unzipped, Created (ms) */
	cJSON *policy; /* the statements, an array; NULL when none */
	char revision[37];
};

static void row_release(struct layer_row *r)
{
	cJSON_Delete(r->config);
	cJSON_Delete(r->policy);
	r->config = r->policy = NULL;
}

static const char *str_in(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static bool num_in(const cJSON *o, const char *k, long long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(v))
		return false;
	*out = (long long)v->valuedouble;
	return true;
}

static bool valid_name_chars(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
	}
	return true;
}

static void layer_arn(char *out, size_t n, const char *account, const char *name)
{
	snprintf(out, n, "arn:aws:lambda:" AWS_REGION_NAME ":%.12s:layer:%.140s", account, name);
}

static void version_arn(char *out, size_t n, const char *account, const char *name,
			long long version)
{
	snprintf(out, n, "arn:aws:lambda:" AWS_REGION_NAME ":%.12s:layer:%.140s:%lld", account,
		 name, version);
}

/*
 * A LayerName: a name, or a layer's ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME). The
 * account is the caller's for a bare name.
 */
static bool parse_layer_name(const char *in, const char *caller_account, char account[13],
			     char name[NAME_MAX_LEN + 1], struct aws_err *err)
{
	if (!in)
		in = "";
	size_t n = strlen(in);
	if (n <= NAME_MAX_LEN && valid_name_chars(in, n)) {
		snprintf(account, 13, "%s", caller_account);
		memcpy(name, in, n + 1);
		return true;
	}
	/* arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME */
	char part[7][NAME_MAX_LEN + 1];
	int k = 0;
	const char *s = in;
	while (k < 7) {
		const char *e = k < 6 ? strchr(s, ':') : s + strlen(s);
		if (!e || (size_t)(e - s) > NAME_MAX_LEN)
			break;
		memcpy(part[k], s, (size_t)(e - s));
		part[k][e - s] = '\0';
		k++;
		s = e + 1;
		if (k == 7 || !*e)
			break;
	}
	bool ok = n <= NAME_MAX_LEN && k == 7 && strcmp(part[0], "arn") == 0 && part[1][0] &&
		  strcmp(part[2], "lambda") == 0 && part[3][0] && strlen(part[4]) == 12 &&
		  strspn(part[4], "0123456789") == 12 && strcmp(part[5], "layer") == 0 &&
		  valid_name_chars(part[6], strlen(part[6]));
	if (!ok)
		return aws_err_set(err, 400, "ValidationException",
				   "1 validation error detected: Value '%.200s' at 'layerName' "
				   "failed to satisfy constraint: Member must satisfy regular "
				   "expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:"
				   "\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+",
				   in);
	snprintf(account, 13, "%s", part[4]);
	snprintf(name, NAME_MAX_LEN + 1, "%s", part[6]);
	return true;
}

/* A layer version's ARN: arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION. */
static bool parse_version_arn(const char *in, char region[32], char account[13],
			      char name[NAME_MAX_LEN + 1], long long *version)
{
	if (!in || strlen(in) > 2048 || strncmp(in, "arn:", 4) != 0)
		return false;
	const char *p = strchr(in + 4, ':'); /* after the partition */
	if (!p || p == in + 4 || strncmp(p, ":lambda:", 8) != 0)
		return false;
	p += 8;
	const char *e = strchr(p, ':');
	if (!e || e == p || (size_t)(e - p) >= 32)
		return false;
	memcpy(region, p, (size_t)(e - p));
	region[e - p] = '\0';
	p = e + 1;
	if (strspn(p, "0123456789") != 12 || strncmp(p + 12, ":layer:", 7) != 0)
		return false;
	memcpy(account, p, 12);
	account[12] = '\0';
	p += 19;
	e = strrchr(p, ':');
	if (!e || !valid_name_chars(p, (size_t)(e - p)) || (size_t)(e - p) > NAME_MAX_LEN ||
	    !e[1] || strspn(e + 1, "0123456789") != strlen(e + 1) || strlen(e + 1) > 15)
		return false;
	memcpy(name, p, (size_t)(e - p));
	name[e - p] = '\0';
	*version = strtoll(e + 1, NULL, 10);
	return true;
}

static char *layers_root(const struct cloud *c)
{
	return xasprintf("%s/layers", c->state_dir);
}

static char *version_dir(const struct cloud *c, const char *account, const char *name,
			 long long version)
{
	return xasprintf("%s/layers/%s/%s/%lld", c->state_dir, account, name, version);
}

/* --- The table ------------------------------------------------------------------------ */

/* The account that publishes AWS's extension layers in us-east-1, and how many versions of
 * the Parameters and Secrets extension it has published. */
#define AWS_EXTENSION_ACCOUNT  "177933569100"
#define AWS_EXTENSION_VERSIONS 20

static bool row_load(struct cloud *c, const char *account, const char *name, long long version,
		     struct layer_row *r)
{
	memset(r, 0, sizeof(*r));
	/* AWS's Parameters and Secrets Lambda Extension, public in every Region: the cloud
	 * serves the extension itself (paramsecrets.h), so its layer holds no files. */
	if (strcmp(account, AWS_EXTENSION_ACCOUNT) == 0 &&
	    strcmp(name, "AWS-Parameters-and-Secrets-Lambda-Extension") == 0 && version >= 1 &&
	    version <= AWS_EXTENSION_VERSIONS) {
		snprintf(r->account, sizeof(r->account), "%s", account);
		snprintf(r->name, sizeof(r->name), "%s", name);
		r->version = version;
		r->config = cJSON_Parse("{\"CodeSize\":0,\"Unzipped\":0}");
		r->policy = cJSON_Parse("[{\"Principal\":\"*\"}]");
		char *dir = version_dir(c, account, name, version);
		struct error e;
		bool made = path_mkdirs(dir, 0755, &e);
		free(dir);
		if (!made)
			row_release(r);
		return made;
	}
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(c->db->db,
			   "SELECT config, policy, revision FROM lambda_layers"
			   " WHERE account = ? AND name = ? AND version = ?",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, version);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		snprintf(r->account, sizeof(r->account), "%s", account);
		snprintf(r->name, sizeof(r->name), "%s", name);
		r->version = version;
		r->config = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
		const unsigned char *pol = sqlite3_column_text(st, 1);
		r->policy = pol ? cJSON_Parse((const char *)pol) : NULL;
		snprintf(r->revision, sizeof(r->revision), "%s",
			 (const char *)sqlite3_column_text(st, 2));
		found = r->config != NULL;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	if (!found)
		row_release(r);
	return found;
}

/* Write a version's policy and revision. */
static bool row_save_policy(struct cloud *c, const struct layer_row *r)
{
	char *text = r->policy && cJSON_GetArraySize(r->policy) > 0
			     ? cJSON_PrintUnformatted(r->policy)
			     : NULL;
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(c->db->db,
			   "UPDATE lambda_layers SET policy = ?, revision = ?"
			   " WHERE account = ? AND name = ? AND version = ?",
			   -1, &st, NULL);
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_text(st, 2, r->revision, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, r->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, r->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, r->version);
	bool ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	free(text);
	return ok;
}

/* Take the layer's next version number and insert the row. 0 on failure. */
static long long row_insert(struct cloud *c, const char *account, const char *name,
			    const cJSON *config)
{
	char *text = cJSON_PrintUnformatted(config);
	char rev[37];
	aws_uuid(rev);
	long long version = 0;
	pthread_mutex_lock(&c->db->mu);
	cloud_db_exec(c->db, "BEGIN IMMEDIATE");
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(c->db->db,
			   "INSERT INTO lambda_layer_seq(account, name, last) VALUES(?, ?, 1)"
			   " ON CONFLICT(account, name) DO UPDATE SET last = last + 1"
			   " RETURNING last",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version > 0) {
		sqlite3_prepare_v2(
			c->db->db,
			"INSERT INTO lambda_layers(account, name, version, config, policy,"
			" revision) VALUES(?, ?, ?, ?, NULL, ?)",
			-1, &st, NULL);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, version);
		sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, rev, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			version = 0;
		sqlite3_finalize(st);
	}
	cloud_db_exec(c->db, version > 0 ? "COMMIT" : "ROLLBACK");
	pthread_mutex_unlock(&c->db->mu);
	free(text);
	return version;
}

static void row_delete(struct cloud *c, const char *account, const char *name, long long version)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(
		c->db->db,
		"DELETE FROM lambda_layers WHERE account = ? AND name = ? AND version = ?", -1, &st,
		NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, version);
	sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
}

/* --- Outputs ------------------------------------------------------------------------------ */

static void add_dup(cJSON *to, const cJSON *from, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, k);
	if (v)
		cJSON_AddItemToObject(to, k, cJSON_Duplicate(v, true));
}

/* The members GetLayerVersion and a list item share. */
static void add_common(cJSON *o, const struct layer_row *r)
{
	char when[32];
	long long ms = 0;
	num_in(r->config, "Created", &ms);
	aws_time_lambda(ms, when);
	add_dup(o, r->config, "CompatibleRuntimes");
	add_dup(o, r->config, "CompatibleArchitectures");
	cJSON_AddStringToObject(o, "CreatedDate", when);
	const char *d = str_in(r->config, "Description");
	cJSON_AddStringToObject(o, "Description", d ? d : "");
	add_dup(o, r->config, "LicenseInfo");
	cJSON_AddNumberToObject(o, "Version", (double)r->version);
}

static cJSON *version_output(struct cloud *c, const struct layer_row *r)
{
	cJSON *o = cJSON_CreateObject();
	char arn[300], varn[320];
	layer_arn(arn, sizeof(arn), r->account, r->name);
	version_arn(varn, sizeof(varn), r->account, r->name, r->version);
	cJSON *content = cJSON_AddObjectToObject(o, "Content");
	/* As Lambda's is, an S3 URL presigned for ten minutes: only the caller gets it. */
	char *path = xasprintf("/_tutor/layer/%s/%s/%lld", r->account, r->name, r->version);
	char *loc = auth_presign_cloud(c->auth, c->endpoint, path, 600);
	cJSON_AddStringToObject(content, "Location", loc);
	free(loc);
	free(path);
	add_dup(content, r->config, "CodeSha256");
	add_dup(content, r->config, "CodeSize");
	cJSON_AddStringToObject(o, "LayerArn", arn);
	cJSON_AddStringToObject(o, "LayerVersionArn", varn);
	add_common(o, r);
	return o;
}

static cJSON *list_item(const struct layer_row *r)
{
	cJSON *o = cJSON_CreateObject();
	char varn[320];
	version_arn(varn, sizeof(varn), r->account, r->name, r->version);
	cJSON_AddStringToObject(o, "LayerVersionArn", varn);
	add_common(o, r);
	return o;
}

/* --- Permissions -------------------------------------------------------------------------- */

/* Whether a statement lets account use the version. */
static bool statement_allows(const cJSON *s, const char *account)
{
	if (cJSON_GetObjectItemCaseSensitive(s, "Condition"))
		return false; /* an organization's: the local cloud has none */
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(s, "Principal");
	if (cJSON_IsString(p))
		return strcmp(p->valuestring, "*") == 0;
	const char *aws = str_in(p, "AWS");
	char root[64];
	snprintf(root, sizeof(root), "arn:aws:iam::%s:root", account);
	return aws && strcmp(aws, root) == 0;
}

static bool may_use(const struct layer_row *r, const char *account)
{
	if (strcmp(r->account, account) == 0)
		return true;
	const cJSON *s;
	cJSON_ArrayForEach(s, r->policy)
	{
		if (statement_allows(s, account))
			return true;
	}
	return false;
}

static bool denied(struct aws_err *err, const struct svc_caller *caller, const char *action,
		   const char *arn)
{
	return aws_err_set(err, 403, "AccessDeniedException",
			   "User: %s is not authorized to perform: %s on resource: %s because no "
			   "resource-based policy allows the %s action",
			   caller->arn[0] ? caller->arn : "anonymous", action, arn, action);
}

/* --- Folders ------------------------------------------------------------------------------ */

/* Remove what is at path, whatever it is. */
static void clear_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode))
		path_remove_tree(path);
	else
		unlink(path);
}

static bool copy_file(const char *from, const char *to, mode_t mode)
{
	size_t len = 0;
	struct error e;
	char *data = path_read_file(from, 0, &len, &e);
	if (!data)
		return false;
	bool ok = path_write_file(to, data, len, mode & 0777, &e);
	free(data);
	return ok;
}

/*
 * Lay src's tree over dst: folders merge, anything else replaces what dst has at its place.
 * Links are recreated, never followed, so nothing is written through one.
 */
static bool merge_tree(const char *src, const char *dst)
{
	DIR *d = opendir(src);
	if (!d)
		return false;
	bool ok = true;
	struct dirent *de;
	while (ok && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *from = path_join(src, de->d_name);
		char *to = path_join(dst, de->d_name);
		struct stat st, dt;
		bool has = lstat(to, &dt) == 0;
		if (lstat(from, &st) != 0) {
			ok = false;
		} else if (S_ISDIR(st.st_mode)) {
			if (has && !S_ISDIR(dt.st_mode)) {
				unlink(to);
				has = false;
			}
			ok = (has || mkdir(to, 0755) == 0) && merge_tree(from, to);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlink(from, target, sizeof(target) - 1);
			clear_path(to);
			ok = n >= 0;
			if (ok) {
				target[n] = '\0';
				ok = symlink(target, to) == 0;
			}
		} else if (S_ISREG(st.st_mode)) {
			clear_path(to);
			ok = link(from, to) == 0 || copy_file(from, to, st.st_mode);
		}
		free(from);
		free(to);
	}
	closedir(d);
	return ok;
}

/* The merged folder of a list of versions: its name is a hash of what it holds. */
static char *merged_dir(const char *fn_dir, struct layer_row *rows, int n)
{
	struct strbuf key = STRBUF_INIT;
	for (int i = 0; i < n; i++)
		strbuf_addf(&key, "%s:%s:%lld:%s\n", rows[i].account, rows[i].name, rows[i].version,
			    str_in(rows[i].config, "CodeSha256"));
	char b64[48], hex[65];
	lambda_package_sha256(key.buf, key.len, b64, hex);
	strbuf_release(&key);
	hex[16] = '\0';
	return xasprintf("%s/opt-%s", fn_dir, hex);
}

static bool build_merged(struct cloud *c, const char *dir, struct layer_row *rows, int n,
			 struct aws_err *err)
{
	if (path_is_dir(dir))
		return true;
	char hex[9];
	aws_random_hex(hex, 8);
	char *tmp = xasprintf("%s.tmp-%s", dir, hex);
	struct error e;
	bool ok = path_mkdirs(tmp, 0755, &e);
	for (int i = 0; ok && i < n; i++) {
		char *src = version_dir(c, rows[i].account, rows[i].name, rows[i].version);
		ok = merge_tree(src, tmp);
		free(src);
	}
	if (ok && rename(tmp, dir) != 0 && !path_is_dir(dir))
		ok = false;
	if (path_is_dir(tmp))
		path_remove_tree(tmp);
	free(tmp);
	if (!ok)
		aws_err_set(err, 500, "ServiceException", "cannot lay out the function's layers");
	return ok;
}

/* --- The operations ----------------------------------------------------------------------- */

static bool check_architectures(const cJSON *a, struct aws_err *err)
{
	if (!a)
		return true;
	bool ok = cJSON_IsArray(a) && cJSON_GetArraySize(a) <= 2;
	const cJSON *v;
	cJSON_ArrayForEach(v, a)
	{
		const char *s = cJSON_GetStringValue(v);
		ok = ok && s && (strcmp(s, "x86_64") == 0 || strcmp(s, "arm64") == 0);
	}
	if (!ok)
		return aws_err_set(
			err, 400, "ValidationException",
			"1 validation error detected: Value at 'compatibleArchitectures' "
			"failed to satisfy constraint: Member must satisfy constraint: "
			"[Member must satisfy enum value set: [x86_64, arm64], Member must "
			"not be null]");
	return true;
}

static bool check_runtimes(const cJSON *a, struct aws_err *err)
{
	if (!a)
		return true;
	bool ok = cJSON_IsArray(a) && cJSON_GetArraySize(a) <= 15;
	const cJSON *v;
	cJSON_ArrayForEach(v, a)
	{
		ok = ok && cJSON_IsString(v) && v->valuestring[0];
	}
	if (!ok)
		return aws_err_set(
			err, 400, "ValidationException",
			"1 validation error detected: Value at 'compatibleRuntimes' "
			"failed to satisfy constraint: Member must have length less than "
			"or equal to 15");
	return true;
}

cJSON *lambda_op_publish_layer_version(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	char account[13], name[NAME_MAX_LEN + 1];
	if (!parse_layer_name(str_in(in, "LayerName"), call->caller->account, account, name, err))
		return NULL;
	char arn[300];
	layer_arn(arn, sizeof(arn), account, name);
	if (strcmp(account, call->caller->account) != 0)
		return denied(err, call->caller, "lambda:PublishLayerVersion", arn), NULL;
	const cJSON *runtimes = cJSON_GetObjectItemCaseSensitive(in, "CompatibleRuntimes");
	const cJSON *archs = cJSON_GetObjectItemCaseSensitive(in, "CompatibleArchitectures");
	const char *desc = str_in(in, "Description"), *license = str_in(in, "LicenseInfo");
	if (!check_runtimes(runtimes, err) || !check_architectures(archs, err))
		return NULL;
	if ((desc && strlen(desc) > 256) || (license && strlen(license) > 512))
		return aws_err_set(err, 400, "ValidationException",
				   "1 validation error detected: Value at '%s' failed to satisfy "
				   "constraint: Member must have length less than or equal to %d",
				   desc && strlen(desc) > 256 ? "description" : "licenseInfo",
				   desc && strlen(desc) > 256 ? 256 : 512),
		       NULL;
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(in, "Content");
	unsigned char *zip = NULL;
	size_t len = 0;
	if (!lambda_package_read(c, call->caller, content, "PublishLayerVersion", &zip, &len, err))
		return NULL;
	cJSON *out = NULL;
	char b64[48], hex[65];
	lambda_package_sha256(zip, len, b64, hex);
	/* Unpacked first, under a temporary name: a bad zip publishes nothing. */
	char *root = layers_root(c);
	char *ldir = xasprintf("%s/%s/%s", root, account, name);
	char rnd[9];
	aws_random_hex(rnd, 8);
	char *tmp = xasprintf("%s/.tmp-%s", ldir, rnd);
	struct error e;
	struct api_err ae = { 0 };
	long long unzipped = 0;
	if (!path_mkdirs(tmp, 0755, &e)) {
		aws_err_set(err, 500, "ServiceException", "%s", e.msg);
		goto done;
	}
	if (!zipcode_extract(zip, len, tmp, &unzipped, &ae)) {
		aws_err_set(err, ae.status, ae.type, "%s", ae.msg);
		goto done;
	}
	cJSON *config = cJSON_CreateObject();
	cJSON_AddStringToObject(config, "Description", desc ? desc : "");
	if (runtimes)
		cJSON_AddItemToObject(config, "CompatibleRuntimes",
				      cJSON_Duplicate(runtimes, true));
	if (archs)
		cJSON_AddItemToObject(config, "CompatibleArchitectures",
				      cJSON_Duplicate(archs, true));
	if (license)
		cJSON_AddStringToObject(config, "LicenseInfo", license);
	cJSON_AddStringToObject(config, "CodeSha256", b64);
	cJSON_AddNumberToObject(config, "CodeSize", (double)len);
	cJSON_AddNumberToObject(config, "Unzipped", (double)unzipped);
	cJSON_AddNumberToObject(config, "Created", (double)clock_wall_ms());
	long long version = row_insert(c, account, name, config);
	cJSON_Delete(config);
	if (version <= 0) {
		aws_err_set(err, 500, "ServiceException", "cannot record the layer version");
		goto done;
	}
	char *vdir = version_dir(c, account, name, version);
	char *zpath = xasprintf("%s.zip", vdir);
	path_remove_tree(vdir); /* left by a version deleted while the cloud was down */
	bool stored = rename(tmp, vdir) == 0 && path_write_file(zpath, zip, len, 0644, &e);
	free(zpath);
	free(vdir);
	if (!stored) {
		row_delete(c, account, name, version);
		aws_err_set(err, 500, "ServiceException", "cannot store the layer's content");
		goto done;
	}
	struct layer_row r;
	if (row_load(c, account, name, version, &r)) {
		out = version_output(c, &r);
		row_release(&r);
	} else {
		aws_err_set(err, 500, "ServiceException", "the layer version vanished");
	}
done:
	if (path_is_dir(tmp))
		path_remove_tree(tmp);
	free(tmp);
	free(ldir);
	free(root);
	free(zip);
	return out;
}

/* LayerName and VersionNumber of a request, the version's row loaded. */
static bool find_version(struct svc_call *call, const cJSON *in, struct layer_row *r,
			 bool missing_as_arn, int missing_status, struct aws_err *err)
{
	char account[13], name[NAME_MAX_LEN + 1];
	long long version = 0;
	if (!parse_layer_name(str_in(in, "LayerName"), call->caller->account, account, name, err))
		return false;
	if (!num_in(in, "VersionNumber", &version) || version < 1)
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "Layer Version Cannot be less than 1");
	char varn[320];
	version_arn(varn, sizeof(varn), account, name, version);
	if (!row_load(call->cloud, account, name, version, r)) {
		if (strcmp(account, call->caller->account) != 0)
			return denied(err, call->caller, "lambda:GetLayerVersion", varn);
		if (missing_as_arn)
			return aws_err_set(err, missing_status, "ResourceNotFoundException",
					   "Layer version %s does not exist.", varn);
		return aws_err_set(err, 404, "ResourceNotFoundException",
				   "The resource you requested does not exist.");
	}
	return true;
}

cJSON *lambda_op_get_layer_version(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct layer_row r;
	if (!find_version(call, in, &r, false, 404, err))
		return NULL;
	cJSON *out = NULL;
	char varn[320];
	version_arn(varn, sizeof(varn), r.account, r.name, r.version);
	if (!may_use(&r, call->caller->account))
		denied(err, call->caller, "lambda:GetLayerVersion", varn);
	else
		out = version_output(call->cloud, &r);
	row_release(&r);
	return out;
}

cJSON *lambda_op_get_layer_version_by_arn(struct svc_call *call, const cJSON *in,
					  struct aws_err *err)
{
	const char *arn = str_in(in, "Arn");
	char region[32], account[13], name[NAME_MAX_LEN + 1];
	long long version = 0;
	if (!parse_version_arn(arn, region, account, name, &version))
		return aws_err_set(err, 400, "ValidationException",
				   "1 validation error detected: Value '%.300s' at 'arn' failed to "
				   "satisfy constraint: Member must satisfy regular expression "
				   "pattern: " ARN_PATTERN,
				   arn ? arn : ""),
		       NULL;
	if (version < 1)
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "Layer Version Cannot be less than 1"),
		       NULL;
	struct layer_row r;
	if (strcmp(region, AWS_REGION_NAME) != 0 ||
	    !row_load(call->cloud, account, name, version, &r))
		return aws_err_set(err, 404, "ResourceNotFoundException",
				   "The resource you requested does not exist."),
		       NULL;
	cJSON *out = NULL;
	if (!may_use(&r, call->caller->account))
		denied(err, call->caller, "lambda:GetLayerVersion", arn);
	else
		out = version_output(call->cloud, &r);
	row_release(&r);
	return out;
}

static bool list_has(const cJSON *list, const char *want)
{
	if (!want)
		return true;
	const cJSON *v;
	cJSON_ArrayForEach(v, list)
	{
		if (cJSON_IsString(v) && strcmp(v->valuestring, want) == 0)
			return true;
	}
	return false;
}

static bool matches(const cJSON *config, const char *runtime, const char *arch)
{
	return list_has(cJSON_GetObjectItemCaseSensitive(config, "CompatibleRuntimes"), runtime) &&
	       list_has(cJSON_GetObjectItemCaseSensitive(config, "CompatibleArchitectures"), arch);
}

static bool list_limits(const cJSON *in, long long *max, struct aws_err *err)
{
	*max = LIST_MAX;
	if (num_in(in, "MaxItems", max) && (*max < 1 || *max > LIST_MAX))
		return aws_err_set(
			err, 400, "ValidationException",
			"1 validation error detected: Value '%lld' at 'maxItems' failed "
			"to satisfy constraint: Member must have value %s",
			*max, *max < 1 ? "greater than or equal to 1" : "less than or equal to 50");
	const char *arch = str_in(in, "CompatibleArchitecture");
	if (arch && strcmp(arch, "x86_64") != 0 && strcmp(arch, "arm64") != 0)
		return aws_err_set(err, 400, "ValidationException",
				   "1 validation error detected: Value '%.64s' at "
				   "'compatibleArchitecture' failed to satisfy constraint: Member "
				   "must satisfy enum value set: [x86_64, arm64]",
				   arch);
	return true;
}

cJSON *lambda_op_list_layer_versions(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	char account[13], name[NAME_MAX_LEN + 1];
	long long max;
	if (!parse_layer_name(str_in(in, "LayerName"), call->caller->account, account, name, err) ||
	    !list_limits(in, &max, err))
		return NULL;
	const char *runtime = str_in(in, "CompatibleRuntime");
	const char *arch = str_in(in, "CompatibleArchitecture");
	const char *marker = str_in(in, "Marker");
	long long below = marker ? strtoll(marker, NULL, 10) : 0;
	cJSON *out = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(out, "LayerVersions");
	/* Newest first; the marker is the last version given. */
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(c->db->db,
			   "SELECT version FROM lambda_layers WHERE account = ? AND name = ?"
			   " AND (? = 0 OR version < ?) ORDER BY version DESC",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, below);
	sqlite3_bind_int64(st, 4, below);
	struct vec versions = VEC_INIT;
	while (sqlite3_step(st) == SQLITE_ROW)
		vec_push(&versions, xasprintf("%lld", (long long)sqlite3_column_int64(st, 0)));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	long long given = 0, last = 0;
	bool more = false;
	vec_for_each (&versions, i) {
		struct layer_row r;
		long long v = strtoll(versions.items[i], NULL, 10);
		if (!row_load(c, account, name, v, &r))
			continue;
		if (may_use(&r, call->caller->account) && matches(r.config, runtime, arch)) {
			if (given == max) {
				more = true;
			} else {
				cJSON_AddItemToArray(items, list_item(&r));
				given++;
				last = v;
			}
		}
		row_release(&r);
		if (more)
			break;
	}
	vec_release_with(&versions, free);
	if (more) {
		char m[24];
		snprintf(m, sizeof(m), "%lld", last);
		cJSON_AddStringToObject(out, "NextMarker", m);
	}
	return out;
}

cJSON *lambda_op_list_layers(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	long long max;
	if (!list_limits(in, &max, err))
		return NULL;
	const char *runtime = str_in(in, "CompatibleRuntime");
	const char *arch = str_in(in, "CompatibleArchitecture");
	const char *marker = str_in(in, "Marker");
	const char *account = call->caller->account;
	/* (name, version) newest first within each name; the marker is the last name given. */
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(c->db->db,
			   "SELECT name, version FROM lambda_layers WHERE account = ? AND name > ?"
			   " ORDER BY name, version DESC",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, marker ? marker : "", -1, SQLITE_TRANSIENT);
	struct vec keys = VEC_INIT;
	while (sqlite3_step(st) == SQLITE_ROW)
		vec_push(&keys, xasprintf("%s %lld", (const char *)sqlite3_column_text(st, 0),
					  (long long)sqlite3_column_int64(st, 1)));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	cJSON *out = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(out, "Layers");
	char done_name[NAME_MAX_LEN + 1] = "", last[NAME_MAX_LEN + 1] = "";
	long long given = 0;
	bool more = false;
	vec_for_each (&keys, i) {
		char name[NAME_MAX_LEN + 1];
		long long v = 0;
		const char *key = keys.items[i];
		const char *sp = strchr(key, ' ');
		snprintf(name, sizeof(name), "%.*s", (int)(sp - key), key);
		v = strtoll(sp + 1, NULL, 10);
		if (strcmp(name, done_name) == 0)
			continue;
		struct layer_row r;
		if (!row_load(c, account, name, v, &r))
			continue;
		if (matches(r.config, runtime, arch)) {
			snprintf(done_name, sizeof(done_name), "%s", name);
			if (given == max) {
				more = true;
			} else {
				cJSON *item = cJSON_CreateObject();
				char arn[300];
				layer_arn(arn, sizeof(arn), account, name);
				cJSON_AddStringToObject(item, "LayerName", name);
				cJSON_AddStringToObject(item, "LayerArn", arn);
				cJSON_AddItemToObject(item, "LatestMatchingVersion", list_item(&r));
				cJSON_AddItemToArray(items, item);
				given++;
				snprintf(last, sizeof(last), "%s", name);
			}
		}
		row_release(&r);
		if (more)
			break;
	}
	vec_release_with(&keys, free);
	if (more)
		cJSON_AddStringToObject(out, "NextMarker", last);
	return out;
}

cJSON *lambda_op_delete_layer_version(struct svc_call *call, const cJSON *in, struct aws_err *err)
{
	struct cloud *c = call->cloud;
	char account[13], name[NAME_MAX_LEN + 1];
	long long version = 0;
	if (!parse_layer_name(str_in(in, "LayerName"), call->caller->account, account, name, err))
		return NULL;
	if (!num_in(in, "VersionNumber", &version) || version < 1)
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "Layer Version Cannot be less than 1"),
		       NULL;
	if (strcmp(account, call->caller->account) != 0) {
		char varn[320];
		version_arn(varn, sizeof(varn), account, name, version);
		return denied(err, call->caller, "lambda:DeleteLayerVersion", varn), NULL;
	}
	/* Deleting a version that is not there succeeds, as in AWS. */
	row_delete(c, account, name, version);
	char *vdir = version_dir(c, account, name, version);
	char *zpath = xasprintf("%s.zip", vdir);
	path_remove_tree(vdir);
	unlink(zpath);
	free(zpath);
	free(vdir);
	return cJSON_CreateObject();
}

static bool revision_matches(const cJSON *in, const struct layer_row *r, struct aws_err *err)
{
	const char *want = str_in(in, "RevisionId");
	if (want && strcmp(want, r->revision) != 0)
		return aws_err_set(
			err, 412, "PreconditionFailedException",
			"The Revision Id provided does not match the latest Revision Id. "
			"Call the GetLayerPolicy API to retrieve the latest Revision Id");
	return true;
}

static bool valid_principal(const char *p)
{
	if (strcmp(p, "*") == 0)
		return true;
	if (strlen(p) == 12 && strspn(p, "0123456789") == 12)
		return true;
	return strncmp(p, "arn:aws:iam::", 13) == 0 && strspn(p + 13, "0123456789") == 12 &&
	       strcmp(p + 25, ":root") == 0;
}

cJSON *lambda_op_add_layer_version_permission(struct svc_call *call, const cJSON *in,
					      struct aws_err *err)
{
	const char *sid = str_in(in, "StatementId"), *action = str_in(in, "Action");
	const char *principal = str_in(in, "Principal"), *org = str_in(in, "OrganizationId");
	if (!sid || !sid[0] || strlen(sid) > 100 || !valid_name_chars(sid, strlen(sid)))
		return aws_err_set(err, 400, "ValidationException",
				   "1 validation error detected: Value '%.100s' at 'statementId' "
				   "failed to satisfy constraint: Member must satisfy regular "
				   "expression pattern: ([a-zA-Z0-9-_]+)",
				   sid ? sid : ""),
		       NULL;
	if (!action || strcmp(action, "lambda:GetLayerVersion") != 0)
		return aws_err_set(err, 400, "ValidationException",
				   "1 validation error detected: Value '%.100s' at 'action' failed "
				   "to satisfy constraint: Member must satisfy regular expression "
				   "pattern: lambda:GetLayerVersion",
				   action ? action : ""),
		       NULL;
	if (!principal || !valid_principal(principal))
		return aws_err_set(
			       err, 400, "ValidationException",
			       "1 validation error detected: Value '%.100s' at 'principal' "
			       "failed to satisfy constraint: Member must satisfy regular "
			       "expression pattern: \\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:"
			       "root",
			       principal ? principal : ""),
		       NULL;
	if (org && (strncmp(org, "o-", 2) != 0 || strlen(org) < 12 || strlen(org) > 34))
		return aws_err_set(err, 400, "ValidationException",
				   "1 validation error detected: Value '%.40s' at 'organizationId' "
				   "failed to satisfy constraint: Member must satisfy regular "
				   "expression pattern: o-[a-z0-9]{10,32}",
				   org),
		       NULL;
	struct layer_row r;
	if (!find_version(call, in, &r, true, 404, err))
		return NULL;
	cJSON *out = NULL;
	char varn[320];
	version_arn(varn, sizeof(varn), r.account, r.name, r.version);
	if (strcmp(r.account, call->caller->account) != 0) {
		denied(err, call->caller, "lambda:AddLayerVersionPermission", varn);
		goto done;
	}
	if (!revision_matches(in, &r, err))
		goto done;
	if (!r.policy)
		r.policy = cJSON_CreateArray();
	const cJSON *s;
	cJSON_ArrayForEach(s, r.policy)
	{
		const char *have = str_in(s, "Sid");
		if (have && strcmp(have, sid) == 0) {
			aws_err_set(err, 409, "ResourceConflictException",
				    "The statement id (%s) provided already exists. Please provide "
				    "a new statement id, or remove the existing statement.",
				    sid);
			goto done;
		}
	}
	cJSON *stmt = cJSON_CreateObject();
	cJSON_AddStringToObject(stmt, "Sid", sid);
	cJSON_AddStringToObject(stmt, "Effect", "Allow");
	if (strcmp(principal, "*") == 0) {
		cJSON_AddStringToObject(stmt, "Principal", "*");
	} else {
		char root[64];
		snprintf(root, sizeof(root), "arn:aws:iam::%.12s:root",
			 strncmp(principal, "arn:", 4) == 0 ? principal + 13 : principal);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(stmt, "Principal"), "AWS", root);
	}
	cJSON_AddStringToObject(stmt, "Action", action);
	cJSON_AddStringToObject(stmt, "Resource", varn);
	if (org)
		cJSON_AddStringToObject(
			cJSON_AddObjectToObject(cJSON_AddObjectToObject(stmt, "Condition"),
						"StringEquals"),
			"aws:PrincipalOrgID", org);
	cJSON_AddItemToArray(r.policy, stmt);
	aws_uuid(r.revision);
	if (!row_save_policy(call->cloud, &r)) {
		aws_err_set(err, 500, "ServiceException", "cannot record the layer's policy");
		goto done;
	}
	out = cJSON_CreateObject();
	char *text = cJSON_PrintUnformatted(stmt);
	cJSON_AddStringToObject(out, "Statement", text);
	free(text);
	cJSON_AddStringToObject(out, "RevisionId", r.revision);
done:
	row_release(&r);
	return out;
}

cJSON *lambda_op_remove_layer_version_permission(struct svc_call *call, const cJSON *in,
						 struct aws_err *err)
{
	const char *sid = str_in(in, "StatementId");
	struct layer_row r;
	if (!find_version(call, in, &r, true, 404, err))
		return NULL;
	cJSON *out = NULL;
	char varn[320];
	version_arn(varn, sizeof(varn), r.account, r.name, r.version);
	if (strcmp(r.account, call->caller->account) != 0) {
		denied(err, call->caller, "lambda:RemoveLayerVersionPermission", varn);
		goto done;
	}
	if (!revision_matches(in, &r, err))
		goto done;
	int at = -1, i = 0;
	const cJSON *s;
	cJSON_ArrayForEach(s, r.policy)
	{
		const char *have = str_in(s, "Sid");
		if (at < 0 && have && sid && strcmp(have, sid) == 0)
			at = i;
		i++;
	}
	if (at < 0) {
		aws_err_set(err, 404, "ResourceNotFoundException",
			    "Statement %.100s is not found in resource policy.", sid ? sid : "");
		goto done;
	}
	cJSON_DeleteItemFromArray(r.policy, at);
	aws_uuid(r.revision);
	if (!row_save_policy(call->cloud, &r))
		aws_err_set(err, 500, "ServiceException", "cannot record the layer's policy");
	else
		out = cJSON_CreateObject();
done:
	row_release(&r);
	return out;
}

cJSON *lambda_op_get_layer_version_policy(struct svc_call *call, const cJSON *in,
					  struct aws_err *err)
{
	struct layer_row r;
	if (!find_version(call, in, &r, true, 404, err))
		return NULL;
	cJSON *out = NULL;
	char varn[320];
	version_arn(varn, sizeof(varn), r.account, r.name, r.version);
	if (strcmp(r.account, call->caller->account) != 0) {
		denied(err, call->caller, "lambda:GetLayerVersionPolicy", varn);
	} else if (cJSON_GetArraySize(r.policy) == 0) {
		aws_err_set(err, 404, "ResourceNotFoundException",
			    "No policy is associated with the given resource.");
	} else {
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "Version", "2012-10-17");
		cJSON_AddStringToObject(doc, "Id", "default");
		cJSON_AddItemToObject(doc, "Statement", cJSON_Duplicate(r.policy, true));
		char *text = cJSON_PrintUnformatted(doc);
		cJSON_Delete(doc);
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "Policy", text);
		cJSON_AddStringToObject(out, "RevisionId", r.revision);
		free(text);
	}
	row_release(&r);
	return out;
}

/* --- Functions' layers -------------------------------------------------------------------- */

static bool bad_arn_list(const cJSON *arns, struct aws_err *err)
{
	struct strbuf list = STRBUF_INIT;
	const cJSON *v;
	cJSON_ArrayForEach(v, arns)
	{
		strbuf_addstr(&list, list.len ? ", " : "[");
		strbuf_addf(&list, "%.200s", cJSON_IsString(v) ? v->valuestring : "null");
	}
	strbuf_addch(&list, ']');
	aws_err_set(err, 400, "ValidationException",
		    "1 validation error detected: Value '%.600s' at 'layers' failed to satisfy "
		    "constraint: Member must satisfy constraint: [Member must have length less "
		    "than or equal to 140, Member must have length greater than or equal to 1, "
		    "Member must satisfy regular expression pattern: " ARN_PATTERN
		    ", Member must not be null]",
		    list.buf);
	strbuf_release(&list);
	return false;
}

bool lambda_layers_attach(struct cloud *c, const struct svc_caller *caller, const cJSON *arns,
			  const char *fn_dir, const char *code_dir, cJSON **config, char **opt_dir,
			  struct aws_err *err)
{
	*config = NULL;
	*opt_dir = NULL;
	if (!arns || cJSON_IsNull(arns))
		return true;
	if (!cJSON_IsArray(arns))
		return bad_arn_list(arns, err);
	int n = cJSON_GetArraySize(arns);
	if (n == 0)
		return true;
	if (n > LAMBDA_LAYERS_MAX)
		return aws_err_set(err, 400, "InvalidParameterValueException",
				   "Cannot reference more than %d layers.", LAMBDA_LAYERS_MAX);
	struct layer_row rows[LAMBDA_LAYERS_MAX];
	char region[LAMBDA_LAYERS_MAX][32];
	int i = 0;
	const cJSON *v;
	cJSON_ArrayForEach(v, arns)
	{
		memset(&rows[i], 0, sizeof(rows[i]));
		if (!parse_version_arn(cJSON_GetStringValue(v), region[i], rows[i].account,
				       rows[i].name, &rows[i].version) ||
		    strlen(v->valuestring) > NAME_MAX_LEN)
			return bad_arn_list(arns, err);
		i++;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(region[i], AWS_REGION_NAME) != 0)
			return aws_err_set(err, 400, "InvalidParameterValueException",
					   "Layers are not in the same region as the function. "
					   "Layers are expected to be in region %s.",
					   AWS_REGION_NAME);
		for (int j = 0; j < i; j++)
			if (strcmp(rows[i].account, rows[j].account) == 0 &&
			    strcmp(rows[i].name, rows[j].name) == 0) {
				char a[320], b[320];
				version_arn(a, sizeof(a), rows[j].account, rows[j].name,
					    rows[j].version);
				version_arn(b, sizeof(b), rows[i].account, rows[i].name,
					    rows[i].version);
				return aws_err_set(err, 400, "InvalidParameterValueException",
						   "Two different versions of the same layer are "
						   "not allowed to be referenced in the same "
						   "function. %s and %s are versions of the same "
						   "layer.",
						   a, b);
			}
	}
	bool ok = true;
	int loaded = 0;
	long long total = lambda_package_tree_size(code_dir);
	for (i = 0; ok && i < n; i++) {
		char varn[320];
		char acct[13], name[NAME_MAX_LEN + 1];
		long long version = rows[i].version;
		memcpy(acct, rows[i].account, sizeof(acct));
		memcpy(name, rows[i].name, sizeof(name));
		version_arn(varn, sizeof(varn), acct, name, version);
		if (!row_load(c, acct, name, version, &rows[i])) {
			ok = aws_err_set(err, 400, "InvalidParameterValueException",
					 "Layer version %s does not exist.", varn);
			break;
		}
		loaded++;
		long long unzipped = 0;
		num_in(rows[i].config, "Unzipped", &unzipped);
		total += unzipped;
		if (!may_use(&rows[i], caller->account))
			ok = denied(err, caller, "lambda:GetLayerVersion", varn);
	}
	if (ok && total > LAMBDA_UNZIPPED_MAX)
		ok = aws_err_set(err, 400, "InvalidParameterValueException",
				 "Function code combined with layers exceeds the maximum allowed "
				 "size of %lld bytes. The actual size is %lld bytes.",
				 LAMBDA_UNZIPPED_MAX, total);
	char *dir = NULL;
	if (ok) {
		struct error e;
		dir = merged_dir(fn_dir, rows, n);
		ok = path_mkdirs(fn_dir, 0755, &e)
			     ? build_merged(c, dir, rows, n, err)
			     : aws_err_set(err, 500, "ServiceException", "%s", e.msg);
	}
	if (ok) {
		*config = cJSON_CreateArray();
		for (i = 0; i < n; i++) {
			cJSON *l = cJSON_CreateObject();
			char varn[320];
			version_arn(varn, sizeof(varn), rows[i].account, rows[i].name,
				    rows[i].version);
			cJSON_AddStringToObject(l, "Arn", varn);
			add_dup(l, rows[i].config, "CodeSize");
			cJSON_AddItemToArray(*config, l);
		}
		*opt_dir = dir;
		dir = NULL;
	}
	free(dir);
	for (i = 0; i < loaded; i++)
		row_release(&rows[i]);
	return ok;
}

void lambda_layers_reset(struct cloud *c, const char *account)
{
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	static const char *const sql[] = {
		"DELETE FROM lambda_layers WHERE account = ?",
		"DELETE FROM lambda_layer_seq WHERE account = ?",
	};
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_prepare_v2(c->db->db, sql[i], -1, &st, NULL);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
	char *dir = xasprintf("%s/layers/%s", c->state_dir, account);
	path_remove_tree(dir);
	free(dir);
}

void lambda_layers_door(struct cloud *c, const char *rest, struct http_resp *resp)
{
	char account[13] = "", name[NAME_MAX_LEN + 1] = "";
	long long version = 0;
	const char *s1 = strchr(rest, '/');
	const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
	bool ok = s1 && s2 && s1 - rest == 12 && strspn(rest, "0123456789") == 12 &&
		  valid_name_chars(s1 + 1, (size_t)(s2 - s1 - 1)) &&
		  (size_t)(s2 - s1 - 1) <= NAME_MAX_LEN && s2[1] &&
		  strspn(s2 + 1, "0123456789") == strlen(s2 + 1) && strlen(s2 + 1) < 16;
	char *data = NULL;
	size_t len = 0;
	if (ok) {
		memcpy(account, rest, 12);
		memcpy(name, s1 + 1, (size_t)(s2 - s1 - 1));
		name[s2 - s1 - 1] = '\0';
		version = strtoll(s2 + 1, NULL, 10);
		char *vdir = version_dir(c, account, name, version);
		char *zpath = xasprintf("%s.zip", vdir);
		struct error e;
		data = path_read_file(zpath, 0, &len, &e);
		free(zpath);
		free(vdir);
	}
	if (!data) {
		aws_error(resp, 404, "ResourceNotFoundException", "Layer content not found: %s",
			  rest);
		return;
	}
	strbuf_add(&resp->body, data, len);
	free(data);
	resp->content_type = "application/zip";
}
