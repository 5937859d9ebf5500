/*
 * The Lambda REST API (rest-json) as the AWS CLI, boto3 and the JavaScript SDK call it.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud/async/async.h"
#include "cloud/http/aws.h"
#include "cloud/lambda/lambda.h"
#include "cloud/lambda/policy.h"
#include "cloud/lambda/zipcode.h"
#include "cloud/state.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/path.h"
#include "core/strutil.h"
#include "core/xalloc.h"

static void reply_json(struct http_resp *resp, int status, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	resp->status = status;
	strbuf_addstr(&resp->body, text);
	free(text);
}

static void reply_err(struct http_resp *resp, const struct api_err *e)
{
	aws_error(resp, e->status, e->type, "%s", e->msg);
}

static cJSON *parse_body(const struct http_req *req, struct http_resp *resp)
{
	cJSON *o = cJSON_ParseWithLength(req->body, req->body_len);
	if (!o || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		aws_error(resp, 400, "InvalidRequestContentException",
			  "Could not parse request body into json: Could not parse payload into "
			  "json: Unexpected character: was expecting a JSON object");
		return NULL;
	}
	return o;
}

static void not_found(struct http_resp *resp, const char *account, const char *name,
		      const char *qualifier)
{
	aws_error(resp, 404, "ResourceNotFoundException",
		  "Function not found: arn:aws:lambda:" AWS_REGION_NAME ":%s:function:%s%s%s",
		  account, name, qualifier && qualifier[0] ? ":" : "", qualifier ? qualifier : "");
}

/* A string member: absent (true, *out NULL), a string (true), or wrong type (false). */
static bool opt_string(const cJSON *o, const char *k, const char **out, struct api_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsString(v))
		return api_err_set(e, 400, "InvalidRequestContentException",
				   "Could not parse request body into json: '%s' must be a string",
				   k);
	*out = v->valuestring;
	return true;
}

static bool opt_number(const cJSON *o, const char *k, double *out, bool *given, struct api_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	*given = false;
	if (!v || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsNumber(v))
		return api_err_set(e, 400, "InvalidRequestContentException",
				   "Could not parse request body into json: '%s' must be a number",
				   k);
	*out = v->valuedouble;
	*given = true;
	return true;
}

/* The settings CreateFunction and UpdateFunctionConfiguration share, checked. */
struct settings {
	const char *runtime, *handler, *role, *description;
	double memory, timeout, ephemeral;
	bool has_memory, has_timeout, has_ephemeral;
	const cJSON *vars; /* borrowed from the request */
	bool has_env;
	int arch; /* -1 unset, 0 x86_64, 1 arm64 */
};

static bool read_settings(const cJSON *in, struct settings *s, struct api_err *e)
{
	memset(s, 0, sizeof(*s));
	s->arch = -1;
	if (!opt_string(in, "Runtime", &s->runtime, e) ||
	    !opt_string(in, "Handler", &s->handler, e) || !opt_string(in, "Role", &s->role, e) ||
	    !opt_string(in, "Description", &s->description, e) ||
	    !opt_number(in, "MemorySize", &s->memory, &s->has_memory, e) ||
	    !opt_number(in, "Timeout", &s->timeout, &s->has_timeout, e))
		return false;
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(in, "Environment");
	if (env && !cJSON_IsNull(env)) {
		if (!cJSON_IsObject(env))
			return api_err_set(e, 400, "InvalidRequestContentException",
					   "Could not parse request body into json: 'Environment' "
					   "must be an object");
		s->has_env = true;
		s->vars = cJSON_GetObjectItemCaseSensitive(env, "Variables");
		if (s->vars && cJSON_IsNull(s->vars))
			s->vars = NULL;
	}
	const cJSON *eph = cJSON_GetObjectItemCaseSensitive(in, "EphemeralStorage");
	if (eph && !cJSON_IsNull(eph)) {
		const cJSON *size = cJSON_GetObjectItemCaseSensitive(eph, "Size");
		if (!cJSON_IsObject(eph) || !cJSON_IsNumber(size))
			return api_err_set(
				e, 400, "InvalidRequestContentException",
				"Could not parse request body into json: "
				"'EphemeralStorage' must be an object with a Size number");
		s->ephemeral = size->valuedouble;
		s->has_ephemeral = true;
	}
	const cJSON *arch = cJSON_GetObjectItemCaseSensitive(in, "Architectures");
	if (arch && !cJSON_IsNull(arch)) {
		const cJSON *a = cJSON_IsArray(arch) ? cJSON_GetArrayItem(arch, 0) : NULL;
		if (!cJSON_IsArray(arch) || cJSON_GetArraySize(arch) != 1 || !cJSON_IsString(a) ||
		    (strcmp(a->valuestring, "x86_64") != 0 && strcmp(a->valuestring, "arm64") != 0))
			return api_err_set(
				e, 400, "ValidationException",
				"1 validation error detected: Value at 'architectures' "
				"failed to satisfy constraint: Member must satisfy "
				"constraint: [Member must satisfy enum value set: [x86_64, "
				"arm64]]");
		s->arch = strcmp(a->valuestring, "arm64") == 0;
	}
	if (s->runtime && !lambda_check_runtime(s->runtime, e))
		return false;
	if (s->handler && !lambda_check_handler(s->handler, e))
		return false;
	if (s->role && !lambda_check_role(s->role, e))
		return false;
	if (s->description && !lambda_check_description(s->description, e))
		return false;
	if (s->has_memory && !lambda_check_memory(s->memory, e))
		return false;
	if (s->has_timeout && !lambda_check_timeout(s->timeout, e))
		return false;
	if (s->has_ephemeral && !lambda_check_ephemeral(s->ephemeral, e))
		return false;
	if (s->vars && !lambda_check_env(s->vars, e))
		return false;
	return true;
}

/* DeadLetterConfig.TargetArn, checked: *out NULL when absent, "" when it is removed. */
static bool dead_letter_target(const cJSON *in, const char **out, struct api_err *e)
{
	*out = NULL;
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(in, "DeadLetterConfig");
	if (!d || cJSON_IsNull(d))
		return true;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(d, "TargetArn");
	if (!cJSON_IsObject(d) || (t && !cJSON_IsString(t) && !cJSON_IsNull(t)))
		return api_err_set(e, 400, "InvalidRequestContentException",
				   "Could not parse request body into json: 'DeadLetterConfig' "
				   "must be an object with a TargetArn string");
	*out = cJSON_IsString(t) ? t->valuestring : "";
	char msg[512];
	if (!async_check_dlq(*out, msg, sizeof(msg)))
		return api_err_set(e, 400, "InvalidParameterValueException", "%s", msg);
	return true;
}

/*
 * CreateFunction's checks of its body that need no state: the name, the settings, the package
 * type, the dead-letter queue, and the members a function cannot be created without.
 */
static bool check_create(const cJSON *in, const char **name, struct settings *s, const char **dlq,
			 struct api_err *e)
{
	const char *package = NULL;
	*name = NULL;
	if (!opt_string(in, "FunctionName", name, e) ||
	    !opt_string(in, "PackageType", &package, e) || !dead_letter_target(in, dlq, e))
		return false;
	if (!*name)
		return api_err_set(e, 400, "ValidationException",
				   "1 validation error detected: Value null at 'functionName' "
				   "failed to satisfy constraint: Member must not be null");
	if (!lambda_check_name(*name, e) || !read_settings(in, s, e))
		return false;
	if (package && strcmp(package, "Image") == 0)
		return api_err_set(e, 400, "InvalidParameterValueException",
				   "Container images are not served by the local cloud; use a "
				   ".zip file archive");
	if (!s->role)
		return api_err_set(e, 400, "ValidationException",
				   "1 validation error detected: Value null at 'role' failed to "
				   "satisfy constraint: Member must not be null");
	if (!s->runtime || !s->handler)
		return api_err_set(e, 400, "InvalidParameterValueException",
				   "Runtime and Handler are mandatory parameters for functions "
				   "created with Zip packages.");
	return true;
}

bool lambda_check_config_body(const char *body, size_t len, bool create, struct api_err *e)
{
	cJSON *in = cJSON_ParseWithLength(body, len);
	bool ok;
	if (!in || !cJSON_IsObject(in)) {
		ok = api_err_set(e, 400, "InvalidRequestContentException",
				 "Could not parse request body into json");
	} else {
		struct settings s;
		const char *name = NULL, *dlq = NULL;
		ok = create ? check_create(in, &name, &s, &dlq, e)
			    : read_settings(in, &s, e) && dead_letter_target(in, &dlq, e);
	}
	cJSON_Delete(in);
	return ok;
}

/* A function's code, unpacked and stored, ready to be swapped in. */
struct code {
	char sha256[48];
	char sha_hex[65];
	long long size;
	char *dir;
};

static bool decode_code(struct cloud *c, const char *account, const char *name,
			const cJSON *zipfile, struct code *out, struct api_err *e)
{
	if (!cJSON_IsString(zipfile))
		return api_err_set(e, 400, "InvalidParameterValueException",
				   "Please provide a source for function code: ZipFile (S3 and "
				   "container images are not served by the local cloud yet)");
	size_t len = 0;
	unsigned char *zip =
		aws_base64_decode(zipfile->valuestring, strlen(zipfile->valuestring), &len);
	if (!zip)
		return api_err_set(
			e, 400, "InvalidParameterValueException",
			"Could not unzip uploaded file. Please check your file, then try "
			"to upload again. (ZipFile is not valid base64)");
	if ((long long)len > LAMBDA_ZIP_MAX) {
		free(zip);
		return api_err_set(e, 413, "RequestEntityTooLargeException",
				   "Request must be smaller than %d bytes for the CreateFunction "
				   "operation",
				   LAMBDA_CREATE_BODY_MAX);
	}
	unsigned char md[SHA256_LEN];
	sha256(zip, len, md);
	char *b64 = aws_base64_encode(md, sizeof(md));
	snprintf(out->sha256, sizeof(out->sha256), "%s", b64);
	free(b64);
	for (int i = 0; i < SHA256_LEN; i++)
		snprintf(out->sha_hex + 2 * i, 3, "%02x", md[i]);
	out->size = (long long)len;
	char *fdir = xasprintf("%s/%s/%s", c->code_root, account, name);
	out->dir = xasprintf("%s/%s", fdir, out->sha_hex);
	struct error err;
	bool ok = true;
	if (!path_mkdirs(fdir, 0755, &err)) {
		ok = api_err_set(e, 500, "ServiceException", "%s", err.msg);
	} else if (!path_is_dir(out->dir)) {
		char hex[9];
		aws_random_hex(hex, 8);
		char *tmp = xasprintf("%s.tmp-%s", out->dir, hex);
		char *zpath = xasprintf("%s.zip", out->dir);
		long long unzipped = 0;
		if (!path_mkdirs(tmp, 0755, &err))
			ok = api_err_set(e, 500, "ServiceException", "%s", err.msg);
		else if (!zipcode_extract(zip, len, tmp, &unzipped, e))
			ok = false;
		else if (!path_write_file(zpath, zip, len, 0644, &err))
			ok = api_err_set(e, 500, "ServiceException", "%s", err.msg);
		else if (rename(tmp, out->dir) != 0 && !path_is_dir(out->dir))
			ok = api_err_set(e, 500, "ServiceException", "cannot store the code");
		if (!ok || path_is_dir(tmp))
			zipcode_remove_tree(tmp);
		if (!ok)
			unlink(zpath);
		free(tmp);
		free(zpath);
	}
	free(fdir);
	free(zip);
	if (!ok) {
		free(out->dir);
		out->dir = NULL;
	}
	return ok;
}

static void retire_idle_envs(struct cloud *c, struct lfunc *fn)
{
	vec_for_each (&c->envs, i) {
		struct env *env = c->envs.items[i];
		if (env->fn == fn && !env->inv)
			lambda_env_kill(env);
	}
}

static void touch(struct lfunc *fn)
{
	fn->generation++;
	fn->modified_ms = clock_wall_ms();
	aws_uuid(fn->revision);
}

static void create_function(struct cloud *c, const char *account, const struct http_req *req,
			    struct http_resp *resp)
{
	if (req->too_large) {
		aws_error(resp, 413, "RequestEntityTooLargeException",
			  "Request must be smaller than %d bytes for the CreateFunction operation",
			  LAMBDA_CREATE_BODY_MAX);
		return;
	}
	cJSON *in = parse_body(req, resp);
	if (!in)
		return;
	struct api_err e = { 0 };
	struct settings s;
	struct code code = { 0 };
	const char *name = NULL, *dlq = NULL;
	if (!check_create(in, &name, &s, &dlq, &e))
		goto fail;
	pthread_mutex_lock(&c->mu);
	bool exists = lambda_fn_find(c, account, name) != NULL;
	pthread_mutex_unlock(&c->mu);
	if (exists) {
		api_err_set(&e, 409, "ResourceConflictException", "Function already exist: %s",
			    name);
		goto fail;
	}
	const cJSON *code_in = cJSON_GetObjectItemCaseSensitive(in, "Code");
	if (!cJSON_IsObject(code_in)) {
		api_err_set(&e, 400, "InvalidParameterValueException",
			    "Please provide a source for function code.");
		goto fail;
	}
	if (!decode_code(c, account, name, cJSON_GetObjectItemCaseSensitive(code_in, "ZipFile"),
			 &code, &e))
		goto fail;
	struct lfunc *fn = xcalloc(1, sizeof(*fn));
	snprintf(fn->account, sizeof(fn->account), "%s", account);
	snprintf(fn->name, sizeof(fn->name), "%s", name);
	fn->runtime = xstrdup(s.runtime);
	fn->handler = xstrdup(s.handler);
	fn->role = xstrdup(s.role);
	fn->description = xstrdup(s.description ? s.description : "");
	fn->vars = s.vars ? cJSON_Duplicate(s.vars, true) : NULL;
	fn->memory = s.has_memory ? (int)s.memory : 128;
	fn->timeout = s.has_timeout ? (int)s.timeout : 3;
	fn->ephemeral = s.has_ephemeral ? (int)s.ephemeral : LAMBDA_EPHEMERAL_MIN;
	fn->arm64 = s.arch == 1;
	memcpy(fn->sha256, code.sha256, sizeof(fn->sha256));
	memcpy(fn->sha_hex, code.sha_hex, sizeof(fn->sha_hex));
	fn->code_size = code.size;
	fn->code_dir = code.dir;
	fn->reserved = -1;
	fn->refs = 1;
	touch(fn);
	pthread_mutex_lock(&c->mu);
	if (lambda_fn_find(c, account, name)) {
		pthread_mutex_unlock(&c->mu);
		lambda_fn_unref(fn);
		api_err_set(&e, 409, "ResourceConflictException", "Function already exist: %s",
			    name);
		goto fail;
	}
	vec_push(&c->functions, fn);
	lambda_fn_save(c, fn);
	if (dlq)
		async_set_dlq(c, account, name, dlq, NULL, 0);
	cJSON *out = lambda_fn_config(c, fn);
	pthread_mutex_unlock(&c->mu);
	reply_json(resp, 201, out);
	cJSON_Delete(in);
	return;
fail:
	reply_err(resp, &e);
	cJSON_Delete(in);
}

static void list_functions(struct cloud *c, const char *account, const struct http_req *req,
			   struct http_resp *resp)
{
	const char *max_s = http_query(req, "MaxItems");
	const char *marker = http_query(req, "Marker");
	long max = max_s ? strtol(max_s, NULL, 10) : 50;
	if (max < 1 || max > 10000) {
		aws_error(resp, 400, "ValidationException",
			  "1 validation error detected: Value '%s' at 'maxItems' failed to satisfy "
			  "constraint: Member must have value between 1 and 10000",
			  max_s);
		return;
	}
	long start = marker ? strtol(marker, NULL, 10) : 0;
	cJSON *out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "Functions");
	pthread_mutex_lock(&c->mu);
	/* Name order, as the service lists them. */
	struct vec mine = VEC_INIT;
	vec_for_each (&c->functions, i) {
		struct lfunc *fn = c->functions.items[i];
		if (strcmp(fn->account, account) != 0)
			continue;
		size_t k = mine.len;
		vec_push(&mine, fn);
		while (k > 0 && strcmp(((struct lfunc *)mine.items[k - 1])->name, fn->name) > 0) {
			mine.items[k] = mine.items[k - 1];
			k--;
		}
		mine.items[k] = fn;
	}
	for (long i = start; i >= 0 && (size_t)i < mine.len && i < start + max; i++)
		cJSON_AddItemToArray(arr, lambda_fn_config(c, mine.items[i]));
	if (start + max < (long)mine.len) {
		char next[32];
		snprintf(next, sizeof(next), "%ld", start + max);
		cJSON_AddStringToObject(out, "NextMarker", next);
	}
	pthread_mutex_unlock(&c->mu);
	vec_release(&mine);
	reply_json(resp, 200, out);
}

static void get_function(struct cloud *c, struct lfunc *fn, bool config_only,
			 struct http_resp *resp)
{
	cJSON *cfg = lambda_fn_config(c, fn);
	if (config_only) {
		reply_json(resp, 200, cfg);
		return;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "Configuration", cfg);
	cJSON *code = cJSON_AddObjectToObject(out, "Code");
	cJSON_AddStringToObject(code, "RepositoryType", "S3");
	char *loc = xasprintf("%s/_tutor/code/%s/%s?sha=%s", c->endpoint, fn->account, fn->name,
			      fn->sha_hex);
	cJSON_AddStringToObject(code, "Location", loc);
	free(loc);
	if (fn->reserved >= 0) {
		cJSON *conc = cJSON_AddObjectToObject(out, "Concurrency");
		cJSON_AddNumberToObject(conc, "ReservedConcurrentExecutions", fn->reserved);
	}
	reply_json(resp, 200, out);
}

static void update_code(struct cloud *c, struct lfunc *fn, const struct http_req *req,
			struct http_resp *resp)
{
	if (req->too_large) {
		aws_error(resp, 413, "RequestEntityTooLargeException",
			  "Request must be smaller than %d bytes for the UpdateFunctionCode "
			  "operation",
			  LAMBDA_CREATE_BODY_MAX);
		return;
	}
	cJSON *in = parse_body(req, resp);
	if (!in)
		return;
	struct api_err e = { 0 };
	struct settings s;
	struct code code = { 0 };
	cJSON *arch = cJSON_GetObjectItemCaseSensitive(in, "Architectures");
	cJSON *only = cJSON_CreateObject();
	if (arch)
		cJSON_AddItemToObject(only, "Architectures", cJSON_Duplicate(arch, true));
	bool ok = read_settings(only, &s, &e);
	cJSON_Delete(only);
	if (!ok || !decode_code(c, fn->account, fn->name,
				cJSON_GetObjectItemCaseSensitive(in, "ZipFile"), &code, &e)) {
		reply_err(resp, &e);
		cJSON_Delete(in);
		return;
	}
	pthread_mutex_lock(&c->mu);
	char *old = fn->code_dir;
	fn->code_dir = code.dir;
	memcpy(fn->sha256, code.sha256, sizeof(fn->sha256));
	memcpy(fn->sha_hex, code.sha_hex, sizeof(fn->sha_hex));
	fn->code_size = code.size;
	if (s.arch >= 0)
		fn->arm64 = s.arch == 1;
	touch(fn);
	retire_idle_envs(c, fn);
	lambda_fn_save(c, fn);
	cJSON *out = lambda_fn_config(c, fn);
	bool busy = fn->inflight > 0;
	pthread_mutex_unlock(&c->mu);
	/* Old code goes now unless an invocation still runs it (then at the next start). */
	if (!busy && strcmp(old, code.dir) != 0) {
		zipcode_remove_tree(old);
		char *zpath = xasprintf("%s.zip", old);
		unlink(zpath);
		free(zpath);
	}
	free(old);
	reply_json(resp, 200, out);
	cJSON_Delete(in);
}

static void update_config(struct cloud *c, struct lfunc *fn, const struct http_req *req,
			  struct http_resp *resp)
{
	cJSON *in = parse_body(req, resp);
	if (!in)
		return;
	struct api_err e = { 0 };
	struct settings s;
	const char *dlq = NULL;
	if (!read_settings(in, &s, &e) || !dead_letter_target(in, &dlq, &e)) {
		reply_err(resp, &e);
		cJSON_Delete(in);
		return;
	}
	const char *rev = NULL;
	opt_string(in, "RevisionId", &rev, &e);
	pthread_mutex_lock(&c->mu);
	if (rev && strcmp(rev, fn->revision) != 0) {
		pthread_mutex_unlock(&c->mu);
		aws_error(
			resp, 412, "PreconditionFailedException",
			"The Revision Id provided does not match the latest Revision Id. Call the "
			"GetFunction/GetAlias API to retrieve the latest Revision Id");
		cJSON_Delete(in);
		return;
	}
	if (s.runtime) {
		free(fn->runtime);
		fn->runtime = xstrdup(s.runtime);
	}
	if (s.handler) {
		free(fn->handler);
		fn->handler = xstrdup(s.handler);
	}
	if (s.role) {
		free(fn->role);
		fn->role = xstrdup(s.role);
	}
	if (s.description) {
		free(fn->description);
		fn->description = xstrdup(s.description);
	}
	if (s.has_memory)
		fn->memory = (int)s.memory;
	if (s.has_timeout)
		fn->timeout = (int)s.timeout;
	if (s.has_ephemeral)
		fn->ephemeral = (int)s.ephemeral;
	if (s.has_env) {
		cJSON_Delete(fn->vars);
		fn->vars = s.vars ? cJSON_Duplicate(s.vars, true) : NULL;
	}
	touch(fn);
	retire_idle_envs(c, fn);
	lambda_fn_save(c, fn);
	if (dlq)
		async_set_dlq(c, fn->account, fn->name, dlq, NULL, 0);
	cJSON *out = lambda_fn_config(c, fn);
	pthread_mutex_unlock(&c->mu);
	reply_json(resp, 200, out);
	cJSON_Delete(in);
}

static void delete_function(struct cloud *c, struct lfunc *fn, struct http_resp *resp)
{
	pthread_mutex_lock(&c->mu);
	size_t out = 0;
	vec_for_each (&c->functions, i) {
		if (c->functions.items[i] != fn)
			c->functions.items[out++] = c->functions.items[i];
	}
	bool listed = out != c->functions.len;
	c->functions.len = out;
	fn->deleted = true;
	fn->generation++;
	retire_idle_envs(c, fn);
	pthread_mutex_unlock(&c->mu);
	async_forget_function(c, fn->account, fn->name);
	pthread_mutex_lock(&c->db->mu);
	sqlite3_stmt *st = NULL;
	sqlite3_prepare_v2(c->db->db, "DELETE FROM functions WHERE account = ? AND name = ?", -1,
			   &st, NULL);
	sqlite3_bind_text(st, 1, fn->account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, fn->name, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->db->mu);
	lambda_policy_forget(c, fn->account, fn->name);
	lambda_url_forget(c, fn->account, fn->name);
	char *dir = xasprintf("%s/%s/%s", c->code_root, fn->account, fn->name);
	zipcode_remove_tree(dir);
	free(dir);
	if (listed) {
		pthread_mutex_lock(&c->mu);
		lambda_fn_unref(fn);
		pthread_mutex_unlock(&c->mu);
	}
	resp->status = 204;
}

void lambda_reset_account(struct cloud *c, const char *account)
{
	struct vec doomed = VEC_INIT;
	pthread_mutex_lock(&c->mu);
	vec_for_each (&c->functions, i) {
		struct lfunc *fn = c->functions.items[i];
		if (strcmp(fn->account, account) == 0) {
			lambda_fn_ref(fn);
			vec_push(&doomed, fn);
		}
	}
	pthread_mutex_unlock(&c->mu);
	vec_for_each (&doomed, i) {
		struct http_resp resp;
		http_resp_init(&resp);
		delete_function(c, doomed.items[i], &resp);
		http_resp_release(&resp);
		pthread_mutex_lock(&c->mu);
		lambda_fn_unref(doomed.items[i]);
		pthread_mutex_unlock(&c->mu);
	}
	vec_release(&doomed);
	lambda_metrics_flush(c);
	static const char *const sqls[] = {
		"DELETE FROM invocations WHERE account = ?",
		"DELETE FROM metrics WHERE account = ?",
	};
	pthread_mutex_lock(&c->db->mu);
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(c->db->db, sqls[i], -1, &st, NULL);
		sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->db->mu);
}

static void put_concurrency(struct cloud *c, struct lfunc *fn, const struct http_req *req,
			    struct http_resp *resp)
{
	cJSON *in = parse_body(req, resp);
	if (!in)
		return;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "ReservedConcurrentExecutions");
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble != (int)v->valuedouble) {
		cJSON_Delete(in);
		aws_error(resp, 400, "ValidationException",
			  "1 validation error detected: Value at 'reservedConcurrentExecutions' "
			  "failed to satisfy constraint: Member must have value greater than or "
			  "equal to 0");
		return;
	}
	int n = (int)v->valuedouble;
	cJSON_Delete(in);
	pthread_mutex_lock(&c->mu);
	int others = 0;
	vec_for_each (&c->functions, i) {
		const struct lfunc *f = c->functions.items[i];
		if (f != fn && f->reserved > 0 && strcmp(f->account, fn->account) == 0)
			others += f->reserved;
	}
	if (c->account_limit - others - n < 100) {
		pthread_mutex_unlock(&c->mu);
		aws_error(resp, 400, "InvalidParameterValueException",
			  "Specified ReservedConcurrentExecutions for function decreases account's "
			  "UnreservedConcurrentExecution below its minimum value of [100].");
		return;
	}
	fn->reserved = n;
	lambda_fn_save(c, fn);
	pthread_mutex_unlock(&c->mu);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "ReservedConcurrentExecutions", n);
	reply_json(resp, 200, out);
}

static void account_settings(struct cloud *c, const char *account, struct http_resp *resp)
{
	pthread_mutex_lock(&c->mu);
	long long total = 0;
	int count = 0, reserved = 0;
	vec_for_each (&c->functions, i) {
		const struct lfunc *f = c->functions.items[i];
		if (strcmp(f->account, account) != 0)
			continue;
		total += f->code_size;
		count++;
		if (f->reserved > 0)
			reserved += f->reserved;
	}
	int limit = c->account_limit;
	pthread_mutex_unlock(&c->mu);
	cJSON *out = cJSON_CreateObject();
	cJSON *lim = cJSON_AddObjectToObject(out, "AccountLimit");
	cJSON_AddNumberToObject(lim, "TotalCodeSize", 80530636800.0);
	cJSON_AddNumberToObject(lim, "CodeSizeUnzipped", (double)LAMBDA_UNZIPPED_MAX);
	cJSON_AddNumberToObject(lim, "CodeSizeZipped", (double)LAMBDA_ZIP_MAX);
	cJSON_AddNumberToObject(lim, "ConcurrentExecutions", limit);
	cJSON_AddNumberToObject(lim, "UnreservedConcurrentExecutions", limit - reserved);
	cJSON *use = cJSON_AddObjectToObject(out, "AccountUsage");
	cJSON_AddNumberToObject(use, "TotalCodeSize", (double)total);
	cJSON_AddNumberToObject(use, "FunctionCount", count);
	reply_json(resp, 200, out);
}

/* Split "/<version>/functions/<name>[/<rest>]"; false when the path has another shape. */
static bool split_path(const char *path, const char *version, char *name, size_t n,
		       const char **rest)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "/%s/functions/", version);
	if (!str_starts_with(path, prefix))
		return false;
	const char *p = path + strlen(prefix);
	const char *slash = strchr(p, '/');
	size_t len = slash ? (size_t)(slash - p) : strlen(p);
	if (len == 0 || len >= n)
		return false;
	memcpy(name, p, len);
	name[len] = '\0';
	*rest = slash ? slash : "";
	return true;
}

void lambda_api(struct cloud *c, const char *account, const struct http_req *req,
		struct http_resp *resp)
{
	const char *m = req->method;
	const char *p = req->path;
	bool get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0,
	     put = strcmp(m, "PUT") == 0, del = strcmp(m, "DELETE") == 0;
	if (strcmp(p, "/2015-03-31/functions") == 0 || strcmp(p, "/2015-03-31/functions/") == 0) {
		if (post)
			create_function(c, account, req, resp);
		else if (get)
			list_functions(c, account, req, resp);
		else
			aws_error(resp, 405, "MethodNotAllowedException", "Method not allowed");
		return;
	}
	if (str_starts_with(p, "/2016-08-19/account-settings") && get) {
		account_settings(c, account, resp);
		return;
	}
	static const char *const versions[] = { "2015-03-31", "2017-10-31", "2019-09-30",
						"2014-11-13" };
	char ref[256];
	const char *rest = NULL;
	const char *version = NULL;
	for (size_t i = 0; i < 4 && !version; i++)
		if (split_path(p, versions[i], ref, sizeof(ref), &rest))
			version = versions[i];
	if (!version) {
		lambda_unserved(resp, req);
		return;
	}
	char name[65], ref_account[13], qualifier[129];
	struct api_err e = { 0 };
	if (!lambda_parse_ref(ref, name, ref_account, qualifier, &e)) {
		reply_err(resp, &e);
		return;
	}
	const char *q = http_query(req, "Qualifier");
	if (q && q[0]) {
		if (qualifier[0] && strcmp(q, qualifier) != 0) {
			aws_error(resp, 400, "InvalidParameterValueException",
				  "The derived qualifier from the function name does not match the "
				  "specified qualifier.");
			return;
		}
		snprintf(qualifier, sizeof(qualifier), "%s", q);
	}
	pthread_mutex_lock(&c->mu);
	struct lfunc *fn = NULL;
	if (!ref_account[0] || strcmp(ref_account, account) == 0)
		fn = lambda_fn_find(c, account, name);
	if (fn)
		lambda_fn_ref(fn);
	pthread_mutex_unlock(&c->mu);
	if (!fn || (qualifier[0] && strcmp(qualifier, "$LATEST") != 0)) {
		not_found(resp, ref_account[0] ? ref_account : account, name, qualifier);
		goto done;
	}
	if (strcmp(version, "2015-03-31") == 0) {
		if (!rest[0] && get) {
			pthread_mutex_lock(&c->mu);
			get_function(c, fn, false, resp);
			pthread_mutex_unlock(&c->mu);
		} else if (!rest[0] && del) {
			delete_function(c, fn, resp);
		} else if (strcmp(rest, "/configuration") == 0 && get) {
			pthread_mutex_lock(&c->mu);
			get_function(c, fn, true, resp);
			pthread_mutex_unlock(&c->mu);
		} else if (strcmp(rest, "/configuration") == 0 && put) {
			update_config(c, fn, req, resp);
		} else if (strcmp(rest, "/code") == 0 && put) {
			update_code(c, fn, req, resp);
		} else if (str_starts_with(rest, "/policy")) {
			lambda_policy_api(c, fn, rest, req, resp);
		} else if (strcmp(rest, "/invocations") == 0 && post) {
			struct invoke_opts o = {
				.type = http_header(req, "X-Amz-Invocation-Type"),
				.qualifier = qualifier,
				.tail = http_header(req, "X-Amz-Log-Type") &&
					strcmp(http_header(req, "X-Amz-Log-Type"), "Tail") == 0,
				.client_context_b64 = http_header(req, "X-Amz-Client-Context"),
			};
			lambda_invoke(c, account, fn, req, &o, resp);
		} else {
			lambda_unserved(resp, req);
		}
	} else if (strcmp(version, "2014-11-13") == 0 && strcmp(rest, "/invoke-async/") == 0 &&
		   post) {
		struct invoke_opts o = { .type = "Event" };
		lambda_invoke(c, account, fn, req, &o, resp);
		if (resp->status == 202)
			strbuf_addstr(&resp->body, "{\"Status\":202}");
	} else if (strcmp(rest, "/concurrency") == 0 && strcmp(version, "2017-10-31") == 0 && put) {
		put_concurrency(c, fn, req, resp);
	} else if (strcmp(rest, "/concurrency") == 0 && strcmp(version, "2017-10-31") == 0 && del) {
		pthread_mutex_lock(&c->mu);
		fn->reserved = -1;
		lambda_fn_save(c, fn);
		pthread_mutex_unlock(&c->mu);
		resp->status = 204;
	} else if (strcmp(rest, "/concurrency") == 0 && strcmp(version, "2019-09-30") == 0 && get) {
		cJSON *out = cJSON_CreateObject();
		pthread_mutex_lock(&c->mu);
		if (fn->reserved >= 0)
			cJSON_AddNumberToObject(out, "ReservedConcurrentExecutions", fn->reserved);
		pthread_mutex_unlock(&c->mu);
		reply_json(resp, 200, out);
	} else {
		lambda_unserved(resp, req);
	}
done:
	if (fn) {
		pthread_mutex_lock(&c->mu);
		lambda_fn_unref(fn);
		pthread_mutex_unlock(&c->mu);
	}
}
